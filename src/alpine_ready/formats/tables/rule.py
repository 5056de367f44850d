"""Rule documentation from the registry: ``alpine-ready rule``, SARIF help, docs/rules.md.

One source (each rule's :class:`~alpine_ready.lint.model.RuleMeta`), three renderings:
:func:`rule_text` (the terminal), :func:`rule_markdown` (a rule's section; SARIF
``help.markdown``), :func:`docs_page` (the whole page ``tools/gen_rule_docs.py`` writes;
a test fails when the committed page differs).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from ...lint.model import RuleMeta
from ...report.codes import CodeInfo
from ..text import lines_text

HADOLINT_WIKI = "https://github.com/hadolint/hadolint/wiki/"
_SECTIONS = (
    ("what", "What it does"),
    ("why", "Why is this bad?"),
    ("example", "Example"),
    ("instead", "Use instead"),
)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def _default(meta: RuleMeta) -> str:
    """``on``, or ``off`` for a rule that runs only when chosen (``--select``, ``enable``)."""
    return "on" if meta.default_on else "off"


def _facts(meta: RuleMeta) -> list[tuple[str, str]]:
    return [
        ("severity", meta.severity.value),
        ("default", _default(meta)),
        ("category", meta.category),
        ("hadolint", meta.hadolint or "none"),
        ("fix", meta.fix.value if meta.fix else "none"),
    ]


def rule_text(meta: RuleMeta, width: int = 88) -> str:
    """A rule's doc for the terminal (``alpine-ready rule AR101``)."""
    out = [f"{meta.code} {meta.name}"]
    out += textwrap.wrap(meta.doc.summary, width, initial_indent="  ", subsequent_indent="  ")
    out.append("")
    out.append("  " + "   ".join(f"{k}: {v}" for k, v in _facts(meta)))
    for name, default in meta.options:
        out.append(
            f"  option: {name} = {_value(default)}  "
            f"([lint.rules.{meta.code}] in .alpine-ready.toml)"
        )
    out.append(f"  docs: {meta.help_uri}")
    for field, title in _SECTIONS:
        out.append("")
        out.append(title)
        text: str = getattr(meta.doc, field)
        if field in ("example", "instead"):
            out += ["    " + ln for ln in text.splitlines()]
        else:
            out += textwrap.wrap(text, width, initial_indent="  ", subsequent_indent="  ")
    return lines_text(out)


def rule_list(metas: Sequence[RuleMeta]) -> str:
    """Every rule on one line each (``alpine-ready rule --list``)."""
    rows = [("code", "name", "severity", "default", "hadolint", "fix", "summary")]
    rows += [
        (
            m.code,
            m.name,
            m.severity.value,
            _default(m),
            m.hadolint or "-",
            m.fix.value if m.fix else "-",
            m.doc.summary,
        )
        for m in metas
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    return lines_text(
        "  ".join(c.ljust(widths[i]) for i, c in enumerate(r[:6])) + "  " + r[6] for r in rows
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rule_markdown(meta: RuleMeta, heading: str = "##") -> str:
    """One rule's section in Markdown (its heading is the code: anchor ``#ar101``)."""
    hadolint = f"[{meta.hadolint}]({HADOLINT_WIKI}{meta.hadolint})" if meta.hadolint else "none"
    lines = [
        f"{heading} {meta.code}",
        "",
        f"**`{meta.name}`**: {meta.doc.summary}",
        "",
        "| severity | default | category | hadolint | fix |",
        "| --- | --- | --- | --- | --- |",
        f"| {meta.severity.value} | {_default(meta)} | {meta.category} | {hadolint} | "
        f"{meta.fix.value if meta.fix else 'none'} |",
        "",
    ]
    if meta.options:
        lines += ["Options (`[lint.rules." + meta.code + "]` in `.alpine-ready.toml`):", ""]
        lines += [f"- `{name} = {_value(default)}`" for name, default in meta.options]
        lines.append("")
    for field, title in _SECTIONS:
        text: str = getattr(meta.doc, field)
        lines.append(f"{heading}# {title}")
        lines.append("")
        if field in ("example", "instead"):
            lines += ["```dockerfile", text.rstrip("\n"), "```"]
        else:
            lines.append(text)
        lines.append("")
    return "\n".join(lines)


def code_text(info: CodeInfo) -> str:
    """An item code's entry for the terminal (``alpine-ready rule AR404``)."""
    return lines_text(
        [
            f"{info.code}  {info.name}  ({info.category}, {info.level.value})",
            "",
            info.summary,
            "",
            f"What: {info.what}",
            f"Why:  {info.why}",
            f"Fix:  {info.fix}",
            "",
            info.help_uri,
        ]
    )


def code_markdown(info: CodeInfo) -> str:
    """An item code's entry in Markdown (heading: the code)."""
    return "\n".join(
        [
            f"## {info.code}",
            "",
            f"**`{info.name}`**: {_cell(info.summary)}",
            "",
            "| level | category |",
            "| --- | --- |",
            f"| {info.level.value} | {info.category} |",
            "",
            f"- **What**: {info.what}",
            f"- **Why**: {info.why}",
            f"- **Fix**: {info.fix}",
            "",
            f"[{info.code} in docs/codes.md]({info.help_uri})",
            "",
        ]
    )


def docs_page(metas: Sequence[RuleMeta]) -> str:
    """``docs/rules.md``: an index table, then one section per rule."""
    lines = [
        "# Lint rules",
        "",
        "<!-- Generated from the rule registry by tools/gen_rule_docs.py: do not edit; run",
        "     .venv/bin/python tools/gen_rule_docs.py after changing a rule. -->",
        "",
        "`alpine-ready lint DOCKERFILE…` checks these rules; `alpine-ready rule CODE` prints",
        "one of these sections in the terminal. Silence a rule for one instruction with",
        "`# alpine-ready ignore=AR101` (or its name) on the line(s) directly above it, for a",
        "whole file with `# alpine-ready global ignore=AR101`; `# hadolint ignore=DL3019`",
        "works too for the rules mapped to hadolint's. Disable rules, change severities and",
        "set options in `.alpine-ready.toml` (`[lint]`) or `pyproject.toml`",
        "(`[tool.alpine-ready.lint]`). Rules whose default is `off` run only when chosen",
        "(`--select` naming them, their prefix or category, or `enable` in the config).",
        "",
        "| code | name | severity | default | hadolint | fix | summary |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in metas:
        lines.append(
            f"| [{m.code}](#{m.code.lower()}) | `{m.name}` | {m.severity.value} | "
            f"{_default(m)} | "
            f"{m.hadolint or '-'} | {m.fix.value if m.fix else '-'} | "
            f"{_cell(m.doc.summary)} |"
        )
    lines.append("")
    for m in metas:
        lines.append(rule_markdown(m))
    return "\n".join(lines).rstrip("\n") + "\n"
