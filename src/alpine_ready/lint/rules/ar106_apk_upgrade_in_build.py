"""AR106 apk-upgrade-in-build: ``apk upgrade`` while building an image."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._apk import apk_stage

META = RuleMeta(
    code="AR106",
    name="apk-upgrade-in-build",
    severity=Severity.WARNING,
    category="apk",
    doc=RuleDoc(
        summary="`apk upgrade` in an image build",
        what="An `apk upgrade` in a RUN, in any stage that uses apk. (hadolint had this as "
        "DL3017 and removed it; the reasons below still hold.)",
        why="The image then depends on the day it was built: two builds of the same "
        "Dockerfile and base digest get different packages, so builds are not "
        "reproducible and a broken upstream update lands without a diff. Keeping the "
        "base's packages current is the base image's job: rebuild on a newer base "
        "(pull `alpine:3.20` again, or bump the tag or digest) instead. And every "
        "upgraded package is written again in this layer while the old version stays "
        "in the base layer, so the image carries both.",
        example="FROM alpine:3.20\nRUN apk upgrade --no-cache && apk add --no-cache curl",
        instead="FROM alpine:3.20.3\nRUN apk add --no-cache curl",
    ),
)


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per ``apk upgrade``."""
        for stage in ctx.stages:
            if not apk_stage(ctx, stage):
                continue
            for _, cmd in ctx.commands(stage, "apk"):
                if cmd.subcommand != "upgrade":
                    continue
                yield ctx.finding(
                    META,
                    cmd.command.position,
                    "`apk upgrade` in the build: the image depends on the day it was built "
                    "and duplicates upgraded files over the base layer; rebuild on a newer "
                    "base image instead",
                    end=cmd.command.end,
                )


RULE = Rule()
