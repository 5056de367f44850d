"""Text renderers of a :class:`~alpine_ready.check.report.CheckReport` (they compute nothing).

:func:`render` is the terminal table: the decision and its rules, the sizes part by part,
the blockers with their fixes, the changes (the Dockerfile diff last), the other
findings and how each part ran. :func:`render_markdown` is the PR comment.
"""

from __future__ import annotations

import textwrap

from ...check.report import CheckReport, Finding
from ...guard import printable
from ...report.item import FixKind
from ..markdown import cell, code
from ..text import lines_text

_MARK = {"fits": "✔", "fits-with-changes": "~", "not-recommended": "✘"}


def _lines(text: str) -> str:
    """``text`` escaped line by line (a diff quotes the Dockerfile)."""
    return "".join(printable(line) + "\n" for line in text.splitlines())


def _mb(n: int | None) -> str:
    return "?" if n is None else f"{n / 1_000_000:,.1f} MB"


#: the fix shown first: a musl build (a pin, a replacement) before packages and commands
_PREFERRED = (FixKind.UPGRADE, FixKind.REPLACE_PACKAGE, FixKind.APK_ADD, FixKind.ENV)


def _fix(f: Finding) -> str:
    from ...knowledge.checkrules import check_rules

    additive = check_rules().additive_prefix
    fixes = [x for x in f.item.fixes if not x.description.startswith(additive)] or list(
        f.item.fixes
    )
    with_text = [x for x in fixes if x.text]
    for kind in _PREFERRED:
        for x in with_text:
            if x.kind is kind:
                return x.text
    fix = next(iter(with_text), None) or next(iter(fixes), None)
    return "" if fix is None else (fix.text or fix.description)


def _wrap(prefix: str, text: str, width: int) -> list[str]:
    return textwrap.wrap(
        text, width=width, initial_indent=prefix, subsequent_indent=" " * len(prefix)
    ) or [prefix.rstrip()]


def render(
    report: CheckReport, *, verbose: bool = False, width: int = 100, color: bool = False
) -> str:
    """The terminal report."""
    r = report
    out = [
        f"{r.target}: {_MARK[r.decision.value]} {r.decision.value} "
        f"(Alpine {r.alpine}; {len(r.findings)} finding(s), {len(r.blockers)} blocker(s))",
    ]
    for reason in r.reasons:
        out += _wrap(f"  {reason.rule} ", f"[{reason.decision.value}] {reason.text}", width)

    s = r.size
    saved, ratio = s.saving
    out += ["", "Size"]
    out += _wrap("  today    ", f"{_mb(s.today.bytes)}  ({s.today.basis or 'not known'})", width)
    out += _wrap("  alpine   ", f"{_mb(s.alpine.bytes)}  ({s.alpine.basis})", width)
    for p in s.parts:
        out += _wrap(f"    {p.name:<28} {_mb(p.bytes):>10}  ", p.basis, width)
    if ratio is not None and saved is not None:
        out.append(f"  saving   {_mb(saved)} ({ratio:.0%})")

    if r.blockers:
        out += ["", "Blockers"]
        for f in r.blockers:
            out += _wrap(f"  {f.id:<4} {f.item.level.value:<8} ", f"{f.item.message}", width)
            out.append(f"       found by: {', '.join(f.parts)}")
            fix = _fix(f)
            if fix:
                out += _wrap("       fix: ", fix, width)

    c = r.changes
    if c.pins or c.apk_add or c.replace:
        out += ["", "Changes"]
        out += [f"  pin      {p.package} {p.old or '?'} -> {p.new}  ({p.finding})" for p in c.pins]
        out += [f"  apk add  {p}  ({fid})" for p, fid in c.apk_add]
        out += [f"  replace  {x.package} -> {x.replacement}  ({x.finding})" for x in c.replace]

    others = [f for f in r.findings if f not in r.blockers]
    if others:
        out += ["", "Other findings"]
        shown = others if verbose else others[:30]
        for f in shown:
            out += _wrap(
                f"  {f.id:<4} {f.item.level.value:<8} {f.item.code} ",
                f"{f.item.message} [{', '.join(f.parts)}]",
                width,
            )
        if len(others) > len(shown):
            out.append(f"  … {len(others) - len(shown)} more (--all)")

    if r.behaviour:
        out += ["", "musl behaviour to know"]
        for b in r.behaviour:
            out += _wrap(f"  {b.id}: ", f"{b.title} -- {b.why}; {b.mitigation}", width)

    out += ["", "Parts"]
    for part in r.parts:
        extra = f" ({part.note})" if part.note else ""
        out += _wrap(f"  {part.name:<10} ", f"{part.result}, {part.items} item(s){extra}", width)
    for w in r.warnings:
        out += _wrap("  note: ", w, width)
    text = lines_text(out, color=color)
    if c.dockerfile_diff:
        text += "\nTranslated Dockerfile (diff)\n" + _lines(c.dockerfile_diff)
    return text


def render_markdown(report: CheckReport) -> str:
    """The PR comment: decision, sizes, blockers, changes, the diff."""
    r = report
    s = r.size
    saved, ratio = s.saving
    out = [
        f"### alpine-ready check: {code(r.target)} — **{r.decision.value}** "
        f"({r.core().result}, Alpine {cell(r.alpine)})",
        "",
    ]
    out += [f"- **{cell(x.rule)}** {cell(x.text)}" for x in r.reasons]
    out += ["", "| image | size | based on |", "| --- | ---: | --- |"]
    out.append(f"| today | {_mb(s.today.bytes)} | {cell(s.today.basis or 'not known')} |")
    out.append(f"| **Alpine** | **{_mb(s.alpine.bytes)}** | {cell(s.alpine.basis or '')} |")
    for p in s.parts:
        out.append(f"| ↳ {cell(p.name)} | {_mb(p.bytes)} | {cell(p.basis)} |")
    if ratio is not None and saved is not None:
        out += ["", f"Saving: **{_mb(saved)}** ({ratio:.0%})."]
    if r.blockers:
        out += [
            "",
            f"#### Blockers ({len(r.blockers)})",
            "",
            "| id | level | code | what | found by | fix |",
        ]
        out.append("| --- | --- | --- | --- | --- | --- |")
        for f in r.blockers:
            fix = _fix(f)
            out.append(
                f"| {f.id} | {f.item.level.value} | {code(f.item.code)} | {cell(f.item.message)} | "
                f"{cell(', '.join(f.parts))} | {code(fix) if fix else ''} |"
            )
    c = r.changes
    if c.pins or c.apk_add or c.replace:
        out += ["", "#### Changes", ""]
        out += [
            f"- pin {code(p.package)} {cell(p.old or '?')} → {code(p.new)} ({p.finding})"
            for p in c.pins
        ]
        out += [f"- `apk add` {code(p)} ({fid})" for p, fid in c.apk_add]
        out += [
            f"- replace {code(x.package)} with {code(x.replacement)} ({x.finding})"
            for x in c.replace
        ]
    others = [f for f in r.findings if f not in r.blockers]
    if others:
        out += ["", f"<details><summary>Other findings ({len(others)})</summary>", ""]
        out += ["| id | level | code | what | found by |", "| --- | --- | --- | --- | --- |"]
        out += [
            f"| {f.id} | {f.item.level.value} | {code(f.item.code)} | {cell(f.item.message)} | "
            f"{cell(', '.join(f.parts))} |"
            for f in others[:100]
        ]
        out += ["", "</details>"]
    if c.dockerfile_diff:
        fence = "````" if "```" in c.dockerfile_diff else "```"
        out += [
            "",
            "#### Translated Dockerfile",
            "",
            f"{fence}diff",
            _lines(c.dockerfile_diff).rstrip("\n"),
            fence,
        ]
    out += ["", f"<sub>alpine-ready {cell(r.core().tool_version)} · report schema check-v1</sub>"]
    return "\n".join(out) + "\n"


__all__ = ["render", "render_markdown"]
