"""The scan report: frozen domain objects that every renderer reads.

Nothing here computes an analysis; renderers only turn a finished
:class:`ScanReport` into text.  ``to_json`` is the versioned JSON contract
(``report/schema/scan-v4.json``).

A scan is complete when every ELF file it found was analysed.  A file that could
not be (unreadable, corrupt, beyond a documented limit: :class:`FileError`) makes
the report :attr:`ScanReport.incomplete` -- its result is ``incomplete``, never
``pass`` -- unless the error was expected: a file unreadable for lack of
permission in a root filesystem scanned by a user other than root
(:attr:`FileError.expected`).

A scan that judged no ELF file at all (a directory without any, an archive that is
neither an image nor holds one, everything filtered out) is :attr:`ScanReport.empty`:
its result is ``incomplete`` with a warning item (AR440) unless the empty scan was
allowed (``--allow-empty``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..report.base import CommandName, Report, ReportCore
from ..report.codes import info
from ..report.item import Fix, Item, Location, Subject, SubjectKind
from ..report.level import Level

SCHEMA_VERSION = 4


class Verdict(enum.Enum):
    """Whether and how a file can run on the target, in order of preference."""

    OK = "ok"
    NEEDS_PACKAGES = "needs-packages"
    NEEDS_GCOMPAT = "needs-gcompat"
    INCOMPATIBLE = "incompatible"

    @property
    def rank(self) -> int:
        """0 for ok … 3 for incompatible."""
        return list(Verdict).index(self)

    @property
    def level(self) -> Level:
        """Its place on the shared scale (``report/level.py``)."""
        return _VERDICT_LEVEL[self]

    @classmethod
    def at_level(cls, level: Level) -> Verdict:
        """The mildest verdict at or above ``level`` (what ``--fail-on LEVEL`` fails on)."""
        return (
            next(v for v in cls if v.level.at_or_above(level))
            if level is not Level.OK
            else cls.NEEDS_PACKAGES
        )

    @classmethod
    def parse(cls, text: str) -> Verdict:
        """From the CLI spelling (``needs-gcompat``)."""
        for v in cls:
            if v.value == text:
                return v
        raise ValueError(f"unknown verdict {text!r} (one of: {', '.join(v.value for v in cls)})")


_VERDICT_LEVEL = {
    Verdict.OK: Level.OK,
    Verdict.NEEDS_PACKAGES: Level.INFO,
    Verdict.NEEDS_GCOMPAT: Level.WARNING,
    Verdict.INCOMPATIBLE: Level.ERROR,
}


class Libc(enum.Enum):
    """Which C library a file was built against."""

    GLIBC = "glibc"
    MUSL = "musl"
    STATIC = "static"
    NONE = "none"


@dataclass(frozen=True)
class BinaryReport:
    """The prediction for one ELF file."""

    path: str
    kind: str  # executable | shared-library | python-extension | node-addon | static-executable
    arch: str
    libc: Libc
    verdict: Verdict
    reasons: tuple[str, ...]
    fixes: tuple[Fix, ...]  # JSON ``fixes`` keeps their descriptions; items keep them whole
    interpreter: str | None
    interpreter_present: bool
    needed: tuple[str, ...]
    missing_libraries: tuple[str, ...]
    unresolved_symbols: tuple[str, ...]
    host_symbols: tuple[str, ...]
    unsupported_relocations: tuple[str, ...]
    loads: bool
    apk_packages: tuple[str, ...] = ()
    glibc_versions: tuple[str, ...] = ()
    group: str = ""  # a stable key for "same cause" grouping in the table
    code: str = "AR400"  # the item code of the verdict's main cause (report/codes.py)
    owner: str = "app"  # app, or os:<package> (from the OS package database)

    def to_json(self) -> dict[str, Any]:
        """The ``binaries[]`` entry of the JSON contract."""
        return {
            "path": self.path,
            "kind": self.kind,
            "arch": self.arch,
            "libc": self.libc.value,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "fixes": [f.description for f in self.fixes],
            "interpreter": self.interpreter,
            "interpreter_present": self.interpreter_present,
            "needed": list(self.needed),
            "missing_libraries": list(self.missing_libraries),
            "unresolved_symbols": list(self.unresolved_symbols),
            "host_symbols": list(self.host_symbols),
            "unsupported_relocations": list(self.unsupported_relocations),
            "loads": self.loads,
            "apk_packages": list(self.apk_packages),
            "glibc_versions": list(self.glibc_versions),
            "owner": self.owner,
        }


@dataclass(frozen=True)
class SkippedFile:
    """An ELF file the loader would never load on this target (and why)."""

    path: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"path": self.path, "reason": self.reason}


#: What kept a file from being analysed (:attr:`FileError.kind`).
ERROR_KINDS = ("unreadable", "permission", "corrupt", "limit")


@dataclass(frozen=True)
class FileError:
    """A file (or a directory) that could not be analysed, and why.

    ``kind``: ``unreadable`` (an I/O error), ``permission`` (EACCES/EPERM),
    ``corrupt`` (a malformed ELF file) or ``limit`` (beyond a documented limit: a
    symbol table, a tree depth, a file size).  ``expected``: the error does not
    make the scan incomplete (a permission error in a root filesystem scanned by
    a user other than root).
    """

    path: str
    error: str
    kind: str = "unreadable"
    expected: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "path": self.path,
            "error": self.error,
            "kind": self.kind,
            "expected": self.expected,
        }


@dataclass(frozen=True)
class Summary:
    """Counts for the top of every report."""

    files_seen: int
    elf_files: int
    verdicts: dict[str, int]
    libc: dict[str, int]
    skipped: int
    errors: int
    worst: Verdict | None
    filtered: int = 0  # ELF files left out by --include / --exclude / --owned-by
    owners: dict[str, int] = field(default_factory=dict)  # analysed files: app / os

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "files_seen": self.files_seen,
            "elf_files": self.elf_files,
            "analysed": sum(self.verdicts.values()),
            "verdicts": dict(self.verdicts),
            "libc": dict(self.libc),
            "skipped": self.skipped,
            "errors": self.errors,
            "worst": self.worst.value if self.worst else None,
            "filtered": self.filtered,
            "owners": dict(self.owners),
        }


@dataclass(frozen=True)
class ScanReport(Report):
    """The whole answer of ``alpine-ready scan``."""

    command: ClassVar[CommandName] = "scan"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    target: str
    target_kind: str  # directory | file | rootfs | image | wheel | npm-tarball | archive
    against: dict[str, Any]
    binaries: tuple[BinaryReport, ...]
    skipped: tuple[SkippedFile, ...]
    errors: tuple[FileError, ...]
    summary: Summary
    fail_on: Verdict
    warnings: tuple[str, ...] = field(default=())
    allow_empty: bool = False  # an empty scan passes (with its warning)
    owned_by: str = "all"  # app | os | all: whose files were judged

    @property
    def empty(self) -> bool:
        """Was no ELF file judged at all, and none failed to be (nothing analysed)?

        ELF files that could not be analysed make the report incomplete instead.
        """
        return not self.binaries and not self.incomplete

    @property
    def failed(self) -> bool:
        """Is any file at or above the ``--fail-on`` level?"""
        return any(b.verdict.rank >= self.fail_on.rank for b in self.binaries)

    @property
    def incomplete(self) -> bool:
        """Could some file not be analysed (an error that was not expected)?"""
        return any(not e.expected for e in self.errors)

    @property
    def result(self) -> str:
        """``fail`` (some file at or above ``--fail-on``), else ``incomplete``, else ``pass``."""
        if self.failed:
            return "fail"
        unchecked = self.incomplete or (self.empty and not self.allow_empty)
        return "incomplete" if unchecked else "pass"

    def items(self) -> tuple[Item, ...]:
        """One item per file that is not fine.

        Each ELF file with a verdict worse than ok (coded by its main cause), and each
        file that could not be analysed (AR410); the ok ones are counted in the core.
        """
        out = [
            binary_item(b)
            for b in self.binaries
            if b.verdict is not Verdict.OK or b.code != "AR400"  # ok, but not judged fully
        ]
        code = info("AR410")
        out += [
            Item(
                Subject(SubjectKind.FILE, e.path),
                code.code,
                code.name,
                Level.ERROR,
                f"{e.path}: not analysed ({e.error})",
                (e.error,),
                location=Location(e.path),
            )
            for e in self.errors
            if not e.expected
        ]
        if self.empty:
            out.append(self._empty_item())
        return tuple(out)

    def _empty_item(self) -> Item:
        code = info("AR440")
        s = self.summary
        why = (
            f"{s.files_seen} files looked at, {s.elf_files} ELF"
            + (f", {s.skipped} never loaded here" if s.skipped else "")
            + (f", {s.filtered} left out by the filters" if s.filtered else "")
        )
        return Item(
            Subject(SubjectKind.FILE, self.target),
            code.code,
            code.name,
            Level.WARNING,
            f"{self.target}: nothing analysed -- no ELF file was judged ({why})",
            (why,),
            location=Location(self.target),
        )

    def core(self) -> ReportCore:
        """The scan as every format sees it."""
        return ReportCore(
            command="scan",
            schema_version=SCHEMA_VERSION,
            target=self.target,
            items=self.items(),
            threshold=self.fail_on.level,
            failed=self.failed,
            result=self.result,
            summary=self.summary.to_json(),
            ok=sum(1 for b in self.binaries if b.verdict is Verdict.OK),
        )

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON contract (``report/schema/scan-v4.json``)."""
        core = self.core()
        return {
            **core.head(),
            "target_kind": self.target_kind,
            "against": dict(self.against),
            "fail_on": self.fail_on.value,
            "incomplete": self.incomplete,
            "empty": self.empty,
            "owned_by": self.owned_by,
            "summary": self.summary.to_json(),
            "binaries": [b.to_json() for b in self.binaries],
            "skipped": [s.to_json() for s in self.skipped],
            "errors": [e.to_json() for e in self.errors],
            "warnings": list(self.warnings),
            "items": core.items_json(),
        }


def binary_item(b: BinaryReport) -> Item:
    """The item of one judged file (its verdict's code, reasons and fixes)."""
    code = info(b.code)
    head = b.reasons[0] if b.reasons else code.summary
    return Item(
        Subject(SubjectKind.FILE, b.path),
        code.code,
        code.name,
        b.verdict.level if b.verdict is not Verdict.OK else code.level,
        f"{b.path}: {b.verdict.value} -- {head}",
        b.reasons,
        b.fixes,
        Location(b.path),
    )
