"""The fleet's domain objects: frozen, plain data that travels to workers and back."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Readiness(enum.Enum):
    """What one image's move to Alpine looks like (the per-image decision)."""

    READY = "ready"
    READY_WITH_CHANGES = "ready-with-changes"
    NOT_RECOMMENDED = "not-recommended"
    FAILED = "failed"  # the image could not be read or judged

    @classmethod
    def parse(cls, text: str) -> Readiness:
        """From its JSON spelling."""
        return next(r for r in cls if r.value == text)


@dataclass(frozen=True)
class Blocker:
    """One cause that keeps an image from moving as it is, keyed to group it across images.

    ``key`` is the same for the same cause in every image (code, what it is in,
    the fix): the fleet counts images per key.
    """

    key: str
    code: str
    name: str
    level: str  # a Level value: info | warning | error
    subject: str  # what it is in: a Python or Node package, or the file's name
    message: str  # one line, for one image
    fix: str  # the first fix's description ("" when none)
    paths: tuple[str, ...] = ()  # the image's files with this cause (first few)

    def to_json(self) -> dict[str, Any]:
        """JSON form (also the store's)."""
        return {
            "key": self.key,
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "subject": self.subject,
            "message": self.message,
            "fix": self.fix,
            "paths": list(self.paths),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Blocker:
        """From :meth:`to_json`."""
        return cls(
            str(d["key"]),
            str(d["code"]),
            str(d["name"]),
            str(d["level"]),
            str(d["subject"]),
            str(d["message"]),
            str(d["fix"]),
            tuple(str(p) for p in d.get("paths", ())),
        )


@dataclass(frozen=True)
class ImageVerdict:
    """The per-image answer the fleet aggregates (see :func:`.verdict.judge_image`)."""

    manifest_digest: str
    readiness: Readiness
    os: str | None  # "debian 12"
    libc: str  # musl | glibc | none | unknown
    compressed: int  # bytes to pull today
    uncompressed: int  # size today (the layer tars)
    base_bytes: int | None  # of the base image's layers, when known
    alpine_estimate: int | None  # estimated size on Alpine
    saving: int  # estimated bytes saved (0 when nothing is known to be saved)
    saving_basis: str  # how the saving was estimated (one line)
    app_files: dict[str, int] = field(default_factory=dict)  # app ELF files per scan verdict
    blockers: tuple[Blocker, ...] = ()  # worst first
    error: str | None = None  # FAILED: why
    seconds: float = 0.0  # the task's time

    @property
    def top_blocker(self) -> Blocker | None:
        """The worst cause (the first)."""
        return self.blockers[0] if self.blockers else None

    def to_json(self) -> dict[str, Any]:
        """JSON form (also the store's payload)."""
        return {
            "manifest_digest": self.manifest_digest,
            "readiness": self.readiness.value,
            "os": self.os,
            "libc": self.libc,
            "compressed": self.compressed,
            "uncompressed": self.uncompressed,
            "base_bytes": self.base_bytes,
            "alpine_estimate": self.alpine_estimate,
            "saving": self.saving,
            "saving_basis": self.saving_basis,
            "app_files": dict(self.app_files),
            "blockers": [b.to_json() for b in self.blockers],
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ImageVerdict:
        """From :meth:`to_json` (what the store keeps)."""
        return cls(
            manifest_digest=str(d["manifest_digest"]),
            readiness=Readiness.parse(str(d["readiness"])),
            os=d.get("os"),
            libc=str(d.get("libc") or "unknown"),
            compressed=int(d.get("compressed") or 0),
            uncompressed=int(d.get("uncompressed") or 0),
            base_bytes=d.get("base_bytes"),
            alpine_estimate=d.get("alpine_estimate"),
            saving=int(d.get("saving") or 0),
            saving_basis=str(d.get("saving_basis") or ""),
            app_files={str(k): int(v) for k, v in (d.get("app_files") or {}).items()},
            blockers=tuple(Blocker.from_json(b) for b in d.get("blockers") or ()),
            error=d.get("error"),
            seconds=float(d.get("seconds") or 0.0),
        )


@dataclass(frozen=True)
class LayerRef:
    """A layer as a manifest lists it."""

    digest: str
    size: int  # compressed
    media_type: str


@dataclass(frozen=True)
class ImagePlan:
    """One image of the fleet, resolved: its manifest digest and layers."""

    ref: str  # as listed (``host/repo:tag``, ``oci:DIR:TAG``…)
    pinned: str  # the reference the tasks open (by digest when the transport has one)
    manifest_digest: str
    layers: tuple[LayerRef, ...]

    @property
    def compressed(self) -> int:
        """Bytes to pull."""
        return sum(la.size for la in self.layers)


@dataclass(frozen=True)
class LayerResult:
    """What a layer task did (the analysis itself sits in the layer cache)."""

    digest: str
    compressed: int
    uncompressed: int
    files: int
    elf_files: int
    seconds: float
    fetched: int  # bytes read from the source (0: the analysis was cached already)
