"""AR205 build-tools-left-in-final-image: compilers and headers stay in the shipped image.

Looks at the last stage (the image ``docker build`` produces) and the stages it builds on
(``FROM builder``): every ``apk add`` of build-only packages -- ``build-base``,
``alpine-sdk``, ``gcc``, ``g++``, ``clang``, ``make``, ``cmake``, ``meson``, ``autoconf``,
``automake``, ``libtool``, ``binutils``, ``linux-headers``, ``musl-dev``, ``rust``,
``cargo``, ``go``, ``gfortran``, any ``*-dev`` package: the list of
``knowledge/data/build-tools.json``, which translate and ``deps`` read too -- is reported
unless each of them is removed again *in the same RUN*: by ``apk del`` of the
``--virtual`` group it was added under, or by name.  Not repeated here: a ``--virtual``
group not deleted in its RUN is AR104's finding (except groups named like run-time
groups, ``.python-rundeps``, which AR104 leaves alone: build tools put there are reported
here), and packages removed in a later RUN are AR107's (the bytes stay in the earlier
layer).  Builder stages that only ``COPY --from`` reads are never reported.  Headers
alone (``*-dev``, no compiler) added by a RUN that builds nothing, in an image that keeps
no toolchain, are kept on purpose for the builds of images ``FROM`` this one (the official
ruby images keep ``gmp-dev``, ``yaml-dev``… so native gems compile): not reported.  No fix: the
choice between a ``--virtual .build-deps`` group and a multi-stage build is the author's.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from ...dockerfile import parse_command
from ...knowledge.build import build_tools
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import ApkOp, ApkOps

META = RuleMeta(
    code="AR205",
    name="build-tools-left-in-final-image",
    severity=Severity.WARNING,
    category="musl",
    doc=RuleDoc(
        summary="Build tools (build-base, gcc, *-dev) are installed in the final image and "
        "never removed",
        what="An `apk add` in the final stage (or a stage it builds on) of compilers, make, "
        "headers or `-dev` packages that are not removed in the same RUN, neither "
        "through a `--virtual` group deleted with `apk del` nor by name. Not reported: "
        "`-dev` packages alone added by a RUN that builds nothing, in an image that keeps "
        "no compiler (headers kept for the builds of images FROM this one, as the "
        "official ruby images keep gmp-dev and yaml-dev for native gems).",
        why="The image ships a C toolchain and headers it never uses at run time: "
        "build-base alone adds about 200 MB and a compiler is a gift to an attacker. "
        "Deleting them in a later RUN does not help: the bytes stay in the earlier "
        "layer.",
        example="FROM python:3.12-alpine\nRUN apk add --no-cache build-base libffi-dev \\\n"
        " && pip install --no-cache-dir cffi",
        instead="FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps "
        "build-base libffi-dev \\\n && pip install --no-cache-dir cffi \\\n && apk "
        "del --no-network .build-deps\n# or build wheels in a builder stage and COPY "
        "--from it",
    ),
)

#: Group names AR104 treats as kept on purpose (its ``kept-groups`` default).
RUNTIME_GROUPS = ("*rundeps*", "*run-deps*", "*runtime*", "*persistent*")


def is_build_package(name: str) -> bool:
    """A package only a build needs: a toolchain or headers (``*-dev``), per build-tools.json."""
    return build_tools().is_build_only(name)


def _builds(ctx: LintContext, op: ApkOp) -> bool:
    """True when the RUN of ``op`` runs a program that compiles (make, gcc, pip3…).

    Only that RUN: headers a later RUN's build also uses while they stay for the images
    built FROM this one (ruby's gmp-dev for native gems) read the same as headers
    forgotten after a build, and the official images write the first.
    """
    programs = build_tools().build_commands
    for c in ctx.script(op.instruction).commands:
        parsed = parse_command(c)
        name = parsed.program if parsed is not None else (c.program or "")
        if name.endswith("configure") or name in programs:
            return True
    return False


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per ``apk add`` that leaves build packages in the image."""
        if not ctx.stages:
            return
        ops = ApkOps.of(ctx, ctx.stages[-1])
        tools = build_tools()
        # a toolchain (not headers) left in the image: a build environment is shipped
        toolchain_left = any(
            op.op == "add"
            and n in tools.build_only
            and not n.endswith(tools.suffixes)
            and not ops.deleted_after(op, n)
            for op in ops.ops
            for n in op.names
        )
        for op in ops.ops:
            if op.op != "add" or (
                op.virtual is not None
                and not any(fnmatchcase(op.virtual, g) for g in RUNTIME_GROUPS)
            ):
                continue  # a build group: deleted in its RUN, or AR104's finding
            left = [
                (n, w)
                for n, w in zip(op.names, op.words, strict=True)
                if is_build_package(n) and not ops.deleted_after(op, n)
            ]
            if not left:
                continue
            if (
                not toolchain_left
                and all(n.endswith(tools.suffixes) for n, _ in left)
                and not _builds(ctx, op)
            ):
                # headers alone, installed where nothing builds, with no compiler left:
                # kept for the builds of images FROM this one (ruby's gmp-dev, yaml-dev…)
                continue
            names = ", ".join(n for n, _ in left)
            how = (
                f"`apk del {op.virtual}` at the end of this RUN"
                if op.virtual
                else "`--virtual .build-deps … && apk del --no-network .build-deps` in this RUN"
            )
            yield ctx.finding(
                META,
                left[0][1].start,
                f"build tools stay in the final image ({names}): remove them "
                f"with {how}, or build in a separate stage and copy only "
                f"the results",
            )


RULE = Rule()
