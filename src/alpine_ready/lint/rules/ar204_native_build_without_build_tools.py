"""AR204 native-build-without-build-tools: a compile step with no compiler installed.

On an Alpine stage whose root base image is one we know the contents of (``alpine``,
``python``, ``node``, ``golang``, ``ruby``, ``php`` official images: none has a
compiler, make or, but ``python``, python3), these commands need tools that an earlier
``apk add`` in the stage (or a stage it builds on, or earlier in the same RUN) must
have installed and not removed again:

- ``gcc``/``cc``: ``gcc`` and ``musl-dev``; ``g++``/``c++``: ``g++`` and ``musl-dev``;
  ``clang``: ``clang`` and ``musl-dev``; ``make``: ``make``;
- ``pip install`` of a package the dependency check says builds from source
  (``source-build`` or ``upgrade``), unless ``--only-binary :all:``; and
  ``python setup.py build_ext``: ``gcc`` and ``musl-dev``;
- ``node-gyp`` (directly or through ``npx``), ``npm rebuild``, and ``npm``/``yarn``
  ``install``/``ci``/``add`` with ``--build-from-source``: ``python3``, ``make``, ``g++``.

What each step needs and what ``build-base`` (and ``alpine-sdk``) provides are
``knowledge/data/build-tools.json``'s, the toolchain list AR205, translate and ``deps``
read too.  Not flagged,
to stay conservative: ``pip install .`` of a local project (it may be pure Python),
``npm install`` of packages that might compile (``alpine-ready deps`` checks lockfiles),
``./configure``, and any stage whose base image contents are unknown.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...dockerfile import ParsedCommand, Position, Stage
from ...knowledge.build import build_tools
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import ApkOps, base_contents, only_binary_all, pip_installs, pip_statuses

META = RuleMeta(
    code="AR204",
    name="native-build-without-build-tools",
    severity=Severity.ERROR,
    category="musl",
    doc=RuleDoc(
        summary="A native build on Alpine with no compiler (build-base) installed before it",
        what="On an Alpine stage: `gcc`, `g++`, `make`, `node-gyp`, `npm rebuild`, "
        "`--build-from-source`, `python setup.py build_ext`, or a `pip install` of a "
        "package that builds from source, with no earlier `apk add` of the tools it "
        "needs (`build-base`, or `gcc` + `musl-dev`; `python3`, `make`, `g++` for "
        "node-gyp, whose versions up to 5 take `python2` too).",
        why="Alpine images ship no compiler, no make and no C headers (musl-dev); "
        "node:alpine has no python3 either. The build fails with `gcc: not found`, "
        "`stdio.h: No such file or directory` or gyp's `Could not find any Python "
        "installation`.",
        example="FROM node:20-alpine\nRUN npm install --build-from-source bcrypt",
        instead="FROM node:20-alpine\nRUN apk add --no-cache --virtual .build-deps python3 "
        "make g++ \\\n && npm install --build-from-source bcrypt \\\n && apk del "
        "--no-network .build-deps",
    ),
)

#: Keys of ``build-tools.json``'s ``needs`` that are no command name; every other key is
#: a compiler (or make) whose command needs what is listed under its name.
_GYP = "node-gyp"
_C_EXTENSION = "c-extension"


def _needs(cmd: ParsedCommand) -> tuple[str, str] | None:
    """(what the command does, the ``needs`` key) for commands that always compile."""
    program = cmd.program
    values = [w.value for w in cmd.command.args]
    if program in build_tools().needs and program not in (_GYP, _C_EXTENSION):
        return program, program
    if program == "node-gyp" and values[:1] != ["--version"]:
        return "node-gyp", _GYP
    if program == "npx" and "node-gyp" in values[:2]:
        return "node-gyp", _GYP
    if program in ("npm", "yarn", "pnpm"):
        sub = cmd.subcommand
        if program == "npm" and sub == "rebuild":
            return "npm rebuild (compiles native addons)", _GYP
        if cmd.has("build-from-source") and sub in (None, "install", "i", "ci", "add"):
            return f"{program} {sub or 'install'} --build-from-source", _GYP
    if (
        program is not None
        and program.startswith("python")
        and "setup.py" in values[:1]
        and "build_ext" in values
    ):
        return "python setup.py build_ext", _C_EXTENSION
    return None


def _tools(key: str) -> tuple[str, ...]:
    return build_tools().needs[key]


def _missing(ops: ApkOps, base: frozenset[str], at: Position, tools: tuple[str, ...]) -> list[str]:
    alternatives = build_tools().alternatives
    return [
        t
        for t in tools
        if not any(a in base or ops.has(a, at) for a in (t, *alternatives.get(t, ())))
    ]


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _advice(missing: list[str]) -> str:
    tools = build_tools()
    pkgs = [tools.meta_providing(m) or m for m in missing]
    pkgs = list(dict.fromkeys(pkgs))
    return (
        f"apk add --no-cache --virtual .build-deps {' '.join(pkgs)} before it (and "
        f"apk del --no-network .build-deps after, in the same RUN)"
    )


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per compile step whose tools are not installed."""
        for stage in ctx.stages:
            if not ctx.is_alpine(stage):
                continue
            base = base_contents(ctx, stage)
            if base is None:
                continue
            ops = ApkOps.of(ctx, stage)
            yield from self._commands(ctx, stage, ops, base)
            yield from self._pip(ctx, stage, ops, base)

    def _commands(
        self, ctx: LintContext, stage: Stage, ops: ApkOps, base: frozenset[str]
    ) -> Iterator[Finding]:
        for ins, cmd in ctx.commands(stage):
            if ins.keyword != "RUN":
                continue
            need = _needs(cmd)
            if need is None:
                continue
            what, key = need
            at = cmd.command.position
            missing = _missing(ops, base, at, _tools(key))
            if missing:
                yield ctx.finding(
                    META,
                    at,
                    f"{what} on Alpine with no {_either(missing)} "
                    f"installed before it: {_advice(missing)}",
                )

    def _pip(
        self, ctx: LintContext, stage: Stage, ops: ApkOps, base: frozenset[str]
    ) -> Iterator[Finding]:
        if ctx.pip_checker is None:
            return
        for ins, cmd, reqs in pip_installs(ctx, stage):
            if ins.keyword != "RUN" or only_binary_all(cmd):
                continue
            statuses = pip_statuses(ctx, reqs, stage)
            for req in reqs:
                if statuses.get(req.query) not in ("source-build", "upgrade"):
                    continue
                missing = _missing(ops, base, cmd.command.position, _tools(_C_EXTENSION))
                if missing:
                    yield ctx.finding(
                        META,
                        req.word.start,
                        f"pip builds {req.query} from source (no musllinux wheel) but no "
                        f"{_either(missing)} installed before it: {_advice(missing)}",
                        end=req.word.end,
                    )


RULE = Rule()
