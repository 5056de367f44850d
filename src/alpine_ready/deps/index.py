"""What files a project has on a Python package index (the Simple API), cached.

One request per project and index lists every file of every version:
``GET INDEX/NAME/`` with ``Accept: application/vnd.pypi.simple.v1+json`` (PEP 691
JSON, PEP 700 ``versions``); an index that serves only HTML (PEP 503) is parsed as
HTML: anchors, ``#sha256=`` fragments, ``data-requires-python``, ``data-yanked``.
The per-version JSON API (``/pypi/NAME/VER/json``) is not used: the Simple API is
what every index (mirrors, private indexes) speaks.

HTTP goes through the one HTTP layer (:mod:`alpine_ready.net`, via :mod:`.http`:
keep-alive, ``HTTPS_PROXY``/``NO_PROXY``), with:

- credentials from the index URL (``https://user:pw@host/simple``) sent as Basic
  auth, never written to disk or logs, and dropped on a redirect to another host;
- ``Accept-Encoding: gzip`` (the biggest pages are megabytes of JSON);
- retries with exponential backoff (honouring ``Retry-After``) on 429/5xx,
  timeouts and connection errors, bounded by ``retries``;
- the :class:`~.cache.ResponseCache`: fresh entries are used as they are, stale ones
  revalidated (``304`` keeps the body); when the index cannot be reached a stale
  entry is used (logged); ``offline=True`` never touches the network.

Extra indexes are merged (files of the primary index first; a filename already seen
is not repeated). A project missing from every index is :class:`ProjectNotFound`; an
index that does not answer makes the project :class:`IndexUnavailable` (its files
could be incomplete).
"""

from __future__ import annotations

import hashlib
import html.parser
import logging
import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from packaging.version import InvalidVersion, Version

from ..errors import PackageIndexError
from ..guard import excerpt
from .cache import CachedResponse, IndexUnavailable, ProjectNotFound, ResponseCache, safe_url
from .http import HttpClient, split_credentials
from .loader import DocumentError, parse_json
from .tags import parse_filename

__all__ = [
    "ACCEPT",
    "DistFile",
    "IndexUnavailable",
    "PackageIndexError",
    "ProjectFiles",
    "ProjectNotFound",
    "ProjectPages",
    "PyPIIndex",
    "normalize_name",
    "parse_html_page",
    "parse_json_page",
]

log = logging.getLogger(__name__)

PYPI_SIMPLE = "https://pypi.org/simple/"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
SIMPLE_HTML = "application/vnd.pypi.simple.v1+html"
#: One Accept header for every request (it is part of the cache key).
ACCEPT = f"{SIMPLE_JSON}, {SIMPLE_HTML};q=0.2, text/html;q=0.01"
#: The "Accept" of cached per-version file lists (:meth:`ProjectPages.files_for`).
FILES_ACCEPT = "application/x-alpine-ready-version-files"
MAX_PAGE_BYTES = 128 * 1024**2
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def normalize_name(name: str) -> str:
    """PEP 503: runs of ``-``, ``_``, ``.`` become one ``-``; lower case."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class DistFile:
    """One file of a project on an index."""

    filename: str
    url: str  # absolute, without the hash fragment
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    hashes: tuple[tuple[str, str], ...] = ()  # (algorithm, hex digest), sorted
    upload_time: datetime | None = None
    size: int | None = None
    version: str | None = None  # from the filename (None when it cannot be parsed)
    index_url: str = ""  # the index it was listed by

    @property
    def is_wheel(self) -> bool:
        """A ``.whl`` file."""
        return self.filename.endswith(".whl")

    def hash(self, algorithm: str = "sha256") -> str | None:
        """The digest the index gave for ``algorithm``, or None."""
        return next((h for a, h in self.hashes if a == algorithm), None)


@dataclass(frozen=True)
class ProjectFiles:
    """Every file of a project, on the index and its extra indexes merged."""

    name: str  # normalised
    files: tuple[DistFile, ...]
    versions: tuple[str, ...]  # oldest first (PEP 440 order; unparsable ones first)
    stale: bool = False  # some of it came from a cache entry older than max_age
    indexes: tuple[str, ...] = field(default=())  # the indexes that listed the project

    def files_for(self, version: str) -> tuple[DistFile, ...]:
        """The files of one version (compared as PEP 440 versions when possible)."""
        want = _version_key(version)
        return tuple(
            f for f in self.files if f.version is not None and _version_key(f.version) == want
        )


@dataclass(frozen=True)
class ProjectPages:
    """The index pages of one project, as fetched or cached, not yet parsed.

    :attr:`key` names their exact content (index, final URL, fetch time, size), so a
    caller can cache what it derives from them and skip parsing next time: a big
    project's page is megabytes of JSON.
    """

    name: str  # normalised
    entries: tuple[tuple[str, CachedResponse], ...]  # (index URL, page), primary first
    cache: ResponseCache | None = None  # where entries fetched without a body are read
    # parse()'s answer, kept: a cold run asks for a project's files and then its views
    _parsed: list[ProjectFiles] = field(default_factory=list, compare=False, repr=False)

    @property
    def stale(self) -> bool:
        """Some page is older than the cache's max age."""
        return any(e.stale for _u, e in self.entries)

    @property
    def key(self) -> str:
        """A digest of what the pages are (changes when any page is refetched)."""
        h = hashlib.sha256(f"v1 {self.name}".encode())
        for url, e in self.entries:
            h.update(f"\n{url} {e.final_url or e.url} {e.fetched_at!r} {e.body_size}".encode())
        return h.hexdigest()

    def files_for(self, version: str) -> tuple[DistFile, ...]:
        """The files of one version, from a small entry cached by the pages' :attr:`key`.

        Source-build and upgrade rows need one version's sdist; parsing the whole page for
        it (megabytes for a big project) every warm run is what this saves.  The entry is
        in :attr:`cache` (without one the pages are parsed), checked whole when read: a
        bad entry is removed and the pages parsed again.
        """
        if self.cache is None:
            return self.parse().files_for(version)
        key = f"alpine-ready:files:{self.key}:{version}"
        entry = self.cache.get(key, FILES_ACCEPT)
        if entry is not None:
            cached = _files_from_json(entry.body)
            if cached is not None:
                return cached
            log.info("%s: unreadable cached file list; parsing the page", self.name)
            self.cache.discard(key, FILES_ACCEPT)
        files = self.parse().files_for(version)
        self.cache.put(key, FILES_ACCEPT, orjson.dumps([_file_to_json(f) for f in files]))
        return files

    def parse(self) -> ProjectFiles:
        """Every file on the pages, merged (the primary index's first; no repeats).

        Parsed once per instance: the pages are immutable, and a big project's page is
        megabytes of JSON.
        """
        if not self._parsed:
            self._parsed.append(self._parse())
        return self._parsed[0]

    def _parse(self) -> ProjectFiles:
        files: list[DistFile] = []
        seen: set[str] = set()
        versions: list[str] = []
        for index_url, entry in self.entries:
            if not entry.loaded:
                if self.cache is None:
                    raise IndexUnavailable(f"{self.name}: page body not loaded")
                entry = self.cache.load(entry)
            page_files, page_versions = _parse_page(
                entry, f"{self.name}: {entry.base_url}", index_url
            )
            versions.extend(page_versions)
            for f in page_files:
                if f.filename not in seen:
                    seen.add(f.filename)
                    files.append(f)
        return ProjectFiles(
            name=self.name,
            files=tuple(files),
            versions=_sort_versions(versions),
            stale=self.stale,
            indexes=tuple(u for u, _e in self.entries),
        )


def _file_to_json(f: DistFile) -> list[Any]:
    return [
        f.filename,
        f.url,
        f.requires_python,
        f.yanked,
        f.yanked_reason,
        [list(h) for h in f.hashes],
        f.upload_time.isoformat() if f.upload_time is not None else None,
        f.size,
        f.version,
        f.index_url,
    ]


def _opt_str(x: object) -> bool:
    return x is None or isinstance(x, str)


def _file_from_json(d: object) -> DistFile | None:
    if not (isinstance(d, list) and len(d) == 10):
        return None
    name, url, rp, yanked, reason, hashes, uploaded, size, version, index_url = d
    if not (
        isinstance(name, str)
        and isinstance(url, str)
        and isinstance(index_url, str)
        and type(yanked) is bool
        and all(_opt_str(x) for x in (rp, reason, uploaded, version))
        and (size is None or type(size) is int)
        and isinstance(hashes, list)
        and all(
            isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h)
            for h in hashes
        )
    ):
        return None
    when = _parse_time(uploaded)
    if uploaded is not None and when is None:
        return None
    return DistFile(
        name, url, rp, yanked, reason, tuple((a, b) for a, b in hashes), when, size, version,
        index_url,
    )  # fmt: skip


def _files_from_json(body: bytes) -> tuple[DistFile, ...] | None:
    """A cached file list, checked whole (None: not one)."""
    try:
        d = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(d, list):
        return None
    files = [_file_from_json(x) for x in d]
    if any(f is None for f in files):
        return None
    return tuple(f for f in files if f is not None)


# -- parsing ---------------------------------------------------------------------------------


def _version_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def _sort_versions(versions: Iterable[str]) -> tuple[str, ...]:
    invalid: dict[str, str] = {}
    valid: dict[Version, str] = {}
    for v in versions:
        try:
            valid.setdefault(Version(v), v)
        except InvalidVersion:
            invalid.setdefault(v, v)
    return tuple(sorted(invalid)) + tuple(valid[k] for k in sorted(valid))


def _absolute(base_url: str, url: str) -> str:
    """``url`` made absolute against the page, without a fragment (fast for PyPI's)."""
    if url.startswith(("https://", "http://")) and "#" not in url:
        return url
    return urllib.parse.urldefrag(urllib.parse.urljoin(base_url, url))[0]


def _file_version(filename: str) -> str | None:
    parsed = parse_filename(filename)
    if parsed is not None:
        return parsed[1]
    # eggs, .exe installers, legacy sdists packaging refuses: NAME-VERSION[-...].ext
    m = re.match(
        r"^[A-Za-z0-9._]+?-(\d[^-]*?)(?:-py\d.*)?(?:\.tar\.gz|\.zip|\.tar\.bz2|"
        r"\.tgz|\.egg|\.exe|\.msi|\.rpm|\.tar)$",
        filename,
    )
    return m.group(1) if m else None


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _check_api_version(version: object, what: str) -> None:
    if version is None:
        return
    major = str(version).split(".", 1)[0]
    if major != "1":
        raise IndexUnavailable(f"{what}: unsupported repository API version {version}")


def parse_json_page(
    body: bytes, base_url: str, what: str, index_url: str = ""
) -> tuple[str, tuple[DistFile, ...], tuple[str, ...]]:
    """A PEP 691 project page → (name, files, versions)."""
    try:
        data = parse_json(body)
    except DocumentError as e:
        at = f"line {e.line}: " if e.line is not None else ""
        raise IndexUnavailable(f"{what}: not valid JSON ({at}{e.problem})") from None
    if not isinstance(data, dict):
        raise IndexUnavailable(f"{what}: not a JSON object")
    meta = data.get("meta")
    _check_api_version(meta.get("api-version") if isinstance(meta, dict) else None, what)
    raw_files = data.get("files")
    if not isinstance(raw_files, list):
        raise IndexUnavailable(f"{what}: 'files' is not a list")
    files = []
    for raw in raw_files:
        if not isinstance(raw, dict):
            continue
        filename, url = raw.get("filename"), raw.get("url")
        if not isinstance(filename, str) or not isinstance(url, str) or not filename:
            log.debug("%s: skipping a file entry without filename/url", what)
            continue
        hashes = raw.get("hashes")
        pairs = (
            tuple(
                sorted(
                    (str(k).lower(), str(v).lower())
                    for k, v in hashes.items()
                    if isinstance(v, str)
                )
            )
            if isinstance(hashes, dict)
            else ()
        )
        rp = raw.get("requires-python")
        yanked = raw.get("yanked", False)
        size = raw.get("size")
        files.append(
            DistFile(
                filename=filename,
                url=_absolute(base_url, url),
                requires_python=rp.strip() or None if isinstance(rp, str) else None,
                yanked=bool(yanked),
                yanked_reason=yanked if isinstance(yanked, str) and yanked else None,
                hashes=pairs,
                upload_time=_parse_time(raw.get("upload-time")),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
                version=_file_version(filename),
                index_url=index_url,
            )
        )
    versions = data.get("versions")
    if isinstance(versions, list):
        listed = [v for v in versions if isinstance(v, str)]
    else:  # api-version 1.0: no 'versions' key
        listed = [f.version for f in files if f.version is not None]
    name = data.get("name")
    return (
        normalize_name(name) if isinstance(name, str) else "",
        tuple(files),
        _sort_versions(listed),
    )


class _AnchorParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.base: str | None = None
        self.api_version: str | None = None
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a":
            self._current = a
            self._text = []
        elif tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"]
        elif tag == "meta" and a.get("name") == "pypi:repository-version":
            self.api_version = a.get("content")

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def parse_html_page(
    body: bytes, base_url: str, what: str, index_url: str = ""
) -> tuple[DistFile, ...]:
    """A PEP 503 project page → its files (anchors; the filename is the link text)."""
    parser = _AnchorParser()
    try:
        parser.feed(body.decode("utf-8", errors="replace"))
        parser.close()
    except Exception as e:  # HTMLParser is lenient; this is a safety net
        raise IndexUnavailable(f"{what}: unreadable HTML ({e})") from e
    _check_api_version(parser.api_version, what)
    base = urllib.parse.urljoin(base_url, parser.base) if parser.base else base_url
    files = []
    for attrs, text in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, fragment = urllib.parse.urldefrag(urllib.parse.urljoin(base, href))
        filename = text or urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/")[-1])
        hashes: tuple[tuple[str, str], ...] = ()
        if "=" in fragment:
            algo, _, digest = fragment.partition("=")
            hashes = ((algo.lower(), digest.lower()),)
        yanked = "data-yanked" in attrs
        reason = attrs.get("data-yanked")
        rp = attrs.get("data-requires-python")
        files.append(
            DistFile(
                filename=filename,
                url=url,
                requires_python=rp.strip() or None if rp else None,
                yanked=yanked,
                yanked_reason=reason or None,
                hashes=hashes,
                version=_file_version(filename),
                index_url=index_url,
            )
        )
    return tuple(files)


def _parse_page(
    entry: CachedResponse, what: str, index_url: str
) -> tuple[tuple[DistFile, ...], tuple[str, ...]]:
    ctype = entry.content_type
    is_json = (
        ctype == SIMPLE_JSON
        or ctype == "application/json"
        or (ctype not in ("text/html", SIMPLE_HTML) and entry.body.lstrip()[:1] == b"{")
    )
    if is_json:
        _, files, versions = parse_json_page(entry.body, entry.base_url, what, index_url)
        return files, versions
    files = parse_html_page(entry.body, entry.base_url, what, index_url)
    return files, _sort_versions(f.version for f in files if f.version is not None)


# -- the index -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    url: str  # without credentials, ends with "/"
    authorization: str | None


class PyPIIndex:
    """A Simple-API index (and extra indexes), through a response cache."""

    def __init__(
        self,
        index_url: str = PYPI_SIMPLE,
        extra_index_urls: Sequence[str] = (),
        *,
        cache: ResponseCache | None = None,
        offline: bool = False,
        timeout: float = 15.0,
        max_workers: int = 8,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.indexes = tuple(self._index(u) for u in (index_url, *extra_index_urls))
        self.cache = cache if cache is not None else ResponseCache()
        self.offline = offline
        self.max_workers = max(1, max_workers)
        self._http = HttpClient(
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            max_bytes=MAX_PAGE_BYTES,
            auth_hint="credentials go in the index URL (https://USER:PASSWORD@HOST/...)",
        )

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (for tests and logs)."""
        return self._http.requests

    @property
    def http(self) -> HttpClient:
        """The client this index fetches with (files on the index's hosts)."""
        return self._http

    @staticmethod
    def _index(url: str) -> _Index:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PackageIndexError(f"{safe_url(url)}: not an index URL (http or https)")
        bare, auth = split_credentials(url)
        return _Index(bare if bare.endswith("/") else bare + "/", auth)

    # -- public ------------------------------------------------------------------------------
    def pages(self, name: str) -> ProjectPages:
        """The index pages of ``name`` (fetched or cached, not parsed); raises on failure."""
        norm = normalize_name(name)
        if not _NAME.match(name):
            raise ProjectNotFound(f"'{excerpt(name)}': not a valid project name")
        entries: list[tuple[str, CachedResponse]] = []
        missing: list[str] = []
        failed: list[IndexUnavailable] = []
        for i, index in enumerate(self.indexes):
            try:
                entries.append((index.url, self._page(index, norm)))
            except ProjectNotFound:
                missing.append(index.url)
            except IndexUnavailable as e:
                if i == 0:
                    raise  # the primary index decides (pip gives up too)
                # an extra index that does not answer: pip warns and goes on with the others
                log.warning("%s (extra index left out)", e)
                failed.append(e)
        if not entries:
            if failed:
                raise failed[0]
            where = missing[0] if len(missing) == 1 else ", ".join(missing)
            raise ProjectNotFound(f"{norm}: no such project on {where}")
        return ProjectPages(norm, tuple(entries), self.cache)

    def project(self, name: str) -> ProjectFiles:
        """Every file of ``name`` on the indexes; raises :class:`PackageIndexError`."""
        return self.pages(name).parse()

    def fetch_many(self, names: Iterable[str]) -> dict[str, ProjectFiles | PackageIndexError]:
        """``project()`` for each name, concurrently; failures are kept as their error."""
        got = self.pages_many(names)
        parsed: dict[int, ProjectFiles | PackageIndexError] = {}
        for r in got.values():
            if id(r) in parsed:
                continue
            if isinstance(r, PackageIndexError):
                parsed[id(r)] = r
                continue
            try:
                parsed[id(r)] = r.parse()
            except PackageIndexError as e:
                log.info("%s", e)
                parsed[id(r)] = e
        return {n: parsed[id(r)] for n, r in got.items()}

    def pages_many(
        self, names: Iterable[str], progress: Callable[[int, int, str], None] | None = None
    ) -> dict[str, ProjectPages | PackageIndexError]:
        """``pages()`` for each name, concurrently; failures are kept as their error.

        ``progress(done, total, message)`` is called as pages arrive (from this thread).
        """
        wanted = list(dict.fromkeys(names))
        by_norm: dict[str, list[str]] = {}
        for n in wanted:
            by_norm.setdefault(normalize_name(n), []).append(n)
        results: dict[str, ProjectPages | PackageIndexError] = {}
        if not wanted:
            return results

        def one(norm: str) -> ProjectPages | PackageIndexError:
            try:
                return self.pages(by_norm[norm][0])
            except PackageIndexError as e:
                log.info("%s", e)
                return e.with_traceback(None)  # kept: its frames need not be

        # offline there is no network latency to overlap: no threads (nor their overhead)
        workers = 1 if self.offline else min(self.max_workers, len(by_norm))
        with ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="alpine-ready-index"
        ) as pool:
            for i, (norm, result) in enumerate(
                zip(by_norm, pool.map(one, by_norm), strict=True), 1
            ):
                for n in by_norm[norm]:
                    results[n] = result
                if progress is not None:
                    progress(i, len(by_norm), "package index")
        return {n: results[n] for n in wanted}

    # -- one page ----------------------------------------------------------------------------
    def _page(self, index: _Index, norm: str) -> CachedResponse:
        url = f"{index.url}{urllib.parse.quote(norm)}/"
        return self._http.cached(
            self.cache,
            url,
            ACCEPT,
            norm,
            offline=self.offline,
            authorization=index.authorization,
            not_found=f"{norm}: no such project on {index.url}",
            body=False,
        )
