"""AR304 glibc-base-translate-hint: a glibc final image that ``translate`` can port.

AR303 suggests the Alpine base when nothing in the final stage needs glibc.  When
something does (a glibc download, an apt package with no known Alpine equivalent, conda,
binaries copied from a glibc stage…), or the final stage builds on an earlier stage, AR303
is silent, and a Debian-based Dockerfile would get a bare "No findings" from a linter for
Alpine.  This rule says instead that ``alpine-ready translate FILE`` writes the Alpine
version of the file and lists what needs a hand, naming the first thing that ties the
stage to glibc.  It fires only when the image the final stage starts from has a known
Alpine counterpart (translate's ``FROM`` rewrite, ``knowledge/data/alpine-base-images.json``),
never on Alpine bases, and never together with AR303.

Style severity, below the default ``--fail-on`` (info): it never changes the exit status
unless asked (``--fail-on style``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from .ar303_glibc_base_could_be_alpine import glibc_signals, suggestion

META = RuleMeta(
    code="AR304",
    name="glibc-base-translate-hint",
    severity=Severity.STYLE,
    category="base",
    doc=RuleDoc(
        summary="The final image uses a glibc base that `alpine-ready translate` can port",
        what="The last stage starts (directly or through earlier stages) from a "
        "Debian/Ubuntu-based official image with an Alpine variant, and something in it "
        "ties it to glibc for now (so AR303 does not suggest the switch). A pointer to "
        "`alpine-ready translate`, which writes the Alpine version and lists what needs "
        "work. Never on Alpine bases; style severity, so it does not fail a lint at the "
        "default `--fail-on`.",
        why="A Dockerfile on a glibc base has none of the Alpine hazards this linter "
        "checks, so it would get no finding at all; the way to Alpine is translate, "
        "which rewrites the base, the apt lines and the glibc downloads it knows.",
        example="FROM node:20\nRUN curl -fsSLO https://nodejs.org/dist/v20.18.0/"
        "node-v20.18.0-linux-x64.tar.xz",
        instead="FROM node:20-alpine\nRUN curl -fsSLO https://unofficial-builds.nodejs.org/"
        "download/release/v20.18.0/node-v20.18.0-linux-x64-musl.tar.xz",
    ),
)


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """At most one finding: on the final stage's FROM."""
        if not ctx.stages:
            return
        final = ctx.stages[-1]
        root = ctx.root(final)
        image = root.base_image
        if image is None or image.registry != "docker.io" or ctx.facts(final).libc != "glibc":
            return
        target = suggestion(image)
        if target is None:
            return
        why = next((w for s in ctx.lineage(final) or [final] for w in glibc_signals(ctx, s)), None)
        if final.parent is None and why is None:
            return  # AR303's case: it suggests the switch itself
        name = PurePath(ctx.dockerfile.path).name if ctx.dockerfile.path else "Dockerfile"
        reason = (
            f"the stage {why}" if why is not None else f"it builds on a stage FROM {image.text}"
        )
        yield ctx.finding(
            META,
            final.base_position,
            f"the final image is on glibc ({image.text}; {reason}): alpine-ready "
            f"translate {name} writes the Alpine version ({target}) and lists what needs "
            f"a hand",
        )


RULE = Rule()
