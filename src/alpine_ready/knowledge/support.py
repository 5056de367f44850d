"""Alpine's release branches and their end of support (``data/alpine-support.json``).

From alpinelinux.org/releases (provenance in the file); read by lint AR302.
:func:`alpine_support` is the file's only loader.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from . import load_json

_VERSION = re.compile(r"^(\d+)\.(\d+)")


def _key(version: str) -> tuple[int, int] | None:
    m = _VERSION.match(version)
    return (int(m[1]), int(m[2])) if m else None


@dataclass(frozen=True)
class AlpineBranch:
    """One release branch (``3.20``) and the day its security support ends."""

    version: str
    end_of_support: dt.date
    confirmed: bool  # False: the date comes from a secondary source only


@dataclass(frozen=True)
class AlpineSupport:
    """Alpine release branches, oldest first, with where the dates come from."""

    branches: tuple[AlpineBranch, ...]
    source: str

    def branch(self, version: str) -> AlpineBranch | None:
        """The branch of ``version`` (``3.18.4`` → 3.18), or None when not in the table."""
        key = _key(version)
        return next((b for b in self.branches if _key(b.version) == key), None)

    def is_supported(self, version: str, today: dt.date) -> bool | None:
        """Whether ``version`` still gets security fixes on ``today``.

        A version older than every known branch is unsupported; one newer than every
        known branch (or not a version at all) is None: not known here.
        """
        key = _key(version)
        if key is None or not self.branches:
            return None
        b = self.branch(version)
        if b is not None:
            return today <= b.end_of_support
        oldest = _key(self.branches[0].version)
        if oldest is not None and key < oldest:
            return False
        return None

    def oldest_supported(self, today: dt.date) -> AlpineBranch | None:
        """The oldest branch still supported on ``today`` (None if none is known)."""
        return next((b for b in self.branches if today <= b.end_of_support), None)


@cache
def alpine_support() -> AlpineSupport:
    """The release-branch table of ``alpine-support.json``, oldest branch first."""
    d = load_json("alpine-support.json")
    branches = [
        AlpineBranch(v, dt.date.fromisoformat(e["end_of_support"]), bool(e["confirmed"]))
        for v, e in d["releases"].items()
    ]
    branches.sort(key=lambda b: _key(b.version) or (0, 0))
    return AlpineSupport(tuple(branches), str(d["source"]))
