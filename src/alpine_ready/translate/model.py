"""What a translation produces: the new text and why each part changed (frozen data)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Category(enum.Enum):
    """The part of the Dockerfile a change or note is about."""

    BASE = "base"  # FROM images
    PACKAGES = "packages"  # apt-get → apk
    CLEANUP = "cleanup"  # apt lists, apt-get clean, DEBIAN_FRONTEND
    USERS = "users"  # useradd/groupadd → adduser/addgroup
    SHELL = "shell"  # bash, SHELL
    LOCALE = "locale"  # locale generation
    DOWNLOAD = "download"  # glibc binary downloads
    LINT = "lint"  # pragmas for linters


@dataclass(frozen=True)
class Change:
    """One rewrite: where (line in the *original* file), what, and why."""

    line: int
    category: Category
    what: str
    why: str

    def to_json(self) -> dict[str, Any]:
        """The ``changes[]`` entry of the JSON report."""
        return {
            "line": self.line,
            "category": self.category.value,
            "what": self.what,
            "why": self.why,
        }


@dataclass(frozen=True)
class Note:
    """Something the translation did not (or could not) do, for a person to check."""

    line: int
    category: Category
    message: str
    code: str | None = None  # its item code when not the category's (AR604: no such package)

    def to_json(self) -> dict[str, Any]:
        """The ``notes[]`` entry of the JSON report."""
        return {"line": self.line, "category": self.category.value, "message": self.message}


class UnmappedKind(enum.Enum):
    """What could not be mapped."""

    PACKAGE = "package"  # a Debian package with no known Alpine counterpart
    BASE = "base"  # a base image with no known Alpine variant
    OPTION = "option"  # a command option with no busybox/apk counterpart
    COMMAND = "command"  # a Debian-only command (dpkg -i, apt-key, add-apt-repository…)


@dataclass(frozen=True)
class Unmapped:
    """A name kept as written (never guessed), with the reason."""

    name: str
    line: int
    kind: UnmappedKind
    reason: str

    def to_json(self) -> dict[str, Any]:
        """The ``unmapped[]`` entry of the JSON report."""
        return {
            "name": self.name,
            "line": self.line,
            "kind": self.kind.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Translation:
    """The Alpine Dockerfile text and the account of how it was made."""

    text: str
    notes: tuple[Note, ...]
    unmapped: tuple[Unmapped, ...]
    changes: tuple[Change, ...]
    alpine: str  # the Alpine release package names and ``alpine:<release>`` were chosen for

    @property
    def changed(self) -> bool:
        """True when anything was rewritten."""
        return bool(self.changes)
