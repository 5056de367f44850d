"""The sandbox: run commands in a real Alpine userland without a daemon, isolated.

bubblewrap (``bwrap``) in unprivileged user namespaces -- new user, pid, ipc, uts,
cgroup and network namespaces -- with the system read-only, throw-away tmpfs
directories, a minimal ``/proc`` and ``/dev``, no network unless asked, and limits on
time, memory, processes and output (docs/sandbox.md).

- :func:`run` -- one command in a sandbox, an :class:`Outcome` back;
- :func:`available` -- raise :class:`SandboxError` (one line, the way out) when bwrap
  is missing or user namespaces are unusable;
- :func:`prepare_system` -- a copy of a root filesystem with packages installed by the
  release's own ``apk``, inside the sandbox, cached by key.
"""

from alpine_ready.sandbox.bwrap import available, run, run_many
from alpine_ready.sandbox.model import Limits, Mount, Outcome, PreparedSystem, SandboxError
from alpine_ready.sandbox.prepare import prepare_system

__all__ = [
    "Limits",
    "Mount",
    "Outcome",
    "PreparedSystem",
    "SandboxError",
    "available",
    "prepare_system",
    "run",
    "run_many",
]
