"""Answers: :class:`Response` (a body to stream) and :class:`Fetched` (a body read).

A :class:`Response` owns its connection until its body is read to the end (the
connection then goes back to the pool) or it is closed (a half-read body closes
the connection).  Reading is bounded by the caller: :meth:`Response.read` takes a
size, :meth:`Response.read_all` a limit.  A body that ends before its
``Content-Length`` is an error (:class:`~.errors.ConnectionLost`), not a short read.
"""

from __future__ import annotations

import contextlib
import http.client
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from . import pool
from .errors import BodyTooLarge, ConnectionLost
from .urls import origin, redact

MAX_DISCARD = 64 * 1024  # a body this small is read to keep its connection
_CHUNK = 1 << 20


class Response:
    """An answer whose body is still to be read (see the module doc)."""

    def __init__(
        self,
        raw: http.client.HTTPResponse,
        conn: http.client.HTTPConnection,
        key: pool.Key,
        url: str,
    ) -> None:
        self.status: int = raw.status
        self.reason: str = raw.reason
        self.headers: http.client.HTTPMessage = raw.headers
        #: The URL that answered (after redirects) -- it may carry a presigned query.
        self.url = url
        #: How many times the request was sent (retries included).
        self.attempts = 1
        self._raw = raw
        self._conn: http.client.HTTPConnection | None = conn
        self._key = key
        self._left = content_length(raw) if not raw.chunked else None

    def getheader(self, name: str, default: str | None = None) -> str | None:
        """A header's value (the first, if repeated), or ``default``."""
        return self._raw.getheader(name, default)

    @property
    def declared_length(self) -> int | None:
        """The body's ``Content-Length`` (None: chunked, or not said)."""
        return content_length(self._raw) if not self._raw.chunked else None

    def read(self, amt: int) -> bytes:
        """Up to ``amt`` bytes (``b""`` at the end); :class:`ConnectionLost` if it broke."""
        if self._conn is None or amt <= 0:
            return b""
        try:
            data = self._raw.read(amt)
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise self._lost(e) from e
        if self._left is not None:
            if not data and self._left > 0:
                left = self._left
                self.close()
                raise self._lost(http.client.IncompleteRead(b"", left))
            self._left -= len(data)
        if self._raw.isclosed():  # the end of the body: the connection can serve again
            self.close()
        return data

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer`` (a writable bytes-like object)."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def read_all(self, limit: int) -> bytes:
        """The whole body; :class:`BodyTooLarge` past ``limit`` bytes (declared or sent)."""
        declared = self.declared_length
        if declared is not None and declared > limit:
            self.close()
            raise BodyTooLarge(
                f"{declared} bytes declared, more than {limit}",
                limit=limit,
                declared=declared,
                url=redact(self.url),
                origin=origin(self.url),
            )
        if declared is not None:
            data = self.read(declared) if declared else b""
            self.read(1)  # the end: the connection goes back to the pool
            return data
        parts: list[bytes] = []
        got = 0
        while chunk := self.read(min(_CHUNK, limit + 1 - got)):
            parts.append(chunk)
            got += len(chunk)
            if got > limit:
                self.close()
                raise BodyTooLarge(
                    f"larger than {limit} bytes",
                    limit=limit,
                    url=redact(self.url),
                    origin=origin(self.url),
                )
        return b"".join(parts)

    def discard(self) -> None:
        """Done with it: a small declared body is read so that its connection can be kept."""
        declared = self.declared_length
        if declared is not None and declared <= MAX_DISCARD:
            with contextlib.suppress(ConnectionLost):
                self.read(declared)
                self.read(1)  # the end: the connection goes back to the pool
        self.close()

    def close(self) -> None:
        """Give the connection back (body read to the end) or close it (not read)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        clean = self._raw.isclosed() and not self._raw.will_close and not self._left
        with contextlib.suppress(OSError, http.client.HTTPException):
            self._raw.close()
        if clean:
            pool.give(self._key, conn)
        else:
            conn.close()

    def _lost(self, e: BaseException) -> ConnectionLost:
        return ConnectionLost(
            f"connection to {origin(self.url)} lost while reading {redact(self.url)}",
            url=redact(self.url),
            origin=origin(self.url),
            cause=e,
        )

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class Fetched:
    """An answer with its body read (for a 2xx; empty otherwise) and decoded."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    url: str  # the URL that answered, after redirects
    attempts: int = 1

    def getheader(self, name: str, default: str | None = None) -> str | None:
        """A header's value (the first, if repeated), or ``default``."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), default)

    def discard(self) -> None:
        """Nothing to do (the body was read)."""


def content_length(raw: http.client.HTTPResponse) -> int | None:
    """The ``Content-Length`` as a number (None when absent or not a number)."""
    value = (raw.getheader("Content-Length") or "").strip()
    return int(value) if value.isdigit() else None
