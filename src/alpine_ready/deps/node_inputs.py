"""Read a Node project's lockfile or installed ``node_modules`` into a flat package list.

Recognised inputs:

* ``package-lock.json`` / ``npm-shrinkwrap.json`` v2 and v3 (the ``packages`` map, with
  each optional platform package's ``os``/``cpu``/``libc``).  A v1 lockfile (only the
  nested ``dependencies`` map) is read for names and versions with a note to regenerate
  it with npm >= 7: it records no platform fields at all.
* ``yarn.lock``: classic v1 text format (records no platform fields — the note says so)
  and berry (yarn >= 2) YAML, whose ``conditions: os=… & cpu=… & libc=…`` are read.
* ``pnpm-lock.yaml`` (v5/v6/v9), which records ``os``/``cpu``/``libc`` per package.
  PyYAML is not a dependency: a small reader for the YAML subset pnpm and yarn berry
  write is built in, and anything outside it is an :class:`InputError`.
* An installed ``node_modules`` tree: every ``package.json`` (scoped, nested and pnpm's
  ``.pnpm`` store), its ``os``/``cpu``/``libc``, install scripts and ``gypfile``, and the
  ``.node`` files it ships (``prebuilds/<platform>/*.node`` and elsewhere).  Symlinks are
  never followed; file sizes, depth and entry counts are bounded.

Hostile input: lockfiles are read through :mod:`.loader` (at most
:data:`MAX_LOCKFILE_BYTES`, regular files only unless the user named one; JSON
depth- and size-checked, the YAML reader depth-bounded and streaming pnpm's big
sections), at most :data:`MAX_LOCK_PACKAGES` packages, and in one linear pass (a
300,000-entry ``yarn.lock`` takes seconds and a few hundred MB).

Whether a lockfile records ``libc`` matters: npm < 11.11 never writes it, so such a
lockfile cannot tell ``-gnu`` and ``-musl`` platform packages apart by field (only by
name).  :attr:`NodeInput.records_libc` is true when ANY entry records ``libc``.

:func:`platform_variants` groups the platform packages of one native dependency
(``@rollup/rollup-linux-x64-gnu`` and ``-musl``, ``@img/sharp-linux-x64`` and
``@img/sharp-linuxmusl-x64``) so a caller can tell whether a musl build is present.
Malformed input raises :class:`~alpine_ready.errors.InputError` with a one-line message
naming ``file:line``.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, NoReturn

from alpine_ready.errors import InputError

from ..guard import excerpt, printable, read_bounded
from . import loader

NodeInputKind = Literal[
    "package-lock", "npm-shrinkwrap", "yarn-v1", "yarn-berry", "pnpm", "node_modules"
]

MAX_LOCKFILE_BYTES = loader.MAX_LOCK_BYTES  # every Node lockfile (64 MiB)
MAX_PACKAGE_JSON_BYTES = loader.MAX_SMALL_FILE_BYTES
MAX_TREE_DEPTH = 40  # nested node_modules levels
MAX_ENTRIES_PER_PACKAGE = 20_000  # directory entries scanned for .node files
MAX_PACKAGES = 200_000  # packages read from one node_modules tree
#: Most packages one Node lockfile may hold (a 300,000-entry yarn.lock is read).
MAX_LOCK_PACKAGES = 500_000

LOCKFILE_NAMES: frozenset[str] = frozenset(
    {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}
)


@dataclass(frozen=True, slots=True)
class NodePackage:
    """One package as a lockfile or an installed tree records it."""

    name: str
    version: str | None
    path_in_lock: str  # lockfile key / entry, or the path under the tree root
    os: tuple[str, ...]
    cpu: tuple[str, ...]
    libc: tuple[str, ...]
    optional: bool
    dev: bool
    has_install_script: bool | None  # None: the format does not record it
    resolved: str | None
    source_file: str
    native_files: tuple[str, ...] = ()  # node_modules: ``.node`` files, relative to the tree
    install_script: str | None = None  # node_modules: ``scripts.install`` as written
    gypfile: bool = False  # node_modules: ``gypfile: true`` or a ``binding.gyp``
    optional_dependencies: tuple[str, ...] = ()  # names, where the format records them


@dataclass(frozen=True)
class NodeInput:
    """What one Node lockfile or ``node_modules`` tree says."""

    path: str
    kind: NodeInputKind
    lockfile_version: str | None
    packages: tuple[NodePackage, ...]
    records_platform: bool  # the format records os/cpu for platform packages
    records_libc: bool  # ANY entry records ``libc``
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- helpers


def _read_bytes(path: Path, *, named: bool = True) -> tuple[str, bytes]:
    """(the name for messages, the bytes) of a lockfile, read within the size cap.

    ``named``: the user named the file (a FIFO or device is read too).
    """
    display = printable(str(path))
    return display, loader.read_file(path, limit=MAX_LOCKFILE_BYTES, what="a lockfile",
                                     display=display, allow_special=named)


def _read_text(path: Path, *, named: bool = True) -> tuple[str, str]:
    """(the name for messages, the UTF-8 text) of a lockfile, read within the size cap."""
    display, data = _read_bytes(path, named=named)
    return display, loader.decode(data, display)


def _too_many(display: str, n: int) -> None:
    if n > MAX_LOCK_PACKAGES:
        raise InputError(f"{display}: more than {MAX_LOCK_PACKAGES:,} packages; not read")


def _strs(value: Any) -> tuple[str, ...]:
    """``os``/``cpu``/``libc`` as a tuple: a list of strings, or a bare string."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str) and v)
    return ()


def _keys(value: Any) -> tuple[str, ...]:
    return tuple(k for k in value if isinstance(k, str)) if isinstance(value, dict) else ()


def _name_from_path(key: str) -> str:
    """``node_modules/a/node_modules/@s/b`` -> ``@s/b``."""
    tail = key.rsplit("node_modules/", 1)[-1]
    return tail


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# --------------------------------------------------------------------------- npm


def parse_package_lock(path: str | Path, *, named: bool = True) -> NodeInput:
    """Parse ``package-lock.json`` / ``npm-shrinkwrap.json`` (v1, v2, v3)."""
    p = Path(path)
    display, raw = _read_bytes(p, named=named)
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
    _too_many(display, len(packages))
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
                version=_opt_str(entry.get("version")),
                path_in_lock=key,
                os=_strs(entry.get("os")),
                cpu=_strs(entry.get("cpu")),
                libc=_strs(entry.get("libc")),
                optional=bool(entry.get("optional") or entry.get("devOptional")),
                dev=bool(entry.get("dev")),
                has_install_script=bool(entry.get("hasInstallScript")),
                resolved=_opt_str(entry.get("resolved")),
                source_file=str(p),
                optional_dependencies=_keys(entry.get("optionalDependencies")),
            )
        )
    records_libc = any(pkg.libc for pkg in out)
    if not records_libc and _libc_told_by_name(out):
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
        version = _opt_str(entry.get("version"))
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
                resolved=_opt_str(entry.get("resolved")),
                source_file=str(p),
            )
        )
        _walk_v1(p, entry.get("dependencies"), key + "/", out, depth + 1)


# --------------------------------------------------------------------------- YAML


def load_yaml_subset(path: Path, text: str) -> Any:
    """Parse *text* with the built-in reader (the subset pnpm and yarn berry write)."""
    return loader.load_yaml(text, printable(str(path)))


# --------------------------------------------------------------------------- pnpm

_PEER_SUFFIX = re.compile(r"\(.*\)$")


def _no_peers(key: str) -> str:
    """``a@1.0.0(b@2.0.0)`` -> ``a@1.0.0``; a key without peers as it is (no regex)."""
    return _PEER_SUFFIX.sub("", key) if "(" in key else key


def _split_spec(spec: str) -> tuple[str, str]:
    """``@s/n@1.2.3`` -> (``@s/n``, ``1.2.3``); the version is what follows the last '@'."""
    at = spec.rfind("@")
    if at <= 0:
        return spec, ""
    return spec[:at], spec[at + 1 :]


def _pnpm_key(key: str) -> tuple[str, str]:
    """A pnpm package key (v5 ``/n/1.0.0_peer``, v6 ``/n@1.0.0(p)``, v9 ``n@1.0.0``)."""
    k = key[1:] if key.startswith("/") else key
    k = _no_peers(k)
    name, version = _split_spec(k)
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
    return _PnpmEntry(key, name, ver, _strs(entry.get("os")), _strs(entry.get("cpu")),
                      _strs(entry.get("libc")), entry.get("optional") is True,
                      entry.get("dev") is True if "dev" in entry else None,
                      requires_build if isinstance(requires_build, bool) else None,
                      _opt_str(tarball))


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
            _too_many(self.display, self.seen_packages)
        got = _pnpm_entry(key, entry)
        if got is not None:
            self.packages.append(got)

    def snapshot(self, key: str, entry: Any) -> None:
        self.snapshots[key] = _snapshot(entry)
        if len(self.snapshots) > MAX_LOCK_PACKAGES:
            _too_many(self.display, len(self.snapshots))

    def take(self, data: dict[str, Any]) -> None:
        """Sections written inline (``packages: {}``) were kept in ``data``: read them."""
        packages, snapshots = data.get("packages") or {}, data.get("snapshots") or {}
        if not isinstance(packages, dict) or not isinstance(snapshots, dict):
            raise InputError(f"{self.display}:1: malformed pnpm lockfile: packages is not a "
                             "mapping")
        for key, entry in packages.items():
            self.package(key, entry)
        for key, entry in snapshots.items():
            self.snapshot(key, entry)


def parse_pnpm_lock(path: str | Path, *, named: bool = True) -> NodeInput:
    """Parse ``pnpm-lock.yaml`` (lockfile versions 5.x, 6.x, 9.x)."""
    p = Path(path)
    display, text = _read_text(p, named=named)
    reader = _PnpmReader(display)
    data = loader.load_yaml(text, display, {"packages": reader.package,
                                             "snapshots": reader.snapshot})
    del text
    if not isinstance(data, dict) or "lockfileVersion" not in data:
        raise InputError(f"{display}:1: not a pnpm lockfile: no lockfileVersion")
    version = data["lockfileVersion"]
    if not isinstance(version, str | int | float) or isinstance(version, bool):
        raise InputError(f"{display}: unexpected structure at lockfileVersion (expected a "
                         "version)")
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
            optional = (own is not None or bool(peers)) and (own is None or own[0]) \
                and all(snapshots[s][0] for s in peers)
        if e.dev is not None:
            dev = e.dev
        else:
            plain = f"{e.name}@{e.version}"
            dev = plain in dev_only and plain not in prod
        out.append(NodePackage(e.name, e.version or None, e.key, e.os, e.cpu, e.libc, optional,
                               dev, e.requires_build, e.tarball, source))
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


# --------------------------------------------------------------------------- yarn


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] == '"':
        if "\\" not in s:
            return s[1:-1]
        try:
            return str(json.loads(s))
        except json.JSONDecodeError:
            return s[1:-1]
    return s


def _spec_name(spec: str) -> str:
    """``@s/n@npm:^1`` / ``n@^1`` -> the package name.

    An alias names the real package after ``npm:`` (yarn v1's
    ``string-width-cjs@npm:string-width@^4.2.0`` is string-width).
    """
    if "@npm:" in spec:
        alias, target = spec.split("@npm:", 1)
        if "@" in target.lstrip("@"):
            return _split_spec(target)[0]
        return _split_spec(alias + "@x")[0]
    return _split_spec(spec)[0]


def parse_yarn_lock(path: str | Path, *, named: bool = True) -> NodeInput:
    """Parse ``yarn.lock``: classic v1 text, or berry (``__metadata``) YAML."""
    p = Path(path)
    display, text = _read_text(p, named=named)
    if text.startswith("__metadata:") or "\n__metadata:" in text:
        return _parse_yarn_berry(p, display, text)
    reader = _YarnV1(display, str(p))
    reader.read(text)
    del text  # (the packages are made without it: 50 MB less at the peak)
    return NodeInput(str(p), "yarn-v1", "1", tuple(reader.packages()), False, False,
                     _YARN_NOTES)


_YARN_NOTES = (
    "yarn.lock v1 records no os/cpu/libc: platform packages are recognised by name "
    "only; dev/prod and install scripts are not recorded either",
)


def _header_specs(line: str) -> tuple[str, ...]:
    """The specs of a ``spec, spec:`` header line (stripped, ending in ``:``)."""
    body = line[:-1]
    if "," in body:
        return tuple(_unquote(s) for s in body.split(",") if s.strip())
    s = body.strip()
    if not s:
        return ()
    if s[0] == '"' and s[-1] == '"' and len(s) >= 2 and "\\" not in s:
        return (s[1:-1],)  # (the common header: one quoted spec)
    return (_unquote(s),)


class _YarnV1:
    """The entries of a classic ``yarn.lock``, read line by line in one pass.

    Each entry becomes its :class:`NodePackage` as soon as its last line is read: only
    what a package needs is kept (specs, version, resolved, the ``optionalDependencies``
    ranges), repeated versions share one string, and the text can go before the
    packages are finished (:meth:`packages` marks the optional ones).
    """

    def __init__(self, display: str, source: str) -> None:
        self.display = display
        self.source = source
        self.out: list[NodePackage] = []
        self.multi: dict[int, tuple[str, ...]] = {}  # index in out -> specs, when several
        self.optional_specs: set[str] = set()
        self.entries = 0
        self.no_version: tuple[int, str] | None = None  # the first entry without a version

    def fail(self, n: int, what: str) -> NoReturn:
        raise InputError(f"{self.display}:{n}: malformed yarn.lock: {what}")

    def _close(self, n: int, specs: tuple[str, ...], version: str | None,
               resolved: str | None) -> None:
        """The entry of the header on line ``n`` is complete."""
        if not specs:
            return
        if version is None:
            if self.no_version is None:
                self.no_version = (n, specs[0])
            return
        if len(specs) > 1:
            self.multi[len(self.out)] = specs
        # positional: a frozen dataclass takes keywords a third slower, 300,000 times
        self.out.append(NodePackage(_spec_name(specs[0]), version, ", ".join(specs), (), (),
                                    (), False, False, None, resolved, self.source))

    def read(self, text: str) -> None:
        specs: tuple[str, ...] | None = None  # of the current entry (None: before the first)
        header = 0
        version: str | None = None
        resolved: str | None = None
        section: str | None = None
        intern = sys.intern
        n = 0
        for lines in loader.line_chunks(text):
            for raw in lines:
                n += 1
                if not raw:
                    continue
                if raw[0] != " ":  # a comment, or the ``spec, spec:`` header of an entry
                    line = raw.strip()
                    if not line or line[0] == "#":
                        continue
                    if line[-1] != ":":
                        self.fail(n, "expected 'spec, ...:'")
                    if specs is not None:
                        self._close(header, specs, version, resolved)
                    specs, header, version, resolved, section = \
                        _header_specs(line), n, None, None, None
                    self.entries += 1
                    if self.entries > MAX_LOCK_PACKAGES:
                        _too_many(self.display, self.entries)
                    continue
                deeper = raw[:3] == "   "
                if deeper and specs is not None and section != "optionalDependencies":
                    continue  # a dependency of the entry (the common line): nothing to keep
                line = raw.strip()
                if not line or line[0] == "#":
                    continue
                if specs is None:
                    self.fail(n, "indented line outside an entry")
                if not deeper and raw[1] == " ":  # indented by two: a field or a section
                    if line[-1] == ":":
                        section = line[:-1]
                        continue
                    section = None
                    key, _, value = line.partition(" ")
                    if key[:1] == '"':
                        key = _unquote(key)
                    if key == "version":
                        version = intern(_unquote(value))
                    elif key == "resolved":
                        resolved = _unquote(value)
                elif section == "optionalDependencies" and (deeper or raw[1] != " "):
                    dep, _, rng = line.partition(" ")
                    self.optional_specs.add(f"{_unquote(dep)}@{_unquote(rng)}")
        if specs is not None:
            self._close(header, specs, version, resolved)

    def packages(self) -> list[NodePackage]:
        """The packages read, the optional ones marked."""
        if self.no_version is not None:
            n, spec = self.no_version
            self.fail(n, f"entry '{excerpt(spec)}' has no version")
        out, optional = self.out, self.optional_specs
        if optional:
            for i, pkg in enumerate(out):
                specs = self.multi.get(i, (pkg.path_in_lock,))
                if any(s in optional for s in specs):
                    out[i] = replace(pkg, optional=True)
        return out


def _conditions(text: str) -> dict[str, tuple[str, ...]]:
    """``os=linux & cpu=x64 & libc=musl`` (``|`` alternatives allowed) -> fields."""
    out: dict[str, list[str]] = {}
    for part in re.split(r"[&|]", text):
        k, sep, v = part.strip().strip("()").strip().partition("=")
        if sep and v:
            out.setdefault(k.strip(), []).append(v.strip())
    return {k: tuple(v) for k, v in out.items()}


def _parse_yarn_berry(p: Path, display: str, text: str) -> NodeInput:
    data = loader.load_yaml(text, display)
    del text
    if not isinstance(data, dict):
        raise InputError(f"{display}:1: malformed yarn.lock: the top level is not a mapping")
    _too_many(display, len(data))
    meta = data.get("__metadata")
    meta_version = meta.get("version") if isinstance(meta, dict) else None
    version = excerpt(str(meta_version)) if isinstance(meta_version, str | int) else None
    optional_names: set[str] = set()
    for key, entry in data.items():
        if key == "__metadata" or not isinstance(entry, dict):
            continue
        dmeta = entry.get("dependenciesMeta")
        if isinstance(dmeta, dict):
            for dep, m in dmeta.items():
                if isinstance(m, dict) and m.get("optional") is True:
                    optional_names.add(str(dep))
    out: list[NodePackage] = []
    for key, entry in data.items():
        if key == "__metadata" or not isinstance(entry, dict):
            continue
        resolution = _opt_str(entry.get("resolution")) or ""
        if "@workspace:" in resolution:
            continue  # the project itself or a workspace
        if "@patch:" in resolution:
            continue  # a patched copy (yarn's fsevents/typescript compat); the npm: entry is kept
        specs = [s.strip() for s in str(key).split(",")]
        name = _spec_name(resolution or specs[0])
        cond = _conditions(str(entry.get("conditions") or ""))
        out.append(
            NodePackage(
                name=name,
                version=_opt_str(entry.get("version")),
                path_in_lock=str(key),
                os=cond.get("os", ()),
                cpu=cond.get("cpu", ()),
                libc=cond.get("libc", ()),
                optional=name in optional_names,
                dev=False,
                has_install_script=None,
                resolved=resolution or None,
                source_file=str(p),
            )
        )
    notes = (
        "yarn berry records platform fields as 'conditions'; dev/prod and install "
        "scripts are not recorded",
    )
    records_libc = any(pkg.libc for pkg in out)
    return NodeInput(str(p), "yarn-berry", version, tuple(out), True, records_libc, notes)


# --------------------------------------------------------------------------- node_modules


def _is_real_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def scan_node_modules(path: str | Path) -> NodeInput:
    """Read an installed tree: *path* is a ``node_modules`` dir or the project holding one."""
    root = Path(path)
    nm = root if root.name == "node_modules" else root / "node_modules"
    if not _is_real_dir(str(nm)):
        raise InputError(f"{printable(str(root))}: no node_modules directory (symlinks are "
                         "not followed)")
    base = nm.parent
    out: list[NodePackage] = []
    notes: list[str] = []
    _walk_modules(base, nm, 0, out, notes)
    records_libc = any(pkg.libc for pkg in out)
    return NodeInput(str(nm), "node_modules", None, tuple(out), True, records_libc, tuple(notes))


def _walk_modules(
    base: Path, nm: Path, depth: int, out: list[NodePackage], notes: list[str]
) -> None:
    if depth > MAX_TREE_DEPTH:
        notes.append(f"{printable(str(nm))}: nested deeper than {MAX_TREE_DEPTH} levels; "
                     "not read")
        return
    for entry in _scandir(nm):
        if not entry.is_dir(follow_symlinks=False):
            continue  # files, and symlinks (never followed)
        if entry.name == ".pnpm":
            for store in _scandir(Path(entry.path)):
                inner = Path(store.path) / "node_modules"
                if store.is_dir(follow_symlinks=False) and _is_real_dir(str(inner)):
                    _walk_modules(base, inner, depth + 1, out, notes)
            continue
        if entry.name.startswith("."):
            continue  # .bin, .cache, ...
        if entry.name.startswith("@"):
            for sub in _scandir(Path(entry.path)):
                if sub.is_dir(follow_symlinks=False):
                    _read_package(base, Path(sub.path), depth, out, notes)
            continue
        _read_package(base, Path(entry.path), depth, out, notes)


def _scandir(path: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _read_package(
    base: Path, pkg_dir: Path, depth: int, out: list[NodePackage], notes: list[str]
) -> None:
    if len(out) >= MAX_PACKAGES:
        return
    rel = pkg_dir.relative_to(base).as_posix()
    manifest = pkg_dir / "package.json"
    try:
        st = os.lstat(manifest)
    except OSError:
        st = None
    meta: dict[str, Any] = {}
    if st is not None and stat.S_ISREG(st.st_mode):
        meta = _package_json(manifest, st.st_size, notes)
    elif st is None:
        notes.append(f"{printable(rel)}: no package.json")
    if st is not None or any(True for _ in _native_files(base, pkg_dir)):
        scripts = meta.get("scripts") if isinstance(meta.get("scripts"), dict) else {}
        assert isinstance(scripts, dict)
        install = _opt_str(scripts.get("install"))
        gyp = meta.get("gypfile") is True or _is_regular(pkg_dir / "binding.gyp")
        has_script = gyp or any(
            isinstance(scripts.get(s), str) for s in ("preinstall", "install", "postinstall")
        )
        name = _opt_str(meta.get("name")) or rel.rsplit("node_modules/", 1)[-1]
        out.append(
            NodePackage(
                name=name,
                version=_opt_str(meta.get("version")),
                path_in_lock=rel,
                os=_strs(meta.get("os")),
                cpu=_strs(meta.get("cpu")),
                libc=_strs(meta.get("libc")),
                optional=False,
                dev=False,
                has_install_script=has_script,
                resolved=_opt_str(meta.get("_resolved")),
                source_file=str(manifest),
                native_files=tuple(_native_files(base, pkg_dir)),
                install_script=install,
                gypfile=gyp,
                optional_dependencies=_keys(meta.get("optionalDependencies")),
            )
        )
    nested = pkg_dir / "node_modules"
    if _is_real_dir(str(nested)):
        _walk_modules(base, nested, depth + 1, out, notes)


def _package_json(manifest: Path, size: int, notes: list[str]) -> dict[str, Any]:
    """An installed ``package.json`` (bounded, never through a symlink); {} and a note if bad."""
    display = printable(str(manifest))
    if size > MAX_PACKAGE_JSON_BYTES:
        notes.append(f"{display}: larger than {MAX_PACKAGE_JSON_BYTES} bytes; not read")
        return {}
    try:
        data = read_bounded(manifest, limit=MAX_PACKAGE_JSON_BYTES, what="a package.json",
                            follow_symlinks=False, display=display)
        loaded = loader.parse_json(data)
    except InputError as exc:
        notes.append(str(exc))
        return {}
    except loader.DocumentError as exc:
        at = f"line {exc.line}: " if exc.line is not None else ""
        notes.append(f"{display}: unreadable package.json ({at}{exc.problem})")
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _native_files(base: Path, pkg_dir: Path) -> Iterator[str]:
    """``.node`` files inside one package (not its nested node_modules), sorted."""
    found: list[str] = []
    seen = 0
    stack = [pkg_dir]
    while stack and seen < MAX_ENTRIES_PER_PACKAGE:
        d = stack.pop()
        for entry in _scandir(d):
            seen += 1
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "node_modules":
                    stack.append(Path(entry.path))
            elif entry.name.endswith(".node") and entry.is_file(follow_symlinks=False):
                found.append(Path(entry.path).relative_to(base).as_posix())
    yield from sorted(found)


# --------------------------------------------------------------------------- dispatch


def parse_node_input(path: str | Path, *, named: bool = True) -> NodeInput:
    """Parse one recognised Node input by its name (or a ``node_modules`` directory).

    ``named``: the user named ``path`` (a lockfile that is a FIFO or device is read
    too); a lockfile found in a project is read only when it is a regular file.
    """
    p = Path(path)
    if p.name in ("package-lock.json", "npm-shrinkwrap.json"):
        return parse_package_lock(p, named=named)
    if p.name == "yarn.lock":
        return parse_yarn_lock(p, named=named)
    if p.name == "pnpm-lock.yaml":
        return parse_pnpm_lock(p, named=named)
    if p.name == "node_modules" or _is_real_dir(str(p / "node_modules")):
        return scan_node_modules(p)
    expected = ", ".join(sorted(LOCKFILE_NAMES))
    raise InputError(f"{printable(str(p))}: not a recognised Node input (expected {expected} "
                     "or node_modules)")


# --------------------------------------------------------------------------- variants

OS_TOKENS: frozenset[str] = frozenset(
    {
        "linux",
        "linuxmusl",
        "darwin",
        "macos",
        "win32",
        "windows",
        "freebsd",
        "openbsd",
        "netbsd",
        "android",
        "aix",
        "sunos",
        "openharmony",
        "wasi",
        "wasm32",
    }
)
_OTHER_TOKENS: frozenset[str] = frozenset(
    {
        "x64",
        "x86",
        "ia32",
        "i686",  # @sentry/cli-linux-i686
        "64",  # Go's naming: turbo-linux-64, turbo-windows-64
        "32",
        "x86_64",
        "amd64",
        "arm",
        "arm64",
        "aarch64",
        "armv7",
        "armv6",
        "ppc64",
        "ppc64le",
        "s390x",
        "riscv64",
        "loong64",
        "mips64el",
        "universal",
        "gnu",
        "glibc",  # @parcel/watcher-linux-x64-glibc
        "musl",
        "gnueabihf",
        "musleabihf",
        "gnux32",
        "msvc",
        "eabi",
        "androideabi",
        "arm64ec",
        "wasm32",
        "ohos",
    }
)
MUSL_TOKENS: frozenset[str] = frozenset({"musl", "linuxmusl", "musleabihf"})
GLIBC_TOKENS: frozenset[str] = frozenset({"gnu", "gnueabihf", "gnux32", "glibc"})


#: an OS token between separators of a name's last part (what :func:`_tokens` would find)
_OS_TOKEN = re.compile(r"(?:(?<=^)|(?<=[-./]))(?:" + "|".join(sorted(OS_TOKENS, key=len,
                       reverse=True)) + r")(?=[-.]|$)")


def _tokens(name: str) -> tuple[str, list[str]]:
    scope, _, local = name.rpartition("/")
    return scope, re.split(r"[-.]", local)


def platform_base(pkg: NodePackage | str) -> str | None:
    """The dependency a platform package belongs to, or None if it is not one.

    ``@rollup/rollup-linux-x64-musl`` -> ``@rollup/rollup``; ``@img/sharp-linuxmusl-x64``
    -> ``@img/sharp``; ``lightningcss-linux-x64-gnu`` -> ``lightningcss``;
    ``@esbuild/linux-x64`` -> ``@esbuild``.  A name counts when it carries an OS token,
    or when the package records ``os``/``cpu``/``libc``.
    """
    name = pkg if isinstance(pkg, str) else pkg.name
    declared = not isinstance(pkg, str) and bool(pkg.os or pkg.cpu or pkg.libc)
    if not declared and _OS_TOKEN.search(name, name.rfind("/") + 1) is None:
        return None  # (the common case, without splitting the name)
    scope, toks = _tokens(name)
    if not declared and not any(t in OS_TOKENS for t in toks):
        return None
    kept = [t for t in toks if t not in OS_TOKENS and t not in _OTHER_TOKENS]
    if len(kept) == len(toks):
        return None
    local = "-".join(kept)
    if scope:
        return f"{scope}/{local}" if local else scope
    return local or None


def libc_of(name: str, libc: Iterable[str] = ()) -> Literal["musl", "glibc"] | None:
    """The libc a platform package is built for: its ``libc`` field, else its name."""
    declared = {v.lower() for v in libc}
    if "musl" in declared:
        return "musl"
    if "glibc" in declared:
        return "glibc"
    toks = set(_tokens(name)[1])
    if toks & MUSL_TOKENS:
        return "musl"
    if toks & GLIBC_TOKENS:
        return "glibc"
    return None


def package_libc(pkg: NodePackage) -> Literal["musl", "glibc"] | None:
    """The libc a platform package is built for (:func:`libc_of` its name and field)."""
    return libc_of(pkg.name, pkg.libc)


def _libc_told_by_name(packages: Iterable[NodePackage]) -> bool:
    """A native dependency has -gnu and -musl builds that only their names tell apart."""
    for members in platform_variants(packages).values():
        if {package_libc(m) for m in members} >= {"musl", "glibc"}:
            return True
    return False


def platform_variants(packages: Iterable[NodePackage]) -> dict[str, list[NodePackage]]:
    """Group platform packages by the dependency they belong to (sorted by name)."""
    groups: dict[str, list[NodePackage]] = {}
    for pkg in packages:
        base = platform_base(pkg)
        if base is not None:
            groups.setdefault(base, []).append(pkg)
    return {k: sorted(v, key=lambda q: (q.name, q.path_in_lock)) for k, v in sorted(groups.items())}


def has_musl_variant(variants: Iterable[NodePackage], cpu: str = "x64") -> bool:
    """True when one of *variants* is a Linux musl build for *cpu* (``x64``/``arm64``)."""
    for pkg in variants:
        if package_libc(pkg) != "musl":
            continue
        toks = set(_tokens(pkg.name)[1])
        if cpu in pkg.cpu or (not pkg.cpu and cpu in toks):
            return True
    return False
