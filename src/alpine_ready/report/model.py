"""The scan report: frozen domain objects that every renderer reads.

Nothing here computes an analysis; renderers only turn a finished
:class:`ScanReport` into text.  ``to_json`` is the versioned JSON contract
(``report/schema/scan-v2.json``).

A scan is complete when every ELF file it found was analysed.  A file that could
not be (unreadable, corrupt, beyond a documented limit: :class:`FileError`) makes
the report :attr:`ScanReport.incomplete` -- its result is ``incomplete``, never
``pass`` -- unless the error was expected: a file unreadable for lack of
permission in a root filesystem scanned by a user other than root
(:attr:`FileError.expected`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 2


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

    @classmethod
    def parse(cls, text: str) -> Verdict:
        """From the CLI spelling (``needs-gcompat``)."""
        for v in cls:
            if v.value == text:
                return v
        raise ValueError(f"unknown verdict {text!r} (one of: {', '.join(v.value for v in cls)})")


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
    fixes: tuple[str, ...]
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

    def to_json(self) -> dict[str, Any]:
        """The ``binaries[]`` entry of the JSON contract."""
        return {
            "path": self.path,
            "kind": self.kind,
            "arch": self.arch,
            "libc": self.libc.value,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "fixes": list(self.fixes),
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
        return {"path": self.path, "error": self.error, "kind": self.kind,
                "expected": self.expected}


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
        }


@dataclass(frozen=True)
class ScanReport:
    """The whole answer of ``alpine-ready scan``."""

    target: str
    target_kind: str  # directory | file | rootfs
    against: dict[str, Any]
    binaries: tuple[BinaryReport, ...]
    skipped: tuple[SkippedFile, ...]
    errors: tuple[FileError, ...]
    summary: Summary
    fail_on: Verdict
    warnings: tuple[str, ...] = field(default=())

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
        return "incomplete" if self.incomplete else "pass"

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON contract (``schema_version`` 2)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": "alpine-ready",
            "command": "scan",
            "target": self.target,
            "target_kind": self.target_kind,
            "against": dict(self.against),
            "fail_on": self.fail_on.value,
            "failed": self.failed,
            "result": self.result,
            "incomplete": self.incomplete,
            "summary": self.summary.to_json(),
            "binaries": [b.to_json() for b in self.binaries],
            "skipped": [s.to_json() for s in self.skipped],
            "errors": [e.to_json() for e in self.errors],
            "warnings": list(self.warnings),
        }


def schema(name: str = "scan-v2.json") -> dict[str, Any]:
    """The committed JSON Schema of a report."""
    import json
    from importlib import resources

    text = resources.files(__package__).joinpath("schema", name).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]
