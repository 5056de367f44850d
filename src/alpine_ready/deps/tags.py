"""Which wheels a musl target accepts, and what that means for one release of a project.

The target's tag list is computed the way pip computes it on the target itself
(``packaging.tags``), but for a target we are not on: CPython ``X.Y``, the
architecture, and the musllinux levels the target's musl supports (musl 1.2 ->
``musllinux_1_2``, ``_1_1``, ``_1_0``; pip on Alpine accepts all of them, while
``pip --platform`` does not expand levels -- one of the traps this module
avoids).  ABIs are passed explicitly so the host's flags never leak in.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version


class FileKind(enum.Enum):
    """What one release offers a musl target."""

    MUSL_WHEEL = "musl-wheel"  # a musllinux wheel the target accepts
    PURE = "pure"  # a py3-none-any (or abi3/none-any) wheel: runs anywhere
    SOURCE = "source-build"  # only an sdist: pip compiles it on Alpine
    UNAVAILABLE = "unavailable"  # neither: pip cannot install it on Alpine


@dataclass(frozen=True)
class MuslTarget:
    """CPython X.Y on a musl system of a given architecture and musl version."""

    python: tuple[int, int] = (3, 12)
    arch: str = "x86_64"
    musl: tuple[int, int] = (1, 2)

    @property
    def platforms(self) -> list[str]:
        """``musllinux_1_2_x86_64``, ``musllinux_1_1_x86_64``, … newest first."""
        major, minor = self.musl
        return [f"musllinux_{major}_{m}_{self.arch}" for m in range(minor, -1, -1)]

    @cached_property
    def tags(self) -> tuple[Tag, ...]:
        """Every tag the target accepts, most preferred first (as pip orders them)."""
        cp = f"cp{self.python[0]}{self.python[1]}"
        out = list(cpython_tags(python_version=self.python, abis=[cp, "abi3", "none"],
                                platforms=self.platforms))
        out += list(compatible_tags(python_version=self.python, interpreter=cp,
                                    platforms=self.platforms))
        return tuple(dict.fromkeys(out))

    @cached_property
    def _accepted(self) -> frozenset[Tag]:
        return frozenset(self.tags)

    def accepts(self, wheel_tags: Iterable[Tag]) -> bool:
        """Does pip on the target accept a wheel with these tags?"""
        return any(t in self._accepted for t in wheel_tags)


@dataclass(frozen=True)
class ReleaseFiles:
    """The files of one version of a project, classified for a target."""

    version: str
    kind: FileKind
    musl_wheels: tuple[str, ...] = ()
    pure_wheels: tuple[str, ...] = ()
    sdists: tuple[str, ...] = ()
    other_wheels: tuple[str, ...] = ()  # wheels for other platforms (manylinux, macOS…)


def classify(filenames: Sequence[str], target: MuslTarget) -> dict[str, ReleaseFiles]:
    """Group a project's file names by version and classify each version for ``target``.

    Unparseable names are ignored (indexes carry eggs, exes and other legacy files).
    """
    by_version: dict[str, dict[str, list[str]]] = {}
    for name in filenames:
        if name.endswith(".whl"):
            try:
                _n, version, _b, tags = parse_wheel_filename(name)
            except (InvalidWheelFilename, InvalidVersion):
                continue
            slot = by_version.setdefault(str(version), {"musl": [], "pure": [], "sdist": [],
                                                         "other": []})
            if target.accepts(tags):
                pure = all(t.platform == "any" for t in tags)
                slot["pure" if pure else "musl"].append(name)
            else:
                slot["other"].append(name)
        elif name.endswith((".tar.gz", ".zip", ".tar.bz2", ".tgz")):
            try:
                _n, version = parse_sdist_filename(name)
            except (InvalidSdistFilename, InvalidVersion):
                continue
            by_version.setdefault(str(version), {"musl": [], "pure": [], "sdist": [],
                                                 "other": []})["sdist"].append(name)
    out: dict[str, ReleaseFiles] = {}
    for key, slot in by_version.items():
        if slot["musl"]:
            kind = FileKind.MUSL_WHEEL
        elif slot["pure"]:
            kind = FileKind.PURE
        elif slot["sdist"]:
            kind = FileKind.SOURCE
        else:
            kind = FileKind.UNAVAILABLE
        out[key] = ReleaseFiles(key, kind, tuple(slot["musl"]), tuple(slot["pure"]),
                                tuple(slot["sdist"]), tuple(slot["other"]))
    return out


def newest_installable(releases: dict[str, ReleaseFiles], *,
                       prereleases: bool = False) -> str | None:
    """The newest version with a wheel the target accepts.

    What a resolver picks without constraints: the silent-downgrade check
    compares it with the pin and with :func:`latest`.
    """
    candidates = []
    for v, rel in releases.items():
        if rel.kind not in (FileKind.MUSL_WHEEL, FileKind.PURE):
            continue
        try:
            parsed = Version(v)
        except InvalidVersion:
            continue
        if parsed.is_prerelease and not prereleases:
            continue
        candidates.append(parsed)
    return str(max(candidates)) if candidates else None


def latest(releases: dict[str, ReleaseFiles], *, prereleases: bool = False) -> str | None:
    """The newest version of any kind."""
    parsed = []
    for v in releases:
        try:
            pv = Version(v)
        except InvalidVersion:
            continue
        if not pv.is_prerelease or prereleases:
            parsed.append(pv)
    return str(max(parsed)) if parsed else None
