"""Open and stat files whose path is longer than ``PATH_MAX``.

The kernel refuses a path of ``PATH_MAX`` (4096) bytes or more with ENAMETOOLONG, but
a directory tree can be deeper than that: a scan target with 4,000 levels holds
files no single ``open(2)`` can name.  These helpers split such a path into pieces
shorter than ``PATH_MAX`` and open each relative to the directory the previous one
opened (``openat``), holding two descriptors at most.  Shorter paths take the
ordinary call.  Symlinks inside the path are followed as ``open(2)`` follows them
(the callers name paths the tree walker found without following any).
"""

from __future__ import annotations

import os
from pathlib import Path

#: Linux's PATH_MAX: the longest path (with its NUL) one system call accepts.
PATH_MAX = 4096

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def _pieces(path: bytes) -> list[bytes]:
    """``path`` cut at slashes into pieces shorter than PATH_MAX (a too-long name stays whole)."""
    pieces: list[bytes] = []
    start = 0
    while len(path) - start >= PATH_MAX:
        cut = path.rfind(b"/", start, start + PATH_MAX - 1)
        if cut <= start:  # one name longer than PATH_MAX: let the kernel refuse it
            break
        pieces.append(path[start:cut] or b"/")
        start = cut + 1
    pieces.append(path[start:])
    return pieces


def _parent_fd(path: str | Path) -> tuple[int | None, bytes]:
    """An fd of the directory holding the last piece of ``path`` (None: the cwd), and that piece."""
    pieces = _pieces(os.fsencode(path))
    fd: int | None = None
    try:
        for piece in pieces[:-1]:
            nfd = os.open(piece, _DIR_FLAGS, dir_fd=fd)
            if fd is not None:
                os.close(fd)
            fd = nfd
    except BaseException:
        if fd is not None:
            os.close(fd)
        raise
    return fd, pieces[-1]


def open_long(path: str | Path, flags: int) -> int:
    """``os.open(path, flags)`` for a path of any length."""
    if len(os.fsencode(path)) < PATH_MAX:
        return os.open(path, flags)
    fd, last = _parent_fd(path)
    try:
        return os.open(last, flags, dir_fd=fd)
    finally:
        if fd is not None:
            os.close(fd)


def lstat_long(path: str | Path) -> os.stat_result:
    """``os.lstat(path)`` for a path of any length."""
    if len(os.fsencode(path)) < PATH_MAX:
        return os.lstat(path)
    fd, last = _parent_fd(path)
    try:
        return os.stat(last, dir_fd=fd, follow_symlinks=False)
    finally:
        if fd is not None:
            os.close(fd)


def readlink_long(path: str | Path) -> str:
    """``os.readlink(path)`` for a path of any length."""
    if len(os.fsencode(path)) < PATH_MAX:
        return str(Path(path).readlink())
    fd, last = _parent_fd(path)
    try:
        return os.fsdecode(os.readlink(last, dir_fd=fd))
    finally:
        if fd is not None:
            os.close(fd)
