"""Base images: which are Alpine, which are glibc, and the one rewrite to the Alpine variant.

``data/alpine-base-images.json`` is read by :func:`base_images`, its only loader; lint
(a stage's libc, AR301's fix, AR303's suggestion) and translate (the ``FROM`` rewrite)
all read it here, and both rewrite a base with :func:`alpine_counterpart` -- so lint's
suggestion and translate's output cannot disagree.

The rewrite works on the image word *as written* (``python:${PY}-slim-bookworm``), so
variables survive: the tag is split at ``-`` (outside ``${…}``), the glibc variant words
(``slim``, ``bookworm``, ``jammy``…) are dropped and ``alpine`` is appended.  A digest
is dropped (it pins the Debian image).  Images with no Alpine variant, and images the
table does not know, are not rewritten: the result says why.

The release tables (:mod:`.support`) and the sizes (:mod:`.sizes`) are re-exported here
for the rules that read them with the image table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from . import load_json
from .apt import apt_package_known
from .sizes import ImageSize, base_image_size
from .support import AlpineBranch, AlpineSupport, alpine_support

__all__ = [
    "AlpineBranch",
    "AlpineSupport",
    "BaseImages",
    "Counterpart",
    "ImageRule",
    "ImageSize",
    "alpine_counterpart",
    "alpine_support",
    "apt_package_known",
    "base_image_size",
    "base_images",
    "is_alpine_image",
    "split_image",
    "table_key",
]


@dataclass(frozen=True)
class ImageRule:
    """An official image with Alpine variants."""

    name: str
    release_suffix: bool  # publishes ``-alpineX.Y`` tags
    replace_with: str | None  # another image to use (openjdk → eclipse-temurin)
    no_alpine_words: Mapping[str, str]  # tag word → why there is no Alpine variant
    strip_words: frozenset[str]
    note: str


@dataclass(frozen=True)
class BaseImages:
    """``alpine-base-images.json``."""

    alpine_names: frozenset[str]  # images that are Alpine whatever their tag ("alpine")
    contents: Mapping[str, frozenset[str]]  # Alpine image → the tracked tools it has
    glibc_words: frozenset[str]  # tag words naming a glibc variant (slim, bookworm, …)
    distributions: Mapping[str, str]  # debian, ubuntu, …: replaced by alpine:<release>
    tool_images: frozenset[str]  # distributions carrying tools alpine:<release> lacks
    glibc_distributions: frozenset[str]  # fedora, ubi9, …: glibc, not rewritten
    images: Mapping[str, ImageRule]
    no_alpine: Mapping[str, str]  # image → why it has no Alpine variant

    def glibc_tag(self, tag: str | None) -> bool:
        """True when a tag word names a glibc variant (``3.12-slim``, ``20-bookworm``)."""
        return tag is not None and any(w.lower() in self.glibc_words for w in tag.split("-"))

    def glibc_image(self, short_name: str, repository: str) -> bool:
        """True for a glibc distribution image (``debian``, ``ubuntu``, ``redhat/ubi8``…)."""
        return any(
            n in self.distributions or n in self.glibc_distributions
            for n in (short_name, repository)
        )


@cache
def base_images() -> BaseImages:
    """The official-image table."""
    d = load_json("alpine-base-images.json")
    images = {
        name: ImageRule(
            name,
            bool(v.get("release_suffix")),
            v.get("replace_with"),
            dict(v.get("no_alpine_words", {})),
            frozenset(v.get("strip_words", ())),
            v.get("note", ""),
        )
        for name, v in d["images"].items()
    }
    return BaseImages(
        alpine_names=frozenset(d["alpine_images"]["names"]),
        contents={k: frozenset(v) for k, v in d["alpine_contents"]["images"].items()},
        glibc_words=frozenset(d["glibc_variant_words"]["words"]),
        distributions=dict(d["distributions"]),
        tool_images=frozenset(d["tool_images"]["names"]),
        glibc_distributions=frozenset(d["glibc_distributions"]["names"]),
        images=images,
        no_alpine=dict(d["no_alpine"]),
    )


# -- the rewrite -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counterpart:
    """The Alpine counterpart of one base image word."""

    new: str | None  # the replacement word; None when it is not rewritten
    already_alpine: bool  # the base is Alpine already (nothing to do)
    why: str  # for a report
    image: str = ""  # the table's key for the image ("python", "debian"), when known
    carries_tools: bool = False  # the image had tools its Alpine counterpart lacks


def _split_tag_words(tag: str) -> list[str]:
    """``${V:-3.12}-slim`` → ["${V:-3.12}", "slim"]: split at ``-`` outside ``${…}``."""
    words: list[str] = []
    depth = 0
    cur = ""
    i = 0
    while i < len(tag):
        ch = tag[i]
        if ch == "$" and tag[i + 1 : i + 2] == "{":
            depth += 1
            cur += "${"
            i += 2
            continue
        if ch == "}" and depth:
            depth -= 1
        if ch == "-" and depth == 0:
            words.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    words.append(cur)
    return words


def split_image(word: str) -> tuple[str, str | None, str | None]:
    """(name with registry, tag, digest) of an image word as written."""
    digest = None
    if "@" in word:
        word, digest = word.split("@", 1)
    slash = word.rfind("/")
    colon = word.rfind(":")
    if colon > slash:
        return word[:colon], word[colon + 1 :], digest
    return word, None, digest


def table_key(name: str) -> str:
    """``docker.io/library/python`` → ``python``; ``gcr.io/distroless/cc`` unchanged."""
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        if parts[0] in ("docker.io", "index.docker.io", "registry-1.docker.io"):
            parts = parts[1:]
        else:
            return name
    if len(parts) == 2 and parts[0] == "library":
        parts = parts[1:]
    return "/".join(parts)


def is_alpine_image(word: str) -> bool:
    """True when the image word names an Alpine image (``alpine``, ``*-alpine*`` tags)."""
    name, tag, _digest = split_image(word)
    return table_key(name) in base_images().alpine_names or (
        tag is not None and "alpine" in tag.lower()
    )


def _variant_from_variable(
    table: BaseImages, rule: ImageRule, tag: str | None, words: list[str], r_tag: str | None
) -> str | None:
    """Why a tag written with variables cannot be rewritten as written (None: it can)."""
    if words and all("$" in w for w in words) and r_tag and not r_tag[:1].isdigit():
        return (
            f"the tag {tag!r} is a build variable whose value {r_tag!r} names a "
            "variant: translate its ARG default by hand"
        )
    if tag is not None and "$" in tag and r_tag:
        # a variable whose value holds a glibc variant word (ARG SLIM=-slim, node:20$SLIM)
        # can't be dropped from the tag as written: node:20$SLIM-alpine is node:20-slim-alpine
        def variant(ws: list[str]) -> int:
            return sum(
                1 for w in ws if w.lower() in table.glibc_words or w.lower() in rule.strip_words
            )

        if variant(_split_tag_words(r_tag)) > variant(words):
            return (
                f"the tag {tag!r} takes a glibc variant from a build variable "
                f"({r_tag!r}): translate its ARG default by hand"
            )
    return None


def alpine_counterpart(
    word: str, release: str, *, resolved: str | None = None, pin_release: bool = False
) -> Counterpart:
    """The Alpine counterpart of the base image ``word`` (``resolved``: ARGs substituted).

    ``release`` is the Alpine release for ``alpine:<release>``; with ``pin_release`` the
    language images get ``-alpine<release>`` tags where the image publishes them.  An
    untagged (or ``latest``) language image is pinned too: its bare ``alpine`` tag would
    follow the newest Alpine release (lint AR301).
    """
    resolved = word if resolved is None else resolved
    table = base_images()
    if is_alpine_image(resolved) or is_alpine_image(word):
        return Counterpart(None, True, "already an Alpine image")
    name, tag, digest = split_image(word)
    key = table_key(name)
    r_name, r_tag, _ = split_image(resolved)
    r_key = table_key(r_name)
    if "$" in key:
        return Counterpart(
            None,
            False,
            f"the image name {name!r} is a build variable: translate its ARG default by hand",
        )
    dropped = " (its Debian digest dropped: pin the Alpine image's digest)" if digest else ""
    for k in (key, r_key):
        if k in table.distributions:
            return Counterpart(
                f"alpine:{release}",
                False,
                f"{table.distributions[k]}{dropped}",
                k,
                k in table.tool_images,
            )
    if key in table.no_alpine:
        return Counterpart(None, False, table.no_alpine[key], key)
    rule = table.images.get(key)
    if rule is None:
        return Counterpart(
            None, False, f"unknown base image {key!r}: no Alpine variant is known to alpine-ready"
        )
    words = _split_tag_words(tag) if tag else []
    why_not = _variant_from_variable(table, rule, tag, words, r_tag)
    if why_not is not None:
        return Counterpart(None, False, why_not, key)
    if tag in (None, "latest"):
        words = []
    kept: list[str] = []
    for w in words:
        low = w.lower()
        if low in rule.no_alpine_words:
            return Counterpart(None, False, rule.no_alpine_words[low], key)
        if low in table.glibc_words or low in rule.strip_words:
            continue
        kept.append(w)
    # an untagged (or latest) base would become the bare `alpine` tag, which follows the
    # newest Alpine release (lint AR301): pin the release where the image publishes one
    bare = not kept and rule.release_suffix
    suffix = f"alpine{release}" if (pin_release or bare) and rule.release_suffix else "alpine"
    new_tag = "-".join([*kept, suffix])
    base_name = name
    why = "the image's Alpine variant"
    if bare and not pin_release:
        why += (
            f" (pinned to Alpine {release}: the bare alpine tag follows the newest Alpine release)"
        )
    elif not kept and not rule.release_suffix:
        why += (
            " (the bare alpine tag follows the newest Alpine release: pin a version "
            "tag of the image)"
        )
    if rule.replace_with:
        base_name = name[: len(name) - len(name.rsplit("/", 1)[-1])] + rule.replace_with
        why = rule.note
    if pin_release and not rule.release_suffix:
        why += (
            f" (this image publishes no -alpine{release} tags: its -alpine tag follows "
            "its own Alpine release)"
        )
    return Counterpart(f"{base_name}:{new_tag}", False, why + dropped, key)
