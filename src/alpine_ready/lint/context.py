"""What a rule sees: the parsed Dockerfile, facts about each stage, RUN scripts parsed once.

Rules never parse: :class:`LintContext` parses each RUN (and ONBUILD RUN) once with
:func:`alpine_ready.dockerfile.parse_run` and hands out commands with their options.
:meth:`LintContext.finding` builds a :class:`~.model.Finding` at a Dockerfile position
with the rule's metadata, so every finding carries file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..dockerfile import (
    MAX_LINEAGE,
    Dockerfile,
    Instruction,
    ParsedCommand,
    Position,
    ShellBudget,
    ShellScript,
    Stage,
    find_commands,
    parse_run,
)
from ..dockerfile.shell import script_cost, unparsed
from ..knowledge.distros import distro_tools
from ..knowledge.images import base_images
from .model import Finding, Fix, RuleMeta, Severity

if TYPE_CHECKING:
    from ..knowledge.apkindex import PackageIndex

T = TypeVar("T")

#: An Alpine tag: ``alpine`` with the release it pins, if any (``3.12-alpine3.23``).
_ALPINE_TAG = re.compile(r"alpine(\d+\.\d+)?")

#: Looks up Python requirements for a musl target: name==version strings -> status value
#: (``musl-wheel``, ``source-build``, ``unavailable``…) or None when unknown.
PipChecker = Callable[[list[str]], Mapping[str, str | None]]
#: Alpine's package index of a release (``3.20``), or None when none can be read.
PackageIndexes = Callable[[str], "PackageIndex | None"]


@dataclass(frozen=True)
class StageFacts:
    """What is known about one stage's base."""

    libc: str | None  # "musl" (Alpine), "glibc", None: unknown (scratch, a variable…)
    alpine_version: str | None  # "3.20" from the tag, when it says
    base_stage: int | None  # the earlier stage it builds on (FROM builder)
    why: str  # how it was decided, for messages


@dataclass
class ScriptMemo:
    """The scripts of one lint of a file, offered to the next lint of an edited version.

    ``lint --fix`` lints the file again after each round of fixes; a RUN whose text,
    layout and SHELL are unchanged has the same script, moved by as many lines as the
    edits above it added or removed (:meth:`ShellScript.down`).  Only scripts of
    earlier lints are offered (:meth:`next_round`): one lint never shares between
    its own RUNs.
    """

    previous: dict[Hashable, tuple[int, ShellScript]] = field(default_factory=dict)
    current: dict[Hashable, tuple[int, ShellScript]] = field(default_factory=dict)

    def next_round(self) -> None:
        """Offer what the lint so far parsed to the lints that follow."""
        self.previous.update(self.current)
        self.current = {}

    @staticmethod
    def key(instruction: Instruction, shell: tuple[str, ...]) -> Hashable:
        """What a script depends on, with line numbers made relative to the instruction."""
        top = instruction.start_line
        return (
            instruction.keyword,
            instruction.sub_keyword,
            instruction.json_form,
            instruction.text,
            instruction.arguments_offset,
            shell,
            tuple(
                (g.offset, g.length, g.line - top, g.column)
                for g in instruction.source_map.segments
            ),
            tuple(
                (
                    h.name,
                    h.content,
                    h.file_descriptor,
                    h.chomp,
                    h.expand,
                    h.position.line - top,
                    h.position.column,
                    h.body_line - top,
                    h.terminator_line - top,
                )
                for h in instruction.heredocs
            ),
        )

    def script(self, instruction: Instruction, shell: tuple[str, ...]) -> ShellScript:
        """The instruction's script: an earlier lint's, moved, or parsed now."""
        key = self.key(instruction, shell)
        hit = self.previous.get(key)
        if hit is not None:
            got = hit[1].down(instruction.start_line - hit[0])
        else:
            got = parse_run(instruction, shell)
        self.current[key] = (instruction.start_line, got)
        return got


@dataclass
class LintContext:
    """The Dockerfile being linted, and per-rule options from the configuration.

    Everything a rule asks more than once is computed once per file: each RUN's
    script, each stage's facts, which stages are shipped, and any value a rule
    stores with :meth:`memo`.  The shell text parsed is bounded by one
    :class:`~alpine_ready.dockerfile.ShellBudget`; :attr:`notes` says when a limit
    cut something short.
    """

    dockerfile: Dockerfile
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # code -> options
    pip_checker: PipChecker | None = None  # None: no dependency lookups (offline, no cache)
    package_indexes: PackageIndexes | None = None  # None: no package index lookups
    shell_budget: ShellBudget = field(default_factory=ShellBudget)
    #: scripts parsed by earlier lints of an edited text (``lint --fix`` rounds)
    shared_scripts: ScriptMemo | None = None
    _scripts: dict[int, ShellScript] = field(default_factory=dict)
    _parsed: dict[int, list[ParsedCommand]] = field(default_factory=dict)
    _facts: dict[int, StageFacts] = field(default_factory=dict)
    _memo: dict[Hashable, Any] = field(default_factory=dict)
    _cut: list[int] = field(default_factory=list)  # stages whose history was cut

    # -- rule options ----------------------------------------------------------------------
    def option(self, meta: RuleMeta, name: str) -> Any:
        """A rule option: the configured value, else the rule's default."""
        configured = self.options.get(meta.code, {})
        if name in configured:
            return configured[name]
        return dict(meta.options)[name]

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, once per file and ``key`` (for what several rules ask)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast("T", self._memo[key])

    # -- stages ----------------------------------------------------------------------------
    @property
    def stages(self) -> tuple[Stage, ...]:
        """The build stages in order."""
        return self.dockerfile.stages

    def builds_on(self, stage: Stage, ancestor: Stage) -> bool:
        """True when ``stage`` is ``ancestor`` or is built on it (``FROM`` chains)."""
        return self.dockerfile.stage_tree.builds_on(stage.index, ancestor.index)

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stages with RUNs in ``stage``'s history, oldest first (``stage`` too if it has one).

        At most :data:`~alpine_ready.dockerfile.MAX_LINEAGE` of them: a deeper chain is
        cut (and :attr:`notes` says so).
        """
        indices, cut = self.dockerfile.stage_tree.lineage(stage.index)
        if cut and stage.index not in self._cut:
            self._cut.append(stage.index)
        return [self.stages[i] for i in indices]

    def root(self, stage: Stage) -> Stage:
        """The stage its ``FROM`` chain starts from (``stage`` itself when on an image)."""
        return self.stages[self.dockerfile.stage_tree.root[stage.index]]

    def facts(self, stage: Stage) -> StageFacts:
        """The base's libc and Alpine release, following ``FROM earlier-stage`` chains."""
        got = self._facts.get(stage.index)
        if got is not None:
            return got
        parents = self.dockerfile.stage_tree.parent
        todo = [stage.index]
        while (p := parents[todo[-1]]) is not None and p not in self._facts:
            todo.append(p)
        for index in reversed(todo):
            self._facts[index] = self._decide(self.stages[index])
        return self._facts[stage.index]

    def _decide(self, stage: Stage) -> StageFacts:
        parent_index = self.dockerfile.stage_tree.parent[stage.index]
        if parent_index is not None:
            parent = self.stages[parent_index]
            pf = self._facts[parent_index]
            # the root's reason, not the chain of them (20,000 nested "builds on …")
            origin = self._facts[self.dockerfile.stage_tree.root[stage.index]].why
            return StageFacts(
                pf.libc,
                pf.alpine_version,
                parent.index,
                f"builds on stage {parent.name or parent.index} ({origin})",
            )
        image = stage.base_image
        if image is None or stage.is_scratch:
            libc = "musl" if self._uses(stage, "apk") else None
            return StageFacts(libc, None, None, "its RUNs use apk" if libc else "unknown base")
        name, tag = image.short_name, image.tag or ""
        m = _ALPINE_TAG.search(tag)
        table = base_images()
        if name in table.alpine_names:
            version = tag if re.fullmatch(r"\d+\.\d+(\.\d+)?", tag) else None
            return StageFacts(
                "musl",
                ".".join(version.split(".")[:2]) if version else None,
                None,
                f"FROM {image.text}",
            )
        if m:
            return StageFacts("musl", m[1], None, f"FROM {image.text}")
        if table.glibc_image(name, image.repository) or table.glibc_tag(tag):
            return StageFacts("glibc", None, None, f"FROM {image.text}")
        if self._uses(stage, "apk"):
            return StageFacts("musl", None, None, "its RUNs use apk")
        if self._uses(stage, *sorted(distro_tools().installers)):
            return StageFacts(
                "glibc", None, None, "its RUNs use a glibc distribution's package manager"
            )
        # official language images without a variant tag are Debian (python:3.12, node:20)
        return (
            StageFacts("glibc", None, None, f"FROM {image.text} (Debian-based by default)")
            if tag and re.match(r"^\d", tag)
            else StageFacts(None, None, None, "unknown base")
        )

    def is_alpine(self, stage: Stage) -> bool:
        """True when the stage's base is Alpine (musl)."""
        return self.facts(stage).libc == "musl"

    def _uses(self, stage: Stage, *programs: str) -> bool:
        return any(True for _ in self.commands(stage, *programs))

    # -- RUN scripts -----------------------------------------------------------------------
    def runs(self, stage: Stage | None = None) -> Iterator[Instruction]:
        """RUN instructions (of one stage, or all), ONBUILD RUN included."""
        for ins in stage.instructions if stage is not None else self.dockerfile.instructions:
            if ins.keyword == "RUN" or (ins.keyword == "ONBUILD" and ins.sub_keyword == "RUN"):
                yield ins

    def script(self, instruction: Instruction) -> ShellScript:
        """The RUN's shell script, parsed once (or taken from :attr:`shared_scripts`)."""
        got = self._scripts.get(instruction.index)
        if got is None:
            got = self._parse_script(instruction)
            self._scripts[instruction.index] = got
        return got

    def _parse_script(self, instruction: Instruction) -> ShellScript:
        keyword = (
            instruction.sub_keyword if instruction.keyword == "ONBUILD" else instruction.keyword
        )
        shell = self.dockerfile.scopes.shell(instruction)
        if keyword in ("RUN", "CMD", "ENTRYPOINT") and not self.shell_budget.take(
            script_cost(instruction), instruction.start_line
        ):
            return unparsed(instruction)  # charged alike whether parsed or shared
        if self.shared_scripts is None:
            return parse_run(instruction, shell)
        return self.shared_scripts.script(instruction, shell)

    def commands(
        self, where: Stage | Instruction | None, *programs: str
    ) -> Iterator[tuple[Instruction, ParsedCommand]]:
        """Every command of ``programs`` (canonical names: apk, apt-get, pip…) in RUNs."""
        if isinstance(where, Instruction):
            instructions: Iterator[Instruction] = iter([where])
        else:
            instructions = self.runs(where)
        wanted = frozenset(programs)
        for ins in instructions:
            for cmd in self._parsed_commands(ins):
                if not wanted or cmd.program in wanted:
                    yield ins, cmd

    def _parsed_commands(self, instruction: Instruction) -> list[ParsedCommand]:
        """Every command of the RUN with a static name, read with its options (once)."""
        got = self._parsed.get(instruction.index)
        if got is None:
            got = list(find_commands(self.script(instruction)))
            self._parsed[instruction.index] = got
        return got

    # -- limits ----------------------------------------------------------------------------
    @property
    def notes(self) -> tuple[str, ...]:
        """Where a limit cut the analysis short (expansion, shell text, FROM chains)."""
        out = [
            n
            for n in (
                self.dockerfile.scopes.note
                if "scopes" in vars(self.dockerfile)
                else self.dockerfile.expansion_note,
                self.shell_budget.note,
            )
            if n is not None
        ]
        if self._cut:
            first = self.stages[min(self._cut)]
            out.append(
                f"line {first.position.line}: FROM chain over {MAX_LINEAGE} stages "
                "with RUNs deep (MAX_LINEAGE): the RUNs of the stages above those "
                "were not looked at"
            )
        return tuple(out)

    # -- findings --------------------------------------------------------------------------
    def finding(
        self,
        meta: RuleMeta,
        at: Instruction | Position,
        message: str,
        *,
        fix: Fix | None = None,
        end: Position | None = None,
    ) -> Finding:
        """A finding of rule ``meta`` at an instruction's keyword or a position."""
        pos = at.position if isinstance(at, Instruction) else at
        return Finding(
            file=self.dockerfile.path,
            line=pos.line,
            column=pos.column,
            code=meta.code,
            name=meta.name,
            severity=self.severity(meta),
            message=message,
            hadolint=meta.hadolint,
            fix=fix,
            end_line=end.line if end else None,
            end_column=end.column if end else None,
        )

    def severity(self, meta: RuleMeta) -> Severity:
        """The configured severity of a rule, else its default."""
        value = self.options.get(meta.code, {}).get("severity")
        return Severity.parse(value) if isinstance(value, str) else meta.severity
