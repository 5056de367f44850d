"""``.pre-commit-hooks.yaml``, run for real by pre-commit (from PyPI) on a test repository.

The hooks repository is a git clone of this repository at HEAD (the hooks file as
committed); pre-commit installs alpine-ready into an environment of its own from it
(``language: python``: its dependencies come from PyPI, hence the ``online`` mark),
then runs the hook on a project whose Dockerfile has a real finding: the run fails
on it, and passes once the Dockerfile is fixed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def _hooks() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(HOOKS.read_text("utf-8"))
    return {h["id"]: h for h in data}


def test_hooks_file_declares_both_hooks() -> None:
    hooks = _hooks()
    assert set(hooks) == {"alpine-ready-lint", "alpine-ready-deps"}
    for hook in hooks.values():
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"
    assert hooks["alpine-ready-lint"]["entry"] == "alpine-ready lint"
    assert hooks["alpine-ready-deps"]["entry"] == "alpine-ready deps"
    assert hooks["alpine-ready-deps"]["pass_filenames"] is False  # deps takes one PATH


@pytest.mark.parametrize(
    ("path", "lint", "deps"),
    [
        ("Dockerfile", True, False),
        ("services/api/Dockerfile", True, False),
        ("Dockerfile.prod", True, False),
        ("docker/Dockerfile-alpine", True, False),
        ("build.dockerfile", True, False),
        ("Containerfile", True, False),
        ("README.md", False, False),
        ("docs/dockerfiles.txt", False, False),
        ("requirements.txt", False, True),
        ("requirements-dev.txt", False, True),
        ("api/requirements/base.txt", False, False),
        ("poetry.lock", False, True),
        ("uv.lock", False, True),
        ("pyproject.toml", False, True),
        ("web/package-lock.json", False, True),
        ("pnpm-lock.yaml", False, True),
        ("yarn.lock", False, True),
        ("package.json", False, False),
    ],
)
def test_file_patterns(path: str, lint: bool, deps: bool) -> None:
    hooks = _hooks()
    # pre-commit matches ``files`` with re.search on the repository-relative path
    assert bool(re.search(hooks["alpine-ready-lint"]["files"], path)) is lint
    assert bool(re.search(hooks["alpine-ready-deps"]["files"], path)) is deps


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def _pre_commit(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PRE_COMMIT_COLOR": "never",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    env.pop("PYTHONPATH", None)  # the hook runs the alpine-ready pre-commit installed
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.mark.online
@pytest.mark.slow
def test_pre_commit_runs_the_hooks_on_a_repository(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is needed to run pre-commit")
    hooks_repo = tmp_path / "hooks"
    _git(tmp_path, "clone", "--quiet", str(ROOT), str(hooks_repo))
    if not (hooks_repo / ".pre-commit-hooks.yaml").is_file():
        pytest.fail(".pre-commit-hooks.yaml is not committed at HEAD")
    rev = _git(hooks_repo, "rev-parse", "HEAD")

    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "--quiet")
    (project / "Dockerfile").write_text("FROM alpine:3.23\nRUN apk add curl\n")
    (project / "requirements.txt").write_text("six==1.16.0\n")
    (project / "README.md").write_text("not a Dockerfile\n")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: alpine-ready-lint\n      - id: alpine-ready-deps\n"
    )
    _git(project, "add", "-A")
    home = tmp_path / "pre-commit-home"

    failed = _pre_commit(project, home, "run", "--all-files")
    out = failed.stdout + failed.stderr
    assert failed.returncode == 1, out
    assert re.search(r"alpine-ready lint .*Failed", out), out
    assert "Dockerfile:2:5" in out and "AR101" in out and "apk-add-without-no-cache" in out
    assert re.search(r"alpine-ready deps .*Passed", out), out  # six is a pure wheel

    (project / "Dockerfile").write_text("FROM alpine:3.23\nRUN apk add --no-cache curl\n")
    _git(project, "add", "-A")
    passed = _pre_commit(project, home, "run", "--all-files")
    out = passed.stdout + passed.stderr
    assert passed.returncode == 0, out
    assert re.search(r"alpine-ready lint .*Passed", out), out

    # only the hook whose files changed runs (pre-commit's own file filtering)
    only_readme = _pre_commit(project, home, "run", "--files", "README.md")
    assert only_readme.returncode == 0
    assert "(no files to check)Skipped" in only_readme.stdout
