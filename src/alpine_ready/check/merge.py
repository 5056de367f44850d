"""One fact once, with all its evidence: the parts' items joined into findings.

What joins items of different parts is the thing they are about:

- a dependency (deps) is ``python:NAME`` (PEP 503 normalised) or ``node:NAME``;
- a scanned file is its owner's key when it has one: the Python distribution whose RECORD
  lists it (:func:`~alpine_ready.inputs.pydist.distribution_of`; in an image, the
  directory under ``site-packages``), or the npm package under ``node_modules`` -- joined
  to the deps row of that package or of its family (``@rollup/rollup-linux-x64-gnu``
  belongs to ``@rollup/rollup`` and to ``rollup``); else ``file:PATH``;
- a lint or translate item is its own fact (``lint:FILE:CODE:LINE``).

A finding's item takes the worst level of its evidence, every reason and fix once, and
the subject and location of its dependency row when there is one (where to change it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..report.item import Fix, Item, Location, SubjectKind
from .report import Evidence, Finding

_NORMALISE = re.compile(r"[-_.]+")
_PART_ORDER = {"deps": 0, "scan": 1, "translate": 2, "lint": 3, "behaviour": 4}


def normalise(name: str) -> str:
    """PEP 503's normal form of a Python project name."""
    return _NORMALISE.sub("-", name).lower()


@dataclass(frozen=True)
class Keyed:
    """An item of one part and what it is about."""

    part: str
    key: str
    item: Item


def deps_key(item: Item) -> str:
    """``python:NAME`` / ``node:NAME`` of a deps item."""
    eco = item.subject.ecosystem or "python"
    name = normalise(item.subject.name) if eco == "python" else item.subject.name.lower()
    return f"{eco}:{name}"


def npm_package_of(path: str) -> str | None:
    """The npm package directory a path is in (the innermost ``node_modules/…``)."""
    parts = path.split("/")
    if "node_modules" not in parts:
        return None
    i = len(parts) - 1 - parts[::-1].index("node_modules")
    rest = parts[i + 1 :]
    if not rest:
        return None
    if rest[0].startswith("@") and len(rest) > 1:
        return f"{rest[0]}/{rest[1]}"
    return rest[0]


def _unscoped(name: str) -> str:
    return name.split("/", 1)[1] if name.startswith("@") and "/" in name else name


def node_owner(package: str, node_names: Iterable[str]) -> str | None:
    """The deps row ``package`` belongs to: itself, or the longest family name it extends."""
    best: str | None = None
    forms = {package.lower(), _unscoped(package.lower())}
    for name in node_names:
        for n in {name, _unscoped(name)}:
            if any(f == n or f.startswith(n + "-") for f in forms) and (
                best is None or len(name) > len(best)
            ):
                best = name
    return best


def python_owner(path: str, root: Path | None, python_names: set[str]) -> str | None:
    """The distribution owning a scanned file (RECORD in a tree; the package dir in an image)."""
    if root is not None:
        from ..inputs.pydist import distribution_of

        dist = distribution_of(root / path, root)
        if dist:
            return normalise(dist)
    parts = path.split("/")
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            i = parts.index(marker)
            if i + 1 < len(parts):
                top = normalise(parts[i + 1].removesuffix(".libs").split(".")[0])
                if top in python_names:
                    return top
    return None


def scan_key(item: Item, root: Path | None, python_names: set[str], node_names: set[str]) -> str:
    """What a scan item is about (see the module doc)."""
    path = item.subject.name
    pkg = npm_package_of(path)
    if pkg is not None:
        owner = node_owner(pkg, node_names)
        return f"node:{owner or pkg.lower()}"
    dist = python_owner(path, root, python_names)
    if dist is not None:
        return f"python:{dist}"
    return f"file:{path}"


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _unique_fixes(fixes: Iterable[Fix]) -> tuple[Fix, ...]:
    seen: dict[tuple[str, str, str], Fix] = {}
    for f in fixes:
        seen.setdefault((f.kind.value, f.description, f.text), f)
    return tuple(seen.values())


def _where(item: Item) -> str | None:
    return str(item.location) if item.location else None


def merge(keyed: list[Keyed], context: Sequence[Keyed] = ()) -> tuple[Finding, ...]:
    """Join items on their key; number the findings worst first (F1, F2, …).

    ``context`` items (a dependency deps finds fine) join a finding only as evidence:
    they make none of their own.
    """
    groups: dict[str, list[Keyed]] = {}
    for k in keyed:
        groups.setdefault(k.key, []).append(k)
    for k in context:
        if k.key in groups:
            groups[k.key].append(k)
    merged: list[tuple[str, Item, tuple[Evidence, ...]]] = []
    for key, members in groups.items():
        members.sort(key=lambda k: (_PART_ORDER.get(k.part, 9), -k.item.level.rank))
        worst = max(members, key=lambda k: k.item.level.rank).item
        lead = members[0].item  # a dependency row first: its subject and location
        item = Item(
            subject=lead.subject,
            code=lead.code if lead.level is worst.level else worst.code,
            name=lead.name if lead.level is worst.level else worst.name,
            level=worst.level,
            message=lead.message if lead.level is worst.level else worst.message,
            reasons=_unique(r for m in members for r in (m.item.message, *m.item.reasons))
            if len(members) > 1
            else lead.reasons,
            fixes=_unique_fixes(f for m in members for f in m.item.fixes),
            location=lead.location,
        )
        evidence = tuple(
            Evidence(m.part, m.item.code, m.item.message, _where(m.item)) for m in members
        )
        merged.append((key, item, evidence))
    merged.sort(key=lambda t: (-t[1].level.rank, t[0]))
    return tuple(
        Finding(f"F{i}", key, item, evidence) for i, (key, item, evidence) in enumerate(merged, 1)
    )


def relocate(item: Item, path: str) -> Item:
    """``item`` located in ``path`` (lint of a translated text read from standard input)."""
    loc = item.location
    new_loc = Location(path, loc.line, loc.column, loc.end_line, loc.end_column) if loc else None
    subject = item.subject
    if subject.kind in (SubjectKind.DOCKERFILE, SubjectKind.INSTRUCTION) and subject.name in (
        "-",
        "<stdin>",
    ):
        subject = replace(subject, name=path)
    return replace(item, location=new_loc, subject=subject)


__all__ = ["Keyed", "deps_key", "merge", "node_owner", "normalise", "npm_package_of", "scan_key"]
