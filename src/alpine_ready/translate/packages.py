"""``apt-get install`` operands → Alpine package names, and ``apk`` command text.

:func:`read_operand` reads one operand word (``curl``, ``curl=7.88.1-10``,
``libssl-dev:amd64``, ``gcc/bookworm-backports``, ``./x.deb``, ``$PKGS``) and maps it
through the data (:mod:`alpine_ready.knowledge.apt`); a name the data does not know is
kept as written and flagged ``unmapped`` -- never guessed.  :class:`Layout` reproduces the operand
layout of the original command (one per continued line, or all on one line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..dockerfile import Word
from ..knowledge.apt import Kind, PackageRule, debian_idioms, kind_of, lookup

_DEBIAN_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
VIRTUAL = ".build-deps"


@dataclass(frozen=True)
class Operand:
    """One ``apt-get install`` operand, read and mapped."""

    word: Word
    name: str | None  # the Debian package name; None when not a literal name
    pin: str | None  # ``=version`` / ``/release`` as written
    rule: PackageRule | None
    apk: tuple[str, ...]  # the Alpine names (the raw word when unmapped)
    problem: str | None  # why it is unmapped

    @property
    def kind(self) -> Kind | None:
        """The rule's kind; None when unmapped."""
        return self.rule.kind if self.rule else None


def read_operand(word: Word, release: str) -> Operand:
    """Map one operand for Alpine ``release``."""
    value = word.value
    if not word.static:
        return Operand(
            word,
            None,
            None,
            None,
            (word.raw,),
            "not a literal package name (a variable or command substitution)",
        )
    if (
        value.endswith(".deb")
        or "/" in value.split("=", 1)[0].split("/", 1)[0]
        or value.startswith((".", "/"))
    ):
        return Operand(
            word,
            None,
            None,
            None,
            (word.raw,),
            "a local .deb file: Debian packages do not install on Alpine",
        )
    name, pin = value, None
    for sep in ("=", "/"):
        if sep in name:
            name, rest = name.split(sep, 1)
            pin = sep + rest
    name = name.split(":", 1)[0]
    if not _DEBIAN_NAME.match(name):
        return Operand(word, None, pin, None, (word.raw,), "not a Debian package name")
    rule = lookup(name) or _before_removal(name, release)
    if rule is None:
        return Operand(
            word,
            name,
            pin,
            None,
            (word.raw,),
            "no Alpine counterpart known: kept as written, check the name",
        )
    return Operand(word, name, pin, rule, rule.apk_for(release), None)


def _before_removal(name: str, release: str) -> PackageRule | None:
    """The rule for a package Alpine removed later (python2), on a release that had it."""
    g = debian_idioms().gone_from_alpine.get(name)
    if g is None or g.gone_in(release):
        return None
    return PackageRule(
        debian=name,
        apk=(g.name,),
        older=(),
        kind=kind_of((g.name,), dropped=False),
        runtime=(),
        repository="community",
        origin="hand-reviewed",
        verified="hand-reviewed",
        note=f"Alpine had {g.name} up to {g.last_release} (removed in {g.removed_in})",
    )


@dataclass(frozen=True)
class Layout:
    """How the original command laid out its operands."""

    one_per_line: bool
    indent: str  # what precedes an operand on its own line
    continuation: str  # `` \\`` + newline

    def join(self, names: Sequence[str]) -> str:
        """Operands in this layout, each preceded by its separator."""
        if self.one_per_line:
            return "".join(f"{self.continuation}{self.indent}{n}" for n in names)
        return "".join(f" {n}" for n in names)

    def glue(self, names: Sequence[str]) -> str:
        """Several names standing where one operand stood."""
        if self.one_per_line:
            return f"{self.continuation}{self.indent}".join(names)
        return " ".join(names)


def layout_of(
    words: Sequence[Word], line_text: dict[int, str], escape: str, newline: str
) -> Layout:
    """The layout of ``words`` (operands), given the text of the lines they are on."""
    cont = f" {escape}{newline}"
    lines = [w.start.line for w in words]
    if len(words) >= 2 and len(set(lines)) == len(lines):
        w = words[-1]
        text = line_text[w.start.line]
        prefix = text[: w.start.column - 1]
        if prefix.strip() == "":
            return Layout(True, prefix, cont)
    return Layout(False, " ", cont)


def apk_add(names: Sequence[str], layout: Layout, *, virtual: str | None = None) -> str:
    """``apk add --no-cache [--virtual NAME] names…`` in ``layout``."""
    head = "apk add --no-cache" + (f" --virtual {virtual}" if virtual else "")
    return head + layout.join(names)
