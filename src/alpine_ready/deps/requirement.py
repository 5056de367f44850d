"""What a Python input says: requirements, entries no index can answer, and the input.

Every Python source (:mod:`.sources`) parses its file into a :class:`ParsedInput`:
the :class:`Requirement` s it names (a lockfile: one per locked package, exact
versions), the :class:`Uncheckable` entries (editable, VCS, URL, path), the
requirements whose markers are false for the target (``excluded``) and notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PkgRequirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from ..errors import InputError
from ..guard import excerpt, printable

InputKind = Literal[
    "requirements", "pyproject", "uv.lock", "poetry.lock", "pylock", "Pipfile.lock", "site-packages"
]

#: Inputs with exact versions of the full set (an installed environment is one too).
LOCKFILE_KINDS: frozenset[str] = frozenset(
    {"uv.lock", "poetry.lock", "pylock", "Pipfile.lock", "site-packages"}
)
#: Inputs that name direct dependencies, pinned or not: resolved with uv when it is there.
UNPINNED_KINDS: frozenset[str] = frozenset({"requirements", "pyproject"})

#: Most requirements (or locked packages) one Python input may name.
MAX_PACKAGES = 20_000


@dataclass(frozen=True)
class Requirement:
    """One dependency as the input file states it (a lockfile: one locked package)."""

    name: str  # PEP 503-normalised
    version: str | None  # exact pin (``==X`` / ``===X`` / a lockfile version), else None
    specifier: str  # e.g. ">=2,<3"; "==1.3.2" for pins; "" when unconstrained
    marker: str | None
    extras: tuple[str, ...]
    source_file: str
    line: int | None
    hashes: tuple[str, ...] = ()  # "sha256:..." as written
    index_url: str | None = None  # the index the file says to use (None: the default, PyPI)
    files: tuple[str, ...] = ()  # wheel/sdist filenames a lockfile lists for this version

    @classmethod
    def exact(cls, name: str, version: str, source_file: str) -> Requirement:
        """``name==version`` from no file line: an installed copy, a resolver's pin."""
        return cls(
            name=name,
            version=version,
            specifier=f"=={version}",
            marker=None,
            extras=(),
            source_file=source_file,
            line=None,
        )


@dataclass(frozen=True)
class Uncheckable:
    """An entry that names no index release: editable, VCS, URL or local path."""

    text: str
    reason: str
    source_file: str
    line: int | None


@dataclass(frozen=True)
class Evidence:
    """What an installed copy (``source``: its dist-info) proves by its ELF files."""

    source: str
    reasons: tuple[str, ...]
    broken: bool  # it does not load on a bare Alpine


@dataclass(frozen=True)
class ParsedInput:
    """What one recognised input file (with its includes) says."""

    path: str
    kind: InputKind
    requirements: tuple[Requirement, ...]
    uncheckable: tuple[Uncheckable, ...] = ()
    index_urls: tuple[str, ...] = ()  # primary first (if any ``--index-url``), then extras
    excluded: tuple[Requirement, ...] = ()  # markers false for the target environment
    notes: tuple[str, ...] = ()
    #: other files read as part of this one (``-r``/``-c`` includes), real paths
    includes: frozenset[str] = frozenset()
    #: an installed environment: what each installed copy's ELF files prove
    evidence: tuple[Evidence, ...] = ()

    @property
    def locked(self) -> bool:
        """True when the file is a lockfile: exact versions of the full transitive set."""
        return self.kind in LOCKFILE_KINDS


def pin(spec: SpecifierSet) -> str | None:
    """The exact version a specifier set pins, or None."""
    for s in spec:
        if s.operator == "===" or (s.operator == "==" and not s.version.endswith(".*")):
            return s.version
    return None


def from_pep508(
    text: str,
    source: str,
    line: int | None,
    *,
    hashes: tuple[str, ...] | list[str] = (),
    index_url: str | None = None,
) -> Requirement | Uncheckable:
    """A PEP 508 requirement string; a direct reference is :class:`Uncheckable`."""
    try:
        req = PkgRequirement(text)
    except InvalidRequirement as exc:
        where = f"{printable(source)}:{line}" if line is not None else printable(source)
        first = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise InputError(
            f"{where}: invalid requirement '{excerpt(text)}': {excerpt(first, 80)}"
        ) from None
    if req.url:
        return Uncheckable(
            printable(text), f"direct reference ({printable(req.url)})", source, line
        )
    return Requirement(
        name=canonicalize_name(req.name),
        version=pin(req.specifier),
        specifier=str(req.specifier),
        marker=str(req.marker) if req.marker else None,
        extras=tuple(sorted(req.extras)),
        source_file=source,
        line=line,
        hashes=tuple(hashes),
        index_url=index_url,
    )
