"""Who owns a file of an image or root filesystem: an OS package, or the application.

The OS's package database lists every file its packages installed:

* apk: ``lib/apk/db/installed`` -- ``P:`` names a package, ``F:`` a directory, and the
  ``R:`` lines below it the files in it;
* dpkg: ``var/lib/dpkg/info/<package>[:<arch>].list`` -- one absolute path a line.

A file listed there is ``os:<package>``; any other file is ``app`` (what the image's
author added).  On merged-``/usr`` systems (``/lib`` a symlink to ``usr/lib``) dpkg
lists ``/lib/…`` for files that sit in ``usr/lib/…``: both spellings are mapped.
Without a package database, everything is ``app``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..guard.read import read_bounded

if TYPE_CHECKING:
    from .image.source import AnalysedImage

log = logging.getLogger(__name__)

APP = "app"
MAX_DB_BYTES = 64 << 20  # the apk database, one dpkg list
MAX_LISTS = 20_000  # dpkg list files read from a root filesystem
_MERGED = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")

#: path (relative, no leading ``/``) -> package name
Owners = dict[str, str]


def owner_label(owners: Owners | None, path: str) -> str:
    """``os:<package>`` or ``app``."""
    pkg = owners.get(path.lstrip("/")) if owners else None
    return f"os:{pkg}" if pkg else APP


def parse_apk_files(text: str) -> Owners:
    """``lib/apk/db/installed`` -> path -> package (``F:``/``R:`` lines)."""
    out: Owners = {}
    pkg = directory = ""
    for line in text.splitlines():
        if line.startswith("P:"):
            pkg, directory = line[2:], ""
        elif line.startswith("F:"):
            directory = line[2:].strip("/")
        elif line.startswith("R:") and pkg:
            name = line[2:]
            out[f"{directory}/{name}" if directory else name] = pkg
        elif not line:
            pkg = directory = ""
    return out


def parse_dpkg_list(package: str, text: str, out: Owners) -> None:
    """One ``info/<package>.list`` into ``out``."""
    name = package.split(":", 1)[0]  # libc6:amd64 -> libc6
    for line in text.splitlines():
        path = line.strip().lstrip("/")
        if path and path != ".":
            out.setdefault(path, name)


def _merge_usr(owners: Owners, is_alias: Callable[[str], bool]) -> Owners:
    """Add the ``usr/`` spelling of paths under a top directory that is a symlink to it."""
    aliases = {d for d in _MERGED if is_alias(d)}
    if not aliases:
        return owners
    extra = {
        f"usr/{path}": pkg
        for path, pkg in owners.items()
        if path.split("/", 1)[0] in aliases and f"usr/{path}" not in owners
    }
    owners.update(extra)
    return owners


def image_owners(image: AnalysedImage) -> Owners | None:
    """The owners of an image's files (None: it has no package database)."""
    fs = image.fs

    def text(path: str) -> str | None:
        return fs.text(image.layers, path)

    def alias(top: str) -> bool:
        e = fs.entries.get(top)
        return e is not None and e.kind == "symlink" and (e.link or "").strip("/") == f"usr/{top}"

    apk = text("lib/apk/db/installed")
    if apk is not None:
        return _merge_usr(parse_apk_files(apk), alias)
    if text("var/lib/dpkg/status") is None:
        return None
    out: Owners = {}
    prefix = "var/lib/dpkg/info/"
    for path in sorted(fs.entries):
        if path.startswith(prefix) and path.endswith(".list") and "/" not in path[len(prefix) :]:
            listed = text(path)
            if listed is not None:
                parse_dpkg_list(path[len(prefix) : -len(".list")], listed, out)
    return _merge_usr(out, alias)


def rootfs_owners(root: Path) -> Owners | None:
    """The owners of a root filesystem's files (None: it has no package database)."""

    def alias(top: str) -> bool:
        try:
            return str((root / top).readlink()).strip("/") == f"usr/{top}"
        except OSError:
            return False

    apk = root / "lib/apk/db/installed"
    if apk.is_file() and not apk.is_symlink():
        return _merge_usr(parse_apk_files(_read(apk)), alias)
    info = root / "var/lib/dpkg/info"
    if not info.is_dir() or info.is_symlink():
        return None
    out: Owners = {}
    for listing in _lists(info):
        parse_dpkg_list(listing.name[: -len(".list")], _read(listing), out)
    return _merge_usr(out, alias)


def _lists(info: Path) -> Iterable[Path]:
    try:
        names = sorted(p.name for p in info.iterdir() if p.name.endswith(".list"))
    except OSError as exc:
        log.warning("%s: not listed (%s): files are not told apart by owner", info, exc)
        return []
    return [info / n for n in names[:MAX_LISTS]]


def _read(path: Path) -> str:
    try:
        data = read_bounded(
            path, limit=MAX_DB_BYTES, what="a package database", follow_symlinks=False
        )
    except InputError as exc:
        log.warning("%s", exc)
        return ""
    return data.decode("utf-8", "replace")
