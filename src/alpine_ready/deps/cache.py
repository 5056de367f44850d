"""An on-disk cache of package-index responses (``~/.cache/alpine-ready/index``).

One entry per (URL, Accept header): the body, the headers that matter for
revalidation (``ETag``, ``Last-Modified``) and for parsing (``Content-Type``),
the URL the body finally came from (after redirects) and the time it was fetched.

Layout: ``ROOT/v1/<first 2 hex>/<sha256 of URL, newline, ACCEPT>``; each file is one line of
JSON metadata followed by the raw body. Files are written to a temporary name and
renamed into place, so a reader sees a whole entry or none; a corrupt entry is
removed and treated as a miss.

Expiry: an entry older than ``max_age`` seconds is returned flagged ``stale``; the
caller revalidates it (``If-None-Match`` / ``If-Modified-Since``) and, on ``304``,
calls :meth:`ResponseCache.refresh`, which keeps the body and restarts the clock.
Offline callers use stale entries as they are (still flagged).

Size: after writes, least recently used entries (mtime, touched on every read) are
removed until the cache fits ``max_bytes``.

URLs are stored without credentials (``user:password@`` is removed by the caller,
see :func:`safe_url`), so no secret reaches the disk.

This module also defines the errors of :mod:`alpine_ready.deps` (the cache raises
:class:`IndexUnavailable` for an offline miss).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 3600.0  # one hour: index pages change when a release is uploaded
DEFAULT_MAX_BYTES = 512 * 1024**2
FORMAT = 1
#: Response headers kept with an entry (lower case).
KEPT_HEADERS = ("content-type", "etag", "last-modified", "date", "cache-control")


class PackageIndexError(Exception):
    """A package index could not answer for a project; the message is one line."""


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
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query,
                                    parts.fragment))


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

    def __init__(self, root: Path | None = None, *, max_age: float = DEFAULT_MAX_AGE,
                 max_bytes: int = DEFAULT_MAX_BYTES,
                 clock: Callable[[], float] = time.time, name: str = "index") -> None:
        self.name = name  # for messages: "the index cache"
        self.root = root if root is not None else default_cache_root()
        self.max_age = max_age
        self.max_bytes = max_bytes
        self.clock = clock
        self._dir = self.root / f"v{FORMAT}"
        self._lock = threading.Lock()
        self._total: int | None = None  # bytes on disk, as far as this process knows

    # -- keys ----------------------------------------------------------------------------
    @staticmethod
    def key(url: str, accept: str) -> str:
        """The entry's file name: SHA-256 of the URL and the Accept header."""
        return hashlib.sha256(f"{url}\n{accept}".encode()).hexdigest()

    def path(self, url: str, accept: str) -> Path:
        """Where the entry for (url, accept) lives."""
        k = self.key(url, accept)
        return self._dir / k[:2] / k

    # -- reading -------------------------------------------------------------------------
    def get(self, url: str, accept: str, *, body: bool = True) -> CachedResponse | None:
        """The entry, fresh or flagged ``stale``; None on a miss (or a corrupt entry).

        ``body=False`` reads only the metadata line (``loaded`` is then False): enough
        to know what the entry is without reading megabytes.
        """
        p = self.path(url, accept)
        try:
            with p.open("rb") as f:
                meta_line = f.readline(1024 * 1024)
                if body:
                    data = f.read()
                else:
                    data = b""
                    size = os.fstat(f.fileno()).st_size - len(meta_line)
        except FileNotFoundError:
            return None
        except OSError as e:
            log.warning("index cache: cannot read %s (%s)", p, e)
            return None
        entry = self._decode(meta_line, data, url, accept, None if body else size)
        if entry is None:
            log.warning("index cache: removing corrupt entry %s", p)
            with contextlib.suppress(OSError):
                p.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(p)  # least recently used goes first
        return replace(entry, stale=self.is_stale(entry))

    def is_stale(self, entry: CachedResponse) -> bool:
        """Older than ``max_age`` (or fetched in the future: a clock went back)."""
        age = self.clock() - entry.fetched_at
        return age > self.max_age or age < -300

    def with_max_age(self, entry: CachedResponse, max_age: float) -> CachedResponse:
        """``entry`` with its staleness judged by ``max_age`` instead of the cache's."""
        age = self.clock() - entry.fetched_at
        return replace(entry, stale=age > max_age or age < -300)

    @staticmethod
    def _decode(meta_line: bytes, body: bytes, url: str, accept: str,
                unloaded_size: int | None = None) -> CachedResponse | None:
        try:
            meta = json.loads(meta_line)
        except (ValueError, UnicodeDecodeError):
            return None
        size = len(body) if unloaded_size is None else unloaded_size
        if not isinstance(meta, dict) or meta.get("format") != FORMAT \
                or meta.get("url") != url or meta.get("accept") != accept \
                or meta.get("size") != size:
            return None
        headers = meta.get("headers")
        fetched_at = meta.get("fetched_at")
        final_url = meta.get("final_url", "")
        if not isinstance(headers, list) or not isinstance(fetched_at, (int, float)) \
                or not isinstance(final_url, str):
            return None
        pairs = []
        for h in headers:
            if not (isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h)):
                return None
            pairs.append((h[0], h[1]))
        return CachedResponse(url=url, accept=accept, body=body, headers=tuple(pairs),
                              fetched_at=float(fetched_at), final_url=final_url,
                              size=size, loaded=unloaded_size is None)

    # -- writing -------------------------------------------------------------------------
    def put(self, url: str, accept: str, body: bytes,
            headers: Iterable[tuple[str, str]] | Mapping[str, str] = (), *,
            final_url: str = "", fetched_at: float | None = None) -> CachedResponse:
        """Store a response (now, unless ``fetched_at``); returns the (fresh) entry.

        A cache that cannot be written is logged, not raised: the entry is returned anyway.
        """
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        entry = CachedResponse(url=url, accept=accept, body=body, headers=kept_headers(pairs),
                               fetched_at=self.clock() if fetched_at is None else fetched_at,
                               final_url="" if final_url == url else final_url)
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

    def refresh(self, entry: CachedResponse,
                headers: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> CachedResponse:
        """After a ``304``: same body, new validators if the server sent any, clock reset."""
        entry = self.load(entry)
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        merged = dict(entry.headers)
        merged.update({k: v for k, v in kept_headers(pairs) if k != "content-type"})
        return self.put(entry.url, entry.accept, entry.body, merged,
                        final_url=entry.final_url)

    def _write(self, entry: CachedResponse) -> None:
        meta = {"format": FORMAT, "url": entry.url, "accept": entry.accept,
                "final_url": entry.final_url, "fetched_at": entry.fetched_at,
                "size": len(entry.body), "headers": [list(h) for h in entry.headers]}
        line = json.dumps(meta, separators=(",", ":")).encode() + b"\n"
        p = self.path(entry.url, entry.accept)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            old = p.stat().st_size if p.exists() else 0
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(line)
                    f.write(entry.body)
                Path(tmp).replace(p)
            except BaseException:
                with contextlib.suppress(OSError):
                    Path(tmp).unlink()
                raise
        except OSError as e:
            log.warning("index cache %s not writable (%s); going on without it", self.root, e)
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

    def size(self) -> int:
        """Bytes the entries take on disk."""
        return sum(s for _, s, _ in self._entries())

    def _account(self, delta: int) -> None:
        with self._lock:
            if self._total is None:
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
