"""Images from a registry, over the OCI distribution API (``docker://REGISTRY/REPO:TAG``).

Every request goes through the one HTTP layer (:mod:`alpine_ready.net`: kept-alive
connections, retries honouring ``Retry-After``, redirects that keep credentials on
the registry, proxies from ``HTTPS_PROXY``/``NO_PROXY``). What this adds, as Docker does:

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
- Blobs (:mod:`.registry_blobs`) follow redirects (to storage hosts, which never
  get the registry's Authorization), go through the :class:`BlobCache` when there is
  one (fetched once, resumed with ``Range`` after an interruption), and are never
  downloaded before :meth:`RegistryBlobs.open_blob` is called -- the manifest
  alone gives the compressed sizes.
- Retries with exponential backoff (honouring ``Retry-After``) on 429/5xx and
  connection errors, bounded by ``retries``.
- Failures are :class:`ImageError` naming the image, worded from the HTTP layer's
  error types (never from their text).
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...net.client import HttpClient, Settings
from ...net.errors import (
    ConnectionLost,
    NetworkError,
    TlsError,
    TlsUntrusted,
    Unreachable,
    Unresolvable,
)
from ...net.response import Response
from ...net.retry import RetryPolicy
from ...net.urls import origin, redact
from . import tokens
from .auth import Challenge, Credentials, credentials_for, docker_config_path, parse_challenges
from .blobcache import BlobCache
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
from .registry_blobs import RegistryBlobs
from .verify import check_digest, digest_of, verify_bytes

log = logging.getLogger(__name__)

ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # containerd's limit
MAX_CONFIG_BYTES = 64 * 1024 * 1024
MAX_ERROR_BODY = 64 * 1024
MAX_TOKEN_BODY = 1024 * 1024
MAX_INDEX_DEPTH = 4
_CHUNK = 1 << 20
_SCHEMA1_TYPES = (
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
)


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


def open_registry_image(
    ref: ImageReference, options: RegistryOptions | None = None, *, manifest_only: bool = False
) -> ImageSource:
    """Resolve ``ref`` in its registry: manifest (for the platform), config, layers.

    No layer is downloaded here: layers are read through ``source.blobs.open_blob``.
    With ``manifest_only`` not even the config is fetched (``config`` is empty and the
    layers have no history) -- enough for compressed sizes.
    """
    options = options or RegistryOptions()
    client = RegistryClient(ref, options)
    return client.resolve(manifest_only=manifest_only)


def clear_token_cache() -> None:
    """Forget every cached bearer token."""
    tokens.clear()


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
        plain = (
            options.insecure_http if options.insecure_http is not None else ref.insecure_by_default
        )
        self.scheme = "http" if plain else "https"
        self.base = f"{self.scheme}://{self.host}"
        self.scope = f"repository:{self.repository}:pull"
        self.http = HttpClient(
            Settings(
                timeout=options.timeout,
                tls_verify=options.tls_verify,
                retry=RetryPolicy(retries=max(0, options.retries), backoff=options.backoff),
            )
        )
        self._creds: Credentials | _Unset | None = _UNSET
        self._authorization: str | None = None

    @property
    def requests(self) -> int:
        """HTTP requests sent (for tests and logs)."""
        return self.http.requests

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
            desc = self._pick_platform(_json_object(body, f"{self.name}: index {digest}"), digest)
            body, media_type, digest = self.get_manifest(
                desc["digest"], desc["digest"], desc.get("size")
            )
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
            name=self.name,
            transport="docker",
            manifest_digest=digest,
            manifest=manifest,
            config_digest=config_desc["digest"],
            config=config,
            layers=tuple(layers),
            blobs=blobs,
            annotations={str(k): str(v) for k, v in annotations.items()}
            if isinstance(annotations, dict)
            else {},
            index_digest=index_digest,
        )

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
            text = "/".join(
                str(x) for x in (p.get("os"), p.get("architecture"), p.get("variant")) if x
            )
            if text and text != "unknown/unknown" and text not in available:
                available.append(text)
            if want.matches(p):
                matches.append(entry)
        if not matches:
            raise ImageError(
                f"{self.name}: no image for platform {want} in index {digest}; "
                f"available: {', '.join(available) or 'none'}"
            )
        # An exact variant (or none, when none was asked for) wins over any variant.
        exact = [e for e in matches if e["platform"].get("variant") == want.variant]
        chosen = (exact or matches)[0]
        desc = _descriptor(chosen, f"{what}: entry for {want}")
        log.debug("%s: platform %s -> %s", self.name, want, desc["digest"])
        return desc

    # -- manifests ---------------------------------------------------------------------------
    def get_manifest(
        self, reference: str, expected_digest: str | None, expected_size: int | None
    ) -> tuple[bytes, str, str]:
        """``GET /v2/REPO/manifests/REF`` → (bytes, media type, digest), verified.

        The bytes must match ``expected_digest`` (when the reference is a digest) and
        the ``Docker-Content-Digest`` header (when the registry sends one).
        """
        what = f"manifest {reference}"
        resp = self.get(
            f"/v2/{self.repository}/manifests/{reference}",
            {"Accept": ACCEPT},
            what=what,
            not_found=f"{self.name}: manifest unknown: no {reference} in "
            f"{self.registry}/{self.repository}",
        )
        with resp:
            length = resp.declared_length
            if length is not None and length > MAX_MANIFEST_BYTES:
                raise ImageError(f"{self.name}: {what}: {length} bytes is too large")
            try:
                body = resp.read(MAX_MANIFEST_BYTES + 1)
            except ConnectionLost as e:
                raise ImageError(f"{self.name}: {what}: reading failed ({e.detail})") from e
            content_type = (resp.getheader("Content-Type") or "").split(";")[0].strip()
            header_digest = resp.getheader("Docker-Content-Digest")
        if len(body) > MAX_MANIFEST_BYTES:
            raise ImageError(f"{self.name}: {what}: larger than {MAX_MANIFEST_BYTES} bytes")
        label = f"{self.name}: {what}"
        if expected_digest is not None:
            verify_bytes(body, expected_digest, expected_size, label)
        if header_digest:
            header_digest = header_digest.strip()
            verify_bytes(
                body,
                check_digest(header_digest, f"{label}: Docker-Content-Digest"),
                None,
                f"{label} (Docker-Content-Digest)",
            )
        digest = expected_digest or header_digest or digest_of(body)
        return body, _media_type(body, content_type, label), digest

    # -- HTTP --------------------------------------------------------------------------------
    def get(
        self,
        path: str,
        headers: Mapping[str, str],
        *,
        what: str,
        not_found: str,
        accept: tuple[int, ...] = (),
    ) -> Response:
        """GET a registry path: auth, redirects and retries handled.

        Returns a 2xx response (or one whose status is in ``accept``), whose body the
        caller reads and closes; anything else is an :class:`ImageError`.
        """
        url = self.base + path
        authenticated = False
        while True:
            sent = dict(headers)
            if self._authorization:
                sent["Authorization"] = self._authorization  # for the registry's origin only
            resp = self._request("GET", url, sent, what=what)
            on_registry = origin(resp.url) == origin(self.base)
            if resp.status == 401 and on_registry and not authenticated:
                challenges = parse_challenges(resp.headers.get_all("WWW-Authenticate") or [])
                stale = self._authorization
                resp.discard()
                self._authenticate(challenges, stale)
                authenticated = True
                continue
            if 200 <= resp.status < 300 or resp.status in accept:
                return resp
            raise self._http_error(resp, what, not_found)

    def _request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None = None,
        *,
        what: str,
        follow: bool = True,
    ) -> Response:
        """One request through the HTTP layer; its failures worded as ImageErrors."""
        try:
            return self.http.request(
                method, url, headers, body, what=f"{self.name}: {what}", follow_redirects=follow
            )
        except NetworkError as e:
            raise self._network_error(e, what) from e

    def _network_error(self, e: NetworkError, what: str) -> ImageError:
        """The ImageError for a request that got no answer, by the error's type."""
        host = urllib.parse.urlsplit(e.origin).netloc or self.host
        via = f" through the proxy {e.via}" if e.via else ""
        if isinstance(e, TlsUntrusted):
            return ImageError(
                f"{self.name}: TLS certificate of {host} not trusted "
                f"({e.verify_message}); --tls-verify=false skips the check"
            )
        if isinstance(e, TlsError):
            hint = " (a plain-HTTP registry? use insecure HTTP)" if e.plain_http else ""
            return ImageError(f"{self.name}: {what}: TLS error with {host}{via}: {e.detail}{hint}")
        if isinstance(e, Unresolvable):
            return ImageError(f"{self.name}: {e}")
        if isinstance(e, Unreachable):
            return ImageError(
                f"{self.name}: {what}: cannot reach {e.origin or self.base}{via} "
                f"({e.detail}) after {e.attempts} attempts"
            )
        return ImageError(f"{self.name}: {what}: {e}")

    def _http_error(self, resp: Response, what: str, not_found: str) -> ImageError:
        status = resp.status
        detail = _error_detail(resp)
        resp.discard()
        suffix = f" ({detail})" if detail else ""
        if status == 401:
            return ImageError(self._auth_message() + suffix)
        if status == 403:
            return ImageError(f"{self.name}: {what}: access denied by {self.registry}{suffix}")
        if status == 404:
            return ImageError(not_found + suffix)
        return ImageError(
            f"{self.name}: {what}: HTTP {status} {resp.reason} from {self.registry}{suffix}"
        )

    def _auth_message(self) -> str:
        creds = self.credentials
        if creds is None:
            config = docker_config_path(self.options.auth_file)
            return (
                f"{self.name}: authentication required by {self.registry} for "
                f"{self.repository} (no credentials for {self.registry} in {config}; "
                f"docker login {self.registry}), or the repository does not exist"
            )
        return (
            f"{self.name}: authentication failed at {self.registry} for "
            f"{self.repository} with the credentials from {creds.source}"
        )

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
                raise ImageError(
                    f"{self.name}: {self.registry} asked for a bearer token "
                    "without naming a token service (no realm)"
                )
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
        raise ImageError(
            f"{self.name}: {self.registry} requires an unsupported "
            f"authentication scheme ({schemes})"
        )

    def _token(
        self,
        realm: str,
        service: str,
        scopes: list[str],
        creds: Credentials | None,
        stale: str | None,
    ) -> str:
        scope = " ".join(scopes)
        who = (creds.username or creds.source) if creds is not None else ""
        key = (realm, service, scope, who)
        cached = tokens.cached(key)
        if cached is not None and f"Bearer {cached}" != stale:
            return cached
        parts = urllib.parse.urlsplit(realm)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImageError(f"{self.name}: token realm {realm!r} is not an HTTP URL")
        secure = (
            parts.scheme == "https"
            or is_loopback(parts.hostname or "")
            or self.options.insecure_http is True
        )
        if creds is not None and not secure:
            raise ImageError(
                f"{self.name}: token service {redact(realm)} is plain HTTP; "
                "refusing to send credentials to it"
            )
        what = f"token from {redact(realm)}"
        if creds is not None and creds.identity_token:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": creds.identity_token,
                "client_id": "alpine-ready",
                "scope": scope,
            }
            if service:
                form["service"] = service
            resp = self._token_request(
                "POST",
                realm,
                {"Content-Type": "application/x-www-form-urlencoded"},
                urllib.parse.urlencode(form).encode(),
                what,
            )
        else:
            query = [("scope", s) for s in scopes]
            if service:
                query.insert(0, ("service", service))
            url = realm + ("&" if parts.query else "?") + urllib.parse.urlencode(query)
            headers = {}
            if creds is not None and creds.has_basic:
                headers["Authorization"] = creds.basic_header()
            resp = self._token_request("GET", url, headers, None, what)
        with resp:
            status = resp.status
            try:
                body = resp.read(MAX_TOKEN_BODY + 1)
            except ConnectionLost as e:
                raise ImageError(f"{self.name}: {what}: reading failed ({e.detail})") from e
        if status in (401, 403):
            if creds is None:
                raise ImageError(self._auth_message())
            raise ImageError(
                f"{self.name}: the token service {redact(realm)} refused the "
                f"credentials from {creds.source} (HTTP {status})"
            )
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
        lifetime = (
            float(expires_in)
            if isinstance(expires_in, (int, float))
            and not isinstance(expires_in, bool)
            and expires_in > 0
            else 60.0
        )
        tokens.store(key, token, lifetime)
        log.debug("%s: token for %s (%.0fs)", self.name, scope, lifetime)
        return token

    def _token_request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None, what: str
    ) -> Response:
        return self._request(method, url, headers, body, what=what, follow=False)


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


def _error_detail(resp: Response) -> str:
    """``CODE: message`` from a registry's JSON error body (empty when there is none)."""
    try:
        body = resp.read(MAX_ERROR_BODY)
        data = json.loads(body)
    except (ConnectionLost, ValueError, UnicodeDecodeError):
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
