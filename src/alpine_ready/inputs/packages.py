"""Package archives scanned from the archive itself: wheels, sdists, npm tarballs.

``scan numpy-….whl`` (or an sdist ``.tar.gz`` / ``.zip``, an ``npm pack`` ``.tgz``, any
tar or zip that is not an image archive) unpacks into a private temporary directory
only what the scan reads -- the ELF files (members starting with the ELF magic) and the
package metadata (``*.dist-info/*``, ``PKG-INFO``, ``package.json``) -- laid out as
installed, so that a file's owner is found as on a real installation:

* a wheel (a zip with a top-level ``*.dist-info/WHEEL``) goes into ``site-packages/``;
* an npm tarball (members under ``package/`` with a ``package/package.json``) goes
  into ``node_modules/<name>/`` (the name read from that ``package.json``);
* anything else keeps its member paths.

The report shows each file as ``ARCHIVE!/PATH-IN-ARCHIVE``
(``orjson-….whl!/orjson/orjson.cpython-312-x86_64-linux-gnu.so``).

Hostile archives are refused with an :class:`~alpine_ready.errors.InputError`, never
followed: a member path that is absolute or climbs out (``..``), a symlink or hard
link member pointing out of the archive (links inside it are skipped, never
created), more than :attr:`ArchiveLimits.max_members` members, or more unpacked
bytes than :attr:`ArchiveLimits.max_bytes` (declared or read), or than
:data:`MAX_RATIO` times the archive's own size past :data:`MIN_BOMB` (a zip bomb).
Files are created (``O_NOFOLLOW``, mode 0600) only inside a fresh ``mkdtemp``
directory that the caller removes; no link is ever created, so nothing outside it
is written.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
import stat
import zlib
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:  # (imported where archives are read: not on every scan's start-up)
    import tarfile

log = logging.getLogger(__name__)

ELF_MAGIC = b"\x7fELF"
#: Unpacked bytes beyond this many times the archive's size (past MIN_BOMB): a bomb.
MAX_RATIO = 200
MIN_BOMB = 64 << 20
MAX_METADATA = 8 << 20  # a metadata file larger than this is not unpacked
MAX_NAME = 4096

_NPM_NAME = re.compile(r"(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*")
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what an archive may hold."""

    max_members: int = 200_000
    max_bytes: int = 4 << 30  # unpacked bytes of all members (declared or read)


@dataclass(frozen=True)
class Unpacked:
    """A package archive unpacked as installed.

    ``root`` is walked; ``inner(relpath)`` is where a file below it sits in the archive.
    """

    kind: str  # wheel | npm-tarball | archive
    root: Path
    members: int  # regular files in the archive
    #: (prefix of a relpath below ``root``, what it is in the archive)
    renamed: tuple[tuple[str, str], ...] = ()

    def inner(self, relpath: str) -> str:
        """The member path of a file found at ``root/relpath``."""
        for strip, add in self.renamed:
            if relpath.startswith(strip):
                return add + relpath[len(strip) :]
        return relpath


def is_package_archive(path: Path) -> bool:
    """Does the file start like a zip, a compressed stream or a tar?"""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    if head.startswith(_ZIP) or head.startswith(_COMPRESSED):
        return True
    return len(head) == 512 and head[257:262] == b"ustar"


def unpack(path: Path, dest: Path, limits: ArchiveLimits | None = None) -> Unpacked:
    """Unpack the ELF files and metadata of ``path`` into the empty directory ``dest``."""
    import tarfile
    import zipfile

    limits = limits or ArchiveLimits()
    try:
        size = path.stat().st_size
        budget = _Budget(path, limits, size)
        with path.open("rb") as fh:
            head = fh.read(4)
        if head.startswith(_ZIP):
            return _unpack_zip(path, dest, budget)
        return _unpack_tar(path, dest, budget)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, ValueError) as exc:
        raise InputError(f"{path}: not a readable archive ({exc})") from None
    except RuntimeError as exc:  # an encrypted zip member
        raise InputError(f"{path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


class _Budget:
    def __init__(self, path: Path, limits: ArchiveLimits, size: int) -> None:
        self.path, self.limits = path, limits
        self.cap = min(limits.max_bytes, max(MIN_BOMB, MAX_RATIO * size))
        self.members = 0
        self.bytes = 0

    def member(self, declared: int) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise InputError(f"{self.path}: more than {self.limits.max_members} members")
        self.add(declared)

    def add(self, n: int) -> None:
        self.bytes += n
        if self.bytes > self.cap:
            raise InputError(
                f"{self.path}: unpacks to more than {self.cap} bytes "
                "(a decompression bomb, or past the size limit): not scanned"
            )


def _safe_name(path: Path, name: str) -> str | None:
    """The member path, normalised; None for the archive's root; InputError on escapes."""
    if len(name) > MAX_NAME or "\0" in name:
        raise InputError(f"{path}: a member name is malformed or too long")
    if name.startswith("/") or re.match(r"[A-Za-z]:[\\/]", name):
        raise InputError(f"{path}: member {name!r} has an absolute path: not scanned")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InputError(f"{path}: member {name!r} climbs out of the archive: not scanned")
    return "/".join(parts) or None


def _check_link(path: Path, name: str, target: str, *, hard: bool = False) -> None:
    """A link member pointing out of the archive is hostile (the link is never created)."""
    base = "" if hard else posixpath.dirname(name)  # a hard link names a member path
    joined = posixpath.normpath(posixpath.join(base, target))
    if target.startswith("/") or joined == ".." or joined.startswith("../"):
        raise InputError(
            f"{path}: member {name!r} links to {target!r}, outside the archive: not scanned"
        )


def _wanted(name: str) -> bool:
    """Metadata the scan reads (RECORD, WHEEL, package.json…)."""
    base = posixpath.basename(name)
    return (
        base == "package.json"
        or base == "PKG-INFO"
        or posixpath.basename(posixpath.dirname(name)).endswith(".dist-info")
    )


def _write(dest: Path, rel: str, head: bytes, rest: IO[bytes], budget: _Budget) -> None:
    target = dest / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(
        target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
    )
    with os.fdopen(fd, "wb") as out:
        out.write(head)
        while chunk := rest.read(_CHUNK):
            budget.add(len(chunk))
            out.write(chunk)


def _unpack_zip(path: Path, dest: Path, budget: _Budget) -> Unpacked:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        for info in infos:
            budget.member(info.file_size)
        budget.bytes = 0  # declared sizes checked; now count what is read
        names = [_safe_name(path, i.filename) for i in infos]
        wheel = any(n and n.count("/") == 1 and n.endswith(".dist-info/WHEEL") for n in names)
        base = dest / ("site-packages" if wheel else "files")
        base.mkdir()
        files = 0
        for info, name in zip(infos, names, strict=True):
            if name is None or info.is_dir():
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                with zf.open(info) as fh:
                    _check_link(path, name, fh.read(MAX_NAME).decode("utf-8", "replace"))
                continue
            files += 1
            with zf.open(info) as fh:
                _take(fh, base, name, info.file_size, budget)
    if wheel:
        return Unpacked("wheel", base, files)
    return Unpacked("archive", base, files)


def _take(fh: IO[bytes], base: Path, name: str, size: int, budget: _Budget) -> None:
    head = fh.read(4)
    budget.add(len(head))
    if head == ELF_MAGIC or (_wanted(name) and size <= MAX_METADATA):
        _write(base, name, head, fh, budget)


def _unpack_tar(path: Path, dest: Path, budget: _Budget) -> Unpacked:
    base = dest / "files"
    base.mkdir()
    files = 0
    # stream mode: members in order, each read once (compressed tars are not re-read)
    import tarfile

    with tarfile.open(path, "r|*") as tf:
        for member in _members(tf):
            name = _safe_name(path, member.name)
            budget.member(member.size if member.isreg() else 0)
            if name is None:
                continue
            if member.issym() or member.islnk():
                _check_link(path, name, member.linkname, hard=member.islnk())
                continue
            if not member.isreg():
                continue
            files += 1
            fh = tf.extractfile(member)
            if fh is not None:
                _take(fh, base, name, member.size, budget)
    return _npm_layout(dest, base, files)


def _members(tf: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while True:
        member = tf.next()
        if member is None:
            return
        yield member


def _npm_layout(dest: Path, base: Path, files: int) -> Unpacked:
    """An npm tarball's ``package/`` becomes ``node_modules/<name>/``."""
    manifest = base / "package" / "package.json"
    name = None
    with suppress(OSError, ValueError, RecursionError):
        data = json.loads(manifest.read_bytes()) if manifest.is_file() else None
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            name = data["name"]
    if name is None or not _NPM_NAME.fullmatch(name) or len(name) > 214:
        return Unpacked("archive", base, files)
    installed = dest / "node_modules" / name
    installed.parent.mkdir(parents=True, exist_ok=True)
    (base / "package").rename(installed)
    return Unpacked(
        "npm-tarball", dest, files, renamed=((f"node_modules/{name}/", "package/"), ("files/", ""))
    )
