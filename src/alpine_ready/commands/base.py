"""What a command module provides (modules satisfy this protocol structurally).

- ``configure(parser)``: its description, arguments and epilog;
- ``execute(args) -> int``: build its options from ``args``, call its engine's
  ``run(options) -> Report``, render the report in ``--format`` and emit it
  (:func:`.common.finish` does that for most), return the exit status;
- ``early(args)`` (optional): work to start before the engine's modules load.

Errors: raise :class:`~alpine_ready.errors.AlpineReadyError` (a subclass per stage);
the CLI turns it into one line and exit status 2.
"""

from __future__ import annotations

import argparse
from typing import Protocol


class Command(Protocol):
    """A command module."""

    def configure(self, parser: argparse.ArgumentParser) -> None:
        """Fill in the command's description and arguments."""

    def execute(self, args: argparse.Namespace) -> int:
        """Run the command; the exit status."""
