"""Registry input, blob verification, blob cache and registry auth -- against real servers.

The registry is Debian's ``docker-registry`` (CNCF distribution 2.8) on 127.0.0.1 with
a random port and filesystem storage in a temporary directory. Images
are small real OCI images written with tarfile (from real files such as /bin/true)
and pushed by an independent client, ``skopeo copy``. Nothing on the registry path
is mocked: where a test needs failures (503s, cut connections, ignored ranges,
redirects to a storage host) a small real HTTP proxy stands in front of the real
registry. The no-auth and token-auth registries (a real token service whose RS256
JWTs the registry verifies) come from tests/registry_server.py; the htpasswd (HTTP
Basic) registry is started here.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tarfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import registry_server as rs
from alpine_ready.inputs.image import auth as authmod
from alpine_ready.inputs.image.auth import (
    DOCKER_HUB_AUTH_KEY,
    Credentials,
    credentials_for,
    parse_challenges,
)
from alpine_ready.inputs.image.blobcache import BlobCache
from alpine_ready.inputs.image.model import ImageError, Platform
from alpine_ready.inputs.image.reference import parse
from alpine_ready.inputs.image.registry import (
    RegistryOptions,
    clear_token_cache,
    open_registry_image,
)
from alpine_ready.inputs.image.verify import (
    VerifyingReader,
    check_digest,
    digest_of,
    verify_bytes,
)

REGISTRY_BIN = shutil.which("docker-registry")
SKOPEO = shutil.which("skopeo")
needs_registry = pytest.mark.skipif(
    REGISTRY_BIN is None or SKOPEO is None,
    reason="needs Debian's docker-registry and skopeo (apt-get install docker-registry skopeo)",
)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def fast(**kw: Any) -> RegistryOptions:
    """Options with short backoff, for tests."""
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 10.0)
    kw.setdefault("auth_file", Path("/nonexistent/config.json"))
    return RegistryOptions(**kw)


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    clear_token_cache()
    yield
    clear_token_cache()


# ======================================================================================
# verify.py
# ======================================================================================


class TestVerifyingReader:
    data = b"layer bytes " * 5000

    def reader(
        self, data: bytes | None = None, digest: str | None = None, size: int | None = -1, **kw: Any
    ) -> VerifyingReader:
        data = self.data if data is None else data
        digest = digest or sha256(self.data)
        return VerifyingReader(
            io.BytesIO(data), digest, len(self.data) if size == -1 else size, "blob X", **kw
        )

    def test_reads_and_verifies(self) -> None:
        r = self.reader()
        assert r.read() == self.data
        assert r.verified
        assert r.read() == b""

    def test_small_reads_and_buffered_wrapper(self) -> None:
        r = self.reader()
        buffered = io.BufferedReader(r, buffer_size=7)
        out = b""
        while chunk := buffered.read(13):
            out += chunk
        assert out == self.data and r.verified
        assert r.tell() == len(self.data)

    def test_sha512(self) -> None:
        digest = "sha512:" + hashlib.sha512(self.data).hexdigest()
        r = VerifyingReader(io.BytesIO(self.data), digest, None, "x")
        assert r.read() == self.data and r.verified

    def test_digest_mismatch(self) -> None:
        bad = bytearray(self.data)
        bad[100] ^= 1
        r = self.reader(bytes(bad))
        with pytest.raises(ImageError) as e:
            r.read()
        msg = str(e.value)
        assert msg.startswith("blob X: digest mismatch: expected " + sha256(self.data))
        assert "got " + sha256(bytes(bad)) in msg
        with pytest.raises(ImageError):  # and again: no silent EOF after a failure
            r.read(10)

    def test_fewer_bytes_than_size(self) -> None:
        r = self.reader(self.data[:-1])
        with pytest.raises(
            ImageError,
            match=r"blob X: size mismatch: expected 60000 bytes, "
            r"got 59999",
        ):
            r.read()

    def test_more_bytes_than_size_fails_as_they_arrive(self) -> None:
        r = self.reader(self.data + b"extra" * 100000)
        with pytest.raises(ImageError, match=r"size mismatch.*got more"):
            while r.read(4096):
                pass
        assert r.tell() <= len(self.data) + 4096

    def test_unknown_size(self) -> None:
        r = self.reader(size=None)
        assert r.read() == self.data and r.verified

    def test_on_mismatch_callback_runs_once(self) -> None:
        calls: list[int] = []
        r = self.reader(b"nope", on_mismatch=lambda: calls.append(1))
        for _ in range(2):
            with pytest.raises(ImageError):
                r.read()
        assert calls == [1]

    def test_close_before_eof_is_not_verified_and_closes_raw(self) -> None:
        raw = io.BytesIO(self.data)
        r = VerifyingReader(raw, sha256(self.data), None, "x")
        r.read(10)
        r.close()
        assert not r.verified and raw.closed

    def test_drain(self) -> None:
        r = self.reader()
        r.read(5)
        r.drain()
        assert r.verified

    def test_streamed_tarfile(self) -> None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tf:
            info = tarfile.TarInfo("hello")
            info.size = 5
            tf.addfile(info, io.BytesIO(b"world"))
        blob = buf.getvalue()
        r = VerifyingReader(io.BytesIO(blob), sha256(blob), len(blob), "layer")
        with tarfile.open(fileobj=r, mode="r|gz") as tf:
            names = [m.name for m in tf]
        r.drain()
        assert names == ["hello"] and r.verified

    @pytest.mark.parametrize(
        "bad",
        [
            "sha256:abc",
            "sha256:" + "A" * 64,
            "md5:" + "0" * 32,
            "sha256:../../etc/passwd",
            "sha256:" + "0" * 63 + "/",
            "",
            "sha512:" + "0" * 64,
            42,
        ],
    )
    def test_invalid_digests(self, bad: Any) -> None:
        with pytest.raises(ImageError, match="digest"):
            check_digest(bad, "thing")
        if isinstance(bad, str):
            with pytest.raises(ImageError):
                VerifyingReader(io.BytesIO(b""), bad, None, "thing")

    def test_verify_bytes(self) -> None:
        assert verify_bytes(b"abc", sha256(b"abc"), 3, "m") == b"abc"
        assert digest_of(b"abc", "sha512").startswith("sha512:")
        with pytest.raises(ImageError, match="m: digest mismatch"):
            verify_bytes(b"abd", sha256(b"abc"), None, "m")
        with pytest.raises(ImageError, match="m: size mismatch"):
            verify_bytes(b"abc", sha256(b"abc"), 4, "m")


# ======================================================================================
# blobcache.py
# ======================================================================================


class TestBlobCache:
    data = os.urandom(300_000)
    digest = sha256(data)

    def test_write_then_open(self, tmp_path: Path) -> None:
        cache = BlobCache(tmp_path / "c", 10 << 20)
        assert not cache.has(self.digest)
        with pytest.raises(FileNotFoundError):
            cache.open(self.digest)
        with cache.writer(self.digest, len(self.data)) as w:
            assert w.offset == 0
            w.write(self.data[:1000])
            w.write(self.data[1000:])
        assert cache.has(self.digest)
        assert cache.path(self.digest) == tmp_path / "c" / "sha256" / self.digest[7:]
        assert cache.partial_size(self.digest) == 0
        with cache.open(self.digest) as f:
            assert f.read() == self.data

    def test_mismatch_removes_partial(self, tmp_path: Path) -> None:
        cache = BlobCache(tmp_path, 10 << 20)
        with (
            pytest.raises(ImageError, match="digest mismatch"),
            cache.writer(self.digest, len(self.data), what="my blob") as w,
        ):
            w.write(self.data[:-1] + b"\0")
        assert not cache.has(self.digest) and cache.partial_size(self.digest) == 0
        with (
            pytest.raises(ImageError, match="my blob: size mismatch"),
            cache.writer(self.digest, len(self.data), what="my blob") as w,
        ):
            w.write(self.data[:10])
        with (
            pytest.raises(ImageError, match=r"size mismatch.*got more"),
            cache.writer(self.digest, 10) as w,
        ):
            w.write(self.data[:11])
        assert cache.partial_size(self.digest) == 0

    def test_interrupted_write_keeps_partial_and_resumes(self, tmp_path: Path) -> None:
        cache = BlobCache(tmp_path, 10 << 20)
        with pytest.raises(ConnectionResetError), cache.writer(self.digest, len(self.data)) as w:
            w.write(self.data[:123_456])
            raise ConnectionResetError("network went away")
        assert cache.partial_size(self.digest) == 123_456 and not cache.has(self.digest)
        with cache.writer(self.digest, len(self.data)) as w:
            assert w.offset == 123_456
            w.write(self.data[w.offset :])
        assert cache.has(self.digest)

    def test_restart_and_no_resume(self, tmp_path: Path) -> None:
        cache = BlobCache(tmp_path, 10 << 20)
        with contextlib.suppress(KeyboardInterrupt), cache.writer(self.digest) as w:
            w.write(b"garbage")
            raise KeyboardInterrupt
        with cache.writer(self.digest, len(self.data)) as w:
            assert w.offset == 7
            w.restart()
            assert w.offset == 0
            w.write(self.data)
        assert cache.has(self.digest)
        # resume=False ignores a partial file
        other = os.urandom(1000)
        with contextlib.suppress(RuntimeError), cache.writer(sha256(other)) as w:
            w.write(b"xx")
            raise RuntimeError
        with cache.writer(sha256(other), resume=False) as w:
            assert w.offset == 0
            w.write(other)
        assert cache.has(sha256(other))

    def test_corrupt_entry_is_removed_on_read(self, tmp_path: Path) -> None:
        cache = BlobCache(tmp_path, 10 << 20)
        with cache.writer(self.digest, len(self.data)) as w:
            w.write(self.data)
        path = cache.path(self.digest)
        with path.open("r+b") as f:
            f.write(b"\xff")
        with (
            pytest.raises(ImageError, match=f"cached blob {self.digest}: digest mismatch"),
            cache.open(self.digest) as f,
        ):
            f.read()
        assert not cache.has(self.digest)

    def test_lru_eviction(self, tmp_path: Path) -> None:
        cache = BlobCache(tmp_path, 2500)
        blobs = [os.urandom(1000) for _ in range(3)]
        for i, b in enumerate(blobs[:2]):
            with cache.writer(sha256(b), len(b)) as w:
                w.write(b)
            os.utime(cache.path(sha256(b)), (1000 + i, 1000 + i))
        cache.open(sha256(blobs[0])).close()  # used now: the most recent
        with cache.writer(sha256(blobs[2]), 1000) as w:
            w.write(blobs[2])
        assert cache.has(sha256(blobs[0])) and cache.has(sha256(blobs[2]))
        assert not cache.has(sha256(blobs[1]))
        assert cache.total_bytes() == 2000

    def test_blob_larger_than_the_cache_is_refused(self, tmp_path: Path) -> None:
        # (issue 10: it used to be written, and kept until the next write)
        cache = BlobCache(tmp_path, 100)
        with (
            pytest.raises(
                ImageError,
                match="declares 300,000 bytes, more than the blob "
                r"cache's budget \(100 bytes\)",
            ),
            cache.writer(self.digest, len(self.data)) as w,
        ):
            w.write(self.data)
        assert not cache.has(self.digest) and cache.partial_size(self.digest) == 0

    def test_stale_partials_are_evicted(self, tmp_path: Path) -> None:
        cache = BlobCache(tmp_path, 10 << 20)
        with contextlib.suppress(RuntimeError), cache.writer(self.digest) as w:
            w.write(b"x" * 10)
            raise RuntimeError
        partial = tmp_path / "sha256" / (self.digest[7:] + ".partial")
        os.utime(partial, (1, 1))
        cache.evict()
        assert not partial.exists()

    def test_symlinks_are_never_followed(self, tmp_path: Path) -> None:
        outside = tmp_path / "outside"
        outside.write_bytes(self.data)
        cache = BlobCache(tmp_path / "c", 10 << 20)
        (tmp_path / "c" / "sha256").mkdir(parents=True)
        (tmp_path / "c" / "sha256" / self.digest[7:]).symlink_to(outside)
        assert not cache.has(self.digest)
        with pytest.raises(FileNotFoundError):
            cache.open(self.digest)
        victim = tmp_path / "victim"
        victim.write_bytes(b"keep me")
        (tmp_path / "c" / "sha256" / (self.digest[7:] + ".partial")).symlink_to(victim)
        with pytest.raises(OSError), cache.writer(self.digest, len(self.data)) as w:
            w.write(self.data)
        assert victim.read_bytes() == b"keep me"
        # a symlinked algorithm directory is refused
        evil = BlobCache(tmp_path / "d", 10 << 20)
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "sha256").symlink_to(tmp_path)
        with (
            pytest.raises(ImageError, match="not a directory"),
            evil.writer(self.digest, len(self.data)) as w,
        ):
            w.write(self.data)
        assert not evil.has(self.digest)

    @pytest.mark.parametrize(
        "bad", ["sha256:../../../etc/passwd", "sha256:" + "0" * 63, "../x", "sha1:" + "0" * 40]
    )
    def test_digests_are_validated_before_paths(self, tmp_path: Path, bad: str) -> None:
        cache = BlobCache(tmp_path, 10)
        for call in (cache.path, cache.has, cache.open, cache.partial_size):
            with pytest.raises(ImageError):
                call(bad)
        with pytest.raises(ImageError), cache.writer(bad):
            pass
        assert list(tmp_path.iterdir()) == []

    def test_default_root(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        assert BlobCache().root == tmp_path / "alpine-ready" / "blobs"
        monkeypatch.delenv("XDG_CACHE_HOME")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert BlobCache().root == tmp_path / "home" / ".cache" / "alpine-ready" / "blobs"


# ======================================================================================
# auth.py
# ======================================================================================


class TestChallenges:
    def test_docker_hub(self) -> None:
        [c] = parse_challenges(
            'Bearer realm="https://auth.docker.io/token",'
            'service="registry.docker.io",'
            'scope="repository:library/alpine:pull"'
        )
        assert c.scheme == "bearer"
        assert dict(c.params) == {
            "realm": "https://auth.docker.io/token",
            "service": "registry.docker.io",
            "scope": "repository:library/alpine:pull",
        }

    def test_commas_quotes_and_several_challenges(self) -> None:
        cs = parse_challenges(
            [
                'Basic realm="Registry, the realm", BEARER realm="https://t/x?a=1",'
                ' scope="repository:a/b:pull,push" , error="insufficient_scope"',
                r'Bearer realm="with \"escaped\" quotes",service=unquoted',
            ]
        )
        assert [c.scheme for c in cs] == ["basic", "bearer", "bearer"]
        assert cs[0].params == {"realm": "Registry, the realm"}
        assert cs[1].params == {
            "realm": "https://t/x?a=1",
            "scope": "repository:a/b:pull,push",
            "error": "insufficient_scope",
        }
        assert cs[2].params == {"realm": 'with "escaped" quotes', "service": "unquoted"}

    def test_token68_and_garbage(self) -> None:
        cs = parse_challenges('Negotiate abc==, Basic realm="x"')
        assert cs[0].scheme == "negotiate" and cs[0].token68 == "abc=="
        assert cs[1].params == {"realm": "x"}
        assert parse_challenges("") == []
        assert parse_challenges('"') == []
        assert parse_challenges('Bearer realm="unterminated')[0].params == {"realm": "unterminated"}


def write_config(directory: Path, config: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return path


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class TestCredentials:
    def test_auths_forms_and_keys(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path,
            {
                "auths": {
                    DOCKER_HUB_AUTH_KEY: {"auth": b64("hubuser:hub:pass")},
                    "https://reg.example.com:5000/v1/": {"username": "u", "password": "p"},
                    "plain.example.com": {"auth": b64("a:b")},
                    "tok.example.com": {"identitytoken": "refresh-me"},
                    "broken.example.com": {"auth": "!!!notbase64"},
                }
            },
        )
        hub = credentials_for("docker.io", path)
        assert hub is not None and (hub.username, hub.password) == ("hubuser", "hub:pass")
        scheme = credentials_for("reg.example.com:5000", path)
        assert scheme is not None and (scheme.username, scheme.password) == ("u", "p")
        assert credentials_for("reg.example.com", path) is None  # the port matters
        plain = credentials_for("plain.example.com", path)
        assert plain is not None and plain.basic_header() == "Basic " + b64("a:b")
        tok = credentials_for("tok.example.com", path)
        assert tok is not None and tok.identity_token == "refresh-me" and not tok.has_basic
        assert credentials_for("broken.example.com", path) is None
        assert credentials_for("other.example.com", path) is None

    def test_docker_config_env(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        write_config(tmp_path / "dc", {"auths": {"r.example": {"auth": b64("x:y")}}})
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "dc"))
        creds = credentials_for("r.example")
        assert creds is not None and creds.username == "x"
        assert str(tmp_path / "dc" / "config.json") in creds.source
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "none"))
        assert credentials_for("r.example") is None

    def test_bad_config_is_ignored(self, tmp_path: Path) -> None:
        path = tmp_path / "config.json"
        path.write_text("{not json")
        assert credentials_for("r.example", path) is None
        path.write_text("[]")
        assert credentials_for("r.example", path) is None

    def test_credential_helpers(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        bindir = tmp_path / "bin"
        bindir.mkdir()
        log = tmp_path / "helper.log"
        helper = bindir / "docker-credential-testhelper"
        helper.write_text(f"""#!/bin/sh
[ "$1" = get ] || exit 3
read server
echo "$server" >> {log}
case "$server" in
  helped.example:5000) echo '{{"ServerURL":"x","Username":"hu","Secret":"hs"}}' ;;
  https://index.docker.io/v1/) echo '{{"ServerURL":"x","Username":"<token>","Secret":"idt"}}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
""")
        helper.chmod(0o755)
        monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
        path = write_config(
            tmp_path,
            {
                "credHelpers": {
                    "helped.example:5000": "testhelper",
                    "missing.example": "nosuchhelper",
                },
                "credsStore": "testhelper",
                "auths": {"missing.example": {"auth": b64("file:creds")}, "stored.example": {}},
            },
        )
        c = credentials_for("helped.example:5000", path)
        assert c is not None and (c.username, c.password) == ("hu", "hs")
        assert c.source == "docker-credential-testhelper"
        hub = credentials_for("docker.io", path)  # via credsStore, identity token
        assert hub is not None and hub.identity_token == "idt" and hub.username is None
        # helper not on PATH: skipped cleanly, the file's auths are used
        m = credentials_for("missing.example", path)
        assert m is not None and (m.username, m.password) == ("file", "creds")
        # store has nothing, the auths entry is empty
        assert credentials_for("stored.example", path) is None
        assert log.read_text().splitlines() == [
            "helped.example:5000",
            DOCKER_HUB_AUTH_KEY,
            "missing.example",
            "stored.example",
        ]

    def test_helper_names_are_not_paths(self) -> None:
        assert authmod.run_credential_helper("../../bin/sh", "x") is None


# ======================================================================================
# Real servers: registry, token service, test proxy, storage host
# ======================================================================================


def http_status(
    url: str, timeout: float = 2.0, context: ssl.SSLContext | None = None
) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except OSError:
        return None


@dataclass
class Registry:
    """A running registry: ``address`` is ``127.0.0.1:PORT``, blobs under ``storage``."""

    address: str
    storage: Path
    process: subprocess.Popen[bytes] | None = None  # when started here (htpasswd mode)

    def blob_file(self, digest: str) -> Path:
        hexd = digest.split(":", 1)[1]
        return self.storage / "docker/registry/v2/blobs/sha256" / hexd[:2] / hexd / "data"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_own_registry(
    root: Path, *, users: dict[str, str] | None = None, tls: bool = False
) -> Registry:
    """docker-registry with htpasswd (HTTP Basic) auth and/or TLS with a self-signed
    certificate for 127.0.0.1 (``root/cert.pem``) -- modes tests/registry_server.py has not.
    """
    root.mkdir(parents=True, exist_ok=True)
    port = rs.free_port()
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {
            "filesystem": {"rootdirectory": str(root / "storage")},
            "maintenance": {"uploadpurging": {"enabled": False}},
        },
        "http": {"addr": f"127.0.0.1:{port}", "secret": secrets.token_hex(16)},
    }
    if users:
        (root / "htpasswd").write_text("".join(f"{u}:{bcrypt_hash(p)}\n" for u, p in users.items()))
        config["auth"] = {"htpasswd": {"realm": "test-realm", "path": str(root / "htpasswd")}}
    scheme = "http"
    context = None
    if tls:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                str(root / "key.pem"),
                "-out",
                str(root / "cert.pem"),
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
        config["http"]["tls"] = {
            "certificate": str(root / "cert.pem"),
            "key": str(root / "key.pem"),
        }
        scheme = "https"
        context = ssl.create_default_context(cafile=str(root / "cert.pem"))
    (root / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    logf = (root / "registry.log").open("wb")
    proc = subprocess.Popen(
        [rs.docker_registry_binary(), "serve", str(root / "config.yml")],
        stdout=logf,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    logf.close()
    reg = Registry(f"127.0.0.1:{port}", root / "storage", proc)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("docker-registry exited:\n" + (root / "registry.log").read_text())
        if http_status(f"{scheme}://{reg.address}/v2/", context=context) in (200, 401):
            return reg
        time.sleep(0.05)
    reg.stop()
    raise RuntimeError("docker-registry did not start:\n" + (root / "registry.log").read_text())


def push(
    layout: Path,
    tag: str,
    registry: Registry,
    repo: str,
    *,
    all_images: bool = False,
    creds: str | None = None,
) -> None:
    """skopeo copy (digests preserved) of ``oci:LAYOUT:TAG`` to ``REGISTRY/REPO:TAG``."""
    user, _, password = (creds or "").partition(":")
    rs.push(
        f"oci:{layout}:{tag}",
        f"{registry.address}/{repo}:{tag}",
        creds=(user, password) if creds else None,
        extra=["--all"] if all_images else [],
    )


# -- small real OCI images -------------------------------------------------------------


@dataclass
class Built:
    manifest: bytes
    manifest_digest: str
    config: dict[str, Any]
    config_digest: str
    layers: list[tuple[str, int, str, bytes]]  # digest, size, diff_id, blob

    @property
    def descriptor(self) -> dict[str, Any]:
        return {
            "mediaType": OCI_MANIFEST,
            "digest": self.manifest_digest,
            "size": len(self.manifest),
        }


def layer_tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            info.mtime = 1_700_000_000
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def put_blob(layout: Path, data: bytes) -> str:
    digest = sha256(data)
    d = layout / "blobs" / "sha256"
    d.mkdir(parents=True, exist_ok=True)
    (d / digest[7:]).write_bytes(data)
    return digest


def build_image(
    layout: Path, layers: list[dict[str, bytes]], arch: str = "amd64", variant: str | None = None
) -> Built:
    """Blobs of one image into ``layout`` (index.json is written by the caller)."""
    built_layers = []
    for files in layers:
        tar = layer_tar(files)
        blob = gzip.compress(tar, mtime=0)
        built_layers.append((put_blob(layout, blob), len(blob), sha256(tar), blob))
    history: list[dict[str, Any]] = []
    for i, _ in enumerate(built_layers):
        history.append({"created_by": f"COPY layer{i} /", "comment": f"layer {i}"})
        history.append({"created_by": f"ENV STEP={i}", "empty_layer": True})
    config: dict[str, Any] = {
        "architecture": arch,
        "os": "linux",
        "config": {"Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [d for _, _, d, _ in built_layers]},
        "history": history,
    }
    if variant:
        config["variant"] = variant
    config_bytes = json.dumps(config).encode()
    config_digest = put_blob(layout, config_bytes)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config_bytes)},
            "layers": [
                {"mediaType": OCI_LAYER_GZIP, "digest": d, "size": s} for d, s, _, _ in built_layers
            ],
            "annotations": {"org.opencontainers.image.title": f"test {arch}"},
        }
    ).encode()
    return Built(manifest, put_blob(layout, manifest), config, config_digest, built_layers)


def write_index_json(layout: Path, tag: str, desc: dict[str, Any]) -> None:
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    entry = {**desc, "annotations": {"org.opencontainers.image.ref.name": tag}}
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))


def unique_files(label: str, big: int = 0) -> dict[str, bytes]:
    """Real files (/bin/true) plus a nonce, so that every image has its own blobs."""
    files = {
        "bin/true": Path("/bin/true").read_bytes(),
        "etc/nonce": f"{label} {secrets.token_hex(16)}\n".encode(),
    }
    if big:
        files["data/random.bin"] = os.urandom(big)
    return files


def single_image(tmp: Path, label: str, big: int = 0, tag: str = "v1") -> tuple[Path, Built]:
    layout = tmp / f"layout-{label}"
    built = build_image(layout, [unique_files(label, big), {"etc/motd": b"second layer\n"}])
    write_index_json(layout, tag, built.descriptor)
    return layout, built


def read_layer_files(stream: Any) -> dict[str, bytes]:
    out = {}
    with tarfile.open(fileobj=stream, mode="r|gz") as tf:
        for m in tf:
            f = tf.extractfile(m)
            if f is not None:
                out[m.name] = f.read()
    stream.drain()
    stream.close()
    return out


# -- a real HTTP proxy in front of the registry ---------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    status: int = 0


class TestProxy:
    """Forwards to ``upstream``; can fail, cut, strip Range or redirect on request."""

    __test__ = False

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.seen: list[Seen] = []
        self.fail: list[tuple[Callable[[str], bool], int, dict[str, str]]] = []
        self.cut_after: dict[str, int] = {}  # path fragment -> bytes sent before a reset
        self.cut_always: dict[str, int] = {}  # the same, on every request
        self.strip_range = False
        self.redirect_blobs_to: str | None = None
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy.handle(self)

            do_HEAD = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests(self, fragment: str) -> list[Seen]:
        return [s for s in self.seen if fragment in s.path]

    def handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        seen = Seen(h.command, h.path, dict(h.headers.items()))
        with self.lock:
            self.seen.append(seen)
            for i, (pred, status, headers) in enumerate(self.fail):
                if pred(h.path):
                    del self.fail[i]
                    seen.status = status
                    h.send_response(status)
                    for k, v in headers.items():
                        h.send_header(k, v)
                    h.send_header("Content-Length", "0")
                    h.end_headers()
                    return
            cut = next((n for frag, n in self.cut_after.items() if frag in h.path), None)
            if cut is not None:
                self.cut_after = {k: v for k, v in self.cut_after.items() if k not in h.path}
            else:
                cut = next((n for frag, n in self.cut_always.items() if frag in h.path), None)
        if self.redirect_blobs_to and "/blobs/sha256:" in h.path and h.command == "GET":
            digest = h.path.rsplit("/", 1)[1]
            seen.status = 307
            h.send_response(307)
            h.send_header(
                "Location", f"{self.redirect_blobs_to}/storage/{digest}?X-Signature=not-for-logs"
            )
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        headers = {k: v for k, v in h.headers.items() if k.lower() not in ("host", "connection")}
        if self.strip_range:
            headers.pop("Range", None)
        conn = http.client.HTTPConnection(self.upstream, timeout=30)
        conn.request(h.command, h.path, headers=headers)
        resp = conn.getresponse()
        seen.status = resp.status
        h.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding"):
                h.send_header(k, v)
        body = resp.read()
        if "Content-Length" not in resp.headers:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command == "HEAD":
            return
        if cut is not None:
            h.wfile.write(body[:cut])
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        h.wfile.write(body)
        conn.close()


class StorageHost:
    """A second host serving blobs from the registry's storage (as S3 would)."""

    def __init__(self, registry: Registry) -> None:
        self.seen: list[Seen] = []
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                host.seen.append(Seen("GET", self.path, dict(self.headers.items())))
                digest = urllib.parse.urlsplit(self.path).path.rsplit("/", 1)[1]
                path = registry.blob_file(digest)
                data = path.read_bytes() if path.is_file() else None
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        # "localhost", not 127.0.0.1: another host name, as a storage host is
        return f"http://localhost:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    if REGISTRY_BIN is None or SKOPEO is None:
        pytest.skip("needs Debian's docker-registry and skopeo")
    with rs.run_registry("none", parent_dir=tmp_path_factory.mktemp("registry")) as reg:
        yield Registry(reg.host, reg.storage)


@pytest.fixture
def proxy(registry: Registry) -> Iterator[TestProxy]:
    p = TestProxy(registry.address)
    yield p
    p.close()


@pytest.fixture(scope="module")
def pushed(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One image at test/small:v1 in the no-auth registry."""
    layout, built = single_image(tmp_path_factory.mktemp("img"), "small", big=200_000)
    push(layout, "v1", registry, "test/small")
    return built


@pytest.fixture(scope="module")
def multiarch(
    registry: Registry, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Built, Built, str]:
    """An OCI index with linux/amd64 and linux/arm64/v8 at test/multi:v1."""
    layout = tmp_path_factory.mktemp("multi") / "layout"
    amd = build_image(layout, [unique_files("amd64")])
    arm = build_image(layout, [unique_files("arm64"), {"etc/arch": b"arm64\n"}], "arm64", "v8")
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {**amd.descriptor, "platform": {"os": "linux", "architecture": "amd64"}},
                {
                    **arm.descriptor,
                    "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"},
                },
            ],
        }
    ).encode()
    index_digest = put_blob(layout, index)
    write_index_json(
        layout, "v1", {"mediaType": OCI_INDEX, "digest": index_digest, "size": len(index)}
    )
    push(layout, "v1", registry, "test/multi", all_images=True)
    return amd, arm, index_digest


# ======================================================================================
# Registry: pulls
# ======================================================================================


@needs_registry
class TestPull:
    def test_by_tag(self, registry: Registry, pushed: Built, tmp_path: Path) -> None:
        ref = parse(f"docker://{registry.address}/test/small:v1")
        assert ref.insecure_by_default
        src = open_registry_image(ref, fast(cache=BlobCache(tmp_path / "c")))
        assert src.transport == "docker" and src.name == str(ref)
        assert src.manifest_digest == pushed.manifest_digest  # skopeo kept the manifest
        assert src.index_digest is None
        assert src.config_digest == pushed.config_digest
        assert src.config["rootfs"] == pushed.config["rootfs"]
        assert src.annotations == {"org.opencontainers.image.title": "test amd64"}
        assert [(la.digest, la.size, la.diff_id) for la in src.layers] == [
            (d, s, diff) for d, s, diff, _ in pushed.layers
        ]
        assert [la.created_by for la in src.layers] == ["COPY layer0 /", "COPY layer1 /"]
        assert src.compressed_size == sum(s for _, s, _, _ in pushed.layers)
        files = read_layer_files(src.blobs.open_blob(src.layers[0].digest, src.layers[0].size))
        assert files["bin/true"] == Path("/bin/true").read_bytes()
        assert len(files["data/random.bin"]) == 200_000

    def test_by_digest_without_cache(self, registry: Registry, pushed: Built) -> None:
        ref = parse(f"docker://{registry.address}/test/small@{pushed.manifest_digest}")
        src = open_registry_image(ref, fast())
        assert src.manifest_digest == pushed.manifest_digest
        layer = src.layers[1]
        assert read_layer_files(src.blobs.open_blob(layer.digest, layer.size)) == {
            "etc/motd": b"second layer\n"
        }

    def test_unknown_tag_and_repo(self, registry: Registry, pushed: Built) -> None:
        with pytest.raises(ImageError) as e:
            open_registry_image(parse(f"docker://{registry.address}/test/small:nope"), fast())
        msg = str(e.value)
        assert "manifest unknown" in msg and "nope" in msg and registry.address in msg
        assert "test/small" in msg
        with pytest.raises(ImageError, match="manifest unknown"):
            open_registry_image(parse(f"docker://{registry.address}/test/absent:v1"), fast())

    def test_unknown_digest(self, registry: Registry, pushed: Built) -> None:
        ref = parse(f"docker://{registry.address}/test/small@sha256:{'0' * 64}")
        with pytest.raises(ImageError, match="manifest unknown"):
            open_registry_image(ref, fast())

    def test_index_platforms(self, registry: Registry, multiarch: tuple[Built, Built, str]) -> None:
        amd, arm, index_digest = multiarch
        ref = parse(f"docker://{registry.address}/test/multi:v1")
        src = open_registry_image(ref, fast())
        assert src.index_digest == index_digest
        assert src.manifest_digest == amd.manifest_digest
        assert src.config["architecture"] == "amd64"
        src = open_registry_image(ref, fast(platform=Platform.parse("linux/arm64")))
        assert src.manifest_digest == arm.manifest_digest and len(src.layers) == 2
        src = open_registry_image(ref, fast(platform=Platform.parse("linux/arm64/v8")))
        assert src.manifest_digest == arm.manifest_digest
        with pytest.raises(ImageError) as e:
            open_registry_image(ref, fast(platform=Platform.parse("linux/s390x")))
        assert "no image for platform linux/s390x" in str(e.value)
        assert "available: linux/amd64, linux/arm64/v8" in str(e.value)
        with pytest.raises(ImageError, match="available"):
            open_registry_image(ref, fast(platform=Platform.parse("linux/arm64/v7")))
        # pinned to the index digest
        pinned = parse(f"docker://{registry.address}/test/multi@{index_digest}")
        assert open_registry_image(pinned, fast()).manifest_digest == amd.manifest_digest

    def test_manifest_only_and_no_layer_before_open_blob(
        self, registry: Registry, pushed: Built, proxy: TestProxy
    ) -> None:
        ref = parse(f"docker://{proxy.address}/test/small:v1")
        src = open_registry_image(ref, fast(), manifest_only=True)
        assert src.compressed_size == sum(s for _, s, _, _ in pushed.layers)
        assert src.config == {} and src.layers[0].diff_id is None
        assert proxy.requests("/blobs/") == []
        src = open_registry_image(ref, fast())
        assert [s.path.rsplit("/", 1)[1] for s in proxy.requests("/blobs/")] == [
            pushed.config_digest
        ]

    def test_real_alpine_image(self, registry: Registry, tmp_path: Path) -> None:
        """The multi-layer real-Alpine test image (gzip, zstd and plain layers)."""
        try:
            import imagebuild

            image = imagebuild.alpine_image()
        except Exception as e:  # the fixtures need the real artefacts
            pytest.skip(f"tests/imagebuild.py alpine image unavailable: {e}")
        push(image.oci_dir, image.tag, registry, "real/alpine")
        ref = f"docker://{registry.address}/real/alpine:{image.tag}"
        src = open_registry_image(parse(ref), fast(cache=BlobCache(tmp_path)))
        expected = image.expected
        raw = rs.skopeo_inspect(ref, raw=True)  # what an independent client reads back
        assert src.manifest_digest == sha256(raw)
        assert src.manifest_digest == expected["formats"]["oci"]["manifest_digest"]
        assert [la.digest for la in src.layers] == [la["digest"] for la in expected["layers"]]
        assert [la.media_type for la in src.layers] == [
            la["media_type"] for la in expected["layers"]
        ]
        assert [la.diff_id for la in src.layers] == [la["diff_id"] for la in expected["layers"]]
        assert [la.created_by for la in src.layers] == [
            la["created_by"] for la in expected["layers"]
        ]
        for layer in src.layers:
            with src.blobs.open_blob(layer.digest, layer.size) as f:
                while f.read(1 << 20):
                    pass
            assert BlobCache(tmp_path).has(layer.digest)


# ======================================================================================
# Registry: verification, cache, resume
# ======================================================================================


@needs_registry
class TestBlobs:
    def test_corrupt_blob_in_storage(self, registry: Registry, tmp_path: Path) -> None:
        layout, built = single_image(tmp_path, "corrupt", big=50_000)
        push(layout, "v1", registry, "test/corrupt")
        digest = built.layers[0][0]
        data = registry.blob_file(digest)
        raw = bytearray(data.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        data.write_bytes(bytes(raw))
        ref = parse(f"docker://{registry.address}/test/corrupt:v1")
        src = open_registry_image(ref, fast())  # manifest and config are fine
        with pytest.raises(ImageError) as e, src.blobs.open_blob(digest, built.layers[0][1]) as f:
            while f.read(65536):
                pass
        msg = str(e.value)
        assert f"blob {digest}: digest mismatch" in msg and "test/corrupt" in msg
        cache = BlobCache(tmp_path / "cache")
        src = open_registry_image(ref, fast(cache=cache))
        with pytest.raises(ImageError, match=f"blob {digest}: digest mismatch"):
            src.blobs.open_blob(digest, built.layers[0][1])
        assert not cache.has(digest) and cache.partial_size(digest) == 0

    def test_truncated_blob_in_storage(self, registry: Registry, tmp_path: Path) -> None:
        layout, built = single_image(tmp_path, "short")
        push(layout, "v1", registry, "test/short")
        digest, size = built.layers[0][0], built.layers[0][1]
        registry.blob_file(digest).write_bytes(built.layers[0][3][:-10])
        src = open_registry_image(parse(f"docker://{registry.address}/test/short:v1"), fast())
        with (
            pytest.raises(ImageError, match=f"blob {digest}: size mismatch"),
            src.blobs.open_blob(digest, size) as f,
        ):
            f.read()
        cache = BlobCache(tmp_path / "cache")
        src = open_registry_image(
            parse(f"docker://{registry.address}/test/short:v1"), fast(cache=cache)
        )
        with pytest.raises(
            ImageError,
            match=f"blob {digest}: size mismatch: expected {size} bytes, got {size - 10}",
        ):
            src.blobs.open_blob(digest, size)
        assert cache.partial_size(digest) == 0 and not cache.has(digest)

    def test_manifest_digest_mismatch(self, registry: Registry, pushed: Built) -> None:
        # A digest reference whose bytes the registry stores under another digest:
        # point the repository's link for a fake digest at the real revision.
        fake = sha256(b"not this manifest")
        revs = registry.storage / "docker/registry/v2/repositories/test/small/_manifests"
        real_link = revs / "revisions/sha256" / pushed.manifest_digest[7:] / "link"
        fake_dir = revs / "revisions/sha256" / fake[7:]
        fake_dir.mkdir(parents=True)
        (fake_dir / "link").write_text(real_link.read_text())
        try:
            ref = parse(f"docker://{registry.address}/test/small@{fake}")
            with pytest.raises(ImageError) as e:
                open_registry_image(ref, fast())
            assert "digest mismatch" in str(e.value) and fake in str(e.value)
        finally:
            shutil.rmtree(fake_dir)

    def test_cache_hit_does_no_http(self, pushed: Built, proxy: TestProxy, tmp_path: Path) -> None:
        cache = BlobCache(tmp_path)
        ref = parse(f"docker://{proxy.address}/test/small:v1")
        src = open_registry_image(ref, fast(cache=cache))
        digest, size = pushed.layers[0][0], pushed.layers[0][1]
        read_layer_files(src.blobs.open_blob(digest, size))
        assert len(proxy.requests(f"/blobs/{digest}")) == 1
        proxy.seen.clear()
        for _ in range(2):
            assert "bin/true" in read_layer_files(src.blobs.open_blob(digest, size))
        src2 = open_registry_image(ref, fast(cache=cache))  # config from the cache too
        read_layer_files(src2.blobs.open_blob(digest, size))
        assert proxy.requests("/blobs/") == []
        assert len(proxy.requests("/manifests/")) == 1
        proxy.close()  # no server at all: still served
        assert "bin/true" in read_layer_files(src2.blobs.open_blob(digest, size))

    def test_resume_partial(self, pushed: Built, proxy: TestProxy, tmp_path: Path) -> None:
        cache = BlobCache(tmp_path)
        digest, size, _, blob = pushed.layers[0]
        half = size // 2
        partial = tmp_path / "sha256" / f"{digest[7:]}.partial"
        partial.parent.mkdir(parents=True)
        partial.write_bytes(blob[:half])
        assert cache.partial_size(digest) == half
        src = open_registry_image(
            parse(f"docker://{proxy.address}/test/small:v1"), fast(cache=cache)
        )
        read_layer_files(src.blobs.open_blob(digest, size))
        [get] = proxy.requests(f"/blobs/{digest}")
        assert get.headers.get("Range") == f"bytes={half}-" and get.status == 206
        assert cache.has(digest) and not partial.exists()

    def test_resume_when_server_ignores_range(
        self, pushed: Built, proxy: TestProxy, tmp_path: Path
    ) -> None:
        proxy.strip_range = True
        cache = BlobCache(tmp_path)
        digest, size, _, blob = pushed.layers[0]
        partial = tmp_path / "sha256" / f"{digest[7:]}.partial"
        partial.parent.mkdir(parents=True)
        partial.write_bytes(blob[:1000])
        src = open_registry_image(
            parse(f"docker://{proxy.address}/test/small:v1"), fast(cache=cache)
        )
        read_layer_files(src.blobs.open_blob(digest, size))
        [get] = proxy.requests(f"/blobs/{digest}")
        assert get.status == 200
        assert cache.has(digest)

    def test_bad_partial_is_downloaded_again(
        self, pushed: Built, proxy: TestProxy, tmp_path: Path
    ) -> None:
        cache = BlobCache(tmp_path)
        digest, size, _, _ = pushed.layers[0]
        partial = tmp_path / "sha256" / f"{digest[7:]}.partial"
        partial.parent.mkdir(parents=True)
        partial.write_bytes(b"\0" * 5000)  # not the blob's first bytes
        src = open_registry_image(
            parse(f"docker://{proxy.address}/test/small:v1"), fast(cache=cache)
        )
        read_layer_files(src.blobs.open_blob(digest, size))
        gets = proxy.requests(f"/blobs/{digest}")
        assert [g.headers.get("Range") for g in gets] == ["bytes=5000-", None]
        assert cache.has(digest)

    def test_interrupted_download_resumes(
        self, pushed: Built, proxy: TestProxy, tmp_path: Path
    ) -> None:
        cache = BlobCache(tmp_path)
        digest, size, _, _ = pushed.layers[0]
        proxy.cut_after[f"/blobs/{digest}"] = 70_000
        src = open_registry_image(
            parse(f"docker://{proxy.address}/test/small:v1"), fast(cache=cache)
        )
        read_layer_files(src.blobs.open_blob(digest, size))
        gets = proxy.requests(f"/blobs/{digest}")
        assert len(gets) == 2
        assert gets[1].headers.get("Range") == "bytes=70000-" and gets[1].status == 206

    @pytest.mark.parametrize("honour_range", [True, False])
    def test_interrupted_stream_without_cache_resumes(
        self, pushed: Built, proxy: TestProxy, honour_range: bool
    ) -> None:
        digest, size, _, _ = pushed.layers[0]
        src = open_registry_image(parse(f"docker://{proxy.address}/test/small:v1"), fast())
        proxy.cut_after[f"/blobs/{digest}"] = 100_000
        proxy.strip_range = not honour_range
        files = read_layer_files(src.blobs.open_blob(digest, size))
        assert files["bin/true"] == Path("/bin/true").read_bytes()
        gets = proxy.requests(f"/blobs/{digest}")
        assert len(gets) == 2 and gets[1].headers.get("Range", "").startswith("bytes=")
        assert gets[1].status == (206 if honour_range else 200)

    @pytest.mark.parametrize("cached", [True, False])
    def test_always_cut_gives_up(
        self, pushed: Built, proxy: TestProxy, tmp_path: Path, cached: bool
    ) -> None:
        digest, size, _, _ = pushed.layers[0]
        cache = BlobCache(tmp_path) if cached else None
        src = open_registry_image(
            parse(f"docker://{proxy.address}/test/small:v1"), fast(retries=2, cache=cache)
        )
        proxy.cut_always[f"/blobs/{digest}"] = 1000
        with pytest.raises(ImageError, match=f"blob {digest}: download failed after 3 attempts"):
            read_layer_files(src.blobs.open_blob(digest, size))
        assert len(proxy.requests(f"/blobs/{digest}")) == 3
        if cache is not None:
            assert cache.partial_size(digest) == 3000  # kept for the next try

    def test_download_gives_up(self, pushed: Built, proxy: TestProxy, tmp_path: Path) -> None:
        digest, size, _, _ = pushed.layers[0]
        src = open_registry_image(parse(f"docker://{proxy.address}/test/small:v1"), fast(retries=1))
        proxy.fail += [(lambda p: digest in p, 500, {})] * 3
        with pytest.raises(ImageError, match=r"HTTP 500 .* from 127\.0\.0\.1"):
            src.blobs.open_blob(digest, size)

    def test_cached_blob_with_another_size(
        self, pushed: Built, registry: Registry, tmp_path: Path
    ) -> None:
        cache = BlobCache(tmp_path)
        digest, size, _, blob = pushed.layers[0]
        with cache.writer(digest, size) as w:
            w.write(blob)
        src = open_registry_image(
            parse(f"docker://{registry.address}/test/small:v1"), fast(cache=cache)
        )
        with pytest.raises(ImageError, match="size mismatch"):
            src.blobs.open_blob(digest, size + 1)

    def test_redirect_to_storage_host(
        self, pushed: Built, proxy: TestProxy, registry: Registry, tmp_path: Path
    ) -> None:
        storage = StorageHost(registry)
        try:
            proxy.redirect_blobs_to = storage.url
            src = open_registry_image(
                parse(f"docker://{proxy.address}/test/small:v1"), fast(cache=BlobCache(tmp_path))
            )
            digest, size = pushed.layers[0][0], pushed.layers[0][1]
            assert "bin/true" in read_layer_files(src.blobs.open_blob(digest, size))
            assert [s.path.split("?")[0] for s in storage.seen] == [
                f"/storage/{pushed.config_digest}",
                f"/storage/{digest}",
            ]
        finally:
            storage.close()


# ======================================================================================
# Registry: retries and connection errors
# ======================================================================================


@needs_registry
class TestRetries:
    def test_503_twice_then_ok(self, pushed: Built, proxy: TestProxy) -> None:
        def is_manifest(p: str) -> bool:
            return "/manifests/" in p

        proxy.fail += [(is_manifest, 503, {}), (is_manifest, 503, {"Retry-After": "0"})]
        src = open_registry_image(parse(f"docker://{proxy.address}/test/small:v1"), fast())
        assert src.manifest_digest == pushed.manifest_digest
        assert [s.status for s in proxy.requests("/manifests/")] == [503, 503, 200]

    def test_429_and_5xx_on_blobs(self, pushed: Built, proxy: TestProxy, tmp_path: Path) -> None:
        digest, size = pushed.layers[0][0], pushed.layers[0][1]
        proxy.fail += [
            (lambda p: digest in p, 429, {"Retry-After": "1"}),
            (lambda p: digest in p, 502, {}),
        ]
        src = open_registry_image(
            parse(f"docker://{proxy.address}/test/small:v1"), fast(cache=BlobCache(tmp_path))
        )
        t0 = time.monotonic()
        read_layer_files(src.blobs.open_blob(digest, size))
        assert time.monotonic() - t0 >= 1.0  # Retry-After honoured
        assert [s.status for s in proxy.requests(digest)] == [429, 502, 200]

    def test_retries_are_bounded(self, pushed: Built, proxy: TestProxy) -> None:
        proxy.fail += [(lambda p: "/manifests/" in p, 503, {})] * 10
        with pytest.raises(ImageError) as e:
            open_registry_image(parse(f"docker://{proxy.address}/test/small:v1"), fast(retries=2))
        assert "HTTP 503" in str(e.value) and proxy.address in str(e.value)
        assert len(proxy.requests("/manifests/")) == 3

    def test_connection_refused(self) -> None:
        """Nobody listening: one quick retry, however many retries are allowed."""
        port = rs.free_port()
        t0 = time.monotonic()
        with pytest.raises(ImageError) as e:
            open_registry_image(parse(f"docker://127.0.0.1:{port}/x/y:1"), fast(retries=5))
        assert "cannot reach http://127.0.0.1:" in str(e.value)
        assert "after 2 attempts" in str(e.value)
        assert time.monotonic() - t0 < 5

    def test_tls(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        if REGISTRY_BIN is None or shutil.which("openssl") is None:
            pytest.skip("needs docker-registry and openssl")
        reg = start_own_registry(tmp_path / "tls-registry", tls=True)
        try:
            layout, built = single_image(tmp_path, "tls")
            push(layout, "v1", reg, "test/tls")
            ref = parse(f"docker://{reg.address}/test/tls:v1")
            with pytest.raises(ImageError) as e:
                open_registry_image(ref, fast(insecure_http=False))
            assert "TLS certificate of 127.0.0.1" in str(e.value)
            assert "--tls-verify=false" in str(e.value)
            src = open_registry_image(ref, fast(insecure_http=False, tls_verify=False))
            assert src.manifest_digest == built.manifest_digest
            digest, size = built.layers[0][0], built.layers[0][1]
            assert "bin/true" in read_layer_files(src.blobs.open_blob(digest, size))
            # trusted through the system's CA settings: verified and fine
            monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "tls-registry" / "cert.pem"))
            src = open_registry_image(ref, fast(insecure_http=False))
            assert src.manifest_digest == built.manifest_digest
        finally:
            reg.stop()

    def test_https_to_a_plain_http_registry(self, registry: Registry, pushed: Built) -> None:
        ref = parse(f"docker://{registry.address}/test/small:v1")
        with pytest.raises(ImageError, match="TLS"):
            open_registry_image(ref, fast(insecure_http=False))


# ======================================================================================
# Registry: authentication (htpasswd Basic, and token auth with a real token service)
# ======================================================================================


def bcrypt_hash(password: str) -> str:
    """A bcrypt hash for htpasswd: libcrypt via ``crypt`` (Python < 3.13) or apache2-utils."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt
    except ImportError:
        htpasswd = shutil.which("htpasswd")
        if htpasswd is None:
            pytest.skip("no bcrypt: needs Python's crypt module or htpasswd (apache2-utils)")
        out = subprocess.run(
            [htpasswd, "-nbB", "x", password], check=True, capture_output=True, text=True
        ).stdout
        return out.strip().split(":", 1)[1]
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))


@pytest.fixture(scope="module")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    if REGISTRY_BIN is None or SKOPEO is None:
        pytest.skip("needs Debian's docker-registry and skopeo")
    reg = start_own_registry(
        tmp_path_factory.mktemp("basic-registry"), users={"alice": "wonderland"}
    )
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def token_registry(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Registry, rs.TokenServer]]:
    if REGISTRY_BIN is None or SKOPEO is None:
        pytest.skip("needs Debian's docker-registry and skopeo")
    try:
        runner = rs.run_registry(
            "token",
            public_repos=["public/app"],
            parent_dir=tmp_path_factory.mktemp("token-registry"),
        )
        reg = runner.__enter__()
    except rs.MissingToolError as e:
        pytest.skip(str(e))
    assert reg.token_server is not None
    yield Registry(reg.host, reg.storage), reg.token_server
    runner.__exit__(None, None, None)


def auth_config(tmp_path: Path, registry: str, user: str, password: str) -> Path:
    return write_config(
        tmp_path / "docker",
        {"auths": {f"http://{registry}/v2/": {"auth": b64(f"{user}:{password}")}}},
    )


@needs_registry
class TestAuth:
    def test_basic_auth(self, basic_registry: Registry, tmp_path: Path) -> None:
        layout, built = single_image(tmp_path, "basic")
        push(layout, "v1", basic_registry, "team/app", creds="alice:wonderland")
        ref = parse(f"docker://{basic_registry.address}/team/app:v1")
        with pytest.raises(ImageError) as e:
            open_registry_image(ref, fast())
        assert "authentication required" in str(e.value)
        assert basic_registry.address in str(e.value) and "team/app" in str(e.value)
        good = auth_config(tmp_path / "good", basic_registry.address, "alice", "wonderland")
        src = open_registry_image(ref, fast(auth_file=good))
        assert src.manifest_digest == built.manifest_digest
        digest, size = built.layers[0][0], built.layers[0][1]
        assert "bin/true" in read_layer_files(src.blobs.open_blob(digest, size))
        bad = auth_config(tmp_path / "bad", basic_registry.address, "alice", "nope")
        with pytest.raises(ImageError, match=r"authentication failed.*credentials from"):
            open_registry_image(ref, fast(auth_file=bad))

    def test_authorization_not_sent_to_another_host(
        self, basic_registry: Registry, tmp_path: Path
    ) -> None:
        layout, built = single_image(tmp_path, "redirect")
        push(layout, "v1", basic_registry, "team/redirect", creds="alice:wonderland")
        proxy = TestProxy(basic_registry.address)
        storage = StorageHost(basic_registry)
        try:
            proxy.redirect_blobs_to = storage.url
            conf = auth_config(tmp_path, proxy.address, "alice", "wonderland")
            src = open_registry_image(
                parse(f"docker://{proxy.address}/team/redirect:v1"), fast(auth_file=conf)
            )
            digest, size = built.layers[0][0], built.layers[0][1]
            read_layer_files(src.blobs.open_blob(digest, size))
            assert len(storage.seen) == 2
            assert all("Authorization" not in s.headers for s in storage.seen)
            assert all(
                s.headers.get("Authorization", "").startswith("Basic ")
                for s in proxy.requests("/blobs/")
            )
        finally:
            proxy.close()
            storage.close()

    def test_token_anonymous_pull_of_public_repo(
        self, token_registry: tuple[Registry, rs.TokenServer], tmp_path: Path
    ) -> None:
        reg, tokens = token_registry
        layout, built = single_image(tmp_path, "public")
        push(layout, "v1", reg, "public/app", creds="alice:wonderland")
        tokens.requests.clear()
        src = open_registry_image(
            parse(f"docker://{reg.address}/public/app:v1"), fast(cache=BlobCache(tmp_path / "c"))
        )
        assert src.manifest_digest == built.manifest_digest
        digest, size = built.layers[0][0], built.layers[0][1]
        assert "bin/true" in read_layer_files(src.blobs.open_blob(digest, size))
        # one anonymous token for manifest, config and layer
        assert tokens.requests == [
            {
                "user": None,
                "scopes": ["repository:public/app:pull"],
                "service": [tokens.service],
                "status": 200,
            }
        ]
        # a second image of the same repository reuses the cached token
        open_registry_image(parse(f"docker://{reg.address}/public/app:v1"), fast())
        assert len(tokens.requests) == 1

    def test_token_private_repo(
        self,
        token_registry: tuple[Registry, rs.TokenServer],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        reg, tokens = token_registry
        layout, built = single_image(tmp_path, "private")
        push(layout, "v1", reg, "private/app", creds="alice:wonderland")
        ref = parse(f"docker://{reg.address}/private/app:v1")
        with pytest.raises(ImageError) as e:
            open_registry_image(ref, fast())
        assert "authentication required" in str(e.value) and "private/app" in str(e.value)
        # credentials from a temporary DOCKER_CONFIG, keyed host:port
        write_config(tmp_path / "dc", {"auths": {reg.address: {"auth": b64("alice:wonderland")}}})
        monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "dc"))
        tokens.requests.clear()
        src = open_registry_image(ref, RegistryOptions(backoff=0.01))
        assert src.manifest_digest == built.manifest_digest
        assert [(r["user"], r["scopes"]) for r in tokens.requests] == [
            ("alice", ["repository:private/app:pull"])
        ]
        write_config(tmp_path / "dc", {"auths": {reg.address: {"auth": b64("alice:wrong")}}})
        clear_token_cache()
        with pytest.raises(ImageError, match="refused the credentials"):
            open_registry_image(ref, RegistryOptions(backoff=0.01))

    def test_token_response_with_access_token_only(
        self,
        token_registry: tuple[Registry, rs.TokenServer],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """OAuth2-style token services answer ``access_token`` (no ``token``)."""
        reg, tokens = token_registry
        layout, built = single_image(tmp_path, "oauth")
        push(layout, "v1", reg, "public/app", creds="alice:wonderland")
        real_reply = tokens._reply

        def reply(h: Any, status: int, body: dict[str, Any]) -> None:
            real_reply(h, status, {k: v for k, v in body.items() if k != "token"})

        monkeypatch.setattr(tokens, "_reply", reply)
        src = open_registry_image(parse(f"docker://{reg.address}/public/app:v1"), fast())
        assert src.manifest_digest == built.manifest_digest


def test_credentials_repr_hides_secrets() -> None:
    c = Credentials(username="u", password="s3cret", identity_token="t0ken")
    assert "s3cret" not in repr(c) and "t0ken" not in repr(c)
