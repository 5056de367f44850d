"""The lint domain: rule metadata, findings, and fixes expressed as text edits.

Everything here is a frozen dataclass or an enum; the JSON forms are the ``lint``
report contract (``report/schema/lint-v1.json``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.Enum):
    """hadolint's levels, so configs map one to one; ``--fail-on`` order is the rank."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    STYLE = "style"

    @property
    def rank(self) -> int:
        """3 error … 0 style."""
        return {"error": 3, "warning": 2, "info": 1, "style": 0}[self.value]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """From its name (case-insensitive); ValueError names the choices."""
        for s in cls:
            if s.value == text.lower():
                return s
        raise ValueError(f"unknown severity {text!r} (one of: {', '.join(s.value for s in cls)})")


class FixSafety(enum.Enum):
    """``safe``: applied by ``--fix``; ``unsafe``: only with ``--unsafe-fixes``."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Point:
    """A place in the file: 1-based line, 1-based column (in characters)."""

    line: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text from ``start`` (inclusive) to ``end`` (exclusive) with ``text``.

    ``start == end`` inserts.  Columns count characters of the original line, as
    :class:`alpine_ready.dockerfile.Position` does; ``end`` may be ``(line, len+1)`` to
    reach the end of a line (not its newline).
    """

    start: Point
    end: Point
    text: str


@dataclass(frozen=True)
class Fix:
    """A rewrite that removes one finding."""

    safety: FixSafety
    description: str
    edits: tuple[Edit, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"safety", "description"}`` (the edits are applied, not reported)."""
        return {"safety": self.safety.value, "description": self.description}


@dataclass(frozen=True)
class RuleDoc:
    """What a rule's page says: one line, then what / why / example / instead."""

    summary: str  # one line, shown in tables and SARIF shortDescription
    what: str  # what the rule flags
    why: str  # why it is bad
    example: str  # a Dockerfile snippet that fires
    instead: str  # the same snippet written well


@dataclass(frozen=True)
class RuleMeta:
    """A rule's identity and documentation."""

    code: str  # AR101
    name: str  # apk-add-without-no-cache: the pattern flagged, in kebab case
    severity: Severity
    category: str  # apk | musl | base
    doc: RuleDoc
    hadolint: str | None = None  # the hadolint rule it corresponds to (DL3019)
    fix: FixSafety | None = None  # the safety of its fix, when it has one
    options: tuple[tuple[str, Any], ...] = field(default=())  # configurable, with defaults
    #: False: off unless chosen (``--select`` naming it, its prefix or category; or
    #: ``enable`` in the config); the rule's doc says why it is off
    default_on: bool = True

    @property
    def help_uri(self) -> str:
        """Where the rule's page lives (docs/rules.md anchor)."""
        return (
            "https://github.com/alpine-ready/alpine-ready/blob/main/docs/rules.md#"
            f"{self.code.lower()}"
        )


@dataclass(frozen=True)
class Finding:
    """One problem at one place."""

    file: str
    line: int
    column: int
    code: str
    name: str
    severity: Severity
    message: str
    hadolint: str | None = None
    fix: Fix | None = None
    end_line: int | None = None
    end_column: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``findings[]`` entry of the JSON contract."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "hadolint": self.hadolint,
            "fix": self.fix.to_json() if self.fix else None,
        }
