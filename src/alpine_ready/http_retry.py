"""Retry timing shared by the HTTP clients (image registries, package indexes)."""

from __future__ import annotations

import email.utils
import time

MAX_RETRY_AFTER = 60.0  # seconds: never wait longer than this on a server's say-so


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
