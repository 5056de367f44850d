"""``alpine-ready deps`` (Python slice), offline on the recorded PyPI pages.

The recorded pages (``tests/data/index``) are seeded into a temporary index cache and the
check runs with ``offline=True``: deterministic, no network.  ``demo`` is the one
synthetic page (an sdist-only 1.0 and a 2.0 with a musllinux wheel): no recorded project
has a pinned version without a wheel and a newer one with.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from alpine_ready.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.check import DepsOptions, run
from alpine_ready.deps.engine import musl_target
from alpine_ready.deps.index import ACCEPT
from alpine_ready.deps.report import DepsReport, DepStatus, PackageResult
from alpine_ready.errors import InputError
from alpine_ready.formats.tables import deps as deps_table
from alpine_ready.report import schema
from test_deps_index import seed

PYLOCKS = Path(__file__).parent / "data" / "pylocks"

DEMO = {
    "meta": {"api-version": "1.1"},
    "name": "demo",
    "versions": ["1.0", "2.0"],
    "files": [
        {"filename": "demo-1.0.tar.gz", "url": "/f/demo-1.0.tar.gz", "hashes": {}},
        {
            "filename": "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            "url": "/f/demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            "hashes": {},
        },
        {
            "filename": "demo-2.0-cp312-cp312-musllinux_1_2_x86_64.whl",
            "url": "/f/demo-2.0-cp312-cp312-musllinux_1_2_x86_64.whl",
            "hashes": {},
        },
        {"filename": "demo-2.0.tar.gz", "url": "/f/demo-2.0.tar.gz", "hashes": {}},
    ],
}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("index-cache")
    cache = ResponseCache(root)
    seed(cache)
    cache.put(
        "https://pypi.org/simple/demo/",
        ACCEPT,
        json.dumps(DEMO).encode(),
        {"Content-Type": "application/vnd.pypi.simple.v1+json"},
    )
    return root


def _run(path: Path, cache_dir: Path, **kw: object) -> DepsReport:
    return run(DepsOptions(str(path), offline=True, cache_dir=cache_dir, **kw))  # type: ignore[arg-type]


def _by_name(report: DepsReport) -> dict[str, PackageResult]:
    return {f"{p.name}=={p.version}" if p.pinned else p.name: p for p in report.packages}


def _reqs(tmp_path: Path, text: str) -> Path:
    (tmp_path / "requirements.txt").write_text(text)
    return tmp_path


def test_statuses_of_pinned_requirements(tmp_path: Path, cache_dir: Path) -> None:
    path = _reqs(
        tmp_path, "duckdb==1.3.2\nmysqlclient==2.3.2\ntorch==2.15.0\nsix==1.16.0\ndemo==1.0\n"
    )
    got = _by_name(_run(path, cache_dir))
    assert got["duckdb==1.3.2"].status is DepStatus.MUSL_WHEEL
    assert got["mysqlclient==2.3.2"].status is DepStatus.SOURCE_BUILD
    assert any("build-base" in f for f in got["mysqlclient==2.3.2"].fixes)
    assert got["torch==2.15.0"].status is DepStatus.UNAVAILABLE
    assert got["six==1.16.0"].status is DepStatus.PURE
    demo = got["demo==1.0"]
    assert demo.status is DepStatus.UPGRADE and demo.musl_version == "2.0"
    assert any("demo==2.0" in f for f in demo.fixes)
    assert all(
        p.source.endswith(f"requirements.txt:{i}")
        for i, p in enumerate(
            [
                got["duckdb==1.3.2"],
                got["mysqlclient==2.3.2"],
                got["torch==2.15.0"],
                got["six==1.16.0"],
                got["demo==1.0"],
            ],
            1,
        )
    )


def test_silent_downgrade_and_no_upgrade_path(tmp_path: Path, cache_dir: Path) -> None:
    """duckdb: 1.3.2 is the last release with musllinux wheels; 2.0.1 only builds."""
    got = _by_name(_run(_reqs(tmp_path, "duckdb==2.0.1\n"), cache_dir))
    new = got["duckdb==2.0.1"]
    assert new.status is DepStatus.SOURCE_BUILD and new.musl_version is None
    text = " ".join(new.reasons)
    assert "silent downgrade" in text and "1.3.2" in text
    assert any("duckdb==1.3.2" in f for f in new.fixes)
    old = _by_name(_run(_reqs(tmp_path, "duckdb==1.3.2\n"), cache_dir))["duckdb==1.3.2"]
    assert any("silent downgrade" in r and "2.0.1" in r for r in old.reasons)


def test_range_is_an_estimate_at_the_newest_match(tmp_path: Path, cache_dir: Path) -> None:
    got = _by_name(_run(_reqs(tmp_path, "numpy>=2,<3\nsix<1.16\n"), cache_dir))
    assert got["numpy"].version == "2.5.5" and got["numpy"].status is DepStatus.MUSL_WHEEL
    assert not got["numpy"].pinned
    assert any("estimate" in r for r in got["numpy"].reasons)
    assert got["six"].version == "1.15.0" and got["six"].status is DepStatus.PURE


def test_uncheckable_and_offline_misses_keep_partial_results(
    tmp_path: Path, cache_dir: Path
) -> None:
    path = _reqs(tmp_path, "six==1.16.0\nflask==3.0.0\ngit+https://example.com/x.git\n")
    rep = _run(path, cache_dir)
    got = _by_name(rep)
    assert got["six==1.16.0"].status is DepStatus.PURE
    flask = got["flask==3.0.0"]
    assert flask.status is DepStatus.UNKNOWN
    assert re.search(r"not in the index cache .* offline", flask.reasons[0])
    vcs = next(p for p in rep.packages if p.status is DepStatus.UNCHECKED)
    assert "git+https://example.com/x.git" in vcs.name
    assert not rep.failed  # unknown / unchecked never fail


def test_real_uv_lock_offline(cache_dir: Path) -> None:
    """Recorded projects are judged on the index; the others on the lockfile's own files
    (with the offline miss in the reasons) -- nothing is lost."""
    rep = _run(PYLOCKS / "uv.lock", cache_dir)
    got = {p.name: p for p in rep.packages}
    assert rep.inputs[0].kind == "uv.lock"
    assert {"duckdb", "numpy", "orjson", "requests", "idna", "uvloop"} <= set(got)
    assert got["duckdb"].status is DepStatus.MUSL_WHEEL
    assert got["requests"].status is DepStatus.PURE
    for name in ("idna", "uvloop", "certifi"):
        p = got[name]
        assert p.status in (DepStatus.MUSL_WHEEL, DepStatus.PURE), p
        assert any("offline" in r and "lockfile" in r for r in p.reasons)
    assert got["uvloop"].status is DepStatus.MUSL_WHEEL
    assert not rep.failed


def test_lockfile_project_missing_without_files_is_unknown(tmp_path: Path, cache_dir: Path) -> None:
    """A pin with no lockfile files and no cached page: unknown, others kept."""
    rep = _run(_reqs(tmp_path, "idna==3.20\nsix==1.17.0\n"), cache_dir)
    got = _by_name(rep)
    assert got["idna==3.20"].status is DepStatus.UNKNOWN
    assert got["six==1.17.0"].status is DepStatus.PURE


def test_fail_on_order(tmp_path: Path, cache_dir: Path) -> None:
    path = _reqs(tmp_path, "mysqlclient==2.3.2\ndemo==1.0\nsix==1.16.0\n")
    assert not _run(path, cache_dir).failed
    assert _run(path, cache_dir, fail_on=DepStatus.SOURCE_BUILD).failed
    assert len(_run(path, cache_dir, fail_on=DepStatus.UPGRADE).failing) == 2
    assert (
        DepStatus.PURE.rank
        < DepStatus.UPGRADE.rank
        < DepStatus.SOURCE_BUILD.rank
        < DepStatus.UNAVAILABLE.rank
    )


def test_json_matches_schema(tmp_path: Path, cache_dir: Path) -> None:
    path = _reqs(
        tmp_path, "duckdb==2.0.1\ntorch==2.15.0\ndemo==1.0\nflask==3.0.0\nnumpy>=2\n./local\n"
    )
    data = _run(path, cache_dir).to_json()
    jsonschema.validate(data, schema("deps-v3.json"))
    assert data["schema_version"] == 3 and data["command"] == "deps"
    assert data["platform"] == {
        "python": "3.12",
        "arch": "x86_64",
        "musl": "1.2.5",
        "alpine": "3.23",
    }
    assert data["summary"]["failed"] is True
    uv = _run(PYLOCKS / "uv.lock", cache_dir).to_json()
    jsonschema.validate(uv, schema("deps-v3.json"))


def test_target_from_alpine_release() -> None:
    musl, target = musl_target("3.11", "aarch64", "3.17")
    assert target.musl == "1.2.3" and musl.musl == (1, 2) and musl.python == (3, 11)
    assert "musllinux_1_2_aarch64" in musl.platforms
    with pytest.raises(InputError):
        musl_target("3.12", "x86_64", "2.0")


def test_table_groups_blockers_first(tmp_path: Path, cache_dir: Path) -> None:
    path = _reqs(tmp_path, "six==1.16.0\ndemo==1.0\nmysqlclient==2.3.2\ntorch==2.15.0\n")
    rep = _run(path, cache_dir)
    text = deps_table.render(rep)
    order = [text.index(h) for h in ("Blockers", "Slow builds", "Upgrades", "Fine")]
    assert order == sorted(order)
    assert "six 1.16.0" not in text and "1 pure" in text
    assert "six 1.16.0" in deps_table.render(rep, verbose=True)
    assert text.rstrip().endswith("at or above unavailable")


# -- CLI --------------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_exit_codes(tmp_path: Path, cache_dir: Path) -> None:
    ok = tmp_path / "ok"
    ok.mkdir()
    _reqs(ok, "six==1.16.0\nduckdb==1.3.2\n")
    common = ["--offline", "--cache-dir", str(cache_dir)]
    r = cli("deps", str(ok), *common)
    assert r.returncode == EXIT_OK, r.stderr
    assert "PASS" in r.stdout
    assert cli("deps", str(ok), *common, "--fail-on", "upgrade").returncode == EXIT_OK
    bad = tmp_path / "bad"
    bad.mkdir()
    _reqs(bad, "torch==2.15.0\nmysqlclient==2.3.2\n")
    out = tmp_path / "r.json"
    r = cli("deps", str(bad), *common, "--format", "json", "-o", str(out))
    assert r.returncode == EXIT_FINDINGS and r.stdout == ""
    jsonschema.validate(json.loads(out.read_text()), schema("deps-v3.json"))
    build = tmp_path / "build"
    build.mkdir()
    _reqs(build, "mysqlclient==2.3.2\n")
    assert cli("deps", str(build), *common).returncode == EXIT_OK
    assert cli("deps", str(build), *common, "--fail-on", "source-build").returncode == EXIT_FINDINGS


@pytest.mark.parametrize(
    "setup,pattern",
    [
        ("missing", r"^alpine-ready: error: \S+: no such file or directory$"),
        ("empty", r"^alpine-ready: error: \S+: no dependency file found \(Python: "),
        (
            "package-json",
            r"^alpine-ready: error: \S+package.json: a package.json alone does not "
            r"pin versions",
        ),
        ("bad-lock", r"^alpine-ready: error: \S+package-lock.json:1: "),
        ("alpine", r"^alpine-ready: error: .*3\.1"),
    ],
)
def test_cli_input_errors_are_one_line(tmp_path: Path, setup: str, pattern: str) -> None:
    args = [str(tmp_path / "nope")]
    if setup == "empty":
        args = [str(tmp_path)]
    elif setup == "package-json":
        (tmp_path / "package.json").write_text("{}")
        args = [str(tmp_path / "package.json")]
    elif setup == "bad-lock":
        (tmp_path / "package-lock.json").write_text('{"lockfileVersion": "x"}')
        args = [str(tmp_path)]
    elif setup == "alpine":
        _reqs(tmp_path, "six==1.16.0\n")
        args = [str(tmp_path), "--alpine", "3.1", "--offline"]
    r = cli("deps", *args)
    assert r.returncode == EXIT_ERROR
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert re.search(pattern, r.stderr.strip()), r.stderr


# -- resolution of unpinned requirements (uv) ---------------------------------------------------


def test_unresolvable_offline_keeps_the_estimates(tmp_path: Path, cache_dir: Path) -> None:
    """uv offline with an empty cache cannot resolve: a note says so, the ranges are estimated."""
    _reqs(tmp_path, "duckdb<=2.0.1\nsix\n")
    report = run(DepsOptions(path=str(tmp_path), offline=True, cache_dir=cache_dir))
    notes = " ".join(report.inputs[0].notes)
    assert "uv could not resolve the requirements" in notes
    duck = next(p for p in report.packages if p.name == "duckdb")
    assert duck.version == "2.0.1" and not duck.pinned
    assert any("an estimate: not resolved by uv" in r for r in duck.reasons)


def test_no_resolve_flag_skips_uv(tmp_path: Path, cache_dir: Path) -> None:
    _reqs(tmp_path, "six\n")
    report = run(DepsOptions(path=str(tmp_path), offline=True, cache_dir=cache_dir, resolve=False))
    assert not any("uv" in n for n in report.inputs[0].notes)
    assert report.packages[0].status is DepStatus.PURE


@pytest.mark.online
def test_resolution_finds_transitive_runtime_and_silent_downgrade(tmp_path: Path) -> None:
    """Real uv against real PyPI: polars brings its musl runtime; duckdb downgrades on musl."""
    proj = tmp_path / "proj"
    proj.mkdir()
    _reqs(proj, "polars\nduckdb<=2.0.1\nmysqlclient\n")
    report = run(DepsOptions(path=str(proj), cache_dir=tmp_path / "cache"))
    by = {p.name: p for p in report.packages}
    runtime = [n for n in by if n.startswith("polars-runtime")]
    assert runtime, sorted(by)
    assert by[runtime[0]].status is DepStatus.MUSL_WHEEL
    assert by[runtime[0]].source.endswith("(via uv)")
    assert any("a dependency of your requirements" in r for r in by[runtime[0]].reasons)
    duck = by["duckdb"]
    assert any(
        r.startswith("silent downgrade: resolving for musl (wheels only) picks 1.3.2")
        for r in duck.reasons
    ), duck.reasons
    notes = " ".join(report.inputs[0].notes)
    assert "left out of both resolutions (wheels only)" in notes
    assert re.search(r"left out of both resolutions[^;]*: [^;]*mysqlclient[^;]* no usable", notes)
    assert by["mysqlclient"].status is DepStatus.SOURCE_BUILD


# -- installed environments ---------------------------------------------------------------------


def test_installed_glibc_environment_is_a_blocker(tmp_path: Path, cache_dir: Path) -> None:
    """Real pip install --target of manylinux wheels: the copies fail on musl, the index has
    musl wheels, so the fix is to reinstall on Alpine; orjson's glibc copy loads anyway."""
    from test_deps_installed import pip_target

    target = pip_target(tmp_path / "env", "manylinux")
    report = run(DepsOptions(path=str(target), offline=True, cache_dir=cache_dir))
    assert report.inputs[0].kind == "site-packages"
    by = {p.name: p for p in report.packages}
    assert set(by) == {"cryptography", "orjson", "pillow", "psycopg2-binary", "pydantic-core"}
    for name in ("cryptography", "psycopg2-binary", "pydantic-core", "pillow"):
        assert by[name].status is DepStatus.GLIBC_ONLY, (name, by[name].reasons)
        assert any(r.startswith("installed here from a glibc build") for r in by[name].reasons)
    assert any("worst incompatible" in r for r in by["cryptography"].reasons)
    assert (
        by["cryptography"]
        .fixes[0]
        .startswith("reinstall it on Alpine (pip install --force-reinstall cryptography==")
    )
    assert by["orjson"].status is DepStatus.MUSL_WHEEL
    assert any(r.endswith("worst ok") for r in by["orjson"].reasons)
    assert report.failed


def test_installed_musl_environment_passes(tmp_path: Path, cache_dir: Path) -> None:
    from test_deps_installed import pip_target

    venv_site = tmp_path / "proj" / ".venv" / "lib" / "python3.12" / "site-packages"
    pip_target(venv_site, "musllinux")
    report = run(DepsOptions(path=str(tmp_path / "proj"), offline=True, cache_dir=cache_dir))
    assert report.target.python == "3.12"  # read from lib/python3.12
    assert report.inputs[0].kind == "site-packages"
    assert not report.failed
    orjson = next(p for p in report.packages if p.name == "orjson")
    assert orjson.status is DepStatus.MUSL_WHEEL
    assert any("installed here from a musl build" in r for r in orjson.reasons)


def test_a_broken_lockfile_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    """A merge-conflicted uv.lock next to a package-lock.json: the user must see it (it once
    fell through to the Node input and passed)."""
    (tmp_path / "uv.lock").write_text("<<<<<<< HEAD\nversion = 1\n=======\n")
    (tmp_path / "package-lock.json").write_text(
        (Path(__file__).parent / "data" / "nodelocks" / "npm-v3" / "package-lock.json").read_text()
    )
    r = cli("deps", str(tmp_path), "--offline")
    assert r.returncode == EXIT_ERROR
    assert re.fullmatch(r"alpine-ready: error: \S+uv\.lock: malformed TOML: .*\n", r.stderr)


@pytest.mark.online
def test_pinned_requirements_get_their_dependencies_checked(tmp_path: Path) -> None:
    """psycopg[c]==3.1.18 is pure Python; its psycopg-c dependency has no wheel anywhere."""
    proj = tmp_path / "proj"
    proj.mkdir()
    _reqs(proj, "psycopg[c]==3.1.18\n")
    report = run(DepsOptions(path=str(proj), cache_dir=tmp_path / "cache"))
    by = {p.name: p for p in report.packages}
    assert by["psycopg"].status is DepStatus.PURE
    c = by["psycopg-c"]
    assert c.status is DepStatus.SOURCE_BUILD and c.version == "3.1.18"
    assert any(
        r.startswith("needed by psycopg, and no release of it has a wheel") for r in c.reasons
    )


def test_upgrade_names_the_first_release_with_a_wheel(tmp_path: Path) -> None:
    """1.0 sdist only, 2.0 and 3.0 with musllinux wheels: the smallest step is 2.0."""
    page = {
        "meta": {"api-version": "1.1"},
        "name": "steps",
        "versions": ["1.0", "2.0", "3.0"],
        "files": [
            {"filename": f, "url": f"/f/{f}", "hashes": {}}
            for f in (
                "steps-1.0.tar.gz",
                "steps-2.0-cp312-cp312-musllinux_1_2_x86_64.whl",
                "steps-2.0.tar.gz",
                "steps-3.0-cp312-cp312-musllinux_1_2_x86_64.whl",
            )
        ],
    }
    cache = ResponseCache(tmp_path / "c")
    cache.put(
        "https://pypi.org/simple/steps/",
        ACCEPT,
        json.dumps(page).encode(),
        {"Content-Type": "application/vnd.pypi.simple.v1+json"},
    )
    _reqs(tmp_path, "steps==1.0\n")
    row = run(
        DepsOptions(str(tmp_path), offline=True, cache_dir=tmp_path / "c", resolve=False)
    ).packages[0]
    assert row.status is DepStatus.UPGRADE and row.musl_version == "2.0"
    assert row.fixes[0].startswith(
        "upgrade to steps==2.0, the first release after 1.0 with a "
        "wheel for the target (the newest with one is 3.0)"
    )


def test_optional_dependencies_are_named_and_selectable(tmp_path: Path, cache_dir: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\ndependencies = ["six==1.16.0"]\n'
        '[project.optional-dependencies]\ndb = ["mysqlclient==2.3.2"]\n'
    )
    plain = _run(tmp_path, cache_dir, resolve=False)
    assert [p.name for p in plain.packages] == ["six"]
    assert any(
        "optional dependencies not checked: db (select them with --extra NAME" in n
        for n in plain.inputs[0].notes
    )
    with_db = _run(tmp_path, cache_dir, resolve=False, extras=("db",))
    assert {p.name for p in with_db.packages} == {"six", "mysqlclient"}
    assert not any("optional dependencies not checked" in n for n in with_db.inputs[0].notes)


@pytest.mark.online
def test_blocking_dependencies_name_the_requirement_that_pulls_them_in(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    _reqs(proj, "torch==2.9.1\n")
    report = run(DepsOptions(path=str(proj), cache_dir=tmp_path / "cache"))
    nvidia = [p for p in report.packages if p.name.startswith("nvidia-")]
    assert nvidia and all(p.status is DepStatus.UNAVAILABLE for p in nvidia)
    assert all(p.reasons[0] == "pulled in by torch" for p in nvidia), nvidia[0].reasons
    assert all("or replace torch (which needs it)" in p.fixes[0] for p in nvidia)
