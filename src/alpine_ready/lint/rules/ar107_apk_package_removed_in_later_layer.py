"""AR107 apk-package-removed-in-later-layer: ``apk del`` of what an earlier RUN installed."""

from __future__ import annotations

from collections.abc import Iterator

from ...dockerfile import Instruction, Word
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._apk import apk_runs, apk_stage, is_group_name, package_name, shipped, virtual_groups

META = RuleMeta(
    code="AR107",
    name="apk-package-removed-in-later-layer",
    severity=Severity.WARNING,
    category="apk",
    doc=RuleDoc(
        summary="package installed in one RUN and removed in a later one",
        what="An `apk del` of a package that an `apk add` in an earlier RUN of the same "
        "stage (or of a stage it builds on) installed. Virtual groups deleted late are "
        "AR104's finding, reported at their `apk add`. Stages only read through "
        "`COPY --from` are not checked: their layers are never shipped. No fix: "
        "moving commands between RUNs can change what the build does.",
        why="Each RUN is a layer and layers only add: deleting a package in a later RUN "
        "writes whiteouts that hide its files, while the earlier layer still carries "
        "every byte in each pull and on disk. The image is as big as if the package "
        "were never removed.",
        example="FROM alpine:3.20\n"
        "RUN apk add --no-cache gcc musl-dev\n"
        "RUN make\n"
        "RUN apk del gcc musl-dev",
        instead="FROM alpine:3.20\n"
        "RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n"
        " && make \\\n"
        " && apk del --no-network .build-deps",
    ),
)


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per ``apk del`` removing packages an earlier RUN installed."""
        groups = virtual_groups(ctx)
        for stage in ctx.stages:
            if not apk_stage(ctx, stage) or not shipped(ctx, stage):
                continue
            installed: dict[str, Instruction] = {}  # package -> the RUN that installed it
            members: dict[str, set[str]] = {}  # virtual group -> its packages
            for ins, calls in apk_runs(ctx, stage):
                for call in calls:
                    cmd = call.command
                    names = [(w, package_name(w.value)) for w in cmd.operands if w.static]
                    if cmd.subcommand == "add":
                        added = {n for _, n in names if n is not None}
                        for n in added:
                            installed.setdefault(n, ins)
                        group = cmd.value("virtual")
                        if group:
                            members.setdefault(group, set()).update(added)
                        continue
                    if cmd.subcommand != "del":
                        continue
                    late: list[tuple[Word, str, Instruction]] = []
                    for word, name in names:
                        if name is None:
                            continue
                        if is_group_name(name, groups):
                            for member in members.pop(name, set()):
                                installed.pop(member, None)
                            continue
                        source = installed.pop(name, None)
                        if (
                            source is not None
                            and source.index < ins.index
                            and ins.stage == stage.index
                        ):
                            late.append((word, name, source))
                    if late:
                        yield self._finding(ctx, late)

    def _finding(self, ctx: LintContext, late: list[tuple[Word, str, Instruction]]) -> Finding:
        shown = ", ".join(f"`{name}` (line {src.position.line})" for _, name, src in late)
        verb = "is" if len(late) == 1 else "are"
        message = (
            f"{shown} {verb} removed here but installed by `apk add` in an earlier "
            "RUN: the files stay in that layer and the image does not shrink; "
            "install and remove in one RUN (`apk add --virtual .build-deps … && "
            "apk del --no-network .build-deps`)"
        )
        word = late[0][0]
        return ctx.finding(META, word.start, message, end=word.end)


RULE = Rule()
