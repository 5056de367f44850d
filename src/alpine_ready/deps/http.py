"""HTTP for the package indexes (PyPI's Simple API, the npm registry), through the cache.

The requests go through the one HTTP layer (:mod:`alpine_ready.net`), as the image
registries' do: kept-alive connections per host, one TLS context, retries with
backoff honouring ``Retry-After`` on 429/5xx and on failures a retry may fix (a
refused connection once, an unknown host or a bad certificate never), redirects
that drop credentials on the way to another host, ``HTTPS_PROXY`` / ``NO_PROXY``.
What :class:`HttpClient` adds for the indexes:

- ``Accept-Encoding: gzip``; bodies (compressed and decompressed) bounded by
  ``max_bytes``;
- credentials are a ready ``Authorization`` value that the caller passes; they never
  reach the cache or the logs;
- :meth:`HttpClient.cached` puts the :class:`~.cache.ResponseCache` in front: a fresh
  entry is used as it is, a stale one revalidated (``304`` keeps the body); when the
  server cannot be reached a stale entry is used (logged); ``offline`` never touches
  the network.

Errors are :class:`~.cache.PackageIndexError` subclasses: :class:`~.cache.ProjectNotFound`
for ``404``/``410``, :class:`~.cache.IndexUnavailable` for everything else -- worded
from the HTTP layer's error types, never from their text.
"""

from __future__ import annotations

import logging
import urllib.error
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from ..net import client as net
from ..net.errors import BadEncoding, BodyTooLarge, ConnectionLost, NetworkError, RedirectError
from ..net.errors import describe as _describe
from ..net.response import Response as NetResponse
from ..net.retry import RetryPolicy
from ..net.urls import split_userinfo
from .cache import CachedResponse, IndexUnavailable, ProjectNotFound, ResponseCache, safe_url

log = logging.getLogger(__name__)

USER_AGENT = net.USER_AGENT
MAX_BODY_BYTES = 128 * 1024**2
_ONE_ATTEMPT = RetryPolicy(retries=0)


@dataclass(frozen=True)
class Response:
    """One HTTP answer (body decompressed)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    final_url: str


def split_credentials(url: str) -> tuple[str, str | None]:
    """(URL without ``user:password@``, the Basic ``Authorization`` value or None)."""
    return split_userinfo(url)


def offline_miss(cache: ResponseCache, url: str, what: str) -> IndexUnavailable:
    """The error of an offline lookup of ``url`` that ``cache`` has no entry for."""
    return IndexUnavailable(
        f"{what}: {url} is not in the {cache.name} cache ({cache.root}) and we are offline"
    )


class HttpClient(net.HttpClient):
    """GETs with retries and a size bound, worded for package indexes; thread-safe."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_bytes: int = MAX_BODY_BYTES,
        auth_hint: str = "check the credentials",
    ) -> None:
        super().__init__(
            net.Settings(
                timeout=timeout, retry=RetryPolicy(retries=max(0, retries), backoff=backoff)
            )
        )
        self.retries = max(0, retries)
        self.max_bytes = max_bytes
        self.auth_hint = auth_hint

    def get(self, url: str, headers: Mapping[str, str], what: str) -> Response:
        """One GET with retries; 2xx/304/404 returned (410 as 404), anything else raised."""
        try:
            got = self.fetch(url, headers, limit=self.max_bytes)
        except BodyTooLarge:
            raise IndexUnavailable(f"{what}: {url}: larger than {self.max_bytes} bytes") from None
        except (BadEncoding, RedirectError) as e:  # an answer, but not one to use
            raise IndexUnavailable(f"{what}: {url}: {e}") from None
        except NetworkError as e:  # no answer (unreachable, TLS, DNS)
            raise IndexUnavailable(
                f"{what}: cannot reach {url} ({e.detail}) after {e.attempts} attempts"
            ) from None
        if got.status in (304, 404, 410):
            return Response(404 if got.status == 410 else got.status, got.headers, b"", url)
        if 200 <= got.status < 300:
            return Response(got.status, got.headers, got.body, got.url)
        if got.status in (401, 403):
            raise IndexUnavailable(
                f"{what}: {url}: access denied (HTTP {got.status}); {self.auth_hint}"
            )
        raise IndexUnavailable(
            f"{what}: {url}: HTTP {got.status} {got.reason} after {got.attempts} attempts"
        )

    def open(self, url: str, headers: Mapping[str, str]) -> Stream:
        """A streaming response (a context manager) for big bodies: one attempt, no cache.

        Raises ``urllib.error.URLError`` (an ``OSError``) like ``urlopen``: an
        ``HTTPError`` for an answer that is not a 2xx.  Reads raise ``OSError``.
        """
        try:
            resp = self.request("GET", url, headers, retry=_ONE_ATTEMPT)
        except NetworkError as e:
            raise urllib.error.URLError(e.cause if e.cause is not None else e) from None
        if not 200 <= resp.status < 300:
            headers_got = resp.headers
            resp.discard()
            raise urllib.error.HTTPError(url, resp.status, resp.reason, headers_got, None)
        return Stream(resp)

    def cached(
        self,
        cache: ResponseCache,
        url: str,
        accept: str,
        what: str,
        *,
        offline: bool = False,
        authorization: str | None = None,
        not_found: str | None = None,
        max_age: float | None = None,
        body: bool = True,
    ) -> CachedResponse:
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
                log.info(
                    "%s: using a cached answer %.0f s old (offline)",
                    url,
                    cache.clock() - entry.fetched_at,
                )
            return entry
        if entry is not None and not entry.stale:
            return entry
        log.info("%s: fetching %s", what, safe_url(url))
        headers = {"Accept": accept, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        if entry is not None:
            headers.update(entry.validators())
        if authorization:
            headers["Authorization"] = authorization
        try:
            resp = self.get(url, headers, what)
        except IndexUnavailable as e:
            if entry is not None:
                log.warning(
                    "%s; using the cached answer (%.0f s old)", e, cache.clock() - entry.fetched_at
                )
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


class Stream:
    """A response body to stream, as ``urlopen`` gives one: reads raise ``OSError``."""

    def __init__(self, resp: NetResponse) -> None:
        self._resp = resp
        self.status = resp.status
        self.headers = resp.headers

    def read(self, amt: int = 1 << 16) -> bytes:
        """Up to ``amt`` bytes (``b""`` at the end)."""
        try:
            return self._resp.read(amt)
        except ConnectionLost as e:
            cause = e.cause
            raise (cause if isinstance(cause, OSError) else OSError(e.detail)) from e

    def close(self) -> None:
        """Done (the connection is kept if the body was read to its end)."""
        self._resp.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def describe(e: BaseException) -> str:
    """A short text for a network error (``urllib.error.URLError`` unwrapped)."""
    if isinstance(e, urllib.error.URLError) and not isinstance(e, urllib.error.HTTPError):
        reason: Any = e.reason
        e = reason if isinstance(reason, BaseException) else e
    return _describe(e)
