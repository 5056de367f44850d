"""``alpine-ready scan``: predict, per ELF file, whether Alpine's musl loader loads it.

:func:`run` is the whole command as a library call: it takes
:class:`ScanOptions` and returns a :class:`~alpine_ready.analysis.report.ScanReport`;
the CLI only parses arguments and renders.

Every ELF file found is either judged or listed as an error saying why it was
not (unreadable, corrupt, beyond a limit: a symbol table larger than
``elf.reader.MAX_FILE_SYMBOLS``, the run's symbol budget, a tree deeper than
``inputs.tree.MAX_DEPTH``); such an error makes the report incomplete
(:attr:`~alpine_ready.analysis.report.ScanReport.incomplete`), never a pass.

TARGET may also be a package archive (a wheel, an sdist, an npm tarball, any tar or
zip that is not an image): its ELF files and metadata are unpacked into a private
temporary directory, laid out as installed (:mod:`alpine_ready.inputs.packages`),
scanned there and shown as ``ARCHIVE!/PATH-IN-ARCHIVE``; the directory is removed.

``--include`` / ``--exclude`` globs and ``--owned-by`` choose which ELF files are
judged (:class:`PathFilter`); the others are counted (``summary.filtered``).  Every
judged file of an image or a root filesystem gets its owner from the OS package
database (:mod:`alpine_ready.inputs.owners`): ``app`` or ``os:<package>``.
"""

from __future__ import annotations

import errno
import fnmatch
import logging
import multiprocessing
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from ..elf.osabi import foreign_os
from ..elf.reader import ET_DYN, ET_EXEC, ElfFile, SymbolTableTooLarge, read_elf, run_symbol_budget
from ..errors import ElfError, InputError, KnowledgeError
from ..inputs.image.filesystem import FsEntry
from ..inputs.image.model import ImageError
from ..inputs.image.reference import ImageReference
from ..inputs.image.source import AnalysedImage, ImageOptions, analyse, open_image
from ..inputs.owners import APP, Owners, image_owners, owner_label, rootfs_owners
from ..inputs.packages import ArchiveLimits, Unpacked, is_package_archive, unpack
from ..inputs.pydist import distribution_of, image_distributions
from ..inputs.target import classify
from ..inputs.tree import Candidate, WalkStats, single, walk
from ..knowledge.apkrepo import SonameProviders, index_offline, mirror_of_rootfs
from . import hosts
from .report import BinaryReport, FileError, ScanReport, SkippedFile, Summary, Verdict
from .system import TargetSystem, looks_like_rootfs
from .verdict import Subject, judge, using_package_source

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None, str], None]  # done, total (None while walking), message

_PARALLEL_MIN = 200  # below this many ELF files a process pool costs more than it saves
_CHUNK = 48


@dataclass(frozen=True)
class ScanOptions:
    """Everything ``scan`` can be asked."""

    target: Path | str  # a path, or an image reference (docker://…, oci:…, alpine:3.20)
    alpine: str | None = None  # a built-in profile release; None = newest
    against: Path | str | None = None  # a real Alpine root filesystem, or an Alpine image
    layout: str = "auto"  # auto | rootfs | app
    mount_at: str = "/app"  # where an application tree sits on the target
    library_path: str | None = None  # LD_LIBRARY_PATH on the target
    fail_on: Verdict = Verdict.INCOMPATIBLE
    jobs: int = 0  # 0 = one per CPU
    progress: Progress | None = None
    image: ImageOptions = field(default_factory=ImageOptions)
    # an incomplete report (files not analysed) is acceptable: the CLI exits 0, not 2
    allow_incomplete: bool = False
    mirror: str | None = None  # Alpine mirror of the package index (None: see apkrepo)
    offline: bool = False  # the package index from the cache only
    # a report that judged no ELF file at all is acceptable (a pass with a warning)
    allow_empty: bool = False
    include: tuple[str, ...] = ()  # globs: judge only the files that match one
    exclude: tuple[str, ...] = ()  # globs: never judge the files that match one (wins)
    owned_by: str = "all"  # app | os | all (images and root filesystems)
    archive_limits: ArchiveLimits = field(default_factory=ArchiveLimits)


OWNED_BY = ("app", "os", "all")


class PathFilter:
    """Which ELF files are judged: ``--include`` / ``--exclude`` globs and ``--owned-by``.

    A glob is matched (``fnmatch``, case-sensitive) against the path as the report
    shows it and against each of its parent directories, so ``usr/lib/gconv`` leaves
    out everything below it; a leading ``/`` is ignored on both sides.  ``*`` matches
    across ``/`` too, so ``**`` works and means the same.  A file is judged when it
    matches an include (or none was given) and no exclude: exclude wins.
    """

    def __init__(self, options: ScanOptions, owners: Owners | None) -> None:
        self.include = [p.strip("/") for p in options.include]
        self.exclude = [p.strip("/") for p in options.exclude]
        self.owned_by = options.owned_by
        self.owners = owners
        self.left_out = 0

    @property
    def active(self) -> bool:
        """Could any file be left out?"""
        return bool(self.include or self.exclude or self.owned_by != "all")

    def keep(self, owner_path: str, *shown: str) -> bool:
        """Judge this file?  (``shown``: the spellings the globs are matched against.)"""
        ok = self._keep(owner_path, shown)
        if not ok:
            self.left_out += 1
        return ok

    def _keep(self, owner_path: str, shown: tuple[str, ...]) -> bool:
        if self.owned_by != "all":
            is_app = owner_label(self.owners, owner_path) == APP
            if is_app != (self.owned_by == "app"):
                return False
        if not (self.include or self.exclude):
            return True
        spellings = [p for s in shown for p in _ancestry(s.strip("/"))]
        if self.exclude and any(fnmatch.fnmatchcase(p, g) for p in spellings for g in self.exclude):
            return False
        return not self.include or any(
            fnmatch.fnmatchcase(p, g) for p in spellings for g in self.include
        )


def _ancestry(path: str) -> list[str]:
    """The path and each of its parent directories."""
    out = [path]
    cut = path.rfind("/")
    while cut > 0:
        out.append(path[:cut])
        cut = path.rfind("/", 0, cut)
    return out


def image_reference(target: Path | str) -> ImageReference | None:
    """The image a TARGET names, or None when it is a path on this machine.

    :func:`~alpine_ready.inputs.target.classify` decides (a ``Path`` is a path).
    """
    if isinstance(target, Path):
        return None
    return classify(target).image


def build_system(options: ScanOptions) -> tuple[TargetSystem, str]:
    """The target system and how TARGET sits in it (``rootfs``, ``directory``, ``file``)."""
    base = base_system(options)
    target = Path(options.target)
    if target.is_dir():
        rootfs = options.layout == "rootfs" or (
            options.layout == "auto" and looks_like_rootfs(target)
        )
        if rootfs:
            return base.as_system(target), "rootfs"
        return base.with_app(target, options.mount_at), "directory"
    return base.with_app(target.parent, options.mount_at), "file"


def base_system(options: ScanOptions) -> TargetSystem:
    """What to predict against: a built-in profile, a real rootfs, or an Alpine image."""
    against = options.against
    try:
        if against is None:
            return TargetSystem.from_profile(options.alpine)
        named = classify(against) if isinstance(against, str) else None
        if named is not None and named.image is not None:
            image = _analysed(named.image, options)
            return TargetSystem.from_image(image, fallback=None)
        path = named.path if named is not None else Path(against)
        if not path.is_dir():
            raise InputError(
                f"{path}: --against must be an Alpine root filesystem directory or an image"
            )
        return TargetSystem.from_rootfs(path)
    except KnowledgeError as exc:
        raise InputError(str(exc)) from None


def _analysed(ref: ImageReference, options: ScanOptions) -> AnalysedImage:
    try:
        source = open_image(ref, options.image)
        return analyse(source, options.image.cache_dir, options.progress)
    except ImageError as exc:
        raise InputError(str(exc)) from None


def _validate(options: ScanOptions) -> None:
    t = Path(options.target)
    if not t.exists():
        raise InputError(f"{t}: no such file or directory")
    if not (t.is_dir() or t.is_file()):
        raise InputError(f"{t}: not a regular file or directory")
    if not options.mount_at.startswith("/"):
        raise InputError(f"--mount-at {options.mount_at}: must be an absolute path")
    if options.layout not in ("auto", "rootfs", "app"):
        raise InputError(f"--layout {options.layout}: one of auto, rootfs, app")
    if options.owned_by not in OWNED_BY:
        raise InputError(f"--owned-by {options.owned_by}: one of {', '.join(OWNED_BY)}")


# Worker state: set in the parent before the pool forks, inherited by workers.
_STATE: dict[str, object] = {}


def _analyse(cand: Candidate) -> BinaryReport | SkippedFile | FileError:
    system = _STATE["system"]
    assert isinstance(system, TargetSystem)
    prefix = str(_STATE["prefix"])
    env_path = _STATE.get("env_path")
    try:
        elf = read_elf(cand.host)
    except SymbolTableTooLarge as exc:
        return FileError(cand.relpath, f"not analysed: {exc}", "limit")
    except ElfError as exc:
        return FileError(cand.relpath, f"corrupt ELF: {exc}", "corrupt")
    except OSError as exc:
        return FileError(
            cand.relpath,
            exc.strerror or str(exc),
            "permission" if exc.errno in (errno.EACCES, errno.EPERM) else "unreadable",
        )
    ns_path = f"{prefix}/{cand.relpath}" if prefix != "/" else f"/{cand.relpath}"
    root = _STATE.get("root")
    dist = distribution_of(cand.host, root) if isinstance(root, Path) else None
    origin = None
    if isinstance(root, Path):
        origin = hosts.on_disk(cand.host, _real(root), prefix, elf)
    return judge_file(
        system,
        cand.relpath,
        ns_path,
        elf,
        dist or (origin.distribution if origin else None),
        env_path if isinstance(env_path, str) else None,
        origin=origin,
    )


@lru_cache(maxsize=8)
def _real(root: Path) -> Path:
    return root.resolve()


def judge_file(
    system: TargetSystem,
    relpath: str,
    ns_path: str,
    elf: ElfFile,
    dist: str | None,
    env_path: str | None,
    *,
    origin: hosts.Origin | None = None,
) -> BinaryReport | SkippedFile | FileError:
    """Skip what the loader never loads on this target; judge the rest.

    ``origin`` says what the file is (:mod:`.hosts`); without it, only the
    file's name and the directories of ``relpath`` are known.
    """
    if elf.elf_type not in (ET_EXEC, ET_DYN):
        what = {1: "relocatable object (.o)", 4: "core dump"}.get(
            elf.elf_type, f"ELF type {elf.elf_type}"
        )
        return SkippedFile(relpath, f"{what}: never loaded by the dynamic loader")
    if elf.machine != system.arch.machine or elf.elf_class != 64:
        return SkippedFile(
            relpath,
            f"built for {elf.machine_name} ({elf.elf_class}-bit); the target is {system.arch.name}",
        )
    foreign = foreign_os(elf)
    if foreign is not None:
        return SkippedFile(relpath, f"built for {foreign[0]} ({foreign[1]}): never loaded on Linux")
    system.add_object(ns_path, elf)
    if origin is None:
        origin = hosts.by_path(relpath, elf)
    try:
        report = judge(system, Subject(relpath, ns_path, elf, origin.host, dist), env_path=env_path)
        if origin.loaders and report.verdict is not Verdict.OK:
            return _as_loaded(system, report, origin, dist, env_path)
        return report
    except SymbolTableTooLarge as exc:  # its own exports, or a library's in its load tree
        return FileError(relpath, f"not analysed: it or a library in its load tree: {exc}", "limit")
    except ElfError as exc:  # a corrupt library in its load tree
        return FileError(relpath, f"corrupt ELF in its load tree: {exc}", "corrupt")


def _as_loaded(
    system: TargetSystem,
    report: BinaryReport,
    origin: hosts.Origin,
    dist: str | None,
    env_path: str | None,
) -> BinaryReport:
    """A wheel's vendored library that fails alone, judged inside its loaders' loads.

    Such a library may find its siblings by their hashed names only because the
    extension module loaded them first: when the load of an extension module
    that uses it succeeds, so does the library, inside that load.  When none
    does, the library's own report stands (its facts are those of loading it
    alone, as ``ld-musl --list`` would) and the extension's report says why.
    """
    for loader in origin.loaders:
        system.add_object(loader.path, loader.elf)
        host = hosts.decide(loader.relpath.rsplit("/", 1)[-1], loader.elf, python=True, node=False)
        subject = Subject(loader.relpath, loader.path, loader.elf, host, dist)
        by = judge(system, subject, env_path=env_path)
        if by.verdict is Verdict.OK and by.loads:
            head = (
                f"a library vendored in {origin.vendored_in}, loaded only by {by.path}, "
                "whose load succeeds: judged inside that load"
            )
            return replace(
                report,
                verdict=Verdict.OK,
                code="AR400",
                reasons=(head, *by.reasons),
                fixes=(),
                missing_libraries=(),
                unresolved_symbols=(),
                host_symbols=by.host_symbols,
                unsupported_relocations=(),
                loads=True,
                apk_packages=(),
                group="ok",
            )
    return report


def _analyse_chunk(chunk: list[Candidate]) -> list[BinaryReport | SkippedFile | FileError]:
    return [_analyse(c) for c in chunk]


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _chunks(items: list[Candidate], size: int) -> Iterable[list[Candidate]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def run(options: ScanOptions) -> ScanReport:
    """Scan ``options.target`` and return the report (raises InputError on bad input)."""
    with run_symbol_budget(), using_package_source(package_source_of(options)):
        return _run(options)  # files indexed from disk share one budget (workers too)


def _run(options: ScanOptions) -> ScanReport:
    if isinstance(options.target, str):  # an image, or a path (dir:PATH is PATH)
        named = classify(options.target)
        if named.image is not None:
            return _run_image(options, named.image)
        options = replace(options, target=named.location or options.target)
    _validate(options)
    target = Path(options.target)
    if target.is_file() and is_package_archive(target):
        return _run_archive(options, target)
    return _run_tree(options)


def _run_tree(options: ScanOptions, unpacked: Unpacked | None = None) -> ScanReport:
    system, target_kind = build_system(options)
    stats = WalkStats()
    progress = options.progress
    target = Path(options.target)
    owners = rootfs_owners(target) if target_kind == "rootfs" else None
    chosen = PathFilter(options, owners)
    if target_kind == "file":
        prefix = options.mount_at.rstrip("/") or "/"
        found: Iterable[Candidate] = single(target, stats)
    else:
        prefix = "/" if target_kind == "rootfs" else (options.mount_at.rstrip("/") or "/")
        found = walk(target, stats)
    if chosen.active:
        inner = unpacked.inner if unpacked is not None else None
        found = (
            c
            for c in found
            if chosen.keep(c.relpath, c.relpath, *((inner(c.relpath),) if inner else ()))
        )
    _STATE.update(
        system=system,
        prefix=prefix,
        env_path=options.library_path,
        root=target if target.is_dir() else target.parent,
    )
    jobs = options.jobs or (os.cpu_count() or 1)
    results: list[BinaryReport | SkippedFile | FileError] = []
    # The walk feeds the analysis as it goes: the first _PARALLEL_MIN files are
    # analysed here; past that, chunks go to a forked process pool while the
    # walk continues, so walking and analysing overlap.
    pool: ProcessPoolExecutor | None = None
    futures: list[Future[list[BinaryReport | SkippedFile | FileError]]] = []
    pending: list[Candidate] = []
    seen = 0
    try:
        for cand in found:
            seen += 1
            if pool is None and seen <= _PARALLEL_MIN:
                pending.append(cand)
                if seen == _PARALLEL_MIN and jobs > 1 and _can_fork():
                    pool = ProcessPoolExecutor(
                        max_workers=jobs, mp_context=multiprocessing.get_context("fork")
                    )
                    futures.extend(pool.submit(_analyse_chunk, c) for c in _chunks(pending, _CHUNK))
                    pending = []
                continue
            pending.append(cand)
            if pool is not None and len(pending) >= _CHUNK:
                futures.append(pool.submit(_analyse_chunk, pending))
                pending = []
            if progress and seen % 500 == 0:
                progress(0, None, f"found {seen} ELF files")
        if pool is not None:
            if pending:
                futures.append(pool.submit(_analyse_chunk, pending))
            for fut in futures:
                results.extend(fut.result())
                if progress:
                    progress(len(results), seen, "analysing")
        else:
            for i, cand in enumerate(pending, 1):
                results.append(_analyse(cand))
                if progress and (i % 50 == 0 or i == seen):
                    progress(i, seen, "analysing")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    _STATE.clear()
    if owners:
        results = [
            replace(r, owner=owner_label(owners, r.path)) if isinstance(r, BinaryReport) else r
            for r in results
        ]
    return _report(options, system, target_kind, stats, results, chosen.left_out)


def _run_archive(options: ScanOptions, archive: Path) -> ScanReport:
    """A package archive: its ELF files and metadata unpacked as installed, then scanned."""
    shown = str(options.target)
    work = Path(tempfile.mkdtemp(prefix="alpine-ready-archive-"))
    try:
        unpacked = unpack(archive, work, options.archive_limits)
        log.info("%s: %s, %d files, unpacked into %s", shown, unpacked.kind, unpacked.members, work)
        inner = replace(options, target=unpacked.root, layout="app")
        report = _run_tree(inner, unpacked)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def where(relpath: str) -> str:
        return f"{shown}!/{unpacked.inner(relpath)}"

    return replace(
        report,
        target=shown,
        target_kind=unpacked.kind,
        binaries=tuple(replace(b, path=where(b.path)) for b in report.binaries),
        skipped=tuple(replace(k, path=where(k.path)) for k in report.skipped),
        errors=tuple(replace(e, path=where(e.path)) for e in report.errors),
        summary=replace(report.summary, files_seen=unpacked.members),
    )


def _report(
    options: ScanOptions,
    system: TargetSystem,
    target_kind: str,
    stats: WalkStats,
    results: list[BinaryReport | SkippedFile | FileError],
    filtered: int = 0,
) -> ScanReport:
    binaries = tuple(r for r in results if isinstance(r, BinaryReport))
    skipped = tuple(r for r in results if isinstance(r, SkippedFile))
    # a root filesystem scanned by a user other than root has files only root may read
    excused = target_kind == "rootfs" and os.geteuid() != 0
    errors = [r for r in results if isinstance(r, FileError)]
    errors.extend(
        FileError(p, why, kind, excused and kind == "permission")
        for p, why, kind in (stats.unreadable or [])
    )
    verdicts = Counter(b.verdict.value for b in binaries)
    worst = max((b.verdict for b in binaries), key=lambda v: v.rank, default=None)
    summary = Summary(
        files_seen=stats.files_seen,
        elf_files=len(results),
        verdicts={v.value: verdicts.get(v.value, 0) for v in Verdict},
        libc=dict(sorted(Counter(b.libc.value for b in binaries).items())),
        skipped=len(skipped),
        errors=len(errors),
        worst=worst,
        filtered=filtered,
        owners=dict(sorted(Counter(b.owner.split(":", 1)[0] for b in binaries).items())),
    )
    warnings: list[str] = []
    if not system.description.get("exact", True):
        warnings.append(
            f"Alpine {system.description.get('alpine')}: musl "
            f"{system.description.get('musl')} symbol table is real; base-image "
            "libraries are those of Alpine 3.23"
        )
    if system.description.get("target_rootfs_has_musl") is False:
        warnings.append(
            f"{options.target} has no musl loader: predicting with the musl of "
            f"Alpine {system.description.get('alpine')}"
        )
    unknown = sorted({p for b in binaries for p in b.apk_packages if p.startswith("so:")})
    if unknown:
        warnings.append(
            f"no package index was read: the Alpine packages of {len(unknown)} libraries are "
            f"unknown ({', '.join(u[3:] for u in unknown[:5])}{', …' if len(unknown) > 5 else ''})"
            "; their fix is 'apk add so:NAME' (run online or pass --mirror to name them)"
        )
    if any(e.expected for e in errors):
        warnings.append(
            f"{sum(e.expected for e in errors)} files could not be read without "
            "root's permissions: scanned as far as this user may"
        )
    return ScanReport(
        target=str(options.target),
        target_kind=target_kind,
        against=dict(system.description),
        binaries=binaries,
        skipped=skipped,
        errors=tuple(errors),
        summary=summary,
        fail_on=options.fail_on,
        warnings=tuple(warnings),
        allow_empty=options.allow_empty,
        owned_by=options.owned_by,
    )


def judge_image(
    options: ScanOptions, ref: ImageReference, chosen: list[PathFilter] | None = None
) -> tuple[AnalysedImage, TargetSystem, WalkStats, list[BinaryReport | SkippedFile | FileError]]:
    """The image analysed and every ELF file of its final filesystem judged.

    Paths are as in the image, without the leading ``/``; each judged file carries its
    owner.  ``options``' filters choose the files (the filter used is appended to
    ``chosen`` when given, for its count).  ``deps IMAGE`` uses this too.
    """
    base = base_system(options)
    image = _analysed(ref, options)
    try:
        system = TargetSystem.from_image(image, fallback=base)
    except KnowledgeError as exc:
        raise InputError(str(exc)) from None
    dists = image_distributions(image)
    owners = image_owners(image)
    pick = PathFilter(options, owners)
    if chosen is not None:
        chosen.append(pick)
    results: list[BinaryReport | SkippedFile | FileError] = []
    stats = WalkStats()
    # A hard link is the file it links to, under its own path (``uv`` installs
    # a package as hard links to its cache: the site-packages copies are links).
    candidates = [
        (e.path, t)
        for e in image.fs.files()
        if (t := image.fs.resolve_entry(e.path)) is not None and t.kind == "file"
    ]
    stats.files_seen = len(candidates)
    elves = [(path, t) for path, t in candidates if t.elf is not None]
    if pick.active:
        elves = [(path, t) for path, t in elves if pick.keep(path, path)]
    results.extend(_unanalysed(image, candidates))
    read = {path: ElfFile.from_record(image.layers[t.layer].elves[t.elf or 0]) for path, t in elves}
    origins = hosts.ImageOrigins(
        dists, read, (p for p in image.fs.entries if p.endswith("/package.json"))
    )
    for i, (path, _) in enumerate(sorted(elves, key=lambda pt: pt[0]), 1):
        elf = read[path]
        judged = judge_file(
            system,
            path,
            "/" + path,
            elf,
            dists.get(path),
            options.library_path,
            origin=origins.origin(path, elf),
        )
        if isinstance(judged, BinaryReport) and owners:
            judged = replace(judged, owner=owner_label(owners, path))
        results.append(judged)
        if options.progress and (i % 50 == 0 or i == len(elves)):
            options.progress(i, len(elves), "analysing")
    return image, system, stats, results


def _unanalysed(image: AnalysedImage, candidates: list[tuple[str, FsEntry]]) -> list[FileError]:
    """The ELF files of the final filesystem that the layer analyses could not analyse.

    ``candidates``: (path, the regular file it is or hard-links to).
    """
    out = []
    for path, entry in candidates:
        if entry.elf is None:
            why = image.layers[entry.layer].unanalysed.get(entry.path)
            if why is not None:
                out.append(FileError(path, why[1], why[0]))
    return sorted(out, key=lambda e: e.path)


def _run_image(options: ScanOptions, ref: ImageReference) -> ScanReport:
    """``scan IMAGE``: the binary engine over the image's final filesystem."""
    chosen: list[PathFilter] = []
    image, system, stats, results = judge_image(options, ref, chosen)
    report = _report(options, system, "image", stats, results, chosen[0].left_out)
    warnings = [*report.warnings, *image.warnings]
    return replace(report, target=str(ref), warnings=tuple(warnings))


def package_source_of(options: ScanOptions) -> SonameProviders:
    """Where this run's package facts come from (:mod:`~alpine_ready.knowledge.apkrepo`).

    ``--mirror``, else the ``--against`` root filesystem's ``etc/apk/repositories``, else
    the default mirror; ``--offline`` (or ``$ALPINE_READY_OFFLINE`` when no ``--mirror``
    is given) reads only the cache.
    """
    mirror = options.mirror
    against = options.against
    if mirror is None and against is not None:
        try:
            where = against if isinstance(against, Path) else classify(against).location
        except InputError:
            where = None  # base_system says why
        if where is not None and Path(where).is_dir():
            mirror = mirror_of_rootfs(Path(where))
    cache = options.image.cache_dir
    return SonameProviders(
        mirror=mirror,
        offline=index_offline(options.offline, options.mirror),
        cache_root=cache / "apkindex" if cache is not None else None,
    )
