"""``--format markdown``: GitHub-flavoured Markdown for PR comments and step summaries.

Made from the report's core only (:class:`~alpine_ready.report.base.ReportCore`): a
heading with the result, the count per level, the command's summary figures, and a
table of the items, worst first (the first :data:`MAX_ROWS`; the rest are counted).
Every cell is escaped: text from inputs can break neither the table nor the page
(``|``, backticks, HTML, newlines, terminal controls).
"""

from __future__ import annotations

import re
from typing import Any

from ..guard import printable
from ..report.base import Report, ReportCore
from ..report.item import Item
from .base import RenderOptions

#: Item rows shown at most (GitHub comments stop at 65,536 characters).
MAX_ROWS = 100
_RESULT = {
    "pass": "✅ pass",
    "fail": "❌ fail",
    "incomplete": "⚠️ incomplete",
    "check": "⚠️ check by hand",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def cell(text: str) -> str:
    """``text`` safe inside a table cell: one line, Markdown and HTML characters escaped."""
    one = " ".join(printable(text).split())
    return _MD_SPECIAL.sub(r"\\\1", one).replace("&", "&amp;")


def code(text: str) -> str:
    """``text`` as inline code that no backtick in it can end early."""
    one = " ".join(printable(text).split()).replace("|", "\\|")
    ticks = max((len(m) for m in re.findall(r"`+", one)), default=0) + 1
    fence = "`" * ticks
    pad = " " if one.startswith("`") or one.endswith("`") else ""
    return f"{fence}{pad}{one}{pad}{fence}"


def _figures(summary: dict[str, Any]) -> list[str]:
    out = []
    for key, value in summary.items():
        if isinstance(value, dict):
            shown = ", ".join(f"{k} {v}" for k, v in value.items() if v)
            if shown:
                out.append(f"- **{cell(key)}**: {cell(shown)}")
        elif value is not None and not isinstance(value, list):
            out.append(f"- **{cell(key)}**: {cell(str(value))}")
    return out


def _row(item: Item) -> str:
    where = str(item.location) if item.location else item.subject.name
    fix = next((f.text or f.description for f in item.fixes), "")
    return (
        f"| {item.level.value} | {code(item.code)} {cell(item.name)} | {code(where)} | "
        f"{cell(item.message)} | {code(fix) if fix else ''} |"
    )


def render_core(core: ReportCore) -> str:
    """The Markdown of a report's core (also what ``check`` embeds)."""
    result = _RESULT.get(core.result, core.result)
    out = [f"### alpine-ready {core.command}: {code(core.target)} — {result}", ""]
    levels = core.levels()
    out.append(
        " · ".join(f"{n} {name}" for name, n in reversed(levels.items()) if n)
        or "nothing to report"
    )
    out.append(f"(fails at `{core.threshold.value}` and above)")
    figures = _figures(core.summary)
    if figures:
        out += ["", *figures]
    items = sorted(core.items, key=lambda i: -i.level.rank)
    if items:
        out += [
            "",
            f"#### Findings ({len(items)})",
            "",
            "| level | code | where | what | fix |",
            "| --- | --- | --- | --- | --- |",
        ]
        out += [_row(i) for i in items[:MAX_ROWS]]
        if len(items) > MAX_ROWS:
            out += ["", f"… and {len(items) - MAX_ROWS} more (see the JSON or SARIF report)"]
    out.append("")
    out.append(
        f"<sub>alpine-ready {cell(core.tool_version)} · report schema "
        f"{core.command}-v{core.schema_version}</sub>"
    )
    return "\n".join(out) + "\n"


def render(report: Report, options: RenderOptions) -> str:
    """``report`` as GitHub-flavoured Markdown (a rule's: its documentation page)."""
    del options
    if report.command == "rule":
        from ..lint.report import RuleReport
        from .tables.rule import code_markdown, rule_markdown

        assert isinstance(report, RuleReport)
        if report.code is not None:
            return code_markdown(report.code)
        return "\n".join(rule_markdown(m) for m in report.rules)
    if report.command == "check":
        from ..check.report import CheckReport
        from .tables.check import render_markdown

        assert isinstance(report, CheckReport)
        return render_markdown(report)
    return render_core(report.core())


__all__ = ["MAX_ROWS", "cell", "code", "render", "render_core"]
