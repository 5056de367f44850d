"""One ranked scale every finding of every command is put on.

Scan verdicts, deps statuses and lint severities each keep their own names (they say
more), and each maps onto a :class:`Level`, so that ``--fail-on`` means one thing
everywhere: exit 1 when an item is at or above the level.

=========  =====================  ==========================  ==================
level      scan verdict           deps status                 lint severity
=========  =====================  ==========================  ==================
ok         ok                     musl-wheel, pure,           --
                                  musl-build, portable,
                                  unknown, unchecked
style      --                     --                          style
info       needs-packages         upgrade,                    info
                                  downloads-at-install
warning    needs-gcompat          source-build,               warning
                                  builds-from-source
error      incompatible           unavailable, glibc-only,    error
                                  lockfile-problem
=========  =====================  ==========================  ==================
"""

from __future__ import annotations

import enum


class Level(enum.Enum):
    """How much an item matters, mildest first (the ``--fail-on`` order)."""

    OK = "ok"
    STYLE = "style"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 for ok … 4 for error."""
        return _RANK[self]

    @property
    def sarif(self) -> str:
        """SARIF 2.1.0's ``level`` (``none``, ``note``, ``warning``, ``error``)."""
        return _SARIF[self]

    @classmethod
    def parse(cls, text: str) -> Level:
        """From its name (case-insensitive); :class:`ValueError` names the choices."""
        for level in cls:
            if level.value == text.lower():
                return level
        raise ValueError(f"unknown level {text!r} (one of: {', '.join(v.value for v in cls)})")

    def at_or_above(self, threshold: Level) -> bool:
        """Whether this level fails a run whose ``--fail-on`` is ``threshold`` (ok never does)."""
        return self.rank >= threshold.rank and self is not Level.OK


_RANK = {Level.OK: 0, Level.STYLE: 1, Level.INFO: 2, Level.WARNING: 3, Level.ERROR: 4}
_SARIF = {
    Level.OK: "none",
    Level.STYLE: "note",
    Level.INFO: "note",
    Level.WARNING: "warning",
    Level.ERROR: "error",
}
