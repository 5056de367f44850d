"""Helpers shared by the benchmark scripts (table cells, provenance, our command)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any


def alpine_ready_cmd() -> list[str]:
    """The alpine-ready console script of this interpreter's environment (or ``-m``)."""
    beside = Path(sys.executable).parent / "alpine-ready"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("alpine-ready")
    return [found] if found else [sys.executable, "-m", "alpine_ready"]


def ratio(b: Any, base: Any, attr: str) -> float | None:
    """``b.attr / base.attr`` when both are known."""
    x, y = getattr(b, attr), getattr(base, attr)
    return x / y if x is not None and y else None


def fmt(x: float | None, spec: str) -> str:
    """A table cell: ``-`` for unknown."""
    return "-" if x is None else format(x, spec)


def source_state() -> str | None:
    """Git commit of the alpine_ready being timed, ``+dirty:<hash>`` when its files differ.

    It is installed editable, so edits made while the benchmark runs change what is
    timed; comparing this before and after the run catches that.
    """
    code = "import alpine_ready; print(alpine_ready.__file__)"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, errors="replace", check=False
    )
    if proc.returncode != 0:
        return None
    pkg = str(Path(proc.stdout.strip()).parent)
    head = subprocess.run(
        ["git", "-C", pkg, "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if head.returncode != 0:
        return None
    diff = subprocess.run(
        ["git", "-C", pkg, "diff", "HEAD", "--", "."], capture_output=True, check=False
    ).stdout
    state = head.stdout.strip()
    if diff:
        state += f"+dirty:{hashlib.sha1(diff).hexdigest()[:8]}"
    return state
