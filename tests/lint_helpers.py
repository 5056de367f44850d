"""Test-only lint rules and helpers shared by the lint tests (not registered anywhere)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpine_ready.dockerfile import Position
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.model import (
    Edit,
    Finding,
    Fix,
    FixSafety,
    Point,
    RuleDoc,
    RuleMeta,
    Severity,
)
from alpine_ready.lint.rules import rule as registry_rule

DOCKERFILES = Path(__file__).parent / "data" / "dockerfiles"
BAD = DOCKERFILES / "bad"
AR101 = registry_rule("AR101")
assert AR101 is not None


def meta(code: str, name: str, *, severity: Severity = Severity.WARNING,
         hadolint: str | None = None, fix: FixSafety | None = None,
         options: tuple[tuple[str, Any], ...] = ()) -> RuleMeta:
    return RuleMeta(code=code, name=name, severity=severity, category="test",
                    hadolint=hadolint, fix=fix, options=options,
                    doc=RuleDoc(summary=f"{name} (test rule)", what=f"flags {name}",
                                why="tests need it", example="FROM alpine:3.20\nRUN x",
                                instead="FROM alpine:3.20\nRUN y"))


@dataclass
class FnRule:
    """A rule whose check is a function of the context."""

    meta: RuleMeta
    fn: Callable[[LintContext, RuleMeta], Iterator[Finding]]
    calls: list[int] = field(default_factory=list)

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        self.calls.append(1)
        return self.fn(ctx, self.meta)


def word_rule(code: str, name: str, word: str, replacement: str | None,
              safety: FixSafety = FixSafety.SAFE, **kw: Any) -> FnRule:
    """Flags every occurrence of ``word`` in RUN lines; the fix replaces it."""

    def fn(ctx: LintContext, m: RuleMeta) -> Iterator[Finding]:
        for n, raw in enumerate(ctx.dockerfile.lines, start=1):
            line = raw.rstrip("\r\n")
            start = line.find(word)
            while start >= 0:
                fix = None
                if replacement is not None:
                    fix = Fix(safety, f"replace {word} with {replacement}",
                              (Edit(Point(n, start + 1), Point(n, start + 1 + len(word)),
                                    replacement),))
                yield ctx.finding(m, Position(n, start + 1), f"{word} found", fix=fix)
                start = line.find(word, start + 1)

    return FnRule(meta(code, name, fix=safety if replacement is not None else None, **kw), fn)


def fingerprint(path: Path) -> tuple[str, int, int]:
    """(sha256, mtime_ns, mode) of a file: to prove it was not touched."""
    st = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_mode


def old_mtime(path: Path) -> None:
    """Put the file's mtime in the past, so a rewrite would show."""
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
