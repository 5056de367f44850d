"""AR105 apk-del-without-no-network: ``apk del`` of a virtual group that may go online."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import LintContext
from ..model import Edit, Finding, Fix, FixSafety, Point, RuleDoc, RuleMeta, Severity
from ._apk import apk_stage, is_group_name, virtual_groups

META = RuleMeta(
    code="AR105",
    name="apk-del-without-no-network",
    severity=Severity.INFO,
    category="apk",
    fix=FixSafety.SAFE,
    doc=RuleDoc(
        summary="`apk del` of a virtual group without `--no-network`",
        what="An `apk del` that removes a virtual group (a name some `apk add --virtual` "
        "or `-t` in the file creates, or any name starting with a dot, which no real "
        "package has) without `--no-network`. The fix inserts `--no-network` after "
        "`del`.",
        why="Deleting needs only the installed-package database, but without "
        "`--no-network` apk loads the repository indexes too, and after installs done "
        "with `--no-cache` none are cached: it downloads them again for nothing. Where "
        "the network is cut off (an offline or firewalled build) it waits for it: "
        "apk-tools 3.0.8 of Alpine 3.23, measured here, spent 10 s retrying DNS before "
        "deleting (and still exits 0). docker-library's dockerfile-validator requires "
        "`--no-network` on `apk del`, and the official images write "
        "`apk del --no-network .build-deps`.",
        example="FROM alpine:3.20\n"
        "RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n"
        " && make \\\n"
        " && apk del .build-deps",
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
        """One finding per ``apk del`` of virtual groups without ``--no-network``."""
        groups = virtual_groups(ctx)
        for stage in ctx.stages:
            if not apk_stage(ctx, stage):
                continue
            for _, cmd in ctx.commands(stage, "apk"):
                if cmd.subcommand != "del" or cmd.has("no-network"):
                    continue
                names = [
                    w.value for w in cmd.operands if w.static and is_group_name(w.value, groups)
                ]
                if not names:
                    continue
                fix = None
                word = cmd.subcommand_word
                if word is not None and word.raw == "del":
                    at = Point(word.end.line, word.end.column)
                    fix = Fix(
                        FixSafety.SAFE,
                        "add --no-network after `apk del`",
                        (Edit(at, at, " --no-network"),),
                    )
                shown = ", ".join(f"`{n}`" for n in names)
                noun = "group" if len(names) == 1 else "groups"
                yield ctx.finding(
                    META,
                    cmd.command.position,
                    f"`apk del` of virtual {noun} {shown} without `--no-network`: apk "
                    "fetches the repository indexes it does not need (and waits for the network "
                    "where it is cut off)",
                    fix=fix,
                    end=cmd.command.end,
                )


RULE = Rule()
