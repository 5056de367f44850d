"""``uv.lock``: every package uv locked, with its files, hashes and dependency edges.

uv writes a platform condition on the dependency *edge* from the package that needs
it, not on the package: which packages the target installs is a walk from the
project's own packages (:func:`_uv_reachable`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

from ...guard import excerpt
from .. import loader
from ..markers import Environment, marker_applies, split_by_env
from ..requirement import ParsedInput, Requirement, Uncheckable
from ..shape import Doc, key_path
from .base import (
    Context,
    Ecosystem,
    FileSource,
    InputFile,
    Role,
    count,
    filename,
    need,
    nth,
    read,
    table_lines,
    toml,
)


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
        out.append(
            (
                canonicalize_name(doc.req(e, "name", at, str)),
                doc.opt(e, "version", at, str),
                doc.opt(e, "marker", at, str),
                frozenset(canonicalize_name(x) for x in extra),
            )
        )
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


def _uv_out_edges(doc: Doc, p: _UvPackage, active: frozenset[str], root: bool) -> list[_Edge]:
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
        root_extras = (
            set(doc.get(pkgs[r].raw, "optional-dependencies", pkgs[r].where, dict, {}))
            if "*" in wanted or not wanted
            else wanted
        )
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
            if not marker_applies(marker, env, extras=(*active, *named)):
                continue
            if (name, version, ex) in expanded:
                continue
            expanded.add((name, version, ex))
            targets = by_version.get((name, version), []) if version is not None else []
            todo.extend((t, ex) for t in targets or by_name.get(name, []))
    return set(seen)


def _uv_package(doc: Doc, i: int, raw: dict[str, Any]) -> _UvPackage:
    where = key_path("package", i)
    return _UvPackage(
        i,
        canonicalize_name(doc.req(raw, "name", where, str)),
        doc.opt(raw, "version", where, str),
        doc.get(raw, "source", where, dict, {}),
        raw,
        where,
    )


def _uv_files(doc: Doc, p: _UvPackage) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(file names, hashes) of a locked package's wheels and sdist."""
    wheels_at = key_path(p.where, "wheels")
    dists = [
        (key_path(wheels_at, j), d)
        for j, d in enumerate(doc.tables(doc.get(p.raw, "wheels", p.where, list, []), wheels_at))
    ]
    sdist = doc.opt(p.raw, "sdist", p.where, dict)
    if sdist is not None:
        dists.append((key_path(p.where, "sdist"), sdist))
    files, hashes = [], []
    for at, d in dists:
        where = (
            doc.opt(d, "url", at, str)
            or doc.opt(d, "path", at, str)
            or doc.opt(d, "filename", at, str)
            or ""
        )
        files.append(filename(where))
        digest = doc.opt(d, "hash", at, str)
        if digest is not None:
            hashes.append(digest)
    return tuple(files), tuple(hashes)


def parse_uv_lock(
    path: Path | str,
    env: Environment | None = None,
    extras: Iterable[str] = (),
    *,
    data: bytes | None = None,
    named: bool = True,
) -> ParsedInput:
    """``uv.lock``: every ``[[package]]`` from a registry, with its files and hashes.

    The project itself (an editable/virtual source at ``.``) is left out.  A package
    locked in several versions (``resolution-markers``) carries those markers joined by
    ``or``.  With an environment, only the packages reachable from the project through
    dependency edges whose markers hold there are kept (see :func:`_uv_reachable`); the
    others are ``excluded``.
    """
    path = Path(path)
    src = read(path, loader.MAX_TOML_LOCK_BYTES, "a lockfile", named=named, data=data)
    top, doc = toml(src)
    need(isinstance(top.get("version"), int), src, "uv.lock (no integer `version`)")
    raw_pkgs = doc.tables(top.get("package", []), "package")
    count(len(raw_pkgs), src, "packages")
    pkgs = [_uv_package(doc, i, p) for i, p in enumerate(raw_pkgs)]
    manifest = doc.get(top, "manifest", "", dict, {})
    members = doc.strings(doc.get(manifest, "members", "manifest", list, []), "manifest.members")
    reachable = _uv_reachable(doc, pkgs, env, extras, members) if env is not None else None
    reqs: list[Requirement] = []
    unreached: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    indexes: list[str] = []
    at = table_lines(src.text, "package")
    at = at if len(at) == len(pkgs) else []
    for p in pkgs:
        registry = doc.opt(p.source, "registry", key_path(p.where, "source"), str)
        spec = f"=={p.version}" if p.version else ""
        if reachable is not None and p.index not in reachable:
            if registry is not None:
                unreached.append(
                    Requirement(
                        p.name,
                        p.version,
                        spec,
                        None,
                        (),
                        str(path),
                        nth(at, p.index),
                        index_url=registry,
                    )
                )
            continue
        if registry is None:
            kind, where = next(iter(p.source.items()), ("unknown", "?"))
            if kind in ("editable", "virtual") and where == ".":
                continue  # the project being locked
            unchecked.append(
                Uncheckable(
                    f"{p.name} ({excerpt(str(kind))} = {excerpt(str(where), 200)})",
                    f"{excerpt(str(kind))} source",
                    str(path),
                    nth(at, p.index),
                )
            )
            continue
        if registry not in indexes:
            indexes.append(registry)
        files, hashes = _uv_files(doc, p)
        rm = doc.strings(
            doc.get(p.raw, "resolution-markers", p.where, list, []),
            key_path(p.where, "resolution-markers"),
        )
        marker = " or ".join(f"({m})" for m in rm) if rm else None
        reqs.append(
            Requirement(
                p.name,
                p.version,
                spec,
                marker,
                (),
                str(path),
                nth(at, p.index),
                hashes,
                registry,
                files,
            )
        )
    keep, drop = split_by_env(reqs, env)
    return ParsedInput(
        str(path), "uv.lock", keep, tuple(unchecked), tuple(indexes), (*drop, *unreached)
    )


class UvLock(FileSource):
    """uv's lockfile."""

    name: ClassVar[str] = "uv.lock"
    ecosystem: ClassVar[Ecosystem] = "python"
    role: ClassVar[Role] = Role.LOCKFILE
    names: ClassVar[tuple[str, ...]] = ("uv.lock",)

    def sniff(self, head: str) -> bool:
        """An integer ``version`` and ``[[package]]`` tables."""
        return (
            re.search(r"^version\s*=\s*\d+\s*$", head, re.M) is not None and "[[package]]" in head
        )

    def parse(self, file: InputFile, context: Context) -> ParsedInput:
        """The packages the target installs (the others ``excluded``)."""
        return parse_uv_lock(
            file.path, context.env, context.extras, data=file.data, named=file.named
        )


SOURCE = UvLock()
