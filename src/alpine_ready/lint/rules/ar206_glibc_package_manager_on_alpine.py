"""AR206 glibc-package-manager-on-alpine: ``apt-get``/``dpkg``/``yum`` on an Alpine stage.

Fires on every command run by ``apt-get``, ``apt``, ``apt-cache``, ``apt-key``,
``add-apt-repository``, ``dpkg``, ``dpkg-reconfigure``, ``yum``, ``dnf``, ``microdnf``,
``rpm`` or ``zypper`` in a RUN of a stage whose base is Alpine.  Left alone, because the
command may well not run on Alpine: a RUN that also runs ``apk`` (a script written for
several distributions), and a RUN that tests for the tool or the distribution first
(``command -v apt-get``, ``which dpkg``, ``[ -f /etc/debian_version ]``).  No fix:
``alpine-ready translate`` rewrites a Debian Dockerfile for Alpine.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...dockerfile import Instruction
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity

META = RuleMeta(
    code="AR206",
    name="glibc-package-manager-on-alpine",
    severity=Severity.ERROR,
    category="musl",
    doc=RuleDoc(
        summary="`apt-get`, `dpkg` or `yum` on an Alpine stage",
        what="A RUN of an Alpine stage that runs a Debian or Red Hat package tool "
             "(`apt-get`, `apt`, `dpkg`, `yum`, `dnf`, `microdnf`, `rpm`, …), outside a "
             "script that checks which distribution it is on.",
        why="Alpine has none of them: the command fails with `not found` (exit 127) and "
            "the build stops. Alpine's package manager is apk, with its own package names "
            "(build-essential → build-base, libssl-dev → openssl-dev).",
        example="FROM python:3.12-alpine\nRUN apt-get update && apt-get install -y "
                "libpq-dev",
        instead="FROM python:3.12-alpine\nRUN apk add --no-cache libpq-dev",
    ),
)

MANAGERS = ("apt-get", "apt", "apt-cache", "apt-key", "add-apt-repository", "dpkg",
            "dpkg-reconfigure", "yum", "dnf", "microdnf", "rpm", "zypper")
_FAMILY = {"apt-get": "Debian", "apt": "Debian", "apt-cache": "Debian", "apt-key": "Debian",
           "add-apt-repository": "Ubuntu", "dpkg": "Debian", "dpkg-reconfigure": "Debian",
           "yum": "Red Hat", "dnf": "Red Hat", "microdnf": "Red Hat", "rpm": "Red Hat",
           "zypper": "SUSE"}
_PROBES = frozenset({"command", "which", "type", "hash", "test", "[", "[[", "grep"})
_MARKERS = ("/etc/debian_version", "/etc/redhat-release", "/etc/os-release", "/etc/lsb-release",
            "/etc/alpine-release", "/etc/issue", *MANAGERS)


def _guarded(ctx: LintContext, ins: Instruction) -> bool:
    """True when the RUN also uses apk, or probes for a package tool or distribution."""
    for _, cmd in ctx.commands(ins):
        if cmd.program == "apk":
            return True
        if cmd.program in _PROBES and any(
                any(m in w.value for m in _MARKERS) for w in cmd.command.args):
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
            for ins, cmd in ctx.commands(stage, *MANAGERS):
                if ins.index not in guarded:
                    guarded[ins.index] = _guarded(ctx, ins)
                if guarded[ins.index]:
                    continue
                program = cmd.program
                why = ctx.facts(stage).why
                yield ctx.finding(
                    META, cmd.command.position,
                    f"{program} on an Alpine stage ({why}): Alpine has no {program} "
                    f"({_FAMILY[program]} package tool); use apk (apk add --no-cache …, "
                    f"with Alpine's package names)", end=cmd.command.argv[0].end)


RULE = Rule()
