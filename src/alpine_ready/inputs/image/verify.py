"""Content digests: validation, hashing, and a stream that verifies as it is read.

Every image source (a registry, a docker archive, an OCI layout) hands out blobs
wrapped in a :class:`VerifyingReader`, so a blob whose bytes do not match its
digest (or its declared size) is a :class:`ContentMismatch` (an :class:`ImageError`)
naming the blob, however it was read.

A reader made with ``background=True`` hashes large chunks in a thread of its own
(hashlib releases the GIL on large updates), so that hashing a local layer overlaps
its tar walk on another core.  The bytes hashed are the bytes handed out, in order,
and the digest is still checked before the first read that returns ``b""``.

A blob stored in a local file can instead be verified apart from its reading:
see :mod:`.digests` (where the digest helpers live too).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

from .digests import ALGORITHMS as ALGORITHMS
from .digests import DIGEST_RE as DIGEST_RE
from .digests import check_digest as check_digest
from .digests import digest_of as digest_of
from .digests import new_hasher as new_hasher
from .errors import ContentMismatch, ImageError

BACKGROUND_MIN = 256 << 10  # chunks at least this large start the background hasher
_QUEUE_CHUNKS = 8  # chunks queued for the hasher at most (bounds the memory it holds)


def verify_bytes(data: bytes, digest: str, size: int | None, what: str) -> bytes:
    """``data`` if it matches ``digest`` (and ``size``), else :class:`ImageError`."""
    check_digest(digest, what)
    if size is not None and len(data) != size:
        raise ContentMismatch(f"{what}: size mismatch: expected {size} bytes, got {len(data)}")
    got = digest_of(data, digest.split(":", 1)[0])
    if got != digest:
        raise ContentMismatch(f"{what}: digest mismatch: expected {digest}, got {got}")
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

    def __init__(
        self,
        raw: BinaryIO,
        digest: str,
        size: int | None,
        what: str,
        on_mismatch: Callable[[], None] | None = None,
        *,
        background: bool = False,
    ) -> None:
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
        self._failed: ContentMismatch | None = None
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
            raise ContentMismatch(str(self._failed))
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
            self._fail(f"{self.what}: size mismatch: expected {self.size} bytes, got {self._count}")
        algo = self.digest.split(":", 1)[0]
        got = f"{algo}:{self._hasher.hexdigest()}"
        if got != self.digest:
            self._fail(f"{self.what}: digest mismatch: expected {self.digest}, got {got}")
        self.verified = True

    def _fail(self, message: str) -> None:
        self._stop_thread()
        self._failed = ContentMismatch(message)
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
        self._thread = threading.Thread(
            target=self._run, args=(hasher.update,), name="blob-hash", daemon=True
        )
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
