"""Local image sources: OCI image layouts, OCI archives and ``docker save`` archives.

Each yields an :class:`~.model.ImageSource` whose blobs are read in place (a
layout's ``blobs/`` file, a member of the archive tar) through a verifying
stream: nothing is extracted.  Their blob openers also hand out a blob as a
local region (``open_local``): a seekable stream over its bytes, and the
:class:`~.digests.Region` for :class:`~.digests.RegionDigests` to verify apart.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from .digests import Region, check_digest, file_identity
from .localfiles import MAX_JSON, FileRegion, Member, docker_save_layers, list_members
from .model import (
    DOCKER_MANIFEST,
    INDEX_TYPES,
    MANIFEST_TYPES,
    ImageError,
    ImageSource,
    Layer,
    Platform,
    attach_history,
)
from .tarstream import TarError
from .verify import VerifyingReader, verify_bytes

REF_NAME = "org.opencontainers.image.ref.name"
DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar"


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ImageError(f"{what}: not valid JSON ({exc})") from None
    except RecursionError:
        raise ImageError(f"{what}: not valid JSON (nested too deeply)") from None


class _LayoutBlobs:
    """Blobs of an OCI layout directory."""

    def __init__(self, root: Path, name: str) -> None:
        self.root, self.name = root, name

    def _path(self, digest: str) -> Path:
        algo, hexd = check_digest(digest, f"{self.name}: blob").split(":", 1)
        path = self.root / "blobs" / algo / hexd
        if path.is_symlink() or not path.is_file():
            raise ImageError(f"{self.name}: blob {digest} is missing from the layout")
        return path

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        path = self._path(digest)
        return VerifyingReader(
            path.open("rb", buffering=0),
            digest,
            size,
            f"{self.name}: blob {digest}",
            background=True,
        )

    def open_local(self, digest: str, size: int | None = None) -> tuple[Region, BinaryIO]:
        """The blob as a region to verify apart, and a seekable stream over it.

        The stream is not verified (see :class:`~.verify.RegionDigests`); closing it
        closes the file.
        """
        fh = self._path(digest).open("rb", buffering=0)
        try:
            fd = fh.fileno()
            identity = file_identity(fd)
        except OSError:
            fh.close()
            raise
        region = Region(fd, 0, identity[2], digest, size, f"{self.name}: blob {digest}", identity)
        return region, FileRegion(fd, 0, identity[2], owner=fh)  # type: ignore[return-value]

    def read_small(self, digest: str, size: int | None, what: str) -> bytes:
        path = self._path(digest)
        if path.stat().st_size > MAX_JSON:
            raise ImageError(f"{self.name}: {what} {digest} is larger than {MAX_JSON} bytes")
        return verify_bytes(path.read_bytes(), digest, size, f"{self.name}: {what} {digest}")


class _TarBlobs:
    """Members of an (uncompressed, seekable) archive tar, read in place.

    The archive is listed once, from its headers alone (the content is seeked
    over), and every member is then read with ``pread``, which never moves the
    file offset: a forked child reads through the descriptor it inherits without
    disturbing its parent or its siblings, even once the file is unlinked (a
    spooled docker-daemon archive).
    """

    def __init__(self, path: Path, name: str, prefix: str = "") -> None:
        self.path, self.name, self.prefix = path, name, prefix
        fh: BinaryIO | None = None
        try:
            fh = path.open("rb", buffering=0)  # lives with the source
            self.members = list_members(fh.fileno(), os.fstat(fh.fileno()).st_size)
        except (TarError, OSError) as exc:
            if fh is not None:
                fh.close()
            raise ImageError(f"{name}: not a readable tar archive ({exc})") from None
        self._fh: BinaryIO = fh

    def member(self, name: str, what: str) -> Member:
        m = self.members.get(name)
        if m is None or m.kind not in ("file", "sparse"):
            raise ImageError(f"{self.name}: {what} {name!r} is missing from the archive")
        if m.kind == "sparse":
            raise ImageError(
                f"{self.name}: {what} {name!r} is a sparse file (image tools "
                "never write one): not read"
            )
        return m

    def read_member(self, name: str, what: str) -> bytes:
        m = self.member(name, what)
        if m.size > MAX_JSON:
            raise ImageError(f"{self.name}: {what} {name!r} is larger than {MAX_JSON} bytes")
        data = os.pread(self._fh.fileno(), m.size, m.offset)
        if len(data) != m.size:
            raise ImageError(f"{self.name}: {what} {name!r} is cut short")
        return data

    def open_region(self, name: str, what: str) -> BinaryIO:
        """A member's bytes, read in place with ``pread``."""
        m = self.member(name, what)
        return FileRegion(self._fh.fileno(), m.offset, m.size)  # type: ignore[return-value]

    def local_region(
        self, name: str, digest: str, size: int | None, what: str
    ) -> tuple[Region, BinaryIO]:
        """Member ``name`` as a region to verify apart and a seekable stream over it.

        The stream does not own the archive's handle.
        """
        m = self.member(name, what)
        fd = self._fh.fileno()
        region = Region(fd, m.offset, m.size, digest, size, what, file_identity(fd))
        return region, FileRegion(fd, m.offset, m.size)  # type: ignore[return-value]

    def blob_name(self, digest: str) -> str:
        algo, hexd = check_digest(digest, f"{self.name}: blob").split(":", 1)
        return f"{self.prefix}blobs/{algo}/{hexd}"

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        fh = self.open_region(self.blob_name(digest), "blob")
        return VerifyingReader(fh, digest, size, f"{self.name}: blob {digest}", background=True)

    def open_local(self, digest: str, size: int | None = None) -> tuple[Region, BinaryIO] | None:
        """The blob as a region to verify apart and a seekable stream (see _LayoutBlobs)."""
        return self.local_region(
            self.blob_name(digest), digest, size, f"{self.name}: blob {digest}"
        )

    def read_small(self, digest: str, size: int | None, what: str) -> bytes:
        data = self.read_member(self.blob_name(digest), what)
        return verify_bytes(data, digest, size, f"{self.name}: {what} {digest}")


def _pick(
    index: Mapping[str, Any], tag: str | None, platform: Platform, name: str
) -> Mapping[str, Any]:
    """The manifest descriptor an index designates (by tag annotation, then platform)."""
    manifests = list(index.get("manifests") or [])
    if not manifests:
        raise ImageError(f"{name}: the index lists no manifests")
    if tag is not None:
        tagged = [m for m in manifests if (m.get("annotations") or {}).get(REF_NAME) == tag]
        if not tagged:
            tags = sorted(
                {str(t) for m in manifests if (t := (m.get("annotations") or {}).get(REF_NAME))}
            )
            raise ImageError(f"{name}: no image tagged {tag!r} (tags: {', '.join(tags) or 'none'})")
        manifests = tagged
    if len(manifests) == 1 and not (manifests[0].get("platform")):
        return manifests[0]  # type: ignore[no-any-return]
    matching = [m for m in manifests if platform.matches(m.get("platform") or {})]
    if matching:
        return matching[0]  # type: ignore[no-any-return]
    if len(manifests) == 1:
        return manifests[0]  # type: ignore[no-any-return]
    have = sorted({"/".join(str(v) for v in (m.get("platform") or {}).values()) for m in manifests})
    raise ImageError(f"{name}: no manifest for platform {platform} (available: {', '.join(have)})")


def _from_index(
    blobs: _LayoutBlobs | _TarBlobs,
    index: Mapping[str, Any],
    tag: str | None,
    platform: Platform,
    name: str,
    transport: str,
) -> ImageSource:
    desc = _pick(index, tag, platform, name)
    index_digest = None
    for _depth in range(4):  # nested indexes
        media = desc.get("mediaType")
        data = blobs.read_small(desc["digest"], desc.get("size"), "manifest")
        doc = _json(data, f"{name}: manifest {desc['digest']}")
        media = doc.get("mediaType") or media
        if media in INDEX_TYPES or "manifests" in doc:
            index_digest = desc["digest"]
            desc = _pick(doc, None, platform, name)
            continue
        if media not in MANIFEST_TYPES and "layers" not in doc:
            raise ImageError(f"{name}: unsupported manifest media type {media!r}")
        return _from_manifest(blobs, doc, desc["digest"], name, transport, index_digest)
    raise ImageError(f"{name}: indexes nested too deeply")


def _from_manifest(
    blobs: _LayoutBlobs | _TarBlobs,
    manifest: Mapping[str, Any],
    digest: str | None,
    name: str,
    transport: str,
    index_digest: str | None,
) -> ImageSource:
    cfg_desc = manifest.get("config") or {}
    config = _json(
        blobs.read_small(cfg_desc.get("digest", ""), cfg_desc.get("size"), "config"),
        f"{name}: config",
    )
    layers = [
        Layer(d["digest"], d.get("mediaType", ""), int(d.get("size", 0)))
        for d in manifest.get("layers") or []
    ]
    for layer in layers:
        check_digest(layer.digest, f"{name}: layer")
    return ImageSource(
        name=name,
        transport=transport,
        manifest_digest=digest,
        manifest=manifest,
        config_digest=cfg_desc.get("digest"),
        config=config,
        layers=tuple(attach_history(layers, config)),
        blobs=blobs,
        annotations=dict(manifest.get("annotations") or {}),
        index_digest=index_digest,
    )


def open_oci_layout(root: Path, tag: str | None, platform: Platform) -> ImageSource:
    """``oci:DIR[:TAG]``."""
    name = f"oci:{root}" + (f":{tag}" if tag else "")
    if not (root / "index.json").is_file():
        raise ImageError(f"{name}: not an OCI image layout (no index.json)")
    layout = root / "oci-layout"
    if layout.is_file():
        version = _json(layout.read_bytes()[:4096], f"{name}: oci-layout").get("imageLayoutVersion")
        if version != "1.0.0":
            raise ImageError(f"{name}: unsupported imageLayoutVersion {version!r}")
    if (root / "index.json").stat().st_size > MAX_JSON:
        raise ImageError(f"{name}: index.json is larger than {MAX_JSON} bytes")
    index = _json((root / "index.json").read_bytes(), f"{name}: index.json")
    return _from_index(_LayoutBlobs(root, name), index, tag, platform, name, "oci")


def open_oci_archive(path: Path, tag: str | None, platform: Platform) -> ImageSource:
    """``oci-archive:FILE[:TAG]``: a tar of an OCI layout."""
    name = f"oci-archive:{path}" + (f":{tag}" if tag else "")
    blobs = _TarBlobs(path, name)
    index = _json(blobs.read_member("index.json", "index"), f"{name}: index.json")
    return _from_index(blobs, index, tag, platform, name, "oci-archive")


def open_docker_archive(path: Path, tag: str | None = None) -> ImageSource:
    """``docker-archive:FILE``: what ``docker save`` writes (legacy and OCI-style)."""
    name = f"docker-archive:{path}"
    blobs = _TarBlobs(path, name)
    if "manifest.json" not in blobs.members:
        if "index.json" in blobs.members:  # a plain OCI archive under the wrong name
            return open_oci_archive(path, tag, Platform())
        raise ImageError(f"{name}: no manifest.json (not a docker save archive)")
    entries = _json(blobs.read_member("manifest.json", "manifest"), f"{name}: manifest.json")
    if not isinstance(entries, list) or not entries:
        raise ImageError(f"{name}: manifest.json lists no image")
    entry = entries[0]
    if tag is not None:
        match = [e for e in entries if tag in (e.get("RepoTags") or [])]
        if not match:
            raise ImageError(f"{name}: no image tagged {tag!r}")
        entry = match[0]
    config_name = entry.get("Config", "")
    config_bytes = blobs.read_member(config_name, "config")
    # docker save names the config by its digest: "<hex>.json" or "blobs/sha256/<hex>"
    m = re.fullmatch(r"(?:blobs/sha256/)?([0-9a-f]{64})(?:\.json)?", config_name)
    if m:
        verify_bytes(config_bytes, f"sha256:{m.group(1)}", None, f"{name}: config")
    config = _json(config_bytes, f"{name}: config")
    pairs = docker_save_layers(entry, config, name)
    layers = [
        Layer(digest, DOCKER_LAYER_TAR, blobs.member(member_name, "layer").size)
        for member_name, digest in pairs
    ]
    source_blobs = _DockerArchiveBlobs(blobs, {digest: member for member, digest in pairs})
    manifest = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "layers": [{"digest": la.digest, "size": la.size} for la in layers],
    }
    return ImageSource(
        name=name,
        transport="docker-archive",
        manifest_digest=None,
        manifest=manifest,
        config_digest=None,
        config=config,
        layers=tuple(attach_history(layers, config)),
        blobs=source_blobs,
        annotations={"repo_tags": ",".join(entry.get("RepoTags") or [])},
    )


class _DockerArchiveBlobs:
    """Layer blobs of a docker-save archive, by digest."""

    def __init__(self, tar: _TarBlobs, names: dict[str, str]) -> None:
        self.tar, self.names = tar, names

    def _member(self, digest: str) -> str:
        member = self.names.get(digest)
        if member is None:
            raise ImageError(f"{self.tar.name}: no layer {digest}")
        return member

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        member = self._member(digest)
        fh = self.tar.open_region(member, "layer")
        return VerifyingReader(
            fh, digest, size, f"{self.tar.name}: layer {member}", background=True
        )

    def open_local(self, digest: str, size: int | None = None) -> tuple[Region, BinaryIO] | None:
        """The layer as a region to verify apart and a seekable stream (see _LayoutBlobs)."""
        member = self._member(digest)
        return self.tar.local_region(member, digest, size, f"{self.tar.name}: layer {member}")
