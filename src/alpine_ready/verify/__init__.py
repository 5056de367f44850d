"""``alpine-ready verify``: run TARGET in a real Alpine userland and prove scan's prediction.

:func:`run` (``VerifyOptions -> VerifyReport``) prepares the system (the release's image,
``--against``, or TARGET's own root filesystem, with what the prediction says is missing
installed by the release's own apk in the sandbox), loads every ELF file with Alpine's
musl loader in one sandbox (:mod:`alpine_ready.sandbox`), runs the smoke commands and puts
every observation beside scan's prediction. See ``docs/verify.md``.
"""

from __future__ import annotations

from .engine import VerifyOptions, run
from .report import VerifyReport

__all__ = ["VerifyOptions", "VerifyReport", "run"]
