"""Differential test: ``alpine_ready.elf.reader`` against pyelftools on real ELF files.

The corpus is every ELF regular file (symlinks are not followed) under ``/usr/bin``
and ``/usr/lib/x86_64-linux-gnu`` -- thinned to at most ``_HOST_CAP`` files, taken
every k-th from the sorted list so the choice is deterministic -- plus every ELF
file of the pinned Alpine rootfs when it has been fetched (``tools/fixtures.py
alpine``).  Each file is one test, so a mismatch names its file.

pyelftools computes the expected values independently: the dynamic tags, program
headers and relocation tables come from its ``DynamicSegment`` (tables located
from ``DT_RELA``/``DT_REL``/``DT_JMPREL`` as the loader does), the symbol and
version tables from its section objects, and the musl acceptance rules for
exports are re-implemented below from their description, not copied from the
reader.
"""

from __future__ import annotations

import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from elftools.elf.dynamic import DynamicSegment
from elftools.elf.elffile import ELFFile
from elftools.elf.enums import (
    ENUM_RELOC_TYPE_AARCH64,
    ENUM_ST_INFO_BIND,
    ENUM_ST_INFO_TYPE,
    ENUM_ST_SHNDX,
    ENUM_RELOC_TYPE_i386,
    ENUM_RELOC_TYPE_x64,
)
from elftools.elf.gnuversions import GNUVerNeedSection, GNUVerSymSection
from elftools.elf.sections import SymbolTableSection
from elftools.elf.segments import InterpSegment

from alpine_ready.elf import reader as reader_module
from alpine_ready.elf.reader import ElfFile, read_elf

HOST_ROOTS: tuple[Path, ...] = (Path("/usr/bin"), Path("/usr/lib/x86_64-linux-gnu"))
_HOST_CAP = 400
# Files above this size are left out of the host sample: pyelftools needs
# seconds per file for libLLVM-sized objects, which would blow the time budget.
_HOST_MAX_SIZE = 40 << 20

# musl's find_sym: OK_TYPES / OK_BINDS (ldso/dynlink.c).
_OK_TYPES = frozenset({0, 1, 2, 5, 6})  # NOTYPE OBJECT FUNC COMMON TLS
_OK_BINDS = frozenset({1, 2, 10})  # GLOBAL WEAK GNU_UNIQUE
_STT_TLS = ENUM_ST_INFO_TYPE["STT_TLS"]
_STT_GNU_IFUNC = ENUM_ST_INFO_TYPE["STT_LOOS"]  # 10: GNU_IFUNC
_VERSYM_HIDDEN = 0x8000


def _num(table: dict[str, Any], name: str) -> int:
    return int(table[name])


# e_machine -> (COPY, initial-exec TPOFF) relocation types, from pyelftools' names.
_COPY_TPOFF: dict[str, tuple[int, int]] = {
    machine: (_num(table, copy), _num(table, tpoff))
    for machine, table, copy, tpoff in (
        ("EM_X86_64", ENUM_RELOC_TYPE_x64, "R_X86_64_COPY", "R_X86_64_TPOFF64"),
        ("EM_AARCH64", ENUM_RELOC_TYPE_AARCH64, "R_AARCH64_COPY", "R_AARCH64_TLS_TPREL64"),
        ("EM_386", ENUM_RELOC_TYPE_i386, "R_386_COPY", "R_386_TLS_TPOFF"),
    )
}


# --------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------


def _is_elf_regular(path: Path) -> bool:
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode):
            return False
        with path.open("rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def _elf_files(root: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, _dirnames, filenames in os.walk(root, followlinks=False):
        for name in filenames:
            p = Path(dirpath) / name
            if _is_elf_regular(p):
                out.append(p)
    return sorted(out)


def _host_corpus() -> list[Path]:
    files: list[Path] = []
    seen: set[tuple[int, int]] = set()  # hard links (e.g. mesa's dri/*.so) count once
    for root in HOST_ROOTS:
        for p in _elf_files(root):
            st = p.stat()
            if (st.st_dev, st.st_ino) in seen or st.st_size > _HOST_MAX_SIZE:
                continue
            seen.add((st.st_dev, st.st_ino))
            files.append(p)
    files.sort()
    step = max(1, -(-len(files) // _HOST_CAP))  # ceil
    return files[::step][:_HOST_CAP]


def alpine_rootfs() -> Path | None:
    """The pinned Alpine rootfs, fetched now if needed (the corpus is collected here)."""
    import fixtures  # tools/fixtures.py, on sys.path through conftest

    return fixtures.alpine_rootfs()


def _alpine_corpus() -> list[Path]:
    rootfs = alpine_rootfs()
    return _elf_files(rootfs) if rootfs is not None else []


HOST_FILES = _host_corpus()
ALPINE_FILES = _alpine_corpus()


# --------------------------------------------------------------------------
# The oracle: the same fields, computed with pyelftools
# --------------------------------------------------------------------------


@dataclass
class Expected:
    """What the reader should report, as computed by pyelftools."""

    interpreter: str | None = None
    dynamic: bool = False
    has_tls: bool = False
    needed: tuple[str, ...] = ()
    soname: str | None = None
    rpath: str | None = None
    runpath: str | None = None
    flags: int = 0
    flags_1: int = 0
    verneed: tuple[tuple[str, tuple[str, ...]], ...] = ()
    relocation_types: frozenset[int] = frozenset()
    has_relr: bool = False
    local_tpoff: bool = False
    # sorted (name, bind, type, defined, usable, plt_addr, plt, nonplt, copy, tpoff, version)
    imports: list[tuple[Any, ...]] = field(default_factory=list)
    exports: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # name -> (full, tls)
    ifuncs: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)  # oracle-side sanity problems


def _enum(value: Any, table: dict[str, Any]) -> int:
    """pyelftools gives enum fields as names when it knows them: back to ints."""
    return int(table[value]) if isinstance(value, str) else int(value)


def _sym_fields(sym: Any) -> tuple[int, int, int, int]:
    """(bind, type, shndx, value) of a pyelftools Symbol."""
    info = sym["st_info"]
    return (
        _enum(info["bind"], ENUM_ST_INFO_BIND),
        _enum(info["type"], ENUM_ST_INFO_TYPE),
        _enum(sym["st_shndx"], ENUM_ST_SHNDX),
        int(sym["st_value"]),
    )


def _musl_accepts(bind: int, typ: int, shndx: int, value: int) -> tuple[bool, bool]:
    """(any lookup accepts it, PLT lookups accept it) for a non-hidden entry.

    Written from musl's rules: type NOTYPE/OBJECT/FUNC/COMMON/TLS, bind
    GLOBAL/WEAK/UNIQUE, a zero value rejected except for TLS, an undefined entry
    only for non-PLT, non-TLS lookups (the canonical PLT address of an executable).
    """
    if typ not in _OK_TYPES or bind not in _OK_BINDS:
        return False, False
    if value == 0 and typ != _STT_TLS:
        return False, False
    if shndx == 0:
        return typ != _STT_TLS, False
    return True, True


def _versyms(elf: ELFFile) -> list[int] | None:
    for sec in elf.iter_sections():
        if isinstance(sec, GNUVerSymSection):
            raw = sec.data()
            fmt = ("<" if elf.little_endian else ">") + f"{len(raw) // 2}H"
            return list(struct.unpack(fmt, raw[: len(raw) // 2 * 2]))
    return None


def _dynsym(elf: ELFFile) -> SymbolTableSection | None:
    for sec in elf.iter_sections():
        if isinstance(sec, SymbolTableSection) and sec["sh_type"] == "SHT_DYNSYM":
            return sec
    return None


def _verneed(elf: ELFFile) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], dict[int, str]]:
    out: list[tuple[str, tuple[str, ...]]] = []
    by_index: dict[int, str] = {}
    for sec in elf.iter_sections():
        if isinstance(sec, GNUVerNeedSection):
            for vn, auxes in sec.iter_versions():
                names: list[str] = []
                for aux in auxes:
                    names.append(aux.name)
                    by_index[int(aux["vna_other"]) & 0x7FFF] = aux.name
                out.append((vn.name, tuple(names)))
    return tuple(out), by_index


def _oracle(path: Path) -> Expected:
    exp = Expected()
    with path.open("rb") as fh:
        elf = ELFFile(fh)
        if elf["e_type"] not in ("ET_EXEC", "ET_DYN") or elf["e_phnum"] == 0:
            return exp  # the reader looks at loadable objects only
        dyn: DynamicSegment | None = None
        for seg in elf.iter_segments():
            if isinstance(seg, InterpSegment) and exp.interpreter is None:
                exp.interpreter = seg.get_interp_name()
            elif seg["p_type"] == "PT_TLS":
                exp.has_tls = True
            elif isinstance(seg, DynamicSegment) and dyn is None:
                dyn = seg
        if dyn is None:
            return exp
        exp.dynamic = True
        tags: dict[str, Any] = {}
        needed: list[str] = []
        for tag in dyn.iter_tags():
            name = tag["d_tag"]
            if name == "DT_NEEDED":
                needed.append(tag.needed)
            elif isinstance(name, str) and name not in tags:
                tags[name] = tag
        exp.needed = tuple(needed)
        if "DT_SONAME" in tags:
            exp.soname = tags["DT_SONAME"].soname
        if "DT_RPATH" in tags:
            exp.rpath = tags["DT_RPATH"].rpath
        if "DT_RUNPATH" in tags:
            exp.runpath = tags["DT_RUNPATH"].runpath
        if "DT_FLAGS" in tags:
            exp.flags = int(tags["DT_FLAGS"]["d_val"])
        if "DT_FLAGS_1" in tags:
            exp.flags_1 = int(tags["DT_FLAGS_1"]["d_val"])
        exp.has_relr = bool("DT_RELRSZ" in tags and tags["DT_RELRSZ"]["d_val"])
        exp.verneed, version_names = _verneed(elf)

        dynsym = _dynsym(elf)
        versyms = _versyms(elf)
        if (
            dynsym is not None
            and "DT_SYMTAB" in tags
            and dynsym["sh_addr"] != tags["DT_SYMTAB"]["d_ptr"]
        ):
            exp.notes.append("DT_SYMTAB is not the .dynsym section")
        _oracle_relocations(elf, dyn, dynsym, versyms, version_names, exp)
        if dynsym is not None:
            _oracle_exports(dynsym, versyms, exp)
    return exp


def _oracle_relocations(
    elf: ELFFile,
    dyn: DynamicSegment,
    dynsym: SymbolTableSection | None,
    versyms: list[int] | None,
    version_names: dict[int, str],
    exp: Expected,
) -> None:
    copy_t, tpoff_t = _COPY_TPOFF.get(elf["e_machine"], (-2, -2))
    rtypes: set[int] = set()
    per_sym: dict[int, list[bool]] = {}  # index -> [plt, nonplt, copy, tpoff]
    for kind, table in dyn.get_relocation_tables().items():
        if kind == "RELR":
            continue  # RELR entries carry no type or symbol
        for reloc in table.iter_relocations():
            typ, sym = int(reloc["r_info_type"]), int(reloc["r_info_sym"])
            rtypes.add(typ)
            if typ == 0:
                continue  # R_*_NONE: musl skips it before looking at the symbol
            if sym == 0:
                exp.local_tpoff |= typ == tpoff_t
                continue
            flags = per_sym.setdefault(sym, [False, False, False, False])
            if typ == copy_t:
                flags[2] = True
            elif kind == "JMPREL":
                flags[0] = True
            else:
                flags[1] = True
            flags[3] |= typ == tpoff_t
    exp.relocation_types = frozenset(rtypes)
    if dynsym is None:
        if per_sym:
            exp.notes.append("relocations name symbols but there is no .dynsym")
        return
    imports: list[tuple[Any, ...]] = []
    for idx, (plt, nonplt, copy, tpoff) in per_sym.items():
        sym = dynsym.get_symbol(idx)
        bind, typ, shndx, value = _sym_fields(sym)
        hidden, version = False, None
        if versyms is not None and idx < len(versyms):
            hidden = bool(versyms[idx] & _VERSYM_HIDDEN)
            version = version_names.get(versyms[idx] & 0x7FFF)
        accepted = not hidden and _musl_accepts(bind, typ, shndx, value)[0]
        usable, plt_addr = accepted and shndx != 0, accepted and shndx == 0
        imports.append(
            (sym.name, bind, typ, shndx != 0, usable, plt_addr, plt, nonplt, copy, tpoff, version)
        )
    exp.imports = sorted(imports, key=repr)


def _oracle_exports(dynsym: SymbolTableSection, versyms: list[int] | None, exp: Expected) -> None:
    exports: dict[str, tuple[bool, bool]] = {}
    ifuncs: set[str] = set()
    for i, sym in enumerate(dynsym.iter_symbols()):
        if not sym.name:
            continue
        if versyms is not None and i < len(versyms) and versyms[i] & _VERSYM_HIDDEN:
            continue  # a hidden (non-default) version: invisible to musl's hash lookup
        bind, typ, shndx, value = _sym_fields(sym)
        if typ == _STT_GNU_IFUNC and shndx != 0:
            ifuncs.add(sym.name)
            continue
        any_ok, full = _musl_accepts(bind, typ, shndx, value)
        if any_ok and sym.name not in exports:
            exports[sym.name] = (full, typ == _STT_TLS)
    exp.exports = exports
    exp.ifuncs = frozenset(ifuncs - exports.keys())


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------


def _actual_imports(got: ElfFile) -> list[tuple[Any, ...]]:
    return sorted(
        (
            (
                s.name,
                s.bind,
                s.type,
                s.defined,
                s.usable,
                s.plt_addr,
                s.plt,
                s.nonplt,
                s.copy,
                s.tpoff,
                s.version,
            )
            for s in got.imports
        ),
        key=repr,
    )


def _diff_set(what: str, got: Any, want: Any, limit: int = 8) -> str:
    g, w = set(got), set(want)
    extra, missing = sorted(g - w, key=repr)[:limit], sorted(w - g, key=repr)[:limit]
    return f"{what}: reader has {len(g - w)} extra {extra}, lacks {len(w - g)} {missing}"


def compare(path: Path) -> list[str]:
    """Every difference between the reader and pyelftools for one file."""
    want = _oracle(path)
    got = read_elf(path)
    problems = [f"oracle: {n}" for n in want.notes]
    for name in (
        "interpreter",
        "dynamic",
        "has_tls",
        "needed",
        "soname",
        "rpath",
        "runpath",
        "flags",
        "flags_1",
        "verneed",
        "has_relr",
        "local_tpoff",
    ):
        g, w = getattr(got, name), getattr(want, name)
        if g != w:
            problems.append(f"{name}: reader {g!r} != pyelftools {w!r}")
    if got.relocation_types != want.relocation_types:
        problems.append(_diff_set("relocation types", got.relocation_types, want.relocation_types))
    got_imports = _actual_imports(got)
    if got_imports != want.imports:
        problems.append(_diff_set("imports", got_imports, want.imports))
    got_exports = {k: (v.full, v.tls) for k, v in got.exports.items()}
    if got_exports.keys() != want.exports.keys():
        problems.append(_diff_set("export names", got_exports, want.exports))
    else:
        flags_differ = sorted(k for k in got_exports if got_exports[k] != want.exports[k])
        if flags_differ:
            problems.append(f"export (full, tls) differ for {flags_differ[:8]}")
    if got.ifuncs != want.ifuncs:
        problems.append(_diff_set("ifuncs", got.ifuncs, want.ifuncs))
    return problems


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_host_corpus_is_substantial() -> None:
    assert len(HOST_FILES) >= 50, f"only {len(HOST_FILES)} ELF files found under {HOST_ROOTS}"


@pytest.mark.parametrize("path", HOST_FILES, ids=[str(p) for p in HOST_FILES])
def test_host_file_matches_pyelftools(path: Path) -> None:
    problems = compare(path)
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


@pytest.mark.skipif(
    not ALPINE_FILES, reason="Alpine rootfs fixture not fetched (python3 tools/fixtures.py alpine)"
)
@pytest.mark.parametrize("path", ALPINE_FILES, ids=[str(p) for p in ALPINE_FILES])
def test_alpine_file_matches_pyelftools(path: Path) -> None:
    problems = compare(path)
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


def test_oracle_sees_what_matters() -> None:
    """Guard the oracle itself: on libc the interesting fields must be non-trivial."""
    libc = Path("/usr/lib/x86_64-linux-gnu/libc.so.6")
    if not libc.is_file():
        pytest.skip("no glibc on this host")
    libc = libc.resolve()
    want = _oracle(libc)
    assert want.soname == "libc.so.6"
    assert want.has_tls
    assert len(want.exports) > 1000
    assert want.ifuncs  # glibc's string functions
    assert "memcpy" in want.ifuncs
    assert "printf" in want.exports and want.exports["printf"] == (True, False)
    assert any(name == "_rtld_global" for name, *_ in want.imports)
    assert compare(libc) == []


def test_compare_notices_a_wrong_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard the harness: a reader that ignores the versym hidden bit must be caught."""
    libc = Path("/usr/lib/x86_64-linux-gnu/libc.so.6")
    if not libc.is_file():
        pytest.skip("no glibc on this host")

    def no_versions(self: object, reader: object, count: int) -> tuple[int, ...]:
        return ()  # as if the version table said nothing: hidden entries become visible

    monkeypatch.setattr(reader_module.ElfFile, "_read_versyms", no_versions)
    problems = compare(libc.resolve())
    assert any(p.startswith("export names") for p in problems), problems
