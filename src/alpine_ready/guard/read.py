"""One bounded reader for every input file, and the project boundary for includes.

:func:`read_bounded` opens without blocking (a FIFO named as a Dockerfile or a
lockfile never hangs the run), refuses anything but a regular file unless the
caller allows it (a user who names ``/dev/stdin`` asked for it; an include line in
a project file did not), and never holds more than ``limit + 1`` bytes: a file
that reports size 0 (``/proc``) or has no end (``/dev/zero``) is cut off and refused.

:class:`ProjectBoundary` is the rule for where a project's files may lead: a
dependency file found in a project, a symlink in it, or an include line
(``-r``/``-c``) is read only when its real path lies inside the project -- the git
work tree that holds the target, else the target's own directory. Nothing a
hostile repository writes can make alpine-ready read ``/etc/shadow`` or
``/proc/self/environ`` and echo it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

_KIND = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
    stat.S_IFLNK: "a symlink",
}


def kind_of(mode: int) -> str:
    """'a FIFO', 'a directory', … for a ``st_mode`` (``a regular file`` for one)."""
    return _KIND.get(stat.S_IFMT(mode), "a regular file")


def human_size(n: int) -> str:
    """``16 MiB``, ``512 KiB``, ``100 bytes``: a limit as people say it."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n:,} bytes"


def read_bounded(
    path: str | os.PathLike[str],
    *,
    limit: int,
    what: str = "an input file",
    follow_symlinks: bool = True,
    allow_special: bool = False,
    display: str | None = None,
) -> bytes:
    """The bytes of the file at ``path``, at most ``limit`` of them, or :class:`InputError`.

    ``what`` names the kind of file in the size message ("a lockfile"); ``display``
    is the name the message starts with (default: ``path``). ``allow_special``: a
    FIFO or character device is read too (to ``limit``), for a path the user named.
    """
    name = display if display is not None else os.fspath(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _open_error(name, exc, follow_symlinks) from None
    try:
        st = os.fstat(fd)
        fmt = stat.S_IFMT(st.st_mode)
        if fmt == stat.S_IFDIR:
            raise InputError(f"{name}: is a directory, not {what}")
        if fmt != stat.S_IFREG:
            if not (allow_special and fmt in (stat.S_IFIFO, stat.S_IFCHR)):
                raise InputError(f"{name}: is {kind_of(st.st_mode)}, not a regular file; not read")
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        elif st.st_size > limit:
            raise InputError(
                f"{name}: {st.st_size:,} bytes, larger than {what} may be "
                f"({human_size(limit)}); not read"
            )
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            try:
                chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            except OSError as exc:
                raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise InputError(f"{name}: larger than {what} may be ({human_size(limit)}); not read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _open_error(name: str, exc: OSError, follow_symlinks: bool) -> InputError:
    if exc.errno == errno.ENOENT:
        return InputError(f"{name}: no such file")
    if exc.errno == errno.ELOOP and not follow_symlinks:
        return InputError(f"{name}: is a symlink; not followed")
    if exc.errno == errno.ENXIO:  # a socket, or a FIFO without a writer on some systems
        return InputError(f"{name}: is not a regular file; not read")
    return InputError(f"{name}: cannot read ({exc.strerror or exc})")


def _git_root(start: Path) -> Path | None:
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d
    return None


@dataclass(frozen=True)
class ProjectBoundary:
    """The directory a project's own files (and what they include) must stay inside."""

    root: Path  # a real path (symlinks resolved)

    @classmethod
    def around(cls, target: str | os.PathLike[str]) -> ProjectBoundary:
        """The git work tree holding ``target``; else ``target`` or its directory."""
        real = Path(os.path.realpath(target))
        here = real if real.is_dir() else real.parent
        return cls(_git_root(here) or here)

    def contains(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path``'s real path (every symlink resolved) lies inside the root."""
        real = Path(os.path.realpath(path))
        return real == self.root or self.root in real.parents

    def check(self, path: str | os.PathLike[str], display: str) -> None:
        """:class:`InputError` unless :meth:`contains` ``path``."""
        if not self.contains(path):
            raise InputError(
                f"{display}: leads outside the project ({self.root}); not read "
                "(see docs/security.md)"
            )
