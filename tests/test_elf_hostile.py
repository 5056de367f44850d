"""Hostile input for ``alpine_ready.elf.reader``.

The contract under test: ``read_elf`` (and the lazy ``exports``/``ifuncs`` it
returns) raises only ``ElfError`` for malformed files and ``OSError`` for I/O
problems -- never anything else -- and never hangs or blows up memory;
``is_elf`` never raises and never hangs.

Inputs: truncated copies of real binaries at every structure boundary and at
random offsets, corrupted header/program-header/dynamic fields of a real binary,
special files (FIFO, directory, symlink loop, ...), small hand-built ELF files
that aim at one code path each, and hypothesis fuzzing.  Every read runs under a
SIGALRM time limit so that a hang fails the test instead of stalling the run;
the memory-amplification probes run in a child process under ``RLIMIT_AS``.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from elftools.elf.dynamic import DynamicSegment
from elftools.elf.elffile import ELFFile
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from alpine_ready.elf import reader
from alpine_ready.elf.reader import ElfError, ElfFile, is_elf, read_elf

READER_FILE = Path(reader.__file__).resolve()
TIME_LIMIT = 5.0  # seconds for one read of a small hostile file; real reads take ~1 ms


def _first_file(*candidates: str) -> Path | None:
    for c in candidates:
        p = Path(c)
        if p.is_file():
            return p.resolve()
    return None


TRUE_BIN = _first_file("/usr/bin/true", "/bin/true")
LIBC = _first_file("/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6")
needs_true = pytest.mark.skipif(TRUE_BIN is None, reason="no /usr/bin/true")

# --------------------------------------------------------------------------
# Running the reader under a time limit, classifying what comes out
# --------------------------------------------------------------------------


class ReadTimeout(BaseException):
    """Raised by SIGALRM when one read exceeds its time limit (nobody may swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        raise ReadTimeout(f"read did not finish within {seconds} s (hang?)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def touch(elf: ElfFile) -> None:
    """Force every lazy part of the result (the symbol index is read on demand)."""
    _ = (elf.exports, elf.ifuncs, elf.machine_name, elf.search_path, elf.is_static)
    _ = [s.weak_undefined for s in elf.imports]


def outcome(path: Path, limit: float = TIME_LIMIT) -> str:
    """``ok`` / ``ElfError: ...`` / ``OSError: ...``; anything else propagates."""
    with time_limit(limit):
        try:
            touch(read_elf(path))
        except ElfError as exc:
            return f"ElfError: {exc}"
        except OSError as exc:
            return f"OSError: {exc}"
    return "ok"


def describe(exc: BaseException) -> str:
    """Exception type, message and the innermost reader frame (or the last one)."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if Path(f.filename).resolve() == READER_FILE]
    where = (mine or frames)[-1] if frames else None
    at = f" at {Path(where.filename).name}:{where.lineno} in {where.name}()" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


def check_all(tmp: Path, cases: Iterable[tuple[str, bytes]]) -> list[str]:
    """Run the reader on every case; return the unexpected outcomes, one line each."""
    failures: list[str] = []
    for label, data in cases:
        path = write(tmp, "case", data)
        try:
            outcome(path)
        except (Exception, ReadTimeout) as exc:
            failures.append(f"{label}: {describe(exc)}")
    return failures


def fields(elf: ElfFile) -> dict[str, Any]:
    """The loader view of a result, for equality between two reads."""
    return {
        "interpreter": elf.interpreter,
        "needed": elf.needed,
        "soname": elf.soname,
        "rpath": elf.rpath,
        "runpath": elf.runpath,
        "has_tls": elf.has_tls,
        "flags": elf.flags,
        "flags_1": elf.flags_1,
        "verneed": elf.verneed,
        "relocation_types": elf.relocation_types,
        "has_relr": elf.has_relr,
        "local_tpoff": elf.local_tpoff,
        "imports": sorted(elf.imports, key=repr),
        "exports": elf.exports,
        "ifuncs": elf.ifuncs,
    }


# --------------------------------------------------------------------------
# The structure of a real binary (from pyelftools), for aimed corruption
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    size: int
    phoff: int
    phentsize: int
    phnum: int
    shoff: int
    shentsize: int
    shnum: int
    # (p_type name, file offset of the header)
    phdrs: tuple[tuple[str, int], ...]
    # d_tag name -> file offset of its first entry
    dyn_entries: dict[str, int]
    dyn_count: int
    # section name -> (offset, size)
    sections: dict[str, tuple[int, int]]
    # file offsets of the r_info words of every dynamic relocation
    r_info_offsets: tuple[int, ...]
    # the end of the last byte read_elf needs (program headers, dynamic data)
    loader_data_end: int

    def boundaries(self) -> set[int]:
        """Every offset where a header, table or table entry begins or ends."""
        cuts = set(range(0, 65))
        cuts |= {self.phoff + i * self.phentsize for i in range(self.phnum + 1)}
        cuts |= {self.shoff + i * self.shentsize for i in range(self.shnum + 1)}
        cuts |= {v for off, size in self.sections.values() for v in (off, off + size)}
        dyn = self.dyn_entries.get("DT_NEEDED", min(self.dyn_entries.values(), default=0))
        cuts |= {dyn + 16 * i for i in range(self.dyn_count + 1)}
        cuts |= {o - 8 for o in self.r_info_offsets[:64]} | {self.size}
        near = {c + d for c in cuts for d in (-1, 1)}
        return {c for c in cuts | near if 0 <= c <= self.size}


def layout_of(path: Path) -> Layout:
    with path.open("rb") as fh:
        elf = ELFFile(fh)
        assert elf.elfclass == 64 and elf.little_endian, "layout helpers assume ELF64 LE"
        phdrs: list[tuple[str, int]] = []
        dyn_entries: dict[str, int] = {}
        dyn_count = 0
        loader_end = elf["e_phoff"] + elf["e_phnum"] * elf["e_phentsize"]
        for i, seg in enumerate(elf.iter_segments()):
            phdrs.append((str(seg["p_type"]), elf["e_phoff"] + i * elf["e_phentsize"]))
            if seg["p_type"] in ("PT_INTERP", "PT_DYNAMIC"):
                loader_end = max(loader_end, seg["p_offset"] + seg["p_filesz"])
            if isinstance(seg, DynamicSegment):
                for n, tag in enumerate(seg.iter_tags()):
                    dyn_entries.setdefault(str(tag["d_tag"]), seg["p_offset"] + 16 * n)
                    dyn_count = n + 1
        sections: dict[str, tuple[int, int]] = {}
        r_info: list[int] = []
        for sec in elf.iter_sections():
            if sec["sh_type"] == "SHT_NOBITS" or not sec.name:
                continue
            sections[sec.name] = (sec["sh_offset"], sec["sh_size"])
            if sec.name in (
                ".dynsym",
                ".dynstr",
                ".gnu.version",
                ".gnu.version_r",
                ".rela.dyn",
                ".rela.plt",
                ".gnu.hash",
                ".hash",
            ):
                loader_end = max(loader_end, sec["sh_offset"] + sec["sh_size"])
            if sec.name in (".rela.dyn", ".rela.plt"):
                r_info += range(sec["sh_offset"] + 8, sec["sh_offset"] + sec["sh_size"], 24)
        return Layout(
            size=path.stat().st_size,
            phoff=elf["e_phoff"],
            phentsize=elf["e_phentsize"],
            phnum=elf["e_phnum"],
            shoff=elf["e_shoff"],
            shentsize=elf["e_shentsize"],
            shnum=elf["e_shnum"],
            phdrs=tuple(phdrs),
            dyn_entries=dyn_entries,
            dyn_count=dyn_count,
            sections=sections,
            r_info_offsets=tuple(r_info),
            loader_data_end=loader_end,
        )


TRUE_LAYOUT = layout_of(TRUE_BIN) if TRUE_BIN else None
TRUE_BYTES = TRUE_BIN.read_bytes() if TRUE_BIN else b""


def patched(base: bytes, patches: Iterable[tuple[int, str, int]]) -> bytes:
    """``base`` with struct-format values written at offsets (``<`` little-endian)."""
    buf = bytearray(base)
    for off, fmt, value in patches:
        struct.pack_into("<" + fmt, buf, off, value)
    return bytes(buf)


def write(tmp: Path, name: str, data: bytes) -> Path:
    p = tmp / name
    p.write_bytes(data)
    return p


# --------------------------------------------------------------------------
# 1. Truncation at every boundary and at random offsets
# --------------------------------------------------------------------------


def _truncation_case(sample: Path | None, tmp_path: Path, randoms: int, max_cuts: int) -> None:
    if sample is None:
        pytest.skip("sample binary not present")
    lay = layout_of(sample)
    full = read_elf(sample)
    want = fields(full)
    rng = random.Random(f"{sample}:{lay.size}")  # deterministic per binary
    cuts = lay.boundaries()
    if len(cuts) > max_cuts:  # keep the ELF header's, sample the rest
        rest = sorted(c for c in cuts if c > 64)
        cuts = set(range(65)) | set(rng.sample(rest, max_cuts - 65))
    cuts |= {rng.randrange(lay.size) for _ in range(randoms)}
    copy = tmp_path / sample.name
    shutil.copyfile(sample, copy)
    failures: list[str] = []
    ok = 0
    with copy.open("r+b") as fh:
        for cut in sorted(cuts, reverse=True):  # shrink one file in place
            fh.truncate(cut)
            fh.flush()
            try:
                with time_limit(TIME_LIMIT):
                    try:
                        got = read_elf(copy)
                        touch(got)
                    except ElfError:
                        continue
            except (Exception, ReadTimeout) as exc:
                failures.append(f"cut at {cut:#x}: {describe(exc)}")
                continue
            ok += 1
            # Past the loader's data only the section headers are lost, and the
            # reader must then count the symbols from the hash table instead.
            if cut >= lay.loader_data_end and fields(got) != want:
                diff = sorted(k for k, v in fields(got).items() if want[k] != v)
                failures.append(f"cut at {cut:#x} (after all loader data): fields {diff} differ")
    assert not failures, f"{sample}, {len(cuts)} cut points:\n" + "\n".join(failures)
    assert ok > 0  # the cuts past the loader data must read fine


@needs_true
def test_truncated_true(tmp_path: Path) -> None:
    _truncation_case(TRUE_BIN, tmp_path, randoms=300, max_cuts=10_000)


def test_truncated_libc(tmp_path: Path) -> None:
    _truncation_case(LIBC, tmp_path, randoms=60, max_cuts=240)


# --------------------------------------------------------------------------
# 2. Corrupt header fields of /usr/bin/true
# --------------------------------------------------------------------------

_U64_MAX = (1 << 64) - 1
_EHDR_CASES: dict[str, list[tuple[int, str, int]]] = {
    "class-0": [(4, "B", 0)],
    "class-3": [(4, "B", 3)],
    "class-32-with-64-bit-body": [(4, "B", 1)],
    "data-0": [(5, "B", 0)],
    "big-endian": [(5, "B", 2)],
    "e_type-ET_REL": [(16, "H", 1)],
    "e_type-ET_CORE": [(16, "H", 4)],
    "e_type-0xffff": [(16, "H", 0xFFFF)],
    "e_phoff-0": [(32, "Q", 0)],
    "e_phoff-1": [(32, "Q", 1)],
    "e_phoff-size": [(32, "Q", len(TRUE_BYTES))],
    "e_phoff-size-8": [(32, "Q", max(0, len(TRUE_BYTES) - 8))],
    "e_phoff-2^63": [(32, "Q", 1 << 63)],
    "e_phoff-max": [(32, "Q", _U64_MAX)],
    "e_phentsize-0": [(54, "H", 0)],
    "e_phentsize-55": [(54, "H", 55)],
    "e_phentsize-57": [(54, "H", 57)],
    "e_phentsize-0xffff": [(54, "H", 0xFFFF)],
    "e_phnum-0": [(56, "H", 0)],
    "e_phnum-4096": [(56, "H", 4096)],
    "e_phnum-4097": [(56, "H", 4097)],
    "e_phnum-0xffff": [(56, "H", 0xFFFF)],
    "e_phnum-0xffff-entsize-0xffff": [(56, "H", 0xFFFF), (54, "H", 0xFFFF)],
}
# Section headers are optional for the loader: corrupting them must not change
# what the reader reports (it falls back to the hash tables).
_SHDR_CASES: dict[str, list[tuple[int, str, int]]] = {
    "e_shoff-0": [(40, "Q", 0)],
    "e_shoff-64": [(40, "Q", 64)],
    "e_shoff-size": [(40, "Q", len(TRUE_BYTES))],
    "e_shoff-max": [(40, "Q", _U64_MAX)],
    "e_shentsize-0": [(58, "H", 0)],
    "e_shentsize-63": [(58, "H", 63)],
    "e_shentsize-0xffff": [(58, "H", 0xFFFF)],
    "e_shnum-0": [(60, "H", 0)],
    "e_shnum-0xffff": [(60, "H", 0xFFFF)],
    "e_shnum-0xffff-entsize-0xffff": [(60, "H", 0xFFFF), (58, "H", 0xFFFF)],
    "e_shstrndx-0xffff": [(62, "H", 0xFFFF)],
}


@needs_true
@pytest.mark.parametrize("case", sorted(_EHDR_CASES))
def test_corrupt_elf_header(tmp_path: Path, case: str) -> None:
    path = write(tmp_path, "t", patched(TRUE_BYTES, _EHDR_CASES[case]))
    result = outcome(path)
    assert result == "ok" or result.startswith("ElfError"), result


@needs_true
@pytest.mark.parametrize("case", sorted(_SHDR_CASES))
def test_corrupt_section_header_fields_change_nothing(tmp_path: Path, case: str) -> None:
    assert TRUE_BIN is not None
    path = write(tmp_path, "t", patched(TRUE_BYTES, _SHDR_CASES[case]))
    with time_limit(TIME_LIMIT):
        got = read_elf(path)
        touch(got)
    assert fields(got) == fields(read_elf(TRUE_BIN))


def _phdr_cases(lay: Layout) -> dict[str, list[tuple[int, str, int]]]:
    # Elf64_Phdr: p_type@0 p_flags@4 p_offset@8 p_vaddr@16 p_paddr@24 p_filesz@32
    out: dict[str, list[tuple[int, str, int]]] = {}
    for ptype, at in lay.phdrs:
        if ptype not in ("PT_LOAD", "PT_DYNAMIC", "PT_INTERP"):
            continue
        for fname, rel in (("p_offset", 8), ("p_vaddr", 16), ("p_filesz", 32)):
            for vname, value in (
                ("0", 0),
                ("size", lay.size),
                ("size-8", lay.size - 8),
                ("2^63", 1 << 63),
                ("max", _U64_MAX),
            ):
                out[f"{ptype}@{at:#x}.{fname}={vname}"] = [(at + rel, "Q", value)]
        out[f"{ptype}@{at:#x}.p_type=PT_NULL"] = [(at, "I", 0)]
        out[f"{ptype}@{at:#x}.p_type=PT_DYNAMIC"] = [(at, "I", 2)]
        out[f"{ptype}@{at:#x}.p_type=PT_TLS"] = [(at, "I", 7)]
    return out


@needs_true
def test_corrupt_program_headers(tmp_path: Path) -> None:
    assert TRUE_LAYOUT is not None
    cases = _phdr_cases(TRUE_LAYOUT)
    failures = check_all(tmp_path, ((name, patched(TRUE_BYTES, p)) for name, p in cases.items()))
    assert len(cases) > 50
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------
# 3. Corrupt dynamic entries of /usr/bin/true
# --------------------------------------------------------------------------


def _dyn_val(tag: str, value: int) -> list[tuple[int, str, int]]:
    assert TRUE_LAYOUT is not None
    return [(TRUE_LAYOUT.dyn_entries[tag] + 8, "Q", value)]


def _dyn_tag(tag: str, new_tag: int) -> list[tuple[int, str, int]]:
    assert TRUE_LAYOUT is not None
    return [(TRUE_LAYOUT.dyn_entries[tag], "q", new_tag)]


_DT_DEBUG = 21  # a tag the reader ignores: "removes" the entry it replaces
_OUTSIDE = 0xDEAD_BEEF_0000  # an address in no PT_LOAD

# case -> (patches, what must come out: "error", "ok", or "either")
_DYN_CASES: dict[str, tuple[Callable[[], list[tuple[int, str, int]]], str]] = {
    "DT_STRTAB-outside-segments": (lambda: _dyn_val("DT_STRTAB", _OUTSIDE), "error"),
    "DT_STRTAB-0": (lambda: _dyn_val("DT_STRTAB", 0), "either"),
    "DT_STRSZ-huge": (lambda: _dyn_val("DT_STRSZ", _U64_MAX), "ok"),
    "DT_STRSZ-0": (lambda: _dyn_val("DT_STRSZ", 0), "error"),  # DT_NEEDED outside it
    "DT_SYMTAB-outside-segments": (lambda: _dyn_val("DT_SYMTAB", _OUTSIDE), "error"),
    "DT_SYMENT-0": (lambda: _dyn_val("DT_SYMENT", 0), "error"),
    "DT_SYMENT-huge": (lambda: _dyn_val("DT_SYMENT", _U64_MAX), "error"),
    "DT_RELA-outside-segments": (lambda: _dyn_val("DT_RELA", _OUTSIDE), "error"),
    "DT_RELASZ-huge": (lambda: _dyn_val("DT_RELASZ", _U64_MAX), "error"),
    "DT_RELASZ-2^40": (lambda: _dyn_val("DT_RELASZ", 1 << 40), "error"),
    "DT_RELASZ-odd": (lambda: _dyn_val("DT_RELASZ", 25), "ok"),
    "DT_PLTRELSZ-huge": (lambda: _dyn_val("DT_PLTRELSZ", _U64_MAX), "error"),
    "DT_JMPREL-outside-segments": (lambda: _dyn_val("DT_JMPREL", _OUTSIDE), "error"),
    "DT_JMPREL-removed": (lambda: _dyn_tag("DT_JMPREL", _DT_DEBUG), "ok"),
    "DT_PLTREL-REL": (lambda: _dyn_val("DT_PLTREL", 17), "either"),
    "DT_VERNEED-outside-segments": (lambda: _dyn_val("DT_VERNEED", _OUTSIDE), "error"),
    "DT_VERNEEDNUM-huge": (lambda: _dyn_val("DT_VERNEEDNUM", _U64_MAX), "either"),
    "DT_VERSYM-outside-segments": (lambda: _dyn_val("DT_VERSYM", _OUTSIDE), "error"),
    "DT_GNU_HASH-outside-segments": (lambda: _dyn_val("DT_GNU_HASH", _OUTSIDE), "either"),
    "DT_NEEDED-offset-huge": (lambda: _dyn_val("DT_NEEDED", _U64_MAX), "error"),
    "DT_NEEDED-offset-2^32": (lambda: _dyn_val("DT_NEEDED", 1 << 32), "error"),
    "DT_NULL-first": (lambda: _dyn_tag("DT_NEEDED", 0), "ok"),
    "DT_FLAGS_1-max": (lambda: _dyn_val("DT_FLAGS_1", _U64_MAX), "ok"),
    "negative-tag": (lambda: _dyn_tag("DT_FLAGS_1", -5), "ok"),
}


@needs_true
@pytest.mark.parametrize("case", sorted(_DYN_CASES))
def test_corrupt_dynamic_entry(tmp_path: Path, case: str) -> None:
    make_patches, expect = _DYN_CASES[case]
    path = write(tmp_path, "t", patched(TRUE_BYTES, make_patches()))
    result = outcome(path)
    allowed = {"error": ("ElfError",), "ok": ("ok",), "either": ("ok", "ElfError")}[expect]
    assert result.startswith(allowed), f"{case}: {result}"


@needs_true
def test_relasz_without_rela(tmp_path: Path) -> None:
    """Regression: this raised KeyError (tags[DT_RELA] read unguarded)."""
    path = write(tmp_path, "t", patched(TRUE_BYTES, _dyn_tag("DT_RELA", _DT_DEBUG)))
    assert outcome(path).startswith(("ok", "ElfError"))


@needs_true
@pytest.mark.parametrize("sym", [0xFFFFFFFF, 0x7FFFFFFF, 0x10000])
def test_relocation_symbol_index_past_table(tmp_path: Path, sym: int) -> None:
    assert TRUE_LAYOUT is not None
    first, last = TRUE_LAYOUT.r_info_offsets[0], TRUE_LAYOUT.r_info_offsets[-1]
    r_type = 7  # R_X86_64_JUMP_SLOT
    patches = [(first, "Q", (sym << 32) | r_type), (last, "Q", (sym << 32) | r_type)]
    path = write(tmp_path, "t", patched(TRUE_BYTES, patches))
    assert outcome(path).startswith("ElfError")


@needs_true
def test_relocation_symbol_index_just_past_dynsym(tmp_path: Path) -> None:
    """Inside the file but past .dynsym: garbage, but no crash."""
    assert TRUE_LAYOUT is not None
    nsyms = TRUE_LAYOUT.sections[".dynsym"][1] // 24
    at = TRUE_LAYOUT.r_info_offsets[0]
    failures = check_all(
        tmp_path,
        (
            (f"sym {s}", patched(TRUE_BYTES, [(at, "Q", (s << 32) | 6)]))
            for s in range(nsyms, nsyms + 40)
        ),
    )
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------
# 4. Special files
# --------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    p = write(tmp_path, "empty", b"")
    assert not is_elf(p)
    with pytest.raises(ElfError):
        read_elf(p)


@pytest.mark.parametrize(
    "data",
    [
        b"#!/bin/sh\necho hi\n",
        b"\x7fEL",
        b"\x7fELF",
        b"\x7fELF" + b"\0" * 12,
        b"\x7fELF\x02\x01\x01" + b"\0" * 57,
        b"MZ" + b"\0" * 200,
        b"\0" * 4096,
    ],
    ids=["script", "3-byte-magic", "magic-only", "ident-only", "zero-header", "pe", "zeros"],
)
def test_not_quite_elf(tmp_path: Path, data: bytes) -> None:
    p = write(tmp_path, "f", data)
    assert is_elf(p) == data.startswith(b"\x7fELF")
    result = outcome(p)
    assert result == "ok" or result.startswith("ElfError"), result


def test_directory(tmp_path: Path) -> None:
    assert not is_elf(tmp_path)
    with pytest.raises(OSError):
        read_elf(tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    assert not is_elf(tmp_path / "nope")
    with pytest.raises(OSError):
        read_elf(tmp_path / "nope")


def test_symlink_loop(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with time_limit(TIME_LIMIT):
        assert not is_elf(a)
        with pytest.raises(OSError):
            read_elf(a)


@needs_true
def test_symlink_to_elf(tmp_path: Path) -> None:
    assert TRUE_BIN is not None
    link = tmp_path / "link"
    link.symlink_to(TRUE_BIN)
    assert is_elf(link)
    assert read_elf(link).needed == read_elf(TRUE_BIN).needed


@needs_true
@pytest.mark.parametrize("change", ["truncate", "empty", "directory", "fifo", "delete"])
def test_file_changes_before_lazy_exports(tmp_path: Path, change: str) -> None:
    """``exports`` re-opens the file: whatever happened to it meanwhile, no crash."""
    path = write(tmp_path, "t", TRUE_BYTES)
    elf = read_elf(path)
    if change == "truncate":
        os.truncate(path, len(TRUE_BYTES) // 4)
    elif change == "empty":
        os.truncate(path, 0)
    else:
        path.unlink()
        if change == "directory":
            path.mkdir()
        elif change == "fifo":
            os.mkfifo(path)
    with time_limit(TIME_LIMIT), contextlib.suppress(ElfError, OSError):
        _ = elf.exports, elf.ifuncs


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_character_device(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    assert not is_elf(device)
    result = outcome(Path(device))
    assert result.startswith(("ElfError", "OSError")), result


_FIFO_PROBE = """
import sys
from alpine_ready.elf.reader import ElfError, is_elf, read_elf
if sys.argv[2] == "is_elf":
    print(is_elf(sys.argv[1]))
else:
    try:
        read_elf(sys.argv[1])
    except (ElfError, OSError) as exc:
        print(type(exc).__name__)
"""


def _fifo_call(tmp_path: Path, func: str) -> str:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # A child process: a hung open() in this process could not be interrupted.
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _FIFO_PROBE, str(fifo), func],
            capture_output=True,
            text=True,
            timeout=3,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"{func}() on a FIFO with no writer did not return within 3 s (blocks in open())"
        )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_is_elf_fifo_does_not_hang(tmp_path: Path) -> None:
    """Regression: a blocking open() waited for a writer forever."""
    assert _fifo_call(tmp_path, "is_elf") == "False"


def test_read_elf_fifo_does_not_hang(tmp_path: Path) -> None:
    """Regression: a blocking open() waited for a writer forever."""
    assert _fifo_call(tmp_path, "read_elf") in ("ElfError", "OSError")


# --------------------------------------------------------------------------
# 5. Hand-built ELF files aimed at one code path each
# --------------------------------------------------------------------------

DT = {
    "NULL": 0,
    "NEEDED": 1,
    "PLTRELSZ": 2,
    "HASH": 4,
    "STRTAB": 5,
    "SYMTAB": 6,
    "RELA": 7,
    "RELASZ": 8,
    "RELAENT": 9,
    "STRSZ": 10,
    "SYMENT": 11,
    "SONAME": 14,
    "REL": 17,
    "RELSZ": 18,
    "RELENT": 19,
    "PLTREL": 20,
    "JMPREL": 23,
    "RUNPATH": 29,
    "GNU_HASH": 0x6FFFFEF5,
    "VERSYM": 0x6FFFFFF0,
    "VERNEED": 0x6FFFFFFE,
    "VERNEEDNUM": 0x6FFFFFFF,
}
MINI_DYN = 0x100  # PT_DYNAMIC's offset; vaddr == file offset throughout


@dataclass(frozen=True)
class Flavour:
    """ELF class and byte order of a hand-built object (x86-64 or i386)."""

    bits: int  # 64 or 32
    e: str  # struct byte order: "<" or ">"

    @property
    def name(self) -> str:
        return f"{'le' if self.e == '<' else 'be'}{self.bits}"

    def dyn(self, tag: int, val: int) -> bytes:
        return struct.pack(self.e + ("qQ" if self.bits == 64 else "iI"), tag, val)

    def sym(self, name: int, bind: int, typ: int, shndx: int, value: int) -> bytes:
        info = (bind << 4) | typ
        if self.bits == 64:
            return struct.pack(self.e + "IBBHQQ", name, info, 0, shndx, value, 0)
        return struct.pack(self.e + "IIIBBH", name, value, 0, info, 0, shndx)

    def reloc(self, offset: int, sym: int, typ: int) -> bytes:
        """RELA for ELF64, REL for ELF32 (as x86-64 and i386 use them)."""
        if self.bits == 64:
            return struct.pack(self.e + "QQq", offset, (sym << 32) | typ, 0)
        return struct.pack(self.e + "II", offset, (sym << 8) | typ)


LE64 = Flavour(64, "<")
FLAVOURS = (LE64, Flavour(64, ">"), Flavour(32, "<"), Flavour(32, ">"))


def mini_elf(
    dyn: Sequence[tuple[int, int]], blobs: Mapping[int, bytes], size: int, fl: Flavour = LE64
) -> bytes:
    """An ET_DYN object with one PT_LOAD mapping the whole file at vaddr 0.

    ``dyn`` (plus a DT_NULL) is the PT_DYNAMIC at ``MINI_DYN``; ``blobs`` are
    written at their offsets; the file is ``size`` bytes.  No section headers.
    """
    dynraw = b"".join(fl.dyn(t, v) for t, v in [*dyn, (0, 0)])
    buf = bytearray(max(size, MINI_DYN + len(dynraw)))
    ident = (b"\x7fELF", 2 if fl.bits == 64 else 1, 1 if fl.e == "<" else 2, 1, 0)
    n = len(buf)
    if fl.bits == 64:
        struct.pack_into(
            fl.e + "4sBBBB8xHHIQQQIHHHHHH",
            buf,
            0,
            *ident,
            3,
            62,
            1,
            0,
            64,
            0,
            0,
            64,
            56,
            2,
            64,
            0,
            0,
        )
        struct.pack_into(fl.e + "IIQQQQQQ", buf, 64, 1, 5, 0, 0, 0, n, n, 0x1000)
        struct.pack_into(
            fl.e + "IIQQQQQQ",
            buf,
            120,
            2,
            6,
            MINI_DYN,
            MINI_DYN,
            MINI_DYN,
            len(dynraw),
            len(dynraw),
            8,
        )
    else:
        struct.pack_into(
            fl.e + "4sBBBB8xHHIIIIIHHHHHH",
            buf,
            0,
            *ident,
            3,
            3,
            1,
            0,
            64,
            0,
            0,
            52,
            32,
            2,
            40,
            0,
            0,
        )
        struct.pack_into(fl.e + "IIIIIIII", buf, 64, 1, 0, 0, 0, n, n, 5, 0x1000)
        struct.pack_into(
            fl.e + "IIIIIIII",
            buf,
            96,
            2,
            MINI_DYN,
            MINI_DYN,
            MINI_DYN,
            len(dynraw),
            len(dynraw),
            6,
            4,
        )
    buf[MINI_DYN : MINI_DYN + len(dynraw)] = dynraw
    for off, blob in blobs.items():
        buf[off : off + len(blob)] = blob
    return bytes(buf)


_STR, _SYM, _HASH, _RELA, _PLT, _VERSYM, _VERNEED = 0x800, 0x900, 0x980, 0xA00, 0xA40, 0xB00, 0xB20
_STRTAB = b"\0libc.so\0foo\0bar\0baz\0VER_1\0"  # offsets 1, 9, 13, 17, 21


def mini_baseline(fl: Flavour = LE64) -> tuple[list[tuple[int, int]], dict[int, bytes], int]:
    """A valid object: needs libc.so, imports foo (GLOB_DAT, VER_1) and bar (JUMP_SLOT),
    exports baz.  ELF64 uses RELA tables, ELF32 REL tables."""
    e = fl.e
    syms = (
        fl.sym(0, 0, 0, 0, 0)
        + fl.sym(9, 1, 2, 0, 0)
        + fl.sym(13, 1, 2, 0, 0)
        + fl.sym(17, 1, 1, 5, 0x500)
    )
    rel = fl.reloc(0x600, 1, 6)  # GLOB_DAT foo (same number on x86-64 and i386)
    blobs = {
        _STR: _STRTAB,
        _SYM: syms,
        _HASH: struct.pack(e + "IIIIIII", 1, 4, 0, 0, 0, 0, 0),
        _RELA: rel,
        _PLT: fl.reloc(0x608, 2, 7),  # JUMP_SLOT bar
        _VERSYM: struct.pack(e + "4H", 0, 2, 1, 1),
        _VERNEED: struct.pack(e + "HHIII", 1, 1, 1, 16, 0)
        + struct.pack(e + "IHHII", 0, 0, 2, 21, 0),
    }
    kind = "RELA" if fl.bits == 64 else "REL"
    dyn = [
        (DT["NEEDED"], 1),
        (DT["STRTAB"], _STR),
        (DT["STRSZ"], len(_STRTAB)),
        (DT["SYMTAB"], _SYM),
        (DT["SYMENT"], len(syms) // 4),
        (DT["HASH"], _HASH),
        (DT[kind], _RELA),
        (DT[kind + "SZ"], len(rel)),
        (DT[kind + "ENT"], len(rel)),
        (DT["JMPREL"], _PLT),
        (DT["PLTRELSZ"], len(rel)),
        (DT["PLTREL"], DT[kind]),
        (DT["VERSYM"], _VERSYM),
        (DT["VERNEED"], _VERNEED),
        (DT["VERNEEDNUM"], 1),
    ]
    return dyn, blobs, 0x1000


def with_tags(dyn: list[tuple[int, int]], **changes: int | None) -> list[tuple[int, int]]:
    """``dyn`` with tags replaced (value) or dropped (None)."""
    out = [(t, v) for t, v in dyn if not any(DT[k] == t for k in changes)]
    out += [(DT[k], v) for k, v in changes.items() if v is not None]
    return out


@pytest.mark.parametrize("fl", FLAVOURS, ids=[f.name for f in FLAVOURS])
def test_mini_baseline_is_read_correctly(tmp_path: Path, fl: Flavour) -> None:
    dyn, blobs, size = mini_baseline(fl)
    elf = read_elf(write(tmp_path, "m", mini_elf(dyn, blobs, size, fl)))
    assert (elf.elf_class, elf.little_endian) == (fl.bits, fl.e == "<")
    assert elf.needed == ("libc.so",)
    assert elf.verneed == (("libc.so", ("VER_1",)),)
    assert elf.relocation_types == {6, 7}
    refs = {r.name: r for r in elf.imports}
    assert set(refs) == {"foo", "bar"}
    assert refs["foo"].nonplt and not refs["foo"].plt and refs["foo"].version == "VER_1"
    assert refs["bar"].plt and not refs["bar"].nonplt and refs["bar"].version is None
    assert set(elf.exports) == {"baz"}


_MINI_CASES: dict[str, tuple[dict[str, int | None], str]] = {
    "no-DT_STRTAB": ({"STRTAB": None}, "error"),
    "DT_STRTAB-outside": ({"STRTAB": _OUTSIDE}, "error"),
    "DT_STRSZ-huge": ({"STRSZ": _U64_MAX}, "ok"),
    "DT_SYMTAB-outside": ({"SYMTAB": _OUTSIDE}, "error"),
    "DT_HASH-outside": ({"HASH": _OUTSIDE}, "error"),
    "no-hash-table": ({"HASH": None}, "ok"),
    "DT_GNU_HASH-at-end": ({"HASH": None, "GNU_HASH": 0x1000 - 8}, "error"),
    "DT_RELASZ-huge": ({"RELASZ": _U64_MAX}, "error"),
    "DT_RELASZ-past-end": ({"RELASZ": 0x1000}, "error"),
    "DT_PLTRELSZ-huge": ({"PLTRELSZ": _U64_MAX}, "error"),
    "DT_PLTREL-REL": ({"PLTREL": DT["REL"]}, "ok"),
    "DT_VERNEED-outside": ({"VERNEED": _OUTSIDE}, "error"),
    "DT_VERNEED-at-end": ({"VERNEED": 0x1000 - 4}, "error"),
    "DT_VERSYM-at-end": ({"VERSYM": 0x1000 - 1}, "either"),
    "DT_REL-without-DT_RELSZ": ({"REL": _RELA}, "ok"),
}


@pytest.mark.parametrize("case", sorted(_MINI_CASES))
def test_mini_hostile_dynamic(tmp_path: Path, case: str) -> None:
    dyn, blobs, size = mini_baseline()
    changes, expect = _MINI_CASES[case]
    path = write(tmp_path, "m", mini_elf(with_tags(dyn, **changes), blobs, size))
    result = outcome(path)
    allowed = {"error": ("ElfError",), "ok": ("ok",), "either": ("ok", "ElfError")}[expect]
    assert result.startswith(allowed), f"{case}: {result}"


def test_mini_relsz_without_rel(tmp_path: Path) -> None:
    """Regression: this raised KeyError."""
    dyn, blobs, size = mini_baseline()
    path = write(tmp_path, "m", mini_elf(with_tags(dyn, RELSZ=16), blobs, size))
    assert outcome(path).startswith(("ok", "ElfError"))


def test_mini_relasz_without_rela(tmp_path: Path) -> None:
    """Regression: this raised KeyError."""
    dyn, blobs, size = mini_baseline()
    path = write(tmp_path, "m", mini_elf(with_tags(dyn, RELA=None), blobs, size))
    assert outcome(path).startswith(("ok", "ElfError"))


def test_mini_symbol_index_past_file(tmp_path: Path) -> None:
    dyn, blobs, size = mini_baseline()
    blobs[_RELA] = LE64.reloc(0x600, 0xFFFFFF, 6)
    assert outcome(write(tmp_path, "m", mini_elf(dyn, blobs, size))).startswith("ElfError")


# --- resource use, measured in a child process -----------------------------

_PROBE = """
import json, resource, sys, time
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from alpine_ready.elf.reader import ElfError, read_elf
start = time.monotonic()
try:
    elf = read_elf(sys.argv[1])
    elf.exports, elf.ifuncs
    result = "ok"
except (ElfError, OSError) as exc:
    result = type(exc).__name__
except MemoryError:
    result = "MemoryError"
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork+exec, so the latter would
# report the pytest process's size at the fork (it did: 153 MiB once the suite grew)
with open("/proc/self/status") as f:
    hwm_kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
print(json.dumps({"result": result, "seconds": time.monotonic() - start,
                  "max_rss_mib": hwm_kib / 1024}))
"""
_PROBE_ADDRESS_SPACE = 1 << 30  # the child's RLIMIT_AS: a runaway reader stops here


def probe(path: Path, timeout: float = 20) -> dict[str, Any]:
    """Read ``path`` in a child process; report its outcome, time and peak RSS."""
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE, str(path), str(_PROBE_ADDRESS_SPACE)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"result": "timeout", "seconds": timeout, "max_rss_mib": -1}
    assert proc.returncode == 0, proc.stderr[-3000:]
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def verneed_bomb() -> bytes:
    """1,024 Verneed entries sharing one chain of 1,024 Vernaux entries, every one
    naming the same 4,000-byte string: 40 KiB of file, 2^20 names to decode."""
    strtab = b"\0libx.so\0" + b"V" * 4000 + b"\0"
    vn_off = 0x1000
    aux_off = vn_off + 16 * 1024
    vn = b"".join(
        struct.pack("<HHIII", 1, 1024, 1, aux_off - (vn_off + 16 * i), 16 if i < 1023 else 0)
        for i in range(1024)
    )
    aux = b"".join(struct.pack("<IHHII", 0, 0, 2, 9, 16 if i < 1023 else 0) for i in range(1024))
    dyn = [
        (DT["STRTAB"], 0x200),
        (DT["STRSZ"], len(strtab)),
        (DT["VERNEED"], vn_off),
        (DT["VERNEEDNUM"], 1024),
    ]
    return mini_elf(dyn, {0x200: strtab, vn_off: vn, aux_off: aux}, aux_off + len(aux))


@pytest.mark.slow
def test_verneed_bomb_is_cheap(tmp_path: Path) -> None:
    """Regression: 2^20 decoded names of 4 KiB each -- a 40 KiB file needed > 3 GiB."""
    res = probe(write(tmp_path, "bomb", verneed_bomb()))
    assert res["result"] in ("ok", "ElfError"), res
    assert res["max_rss_mib"] < 512 and res["seconds"] < 5, res


@pytest.mark.slow
def test_needed_flood_is_bounded(tmp_path: Path) -> None:
    """65,532 DT_NEEDED entries naming one 4,000-byte string (1 MiB of file).

    The reader refuses more than 4,096 DT_NEEDED entries (real files have a few
    dozen), so the flood is rejected cheaply instead of decoded.
    """
    strtab = b"\0" + b"L" * 4000 + b"\0"
    n = 65532
    str_off = MINI_DYN + 16 * (n + 4)
    dyn = [(DT["NEEDED"], 1)] * n + [(DT["STRTAB"], str_off), (DT["STRSZ"], len(strtab))]
    path = write(tmp_path, "flood", mini_elf(dyn, {str_off: strtab}, str_off + len(strtab)))
    res = probe(path)
    assert res["result"] == "ElfError", res
    assert res["max_rss_mib"] < 128 and res["seconds"] < 5, res


@pytest.mark.slow
def test_gnu_hash_chain_walk_is_cheap(tmp_path: Path) -> None:
    """No section headers, no DT_HASH, a GNU hash chain without its end bit, 17 MiB.

    Regression: the chain was walked with one 4-byte pread per entry (~8 s).
    """
    gnu = struct.pack("<IIII", 1, 1, 1, 6) + struct.pack("<QI", 0, 1)
    dyn = [
        (DT["STRTAB"], _STR),
        (DT["STRSZ"], len(_STRTAB)),
        (DT["SYMTAB"], 0x1000),
        (DT["SYMENT"], 24),
        (DT["GNU_HASH"], 0x2000),
    ]
    path = tmp_path / "gnu"
    size = 17 << 20
    with path.open("wb") as fh:
        fh.truncate(size)  # sparse: zeros (even words: no end bit) cost no disk
        fh.write(mini_elf(dyn, {_STR: _STRTAB, 0x2000: gnu}, 0x3000))
    start = time.monotonic()
    try:
        result = outcome(path, limit=2.0)
    except ReadTimeout:
        pytest.fail(f"more than 2 s to count the symbols of a {size >> 20} MiB file")
    seconds = time.monotonic() - start
    assert result == "ok" or result.startswith("ElfError"), result
    assert seconds < 1.0, f"{seconds:.1f} s to count the symbols of a {size >> 20} MiB file"


# --------------------------------------------------------------------------
# 6. Fuzzing
# --------------------------------------------------------------------------

# ALPINE_READY_FUZZ_EXAMPLES=20000 for a long hunt; --hypothesis-show-statistics shows
# how the examples ended (ok / ElfError).
_FUZZ = settings(
    max_examples=int(os.environ.get("ALPINE_READY_FUZZ_EXAMPLES", "300")),
    deadline=timedelta(milliseconds=500),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # keep the repository clean; failures print their reproducer
)


def _fuzz_one(path: Path) -> None:
    try:
        event(outcome(path, limit=TIME_LIMIT).split(":")[0])
    except (Exception, ReadTimeout) as exc:
        raise AssertionError(f"unexpected {describe(exc)}") from exc


def _interesting_offsets() -> list[int]:
    if TRUE_LAYOUT is None:
        return [0]
    lay = TRUE_LAYOUT
    offs = list(range(4, 64, 2))
    offs += [at + d for _t, at in lay.phdrs for d in (0, 8, 16, 32)]
    offs += [o + d for o in lay.dyn_entries.values() for d in (0, 8)]
    offs += [o + d for o in lay.r_info_offsets for d in (0, 4)]
    for name in (".dynsym", ".gnu.version_r", ".gnu.hash", ".gnu.version"):
        if name in lay.sections:
            off, size = lay.sections[name]
            offs += range(off, off + min(size, 256), 4)
    return sorted({o for o in offs if o < lay.size})


_WIDTH_FMT = {1: "B", 2: "H", 4: "I", 8: "Q"}
_INTERESTING_VALUES = [
    0,
    1,
    2,
    7,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0xFFFF,
    0x8000,
    0x10000,
    0x7FFFFFFF,
    0xFFFFFFFF,
    1 << 32,
    1 << 63,
    _U64_MAX,
    len(TRUE_BYTES),
    len(TRUE_BYTES) - 1,
    len(TRUE_BYTES) // 2,
]
_mutation = st.tuples(
    st.one_of(st.sampled_from(_interesting_offsets()), st.integers(0, max(0, len(TRUE_BYTES) - 1))),
    st.sampled_from(sorted(_WIDTH_FMT)),
    st.one_of(st.sampled_from(_INTERESTING_VALUES), st.integers(0, _U64_MAX)),
)


def _apply(base: bytes, mutations: list[tuple[int, int, int]], cut: int | None) -> bytes:
    buf = bytearray(base)
    for off, width, value in mutations:
        if off + width <= len(buf):
            struct.pack_into("<" + _WIDTH_FMT[width], buf, off, value & ((1 << 8 * width) - 1))
    return bytes(buf[:cut] if cut is not None else buf)


@needs_true
@_FUZZ
@given(
    mutations=st.lists(_mutation, min_size=1, max_size=8),
    cut=st.none() | st.integers(0, len(TRUE_BYTES)),
)
def test_fuzz_mutated_true(
    tmp_path: Path, mutations: list[tuple[int, int, int]], cut: int | None
) -> None:
    _fuzz_one(write(tmp_path, "fuzz", _apply(TRUE_BYTES, mutations, cut)))


@_FUZZ
@given(
    cls=st.sampled_from([1, 2, 0, 3]),
    enc=st.sampled_from([1, 2, 0]),
    body=st.binary(min_size=0, max_size=2048),
)
def test_fuzz_random_after_magic(tmp_path: Path, cls: int, enc: int, body: bytes) -> None:
    _fuzz_one(write(tmp_path, "fuzz", b"\x7fELF" + bytes([cls, enc, 1, 0]) + b"\0" * 8 + body))


@_FUZZ
@given(
    cls=st.sampled_from([1, 2]),
    enc=st.sampled_from([1, 2]),
    etype=st.sampled_from([2, 3]),
    phnum=st.integers(0, 12),
    body=st.binary(min_size=0, max_size=4096),
)
def test_fuzz_random_program_headers(
    tmp_path: Path, cls: int, enc: int, etype: int, phnum: int, body: bytes
) -> None:
    """A plausible ELF header whose program headers and content are random bytes."""
    e = "<" if enc == 1 else ">"
    if cls == 2:
        hdr = struct.pack(e + "HHIQQQIHHHHHH", etype, 62, 1, 0, 64, 0, 0, 64, 56, phnum, 64, 0, 0)
    else:
        hdr = struct.pack(e + "HHIIIIIHHHHHH", etype, 3, 1, 0, 52, 0, 0, 52, 32, phnum, 40, 0, 0)
    ident = b"\x7fELF" + bytes([cls, enc, 1, 0]) + b"\0" * 8
    _fuzz_one(write(tmp_path, "fuzz", ident + hdr + body))


_mini_tag = st.sampled_from(sorted(DT))
_mini_value = st.one_of(
    st.sampled_from(
        [
            0,
            1,
            24,
            _STR,
            _SYM,
            _HASH,
            _RELA,
            _PLT,
            _VERSYM,
            _VERNEED,
            0xFFF,
            0x1000,
            _OUTSIDE,
            _U64_MAX,
        ]
    ),
    st.integers(0, 0x1100),
    st.integers(0, _U64_MAX),
)


@_FUZZ
@given(
    fl=st.sampled_from(FLAVOURS),
    changes=st.dictionaries(_mini_tag, st.none() | _mini_value, min_size=0, max_size=5),
    byte_flips=st.lists(st.tuples(st.integers(0x800, 0xB5F), st.integers(0, 255)), max_size=6),
)
def test_fuzz_mini_dynamic(
    tmp_path: Path, fl: Flavour, changes: dict[str, int | None], byte_flips: list[tuple[int, int]]
) -> None:
    """The hand-built objects with random dynamic tag values and table bytes."""
    changes.pop("NULL", None)
    dyn, blobs, size = mini_baseline(fl)
    if fl.bits == 32:  # d_val is 32 bits wide
        changes = {k: v & 0xFFFFFFFF if v is not None else None for k, v in changes.items()}
    data = bytearray(mini_elf(with_tags(dyn, **changes), blobs, size, fl))
    for off, value in byte_flips:
        data[off] = value
    _fuzz_one(write(tmp_path, "fuzz", bytes(data)))
