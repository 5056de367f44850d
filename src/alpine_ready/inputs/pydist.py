"""Which installed Python distribution a file belongs to (from ``*.dist-info/RECORD``).

In a site-packages directory or an unpacked wheel, the ``.dist-info`` directory
sits beside the top-level packages and its RECORD lists every file the
distribution installed, so the owner of ``numpy.libs/libopenblas….so`` is
answered exactly, not guessed from directory names.
"""

from __future__ import annotations

import csv
import io
import logging
import posixpath
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .longpath import PATH_MAX

if TYPE_CHECKING:
    from .image.source import AnalysedImage

log = logging.getLogger(__name__)

_MAX_RECORD = 8 << 20  # bytes; a RECORD larger than this is not read


@lru_cache(maxsize=4096)
def _records(directory: Path) -> tuple[tuple[str, frozenset[str]], ...]:
    """(distribution name, files) for every ``*.dist-info`` directly in ``directory``."""
    out: list[tuple[str, frozenset[str]]] = []
    try:
        infos = sorted(
            p
            for p in directory.iterdir()
            if p.name.endswith(".dist-info") and p.is_dir() and not p.is_symlink()
        )
    except OSError:
        return ()
    for info in infos:
        record = info / "RECORD"
        try:
            if record.is_symlink() or record.stat().st_size > _MAX_RECORD:
                continue
            text = record.read_text("utf-8", "replace")
        except OSError:
            continue
        files = frozenset(row[0] for row in csv.reader(io.StringIO(text)) if row)
        name = info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        out.append((name, files))
    return tuple(out)


def distribution_of(host_file: Path, stop_at: Path) -> str | None:
    """The distribution whose RECORD lists ``host_file``, searching up to ``stop_at``.

    Directories whose path is ``PATH_MAX`` bytes or longer are not looked in (a
    deep file's ancestors are tried from the deepest that can be listed): the
    search costs one listing per level, never a path rebuilt per level.
    """
    base = str(stop_at)
    try:
        rel = host_file.relative_to(stop_at).as_posix()
    except ValueError:
        return None
    if rel == ".":
        return None
    cut = len(rel)
    while cut > 0:
        cut = rel.rfind("/", 0, cut)
        directory, inner = (rel[:cut], rel[cut + 1 :]) if cut >= 0 else ("", rel)
        if len(base) + 1 + len(directory) < PATH_MAX:
            for name, files in _records(Path(base, directory) if directory else stop_at):
                if inner in files:
                    return name
    return None


def image_distributions(image: AnalysedImage) -> dict[str, str]:
    """File path -> the distribution whose RECORD (captured from the layers) lists it."""
    out: dict[str, str] = {}
    for path, entry in image.fs.entries.items():
        if not path.endswith(".dist-info/RECORD") or entry.kind not in ("file", "hardlink"):
            continue
        text = image.fs.text(image.layers, path)  # a hard link: its target's text
        if text is None:
            continue
        info_dir = posixpath.dirname(path)
        site = posixpath.dirname(info_dir)
        name = posixpath.basename(info_dir).removesuffix(".dist-info").rsplit("-", 1)[0]
        for row in csv.reader(io.StringIO(text)):
            if row:
                out.setdefault(posixpath.normpath(posixpath.join(site, row[0])), name)
    return out
