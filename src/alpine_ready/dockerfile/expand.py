"""ARG/ENV substitution the way BuildKit's word lexer does it, minus the guessing.

:func:`expand` removes quotes and substitutes ``$VAR``, ``${VAR}``, ``${VAR:-default}``,
``${VAR-default}``, ``${VAR:+alt}``, ``${VAR+alt}`` and ``${VAR:?msg}``.  Where BuildKit
would put an empty string for a variable nobody set, we keep the reference as written and
name it in :attr:`Expansion.unresolved`, so a rule never mistakes ``alpine:$TAG`` for
``alpine:`` (no tag).  :func:`variables_at` gives the ARG/ENV scope at an instruction and
:func:`shell_for` the ``SHELL`` a RUN uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .model import Dockerfile, Instruction

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DEFAULT_SHELL: tuple[str, ...] = ("/bin/sh", "-c")


@dataclass(frozen=True)
class Expansion:
    """A word after substitution: its value and the variables that had no value."""

    value: str
    unresolved: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when every variable had a value."""
        return not self.unresolved


def expand(word: str, variables: Mapping[str, str], escape: str = "\\") -> Expansion:
    """Quote removal and variable substitution of one Dockerfile word."""
    unresolved: list[str] = []
    value = _Expander(word, variables, escape, unresolved).run()
    return Expansion(value, tuple(dict.fromkeys(unresolved)))


class _Expander:
    def __init__(self, text: str, env: Mapping[str, str], escape: str,
                 unresolved: list[str]) -> None:
        self.text, self.env, self.escape, self.unresolved = text, env, escape, unresolved
        self.i = 0

    def run(self) -> str:
        out: list[str] = []
        t = self.text
        while self.i < len(t):
            ch = t[self.i]
            if ch == self.escape:
                if self.i + 1 < len(t):
                    out.append(t[self.i + 1])
                self.i += 2
            elif ch == "'":
                end = t.find("'", self.i + 1)
                end = len(t) if end < 0 else end
                out.append(t[self.i + 1:end])
                self.i = end + 1
            elif ch == '"':
                self.i += 1
                out.append(self._double())
            elif ch == "$":
                out.append(self._dollar())
            else:
                out.append(ch)
                self.i += 1
        return "".join(out)

    def _double(self) -> str:
        out: list[str] = []
        t = self.text
        while self.i < len(t) and t[self.i] != '"':
            ch = t[self.i]
            if ch == self.escape and self.i + 1 < len(t) and t[self.i + 1] in f'"${self.escape}':
                out.append(t[self.i + 1])
                self.i += 2
            elif ch == "$":
                out.append(self._dollar())
            else:
                out.append(ch)
                self.i += 1
        self.i += 1
        return "".join(out)

    def _dollar(self) -> str:
        t, start = self.text, self.i
        self.i += 1
        if self.i < len(t) and t[self.i] == "{":
            close = _matching_brace(t, self.i)
            if close < 0:
                self.i = len(t)
                return t[start:]
            inner = t[self.i + 1:close]
            self.i = close + 1
            return self._braced(inner, t[start:close + 1])
        m = _NAME.match(t, self.i)
        if not m:
            return "$"
        self.i = m.end()
        name = m.group(0)
        if name in self.env:
            return self.env[name]
        self.unresolved.append(name)
        return t[start:self.i]

    def _braced(self, inner: str, raw: str) -> str:
        m = _NAME.match(inner)
        if not m:
            self.unresolved.append(inner)
            return raw
        name, rest = m.group(0), inner[m.end():]
        value = self.env.get(name)
        if not rest:
            if value is None:
                self.unresolved.append(name)
                return raw
            return value
        for op in (":-", ":+", ":?", "-", "+", "?"):
            if rest.startswith(op):
                word = rest[len(op):]
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
        return _Expander(word, self.env, self.escape, self.unresolved).run()


def _matching_brace(text: str, open_at: int) -> int:
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return -1


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


def variables_at(dockerfile: Dockerfile, instruction: Instruction,
                 build_args: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ARG and ENV values visible to ``instruction`` (before it runs).

    Global ARGs count inside a stage only when the stage re-declares them, as in Docker;
    ENV (not ARG) is inherited from a parent stage; ``build_args`` stand for
    ``--build-arg`` values.  Variables without a value are absent.
    """
    overrides = dict(build_args or {})
    global_values: dict[str, str] = {}
    for arg in dockerfile.global_args:
        if arg.instruction >= instruction.index and instruction.stage is None:
            break
        value = overrides.get(arg.name, arg.default)
        if value is not None:
            global_values[arg.name] = expand(value, global_values, dockerfile.escape).value
    if instruction.stage is None:
        return global_values
    scope, _ = _stage_scope(dockerfile, instruction.stage, instruction.index,
                            global_values, overrides)
    return scope


def _stage_scope(dockerfile: Dockerfile, stage_index: int, before: int,
                 global_values: Mapping[str, str],
                 overrides: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(every variable, the ENV ones alone) before instruction ``before`` of a stage."""
    stage = dockerfile.stages[stage_index]
    env: dict[str, str] = {}
    if stage.parent is not None and stage.parent < stage_index:
        _, env = _stage_scope(dockerfile, stage.parent, 1 << 62, global_values, overrides)
    scope = dict(env)
    for ins in stage.instructions[1:]:
        if ins.index >= before:
            break
        if ins.keyword == "ARG":
            for name, default in arg_pairs(ins):
                if name in overrides:
                    scope[name] = overrides[name]
                elif default is not None:
                    scope[name] = expand(default, scope, dockerfile.escape).value
                elif name in global_values:
                    scope[name] = global_values[name]
        elif ins.keyword == "ENV":
            for name, raw in env_pairs(ins):
                value = expand(raw, scope, dockerfile.escape).value
                scope[name] = env[name] = value
    return scope, env


def shell_for(dockerfile: Dockerfile, instruction: Instruction) -> tuple[str, ...]:
    """The shell a shell-form RUN/CMD/ENTRYPOINT uses.

    That is the last SHELL before it in its stage or an ancestor stage, else
    ``/bin/sh -c``.
    """
    stage_index = instruction.stage
    before = instruction.index
    while stage_index is not None:
        stage = dockerfile.stages[stage_index]
        for ins in reversed(stage.instructions):
            if ins.index < before and ins.keyword == "SHELL" and ins.json_form \
                    and ins.arguments:
                return ins.arguments
        stage_index = stage.parent
        before = 1 << 62
    return DEFAULT_SHELL
