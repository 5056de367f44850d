"""Walk a scan target and find its ELF files by magic, never by name.

Symlinks are not followed (neither to files nor to directories), special
files are skipped, and only 4 bytes of each regular file are read here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ELF_MAGIC = b"\x7fELF"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A regular file that starts with the ELF magic."""

    relpath: str  # POSIX, relative to the target root
    host: Path


@dataclass
class WalkStats:
    """What the walk saw besides ELF files."""

    files_seen: int = 0
    unreadable: list[tuple[str, str]] | None = None

    def note_error(self, relpath: str, why: str) -> None:
        """Remember a file or directory that could not be read."""
        if self.unreadable is None:
            self.unreadable = []
        self.unreadable.append((relpath, why))


def _is_elf(path: str) -> bool:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        return os.read(fd, 4) == ELF_MAGIC
    finally:
        os.close(fd)


def walk(root: Path, stats: WalkStats) -> Iterator[Candidate]:
    """Yield every ELF regular file below ``root`` in a stable (sorted) order."""
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        host_dir, rel_dir = stack.pop()
        try:
            with os.scandir(host_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            stats.note_error(rel_dir or ".", exc.strerror or str(exc))
            continue
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                # d_type from getdents: no stat syscall per entry
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append((entry.path, rel))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
            except OSError as exc:
                stats.note_error(rel, exc.strerror or str(exc))
                continue
            stats.files_seen += 1
            try:
                if _is_elf(entry.path):
                    yield Candidate(rel, Path(entry.path))
            except OSError as exc:
                stats.note_error(rel, exc.strerror or str(exc))
        stack.extend(reversed(subdirs))


def single(path: Path, stats: WalkStats) -> Iterator[Candidate]:
    """The one file of a single-file target (if it is ELF)."""
    stats.files_seen += 1
    try:
        if _is_elf(str(path)):
            yield Candidate(path.name, path)
    except OSError as exc:
        stats.note_error(path.name, exc.strerror or str(exc))
