"""What the apk rules (AR101–AR107) share: cache mounts, package specs, stage scope.

Private (the leading underscore keeps the registry from loading it as a rule).

* :func:`cache_mounted`: a BuildKit ``cache``/``tmpfs`` mount on apk's cache directory.
* :func:`package_name`, :func:`pin_of`: reading ``name[@tag][op version]`` specs the way
  apk does (``curl=8.9.1-r0``, ``py3-pip~24``, ``so:libc.musl-x86_64.so.1``, ``x.apk``).
* :func:`apk_stage`: the stages where apk advice applies (any stage but one built on a
  known glibc base; an ``apk`` there is another rule's finding).
* :func:`shipped`: whether a stage's layers can end up in an image someone runs (builder
  stages read only through ``COPY --from`` are not).
* :func:`lineage`, :func:`apk_runs`: a stage with the stages it builds on, and their RUNs
  in build order with their apk commands in script order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ...dockerfile import Instruction, ParsedCommand, Position, Stage
from ...knowledge.apk import apk_cache_dirs
from ..context import LintContext

#: apk's cache directory and the symlink that turns the cache on (``apk-paths.json``).
CACHE_DIRS = apk_cache_dirs()
#: What makes an ``apk add`` argument pinned for hadolint's DL3018 (and for us).
PIN_CHARS = "=~<>"
_SPEC = re.compile(r"^(?P<name>[^=~<>@]*)(?P<tag>@[^=~<>]*)?(?P<op>[=~<>]+)?(?P<version>.*)$")


def cache_mounted(ins: Instruction) -> bool:
    """True when the RUN has a ``cache`` or ``tmpfs`` mount on apk's cache directory."""
    return any(
        m.type in ("cache", "tmpfs") and (m.target or "").rstrip("/") in CACHE_DIRS
        for m in ins.mounts
    )


@dataclass(frozen=True)
class Pin:
    """How an ``apk add`` argument constrains its version."""

    pinned: bool  # a version constraint (=, ~, <, >) or a local .apk file
    fuzzy: bool  # the constraint uses ``~`` (any version with that prefix)


def pin_of(spec: str) -> Pin:
    """Pinned (hadolint's test) when it has ``=``, ``~``, ``<`` or ``>``, or ends ``.apk``."""
    if spec.endswith(".apk"):
        return Pin(True, False)
    m = _SPEC.match(spec)
    op = (m["op"] or "") if m else ""
    if any(ch in spec for ch in PIN_CHARS):
        return Pin(True, "~" in (op or spec))
    return Pin(False, False)


def package_name(spec: str) -> str | None:
    """The package an ``apk add``/``apk del`` argument names, or None (a file, a URL).

    ``curl=8.9.1-r0`` → ``curl``; ``php83@community`` → ``php83``; ``./x.apk`` → None.
    """
    if spec.endswith(".apk") or "/" in spec or not spec:
        return None
    m = _SPEC.match(spec)
    name = m["name"] if m else spec
    return name or None


def is_group_name(name: str, groups: frozenset[str]) -> bool:
    """True for a virtual group: made by an ``apk add --virtual`` here, or a dot name.

    (A dot is apk's convention for virtual names: no real package name starts with one.)
    """
    return name in groups or name.startswith(".")


def virtual_groups(ctx: LintContext) -> frozenset[str]:
    """Every group name some ``apk add -t/--virtual`` in the file creates."""
    out: set[str] = set()
    for _, cmd in ctx.commands(None, "apk"):
        if cmd.subcommand == "add":
            name = cmd.value("virtual")
            if name:
                out.add(name)
    return frozenset(out)


def apk_stage(ctx: LintContext, stage: Stage) -> bool:
    """True unless the stage builds on a known glibc base (apk can't run there at all)."""
    return ctx.facts(stage).libc != "glibc"


def lineage(ctx: LintContext, stage: Stage) -> list[Stage]:
    """The stages with RUNs ``stage`` builds on (``FROM earlier``), oldest first, then ``stage``.

    Stages without a RUN are left out; at most
    :data:`~alpine_ready.dockerfile.MAX_LINEAGE` stages (:meth:`LintContext.lineage`).
    Whether one stage builds on another: :meth:`LintContext.builds_on`.
    """
    chain = ctx.lineage(stage)
    return chain if chain and chain[-1] is stage else [*chain, stage]


def _copy_sources(ctx: LintContext) -> frozenset[int]:
    """Stages read by ``COPY --from``/``ADD --from`` or ``RUN --mount=from=``."""
    out: set[int] = set()
    df = ctx.dockerfile
    for ins in df.instructions:
        names: list[str | None] = []
        if ins.keyword in ("COPY", "ADD"):
            names.extend(ins.flag_values("from"))
        if ins.keyword == "RUN":
            names.extend(m.get("from") for m in ins.mounts)
        for name in names:
            if not name:
                continue
            found = df.stage_named(name)
            if found is not None:
                out.add(found.index)
    return frozenset(out)


def _shipped(ctx: LintContext) -> frozenset[int]:
    stages = ctx.stages
    if not stages:
        return frozenset()
    parents = ctx.dockerfile.stage_tree.parent
    built_on = {p for p in parents if p is not None}
    copied = _copy_sources(ctx)
    marked = [False] * len(stages)
    for s in reversed(stages):
        if s.index == stages[-1].index or (s.index not in built_on and s.index not in copied):
            marked[s.index] = True
        parent = parents[s.index]
        if marked[s.index] and parent is not None:
            marked[parent] = True
    return frozenset(i for i, m in enumerate(marked) if m)


def shipped(ctx: LintContext, stage: Stage) -> bool:
    """True when the stage's layers can be part of an image that is run or pushed.

    The targets are the last stage and every stage nothing builds on or copies from (a
    ``--target`` candidate); a stage counts when it is a target or a target builds on it.
    A builder stage whose files reach other stages only through ``COPY --from`` does not:
    whatever its layers hold is never shipped.  (Computed once per file.)
    """
    return stage.index in ctx.memo("shipped", lambda: _shipped(ctx))


@dataclass(frozen=True)
class ApkCall:
    """One apk command of a RUN, with the RUN and its order in the build."""

    instruction: Instruction
    command: ParsedCommand

    @property
    def position(self) -> Position:
        """Where the command is written."""
        return self.command.command.position


def apk_calls(ctx: LintContext, ins: Instruction) -> list[ApkCall]:
    """The apk commands of one RUN in the order they are written.

    Computed once per RUN and lint: ten rules ask for every RUN.
    """

    def compute() -> list[ApkCall]:
        calls = [ApkCall(i, c) for i, c in ctx.commands(ins, "apk")]
        return sorted(calls, key=lambda c: c.position)

    return ctx.memo(("apk_calls", ins.index), compute)


def apk_runs(ctx: LintContext, stage: Stage) -> Iterator[tuple[Instruction, list[ApkCall]]]:
    """The RUNs of ``stage`` and the stages it builds on, in build order, with apk commands.

    ``ONBUILD RUN`` is left out: it runs in another build.
    """
    for st in lineage(ctx, stage):
        for ins in ctx.runs(st):
            if ins.keyword == "RUN":
                yield ins, apk_calls(ctx, ins)


def removes_apk_cache(ctx: LintContext, ins: Instruction, after: Position) -> bool:
    """True when an ``rm`` written after ``after`` in the RUN deletes apk's cache directory.

    ``rm -rf /var/cache/apk/*``, ``/var/cache/apk``, ``/var/cache/*`` …; not one that may
    not run when the build succeeds: after ``||``, in a function, in a condition's test.
    """
    for _, cmd in ctx.commands(ins, "rm"):
        c = cmd.command
        if c.position <= after or c.in_function or c.in_condition or c.operator_before == "||":
            continue
        for word in cmd.operands:
            if _covers_cache(word.value):
                return True
    return False


def _covers_cache(path: str) -> bool:
    path = path.rstrip("/")
    for target in CACHE_DIRS:
        if path == target or path.startswith(target + "/"):
            return True
        base = path[:-1].rstrip("/") if path.endswith("*") else None
        if base is not None and (target + "/").startswith(base + "/") and base:
            return True
    return False
