"""BuildKit's line handling, replayed in Python to recover exact columns.

The ``dockerfile`` binding tells us each instruction's first and last line but not where
its words sit.  These helpers redo exactly what BuildKit's ``parser.Parse`` loop does to
the lines of one instruction (left-trim the first line only, drop comment and blank lines
inside a continuation, strip one trailing escape character plus trailing blanks) and
record, for every character of the resulting logical line, where it came from.  They also
re-implement ``extractBuilderFlags`` with offsets.  The tests compare the results with
the binding's own output on every fixture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Segment, SourceMap

_DIRECTIVE = re.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")
_KNOWN_DIRECTIVES = frozenset({"escape", "syntax", "check"})
# Go's unicode.IsSpace for Latin-1; above that Python's notion is the same
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0")
_LATIN1_SPACE_CHARS = "\t\n\v\f\r \x85\xa0"
_LATIN1_SPACES = re.compile("[" + _LATIN1_SPACE_CHARS + "]*")
_NOT_SPLIT = re.compile(r"[^\t\v\f\r ]*")
_SPLIT_RUN = re.compile(r"[\t\v\f\r ]*")
_HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)([^<]*)$")


def is_go_space(ch: str) -> bool:
    """``unicode.IsSpace`` as Go defines it."""
    return ch in _GO_SPACE or (ord(ch) > 0xFF and ch.isspace())


def split_lines(text: str) -> list[str]:
    """Lines split on newline characters only (as Go's scanner does), each keeping its ending."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def strip_newline(line: str) -> str:
    """``trimNewline``: drop every trailing CR and LF."""
    return line.rstrip("\r\n")


def lstrip_count(line: str) -> int:
    """Number of leading Go-whitespace characters."""
    i = _LATIN1_SPACES.match(line).end()  # type: ignore[union-attr]  # ``*``: always matches
    while i < len(line) and is_go_space(line[i]):
        i = _LATIN1_SPACES.match(line, i + 1).end()  # type: ignore[union-attr]
    return i


def is_comment(line: str) -> bool:
    """A line whose first non-blank character is ``#``."""
    rest = line[lstrip_count(line) :]
    return rest.startswith("#")


def is_blank(line: str) -> bool:
    """A line holding only whitespace."""
    return lstrip_count(strip_newline(line)) == len(strip_newline(line))


def trim_continuation(line: str, escape: str) -> tuple[str, bool]:
    """(line without a trailing continuation, whether the instruction continues).

    BuildKit's rule: one escape character, not itself preceded by the escape character,
    followed only by blanks up to the end of the line.
    """
    body = line.rstrip(" \t")
    if body.endswith(escape) and (len(body) == 1 or body[-2] != escape):
        return body[:-1], True
    return line, False


@dataclass(frozen=True)
class Directives:
    """Parser directives found at the top of the file."""

    escape: str
    items: tuple[tuple[str, str, int], ...]  # (lower-cased name, value, 1-based line)


def read_directives(lines: list[str]) -> Directives:
    """Parser directives: ``# name=value`` lines before anything else (BuildKit's rule)."""
    escape = "\\"
    items: list[tuple[str, str, int]] = []
    for number, raw in enumerate(lines, start=1):
        m = _DIRECTIVE.match(strip_newline(raw))
        if not m or m.group(1).lower() not in _KNOWN_DIRECTIVES:
            break
        name, value = m.group(1).lower(), m.group(2)
        items.append((name, value, number))
        if name == "escape":
            escape = value
    return Directives(escape, tuple(items))


@dataclass(frozen=True)
class Logical:
    """One instruction's logical line and where it came from."""

    text: str
    source_map: SourceMap
    last_line: int  # 1-based line where the continuation ended (heredoc bodies follow)


def logical_line(lines: list[str], start_line: int, escape: str) -> Logical:
    """Rebuild the logical line of the instruction starting at ``start_line`` (1-based)."""
    i = start_line - 1
    raw = strip_newline(lines[i])
    lead = lstrip_count(raw)
    content, more = trim_continuation(raw[lead:], escape)
    parts = [content]
    segments = [Segment(0, len(content), i + 1, lead + 1)]
    offset = len(content)
    while more and i + 1 < len(lines):
        i += 1
        raw = strip_newline(lines[i])
        if is_comment(raw) or lstrip_count(raw) == len(raw):
            continue
        content, more = trim_continuation(raw, escape)
        parts.append(content)
        segments.append(Segment(offset, len(content), i + 1, 1))
        offset += len(content)
    return Logical("".join(parts), SourceMap(tuple(segments)), i + 1)


@dataclass(frozen=True)
class Split:
    """A logical line split the way ``splitCommand``/``extractBuilderFlags`` split it."""

    keyword: str
    keyword_offset: int
    flags: tuple[tuple[str, int], ...]  # (flag after quote removal, offset of its start)
    args_offset: int


def split_instruction(text: str) -> Split:
    """Keyword, flags and the offset where the arguments start, as BuildKit splits them."""
    end = len(text.rstrip(_LATIN1_SPACE_CHARS))
    while end > 0 and is_go_space(text[end - 1]):
        end = len(text[: end - 1].rstrip(_LATIN1_SPACE_CHARS))
    start = min(lstrip_count(text), end)
    k = _NOT_SPLIT.match(text, start, end).end()  # type: ignore[union-attr]
    keyword = text[start:k]
    k = _SPLIT_RUN.match(text, k, end).end()  # type: ignore[union-attr]
    flags, args = _extract_flags(text, k, end)
    return Split(keyword, start, tuple(flags), args)


def _extract_flags(line: str, pos: int, end: int) -> tuple[list[tuple[str, int]], int]:
    """``extractBuilderFlags`` with offsets: leading ``--words`` and where the rest starts."""
    words: list[tuple[str, int]] = []
    while True:
        while pos < end and is_go_space(line[pos]):
            pos += 1
        if pos >= end or not line.startswith("--", pos):
            return words, pos
        start, word, blank_ok, quote = pos, [], False, ""
        while pos < end:
            ch = line[pos]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\" and pos + 1 < end:
                    pos += 1
                    word.append(line[pos])
                elif ch != "\\":
                    word.append(ch)
                pos += 1
                continue
            if is_go_space(ch):
                break
            if ch in "'\"":
                quote, blank_ok = ch, True
            elif ch == "\\":
                if pos + 1 < end:
                    pos += 1
                    word.append(line[pos])
            else:
                word.append(ch)
            pos += 1
        text = "".join(word)
        if text == "--":
            while pos < end and is_go_space(line[pos]):
                pos += 1
            return words, pos
        if blank_ok or text:
            words.append((text, start))


def heredoc_names(text: str) -> list[str]:
    """Delimiters of the heredocs a RUN/COPY/ADD line opens (BuildKit's word test)."""
    names: list[str] = []
    for word in raw_words(text):
        m = _HEREDOC_WORD.match(word)
        if m and m.group(3):
            names.append(_unquote_simple(m.group(3)))
    return names


def heredoc_operators(text: str) -> list[tuple[int, bool, bool]]:
    """(offset of ``<<``, chomp, quoted) for each heredoc word in ``text``, in order."""
    out: list[tuple[int, bool, bool]] = []
    offset = 0
    for word in raw_words(text):
        offset = text.index(word, offset)
        m = _HEREDOC_WORD.match(word)
        if m and m.group(3):
            rest = m.group(3)
            out.append(
                (offset + len(m.group(1)), m.group(2) == "-", any(c in rest for c in "'\"\\"))
            )
        offset += len(word)
    return out


def raw_words(text: str) -> list[str]:
    """Whitespace-separated words, quotes kept but honoured (``RawQuotes`` lexing)."""
    words: list[str] = []
    cur: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and i + 1 < len(text):
                i += 1
                cur.append(text[i])
        elif ch in " \t\n":
            if cur:
                words.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
            if ch in "'\"":
                quote = ch
            elif ch == "\\" and i + 1 < len(text):
                i += 1
                cur.append(text[i])
        i += 1
    if cur:
        words.append("".join(cur))
    return words


def _unquote_simple(word: str) -> str:
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(word):
        ch = word[i]
        if quote:
            if ch == quote:
                quote = ""
            else:
                out.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == "\\" and i + 1 < len(word):
            i += 1
            out.append(word[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def find_unterminated_heredoc(lines: list[str], escape: str) -> tuple[int, str] | None:
    """(start line, delimiter) of the first heredoc whose body never ends, or None."""
    i = 0
    while i < len(lines):
        raw = strip_newline(lines[i])
        stripped = raw[lstrip_count(raw) :]
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i + 1
        logical = logical_line(lines, start, escape)
        i = logical.last_line
        keyword = split_instruction(logical.text).keyword.upper()
        if keyword not in ("RUN", "COPY", "ADD") or "<<" not in logical.text:
            continue
        for name in heredoc_names(logical.text):
            while i < len(lines):
                candidate = strip_newline(lines[i])
                i += 1
                if candidate == name or candidate.lstrip("\t") == name:
                    break
            else:
                return start, name
    return None


@dataclass(frozen=True)
class Limits:
    """What one instruction may hold before the binding is asked to parse it."""

    lines: int  # continuation lines and heredoc bodies
    chars: int
    dollars: int  # ``${`` outside heredoc bodies
    depth: int  # ``${`` nesting


@dataclass(frozen=True)
class Extents:
    """How many instructions and stages a text holds, and its first instruction over a limit."""

    instructions: int
    stages: int
    #: (first line, which limit: "lines" | "chars" | "dollars" | "depth", the amount)
    over: tuple[int, str, int] | None


_BRACE_TOKEN = re.compile(r"\$\{|\}")


def expansion_depth(text: str) -> int:
    """How deeply ``${`` nest in ``text`` (a ``}`` closes the innermost one)."""
    depth = deepest = 0
    for m in _BRACE_TOKEN.finditer(text):
        if m.group(0) == "}":
            depth = max(depth - 1, 0)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def scan_extents(lines: list[str], escape: str, limits: Limits) -> Extents:
    """Count instructions and FROMs; find the first instruction over one of ``limits``.

    An instruction's lines are its continuation lines and its heredoc bodies (the
    ``dockerfile`` binding joins both in time quadratic in their number); its ``${``
    outside heredoc bodies cost the binding quadratic time in their number and cubic
    in their nesting.  The same replay as :func:`find_unterminated_heredoc`, without
    building positions; the logical line is only joined for a possible heredoc.
    """
    i, n = 0, len(lines)
    count = stages = 0
    over: tuple[int, str, int] | None = None
    while i < n:
        raw = strip_newline(lines[i])
        stripped = raw[lstrip_count(raw) :]
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i
        count += 1
        if stripped[:4].upper() == "FROM" and (len(stripped) == 4 or is_go_space(stripped[4])):
            stages += 1
        more = trim_continuation(raw, escape)[1]
        while more and i + 1 < n:
            i += 1
            line = strip_newline(lines[i])
            if not is_comment(line) and lstrip_count(line) != len(line):
                more = trim_continuation(line, escape)[1]
        i += 1
        own = lines[start:i]
        chars = sum(map(len, own))
        dollars = sum(ln.count("${") for ln in own)
        depth = expansion_depth("".join(own)) if dollars > limits.depth else 0
        if "<<" in stripped or any("<<" in ln for ln in own[1:]):
            logical = logical_line(lines, start + 1, escape)
            if split_instruction(logical.text).keyword.upper() in ("RUN", "COPY", "ADD"):
                for name in heredoc_names(logical.text):
                    while i < n:
                        candidate = strip_newline(lines[i])
                        chars += len(lines[i])
                        i += 1
                        if candidate == name or candidate.lstrip("\t") == name:
                            break
        if over is None:
            for kind, amount, limit in (
                ("lines", i - start, limits.lines),
                ("chars", chars, limits.chars),
                ("dollars", dollars, limits.dollars),
                ("depth", depth, limits.depth),
            ):
                if amount > limit:
                    over = (start + 1, kind, amount)
                    break
    return Extents(count, stages, over)
