"""Fetching Alpine's package index for a release, cached, and the soname providers of a run.

Where the index comes from: ``{mirror}/v{release}/{main,community}/{arch}/APKINDEX.tar.gz``.
The mirror is, first found: ``--mirror URL``; the ``/etc/apk/repositories`` of an
``--against`` root filesystem (:func:`mirror_from_repositories`); ``$ALPINE_READY_MIRROR``;
:data:`DEFAULT_MIRROR`.

Caching: through the package-index HTTP client and response cache of
:mod:`alpine_ready.deps` (``CACHE_DIR/apkindex``, entries written with
:func:`~alpine_ready.guard.cache_write`): a fresh entry (younger than
:data:`MAX_AGE`) is used as it is, a stale one is revalidated with ``If-None-Match`` /
``If-Modified-Since`` (``304`` keeps the body); ``offline`` reads the cache only.
``$ALPINE_READY_OFFLINE=1`` makes offline the default (the test suite sets it: no
run tries the real mirror unless asked).

A fetch that fails is remembered for the process (:data:`_FAILED`): the next scan of
the same run does not wait for the same unreachable mirror again.  A parsed index is
kept per process too, keyed by its URLs and the bodies' validators.

:class:`SonameProviders` is what ``scan`` asks: the package of a soname (the index when
one could be read, the bundled table of :func:`alpine_ready.knowledge.apk_sonames` as a
fallback), and why none is known.  It loads the index lazily, the first time a soname
is missing, so a scan where everything loads never touches the network.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PackageIndexError
from .apkindex import (
    MAX_ARCHIVE_BYTES,
    InstallClosure,
    PackageIndex,
    parse_records,
    read_apkindex_archive,
)

log = logging.getLogger(__name__)

DEFAULT_MIRROR = "https://dl-cdn.alpinelinux.org/alpine"
REPOSITORIES = ("main", "community")
ENV_MIRROR = "ALPINE_READY_MIRROR"
ENV_OFFLINE = "ALPINE_READY_OFFLINE"
MAX_AGE = 6 * 3600.0  # the index of a release branch changes a few times a day
ACCEPT = "application/gzip, application/octet-stream;q=0.9, */*;q=0.1"
OFFLINE_UNKNOWN = "provider unknown offline (run online or pass --mirror)"

_FAILED: dict[str, str] = {}  # URL -> the error, for the rest of the process
_WARNED: set[str] = set()  # errors already logged as warnings (once per process)
_PARSED: dict[str, PackageIndex] = {}  # digest of the bodies -> index
_LOCK = threading.Lock()


def offline_by_default() -> bool:
    """``$ALPINE_READY_OFFLINE`` is set to something true."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() not in ("", "0", "no", "false")


def index_offline(offline: bool, mirror: str | None) -> bool:
    """Is the package index read from the cache only?

    ``--offline`` says so; else ``$ALPINE_READY_OFFLINE`` does, unless a ``--mirror`` was
    given (then it is asked).
    """
    return offline or (mirror is None and offline_by_default())


def release_branch(version: str | None) -> str | None:
    """``3.23`` for ``3.23.6`` or ``v3.23``; ``edge`` stays; None when it is neither."""
    if not version:
        return None
    v = version.strip().removeprefix("v")
    if v == "edge":
        return v
    m = re.match(r"(\d+)\.(\d+)", v)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def mirror_from_repositories(text: str) -> str | None:
    """The mirror of the first ``http(s)://…/v3.23/main``-style line of ``/etc/apk/repositories``.

    Comments, tagged repositories (``@testing https://…``) and local paths are skipped.
    """
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("@"):
            continue
        if not re.match(r"https?://", line):
            continue
        m = re.match(r"(https?://\S+?)/(?:v\d+\.\d+|edge|latest-stable)/[^/\s]+/?$", line)
        if m:
            return m.group(1)
    return None


def mirror_of_rootfs(root: Path) -> str | None:
    """The mirror the ``etc/apk/repositories`` of a root filesystem names (never followed)."""
    f = root / "etc/apk/repositories"
    try:
        if f.is_file() and not f.is_symlink() and f.stat().st_size < 64 * 1024:
            return mirror_from_repositories(f.read_text("utf-8", "replace"))
    except OSError:
        pass
    return None


def index_url(mirror: str, release: str, repo: str, arch: str) -> str:
    """``{mirror}/v{release}/{repo}/{arch}/APKINDEX.tar.gz`` (``edge`` has no ``v``)."""
    branch = release if release == "edge" else f"v{release}"
    return f"{mirror.rstrip('/')}/{branch}/{repo}/{arch}/APKINDEX.tar.gz"


def default_cache_root() -> Path:
    """``$XDG_CACHE_HOME/alpine-ready/apkindex``."""
    from ..inputs.image.localfiles import default_cache_dir

    return default_cache_dir() / "apkindex"


def load_index(
    release: str,
    arch: str,
    *,
    mirror: str | None = None,
    offline: bool = False,
    cache_root: Path | None = None,
    max_age: float = MAX_AGE,
    timeout: float = 10.0,
) -> PackageIndex:
    """``main`` and ``community`` of ``release`` for ``arch``, as one index.

    Raises :class:`~alpine_ready.errors.PackageIndexError` (one line) when a repository
    cannot be had: not reachable, offline and not cached, or not an index.
    """
    from ..deps.cache import ResponseCache, safe_url
    from ..deps.http import HttpClient

    base = mirror or os.environ.get(ENV_MIRROR) or DEFAULT_MIRROR
    urls = [index_url(base, release, repo, arch) for repo in REPOSITORIES]
    cache = ResponseCache(
        cache_root if cache_root is not None else default_cache_root(),
        max_age=max_age,
        name="Alpine package index",
    )
    bodies: list[tuple[str, bytes]] = []
    client = HttpClient(timeout=timeout, retries=1, max_bytes=MAX_ARCHIVE_BYTES)
    for url in urls:
        shown = safe_url(url)
        with _LOCK:
            failed = _FAILED.get(url)
        if failed is not None and not offline:
            raise PackageIndexError(failed)
        try:
            entry = client.cached(cache, url, ACCEPT, "Alpine package index", offline=offline)
        except PackageIndexError as e:
            if not offline:
                with _LOCK:
                    _FAILED[url] = str(e)
            raise PackageIndexError(str(e)) from None
        bodies.append((shown, entry.body))
    digest = hashlib.sha256()
    for shown, body in bodies:
        digest.update(shown.encode() + b"\0" + hashlib.sha256(body).digest())
    key = f"{release}/{arch}/{digest.hexdigest()}"
    with _LOCK:
        known = _PARSED.get(key)
    if known is not None:
        return known
    # one index of both repositories' records (main first: it wins a name)
    index = PackageIndex.from_records(
        (
            rec
            for shown, body in bodies
            for rec in parse_records(read_apkindex_archive(body, shown), source=shown)
        ),
        sources=tuple(shown for shown, _ in bodies),
        release=release,
        arch=arch,
    )
    log.info(
        "Alpine package index: %d packages of Alpine %s %s from %s",
        len(index),
        release,
        arch,
        safe_url(base),
    )
    with _LOCK:
        _PARSED.clear()  # one release at a time is plenty
        _PARSED[key] = index
    return index


def forget_failures() -> None:
    """Forget the remembered fetch failures and parsed indexes (tests; a long process)."""
    with _LOCK:
        _FAILED.clear()
        _PARSED.clear()
        _WARNED.clear()


@dataclass
class SonameProviders:
    """Which Alpine package provides a soname, for one run (see the module doc).

    ``offline`` / ``mirror`` / ``cache_root`` are how to get the index; ``enabled``
    False never reads one (the bundled table only, every other soname "unknown
    offline").  The index is loaded at most once per (release, arch).
    """

    mirror: str | None = None
    offline: bool = False
    cache_root: Path | None = None
    enabled: bool = True
    _indexes: dict[tuple[str, str], PackageIndex | None] = field(default_factory=dict)
    _why: dict[tuple[str, str], str] = field(default_factory=dict)

    def index(self, release: str | None, arch: str) -> PackageIndex | None:
        """The index of ``release`` (``3.23.6`` or ``3.23``) and ``arch``, or None."""
        branch = release_branch(release)
        if not self.enabled or branch is None:
            return None
        key = (branch, arch)
        if key not in self._indexes:
            try:
                self._indexes[key] = load_index(
                    branch,
                    arch,
                    mirror=self.mirror,
                    offline=self.offline,
                    cache_root=self.cache_root,
                )
            except PackageIndexError as e:
                self._indexes[key] = None
                self._why[key] = str(e)
                _log_unread(e, "using the bundled soname table", offline=self.offline)
        return self._indexes[key]

    def lookup(
        self, sonames: list[str], release: str | None, arch: str
    ) -> tuple[dict[str, str], PackageIndex | None]:
        """(soname -> package for those with a known provider, the index read or None)."""
        if not sonames:
            return {}, None
        from . import apk_sonames

        index = self.index(release, arch)
        bundled: Mapping[str, str] = apk_sonames()  # package names are per release, not arch
        out: dict[str, str] = {}
        for so in sonames:
            pkg = index.soname_provider(so) if index is not None else None
            pkg = pkg or bundled.get(so)
            if pkg:
                out[so] = pkg
        return out, index


def _log_unread(error: PackageIndexError, then: str, *, offline: bool) -> None:
    """Say an index could not be read: offline at info level; online a warning, once.

    Every stage of a run (translate, lint, deps, scan) may ask for the same index; an
    unreachable mirror is one fact, said once (then at info level).
    """
    text = str(error)
    with _LOCK:
        first = text not in _WARNED
        _WARNED.add(text)
    if offline or not first:
        log.info("%s; %s", text, then)
    else:
        log.warning("%s; %s", text, then)


def release_index(
    release: str | None,
    arch: str = "x86_64",
    *,
    mirror: str | None = None,
    offline: bool | None = None,
    cache_root: Path | None = None,
) -> PackageIndex | None:
    """The index of Alpine ``release`` (``3.23`` or ``3.23.6``), or None when none can be read.

    For the stages that check package names (translate, lint, deps): None (offline with a
    cold cache, the mirror unreachable, not a release) means "cannot tell", logged at
    info level offline and as a warning online; the caller then keeps its old behaviour.
    ``offline`` None follows ``$ALPINE_READY_OFFLINE``.
    """
    branch = release_branch(release)
    if branch is None:
        return None
    off = offline_by_default() if offline is None else offline
    try:
        return load_index(branch, arch, mirror=mirror, offline=off, cache_root=cache_root)
    except PackageIndexError as e:
        _log_unread(e, "package names are not checked", offline=off)
        return None


def package_exists(
    name: str,
    release: str | None = None,
    arch: str = "x86_64",
    *,
    mirror: str | None = None,
    offline: bool | None = None,
    cache_root: Path | None = None,
) -> bool | None:
    """Is ``name`` a package of Alpine ``release`` (default: the newest built-in)?

    True or False from the package index; None when no index could be read (offline
    with a cold cache, the mirror unreachable) -- the caller then falls back to what it
    knew before.  ``offline`` None follows ``$ALPINE_READY_OFFLINE``.  For deps' build
    needs and lint's and translate's package names.
    """
    from . import default_release

    branch = release_branch(release or default_release())
    if branch is None:
        return None
    try:
        index = load_index(
            branch,
            arch,
            mirror=mirror,
            offline=offline_by_default() if offline is None else offline,
            cache_root=cache_root,
        )
    except PackageIndexError as e:
        log.info("%s: cannot tell whether %s exists", e, name)
        return None
    return index.exists(name)


def install_size(
    names: list[str],
    release: str | None = None,
    arch: str = "x86_64",
    *,
    mirror: str | None = None,
    offline: bool | None = None,
    cache_root: Path | None = None,
) -> InstallClosure | None:
    """What ``apk add NAMES`` installs on Alpine ``release`` and its installed size.

    The closure of :meth:`PackageIndex.install_closure` (dependencies through provides,
    sizes from ``I:``), or None when no index could be read.  ``offline`` None follows
    ``$ALPINE_READY_OFFLINE``; ``release`` None is the newest built-in.
    """
    from . import default_release

    index = release_index(
        release or default_release(), arch, mirror=mirror, offline=offline, cache_root=cache_root
    )
    return index.install_closure(names) if index is not None else None


def unknown_reason(index: PackageIndex | None, soname: str) -> str:
    """Why no package is named for ``soname``."""
    if index is None:
        return OFFLINE_UNKNOWN
    return f"no Alpine {index.release} package provides {soname}"


__all__ = [
    "DEFAULT_MIRROR",
    "OFFLINE_UNKNOWN",
    "SonameProviders",
    "forget_failures",
    "index_offline",
    "index_url",
    "install_size",
    "load_index",
    "mirror_from_repositories",
    "mirror_of_rootfs",
    "package_exists",
    "release_branch",
    "release_index",
    "unknown_reason",
]
