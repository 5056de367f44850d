"""``alpine-ready deps``, Python slice: will ``pip install`` of these dependencies work on Alpine?

``run(DepsOptions) -> DepsReport``.  The inputs are discovered with the target's marker
environment (:func:`~.python_inputs.discover`); every project is looked up once on its
index (:meth:`~.index.PyPIIndex.fetch_many`, concurrent, cached, ``offline`` honoured) and
its files classified for the musl target (:func:`~.tags.classify`):

- a pinned requirement (a lockfile entry or ``==``) is judged on the files of that
  version: ``musl-wheel``, ``pure``, ``source-build``, ``unavailable`` -- or ``upgrade``
  when it has no wheel for the target but a newer release does.  When the index lists no
  files for the version, the lockfile's own file list (uv, pylock) is used;
- a range is judged on the newest release that matches it and has files (an estimate:
  full resolution with pip/uv is a later step; the reasons say so);
- the silent-downgrade trap: when the newest release with a wheel for the target is older
  than the latest release, a binary-only resolver on Alpine would pick it without a word;
- an index that fails keeps the other results: that project is ``unknown`` (with the
  error; offline, the cache miss), unless the lockfile lists its files;
- URL, path, VCS and editable requirements are ``unchecked``.

Node inputs are not checked yet (a one-line :class:`InputError`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .. import __version__, knowledge
from ..errors import InputError
from . import python_inputs
from .cache import PackageIndexError, ProjectNotFound, ResponseCache
from .index import PYPI_SIMPLE, DistFile, ProjectFiles, PyPIIndex
from .report import DepsInput, DepsReport, DepsTarget, DepStatus, PackageResult
from .tags import FileKind, MuslTarget, ReleaseFiles, classify, latest, newest_installable

NODE_NAMES = ("package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock",
              "pnpm-lock.yaml", "node_modules")
NODE_NOT_YET = "Node dependency checks are not implemented yet"
BUILD_FIX = ("install a compiler before pip install: apk add --no-cache build-base (plus the "
             "-dev packages of the C libraries it links, and Rust or gfortran if its build "
             "needs them); compiling is slow (minutes, sometimes much longer)")


@dataclass(frozen=True)
class DepsOptions:
    """What to check, for which target, and how to reach the index."""

    path: str
    python: str = "3.12"
    arch: str = "x86_64"
    alpine: str | None = None  # None: the default release's musl
    index_url: str | None = None  # overrides the inputs' --index-url (default PyPI)
    extra_index_urls: tuple[str, ...] = ()
    offline: bool = False
    cache_dir: Path | None = None  # None: ~/.cache/alpine-ready/index
    fail_on: DepStatus = DepStatus.UNAVAILABLE
    extras: tuple[str, ...] = ()


# --------------------------------------------------------------------------- target


def musl_target(python: str, arch: str, alpine: str | None) -> tuple[MuslTarget, DepsTarget]:
    """The wheel-tag target and its description; unknown values are InputErrors."""
    python_inputs.musl_environment(python, arch)  # validates both
    name = alpine or knowledge.default_release()
    try:
        rel = knowledge.release(name)
    except knowledge.KnowledgeError as exc:
        raise InputError(str(exc)) from None
    m = re.search(r"musl-(\d+)\.(\d+)(?:\.(\d+))?", rel.musl)
    if not m:
        raise InputError(f"Alpine {name}: cannot tell its musl version from {rel.musl}")
    musl = ".".join(g for g in m.groups() if g is not None)
    major, minor = (int(x) for x in python.split("."))
    target = MuslTarget(python=(major, minor), arch=arch, musl=(int(m[1]), int(m[2])))
    return target, DepsTarget(python=python, arch=arch, musl=musl, alpine=name)


# --------------------------------------------------------------------------- inputs


def _node_only(path: Path) -> bool:
    if path.is_file():
        return path.name in NODE_NAMES
    return path.is_dir() and any((path / n).exists() for n in NODE_NAMES)


def _discover(path: Path, env: dict[str, str],
              extras: Sequence[str]) -> list[python_inputs.ParsedInput]:
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_file() and path.name in NODE_NAMES:
        raise InputError(f"{path}: {NODE_NOT_YET}")
    try:
        return python_inputs.discover(path, env, extras=extras)
    except InputError:
        if _node_only(path):
            raise InputError(f"{path}: only Node inputs found; {NODE_NOT_YET}") from None
        raise


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _indexes(opts: DepsOptions, parsed: python_inputs.ParsedInput,
             req: python_inputs.Requirement) -> tuple[str, tuple[str, ...]]:
    primary = _slash(opts.index_url or req.index_url or PYPI_SIMPLE)
    extras = [_slash(u) for u in opts.extra_index_urls]
    if parsed.kind == "requirements":
        extras += [_slash(u) for u in parsed.index_urls]
    return primary, tuple(dict.fromkeys(u for u in extras if u != primary))


# --------------------------------------------------------------------------- judging


def _vkey(v: str) -> Version | None:
    try:
        return Version(v)
    except InvalidVersion:
        return None


def _norm_version(v: str) -> str:
    parsed = _vkey(v)
    return str(parsed) if parsed is not None else v


def _usable(files: Sequence[DistFile], python: str, *, keep_yanked: bool) -> list[str]:
    """File names pip on the target would consider (Requires-Python; yanked when asked)."""
    out = []
    for f in files:
        if f.yanked and not keep_yanked:
            continue
        if f.requires_python:
            try:
                if not SpecifierSet(f.requires_python).contains(f"{python}.0", prereleases=True):
                    continue
            except InvalidSpecifier:
                pass
        out.append(f.filename)
    return out


def _describe(rel: ReleaseFiles, name: str, target: DepsTarget) -> str:
    where = f"CPython {target.python} on musllinux {target.arch}"
    if rel.kind is FileKind.MUSL_WHEEL:
        return f"{name} {rel.version}: wheel for {where}: {rel.musl_wheels[0]}"
    if rel.kind is FileKind.PURE:
        return f"{name} {rel.version}: pure-Python wheel: {rel.pure_wheels[0]}"
    other = f" (wheels only for other platforms: {len(rel.other_wheels)})" \
        if rel.other_wheels else ""
    if rel.kind is FileKind.SOURCE:
        return (f"{name} {rel.version}: no wheel for {where}{other}; pip builds "
                f"{rel.sdists[0]} from source")
    return f"{name} {rel.version}: no wheel for {where}{other} and no sdist: pip cannot " \
           f"install it on Alpine"


def _judge(name: str, version: str, rel: ReleaseFiles | None, newest: str | None,
           newest_any: str | None, target: DepsTarget,
           reasons: list[str]) -> tuple[DepStatus, list[str], str | None]:
    """Status, fixes and musl_version of one version; appends to ``reasons``."""
    fixes: list[str] = []
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
            fixes.append(f"upgrade to {name}=={newest} (has a wheel for the target)")
            return DepStatus.UPGRADE, fixes, newest
        if newest is not None:
            reasons.append(f"the newest {name} with a wheel for the target is {newest}, older "
                           f"than {version}")
            fixes.append(f"or pin {name}=={newest} to avoid the build")
        if rel.kind is FileKind.SOURCE:
            fixes.insert(0, BUILD_FIX)
            status = DepStatus.SOURCE_BUILD
        else:
            fixes.insert(0, f"no {name} release installs on Alpine: keep this service on a "
                            f"glibc base image (python:{target.python}-slim) or replace "
                            f"{name}")
            status = DepStatus.UNAVAILABLE
    if newest is not None and newest_any is not None and newest != newest_any \
            and (_vkey(newest) or Version("0")) < (_vkey(newest_any) or Version("0")):
        reasons.append(
            f"silent downgrade: the latest {name} is {newest_any}, but the newest with a wheel "
            f"for the target is {newest}; a resolver that avoids builds on Alpine "
            f"(--only-binary, uv --no-build) picks {newest} without a word")
    return status, fixes, None


def _check_one(req: python_inputs.Requirement, source: str,
               project: ProjectFiles | PackageIndexError | None, musl: MuslTarget,
               target: DepsTarget, offline: bool = False) -> PackageResult:
    pinned = req.version is not None
    version = _norm_version(req.version) if req.version else None
    reasons: list[str] = []
    lock_rel: ReleaseFiles | None = None
    if version and req.files:
        lock_rel = classify(list(req.files), musl).get(version)

    if not isinstance(project, ProjectFiles):
        if isinstance(project, ProjectNotFound):
            return PackageResult("python", req.name, version, DepStatus.UNAVAILABLE,
                                 (str(project),), ("check the project name and the index "
                                                   "URL (--index-url)",), source=source,
                                 pinned=pinned)
        err = str(project) if project is not None else "not looked up"
        if lock_rel is not None and version is not None:
            reasons.append(f"index not checked ({err}): judged from the lockfile's files; "
                           f"newer versions unknown")
            status, fixes, mv = _judge(req.name, version, lock_rel, None, None, target,
                                       reasons)
            return PackageResult("python", req.name, version, status, tuple(reasons),
                                 tuple(fixes), mv, source, pinned)
        return PackageResult("python", req.name, version, DepStatus.UNKNOWN,
                             (f"could not check: {err}",), ("run again online (or without "
                                                            "--offline) to check it",),
                             source=source, pinned=pinned)

    pinned_view = classify(_usable(project.files, target.python, keep_yanked=True), musl)
    fresh_view = classify(_usable(project.files, target.python, keep_yanked=False), musl)
    newest = newest_installable(fresh_view)
    newest_any = latest(fresh_view)
    if project.stale and not offline:
        reasons.append(f"{req.name}: judged on a cached index page older than the cache's "
                       f"max age (may be out of date)")

    if version is None:  # a range: the newest matching release with files
        try:
            spec = SpecifierSet(req.specifier)
        except InvalidSpecifier:
            spec = SpecifierSet()
        candidates = [v for v in fresh_view if _vkey(v) is not None
                      and spec.contains(v, prereleases=None)]
        candidates.sort(key=lambda v: _vkey(v) or Version("0"))
        if not candidates:
            what = req.specifier or "any version"
            return PackageResult("python", req.name, None, DepStatus.UNAVAILABLE,
                                 (f"{req.name}: no release with files matches {what}",),
                                 (), source=source, pinned=False)
        version = candidates[-1]
        reasons.append(f"not pinned ({req.specifier or 'any version'}): checked {version}, the "
                       f"newest matching release -- an estimate; full resolution with pip/uv "
                       f"is a later step")
        rel = fresh_view.get(version)
    else:
        rel = pinned_view.get(version)
        if rel is None and lock_rel is not None:
            reasons.append(f"{req.name} {version}: the index lists no files for it; judged "
                           f"from the lockfile's files")
            rel = lock_rel
        elif rel is None and version not in {_norm_version(v) for v in project.versions}:
            reasons.append(f"{req.name} {version}: no such release on the index")
    status, fixes, mv = _judge(req.name, version, rel, newest, newest_any, target, reasons)
    return PackageResult("python", req.name, version, status, tuple(reasons), tuple(fixes),
                         mv, source, pinned)


# --------------------------------------------------------------------------- run


def run(opts: DepsOptions) -> DepsReport:
    """Check every Python dependency of ``opts.path`` for the musl target."""
    musl, target = musl_target(opts.python, opts.arch, opts.alpine)
    env = python_inputs.musl_environment(opts.python, opts.arch)
    parsed = _discover(Path(opts.path), env, opts.extras)

    jobs: list[tuple[python_inputs.ParsedInput, python_inputs.Requirement,
                     tuple[str, tuple[str, ...]]]] = []
    seen: set[tuple[str, str | None, str]] = set()
    for p in parsed:
        for r in p.requirements:
            key = (r.name, r.version, r.specifier)
            if key in seen:
                continue
            seen.add(key)
            jobs.append((p, r, _indexes(opts, p, r)))

    cache = ResponseCache(opts.cache_dir) if opts.cache_dir is not None else ResponseCache()
    found: dict[tuple[tuple[str, tuple[str, ...]], str], ProjectFiles | PackageIndexError] = {}
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for _p, r, idx in jobs:
        groups.setdefault(idx, []).append(r.name)
    for idx, names in groups.items():
        try:
            client = PyPIIndex(idx[0], idx[1], cache=cache, offline=opts.offline)
        except PackageIndexError as exc:
            raise InputError(str(exc)) from None
        for name, res in client.fetch_many(names).items():
            found[(idx, name)] = res

    results: list[PackageResult] = []
    for _p, r, idx in jobs:
        source = f"{r.source_file}:{r.line}" if r.line is not None else r.source_file
        results.append(_check_one(r, source, found.get((idx, r.name)), musl, target,
                                  opts.offline))
    for p in parsed:
        for u in p.uncheckable:
            where = f"{u.source_file}:{u.line}" if u.line is not None else u.source_file
            results.append(PackageResult(
                "python", u.text, None, DepStatus.UNCHECKED,
                (f"not an index release ({u.reason}): not checked",),
                ("check it by hand: build it on Alpine or scan the built wheel with "
                 "alpine-ready scan",), source=where, pinned=False))
    results.sort(key=lambda x: (x.name, _vkey(x.version or "") or Version("0")))
    inputs = tuple(DepsInput(p.path, p.kind, len(p.requirements), len(p.excluded), p.notes)
                   for p in parsed)
    return DepsReport(path=opts.path, target=target, inputs=inputs, packages=tuple(results),
                      fail_on=opts.fail_on, tool_version=__version__)
