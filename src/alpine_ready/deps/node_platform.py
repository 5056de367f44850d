"""Platform packages: which native dependency one belongs to, and which libc it is for.

:func:`platform_variants` groups the platform packages of one native dependency
(``@rollup/rollup-linux-x64-gnu`` and ``-musl``, ``@img/sharp-linux-x64`` and
``@img/sharp-linuxmusl-x64``) so a caller can tell whether a musl build is present;
:func:`libc_of` tells a package's libc by its ``libc`` field, else by its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from .node_model import NodePackage

OS_TOKENS: frozenset[str] = frozenset(
    {
        "linux",
        "linuxmusl",
        "darwin",
        "macos",
        "win32",
        "windows",
        "freebsd",
        "openbsd",
        "netbsd",
        "android",
        "aix",
        "sunos",
        "openharmony",
        "wasi",
        "wasm32",
    }
)
_OTHER_TOKENS: frozenset[str] = frozenset(
    {
        "x64",
        "x86",
        "ia32",
        "i686",  # @sentry/cli-linux-i686
        "64",  # Go's naming: turbo-linux-64, turbo-windows-64
        "32",
        "x86_64",
        "amd64",
        "arm",
        "arm64",
        "aarch64",
        "armv7",
        "armv6",
        "ppc64",
        "ppc64le",
        "s390x",
        "riscv64",
        "loong64",
        "mips64el",
        "universal",
        "gnu",
        "glibc",  # @parcel/watcher-linux-x64-glibc
        "musl",
        "gnueabihf",
        "musleabihf",
        "gnux32",
        "msvc",
        "eabi",
        "androideabi",
        "arm64ec",
        "wasm32",
        "ohos",
    }
)
#: the vendor part of a Rust target triple (``x86_64-unknown-linux-gnu``)
_VENDOR_TOKENS: frozenset[str] = frozenset({"unknown", "pc", "apple"})
MUSL_TOKENS: frozenset[str] = frozenset({"musl", "linuxmusl", "musleabihf"})
GLIBC_TOKENS: frozenset[str] = frozenset({"gnu", "gnueabihf", "gnux32", "glibc"})


#: an OS token between separators of a name's last part (what :func:`_tokens` would find)
_OS_TOKEN = re.compile(
    r"(?:(?<=^)|(?<=[-./]))(?:"
    + "|".join(sorted(OS_TOKENS, key=len, reverse=True))
    + r")(?=[-.]|$)"
)


def _tokens(name: str) -> tuple[str, list[str]]:
    scope, _, local = name.rpartition("/")
    return scope, re.split(r"[-.]", local)


def platform_base(pkg: NodePackage | str) -> str | None:
    """The dependency a platform package belongs to, or None if it is not one.

    ``@rollup/rollup-linux-x64-musl`` -> ``@rollup/rollup``; ``@img/sharp-linuxmusl-x64``
    -> ``@img/sharp``; ``lightningcss-linux-x64-gnu`` -> ``lightningcss``;
    ``@esbuild/linux-x64`` -> ``@esbuild``.  A name counts when it carries an OS token,
    or when the package records ``os``/``cpu``/``libc``.  The base is what comes before
    the first OS token (CPU and vendor tokens just before it dropped: a Rust triple's
    ``x86_64-unknown-linux-gnu``): what follows is the platform, whatever its spelling,
    so a CPU name the token lists do not know (``powerpc64le``, ``loongarch64``) never
    makes a package of its own.
    """
    name = pkg if isinstance(pkg, str) else pkg.name
    declared = not isinstance(pkg, str) and bool(pkg.os or pkg.cpu or pkg.libc)
    if not declared and _OS_TOKEN.search(name, name.rfind("/") + 1) is None:
        return None  # (the common case, without splitting the name)
    scope, toks = _tokens(name)
    first = next((i for i, t in enumerate(toks) if t in OS_TOKENS), None)
    if first is None:
        if not declared:
            return None
        kept = [t for t in toks if t not in _OTHER_TOKENS]  # (os/cpu declared, no OS token)
        if len(kept) == len(toks):
            return None
    else:
        kept = toks[:first]
        while kept and (kept[-1] in _OTHER_TOKENS or kept[-1] in _VENDOR_TOKENS):
            kept.pop()
    local = "-".join(kept)
    if scope:
        return f"{scope}/{local}" if local else scope
    return local or None


def libc_of(name: str, libc: Iterable[str] = ()) -> Literal["musl", "glibc"] | None:
    """The libc a platform package is built for: its ``libc`` field, else its name."""
    declared = {v.lower() for v in libc}
    if "musl" in declared:
        return "musl"
    if "glibc" in declared:
        return "glibc"
    toks = set(_tokens(name)[1])
    if toks & MUSL_TOKENS:
        return "musl"
    if toks & GLIBC_TOKENS:
        return "glibc"
    return None


def package_libc(pkg: NodePackage) -> Literal["musl", "glibc"] | None:
    """The libc a platform package is built for (:func:`libc_of` its name and field)."""
    return libc_of(pkg.name, pkg.libc)


def libc_told_by_name(packages: Iterable[NodePackage]) -> bool:
    """A native dependency has -gnu and -musl builds that only their names tell apart."""
    for members in platform_variants(packages).values():
        if {package_libc(m) for m in members} >= {"musl", "glibc"}:
            return True
    return False


def platform_variants(packages: Iterable[NodePackage]) -> dict[str, list[NodePackage]]:
    """Group platform packages by the dependency they belong to (sorted by name)."""
    groups: dict[str, list[NodePackage]] = {}
    for pkg in packages:
        base = platform_base(pkg)
        if base is not None:
            groups.setdefault(base, []).append(pkg)
    return {k: sorted(v, key=lambda q: (q.name, q.path_in_lock)) for k, v in sorted(groups.items())}


def has_musl_variant(variants: Iterable[NodePackage], cpu: str = "x64") -> bool:
    """True when one of *variants* is a Linux musl build for *cpu* (``x64``/``arm64``)."""
    for pkg in variants:
        if package_libc(pkg) != "musl":
            continue
        toks = set(_tokens(pkg.name)[1])
        if cpu in pkg.cpu or (not pkg.cpu and cpu in toks):
            return True
    return False
