"""Python dependency inputs: real lockfiles (tools/record_lockfiles.py) and requirements files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alpine_ready.deps import python_inputs as pi
from alpine_ready.errors import InputError

DATA = Path(__file__).parent / "data" / "pylocks"
X86 = pi.musl_environment("3.12", "x86_64")
PY311 = pi.musl_environment("3.11", "aarch64")


def names(parsed: pi.ParsedInput) -> dict[str, str | None]:
    return {r.name: r.version for r in parsed.requirements}


# ------------------------------------------------------------------ real lockfiles


def test_recorded_versions_present() -> None:
    rec = json.loads((DATA / "RECORDED.json").read_text())
    assert rec["uv"].startswith("uv ")
    assert "Poetry" in rec["poetry"]


@pytest.mark.parametrize("fname", ["uv.lock", "poetry.lock", "pylock.toml"])
def test_real_lockfile_full_transitive_set(fname: str) -> None:
    parsed = pi.parse_file(DATA / fname)
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


def test_uv_lock_split_versions_by_python() -> None:
    everything = pi.parse_uv_lock(DATA / "uv.lock")
    numpys = [r for r in everything.requirements if r.name == "numpy"]
    assert len(numpys) == 2 and all(r.marker for r in numpys)
    on312 = {r.name: r.version for r in pi.parse_uv_lock(DATA / "uv.lock", X86).requirements}
    on311 = pi.parse_uv_lock(DATA / "uv.lock", PY311)
    assert on312["numpy"] != names(on311)["numpy"]
    assert [r.name for r in on311.excluded] == ["numpy"]


def test_pylock_markers_and_extras() -> None:
    parsed = pi.parse_pylock(DATA / "pylock.toml", X86)
    got = names(parsed)
    assert "uvloop" in got  # exported with --all-extras, marker sys_platform != 'win32'
    assert "colorama" not in got  # no Windows on Alpine
    assert parsed.uncheckable == ()


def test_poetry_lock_extras_select_optional_packages() -> None:
    plain = pi.parse_poetry_lock(DATA / "poetry.lock", X86)
    fast = pi.parse_poetry_lock(DATA / "poetry.lock", X86, extras=["fast"])
    assert "uvloop" not in names(plain)
    assert "uvloop" in [r.name for r in plain.excluded]
    assert "uvloop" in names(fast)


def test_real_pyproject_extras() -> None:
    base = pi.parse_pyproject(DATA / "pyproject.toml")
    assert set(names(base)) == {"requests", "duckdb", "pydantic", "orjson", "numpy"}
    assert names(base)["duckdb"] == "1.3.2"
    assert names(base)["requests"] is None
    numpy = next(r for r in base.requirements if r.name == "numpy")
    assert numpy.marker and "platform_machine" in numpy.marker
    assert numpy.line is not None
    text = (DATA / "pyproject.toml").read_text().splitlines()
    assert "numpy" in text[numpy.line - 1]
    fast = pi.parse_pyproject(DATA / "pyproject.toml", X86, extras=["fast"])
    assert "uvloop" in names(fast)
    assert "uvloop" in names(pi.parse_pyproject(DATA / "pyproject.toml", X86, extras=["*"]))
    with pytest.raises(InputError, match="unknown extra"):
        pi.parse_pyproject(DATA / "pyproject.toml", extras=["nope"])


def test_discover_prefers_lockfile(tmp_path: Path) -> None:
    for f in ("uv.lock", "poetry.lock", "pyproject.toml"):
        shutil.copy(DATA / f, tmp_path / f)
    (tmp_path / "requirements.txt").write_text("flask\n")
    [parsed] = pi.discover(tmp_path, X86)
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
        assert pi.discover(dst)[0].kind == kind
    (tmp_path / "weird.bin").write_text("hello\n")
    with pytest.raises(InputError, match="unrecognised dependency file"):
        pi.discover(tmp_path / "weird.bin")
    with pytest.raises(InputError, match="no such"):
        pi.discover(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no Python dependency file"):
        pi.discover(empty)


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
    parsed = pi.parse_file(path, X86)
    got = names(parsed)
    assert got == {"duckdb": "1.3.2", "private-pkg": "2.0", "requests": "2.32.3", "pytest": "8.3.3"}
    assert [r.name for r in parsed.excluded] == ["colorama"]
    assert [u.reason for u in parsed.uncheckable] == ["path entry"]
    priv = next(r for r in parsed.requirements if r.name == "private-pkg")
    assert priv.index_url == "https://pypi.example.com/simple"
    assert next(r for r in parsed.requirements if r.name == "requests").extras == ("socks",)
    assert "pytest" not in names(pi.parse_pipfile_lock(path, X86, dev=False))
    path.write_text("{ not json")
    with pytest.raises(InputError, match=r"Pipfile.lock:1: malformed JSON"):
        pi.parse_file(path)


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
    parsed = pi.discover(tmp_path / "requirements.txt", X86)[0]
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
    assert "numpy" not in names(pi.parse_requirements(tmp_path / "requirements.txt", PY311))
    # no environment: nothing is filtered
    assert "pywin32" in names(pi.parse_requirements(tmp_path / "requirements.txt"))


def test_requirements_constraint_only_packages_are_not_requirements(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("flask==3.0.0\nrequests==2.0\n")
    (tmp_path / "requirements.txt").write_text("--constraint c.txt\nrequests\n")
    parsed = pi.parse_requirements(tmp_path / "requirements.txt")
    assert names(parsed) == {"requests": "2.0"}


def test_requirements_include_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\nflask\n")
    (tmp_path / "b.txt").write_text("--requirement=a.txt\n")
    with pytest.raises(InputError, match=r"include cycle: .*a\.txt -> .*b\.txt -> .*a\.txt"):
        pi.parse_requirements(tmp_path / "a.txt")


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
        pi.discover(tmp_path)
    assert "\n" not in str(info.value)


def test_discover_requirements_and_pyproject(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r requirements-base.txt\nflask\n")
    (tmp_path / "requirements-base.txt").write_text("requests\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname="x"\nversion="1"\ndependencies=["attrs"]\n'
    )
    found = pi.discover(tmp_path)
    # requirements-base.txt is included by requirements.txt, so it is not a separate input
    assert [(Path(p.path).name, p.kind) for p in found] == [
        ("requirements-dev.txt", "requirements"),
        ("requirements.txt", "requirements"),
        ("pyproject.toml", "pyproject"),
    ]


def test_musl_environment() -> None:
    env = pi.musl_environment("3.13", "aarch64")
    assert env["platform_machine"] == "aarch64" and env["python_version"] == "3.13"
    assert env["sys_platform"] == "linux" and env["platform_system"] == "Linux"
    with pytest.raises(InputError):
        pi.musl_environment("3.12", "armv7l")
