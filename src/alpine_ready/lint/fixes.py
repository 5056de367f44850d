"""Fixes as text: edits planned without overlaps, applied byte for byte, shown as a diff.

An :class:`~.model.Edit` names characters by (line, column) of the text it was computed
on; :func:`plan` turns the fixes of a set of findings into absolute offsets, keeps the
ones that do not overlap a fix already accepted (a fix is all of its edits or none) and
says why the others were left; :func:`apply` rewrites the text.  Everything outside the
edited ranges is kept as it is: comments, continuations, indentation, line endings.
Text a fix inserts gets the line ending of the line it lands on (CR LF in a CRLF
file).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from .model import Edit, Finding, Point


class EditError(ValueError):
    """An edit that does not point into the text (a bug in the rule that made it)."""

    finding: Finding | None = None  # set by :func:`plan`: whose fix it was


@dataclass(frozen=True)
class TextEdit:
    """Replace ``text[start:end]`` with ``new`` (absolute character offsets)."""

    start: int
    end: int
    new: str


class Text:
    """A file's text split into lines (on LF only), with offset arithmetic."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = split_lines(text)
        self.starts: list[int] = []
        offset = 0
        for line in self.lines:
            self.starts.append(offset)
            offset += len(line)

    def offset(self, point: Point) -> int:
        """The offset of a (line, column) point; EditError when it is not in the text."""
        n = len(self.lines)
        if point.line == n + 1 and point.column == 1:
            return len(self.text)  # end of text
        if not 1 <= point.line <= n or point.column < 1:
            raise EditError(f"{point.line}:{point.column} is outside the file ({n} lines)")
        content = self.lines[point.line - 1].rstrip("\r\n")
        if point.column > len(content) + 1:
            raise EditError(
                f"{point.line}:{point.column} is past the end of line "
                f"{point.line} ({len(content)} characters)"
            )
        return self.starts[point.line - 1] + point.column - 1

    def offset_near(self, point: Point) -> int:
        """Like :meth:`offset`, clamped into the text (for places findings point at)."""
        n = len(self.lines)
        if n == 0:
            return 0
        line = min(max(point.line, 1), n)
        content = self.lines[line - 1].rstrip("\r\n")
        return self.starts[line - 1] + min(max(point.column, 1) - 1, len(content))

    def ending(self, line: int) -> str:
        """The line ending of 1-based ``line`` (LF past the end)."""
        if 1 <= line <= len(self.lines) and self.lines[line - 1].endswith("\r\n"):
            return "\r\n"
        return "\n"

    def resolve(self, edit: Edit) -> TextEdit:
        """An :class:`Edit` as offsets, inserted newlines matched to the file's."""
        start, end = self.offset(edit.start), self.offset(edit.end)
        if end < start:
            raise EditError(
                f"edit ends ({edit.end.line}:{edit.end.column}) before it "
                f"starts ({edit.start.line}:{edit.start.column})"
            )
        new = edit.text
        if self.ending(edit.start.line) == "\r\n":
            new = new.replace("\r\n", "\n").replace("\n", "\r\n")
        return TextEdit(start, end, new)


def split_lines(text: str) -> list[str]:
    """Lines split on LF only, each keeping its ending (as BuildKit's scanner reads)."""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def _overlaps(a: TextEdit, b: TextEdit) -> bool:
    if a.start == a.end and b.start == b.end:  # two insertions at one place
        return a.start == b.start and a.new != b.new
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


@dataclass(frozen=True)
class Plan:
    """The fixes to apply now, and the ones left out with the reason."""

    accepted: tuple[tuple[Finding, tuple[TextEdit, ...]], ...]
    rejected: tuple[tuple[Finding, str], ...]

    @property
    def edits(self) -> list[TextEdit]:
        """Every accepted edit (identical ones once)."""
        return list(dict.fromkeys(e for _, edits in self.accepted for e in edits))


def plan(text: Text, findings: Iterable[Finding]) -> Plan:
    """Non-overlapping fixes of ``findings``, in file order (each fix whole or not at all).

    Raises :class:`EditError` for an edit that points outside the text.
    """
    accepted: list[tuple[Finding, tuple[TextEdit, ...]]] = []
    rejected: list[tuple[Finding, str]] = []
    taken: list[tuple[TextEdit, Finding]] = []
    candidates = [f for f in findings if f.fix is not None]
    for finding in sorted(candidates, key=lambda f: (f.line, f.column, f.code)):
        assert finding.fix is not None
        try:
            edits = tuple(text.resolve(e) for e in finding.fix.edits)
        except EditError as exc:
            exc.finding = finding
            raise
        clash = next(
            (other for e in edits for t, other in taken if _overlaps(e, t) and e != t), None
        )
        if clash is not None:
            rejected.append(
                (finding, f"overlaps the fix of {clash.code} at {clash.line}:{clash.column}")
            )
            continue
        accepted.append((finding, edits))
        taken.extend((e, finding) for e in edits)
    return Plan(tuple(accepted), tuple(rejected))


def apply(text: str, edits: Sequence[TextEdit]) -> str:
    """``text`` with non-overlapping ``edits`` applied (from the end backwards)."""
    pieces: list[str] = []
    done = len(text)
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        pieces.append(text[e.end : done])
        pieces.append(e.new)
        done = e.start
    pieces.append(text[:done])
    return "".join(reversed(pieces))


def shift(offset: int, edits: Sequence[TextEdit]) -> int:
    """Where ``offset`` of the old text is after ``edits`` were applied."""
    delta = 0
    for e in edits:
        if e.end <= offset and not (e.start == e.end == offset):
            delta += len(e.new) - (e.end - e.start)
        elif e.start < offset < e.end:
            return e.start + delta  # inside a rewritten range: its start
    return offset + delta


#: How far ahead (lines, both sides together) the diff looks to find the texts in step again.
DIFF_WINDOW = 32

Opcode = tuple[str, int, int, int, int]


def _align(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """``SequenceMatcher.get_opcodes`` for texts that differ in places, in linear time.

    Equal runs are taken as they come; at a difference, the nearest place where the
    two texts agree again (within :data:`DIFF_WINDOW` lines) ends the change, else one
    line is replaced by one.  The result is a valid alignment (a patch made from it
    applies), not always a minimal one; difflib's matcher is quadratic on texts with
    many equal lines, as a 4 MiB Dockerfile has.
    """
    ops: list[Opcode] = []
    i = j = 0
    n, m = len(a), len(b)
    while i < n and j < m:
        if a[i] == b[j]:
            i0, j0 = i, j
            while i < n and j < m and a[i] == b[j]:
                i += 1
                j += 1
            ops.append(("equal", i0, i, j0, j))
            continue
        x, y = _resync(a, b, i, j)
        ops.append(("replace" if x and y else "delete" if x else "insert", i, i + x, j, j + y))
        i, j = i + x, j + y
    if i < n or j < m:
        ops.append(("replace" if i < n and j < m else "delete" if i < n else "insert", i, n, j, m))
    return _merge(ops)


def _resync(a: Sequence[str], b: Sequence[str], i: int, j: int) -> tuple[int, int]:
    """(lines of ``a``, lines of ``b``) to skip so that ``a[i+x] == b[j+y]``, nearest first."""
    for d in range(1, DIFF_WINDOW + 1):
        for x in sorted(range(d + 1), key=lambda x: abs(2 * x - d)):  # balanced first
            y = d - x
            if i + x < len(a) and j + y < len(b) and a[i + x] == b[j + y]:
                return x, y
    return (1 if i < len(a) else 0), (1 if j < len(b) else 0)


def _merge(ops: list[Opcode]) -> list[Opcode]:
    out: list[Opcode] = []
    for tag, i1, i2, j1, j2 in ops:
        if out and tag != "equal" and out[-1][0] != "equal":
            _, p1, _, q1, _ = out[-1]
            merged = "replace" if (i2 > p1 and j2 > q1) else "delete" if i2 > p1 else "insert"
            out[-1] = (merged, p1, i2, q1, j2)
        else:
            out.append((tag, i1, i2, j1, j2))
    return out


def _groups(codes: list[Opcode], n: int = 3) -> Iterator[list[Opcode]]:
    """``SequenceMatcher.get_grouped_opcodes``: change clusters with ``n`` lines of context."""
    if not codes:
        codes = [("equal", 0, 1, 0, 1)]
    if codes[0][0] == "equal":
        tag, i1, i2, j1, j2 = codes[0]
        codes[0] = tag, max(i1, i2 - n), i2, max(j1, j2 - n), j2
    if codes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = codes[-1]
        codes[-1] = tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * n:
            group.append((tag, i1, min(i2, i1 + n), j1, min(j2, j1 + n)))
            yield group
            group = []
            i1, j1 = max(i1, i2 - n), max(j1, j2 - n)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        yield group


def _range(start: int, stop: int) -> str:
    length = stop - start
    if length == 1:
        return f"{start + 1}"
    return f"{start if not length else start + 1},{length}"


def diff_lines(a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str) -> Iterator[str]:
    """``difflib.unified_diff(a, b, fromfile, tofile)``'s lines, in linear time (:func:`_align`)."""
    started = False
    for group in _groups(_align(a, b)):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                yield from ("-" + line for line in a[i1:i2])
            if tag in ("replace", "insert"):
                yield from ("+" + line for line in b[j1:j2])


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff that ``patch -p0`` applies ("No newline at end of file" marked)."""
    if before == after:
        return ""
    out: list[str] = []
    for line in diff_lines(split_lines(before), split_lines(after), path, path):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
