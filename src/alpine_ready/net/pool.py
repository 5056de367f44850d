"""Kept-alive connections, shared by every client of the process.

A connection is taken out for one request and its response; it comes back only
when that response was read to its end and the server did not ask to close (a
response closed half-read closes its connection: what is left of the body would
be read as the next answer).  So a connection is never used by two requests at
once, whichever threads they run in, and one DNS lookup and one TLS handshake
serve every request to a host in turn (a cold 300-package lockfile is 300
requests; a registry image is a manifest, a config and its layers).

Keys are (scheme, host, port, proxy, TLS context): a connection made with one
trust setting is never reused under another.  At most :data:`MAX_IDLE` connections
per key wait; the most recently used goes first.  A forked child forgets the
parent's connections (they are the parent's sockets: using them from two processes
would mix their answers) and makes its own.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import ssl
import threading

from .proxy import Proxy

MAX_IDLE = 16  # idle connections kept per key (the package-index clients use 8-16 threads)

Key = tuple[str, str, int, Proxy | None, ssl.SSLContext | None]

_lock = threading.Lock()
_idle: dict[Key, list[http.client.HTTPConnection]] = {}


def take(key: Key) -> http.client.HTTPConnection | None:
    """An idle connection for ``key`` (the caller's until it gives it back), or None."""
    with _lock:
        conns = _idle.get(key)
        return conns.pop() if conns else None


def give(key: Key, conn: http.client.HTTPConnection) -> None:
    """Keep ``conn`` for the next request to ``key`` (closed when enough are kept)."""
    if conn.sock is None:
        return
    with _lock:
        conns = _idle.setdefault(key, [])
        if len(conns) < MAX_IDLE:
            conns.append(conn)
            return
    conn.close()


def idle() -> list[http.client.HTTPConnection]:
    """Every idle connection (for tests and logs)."""
    with _lock:
        return [c for conns in _idle.values() for c in conns]


def clear() -> None:
    """Close every idle connection."""
    with _lock:
        conns = [c for cs in _idle.values() for c in cs]
        _idle.clear()
    for c in conns:
        with contextlib.suppress(OSError):
            c.close()


def _forget_after_fork() -> None:
    """In a forked child: a new lock, and none of the parent's connections."""
    global _lock
    _lock = threading.Lock()
    _idle.clear()  # not closed: the sockets stay the parent's


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
