"""Which program loads a file, decided by the file and its package, never by the scan root.

A shared library is loaded into a Python process when it belongs to a Python
distribution (a ``*.dist-info/RECORD`` lists it, or it sits below a
``site-packages`` / ``dist-packages`` directory of its real path), and into a
Node process when it belongs to an npm package (a directory below
``node_modules`` that has a ``package.json``).  Extension modules are also known
by name (``*.cpython-*.so``, ``*.node``; ``knowledge/data/host-runtimes.json``).
Executables are never hosted: the kernel starts them.

The vendored libraries of a wheel (``<name>.libs/``, listed in the wheel's
RECORD) are loaded only as dependencies of that wheel's extension modules:
:attr:`Origin.loaders` names the extension modules whose DT_NEEDED closure
reaches them, so they can be judged inside that load.

**What is read, and where.**  On disk the search starts at the file's real
path (``Path.resolve``: a scan root reached through a symlink gives the same
answer) and looks in at most :data:`MAX_UP` ancestor directories -- also above
the scanned tree, because scanning ``site-packages/pyarrow`` does not change
which distribution owns its files.  Only directory listings, ``*.dist-info/RECORD``
files (regular files, not symlinks, at most ``inputs.pydist._MAX_RECORD`` bytes,
in ``*.dist-info`` directories that are not symlinks) and the existence of
``package.json`` are read there; the extension modules named as loaders are read
(as ELF files, with the reader's bounds) only when they lie inside the scanned tree.
In an image the same rules run over the image's final filesystem.
"""

from __future__ import annotations

import logging
import os
import posixpath
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import knowledge
from ..elf.reader import ET_DYN, ElfFile, read_elf
from ..errors import ElfError
from ..inputs.pydist import _records

log = logging.getLogger(__name__)

MAX_UP = 8  # ancestor directories searched for the owning package's metadata
MAX_LOADERS = 64  # extension modules of one wheel read to find a vendored library's loaders


@dataclass(frozen=True)
class Loader:
    """An extension module that loads a vendored library (directly or through another)."""

    relpath: str  # as reported (relative to the scan target, or the image path)
    path: str  # absolute path in the target namespace
    elf: ElfFile


@dataclass(frozen=True)
class Origin:
    """What a file is: its host program, its package and, for vendored libraries, who loads them."""

    host: knowledge.HostRuntime | None
    distribution: str | None = None  # the Python distribution that installed it
    vendored_in: str | None = None  # ``pillow.libs`` when it is a wheel's vendored library
    loaders: tuple[Loader, ...] = ()


def _runtime(name: str) -> knowledge.HostRuntime:
    return next(h for h in knowledge.host_runtimes() if h.name == name)


def _in_dirs_of(runtime: str, parts: Sequence[str]) -> bool:
    """Is a directory in ``parts`` one of ``runtime``'s (``site-packages``, ``node_modules``)?"""
    markers = _runtime(runtime).dir_markers
    return any(p in markers for p in parts)


def is_executable(elf: ElfFile) -> bool:
    """Started by the kernel (ET_EXEC, or a PIE with an interpreter and no soname)."""
    return elf.elf_type != ET_DYN or (elf.interpreter is not None and not elf.soname)


def by_name(name: str) -> knowledge.HostRuntime | None:
    """The host whose module file names match ``name`` (``*.cpython-*.so``, ``*.node``)."""
    for h in knowledge.host_runtimes():
        if h.names_module(name):
            return h
    return None


def decide(name: str, elf: ElfFile, *, python: bool, node: bool) -> knowledge.HostRuntime | None:
    """The host program of a file named ``name``, given what its package is."""
    hit = by_name(name)
    if hit is not None:
        return hit
    if is_executable(elf):
        return None
    if python:
        return _runtime("python")
    if node:
        return _runtime("node")
    return None


def by_path(relpath: str, elf: ElfFile) -> Origin:
    """From a path alone (a caller that knows no more): names, and the directories in it."""
    parts = relpath.split("/")[:-1]
    python = _in_dirs_of("python", parts)
    node = _in_dirs_of("node", parts)
    return Origin(decide(relpath.rsplit("/", 1)[-1], elf, python=python, node=node))


# --------------------------------------------------------------------------- on disk


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


@lru_cache(maxsize=4096)
def _npm_package_dir(directory: Path) -> bool:
    """Is ``directory`` a package in ``node_modules`` (``x``, ``@scope/x``) with a package.json?"""
    parent = directory.parent
    inside = parent.name == "node_modules" or (
        parent.name.startswith("@") and parent.parent.name == "node_modules"
    )
    return inside and _is_regular(directory / "package.json")


@lru_cache(maxsize=1024)
def _needed_of(host: Path) -> tuple[str, ...] | None:
    try:
        return read_elf(host).needed
    except (ElfError, OSError):
        return None


def _closure_users(
    target: str,
    files: Iterable[str],
    needed: Callable[[str], tuple[str, ...] | None],
    vendored_dir: str,
) -> list[str]:
    """The extension modules of ``files`` whose DT_NEEDED closure reaches ``target``.

    The closure follows only the libraries of ``vendored_dir`` (by basename).
    """
    vendored = sorted(f for f in files if posixpath.dirname(f) == vendored_dir)
    by_base = {posixpath.basename(f): f for f in vendored}
    users = []
    exts = sorted(
        f
        for f in files
        if posixpath.dirname(f) != vendored_dir
        and (f.endswith(".so") or ".so." in posixpath.basename(f))
    )[:MAX_LOADERS]
    for ext in exts:
        seen: set[str] = set()
        todo = [ext]
        while todo:
            cur = todo.pop()
            for n in needed(cur) or ():
                f = by_base.get(n)
                if f is not None and f not in seen:
                    seen.add(f)
                    todo.append(f)
        if target in seen:
            users.append(ext)
    return users


def on_disk(host_file: Path, root: Path, prefix: str, elf: ElfFile) -> Origin:
    """The origin of ``host_file``, found in the scanned tree (real path ``root``) or above it.

    ``prefix`` is where ``root`` sits in the target namespace (``/app``, ``/``).
    """
    try:
        real = host_file.resolve()
    except (OSError, RuntimeError):
        real = host_file
    python = _in_dirs_of("python", real.parts[:-1])
    node = False
    dist: str | None = None
    dist_dir: Path | None = None
    dist_files: frozenset[str] = frozenset()
    inner = real.name
    directory = real.parent
    for _ in range(MAX_UP):
        if dist is None:
            for name, files in _records(directory):
                if inner in files:
                    dist, dist_dir, dist_files = name, directory, files
                    break
        if not node and _npm_package_dir(directory):
            node = True
        if directory.parent == directory:
            break
        inner = f"{directory.name}/{inner}"
        directory = directory.parent
    host = decide(real.name, elf, python=python or dist is not None, node=node)
    vendored = real.parent.name if real.parent.name.endswith(".libs") else None
    if dist is None or dist_dir is None or vendored is None or real.parent.parent != dist_dir:
        return Origin(host, dist)
    loaders = []
    target = f"{vendored}/{real.name}"

    def needed(rel: str) -> tuple[str, ...] | None:
        return _needed_of(dist_dir / rel)

    for ext in _closure_users(target, dist_files, needed, vendored):
        ext_host = dist_dir / ext
        try:
            rel = ext_host.relative_to(root).as_posix()
        except ValueError:
            continue  # outside the scanned tree: judged standalone
        try:
            ext_elf = read_elf(ext_host)
        except (ElfError, OSError):
            continue
        ns = f"{prefix.rstrip('/')}/{rel}"
        loaders.append(Loader(rel, ns, ext_elf))
    return Origin(host, dist, vendored, tuple(loaders))


# --------------------------------------------------------------------------- in an image


class ImageOrigins:
    """The same decisions over an image's final filesystem (paths without the leading ``/``)."""

    def __init__(
        self, dists: Mapping[str, str], elves: Mapping[str, ElfFile], package_jsons: Iterable[str]
    ) -> None:
        self.dists = dists
        self.elves = elves
        self.npm_dirs = frozenset(posixpath.dirname(p) for p in package_jsons)
        self._by_dist: dict[str, list[str]] = {}
        for path, name in dists.items():
            self._by_dist.setdefault(name, []).append(path)

    def _in_npm_package(self, path: str) -> bool:
        parts = path.split("/")
        for i in range(len(parts) - 1, max(len(parts) - 1 - MAX_UP, 0), -1):
            if "/".join(parts[:i]) not in self.npm_dirs:
                continue
            parent = parts[i - 2] if i >= 2 else ""
            grand = parts[i - 3] if i >= 3 else ""
            if parent == "node_modules" or (parent.startswith("@") and grand == "node_modules"):
                return True
        return False

    def origin(self, path: str, elf: ElfFile) -> Origin:
        """The origin of the file at ``path``."""
        dist = self.dists.get(path)
        python = dist is not None or _in_dirs_of("python", path.split("/")[:-1])
        host = decide(posixpath.basename(path), elf, python=python, node=self._in_npm_package(path))
        parent = posixpath.dirname(path)
        vendored = posixpath.basename(parent)
        if dist is None or not vendored.endswith(".libs"):
            return Origin(host, dist)
        site = posixpath.dirname(parent)
        files = [
            posixpath.relpath(p, site)
            for p in self._by_dist.get(dist, ())
            if p.startswith(site + "/") and p in self.elves
        ]

        def needed(rel: str) -> tuple[str, ...] | None:
            e = self.elves.get(posixpath.join(site, rel))
            return e.needed if e is not None else None

        loaders = tuple(
            Loader(posixpath.join(site, ext), "/" + posixpath.join(site, ext), self.elves[p])
            for ext in _closure_users(
                f"{vendored}/{posixpath.basename(path)}", files, needed, vendored
            )
            if (p := posixpath.join(site, ext)) in self.elves
        )
        return Origin(host, dist, vendored, loaders)
