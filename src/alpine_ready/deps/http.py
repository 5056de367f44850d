"""HTTP for the package indexes (PyPI's Simple API, the npm registry), through the cache.

One client, two registries: :class:`HttpClient` sends GETs with ``urllib.request``
(which honours the ``*_proxy`` variables) and :meth:`HttpClient.cached` puts the
:class:`~.cache.ResponseCache` in front of them:

- retries with exponential backoff (honouring ``Retry-After``) on 429/5xx, timeouts
  and connection errors, bounded by ``retries``; a refused connection is retried once,
  an unknown host or a bad certificate not at all;
- ``Accept-Encoding: gzip``; bodies (compressed and decompressed) bounded by
  ``max_bytes``;
- credentials are a ready ``Authorization`` value that the caller passes; they are
  dropped on a redirect to another host and never reach the cache or the logs;
- a fresh cache entry is used as it is, a stale one revalidated (``304`` keeps the
  body); when the server cannot be reached a stale entry is used (logged);
  ``offline`` never touches the network.

Errors are :class:`~.cache.PackageIndexError` subclasses: :class:`~.cache.ProjectNotFound`
for ``404``/``410``, :class:`~.cache.IndexUnavailable` for everything else.
"""

from __future__ import annotations

import base64
import http.client
import logging
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from .. import __version__
from ..http_retry import retry_after
from .cache import CachedResponse, IndexUnavailable, ProjectNotFound, ResponseCache, safe_url

log = logging.getLogger(__name__)

USER_AGENT = f"alpine-ready/{__version__}"
MAX_BODY_BYTES = 128 * 1024**2
MAX_BACKOFF = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows redirects; Authorization is not sent to another host."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int,
                         msg: str, headers: http.client.HTTPMessage, newurl: str
                         ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).netloc.lower() \
                != urllib.parse.urlsplit(req.full_url).netloc.lower():
            new.remove_header("Authorization")
        return new


@dataclass(frozen=True)
class Response:
    """One HTTP answer (body decompressed)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    final_url: str


def split_credentials(url: str) -> tuple[str, str | None]:
    """(URL without ``user:password@``, the Basic ``Authorization`` value or None)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return safe_url(url), f"Basic {token}"


def decompress(data: bytes, encoding: str, what: str, limit: int = MAX_BODY_BYTES) -> bytes:
    """Undo ``Content-Encoding`` (gzip/deflate), bounded by ``limit`` bytes."""
    if encoding in ("", "identity"):
        return data
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise IndexUnavailable(f"{what}: unsupported Content-Encoding {encoding!r}")
    d = zlib.decompressobj(wbits=47 if encoding != "deflate" else 15)
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as e:
        raise IndexUnavailable(f"{what}: corrupt {encoding} body ({e})") from e
    if len(out) > limit:
        raise IndexUnavailable(f"{what}: larger than {limit} bytes")
    return out


def describe(e: BaseException) -> str:
    """A short text for a network error."""
    if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError):
        e = e.reason if isinstance(e.reason, BaseException) else e
    if isinstance(e, (TimeoutError, socket.timeout)):
        return "timed out"
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def permanent(e: BaseException) -> bool:
    """Errors a retry will not fix: unknown host, certificate problems, a bad URL."""
    reason: Any = e.reason if isinstance(e, urllib.error.URLError) else e
    if isinstance(reason, socket.gaierror):
        return reason.errno != socket.EAI_AGAIN
    return isinstance(reason, ssl.SSLCertVerificationError)


class HttpClient:
    """GETs with retries and a size bound; thread-safe (one opener, a counter)."""

    def __init__(self, *, timeout: float = 15.0, retries: int = 3, backoff: float = 0.5,
                 max_bytes: int = MAX_BODY_BYTES,
                 auth_hint: str = "check the credentials") -> None:
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.auth_hint = auth_hint
        self._opener = urllib.request.build_opener(_RedirectHandler())
        self._lock = threading.Lock()
        self.requests = 0  # HTTP requests sent (for tests and logs)

    def get(self, url: str, headers: Mapping[str, str], what: str) -> Response:
        """One GET with retries; 2xx/304/404 returned (410 as 404), anything else raised."""
        attempt = 0
        while True:
            req = urllib.request.Request(url, headers=dict(headers))
            wait_hint: float | None = None
            with self._lock:
                self.requests += 1
            log.debug("GET %s", url)
            try:
                with self._opener.open(req, timeout=self.timeout) as r:
                    raw = r.read(self.max_bytes + 1)
                    if len(raw) > self.max_bytes:
                        raise IndexUnavailable(f"{what}: {url}: larger than "
                                               f"{self.max_bytes} bytes")
                    body = decompress(raw, (r.headers.get("Content-Encoding") or "")
                                      .strip().lower(), f"{what}: {url}", self.max_bytes)
                    return Response(r.status, tuple(r.headers.items()), body, r.geturl())
            except urllib.error.HTTPError as e:
                with e:
                    status = e.code
                    if status in (304, 404, 410):
                        return Response(404 if status == 410 else status,
                                        tuple(e.headers.items()), b"", url)
                    if status not in RETRY_STATUSES or attempt >= self.retries:
                        if status in (401, 403):
                            raise IndexUnavailable(
                                f"{what}: {url}: access denied (HTTP {status}); "
                                f"{self.auth_hint}") from None
                        raise IndexUnavailable(f"{what}: {url}: HTTP {status} {e.reason} "
                                               f"after {attempt + 1} attempts") from None
                    hint = e.headers.get("Retry-After") if e.headers is not None else None
                    wait_hint = retry_after(hint)
                    err = f"HTTP {status}"
            except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
                # refused, unresolvable, TLS, timeouts, broken responses
                # nobody listening: one quick retry (a restarting server), not a minute
                refused = isinstance(getattr(e, "reason", e), ConnectionRefusedError) \
                    and attempt >= 1
                if attempt >= self.retries or refused or permanent(e):
                    raise IndexUnavailable(f"{what}: cannot reach {url} ({describe(e)}) "
                                           f"after {attempt + 1} attempts") from None
                err = describe(e)
            delay = wait_hint if wait_hint is not None else \
                min(self.backoff * (2 ** attempt), MAX_BACKOFF)
            attempt += 1
            log.info("%s: %s, retry %d/%d in %.1fs", url, err, attempt, self.retries, delay)
            time.sleep(delay)

    def open(self, url: str, headers: Mapping[str, str]) -> Any:
        """A streaming response (a context manager) for big bodies: one attempt, no cache.

        Raises ``urllib.error.URLError``/``OSError`` like ``urlopen``.
        """
        with self._lock:
            self.requests += 1
        log.debug("GET %s (stream)", url)
        return self._opener.open(urllib.request.Request(url, headers=dict(headers)),
                                 timeout=self.timeout)

    def cached(self, cache: ResponseCache, url: str, accept: str, what: str, *,
               offline: bool = False, authorization: str | None = None,
               not_found: str | None = None, max_age: float | None = None) -> CachedResponse:
        """The body of ``url`` through ``cache`` (see the module doc for the rules).

        ``not_found`` is the message of the :class:`ProjectNotFound` raised on 404;
        ``max_age`` overrides the cache's expiry for this entry (immutable documents).
        """
        entry = cache.get(url, accept)
        if entry is not None and max_age is not None:
            entry = cache.with_max_age(entry, max_age)
        if offline:
            if entry is None:
                raise IndexUnavailable(f"{what}: {url} is not in the {cache.name} cache "
                                       f"({cache.root}) and we are offline")
            if entry.stale:
                log.info("%s: using a cached answer %.0f s old (offline)", url,
                         cache.clock() - entry.fetched_at)
            return entry
        if entry is not None and not entry.stale:
            return entry
        headers = {"Accept": accept, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        if entry is not None:
            headers.update(entry.validators())
        if authorization:
            headers["Authorization"] = authorization
        try:
            resp = self.get(url, headers, what)
        except IndexUnavailable as e:
            if entry is not None:
                log.warning("%s; using the cached answer (%.0f s old)", e,
                            cache.clock() - entry.fetched_at)
                return entry
            raise
        if resp.status == 304 and entry is not None:
            log.debug("%s: not modified", url)
            return cache.refresh(entry, resp.headers)
        if resp.status == 404:
            raise ProjectNotFound(not_found or f"{what}: not found at {url}")
        if resp.status != 200:
            raise IndexUnavailable(f"{what}: {url}: HTTP {resp.status}")
        return cache.put(url, accept, resp.body, resp.headers, final_url=safe_url(resp.final_url))
