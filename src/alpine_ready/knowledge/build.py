"""Alpine's build toolchain and what an sdist's build files name, each file through one loader.

- :func:`build_tools` -- ``data/build-tools.json``: the build-only packages (compilers,
  headers, ``*-dev``), the meta packages (``build-base`` provides gcc, g++, make,
  musl-dev…), the toolchain of each kind of native build (Rust: cargo + rust) and what
  each compile command needs.  Lint AR204/AR205, translate's build-only grouping (through
  :mod:`.apt`'s kinds) and ``deps``' sdist needs all read this one list.
- :func:`build_deps` -- ``data/build-deps.json``: C library / ``*-config`` program /
  CMake package names → the Alpine ``-dev`` package, and the names that are no package.

Both files are reviewed by hand (no Alpine package index is reachable from the build
machines); each section says where it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from . import load_json


@dataclass(frozen=True)
class BuildTools:
    """``build-tools.json``: which Alpine packages only a build needs."""

    meta_packages: Mapping[str, frozenset[str]]  # build-base → gcc, g++, make, musl-dev…
    build_only: frozenset[str]
    suffixes: tuple[str, ...]  # "-dev"
    toolchains: Mapping[str, tuple[str, ...]]  # "rust" → (cargo, rust)
    needs: Mapping[str, tuple[str, ...]]  # "gcc" → (gcc, musl-dev); "node-gyp" → …
    build_commands: frozenset[str]  # programs that compile native code (pip, make, gcc…)
    #: a needed package others stand in for (node-gyp's python3: python2 for node-gyp ≤ 5)
    alternatives: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def is_build_only(self, name: str) -> bool:
        """A package only a build needs: a toolchain, a meta package or headers (``*-dev``)."""
        return name in self.build_only or name.endswith(self.suffixes)

    def meta_providing(self, name: str) -> str | None:
        """The smallest meta package that installs ``name`` (``gcc`` → ``build-base``)."""
        owners = sorted((len(p), m) for m, p in self.meta_packages.items() if name in p)
        return owners[0][1] if owners else None


@cache
def build_tools() -> BuildTools:
    """The toolchain table (``build-tools.json``)."""
    d = load_json("build-tools.json")
    return BuildTools(
        meta_packages={k: frozenset(v["provides"]) for k, v in d["meta_packages"].items()},
        build_only=frozenset(n for group in d["build_only"] for n in group["names"]),
        suffixes=tuple(d["build_only_suffixes"]),
        toolchains={k: tuple(v["packages"]) for k, v in d["toolchains"].items()},
        needs={k: tuple(v["packages"]) for k, v in d["needs"].items()},
        build_commands=frozenset(d["build_commands"]["names"]),
        alternatives={k: tuple(v["packages"]) for k, v in d.get("alternatives", {}).items()},
    )


@dataclass(frozen=True)
class BuildDeps:
    """``build-deps.json``: names in an sdist's build files → Alpine packages."""

    libraries: Mapping[str, str]  # "pq" → "libpq-dev"; "m" → "build-base" (musl itself)
    programs: Mapping[str, str]  # "pg_config" → "libpq-dev"
    cmake_packages: Mapping[str, str]  # find_package name (lower case) → library key
    cmake_skip: frozenset[str]
    not_packages: frozenset[str]  # Windows/BSD libraries, Python-side requirements…
    rust_backends: tuple[str, ...]  # build requirements that compile Rust (maturin…)
    compiling_backends: frozenset[str] = frozenset()  # maturin, mesonpy, scikit_build_core…
    pure_backends: frozenset[str] = frozenset()  # hatchling, flit_core… (compile nothing)
    compiling_requires: frozenset[str] = frozenset()  # cython, cffi, pybind11…
    extension_markers: tuple[str, ...] = ()  # ext_modules, Extension(, cffi_modules…
    optional_markers: tuple[str, ...] = ()  # optional=True, CCompilerError… (falls back)

    def package(self, library: str) -> str | None:
        """The Alpine package of a library name (case-insensitively), or None."""
        return self.libraries.get(library) or self.libraries.get(library.lower())


@cache
def build_deps() -> BuildDeps:
    """The sdist build-file table (``build-deps.json``)."""
    d = load_json("build-deps.json")
    return BuildDeps(
        libraries=dict(d["libraries"]),
        programs=dict(d["programs"]),
        cmake_packages=dict(d["cmake_packages"]["names"]),
        cmake_skip=frozenset(d["cmake_skip"]["names"]),
        not_packages=frozenset(d["not_packages"]["names"]),
        rust_backends=tuple(d["rust_backends"]["names"]),
        compiling_backends=frozenset(d["build_backends"]["compiling"]),
        pure_backends=frozenset(d["build_backends"]["pure"]),
        compiling_requires=frozenset(d["compiling_requires"]["names"]),
        extension_markers=tuple(d["extension_markers"]["names"]),
        optional_markers=tuple(d["optional_extension_markers"]["names"]),
    )
