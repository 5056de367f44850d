"""The image caches' directory: trusted only when nobody else can write it; sealed entries.

Who can write the cache decides what a cache entry is worth.  Anyone who can write
``layers/`` can make a later ``scan`` read any analysis they like, and a digest kept
beside an entry cannot stop them (they recompute it; an HMAC key kept in the same
directory they read).  So the cache is used only when its root and every
subdirectory alpine-ready uses are owned by the user running it and writable by
nobody else (no group or world write bit): :func:`usable_cache_dir` checks that,
and when it does not hold, logs one warning (per directory and process) and the run
goes on without the cache.  Directories it creates are ``0700``.

What the seal (:func:`seal` / :func:`unseal`) adds: every entry carries the SHA-256
and length of its payload, checked on every read, so a truncated, corrupted or
hand-edited entry (by a tool, a disk, another program) is a cache miss, never a
wrong answer.  It is no defence against someone who may write the directory: that
is what the ownership check is for.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

#: First bytes of a sealed cache entry; the line ends ``sha256=HEX size=N``.
SEAL = b"alpine-ready-cache 1 "

_warned: set[str] = set()


def cache_dir_problem(path: Path, *, follow: bool) -> str | None:
    """Why ``path`` (when it exists) must not be trusted as a cache directory; None if fine.

    ``follow``: a symlink at ``path`` is followed (the cache root may be a link the
    user made); below the root, nothing may be a symlink.
    """
    try:
        st = path.stat(follow_symlinks=follow)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be checked ({exc.strerror or exc})"
    if not stat.S_ISDIR(st.st_mode):
        return "is not a directory"
    if st.st_uid != os.geteuid():
        return f"is owned by uid {st.st_uid}, not by this user (uid {os.geteuid()})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return (
            f"is writable by {'others' if st.st_mode & stat.S_IWOTH else 'its group'} "
            f"(mode {stat.S_IMODE(st.st_mode):04o}; chmod go-w it)"
        )
    return None


def usable_cache_dir(cache_dir: Path | None, *subdirs: str) -> Path | None:
    """``cache_dir`` if it and ``cache_dir/SUBDIR`` (those that exist) are safe, else None.

    Unsafe: not owned by this user, or writable by group or others (see the module
    doc); a warning says which directory and why, once per process.
    """
    if cache_dir is None:
        return None
    checks = [(cache_dir, True)]
    for sub in subdirs:
        d = cache_dir
        for part in sub.split("/"):
            d = d / part
            checks.append((d, False))
    for path, follow in checks:
        problem = cache_dir_problem(path, follow=follow)
        if problem is not None:
            key = str(path)
            if key not in _warned:
                _warned.add(key)
                log.warning(
                    "cache directory %s %s: running without the cache (see docs/security.md)",
                    path,
                    problem,
                )
            return None
    return cache_dir


def make_cache_dir(path: Path) -> None:
    """Create ``path`` and its missing parents with mode 0700 (OSError if it cannot)."""
    missing: list[Path] = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            d.mkdir(mode=0o700)


def seal(payload: bytes, sha256: str | None = None) -> bytes:
    """``payload`` behind a line that states its SHA-256 (``sha256``, when known) and length."""
    sha256 = sha256 or hashlib.sha256(payload).hexdigest()
    return SEAL + f"sha256={sha256} size={len(payload)}\n".encode() + payload


def unseal(raw: bytes) -> bytes | None:
    """The payload of a sealed entry, or None when the seal does not match it."""
    if not raw.startswith(SEAL):
        return None
    end = raw.find(b"\n", 0, 200)
    if end < 0:
        return None
    fields = dict(f.split(b"=", 1) for f in raw[len(SEAL) : end].split(b" ") if b"=" in f)
    payload = raw[end + 1 :]
    size = fields.get(b"size", b"")
    if not size.isdigit() or int(size) != len(payload):
        return None
    if fields.get(b"sha256") != hashlib.sha256(payload).hexdigest().encode():
        return None
    return payload


def payload_digest(sealed: bytes) -> str | None:
    """The SHA-256 a sealed entry states for its payload (not checked here)."""
    end = sealed.find(b"\n", 0, 200)
    for f in sealed[len(SEAL) : max(end, 0)].split(b" "):
        if f.startswith(b"sha256="):
            return f[7:].decode("ascii", "replace")
    return None
