"""A publisher's apt repository → the same publisher's Alpine repository.

Debian Dockerfiles install some software from its publisher's apt repository: a ``deb``
line written to ``/etc/apt/sources.list.d/`` (for the architectures the publisher builds
for), a ``deb-src`` line and a rebuild of the source packages (for the others), and
package names pinned to the publisher's Debian versions.  When the publisher also has
an Alpine repository (:mod:`alpine_ready.knowledge.vendorrepos`), the Alpine image does
what the publisher's own Alpine image does: the repository's key goes to
``/etc/apk/keys``, its URL to ``/etc/apk/repositories``, the same names are installed,
and the architectures it has no packages for stop with a message.  This module reads
those lines and pins; :class:`~alpine_ready.translate.runs.RunRewriter` makes the edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..dockerfile import SimpleCommand
from ..knowledge.vendorrepos import VendorRepo, vendor_for

#: a sources.list line: its type, options and URI
_LINE = re.compile(r"^\s*(?P<type>deb|deb-src)\s+(?:\[(?P<opts>[^\]]*)\]\s+)?(?P<uri>\S+)")
_SIGNED_BY = re.compile(r"signed-by=(\S+)")
_VAR = re.compile(r"\$\{(\w+)\}|\$(\w+)")
#: ``name=version`` in a list of package names (an assignment's value, an operand)
_PIN = re.compile(r"(?<![\w.+-])(?P<name>[a-z0-9][a-z0-9+._-]*)=(?P<version>[^\s\"']+)")
#: where apt reads repositories from
APT_SOURCES = ("/etc/apt/sources.list",)
#: the command writing the Alpine release (``3.23``) into the repository URL
RELEASE_EXPR = "$(cut -d. -f1,2 /etc/alpine-release)"


@dataclass(frozen=True)
class SourcesLine:
    """An ``echo "deb …" >> /etc/apt/sources.list.d/…`` naming a known repository."""

    kind: str  # "deb" or "deb-src"
    repo: VendorRepo
    keyring: str | None  # the signed-by file as written (``$NGINX_GPGKEY_PATH``)
    list_file: str  # where it is written (``/etc/apt/sources.list.d/nginx.list``)


def _sources_targets(cmd: SimpleCommand) -> list[str]:
    """The apt sources files an ``echo``/``printf`` writes (none for other commands)."""
    if cmd.program not in ("echo", "printf") or not cmd.args:
        return []
    return [
        r.target.value
        for r in cmd.redirects
        if r.target is not None and r.target.value.startswith(APT_SOURCES)
    ]


def writes_apt_sources(cmd: SimpleCommand) -> bool:
    """True for an ``echo``/``printf`` writing apt's sources (a repository line, maybe)."""
    return bool(_sources_targets(cmd))


def sources_line(cmd: SimpleCommand, values: dict[str, str] | None = None) -> SourcesLine | None:
    """The known repository ``cmd`` adds to apt's sources, if it is one.

    ``values``: variables the RUN set to a value before (``aptRepo="… http://… main"``),
    expanded in the line.
    """
    targets = _sources_targets(cmd)
    if not targets:
        return None
    text = " ".join(w.value for w in cmd.args if not w.value.startswith("-"))
    m = _LINE.match(text)
    repo = vendor_for(m["uri"]) if m is not None else None
    if repo is None and values:  # the line's text in a variable (``echo "deb $aptRepo"``)
        m = _LINE.match(_VAR.sub(lambda v: values.get(v[1] or v[2], v[0]), text))
        repo = vendor_for(m["uri"]) if m is not None else None
    if m is None or repo is None:
        return None
    signed = _SIGNED_BY.search(m["opts"] or "")  # as written: the keyring's variable
    return SourcesLine(m["type"], repo, signed[1] if signed else None, targets[0])


def alpine_pins(text: str, repo: VendorRepo) -> tuple[str, list[tuple[int, str]]]:
    """``text`` with the repository's Debian pins made Alpine ones, and what changed where.

    ``nginx=${NGINX_VERSION}-${PKG_RELEASE}`` → ``nginx~${NGINX_VERSION}``: the Debian
    revision (after the last ``-``) is the Debian build's, so the pin keeps the upstream
    version as a prefix (apk's ``~``), with the publisher's Alpine version separators.
    """
    changed: list[tuple[int, str]] = []  # (offset in text, "old → new")

    def pin(m: re.Match[str]) -> str:
        name, version = m["name"], m["version"]
        if not repo.publishes(name):
            return m[0]
        upstream = version.rsplit("-", 1)[0] if "-" in version else version
        for deb, apk in repo.version_separators:
            upstream = upstream.replace(deb, apk)
        new = f"{name}~{upstream}"
        changed.append((m.start(), f"{m[0]} → {new}"))
        return new

    return _PIN.sub(pin, text), changed


def keyring_writer(cmd: SimpleCommand, keyring: str | None) -> bool:
    """True when ``cmd`` writes apt's keyring for a repository (``gpg --export > …``)."""
    for r in cmd.redirects:
        if r.target is None or r.operator not in (">", ">>"):
            continue
        target = r.target.value
        if (keyring is not None and target == keyring.strip("\"'")) or target.startswith(
            ("/usr/share/keyrings/", "/etc/apt/keyrings/", "/etc/apt/trusted.gpg")
        ):
            return True
    return False
