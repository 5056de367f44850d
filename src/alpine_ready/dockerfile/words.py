"""Shell words: quote removal that remembers where every character came from.

:func:`unquote` turns the source text of one shell word into what the program receives
(``'a b'`` → ``a b``, a backslash-escaped blank kept, backslash-newline dropped) and records the
offset of each resulting character in the source, so a command string inside
``sh -c '…'`` can be parsed again with positions still pointing into the Dockerfile.
A word with an expansion (``$X``, ``$(…)``, backticks, a leading ``~``) is not *static*:
its value keeps the expansion text as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .model import Position, SourceMap

_SPECIAL_PARAMS = frozenset("@*#?$!-0123456789")
_ANSI_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_JSON_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word: what the program gets, the source text, and where it is."""

    value: str  # quotes removed; expansions kept as written when not static
    raw: str  # the source text
    start: Position  # of the first character, in the original file
    end: Position  # just after the last character
    static: bool  # no expansion: ``value`` is exactly the argument (globs aside)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Unquoted:
    """The result of quote removal, with ``offsets[i]`` the source offset of ``value[i]``."""

    value: str
    offsets: tuple[int, ...]
    static: bool


def make_word(script: str, start: int, end: int, smap: SourceMap) -> Word:
    """The :class:`Word` for ``script[start:end]``, positioned through ``smap``."""
    raw = script[start:end]
    u = unquote(raw)
    return Word(u.value, raw, smap.position(start), smap.end_position(end), u.static)


def is_expansion_start(text: str, i: int) -> bool:
    """True when ``text[i]`` starts a parameter/command/arithmetic expansion."""
    ch = text[i]
    if ch == "`":
        return True
    if ch != "$" or i + 1 >= len(text):
        return False
    nxt = text[i + 1]
    return nxt in "{(" or nxt == "_" or nxt.isalpha() or nxt in _SPECIAL_PARAMS


def skip_expansion(text: str, i: int) -> int:
    """Index just after the expansion starting at ``text[i]`` (``$…`` or a backtick)."""
    n = len(text)
    if text[i] == "`":
        j = i + 1
        while j < n and text[j] != "`":
            j += 2 if text[j] == "\\" else 1
        return min(j + 1, n)
    if i + 1 >= n:
        return n
    nxt = text[i + 1]
    if nxt in "({":
        return _skip_balanced(text, i + 1, nxt, ")" if nxt == "(" else "}")
    j = i + 1
    if nxt == "_" or nxt.isalpha():
        while j < n and (text[j] == "_" or text[j].isalnum()):
            j += 1
        return j
    return j + 1


def _skip_balanced(text: str, i: int, opening: str, closing: str) -> int:
    depth = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "'" and opening == "(":
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == '"':
            i = _skip_double(text, i + 1)
            continue
        if ch == "`":
            i = skip_expansion(text, i)
            continue
        if ch == opening:
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _skip_double(text: str, i: int) -> int:
    """Index after the closing double quote, for ``i`` just after the opening one."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
        elif ch == '"':
            return i + 1
        elif ch in "$`" and is_expansion_start(text, i):
            i = skip_expansion(text, i)
        else:
            i += 1
    return n


def unquote(raw: str) -> Unquoted:
    """Quote removal of one shell word, with per-character source offsets."""
    out: list[str] = []
    offs: list[int] = []
    static = True
    n = len(raw)
    i = 0

    def put(text: str, at: int) -> None:
        for k, ch in enumerate(text):
            out.append(ch)
            offs.append(at + k)

    while i < n:
        ch = raw[i]
        if ch == "\\":
            if i + 1 < n:
                if raw[i + 1] != "\n":
                    put(raw[i + 1], i + 1)
                i += 2
            else:
                put(ch, i)
                i += 1
        elif ch == "'":
            end = raw.find("'", i + 1)
            end = n if end < 0 else end
            put(raw[i + 1 : end], i + 1)
            i = end + 1
        elif ch == '"':
            i += 1
            while i < n and raw[i] != '"':
                c = raw[i]
                if c == "\\" and i + 1 < n and raw[i + 1] in '$`"\\\n':
                    if raw[i + 1] != "\n":
                        put(raw[i + 1], i + 1)
                    i += 2
                elif c in "$`" and is_expansion_start(raw, i):
                    j = skip_expansion(raw, i)
                    put(raw[i:j], i)
                    static = False
                    i = j
                else:
                    put(c, i)
                    i += 1
            i += 1
        elif ch == "$" and i + 1 < n and raw[i + 1] == "'":
            i = _ansi_c(raw, i + 2, put)
        elif ch == "$" and i + 1 < n and raw[i + 1] == '"':
            i += 1  # $"…" (locale translation) reads as "…"
        elif ch in "$`" and is_expansion_start(raw, i):
            j = skip_expansion(raw, i)
            put(raw[i:j], i)
            static = False
            i = j
        else:
            if ch == "~" and i == 0:
                static = False
            put(ch, i)
            i += 1
    return Unquoted("".join(out), tuple(offs), static)


def _ansi_c(raw: str, i: int, put: Callable[[str, int], None]) -> int:
    """Decode ``$'…'`` from just after the opening quote; returns the index after it."""
    n = len(raw)
    while i < n and raw[i] != "'":
        if raw[i] == "\\" and i + 1 < n:
            esc = raw[i + 1]
            if esc in _ANSI_ESCAPES:
                put(_ANSI_ESCAPES[esc], i)
                i += 2
                continue
            if esc == "x":
                j = i + 2
                while j < n and j < i + 4 and raw[j] in "0123456789abcdefABCDEF":
                    j += 1
                if j > i + 2:
                    put(chr(int(raw[i + 2 : j], 16)), i)
                    i = j
                    continue
            if esc in "01234567":
                j = i + 1
                while j < n and j < i + 4 and raw[j] in "01234567":
                    j += 1
                put(chr(int(raw[i + 1 : j], 8)), i)
                i = j
                continue
            put(raw[i : i + 2], i)
            i += 2
            continue
        put(raw[i], i)
        i += 1
    return i + 1


def json_strings(text: str) -> list[tuple[int, int, Unquoted]]:
    """Every JSON string literal in ``text``: (start of ``"``, end after ``"``, decoded)."""
    found: list[tuple[int, int, Unquoted]] = []
    n = len(text)
    i = 0
    while i < n:
        if text[i] != '"':
            i += 1
            continue
        start = i
        i += 1
        out: list[str] = []
        offs: list[int] = []
        while i < n and text[i] != '"':
            if text[i] == "\\" and i + 1 < n:
                esc = text[i + 1]
                if esc == "u" and i + 6 <= n:
                    try:
                        out.append(chr(int(text[i + 2 : i + 6], 16)))
                    except ValueError:
                        out.append(text[i + 2 : i + 6])
                    offs.append(i)
                    i += 6
                    continue
                out.append(_JSON_ESCAPES.get(esc, esc))
                offs.append(i)
                i += 2
                continue
            out.append(text[i])
            offs.append(i)
            i += 1
        i += 1
        found.append((start, min(i, n), Unquoted("".join(out), tuple(offs), True)))
    return found
