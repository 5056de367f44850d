"""Where no translation is known: a marked block that stops the build, saying what to do.

A Debian package with no known Alpine name is kept when the target release has a
package of that very name (``perl``, ``gosu``: its package index says so, or offline the
bundled knowledge of Alpine's packages); otherwise -- and for a Debian-only command or a
user command kept as written -- the translation must not look finished.  Before the RUN
that has it goes a comment and ``RUN echo 'alpine-ready translate: …' >&2 && exit 1``:
the build stops there with the message, never later at a line that fails for another
reason.  ``grep -n 'alpine-ready translate:'`` finds every block.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from ..knowledge.apkindex import PackageIndex
from ..knowledge.apt import debian_idioms
from .model import UnmappedKind

#: The item code of a block (``knowledge/data/codes.json``).
STOP_CODE = "AR620"
MARK = "alpine-ready translate:"
#: The reason :func:`alpine_ready.translate.packages.read_operand` gives a name it has
#: no rule for (the only unmapped package kind a same-named package can settle).
NO_RULE = "no Alpine counterpart known"
#: Unmapped package reasons that are sure to fail on Alpine.
_DEB_FILE = "a local .deb file"


def package_kept(
    name: str, release: str, index: PackageIndex | None, bundled: frozenset[str]
) -> str | None:
    """How it is known that Alpine ``release`` has a package ``name``; None if it is not."""
    if index is not None:
        return f"Alpine {release}'s package index has it" if index.provider(name) else None
    return "alpine-ready's bundled data on Alpine's packages has it" if name in bundled else None


def package_stop(names: list[str], release: str, indexed: bool) -> str:
    """The block message for Debian names no Alpine package is known for.

    A name Alpine shipped once and removed (``gone_from_alpine``: python2 since 3.16)
    gets its own message: searching for an Alpine name is no use, what to do instead is.
    """
    gone = debian_idioms().gone_from_alpine
    parts: list[str] = []
    rest: list[str] = []
    for name in names:
        g = gone.get(name)
        if g is None or not g.gone_in(release):
            rest.append(name)
            continue
        parts.append(
            f"{name} (Debian): Alpine removed {g.name} in {g.removed_in}, so no package of "
            f"Alpine {release} gives it: {g.instead}; or keep it on Alpine {g.last_release}, "
            f"past its end of support (translate --alpine {g.last_release})"
        )
    if rest:
        listed = ", ".join(rest)
        where = (
            f"not in the package index of Alpine {release}"
            if indexed
            else "no Alpine name known, and no package index was read to check"
        )
        parts.append(
            f"{listed} (Debian): {where}: find the Alpine name (apk search -v NAME) "
            "and edit the apk add below"
        )
    return "; ".join(parts)


def stop_reason(name: str, kind: UnmappedKind, reason: str) -> str | None:
    """The block message for an unmapped entry that is not a package name, or None."""
    if kind is UnmappedKind.COMMAND:
        return f"{name} is Debian-only: rewrite it for Alpine below"
    if kind is UnmappedKind.OPTION:
        return f"{reason}: rewrite it with busybox adduser/addgroup below"
    if kind is UnmappedKind.PACKAGE and reason.startswith(_DEB_FILE):
        return f"{name}: a .deb does not install on Alpine: use Alpine's package below"
    return None


def block(indent: str, newline: str, messages: Iterable[str]) -> str:
    """The comment and the ``RUN`` that stops the build with ``messages``."""
    msgs = list(dict.fromkeys(messages))
    text = f"{MARK} " + "; ".join(msgs) + " -- then delete this RUN"
    return (
        f"{indent}# {MARK} no Alpine translation known for what the next RUN uses: "
        f"do it by hand{newline}"
        f"{indent}RUN echo {shlex.quote(text)} >&2 && exit 1{newline}"
    )
