"""The fleet report: per image, and for the fleet (``report/schema/fleet-v1.json``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..report.base import CommandName, Report, ReportCore
from ..report.codes import info
from ..report.item import Item, Location, Subject, SubjectKind
from ..report.level import Level
from .model import Blocker, ImageVerdict, Readiness

SCHEMA_VERSION = 1
EXAMPLES = 5  # image references shown per blocker

#: the item code and level of each readiness that is not ``ready``
_ITEM = {
    Readiness.NOT_RECOMMENDED: ("AR710", Level.ERROR),
    Readiness.READY_WITH_CHANGES: ("AR711", Level.WARNING),
    Readiness.FAILED: ("AR712", Level.ERROR),
}


@dataclass(frozen=True)
class FleetImage:
    """One image of the fleet: its reference and verdict."""

    ref: str
    verdict: ImageVerdict
    reused: bool = False  # the verdict came from the store (the manifest had not changed)

    def to_json(self) -> dict[str, Any]:
        """The ``images[]`` entry."""
        v = self.verdict
        top = v.top_blocker
        return {
            "ref": self.ref,
            **v.to_json(),
            "top_blocker": top.message if top else None,
            "reused": self.reused,
        }


@dataclass(frozen=True)
class FleetBlocker:
    """One cause, counted over the fleet: how many images it blocks."""

    key: str
    code: str
    name: str
    level: str
    subject: str
    fix: str
    images: int
    examples: tuple[str, ...]

    @property
    def message(self) -> str:
        """``glibc-only-symbols of orjson in 37 images: upgrade to …``."""
        fix = f": {self.fix}" if self.fix else ""
        return f"{self.name} of {self.subject} in {self.images} images{fix}"

    def to_json(self) -> dict[str, Any]:
        """The ``blockers[]`` entry."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "subject": self.subject,
            "fix": self.fix,
            "images": self.images,
            "examples": list(self.examples),
            "message": self.message,
        }


def rank_blockers(images: Sequence[FleetImage]) -> tuple[FleetBlocker, ...]:
    """Every cause, by how many images it blocks (then worst level, then code)."""
    seen: dict[str, tuple[Blocker, list[str]]] = {}
    for image in images:
        for b in image.verdict.blockers:
            seen.setdefault(b.key, (b, []))[1].append(image.ref)
    rank = {"error": 3, "warning": 2, "info": 1}
    out = [
        FleetBlocker(
            b.key, b.code, b.name, b.level, b.subject, b.fix, len(refs), tuple(refs[:EXAMPLES])
        )
        for b, refs in seen.values()
    ]
    return tuple(sorted(out, key=lambda f: (-f.images, -rank.get(f.level, 0), f.code, f.subject)))


@dataclass(frozen=True)
class FleetStats:
    """How the run went: the work done and skipped."""

    images: int  # listed
    image_tasks: int  # judged on this run
    images_reused: int  # verdicts from the store (manifest unchanged)
    distinct_layers: int  # layer digests over the fleet
    layer_refs: int  # layers over all images (a shared base counts once per image)
    layer_tasks: int  # layers analysed on this run
    layers_reused: int  # analysed on an earlier run (in the store)
    bytes_fetched: int  # layer bytes read from the sources on this run
    seconds: float
    runner: str
    store: str

    @property
    def dedupe_ratio(self) -> float:
        """Layer references per distinct layer (how much sharing saved)."""
        return round(self.layer_refs / self.distinct_layers, 2) if self.distinct_layers else 0.0

    def to_json(self) -> dict[str, Any]:
        """The ``run`` object."""
        return {
            "images": self.images,
            "image_tasks": self.image_tasks,
            "images_reused": self.images_reused,
            "distinct_layers": self.distinct_layers,
            "layer_refs": self.layer_refs,
            "dedupe_ratio": self.dedupe_ratio,
            "layer_tasks": self.layer_tasks,
            "layers_reused": self.layers_reused,
            "bytes_fetched": self.bytes_fetched,
            "seconds": round(self.seconds, 3),
            "runner": self.runner,
            "store": self.store,
        }


@dataclass(frozen=True)
class FleetReport(Report):
    """Everything ``fleet`` says: every image's verdict, the fleet's totals and blockers."""

    command: ClassVar[CommandName] = "fleet"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    target: str  # the images file, or the registry
    source: str  # file | registry
    images: tuple[FleetImage, ...]
    blockers: tuple[FleetBlocker, ...]
    stats: FleetStats
    threshold: Level | None = None  # --fail-on (None: never fails)
    warnings: tuple[str, ...] = field(default=())

    def count(self, readiness: Readiness) -> int:
        """Images with this readiness."""
        return sum(1 for i in self.images if i.verdict.readiness is readiness)

    @property
    def bytes_saved(self) -> int:
        """The estimated saving of every image ready, with or without changes."""
        movable = (Readiness.READY, Readiness.READY_WITH_CHANGES)
        return sum(i.verdict.saving for i in self.images if i.verdict.readiness in movable)

    @property
    def size_today(self) -> int:
        """Uncompressed bytes of every image judged."""
        return sum(i.verdict.uncompressed for i in self.images)

    def summary(self) -> dict[str, Any]:
        """The fleet's figures."""
        return {
            "images": len(self.images),
            "ready": self.count(Readiness.READY),
            "ready_with_changes": self.count(Readiness.READY_WITH_CHANGES),
            "not_recommended": self.count(Readiness.NOT_RECOMMENDED),
            "failed": self.count(Readiness.FAILED),
            "size_today": self.size_today,
            "bytes_saved": self.bytes_saved,
            "blockers": len(self.blockers),
        }

    def items(self) -> tuple[Item, ...]:
        """One item per image that is not ready as it is (AR710-AR712)."""
        out = []
        for image in self.images:
            v = image.verdict
            if v.readiness not in _ITEM:
                continue
            code_name, level = _ITEM[v.readiness]
            code = info(code_name)
            top = v.top_blocker
            why = v.error if v.error else (top.message if top else v.readiness.value)
            out.append(
                Item(
                    Subject(SubjectKind.IMAGE, image.ref),
                    code.code,
                    code.name,
                    level,
                    f"{image.ref}: {v.readiness.value} -- {why}",
                    tuple(b.message for b in v.blockers) or ((v.error,) if v.error else ()),
                    location=Location(image.ref),
                )
            )
        return tuple(out)

    @property
    def failed(self) -> bool:
        """An item at or above ``--fail-on``."""
        return self.threshold is not None and any(
            i.level.at_or_above(self.threshold) for i in self.items()
        )

    def core(self) -> ReportCore:
        """The fleet as every format sees it."""
        result = (
            "fail" if self.failed else ("incomplete" if self.count(Readiness.FAILED) else "pass")
        )
        return ReportCore(
            command="fleet",
            schema_version=SCHEMA_VERSION,
            target=self.target,
            items=self.items(),
            threshold=self.threshold or Level.ERROR,
            failed=self.failed,
            result=result,
            summary=self.summary(),
            ok=self.count(Readiness.READY),
        )

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON contract (``fleet-v1.json``)."""
        core = self.core()
        return {
            **core.head(),
            "source": self.source,
            "summary": self.summary(),
            "run": self.stats.to_json(),
            "images": [i.to_json() for i in self.images],
            "blockers": [b.to_json() for b in self.blockers],
            "warnings": list(self.warnings),
            "items": core.items_json(),
        }
