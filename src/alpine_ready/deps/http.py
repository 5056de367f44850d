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


_MAX_REDIRECTS = 10


def _proxied(parts: urllib.parse.SplitResult) -> bool:
    """Does a ``*_proxy`` variable send requests to this host through a proxy?"""
    proxies = urllib.request.getproxies()
    if parts.scheme not in proxies:
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


_TLS: ssl.SSLContext | None = None
_TLS_LOCK = threading.Lock()


def _tls_context() -> ssl.SSLContext:
    """The process's verifying TLS context (system CAs, ``SSL_CERT_FILE`` honoured)."""
    global _TLS
    with _TLS_LOCK:
        if _TLS is None:
            _TLS = ssl.create_default_context()
        return _TLS


def offline_miss(cache: ResponseCache, url: str, what: str) -> IndexUnavailable:
    """The error of an offline lookup of ``url`` that ``cache`` has no entry for."""
    return IndexUnavailable(f"{what}: {url} is not in the {cache.name} cache ({cache.root}) "
                            f"and we are offline")


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
        # one TLS context for every request: urllib would build one per connection and
        # load the system's CA bundle each time (most of a cold run's CPU time)
        self._opener = urllib.request.build_opener(
            _RedirectHandler(), urllib.request.HTTPSHandler(context=_tls_context()))
        self._lock = threading.Lock()
        self._local = threading.local()  # kept-alive connections of each thread
        self.requests = 0  # HTTP requests sent (for tests and logs)

    def get(self, url: str, headers: Mapping[str, str], what: str) -> Response:
        """One GET with retries; 2xx/304/404 returned (410 as 404), anything else raised."""
        attempt = 0
        while True:
            wait_hint: float | None = None
            with self._lock:
                self.requests += 1
            log.debug("GET %s", url)
            try:
                status, reason, got_headers, raw, final = self._fetch(url, headers)
                if status in (304, 404, 410):
                    return Response(404 if status == 410 else status, got_headers, b"", url)
                if 200 <= status < 300:
                    if len(raw) > self.max_bytes:
                        raise IndexUnavailable(f"{what}: {url}: larger than "
                                               f"{self.max_bytes} bytes")
                    encoding = next((v for k, v in got_headers
                                     if k.lower() == "content-encoding"), "")
                    body = decompress(raw, encoding.strip().lower(), f"{what}: {url}",
                                      self.max_bytes)
                    return Response(status, got_headers, body, final)
                if status not in RETRY_STATUSES or attempt >= self.retries:
                    if status in (401, 403):
                        raise IndexUnavailable(f"{what}: {url}: access denied (HTTP {status}); "
                                               f"{self.auth_hint}")
                    raise IndexUnavailable(f"{what}: {url}: HTTP {status} {reason} "
                                           f"after {attempt + 1} attempts")
                wait_hint = retry_after(next((v for k, v in got_headers
                                              if k.lower() == "retry-after"), None))
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

    # -- one request -------------------------------------------------------------------------
    def _fetch(self, url: str, headers: Mapping[str, str]
               ) -> tuple[int, str, tuple[tuple[str, str], ...], bytes, str]:
        """(status, reason, headers, raw body, final URL) of one GET, redirects followed.

        Hosts reached directly go through a kept-alive connection of this thread (one DNS
        lookup and one TLS handshake per host and thread, not per request: a cold
        300-package lockfile is 300 requests); a proxied host goes through urllib.
        """
        headers = dict(headers)
        for _hop in range(_MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or _proxied(parts):
                return self._fetch_urllib(url, headers)
            status, reason, got, raw = self._pooled(parts, headers)
            if status in (301, 302, 303, 307, 308):
                location = next((v for k, v in got if k.lower() == "location"), None)
                if not location:
                    return status, reason, got, raw, url
                new = urllib.parse.urljoin(url, location)
                if urllib.parse.urlsplit(new).netloc.lower() != parts.netloc.lower():
                    headers.pop("Authorization", None)  # never to another host
                url = new
                continue
            return status, reason, got, raw, url
        raise http.client.HTTPException(f"more than {_MAX_REDIRECTS} redirects")

    def _pooled(self, parts: urllib.parse.SplitResult, headers: Mapping[str, str]
                ) -> tuple[int, str, tuple[tuple[str, str], ...], bytes]:
        conns: dict[tuple[str, str], http.client.HTTPConnection] = \
            self._local.__dict__.setdefault("conns", {})
        key = (parts.scheme, parts.netloc.lower())
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        for fresh in (False, True):
            conn = conns.get(key)
            reused = conn is not None and not fresh
            if conn is None or fresh:
                if conn is not None:
                    conn.close()
                host, port = parts.hostname or "", parts.port
                conn = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                   context=_tls_context()) \
                    if parts.scheme == "https" else \
                    http.client.HTTPConnection(host, port, timeout=self.timeout)
                conns[key] = conn
            try:
                conn.request("GET", target, headers=dict(headers))
                resp = conn.getresponse()
                raw = resp.read(self.max_bytes + 1)
                if resp.will_close or len(raw) > self.max_bytes:
                    conn.close()
                    conns.pop(key, None)
                return resp.status, resp.reason, tuple(resp.getheaders()), raw
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                conn.close()
                conns.pop(key, None)
                if not reused:
                    raise
                # the server closed a kept-alive connection: once more on a new one
            except BaseException:
                conn.close()
                conns.pop(key, None)
                raise
        raise http.client.HTTPException("unreachable")  # pragma: no cover

    def _fetch_urllib(self, url: str, headers: Mapping[str, str]
                      ) -> tuple[int, str, tuple[tuple[str, str], ...], bytes, str]:
        req = urllib.request.Request(url, headers=dict(headers))
        try:
            with self._opener.open(req, timeout=self.timeout) as r:
                return (r.status, r.reason, tuple(r.headers.items()),
                        r.read(self.max_bytes + 1), r.geturl())
        except urllib.error.HTTPError as e:
            with e:
                got = tuple(e.headers.items()) if e.headers is not None else ()
                return e.code, str(e.reason), got, b"", url

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
               not_found: str | None = None, max_age: float | None = None,
               body: bool = True) -> CachedResponse:
        """The body of ``url`` through ``cache`` (see the module doc for the rules).

        ``not_found`` is the message of the :class:`ProjectNotFound` raised on 404;
        ``max_age`` overrides the cache's expiry for this entry (immutable documents);
        ``body=False`` may return a cached entry without its body (``cache.load`` reads it).
        """
        entry = cache.get(url, accept, body=body)
        if entry is not None and max_age is not None:
            entry = cache.with_max_age(entry, max_age)
        if offline:
            if entry is None:
                raise offline_miss(cache, url, what)
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
