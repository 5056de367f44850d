"""Regenerate the ``--help`` blocks of README.md (the test suite fails when they drift).

Usage: .venv/bin/python tools/update_readme.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = {
    "scan-help": ["scan", "--help"],
    "inspect-help": ["inspect", "--help"],
    "compare-help": ["compare", "--help"],
    "deps-help": ["deps", "--help"],
    "lint-help": ["lint", "--help"],
    "rule-help": ["rule", "--help"],
    "translate-help": ["translate", "--help"],
    "check-help": ["check", "--help"],
    "verify-help": ["verify", "--help"],
    "fleet-help": ["fleet", "--help"],
}


def main() -> int:
    """Rewrite every ``<!-- NAME -->`` text block with the current help output."""
    text = README.read_text()
    env = dict(os.environ, COLUMNS="100")
    for name, args in BLOCKS.items():
        out = subprocess.run(
            [sys.executable, "-m", "alpine_ready", *args],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
        pattern = re.compile(rf"(<!-- {name} -->\n```text\n)(.*?)(```\n)", re.S)
        if pattern.search(text):
            text = pattern.sub(lambda m, out=out: m.group(1) + out + m.group(3), text)
    README.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
