"""ARG/ENV substitution the way BuildKit's word lexer does it, minus the guessing, on a budget.

:func:`expand` removes quotes and substitutes ``$VAR``, ``${VAR}``, ``${VAR:-default}``,
``${VAR-default}``, ``${VAR:+alt}``, ``${VAR+alt}`` and ``${VAR:?msg}``.  Where BuildKit
would put an empty string for a variable nobody set, we keep the reference as written and
name it in :attr:`Expansion.unresolved`, so a rule never mistakes ``alpine:$TAG`` for
``alpine:`` (no tag).

Expansion runs on a :class:`Budget`, as any shell-expansion engine must: each
``ARG A2=${A1}${A1}`` doubles a value, so 30 short lines would make gigabytes.  A value
longer than :data:`MAX_VALUE_CHARS`, defaults nested deeper than :data:`MAX_NESTING`,
or a Dockerfile whose expansions together produce more than :data:`MAX_TOTAL_CHARS`
characters or take more than :data:`MAX_STEPS` steps, stops the expansion: the word's
value is *unknown* (:attr:`Expansion.stopped`; the variable it was assigned to is left
unset, as an unresolved one is) and the budget remembers the first place it happened,
for one note (:attr:`Budget.note`).  Nothing fails.

:class:`Scopes` computes every instruction's ARG/ENV scope and ``SHELL`` of a
Dockerfile in one pass (``Dockerfile.scopes``, computed once); :func:`variables_at`,
:func:`shell_for` and :func:`expand_at` read it.  Lookups cost a bisection, never a
walk over earlier instructions or stages.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .model import Dockerfile, Instruction, Stage

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_BRACES = re.compile(r"[{}]")
DEFAULT_SHELL: tuple[str, ...] = ("/bin/sh", "-c")

#: The longest value one expansion may produce (characters); a longer one is unknown.
MAX_VALUE_CHARS = 64 * 1024
#: Characters the expansions of one Dockerfile may produce together (values, then lookups).
MAX_TOTAL_CHARS = 16 * 1024 * 1024
#: Steps (characters read or written, scope entries copied) one Dockerfile's expansions may take.
MAX_STEPS = 32 * 1024 * 1024
#: How deeply ``${A:-${B:-…}}`` defaults may nest.
MAX_NESTING = 32


class _Stop(Exception):
    """The budget ran out in the middle of an expansion."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Budget:
    """What the expansions of one Dockerfile may still cost, and where it first ran out."""

    __slots__ = ("steps", "stopped", "total")

    def __init__(self, total: int = MAX_TOTAL_CHARS, steps: int = MAX_STEPS) -> None:
        self.total = total
        self.steps = steps
        self.stopped: tuple[int | None, str] | None = None  # (line, why) of the first stop

    def spend(self, steps: int, chars: int = 0) -> None:
        """Take ``steps`` steps and ``chars`` produced characters, or raise :class:`_Stop`."""
        self.steps -= steps
        self.total -= chars
        if self.steps < 0:
            raise _Stop(f"over {MAX_STEPS:,} steps in this Dockerfile")
        if self.total < 0:
            raise _Stop(f"over {MAX_TOTAL_CHARS:,} characters expanded in this Dockerfile")

    def afford(self, steps: int, line: int | None) -> bool:
        """Take ``steps`` steps if there are that many left (else record the stop)."""
        try:
            self.spend(steps)
        except _Stop as stop:
            self.record(line, stop.why)
            return False
        return True

    def record(self, line: int | None, why: str) -> None:
        """Remember the first stop."""
        if self.stopped is None:
            self.stopped = (line, why)

    @property
    def note(self) -> str | None:
        """One line about the first stop ("line 12: ARG expansion stopped: …"), or None."""
        if self.stopped is None:
            return None
        line, why = self.stopped
        where = f"line {line}: " if line is not None else ""
        return (
            f"{where}ARG expansion stopped: {why}; that value and those after it that "
            "need it are treated as unknown"
        )


@dataclass(frozen=True)
class Expansion:
    """A word after substitution: its value and the variables that had no value.

    ``stopped`` says why the budget stopped the expansion: then the value is not known
    (``value`` is the word as written and ``unresolved`` the names it refers to).
    """

    value: str
    unresolved: tuple[str, ...]
    stopped: str | None = None

    @property
    def complete(self) -> bool:
        """True when every variable had a value and the expansion was not stopped."""
        return not self.unresolved and self.stopped is None


def expand(
    word: str,
    variables: Mapping[str, str],
    escape: str = "\\",
    *,
    budget: Budget | None = None,
    line: int | None = None,
) -> Expansion:
    """Quote removal and variable substitution of one Dockerfile word.

    ``budget``: the Dockerfile's (shared by every expansion of it); by default a fresh
    one for this word alone.  ``line`` names the place in the budget's note.
    """
    b = budget if budget is not None else Budget()
    unresolved: list[str] = []
    try:
        value = _Expander(word, variables, escape, unresolved, b, 0).run()
    except _Stop as stop:
        b.record(line, stop.why)
        names = tuple(dict.fromkeys(_REFERENCE.findall(word[:MAX_VALUE_CHARS])))
        return Expansion(word, names, stop.why)
    return Expansion(value, tuple(dict.fromkeys(unresolved)))


@functools.lru_cache(maxsize=8)
def _specials(escape: str, quoted: bool) -> re.Pattern[str]:
    chars = escape + ('"$' if quoted else "'\"$")
    return re.compile("[" + re.escape(chars) + "]")


class _Expander:
    def __init__(
        self,
        text: str,
        env: Mapping[str, str],
        escape: str,
        unresolved: list[str],
        budget: Budget,
        depth: int,
    ) -> None:
        if depth > MAX_NESTING:
            raise _Stop(f"defaults nested over {MAX_NESTING} deep")
        self.text, self.env, self.escape, self.unresolved = text, env, escape, unresolved
        self.budget, self.depth = budget, depth
        self.i = 0
        self.size = 0
        budget.spend(len(text))

    def _add(self, out: list[str], piece: str) -> None:
        if not piece:
            return
        self.size += len(piece)
        if self.size > MAX_VALUE_CHARS:
            raise _Stop(f"value over {MAX_VALUE_CHARS:,} characters")
        self.budget.spend(len(piece), len(piece))
        out.append(piece)

    def run(self) -> str:
        out: list[str] = []
        t = self.text
        special = _specials(self.escape, False)
        while self.i < len(t):
            m = special.search(t, self.i)
            stop = m.start() if m is not None else len(t)
            self._add(out, t[self.i : stop])
            self.i = stop
            if m is None:
                break
            ch = t[stop]
            if ch == self.escape:
                if self.i + 1 < len(t):
                    self._add(out, t[self.i + 1])
                self.i += 2
            elif ch == "'":
                end = t.find("'", self.i + 1)
                end = len(t) if end < 0 else end
                self._add(out, t[self.i + 1 : end])
                self.i = end + 1
            elif ch == '"':
                self.i += 1
                self._add(out, self._double())
            else:
                self._add(out, self._dollar())
        return "".join(out)

    def _double(self) -> str:
        out: list[str] = []
        t = self.text
        special = _specials(self.escape, True)
        while self.i < len(t):
            m = special.search(t, self.i)
            stop = m.start() if m is not None else len(t)
            self._add(out, t[self.i : stop])
            self.i = stop
            if m is None:
                break
            ch = t[stop]
            if ch == '"':
                break
            if ch == self.escape and self.i + 1 < len(t) and t[self.i + 1] in f'"${self.escape}':
                self._add(out, t[self.i + 1])
                self.i += 2
            elif ch == "$":
                self._add(out, self._dollar())
            else:
                self._add(out, ch)
                self.i += 1
        self.i += 1
        return "".join(out)

    def _dollar(self) -> str:
        t, start = self.text, self.i
        self.i += 1
        if self.i < len(t) and t[self.i] == "{":
            close = self._matching_brace(self.i)
            if close < 0:
                self.i = len(t)
                return t[start:]
            inner = t[self.i + 1 : close]
            self.i = close + 1
            return self._braced(inner, t[start : close + 1])
        m = _NAME.match(t, self.i)
        if not m:
            return "$"
        self.i = m.end()
        name = m.group(0)
        if name in self.env:
            return self.env[name]
        self.unresolved.append(name)
        return t[start : self.i]

    def _matching_brace(self, open_at: int) -> int:
        depth = 0
        for m in _BRACES.finditer(self.text, open_at):
            depth += 1 if m.group(0) == "{" else -1
            if depth == 0:
                self.budget.spend(m.start() - open_at)
                return m.start()
        self.budget.spend(len(self.text) - open_at)
        return -1

    def _braced(self, inner: str, raw: str) -> str:
        m = _NAME.match(inner)
        if not m:
            self.unresolved.append(inner)
            return raw
        name, rest = m.group(0), inner[m.end() :]
        value = self.env.get(name)
        if not rest:
            if value is None:
                self.unresolved.append(name)
                return raw
            return value
        for op in (":-", ":+", ":?", "-", "+", "?"):
            if rest.startswith(op):
                word = rest[len(op) :]
                break
        else:
            self.unresolved.append(name)
            return raw
        is_set = value is not None
        non_empty = bool(value)
        present = non_empty if op.startswith(":") else is_set
        if op.endswith("-"):
            return value if present and value is not None else self._sub(word)
        if op.endswith("+"):
            return self._sub(word) if present else ""
        if present and value is not None:
            return value
        self.unresolved.append(name)
        return raw

    def _sub(self, word: str) -> str:
        return _Expander(
            word, self.env, self.escape, self.unresolved, self.budget, self.depth + 1
        ).run()


def arg_pairs(instruction: Instruction) -> list[tuple[str, str | None]]:
    """``ARG A=1 B`` → [("A", "1" as written), ("B", None)]."""
    out: list[tuple[str, str | None]] = []
    for item in instruction.arguments:
        name, sep, value = item.partition("=")
        out.append((name, value if sep else None))
    return out


def env_pairs(instruction: Instruction) -> list[tuple[str, str]]:
    """``ENV``/``LABEL`` name-value pairs, values as written (quotes kept)."""
    args = instruction.arguments
    return [(args[i], args[i + 1]) for i in range(0, len(args) - 1, 2)]


# --------------------------------------------------------------------------- scopes


class _Versions:
    """Each variable's values in instruction order: the value before an instruction by bisection.

    A value of None means "unknown" (its expansion was stopped): it hides an older or
    inherited value, and reads as unset.
    """

    __slots__ = ("at", "values")

    def __init__(self) -> None:
        self.at: dict[str, list[int]] = {}
        self.values: dict[str, list[str | None]] = {}

    def set(self, name: str, index: int, value: str | None) -> None:
        self.at.setdefault(name, []).append(index)
        self.values.setdefault(name, []).append(value)

    def lookup(self, name: str, before: int) -> tuple[bool, str | None]:
        """(whether ``name`` was set before instruction ``before``, its value then)."""
        at = self.at.get(name)
        if at is None:
            return False, None
        k = bisect_left(at, before)
        return (True, self.values[name][k - 1]) if k else (False, None)

    def names(self) -> Iterator[str]:
        return iter(self.at)


class ScopeView(Mapping[str, str]):
    """The ARG/ENV values visible at one instruction (read-only, computed on lookup)."""

    def __init__(self, own: _Versions, before: int, inherited: Mapping[str, str]) -> None:
        self._own, self._before, self._inherited = own, before, inherited

    def _find(self, name: str) -> str | None:
        found, value = self._own.lookup(name, self._before)
        if found:
            return value
        return self._inherited.get(name)

    def __getitem__(self, name: str) -> str:
        value = self._find(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._find(name) is not None

    def __iter__(self) -> Iterator[str]:
        names = dict.fromkeys([*self._inherited, *self._own.names()])
        return (n for n in names if self._find(n) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_EMPTY: Mapping[str, str] = {}


class Scopes:
    """Every instruction's ARG/ENV scope and SHELL, computed in one pass over the file.

    Global ARGs count inside a stage only when the stage re-declares them, as in Docker;
    ENV (not ARG) is inherited from a parent stage; ``build_args`` stand for
    ``--build-arg`` values.  :attr:`budget` is the one expansion budget of the file:
    building the scopes spends from it, and so does every :meth:`expand` afterwards.
    """

    def __init__(self, dockerfile: Dockerfile, build_args: Mapping[str, str] | None = None) -> None:
        # no reference to the Dockerfile: it holds this object (Dockerfile.scopes), and a
        # cycle would outlive the run while the collector is paused (dockerfile.heap)
        self._escape = dockerfile.escape
        self._parse_note = dockerfile.expansion_note
        self._parents = tuple(s.parent for s in dockerfile.stages)
        self.budget = Budget()
        self._unknown: set[str] = set(dockerfile.unknown_args)  # stopped, or built on one
        overrides = dict(build_args or {})
        self._global = _Versions()
        self._global_values: dict[str, str] = {}
        self._stage: list[_Versions] = []
        self._inherited: list[Mapping[str, str]] = []
        self._shells: list[tuple[list[int], list[tuple[str, ...]]]] = []
        self._final_shell: list[tuple[str, ...]] = []
        self._globals(dockerfile, overrides)
        final_env: list[Mapping[str, str]] = []
        for stage in dockerfile.stages:
            final_env.append(self._build_stage(stage, overrides, final_env))

    def _expand(self, raw: str, scope: Mapping[str, str], line: int) -> str | None:
        """The value to record, or None (unknown): stopped, or needing an unknown value."""
        e = expand(raw, scope, self._escape, budget=self.budget, line=line)
        if e.stopped or not self._unknown.isdisjoint(e.unresolved):
            return None
        return e.value

    def _set(self, versions: _Versions, name: str, index: int, value: str | None) -> None:
        versions.set(name, index, value)
        if value is None:
            self._unknown.add(name)
        else:
            self._unknown.discard(name)

    def _globals(self, dockerfile: Dockerfile, overrides: Mapping[str, str]) -> None:
        live: dict[str, str] = {}
        lines = {ins.index: ins.start_line for ins in dockerfile.instructions if ins.stage is None}
        for arg in dockerfile.global_args:
            value = overrides.get(arg.name, arg.default)
            if value is None:
                continue
            got = self._expand(value, live, lines.get(arg.instruction, 1))
            self._set(self._global, arg.name, arg.instruction, got)
            if got is None:
                live.pop(arg.name, None)
            else:
                live[arg.name] = got
        self._global_values = live

    def _build_stage(
        self, stage: Stage, overrides: Mapping[str, str], final_env: list[Mapping[str, str]]
    ) -> Mapping[str, str]:
        """Record the stage's ARG/ENV/SHELL; return its final ENV (what children inherit)."""
        index = stage.index
        parent = stage.parent if stage.parent is not None and stage.parent < index else None
        inherited = final_env[parent] if parent is not None else _EMPTY
        versions = _Versions()
        own_env: dict[str, str | None] = {}
        shell_at: list[int] = []
        shells: list[tuple[str, ...]] = []
        for ins in stage.instructions[1:]:
            live = ScopeView(versions, ins.index + 1, inherited)
            if ins.keyword == "ARG":
                for name, default in arg_pairs(ins):
                    if name in overrides:
                        value: str | None = overrides[name]
                    elif default is not None:
                        value = self._expand(default, live, ins.start_line)
                    elif name in self._global_values:
                        value = self._global_values[name]
                    else:
                        continue
                    self._set(versions, name, ins.index, value)
            elif ins.keyword == "ENV":
                for name, raw in env_pairs(ins):
                    value = self._expand(raw, live, ins.start_line)
                    self._set(versions, name, ins.index, value)
                    own_env[name] = value
            elif ins.keyword == "SHELL" and ins.json_form and ins.arguments:
                shell_at.append(ins.index)
                shells.append(ins.arguments)
        self._stage.append(versions)
        self._inherited.append(inherited)
        self._shells.append((shell_at, shells))
        self._final_shell.append(
            shells[-1]
            if shells
            else (self._final_shell[parent] if parent is not None else DEFAULT_SHELL)
        )
        if not own_env:
            return inherited
        if not self.budget.afford(len(inherited) + len(own_env), stage.position.line):
            return _EMPTY
        merged = dict(inherited)
        for name, value in own_env.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        return merged

    def variables(self, instruction: Instruction) -> Mapping[str, str]:
        """The ARG and ENV values visible to ``instruction`` (before it runs)."""
        if instruction.stage is None:
            return ScopeView(self._global, instruction.index, _EMPTY)
        s = instruction.stage
        return ScopeView(self._stage[s], instruction.index, self._inherited[s])

    def shell(self, instruction: Instruction) -> tuple[str, ...]:
        """The ``SHELL`` a shell-form RUN/CMD/ENTRYPOINT uses (``/bin/sh -c`` by default)."""
        s = instruction.stage
        if s is None:
            return DEFAULT_SHELL
        at, shells = self._shells[s]
        k = bisect_left(at, instruction.index)
        if k:
            return shells[k - 1]
        parent = self._parents[s]
        if parent is not None and parent < s:
            return self._final_shell[parent]
        return DEFAULT_SHELL

    def expand(self, instruction: Instruction, word: str, escape: str | None = None) -> Expansion:
        """``word`` expanded with the values visible to ``instruction``, on the file's budget."""
        return expand(
            word,
            self.variables(instruction),
            self._escape if escape is None else escape,
            budget=self.budget,
            line=instruction.start_line,
        )

    @property
    def note(self) -> str | None:
        """The first place an expansion of this file was stopped, as a note (or None)."""
        return self._parse_note or self.budget.note


def variables_at(
    dockerfile: Dockerfile, instruction: Instruction, build_args: Mapping[str, str] | None = None
) -> Mapping[str, str]:
    """The ARG and ENV values visible to ``instruction`` (before it runs).

    Global ARGs count inside a stage only when the stage re-declares them, as in Docker;
    ENV (not ARG) is inherited from a parent stage; ``build_args`` stand for
    ``--build-arg`` values.  Variables without a value (or whose value the budget
    stopped) are absent.
    """
    scopes = dockerfile.scopes if not build_args else Scopes(dockerfile, build_args)
    return scopes.variables(instruction)


def expand_at(
    dockerfile: Dockerfile, instruction: Instruction, word: str, escape: str | None = None
) -> Expansion:
    r"""``word`` expanded with what ``instruction`` sees, on the Dockerfile's one budget.

    ``escape``: the escape character (default: the Dockerfile's; a RUN's shell words
    use ``\\``).
    """
    return dockerfile.scopes.expand(instruction, word, escape)


def shell_for(dockerfile: Dockerfile, instruction: Instruction) -> tuple[str, ...]:
    """The shell a shell-form RUN/CMD/ENTRYPOINT uses.

    That is the last SHELL before it in its stage or an ancestor stage, else
    ``/bin/sh -c``.
    """
    return dockerfile.scopes.shell(instruction)
