"""How build scripts detect glibc, and what that does on Alpine: ``data/glibc-detection.json``.

Commands (``ldd --version``, ``ldd … | grep libc.so.6``, ``getconf GNU_LIBC_VERSION``,
``ldconfig -p``), paths (``/etc/ld.so.conf``, multiarch directories, glibc's loader) and
text (``gnu_get_libc_version``, ``CS_GNU_LIBC_VERSION``, ``platform.libc_ver()``).
:func:`glibc_detection` is the file's only loader; lint AR208 reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import load_json


@dataclass(frozen=True)
class CommandPattern:
    """A command whose use (or whose output's use) assumes glibc."""

    id: str
    program: str
    message: str
    argument: str | None = None  # an argument written exactly so
    argument_regex: re.Pattern[str] | None = None  # an argument matching in full
    pipeline_programs: frozenset[str] = frozenset()  # reads the output (empty: any)
    pipeline_mentions: tuple[str, ...] = ()  # what the pipeline looks for (lower case)
    musl_aware: bool = False  # not flagged when the pipeline mentions musl


@dataclass(frozen=True)
class TextPattern:
    """A path or a piece of text that assumes glibc; ``{path}`` in the message is the match."""

    id: str
    regex: re.Pattern[str]
    message: str


@dataclass(frozen=True)
class GlibcDetection:
    """The table."""

    musl_words: tuple[str, ...]
    commands: tuple[CommandPattern, ...]
    paths: tuple[TextPattern, ...]
    text: tuple[TextPattern, ...]


def _text(rows: list[dict[str, str]]) -> tuple[TextPattern, ...]:
    return tuple(TextPattern(r["id"], re.compile(r["regex"]), r["message"]) for r in rows)


@cache
def glibc_detection() -> GlibcDetection:
    """The table of ``glibc-detection.json``."""
    d = load_json("glibc-detection.json")
    commands = tuple(
        CommandPattern(
            id=c["id"],
            program=c["program"],
            message=c["message"],
            argument=c.get("argument"),
            argument_regex=re.compile(c["argument_regex"]) if "argument_regex" in c else None,
            pipeline_programs=frozenset(c.get("pipeline_programs", ())),
            pipeline_mentions=tuple(m.lower() for m in c.get("pipeline_mentions", ())),
            musl_aware=bool(c.get("musl_aware", False)),
        )
        for c in d["commands"]
    )
    return GlibcDetection(
        musl_words=tuple(d["musl_words"]),
        commands=commands,
        paths=_text(d["paths"]),
        text=_text(d["text"]),
    )
