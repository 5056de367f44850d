"""The source protocol: what every input format of ``deps`` provides, and what they share.

A source is one input format (``uv.lock``, ``bun.lock``, an installed ``node_modules``…)
in one module of this package, which defines ``SOURCE``.  It says

- what it recognises: the file names (globs) a user may name (:attr:`Source.names`),
  the files it finds in a project directory (:meth:`Source.find`), a content sniff for
  a file whose name says nothing (:meth:`Source.sniff`), and whether a file of a shared
  name is its own (:meth:`Source.claims`: ``pyproject.toml`` is PEP 621's or Poetry's);
- its ecosystem (``python`` or ``node``) and its :class:`Role` in discovery (a
  lockfile wins over requirements files and over an installed tree);
- how to parse it: :meth:`Source.parse` ``(file, context) -> ParsedInput | NodeInput``.

:class:`InputFile` is one candidate file, read at most once (bounded by the size of
its kind, see :mod:`..loader`); :class:`Context` is what a parser needs to know of the
check (the target's marker environment, the extras, ``--no-dev``, the project boundary).
"""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol
from urllib.parse import unquote, urlparse

from ...errors import InputError
from ...guard import ProjectBoundary, printable
from ...guard.read import human_size
from .. import loader
from ..markers import Environment
from ..node_model import NodeInput
from ..requirement import MAX_PACKAGES, ParsedInput
from ..shape import Doc

Ecosystem = Literal["python", "node"]
Parsed = ParsedInput | NodeInput


class Role(enum.IntEnum):
    """What an input is to a project, in the order discovery prefers them."""

    LOCKFILE = 0  # exact versions of the full set: in a directory the first one found wins
    MANIFEST = 1  # the direct dependencies: every one found is read (when no lockfile is)
    INSTALLED = 2  # an installed tree: read when there is no lockfile or manifest


@dataclass(frozen=True)
class Context:
    """What a parser needs of the check: the target, the groups asked for, the boundary."""

    env: Environment | None = None  # the target's marker environment (None: keep all)
    extras: tuple[str, ...] = ()  # optional-dependency groups asked for ('*': all)
    dev: bool = True  # False: leave out dev dependencies (--no-dev)
    boundary: ProjectBoundary | None = None  # None: the project around the path
    #: the installed environments under the path, when walked already (once per run)
    sites: tuple[Path, ...] | None = None


@dataclass(frozen=True)
class Loaded:
    """One dependency file, read once: its path, its name in messages and its bytes."""

    path: Path
    display: str
    data: bytes

    @property
    def text(self) -> str:
        """The content as text (UTF-8), or :class:`InputError` naming the line."""
        return loader.decode(self.data, self.display)


def read(path: Path, limit: int, what: str, *, named: bool, data: bytes | None = None) -> Loaded:
    """``path`` read within ``limit`` (``named``: the user named it, a device is read too).

    ``data``: the bytes were read already (to sniff the file's kind) and are checked
    against this kind's limit.
    """
    display = printable(str(path))
    if data is None:
        data = loader.read_file(path, limit=limit, what=what, display=display, allow_special=named)
    elif len(data) > limit:
        raise InputError(
            f"{display}: {len(data):,} bytes, larger than {what} may be "
            f"({human_size(limit)}); not read"
        )
    return Loaded(path, display, data)


class InputFile:
    """A candidate input: its path, whether the user named it, its bytes once read.

    Sources that share a file name (``pyproject.toml``) look at the same parsed
    document: it is read and parsed once (:meth:`toml`).
    """

    def __init__(self, path: Path, *, named: bool, data: bytes | None = None) -> None:
        self.path = path
        self.named = named
        self.data = data  # read already (a sniffed file), else None
        self.display = printable(str(path))
        self._toml: dict[str, Any] | None = None

    def load(self, limit: int, what: str) -> Loaded:
        """The file's bytes, read once within ``limit``."""
        got = read(self.path, limit, what, named=self.named, data=self.data)
        self.data = got.data
        return got

    def toml(self, limit: int, what: str) -> dict[str, Any]:
        """The file as a TOML document, parsed once (a bad one is an :class:`InputError`)."""
        if self._toml is None:
            self._toml = loader.load_toml(self.load(limit, what).data, self.display)
        return self._toml


class Source(Protocol):
    """What every source module's ``SOURCE`` provides."""

    @property
    def name(self) -> str:
        """As messages name the format: ``uv.lock``, ``requirements*.txt``."""
        ...

    @property
    def ecosystem(self) -> Ecosystem:
        """``python`` or ``node``: which engine judges it."""
        ...

    @property
    def role(self) -> Role:
        """What it is to a project (a lockfile wins over manifests, they over a tree)."""
        ...

    @property
    def names(self) -> tuple[str, ...]:
        """Globs of the file names it reads when the user names the file."""
        ...

    @property
    def listed(self) -> bool:
        """Whether messages that list the formats name it."""
        ...

    def find(self, directory: Path, context: Context) -> list[Path]:
        """The files of this format in a project directory, in the order they count."""
        ...

    def sniff(self, head: str) -> bool:
        """Whether a file whose name says nothing is this format (its first 4 KiB)."""
        ...

    def claims(self, file: InputFile) -> bool:
        """Whether a file with one of :attr:`names` is this source's to read."""
        ...

    def matches(self, name: str) -> bool:
        """Whether a file name is one of :attr:`names`."""
        ...

    def parse(self, file: InputFile, context: Context) -> Parsed:
        """Parse the file; a malformed one is a one-line :class:`InputError`."""
        ...


class FileSource:
    """Defaults for a source of plain files: found and recognised by name alone."""

    name: ClassVar[str]
    ecosystem: ClassVar[Ecosystem]
    role: ClassVar[Role]
    names: ClassVar[tuple[str, ...]]
    #: named in messages that list the formats (not a file only read to say why not)
    listed: ClassVar[bool] = True

    def find(self, directory: Path, context: Context) -> list[Path]:
        """Each of :attr:`names` that is a file in ``directory`` (a glob's matches sorted)."""
        out: list[Path] = []
        for pattern in self.names:
            if any(c in pattern for c in "*?["):
                out += sorted(p for p in directory.glob(pattern) if p.is_file())
            elif (directory / pattern).is_file():
                out.append(directory / pattern)
        return out

    def sniff(self, head: str) -> bool:
        """No content sniff unless a source has one."""
        return False

    def claims(self, file: InputFile) -> bool:
        """A file with one of this source's names is its own."""
        return True

    def matches(self, name: str) -> bool:
        """Whether a file name is one of :attr:`names`."""
        return any(fnmatch.fnmatchcase(name, p) for p in self.names)


# --------------------------------------------------------------------------- helpers


def table_lines(text: str, header: str) -> list[int]:
    """Line of each ``[[header]]`` entry's ``name = ...`` (its header line when not next).

    TOML keeps an array of tables in file order, so the i-th line is the i-th entry's.
    """
    out: list[int] = []
    line, at = 1, 0
    for m in re.finditer(rf"^[ \t]*\[\[{re.escape(header)}\]\][ \t]*\r?$", text, re.M):
        line += text.count("\n", at, m.start())
        at = m.start()
        nxt = text[m.end() + 1 : m.end() + 200].lstrip(" \t")
        out.append(line + 1 if nxt.startswith("name") else line)
    return out


def nth(lines: Sequence[int], i: int) -> int | None:
    """The i-th line, when known."""
    return lines[i] if i < len(lines) else None


def filename(url_or_path: str) -> str:
    """The file name at the end of a URL or path (percent-decoded)."""
    return unquote(urlparse(url_or_path).path.rsplit("/", 1)[-1])


def need(cond: bool, src: Loaded, what: str) -> None:
    """:class:`InputError` ``FILE: malformed WHAT`` unless ``cond``."""
    if not cond:
        raise InputError(f"{src.display}: malformed {what}")


def count(n: int, src: Loaded, what: str) -> None:
    """:class:`InputError` when one input names more than ``MAX_PACKAGES``."""
    if n > MAX_PACKAGES:
        raise InputError(f"{src.display}: more than {MAX_PACKAGES:,} {what}; not read")


def toml(src: Loaded) -> tuple[dict[str, Any], Doc]:
    """The TOML document of a loaded file, and a typed view of it."""
    return loader.load_toml(src.data, src.display), Doc(src.display, "TOML")
