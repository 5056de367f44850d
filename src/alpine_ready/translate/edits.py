"""Text edits at file positions, applied in one pass so untouched text stays byte-identical.

Positions come from the parser (1-based line and column, columns in characters); an
:class:`Editor` turns them into offsets of the file text, collects replacements and
applies them together.  Two edits may not overlap (an insertion may sit at the start or
end of a replacement); one that would is refused and reported by :meth:`Editor.add`.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass

from ..dockerfile import Dockerfile, Position


@dataclass(frozen=True, order=True)
class TextEdit:
    """Replace ``text[start:end]`` (offsets) with ``new``; ``start == end`` inserts."""

    start: int
    end: int
    new: str


class Editor:
    """Collects edits against one Dockerfile's text."""

    def __init__(self, dockerfile: Dockerfile) -> None:
        """Edits of ``dockerfile.text``."""
        self.dockerfile = dockerfile
        self.text = dockerfile.text
        self.newline = "\r\n" if dockerfile.lines and dockerfile.lines[0].endswith("\r\n") else "\n"
        self._starts: list[int] = []
        offset = 0
        for line in dockerfile.lines:
            self._starts.append(offset)
            offset += len(line)
        self._starts.append(offset)
        self.edits: list[TextEdit] = []
        self._spans: list[tuple[int, int]] = []  # of the edits, in order

    def offset(self, pos: Position) -> int:
        """The offset of a file position."""
        if pos.line - 1 >= len(self._starts):
            return len(self.text)
        return self._starts[pos.line - 1] + pos.column - 1

    def line_start(self, line: int) -> int:
        """Offset of the first character of 1-based ``line``."""
        return self._starts[min(line - 1, len(self._starts) - 1)]

    def line_text(self, line: int) -> str:
        """Line ``line`` without its ending."""
        return self.dockerfile.line(line)

    def between(self, start: Position, end: Position) -> str:
        """The file text from ``start`` up to ``end``."""
        return self.text[self.offset(start) : self.offset(end)]

    def conflicts(self, start: int, end: int) -> bool:
        """True when an edit of ``[start, end)`` would overlap one already added.

        Insertions touch, never overlap.  The edits added so far do not overlap, so in
        (start, end) order their ends never decrease: only the last one starting before
        ``end`` (before ``start``, for an insertion) can overlap -- a bisection.
        """
        k = bisect_left(self._spans, (end if start < end else start, -1)) - 1
        if k < 0:
            return False
        s, e = self._spans[k]
        if start == end or s == e:
            return s < start < e or start < s < end
        return start < e and s < end

    def add(self, start: int, end: int, new: str, *, first: bool = False) -> bool:
        """Add an edit; False (and nothing added) when it overlaps an earlier one.

        Insertions at one offset come out in the order they were added; ``first`` puts
        this one before those added earlier.
        """
        if start > end or self.conflicts(start, end):
            return False
        edit = TextEdit(start, end, new)
        if first:
            self.edits.insert(0, edit)
        else:
            self.edits.append(edit)
        insort(self._spans, (start, end))
        return True

    def replace(self, start: Position, end: Position, new: str) -> bool:
        """Replace the text between two positions."""
        return self.add(self.offset(start), self.offset(end), new)

    def delete_lines(self, first: int, last: int) -> bool:
        """Delete whole lines ``first..last`` (1-based, inclusive), endings included."""
        return self.add(self.line_start(first), self.line_start(last + 1), "")

    def insert_before_line(self, line: int, new: str, *, first: bool = False) -> bool:
        """Insert ``new`` (whole lines, ending included) before line ``line``.

        ``first``: before whatever was inserted there already.
        """
        at = self.line_start(line)
        return self.add(at, at, new, first=first)

    def apply(self) -> str:
        """The text with every edit applied."""
        out: list[str] = []
        cursor = 0
        for e in sorted(self.edits, key=lambda e: (e.start, e.end != e.start, e.end)):
            out.append(self.text[cursor : e.start])
            out.append(e.new)
            cursor = max(cursor, e.end)
        out.append(self.text[cursor:])
        return "".join(out)


def clean_gap(gap: str, escape: str) -> str | None:
    r"""The operator in the text between two commands, or None if anything else is there.

    The text may hold whitespace, line continuations and comment lines (the Dockerfile
    grammar drops those inside a continued instruction) around one ``&&`` or ``;`` (or a
    bare newline in a heredoc script, returned as ``"\\n"``).
    """
    lines = gap.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if i > 0 and stripped.startswith("#"):
            continue
        if stripped.endswith(escape):
            stripped = stripped[:-1].strip()
        kept.append(stripped)
    body = "".join(kept).strip()
    if body in ("&&", ";"):
        return body
    if body == "" and "\n" in gap and not any(line.strip().endswith(escape) for line in lines[:-1]):
        return "\n"
    return None
