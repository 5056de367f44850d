"""The final filesystem of an image, from its layers applied in order.

Whiteouts, opaque directories and overwrites are applied; the per-layer facts
and the waste they leave behind are kept.

Waste is counted the way a user pays for it: every copy of a file that a later
layer overwrites or deletes still ships in its own layer, so its bytes are
wasted; the copy that is kept is not (dive counts it too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from .layers import Entry, LayerAnalysis


class FsEntry(NamedTuple):
    """A path of the final filesystem, and which layer it comes from (a named tuple)."""

    path: str
    kind: str
    size: int
    layer: int
    link: str | None
    elf: int | None  # index into that layer's elves


@dataclass
class LayerStats:
    """Files a layer adds, changes (overwrites) and removes."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    bytes_added: int = 0  # file bytes in the layer


@dataclass(frozen=True, slots=True)
class Wasted:
    """Bytes that ship but are not in the final filesystem (or are leftovers)."""

    path: str
    bytes: int
    reason: str
    layer: int


@dataclass
class ImageFS:
    """The final filesystem of an image."""

    entries: dict[str, FsEntry] = field(default_factory=dict)
    stats: list[LayerStats] = field(default_factory=list)
    wasted: list[Wasted] = field(default_factory=list)
    # every path that is or was the parent of an entry added: only those can have
    # entries below them (a superset: removals do not shrink it)
    parents: set[str] = field(default_factory=set, repr=False, compare=False)

    def text(self, analyses: list[LayerAnalysis], path: str) -> str | None:
        """The captured text of ``path`` as the final filesystem has it."""
        e = self.resolve_entry(path)
        if e is None or e.kind != "file":
            return None
        return analyses[e.layer].texts.get(e.path)

    def resolve_entry(self, path: str) -> FsEntry | None:
        """The entry at ``path``, hard links followed (not symlinks)."""
        e = self.entries.get(path)
        seen = 0
        while e is not None and e.kind == "hardlink" and e.link and seen < 40:
            e = self.entries.get(e.link)
            seen += 1
        return e

    def files(self) -> Iterable[FsEntry]:
        """Regular files (and hard links) of the final filesystem."""
        return (e for e in self.entries.values() if e.kind in ("file", "hardlink"))


def build(analyses: list[LayerAnalysis]) -> ImageFS:
    """Apply every layer, lowest first."""
    fs = ImageFS()
    for index, layer in enumerate(analyses):
        stats = LayerStats()
        # Whiteouts hide lower layers only: apply them before this layer's additions.
        for e in layer.entries:
            if e.kind == "whiteout":
                stats.removed += _remove(fs, e.path, index, "deleted", include_self=True)
            elif e.kind == "opaque":
                stats.removed += _remove(fs, e.path, index, "hidden by an opaque directory",
                                         include_self=False)
        for e in layer.entries:
            if e.kind in ("whiteout", "opaque"):
                continue
            _add(fs, e, index, stats)
        fs.stats.append(stats)
    return fs


def _remove(fs: ImageFS, path: str, layer: int, how: str, *, include_self: bool) -> int:
    if path and path not in fs.parents:  # nothing below it: no need to look at every path
        doomed = [path] if include_self and path in fs.entries else []
    else:
        prefix = path + "/" if path else ""
        doomed = [p for p in fs.entries if p.startswith(prefix) or (include_self and p == path)]
    removed = 0
    for p in doomed:
        old = fs.entries.pop(p)
        if old.kind != "dir":
            removed += 1
            if old.kind == "file" and old.size:
                fs.wasted.append(Wasted(p, old.size, f"{how} in layer {layer + 1}", old.layer))
    return removed


def _add(fs: ImageFS, e: Entry, layer: int, stats: LayerStats) -> None:
    entries = fs.entries
    path, kind = e.path, e.kind
    old = entries.get(path)
    if old is not None:
        if old.kind == "dir" and kind == "dir":
            return  # a directory restated by a later layer: nothing changes
        if old.kind == "dir":
            _remove(fs, path, layer, f"replaced by a {kind}", include_self=False)
        elif old.kind == "file" and old.size:
            fs.wasted.append(Wasted(path, old.size, f"overwritten in layer {layer + 1}",
                                    old.layer))
        if kind != "dir":
            stats.changed += 1
    elif kind != "dir":
        stats.added += 1
    # parents exist implicitly (tar streams may omit them); paths are normal, so
    # rpartition is posixpath.dirname
    parent = path.rpartition("/")[0]
    fs.parents.add(parent)
    while parent and parent not in entries:
        entries[parent] = FsEntry(parent, "dir", 0, layer, None, None)
        parent = parent.rpartition("/")[0]
        fs.parents.add(parent)
    if kind == "file":
        stats.bytes_added += e.size
    entries[path] = FsEntry(path, kind, e.size, layer, e.link, e.elf)
