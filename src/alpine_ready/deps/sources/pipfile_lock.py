"""``Pipfile.lock`` (pipenv, JSON): the ``default`` and ``develop`` sections."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from ...errors import InputError
from ...guard import excerpt
from .. import loader
from ..markers import Environment, split_by_env
from ..requirement import ParsedInput, Requirement, Uncheckable, pin
from ..shape import Doc, key_path
from .base import Context, Ecosystem, FileSource, InputFile, Loaded, Role, count, need, read


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


def _pipfile_entry(
    doc: Doc,
    src: Loaded,
    section: str,
    raw_name: str,
    e: dict[str, Any],
    line: int | None,
    sources: Mapping[str, str],
) -> Requirement | Uncheckable:
    where = key_path(section, raw_name)
    shown = excerpt(raw_name)
    kind = next((k for k in ("git", "hg", "svn", "path", "file", "editable") if k in e), None)
    if kind or "version" not in e:
        return Uncheckable(
            f"{shown} ({section})", f"{kind or 'unpinned'} entry", str(src.path), line
        )
    version = doc.req(e, "version", where, str)
    try:
        spec = SpecifierSet(version)
    except InvalidSpecifier:
        if version.strip() != "*":
            raise InputError(f"{src.display}: {shown}: bad version '{excerpt(version)}'") from None
        # pipenv writes "*" for what it did not lock (a package whose marker
        # excluded the platform it locked on, e.g. pywin32 from a Linux machine)
        return Uncheckable(
            f"{shown} ({section})", 'not locked ("version": "*")', str(src.path), line
        )
    index_name = doc.opt(e, "index", where, str)
    extras = doc.strings(doc.get(e, "extras", where, list, []), key_path(where, "extras"))
    hashes = doc.strings(doc.get(e, "hashes", where, list, []), key_path(where, "hashes"))
    return Requirement(
        canonicalize_name(raw_name),
        pin(spec),
        str(spec),
        doc.opt(e, "markers", where, str),
        tuple(sorted(extras)),
        str(src.path),
        line,
        tuple(hashes),
        sources.get(index_name) if index_name else None,
    )


def parse_pipfile_lock(
    path: Path | str,
    env: Environment | None = None,
    dev: bool = True,
    *,
    data: bytes | None = None,
    named: bool = True,
) -> ParsedInput:
    """``Pipfile.lock`` (JSON): ``default`` (and ``develop`` when *dev*) sections."""
    path = Path(path)
    src = read(path, loader.MAX_LOCK_BYTES, "a lockfile", named=named, data=data)
    top = loader.load_json(src.data, src.display)
    doc = Doc(src.display, "JSON")
    need(isinstance(top, dict) and "_meta" in top, src, "Pipfile.lock (no _meta)")
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
        need(isinstance(entries, dict), src, f"Pipfile.lock section '{section}'")
        count(len(entries), src, "packages")
        for raw_name, e in entries.items():
            need(isinstance(e, dict), src, f"Pipfile.lock entry '{excerpt(raw_name)}'")
            item = _pipfile_entry(
                doc, src, section, raw_name, e, lines.get((section, raw_name)), sources
            )
            (unchecked if isinstance(item, Uncheckable) else reqs).append(item)  # type: ignore[arg-type]
    keep, drop = split_by_env(reqs, env)
    return ParsedInput(str(path), "Pipfile.lock", keep, tuple(unchecked), indexes, drop)


class PipfileLock(FileSource):
    """pipenv's lockfile (``develop`` left out with ``--no-dev``)."""

    name: ClassVar[str] = "Pipfile.lock"
    ecosystem: ClassVar[Ecosystem] = "python"
    role: ClassVar[Role] = Role.LOCKFILE
    names: ClassVar[tuple[str, ...]] = ("Pipfile.lock",)

    def sniff(self, head: str) -> bool:
        """A JSON object with ``_meta``."""
        return head.lstrip().startswith("{") and '"_meta"' in head

    def parse(self, file: InputFile, context: Context) -> ParsedInput:
        """The sections asked for, markers evaluated for the target."""
        return parse_pipfile_lock(
            file.path, context.env, context.dev, data=file.data, named=file.named
        )


SOURCE = PipfileLock()
