"""The only place that writes to the terminal: results, messages, progress.

Every report, patch or Dockerfile leaves through :func:`emit` (``-o PATH`` with
:func:`~alpine_ready.guard.write_output`, else standard output, flushed, its errors
mapped to one line); every message through :func:`say` (escaped, one line).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from ..errors import InputError

#: A progress callback: (done, total or None, message).
Progress = Callable[[int, int | None, str], None]


class StdoutClosed(Exception):
    """Standard output's reader stopped reading (``| head``): end quietly, exit 141."""


def encode(text: str) -> bytes:
    """UTF-8; names that were not UTF-8 (surrogate-escaped) as their own bytes."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return text.encode("utf-8", "backslashreplace")


def _discard(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null (its last flush must not fail again)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def _write_all(out: BinaryIO, data: bytes) -> None:
    """Write all of ``data`` to ``out`` and flush it.

    Unbuffered (``python -u``), ``out`` is a FileIO: it may write part of ``data``, or
    nothing when it is non-blocking and full.
    """
    view = memoryview(data)
    while view:
        n = out.write(view)
        if n is None:
            import select

            select.select([], [out], [])
            continue
        view = view[n:]
    out.flush()


def write_stdout(text: str, stream: TextIO | None = None) -> None:
    """Write ``text`` to standard output (or ``stream``: stderr) and flush it.

    What print()ed before goes first. :class:`StdoutClosed` when the reader is gone,
    :class:`InputError` for any other failure (``> /dev/full``).
    """
    stream = sys.stdout if stream is None else stream
    what = "standard error" if stream is sys.stderr else "standard output"
    if stream is None:
        raise InputError(f"{what} is closed (use -o FILE)")
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a text stream standing in for it (tests)
            stream.write(text)
            stream.flush()
            return
        stream.flush()
        _write_all(buffer, encode(text))
    except BrokenPipeError:
        _discard(stream)
        raise StdoutClosed from None
    except OSError as exc:
        _discard(stream)
        raise InputError(f"{what}: cannot write ({exc.strerror or exc})") from None


def _std_stream(path: Path) -> TextIO | None:
    """sys.stdout or sys.stderr when ``path`` is its file, else None.

    (``-o /dev/stdout``, ``/dev/stderr``, or the file the shell redirected it to.)
    """
    try:
        st = path.stat()
    except OSError:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            if os.path.samestat(st, os.fstat(stream.fileno())):
                return stream
        except (OSError, ValueError, AttributeError):
            continue
    return None


def emit(output: Path | None, text: str) -> None:
    """Write a command's result: to ``output`` as the shell's ``>`` would, else stdout.

    The one way out for reports, patches and Dockerfiles. ``-o`` naming standard
    output or error itself (``/dev/stdout``, or the file it was redirected to) writes
    through it, as the shell does: a log opened with ``>>`` is appended to, never
    replaced.
    """
    stream = sys.stdout if output is None else _std_stream(output)
    if stream is not None or output is None:
        write_stdout(text, stream)
        return
    from ..guard import write_output

    write_output(output, encode(text))


def say(line: str) -> None:
    """One line on stderr, escaped (messages quote inputs); never raises."""
    from ..guard import printable

    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr gone
        sys.stderr.write(printable(line) + "\n")
        sys.stderr.flush()


def write_stderr(text: str) -> None:
    """A report meant for stderr (translate's account): already escaped by its renderer."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(text)
        sys.stderr.flush()


def progress_printer(mode: str) -> Progress | None:
    """A progress line on stderr (``auto``: when it is a terminal), or None."""
    enabled = mode == "always" or (mode == "auto" and sys.stderr.isatty())
    if not enabled:
        return None
    last = [0.0]

    def show(done: int, total: int | None, message: str) -> None:
        from ..guard import printable  # messages name layers and targets

        now = time.monotonic()
        if total is not None and done != total and now - last[0] < 0.1:
            return
        last[0] = now
        text = f"{message}: {done}/{total}" if total is not None else message
        with contextlib.suppress(OSError, ValueError):  # stderr gone: best effort
            print(
                f"\r\033[K{printable(text)}",
                end="" if total is None or done < total else "\n",
                file=sys.stderr,
                flush=True,
            )

    return show


def color_enabled(mode: str, output: Path | None) -> bool:
    """Whether tables are coloured (``--color always|never|auto``).

    ``auto``: when standard output is a terminal, no ``-o`` file is named, ``NO_COLOR``
    is unset (https://no-color.org) and ``TERM`` is not ``dumb``.
    """
    if mode == "always":
        return True
    if mode == "never" or output is not None or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
