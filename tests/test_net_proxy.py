"""HTTPS_PROXY / HTTP_PROXY / NO_PROXY, through a real proxy written here.

The proxy forwards absolute-URI requests (``http``) and tunnels ``CONNECT`` (``https``);
it maps the host names clients ask for -- ``pypi.test``, ``registry.test``, which do not
resolve -- to servers on 127.0.0.1, so an answer proves the request went through it.
The registry client (a real docker-registry) and the package-index client go through
it as the HTTP layer does.
"""

from __future__ import annotations

import http.client
import http.server
import json
import logging
import select
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.index import PyPIIndex
from alpine_ready.errors import InputError
from alpine_ready.inputs.image.reference import parse
from alpine_ready.inputs.image.registry import open_registry_image
from alpine_ready.net import pool
from alpine_ready.net.client import HttpClient, Settings
from alpine_ready.net.errors import Unresolvable
from alpine_ready.net.proxy import Proxy, proxy_for
from alpine_ready.net.retry import RetryPolicy
from alpine_ready.net.urls import basic_authorization
from test_net import Origin, QuietServer, make_cert, ok, server_context
from test_registry import (  # noqa: F401 (fixtures)
    Built,
    Registry,
    fast,
    needs_registry,
    pushed,
    read_layer_files,
    registry,
)

HOP_BY_HOP = {
    "connection",
    "proxy-connection",
    "proxy-authorization",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
}


class ForwardProxy:
    """An HTTP proxy: ``hosts`` maps ``name:port`` to where that server really is."""

    def __init__(
        self, hosts: dict[str, tuple[str, int]], credentials: tuple[str, str] | None = None
    ) -> None:
        self.hosts = hosts
        self.want = basic_authorization(*credentials) if credentials else None
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _allowed(self) -> bool:
                proxy.seen.append((self.command, self.path, dict(self.headers.items())))
                if proxy.want and self.headers.get("Proxy-Authorization") != proxy.want:
                    self.send_response(407)
                    self.send_header("Proxy-Authenticate", 'Basic realm="proxy"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return False
                return True

            def do_CONNECT(self) -> None:
                if not self._allowed():
                    return
                dest = proxy.hosts.get(self.path)
                if dest is None:
                    self.send_error(502)
                    return
                upstream = socket.create_connection(dest)
                self.send_response(200, "Connection established")
                self.end_headers()
                self.close_connection = True
                pipe(self.connection, upstream)
                upstream.close()

            def do_GET(self) -> None:
                if not self._allowed():
                    return
                parts = urllib.parse.urlsplit(self.path)
                dest = proxy.hosts.get(f"{parts.hostname}:{parts.port or 80}")
                if parts.scheme != "http" or dest is None:
                    self.send_error(502)
                    return
                conn = http.client.HTTPConnection(*dest, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                conn.request("GET", target, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                conn.close()

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until one side closes."""
    while True:
        ready, _, _ = select.select([a, b], [], [], 10)
        if not ready:
            return
        for s in ready:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


@pytest.fixture(autouse=True)
def _fresh_pool() -> Iterator[None]:
    pool.clear()
    yield
    pool.clear()


def client(environ: dict[str, str]) -> HttpClient:
    return HttpClient(
        Settings(timeout=5.0, retry=RetryPolicy(retries=1, backoff=0.01)), environ=environ
    )


# -- the rules -------------------------------------------------------------------------------

P = ("proxy.corp", 3128)


@pytest.mark.parametrize(
    ("environ", "url", "want"),
    [
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, "https://ghcr.io/v2/", P),
        ({"HTTPS_PROXY": "proxy.corp:3128"}, "https://ghcr.io/v2/", P),  # no scheme
        ({"HTTPS_PROXY": "http://proxy.corp"}, "https://ghcr.io/v2/", ("proxy.corp", 80)),
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, "http://ghcr.io/v2/", None),  # https only
        ({"HTTP_PROXY": "http://proxy.corp:3128"}, "http://pypi.test/", P),
        (
            {"https_proxy": "http://proxy.corp:3128", "HTTPS_PROXY": "http://other:1"},
            "https://ghcr.io/",
            P,
        ),  # lower case wins
        (
            {"HTTP_PROXY": "http://proxy.corp:3128", "REQUEST_METHOD": "GET"},
            "http://pypi.test/",
            None,
        ),  # CGI: HTTP_PROXY may come from a client's header
        ({"http_proxy": "http://proxy.corp:3128", "REQUEST_METHOD": "GET"}, "http://pypi.test/", P),
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, "https://localhost:5000/v2/", None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, "https://127.0.0.7/v2/", None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128"}, "https://[::1]:5000/v2/", None),
        ({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "*"}, "https://ghcr.io/", None),
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "example.org, ghcr.io"},
            "https://ghcr.io/",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "ghcr.io"},
            "https://pkg.ghcr.io/",
            None,
        ),  # a domain covers its subdomains
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": ".ghcr.io"},
            "https://ghcr.io/",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "*.ghcr.io"},
            "https://a.ghcr.io/",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "cr.io"},
            "https://ghcr.io/",
            P,
        ),  # not a suffix by label
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "ghcr.io:8443"},
            "https://ghcr.io/",
            P,
        ),  # another port
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "ghcr.io:8443"},
            "https://ghcr.io:8443/",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "no_proxy": "10.0.0.0/8"},
            "https://10.1.2.3:5000/",
            None,
        ),
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "no_proxy": "10.0.0.0/8"},
            "https://192.168.1.1/",
            P,
        ),
        (
            {"HTTPS_PROXY": "http://proxy.corp:3128", "no_proxy": "192.168.1.1"},
            "https://192.168.1.1/",
            None,
        ),
    ],
)
def test_which_proxy(environ: dict[str, str], url: str, want: tuple[str, int] | None) -> None:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    got = proxy_for(parts.scheme, parts.hostname or "", port, environ)
    assert (got.host, got.port) == want if got is not None else want is None


def test_proxy_credentials_are_never_shown() -> None:
    got = proxy_for("https", "ghcr.io", 443, {"HTTPS_PROXY": "http://bob:pr%40xy@p.corp:8080"})
    assert got == Proxy("p.corp", 8080, basic_authorization("bob", "pr@xy"))
    assert "pr" not in repr(got).replace("proxy", "") and got.label == "http://p.corp:8080"
    with pytest.raises(InputError) as e:
        proxy_for("https", "ghcr.io", 443, {"HTTPS_PROXY": "socks5://bob:s3cret@p.corp:1080"})
    assert "s3cret" not in str(e.value) and "socks5://p.corp:1080" in str(e.value)


# -- through a real proxy ---------------------------------------------------------------------


def test_http_through_a_proxy_with_credentials(caplog: pytest.LogCaptureFixture) -> None:
    origin = Origin()
    origin.routes["/simple/"] = ok(b"index page")
    proxy = ForwardProxy({"pypi.test:80": ("127.0.0.1", origin.port)}, ("bob", "pr0xy"))
    caplog.set_level(logging.DEBUG, logger="alpine_ready.net")
    try:
        good = client({"HTTP_PROXY": proxy.url.replace("//", "//bob:pr0xy@")})
        got = good.fetch("http://pypi.test/simple/", limit=100)
        assert got.body == b"index page"
        [(method, target, headers)] = proxy.seen
        assert (method, target) == ("GET", "http://pypi.test/simple/")
        assert headers["Proxy-Authorization"] == basic_authorization("bob", "pr0xy")
        assert all("Proxy-Authorization" not in h for _, _, h, _ in origin.seen)
        bad = client({"HTTP_PROXY": proxy.url.replace("//", "//bob:wrong@")})
        assert bad.fetch("http://pypi.test/simple/", limit=100).status == 407
        assert "pr0xy" not in caplog.text and "wrong" not in caplog.text
        assert "via http://127.0.0.1:" in caplog.text
    finally:
        proxy.close()
        origin.close()


def test_https_is_tunnelled_and_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = make_cert(tmp_path, "pypi.test")
    origin = Origin(tls=server_context(cert, key))
    origin.routes["/simple/six/"] = ok(b"six page")
    proxy = ForwardProxy({"pypi.test:443": ("127.0.0.1", origin.port)}, ("bob", "pr0xy"))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        c = client({"https_proxy": proxy.url.replace("//", "//bob:pr0xy@")})
        for _ in range(3):
            assert c.fetch("https://pypi.test/simple/six/", limit=100).body == b"six page"
        # one tunnel, kept alive: the proxy saw one CONNECT and no request inside it
        assert [(m, t) for m, t, _ in proxy.seen] == [("CONNECT", "pypi.test:443")]
        assert proxy.seen[0][2]["Proxy-Authorization"] == basic_authorization("bob", "pr0xy")
        assert {h["Host"] for _, _, h, _ in origin.seen} == {"pypi.test"}
        assert all("Proxy-Authorization" not in h for _, _, h, _ in origin.seen)
    finally:
        proxy.close()
        origin.close()


def test_no_proxy_and_loopback_go_direct() -> None:
    origin = Origin()
    origin.routes["/x"] = ok(b"direct")
    proxy = ForwardProxy({"pypi.test:80": ("127.0.0.1", origin.port)})
    try:
        env = {"HTTP_PROXY": proxy.url, "NO_PROXY": "example.org,.test"}
        with pytest.raises(Unresolvable):  # direct: the name resolves nowhere
            client(env).fetch("http://pypi.test/x", limit=100)
        assert client(env).fetch(origin.url + "/x", limit=100).body == b"direct"
        assert proxy.seen == []  # 127.0.0.1 is never proxied
    finally:
        proxy.close()
        origin.close()


# -- the two clients through it ----------------------------------------------------------------


def test_package_index_through_a_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = {
        "meta": {"api-version": "1.1"},
        "name": "six",
        "versions": ["1.16.0"],
        "files": [
            {
                "filename": "six-1.16.0-py2.py3-none-any.whl",
                "url": "/files/six-1.16.0-py2.py3-none-any.whl",
                "hashes": {"sha256": "ab" * 32},
            }
        ],
    }
    origin = Origin()
    origin.routes["/simple/six/"] = ok(
        json.dumps(page).encode(), **{"Content-Type": "application/vnd.pypi.simple.v1+json"}
    )
    proxy = ForwardProxy({"pypi.test:80": ("127.0.0.1", origin.port)})
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("http_proxy", raising=False)
    try:
        index = PyPIIndex("http://pypi.test/simple/", cache=ResponseCache(tmp_path), retries=0)
        six = index.project("six")
        assert six.versions == ("1.16.0",)
        assert six.files[0].url == "http://pypi.test/files/six-1.16.0-py2.py3-none-any.whl"
        assert [t for _, t, _ in proxy.seen] == ["http://pypi.test/simple/six/"]
    finally:
        proxy.close()
        origin.close()


@needs_registry
def test_registry_pull_through_a_proxy(
    registry: Registry,  # noqa: F811
    pushed: Built,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = int(registry.address.rsplit(":", 1)[1])
    proxy = ForwardProxy({f"registry.test:{port}": ("127.0.0.1", port)})
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("http_proxy", raising=False)
    try:
        ref = parse(f"docker://registry.test:{port}/test/small:v1")
        src = open_registry_image(ref, fast(insecure_http=True))
        assert src.manifest_digest == pushed.manifest_digest
        digest, size = pushed.layers[0][0], pushed.layers[0][1]
        assert "bin/true" in read_layer_files(src.blobs.open_blob(digest, size))
        targets = [t for _, t, _ in proxy.seen]
        assert f"http://registry.test:{port}/v2/test/small/manifests/v1" in targets
        assert f"http://registry.test:{port}/v2/test/small/blobs/{digest}" in targets
    finally:
        proxy.close()
