"""AR101 apk-add-without-no-cache: ``apk add`` leaves its index in the layer."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import LintContext
from ..model import Edit, Finding, Fix, FixSafety, Point, RuleDoc, RuleMeta, Severity
from ._apk import cache_mounted, removes_apk_cache, shipped

META = RuleMeta(
    code="AR101",
    name="apk-add-without-no-cache",
    severity=Severity.INFO,
    category="apk",
    hadolint="DL3019",
    fix=FixSafety.SAFE,
    doc=RuleDoc(
        summary="`apk add` without `--no-cache` keeps the package index in the image",
        what="An `apk add` that passes neither `--no-cache` nor `--no-network` (which fetches "
        "no index) and does not run under a BuildKit cache or tmpfs mount on "
        "`/var/cache/apk`. Left alone: an `apk add` followed in the same RUN by an `rm` of "
        "apk's cache (`rm -rf /var/cache/apk/*`), and stages whose layers are never "
        "shipped (a builder stage only read through `COPY --from` or "
        "`RUN --mount=from=`): what its layers hold never reaches an image.",
        why="apk downloads the repository indexes (about 2.5 MB for main+community) into "
        "/var/cache/apk and leaves them in the layer; `rm -rf /var/cache/apk/*` in a "
        "later RUN cannot take them out of the earlier layer.",
        example="FROM alpine:3.20\nRUN apk add curl",
        instead="FROM alpine:3.20\nRUN apk add --no-cache curl",
    ),
)


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per ``apk add`` without ``--no-cache``."""
        for ins, cmd in ctx.commands(None, "apk"):
            # --no-network fetches no index, so none is left (the official images'
            # `apk add --no-network --virtual .rundeps $runDeps`)
            if cmd.subcommand != "add" or cmd.has("no-cache", "no-network") or cache_mounted(ins):
                continue
            if ins.stage is not None and not shipped(ctx, ctx.stages[ins.stage]):
                continue  # a builder stage's layers never reach an image
            if removes_apk_cache(ctx, ins, cmd.command.position):
                continue
            fix = None
            word = cmd.subcommand_word
            # exec form (RUN ["apk", "add", …]): text inserted into the JSON array would
            # silently turn it into shell form, so no fix is offered there
            if word is not None and not cmd.command.in_substitution and not ins.json_form:
                at = Point(word.end.line, word.end.column)
                fix = Fix(
                    FixSafety.SAFE, "add --no-cache after `apk add`", (Edit(at, at, " --no-cache"),)
                )
            yield ctx.finding(
                META,
                cmd.command.position,
                "`apk add` without `--no-cache`: the package index stays in "
                "the layer (or use a cache mount on /var/cache/apk)",
                fix=fix,
            )


RULE = Rule()
