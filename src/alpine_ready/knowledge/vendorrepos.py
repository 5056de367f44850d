"""Third-party apt repositories with an Alpine counterpart: ``data/vendor-repos.json``.

A Debian Dockerfile that adds a publisher's apt repository (``echo "deb [signed-by=…]
https://nginx.org/packages/mainline/debian/ bookworm nginx" >> /etc/apt/sources.list.d/…``)
installs that publisher's packages, not Debian's.  When the publisher also publishes
Alpine packages, the translation adds that repository instead (its key in
``/etc/apk/keys``, its URL in ``/etc/apk/repositories``) and keeps the package names.
The file is reviewed by hand from the publisher's own Alpine image; this module is its
only loader.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache

from . import load_json


@dataclass(frozen=True)
class VendorRepo:
    """One publisher's apt repository and its Alpine counterpart."""

    name: str
    debian_url: str  # the apt repository's URL (a ``deb`` line's URI), with its scheme
    #: ``{release}`` stands for the Alpine release (``3.23``); empty: no Alpine repository
    #: (``hand_edit`` says what to do instead)
    alpine_url: str
    key_url: str  # the RSA public key apk checks the repository's index with
    key_file: str  # its name under /etc/apk/keys
    arches: tuple[str, ...]  # Alpine architectures the repository has packages for
    packages: tuple[str, ...]  # fnmatch patterns of the package names it publishes
    version_separators: tuple[tuple[str, str], ...]  # Debian's → Alpine's, in versions
    from_source: str  # where to build the packages on other architectures
    hand_edit: str  # what to do by hand when there is no Alpine repository

    def matches(self, url: str) -> bool:
        """True when ``url`` (a ``deb`` line's URI) is this repository (either scheme)."""
        return _bare(url).startswith(_bare(self.debian_url))

    def publishes(self, name: str) -> bool:
        """True when ``name`` is one of the repository's package names."""
        return any(fnmatch.fnmatchcase(name, p) for p in self.packages)

    def alpine_repository(self, release_expr: str) -> str:
        """The Alpine repository's URL, the release written as ``release_expr``."""
        return self.alpine_url.replace("{release}", release_expr)


def _bare(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/") + "/"


@cache
def vendor_repos() -> tuple[VendorRepo, ...]:
    """Every known repository, most specific URL first."""
    data = load_json("vendor-repos.json")
    repos = [
        VendorRepo(
            name=r["name"],
            debian_url=r["debian_url"],
            alpine_url=r["alpine_url"] or "",
            key_url=r.get("key_url", ""),
            key_file=r.get("key_file", ""),
            arches=tuple(r.get("arches", ())),
            packages=tuple(r.get("packages", ())),
            version_separators=tuple(r.get("version_separators", {}).items()),
            from_source=r["from_source"],
            hand_edit=r.get("hand_edit", ""),
        )
        for r in data["repositories"]
    ]
    return tuple(sorted(repos, key=lambda r: -len(_bare(r.debian_url))))


def vendor_for(url: str) -> VendorRepo | None:
    """The known repository ``url`` names, if any."""
    return next((r for r in vendor_repos() if r.matches(url)), None)
