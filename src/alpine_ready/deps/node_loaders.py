"""Which ``.node`` file of an installed package Node on Alpine would really load.

A package ships addons for many systems (``prebuilds/darwin-x64+arm64``,
``prebuilds/win32-x64``, FreeBSD builds, a ``.glibc.node`` beside a ``.musl.node``,
one build per Node ABI); only the one its loader picks matters on Alpine.  The rules
here are those of the loaders themselves, read from their sources:

* **node-gyp-build** (4.8, and node-gyp-build-optional-packages 5.2, which adds a
  platform package ``<name>-<platform>-<arch>``): the first ``.node`` file of
  ``build/Release``, then of ``build/Debug``; else ``prebuilds/<platform>-<arch>``
  (single-arch folders before ``x64+arm64`` ones), whose file names carry dot tags:
  ``node``/``electron``/``node-webkit`` (runtime), ``napi``, ``abi<N>``, ``uv<N>``,
  ``armv<N>``, ``glibc``/``musl``.  A file is a candidate unless a tag contradicts the
  running Node (a runtime other than node, unless ``node.napi``; an ABI other than the
  running one, unless ``napi``; another libc -- ``musl`` on Alpine, read from
  ``/etc/alpine-release``); the winner is the one for this runtime, then one with an
  ABI tag, then the most tags, then the first in directory order (``readdir`` sorts).
* **node-pre-gyp**: ``binary.module_path`` of ``package.json`` with ``{node_abi}``,
  ``{platform}``, ``{arch}``, ``{libc}``, ``{napi_build_version}``, ... filled in, and
  ``{module_name}.node`` in it (nothing else is ever loaded).
* **bindings** (and hand-written loaders): the build directories ``build/Release``,
  ``build/Debug``, ``out/Release``, ``Release``, ``build/default``, ``lib/binding``,
  ``compiled`` -- what a build on this machine left there.
* **platform packages** (``os``/``cpu``/``libc`` in ``package.json``: napi-rs, sharp,
  @parcel/watcher, ``@msgpackr-extract/msgpackr-extract-linux-x64``): one for another
  OS or CPU is never installed nor loaded on Alpine x86_64; its tagged files are chosen
  as node-gyp-build-optional-packages chooses them.

The target is Node 20 and Node 22 on Alpine x86_64 (:data:`RUNTIMES`); a file either
of them loads is selected.  Nothing here runs or imports the package's code.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Loader = Literal["node-gyp-build", "node-pre-gyp", "bindings", "platform-package", "unknown"]

#: directories the ``bindings`` package tries (``compiled/<v>/<platform>/<arch>`` and
#: ``lib/binding/<abi>-<platform>-<arch>`` by prefix)
BINDINGS_DIRS = (
    "build/",
    "out/Release/",
    "out/Debug/",
    "Release/",
    "Debug/",
    "compiled/",
    "lib/binding/",
    "addon-build/",
)


@dataclass(frozen=True)
class NodeRuntime:
    """One Node.js a package may run under on Alpine."""

    version: str  # major
    abi: str  # process.versions.modules
    napi: int  # the highest N-API version it implements


#: Node 20 (Alpine 3.20) and 22 (Alpine 3.21/3.22), as ``node:*-alpine`` ships them
RUNTIMES: tuple[NodeRuntime, ...] = (NodeRuntime("20", "115", 9), NodeRuntime("22", "127", 10))


@dataclass(frozen=True)
class Target:
    """The system the loader runs on (``process.platform``, ``os.arch()``, its libc)."""

    platform: str = "linux"
    arch: str = "x64"
    libc: str = "musl"
    runtimes: tuple[NodeRuntime, ...] = RUNTIMES


ALPINE_X64 = Target()


@dataclass(frozen=True)
class Selection:
    """What a package's loader would load on the target.

    ``selected``: the file(s) loaded (paths relative to the project, as
    ``NodePackage.native_files``), empty when it would load none -- an install on
    Alpine would then build or download one.  ``not_selected``: its other ``.node``
    files (other systems, CPUs, libcs, ABIs), never judged.
    """

    loader: Loader
    selected: tuple[str, ...]
    not_selected: tuple[str, ...] = ()
    why: str = ""
    platform_match: bool = True  # False: a platform package for another OS or CPU


# --------------------------------------------------------------------------- tags


@dataclass(frozen=True)
class Tags:
    """The dot tags of one prebuild's file name (node-gyp-build's ``parseTags``)."""

    file: str
    runtime: str | None = None
    napi: bool = False
    abi: str | None = None
    uv: str | None = None
    armv: str | None = None
    libc: str | None = None
    specificity: int = 0


def parse_tags(file: str) -> Tags | None:
    """The tags of a file name, None when it does not end in ``.node``."""
    parts = file.split(".")
    if parts.pop() != "node":
        return None
    got: dict[str, Any] = {}
    n = 0
    for tag in parts:
        if tag in ("node", "electron", "node-webkit"):
            got["runtime"] = tag
        elif tag == "napi":
            got["napi"] = True
        elif tag[:3] == "abi":
            got["abi"] = tag[3:]
        elif tag[:2] == "uv":
            got["uv"] = tag[2:]
        elif tag[:4] == "armv":
            got["armv"] = tag[4:]
        elif tag in ("glibc", "musl"):
            got["libc"] = tag
        else:
            continue
        n += 1
    return Tags(file, specificity=n, **got)


def _matches(t: Tags, target: Target, rt: NodeRuntime) -> bool:
    if t.runtime and t.runtime != "node":  # (node.napi is runtime-agnostic: still node)
        return False
    if t.abi and t.abi != rt.abi and not t.napi:
        return False
    if t.uv and t.uv != "1":  # every Node since 0.12 has libuv 1
        return False
    armv = "8" if target.arch == "arm64" else ""
    if t.armv and t.armv != armv:
        return False
    return not (t.libc and t.libc != target.libc)


def _sort_key(t: Tags) -> tuple[int, int, int]:
    return (0 if t.runtime == "node" else 1, 0 if t.abi else 1, -t.specificity)


def pick_prebuild(files: Sequence[str], target: Target, rt: NodeRuntime) -> str | None:
    """The file name node-gyp-build picks among ``files`` (names in one folder)."""
    tags = [t for t in (parse_tags(f) for f in sorted(files)) if t is not None]
    fits = sorted((t for t in tags if _matches(t, target, rt)), key=_sort_key)  # stable
    return fits[0].file if fits else None


def _tuple(name: str) -> tuple[str, tuple[str, ...]] | None:
    parts = name.split("-")
    if len(parts) != 2 or not parts[0]:
        return None
    archs = tuple(parts[1].split("+"))
    return (parts[0], archs) if all(archs) else None


# --------------------------------------------------------------------------- selection


def _rel_in(pkg_rel: str, files: Sequence[str]) -> dict[str, str]:
    """``{path inside the package: path relative to the project}``."""
    prefix = pkg_rel.rstrip("/") + "/"
    return {f[len(prefix) :]: f for f in files if f.startswith(prefix)}


def _first_in(inner: Mapping[str, str], folder: str) -> str | None:
    names = sorted(k for k in inner if posixpath.dirname(k) == folder)
    return names[0] if names else None


def _node_gyp_build(inner: Mapping[str, str], target: Target) -> tuple[list[str], str]:
    """node-gyp-build's ``load.resolve`` over the files of one package (inner paths)."""
    for folder in ("build/Release", "build/Debug"):
        first = _first_in(inner, folder)
        if first is not None:
            return [first], f"the first .node file of {folder} (a local build)"
    folders = {posixpath.dirname(k) for k in inner if k.startswith("prebuilds/")}
    tuples = [
        (name, tup)
        for name in sorted(f.split("/", 1)[1] for f in folders if f.count("/") == 1)
        if (tup := _tuple(name)) is not None and tup[0] == target.platform and target.arch in tup[1]
    ]
    if not tuples:
        return [], f"no prebuilds/{target.platform}-{target.arch} folder"
    name = min(tuples, key=lambda nt: len(nt[1][1]))[0]
    return _pick_in(inner, f"prebuilds/{name}", target)


def _pick_in(inner: Mapping[str, str], folder: str, target: Target) -> tuple[list[str], str]:
    names = [posixpath.basename(k) for k in inner if posixpath.dirname(k) == folder]
    picked: list[str] = []
    for rt in target.runtimes:
        got = pick_prebuild(names, target, rt)
        if got is not None:
            path = f"{folder}/{got}" if folder else got
            if path not in picked:
                picked.append(path)
    where = folder or "the package"
    if not picked:
        return [], f"no file in {where} fits {target.libc} and Node {_abis(target)}"
    return picked, f"the best fit in {where} for {target.libc}, Node {_abis(target)}"


def _abis(target: Target) -> str:
    return "/".join(f"{r.version} (ABI {r.abi})" for r in target.runtimes)


_FIELD = re.compile(r"\{([a-z_]+)\}")


def _fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each known ``{field}`` replaced (unknown ones left as written)."""
    return _FIELD.sub(lambda m: values.get(m[1], m[0]), template)


def _module_paths(
    binary: Mapping[str, Any], manifest: Mapping[str, Any], target: Target
) -> list[str]:
    """node-pre-gyp's ``find``: ``module_path/module_name.node`` for each runtime."""
    module_path = binary.get("module_path")
    module_name = binary.get("module_name")
    if not isinstance(module_path, str) or not isinstance(module_name, str):
        return []
    version = str(manifest.get("version") or "")
    major, _, rest = version.partition(".")
    minor, _, patch = rest.partition(".")
    napis = [v for v in binary.get("napi_versions") or () if isinstance(v, int)]
    out: list[str] = []
    for rt in target.runtimes:
        fitting = [v for v in napis if v <= rt.napi]
        napi = str(max(fitting)) if fitting else ""
        values = {
            "module_name": module_name,
            "version": version,
            "major": major,
            "minor": minor,
            "patch": patch.split("-")[0],
            "name": str(manifest.get("name") or ""),
            "node_abi": f"node-v{rt.abi}",
            "node_abi_napi": "napi" if napi else f"node-v{rt.abi}",
            "napi_build_version": napi,
            "node_napi_label": f"napi-v{napi}" if napi else f"node-v{rt.abi}",
            "platform": target.platform,
            "arch": target.arch,
            "libc": target.libc,
            "configuration": "Release",
            "toolset": "",
        }
        path = _fill(module_path, values)
        full = posixpath.normpath(posixpath.join(path, f"{module_name}.node"))
        if full not in out and not full.startswith(".."):
            out.append(full)
    return out


def _platform_fits(manifest: Mapping[str, Any], key: str, want: str) -> bool:
    """Npm's ``os``/``cpu`` rule: listed (or not excluded by ``!x``) -- absent fits."""
    values = manifest.get(key)
    if not isinstance(values, list) or not values:
        return True
    values = [v for v in values if isinstance(v, str)]
    allowed = [v for v in values if not v.startswith("!")]
    if f"!{want}" in values:
        return False
    return not allowed or want in allowed


def _deps(manifest: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    for key in ("dependencies", "optionalDependencies"):
        d = manifest.get(key)
        if isinstance(d, dict):
            out.update(k for k in d if isinstance(k, str))
    return out


def select_addons(
    pkg_rel: str,
    manifest: Mapping[str, Any],
    native_files: Sequence[str],
    target: Target = ALPINE_X64,
) -> Selection:
    """The ``.node`` file(s) of one installed package its loader picks on ``target``.

    ``pkg_rel`` is the package directory and ``native_files`` its ``.node`` files, both
    relative to the project (as :class:`~.node_model.NodePackage` has them);
    ``manifest`` its parsed ``package.json`` ({} when unreadable).
    """
    inner = _rel_in(pkg_rel, native_files)

    def done(loader: Loader, chosen: Sequence[str], why: str, fits: bool = True) -> Selection:
        sel = tuple(inner[c] for c in chosen if c in inner)
        rest = tuple(sorted(v for v in inner.values() if v not in sel))
        return Selection(loader, sel, rest, why, fits)

    if any(manifest.get(k) for k in ("os", "cpu", "libc")):
        fits = _platform_fits(manifest, "os", target.platform) and _platform_fits(
            manifest, "cpu", target.arch
        )
        if not fits:
            return done("platform-package", [], "a platform package for another OS or CPU", False)
        root_files = [k for k in inner if "/" not in k]
        tagged = [k for k in root_files if (t := parse_tags(k)) is not None and t.specificity]
        if tagged:  # @msgpackr-extract/...-linux-x64: node.napi.glibc.node, node.napi.musl.node
            chosen, why = _pick_in({k: inner[k] for k in root_files}, "", target)
            return done("platform-package", chosen, why)
        return done("platform-package", list(inner), "the platform package's build")
    binary = manifest.get("binary")
    if isinstance(binary, dict) and isinstance(binary.get("module_path"), str):
        paths = _module_paths(binary, manifest, target)
        chosen = [p for p in paths if p in inner]
        why = f"node-pre-gyp's module_path ({', '.join(paths) or 'unreadable'})"
        return done("node-pre-gyp", chosen, why)
    deps = _deps(manifest)
    if any(k.startswith("prebuilds/") for k in inner) or deps & {
        "node-gyp-build",
        "node-gyp-build-optional-packages",
    }:
        chosen, why = _node_gyp_build(inner, target)
        return done("node-gyp-build", chosen, why)
    built = [k for k in inner if k.startswith(BINDINGS_DIRS)]
    if built:
        return done("bindings", built, "the build directories the bindings package searches")
    return done("unknown", list(inner), "loader unknown: every .node file it ships")
