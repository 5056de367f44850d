"""The ``deps`` report: frozen domain objects that the table and JSON renderers read.

Nothing here checks anything; :mod:`alpine_ready.deps.check` builds a finished
:class:`DepsReport`.  ``to_json`` is the versioned JSON contract
(``report/schema/deps-v3.json``).
"""

from __future__ import annotations

import collections
import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from ..report.base import CommandName, Report, ReportCore
from ..report.codes import info
from ..report.item import Fix, FixKind, Item, Location, Subject, SubjectKind
from ..report.level import Level

SCHEMA_VERSION = 3


class DepStatus(enum.Enum):
    """What installing one dependency on the musl target does.

    ``--fail-on`` order, best to worst (Python and Node statuses share the ranks):
    ``musl-wheel`` = ``pure`` = ``musl-build`` = ``portable`` < ``upgrade`` =
    ``downloads-at-install`` < ``source-build`` = ``builds-from-source`` <
    ``unavailable`` = ``glibc-only`` = ``lockfile-problem``.  ``unknown`` (the index
    could not be asked) and ``unchecked`` (a URL, path or VCS requirement) are reported
    but never fail a run.
    """

    # Python
    MUSL_WHEEL = "musl-wheel"  # a musllinux wheel exists for the pinned version and target
    PURE = "pure"  # a none-any wheel: runs anywhere
    UPGRADE = "upgrade"  # the pinned version needs a build (Node: has no musl build), a newer
    # one has a wheel (a musl build)
    SOURCE_BUILD = "source-build"  # only an sdist: pip compiles it on Alpine
    UNAVAILABLE = "unavailable"  # no wheel for the target and no sdist
    # Node
    MUSL_BUILD = "musl-build"  # a -musl platform package or a musl prebuild is installed
    PORTABLE = "portable"  # pure JS, or one static build for both libcs
    DOWNLOADS_AT_INSTALL = "downloads-at-install"  # fetches a binary at install time
    BUILDS_FROM_SOURCE = "builds-from-source"  # node-gyp compiles it (python3 make g++)
    GLIBC_ONLY = "glibc-only"  # only glibc builds (or the installed copy is one): fails on Alpine
    LOCKFILE_PROBLEM = "lockfile-problem"  # the musl build exists but the lockfile lacks it
    # both
    UNKNOWN = "unknown"  # the index did not answer (or offline and not cached)
    UNCHECKED = "unchecked"  # not an index release: URL, path, VCS, editable

    @property
    def rank(self) -> int:
        """0 fine (and unknown/unchecked) … 3 unavailable: the ``--fail-on`` order."""
        return _RANK[self]

    @property
    def level(self) -> Level:
        """Its place on the shared scale (``report/level.py``)."""
        return _LEVELS[_RANK[self]]

    @property
    def code(self) -> str:
        """The item code of this status (``knowledge/data/codes.json``)."""
        return _CODE[self]

    @classmethod
    def at_level(cls, level: Level) -> DepStatus:
        """The mildest ``--fail-on`` status at or above ``level``."""
        return next(
            (s for s in FAIL_ON_CHOICES if s.level.at_or_above(level)), DepStatus.UNAVAILABLE
        )

    @classmethod
    def parse(cls, text: str) -> DepStatus:
        """From the CLI spelling (``source-build``)."""
        for s in cls:
            if s.value == text:
                return s
        raise ValueError(f"unknown status {text!r} (one of: {', '.join(s.value for s in cls)})")


_RANK = {
    DepStatus.MUSL_WHEEL: 0,
    DepStatus.PURE: 0,
    DepStatus.MUSL_BUILD: 0,
    DepStatus.PORTABLE: 0,
    DepStatus.UNKNOWN: 0,
    DepStatus.UNCHECKED: 0,
    DepStatus.UPGRADE: 1,
    DepStatus.DOWNLOADS_AT_INSTALL: 1,
    DepStatus.SOURCE_BUILD: 2,
    DepStatus.BUILDS_FROM_SOURCE: 2,
    DepStatus.UNAVAILABLE: 3,
    DepStatus.GLIBC_ONLY: 3,
    DepStatus.LOCKFILE_PROBLEM: 3,
}
_LEVELS = (Level.OK, Level.INFO, Level.WARNING, Level.ERROR)
_CODE = {
    DepStatus.MUSL_WHEEL: "AR500",
    DepStatus.PURE: "AR500",
    DepStatus.MUSL_BUILD: "AR500",
    DepStatus.PORTABLE: "AR500",
    DepStatus.UPGRADE: "AR501",
    DepStatus.DOWNLOADS_AT_INSTALL: "AR502",
    DepStatus.SOURCE_BUILD: "AR503",
    DepStatus.BUILDS_FROM_SOURCE: "AR503",
    DepStatus.UNAVAILABLE: "AR504",
    DepStatus.GLIBC_ONLY: "AR505",
    DepStatus.LOCKFILE_PROBLEM: "AR506",
    DepStatus.UNKNOWN: "AR507",
    DepStatus.UNCHECKED: "AR508",
}
#: The statuses ``--fail-on`` accepts, mildest first.
FAIL_ON_CHOICES = (
    DepStatus.UPGRADE,
    DepStatus.DOWNLOADS_AT_INSTALL,
    DepStatus.SOURCE_BUILD,
    DepStatus.BUILDS_FROM_SOURCE,
    DepStatus.UNAVAILABLE,
    DepStatus.GLIBC_ONLY,
    DepStatus.LOCKFILE_PROBLEM,
)


@dataclass(frozen=True, slots=True)
class PackageResult:
    """The verdict for one dependency."""

    ecosystem: str  # "python" | "node"
    name: str
    version: str | None  # the pinned version, or the one checked for a range; None: unchecked
    status: DepStatus
    reasons: tuple[str, ...] = ()
    fixes: tuple[str, ...] = ()
    musl_version: str | None = None  # the newer version that has a wheel (status upgrade)
    source: str = ""  # the input file (file:line when known)
    pinned: bool = True  # False: a range, the version is an estimate
    #: the fixes whose command deps knows exactly, each with its ``fixes`` text as its
    #: description (the others are steps for a person)
    actions: tuple[Fix, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``packages[]`` entry of the JSON contract."""
        return {
            "ecosystem": self.ecosystem,
            "name": self.name,
            "version": self.version,
            "status": self.status.value,
            "reasons": list(self.reasons),
            "fixes": list(self.fixes),
            "musl_version": self.musl_version,
            "source": self.source,
            "pinned": self.pinned,
        }

    def structured_fixes(self) -> tuple[Fix, ...]:
        """The fixes as objects, in the order of ``fixes``.

        Each is the action made with it (the version to pin, the ``apk add`` line and
        the packages it installs, the command to run); one without is a step for a
        person (``command`` with no text).
        """
        made = {a.description: a for a in self.actions}
        return tuple(made.get(text) or Fix(FixKind.COMMAND, text) for text in self.fixes)

    def item(self) -> Item:
        """This dependency as a report item."""
        code = info(self.status.code)
        where = _location(self.source)
        version = f" {self.version}" if self.version else ""
        head = self.reasons[0] if self.reasons else code.summary
        return Item(
            Subject(SubjectKind.PACKAGE, self.name, self.version, self.ecosystem),
            code.code,
            code.name,
            self.status.level,
            f"{self.name}{version}: {self.status.value} -- {head}",
            self.reasons,
            self.structured_fixes(),
            where,
        )


def fix_texts(fixes: Iterable[Fix]) -> tuple[str, ...]:
    """The ``fixes`` strings of a row: each fix's description."""
    return tuple(f.description for f in fixes)


def _location(source: str) -> Location | None:
    """``file:line`` (or ``file``) of an input, as a location."""
    if not source:
        return None
    path, _, line = source.rpartition(":")
    if path and line.isdigit():
        return Location(path, int(line))
    return Location(source)


@dataclass(frozen=True)
class DepsInput:
    """One input file that was read."""

    path: str
    kind: str  # requirements | pyproject | uv.lock | poetry.lock | pylock | Pipfile.lock |
    # site-packages | package-lock | npm-shrinkwrap | yarn-v1 | yarn-berry | pnpm | bun |
    # node_modules | package.json
    packages: int  # requirements checked from it (after markers)
    excluded: int = 0  # requirements whose markers are false on the target
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "path": self.path,
            "kind": self.kind,
            "packages": self.packages,
            "excluded": self.excluded,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class DepsTarget:
    """The musl system the dependencies are checked for."""

    python: str  # "3.12"
    arch: str  # x86_64 | aarch64
    musl: str  # "1.2.5"
    alpine: str  # the release the musl version comes from

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"python": self.python, "arch": self.arch, "musl": self.musl, "alpine": self.alpine}


@dataclass(frozen=True)
class DepsReport(Report):
    """Everything ``alpine-ready deps`` found."""

    command: ClassVar[CommandName] = "deps"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    path: str
    target: DepsTarget
    inputs: tuple[DepsInput, ...]
    packages: tuple[PackageResult, ...]
    fail_on: DepStatus = DepStatus.UNAVAILABLE
    tool_version: str = ""

    def count(self, status: DepStatus) -> int:
        """How many packages have ``status``."""
        return self._counts.get(status, 0)

    # (counted once: a table asks for every status's count, of up to 500,000 packages)
    @functools.cached_property
    def _counts(self) -> dict[DepStatus, int]:
        return dict(collections.Counter(p.status for p in self.packages))

    @functools.cached_property
    def failing(self) -> tuple[PackageResult, ...]:
        """The packages at or above ``fail_on``."""
        bad = frozenset(s for s in DepStatus if s.rank >= self.fail_on.rank > 0)
        return tuple(p for p in self.packages if p.status in bad)

    @property
    def failed(self) -> bool:
        """Exit 1?"""
        return bool(self.failing)

    def summary(self) -> dict[str, Any]:
        """Counts per status, and the verdict."""
        return {
            "packages": len(self.packages),
            "by_status": {s.value: self.count(s) for s in DepStatus},
            "fail_on": self.fail_on.value,
            "failed": self.failed,
        }

    def core(self) -> ReportCore:
        """The run as every format sees it: an item per package that is not fine."""
        items = tuple(p.item() for p in self.packages if p.status.level is not Level.OK)
        return ReportCore(
            command="deps",
            schema_version=SCHEMA_VERSION,
            target=self.path,
            items=items,
            threshold=self.fail_on.level,
            failed=self.failed,
            result="fail" if self.failed else "pass",
            summary=self.summary(),
            ok=len(self.packages) - len(items),
            **({"tool_version": self.tool_version} if self.tool_version else {}),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON contract (``report/schema/deps-v3.json``).

        Version 2: the common head (``report/base.py``) and ``items``; the platform
        checked for is ``platform`` (it was ``target``, now the path as in every report).
        """
        core = self.core()
        return {
            **core.head(),
            "path": self.path,
            "platform": self.target.to_json(),
            "inputs": [i.to_json() for i in self.inputs],
            "packages": [p.to_json() for p in self.packages],
            "summary": self.summary(),
            "items": core.items_json(),
        }
