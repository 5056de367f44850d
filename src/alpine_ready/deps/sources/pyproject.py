"""``pyproject.toml``, PEP 621: ``[project] dependencies`` and ``optional-dependencies``.

A ``pyproject.toml`` whose dependencies are Poetry's own tables is
:mod:`.poetry_tables`' (see :func:`poetry_owns`); one with neither is nothing to read
(:class:`~alpine_ready.errors.NothingToRead`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

from ...errors import InputError, NothingToRead
from ...guard import excerpt
from .. import loader
from ..markers import Environment, split_by_env
from ..requirement import ParsedInput, Requirement, Uncheckable, from_pep508
from ..shape import Doc, key_path
from .base import Context, Ecosystem, FileSource, InputFile, Role, count, read

WHAT = "a pyproject.toml"


def quoted_lines(text: str) -> dict[str, int]:
    """Each quoted string of ``text`` -> the first line it is on (double quotes first)."""
    out: dict[str, int] = {}
    for quote in ('"', "'"):
        for no, line in enumerate(text.splitlines(), 1):
            if quote not in line:
                continue
            for m in re.finditer(rf"{quote}([^{quote}\n]*){quote}", line):
                out.setdefault(m[1], no)
    return out


def select_extras(
    display: str, defined: Iterable[str], extras: Iterable[str]
) -> tuple[set[str], dict[str, str]]:
    """(the normalised extras asked for, normalised -> as defined); unknown ones an error."""
    extras = tuple(extras)
    known: dict[str, str] = {canonicalize_name(k): k for k in defined}
    wanted: set[str] = set(known) if "*" in extras else {canonicalize_name(e) for e in extras}
    unknown = wanted - set(known)
    if unknown:
        raise InputError(
            f"{display}: unknown extra(s) {excerpt(', '.join(sorted(unknown)), 200)}; "
            f"defined: {excerpt(', '.join(sorted(known)), 200) or 'none'}"
        )
    return wanted, known


def left_out_note(known: Mapping[str, str], wanted: set[str]) -> str | None:
    """The note naming the optional groups not checked, if any."""
    left = sorted(k for n, k in known.items() if n not in wanted)
    if not left:
        return None
    return (
        f"optional dependencies not checked: {excerpt(', '.join(left), 200)} "
        f"(select them with --extra NAME, or --extra '*' for all)"
    )


def poetry_owns(document: Mapping[str, Any]) -> bool:
    """Whether the dependencies of a pyproject are Poetry's ``[tool.poetry.dependencies]``.

    So when there is no ``[project]`` table, or it has no ``dependencies`` (or says
    they are ``dynamic``, Poetry 2's way to keep them in its own tables).
    """
    tool = document.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if not isinstance(deps, dict):
        return False
    project = document.get("project")
    if not isinstance(project, dict):
        return True
    dynamic = project.get("dynamic")
    return "dependencies" not in project or (
        isinstance(dynamic, list) and "dependencies" in dynamic
    )


def parse_pyproject(
    path: Path | str,
    env: Environment | None = None,
    extras: Iterable[str] = (),
    *,
    data: bytes | None = None,
    named: bool = True,
) -> ParsedInput:
    """PEP 621 ``[project] dependencies`` plus the selected extras (``"*"``: all)."""
    path = Path(path)
    src = read(path, loader.MAX_PYPROJECT_BYTES, WHAT, named=named, data=data)
    doc_data, doc = loader.load_toml(src.data, src.display), Doc(src.display, "TOML")
    project = doc_data.get("project")
    if not isinstance(project, dict):
        raise NothingToRead(
            f"{src.display}: no [project] table (PEP 621): cannot read dependencies"
        )
    notes: list[str] = []
    if "dependencies" in doc.get(project, "dynamic", "project", list, []):
        notes.append(
            f"{src.display}: dependencies are dynamic (set by the build backend): not read"
        )
    deps = doc.strings(
        doc.get(project, "dependencies", "project", list, []), "project.dependencies"
    )
    optional = doc.get(project, "optional-dependencies", "project", dict, {})
    for extra, items in optional.items():
        doc.strings(items, key_path("project.optional-dependencies", extra))
    wanted, known = select_extras(src.display, optional, extras)
    texts = [*deps, *(d for e in sorted(wanted) for d in optional[known[e]])]
    count(len(texts), src, "dependencies")
    lines = quoted_lines(src.text)
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    for text in texts:
        item = from_pep508(text, str(path), lines.get(text))
        if isinstance(item, Uncheckable):
            unchecked.append(item)
        else:
            reqs.append(item)
    keep, drop = split_by_env(reqs, env, extras=wanted)
    note = left_out_note(known, wanted)
    if note:
        notes.append(note)
    return ParsedInput(
        str(path), "pyproject", keep, tuple(unchecked), excluded=drop, notes=tuple(notes)
    )


class Pyproject(FileSource):
    """PEP 621 dependencies of a ``pyproject.toml``."""

    name: ClassVar[str] = "pyproject.toml"
    ecosystem: ClassVar[Ecosystem] = "python"
    role: ClassVar[Role] = Role.MANIFEST
    names: ClassVar[tuple[str, ...]] = ("pyproject.toml",)

    def sniff(self, head: str) -> bool:
        """A ``[project]`` table."""
        return re.search(r"^\[project\]", head, re.M) is not None

    def claims(self, file: InputFile) -> bool:
        """A ``[project]`` table whose dependencies are not Poetry's."""
        document = file.toml(loader.MAX_PYPROJECT_BYTES, WHAT)
        return isinstance(document.get("project"), dict) and not poetry_owns(document)

    def parse(self, file: InputFile, context: Context) -> ParsedInput:
        """``[project]`` dependencies and the extras asked for."""
        return parse_pyproject(
            file.path, context.env, context.extras, data=file.data, named=file.named
        )


SOURCE = Pyproject()
