"""Issue 14: lint raises no finding on Dockerfiles written the way Alpine's experts write them.

The files in ``tests/data/dockerfiles/experts-style`` are our own, written in the style of
the official images' Alpine variants (nginx's pinned package list in a shell variable,
php's ``.build-deps`` + ``.phpize-deps``, httpd's kept ``.httpd-so-deps`` computed with
scanelf, python's ``.python-rundeps``, redis/postgres, a builder stage only bind-mounted,
``rm -rf /var/cache/apk/*`` at the end of a RUN).  Every one must lint clean with the
default settings, and ``--fix`` must leave them alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alpine_ready.lint.engine import LintOptions, run
from alpine_ready.lint.report import LintReport

EXPERTS = Path(__file__).parent / "data" / "dockerfiles" / "experts-style"
FILES = sorted(p.name for p in EXPERTS.glob("*.Dockerfile"))


def lint(tmp_path: Path, name: str, **kw: object) -> LintReport:
    """Lint a copy in a directory of its own (no config found above it), offline."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / name
    shutil.copyfile(EXPERTS / name, path)
    return run(
        LintOptions(
            (str(path),),
            offline=True,
            pip_checker=lambda reqs: {},
            package_indexes=lambda release: None,
            **kw,  # type: ignore[arg-type]
        )
    )


def test_corpus_is_there() -> None:
    assert len(FILES) >= 7


@pytest.mark.parametrize("name", FILES)
def test_no_finding_with_default_settings(tmp_path: Path, name: str) -> None:
    (result,) = lint(tmp_path, name).files
    assert [(f.line, f.code, f.message) for f in result.findings] == []
    assert "AR102" not in result.rules  # off by default


@pytest.mark.parametrize("name", FILES)
def test_fix_changes_nothing(tmp_path: Path, name: str) -> None:
    (result,) = lint(tmp_path, name, diff=True, unsafe_fixes=True).files
    assert result.diff == ""


@pytest.mark.parametrize("name", FILES)
def test_only_pins_when_everything_is_selected(tmp_path: Path, name: str) -> None:
    """Selecting every rule adds AR102's pin advice and nothing else."""
    (result,) = lint(tmp_path, name, select=("all",)).files
    assert {f.code for f in result.findings} <= {"AR102"}


def test_nginx_package_list_in_a_shell_variable_is_pinned(tmp_path: Path) -> None:
    (result,) = lint(tmp_path, "nginx-like.Dockerfile", select=("AR102",)).files
    lines = {f.line for f in result.findings}
    assert 18 not in lines  # apk add … $nginxPackages: assigned pinned in the same RUN
    assert lines == {15, 26}  # openssl and tzdata really are unpinned


def test_ar102_can_be_enabled_in_the_config(tmp_path: Path) -> None:
    (tmp_path / ".alpine-ready.toml").write_text('[lint]\nenable = ["AR102"]\n')
    (result,) = lint(tmp_path, "cache-removed.Dockerfile").files
    assert [f.code for f in result.findings] == ["AR102"]
