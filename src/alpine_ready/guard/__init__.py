"""Guards for hostile inputs: one way to write, one way to read, one way to show text.

Every file alpine-ready writes (``-o`` outputs, ``lint --fix``, cache entries) goes
through :mod:`.write`; every input file a user or a project names is read through
:mod:`.read` (bounded, regular files only unless asked); every name or text that
came from an input and reaches a terminal or a message goes through :mod:`.text`.
``docs/security.md`` states what each promises.
"""

from .read import (
    ProjectBoundary,
    read_bounded,
)
from .signals import Terminated, terminate_as_interrupt
from .text import excerpt, printable
from .write import (
    cache_write,
    remove_stale_temps,
    rewrite_file,
    write_output,
)

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
