"""AR104 apk-virtual-group-not-deleted: a ``--virtual`` group outlives its RUN."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase

from ...dockerfile import Instruction, Option, ParsedCommand
from ...knowledge.build import build_tools
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._apk import apk_calls, apk_stage, shipped
from ._musl import apk_packages

META = RuleMeta(
    code="AR104",
    name="apk-virtual-group-not-deleted",
    severity=Severity.WARNING,
    category="apk",
    doc=RuleDoc(
        summary="`apk add --virtual` group not deleted in the same RUN",
        what="An `apk add --virtual NAME` (or `-t NAME`) with no `apk del NAME` later in "
        "the same RUN: deleted only in a later RUN, or never deleted while it holds "
        "build-only packages (compilers, `*-dev` headers, `build-base`: the build-tools "
        "table). A group is judged by what it holds, not by its name: one that is never "
        "deleted and holds no build-only package is a run-time group kept on purpose "
        "(the official images' `.rundeps`/`.httpd-so-deps`, whose `so:` names are "
        "computed with `scanelf` after the build), and so is one whose packages cannot "
        "be known. Names matching the `kept-groups` option (default `*rundeps*`, "
        "`*run-deps*`, `*runtime*`, `*persistent*`) are never reported. Stages only read "
        "through `COPY --from` or `RUN --mount=from=` are not checked: their layers are "
        "never shipped.",
        why="A virtual group names build-only packages (compilers, headers) so one "
        "`apk del` removes them after the build. Each RUN is a layer: deleting the "
        "group in a later RUN only hides the files, the earlier layer still carries "
        "them in every pull; never deleting it ships the whole toolchain.",
        example="FROM alpine:3.20\n"
        "RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n"
        " && pip install --no-cache-dir psycopg2\n"
        "RUN apk del .build-deps",
        instead="FROM alpine:3.20\n"
        "RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n"
        " && pip install --no-cache-dir psycopg2 \\\n"
        " && apk del --no-network .build-deps",
    ),
    options=(("kept-groups", ("*rundeps*", "*run-deps*", "*runtime*", "*persistent*")),),
)


def _group(cmd: ParsedCommand) -> Option | None:
    """The last ``--virtual``/``-t`` option of an ``apk add`` (apk uses the last one)."""
    found = None
    for opt in cmd.options:
        if opt.name == "virtual" and opt.value:
            found = opt
    return found


def _deletes(cmd: ParsedCommand, name: str) -> bool:
    """True when ``apk del`` names the group, or a variable that may hold it."""
    return cmd.subcommand == "del" and any(w.value == name or not w.static for w in cmd.operands)


def _build_only(ctx: LintContext, ins: Instruction, cmd: ParsedCommand) -> list[str]:
    """The build-only packages the ``apk add`` installs, as far as they can be known.

    ``so:``/``cmd:``/``pc:`` names, a command's output (``$runDeps`` from ``scanelf``)
    and variables without a known value name none.
    """
    tools = build_tools()
    return [
        name
        for word in cmd.operands
        for name in apk_packages(ctx, ins, word)
        if ":" not in name and tools.is_build_only(name)
    ]


def _kept(name: str, patterns: Iterable[str]) -> bool:
    """True when the group is meant to stay (a ``kept-groups`` glob, case-insensitive)."""
    return any(fnmatchcase(name.lower(), p.lower()) for p in patterns)


def _deleting_runs(ctx: LintContext) -> list[tuple[Instruction, list[ParsedCommand]]]:
    """Every RUN with an ``apk del``, and those commands (computed once per check)."""
    out = []
    for ins in ctx.runs():
        dels = [c.command for c in apk_calls(ctx, ins) if c.command.subcommand == "del"]
        if dels and ins.keyword == "RUN" and ins.stage is not None:
            out.append((ins, dels))
    return out


def _later_delete(
    ctx: LintContext,
    ins: Instruction,
    name: str,
    deleting: list[tuple[Instruction, list[ParsedCommand]]],
) -> Instruction | None:
    """The first later RUN (this stage or one built on it) deleting the group."""
    if ins.stage is None or ins.keyword != "RUN":
        return None
    stage = ctx.stages[ins.stage]
    for later, dels in deleting:
        if (
            later.index <= ins.index
            or later.stage is None
            or not ctx.builds_on(ctx.stages[later.stage], stage)
        ):
            continue
        if any(_deletes(c, name) for c in dels):
            return later
    return None


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per ``apk add --virtual`` whose group outlives its RUN."""
        kept = tuple(ctx.option(META, "kept-groups"))
        deleting = _deleting_runs(ctx)
        for stage in ctx.stages:
            if not apk_stage(ctx, stage) or not shipped(ctx, stage):
                continue
            for ins in ctx.runs(stage):
                calls = apk_calls(ctx, ins)
                for call in calls:
                    opt = _group(call.command) if call.command.subcommand == "add" else None
                    if opt is None or opt.value is None or _kept(opt.value, kept):
                        continue
                    name = opt.value
                    if any(_deletes(c.command, name) for c in calls if c.position > call.position):
                        continue
                    at = opt.value_word or opt.word
                    later = _later_delete(ctx, ins, name, deleting)
                    build = _build_only(ctx, ins, call.command) if later is None else []
                    if later is None and not build:
                        continue  # a run-time group, kept on purpose
                    if later is not None:
                        message = (
                            f"virtual group `{name}` is deleted only in a later RUN "
                            f"(line {later.position.line}): its packages' files stay "
                            "in this RUN's layer; `apk del --no-network "
                            f"{name}` at the end of this RUN"
                        )
                    else:
                        shown = ", ".join(f"`{b}`" for b in build[:3])
                        more = f" and {len(build) - 3} more" if len(build) > 3 else ""
                        message = (
                            f"virtual group `{name}` is never deleted: its build-only "
                            f"packages ({shown}{more}) stay in the image; end this RUN "
                            f"with `apk del --no-network {name}`"
                        )
                    yield ctx.finding(META, at.start, message, end=at.end)


RULE = Rule()
