"""Output formats: one module each, named by ``--format``; each only renders.

=============  ==============================================  =========================
name           what                                            commands
=============  ==============================================  =========================
table          for a terminal (colour with ``--color``)        every command
json           the versioned JSON contract (one encoder)       every command
markdown       GitHub-flavoured, for PR comments and           every command
               ``$GITHUB_STEP_SUMMARY``
sarif          SARIF 2.1.0 with rule metadata (code scanning)  scan, deps, lint, check, verify
dockerfile     the translated Dockerfile                       translate
diff           a unified diff from the original                translate
html           one self-contained page (no scripts, no         every command
               external assets; check: decision, size chart)
gitlab         GitLab Code Quality report                      check, scan, deps, lint
csv            one row per image                               fleet
=============  ==============================================  =========================

A command's ``--format`` choices are :func:`for_command`'s; :func:`render` dispatches
on the name exhaustively (``assert_never``: mypy names a format nobody renders).
Adding a format: one module with ``render(report, options) -> str``, one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, assert_never, get_args

from ..report.base import CommandName, Report
from .base import RenderOptions

FormatName = Literal[
    "table", "json", "markdown", "sarif", "dockerfile", "diff", "html", "gitlab", "csv"
]
_ALL: frozenset[CommandName] = frozenset(get_args(CommandName))
#: the commands whose findings are about files in a repository (Code Quality)
_GITLAB: frozenset[CommandName] = frozenset(
    c for c in _ALL if c in {"check", "scan", "deps", "lint"}
)


@dataclass(frozen=True)
class FormatInfo:
    """A format's name, what it is, and the commands whose reports it renders."""

    name: FormatName
    description: str
    commands: frozenset[CommandName]


FORMATS: dict[FormatName, FormatInfo] = {
    "table": FormatInfo("table", "for a terminal", _ALL),
    "json": FormatInfo("json", "the versioned JSON report", _ALL),
    "markdown": FormatInfo(
        "markdown", "GitHub-flavoured Markdown (PR comments, step summaries)", _ALL
    ),
    "sarif": FormatInfo(
        "sarif",
        "SARIF 2.1.0 for code scanning",
        frozenset({"scan", "deps", "lint", "check", "verify"}),
    ),
    "dockerfile": FormatInfo("dockerfile", "the translated Dockerfile", frozenset({"translate"})),
    "diff": FormatInfo(
        "diff", "a unified diff from the original Dockerfile", frozenset({"translate"})
    ),
    "html": FormatInfo("html", "one self-contained HTML page", _ALL),
    "gitlab": FormatInfo("gitlab", "GitLab Code Quality report", _GITLAB),
    "csv": FormatInfo("csv", "one row per image (RFC 4180)", frozenset({"fleet"})),
}


def for_command(command: CommandName) -> tuple[FormatName, ...]:
    """The formats ``command``'s ``--format`` accepts, in the registry's order."""
    return tuple(name for name, f in FORMATS.items() if command in f.commands)


def render(name: FormatName, report: Report, options: RenderOptions | None = None) -> str:
    """``report`` as text in the format ``name`` (which must support its command)."""
    opts = options if options is not None else RenderOptions()
    if report.command not in FORMATS[name].commands:
        raise ValueError(f"--format {name} does not render {report.command} reports")
    if name == "table":
        from . import table

        return table.render(report, opts)
    if name == "json":
        from . import json

        return json.render(report, opts)
    if name == "markdown":
        from . import markdown

        return markdown.render(report, opts)
    if name == "sarif":
        from . import sarif

        return sarif.render(report, opts)
    if name == "dockerfile":
        from . import dockerfile

        return dockerfile.render(report, opts)
    if name == "diff":
        from . import dockerfile

        return dockerfile.render_diff(report, opts)
    if name == "html":
        from . import html

        return html.render(report, opts)
    if name == "gitlab":
        from . import gitlab

        return gitlab.render(report, opts)
    if name == "csv":
        from . import csv

        return csv.render(report, opts)
    assert_never(name)


__all__ = ["FORMATS", "FormatInfo", "FormatName", "RenderOptions", "for_command", "render"]
