"""The guardrails CI holds every change to: ruff's lint rules and formatter, mypy --strict,
and a test run that leaves the user's cache alone.

ruff and mypy run as subprocesses of this venv, with the configuration in
pyproject.toml, so the README's test command (and so CI) fails on a lint or type error.
Their caches stay in the checkout (``.ruff_cache``, ``.mypy_cache``), never in the
user's ``~/.cache``.  The last test runs a small pytest session with the suite's
conftest and a home of its own, to show that a write to ``~/.cache/alpine-ready``
fails the run while the tool's default caches go to the session's temporary directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
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
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_check() -> None:
    r = _run([_tool("ruff"), "check", "--no-fix", *LINTED])
    assert r.returncode == 0, f"ruff check {' '.join(LINTED)} failed:\n{r.stdout}{r.stderr}"


def test_ruff_format_check() -> None:
    r = _run([_tool("ruff"), "format", "--check", *LINTED])
    assert r.returncode == 0, (
        f"ruff format --check failed (run `make format`):\n{r.stdout}{r.stderr}"
    )


def test_mypy_strict() -> None:
    r = _run([_tool("mypy")])  # files and strictness from [tool.mypy] in pyproject.toml
    assert r.returncode == 0, f"mypy --strict failed:\n{r.stdout}{r.stderr}"


_SESSION = textwrap.dedent("""
    import os
    from pathlib import Path

    from alpine_ready.inputs.image.localfiles import default_cache_dir


    def test_the_tools_default_cache_is_the_sessions() -> None:
        cache = default_cache_dir()
        assert not cache.is_relative_to(Path.home())
        cache.mkdir(parents=True)
        (cache / "entry").write_text("fine")


    def test_a_write_to_the_users_cache() -> None:
        if os.environ.get("WRITE_TO_USER_CACHE"):
            mine = Path.home() / ".cache" / "alpine-ready" / "written-by-a-test"
            mine.parent.mkdir(parents=True, exist_ok=True)
            mine.write_text("oops")
""")


@pytest.mark.parametrize("write", [False, True], ids=["clean", "writes"])
def test_a_session_that_writes_to_the_users_cache_fails(tmp_path: Path, write: bool) -> None:
    (tmp_path / "test_session.py").write_text(_SESSION)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT / "tests"))
    if write:
        env["WRITE_TO_USER_CACHE"] = "1"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "conftest",
            "test_session.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = r.stdout + r.stderr
    assert "2 passed" in out, out
    if write:
        assert r.returncode == 1, out
        assert "the user's cache was touched" in out
        assert f"created  {home}/.cache/alpine-ready/written-by-a-test" in out
    else:
        assert r.returncode == 0, out
        assert not (home / ".cache").exists()
