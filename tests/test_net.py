"""The one HTTP layer (alpine_ready.net) against real servers on 127.0.0.1.

Keep-alive and its limits, retries (Retry-After honoured and capped, bounded, a refused
port tried twice), redirects (credentials never to another origin), bounded and
decoded bodies, a body cut short, TLS (untrusted, unverified, trusted through
SSL_CERT_FILE, plain HTTP answering a handshake), secrets kept out of logs and
errors, and the pool across threads and a fork.  Sleeps are recorded, not slept.
Proxies are in test_net_proxy.py.
"""

from __future__ import annotations

import gzip
import http.server
import logging
import os
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest

from alpine_ready.net import pool
from alpine_ready.net.client import HttpClient, Settings
from alpine_ready.net.errors import (
    BadEncoding,
    BodyTooLarge,
    ConnectionLost,
    RedirectError,
    TlsError,
    TlsUntrusted,
    Unreachable,
    Unresolvable,
)
from alpine_ready.net.retry import RetryPolicy, retry_after

Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[http.server.BaseHTTPRequestHandler], Reply | None]


class QuietServer(http.server.ThreadingHTTPServer):
    """A threaded server that does not print the connections its clients broke off."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class Origin:
    """A threaded HTTP/1.1 server: ``routes`` by path; ``seen`` what came, peer included."""

    def __init__(self, *, tls: ssl.SSLContext | None = None, keep_alive: bool = True) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, str, dict[str, str], tuple[str, int]]] = []
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                path = self.path.split("?", 1)[0]
                origin.seen.append(
                    (self.command, self.path, dict(self.headers.items()), self.client_address)
                )
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                route = origin.routes.get(path)
                reply = route(self) if route else (404, {}, b"no such path")
                if reply is None:  # the route wrote (or cut) the answer itself
                    return
                status, headers, body = reply
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def peers(self, path: str) -> set[tuple[str, int]]:
        return {peer for _, p, _, peer in self.seen if p.split("?")[0] == path}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def origin() -> Iterator[Origin]:
    s = Origin()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _fresh_pool() -> Iterator[None]:
    pool.clear()
    yield
    pool.clear()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(retries: int = 3, sleeps: Sleeps | None = None, **kw: Any) -> HttpClient:
    kw.setdefault("timeout", 5.0)
    settings = Settings(
        retry=RetryPolicy(
            retries=retries, backoff=0.25, max_retry_after=kw.pop("max_retry_after", 60.0)
        ),
        **kw,
    )
    return HttpClient(settings, sleep=sleeps if sleeps is not None else Sleeps(), environ={})


def ok(body: bytes = b"hello", **headers: str) -> Route:
    return lambda h: (200, dict(headers), body)


# -- keep-alive -------------------------------------------------------------------------------


def test_one_connection_serves_requests_in_turn(origin: Origin) -> None:
    origin.routes["/a"] = ok(b"A" * 100)
    origin.routes["/b"] = ok(b"B" * 70_000)
    c = client()
    for _ in range(3):
        assert c.fetch(origin.url + "/a", limit=1000).body == b"A" * 100
        with c.request("GET", origin.url + "/b") as r:
            assert r.read_all(100_000) == b"B" * 70_000
    assert len({peer for *_, peer in origin.seen}) == 1
    assert c.requests == 6 and len(pool.idle()) == 1


def test_a_half_read_body_closes_its_connection(origin: Origin) -> None:
    origin.routes["/big"] = ok(b"x" * 200_000)
    origin.routes["/small"] = ok(b"small")
    c = client()
    r = c.request("GET", origin.url + "/big")
    assert r.read(10) == b"x" * 10
    r.close()  # the rest of the body is still on the wire: never read as the next answer
    assert pool.idle() == []
    assert c.fetch(origin.url + "/small", limit=100).body == b"small"
    assert origin.peers("/big").isdisjoint(origin.peers("/small"))


def test_a_kept_alive_connection_the_server_closed_is_replaced_silently(origin: Origin) -> None:
    origin.routes["/p"] = ok(b"page")
    c = client(retries=0)
    assert c.fetch(origin.url + "/p", limit=100).body == b"page"
    [conn] = pool.idle()
    assert conn.sock is not None
    conn.sock.shutdown(socket.SHUT_RDWR)  # as a server's idle timeout would
    got = c.fetch(origin.url + "/p", limit=100)
    assert got.body == b"page" and got.attempts == 1 and c.requests == 2


def test_threads_share_the_pool_never_a_connection(origin: Origin) -> None:
    for i in range(8):
        origin.routes[f"/{i}"] = ok(f"answer {i} ".encode() * (i * 500 + 1))
    c = client()
    wrong: list[str] = []

    def work(i: int) -> None:
        for _ in range(25):
            body = c.fetch(f"{origin.url}/{i}", limit=100_000).body
            if body != f"answer {i} ".encode() * (i * 500 + 1):
                wrong.append(f"{i}: {body[:20]!r}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == [] and c.requests == 200
    assert len({peer for *_, peer in origin.seen}) <= 8 + pool.MAX_IDLE
    assert 1 <= len(pool.idle()) <= 8


def test_a_forked_child_does_not_use_the_parents_connections(origin: Origin) -> None:
    origin.routes["/p"] = ok(b"page")
    c = client()
    c.fetch(origin.url + "/p", limit=100)
    assert len(pool.idle()) == 1
    pid = os.fork()
    if pid == 0:  # the child: none of the parent's sockets, and its own request works
        code = 0 if not pool.idle() and c.fetch(origin.url + "/p", limit=100).body == b"page" else 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    [conn] = pool.idle()  # the parent's is still there, and still works
    assert c.fetch(origin.url + "/p", limit=100).body == b"page"
    assert pool.idle() == [conn]


# -- retries -----------------------------------------------------------------------------------


def answers(*replies: Reply) -> Route:
    left = list(replies)
    return lambda h: left.pop(0) if len(left) > 1 else left[0]


def test_retry_after_is_honoured_and_bounded(origin: Origin) -> None:
    date = formatdate(time.time() + 30, usegmt=True)
    origin.routes["/flaky"] = answers(
        (503, {"Retry-After": "2"}, b""),
        (429, {"Retry-After": "3600"}, b""),
        (502, {"Retry-After": date}, b""),
        (500, {}, b""),
        (200, {}, b"at last"),
    )
    sleeps = Sleeps()
    got = client(retries=4, sleeps=sleeps, max_retry_after=10.0).fetch(
        origin.url + "/flaky", limit=100
    )
    assert got.body == b"at last" and got.attempts == 5
    assert sleeps[:2] == [2.0, 10.0]  # as asked; an hour capped at max_retry_after
    assert 9.0 <= sleeps[2] <= 10.0  # an HTTP date: its distance, capped
    assert sleeps[3] == 2.0  # no Retry-After: the backoff (0.25 * 2**3)
    assert retry_after("soon") is None and retry_after("") is None


def test_retries_are_bounded_and_the_last_answer_returned(origin: Origin) -> None:
    origin.routes["/down"] = lambda h: (503, {}, b"down")
    sleeps = Sleeps()
    with client(retries=2, sleeps=sleeps).request("GET", origin.url + "/down") as r:
        assert r.status == 503 and r.attempts == 3
    assert sleeps == [0.25, 0.5]
    assert len([s for s in origin.seen if s[1] == "/down"]) == 3


def test_nobody_listening_is_tried_twice_not_a_minute() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nobody listens there
    sleeps = Sleeps()
    with pytest.raises(Unreachable) as e:
        client(retries=5, sleeps=sleeps).fetch(f"http://127.0.0.1:{port}/x", limit=10)
    assert e.value.refused and e.value.attempts == 2 and sleeps == [0.25]
    assert str(e.value) == (
        f"cannot reach http://127.0.0.1:{port} (ConnectionRefusedError: "
        "[Errno 111] Connection refused) after 2 attempts"
    )


def test_a_timeout_is_retried_then_unreachable(origin: Origin) -> None:
    release = threading.Event()
    origin.routes["/slow"] = lambda h: (release.wait(5), (200, {}, b""))[1]
    try:
        with pytest.raises(Unreachable) as e:
            client(retries=1, timeout=0.3).fetch(origin.url + "/slow", limit=10)
    finally:
        release.set()
    assert e.value.timed_out and e.value.attempts == 2 and e.value.detail == "timed out"


def test_an_unknown_host_is_not_retried() -> None:
    sleeps = Sleeps()
    with pytest.raises(Unresolvable) as e:
        client(retries=3, sleeps=sleeps).fetch("http://no-such-host.invalid/x", limit=10)
    assert e.value.attempts == 1 and sleeps == []
    assert str(e.value).startswith("cannot resolve no-such-host.invalid: ")


def test_a_body_cut_short_is_lost_not_short(origin: Origin) -> None:
    def cut(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b"x" * 10)
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)

    origin.routes["/cut"] = cut
    c = client(retries=1)
    r = c.request("GET", origin.url + "/cut")
    assert r.read(10) == b"x" * 10
    with pytest.raises(ConnectionLost) as e:
        r.read(100)
    assert "IncompleteRead" in e.value.detail
    # fetch retries a broken body like a broken connection, then says so
    with pytest.raises(Unreachable) as u:
        c.fetch(origin.url + "/cut", limit=10_000)
    assert u.value.attempts == 2 and "IncompleteRead" in u.value.detail


# -- redirects and credentials --------------------------------------------------------------


def test_credentials_stay_on_their_origin(origin: Origin) -> None:
    other = Origin()  # the same machine under another name: another origin
    try:
        back = f"{origin.url}/home"
        other.routes["/away"] = lambda h: (302, {"Location": back}, b"")
        origin.routes["/start"] = lambda h: (301, {"Location": "/moved"}, b"")
        origin.routes["/moved"] = lambda h: (
            307,
            {"Location": f"http://localhost:{other.port}/away?sig=s3cret"},
            b"",
        )
        origin.routes["/home"] = ok(b"home")
        got = client().fetch(f"{origin.url}/start", {"Authorization": "Bearer t0ken"}, limit=100)
        assert got.body == b"home" and got.url == back
        auth = {p.split("?")[0]: h.get("Authorization") for _, p, h, _ in origin.seen}
        assert auth == {
            "/start": "Bearer t0ken",
            "/moved": "Bearer t0ken",
            "/home": "Bearer t0ken",
        }  # back on its origin: sent again
        assert [h.get("Authorization") for _, _, h, _ in other.seen] == [None]
    finally:
        other.close()


def test_userinfo_becomes_basic_auth_and_is_never_shown(
    origin: Origin, caplog: pytest.LogCaptureFixture
) -> None:
    origin.routes["/private"] = lambda h: (503, {}, b"")
    url = origin.url.replace("http://", "http://alice:s3cr%40t@") + "/private?token=t0ken"
    caplog.set_level(logging.DEBUG, logger="alpine_ready.net")
    with client(retries=1).request("GET", url) as r:
        assert r.status == 503
    assert all(h["Authorization"] == "Basic YWxpY2U6czNjckB0" for _, _, h, _ in origin.seen)
    text = caplog.text
    assert "/private" in text and "s3cr" not in text and "alice" not in text
    assert "t0ken" not in text
    origin.close()
    with pytest.raises(Unreachable) as e:
        client(retries=0).fetch(url, limit=10)
    assert "s3cr" not in str(e.value) and "t0ken" not in str(e.value)
    assert e.value.url == f"{origin.url}/private"


def test_redirect_limits(origin: Origin) -> None:
    origin.routes["/loop"] = lambda h: (302, {"Location": "/loop"}, b"")
    origin.routes["/ftp"] = lambda h: (302, {"Location": "ftp://example.org/x"}, b"")
    sleeps = Sleeps()
    with pytest.raises(RedirectError, match=r"more than 10 redirects"):
        client(sleeps=sleeps).fetch(origin.url + "/loop", limit=10)
    assert len(origin.seen) == 11 and sleeps == []
    with pytest.raises(RedirectError, match="not http"):
        client().fetch(origin.url + "/ftp", limit=10)


def test_see_other_turns_a_post_into_a_get(origin: Origin) -> None:
    origin.routes["/form"] = lambda h: (303, {"Location": "/result"}, b"")
    origin.routes["/result"] = ok(b"done")
    with client().request(
        "POST", origin.url + "/form", {"Content-Type": "text/plain"}, b"data"
    ) as r:
        assert r.read_all(100) == b"done"
    assert [(m, p) for m, p, _, _ in origin.seen] == [("POST", "/form"), ("GET", "/result")]
    assert "Content-Type" not in origin.seen[1][2]


# -- bounded, decoded bodies ----------------------------------------------------------------


def test_bodies_are_bounded_declared_or_not(origin: Origin) -> None:
    origin.routes["/declared"] = ok(b"x" * 5000)

    def streamed(h: http.server.BaseHTTPRequestHandler) -> None:  # no length: until close
        h.close_connection = True
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(b"y" * 5000)

    origin.routes["/streamed"] = streamed
    c = client()
    with pytest.raises(BodyTooLarge) as e:
        c.fetch(origin.url + "/declared", limit=1000)
    assert e.value.declared == 5000 and e.value.limit == 1000
    with pytest.raises(BodyTooLarge) as e:
        c.fetch(origin.url + "/streamed", limit=1000)
    assert e.value.declared is None
    assert c.fetch(origin.url + "/streamed", limit=5000).body == b"y" * 5000


def test_gzip_is_decoded_within_the_bound(origin: Origin) -> None:
    page = b"<html>" + b"a" * 10_000 + b"</html>"
    origin.routes["/gz"] = ok(gzip.compress(page), **{"Content-Encoding": "gzip"})
    origin.routes["/bomb"] = ok(gzip.compress(b"\0" * 10_000_000), **{"Content-Encoding": "gzip"})
    origin.routes["/broken"] = ok(b"not gzip at all", **{"Content-Encoding": "gzip"})
    origin.routes["/br"] = ok(b"...", **{"Content-Encoding": "br"})
    c = client()
    assert c.fetch(origin.url + "/gz", limit=20_000).body == page
    with pytest.raises(BodyTooLarge):
        c.fetch(origin.url + "/bomb", limit=1_000_000)
    with pytest.raises(BadEncoding, match="corrupt gzip body"):
        c.fetch(origin.url + "/broken", limit=1000)
    with pytest.raises(BadEncoding, match="unsupported Content-Encoding 'br'"):
        c.fetch(origin.url + "/br", limit=1000)


# -- TLS -------------------------------------------------------------------------------------


def make_cert(directory: Path, *names: str) -> tuple[Path, Path]:
    """A self-signed certificate (and key) for ``names`` (DNS names or IP addresses)."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    san = ",".join(f"IP:{n}" if n[0].isdigit() else f"DNS:{n}" for n in names)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            f"/CN={names[0]}",
            "-addext",
            f"subjectAltName={san}",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def test_tls_untrusted_unverified_and_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = make_cert(tmp_path, "127.0.0.1")
    server = Origin(tls=server_context(cert, key))
    server.routes["/x"] = ok(b"secret page")
    try:
        sleeps = Sleeps()
        with pytest.raises(TlsUntrusted) as e:
            client(sleeps=sleeps).fetch(server.url + "/x", limit=100)
        assert "self-signed certificate" in e.value.verify_message and sleeps == []
        assert client(tls_verify=False).fetch(server.url + "/x", limit=100).body == b"secret page"
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the next context trusts it
        assert client().fetch(server.url + "/x", limit=100).body == b"secret page"
    finally:
        server.close()


def test_https_to_a_plain_http_server_says_so(origin: Origin) -> None:
    with pytest.raises(TlsError) as e:
        client().fetch(origin.url.replace("http://", "https://") + "/x", limit=10)
    assert e.value.plain_http and e.value.attempts == 1
