"""What a project's source build uses, by its own documentation: ``data/source-builds.json``.

Translate narrows the ``-dev`` libraries a toolchain base (``buildpack-deps``) carried to
those the project being built documents (CPython's devguide lists them for Debian);
a project not listed keeps everything the base carried.  This module is the file's only
loader.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cache

from . import load_json


@dataclass(frozen=True)
class LeftOut:
    """A configure option an official Alpine image does not pass, and its packages."""

    option: str
    debian: tuple[str, ...]
    why: str
    keep: str

    def given(self, script: str) -> bool:
        """True when ``script`` passes the option (``--opt`` or ``--opt=value``)."""
        return re.search(rf"(?<![\w-]){re.escape(self.option)}(?![\w-])", script) is not None

    def needs(self, name: str) -> bool:
        """True for a Debian package only the option needs."""
        return any(fnmatch.fnmatchcase(name, p) for p in self.debian)


@dataclass(frozen=True)
class SourceBuild:
    """A project whose source build's Debian packages its documentation lists."""

    name: str
    what: str
    urls: tuple[str, ...]  # substrings of the source archive's URL
    debian: frozenset[str]  # the Debian packages the documentation lists
    configure: dict[str, str]  # configure option -> the Debian package it needs
    libc6_dev: tuple[str, ...] = ()  # Debian packages the build uses that libc6-dev brought
    #: a configure option the project's official Alpine images leave out, the Debian
    #: packages (fnmatch patterns) only it needs, why, and how to keep it
    leaves_out: LeftOut | None = None

    def configured(self, script: str) -> list[str]:
        """The Debian packages the configure options ``script`` gives need."""
        return [
            pkg
            for opt, pkg in self.configure.items()
            if re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", script)
        ]


@cache
def source_builds() -> tuple[SourceBuild, ...]:
    """Every documented project."""
    d = load_json("source-builds.json")
    return tuple(
        SourceBuild(
            name,
            str(p["what"]),
            tuple(p["urls"]),
            frozenset(p["debian"]),
            dict(p.get("configure", {})),
            tuple(p.get("libc6_dev", ())),
            LeftOut(str(lo["option"]), tuple(lo["debian"]), str(lo["why"]), str(lo["keep"]))
            if (lo := p.get("alpine_leaves_out"))
            else None,
        )
        for name, p in d["projects"].items()
    )


def source_build_in(script: str) -> SourceBuild | None:
    """The documented project whose source archive ``script`` downloads, if any."""
    for project in source_builds():
        if any(u in script for u in project.urls):
            return project
    return None
