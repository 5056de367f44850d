"""What a parsed Dockerfile is: instructions, stages and positions in the original text.

Every position is 1-based and points into the file as it is on disk (after an optional
UTF-8 byte-order mark, which is not counted).  Columns count characters (code points),
a tab counting as one.  A :class:`SourceMap` carries positions through the rewriting the
Dockerfile grammar does (line continuations removed, comment lines inside a continued
instruction dropped, heredoc bodies split off), so a shell word found at offset 17 of a
RUN's logical text is reported at the line and column where it really is.
"""

from __future__ import annotations

import csv
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .expand import Scopes
    from .stages import StageTree


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """A place in the original file: 1-based line and 1-based column (characters)."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"

    def down(self, lines: int) -> Position:
        """The same column ``lines`` lines further down (up, if negative)."""
        return Position(self.line + lines, self.column) if lines else self


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of characters of a derived text that sit unbroken on one original line.

    ``length`` characters from ``offset`` come from ``line``:``column`` onwards.
    """

    offset: int
    length: int
    line: int
    column: int


def _segment_offset(segment: Segment) -> int:
    return segment.offset


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Offsets in a derived text → positions in the original file.

    A derived text is a RUN's logical line, a heredoc body, an ``sh -c`` string, ….

    Characters the derivation inserted (the newline BuildKit puts between a RUN line and
    its heredoc bodies, say) map to the position just after the preceding segment.
    """

    segments: tuple[Segment, ...]

    def position(self, offset: int) -> Position:
        """The original position of the character at ``offset``."""
        if not self.segments:
            return Position(1, 1)
        i = bisect_right(self.segments, offset, key=_segment_offset) - 1
        if i < 0:
            first = self.segments[0]
            return Position(first.line, first.column)
        seg = self.segments[i]
        delta = min(offset - seg.offset, seg.length)
        return Position(seg.line, seg.column + delta)

    def end_position(self, end: int) -> Position:
        """The position just after the character at ``end - 1`` (an exclusive end)."""
        if end <= 0:
            return self.position(0)
        last = self.position(end - 1)
        return Position(last.line, last.column + 1)

    def shift(self, start: int, end: int | None = None) -> SourceMap:
        """The map of ``text[start:end]`` given this map of ``text`` (``end``: to the end).

        Found by bisection: a window of a long text costs what the window holds, so the
        nested parses of ``$( … )`` in a long RUN stay linear.
        """
        segs = self.segments
        first = max(bisect_left(segs, start, key=_segment_offset) - 1, 0)
        out: list[Segment] = []
        for k in range(first, len(segs)):
            seg = segs[k]
            if end is not None and seg.offset >= end and out:
                break
            seg_end = seg.offset + seg.length
            if seg_end <= start and not (seg.length == 0 and seg.offset == start):
                continue
            if seg.offset >= start:
                out.append(Segment(seg.offset - start, seg.length, seg.line, seg.column))
            else:
                cut = start - seg.offset
                out.append(Segment(0, seg.length - cut, seg.line, seg.column + cut))
        if not out and segs:
            pos = self.position(start)
            out.append(Segment(0, 0, pos.line, pos.column))
        return SourceMap(tuple(out))

    def compose(self, offsets: Sequence[int]) -> SourceMap:
        """The map of a text whose i-th character came from ``offsets[i]`` of this text."""
        out: list[Segment] = []
        for i, off in enumerate(offsets):
            pos = self.position(off)
            if out:
                last = out[-1]
                if (
                    last.line == pos.line
                    and last.column + last.length == pos.column
                    and last.offset + last.length == i
                ):
                    out[-1] = Segment(last.offset, last.length + 1, last.line, last.column)
                    continue
            out.append(Segment(i, 1, pos.line, pos.column))
        return SourceMap(tuple(out))

    def down(self, lines: int) -> SourceMap:
        """The map of the same text moved ``lines`` lines further down."""
        if not lines:
            return self
        return SourceMap(
            tuple(Segment(s.offset, s.length, s.line + lines, s.column) for s in self.segments)
        )

    @staticmethod
    def for_text(text: str, line: int = 1, column: int = 1) -> SourceMap:
        """The map of ``text`` placed verbatim at ``line``:``column`` (split at newlines)."""
        segments: list[Segment] = []
        offset = 0
        for i, piece in enumerate(text.split("\n")):
            segments.append(Segment(offset, len(piece), line + i, column if i == 0 else 1))
            offset += len(piece) + 1
        return SourceMap(tuple(segments))

    @staticmethod
    def concat(parts: Sequence[tuple[int, SourceMap]]) -> SourceMap:
        """One map from maps of pieces placed at the given offsets (ascending)."""
        segments: list[Segment] = []
        for start, part in parts:
            segments.extend(
                Segment(s.offset + start, s.length, s.line, s.column) for s in part.segments
            )
        return SourceMap(tuple(segments))


def _parse_csv_options(value: str) -> tuple[tuple[str, str], ...]:
    """``type=cache,target=/x,ro`` → (("type", "cache"), ("target", "/x"), ("ro", "true"))."""
    try:
        fields = next(csv.reader([value]), [])
    except csv.Error:
        fields = value.split(",")
    out: list[tuple[str, str]] = []
    for item in fields:
        item = item.strip()
        if not item:
            continue
        key, sep, val = item.partition("=")
        out.append((key.strip().lower(), val if sep else "true"))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Flag:
    """A BuildKit flag on an instruction: ``--mount=type=cache,target=/var/cache/apk``."""

    name: str  # "mount" (no dashes)
    value: str | None  # "type=cache,target=/var/cache/apk"; None for a bare ``--link``
    original: str  # the flag after BuildKit's quote removal, dashes included
    position: Position  # of the first dash

    @property
    def options(self) -> dict[str, str]:
        """The value as comma-separated ``key=value`` fields (a bare key maps to ``"true"``).

        Keys are lower-cased; a repeated key keeps its last value.
        """
        return dict(_parse_csv_options(self.value or ""))


@dataclass(frozen=True, slots=True)
class Mount:
    """One ``RUN --mount=…``: its type (``bind`` when not given), target and all fields."""

    type: str
    target: str | None  # ``target``, ``dst`` or ``destination``
    options: tuple[tuple[str, str], ...]
    flag: Flag

    def get(self, key: str) -> str | None:
        """The value of a field (last one wins), or None."""
        found = None
        for k, v in self.options:
            if k == key:
                found = v
        return found


@dataclass(frozen=True, slots=True)
class Heredoc:
    """A heredoc attached to RUN/COPY/ADD, with where its body sits in the file."""

    name: str  # the delimiter, quotes removed ("EOF")
    content: str  # the body exactly as in the file (each line with its newline)
    file_descriptor: int  # 0 unless written ``3<<EOF``
    chomp: bool  # ``<<-``: leading tabs are stripped from the body
    expand: bool  # False when the delimiter was quoted (``<<'EOF'``)
    position: Position  # of the ``<<`` operator in the instruction line
    body_line: int  # first line of the body (the terminator's line when the body is empty)
    terminator_line: int  # the line holding the delimiter that ends the body

    @property
    def source_map(self) -> SourceMap:
        """Offsets in :attr:`content` → positions in the file."""
        return SourceMap.for_text(self.content, self.body_line, 1)


@dataclass(frozen=True, slots=True)
class Instruction:
    """One Dockerfile instruction as BuildKit's parser sees it, with original positions."""

    index: int  # 0-based ordinal in the file
    keyword: str  # upper-case ("RUN")
    sub_keyword: str | None  # ONBUILD's instruction ("RUN"), else None
    flags: tuple[Flag, ...]
    arguments: tuple[str, ...]  # BuildKit's values: the shell text, the JSON items, …
    json_form: bool  # exec (JSON array) form
    original: str  # BuildKit's text: the logical line, then any heredoc bodies
    text: str  # the logical line: continuations joined, comment lines dropped
    source_map: SourceMap  # offsets in ``text`` → file positions
    arguments_offset: int  # where the arguments start in ``text``
    argument_positions: tuple[Position | None, ...]  # one per argument, None if not found
    start_line: int  # BuildKit's start line (1-based)
    end_line: int  # last line, heredoc terminators included
    position: Position  # of the keyword
    heredocs: tuple[Heredoc, ...]
    stage: int | None  # index of the stage, None for ARGs before the first FROM

    @property
    def column(self) -> int:
        """Column of the keyword on its line."""
        return self.position.column

    def down(self, lines: int) -> Instruction:
        """The same instruction ``lines`` lines further down (a text edited above it)."""
        if not lines:
            return self
        return replace(
            self,
            source_map=self.source_map.down(lines),
            start_line=self.start_line + lines,
            end_line=self.end_line + lines,
            position=self.position.down(lines),
            argument_positions=tuple(
                None if p is None else p.down(lines) for p in self.argument_positions
            ),
            flags=tuple(replace(f, position=f.position.down(lines)) for f in self.flags),
            heredocs=tuple(
                replace(
                    h,
                    position=h.position.down(lines),
                    body_line=h.body_line + lines,
                    terminator_line=h.terminator_line + lines,
                )
                for h in self.heredocs
            ),
        )

    @property
    def arguments_text(self) -> str:
        """The raw text after the keyword and flags (shell form: the script)."""
        return self.text[self.arguments_offset :].rstrip()

    @property
    def shell_form(self) -> bool:
        """True when the arguments are shell text (not a JSON array)."""
        return not self.json_form

    def position_at(self, offset: int) -> Position:
        """File position of ``text[offset]``."""
        return self.source_map.position(offset)

    def flag(self, name: str) -> Flag | None:
        """The last flag called ``name`` (no dashes), or None."""
        found = None
        for f in self.flags:
            if f.name == name:
                found = f
        return found

    def flag_values(self, name: str) -> tuple[str | None, ...]:
        """Values of every flag called ``name``, in order (``--mount`` may repeat)."""
        return tuple(f.value for f in self.flags if f.name == name)

    @property
    def mounts(self) -> tuple[Mount, ...]:
        """Every ``--mount`` of a RUN, parsed."""
        out: list[Mount] = []
        for f in self.flags:
            if f.name != "mount":
                continue
            opts = _parse_csv_options(f.value or "")
            d = dict(opts)
            target = d.get("target") or d.get("dst") or d.get("destination")
            out.append(Mount(d.get("type", "bind"), target, opts, f))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class ImageName:
    """A base image reference split Docker's way; ``tag`` is None when none was written."""

    text: str  # as resolved ("python:3.12-alpine")
    registry: str  # "docker.io" for Docker Hub
    repository: str  # "library/python"
    tag: str | None
    digest: str | None

    @property
    def short_name(self) -> str:
        """The last path component of the repository ("python")."""
        return self.repository.rsplit("/", 1)[-1]

    @property
    def effective_tag(self) -> str | None:
        """The tag Docker pulls: the written one, ``latest`` if neither tag nor digest."""
        if self.tag is None and self.digest is None:
            return "latest"
        return self.tag


@dataclass(frozen=True, slots=True)
class BuildArg:
    """An ``ARG`` declaration: name, default (None when declared without one)."""

    name: str
    default: str | None
    position: Position  # of the name
    instruction: int  # index of the ARG instruction


@dataclass(frozen=True, slots=True)
class Stage:
    """A build stage: ``FROM base [AS name]`` and the instructions up to the next FROM."""

    index: int
    name: str | None  # lower-cased, as BuildKit treats stage names
    base_original: str  # the image word as written ("alpine:${ALPINE_VERSION}")
    base: str  # after substituting global ARGs (unresolved variables kept as written)
    base_unresolved: tuple[str, ...]  # variables in the base with no known value
    base_image: ImageName | None  # None for scratch, a stage, unresolved or invalid names
    base_position: Position
    parent: int | None  # index of the earlier stage the FROM names
    platform: str | None  # ``--platform`` after substitution
    instructions: tuple[Instruction, ...]  # the FROM first

    @property
    def from_instruction(self) -> Instruction:
        """The stage's FROM."""
        return self.instructions[0]

    @property
    def position(self) -> Position:
        """Position of the FROM keyword."""
        return self.instructions[0].position

    @property
    def is_scratch(self) -> bool:
        """True for ``FROM scratch``."""
        return self.base.lower() == "scratch"


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile: the raw lines (for fixers) and the structure (for rules)."""

    path: str  # as the caller named it
    escape: str  # "\\" or "`"
    directives: tuple[tuple[str, str], ...]  # parser directives (lower-cased names)
    lines: tuple[str, ...]  # raw lines with their endings; ``"".join(lines)`` is the text
    has_bom: bool  # the file began with a UTF-8 byte-order mark (not part of ``lines``)
    instructions: tuple[Instruction, ...]
    global_args: tuple[BuildArg, ...]  # ARGs before the first FROM
    stages: tuple[Stage, ...]
    #: where parsing first stopped an ARG expansion (global ARGs, FROM), as a note
    expansion_note: str | None = None
    #: global ARGs whose value is unknown: their expansion was stopped, or needed such a one
    unknown_args: frozenset[str] = frozenset()

    @cached_property
    def scopes(self) -> Scopes:
        """Every instruction's ARG/ENV values and SHELL, computed once (:mod:`.expand`)."""
        from .expand import Scopes

        return Scopes(self)

    @cached_property
    def stage_tree(self) -> StageTree:
        """The stages' ``FROM earlier-stage`` links, computed once (:mod:`.stages`)."""
        from .stages import StageTree

        return StageTree.of(self.stages)

    @property
    def text(self) -> str:
        """The file's text (without a byte-order mark)."""
        return "".join(self.lines)

    def line(self, number: int) -> str:
        """The raw text of 1-based line ``number``, without its line ending."""
        return self.lines[number - 1].rstrip("\r\n")

    def directive(self, name: str) -> str | None:
        """A parser directive's value (``syntax``, ``escape``, ``check``), or None."""
        for key, value in self.directives:
            if key == name.lower():
                return value
        return None

    def stage_named(self, name: str) -> Stage | None:
        """The stage called ``name`` (case-insensitive) or with that index, or None."""
        found = self._stage_names.get(name.lower())
        if found is not None:
            return self.stages[found]
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        return None

    @cached_property
    def _stage_names(self) -> dict[str, int]:
        names: dict[str, int] = {}
        for stage in self.stages:
            if stage.name is not None:
                names.setdefault(stage.name, stage.index)
        return names

    def stage_of(self, instruction: Instruction) -> Stage | None:
        """The stage an instruction belongs to (None for global ARGs)."""
        return None if instruction.stage is None else self.stages[instruction.stage]
