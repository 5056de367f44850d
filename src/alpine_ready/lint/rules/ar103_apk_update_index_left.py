"""AR103 apk-update-index-left: ``apk update`` whose package index stays in the layer."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...dockerfile import Dockerfile, Instruction, Position, SimpleCommand
from ..context import LintContext
from ..model import Edit, Finding, Fix, FixSafety, Point, RuleDoc, RuleMeta, Severity
from ._apk import ApkCall, apk_calls, apk_stage, cache_mounted, removes_apk_cache, shipped

META = RuleMeta(
    code="AR103",
    name="apk-update-index-left",
    severity=Severity.INFO,
    category="apk",
    fix=FixSafety.SAFE,
    doc=RuleDoc(
        summary="`apk update` leaves the package index in the layer",
        what="An `apk update` in a RUN that neither deletes /var/cache/apk later in the "
        "same RUN (`rm -rf /var/cache/apk/*`) nor has a BuildKit cache or tmpfs mount "
        "on it (`apk --no-cache update` keeps nothing and is not reported). "
        "`apk update && apk add --no-cache …` still leaves the index: "
        "`--no-cache` on the add does not delete what `apk update` wrote. Stages "
        "only read through `COPY --from` are not checked (their layers are never "
        "shipped). The fix folds `apk update && apk add …` into `apk add --no-cache "
        "…`, when the two are joined by `&&` with nothing else between them and no "
        "other apk command after them but `add`/`del`.",
        why="`apk update` downloads every repository's APKINDEX (a few MB for main and "
        "community) into /var/cache/apk. In the layer they are dead weight in every "
        "pull and every container; an `rm` in a later RUN does not take them out of "
        "the earlier layer. `apk add --no-cache` fetches a fresh index for the install "
        "and keeps nothing, so the update is not needed.",
        example="FROM alpine:3.20\nRUN apk update && apk add curl",
        instead="FROM alpine:3.20\nRUN apk add --no-cache curl",
    ),
)

_FOLDABLE_AFTER = frozenset({"add", "del"})


def _text_between(df: Dockerfile, start: Position, end: Position) -> str:
    """The file's text from ``start`` (inclusive) to ``end`` (exclusive)."""
    if start.line == end.line:
        return df.line(start.line)[start.column - 1 : end.column - 1]
    parts = [df.lines[start.line - 1][start.column - 1 :]]
    parts.extend(df.lines[n - 1] for n in range(start.line + 1, end.line))
    parts.append(df.lines[end.line - 1][: end.column - 1])
    return "".join(parts)


def _plain(cmd: SimpleCommand) -> bool:
    """Run by the shell itself, unconditionally, outside pipes, substitutions, functions."""
    return not (
        cmd.via
        or cmd.assignments
        or cmd.in_substitution
        or cmd.in_function
        or cmd.in_condition
        or cmd.pipe_input
        or cmd.pipe_output
        or cmd.background
    )


def _fold(ctx: LintContext, calls: list[ApkCall], update: ApkCall) -> Fix | None:
    """``apk update && apk add …`` → ``apk add --no-cache …`` when that is the whole story."""
    u, parsed = update.command.command, update.command
    if parsed.options or parsed.operands or not _plain(u) or u.operator_after != "&&":
        return None
    later = [c for c in calls if c.position > update.position]
    if not later:
        return None
    add = later[0].command
    a = add.command
    word = add.subcommand_word
    if (
        add.subcommand != "add"
        or word is None
        or word.raw != "add"
        or not _plain(a)
        or a.operator_before != "&&"
        or a.in_subshell != u.in_subshell
        or add.has("no-network")
        or add.args_from_stdin
    ):
        return None
    if any(c.command.subcommand not in _FOLDABLE_AFTER for c in later[1:]):
        return None
    esc = re.escape(ctx.dockerfile.escape)
    joint = rf"[ \t]*(?:{esc}\r?\n[ \t]*)*&&(?:[ \t]|\r?\n|{esc}\r?\n)*"
    if not re.fullmatch(joint, _text_between(ctx.dockerfile, u.end, a.position)):
        return None
    edits = [
        Edit(
            Point(u.position.line, u.position.column), Point(a.position.line, a.position.column), ""
        )
    ]
    if not add.has("no-cache"):
        at = Point(word.end.line, word.end.column)
        edits.append(Edit(at, at, " --no-cache"))
    return Fix(
        FixSafety.SAFE, "fold `apk update && apk add` into `apk add --no-cache`", tuple(edits)
    )


def _cache_removers(ctx: LintContext) -> list[Instruction]:
    """Every RUN (in a stage) that deletes apk's cache, in file order (once per file)."""
    return ctx.memo(
        "ar103-cache-removers",
        lambda: [
            later
            for later in ctx.runs()
            if later.keyword == "RUN"
            and later.stage is not None
            and removes_apk_cache(ctx, later, Position(0, 0))
        ],
    )


def _removed_later(ctx: LintContext, ins: Instruction) -> Instruction | None:
    """A later RUN of a stage built on this one that deletes apk's cache, if any."""
    if ins.stage is None:
        return None
    stage = ctx.stages[ins.stage]
    for later in _cache_removers(ctx):
        if (
            later.index > ins.index
            and later.stage is not None
            and ctx.builds_on(ctx.stages[later.stage], stage)
        ):
            return later
    return None


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per ``apk update`` whose index outlives its RUN."""
        for stage in ctx.stages:
            if not apk_stage(ctx, stage) or not shipped(ctx, stage):
                continue
            for ins in ctx.runs(stage):
                if cache_mounted(ins):
                    continue
                calls = apk_calls(ctx, ins)
                for call in calls:
                    cmd = call.command
                    if (
                        cmd.subcommand != "update"
                        or cmd.has("no-cache")
                        or removes_apk_cache(ctx, ins, call.position)
                    ):
                        continue
                    yield self._finding(ctx, ins, calls, call)

    def _finding(
        self, ctx: LintContext, ins: Instruction, calls: list[ApkCall], call: ApkCall
    ) -> Finding:
        fix = _fold(ctx, calls, call)
        message = "`apk update` leaves the package index in /var/cache/apk in this layer"
        later = _removed_later(ctx, ins)
        if fix is not None:
            message += ": `apk add --no-cache` fetches the index without keeping it"
        elif later is not None:
            message += (
                f": removing it in a later RUN (line {later.position.line}) does "
                "not take it out of this layer; delete it in this RUN or use "
                "`apk add --no-cache`"
            )
        else:
            message += (
                "; use `apk add --no-cache` instead, or delete it in this RUN "
                "(`rm -rf /var/cache/apk/*`)"
            )
        end = call.command.command.end
        return ctx.finding(META, call.position, message, fix=fix, end=end)


RULE = Rule()
