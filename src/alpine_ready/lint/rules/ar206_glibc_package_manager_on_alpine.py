"""AR206 glibc-package-manager-on-alpine: ``apt-get``/``dpkg``/``yum`` on an Alpine stage.

Fires on every command run by ``apt-get``, ``apt``, ``apt-cache``, ``apt-key``,
``apt-mark``, ``add-apt-repository``, ``dpkg``, ``dpkg-query``, ``dpkg-reconfigure``,
``yum``, ``dnf``, ``microdnf``, ``rpm`` or ``zypper`` in a RUN of a stage whose base is
Alpine.  Left alone, because the command may well not run on Alpine: a RUN that tests for
a package tool or the distribution first (``command -v apt-get``, ``command -v apk``,
``[ -f /etc/debian_version ]``, ``. /etc/os-release``: a script written for several
distributions), an ``apk add … || apt-get install …`` fallback, and ``dpkg``/``rpm`` once
an ``apk add`` of the stage installed them (Alpine packages both: the official postgres
and php images run ``dpkg --print-architecture`` after ``apk add dpkg``).  A RUN that
merely also runs ``apk`` is not a multi-distribution script: the Debian Dockerfile
half-moved to Alpine (``apk add`` next to a leftover ``apt-mark``) is what this rule is
for.  The tools, their families, the ones Alpine packages and the distribution files are
``knowledge/data/distro-tools.json``'s (read by AR303, translate and the stage facts
too).  No fix: ``alpine-ready translate`` rewrites a Debian Dockerfile for Alpine.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from ...dockerfile import Instruction
from ...knowledge.distros import distro_tools
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import ApkOps

META = RuleMeta(
    code="AR206",
    name="glibc-package-manager-on-alpine",
    severity=Severity.ERROR,
    category="musl",
    doc=RuleDoc(
        summary="`apt-get`, `dpkg` or `yum` on an Alpine stage",
        what="A RUN of an Alpine stage that runs a Debian or Red Hat package tool "
        "(`apt-get`, `apt`, `apt-mark`, `dpkg`, `dpkg-query`, `yum`, `dnf`, `microdnf`, "
        "`rpm`, …), outside a script that checks which distribution it is on (`command "
        "-v apk`, `[ -f /etc/debian_version ]`, `apk add … || apt-get install …`). "
        "`dpkg` and `rpm` count only when no `apk add dpkg` (or `rpm`) installed them.",
        why="Alpine has none of them: the command fails with `not found` (exit 127) and "
        "the build stops. Alpine's package manager is apk, with its own package names "
        "(build-essential → build-base, libssl-dev → openssl-dev).",
        example="FROM python:3.12-alpine\nRUN apt-get update && apt-get install -y libpq-dev",
        instead="FROM python:3.12-alpine\nRUN apk add --no-cache libpq-dev",
    ),
)

_TABLE = distro_tools()
#: The package tools reported (``distro-tools.json``: apt-get, dpkg, yum, zypper…).
MANAGERS = tuple(sorted(_TABLE.package_managers))
#: Shell commands that test for a tool or a file (grammar, not knowledge).
_PROBES = frozenset({"command", "which", "type", "hash", "test", "[", "[[", "grep", ".", "source"})
_TOOLS = frozenset({*MANAGERS, "apk"})


def _marker(value: str) -> bool:
    """A distribution file, or a package tool's name (``apk``, ``/usr/bin/apt-get``)."""
    return any(f in value for f in _TABLE.release_files) or value.rsplit("/", 1)[-1] in _TOOLS


def _guarded(ctx: LintContext, ins: Instruction) -> bool:
    """True when the RUN probes for a package tool or distribution, or falls back with ||.

    ``apk add curl || apt-get install -y curl`` (either order) tries one, then the other.
    """
    cmds = [c for _, c in ctx.commands(ins)]
    for cmd in cmds:
        if cmd.program in _PROBES and any(_marker(w.value) for w in cmd.command.args):
            return True
    cmds.sort(key=lambda c: c.command.position)
    for a, b in itertools.pairwise(cmds):
        if (
            b.command.operator_before == "||"
            and {a.program, b.program} & {"apk"}
            and {a.program, b.program} & set(MANAGERS)
        ):
            return True
    return False


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per package-manager command on an Alpine stage."""
        for stage in ctx.stages:
            if not ctx.is_alpine(stage):
                continue
            guarded: dict[int, bool] = {}
            ops: ApkOps | None = None
            for ins, cmd in ctx.commands(stage, *MANAGERS):
                if ins.index not in guarded:
                    guarded[ins.index] = _guarded(ctx, ins)
                if guarded[ins.index]:
                    continue
                program = cmd.program
                if program in _TABLE.on_alpine:
                    ops = ops or ApkOps.of(ctx, stage)
                    if ops.has(_TABLE.on_alpine[program], cmd.command.position):
                        continue
                why = ctx.facts(stage).why
                yield ctx.finding(
                    META,
                    cmd.command.position,
                    f"{program} on an Alpine stage ({why}): Alpine has no {program} "
                    f"({_TABLE.family[program]} package tool); use apk (apk add --no-cache …, "
                    f"with Alpine's package names)",
                    end=cmd.command.argv[0].end,
                )


RULE = Rule()
