"""AR210 busybox-applet-gnu-option: a GNU-only option given to one of busybox's applets.

On Alpine, ``tar``, ``sed``, ``grep``, ``find``, ``xargs``, ``wget`` and coreutils'
``cp``, ``cut``, ``date``, ``head``, ``install``, ``ln``, ``mkdir``, ``mv``,
``readlink``, ``realpath``, ``rm``, ``sort``, ``stat``, ``tail`` are busybox's applets
unless the GNU package (``tar``, ``sed``, ``grep``, ``findutils``, ``wget``,
``coreutils``) is installed.  An option only GNU's tool has makes the applet print its
usage and exit 1: the RUN fails (``wget: unrecognized option: progress=dot:giga``).

The options are data: each GNU option of the Debian 12 tools (their ``--help``) asked of
the applet of the real Alpine 3.23 ``/bin/busybox`` (``busybox-options.json``, and
``apt-to-apk.json``'s facts for wget), read through
:func:`alpine_ready.knowledge.busyboxopts.gnu_options` -- translate asks the same.

Reported only where it is known that busybox runs the command: a stage whose ``FROM``
chain starts at the ``alpine`` image (its contents are the real rootfs's), the command
run by name or from ``/bin``, ``/usr/bin``, ``/sbin``, ``/usr/sbin``, and no ``apk add``
of the GNU package (or of a package known to bring it) before it in the stage chain.
Another base image may carry the GNU tools (php's Alpine images keep GNU tar): not
judged.

No fix: dropping an option changes what the command does, unless it only changes the
output (``wget --progress``); installing the GNU package is the author's choice.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...dockerfile import Instruction, Stage
from ...knowledge.busyboxopts import applet_name, busybox_options, gnu_options
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import ApkOps, base_contents, official_name, root_image

META = RuleMeta(
    code="AR210",
    name="busybox-applet-gnu-option",
    severity=Severity.ERROR,
    category="musl",
    doc=RuleDoc(
        summary="an option only GNU's tool has, given to a busybox applet on Alpine",
        what="On a stage built from the alpine image, a command busybox runs (tar, sed, "
        "grep, find, xargs, wget, coreutils' cp, cut, date, head, ln, mkdir, mv, rm, "
        "sort, stat, tail, …) given an option busybox's applet lacks (`wget "
        "--progress=dot:giga`, `sed -z`, `tar --exclude-vcs`, `find -printf`), with "
        "no `apk add` of the GNU package before it. Each option was asked of the real "
        "busybox of Alpine 3.23.",
        why="busybox answers `unrecognized option` (or `invalid option`), prints its "
        "usage and exits 1: the RUN fails. Debian images have GNU's tools, so a "
        "Dockerfile moved to Alpine breaks here at build time.",
        example="FROM alpine:3.22\nRUN wget --progress=dot:giga -O go.tgz https://go.dev/dl/go.tgz",
        instead="FROM alpine:3.22\nRUN wget -O go.tgz https://go.dev/dl/go.tgz\n"
        "# or, for an option that does something: apk add --no-cache wget (GNU wget)",
    ),
)

#: the official image whose contents are the real Alpine rootfs's (busybox applets only)
_BUSYBOX_ONLY = "alpine"


def _busybox_base(ctx: LintContext, stage: Stage) -> bool:
    """True when the stage chain starts at the alpine image, whose tools are busybox's."""
    return (
        official_name(root_image(ctx, stage)) == _BUSYBOX_ONLY
        and base_contents(ctx, stage) == frozenset()
    )


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per command given options its busybox applet lacks."""
        for stage in ctx.stages:
            if not ctx.is_alpine(stage) or not _busybox_base(ctx, stage):
                continue
            ops = ApkOps.of(ctx, stage)
            for ins in stage.instructions:
                keyword = ins.sub_keyword if ins.keyword == "ONBUILD" else ins.keyword
                if keyword == "RUN":
                    yield from self._run(ctx, ops, ins)

    def _run(self, ctx: LintContext, ops: ApkOps, ins: Instruction) -> Iterator[Finding]:
        applets = busybox_options().applets
        for cmd in ctx.script(ins).commands:
            opts = gnu_options(cmd)
            if not opts:
                continue
            prog = applet_name(cmd) or ""
            pkg = applets[prog].gnu_package
            if ops.has(pkg, cmd.position):
                continue
            listed = ", ".join(opts)
            yield ctx.finding(
                META,
                cmd.position,
                f'busybox\'s {prog} lacks {listed} ("unrecognized option": the RUN fails); '
                f"drop it, or apk add --no-cache {pkg} (GNU {prog}) before it",
            )


RULE = Rule()
