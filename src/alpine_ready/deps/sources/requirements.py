"""``requirements*.txt``: pip's requirements files, with everything they include.

``-r``/``-c`` includes, markers, hashes, ``--index-url``/``--extra-index-url``,
continuations.  Hostile input (``docs/security.md``): every include is read only when
its real path lies inside the project boundary (else ``requirements.txt:3: -r
/etc/shadow: leads outside the project (ROOT); not read``); includes nest at most
:data:`MAX_INCLUDE_DEPTH` files deep (cycles named), :data:`MAX_INCLUDE_FILES` files
and :data:`MAX_REQUIREMENTS_TOTAL_BYTES` in all; one input names at most
:data:`~..requirement.MAX_PACKAGES` requirements.  A file the user names is read even
through a symlink.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from packaging.specifiers import SpecifierSet

from ...errors import InputError
from ...guard import ProjectBoundary, excerpt, printable
from ...guard.read import human_size
from .. import loader
from ..markers import Environment, marker_applies, split_by_env
from ..requirement import MAX_PACKAGES, ParsedInput, Requirement, Uncheckable, from_pep508, pin
from .base import Context, Ecosystem, FileSource, InputFile, Loaded, Role, read

#: How deep ``-r``/``-c`` includes may nest (files in one chain).
MAX_INCLUDE_DEPTH = 32
#: How many requirements files one input may include in all.
MAX_INCLUDE_FILES = 256
#: How many bytes a requirements file and all it includes may hold together.
MAX_REQUIREMENTS_TOTAL_BYTES = 64 << 20

_COMMENT = re.compile(r"(?:^|(?<=\s))#")
_OPT_SPLIT = re.compile(r"(?<!\s)\s++(?=--?[A-Za-z])")
_URLISH = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^git\+|^(hg|svn|bzr)\+")
_ARCHIVE = re.compile(r"\.(whl|tar\.gz|tgz|tar\.bz2|tar\.xz|zip)$", re.IGNORECASE)

# options pip accepts on their own line and that do not change which packages are named
_GLOBAL_FLAGS = {"--no-index", "--pre", "--prefer-binary", "--require-hashes", "--use-feature"}
_GLOBAL_WITH_ARG = {
    "-f",
    "--find-links",
    "--trusted-host",
    "--only-binary",
    "--no-binary",
    "--use-feature",
}
_INCLUDE = {"-r": "r", "--requirement": "r", "-c": "c", "--constraint": "c"}
_INDEX = {"-i": "i", "--index-url": "i", "--extra-index-url": "x"}
_EDITABLE = {"-e", "--editable"}
_PER_REQ_WITH_ARG = {"--hash", "--config-settings", "--global-option", "--install-option"}


def _strip_comment(raw: str) -> str:
    m = _COMMENT.search(raw)
    return raw if m is None else raw[: m.start()].rstrip()


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Join backslash continuations, strip comments: (first line number, text)."""
    buf: list[str] = []
    start = 0
    for no, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = no
        # a comment ends the logical line even after a continuation
        line = _strip_comment(raw)
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        joined = " ".join(p.strip() for p in buf).strip()
        buf = []
        if joined:
            yield start, joined
    if buf:
        joined = " ".join(p.strip() for p in buf).strip()
        if joined:
            yield start, joined


def _split_option(token: str, rest: str, names: Iterable[str]) -> tuple[str, str] | None:
    """Match ``-r x``, ``-rx``, ``--requirement x`` and ``--requirement=x``."""
    for name in names:
        if token == name:
            return name, rest.strip()
        if name.startswith("--") and token.startswith(name + "="):
            return name, (token[len(name) + 1 :] + " " + rest).strip()
        if not name.startswith("--") and token.startswith(name) and len(token) > len(name):
            return name, (token[len(name) :] + " " + rest).strip()
    return None


def _binary_note(where: str, opt: str, value: str) -> str:
    """What ``--only-binary``/``--no-binary`` in a requirements file means for the verdicts."""
    every = ":all:" in value.split(",")
    value = excerpt(value)
    if opt == "--only-binary":
        if every:
            return (
                f"{where}: --only-binary {value}: pip builds nothing from source, so a "
                f"source-build verdict means pip install fails on Alpine"
            )
        return (
            f"{where}: --only-binary {value}: pip never builds {value} from source, so a "
            f"source-build verdict for {value} means pip install fails on Alpine"
        )
    what = "every package" if every else value
    return (
        f"{where}: --no-binary {value}: pip compiles {what} from source, even where a "
        f"musl wheel exists"
    )


@dataclass
class _ReqState:
    boundary: ProjectBoundary
    notes: list[str] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    constraints: list[Requirement] = field(default_factory=list)
    uncheckable: list[Uncheckable] = field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)
    files: int = 0
    bytes_read: int = 0

    def count(self, src: Loaded) -> None:
        """Account for one more file read; :class:`InputError` past the bounds."""
        self.files += 1
        self.bytes_read += len(src.data)
        if self.files > MAX_INCLUDE_FILES:
            raise InputError(
                f"{src.display}: more than {MAX_INCLUDE_FILES} requirements "
                "files included; not read"
            )
        if self.bytes_read > MAX_REQUIREMENTS_TOTAL_BYTES:
            raise InputError(
                f"{src.display}: the requirements files and their includes "
                f"are larger than {human_size(MAX_REQUIREMENTS_TOTAL_BYTES)} "
                "together; not read"
            )
        if len(self.requirements) + len(self.constraints) + len(self.uncheckable) > MAX_PACKAGES:
            raise InputError(f"{src.display}: more than {MAX_PACKAGES:,} requirements; not read")


@dataclass(frozen=True)
class _Include:
    """An include line (``-r``/``-c``) on its way to being read."""

    target: Path
    shown: str  # "requirements.txt:3: -r base.txt", for messages
    constraint: bool


def _include(
    src: Loaded,
    where: str,
    opt: str,
    arg: str,
    constraint: bool,
    stack: tuple[Path, ...],
    state: _ReqState,
) -> _Include:
    """Check an include line against the rules; the file it names, or :class:`InputError`.

    The rules: no NUL in the name, the real path inside the project boundary, no
    cycle, at most :data:`MAX_INCLUDE_DEPTH` files deep.
    """
    shown = f"{where}: {opt} {excerpt(arg)}"
    if "\x00" in arg:
        raise InputError(f"{shown}: a file name with a NUL byte; not read")
    target = src.path.parent / arg
    state.boundary.check(target, shown)
    if len(stack) >= MAX_INCLUDE_DEPTH:
        raise InputError(
            f"{shown}: includes nested deeper than {MAX_INCLUDE_DEPTH} files; not read"
        )
    real = Path(os.path.realpath(target))
    if real in stack:
        chain = " -> ".join(printable(str(p)) for p in (*stack[stack.index(real) :], real))
        raise InputError(f"{printable(str(target))}: include cycle: {chain}")
    return _Include(target, shown, constraint)


def _parse_req_file(
    path: Path,
    state: _ReqState,
    stack: tuple[Path, ...],
    constraint: bool,
    *,
    named: bool = False,
    shown: str | None = None,
) -> None:
    real = Path(os.path.realpath(path))
    key = real if not constraint else Path(str(real) + "#c")
    if key in state.seen:
        return
    state.seen.add(key)
    try:
        src = read(path, loader.MAX_REQUIREMENTS_BYTES, "a requirements file", named=named)
    except InputError as exc:
        if shown is None:
            raise
        raise InputError(f"{shown}: cannot read {exc}") from None
    state.count(src)
    stack = (*stack, real)
    for no, line in _logical_lines(src.text):
        inc = _req_line(src, no, line, state, constraint, stack)
        if inc is not None:
            _parse_req_file(inc.target, state, stack, inc.constraint, shown=inc.shown)


def _req_line(
    src: Loaded, no: int, line: str, state: _ReqState, constraint: bool, stack: tuple[Path, ...]
) -> _Include | None:
    """Take in one logical line; the include it names, if it is one."""
    where = f"{src.display}:{no}"
    source = str(src.path)
    token, _, rest = line.partition(" ")
    if token.startswith("-"):
        inc = _split_option(token, rest, _INCLUDE)
        if inc:
            if not inc[1]:
                raise InputError(f"{where}: {inc[0]} needs a file name")
            return _include(
                src, where, inc[0], inc[1], constraint or _INCLUDE[inc[0]] == "c", stack, state
            )
        idx = _split_option(token, rest, _INDEX)
        if idx:
            if not idx[1] or " " in idx[1]:
                raise InputError(f"{where}: {idx[0]} needs one URL")
            if _INDEX[idx[0]] == "i":
                state.index_url = idx[1]
            elif idx[1] not in state.extra_index_urls:
                state.extra_index_urls.append(idx[1])
            return None
        if _split_option(token, rest, _EDITABLE):
            state.uncheckable.append(Uncheckable(printable(line), "editable install", source, no))
            return None
        opt = token.split("=", 1)[0]
        if opt in ("--only-binary", "--no-binary"):
            value = (token.split("=", 1)[1] if "=" in token else rest).strip()
            state.notes.append(_binary_note(where, opt, value))
            return None
        if opt in _GLOBAL_FLAGS or opt in _GLOBAL_WITH_ARG:
            return None
        raise InputError(f"{where}: unknown option '{excerpt(opt)}'")
    # a requirement, possibly followed by per-requirement options
    parts = _OPT_SPLIT.split(line)
    spec, opts = parts[0].strip(), parts[1:]
    hashes: list[str] = []
    for opt in opts:
        name, sep, value = opt.partition("=")
        if not sep:
            name, _, value = opt.partition(" ")
        value = value.strip()
        if name == "--hash":
            if not re.fullmatch(r"[A-Za-z0-9]+:[0-9A-Fa-f]+", value):
                raise InputError(f"{where}: malformed --hash '{excerpt(value)}'")
            hashes.append(value)
        elif name not in _PER_REQ_WITH_ARG:
            raise InputError(f"{where}: unknown option '{excerpt(name)}' after a requirement")
    if (
        _URLISH.match(spec)
        or spec.startswith((".", "/", "~"))
        or _ARCHIVE.search(spec.split(";")[0].strip())
    ):
        state.uncheckable.append(Uncheckable(printable(spec), "URL or local path", source, no))
        return None
    item = from_pep508(spec, source, no, hashes=hashes)
    if isinstance(item, Uncheckable):
        state.uncheckable.append(item)
    elif constraint:
        state.constraints.append(item)
    else:
        state.requirements.append(item)
    if len(state.requirements) + len(state.constraints) + len(state.uncheckable) > MAX_PACKAGES:
        raise InputError(f"{where}: more than {MAX_PACKAGES:,} requirements; not read")
    return None


def _apply_constraints(
    reqs: Sequence[Requirement], constraints: Sequence[Requirement], env: Environment | None
) -> list[Requirement]:
    by_name: dict[str, list[Requirement]] = {}
    for c in constraints:
        if marker_applies(c.marker, env):
            by_name.setdefault(c.name, []).append(c)
    out: list[Requirement] = []
    for r in reqs:
        spec = SpecifierSet(r.specifier)
        hashes = r.hashes
        for c in by_name.get(r.name, ()):
            spec &= SpecifierSet(c.specifier)
            hashes = hashes or c.hashes
        out.append(dataclasses.replace(r, specifier=str(spec), version=pin(spec), hashes=hashes))
    return out


def parse_requirements(
    path: Path | str,
    env: Environment | None = None,
    *,
    boundary: ProjectBoundary | None = None,
    named: bool = True,
) -> ParsedInput:
    """Parse a pip requirements file and everything it includes.

    Includes are read only from regular files inside ``boundary`` (default: the
    project around ``path``, see :class:`~alpine_ready.guard.ProjectBoundary`), at most
    :data:`MAX_INCLUDE_DEPTH` deep; ``named``: the user named ``path`` itself (it is
    read even when it is a device or leads outside the project).
    """
    path = Path(path)
    state = _ReqState(boundary if boundary is not None else loader.project_of(path))
    _parse_req_file(path, state, (), constraint=False, named=named)
    reqs = _apply_constraints(state.requirements, state.constraints, env)
    if state.index_url:
        reqs = [dataclasses.replace(r, index_url=state.index_url) for r in reqs]
    keep, drop = split_by_env(reqs, env)
    indexes = ([state.index_url] if state.index_url else []) + state.extra_index_urls
    own = path.resolve()
    read_too = {Path(f).resolve() for f in {r.source_file for r in (*keep, *drop)}}
    return ParsedInput(
        path=str(path),
        kind="requirements",
        requirements=keep,
        uncheckable=tuple(state.uncheckable),
        index_urls=tuple(indexes),
        excluded=drop,
        notes=tuple(dict.fromkeys(state.notes)),
        includes=frozenset(str(f) for f in read_too if f != own),
    )


class Requirements(FileSource):
    """pip requirements files: every top-level one is read (an included one is not twice)."""

    name: ClassVar[str] = "requirements*.txt"
    ecosystem: ClassVar[Ecosystem] = "python"
    role: ClassVar[Role] = Role.MANIFEST
    names: ClassVar[tuple[str, ...]] = ("*.txt", "*.in")

    def find(self, directory: Path, context: Context) -> list[Path]:
        """``requirements*.txt`` in the directory, sorted."""
        return sorted(p for p in directory.glob("requirements*.txt") if p.is_file())

    def parse(self, file: InputFile, context: Context) -> ParsedInput:
        """The file and its includes."""
        return parse_requirements(
            file.path, context.env, boundary=context.boundary, named=file.named
        )


SOURCE = Requirements()
