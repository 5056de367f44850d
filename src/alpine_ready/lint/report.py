"""The ``lint`` report: frozen objects the table, JSON and SARIF renderers read.

:func:`alpine_ready.lint.engine.run` builds a finished :class:`LintReport`; nothing here
lints.  ``to_json`` is the versioned contract (``report/schema/lint-v2.json``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, ClassVar

from ..report.base import CommandName, Report, ReportCore
from ..report.codes import CodeInfo
from ..report.item import Fix as ItemFix
from ..report.item import FixKind, Item, Location, Subject, SubjectKind, TextEdit
from ..report.level import Level
from .model import Finding, FixSafety, RuleMeta, Severity

SCHEMA_VERSION = 2


class Mode(enum.Enum):
    """What ``lint`` was asked to do with fixes."""

    CHECK = "check"  # report only
    FIX = "fix"  # rewrite the files
    DIFF = "diff"  # compute the rewrite, show it as a patch, write nothing


@dataclass(frozen=True)
class FixRecord:
    """A fix that was applied, or one that was not (``reason`` says why)."""

    code: str
    name: str
    line: int  # of the finding, in the text the fix was computed on
    column: int
    safety: FixSafety
    description: str
    reason: str | None = None  # None: applied

    def to_json(self) -> dict[str, Any]:
        """``fixes.applied[]`` / ``fixes.not_applied[]`` entry."""
        return {
            "code": self.code,
            "name": self.name,
            "line": self.line,
            "column": self.column,
            "safety": self.safety.value,
            "description": self.description,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class FileResult:
    """One Dockerfile: its findings (after any fixes), and what was done to it."""

    path: str  # as given
    findings: tuple[Finding, ...]  # sorted by line, column, code
    rules: tuple[str, ...]  # codes of the rules run on it
    fail_on: Severity  # the threshold in force for it
    config: tuple[str, ...] = ()  # config files read for it
    ignored: int = 0  # findings suppressed by inline ignore comments
    fixed: tuple[FixRecord, ...] = ()
    not_fixed: tuple[FixRecord, ...] = ()  # fixes skipped (conflicts, broken fixes)
    written: bool = False  # --fix rewrote the file
    diff: str | None = None  # --fix/--diff: the unified diff of the rewrite ("" if none)
    notes: tuple[str, ...] = ()  # e.g. unknown rules named in ignore comments

    @property
    def failed(self) -> bool:
        """True when a finding is at or above :attr:`fail_on`."""
        return any(f.severity.rank >= self.fail_on.rank for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        """``files[]`` entry (the findings themselves are in the top-level list)."""
        return {
            "path": self.path,
            "findings": len(self.findings),
            "rules": list(self.rules),
            "fail_on": self.fail_on.value,
            "failed": self.failed,
            "config": list(self.config),
            "ignored": self.ignored,
            "fixes": {
                "applied": [f.to_json() for f in self.fixed],
                "not_applied": [f.to_json() for f in self.not_fixed],
            },
            "written": self.written,
            "diff": self.diff,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class LintSummary:
    """Counts over all files."""

    files: int
    findings: int
    by_severity: tuple[tuple[Severity, int], ...]  # error first; zero counts left out
    fixable: int  # findings with a fix that the current flags would apply
    unsafe_fixable: int  # findings whose fix needs --unsafe-fixes (not given)
    fixed: int  # fixes applied (or, with --diff, that would be)
    failed_files: int

    def to_json(self) -> dict[str, Any]:
        """``summary``."""
        return {
            "files": self.files,
            "findings": self.findings,
            "by_severity": {s.value: n for s, n in self.by_severity},
            "fixable": self.fixable,
            "unsafe_fixable": self.unsafe_fixable,
            "fixed": self.fixed,
            "failed_files": self.failed_files,
        }


def rule_to_json(meta: RuleMeta) -> dict[str, Any]:
    """``rules[]`` entry: a rule's identity and one-line summary."""
    return {
        "code": meta.code,
        "name": meta.name,
        "severity": meta.severity.value,
        "category": meta.category,
        "hadolint": meta.hadolint,
        "fix": meta.fix.value if meta.fix else None,
        "summary": meta.doc.summary,
        "help_uri": meta.help_uri,
    }


def finding_item(f: Finding) -> Item:
    """A lint finding as a report item (its fix as text edits)."""
    fixes: tuple[ItemFix, ...] = ()
    if f.fix is not None:
        edits = tuple(
            TextEdit(e.start.line, e.start.column, e.end.line, e.end.column, e.text)
            for e in f.fix.edits
        )
        fixes = (
            ItemFix(
                FixKind.TEXT_EDIT,
                f.fix.description,
                edits=edits,
                safe=f.fix.safety is FixSafety.SAFE,
            ),
        )
    return Item(
        Subject(SubjectKind.INSTRUCTION, f.file),
        f.code,
        f.name,
        Level.parse(f.severity.value),
        f.message,
        (),
        fixes,
        Location(f.file, f.line, f.column, f.end_line, f.end_column),
    )


@dataclass(frozen=True)
class LintReport(Report):
    """The result of one ``lint`` run."""

    command: ClassVar[CommandName] = "lint"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    files: tuple[FileResult, ...]
    rules: tuple[RuleMeta, ...]  # every rule run on some file, in code order
    mode: Mode
    unsafe_fixes: bool
    root: str  # the directory relative paths are relative to (SARIF's %SRCROOT%)
    tool_version: str

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding, file by file."""
        return tuple(f for fr in self.files for f in fr.findings)

    @property
    def failed(self) -> bool:
        """True when any file has a finding at or above its threshold."""
        return any(fr.failed for fr in self.files)

    @property
    def diff(self) -> str:
        """The unified diff of every rewrite (``--diff``), file after file."""
        return "".join(fr.diff or "" for fr in self.files)

    @property
    def summary(self) -> LintSummary:
        """Counts over all files."""
        findings = self.findings
        counts = {s: 0 for s in Severity}
        for f in findings:
            counts[f.severity] += 1
        fixable = sum(
            1
            for f in findings
            if f.fix is not None and (f.fix.safety is FixSafety.SAFE or self.unsafe_fixes)
        )
        hidden = sum(
            1
            for f in findings
            if f.fix is not None and f.fix.safety is FixSafety.UNSAFE and not self.unsafe_fixes
        )
        return LintSummary(
            files=len(self.files),
            findings=len(findings),
            by_severity=tuple(
                (s, n) for s, n in sorted(counts.items(), key=lambda kv: -kv[0].rank) if n
            ),
            fixable=fixable,
            unsafe_fixable=hidden,
            fixed=sum(len(fr.fixed) for fr in self.files),
            failed_files=sum(1 for fr in self.files if fr.failed),
        )

    def core(self) -> ReportCore:
        """The run as every format sees it: an item per finding.

        Each file may have its own ``fail-on`` (its config): the threshold shown is the
        mildest of them.
        """
        thresholds = [Level.parse(fr.fail_on.value) for fr in self.files]
        threshold = min(thresholds, key=lambda lv: lv.rank) if thresholds else Level.INFO
        return ReportCore(
            command="lint",
            schema_version=SCHEMA_VERSION,
            target=", ".join(fr.path for fr in self.files),
            items=tuple(finding_item(f) for f in self.findings),
            threshold=threshold,
            failed=self.failed,
            result="fail" if self.failed else "pass",
            summary=self.summary.to_json(),
            tool_version=self.tool_version,
        )

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON contract (``report/schema/lint-v2.json``)."""
        core = self.core()
        return {
            **core.head(),
            "mode": self.mode.value,
            "unsafe_fixes": self.unsafe_fixes,
            "summary": self.summary.to_json(),
            "files": [fr.to_json() for fr in self.files],
            "findings": [f.to_json() for f in self.findings],
            "rules": [rule_to_json(m) for m in self.rules],
            "items": core.items_json(),
        }


@dataclass(frozen=True)
class RuleReport(Report):
    """What ``alpine-ready rule`` shows: one rule's documentation, or the list of all.

    ``code``: an item code of scan, deps, translate or inspect (``rule AR404``) explained
    instead of a lint rule (``rules`` is then empty).
    """

    command: ClassVar[CommandName] = "rule"
    schema_version: ClassVar[int] = 1

    rules: tuple[RuleMeta, ...]
    listing: bool  # --list: every rule, one line each
    code: CodeInfo | None = None

    def core(self) -> ReportCore:
        """No items: documentation only."""
        if self.code is not None:
            target = self.code.code
        else:
            target = "all rules" if self.listing else ", ".join(m.code for m in self.rules)
        return ReportCore(
            command="rule",
            schema_version=1,
            target=target,
            items=(),
            threshold=Level.ERROR,
            failed=False,
            result="pass",
        )

    def to_json(self) -> dict[str, Any]:
        """One rule's metadata and documentation after the common head.

        Listing: every rule's, in ``rules``.  An item code: its registry entry.
        """
        head = self.core().head()
        if self.code is not None:
            c = self.code
            return {
                **head,
                "code": c.code,
                "name": c.name,
                "level": c.level.value,
                "category": c.category,
                "summary": c.summary,
                "what": c.what,
                "why": c.why,
                "fix": c.fix,
                "help_uri": c.help_uri,
            }
        data = [
            dict(
                rule_to_json(m),
                default_on=m.default_on,
                doc=vars(m.doc),
                options=dict(m.options),
            )
            for m in self.rules
        ]
        return {**head, "rules": data} if self.listing else {**head, **data[0]}
