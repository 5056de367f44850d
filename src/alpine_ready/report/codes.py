"""The registry of item codes: what each code means, for every format and ``rule``.

Scan, deps and translate codes are data (``knowledge/data/codes.json``); lint's rules
keep their metadata in their own modules (``lint/rules/``) and are looked up there,
loaded on first need. A code is never reused for another fact, and the same fact
keeps its code wherever it is found.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from .. import knowledge
from .level import Level

DOCS = "https://github.com/alpine-ready/alpine-ready/blob/main/docs/codes.md"


@dataclass(frozen=True)
class CodeInfo:
    """What a code means: its name, default level, a one-line summary and its doc."""

    code: str
    name: str
    level: Level
    category: str  # apk | musl | base (lint) | loader | deps | translate
    summary: str
    what: str = ""
    why: str = ""
    fix: str = ""
    help_uri: str = ""


@cache
def _data() -> dict[str, CodeInfo]:
    out: dict[str, CodeInfo] = {}
    for entry in knowledge.load_json("codes.json")["codes"]:
        code = entry["code"]
        out[code] = CodeInfo(
            code=code,
            name=entry["name"],
            level=Level.parse(entry["level"]),
            category=entry["category"],
            summary=entry["summary"],
            what=entry.get("what", ""),
            why=entry.get("why", ""),
            fix=entry.get("fix", ""),
            help_uri=f"{DOCS}#{code.lower()}",
        )
    return out


def _lint(code: str) -> CodeInfo | None:
    rules = importlib.import_module("alpine_ready.lint.rules")
    found = rules.rule(code)
    if found is None:
        return None
    meta = found.meta
    return CodeInfo(
        code=meta.code,
        name=meta.name,
        level=Level.parse(meta.severity.value),
        category=meta.category,
        summary=meta.doc.summary,
        what=meta.doc.what,
        why=meta.doc.why,
        fix=meta.doc.instead,
        help_uri=meta.help_uri,
    )


def lookup(code: str) -> CodeInfo | None:
    """The meaning of ``code`` (``AR402``; a name such as ``glibc-only-symbols`` too)."""
    data = _data()
    if code in data:
        return data[code]
    for info in data.values():
        if info.name == code:
            return info
    return _lint(code)


def data_codes() -> tuple[CodeInfo, ...]:
    """Every code kept as data (scan, deps, translate), in code order."""
    return tuple(sorted(_data().values(), key=lambda c: c.code))


def info(code: str) -> CodeInfo:
    """:func:`lookup`, for a code the caller knows exists (``KeyError`` otherwise)."""
    found = lookup(code)
    if found is None:
        raise KeyError(code)
    return found
