"""``run(TranslateOptions) -> TranslateReport``: what the CLI calls, and the JSON contract.

The report is frozen data; :mod:`alpine_ready.formats` turns it into text.  ``to_json``
follows ``report/schema/translate-v3.json``.  Reading the file never
writes it: the CLI decides where the new text goes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from ..dockerfile import decode_dockerfile, read_dockerfile
from ..dockerfile.heap import paused_gc
from ..knowledge import default_release
from ..knowledge.apkindex import PackageIndex
from ..knowledge.apkrepo import index_offline, release_index
from ..knowledge.apt import mapping_info
from ..report.base import CommandName, Report, ReportCore
from ..report.codes import info
from ..report.item import Item, Location, Subject, SubjectKind
from ..report.level import Level
from .check import CheckResult, check_text
from .model import Category, Change, Note, Translation, Unmapped
from .translate import translate_text

SCHEMA_VERSION = 3
#: A glibc download is the same fact here as in lint (AR201), translated or not.
_DOWNLOAD_CODE = "AR201"


@dataclass(frozen=True)
class TranslateOptions:
    """What to translate, for which Alpine release."""

    path: str
    alpine: str | None = None  # None: the newest release with data, floating -alpine tags
    mirror: str | None = None  # Alpine mirror of the package index (None: see apkrepo)
    offline: bool | None = (
        None  # the package index from the cache only (None: $ALPINE_READY_OFFLINE)
    )
    cache_root: Path | None = None  # the package index cache (None: the default)
    check_names: bool = True  # look the apk names up in the release's package index
    check: bool = False  # --check: prove what can be proved of the output (translate.check)
    against: Path | None = None  # --against: a real Alpine rootfs for busybox sh -n
    context: Path | None = None  # the build context COPY reads from (None: the file's directory)


@dataclass(frozen=True)
class TranslateReport(Report):
    """The translated Dockerfile and the account of every change."""

    command: ClassVar[CommandName] = "translate"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    path: str
    alpine: str
    original: str
    text: str
    changes: tuple[Change, ...]
    notes: tuple[Note, ...]
    unmapped: tuple[Unmapped, ...]
    mapping_source: str
    check: CheckResult | None = None  # --check's result (None: not asked)

    @property
    def changed(self) -> bool:
        """True when the text differs from the original."""
        return self.text != self.original

    @property
    def failed(self) -> bool:
        """Something for a person: names not mapped, or notes (exit status 1).

        With ``--check``, the check's verdict: a proven problem (exit status 1).
        """
        if self.check is not None:
            return self.check.failed
        return bool(self.unmapped or self.notes)

    def _item(
        self, code: str, level: Level, line: int, message: str, subject: str | None = None
    ) -> Item:
        meta = info(code)
        return Item(
            Subject(SubjectKind.INSTRUCTION, subject or self.path),
            meta.code,
            meta.name,
            level,
            message,
            location=Location(self.path, line),
        )

    def _note_item(self, n: Note) -> Item:
        if n.code is not None:
            return self._item(n.code, Level.WARNING, n.line, n.message)
        if n.category is Category.DOWNLOAD:
            return self._item(_DOWNLOAD_CODE, Level.WARNING, n.line, n.message)
        return self._item("AR602", Level.INFO, n.line, n.message)

    def core(self) -> ReportCore:
        """An item per name not mapped (AR601) and per note (AR602).

        A glibc download the translation could not rewrite is AR201, as in lint; a name
        the release's package index does not have, AR604.
        """
        items = [
            self._item("AR601", Level.WARNING, u.line, f"{u.name}: {u.reason}", u.name)
            for u in self.unmapped
        ]
        items += [self._note_item(n) for n in self.notes]
        if self.check is not None:
            items += [self._item(c.code, c.level, c.line, c.message) for c in self.check.items]
        items.sort(key=lambda i: i.location.line or 0 if i.location else 0)
        return ReportCore(
            command="translate",
            schema_version=SCHEMA_VERSION,
            target=self.path,
            items=tuple(items),
            threshold=Level.INFO,
            failed=self.failed,
            result="check" if self.failed else "pass",
            ok=len(self.changes),
            summary={
                "changes": len(self.changes),
                "notes": len(self.notes),
                "unmapped": len(self.unmapped),
            },
        )

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON report (``report/schema/translate-v3.json``)."""
        core = self.core()
        return {
            **core.head(),
            "file": self.path,
            "alpine": self.alpine,
            "changed": self.changed,
            "text": self.text,
            "changes": [c.to_json() for c in self.changes],
            "notes": [n.to_json() for n in self.notes],
            "unmapped": [u.to_json() for u in self.unmapped],
            "mapping": {
                "schema": mapping_info()["schema"],
                "counts": mapping_info()["counts"],
                "source": self.mapping_source,
            },
            "check": None if self.check is None else self.check.to_json(),
            "items": core.items_json(),
        }


def from_translation(path: str, original: str, tr: Translation) -> TranslateReport:
    """Wrap a :class:`Translation` of ``original`` as a report."""
    return TranslateReport(
        path=path,
        alpine=tr.alpine,
        original=original,
        text=tr.text,
        changes=tr.changes,
        notes=tr.notes,
        unmapped=tr.unmapped,
        mapping_source=str(mapping_info()["source"]),
    )


def _index_loader(opts: TranslateOptions) -> Callable[[], PackageIndex | None] | None:
    """What loads the target release's package index, when names are to be checked."""
    if not opts.check_names:
        return None
    release = opts.alpine or default_release()

    def load() -> PackageIndex | None:
        # as scan: a --mirror given is asked, else $ALPINE_READY_OFFLINE
        offline = opts.offline if opts.offline is not None else index_offline(False, opts.mirror)
        return release_index(
            release, mirror=opts.mirror, offline=offline, cache_root=opts.cache_root
        )

    return load


def run(opts: TranslateOptions) -> TranslateReport:
    """Translate the Dockerfile at ``opts.path`` (the file is only read)."""
    original = decode_dockerfile(read_dockerfile(opts.path), opts.path)
    with paused_gc():  # millions of acyclic objects for a 4 MiB file: see dockerfile.heap
        load = _index_loader(opts)
        once = None if load is None else cache(load)  # read once for translate and check
        where = Path(opts.path)
        context = opts.context
        if context is None and where.is_file():  # not a pipe: its directory
            context = where.parent
        tr = translate_text(original, opts.path, alpine=opts.alpine, index=once, context=context)
    report = from_translation(opts.path, original, tr)
    if not opts.check:
        return report
    got = check_text(tr.text, opts.path, index=once, rootfs=opts.against)
    return replace(report, check=got)
