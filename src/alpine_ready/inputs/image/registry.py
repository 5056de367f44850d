"""Images from a registry, over the OCI distribution API (``docker://REGISTRY/REPO:TAG``).

Standard library HTTP only (``http.client``). What it does, as Docker does:

- HTTPS, except plain HTTP for localhost / 127.0.0.0/8 registries (or when asked);
  ``tls_verify=False`` skips certificate checks.
- Auth from the ``401`` challenge: ``Bearer`` → a token from the realm
  (``GET realm?service=…&scope=repository:REPO:pull``, with Basic credentials when
  we have some, or an OAuth2 ``POST`` with an identity token), cached per
  (realm, service, scope); ``Basic`` → the credentials. Credentials come from
  the Docker config (:mod:`.auth`); anonymous tokens work as on Docker Hub.
- Manifest lists / OCI indexes resolved for a platform; every manifest verified
  against its digest (the reference's, the index's descriptor, and the
  ``Docker-Content-Digest`` header); every blob verified as it is read.
- Blobs follow redirects (to storage hosts; the Authorization header is dropped
  when the host changes), go through the :class:`BlobCache` when there is one
  (fetched once, resumed with ``Range`` after an interruption), and are never
  downloaded before :meth:`RegistryBlobs.open_blob` is called -- the manifest
  alone gives the compressed sizes.
- Retries with exponential backoff (honouring ``Retry-After``) on 429/5xx and
  connection errors, bounded by ``retries``.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import logging
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from ... import __version__
from ...http_retry import retry_after
from .auth import Challenge, Credentials, credentials_for, docker_config_path, parse_challenges
from .blobcache import BlobCache, BlobWriter, check_blob_size
from .model import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    INDEX_TYPES,
    MANIFEST_TYPES,
    OCI_INDEX,
    OCI_MANIFEST,
    ImageError,
    ImageSource,
    Layer,
    Platform,
    attach_history,
)
from .reference import ImageReference, is_loopback
from .verify import VerifyingReader, check_digest, digest_of, verify_bytes

log = logging.getLogger(__name__)

ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))
USER_AGENT = f"alpine-ready/{__version__}"
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # containerd's limit
MAX_CONFIG_BYTES = 64 * 1024 * 1024
MAX_ERROR_BODY = 64 * 1024
MAX_TOKEN_BODY = 1024 * 1024
MAX_REDIRECTS = 10
MAX_INDEX_DEPTH = 4
MAX_BACKOFF = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 1 << 20
_SCHEMA1_TYPES = ("application/vnd.docker.distribution.manifest.v1+json",
                  "application/vnd.docker.distribution.manifest.v1+prettyjws")

T = TypeVar("T")


@dataclass(frozen=True)
class RegistryOptions:
    """How to speak to registries."""

    tls_verify: bool = True
    platform: Platform = field(default_factory=Platform)
    cache: BlobCache | None = None
    timeout: float = 30.0  # seconds, per connection/read
    retries: int = 5  # extra attempts after a 429/5xx or connection error
    auth_file: Path | None = None  # a Docker config.json (default: $DOCKER_CONFIG, ~/.docker)
    insecure_http: bool | None = None  # None: plain HTTP for localhost/127.0.0.0/8 only
    backoff: float = 0.5  # first retry delay in seconds, doubled on each retry


def open_registry_image(ref: ImageReference, options: RegistryOptions | None = None, *,
                        manifest_only: bool = False) -> ImageSource:
    """Resolve ``ref`` in its registry: manifest (for the platform), config, layers.

    No layer is downloaded here: layers are read through ``source.blobs.open_blob``.
    With ``manifest_only`` not even the config is fetched (``config`` is empty and the
    layers have no history) -- enough for compressed sizes.
    """
    options = options or RegistryOptions()
    client = RegistryClient(ref, options)
    return client.resolve(manifest_only=manifest_only)


# -- token cache (process-wide: many images of one registry share tokens) -------------------

_token_lock = threading.Lock()
_token_cache: dict[tuple[str, str, str, str], tuple[str, float]] = {}


def _cached_token(key: tuple[str, str, str, str]) -> str | None:
    with _token_lock:
        hit = _token_cache.get(key)
        if hit is None:
            return None
        token, expires = hit
        if time.monotonic() >= expires:
            del _token_cache[key]
            return None
        return token


def _store_token(key: tuple[str, str, str, str], token: str, expires_in: float) -> None:
    with _token_lock:
        # Renew ten seconds early; tokens that live less than that are not cached.
        _token_cache[key] = (token, time.monotonic() + max(0.0, expires_in - 10))


def clear_token_cache() -> None:
    """Forget every cached bearer token."""
    with _token_lock:
        _token_cache.clear()


# -- the client ------------------------------------------------------------------------------

class _Unset:
    pass


_UNSET = _Unset()


class RegistryClient:
    """HTTP to one repository of one registry: auth, redirects, retries, manifests, blobs."""

    def __init__(self, ref: ImageReference, options: RegistryOptions) -> None:
        if ref.transport != "docker" or not ref.registry or not ref.repository:
            raise ImageError(f"{ref}: not a registry reference")
        self.ref = ref
        self.options = options
        self.name = str(ref)
        self.registry = ref.registry
        self.repository = ref.repository
        self.host = ref.registry_host
        plain = options.insecure_http if options.insecure_http is not None \
            else ref.insecure_by_default
        self.scheme = "http" if plain else "https"
        self.base = f"{self.scheme}://{self.host}"
        self.scope = f"repository:{self.repository}:pull"
        self._ssl = ssl.create_default_context()
        if not options.tls_verify:
            self._ssl.check_hostname = False
            self._ssl.verify_mode = ssl.CERT_NONE
        self._creds: Credentials | _Unset | None = _UNSET
        self._authorization: str | None = None
        self.requests = 0  # HTTP requests sent (for tests and logs)

    # -- credentials -------------------------------------------------------------------------
    @property
    def credentials(self) -> Credentials | None:
        """Credentials for this registry from the Docker config (looked up once)."""
        if isinstance(self._creds, _Unset):
            self._creds = credentials_for(self.registry, self.options.auth_file)
            if self._creds is not None:
                log.debug("%s: credentials from %s", self.registry, self._creds.source)
        return self._creds

    # -- resolving an image ------------------------------------------------------------------
    def resolve(self, manifest_only: bool = False) -> ImageSource:
        """The image the reference names, for ``options.platform``."""
        reference = self.ref.reference
        pinned = self.ref.digest
        body, media_type, digest = self.get_manifest(reference, pinned, None)
        index_digest = None
        depth = 0
        while media_type in INDEX_TYPES:
            depth += 1
            if depth > MAX_INDEX_DEPTH:
                raise ImageError(f"{self.name}: indexes nested more than {MAX_INDEX_DEPTH} deep")
            if index_digest is None:
                index_digest = digest
            desc = self._pick_platform(_json_object(body, f"{self.name}: index {digest}"),
                                       digest)
            body, media_type, digest = self.get_manifest(desc["digest"], desc["digest"],
                                                         desc.get("size"))
        if media_type not in MANIFEST_TYPES:
            raise ImageError(f"{self.name}: unsupported manifest type {media_type!r}")
        manifest = _json_object(body, f"{self.name}: manifest {digest}")
        config_desc = _descriptor(manifest.get("config"), f"{self.name}: manifest {digest}: config")
        layer_descs = manifest.get("layers")
        if not isinstance(layer_descs, list):
            raise ImageError(f"{self.name}: manifest {digest}: 'layers' is not a list")
        layers = []
        for i, raw in enumerate(layer_descs):
            d = _descriptor(raw, f"{self.name}: manifest {digest}: layer {i}")
            layers.append(Layer(d["digest"], str(d.get("mediaType") or ""), d["size"]))
        blobs = RegistryBlobs(self)
        config: Mapping[str, Any] = {}
        if not manifest_only:
            config = self._fetch_config(blobs, config_desc)
            layers = attach_history(layers, config)
        annotations = manifest.get("annotations")
        return ImageSource(
            name=self.name, transport="docker", manifest_digest=digest, manifest=manifest,
            config_digest=config_desc["digest"], config=config, layers=tuple(layers),
            blobs=blobs,
            annotations={str(k): str(v) for k, v in annotations.items()}
            if isinstance(annotations, dict) else {},
            index_digest=index_digest)

    def _fetch_config(self, blobs: RegistryBlobs, desc: Mapping[str, Any]) -> Mapping[str, Any]:
        what = f"{self.name}: config {desc['digest']}"
        if desc["size"] > MAX_CONFIG_BYTES:
            raise ImageError(f"{what}: {desc['size']} bytes is too large for a config")
        with blobs.open_blob(desc["digest"], desc["size"]) as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
            if len(data) > MAX_CONFIG_BYTES:
                raise ImageError(f"{what}: too large")
            while f.read(_CHUNK):  # reach EOF, so that the digest is verified
                pass
        return _json_object(data, what)

    def _pick_platform(self, index: Mapping[str, Any], digest: str) -> Mapping[str, Any]:
        entries = index.get("manifests")
        what = f"{self.name}: index {digest}"
        if not isinstance(entries, list):
            raise ImageError(f"{what}: 'manifests' is not a list")
        want = self.options.platform
        matches = []
        available = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise ImageError(f"{what}: entry {i} is not an object")
            p = entry.get("platform")
            if not isinstance(p, dict):
                continue
            text = "/".join(str(x) for x in (p.get("os"), p.get("architecture"),
                                             p.get("variant")) if x)
            if text and text != "unknown/unknown" and text not in available:
                available.append(text)
            if want.matches(p):
                matches.append(entry)
        if not matches:
            raise ImageError(f"{self.name}: no image for platform {want} in index {digest}; "
                             f"available: {', '.join(available) or 'none'}")
        # An exact variant (or none, when none was asked for) wins over any variant.
        exact = [e for e in matches if e["platform"].get("variant") == want.variant]
        chosen = (exact or matches)[0]
        desc = _descriptor(chosen, f"{what}: entry for {want}")
        log.debug("%s: platform %s -> %s", self.name, want, desc["digest"])
        return desc

    # -- manifests ---------------------------------------------------------------------------
    def get_manifest(self, reference: str, expected_digest: str | None,
                     expected_size: int | None) -> tuple[bytes, str, str]:
        """``GET /v2/REPO/manifests/REF`` → (bytes, media type, digest), verified.

        The bytes must match ``expected_digest`` (when the reference is a digest) and
        the ``Docker-Content-Digest`` header (when the registry sends one).
        """
        what = f"manifest {reference}"
        resp = self.get(f"/v2/{self.repository}/manifests/{reference}",
                        {"Accept": ACCEPT}, what=what,
                        not_found=f"{self.name}: manifest unknown: no {reference} in "
                                  f"{self.registry}/{self.repository}")
        with contextlib.closing(resp):
            length = resp.getheader("Content-Length")
            if length and length.isdigit() and int(length) > MAX_MANIFEST_BYTES:
                raise ImageError(f"{self.name}: {what}: {length} bytes is too large")
            try:
                body = resp.read(MAX_MANIFEST_BYTES + 1)
            except (OSError, http.client.HTTPException) as e:
                raise ImageError(f"{self.name}: {what}: reading failed: {e}") from e
            content_type = (resp.getheader("Content-Type") or "").split(";")[0].strip()
            header_digest = resp.getheader("Docker-Content-Digest")
        if len(body) > MAX_MANIFEST_BYTES:
            raise ImageError(f"{self.name}: {what}: larger than {MAX_MANIFEST_BYTES} bytes")
        label = f"{self.name}: {what}"
        if expected_digest is not None:
            verify_bytes(body, expected_digest, expected_size, label)
        if header_digest:
            header_digest = header_digest.strip()
            verify_bytes(body, check_digest(header_digest, f"{label}: Docker-Content-Digest"),
                         None, f"{label} (Docker-Content-Digest)")
        digest = expected_digest or header_digest or digest_of(body)
        return body, _media_type(body, content_type, label), digest

    # -- HTTP --------------------------------------------------------------------------------
    def get(self, path: str, headers: Mapping[str, str], *, what: str, not_found: str,
            accept: tuple[int, ...] = ()) -> http.client.HTTPResponse:
        """GET a registry path: auth, redirects and retries handled.

        Returns a 2xx response (or one whose status is in ``accept``), whose body the
        caller reads and closes; anything else is an :class:`ImageError`.
        """
        url = self.base + path
        authenticated = False
        attempt = 0
        while True:
            resp, final_url = self._retrying(
                lambda: self._follow(url, headers, what), what)
            status = resp.status
            on_registry = _origin(final_url) == _origin(self.base)
            if status == 401 and on_registry and not authenticated:
                challenges = parse_challenges(resp.headers.get_all("WWW-Authenticate") or [])
                stale = self._authorization
                _discard(resp)
                self._authenticate(challenges, stale)
                authenticated = True
                continue
            if status in RETRY_STATUSES and attempt < self.options.retries:
                delay = retry_after(resp.getheader("Retry-After")) or self._backoff(attempt)
                _discard(resp)
                attempt += 1
                log.info("%s: %s: HTTP %d, retry %d/%d in %.1fs", self.name, what, status,
                         attempt, self.options.retries, delay)
                time.sleep(delay)
                continue
            if 200 <= status < 300 or status in accept:
                return resp
            raise self._http_error(resp, what, not_found)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.options.backoff * (2 ** attempt), MAX_BACKOFF))

    def _retrying(self, fn: Callable[[], T], what: str) -> T:
        """``fn()``, retried with backoff on connection errors."""
        attempt = 0
        while True:
            try:
                return fn()
            except ssl.SSLCertVerificationError as e:
                raise ImageError(
                    f"{self.name}: TLS certificate of {self.host} not trusted "
                    f"({e.verify_message}); --tls-verify=false skips the check") from e
            except ssl.SSLEOFError as e:  # the connection dropped during the handshake
                if attempt >= self.options.retries:
                    raise ImageError(f"{self.name}: {what}: TLS connection to {self.host} "
                                     f"failed ({e}) after {attempt + 1} attempts") from e
                err: Exception = e
            except ssl.SSLError as e:
                hint = (" (a plain-HTTP registry? use insecure HTTP)"
                        if "WRONG_VERSION_NUMBER" in str(e) else "")
                raise ImageError(f"{self.name}: {what}: TLS error with {self.host}: {e}"
                                 f"{hint}") from e
            except socket.gaierror as e:
                if e.errno != socket.EAI_AGAIN or attempt >= self.options.retries:
                    raise ImageError(f"{self.name}: cannot resolve {self.host}: {e}") from e
                err = e
            except (OSError, http.client.HTTPException) as e:
                # nobody listening: one quick retry (a restarting registry), not a minute
                refused = isinstance(e, ConnectionRefusedError) and attempt >= 1
                if attempt >= self.options.retries or refused:
                    raise ImageError(f"{self.name}: {what}: cannot reach {self.base} "
                                     f"({_describe(e)}) after {attempt + 1} attempts") from e
                err = e
            delay = self._backoff(attempt)
            attempt += 1
            log.info("%s: %s: %s, retry %d/%d in %.1fs", self.name, what, _describe(err),
                     attempt, self.options.retries, delay)
            time.sleep(delay)

    def _follow(self, url: str, headers: Mapping[str, str],
                what: str) -> tuple[http.client.HTTPResponse, str]:
        """One GET, following redirects; Authorization only on the registry's origin."""
        for _ in range(MAX_REDIRECTS + 1):
            sent = dict(headers)
            if self._authorization and _origin(url) == _origin(self.base):
                sent["Authorization"] = self._authorization
            resp = self._send("GET", url, sent)
            location = resp.getheader("Location")
            if resp.status not in REDIRECT_STATUSES or not location:
                return resp, url
            _discard(resp)
            new = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(new).scheme not in ("http", "https"):
                raise ImageError(f"{self.name}: {what}: redirect to unsupported URL")
            log.debug("%s: %s: redirected to %s", self.name, what, _safe_url(new))
            url = new
        raise ImageError(f"{self.name}: {what}: more than {MAX_REDIRECTS} redirects")

    def _send(self, method: str, url: str, headers: Mapping[str, str],
              body: bytes | None = None) -> http.client.HTTPResponse:
        parts = urllib.parse.urlsplit(url)
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(parts.netloc, timeout=self.options.timeout,
                                               context=self._ssl)
        else:
            conn = http.client.HTTPConnection(parts.netloc, timeout=self.options.timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        all_headers = {"User-Agent": USER_AGENT, **headers}
        self.requests += 1
        log.debug("%s %s", method, _safe_url(url))
        try:
            conn.request(method, target, body=body, headers=all_headers)
            resp = conn.getresponse()
        except BaseException:
            conn.close()
            raise
        # The response keeps the socket open until it is read or closed (as urllib does).
        if conn.sock is not None:
            conn.sock.close()
            conn.sock = None
        return resp

    def _http_error(self, resp: http.client.HTTPResponse, what: str,
                    not_found: str) -> ImageError:
        status = resp.status
        detail = _error_detail(resp)
        _discard(resp)
        suffix = f" ({detail})" if detail else ""
        if status == 401:
            return ImageError(self._auth_message() + suffix)
        if status == 403:
            return ImageError(f"{self.name}: {what}: access denied by {self.registry}{suffix}")
        if status == 404:
            return ImageError(not_found + suffix)
        return ImageError(f"{self.name}: {what}: HTTP {status} {resp.reason} from "
                          f"{self.registry}{suffix}")

    def _auth_message(self) -> str:
        creds = self.credentials
        if creds is None:
            config = docker_config_path(self.options.auth_file)
            return (f"{self.name}: authentication required by {self.registry} for "
                    f"{self.repository} (no credentials for {self.registry} in {config}; "
                    f"docker login {self.registry}), or the repository does not exist")
        return (f"{self.name}: authentication failed at {self.registry} for "
                f"{self.repository} with the credentials from {creds.source}")

    # -- auth --------------------------------------------------------------------------------
    def _authenticate(self, challenges: list[Challenge], stale: str | None) -> None:
        bearer = next((c for c in challenges if c.scheme == "bearer"), None)
        basic = next((c for c in challenges if c.scheme == "basic"), None)
        creds = self.credentials
        if bearer is not None:
            if creds is not None and creds.registry_token:
                self._authorization = f"Bearer {creds.registry_token}"
                return
            realm = bearer.params.get("realm")
            if not realm:
                raise ImageError(f"{self.name}: {self.registry} asked for a bearer token "
                                 "without naming a token service (no realm)")
            service = bearer.params.get("service", "")
            scopes = [self.scope]
            extra = bearer.params.get("scope")
            if extra and extra != self.scope:
                scopes.append(extra)
            token = self._token(realm, service, scopes, creds, stale)
            self._authorization = f"Bearer {token}"
            return
        if basic is not None:
            if creds is None or not creds.has_basic:
                raise ImageError(self._auth_message())
            self._authorization = creds.basic_header()
            return
        schemes = ", ".join(sorted({c.scheme for c in challenges})) or "none given"
        raise ImageError(f"{self.name}: {self.registry} requires an unsupported "
                         f"authentication scheme ({schemes})")

    def _token(self, realm: str, service: str, scopes: list[str], creds: Credentials | None,
               stale: str | None) -> str:
        scope = " ".join(scopes)
        who = (creds.username or creds.source) if creds is not None else ""
        key = (realm, service, scope, who)
        cached = _cached_token(key)
        if cached is not None and f"Bearer {cached}" != stale:
            return cached
        parts = urllib.parse.urlsplit(realm)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImageError(f"{self.name}: token realm {realm!r} is not an HTTP URL")
        secure = parts.scheme == "https" or is_loopback(parts.hostname or "") \
            or self.options.insecure_http is True
        if creds is not None and not secure:
            raise ImageError(f"{self.name}: token service {_safe_url(realm)} is plain HTTP; "
                             "refusing to send credentials to it")
        what = f"token from {_safe_url(realm)}"
        if creds is not None and creds.identity_token:
            form = {"grant_type": "refresh_token", "refresh_token": creds.identity_token,
                    "client_id": "alpine-ready", "scope": scope}
            if service:
                form["service"] = service
            resp = self._token_request(
                "POST", realm, {"Content-Type": "application/x-www-form-urlencoded"},
                urllib.parse.urlencode(form).encode(), what)
        else:
            query = [("scope", s) for s in scopes]
            if service:
                query.insert(0, ("service", service))
            url = realm + ("&" if parts.query else "?") + urllib.parse.urlencode(query)
            headers = {}
            if creds is not None and creds.has_basic:
                headers["Authorization"] = creds.basic_header()
            resp = self._token_request("GET", url, headers, None, what)
        with contextlib.closing(resp):
            status = resp.status
            body = resp.read(MAX_TOKEN_BODY + 1)
        if status in (401, 403):
            if creds is None:
                raise ImageError(self._auth_message())
            raise ImageError(f"{self.name}: the token service {_safe_url(realm)} refused the "
                             f"credentials from {creds.source} (HTTP {status})")
        if status != 200:
            raise ImageError(f"{self.name}: {what}: HTTP {status}")
        try:
            data = json.loads(body) if len(body) <= MAX_TOKEN_BODY else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ImageError(f"{self.name}: {what}: not a JSON token response")
        token = data.get("token") or data.get("access_token")
        if not isinstance(token, str) or not token:
            raise ImageError(f"{self.name}: {what}: no token in the response")
        expires_in = data.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) \
            and not isinstance(expires_in, bool) and expires_in > 0 else 60.0
        _store_token(key, token, lifetime)
        log.debug("%s: token for %s (%.0fs)", self.name, scope, lifetime)
        return token

    def _token_request(self, method: str, url: str, headers: Mapping[str, str],
                       body: bytes | None, what: str) -> http.client.HTTPResponse:
        attempt = 0
        while True:
            resp = self._retrying(lambda: self._send(method, url, headers, body), what)
            if resp.status in RETRY_STATUSES and attempt < self.options.retries:
                delay = retry_after(resp.getheader("Retry-After")) or self._backoff(attempt)
                _discard(resp)
                attempt += 1
                log.info("%s: %s: HTTP %d, retry %d/%d in %.1fs", self.name, what,
                         resp.status, attempt, self.options.retries, delay)
                time.sleep(delay)
                continue
            return resp


class RegistryBlobs:
    """Blobs of one repository, verified, through the cache when there is one."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self.cache = client.options.cache

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        """A verifying stream of the blob (downloaded into the cache first, if any).

        A declared ``size`` beyond :data:`~.blobcache.MAX_BLOB_BYTES` (or the cache's
        budget) is refused before anything is asked of the registry.
        """
        what = f"{self.client.name}: blob {digest}"
        check_digest(digest, what)
        check_blob_size(size, what, self.cache)
        if self.cache is not None:
            try:
                return self._open_cached(digest, size, what)
            except OSError as e:
                log.warning("%s: blob cache %s unusable (%s); downloading without it",
                            self.client.name, self.cache.root, e)
        resp = self._get(digest, {}, what)
        if resp.status != 200:
            _discard(resp)
            raise ImageError(f"{what}: unexpected HTTP {resp.status}")
        return VerifyingReader(_ResumingStream(self, digest, resp, what), digest, size, what)

    def _get(self, digest: str, headers: Mapping[str, str],
             what: str) -> http.client.HTTPResponse:
        c = self.client
        return c.get(f"/v2/{c.repository}/blobs/{digest}", headers, what=f"blob {digest}",
                     not_found=f"{what}: blob unknown to {c.registry}/{c.repository}",
                     accept=(416,))

    def _open_cached(self, digest: str, size: int | None, what: str) -> BinaryIO:
        assert self.cache is not None
        try:
            return self.cache.open(digest, size)
        except FileNotFoundError:
            pass
        self._download(digest, size, what)
        return self.cache.open(digest, size)

    def _download(self, digest: str, size: int | None, what: str) -> None:
        """Into the cache: resume a partial download; start over if the result is bad."""
        assert self.cache is not None
        resume = True
        while True:
            resumed = 0
            try:
                with self.cache.writer(digest, size, resume=resume, what=what) as w:
                    resumed = w.offset
                    self._fill(w, digest, size, what)
                return
            except _GaveUp as e:
                raise ImageError(str(e)) from e.__cause__
            except ImageError as e:
                if resumed and resume and "mismatch" in str(e):
                    log.warning("%s: resumed download failed (%s); downloading it again",
                                what, e)
                    resume = False
                    continue
                raise

    def _fill(self, w: BlobWriter, digest: str, size: int | None, what: str) -> None:
        """Copy the blob into ``w``, resuming with Range after a broken connection."""
        c = self.client
        failures = 0
        while not w.complete:
            ranged = w.written > 0
            headers = {"Range": f"bytes={w.written}-"} if ranged else {}
            try:
                resp = self._get(digest, headers, what)
            except ImageError as e:  # unreachable, refused...: keep what we have
                raise _GaveUp(str(e)) from e
            with contextlib.closing(resp):
                if ranged and (resp.status == 416 or (resp.status == 206
                                                      and _range_start(resp) != w.written)):
                    log.info("%s: range from byte %d refused (HTTP %d); downloading it all",
                             what, w.written, resp.status)
                    w.restart()
                    continue
                if ranged and resp.status == 206:
                    log.info("%s: resuming at byte %d", what, w.written)
                elif resp.status == 200:
                    if ranged:
                        log.info("%s: the server ignored Range; downloading it all", what)
                        w.restart()
                else:
                    raise ImageError(f"{what}: unexpected HTTP {resp.status}")
                left = _content_length(resp)
                try:
                    while True:
                        try:
                            chunk = _read_some(resp, _CHUNK, left)
                        except (OSError, http.client.HTTPException) as e:
                            raise _NetworkError(e) from e
                        if not chunk:
                            break
                        if left is not None:
                            left -= len(chunk)
                        w.write(chunk)
                except _NetworkError as e:
                    failures += 1
                    if failures > c.options.retries:
                        # not an ImageError inside the writer: the partial file is kept
                        raise _GaveUp(f"{what}: download failed after {failures} "
                                      f"attempts ({_describe(e.cause)})") from e
                    delay = c._backoff(failures - 1)
                    log.info("%s: download interrupted at byte %d (%s), retry %d/%d in "
                             "%.1fs", what, w.written, _describe(e.cause), failures,
                             c.options.retries, delay)
                    time.sleep(delay)
                    continue
            # The body ended cleanly: that is the whole blob (the writer checks it).
            return


class _ResumingStream(io.RawIOBase, BinaryIO):
    """A blob response that, when the connection breaks, goes on from where it was.

    It asks for the rest with ``Range``; a server that answers with the whole blob
    instead has the bytes already read skipped. (The caller's VerifyingReader
    hashes what this returns, so a resumed stream is verified like any other.)
    """

    def __init__(self, blobs: RegistryBlobs, digest: str, resp: http.client.HTTPResponse,
                 what: str) -> None:
        super().__init__()
        self._blobs = blobs
        self._digest = digest
        self._resp = resp
        self._what = what
        self._offset = 0
        self._failures = 0
        self._left = _content_length(resp)

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes; reconnects (bounded) when the connection breaks."""
        n = _CHUNK if size is None or size < 0 else size
        while True:
            try:
                data = _read_some(self._resp, n, self._left)
            except (OSError, http.client.HTTPException) as e:
                self._reconnect(e)
                continue
            self._offset += len(data)
            if self._left is not None:
                self._left -= len(data)
            return data

    def _reconnect(self, error: BaseException) -> None:
        client = self._blobs.client
        self._failures += 1
        with contextlib.suppress(OSError, http.client.HTTPException):
            self._resp.close()
        if self._failures > client.options.retries:
            raise ImageError(f"{self._what}: download failed after {self._failures} "
                             f"attempts ({_describe(error)})") from error
        delay = client._backoff(self._failures - 1)
        log.info("%s: connection lost at byte %d (%s), retry %d/%d in %.1fs", self._what,
                 self._offset, _describe(error), self._failures, client.options.retries, delay)
        time.sleep(delay)
        resp = self._blobs._get(self._digest, {"Range": f"bytes={self._offset}-"}, self._what)
        if resp.status == 206 and _range_start(resp) == self._offset:
            self._resp = resp
            self._left = _content_length(resp)
            return
        if resp.status != 200:
            _discard(resp)
            raise ImageError(f"{self._what}: resuming failed: HTTP {resp.status}")
        skip = self._offset
        try:
            while skip:
                got = resp.read(min(skip, _CHUNK))
                if not got:
                    raise ImageError(f"{self._what}: the blob ended before byte "
                                     f"{self._offset} on a new download")
                skip -= len(got)
        except BaseException:
            resp.close()
            raise
        self._resp = resp
        length = _content_length(resp)
        self._left = None if length is None else length - self._offset

    def close(self) -> None:
        """Close the response."""
        if not self.closed:
            try:
                self._resp.close()
            finally:
                super().close()

    def __enter__(self) -> _ResumingStream:
        return self


class _GaveUp(Exception):
    """A download that failed too often (its partial file stays for the next try)."""


class _NetworkError(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


# -- helpers ---------------------------------------------------------------------------------

def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise ImageError(f"{what}: not valid JSON ({e})") from e
    if not isinstance(parsed, dict):
        raise ImageError(f"{what}: not a JSON object")
    return parsed


def _descriptor(raw: object, what: str) -> dict[str, Any]:
    """A content descriptor with a valid digest and a non-negative integer size."""
    if not isinstance(raw, dict):
        raise ImageError(f"{what}: not a descriptor")
    check_digest(raw.get("digest"), what)
    size = raw.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ImageError(f"{what}: invalid size {size!r}")
    return raw


def _media_type(body: bytes, content_type: str, what: str) -> str:
    """The manifest's media type: its own ``mediaType``, else the header, else its shape."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise ImageError(f"{what}: not valid JSON ({e})") from e
    if not isinstance(parsed, dict):
        raise ImageError(f"{what}: not a JSON object")
    if parsed.get("schemaVersion") == 1 or content_type in _SCHEMA1_TYPES:
        raise ImageError(f"{what}: Docker schema 1 manifests are not supported")
    declared = parsed.get("mediaType")
    if isinstance(declared, str) and declared:
        return declared
    if content_type in INDEX_TYPES or content_type in MANIFEST_TYPES:
        return content_type
    if "manifests" in parsed:
        return OCI_INDEX
    if "layers" in parsed and "config" in parsed:
        return OCI_MANIFEST
    raise ImageError(f"{what}: unknown manifest type {content_type or '(none)'!r}")


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def _safe_url(url: str) -> str:
    """A URL without its query (presigned storage URLs carry secrets there)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _range_start(resp: http.client.HTTPResponse) -> int | None:
    value = resp.getheader("Content-Range") or ""
    unit, _, rest = value.partition(" ")
    start = rest.split("-", 1)[0]
    return int(start) if unit == "bytes" and start.isdigit() else None


def _content_length(resp: http.client.HTTPResponse) -> int | None:
    value = (resp.getheader("Content-Length") or "").strip()
    return int(value) if value.isdigit() else None


def _read_some(resp: http.client.HTTPResponse, n: int, left: int | None) -> bytes:
    """``resp.read(n)``, but an early end of a body with a Content-Length is an error.

    (``HTTPResponse.read(amt)`` returns ``b""`` when the connection closes early.)
    """
    data = resp.read(n)
    if not data and left:
        raise http.client.IncompleteRead(b"", left)
    return data


def _error_detail(resp: http.client.HTTPResponse) -> str:
    """``CODE: message`` from a registry's JSON error body (empty when there is none)."""
    try:
        body = resp.read(MAX_ERROR_BODY)
        data = json.loads(body)
    except (OSError, http.client.HTTPException, ValueError, UnicodeDecodeError):
        return ""
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return ""
    parts = []
    for err in errors[:5]:
        if isinstance(err, dict):
            code, message = err.get("code"), err.get("message")
            parts.append(": ".join(str(x) for x in (code, message) if x))
    return "; ".join(p for p in parts if p)


def _discard(resp: http.client.HTTPResponse) -> None:
    """Close a response we do not read (small bodies are read so the close is clean)."""
    with contextlib.suppress(OSError, http.client.HTTPException):
        length = resp.getheader("Content-Length")
        if length and length.isdigit() and int(length) <= MAX_ERROR_BODY:
            resp.read()
    resp.close()


def _describe(e: BaseException) -> str:
    text = str(e)
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
