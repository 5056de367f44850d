"""A sandbox never outlives the process that started it, whenever that one dies.

bwrap's ``--die-with-parent`` is a parent-death signal each of its processes sets for
itself *after* it starts: a caller killed during those first milliseconds leaves a
sandbox running with no time limit (the test that kills its caller at once found
one). So each process that runs sandboxes keeps one small watchdog: it is told each
sandbox's process group before bwrap even starts (from the child, between fork and
exec), and when the caller dies -- its end of the pipe closes, a thing no signal can
skip -- it kills every group still registered. The group holds bwrap and the pid
namespace's init; when that init dies the kernel kills the rest of the namespace.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading

log = logging.getLogger(__name__)

# Runs with -I -S: no site, no environment; reads "add PGID" / "del PGID" lines.
_PROGRAM = r"""
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
groups = set()
for line in sys.stdin.buffer:
    op, _, pg = line.decode("ascii", "replace").strip().partition(" ")
    if op == "add" and pg.isdigit():
        groups.add(int(pg))
    elif op == "del" and pg.isdigit():
        groups.discard(int(pg))
for pg in groups:
    try:
        os.killpg(pg, signal.SIGKILL)
    except OSError:
        pass
"""

_lock = threading.Lock()
_state: dict[str, int] = {}  # "owner": pid that started it, "fd": its stdin's write end
_proc: list[subprocess.Popen[bytes]] = []


def channel() -> int | None:
    """The write end of this process's watchdog pipe, the watchdog started on first use.

    None when no watchdog can run: then only bwrap's own --die-with-parent binds the
    sandbox to its caller.
    """
    with _lock:
        if _state.get("owner") == os.getpid():
            return _state["fd"]
        if not sys.executable:
            log.warning("sandbox: no Python to run the watchdog; relying on bwrap alone")
            return None
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _PROGRAM],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not in the terminal's group: Ctrl-C spares it
            )
        except OSError as exc:
            log.warning("sandbox: cannot start the watchdog (%s); relying on bwrap alone", exc)
            return None
        assert proc.stdin is not None
        fd = proc.stdin.fileno()
        os.set_inheritable(fd, False)  # only this process holds it: its death closes it
        _proc[:] = [proc]
        _state.update(owner=os.getpid(), fd=fd)
        return fd


def tell(fd: int | None, op: str, pgid: int) -> None:
    """Register ("add") or forget ("del") a process group; safe between fork and exec."""
    if fd is None:
        return
    with contextlib.suppress(OSError):
        os.write(fd, f"{op} {pgid}\n".encode("ascii"))
