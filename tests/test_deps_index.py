"""The package-index client and its response cache.

Parsing runs on real PyPI responses recorded by ``tools/record_index.py``
(``tests/data/index/``); HTTP behaviour (HTML fallback, 304, 404, timeouts, retries,
gzip, credentials) against a real HTTP server on 127.0.0.1; expiry with a fake clock.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import parse_wheel_filename
from packaging.version import Version

from alpine_ready.deps.cache import (
    IndexUnavailable,
    PackageIndexError,
    ProjectNotFound,
    ResponseCache,
    default_cache_root,
)
from alpine_ready.deps.index import (
    ACCEPT,
    ProjectFiles,
    PyPIIndex,
    normalize_name,
    parse_html_page,
)
from alpine_ready.net import pool

RECORDED = Path(__file__).parent / "data" / "index"
PYPI = "https://pypi.org/simple/"
T0 = 1_800_000_000.0


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _recorded(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    return doc


def _body(doc: dict[str, Any]) -> bytes:
    body = doc["body"]
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


def seed(cache: ResponseCache, fetched_at: float = T0) -> list[str]:
    """Every recorded JSON page into ``cache``, as PyPIIndex would have stored it."""
    names = []
    for p in sorted(RECORDED.glob("*.json")):
        if p.name.endswith(".html.json"):
            continue
        doc = json.loads(p.read_text())
        assert doc["accept"] == ACCEPT, f"{p.name}: re-record (the Accept header changed)"
        cache.put(doc["url"], ACCEPT, _body(doc), doc["headers"], fetched_at=fetched_at)
        names.append(p.name.removesuffix(".json"))
    return names


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def seeded(tmp_path: Path, clock: Clock) -> ResponseCache:
    cache = ResponseCache(tmp_path / "cache", clock=clock)
    seed(cache)
    return cache


# -- a real local server -----------------------------------------------------------------------

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.seen.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, headers, body = route(self)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def json_page(self, path: str, doc: dict[str, Any], **headers: str) -> None:
        body = json.dumps(doc).encode()
        hdrs = {"Content-Type": "application/vnd.pypi.simple.v1+json", **headers}
        self.routes[path] = lambda h: (200, hdrs, body)

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


def _page(name: str, *filenames: str, **extra: Any) -> dict[str, Any]:
    files = [
        {"filename": f, "url": f"/files/{f}", "hashes": {"sha256": "ab" * 32}, **extra}
        for f in filenames
    ]
    return {
        "meta": {"api-version": "1.1"},
        "name": name,
        "files": files,
        "versions": sorted({f.split("-")[1].removesuffix(".tar.gz") for f in filenames}),
    }


def _index(cache_dir: Path, url: str, **kw: Any) -> PyPIIndex:
    kw.setdefault("retries", 0)
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5.0)
    return PyPIIndex(url, cache=kw.pop("cache", None) or ResponseCache(cache_dir), **kw)


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "norm"),
    [
        ("Pydantic_Core", "pydantic-core"),
        ("zope.interface", "zope-interface"),
        ("a-_.-b", "a-b"),
        ("SIX", "six"),
        ("polars-runtime-32", "polars-runtime-32"),
    ],
)
def test_pep503_normalisation(given: str, norm: str) -> None:
    assert normalize_name(given) == norm


def test_invalid_project_name_is_refused_before_any_request(tmp_path: Path) -> None:
    index = _index(tmp_path, "http://127.0.0.1:9/simple/")
    with pytest.raises(ProjectNotFound, match="not a valid project name"):
        index.project("../etc")
    assert index.requests == 0


# -- the recorded PyPI pages (offline) --------------------------------------------------------


def test_recorded_data_is_small_and_complete() -> None:
    total = sum(p.stat().st_size for p in RECORDED.iterdir())
    assert total < 1024 * 1024
    for name in ("numpy", "duckdb", "pydantic-core", "torch", "polars-runtime-32"):
        assert _recorded(name)["status"] == 200


def test_duckdb_json_page(seeded: ResponseCache) -> None:
    index = PyPIIndex(cache=seeded, offline=True)
    duck = index.project("DuckDB")
    assert duck.name == "duckdb" and not duck.stale and duck.indexes == (PYPI,)
    assert list(duck.versions) == sorted(duck.versions, key=Version)
    assert {"1.3.2", "2.0.1"} <= set(duck.versions)
    # the fact the whole dependency check is about: 1.3.2 has musllinux wheels, 2.0.1 none
    musl_132 = [f for f in duck.files_for("1.3.2") if "musllinux" in f.filename]
    assert musl_132 and all(f.is_wheel for f in musl_132)
    assert not [f for f in duck.files_for("2.0.1") if "musllinux" in f.filename]
    assert [f for f in duck.files_for("2.0.1") if f.filename.endswith(".tar.gz")]
    for f in duck.files:
        assert f.url.startswith("https://files.pythonhosted.org/") and "#" not in f.url
        assert len(f.hash("sha256") or "") == 64
        assert isinstance(f.upload_time, datetime) and f.upload_time.tzinfo is not None
        assert isinstance(f.size, int) and f.size > 0
        assert f.index_url == PYPI and f.version in duck.versions
    assert index.requests == 0


def test_yanked_and_requires_python(seeded: ResponseCache) -> None:
    index = PyPIIndex(cache=seeded, offline=True)
    requests = index.project("requests")
    yanked = requests.files_for("2.32.0")
    assert yanked and all(f.yanked for f in yanked)
    assert all("CVE-2024-35195" in (f.yanked_reason or "") for f in yanked)
    ok = requests.files_for("2.32.3")
    assert ok and not any(f.yanked for f in ok)
    assert all(f.requires_python == ">=3.8" for f in ok)
    crypto = index.project("cryptography").files_for("45.0.0")
    assert crypto and all(f.yanked and f.yanked_reason is None for f in crypto)


def test_pure_and_no_sdist_projects(seeded: ResponseCache) -> None:
    index = PyPIIndex(cache=seeded, offline=True)
    six = index.project("six")
    assert any(f.filename.endswith("py2.py3-none-any.whl") for f in six.files_for("1.16.0"))
    torch = index.project("torch")
    assert torch.files and not any(f.filename.endswith(".tar.gz") for f in torch.files)
    mysql = index.project("mysqlclient")
    assert mysql.files and not any(f.is_wheel for f in mysql.files)


def test_fetch_many_offline_keeps_partial_results(seeded: ResponseCache) -> None:
    index = PyPIIndex(cache=seeded, offline=True, max_workers=4)
    names = [*seed(ResponseCache(seeded.root)), "Pydantic_Core", "not-recorded-anywhere"]
    got = index.fetch_many(names)
    assert list(got) == names  # keys as given, in order
    missing = got["not-recorded-anywhere"]
    assert isinstance(missing, IndexUnavailable)
    assert "https://pypi.org/simple/not-recorded-anywhere/" in str(missing)
    assert "offline" in str(missing) and "\n" not in str(missing)
    pc = got["Pydantic_Core"]
    assert isinstance(pc, ProjectFiles) and pc is got["pydantic-core"]
    assert all(isinstance(got[n], ProjectFiles) for n in names[:-1])
    assert index.requests == 0
    for whl in (f for f in pc.files if f.is_wheel):
        parse_wheel_filename(whl.filename)  # real names, parsable


# -- expiry, with a fake clock ----------------------------------------------------------------


def test_expiry_and_stale_flags(tmp_path: Path, clock: Clock) -> None:
    cache = ResponseCache(tmp_path, clock=clock, max_age=3600)
    cache.put("https://x/simple/a/", ACCEPT, b"{}", {"ETag": '"1"'})
    clock.now += 3599
    entry = cache.get("https://x/simple/a/", ACCEPT)
    assert entry is not None and not entry.stale
    clock.now += 2
    entry = cache.get("https://x/simple/a/", ACCEPT)
    assert entry is not None and entry.stale and entry.body == b"{}"
    assert entry.validators() == {"If-None-Match": '"1"'}
    assert cache.get("https://x/simple/a/", "text/html") is None  # Accept is in the key
    fresh = cache.refresh(entry)
    assert not fresh.stale and cache.get("https://x/simple/a/", ACCEPT).stale is False  # type: ignore[union-attr]


def test_offline_serves_stale_entries_flagged(seeded: ResponseCache, clock: Clock) -> None:
    clock.now += 7 * 24 * 3600
    index = PyPIIndex(cache=seeded, offline=True)
    numpy = index.project("numpy")
    assert numpy.stale and numpy.files
    assert index.requests == 0


def test_cache_root_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_root() == tmp_path / "alpine-ready" / "index"
    assert ResponseCache().root == tmp_path / "alpine-ready" / "index"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_root() == Path.home() / ".cache" / "alpine-ready" / "index"


def test_corrupt_entry_is_a_miss_and_removed(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put("https://x/simple/a/", ACCEPT, b"body")
    p = cache.path("https://x/simple/a/", ACCEPT)
    p.write_bytes(p.read_bytes()[:-1])  # truncated: the size no longer matches
    assert cache.get("https://x/simple/a/", ACCEPT) is None
    assert not p.exists()
    assert not [q for q in tmp_path.rglob(".tmp-*")]  # atomic writes leave nothing behind


def test_size_bound_evicts_least_recently_used(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, max_bytes=4000)  # three entries of ~1250 bytes fit
    for i, name in enumerate("abc"):
        cache.put(f"https://x/simple/{name}/", ACCEPT, bytes(900))
        p = cache.path(f"https://x/simple/{name}/", ACCEPT)
        os.utime(p, (1000 + i, 1000 + i))
    assert cache.size() <= 4000
    assert cache.get("https://x/simple/a/", ACCEPT) is not None  # touched: now the newest
    cache.put("https://x/simple/d/", ACCEPT, bytes(900))
    assert cache.size() <= 4000
    assert cache.get("https://x/simple/b/", ACCEPT) is None  # the least recently used
    assert cache.get("https://x/simple/a/", ACCEPT) is not None
    assert cache.get("https://x/simple/d/", ACCEPT) is not None


# -- over HTTP (a real server on 127.0.0.1) ---------------------------------------------------


def test_html_fallback_matches_json(tmp_path: Path, seeded: ResponseCache) -> None:
    """A static PEP 503 directory (the real requests page) parses like PyPI's JSON."""
    www = tmp_path / "www"
    page = www / "simple" / "requests" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(_recorded("requests.html")["body"])

    class Static(SimpleHTTPRequestHandler):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, directory=str(www), **kw)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Static)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/simple"  # no trailing slash
        index = _index(tmp_path / "c", url)
        html = index.project("Requests")
    finally:
        httpd.shutdown()
        httpd.server_close()
    from_json = PyPIIndex(cache=seeded, offline=True).project("requests")

    def key(p: ProjectFiles) -> set[tuple[Any, ...]]:
        return {
            (
                f.filename,
                f.url,
                f.hash(),
                f.requires_python,
                f.yanked,
                (f.yanked_reason or "").strip() or None,
                f.version,
            )
            for f in p.files
        }

    assert html.files and key(html) == key(from_json)
    assert set(html.versions) == {f.version for f in from_json.files}
    assert all(f.upload_time is None for f in html.files)  # HTML has no upload times


def test_handwritten_html_page(tmp_path: Path) -> None:
    body = b"""<!DOCTYPE html><html><head>
<meta name="pypi:repository-version" content="1.0"><base href="https://mirror.example/">
</head><body>
<a href="pkgs/foo-1.0.tar.gz#sha256=AA11" data-requires-python="&gt;=3.9,&lt;4">foo-1.0.tar.gz</a>
<a href="/pkgs/foo-1.1-py3-none-any.whl" data-yanked="">foo-1.1-py3-none-any.whl</a>
<a href="https://cdn.example/foo-2.0-cp312-cp312-musllinux_1_2_x86_64.whl#md5=ff"
   data-yanked="bad build">foo-2.0-cp312-cp312-musllinux_1_2_x86_64.whl</a>
</body></html>"""
    files = parse_html_page(body, "https://idx.example/simple/foo/", "foo")
    assert [f.filename for f in files] == [
        "foo-1.0.tar.gz",
        "foo-1.1-py3-none-any.whl",
        "foo-2.0-cp312-cp312-musllinux_1_2_x86_64.whl",
    ]
    a, b, c = files
    assert a.url == "https://mirror.example/pkgs/foo-1.0.tar.gz"
    assert a.hashes == (("sha256", "aa11"),) and a.requires_python == ">=3.9,<4"
    assert not a.yanked and a.version == "1.0"
    assert b.url == "https://mirror.example/pkgs/foo-1.1-py3-none-any.whl"
    assert b.yanked and b.yanked_reason is None and b.hashes == ()
    assert c.yanked and c.yanked_reason == "bad build" and c.hash("md5") == "ff"
    with pytest.raises(IndexUnavailable, match=r"unsupported repository API version 2\.0"):
        parse_html_page(
            b'<meta name="pypi:repository-version" content="2.0">',
            "https://idx.example/simple/foo/",
            "foo",
        )


def test_404_is_project_not_found(tmp_path: Path, server: Server) -> None:
    index = _index(tmp_path, server.url + "/simple/")
    with pytest.raises(ProjectNotFound) as e:
        index.project("no-such-thing")
    assert str(e.value) == f"no-such-thing: no such project on {server.url}/simple/"
    assert server.seen[0][1]["Accept"] == ACCEPT


def test_timeout_is_index_unavailable_naming_the_url(tmp_path: Path, server: Server) -> None:
    def slow(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        server.release.wait(10)
        return 200, {}, b"{}"

    server.routes["/simple/slow/"] = slow
    index = _index(tmp_path, server.url + "/simple/", timeout=0.3, retries=1)
    start = time.monotonic()
    with pytest.raises(IndexUnavailable) as e:
        index.project("slow")
    assert time.monotonic() - start < 3
    assert str(e.value) == (
        f"slow: cannot reach {server.url}/simple/slow/ (timed out) after 2 attempts"
    )
    assert index.requests == 2


def test_fetch_many_partial_results(tmp_path: Path, server: Server) -> None:
    server.json_page("/simple/good/", _page("good", "good-1.0.tar.gz"))
    server.routes["/simple/slow/"] = lambda h: (server.release.wait(10), (200, {}, b""))[1]
    server.routes["/simple/broken/"] = lambda h: (
        200,
        {"Content-Type": "application/vnd.pypi.simple.v1+json"},
        b"{not json",
    )
    index = _index(tmp_path, server.url + "/simple/", timeout=0.3)
    got = index.fetch_many(["good", "missing", "slow", "broken"])
    assert isinstance(got["good"], ProjectFiles)
    assert got["good"].files[0].url == f"{server.url}/files/good-1.0.tar.gz"
    assert isinstance(got["missing"], ProjectNotFound)
    assert isinstance(got["slow"], IndexUnavailable) and "/simple/slow/" in str(got["slow"])
    assert isinstance(got["broken"], IndexUnavailable) and "not valid JSON" in str(got["broken"])


def test_retries_on_503_and_429_then_succeeds(tmp_path: Path, server: Server) -> None:
    answers = [(503, {}, b""), (429, {"Retry-After": "0"}, b"")]
    ok = json.dumps(_page("flaky", "flaky-1.0.tar.gz")).encode()

    def flaky(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if answers:
            return answers.pop(0)
        return 200, {"Content-Type": "application/vnd.pypi.simple.v1+json"}, ok

    server.routes["/simple/flaky/"] = flaky
    index = _index(tmp_path, server.url + "/simple/", retries=3)
    assert index.project("flaky").versions == ("1.0",)
    assert index.requests == 3
    answers[:] = [(503, {}, b"")] * 5
    server.routes["/simple/down/"] = flaky
    with pytest.raises(IndexUnavailable, match=r"down/: HTTP 503 .* after 4 attempts"):
        index.project("down")


def test_revalidation_304_reuses_the_body(tmp_path: Path, server: Server, clock: Clock) -> None:
    doc = _page("rev", "rev-1.0.tar.gz")
    body = json.dumps(doc).encode()

    def route(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if h.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return (
            200,
            {
                "Content-Type": "application/vnd.pypi.simple.v1+json",
                "ETag": '"v1"',
                "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT",
            },
            body,
        )

    server.routes["/simple/rev/"] = route
    cache = ResponseCache(tmp_path, clock=clock)
    index = _index(tmp_path, server.url + "/simple/", cache=cache)
    first = index.project("rev")
    assert index.project("rev") == first and index.requests == 1  # fresh: no request
    clock.now += 3601
    again = index.project("rev")
    assert index.requests == 2 and again == first and not again.stale
    sent = server.seen[-1][1]
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    entry = cache.get(f"{server.url}/simple/rev/", ACCEPT)
    assert entry is not None and entry.fetched_at == clock.now and entry.body == body


def test_unreachable_index_falls_back_to_a_stale_entry(
    tmp_path: Path, server: Server, clock: Clock
) -> None:
    server.json_page("/simple/p/", _page("p", "p-1.0.tar.gz"))
    cache = ResponseCache(tmp_path, clock=clock)
    index = _index(tmp_path, server.url + "/simple/", cache=cache)
    index.project("p")
    clock.now += 2 * 3600
    server.routes["/simple/p/"] = lambda h: (500, {}, b"")
    got = index.project("p")
    assert got.stale and got.versions == ("1.0",)


def test_gzip_and_credentials(tmp_path: Path, server: Server) -> None:
    body = gzip.compress(json.dumps(_page("secret", "secret-1.0.tar.gz")).encode())
    server.routes["/simple/secret/"] = lambda h: (
        200,
        {"Content-Type": "application/vnd.pypi.simple.v1+json", "Content-Encoding": "gzip"},
        body,
    )
    host = server.url.removeprefix("http://")
    index = _index(tmp_path, f"http://alice:s3cr%40t@{host}/simple/")
    got = index.project("secret")
    assert got.indexes == (f"{server.url}/simple/",) and got.versions == ("1.0",)
    headers = server.seen[0][1]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"alice:s3cr@t").decode()
    assert "gzip" in headers["Accept-Encoding"]
    for p in tmp_path.rglob("*"):
        if p.is_file():
            assert b"s3cr" not in p.read_bytes() and b"alice" not in p.read_bytes()


def test_extra_index_merge(tmp_path: Path, server: Server) -> None:
    server.json_page(
        "/a/simple/both/", _page("both", "both-1.0.tar.gz", "both-1.0-py3-none-any.whl")
    )
    server.json_page(
        "/b/simple/both/",
        _page("both", "both-1.0-py3-none-any.whl", "both-1.1-cp312-cp312-musllinux_1_2_x86_64.whl"),
    )
    server.json_page("/b/simple/only-b/", _page("only-b", "only_b-2.0.tar.gz"))
    a, b = server.url + "/a/simple/", server.url + "/b/simple"
    index = PyPIIndex(a, [b], cache=ResponseCache(tmp_path), retries=0)
    both = index.project("both")
    assert [f.filename for f in both.files] == [
        "both-1.0.tar.gz",
        "both-1.0-py3-none-any.whl",
        "both-1.1-cp312-cp312-musllinux_1_2_x86_64.whl",
    ]
    assert [f.index_url for f in both.files] == [a, a, b + "/"]
    assert both.versions == ("1.0", "1.1") and both.indexes == (a, b + "/")
    only_b = index.project("only_b")
    assert only_b.indexes == (b + "/",) and only_b.files[0].version == "2.0"
    with pytest.raises(
        ProjectNotFound,
        match=r"nowhere: no such project on .*/a/simple/, "
        r".*/b/simple/$",
    ):
        index.project("nowhere")
    # an extra index that fails is left out, as pip does: the primary's files stay
    server.routes["/b/simple/both/"] = lambda h: (502, {}, b"")
    partial = PyPIIndex(a, [b], cache=ResponseCache(tmp_path / "2"), retries=0).project("both")
    assert partial.indexes == (a,) and partial.versions == ("1.0",)
    # ... but when the primary index fails, the project is not known
    server.routes["/a/simple/both/"] = lambda h: (502, {}, b"")
    with pytest.raises(IndexUnavailable, match="a/simple/both/: HTTP 502"):
        PyPIIndex(a, [b], cache=ResponseCache(tmp_path / "3"), retries=0).project("both")


def test_errors_are_one_line_package_index_errors(tmp_path: Path) -> None:
    with pytest.raises(PackageIndexError, match="not an index URL"):
        PyPIIndex("ftp://example.org/simple/", cache=ResponseCache(tmp_path))
    index = _index(tmp_path, "http://127.0.0.1:9/simple/")  # discard port: refused
    with pytest.raises(IndexUnavailable, match=r"^x: cannot reach http://127.0.0.1:9/simple/x/"):
        index.project("x")


# -- the real PyPI ----------------------------------------------------------------------------


@pytest.mark.online
def test_real_pypi(tmp_path: Path) -> None:
    index = PyPIIndex(cache=ResponseCache(tmp_path))
    got = index.fetch_many(["six", "DuckDB"])
    six, duck = got["six"], got["DuckDB"]
    assert isinstance(six, ProjectFiles) and isinstance(duck, ProjectFiles)
    assert any(f.filename.endswith("-py2.py3-none-any.whl") for f in six.files)
    assert any("musllinux" in f.filename for f in duck.files_for("1.3.2"))
    assert index.requests == 2
    offline = PyPIIndex(cache=ResponseCache(tmp_path), offline=True)
    assert offline.project("six") == six


def test_kept_alive_connection_is_reused_and_survives_a_close(
    tmp_path: Path, server: Server
) -> None:
    """HTTP/1.1 keep-alive: one connection for many pages (a cold 300-package lockfile is
    300 requests: one TLS handshake and DNS lookup each was most of its time); a server
    that closes a kept-alive connection costs one silent retry on a new one."""
    server.httpd.RequestHandlerClass.protocol_version = "HTTP/1.1"  # type: ignore[attr-defined]
    peers: list[tuple[str, int]] = []
    for name in ("a", "b", "c", "d"):
        body = json.dumps(_page(name, f"{name}-1.0.tar.gz")).encode()

        def route(
            h: BaseHTTPRequestHandler, body: bytes = body
        ) -> tuple[int, dict[str, str], bytes]:
            peers.append(h.client_address)
            return 200, {"Content-Type": "application/vnd.pypi.simple.v1+json"}, body

        server.routes[f"/simple/{name}/"] = route
    index = _index(tmp_path, server.url + "/simple/", max_workers=1)
    for name in ("a", "b", "c"):
        assert index.project(name).versions == ("1.0",)
    assert len(set(peers)) == 1, peers  # one connection for three pages
    # the server drops the kept-alive connection: the next request still succeeds
    server.httpd.RequestHandlerClass.protocol_version = "HTTP/1.0"  # type: ignore[attr-defined]
    for conn in pool.idle():
        if conn.sock is not None:
            conn.sock.shutdown(2)
    assert index.project("d").versions == ("1.0",)
    assert index.requests == 4
