"""An on-disk cache of package-index responses (``~/.cache/alpine-ready/index``).

One entry per (URL, Accept header): the body, the headers that matter for
revalidation (``ETag``, ``Last-Modified``) and for parsing (``Content-Type``),
the URL the body finally came from (after redirects) and the time it was fetched.

Layout: ``ROOT/v1/<first 2 hex>/<sha256 of URL, newline, ACCEPT>``; each file is one line of
JSON metadata followed by the raw body. Files are written with
:func:`~alpine_ready.guard.cache_write` (a fresh ``O_EXCL`` temporary name renamed into
place), so a reader sees a whole entry or none and a planted symlink is never written
through.  Every entry is verified when it is read: it must be a regular file (never
followed through a symlink) no larger than :data:`MAX_ENTRY_BYTES`, whose metadata
line parses (depth-bounded, :mod:`.loader`), names the URL and Accept header asked
for and the body's exact size.  Anything else -- a corrupt, truncated, tampered or
planted entry -- is removed and treated as a miss, never raised.

Expiry: an entry older than ``max_age`` seconds is returned flagged ``stale``; the
caller revalidates it (``If-None-Match`` / ``If-Modified-Since``) and, on ``304``,
calls :meth:`ResponseCache.refresh`, which keeps the body and restarts the clock.
Offline callers use stale entries as they are (still flagged).

Batches: within :meth:`ResponseCache.listed` a miss is told from one listing of the
cache taken when the batch starts, not from an ``open`` per entry (offline, a
300,000-package lockfile is 300,000 misses).

Size: after writes, least recently used entries (mtime, touched on every read) are
removed until the cache fits ``max_bytes``; temporary files a killed run left behind
are swept (:func:`~alpine_ready.guard.remove_stale_temps`) the first time a process
measures the cache.

URLs are stored without credentials (``user:password@`` is removed by the caller,
see :func:`safe_url`), so no secret reaches the disk.

This module also defines the errors of :mod:`alpine_ready.deps` (the cache raises
:class:`IndexUnavailable` for an offline miss).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import math
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import PackageIndexError
from ..guard import cache_write, remove_stale_temps
from ..net.urls import without_userinfo
from .loader import DocumentError, parse_json

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 3600.0  # one hour: index pages change when a release is uploaded
DEFAULT_MAX_BYTES = 512 * 1024**2
FORMAT = 1
#: The largest entry a reader accepts (bodies are bounded by the HTTP client, 128 MiB).
MAX_ENTRY_BYTES = 129 * 1024**2
#: The longest metadata line.
MAX_META_BYTES = 1024**2
#: Response headers kept with an entry (lower case).
KEPT_HEADERS = ("content-type", "etag", "last-modified", "date", "cache-control")


class IndexUnavailable(PackageIndexError):
    """The index did not answer (timeout, connection, HTTP error, offline miss)."""


class ProjectNotFound(PackageIndexError):
    """The index answered that it has no such project (HTTP 404)."""


def default_cache_root() -> Path:
    """``$XDG_CACHE_HOME/alpine-ready/index`` (``~/.cache/alpine-ready/index``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alpine-ready" / "index"


def safe_url(url: str) -> str:
    """``url`` without credentials (``user:password@``) -- fit for logs, errors and disk."""
    return without_userinfo(url)


@dataclass(frozen=True)
class CachedResponse:
    """A response body with its metadata, as stored (or about to be)."""

    url: str  # the URL asked for (the cache key, with the Accept header)
    accept: str
    body: bytes
    headers: tuple[tuple[str, str], ...]  # lower-case names, from KEPT_HEADERS
    fetched_at: float  # seconds since the epoch, when the body was last known current
    final_url: str = ""  # where the body came from after redirects (base for links)
    stale: bool = False  # older than the cache's max_age when it was looked up
    size: int = -1  # bytes of the body as stored (-1: len(body))
    loaded: bool = True  # False: looked up with body=False; ``body`` is empty

    @property
    def body_size(self) -> int:
        """Bytes of the body, loaded or not."""
        return self.size if self.size >= 0 else len(self.body)

    def header(self, name: str) -> str | None:
        """The value of a kept header (case-insensitive name), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    @property
    def base_url(self) -> str:
        """The URL relative links in the body are relative to."""
        return self.final_url or self.url

    @property
    def content_type(self) -> str:
        """The media type, without parameters, lower case ('' if unknown)."""
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def validators(self) -> dict[str, str]:
        """Conditional request headers that revalidate this entry."""
        out = {}
        etag = self.header("etag")
        if etag:
            out["If-None-Match"] = etag
        modified = self.header("last-modified")
        if modified:
            out["If-Modified-Since"] = modified
        return out


def kept_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The headers worth storing, lower-cased names, first value of each."""
    out: dict[str, str] = {}
    for k, v in headers:
        k = k.lower()
        if k in KEPT_HEADERS and k not in out:
            out[k] = v
    return tuple(sorted(out.items()))


class ResponseCache:
    """Index responses on disk, keyed by URL and Accept header (thread-safe)."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Callable[[], float] = time.time,
        name: str = "index",
    ) -> None:
        self.name = name  # for messages: "the index cache"
        self.root = root if root is not None else default_cache_root()
        self.max_age = max_age
        self.max_bytes = max_bytes
        self.clock = clock
        self._dir = self.root / f"v{FORMAT}"
        self._dir_s = os.fspath(self._dir)
        self._lock = threading.Lock()
        self._total: int | None = None  # bytes on disk, as far as this process knows
        # within listed(): the names of the entries on disk (None: open each to know)
        self._present: set[str] | None = None

    # -- keys ----------------------------------------------------------------------------
    @staticmethod
    def key(url: str, accept: str) -> str:
        """The entry's file name: SHA-256 of the URL and the Accept header."""
        return hashlib.sha256(f"{url}\n{accept}".encode()).hexdigest()

    def path(self, url: str, accept: str) -> Path:
        """Where the entry for (url, accept) lives."""
        return Path(self._file(url, accept))

    def _file(self, url: str, accept: str) -> str:
        k = self.key(url, accept)
        return f"{self._dir_s}/{k[:2]}/{k}"

    # -- batches -------------------------------------------------------------------------
    @contextlib.contextmanager
    def listed(self) -> Iterator[None]:
        """Within: a miss is told from one listing of the cache, not an ``open`` each.

        For a batch of lookups (offline, a 300,000-package lockfile is that many misses):
        the entries on disk are listed once on entry and :meth:`get` opens only those
        listed.  What this process writes or drops meanwhile is kept track of; an entry
        another process writes meanwhile is seen by the next batch.
        """
        names = self._names()
        with self._lock:
            before, self._present = self._present, names
        try:
            yield
        finally:
            with self._lock:
                self._present = before

    def _names(self) -> set[str] | None:
        """The file names in the shard directories; None when they cannot all be listed."""
        names: set[str] = set()
        try:
            top = os.scandir(self._dir_s)
        except FileNotFoundError:
            return names  # an empty cache: nothing to open
        except OSError:
            return None
        with top:
            for sub in top:
                if len(sub.name) != 2:
                    continue  # never a shard (get opens only <2 hex>/<key>)
                try:
                    with os.scandir(sub.path) as it:
                        names.update(e.name for e in it)
                except OSError:
                    return None  # not a directory, unreadable: let get see (and say) why
        return names

    def listed_empty(self) -> bool:
        """Within :meth:`listed`: no entry at all is on disk (every lookup a miss)."""
        present = self._present
        return present is not None and not present

    def has(self, url: str, accept: str) -> bool | None:
        """Within :meth:`listed`: is the entry on disk (False: surely not)?  None: unknown."""
        present = self._present
        if present is None:
            return None
        return bool(present) and self.key(url, accept) in present

    # -- reading -------------------------------------------------------------------------
    def get(self, url: str, accept: str, *, body: bool = True) -> CachedResponse | None:
        """The entry, fresh or flagged ``stale``; None on a miss (or a bad entry, removed).

        ``body=False`` reads only the metadata line (``loaded`` is then False): enough
        to know what the entry is without reading megabytes.
        """
        present = self._present
        if present is not None:
            if not present:
                return None  # (listed empty: not even a hash to compute)
            k = self.key(url, accept)
            if k not in present:
                return None
            p = f"{self._dir_s}/{k[:2]}/{k}"
        else:
            p = self._file(url, accept)
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENXIO):  # a planted symlink, socket or FIFO
                self._drop(p, "not a regular file")
            else:
                log.warning("%s cache: cannot read %s (%s)", self.name, p, e)
            return None
        try:
            entry = self._read(fd, url, accept, body)
        except OSError as e:
            log.warning("%s cache: cannot read %s (%s)", self.name, p, e)
            return None
        finally:
            os.close(fd)
        if isinstance(entry, str):
            self._drop(p, entry)
            return None
        with contextlib.suppress(OSError):
            os.utime(p)  # least recently used goes first
        return replace(entry, stale=self.is_stale(entry))

    def _read(self, fd: int, url: str, accept: str, body: bool) -> CachedResponse | str:
        """The entry in the open file, or why it is not one."""
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "not a regular file"
        if st.st_size > MAX_ENTRY_BYTES:
            return f"larger than {MAX_ENTRY_BYTES} bytes"
        with os.fdopen(os.dup(fd), "rb") as f:
            meta_line = f.readline(MAX_META_BYTES)
            size = st.st_size - len(meta_line)
            data = f.read(size + 1) if body else b""
        entry = self._decode(meta_line, data, url, accept, None if body else size)
        return entry if entry is not None else "corrupt"

    def _drop(self, p: str, why: str) -> None:
        log.warning("%s cache: removing a bad entry %s (%s)", self.name, p, why)
        present = self._present
        if present is not None:
            present.discard(p.rsplit("/", 1)[-1])
        with contextlib.suppress(OSError):
            Path(p).unlink()

    def discard(self, url: str, accept: str) -> None:
        """Remove the entry for (url, accept): its content did not verify."""
        self._drop(self._file(url, accept), "its content does not verify")

    def is_stale(self, entry: CachedResponse) -> bool:
        """Older than ``max_age`` (or fetched in the future: a clock went back)."""
        age = self.clock() - entry.fetched_at
        return age > self.max_age or age < -300

    def with_max_age(self, entry: CachedResponse, max_age: float) -> CachedResponse:
        """``entry`` with its staleness judged by ``max_age`` instead of the cache's."""
        age = self.clock() - entry.fetched_at
        return replace(entry, stale=age > max_age or age < -300)

    @staticmethod
    def _decode(
        meta_line: bytes, body: bytes, url: str, accept: str, unloaded_size: int | None = None
    ) -> CachedResponse | None:
        if not meta_line.endswith(b"\n"):
            return None
        try:
            meta: Any = parse_json(meta_line)
        except DocumentError:
            return None
        size = len(body) if unloaded_size is None else unloaded_size
        if (
            not isinstance(meta, dict)
            or meta.get("format") != FORMAT
            or meta.get("url") != url
            or meta.get("accept") != accept
            or type(meta.get("size")) is not int
            or meta["size"] != size
        ):
            return None
        headers = meta.get("headers")
        fetched_at: Any = meta.get("fetched_at")
        final_url = meta.get("final_url", "")
        if (
            not isinstance(headers, list)
            or type(fetched_at) not in (int, float)
            or not math.isfinite(fetched_at)
            or not isinstance(final_url, str)
        ):
            return None
        pairs = []
        for h in headers:
            if not (isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h)):
                return None
            pairs.append((h[0], h[1]))
        return CachedResponse(
            url=url,
            accept=accept,
            body=body,
            headers=tuple(pairs),
            fetched_at=float(fetched_at),
            final_url=final_url,
            size=size,
            loaded=unloaded_size is None,
        )

    # -- writing -------------------------------------------------------------------------
    def put(
        self,
        url: str,
        accept: str,
        body: bytes,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        *,
        final_url: str = "",
        fetched_at: float | None = None,
    ) -> CachedResponse:
        """Store a response (now, unless ``fetched_at``); returns the (fresh) entry.

        A cache that cannot be written is logged, not raised: the entry is returned anyway.
        """
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        entry = CachedResponse(
            url=url,
            accept=accept,
            body=body,
            headers=kept_headers(pairs),
            fetched_at=self.clock() if fetched_at is None else fetched_at,
            final_url="" if final_url == url else final_url,
        )
        self._write(entry)
        return replace(entry, stale=self.is_stale(entry))

    def load(self, entry: CachedResponse) -> CachedResponse:
        """``entry`` with its body (it was looked up with ``body=False``)."""
        if entry.loaded:
            return entry
        full = self.get(entry.url, entry.accept)
        if full is None:
            raise IndexUnavailable(f"{entry.url}: its cache entry disappeared")
        return full

    def refresh(
        self, entry: CachedResponse, headers: Iterable[tuple[str, str]] | Mapping[str, str] = ()
    ) -> CachedResponse:
        """After a ``304``: same body, new validators if the server sent any, clock reset."""
        entry = self.load(entry)
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        merged = dict(entry.headers)
        merged.update({k: v for k, v in kept_headers(pairs) if k != "content-type"})
        return self.put(entry.url, entry.accept, entry.body, merged, final_url=entry.final_url)

    def _write(self, entry: CachedResponse) -> None:
        meta = {
            "format": FORMAT,
            "url": entry.url,
            "accept": entry.accept,
            "final_url": entry.final_url,
            "fetched_at": entry.fetched_at,
            "size": len(entry.body),
            "headers": [list(h) for h in entry.headers],
        }
        line = json.dumps(meta, separators=(",", ":")).encode() + b"\n"
        p = self.path(entry.url, entry.accept)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            try:
                old = os.lstat(p).st_size
            except FileNotFoundError:
                old = 0
            cache_write(p.parent, p.name, line + entry.body)
            present = self._present
            if present is not None:
                present.add(p.name)
        except OSError as e:
            log.warning(
                "%s cache %s not writable (%s); going on without it", self.name, self.root, e
            )
            return
        self._account(len(line) + len(entry.body) - old)

    # -- size ----------------------------------------------------------------------------
    def _entries(self) -> list[tuple[float, int, Path]]:
        out: list[tuple[float, int, Path]] = []
        if not self._dir.is_dir():
            return out
        for sub in self._dir.iterdir():
            if not sub.is_dir() or sub.is_symlink():
                continue
            for p in sub.iterdir():
                with contextlib.suppress(OSError):
                    st = p.lstat()
                    out.append((st.st_mtime, st.st_size, p))
        return out

    def _sweep(self) -> None:
        """Remove the temporary files killed runs left (older than an hour)."""
        if not self._dir.is_dir():
            return
        for sub in self._dir.iterdir():
            if sub.is_dir() and not sub.is_symlink():
                removed = remove_stale_temps(sub)
                if removed:
                    log.info("%s cache: removed %d stale temporary files", self.name, removed)

    def size(self) -> int:
        """Bytes the entries take on disk."""
        return sum(s for _, s, _ in self._entries())

    def _account(self, delta: int) -> None:
        with self._lock:
            if self._total is None:
                self._sweep()
                self._total = self.size()
            else:
                self._total += delta
            if self._total <= self.max_bytes:
                return
            entries = sorted(self._entries())
            total = sum(s for _, s, _ in entries)
            for _, s, p in entries:
                if total <= self.max_bytes:
                    break
                with contextlib.suppress(OSError):
                    p.unlink()
                    total -= s
                    log.debug("index cache: evicted %s", p.name)
            self._total = total

    def clear(self) -> None:
        """Remove every entry."""
        with self._lock:
            for _, _, p in self._entries():
                with contextlib.suppress(OSError):
                    p.unlink()
            self._total = 0
