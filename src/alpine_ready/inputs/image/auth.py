"""Registry credentials (``~/.docker/config.json``) and ``WWW-Authenticate`` challenges.

Credentials are looked up as the Docker CLI does: ``credHelpers[KEY]``, then
``credsStore`` (both via ``docker-credential-HELPER get``, skipped when the helper
is not on PATH), then ``auths[KEY]`` (``auth`` = base64 ``user:password``, or
``username``/``password``, ``identitytoken``, ``registrytoken``). KEY is
``https://index.docker.io/v1/`` for Docker Hub, else ``host[:port]``; entries
written with a scheme or a path (``https://host:5000/v1/``) match by host name,
as Docker's ``ConvertToHostname`` does.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"
_DOCKER_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")
_HELPER_TIMEOUT = 30.0
_MAX_CONFIG_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Credentials:
    """What we can present to a registry or its token service."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    identity_token: str | None = field(default=None, repr=False)  # OAuth2 refresh token
    registry_token: str | None = field(default=None, repr=False)  # a bearer token as is
    source: str = ""  # where they came from (for messages; never the secret)

    @property
    def has_basic(self) -> bool:
        """Username and password present?"""
        return bool(self.username) and self.password is not None

    def basic_header(self) -> str:
        """``Basic base64(user:password)``."""
        raw = f"{self.username or ''}:{self.password or ''}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class Challenge:
    """One challenge of a ``WWW-Authenticate`` header (scheme lower-cased)."""

    scheme: str
    params: Mapping[str, str] = field(default_factory=dict)  # keys lower-cased
    token68: str | None = None


# -- WWW-Authenticate (RFC 9110 §11.6.1) ---------------------------------------------------


def parse_challenges(values: str | Iterable[str]) -> list[Challenge]:
    """All challenges in one or more ``WWW-Authenticate`` header values.

    ``Bearer realm="https://a/token",service="reg",scope="repository:x:pull,push"``
    gives ``Challenge("bearer", {"realm": …, "service": …, "scope": …})``. Quoted
    values may hold commas and backslash escapes; several challenges may share a
    header (``Basic realm="r", Bearer realm="t"``). Malformed parts are skipped.
    """
    if isinstance(values, str):
        values = [values]
    out: list[Challenge] = []
    for value in values:
        out.extend(_parse_one_header(value))
    return out


def _parse_one_header(s: str) -> list[Challenge]:
    out: list[Challenge] = []
    i, n = 0, len(s)
    scheme: str | None = None
    params: dict[str, str] = {}
    token68: str | None = None

    def flush() -> None:
        if scheme:
            out.append(Challenge(scheme.lower(), dict(params), token68))

    def skip_ws(j: int) -> int:
        while j < n and s[j] in " \t":
            j += 1
        return j

    def read_token(j: int) -> tuple[str, int]:
        start = j
        while j < n and s[j] not in ' \t,="':
            j += 1
        return s[start:j], j

    while i < n:
        i = skip_ws(i)
        if i < n and s[i] == ",":
            i += 1
            continue
        if i >= n:
            break
        tok, j = read_token(i)
        if not tok:  # stray character (e.g. a quote where a name belongs): skip it
            i += 1
            continue
        k = skip_ws(j)
        if k < n and s[k] == "=" and scheme is not None:
            # auth-param name=value, or a token68 ending in '='
            k2 = skip_ws(k + 1)
            if k2 < n and s[k2] == '"':
                value, i = _read_quoted(s, k2)
                params[tok.lower()] = value
                continue
            value, after = read_token(k2)
            if value or (after < n and s[after] == ","):
                params[tok.lower()] = value
                i = after
                continue
            # token68 such as "abc==": consume the '=' padding
            m = k
            while m < n and s[m] in "= \t":
                m += 1
            token68 = s[i:m].strip()
            i = m
            continue
        # a new scheme
        flush()
        scheme, params, token68 = tok, {}, None
        i = j
        # token68 right after the scheme (no '=' following the next token)
        k = skip_ws(i)
        if k < n and s[k] not in ",":
            tok2, j2 = read_token(k)
            k3 = skip_ws(j2)
            if tok2 and (k3 >= n or s[k3] == ",") and j2 > k:
                token68, i = tok2, j2
    flush()
    return out


def _read_quoted(s: str, i: int) -> tuple[str, int]:
    """The quoted-string starting at ``s[i] == '"'`` → (unescaped value, index after it)."""
    out = []
    i += 1
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append(s[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    return "".join(out), i  # unterminated: take the rest


# -- docker config -------------------------------------------------------------------------


def docker_config_path(auth_file: Path | None = None) -> Path:
    """``auth_file``, else ``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``."""
    if auth_file is not None:
        return auth_file
    base = os.environ.get("DOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".docker" / "config.json"


def auth_key(registry: str) -> str:
    """The config key Docker uses for ``registry`` (``docker.io`` → the v1 index URL)."""
    return DOCKER_HUB_AUTH_KEY if registry in _DOCKER_HUB_HOSTS else registry


def _hostname(key: str) -> str:
    """Docker's ``ConvertToHostname``: strip a scheme and anything after the host."""
    for prefix in ("http://", "https://"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    return key.split("/", 1)[0]


def _matches(key: str, registry: str) -> bool:
    host = _hostname(key)
    if registry in _DOCKER_HUB_HOSTS:
        return key == DOCKER_HUB_AUTH_KEY or host in _DOCKER_HUB_HOSTS
    return host == registry


def _lookup(table: Mapping[str, Any], registry: str) -> tuple[str, Any] | None:
    key = auth_key(registry)
    if key in table:
        return key, table[key]
    for k, v in table.items():
        if isinstance(k, str) and _matches(k, registry):
            return k, v
    return None


def load_docker_config(path: Path) -> Mapping[str, Any]:
    """The parsed config file, or ``{}`` when absent or unreadable (logged)."""
    try:
        with path.open("rb") as f:
            data = f.read(_MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return {}
    except OSError as e:
        log.warning("cannot read %s: %s", path, e)
        return {}
    if len(data) > _MAX_CONFIG_BYTES:
        log.warning("%s: too large, ignored", path)
        return {}
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        log.warning("%s: not valid JSON (%s), ignored", path, e)
        return {}
    return parsed if isinstance(parsed, dict) else {}


def credentials_for(registry: str, auth_file: Path | None = None) -> Credentials | None:
    """Credentials for ``registry`` (``host[:port]``, ``docker.io`` for Docker Hub), if any."""
    path = docker_config_path(auth_file)
    config = load_docker_config(path)
    if not config:
        return None
    helpers = config.get("credHelpers")
    if isinstance(helpers, dict):
        hit = _lookup(helpers, registry)
        if hit is not None and isinstance(hit[1], str) and hit[1]:
            creds = run_credential_helper(hit[1], hit[0])
            if creds is not None:
                return creds
    store = config.get("credsStore")
    if isinstance(store, str) and store:
        creds = run_credential_helper(store, auth_key(registry))
        if creds is not None:
            return creds
    auths = config.get("auths")
    if isinstance(auths, dict):
        hit = _lookup(auths, registry)
        if hit is not None and isinstance(hit[1], dict):
            return _from_auth_entry(hit[1], f"{path} ({hit[0]})")
    return None


def _from_auth_entry(entry: Mapping[str, Any], source: str) -> Credentials | None:
    def text(name: str) -> str | None:
        v = entry.get(name)
        return v if isinstance(v, str) and v else None

    username, password = text("username"), text("password")
    encoded = text("auth")
    if encoded:
        try:
            decoded = base64.b64decode(encoded, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            log.warning("%s: 'auth' is not base64 of user:password, ignored", source)
        else:
            if ":" in decoded:
                username, password = decoded.split(":", 1)
            else:
                log.warning("%s: 'auth' is not base64 of user:password, ignored", source)
    identity, registry_token = text("identitytoken"), text("registrytoken")
    if not (username or password or identity or registry_token):
        return None
    return Credentials(
        username=username,
        password=password,
        identity_token=identity,
        registry_token=registry_token,
        source=source,
    )


def run_credential_helper(helper: str, server: str) -> Credentials | None:
    """``docker-credential-HELPER get`` (stdin: server URL) → credentials, or None.

    None (logged at debug level) when the helper is not installed, has no entry,
    fails, or prints something that is not the expected JSON.
    """
    if "/" in helper or not helper.replace("-", "").replace("_", "").replace(".", "").isalnum():
        log.warning("credential helper name %r ignored", helper)
        return None
    exe = shutil.which(f"docker-credential-{helper}")
    if exe is None:
        log.debug("credential helper docker-credential-%s not on PATH: skipped", helper)
        return None
    try:
        proc = subprocess.run(
            [exe, "get"],
            input=server.encode(),
            capture_output=True,
            timeout=_HELPER_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        log.warning("credential helper %s failed: %s", exe, e)
        return None
    if proc.returncode != 0:
        log.debug(
            "credential helper %s: no credentials for %s (%s)",
            exe,
            server,
            proc.stdout.decode(errors="replace").strip()[:200],
        )
        return None
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        log.warning("credential helper %s: output is not JSON", exe)
        return None
    if not isinstance(data, dict):
        return None
    user, secret = data.get("Username"), data.get("Secret")
    if not isinstance(secret, str) or not secret:
        return None
    source = f"docker-credential-{helper}"
    if user == "<token>":  # Docker's marker: the secret is an identity (refresh) token
        return Credentials(identity_token=secret, source=source)
    return Credentials(
        username=user if isinstance(user, str) else "", password=secret, source=source
    )
