"""The terminal renderer: summary first, then problems grouped by cause.

Files that fail for the same reason and the same fix (the exact package to
install or replace) are one group, so 500 files with the same cause print once,
with a count and a few example paths.  The application's files come first, the
OS packages' files (of an image or root filesystem) after them.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict

from ...analysis.report import BinaryReport, ScanReport, Verdict
from ...report.level import Level
from ..text import Styled, lines_text

_EXAMPLES = 3
_MARK = {
    Verdict.OK: "ok",
    Verdict.NEEDS_PACKAGES: "PKG",
    Verdict.NEEDS_GCOMPAT: "GCOMPAT",
    Verdict.INCOMPATIBLE: "FAIL",
}


def render(
    report: ScanReport, *, verbose: bool = False, width: int = 100, color: bool = False
) -> str:
    """The human-readable report."""
    out: list[str] = []
    s = report.summary
    a = report.against
    kind = a.get("kind")
    if kind == "profile":
        where = f"Alpine {a.get('alpine')} built-in profile"
    elif kind == "image":
        where = f"image {a.get('image')} (Alpine {a.get('alpine') or '?'})"
    else:
        where = f"root filesystem {a.get('path')} (Alpine {a.get('alpine') or '?'})"
    if a.get("target_rootfs_has_musl") is False:
        where += " -- TARGET has no musl: predicting with this one"
    out.append(f"alpine-ready scan {report.target}  ({report.target_kind})")
    out.append(f"against: {where}, musl {a.get('musl')}, {a.get('arch')}")
    out.append("")
    analysed = sum(s.verdicts.values())
    out.append(
        f"{s.files_seen} files, {s.elf_files} ELF, {analysed} analysed"
        + (f", {s.skipped} skipped" if s.skipped else "")
        + (f", {s.errors} unreadable" if s.errors else "")
        + (f", {s.filtered} left out by --include/--exclude/--owned-by" if s.filtered else "")
    )
    for v in Verdict:
        n = s.verdicts.get(v.value, 0)
        if n:
            out.append(f"  {v.value:<15} {n:>6}")
    if s.libc:
        out.append("  libc: " + ", ".join(f"{k} {n}" for k, n in s.libc.items()))
    if s.owners.get("os"):
        packages = len({b.owner for b in report.binaries if b.owner != "app"})
        out.append(
            f"  owners: application {s.owners.get('app', 0)}, "
            f"OS packages {s.owners['os']} (from {packages} packages)"
        )
    for w in report.warnings:
        out.append(f"warning: {w}")

    groups: dict[tuple[bool, str, tuple[str, ...]], list[BinaryReport]] = defaultdict(list)
    for b in report.binaries:
        if b.verdict is not Verdict.OK or verbose:
            key = (_is_os(b), b.group or b.verdict.value, tuple(f.description for f in b.fixes))
            groups[key].append(b)
    ordered = sorted(
        groups.values(), key=lambda g: (_is_os(g[0]), -g[0].verdict.rank, -len(g), g[0].path)
    )
    for members in ordered:
        first = members[0]
        out.append("")
        count = f"{len(members)} file{'s' if len(members) > 1 else ''}"
        whose = ""
        if _is_os(first):
            names = sorted({m.owner.split(":", 1)[1] for m in members})
            whose = f" of OS package{'s' if len(names) > 1 else ''} " + ", ".join(names[:4])
            whose += f" (+{len(names) - 4} more)" if len(names) > 4 else ""
        out.append(
            Styled(
                f"[{_MARK[first.verdict]}] {first.verdict.value}: {count}{whose}",
                first.verdict.level,
            )
        )
        shown = members if verbose else members[:_EXAMPLES]
        for b in shown:
            out.append(f"    {b.path}  ({b.kind}, {b.libc.value})")
        if len(members) > len(shown):
            out.append(f"    … and {len(members) - len(shown)} more (--all lists all)")
        same = all(m.reasons == first.reasons and m.fixes == first.fixes for m in members)
        label = "" if same else f" ({first.path})"
        for r in first.reasons:
            out += _wrap(f"  why{label}: {r}", width)
        for f in first.fixes:
            out += _wrap(f"  fix: {f.description}", width)
    if report.skipped:
        out.append("")
        out.append(f"skipped {len(report.skipped)} ELF files the loader never loads here:")
        for sk in report.skipped[: _EXAMPLES if not verbose else None]:
            out.append(f"    {sk.path}: {sk.reason}")
    if report.errors:
        out.append("")
        out.append(f"could not analyse {len(report.errors)} files:")
        for e in report.errors[: 10 if not verbose else None]:
            out.append(f"    {e.path}: {e.error}")
    out.append("")
    worst = s.worst.value if s.worst else "none"
    line = f"{report.result.upper()}: worst verdict {worst} (--fail-on {report.fail_on.value})"
    if report.incomplete:  # never a pass: some file was not analysed
        unexpected = sum(1 for e in report.errors if not e.expected)
        line += f"; {unexpected} file{'s' if unexpected > 1 else ''} could not be analysed"
    if report.empty:  # nothing checked is never a plain pass
        line += "; no ELF file was analysed" + (
            "" if report.allow_empty else " (--allow-empty accepts that)"
        )
    level = {"fail": Level.ERROR, "incomplete": Level.WARNING}.get(report.result, Level.OK)
    out.append(Styled(line, level))
    return lines_text(out, color=color)


def _is_os(b: BinaryReport) -> bool:
    return b.owner.startswith("os:")


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(
        text, width=width, subsequent_indent=" " * 7, break_long_words=False, break_on_hyphens=False
    )
