"""Python dependency inputs: real lockfiles (tools/record_lockfiles.py) and requirements files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from alpine_ready.deps.markers import musl_environment
from alpine_ready.deps.requirement import ParsedInput
from alpine_ready.deps.sources import discover, parse_file
from alpine_ready.deps.sources.pipfile_lock import parse_pipfile_lock
from alpine_ready.deps.sources.poetry_lock import parse_poetry_lock
from alpine_ready.deps.sources.pylock import parse_pylock
from alpine_ready.deps.sources.pyproject import parse_pyproject
from alpine_ready.deps.sources.requirements import parse_requirements
from alpine_ready.deps.sources.uv_lock import parse_uv_lock
from alpine_ready.errors import InputError

DATA = Path(__file__).parent / "data" / "pylocks"
X86 = musl_environment("3.12", "x86_64")
PY311 = musl_environment("3.11", "aarch64")


def names(parsed: ParsedInput) -> dict[str, str | None]:
    return {r.name: r.version for r in parsed.requirements}


# ------------------------------------------------------------------ real lockfiles


def test_recorded_versions_present() -> None:
    rec = json.loads((DATA / "RECORDED.json").read_text())
    assert rec["uv"].startswith("uv ")
    assert "Poetry" in rec["poetry"]


@pytest.mark.parametrize("fname", ["uv.lock", "poetry.lock", "pylock.toml"])
def test_real_lockfile_full_transitive_set(fname: str) -> None:
    parsed = parse_file(DATA / fname)
    got = names(parsed)
    assert parsed.locked
    assert got["duckdb"] == "1.3.2"
    # transitive dependencies of requests and pydantic are present with exact versions
    for dep in ("urllib3", "idna", "certifi", "charset-normalizer", "pydantic-core"):
        assert got[dep], dep
    assert "lockdemo" not in got  # the project itself is not a dependency
    assert parsed.index_urls == ("https://pypi.org/simple",)
    duck = next(r for r in parsed.requirements if r.name == "duckdb")
    assert duck.hashes and all(h.startswith("sha256:") for h in duck.hashes)
    assert any("musllinux" in f for f in duck.files)
    assert all(f.endswith((".whl", ".tar.gz")) for f in duck.files)
    assert duck.index_url == "https://pypi.org/simple"
    assert duck.specifier == "==1.3.2"
    # every locked package points at its own entry (file:line in the report)
    text = (DATA / fname).read_text().splitlines()
    for r in parsed.requirements:
        assert r.line is not None, r
        assert text[r.line - 1].replace("_", "-").lower() == f'name = "{r.name}"', r


def test_uv_lock_split_versions_by_python() -> None:
    everything = parse_uv_lock(DATA / "uv.lock")
    numpys = [r for r in everything.requirements if r.name == "numpy"]
    assert len(numpys) == 2 and all(r.marker for r in numpys)
    on312 = {r.name: r.version for r in parse_uv_lock(DATA / "uv.lock", X86).requirements}
    on311 = parse_uv_lock(DATA / "uv.lock", PY311)
    assert on312["numpy"] != names(on311)["numpy"]
    assert [r.name for r in on311.excluded] == ["numpy"]
    # uvloop is only in the project's extra "fast": every extra is followed unless some
    # are selected
    assert "uvloop" in names(on311)
    other = parse_uv_lock(DATA / "uv.lock", X86, extras=["nothing-else"])
    assert [r.name for r in other.excluded] == ["numpy", "uvloop"]


# Trimmed from a real `uv lock` (uv 0.13.9) of a Django/Celery app: uv writes the platform
# condition on the dependency *edge* (webapp -> pywin32), never on the locked package, so
# reading packages alone once made pywin32 an Alpine "blocker".
UV_LOCK_EDGES = """\
version = 1
revision = 5
requires-python = ">=3.11"

[[package]]
name = "celery"
version = "5.7.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "kombu" },
    { name = "tzlocal" },
]

[package.optional-dependencies]
redis = [
    { name = "kombu", extra = ["redis"] },
]

[[package]]
name = "async-timeout"
version = "5.0.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "kombu"
version = "5.7.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "tzdata", marker = "sys_platform == 'win32'" },
]

[package.optional-dependencies]
redis = [
    { name = "redis" },
]

[[package]]
name = "pytest"
version = "9.2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "colorama", marker = "sys_platform == 'win32'" },
]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pywin32"
version = "312"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "redis"
version = "8.1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "async-timeout", marker = "python_full_version < '3.11.3'" },
]

[[package]]
name = "tzdata"
version = "2026.6"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "tzlocal"
version = "5.4.5"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "tzdata", marker = "sys_platform == 'win32'" },
]

[[package]]
name = "uvloop"
version = "0.23.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "webapp"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "celery", extra = ["redis"] },
    { name = "pywin32", marker = "sys_platform == 'win32'" },
    { name = "uvloop", marker = "sys_platform != 'win32'" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]
"""


def test_uv_lock_edge_markers_decide_what_is_installed(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    path.write_text(UV_LOCK_EDGES)
    on312 = parse_uv_lock(path, X86)
    assert set(names(on312)) == {"celery", "kombu", "redis", "tzlocal", "uvloop", "pytest"}
    assert {r.name for r in on312.excluded} == {"pywin32", "tzdata", "colorama", "async-timeout"}
    # redis needs async-timeout below Python 3.11.3 only; the extra chain celery[redis] ->
    # kombu[redis] -> redis is followed
    assert "async-timeout" in names(parse_uv_lock(path, musl_environment("3.11")))
    # without a target environment nothing is filtered
    assert len(parse_uv_lock(path).requirements) == 10
    # uv's conflict markers name an encoded extra: kept when the platform part holds
    win, fast = "sys_platform == 'win32'", "sys_platform != 'win32'"
    conflict = UV_LOCK_EDGES.replace(
        f'{{ name = "uvloop", marker = "{fast}" }},',
        f'{{ name = "uvloop", marker = "{fast} and extra == \'extra-6-webapp-fast\'" }},\n'
        f'    {{ name = "pywin32", marker = "{win} and extra == \'extra-6-webapp-win\'" }},',
    )
    assert conflict != UV_LOCK_EDGES
    path.write_text(conflict)
    got = parse_uv_lock(path, X86)
    assert "uvloop" in names(got) and "pywin32" not in names(got)
    # a lockfile without the project's own package: every package kept
    path.write_text(UV_LOCK_EDGES.split('[[package]]\nname = "webapp"')[0])
    assert "pywin32" in names(parse_uv_lock(path, X86))


def test_pylock_markers_and_extras() -> None:
    parsed = parse_pylock(DATA / "pylock.toml", X86)
    got = names(parsed)
    assert "uvloop" in got  # exported with --all-extras, marker sys_platform != 'win32'
    assert "colorama" not in got  # no Windows on Alpine
    assert parsed.uncheckable == ()


def test_poetry_lock_extras_select_optional_packages() -> None:
    plain = parse_poetry_lock(DATA / "poetry.lock", X86)
    fast = parse_poetry_lock(DATA / "poetry.lock", X86, extras=["fast"])
    assert "uvloop" not in names(plain)
    assert "uvloop" in [r.name for r in plain.excluded]
    assert "uvloop" in names(fast)


def test_real_pyproject_extras() -> None:
    base = parse_pyproject(DATA / "pyproject.toml")
    assert set(names(base)) == {"requests", "duckdb", "pydantic", "orjson", "numpy"}
    assert names(base)["duckdb"] == "1.3.2"
    assert names(base)["requests"] is None
    numpy = next(r for r in base.requirements if r.name == "numpy")
    assert numpy.marker and "platform_machine" in numpy.marker
    assert numpy.line is not None
    text = (DATA / "pyproject.toml").read_text().splitlines()
    assert "numpy" in text[numpy.line - 1]
    fast = parse_pyproject(DATA / "pyproject.toml", X86, extras=["fast"])
    assert "uvloop" in names(fast)
    assert "uvloop" in names(parse_pyproject(DATA / "pyproject.toml", X86, extras=["*"]))
    with pytest.raises(InputError, match="unknown extra"):
        parse_pyproject(DATA / "pyproject.toml", extras=["nope"])


def test_discover_prefers_lockfile(tmp_path: Path) -> None:
    for f in ("uv.lock", "poetry.lock", "pyproject.toml"):
        shutil.copy(DATA / f, tmp_path / f)
    (tmp_path / "requirements.txt").write_text("flask\n")
    [parsed] = discover(tmp_path, X86)
    assert parsed.kind == "uv.lock"
    assert any(
        "not read" in n and "poetry.lock" in n and "requirements.txt" in n for n in parsed.notes
    )


def test_discover_sniffs_renamed_files(tmp_path: Path) -> None:
    for src, kind in [
        ("uv.lock", "uv.lock"),
        ("pylock.toml", "pylock"),
        ("poetry.lock", "poetry.lock"),
    ]:
        dst = tmp_path / f"renamed-{kind}"
        shutil.copy(DATA / src, dst)
        assert discover(dst)[0].kind == kind
    (tmp_path / "weird.bin").write_text("hello\n")
    with pytest.raises(InputError, match="unrecognised dependency file"):
        discover(tmp_path / "weird.bin")
    with pytest.raises(InputError, match="no such"):
        discover(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no Python dependency file"):
        discover(empty)


# ---------------------------------------------------------------- Pipfile.lock

# Written by hand in the format pipenv writes (pipenv was not installed to record it).
PIPFILE_LOCK = {
    "_meta": {
        "hash": {"sha256": "0" * 64},
        "pipfile-spec": 6,
        "requires": {"python_version": "3.12"},
        "sources": [
            {"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True},
            {"name": "internal", "url": "https://pypi.example.com/simple", "verify_ssl": True},
        ],
    },
    "default": {
        "duckdb": {
            "hashes": ["sha256:" + "a" * 64],
            "index": "pypi",
            "markers": "python_version >= '3.7'",
            "version": "==1.3.2",
        },
        "colorama": {"markers": "sys_platform == 'win32'", "version": "==0.4.6"},
        "Private_Pkg": {"index": "internal", "version": "==2.0"},
        "mylib": {"editable": True, "path": "."},
        "requests": {"extras": ["socks"], "version": "==2.32.3"},
    },
    "develop": {"pytest": {"version": "==8.3.3"}},
}


def test_pipfile_lock(tmp_path: Path) -> None:
    path = tmp_path / "Pipfile.lock"
    path.write_text(json.dumps(PIPFILE_LOCK, indent=4))
    parsed = parse_file(path, X86)
    got = names(parsed)
    assert got == {"duckdb": "1.3.2", "private-pkg": "2.0", "requests": "2.32.3", "pytest": "8.3.3"}
    assert [r.name for r in parsed.excluded] == ["colorama"]
    assert [u.reason for u in parsed.uncheckable] == ["path entry"]
    text = path.read_text().splitlines()
    for r in parsed.requirements:  # the line of its "Name": { key
        assert r.line is not None, r
        key = text[r.line - 1].strip().split('"')[1]
        assert canonicalize_name(key) == r.name and text[r.line - 1].rstrip().endswith("{")
    priv = next(r for r in parsed.requirements if r.name == "private-pkg")
    assert priv.index_url == "https://pypi.example.com/simple"
    assert next(r for r in parsed.requirements if r.name == "requests").extras == ("socks",)
    assert "pytest" not in names(parse_pipfile_lock(path, X86, dev=False))
    # pipenv 2026.10.3 wrote {"version": "*"} (no markers) for a Pipfile's
    # `pywin32 = {version = "*", sys_platform = "== 'win32'"}` locked on Linux; that was
    # "bad version '*'", and the directory then said "no dependency file found"
    lock = dict(PIPFILE_LOCK, default={**PIPFILE_LOCK["default"], "pywin32": {"version": "*"}})
    path.write_text(json.dumps(lock))
    parsed = parse_file(path, X86)
    assert "pywin32" not in names(parsed)
    assert [u.text for u in parsed.uncheckable] == ["mylib (default)", "pywin32 (default)"]
    assert 'not locked ("version": "*")' in parsed.uncheckable[1].reason
    path.write_text("{ not json")
    with pytest.raises(InputError, match=r"Pipfile.lock:1: malformed JSON"):
        parse_file(path)


# --------------------------------------------------------------- requirements.txt


def test_requirements_full(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.txt").write_text(
        "# shared\nrequests>=2.31  # inline comment\n-c ../constraints.txt\n"
    )
    (tmp_path / "constraints.txt").write_text("requests==2.32.3 --hash=sha256:" + "b" * 64 + "\n")
    (tmp_path / "requirements.txt").write_text(
        "--index-url https://mirror.example/simple\n"
        "--extra-index-url=https://extra.example/simple\n"
        "-r sub/base.txt\n"
        "duckdb==1.3.2 \\\n"
        "    --hash=sha256:" + "c" * 64 + " \\\n"
        "    --hash sha256:" + "d" * 64 + "\n"
        "numpy>=1.26; python_version >= '3.12'\n"
        "pywin32==306; sys_platform == 'win32'\n"
        "uvicorn[standard]==0.30.0\n"
        "-e git+https://github.com/x/y.git#egg=y\n"
        "https://example.com/pkg-1.0-py3-none-any.whl\n"
        "./local/pkg\n"
        "mylib @ file:///tmp/mylib\n"
        "--prefer-binary\n"
    )
    parsed = discover(tmp_path / "requirements.txt", X86)[0]
    got = names(parsed)
    assert got == {"requests": "2.32.3", "duckdb": "1.3.2", "numpy": None, "uvicorn": "0.30.0"}
    assert "constraints" not in str([r.source_file for r in parsed.requirements])
    req = next(r for r in parsed.requirements if r.name == "requests")
    assert req.source_file.endswith("base.txt") and req.line == 2
    assert req.hashes == ("sha256:" + "b" * 64,)  # from the constraint
    duck = next(r for r in parsed.requirements if r.name == "duckdb")
    assert duck.line == 4 and duck.hashes == ("sha256:" + "c" * 64, "sha256:" + "d" * 64)
    assert duck.index_url == "https://mirror.example/simple"
    assert parsed.index_urls == ("https://mirror.example/simple", "https://extra.example/simple")
    assert next(r for r in parsed.requirements if r.name == "uvicorn").extras == ("standard",)
    assert [r.name for r in parsed.excluded] == ["pywin32"]
    assert [u.reason for u in parsed.uncheckable] == [
        "editable install",
        "URL or local path",
        "URL or local path",
        "direct reference (file:///tmp/mylib)",
    ]
    # on Python 3.11 the numpy line does not apply
    assert "numpy" not in names(parse_requirements(tmp_path / "requirements.txt", PY311))
    # no environment: nothing is filtered
    assert "pywin32" in names(parse_requirements(tmp_path / "requirements.txt"))


def test_poetry_only_pyproject_is_read_from_poetrys_tables(tmp_path: Path) -> None:
    """Issue 11: [tool.poetry.dependencies] without a poetry.lock were "not read"; now they
    are the project's requirements (Poetry's syntax as PEP 440; the python entry is not one)."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "old"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\n'
        'python = "^3.11"\npsycopg2 = "^2.9"\n'
    )
    for target in (tmp_path, tmp_path / "pyproject.toml"):
        [parsed] = discover(target, X86)
        assert parsed.kind == "pyproject"
        [req] = parsed.requirements
        assert (req.name, req.specifier, req.version, req.line) == (
            "psycopg2",
            ">=2.9,<3.0",
            None,
            7,
        )
        assert any("[tool.poetry.dependencies]" in n for n in parsed.notes)


def test_requirements_binary_options_are_noted(tmp_path: Path) -> None:
    """--only-binary :all: turns every source build into a failed pip install."""
    path = tmp_path / "requirements.txt"
    path.write_text("--only-binary=:all:\npsycopg2==2.9.9\n--no-binary lxml\nlxml==5.1.0\n")
    parsed = parse_requirements(path, X86)
    assert names(parsed) == {"psycopg2": "2.9.9", "lxml": "5.1.0"}
    assert len(parsed.notes) == 2
    assert parsed.notes[0].startswith(f"{path}:1: --only-binary :all:: pip builds nothing")
    assert "source-build verdict means pip install fails" in parsed.notes[0]
    assert parsed.notes[1] == (
        f"{path}:3: --no-binary lxml: pip compiles lxml from source, even where a musl wheel exists"
    )


def test_requirements_constraint_only_packages_are_not_requirements(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("flask==3.0.0\nrequests==2.0\n")
    (tmp_path / "requirements.txt").write_text("--constraint c.txt\nrequests\n")
    parsed = parse_requirements(tmp_path / "requirements.txt")
    assert names(parsed) == {"requests": "2.0"}


def test_requirements_include_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\nflask\n")
    (tmp_path / "b.txt").write_text("--requirement=a.txt\n")
    with pytest.raises(InputError, match=r"include cycle: .*a\.txt -> .*b\.txt -> .*a\.txt"):
        parse_requirements(tmp_path / "a.txt")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("flask\nrequests>=>2\n", r"requirements.txt:2: invalid requirement 'requests>=>2'"),
        ("\n\n-r missing.txt\n", r"cannot read .*missing\.txt"),
        ("--frobnicate\n", r"requirements.txt:1: unknown option '--frobnicate'"),
        ("flask --hash=md5\n", r"requirements.txt:1: malformed --hash"),
        ("flask --bogus=1\n", r"requirements.txt:1: unknown option '--bogus' after"),
        ("-r\n", r"requirements.txt:1: -r needs a file name"),
        ("numpy; python_version >> '3'\n", r"requirements.txt:1: invalid requirement"),
    ],
)
def test_requirements_errors_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "requirements.txt").write_text(content)
    with pytest.raises(InputError, match=message) as info:
        discover(tmp_path)
    assert "\n" not in str(info.value)


def test_discover_requirements_and_pyproject(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r requirements-base.txt\nflask\n")
    (tmp_path / "requirements-base.txt").write_text("requests\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname="x"\nversion="1"\ndependencies=["attrs"]\n'
    )
    found = discover(tmp_path)
    # requirements-base.txt is included by requirements.txt, so it is not a separate input
    assert [(Path(p.path).name, p.kind) for p in found] == [
        ("requirements-dev.txt", "requirements"),
        ("requirements.txt", "requirements"),
        ("pyproject.toml", "pyproject"),
    ]


def test_musl_environment() -> None:
    env = musl_environment("3.13", "aarch64")
    assert env["platform_machine"] == "aarch64" and env["python_version"] == "3.13"
    assert env["sys_platform"] == "linux" and env["platform_system"] == "Linux"
    with pytest.raises(InputError):
        musl_environment("3.12", "armv7l")
