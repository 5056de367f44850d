"""``alpine-ready``: the command line -- parse, run the command, map errors to exit codes.

Exit codes: 0 ready (nothing at or above ``--fail-on``), 1 findings at or above it, 2
usage or input error (one line on stderr, never a traceback) -- and a scan that could
not analyse every ELF file, unless ``--allow-incomplete`` --, 130 interrupted (Ctrl-C),
128+N ended by signal N (143 SIGTERM, 129 SIGHUP: temporary files are removed first),
141 standard output closed by its reader (``… | head``: nothing is printed, as for
``cat`` or ``grep`` killed by SIGPIPE).

The commands are modules (:mod:`alpine_ready.commands`); only the one given is
imported, and only its arguments are built (start-up is a large part of a cached
``inspect``: see benchmarks/inspect_archive.py). Output and messages go through
:mod:`.output`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import cast

from .. import __version__
from ..commands import COMMANDS, load
from ..errors import AlpineReadyError
from ..report.base import CommandName
from . import output
from .completion import HELP, SHELLS, print_completion
from .parser import Parser, terminal_columns

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: Ctrl-C (SIGINT), as the shell reports it.
EXIT_INTERRUPTED = 130
#: Standard output's reader went away (``| head``): the status of a process killed by
#: SIGPIPE (128 + 13), as ``cat`` and ``grep`` end there.
EXIT_PIPE = 141
#: How much of an unexpected exception's message is shown (it may quote an input).
_ERROR_CHARS = 200

_terminal_columns = terminal_columns  # (the name the tests know it by)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (also used to check README drift).

    ``command``: fill in that command's arguments only (what :func:`main` does, so that
    the modules and data other commands' help texts read are not loaded); ``None``:
    every command's.
    """
    parser = Parser(
        prog="alpine-ready",
        description="Will it still work on Alpine (musl)? Predicts, with proof, "
        "what breaks when a container moves to an Alpine base.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    parser.add_argument("--print-completion", choices=SHELLS, metavar="SHELL", help=HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, (help_text, _module) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if command is None or command == name:
            load(name).configure(p)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The command an argument list runs (None: none, or not a known one).

    The top-level options (--version, -v/--verbose, -h/--help) take no value, so the
    first argument that is not an option is the command.
    """
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``alpine-ready`` console script: the exit status.

    Whatever happens, the user sees one line on stderr, never a traceback (``-v`` adds
    the traceback of an unexpected error, for a bug report).
    """
    if argv is None:
        argv = sys.argv[1:]
    verbose = False
    try:
        parser = build_parser(command_of(argv))
        args = parser.parse_args(argv)
        verbose = args.verbose
        from ..guard import terminate_as_interrupt

        terminate_as_interrupt()  # SIGTERM/SIGHUP clean up as Ctrl-C does
        return _run(parser, args)
    except AlpineReadyError as exc:
        output.say(f"alpine-ready: error: {exc}")
        return EXIT_ERROR
    except output.StdoutClosed:
        return EXIT_PIPE
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except (MemoryError, RecursionError) as exc:
        return _internal_error(exc, verbose, bug=False)
    except Exception as exc:  # the last line of defence: one line, not a traceback
        return _internal_error(exc, verbose, bug=True)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Log set up, the command's early work started, the command run, the early stopped."""
    _log_setup(args.verbose)
    if args.print_completion:
        return print_completion(parser, args.print_completion)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    command = load(cast(CommandName, args.command))
    early = getattr(command, "early", None)
    try:
        if early is not None:
            early(args)
        return command.execute(args)
    finally:
        if early is not None:
            from ..commands.common import stop_early

            stop_early()


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Ctrl-C: 130; SIGTERM/SIGHUP (:class:`~alpine_ready.guard.Terminated`): 128+N."""
    from ..guard import Terminated

    if isinstance(exc, Terminated):
        output.say(f"alpine-ready: terminated by {exc}")
        return exc.exit_code
    output.say("alpine-ready: interrupted")
    return EXIT_INTERRUPTED


def _internal_error(exc: BaseException, verbose: bool, *, bug: bool) -> int:
    """One line for an exception no command turned into an error (-v: traceback too).

    ``bug``: a genuine internal error (asks for a report); else a resource ran out
    (memory, recursion depth) on an input that got past the limits.
    """
    from ..guard import excerpt

    if verbose:
        import traceback

        traceback.print_exception(exc)
    what = f"{type(exc).__name__}: {excerpt(str(exc), _ERROR_CHARS)}".rstrip(": ")
    hint = "" if verbose else " (-v shows the traceback)"
    if not bug:
        reason = "out of memory" if isinstance(exc, MemoryError) else "input nested too deeply"
        output.say(f"alpine-ready: error: {reason} ({what}){hint}")
    else:
        output.say(
            f"alpine-ready: error: internal error ({what}) -- a bug in alpine-ready, "
            f"please report it{hint}"
        )
    return EXIT_ERROR


def _log_setup(verbose: bool) -> None:
    """Log records to stderr, each message escaped: library logs quote names from inputs."""
    import logging

    from ..guard import printable

    class _Escaped(logging.Formatter):
        def formatMessage(self, record: logging.LogRecord) -> str:
            return printable(super().formatMessage(record))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Escaped("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


def _stdout_status(code: int | str | None) -> int | str | None:
    """``code``, once what is left for standard output is flushed (argparse's --help).

    A reader gone is :data:`EXIT_PIPE`, quietly; any other failure one line and 2.
    """
    try:
        output.write_stdout("")
    except output.StdoutClosed:
        return EXIT_PIPE
    except AlpineReadyError as exc:
        output.say(f"alpine-ready: error: {exc}")
        return EXIT_ERROR
    return code


def console() -> None:
    """The ``alpine-ready`` console script (and ``python -m alpine_ready``): main(), exit.

    Before the interpreter shuts down, the objects left are frozen out of the garbage
    collector's reach (``gc.freeze``): its final collection over every module and the
    results costs ~10 ms, as much as a cached ``inspect`` run, and the process ends
    right after, so nothing is kept any longer.
    """
    code: int | str | None
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, --version, a usage error
        code = exc.code
    code = _stdout_status(code)
    import gc

    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
