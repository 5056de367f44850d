"""Read a Python project's dependency files into one flat list of requirements.

Recognised inputs: ``requirements*.txt`` (``-r``/``-c`` includes, markers, hashes,
``--index-url``/``--extra-index-url``, continuations), ``pyproject.toml`` (PEP 621
``dependencies`` and ``optional-dependencies``), and the lockfiles that give the full
transitive set with exact versions: ``uv.lock``, ``poetry.lock``, ``pylock.toml``
(PEP 751) and ``Pipfile.lock``.

Markers are evaluated for a *target* environment the caller passes (see
:func:`musl_environment`), never for the host.  With no environment, nothing is
filtered and every marker is kept on its requirement.  Entries we cannot check against
an index (editable installs, VCS/URL/path requirements) are reported as
:class:`Uncheckable` rather than dropped or crashed on.  Malformed input raises
:class:`~alpine_ready.errors.InputError` with a one-line message naming ``file:line``.

Hostile input (``docs/security.md``): every file is read once through
:mod:`.loader` (bounded, regular files only unless the user named it; TOML and JSON
depth- and size-checked before parsing) and every value through :class:`.shape.Doc`
(a wrong type is ``FILE: unexpected structure at package[3].version``).  Where a
project's files may lead is :class:`~alpine_ready.guard.ProjectBoundary`'s rule: a
file found in a project directory, and every ``-r``/``-c`` include, is read only when
its real path lies inside the project (the git work tree holding the target, else the
directory it is named in; ``boundary=`` widens it), else ``requirements.txt:3: -r
/etc/shadow: leads outside the project (ROOT); not read``.  A file the user names is
read even through a symlink.  Includes nest at most :data:`MAX_INCLUDE_DEPTH` files
deep (cycles named), :data:`MAX_INCLUDE_FILES` files and
:data:`MAX_REQUIREMENTS_TOTAL_BYTES` in all; one input names at most
:data:`MAX_PACKAGES` requirements or packages.  Messages quote at most 40 escaped
characters of a file (:func:`~alpine_ready.guard.excerpt`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlparse

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PkgRequirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from alpine_ready.errors import InputError

from ..guard import ProjectBoundary, excerpt, printable
from ..guard.read import human_size
from . import loader
from .shape import Doc, key_path

Environment = Mapping[str, "str | frozenset[str]"]
InputKind = Literal["requirements", "pyproject", "uv.lock", "poetry.lock", "pylock", "Pipfile.lock",
                    "site-packages"]

#: Inputs with exact versions of the full set (an installed environment is one too).
LOCKFILE_KINDS: frozenset[str] = frozenset({"uv.lock", "poetry.lock", "pylock", "Pipfile.lock",
                                            "site-packages"})

#: How deep ``-r``/``-c`` includes may nest (files in one chain).
MAX_INCLUDE_DEPTH = 32
#: How many requirements files one input may include in all.
MAX_INCLUDE_FILES = 256
#: How many bytes a requirements file and all it includes may hold together.
MAX_REQUIREMENTS_TOTAL_BYTES = 64 << 20
#: Most requirements (or locked packages) one Python input may name.
MAX_PACKAGES = 20_000


@dataclass(frozen=True)
class Requirement:
    """One dependency as the input file states it (a lockfile: one locked package)."""

    name: str  # PEP 503-normalised
    version: str | None  # exact pin (``==X`` / ``===X`` / a lockfile version), else None
    specifier: str  # e.g. ">=2,<3"; "==1.3.2" for pins; "" when unconstrained
    marker: str | None
    extras: tuple[str, ...]
    source_file: str
    line: int | None
    hashes: tuple[str, ...] = ()  # "sha256:..." as written
    index_url: str | None = None  # the index the file says to use (None: the default, PyPI)
    files: tuple[str, ...] = ()  # wheel/sdist filenames a lockfile lists for this version

    @classmethod
    def exact(cls, name: str, version: str, source_file: str) -> Requirement:
        """``name==version`` from no file line: an installed copy, a resolver's pin."""
        return cls(name=name, version=version, specifier=f"=={version}", marker=None,
                   extras=(), source_file=source_file, line=None)


@dataclass(frozen=True)
class Uncheckable:
    """An entry that names no index release: editable, VCS, URL or local path."""

    text: str
    reason: str
    source_file: str
    line: int | None


@dataclass(frozen=True)
class ParsedInput:
    """What one recognised input file (with its includes) says."""

    path: str
    kind: InputKind
    requirements: tuple[Requirement, ...]
    uncheckable: tuple[Uncheckable, ...] = ()
    index_urls: tuple[str, ...] = ()  # primary first (if any ``--index-url``), then extras
    excluded: tuple[Requirement, ...] = ()  # markers false for the target environment
    notes: tuple[str, ...] = ()

    @property
    def locked(self) -> bool:
        """True when the file is a lockfile: exact versions of the full transitive set."""
        return self.kind in LOCKFILE_KINDS


# --------------------------------------------------------------------------- markers


def musl_environment(python: str = "3.12", arch: str = "x86_64") -> dict[str, str]:
    """The PEP 508 marker environment of CPython *python* on musl Linux *arch*.

    Every key is set, so ``packaging`` never fills a gap from the host.
    """
    if arch not in ("x86_64", "aarch64"):
        raise InputError(f"unsupported architecture {arch!r}: expected x86_64 or aarch64")
    if not re.fullmatch(r"3\.\d+", python):
        raise InputError(f"invalid Python version {python!r}: expected e.g. 3.12")
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "posix",
        "platform_machine": arch,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "linux",
        "extra": "",
    }


def _marker_applies(
    marker: str | None,
    env: Environment | None,
    *,
    extras: Iterable[str] = (),
    lock_file: bool = False,
) -> bool:
    """Whether *marker* holds in *env*; no environment or an undecidable marker: True."""
    if marker is None or env is None:
        return True
    parsed = _marker(marker)
    if parsed is None:
        return True
    wanted = [canonicalize_name(e) for e in extras]
    try:
        if lock_file:
            full: dict[str, str | frozenset[str]] = dict(env)
            full.setdefault("extras", frozenset(wanted))
            full.setdefault("dependency_groups", frozenset())
            return parsed.evaluate(full, context="lock_file")
        for extra in [*wanted, ""] if wanted else [""]:
            one: dict[str, str | frozenset[str]] = dict(env)
            one["extra"] = extra
            if parsed.evaluate(one):
                return True
        return False
    except UndefinedEnvironmentName:
        return True


@functools.lru_cache(maxsize=4096)
def _marker(text: str) -> Marker | None:
    """The parsed marker (None when it does not parse); lockfiles repeat a few markers."""
    try:
        return Marker(text)
    except InvalidMarker:
        return None


def _split_by_env(
    reqs: Iterable[Requirement],
    env: Environment | None,
    *,
    extras: Iterable[str] = (),
    lock_file: bool = False,
) -> tuple[tuple[Requirement, ...], tuple[Requirement, ...]]:
    keep: list[Requirement] = []
    drop: list[Requirement] = []
    extras = tuple(extras)
    for r in reqs:
        ok = _marker_applies(r.marker, env, extras=extras, lock_file=lock_file)
        (keep if ok else drop).append(r)
    return tuple(keep), tuple(drop)


# --------------------------------------------------------------------------- helpers


def _pin(spec: SpecifierSet) -> str | None:
    """The exact version a specifier set pins, or None."""
    for s in spec:
        if s.operator == "===" or (s.operator == "==" and not s.version.endswith(".*")):
            return s.version
    return None


def _from_pep508(
    text: str,
    source: str,
    line: int | None,
    *,
    hashes: Sequence[str] = (),
    index_url: str | None = None,
) -> Requirement | Uncheckable:
    try:
        req = PkgRequirement(text)
    except InvalidRequirement as exc:
        where = f"{printable(source)}:{line}" if line is not None else printable(source)
        first = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise InputError(f"{where}: invalid requirement '{excerpt(text)}': "
                         f"{excerpt(first, 80)}") from None
    if req.url:
        return Uncheckable(printable(text), f"direct reference ({printable(req.url)})",
                           source, line)
    return Requirement(
        name=canonicalize_name(req.name),
        version=_pin(req.specifier),
        specifier=str(req.specifier),
        marker=str(req.marker) if req.marker else None,
        extras=tuple(sorted(req.extras)),
        source_file=source,
        line=line,
        hashes=tuple(hashes),
        index_url=index_url,
    )


@dataclass(frozen=True)
class _Source:
    """One dependency file, read once: its path, its name in messages and its bytes."""

    path: Path
    display: str
    data: bytes

    @property
    def text(self) -> str:
        """The content as text (UTF-8), or :class:`InputError` naming the line."""
        return loader.decode(self.data, self.display)


def _read(path: Path, limit: int, what: str, *, named: bool,
          data: bytes | None = None) -> _Source:
    """``path`` read within ``limit`` (``named``: the user named it, a device is read too)."""
    display = printable(str(path))
    if data is None:
        data = loader.read_file(path, limit=limit, what=what, display=display,
                                allow_special=named)
    elif len(data) > limit:
        raise InputError(f"{display}: {len(data):,} bytes, larger than {what} may be "
                         f"({human_size(limit)}); not read")
    return _Source(path, display, data)


def _toml(src: _Source) -> tuple[dict[str, Any], Doc]:
    return loader.load_toml(src.data, src.display), Doc(src.display, "TOML")


def _table_lines(text: str, header: str) -> list[int]:
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


def _nth(lines: Sequence[int], i: int) -> int | None:
    return lines[i] if i < len(lines) else None


def _filename(url_or_path: str) -> str:
    return unquote(urlparse(url_or_path).path.rsplit("/", 1)[-1])


def _need(cond: bool, src: _Source, what: str) -> None:
    if not cond:
        raise InputError(f"{src.display}: malformed {what}")


def _count(n: int, src: _Source, what: str) -> None:
    if n > MAX_PACKAGES:
        raise InputError(f"{src.display}: more than {MAX_PACKAGES:,} {what}; not read")


# ---------------------------------------------------------------- requirements.txt

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
            return (f"{where}: --only-binary {value}: pip builds nothing from source, so a "
                    f"source-build verdict means pip install fails on Alpine")
        return (f"{where}: --only-binary {value}: pip never builds {value} from source, so a "
                f"source-build verdict for {value} means pip install fails on Alpine")
    what = "every package" if every else value
    return (f"{where}: --no-binary {value}: pip compiles {what} from source, even where a "
            f"musl wheel exists")


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

    def count(self, src: _Source) -> None:
        """Account for one more file read; :class:`InputError` past the bounds."""
        self.files += 1
        self.bytes_read += len(src.data)
        if self.files > MAX_INCLUDE_FILES:
            raise InputError(f"{src.display}: more than {MAX_INCLUDE_FILES} requirements "
                             "files included; not read")
        if self.bytes_read > MAX_REQUIREMENTS_TOTAL_BYTES:
            raise InputError(f"{src.display}: the requirements files and their includes "
                             f"are larger than {human_size(MAX_REQUIREMENTS_TOTAL_BYTES)} "
                             "together; not read")
        if len(self.requirements) + len(self.constraints) + len(self.uncheckable) \
                > MAX_PACKAGES:
            raise InputError(f"{src.display}: more than {MAX_PACKAGES:,} requirements; "
                             "not read")


@dataclass(frozen=True)
class _Include:
    """An include line (``-r``/``-c``) on its way to being read."""

    target: Path
    shown: str  # "requirements.txt:3: -r base.txt", for messages
    constraint: bool


def _include(src: _Source, where: str, opt: str, arg: str, constraint: bool,
             stack: tuple[Path, ...], state: _ReqState) -> _Include:
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
        raise InputError(f"{shown}: includes nested deeper than {MAX_INCLUDE_DEPTH} files; "
                         "not read")
    real = Path(os.path.realpath(target))
    if real in stack:
        chain = " -> ".join(printable(str(p)) for p in (*stack[stack.index(real) :], real))
        raise InputError(f"{printable(str(target))}: include cycle: {chain}")
    return _Include(target, shown, constraint)


def _parse_req_file(path: Path, state: _ReqState, stack: tuple[Path, ...], constraint: bool,
                    *, named: bool = False, shown: str | None = None) -> None:
    real = Path(os.path.realpath(path))
    key = real if not constraint else Path(str(real) + "#c")
    if key in state.seen:
        return
    state.seen.add(key)
    try:
        src = _read(path, loader.MAX_REQUIREMENTS_BYTES, "a requirements file", named=named)
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


def _req_line(src: _Source, no: int, line: str, state: _ReqState, constraint: bool,
              stack: tuple[Path, ...]) -> _Include | None:
    """Take in one logical line; the include it names, if it is one."""
    where = f"{src.display}:{no}"
    source = str(src.path)
    token, _, rest = line.partition(" ")
    if token.startswith("-"):
        inc = _split_option(token, rest, _INCLUDE)
        if inc:
            if not inc[1]:
                raise InputError(f"{where}: {inc[0]} needs a file name")
            return _include(src, where, inc[0], inc[1], constraint or _INCLUDE[inc[0]] == "c",
                            stack, state)
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
            state.uncheckable.append(Uncheckable(printable(line), "editable install", source,
                                                 no))
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
    item = _from_pep508(spec, source, no, hashes=hashes)
    if isinstance(item, Uncheckable):
        state.uncheckable.append(item)
    elif constraint:
        state.constraints.append(item)
    else:
        state.requirements.append(item)
    if len(state.requirements) + len(state.constraints) + len(state.uncheckable) \
            > MAX_PACKAGES:
        raise InputError(f"{where}: more than {MAX_PACKAGES:,} requirements; not read")
    return None


def _apply_constraints(
    reqs: Sequence[Requirement], constraints: Sequence[Requirement], env: Environment | None
) -> list[Requirement]:
    by_name: dict[str, list[Requirement]] = {}
    for c in constraints:
        if _marker_applies(c.marker, env):
            by_name.setdefault(c.name, []).append(c)
    out: list[Requirement] = []
    for r in reqs:
        spec = SpecifierSet(r.specifier)
        hashes = r.hashes
        for c in by_name.get(r.name, ()):
            spec &= SpecifierSet(c.specifier)
            hashes = hashes or c.hashes
        out.append(dataclasses.replace(r, specifier=str(spec), version=_pin(spec), hashes=hashes))
    return out


def parse_requirements(path: Path | str, env: Environment | None = None, *,
                       boundary: ProjectBoundary | None = None,
                       named: bool = True) -> ParsedInput:
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
    keep, drop = _split_by_env(reqs, env)
    indexes = ([state.index_url] if state.index_url else []) + state.extra_index_urls
    return ParsedInput(
        path=str(path),
        kind="requirements",
        requirements=keep,
        uncheckable=tuple(state.uncheckable),
        index_urls=tuple(indexes),
        excluded=drop,
        notes=tuple(dict.fromkeys(state.notes)),
    )


# ------------------------------------------------------------------- pyproject.toml


def _quoted_lines(text: str) -> dict[str, int]:
    """Each quoted string of ``text`` -> the first line it is on (double quotes first)."""
    out: dict[str, int] = {}
    for quote in ('"', "'"):
        for no, line in enumerate(text.splitlines(), 1):
            if quote not in line:
                continue
            for m in re.finditer(rf"{quote}([^{quote}\n]*){quote}", line):
                out.setdefault(m[1], no)
    return out


def parse_pyproject(
    path: Path | str, env: Environment | None = None, extras: Iterable[str] = (), *,
    data: bytes | None = None, named: bool = True,
) -> ParsedInput:
    """PEP 621 ``[project] dependencies`` plus the selected extras (``"*"``: all)."""
    path = Path(path)
    src = _read(path, loader.MAX_PYPROJECT_BYTES, "a pyproject.toml", named=named, data=data)
    doc_data, doc = _toml(src)
    project = doc_data.get("project")
    if not isinstance(project, dict):
        tool = doc_data.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        if isinstance(poetry, dict) and "dependencies" in poetry:
            raise InputError(f"{src.display}: no [project] table (PEP 621); Poetry's "
                             f"[tool.poetry.dependencies] are not read: check the project's "
                             f"poetry.lock (poetry lock writes it)")
        raise InputError(f"{src.display}: no [project] table (PEP 621): cannot read "
                         "dependencies")
    notes: list[str] = []
    if "dependencies" in doc.get(project, "dynamic", "project", list, []):
        notes.append(f"{src.display}: dependencies are dynamic (set by the build backend): "
                     "not read")
    deps = doc.strings(doc.get(project, "dependencies", "project", list, []),
                       "project.dependencies")
    optional = doc.get(project, "optional-dependencies", "project", dict, {})
    for extra, items in optional.items():
        doc.strings(items, key_path("project.optional-dependencies", extra))
    wanted = {canonicalize_name(e) for e in extras if e != "*"}
    known = {canonicalize_name(k): k for k in optional}
    if "*" in extras:
        wanted = set(known)
    unknown = wanted - set(known)
    if unknown:
        raise InputError(
            f"{src.display}: unknown extra(s) {excerpt(', '.join(sorted(unknown)), 200)}; "
            f"defined: {excerpt(', '.join(sorted(known)), 200) or 'none'}"
        )
    texts = [*deps, *(d for e in sorted(wanted) for d in optional[known[e]])]
    _count(len(texts), src, "dependencies")
    lines = _quoted_lines(src.text)
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    for text in texts:
        item = _from_pep508(text, str(path), lines.get(text))
        if isinstance(item, Uncheckable):
            unchecked.append(item)
        else:
            reqs.append(item)
    keep, drop = _split_by_env(reqs, env, extras=wanted)
    left = sorted(k for n, k in known.items() if n not in wanted)
    if left:
        notes.append(f"optional dependencies not checked: {excerpt(', '.join(left), 200)} "
                     f"(select them with --extra NAME, or --extra '*' for all)")
    return ParsedInput(
        str(path), "pyproject", keep, tuple(unchecked), excluded=drop, notes=tuple(notes)
    )


# -------------------------------------------------------------------------- uv.lock


@dataclass(frozen=True)
class _UvPackage:
    """One ``[[package]]`` of a uv.lock, its shape checked."""

    index: int
    name: str  # normalised
    version: str | None
    source: dict[str, Any]
    raw: dict[str, Any]
    where: str  # package[3]


_Edge = tuple[str, str | None, str | None, frozenset[str]]


def _uv_edges(doc: Doc, value: Any, where: str) -> list[_Edge]:
    """(name, version, marker, extras) of each dependency edge in an array of them."""
    if value is None:
        return []
    out: list[_Edge] = []
    for i, e in enumerate(doc.tables(value, where)):
        at = key_path(where, i)
        extra = doc.strings(doc.get(e, "extra", at, list, []), key_path(at, "extra"))
        out.append((canonicalize_name(doc.req(e, "name", at, str)),
                    doc.opt(e, "version", at, str), doc.opt(e, "marker", at, str),
                    frozenset(canonicalize_name(x) for x in extra)))
    return out


def _uv_roots(pkgs: Sequence[_UvPackage], members: Iterable[str]) -> list[int]:
    workspace = {canonicalize_name(m) for m in members}
    roots: list[int] = []
    for p in pkgs:
        if not {"editable", "virtual"} & set(p.source):
            continue
        if p.name in workspace or "." in (p.source.get("editable"), p.source.get("virtual")):
            roots.append(p.index)
    return roots


def _uv_out_edges(doc: Doc, p: _UvPackage, active: frozenset[str], root: bool
                  ) -> list[_Edge]:
    edges = _uv_edges(doc, p.raw.get("dependencies"), key_path(p.where, "dependencies"))
    at = key_path(p.where, "optional-dependencies")
    for extra, deps in doc.get(p.raw, "optional-dependencies", p.where, dict, {}).items():
        if canonicalize_name(extra) in active:
            edges += _uv_edges(doc, deps, key_path(at, extra))
    if root:
        at = key_path(p.where, "dev-dependencies")
        for group, deps in doc.get(p.raw, "dev-dependencies", p.where, dict, {}).items():
            edges += _uv_edges(doc, deps, key_path(at, group))
    return edges


def _uv_reachable(
    doc: Doc,
    pkgs: Sequence[_UvPackage],
    env: Environment | None,
    extras: Iterable[str],
    members: Iterable[str] = (),
) -> set[int] | None:
    """Indexes of the packages the project installs in *env*, following dependency edges.

    uv writes a platform condition (``pywin32; sys_platform == 'win32'``) on the *edge*
    from the package that requires it, not on the package: a package is installed only
    when some path from the project to it has every edge's marker true.  The roots are
    the project's own packages (workspace members, or the editable/virtual source at
    ``.``) with their dependency groups and the selected extras (none selected: all of
    them).  None when the file has no root (nothing can be said: every package is kept).
    Each (package, extras) is expanded once and each edge target looked up once, so the
    walk is linear in the edges whatever the file says.
    """
    by_name: dict[str, list[int]] = {}
    by_version: dict[tuple[str, str | None], list[int]] = {}
    for p in pkgs:
        by_name.setdefault(p.name, []).append(p.index)
        by_version.setdefault((p.name, p.version), []).append(p.index)
    roots = _uv_roots(pkgs, members)
    if not roots:
        return None
    root_set = set(roots)
    wanted = {canonicalize_name(e) for e in extras}
    seen: dict[int, frozenset[str]] = {}
    todo: list[tuple[int, frozenset[str]]] = []
    for r in roots:
        # no extras selected: all of the project's (what it may install is checked)
        root_extras = set(doc.get(pkgs[r].raw, "optional-dependencies", pkgs[r].where, dict,
                                  {})) if "*" in wanted or not wanted else wanted
        todo.append((r, frozenset(canonicalize_name(e) for e in root_extras)))
    expanded: set[tuple[str, str | None, frozenset[str]]] = set()
    while todo:
        i, active = todo.pop()
        before = seen.get(i)
        if before is not None and active <= before:
            continue
        seen[i] = before | active if before is not None else active
        for name, version, marker, ex in _uv_out_edges(doc, pkgs[i], active, i in root_set):
            # uv's conflict markers name encoded extras (extra == 'extra-5-app-cpu'): any
            # extra a marker names may be the one installed, so only its platform part counts
            named = re.findall(r"""extra\s*==\s*['"]([^'"]+)['"]""", marker or "")
            if not _marker_applies(marker, env, extras=(*active, *named)):
                continue
            if (name, version, ex) in expanded:
                continue
            expanded.add((name, version, ex))
            targets = by_version.get((name, version), []) if version is not None else []
            todo.extend((t, ex) for t in targets or by_name.get(name, []))
    return set(seen)


def _uv_package(doc: Doc, i: int, raw: dict[str, Any]) -> _UvPackage:
    where = key_path("package", i)
    return _UvPackage(i, canonicalize_name(doc.req(raw, "name", where, str)),
                      doc.opt(raw, "version", where, str),
                      doc.get(raw, "source", where, dict, {}), raw, where)


def _uv_files(doc: Doc, p: _UvPackage) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(file names, hashes) of a locked package's wheels and sdist."""
    wheels_at = key_path(p.where, "wheels")
    dists = [(key_path(wheels_at, j), d) for j, d in
             enumerate(doc.tables(doc.get(p.raw, "wheels", p.where, list, []), wheels_at))]
    sdist = doc.opt(p.raw, "sdist", p.where, dict)
    if sdist is not None:
        dists.append((key_path(p.where, "sdist"), sdist))
    files, hashes = [], []
    for at, d in dists:
        where = doc.opt(d, "url", at, str) or doc.opt(d, "path", at, str) or \
            doc.opt(d, "filename", at, str) or ""
        files.append(_filename(where))
        digest = doc.opt(d, "hash", at, str)
        if digest is not None:
            hashes.append(digest)
    return tuple(files), tuple(hashes)


def parse_uv_lock(
    path: Path | str, env: Environment | None = None, extras: Iterable[str] = (), *,
    data: bytes | None = None, named: bool = True,
) -> ParsedInput:
    """``uv.lock``: every ``[[package]]`` from a registry, with its files and hashes.

    The project itself (an editable/virtual source at ``.``) is left out.  A package
    locked in several versions (``resolution-markers``) carries those markers joined by
    ``or``.  With an environment, only the packages reachable from the project through
    dependency edges whose markers hold there are kept (see :func:`_uv_reachable`); the
    others are ``excluded``.
    """
    path = Path(path)
    src = _read(path, loader.MAX_TOML_LOCK_BYTES, "a lockfile", named=named, data=data)
    top, doc = _toml(src)
    _need(isinstance(top.get("version"), int), src, "uv.lock (no integer `version`)")
    raw_pkgs = doc.tables(top.get("package", []), "package")
    _count(len(raw_pkgs), src, "packages")
    pkgs = [_uv_package(doc, i, p) for i, p in enumerate(raw_pkgs)]
    manifest = doc.get(top, "manifest", "", dict, {})
    members = doc.strings(doc.get(manifest, "members", "manifest", list, []),
                          "manifest.members")
    reachable = _uv_reachable(doc, pkgs, env, extras, members) if env is not None else None
    reqs: list[Requirement] = []
    unreached: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    indexes: list[str] = []
    at = _table_lines(src.text, "package")
    at = at if len(at) == len(pkgs) else []
    for p in pkgs:
        registry = doc.opt(p.source, "registry", key_path(p.where, "source"), str)
        spec = f"=={p.version}" if p.version else ""
        if reachable is not None and p.index not in reachable:
            if registry is not None:
                unreached.append(Requirement(p.name, p.version, spec, None, (), str(path),
                                             _nth(at, p.index), index_url=registry))
            continue
        if registry is None:
            kind, where = next(iter(p.source.items()), ("unknown", "?"))
            if kind in ("editable", "virtual") and where == ".":
                continue  # the project being locked
            unchecked.append(
                Uncheckable(f"{p.name} ({excerpt(str(kind))} = {excerpt(str(where), 200)})",
                            f"{excerpt(str(kind))} source", str(path), _nth(at, p.index))
            )
            continue
        if registry not in indexes:
            indexes.append(registry)
        files, hashes = _uv_files(doc, p)
        rm = doc.strings(doc.get(p.raw, "resolution-markers", p.where, list, []),
                         key_path(p.where, "resolution-markers"))
        marker = " or ".join(f"({m})" for m in rm) if rm else None
        reqs.append(Requirement(p.name, p.version, spec, marker, (), str(path),
                                _nth(at, p.index), hashes, registry, files))
    keep, drop = _split_by_env(reqs, env)
    return ParsedInput(
        str(path), "uv.lock", keep, tuple(unchecked), tuple(indexes), (*drop, *unreached)
    )


# ----------------------------------------------------------------------- poetry.lock


def _poetry_marker(doc: Doc, p: dict[str, Any], where: str) -> str | None:
    markers = p.get("markers")
    if isinstance(markers, dict):  # per-group markers: any group's marker may apply
        vals = [doc.check(v, key_path(key_path(where, "markers"), k), str)
                for k, v in markers.items()]
        return " or ".join(f"({v})" for v in vals) if vals else None
    return doc.opt(p, "markers", where, str)


def parse_poetry_lock(
    path: Path | str, env: Environment | None = None, extras: Iterable[str] = (), *,
    data: bytes | None = None, named: bool = True,
) -> ParsedInput:
    """``poetry.lock``: every ``[[package]]`` with its version, files and markers."""
    path = Path(path)
    src = _read(path, loader.MAX_TOML_LOCK_BYTES, "a lockfile", named=named, data=data)
    top, doc = _toml(src)
    _need(isinstance(top.get("metadata"), dict), src, "poetry.lock (no [metadata])")
    _need(isinstance(top.get("package", []), list), src, "poetry.lock ([[package]] expected)")
    pkgs = doc.tables(top.get("package", []), "package")
    _count(len(pkgs), src, "packages")
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    indexes: list[str] = []
    at = _table_lines(src.text, "package")
    at = at if len(at) == len(pkgs) else []
    for i, p in enumerate(pkgs):
        where = key_path("package", i)
        _need("name" in p and "version" in p, src, "poetry.lock package")
        name = canonicalize_name(doc.req(p, "name", where, str))
        version = doc.req(p, "version", where, str)
        source = doc.get(p, "source", where, dict, {})
        stype = doc.opt(source, "type", key_path(where, "source"), str)
        url: str | None = None
        if stype == "legacy":
            url = doc.opt(source, "url", key_path(where, "source"), str)
            if url and url not in indexes:
                indexes.append(url)
        elif stype is not None:
            ref = doc.get(source, "url", key_path(where, "source"), str, "")
            unchecked.append(
                Uncheckable(f"{name} ({excerpt(stype)} {excerpt(ref, 200)})".strip(),
                            f"{excerpt(stype)} source", str(path), _nth(at, i))
            )
            continue
        files_at = key_path(where, "files")
        dists = doc.tables(doc.get(p, "files", where, list, []), files_at)
        files = tuple(doc.get(f, "file", key_path(files_at, j), str, "")
                      for j, f in enumerate(dists))
        hashes = tuple(h for j, f in enumerate(dists)
                       if (h := doc.opt(f, "hash", key_path(files_at, j), str)) is not None)
        reqs.append(Requirement(name, version, f"=={version}", _poetry_marker(doc, p, where),
                                (), str(path), _nth(at, i), hashes, url, files))
    keep, drop = _split_by_env(reqs, env, extras=extras)
    return ParsedInput(str(path), "poetry.lock", keep, tuple(unchecked), tuple(indexes), drop)


# ------------------------------------------------------------------ pylock.toml (PEP 751)


def _pylock_files(doc: Doc, p: dict[str, Any], where: str
                  ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    wheels_at = key_path(where, "wheels")
    dists = [(key_path(wheels_at, j), d) for j, d in
             enumerate(doc.tables(doc.get(p, "wheels", where, list, []), wheels_at))]
    sdist = doc.opt(p, "sdist", where, dict)
    if sdist is not None:
        dists.append((key_path(where, "sdist"), sdist))
    files, hashes = [], []
    for at, d in dists:
        files.append(doc.opt(d, "name", at, str) or _filename(
            doc.opt(d, "url", at, str) or doc.get(d, "path", at, str, "")))
        for algo, digest in doc.get(d, "hashes", at, dict, {}).items():
            digest = doc.check(digest, key_path(key_path(at, "hashes"), algo), str)
            hashes.append(f"{algo}:{digest}")
    return tuple(files), tuple(hashes)


def parse_pylock(
    path: Path | str, env: Environment | None = None, extras: Iterable[str] = (), *,
    data: bytes | None = None, named: bool = True,
) -> ParsedInput:
    """PEP 751 ``pylock.toml``: ``[[packages]]`` with wheels/sdist and markers."""
    path = Path(path)
    src = _read(path, loader.MAX_TOML_LOCK_BYTES, "a lockfile", named=named, data=data)
    top, doc = _toml(src)
    lv = top.get("lock-version")
    _need(isinstance(lv, str), src, "pylock.toml (no lock-version)")
    if not str(lv).startswith("1."):
        raise InputError(f"{src.display}: unsupported pylock lock-version {excerpt(str(lv))} "
                         "(expected 1.x)")
    _need(isinstance(top.get("packages", []), list), src, "pylock.toml ([[packages]] expected)")
    pkgs = doc.tables(top.get("packages", []), "packages")
    _count(len(pkgs), src, "packages")
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    indexes: list[str] = []
    at = _table_lines(src.text, "packages")
    at = at if len(at) == len(pkgs) else []
    for i, p in enumerate(pkgs):
        where = key_path("packages", i)
        _need("name" in p, src, "pylock.toml package (no name)")
        name = canonicalize_name(doc.req(p, "name", where, str))
        for kind in ("vcs", "directory", "archive"):
            if kind in p:
                ref_at = key_path(where, kind)
                ref_table = doc.req(p, kind, where, dict)
                ref = doc.opt(ref_table, "url", ref_at, str) or \
                    doc.get(ref_table, "path", ref_at, str, "")
                if kind == "directory" and ref == ".":
                    break  # the project being locked
                unchecked.append(
                    Uncheckable(f"{name} ({kind} {excerpt(ref, 200)})", f"{kind} source",
                                str(path), _nth(at, i))
                )
                break
        else:
            index = doc.opt(p, "index", where, str)
            if index and index not in indexes:
                indexes.append(index)
            files, hashes = _pylock_files(doc, p, where)
            version = doc.opt(p, "version", where, str)
            reqs.append(Requirement(name, version, f"=={version}" if version else "",
                                    doc.opt(p, "marker", where, str), (), str(path),
                                    _nth(at, i), hashes, index, files))
    keep, drop = _split_by_env(reqs, env, extras=extras, lock_file=True)
    return ParsedInput(str(path), "pylock", keep, tuple(unchecked), tuple(indexes), drop)


# ----------------------------------------------------------------------- Pipfile.lock


def _pipfile_lines(text: str) -> dict[tuple[str, str], int]:
    """(section, key) -> the line of its ``"key": {`` (pipenv indents 4 and 8 spaces)."""
    at: dict[tuple[str, str], int] = {}
    current = None
    line, pos = 1, 0
    for m in re.finditer(r'^( *)"([^"\n]+)":[ \t]*\{', text, re.M):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        if len(m[1]) == 4:
            current = m[2]
        elif len(m[1]) == 8 and current is not None:
            at.setdefault((current, m[2]), line)
    return at


def _pipfile_entry(doc: Doc, src: _Source, section: str, raw_name: str, e: dict[str, Any],
                   line: int | None, sources: Mapping[str, str]
                   ) -> Requirement | Uncheckable:
    where = key_path(section, raw_name)
    shown = excerpt(raw_name)
    kind = next((k for k in ("git", "hg", "svn", "path", "file", "editable") if k in e), None)
    if kind or "version" not in e:
        return Uncheckable(f"{shown} ({section})", f"{kind or 'unpinned'} entry", str(src.path),
                           line)
    version = doc.req(e, "version", where, str)
    try:
        spec = SpecifierSet(version)
    except InvalidSpecifier:
        if version.strip() != "*":
            raise InputError(f"{src.display}: {shown}: bad version '{excerpt(version)}'") \
                from None
        # pipenv writes "*" for what it did not lock (a package whose marker
        # excluded the platform it locked on, e.g. pywin32 from a Linux machine)
        return Uncheckable(f"{shown} ({section})", 'not locked ("version": "*")',
                           str(src.path), line)
    index_name = doc.opt(e, "index", where, str)
    extras = doc.strings(doc.get(e, "extras", where, list, []), key_path(where, "extras"))
    hashes = doc.strings(doc.get(e, "hashes", where, list, []), key_path(where, "hashes"))
    return Requirement(canonicalize_name(raw_name), _pin(spec), str(spec),
                       doc.opt(e, "markers", where, str), tuple(sorted(extras)), str(src.path),
                       line, tuple(hashes), sources.get(index_name) if index_name else None)


def parse_pipfile_lock(
    path: Path | str, env: Environment | None = None, dev: bool = True, *,
    data: bytes | None = None, named: bool = True,
) -> ParsedInput:
    """``Pipfile.lock`` (JSON): ``default`` (and ``develop`` when *dev*) sections."""
    path = Path(path)
    src = _read(path, loader.MAX_LOCK_BYTES, "a lockfile", named=named, data=data)
    top = loader.load_json(src.data, src.display)
    doc = Doc(src.display, "JSON")
    _need(isinstance(top, dict) and "_meta" in top, src, "Pipfile.lock (no _meta)")
    meta = doc.req(top, "_meta", "", dict)
    sources: dict[str, str] = {}
    for i, s in enumerate(doc.get(meta, "sources", "_meta", list, [])):
        if isinstance(s, dict):
            at = key_path("_meta.sources", i)
            name, url = doc.opt(s, "name", at, str), doc.opt(s, "url", at, str)
            if name is not None and url:
                sources[name] = url
    indexes = tuple(sources.values())
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    lines = _pipfile_lines(src.text)
    for section in ("default", "develop") if dev else ("default",):
        entries = top.get(section, {})
        _need(isinstance(entries, dict), src, f"Pipfile.lock section '{section}'")
        _count(len(entries), src, "packages")
        for raw_name, e in entries.items():
            _need(isinstance(e, dict), src, f"Pipfile.lock entry '{excerpt(raw_name)}'")
            item = _pipfile_entry(doc, src, section, raw_name, e, lines.get((section, raw_name)),
                                  sources)
            (unchecked if isinstance(item, Uncheckable) else reqs).append(item)  # type: ignore[arg-type]
    keep, drop = _split_by_env(reqs, env)
    return ParsedInput(str(path), "Pipfile.lock", keep, tuple(unchecked), indexes, drop)


# --------------------------------------------------------------------------- discover

_LOCK_ORDER: tuple[tuple[str, InputKind], ...] = (
    ("uv.lock", "uv.lock"),
    ("poetry.lock", "poetry.lock"),
    ("pylock.toml", "pylock"),
    ("Pipfile.lock", "Pipfile.lock"),
)


def _kind_by_name(name: str) -> InputKind | None:
    for fname, kind in _LOCK_ORDER:
        if name == fname:
            return kind
    if re.fullmatch(r"pylock\.[^.]+\.toml", name):
        return "pylock"
    if name == "pyproject.toml":
        return "pyproject"
    if name.endswith((".txt", ".in")):
        return "requirements"
    return None


def _sniff(head: bytes, display: str) -> InputKind:
    """The kind of a dependency file whose name does not say it, from its first bytes."""
    text = head[:4096].decode("utf-8", "replace")
    if text.lstrip().startswith("{") and '"_meta"' in text:
        return "Pipfile.lock"
    if re.search(r"^lock-version\s*=", text, re.M) and "[[packages]]" in text:
        return "pylock"
    if re.search(r"^version\s*=\s*\d+\s*$", text, re.M) and "[[package]]" in text:
        return "uv.lock"
    if "@generated by Poetry" in text:
        return "poetry.lock"
    if re.search(r"^\[project\]", text, re.M):
        return "pyproject"
    raise InputError(
        f"{display}: unrecognised dependency file; expected requirements*.txt, pyproject.toml, "
        "uv.lock, poetry.lock, pylock.toml or Pipfile.lock"
    )


def parse_file(
    path: Path | str,
    env: Environment | None = None,
    *,
    extras: Iterable[str] = (),
    dev: bool = True,
    boundary: ProjectBoundary | None = None,
    named: bool = True,
) -> ParsedInput:
    """Parse one dependency file, recognised by its name or, failing that, its content.

    The file is read once (a FIFO or device the user ``named`` too), bounded by the
    size of its kind.
    """
    path = Path(path)
    display = printable(str(path))
    kind = _kind_by_name(path.name)
    data: bytes | None = None
    if kind is None:
        data = loader.read_file(path, limit=loader.MAX_LOCK_BYTES, what="a dependency file",
                                display=display, allow_special=named)
        kind = _sniff(data, display)
    if kind == "requirements":
        return parse_requirements(path, env, boundary=boundary, named=named)
    if kind == "pyproject":
        return parse_pyproject(path, env, extras, data=data, named=named)
    if kind == "uv.lock":
        return parse_uv_lock(path, env, extras, data=data, named=named)
    if kind == "poetry.lock":
        return parse_poetry_lock(path, env, extras, data=data, named=named)
    if kind == "pylock":
        return parse_pylock(path, env, extras, data=data, named=named)
    return parse_pipfile_lock(path, env, dev, data=data, named=named)


def _found(boundary: ProjectBoundary, path: Path) -> bool:
    """A regular file found in a project dir, checked against the boundary."""
    if not path.is_file():
        return False
    boundary.check(path, printable(str(path)))
    return True


def discover(
    path: Path | str,
    env: Environment | None = None,
    *,
    extras: Iterable[str] = (),
    dev: bool = True,
    boundary: ProjectBoundary | None = None,
) -> list[ParsedInput]:
    """Find and parse the dependency inputs of a project directory, or parse one file.

    In a directory a lockfile wins (the first of uv.lock, poetry.lock, pylock.toml,
    pylock.*.toml, Pipfile.lock): it gives exact versions of the whole transitive set,
    so requirements files and pyproject.toml are then not read and a note says so.
    Otherwise every top-level ``requirements*.txt`` (those not included by another)
    and a ``pyproject.toml`` with PEP 621 dependencies are parsed.  A file found in
    the directory (and every include) must lie inside ``boundary`` (default: the
    project around ``path``); one that leads outside is an :class:`InputError`.
    """
    path = Path(path)
    extras = tuple(extras)
    if boundary is None:
        boundary = loader.project_of(path)
    if path.is_file():
        return [parse_file(path, env, extras=extras, dev=dev, boundary=boundary)]
    if not path.is_dir():
        raise InputError(f"{printable(str(path))}: no such file or directory")
    locks = [path / f for f, _ in _LOCK_ORDER if (path / f).is_file()]
    locks[2:2] = sorted(p for p in path.glob("pylock.*.toml") if p.is_file())
    reqfiles = sorted(p for p in path.glob("requirements*.txt") if p.is_file())
    pyproject = path / "pyproject.toml"
    if locks:
        chosen = locks[0]
        _found(boundary, chosen)
        ignored = [p.name for p in locks[1:] + reqfiles] + (
            ["pyproject.toml"] if pyproject.is_file() else []
        )
        parsed = parse_file(chosen, env, extras=extras, dev=dev, boundary=boundary, named=False)
        if ignored:
            note = (
                f"using {chosen.name} (exact versions of the full dependency set); "
                f"not read: {excerpt(', '.join(ignored), 400)}"
            )
            parsed = dataclasses.replace(parsed, notes=(*parsed.notes, note))
        return [parsed]
    for p in reqfiles:
        _found(boundary, p)
    parsed_reqs = [parse_requirements(p, env, boundary=boundary, named=False) for p in reqfiles]
    included: set[str] = set()
    for p, pr in zip(reqfiles, parsed_reqs, strict=True):
        for r in (*pr.requirements, *pr.excluded):
            if Path(r.source_file).resolve() != p.resolve():
                included.add(str(Path(r.source_file).resolve()))
    results = [
        pr for p, pr in zip(reqfiles, parsed_reqs, strict=True) if str(p.resolve()) not in included
    ]
    if _found(boundary, pyproject):
        project_data = loader.read_file(pyproject, limit=loader.MAX_PYPROJECT_BYTES,
                                        what="a pyproject.toml",
                                        display=printable(str(pyproject)))
        doc = loader.load_toml(project_data, printable(str(pyproject)))
        if isinstance(doc.get("project"), dict) or not results:
            # (without [project] and nothing else to read, this raises: it says why)
            results.append(parse_pyproject(pyproject, env, extras, data=project_data,
                                           named=False))
    if not results:
        raise InputError(
            f"{printable(str(path))}: no Python dependency file found (requirements*.txt, "
            "pyproject.toml, uv.lock, poetry.lock, pylock.toml, Pipfile.lock)"
        )
    return results
