"""One hostile input: how to build it and what alpine-ready must do with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Case:
    """Run ``alpine-ready ARGV`` in ``cwd`` and hold it to the promises.

    It must end with one of ``exits``, print no traceback, stay under the time and
    memory budget, and leave ``untouched`` as they were (paths outside the cache and
    the named output).
    """

    cls: int  # the class number in issue 10
    name: str
    argv: list[str]
    cwd: Path
    exits: tuple[int, ...] = (0, 1, 2)
    untouched: tuple[Path, ...] = ()
    stdin: bytes | None = None
    env: dict[str, str] = field(default_factory=dict)
    #: a stderr check beyond "no traceback": returns an error message or None
    check: Callable[[str, str], str | None] | None = None
