"""What ``check`` answers: the decision, the size estimate, the changes, the merged findings.

A :class:`Finding` is one fact once, with the evidence of every part that found it (a
glibc-only wheel found by ``deps`` and its ``.so`` found by ``scan``). The JSON contract
is ``report/schema/check-v1.json`` (``docs/check.md``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..report.base import CommandName, Report, ReportCore
from ..report.item import Item
from ..report.level import Level

SCHEMA_VERSION = 1


class Decision(enum.Enum):
    """The answer, best first."""

    FITS = "fits"
    FITS_WITH_CHANGES = "fits-with-changes"
    NOT_RECOMMENDED = "not-recommended"

    @property
    def rank(self) -> int:
        """0 fits, 1 fits-with-changes, 2 not-recommended."""
        return list(Decision).index(self)


@dataclass(frozen=True)
class Evidence:
    """What one part said about a finding."""

    part: str  # lint | translate | deps | scan | inspect | behaviour
    code: str
    message: str
    location: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "part": self.part,
            "code": self.code,
            "message": self.message,
            "location": self.location,
        }


@dataclass(frozen=True)
class Finding:
    """A merged finding: its item (worst level, every reason and fix) and its evidence."""

    id: str  # F1, F2, … worst first
    key: str  # what the parts were joined on (python:orjson, file:bin/app, …)
    item: Item
    evidence: tuple[Evidence, ...]

    @property
    def parts(self) -> tuple[str, ...]:
        """The parts that found it, in order, once each."""
        return tuple(dict.fromkeys(e.part for e in self.evidence))

    def to_json(self) -> dict[str, Any]:
        """The item JSON with ``id`` and ``evidence``."""
        return {
            "id": self.id,
            **self.item.to_json(),
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class Reason:
    """A rule that applied, and why, in one sentence."""

    rule: str  # CR1
    decision: Decision
    text: str
    findings: tuple[str, ...] = ()

    def sentence(self) -> str:
        """``CR1 blocker-…: text`` as the JSON's decision_reasons entry."""
        return f"{self.rule}: {self.text}"


@dataclass(frozen=True)
class SizeFigure:
    """An image size and what it is based on (None: not known)."""

    bytes: int | None
    compressed: int | None
    basis: str | None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"bytes": self.bytes, "compressed": self.compressed, "basis": self.basis}


@dataclass(frozen=True)
class SizePart:
    """One part of the predicted Alpine image."""

    name: str
    bytes: int
    basis: str
    packages: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form (``packages`` only for package parts)."""
        out: dict[str, Any] = {"name": self.name, "bytes": self.bytes, "basis": self.basis}
        if self.packages is not None:
            out["packages"] = list(self.packages)
        return out


@dataclass(frozen=True)
class SizeEstimate:
    """Today's image beside the predicted Alpine image."""

    today: SizeFigure
    alpine: SizeFigure
    parts: tuple[SizePart, ...]

    @property
    def saving(self) -> tuple[int | None, float | None]:
        """(bytes saved, the share of today's size) when both sizes are known."""
        if self.today.bytes is None or self.alpine.bytes is None:
            return None, None
        saved = self.today.bytes - self.alpine.bytes
        ratio = round(saved / self.today.bytes, 3) if self.today.bytes else None
        return saved, ratio

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        saved, ratio = self.saving
        return {
            "today": self.today.to_json(),
            "alpine": self.alpine.to_json(),
            "saving": {"bytes": saved, "ratio": ratio},
            "parts": [p.to_json() for p in self.parts],
        }


@dataclass(frozen=True)
class Pin:
    """A dependency version to change."""

    package: str
    ecosystem: str
    old: str | None
    new: str
    finding: str

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "package": self.package,
            "ecosystem": self.ecosystem,
            "from": self.old,
            "to": self.new,
            "finding": self.finding,
        }


@dataclass(frozen=True)
class Replacement:
    """A package to install instead of another (a musl build)."""

    package: str
    replacement: str
    finding: str

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"package": self.package, "with": self.replacement, "finding": self.finding}


@dataclass(frozen=True)
class Changes:
    """Exactly what must change, each tied to the finding that asks for it."""

    dockerfile_diff: str | None
    pins: tuple[Pin, ...] = ()
    apk_add: tuple[tuple[str, str], ...] = ()  # (package, finding)
    replace: tuple[Replacement, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "dockerfile_diff": self.dockerfile_diff,
            "pins": [p.to_json() for p in self.pins],
            "apk_add": [{"package": p, "finding": f} for p, f in self.apk_add],
            "replace": [r.to_json() for r in self.replace],
        }


@dataclass(frozen=True)
class Behaviour:
    """A musl behaviour difference the evidence makes relevant (from knowledge.musldiff)."""

    id: str
    title: str
    level: str  # info | warning | error (error: the application depends on it, CR3)
    why: str  # the evidence, one reason per rule that matched
    differs: str
    mitigation: str
    source: str
    sources: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()  # Alpine packages of the mitigation

    @property
    def depends(self) -> bool:
        """Does the evidence say the application depends on it (CR3)?"""
        return self.level == "error"

    def to_json(self) -> dict[str, Any]:
        """JSON form (musldiff's ``Applicable.to_json`` shape, with ``depends``)."""
        return {
            "id": self.id,
            "title": self.title,
            "level": self.level,
            "why": self.why,
            "differs": self.differs,
            "mitigation": self.mitigation,
            "packages": list(self.packages),
            "source": self.source,
            "sources": list(self.sources),
            "depends": self.depends,
        }


@dataclass(frozen=True)
class PartResult:
    """How one part ran: its result word and item count, or why it did not run."""

    name: str  # lint | translate | deps | scan | inspect
    result: str  # the part's own result word, "skipped" or "error"
    items: int = 0
    targets: tuple[str, ...] = ()
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "result": self.result,
            "items": self.items,
            "targets": list(self.targets),
            "note": self.note,
        }


@dataclass(frozen=True)
class Inputs:
    """What ``check`` found to read."""

    dockerfiles: tuple[str, ...] = ()
    dependency_files: tuple[str, ...] = ()
    trees: tuple[str, ...] = ()
    image: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "dockerfiles": list(self.dockerfiles),
            "dependency_files": list(self.dependency_files),
            "trees": list(self.trees),
            "image": self.image,
        }


@dataclass(frozen=True)
class CheckReport(Report):
    """The whole answer of ``alpine-ready check``."""

    command: ClassVar[CommandName] = "check"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    target: str
    alpine: str
    decision: Decision
    reasons: tuple[Reason, ...]
    inputs: Inputs
    size: SizeEstimate
    findings: tuple[Finding, ...]
    changes: Changes
    behaviour: tuple[Behaviour, ...]
    parts: tuple[PartResult, ...]
    fail_on: str = "not-recommended"  # a decision word, or a level of the shared scale
    max_source_builds: int = 3
    warnings: tuple[str, ...] = field(default=())
    # --verify: files whose observed load differs from scan's prediction (AR801)
    disagreements: tuple[str, ...] = field(default=())

    @property
    def blockers(self) -> tuple[Finding, ...]:
        """The findings that stop ``fits`` (at error level, or named by a rule)."""
        named = {f for r in self.reasons for f in r.findings}
        return tuple(f for f in self.findings if f.item.level is Level.ERROR or f.id in named)

    @property
    def threshold(self) -> Level:
        """The level --fail-on stands for (decision words: the lowest level that can reach it)."""
        if self.fail_on == Decision.NOT_RECOMMENDED.value:
            return Level.ERROR
        if self.fail_on == Decision.FITS_WITH_CHANGES.value:
            return Level.INFO
        return Level.parse(self.fail_on)

    @property
    def failed(self) -> bool:
        """Exit 1: the decision at or past a decision word, or a finding at or above a level.

        A verify disagreement always fails: the decision rests on a prediction the real
        loader contradicted.
        """
        if self.disagreements:
            return True
        words = {d.value: d for d in Decision}
        if self.fail_on in words:
            return self.decision.rank >= words[self.fail_on].rank
        return any(f.item.level.at_or_above(self.threshold) for f in self.findings)

    def core(self) -> ReportCore:
        """The check as every format sees it: the merged findings are the items."""
        saved, ratio = self.size.saving
        return ReportCore(
            command="check",
            schema_version=SCHEMA_VERSION,
            target=self.target,
            items=tuple(f.item for f in self.findings),
            threshold=self.threshold,
            failed=self.failed,
            result="fail" if self.failed else "pass",
            summary={
                "decision": self.decision.value,
                "findings": len(self.findings),
                "blockers": len(self.blockers),
                "today bytes": self.size.today.bytes,
                "alpine bytes": self.size.alpine.bytes,
                "saving": None if ratio is None else f"{saved:,} bytes ({ratio:.0%})",
            },
        )

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON contract (``report/schema/check-v1.json``)."""
        core = self.core()
        return {
            **core.head(),
            "decision": self.decision.value,
            "decision_reasons": [r.sentence() for r in self.reasons],
            "rules": [
                {
                    "rule": r.rule,
                    "decision": r.decision.value,
                    "text": r.text,
                    "findings": list(r.findings),
                }
                for r in self.reasons
            ],
            "alpine": self.alpine,
            "max_source_builds": self.max_source_builds,
            "inputs": self.inputs.to_json(),
            "size": self.size.to_json(),
            "blockers": [f.to_json() for f in self.blockers],
            "changes": self.changes.to_json(),
            "behaviour": [b.to_json() for b in self.behaviour],
            "parts": {p.name: p.to_json() for p in self.parts},
            "warnings": list(self.warnings),
            "disagreements": list(self.disagreements),
            "items": [f.to_json() for f in self.findings],
        }


__all__ = [
    "Behaviour",
    "Changes",
    "CheckReport",
    "Decision",
    "Evidence",
    "Finding",
    "Inputs",
    "PartResult",
    "Pin",
    "Reason",
    "Replacement",
    "SizeEstimate",
    "SizeFigure",
    "SizePart",
]
