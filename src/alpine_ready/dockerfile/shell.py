"""RUN's shell text as simple commands with positions in the original Dockerfile.

:func:`parse_run` takes a RUN as BuildKit runs it: the shell-form text, the heredoc body
when the RUN *is* a heredoc (``RUN <<EOF``), the text plus bodies otherwise
(``RUN python3 <<EOF > out``), or the JSON array of the exec form.  :func:`parse_shell`
parses any shell text with bash's grammar (bashlex) and, where bashlex fails (see
:mod:`._fallback` for what it cannot do), with a forgiving tokenizer; the result says
which (:attr:`ShellScript.parse_quality`) and never raises.

Every :class:`Word` carries its position in the Dockerfile, through removed line
continuations, dropped comment lines, heredoc bodies and ``sh -c '…'`` quoting.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import _bashlex, _fallback, _lines
from ._emit import SHELLS, Ctx, Emitter, W, finish, shell_invocation
from .model import Instruction, SourceMap
from .script import (
    ParseQuality,
    Redirect,
    ShellScript,
    SimpleCommand,
    is_assignment,
    split_env_prefix,
)
from .words import Word, json_strings

__all__ = [
    "MAX_BASHLEX_CHARS",
    "MAX_SHELL_CHARS",
    "ParseQuality",
    "Redirect",
    "ShellBudget",
    "ShellScript",
    "SimpleCommand",
    "Word",
    "is_assignment",
    "parse_run",
    "parse_shell",
    "split_env_prefix",
]

log = logging.getLogger(__name__)

_HEREDOC_WORD = re.compile(r"^\d*<<-?[^<]+$")

#: Scripts longer than this (characters) skip bashlex, which is slow and worse than
#: linear on long pipelines, for the fallback tokenizer.
MAX_BASHLEX_CHARS = 64 * 1024
#: Shell text (characters) the RUNs of one Dockerfile may have parsed in all (with
#: a :class:`ShellBudget`; each script counts :data:`SCRIPT_COST` more, for what any
#: parse costs): the RUNs past it are not parsed, and a note says where.
MAX_SHELL_CHARS = 64 * 1024
#: What a script costs the :class:`ShellBudget` besides its characters.
SCRIPT_COST = 8


@dataclass
class ShellBudget:
    """How much shell text one Dockerfile may still have parsed, and the first RUN refused."""

    remaining: int = MAX_SHELL_CHARS
    refused_line: int | None = None

    def take(self, chars: int, line: int) -> bool:
        """Spend ``chars`` if that many are left; else remember ``line`` (the first one)."""
        if chars <= self.remaining:
            self.remaining -= chars
            return True
        self.remaining = 0
        if self.refused_line is None:
            self.refused_line = line
        return False

    @property
    def note(self) -> str | None:
        """One line about the first RUN left unparsed, or None."""
        if self.refused_line is None:
            return None
        return (
            f"line {self.refused_line}: this RUN and the ones after it were not parsed: "
            f"the Dockerfile's shell text is over {MAX_SHELL_CHARS:,} characters "
            "(MAX_SHELL_CHARS); their commands are not checked"
        )


_NON_POSIX = frozenset({"pwsh", "powershell", "powershell.exe", "cmd", "cmd.exe"})


def parse_shell(
    text: str, source_map: SourceMap | None = None, *, errexit: bool = False, pipefail: bool = False
) -> ShellScript:
    """The simple commands of ``text``.

    ``source_map`` maps offsets of ``text`` to file positions (default: ``text`` itself
    starts at line 1, column 1).  ``errexit``/``pipefail`` give the options in force at
    the start (from ``SHELL`` or a shebang).
    """
    smap = source_map if source_map is not None else SourceMap.for_text(text)
    return _parse(text, smap, 0, errexit, pipefail)


def _parse(text: str, smap: SourceMap, depth: int, errexit: bool, pipefail: bool) -> ShellScript:
    notes: list[str] = []
    clean = text.replace("\r\n", " \n")  # same length: offsets stay valid
    em = Emitter(clean, smap, depth, _parse, notes)
    if not _has_code(clean):
        return ShellScript(text, (), ParseQuality.FULL, ())
    quality = ParseQuality.FULL
    if len(clean) > MAX_BASHLEX_CHARS:
        trees, reason = None, f"skipped: over {MAX_BASHLEX_CHARS:,} characters"
    else:
        trees, reason = _bashlex.parse_trees(clean)
    if trees is not None:
        try:
            _bashlex.walk(trees, em, Ctx())
        except Exception as exc:  # an AST shape we did not expect: use the fallback
            log.debug("bashlex tree walk failed: %r", exc)
            reason = f"unexpected bashlex tree ({type(exc).__name__})"
            trees = None
            em = Emitter(clean, smap, depth, _parse, notes)
    if trees is None:
        quality = ParseQuality.DEGRADED
        verb = "skipped" if reason.startswith("skipped") else "failed"
        why = reason.removeprefix("skipped: ")
        em.note(f"bash grammar parse {verb} ({why}); commands found by the fallback tokenizer")
        try:
            _fallback.walk(clean, em, Ctx())
        except Exception as exc:  # never raise on shell text
            log.debug("fallback tokenizer failed: %r", exc)
            em.note(f"fallback tokenizer failed ({type(exc).__name__}); some commands lost")
    if em.degraded:
        quality = ParseQuality.DEGRADED
    return ShellScript(text, finish(em.items, errexit, pipefail), quality, tuple(em.notes))


def _has_code(text: str) -> bool:
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return True
    return False


def parse_run(
    instruction: Instruction,
    shell: Sequence[str] | None = None,
    *,
    budget: ShellBudget | None = None,
) -> ShellScript:
    """The commands a RUN (or ``ONBUILD RUN``, or a CMD/ENTRYPOINT) executes.

    ``shell`` is the stage's ``SHELL`` (see :func:`~.expand.shell_for`); its ``-e`` and
    ``-o pipefail`` apply from the start.  A non-POSIX shell (``pwsh``, ``cmd``) gives no
    commands and a note.  ``budget``: the Dockerfile's :class:`ShellBudget`; once it is
    spent, a script is not parsed (no commands, a note).
    """
    keyword = instruction.sub_keyword if instruction.keyword == "ONBUILD" else instruction.keyword
    if keyword not in ("RUN", "CMD", "ENTRYPOINT"):
        return ShellScript(
            "", (), ParseQuality.FULL, (f"{instruction.keyword} does not run shell commands",)
        )
    if budget is not None and not budget.take(script_cost(instruction), instruction.start_line):
        return unparsed(instruction)
    if instruction.json_form:
        return _exec_form(instruction)
    shell_args = list(shell) if shell else ["/bin/sh", "-c"]
    shell_name = shell_args[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    if shell_name in _NON_POSIX:
        return ShellScript(
            instruction.arguments_text,
            (),
            ParseQuality.FULL,
            (f"SHELL is {shell_args[0]}: not parsed as a POSIX shell",),
        )
    inv = shell_invocation(shell_args[1:])
    errexit, pipefail = inv.errexit, inv.pipefail
    if instruction.heredocs and keyword == "RUN":
        return _heredoc_run(instruction, errexit, pipefail)
    script = instruction.arguments_text
    smap = instruction.source_map.shift(instruction.arguments_offset)
    return _parse(script, smap, 0, errexit, pipefail)


def script_cost(instruction: Instruction) -> int:
    """What parsing the instruction's script costs a :class:`ShellBudget`."""
    return len(instruction.original) + SCRIPT_COST


def unparsed(instruction: Instruction) -> ShellScript:
    """The script of a RUN the :class:`ShellBudget` had no room for: no commands, a note.

    Its text is empty too: rules that scan a script's text (bash-only constructs, glibc
    detection patterns) would otherwise still read every RUN past the budget.
    """
    return ShellScript(
        "",
        (),
        ParseQuality.DEGRADED,
        (
            f"not parsed: over the Dockerfile's {MAX_SHELL_CHARS:,} characters "
            "of shell text (MAX_SHELL_CHARS)",
        ),
    )


def _exec_form(instruction: Instruction) -> ShellScript:
    args = instruction.text[instruction.arguments_offset :]
    smap = instruction.source_map.shift(instruction.arguments_offset)
    strings = json_strings(args)
    notes: list[str] = []
    em = Emitter(args, smap, 0, _parse, notes)
    words = [
        W(Word(u.value, args[s:e], smap.position(s), smap.end_position(e), True), s, e, u.offsets)
        for s, e, u in strings
    ]
    em.emit(words, (), Ctx())
    quality = ParseQuality.DEGRADED if em.degraded else ParseQuality.FULL
    return ShellScript(args.rstrip(), finish(em.items, False, False), quality, tuple(notes))


def _heredoc_run(instruction: Instruction, errexit: bool, pipefail: bool) -> ShellScript:
    value = instruction.arguments_text
    words = _lines.raw_words(value)
    if len(words) == 1 and _HEREDOC_WORD.match(words[0]):
        doc = instruction.heredocs[0]
        body = doc.content
        if body.startswith("#!"):
            first = body.split("\n", 1)[0]
            interpreter = _shebang_shell(first)
            if interpreter is None:
                return ShellScript(
                    body,
                    (),
                    ParseQuality.FULL,
                    (f"heredoc script run by {first[2:].strip()}: not shell",),
                    shebang=first,
                )
            inv = shell_invocation(interpreter)
            script = _parse(body, doc.source_map, 0, inv.errexit, inv.pipefail)
            return ShellScript(
                script.text, script.commands, script.parse_quality, script.notes, shebang=first
            )
        return _parse(body, doc.source_map, 0, errexit, pipefail)
    text, smap = heredoc_shell_text(instruction)
    return _parse(text, smap, 0, errexit, pipefail)


def heredoc_shell_text(instruction: Instruction) -> tuple[str, SourceMap]:
    r"""The text BuildKit hands to the shell for a RUN with heredocs, and its map.

    ``"<line>\n<body><name>\n<body><name>"``: the instruction's line, then each
    heredoc's body and terminator.
    """
    parts: list[tuple[int, SourceMap]] = [
        (0, instruction.source_map.shift(instruction.arguments_offset))
    ]
    text = instruction.arguments_text
    for doc in instruction.heredocs:
        text += "\n"
        parts.append((len(text), doc.source_map))
        text += doc.content
        parts.append((len(text), SourceMap.for_text(doc.name, doc.terminator_line)))
        text += doc.name
    return text, SourceMap.concat(parts)


def _shebang_shell(line: str) -> list[str] | None:
    """The shell options of a ``#!`` line naming a POSIX shell, else None."""
    parts = line[2:].split()
    if not parts:
        return None
    prog = parts[0].rsplit("/", 1)[-1]
    rest = parts[1:]
    if prog == "env":
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        if not rest:
            return None
        prog, rest = rest[0].rsplit("/", 1)[-1], rest[1:]
    return rest if prog in SHELLS else None
