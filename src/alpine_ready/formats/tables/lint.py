"""The terminal renderer of ``alpine-ready lint``: findings per file, then one summary line.

Each finding reads ``FILE:LINE:COL  CODE severity name  message``, with ``[*]`` when
``--fix`` would fix it (``[unsafe]`` when only ``--unsafe-fixes`` would).  Files without
findings print nothing but count in the summary.
"""

from __future__ import annotations

from ...lint.model import Finding, FixSafety
from ...lint.report import FileResult, LintReport, Mode
from ...report.level import Level
from ..text import Styled, lines_text


def _marker(f: Finding, unsafe: bool) -> str:
    if f.fix is None:
        return ""
    if f.fix.safety is FixSafety.SAFE:
        return "  [*]"
    return "  [*]" if unsafe else "  [unsafe]"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _file(fr: FileResult, unsafe: bool) -> list[str]:
    out: list[str] = []
    if fr.findings:
        places = [f"{fr.path}:{f.line}:{f.column}" for f in fr.findings]
        w_place = max(len(p) for p in places)
        w_sev = max(len(f.severity.value) for f in fr.findings)
        w_name = max(len(f.name) for f in fr.findings)
        for place, f in zip(places, fr.findings, strict=True):
            out.append(
                Styled(
                    f"{place:<{w_place}}  {f.code} {f.severity.value:<{w_sev}}  "
                    f"{f.name:<{w_name}}  {f.message}{_marker(f, unsafe)}",
                    Level.parse(f.severity.value),
                )
            )
    for rec in fr.fixed:
        out.append(f"{fr.path}: fixed {rec.code} at {rec.line}:{rec.column}: {rec.description}")
    for rec in fr.not_fixed:
        out.append(
            f"{fr.path}: fix not applied: {rec.code} at {rec.line}:{rec.column}: {rec.reason}"
        )
    for note in fr.notes:
        out.append(f"{fr.path}: note: {note}")
    return out


def render(report: LintReport, *, color: bool = False) -> str:
    """The human-readable report."""
    blocks = [lines for fr in report.files if (lines := _file(fr, report.unsafe_fixes))]
    out: list[str] = []
    for lines in blocks:
        out += lines
        out.append("")
    s = report.summary
    files = _plural(s.files, "file")
    if s.findings:
        per = ", ".join(f"{n} {sev.value}" for sev, n in s.by_severity)
        line = f"Found {_plural(s.findings, 'finding')} ({per}) in {files}"
    else:
        line = f"No findings in {files}"
    if report.mode is Mode.FIX and s.fixed:
        written = sum(1 for fr in report.files if fr.written)
        line += f"; fixed {s.fixed} ({_plural(written, 'file')} rewritten)"
    elif report.mode is Mode.DIFF and s.fixed:
        line += f"; {s.fixed} would be fixed"
    if s.fixable and report.mode is Mode.CHECK:
        flags = "--fix --unsafe-fixes" if report.unsafe_fixes else "--fix"
        line += f"; {s.fixable} fixable with {flags} [*]"
    if s.unsafe_fixable:
        line += f"; {s.unsafe_fixable} more with --unsafe-fixes [unsafe]"
    thresholds = sorted({fr.fail_on.value for fr in report.files})
    verdict = "FAIL" if report.failed else "PASS"
    out.append(
        Styled(
            f"{line}.  {verdict} (--fail-on {'/'.join(thresholds)})",
            Level.ERROR if report.failed else Level.OK,
        )
    )
    return lines_text(out, color=color)
