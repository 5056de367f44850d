"""What a Node input says: one flat list of packages, and how the format records them.

Every Node source (:mod:`.sources`) parses its lockfile or installed tree into a
:class:`NodeInput` of :class:`NodePackage` s.  Whether a format records ``libc``
matters: npm < 11.11 never writes it, so such a lockfile cannot tell ``-gnu`` and
``-musl`` platform packages apart by field (only by name).
:attr:`NodeInput.records_libc` is true when ANY entry records ``libc``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError
from ..guard import printable
from . import loader

NodeInputKind = Literal[
    "package-lock",
    "npm-shrinkwrap",
    "yarn-v1",
    "yarn-berry",
    "pnpm",
    "bun",
    "node_modules",
    "package.json",
]

MAX_LOCKFILE_BYTES = loader.MAX_LOCK_BYTES  # every Node lockfile (64 MiB)
MAX_TREE_DEPTH = 40  # nested node_modules levels (and npm v1 lockfile dependencies)
#: Most packages one Node lockfile may hold (a 300,000-entry yarn.lock is read).
MAX_LOCK_PACKAGES = 500_000


@dataclass(frozen=True, slots=True)
class NodePackage:
    """One package as a lockfile or an installed tree records it."""

    name: str
    version: str | None
    path_in_lock: str  # lockfile key / entry, or the path under the tree root
    os: tuple[str, ...]
    cpu: tuple[str, ...]
    libc: tuple[str, ...]
    optional: bool
    dev: bool
    has_install_script: bool | None  # None: the format does not record it
    resolved: str | None
    source_file: str
    native_files: tuple[str, ...] = ()  # node_modules: ``.node`` files, relative to the tree
    install_script: str | None = None  # node_modules: ``scripts.install`` as written
    gypfile: bool = False  # node_modules: ``gypfile: true`` or a ``binding.gyp``
    optional_dependencies: tuple[str, ...] = ()  # names, where the format records them


@dataclass(frozen=True)
class NodeInput:
    """What one Node lockfile or ``node_modules`` tree says."""

    path: str
    kind: NodeInputKind
    lockfile_version: str | None
    packages: tuple[NodePackage, ...]
    records_platform: bool  # the format records os/cpu for platform packages
    records_libc: bool  # ANY entry records ``libc``
    notes: tuple[str, ...] = ()


def too_many(display: str, n: int) -> None:
    """:class:`InputError` when a lockfile holds more than :data:`MAX_LOCK_PACKAGES`."""
    if n > MAX_LOCK_PACKAGES:
        raise InputError(f"{display}: more than {MAX_LOCK_PACKAGES:,} packages; not read")


def strs(value: Any) -> tuple[str, ...]:
    """``os``/``cpu``/``libc`` as a tuple: a list of strings, or a bare string."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str) and v)
    return ()


def keys(value: Any) -> tuple[str, ...]:
    """The string keys of a mapping (``optionalDependencies``); () for anything else."""
    return tuple(k for k in value if isinstance(k, str)) if isinstance(value, dict) else ()


def opt_str(value: Any) -> str | None:
    """``value`` when it is a string, else None."""
    return value if isinstance(value, str) else None


def split_spec(spec: str) -> tuple[str, str]:
    """``@s/n@1.2.3`` -> (``@s/n``, ``1.2.3``); the version is what follows the last '@'."""
    at = spec.rfind("@")
    if at <= 0:
        return spec, ""
    return spec[:at], spec[at + 1 :]


def read_lockfile(path: Path, *, named: bool = True) -> tuple[str, bytes]:
    """(the name for messages, the bytes) of a lockfile, read within the size cap.

    ``named``: the user named the file (a FIFO or device is read too).
    """
    display = printable(str(path))
    return display, loader.read_file(
        path, limit=MAX_LOCKFILE_BYTES, what="a lockfile", display=display, allow_special=named
    )


def read_lockfile_text(path: Path, *, named: bool = True) -> tuple[str, str]:
    """(the name for messages, the UTF-8 text) of a lockfile, read within the size cap."""
    display, data = read_lockfile(path, named=named)
    return display, loader.decode(data, display)
