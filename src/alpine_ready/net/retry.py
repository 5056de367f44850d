"""When to try again, and how long to wait first.

A request is sent again (``retries`` times at most) after:

- an answer in :data:`RETRY_STATUSES` (429 and the 5xx a restarting or overloaded
  server gives): after the ``Retry-After`` the server asked for (delta-seconds or an
  HTTP date, capped at ``max_retry_after``), else after the backoff;
- a failure a retry may fix (:func:`transient`): a timeout, a reset or refused
  connection, a broken response, a TLS handshake cut short, a temporary DNS failure.
  Nobody listening (refused) is tried once more only -- a restarting server, not a
  minute of waiting.

Never retried: an unknown host, an untrusted certificate, a TLS protocol error (the
other end speaks plain HTTP), a redirect loop, a body over its limit.  The backoff
doubles from ``backoff`` seconds, capped at ``max_backoff``.
"""

from __future__ import annotations

import email.utils
import http.client
import socket
import ssl
import time
from dataclasses import dataclass

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0  # seconds: never wait longer than this on a server's say-so
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often to try again and how long to wait (see the module doc)."""

    retries: int = 3  # extra attempts after the first
    backoff: float = 0.5  # the first wait in seconds, doubled on each retry
    max_backoff: float = MAX_BACKOFF
    max_retry_after: float = MAX_RETRY_AFTER

    def backoff_delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt + 1`` (``attempt`` from 0)."""
        return float(min(self.backoff * (2**attempt), self.max_backoff))

    def status_delay(self, attempt: int, retry_after_header: str | None) -> float:
        """The wait after a retryable status: the server's ``Retry-After``, else the backoff."""
        asked = retry_after(retry_after_header, self.max_retry_after)
        return asked if asked is not None else self.backoff_delay(attempt)

    def gives_up(self, attempt: int, failure: BaseException) -> bool:
        """Is ``failure`` on attempt ``attempt`` (from 0) the last one?"""
        if attempt >= self.retries or not transient(failure):
            return True
        return isinstance(failure, ConnectionRefusedError) and attempt >= 1


def transient(failure: BaseException) -> bool:
    """May a retry fix this failure to get an answer?"""
    if isinstance(failure, ssl.SSLCertVerificationError):
        return False
    if isinstance(failure, ssl.SSLError):
        return isinstance(failure, ssl.SSLEOFError)  # the handshake was cut short
    if isinstance(failure, socket.gaierror):
        return failure.errno == socket.EAI_AGAIN
    return isinstance(failure, OSError | http.client.HTTPException)


def retry_after(value: str | None, cap: float = MAX_RETRY_AFTER) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date), capped."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when.timestamp() - time.time(), cap))
