"""URLs as the HTTP layer handles them: origins, credentials taken out, redaction.

A URL may carry a secret in two places: ``user:password@`` (an index URL with
credentials) and the query (a presigned storage URL's signature).  Nothing here
prints; these functions make the forms that are fit for logs, messages and disk.
"""

from __future__ import annotations

import base64
import urllib.parse


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower case, without credentials.

    Credentials (an ``Authorization`` header) are sent only to the origin they were
    given for; a redirect elsewhere goes without them.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1].lower()
    return f"{parts.scheme.lower()}://{host}"


def without_userinfo(url: str) -> str:
    """``url`` without ``user:password@`` (everything else as it was)."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def redact(url: str) -> str:
    """``url`` without credentials, query or fragment: what logs and errors show."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def basic_authorization(user: str, password: str) -> str:
    """The ``Authorization`` (or ``Proxy-Authorization``) value for HTTP Basic."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return f"Basic {token}"


def split_userinfo(url: str) -> tuple[str, str | None]:
    """(``url`` without ``user:password@``, the Basic ``Authorization`` for them or None)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    return without_userinfo(url), basic_authorization(user, password)
