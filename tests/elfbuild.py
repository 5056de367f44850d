"""Compile tiny handmade ELF files for the loader-rule tests, and look inside them.

Two toolchains: ``gcc`` (Debian's, linked against glibc) and ``musl-gcc``
(Debian's ``musl-tools`` wrapper, which links against musl and sets the
interpreter to ``/lib/ld-musl-x86_64.so.1``).  Objects are built from C source
text; every helper raises :class:`BuildError` with the compiler's output when
a build fails, so a broken fixture says why.

The ``readelf`` helpers parse ``readelf -W`` output into small records, so a
test can assert that a built file really has the property it is about (the
relocation type, the symbol version, the DT_RPATH string) and cannot pass
vacuously.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TOOLS = ("gcc", "musl-gcc", "readelf")


class BuildError(RuntimeError):
    """A compiler or readelf run failed."""


def missing_tools() -> str | None:
    """Why these helpers cannot work here (a tool not on PATH), or None."""
    absent = [t for t in TOOLS if shutil.which(t) is None]
    if absent:
        return (
            "needs "
            + ", ".join(absent)
            + " (Debian: apt-get install gcc libc6-dev musl-tools binutils)"
        )
    return None


def _run(argv: Sequence[str]) -> str:
    proc = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BuildError(f"{' '.join(argv)}\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def cc(
    src: str,
    out: Path,
    *,
    musl: bool,
    shared: bool,
    flags: Sequence[str] = (),
    pic: bool = True,
    libs: Sequence[str] = (),
) -> Path:
    """Compile and link one C source text into ``out``.

    ``musl`` picks ``musl-gcc`` over glibc's ``gcc``; ``shared`` builds a
    ``-shared -fPIC`` library, else an executable (PIE unless ``pic`` is False,
    which adds ``-fno-pic -no-pie``).  ``flags`` go before the source file,
    ``libs`` after it (``-L``/``-l`` and ``-Wl,...`` options that must follow
    the object).  Returns ``out``.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = ["musl-gcc" if musl else "gcc", "-O1", "-w", "-fno-builtin"]
    if shared:
        argv += ["-shared", "-fPIC"]
    elif not pic:
        argv += ["-fno-pic", "-no-pie"]
    with tempfile.TemporaryDirectory(prefix="elfbuild-") as tmp:
        c_file = Path(tmp) / (out.name.replace(".", "_") + ".c")
        c_file.write_text(src)
        if out.exists() or out.is_symlink():
            out.unlink()  # never write through a hard link into a shared tree
        _run([*argv, *flags, "-o", str(out), str(c_file), *libs])
    return out


def stub(
    out: Path, soname: str | None = None, src: str = "void __elfbuild_stub(void) {}\n"
) -> Path:
    """A tiny libc-less shared object (link-time stand-in, or a reserved-name DT_NEEDED)."""
    return cc(
        src, out, musl=False, shared=True, flags=["-nostdlib", f"-Wl,-soname,{soname or out.name}"]
    )


def install(src: Path, dest: Path) -> Path:
    """Copy a built file into place (replacing, never writing through, an existing link)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() or dest.is_symlink():
        dest.unlink()
    shutil.copy2(src, dest)
    return dest


# -- looking inside -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reloc:
    """One dynamic relocation: type name and the symbol it names ("" for none)."""

    type: str  # e.g. "R_X86_64_JUMP_SLOT"
    symbol: str  # without version
    version: str | None  # the version readelf shows on the symbol, if any


@dataclass(frozen=True, slots=True)
class DynSym:
    """One ``.dynsym`` entry as readelf prints it."""

    name: str
    version: str | None
    default_version: bool  # "name@@V" (default) rather than "name@V" (hidden)
    type: str  # FUNC, OBJECT, IFUNC, TLS, NOTYPE, ...
    bind: str  # GLOBAL, WEAK, ...
    ndx: str  # UND or a section number
    value: int

    @property
    def defined(self) -> bool:
        """Has a section (not ``UND``)."""
        return self.ndx != "UND"


def readelf(path: Path, *options: str) -> str:
    """``readelf -W OPTIONS PATH``."""
    return _run(["readelf", "-W", *options, str(path)])


_DYN = re.compile(r"^\s*0x[0-9a-f]+\s+\((\w+)\)\s+(.*)$")
_BRACKET = re.compile(r"\[(.*)\]")


def dynamic(path: Path) -> list[tuple[str, str]]:
    """The dynamic section as (tag, value) pairs, e.g. ``("NEEDED", "libc.so.6")``."""
    out = []
    for line in readelf(path, "-d").splitlines():
        m = _DYN.match(line)
        if not m:
            continue
        tag, value = m.groups()
        b = _BRACKET.search(value)
        out.append(
            (
                tag,
                b.group(1)
                if b and tag in ("NEEDED", "SONAME", "RPATH", "RUNPATH")
                else value.strip(),
            )
        )
    return out


def needed(path: Path) -> list[str]:
    """DT_NEEDED entries in order."""
    return [v for t, v in dynamic(path) if t == "NEEDED"]


def _split_version(token: str) -> tuple[str, str | None, bool]:
    if "@@" in token:
        name, ver = token.split("@@", 1)
        return name, ver, True
    if "@" in token:
        name, ver = token.split("@", 1)
        return name, ver, False
    return token, None, False


_RELOC = re.compile(r"^[0-9a-f]+\s+[0-9a-f]+\s+(R_\w+)\s*(.*)$")
_NAMED = re.compile(r"^\S+\s+(\S+)\s+[+-]\s+[0-9a-f]+$")


def relocations(path: Path) -> list[Reloc]:
    """Every dynamic relocation (``readelf -rW``), in table order."""
    out = []
    for line in readelf(path, "-r").splitlines():
        m = _RELOC.match(line.strip())
        if not m:
            continue
        rtype, rest = m.groups()
        sym = ""
        ver: str | None = None
        # "<value> <name>[@ver] + <addend>" when a symbol is named (the value of an IFUNC
        # symbol prints as "<name>()"), else just "<addend>".
        named = _NAMED.match(rest)
        if named:
            sym, ver, _ = _split_version(named.group(1))
        out.append(Reloc(rtype, sym, ver))
    return out


def reloc_types(path: Path) -> set[str]:
    """The relocation type names present."""
    return {r.type for r in relocations(path)}


def relocs_for(path: Path, symbol: str) -> set[str]:
    """The relocation types that name ``symbol``."""
    return {r.type for r in relocations(path) if r.symbol == symbol}


_SYM = re.compile(r"^\s*\d+:\s+([0-9a-f]+)\s+\S+\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s+(\S+)")


def dynsyms(path: Path) -> list[DynSym]:
    """The dynamic symbol table (``readelf --dyn-syms -W``), without the null entry."""
    out = []
    for line in readelf(path, "--dyn-syms").splitlines():
        m = _SYM.match(line)
        if not m:
            continue
        value, typ, bind, ndx, token = m.groups()
        name, ver, default = _split_version(token)
        if not name:
            continue
        out.append(DynSym(name, ver, default, typ, bind, ndx, int(value, 16)))
    return out


def dynsym(path: Path, name: str) -> list[DynSym]:
    """Every ``.dynsym`` entry called ``name`` (several when versioned)."""
    return [s for s in dynsyms(path) if s.name == name]


def set_relocation_type(path: Path, symbol: str, old: str, new: int) -> int:
    """Rewrite, in place, the type of every ``old`` relocation naming ``symbol`` to ``new``.

    For relocation kinds no toolchain emits on request (``R_X86_64_NONE`` with a
    symbol).  Uses pyelftools (a test dependency) to find the entries.  Returns
    how many entries were changed.
    """
    from elftools.elf.elffile import ELFFile
    from elftools.elf.relocation import RelocationSection

    patches: list[tuple[int, int]] = []
    with path.open("rb") as fh:
        elf = ELFFile(fh)
        assert elf.elfclass == 64 and elf.little_endian, "x86_64 only"
        for sec in elf.iter_sections():
            if not isinstance(sec, RelocationSection) or not sec.is_RELA():
                continue
            symtab = elf.get_section(sec["sh_link"])
            for i, rel in enumerate(sec.iter_relocations()):
                sym_index = rel["r_info_sym"]
                if not sym_index or symtab.get_symbol(sym_index).name != symbol:
                    continue
                if _RELOC_NAMES.get(rel["r_info_type"]) != old:
                    continue
                patches.append(
                    (sec["sh_offset"] + i * sec["sh_entsize"] + 8, sym_index << 32 | new)
                )
    with path.open("r+b") as fh:
        for offset, info in patches:
            fh.seek(offset)
            fh.write(info.to_bytes(8, "little"))
    return len(patches)


_RELOC_NAMES = {
    0: "R_X86_64_NONE",
    1: "R_X86_64_64",
    6: "R_X86_64_GLOB_DAT",
    7: "R_X86_64_JUMP_SLOT",
}
