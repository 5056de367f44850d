"""``docker-daemon:REF``: an image from a local Docker engine, through its socket.

The engine's ``GET /images/{name}/get`` streams exactly what ``docker save``
writes; it is spooled into the cache directory (a docker-save tar needs random
access) and read as a ``docker-archive:``.  Without a socket the reference
fails with a one-line error saying how to get an archive instead.
"""

from __future__ import annotations

import http.client
import os
import socket
import tempfile
import urllib.parse
from pathlib import Path

from ...errors import InputError
from ...guard.write import TEMP_SUFFIX
from .archive import open_docker_archive
from .cachedir import make_cache_dir
from .model import ImageSource
from .reference import ImageReference

DEFAULT_SOCKET = Path("/var/run/docker.sock")
API_VERSION = "v1.41"
_CHUNK = 1 << 20


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


def docker_socket() -> Path:
    """The engine socket: ``$DOCKER_HOST`` (``unix://…``) or the default path."""
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        return Path(host[len("unix://") :])
    return DEFAULT_SOCKET


def open_daemon_image(
    ref: ImageReference, spool_dir: Path | None, timeout: float = 300
) -> ImageSource:
    """Save the image from the engine into a spool file and open it as an archive."""
    sock = docker_socket()
    if not sock.exists():
        raise InputError(
            f"{ref}: no Docker daemon here ({sock} does not exist); "
            "use docker-archive: with the output of docker save"
        )
    repo = ref.repository or ""
    if ref.registry and ref.registry != "docker.io":
        repo = f"{ref.registry}/{repo}"
    elif repo.startswith("library/"):
        repo = repo[len("library/") :]
    name = f"{repo}@{ref.digest}" if ref.digest else f"{repo}:{ref.tag or 'latest'}"
    conn = _UnixConnection(str(sock), timeout)
    try:
        conn.request("GET", f"/{API_VERSION}/images/{urllib.parse.quote(name, safe='')}/get")
        resp = conn.getresponse()
        if resp.status != 200:
            detail = resp.read(2000).decode("utf-8", "replace").strip()
            raise InputError(f"{ref}: the Docker daemon answered {resp.status}: {detail}")
        spool_dir = spool_dir or Path(tempfile.gettempdir())
        make_cache_dir(spool_dir)
        fd, tmp = tempfile.mkstemp(prefix="docker-save-", suffix=TEMP_SUFFIX, dir=spool_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := resp.read(_CHUNK):
                    out.write(chunk)
        except BaseException:  # an error, Ctrl-C, SIGTERM: no spool file is left behind
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"{ref}: cannot talk to the Docker daemon at {sock}: {exc}") from None
    finally:
        conn.close()
    try:
        return open_docker_archive(Path(tmp))
    finally:
        Path(tmp).unlink()  # the archive stays open for reading; nothing is left behind
