"""The HTTP client every registry and package-index request goes through.

:meth:`HttpClient.request` sends one request and returns the :class:`~.response.Response`
(its body to stream); :meth:`HttpClient.fetch` GETs a whole body, bounded and decoded.
Both, whatever the caller:

- **connections** are kept alive and reused per host (:mod:`.pool`), over one TLS
  context per trust setting (:mod:`.tls`); a kept-alive connection the server closed
  meanwhile costs one silent retry on a new one;
- **retries** with backoff, honouring ``Retry-After`` (bounded), on 429/5xx and on
  failures a retry may fix (:mod:`.retry`); an attempt is the whole redirect chain;
- **redirects** are followed (at most ``max_redirects``; ``http``/``https`` only);
  credentials -- an ``Authorization`` header, or ``user:password@`` in the URL -- go to
  the origin they were given for and never to another (a storage host a registry
  redirects to gets the request without them);
- **proxies** from ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` (:mod:`.proxy`);
- **nothing secret is logged**: URLs are logged and put in errors without
  credentials or query (:func:`~.urls.redact`); headers never are.

What a status means is the caller's business: any answer that is not retried (or
whose retries ran out) is returned, with ``attempts``.  Failures to get an answer
are :class:`~.errors.NetworkError` subclasses, by type.
"""

from __future__ import annotations

import http.client
import logging
import os
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from .. import __version__
from . import pool, tls
from .encoding import decode
from .errors import (
    ConnectionLost,
    NetworkError,
    RedirectError,
    TlsError,
    TlsUntrusted,
    Unreachable,
    Unresolvable,
    describe,
)
from .proxy import Proxy, proxy_for
from .response import Fetched, Response
from .retry import RETRY_STATUSES, RetryPolicy
from .urls import origin, redact, split_userinfo

log = logging.getLogger(__name__)

USER_AGENT = f"alpine-ready/{__version__}"
MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: A kept-alive connection the server closed fails with one of these before an answer.
_STALE = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    http.client.CannotSendRequest,
    http.client.ResponseNotReady,
)
#: OpenSSL's reasons for a handshake answered in plain HTTP.
_PLAIN_HTTP = frozenset({"WRONG_VERSION_NUMBER", "PACKET_LENGTH_TOO_LONG"})


@dataclass(frozen=True)
class Settings:
    """How a client speaks: timeouts, retries, TLS checks, redirects, its name."""

    timeout: float = 30.0  # seconds, to connect and for each read
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    tls_verify: bool = True  # False: no certificate or host name check
    max_redirects: int = MAX_REDIRECTS
    user_agent: str = USER_AGENT


class _Answer(Protocol):
    @property
    def status(self) -> int: ...

    def getheader(self, name: str, default: str | None = None) -> str | None: ...

    def discard(self) -> None: ...


A = TypeVar("A", bound=_Answer)


class _SendFailed(Exception):
    """No answer from ``url`` (``via`` a proxy, or direct): ``cause`` says why."""

    def __init__(self, url: str, via: Proxy | None, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.url, self.via, self.cause = url, via, cause


class HttpClient:
    """Requests with connection reuse, retries, redirects and proxies (see the module doc).

    Thread-safe: threads share the connection pool, never a connection.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self._sleep = sleep
        self._environ = environ  # None: the process's, read at each request
        self._lock = threading.Lock()
        self.requests = 0  # requests sent, redirects and retries included (tests, logs)

    # -- the two ways in ---------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        *,
        what: str = "",
        follow_redirects: bool = True,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """Send, with retries and redirects; the last answer, its body to read and close."""
        url, hdrs = _credentials_from_url(url, headers or {})
        resp, attempts = self._retrying(
            lambda: self._follow(method, url, hdrs, body, follow_redirects),
            url,
            what,
            retry or self.settings.retry,
            retry_statuses,
        )
        resp.attempts = attempts
        return resp

    def fetch(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        limit: int,
        what: str = "",
        decode_body: bool = True,
        retry_statuses: frozenset[int] = RETRY_STATUSES,
    ) -> Fetched:
        """GET ``url`` whole: the body of a 2xx (at most ``limit`` bytes, decoded), else none.

        A connection that breaks while the body is read is retried like one that gave
        no answer.  :class:`~.errors.BodyTooLarge` and :class:`~.errors.BadEncoding`
        are not retried.
        """
        url, hdrs = _credentials_from_url(url, headers or {})

        def once() -> Fetched:
            resp = self._follow("GET", url, hdrs, None, True)
            body = b""
            if 200 <= resp.status < 300:
                try:
                    body = resp.read_all(limit)
                except ConnectionLost as e:
                    raise _SendFailed(resp.url, None, e.cause or e) from e
                encoding = resp.getheader("Content-Encoding") or ""
                if decode_body and encoding:
                    body = decode(body, encoding, limit)
            else:
                resp.discard()
            return Fetched(resp.status, resp.reason, tuple(resp.headers.items()), body, resp.url)

        got, attempts = self._retrying(once, url, what, self.settings.retry, retry_statuses)
        return replace(got, attempts=attempts)

    # -- retries -----------------------------------------------------------------------------
    def _retrying(
        self,
        once: Callable[[], A],
        url: str,
        what: str,
        policy: RetryPolicy,
        retry_statuses: frozenset[int],
    ) -> tuple[A, int]:
        label = what or redact(url)
        attempt = 0
        while True:
            try:
                answer = once()
            except _SendFailed as e:
                if policy.gives_up(attempt, e.cause):
                    error = _failure(e, attempt + 1)
                    error.via = e.via.label if e.via is not None else ""
                    raise error from e.cause
                delay = policy.backoff_delay(attempt)
                attempt += 1
                log.info(
                    "%s: %s, retry %d/%d in %.1fs",
                    label,
                    describe(e.cause),
                    attempt,
                    policy.retries,
                    delay,
                )
                self._sleep(delay)
                continue
            if answer.status in retry_statuses and attempt < policy.retries:
                delay = policy.status_delay(attempt, answer.getheader("Retry-After"))
                answer.discard()
                attempt += 1
                log.info(
                    "%s: HTTP %d, retry %d/%d in %.1fs",
                    label,
                    answer.status,
                    attempt,
                    policy.retries,
                    delay,
                )
                self._sleep(delay)
                continue
            return answer, attempt + 1

    # -- redirects ---------------------------------------------------------------------------
    def _follow(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, follow: bool
    ) -> Response:
        """One request and its redirects; credentials only to their own origin."""
        authorization = None
        plain: dict[str, str] = {}
        for k, v in headers.items():
            if k.lower() == "authorization":
                authorization = v
            else:
                plain[k] = v
        home = origin(url)
        for _hop in range(self.settings.max_redirects + 1):
            sent = dict(plain)
            if authorization is not None and origin(url) == home:
                sent["Authorization"] = authorization
            resp = self._send(method, url, sent, body)
            location = resp.getheader("Location")
            if not follow or resp.status not in REDIRECT_STATUSES or not location:
                return resp
            resp.discard()
            new = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(new).scheme not in ("http", "https"):
                raise RedirectError(
                    f"{redact(url)} redirected to a URL that is not http(s)",
                    url=redact(url),
                    origin=origin(url),
                )
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method, body = "GET", None
                plain = {
                    k: v
                    for k, v in plain.items()
                    if k.lower() not in ("content-type", "content-length")
                }
            log.debug("%s redirected to %s", redact(url), redact(new))
            url = new
        raise RedirectError(
            f"{redact(url)}: more than {self.settings.max_redirects} redirects",
            url=redact(url),
            origin=origin(url),
        )

    # -- one request on one connection -------------------------------------------------------
    def _send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Response:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            port = -1
        if scheme not in ("http", "https") or not host or port < 0:
            raise RedirectError(f"{redact(url)}: not an http(s) URL", url=redact(url))
        ctx = tls.context(self.settings.tls_verify) if scheme == "https" else None
        proxy = proxy_for(
            scheme, host, port, self._environ if self._environ is not None else os.environ
        )
        key: pool.Key = (scheme, host, port, proxy, ctx)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = {"User-Agent": self.settings.user_agent, **headers}
        if proxy is not None and scheme == "http":
            target = urllib.parse.urlunsplit(
                (scheme, parts.netloc, parts.path or "/", parts.query, "")
            )
            if proxy.authorization:
                sent["Proxy-Authorization"] = proxy.authorization
        with self._lock:
            self.requests += 1
        log.debug("%s %s%s", method, redact(url), f" via {proxy.label}" if proxy else "")
        try:
            conn = pool.take(key)
            if conn is not None:
                conn.timeout = self.settings.timeout
                if conn.sock is not None:
                    conn.sock.settimeout(self.settings.timeout)
                try:
                    return self._exchange(conn, key, method, target, sent, body, url)
                except _STALE:
                    pass  # the server closed the kept-alive connection: once more, anew
            conn = self._connect(scheme, host, port, proxy, ctx)
            return self._exchange(conn, key, method, target, sent, body, url)
        except (OSError, http.client.HTTPException) as e:
            raise _SendFailed(url, proxy, e) from e

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        key: pool.Key,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes | None,
        url: str,
    ) -> Response:
        try:
            conn.request(method, target, body=body, headers=dict(headers))
            raw = conn.getresponse()
        except BaseException:
            conn.close()
            raise
        return Response(raw, conn, key, url)

    def _connect(
        self, scheme: str, host: str, port: int, proxy: Proxy | None, ctx: ssl.SSLContext | None
    ) -> http.client.HTTPConnection:
        timeout = self.settings.timeout
        if proxy is None:
            if scheme == "https":
                return http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
            return http.client.HTTPConnection(host, port, timeout=timeout)
        if scheme == "https":  # a tunnel: the proxy sees the host, not the request
            conn = http.client.HTTPSConnection(proxy.host, proxy.port, timeout=timeout, context=ctx)
            conn.set_tunnel(
                host,
                port,
                headers={"Proxy-Authorization": proxy.authorization}
                if proxy.authorization
                else None,
            )
            return conn
        return http.client.HTTPConnection(proxy.host, proxy.port, timeout=timeout)


def _credentials_from_url(url: str, headers: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """``user:password@`` in the URL becomes an ``Authorization`` header (unless one is given)."""
    bare, basic = split_userinfo(url)
    hdrs = dict(headers)
    if basic is not None and not any(k.lower() == "authorization" for k in hdrs):
        hdrs["Authorization"] = basic
    return bare, hdrs


def _failure(e: _SendFailed, attempts: int) -> NetworkError:
    """The typed error for a request that got no answer (texts redacted)."""
    cause, url, via = e.cause, redact(e.url), e.via
    where = origin(e.url)
    host = urllib.parse.urlsplit(e.url).hostname or where
    through = f" through the proxy {via.label}" if via is not None else ""
    if isinstance(cause, ssl.SSLCertVerificationError):
        return TlsUntrusted(
            f"TLS certificate of {host} not trusted ({cause.verify_message})",
            url=url,
            origin=where,
            attempts=attempts,
            cause=cause,
            verify_message=str(cause.verify_message or cause),
        )
    if isinstance(cause, ssl.SSLError):
        return TlsError(
            f"TLS error with {host}{through}: {describe(cause)}",
            url=url,
            origin=where,
            attempts=attempts,
            cause=cause,
            plain_http=cause.reason in _PLAIN_HTTP,
        )
    if isinstance(cause, socket.gaierror):
        name = f"the proxy {via.label}" if via is not None else host
        return Unresolvable(
            f"cannot resolve {name}: {cause}", url=url, origin=where, attempts=attempts, cause=cause
        )
    return Unreachable(
        f"cannot reach {where}{through} ({describe(cause)}) after {attempts} attempts",
        url=url,
        origin=where,
        attempts=attempts,
        cause=cause,
    )
