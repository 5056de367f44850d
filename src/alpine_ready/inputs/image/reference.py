"""Image references in skopeo's transport syntax, which users already know.

``docker://REGISTRY/REPO:TAG`` (or ``@sha256:…``), bare ``alpine:3.20``
(= ``docker://docker.io/library/alpine:3.20``), ``docker-archive:FILE``,
``oci:DIR[:TAG]``, ``oci-archive:FILE[:TAG]``, ``docker-daemon:REF``, and a plain
directory (a root filesystem).

Whether a TARGET is a path or an image is decided in one place,
:func:`alpine_ready.inputs.target.classify`; :func:`parse` is its answer as an
:class:`ImageReference` (a path is the ``dir`` transport).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from pathlib import Path
from typing import Literal, NamedTuple

from ...errors import InputError

Transport = Literal["docker", "docker-archive", "oci", "oci-archive", "docker-daemon", "dir"]
TRANSPORTS: tuple[Transport, ...] = (
    "docker",
    "docker-archive",
    "oci",
    "oci-archive",
    "docker-daemon",
    "dir",
)
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"

_DIGEST = r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$"
_TAG = r"^[\w][\w.-]{0,127}$"
_REPO_COMPONENT = r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$"


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """``pattern``, compiled on first use.

    A docker-archive: or directory TARGET never needs the name patterns, and every
    command imports this module at start-up.
    """
    return re.compile(pattern)


class ImageReference(NamedTuple):
    """A parsed image reference (immutable).

    A named tuple rather than a frozen dataclass: every command that takes a TARGET
    imports this module at start-up, where making a dataclass costs ~20x as much.
    """

    transport: Transport
    # docker / docker-daemon
    registry: str | None = None  # host[:port], "docker.io" normalised
    repository: str | None = None  # "library/alpine"
    tag: str | None = None
    digest: str | None = None
    # archives / layouts / dirs
    path: Path | None = None

    @property
    def registry_host(self) -> str:
        """The host to speak to (Docker Hub's API host for docker.io)."""
        assert self.registry is not None
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def insecure_by_default(self) -> bool:
        """Plain HTTP, as Docker does, for localhost and 127.0.0.0/8 registries."""
        registry = self.registry or ""
        host = (
            registry.split("]")[0].lstrip("[")
            if registry.startswith("[")
            else registry.rsplit(":", 1)[0]
        )
        return is_loopback(host)

    @property
    def reference(self) -> str:
        """The digest if pinned, else the tag (``latest`` when neither was given)."""
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        if self.transport in ("docker", "docker-daemon"):
            name = f"{self.registry}/{self.repository}"
            suffix = f"@{self.digest}" if self.digest else f":{self.tag or 'latest'}"
            return (
                f"{self.transport}://{name}{suffix}"
                if self.transport == "docker"
                else f"docker-daemon:{name}{suffix}"
            )
        if self.transport == "dir":
            return str(self.path)
        extra = f":{self.tag}" if self.tag else ""
        return f"{self.transport}:{self.path}{extra}"


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1), brackets allowed."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BadImageName(InputError):
    """Text that is not a Docker image name; ``reason`` says why (without the text)."""

    def __init__(self, text: str, reason: str, *, quoted: bool = False) -> None:
        super().__init__(f"{text!r}: {reason}" if quoted else f"{text}: {reason}")
        self.reason = reason


def parse_docker_name(text: str) -> tuple[str, str, str | None, str | None]:
    """``[REGISTRY/]REPO[:TAG][@DIGEST]`` → (registry, repository, tag, digest), Docker's rules.

    Raises :class:`BadImageName` for anything else.
    """
    if not text or text != text.strip() or any(c.isspace() for c in text):
        raise BadImageName(text, "not an image name", quoted=True)
    name, digest = text, None
    if "@" in name:
        name, digest = name.split("@", 1)
        if not _compiled(_DIGEST).match(digest):
            raise BadImageName(text, f"invalid digest {digest!r}")
    tag = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
        if not _compiled(_TAG).match(tag):
            raise BadImageName(text, f"invalid tag {tag!r}")
    parts = name.split("/")
    first = parts[0]
    if len(parts) > 1 and (
        "." in first or ":" in first or first == "localhost" or first.startswith("[")
    ):
        registry, repo_parts = first, parts[1:]
    else:
        registry, repo_parts = DOCKER_HUB, parts
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and len(repo_parts) == 1:
        repo_parts = ["library", *repo_parts]
    for comp in repo_parts:
        if not _compiled(_REPO_COMPONENT).match(comp):
            raise BadImageName(text, f"invalid repository name component {comp!r}")
    if not tag and not digest:
        tag = "latest"
    return registry, "/".join(repo_parts), tag, digest


def parse(text: str) -> ImageReference:
    """Parse a TARGET: a transport reference, a bare image name, or a directory.

    :func:`alpine_ready.inputs.target.classify` decides which (an existing path wins
    over an image name); a path is returned as the ``dir`` transport.
    """
    from ..target import classify  # (target imports this module)

    target = classify(text)
    if target.image is not None:
        return target.image
    return ImageReference("dir", path=target.path)


def parse_transport(text: str) -> ImageReference | None:
    """``TRANSPORT:REST`` for an image transport, parsed; None when there is no such prefix.

    ``dir:`` is not an image transport (it names a path): None for it too.
    """
    for transport in TRANSPORTS:
        prefix = f"{transport}:"
        if not text.startswith(prefix) or transport == "dir":
            continue
        rest = text[len(prefix) :]
        if transport == "docker":
            if not rest.startswith("//"):
                raise InputError(f"{text}: expected docker://REGISTRY/REPO[:TAG]")
            reg, repo, tag, digest = parse_docker_name(rest[2:])
            return ImageReference("docker", registry=reg, repository=repo, tag=tag, digest=digest)
        if transport == "docker-daemon":
            reg, repo, tag, digest = parse_docker_name(rest)
            return ImageReference(
                "docker-daemon", registry=reg, repository=repo, tag=tag, digest=digest
            )
        if transport in ("oci", "oci-archive"):
            path, tag = _split_path_tag(rest)
            return ImageReference(transport, path=Path(path), tag=tag)
        return ImageReference(transport, path=Path(rest))
    return None


def _split_path_tag(rest: str) -> tuple[str, str | None]:
    """``DIR[:TAG]``: the tag is what follows the last ``:`` if the whole is not a path."""
    if ":" in rest and not Path(rest).exists():
        path, tag = rest.rsplit(":", 1)
        if tag and "/" not in tag:
            return path, tag
    return rest, None
