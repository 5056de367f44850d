"""The terminal renderer of ``alpine-ready deps``: blockers first.

Then slow builds, upgrades, what could not be checked, and the fine ones (counts only
unless ``--all``).
"""

from __future__ import annotations

import textwrap

from ...deps.report import DepsReport, DepStatus, PackageResult
from ...report.level import Level
from ..text import Styled, lines_text

_GROUPS = (
    (DepStatus.UNAVAILABLE, "Blockers -- cannot be installed on Alpine"),
    (DepStatus.GLIBC_ONLY, "Blockers -- glibc builds only (or installed): fail on Alpine"),
    (DepStatus.LOCKFILE_PROBLEM, "Blockers -- the lockfile lacks the musl build"),
    (DepStatus.SOURCE_BUILD, "Slow builds -- pip compiles these from source"),
    (DepStatus.BUILDS_FROM_SOURCE, "Slow builds -- node-gyp compiles these at install time"),
    (DepStatus.UPGRADE, "Upgrades -- a newer version has a musl build"),
    (DepStatus.DOWNLOADS_AT_INSTALL, "Unverifiable -- binary downloaded at install time"),
    (
        DepStatus.UNKNOWN,
        "Not decided -- see the reasons (registry not answering, or an "
        "install script the tool cannot judge)",
    ),
    (DepStatus.UNCHECKED, "Not checked -- not an index release"),
)
_FINE = (DepStatus.MUSL_WHEEL, DepStatus.PURE, DepStatus.MUSL_BUILD, DepStatus.PORTABLE)


def _wrap(prefix: str, text: str, width: int) -> list[str]:
    """``text`` wrapped under ``prefix`` at spaces only.

    Package names, versions and URLs are never broken (at hyphens or inside): a
    line may then run past ``width``, but what a user copies stays whole. This is
    ``textwrap.wrap(…, break_on_hyphens=False, break_long_words=False)``, done
    greedily without textwrap's regular expressions for the usual text (a 300,000-
    package report spent most of its time there); odd whitespace still goes to it.
    """
    if not (text.isprintable() and "  " not in text and text == text.strip()):
        return textwrap.wrap(
            text,
            width=width,
            initial_indent=prefix,
            subsequent_indent=" " * len(prefix),
            break_on_hyphens=False,
            break_long_words=False,
        ) or [prefix.rstrip()]
    if not text:
        return [prefix.rstrip()]
    if len(prefix) + len(text) <= width:
        return [prefix + text]
    lines: list[str] = []
    indent = " " * len(prefix)
    line, used = prefix, len(prefix)
    bare = True  # nothing on the line yet
    for word in text.split(" "):
        if bare:
            line, used, bare = line + word, used + len(word), False
        elif used + 1 + len(word) <= width:
            line, used = f"{line} {word}", used + 1 + len(word)
        else:
            lines.append(line)
            line, used = indent + word, len(indent) + len(word)
    lines.append(line)
    return lines


def _package(p: PackageResult, width: int) -> list[str]:
    head = f"  {p.name}" + (f" {p.version}" if p.version else "")
    if p.musl_version:
        head += f" -> {p.musl_version}"
    if not p.pinned and p.version:
        head += " (unpinned: estimate)"
    if p.source:
        head += f"  [{p.source}]"
    out = [head]
    for r in p.reasons:
        out += _wrap("      ", r, width)
    for f in p.fixes:
        out += _wrap("      fix: ", f, width)
    return out


#: the input kinds of Node projects (the rest are Python's)
NODE_KINDS = frozenset(
    {"package-lock", "npm-shrinkwrap", "yarn-v1", "yarn-berry", "pnpm", "bun", "node_modules"}
)


def _runtime(report: DepsReport) -> str:
    """What runs the checked dependencies: CPython X.Y, Node, or both."""
    node = any(i.kind in NODE_KINDS or i.kind == "package.json" for i in report.inputs)
    python = any(i.kind not in NODE_KINDS and i.kind != "package.json" for i in report.inputs)
    if node and not python:
        return "Node"
    if node:
        return f"CPython {report.target.python} and Node"
    return f"CPython {report.target.python}"


def render(
    report: DepsReport, *, verbose: bool = False, width: int = 100, color: bool = False
) -> str:
    """The human-readable report."""
    t = report.target
    out = [
        f"alpine-ready deps {report.path}",
        f"target: {_runtime(report)}, {t.arch}, musl {t.musl} (Alpine {t.alpine})",
    ]
    for i in report.inputs:
        line = f"input: {i.path} ({i.kind}, {i.packages} packages"
        line += f", {i.excluded} not for this target)" if i.excluded else ")"
        out.append(line)
        for n in i.notes:
            out += _wrap("  note: ", n, width)
    out.append("")
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in DepStatus if report.count(s))
    out.append(f"{len(report.packages)} packages: {counts or 'none'}")
    for status, title in _GROUPS:
        group = [p for p in report.packages if p.status is status]
        if not group:
            continue
        out += ["", Styled(f"{title} ({len(group)}):", status.level)]
        for p in group:
            out += _package(p, width)
    fine = [p for p in report.packages if p.status in _FINE]
    if fine:
        kinds = ", ".join(f"{report.count(s)} {s.value}" for s in _FINE if report.count(s))
        out += [
            "",
            f"Fine -- installs and loads on musl ({len(fine)}: {kinds})" + (":" if verbose else ""),
        ]
        if verbose:
            for p in fine:
                out += _package(p, width)
    out.append("")
    if report.failed:
        out.append(
            Styled(
                f"FAIL: {len(report.failing)} package(s) at or above {report.fail_on.value}",
                Level.ERROR,
            )
        )
    else:
        out.append(Styled(f"PASS: nothing at or above {report.fail_on.value}", Level.OK))
    return lines_text(out, color=color)
