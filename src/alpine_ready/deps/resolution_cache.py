"""uv's answers reused while their inputs and the index pages they used are unchanged.

Every run of uv (:func:`.resolve.resolve`, :func:`.resolve.dependents`) revalidates
every index page it reads: 1.5-2 s a run, and a requirements file with sdist-only
pins takes one run per left-out package and target (19 runs for
``benchmarks/data/requirements-100.txt``).  The answer (exit status, stdout, stderr)
is kept, keyed by a digest of everything uv was given: its version, the command line
(without ``--offline``: an offline run may reuse an online answer), the requirement
lines and the index URLs.  The entry also records the **index state** it was made
with: for every project the answer names (the requirement lines, the packages printed,
the ``name==version`` uv's errors mention), the validators of its index pages in the
response cache (:class:`~.cache.ResponseCache`: ``ETag``, ``Last-Modified``, size).  A
lookup reads those pages through :class:`~.index.PyPIIndex`: fresh entries without
the network, stale ones revalidated (conditional requests), offline as they are.  Any
difference (a new release changes the page's ETag), any page that cannot be read, is
a miss: uv runs again and the entry is replaced.  What this does not see: a project uv
looked at and dropped while backtracking, and an upload between uv's run and the
page fetch that follows it (the next refetch of that page invalidates the entry).

Entries live in ``resolutions/`` beside uv's cache (``--cache-dir X``: ``X/uv`` and
``X/resolutions``; by default ``~/.cache/alpine-ready/resolutions``), one file per key,
sealed (SHA-256 and length, :func:`~alpine_ready.inputs.image.cachedir.seal`), written
with :func:`~alpine_ready.guard.cache_write` (atomic, never through a symlink), read
with ``O_NOFOLLOW`` and a size bound, their shape checked: anything else is a miss
and the file is removed.  Only answers that do not depend on the network are kept:
a resolution, or uv's "No solution found" (the left-out packages of a wheels-only
resolution), and only from online runs (an offline run may reuse them, never make them:
uv's own cache may be behind the index).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import math
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import PackageIndexError
from ..guard import cache_write
from ..inputs.image.cachedir import make_cache_dir, seal, unseal
from .cache import ProjectNotFound, ResponseCache, default_cache_root
from .index import PYPI_SIMPLE, ProjectPages, PyPIIndex, normalize_name

log = logging.getLogger(__name__)

FORMAT = 1
#: The largest entry read (uv's output for thousands of packages is well below).
MAX_ENTRY_BYTES = 16 * 1024**2
#: Entries kept; the least recently used go first.
MAX_ENTRIES = 512
SUBDIR = "resolutions"
#: Seconds after an online uv run during which uv's cache counts as fresh (see ``run``).
UV_FRESH = 120.0

_Done = tuple[int, str, str]  # (status, stdout, stderr)
_NAME_IN_PYLOCK = re.compile(r'^name = "([A-Za-z0-9._-]+)"$', re.MULTILINE)
_NAME_PINNED = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?(?:\{[^}]*\})?==")


def _names(lines: Sequence[str], out: str, err: str) -> list[str]:
    """Every project the answer depends on: listed, printed, or named in an error."""
    names = {m[1] for line in lines if (m := re.match(r"\s*([A-Za-z0-9._-]+)", line))}
    names.update(_NAME_IN_PYLOCK.findall(out))  # pylock.toml
    names.update(m[1] for line in out.splitlines() if (m := _NAME_PINNED.match(line.strip())))
    names.update(_NAME_PINNED.findall(err))
    return sorted({normalize_name(n) for n in names})


class ResolutionCache:
    """uv answers on disk, valid while the index pages they name are unchanged."""

    def __init__(
        self,
        root: Path,
        index_cache: ResponseCache,
        index_urls: Sequence[str],
        *,
        offline: bool = False,
    ) -> None:
        self.root = root
        self.index_cache = index_cache
        self.index_urls = tuple(index_urls)
        self.offline = offline
        # project -> (validators or None, (entry file, (inode, size)) ..., fetched at)
        self._state: dict[str, tuple[str | None, tuple[tuple[str, tuple[int, int]], ...], float]]
        self._state = {}
        self._lock = threading.Lock()
        self._client: PyPIIndex | None = None
        self._uv_fresh_at = -math.inf  # when uv last revalidated the index (monotonic)

    # -- the index state -----------------------------------------------------------------
    def _index(self) -> PyPIIndex:
        if self._client is None:
            self._client = PyPIIndex(
                self.index_urls[0],
                self.index_urls[1:],
                cache=self.index_cache,
                offline=self.offline,
            )
        return self._client

    def state(self, names: Sequence[str]) -> list[list[str]] | None:
        """``[[project, validators], ...]`` of the pages now; None when one cannot be read.

        What a page's entry said is remembered with the entry file's identity (inode,
        size) and fetch time: while the file is the same and fresh it is not read again
        (one ``stat``), so twenty uv answers naming the same 100 projects cost one read.
        """
        with self._lock:
            todo = [n for n in names if not self._known(n)]
        if todo:
            got = self._index().pages_many(todo)
            with self._lock:
                for n in todo:
                    self._remember(n, got[n])
        out = []
        with self._lock:
            for n in names:
                memo = self._state.get(n)
                if memo is None or memo[0] is None:
                    return None
                out.append([n, memo[0]])
        return out

    def _known(self, name: str) -> bool:
        memo = self._state.get(name)
        if memo is None or memo[0] is None:
            return False
        _v, files, fetched_at = memo
        if not files or self.index_cache.clock() - fetched_at > self.index_cache.max_age:
            return False
        for path, ident in files:
            try:
                st = Path(path).lstat()
            except OSError:
                return False
            if (st.st_ino, st.st_size) != ident:
                return False
        return True

    def _remember(self, name: str, got: ProjectPages | PackageIndexError) -> None:
        if isinstance(got, PackageIndexError):
            # a project no index has is a state (not remembered: no file to check);
            # an index that cannot be read is none
            self._state[name] = ("absent" if isinstance(got, ProjectNotFound) else None, (), 0)
            return
        files = []
        for _url, e in got.entries:
            p = os.fspath(self.index_cache.path(e.url, e.accept))
            try:
                st = Path(p).lstat()
            except OSError:
                continue
            files.append((p, (st.st_ino, st.st_size)))
        validators = " ".join(
            f"{url} {e.header('etag') or '-'} {e.header('last-modified') or '-'} {e.body_size}"
            for url, e in got.entries
        )
        fetched = min(e.fetched_at for _u, e in got.entries)
        ok = len(files) == len(got.entries)
        self._state[name] = (validators, tuple(files) if ok else (), fetched)

    # -- entries -------------------------------------------------------------------------
    @staticmethod
    def key(version: str, cmd: Sequence[str], stdin: str, env: dict[str, str] | Any) -> str:
        """The digest of uv's inputs (``--offline`` left out)."""
        material = {
            "format": FORMAT,
            "uv": version,
            "cmd": [a for a in cmd if a != "--offline"],
            "stdin": stdin,
            "indexes": [env.get("UV_DEFAULT_INDEX", ""), env.get("UV_INDEX", "")],
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def _path(self, key: str) -> str:
        return os.fspath(self.root / key)

    def get(self, key: str, lines: Sequence[str]) -> _Done | None:
        """The answer stored for ``key`` if the index pages it names are unchanged."""
        entry = self._read(key)
        if entry is None:
            return None
        names = [n for n, _v in entry["state"]]
        if self.state(names) != entry["state"]:
            log.debug("resolution cache: index pages changed since %s", key[:12])
            return None
        with contextlib.suppress(OSError):
            os.utime(self._path(key))
        log.debug("resolution cache: reusing %s", key[:12])
        return entry["status"], entry["stdout"], entry["stderr"]

    def _read(self, key: str) -> dict[str, Any] | None:
        p = self._path(key)
        try:
            fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as e:
            if e.errno in (errno.ELOOP, errno.ENXIO):
                self._drop(p, "not a regular file")
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
                raw = None
            else:
                with os.fdopen(os.dup(fd), "rb") as f:
                    raw = f.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        entry = _decode(raw, key) if raw is not None else None
        if entry is None:
            self._drop(p, "not a sealed resolution entry")
        return entry

    def _drop(self, p: str, why: str) -> None:
        log.warning("resolution cache: removing a bad entry %s (%s)", p, why)
        with contextlib.suppress(OSError):
            Path(p).unlink()

    def put(self, key: str, lines: Sequence[str], done: _Done) -> None:
        """Keep uv's answer with the index state it was made with (when it can be read)."""
        status, out, err = done
        if not _is_answer(done):
            return  # a network error, an offline miss, a failed build: not an answer
        state = self.state(_names(lines, out, err))
        if state is None:
            return
        from .resolve import _CREDENTIALS_RE

        # index credentials never reach the disk (uv may print an index URL as given)
        out, err = _CREDENTIALS_RE.sub("", out), _CREDENTIALS_RE.sub("", err)
        payload = json.dumps(
            {
                "format": FORMAT,
                "key": key,
                "state": state,
                "status": status,
                "stdout": out,
                "stderr": err,
            },
            separators=(",", ":"),
        ).encode()
        try:
            make_cache_dir(self.root)
            cache_write(self.root, key, seal(payload))
            self._prune()
        except OSError as e:
            log.warning("resolution cache %s not writable (%s)", self.root, e)

    def _prune(self) -> None:
        with os.scandir(self.root) as it:
            entries = [
                (e.stat(follow_symlinks=False).st_mtime, e.path)
                for e in it
                if not e.name.startswith(".")
            ]
        for _m, p in sorted(entries)[: max(0, len(entries) - MAX_ENTRIES)]:
            with contextlib.suppress(OSError):
                Path(p).unlink()

    def run(
        self,
        version: str,
        cmd: Sequence[str],
        stdin: str,
        env: dict[str, str],
        compute: Callable[[Sequence[str]], _Done | None],
    ) -> _Done | None:
        """The answer from the cache, or ``compute(cmd)`` (stored when it is an answer).

        Online, when uv revalidated this index less than :data:`UV_FRESH` seconds ago in
        this process, uv runs ``--offline`` first (its cache is that fresh: the pages a
        run for fewer packages or another libc needs are mostly there); an offline
        miss runs it online.  That saves uv's revalidation (1.5-9 s here) for every
        package a wheels-only resolution leaves out.
        """
        key = self.key(version, cmd, stdin, env)
        lines = stdin.splitlines()
        hit = self.get(key, lines)
        if hit is not None:
            return hit
        offline = "--offline" in cmd
        done = None
        if not offline and time.monotonic() - self._uv_fresh_at < UV_FRESH:
            done = compute([*cmd, "--offline"])
            if done is not None and not _is_answer(done):
                log.debug("uv offline lacked something; running it online")
                done = None
        if done is None:
            done = compute(cmd)
            if done is not None and not offline and _is_answer(done):
                self._uv_fresh_at = time.monotonic()
        if done is not None and not offline:  # an offline run's uv cache may be behind
            self.put(key, lines, done)
        return done


def _is_answer(done: _Done) -> bool:
    """A resolution or uv's "No solution" (not a network failure, offline miss, build)."""
    from .resolve import parse_stderr

    status, _out, err = done
    if status == 0:
        return True
    diag = parse_stderr(err)
    return diag.no_solution and not diag.network


def _decode(raw: bytes, key: str) -> dict[str, Any] | None:
    payload = unseal(raw)
    if payload is None:
        return None
    try:
        d = json.loads(payload)
    except ValueError:
        return None
    if not (
        isinstance(d, dict)
        and d.get("format") == FORMAT
        and d.get("key") == key
        and type(d.get("status")) is int
        and isinstance(d.get("stdout"), str)
        and isinstance(d.get("stderr"), str)
        and isinstance(d.get("state"), list)
        and all(
            isinstance(s, list) and len(s) == 2 and all(isinstance(x, str) for x in s)
            for s in d["state"]
        )
    ):
        return None
    return d


def for_uv_cache(
    uv_cache: Path,
    index_url: str | None,
    extra_index_urls: Sequence[str],
    *,
    offline: bool,
) -> ResolutionCache | None:
    """The resolution cache beside ``uv_cache`` in the layout ``deps`` uses, or None.

    ``deps`` keeps uv's cache at ``CACHE/uv`` and the index cache at ``CACHE`` (with
    ``--cache-dir CACHE``), or at ``~/.cache/alpine-ready/uv`` and ``.../index``.  Any
    other uv cache directory (a caller's own) gets no resolution cache.
    """
    from .resolve import default_cache_dir

    if uv_cache == default_cache_dir():
        index_root = default_cache_root()
    elif uv_cache.name == "uv":
        index_root = uv_cache.parent
    else:
        return None
    urls = (index_url or PYPI_SIMPLE, *extra_index_urls)
    ident = (str(uv_cache), str(index_root), urls, offline)
    with _OPEN_LOCK:
        found = _OPEN.get(ident)  # one per process: the index state is read once a run
        if found is None:
            found = _OPEN[ident] = ResolutionCache(
                uv_cache.parent / SUBDIR, ResponseCache(index_root), urls, offline=offline
            )
    return found


_OPEN: dict[tuple[str, str, tuple[str, ...], bool], ResolutionCache] = {}
_OPEN_LOCK = threading.Lock()
