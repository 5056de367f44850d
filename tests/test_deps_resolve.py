"""deps.resolve: uv resolution for a musl target, and the musl/glibc comparison.

Offline tests read real uv output recorded in tests/data/resolve/ (see its README) and
run a stand-in ``uv`` script to check the command line, the environment, stdin and the
timeout.  Online tests run the real uv against PyPI (a shared cache keeps them fast).
"""

from __future__ import annotations

import importlib
import json
import stat
import sys
import time
from pathlib import Path

import pytest
from packaging.version import Version

from alpine_ready.deps import resolve as res
from alpine_ready.deps.requirement import Requirement
from alpine_ready.deps.resolve import (
    Resolution,
    ResolutionDiff,
    ResolvedPackage,
    Resolver,
    compare,
    find_resolver,
    parse_pylock,
    parse_stderr,
    parse_via,
    requirement_line,
    resolve,
)
from alpine_ready.errors import InputError

DATA = Path(__file__).parent / "data" / "resolve"


def _lock(case: str) -> tuple[ResolvedPackage, ...]:
    return parse_pylock((DATA / f"{case}.pylock.toml").read_text())


def _stderr(case: str) -> res.Diagnostics:
    return parse_stderr((DATA / f"{case}.stderr").read_text())


def _resolution(
    case: str, libc: res.Libc = "musl", binary_only: bool = False, python: str = "3.12"
) -> Resolution:
    return Resolution(python, "x86_64", libc, binary_only, "resolved", _lock(case))


# -- parsing uv's pylock.toml ----------------------------------------------------------------


def test_pylock_sdist_only_release_is_a_source_build() -> None:
    (duck,) = _lock("duckdb-musl")
    assert (duck.name, duck.version) == ("duckdb", "2.0.1")
    assert duck.wheels == () and duck.sdist == "duckdb-2.0.1.tar.gz"
    assert duck.source_build


def test_pylock_binary_only_picks_the_last_musl_wheel() -> None:
    (duck,) = _lock("duckdb-musl-nobuild")
    assert duck.version == "1.3.2"
    assert duck.wheels == ("duckdb-1.3.2-cp312-cp312-musllinux_1_2_x86_64.whl",)
    assert not duck.source_build
    (gnu,) = _lock("duckdb-gnu")
    assert gnu.version == "2.0.1" and "manylinux_2_28_x86_64" in gnu.wheels[0]


def test_pylock_polars_brings_its_runtime_with_a_musl_wheel() -> None:
    pkgs = {p.name: p for p in _lock("polars-musl")}
    assert set(pkgs) == {"polars", "polars-runtime-32"}
    assert pkgs["polars"].wheels[0].endswith("-py3-none-any.whl")
    assert "musllinux_1_2_x86_64" in pkgs["polars-runtime-32"].wheels[0]


def test_pylock_extras_and_markers() -> None:
    pkgs = {p.name: p for p in _lock("markers-musl")}
    assert {"pydantic", "email-validator", "dnspython", "pydantic-core"} <= set(pkgs)
    assert "pywin32" not in pkgs  # sys_platform == "win32"
    assert "musllinux_1_1_x86_64" in pkgs["pydantic-core"].wheels[0]  # _1_1 only
    assert [p.name for p in _lock("markers-musl")] == sorted(pkgs)


def test_pylock_direct_reference_and_names() -> None:
    text = (
        'lock-version = "1.0"\ncreated-by = "uv"\n'
        '[[packages]]\nname = "Six"\nversion = "1.17.0"\n'
        'archive = { url = "https://example.org/six-1.17.0-py2.py3-none-any.whl" }\n'
        '[[packages]]\nname = "Zope.Interface"\nversion = "7.0"\n'
        'wheels = [{ name = "zope_interface-7.0-cp312-cp312-musllinux_1_2_x86_64.whl", '
        'url = "https://example.org/z%2Bw.whl" }]\n'
    )
    six, zope = parse_pylock(text)
    assert (six.name, six.url, six.wheels, six.source_build) == (
        "six",
        "https://example.org/six-1.17.0-py2.py3-none-any.whl",
        (),
        False,
    )
    assert zope.name == "zope-interface"
    assert zope.wheels == ("zope_interface-7.0-cp312-cp312-musllinux_1_2_x86_64.whl",)


@pytest.mark.parametrize(
    "text",
    [
        "not toml [",
        'name = "x"',
        'lock-version = "1.0"\npackages = "x"',
        'lock-version = "1.0"\n[[packages]]\nversion = "1"',
    ],
)
def test_pylock_garbage_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_pylock(text)


# -- parsing uv's stderr ---------------------------------------------------------------------


def test_stderr_no_musl_wheel_names_the_platform_tag() -> None:
    d = _stderr("torch-musl")
    assert d.no_solution and not d.network
    assert d.error == (
        "No solution found when resolving dependencies: torch>=2.2.0 has no "
        "wheels with a matching platform tag (e.g., `musllinux_1_2_x86_64`) "
        "and you require torch"
    )
    assert any(
        h.startswith("Wheels are available for `torch`") and "manylinux_2_28_x86_64" in h
        for h in d.hints
    )
    assert all("\n" not in h for h in d.hints)


def test_stderr_binary_only_failures() -> None:
    d = _stderr("mysqlclient-musl-nobuild")
    assert d.no_solution
    assert d.error is not None and d.error.endswith(
        "all versions of mysqlclient have no usable wheels and you require mysqlclient"
    )
    assert d.hints == (
        "Wheels are required for `mysqlclient` because building from source "
        "is disabled for all packages (i.e., with `--no-build`)",
    )
    sk = _stderr("scikit-learn-musl-nobuild")
    assert sk.no_solution and sk.error is not None and "\n" not in sk.error
    assert "you require scikit-learn" in sk.error and len(sk.hints) == 2


def test_stderr_impossible_requirement() -> None:
    d = _stderr("impossible-musl")
    assert d.error == (
        "No solution found when resolving dependencies: only numpy<=2.5.5 is "
        "available and you require numpy>=999"
    )
    assert d.no_solution and not d.network and d.hints == ()


def test_stderr_offline_miss_and_unreachable_index_are_network_problems() -> None:
    off = _stderr("offline-empty-musl")
    assert off.no_solution and off.network
    assert off.error is not None and "numpy was not found in the cache" in off.error
    down = _stderr("unreachable-musl")
    assert down.network and not down.no_solution
    assert down.error is not None and down.error.endswith("Connection refused (os error 111)")


def test_stderr_failed_sdist_build_keeps_the_exception_line() -> None:
    d = _stderr("mysql-python-musl")
    assert d.error == (
        "Failed to build `mysql-python==1.2.5`: ModuleNotFoundError: No module named 'ConfigParser'"
    )
    assert len(d.hints) == 1 and d.hints[0].startswith("This error likely indicates")


def test_stderr_odd_shapes() -> None:
    assert parse_stderr("").error is None
    assert parse_stderr("Resolved 1 package in 3ms\n").error is None
    assert (
        parse_stderr("thread 'main' panicked at x.rs:1\n").error
        == "thread 'main' panicked at x.rs:1"
    )
    d = parse_stderr(
        "warning: something odd\n  cause: why\nerror: Failed to fetch: "
        "https://user:secret@example.org/simple/x/\n  cause: refused\n"
    )
    assert d.warnings == ("something odd",)
    assert d.error == "Failed to fetch: https://example.org/simple/x/: refused"
    assert "secret" not in d.error


# -- compare ---------------------------------------------------------------------------------


def test_compare_binary_only_musl_shows_the_silent_downgrade() -> None:
    (diff,) = compare(
        _resolution("duckdb-musl-nobuild", binary_only=True), _resolution("duckdb-gnu", "gnu")
    )
    assert diff == ResolutionDiff("duckdb", "1.3.2", "2.0.1")
    assert diff.kind == "version"
    assert str(diff) == "duckdb: musl 1.3.2, glibc 2.0.1"


def test_compare_same_version_but_sdist_only_on_musl() -> None:
    (diff,) = compare(_resolution("duckdb-musl"), _resolution("duckdb-gnu", "gnu"))
    assert diff.kind == "source-build" and diff.musl_source_build
    assert not diff.glibc_source_build
    assert str(diff) == "duckdb 2.0.1: musl builds it from the sdist, glibc gets a wheel"


def test_compare_presence_and_identity() -> None:
    polars = _resolution("polars-musl")
    assert compare(polars, _resolution("polars-musl", "gnu")) == ()
    (only,) = compare(
        Resolution(
            "3.12",
            "x86_64",
            "musl",
            False,
            "resolved",
            (ResolvedPackage("a", "1", ("a-1-py3-none-any.whl",)),),
        ),
        Resolution("3.12", "x86_64", "gnu", False, "resolved", ()),
    )
    assert only.kind == "musl-only" and str(only) == "a: musl only (1)"
    (other,) = compare(
        Resolution("3.12", "x86_64", "musl", False, "resolved", ()),
        Resolution(
            "3.12",
            "x86_64",
            "gnu",
            False,
            "resolved",
            (ResolvedPackage("nvidia-nccl", "2.3", (), "n-2.3.tar.gz"),),
        ),
    )
    assert other.kind == "glibc-only"
    assert str(other) == "nvidia-nccl: glibc only (2.3 (built from source))"


def test_compare_refuses_failed_or_mismatched_resolutions() -> None:
    failed = Resolution("3.12", "x86_64", "musl", False, "unsatisfiable", error="No solution")
    with pytest.raises(ValueError, match="musl resolution failed"):
        compare(failed, _resolution("duckdb-gnu", "gnu"))
    with pytest.raises(ValueError, match=r"3\.13"):
        compare(_resolution("duckdb-musl", python="3.13"), _resolution("duckdb-gnu", "gnu"))


def test_resolution_accessors() -> None:
    r = _resolution("polars-musl")
    assert r.ok and r.platform == "x86_64-unknown-linux-musl"
    assert r.pins == {"polars": "2.1.0", "polars-runtime-32": "2.1.0"}
    got = r.get("Polars_Runtime.32")
    assert got is not None and got.version == "2.1.0"
    assert r.get("numpy") is None


# -- arguments -------------------------------------------------------------------------------


def test_requirement_line_from_parsed_inputs() -> None:
    ranged = Requirement(
        "pydantic", None, ">=2,<3", 'python_version >= "3.8"', ("email",), "requirements.txt", 1
    )
    assert requirement_line(ranged) == 'pydantic[email]>=2,<3 ; python_version >= "3.8"'
    locked = Requirement("duckdb", "1.3.2", "", None, (), "uv.lock", None)
    assert requirement_line(locked) == "duckdb==1.3.2"
    pinned = Requirement("numpy", "2.0.0", "==2.0.0", None, (), "requirements.txt", 2)
    assert requirement_line(pinned) == "numpy==2.0.0"


@pytest.mark.parametrize(
    "bad",
    [
        "numpy >>> 3",
        "-r other.txt",
        "--index-url http://x",
        "numpy\n-r /etc/passwd",
        "six @ https://example.org/six-1.0-py3-none-any.whl",
        "pkg @ file:///tmp/pkg",
    ],
)
def test_bad_requirements_are_input_errors(bad: str) -> None:
    with pytest.raises(InputError):
        resolve([bad], resolver=Resolver(Path("/nonexistent/uv"), "0.13.9"))


@pytest.mark.parametrize(
    "kw", [{"libc": "glibc"}, {"arch": "riscv64"}, {"python": "3"}, {"timeout": 0}]
)
def test_bad_target_is_an_input_error(kw: dict[str, object]) -> None:
    with pytest.raises(InputError):
        resolve(["numpy"], resolver=Resolver(Path("/nonexistent/uv"), "0.13.9"), **kw)  # type: ignore[arg-type]


def test_nothing_to_resolve_runs_nothing() -> None:
    r = resolve([], resolver=Resolver(Path("/nonexistent/uv"), "0.13.9"))
    assert r.ok and r.packages == () and r.pins == {}


def test_no_uv_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(res, "find_resolver", lambda: None)
    r = resolve(["numpy"])
    assert r.outcome == "unavailable" and not r.ok
    assert r.error is not None and "uv is not installed" in r.error


# -- the uv process (a stand-in uv) ----------------------------------------------------------


def _fake_uv(
    tmp_path: Path,
    *,
    case: str | None = None,
    rc: int = 0,
    sleep: float = 0,
    version: str = "uv 0.13.9 (fake)",
    stdout: str = "",
) -> Path:
    """A script that answers --version and otherwise records its call and replays a case."""
    out = stdout or (
        (DATA / f"{case}.pylock.toml").read_text()
        if case and (DATA / f"{case}.pylock.toml").exists()
        else ""
    )
    err = (DATA / f"{case}.stderr").read_text() if case else ""
    script = tmp_path / "bin" / "uv"
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"""#!{sys.executable}
import json, os, subprocess, sys, time
if sys.argv[1:] == ["--version"]:
    print({version!r})
    raise SystemExit(0)
call = {{"argv": sys.argv[1:], "stdin": sys.stdin.read(), "cwd": os.getcwd(),
        "cwd_files": os.listdir("."), "env": dict(os.environ)}}
if {sleep!r}:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    call["child"] = child.pid
with open({str(tmp_path / "call.json")!r}, "w") as f:
    json.dump(call, f)
time.sleep({sleep!r})
sys.stdout.write({out!r})
sys.stderr.write({err!r})
raise SystemExit({rc!r})
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _call(tmp_path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((tmp_path / "call.json").read_text())
    return data


def test_command_environment_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_CONSTRAINT", "/tmp/evil.txt")
    monkeypatch.setenv("UV_NO_BUILD", "1")
    monkeypatch.setenv("UV_INDEX_URL", "https://elsewhere.example/simple")
    monkeypatch.setenv("UV_NATIVE_TLS", "1")
    fake = Resolver.probe(_fake_uv(tmp_path, case="markers-musl"))
    assert fake is not None and fake.version == "0.13.9"
    cache = tmp_path / "cache"
    r = resolve(
        ['pydantic[email]>=2 ; python_version >= "3.8"', 'pywin32 ; sys_platform == "win32"'],
        python="3.13",
        arch="aarch64",
        libc="musl",
        index_url="https://user:pw@mirror.example/simple",
        extra_index_urls=["https://extra.example/simple"],
        offline=True,
        cache_dir=cache,
        timeout=30,
        resolver=fake,
    )
    assert r.ok and r.uv_version == "0.13.9" and "email-validator" in r.pins
    assert r.platform == "aarch64-unknown-linux-musl" and not r.binary_only
    call = _call(tmp_path)
    argv = call["argv"]
    assert isinstance(argv, list)
    assert argv[:4] == ["pip", "compile", "-", "--format"] and argv[4] == "pylock.toml"
    for flag in (
        ["--python-platform", "aarch64-unknown-linux-musl"],
        ["--python-version", "3.13"],
        ["--index-strategy", "unsafe-best-match"],
        ["--python", sys.executable],
    ):
        i = argv.index(flag[0])
        assert argv[i : i + 2] == flag
    assert {"--offline", "--no-config", "--no-python-downloads", "--no-header"} <= set(argv)
    assert "--no-build" not in argv
    assert not any("pw@" in a or "mirror.example" in a for a in argv)  # never on argv
    env = call["env"]
    assert isinstance(env, dict)
    assert env["UV_CACHE_DIR"] == str(cache) and cache.is_dir()
    assert env["UV_DEFAULT_INDEX"] == "https://user:pw@mirror.example/simple"
    assert env["UV_INDEX"] == "https://extra.example/simple"
    assert env["UV_PYTHON_DOWNLOADS"] == "never" and env["UV_NATIVE_TLS"] == "1"
    assert not {"UV_CONSTRAINT", "UV_NO_BUILD", "UV_INDEX_URL"} & set(env)
    assert call["stdin"] == (
        'pydantic[email]>=2 ; python_version >= "3.8"\npywin32 ; sys_platform == "win32"\n'
    )
    assert call["cwd_files"] == [] and call["cwd"] != str(Path.cwd())
    assert not Path(str(call["cwd"])).exists()  # the temporary directory is gone


def test_binary_only_passes_no_build(tmp_path: Path) -> None:
    fake = Resolver(_fake_uv(tmp_path, case="duckdb-musl-nobuild"), "0.13.9")
    r = resolve(["duckdb"], binary_only=True, cache_dir=tmp_path / "c", resolver=fake)
    assert r.binary_only and r.pins == {"duckdb": "1.3.2"}
    argv = _call(tmp_path)["argv"]
    assert isinstance(argv, list) and "--no-build" in argv and "--offline" not in argv
    assert "--index-strategy" not in argv


@pytest.mark.parametrize(
    ("case", "rc", "outcome", "needle"),
    [
        ("torch-musl", 1, "unsatisfiable", "musllinux_1_2_x86_64"),
        ("impossible-musl", 1, "unsatisfiable", "numpy>=999"),
        ("offline-empty-musl", 1, "error", "not found in the cache"),
        ("unreachable-musl", 2, "error", "Connection refused"),
        ("mysql-python-musl", 1, "error", "No module named 'ConfigParser'"),
    ],
)
def test_failures_become_outcomes(
    tmp_path: Path, case: str, rc: int, outcome: str, needle: str
) -> None:
    assert int((DATA / f"{case}.rc").read_text()) == rc
    fake = Resolver(_fake_uv(tmp_path, case=case, rc=rc), "0.13.9")
    r = resolve(["x"], cache_dir=tmp_path / "c", resolver=fake)
    assert r.outcome == outcome and not r.ok and r.packages == ()
    assert r.error is not None and needle in r.error and "\n" not in r.error


def test_unreadable_output_is_an_error(tmp_path: Path) -> None:
    fake = Resolver(_fake_uv(tmp_path, stdout="numpy==2.0\n"), "0.13.9")
    r = resolve(["numpy"], cache_dir=tmp_path / "c", resolver=fake)
    assert r.outcome == "error" and r.error is not None
    assert r.error.startswith("cannot read uv's output")


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state in ("Z", "X")


def test_timeout_kills_uv_and_its_children(tmp_path: Path) -> None:
    fake = Resolver(_fake_uv(tmp_path, sleep=30), "0.13.9")
    start = time.monotonic()
    r = resolve(["numpy"], cache_dir=tmp_path / "c", timeout=1.5, resolver=fake)
    assert time.monotonic() - start < 10
    assert r.outcome == "timeout" and r.error == "uv did not finish within 1.5 s"
    child = _call(tmp_path)["child"]
    assert isinstance(child, int)
    deadline = time.monotonic() + 5
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(child)


def test_probe_rejects_old_or_broken_executables(tmp_path: Path) -> None:
    assert Resolver.probe(_fake_uv(tmp_path, version="uv 0.5.31")) is None
    assert Resolver.probe(_fake_uv(tmp_path, version="something else 1.0")) is None
    assert Resolver.probe(tmp_path / "missing") is None
    plain = tmp_path / "plain"
    plain.write_text("not executable")
    assert Resolver.probe(plain) is None
    ok = Resolver.probe(_fake_uv(tmp_path, version="uv 0.13.9 (abc 2026-11-01)"))
    assert ok is not None and ok.version == "0.13.9"


def test_find_resolver_order_and_absence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake_uv(tmp_path, version="uv 0.13.9")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    found = find_resolver()
    assert found is not None and found.path == fake  # next to sys.executable first
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    found = find_resolver()
    assert found is not None and found.path == fake  # then PATH

    def no_module(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(importlib, "import_module", no_module)
    assert find_resolver() is None


# -- the real uv and PyPI ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def uv_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uv-cache")


@pytest.fixture(scope="module")
def real_uv() -> Resolver:
    found = find_resolver()
    assert found is not None, "uv is part of the test extra"
    return found


@pytest.mark.online
def test_real_duckdb_silent_downgrade_for_musl(real_uv: Resolver, uv_cache: Path) -> None:
    req = ["duckdb<=2.0.1"]  # bounded: duckdb 2.0.1 is sdist-only for musl, 1.3.2 had wheels
    kw = {"cache_dir": uv_cache, "resolver": real_uv, "timeout": 120.0}
    musl_bin = resolve(req, libc="musl", binary_only=True, **kw)  # type: ignore[arg-type]
    musl = resolve(req, libc="musl", **kw)  # type: ignore[arg-type]
    glibc = resolve(req, libc="gnu", **kw)  # type: ignore[arg-type]
    assert musl_bin.ok and musl.ok and glibc.ok, (musl_bin.error, musl.error, glibc.error)
    mb, m, g = (r.get("duckdb") for r in (musl_bin, musl, glibc))
    assert mb is not None and m is not None and g is not None
    assert Version(mb.version) < Version(g.version)  # the silent downgrade
    assert any("musllinux" in w for w in mb.wheels)
    assert any("manylinux" in w for w in g.wheels)
    assert m.version == g.version and m.source_build  # pip on Alpine builds the newest
    (diff,) = compare(musl_bin, glibc)
    assert diff.kind == "version" and str(diff) == f"duckdb: musl {mb.version}, glibc {g.version}"
    (diff,) = compare(musl, glibc)
    assert diff.kind == "source-build"


@pytest.mark.online
def test_real_polars_includes_its_runtime(real_uv: Resolver, uv_cache: Path) -> None:
    r = resolve(["polars"], libc="musl", binary_only=True, cache_dir=uv_cache, resolver=real_uv)
    assert r.ok, r.error
    runtimes = [p for p in r.packages if p.name.startswith("polars-runtime")]
    assert runtimes, r.pins
    assert all(any("musllinux" in w for w in p.wheels) for p in runtimes)


@pytest.mark.online
def test_real_no_musl_wheel_and_no_sdist(real_uv: Resolver, uv_cache: Path) -> None:
    musl = resolve(["torch"], libc="musl", cache_dir=uv_cache, resolver=real_uv)
    assert musl.outcome == "unsatisfiable"
    assert musl.error is not None and "musllinux" in musl.error and "torch" in musl.error
    assert any("Wheels are available for `torch`" in h for h in musl.hints)
    glibc = resolve(["torch"], libc="gnu", cache_dir=uv_cache, resolver=real_uv)
    assert glibc.ok and "torch" in glibc.pins


@pytest.mark.online
def test_real_sdist_only_project(real_uv: Resolver, uv_cache: Path) -> None:
    musl = resolve(["mysqlclient"], libc="musl", cache_dir=uv_cache, resolver=real_uv)
    assert musl.ok, musl.error
    got = musl.get("mysqlclient")
    assert got is not None and got.source_build and got.sdist is not None
    strict = resolve(
        ["mysqlclient"], libc="musl", binary_only=True, cache_dir=uv_cache, resolver=real_uv
    )
    assert strict.outcome == "unsatisfiable"
    assert strict.error is not None and "mysqlclient" in strict.error
    assert any("--no-build" in h for h in strict.hints)


@pytest.mark.online
def test_real_impossible_requirement(real_uv: Resolver, uv_cache: Path) -> None:
    r = resolve(["numpy>=999"], libc="musl", cache_dir=uv_cache, resolver=real_uv)
    assert r.outcome == "unsatisfiable"
    assert r.error is not None and "numpy>=999" in r.error
    assert r.error.startswith("No solution found")


@pytest.mark.online
def test_real_offline_needs_a_warm_cache(real_uv: Resolver, tmp_path: Path) -> None:
    cold = resolve(["six"], offline=True, cache_dir=tmp_path, resolver=real_uv)
    assert cold.outcome == "error"
    assert cold.error is not None and "not found in the cache" in cold.error
    warm = resolve(["six"], cache_dir=tmp_path, resolver=real_uv)
    assert warm.ok and "six" in warm.pins
    again = resolve(["six"], offline=True, cache_dir=tmp_path, resolver=real_uv)
    assert again.ok and again.pins == warm.pins


@pytest.mark.online
def test_real_markers_and_extras(real_uv: Resolver, uv_cache: Path) -> None:
    reqs = [
        'pydantic[email]>=2 ; python_version >= "3.8"',
        'pywin32 ; sys_platform == "win32"',
        'uvloop ; platform_machine == "x86_64"',
    ]
    x86 = resolve(reqs, libc="musl", cache_dir=uv_cache, resolver=real_uv)
    assert x86.ok, x86.error
    assert {"pydantic", "pydantic-core", "email-validator", "uvloop"} <= set(x86.pins)
    assert "pywin32" not in x86.pins
    core = x86.get("pydantic-core")
    assert core is not None and any("musllinux" in w for w in core.wheels)
    arm = resolve(reqs, arch="aarch64", libc="musl", cache_dir=uv_cache, resolver=real_uv)
    assert arm.ok and "uvloop" not in arm.pins and "email-validator" in arm.pins


def test_parse_via_reads_uv_line_annotations() -> None:
    out = (
        "filelock==4.3.1           # via torch\n"
        "markupsafe==3.0.4         # via jinja2\n"
        "nvidia-cublas-cu12==12.8.4.1  # via nvidia-cudnn-cu12, nvidia-cusolver-cu12, torch\n"
        "torch==2.9.1              # via -r -\n"
        "polars[pyarrow]==2.1.0    # via -r -, other\n"
    )
    assert parse_via(out) == {
        "filelock": ("torch",),
        "markupsafe": ("jinja2",),
        "nvidia-cublas-cu12": ("nvidia-cudnn-cu12", "nvidia-cusolver-cu12", "torch"),
        "polars": ("other",),
    }
