"""Guards for hostile inputs: one way to write, one way to read, one way to show text.

Every file alpine-ready writes (``-o`` outputs, ``lint --fix``, cache entries) goes
through :mod:`.write`; every input file a user or a project names is read through
:mod:`.read` (bounded, regular files only unless asked); every name or text that
came from an input and reaches a terminal or a message goes through :mod:`.text`.
``docs/security.md`` states what each promises.

The names are loaded on first use (PEP 562): ``inspect``'s start-up must not pay
for ``tempfile`` when it writes nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .read import ProjectBoundary, read_bounded
    from .signals import Terminated, terminate_as_interrupt
    from .text import excerpt, printable
    from .write import cache_write, remove_stale_temps, rewrite_file, write_output

_WHERE = {
    "ProjectBoundary": "read",
    "read_bounded": "read",
    "Terminated": "signals",
    "terminate_as_interrupt": "signals",
    "excerpt": "text",
    "printable": "text",
    "cache_write": "write",
    "remove_stale_temps": "write",
    "rewrite_file": "write",
    "write_output": "write",
}

__all__ = [
    "ProjectBoundary",
    "Terminated",
    "cache_write",
    "excerpt",
    "printable",
    "read_bounded",
    "remove_stale_temps",
    "rewrite_file",
    "terminate_as_interrupt",
    "write_output",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
