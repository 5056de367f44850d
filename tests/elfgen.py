"""Write a shared library with N exported dynamic symbols, fast (no compiler, no linker).

For hostile-input tests and benchmarks (issue 10): a library with 2,000,000
symbols takes a linker minutes; this writes the ELF directly -- an ELF64
x86-64 ``ET_DYN`` with one ``PT_LOAD`` over the whole file, a ``PT_DYNAMIC``
(``DT_STRTAB``, ``DT_STRSZ``, ``DT_SYMTAB``, ``DT_SYMENT``, ``DT_HASH``,
``DT_SONAME``) and ``N + 1`` dynamic symbols (the null one, then ``N`` global
functions named ``<prefix>NNNNNNN``).  ``readelf -D -s`` lists them all
(the tests check that the file is what it claims with it).  The hash table has one
bucket whose chain holds every symbol (correct, and slow for a real loader's
lookups -- nothing here is ever run).
"""

from __future__ import annotations

import array
import struct
import sys
from pathlib import Path

_SYM = struct.Struct("<IBBHQQ")
_DYN_TAGS = (5, 10, 6, 11, 4, 14)  # STRTAB STRSZ SYMTAB SYMENT HASH SONAME


def many_symbols_library(n: int, *, prefix: str = "s", soname: str = "libmany.so") -> bytes:
    """The bytes of a shared library exporting ``n`` functions (names ``prefix`` + 7 digits)."""
    names = b"".join(b"%s%07d\0" % (prefix.encode(), i) for i in range(n))
    strtab = b"\0" + soname.encode() + b"\0" + names
    first_name = 2 + len(soname)
    name_len = len(prefix) + 8
    ndyn = len(_DYN_TAGS) + 1
    dyn_off = 64 + 2 * 56
    str_off = dyn_off + ndyn * 16
    sym_off = (str_off + len(strtab) + 7) & ~7
    nsym = n + 1
    hash_off = sym_off + nsym * 24
    size = hash_off + 12 + 4 * nsym
    info = (1 << 4) | 2  # STB_GLOBAL, STT_FUNC
    pack = _SYM.pack
    syms = bytes(24) + b"".join(
        pack(first_name + i * name_len, info, 0, 1, 0x1000 + 16 * i, 16) for i in range(n)
    )
    values = (str_off, len(strtab), sym_off, 24, hash_off, 1)
    dyn = b"".join(struct.pack("<qQ", t, v) for t, v in zip(_DYN_TAGS, values, strict=True))
    dyn += bytes(16)  # DT_NULL
    ehdr = (
        b"\x7fELF\x02\x01\x01\x00"
        + bytes(8)
        + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 64, 0, 0, 64, 56, 2, 64, 0, 0)
    )
    phdrs = struct.pack("<IIQQQQQQ", 1, 5, 0, 0, 0, size, size, 0x1000) + struct.pack(
        "<IIQQQQQQ", 2, 6, dyn_off, dyn_off, dyn_off, len(dyn), len(dyn), 8
    )
    out = bytearray(size)
    out[0:64] = ehdr
    out[64:dyn_off] = phdrs
    out[dyn_off:str_off] = dyn
    out[str_off : str_off + len(strtab)] = strtab
    out[sym_off:hash_off] = syms
    # one bucket whose chain runs N, N-1, ... 1: every symbol, so readelf -D lists them
    chains = array.array("I", [0])  # chain[0] = 0, chain[i] = i - 1
    chains.extend(range(n))
    if sys.byteorder != "little":
        chains.byteswap()
    out[hash_off:size] = struct.pack("<III", 1, nsym, n) + chains.tobytes()
    return bytes(out)


def write_many_symbols_library(path: Path, n: int, **kw: str) -> Path:
    """:func:`many_symbols_library` into ``path`` (kept when already there)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(many_symbols_library(n, **kw))
        tmp.replace(path)
    return path
