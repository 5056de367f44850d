"""``package-lock.json`` / ``npm-shrinkwrap.json``: npm's lockfile, v1 to v3.

v2 and v3 have the ``packages`` map, with each optional platform package's
``os``/``cpu``/``libc``.  A v1 lockfile (only the nested ``dependencies`` map) is read
for names and versions with a note to regenerate it with npm >= 7: it records no
platform fields at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from ...errors import InputError
from .. import loader
from ..node_model import (
    MAX_TREE_DEPTH,
    NodeInput,
    NodeInputKind,
    NodePackage,
    keys,
    opt_str,
    read_lockfile,
    strs,
    too_many,
)
from ..node_platform import libc_told_by_name
from .base import Context, Ecosystem, FileSource, InputFile, Role


def _name_from_path(key: str) -> str:
    """``node_modules/a/node_modules/@s/b`` -> ``@s/b``."""
    tail = key.rsplit("node_modules/", 1)[-1]
    return tail


def parse_package_lock(path: str | Path, *, named: bool = True) -> NodeInput:
    """Parse ``package-lock.json`` / ``npm-shrinkwrap.json`` (v1, v2, v3)."""
    p = Path(path)
    display, raw = read_lockfile(p, named=named)
    data = loader.load_json(raw, display)
    del raw
    if not isinstance(data, dict):
        raise InputError(f"{display}:1: not an npm lockfile: the top level is not an object")
    kind: NodeInputKind = "npm-shrinkwrap" if p.name == "npm-shrinkwrap.json" else "package-lock"
    version = data.get("lockfileVersion")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError(f"{display}:1: not an npm lockfile: no integer lockfileVersion")
    packages = data.get("packages")
    notes: list[str] = []
    out: list[NodePackage] = []
    if packages is None:
        if version != 1:
            raise InputError(f"{display}:1: lockfileVersion {version} without a packages map")
        notes.append(
            "lockfile v1: records no os/cpu/libc for platform packages; "
            "regenerate with npm >= 7 (npm >= 11.11 to record libc)"
        )
        _walk_v1(p, data.get("dependencies"), "", out)
        return NodeInput(str(p), kind, "1", tuple(out), False, False, tuple(notes))
    if not isinstance(packages, dict):
        raise InputError(f"{display}:1: malformed lockfile: packages is not an object")
    too_many(display, len(packages))
    for key, entry in packages.items():
        if key == "" or not isinstance(entry, dict):
            continue  # the root project
        if entry.get("link") is True:
            continue  # a workspace symlink; its target has its own entry
        name = entry.get("name") if isinstance(entry.get("name"), str) else None
        if name is None:
            if "node_modules/" not in key:
                continue  # a workspace folder, not an installed package
            name = _name_from_path(key)
        out.append(
            NodePackage(
                name=name,
                version=opt_str(entry.get("version")),
                path_in_lock=key,
                os=strs(entry.get("os")),
                cpu=strs(entry.get("cpu")),
                libc=strs(entry.get("libc")),
                optional=bool(entry.get("optional") or entry.get("devOptional")),
                dev=bool(entry.get("dev")),
                has_install_script=bool(entry.get("hasInstallScript")),
                resolved=opt_str(entry.get("resolved")),
                source_file=str(p),
                optional_dependencies=keys(entry.get("optionalDependencies")),
            )
        )
    records_libc = any(pkg.libc for pkg in out)
    if not records_libc and libc_told_by_name(out):
        notes.append(
            "no entry records libc: written by npm < 11.11; -gnu and -musl platform "
            "packages are told apart by name only (npm >= 11.11 records libc)"
        )
    return NodeInput(str(p), kind, str(version), tuple(out), True, records_libc, tuple(notes))


def _walk_v1(p: Path, deps: Any, prefix: str, out: list[NodePackage], depth: int = 0) -> None:
    if not isinstance(deps, dict) or depth > MAX_TREE_DEPTH:
        return
    for name, entry in deps.items():
        if not isinstance(entry, dict):
            continue
        key = f"{prefix}node_modules/{name}"
        version = opt_str(entry.get("version"))
        real = name
        if version is not None and version.startswith("npm:") and "@" in version[5:]:
            # an alias: "string-width-cjs": {"version": "npm:string-width@4.2.3"}
            real, _, version = version[4:].rpartition("@")
        out.append(
            NodePackage(
                name=real,
                version=version,
                path_in_lock=key,
                os=(),
                cpu=(),
                libc=(),
                optional=bool(entry.get("optional")),
                dev=bool(entry.get("dev")),
                has_install_script=None,
                resolved=opt_str(entry.get("resolved")),
                source_file=str(p),
            )
        )
        _walk_v1(p, entry.get("dependencies"), key + "/", out, depth + 1)


class PackageLock(FileSource):
    """npm's lockfile (``npm-shrinkwrap.json`` is the same format, published)."""

    name: ClassVar[str] = "package-lock.json"
    ecosystem: ClassVar[Ecosystem] = "node"
    role: ClassVar[Role] = Role.LOCKFILE
    names: ClassVar[tuple[str, ...]] = ("package-lock.json", "npm-shrinkwrap.json")

    def parse(self, file: InputFile, context: Context) -> NodeInput:
        """Every package of the lockfile."""
        return parse_package_lock(file.path, named=file.named)


SOURCE = PackageLock()
