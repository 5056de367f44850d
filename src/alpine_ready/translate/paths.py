"""Paths that are elsewhere on Alpine, followed in ENTRYPOINT, CMD, SHELL and RUN.

``ENTRYPOINT ["/usr/bin/tini", "--"]`` works on Debian with its tini package; Alpine's
tini package has ``/sbin/tini``, so the translated file would build and then fail to
start.  The moves are data (:func:`alpine_ready.knowledge.paths.path_moves`): the base
image's commands always, a package's files only in a stage whose ``apk add`` installs
that package.  A path is replaced only as a whole word (``/usr/bin/tini-static`` is not
``/usr/bin/tini`` followed by text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..knowledge.paths import PathMove, path_moves

#: The instructions whose text names programs to run.
KEYWORDS = frozenset({"ENTRYPOINT", "CMD", "RUN", "SHELL"})
_EDGE = r"[\w./+-]"


@dataclass(frozen=True)
class Found:
    """One path to move: ``text[start:end]`` is ``move.debian``."""

    start: int
    end: int
    move: PathMove


def moves_for(installed: Iterable[str]) -> tuple[PathMove, ...]:
    """The moves that apply in a stage installing the Alpine packages ``installed``."""
    names = set(installed)
    return tuple(m for m in path_moves() if m.package is None or m.package in names)


def find(text: str, moves: Iterable[PathMove]) -> Iterator[Found]:
    """Each whole-word occurrence in ``text`` of a move's Debian path."""
    by_path = {m.debian: m for m in moves}
    if not by_path:
        return
    pattern = re.compile(
        rf"(?<!{_EDGE})(?:"
        + "|".join(re.escape(p) for p in sorted(by_path, key=len, reverse=True))
        + rf")(?!{_EDGE})"
    )
    for m in pattern.finditer(text):
        yield Found(m.start(), m.end(), by_path[m.group(0)])
