"""argparse, sized and worded for alpine-ready (and light: no ``shutil`` at start-up)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from . import output

EXIT_ERROR = 2


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: $COLUMNS, else the terminal's, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class Formatter(argparse.HelpFormatter):
    """argparse's, sized as argparse sizes it, without importing shutil to do so.

    argparse makes a formatter for every option added (to check it), and its own
    imports shutil (with bz2 and lzma): ~3 ms of every start-up, for a number.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        super().__init__(
            prog,
            indent_increment,
            max_help_position,
            terminal_columns() - 2 if width is None else width,
        )


class RawFormatter(Formatter, argparse.RawDescriptionHelpFormatter):
    """The same, with descriptions and epilogs printed as written."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one escaped line and exit status 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        """Usage, then ``PROG: error: MESSAGE``, exit 2."""
        self.print_usage(sys.stderr)
        output.say(f"{self.prog}: error: {message}")
        raise SystemExit(EXIT_ERROR)


def describe(p: argparse.ArgumentParser, description: str, epilog: str | None = None) -> None:
    """Set a command's description and epilog, printed as written."""
    p.description, p.epilog = description, epilog
    p.formatter_class = RawFormatter
