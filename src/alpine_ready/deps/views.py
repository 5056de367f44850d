"""A project's releases classified for one musl target, cached by index page identity.

:func:`views_for` turns an index page (:class:`~.index.ProjectPages`) into
:class:`Views`: each release's files classified for the target (musl wheel, pure,
sdist only, nothing), with and without yanked files.  Classifying a quarter of a
million file names takes seconds; the summary is cached (``VIEWS_ACCEPT``) and read
back in milliseconds, verified whole before it is trusted.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from ..errors import PackageIndexError
from .cache import ResponseCache
from .index import DistFile, ProjectPages, PyPIIndex
from .tags import (
    FileKind,
    MuslTarget,
    ReleaseFiles,
    classify,
    latest,
    newest_installable,
    parse_filename,
)

log = logging.getLogger(__name__)


def usable(files: Sequence[DistFile], python: str, *, keep_yanked: bool) -> list[str]:
    """File names pip on the target would consider (Requires-Python; yanked when asked)."""
    version = f"{python}.0"
    return [
        f.filename
        for f in files
        if (keep_yanked or not f.yanked)
        and (not f.requires_python or _python_ok(f.requires_python, version))
    ]


def python_ok(requires_python: str, python: str) -> bool:
    """Does CPython ``python`` (X.Y) satisfy ``Requires-Python``? (unparseable: yes)."""
    return _python_ok(requires_python, f"{python}.0")


@functools.lru_cache(maxsize=4096)
def _python_ok(requires_python: str, version: str) -> bool:
    """Does CPython ``version`` satisfy ``Requires-Python``? (memoised: few distinct ones)."""
    try:
        return SpecifierSet(requires_python).contains(version, prereleases=True)
    except InvalidSpecifier:
        return True


# v3: the Requires-Python of versions it excludes on the target (``excluded``)
VIEWS_ACCEPT = "application/x-alpine-ready-release-views+json; v=3"
_SAMPLE = 3  # file names kept per kind in a cached summary (the report names the first)


class Views:
    """A project's releases classified for one target, with and without yanked files.

    Built from parsed pages, or from a cached summary whose entries are decoded only
    when asked for (a lockfile needs one or two versions of each project).
    """

    def __init__(
        self,
        pinned: dict[str, Any],
        fresh: dict[str, Any],
        versions: Sequence[str],
        stale: bool = False,
        newest: str | None = None,
        latest_any: str | None = None,
        excluded: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._pinned = pinned  # version -> ReleaseFiles or its JSON; yanked files count
        self._fresh = fresh  # yanked files left out (what a resolver considers)
        self.versions = tuple(versions)
        self.stale = stale
        self.newest = newest  # newest release with a wheel for the target
        self.latest = latest_any  # newest release of any kind
        #: version -> the Requires-Python of its files, when every file excludes the target
        self.excluded: dict[str, tuple[str, ...]] = excluded or {}

    @staticmethod
    def _get(table: dict[str, Any], version: str) -> ReleaseFiles | None:
        r = table.get(version)
        if r is None or isinstance(r, ReleaseFiles):
            return r
        rel = _rel_from_json(r)
        table[version] = rel
        return rel

    def pinned(self, version: str) -> ReleaseFiles | None:
        """The release as pip installs a pin (yanked files included)."""
        return self._get(self._pinned, version)

    def fresh(self, version: str) -> ReleaseFiles | None:
        """The release as a resolver sees it (yanked files left out)."""
        return self._get(self._fresh, version)

    def fresh_versions(self) -> list[str]:
        """Versions with files a resolver considers."""
        return list(self._fresh)


def _rel_to_json(r: ReleaseFiles) -> list[Any]:
    return [
        r.version,
        r.kind.value,
        list(r.musl_wheels[:_SAMPLE]),
        list(r.pure_wheels[:_SAMPLE]),
        list(r.sdists[:_SAMPLE]),
        list(r.other_wheels[:_SAMPLE]),
        r.n_other,
    ]


_KINDS = frozenset(k.value for k in FileKind)


def _is_rel_json(d: Any) -> bool:
    """The shape :func:`_rel_to_json` writes (checked before it is trusted)."""
    return (
        isinstance(d, list)
        and len(d) == 7
        and isinstance(d[0], str)
        and d[1] in _KINDS
        and all(isinstance(x, list) and all(isinstance(n, str) for n in x) for x in d[2:6])
        and type(d[6]) is int
    )


def _views_from_json(body: bytes, stale: bool) -> Views | None:
    """A cached summary, verified whole (a tampered entry is None, never a crash later)."""
    try:
        # orjson (C): the summaries of a 100-package run are megabytes, and the stdlib's
        # parse with the depth pre-check took 0.2 s of a 1 s warm run; orjson bounds the
        # depth itself (1024) and the entry's size is bounded by the cache
        d = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(d, dict):
        return None
    pinned, fresh, versions = d.get("pinned"), d.get("fresh"), d.get("versions")
    newest, latest_any = d.get("newest"), d.get("latest")
    excluded = d.get("excluded")
    if not (
        isinstance(excluded, dict)
        and all(
            isinstance(rp, list) and all(isinstance(x, str) for x in rp) for rp in excluded.values()
        )
    ):
        return None
    if not (
        isinstance(pinned, dict)
        and isinstance(fresh, dict)
        and isinstance(versions, list)
        and all(isinstance(v, str) for v in versions)
        and all(v is None or isinstance(v, str) for v in (newest, latest_any))
        and all(_is_rel_json(r) for r in (*pinned.values(), *fresh.values()))
    ):
        return None
    excl = {str(k): tuple(v) for k, v in excluded.items()}
    return Views(pinned, fresh, versions, stale, newest, latest_any, excl)


def excluded_by_python(files: Sequence[DistFile], python: str) -> dict[str, tuple[str, ...]]:
    """Versions whose every file's Requires-Python excludes CPython ``python``.

    version (normalised as :func:`~.tags.classify` does) -> the Requires-Python values
    of its files: why pip on the target does not consider the version at all.
    """
    target = f"{python}.0"
    by_version: dict[str, set[str]] = {}
    ok: set[str] = set()
    for f in files:
        parsed = parse_filename(f.filename)
        if parsed is None:
            continue
        version = parsed[1]
        if not f.requires_python or _python_ok(f.requires_python, target):
            ok.add(version)
        else:
            by_version.setdefault(version, set()).add(f.requires_python)
    return {v: tuple(sorted(rp)) for v, rp in by_version.items() if v not in ok}


def _rel_from_json(d: list[Any]) -> ReleaseFiles:
    return ReleaseFiles(
        d[0], FileKind(d[1]), tuple(d[2]), tuple(d[3]), tuple(d[4]), tuple(d[5]), int(d[6])
    )


def views_for(pages: ProjectPages, musl: MuslTarget, python: str, cache: ResponseCache) -> Views:
    """The classified releases of ``pages``, from a summary cached by page identity.

    Parsing a big project's page (megabytes of JSON) and classifying a quarter of a
    million file names for a 300-package lockfile takes seconds; the summary of what
    they mean for one target takes milliseconds to read.  The summary's key is the
    pages' own (:attr:`ProjectPages.key`): a refetched page makes a new summary.
    """
    key = f"alpine-ready:views:{pages.key}:cp{python}:{musl.arch}:musl{musl.musl[0]}.{musl.musl[1]}"
    entry = cache.get(key, VIEWS_ACCEPT)
    if entry is not None:
        cached = _views_from_json(entry.body, pages.stale)
        if cached is not None:
            return cached
        log.info("%s: unreadable cached summary; recomputing", pages.name)
        cache.discard(key, VIEWS_ACCEPT)
    project = pages.parse()
    pinned = classify(usable(project.files, python, keep_yanked=True), musl)
    fresh = classify(usable(project.files, python, keep_yanked=False), musl)
    newest, newest_any = newest_installable(fresh), latest(fresh)
    excluded = excluded_by_python(project.files, python)
    body = {
        "pinned": {v: _rel_to_json(r) for v, r in pinned.items()},
        "fresh": {v: _rel_to_json(r) for v, r in fresh.items()},
        "versions": list(project.versions),
        "newest": newest,
        "latest": newest_any,
        "excluded": {v: list(rp) for v, rp in excluded.items()},
    }
    cache.put(key, VIEWS_ACCEPT, json.dumps(body, separators=(",", ":")).encode())
    return Views(
        dict(pinned), dict(fresh), project.versions, project.stale, newest, newest_any, excluded
    )


def lookup_views(
    client: PyPIIndex,
    names: Sequence[str],
    musl: MuslTarget,
    python: str,
    cache: ResponseCache,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, tuple[ProjectPages | None, Views | PackageIndexError]]:
    """Each name's index pages (None on failure) and their classification for the target.

    The one index lookup ``deps`` (lockfiles, images) and ``lint``'s pip checks share:
    pages fetched concurrently, each summarised by :func:`views_for`; an index or parse
    error is kept as the project's answer.
    """
    out: dict[str, tuple[ProjectPages | None, Views | PackageIndexError]] = {}
    for name, res in client.pages_many(names, progress).items():
        if isinstance(res, PackageIndexError):
            out[name] = (None, res)
            continue
        try:
            out[name] = (res, views_for(res, musl, python, cache))
        except PackageIndexError as e:
            out[name] = (res, e)
    return out
