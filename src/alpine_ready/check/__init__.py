"""``alpine-ready check``: is Alpine right for this app, what does it save, what must change.

:func:`run` (``CheckOptions -> CheckReport``) runs lint, translate, deps, scan and inspect
through the library, merges their findings (one fact once, with all its evidence),
decides by the rules of ``knowledge/data/check-rules.json`` and estimates the Alpine
image's size. See ``docs/check.md``.
"""

from __future__ import annotations

from .engine import run
from .options import CheckOptions
from .report import CheckReport, Decision

__all__ = ["CheckOptions", "CheckReport", "Decision", "run"]
