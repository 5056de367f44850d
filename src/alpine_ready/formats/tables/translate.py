"""Text renderers of a :class:`~.report.TranslateReport` (they compute nothing).

The account (:func:`render_text`) goes to a terminal and quotes the Dockerfile: each
of its lines passes through :func:`alpine_ready.guard.printable` (escape sequences,
bidi controls and other control characters escaped).
"""

from __future__ import annotations

import textwrap

from ...guard import printable
from ...lint.fixes import diff_lines
from ...translate.report import TranslateReport


def render_diff(report: TranslateReport) -> str:
    """A unified diff from the original to the translated Dockerfile ("" if unchanged)."""
    return "".join(
        diff_lines(
            report.original.splitlines(keepends=True),
            report.text.splitlines(keepends=True),
            fromfile=report.path,
            tofile=f"{report.path} (alpine {report.alpine})",
        )
    )


def _item(prefix: str, text: str, width: int) -> list[str]:
    return textwrap.wrap(
        text, width=width, initial_indent=prefix, subsequent_indent=" " * len(prefix)
    ) or [prefix.rstrip()]


def render_text(report: TranslateReport, width: int = 100) -> str:
    """The account of a translation: changes, then what to check, then unmapped names."""
    out = [
        f"{report.path}: translated for Alpine {report.alpine} -- "
        f"{len(report.changes)} change(s), {len(report.notes)} note(s), "
        f"{len(report.unmapped)} unmapped"
    ]
    if report.changes:
        out += ["", "Changes"]
        for c in report.changes:
            out += _item(f"  line {c.line:<4} [{c.category.value}] ", f"{c.what} -- {c.why}", width)
    if report.notes:
        out += ["", "Check by hand"]
        for n in report.notes:
            out += _item(f"  line {n.line:<4} [{n.category.value}] ", n.message, width)
    if report.unmapped:
        out += ["", "Not mapped (kept as written)"]
        for u in report.unmapped:
            out += _item(f"  line {u.line:<4} [{u.kind.value}] ", f"{u.name}: {u.reason}", width)
    if not report.changed:
        out += ["", "Nothing to translate: the file is unchanged."]
    # every line quotes the Dockerfile (names, words, the path): no terminal control
    return "\n".join(printable(line) for line in out) + "\n"
