"""``FROM`` images: the Alpine variant of a Debian/Ubuntu-based base image.

Works on the image word *as written* (``python:${PY}-slim-bookworm``), so variables
survive: the tag is split at ``-`` (outside ``${…}``), the glibc variant words
(``slim``, ``bookworm``, ``jammy``…) are dropped and ``alpine`` is appended.  A digest
is dropped (it pins the Debian image).  Images with no Alpine variant, and images the
table does not know, are not translated: the result says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from .mapping import base_table


@dataclass(frozen=True)
class BaseResult:
    """What to do with one base image word."""

    new: str | None  # the replacement word; None when it is not translated
    already_alpine: bool  # the base is Alpine already (nothing to do)
    why: str  # for the report


def _split_tag_words(tag: str) -> list[str]:
    """``${V:-3.12}-slim`` → ["${V:-3.12}", "slim"]: split at ``-`` outside ``${…}``."""
    words: list[str] = []
    depth = 0
    cur = ""
    i = 0
    while i < len(tag):
        ch = tag[i]
        if ch == "$" and tag[i + 1:i + 2] == "{":
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


def _split_image(word: str) -> tuple[str, str | None, str | None]:
    """(name with registry, tag, digest) of an image word as written."""
    digest = None
    if "@" in word:
        word, digest = word.split("@", 1)
    slash = word.rfind("/")
    colon = word.rfind(":")
    if colon > slash:
        return word[:colon], word[colon + 1:], digest
    return word, None, digest


def _table_key(name: str) -> str:
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
    name, tag, _digest = _split_image(word)
    return _table_key(name) == "alpine" or (tag is not None and "alpine" in tag.lower())


def translate_base(word: str, resolved: str, release: str, pin_release: bool) -> BaseResult:
    """The Alpine counterpart of the base image ``word`` (``resolved``: ARGs substituted).

    ``release`` is the Alpine release for ``alpine:<release>``; with ``pin_release``
    the language images get ``-alpine<release>`` tags where the image publishes them.
    """
    table = base_table()
    if is_alpine_image(resolved) or is_alpine_image(word):
        return BaseResult(None, True, "already an Alpine image")
    name, tag, digest = _split_image(word)
    key = _table_key(name)
    r_name, r_tag, _ = _split_image(resolved)
    r_key = _table_key(r_name)
    if "$" in key:
        return BaseResult(None, False, f"the image name {name!r} is a build variable: "
                                       "translate its ARG default by hand")
    dropped = " (its Debian digest dropped: pin the Alpine image's digest)" if digest else ""
    if key in table.distributions or r_key in table.distributions:
        return BaseResult(f"alpine:{release}", False,
                          f"{table.distributions.get(key) or table.distributions[r_key]}"
                          f"{dropped}")
    if key in table.no_alpine:
        return BaseResult(None, False, table.no_alpine[key])
    rule = table.images.get(key)
    if rule is None:
        return BaseResult(None, False, f"unknown base image {key!r}: no Alpine variant is "
                                       "known to alpine-ready")
    words = _split_tag_words(tag) if tag else []
    if words and all("$" in w for w in words) and r_tag and not r_tag[:1].isdigit():
        return BaseResult(None, False, f"the tag {tag!r} is a build variable whose value "
                                       f"{r_tag!r} names a variant: translate its ARG "
                                       "default by hand")
    if tag is not None and "$" in tag and r_tag:
        # a variable whose value holds a glibc variant word (ARG SLIM=-slim, node:20$SLIM)
        # can't be dropped from the tag as written: node:20$SLIM-alpine is node:20-slim-alpine
        def variant(ws: list[str]) -> int:
            return sum(1 for w in ws if w.lower() in table.glibc_words
                       or w.lower() in rule.strip_words)
        if variant(_split_tag_words(r_tag)) > variant(words):
            return BaseResult(None, False, f"the tag {tag!r} takes a glibc variant from a "
                                           f"build variable ({r_tag!r}): translate its ARG "
                                           "default by hand")
    if tag in (None, "latest"):
        words = []
    kept: list[str] = []
    for w in words:
        low = w.lower()
        if low in rule.no_alpine_words:
            return BaseResult(None, False, rule.no_alpine_words[low])
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
        why += (f" (pinned to Alpine {release}: the bare alpine tag follows the newest "
                "Alpine release)")
    elif not kept and not rule.release_suffix:
        why += (" (the bare alpine tag follows the newest Alpine release: pin a version "
                "tag of the image)")
    if rule.replace_with:
        base_name = name[:len(name) - len(name.rsplit("/", 1)[-1])] + rule.replace_with
        why = rule.note
    if pin_release and not rule.release_suffix:
        why += f" (this image publishes no -alpine{release} tags: its -alpine tag follows " \
               "its own Alpine release)"
    return BaseResult(f"{base_name}:{new_tag}", False, why + dropped)
