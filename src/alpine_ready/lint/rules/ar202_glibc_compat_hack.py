"""AR202 glibc-compat-hack: glibc itself installed on Alpine, sgerrand-style.

Fires once per instruction of an Alpine stage that shows the hack: a ``glibc-*.apk``
file (downloaded or installed), sgerrand's signing key ``sgerrand.rsa.pub``, the
``/usr/glibc-compat`` prefix (in a RUN, an ENV value, a COPY/ADD argument), or an
``apk add`` of the ``glibc``/``glibc-bin``/``glibc-i18n`` packages.  Also fires on a
``FROM`` of an ``alpine-glibc`` image (frolvlad/alpine-glibc and the like), which is the
same hack prebuilt.  The package names, file pattern, markers and image pattern are
``knowledge/data/glibc-compat-hacks.json``'s.  No fix: the way out (gcompat, a musl
build, a glibc base) is a decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...dockerfile import Instruction, Position
from ...knowledge.compat import glibc_compat_hacks
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import expanded, run_words, word_point

META = RuleMeta(
    code="AR202",
    name="glibc-compat-hack",
    severity=Severity.WARNING,
    category="musl",
    doc=RuleDoc(
        summary="glibc is installed on Alpine (sgerrand glibc .apk or an alpine-glibc image)",
        what="An Alpine stage that installs glibc next to musl: `glibc-*.apk` packages "
        "(sgerrand/alpine-pkg-glibc), its `sgerrand.rsa.pub` key, the "
        "`/usr/glibc-compat` prefix, `apk add --allow-untrusted glibc…`, or a base "
        "image such as `frolvlad/alpine-glibc`.",
        why="Two C libraries in one image: programs work until one loads a library built "
        "against the other, locale and NSS files are not shared, and the glibc "
        "packages are unofficial, unsigned by Alpine and no longer maintained (the "
        "last sgerrand release is glibc 2.35). Upgrading Alpine can break them.",
        example="FROM alpine:3.20\nRUN wget -q -O /etc/apk/keys/sgerrand.rsa.pub "
        "https://alpine-pkgs.sgerrand.com/sgerrand.rsa.pub \\\n && wget "
        "https://github.com/sgerrand/alpine-pkg-glibc/releases/download/2.35-r1/"
        "glibc-2.35-r1.apk \\\n && apk add --no-cache glibc-2.35-r1.apk",
        instead="FROM alpine:3.20\n# for simple glibc programs: Alpine's compatibility "
        "layer\nRUN apk add --no-cache gcompat\n# or a musl build of the program, "
        "or FROM debian:bookworm-slim",
    ),
)

_HACKS = glibc_compat_hacks()
_APK_FILE = _HACKS.apk_file
_MARKERS = _HACKS.markers
_PACKAGES = _HACKS.packages
_IMAGE = _HACKS.image


def _marker(text: str) -> tuple[str, str] | None:
    """(the text found, what it is) for the first sign of the hack in ``text``."""
    hits: list[tuple[int, str, str]] = []
    for needle, what in _MARKERS:
        i = text.find(needle)
        if i >= 0:
            hits.append((i, needle, what))
    for token in re.finditer(r"[^\s\"'=:]+", text):
        if _APK_FILE.search(token[0]):
            name = token[0].rsplit("/", 1)[-1]
            hits.append(
                (token.start() + len(token[0]) - len(name), name, f"the glibc package {name}")
            )
    if not hits:
        return None
    _, needle, what = min(hits)
    return needle, what


def _message(what: str) -> str:
    return (
        f"glibc installed on Alpine ({what}): two C libraries in one image, from "
        f"unofficial packages; use gcompat (apk add gcompat) for simple glibc programs, "
        f"a musl build of the program, or a glibc base image (debian:bookworm-slim)"
    )


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """At most one finding per instruction."""
        for stage in ctx.stages:
            image = stage.base_image
            if image is not None and _IMAGE.search(image.repository):
                yield ctx.finding(
                    META, stage.base_position, _message(f"the base image {image.text}")
                )
            if not ctx.is_alpine(stage):
                continue
            found: dict[int, tuple[Position, str]] = {}
            apk_packages = {
                w.start
                for _, c in ctx.commands(stage, "apk")
                if c.subcommand == "add"
                for w in c.operands
                if w.value in _PACKAGES
                or (w.value.rsplit("/", 1)[-1].startswith("glibc") and w.value.endswith(".apk"))
            }
            for ins, _cmd, word in run_words(ctx, stage):
                text = word.value if word.static else expanded(ctx, ins, word.raw)
                hit = _marker(text)
                if hit is None and word.start in apk_packages:
                    hit = (word.value, f"apk add {word.value}")
                if hit is None:
                    continue
                at = word_point(word, max(word.raw.find(hit[0]), 0))
                if ins.index not in found or at < found[ins.index][0]:
                    found[ins.index] = (at, hit[1])
            for ins in stage.instructions:
                if ins.keyword in ("ENV", "COPY", "ADD", "ARG") and ins.index not in found:
                    got = _arguments(ins)
                    if got is not None:
                        found[ins.index] = got
            for _, (at, what) in sorted(found.items()):
                yield ctx.finding(META, at, _message(what))


def _arguments(ins: Instruction) -> tuple[Position, str] | None:
    for arg, pos in zip(ins.arguments, ins.argument_positions, strict=False):
        hit = _marker(arg)
        if hit is not None and pos is not None:
            return pos, hit[1]
    return None


RULE = Rule()
