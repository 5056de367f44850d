"""The one item shape every command reports and every format renders.

An :class:`Item` is one fact about one subject: a file, a package, a Dockerfile
instruction, an image or a layer. It has a stable code (lint's ``AR1xx``-``AR3xx``,
scan's ``AR4xx``, deps' ``AR5xx``, translate's ``AR6xx``; the same fact has the same
code wherever it is found), a :class:`~alpine_ready.report.level.Level`, a one-line
message, the evidence (``reasons``), structured :class:`Fix` objects and a
:class:`Location`. Commands keep their own richer records (typed extensions) and
derive their items from them; formats that need no command knowledge (markdown,
SARIF, JSON's ``items``) read only items.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from .level import Level


class SubjectKind(enum.Enum):
    """What an item is about."""

    FILE = "file"  # a file in a tree, a root filesystem or an image
    PACKAGE = "package"  # a Python or Node dependency
    INSTRUCTION = "instruction"  # a Dockerfile instruction
    DOCKERFILE = "dockerfile"  # a whole Dockerfile (or a stage of it)
    IMAGE = "image"
    LAYER = "layer"


@dataclass(frozen=True, slots=True)
class Subject:
    """The thing an item is about: its kind and name (and a package's version)."""

    kind: SubjectKind
    name: str
    version: str | None = None
    ecosystem: str | None = None  # python | node, for packages

    def to_json(self) -> dict[str, Any]:
        """JSON form (``version``/``ecosystem`` only when set)."""
        out: dict[str, Any] = {"kind": self.kind.value, "name": self.name}
        if self.version is not None:
            out["version"] = self.version
        if self.ecosystem is not None:
            out["ecosystem"] = self.ecosystem
        return out


@dataclass(frozen=True, slots=True)
class Location:
    """Where the item was found: a file and a line/column range, or a path in an image."""

    path: str  # a file path as given, or a path inside the scanned tree or image
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based, in characters
    end_line: int | None = None
    end_column: int | None = None
    layer: str | None = None  # the digest of the image layer that holds ``path``

    def to_json(self) -> dict[str, Any]:
        """JSON form (unset fields left out)."""
        return {
            k: v
            for k, v in (
                ("path", self.path),
                ("line", self.line),
                ("column", self.column),
                ("end_line", self.end_line),
                ("end_column", self.end_column),
                ("layer", self.layer),
            )
            if v is not None
        }

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}" + (f":{self.column}" if self.column else "")


class FixKind(enum.Enum):
    """What kind of change a fix asks for."""

    APK_ADD = "apk-add"  # install Alpine packages
    UPGRADE = "upgrade"  # move a dependency to another version
    REPLACE_PACKAGE = "replace-package"  # use another package (a musl build…)
    TEXT_EDIT = "text-edit"  # edit a file (lint's fixes)
    ENV = "env"  # set an environment variable (LD_PRELOAD…)
    COMMAND = "command"  # run a command, or do something only a person can


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``start``..``end`` (1-based line/column, end exclusive) with ``text``."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Fix:
    """A change that removes the item: what kind, in words, and exactly what to run.

    ``text`` is what a user types or writes (``apk add --no-cache gcompat``,
    ``LD_PRELOAD=/lib/libgcompat.so.0``, ``orjson==3.10.0``); ``packages`` names the
    packages it installs, upgrades or puts in place; ``edits`` are the text edits of a
    lint fix; ``safe`` says whether ``--fix`` may apply it (None: not an edit).
    """

    kind: FixKind
    description: str
    text: str = ""
    packages: tuple[str, ...] = ()
    edits: tuple[TextEdit, ...] = ()
    safe: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "description": self.description,
            "text": self.text,
            "packages": list(self.packages),
        }
        if self.edits:
            out["edits"] = [e.to_json() for e in self.edits]
        if self.safe is not None:
            out["safety"] = "safe" if self.safe else "unsafe"
        return out


@dataclass(frozen=True, slots=True)
class Item:
    """One fact about one subject, as every format renders it."""

    subject: Subject
    code: str  # AR402
    name: str  # glibc-only-symbols: the code's name
    level: Level
    message: str  # one line
    reasons: tuple[str, ...] = ()  # the evidence
    fixes: tuple[Fix, ...] = ()
    location: Location | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``items[]`` entry of every command's JSON."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level.value,
            "subject": self.subject.to_json(),
            "message": self.message,
            "reasons": list(self.reasons),
            "fixes": [f.to_json() for f in self.fixes],
            "location": self.location.to_json() if self.location else None,
        }
