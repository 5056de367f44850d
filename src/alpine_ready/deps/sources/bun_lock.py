"""``bun.lock``: Bun's text lockfile (JSON with trailing commas, comments allowed).

``packages`` maps each install path (``sharp``, ``@img/sharp-linuxmusl-x64``, a nested
``vite/esbuild``) to an array: ``["name@version", registry, {meta}, integrity]`` for a
registry package, where ``meta`` has the ``os``/``cpu``/``libc`` of a platform
package, its ``optionalDependencies`` and ``hasInstallScript`` -- what package-lock
records, so a bun.lock is judged as one (the same versions give the same verdicts).
``name@workspace:…``, ``@link:`` and ``@root:`` entries are the project's own;
``github:``, ``git+``, ``file:`` and tarball URLs are kept without a registry version.
Dev-only packages are those reachable only from the workspaces' ``devDependencies``.
A lockfile in which no entry says ``hasInstallScript`` (an older Bun) records no
install scripts: the registry is asked, as for yarn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from ...errors import InputError
from ...guard import excerpt
from .. import loader
from ..node_model import (
    NodeInput,
    NodePackage,
    keys,
    read_lockfile,
    split_spec,
    strs,
    too_many,
)
from .base import Context, Ecosystem, FileSource, InputFile, Role

#: resolutions that are the project itself (a workspace, a link to one, the root)
_OWN = ("workspace:", "link:", "root:")


def _segments(key: str) -> list[str]:
    """``a/@s/b/c`` -> ``["a", "@s/b", "c"]``: the packages of an install path."""
    out: list[str] = []
    for part in key.split("/"):
        if out and out[-1].startswith("@") and "/" not in out[-1]:
            out[-1] += "/" + part
        else:
            out.append(part)
    return out


def _resolve(parent: list[str], dep: str, known: Mapping[str, Any]) -> str | None:
    """The install path a dependency ``dep`` of the package at ``parent`` resolves to."""
    for cut in range(len(parent), -1, -1):
        key = "/".join([*parent[:cut], dep])
        if key in known:
            return key
    return None


def _reachable(
    roots: Iterable[str], deps_of: Mapping[str, tuple[str, ...]], known: Mapping[str, Any]
) -> set[str]:
    """Install paths reachable from ``roots`` (names at the top) along dependencies."""
    seen: set[str] = set()
    todo = [k for k in (_resolve([], r, known) for r in roots) if k is not None]
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        parent = _segments(key)
        for dep in deps_of.get(key, ()):
            got = _resolve(parent, dep, known)
            if got is not None and got not in seen:
                todo.append(got)
    return seen


def _roots(workspaces: Any, *fields: str) -> list[str]:
    found: list[str] = []
    if isinstance(workspaces, dict):
        for ws in workspaces.values():
            for field in fields:
                found += keys(ws.get(field)) if isinstance(ws, dict) else ()
    return found


def parse_bun_lock(path: str | Path, *, named: bool = True) -> NodeInput:
    """Parse ``bun.lock`` (lockfileVersion 0 to 2)."""
    p = Path(path)
    display, raw = read_lockfile(p, named=named)
    data = loader.load_jsonc(raw, display)
    del raw
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("lockfileVersion"), int)
        or isinstance(data.get("lockfileVersion"), bool)
    ):
        raise InputError(f"{display}:1: not a bun.lock: no integer lockfileVersion")
    packages = data.get("packages", {})
    if not isinstance(packages, dict):
        raise InputError(f"{display}:1: malformed bun.lock: packages is not an object")
    too_many(display, len(packages))
    entries: dict[str, tuple[str, str, dict[str, Any]]] = {}  # key -> (name, version, meta)
    deps_of: dict[str, tuple[str, ...]] = {}
    optional_names: set[str] = set(_roots(data.get("workspaces"), "optionalDependencies"))
    records_scripts = False
    for key, entry in packages.items():
        if not isinstance(entry, list) or not entry or not isinstance(entry[0], str):
            raise InputError(
                f"{display}: unexpected structure at packages.{excerpt(key)} "
                f'(expected an array starting with "name@version")'
            )
        name, version = split_spec(entry[0])
        meta = next((e for e in entry[1:3] if isinstance(e, dict)), {})
        records_scripts = records_scripts or "hasInstallScript" in meta
        optional = keys(meta.get("optionalDependencies"))
        optional_names.update(optional)
        deps_of[key] = (
            *keys(meta.get("dependencies")),
            *optional,
            *keys(meta.get("peerDependencies")),
        )
        entries[key] = (name, version, meta)
    workspaces = data.get("workspaces")
    prod = _reachable(
        _roots(workspaces, "dependencies", "optionalDependencies", "peerDependencies"),
        deps_of,
        entries,
    )
    dev = _reachable(_roots(workspaces, "devDependencies"), deps_of, entries) - prod
    out: list[NodePackage] = []
    source = str(p)
    for key, (name, version, meta) in entries.items():
        if version.startswith(_OWN):
            continue
        registry = ":" not in version and not version.startswith(("http", "git"))
        out.append(
            NodePackage(
                name,
                version if registry else None,
                key,
                strs(meta.get("os")),
                strs(meta.get("cpu")),
                strs(meta.get("libc")),
                name in optional_names,
                key in dev,
                (meta.get("hasInstallScript") is True) if records_scripts else None,
                None if registry else version,
                source,
                optional_dependencies=keys(meta.get("optionalDependencies")),
            )
        )
    notes = (
        ()
        if records_scripts
        else (
            "this bun.lock records no install scripts (no hasInstallScript): each package's "
            "registry document says",
        )
    )
    return NodeInput(
        source,
        "bun",
        excerpt(str(data["lockfileVersion"])),
        tuple(out),
        True,
        any(pkg.libc for pkg in out),
        notes,
    )


class BunLock(FileSource):
    """Bun's text lockfile (Bun >= 1.2 writes it; ``bun.lockb`` is binary and not read)."""

    name: ClassVar[str] = "bun.lock"
    ecosystem: ClassVar[Ecosystem] = "node"
    role: ClassVar[Role] = Role.LOCKFILE
    names: ClassVar[tuple[str, ...]] = ("bun.lock",)

    def parse(self, file: InputFile, context: Context) -> NodeInput:
        """Every package of the lockfile, dev-only ones marked."""
        return parse_bun_lock(file.path, named=file.named)


SOURCE = BunLock()
