"""The installed environment as a ``deps`` input: what is really on disk, judged.

A lockfile says what *would* be installed; an installed tree says what *was*, and
its binaries can be judged by the same engine as ``alpine-ready scan``:

* :func:`find_site_packages` finds every ``site-packages`` / ``dist-packages``
  directory (and every ``pip install --target`` directory, i.e. one holding
  ``*.dist-info`` folders) in a project, a virtualenv or a whole root filesystem.
* :func:`read_installed_python` lists every installed distribution: its name,
  version, the wheel tags its ``WHEEL`` file records (and which libc they mean),
  and -- for each ELF file its ``RECORD`` lists -- the libc it was built against
  and the scan engine's verdict on the default Alpine profile (or ``alpine=``).
* :func:`judge_node_modules` does the same for the ``.node`` addons (and the ELF
  files of platform packages) of a ``node_modules`` tree already read by
  :func:`~alpine_ready.deps.sources.node_modules.scan_node_modules`.

One :class:`~alpine_ready.analysis.system.TargetSystem` is built per call, exactly as
``alpine-ready scan PATH`` builds it (PATH mounted at ``/app``, or used as the system
when it is a root filesystem), so every verdict here is the verdict ``scan PATH``
gives the same file.  Only files the metadata names are judged.

Hostile input: no symlink is followed (neither while walking nor in a RECORD path,
whose every directory component must be a real directory inside PATH); walks are
bounded in depth and entries; metadata reads are bounded in size; malformed
metadata becomes a note on its entry, never an exception.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import posixpath
import stat
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from packaging.tags import parse_tag
from packaging.utils import canonicalize_name

from alpine_ready.analysis import hosts
from alpine_ready.analysis.report import BinaryReport, Libc, SkippedFile, Verdict
from alpine_ready.analysis.scan import ScanOptions, build_system, judge_file
from alpine_ready.analysis.system import looks_like_rootfs
from alpine_ready.deps.loader import MAX_SMALL_FILE_BYTES as MAX_MANIFEST_BYTES
from alpine_ready.deps.node_loaders import ALPINE_X64, Selection, Target, select_addons
from alpine_ready.deps.node_model import NodePackage
from alpine_ready.elf.reader import read_elf
from alpine_ready.errors import InputError
from alpine_ready.inputs.tree import ELF_MAGIC

from ..errors import ElfError

log = logging.getLogger(__name__)

LibcOfTags = Literal["musl", "glibc", "any", "other"]

SITE_DIR_NAMES: frozenset[str] = frozenset({"site-packages", "dist-packages"})
MAX_WALK_DEPTH = 12  # home/u/.local/share/pipx/venvs/x/lib/python3.12/site-packages is 9
MAX_WALK_ENTRIES = 500_000  # directory entries seen by find_site_packages
MAX_DISTS_PER_SITE = 20_000
MAX_METADATA_BYTES = 256 * 1024  # only the header block of METADATA / PKG-INFO is needed
MAX_SMALL_FILE_BYTES = 64 * 1024  # WHEEL, INSTALLER
MAX_RECORD_BYTES = 8 << 20  # the same bound as inputs.pydist
MAX_RECORD_ENTRIES = 200_000
MAX_PACKAGE_JSON_BYTES = MAX_MANIFEST_BYTES  # the bound sources.node_modules reads with
MAX_PLATFORM_PACKAGE_ENTRIES = 5_000  # entries walked in one Node platform package

# Directories that never hold a Python environment (or are not ours to walk).
_SKIP_DIRS = frozenset(
    {
        "node_modules",
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
_ROOTFS_SKIP = frozenset({"proc", "sys", "dev"})  # top level of a root filesystem
# Files named so are never loaded as ELF objects: their 4 magic bytes are not read.
_NOT_ELF_SUFFIXES = frozenset({
    ".py", ".pyi", ".pyc", ".pyo", ".pth", ".pxd", ".pyx", ".pxi", ".h", ".hpp", ".c",
    ".cc", ".cpp", ".rs", ".txt", ".md", ".rst", ".json", ".toml", ".cfg", ".ini",
    ".yaml", ".yml", ".html", ".css", ".js", ".mjs", ".cjs", ".ts", ".map", ".csv",
    ".typed", ".png", ".jpg", ".gif", ".svg", ".ico", ".xml", ".pem",
})  # fmt: skip


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class NativeFile:
    """The scan engine's answer for one ELF file.

    ``libc`` and ``verdict`` are None when the file was not judged (built for another
    architecture, an object file, or corrupt): ``reason`` then says why.
    """

    path: str  # POSIX, relative to the root given (Python) or to the project (Node)
    kind: str | None  # python-extension | shared-library | node-addon | executable | ...
    libc: Libc | None
    verdict: Verdict | None
    reason: str | None  # the engine's first reason (or why the file was not judged)
    #: the libraries it needs that the target lacks (a needs-packages verdict)
    missing: tuple[str, ...] = ()

    @property
    def judged(self) -> bool:
        """Did the engine reach a verdict?"""
        return self.verdict is not None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "path": self.path,
            "kind": self.kind,
            "libc": self.libc.value if self.libc else None,
            "verdict": self.verdict.value if self.verdict else None,
            "reason": self.reason,
        }


def worst_verdict(files: Iterable[NativeFile]) -> Verdict | None:
    """The worst verdict among judged files (None when none was judged)."""
    return max(
        (f.verdict for f in files if f.verdict is not None), key=lambda v: v.rank, default=None
    )


@dataclass(frozen=True)
class InstalledDist:
    """One installed Python distribution (a ``*.dist-info`` or ``*.egg-info``)."""

    name: str  # PEP 503 normalised
    version: str | None
    dist_info: str  # the metadata directory, POSIX, relative to the root given
    site_packages: str  # the directory holding it, relative to the root ("." = the root)
    wheel_tags: tuple[str, ...]  # the WHEEL file's ``Tag:`` lines, as written
    libc_of_tags: LibcOfTags | None  # None: no (readable) WHEEL tags -- sdist or distro
    installer: str | None  # the INSTALLER file: pip, uv, ...
    elf_files: tuple[NativeFile, ...]  # the ELF files its RECORD lists (if scanned)
    notes: tuple[str, ...] = ()

    @property
    def worst(self) -> Verdict | None:
        """The worst verdict among its ELF files (None: no judged ELF file)."""
        return worst_verdict(self.elf_files)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "version": self.version,
            "dist_info": self.dist_info,
            "site_packages": self.site_packages,
            "wheel_tags": list(self.wheel_tags),
            "libc_of_tags": self.libc_of_tags,
            "installer": self.installer,
            "elf_files": [f.to_json() for f in self.elf_files],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class InstalledPython:
    """Every Python distribution installed under one directory tree."""

    root: str
    site_packages: tuple[str, ...]  # relative to root, "." when root is one itself
    dists: tuple[InstalledDist, ...]
    against: dict[str, Any] = field(default_factory=dict)  # the system; {} if not scanned
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "root": self.root,
            "site_packages": list(self.site_packages),
            "dists": [d.to_json() for d in self.dists],
            "against": dict(self.against),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- wheel tags


def _platform_libc(platform: str) -> LibcOfTags:
    if platform == "any":
        return "any"
    if platform.startswith("musllinux_"):
        return "musl"
    if platform.startswith("manylinux"):  # manylinux1_, manylinux2010_, 2014_, _2_17_
        return "glibc"
    return "other"  # linux_x86_64 (built locally: libc unknown), macosx_*, win_*


def classify_tags(tags: Iterable[str]) -> LibcOfTags | None:
    """Which libc a wheel's tags are for: ``musl``, ``glibc``, ``any`` or ``other``.

    ``musl`` when any tag is ``musllinux_*`` (pip on Alpine accepts the wheel: a wheel
    tagged for both libcs, typically one static binary, counts as musl); ``glibc``
    when the others are ``manylinux*``; ``any`` for pure wheels; ``other`` for local
    builds (``linux_x86_64``: the libc is unknown) and other systems.  None when there
    is no valid tag.
    """
    kinds: set[LibcOfTags] = set()
    for tag in tags:
        parts = tag.split("-")
        if len(parts) != 3 or not all(parts):
            continue
        kinds.update(_platform_libc(p) for p in parts[2].split(".") if p)
    order: tuple[LibcOfTags, ...] = ("musl", "glibc", "other", "any")
    for kind in order:
        if kind in kinds:
            return kind
    return None


# --------------------------------------------------------------------------- walking


def _scandir(path: Path) -> list[os.DirEntry[str]]:
    with os.scandir(path) as it:
        return sorted(it, key=lambda e: e.name)


def _find_site_packages(root: Path) -> tuple[list[Path], list[str]]:
    found: list[Path] = []
    notes: list[str] = []
    rootfs = looks_like_rootfs(root)
    queue: deque[tuple[Path, int]] = deque([(root, 0)])
    seen = too_deep = 0
    while queue:
        directory, depth = queue.popleft()
        try:
            children = _scandir(directory)
        except OSError as exc:
            log.debug("%s: not readable (%s)", directory, exc)
            continue
        seen += len(children)
        subdirs: list[Path] = []
        has_dist_info = is_package = False
        for entry in children:
            name = entry.name
            if name == "__init__.py":
                is_package = True
            try:
                if not entry.is_dir(follow_symlinks=False):
                    continue  # files, and symlinks (never followed)
            except OSError:
                continue
            if name.endswith(".dist-info"):
                has_dist_info = True
            elif not (
                name.endswith(".egg-info")
                or name in _SKIP_DIRS
                or (depth == 0 and rootfs and name in _ROOTFS_SKIP)
            ):
                subdirs.append(Path(entry.path))
        if is_package:
            continue  # a Python package never holds an environment (vendored dist-infos)
        if directory.name in SITE_DIR_NAMES or has_dist_info:
            found.append(directory)
        if directory.name in SITE_DIR_NAMES:
            continue  # it holds packages, not environments
        if seen > MAX_WALK_ENTRIES:
            notes.append(
                f"{root}: more than {MAX_WALK_ENTRIES} directory entries; "
                "site-packages directories past that were not looked for"
            )
            break
        if subdirs and depth >= MAX_WALK_DEPTH:
            too_deep += 1
            log.debug("%s: deeper than %d levels; not searched", directory, MAX_WALK_DEPTH)
            continue
        queue.extend((d, depth + 1) for d in subdirs)
    if too_deep:
        notes.append(
            f"{root}: {too_deep} directories deeper than {MAX_WALK_DEPTH} levels "
            "were not searched for site-packages"
        )
    for note in notes:
        log.info("%s", note)
    return sorted(found), notes


def find_site_packages(root: Path) -> list[Path]:
    """Every ``site-packages`` / ``dist-packages`` (or ``--target``) directory under ``root``.

    ``root`` itself counts when it is one (by name, or because it holds ``*.dist-info``
    directories).  Symlinks are never followed; ``node_modules``, ``.git`` and Python
    packages are not entered; the walk stops at :data:`MAX_WALK_DEPTH` levels and
    :data:`MAX_WALK_ENTRIES` entries (logged).  Sorted by path.
    """
    return _find_site_packages(root)[0]


class _Tree:
    """Paths inside one root, checked without following any symlink."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dirs: dict[str, bool] = {"": True}

    def real_dir(self, rel: str) -> bool:
        """Is ``rel`` ("" = the root) a directory reached through real directories only?"""
        ok = self._dirs.get(rel)
        if ok is not None:
            return ok
        current = ""
        for part in rel.split("/"):
            current = f"{current}/{part}" if current else part
            ok = self._dirs.get(current)
            if ok is None:
                try:
                    ok = stat.S_ISDIR(os.lstat(self.root / current).st_mode)
                except OSError:
                    ok = False
                self._dirs[current] = ok
            if not ok:
                return False
        return True

    def regular_file(self, rel: str) -> Path | None:
        """The host path of ``rel`` if every component is real and it is a regular file."""
        if not self.real_dir(rel.rpartition("/")[0]):
            return None
        host = self.root / rel
        try:
            return host if stat.S_ISREG(os.lstat(host).st_mode) else None
        except OSError:
            return None


def _inside(rel: str) -> str | None:
    """``rel`` normalised, or None when it is empty or leaves the root."""
    norm = posixpath.normpath(rel)
    if norm in (".", "") or norm.startswith("/") or norm == ".." or norm.startswith("../"):
        return None
    return norm


def _is_elf(host: Path) -> bool:
    try:
        fd = os.open(host, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return os.read(fd, 4) == ELF_MAGIC
    except OSError:
        return False
    finally:
        os.close(fd)


def _maybe_elf(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return dot <= 0 or name[dot:] not in _NOT_ELF_SUFFIXES


# --------------------------------------------------------------------------- judging


class _Judge:
    """One target system for one tree, built as ``scan PATH`` builds it; each file judged once."""

    def __init__(self, root: Path, alpine: str | None) -> None:
        self.root = root
        self.tree = _Tree(root)
        options = ScanOptions(target=root, alpine=alpine)
        self.system, kind = build_system(options)  # InputError: unknown release
        self._prefix = "/" if kind == "rootfs" else options.mount_at.rstrip("/")
        self._done: dict[str, NativeFile | None] = {}
        self._real = root.resolve()

    @property
    def against(self) -> dict[str, Any]:
        """The description of the target system."""
        return dict(self.system.description)

    def judge(self, rel: str, owner: str | None) -> NativeFile | None:
        """The verdict on ``rel`` (relative to the root); None when it is not an ELF file."""
        if rel in self._done:
            return self._done[rel]
        host = self.tree.regular_file(rel)
        result = None
        if host is not None and _is_elf(host):
            result = self._judge_elf(rel, host, owner)
        self._done[rel] = result
        return result

    def _judge_elf(self, rel: str, host: Path, owner: str | None) -> NativeFile:
        try:
            elf = read_elf(host)
        except ElfError as exc:
            return NativeFile(rel, None, None, None, f"corrupt ELF: {exc}")
        except OSError as exc:
            return NativeFile(rel, None, None, None, exc.strerror or str(exc))
        ns_path = f"{self._prefix}/{rel}" if self._prefix != "/" else f"/{rel}"
        origin = hosts.on_disk(host, self._real, self._prefix or "/", elf)
        out = judge_file(self.system, rel, ns_path, elf, owner, None, origin=origin)
        if isinstance(out, BinaryReport):
            return NativeFile(
                rel,
                out.kind,
                out.libc,
                out.verdict,
                out.reasons[0] if out.reasons else None,
                out.missing_libraries,
            )
        if isinstance(out, SkippedFile):
            return NativeFile(rel, None, None, None, out.reason)
        return NativeFile(rel, None, None, None, out.error)


# --------------------------------------------------------------------------- Python


def _read_regular(
    path: Path, n: int, refuse_over: int | None = None
) -> tuple[bytes | None, str | None]:
    """(up to ``n`` bytes, None) or (None, why not), never through a symlink.

    Only a regular file is read; one whose size is past ``refuse_over`` is not opened.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None, "missing"
    except OSError as exc:
        return None, exc.strerror or str(exc)
    if not stat.S_ISREG(st.st_mode):
        return None, "not a regular file"
    if refuse_over is not None and st.st_size > refuse_over:
        return None, f"larger than {refuse_over} bytes"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            return fh.read(n), None
    except OSError as exc:
        return None, exc.strerror or str(exc)


def _read_bounded(path: Path, limit: int) -> tuple[str | None, str | None]:
    """(text, None) or (None, why not): never follows a symlink, never reads past limit."""
    data, why = _read_regular(path, limit + 1, refuse_over=limit)
    if data is None:
        return None, why
    if len(data) > limit:
        return None, f"larger than {limit} bytes"
    if b"\0" in data:
        return None, "binary content"
    return data.decode("utf-8", "replace"), None


def _read_head(path: Path, limit: int) -> tuple[str | None, str | None]:
    """The first ``limit`` bytes of a (possibly longer) regular file."""
    data, why = _read_regular(path, limit)
    return (None, why) if data is None else (data.decode("utf-8", "replace"), None)


def _headers(text: str) -> dict[str, str]:
    """The first value of each header of an RFC 822 style header block (METADATA)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        if line[0] in " \t":
            continue
        key, sep, value = line.partition(":")
        if sep:
            out.setdefault(key.strip().lower(), value.strip())
    return out


def _wheel_tags(text: str) -> tuple[list[str], list[str]]:
    """(valid ``Tag:`` values, notes on invalid ones)."""
    tags: list[str] = []
    bad = 0
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() != "tag":
            continue
        value = value.strip()
        try:
            if len(value.split("-")) != 3 or not parse_tag(value):
                raise ValueError(value)
        except ValueError:
            bad += 1
            continue
        tags.append(value)
    notes = [f"WHEEL: {bad} malformed Tag line(s) ignored"] if bad else []
    return tags, notes


def _first_line(text: str | None) -> str | None:
    lines = text.split() if text else []
    return lines[0][:100] if lines else None


def _record_paths(text: str) -> tuple[list[str], str | None]:
    paths: list[str] = []
    try:
        for row in csv.reader(io.StringIO(text.replace("\0", ""))):
            if row and row[0]:
                paths.append(row[0])
                if len(paths) >= MAX_RECORD_ENTRIES:
                    return paths, f"RECORD: more than {MAX_RECORD_ENTRIES} entries; rest ignored"
    except csv.Error as exc:
        return paths, f"RECORD: malformed ({exc}); {len(paths)} entries read"
    return paths, None


def _name_version_from_dir(stem: str, egg: bool) -> tuple[str, str | None]:
    if egg:  # foo-1.0-py3.11 / foo
        parts = stem.split("-")
        return parts[0], parts[1] if len(parts) > 1 and parts[1] else None
    name, sep, version = stem.rpartition("-")
    return (name, version or None) if sep and name else (stem, None)


@dataclass(frozen=True)
class _Site:
    """One site directory: where it is and what sits directly in it."""

    host: Path
    rel: str  # relative to the root, "." for the root itself
    infos: tuple[os.DirEntry[str], ...]  # *.dist-info / *.egg-info, no symlinks
    dirs: frozenset[str]  # real directories directly in it
    files: tuple[str, ...]  # regular files directly in it

    def join(self, name: str) -> str:
        """``name`` (relative to the site) relative to the root."""
        return name if self.rel == "." else f"{self.rel}/{name}"


def _read_site(site: Path, root: Path) -> tuple[_Site, list[str]]:
    rel = site.relative_to(root).as_posix() if site != root else "."
    notes: list[str] = []
    try:
        entries = _scandir(site)
    except OSError as exc:
        return _Site(site, rel, (), frozenset(), ()), [
            f"{site}: not readable ({exc.strerror or exc})"
        ]
    infos: list[os.DirEntry[str]] = []
    dirs: set[str] = set()
    files: list[str] = []
    for entry in entries:
        try:
            if entry.is_symlink():
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if entry.name.endswith((".dist-info", ".egg-info")):
            if len(infos) < MAX_DISTS_PER_SITE:
                infos.append(entry)
            elif len(infos) == MAX_DISTS_PER_SITE:
                notes.append(f"{site}: more than {MAX_DISTS_PER_SITE} distributions; rest ignored")
        elif is_dir:
            dirs.add(entry.name)
        elif entry.is_file(follow_symlinks=False):
            files.append(entry.name)
    return _Site(site, rel, tuple(infos), frozenset(dirs), tuple(files)), notes


def _walk_files(base: Path, rel_dir: str, limit: int, skip: frozenset[str]) -> list[str]:
    """Regular files below ``base/rel_dir`` (relative to ``base``), no symlink followed."""
    out: list[str] = []
    stack = [rel_dir]
    seen = 0
    while stack and seen < limit:
        current = stack.pop()
        try:
            entries = _scandir(base / current)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            rel = f"{current}/{entry.name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in skip:
                        stack.append(rel)
                elif entry.is_file(follow_symlinks=False):
                    out.append(rel)
            except OSError:
                continue
    return out


def _top_level_files(site: _Site, info: Path) -> list[str] | None:
    """Files of the modules ``top_level.txt`` names (relative to the site), or None."""
    text, _ = _read_bounded(info / "top_level.txt", MAX_SMALL_FILE_BYTES)
    if text is None:
        return None
    out: list[str] = []
    for line in text.splitlines():
        name = line.strip()
        if not name or "/" in name or name.startswith("."):
            continue
        if name in site.dirs:
            out.extend(_walk_files(site.host, name, MAX_RECORD_ENTRIES, _SKIP_DIRS))
        out.extend(f for f in site.files if f.startswith(f"{name}."))
    return out


def _listed_files(site: _Site, entry: os.DirEntry[str], egg: bool, notes: list[str]) -> list[str]:
    """What the distribution installed, relative to the site (RECORD, or the fallbacks)."""
    info = Path(entry.path)
    if not egg:
        record, why = _read_bounded(info / "RECORD", MAX_RECORD_BYTES)
        if record is not None:
            files, note = _record_paths(record)
            if note:
                notes.append(note)
            return files
        listing = f"RECORD: {why}"
    else:
        text, why = _read_bounded(info / "installed-files.txt", MAX_RECORD_BYTES)
        if text is not None:  # relative to the egg-info directory
            return [f"{entry.name}/{line.strip()}" for line in text.splitlines() if line.strip()][
                :MAX_RECORD_ENTRIES
            ]
        listing = "no installed-files.txt" if why == "missing" else f"installed-files.txt: {why}"
    top = _top_level_files(site, info)
    if top is None:
        notes.append(f"{listing}: its files are unknown")
        return []
    notes.append(f"{listing}: its files are those of the modules top_level.txt names")
    return top


def _read_dist(
    root: Path, site: _Site, entry: os.DirEntry[str], judge: _Judge | None, rootfs: bool
) -> InstalledDist:
    info = Path(entry.path)
    egg = entry.name.endswith(".egg-info")
    notes: list[str] = []
    try:
        is_dir = entry.is_dir(follow_symlinks=False)
    except OSError:
        is_dir = False
    stem = entry.name.removesuffix(".dist-info").removesuffix(".egg-info")
    dir_name, dir_version = _name_version_from_dir(stem, egg)

    # METADATA (PKG-INFO for egg-info; an egg-info *file* is PKG-INFO itself)
    meta_file = info if (egg and not is_dir) else info / ("PKG-INFO" if egg else "METADATA")
    head, why = _read_head(meta_file, MAX_METADATA_BYTES)
    meta = _headers(head) if head is not None else {}
    if head is None:
        notes.append(f"{meta_file.name}: {why}; name and version from the directory name")
    elif not meta.get("name"):
        notes.append(f"{meta_file.name}: no Name header; name from the directory name")
    name = canonicalize_name(meta.get("name") or dir_name)
    version = meta.get("version") or dir_version

    tags: list[str] = []
    installer: str | None = None
    if is_dir and not egg:
        wheel, why = _read_bounded(info / "WHEEL", MAX_SMALL_FILE_BYTES)
        if wheel is not None:
            tags, tag_notes = _wheel_tags(wheel)
            notes.extend(tag_notes)
            if not tags:
                notes.append("WHEEL: no valid Tag line")
        elif why != "missing":
            notes.append(f"WHEEL: {why}")
        installer = _first_line(_read_bounded(info / "INSTALLER", MAX_SMALL_FILE_BYTES)[0])
    elif not is_dir:
        notes.append("egg-info file (PKG-INFO only): its files are unknown")

    elf_files: list[NativeFile] = []
    if is_dir and judge is not None:
        files = _listed_files(site, entry, egg, notes)
        elf_files, outside, present, missing = _judge_listed(judge, site, files, name, rootfs)
        if outside:
            notes.append(f"{outside} listed file(s) outside {root}; not checked")
        if missing and not present:
            notes.append(
                f"none of the {missing} listed file(s) that could be binaries is on "
                "disk (metadata moved, or files deleted)"
            )
    return InstalledDist(
        name=name,
        version=version,
        dist_info=site.join(entry.name),
        site_packages=site.rel,
        wheel_tags=tuple(tags),
        libc_of_tags=classify_tags(tags),
        installer=installer,
        elf_files=tuple(sorted(elf_files, key=lambda f: f.path)),
        notes=tuple(notes),
    )


def _judge_listed(
    judge: _Judge, site: _Site, files: list[str], owner: str, rootfs: bool
) -> tuple[list[NativeFile], int, int, int]:
    """(verdicts, entries outside the root, candidates on disk, candidates missing)."""
    out: list[NativeFile] = []
    outside = present = missing = 0
    seen: set[str] = set()
    for raw in files:
        if raw.startswith("/"):  # absolute: meaningful only inside a root filesystem
            rel = _inside(raw.lstrip("/")) if rootfs else None
        else:
            rel = _inside(site.join(raw))
        if rel is None:
            outside += 1
            continue
        if rel in seen or not _maybe_elf(rel) or ".dist-info/" in rel:
            continue
        seen.add(rel)
        if judge.tree.regular_file(rel) is None:
            missing += 1
            continue
        present += 1
        result = judge.judge(rel, owner)
        if result is not None:
            out.append(result)
    return out, outside, present, missing


def read_installed_python(
    root: Path, *, scan_elf: bool = True, alpine: str | None = None
) -> InstalledPython:
    """Every Python distribution installed under ``root``, its wheel tags and ELF verdicts.

    ``root`` is a project directory, a virtualenv, a ``pip install --target``
    directory or a root filesystem.  Each ELF file a RECORD lists is judged by the
    scan engine against the newest built-in Alpine profile (or ``alpine``), in one
    target system built as ``alpine-ready scan root`` builds it; ``scan_elf=False``
    skips that (metadata only).  Raises :class:`InputError` when ``root`` is not a
    directory or ``alpine`` is not a known release; malformed metadata is a note.
    """
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    sites, notes = _find_site_packages(root)
    judge = _Judge(root, alpine) if scan_elf else None
    rootfs = looks_like_rootfs(root)
    dists: list[InstalledDist] = []
    read: list[_Site] = []
    for host in sites:
        site, site_notes = _read_site(host, root)
        notes.extend(site_notes)
        read.append(site)
        dists.extend(_read_dist(root, site, entry, judge, rootfs) for entry in site.infos)
    return InstalledPython(
        root=str(root),
        site_packages=tuple(s.rel for s in read),
        dists=tuple(dists),
        against=judge.against if judge else {},
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- Node


def _manifest(base: Path, pkg: NodePackage) -> dict[str, Any]:
    """The package's ``package.json`` (bounded, no symlink); {} when unreadable."""
    rel = _inside(f"{pkg.path_in_lock}/package.json")
    if rel is None:
        return {}
    host = _Tree(base).regular_file(rel)
    if host is None:
        return {}
    text, _why = _read_bounded(host, MAX_PACKAGE_JSON_BYTES)
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def select_node_modules(
    root: Path, packages: Sequence[NodePackage], target: Target = ALPINE_X64
) -> dict[str, Selection]:
    """Which ``.node`` file(s) each package's own loader would load on ``target``.

    ``{package path_in_lock: selection}`` for packages that ship ``.node`` files or are
    platform packages; see :mod:`.node_loaders` for the rules.
    """
    base = root.parent if root.name == "node_modules" else root
    out: dict[str, Selection] = {}
    for pkg in packages:
        if not pkg.native_files and not (pkg.os or pkg.cpu or pkg.libc):
            continue
        files = [r for r in (_inside(f) for f in pkg.native_files) if r is not None]
        out[pkg.path_in_lock] = select_addons(pkg.path_in_lock, _manifest(base, pkg), files, target)
    return out


def judge_node_modules(
    root: Path, packages: Sequence[NodePackage], *, alpine: str | None = None
) -> dict[str, tuple[NativeFile, ...]]:
    """The scan engine's verdict on the native files Node on Alpine would load.

    ``root`` is what was given to
    :func:`~alpine_ready.deps.sources.node_modules.scan_node_modules` (the project or its
    ``node_modules``) and ``packages`` what it returned.  Judged: the ``.node`` file(s)
    each package's own loader picks on Alpine x86_64 (:func:`select_node_modules`:
    node-gyp-build's tags, node-pre-gyp's ``module_path``, ...) -- prebuilds for other
    systems, CPUs, libcs and Node ABIs are not judged -- and every other ELF file of a
    Linux x86_64 platform package (sharp's libvips).  One target system for the whole
    tree, as ``alpine-ready scan`` builds it for the project.  Returns
    ``{package path_in_lock: files}`` for packages with at least one judged ELF file;
    paths are relative to the project, like ``NodePackage.native_files``.
    """
    base = root.parent if root.name == "node_modules" else root
    if not base.is_dir():
        raise InputError(f"{base}: not a directory")
    judge = _Judge(base, alpine)
    selections = select_node_modules(base, packages)
    out: dict[str, tuple[NativeFile, ...]] = {}
    for pkg in packages:
        sel = selections.get(pkg.path_in_lock)
        if sel is None:
            continue
        candidates = list(sel.selected)
        pkg_rel = _inside(pkg.path_in_lock)
        if (
            sel.loader == "platform-package"
            and sel.platform_match
            and pkg_rel is not None
            and judge.tree.real_dir(pkg_rel)
        ):
            unpicked = set(sel.not_selected)
            candidates.extend(
                f
                for f in _walk_files(
                    base, pkg_rel, MAX_PLATFORM_PACKAGE_ENTRIES, frozenset({"node_modules"})
                )
                if _maybe_elf(f) and f not in unpicked and not f.endswith(".node")
            )
        if sel.not_selected:
            log.debug(
                "%s: %s loads %s; not selected: %s",
                pkg.path_in_lock,
                sel.loader,
                ", ".join(sel.selected) or "nothing",
                ", ".join(sel.not_selected),
            )
        results: dict[str, NativeFile] = {}
        for rel in candidates:
            if rel in results:
                continue
            got = judge.judge(rel, None)
            if got is not None:
                results[rel] = got
        if results:
            out[pkg.path_in_lock] = tuple(results[k] for k in sorted(results))
    return out
