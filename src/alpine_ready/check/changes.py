"""Exactly what must change, each tied to the finding whose fix asks for it.

The translated Dockerfiles as a diff, dependency pins, packages to add and packages to
replace (a musl build instead of a glibc one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..knowledge.checkrules import check_rules
from ..lint.fixes import diff_lines
from ..report.item import FixKind
from ..translate.model import Category
from .merge import normalise, npm_package_of
from .parts import Translated
from .report import Changes, Finding, Pin, Replacement

_VERSION = re.compile(r"(?:==|@)([^\s,;]+)$")


def dockerfile_diff(translated: Sequence[Translated]) -> str | None:
    """The unified diff of every Dockerfile translate changed (None: none changed)."""
    out: list[str] = []
    for t in translated:
        if not t.report.changed:
            continue
        out += diff_lines(
            t.report.original.splitlines(keepends=True),
            t.report.text.splitlines(keepends=True),
            fromfile=t.shown,
            tofile=f"{t.shown} (alpine {t.report.alpine})",
        )
    return "".join(out) or None


def non_base_changes(translated: Sequence[Translated]) -> int:
    """How many translate changes are about something besides the base image."""
    ignored = {Category.BASE, Category.LINT}
    return sum(1 for t in translated for c in t.report.changes if c.category not in ignored)


def changes(findings: Sequence[Finding], translated: Sequence[Translated]) -> Changes:
    """The changes the findings' fixes ask for, each with its finding's id."""
    pins: dict[str, Pin] = {}
    apk: dict[str, str] = {}
    replace: dict[tuple[str, str], Replacement] = {}
    for f in findings:
        item = f.item
        musl_build = any(
            x.kind in (FixKind.UPGRADE, FixKind.REPLACE_PACKAGE) and x.packages for x in item.fixes
        )
        additive = check_rules().additive_prefix
        for fix in item.fixes:
            on_top = fix.description.startswith(additive)
            if fix.kind is FixKind.APK_ADD and musl_build != on_top:
                # with a musl build: gcompat or a compiler is its alternative, not more;
                # without one: what comes on top of a rebuild by hand is not a change yet
                continue
            if fix.kind is FixKind.UPGRADE and fix.packages:
                m = _VERSION.search(fix.text)
                if m:
                    name = fix.packages[0]
                    pins.setdefault(
                        name,
                        Pin(
                            name,
                            item.subject.ecosystem or "python",
                            item.subject.version,
                            m[1],
                            f.id,
                        ),
                    )
            elif fix.kind is FixKind.APK_ADD:
                for p in fix.packages:
                    apk.setdefault(p, f.id)
            elif fix.kind is FixKind.REPLACE_PACKAGE and fix.packages:
                new = fix.packages[0]
                old = _replaced(f, new)
                if old and normalise(old) != normalise(new):  # not pydantic-core -> _core
                    replace.setdefault((old, new), Replacement(old, new, f.id))
    return Changes(
        dockerfile_diff=dockerfile_diff(translated),
        pins=tuple(pins.values()),
        apk_add=tuple(apk.items()),
        replace=tuple(replace.values()),
    )


def _musl_forms(package: str) -> set[str]:
    return {package.replace("-gnu", "-musl"), package.replace("linux-x64", "linuxmusl-x64")}


def _replaced(f: Finding, new: str) -> str | None:
    """The package a replacement takes the place of.

    The scanned file's npm package whose musl name is ``new`` (else the first one), or
    the finding's subject.
    """
    found = [
        pkg
        for e in f.evidence
        if (pkg := npm_package_of(e.location or e.message.split(":", 1)[0])) and pkg != new
    ]
    for pkg in found:
        if new in _musl_forms(pkg):
            return pkg
    if found:
        return found[0]
    return f.item.subject.name if f.item.subject.name != new else None


__all__ = ["changes", "dockerfile_diff", "non_base_changes"]
