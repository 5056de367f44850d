"""Turning parsed words into :class:`SimpleCommand` s, shared by both shell walkers.

Both the bashlex walker and the fallback tokenizer hand word spans (offsets in the text
they parse) and a context here.  The emitter positions the words, splits the
``NAME=value`` prefix, and looks through launchers: ``xargs CMD …`` (arguments from
stdin), ``env``/``exec``/``sudo``/``timeout``/… ``CMD``, ``sh -c 'static text'`` and
``sh <<EOF`` bodies (parsed again, positions carried through quote removal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .model import SourceMap
from .script import Redirect, ShellScript, SimpleCommand, is_assignment
from .words import Word, unquote

# (text, map, depth, errexit, pipefail) -> script
Parser = Callable[[str, SourceMap, int, bool, bool], ShellScript]

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox-sh"})
MAX_DEPTH = 6


@dataclass(frozen=True)
class Ctx:
    """Where a command sits (see the fields of :class:`SimpleCommand`)."""

    op_before: str | None = None
    op_after: str | None = None
    pipe_input: bool = False
    pipe_output: bool = False
    in_subshell: bool = False
    in_substitution: bool = False
    in_function: bool = False
    in_condition: bool = False
    background: bool = False
    in_branch: bool = False


@dataclass(frozen=True, slots=True)
class W:
    """A positioned word plus its span in the parsed text and per-character offsets."""

    word: Word
    start: int
    end: int
    offsets: tuple[int, ...] | None  # text offset of each value character, when static

    @property
    def value(self) -> str:
        """The word's value."""
        return self.word.value


@dataclass(slots=True)
class Item:
    """A command on its way out.

    ``scoped``: a ``set`` there stays local; ``fresh``: it runs in a new shell whose
    options were already decided.
    """

    command: SimpleCommand
    scoped: bool
    fresh: bool


@dataclass(frozen=True)
class _Launcher:
    value_short: str = ""  # short options taking a value
    optional_short: str = ""  # short options whose value can only be attached
    value_long: frozenset[str] = frozenset()
    positionals: int = 0  # operands before the command (``su-exec USER cmd``)
    stop: frozenset[str] = frozenset()  # options meaning nothing is run (``command -v``)


_LAUNCHERS: dict[str, _Launcher] = {
    "xargs": _Launcher(
        "nLsPdEIa",
        "eil",
        frozenset(
            {"max-args", "max-chars", "max-procs", "delimiter", "arg-file", "process-slot-var"}
        ),
    ),
    "env": _Launcher("uCS", "", frozenset({"unset", "chdir", "split-string"})),
    "exec": _Launcher("a"),
    "command": _Launcher(stop=frozenset({"-v", "-V"})),
    "nohup": _Launcher(),
    "sudo": _Launcher(
        "ugCDhprtUT",
        "",
        frozenset(
            {
                "user",
                "group",
                "close-from",
                "chdir",
                "host",
                "prompt",
                "role",
                "type",
                "other-user",
                "command-timeout",
            }
        ),
    ),
    "doas": _Launcher("uC"),
    "su-exec": _Launcher(positionals=1),
    "gosu": _Launcher(positionals=1),
    "nice": _Launcher("n", "", frozenset({"adjustment"})),
    "timeout": _Launcher("sk", "", frozenset({"signal", "kill-after"}), positionals=1),
    "time": _Launcher("fo", "", frozenset({"format", "output"})),
    "busybox": _Launcher(),
    "stdbuf": _Launcher("ioe", "", frozenset({"input", "output", "error"})),
    "setsid": _Launcher(),
}


@dataclass
class Emitter:
    """Collects :class:`Item` s for one piece of shell text."""

    script: str
    smap: SourceMap
    depth: int
    parse: Parser
    notes: list[str]
    items: list[Item] = field(default_factory=list)
    degraded: bool = False

    def word(self, start: int, end: int) -> W:
        """The positioned word for ``script[start:end]``."""
        raw = self.script[start:end]
        u = unquote(raw)
        word = Word(u.value, raw, self.smap.position(start), self.smap.end_position(end), u.static)
        return W(word, start, end, tuple(start + o for o in u.offsets) if u.static else None)

    def redirect(self, operator: str, fd: int | None, target: W | None, start: int) -> Redirect:
        """A positioned :class:`Redirect`."""
        return Redirect(
            operator, fd, None if target is None else target.word, self.smap.position(start)
        )

    def note(self, text: str) -> None:
        """Record a note once."""
        if text not in self.notes:
            self.notes.append(text)

    def emit(
        self,
        words: Sequence[W],
        redirects: Sequence[Redirect],
        ctx: Ctx,
        heredoc_bodies: Sequence[tuple[int, int]] = (),
    ) -> None:
        """Add the command made of ``words`` and whatever it launches."""
        if not words and not redirects:
            return
        cmd = self._make(words, redirects, ctx, None, False)
        scoped = (
            ctx.in_subshell
            or ctx.in_substitution
            or ctx.in_function
            or ctx.pipe_input
            or ctx.pipe_output
            or ctx.background
        )
        self.items.append(Item(cmd, scoped, False))
        self._launched(list(words), ctx, heredoc_bodies, False)

    def substitution(self, start: int, end: int, ctx: Ctx) -> None:
        """Parse ``$( … )``/backtick text at ``script[start:end]`` as nested commands."""
        if self.depth >= MAX_DEPTH:
            self.note("shell text nested too deeply: inner commands not parsed")
            return
        nested = self.parse(
            self.script[start:end], self.smap.shift(start, end), self.depth + 1, False, False
        )
        inner = replace(
            ctx,
            in_substitution=True,
            op_before=None,
            op_after=None,
            pipe_input=False,
            pipe_output=False,
        )
        self.adopt(nested, inner, None, fresh=False)

    def adopt(self, nested: ShellScript, ctx: Ctx, via: str | None, fresh: bool) -> None:
        """Take over the commands of a nested parse, adding the outer context."""
        if nested.degraded:
            self.degraded = True
        for n in nested.notes:
            self.note(n)
        for c in nested.commands:
            merged = replace(
                c,
                in_subshell=c.in_subshell or ctx.in_subshell,
                in_substitution=c.in_substitution or ctx.in_substitution,
                in_function=c.in_function or ctx.in_function,
                in_condition=c.in_condition or ctx.in_condition,
                in_branch=c.in_branch or ctx.in_branch,
                background=c.background or ctx.background,
                via=c.via or via,
            )
            self.items.append(Item(merged, True, fresh))

    def _make(
        self,
        words: Sequence[W],
        redirects: Sequence[Redirect],
        ctx: Ctx,
        via: str | None,
        from_stdin: bool,
    ) -> SimpleCommand:
        n = 0
        while n < len(words) and is_assignment(words[n].word.raw):
            n += 1
        argv = tuple(w.word for w in words[n:])
        all_words = tuple(w.word for w in words)
        if words:
            head = words[n] if n < len(words) else words[0]
            position, end = head.word.start, words[-1].word.end
            raw = self.script[words[0].start : words[-1].end]
        else:
            position = end = redirects[0].position
            raw = ""
        return SimpleCommand(
            words=all_words,
            assignments=all_words[:n],
            argv=argv,
            redirects=tuple(redirects),
            position=position,
            end=end,
            raw=raw,
            operator_before=ctx.op_before,
            operator_after=ctx.op_after,
            pipe_input=ctx.pipe_input,
            pipe_output=ctx.pipe_output,
            in_subshell=ctx.in_subshell,
            in_substitution=ctx.in_substitution,
            in_function=ctx.in_function,
            in_condition=ctx.in_condition,
            background=ctx.background,
            via=via,
            args_from_stdin=from_stdin,
            errexit=False,
            pipefail=False,
            in_branch=ctx.in_branch,
        )

    def _launched(
        self, words: list[W], ctx: Ctx, bodies: Sequence[tuple[int, int]], from_stdin: bool
    ) -> None:
        """Follow launchers (xargs, env, sh -c, …) to the commands they run."""
        for _ in range(8):
            n = 0
            while n < len(words) and is_assignment(words[n].word.raw):
                n += 1
            argv = words[n:]
            if not argv or not argv[0].word.static:
                return
            prog = argv[0].value.rsplit("/", 1)[-1]
            if prog in SHELLS:
                self._shell(argv[1:], ctx, bodies)
                return
            spec = _LAUNCHERS.get(prog)
            if spec is None:
                return
            rest = _skip_options(argv[1:], spec)
            if rest is None:
                return
            from_stdin = from_stdin or prog == "xargs"
            self.items.append(Item(self._make(rest, (), ctx, prog, from_stdin), True, False))
            words = rest

    def _shell(self, args: Sequence[W], ctx: Ctx, bodies: Sequence[tuple[int, int]]) -> None:
        inv = shell_invocation([w.value for w in args])
        if self.depth >= MAX_DEPTH:
            self.note("shell text nested too deeply: inner commands not parsed")
            return
        if inv.command_index is not None:
            if inv.command_index >= len(args):
                return
            target = args[inv.command_index]
            if target.offsets is None:
                self.note(
                    f"sh -c with a command string that is not static "
                    f"({target.word.raw[:40]}) was not parsed"
                )
                return
            nested = self.parse(
                target.value,
                self.smap.compose(target.offsets),
                self.depth + 1,
                inv.errexit,
                inv.pipefail,
            )
            self.adopt(nested, ctx, "sh -c", fresh=True)
        elif inv.reads_stdin:
            for start, end in bodies:
                nested = self.parse(
                    self.script[start:end],
                    self.smap.shift(start, end),
                    self.depth + 1,
                    inv.errexit,
                    inv.pipefail,
                )
                self.adopt(nested, ctx, "sh <<", fresh=True)


def _skip_options(words: Sequence[W], spec: _Launcher) -> list[W] | None:
    """The words after a launcher's options and operands, or None if it runs nothing."""
    i = 0
    while i < len(words):
        v = words[i].value
        if v in spec.stop:
            return None
        if v == "--":
            i += 1
            break
        if v.startswith("--") and len(v) > 2:
            name = v[2:].split("=", 1)[0]
            i += 2 if ("=" not in v and name in spec.value_long) else 1
            continue
        if v.startswith("-") and len(v) > 1:
            for j, ch in enumerate(v[1:], start=1):
                if ch in spec.value_short:
                    if j == len(v) - 1:
                        i += 1
                    break
                if ch in spec.optional_short:
                    break
            i += 1
            continue
        break
    i += spec.positionals
    rest = list(words[i:])
    if not any(not is_assignment(w.word.raw) for w in rest):
        return None
    return rest


@dataclass(frozen=True)
class ShellInvocation:
    """What ``sh [options] [-c STRING | FILE | -s] …`` will run."""

    command_index: int | None  # index (in the arguments) of the -c string
    reads_stdin: bool
    errexit: bool
    pipefail: bool


def shell_invocation(args: Sequence[str]) -> ShellInvocation:
    """Read a shell's options: ``-c``, ``-e``/``+e``, ``-o pipefail``, ``-s``."""
    i = 0
    has_c = errexit = pipefail = stdin = False
    while i < len(args):
        v = args[i]
        if v in ("--", "-"):
            i += 1
            break
        if v.startswith("--"):
            i += 2 if v in ("--rcfile", "--init-file") else 1
            continue
        if len(v) > 1 and v[0] in "-+":
            on = v[0] == "-"
            i += 1
            for ch in v[1:]:
                if ch == "c":
                    has_c = True
                elif ch == "e":
                    errexit = on
                elif ch == "s":
                    stdin = True
                elif ch in "oO" and i < len(args):
                    name = args[i]
                    i += 1
                    if name == "pipefail":
                        pipefail = on
                    elif name == "errexit":
                        errexit = on
            continue
        break
    operands = len(args) - i
    return ShellInvocation(
        i if has_c else None, not has_c and (operands == 0 or stdin), errexit, pipefail
    )


def finish(items: Sequence[Item], errexit: bool, pipefail: bool) -> tuple[SimpleCommand, ...]:
    """Fill in ``errexit``/``pipefail`` in source order, following top-level ``set``."""
    out: list[SimpleCommand] = []
    for item in items:
        cmd = item.command
        if not item.fresh:
            cmd = replace(cmd, errexit=errexit, pipefail=pipefail)
            if not item.scoped and cmd.via is None and cmd.name == "set":
                errexit, pipefail = _apply_set(cmd.values[1:], errexit, pipefail)
        out.append(cmd)
    return tuple(out)


def _apply_set(args: Sequence[str], errexit: bool, pipefail: bool) -> tuple[bool, bool]:
    i = 0
    while i < len(args):
        v = args[i]
        i += 1
        if len(v) < 2 or v[0] not in "-+" or v == "--":
            break
        on = v[0] == "-"
        for ch in v[1:]:
            if ch == "e":
                errexit = on
            elif ch == "o" and i < len(args):
                name = args[i]
                i += 1
                if name == "errexit":
                    errexit = on
                elif name == "pipefail":
                    pipefail = on
    return errexit, pipefail
