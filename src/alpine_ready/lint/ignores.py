"""Inline ignore comments, hadolint's syntax and ours.

* ``# alpine-ready ignore=AR101,apk-add-unpinned`` in the block of comment lines directly
  above an instruction (no blank line between) silences those rules on that whole
  instruction, continuation lines and heredoc bodies included;
* ``# hadolint ignore=DL3018,DL3019`` does the same for the rules that map to those
  hadolint codes (others are hadolint's business);
* ``# alpine-ready global ignore=…`` / ``# hadolint global ignore=…`` anywhere (outside an
  instruction) silences the rules for the whole file.

Items are codes (any case) or rule names, separated by commas; text after the list
(``# alpine-ready ignore=AR101 -- the cache is a mount``) is a free-form reason.  Comment
lines inside a continued instruction or a heredoc body are not pragmas (BuildKit drops the
first and the second is script text).  Unknown rules in our own comments, and our comments
that sit above nothing, become notes in the report.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from ..dockerfile import Dockerfile, Instruction
from .model import Finding, RuleMeta

_PRAGMA = re.compile(
    r"^\s*#\s*(alpine-ready|hadolint)\s+(global\s+)?ignore\s*=\s*(.*)$", re.IGNORECASE
)
_ITEMS = re.compile(r"^([A-Za-z0-9][\w-]*(?:\s*,\s*[A-Za-z0-9][\w-]*)*)")


@dataclass(frozen=True)
class Ignores:
    """The rule codes silenced per instruction and for the whole file."""

    whole_file: frozenset[str]
    per_instruction: tuple[tuple[int, frozenset[str]], ...]  # instruction index -> codes
    notes: tuple[str, ...]

    def silences(self, finding: Finding, instruction: Instruction | None) -> bool:
        """True when an ignore comment covers ``finding`` (at ``instruction``)."""
        if finding.code in self.whole_file:
            return True
        if instruction is None:
            return False
        return any(
            index == instruction.index and finding.code in codes
            for index, codes in self.per_instruction
        )


def _is_comment(line: str) -> bool:
    return line.lstrip(" \t\v\f\r\ufeff").startswith("#")


def _codes(
    tool: str, items: Sequence[str], rules: Sequence[RuleMeta], line: int, notes: list[str]
) -> set[str]:
    codes: set[str] = set()
    for item in items:
        if tool == "hadolint":
            codes |= {
                m.code
                for m in rules
                if m.hadolint is not None and m.hadolint.lower() == item.lower()
            }
            continue
        found = [m.code for m in rules if m.code.lower() == item.lower() or m.name == item]
        if not found:
            notes.append(f"line {line}: unknown rule {item!r} in an ignore comment")
        codes.update(found)
    return codes


def read(dockerfile: Dockerfile, rules: Sequence[RuleMeta]) -> Ignores:
    """The ignore comments of ``dockerfile`` for the rules ``rules``."""
    covered: set[int] = set()  # lines inside instructions (continuations, heredocs)
    starts: dict[int, Instruction] = {}
    for ins in dockerfile.instructions:
        covered.update(range(ins.start_line, ins.end_line + 1))
        starts[ins.start_line] = ins
    whole: set[str] = set()
    per: dict[int, set[str]] = {}
    notes: list[str] = []
    lines = dockerfile.lines
    for number, raw in enumerate(lines, start=1):
        if number in covered:
            continue
        m = _PRAGMA.match(raw.rstrip("\r\n"))
        if m is None:
            continue
        tool, is_global = m.group(1).lower(), m.group(2) is not None
        items_m = _ITEMS.match(m.group(3))
        if items_m is None:
            if tool == "alpine-ready":
                notes.append(f"line {number}: ignore comment names no rule")
            continue
        items = [x.strip() for x in items_m.group(1).split(",")]
        codes = _codes(tool, items, rules, number, notes)
        if is_global:
            whole |= codes
            continue
        below = number + 1
        while below <= len(lines) and below not in covered and _is_comment(lines[below - 1]):
            below += 1
        target = starts.get(below)
        if target is None:
            if tool == "alpine-ready":
                notes.append(
                    f"line {number}: ignore comment is not directly above an "
                    "instruction; it silences nothing (use 'global ignore=' for "
                    "the whole file)"
                )
            continue
        per.setdefault(target.index, set()).update(codes)
    return Ignores(
        frozenset(whole), tuple(sorted((i, frozenset(c)) for i, c in per.items())), tuple(notes)
    )


def instruction_at(dockerfile: Dockerfile, line: int) -> Instruction | None:
    """The instruction whose lines (continuations, heredoc bodies) include ``line``.

    Found by bisection (instructions are in line order and do not overlap).
    """
    instructions = dockerfile.instructions
    k = bisect_right(instructions, line, key=_start_line) - 1
    if k >= 0 and instructions[k].start_line <= line <= instructions[k].end_line:
        return instructions[k]
    return None


def _start_line(ins: Instruction) -> int:
    return ins.start_line
