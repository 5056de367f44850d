"""What the npm registry says about a package version, cached; and what its tarball ships.

- :meth:`NpmRegistry.version` reads one version document (``GET REGISTRY/NAME/VERSION``,
  a few KB): ``os``/``cpu``/``libc``, the install scripts, ``gypfile``, ``binary``
  (node-pre-gyp), the dependencies and ``optionalDependencies`` (the platform packages
  of a native dependency), ``config.musl`` (sharp's minimum musl), the tarball URL and
  its integrity.  Published versions do not change, so these answers are cached for
  :data:`VERSION_MAX_AGE`.
- :meth:`NpmRegistry.packument` reads every version of a package (to find the first
  version with a musl build).
- :meth:`NpmRegistry.listing` streams a tarball (bounded, never written to disk,
  checked against the lockfile's/registry's ``integrity``) and lists the
  ``prebuilds/<platform>/*.node`` files prebuildify packages ship, with the libc of
  the Linux ones read from their ELF headers.  The listing is cached, not the tarball.

The registry comes from ``--npm-registry``, else ``registry=`` in the project's
``.npmrc`` or ``~/.npmrc`` (``@scope:registry=`` for scoped packages), else
``https://registry.npmjs.org/``; a ``//host/path/:_authToken=`` line (``${VAR}``
expanded from the environment) is sent as a bearer token to that registry only.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import logging
import os
import posixpath
import re
import tarfile
import urllib.error
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from ..analysis.report import Libc
from ..analysis.verdict import libc_of
from ..dockerfile.heap import paused_gc
from ..elf.reader import read_elf_bytes
from ..errors import ElfError, PackageIndexError
from ..guard import ProjectBoundary, excerpt, printable
from .cache import IndexUnavailable, ProjectNotFound, ResponseCache
from .http import HttpClient, offline_miss, split_credentials
from .loader import MAX_SMALL_FILE_BYTES, DocumentError, parse_json, project_of, read_file

log = logging.getLogger(__name__)

NPM_REGISTRY = "https://registry.npmjs.org/"
ACCEPT = "application/json"
LISTING_ACCEPT = "application/x-alpine-ready-tarball-listing+json; v=2"
VERSION_MAX_AGE = 30 * 24 * 3600.0  # a published version's document does not change
MAX_DOC_BYTES = 64 * 1024**2  # packuments of big packages are tens of MB
MAX_TARBALL_BYTES = 64 * 1024**2  # compressed; prebuilt tarballs are a few MB
MAX_MEMBER_BYTES = 128 * 1024**2  # one .node file, read to find its libc
MAX_MEMBERS = 50_000
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")
MAX_SCRIPT_FILE_BYTES = 64 * 1024  # one install script file, read to classify it
MAX_SHIPPED_JUDGED = 64  # linux-x64 .node files outside prebuilds/ judged per tarball
_NODE_FILE = re.compile(r"(?:^|[;&|(]\s*|:\s*)node\s+(?:\./)?([\w./-]+)")
_LINUX_X64 = re.compile(r"linux[^/]*(?:x64|x86_64)|(?:x64|x86_64)[^/]*linux")


def script_paths(meta: NpmVersion) -> tuple[str, ...]:
    """The files ``node FILE`` install scripts run, as paths inside the package."""
    out = []
    for _k, cmd in meta.install_scripts:
        for m in _NODE_FILE.finditer(cmd):
            path = posixpath.normpath(m[1])
            if path.startswith("..") or path.startswith("/"):
                continue
            out.append(path if posixpath.splitext(path)[1] else path + ".js")
    return tuple(dict.fromkeys(out))[:4]


#: the prebuild platforms whose ``.node`` files the scan engine judges for musl
JUDGED_PLATFORMS = frozenset({"linux-x64", "linux-arm64"})
_NAME = re.compile(r"^(@[a-z0-9][\w.-]*/)?[a-z0-9_.~-][\w.~-]*$", re.IGNORECASE)


@dataclass(frozen=True)
class NpmVersion:
    """One published version, as far as the musl check needs it."""

    name: str
    version: str
    os: tuple[str, ...] = ()
    cpu: tuple[str, ...] = ()
    libc: tuple[str, ...] = ()
    install_scripts: tuple[tuple[str, str], ...] = ()  # (preinstall|install|postinstall, cmd)
    dependencies: tuple[str, ...] = ()  # names (dependencies + optionalDependencies)
    optional_dependencies: tuple[str, ...] = ()
    optional_specs: tuple[str, ...] = ()  # the version spec of each optional dependency
    gypfile: bool = False
    binary_host: str | None = None  # node-pre-gyp's ``binary.host`` (a download server)
    musl_requirement: str | None = None  # ``config.musl`` (sharp: ">=1.2.5")
    tarball: str | None = None
    integrity: str | None = None
    deprecated: str | None = None

    @property
    def builds_by_script(self) -> bool:
        """An install or preinstall script: npm then runs no ``node-gyp rebuild`` itself."""
        return any(k in ("preinstall", "install") for k, _ in self.install_scripts)

    @property
    def install_script(self) -> str | None:
        """The install-time commands, joined (None when there are none)."""
        if not self.install_scripts:
            return None
        return " ; ".join(f"{k}: {v}" for k, v in self.install_scripts)


@dataclass(frozen=True)
class Prebuild:
    """One ``prebuilds/<platform>/<file>.node`` in a tarball."""

    path: str  # inside the package, e.g. prebuilds/linux-x64/bcrypt.musl.node
    platform: str  # linux-x64
    tags: tuple[str, ...]  # name tags: napi, glibc, musl, armv7, ...
    libc: str | None  # read from the ELF: glibc | musl | none (no libc needed); None: not ELF
    #: the scan engine's verdict on it for Alpine x86_64/aarch64 (a Linux prebuild for the
    #: target's machine): ok | needs-packages | needs-gcompat | incompatible; None: not judged
    verdict: str | None = None
    missing: tuple[str, ...] = ()  # the libraries it needs that Alpine's base lacks


@dataclass(frozen=True)
class TarballListing:
    """What one tarball ships: ``prebuilds/`` for ``node-gyp-build``, and every ELF file."""

    name: str
    version: str
    files: tuple[Prebuild, ...] = field(default=())
    node_files: int = 0  # every .node file in the tarball
    elf_files: tuple[tuple[str, str], ...] = ()  # (path in the package, libc) of every ELF
    #: a ``binding.gyp`` at the package's top: without an install script npm runs
    #: ``node-gyp rebuild`` for it (None: a listing recorded before this was read)
    binding_gyp: bool | None = None
    #: the text of each script file an install script runs (``node install.js``), bounded
    script_files: tuple[tuple[str, str], ...] = ()
    #: (path, the scan engine's verdict) of the linux-x64 ``.node`` files outside
    #: ``prebuilds/`` (what a check script loads: lib/*-linux-x64-musl-*.node)
    shipped: tuple[tuple[str, str], ...] = ()


_PLAIN = re.compile(r"@?[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)?")


def _valid(name: str, version: str) -> bool:
    """A package name and version a registry URL can be made of."""
    return bool(_NAME.match(name)) and bool(version) and "/" not in version


def escape_name(name: str) -> str:
    """``@scope/name`` -> ``@scope%2Fname`` (how the registry addresses documents)."""
    if _PLAIN.fullmatch(name):
        return name.replace("/", "%2F")  # (what quote() gives, without its per-call cost)
    return urllib.parse.quote(name, safe="@")


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _dict(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def parse_version_doc(doc: Any, what: str) -> NpmVersion:
    """An :class:`NpmVersion` from a version document (or one entry of a packument)."""
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("name"), str)
        or not isinstance(doc.get("version"), str)
    ):
        raise IndexUnavailable(f"{what}: not an npm version document")
    scripts, deps, opt = (
        _dict(doc, "scripts"),
        _dict(doc, "dependencies"),
        _dict(doc, "optionalDependencies"),
    )
    install = tuple((k, scripts[k]) for k in INSTALL_SCRIPTS if isinstance(scripts.get(k), str))
    binary, config, dist = _dict(doc, "binary"), _dict(doc, "config"), _dict(doc, "dist")
    host = binary.get("host") if isinstance(binary.get("host"), str) else None
    musl = config.get("musl") if isinstance(config.get("musl"), str) else None
    dep = doc.get("deprecated")
    return NpmVersion(
        name=doc["name"],
        version=doc["version"],
        os=_strs(doc.get("os")),
        cpu=_strs(doc.get("cpu")),
        libc=_strs(doc.get("libc")),
        install_scripts=install,
        dependencies=tuple(dict.fromkeys([*deps, *opt])),
        optional_dependencies=tuple(opt),
        optional_specs=tuple(str(v) for v in opt.values()),
        gypfile=doc.get("gypfile") is True,
        binary_host=host,
        musl_requirement=musl,
        tarball=dist.get("tarball") if isinstance(dist.get("tarball"), str) else None,
        integrity=dist.get("integrity") if isinstance(dist.get("integrity"), str) else None,
        deprecated=dep if isinstance(dep, str) and dep else None,
    )


# --------------------------------------------------------------------------- .npmrc


@dataclass(frozen=True)
class NpmConfig:
    """Registry settings read from ``.npmrc`` files."""

    registry: str = NPM_REGISTRY
    scoped: tuple[tuple[str, str], ...] = ()  # (@scope, registry URL)
    tokens: tuple[tuple[str, str], ...] = ()  # (//host/path/, token)

    def registry_for(self, name: str) -> str:
        """The registry a package comes from."""
        if name.startswith("@"):
            scope = name.split("/", 1)[0]
            for s, url in self.scoped:
                if s == scope:
                    return url
        return self.registry

    def token_for(self, url: str) -> str | None:
        """The ``_authToken`` whose ``//host/path/`` prefixes ``url`` (the longest)."""
        parts = urllib.parse.urlsplit(url)
        bare = f"//{parts.netloc}{parts.path}"
        best: tuple[int, str] | None = None
        for prefix, token in self.tokens:
            # whole path segments, as npm matches them: //host/a must not match //host/ab
            # (nor //host:_authToken the host //host.evil.io)
            want = prefix if prefix.endswith("/") else prefix + "/"
            if (bare if bare.endswith("/") else bare + "/").startswith(want) and (
                best is None or len(want) > best[0]
            ):
                best = (len(want), token)
        return best[1] if best else None


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def read_npmrc(
    project_dir: Path | None,
    *,
    home: Path | None = None,
    registry: str | None = None,
    boundary: ProjectBoundary | None = None,
) -> NpmConfig:
    """The settings of ``~/.npmrc`` overridden by the project's; ``registry`` wins.

    Each file is read bounded (:data:`~.loader.MAX_SMALL_FILE_BYTES`), only when it is a
    regular file; the project's only inside ``boundary`` (default: the project around
    ``project_dir``).
    """
    values: dict[str, str] = {}
    files = [(home if home is not None else Path.home()) / ".npmrc"]
    if project_dir is not None:
        files.append(project_dir / ".npmrc")
    for i, f in enumerate(files):
        if not f.is_file():
            continue
        display = printable(str(f))
        if i == 1:
            (boundary or project_of(f.parent)).check(f, display)
        data = read_file(f, limit=MAX_SMALL_FILE_BYTES, what="an .npmrc", display=display)
        text = data.decode("utf-8", "replace")
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line[0] in "#;" or "=" not in line:
                continue
            key, _, value = line.partition("=")
            value = re.sub(
                r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                lambda m: os.environ.get(m[1], ""),
                value.strip().strip("\"'"),
            )
            values[key.strip()] = value
    default = _slash(registry or values.get("registry") or NPM_REGISTRY)
    scoped = tuple(
        (k.split(":", 1)[0], _slash(v))
        for k, v in values.items()
        if k.startswith("@") and k.endswith(":registry") and v
    )
    tokens = tuple(
        (k[: -len(":_authToken")], v)
        for k, v in values.items()
        if k.startswith("//") and k.endswith(":_authToken") and v
    )
    return NpmConfig(registry=default, scoped=scoped, tokens=tokens)


# --------------------------------------------------------------------------- the client


def _prebuild(path: str) -> tuple[str, tuple[str, ...]] | None:
    """(platform, tags) of ``prebuilds/<platform>/<name>.<tags>.node``, else None."""
    parts = path.split("/")
    if len(parts) != 3 or parts[0] != "prebuilds" or not parts[2].endswith(".node"):
        return None
    stem = parts[2][: -len(".node")]
    return parts[1], tuple(stem.split(".")[1:])


#: what every Node on Alpine has (the nodejs apk depends on them): not a missing library
NODE_RUNTIME_LIBS = frozenset({"libstdc++.so.6", "libgcc_s.so.1"})


def musl_verdict(data: bytes, path: str) -> tuple[str, tuple[str, ...]] | None:
    """(the scan engine's verdict, the libraries missing) for one prebuild on Alpine.

    Judged as ``scan`` judges a ``.node`` file against the default Alpine release, with
    the C++ runtime every Node on Alpine has counted as present.  None when it is not an
    ELF file the target loads (another machine, corrupt).
    """
    from ..analysis.report import BinaryReport
    from ..analysis.scan import judge_file
    from ..analysis.system import TargetSystem

    try:
        elf = read_elf_bytes(data, path)
    except ElfError:
        return None
    system = TargetSystem.from_profile()
    out = judge_file(system, path, f"/app/{path}", elf, None, None)
    if not isinstance(out, BinaryReport):
        return None
    return node_runtime_verdict(out.verdict.value, out.missing_libraries)


def node_runtime_verdict(verdict: str, missing: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """A Node addon's verdict with Node's own C++ runtime (:data:`NODE_RUNTIME_LIBS`) present.

    Every Node on Alpine has it, so a file missing only that loads (``ok``); the libraries
    still missing are the others.
    """
    left = tuple(m for m in missing if m not in NODE_RUNTIME_LIBS)
    if verdict == "needs-packages" and not left:
        return "ok", left
    return verdict, left


def _elf_libc(data: bytes) -> str | None:
    try:
        elf = read_elf_bytes(data, "prebuild")
    except ElfError:
        return None
    libc = libc_of(elf, None)
    return "none" if libc is Libc.STATIC else libc.value


class _Limited(io.RawIOBase):
    """Reads at most ``limit`` bytes from ``raw`` while hashing them."""

    def __init__(self, raw: Any, limit: int, algorithm: str | None, what: str) -> None:
        self.raw = raw
        self.left = limit
        self.what = what
        self.hash = hashlib.new(algorithm) if algorithm else None

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        chunk = self.raw.read(min(len(b), 1 << 16))
        if len(chunk) > self.left:
            raise IndexUnavailable(f"{self.what}: tarball larger than {MAX_TARBALL_BYTES} bytes")
        self.left -= len(chunk)
        if self.hash is not None:
            self.hash.update(chunk)
        b[: len(chunk)] = chunk
        return len(chunk)


class NotCached(IndexUnavailable):
    """Offline, a version document the cache has no entry for (a miss of a batch).

    ``str()`` is what :meth:`NpmRegistry.version` raises, made only when it is shown: a
    300,000-package lockfile offline makes that many, and its rows say it briefly, the
    registry and the cache named once (:func:`~.node_check.check_node`'s note).
    """

    __slots__ = ("pair", "source")

    def __init__(self, source: NpmRegistry, pair: tuple[str, str]) -> None:
        super().__init__()
        self.source = source
        self.pair = pair  # (name, version)

    @property
    def what(self) -> str:
        """``name@version``."""
        return f"{self.pair[0]}@{self.pair[1]}"

    @property
    def registry(self) -> str:
        """The registry the document would come from."""
        return self.source.config.registry_for(self.pair[0])

    @property
    def cache(self) -> ResponseCache:
        """The cache that has no entry for it."""
        return self.source.cache

    def __str__(self) -> str:
        what, _reg, url = self.source._version_url(*self.pair)
        return str(offline_miss(self.source.cache, self.source._auth(url)[0], what))


class NpmRegistry:
    """The npm registry (or a mirror) through a response cache."""

    def __init__(
        self,
        config: NpmConfig | None = None,
        *,
        cache: ResponseCache | None = None,
        offline: bool = False,
        timeout: float = 15.0,
        max_workers: int = 16,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.config = config or NpmConfig()
        self.cache = cache if cache is not None else ResponseCache()
        self.offline = offline
        self.max_workers = max(1, max_workers)
        self._http = HttpClient(
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            max_bytes=MAX_DOC_BYTES,
            auth_hint="put a token in .npmrc (//HOST/:_authToken=${NPM_TOKEN})",
        )

    @property
    def requests(self) -> int:
        """HTTP requests sent so far."""
        return self._http.requests

    def _auth(self, url: str) -> tuple[str, str | None]:
        parts = url.split("/", 3)  # scheme:, "", netloc, path
        if "@" not in (parts[2] if len(parts) > 2 else url):
            bare, basic = url, None  # no user:password@ (the common case, no URL parsing)
        else:
            bare, basic = split_credentials(url)
        token = self.config.token_for(bare) if self.config.tokens else None
        return bare, (f"Bearer {token}" if token else basic)

    def _doc(self, url: str, what: str, max_age: float | None, not_found: str) -> Any:
        bare, auth = self._auth(url)
        entry = self._http.cached(
            self.cache,
            bare,
            ACCEPT,
            what,
            offline=self.offline,
            authorization=auth,
            not_found=not_found,
            max_age=max_age,
        )
        try:
            return parse_json(entry.body)
        except DocumentError as e:
            at = f"line {e.line}: " if e.line is not None else ""
            raise IndexUnavailable(f"{what}: {bare}: not JSON ({at}{e.problem})") from None

    def _version_url(self, name: str, version: str) -> tuple[str, str, str]:
        """(``name@version``, its registry, its document's URL); invalid: ProjectNotFound."""
        what = f"{name}@{version}"
        if not _valid(name, version):
            raise ProjectNotFound(f"{excerpt(what)}: not a valid npm package name and version")
        reg = self.config.registry_for(name)
        quoted = (
            version
            if _PLAIN.fullmatch(version) and "/" not in version
            else urllib.parse.quote(version, safe="")
        )
        return what, reg, f"{reg}{escape_name(name)}/{quoted}"

    def version(self, name: str, version: str) -> NpmVersion:
        """The document of ``name@version``; raises :class:`PackageIndexError`."""
        what, reg, url = self._version_url(name, version)
        doc = self._doc(url, what, VERSION_MAX_AGE, f"{what}: no such version on {reg}")
        return parse_version_doc(doc, what)

    def _listed_miss(self, pair: tuple[str, str]) -> NotCached | None:
        """Offline, in a listed batch: the error of a document surely not cached, else None.

        What :meth:`version` would raise, without its way through the HTTP client and the
        cache (a 300,000-package lockfile offline is that many misses).
        """
        if not _valid(*pair):
            return None  # (version() says why)
        if not self.cache.listed_empty():  # (empty: no URL, no key to make)
            _what, _reg, url = self._version_url(*pair)
            if self.cache.has(self._auth(url)[0], ACCEPT) is not False:
                return None
        e = NotCached(self, pair)
        log.info("%s", e)
        return e

    def versions_many(
        self, pairs: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], NpmVersion | PackageIndexError]:
        """``version()`` for each (name, version), concurrently; failures kept as errors."""
        wanted = list(dict.fromkeys(pairs))
        if not wanted:
            return {}

        def one(pair: tuple[str, str]) -> NpmVersion | PackageIndexError:
            try:
                return self.version(*pair)
            except PackageIndexError as e:
                log.info("%s", e)
                return e.with_traceback(None)  # kept: its frames need not be

        if self.offline:  # cache reads only: threads would add overhead, not overlap
            # misses told from one listing, not an open each; no network, nothing cyclic
            with self.cache.listed(), paused_gc():
                return {pair: self._listed_miss(pair) or one(pair) for pair in wanted}
        with ThreadPoolExecutor(
            max_workers=min(self.max_workers, len(wanted)), thread_name_prefix="alpine-ready-npm"
        ) as pool:
            return dict(zip(wanted, pool.map(one, wanted), strict=True))

    def packument(self, name: str) -> dict[str, NpmVersion]:
        """Every published version of ``name`` (version -> document)."""
        if not _NAME.match(name):
            raise ProjectNotFound(f"'{excerpt(name)}': not a valid npm package name")
        reg = self.config.registry_for(name)
        doc = self._doc(
            f"{reg}{escape_name(name)}", name, None, f"{name}: no such package on {reg}"
        )
        versions = doc.get("versions") if isinstance(doc, dict) else None
        if not isinstance(versions, dict):
            raise IndexUnavailable(f"{name}: the registry's document has no versions")
        out: dict[str, NpmVersion] = {}
        for v, d in versions.items():
            try:
                out[v] = parse_version_doc(d, f"{name}@{v}")
            except IndexUnavailable:
                continue
        return out

    def listing(self, meta: NpmVersion, integrity: str | None = None) -> TarballListing:
        """What ``meta``'s tarball ships (a cached listing; see the module doc)."""
        what = f"{meta.name}@{meta.version}"
        if not meta.tarball:
            raise IndexUnavailable(f"{what}: the registry gives no tarball URL")
        bare, auth = self._auth(meta.tarball)
        cached = self.cache.get(bare, LISTING_ACCEPT)
        if cached is not None:
            listing = _listing_from_json(cached.body, meta)
            if listing is not None:
                return listing
            self.cache.discard(bare, LISTING_ACCEPT)
        if self.offline:
            raise IndexUnavailable(
                f"{what}: its tarball listing is not in the cache "
                f"({self.cache.root}) and we are offline"
            )
        want = integrity or meta.integrity
        algorithm, expected = None, None
        if want and "-" in want:
            algorithm, _, b64 = want.split()[0].partition("-")
            if algorithm not in ("sha512", "sha384", "sha256", "sha1"):
                algorithm = None
            else:
                expected = b64
        headers = {"User-Agent": "alpine-ready", "Accept": "*/*"}
        if auth:
            headers["Authorization"] = auth
        listing = self._stream_listing(bare, headers, meta, algorithm, expected)
        self.cache.put(bare, LISTING_ACCEPT, json.dumps(_listing_to_json(listing)).encode())
        return listing

    def _stream_listing(
        self,
        url: str,
        headers: Mapping[str, str],
        meta: NpmVersion,
        algorithm: str | None,
        expected: str | None,
    ) -> TarballListing:
        what = f"{meta.name}@{meta.version}"
        files: list[Prebuild] = []
        elf: list[tuple[str, str]] = []
        node_files = 0
        gyp = False
        wanted = {*script_paths(meta), "binding.gyp"}  # (its pkg-config modules)
        texts: list[tuple[str, str]] = []
        shipped: list[tuple[str, str]] = []
        try:
            with self._http.open(url, headers) as r:
                raw = _Limited(r, MAX_TARBALL_BYTES, algorithm, what)
                buffered = io.BufferedReader(raw, 1 << 16)
                with (
                    gzip.GzipFile(fileobj=buffered) as gz,
                    tarfile.open(fileobj=gz, mode="r|") as tar,
                ):
                    for i, member in enumerate(tar):
                        if i >= MAX_MEMBERS:
                            raise IndexUnavailable(
                                f"{what}: more than {MAX_MEMBERS} files in the tarball"
                            )
                        if not member.isfile():
                            continue
                        path = member.name.split("/", 1)[1] if "/" in member.name else ""
                        gyp = gyp or path == "binding.gyp"
                        if path in wanted and member.size <= MAX_SCRIPT_FILE_BYTES:
                            f = tar.extractfile(member)
                            if f is not None:
                                raw_text = f.read(MAX_SCRIPT_FILE_BYTES)
                                texts.append((path, raw_text.decode("utf-8", "replace")))
                            continue
                        if member.size < 64:
                            continue
                        is_node = member.name.endswith(".node")
                        node_files += is_node
                        pb = _prebuild(path)
                        libc = None
                        judged: tuple[str, tuple[str, ...]] | None = None
                        if member.size <= MAX_MEMBER_BYTES and (
                            pb is None or pb[0].startswith("linux")
                        ):
                            f = tar.extractfile(member)
                            head = f.read(4) if f is not None else b""
                            if f is not None and head == b"\x7fELF":
                                data = head + f.read(MAX_MEMBER_BYTES)
                                libc = _elf_libc(data)
                                if libc is not None:
                                    elf.append((path, libc))
                                if pb is not None and is_node and pb[0] in JUDGED_PLATFORMS:
                                    judged = musl_verdict(data, path)
                                elif (
                                    pb is None
                                    and is_node
                                    and _LINUX_X64.search(path)
                                    and len(shipped) < MAX_SHIPPED_JUDGED
                                ):
                                    seen = musl_verdict(data, path)
                                    if seen is not None:
                                        shipped.append((path, seen[0]))
                        if pb is not None and is_node:
                            files.append(
                                Prebuild(
                                    path,
                                    pb[0],
                                    pb[1],
                                    libc,
                                    judged[0] if judged else None,
                                    judged[1] if judged else (),
                                )
                            )
                    # drain the rest so the integrity hash covers the whole file
                    while buffered.read(1 << 16):
                        pass
        except PackageIndexError:
            raise
        except (OSError, tarfile.TarError, EOFError, urllib.error.URLError) as e:
            raise IndexUnavailable(f"{what}: cannot read its tarball {url} ({e})") from None
        if raw.hash is not None and expected is not None:
            got = base64.b64encode(raw.hash.digest()).decode()
            if got != expected:
                raise IndexUnavailable(
                    f"{what}: tarball {url} does not match its integrity "
                    f"{algorithm}-{expected[:16]}…"
                )
        return TarballListing(
            meta.name,
            meta.version,
            tuple(files),
            node_files,
            tuple(elf),
            gyp,
            tuple(texts),
            tuple(shipped),
        )


def _listing_to_json(p: TarballListing) -> dict[str, Any]:
    return {
        "name": p.name,
        "version": p.version,
        "node_files": p.node_files,
        "files": [
            {
                "path": f.path,
                "platform": f.platform,
                "tags": list(f.tags),
                "libc": f.libc,
                "verdict": f.verdict,
                "missing": list(f.missing),
            }
            for f in p.files
        ],
        "elf_files": [list(e) for e in p.elf_files],
        "binding_gyp": p.binding_gyp,
        "script_files": [list(t) for t in p.script_files],
        "shipped": [list(t) for t in p.shipped],
    }


def _listing_from_json(body: bytes, meta: NpmVersion) -> TarballListing | None:
    """The cached listing, or None when the entry is not one (tampered, another format)."""
    try:
        d = parse_json(body)
    except DocumentError:
        return None
    if not isinstance(d, dict) or type(d.get("node_files")) is not int:
        return None
    files, elf = d.get("files"), d.get("elf_files")
    if not isinstance(files, list) or not isinstance(elf, list):
        return None
    prebuilds = []
    for f in files:
        if not isinstance(f, dict) or not all(
            isinstance(f.get(k), str) for k in ("path", "platform")
        ):
            return None
        tags, libc = f.get("tags"), f.get("libc")
        if not _str_list(tags) or not (libc is None or isinstance(libc, str)):
            return None
        verdict, missing = f.get("verdict"), f.get("missing") or []
        if not (verdict is None or isinstance(verdict, str)) or not _str_list(missing):
            return None
        prebuilds.append(
            Prebuild(f["path"], f["platform"], tuple(tags or ()), libc, verdict, tuple(missing))
        )
    if not all(_str_list(e) and len(e) == 2 for e in elf):
        return None
    gyp = d.get("binding_gyp")
    texts, shipped = d.get("script_files") or [], d.get("shipped") or []
    pairs = (*texts, *shipped) if isinstance(texts, list) and isinstance(shipped, list) else None
    if pairs is None or not all(_str_list(e) and len(e) == 2 for e in pairs):
        return None
    return TarballListing(
        meta.name,
        meta.version,
        tuple(prebuilds),
        d["node_files"],
        tuple((e[0], e[1]) for e in elf),
        gyp if isinstance(gyp, bool) else None,
        tuple((t[0], t[1]) for t in texts),
        tuple((t[0], t[1]) for t in shipped),
    )


def _str_list(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)
