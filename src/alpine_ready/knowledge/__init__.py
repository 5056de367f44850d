"""Domain knowledge, loaded from the versioned data files in ``data/``.

The files are generated from real artefacts by the ``tools/gen_*.py`` scripts, or
reviewed by hand with a source per section (provenance in each file's ``source`` and in
``docs/knowledge.md``).  Each file has exactly one loader, here or in a submodule
(:mod:`.images` base images, :mod:`.apt` Debian → Alpine names, :mod:`.build` the build
toolchain, :mod:`.downloads` glibc download URLs, :mod:`.shells` busybox ash,
:mod:`.accounts` base users and groups, :mod:`.distros` other distributions' tools,
:mod:`.compat` glibc-on-Alpine hacks, :mod:`.apk` apk's paths, :mod:`.support` and
:mod:`.sizes`); each loads its file once into frozen objects.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ..errors import KnowledgeError


def load_json(name: str) -> Any:
    """Parse one data file shipped with the package."""
    return json.loads(resources.files(__package__).joinpath("data", name).read_text("utf-8"))


@dataclass(frozen=True)
class MuslTable:
    """What a musl build's loader can resolve, and its LFS64 fallback."""

    version: str
    exports: frozenset[str]
    exports_tls: frozenset[str]
    lfs64_names: frozenset[str]
    lfs64_max_name_length: int
    source: str

    def lfs64_fallback(self, name: str) -> str | None:
        """The name musl retries a failed lookup with (``get_lfs64``), or None."""
        if name == "readdir64_r" and self.lfs64_names:
            return "readdir_r"
        if not self.lfs64_names or len(name) > self.lfs64_max_name_length:
            return None
        if len(name) > 2 and name.endswith("64") and name[:-2] in self.lfs64_names:
            return name[:-2]
        return None


@dataclass(frozen=True)
class ArchInfo:
    """Per-architecture loader facts (musl's relocation switch, loader names)."""

    name: str
    machine: int
    loader: str
    glibc_interpreters: tuple[str, ...]
    supported_relocations: frozenset[int]
    copy: int
    jump_slot: int
    tpoff: int
    irelative: int
    relocation_names: dict[int, str]

    def relocation_name(self, rtype: int) -> str:
        """``R_X86_64_IRELATIVE`` for 37 on x86_64, ``type N`` when unknown."""
        return self.relocation_names.get(rtype, f"type {rtype}")


@dataclass(frozen=True)
class Gcompat:
    """Alpine's glibc compatibility layer: what it exports and installs."""

    version: str
    exports: frozenset[str]
    library: str
    stub_loaders: dict[str, str]
    links: dict[str, str]
    sonames: frozenset[str]


@dataclass(frozen=True)
class HostRuntime:
    """A program that loads modules and exports an API to them (CPython, Node)."""

    name: str
    description: str
    lazy: bool
    file_patterns: tuple[str, ...]
    dir_markers: tuple[str, ...]
    symbol_prefixes: tuple[str, ...]

    def names_module(self, name: str) -> bool:
        """Is a file called ``name`` (a base name) one of this host's modules by its name?"""
        return any(fnmatch.fnmatchcase(name, p) for p in self.file_patterns)

    def provides(self, symbol: str) -> bool:
        """Does the host program export ``symbol`` to its modules?"""
        return symbol.startswith(self.symbol_prefixes)


@dataclass(frozen=True)
class Release:
    """An Alpine release we have a profile for."""

    name: str
    profile: str
    musl: str
    exact: bool


_RELEASE = re.compile(r"^\d+\.\d+$")


def valid_release(name: str) -> bool:
    """True for an ``X.Y`` Alpine release name."""
    return bool(_RELEASE.match(name))


@cache
def _releases_document() -> dict[str, Any]:
    return load_json("releases.json")  # type: ignore[no-any-return]


@cache
def releases() -> dict[str, Release]:
    """Every Alpine release with a built-in profile, newest first."""
    data = _releases_document()
    out = {k: Release(k, v["profile"], v["musl"], v["exact"]) for k, v in data["releases"].items()}
    return dict(sorted(out.items(), key=lambda kv: [-int(x) for x in kv[0].split(".")]))


def default_release() -> str:
    """The newest release we have data for."""
    return str(_releases_document()["default"])


def release(name: str) -> Release:
    """The profile of one release, or a KnowledgeError that lists what exists."""
    known = releases()
    if name in known:
        return known[name]
    why = _releases_document()["unavailable"].get(name)
    listing = ", ".join(known)
    if why:
        raise KnowledgeError(f"no built-in profile for Alpine {name}: {why} (built in: {listing})")
    raise KnowledgeError(f"unknown Alpine release {name!r} (built in: {listing})")


@cache
def musl_table(filename: str) -> MuslTable:
    """Load ``musl-<ver>-<arch>.json``."""
    d = load_json(filename)
    return MuslTable(
        version=d["musl_version"],
        exports=frozenset(d["exports"]),
        exports_tls=frozenset(d["exports_tls"]),
        lfs64_names=frozenset(d["lfs64"]["names"]),
        lfs64_max_name_length=d["lfs64"]["max_name_length"],
        source=d["source"],
    )


@cache
def profile(filename: str) -> dict[str, Any]:
    """Load an ``alpine-<rel>-<arch>.json`` base-image profile."""
    return load_json(filename)  # type: ignore[no-any-return]


@cache
def apk_sonames(alpine: str = "3.23") -> dict[str, str]:
    """Soname -> the apk package that provides it."""
    return dict(load_json(f"apk-sonames-{alpine}-x86_64.json")["sonames"])


@cache
def glibc_symbols() -> dict[str, str]:
    """Every name Debian's glibc exports -> the glibc library exporting it."""
    d = load_json("glibc-2.36-x86_64.json")
    out: dict[str, str] = {}
    for lib, names in d["libraries"].items():
        for n in names:
            out.setdefault(n, lib)
    return out


@cache
def gcompat() -> Gcompat:
    """Gcompat 1.1.0."""
    d = load_json("gcompat-1.1.0.json")
    names = resources.files(__package__).joinpath("data", d["exports_file"]).read_text("utf-8")
    return Gcompat(
        version=d["version"],
        exports=frozenset(names.split()),
        library=d["library"],
        stub_loaders=d["stub_loaders"],
        links=d["links"],
        sonames=frozenset(d["sonames"]),
    )


@cache
def arch(name_or_machine: str | int) -> ArchInfo:
    """Loader facts for an architecture, by name (``x86_64``) or ELF machine number."""
    for name, d in load_json("relocations.json")["arches"].items():
        if name_or_machine in (name, d["machine"]):
            return ArchInfo(
                name=name,
                machine=d["machine"],
                loader=d["loader"],
                glibc_interpreters=tuple(d["glibc_interpreters"]),
                supported_relocations=frozenset(d["supported"]),
                copy=d["copy"],
                jump_slot=d["jump_slot"],
                tpoff=d["tpoff"],
                irelative=d["irelative"],
                relocation_names={int(k): v for k, v in d["names"].items()},
            )
    raise KnowledgeError(f"no loader data for architecture {name_or_machine!r}")


@cache
def host_runtimes() -> tuple[HostRuntime, ...]:
    """The module-loading host programs we know."""
    d = load_json("host-runtimes.json")["runtimes"]
    return tuple(
        HostRuntime(
            name=k,
            description=v["description"],
            lazy=v["binding"] == "lazy",
            file_patterns=tuple(v["file_patterns"]),
            dir_markers=tuple(v["dir_markers"]),
            symbol_prefixes=tuple(v["symbol_prefixes"]),
        )
        for k, v in d.items()
    )
