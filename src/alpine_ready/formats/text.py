r"""What every renderer's text goes through: terminal lines escaped, JSON exact and inert.

Names in a report come from its inputs (files in an image or a directory, packages in
a lockfile, paths and words in a Dockerfile) and may hold escape sequences that, shown
raw, move the cursor, erase the line above or print a fake "ok" line.

- :func:`lines_text` joins the lines of a terminal report and passes each line through
  :func:`~alpine_ready.guard.printable`: every text renderer ends with it, so no cell
  of any table reaches a terminal unescaped, and a name holding a newline stays on
  its line (``\x0a``).
- :func:`json_text` is the JSON of every ``--format json`` / SARIF output. JSON already
  escapes C0 controls; with non-ASCII kept as it is (``ensure_ascii=False``) it would
  still carry DEL, C1 controls (``\x9b`` is a CSI), bidi overrides, line separators
  and lone surrogates (a file name that is not UTF-8) raw. Those are written as
  ``\uXXXX`` escapes instead: the JSON decodes to exactly the same strings, and the
  text is valid UTF-8 that a terminal shows inertly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import orjson

from ..guard import printable
from ..report.level import Level

# The characters guard.printable escapes that json.dumps(ensure_ascii=False) leaves
# raw: DEL and C1 (category Cc above C0), lone surrogates (Cs), line and paragraph
# separators (Zl, Zp), and the bidi controls of guard.text (a test checks they agree).
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _json_escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


class Styled(str):
    """A table line to be shown in the colour of a level (when colour is on).

    A ``str``: renderers build lists of lines, and a styled one is still a line. The
    colour is added by :func:`lines_text` *after* the line is escaped, so nothing in
    a line can change how it is drawn but its level.
    """

    level: Level

    def __new__(cls, text: str, level: Level) -> Styled:
        """``text``, to be drawn in ``level``'s colour."""
        made = super().__new__(cls, text)
        made.level = level
        return made


# SGR colours: bold red for errors, yellow for warnings, cyan for info, dim for style,
# green for ok; a level that is shown plain has none.
_SGR = {
    Level.ERROR: "1;31",
    Level.WARNING: "33",
    Level.INFO: "36",
    Level.STYLE: "2",
    Level.OK: "32",
}


def lines_text(lines: Iterable[str], *, color: bool = False) -> str:
    """The report's lines as text for a terminal, each line escaped, each ending in a newline.

    ``color``: :class:`Styled` lines in their level's colour (ANSI SGR).
    """
    if not color:
        return "\n".join([*map(printable, lines), ""])
    out = []
    for line in lines:
        shown = printable(line)
        if isinstance(line, Styled):
            shown = f"\x1b[{_SGR[line.level]}m{shown}\x1b[0m"
        out.append(shown)
    out.append("")
    return "\n".join(out)


def json_text(data: Any, *, ensure_ascii: bool = False) -> str:
    """``data`` as indented JSON text ending in a newline, with nothing a terminal obeys.

    ``ensure_ascii``: escape every non-ASCII character too (as ``json.dumps`` does by
    default; the inspect, compare and deps reports always have). DEL is escaped either
    way (``json.dumps`` counts it as ASCII).
    """
    text = _indented(data)
    if ensure_ascii:
        return _NON_ASCII.sub(_ascii_escape, text) + "\n"
    return _JSON_UNSAFE.sub(_json_escape, text) + "\n"


def _indented(data: Any) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)``, by orjson where it can.

    The standard library's encoder is pure Python once ``indent`` is set (a 300,000-
    package report took 17 s); orjson writes the same text in C. What orjson refuses
    (lone surrogates from file names that are not UTF-8, keys that are not strings,
    integers past 64 bits) goes to the standard library, as before.
    """
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(data, indent=2, ensure_ascii=False)


_NON_ASCII = re.compile("[^\x00-\x7e]")


def _ascii_escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as json.dumps writes it
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
