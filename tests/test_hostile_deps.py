"""Issue 10, dependency inputs: hostile files, includes, answers and caches (classes 2, 6, 8).

Every case is a real file on disk (or a real device, FIFO, symlink) read by the real
parsers; the CLI cases run the real command in a subprocess.  The promise: a clear
one-line :class:`InputError` naming the file (and line), never a traceback, never
more than a 40-character escaped excerpt of what a file holds, nothing read from
outside the project unless the user named it.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alpine_ready.deps.cache import PackageIndexError, ResponseCache
from alpine_ready.deps.check import DepsOptions, run
from alpine_ready.deps.index import ACCEPT, ProjectPages, parse_json_page
from alpine_ready.deps.loader import MAX_NESTING, MAX_REQUIREMENTS_BYTES
from alpine_ready.deps.markers import musl_environment
from alpine_ready.deps.npm_registry import (
    LISTING_ACCEPT,
    NpmRegistry,
    NpmVersion,
    read_npmrc,
)
from alpine_ready.deps.sdist import NEEDS_ACCEPT, build_needs
from alpine_ready.deps.sources import discover, parse_file, parse_node_input
from alpine_ready.deps.sources.requirements import parse_requirements
from alpine_ready.deps.tags import MuslTarget
from alpine_ready.deps.views import VIEWS_ACCEPT, views_for
from alpine_ready.errors import InputError
from alpine_ready.guard import ProjectBoundary
from alpine_ready.guard.write import TEMP_SUFFIX

DATA = Path(__file__).parent / "data"
NODE_LOCKFILES = {
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
}
SECRET = "hunter2-do-not-print"
DEEP = 100_000


def one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    text = str(exc.value)
    assert "\n" not in text and "\x1b" not in text
    return text


def cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def assert_cli_error(r: subprocess.CompletedProcess[str], pattern: str) -> str:
    assert r.returncode == 2, (r.stdout[-500:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("alpine-ready: error: "), r.stderr[-2000:]
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]


# ------------------------------------------------------------------ class 2: where files lead


def test_include_of_proc_self_environ_is_refused_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALPINE_READY_TEST_SECRET", SECRET)
    req = tmp_path / "requirements.txt"
    req.write_text("flask==3.0.0\n-r /proc/self/environ\n")
    with pytest.raises(InputError) as exc:
        parse_requirements(req)
    msg = one_line(exc)
    assert msg == (
        f"{req}:2: -r /proc/self/environ: leads outside the project ({tmp_path}); "
        "not read (see docs/security.md)"
    )


def test_constraint_on_etc_shadow_is_refused(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("# pinned\n-c /etc/shadow\n")
    with pytest.raises(
        InputError,
        match=r"requirements\.txt:2: -c /etc/shadow: leads outside "
        r"the project",
    ) as exc:
        parse_requirements(req)
    assert "root:" not in one_line(exc)


def test_an_include_through_a_symlink_inside_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secrets.txt").write_text(f"SECRET={SECRET}\n")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "base.txt").symlink_to(outside / "secrets.txt")
    (proj / "requirements.txt").write_text("-r base.txt\n")
    with pytest.raises(
        InputError,
        match=r"requirements\.txt:1: -r base\.txt: leads outside "
        rf"the project \({re.escape(str(proj))}\)",
    ) as exc:
        discover(proj)
    assert SECRET not in one_line(exc)


def test_a_found_requirements_file_linked_outside_is_refused(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.txt"
    secrets.write_text(f"SECRET={SECRET}\n")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "requirements.txt").symlink_to(secrets)
    with pytest.raises(InputError, match=r"requirements\.txt: leads outside the project"):
        discover(proj)


def test_a_found_pnpm_lock_linked_to_proc_environ_is_refused_by_the_cli(tmp_path: Path) -> None:
    (tmp_path / "pnpm-lock.yaml").symlink_to("/proc/self/environ")
    r = cli(
        "deps",
        str(tmp_path),
        "--offline",
        "--cache-dir",
        str(tmp_path / "c"),
        env={"ALPINE_READY_TEST_SECRET": SECRET},
    )
    line = assert_cli_error(r, r"pnpm-lock\.yaml: leads outside the project")
    assert SECRET not in line


def test_a_named_symlink_is_read_but_only_an_excerpt_is_shown(tmp_path: Path) -> None:
    """The user named the file: it is read; the error quotes 40 escaped characters."""
    secrets = tmp_path / "elsewhere" / "secrets"
    secrets.parent.mkdir()
    secrets.write_text(f"TOKEN={SECRET}{SECRET}\x1b[2J\nroot:$6$salt$hash:19000::::::\n")
    link = tmp_path / "proj" / "requirements.txt"
    link.parent.mkdir()
    link.symlink_to(secrets)
    with pytest.raises(InputError) as exc:
        parse_requirements(link)
    msg = one_line(exc)
    quoted = re.search(r"invalid requirement '(.*?)'", msg)
    assert quoted is not None and len(quoted[1]) <= 41 and quoted[1].endswith("…")
    assert "root:" not in msg and f"{SECRET}{SECRET}" not in msg


def test_project_root_widens_the_boundary_for_a_monorepo(tmp_path: Path) -> None:
    (tmp_path / "common.txt").write_text("six==1.16.0\n")
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "requirements.txt").write_text("-r ../common.txt\n")
    with pytest.raises(InputError, match="leads outside the project"):
        run(DepsOptions(path=str(svc), offline=True, resolve=False, cache_dir=tmp_path / "c"))
    report = run(
        DepsOptions(
            path=str(svc),
            offline=True,
            resolve=False,
            cache_dir=tmp_path / "c",
            project_root=tmp_path,
        )
    )
    assert [p.name for p in report.packages] == ["six"]


def test_the_git_work_tree_is_the_project(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "common.txt").write_text("six==1.16.0\n")
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "requirements.txt").write_text("-r ../common.txt\n")
    assert [r.name for p in discover(svc) for r in p.requirements] == ["six"]


def test_include_names_with_escape_sequences_are_escaped(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("-r \x1b[2J\x1b[1;1Hbase.txt\n")
    with pytest.raises(InputError) as exc:
        parse_requirements(req)
    assert "\\x1b[2J" in one_line(exc)


LONG = "x" * 45 + "TAILMARK" + SECRET  # 40 characters may be quoted, never the tail


@pytest.mark.parametrize(
    ("name", "content", "quoted"),
    [
        ("requirements.txt", f"{LONG} ; python_version >> '3'\n", "invalid requirement 'xxx"),
        ("requirements.txt", f"--frobnicate={LONG}\n", "unknown option '--frobnicate'"),
        ("requirements.txt", f"flask --hash=md5:{LONG}\n", "malformed --hash 'md5:xxx"),
        (
            "pyproject.toml",
            f'[project]\nname = "x"\ndependencies = ["{LONG} >>"]\n',
            "invalid requirement 'xxx",
        ),
        ("uv.lock", f"version = 1\n{LONG} ==\n", "malformed TOML"),
        ("uv.lock", f"version = 1\n[a]\n[a.{LONG}]\n[a.{LONG}]\n", "malformed TOML"),
        (
            "Pipfile.lock",
            '{"_meta": {}, "default": {"' + LONG + '": {"version": "<<<"}}}',
            "bad version '<<<'",
        ),
        (
            "package-lock.json",
            '{"lockfileVersion": 3, "packages": {"' + LONG + '": x}}',
            "malformed JSON",
        ),
        ("pnpm-lock.yaml", f"lockfileVersion: '9.0'\n{LONG}\n", "expected 'key: value', got"),
        ("yarn.lock", f"{LONG}\n", "expected 'spec, ...:'"),
        ("bun.lock", '{"lockfileVersion": 1, "packages": {"' + LONG + '": x}}', "malformed JSON"),
    ],
)
def test_parse_errors_quote_at_most_a_short_escaped_excerpt(
    tmp_path: Path, name: str, content: str, quoted: str
) -> None:
    f = tmp_path / name
    f.write_text(content)
    parse: Callable[[Path], Any] = parse_node_input if name in NODE_LOCKFILES else parse_file
    with pytest.raises(InputError) as exc:
        parse(f)
    msg = one_line(exc)
    assert quoted in msg
    assert "TAILMARK" not in msg and SECRET not in msg, msg


# ------------------------------------------------------------------ class 6: what is read


def test_an_include_of_dev_zero_is_never_read_even_inside_the_boundary(tmp_path: Path) -> None:
    """Outside the project it is refused; with the whole disk as the project, refused
    as a device (regular files only), not read for minutes."""
    req = tmp_path / "requirements.txt"
    req.write_text("-r /dev/zero\n-r /dev/urandom\n")
    with pytest.raises(InputError, match=r":1: -r /dev/zero: leads outside"):
        parse_requirements(req)
    with pytest.raises(
        InputError,
        match=r"/dev/zero: is a character device, not a regular "
        r"file; not read",
    ) as exc:
        parse_requirements(req, boundary=ProjectBoundary(Path("/")))
    assert one_line(exc).startswith(f"{req}:1: -r /dev/zero: cannot read")


def test_a_named_device_is_read_up_to_the_cap_only(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        parse_requirements("/dev/zero")
    assert one_line(exc) == ("/dev/zero: larger than a requirements file may be (16 MiB); not read")


def test_an_include_of_a_fifo_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "requirements.txt").write_text("-r pipe.txt\n")
    r = cli(
        "deps",
        str(tmp_path / "requirements.txt"),
        "--offline",
        "--no-resolve",
        "--cache-dir",
        str(tmp_path / "c"),
        timeout=60,
    )  # a hang fails, not blocks
    assert_cli_error(r, r"pipe\.txt: is a FIFO, not a regular file; not read")


def test_an_oversized_include_is_refused_naming_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_REQUIREMENTS_BYTES + 1)
    (tmp_path / "requirements.txt").write_text("six\n-r big.txt\n")
    with pytest.raises(
        InputError,
        match=r"requirements\.txt:2: -r big\.txt: cannot read .*"
        r"larger than a requirements file may be \(16 MiB\)",
    ):
        parse_requirements(tmp_path / "requirements.txt")


def test_a_3000_deep_include_chain_stops_at_the_depth_bound(tmp_path: Path) -> None:
    for i in range(3000):
        (tmp_path / f"r{i}.txt").write_text(f"-r r{i + 1}.txt\n")
    (tmp_path / "r3000.txt").write_text("six\n")
    with pytest.raises(InputError) as exc:
        parse_requirements(tmp_path / "r0.txt")
    assert one_line(exc) == (
        f"{tmp_path / 'r31.txt'}:1: -r r32.txt: includes nested deeper than 32 files; not read"
    )
    # 32 files deep is fine
    (tmp_path / "r31.txt").write_text("six\n")
    assert [r.name for r in parse_requirements(tmp_path / "r0.txt").requirements] == ["six"]


def test_a_constraint_cycle_is_found_without_recursion(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("six\n-c b.txt\n")
    (tmp_path / "b.txt").write_text("-c a.txt\n")
    with pytest.raises(InputError, match=r"include cycle: .*a\.txt -> .*b\.txt -> .*a\.txt"):
        parse_requirements(tmp_path / "a.txt")


def test_thousands_of_included_files_are_refused(tmp_path: Path) -> None:
    lines = []
    for i in range(300):
        (tmp_path / f"f{i}.txt").write_text(f"pkg{i}\n")
        lines.append(f"-r f{i}.txt\n")
    (tmp_path / "requirements.txt").write_text("".join(lines))
    with pytest.raises(InputError, match="more than 256 requirements files included"):
        parse_requirements(tmp_path / "requirements.txt")


def test_a_requirement_line_of_a_million_spaces_is_linear(tmp_path: Path) -> None:
    """The comment and option splitters once backtracked quadratically on whitespace
    (hours for this file); the timeout turns such a hang into a failure."""
    req = tmp_path / "requirements.txt"
    req.write_text("flask" + " " * 1_000_000 + "#c\n" + "six" + " " * 1_000_000 + "x\n")
    r = cli(
        "deps",
        str(req),
        "--offline",
        "--no-resolve",
        "--cache-dir",
        str(tmp_path / "c"),
        timeout=60,
    )
    assert_cli_error(r, r"requirements\.txt:2: invalid requirement 'six {37}…'")


# ------------------------------------------------------------------ class 8: any document


def _deep_json() -> str:
    return "[" * DEEP + "]" * DEEP


def _deep_toml() -> str:
    return "[" * DEEP + "]" * DEEP


DEEP_INPUTS = {
    "package-lock.json": '{"lockfileVersion": 3, "packages": ' + _deep_json() + "}",
    "npm-shrinkwrap.json": '{"lockfileVersion": 3, "packages": {"a": ' + _deep_json() + "}}",
    "bun.lock": '{"lockfileVersion": 1, "packages": {"a": ' + _deep_json() + "}}",
    "Pipfile.lock": '{"_meta": {}, "default": {"a": ' + _deep_json() + "}}",
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\npackages:\n  a@1:\n    resolution: "
    + "{a: " * DEEP
    + "b"
    + "}" * DEEP
    + "\n",
    "yarn.lock": '__metadata:\n  version: 8\n"a@npm:1":\n  x: ' + "[" * DEEP + "]" * DEEP + "\n",
    "pyproject.toml": "[project]\nname = 'x'\ndependencies = " + _deep_toml() + "\n",
    "uv.lock": "version = 1\n[[package]]\nname = 'a'\nwheels = " + _deep_toml() + "\n",
    "poetry.lock": "[metadata]\n[[package]]\nname = 'a'\nversion = '1'\nfiles = "
    + "{a = " * DEEP
    + "1"
    + "}" * DEEP
    + "\n",
    "pylock.toml": "lock-version = '1.0'\n[[packages]]\nname = 'a'\nwheels = "
    + _deep_toml()
    + "\n",
}


def parse_any(path: Path) -> Any:
    if path.name in NODE_LOCKFILES:
        return parse_node_input(path)
    return parse_file(path, musl_environment())


@pytest.mark.parametrize("name", sorted(DEEP_INPUTS))
def test_100000_deep_documents_are_refused_before_parsing(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    f.write_text(DEEP_INPUTS[name])
    with pytest.raises(InputError) as exc:
        parse_any(f)
    assert re.fullmatch(
        rf"{re.escape(str(f))}(:\d+)?: .*nested deeper than {MAX_NESTING} "
        r"levels.*",
        one_line(exc),
    )


def test_nesting_at_the_limit_is_read(tmp_path: Path) -> None:
    f = tmp_path / "Pipfile.lock"
    f.write_text('{"_meta": {}, "x": ' + "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1) + "}")
    assert parse_file(f).requirements == ()


def test_a_deep_document_in_the_cli_is_one_line(tmp_path: Path) -> None:
    f = tmp_path / "uv.lock"
    f.write_text(DEEP_INPUTS["uv.lock"])
    assert_cli_error(
        cli("deps", str(f), "--offline", "--cache-dir", str(tmp_path / "c")),
        r"uv\.lock:4: nested deeper than 256 levels; not read",
    )


WRONG_TYPES = [
    (
        "uv.lock",
        "version = 1\n[[package]]\nname = 'a'\nversion = 1.5\n",
        "package[0].version (expected a string)",
    ),
    ("uv.lock", "version = 1\npackage = 3\n", "at package (expected an array)"),
    ("uv.lock", "version = 1\npackage = [1]\n", "at package[0] (expected a table)"),
    (
        "uv.lock",
        "version = 1\n[[package]]\nname = 'a'\nsource = 'pypi'\n",
        "package[0].source (expected a table)",
    ),
    (
        "uv.lock",
        "version = 1\n[[package]]\nname = 'a'\nsource = { registry = 'x' }\n"
        "wheels = [{ url = 3 }]\n",
        "package[0].wheels[0].url (expected a string)",
    ),
    (
        "uv.lock",
        "version = 1\n[[package]]\nname = 'a'\nsource = { editable = '.' }\n"
        "dependencies = [{ name = 'b', marker = 1 }]\n",
        "package[0].dependencies[0].marker (expected a string)",
    ),
    (
        "uv.lock",
        "version = 1\n[[package]]\nname = 'a'\nsource = { registry = 'x' }\n"
        "resolution-markers = 'x'\n",
        "package[0].resolution-markers (expected an array)",
    ),
    (
        "poetry.lock",
        "[metadata]\n[[package]]\nname = 'a'\nversion = '1'\nsource = 1\n",
        "package[0].source (expected a table)",
    ),
    (
        "poetry.lock",
        "[metadata]\n[[package]]\nname = 'a'\nversion = '1'\nfiles = [1]\n",
        "package[0].files[0] (expected a table)",
    ),
    (
        "poetry.lock",
        "[metadata]\n[[package]]\nname = 'a'\nversion = '1'\nmarkers = { main = 1 }\n",
        "package[0].markers.main (expected a string)",
    ),
    (
        "pylock.toml",
        "lock-version = '1.0'\n[[packages]]\nname = 'a'\nvcs = 'x'\n",
        "packages[0].vcs (expected a table)",
    ),
    (
        "pylock.toml",
        "lock-version = '1.0'\n[[packages]]\nname = 'a'\nwheels = [{ hashes = { sha256 = 1 } }]\n",
        "packages[0].wheels[0].hashes.sha256 (expected a string)",
    ),
    (
        "pyproject.toml",
        "[project]\nname = 'x'\noptional-dependencies = { a = 'b' }\n",
        "project.optional-dependencies.a (expected an array)",
    ),
    (
        "pyproject.toml",
        "[project]\nname = 'x'\ndynamic = 'dependencies'\n",
        "project.dynamic (expected an array)",
    ),
    ("Pipfile.lock", json.dumps({"_meta": [], "default": {}}), "at _meta (expected an object)"),
    (
        "Pipfile.lock",
        json.dumps({"_meta": {"sources": [{"name": "a", "url": 1}]}}),
        "_meta.sources[0].url (expected a string)",
    ),
    (
        "Pipfile.lock",
        json.dumps({"_meta": {}, "default": {"a": {"version": 1}}}),
        "default.a.version (expected a string)",
    ),
    (
        "Pipfile.lock",
        json.dumps({"_meta": {}, "default": {"a": {"version": "==1", "hashes": "x"}}}),
        "default.a.hashes (expected an array)",
    ),
    ("pnpm-lock.yaml", "lockfileVersion: [9]\n", "lockfileVersion (expected a version)"),
]


@pytest.mark.parametrize(
    ("name", "content", "where"), WRONG_TYPES, ids=[f"{n}-{w}" for n, _c, w in WRONG_TYPES]
)
def test_wrong_types_name_where_the_document_is_wrong(
    tmp_path: Path, name: str, content: str, where: str
) -> None:
    f = tmp_path / name
    f.write_text(content)
    with pytest.raises(InputError) as exc:
        parse_any(f)
    msg = one_line(exc)
    assert msg.startswith(f"{f}: unexpected structure at ") and msg.endswith(where), msg


@pytest.mark.parametrize("name", sorted(DEEP_INPUTS))
def test_random_bytes_are_one_line_errors(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    f.write_bytes(random.Random(name).randbytes(1 << 16))
    with pytest.raises(InputError) as exc:
        parse_any(f)
    assert re.fullmatch(rf"{re.escape(str(f))}:\d+: not UTF-8.*", one_line(exc))


REAL_FILES = {
    "uv.lock": DATA / "pylocks" / "uv.lock",
    "poetry.lock": DATA / "pylocks" / "poetry.lock",
    "pylock.toml": DATA / "pylocks" / "pylock.toml",
    "pyproject.toml": DATA / "pylocks" / "pyproject.toml",
    "package-lock.json": DATA / "nodelocks" / "npm-v3" / "package-lock.json",
    "pnpm-lock.yaml": DATA / "nodelocks" / "pnpm-v9" / "pnpm-lock.yaml",
    "yarn.lock": DATA / "nodelocks" / "yarn-berry" / "yarn.lock",
}
_EDITS = st.lists(
    st.tuples(
        st.floats(0, 1),
        st.integers(0, 64),
        st.sampled_from(
            [
                "",
                "[",
                "]",
                "{",
                "}",
                "=",
                ":",
                '"',
                "'",
                ",",
                "\n",
                " ",
                "  - ",
                "1",
                "true",
                "[[package]]\n",
                "\x00",
                "\xff",
                "é",
                "#",
                "\\",
            ]
        ),
    ),
    min_size=1,
    max_size=8,
)
#: values of another type put in place of a string value of the document
_SWAPS = {
    "toml": ["1", "1.5", "true", "[]", "[1]", "{}", "{ a = 1 }", "[{ a = 1 }]"],
    "json": ["1", "1.5", "true", "null", "[]", "[1]", "{}", '{"a": 1}', '[{"a": 1}]'],
    "yaml": ["1", "[]", "[1]", "{}", "{a: 1}", "[{a: 1}]"],
}
_STRING = {
    "toml": re.compile(r'"[^"\n]*"'),
    "json": re.compile(r'"[^"\n]*"(?!:)'),
    "yaml": re.compile(r"(?<=: )[^\n]+"),
}


def _syntax(name: str) -> str:
    if name.endswith(".json"):
        return "json"
    return "yaml" if name.endswith((".yaml", "yarn.lock")) else "toml"


def _swap(text: str, syntax: str, swaps: list[tuple[float, int]]) -> str:
    """Put values of other types where the document has strings."""
    spans = [m.span() for m in _STRING[syntax].finditer(text)]
    for where, which in swaps:
        if not spans:
            break
        start, end = spans.pop(int(where * (len(spans) - 1)))
        value = _SWAPS[syntax][which % len(_SWAPS[syntax])]
        text = text[:start] + value + text[end:]
        shift = len(value) - (end - start)
        spans = [
            (a, b) if b <= start else (a + shift, b + shift)
            for a, b in spans
            if b <= start or a >= end
        ]
    return text


@pytest.mark.parametrize("name", sorted(REAL_FILES))
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    edits=_EDITS,
    swaps=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 8)), min_size=1, max_size=4),
)
def test_a_mangled_real_lockfile_raises_nothing_but_input_error(
    tmp_path: Path, name: str, edits: list[tuple[float, int, str]], swaps: list[tuple[float, int]]
) -> None:
    """Real lockfiles with values of the wrong type swapped in, and bytes cut and added."""
    text = _swap(REAL_FILES[name].read_text(), _syntax(name), swaps)
    if len(edits) % 2:  # half the examples keep the syntax whole: shapes, not parse errors
        for where, cut, insert in edits:
            at = int(where * len(text))
            text = text[:at] + insert + text[at + cut :]
    f = tmp_path / name
    f.write_text(text, errors="surrogatepass")
    try:
        parse_any(f)
    except InputError as exc:
        assert "\n" not in str(exc)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "version",
                    "source",
                    "wheels",
                    "sdist",
                    "url",
                    "hash",
                    "marker",
                    "os",
                    "cpu",
                    "libc",
                    "dependencies",
                    "registry",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


def _toml_value(v: Any) -> str:
    if v is None:
        return '"null"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=_VALUES,
    key=st.sampled_from(
        [
            "name",
            "version",
            "source",
            "wheels",
            "sdist",
            "dependencies",
            "resolution-markers",
            "optional-dependencies",
            "files",
            "markers",
            "index",
            "marker",
            "hashes",
        ]
    ),
    name=st.sampled_from(["uv.lock", "poetry.lock", "pylock.toml"]),
)
def test_any_value_anywhere_in_a_toml_lockfile_is_input_error_at_worst(
    tmp_path: Path, value: Any, key: str, name: str
) -> None:
    table = "packages" if name == "pylock.toml" else "package"
    head = {
        "uv.lock": "version = 1\n",
        "poetry.lock": "[metadata]\n",
        "pylock.toml": "lock-version = '1.0'\n",
    }[name]
    other = {"name": "'a'", "version": "'1'", "source": "{ editable = '.' }"}
    fields = {k: v for k, v in other.items() if k != key}
    body = "".join(f"{k} = {v}\n" for k, v in fields.items())
    f = tmp_path / name
    f.write_text(
        f"{head}[[{table}]]\n{body}{json.dumps(key)} = {_toml_value(value)}\n"
        f"[[{table}]]\nname = 'b'\nversion = '2'\nsource = {{ registry = 'r' }}\n"
        f"dependencies = [{{ name = 'a' }}]\n"
    )
    try:
        parse_file(f, musl_environment())
    except InputError as exc:
        assert "\n" not in str(exc)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=_VALUES,
    name=st.sampled_from(["package-lock.json", "Pipfile.lock"]),
    where=st.sampled_from(["entry", "top", "section"]),
)
def test_any_value_anywhere_in_a_json_lockfile_is_input_error_at_worst(
    tmp_path: Path, value: Any, name: str, where: str
) -> None:
    if name == "Pipfile.lock":
        doc: dict[str, Any] = {"_meta": {"sources": []}, "default": {"a": {"version": "==1"}}}
        if where == "entry":
            doc["default"]["a"] = value
        elif where == "section":
            doc["develop"] = value
        else:
            doc["_meta"] = value
    else:
        doc = {"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1"}}}
        if where == "entry":
            doc["packages"]["node_modules/a"] = value
        elif where == "section":
            doc["packages"] = value
        else:
            doc["lockfileVersion"] = value
    f = tmp_path / name
    f.write_text(json.dumps(doc))
    try:
        parse_any(f)
    except InputError as exc:
        assert "\n" not in str(exc)


def test_an_index_page_answering_deep_json_is_an_index_error() -> None:
    with pytest.raises(PackageIndexError) as exc:
        parse_json_page(
            b'{"files": ' + _deep_json().encode() + b"}",
            "https://i/simple/a/",
            "a: https://i/simple/a/",
        )
    assert str(exc.value) == (
        "a: https://i/simple/a/: not valid JSON (line 1: nested deeper "
        f"than {MAX_NESTING} levels; not read)"
    )


def test_a_registry_document_answering_deep_json_is_unknown_not_a_crash(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "npm")
    cache.put(
        "https://registry.npmjs.org/deep/1.0.0",
        "application/json",
        b'{"name": "deep", "x": ' + _deep_json().encode() + b"}",
    )
    registry = NpmRegistry(cache=cache, offline=True)
    got = registry.versions_many([("deep", "1.0.0")])[("deep", "1.0.0")]
    assert isinstance(got, PackageIndexError)
    assert "not JSON (line 1: nested deeper than 256 levels; not read)" in str(got)


# ------------------------------------------------------------------ the caches


URL = "https://pypi.org/simple/six/"


def test_a_symlink_planted_at_a_cache_entry_is_never_followed(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put(URL, ACCEPT, b"{}")
    p = cache.path(URL, ACCEPT)
    target = tmp_path / "victim"
    target.write_text("keep me")
    p.unlink()
    p.symlink_to(target)
    assert cache.get(URL, ACCEPT) is None
    assert not p.is_symlink() and target.read_text() == "keep me"
    p.symlink_to("/dev/zero")  # and a device behind it is never read
    assert cache.get(URL, ACCEPT) is None and not p.exists()
    cache.put(URL, ACCEPT, b"{}")
    assert target.read_text() == "keep me" and not p.is_symlink()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n",
        b"not json\n{}",
        b"[" * DEEP + b"]" * DEEP + b"\n{}",
        json.dumps(
            {
                "format": 1,
                "url": URL,
                "accept": ACCEPT,
                "size": True,
                "headers": [],
                "fetched_at": 1.0,
            }
        ).encode()
        + b"\n{",
        json.dumps(
            {
                "format": 1,
                "url": URL,
                "accept": ACCEPT,
                "size": 2,
                "headers": [[1, 2]],
                "fetched_at": 1.0,
            }
        ).encode()
        + b"\n{}",
        json.dumps(
            {
                "format": 1,
                "url": URL,
                "accept": ACCEPT,
                "size": 2,
                "headers": [],
                "fetched_at": "now",
            }
        ).encode()
        + b"\n{}",
    ],
    ids=["empty", "newline", "garbage", "deep", "bool-size", "bad-header", "bad-time"],
)
def test_a_tampered_cache_entry_is_a_miss_and_removed(tmp_path: Path, content: bytes) -> None:
    cache = ResponseCache(tmp_path)
    cache.put(URL, ACCEPT, b"{}")
    p = cache.path(URL, ACCEPT)
    p.write_bytes(content)
    assert cache.get(URL, ACCEPT) is None
    assert cache.get(URL, ACCEPT, body=False) is None
    assert not p.exists()


def _pages(cache: ResponseCache) -> ProjectPages:
    cache.put(
        URL,
        ACCEPT,
        json.dumps(
            {
                "meta": {"api-version": "1.1"},
                "name": "six",
                "files": [
                    {
                        "filename": "six-1.16.0-py2.py3-none-any.whl",
                        "url": "https://f/six.whl",
                        "hashes": {},
                    }
                ],
                "versions": ["1.16.0"],
            }
        ).encode(),
        {"content-type": "application/vnd.pypi.simple.v1+json"},
    )
    entry = cache.get(URL, ACCEPT)
    assert entry is not None
    return ProjectPages("six", ((URL, entry),), cache)


@pytest.mark.parametrize(
    "summary",
    [
        b"[]",
        b'{"pinned": []}',
        b"[" * DEEP,
        json.dumps(
            {
                "pinned": {"1.0": ["1.0", "pure", [1], [], [], [], 0]},
                "fresh": {},
                "versions": [],
                "newest": None,
                "latest": None,
            }
        ).encode(),
        json.dumps(
            {
                "pinned": {"1.0": ["1.0", "bogus-kind", [], [], [], [], 0]},
                "fresh": {},
                "versions": [],
                "newest": None,
                "latest": None,
            }
        ).encode(),
    ],
    ids=["list", "wrong-shape", "deep", "bad-file-name", "bad-kind"],
)
def test_a_tampered_summary_is_recomputed_and_replaced(tmp_path: Path, summary: bytes) -> None:
    """A cache entry that verifies as an entry but not as a summary: recomputed, rewritten."""
    cache = ResponseCache(tmp_path)
    pages = _pages(cache)
    musl = MuslTarget(python=(3, 12), arch="x86_64", musl=(1, 2))
    good = views_for(pages, musl, "3.12", cache)
    key = f"alpine-ready:views:{pages.key}:cp3.12:x86_64:musl1.2"
    assert cache.get(key, VIEWS_ACCEPT) is not None
    cache.put(key, VIEWS_ACCEPT, summary)
    again = views_for(pages, musl, "3.12", cache)
    assert again.pinned("1.16.0") == good.pinned("1.16.0") is not None
    rewritten = cache.get(key, VIEWS_ACCEPT)
    assert rewritten is not None and rewritten.body != summary


def test_a_tampered_listing_and_build_needs_are_misses(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    meta = NpmVersion("a", "1.0.0", tarball="https://r/a.tgz")
    bad = json.dumps(
        {"name": "a", "version": "1.0.0", "node_files": "3", "files": [], "elf_files": []}
    ).encode()
    cache.put("https://r/a.tgz", LISTING_ACCEPT, bad)
    with pytest.raises(PackageIndexError, match="not in the cache"):
        NpmRegistry(cache=cache, offline=True).listing(meta)
    assert cache.get("https://r/a.tgz", LISTING_ACCEPT) is None
    cache.put(
        "https://f/a.tar.gz",
        NEEDS_ACCEPT,
        json.dumps({"sdist": "a.tar.gz", "size": "big", "complete": True}).encode(),
    )
    from alpine_ready.deps.http import HttpClient

    with pytest.raises(PackageIndexError, match="not in the cache"):
        build_needs("https://f/a.tar.gz", "a.tar.gz", http=HttpClient(), cache=cache, offline=True)
    assert cache.get("https://f/a.tar.gz", NEEDS_ACCEPT) is None


def test_cache_writes_leave_no_temporary_files_and_old_ones_are_swept(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put(URL, ACCEPT, b"{}")
    sub = cache.path(URL, ACCEPT).parent
    stale = sub / f".x.abc{TEMP_SUFFIX}"
    stale.write_bytes(b"left by a killed run")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    fresh = sub / f".y.abc{TEMP_SUFFIX}"
    fresh.write_bytes(b"being written right now")
    ResponseCache(tmp_path).put("https://pypi.org/simple/other/", ACCEPT, b"{}")
    assert not stale.exists() and fresh.exists()
    assert [p.name for p in sub.iterdir() if p.name.endswith(TEMP_SUFFIX)] == [fresh.name]


def test_a_listed_batch_opens_only_the_entries_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offline, a 300,000-package lockfile is that many misses: one listing, not an open
    each; what the batch writes or drops is seen, a tampered entry is still dropped."""
    cache = ResponseCache(tmp_path)
    cache.put(URL, ACCEPT, b"{}")
    opened: list[str] = []
    real_open = os.open

    def counting_open(path: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting_open)
    other = "https://pypi.org/simple/other/"
    with cache.listed():
        assert cache.has(URL, ACCEPT) is True and cache.has(other, ACCEPT) is False
        assert all(cache.get(f"{other}{i}", ACCEPT) is None for i in range(100))
        assert opened == []
        hit = cache.get(URL, ACCEPT)
        assert hit is not None and hit.body == b"{}" and len(opened) == 1
        cache.put(other, ACCEPT, b"[]")  # written in the batch: found
        got = cache.get(other, ACCEPT)
        assert got is not None and got.body == b"[]"
        cache.path(URL, ACCEPT).write_bytes(b"garbage")  # tampered: dropped, then a miss
        assert cache.get(URL, ACCEPT) is None and cache.has(URL, ACCEPT) is False
        assert not cache.path(URL, ACCEPT).exists()
    assert cache.has(other, ACCEPT) is None  # outside a batch: not known without a look
    empty = ResponseCache(tmp_path / "none")
    with empty.listed():
        assert empty.get(URL, ACCEPT) is None and empty.has(URL, ACCEPT) is False


def test_a_shard_that_cannot_be_listed_leaves_the_batch_to_open_each(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put(URL, ACCEPT, b"{}")
    shard = cache.path("https://pypi.org/simple/other/", ACCEPT).parent
    if shard.exists():
        pytest.skip("both keys share a shard")
    shard.write_bytes(b"a file where a shard directory goes")
    with cache.listed():
        assert cache.has(URL, ACCEPT) is None  # the listing failed: nothing assumed
        hit = cache.get(URL, ACCEPT)
        assert hit is not None and hit.body == b"{}"
        assert cache.get("https://pypi.org/simple/other/", ACCEPT) is None


def test_offline_versions_many_says_what_version_says(tmp_path: Path) -> None:
    """The batch's short way for misses gives the errors one lookup at a time gives."""
    cache = ResponseCache(tmp_path / "npm", name="npm")
    registry = NpmRegistry(cache=cache, offline=True)
    doc = {"name": "a", "version": "1.0.0", "scripts": {"install": "node-gyp rebuild"}}
    cache.put("https://registry.npmjs.org/a/1.0.0", "application/json", json.dumps(doc).encode())
    cache.put("https://registry.npmjs.org/bad/1.0.0", "application/json", b"[" * DEEP)
    pairs = [
        ("a", "1.0.0"),
        ("b", "2.0.0"),
        ("@s/c", "1.0.0-rc.1"),
        ("bad", "1.0.0"),
        ("not a name", "1"),
        ("d", "1/2"),
        ("e", "1.0.0+b/c"),
    ]
    got = registry.versions_many(pairs)
    assert list(got) == pairs
    for pair in pairs:
        try:
            want: Any = registry.version(*pair)
        except PackageIndexError as e:
            want = e
        if isinstance(want, PackageIndexError):
            assert isinstance(got[pair], type(want)) and str(got[pair]) == str(want), pair
        else:
            assert got[pair] == want
    assert isinstance(got[("a", "1.0.0")], NpmVersion)
    assert "is not in the npm cache" in str(got[("b", "2.0.0")])


def test_a_project_npmrc_linked_outside_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".npmrc").write_text("registry=https://mirror.example/\n")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / ".npmrc").symlink_to("/proc/self/environ")
    with pytest.raises(InputError, match=r"\.npmrc: leads outside the project"):
        read_npmrc(proj, home=home)
    (proj / ".npmrc").unlink()
    (proj / ".npmrc").symlink_to("/dev/zero")  # not a regular file: not read at all
    assert read_npmrc(proj, home=home).registry == "https://mirror.example/"


# ------------------------------------------------------------------ class 14b: yarn semantics


def test_the_lean_yarn_reader_keeps_the_format_rules(tmp_path: Path) -> None:
    """CRLF lines, quoted keys, comments, optional dependencies, multi-spec headers."""
    f = tmp_path / "yarn.lock"
    f.write_text(
        "# yarn lockfile v1\r\n\r\n"
        '"a@^1", a@^1.1:\r\n  "version" "1.2.0"\r\n  resolved "https://r/a.tgz"\r\n'
        '  optionalDependencies:\r\n    b "^2"\r\n   # a comment\r\n\r\n'
        'b@^2:\r\n  version "2.0.0"\r\n  dependencies:\r\n    c "1"\r\n'
        'c@1:\r\n  version "1.0.0"\r\n'
    )
    got = {p.name: p for p in parse_node_input(f).packages}
    assert got["a"].version == "1.2.0" and got["a"].resolved == "https://r/a.tgz"
    assert got["a"].path_in_lock == "a@^1, a@^1.1" and not got["a"].optional
    assert got["b"].optional and not got["c"].optional
    assert got["c"].version == "1.0.0"


@pytest.mark.parametrize(
    "text",
    [
        "{integrity: sha512-x==}",
        "{integrity: sha512-x==, tarball: https://r/a.tgz}",
        "{a: b:c}",
        "{}",
        "{ }",
        "{a: true, b: null, true: ~, c: 1}",
        "{a : b , c:  d}",
        "{a b: c d}",
        "{a: b,}",
        "{a: 'q'}",
        "{a: b #c}",
        "{a: [b]}",
        "{a#b: c}",
        "{a: {b: c}}",
        "{a:b}",
        "{a: }",
        "{:b}",
        "{a: b} x",
        '{a: "b"}',
        "{é: ü}",
    ],
)
def test_a_flat_flow_mapping_reads_as_the_flow_reader_reads_it(text: str) -> None:
    """pnpm's ``resolution: {integrity: ...}`` (300,000 of them) is split, not scanned by
    the general reader: the same value, or the same error, either way."""
    from alpine_ready.deps.loader import _flow, load_yaml

    def fail(what: str) -> Any:
        raise InputError(f"f:1: unsupported or malformed YAML: {what}")

    try:
        value, end = _flow(text, 0, fail, 1)
        rest = text[end:].strip()
        want: Any = ("error", "text after") if rest and not rest.startswith("#") else value
    except InputError as e:
        want = ("error", str(e).rsplit(": ", 1)[-1])
    try:
        got: Any = load_yaml(f"k: {text}\n", "f")["k"]
    except InputError as e:
        got = ("error", str(e).rsplit(": ", 1)[-1])
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and want[1] in got[1]
    else:
        assert repr(got) == repr(want)


def test_offline_misses_name_the_cache_once(tmp_path: Path) -> None:
    """Offline with an empty cache every row says it briefly; the input's note names the
    registry and the cache (a 300,000-entry yarn.lock repeated them 300,000 times)."""
    lock = tmp_path / "yarn.lock"
    lock.write_text(
        '# yarn lockfile v1\n\na@^1:\n  version "1.0.0"\n\n"@s/b@^2":\n  version "2.0.0"\n'
    )
    cache = tmp_path / "cache"
    report = run(DepsOptions(path=str(lock), offline=True, cache_dir=cache))
    rows = {p.name: p for p in report.packages}
    for name, version in (("a", "1.0.0"), ("@s/b", "2.0.0")):
        assert rows[name].reasons == (
            f"could not check: {name}@{version}: is not in the npm "
            f"cache (see the note) and we are offline",
        )
        assert rows[name].fixes == ("run again online (or without --offline) to check it",)
    assert report.inputs[0].notes[-1] == (
        f"2 packages not checked: offline, and their version documents from "
        f"https://registry.npmjs.org/ are not in the npm cache ({cache / 'npm'})"
    )


def test_an_image_record_that_is_not_csv_matches_no_files() -> None:
    """csv refuses a field over 128 KiB: the image's RECORD then names nothing (once, a
    traceback out of ``deps IMAGE``)."""
    from alpine_ready.deps.image_inputs import _record_files

    site = "usr/lib/python3.12/site-packages"
    assert _record_files(site, "a/b.py,sha256=x,1\n") == {f"{site}/a/b.py"}
    assert _record_files(site, '"' + "x" * 200_000 + '",1\n') == set()
