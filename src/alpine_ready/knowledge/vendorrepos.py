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
import re
from dataclasses import dataclass
from functools import cache

from . import load_json

#: a major version in a template: digits, ``$VAR`` or ``${VAR}``
_MAJOR = r"(?P<N>\d+|\$\{\w+\}|\$\w+)"


def _template(template: str) -> str:
    return re.escape(template).replace(re.escape("{N}"), _MAJOR)


@dataclass(frozen=True)
class VendorRepo:
    """One publisher's apt repository and its Alpine counterpart."""

    name: str
    debian_url: str  # the apt repository's URL (a ``deb`` line's URI), with its scheme
    #: ``{release}`` stands for the Alpine release (``3.23``); empty: no Alpine repository
    #: (Alpine's own ones carry the software when ``alpine_packages`` says so)
    alpine_url: str
    key_url: str  # the RSA public key apk checks the repository's index with
    key_file: str  # its name under /etc/apk/keys
    arches: tuple[str, ...]  # Alpine architectures the repository has packages for
    packages: tuple[str, ...]  # fnmatch patterns of the package names it publishes
    version_separators: tuple[tuple[str, str], ...]  # Debian's → Alpine's, in versions
    from_source: str  # where to build the packages on other architectures
    #: Alpine's own repositories carry the software: Debian name template → Alpine names
    #: (``{N}`` a major version, literal or ``$VAR``)
    alpine_packages: tuple[tuple[str, tuple[str, ...]], ...] = ()
    path_moves: tuple[tuple[str, str], ...] = ()  # Debian path template → Alpine's
    debian_only_files: tuple[str, ...] = ()  # files only the Debian packages have
    note: str = ""

    @property
    def own(self) -> bool:
        """True when Alpine's own repositories carry the software (no repository to add)."""
        return not self.alpine_url and bool(self.alpine_packages)

    def alpine_names(self, debian: str) -> tuple[str, ...] | None:
        """The Alpine names of the Debian package ``debian`` (``postgresql-$PG_MAJOR``)."""
        for template, names in self.alpine_packages:
            m = re.fullmatch(_template(template), debian)
            if m is not None:
                major = m.groupdict().get("N") or ""
                return tuple(n.replace("{N}", major) for n in names)
        return None

    def moved(self, text: str) -> list[tuple[int, int, str, str]]:
        """``(start, end, old, new)`` for each Debian path of :attr:`path_moves` in ``text``."""
        out: list[tuple[int, int, str, str]] = []
        for template, alpine in self.path_moves:
            pattern = r"(?<![\w./-])" + _template(template) + r"(?![\w-])"
            for m in re.finditer(pattern, text):
                out.append((m.start(), m.end(), m[0], alpine.replace("{N}", m["N"])))
        return sorted(out)

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
            alpine_packages=tuple((k, tuple(v)) for k, v in r.get("alpine_packages", {}).items()),
            path_moves=tuple(r.get("path_moves", {}).items()),
            debian_only_files=tuple(r.get("debian_only_files", ())),
            note=r.get("note", ""),
        )
        for r in data["repositories"]
    ]
    return tuple(sorted(repos, key=lambda r: -len(_bare(r.debian_url))))


def vendor_for(url: str) -> VendorRepo | None:
    """The known repository ``url`` names, if any."""
    return next((r for r in vendor_repos() if r.matches(url)), None)
