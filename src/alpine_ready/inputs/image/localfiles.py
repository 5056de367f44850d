"""Images in local files: regions of an archive, read in place, and verified early.

:class:`FileRegion` reads ``size`` bytes at an offset of an open file with
``pread`` (it can also skip), :func:`list_members` lists a tar from its headers
alone, :func:`docker_save_layers` names the layers of a ``docker save``
manifest entry.  :func:`verify_early` is what the command line calls right after
parsing its arguments, before it imports the analysis: it opens the docker
archives it was given and starts hashing their uncached layers
(:data:`.digests.EARLY`), so that the hash runs on another CPU while Python
loads the rest -- the analysis then adopts that work (see
:class:`.digests.RegionDigests`).  Best effort: whatever goes wrong there is left
for the real opening of the image to report.

Light on purpose (os, io, json, the tar reader, the digests): imported before
the rest.
"""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO, NamedTuple

from . import digests
from .digests import (
    Region,
    RegionDigests,
    check_digest,
    cpu_count,
    file_identity,
    shorten_switch_interval,
)
from .errors import ImageError
from .tarstream import TarReader

MAX_JSON = 8 << 20  # manifests, indexes and configs are small; refuse giants


class FileRegion(io.RawIOBase):
    """``size`` bytes at ``offset`` of an open file, read with ``os.pread``.

    ``pread`` does not move the file offset, so the handle's other readers are
    not disturbed.  The handle is not owned unless ``owner`` (the file object it
    belongs to) is given: closing the region closes the owner.  A file shorter
    than the region ends the stream early (a verifying reader, or the region's
    digest check, then reports a size mismatch).  :meth:`skip` moves on without
    reading (for a tar walk over a region verified apart).
    """

    def __init__(self, fd: int, offset: int, size: int, owner: IO[bytes] | None = None) -> None:
        super().__init__()
        self._fd, self._pos, self._end = fd, offset, offset + size
        self._owner = owner
        self.at_end = False  # a read found nothing more, or a skip fell short

    def close(self) -> None:
        """Close the region (and its owner, if it has one)."""
        if self._owner is not None:
            owner, self._owner = self._owner, None
            owner.close()
        super().close()

    def skip(self, n: int) -> int:
        """Move ``n`` bytes on (fewer at the end of the region); how many."""
        if self.closed:
            raise ValueError("skip in a closed region")
        left = self._end - self._pos
        if n > left:
            self.at_end = True
        n = max(0, min(n, left))
        self._pos += n
        return n

    def readable(self) -> bool:
        """Always readable."""
        return True

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (the rest when negative); ``b""`` at the end."""
        if self.closed:
            raise ValueError("read from a closed region")
        left = self._end - self._pos
        if size is None or size < 0 or size > left:
            size = left
        if size <= 0:
            self.at_end = True
            return b""
        data = os.pread(self._fd, size, self._pos)
        self._pos += len(data)
        if not data:
            self._end = self._pos  # the file ends here
            self.at_end = True
        return data

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``."""
        data = self.read(len(memoryview(buffer)))
        n = len(data)
        memoryview(buffer).cast("B")[:n] = data
        return n


class Member(NamedTuple):
    """A member of an archive tar: where its content is (a named tuple)."""

    name: str
    kind: str  # tarstream's: file dir symlink hardlink … sparse other
    offset: int  # of the content, in the archive file
    size: int


def list_members(fd: int, size: int) -> dict[str, Member]:
    """Every member of the tar in ``fd``, by name (``./`` removed), from the headers alone.

    Raises TarError (or OSError) for anything that is not a well-formed tar.
    """
    region = FileRegion(fd, 0, size)
    reader = TarReader(region, skip=region.skip)
    members: dict[str, Member] = {}
    for e in reader:  # reader.offset: just past the entry's headers, where its content is
        name = e.name.lstrip("./") if e.name.startswith("./") else e.name
        members[name] = Member(e.name, e.type, reader.offset, e.size)
    return members


def docker_save_layers(
    entry: Mapping[str, Any], config: Mapping[str, Any], name: str
) -> list[tuple[str, str]]:
    """(member name, digest) of each layer a ``docker save`` manifest entry lists.

    A docker-save layer is the uncompressed tar: its digest is the diff_id the
    config gives it, unless it is stored under ``blobs/ALGO/HEX`` (Docker 25+),
    named by its own digest.
    """
    diff_ids = list((config.get("rootfs") or {}).get("diff_ids") or [])
    layer_names = list(entry.get("Layers") or [])
    if len(diff_ids) != len(layer_names):
        raise ImageError(f"{name}: {len(layer_names)} layers but {len(diff_ids)} diff_ids")
    out = []
    for member_name, diff_id in zip(layer_names, diff_ids, strict=True):
        check_digest(diff_id, f"{name}: diff_id")
        if not isinstance(member_name, str):
            raise ImageError(f"{name}: manifest.json: layer {member_name!r} is not a file name")
        digest = diff_id
        if member_name.startswith("blobs/"):
            parts = member_name.split("/")
            digest = check_digest(
                ":".join(parts[1:3]) if len(parts) == 3 else member_name,
                f"{name}: layer {member_name!r}",
            )
        out.append((member_name, digest))
    return out


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/alpine-ready`` or ``~/.cache/alpine-ready``."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "alpine-ready"


def analysis_cache_files(cache_dir: Path, digest: str) -> tuple[Path, Path]:
    """A layer's files in the analysis cache: the analysis, its ELF records.

    (:func:`.layers.store_cached` writes them, :func:`.layers.load_cached` reads.)
    """
    base = cache_dir / "layers" / digest.replace(":", "-")
    return base.with_suffix(".json"), base.with_suffix(".elves.json")


def analysis_cached(cache_dir: Path, digest: str, elves: bool) -> bool:
    """Are the files of a cached analysis of this layer there (not whether they load)?"""
    main, elf_file = analysis_cache_files(cache_dir, digest)
    return main.is_file() and (not elves or elf_file.is_file())


_early_files: list[BinaryIO] = []  # the archives verify_early opened (closed by stop_early)
_restore_interval: list[Callable[[], None]] = []  # while early hashing runs


def verify_early(paths: Iterable[Path], cache_dir: Path | None, *, elves: bool) -> None:
    """Start hashing the uncached layers of these docker archives in the background.

    Only with more than one CPU (otherwise it would slow what it should overlap).
    ``elves``: the analysis wanted keeps ELF records (scan), else it is inspect's.
    """
    cpus = cpu_count()
    if cpus < 2:
        return
    seen: set[tuple[object, ...]] = set()
    for path in paths:
        fh: BinaryIO | None = None
        try:
            # non-blocking: a FIFO must not hang here (only regular files are read)
            fh = os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb", buffering=0)
            fd = fh.fileno()
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ValueError("not a regular file")
            identity = file_identity(fd)
            members = list_members(fd, identity[2])
            entries = json.loads(_read(fd, members, "manifest.json"))
            entry = entries[0]
            config = json.loads(_read(fd, members, entry["Config"]))
            regions = []
            for member_name, digest in docker_save_layers(entry, config, str(path)):
                if cache_dir is not None and analysis_cached(cache_dir, digest, elves):
                    continue
                m = members[member_name]
                if m.kind == "file":
                    regions.append(
                        Region(fd, m.offset, m.size, digest, m.size, str(path), identity)
                    )
        except Exception as exc:  # best effort: the real opening reports it
            import logging  # (not before: this module loads ahead of the rest)

            logging.getLogger(__name__).debug("%s: not verified early: %s", path, exc)
            if fh is not None:
                fh.close()
            continue
        if not regions:
            fh.close()
            continue
        _early_files.append(fh)
        if digests.EARLY is None:
            digests.EARLY = RegionDigests(cpus - 1)
            # the hasher needs the GIL for a moment per chunk, behind the imports
            _restore_interval.append(shorten_switch_interval())
        for region in regions:
            if region.key not in seen:  # a manifest may list one member many times
                seen.add(region.key)
                digests.EARLY.submit(region.key, region)


def stop_early() -> None:
    """Stop the early hashing (what nobody adopted is dropped) and close its files."""
    early, digests.EARLY = digests.EARLY, None
    if early is not None:
        early.close()
    while _early_files:
        _early_files.pop().close()
    while _restore_interval:
        _restore_interval.pop()()


def _read(fd: int, members: Mapping[str, Member], name: str) -> bytes:
    m = members[name]
    if m.kind != "file" or m.size > MAX_JSON:
        raise ValueError(f"{name}: not a small regular file")
    return os.pread(fd, m.size, m.offset)
