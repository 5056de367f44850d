"""Base-image knowledge for the Dockerfile rules, loaded from versioned data files.

- :func:`alpine_support`: every Alpine release branch with its end of support
  (``data/alpine-support.json``, from alpinelinux.org/releases; provenance in the file);
- :func:`base_image_size`: approximate uncompressed sizes of common base images
  (``data/base-image-sizes.json``, from ``shared/docs/anchors.md``);
- :func:`alpine_counterpart`: the ``-alpine`` image of an official glibc-based image
  (``data/alpine-base-images.json``, shared with ``translate``);
- :func:`apt_package_known`: whether a Debian package has a reviewed Alpine equivalent
  (``data/apt-to-apk.json``, shared with ``translate``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import load_json

_VERSION = re.compile(r"^(\d+)\.(\d+)")


def _key(version: str) -> tuple[int, int] | None:
    m = _VERSION.match(version)
    return (int(m[1]), int(m[2])) if m else None


@dataclass(frozen=True)
class AlpineBranch:
    """One release branch (``3.20``) and the day its security support ends."""

    version: str
    end_of_support: dt.date
    confirmed: bool  # False: the date comes from a secondary source only


@dataclass(frozen=True)
class AlpineSupport:
    """Alpine release branches, oldest first, with where the dates come from."""

    branches: tuple[AlpineBranch, ...]
    source: str

    def branch(self, version: str) -> AlpineBranch | None:
        """The branch of ``version`` (``3.18.4`` → 3.18), or None when not in the table."""
        key = _key(version)
        return next((b for b in self.branches if _key(b.version) == key), None)

    def is_supported(self, version: str, today: dt.date) -> bool | None:
        """Whether ``version`` still gets security fixes on ``today``.

        A version older than every known branch is unsupported; one newer than every
        known branch (or not a version at all) is None: not known here.
        """
        key = _key(version)
        if key is None or not self.branches:
            return None
        b = self.branch(version)
        if b is not None:
            return today <= b.end_of_support
        oldest = _key(self.branches[0].version)
        if oldest is not None and key < oldest:
            return False
        return None

    def oldest_supported(self, today: dt.date) -> AlpineBranch | None:
        """The oldest branch still supported on ``today`` (None if none is known)."""
        return next((b for b in self.branches if today <= b.end_of_support), None)


@cache
def alpine_support() -> AlpineSupport:
    """The release-branch table of ``alpine-support.json``, oldest branch first."""
    d = load_json("alpine-support.json")
    branches = [AlpineBranch(v, dt.date.fromisoformat(e["end_of_support"]), bool(e["confirmed"]))
                for v, e in d["releases"].items()]
    branches.sort(key=lambda b: _key(b.version) or (0, 0))
    return AlpineSupport(tuple(branches), str(d["source"]))


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
    sizes = _sizes()
    return sizes.get(_size_key(name, tag))


@dataclass(frozen=True)
class AlpineImages:
    """Which official images publish ``-alpine`` variants, and how their tags read."""

    glibc_words: frozenset[str]  # tag words naming a glibc variant (slim, bookworm, …)
    distributions: frozenset[str]  # debian, ubuntu, …: replaced by alpine:<release>
    images: dict[str, dict[str, Any]]  # python → {"replace_with", "no_alpine_words", …}


@cache
def alpine_images() -> AlpineImages:
    """``alpine-base-images.json``; empty tables when the file is not installed."""
    try:
        d = load_json("alpine-base-images.json")
    except FileNotFoundError:
        return AlpineImages(frozenset(), frozenset(), {})
    return AlpineImages(frozenset(d["glibc_variant_words"]), frozenset(d["distributions"]),
                        dict(d["images"]))


def alpine_counterpart(repository: str, tag: str | None, release: str) -> str | None:
    """The Alpine image for an official glibc image, or None when there is none we know.

    ``repository`` is Docker Hub's (``library/python``); ``debian``/``ubuntu`` give
    ``alpine:<release>``; ``python:3.12-slim-bookworm`` gives ``python:3.12-alpine``
    (glibc variant words dropped, other words such as ``fpm`` kept).
    """
    if not repository.startswith("library/"):
        return None
    name = repository.removeprefix("library/")
    table = alpine_images()
    if name in table.distributions:
        return f"alpine:{release}"
    spec = table.images.get(name)
    if spec is None:
        return None
    words = [w for w in (tag or "latest").split("-") if w]
    if any(w in spec.get("no_alpine_words", {}) for w in words):
        return None
    drop = table.glibc_words | set(spec.get("strip_words", ())) | {"latest"}
    kept = [w for w in words if w not in drop]
    target = str(spec.get("replace_with", name))
    return f"{target}:{'-'.join([*kept, 'alpine'])}"


@cache
def _apt_names() -> frozenset[str]:
    try:
        d = load_json("apt-to-apk.json")
    except FileNotFoundError:
        return frozenset()
    return frozenset(d["entries"])


def apt_package_known(name: str) -> bool:
    """True when the Debian package ``name`` has a reviewed Alpine equivalent (or none needed)."""
    return name in _apt_names()
