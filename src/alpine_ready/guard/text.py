"""Text from inputs, made safe to show: no terminal control, no long echoes.

A file name inside an image, a package name in a lockfile or a line of a
requirements file is attacker-controlled. Printed raw, an escape sequence in it
can move the cursor, erase the line above and print a fake "ok" line; a bidi
override can reorder what a reviewer reads. :func:`printable` escapes every such
character; :func:`excerpt` also caps how much of an input a message may echo, so
an error about an unparsable file never prints the file (a secret, a shadow line).
"""

from __future__ import annotations

import unicodedata

#: How many characters of an input a message may quote.
EXCERPT_CHARS = 40

# Unicode format characters that reorder or hide text (bidi embeddings, overrides
# and isolates; zero-width joiners are harmless to a terminal and kept).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _unsafe(ch: str) -> bool:
    return ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")


def printable(text: str) -> str:
    r"""``text`` with every character that can steer a terminal escaped.

    Control characters (C0, DEL, C1, line/paragraph separators, lone surrogates)
    and bidi controls are written as ``\xNN`` / ``\uNNNN`` escapes.

    Everything else -- non-ASCII letters, emoji, spaces -- is kept as it is.
    """
    if text.isascii():
        if text.isprintable():
            return text
    elif all(not _unsafe(c) for c in text):
        return text
    return "".join(_escape(c) if _unsafe(c) else c for c in text)


def excerpt(text: str | bytes, limit: int = EXCERPT_CHARS) -> str:
    r"""At most ``limit`` characters of ``text``, escaped, with ``…`` when cut.

    Bytes are decoded as UTF-8 with invalid bytes escaped (``\xNN``).
    """
    if isinstance(text, bytes):
        text = text[: limit * 4].decode("utf-8", "backslashreplace")
    cut = len(text) > limit
    shown = printable(text[:limit])
    return shown + "…" if cut else shown
