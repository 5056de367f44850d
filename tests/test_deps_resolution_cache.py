"""deps.resolution_cache: uv's answers reused while inputs and index pages are unchanged.

A real local index (the recorded duckdb page, served with an ETag) and a stand-in ``uv``
(a script that replays uv's recorded output and counts its runs) go through the real
:func:`~alpine_ready.deps.resolve.resolve`, the real response cache and the real
resolution cache; the end-to-end test runs ``deps`` twice and compares the JSON reports.
"""

from __future__ import annotations

import json
import stat
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from alpine_ready.deps import resolve as res
from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.check import DepsOptions, run
from alpine_ready.deps.index import ACCEPT
from alpine_ready.deps.resolution_cache import SUBDIR
from alpine_ready.deps.resolve import Resolver, resolve
from test_deps_index import Server, _recorded

DATA = Path(__file__).parent / "data" / "resolve"


class Index:
    """The recorded duckdb page on a local server; ``etag`` and ``extra`` change it."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.etag = '"v1"'
        self.extra: list[dict[str, object]] = []
        self.doc = _recorded("duckdb")["body"]
        server.routes["/simple/duckdb/"] = self._page

    def _page(self, h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if h.headers.get("If-None-Match") == self.etag:
            return 304, {"ETag": self.etag}, b""
        doc = dict(self.doc)
        doc["files"] = [*doc["files"], *self.extra]
        return (
            200,
            {"Content-Type": "application/vnd.pypi.simple.v1+json", "ETag": self.etag},
            json.dumps(doc).encode(),
        )

    @property
    def url(self) -> str:
        return f"{self.server.url}/simple/"

    def requests(self) -> int:
        return sum(1 for p, _h in self.server.seen if p == "/simple/duckdb/")


@pytest.fixture
def index() -> Iterator[Index]:
    s = Server()
    yield Index(s)
    s.close()


def _fake_uv(tmp_path: Path, case: str = "duckdb-musl-nobuild", rc: int = 0) -> Resolver:
    """A stand-in uv replaying a recorded run; each run appends a line to ``runs``."""
    out = (DATA / f"{case}.pylock.toml").read_text() if rc == 0 else ""
    err = (DATA / f"{case}.stderr").read_text()
    script = tmp_path / "bin" / "uv"
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"""#!{sys.executable}
import sys
if sys.argv[1:] == ["--version"]:
    print("uv 0.13.9 (fake)")
    raise SystemExit(0)
sys.stdin.read()
with open({str(tmp_path / "runs")!r}, "a") as f:
    f.write(" ".join(sys.argv[1:]) + "\\n")
sys.stdout.write({out!r})
sys.stderr.write({err!r})
raise SystemExit({rc!r})
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return Resolver(script, "0.13.9")


def _runs(tmp_path: Path, having: str = "") -> int:
    """uv runs so far (with ``having`` among their arguments)."""
    p = tmp_path / "runs"
    lines = p.read_text().splitlines() if p.exists() else []
    return sum(1 for line in lines if having in line.split(" ") or not having)


def _resolve(tmp_path: Path, index: Index, reqs: list[str], **kw: object) -> res.Resolution:
    if "resolver" not in kw:
        kw["resolver"] = _fake_uv(tmp_path)
    return resolve(
        reqs,
        libc="musl",
        binary_only=True,
        index_url=index.url,
        cache_dir=tmp_path / "cache" / "uv",
        **kw,  # type: ignore[arg-type]
    )


def _entries(tmp_path: Path) -> list[Path]:
    d = tmp_path / "cache" / SUBDIR
    return sorted(p for p in d.iterdir() if not p.name.startswith(".")) if d.exists() else []


def _age_pages(tmp_path: Path, seconds: float) -> None:
    """Make the index cache's duckdb page ``seconds`` old (stale beyond an hour)."""
    cache = ResponseCache(tmp_path / "cache")
    url = f"{_INDEX_URL[0]}duckdb/"
    entry = cache.get(url, ACCEPT)
    assert entry is not None
    cache.put(
        url,
        ACCEPT,
        entry.body,
        entry.headers,
        final_url=entry.final_url,
        fetched_at=time.time() - seconds,
    )


_INDEX_URL: list[str] = []


@pytest.fixture(autouse=True)
def _remember_url(index: Index) -> Iterator[None]:
    _INDEX_URL[:] = [index.url]
    yield


def _same(a: res.Resolution, b: res.Resolution) -> bool:
    """Equal but for the time uv took."""
    return a.packages == b.packages and (a.outcome, a.error, a.hints, a.causes, a.warnings) == (
        b.outcome,
        b.error,
        b.hints,
        b.causes,
        b.warnings,
    )


def test_an_unchanged_resolution_is_reused_without_uv_or_network(
    tmp_path: Path, index: Index
) -> None:
    first = _resolve(tmp_path, index, ["duckdb"])
    assert first.ok and first.pins == {"duckdb": "1.3.2"}
    assert _runs(tmp_path) == 1 and index.requests() == 1 and len(_entries(tmp_path)) == 1
    again = _resolve(tmp_path, index, ["duckdb"])
    assert _same(first, again)
    assert _runs(tmp_path) == 1  # uv not run
    assert index.requests() == 1  # the page is fresh: no request either


def test_changed_requirements_or_target_run_uv_again(tmp_path: Path, index: Index) -> None:
    _resolve(tmp_path, index, ["duckdb"])
    _resolve(tmp_path, index, ["duckdb<=2"])
    assert _runs(tmp_path) == 2
    _resolve(tmp_path, index, ["duckdb"], python="3.11")
    assert _runs(tmp_path) == 3
    _resolve(tmp_path, index, ["duckdb"])  # the first one is still there
    assert _runs(tmp_path) == 3 and len(_entries(tmp_path)) == 3


def test_a_changed_index_page_runs_uv_again(tmp_path: Path, index: Index) -> None:
    _resolve(tmp_path, index, ["duckdb"])
    # beyond freshness, an unchanged page (304) keeps the answer: one conditional request
    _age_pages(tmp_path, 7200)
    _resolve(tmp_path, index, ["duckdb"])
    assert _runs(tmp_path) == 1 and index.requests() == 2
    assert index.server.seen[-1][1].get("If-None-Match") == '"v1"'
    # a new upload changes the page and its ETag: uv runs again
    index.etag = '"v2"'
    index.extra = [
        {
            "filename": "duckdb-9.0.0.tar.gz",
            "url": "https://files.example/duckdb-9.0.0.tar.gz",
            "hashes": {"sha256": "ab" * 32},
        }
    ]
    _age_pages(tmp_path, 7200)
    _resolve(tmp_path, index, ["duckdb"])
    assert _runs(tmp_path) == 2 and index.requests() == 3
    _resolve(tmp_path, index, ["duckdb"])  # and the new answer is kept
    assert _runs(tmp_path) == 2


def test_a_fresh_page_is_trusted_until_it_is_stale(tmp_path: Path, index: Index) -> None:
    """Within freshness the index is not asked (a warm run makes no request)."""
    _resolve(tmp_path, index, ["duckdb"])
    index.etag = '"v2"'
    _resolve(tmp_path, index, ["duckdb"])
    assert _runs(tmp_path) == 1 and index.requests() == 1


@pytest.mark.parametrize("how", ["flip", "truncate", "append", "symlink", "key"])
def test_a_tampered_entry_is_a_miss_and_replaced(tmp_path: Path, index: Index, how: str) -> None:
    first = _resolve(tmp_path, index, ["duckdb"])
    (entry,) = _entries(tmp_path)
    raw = entry.read_bytes()
    if how == "flip":
        i = raw.index(b"duckdb", 100)
        entry.write_bytes(raw[:i] + b"Duckdb" + raw[i + 6 :])
    elif how == "truncate":
        entry.write_bytes(raw[: len(raw) // 2])
    elif how == "append":
        entry.write_bytes(raw + b" ")
    elif how == "symlink":
        target = tmp_path / "elsewhere"
        target.write_bytes(raw)
        entry.unlink()
        entry.symlink_to(target)
    else:  # a whole, sealed entry of other inputs copied over this one
        _resolve(tmp_path, index, ["duckdb<=2"])
        other = next(p for p in _entries(tmp_path) if p != entry)
        entry.write_bytes(other.read_bytes())
    runs = _runs(tmp_path)
    again = _resolve(tmp_path, index, ["duckdb"])
    assert _runs(tmp_path) == runs + 1 and _same(first, again)
    assert not entry.is_symlink() and entry.read_bytes() != b""
    if how == "symlink":
        assert (tmp_path / "elsewhere").read_bytes() == raw  # never written through
    _resolve(tmp_path, index, ["duckdb"])
    assert _runs(tmp_path) == runs + 1


def test_failures_kept_only_when_they_are_answers(tmp_path: Path, index: Index) -> None:
    """ "No solution" is kept (the left-out packages); a network failure never is."""
    _resolve(tmp_path, index, ["duckdb"], resolver=_fake_uv(tmp_path, "torch-musl", rc=1))
    _resolve(tmp_path, index, ["duckdb"], resolver=_fake_uv(tmp_path, "torch-musl", rc=1))
    assert _runs(tmp_path) == 1
    fail = _fake_uv(tmp_path, "unreachable-musl", rc=2)
    r = _resolve(tmp_path, index, ["duckdb==1.3.2"], resolver=fail)
    assert r.outcome == "error"
    _resolve(tmp_path, index, ["duckdb==1.3.2"], resolver=fail)
    # each: --offline first (uv revalidated the index a moment ago), then online
    assert _runs(tmp_path) == 5 and _runs(tmp_path, "--offline") == 2


def test_uv_runs_offline_first_right_after_an_online_run(tmp_path: Path, index: Index) -> None:
    first = _resolve(tmp_path, index, ["duckdb"])
    assert _runs(tmp_path, "--offline") == 0
    other = _resolve(tmp_path, index, ["duckdb<=2"])
    assert _same(first, other)  # (the stand-in answers the same)
    assert _runs(tmp_path) == 2 and _runs(tmp_path, "--offline") == 1  # offline answered
    assert len(_entries(tmp_path)) == 2  # and is kept: uv's cache was fresh
    _resolve(tmp_path, index, ["duckdb<=2"])
    assert _runs(tmp_path) == 2


def test_offline_reuses_online_answers_but_makes_none(tmp_path: Path, index: Index) -> None:
    first = _resolve(tmp_path, index, ["duckdb"])
    again = _resolve(tmp_path, index, ["duckdb"], offline=True)
    assert _same(first, again) and _runs(tmp_path) == 1
    _resolve(tmp_path, index, ["duckdb<=2"], offline=True)
    _resolve(tmp_path, index, ["duckdb<=2"], offline=True)
    assert _runs(tmp_path) == 3 and len(_entries(tmp_path)) == 1


def test_a_cache_dir_of_another_layout_gets_no_resolution_cache(
    tmp_path: Path, index: Index
) -> None:
    kw = {"resolver": _fake_uv(tmp_path), "index_url": index.url}
    resolve(["duckdb"], cache_dir=tmp_path / "mine", **kw)  # type: ignore[arg-type]
    resolve(["duckdb"], cache_dir=tmp_path / "mine", **kw)  # type: ignore[arg-type]
    assert _runs(tmp_path) == 2 and not (tmp_path / SUBDIR).exists()


def test_warm_report_equals_cold_report(
    tmp_path: Path, index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``deps`` on an unpinned requirement twice: the same JSON, no uv, no request."""
    fake = _fake_uv(tmp_path)
    monkeypatch.setattr(res, "find_resolver", lambda: fake)
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "requirements.txt").write_text(f"--index-url {index.url}\nduckdb\n")
    opts = DepsOptions(str(proj), cache_dir=tmp_path / "cache")
    cold = json.dumps(run(opts).to_json(), indent=2)
    runs, requests = _runs(tmp_path), index.requests()
    assert runs == 2 and '"duckdb"' in cold  # glibc and musl
    warm = json.dumps(run(opts).to_json(), indent=2)
    assert warm == cold
    assert _runs(tmp_path) == runs and index.requests() == requests


def test_index_credentials_never_reach_the_entry(tmp_path: Path, index: Index) -> None:
    script = tmp_path / "uv-secret"
    base = _fake_uv(tmp_path, "impossible-musl", rc=1).path
    warn = 'sys.stderr.write("warning: slow index https://user:s3cret@mirror.example/simple/")\n'
    script.write_text(base.read_text().replace("raise SystemExit(1)", warn + "raise SystemExit(1)"))
    script.chmod(0o700)
    r = _resolve(tmp_path, index, ["duckdb"], resolver=Resolver(script, "0.13.9"))
    assert r.outcome == "unsatisfiable"
    (entry,) = _entries(tmp_path)
    raw = entry.read_bytes()
    assert b"s3cret" not in raw and b"mirror.example/simple" in raw
