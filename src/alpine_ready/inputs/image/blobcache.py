"""A content-addressed, size-bounded blob cache on disk (``~/.cache/alpine-ready/blobs``).

Layout: ``ROOT/sha256/<hex>`` for a verified blob, ``ROOT/sha256/<hex>.partial`` for
one being downloaded (kept when a download is interrupted, so that the next one
resumes). A blob becomes visible only by an atomic rename after its digest was
verified; every read verifies it again (a corrupt entry is removed).

Hostile inputs: digests are validated before any path is built from them, and
everything below the root is opened relative to directory descriptors with
``O_NOFOLLOW`` -- a symlink planted in the cache is never followed, so nothing is
read or written outside it. (The root itself is taken as configured.)

Bounds: a blob larger than :data:`MAX_BLOB_BYTES` or than the cache's own
``max_bytes`` is refused before a byte of it is written (its declared size), and a
download stops with an :class:`ImageError` as soon as more bytes arrive than it
declared (or than that bound, when nothing was declared).  Before a download the
cache makes room for it, and after every write it is bounded again: least
recently used entries (by mtime, touched on every use) go first -- partial
downloads count and go too (the one being written excepted), and partial
downloads untouched for a day always go.  Directories are created ``0700``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .cachedir import make_cache_dir
from .errors import ContentMismatch
from .model import ImageError
from .verify import ALGORITHMS, VerifyingReader, check_digest, new_hasher

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024**3
#: The largest blob (a layer) any download may bring, cached or not.
MAX_BLOB_BYTES = 16 << 30
STALE_PARTIAL_SECONDS = 24 * 3600
_BLOB_NAME = re.compile(r"^[0-9a-f]{64}(?:[0-9a-f]{64})?$")
_CHUNK = 1 << 20


def default_cache_root() -> Path:
    """``$XDG_CACHE_HOME/alpine-ready/blobs`` (``~/.cache/alpine-ready/blobs``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alpine-ready" / "blobs"


def check_blob_size(size: int | None, what: str, cache: BlobCache | None = None) -> None:
    """:class:`ImageError` when a blob declaring ``size`` bytes must not be downloaded.

    Beyond :data:`MAX_BLOB_BYTES`, or beyond the budget of the ``cache`` it would go to.
    """
    if size is None or size <= (cache.blob_limit if cache else MAX_BLOB_BYTES):
        return
    bound = (
        f"the blob cache's budget ({cache.max_bytes:,} bytes)"
        if cache is not None and cache.max_bytes < MAX_BLOB_BYTES
        else f"the largest blob alpine-ready downloads ({MAX_BLOB_BYTES:,} bytes)"
    )
    raise ImageError(f"{what}: declares {size:,} bytes, more than {bound}; not downloaded")


def _in_use(dfd: int, partial: str) -> bool:
    """Is a download into ``partial`` under way (its ``flock`` held by a writer)?"""
    try:
        fd = os.open(partial, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _split(digest: str) -> tuple[str, str]:
    algo, hexd = check_digest(digest).split(":", 1)
    return algo, hexd


class BlobWriter:
    """The file a blob is being downloaded into (see :meth:`BlobCache.writer`)."""

    def __init__(
        self,
        f: BinaryIO,
        digest: str,
        expected_size: int | None,
        offset: int,
        hasher: Any,
        what: str | None = None,
        limit: int = MAX_BLOB_BYTES,
    ) -> None:
        self._f = f
        self.limit = limit  # bytes it may hold when no size was expected
        self.what = what or f"blob {digest}"
        self.digest = digest
        self.expected_size = expected_size
        self._hasher = hasher
        #: Bytes already present when the writer was opened (a resumed download).
        self.offset = offset
        #: Bytes in the partial file now.
        self.written = offset

    def write(self, data: bytes) -> int:
        """Append ``data``; :class:`ImageError` as soon as it exceeds the expected size."""
        if self.expected_size is not None and self.written + len(data) > self.expected_size:
            raise ContentMismatch(
                f"{self.what}: size mismatch: expected {self.expected_size} bytes, got more"
            )
        if self.written + len(data) > self.limit:
            raise ImageError(
                f"{self.what}: more than {self.limit:,} bytes (the largest blob "
                "the cache takes); download stopped"
            )
        self._f.write(data)
        self._hasher.update(data)
        self.written += len(data)
        return len(data)

    def restart(self) -> None:
        """Discard what the partial file holds (the server did not honour a Range)."""
        self._f.seek(0)
        self._f.truncate()
        self._hasher = new_hasher(self.digest)
        self.offset = self.written = 0

    @property
    def complete(self) -> bool:
        """Has the expected number of bytes arrived?"""
        return self.expected_size is not None and self.written == self.expected_size

    def _hexdigest(self) -> str:
        return str(self._hasher.hexdigest())


@dataclass(frozen=True)
class BlobCache:
    """Blobs stored by digest under ``root``, at most ``max_bytes`` in all."""

    root: Path = field(default_factory=default_cache_root)
    max_bytes: int = DEFAULT_MAX_BYTES

    @property
    def blob_limit(self) -> int:
        """The largest blob it takes: :data:`MAX_BLOB_BYTES`, or its budget when smaller."""
        return min(self.max_bytes, MAX_BLOB_BYTES)

    # -- paths and queries ---------------------------------------------------------------
    def path(self, digest: str) -> Path:
        """Where the verified blob lives (whether or not it is there)."""
        algo, hexd = _split(digest)
        return self.root / algo / hexd

    def has(self, digest: str) -> bool:
        """Is the blob in the cache (a regular file, not a link)?"""
        algo, hexd = _split(digest)
        return self._stat(algo, hexd) is not None

    def partial_size(self, digest: str) -> int:
        """Bytes of an interrupted download of this blob (0 when none)."""
        algo, hexd = _split(digest)
        st = self._stat(algo, hexd + ".partial")
        return st.st_size if st is not None else 0

    def open(self, digest: str, size: int | None = None) -> BinaryIO:
        """The cached blob as a verifying stream; FileNotFoundError when absent.

        Marks the blob as used (for eviction). A blob that fails verification is
        removed from the cache before the :class:`ImageError` is raised. ``size``,
        when given (a manifest's), must be the blob's size.
        """
        algo, hexd = _split(digest)
        dfd = self._dir_fd(algo, create=False)
        try:
            fd = os.open(hexd, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
        except OSError as e:
            if e.errno == errno.ELOOP:  # a symlink planted in the cache
                raise FileNotFoundError(f"cache entry {digest} is a symlink") from e
            raise
        finally:
            os.close(dfd)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise FileNotFoundError(f"cache entry {digest} is not a regular file")
        if size is not None and st.st_size != size:
            os.close(fd)
            raise ContentMismatch(
                f"blob {digest}: size mismatch: expected {size} bytes, got {st.st_size}"
            )
        with contextlib.suppress(OSError):  # a read-only cache still serves
            os.utime(fd)
        f = os.fdopen(fd, "rb")
        return VerifyingReader(
            f, digest, st.st_size, f"cached blob {digest}", on_mismatch=lambda: self.remove(digest)
        )

    def remove(self, digest: str) -> None:
        """Drop a blob (and its partial download) from the cache."""
        algo, hexd = _split(digest)
        try:
            dfd = self._dir_fd(algo, create=False)
        except FileNotFoundError:
            return
        try:
            for name in (hexd, hexd + ".partial"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name, dir_fd=dfd)
        finally:
            os.close(dfd)

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer(
        self,
        digest: str,
        expected_size: int | None = None,
        *,
        resume: bool = True,
        what: str | None = None,
    ) -> Iterator[BlobWriter]:
        """Write a blob: into ``<hex>.partial``, renamed into place once verified.

        With ``resume`` the bytes of an earlier interrupted download are kept
        (``BlobWriter.offset`` says how many; ask the server for the rest). An
        exception in the body keeps the partial file for the next attempt, except
        an :class:`ImageError` (bad data), which removes it. On leaving the body
        the size and digest are checked: a mismatch removes the partial file and
        raises :class:`ImageError` naming ``what`` (default: the blob). The partial
        file is locked (``flock``) so that two processes do not write one blob at once.
        """
        algo, hexd = _split(digest)
        partial = hexd + ".partial"
        what = what or f"blob {digest}"
        check_blob_size(expected_size, what, self)
        dfd = self._dir_fd(algo, create=True)
        try:
            fd = self._lock_partial(dfd, partial, what)
            with os.fdopen(fd, "r+b") as f:
                w = self._open_partial(f, digest, expected_size, resume, what, self.blob_limit)
                if expected_size is not None:  # room for the rest, before it comes
                    self.evict(keep=digest, reserve=expected_size - w.offset)
                try:
                    yield w
                except ImageError:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(partial, dir_fd=dfd)
                    raise
                f.flush()
                error = None
                if expected_size is not None and w.written != expected_size:
                    error = (
                        f"{what}: size mismatch: expected {expected_size} bytes, got {w.written}"
                    )
                elif f"{algo}:{w._hexdigest()}" != digest:
                    error = (
                        f"{what}: digest mismatch: expected {digest}, got {algo}:{w._hexdigest()}"
                    )
                if error is not None:
                    os.unlink(partial, dir_fd=dfd)
                    raise ContentMismatch(error)
                os.replace(partial, hexd, src_dir_fd=dfd, dst_dir_fd=dfd)
                log.debug("cached %s (%d bytes)", digest, w.written)
        finally:
            os.close(dfd)
        self.evict(keep=digest)

    @staticmethod
    def _lock_partial(dfd: int, partial: str, what: str) -> int:
        """Open and lock ``partial``; the lock must be on the file that still has that name.

        (Another process may have finished and renamed it while we waited.)
        """
        for _ in range(100):
            fd = os.open(
                partial, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dfd
            )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    raise ImageError(f"{what}: cache entry {partial} is not a regular file")
                try:
                    now = os.stat(partial, dir_fd=dfd, follow_symlinks=False)
                except FileNotFoundError:
                    now = None
                if now is not None and (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
                    return fd
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        raise ImageError(f"{what}: could not lock {partial}")

    @staticmethod
    def _open_partial(
        f: BinaryIO, digest: str, expected_size: int | None, resume: bool, what: str, limit: int
    ) -> BlobWriter:
        hasher = new_hasher(digest)
        have = os.fstat(f.fileno()).st_size if resume else 0
        if expected_size is not None and have > expected_size:
            have = 0
        offset = 0
        f.seek(0)
        while offset < have:
            chunk = f.read(min(_CHUNK, have - offset))
            if not chunk:
                break
            hasher.update(chunk)
            offset += len(chunk)
        f.seek(offset)
        f.truncate()
        if offset:
            log.debug("resuming %s at byte %d", digest, offset)
        return BlobWriter(f, digest, expected_size, offset, hasher, what, limit)

    # -- eviction ------------------------------------------------------------------------
    def total_bytes(self) -> int:
        """Bytes held by the cache (blobs and partial downloads)."""
        return sum(size for _, size, _, _ in self._entries(include_partials=True))

    def evict(self, keep: str | None = None, reserve: int = 0) -> int:
        """Remove least recently used entries until the cache fits; returns bytes freed.

        ``keep``: a blob (and its partial download) that stays; ``reserve``: bytes
        about to be written, to make room for.  Partial downloads are entries like
        any other; those untouched for a day always go.
        """
        now = time.time()
        entries = self._entries(include_partials=True)
        total = sum(size for _, size, _, _ in entries)
        freed = 0
        kept = set()
        if keep:
            algo, hexd = _split(keep)
            kept = {(algo, hexd), (algo, hexd + ".partial")}
        victims = []
        for mtime, size, algo, name in entries:
            if (
                name.endswith(".partial")
                and now - mtime > STALE_PARTIAL_SECONDS
                and (algo, name) not in kept
            ):
                victims.append((algo, name, size))
        stale = {(a, n) for a, n, _ in victims}
        remaining = total - sum(size for _, _, size in victims)
        for _mtime, size, algo, name in sorted(entries):
            if remaining + reserve <= self.max_bytes:
                break
            if (algo, name) in kept or (algo, name) in stale:
                continue
            victims.append((algo, name, size))
            remaining -= size
        for algo, name, size in victims:
            try:
                dfd = self._dir_fd(algo, create=False)
            except OSError:
                continue
            try:
                if not (name.endswith(".partial") and _in_use(dfd, name)):
                    os.unlink(name, dir_fd=dfd)
                    freed += size
            except FileNotFoundError:
                pass
            finally:
                os.close(dfd)
        if freed:
            log.info("blob cache %s: evicted %d bytes (limit %d)", self.root, freed, self.max_bytes)
        return freed

    def _entries(self, include_partials: bool) -> list[tuple[float, int, str, str]]:
        out: list[tuple[float, int, str, str]] = []
        for algo in ALGORITHMS:
            try:
                dfd = self._dir_fd(algo, create=False)
            except OSError:
                continue
            try:
                for name in os.listdir(dfd):  # noqa: PTH208 (listing a directory fd)
                    base = name.removesuffix(".partial")
                    if not _BLOB_NAME.match(base) or (name != base and not include_partials):
                        continue
                    try:
                        st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    if stat.S_ISREG(st.st_mode):
                        out.append((st.st_mtime, st.st_size, algo, name))
            finally:
                os.close(dfd)
        return out

    # -- directory descriptors -----------------------------------------------------------
    def _dir_fd(self, algo: str, create: bool) -> int:
        """An fd of ``root/algo``, which must be a real directory (never a symlink)."""
        if algo not in ALGORITHMS:
            raise ImageError(f"unsupported digest algorithm {algo!r}")
        if create:
            make_cache_dir(self.root)
        root_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(algo, 0o700, dir_fd=root_fd)
            try:
                return os.open(
                    algo,
                    os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                    dir_fd=root_fd,
                )
            except OSError as e:
                if e.errno in (errno.ENOTDIR, errno.ELOOP):
                    raise ImageError(
                        f"blob cache {self.root / algo} is not a directory (a symlink?)"
                    ) from e
                raise
        finally:
            os.close(root_fd)

    def _stat(self, algo: str, name: str) -> os.stat_result | None:
        try:
            dfd = self._dir_fd(algo, create=False)
        except (FileNotFoundError, ImageError):
            return None
        try:
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        finally:
            os.close(dfd)
        return st if stat.S_ISREG(st.st_mode) else None
