"""Read a Dockerfile with BuildKit's own parser and add what it leaves out: columns.

The grammar (continuations, ``# escape=``, heredocs, JSON vs shell form, flags) is
BuildKit's, through the ``dockerfile`` binding.  We add exact positions (see
:mod:`._lines`), stages, ARG substitution in ``FROM``, and checks the binding does not
make.  What the binding does with bad input, and what we do instead:

* empty file, or only comments/blank lines: the binding raises "file with no
  instructions"; we raise :class:`InputError` ``FILE:1: no instructions …``.
* a NUL byte: the binding silently truncates the text at the NUL (it is handed over as a
  C string), and a file that *starts* binary reads as empty.  We refuse any NUL byte and
  any invalid UTF-8 as "binary file" / "not UTF-8 text", naming the line.
* an unterminated heredoc: the binding raises "unterminated heredoc" without a line; we
  find the instruction that opened it.
* an unknown instruction (``FOO bar``, or an unmatched continuation turning the next line
  into an instruction): the binding accepts it (only BuildKit's later dispatch stage
  rejects it); we raise ``FILE:LINE: unknown instruction 'FOO'``.
* an instruction other than ARG before the first FROM, a FROM without an image or with a
  bad ``AS name``, ``ONBUILD`` without a valid instruction: accepted by the binding,
  refused by ``docker build``; we raise as well.
* other parse errors of the binding (a JSON array with non-strings, a second or invalid
  ``escape`` directive) are reported at the first line where they occur.

Files larger than :data:`MAX_BYTES`, an instruction spanning more than
:data:`MAX_INSTRUCTION_LINES` lines or :data:`MAX_INSTRUCTION_CHARS` characters, or
holding more than :data:`MAX_INSTRUCTION_EXPANSIONS` ``${`` or nesting them deeper than
:data:`MAX_EXPANSION_DEPTH` (the binding's time grows with the square or the cube of
those), more than :data:`MAX_INSTRUCTIONS` instructions or :data:`MAX_STAGES` stages
are refused before the binding runs, with a one-line :class:`InputError` naming the
limit.  Parsing never writes.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

import dockerfile as _bk  # type: ignore[import-not-found]

from alpine_ready.errors import InputError
from alpine_ready.guard import read_bounded
from alpine_ready.inputs.image.reference import parse_docker_name

from . import _lines
from .expand import Budget, arg_pairs, expand
from .model import (
    BuildArg,
    Dockerfile,
    Flag,
    Heredoc,
    ImageName,
    Instruction,
    Position,
    SourceMap,
    Stage,
)

log = logging.getLogger(__name__)

MAX_BYTES = 4 * 1024 * 1024
#: Lines one instruction may span (continuations and heredoc bodies): the ``dockerfile``
#: binding joins them in quadratic time (16,000 continuation lines: 3 s; 128,000: 47 s).
MAX_INSTRUCTION_LINES = 4096
#: Characters one instruction may hold, its continuation lines and heredoc bodies included.
MAX_INSTRUCTION_CHARS = 512 * 1024
#: ``${`` one instruction may hold outside heredoc bodies: the binding's time is quadratic
#: in those of one word (85,000 in a continued word: ~25 s).
MAX_INSTRUCTION_EXPANSIONS = 4096
#: How deeply ``${`` may nest in one instruction: the binding's time is cubic in the
#: nesting of a RUN/COPY word (2,000 levels, 12 KB: 14 s).
MAX_EXPANSION_DEPTH = 32
#: Instructions one Dockerfile may hold (4 MiB of real Dockerfiles: ~47,000).
MAX_INSTRUCTIONS = 64 * 1024
#: Build stages (FROM instructions) one Dockerfile may hold.
MAX_STAGES = 25_000
KNOWN_INSTRUCTIONS: frozenset[str] = frozenset(str(c).upper() for c in _bk.all_cmds())
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")
_NOT_IN_ONBUILD = frozenset({"ONBUILD", "FROM", "MAINTAINER"})


def parse_dockerfile(
    path: str | os.PathLike[str], *, build_args: Mapping[str, str] | None = None
) -> Dockerfile:
    """Read and parse the Dockerfile at ``path`` (never modified).

    ``build_args`` play the part of ``--build-arg`` in ARG substitution.
    Raises :class:`InputError` for unreadable, oversized, binary or invalid files.
    """
    name = os.fspath(path)
    return parse_bytes(read_dockerfile(path), name, build_args=build_args)


def read_dockerfile(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the Dockerfile at ``path`` (at most :data:`MAX_BYTES`), or :class:`InputError`.

    Read through :func:`alpine_ready.guard.read_bounded`: a regular file, or a FIFO or
    character device named as the Dockerfile (``lint <(gen)``, ``/dev/stdin``), which
    is opened without blocking and read only as far as the size limit; never a
    directory, socket or block device.
    """
    return read_bounded(path, limit=MAX_BYTES, what="a Dockerfile", allow_special=True)


def decode_dockerfile(data: bytes, path: str = "Dockerfile") -> str:
    """A Dockerfile's bytes as text (UTF-8, a byte-order mark kept).

    :class:`InputError` for an oversized, binary or non-UTF-8 file.
    """
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{path}: file too large for a Dockerfile (more than {MAX_BYTES // (1024 * 1024)} MiB)"
        )
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InputError(f"{path}:{line}: binary file (NUL byte), not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}), not a Dockerfile"
        ) from None


def parse_bytes(
    data: bytes, path: str = "Dockerfile", *, build_args: Mapping[str, str] | None = None
) -> Dockerfile:
    """Parse a Dockerfile's bytes (UTF-8, optionally with a byte-order mark)."""
    return parse_text(decode_dockerfile(data, path), path, build_args=build_args)


def parse_text(
    text: str,
    path: str = "Dockerfile",
    *,
    build_args: Mapping[str, str] | None = None,
    reuse: Dockerfile | None = None,
) -> Dockerfile:
    """Parse Dockerfile text; ``path`` is only used in messages and the result.

    ``reuse``: an earlier parse of a text this one was edited from (``lint --fix``):
    an instruction whose lines, index and stage are the same is taken from it (the
    same object, or moved by :meth:`Instruction.down` when edits above it added or
    removed lines) instead of being built again.
    """
    lines, has_bom, directives, commands = _prepare(text, path)
    builder = _Builder(path, lines, has_bom, directives, dict(build_args or {}))
    if (
        reuse is not None
        and reuse.escape == builder.escape
        and reuse.directives == tuple((n, v) for n, v, _ in directives.items)
    ):
        builder.reuse = reuse
    return builder.build(commands)


def validate_text(text: str, path: str = "Dockerfile") -> None:
    """Refuse what :func:`parse_text` refuses (its :class:`InputError`), building nothing.

    For a text alpine-ready wrote (translate's output): BuildKit's grammar, the limits,
    and the checks :func:`parse_text` makes on the instructions -- without positions,
    stages or scopes, in half the time.
    """
    _, _, _, commands = _prepare(text, path)
    stage = -1
    for cmd in commands:
        c = _Command(cmd)
        keyword = c.cmd.upper()
        problem = _command_problem(c)
        if problem is None and keyword == "FROM":
            stage += 1
            problem = _from_problem(c.value)
        if problem is None and stage < 0 and keyword != "ARG":
            problem = f"{keyword} before the first FROM (only ARG may come before FROM)"
        if problem is not None:
            raise InputError(f"{path}:{c.start_line}: {problem}")
    if stage < 0:
        first = _Command(commands[0]).start_line if commands else 1
        raise InputError(f"{path}:{first}: no FROM instruction")


def _prepare(text: str, path: str) -> tuple[list[str], bool, _lines.Directives, Sequence[Any]]:
    """(lines, byte-order mark, directives, the binding's commands) after every input check."""
    if len(text) > MAX_BYTES:
        raise InputError(
            f"{path}: file too large for a Dockerfile (more than {MAX_BYTES // (1024 * 1024)} MiB)"
        )
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise InputError(f"{path}:{line}: binary file (NUL byte), not a Dockerfile")
    has_bom = text.startswith("\ufeff")
    if has_bom:
        text = text[1:]
    lines = _lines.split_lines(text)
    if all(_lines.is_blank(ln) or _lines.is_comment(ln) for ln in lines):
        raise InputError(f"{path}:1: no instructions (the file is empty or holds only comments)")
    directives = _lines.read_directives(lines)
    _check_extents(lines, directives.escape, path)
    try:
        commands = _bk.parse_string(text)
    except _bk.GoParseError as exc:
        line, message = _locate_error(lines, str(exc))
        raise InputError(f"{path}:{line}: {message}") from None
    return lines, has_bom, directives, commands


#: a heredoc opener ending a line after an unclosed quote or ``$(`` (``= "$(cat <<'EOF'``)
_QUOTED_HEREDOC = re.compile(r"""["'(][^"']*?(<<-?\s*['"]?[A-Za-z_]\w*['"]?)\s*$""")


def _command_problem(c: _Command) -> str | None:
    """Why ``docker build`` refuses this instruction (the binding accepts it), or None."""
    keyword = c.cmd.upper()
    if keyword not in KNOWN_INSTRUCTIONS:
        return f"unknown instruction '{c.cmd}'"
    if keyword == "ONBUILD":
        sub = c.sub_cmd.upper() if c.sub_cmd else None
        if sub is None:
            return "ONBUILD requires an instruction"
        if sub not in KNOWN_INSTRUCTIONS:
            return f"unknown instruction '{c.sub_cmd}' after ONBUILD"
        if sub in _NOT_IN_ONBUILD:
            return f"ONBUILD {sub} is not allowed"
    return None


def _from_problem(values: Sequence[str]) -> str | None:
    """Why a FROM's arguments are refused (``FROM image [AS name]``), or None."""
    if len(values) not in (1, 3) or (len(values) == 3 and values[1].lower() != "as"):
        return "FROM requires an image and optionally 'AS name' (FROM image [AS name])"
    if len(values) == 3 and not _STAGE_NAME.match(values[2].lower()):
        return (
            f"invalid stage name '{values[2]}' (letters, digits, '-', '_' and '.', "
            "starting with a letter)"
        )
    return None


_LIMITS = _lines.Limits(
    MAX_INSTRUCTION_LINES, MAX_INSTRUCTION_CHARS, MAX_INSTRUCTION_EXPANSIONS, MAX_EXPANSION_DEPTH
)
_LIMIT_NAMES = {
    "lines": ("lines", "MAX_INSTRUCTION_LINES", MAX_INSTRUCTION_LINES),
    "chars": ("characters", "MAX_INSTRUCTION_CHARS", MAX_INSTRUCTION_CHARS),
    "dollars": ("${ expansions", "MAX_INSTRUCTION_EXPANSIONS", MAX_INSTRUCTION_EXPANSIONS),
    "depth": ("levels of ${ nesting", "MAX_EXPANSION_DEPTH", MAX_EXPANSION_DEPTH),
}


def _check_extents(lines: list[str], escape: str, path: str) -> None:
    """:class:`InputError` for a text over a limit, before the binding spends time on it."""
    found = _lines.scan_extents(lines, escape if escape in ("\\", "`") else "\\", _LIMITS)
    if found.over is not None:
        line, kind, amount = found.over
        what, name, limit = _LIMIT_NAMES[kind]
        raise InputError(
            f"{path}:{line}: an instruction of {amount:,} {what}, more than "
            f"{limit:,} ({name}), continuation lines and heredocs included; "
            "not parsed"
        )
    if found.instructions > MAX_INSTRUCTIONS:
        raise InputError(
            f"{path}: {found.instructions:,} instructions, more than a Dockerfile "
            f"may hold ({MAX_INSTRUCTIONS:,}, MAX_INSTRUCTIONS); not parsed"
        )
    if found.stages > MAX_STAGES:
        raise InputError(
            f"{path}: {found.stages:,} build stages, more than a Dockerfile may "
            f"hold ({MAX_STAGES:,}, MAX_STAGES); not parsed"
        )


def _locate_error(lines: list[str], message: str) -> tuple[int, str]:
    """(line, message) for a parse error of the binding (which names no line)."""
    if "unterminated heredoc" in message:
        escape = _lines.read_directives(lines).escape
        if escape not in ("\\", "`"):
            escape = "\\"
        found = _lines.find_unterminated_heredoc(lines, escape)
        if found is None:
            return 1, message
        return found[0], f"unterminated heredoc: no line '{found[1]}' ends it"
    if "escape" in message:
        items = [item for item in _lines.read_directives(lines).items if item[0] == "escape"]
        if items:
            return items[-1][2], message
    # Errors are raised top-down, so "the prefix fails the same way" is monotonic.
    lo, hi = 1, len(lines)
    while lo < hi:
        mid = (lo + hi) // 2
        try:
            _bk.parse_string("".join(lines[:mid]))
            same = False
        except _bk.GoParseError as exc:
            same = str(exc) == message
        if same:
            hi = mid
        else:
            lo = mid + 1
    return lo, message


class _Builder:
    def __init__(
        self,
        path: str,
        lines: list[str],
        has_bom: bool,
        directives: _lines.Directives,
        build_args: dict[str, str],
    ) -> None:
        self.path, self.lines, self.has_bom = path, lines, has_bom
        self.directives, self.build_args = directives, build_args
        self.escape = directives.escape
        self.budget = Budget()
        self.unknown: set[str] = set()  # global ARGs whose expansion was stopped
        self.reuse: Dockerfile | None = None  # see parse_text

    def fail(self, pos: Position, message: str) -> InputError:
        """The one-line error for ``message`` at ``pos``."""
        return InputError(f"{self.path}:{pos.line}: {message}")

    def build(self, commands: Sequence[Any]) -> Dockerfile:
        """The :class:`Dockerfile` for the binding's commands."""
        instructions: list[Instruction] = []
        stage = -1
        for index, cmd in enumerate(commands):
            if str(cmd[0]).upper() == "FROM":
                stage += 1
            ins = self.instruction(index, cmd, stage)
            if stage < 0 and ins.keyword != "ARG":
                raise self.fail(
                    ins.position,
                    f"{ins.keyword} before the first FROM (only ARG may come before FROM)",
                )
            instructions.append(ins)
        if stage < 0:
            raise self.fail(instructions[0].position, "no FROM instruction")
        global_args, global_scope = self.global_args(instructions)
        stages = self.stages(instructions, global_scope)
        return Dockerfile(
            path=self.path,
            escape=self.escape,
            directives=tuple((n, v) for n, v, _ in self.directives.items),
            lines=tuple(self.lines),
            has_bom=self.has_bom,
            instructions=tuple(instructions),
            global_args=tuple(global_args),
            stages=tuple(stages),
            expansion_note=self.budget.note,
            unknown_args=frozenset(self.unknown),
        )

    def reused(self, index: int, cmd: Any, stage: int) -> Instruction | None:
        """The same instruction of :attr:`reuse` (moved up or down), if its lines are."""
        if self.reuse is None or index >= len(self.reuse.instructions):
            return None
        old = self.reuse.instructions[index]
        start, end = int(cmd[4]), int(cmd[5])
        if (
            end - start != old.end_line - old.start_line
            or old.stage != (stage if stage >= 0 else None)
            or self.reuse.lines[old.start_line - 1 : old.end_line]
            != tuple(self.lines[start - 1 : end])
        ):
            return None
        return old.down(start - old.start_line)

    def instruction(self, index: int, cmd: Any, stage: int) -> Instruction:
        """One command of the binding, positioned and checked."""
        old = self.reused(index, cmd, stage)
        if old is not None:
            return old
        c = _Command(cmd)
        logical = _lines.logical_line(self.lines, c.start_line, self.escape)
        split = _lines.split_instruction(logical.text)
        smap = logical.source_map
        position = smap.position(split.keyword_offset)
        keyword = c.cmd.upper()
        if split.keyword.upper() != keyword or not c.original.startswith(logical.text):
            log.debug(
                "%s:%d: position replay disagrees with BuildKit (%r vs %r)",
                self.path,
                c.start_line,
                logical.text,
                c.original,
            )
        problem = _command_problem(c)
        if problem is not None:
            hint = (
                self.continuation_hint(position.line) if keyword not in KNOWN_INSTRUCTIONS else ""
            )
            raise self.fail(position, problem + hint)
        sub = c.sub_cmd.upper() if c.sub_cmd else None
        flag_words, args_offset = split.flags, split.args_offset
        raw_flags = c.flags
        if keyword == "ONBUILD":  # the binding drops the inner instruction's flags
            inner = _lines.split_instruction(logical.text[args_offset:])
            flag_words = tuple((f, o + args_offset) for f, o in inner.flags)
            raw_flags = tuple(f for f, _ in inner.flags)
            args_offset += inner.args_offset
        flags = self.flags(raw_flags, flag_words, split.keyword_offset, smap)
        return Instruction(
            index=index,
            keyword=keyword,
            sub_keyword=sub,
            flags=flags,
            arguments=c.value,
            json_form=c.json,
            original=c.original,
            text=logical.text,
            source_map=smap,
            arguments_offset=args_offset,
            argument_positions=_argument_positions(
                logical.text, args_offset, smap, c.value, c.json
            ),
            start_line=c.start_line,
            end_line=c.end_line,
            position=position,
            heredocs=self.heredocs(c, logical, args_offset),
            stage=stage if stage >= 0 else None,
        )

    def continuation_hint(self, line: int) -> str:
        """A hint when the line before looks meant to continue onto this one."""
        for number in range(line - 1, 0, -1):
            text = _lines.strip_newline(self.lines[number - 1]).rstrip()
            if not text or _lines.is_comment(text):
                continue
            if text[-1] in "\\`" and text[-1] != self.escape:
                return (
                    f" (line {number} ends with {text[-1]!r}, but the escape character "
                    f"is {self.escape!r})"
                )
            opener = _QUOTED_HEREDOC.search(text)
            if opener is not None:
                return (
                    f" (line {number} opens a heredoc, {opener[1]}, inside a quoted string "
                    "or command substitution: BuildKit does not read the lines after it as "
                    "its body, and docker build refuses the file at this line too; write "
                    "the whole RUN as a heredoc script, or keep the text in a file)"
                )
            return ""
        return ""

    def flags(
        self,
        raw: tuple[str, ...],
        mine: tuple[tuple[str, int], ...],
        fallback_offset: int,
        smap: SourceMap,
    ) -> tuple[Flag, ...]:
        """BuildKit's flags with the positions our replay found for them."""
        if [f for f, _ in mine] != list(raw):
            log.debug("%s: flag replay disagrees with BuildKit (%r vs %r)", self.path, mine, raw)
        out: list[Flag] = []
        for i, text in enumerate(raw):
            offset = mine[i][1] if i < len(mine) and mine[i][0] == text else fallback_offset
            name, sep, value = text[2:].partition("=")
            out.append(Flag(name.lower(), value if sep else None, text, smap.position(offset)))
        return tuple(out)

    def heredocs(
        self, c: _Command, logical: _lines.Logical, args_offset: int
    ) -> tuple[Heredoc, ...]:
        """The binding's heredocs with their operators and body lines located."""
        if not c.heredocs:
            return ()
        ops = _lines.heredoc_operators(logical.text[args_offset:])
        out: list[Heredoc] = []
        line = logical.last_line + 1
        for i, (name, fd, content) in enumerate(c.heredocs):
            if i < len(ops):
                offset, chomp, quoted = ops[i]
                pos = logical.source_map.position(args_offset + offset)
            else:
                chomp, quoted = False, False
                pos = logical.source_map.position(args_offset)
            terminator = line + content.count("\n")
            out.append(
                Heredoc(
                    name=name,
                    content=content,
                    file_descriptor=fd,
                    chomp=chomp,
                    expand=not quoted,
                    position=pos,
                    body_line=line,
                    terminator_line=terminator,
                )
            )
            line = terminator + 1
        if out and out[-1].terminator_line != c.end_line:
            log.debug(
                "%s:%d: heredoc replay ends at line %d, BuildKit says %d",
                self.path,
                c.start_line,
                out[-1].terminator_line,
                c.end_line,
            )
        return tuple(out)

    def global_args(self, instructions: list[Instruction]) -> tuple[list[BuildArg], dict[str, str]]:
        """ARGs before the first FROM, and the values FROM lines may use."""
        args: list[BuildArg] = []
        scope: dict[str, str] = {}
        for ins in instructions:
            if ins.keyword == "FROM":
                break
            for i, (name, raw) in enumerate(arg_pairs(ins)):
                default = None
                if raw is not None:
                    got = expand(raw, scope, self.escape, budget=self.budget, line=ins.start_line)
                    if got.stopped or not self.unknown.isdisjoint(got.unresolved):
                        self.unknown.add(name)  # unknown, and so is what is built on it
                    else:
                        default = got.value
                        self.unknown.discard(name)
                pos = ins.argument_positions[i] if i < len(ins.argument_positions) else None
                args.append(BuildArg(name, default, pos or ins.position, ins.index))
                value = self.build_args.get(name, default)
                if value is not None:
                    scope[name] = value
                else:
                    scope.pop(name, None)
        return args, scope

    def stages(self, instructions: list[Instruction], scope: Mapping[str, str]) -> list[Stage]:
        """Group instructions into stages (each starting at its FROM)."""
        groups: list[list[Instruction]] = []
        for ins in instructions:
            if ins.keyword == "FROM":
                groups.append([])
            if groups:
                groups[-1].append(ins)
        stages: list[Stage] = []
        names: dict[str, int] = {}
        for index, group in enumerate(groups):
            stage = self.stage(index, group, scope, names)
            if stage.name is not None:
                names[stage.name] = index
            stages.append(stage)
        return stages

    def stage(
        self,
        index: int,
        group: list[Instruction],
        scope: Mapping[str, str],
        names: Mapping[str, int],
    ) -> Stage:
        """One stage: its FROM checked and its base resolved."""
        ins = group[0]
        values = ins.arguments
        problem = _from_problem(values)
        if problem is not None:
            raise self.fail(ins.position, problem)
        name = values[2].lower() if len(values) == 3 else None
        line = ins.start_line
        base = expand(values[0], scope, self.escape, budget=self.budget, line=line)
        platform_flag = ins.flag("platform")
        platform = None
        if platform_flag is not None and platform_flag.value is not None:
            got = expand(platform_flag.value, scope, self.escape, budget=self.budget, line=line)
            platform = None if got.stopped else got.value
        parent = names.get(base.value.lower()) if base.complete else None
        image = None
        if base.complete and parent is None and base.value.lower() != "scratch":
            image = _image_name(base.value)
        pos = ins.argument_positions[0] if ins.argument_positions else None
        return Stage(
            index=index,
            name=name,
            base_original=values[0],
            base=base.value,
            base_unresolved=base.unresolved,
            base_image=image,
            base_position=pos or ins.position,
            parent=parent,
            platform=platform,
            instructions=tuple(group),
        )


class _Command:
    """A typed view of ``dockerfile.Command`` (the binding has no type information)."""

    def __init__(self, cmd: Any) -> None:
        c = tuple(cmd)
        self.cmd = str(c[0])
        self.sub_cmd = None if c[1] is None else str(c[1])
        self.json = bool(c[2])
        self.original = str(c[3])
        self.start_line = int(c[4])
        self.end_line = int(c[5])
        self.flags = tuple(str(f) for f in c[6])
        self.value = tuple(str(v) for v in c[7])
        docs = c[8] if len(c) > 8 else ()
        self.heredocs = tuple((str(h[0]), int(h[1]), str(h[2])) for h in docs)


def _argument_positions(
    text: str, args_offset: int, smap: SourceMap, values: tuple[str, ...], json_form: bool
) -> tuple[Position | None, ...]:
    """Where each of BuildKit's values starts (exact when it appears verbatim)."""
    args = text[args_offset:]
    if json_form:
        from .words import json_strings

        starts = [start for start, _, _ in json_strings(args)]
        if len(starts) == len(values):
            return tuple(smap.position(args_offset + s) for s in starts)
        return tuple(None for _ in values)
    out: list[Position | None] = []
    cursor = 0
    for value in values:
        found = args.find(value, cursor) if value else -1
        if found < 0:
            out.append(None)
            continue
        out.append(smap.position(args_offset + found))
        cursor = found + len(value)
    return tuple(out)


def _image_name(text: str) -> ImageName | None:
    try:
        registry, repository, tag, digest = parse_docker_name(text)
    except InputError:
        return None
    name_part = text.split("@", 1)[0]
    written_tag = tag if ":" in name_part.rsplit("/", 1)[-1] else None
    return ImageName(text, registry, repository, written_tag, digest)
