"""What every image source yields: a manifest, a config, and layer blobs to stream.

Sources (a registry, a docker archive, an OCI layout) differ only in how they
find the manifest and open a blob; everything after that -- layer streaming,
whiteouts, sizes, the final filesystem -- is shared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from .errors import ImageError as ImageError

# Media types (OCI image spec and Docker's v2 schema 2)
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)


@dataclass(frozen=True)
class Platform:
    """``os/arch[/variant]`` as in ``--platform linux/amd64``."""

    os: str = "linux"
    architecture: str = "amd64"
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        """From ``linux/amd64`` or ``linux/arm64/v8``."""
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"--platform {text!r}: expected OS/ARCH[/VARIANT]")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def matches(self, p: Mapping[str, Any]) -> bool:
        """Does an index entry's ``platform`` object match?"""
        if p.get("os") != self.os or p.get("architecture") != self.architecture:
            return False
        return self.variant is None or p.get("variant") in (None, self.variant)

    def __str__(self) -> str:
        return "/".join(x for x in (self.os, self.architecture, self.variant) if x)


@dataclass(frozen=True)
class Layer:
    """One layer of the chosen manifest."""

    digest: str  # of the (compressed) blob
    media_type: str
    size: int  # compressed size, from the manifest
    diff_id: str | None = None  # digest of the uncompressed tar, from the config
    created_by: str | None = None  # the history line that created it
    comment: str | None = None


class BlobOpener(Protocol):
    """Opens blobs of one image as verified streams."""

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        """A stream of the blob's bytes.

        Reading it to EOF verifies the digest (:class:`ImageError` on mismatch).
        """
        ...


@dataclass(frozen=True)
class ImageSource:
    """A resolved image: its manifest, config and layers, and a way to read blobs."""

    name: str  # as the user wrote it (for messages)
    transport: str
    manifest_digest: str | None
    manifest: Mapping[str, Any]
    config_digest: str | None
    config: Mapping[str, Any]
    layers: tuple[Layer, ...]
    blobs: BlobOpener
    annotations: Mapping[str, str] = field(default_factory=dict)
    index_digest: str | None = None  # when the reference named an index/list

    @property
    def compressed_size(self) -> int:
        """Bytes to download: the sum of the layer blobs (what registries show)."""
        return sum(layer.size for layer in self.layers)


def attach_history(layers: list[Layer], config: Mapping[str, Any]) -> list[Layer]:
    """Fill diff_id and created_by from the config (history entries of empty layers skipped).

    A config is the image's: what is not the spec's shape (a history entry that is
    not an object, a ``created_by`` that is not a string) is left out.
    """
    diff_ids = [
        d if isinstance(d, str) else None
        for d in list((config.get("rootfs") or {}).get("diff_ids") or [])
    ]
    history = [
        h
        for h in list(config.get("history") or [])
        if isinstance(h, dict) and not h.get("empty_layer")
    ]
    out = []
    for i, layer in enumerate(layers):
        h = history[i] if i < len(history) else {}
        created_by, comment = h.get("created_by"), h.get("comment")
        out.append(
            Layer(
                layer.digest,
                layer.media_type,
                layer.size,
                diff_ids[i] if i < len(diff_ids) else None,
                created_by if isinstance(created_by, str) else None,
                comment if isinstance(comment, str) else None,
            )
        )
    return out
