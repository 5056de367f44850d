"""Download URLs that fetch a glibc build, and their musl siblings: ``data/glibc-downloads.json``.

:func:`glibc_download` says what a URL fetches (Node's ``linux-x64`` tarball, a Rust
``-unknown-linux-gnu`` target, a manylinux wheel, a ``.deb``…) from the patterns of the
data file, read by :func:`download_patterns`, its only loader.  Lint AR201 (and AR303's
"needs glibc" signals) and translate both call it, so they recognise the same URLs.

A hit can rewrite the text holding the URL into the musl build's
(:meth:`GlibcDownload.musl_raw`): lint offers that as an unsafe fix; translate writes it
only when :attr:`GlibcDownload.published` says the project publishes the musl build for
every release (Node.js x64, rustup and the Rust projects listed in the data).

:data:`URL` (how a URL is found in shell text) is grammar, not knowledge: it stays here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import load_json

#: A URL in shell text: up to whitespace, a quote or a shell operator.
URL = re.compile(r"(?:https?|ftp)://[^\s\"'<>|;&()]+")


@dataclass(frozen=True)
class RewriteStep:
    """One substitution of a musl rewrite; ``count`` 1: exactly once, 0: at least once."""

    find: re.Pattern[str]
    replace: str
    count: int


@dataclass(frozen=True)
class SumsRewrite:
    """A project's signed checksum list, and the plain one its musl builds are listed in."""

    find: re.Pattern[str]
    replace: str
    signed: str  # SHASUMS256.txt.asc
    plain: str  # SHASUMS256.txt
    why: str


@dataclass(frozen=True)
class Pattern:
    """One kind of glibc download, as the data file describes it."""

    id: str
    where: str  # "path" | "name" | "url": what the pattern is searched in
    match: re.Pattern[str]
    unless: re.Pattern[str] | None
    what: str  # a noun phrase, with {0} / {group} of the match
    why: str  # why it fails on Alpine
    hint: str | None  # what to do instead, when there is no musl rewrite
    requires: re.Pattern[str] | None  # the rewrite needs this in the text
    steps: tuple[RewriteStep, ...]  # empty: no musl sibling known
    published: tuple[re.Pattern[str], ...]  # all found in the URL: the musl build exists
    published_why: str | None
    source: str
    #: Alpine packages the musl build needs at run time (and why), installed beside it
    runtime_apk: tuple[str, ...] = ()
    runtime_why: str | None = None
    #: (URL regex, suffix, who): where the project publishes a musl build's sha256
    #: (``<url>.sha256`` for rustup)
    checksums: tuple[tuple[re.Pattern[str], str, str], ...] = ()
    #: the architecture a variable names at build time (``-linux-$ARCH``): the regex (its
    #: ``var`` group), the values the musl build is published for, and why
    variable: tuple[re.Pattern[str], tuple[str, ...], str] | None = None
    #: a signed checksum list with a plain one for the musl builds: (find, replace,
    #: the signed file's name, the plain file's name, why)
    sums: SumsRewrite | None = None

    def checksum_file(self, url: str) -> tuple[str, str] | None:
        """(the URL of the file publishing ``url``'s checksum, its publisher), when known."""
        for when, suffix, who in self.checksums:
            if when.search(url):
                return url + suffix, who
        return None


def _step(d: dict[str, Any]) -> RewriteStep:
    count = d["count"]
    return RewriteStep(re.compile(d["find"]), d["replace"], 0 if count == "+" else int(count))


def _pattern(d: dict[str, Any]) -> Pattern:
    musl = d.get("musl") or {}
    published = musl.get("published") or {}
    return Pattern(
        id=d["id"],
        where=d["in"],
        match=re.compile(d["match"]),
        unless=re.compile(d["unless"]) if d.get("unless") else None,
        what=d["what"],
        why=d["why"],
        hint=d.get("hint"),
        requires=re.compile(musl["requires"]) if musl.get("requires") else None,
        steps=tuple(_step(s) for s in musl.get("steps", ())),
        published=tuple(re.compile(w) for w in published.get("when", ())),
        published_why=published.get("why"),
        source=d["source"],
        runtime_apk=tuple((musl.get("runtime") or {}).get("apk", ())),
        runtime_why=(musl.get("runtime") or {}).get("why"),
        checksums=tuple(
            (re.compile(c["when"]), c["suffix"], c["who"]) for c in published.get("checksums", ())
        ),
        variable=(
            (
                re.compile(published["variable"]["match"]),
                tuple(published["variable"]["values"]),
                published["variable"]["why"],
            )
            if published.get("variable")
            else None
        ),
        sums=(
            SumsRewrite(
                re.compile(published["sums"]["find"]),
                published["sums"]["replace"],
                published["sums"]["signed"],
                published["sums"]["plain"],
                published["sums"]["why"],
            )
            if published.get("sums")
            else None
        ),
    )


@cache
def download_patterns() -> tuple[Pattern, ...]:
    """The patterns of ``glibc-downloads.json``, in the order they are tried."""
    return tuple(_pattern(d) for d in load_json("glibc-downloads.json")["patterns"])


@dataclass(frozen=True)
class GlibcDownload:
    """A URL that fetches a glibc build, and how to name its musl sibling (if known)."""

    url: str
    pattern: Pattern
    what: str  # "Node.js's glibc build (linux-x64)"

    @property
    def why(self) -> str:
        """Why it fails on Alpine."""
        return self.pattern.why

    @property
    def hint(self) -> str | None:
        """What to do instead (when the data says)."""
        return self.pattern.hint

    @property
    def published(self) -> bool:
        """True when the musl sibling is known to exist for every release of this URL."""
        p = self.pattern
        return (
            bool(p.published)
            and all(w.search(self.url) for w in p.published)
            and self.musl_raw(self.url) is not None
        )

    @property
    def guard(self) -> tuple[str, tuple[str, ...], str] | None:
        """(variable, values, why): the URL's architecture is a variable set at build time.

        The musl build is published for those values only: the build checks it.
        """
        v = self.pattern.variable
        if v is None or self.published or self.musl_raw(self.url) is None:
            return None
        m = v[0].search(self.url)
        return None if m is None else (m["var"], v[1], v[2])

    def musl_raw(self, raw: str) -> str | None:
        """``raw`` (text holding the URL) rewritten to the musl build, or None."""
        p = self.pattern
        if not p.steps or (p.requires is not None and not p.requires.search(raw)):
            return None
        out = raw
        for step in p.steps:
            out, n = step.find.subn(step.replace, out)
            if n == 0 or (step.count and n != step.count):
                return None
        return out if out != raw else None


def glibc_download(url: str) -> GlibcDownload | None:
    """What makes ``url`` a glibc build (None: nothing the data knows of)."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    texts = {"url": url, "path": path, "name": path.rsplit("/", 1)[-1]}
    for p in download_patterns():
        text = texts[p.where]
        m = p.match.search(text)
        if m is None or (p.unless is not None and p.unless.search(text)):
            continue
        return GlibcDownload(url, p, p.what.format(m[0], **m.groupdict()))
    return None


def glibc_downloads_in(text: str) -> list[GlibcDownload]:
    """Every glibc download among the URLs of ``text`` (a shell word, an ADD source)."""
    return [hit for url in URL.findall(text) if (hit := glibc_download(url)) is not None]
