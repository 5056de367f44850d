"""The commands: one module each, behind the small protocol of :mod:`.base`.

The CLI builds its parser from :data:`COMMANDS` (name, one-line help, module) and
imports only the module of the command given: a start-up that loaded every
command's modules and data would cost more than a cached ``inspect``.

Adding a command: a module here with ``configure(parser)`` and ``execute(args) -> int``,
one entry below (its help line), and its name in
:data:`~alpine_ready.report.base.CommandName` (mypy then names every format that must
learn to render its report).
"""

from __future__ import annotations

import importlib
from typing import cast

from ..report.base import CommandName
from .base import Command

#: name -> (its one-line help, the module that implements it); in ``--help`` order
COMMANDS: dict[CommandName, tuple[str, str]] = {
    "scan": (
        "predict, per ELF file, whether Alpine's musl loader will load it",
        "alpine_ready.commands.scan",
    ),
    "inspect": (
        "what an image or root filesystem is: OS, libc, packages, sizes, layers, waste",
        "alpine_ready.commands.inspect",
    ),
    "compare": (
        "images side by side: sizes, layers, packages, libc, ratio to the first",
        "alpine_ready.commands.compare",
    ),
    "deps": (
        "will pip install / npm ci of a project's dependencies work on Alpine?",
        "alpine_ready.commands.deps",
    ),
    "lint": (
        "lint Dockerfiles for Alpine practice and musl hazards (with safe fixes)",
        "alpine_ready.commands.lint",
    ),
    "rule": (
        "explain a lint rule or an item code (or list the rules)",
        "alpine_ready.commands.rule",
    ),
    "translate": (
        "write the Alpine version of a Debian/Ubuntu-based Dockerfile",
        "alpine_ready.commands.translate",
    ),
    "check": (
        "is Alpine right for this project: the decision, the size saved, what must change",
        "alpine_ready.commands.check",
    ),
    "verify": (
        "run it in a real Alpine userland, sandboxed, and check scan's prediction",
        "alpine_ready.commands.verify",
    ),
    "fleet": (
        "every image of a fleet at once: readiness, savings, top blockers (pool or Dask)",
        "alpine_ready.commands.fleet",
    ),
}


def load(name: CommandName) -> Command:
    """The module implementing command ``name``."""
    return cast(Command, importlib.import_module(COMMANDS[name][1]))


__all__ = ["COMMANDS", "Command", "load"]
