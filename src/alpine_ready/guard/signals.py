"""Termination signals as exceptions, so that every ``finally`` cleans up.

By default SIGTERM and SIGHUP end a Python process on the spot: a temporary file
being written beside an output or in the cache stays behind. With
:func:`terminate_as_interrupt` they raise :class:`Terminated` (a
:class:`KeyboardInterrupt`, like SIGINT) in the main thread instead, so the
clean-up paths that SIGINT already takes run for them too.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal (SIGTERM, SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's exit status for death by this signal (128 + its number)."""
        return 128 + self.signum


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


def terminate_as_interrupt() -> None:
    """Make SIGTERM and SIGHUP raise :class:`Terminated`.

    Only where they still have their default action, and only from the main
    thread (where Python runs signal handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, _raise)
