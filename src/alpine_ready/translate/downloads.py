"""glibc binary downloads: switched to the musl build where the URL pattern is known.

Each rewrite is a (pattern, replacement) on the URL text as written, so version
variables (``v${NODE_VERSION}``) survive.  Known patterns:

* Node.js: ``https://nodejs.org/dist/vX/node-vX-linux-x64.tar.*`` → the unofficial-builds
  project's ``…/download/release/vX/node-vX-linux-x64-musl.tar.*`` (x64 only).
* Rust-built release assets whose projects publish ``x86_64-unknown-linux-musl`` builds
  next to the ``-gnu`` ones (rustup-init, and the projects in :data:`MUSL_RELEASES`).

Any other URL that names a glibc build (``linux-gnu``, ``manylinux``, ``glibc``, a
``.deb``/``.rpm``) is flagged, not rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NODE_DIST = re.compile(r"https?://nodejs\.org/dist/")
_NODE_ASSET = re.compile(r"-linux-x64\.tar\.(xz|gz)")
_RUST_GNU = re.compile(r"(x86_64|aarch64)-unknown-linux-gnu")

#: URL prefixes whose release assets exist for ``*-unknown-linux-musl`` as for ``-gnu``.
MUSL_RELEASES: tuple[str, ...] = (
    "https://static.rust-lang.org/rustup/dist/",
    "https://github.com/BurntSushi/ripgrep/releases/",
    "https://github.com/sharkdp/fd/releases/",
    "https://github.com/sharkdp/bat/releases/",
    "https://github.com/astral-sh/uv/releases/",
    "https://github.com/astral-sh/ruff/releases/",
    "https://github.com/casey/just/releases/",
)
_GLIBC_HINTS = (
    (re.compile(r"deb\.nodesource\.com|rpm\.nodesource\.com"),
     "NodeSource's setup script (it adds an apt repository for a glibc Node.js; on Alpine "
     "use a node:<version>-alpine base, or apk add nodejs npm)"),
    (re.compile(r"linux-gnu"), "a glibc (linux-gnu) build"),
    (re.compile(r"manylinux"), "a manylinux (glibc) wheel"),
    (re.compile(r"glibc", re.I), "a glibc build"),
    (re.compile(r"\.deb(\b|$)"), "a Debian package (.deb)"),
    (re.compile(r"\.rpm(\b|$)"), "an RPM package"),
    (re.compile(r"nodejs\.org/dist/.*-linux-(arm64|armv7l|ppc64le|s390x)"),
     "a glibc Node.js build (unofficial musl builds are x64 only)"),
    # any other Node.js tarball that is not a -musl one: -linux-$ARCH (docker-node's
    # Debian images pick ARCH from dpkg), -linux-${ARCH}, …
    (re.compile(r"nodejs\.org/(?:dist|download/release)/\S*node-v[^/\s]*-linux-"
                r"(?![^/\s]*-musl\.tar)[^/\s]*\.tar"),
     "a glibc Node.js build (the musl builds are unofficial-builds.nodejs.org's "
     "-linux-x64-musl tarballs; other architectures build from source)"),
)


@dataclass(frozen=True)
class UrlRewrite:
    """A download URL switched to its musl build."""

    new: str
    why: str


def musl_url(raw: str) -> UrlRewrite | None:
    """The musl counterpart of a URL (as written), when its pattern is known."""
    if _NODE_DIST.search(raw) and _NODE_ASSET.search(raw):
        new = _NODE_DIST.sub("https://unofficial-builds.nodejs.org/download/release/", raw)
        new = _NODE_ASSET.sub(lambda m: f"-linux-x64-musl.tar.{m[1]}", new)
        return UrlRewrite(new, "Node.js publishes musl builds through its unofficial-builds "
                               "project (x64)")
    if _RUST_GNU.search(raw) and any(p in raw for p in MUSL_RELEASES):
        new = _RUST_GNU.sub(lambda m: f"{m[1]}-unknown-linux-musl", raw)
        return UrlRewrite(new, "the project publishes a static musl build of the same "
                               "release")
    return None


def glibc_hint(raw: str) -> str | None:
    """Why a URL (as written) looks like a glibc download, or None."""
    if "://" not in raw:
        return None
    for pattern, what in _GLIBC_HINTS:
        if pattern.search(raw):
            return what
    return None
