"""Signs of glibc installed on Alpine by hand: ``data/glibc-compat-hacks.json``.

sgerrand's ``alpine-pkg-glibc`` packages (``glibc-2.35-r1.apk``, its signing key, the
``/usr/glibc-compat`` prefix) and the ``alpine-glibc`` images built on them.
:func:`glibc_compat_hacks` is the file's only loader; lint AR202 reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import load_json


@dataclass(frozen=True)
class GlibcCompatHacks:
    """What gives the hack away."""

    packages: frozenset[str]  # apk package names of the glibc build
    apk_file: re.Pattern[str]  # the .apk files of its releases
    markers: tuple[tuple[str, str], ...]  # (text, what it is)
    image: re.Pattern[str]  # image repositories built on it


@cache
def glibc_compat_hacks() -> GlibcCompatHacks:
    """The table of ``glibc-compat-hacks.json``."""
    d = load_json("glibc-compat-hacks.json")
    return GlibcCompatHacks(
        packages=frozenset(d["packages"]),
        apk_file=re.compile(d["apk_file"]),
        markers=tuple((m["text"], m["what"]) for m in d["markers"]),
        image=re.compile(d["image"]),
    )
