"""Poetry's own tables in ``pyproject.toml``, for a project without a ``poetry.lock``.

``[tool.poetry.dependencies]``, ``[tool.poetry.group.NAME.dependencies]`` (and the old
``[tool.poetry.dev-dependencies]``, the group ``dev``) become requirements like those
of a requirements file: unpinned ones are resolved with uv and checked at the resolved
versions.  Poetry's version syntax becomes PEP 440 (:func:`poetry_specifier`): ``^1.2``
is ``>=1.2,<2.0``, ``~1.2`` is ``>=1.2,<1.3``, ``1.2.*`` is ``==1.2.*``, a bare
``1.2.3`` is ``==1.2.3``.  A dependency's table gives ``version``, ``extras``,
``markers``, ``python`` (a marker on ``python_full_version``), ``platform`` (one on
``sys_platform``), ``optional`` (installed only with an extra of
``[tool.poetry.extras]`` that names it) and ``source`` (a ``[[tool.poetry.source]]``:
its URL is the index); a list of tables is one requirement per table (their markers
tell them apart).  ``git``, ``path`` and ``url`` dependencies name no index release:
unchecked.  Groups are checked unless ``--no-dev`` (``poetry install --only main``);
an ``optional = true`` group is not installed by default and is left out (a note says
so).  The ``python`` entry is the project's own Python range, not a dependency.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from ...errors import InputError, NothingToRead
from ...guard import excerpt
from .. import loader
from ..markers import Environment, split_by_env
from ..requirement import ParsedInput, Requirement, Uncheckable, pin
from ..shape import Doc, key_path
from .base import Context, Ecosystem, FileSource, InputFile, Loaded, Role, count, read
from .pyproject import WHAT, left_out_note, poetry_owns, select_extras

_VERSION = re.compile(r"\d+(?:\.\d+)*")
_OPERATOR = re.compile(r"^(===|==|!=|<=|>=|~=|<|>|=)?\s*(.+)$")


def _caret(v: str) -> str:
    """``^1.2.3`` -> ``>=1.2.3,<2.0.0``: the left-most non-zero part may not change."""
    parts = [int(x) for x in v.split(".")]
    first = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
    upper = [*parts[:first], parts[first] + 1]
    upper += [0] * (len(parts) - len(upper))
    return f">={v},<{'.'.join(map(str, upper))}"


def _tilde(v: str) -> str:
    """``~1.2.3`` -> ``>=1.2.3,<1.3.0``; ``~1`` -> ``>=1,<2``."""
    parts = [int(x) for x in v.split(".")]
    keep = 1 if len(parts) == 1 else 2
    upper = [*parts[: keep - 1], parts[keep - 1] + 1]
    upper += [0] * (len(parts) - len(upper))
    return f">={v},<{'.'.join(map(str, upper))}"


def _one(term: str) -> str:
    """One Poetry constraint (no commas) as a PEP 440 specifier (``""``: any version)."""
    term = term.strip()
    if term in ("*", ""):
        return ""
    if term[0] == "^" and _VERSION.fullmatch(term[1:].strip()):
        return _caret(term[1:].strip())
    if term[0] == "~" and term[1:2] != "=" and _VERSION.fullmatch(term[1:].strip()):
        return _tilde(term[1:].strip())
    m = _OPERATOR.match(term)
    if m is None:  # pragma: no cover - the pattern matches any non-empty text
        raise ValueError(term)
    op, version = m[1] or "==", m[2].strip()
    if op == "=":
        op = "=="
    if version.endswith(".*") and op not in ("==", "!="):
        version = version[:-2]  # ">=1.2.*" means ">=1.2"
    return f"{op}{version}"


def poetry_specifier(constraint: str) -> tuple[str, bool]:
    """(a PEP 440 specifier, whether it had to be widened) for a Poetry constraint.

    ``,`` (or a space between terms) is *and*; ``||`` (or ``|``) is *or*, which no
    PEP 440 specifier can say: the constraint is widened to any version.  A term that
    is neither Poetry's nor PEP 440's is a :class:`ValueError`.
    """
    if "|" in constraint:
        for alternative in re.split(r"\|\|?", constraint):
            poetry_specifier(alternative)  # each must be valid
        return "", True
    terms = [t for t in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", constraint.strip()) if t]
    spec = ",".join(s for s in (_one(t) for t in terms) if s)
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        raise ValueError(constraint) from None
    return spec, False


def _python_marker(constraint: str) -> str:
    spec, widened = poetry_specifier(constraint)
    if widened or not spec:
        return ""
    return " and ".join(
        f'python_full_version {s.operator} "{s.version}"' for s in SpecifierSet(spec)
    )


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """(table, key) -> the line a dependency is on, for ``key = …`` and ``[table.key]``."""
    out: dict[tuple[str, str], int] = {}
    table = ""
    for no, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*\[+\s*([^\]]+?)\s*\]+\s*(?:#.*)?$", line)
        if m:
            table = re.sub(r"\s*\.\s*", ".", m[1]).replace('"', "")
            head, _, key = table.rpartition(".")
            if head:
                out.setdefault((head, key), no)
            continue
        m = re.match(r'\s*"?([A-Za-z0-9_.\-]+)"?\s*=', line)
        if m:
            out.setdefault((table, m[1]), no)
    return out


class _Reader:
    """The requirements of one pyproject's Poetry tables."""

    def __init__(self, src: Loaded, document: Mapping[str, Any]) -> None:
        self.src = src
        self.doc = Doc(src.display, "TOML")
        self.poetry: dict[str, Any] = document["tool"]["poetry"]
        self.lines = _key_lines(src.text)
        self.sources: dict[str, str] = {}
        self.default_index: str | None = None
        self.notes: list[str] = []
        self.reqs: list[Requirement] = []
        self.unchecked: list[Uncheckable] = []
        for i, s in enumerate(self.doc.get(self.poetry, "source", "tool.poetry", list, [])):
            at = key_path("tool.poetry.source", i)
            s = self.doc.check(s, at, dict)
            name, url = self.doc.opt(s, "name", at, str), self.doc.opt(s, "url", at, str)
            if name is None or not url:
                continue
            self.sources[name] = url
            priority = self.doc.opt(s, "priority", at, str)
            if self.default_index is None and (
                priority in ("primary", "default") or self.doc.opt(s, "default", at, bool)
            ):
                self.default_index = url

    def table(self, table: Mapping[str, Any], where: str, optional_ok: frozenset[str]) -> None:
        """Each dependency of one table (``optional_ok``: optional ones asked for)."""
        for raw_name, spec in table.items():
            if raw_name.lower() == "python" and where == "tool.poetry.dependencies":
                continue  # the project's own Python range
            line = self.lines.get((where, raw_name))
            entries = spec if isinstance(spec, list) else [spec]
            for i, entry in enumerate(entries):
                at = (
                    key_path(where, raw_name)
                    if len(entries) == 1
                    else key_path(key_path(where, raw_name), i)
                )
                self.entry(raw_name, entry, at, line, optional_ok)

    def entry(
        self, raw_name: str, entry: Any, at: str, line: int | None, optional_ok: frozenset[str]
    ) -> None:
        """One dependency: a constraint string, or a table."""
        doc, path = self.doc, str(self.src.path)
        name = canonicalize_name(raw_name)
        if isinstance(entry, str):
            entry = {"version": entry}
        entry = doc.check(entry, at, dict)
        kind = next((k for k in ("git", "path", "url", "file") if k in entry), None)
        if kind is not None:
            ref = doc.get(entry, kind, at, str, "")
            self.unchecked.append(
                Uncheckable(
                    f"{excerpt(raw_name)} ({kind} {excerpt(ref, 200)})",
                    f"{kind} dependency",
                    path,
                    line,
                )
            )
            return
        if doc.get(entry, "optional", at, bool, False) and name not in optional_ok:
            return
        constraint = doc.get(entry, "version", at, str, "*")
        try:
            spec, widened = poetry_specifier(constraint)
        except ValueError:
            raise InputError(
                f"{self.src.display}:{line or 1}: {excerpt(raw_name)}: bad "
                f"version '{excerpt(constraint)}'"
            ) from None
        if widened:
            self.notes.append(
                f"{excerpt(raw_name)} = '{excerpt(constraint)}': an 'or' of "
                f"versions has no PEP 440 form; checked as any version"
            )
        markers = [doc.get(entry, "markers", at, str, "")]
        python = doc.get(entry, "python", at, str, "")
        if python:
            markers.append(_python_marker(python))
        platform = doc.get(entry, "platform", at, str, "")
        if platform:
            markers.append(f'sys_platform == "{platform}"')
        marker = " and ".join(f"({m})" for m in markers if m) or None
        extras = doc.strings(doc.get(entry, "extras", at, list, []), key_path(at, "extras"))
        source = doc.opt(entry, "source", at, str)
        index = self.sources.get(source) if source else self.default_index
        self.reqs.append(
            Requirement(
                name,
                pin(SpecifierSet(spec)),
                spec,
                marker,
                tuple(sorted(extras)),
                path,
                line,
                index_url=index,
            )
        )


def parse_poetry_tables(
    path: Path | str,
    env: Environment | None = None,
    extras: Iterable[str] = (),
    dev: bool = True,
    *,
    data: bytes | None = None,
    named: bool = True,
) -> ParsedInput:
    """The dependencies Poetry's tables name, for the target and the groups asked for."""
    path = Path(path)
    src = read(path, loader.MAX_PYPROJECT_BYTES, WHAT, named=named, data=data)
    document = loader.load_toml(src.data, src.display)
    if not poetry_owns(document):
        raise NothingToRead(
            f"{src.display}: no [tool.poetry.dependencies] table: cannot read dependencies"
        )
    reader = _Reader(src, document)
    doc, poetry = reader.doc, reader.poetry
    defined = doc.get(poetry, "extras", "tool.poetry", dict, {})
    for extra, items in defined.items():
        doc.strings(items, key_path("tool.poetry.extras", extra))
    wanted, known = select_extras(src.display, defined, extras)
    optional_ok = frozenset(canonicalize_name(n) for e in wanted for n in defined[known[e]])
    reader.table(
        doc.get(poetry, "dependencies", "tool.poetry", dict, {}),
        "tool.poetry.dependencies",
        optional_ok,
    )
    groups: list[tuple[str, Mapping[str, Any], str]] = []
    legacy = doc.get(poetry, "dev-dependencies", "tool.poetry", dict, {})
    if legacy:
        groups.append(("dev", legacy, "tool.poetry.dev-dependencies"))
    skipped: list[str] = []
    for group, table in doc.get(poetry, "group", "tool.poetry", dict, {}).items():
        at = key_path("tool.poetry.group", group)
        table = doc.check(table, at, dict)
        if doc.get(table, "optional", at, bool, False):
            skipped.append(group)
            continue
        groups.append(
            (
                group,
                doc.get(table, "dependencies", at, dict, {}),
                f"tool.poetry.group.{group}.dependencies",
            )
        )
    for _group, table, where in groups if dev else ():
        reader.table(table, where, optional_ok)
    count(len(reader.reqs) + len(reader.unchecked), src, "dependencies")
    keep, drop = split_by_env(reader.reqs, env, extras=wanted)
    notes = [
        f"{src.display}: read from Poetry's [tool.poetry.dependencies] tables (no "
        f"poetry.lock: versions are resolved, not locked)",
        *reader.notes,
    ]
    if groups and not dev:
        notes.append(
            f"groups left out (--no-dev): {excerpt(', '.join(g for g, _t, _w in groups), 200)}"
        )
    if skipped:
        notes.append(
            f"optional groups not checked: {excerpt(', '.join(skipped), 200)} "
            f"(poetry install --with NAME installs them)"
        )
    note = left_out_note(known, wanted)
    if note:
        notes.append(note)
    return ParsedInput(
        str(path),
        "pyproject",
        keep,
        tuple(reader.unchecked),
        tuple(dict.fromkeys(reader.sources.values())),
        drop,
        tuple(dict.fromkeys(notes)),
    )


class PoetryTables(FileSource):
    """Poetry's dependency tables in a ``pyproject.toml`` (when no ``poetry.lock`` is)."""

    name: ClassVar[str] = "pyproject.toml"
    ecosystem: ClassVar[Ecosystem] = "python"
    role: ClassVar[Role] = Role.MANIFEST
    names: ClassVar[tuple[str, ...]] = ("pyproject.toml",)

    def sniff(self, head: str) -> bool:
        """A ``[tool.poetry…]`` table."""
        return re.search(r"^\[tool\.poetry[.\]]", head, re.M) is not None

    def claims(self, file: InputFile) -> bool:
        """A pyproject whose dependencies are Poetry's (see :func:`.pyproject.poetry_owns`)."""
        return poetry_owns(file.toml(loader.MAX_PYPROJECT_BYTES, WHAT))

    def parse(self, file: InputFile, context: Context) -> ParsedInput:
        """The main dependencies, the groups (unless --no-dev) and the extras asked for."""
        return parse_poetry_tables(
            file.path, context.env, context.extras, context.dev, data=file.data, named=file.named
        )


SOURCE = PoetryTables()
