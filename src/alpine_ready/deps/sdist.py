"""What compiling an sdist on Alpine needs, read from the sdist's own build files.

When a dependency has no wheel for the target, pip builds it from its sdist.  What that
takes is written in the sdist: ``pyproject.toml``'s build backend (maturin or
setuptools-rust mean a Rust toolchain; meson-python with Fortran sources means
gfortran), and the C libraries ``setup.py``/``meson.build``/``CMakeLists.txt`` link
(``libraries=['pq']``, ``pg_config``, ``dependency('libxml-2.0')``,
``find_package(OpenSSL)``), each turned into the Alpine ``-dev`` package by
``knowledge/data/build-deps.json``; the toolchains (build-base, cargo + rust, go,
gfortran, cmake, meson, pkgconf, linux-headers) are ``knowledge/data/build-tools.json``'s,
the toolchain list lint and translate read too.  Names build-deps.json does not know
are reported as unmapped, never guessed.  C/C++/Cython sources that include the
kernel's ``<linux/...>`` or ``<asm/...>`` headers (psutil, uwsgi, netifaces) add
``linux-headers``, which Alpine's build-base lacks.

The sdist is streamed (``tar.gz``; bounded by ``MAX_SDIST_BYTES``), its build files read
(each bounded), nothing written to disk and nothing in it run; the result is cached by
the sdist's URL (sdists never change once uploaded).  A ``.zip`` sdist is not read.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
import tarfile
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import PackageIndexError
from ..knowledge.build import build_deps, build_tools
from .cache import IndexUnavailable, ResponseCache
from .http import HttpClient, describe
from .loader import DocumentError, parse_json, parse_toml

if TYPE_CHECKING:
    from ..knowledge.apkindex import PackageIndex

log = logging.getLogger(__name__)

# v6: whether it compiles at all, and why; v7: an optional extension only when setup.py
# deletes ext_modules (v6 took any mention for it) -- older answers are recomputed
NEEDS_ACCEPT = "application/x-alpine-ready-sdist-needs+json; v=7"
MAX_SDIST_BYTES = 48 * 1024**2  # compressed; bigger sdists are read up to this point
MAX_BUILD_FILE = 1024**2
MAX_MEMBERS = 100_000
BUILD_FILES = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "meson.build",
    "CMakeLists.txt",
    "Cargo.toml",
)


def _is_build_file(base: str, depth: int) -> bool:
    """Whether to read a member: pyproject/setup/meson/CMake/Cargo files.

    Also a top-level ``setup*.py`` helper (mysqlclient's setup_posix.py, lxml's
    setupinfo.py), but not Windows-only ones.
    """
    if base in BUILD_FILES:
        return depth <= 3
    low = base.lower()
    return depth <= 1 and low.startswith("setup") and low.endswith(".py") and "win" not in low


_SLOW = 8 * 1024**2  # an sdist this big takes long to compile (grpcio, scipy, opencv)
_QUICK = 256 * 1024  # an sdist this small compiles a file or two (netifaces, crcmod)


@dataclass(frozen=True)
class BuildNeeds:
    """What a source build of one sdist needs on Alpine."""

    sdist: str  # file name
    backend: str | None  # pyproject's build-backend
    rust: bool
    fortran: bool
    cpp: bool
    cython: bool
    cmake: bool
    libraries: tuple[str, ...]  # C libraries the build files name
    apk_packages: tuple[str, ...]  # build-base, toolchains, -dev packages
    unmapped: tuple[str, ...]  # libraries build-deps.json does not know
    impossible: tuple[str, ...]  # libraries Alpine does not have (systemd)
    size: int  # compressed bytes read
    complete: bool  # False: the sdist was bigger than the bound, read partly
    kernel_headers: bool = False  # its C sources include <linux/...>: linux-headers
    go: bool = False  # a Go extension (setuptools-golang): the go toolchain
    #: set by :func:`against_index`, never cached: the release whose package index was
    #: asked, and the table's packages that release lacks (left out of the apk line)
    release: str | None = None
    not_in_release: tuple[str, ...] = ()
    #: False: nothing in it compiles (no C/C++/Cython/Fortran/Go/Rust source, no
    #: extension declared, a build backend that compiles nothing): pip builds it on
    #: Alpine without build tools, and :attr:`apk_packages` is empty
    compiles: bool = True
    #: what shows it compiles (or, when it does not, what was checked)
    evidence: tuple[str, ...] = ()
    #: its setup.py falls back to pure Python when compiling fails (the marker found)
    optional: str | None = None

    @property
    def pure(self) -> bool:
        """Nothing in the sdist compiles: no build tools needed."""
        return not self.compiles

    @property
    def apk_line(self) -> str:
        """``apk add --no-cache …`` for the build stage."""
        return "apk add --no-cache " + " ".join(self.apk_packages)

    def describe(self) -> str:
        """One sentence for a report."""
        if self.pure:
            return (
                f"{self.sdist} is pure Python ({'; '.join(self.evidence)}): pip builds it "
                f"on Alpine without a compiler or any apk package, in seconds"
            )
        if self.optional is not None:
            return (
                f"{self.sdist} has an optional compiled extension ({'; '.join(self.evidence)}"
                f"); its setup.py installs the pure-Python code when compiling fails "
                f"({self.optional}): without build tools pip builds it on Alpine as pure "
                f"Python; for the compiled extension: {self.apk_line}"
            )
        parts = []
        if self.rust:
            parts.append(
                f"a Rust toolchain (its build backend is {self.backend or 'setuptools-rust'})"
            )
        if self.go:
            parts.append("a Go toolchain (setuptools-golang builds a Go extension)")
        if self.fortran:
            parts.append("a Fortran compiler (Fortran sources)")
        if self.cpp:
            parts.append("a C++ compiler")
        dev = [p for p in self.apk_packages if p.endswith("-dev")]
        if dev:
            parts.append("the headers of " + ", ".join(dev))
        if self.kernel_headers:
            parts.append(
                "the Linux kernel headers (its C sources include <linux/…>: linux-headers)"
            )
        what = "; ".join(parts) if parts else "a C compiler"
        why = f" ({'; '.join(self.evidence)})" if self.evidence else ""
        text = f"building {self.sdist} on Alpine needs {what}{why}: {self.apk_line}"
        if self.unmapped:
            text += (
                f" (and the -dev packages of {', '.join(self.unmapped)}: not in the tool's table)"
            )
        if self.not_in_release:
            text += (
                f"; {', '.join(self.not_in_release)}: no such package in Alpine "
                f"{self.release}'s package index, left out (find its name for that release)"
            )
        if self.impossible:
            text += f"; it links {', '.join(self.impossible)}, which Alpine does not have"
        if self.rust or self.fortran or self.size > _SLOW:
            text += "; expect a long build (tens of minutes on a small machine)"
        elif self.size > _QUICK:
            text += "; expect a build of minutes"
        else:
            text += "; a small source: expect a build of seconds to a few minutes"
        if not self.complete:
            text += f" (only the first {MAX_SDIST_BYTES // 1024**2} MB of the sdist read)"
        return text

    def to_json(self) -> dict[str, Any]:
        """Cache form (what the sdist says; the index check is redone each run)."""
        return {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.__dict__.items()
            if k not in ("release", "not_in_release")
        }


def against_index(needs: BuildNeeds, index: PackageIndex) -> BuildNeeds:
    """``needs`` checked against Alpine's package index of one release.

    A library the table does not know is looked up as a pkg-config module (``pc:NAME``,
    then ``pc:libNAME``: meson's and pkg-config's names) and, when a package provides
    it, joins the ``apk add`` line; a package of the line that the release has neither
    as a package nor as something provided is left out of it and named
    (:attr:`BuildNeeds.not_in_release`), since ``apk add`` would fail on it.
    """
    packages = [p for p in needs.apk_packages if index.provider(p) is not None]
    missing = tuple(p for p in needs.apk_packages if index.provider(p) is None)
    unmapped: list[str] = []
    for lib in needs.unmapped:
        pkg = index.pkgconfig_provider(lib) or index.pkgconfig_provider(f"lib{lib}")
        if pkg is None:
            unmapped.append(lib)
        elif pkg not in packages:
            packages.append(pkg)
    return dataclasses.replace(
        needs,
        apk_packages=tuple(packages),
        unmapped=tuple(unmapped),
        release=index.release,
        not_in_release=missing,
    )


_NEEDS_TYPES: dict[str, Any] = {
    "sdist": str,
    "backend": (str, type(None)),
    "rust": bool,
    "fortran": bool,
    "cpp": bool,
    "cython": bool,
    "cmake": bool,
    "libraries": list,
    "apk_packages": list,
    "unmapped": list,
    "impossible": list,
    "size": int,
    "complete": bool,
    "kernel_headers": bool,
    "go": bool,
    "compiles": bool,
    "evidence": list,
    "optional": (str, type(None)),
}


def _from_json(d: Any) -> BuildNeeds | None:
    """Cached build needs, every field's type checked (None when the entry is not one)."""
    if (
        not isinstance(d, dict)
        or not set(d) <= set(_NEEDS_TYPES)
        or not {"sdist", "size", "complete"} <= set(d)
    ):
        return None
    for k, v in d.items():
        if not isinstance(v, _NEEDS_TYPES[k]) or (_NEEDS_TYPES[k] is int and isinstance(v, bool)):
            return None
        if isinstance(v, list) and not all(isinstance(x, str) for x in v):
            return None
    kw: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()}
    try:
        return BuildNeeds(**kw)
    except TypeError:  # a field missing
        return None


# --------------------------------------------------------------------------- reading


_SETUP_LIBS = re.compile(r"\b(?:libraries|libs)\s*=\s*\[([^\]]*)\]")
_QUOTED = re.compile(r"""['"]([A-Za-z0-9_.+-]+)['"]""")
_DASH_L = re.compile(r"""['"\s]-l([A-Za-z0-9_.+-]+)""")
_PKG_CONFIG = re.compile(
    r"""pkg-config['"]?\s*,?\s*(?:['"][^'"]*['"]\s*,\s*)*['"]"""
    r"""(?:--\w+['"]\s*,\s*['"])*([A-Za-z0-9_.+-]+)['"]"""
)
_CFG_LIBS = re.compile(r"^\s*libs\s*=\s*([A-Za-z0-9_ .+-]+)$", re.MULTILINE)
_MESON_DEP = re.compile(r"""dependency\(\s*['"]([A-Za-z0-9_.+-]+)['"]""")
_CMAKE_PKG = re.compile(r"find_package\(\s*([A-Za-z0-9_]+)", re.IGNORECASE)


#: ``("libsvm-skl", {"sources": [...]})``: a library the sdist builds itself (setuptools'
#: ``libraries=`` of ``build_clib``), not a system library to install
_CLIB = re.compile(r"""\(\s*['"]([A-Za-z0-9_.+-]+)['"]\s*,\s*\{""")
#: a C/C++/Cython source that includes the Linux kernel's UAPI headers (``linux/*.h``,
#: ``asm/*.h``): on Alpine those are the ``linux-headers`` package, not in build-base
_KERNEL_INCLUDE = re.compile(
    rb"""^[ \t]*(?:#[ \t]*include[ \t]*"""
    rb"""|cdef[ \t]+extern[ \t]+from[ \t]+)"""
    rb"""[<"'](?:linux|asm|asm-generic)/[A-Za-z0-9_./-]+\.h[>"']""",
    re.MULTILINE,
)
_C_SOURCES = (
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".cxx",
    ".hpp",
    ".hh",
    ".hxx",
    ".pyx",
    ".pxd",
    ".pxi",
    ".inc",
)
MAX_SOURCE_FILE = 512 * 1024  # bytes of one C source read for its #includes


def includes_kernel_headers(text: bytes) -> bool:
    """Whether a C/C++/Cython source includes ``<linux/...>`` or ``<asm/...>`` headers."""
    return _KERNEL_INCLUDE.search(text) is not None


def _libs_from(name: str, text: str, known: frozenset[str] = frozenset()) -> set[str]:
    table = build_deps()
    found: set[str] = set()
    if name.endswith(".py") and "pkg-config" in text:
        # pkg-config names tried in a loop (mysqlclient: "mysqlclient", "mariadb", ...)
        found.update(q for q in _QUOTED.findall(text) if len(q) >= 3 and q in known)
    if name.endswith(".py") or name == "setup.cfg":
        for m in _SETUP_LIBS.finditer(text):
            if m[1].lstrip().startswith("("):
                continue  # build_clib's (name, build_info) tuples: built from the sdist
            found.update(_QUOTED.findall(m[1]))
        found.update(_DASH_L.findall(text))
        found.update(_PKG_CONFIG.findall(text))
        for m in _CFG_LIBS.finditer(text):
            found.update(m[1].split())
    elif name == "meson.build":
        found.update(_MESON_DEP.findall(text))
    elif name == "CMakeLists.txt":
        for m in _CMAKE_PKG.finditer(text):
            key = m[1].lower()
            if key not in table.cmake_skip:
                found.add(table.cmake_packages.get(key, key))
    if name.endswith(".py"):
        found -= set(_CLIB.findall(text))  # its own libraries, linked by name elsewhere
    return found


def analyse_members(
    sdist: str,
    members: dict[str, str],
    suffixes: set[str],
    size: int,
    complete: bool,
    *,
    kernel_headers: bool = False,
) -> BuildNeeds:
    """Build needs from the build files' texts (path -> text) and the source suffixes.

    *kernel_headers*: a C source of the sdist includes ``<linux/...>``/``<asm/...>``
    (:func:`includes_kernel_headers`), which Alpine's build-base does not provide.
    """
    table = build_deps()
    tools = build_tools()
    backend: str | None = None
    requires: list[str] = []
    libs: set[str] = set()
    programs: set[str] = set()
    for path, text in members.items():
        name = path.rsplit("/", 1)[-1]
        if name == "pyproject.toml" and path.count("/") <= 1:
            try:
                doc: dict[str, Any] = parse_toml(text.encode("utf-8", "surrogatepass"))
            except DocumentError:
                doc = {}
            raw_bs = doc.get("build-system")
            bs: dict[str, Any] = raw_bs if isinstance(raw_bs, dict) else {}
            b = bs.get("build-backend")
            backend = b if isinstance(b, str) else backend
            req = bs.get("requires")
            requires += [r for r in req if isinstance(r, str)] if isinstance(req, list) else []
        known = frozenset(table.libraries)
        # unknown names with "_" are Python identifiers caught by the patterns, not libraries
        libs |= {
            lib
            for lib in _libs_from(name, text, known)
            if lib.lower() not in table.not_packages and ("_" not in lib or lib in known)
        }
        if name != "pyproject.toml":
            programs |= {p for p in table.programs if p in text}
    req_names = " ".join(r.lower() for r in requires)
    rust = (
        any(b in req_names for b in table.rust_backends)
        or (backend or "").startswith("maturin")
        or any(p.endswith("Cargo.toml") for p in members)
    )
    fortran = bool(suffixes & {".f", ".f90", ".f95", ".f77", ".for"})
    # setuptools-golang (in build requires, or setup.cfg's setup_requires) with Go sources
    go = ".go" in suffixes and any(
        "setuptools-golang" in x or "setuptools_golang" in x for x in (req_names, *members.values())
    )
    cpp = bool(suffixes & {".cpp", ".cc", ".cxx", ".hpp"}) or "pybind11" in req_names
    cython = ".pyx" in suffixes or "cython" in req_names
    cmake = (
        any(p.endswith("CMakeLists.txt") for p in members)
        or "cmake" in req_names
        or "scikit-build" in req_names
    )
    meson = "meson" in req_names or (backend or "").startswith("mesonpy")
    evidence = _compile_evidence(backend, requires, members, suffixes)
    if not evidence:
        return BuildNeeds(
            sdist,
            backend,
            False,
            False,
            False,
            False,
            False,
            (),
            (),
            (),
            (),
            size,
            complete,
            compiles=False,
            evidence=(
                f"no C, C++, Cython, Fortran, Go or Rust sources; build backend "
                f"{backend or 'setuptools (setup.py)'} with no extension declared",
            ),
        )
    packages: list[str] = list(tools.toolchains["c"])
    # libm, libpthread, libresolv...: musl itself (build-base), nothing for pkg-config to find
    outside = {lib for lib in libs if table.package(lib) not in tools.toolchains["c"]}
    for flag, key in (
        (rust, "rust"),
        (go, "go"),
        (fortran, "fortran"),
        (cmake, "cmake"),
        (meson, "meson"),
        (bool(programs or outside), "pkg-config"),
        (kernel_headers, "kernel-headers"),
    ):
        if flag:
            packages += tools.toolchains[key]
    unmapped: list[str] = []
    impossible: list[str] = []
    for p in sorted(programs):
        packages.append(table.programs[p])
    for lib in sorted(libs):
        pkg = table.package(lib)
        if pkg is None:
            unmapped.append(lib)
        elif pkg.startswith("unavailable"):
            impossible.append(lib)
        else:
            packages.append(pkg)
    return BuildNeeds(
        sdist,
        backend,
        rust,
        fortran,
        cpp,
        cython,
        cmake,
        tuple(sorted(libs | programs)),
        tuple(dict.fromkeys(packages)),
        tuple(unmapped),
        tuple(impossible),
        size,
        complete,
        kernel_headers,
        go,
        compiles=True,
        evidence=evidence,
        optional=_optional_marker(members),
    )


def _optional_marker(members: dict[str, str]) -> str | None:
    """The text of a top-level setup.py that makes its extension optional, if any."""
    text = next((t for p, t in members.items() if p == "setup.py"), "")
    return next((m for m in build_deps().optional_markers if m in text), None)


#: source suffixes a build compiles (headers alone compile nothing)
COMPILED_SUFFIXES = frozenset(
    (".c", ".cc", ".cpp", ".cxx", ".c++", ".pyx", ".rs", ".f", ".f90", ".f95", ".f77", ".for")
) | {".go", ".cu"}


def _compile_evidence(
    backend: str | None, requires: list[str], members: dict[str, str], suffixes: set[str]
) -> tuple[str, ...]:
    """Why an sdist compiles ((): nothing in it does), from its own files.

    Pure only on positive evidence: no compiled source suffix, no Cargo.toml, meson.build
    or CMakeLists.txt, no build requirement that compiles (``compiling_requires``), no
    extension declared (``extension_markers``) and a build backend known to compile
    nothing by itself (``build-deps.json``; none: setuptools' legacy setup.py).
    """
    table = build_deps()
    why: list[str] = []
    sources = sorted(suffixes & COMPILED_SUFFIXES)
    if sources:
        why.append(f"its sources include {', '.join(sources)} files")
    for f in ("Cargo.toml", "meson.build", "CMakeLists.txt"):
        if any(p.rsplit("/", 1)[-1] == f for p in members):
            why.append(f"it has a {f}")
    if backend is not None and backend not in table.pure_backends:
        known = backend in table.compiling_backends
        why.append(
            f"its build backend {backend} "
            + ("compiles" if known else "is not one known to compile nothing")
        )
    names = {re.split(r"[<>=!~;\[ ]", r.strip(), maxsplit=1)[0].lower() for r in requires}
    names = {n.replace("_", "-") for n in names}
    compiling = sorted(n for n in names if n in table.compiling_requires)
    if compiling:
        why.append(f"its build requires {', '.join(compiling)}")
    for path, text in members.items():
        base = path.rsplit("/", 1)[-1]
        if base not in ("setup.py", "setup.cfg", "pyproject.toml") or path.count("/") > 1:
            continue
        found = [m for m in table.extension_markers if m in text]
        if found:
            why.append(f"its {path} declares {', '.join(found)}")
    return tuple(why)


class _Bounded(io.RawIOBase):
    def __init__(self, raw: Any, limit: int) -> None:
        self.raw, self.left, self.read_bytes, self.truncated = raw, limit, 0, False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.left <= 0:
            self.truncated = True
            return 0
        chunk = self.raw.read(min(len(b), self.left, 1 << 16))
        self.left -= len(chunk)
        self.read_bytes += len(chunk)
        b[: len(chunk)] = chunk
        return len(chunk)


def build_needs(
    url: str, filename: str, *, http: HttpClient, cache: ResponseCache, offline: bool = False
) -> BuildNeeds:
    """The build needs of the sdist at ``url`` (cached); raises PackageIndexError."""
    cached = cache.get(url, NEEDS_ACCEPT)
    if cached is not None:
        try:
            needs = _from_json(parse_json(cached.body))
        except DocumentError:
            needs = None
        if needs is not None:
            return needs
        log.info("%s: unreadable cached build needs", filename)
        cache.discard(url, NEEDS_ACCEPT)
    if offline:
        raise IndexUnavailable(
            f"{filename}: its build needs are not in the cache and we are offline"
        )
    if not filename.endswith((".tar.gz", ".tgz")):
        raise IndexUnavailable(f"{filename}: only .tar.gz sdists are read")
    members: dict[str, str] = {}
    suffixes: set[str] = set()
    kernel = False
    try:
        with http.open(url, {"User-Agent": "alpine-ready", "Accept": "*/*"}) as r:
            raw = _Bounded(r, MAX_SDIST_BYTES)
            buffered = io.BufferedReader(raw, 1 << 16)
            try:
                with tarfile.open(fileobj=buffered, mode="r|gz") as tar:
                    for i, m in enumerate(tar):
                        if i >= MAX_MEMBERS:
                            break
                        if not m.isfile():
                            continue
                        base = m.name.rsplit("/", 1)[-1]
                        dot = base.rfind(".")
                        if dot > 0:
                            suffixes.add(base[dot:].lower())
                        depth = m.name.count("/")
                        if not kernel and base.lower().endswith(_C_SOURCES):
                            f = tar.extractfile(m)
                            if f is not None:
                                kernel = includes_kernel_headers(f.read(MAX_SOURCE_FILE))
                        if _is_build_file(base, depth) and m.size <= MAX_BUILD_FILE:
                            f = tar.extractfile(m)
                            if f is not None:
                                rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
                                members[rel] = f.read(MAX_BUILD_FILE).decode("utf-8", "replace")
            except (tarfile.ReadError, EOFError, zlib.error) as e:
                if not raw.truncated:
                    raise IndexUnavailable(f"{filename}: not a readable tar.gz ({e})") from None
            size, complete = raw.read_bytes, not raw.truncated
    except PackageIndexError:
        raise
    except (OSError, tarfile.TarError) as e:
        raise IndexUnavailable(f"{filename}: cannot read {url} ({describe(e)})") from None
    needs = analyse_members(filename, members, suffixes, size, complete, kernel_headers=kernel)
    cache.put(url, NEEDS_ACCEPT, json.dumps(needs.to_json()).encode())
    return needs
