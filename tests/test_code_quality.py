"""The guardrails CI holds every change to: ruff's lint rules and mypy --strict.

Both run as subprocesses of this venv, with the configuration in pyproject.toml, so
the README's test command (and so CI) fails on a lint or type error.  Their caches stay
in the checkout (``.ruff_cache``, ``.mypy_cache``), never in the user's ``~/.cache``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: What ruff checks: everything of the project's own in Python.
LINTED = ["src", "tests", "tools", "benchmarks", "examples"]


def _tool(name: str) -> str:
    path = BIN / name
    if path.is_file():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (bash tools/install-test-deps.sh installs it)")
    return found


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)


def test_ruff_check() -> None:
    r = _run([_tool("ruff"), "check", "--no-fix", *LINTED])
    assert r.returncode == 0, f"ruff check {' '.join(LINTED)} failed:\n{r.stdout}{r.stderr}"


def test_mypy_strict() -> None:
    r = _run([_tool("mypy")])  # files and strictness from [tool.mypy] in pyproject.toml
    assert r.returncode == 0, f"mypy --strict failed:\n{r.stdout}{r.stderr}"
