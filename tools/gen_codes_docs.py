"""Write docs/codes.md: every item code of scan, deps, translate and inspect.

The codes are data (``src/alpine_ready/knowledge/data/codes.json``); lint's rules
(AR1xx-AR3xx) have their own page, ``docs/rules.md`` (tools/gen_rule_docs.py). The
test suite fails when this page drifts from the data.

Usage: .venv/bin/python tools/gen_codes_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from alpine_ready.report.codes import data_codes

DOCS = Path(__file__).resolve().parents[1] / "docs" / "codes.md"
_TITLES = {
    "loader": "scan: will musl's loader load it (AR4xx)",
    "deps": "deps: will it install and load on musl (AR5xx)",
    "translate": "translate: what the translation did not do (AR6xx)",
    "image": "inspect: what the image ships (AR7xx)",
    "verify": "verify: what really happened in the Alpine system (AR8xx)",
    "fleet": "fleet: each image of a fleet (AR71x)",
}


def page() -> str:
    """The whole page."""
    out = [
        "# Item codes",
        "",
        "Every finding alpine-ready reports has a stable code; the same fact keeps its code "
        "wherever it is found (a glibc binary download is AR201 in `lint` and `translate`). "
        "Lint's rules, AR101-AR303, are documented in [rules.md](rules.md). "
        "`alpine-ready rule CODE` prints any of them.",
        "",
        "Generated from `src/alpine_ready/knowledge/data/codes.json` by "
        "`tools/gen_codes_docs.py`; do not edit by hand.",
        "",
    ]
    codes = data_codes()
    for category, title in _TITLES.items():
        members = [c for c in codes if c.category == category]
        if not members:
            continue
        out += [f"## {title}", "", "| code | name | level | summary |", "| --- | --- | --- | --- |"]
        out += [
            f"| [{c.code}](#{c.code.lower()}) | `{c.name}` | {c.level.value} | {c.summary} |"
            for c in members
        ]
        out.append("")
        for c in members:
            out += [
                f"### {c.code}",
                "",
                f"**`{c.name}`** ({c.level.value}): {c.summary}.",
                "",
                f"- **What:** {c.what}",
                f"- **Why:** {c.why}",
                f"- **Fix:** {c.fix}",
                "",
            ]
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    """Write the page."""
    DOCS.write_text(page(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
