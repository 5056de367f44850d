"""``pnpm-lock.yaml`` (lockfile versions 5.x, 6.x, 9.x), which records ``os``/``cpu``/``libc``.

Read with the YAML subset reader of :mod:`..loader` (PyYAML is not a dependency),
streaming the two big sections (``packages``, ``snapshots``).  Dev-only packages of
v9, which no longer marks them, are told by reachability from the importers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...errors import InputError
from ...guard import excerpt
from .. import loader
from ..node_model import (
    MAX_LOCK_PACKAGES,
    NodeInput,
    NodePackage,
    opt_str,
    read_lockfile_text,
    split_spec,
    strs,
    too_many,
)
from .base import Context, Ecosystem, FileSource, InputFile, Role

_PEER_SUFFIX = re.compile(r"\(.*\)$")


def _no_peers(key: str) -> str:
    """``a@1.0.0(b@2.0.0)`` -> ``a@1.0.0``; a key without peers as it is (no regex)."""
    return _PEER_SUFFIX.sub("", key) if "(" in key else key


def _pnpm_key(key: str) -> tuple[str, str]:
    """A pnpm package key (v5 ``/n/1.0.0_peer``, v6 ``/n@1.0.0(p)``, v9 ``n@1.0.0``)."""
    k = key[1:] if key.startswith("/") else key
    k = _no_peers(k)
    name, version = split_spec(k)
    if not version:  # v5: /name/version or /@scope/name/version
        parts = k.split("/")
        cut = 2 if k.startswith("@") else 1
        if len(parts) > cut:
            name, version = "/".join(parts[:cut]), parts[cut].split("_", 1)[0]
    return name, version


@dataclass(frozen=True, slots=True)
class _PnpmEntry:
    """What one ``packages`` entry of a pnpm lockfile says (before snapshots are known)."""

    key: str
    name: str
    version: str
    os: tuple[str, ...]
    cpu: tuple[str, ...]
    libc: tuple[str, ...]
    optional: bool
    dev: bool | None  # None: not recorded (v9: told by reachability)
    requires_build: bool | None
    tarball: str | None


def _pnpm_entry(key: str, entry: Any) -> _PnpmEntry | None:
    if not isinstance(entry, dict):
        return None
    name, ver = _pnpm_key(key)
    if isinstance(entry.get("name"), str):
        name = entry["name"]
    if isinstance(entry.get("version"), str):
        ver = entry["version"]
    resolution = entry.get("resolution")
    tarball = resolution.get("tarball") if isinstance(resolution, dict) else None
    requires_build = entry.get("requiresBuild")
    return _PnpmEntry(
        key,
        name,
        ver,
        strs(entry.get("os")),
        strs(entry.get("cpu")),
        strs(entry.get("libc")),
        entry.get("optional") is True,
        entry.get("dev") is True if "dev" in entry else None,
        requires_build if isinstance(requires_build, bool) else None,
        opt_str(tarball),
    )


def _snapshot(entry: Any) -> tuple[bool, tuple[str, ...]]:
    """(optional, the ``name@version`` keys it depends on) of one v9 snapshot."""
    if not isinstance(entry, dict):
        return False, ()
    deps: list[str] = []
    for field in ("dependencies", "optionalDependencies"):
        got = entry.get(field)
        if isinstance(got, dict):
            deps.extend(f"{d}@{v}" for d, v in got.items() if isinstance(v, str))
    return entry.get("optional") is True, tuple(deps)


class _PnpmReader:
    """The two big sections of a pnpm lockfile, kept compact as they are read."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.packages: list[_PnpmEntry] = []
        self.seen_packages = 0
        self.snapshots: dict[str, tuple[bool, tuple[str, ...]]] = {}

    def package(self, key: str, entry: Any) -> None:
        self.seen_packages += 1
        if self.seen_packages > MAX_LOCK_PACKAGES:
            too_many(self.display, self.seen_packages)
        got = _pnpm_entry(key, entry)
        if got is not None:
            self.packages.append(got)

    def snapshot(self, key: str, entry: Any) -> None:
        self.snapshots[key] = _snapshot(entry)
        if len(self.snapshots) > MAX_LOCK_PACKAGES:
            too_many(self.display, len(self.snapshots))

    def take(self, data: dict[str, Any]) -> None:
        """Sections written inline (``packages: {}``) were kept in ``data``: read them."""
        packages, snapshots = data.get("packages") or {}, data.get("snapshots") or {}
        if not isinstance(packages, dict) or not isinstance(snapshots, dict):
            raise InputError(
                f"{self.display}:1: malformed pnpm lockfile: packages is not a mapping"
            )
        for key, entry in packages.items():
            self.package(key, entry)
        for key, entry in snapshots.items():
            self.snapshot(key, entry)


def parse_pnpm_lock(path: str | Path, *, named: bool = True) -> NodeInput:
    """Parse ``pnpm-lock.yaml`` (lockfile versions 5.x, 6.x, 9.x)."""
    p = Path(path)
    display, text = read_lockfile_text(p, named=named)
    reader = _PnpmReader(display)
    data = loader.load_yaml(
        text, display, {"packages": reader.package, "snapshots": reader.snapshot}
    )
    del text
    if not isinstance(data, dict) or "lockfileVersion" not in data:
        raise InputError(f"{display}:1: not a pnpm lockfile: no lockfileVersion")
    version = data["lockfileVersion"]
    if not isinstance(version, str | int | float) or isinstance(version, bool):
        raise InputError(f"{display}: unexpected structure at lockfileVersion (expected a version)")
    version = excerpt(str(version))
    reader.take(data)
    snapshots = reader.snapshots
    prod, dev_only = _pnpm_reachability(data, snapshots)
    # v9: package key -> its snapshot keys with peers (one without is the key itself)
    peer_snaps: dict[str, list[str]] = {}
    for snap in snapshots:
        base = _no_peers(snap)
        if base != snap:
            peer_snaps.setdefault(base, []).append(snap)
    out: list[NodePackage] = []
    source = str(p)
    for e in reader.packages:
        optional = e.optional
        if not optional and _no_peers(e.key) == e.key:  # (with peers: no snapshot's key)
            own = snapshots.get(e.key)
            peers = peer_snaps.get(e.key, ())
            optional = (
                (own is not None or bool(peers))
                and (own is None or own[0])
                and all(snapshots[s][0] for s in peers)
            )
        if e.dev is not None:
            dev = e.dev
        else:
            plain = f"{e.name}@{e.version}"
            dev = plain in dev_only and plain not in prod
        out.append(
            NodePackage(
                e.name,
                e.version or None,
                e.key,
                e.os,
                e.cpu,
                e.libc,
                optional,
                dev,
                e.requires_build,
                e.tarball,
                source,
            )
        )
    records_libc = any(pkg.libc for pkg in out)
    notes: list[str] = []
    if not any(pkg.has_install_script is not None for pkg in out):
        notes.append(f"pnpm lockfile {version} does not record install scripts")
    return NodeInput(str(p), "pnpm", version, tuple(out), True, records_libc, tuple(notes))


def _pnpm_reachability(
    data: Mapping[str, Any], snapshots: Mapping[str, tuple[bool, tuple[str, ...]]]
) -> tuple[set[str], set[str]]:
    """Plain ``name@version`` keys reachable from prod and from dev roots (lockfile v9)."""
    importers = data.get("importers")
    if not isinstance(importers, dict) or not snapshots:
        return set(), set()

    def roots(field: str) -> list[str]:
        found: list[str] = []
        for imp in importers.values():
            deps = imp.get(field) if isinstance(imp, dict) else None
            if isinstance(deps, dict):
                for dep, spec in deps.items():
                    v = spec.get("version") if isinstance(spec, dict) else spec
                    if isinstance(v, str):
                        found.append(f"{dep}@{v}")
        return found

    def closure(start: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(start)
        while todo:
            k = todo.pop()
            if k in seen:
                continue
            seen.add(k)
            snap = snapshots.get(k)
            if snap is not None:
                todo.extend(snap[1])
        return {_no_peers(k) for k in seen}

    prod = closure(roots("dependencies") + roots("optionalDependencies"))
    dev = closure(roots("devDependencies"))
    return prod, dev


class PnpmLock(FileSource):
    """pnpm's lockfile."""

    name: ClassVar[str] = "pnpm-lock.yaml"
    ecosystem: ClassVar[Ecosystem] = "node"
    role: ClassVar[Role] = Role.LOCKFILE
    names: ClassVar[tuple[str, ...]] = ("pnpm-lock.yaml",)

    def parse(self, file: InputFile, context: Context) -> NodeInput:
        """Every package of the lockfile, dev ones marked."""
        return parse_pnpm_lock(file.path, named=file.named)


SOURCE = PnpmLock()
