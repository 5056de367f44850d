"""Bearer tokens of registries, cached for the process (many images share a registry).

Keyed by (realm, service, scope, who asked): a token got with credentials never
serves an anonymous request or another user's.  A token is used until ten
seconds before it expires; one that lives less than that is not kept.  Tokens
stay in memory only (never on disk, never in a log).
"""

from __future__ import annotations

import threading
import time

Key = tuple[str, str, str, str]

_lock = threading.Lock()
_tokens: dict[Key, tuple[str, float]] = {}


def cached(key: Key) -> str | None:
    """The token for ``key``, if one is cached and still fresh."""
    with _lock:
        hit = _tokens.get(key)
        if hit is None:
            return None
        token, expires = hit
        if time.monotonic() >= expires:
            del _tokens[key]
            return None
        return token


def store(key: Key, token: str, expires_in: float) -> None:
    """Keep ``token`` for ``key`` for ``expires_in`` seconds (less ten: renewed early)."""
    with _lock:
        _tokens[key] = (token, time.monotonic() + max(0.0, expires_in - 10))


def clear() -> None:
    """Forget every cached token."""
    with _lock:
        _tokens.clear()
