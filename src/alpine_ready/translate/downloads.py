"""glibc binary downloads: switched to the musl build where it is known to be published.

What a URL fetches comes from :func:`alpine_ready.knowledge.downloads.glibc_download`
(``knowledge/data/glibc-downloads.json``), the table lint AR201 reads too, so both
recognise the same URLs.  Each rewrite is a substitution on the text as written, so
version variables (``v${NODE_VERSION}``) survive.  The translation writes a rewrite only
where the data says the musl build exists for every release (Node.js x64 through the
unofficial-builds project, rustup and the Rust projects publishing ``-unknown-linux-musl``
builds); any other glibc download is flagged for a person, not rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..knowledge.downloads import URL, GlibcDownload, Pattern, glibc_downloads_in


@dataclass(frozen=True)
class UrlRewrite:
    """A download URL switched to its musl build."""

    new: str
    why: str
    runtime: tuple[str, ...] = ()  # Alpine packages the musl build needs at run time
    runtime_why: str = ""
    pattern: Pattern | None = None  # the data's pattern: it renames the target elsewhere too
    musl: str = ""  # the musl build's URL
    #: (variable, values, why): the musl build exists only where the variable (the
    #: architecture, set at build time) has one of these values
    guard: tuple[str, tuple[str, ...], str] | None = None


def musl_url(raw: str) -> UrlRewrite | None:
    """The musl counterpart of the URL in ``raw`` (as written), when it is published."""
    for hit in glibc_downloads_in(raw):
        guard = hit.guard
        if not hit.published and guard is None:
            continue
        new = hit.musl_raw(raw)
        if new is not None:
            found = URL.findall(new)
            return UrlRewrite(
                new,
                hit.pattern.published_why or "",
                hit.pattern.runtime_apk,
                hit.pattern.runtime_why or "",
                hit.pattern,
                found[0] if found else new,
                guard,
            )
    return None


def rename_target(raw: str, rewrites: list[UrlRewrite]) -> str | None:
    """``raw`` (a word without a URL) with the glibc target a rewritten URL names renamed.

    ``rustArch='x86_64-unknown-linux-gnu'`` next to a rustup URL switched to its musl
    build names the musl target too, as ``--default-host "$rustArch"`` must.
    """
    if URL.search(raw):
        return None
    for rw in rewrites:
        p = rw.pattern
        if p is None or not p.steps or not p.match.search(raw):
            continue
        out = raw
        for step in p.steps:
            out = step.find.sub(step.replace, out)
        if out != raw:
            return out
    return None


def glibc_hint(raw: str) -> GlibcDownload | None:
    """The first glibc download of the URLs in ``raw`` (as written), or None."""
    hits = glibc_downloads_in(raw)
    return hits[0] if hits else None


def hint_text(hit: GlibcDownload) -> str:
    """What a note says is downloaded: the data's ``what``, with its advice when it has one."""
    return f"{hit.what} ({hit.why}; {hit.hint})" if hit.hint else hit.what
