"""One loader for every structured document ``deps`` reads: files and registry answers.

Dependency files (``package-lock.json``, ``Pipfile.lock``, ``uv.lock``, ``poetry.lock``,
``pylock.toml``, ``pyproject.toml``, ``pnpm-lock.yaml``, yarn berry's ``yarn.lock``) and
the JSON answers of package indexes and the npm registry all come through here, so
every one of them is held to the same bounds before a parser sees it:

- **size**: a file is read with :func:`~alpine_ready.guard.read_bounded` (regular files
  only unless the user named a device; the cap of its kind, see ``MAX_*_BYTES``);
- **nesting**: a linear scan of the brackets outside strings refuses a document nested
  deeper than :data:`MAX_NESTING` levels *before* the recursive parser (``json``,
  ``tomllib``) sees it; the YAML subset reader counts its own depth.  A
  ``RecursionError`` that still escapes a parser (a document the scan misjudged) is
  turned into the same one-line error;
- **size of the structure**: a document with more than :data:`MAX_ITEMS` values is
  refused before it is parsed (a 16 MB ``[1,1,1,...]`` would otherwise take minutes
  in ``tomllib`` and ``[{},{},...]`` gigabytes in ``json``);
- **errors**: bad UTF-8, bad syntax and too-deep documents raise
  :class:`DocumentError` (one line; what it quotes from the document is escaped and
  at most 40 characters, :func:`~alpine_ready.guard.excerpt`); ``load_*`` turn it into
  :class:`~alpine_ready.errors.InputError` naming the file and line.

The YAML reader is the subset pnpm and yarn berry write (block mappings and
sequences, quoted and plain scalars, one-line flow collections); anything else is an
error naming the line.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, NoReturn

from ..errors import InputError
from ..guard import ProjectBoundary, excerpt, printable, read_bounded

#: Deepest nesting of arrays/objects (tables, flow collections, YAML blocks) accepted.
MAX_NESTING = 256
#: Most values (commas and lines, an upper bound of the parsed values) in one document.
MAX_ITEMS = 2_000_000
#: Most values in one TOML document: ``tomllib`` is pure Python (~1 µs per value).
MAX_TOML_ITEMS = 1_000_000
#: Most lines (and flow values) of a YAML lockfile: the subset reader takes ~5 µs a line.
MAX_YAML_ITEMS = 1_000_000

#: ``requirements*.txt`` and every file it includes (``-r``/``-c``), each.
MAX_REQUIREMENTS_BYTES = 16 << 20
#: ``pyproject.toml``.
MAX_PYPROJECT_BYTES = 4 << 20
#: TOML lockfiles: ``uv.lock``, ``poetry.lock``, ``pylock.toml``.
MAX_TOML_LOCK_BYTES = 32 << 20
#: JSON and YAML lockfiles: ``package-lock.json`` (30 MB ones are real), ``Pipfile.lock``,
#: ``yarn.lock``, ``pnpm-lock.yaml``.
MAX_LOCK_BYTES = 64 << 20
#: ``.npmrc`` and a ``package.json`` inside ``node_modules``.
MAX_SMALL_FILE_BYTES = 1 << 20

#: What a parser's own message may be (it can quote a key of the document).
MAX_PARSER_MESSAGE = 60

Syntax = Literal["JSON", "TOML"]


class DocumentError(ValueError):
    """A document that cannot be loaded: the problem (one escaped line), and its line."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line

    def where(self, display: str) -> str:
        """``FILE:LINE`` (``FILE`` when the line is unknown)."""
        return f"{display}:{self.line}" if self.line is not None else display


# --------------------------------------------------------------------------- reading


def project_of(target: str | os.PathLike[str]) -> ProjectBoundary:
    """The project a target the user named belongs to (the rule of docs/security.md).

    The git work tree holding it, else the directory itself, or a file's directory
    -- the directory it is named in, even when the name is a symlink to elsewhere.
    """
    path = Path(target)
    if not path.is_dir():
        path = path.parent
    return ProjectBoundary.around(path)


def read_file(
    path: str | Path,
    *,
    limit: int,
    what: str,
    display: str | None = None,
    allow_special: bool = False,
) -> bytes:
    """The bytes of an input file, bounded (see :func:`~alpine_ready.guard.read_bounded`)."""
    name = display if display is not None else printable(str(path))
    return read_bounded(path, limit=limit, what=what, display=name, allow_special=allow_special)


def decode(data: bytes, display: str) -> str:
    """UTF-8 text (a byte-order mark dropped), or :class:`InputError` naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{display}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); not read"
        ) from None


def iter_lines(text: str) -> Iterator[tuple[int, str]]:
    r"""(1-based number, line without its end) of each line of ``text``, one at a time.

    Unlike ``str.splitlines`` it never holds a list of every line (a 64 MB lockfile
    would take twice its size again); a line ends at ``\n`` (a ``\r`` before it stays).
    """
    pos, end, n = 0, len(text), 0
    find = text.find
    while pos < end:
        nl = find("\n", pos)
        if nl < 0:
            nl = end
        n += 1
        yield n, text[pos:nl]
        pos = nl + 1


def line_chunks(text: str, size: int = 1 << 20) -> Iterator[list[str]]:
    """The lines of ``text`` as :func:`iter_lines` cuts them, in lists of ~``size`` chars.

    For the hot loops of big lockfiles: a ``for`` over each list costs less than a
    generator step per line, and no list of every line is ever held.  The caller counts
    line numbers (they run on from one list to the next).
    """
    pos, end = 0, len(text)
    find = text.find
    while pos < end:
        stop = find("\n", pos + size)
        if stop < 0:
            lines = text[pos:].split("\n")
            if lines[-1] == "":
                lines.pop()  # the end of the last line, not a line
            yield lines
            return
        yield text[pos:stop].split("\n")
        pos = stop + 1


def line_at(data: bytes | str, offset: int) -> int:
    """The 1-based line of ``offset``."""
    nl: Any = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(nl, 0, offset) + 1


# --------------------------------------------------------------------------- structure

# Strings and comments, whose brackets and commas are not structure.  Possessive
# quantifiers keep every pattern linear (an unterminated string runs to the end).
_JSON_SKIP = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.S)
_TOML_SKIP = re.compile(
    rb'"""(?:[^"\\]++|\\.|"(?!""))*+(?:"""|\Z)'
    rb"|'''(?:[^']++|'(?!''))*+(?:'''|\Z)"
    rb'|"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"?'
    rb"|'[^'\n]*+'?"
    rb"|#[^\n]*+",
    re.S,
)
_TOKENS = {
    "JSON": re.compile(rb"[\[\]{}]|" + _JSON_SKIP.pattern, re.S),
    "TOML": re.compile(rb"[\[\]{}]|" + _TOML_SKIP.pattern, re.S),
}
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b"[]{},\n")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def check_structure(
    data: bytes, syntax: Syntax, *, max_items: int = MAX_ITEMS, max_nesting: int = MAX_NESTING
) -> None:
    """:class:`DocumentError` when ``data`` nests deeper than allowed or holds too much.

    Linear: strings (and TOML comments) are cut out by one regular expression, the
    rest reduced to its brackets, commas and newlines, and the depth is the largest
    running sum of opening minus closing brackets.
    """
    skip = _JSON_SKIP if syntax == "JSON" else _TOML_SKIP
    structure = skip.sub(b"", data).translate(None, _NOT_STRUCTURE)
    items = (
        structure.count(b",")
        + structure.count(b"\n")
        + structure.count(b"[")
        + structure.count(b"{")
    )
    if items > max_items:
        raise DocumentError(f"more than {max_items:,} values; not read")
    brackets = structure.translate(None, b",\n")
    del structure
    depth = max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)
    if depth > max_nesting:
        raise DocumentError(
            f"nested deeper than {max_nesting} levels; not read",
            _too_deep_line(data, syntax, max_nesting),
        )


def _too_deep_line(data: bytes, syntax: Syntax, max_nesting: int) -> int | None:
    depth = 0
    for m in _TOKENS[syntax].finditer(data):
        tok = m[0]
        if tok in (b"[", b"{"):
            depth += 1
            if depth > max_nesting:
                return line_at(data, m.start())
        elif tok in (b"]", b"}"):
            depth -= 1
    return None


def _parser_message(msg: str) -> str:
    return excerpt(msg, MAX_PARSER_MESSAGE)


# --------------------------------------------------------------------------- JSON


def parse_json(data: bytes | str) -> Any:
    """The value of a JSON document; :class:`DocumentError` if it is not one (or too big)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    check_structure(raw, "JSON")
    try:
        text = data if isinstance(data, str) else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x})", line_at(raw, exc.start)
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        near = excerpt(text[exc.pos : exc.pos + 40].split("\n", 1)[0])
        raise DocumentError(
            f"malformed JSON: {_parser_message(exc.msg)}" + (f" (near '{near}')" if near else ""),
            exc.lineno,
        ) from None
    except RecursionError:
        raise DocumentError(f"nested deeper than {MAX_NESTING} levels; not read") from None


def load_json(data: bytes, display: str) -> Any:
    """:func:`parse_json` of a file: errors are :class:`InputError` naming ``FILE:LINE``."""
    try:
        return parse_json(data)
    except DocumentError as exc:
        raise InputError(f"{exc.where(display)}: {exc.problem}") from None


# Strings are matched first and put back as they are (group 1; an unmatched group is
# replaced by ""), so what looks like a comment or a comma inside one is left alone.
# Possessive quantifiers: an unterminated string or comment runs to the end, once.
_JSONC_STRING = rb'("[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"?)'
_JSONC_COMMENTS = re.compile(_JSONC_STRING + rb"|//[^\n]*+|/\*(?:[^*]++|\*(?!/))*+(?:\*/)?")
_JSONC_TRAILING = re.compile(_JSONC_STRING + rb"|,(?=\s*+[}\]])")


def parse_jsonc(data: bytes) -> Any:
    """JSON with comments and trailing commas (``bun.lock``), as :func:`parse_json`.

    Comments go first (a comma before a comment before ``}`` is still trailing), then
    trailing commas: two linear passes of the regex engine, no Python per token. A
    ``//`` comment keeps its newline; the lines after a block comment over several
    lines are numbered as if it were one.
    """
    if b"//" in data or b"/*" in data:
        data = _JSONC_COMMENTS.sub(rb"\1", data)
    return parse_json(_JSONC_TRAILING.sub(rb"\1", data))


def load_jsonc(data: bytes, display: str) -> Any:
    """:func:`parse_jsonc` of a file: errors are :class:`InputError` naming ``FILE:LINE``."""
    try:
        return parse_jsonc(data)
    except DocumentError as exc:
        raise InputError(f"{exc.where(display)}: {exc.problem}") from None


# --------------------------------------------------------------------------- TOML

_TOML_AT = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)$")


def parse_toml(data: bytes) -> dict[str, Any]:
    """The table of a TOML document; :class:`DocumentError` if it is not one (or too big)."""
    check_structure(data, "TOML", max_items=MAX_TOML_ITEMS)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"not UTF-8 (byte 0x{data[exc.start]:02x})", line_at(data, exc.start)
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_AT.search(msg)
        line = int(m[1]) if m and m[1] else None
        where = f" (at line {line})" if line is not None else " (at end of document)" if m else ""
        near = ""
        if m and m[1] and line is not None:
            text_line = text.split("\n", line)[line - 1] if line <= text.count("\n") + 1 else ""
            near = excerpt(text_line[int(m[2]) - 1 :])
        body = _parser_message(msg[: m.start()] if m else msg)
        raise DocumentError(
            f"malformed TOML: {body}{where}" + (f", near '{near}'" if near else ""), line
        ) from None
    except RecursionError:
        raise DocumentError(f"nested deeper than {MAX_NESTING} levels; not read") from None


def load_toml(data: bytes, display: str) -> dict[str, Any]:
    """:func:`parse_toml` of a file: ``FILE: malformed TOML: … (at line N)``."""
    try:
        return parse_toml(data)
    except DocumentError as exc:
        # tomllib's position is in the message; the file name stays alone in front
        where = display if exc.problem.startswith("malformed TOML") else exc.where(display)
        raise InputError(f"{where}: {exc.problem}") from None


# --------------------------------------------------------------------------- YAML subset


#: Receives each entry (key, value) of a streamed section, instead of a dict holding them.
Sink = Callable[[str, Any], None]


def load_yaml(text: str, display: str, sections: Mapping[str, Sink] | None = None) -> Any:
    """The document the YAML subset reader makes of ``text`` (see :class:`YamlSubset`).

    ``sections``: top-level keys whose mapping is not kept: each of its entries goes to
    the key's sink as it is read (a 300,000-package lockfile never exists as one dict).
    """
    items = text.count("\n") - text.count("\n\n") + text.count(",")
    if items > MAX_YAML_ITEMS:
        raise InputError(f"{display}: more than {MAX_YAML_ITEMS:,} lines and values; not read")
    try:
        return YamlSubset(display, text).parse(sections)
    except RecursionError:
        raise InputError(f"{display}: nested deeper than {MAX_NESTING} levels; not read") from None


_PLAIN = {"true": True, "false": False, "null": None, "~": None}
_NOT_PLAIN = frozenset("&*!|>%@`[{'\"")
_Fail = Callable[[str], NoReturn]


class YamlSubset:
    """A reader for the block-YAML subset pnpm and yarn berry write.

    Block mappings and sequences by indentation, plain/single/double-quoted scalars,
    one-line flow mappings ``{a: b}`` and sequences ``[a, b]`` (nestable).  Anchors,
    tags, multi-line scalars and documents are refused with ``file:line``; so is
    nesting deeper than :data:`MAX_NESTING` (counted, not left to Python's stack).
    Lines are read one at a time (the text is never split into a list).
    """

    def __init__(self, display: str, text: str) -> None:
        self.display = display
        self._sections: Mapping[str, Sink] = {}
        self._lines = self._read(text)
        self._next: tuple[int, int, str] | None = next(self._lines, None)

    def _read(self, text: str) -> Iterator[tuple[int, int, str]]:
        n = 0
        for lines in line_chunks(text):
            for raw in lines:
                n += 1
                content = raw.lstrip(" ")
                indent = len(raw) - len(content)
                content = content.strip()
                if not content or content[0] == "#" or content in ("---", "..."):
                    continue
                if raw[indent] == "\t":
                    self.fail(n, "tab in indentation")
                yield n, indent, content

    def _advance(self) -> None:
        self._next = next(self._lines, None)

    def fail(self, line: int, what: str) -> NoReturn:
        """Raise the one-line error for ``line``."""
        raise InputError(f"{self.display}:{line}: unsupported or malformed YAML: {what}")

    def parse(self, sections: Mapping[str, Sink] | None = None) -> Any:
        """The whole document (``{}`` when it is empty); ``sections``: see :func:`load_yaml`."""
        if self._next is None:
            return {}
        self._sections = sections or {}
        value = self._block(self._next[1], 0)
        if self._next is not None:
            self.fail(self._next[0], "unexpected indentation")
        return value

    def _block(self, indent: int, depth: int) -> Any:
        assert self._next is not None
        if depth > MAX_NESTING:
            self.fail(self._next[0], f"nested deeper than {MAX_NESTING} levels")
        content = self._next[2]
        if content.startswith("- ") or content == "-":
            return self._seq(indent, depth)
        return self._map(indent, depth)

    def _seq(self, indent: int, depth: int) -> list[Any]:
        out: list[Any] = []
        while self._next is not None:
            n, ind, content = self._next
            is_item = content.startswith("- ") or content == "-"
            if ind < indent or (ind == indent and not is_item):
                break  # (a sequence may sit at its parent key's indentation)
            if ind > indent:
                self.fail(n, "unexpected indentation in a sequence")
            self._advance()
            item = content[1:].strip()
            if not item:
                out.append(self._child(indent, depth))
            elif item[0] not in "[{'\"" and split_key(item) is not None:
                self.fail(n, "mapping inside a block sequence")
            else:
                out.append(self._scalar(n, item, depth))
        return out

    def _child(self, indent: int, depth: int) -> Any:
        """The value on the lines after ``key:``: a nested block, or null."""
        if self._next is not None:
            _n, ind, content = self._next
            if ind > indent or (ind == indent and content.startswith("- ")):
                return self._block(ind, depth + 1)
        return None

    def _map(self, indent: int, depth: int, sink: Sink | None = None) -> dict[str, Any]:
        """A block mapping; with ``sink``, its entries go there and none is kept.

        (The hot loop of a 300,000-package lockfile: :meth:`_advance`, :meth:`_child` and
        the plain-key case of :meth:`_scalar` are written out here.)
        """
        out: dict[str, Any] = {}
        lines = self._lines
        while self._next is not None:
            n, ind, content = self._next
            if ind < indent:
                break
            if ind > indent:
                self.fail(n, "unexpected indentation")
            split = split_key(content)
            if split is None:
                self.fail(n, f"expected 'key: value', got '{excerpt(content)}'")
            key_text, rest = split
            if key_text and key_text[0] not in _NOT_PLAIN and " #" not in key_text:
                word = _PLAIN.get(key_text, key_text)  # (split_key stripped it)
                key = word if type(word) is str else str(word)
            else:
                key = str(self._scalar(n, key_text, depth))
            self._next = nxt = next(lines, None)
            if rest == "":
                if nxt is not None and nxt[1] > indent and not nxt[2].startswith("-"):
                    streamed = self._sections.get(key) if depth == 0 else None
                    if streamed is not None:
                        self._map(nxt[1], depth + 1, streamed)
                        continue
                    if depth + 1 > MAX_NESTING:
                        self.fail(nxt[0], f"nested deeper than {MAX_NESTING} levels")
                    value: Any = self._map(nxt[1], depth + 1)  # (_child, _block: a mapping)
                else:
                    value = self._child(indent, depth)
            else:
                value = self._scalar(n, rest, depth)
            if sink is not None:
                sink(key, value)
            else:
                out[key] = value
        return out

    def _scalar(self, line: int, text: str, depth: int) -> Any:
        if not text:
            return ""  # (an empty key: ": value")
        if text[0] not in _NOT_PLAIN:  # a plain scalar (most keys and values): to `` #``
            cut = text.find(" #")
            word = (text if cut < 0 else text[:cut]).strip()
            return _PLAIN.get(word, word)

        def fail(what: str) -> NoReturn:
            self.fail(line, what)

        if text[0] in "&*!|>%@`":
            fail(f"construct '{excerpt(text[0])}' not supported")
        if text[0] == "{" and depth < MAX_NESTING and _FLAT_FLOW_MAP.fullmatch(text):
            # one level of plain keys and values (pnpm's resolution: {integrity: ...})
            flat: dict[str, Any] = {}
            for pair in text[1:-1].split(","):
                k, _, v = pair.partition(":")
                k, v = k.strip(), v.strip()
                if k:  # ("{}" and "{ }": no pair)
                    flat[str(_PLAIN.get(k, k))] = _PLAIN.get(v, v)
            return flat
        if text[0] in "[{":
            value, end = _flow(text, 0, fail, depth + 1)
            rest = text[end:].strip()
            if rest and not rest.startswith("#"):
                fail("text after a flow collection")
            return value
        value, end = _flow_scalar(text, 0, "", fail)
        rest = text[end:].strip()
        if rest and not rest.startswith("#"):
            fail("text after a quoted scalar")
        return value


# A flow mapping of plain keys and values only (no quotes, brackets, ``#``; no ``:`` in a
# key, no ``,`` anywhere), read by splitting; anything else goes to :func:`_flow`.
_FLAT_KEY = r"[^\s'\"\[\]{},:#][^'\"\[\]{},:#]*"
_FLAT_VALUE = r"[^\s'\"\[\]{},#][^'\"\[\]{},#]*"
_FLAT_FLOW_MAP = re.compile(
    rf"\{{ *(?:{_FLAT_KEY}: *{_FLAT_VALUE}"
    rf"(?:, *{_FLAT_KEY}: *{_FLAT_VALUE})*)?\}}"
)
_QUOTED = {'"': re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S), "'": re.compile(r"'(?:[^']++|'')*+'")}
_PLAIN_END: dict[str, re.Pattern[str]] = {}


def split_key(content: str) -> tuple[str, str] | None:
    """Split ``key: value`` at the first ``:`` followed by space/end, outside quotes."""
    if content[:1] in ("'", '"'):
        m = _QUOTED[content[0]].match(content)
        i = m.end() if m else len(content) + 1
        if content[i : i + 1] != ":":
            return None
        return content[:i], content[i + 1 :].strip()
    i = 0
    while True:
        j = content.find(":", i)
        if j < 0:
            return None
        if j + 1 == len(content) or content[j + 1] == " ":
            return content[:j].strip(), content[j + 1 :].strip()
        i = j + 1


def _plain_end(stops: str) -> re.Pattern[str]:
    """A plain scalar: no stop character, no `` #`` (a comment)."""
    pattern = _PLAIN_END.get(stops)
    if pattern is None:
        pattern = _PLAIN_END[stops] = re.compile(f"(?:[^{re.escape(stops)} ]++| (?!#))*+")
    return pattern


def _flow_scalar(text: str, i: int, stops: str, fail: _Fail) -> tuple[Any, int]:
    """A quoted or plain scalar starting at ``text[i]``; plain ends at *stops*."""
    if i >= len(text):
        return None, i
    if text[i] == "'":
        m = _QUOTED["'"].match(text, i)
        if m is None:
            fail("unterminated single-quoted string")
        return m[0][1:-1].replace("''", "'"), m.end()
    if text[i] == '"':
        m = _QUOTED['"'].match(text, i)
        if m is None:
            fail("unterminated double-quoted string")
        if "\\" not in m[0]:
            return m[0][1:-1], m.end()
        try:
            return json.loads(m[0]), m.end()
        except json.JSONDecodeError:
            fail("bad escape in a double-quoted string")
    m = _plain_end(stops).match(text, i)
    j = m.end() if m else i
    word = text[i:j].strip()
    return _PLAIN.get(word, word), j


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] == " ":
        i += 1
    return i


def _flow(text: str, i: int, fail: _Fail, depth: int) -> tuple[Any, int]:
    """A flow mapping or sequence starting at ``text[i]``; returns (value, end)."""
    if depth > MAX_NESTING:
        fail(f"nested deeper than {MAX_NESTING} levels")
    close = "}" if text[i] == "{" else "]"
    is_map = close == "}"
    result_map: dict[str, Any] = {}
    result_seq: list[Any] = []
    i += 1
    while True:
        i = _skip_spaces(text, i)
        if i >= len(text):
            fail("unterminated flow collection")
        if text[i] == close:
            return (result_map if is_map else result_seq), i + 1
        if text[i] in "[{":
            item, i = _flow(text, i, fail, depth + 1)
        else:
            item, i = _flow_scalar(text, i, ",:" + close if is_map else "," + close, fail)
        i = _skip_spaces(text, i)
        if is_map:
            if i >= len(text) or text[i] != ":":
                fail("expected ':' in a flow mapping")
            i = _skip_spaces(text, i + 1)
            if text[i : i + 1] in ("[", "{"):
                value, i = _flow(text, i, fail, depth + 1)
            else:
                value, i = _flow_scalar(text, i, "," + close, fail)
            result_map[str(item)] = value
        else:
            result_seq.append(item)
        i = _skip_spaces(text, i)
        if text[i : i + 1] == ",":
            i += 1
        elif text[i : i + 1] != close:
            fail("expected ',' or the end of a flow collection")
