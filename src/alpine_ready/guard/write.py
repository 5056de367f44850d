"""One way to write files: outputs the user names, source files being fixed, cache entries.

Three callers, three promises (``docs/security.md``):

- :func:`write_output` (``-o PATH`` of every command) acts like the shell's ``>``
  on a path the user named: a regular file is replaced atomically with its mode
  and ownership kept (written in place when it has other hard links or its
  ownership cannot be kept), a new file gets ``0666 & ~umask``, a device, FIFO or
  socket is written to (``-o /dev/null`` never turns ``/dev/null`` into a file), a
  symlink is followed to what it names, a directory is refused.
- :func:`rewrite_file` (``lint --fix``) edits a file found in a repository, so it
  refuses what an edit must not touch: a symlink (the target may be outside the
  repository), a file with other hard links, a read-only file, a file whose owner
  or group could not be kept, a file that changed since it was read.
- :func:`cache_write` writes a cache entry under a fresh, unpredictable temporary
  name (``O_EXCL``: a planted symlink is never followed) and renames it into place
  (a symlink planted at the final name is replaced, never written through).

Every temporary file is removed on every exit path: errors, Ctrl-C, and SIGTERM /
SIGHUP once :func:`~alpine_ready.guard.signals.terminate_as_interrupt` is in force;
:func:`remove_stale_temps` sweeps what a SIGKILL leaves behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
import threading
import time

from ..errors import InputError
from .read import kind_of

#: Every temporary file alpine-ready creates ends with this.
TEMP_SUFFIX = ".alpine-ready.tmp"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _can_keep_owner(st: os.stat_result) -> bool:
    """Whether a file we create could be given ``st``'s owner and group."""
    if os.geteuid() == 0:
        return True
    if st.st_uid != os.geteuid():
        return False
    return st.st_gid == os.getegid() or st.st_gid in os.getgroups()


def _writable_by_mode(st: os.stat_result) -> bool:
    """Whether the mode bits let this user write the file (root: any write bit)."""
    if os.geteuid() == 0:
        return bool(st.st_mode & 0o222)
    if st.st_uid == os.geteuid():
        return bool(st.st_mode & stat.S_IWUSR)
    if st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        return bool(st.st_mode & stat.S_IWGRP)
    return bool(st.st_mode & stat.S_IWOTH)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


def _mkstemp(prefix: str, dir: str) -> tuple[int, str]:
    """``tempfile.mkstemp`` that never leaves its file behind when a signal stops it.

    A stop signal handled inside ``mkstemp`` -- after the file exists, before its
    name reaches the caller's clean-up -- would leave the file. The stop signals are
    held back while it runs; one that came meanwhile is delivered when they are let
    through again, and its exception removes the file here. (A signal in the few
    instructions between this return and the caller's ``try`` remains possible: the
    stale-temporary sweep is for that, and for SIGKILL.)
    """
    main = threading.current_thread() is threading.main_thread()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS) if main else None
    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=dir)
    except BaseException:
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        raise
    try:
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)  # a pending signal lands here
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return fd, tmp


def _replace(target: str, data: bytes, like: os.stat_result | None) -> None:
    """Write ``data`` to a temporary file beside ``target`` and rename it over it.

    ``like``: the file being replaced (its mode, owner and group are kept), or None
    for a new file (mode ``0666 & ~umask``). The temporary file never outlives the call.
    """
    directory, base = os.path.split(target)
    fd, tmp = _mkstemp(prefix=f".{base}.", dir=directory or ".")
    try:  # (a signal blocked in _mkstemp arrives here at the earliest)
        try:
            _write_all(fd, data)
            os.fsync(fd)
            if like is None:
                os.fchmod(fd, 0o666 & ~_umask())
            else:
                os.fchmod(fd, stat.S_IMODE(like.st_mode))
                if (like.st_uid, like.st_gid) != (os.geteuid(), os.getegid()):
                    os.fchown(fd, like.st_uid, like.st_gid)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_into(target: str, data: bytes, like: os.stat_result) -> None:
    """Truncate and rewrite ``target`` itself (same inode: links and owner kept)."""
    fd = os.open(target, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != (like.st_dev, like.st_ino):
            raise OSError(errno.EAGAIN, "the file was replaced while being written")
        os.ftruncate(fd, 0)
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_stream(target: str, data: bytes) -> None:
    """Write to a device, FIFO or socket that exists (never created, never truncated)."""
    fd = os.open(target, os.O_WRONLY | os.O_CLOEXEC | os.O_NOCTTY)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def write_output(
    path: str | os.PathLike[str], data: bytes | str, *, display: str | None = None
) -> None:
    """Write an output the user named (``-o PATH``), as the shell's ``>`` would.

    :class:`InputError` (one line, naming the file) when it cannot be written; on
    any failure the file is as it was (atomic replace) and no temporary file is left.
    """
    name = display if display is not None else os.fspath(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    target = os.fspath(path)
    try:
        try:
            st = os.stat(target)
        except FileNotFoundError:
            if os.path.islink(target):
                raise InputError(f"{name}: is a symlink to a missing file; not written") from None
            _replace(target, raw, None)
            return
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{name}: is a directory; not written")
        if not stat.S_ISREG(st.st_mode):
            _write_stream(target, raw)
            return
        real = os.path.realpath(target)
        if st.st_nlink > 1 or not _can_keep_owner(st):
            _write_into(real, raw, st)
        else:
            _replace(real, raw, st)
    except OSError as exc:
        raise InputError(f"{name}: cannot write ({exc.strerror or exc})") from None


def rewrite_file(
    path: str | os.PathLike[str], data: bytes, original: bytes, *, display: str | None = None
) -> None:
    """Replace a source file's content (``lint --fix``) unless that would be unsafe.

    ``original`` is what was read: a file that no longer holds it is left alone.
    Refused (:class:`InputError`, file untouched): a symlink, anything but a regular
    file, a file with other hard links, a read-only file, one whose owner or group
    this user could not keep.
    """
    name = display if display is not None else os.fspath(path)
    target = os.fspath(path)
    try:
        st = os.lstat(target)
    except OSError as exc:
        raise InputError(
            f"{name}: cannot read it again before writing ({exc.strerror or exc}); not written"
        ) from None
    if stat.S_ISLNK(st.st_mode):
        raise InputError(
            f"{name}: is a symlink (to {os.readlink(target)}); fixes are "
            "written to regular files only: run on the file it names; "
            "not written"
        )
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{name}: is {kind_of(st.st_mode)}; not written")
    if st.st_nlink > 1:
        raise InputError(
            f"{name}: has {st.st_nlink} hard links, which a rewrite would "
            "break; not written (use --diff and patch)"
        )
    if not _writable_by_mode(st):
        raise InputError(f"{name}: is read-only; not written")
    if not _can_keep_owner(st):
        raise InputError(
            f"{name}: its owner or group ({st.st_uid}:{st.st_gid}) could not "
            "be kept; not written (use --diff and patch)"
        )
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            now = os.fstat(fd)
            current = b""
            if (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
                chunks = []
                while chunk := os.read(fd, 1 << 20):
                    chunks.append(chunk)
                    if sum(map(len, chunks)) > len(original):
                        break
                current = b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(
            f"{name}: cannot read it again before writing ({exc.strerror or exc}); not written"
        ) from None
    if current != original:
        raise InputError(f"{name}: changed on disk while it was being linted; not written")
    try:
        _replace(target, data, st)
    except OSError as exc:
        raise InputError(f"{name}: cannot write ({exc.strerror or exc}); not written") from None


def cache_write(directory: str | os.PathLike[str], name: str, data: bytes | str) -> None:
    """Put a cache entry ``directory/name`` in place atomically (``OSError`` if it cannot).

    ``name`` is a plain file name. The entry is written under an unpredictable
    temporary name created with ``O_EXCL`` and renamed over ``name``: a symlink
    planted at either name is never written through.
    """
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"not a plain file name: {name!r}")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    d = os.fspath(directory)
    fd, tmp = _mkstemp(prefix=f".{name}.", dir=d)
    try:
        try:
            _write_all(fd, raw)
        finally:
            os.close(fd)
        os.replace(tmp, os.path.join(d, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_stale_temps(directory: str | os.PathLike[str], older_than: float = 3600.0) -> int:
    """Remove old temporary files (``*.alpine-ready.tmp``) from ``directory``.

    Only those older than ``older_than`` seconds, only in ``directory`` itself (not
    below it), symlinks never followed. Returns how many were removed.
    """
    removed = 0
    limit = time.time() - older_than
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if not entry.name.endswith(TEMP_SUFFIX):
                    continue
                with contextlib.suppress(OSError):
                    st = entry.stat(follow_symlinks=False)
                    if st.st_mtime < limit and not stat.S_ISDIR(st.st_mode):
                        os.unlink(entry.path)
                        removed += 1
    except OSError:
        pass
    return removed
