"""Content digests: validation, hashing, and the verification of blobs in local files.

A blob kept in a local file (a docker archive's layer, an OCI layout's blob) is
verified apart from its reading: :class:`RegionDigests` hashes its bytes
straight from the file in threads (``pread`` and hashlib release the GIL), while
the tar walk reads -- and seeks over -- the same bytes; the caller checks each
digest, and that the file did not change meanwhile, before any result built
from the blob is used.

The command line may start verifying a docker archive's layers before it loads
the analysis modules (:mod:`.localfiles`), in the :data:`EARLY` instance; a
:class:`RegionDigests` given the same region of the same, unchanged file then
adopts that work instead of hashing the bytes again.  This module is light on
purpose (hashlib, threading, os): it is imported before the rest.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import os
import re
import sys
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from .errors import ContentMismatch, ImageError

#: The digest algorithms registered by the OCI image spec, with their hex lengths.
ALGORITHMS: dict[str, int] = {"sha256": 64, "sha512": 128}
DIGEST_RE = re.compile(r"^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")
REGION_CHUNK = 4 << 20  # bytes read (into one reused buffer) per pread by RegionDigests
MAX_THREADS = 8  # hashing threads of one RegionDigests at most (a 4 MiB buffer each)


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


class Region(NamedTuple):
    """A blob kept in a local file: ``length`` bytes at ``offset`` of the open ``fd``.

    ``digest`` and ``size`` are what the manifest says the blob is; ``what`` names
    it in messages.  ``identity`` is the file's :func:`file_identity` when the
    region was taken.
    """

    fd: int
    offset: int
    length: int
    digest: str
    size: int | None
    what: str
    identity: tuple[int, ...]

    @property
    def key(self) -> tuple[object, ...]:
        """The same bytes of the same, unchanged file, whatever descriptor reads them."""
        return (self.identity, self.offset, self.length, self.digest, self.size)


def file_identity(fd: int) -> tuple[int, ...]:
    """What changes when a file is replaced, rewritten or truncated.

    Device, inode, size, modification and status-change times.
    """
    st = os.fstat(fd)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


# While a blob is walked, its hasher threads need the GIL for a moment after each
# chunk; with the default 5 ms switch interval they wait that long behind the walk (or
# the imports) every time, and the hash ends long after the walk.  50 us lets them in.
SWITCH_INTERVAL = 5e-5


def shorten_switch_interval() -> Callable[[], None]:
    """Make the GIL switch interval :data:`SWITCH_INTERVAL` at most; what restores it."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_INTERVAL))
    return lambda: sys.setswitchinterval(before)


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class RegionDigests:
    """Verify regions of local files in threads, beside the code that reads the same bytes.

    ``threads`` threads at most (and :data:`MAX_THREADS`), plus any thread that
    waits in :meth:`check`, which hashes what is still queued.  The same region
    submitted twice is hashed once.  :meth:`submit` every region first (the
    largest are hashed first), then, once its bytes were also read for their
    analysis, :meth:`check` each: it waits for that region and raises the
    :class:`ImageError` a verifying stream reading the region would have raised
    (size, then digest), or one saying that the file changed since the region was
    taken.  A region :data:`EARLY` was given is not hashed again: its result is
    adopted.  Memory: one :data:`REGION_CHUNK` buffer per hashing thread.
    :meth:`close` stops whatever is not hashed yet and waits for the threads.
    """

    def __init__(self, threads: int) -> None:
        self._threads_wanted = min(max(1, threads), MAX_THREADS)
        # a heap, largest region first (then in submission order)
        self._queue: list[tuple[int, int, object, Region]] = []
        self._order = itertools.count()
        self._results: dict[object, str | None] = {}  # key -> what is wrong (None: fine)
        self._regions: dict[object, Region] = {}
        self._keys: dict[tuple[object, ...], object] = {}  # Region.key -> key
        # key -> (the instance hashing these bytes, its key): EARLY, or this one
        self._adopted: dict[object, tuple[RegionDigests, object]] = {}
        self._cond = threading.Condition()
        self._stop = False
        self._threads: list[threading.Thread] = []
        self._running = 0  # threads started that have not found the queue empty yet
        self._buffers = threading.local()  # the buffer of each thread hashing in check()

    def submit(self, key: object, region: Region) -> None:
        """Queue ``region`` (under ``key``); hashing starts at once."""
        check_digest(region.digest, region.what)
        early = EARLY if EARLY is not self else None
        adopted = early.find(region) if early is not None else None
        with self._cond:
            self._regions[key] = region
            if early is not None and adopted is not None:
                self._adopted[key] = (early, adopted)
                return
            same = self._keys.get(region.key)
            if same is not None:  # these bytes are hashed already, under another key
                self._adopted[key] = (self, same)
                return
            self._keys[region.key] = key
            heapq.heappush(self._queue, (-region.length, next(self._order), key, region))
            if self._running < min(self._threads_wanted, len(self._queue)):
                thread = threading.Thread(target=self._run, name="region-hash", daemon=True)
                self._threads.append(thread)
                self._running += 1
                thread.start()

    def find(self, region: Region) -> object | None:
        """The key under which these bytes were submitted here, if they were."""
        with self._cond:
            return None if self._stop else self._keys.get(region.key)

    def check(self, key: object) -> None:
        """Wait for ``key``'s region to be hashed; raise its error, if any.

        While it waits, the calling thread hashes queued regions itself (so a caller
        done with its own work is one more hasher).  Call it once the bytes were read
        for their analysis too: it also checks that the file is still the one the
        region was taken from, unchanged.
        """
        with self._cond:
            region = self._regions[key]
            owner, owner_key = self._adopted.get(key, (self, key))
        problem = owner.outcome(owner_key)
        if problem is not None:
            raise ContentMismatch(f"{region.what}: {problem}")
        if file_identity(region.fd) != region.identity:
            raise ImageError(f"{region.what}: the file changed while it was read")

    def outcome(self, key: object) -> str | None:
        """What is wrong with ``key``'s bytes (None: nothing), once hashed (helping meanwhile)."""
        while True:
            with self._cond:
                if key in self._results:
                    return self._results[key]
                if self._stop:
                    return "the digest check was stopped before the end"
                if not self._queue:
                    self._cond.wait()
                    continue
                _, _, job_key, job_region = heapq.heappop(self._queue)
            self._work(job_key, job_region, self._buffer())

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
        buffer: bytearray | None = getattr(self._buffers, "buffer", None)
        if buffer is None:
            buffer = self._buffers.buffer = bytearray(REGION_CHUNK)
        return buffer

    def _run(self) -> None:
        buffer = bytearray(REGION_CHUNK)
        while True:
            with self._cond:
                if self._stop or not self._queue:
                    self._running -= 1
                    return
                _, _, key, region = heapq.heappop(self._queue)
            if not self._work(key, region, buffer):
                with self._cond:
                    self._running -= 1
                return

    def _work(self, key: object, region: Region, buffer: bytearray) -> bool:
        """Hash one region and record its result; False when stopped meanwhile."""
        try:
            problem = self._verify(region, buffer)
        except _Stopped:
            return False
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror or exc})"
        except Exception as exc:  # a bug: reported by check() (an interrupt propagates)
            problem = f"the digest check failed ({exc!r})"
        with self._cond:
            self._results[key] = problem
            self._cond.notify_all()
        return True

    def _verify(self, region: Region, buffer: bytearray) -> str | None:
        """What a verifying stream would report for these bytes, or None when they match."""
        hasher = new_hasher(region.digest)
        view = memoryview(buffer)
        pos, count = region.offset, 0
        # as a verifying stream does: read one byte past the declared size to see extra bytes
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
                return f"size mismatch: expected {region.size} bytes, got more"
            if count != region.size:
                return f"size mismatch: expected {region.size} bytes, got {count}"
        got = f"{region.digest.split(':', 1)[0]}:{hasher.hexdigest()}"
        if got != region.digest:
            return f"digest mismatch: expected {region.digest}, got {got}"
        return None


class _Stopped(Exception):
    """RegionDigests.close() was called while a region was hashed."""


#: Started by :func:`.localfiles.verify_early` (the command line) before the
#: analysis modules load; any :class:`RegionDigests` adopts its results.
EARLY: RegionDigests | None = None
