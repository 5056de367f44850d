"""A real OCI registry for tests: Debian's ``docker-registry`` (CNCF distribution 2.8).

Pytest-free.  :func:`run_registry` starts ``docker-registry serve CONFIG`` on
127.0.0.1 with a free random port and filesystem storage in a temp dir, in
one of two modes:

* ``auth="none"``: anyone may pull and push;
* ``auth="token"``: the registry's ``auth.token`` (Docker token protocol).
  A tiny token server (``http.server`` in a thread, also on 127.0.0.1)
  answers ``GET /token?service=…&scope=repository:NAME:pull,push`` with an
  optional HTTP Basic login from a user list, and returns
  ``{"token": JWT, "access_token": JWT, "expires_in": …, "issued_at": …}``.
  The JWT is signed RS256 (or ES256) with a throw-away test key whose
  self-signed certificate is the registry's ``rootcertbundle``; the JOSE
  header carries the certificate chain in ``x5c`` (default) or the libtrust
  key ID in ``kid`` -- distribution 2.8 accepts both (tests check both).
  Anonymous clients get ``pull`` on the repos named public and nothing
  else; a logged-in user gets ``pull,push`` (and ``registry:catalog:*``).

:func:`push` copies an image in with ``skopeo copy`` (the independent
client); :func:`skopeo_inspect` reads it back.  Stopping terminates and waits
for the registry, shuts the token server down and removes the temp dir.

Needs: ``docker-registry`` and ``skopeo`` (Debian packages), and the
``cryptography`` Python package for token mode.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

SERVICE = "alpine-ready-test-registry"
ISSUER = "alpine-ready-test-token-issuer"
TOKEN_TTL = 300
STARTUP_TIMEOUT = 20.0


class RegistryError(RuntimeError):
    """The test registry could not be started, or a client call failed."""


class MissingToolError(RegistryError):
    """docker-registry / skopeo / cryptography is not installed."""


def _need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise MissingToolError(
            f"{tool!r} not found: install the Debian package {package!r} "
            "(tools/install-test-deps.sh)"
        )
    return found


def docker_registry_binary() -> str:
    return _need("docker-registry", "docker-registry")


def skopeo_binary() -> str:
    return _need("skopeo", "skopeo")


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (racy by nature; callers retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------
# Keys, certificates, JWTs
# --------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def libtrust_key_id(public_key_der: bytes) -> str:
    """docker/libtrust's key ID: base32(sha256(SubjectPublicKeyInfo DER)[:30]), 4-char groups."""
    s = base64.b32encode(hashlib.sha256(public_key_der).digest()[:30]).decode().rstrip("=")
    return ":".join(s[i : i + 4] for i in range(0, len(s), 4))


@dataclass(frozen=True)
class SigningKey:
    """A test key + self-signed certificate that signs registry tokens."""

    alg: Literal["RS256", "ES256"]
    private_key: Any  # cryptography private key
    cert_der: bytes
    cert_pem: bytes

    @classmethod
    def generate(cls, alg: Literal["RS256", "ES256"] = "RS256") -> SigningKey:
        try:
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec, rsa
            from cryptography.x509.oid import NameOID
        except ImportError as exc:  # pragma: no cover - depends on the venv
            raise MissingToolError(
                "token auth needs the 'cryptography' package (pip install cryptography)"
            ) from exc
        key: Any
        if alg == "RS256":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "alpine-ready test token CA")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(
            alg=alg,
            private_key=key,
            cert_der=cert.public_bytes(serialization.Encoding.DER),
            cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        )

    @property
    def key_id(self) -> str:
        from cryptography.hazmat.primitives import serialization

        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return libtrust_key_id(der)

    def sign(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, padding
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        if self.alg == "RS256":
            return bytes(self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
        der = self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)  # JWS wants r||s, 32 bytes each
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def jwt(self, claims: Mapping[str, Any], header_mode: Literal["x5c", "kid"] = "x5c") -> str:
        header: dict[str, Any] = {"typ": "JWT", "alg": self.alg}
        if header_mode == "x5c":
            header["x5c"] = [base64.b64encode(self.cert_der).decode("ascii")]
        else:
            header["kid"] = self.key_id
        signing_input = (
            _b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
        )
        return signing_input + "." + _b64url(self.sign(signing_input.encode("ascii")))


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a JWT, WITHOUT verifying it (for test assertions)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")

    def dec(s: str) -> dict[str, Any]:
        return dict(json.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))))

    return dec(parts[0]), dec(parts[1])


# --------------------------------------------------------------------------
# The token server
# --------------------------------------------------------------------------


@dataclass
class TokenPolicy:
    """Who gets what.

    ``users``: name -> password (HTTP Basic on the token endpoint).
    ``public_repos``: repositories anonymous clients may pull.
    Logged-in users get pull+push everywhere and ``registry:catalog:*``.
    """

    users: Mapping[str, str] = field(default_factory=dict)
    public_repos: frozenset[str] = frozenset()

    def grant(self, user: str | None, scope: str) -> dict[str, Any] | None:
        """The ``access`` entry for one requested scope (None: ignore the scope)."""
        parts = scope.split(":")
        if len(parts) < 3:
            return None
        typ, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
        if typ == "repository":
            allowed = {"pull", "push", "delete"} if user else set()
            if name in self.public_repos:
                allowed.add("pull")
        elif typ == "registry" and name == "catalog":
            allowed = {"*"} if user else set()
        else:
            allowed = set()
        return {"type": typ, "name": name, "actions": sorted(a for a in actions if a in allowed)}


class TokenServer:
    """The Docker token protocol on 127.0.0.1 (a ThreadingHTTPServer in a thread).

    ``requests`` logs every token request: (user or None, scopes, status).
    """

    def __init__(
        self,
        key: SigningKey,
        policy: TokenPolicy,
        *,
        service: str = SERVICE,
        issuer: str = ISSUER,
        header_mode: Literal["x5c", "kid"] = "x5c",
        ttl: int = TOKEN_TTL,
    ) -> None:
        self.key, self.policy = key, policy
        self.service, self.issuer, self.header_mode, self.ttl = service, issuer, header_mode, ttl
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                outer._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.realm = f"http://127.0.0.1:{self.port}/token"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="token-server", daemon=True
        )

    def start(self) -> TokenServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=10)

    def issue(self, user: str | None, scopes: Iterable[str]) -> str:
        now = int(time.time())
        access = [a for a in (self.policy.grant(user, s) for s in scopes) if a is not None]
        claims = {
            "iss": self.issuer,
            "sub": user or "",
            "aud": self.service,
            "exp": now + self.ttl,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        return self.key.jwt(claims, self.header_mode)

    def _reply(self, h: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        if status == 401:
            h.send_header("WWW-Authenticate", 'Basic realm="alpine-ready test token server"')
        h.end_headers()
        h.wfile.write(data)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urllib.parse.urlsplit(h.path)
        query = urllib.parse.parse_qs(url.query)
        scopes = [s for value in query.get("scope", []) for s in value.split(" ") if s]
        entry: dict[str, Any] = {"user": None, "scopes": scopes, "service": query.get("service")}
        if url.path != "/token":
            entry["status"] = 404
            self._log(entry)
            self._reply(h, 404, {"errors": [{"code": "NOT_FOUND"}]})
            return
        if query.get("service", [self.service]) != [self.service]:
            entry["status"] = 400
            self._log(entry)
            self._reply(h, 400, {"errors": [{"code": "UNSUPPORTED", "message": "bad service"}]})
            return
        user = None
        auth = h.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                name, password = "", ""
            expected = self.policy.users.get(name)
            if expected is None or not secrets.compare_digest(expected, password):
                entry["user"], entry["status"] = name, 401
                self._log(entry)
                self._reply(h, 401, {"details": "incorrect username or password"})
                return
            user = name
        token = self.issue(user, scopes)
        entry["user"], entry["status"] = user, 200
        self._log(entry)
        issued = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._reply(
            h,
            200,
            {"token": token, "access_token": token, "expires_in": self.ttl, "issued_at": issued},
        )

    def _log(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------


@dataclass
class Registry:
    """A running test registry.  ``host`` is ``127.0.0.1:PORT``."""

    host: str
    auth: Literal["none", "token"]
    workdir: Path
    process: subprocess.Popen[bytes]
    token_server: TokenServer | None = None
    users: Mapping[str, str] = field(default_factory=dict)
    public_repos: frozenset[str] = frozenset()

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def port(self) -> int:
        return int(self.host.rsplit(":", 1)[1])

    @property
    def storage(self) -> Path:
        return self.workdir / "storage"

    @property
    def log_path(self) -> Path:
        return self.workdir / "registry.log"

    def ref(self, repo_tag: str) -> str:
        """``docker://127.0.0.1:PORT/REPO:TAG`` (or ``@sha256:…``)."""
        return f"docker://{self.host}/{repo_tag}"

    def creds(self, user: str | None = None) -> tuple[str, str] | None:
        """(user, password) of ``user`` (default: the first user), None without users."""
        if not self.users:
            return None
        name = user or next(iter(self.users))
        return name, self.users[name]

    def push(self, source: str | Path, repo_tag: str, creds: tuple[str, str] | None = None) -> str:
        return push(source, f"{self.host}/{repo_tag}", creds=creds)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _registry_config(workdir: Path, port: int, token: TokenServer | None) -> str:
    lines = [
        "version: 0.1",
        "log:",
        "  level: info",
        "  formatter: text",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {workdir / 'storage'}",
        "  delete:",
        "    enabled: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        f"  addr: 127.0.0.1:{port}",
        f"  secret: {secrets.token_hex(16)}",
        "  headers:",
        "    X-Content-Type-Options: [nosniff]",
        "health:",
        "  storagedriver:",
        "    enabled: false",
    ]
    if token is not None:
        lines += [
            "auth:",
            "  token:",
            f"    realm: {token.realm}",
            f"    service: {token.service}",
            f"    issuer: {token.issuer}",
            f"    rootcertbundle: {workdir / 'token-root.pem'}",
        ]
    return "\n".join(lines) + "\n"


# Requests to 127.0.0.1 never go through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RegistryError(f"docker-registry exited with {proc.returncode}: {tail}")
        try:
            with _OPENER.open(url + "/v2/", timeout=2) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise RegistryError(f"docker-registry not ready on {url} after {STARTUP_TIMEOUT}s")


def _stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def run_registry(
    auth: Literal["none", "token"] = "none",
    *,
    users: Mapping[str, str] | None = None,
    public_repos: Iterable[str] = (),
    alg: Literal["RS256", "ES256"] = "RS256",
    header_mode: Literal["x5c", "kid"] = "x5c",
    parent_dir: Path | None = None,
) -> Iterator[Registry]:
    """Start a registry (and, in token mode, its token server); stop both on exit.

    Token mode defaults: ``users={"alice": "wonderland"}``; ``public_repos``
    names the repositories anonymous clients may pull.
    """
    binary = docker_registry_binary()
    workdir = Path(tempfile.mkdtemp(prefix="alpine-ready-registry-", dir=parent_dir))
    token: TokenServer | None = None
    proc: subprocess.Popen[bytes] | None = None
    user_map = dict(
        users if users is not None else ({"alice": "wonderland"} if auth == "token" else {})
    )
    try:
        (workdir / "storage").mkdir()
        if auth == "token":
            key = SigningKey.generate(alg)
            (workdir / "token-root.pem").write_bytes(key.cert_pem)
            policy = TokenPolicy(users=user_map, public_repos=frozenset(public_repos))
            token = TokenServer(key, policy, header_mode=header_mode).start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        for _attempt in range(5):
            port = free_port()
            config = workdir / "config.yml"
            config.write_text(_registry_config(workdir, port, token))
            log = workdir / "registry.log"
            with log.open("ab") as log_fh:
                proc = subprocess.Popen(
                    [binary, "serve", str(config)],
                    stdin=subprocess.DEVNULL,
                    stdout=log_fh,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            try:
                _wait_ready(
                    proc, f"http://127.0.0.1:{port}", log, time.monotonic() + STARTUP_TIMEOUT
                )
                break
            except RegistryError as exc:
                _stop_process(proc)
                proc = None
                if "address already in use" not in str(exc):
                    raise
        if proc is None:
            raise RegistryError("docker-registry: no free port after 5 attempts")
        yield Registry(
            host=f"127.0.0.1:{port}",
            auth=auth,
            workdir=workdir,
            process=proc,
            token_server=token,
            users=user_map,
            public_repos=frozenset(public_repos),
        )
    finally:
        if proc is not None:
            _stop_process(proc)
        if token is not None:
            token.stop()
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------
# skopeo: the independent client
# --------------------------------------------------------------------------


def _transport(source: str | Path) -> str:
    """skopeo source reference for a path: OCI layout dir, docker- or oci-archive."""
    if isinstance(source, str) and ":" in source.split("/", 1)[0]:
        return source  # already "oci:…", "docker-archive:…", "docker://…"
    path = Path(source)
    if path.is_dir():
        return f"oci:{path}"
    with tarfile.open(path) as tf:
        names = set(tf.getnames()[:50])
    return f"oci-archive:{path}" if "oci-layout" in names else f"docker-archive:{path}"


_SKOPEO_HOME: Path | None = None


def _skopeo_home() -> Path:
    """A private dir with a permissive policy.json, an empty auth.json and an
    empty DOCKER_CONFIG: the host's credentials never change what tests see.
    Removed when the process exits.
    """
    global _SKOPEO_HOME
    if _SKOPEO_HOME is None or not _SKOPEO_HOME.is_dir():
        home = Path(tempfile.mkdtemp(prefix="alpine-ready-skopeo-"))
        (home / "policy.json").write_text('{"default":[{"type":"insecureAcceptAnything"}]}\n')
        (home / "auth.json").write_text('{"auths":{}}\n')
        (home / "docker").mkdir()
        atexit.register(shutil.rmtree, home, True)
        _SKOPEO_HOME = home
    return _SKOPEO_HOME


def run_skopeo(args: list[str], *, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``skopeo --policy <permissive> ARGS``; RegistryError (with stderr) on failure."""
    home = _skopeo_home()
    env = {
        **os.environ,
        "REGISTRY_AUTH_FILE": str(home / "auth.json"),
        "DOCKER_CONFIG": str(home / "docker"),
    }
    cmd = [skopeo_binary(), "--policy", str(home / "policy.json"), *args]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL
    )
    if proc.returncode != 0:
        raise RegistryError(
            f"skopeo {args[0]} failed ({proc.returncode}): {proc.stderr.strip()[-1500:]}"
        )
    return proc


def push(
    source: str | Path,
    ref: str,
    creds: tuple[str, str] | None = None,
    *,
    preserve_digests: bool = True,
    extra: Iterable[str] = (),
) -> str:
    """``skopeo copy SOURCE docker://REF`` over plain HTTP; return the pushed manifest digest.

    ``source``: an OCI layout dir (single-tag), a docker- or oci-archive tar,
    or any skopeo reference string (``oci:DIR:TAG``…).  ``ref``:
    ``127.0.0.1:PORT/REPO:TAG`` (``docker://`` optional).  With
    ``preserve_digests`` (default) an OCI source lands byte for byte (skopeo
    would otherwise gzip the uncompressed layers); a docker-archive is always
    converted (its layers are uncompressed tars: skopeo gzips them).
    """
    dest = ref if ref.startswith("docker://") else f"docker://{ref}"
    with tempfile.TemporaryDirectory(prefix="alpine-ready-push-") as tmp:
        digest_file = Path(tmp) / "digest"
        args = ["copy", "--quiet", "--dest-tls-verify=false", "--digestfile", str(digest_file)]
        if creds is not None:
            args += ["--dest-creds", f"{creds[0]}:{creds[1]}"]
        else:
            args += ["--dest-no-creds"]
        src = _transport(source)
        if preserve_digests and not src.startswith("docker-archive:"):
            args.append("--preserve-digests")
        args += [*extra, src, dest]
        run_skopeo(args)
        return digest_file.read_text().strip()


def skopeo_inspect(
    ref: str,
    *,
    creds: tuple[str, str] | None = None,
    raw: bool = False,
    config: bool = False,
) -> Any:
    """``skopeo inspect [--raw] [--config] REF``: parsed JSON, or bytes with ``raw=True``.

    ``docker://`` refs are read over plain HTTP (``--tls-verify=false``); with
    ``creds=None`` anonymously (``--no-creds``).
    """
    args = ["inspect"]
    if raw:
        args.append("--raw")
    if config:
        args.append("--config")
    if ref.startswith("docker://"):
        args.append("--tls-verify=false")
        args += ["--creds", f"{creds[0]}:{creds[1]}"] if creds else ["--no-creds"]
    proc = run_skopeo([*args, ref])
    if raw:
        return proc.stdout.encode()
    return json.loads(proc.stdout)


def http_get(
    url: str,
    *,
    token: str | None = None,
    basic: tuple[str, str] | None = None,
    accept: str | None = None,
) -> tuple[int, Mapping[str, str], bytes]:
    """A plain urllib GET: (status, headers, body) -- 4xx/5xx do not raise."""
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    elif basic:
        req.add_header(
            "Authorization", "Basic " + base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
        )
    if accept:
        req.add_header("Accept", accept)
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read()


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="…",service="…",scope="…"`` -> ("bearer", {realm, service, scope})."""
    scheme, _, rest = header.partition(" ")
    params: dict[str, str] = {}
    for part in _split_params(rest):
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return scheme.lower(), params


def _split_params(s: str) -> list[str]:
    out, cur, quoted = [], "", False
    for ch in s:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out


def fetch_token(
    challenge: str, scopes: Iterable[str] = (), creds: tuple[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """Follow a Bearer challenge: GET realm?service=…&scope=… -> (status, JSON body)."""
    scheme, params = parse_challenge(challenge)
    if scheme != "bearer":
        raise RegistryError(f"not a Bearer challenge: {challenge!r}")
    query = [("service", params.get("service", ""))]
    scope_list = list(scopes) or ([params["scope"]] if "scope" in params else [])
    query += [("scope", s) for s in scope_list]
    status, _headers, body = http_get(
        params["realm"] + "?" + urllib.parse.urlencode(query), basic=creds
    )
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        data = {"raw": body.decode(errors="replace")}
    return status, data
