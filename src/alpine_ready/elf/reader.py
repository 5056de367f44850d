"""A focused, defensive ELF reader: just what a dynamic loader looks at.

We read the ELF header, the program headers (``PT_INTERP``, ``PT_DYNAMIC``,
``PT_TLS``, ``PT_LOAD``), the dynamic section, the dynamic symbol table with its
version table, and the relocation tables -- nothing else.  Every offset and count
is checked against the file size, every string is bounded, and reads go through
``os.pread`` so a hostile file can neither make us read outside it nor hold more
than a bounded window of it in memory.

Why not pyelftools or LIEF: measured here by ``benchmarks/scan_usr.py`` on the
2,660 ELF files of ``/usr``, reading these fields costs 13.5x (pyelftools 0.32,
which also crashes on one file) and 2.7x (LIEF 1.0) the time of ``scanelf``'s
whole header-only scan, against 2.0x for this reader -- and the symbol-level scan
must stay within 2x of scanelf.  ``tests/test_elf_vs_pyelftools.py`` keeps this
reader honest against pyelftools on a real corpus.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Final, NamedTuple

from ..errors import ElfError
from ..inputs.longpath import open_long

_StringFn = Callable[[int, str], str]

ELF_MAGIC: Final = b"\x7fELF"

# e_type
ET_REL, ET_EXEC, ET_DYN, ET_CORE = 1, 2, 3, 4
# p_type
PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_TLS = 1, 2, 3, 7
# d_tag
DT_NULL, DT_NEEDED, DT_PLTRELSZ, DT_HASH, DT_STRTAB, DT_SYMTAB = 0, 1, 2, 4, 5, 6
DT_RELA, DT_RELASZ, DT_RELAENT, DT_STRSZ, DT_SYMENT = 7, 8, 9, 10, 11
DT_SONAME, DT_RPATH, DT_REL, DT_RELSZ, DT_RELENT = 14, 15, 17, 18, 19
DT_PLTREL, DT_JMPREL, DT_RUNPATH, DT_FLAGS = 20, 23, 29, 30
DT_RELRSZ, DT_RELR = 35, 36
DT_GNU_HASH = 0x6FFFFEF5
DT_VERSYM, DT_FLAGS_1, DT_VERNEED, DT_VERNEEDNUM = 0x6FFFFFF0, 0x6FFFFFFB, 0x6FFFFFFE, 0x6FFFFFFF
DF_STATIC_TLS = 0x10
DF_1_PIE = 0x08000000
SHT_DYNSYM = 11
# symbol binding / type
STB_LOCAL, STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE = 0, 1, 2, 10
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_COMMON, STT_TLS, STT_GNU_IFUNC = 0, 1, 2, 5, 6, 10

EM_NAMES: Final = {
    3: "i386",
    40: "arm",
    62: "x86_64",
    183: "aarch64",
    243: "riscv64",
    8: "mips",
    20: "ppc",
    21: "ppc64",
    22: "s390x",
}

# Bounds that keep hostile files cheap.  Real files are far below all of them.
MAX_PHNUM: Final = 4096
MAX_DYN_ENTRIES: Final = 1 << 16
MAX_STRING: Final = 4096
MAX_SYMBOLS: Final = 1 << 22
MAX_SECTIONS_SCANNED: Final = 1 << 16
MAX_VERSION_NAMES: Final = 4096
MAX_NEEDED: Final = 4096
_RELOC_CHUNK: Final = 1 << 20  # bytes of relocation table read at once

#: Dynamic symbol table entries of one file that are analysed (a larger table: the
#: file is not analysed).  Real libraries stay far below (libLLVM: ~60k).
MAX_FILE_SYMBOLS: Final = 1 << 19
#: Bytes of symbol names kept from one file.
MAX_FILE_SYMBOL_BYTES: Final = 16 << 20
#: Symbol table entries one run holds in all: an image's analysis (its layers'
#: SymbolBudget), or the files one process of a directory scan indexes.
MAX_RUN_SYMBOLS: Final = 1 << 21
#: Bytes of symbol names one run holds in all.
MAX_RUN_SYMBOL_BYTES: Final = 64 << 20


@dataclass(frozen=True, slots=True)
class SymbolLimits:
    """How many symbol table entries, and bytes of their names, one read may take on."""

    symbols: int = MAX_FILE_SYMBOLS
    name_bytes: int = MAX_FILE_SYMBOL_BYTES


class SymbolTableTooLarge(ElfError):
    """The file's symbol records are beyond the :class:`SymbolLimits` of the read.

    ``kind`` is ``"symbols"`` (table entries, or symbols its relocations name) or
    ``"name_bytes"``; ``limit`` the limit that was passed.
    """

    def __init__(self, kind: str, limit: int, message: str | None = None) -> None:
        what = "symbols" if kind == "symbols" else "bytes of symbol names"
        super().__init__(message or f"symbol table larger than {limit:,} {what}")
        self.kind, self.limit = kind, limit

    @property
    def per_file(self) -> bool:
        """Beyond the per-file limits (else: beyond what was left of a run's budget)."""
        return self.limit >= (MAX_FILE_SYMBOLS if self.kind == "symbols" else MAX_FILE_SYMBOL_BYTES)


#: Why a file a run's symbol budget refused is not analysed.
RUN_BUDGET_SPENT: Final = (
    f"the run's ELF symbol budget ({MAX_RUN_SYMBOLS:,} symbols, "
    f"{MAX_RUN_SYMBOL_BYTES:,} bytes of names) is spent"
)


class _ProcessBudget:
    """What a run may still index from files on disk (lazily: see ElfFile.exports).

    Only inside :func:`run_symbol_budget`; elsewhere each file has its own limits.
    """

    active = False
    symbols = MAX_RUN_SYMBOLS
    name_bytes = MAX_RUN_SYMBOL_BYTES


@contextlib.contextmanager
def run_symbol_budget() -> Iterator[None]:
    """A run: files indexed from disk inside it share one symbol budget.

    Files read inside it are also read once (see :class:`_ReadCache`).

    Processes forked inside it (a scan's workers) spend what was left at the fork.
    """
    b = _ProcessBudget
    saved = (b.active, b.symbols, b.name_bytes)
    saved_cache = (_ReadCache.active, _ReadCache.entries, _ReadCache.weight)
    b.active, b.symbols, b.name_bytes = True, MAX_RUN_SYMBOLS, MAX_RUN_SYMBOL_BYTES
    _ReadCache.reset(True)
    try:
        yield
    finally:
        b.active, b.symbols, b.name_bytes = saved
        _ReadCache.active, _ReadCache.entries, _ReadCache.weight = saved_cache


class SymbolRef(NamedTuple):
    """A symbol that the object's relocations ask the loader to resolve.

    A named tuple, not a dataclass: large libraries have tens of thousands and
    building them is on the scan's hot path.

    ``defined`` and ``usable`` describe the object's own table entry: an entry that
    is defined *and* usable (a visible, non-IFUNC definition with a value) is found
    by the loader in the object itself once the object is in the global scope.
    """

    name: str
    bind: int
    type: int
    defined: bool  # st_shndx != SHN_UNDEF
    usable: bool  # a definition musl's lookup would accept (see ``_usable``)
    plt_addr: bool  # undefined, but with a value: satisfies the object's own non-PLT lookups
    plt: bool  # named by a JUMP_SLOT relocation (needs a real definition)
    nonplt: bool  # named by some other relocation (an undefined PLT address will do)
    copy: bool  # named by a COPY relocation (looked up past the executable)
    tpoff: bool  # named by an initial-exec TLS relocation
    version: str | None  # the version the referencing object asks for (ignored by musl)

    @property
    def weak_undefined(self) -> bool:
        """Weak and undefined: musl never reports these as missing."""
        return not self.defined and self.bind == STB_WEAK


@dataclass(frozen=True, slots=True)
class Export:
    """How a defined dynamic symbol serves lookups from other objects."""

    full: bool  # usable by any relocation, including JUMP_SLOT
    tls: bool


_OK_TYPES: Final = frozenset({STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_COMMON, STT_TLS})
_OK_BINDS: Final = frozenset({STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE})
_EXP_FULL: Final = Export(full=True, tls=False)
_EXP_NONPLT: Final = Export(full=False, tls=False)
_EXP_TLS: Final = Export(full=True, tls=True)


@dataclass(frozen=True, slots=True)
class _Segment:
    vaddr: int
    offset: int
    filesz: int


def _usable(bind: int, typ: int, shndx: int, value: int, hidden: bool) -> tuple[bool, bool]:
    """Musl's ``find_sym`` acceptance test for one symbol entry.

    Returns (usable for non-PLT lookups, usable for PLT lookups).  Mirrors
    ``ldso/dynlink.c``: hidden versions are invisible; undefined entries count
    only for non-PLT, non-TLS lookups and only with a value (the canonical PLT
    address of a non-PIE executable); a zero value rejects all but TLS; the type
    must be NOTYPE/OBJECT/FUNC/COMMON/TLS (so IFUNC is rejected); the binding
    GLOBAL/WEAK/UNIQUE.
    """
    if hidden:
        return False, False
    if typ not in (STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_COMMON, STT_TLS):
        return False, False
    if bind not in (STB_GLOBAL, STB_WEAK, STB_GNU_UNIQUE):
        return False, False
    if value == 0 and typ != STT_TLS:
        return False, False
    if shndx == 0:
        if typ == STT_TLS:
            return False, False
        return True, False
    return True, True


@dataclass
class ElfFile:
    """The loader-relevant content of one ELF file.

    Construct with :func:`read_elf`.  Cheap fields are read eagerly; the symbol
    table is indexed lazily (``exports``) because most objects are only ever
    asked about the symbols their own relocations name (``imports``).
    """

    path: Path
    size: int
    elf_class: int  # 32 or 64
    little_endian: bool
    machine: int
    elf_type: int
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
    local_tpoff: bool = False  # an initial-exec TLS relocation against the object's own TLS
    imports: tuple[SymbolRef, ...] = ()
    osabi: int = 0  # e_ident[EI_OSABI]: 0 System V, 3 Linux, 9 FreeBSD, …
    _symtab: tuple[int, int, int] | None = field(default=None, repr=False)  # offset, count, entsize
    _strtab: tuple[int, int] | None = field(default=None, repr=False)  # offset, size
    _versym: int | None = field(default=None, repr=False)
    _name_bytes: int = field(default=0, repr=False)  # of the symbol names taken so far

    @property
    def machine_name(self) -> str:
        """``x86_64``, ``aarch64``, … or ``EM_<n>``."""
        return EM_NAMES.get(self.machine, f"EM_{self.machine}")

    @property
    def search_path(self) -> str | None:
        """The rpath musl uses: DT_RUNPATH when present, else DT_RPATH (musl treats both alike)."""
        return self.runpath if self.runpath is not None else self.rpath

    @property
    def is_static(self) -> bool:
        """A static executable (no dynamic section) or static-pie: runs on any libc."""
        if self.interpreter is not None:
            return False
        return not self.dynamic or (not self.needed and bool(self.flags_1 & DF_1_PIE))

    @cached_property
    def exports(self) -> dict[str, Export]:
        """Every dynamic symbol another object's lookup could resolve to, by name."""
        return self._symbol_index[0]

    @cached_property
    def ifuncs(self) -> frozenset[str]:
        """Names defined only as GNU IFUNC: glibc resolves them, musl cannot."""
        return self._symbol_index[1]

    def to_record(self) -> dict[str, Any]:
        """Everything the loader model needs, as JSON-able data (for per-layer caches)."""
        exports, ifuncs = self._symbol_index
        return {
            "path": str(self.path),
            "size": self.size,
            "class": self.elf_class,
            "little": self.little_endian,
            "machine": self.machine,
            "type": self.elf_type,
            "interpreter": self.interpreter,
            "dynamic": self.dynamic,
            "tls": self.has_tls,
            "needed": list(self.needed),
            "soname": self.soname,
            "rpath": self.rpath,
            "runpath": self.runpath,
            "flags": self.flags,
            "flags_1": self.flags_1,
            "verneed": [[f, list(v)] for f, v in self.verneed],
            "relocation_types": sorted(self.relocation_types),
            "relr": self.has_relr,
            "local_tpoff": self.local_tpoff,
            "imports": [list(ref) for ref in self.imports],
            "exports": sorted(k for k, v in exports.items() if v.full and not v.tls),
            "exports_nonplt": sorted(k for k, v in exports.items() if not v.full),
            "exports_tls": sorted(k for k, v in exports.items() if v.tls),
            "ifuncs": sorted(ifuncs),
            "symbols": self.symbol_count,
            "osabi": self.osabi,
            "name_bytes": self._name_bytes,
        }

    @staticmethod
    def record_problem(rec: object) -> str | None:
        """What makes ``rec`` something :meth:`from_record` cannot take (None: nothing).

        For records read back from a cache: every field :meth:`to_record` writes,
        with its type, down to each symbol.
        """
        if not isinstance(rec, dict):
            return "not an object"
        for key, types in _RECORD_FIELDS.items():
            if type(rec.get(key, _MISSING)) not in types:
                return f"field {key!r} missing or of the wrong type"
        for key in ("needed", "exports", "exports_nonplt", "exports_tls", "ifuncs"):
            if not _all_of(rec[key], str):
                return f"field {key!r} is not a list of strings"
        if not _all_of(rec["relocation_types"], int):
            return "field 'relocation_types' is not a list of integers"
        for item in rec["verneed"]:
            if (
                type(item) is not list
                or len(item) != 2
                or type(item[0]) is not str
                or type(item[1]) is not list
                or not _all_of(item[1], str)
            ):
                return "field 'verneed' is malformed"
        for ref in rec["imports"]:
            if (
                type(ref) is not list
                or len(ref) != len(_IMPORT_TYPES)
                or any(type(v) not in t for v, t in zip(ref, _IMPORT_TYPES, strict=True))
            ):
                return "field 'imports' is malformed"
        return None

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> ElfFile:
        """The inverse of :meth:`to_record` (no file is read, ever)."""
        elf = cls(
            path=Path(rec["path"]),
            size=rec["size"],
            elf_class=rec["class"],
            little_endian=rec["little"],
            machine=rec["machine"],
            elf_type=rec["type"],
            interpreter=rec["interpreter"],
            dynamic=rec["dynamic"],
            has_tls=rec["tls"],
            needed=tuple(rec["needed"]),
            soname=rec["soname"],
            rpath=rec["rpath"],
            runpath=rec["runpath"],
            flags=rec["flags"],
            flags_1=rec["flags_1"],
            verneed=tuple((f, tuple(v)) for f, v in rec["verneed"]),
            relocation_types=frozenset(rec["relocation_types"]),
            has_relr=rec["relr"],
            local_tpoff=rec["local_tpoff"],
            imports=tuple(SymbolRef(*r) for r in rec["imports"]),
            # absent from records cached before it was kept: the tell-tales still apply
            osabi=rec.get("osabi", 0) if type(rec.get("osabi")) is int else 0,
        )
        exports: dict[str, Export] = dict.fromkeys(rec["exports"], _EXP_FULL)
        exports.update(dict.fromkeys(rec["exports_nonplt"], _EXP_NONPLT))
        exports.update(dict.fromkeys(rec["exports_tls"], _EXP_TLS))
        elf.__dict__["_symbol_index"] = (exports, frozenset(rec["ifuncs"]))
        return elf

    @cached_property
    def _symbol_index(self) -> tuple[dict[str, Export], frozenset[str]]:
        if self._symtab is None or self._strtab is None:
            return {}, frozenset()
        budget = _ProcessBudget
        limits = (
            SymbolLimits(
                min(MAX_FILE_SYMBOLS, budget.symbols), min(MAX_FILE_SYMBOL_BYTES, budget.name_bytes)
            )
            if budget.active
            else _DEFAULT_LIMITS
        )
        fd, size = _open_regular(self.path)
        with os.fdopen(fd, "rb"):
            before = self._name_bytes
            try:
                index = self._index_from(
                    _Reader(
                        _fd_pread(fd),
                        min(size, self.size),
                        self.little_endian,
                        self.elf_class,
                        limits,
                    )
                )
            except SymbolTableTooLarge as exc:
                if exc.per_file:
                    raise
                raise SymbolTableTooLarge(exc.kind, exc.limit, RUN_BUDGET_SPENT) from None
        if budget.active:
            budget.symbols -= self.symbol_count
            budget.name_bytes -= self._name_bytes - before
        return index

    @property
    def symbol_count(self) -> int:
        """Entries of the dynamic symbol table (what reading its symbols costs)."""
        return self._symtab[1] if self._symtab is not None else 0

    def _index_from(self, reader: _Reader) -> tuple[dict[str, Export], frozenset[str]]:
        out: dict[str, Export] = {}
        ifuncs: set[str] = set()
        if self._symtab is None or self._strtab is None:
            return out, frozenset()
        sym_off, count, entsize = self._symtab
        reader.symbols(count)
        reader.name_bytes = self._name_bytes
        data = reader.read(sym_off, count * entsize, "dynamic symbol table")
        versyms = self._read_versyms(reader, count)
        strtab = reader.read(self._strtab[0], self._strtab[1], "dynamic string table")
        nvers, nstr = len(versyms), len(strtab)
        wide = self.elf_class == 64
        fmt = struct.Struct(reader.e + ("IBBHQQ" if wide else "IIIBBH"))
        if entsize != fmt.size:  # unusual entry size: re-pack to the standard one
            data = b"".join(
                data[o : o + fmt.size] for o in range(0, len(data) - entsize + 1, entsize)
            )
        ok_types, ok_binds = _OK_TYPES, _OK_BINDS
        find = strtab.find
        name_bytes, most = reader.name_bytes, reader.limits.name_bytes  # reader.names(), inline
        for i, fields in enumerate(fmt.iter_unpack(data[: len(data) // fmt.size * fmt.size])):
            if wide:
                name_off, info, _other, shndx, value, _sz = fields
            else:
                name_off, value, _sz, info, _other, shndx = fields
            typ = info & 0xF
            # Most entries of an executable are plain imports: drop them first.
            if shndx == 0 and (value == 0 or typ == STT_TLS):
                continue
            if name_off == 0 or name_off >= nstr:
                continue
            if i < nvers and versyms[i] & 0x8000:
                continue  # hidden version: invisible to musl
            bind = info >> 4
            if bind not in ok_binds:
                continue
            if typ in ok_types:
                if value == 0 and typ != STT_TLS:
                    continue
                exp = _EXP_TLS if typ == STT_TLS else (_EXP_FULL if shndx else _EXP_NONPLT)
                is_ifunc = False
            elif typ == STT_GNU_IFUNC and shndx != 0:
                is_ifunc = True
            else:
                continue
            end = find(b"\0", name_off, name_off + MAX_STRING)
            if end < 0:
                end = name_off + MAX_STRING
            key = strtab[name_off:end].decode("utf-8", "surrogateescape")
            if is_ifunc:
                if key in ifuncs:
                    continue
                ifuncs.add(key)
            elif key not in out:  # musl takes the first entry its hash chain meets
                out[key] = exp
            else:
                continue
            name_bytes += end - name_off
            if name_bytes > most:
                raise SymbolTableTooLarge("name_bytes", most)
        reader.name_bytes = self._name_bytes = name_bytes
        return out, frozenset(ifuncs - out.keys())

    def _read_versyms(self, reader: _Reader, count: int) -> memoryview | tuple[int, ...]:
        if self._versym is None:
            return ()
        raw = reader.read(self._versym, 2 * count, "version symbol table", partial=True)
        raw = raw[: len(raw) // 2 * 2]
        if self.little_endian == (struct.pack("=H", 1) == b"\x01\x00"):
            return memoryview(raw).cast("H")
        return tuple(v for (v,) in struct.iter_unpack(">H", raw))


_MISSING: Final = object()
_STR_OR_NONE: Final = (str, type(None))
_RECORD_FIELDS: Final[dict[str, tuple[type, ...]]] = {
    "path": (str,),
    "size": (int,),
    "class": (int,),
    "little": (bool,),
    "machine": (int,),
    "type": (int,),
    "interpreter": _STR_OR_NONE,
    "dynamic": (bool,),
    "tls": (bool,),
    "needed": (list,),
    "soname": _STR_OR_NONE,
    "rpath": _STR_OR_NONE,
    "runpath": _STR_OR_NONE,
    "flags": (int,),
    "flags_1": (int,),
    "verneed": (list,),
    "relocation_types": (list,),
    "relr": (bool,),
    "local_tpoff": (bool,),
    "imports": (list,),
    "exports": (list,),
    "exports_nonplt": (list,),
    "exports_tls": (list,),
    "ifuncs": (list,),
    "symbols": (int,),
    "name_bytes": (int,),
}
# SymbolRef's fields, in order
_IMPORT_TYPES: Final = ((str,), (int,), (int,), *([(bool,)] * 7), _STR_OR_NONE)


def _all_of(items: list[Any], kind: type) -> bool:
    """Is every item exactly of ``kind`` (a bool is not an int here)?"""
    return not items or set(map(type, items)) == {kind}


Pread = Callable[[int, int], bytes]  # (length, offset) -> bytes, like os.pread without fd


def _fd_pread(fd: int) -> Pread:
    return lambda length, offset: os.pread(fd, length, offset)


def _bytes_pread(data: bytes | bytearray | memoryview) -> Pread:
    view = memoryview(data)
    return lambda length, offset: bytes(view[offset : offset + length])


class _Reader:
    """Bounded positioned reads from one file (or one in-memory image of a file)."""

    def __init__(
        self,
        pread: Pread,
        size: int,
        little: bool,
        elf_class: int,
        limits: SymbolLimits | None = None,
    ) -> None:
        self.pread, self.size, self.e = pread, size, "<" if little else ">"
        self.wide = elf_class == 64
        self.limits = limits or _DEFAULT_LIMITS
        self.name_bytes = 0  # of the symbol names taken so far

    def symbols(self, count: int) -> None:
        """Refuse a symbol table of ``count`` entries beyond the limits."""
        if count > self.limits.symbols:
            raise SymbolTableTooLarge("symbols", self.limits.symbols)

    def names(self, nbytes: int) -> None:
        """Count ``nbytes`` of symbol names taken; refuse beyond the limits."""
        self.name_bytes += nbytes
        if self.name_bytes > self.limits.name_bytes:
            raise SymbolTableTooLarge("name_bytes", self.limits.name_bytes)

    def read(self, offset: int, length: int, what: str, *, partial: bool = False) -> bytes:
        if offset < 0 or length < 0 or offset > self.size:
            raise ElfError(f"{what} lies outside the file (offset {offset:#x})")
        if offset + length > self.size:
            if not partial:
                raise ElfError(f"{what} runs past the end of the file (truncated?)")
            length = self.size - offset
        data = self.pread(length, offset)
        if len(data) != length:
            raise ElfError(f"short read of {what}")
        return data


_DEFAULT_LIMITS: Final = SymbolLimits()


def _open_regular(path: Path | str) -> tuple[int, int]:
    """Open a regular file without blocking (FIFOs, devices); return (fd, size).

    The path may be longer than ``PATH_MAX`` (a file deep in a scanned tree).
    """
    fd, st = _open_regular_stat(path)
    return fd, st.st_size


def _open_regular_stat(path: Path | str) -> tuple[int, os.stat_result]:
    """:func:`_open_regular`, with the open file's status."""
    fd = open_long(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(st.st_mode):
            raise ElfError("not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def is_elf(path: Path | str) -> bool:
    """True when ``path`` is a regular file that starts with the ELF magic (reads 4 bytes)."""
    try:
        fd, _size = _open_regular(path)
    except (OSError, ElfError):
        return False
    try:
        return os.pread(fd, 4, 0) == ELF_MAGIC
    except OSError:
        return False
    finally:
        os.close(fd)


def read_elf(path: Path | str) -> ElfFile:
    """Read the loader-relevant parts of ``path``.

    Raises :class:`ElfError` for malformed files and :class:`OSError` for I/O
    problems; never anything else on any input (fuzzed in the tests).
    """
    p = Path(path)
    fd, st = _open_regular_stat(p)
    try:
        cache = _ReadCache
        if not cache.active:
            return _parse(p, _fd_pread(fd), st.st_size, _DEFAULT_LIMITS)
        key = (str(p), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        elf = cache.get(key)
        if elf is None:
            elf = _parse(p, _fd_pread(fd), st.st_size, _DEFAULT_LIMITS)
            cache.put(key, elf)
        return elf
    except _MALFORMED as exc:
        raise ElfError(f"malformed ELF structure ({exc})") from None
    finally:
        os.close(fd)


_ReadKey = tuple[str, int, int, int, int, int]  # path, st_dev, st_ino, size, mtime, ctime


class _ReadCache:
    """Files :func:`read_elf` parsed in this run, for the next read of the same file.

    Only inside :func:`run_symbol_budget`: a scan reads a library as a scanned
    file, again as a dependency, again as a loader of a vendored library (once
    per library it vendors) -- each read of a large C++ library parses tens of
    thousands of relocations.  Keyed by the path and the file's identity and
    change times (a file replaced or rewritten is read afresh); the same object
    is returned, so its symbol index is also built (and charged to the run's
    budget) once.  Bounded: the least recently used go first past
    ``MAX_ENTRIES`` files or ``MAX_WEIGHT`` symbol references held.
    """

    MAX_ENTRIES: ClassVar[int] = 256
    MAX_WEIGHT: ClassVar[int] = 1 << 19  # imports + symbol-table entries of the files held

    active: ClassVar[bool] = False
    entries: ClassVar[dict[_ReadKey, ElfFile]] = {}
    weight: ClassVar[int] = 0

    @classmethod
    def reset(cls, active: bool) -> None:
        cls.active, cls.entries, cls.weight = active, {}, 0

    @classmethod
    def get(cls, key: _ReadKey) -> ElfFile | None:
        elf = cls.entries.pop(key, None)
        if elf is not None:
            cls.entries[key] = elf  # now the most recently used
        return elf

    @classmethod
    def put(cls, key: _ReadKey, elf: ElfFile) -> None:
        w = _weight(elf)
        if w > cls.MAX_WEIGHT:
            return
        cls.entries[key] = elf
        cls.weight += w
        while len(cls.entries) > cls.MAX_ENTRIES or cls.weight > cls.MAX_WEIGHT:
            oldest = next(iter(cls.entries))
            cls.weight -= _weight(cls.entries.pop(oldest))


def _weight(elf: ElfFile) -> int:
    return 1 + len(elf.imports) + elf.symbol_count


_MALFORMED = (struct.error, ValueError, IndexError, KeyError, OverflowError, UnicodeError)


def read_elf_bytes(
    data: bytes | bytearray, name: str, limits: SymbolLimits | None = None
) -> ElfFile:
    """Parse an ELF file held in memory (a member of an image layer).

    The symbol index is built at once, so the result never needs ``data`` again
    (``name`` is only a label: nothing is opened by that path).  ``limits``
    (default: the per-file ones) bound its symbol records:
    :class:`SymbolTableTooLarge` beyond them.
    """
    limits = limits or _DEFAULT_LIMITS
    try:
        elf = _parse(Path(name), _bytes_pread(data), len(data), limits)
        reader = _Reader(_bytes_pread(data), len(data), elf.little_endian, elf.elf_class, limits)
        elf.__dict__["_symbol_index"] = elf._index_from(reader)
    except _MALFORMED as exc:
        raise ElfError(f"malformed ELF structure ({exc})") from None
    return elf


def _parse(path: Path, pread: Pread, size: int, limits: SymbolLimits) -> ElfFile:
    ident = pread(16, 0)
    if len(ident) < 16 or ident[:4] != ELF_MAGIC:
        raise ElfError("not an ELF file (bad magic or shorter than an ELF header)")
    cls, data_enc, osabi = ident[4], ident[5], ident[7]
    if cls not in (1, 2):
        raise ElfError(f"unknown ELF class {cls}")
    if data_enc not in (1, 2):
        raise ElfError(f"unknown ELF data encoding {data_enc}")
    little = data_enc == 1
    elf_class = 64 if cls == 2 else 32
    r = _Reader(pread, size, little, elf_class, limits)
    e = r.e
    if elf_class == 64:
        hdr = r.read(16, 48, "ELF header")
        (
            etype,
            machine,
            _ver,
            _entry,
            phoff,
            shoff,
            _flags,
            _ehsize,
            phentsize,
            phnum,
            shentsize,
            shnum,
            _shstrndx,
        ) = struct.unpack(e + "HHIQQQIHHHHHH", hdr)
        ph_fmt, ph_min = struct.Struct(e + "IIQQQQQQ"), 56
    else:
        hdr = r.read(16, 36, "ELF header")
        (
            etype,
            machine,
            _ver,
            _entry,
            phoff,
            shoff,
            _flags,
            _ehsize,
            phentsize,
            phnum,
            shentsize,
            shnum,
            _shstrndx,
        ) = struct.unpack(e + "HHIIIIIHHHHHH", hdr)
        ph_fmt, ph_min = struct.Struct(e + "IIIIIIII"), 32
    elf = ElfFile(
        path=path,
        size=size,
        elf_class=elf_class,
        little_endian=little,
        machine=machine,
        elf_type=etype,
        osabi=osabi,
    )
    if etype not in (ET_EXEC, ET_DYN) or phnum == 0:
        return elf
    if phentsize < ph_min:
        raise ElfError(f"program header entry size {phentsize} is too small")
    if phnum > MAX_PHNUM:
        raise ElfError(f"{phnum} program headers (limit {MAX_PHNUM})")
    phdata = r.read(phoff, phnum * phentsize, "program header table")
    loads: list[_Segment] = []
    dyn: tuple[int, int] | None = None
    interp: tuple[int, int] | None = None
    for i in range(phnum):
        fields = ph_fmt.unpack_from(phdata, i * phentsize)
        if elf_class == 64:
            ptype, _pflags, poff, pvaddr, _paddr, pfilesz, _pmemsz, _align = fields
        else:
            ptype, poff, pvaddr, _paddr, pfilesz, _pmemsz, _pflags, _align = fields
        if ptype == PT_LOAD:
            loads.append(_Segment(pvaddr, poff, pfilesz))
        elif ptype == PT_DYNAMIC:
            dyn = (poff, pfilesz)
        elif ptype == PT_INTERP:
            interp = (poff, pfilesz)
        elif ptype == PT_TLS:
            elf.has_tls = True
    if interp is not None:
        raw = r.read(interp[0], min(interp[1], MAX_STRING), "PT_INTERP", partial=True)
        elf.interpreter = raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    if dyn is None:
        return elf
    elf.dynamic = True
    _parse_dynamic(elf, r, dyn, loads, shoff, shentsize, shnum)
    return elf


def _to_offset(loads: list[_Segment], vaddr: int, what: str) -> int:
    for seg in loads:
        if seg.vaddr <= vaddr < seg.vaddr + seg.filesz:
            return seg.offset + (vaddr - seg.vaddr)
    raise ElfError(f"{what} address {vaddr:#x} is not in any loaded segment")


def _parse_dynamic(
    elf: ElfFile,
    r: _Reader,
    dyn: tuple[int, int],
    loads: list[_Segment],
    shoff: int,
    shentsize: int,
    shnum: int,
) -> None:
    wide = elf.elf_class == 64
    entsize = 16 if wide else 8
    count = min(dyn[1] // entsize, MAX_DYN_ENTRIES)
    raw = r.read(dyn[0], count * entsize, "dynamic section", partial=True)
    fmt = r.e + ("qQ" if wide else "iI")
    tags: dict[int, int] = {}
    needed_offs: list[int] = []
    for tag, val in struct.iter_unpack(fmt, raw[: len(raw) // entsize * entsize]):
        if tag == DT_NULL:
            break
        if tag == DT_NEEDED:
            needed_offs.append(val)
        else:
            tags.setdefault(tag, val)
    if DT_STRTAB not in tags:
        if needed_offs:
            raise ElfError("dynamic section has DT_NEEDED but no DT_STRTAB")
        return
    str_off = _to_offset(loads, tags[DT_STRTAB], "DT_STRTAB")
    str_size = min(tags.get(DT_STRSZ, r.size - str_off), r.size - str_off)
    strtab = r.read(str_off, str_size, "dynamic string table", partial=True)

    def string(off: int, what: str) -> str:
        if off >= len(strtab):
            raise ElfError(f"{what} string offset {off:#x} is outside the string table")
        end = strtab.find(b"\0", off, off + MAX_STRING)
        return strtab[off : end if end >= 0 else off + MAX_STRING].decode(
            "utf-8", "surrogateescape"
        )

    if len(needed_offs) > MAX_NEEDED:
        raise ElfError(f"{len(needed_offs)} DT_NEEDED entries (limit {MAX_NEEDED})")
    elf.needed = tuple(string(o, "DT_NEEDED") for o in needed_offs)
    if DT_SONAME in tags:
        elf.soname = string(tags[DT_SONAME], "DT_SONAME")
    if DT_RPATH in tags:
        elf.rpath = string(tags[DT_RPATH], "DT_RPATH")
    if DT_RUNPATH in tags:
        elf.runpath = string(tags[DT_RUNPATH], "DT_RUNPATH")
    elf.flags = tags.get(DT_FLAGS, 0)
    elf.flags_1 = tags.get(DT_FLAGS_1, 0)
    elf._strtab = (str_off, len(strtab))

    verneed_by_index: dict[int, str] = {}
    if DT_VERNEED in tags:
        elf.verneed, verneed_by_index = _parse_verneed(
            r, _to_offset(loads, tags[DT_VERNEED], "DT_VERNEED"), tags.get(DT_VERNEEDNUM, 0), string
        )

    if DT_SYMTAB not in tags:
        return
    sym_off = _to_offset(loads, tags[DT_SYMTAB], "DT_SYMTAB")
    sym_ent = tags.get(DT_SYMENT, 24 if wide else 16)
    if sym_ent < (24 if wide else 16) or sym_ent > 256:
        raise ElfError(f"implausible symbol entry size {sym_ent}")
    nsyms = _symbol_count(elf, r, tags, loads, sym_off, shoff, shentsize, shnum, sym_ent)
    r.symbols(nsyms)
    elf._symtab = (sym_off, nsyms, sym_ent)
    if DT_VERSYM in tags:
        elf._versym = _to_offset(loads, tags[DT_VERSYM], "DT_VERSYM")
    _parse_relocations(elf, r, tags, loads, strtab, string, verneed_by_index)


def _parse_verneed(
    r: _Reader, off: int, num: int, string: _StringFn
) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], dict[int, str]]:
    out: list[tuple[str, tuple[str, ...]]] = []
    by_index: dict[int, str] = {}
    e = r.e
    budget = MAX_VERSION_NAMES
    for _ in range(min(num, 1024)):
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack(
            e + "HHIII", r.read(off, 16, "version needs")
        )
        if vn_version != 1:
            raise ElfError(f"unknown Verneed version {vn_version}")
        names: list[str] = []
        aux = off + vn_aux
        for _ in range(min(vn_cnt, 1024)):
            budget -= 1
            if budget < 0:
                raise ElfError(f"more than {MAX_VERSION_NAMES} needed versions")
            _hash, _flags, other, vna_name, vna_next = struct.unpack(
                e + "IHHII", r.read(aux, 16, "version needs aux")
            )
            name = string(vna_name, "version name")
            names.append(name)
            by_index[other & 0x7FFF] = name
            if vna_next == 0:
                break
            aux += vna_next
        out.append((string(vn_file, "version file"), tuple(names)))
        if vn_next == 0:
            break
        off += vn_next
    return tuple(out), by_index


def _symbol_count(
    elf: ElfFile,
    r: _Reader,
    tags: dict[int, int],
    loads: list[_Segment],
    sym_off: int,
    shoff: int,
    shentsize: int,
    shnum: int,
    sym_ent: int,
) -> int:
    """How many entries the dynamic symbol table has.

    Section headers are the cheapest source; stripped-of-sections files fall back
    to DT_HASH's nchain or a walk of DT_GNU_HASH, as the loader itself would.
    """
    limit = min((r.size - sym_off) // sym_ent, MAX_SYMBOLS)
    wide = elf.elf_class == 64
    if shoff and shentsize >= (64 if wide else 40) and 0 < shnum <= MAX_SECTIONS_SCANNED:
        try:
            table = r.read(shoff, shnum * shentsize, "section header table")
        except ElfError:
            table = b""
        fmt = struct.Struct(r.e + ("IIQQQQIIQQ" if wide else "IIIIIIIIII"))
        for i in range(len(table) // shentsize):
            f = fmt.unpack_from(table, i * shentsize)
            if f[1] == SHT_DYNSYM and f[4] == sym_off:
                return min(int(f[5]) // sym_ent, limit)
    if DT_HASH in tags:
        h = r.read(_to_offset(loads, tags[DT_HASH], "DT_HASH"), 8, "DT_HASH")
        return min(int(struct.unpack(r.e + "II", h)[1]), limit)
    if DT_GNU_HASH in tags:
        return min(
            _gnu_hash_count(r, _to_offset(loads, tags[DT_GNU_HASH], "DT_GNU_HASH"), wide), limit
        )
    return 0


def _gnu_hash_count(r: _Reader, off: int, wide: bool) -> int:
    head = r.read(off, 16, "gnu hash")
    nbuckets, symoffset, bloom_size, _shift = struct.unpack(r.e + "IIII", head)
    if nbuckets > 1 << 24 or bloom_size > 1 << 24:
        raise ElfError("implausible DT_GNU_HASH sizes")
    boff = off + 16 + bloom_size * (8 if wide else 4)
    buckets = struct.unpack(f"{r.e}{nbuckets}I", r.read(boff, 4 * nbuckets, "gnu hash buckets"))
    last = max(buckets, default=0)
    if last < symoffset:
        return int(symoffset)
    chain_off = boff + 4 * nbuckets
    start = chain_off + 4 * (last - symoffset)
    idx = last
    step = 4096  # chain entries read at once
    while idx - symoffset < MAX_SYMBOLS:
        data = r.read(start + 4 * (idx - last), 4 * step, "gnu hash chain", partial=True)
        if len(data) < 4:
            break
        for (h,) in struct.iter_unpack(r.e + "I", data[: len(data) // 4 * 4]):
            idx += 1
            if h & 1:
                return idx
        step = min(step * 4, 1 << 20)
    return idx


_NATIVE_LITTLE: Final = struct.pack("=H", 1) == b"\x01\x00"


def _reloc_infos(r: _Reader, off: int, size: int, rela: bool, what: str, infos: set[int]) -> None:
    """Add the distinct r_info values of one relocation table (a few per symbol) to ``infos``.

    More distinct values than four per symbol the limits allow: the file names
    more symbols than it may (:class:`SymbolTableTooLarge`).
    """
    wide = r.wide
    word = 8 if wide else 4
    ent = word * (3 if rela else 2)
    size -= size % ent
    most = 4 * r.limits.symbols
    pos = 0
    chunk = _RELOC_CHUNK - _RELOC_CHUNK % ent
    while pos < size:
        n = min(chunk, size - pos)
        data = r.read(off + pos, n, what)
        if (r.e == "<") == _NATIVE_LITTLE:
            mv = memoryview(data).cast("Q" if wide else "I")
            infos.update(mv[1 :: 3 if rela else 2])
        else:
            fmt = r.e + ("Q" if wide else "I") * (3 if rela else 2)
            infos.update(t[1] for t in struct.iter_unpack(fmt, data))
        if len(infos) > most:
            raise SymbolTableTooLarge("symbols", r.limits.symbols)
        pos += n


_ONLY_PLT: Final = (True, False, False, False)
_ONLY_NONPLT: Final = (False, True, False, False)


def _parse_relocations(
    elf: ElfFile,
    r: _Reader,
    tags: dict[int, int],
    loads: list[_Segment],
    strtab: bytes,
    string: _StringFn,
    verneed: dict[int, str],
) -> None:
    wide = elf.elf_class == 64
    tables: list[tuple[int, int, bool, str]] = []  # address, size, rela?, name
    if tags.get(DT_RELASZ) and DT_RELA in tags:
        tables.append((tags[DT_RELA], tags[DT_RELASZ], True, "DT_RELA"))
    if tags.get(DT_RELSZ) and DT_REL in tags:
        tables.append((tags[DT_REL], tags[DT_RELSZ], False, "DT_REL"))
    if tags.get(DT_PLTRELSZ) and DT_JMPREL in tags:
        tables.append(
            (tags[DT_JMPREL], tags[DT_PLTRELSZ], tags.get(DT_PLTREL) == DT_RELA, "DT_JMPREL")
        )
    shift, mask = (32, 0xFFFFFFFF) if wide else (8, 0xFF)
    copy_t, tpoff_t, plt_t = _special_types(elf.machine)
    infos: set[int] = set()
    for vaddr, size, rela, name in tables:
        _reloc_infos(r, _to_offset(loads, vaddr, name), size, rela, name, infos)
    rtypes = {i & mask for i in infos}
    # R_*_NONE is skipped by musl before any symbol lookup; symbol 0 names no symbol.
    named = {i for i in infos if i >> shift and i & mask}
    plt_syms = {i >> shift for i in named if i & mask == plt_t}
    copy_syms = {i >> shift for i in named if i & mask == copy_t}
    tpoff_syms = {i >> shift for i in named if i & mask == tpoff_t}
    other_syms = {i >> shift for i in named if i & mask not in (plt_t, copy_t)}
    elf.local_tpoff = any(i & mask == tpoff_t for i in infos if not i >> shift)
    # (plt, nonplt, copy, tpoff) per symbol: most symbols are named by one kind of
    # relocation only, so they are filled a set at a time; the rest one by one.
    mixed = (plt_syms & other_syms) | copy_syms | tpoff_syms
    per_sym = dict.fromkeys(other_syms - mixed, _ONLY_NONPLT)
    per_sym.update(dict.fromkeys(plt_syms - mixed, _ONLY_PLT))
    for sym in mixed:
        per_sym[sym] = (sym in plt_syms, sym in other_syms, sym in copy_syms, sym in tpoff_syms)
    elf.has_relr = bool(tags.get(DT_RELRSZ))  # RELR: supported by musl >= 1.2.4
    elf.relocation_types = frozenset(rtypes)
    if not per_sym or elf._symtab is None:
        return
    sym_off, nsyms, sym_ent = elf._symtab
    if max(per_sym) >= nsyms:
        # The table size we derived is smaller than the relocations claim: trust the
        # relocations but stay inside the file.
        nsyms = min(max(per_sym) + 1, (r.size - sym_off) // sym_ent)
        r.symbols(nsyms)
        elf._symtab = (sym_off, nsyms, sym_ent)
        if max(per_sym) >= nsyms:
            raise ElfError("a relocation names a symbol past the end of the file")
    # One read for the entries the relocations name, one for their versions.
    lo, hi = min(per_sym), max(per_sym)
    symdata = r.read(sym_off + lo * sym_ent, (hi - lo + 1) * sym_ent, "dynamic symbols")
    versyms: Sequence[int] = ()
    if elf._versym is not None:
        raw = r.read(elf._versym + 2 * lo, 2 * (hi - lo + 1), "version symbols", partial=True)
        raw = raw[: len(raw) // 2 * 2]
        versyms = (
            memoryview(raw).cast("H")
            if (r.e == "<") == _NATIVE_LITTLE
            else [v for (v,) in struct.iter_unpack(r.e + "H", raw)]
        )
    nvers = len(versyms)
    st = struct.Struct(r.e + ("IBBHQQ" if wide else "IIIBBH"))
    unpack_from = st.unpack_from
    nstr = len(strtab)
    find = strtab.find
    get_version = verneed.get
    ok_types, ok_binds = _OK_TYPES, _OK_BINDS
    new_ref = tuple.__new__  # SymbolRef(...) without its Python-level __new__
    refs: list[SymbolRef] = []
    append = refs.append
    name_bytes = 0
    for idx in sorted(per_sym):
        k = idx - lo
        if wide:
            name_off, info, _other, shndx, value, _sz = unpack_from(symdata, k * sym_ent)
        else:
            name_off, value, _sz, info, _other, shndx = unpack_from(symdata, k * sym_ent)
        bind, typ = info >> 4, info & 0xF
        hidden = False
        version = None
        if k < nvers:
            vs = versyms[k]
            hidden = vs >= 0x8000
            version = get_version(vs & 0x7FFF)
        if name_off >= nstr:
            raise ElfError(f"symbol name offset {name_off:#x} is outside the string table")
        end = find(b"\0", name_off, name_off + MAX_STRING)
        if end < 0:
            end = name_off + MAX_STRING
        if name_off:
            name = strtab[name_off:end].decode("utf-8", "surrogateescape")
            name_bytes += end - name_off
        else:
            name = ""
        # _usable(...)[0], inline: this loop runs once per relocated symbol
        any_ok = (
            not hidden
            and typ in ok_types
            and bind in ok_binds
            and (value != 0 or typ == STT_TLS)
            and (shndx != 0 or typ != STT_TLS)
        )
        defined = shndx != 0
        append(
            new_ref(
                SymbolRef,
                (
                    name,
                    bind,
                    typ,
                    defined,
                    any_ok and defined,
                    any_ok and not defined,
                    *per_sym[idx],
                    version,
                ),
            )
        )
    r.names(name_bytes)
    elf._name_bytes = r.name_bytes
    elf.imports = tuple(refs)


def _special_types(machine: int) -> tuple[int, int, int]:
    """Relocation type numbers of COPY, TPOFF and JUMP_SLOT for the machines we model."""
    return {62: (5, 18, 7), 183: (1024, 1030, 1026), 3: (5, 14, 7)}.get(machine, (-2, -2, -2))
