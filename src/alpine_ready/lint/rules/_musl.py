"""What the musl and base-image rules (AR2xx, AR3xx) share.

Private (the leading underscore keeps the registry from loading it as a rule).

* :func:`stage_chain`, :func:`base_contents`: a stage with the stages it builds on, and
  what its root base image is known to contain (``python:*-alpine`` has python3, no
  compiler; an unknown image: nothing is known).
* :class:`ApkOps`: the ``apk add``/``apk del`` commands of a stage chain in build order,
  and which packages are installed at a given point (``--virtual`` groups followed).
* :func:`glibc_download` (from :mod:`alpine_ready.knowledge.downloads`, the table
  translate reads too): whether a URL names a glibc build, and its musl sibling when the
  naming scheme is known.
* :func:`pip_installs`, :func:`pip_statuses`: the ``name==version`` / ``name`` operands
  of ``pip install`` commands, and what the dependency check says of them.
* Word helpers: the file position of a character of a word, the word's text after
  ARG/ENV substitution, an :class:`~..model.Edit` replacing a word when it is safe to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ...dockerfile import (
    ImageName,
    Instruction,
    ParsedCommand,
    Position,
    SimpleCommand,
    Stage,
    Word,
    expand_at,
)
from ...knowledge.build import build_tools
from ...knowledge.downloads import URL, GlibcDownload, glibc_download
from ...knowledge.images import base_images
from ..context import LintContext
from ..model import Edit, Point

__all__ = ["URL", "GlibcDownload", "glibc_download"]  # re-exported for the rules

# -- stages and base images ------------------------------------------------------------------


def stage_chain(ctx: LintContext, stage: Stage) -> tuple[Stage, ...]:
    """``stage`` and the stages with RUNs it builds on (``FROM builder``), oldest first.

    Stages without a RUN are left out (they add nothing to a history); at most
    :data:`~alpine_ready.dockerfile.MAX_LINEAGE` stages (see :meth:`LintContext.lineage`).
    """
    chain = ctx.lineage(stage)
    return tuple(chain) if chain and chain[-1] is stage else (*chain, stage)


def root_image(ctx: LintContext, stage: Stage) -> ImageName | None:
    """The image the stage chain starts from (None: scratch, unresolved, …)."""
    return ctx.root(stage).base_image


def official_name(image: ImageName | None) -> str | None:
    """``python`` for a Docker Hub official image (``python:3.12``), else None."""
    if (
        image is None
        or image.registry != "docker.io"
        or not image.repository.startswith("library/")
    ):
        return None
    return image.short_name


def base_contents(ctx: LintContext, stage: Stage) -> frozenset[str] | None:
    """What the chain's root image has of the tools we track; None when not known.

    The official images whose contents are known (``alpine-base-images.json``'s
    ``alpine_contents``): none has a C compiler, make or bash (the ``bash`` image aside).
    """
    name = official_name(root_image(ctx, stage))
    return None if name is None else base_images().contents.get(name)


# -- apk -------------------------------------------------------------------------------------

_SPEC = re.compile(r"^(?P<name>[^=~<>@]+)")


def apk_package(word: Word) -> str | None:
    """The package an ``apk add``/``del`` operand names (``bash=5.2-r0`` → bash), or None."""
    if not word.static:
        return None
    return _spec_name(word.value)


def _spec_name(value: str) -> str | None:
    if not value or value.endswith(".apk") or "/" in value:
        return None
    m = _SPEC.match(value)
    return m["name"] if m else None


_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_SETS = re.compile(r"(?<![\w$])(\w+)\+?=|\bfor\s+(\w+)|\bexport\s+(\w+)")
_READ = re.compile(r"\bread\b([^;&|\n]*)")
_FROM_COMMAND = re.compile(r"(?<![\w$])(\w+)=[\"']?(?:\$\(|`)")


def set_in_run(ctx: LintContext, ins: Instruction) -> frozenset[str]:
    """The names the RUN's own shell text may set (``X=``, ``for X``, ``read X``, ``export X``).

    ARG/ENV values do not tell what such a variable holds.  Computed once per RUN.
    """

    def compute() -> frozenset[str]:
        text = ctx.script(ins).text
        names = {n for m in _SETS.finditer(text) for n in m.groups() if n}
        for m in _READ.finditer(text):
            names.update(re.findall(r"\w+", m.group(1)))
        return frozenset(names)

    return ctx.memo(("set-in-run", ins.index), compute)


def set_from_command(ctx: LintContext, ins: Instruction) -> frozenset[str]:
    """The names the RUN sets from a command's output (``runDeps="$(scanelf …)"``)."""
    return ctx.memo(
        ("set-from-command", ins.index),
        lambda: frozenset(_FROM_COMMAND.findall(ctx.script(ins).text)),
    )


_ASSIGNED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\+?=")
_DECLARES = frozenset({"export", "local", "readonly", "declare", "typeset"})


def shell_values(ctx: LintContext, ins: Instruction, word: Word) -> tuple[str | None, ...] | None:
    """What the RUN's own variables in ``word`` may hold where ``word`` is written.

    One entry per assignment written before ``word`` (``X=…``, ``export X=…``) to a
    variable ``word`` names: the assigned text with ARG/ENV references expanded when
    they all have values (``nginx=${NGINX_VERSION}-r1``), or None for a command's output
    (``X="$(scanelf …)"``).  None overall when some variable the RUN sets has no such
    assignment (``for X``, ``read X``, set only in a function): nothing can be known.
    """
    names = set(_VAR.findall(word.raw)) & set_in_run(ctx, ins)
    found: dict[str, list[str | None]] = {n: [] for n in names}
    for cmd in ctx.script(ins).commands:
        if cmd.in_function or cmd.in_substitution or cmd.position >= word.start:
            continue
        if cmd.argv and cmd.program not in _DECLARES:
            continue  # `X=1 cmd`: X is set for cmd only
        candidates = cmd.assignments + (cmd.args if cmd.argv else ())
        for w in candidates:
            m = _ASSIGNED.match(w.value)
            if m is None or m[1] not in found or w.start >= word.start:
                continue
            raw = w.raw.split("=", 1)[1] if "=" in w.raw else ""
            if "$(" in raw or "`" in raw:
                found[m[1]].append(None)
                continue
            value = w.value[m.end() :]
            expansion = expand_at(ctx.dockerfile, ins, value, "\\")
            found[m[1]].append(expansion.value if expansion.complete else value)
    if any(not v for v in found.values()):
        return None
    return tuple(v for vs in found.values() for v in vs)


def apk_packages(ctx: LintContext, ins: Instruction, word: Word) -> tuple[str, ...]:
    """The packages an ``apk add``/``del`` operand names, ARG/ENV lists expanded.

    ``$PHPIZE_DEPS`` (``ENV PHPIZE_DEPS autoconf … g++ gcc make``, the official php
    images) names every package of its value; a command substitution, a variable the RUN
    sets itself or one without an ARG/ENV value names nothing that can be known.
    """
    if word.static:
        name = apk_package(word)
        return () if name is None else (name,)
    raw = word.raw
    if "$(" in raw or "`" in raw or not set_in_run(ctx, ins).isdisjoint(_VAR.findall(raw)):
        return ()
    expansion = expand_at(ctx.dockerfile, ins, raw)
    if not expansion.complete:
        return ()
    return tuple(n for part in expansion.value.split() if (n := _spec_name(part)) is not None)


@dataclass(frozen=True)
class ApkOp:
    """One ``apk add`` or ``apk del`` in build order."""

    instruction: Instruction
    command: ParsedCommand
    op: str  # "add" | "del"
    names: tuple[str, ...]  # packages (or group names, for del)
    words: tuple[Word, ...]  # the operand word of each name
    virtual: str | None  # the --virtual group of an add

    @property
    def position(self) -> Position:
        """Where the command is."""
        return self.command.command.position


def _stage_apk_ops(ctx: LintContext, stage: Stage) -> list[ApkOp]:
    """The ``apk add``/``del`` of one stage's RUNs (computed once per stage)."""

    def compute() -> list[ApkOp]:
        out: list[ApkOp] = []
        for ins, cmd in ctx.commands(stage, "apk"):
            if (
                ins.keyword != "RUN"
                or cmd.command.in_function
                or cmd.subcommand not in ("add", "del")
            ):
                continue
            pairs = [(n, w) for w in cmd.operands for n in apk_packages(ctx, ins, w)]
            out.append(
                ApkOp(
                    ins,
                    cmd,
                    cmd.subcommand,
                    tuple(n for n, _ in pairs),
                    tuple(w for _, w in pairs),
                    cmd.value("virtual") if cmd.subcommand == "add" else None,
                )
            )
        return out

    return ctx.memo(("apk-stage-ops", stage.index), compute)


class ApkOps:
    """The apk commands that run when a stage chain is built.

    ONBUILD and function bodies are left out: they do not run in this build.  What is
    installed at a point is replayed once, forward: questions asked in build order
    cost what the commands between them cost (a question about an earlier point
    replays from the start).
    """

    def __init__(self, ops: list[ApkOp]) -> None:
        self.ops = ops
        self._deleted: dict[str, Position] | None = None
        self._reset()

    def _reset(self) -> None:
        self._next = 0
        self._owners: dict[str, set[str]] = {}
        self._groups: dict[str, tuple[str, ...]] = {}

    @classmethod
    def of(cls, ctx: LintContext, stage: Stage) -> ApkOps:
        """Every ``apk add``/``del`` of ``stage`` and the stages it builds on (once per stage)."""

        def compute() -> ApkOps:
            out = [op for s in stage_chain(ctx, stage) for op in _stage_apk_ops(ctx, s)]
            out.sort(key=lambda o: o.position)
            return cls(out)

        return ctx.memo(("apk-ops", stage.index), compute)

    def _advance(self, at: Position) -> None:
        if self._next and not self.ops[self._next - 1].position < at:
            self._reset()  # a command already replayed is not before ``at``
        owners, groups = self._owners, self._groups
        while self._next < len(self.ops) and self.ops[self._next].position < at:
            op = self.ops[self._next]
            self._next += 1
            if op.op == "add":
                owner = op.virtual or ""
                if op.virtual:
                    groups[op.virtual] = op.names
                    owners.setdefault(op.virtual, set()).add("")
                for n in op.names:
                    owners.setdefault(n, set()).add(owner)
                continue
            for n in op.names:
                for member in groups.pop(n, ()):
                    owners.get(member, set()).discard(n)
                owners.get(n, set()).discard("")

    def has(self, name: str, at: Position) -> bool:
        """True when ``name`` is in apk's world just before ``at`` (meta packages expanded).

        Meta packages (``build-base``) are ``build-tools.json``'s.
        """
        self._advance(at)
        if self._owners.get(name):
            return True
        return any(
            name in provides and self._owners.get(meta)
            for meta, provides in build_tools().meta_packages.items()
        )

    def installed(self, at: Position) -> frozenset[str]:
        """Packages in apk's world just before ``at`` (meta packages expanded)."""
        self._advance(at)
        world = {n for n, o in self._owners.items() if o}
        for meta, provides in build_tools().meta_packages.items():
            if meta in world:
                world |= provides
        return frozenset(world)

    def deleted_after(self, add: ApkOp, name: str) -> bool:
        """True when ``name`` of ``add`` is removed after it (by name or by its group)."""
        if self._deleted is None:
            last: dict[str, Position] = {}
            for op in self.ops:
                if op.op == "del":
                    for n in op.names:
                        if n not in last or last[n] < op.position:
                            last[n] = op.position
            self._deleted = last
        for key in (name, add.virtual):
            when = self._deleted.get(key) if key is not None else None
            if when is not None and when > add.position:
                return True
        return False


# -- words -----------------------------------------------------------------------------------


def word_point(word: Word, offset: int) -> Position:
    """The file position of ``word.raw[offset]``.

    The word's start when the word is not written on one line as its raw text.
    """
    if word.start.line == word.end.line and word.end.column - word.start.column == len(word.raw):
        return Position(word.start.line, word.start.column + offset)
    return word.start


def word_edit(ctx: LintContext, word: Word, new_raw: str) -> Edit | None:
    """An edit replacing ``word`` with ``new_raw``, or None when that is not safe.

    Safe: the word sits on one line exactly as its raw text (no continuation inside it,
    not inside a quoted ``sh -c`` string).
    """
    if word.start.line != word.end.line:
        return None
    line = ctx.dockerfile.line(word.start.line)
    if line[word.start.column - 1 : word.end.column - 1] != word.raw:
        return None
    return Edit(
        Point(word.start.line, word.start.column), Point(word.end.line, word.end.column), new_raw
    )


def text_edit(ctx: LintContext, at: Position, old: str, new: str) -> Edit | None:
    """An edit replacing ``old`` written at ``at`` by ``new``; None if ``old`` is not there."""
    line = ctx.dockerfile.line(at.line)
    if line[at.column - 1 : at.column - 1 + len(old)] != old:
        return None
    return Edit(Point(at.line, at.column), Point(at.line, at.column + len(old)), new)


def expanded(ctx: LintContext, instruction: Instruction, text: str) -> str:
    """``text`` with quotes removed and ARG/ENV values substituted (unknown ones kept).

    The text as written when the file's expansion budget stopped it.
    """
    return expand_at(ctx.dockerfile, instruction, text).value


def run_words(
    ctx: LintContext, stage: Stage | None = None
) -> Iterator[tuple[Instruction, SimpleCommand, Word]]:
    """Every word of every command of the RUNs (of one stage), assignments included.

    Commands that are only assignments (``URL=https://… && curl "$URL"``) count.  A word
    holding a whole command string (``sh -c "curl …"``) is left out: the commands in it
    are listed on their own.
    """
    for ins in ctx.runs(stage):
        for cmd in ctx.script(ins).commands:
            for word in cmd.words:
                if any(ch.isspace() for ch in word.value):
                    continue
                yield ins, cmd, word


# -- pip -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipRequirement:
    """One package operand of ``pip install``, as the checker is asked about it."""

    word: Word
    query: str  # "duckdb==1.3.2" or "duckdb"
    name: str  # as written (extras dropped)


_PATHLIKE = re.compile(r"^(\.|/|~)|\.(whl|zip|tar\.gz|tgz|tar\.bz2)$|://|^git\+")


def pip_requirement(text: str) -> tuple[str, str] | None:
    """(query, name) for a requirement pinned with ``==`` or given by name alone.

    Ranges are left out except pure lower bounds (``numpy>=2``: judged on the newest
    release, as pip picks it); paths, URLs and files are left out.
    """
    if not text or _PATHLIKE.search(text):
        return None
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    if req.url or req.marker is not None:
        return None
    specs = list(req.specifier)
    if not specs or all(s.operator in (">=", ">") for s in specs):
        return req.name, req.name
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return f"{req.name}=={specs[0].version}", req.name
    return None


def pip_installs(
    ctx: LintContext, stage: Stage
) -> Iterator[tuple[Instruction, ParsedCommand, list[PipRequirement]]]:
    """Every ``pip install`` of the stage from the index, with its checkable packages.

    ARG/ENV values are substituted in the operands.

    Left out: installs from a local wheel directory (``--no-index``, ``--find-links``),
    from another index (``--index-url``: the checker asks PyPI), for another platform or
    into another directory (``--platform``, ``--target``, ``--prefix``, ``--root``).
    """
    for ins, cmd in ctx.commands(stage, "pip"):
        if cmd.subcommand != "install" or cmd.has(
            "no-index",
            "find-links",
            "index-url",
            "extra-index-url",
            "platform",
            "target",
            "prefix",
            "root",
            "python-version",
            "abi",
            "implementation",
        ):
            continue
        reqs: list[PipRequirement] = []
        for word in cmd.operands:
            text = word.value if word.static else expanded(ctx, ins, word.raw)
            if "$" in text:
                continue
            got = pip_requirement(text)
            if got is not None:
                reqs.append(PipRequirement(word, got[0], got[1]))
        yield ins, cmd, reqs


def only_binary_all(cmd: ParsedCommand) -> bool:
    """True when ``--only-binary :all:`` forbids source builds."""
    return any(o.name == "only-binary" and ":all:" in (o.value or "") for o in cmd.options)


def stage_python(ctx: LintContext, stage: Stage | None) -> str | None:
    """CPython X.Y of a stage's base (``python:3.11-alpine3.20`` -> 3.11).

    ``FROM earlier-stage`` is followed; None when the base does not say.
    """
    seen: set[int] = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        image = stage.base_image
        if image is not None and image.short_name == "python" and image.tag:
            m = re.match(r"(\d+\.\d+)", image.tag)
            if m:
                return m[1]
        stage = ctx.stages[stage.parent] if stage.parent is not None else None
    return None


def pip_statuses(
    ctx: LintContext, reqs: list[PipRequirement], stage: Stage | None = None
) -> dict[str, str]:
    """The checker's status for each query it knows (nothing without a checker).

    The stage's Python (``python:3.11-alpine``) is the target when the checker can take
    one (:meth:`alpine_ready.lint.pipcheck.PipCheck.for_python`); else CPython 3.12.
    """
    if ctx.pip_checker is None or not reqs:
        return {}
    checker = ctx.pip_checker
    python = stage_python(ctx, stage)
    for_python = getattr(checker, "for_python", None)
    if python is not None and callable(for_python):
        checker = for_python(python)
    queries = list(dict.fromkeys(r.query for r in reqs))
    answer = checker(queries)
    by_norm = {
        canonicalize_name(k.split("==", 1)[0]): v for k, v in answer.items() if v is not None
    }
    out: dict[str, str] = {}
    for r in reqs:
        status = answer.get(r.name) or answer.get(r.query) or by_norm.get(canonicalize_name(r.name))
        if status is not None:
            out[r.query] = status
    return out
