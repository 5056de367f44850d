"""Open any image reference as an :class:`~.model.ImageSource`, and analyse it.

``open_image`` dispatches on the transport; ``analyse`` streams every layer
(once per layer digest, thanks to the cache) and builds the final filesystem.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from .archive import open_docker_archive, open_oci_archive, open_oci_layout
from .filesystem import ImageFS, build
from .layers import LayerAnalysis, analyse_layer, load_cached, store_cached
from .model import ImageError, ImageSource, Platform
from .reference import ImageReference

log = logging.getLogger(__name__)

def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/alpine-ready`` or ``~/.cache/alpine-ready``."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "alpine-ready"


@dataclass(frozen=True)
class ImageOptions:
    """How to reach images."""

    platform: Platform = field(default_factory=Platform)
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    cache_max_bytes: int = 20 << 30
    tls_verify: bool = True
    auth_file: Path | None = None


def open_image(ref: ImageReference, options: ImageOptions) -> ImageSource:
    """The image a reference names (raises ImageError / InputError)."""
    if ref.transport == "oci":
        assert ref.path is not None
        return open_oci_layout(ref.path, ref.tag, options.platform)
    if ref.transport == "oci-archive":
        assert ref.path is not None
        return open_oci_archive(ref.path, ref.tag, options.platform)
    if ref.transport == "docker-archive":
        assert ref.path is not None
        if not ref.path.is_file():
            raise InputError(f"{ref}: no such file")
        return open_docker_archive(ref.path)
    if ref.transport == "docker-daemon":
        from .daemon import open_daemon_image

        spool = options.cache_dir / "daemon" if options.cache_dir else None
        return open_daemon_image(ref, spool)
    if ref.transport == "docker":
        from .blobcache import BlobCache
        from .registry import RegistryOptions, open_registry_image

        cache = (BlobCache(options.cache_dir / "blobs", options.cache_max_bytes)
                 if options.cache_dir else None)
        return open_registry_image(ref, RegistryOptions(
            tls_verify=options.tls_verify, platform=options.platform, cache=cache,
            auth_file=options.auth_file))
    raise InputError(f"{ref}: a directory is not an image")


@dataclass
class AnalysedImage:
    """An image with every layer analysed and its final filesystem built."""

    source: ImageSource
    layers: list[LayerAnalysis]
    fs: ImageFS

    @property
    def uncompressed_size(self) -> int:
        """Bytes of all layer tars (what ``docker images`` calls the size)."""
        return sum(la.uncompressed_size for la in self.layers)

    @property
    def warnings(self) -> list[str]:
        """Every warning the layers raised."""
        return [w for la in self.layers for w in la.warnings]


Progress = Callable[[int, int | None, str], None]


def analyse(source: ImageSource, cache_dir: Path | None,
            progress: Progress | None = None, *, elves: bool = True) -> AnalysedImage:
    """Stream and analyse every layer (cached by digest), then build the final filesystem.

    ``elves=False``: the light analysis (no ELF records), enough for ``inspect``.
    """
    analyses: list[LayerAnalysis] = []
    total = len(source.layers)
    for i, layer in enumerate(source.layers, 1):
        cached = load_cached(cache_dir, layer.digest, elves=elves)
        if cached is not None:
            log.info("%s: layer %d/%d %s: cached analysis", source.name, i, total, layer.digest)
            analyses.append(cached)
            continue
        if progress:
            progress(i - 1, total, f"layer {i}/{total} {layer.digest[:19]}")
        blob = source.blobs.open_blob(layer.digest, layer.size)
        try:
            analysis = analyse_layer(blob, layer, source.name, elves=elves)
        finally:
            blob.close()
        store_cached(cache_dir, analysis)
        analyses.append(analysis)
    if progress:
        progress(total, total, "layers")
    return AnalysedImage(source, analyses, build(analyses))


__all__ = ["AnalysedImage", "ImageError", "ImageOptions", "analyse", "open_image"]
