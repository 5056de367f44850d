"""Poetry's own tables: a real Poetry 1.8 pyproject (tools/record_poetry_tables.py), no lock."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alpine_ready.deps.markers import musl_environment
from alpine_ready.deps.requirement import ParsedInput
from alpine_ready.deps.sources import discover, find_inputs, parse_file
from alpine_ready.deps.sources.base import Context
from alpine_ready.deps.sources.poetry_tables import parse_poetry_tables, poetry_specifier
from alpine_ready.errors import InputError

DATA = Path(__file__).parent / "data" / "pylocks"
TABLES = DATA / "poetry-tables" / "pyproject.toml"
X86 = musl_environment("3.12", "x86_64")
PY311 = musl_environment("3.11", "x86_64")


def specs(parsed: ParsedInput) -> dict[str, str]:
    return {r.name: r.specifier for r in parsed.requirements}


def test_recorded_by_poetry() -> None:
    rec = json.loads((TABLES.parent / "RECORDED.json").read_text())
    assert rec["poetry"].startswith("Poetry (version 1.8")
    assert "[tool.poetry.dependencies]" in TABLES.read_text()
    assert "[project]" not in TABLES.read_text()


def test_real_poetry_tables_as_pep440() -> None:
    parsed = parse_file(TABLES, X86)
    assert parsed.kind == "pyproject" and not parsed.locked
    assert specs(parsed) == {
        "requests": ">=2.31,<3.0",  # ^2.31
        "duckdb": "==1.3.2",  # a bare version is exact
        "psycopg2": ">=2.9,<2.10",  # ~2.9
        "orjson": "==3.10.*",
        "pydantic": ">=2,<3",
        "numpy": ">=1.26",
        "pytest": ">=8.0,<9.0",  # the dev group
    }
    by = {r.name: r for r in parsed.requirements}
    assert by["duckdb"].version == "1.3.2" and by["requests"].version is None
    assert by["pydantic"].extras == ("email",)
    assert by["numpy"].marker == '(python_full_version >= "3.12")'
    # the primary [[tool.poetry.source]] is the index of every dependency
    assert {r.index_url for r in parsed.requirements} == {"https://pypi.org/simple/"}
    assert parsed.index_urls == ("https://pypi.org/simple/",)
    # platform = "win32" is a marker false on Alpine; python is the project's range
    assert [r.name for r in parsed.excluded] == ["pywin32"]
    assert "python" not in by
    lines = TABLES.read_text().splitlines()
    for r in parsed.requirements:
        assert r.line is not None and lines[r.line - 1].startswith(f"{r.name} ="), r


def test_groups_extras_and_python_markers() -> None:
    notes = " | ".join(parse_file(TABLES, X86).notes)
    assert "optional groups not checked: docs" in notes  # optional = true
    assert "optional dependencies not checked: fast" in notes
    fast = parse_file(TABLES, X86, extras=["fast"])
    assert "uvloop" in specs(fast) and "uvloop" not in specs(parse_file(TABLES, X86))
    no_dev = parse_file(TABLES, X86, dev=False)
    assert "pytest" not in specs(no_dev)
    assert any("groups left out (--no-dev): dev" in n for n in no_dev.notes)
    on311 = parse_file(TABLES, PY311)
    assert {r.name for r in on311.excluded} == {"pywin32", "pydantic", "numpy"}
    with pytest.raises(InputError, match=r"unknown extra\(s\) nope; defined: fast"):
        parse_file(TABLES, X86, extras=["nope"])


def test_discovered_in_a_directory_unless_a_lockfile_is_there(tmp_path: Path) -> None:
    shutil.copy(TABLES, tmp_path / "pyproject.toml")
    [parsed] = discover(tmp_path, X86)
    assert parsed.kind == "pyproject" and "duckdb" in specs(parsed)
    [found] = find_inputs(tmp_path, Context(X86, sites=()))["python"]
    assert found.source.name == "pyproject.toml"
    shutil.copy(DATA / "poetry.lock", tmp_path / "poetry.lock")
    [locked] = discover(tmp_path, X86)
    assert locked.kind == "poetry.lock"
    assert any("not read: pyproject.toml" in n for n in locked.notes)


def test_pep621_wins_unless_its_dependencies_are_poetrys(tmp_path: Path) -> None:
    """Poetry 2 keeps [project]; [tool.poetry.dependencies] are read only when [project]
    has none of its own (or declares them dynamic)."""
    both = tmp_path / "pyproject.toml"
    both.write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = ["six==1.16.0"]\n'
        '[tool.poetry.dependencies]\nrequests = {source = "mine"}\n'
    )
    assert specs(parse_file(both)) == {"six": "==1.16.0"}
    both.write_text(
        '[project]\nname = "x"\nversion = "1"\ndynamic = ["dependencies"]\n'
        '[tool.poetry.dependencies]\nrequests = "^2"\n'
    )
    assert specs(parse_file(both)) == {"requests": ">=2,<3"}


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("^1.2", ">=1.2,<2.0"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("1.2.*", "==1.2.*"),
        ("*", ""),
        ("1.2.3", "==1.2.3"),
        ("=1.2.3", "==1.2.3"),
        (">=1,<2", ">=1,<2"),
        (">= 1, < 2", ">=1,<2"),
        (">=1 <2", ">=1,<2"),
        ("~=1.4", "~=1.4"),
        ("!=1.5", "!=1.5"),
        (">=1.2.*", ">=1.2"),
    ],
)
def test_poetry_version_syntax(poetry: str, pep440: str) -> None:
    assert poetry_specifier(poetry) == (pep440, False)


def test_or_constraints_are_widened_and_bad_ones_refused(tmp_path: Path) -> None:
    assert poetry_specifier("^1.2 || ^2.0") == ("", True)
    with pytest.raises(ValueError):
        poetry_specifier("^x")
    f = tmp_path / "pyproject.toml"
    f.write_text(
        '[tool.poetry.dependencies]\npython = "^3.11"\nflask = "^2 || ^3"\n'
        'mine = {git = "https://example.invalid/mine.git", tag = "v1"}\n'
        'local = {path = "../local"}\nbad = "^nope"\n'
    )
    with pytest.raises(InputError, match=r"pyproject\.toml:6: bad: bad version '\^nope'"):
        parse_poetry_tables(f)
    f.write_text(f.read_text().replace('bad = "^nope"\n', ""))
    parsed = parse_poetry_tables(f)
    assert specs(parsed) == {"flask": ""}
    assert any("an 'or' of versions has no PEP 440 form" in n for n in parsed.notes)
    assert [(u.text, u.line) for u in parsed.uncheckable] == [
        ("mine (git https://example.invalid/mine.git)", 4),
        ("local (path ../local)", 5),
    ]


def test_wrong_types_are_one_line_errors(tmp_path: Path) -> None:
    f = tmp_path / "pyproject.toml"
    f.write_text("[tool.poetry.dependencies]\nflask = {version = 3}\n")
    with pytest.raises(
        InputError,
        match=r"unexpected structure at "
        r"tool\.poetry\.dependencies\.flask\.version",
    ):
        parse_poetry_tables(f)
    f.write_text("[tool.poetry.dependencies]\nflask = 3\n")
    with pytest.raises(
        InputError,
        match=r"unexpected structure at "
        r"tool\.poetry\.dependencies\.flask",
    ):
        parse_poetry_tables(f)
