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
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
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

Environment = Mapping[str, "str | frozenset[str]"]
InputKind = Literal["requirements", "pyproject", "uv.lock", "poetry.lock", "pylock", "Pipfile.lock",
                    "site-packages"]

#: Inputs with exact versions of the full set (an installed environment is one too).
LOCKFILE_KINDS: frozenset[str] = frozenset({"uv.lock", "poetry.lock", "pylock", "Pipfile.lock",
                                            "site-packages"})


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
    try:
        parsed = Marker(marker)
    except InvalidMarker:
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
        where = f"{source}:{line}" if line is not None else source
        first = str(exc).splitlines()[0] if str(exc) else "invalid"
        raise InputError(f"{where}: invalid requirement {text!r}: {first}") from None
    if req.url:
        return Uncheckable(text, f"direct reference ({req.url})", source, line)
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


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: malformed TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _table_lines(path: Path, header: str) -> list[int]:
    """Line of each ``[[header]]`` entry's ``name = ...`` (its header line when not next).

    TOML keeps an array of tables in file order, so the i-th line is the i-th entry's.
    """
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    out = []
    for no, line in enumerate(lines, 1):
        if line.strip() == f"[[{header}]]":
            nxt = lines[no] if no < len(lines) else ""
            out.append(no + 1 if nxt.lstrip().startswith("name") else no)
    return out


def _nth(lines: Sequence[int], i: int) -> int | None:
    return lines[i] if i < len(lines) else None


def _filename(url_or_path: str) -> str:
    return unquote(urlparse(url_or_path).path.rsplit("/", 1)[-1])


def _need(cond: bool, path: Path, what: str) -> None:
    if not cond:
        raise InputError(f"{path}: malformed {what}")


# ---------------------------------------------------------------- requirements.txt

_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPT_SPLIT = re.compile(r"\s+(?=--?[A-Za-z])")
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


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations, strip comments: (first line number, text)."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for no, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = no
        # a comment ends the logical line even after a continuation
        line = _COMMENT.sub("", raw)
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        joined = " ".join(p.strip() for p in buf).strip()
        buf = []
        if joined:
            out.append((start, joined))
    if buf:
        joined = " ".join(p.strip() for p in buf).strip()
        if joined:
            out.append((start, joined))
    return out


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
    notes: list[str] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    constraints: list[Requirement] = field(default_factory=list)
    uncheckable: list[Uncheckable] = field(default_factory=list)
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)


def _parse_req_file(
    path: Path, state: _ReqState, stack: tuple[Path, ...], constraint: bool
) -> None:
    real = path.resolve()
    if real in stack:
        chain = " -> ".join(str(p) for p in (*stack[stack.index(real) :], real))
        raise InputError(f"{path}: include cycle: {chain}")
    key = real if not constraint else Path(str(real) + "#c")
    if key in state.seen:
        return
    state.seen.add(key)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        where = f"{stack[-1]}: " if stack else ""
        raise InputError(f"{where}cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    stack = (*stack, real)
    src = str(path)
    for no, line in _logical_lines(text):
        where = f"{src}:{no}"
        token, _, rest = line.partition(" ")
        if token.startswith("-"):
            inc = _split_option(token, rest, _INCLUDE)
            if inc:
                if not inc[1]:
                    raise InputError(f"{where}: {inc[0]} needs a file name")
                target = path.parent / inc[1]
                _parse_req_file(target, state, stack, constraint or _INCLUDE[inc[0]] == "c")
                continue
            idx = _split_option(token, rest, _INDEX)
            if idx:
                if not idx[1] or " " in idx[1]:
                    raise InputError(f"{where}: {idx[0]} needs one URL")
                if _INDEX[idx[0]] == "i":
                    state.index_url = idx[1]
                elif idx[1] not in state.extra_index_urls:
                    state.extra_index_urls.append(idx[1])
                continue
            ed = _split_option(token, rest, _EDITABLE)
            if ed:
                state.uncheckable.append(Uncheckable(line, "editable install", src, no))
                continue
            opt = token.split("=", 1)[0]
            if opt in ("--only-binary", "--no-binary"):
                value = (token.split("=", 1)[1] if "=" in token else rest).strip()
                state.notes.append(_binary_note(where, opt, value))
                continue
            if opt in _GLOBAL_FLAGS or opt in _GLOBAL_WITH_ARG:
                continue
            raise InputError(f"{where}: unknown option {opt!r}")
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
                    raise InputError(f"{where}: malformed --hash {value!r}")
                hashes.append(value)
            elif name not in _PER_REQ_WITH_ARG:
                raise InputError(f"{where}: unknown option {name!r} after a requirement")
        if (
            _URLISH.match(spec)
            or spec.startswith((".", "/", "~"))
            or _ARCHIVE.search(spec.split(";")[0].strip())
        ):
            state.uncheckable.append(Uncheckable(spec, "URL or local path", src, no))
            continue
        item = _from_pep508(spec, src, no, hashes=hashes)
        if isinstance(item, Uncheckable):
            state.uncheckable.append(item)
        elif constraint:
            state.constraints.append(item)
        else:
            state.requirements.append(item)


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


def parse_requirements(path: Path | str, env: Environment | None = None) -> ParsedInput:
    """Parse a pip requirements file and everything it includes."""
    path = Path(path)
    state = _ReqState()
    _parse_req_file(path, state, (), constraint=False)
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


def _line_of(text_lines: Sequence[str], needle: str) -> int | None:
    for quote in ('"', "'"):
        q = f"{quote}{needle}{quote}"
        for no, line in enumerate(text_lines, 1):
            if q in line:
                return no
    return None


def parse_pyproject(
    path: Path | str, env: Environment | None = None, extras: Iterable[str] = ()
) -> ParsedInput:
    """PEP 621 ``[project] dependencies`` plus the selected extras (``"*"``: all)."""
    path = Path(path)
    data = _load_toml(path)
    project = data.get("project")
    if not isinstance(project, dict):
        tool = data.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        if isinstance(poetry, dict) and "dependencies" in poetry:
            raise InputError(f"{path}: no [project] table (PEP 621); Poetry's "
                             f"[tool.poetry.dependencies] are not read: check the project's "
                             f"poetry.lock (poetry lock writes it)")
        raise InputError(f"{path}: no [project] table (PEP 621): cannot read dependencies")
    lines = path.read_text(encoding="utf-8").splitlines()
    notes: list[str] = []
    if "dependencies" in project.get("dynamic", []):
        notes.append(f"{path}: dependencies are dynamic (set by the build backend): not read")
    deps = project.get("dependencies", [])
    optional = project.get("optional-dependencies", {})
    _need(isinstance(deps, list), path, "[project] dependencies (expected a list)")
    _need(isinstance(optional, dict), path, "[project.optional-dependencies]")
    wanted = {canonicalize_name(e) for e in extras if e != "*"}
    known = {canonicalize_name(k): k for k in optional}
    if "*" in extras:
        wanted = set(known)
    unknown = wanted - set(known)
    if unknown:
        raise InputError(
            f"{path}: unknown extra(s) {', '.join(sorted(unknown))}; "
            f"defined: {', '.join(sorted(known)) or 'none'}"
        )
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    texts = [(d, None) for d in deps] + [(d, e) for e in sorted(wanted) for d in optional[known[e]]]
    for text, _extra in texts:
        _need(isinstance(text, str), path, "dependency (expected a string)")
        item = _from_pep508(text, str(path), _line_of(lines, text))
        (unchecked if isinstance(item, Uncheckable) else reqs).append(item)  # type: ignore[arg-type]
    keep, drop = _split_by_env(reqs, env, extras=wanted)
    left = sorted(k for n, k in known.items() if n not in wanted)
    if left:
        notes.append(f"optional dependencies not checked: {', '.join(left)} (select them with "
                     f"--extra NAME, or --extra '*' for all)")
    return ParsedInput(
        str(path), "pyproject", keep, tuple(unchecked), excluded=drop, notes=tuple(notes)
    )


# -------------------------------------------------------------------------- uv.lock


def _uv_edges(value: Any) -> list[dict[str, Any]]:
    return [e for e in value if isinstance(e, dict) and "name" in e] \
        if isinstance(value, list) else []


def _uv_reachable(
    pkgs: Sequence[dict[str, Any]],
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
    """
    by_name: dict[str, list[int]] = {}
    for i, p in enumerate(pkgs):
        by_name.setdefault(canonicalize_name(p["name"]), []).append(i)
    workspace = {canonicalize_name(m) for m in members if isinstance(m, str)}
    roots: list[int] = []
    for i, p in enumerate(pkgs):
        source = p.get("source")
        if not isinstance(source, dict) or not ({"editable", "virtual"} & set(source)):
            continue
        if canonicalize_name(p["name"]) in workspace or "." in (
            source.get("editable"), source.get("virtual")
        ):
            roots.append(i)
    if not roots:
        return None
    wanted = {canonicalize_name(e) for e in extras}
    seen: dict[int, set[str]] = {}
    todo: list[tuple[int, frozenset[str]]] = []
    for r in roots:
        # no extras selected: all of the project's (what it may install is checked)
        root_extras = set(pkgs[r].get("optional-dependencies") or {}) \
            if "*" in wanted or not wanted else wanted
        todo.append((r, frozenset(canonicalize_name(e) for e in root_extras)))
    while todo:
        i, active = todo.pop()
        before = seen.get(i)
        if before is not None and active <= before:
            continue
        seen[i] = (before or set()) | set(active)
        p = pkgs[i]
        edges = _uv_edges(p.get("dependencies"))
        optional = p.get("optional-dependencies") or {}
        if isinstance(optional, dict):
            for extra, deps in optional.items():
                if canonicalize_name(extra) in active:
                    edges += _uv_edges(deps)
        if i in roots:
            groups = p.get("dev-dependencies") or {}
            if isinstance(groups, dict):
                for deps in groups.values():
                    edges += _uv_edges(deps)
        for e in edges:
            marker = e.get("marker")
            # uv's conflict markers name encoded extras (extra == 'extra-5-app-cpu'): any
            # extra a marker names may be the one installed, so only its platform part counts
            named = re.findall(r"""extra\s*==\s*['"]([^'"]+)['"]""", marker or "")
            if not _marker_applies(marker, env, extras=(*active, *named)):
                continue
            targets = by_name.get(canonicalize_name(e["name"]), [])
            if "version" in e:
                targets = [t for t in targets if pkgs[t].get("version") == e["version"]] \
                    or targets
            edge_extras = e.get("extra", [])
            ex = frozenset(canonicalize_name(x) for x in edge_extras
                           if isinstance(x, str)) if isinstance(edge_extras, list) else frozenset()
            todo.extend((t, ex) for t in targets)
    return set(seen)


def parse_uv_lock(
    path: Path | str, env: Environment | None = None, extras: Iterable[str] = ()
) -> ParsedInput:
    """``uv.lock``: every ``[[package]]`` from a registry, with its files and hashes.

    The project itself (an editable/virtual source at ``.``) is left out.  A package
    locked in several versions (``resolution-markers``) carries those markers joined by
    ``or``.  With an environment, only the packages reachable from the project through
    dependency edges whose markers hold there are kept (see :func:`_uv_reachable`); the
    others are ``excluded``.
    """
    path = Path(path)
    data = _load_toml(path)
    _need(isinstance(data.get("version"), int), path, "uv.lock (no integer `version`)")
    pkgs = data.get("package", [])
    _need(isinstance(pkgs, list), path, "uv.lock ([[package]] expected)")
    for p in pkgs:
        _need(isinstance(p, dict) and "name" in p, path, "uv.lock package (no name)")
    manifest = data.get("manifest")
    members = manifest.get("members", []) if isinstance(manifest, dict) else []
    reachable = (
        _uv_reachable(pkgs, env, extras, members if isinstance(members, list) else [])
        if env is not None
        else None
    )
    reqs: list[Requirement] = []
    unreached: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    indexes: list[str] = []
    at = _table_lines(path, "package")
    at = at if len(at) == len(pkgs) else []
    for i, p in enumerate(pkgs):
        name = canonicalize_name(p["name"])
        source = p.get("source", {})
        registry = source.get("registry") if isinstance(source, dict) else None
        if reachable is not None and i not in reachable:
            if registry is not None:
                version = p.get("version")
                unreached.append(Requirement(name, version, f"=={version}" if version else "",
                                             None, (), str(path), _nth(at, i),
                                             index_url=registry))
            continue
        if registry is None:
            kind, where = next(iter(source.items()), ("unknown", "?"))
            if kind in ("editable", "virtual") and where == ".":
                continue  # the project being locked
            unchecked.append(
                Uncheckable(f"{name} ({kind} = {where})", f"{kind} source", str(path),
                            _nth(at, i))
            )
            continue
        if registry not in indexes:
            indexes.append(registry)
        dists = [*p.get("wheels", []), *([p["sdist"]] if "sdist" in p else [])]
        files = tuple(
            _filename(d.get("url") or d.get("path") or d.get("filename", "")) for d in dists
        )
        hashes = tuple(d["hash"] for d in dists if "hash" in d)
        rm = p.get("resolution-markers")
        marker = " or ".join(f"({m})" for m in rm) if rm else None
        version = p.get("version")
        reqs.append(
            Requirement(
                name,
                version,
                f"=={version}" if version else "",
                marker,
                (),
                str(path),
                _nth(at, i),
                hashes,
                registry,
                files,
            )
        )
    keep, drop = _split_by_env(reqs, env)
    return ParsedInput(
        str(path), "uv.lock", keep, tuple(unchecked), tuple(indexes), (*drop, *unreached)
    )


# ----------------------------------------------------------------------- poetry.lock


def parse_poetry_lock(
    path: Path | str, env: Environment | None = None, extras: Iterable[str] = ()
) -> ParsedInput:
    """``poetry.lock``: every ``[[package]]`` with its version, files and markers."""
    path = Path(path)
    data = _load_toml(path)
    _need(isinstance(data.get("metadata"), dict), path, "poetry.lock (no [metadata])")
    pkgs = data.get("package", [])
    _need(isinstance(pkgs, list), path, "poetry.lock ([[package]] expected)")
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    indexes: list[str] = []
    at = _table_lines(path, "package")
    at = at if len(at) == len(pkgs) else []
    for i, p in enumerate(pkgs):
        _need(isinstance(p, dict) and "name" in p and "version" in p, path, "poetry.lock package")
        name = canonicalize_name(p["name"])
        source = p.get("source") or {}
        stype = source.get("type")
        url: str | None = None
        if stype == "legacy":
            url = source.get("url")
            if url and url not in indexes:
                indexes.append(url)
        elif stype is not None:
            unchecked.append(
                Uncheckable(
                    f"{name} ({stype} {source.get('url', '')})".strip(),
                    f"{stype} source",
                    str(path),
                    _nth(at, i),
                )
            )
            continue
        markers = p.get("markers")
        if isinstance(markers, dict):  # per-group markers: any group's marker may apply
            vals = [str(v) for v in markers.values()]
            marker = " or ".join(f"({v})" for v in vals) if vals else None
        else:
            marker = markers
        files = tuple(f.get("file", "") for f in p.get("files", []))
        hashes = tuple(f["hash"] for f in p.get("files", []) if "hash" in f)
        reqs.append(
            Requirement(
                name,
                p["version"],
                f"=={p['version']}",
                marker,
                (),
                str(path),
                _nth(at, i),
                hashes,
                url,
                files,
            )
        )
    keep, drop = _split_by_env(reqs, env, extras=extras)
    return ParsedInput(str(path), "poetry.lock", keep, tuple(unchecked), tuple(indexes), drop)


# ------------------------------------------------------------------ pylock.toml (PEP 751)


def parse_pylock(
    path: Path | str, env: Environment | None = None, extras: Iterable[str] = ()
) -> ParsedInput:
    """PEP 751 ``pylock.toml``: ``[[packages]]`` with wheels/sdist and markers."""
    path = Path(path)
    data = _load_toml(path)
    lv = data.get("lock-version")
    _need(isinstance(lv, str), path, "pylock.toml (no lock-version)")
    if not str(lv).startswith("1."):
        raise InputError(f"{path}: unsupported pylock lock-version {lv} (expected 1.x)")
    pkgs = data.get("packages", [])
    _need(isinstance(pkgs, list), path, "pylock.toml ([[packages]] expected)")
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    indexes: list[str] = []
    at = _table_lines(path, "packages")
    at = at if len(at) == len(pkgs) else []
    for i, p in enumerate(pkgs):
        _need(isinstance(p, dict) and "name" in p, path, "pylock.toml package (no name)")
        name = canonicalize_name(p["name"])
        for kind in ("vcs", "directory", "archive"):
            if kind in p:
                ref = p[kind].get("url") or p[kind].get("path", "")
                if kind == "directory" and ref == ".":
                    break  # the project being locked
                unchecked.append(
                    Uncheckable(f"{name} ({kind} {ref})", f"{kind} source", str(path),
                                _nth(at, i))
                )
                break
        else:
            index = p.get("index")
            if index and index not in indexes:
                indexes.append(index)
            dists = [*p.get("wheels", []), *([p["sdist"]] if "sdist" in p else [])]
            files = tuple(
                d.get("name") or _filename(d.get("url") or d.get("path", "")) for d in dists
            )
            hashes = tuple(f"{a}:{h}" for d in dists for a, h in d.get("hashes", {}).items())
            version = p.get("version")
            reqs.append(
                Requirement(
                    name,
                    version,
                    f"=={version}" if version else "",
                    p.get("marker"),
                    (),
                    str(path),
                    _nth(at, i),
                    hashes,
                    index,
                    files,
                )
            )
    keep, drop = _split_by_env(reqs, env, extras=extras, lock_file=True)
    return ParsedInput(str(path), "pylock", keep, tuple(unchecked), tuple(indexes), drop)


# ----------------------------------------------------------------------- Pipfile.lock


def parse_pipfile_lock(
    path: Path | str, env: Environment | None = None, dev: bool = True
) -> ParsedInput:
    """``Pipfile.lock`` (JSON): ``default`` (and ``develop`` when *dev*) sections."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: malformed JSON: {exc.msg}") from None
    _need(isinstance(data, dict) and "_meta" in data, path, "Pipfile.lock (no _meta)")
    sources = {
        s.get("name"): s.get("url") for s in data["_meta"].get("sources", []) if isinstance(s, dict)
    }
    indexes = tuple(u for u in sources.values() if u)
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    at: dict[tuple[str, str], int] = {}  # (section, key) -> line, as pipenv indents
    current = None
    for no, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r'( *)"([^"]+)":\s*\{', text)
        if m and len(m[1]) == 4:
            current = m[2]
        elif m and len(m[1]) == 8 and current is not None:
            at.setdefault((current, m[2]), no)
    for section in ("default", "develop") if dev else ("default",):
        entries = data.get(section, {})
        _need(isinstance(entries, dict), path, f"Pipfile.lock section {section!r}")
        for raw_name, e in entries.items():
            _need(isinstance(e, dict), path, f"Pipfile.lock entry {raw_name!r}")
            name = canonicalize_name(raw_name)
            kind = next(
                (k for k in ("git", "hg", "svn", "path", "file", "editable") if k in e), None
            )
            line = at.get((section, raw_name))
            if kind or "version" not in e:
                unchecked.append(
                    Uncheckable(
                        f"{raw_name} ({section})", f"{kind or 'unpinned'} entry", str(path), line
                    )
                )
                continue
            try:
                spec = SpecifierSet(e["version"])
            except InvalidSpecifier:
                if str(e["version"]).strip() != "*":
                    raise InputError(f"{path}: {raw_name}: bad version {e['version']!r}") \
                        from None
                # pipenv writes "*" for what it did not lock (a package whose marker
                # excluded the platform it locked on, e.g. pywin32 from a Linux machine)
                unchecked.append(
                    Uncheckable(f"{raw_name} ({section})",
                                'not locked ("version": "*")', str(path), line)
                )
                continue
            index = sources.get(e.get("index")) if e.get("index") else None
            reqs.append(
                Requirement(
                    name,
                    _pin(spec),
                    str(spec),
                    e.get("markers"),
                    tuple(sorted(e.get("extras", []))),
                    str(path),
                    line,
                    tuple(e.get("hashes", [])),
                    index,
                )
            )
    keep, drop = _split_by_env(reqs, env)
    return ParsedInput(str(path), "Pipfile.lock", keep, tuple(unchecked), indexes, drop)


# --------------------------------------------------------------------------- discover

_LOCK_ORDER: tuple[tuple[str, InputKind], ...] = (
    ("uv.lock", "uv.lock"),
    ("poetry.lock", "poetry.lock"),
    ("pylock.toml", "pylock"),
    ("Pipfile.lock", "Pipfile.lock"),
)


def _kind_of(path: Path) -> InputKind:
    name = path.name
    for fname, kind in _LOCK_ORDER:
        if name == fname:
            return kind
    if re.fullmatch(r"pylock\.[^.]+\.toml", name):
        return "pylock"
    if name == "pyproject.toml":
        return "pyproject"
    if name.endswith((".txt", ".in")):
        return "requirements"
    # sniff content
    try:
        head = path.read_bytes()[:4096]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    text = head.decode("utf-8", "replace")
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
        f"{path}: unrecognised dependency file; expected requirements*.txt, pyproject.toml, "
        "uv.lock, poetry.lock, pylock.toml or Pipfile.lock"
    )


def parse_file(
    path: Path | str,
    env: Environment | None = None,
    *,
    extras: Iterable[str] = (),
    dev: bool = True,
) -> ParsedInput:
    """Parse one dependency file, recognised by its name or, failing that, its content."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    kind = _kind_of(path)
    if kind == "requirements":
        return parse_requirements(path, env)
    if kind == "pyproject":
        return parse_pyproject(path, env, extras)
    if kind == "uv.lock":
        return parse_uv_lock(path, env, extras)
    if kind == "poetry.lock":
        return parse_poetry_lock(path, env, extras)
    if kind == "pylock":
        return parse_pylock(path, env, extras)
    return parse_pipfile_lock(path, env, dev)


def discover(
    path: Path | str,
    env: Environment | None = None,
    *,
    extras: Iterable[str] = (),
    dev: bool = True,
) -> list[ParsedInput]:
    """Find and parse the dependency inputs of a project directory, or parse one file.

    In a directory a lockfile wins (the first of uv.lock, poetry.lock, pylock.toml,
    pylock.*.toml, Pipfile.lock): it gives exact versions of the whole transitive set,
    so requirements files and pyproject.toml are then not read and a note says so.
    Otherwise every top-level ``requirements*.txt`` (those not included by another)
    and a ``pyproject.toml`` with PEP 621 dependencies are parsed.
    """
    path = Path(path)
    extras = tuple(extras)
    if path.is_file():
        return [parse_file(path, env, extras=extras, dev=dev)]
    if not path.is_dir():
        raise InputError(f"{path}: no such file or directory")
    locks = [path / f for f, _ in _LOCK_ORDER if (path / f).is_file()]
    locks[2:2] = sorted(p for p in path.glob("pylock.*.toml") if p.is_file())
    reqfiles = sorted(p for p in path.glob("requirements*.txt") if p.is_file())
    pyproject = path / "pyproject.toml"
    if locks:
        chosen = locks[0]
        ignored = [p.name for p in locks[1:] + reqfiles] + (
            ["pyproject.toml"] if pyproject.is_file() else []
        )
        parsed = parse_file(chosen, env, extras=extras, dev=dev)
        if ignored:
            note = (
                f"using {chosen.name} (exact versions of the full dependency set); "
                f"not read: {', '.join(ignored)}"
            )
            parsed = dataclasses.replace(parsed, notes=(*parsed.notes, note))
        return [parsed]
    results: list[ParsedInput] = []
    parsed_reqs = [parse_requirements(p, env) for p in reqfiles]
    included: set[str] = set()
    for p, pr in zip(reqfiles, parsed_reqs, strict=True):
        for r in (*pr.requirements, *pr.excluded):
            if Path(r.source_file).resolve() != p.resolve():
                included.add(str(Path(r.source_file).resolve()))
    results = [
        pr for p, pr in zip(reqfiles, parsed_reqs, strict=True) if str(p.resolve()) not in included
    ]
    if pyproject.is_file():
        data = _load_toml(pyproject)
        if isinstance(data.get("project"), dict):
            results.append(parse_pyproject(pyproject, env, extras))
    if not results and pyproject.is_file():
        parse_pyproject(pyproject, env, extras)  # raises: says why it has no dependencies
    if not results:
        raise InputError(
            f"{path}: no Python dependency file found (requirements*.txt, pyproject.toml, "
            "uv.lock, poetry.lock, pylock.toml, Pipfile.lock)"
        )
    return results
