#!/usr/bin/env python3
"""Record a REAL Poetry-only ``pyproject.toml`` (``[tool.poetry.dependencies]``) for the tests.

Stdlib-only.  Installs the pinned Poetry 1.8 (the last that writes its own tables,
not PEP 621) from PyPI into a throwaway venv, then in an empty project runs::

    poetry init -n --name poetrydemo --python ^3.11 --dependency requests@^2.31
                --dependency duckdb==1.3.2 --dev-dependency pytest@^8.0
    poetry source add --priority=primary pypi-simple https://pypi.org/simple/
    poetry add --lock psycopg2@~2.9 orjson@3.10.*
    poetry add --lock --optional uvloop@>=0.19
    poetry add --lock pywin32@>=306 --platform win32
    poetry add --lock pydantic[email]@^2 numpy@>=1.26 --python >=3.12
    poetry add --lock --group docs sphinx@^7

and then does by hand what Poetry's docs say to do by hand: an extra ``fast`` naming
uvloop, and the group ``docs`` made optional.  The ``pyproject.toml`` is written to
``tests/data/pylocks/poetry-tables/`` (no poetry.lock: the tables are what is read),
with ``RECORDED.json`` naming the Poetry version.  Needs PyPI.  Usage::

    python3 tools/record_poetry_tables.py [--out tests/data/pylocks/poetry-tables]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

POETRY_PIN = "poetry==1.8.5"
STEPS = [
    [
        "init",
        "-n",
        "--name",
        "poetrydemo",
        "--python",
        "^3.11",
        "--dependency",
        "requests@^2.31",
        "--dependency",
        "duckdb==1.3.2",
        "--dev-dependency",
        "pytest@^8.0",
    ],
    ["source", "add", "--priority=primary", "pypi-simple", "https://pypi.org/simple/"],
    ["add", "--lock", "psycopg2@~2.9", "orjson@3.10.*"],
    ["add", "--lock", "--optional", "uvloop@>=0.19"],
    ["add", "--lock", "pywin32@>=306", "--platform", "win32"],
    ["add", "--lock", "pydantic[email]@^2", "numpy@>=1.26", "--python", ">=3.12"],
    ["add", "--lock", "--group", "docs", "sphinx@^7"],
]
BY_HAND = (
    '\n[tool.poetry.extras]\nfast = ["uvloop"]\n',
    "[tool.poetry.group.docs]\noptional = true\n\n",
)


def _run(cmd: list[str], cwd: Path) -> str:
    print("+", " ".join(cmd), file=sys.stderr)
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr[-800:]}")
    return proc.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1]
        / "tests"
        / "data"
        / "pylocks"
        / "poetry-tables",
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="alpine-ready-poetry-") as tmp:
        root = Path(tmp)
        venv.create(root / "venv", with_pip=True)
        _run([str(root / "venv" / "bin" / "pip"), "install", "-q", POETRY_PIN], root)
        poetry = str(root / "venv" / "bin" / "poetry")
        proj = root / "proj"
        proj.mkdir()
        for step in STEPS:
            _run([poetry, *step], proj)
        text = (proj / "pyproject.toml").read_text()
        extras, optional = BY_HAND
        text = text.replace(
            "\n[tool.poetry.group.dev.dependencies]",
            f"{extras}\n[tool.poetry.group.dev.dependencies]",
        )
        text = text.replace(
            "[tool.poetry.group.docs.dependencies]",
            f"{optional}[tool.poetry.group.docs.dependencies]",
        )
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "pyproject.toml").write_text(text)
        recorded = {
            "poetry": _run([poetry, "--version"], proj),
            "steps": STEPS,
            "by_hand": list(BY_HAND),
        }
        (args.out / "RECORDED.json").write_text(json.dumps(recorded, indent=2) + "\n")
    print(f"wrote {args.out / 'pyproject.toml'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
