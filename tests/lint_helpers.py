"""Test-only lint rules and helpers shared by the lint tests (not registered anywhere)."""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
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


def meta(
    code: str,
    name: str,
    *,
    severity: Severity = Severity.WARNING,
    hadolint: str | None = None,
    fix: FixSafety | None = None,
    options: tuple[tuple[str, Any], ...] = (),
) -> RuleMeta:
    return RuleMeta(
        code=code,
        name=name,
        severity=severity,
        category="test",
        hadolint=hadolint,
        fix=fix,
        options=options,
        doc=RuleDoc(
            summary=f"{name} (test rule)",
            what=f"flags {name}",
            why="tests need it",
            example="FROM alpine:3.20\nRUN x",
            instead="FROM alpine:3.20\nRUN y",
        ),
    )


@dataclass
class FnRule:
    """A rule whose check is a function of the context."""

    meta: RuleMeta
    fn: Callable[[LintContext, RuleMeta], Iterator[Finding]]
    calls: list[int] = field(default_factory=list)

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        self.calls.append(1)
        return self.fn(ctx, self.meta)


def word_rule(
    code: str,
    name: str,
    word: str,
    replacement: str | None,
    safety: FixSafety = FixSafety.SAFE,
    **kw: Any,
) -> FnRule:
    """Flags every occurrence of ``word`` in RUN lines; the fix replaces it."""

    def fn(ctx: LintContext, m: RuleMeta) -> Iterator[Finding]:
        for n, raw in enumerate(ctx.dockerfile.lines, start=1):
            line = raw.rstrip("\r\n")
            start = line.find(word)
            while start >= 0:
                fix = None
                if replacement is not None:
                    fix = Fix(
                        safety,
                        f"replace {word} with {replacement}",
                        (Edit(Point(n, start + 1), Point(n, start + 1 + len(word)), replacement),),
                    )
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


# --- applying a finding's fix to text (the rule tests) -------------------------------------


def _offset(text: str, point: Point) -> int:
    lines = text.split("\n")
    assert 1 <= point.line <= len(lines), point
    assert 1 <= point.column <= len(lines[point.line - 1]) + 1, point
    return sum(len(line) + 1 for line in lines[: point.line - 1]) + point.column - 1


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with the edits applied (identical edits once; overlaps are a test failure)."""
    spans = sorted(
        {(_offset(text, e.start), _offset(text, e.end), e.text) for e in dict.fromkeys(edits)},
        reverse=True,
    )
    for (s1, e1, _), (s2, e2, _) in itertools.pairwise(spans):
        assert e2 <= s1 and not (s1 == s2 == e1 == e2), f"overlapping edits {spans}"
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def fixed(text: str, finding: Finding) -> str:
    """The text after the finding's fix."""
    assert finding.fix is not None, finding
    return apply_edits(text, finding.fix.edits)


def where(findings: Iterable[Finding]) -> list[tuple[int, int]]:
    """(line, column) of each finding."""
    return [(f.line, f.column) for f in findings]
