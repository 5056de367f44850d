"""Content digests: validation, hashing, and a stream that verifies as it is read.

Every image source (a registry, a docker archive, an OCI layout) hands out blobs
wrapped in a :class:`VerifyingReader`, so a blob whose bytes do not match its
digest (or its declared size) is an :class:`ImageError` naming the blob, however
it was read.

A reader made with ``background=True`` hashes large chunks in a thread of its own
(hashlib releases the GIL on large updates), so that hashing a local layer overlaps
its tar walk on another core.  The bytes hashed are the bytes handed out, in order,
and the digest is still checked before the first read that returns ``b""``.

A blob stored in a local file (a docker archive's layer, an OCI layout's blob) can
instead be verified apart from its reading: :class:`RegionDigests` hashes its
bytes straight from the file, in a thread per CPU, while the tar walk reads (and
seeks over) the same bytes; the caller checks each digest -- and that the file
did not change meanwhile -- before any result built from the blob is used.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from .model import ImageError

BACKGROUND_MIN = 256 << 10  # chunks at least this large start the background hasher
_QUEUE_CHUNKS = 8  # chunks queued for the hasher at most (bounds the memory it holds)
REGION_CHUNK = 4 << 20  # bytes read (into one reused buffer) per pread by RegionDigests

#: The digest algorithms registered by the OCI image spec, with their hex lengths.
ALGORITHMS: dict[str, int] = {"sha256": 64, "sha512": 128}
DIGEST_RE = re.compile(r"^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")


def check_digest(digest: object, what: str = "digest") -> str:
    """``digest`` if it is a well-formed sha256/sha512 digest, else :class:`ImageError`."""
    if not isinstance(digest, str) or not DIGEST_RE.match(digest):
        shown = digest[:200] if isinstance(digest, str) else digest
        algo = digest.split(":", 1)[0] if isinstance(digest, str) and ":" in digest else None
        if algo is not None and algo not in ALGORITHMS and len(algo) < 32:
            raise ImageError(f"{what}: unsupported digest algorithm {algo!r} in {shown!r}")
        raise ImageError(f"{what}: invalid digest {shown!r}")
    return digest


def new_hasher(digest: str) -> Any:
    """A fresh hashlib object for ``digest``'s algorithm (the digest must be valid)."""
    return hashlib.new(check_digest(digest).split(":", 1)[0])


def digest_of(data: bytes, algorithm: str = "sha256") -> str:
    """``ALGO:HEX`` of ``data``."""
    if algorithm not in ALGORITHMS:
        raise ImageError(f"unsupported digest algorithm {algorithm!r}")
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def verify_bytes(data: bytes, digest: str, size: int | None, what: str) -> bytes:
    """``data`` if it matches ``digest`` (and ``size``), else :class:`ImageError`."""
    check_digest(digest, what)
    if size is not None and len(data) != size:
        raise ImageError(f"{what}: size mismatch: expected {size} bytes, got {len(data)}")
    got = digest_of(data, digest.split(":", 1)[0])
    if got != digest:
        raise ImageError(f"{what}: digest mismatch: expected {digest}, got {got}")
    return data


class VerifyingReader(io.RawIOBase, BinaryIO):
    """A read-only stream over ``raw`` that hashes what is read and checks it at EOF.

    At end of stream (the first read that returns no bytes) the digest of
    everything read is compared with ``digest``: a mismatch, fewer bytes than
    ``size``, or -- as soon as they arrive -- more bytes than ``size``, raise
    :class:`ImageError` naming ``what``. A stream closed before EOF is simply not
    verified (:attr:`verified` stays False); :meth:`drain` reads the rest and
    verifies. ``on_mismatch`` runs before the error is raised (a cache uses it
    to drop a corrupt entry). Closing the reader closes ``raw``.
    """

    def __init__(self, raw: BinaryIO, digest: str, size: int | None, what: str,
                 on_mismatch: Callable[[], None] | None = None, *,
                 background: bool = False) -> None:
        super().__init__()
        check_digest(digest, what)
        if size is not None and size < 0:
            raise ImageError(f"{what}: invalid size {size}")
        self._raw = raw
        self.digest = digest
        self.size = size
        self.what = what
        self._hasher = new_hasher(digest)
        self._count = 0
        self._on_mismatch = on_mismatch
        self._failed: ImageError | None = None
        self._background = background
        self._thread: _HashThread | None = None
        self.verified = False

    # -- io.RawIOBase --------------------------------------------------------------------
    def readable(self) -> bool:
        """Always readable."""
        return True

    def seekable(self) -> bool:
        """Never seekable (a hash cannot go back)."""
        return False

    def writable(self) -> bool:
        """Never writable."""
        return False

    def tell(self) -> int:
        """Bytes read so far."""
        return self._count

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``; verify at EOF."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        n = len(data)
        view[:n] = data
        return n

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all the rest when negative); ``b""`` at EOF, once verified."""
        if self.closed:
            raise ValueError("read from a closed VerifyingReader")
        if self._failed is not None:
            raise ImageError(str(self._failed))
        if self.verified:
            return b""
        if size is None or size < 0:
            chunks = []
            while chunk := self.read(1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        if size == 0:
            return b""
        if self.size is not None:
            # Ask for one byte past the declared size so that extra bytes are seen.
            size = min(size, self.size - self._count + 1)
        data = self._raw.read(size)
        if data is None:  # a non-blocking raw stream with nothing yet
            return b""
        if not data:
            self._finish()
            return b""
        data = bytes(data)  # immutable: the hasher thread may still be reading it
        self._count += len(data)
        if self.size is not None and self._count > self.size:
            self._fail(f"{self.what}: size mismatch: expected {self.size} bytes, got more")
        if self._thread is not None:
            self._thread.update(data)
        elif self._background and len(data) >= BACKGROUND_MIN:
            self._thread = _HashThread(self._hasher)
            self._thread.update(data)
        else:
            self._hasher.update(data)
        return data

    def readall(self) -> bytes:
        """All the rest, verified."""
        return self.read(-1)

    def read1(self, size: int = -1) -> bytes:
        """As :meth:`read` (there is no separate buffer)."""
        return self.read(size)

    def drain(self) -> None:
        """Read (and discard) the rest, so that the digest is verified."""
        while self.read(1 << 20):
            pass

    def close(self) -> None:
        """Close the reader and the underlying stream."""
        if not self.closed:
            try:
                self._stop_thread()  # a hash error is moot: the stream is not verified
                self._raw.close()
            finally:
                super().close()

    def __enter__(self) -> VerifyingReader:
        return self

    # -- verification --------------------------------------------------------------------
    def _stop_thread(self) -> BaseException | None:
        """Wait for the hasher thread to hash what it was given, end it; its error if any."""
        if self._thread is None:
            return None
        thread, self._thread = self._thread, None
        return thread.join()

    def _finish(self) -> None:
        error = self._stop_thread()
        if error is not None:
            raise error
        if self.size is not None and self._count != self.size:
            self._fail(f"{self.what}: size mismatch: expected {self.size} bytes, "
                       f"got {self._count}")
        algo = self.digest.split(":", 1)[0]
        got = f"{algo}:{self._hasher.hexdigest()}"
        if got != self.digest:
            self._fail(f"{self.what}: digest mismatch: expected {self.digest}, got {got}")
        self.verified = True

    def _fail(self, message: str) -> None:
        self._stop_thread()
        self._failed = ImageError(message)
        if self._on_mismatch is not None:
            callback, self._on_mismatch = self._on_mismatch, None
            callback()
        raise self._failed


class _HashThread:
    """Feeds chunks to a hashlib object in a thread; :meth:`join` waits for the last one.

    At most :data:`_QUEUE_CHUNKS` chunks wait at a time: a reader faster than the
    hash blocks, so memory stays bounded whatever the blob's size.  (A deque and two
    semaphores: what ``queue.Queue`` would do, without importing it on the way.)
    """

    def __init__(self, hasher: Any) -> None:
        from collections import deque

        self._chunks: deque[bytes | None] = deque()
        self._waiting = threading.Semaphore(0)  # chunks in the deque
        self._room = threading.Semaphore(_QUEUE_CHUNKS)  # chunks it may still take
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(hasher.update,),
                                        name="blob-hash", daemon=True)
        self._thread.start()

    def _run(self, update: Callable[[bytes], object]) -> None:
        while True:
            self._waiting.acquire()
            chunk = self._chunks.popleft()
            if chunk is None:
                return
            if self._error is None:  # after an error, keep taking chunks: never block the reader
                try:
                    update(chunk)
                except BaseException as exc:  # for join() to return
                    self._error = exc
            self._room.release()

    def _put(self, chunk: bytes | None) -> None:
        self._room.acquire()
        self._chunks.append(chunk)
        self._waiting.release()

    def update(self, data: bytes) -> None:
        """Hash ``data`` after the chunks given before it."""
        self._put(data)

    def join(self) -> BaseException | None:
        """Return once every chunk given is hashed (the thread ends), with its error if any."""
        self._put(None)
        self._thread.join()
        return self._error


@dataclass(frozen=True)
class Region:
    """A blob kept in a local file: ``length`` bytes at ``offset`` of the open ``fd``.

    ``digest`` and ``size`` are what the manifest says the blob is; ``what`` names
    it in messages.  ``identity`` is the file's ``fstat`` identity when the region
    was taken (see :func:`file_identity`).
    """

    fd: int
    offset: int
    length: int
    digest: str
    size: int | None
    what: str
    identity: tuple[int, ...]


def file_identity(fd: int) -> tuple[int, ...]:
    """What changes when a file is replaced, rewritten or truncated.

    Device, inode, size, modification and status-change times.
    """
    st = os.fstat(fd)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class RegionDigests:
    """Verify regions of local files in threads, beside the code that reads the same bytes.

    ``threads`` threads at most (hashlib and ``pread`` release the GIL), plus the
    thread that waits in :meth:`check`, which hashes what is still queued.

    :meth:`submit` every region first (the largest are hashed first), then, once
    its bytes were also read for their analysis, :meth:`check` each: it waits for
    that region and raises the :class:`ImageError` a :class:`VerifyingReader`
    reading the region would have raised (size, then digest), or one saying that
    the file changed since the region was taken.
    Memory: one :data:`REGION_CHUNK` buffer per hashing thread.  :meth:`close` stops
    whatever is not hashed yet and waits for the threads.
    """

    def __init__(self, threads: int) -> None:
        self._threads_wanted = max(1, threads)
        self._queue: list[tuple[object, Region]] = []
        self._results: dict[object, ImageError | None] = {}
        self._regions: dict[object, Region] = {}
        self._cond = threading.Condition()
        self._stop = False
        self._threads: list[threading.Thread] = []
        self._running = 0  # threads started that have not found the queue empty yet
        self._caller_buffer: bytearray | None = None  # for check()'s own hashing

    def submit(self, key: object, region: Region) -> None:
        """Queue ``region`` (under ``key``); hashing starts at once."""
        check_digest(region.digest, region.what)
        with self._cond:
            self._regions[key] = region
            self._queue.append((key, region))
            self._queue.sort(key=lambda job: job[1].length)  # popped from the end: largest
            if self._running < min(self._threads_wanted, len(self._queue)):
                thread = threading.Thread(target=self._run, name="region-hash", daemon=True)
                self._threads.append(thread)
                self._running += 1
                thread.start()

    def check(self, key: object) -> None:
        """Wait for ``key``'s region to be hashed; raise its error, if any.

        While it waits, the calling thread hashes queued regions itself (so a caller
        done with its own work is one more hasher).  Call it once the bytes were read
        for their analysis too: it also checks that the file is still the one the
        region was taken from, unchanged.
        """
        while True:
            with self._cond:
                if key in self._results:
                    error = self._results[key]
                    region = self._regions[key]
                    break
                if self._stop:
                    raise ImageError("the digest check was stopped")
                if not self._queue:
                    self._cond.wait()
                    continue
                job = self._queue.pop()
            self._work(*job, self._buffer())
        if error is not None:
            raise ImageError(str(error))
        if file_identity(region.fd) != region.identity:
            raise ImageError(f"{region.what}: the file changed while it was read")

    def close(self) -> None:
        """Stop hashing (regions not finished are never reported) and end the threads."""
        with self._cond:
            self._stop = True
            self._queue.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    def __enter__(self) -> RegionDigests:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _buffer(self) -> bytearray:
        if self._caller_buffer is None:
            self._caller_buffer = bytearray(REGION_CHUNK)
        return self._caller_buffer

    def _run(self) -> None:
        buffer = bytearray(REGION_CHUNK)
        while True:
            with self._cond:
                if self._stop or not self._queue:
                    self._running -= 1
                    return
                key, region = self._queue.pop()
            if not self._work(key, region, buffer):
                with self._cond:
                    self._running -= 1
                return

    def _work(self, key: object, region: Region, buffer: bytearray) -> bool:
        """Hash one region and record its result; False when stopped meanwhile."""
        try:
            error = self._verify(region, buffer)
        except _Stopped:
            return False
        except OSError as exc:
            error = ImageError(f"{region.what}: cannot be read ({exc.strerror or exc})")
        except BaseException as exc:  # a bug: reported by check()
            error = ImageError(f"{region.what}: the digest check failed ({exc!r})")
        with self._cond:
            self._results[key] = error
            self._cond.notify_all()
        return True

    def _verify(self, region: Region, buffer: bytearray) -> ImageError | None:
        """The error VerifyingReader would raise for these bytes, or None when they match."""
        hasher = new_hasher(region.digest)
        view = memoryview(buffer)
        pos, count = region.offset, 0
        # as VerifyingReader does: read one byte past the declared size to see extra bytes
        want = region.length if region.size is None else min(region.length, region.size + 1)
        while count < want:
            if self._stop:
                raise _Stopped
            n = os.preadv(region.fd, [view[: min(len(buffer), want - count)]], pos)
            if n == 0:
                break  # the file ends before the region does
            hasher.update(view[:n])
            pos += n
            count += n
        if region.size is not None:
            if count > region.size:
                return ImageError(f"{region.what}: size mismatch: expected {region.size} "
                                  "bytes, got more")
            if count != region.size:
                return ImageError(f"{region.what}: size mismatch: expected {region.size} "
                                  f"bytes, got {count}")
        got = f"{region.digest.split(':', 1)[0]}:{hasher.hexdigest()}"
        if got != region.digest:
            return ImageError(f"{region.what}: digest mismatch: expected {region.digest}, "
                              f"got {got}")
        return None


class _Stopped(Exception):
    """RegionDigests.close() was called while a region was hashed."""
