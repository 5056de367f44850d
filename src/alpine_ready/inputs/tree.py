"""Walk a directory tree without recursion and without path-length limits.

:func:`walk_files` is the one walker of on-disk trees (``scan`` of a directory,
``inspect`` of a root filesystem).  It never recurses on the Python stack (an
explicit stack of directories), lists and opens everything relative to directory
descriptors (``os.scandir(fd)``, ``openat``), so a path longer than ``PATH_MAX``
is walked like any other, and holds at most :data:`MAX_OPEN_DIRS` descriptors: the
deepest directories of the current path; a directory whose descriptor was let go
is reopened as ``..`` of its child and checked to be the same directory.
Directories deeper than :data:`MAX_DEPTH` levels below the root are not walked:
each is noted as unreadable (so a scan says it is incomplete).

Symlinks are never followed (neither to files nor to directories), special files
are skipped, and :func:`walk` (``scan``'s) reads only 4 bytes of each regular file.
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ELF_MAGIC = b"\x7fELF"

#: Directory levels below the root that are walked (deeper ones: noted, not walked).
MAX_DEPTH = 4096
#: Directory descriptors held at once (besides the root's).
MAX_OPEN_DIRS = 32

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_PERMISSION = (errno.EACCES, errno.EPERM)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A regular file that starts with the ELF magic."""

    relpath: str  # POSIX, relative to the target root
    host: Path  # may be longer than PATH_MAX: open it with longpath.open_long


@dataclass
class WalkStats:
    """What the walk saw besides ELF files."""

    files_seen: int = 0
    # (relpath, why, kind): kind is "permission" (EACCES/EPERM), "limit" or "unreadable"
    unreadable: list[tuple[str, str, str]] | None = None

    def note_error(self, relpath: str, why: str, kind: str = "unreadable") -> None:
        """Remember a file or directory that could not be read."""
        if self.unreadable is None:
            self.unreadable = []
        self.unreadable.append((relpath, why, kind))

    def note_os_error(self, relpath: str, exc: OSError) -> None:
        """Remember an OSError (a permission error is told apart)."""
        kind = "permission" if exc.errno in _PERMISSION else "unreadable"
        self.note_error(relpath, exc.strerror or str(exc), kind)


@dataclass(frozen=True, slots=True)
class WalkedFile:
    """A regular file found by :func:`walk_files`.

    ``dir_fd`` (its directory) and ``entry`` (whose ``stat`` is relative to it) are
    valid only until the walk goes on.
    """

    relpath: str
    name: str
    dir_fd: int
    entry: os.DirEntry[str]


class _Dir:
    """A directory on the walk's stack."""

    __slots__ = ("fd", "ident", "rel", "subdirs")

    def __init__(self, fd: int, rel: str) -> None:
        st = os.fstat(fd)
        self.fd: int | None = fd
        self.ident = (st.st_dev, st.st_ino)
        self.rel = rel
        self.subdirs: list[str] | None = None  # names still to walk, last first


class _TreeChanged(Exception):
    pass


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name


def walk_files(root: Path, stats: WalkStats, *, max_depth: int = MAX_DEPTH) -> Iterator[WalkedFile]:
    """Yield every regular file below ``root`` in a stable order (names sorted per directory).

    The files of a directory come before those of its subdirectories.  Errors are
    noted in ``stats`` (the walk goes on); see the module doc for the bounds.
    """
    try:
        root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        stats.note_os_error(".", exc)
        return
    stack = [_Dir(root_fd, "")]
    low = 1  # stack[1:low] have let their descriptors go
    try:
        while stack:
            top = stack[-1]
            if top.subdirs is None:
                yield from _list(top, stats)
                continue
            if top.subdirs:
                name = top.subdirs.pop()
                rel = _join(top.rel, name)
                if len(stack) > max_depth:
                    stats.note_error(
                        rel, f"deeper than {max_depth} directory levels: not walked", "limit"
                    )
                    continue
                assert top.fd is not None  # the deepest directories hold theirs
                try:
                    child = _Dir(os.open(name, _DIR_FLAGS, dir_fd=top.fd), rel)
                except OSError as exc:
                    stats.note_os_error(rel, exc)
                    continue
                stack.append(child)
                if len(stack) - low > MAX_OPEN_DIRS:
                    far = stack[low]
                    assert far.fd is not None
                    os.close(far.fd)
                    far.fd = None
                    low += 1
                continue
            done = stack.pop()
            assert done.fd is not None
            try:
                if stack and stack[-1].fd is None:
                    _reopen_parent(stack[-1], done.fd)
                    low -= 1
            finally:
                os.close(done.fd)
    except _TreeChanged as exc:
        stats.note_error(
            str(exc) or ".", "the tree changed while it was walked: not walked further"
        )
    finally:
        for d in stack:
            if d.fd is not None:
                os.close(d.fd)


def _list(d: _Dir, stats: WalkStats) -> Iterator[WalkedFile]:
    """Yield the regular files of ``d``; keep its subdirectories' names to walk next."""
    assert d.fd is not None
    d.subdirs = []
    try:
        with os.scandir(d.fd) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        stats.note_os_error(d.rel or ".", exc)
        return
    for entry in entries:
        try:
            # d_type from getdents: no stat call per entry
            if entry.is_dir(follow_symlinks=False):
                d.subdirs.append(entry.name)
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
        except OSError as exc:
            stats.note_os_error(_join(d.rel, entry.name), exc)
            continue
        yield WalkedFile(_join(d.rel, entry.name), entry.name, d.fd, entry)
    d.subdirs.reverse()


def _reopen_parent(parent: _Dir, child_fd: int) -> None:
    """Give ``parent`` its descriptor back: ``..`` of its child, if still the same directory."""
    try:
        fd = os.open("..", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=child_fd)
    except OSError:
        raise _TreeChanged(parent.rel) from None
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != parent.ident:
        os.close(fd)
        raise _TreeChanged(parent.rel)
    parent.fd = fd


def _is_elf_at(dir_fd: int | None, name: str) -> bool:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        return os.read(fd, 4) == ELF_MAGIC
    finally:
        os.close(fd)


def walk(root: Path, stats: WalkStats) -> Iterator[Candidate]:
    """Yield every ELF regular file below ``root`` in a stable (sorted) order."""
    for f in walk_files(root, stats):
        stats.files_seen += 1
        try:
            if _is_elf_at(f.dir_fd, f.name):
                yield Candidate(f.relpath, root / f.relpath)
        except OSError as exc:
            stats.note_os_error(f.relpath, exc)


def single(path: Path, stats: WalkStats) -> Iterator[Candidate]:
    """The one file of a single-file target (if it is ELF)."""
    stats.files_seen += 1
    try:
        if _is_elf_at(None, str(path)):
            yield Candidate(path.name, path)
    except OSError as exc:
        stats.note_os_error(path.name, exc)
