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
from functools import cached_property, lru_cache

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
        out = list(
            cpython_tags(
                python_version=self.python, abis=[cp, "abi3", "none"], platforms=self.platforms
            )
        )
        out += list(
            compatible_tags(python_version=self.python, interpreter=cp, platforms=self.platforms)
        )
        return tuple(dict.fromkeys(out))

    @cached_property
    def _accepted(self) -> frozenset[Tag]:
        return frozenset(self.tags)

    @cached_property
    def _platforms(self) -> frozenset[str]:
        return frozenset(t.platform for t in self.tags)

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
    other_total: int | None = None  # when other_wheels is a sample: how many there are

    @property
    def n_other(self) -> int:
        """How many wheels for other platforms the version has."""
        return self.other_total if self.other_total is not None else len(self.other_wheels)


@lru_cache(maxsize=1 << 16)
def _norm_version(text: str) -> str | None:
    try:
        return str(Version(text))
    except InvalidVersion:
        return None


def parse_filename(name: str) -> tuple[str, str, str] | None:
    """(``wheel``/``sdist``, normalised version, platform part) of a file name, or None.

    The platform part is the wheel name's last field (``manylinux_2_17_x86_64.manylinux2014
    _x86_64``; "" for an sdist): enough to rule a wheel out for a target without building
    its tag set.  A 300-package lockfile has a quarter of a million file names on its index
    pages, so this is the fast path; :func:`wheel_tags` parses fully when needed.
    """
    if name.endswith(".whl"):
        parts = name[:-4].split("-")
        if len(parts) not in (5, 6) or not all(parts):
            return None
        version = _norm_version(parts[1])
        return ("wheel", version, parts[-1]) if version is not None else None
    if name.endswith((".tar.gz", ".zip", ".tar.bz2", ".tgz")):
        try:
            sdist_version = parse_sdist_filename(name)[1]
        except (InvalidSdistFilename, InvalidVersion):
            return None
        return "sdist", str(sdist_version), ""
    return None


def wheel_tags(name: str) -> frozenset[Tag] | None:
    """The tags of a wheel file name as packaging parses them (None: not valid)."""
    try:
        return parse_wheel_filename(name)[3]
    except (InvalidWheelFilename, InvalidVersion):
        return None


def classify(filenames: Sequence[str], target: MuslTarget) -> dict[str, ReleaseFiles]:
    """Group a project's file names by version and classify each version for ``target``.

    Unparseable names are ignored (indexes carry eggs, exes and other legacy files).
    """
    by_version: dict[str, dict[str, list[str]]] = {}
    accepted = target._accepted
    platforms = target._platforms
    for name in filenames:
        parsed = parse_filename(name)
        if parsed is None:
            continue
        what, version, plat = parsed
        slot = by_version.get(version)
        if slot is None:
            slot = by_version[version] = {"musl": [], "pure": [], "sdist": [], "other": []}
        if what == "sdist":
            slot["sdist"].append(name)
            continue
        if platforms.isdisjoint(plat.split(".")):  # no tag can match: skip the full parse
            slot["other"].append(name)
            continue
        tags = wheel_tags(name)
        if tags is None:
            continue
        if not accepted.isdisjoint(tags):
            pure = all(t.platform == "any" for t in tags)
            slot["pure" if pure else "musl"].append(name)
        else:
            slot["other"].append(name)
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
        out[key] = ReleaseFiles(
            key,
            kind,
            tuple(slot["musl"]),
            tuple(slot["pure"]),
            tuple(slot["sdist"]),
            tuple(slot["other"]),
        )
    return out


def newest_installable(
    releases: dict[str, ReleaseFiles], *, prereleases: bool = False
) -> str | None:
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
