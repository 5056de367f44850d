"""The Python engine of ``deps``: one requirement, judged on its index for a musl target.

The small public API that ``deps``, ``lint``'s pip checks and later ``check`` share:

- :func:`musl_target` -- the wheel-tag target and its description for CPython X.Y on
  an architecture and an Alpine release;
- :func:`~.views.lookup_views` -- each project's index pages, classified for the target;
- :func:`check_requirement` -- one requirement's row: ``musl-wheel``, ``pure``,
  ``upgrade``, ``source-build``, ``unavailable`` (or ``unknown`` when the index did
  not answer), with its reasons and fixes (structured: the version to pin, the
  ``apk add`` line);
- :class:`IndexCheck` -- the three above behind one object (lazy, cached): what a
  caller with requirement strings needs (:func:`parse_requirement`).

A pinned requirement is judged on the files of that version (when the index lists
none, the lockfile's own file list); a range on the newest matching release (an
estimate; :mod:`.unpinned` resolves ranges with uv before this is asked).  The
silent-downgrade trap is named: when the newest release with a wheel for the target
is older than the latest release, a binary-only resolver on Alpine picks it silently.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PkgRequirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .. import knowledge
from ..errors import InputError, KnowledgeError, PackageIndexError
from ..report.item import Fix, FixKind
from .cache import ProjectNotFound, ResponseCache
from .index import PYPI_SIMPLE, PyPIIndex
from .markers import musl_environment
from .report import DepsTarget, DepStatus, PackageResult, fix_texts
from .requirement import Requirement
from .tags import FileKind, MuslTarget, ReleaseFiles, classify
from .views import Views, lookup_views

__all__ = [
    "BUILD_FIX",
    "IndexCheck",
    "check_requirement",
    "lookup_views",
    "musl_target",
    "parse_requirement",
]

BUILD_FIX = (
    "its sdist was not read: if it compiles C, C++, Cython or Rust, install a compiler "
    "before pip install: apk add --no-cache build-base (plus the -dev packages of the C "
    "libraries it links, and Rust or gfortran if its build needs them); a pure-Python "
    "sdist needs none"
)
#: :data:`BUILD_FIX` as the command it gives
BUILD_ACTION = Fix(
    FixKind.APK_ADD, BUILD_FIX, text="apk add --no-cache build-base", packages=("build-base",)
)


def musl_target(python: str, arch: str, alpine: str | None) -> tuple[MuslTarget, DepsTarget]:
    """The wheel-tag target and its description; unknown values are InputErrors."""
    musl_environment(python, arch)  # validates both
    name = alpine or knowledge.default_release()
    try:
        rel = knowledge.release(name)
    except KnowledgeError as exc:
        raise InputError(str(exc)) from None
    m = re.search(r"musl-(\d+)\.(\d+)(?:\.(\d+))?", rel.musl)
    if not m:
        raise InputError(f"Alpine {name}: cannot tell its musl version from {rel.musl}")
    musl = ".".join(g for g in m.groups() if g is not None)
    major, minor = (int(x) for x in python.split("."))
    target = MuslTarget(python=(major, minor), arch=arch, musl=(int(m[1]), int(m[2])))
    return target, DepsTarget(python=python, arch=arch, musl=musl, alpine=name)


def pin_fix(text: str, name: str, version: str) -> Fix:
    """A fix that moves ``name`` to ``version`` (``name==version`` is what to write)."""
    return Fix(FixKind.UPGRADE, text, text=f"{name}=={version}", packages=(name,))


@functools.lru_cache(maxsize=1 << 16)
def _vkey(v: str) -> Version | None:
    try:
        return Version(v)
    except InvalidVersion:
        return None


def _norm_version(v: str) -> str:
    parsed = _vkey(v)
    return str(parsed) if parsed is not None else v


def _describe(rel: ReleaseFiles, name: str, target: DepsTarget) -> str:
    where = f"CPython {target.python} on musllinux {target.arch}"
    if rel.kind is FileKind.MUSL_WHEEL:
        return f"{name} {rel.version}: wheel for {where}: {rel.musl_wheels[0]}"
    if rel.kind is FileKind.PURE:
        return f"{name} {rel.version}: pure-Python wheel: {rel.pure_wheels[0]}"
    other = f" (wheels only for other platforms: {rel.n_other})" if rel.n_other else ""
    if rel.kind is FileKind.SOURCE:
        return (
            f"{name} {rel.version}: no wheel for {where}{other}; pip builds "
            f"{rel.sdists[0]} from source"
        )
    return (
        f"{name} {rel.version}: no wheel for {where}{other} and no sdist: pip cannot "
        f"install it on Alpine"
    )


def _first_newer_with_wheel(views: Views, here: Version) -> str | None:
    """The smallest final release after ``here`` with a wheel the target accepts."""
    best: tuple[Version, str] | None = None
    for v in views.fresh_versions():
        key = _vkey(v)
        if key is None or key <= here or key.is_prerelease:
            continue
        if best is not None and key >= best[0]:
            continue
        rel = views.fresh(v)
        if rel is not None and rel.kind in (FileKind.MUSL_WHEEL, FileKind.PURE):
            best = (key, v)
    return best[1] if best else None


def _wheel_of(rel: ReleaseFiles) -> str:
    """The wheel the target installs from ``rel``, said as what it is."""
    if rel.musl_wheels:
        return f"musl wheel {rel.musl_wheels[0]}"
    return f"pure-Python wheel {rel.pure_wheels[0]}"


def _excluded(
    name: str,
    version: str,
    requires: Sequence[str],
    views: Views,
    target: DepsTarget,
    reasons: list[str],
) -> tuple[DepStatus, list[Fix], str | None]:
    """A pin whose every file's Requires-Python excludes the target's Python.

    pip on the target does not consider the version at all (not even its sdist); the
    way out is a release that installs on this Python: the first one after the pin
    with a wheel for the target (the release table already leaves out files whose
    Requires-Python excludes it), or, when none has one, what the newest offers.
    """
    py = f"CPython {target.python}"
    reasons.append(
        f"{name} {version}: every file of it requires Python {' or '.join(requires)} "
        f"(Requires-Python), which {py} does not satisfy: pip skips it on this Python, "
        f"sdist included"
    )
    fixes: list[Fix] = []
    here = _vkey(version)
    first = _first_newer_with_wheel(views, here) if here is not None else None
    if first is not None:
        rel = views.fresh(first)
        wheel = f" ({_wheel_of(rel)})" if rel is not None else ""
        fixes.append(
            pin_fix(
                f"upgrade to {name}=={first}, the first release after {version} that "
                f"installs on {py} on musllinux {target.arch} without building{wheel}",
                name,
                first,
            )
        )
        return DepStatus.UPGRADE, fixes, first
    newest = views.newest
    if newest is not None:
        rel = views.fresh(newest)
        wheel = f" ({_wheel_of(rel)})" if rel is not None else ""
        reasons.append(
            f"no {name} release after {version} has a wheel that {py} on musllinux "
            f"{target.arch} accepts; the newest that has one is {newest}{wheel}"
        )
        fixes.append(
            pin_fix(f"pin {name}=={newest} (installs on {py} without building)", name, newest)
        )
        return DepStatus.UNAVAILABLE, fixes, None
    latest_rel = views.fresh(views.latest) if views.latest is not None else None
    if latest_rel is not None and latest_rel.kind is FileKind.SOURCE:
        reasons.append(
            f"no {name} release has a wheel that {py} on musllinux {target.arch} accepts; "
            f"the newest that {py} may install is {latest_rel.version}, only as an "
            f"sdist pip builds from source ({latest_rel.sdists[0]})"
        )
        fixes.append(
            pin_fix(
                f"pin {name}=={latest_rel.version} and build it from source",
                name,
                latest_rel.version,
            )
        )
    else:
        reasons.append(
            f"no {name} release installs on {py} on musllinux {target.arch}: none has "
            f"a wheel it accepts or an sdist"
        )
    fixes.append(
        Fix(
            FixKind.REPLACE_PACKAGE,
            f"or keep this service on a glibc base image with a Python {name} {version} "
            f"supports, or replace {name}",
            packages=(name,),
        )
    )
    return DepStatus.UNAVAILABLE, fixes, None


def _judge(
    name: str,
    version: str,
    rel: ReleaseFiles | None,
    newest: str | None,
    newest_any: str | None,
    target: DepsTarget,
    reasons: list[str],
    views: Views | None = None,
) -> tuple[DepStatus, list[Fix], str | None]:
    """Status, fixes and musl_version of one version; appends to ``reasons``."""
    fixes: list[Fix] = []
    if rel is None and views is not None and views.excluded.get(version):
        return _excluded(name, version, views.excluded[version], views, target, reasons)
    if rel is None:
        reasons.append(f"{name} {version}: no files for this version on the index")
        return DepStatus.UNAVAILABLE, fixes, None
    reasons.append(_describe(rel, name, target))
    if rel.kind is FileKind.MUSL_WHEEL:
        status = DepStatus.MUSL_WHEEL
    elif rel.kind is FileKind.PURE:
        status = DepStatus.PURE
    else:
        here, best = _vkey(version), _vkey(newest) if newest else None
        if best is not None and here is not None and best > here:
            assert newest is not None
            first = _first_newer_with_wheel(views, here) if views is not None else None
            if first is not None and first != newest:
                fixes.append(
                    pin_fix(
                        f"upgrade to {name}=={first}, the first release after "
                        f"{version} with a wheel for the target (the newest "
                        f"with one is {newest})",
                        name,
                        first,
                    )
                )
                return DepStatus.UPGRADE, fixes, first
            fixes.append(
                pin_fix(f"upgrade to {name}=={newest} (has a wheel for the target)", name, newest)
            )
            return DepStatus.UPGRADE, fixes, newest
        if newest is not None:
            reasons.append(
                f"the newest {name} with a wheel for the target is {newest}, older than {version}"
            )
            fixes.append(pin_fix(f"or pin {name}=={newest} to avoid the build", name, newest))
        if rel.kind is FileKind.SOURCE:
            fixes.insert(0, BUILD_ACTION)
            status = DepStatus.SOURCE_BUILD
        else:
            fixes.insert(
                0,
                Fix(
                    FixKind.REPLACE_PACKAGE,
                    f"no {name} release installs on Alpine: keep this service "
                    f"on a glibc base image (python:{target.python}-slim) or "
                    f"replace {name}",
                    packages=(name,),
                ),
            )
            status = DepStatus.UNAVAILABLE
    if (
        newest is not None
        and newest_any is not None
        and newest != newest_any
        and (_vkey(newest) or Version("0")) < (_vkey(newest_any) or Version("0"))
    ):
        reasons.append(
            f"silent downgrade: the latest {name} is {newest_any}, but the newest with a wheel "
            f"for the target is {newest}; a resolver that avoids builds on Alpine "
            f"(--only-binary, uv --no-build) picks {newest} without a word"
        )
    return status, fixes, None


def _row(
    req: Requirement,
    version: str | None,
    status: DepStatus,
    reasons: Sequence[str],
    fixes: Sequence[Fix],
    musl_version: str | None,
    source: str,
    pinned: bool,
) -> PackageResult:
    return PackageResult(
        "python",
        req.name,
        version,
        status,
        tuple(reasons),
        fix_texts(fixes),
        musl_version,
        source,
        pinned,
        tuple(fixes),
    )


_RUN_AGAIN = Fix(FixKind.COMMAND, "run again online (or without --offline) to check it")
_NAME_FIX = Fix(FixKind.COMMAND, "check the project name and the index URL (--index-url)")


def check_requirement(
    req: Requirement,
    source: str,
    project: Views | PackageIndexError | None,
    musl: MuslTarget,
    target: DepsTarget,
    offline: bool = False,
) -> PackageResult:
    """The row of one requirement, from its project's classified releases (``project``).

    ``project`` is what :func:`~.views.lookup_views` gave for its name (a
    :class:`~.cache.ProjectNotFound` makes it ``unavailable``, another error
    ``unknown`` unless the lockfile lists the version's files); ``source`` is where it
    is written (``file:line``).
    """
    pinned = req.version is not None
    version = _norm_version(req.version) if req.version else None
    reasons: list[str] = []
    lock_rel: ReleaseFiles | None = None
    if version and req.files:
        lock_rel = classify(list(req.files), musl).get(version)

    if not isinstance(project, Views):
        if isinstance(project, ProjectNotFound):
            return _row(
                req,
                version,
                DepStatus.UNAVAILABLE,
                (str(project),),
                (_NAME_FIX,),
                None,
                source,
                pinned,
            )
        err = str(project) if project is not None else "not looked up"
        if lock_rel is not None and version is not None:
            reasons.append(
                f"index not checked ({err}): judged from the lockfile's files; "
                f"newer versions unknown"
            )
            status, fixes, mv = _judge(req.name, version, lock_rel, None, None, target, reasons)
            return _row(req, version, status, reasons, fixes, mv, source, pinned)
        return _row(
            req,
            version,
            DepStatus.UNKNOWN,
            (f"could not check: {err}",),
            (_RUN_AGAIN,),
            None,
            source,
            pinned,
        )

    newest, newest_any = project.newest, project.latest
    if project.stale and not offline:
        reasons.append(
            f"{req.name}: judged on a cached index page older than the cache's "
            f"max age (may be out of date)"
        )

    if version is None:  # a range: the newest matching release with files
        try:
            spec = SpecifierSet(req.specifier)
        except InvalidSpecifier:
            spec = SpecifierSet()
        candidates = [
            v
            for v in project.fresh_versions()
            if _vkey(v) is not None and spec.contains(v, prereleases=None)
        ]
        candidates.sort(key=lambda v: _vkey(v) or Version("0"))
        if not candidates:
            what = req.specifier or "any version"
            return _row(
                req,
                None,
                DepStatus.UNAVAILABLE,
                (f"{req.name}: no release with files matches {what}",),
                (),
                None,
                source,
                False,
            )
        version = candidates[-1]
        reasons.append(
            f"not pinned ({req.specifier or 'any version'}): checked {version}, the "
            f"newest matching release (an estimate: not resolved by uv)"
        )
        rel = project.fresh(version)
    else:
        rel = project.pinned(version)
        if rel is None and lock_rel is not None:
            reasons.append(
                f"{req.name} {version}: the index lists no files for it; judged "
                f"from the lockfile's files"
            )
            rel = lock_rel
        elif rel is None and version not in {_norm_version(v) for v in project.versions}:
            reasons.append(f"{req.name} {version}: no such release on the index")
    status, fixes, mv = _judge(req.name, version, rel, newest, newest_any, target, reasons, project)
    return _row(req, version, status, reasons, fixes, mv, source, pinned)


def parse_requirement(text: str, source: str = "") -> tuple[str, Requirement] | None:
    """(the name as written, the requirement) of one PEP 508 string; None if it is none.

    A URL requirement names no index release: None too.
    """
    try:
        req = PkgRequirement(text.strip())
    except InvalidRequirement:
        return None
    if req.url:
        return None
    specs = list(req.specifier)
    version = None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        version = specs[0].version
    return req.name, Requirement(
        name=canonicalize_name(req.name),
        version=version,
        specifier=str(req.specifier),
        marker=None,
        extras=tuple(sorted(req.extras)),
        source_file=source,
        line=None,
    )


class IndexCheck:
    """Requirements -> rows for one musl target, on one index (lazy: set up when asked)."""

    def __init__(
        self,
        *,
        python: str = "3.12",
        arch: str = "x86_64",
        alpine: str | None = None,
        index_url: str | None = None,
        offline: bool = False,
        cache_dir: Path | None = None,
    ) -> None:
        self.musl, self.target = musl_target(python, arch, alpine)
        self.offline = offline
        self.cache = ResponseCache(cache_dir) if cache_dir is not None else ResponseCache()
        self.client = PyPIIndex(index_url or PYPI_SIMPLE, cache=self.cache, offline=offline)

    def check(self, requirements: Sequence[Requirement], source: str = "") -> list[PackageResult]:
        """One row per requirement, in order (the index asked once per project)."""
        looked = lookup_views(
            self.client, [r.name for r in requirements], self.musl, self.target.python, self.cache
        )
        return [
            check_requirement(
                r, source or r.source_file, looked[r.name][1], self.musl, self.target, self.offline
            )
            for r in requirements
        ]
