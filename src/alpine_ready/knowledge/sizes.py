"""Approximate uncompressed sizes of common base images (``data/base-image-sizes.json``).

From ``shared/docs/anchors.md`` (provenance in the file); lint AR303 quotes the saving.
:func:`base_image_size` reads the file through its only loader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import load_json


@dataclass(frozen=True)
class ImageSize:
    """An image's approximate uncompressed size, under the name the data file uses."""

    image: str  # the data file's key ("python:3.12-slim")
    uncompressed_mb: float


_ALPINE_SUFFIX = re.compile(r"-?alpine\d+\.\d+$")
_PATCH = re.compile(r"^(\d+\.\d+)\.\d+")


def _size_key(name: str, tag: str | None) -> str:
    if name == "alpine":
        return "alpine"
    tag = tag or "latest"
    tag = _PATCH.sub(r"\1", tag)
    tag = _ALPINE_SUFFIX.sub(lambda m: "-alpine" if m[0].startswith("-") else "alpine", tag)
    return f"{name}:{tag}"


@cache
def _sizes() -> dict[str, ImageSize]:
    d = load_json("base-image-sizes.json")["images"]
    out: dict[str, ImageSize] = {}
    for key, e in d.items():
        size = ImageSize(key, float(e["uncompressed_mb"]))
        out[key] = size
        for alias in e.get("aliases", ()):
            out[alias] = size
    return out


def base_image_size(name: str, tag: str | None) -> ImageSize | None:
    """The known size of image ``name:tag`` (``name`` as Docker Hub's short name), or None.

    Every ``alpine`` tag counts as ``alpine``; a patch version (``3.12.7``) and an Alpine
    release suffix (``-alpine3.23``) are dropped before the lookup.
    """
    return _sizes().get(_size_key(name, tag))
