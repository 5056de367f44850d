"""``alpine-ready deps``: will ``pip install`` / ``npm ci`` of these dependencies work on Alpine?

``run(DepsOptions) -> DepsReport``.  Node inputs (lockfiles, an installed
``node_modules``) are judged by :mod:`.node_check`; the Python ones as follows.
The Python inputs are discovered with the target's marker
environment (:func:`~.python_inputs.discover`); every project is looked up once on its
index (:meth:`~.index.PyPIIndex.pages_many`, concurrent, cached, ``offline`` honoured) and
its files classified for the musl target (:func:`~.tags.classify`):

- a pinned requirement (a lockfile entry or ``==``) is judged on the files of that
  version: ``musl-wheel``, ``pure``, ``source-build``, ``unavailable`` -- or ``upgrade``
  when it has no wheel for the target but a newer release does.  When the index lists no
  files for the version, the lockfile's own file list (uv, pylock) is used;
- unpinned requirements are resolved with uv, wheels only (:func:`_resolve_unpinned`):
  the glibc resolution gives the versions checked (and the transitive set), the musl one
  shows where Alpine would silently get older versions; without uv, or when uv cannot
  resolve, a range is judged on the newest release that matches it and has files (an
  estimate; the reasons say so);
- the silent-downgrade trap: when the newest release with a wheel for the target is older
  than the latest release, a binary-only resolver on Alpine would pick it without a word;
- an index that fails keeps the other results: that project is ``unknown`` (with the
  error; offline, the cache miss), unless the lockfile lists its files;
- URL, path, VCS and editable requirements are ``unchecked``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import operator
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .. import __version__, knowledge
from ..analysis.report import Verdict
from ..errors import InputError, KnowledgeError, PackageIndexError
from ..guard import ProjectBoundary, printable
from . import loader, python_inputs
from .cache import ProjectNotFound, ResponseCache, default_cache_root
from .index import PYPI_SIMPLE, DistFile, ProjectPages, PyPIIndex
from .loader import DocumentError, parse_json
from .report import DepsInput, DepsReport, DepsTarget, DepStatus, PackageResult
from .tags import FileKind, MuslTarget, ReleaseFiles, classify, latest, newest_installable

log = logging.getLogger(__name__)

NODE_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock")
NODE_NAMES = (*NODE_LOCKFILES, "package.json", "node_modules")
BUILD_FIX = ("install a compiler before pip install: apk add --no-cache build-base (plus the "
             "-dev packages of the C libraries it links, and Rust or gfortran if its build "
             "needs them); compiling is slow (minutes, sometimes much longer)")


@dataclass(frozen=True)
class DepsOptions:
    """What to check, for which target, and how to reach the index."""

    path: str
    python: str | None = None  # None: the installed environment's Python if any, else 3.12
    arch: str = "x86_64"
    alpine: str | None = None  # None: the default release's musl
    index_url: str | None = None  # overrides the inputs' --index-url (default PyPI)
    extra_index_urls: tuple[str, ...] = ()
    offline: bool = False
    cache_dir: Path | None = None  # None: ~/.cache/alpine-ready/index
    fail_on: DepStatus = DepStatus.UNAVAILABLE
    extras: tuple[str, ...] = ()
    npm_registry: str | None = None  # None: .npmrc's registry, else registry.npmjs.org
    resolve: bool = True  # resolve unpinned Python requirements with uv (when installed)
    include_dev: bool = True  # False: leave out dev dependencies (npm ci --omit=dev; Python
    # lockfiles' dev groups)
    progress: Callable[[int, int | None, str], None] | None = None  # done, total, message
    #: where the project's files (and what they include) may lead; None: the git work
    #: tree holding ``path``, else ``path``'s directory (the CLI's ``--project-root DIR``)
    project_root: Path | None = None

    def boundary(self) -> ProjectBoundary:
        """The project boundary of ``path`` (see :class:`~alpine_ready.guard.ProjectBoundary`)."""
        if self.project_root is not None:
            return ProjectBoundary(Path(os.path.realpath(self.project_root)))
        return loader.project_of(self.path)


# --------------------------------------------------------------------------- target


def musl_target(python: str, arch: str, alpine: str | None) -> tuple[MuslTarget, DepsTarget]:
    """The wheel-tag target and its description; unknown values are InputErrors."""
    python_inputs.musl_environment(python, arch)  # validates both
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


# --------------------------------------------------------------------------- inputs


def _node_inputs(path: Path, boundary: ProjectBoundary | None = None
                 ) -> tuple[list[Path], list[str]]:
    """The Node inputs of PATH (a lockfile, ``node_modules``, or a project dir) and notes.

    In a project directory the lockfile wins (the first of package-lock.json,
    npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock): it says what ``npm ci`` installs on
    Alpine; an installed ``node_modules`` is checked only when it is PATH itself or there
    is no lockfile (it was installed for the machine that ran the install).  A lockfile
    found in the directory must lie inside ``boundary`` (a symlink out is an error).
    """
    if path.is_file():
        return ([path] if path.name in NODE_LOCKFILES else []), []
    if path.name == "node_modules" and path.is_dir():
        return [path], []
    locks = [path / n for n in NODE_LOCKFILES if (path / n).is_file()]
    notes: list[str] = []
    if locks:
        (boundary or loader.project_of(path)).check(locks[0], printable(str(locks[0])))
        if len(locks) > 1:
            notes.append(f"using {locks[0].name}; not read: "
                         f"{', '.join(p.name for p in locks[1:])}")
        if (path / "node_modules").is_dir():
            notes.append("node_modules not checked (the lockfile decides what npm ci installs "
                         "on Alpine); pass PATH/node_modules to check the installed tree")
        return [locks[0]], notes
    if (path / "node_modules").is_dir():
        return [path / "node_modules"], notes
    if (path / "package.json").is_file():
        notes.append("package.json without a lockfile: dependencies not checked (run npm "
                     "install --package-lock-only, then check again)")
    return [], notes


_NOTHING_TO_READ = ("no Python dependency file found", "no [project] table")


def _discover(path: Path, env: dict[str, str], extras: Sequence[str], dev: bool = True,
              sites: Sequence[Path] | None = None, boundary: ProjectBoundary | None = None
              ) -> tuple[list[python_inputs.ParsedInput], list[Path], list[str], Evidence]:
    """(Python inputs, Node inputs, notes, evidence); an InputError when PATH has neither."""
    if not path.exists():
        raise InputError(f"{printable(str(path))}: no such file or directory")
    boundary = boundary or loader.project_of(path)
    node, notes = _node_inputs(path, boundary)
    if path.is_file() and path.name in NODE_NAMES:
        if not node:
            raise InputError(f"{printable(str(path))}: a package.json alone does not pin "
                             f"versions; check its lockfile (npm install --package-lock-only "
                             f"writes one)")
        return [], node, notes, {}
    if path.name == "node_modules":
        return [], node, notes, {}
    try:
        return (python_inputs.discover(path, env, extras=extras, dev=dev, boundary=boundary),
                node, notes, {})
    except InputError as exc:
        # only "nothing to read" falls through to the other inputs; a dependency file that
        # is there but broken (a merge conflict in uv.lock) is the user's error to see
        if not any(s in str(exc) for s in _NOTHING_TO_READ):
            raise
        installed = _installed_input(path, sites)
        if installed is not None:
            return [installed[0]], node, notes, installed[1]
        if node or notes:
            return [], node, notes, {}
        if path.is_dir() and "no Python dependency file found" in str(exc):
            raise InputError(
                f"{path}: no dependency file found (Python: requirements*.txt, "
                f"pyproject.toml, uv.lock, poetry.lock, pylock.toml, Pipfile.lock; Node: "
                f"package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock, "
                f"node_modules)") from None
        raise


#: dist-info path -> (reasons from the installed copy, True when it does not load on musl)
Evidence = dict[str, tuple[tuple[str, ...], bool]]


def _installed_input(path: Path, sites: Sequence[Path] | None = None
                     ) -> tuple[python_inputs.ParsedInput, Evidence] | None:
    """An installed environment under PATH (venv, ``--target`` dir, rootfs) as pinned input.

    Used when PATH has no dependency file: the distributions' versions are what is
    checked on the index, and their ELF files -- judged by the scan engine -- are the proof
    of what the installed copies would do on Alpine (the returned evidence).
    """
    from .installed import read_installed_python

    if not (_site_packages(path) if sites is None else sites):
        return None
    env = read_installed_python(path)
    reqs = []
    evidence: Evidence = {}
    for d in env.dists:
        if d.version is None:
            continue
        source = str(path / d.dist_info)
        evidence[source] = _evidence(d)  # by copy: one name can be installed twice
        reqs.append(python_inputs.Requirement.exact(d.name, d.version, source))
    notes = (f"installed environment: {len(env.dists)} distributions in "
             f"{', '.join(env.site_packages) or '.'}; versions checked on the index, ELF "
             f"files judged by the scan engine", *env.notes)
    return python_inputs.ParsedInput(str(path), "site-packages", tuple(reqs),
                                     notes=notes), evidence


def _elf_proof(count: int, worst: Verdict, where: str, path: str, reason: str | None
               ) -> tuple[str, bool]:
    """The line an installed copy's ELF files give, and whether the copy fails on musl.

    One wording for installed environments and images: a copy whose worst file needs
    gcompat or is incompatible does not load on a bare Alpine.
    """
    text = f"its {count} ELF file(s){where} on Alpine: worst {worst.value}"
    if worst is not Verdict.OK and reason:
        text += f" ({path}: {reason})"
    return text, worst.rank >= Verdict.NEEDS_GCOMPAT.rank


def _evidence(d: Any) -> tuple[tuple[str, ...], bool]:
    tags = ", ".join(sorted({t.rsplit("-", 1)[-1] for t in d.wheel_tags})) or "none"
    out = [f"installed here from a {d.libc_of_tags or 'non-wheel'} build (wheel tags: "
           f"{tags})"]
    judged = [f for f in d.elf_files if f.verdict is not None]
    if not judged:
        return tuple(out), False
    worst = d.worst
    bad = next((f for f in judged if f.verdict is worst), judged[0])
    line, broken = _elf_proof(len(judged), worst, "", bad.path, bad.reason)
    return (*out, line), broken


_TRANSPORTS = ("docker://", "oci:", "oci-archive:", "docker-archive:", "docker-daemon:")


def _is_image(target: str) -> bool:
    """An image reference (``docker://…``, ``oci:…``, or ``name:tag`` that is no path)."""
    if target.startswith(_TRANSPORTS):
        return True
    return not Path(target).exists() and ":" in target and "/" not in target.split(":")[0] \
        and re.fullmatch(r"[a-z0-9][a-z0-9._/-]*:[\w][\w.-]*", target) is not None


def _run_image(opts: DepsOptions) -> DepsReport:
    """``deps IMAGE``: installed Python distributions and Node addons of an image."""
    from .image_inputs import read_image

    got = read_image(opts.path, arch=opts.arch, alpine=opts.alpine)
    if got is None:  # pragma: no cover - _is_image said it was one
        raise InputError(f"{printable(opts.path)}: not an image reference")
    python = opts.python or got.python_version or "3.12"
    musl, target = musl_target(python, opts.arch, opts.alpine)
    evidence: Evidence = {}
    reqs = []
    for d in got.python_dists:
        name = canonicalize_name(d.name)
        source = f"{got.reference}:/{d.dist_info}"
        evidence[source] = _image_evidence(d)  # by copy: one name can be installed twice
        reqs.append(python_inputs.Requirement.exact(name, d.version, source))
    results: list[PackageResult] = []
    inputs: list[DepsInput] = []
    if reqs:
        cache = ResponseCache(opts.cache_dir) if opts.cache_dir is not None else ResponseCache()
        client = PyPIIndex(_slash(opts.index_url or PYPI_SIMPLE),
                           tuple(_slash(u) for u in opts.extra_index_urls), cache=cache,
                           offline=opts.offline)
        looked = lookup_views(client, [r.name for r in reqs], musl, target.python, cache)
        for r in reqs:
            row = _check_one(r, r.source_file, looked[r.name][1], musl, target, opts.offline)
            results.append(_with_evidence(row, evidence.get(r.source_file)))
        inputs.append(DepsInput(got.reference, "site-packages", len(reqs), 0, got.notes))
    results += got.node_rows
    if got.node_rows:
        inputs.append(DepsInput(got.reference, "node_modules", len(got.node_rows), 0,
                                () if reqs else got.notes))
    if not inputs:
        inputs.append(DepsInput(got.reference, "site-packages", 0, 0,
                                (*got.notes, "no installed Python distribution and no "
                                 "native Node package found in the image")))
    results.sort(key=lambda x: (x.ecosystem != "python", x.name))
    return DepsReport(path=opts.path, target=target, inputs=tuple(inputs),
                      packages=tuple(results), fail_on=opts.fail_on, tool_version=__version__)


def _image_evidence(d: Any) -> tuple[tuple[str, ...], bool]:
    judged = list(d.elf)
    if not judged:
        return (), False
    worst = max(judged, key=lambda b: b.verdict.rank)
    line, broken = _elf_proof(len(judged), worst.verdict, " in the image", worst.path,
                              worst.reasons[0] if worst.reasons else None)
    libcs = sorted({b.libc.value for b in judged})
    return (f"installed in the image ({', '.join(libcs)} build)", line), broken


def _with_roots(results: list[PackageResult], resolved: _Resolved) -> list[PackageResult]:
    """Problem dependencies say which listed requirement pulls them in (torch → nvidia-*)."""
    problems = [i for i, r in enumerate(results) if r.source.endswith("(via uv)")
                and r.status.rank >= DepStatus.SOURCE_BUILD.rank]
    if not problems:
        return results
    via = resolved.dependents()
    if not via:
        return results
    out = list(results)
    for i in problems:
        roots: set[str] = set()
        todo, seen = [out[i].name], set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for parent in via.get(name, ()):
                (roots.add(parent) if parent in resolved.listed else todo.append(parent))
        if roots:
            row = out[i]
            names = ", ".join(sorted(roots))
            fixes = tuple(f.replace(f"or replace {row.name}", f"or replace {names} (which "
                                                                f"needs it)")
                          for f in row.fixes)
            out[i] = dataclasses.replace(row, reasons=(f"pulled in by {names}", *row.reasons),
                                         fixes=fixes)
    return out


def _with_build_needs(results: list[PackageResult],
                      pages_of: dict[str, tuple[PyPIIndex, ProjectPages]],
                      cache: ResponseCache, offline: bool) -> list[PackageResult]:
    """Source builds get the ``apk add`` line their sdist's build files call for.

    Only the (few) source-build rows: their sdist is streamed once to read pyproject,
    setup and meson/CMake files (:mod:`.sdist`), the answer cached by the sdist's URL.
    Failures keep the generic advice.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .sdist import BuildNeeds, build_needs

    todo: list[tuple[int, PyPIIndex, DistFile]] = []
    for i, row in enumerate(results):
        if row.status not in (DepStatus.SOURCE_BUILD, DepStatus.UPGRADE) \
                or row.version is None or row.name not in pages_of:
            continue
        client, pages = pages_of[row.name]
        try:
            files = pages.parse().files_for(row.version)
        except PackageIndexError:
            continue
        sdist = next((f for f in files if not f.is_wheel), None)
        if sdist is not None:
            todo.append((i, client, sdist))
    if not todo:
        return results

    def one(job: tuple[int, PyPIIndex, DistFile]) -> BuildNeeds | None:
        _i, client, sdist = job
        try:
            return build_needs(sdist.url, sdist.filename, http=client.http, cache=cache,
                               offline=offline)
        except PackageIndexError as e:
            log.info("%s", e)
            return None

    out = list(results)
    with ThreadPoolExecutor(max_workers=min(8, len(todo))) as pool:
        for (i, _c, _s), needs in zip(todo, pool.map(one, todo), strict=True):
            if needs is None:
                continue
            row = out[i]
            fixes = [f for f in row.fixes if f != BUILD_FIX]
            fix = (f"in the build stage: {needs.apk_line} before pip install (apk del them "
                   f"after: apk add --virtual .build-deps …)")
            if row.status is DepStatus.UPGRADE:  # the upgrade first; building is the fallback
                out[i] = dataclasses.replace(row, reasons=(*row.reasons, needs.describe()),
                                             fixes=(*fixes, f"or keep {row.version} and build "
                                                            f"it: {fix}"))
                continue
            out[i] = dataclasses.replace(row, reasons=(*row.reasons, needs.describe()),
                                         fixes=(fix, *fixes))
    return out


def _site_packages(path: Path) -> list[Path]:
    """The installed environments under a directory (one walk per run, see :func:`run`)."""
    if not path.is_dir():
        return []
    from .installed import find_site_packages

    return find_site_packages(path)


def _installed_python(sites: Sequence[Path]) -> str | None:
    """X.Y of the newest ``pythonX.Y`` directory holding an installed environment."""
    found = {m[1] for sp in sites
             for m in [re.search(r"python(3\.\d+)", sp.as_posix())] if m}
    return max(found, key=lambda v: int(v.split(".")[1]), default=None)


def _with_evidence(row: PackageResult, proof: tuple[tuple[str, ...], bool] | None
                   ) -> PackageResult:
    """An installed distribution's row: the index's answer, overruled by a broken copy."""
    if proof is None:
        return row
    reasons, broken = proof
    if not broken:
        return dataclasses.replace(row, reasons=(*row.reasons, *reasons))
    fix = (f"reinstall it on Alpine (pip install --force-reinstall {row.name}=={row.version} "
           f"in the Alpine build stage): the index has a wheel for musl"
           if row.status in (DepStatus.MUSL_WHEEL, DepStatus.PURE) else
           "install it in the Alpine build stage instead of copying it in")
    return dataclasses.replace(row, status=DepStatus.GLIBC_ONLY,
                               reasons=(*reasons, *row.reasons), fixes=(fix, *row.fixes))


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


@functools.lru_cache(maxsize=1 << 16)
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
    version = f"{python}.0"
    return [f.filename for f in files
            if (keep_yanked or not f.yanked)
            and (not f.requires_python or _python_ok(f.requires_python, version))]


@functools.lru_cache(maxsize=4096)
def _python_ok(requires_python: str, version: str) -> bool:
    """Does CPython ``version`` satisfy ``Requires-Python``? (memoised: few distinct ones)."""
    try:
        return SpecifierSet(requires_python).contains(version, prereleases=True)
    except InvalidSpecifier:
        return True


def _describe(rel: ReleaseFiles, name: str, target: DepsTarget) -> str:
    where = f"CPython {target.python} on musllinux {target.arch}"
    if rel.kind is FileKind.MUSL_WHEEL:
        return f"{name} {rel.version}: wheel for {where}: {rel.musl_wheels[0]}"
    if rel.kind is FileKind.PURE:
        return f"{name} {rel.version}: pure-Python wheel: {rel.pure_wheels[0]}"
    other = f" (wheels only for other platforms: {rel.n_other})" if rel.n_other else ""
    if rel.kind is FileKind.SOURCE:
        return (f"{name} {rel.version}: no wheel for {where}{other}; pip builds "
                f"{rel.sdists[0]} from source")
    return f"{name} {rel.version}: no wheel for {where}{other} and no sdist: pip cannot " \
           f"install it on Alpine"


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


def _judge(name: str, version: str, rel: ReleaseFiles | None, newest: str | None,
           newest_any: str | None, target: DepsTarget,
           reasons: list[str], views: Views | None = None
           ) -> tuple[DepStatus, list[str], str | None]:
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
            first = _first_newer_with_wheel(views, here) if views is not None else None
            if first is not None and first != newest:
                fixes.append(f"upgrade to {name}=={first}, the first release after {version} "
                             f"with a wheel for the target (the newest with one is {newest})")
                return DepStatus.UPGRADE, fixes, first
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


VIEWS_ACCEPT = "application/x-alpine-ready-release-views+json; v=2"
_SAMPLE = 3  # file names kept per kind in a cached summary (the report names the first)


class Views:
    """A project's releases classified for one target, with and without yanked files.

    Built from parsed pages, or from a cached summary whose entries are decoded only
    when asked for (a lockfile needs one or two versions of each project).
    """

    def __init__(self, pinned: dict[str, Any], fresh: dict[str, Any], versions: Sequence[str],
                 stale: bool = False, newest: str | None = None, latest_any: str | None = None
                 ) -> None:
        self._pinned = pinned  # version -> ReleaseFiles or its JSON; yanked files count
        self._fresh = fresh  # yanked files left out (what a resolver considers)
        self.versions = tuple(versions)
        self.stale = stale
        self.newest = newest  # newest release with a wheel for the target
        self.latest = latest_any  # newest release of any kind

    @staticmethod
    def _get(table: dict[str, Any], version: str) -> ReleaseFiles | None:
        r = table.get(version)
        if r is None or isinstance(r, ReleaseFiles):
            return r
        rel = _rel_from_json(r)
        table[version] = rel
        return rel

    def pinned(self, version: str) -> ReleaseFiles | None:
        """The release as pip installs a pin (yanked files included)."""
        return self._get(self._pinned, version)

    def fresh(self, version: str) -> ReleaseFiles | None:
        """The release as a resolver sees it (yanked files left out)."""
        return self._get(self._fresh, version)

    def fresh_versions(self) -> list[str]:
        """Versions with files a resolver considers."""
        return list(self._fresh)


def _rel_to_json(r: ReleaseFiles) -> list[Any]:
    return [r.version, r.kind.value, list(r.musl_wheels[:_SAMPLE]),
            list(r.pure_wheels[:_SAMPLE]), list(r.sdists[:_SAMPLE]),
            list(r.other_wheels[:_SAMPLE]), r.n_other]


_KINDS = frozenset(k.value for k in FileKind)


def _is_rel_json(d: Any) -> bool:
    """The shape :func:`_rel_to_json` writes (checked before it is trusted)."""
    return isinstance(d, list) and len(d) == 7 and isinstance(d[0], str) and d[1] in _KINDS \
        and all(isinstance(x, list) and all(isinstance(n, str) for n in x) for x in d[2:6]) \
        and type(d[6]) is int


def _views_from_json(body: bytes, stale: bool) -> Views | None:
    """A cached summary, verified whole (a tampered entry is None, never a crash later)."""
    try:
        d = parse_json(body)
    except DocumentError:
        return None
    if not isinstance(d, dict):
        return None
    pinned, fresh, versions = d.get("pinned"), d.get("fresh"), d.get("versions")
    newest, latest_any = d.get("newest"), d.get("latest")
    if not (isinstance(pinned, dict) and isinstance(fresh, dict)
            and isinstance(versions, list) and all(isinstance(v, str) for v in versions)
            and all(v is None or isinstance(v, str) for v in (newest, latest_any))
            and all(_is_rel_json(r) for r in (*pinned.values(), *fresh.values()))):
        return None
    return Views(pinned, fresh, versions, stale, newest, latest_any)


def _rel_from_json(d: list[Any]) -> ReleaseFiles:
    return ReleaseFiles(d[0], FileKind(d[1]), tuple(d[2]), tuple(d[3]), tuple(d[4]),
                        tuple(d[5]), int(d[6]))


def views_for(pages: ProjectPages, musl: MuslTarget, python: str,
              cache: ResponseCache) -> Views:
    """The classified releases of ``pages``, from a summary cached by page identity.

    Parsing a big project's page (megabytes of JSON) and classifying a quarter of a
    million file names for a 300-package lockfile takes seconds; the summary of what
    they mean for one target takes milliseconds to read.  The summary's key is the
    pages' own (:attr:`ProjectPages.key`): a refetched page makes a new summary.
    """
    key = (f"alpine-ready:views:{pages.key}:cp{python}:{musl.arch}:"
           f"musl{musl.musl[0]}.{musl.musl[1]}")
    entry = cache.get(key, VIEWS_ACCEPT)
    if entry is not None:
        cached = _views_from_json(entry.body, pages.stale)
        if cached is not None:
            return cached
        log.info("%s: unreadable cached summary; recomputing", pages.name)
        cache.discard(key, VIEWS_ACCEPT)
    project = pages.parse()
    pinned = classify(_usable(project.files, python, keep_yanked=True), musl)
    fresh = classify(_usable(project.files, python, keep_yanked=False), musl)
    newest, newest_any = newest_installable(fresh), latest(fresh)
    body = {"pinned": {v: _rel_to_json(r) for v, r in pinned.items()},
            "fresh": {v: _rel_to_json(r) for v, r in fresh.items()},
            "versions": list(project.versions), "newest": newest, "latest": newest_any}
    cache.put(key, VIEWS_ACCEPT, json.dumps(body, separators=(",", ":")).encode())
    return Views(dict(pinned), dict(fresh), project.versions, project.stale, newest,
                 newest_any)


def lookup_views(client: PyPIIndex, names: Sequence[str], musl: MuslTarget, python: str,
                 cache: ResponseCache,
                 progress: Callable[[int, int, str], None] | None = None
                 ) -> dict[str, tuple[ProjectPages | None, Views | PackageIndexError]]:
    """Each name's index pages (None on failure) and their classification for the target.

    The one index lookup ``deps`` (lockfiles, images) and ``lint``'s pip checks share:
    pages fetched concurrently, each summarised by :func:`views_for`; an index or parse
    error is kept as the project's answer.
    """
    out: dict[str, tuple[ProjectPages | None, Views | PackageIndexError]] = {}
    for name, res in client.pages_many(names, progress).items():
        if isinstance(res, PackageIndexError):
            out[name] = (None, res)
            continue
        try:
            out[name] = (res, views_for(res, musl, python, cache))
        except PackageIndexError as e:
            out[name] = (res, e)
    return out


def _check_one(req: python_inputs.Requirement, source: str,
               project: Views | PackageIndexError | None, musl: MuslTarget,
               target: DepsTarget, offline: bool = False) -> PackageResult:
    pinned = req.version is not None
    version = _norm_version(req.version) if req.version else None
    reasons: list[str] = []
    lock_rel: ReleaseFiles | None = None
    if version and req.files:
        lock_rel = classify(list(req.files), musl).get(version)

    if not isinstance(project, Views):
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

    newest, newest_any = project.newest, project.latest
    if project.stale and not offline:
        reasons.append(f"{req.name}: judged on a cached index page older than the cache's "
                       f"max age (may be out of date)")

    if version is None:  # a range: the newest matching release with files
        try:
            spec = SpecifierSet(req.specifier)
        except InvalidSpecifier:
            spec = SpecifierSet()
        candidates = [v for v in project.fresh_versions() if _vkey(v) is not None
                      and spec.contains(v, prereleases=None)]
        candidates.sort(key=lambda v: _vkey(v) or Version("0"))
        if not candidates:
            what = req.specifier or "any version"
            return PackageResult("python", req.name, None, DepStatus.UNAVAILABLE,
                                 (f"{req.name}: no release with files matches {what}",),
                                 (), source=source, pinned=False)
        version = candidates[-1]
        reasons.append(f"not pinned ({req.specifier or 'any version'}): checked {version}, the "
                       f"newest matching release (an estimate: not resolved by uv)")
        rel = project.fresh(version)
    else:
        rel = project.pinned(version)
        if rel is None and lock_rel is not None:
            reasons.append(f"{req.name} {version}: the index lists no files for it; judged "
                           f"from the lockfile's files")
            rel = lock_rel
        elif rel is None and version not in {_norm_version(v) for v in project.versions}:
            reasons.append(f"{req.name} {version}: no such release on the index")
    status, fixes, mv = _judge(req.name, version, rel, newest, newest_any, target, reasons,
                               project)
    return PackageResult("python", req.name, version, status, tuple(reasons), tuple(fixes),
                         mv, source, pinned)


# --------------------------------------------------------------------------- run


def run(opts: DepsOptions) -> DepsReport:
    """Check every Python dependency of ``opts.path`` for the musl target."""
    if _is_image(opts.path):
        return _run_image(opts)
    sites: list[Path] | None = None  # walked at most once, when needed
    if opts.python is None:
        sites = _site_packages(Path(opts.path))
        opts = dataclasses.replace(opts, python=_installed_python(sites) or "3.12")
    assert opts.python is not None
    musl, target = musl_target(opts.python, opts.arch, opts.alpine)
    env = python_inputs.musl_environment(opts.python, opts.arch)
    parsed, node_paths, node_notes, evidence = _discover(Path(opts.path), env, opts.extras,
                                                         opts.include_dev, sites,
                                                         opts.boundary())

    jobs: list[tuple[python_inputs.ParsedInput, python_inputs.Requirement,
                     tuple[str, tuple[str, ...]]]] = []
    seen: set[tuple[str, str | None, str]] = set()
    resolved = _resolve_unpinned(opts, parsed) if opts.resolve else None
    if resolved is not None:
        parsed = resolved.parsed
    for p in parsed:
        for r in p.requirements:
            key = (r.name, r.version, r.specifier if p.kind != "site-packages"
                   else r.source_file)  # two installed copies are two rows
            if key in seen:
                continue
            seen.add(key)
            jobs.append((p, r, _indexes(opts, p, r)))

    cache = ResponseCache(opts.cache_dir) if opts.cache_dir is not None else ResponseCache()
    found: dict[tuple[tuple[str, tuple[str, ...]], str], Views | PackageIndexError] = {}
    pages_of: dict[str, tuple[PyPIIndex, ProjectPages]] = {}  # for source builds' sdists
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for _p, r, idx in jobs:
        groups.setdefault(idx, []).append(r.name)
    for idx, names in groups.items():
        try:
            client = PyPIIndex(idx[0], idx[1], cache=cache, offline=opts.offline)
        except PackageIndexError as exc:
            raise InputError(str(exc)) from None
        looked = lookup_views(client, names, musl, target.python, cache, opts.progress)
        for name, (pages, views) in looked.items():
            found[(idx, name)] = views
            if pages is not None:
                pages_of.setdefault(name, (client, pages))

    results: list[PackageResult] = []
    for _p, r, idx in jobs:
        source = f"{r.source_file}:{r.line}" if r.line is not None else r.source_file
        row = _check_one(r, source, found.get((idx, r.name)), musl, target, opts.offline)
        if _p.kind == "site-packages":
            row = _with_evidence(row, evidence.get(r.source_file))
        if resolved is not None and r.name in resolved.reasons:
            row = dataclasses.replace(row, reasons=(*resolved.reasons[r.name], *row.reasons))
        results.append(row)
    results = _with_build_needs(results, pages_of, cache, opts.offline)
    if resolved is not None:
        results = _with_roots(results, resolved)
    for p in parsed:
        for u in p.uncheckable:
            where = f"{u.source_file}:{u.line}" if u.line is not None else u.source_file
            results.append(PackageResult(
                "python", u.text, None, DepStatus.UNCHECKED,
                (f"not an index release ({u.reason}): not checked",),
                ("check it by hand: build it on Alpine or scan the built wheel with "
                 "alpine-ready scan",), source=where, pinned=False))
    inputs = [DepsInput(p.path, p.kind, len(p.requirements), len(p.excluded), p.notes)
              for p in parsed]
    if resolved is not None and resolved.notes and inputs:
        first = inputs[0]
        inputs[0] = dataclasses.replace(first, notes=(*first.notes, *resolved.notes))
    if node_paths or node_notes:
        node_results, node_inputs = _check_node(opts, node_paths, node_notes, target)
        results += node_results
        inputs += node_inputs
    _sort_rows(results)
    return DepsReport(path=opts.path, target=target, inputs=tuple(inputs),
                      packages=tuple(results),
                      fail_on=opts.fail_on, tool_version=__version__)


def _row_version(row: PackageResult) -> Version:
    return _vkey(row.version or "") or Version("0")


def _sort_rows(rows: list[PackageResult]) -> None:
    """Python first, then by name, then by version (as versions compare; unparsable: 0).

    Sorted by name alone, then each run of one name by version: a version is parsed only
    where a name repeats (300,000 rows of a lockfile are mostly one version each).
    """
    rows.sort(key=operator.attrgetter("name"))
    names = [r.name for r in rows]
    start = 0
    for i in range(1, len(names) + 1):
        if i == len(names) or names[i] != names[start]:
            if i - start > 1:
                rows[start:i] = sorted(rows[start:i], key=_row_version)
            start = i
    python = [r for r in rows if r.ecosystem == "python"]
    if python and len(python) != len(rows):
        rows[:] = python + [r for r in rows if r.ecosystem != "python"]


def _check_node(opts: DepsOptions, paths: Sequence[Path], notes: Sequence[str],
                target: DepsTarget) -> tuple[list[PackageResult], list[DepsInput]]:
    """Judge each Node input; notes with no input (package.json alone) become an input row."""
    from ..dockerfile.heap import paused_gc
    from .node_check import NodeTarget, check_node
    from .node_inputs import parse_node_input
    from .npm_registry import NpmRegistry, read_npmrc

    results: list[PackageResult] = []
    inputs: list[DepsInput] = []
    if not paths:
        inputs.append(DepsInput(opts.path, "package.json", 0, 0, tuple(notes)))
        return results, inputs
    root = Path(opts.path) if Path(opts.path).is_dir() else Path(opts.path).parent
    config = read_npmrc(root, registry=opts.npm_registry, boundary=opts.boundary())
    cache_root = (opts.cache_dir or default_cache_root()).parent / "npm" \
        if opts.cache_dir is None else opts.cache_dir / "npm"
    registry = NpmRegistry(config, cache=ResponseCache(cache_root, name="npm"),
                           offline=opts.offline)
    ntarget = NodeTarget(arch=opts.arch, musl=target.musl)
    for i, path in enumerate(paths):
        with paused_gc():  # up to 500,000 packages: acyclic, see dockerfile.heap
            inp = parse_node_input(path, named=path == Path(opts.path))
        native = None
        if inp.kind == "node_modules":
            native = _native_verdicts(path, inp, target)
        rows, extra = check_node(inp, ntarget, registry, native=native,
                                 include_dev=opts.include_dev)
        results += rows
        inputs.append(DepsInput(inp.path, inp.kind, len(rows), 0,
                                (*inp.notes, *extra, *(notes if i == 0 else ()))))
    return results, inputs


def _native_verdicts(path: Path, inp: Any, target: DepsTarget) -> dict[str, Any] | None:
    """The binary engine's verdicts on the ``.node`` files of an installed tree."""
    try:
        from .installed import judge_node_modules
    except ImportError:  # pragma: no cover - the module ships with the package
        return None
    from .node_check import NativeVerdict
    found = judge_node_modules(path, inp.packages, alpine=target.alpine)
    return {pkg: tuple(NativeVerdict(f.path, f.libc.value if f.libc else "unknown",
                                     f.verdict.value if f.verdict else "unknown",
                                     f.reason or "") for f in files)
            for pkg, files in found.items()}


@dataclass(frozen=True)
class _Resolved:
    parsed: list[python_inputs.ParsedInput]  # ranges replaced by resolved pins, + transitive
    reasons: dict[str, tuple[str, ...]]  # name -> reasons to put first
    notes: tuple[str, ...]
    # who pulls in what ({} until asked): only computed when a dependency is a problem
    dependents: Callable[[], dict[str, tuple[str, ...]]] = lambda: {}
    listed: frozenset[str] = frozenset()


_MAX_DROPS = 10
_NO_WHEEL = (re.compile(r"Wheels are required for `([A-Za-z0-9._-]+)`"),
             re.compile(r"all versions of ([A-Za-z0-9._-]+) have no usable wheels"),
             re.compile(r"all of:\s*([A-Za-z0-9._-]+)[<>=!~]=?\S*\s"),
             re.compile(r"([A-Za-z0-9._-]+)==\S+ has no wheels with a matching"),
             re.compile(r"(?:^|: |and |because )([A-Za-z0-9._-]+)(?:[<>=!~]=?[^ ]*)? has no "
                        r"(?:usable wheels|wheels with a matching platform tag)"))


def _no_wheel_package(error: str) -> str | None:
    """The package uv names as having no usable wheel, normalised (None: another error)."""
    for rx in _NO_WHEEL:
        m = rx.search(error)
        if m:
            return canonicalize_name(m[1])
    return None


def _parent_of(text: str, name: str) -> str | None:
    """The requirement uv says depends on ``name`` ("psycopg[c]==3.1.18 depends on …")."""
    for m in re.finditer(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?(?:\{[^}]*\})?[<>=!~]*[^\s,]* "
                         r"depends on ([A-Za-z0-9._-]+)", text):
        if canonicalize_name(m[2]) == name:
            return canonicalize_name(m[1])
    return None


def _dependency_version(text: str, name: str) -> str | None:
    """The exact version uv names for ``name`` ("psycopg-c{…}==3.1.18 has no usable…")."""
    for m in re.finditer(r"([A-Za-z0-9._-]+)(?:\{[^}]*\})?==([A-Za-z0-9.+!-]+)", text):
        if canonicalize_name(m[1]) == name:
            return m[2]
    return None


def _line_name(line: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9._-]+)", line)
    return canonicalize_name(m[1]) if m else ""


def _resolve_unpinned(opts: DepsOptions,
                      parsed: list[python_inputs.ParsedInput]) -> _Resolved | None:
    """Resolve requirements files and pyproject dependencies with uv (wheels only).

    Pinned or not: a requirements file names the direct dependencies, and what they pull
    in (psycopg[c] -> psycopg-c, sdist only) must be checked too.  Two resolutions, both
    ``--no-build`` so that no sdist's code runs here: glibc (the versions the project gets
    today, which are then judged for musl) and musl (what a build-free install on Alpine
    picks).  Where
    they differ the rows say so: that is the silent downgrade.  When the glibc one fails,
    the musl one is used; when both fail the per-package estimates stay and a note says
    why.  Without uv (``pip install alpine-ready[resolve]``) the estimates stay too.
    """
    from .resolve import compare, find_resolver, requirement_line, resolve

    listed = [r for p in parsed if p.kind in ("requirements", "pyproject")
              for r in p.requirements]
    if not listed:
        return None
    uv = find_resolver()
    if uv is None:
        return _Resolved(parsed, {}, ("dependencies of the listed requirements not checked "
                                      "and unpinned ones checked at their newest matching "
                                      "release: install uv (pip install "
                                      "'alpine-ready[resolve]') for a real resolution",))
    lines = [requirement_line(r) for p in parsed if p.kind in ("requirements", "pyproject")
             for r in p.requirements]
    index = opts.index_url or next((r.index_url for p in parsed for r in p.requirements
                                    if r.index_url), None)
    extra = [*opts.extra_index_urls, *(u for p in parsed if p.kind == "requirements"
                                       for u in p.index_urls)]
    common = {"python": opts.python, "arch": opts.arch, "index_url": index,
              "extra_index_urls": extra, "offline": opts.offline, "binary_only": True,
              "resolver": uv}
    cache = opts.cache_dir / "uv" if opts.cache_dir is not None else None
    notes: list[str] = []
    transitive: dict[str, tuple[str | None, str]] = {}  # no-wheel dependency -> (ver, parent)

    def run_uv(libc: str) -> Any:
        """Resolve; a package with no usable wheel is left out, the rest resolved again.

        The left-out package is judged on its own; at most ``_MAX_DROPS`` rounds.
        """
        todo = list(lines)
        dropped: list[str] = []
        while True:
            res = resolve(todo, libc=libc, cache_dir=cache, **common)  # type: ignore[arg-type]
            text = " ".join((res.error or "", *res.causes, *res.hints))
            name = None if res.ok else _no_wheel_package(text)
            if name is None or len(dropped) >= _MAX_DROPS:
                return res, dropped
            keep = [x for x in todo if _line_name(x) != name]
            if len(keep) == len(todo):
                # a dependency with no wheel (psycopg[c] -> psycopg-c): leave out what pulls
                # it in, and check the dependency on its own
                parent = _parent_of(text, name)
                keep = [x for x in todo if _line_name(x) != parent]
                if parent is None or len(keep) == len(todo):
                    return res, dropped
                version = _dependency_version(text, name)
                transitive.setdefault(name, (version, parent))
            dropped.append(name)
            todo = keep

    glibc, glibc_dropped = run_uv("gnu")
    musl, musl_dropped = run_uv("musl")
    if glibc_dropped:
        notes.append(f"no wheel of any version for glibc either, left out of the resolution: "
                     f"{', '.join(glibc_dropped)}")
    only_musl = [n for n in musl_dropped if n not in glibc_dropped]
    if only_musl:
        notes.append(f"a wheels-only install on Alpine cannot include: {', '.join(only_musl)} "
                     f"(no musl wheel in any usable release)")
    base = glibc if glibc.ok else musl if musl.ok else None
    if base is None:
        notes.append(f"uv could not resolve the requirements (glibc: {glibc.error}; "
                     f"musl: {musl.error}); only the listed ones are checked, unpinned ones "
                     f"at their newest matching release")
        return _Resolved(parsed, {}, tuple(notes))
    which = "glibc" if base is glibc else "musl"
    notes.append(f"requirements resolved with uv {uv.version} for {which} (wheels only, "
                 f"nothing built): {len(base.packages)} packages checked at the resolved "
                 f"versions, dependencies included")
    if not musl.ok:
        notes.append(f"a wheels-only install on Alpine fails: {musl.error}")
    reasons: dict[str, list[str]] = {}
    if glibc.ok and musl.ok:
        for d in compare(musl, glibc):
            if d.kind == "version":
                reasons.setdefault(d.name, []).append(
                    f"silent downgrade: resolving for musl (wheels only) picks {d.musl}, for "
                    f"glibc {d.glibc}")
            elif d.kind == "musl-only":
                reasons.setdefault(d.name, []).append(
                    f"only the musl resolution pulls it in ({d.musl})")
    pins = base.pins
    for name, (version, parent) in transitive.items():
        if name in pins:
            continue
        if version is not None:
            pins[name] = version
        reasons.setdefault(name, []).append(
            f"needed by {parent}, and no release of it has a wheel for this target: it is "
            f"compiled on every install ({parent}'s other dependencies are not resolved)")
    direct: set[str] = set()
    new_parsed = []
    for p in parsed:
        if p.kind not in ("requirements", "pyproject"):
            new_parsed.append(p)
            continue
        reqs = []
        for r in p.requirements:
            direct.add(r.name)
            if r.version is None and r.name in pins:
                reasons.setdefault(r.name, []).insert(
                    0, f"not pinned ({r.specifier or 'any version'}): uv resolves "
                       f"{pins[r.name]} for {which}")
                r = dataclasses.replace(r, version=pins[r.name])
            reqs.append(r)
        new_parsed.append(dataclasses.replace(p, requirements=tuple(reqs)))
    first = next((i for i, p in enumerate(new_parsed)
                  if p.kind in ("requirements", "pyproject")), None)
    if first is not None:
        src = new_parsed[first].path
        extra_reqs = tuple(
            python_inputs.Requirement.exact(name, ver, f"{src} (via uv)")
            for name, ver in sorted(pins.items()) if name not in direct)
        for name in (n for n in pins if n not in direct):
            reasons.setdefault(name, []).insert(0, f"a dependency of your requirements "
                                                   f"(uv resolves {pins[name]} for {which})")
        p0 = new_parsed[first]
        new_parsed[first] = dataclasses.replace(p0, requirements=(*p0.requirements,
                                                                  *extra_reqs))
    def who() -> dict[str, tuple[str, ...]]:
        from .resolve import dependents

        return dependents(lines, libc="gnu" if which == "glibc" else "musl",
                          cache_dir=cache, python=opts.python or "3.12", arch=opts.arch,
                          index_url=index, extra_index_urls=extra, offline=opts.offline,
                          resolver=uv)

    return _Resolved(new_parsed, {k: tuple(v) for k, v in reasons.items()}, tuple(notes),
                     who, frozenset(direct))
