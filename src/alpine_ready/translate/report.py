"""``run(TranslateOptions) -> TranslateReport``: what the CLI calls, and the JSON contract.

The report is frozen data; :mod:`.render` only turns it into text.  ``to_json`` follows
``report/schema/translate-v1.json`` (``schema_version`` 1).  Reading the file never
writes it: the CLI decides where the new text goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..dockerfile import decode_dockerfile, read_dockerfile
from ..dockerfile.heap import paused_gc
from .mapping import mapping_info
from .model import Change, Note, Translation, Unmapped
from .translate import translate_text

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class TranslateOptions:
    """What to translate, for which Alpine release."""

    path: str
    alpine: str | None = None  # None: the newest release with data, floating -alpine tags


@dataclass(frozen=True)
class TranslateReport:
    """The translated Dockerfile and the account of every change."""

    path: str
    alpine: str
    original: str
    text: str
    changes: tuple[Change, ...]
    notes: tuple[Note, ...]
    unmapped: tuple[Unmapped, ...]
    mapping_source: str

    @property
    def changed(self) -> bool:
        """True when the text differs from the original."""
        return self.text != self.original

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON report."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": "alpine-ready",
            "command": "translate",
            "file": self.path,
            "alpine": self.alpine,
            "changed": self.changed,
            "text": self.text,
            "changes": [c.to_json() for c in self.changes],
            "notes": [n.to_json() for n in self.notes],
            "unmapped": [u.to_json() for u in self.unmapped],
            "mapping": {"schema": mapping_info()["schema"], "counts": mapping_info()["counts"],
                        "source": self.mapping_source},
        }


def from_translation(path: str, original: str, tr: Translation) -> TranslateReport:
    """Wrap a :class:`Translation` of ``original`` as a report."""
    return TranslateReport(path=path, alpine=tr.alpine, original=original, text=tr.text,
                           changes=tr.changes, notes=tr.notes, unmapped=tr.unmapped,
                           mapping_source=str(mapping_info()["source"]))


def run(opts: TranslateOptions) -> TranslateReport:
    """Translate the Dockerfile at ``opts.path`` (the file is only read)."""
    original = decode_dockerfile(read_dockerfile(opts.path), opts.path)
    with paused_gc():  # millions of acyclic objects for a 4 MiB file: see dockerfile.heap
        tr = translate_text(original, opts.path, alpine=opts.alpine)
    return from_translation(opts.path, original, tr)
