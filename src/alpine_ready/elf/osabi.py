"""Which operating system an ELF file was built for, when it is not Linux.

Linux neither sets nor checks ``e_ident[EI_OSABI]`` (its files say 0, System V,
or 3, GNU/Linux), but the BSDs and Solaris mark theirs, and their toolchains
leave other tell-tales: the program interpreter (FreeBSD's
``/libexec/ld-elf.so.1``) and the C library's soname (FreeBSD's ``libc.so.7``,
``libthr.so.3``).  Such a file is never loaded on Linux: packages ship it for
another platform next to their Linux builds (npm's ``@rollup/rollup-freebsd-x64``).
"""

from __future__ import annotations

from typing import Final

from .reader import ElfFile

#: e_ident[EI_OSABI] values of systems other than Linux (0 and 3 are Linux's; the
#: processor-specific values 64..255 say nothing about the operating system).
FOREIGN_OSABI: Final[dict[int, str]] = {
    1: "HP-UX",
    2: "NetBSD",
    6: "Solaris",
    7: "AIX",
    8: "IRIX",
    9: "FreeBSD",
    10: "Tru64",
    11: "Novell Modesto",
    12: "OpenBSD",
    13: "OpenVMS",
    14: "NonStop Kernel",
    15: "AROS",
    16: "FenixOS",
    17: "CloudABI",
    18: "OpenVOS",
}

#: Program interpreters of other systems' dynamic loaders.
FOREIGN_INTERPRETERS: Final[dict[str, str]] = {
    "/libexec/ld-elf.so.1": "FreeBSD",
    "/libexec/ld-elf32.so.1": "FreeBSD",
    "/usr/libexec/ld.elf_so": "NetBSD",
    "/usr/libexec/ld.so": "OpenBSD",
    "/usr/lib/ld.so.1": "Solaris",
    "/usr/lib/amd64/ld.so.1": "Solaris",
    "/usr/lib/64/ld.so.1": "Solaris",
}

#: Sonames only other systems' C libraries have (Linux's libc is libc.so.6 or musl's).
FOREIGN_SONAMES: Final[dict[str, str]] = {
    "libc.so.7": "FreeBSD",
    "libthr.so.3": "FreeBSD",
    "libc.so.12": "NetBSD",
}


def foreign_os(elf: ElfFile) -> tuple[str, str] | None:
    """(system, evidence) when ``elf`` is built for an OS other than Linux, else None."""
    name = FOREIGN_OSABI.get(elf.osabi)
    if name is not None:
        return name, f"ELF OS/ABI {elf.osabi} ({name})"
    if elf.interpreter in FOREIGN_INTERPRETERS:
        name = FOREIGN_INTERPRETERS[elf.interpreter]
        return name, f"interpreter {elf.interpreter}"
    for soname in elf.needed:
        name = FOREIGN_SONAMES.get(soname)
        if name is not None:
            return name, f"needs {soname}"
    return None
