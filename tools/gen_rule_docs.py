"""Write docs/rules.md from the lint rule registry (a test fails when the two differ).

Usage: .venv/bin/python tools/gen_rule_docs.py            # rewrite docs/rules.md
       .venv/bin/python tools/gen_rule_docs.py --check    # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

from alpine_ready.formats.tables.rule import docs_page
from alpine_ready.lint.rules import RULES

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def expected() -> str:
    """The page the registry describes."""
    return docs_page([r.meta for r in RULES])


def main(argv: list[str]) -> int:
    """Rewrite the page, or with ``--check`` only compare."""
    text = expected()
    if "--check" in argv:
        current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
        if current != text:
            print(
                f"{DOCS} is out of date: run .venv/bin/python tools/gen_rule_docs.py",
                file=sys.stderr,
            )
            return 1
        return 0
    DOCS.write_text(text, encoding="utf-8")
    print(f"wrote {DOCS} ({len(RULES)} rules)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
