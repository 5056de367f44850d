"""What can go wrong on the wire, as types: a caller branches on these, never on text.

Every error is a :class:`NetworkError` (an :class:`~alpine_ready.errors.AlpineReadyError`,
so one that a stage forgot to word still reaches the user as one line).  A stage --
the registry client, the package-index client -- catches them and raises its own
error (:class:`~alpine_ready.errors.ImageError`,
:class:`~alpine_ready.errors.PackageIndexError`) in its own words, from the attributes:

- ``url``: the URL that failed, **redacted** (no ``user:password@``, no query: a
  presigned storage URL carries its signature there); ``origin`` is
  ``scheme://host[:port]`` of it;
- ``attempts``: how many times the request was sent;
- ``cause``: the exception underneath (``None`` when there is none);
- ``via``: the proxy the request went through (``http://host:port``), or ``""``.

The texts of these errors are redacted too: no credential, token or query string.
"""

from __future__ import annotations

from ..errors import AlpineReadyError


class NetworkError(AlpineReadyError):
    """A request did not get an answer the HTTP layer could hand over."""

    via: str = ""  # the proxy it went through (set by the client)

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        origin: str = "",
        attempts: int = 1,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.origin = origin
        self.attempts = attempts
        self.cause = cause

    @property
    def detail(self) -> str:
        """The cause in a few words (``timed out``, ``ConnectionRefusedError: …``)."""
        return describe(self.cause) if self.cause is not None else str(self)


class Unreachable(NetworkError):
    """No answer: refused, reset, timed out, a broken response, a failed proxy tunnel."""

    @property
    def refused(self) -> bool:
        """Nobody listening on the port."""
        return isinstance(self.cause, ConnectionRefusedError)

    @property
    def timed_out(self) -> bool:
        """The connection or a read timed out."""
        return isinstance(self.cause, TimeoutError)


class Unresolvable(Unreachable):
    """The host name is unknown (DNS said so; a temporary DNS failure is retried)."""


class TlsError(NetworkError):
    """The TLS handshake failed (the server's certificate is :class:`TlsUntrusted`)."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        origin: str = "",
        attempts: int = 1,
        cause: BaseException | None = None,
        plain_http: bool = False,
    ) -> None:
        super().__init__(message, url=url, origin=origin, attempts=attempts, cause=cause)
        #: The server answered in plain HTTP (OpenSSL's reason for the failure says so).
        self.plain_http = plain_http


class TlsUntrusted(TlsError):
    """The server's certificate is not trusted (``verify_message`` says why)."""

    def __init__(
        self,
        message: str,
        *,
        url: str = "",
        origin: str = "",
        attempts: int = 1,
        cause: BaseException | None = None,
        verify_message: str = "",
    ) -> None:
        super().__init__(message, url=url, origin=origin, attempts=attempts, cause=cause)
        #: OpenSSL's words for what is wrong with the certificate.
        self.verify_message = verify_message


class RedirectError(NetworkError):
    """Too many redirects, or one to a URL that is not ``http``/``https``."""


class BodyError(NetworkError):
    """The response body cannot be handed over (see the subclasses)."""


class BodyTooLarge(BodyError):
    """The body is (or declares itself) larger than the caller's limit."""

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        declared: int | None = None,
        url: str = "",
        origin: str = "",
    ) -> None:
        super().__init__(message, url=url, origin=origin)
        #: The caller's limit, in bytes.
        self.limit = limit
        #: The ``Content-Length`` the server declared, when that alone was too large.
        self.declared = declared


class BadEncoding(BodyError):
    """An unsupported ``Content-Encoding``, or a corrupt compressed body."""


class ConnectionLost(BodyError):
    """The connection broke (or the body ended early) while the body was read."""


def describe(e: BaseException) -> str:
    """A short text for a low-level network error (``timed out``, ``Type: message``)."""
    if isinstance(e, TimeoutError):  # (socket.timeout is TimeoutError)
        return "timed out"
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
