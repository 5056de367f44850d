"""AR110 apk-del-group-never-added: ``apk del`` of a virtual group nothing installed."""

from __future__ import annotations

from collections.abc import Iterator

from ...dockerfile import ParsedCommand, Stage
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._apk import apk_runs, apk_stage

META = RuleMeta(
    code="AR110",
    name="apk-del-group-never-added",
    severity=Severity.ERROR,
    category="apk",
    doc=RuleDoc(
        summary="`apk del` of a virtual group no `apk add --virtual` made",
        what="An `apk del` naming a virtual group (a name starting with a dot, which no "
        "real package has) that no earlier `apk add --virtual NAME` (or `-t NAME`) of the "
        "stage, or of the stages it builds on, created. Checked only where the stage "
        "starts from the plain `alpine` image (another base may have left a group of its "
        "own) and every group name added before is written out (not a variable); an "
        "`apk del` whose failure does not fail the RUN (`|| true`, an `if` condition, "
        "no `set -e` and more commands after it) is left alone.",
        why="apk fails on it: `apk del --no-network .build-deps` with no such group "
        "prints `ERROR: No such package: .build-deps` and exits 1 (apk-tools 3.0.8 of the "
        "real Alpine 3.23 root filesystem, measured here), so the build stops at that "
        "RUN. It happens when an `apk add --virtual` is removed or renamed and its "
        "`apk del` is not, or when the add is in another stage.",
        example="FROM alpine:3.23\n"
        "RUN apk add --no-cache curl \\\n"
        " && curl -fsSLo /usr/local/bin/tool https://example.org/tool \\\n"
        " && apk del --no-network .build-deps",
        instead="FROM alpine:3.23\n"
        "RUN apk add --no-cache --virtual .build-deps curl \\\n"
        " && curl -fsSLo /usr/local/bin/tool https://example.org/tool \\\n"
        " && apk del --no-network .build-deps",
    ),
)


def _from_plain_alpine(ctx: LintContext, stage: Stage) -> bool:
    """True when the stage's chain of ``FROM`` starts at the ``alpine`` image itself."""
    root = ctx.stages[ctx.dockerfile.stage_tree.root[stage.index]]
    image = root.base_image
    return image is not None and not root.is_scratch and image.short_name == "alpine"


def _fatal(cmd: ParsedCommand) -> bool:
    """True when the command's failure fails the RUN.

    Under ``set -e``, or as a link of an ``&&`` chain or the last command; not for
    ``apk del .x || true`` nor ``if apk del .x``.
    """
    c = cmd.command
    if c.in_condition or c.operator_after in ("||", "&") or c.background:
        return False
    return c.errexit or c.operator_after in ("&&", None)


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per ``apk del`` naming groups never added before it."""
        for stage in ctx.stages:
            if apk_stage(ctx, stage) and _from_plain_alpine(ctx, stage):
                yield from self._stage(ctx, stage)

    def _stage(self, ctx: LintContext, stage: Stage) -> Iterator[Finding]:
        made: set[str] = set()
        for ins, calls in apk_runs(ctx, stage):
            for call in calls:
                cmd = call.command
                if cmd.subcommand == "add":
                    for opt in cmd.options:
                        if opt.name != "virtual" or opt.value is None:
                            continue
                        if not (opt.value_word or opt.word).static:
                            return  # a group named by a variable: what is made is not known
                        made.add(opt.value)
                    continue
                if cmd.subcommand != "del" or ins.stage != stage.index or not _fatal(cmd):
                    continue
                missing = [
                    w.value
                    for w in cmd.operands
                    if w.static and w.value.startswith(".") and w.value not in made
                ]
                if missing:
                    shown = ", ".join(f"`{n}`" for n in missing)
                    yield ctx.finding(
                        META,
                        cmd.command.position,
                        f"`apk del` of {shown}, which no `apk add --virtual` before it "
                        "made: apk fails ('No such package') and the build stops",
                        end=cmd.command.end,
                    )


RULE = Rule()
