"""What a RUN's shell text is made of: simple commands in their operator context."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from .model import Position
from .words import Word

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")


class ParseQuality(StrEnum):
    """How much to trust a :class:`ShellScript`."""

    FULL = "full"  # bash's grammar (bashlex) understood all of it
    DEGRADED = "degraded"  # a simpler tokenizer was used: commands and words, less context


@dataclass(frozen=True, slots=True)
class Redirect:
    """A redirection on a command: ``>/dev/null``, ``2>&1``, ``<<EOF``."""

    operator: str  # ">", ">>", "<", "<<", "<<-", "<<<", ">&", "&>", …
    fd: int | None  # the explicit descriptor (``2>``), else None
    target: Word | None  # the file, descriptor or heredoc delimiter
    position: Position


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    """One simple command of a shell script, with where it runs and where it is written.

    ``via`` names what launched it when the shell did not run it directly: ``"xargs"``
    (its remaining arguments come from standard input: ``args_from_stdin``), ``"sh -c"``
    (parsed from a static command string), ``"sh <<"`` (a heredoc fed to a shell), or a
    wrapper such as ``"env"``, ``"exec"``, ``"sudo"``, ``"timeout"``.  The launching
    command is listed too, just before.
    """

    words: tuple[Word, ...]  # every word, leading assignments included, redirections not
    assignments: tuple[Word, ...]  # leading ``NAME=value`` words
    argv: tuple[Word, ...]  # the command and its arguments
    redirects: tuple[Redirect, ...]
    position: Position  # of the command name (the first word if there is none)
    end: Position  # just after the last word
    raw: str  # the source text of the command (as in the script it was parsed from)
    operator_before: str | None  # "&&", "||", ";", "\n", "&", "|", "|&"; None when first
    operator_after: str | None
    pipe_input: bool  # reads a pipe (``… | cmd``)
    pipe_output: bool  # writes to a pipe (``cmd | …``)
    in_subshell: bool  # inside ``( … )``
    in_substitution: bool  # inside ``$( … )``, backticks or ``<( … )``
    in_function: bool  # inside a function body (runs only if called)
    in_condition: bool  # the test of ``if``/``elif``/``while``/``until``
    background: bool  # followed by ``&``
    via: str | None
    args_from_stdin: bool  # xargs appends arguments read from standard input
    errexit: bool  # ``set -e`` (or ``sh -e``, SHELL) was in force
    pipefail: bool  # ``set -o pipefail`` was in force
    #: inside a body of ``if``/``elif``/``else``, a loop or a ``case`` arm: it may not run
    in_branch: bool = False

    @property
    def name(self) -> str | None:
        """The command name as written (``/sbin/apk``), or None for assignments only."""
        return self.argv[0].value if self.argv else None

    @property
    def program(self) -> str | None:
        """The command name without a directory (``apk``)."""
        name = self.name
        return None if name is None else name.rstrip("/").rsplit("/", 1)[-1]

    @property
    def args(self) -> tuple[Word, ...]:
        """The arguments after the command name."""
        return self.argv[1:]

    @property
    def values(self) -> tuple[str, ...]:
        """The values of ``argv``."""
        return tuple(w.value for w in self.argv)


@dataclass(frozen=True, slots=True)
class ShellScript:
    """The simple commands of one piece of shell text, in the order they appear.

    With ``parse_quality`` DEGRADED, commands, words and positions are still given but
    the context (subshells, conditions, functions) is a best effort; ``notes`` say why.
    ``shebang`` is set when a heredoc script starts with ``#!``; a non-shell interpreter
    (``#!/usr/bin/env python3``) yields no commands.
    """

    text: str
    commands: tuple[SimpleCommand, ...]
    parse_quality: ParseQuality
    notes: tuple[str, ...]
    shebang: str | None = None

    @property
    def degraded(self) -> bool:
        """True when the fallback tokenizer had to be used somewhere."""
        return self.parse_quality is ParseQuality.DEGRADED

    def down(self, lines: int) -> ShellScript:
        """The same script with every position ``lines`` lines further down.

        A word shared by several fields (``words`` and ``argv``) stays one object.
        """
        if not lines:
            return self
        moved: dict[int, Word] = {}

        def word(w: Word) -> Word:
            got = moved.get(id(w))
            if got is None:
                got = moved[id(w)] = replace(w, start=w.start.down(lines), end=w.end.down(lines))
            return got

        def command(c: SimpleCommand) -> SimpleCommand:
            return replace(
                c,
                words=tuple(map(word, c.words)),
                assignments=tuple(map(word, c.assignments)),
                argv=tuple(map(word, c.argv)),
                position=c.position.down(lines),
                end=c.end.down(lines),
                redirects=tuple(
                    replace(
                        r,
                        position=r.position.down(lines),
                        target=None if r.target is None else word(r.target),
                    )
                    for r in c.redirects
                ),
            )

        return replace(self, commands=tuple(map(command, self.commands)))


def is_assignment(raw: str) -> bool:
    """True for a shell assignment word (``FOO=1``, ``PATH+=:/x``, ``a[1]=2``)."""
    return bool(_ASSIGNMENT.match(raw))


def split_env_prefix(words: Sequence[Word]) -> tuple[tuple[Word, ...], tuple[Word, ...]]:
    """``FOO=1 BAR=2 cmd arg`` → ((FOO=1, BAR=2), (cmd, arg)); judged on the raw text."""
    i = 0
    while i < len(words) and is_assignment(words[i].raw):
        i += 1
    return tuple(words[:i]), tuple(words[i:])
