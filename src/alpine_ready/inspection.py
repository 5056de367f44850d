"""``alpine-ready inspect`` / ``compare``: what an image (or rootfs) is, and what it costs.

OS and version, libc family and version, package manager and packages, sizes
(compressed from the manifest, uncompressed from the layer tars), per-layer
facts, waste (copies overwritten or deleted by later layers -- the kept copy is
not waste -- and package-manager leftovers, build dependencies left
installed), and the base image split from "yours" where it can be told.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import InputError
from .guard import printable
from .inputs.image.model import ImageError
from .inputs.image.source import AnalysedImage, ImageOptions, analyse, open_image
from .inputs.target import TargetKind, classify
from .knowledge.apkindex import parse_records
from .report.base import CommandName, Report, ReportCore
from .report.codes import info
from .report.item import Item, Location, Subject, SubjectKind
from .report.level import Level

if TYPE_CHECKING:
    from .inputs.tree import WalkStats

SCHEMA_VERSION = 2
Progress = Callable[[int, int | None, str], None]

# Leftovers of package managers and tools, by path prefix in the final filesystem.
LEFTOVERS = (
    ("var/cache/apk/", "apk cache (apk add without --no-cache)"),
    ("etc/apk/cache/", "apk cache (apk add without --no-cache)"),
    ("var/lib/apt/lists/", "apt package lists (apt-get update leftovers)"),
    ("var/cache/apt/archives/", "apt downloaded packages"),
    ("root/.cache/pip/", "pip cache (pip install without --no-cache-dir)"),
    ("root/.npm/_cacache/", "npm cache"),
    ("usr/local/share/.cache/yarn/", "yarn cache"),
    ("tmp/", "files left in /tmp"),
)
BUILD_PACKAGES = {
    "apk": (
        "build-base",
        "gcc",
        "g++",
        "musl-dev",
        "make",
        "cmake",
        "linux-headers",
        "autoconf",
        "automake",
        "libtool",
        "cargo",
        "rust",
        "go",
    ),
    "dpkg": (
        "build-essential",
        "gcc",
        "g++",
        "make",
        "cmake",
        "autoconf",
        "automake",
        "libtool",
        "cargo",
        "rustc",
        "golang",
    ),
}


@dataclass(frozen=True)
class Package:
    """One installed package."""

    name: str
    version: str
    size: int | None = None  # installed bytes, when the database says


@dataclass(frozen=True)
class LayerInfo:
    """One layer: digest, sizes, the history line, and file changes."""

    digest: str
    compressed_size: int
    uncompressed_size: int
    content_size: int  # bytes of the regular files in the layer (dive's and syft's size)
    created_by: str | None
    added: int
    changed: int
    removed: int
    base: bool


@dataclass(frozen=True)
class WasteItem:
    """Bytes shipped for nothing, and why."""

    path: str
    bytes: int
    reason: str


@dataclass(frozen=True)
class InspectReport(Report):
    """Everything ``inspect`` says about one image or root filesystem."""

    command: ClassVar[CommandName] = "inspect"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    target: str
    kind: str  # image | rootfs
    os_id: str | None
    os_version: str | None
    os_name: str | None
    libc_family: str  # musl | glibc | none | unknown
    libc_version: str | None
    compressed: int | None
    uncompressed: int | None
    layers: tuple[LayerInfo, ...]
    package_manager: str | None
    packages: tuple[Package, ...]
    waste: tuple[WasteItem, ...]
    base_layers: int | None = None
    base_name: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def waste_bytes(self) -> int:
        """Total wasted bytes."""
        return sum(w.bytes for w in self.waste)

    def items(self) -> tuple[Item, ...]:
        """An item per waste item (AR701): bytes shipped for nothing."""
        code = info("AR701")
        return tuple(
            Item(
                Subject(SubjectKind.FILE, w.path),
                code.code,
                code.name,
                Level.INFO,
                f"{w.path}: {w.bytes:,} bytes wasted ({w.reason})",
                (w.reason,),
                location=Location(w.path),
            )
            for w in self.waste
        )

    def core(self) -> ReportCore:
        """What it is, for every format: never failed (inspect describes)."""
        return ReportCore(
            command="inspect",
            schema_version=SCHEMA_VERSION,
            target=self.target,
            items=self.items(),
            threshold=Level.ERROR,
            failed=False,
            result="pass",
            summary={
                "compressed": self.compressed,
                "uncompressed": self.uncompressed,
                "waste_bytes": self.waste_bytes,
            },
        )

    def to_json(self) -> dict[str, Any]:
        """The versioned JSON contract (``inspect-v2.json``)."""
        base_bytes = sum(la.uncompressed_size for la in self.layers if la.base)
        core = self.core()
        return {
            **core.head(),
            "kind": self.kind,
            "os": {"id": self.os_id, "version": self.os_version, "name": self.os_name},
            "libc": {"family": self.libc_family, "version": self.libc_version},
            "size": {"compressed": self.compressed, "uncompressed": self.uncompressed},
            "layers": [
                {
                    "digest": la.digest,
                    "compressed_size": la.compressed_size,
                    "uncompressed_size": la.uncompressed_size,
                    "content_size": la.content_size,
                    "created_by": la.created_by,
                    "files_added": la.added,
                    "files_changed": la.changed,
                    "files_removed": la.removed,
                    "base": la.base,
                }
                for la in self.layers
            ],
            "base": {
                "layers": self.base_layers,
                "name": self.base_name,
                "uncompressed_size": base_bytes if self.base_layers else None,
            },
            "packages": {
                "manager": self.package_manager,
                "count": len(self.packages),
                "items": [
                    {"name": p.name, "version": p.version, "size": p.size} for p in self.packages
                ],
            },
            "waste": {
                "bytes": self.waste_bytes,
                "items": [
                    {"path": w.path, "bytes": w.bytes, "reason": w.reason} for w in self.waste
                ],
            },
            "warnings": list(self.warnings),
            "items": core.items_json(),
        }


@dataclass(frozen=True)
class InspectOptions:
    """What to inspect, and how to reach it."""

    target: str
    image: ImageOptions = field(default_factory=ImageOptions)
    layers: bool = True  # False: manifests only (compressed sizes; nothing downloaded)
    progress: Progress | None = None


def run(options: InspectOptions) -> InspectReport:
    """Inspect one image or root filesystem (InputError on bad input)."""
    target = classify(options.target)
    ref = target.image
    if ref is None:
        if target.kind is TargetKind.FILE:
            raise InputError(
                f"{target.location}: a file, but neither a root filesystem directory nor "
                "an image archive (a docker save or OCI archive tar)"
            )
        return inspect_rootfs(target.path)
    try:
        source = open_image(ref, options.image)
        if not options.layers:
            return _manifest_only(str(ref), source)
        image = analyse(source, options.image.cache_dir, options.progress, elves=False)
    except ImageError as exc:
        raise InputError(str(exc)) from None
    return inspect_image(str(ref), image)


# -- facts from files -----------------------------------------------------------------


def parse_os_release(text: str | None) -> dict[str, str]:
    """``KEY=value`` lines (quotes removed)."""
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip().strip('"').strip("'")
    return out


def parse_apk_db(text: str | None) -> list[Package]:
    """``lib/apk/db/installed``: blank-line separated records of ``K:value`` lines.

    Read with the one apk record parser (:func:`~alpine_ready.knowledge.apkindex.parse_records`).
    """
    return [
        Package(r.name, r.version, r.installed_size)
        for r in parse_records(text or "", source="lib/apk/db/installed", bounded=False)
    ]


def parse_dpkg_status(text: str | None) -> list[Package]:
    """``var/lib/dpkg/status``: the packages whose Status is ``install ok installed``."""
    out: list[Package] = []
    for block in (text or "").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line and not line[0].isspace() and ":" in line:
                k, v = line.split(":", 1)
                fields[k] = v.strip()
        if fields.get("Package") and fields.get("Status", "").endswith(" installed"):
            kib = fields.get("Installed-Size", "")
            out.append(
                Package(
                    fields["Package"],
                    fields.get("Version", ""),
                    int(kib) * 1024 if kib.isdigit() else None,
                )
            )
    return out


def _os(texts: Callable[[str], str | None]) -> tuple[str | None, str | None, str | None]:
    rel = parse_os_release(texts("etc/os-release") or texts("usr/lib/os-release"))
    os_id, version, name = rel.get("ID"), rel.get("VERSION_ID"), rel.get("PRETTY_NAME")
    alpine = texts("etc/alpine-release")
    if alpine:
        os_id, version = "alpine", alpine.strip()
    if os_id is None:  # distroless-style Alpine: only the repositories say
        repos = texts("etc/apk/repositories") or ""
        m = re.search(r"/v(\d+\.\d+)/", repos)
        if m:
            os_id, version = "alpine", m.group(1)
    if os_id == "debian" and not version:
        deb = texts("etc/debian_version")
        version = deb.strip() if deb else None
    return os_id, version, name


def _packages(texts: Callable[[str], str | None]) -> tuple[str | None, list[Package]]:
    apk = texts("lib/apk/db/installed")
    if apk is not None:
        return "apk", parse_apk_db(apk)
    dpkg = texts("var/lib/dpkg/status")
    if dpkg is not None:
        return "dpkg", parse_dpkg_status(dpkg)
    return None, []


def _libc(
    manager: str | None,
    packages: list[Package],
    has_musl: bool,
    glibc_version: str | None,
    has_glibc: bool,
) -> tuple[str, str | None]:
    by_name = {p.name: p.version for p in packages}
    if has_musl:
        v = by_name.get("musl")
        return "musl", v.split("-")[0] if v else None
    if has_glibc or "libc6" in by_name:
        v = glibc_version or by_name.get("libc6")
        return "glibc", v.split("-")[0] if v else None
    return ("none" if manager is None else "unknown"), None


def _build_leftovers(manager: str | None, packages: list[Package]) -> list[WasteItem]:
    if manager is None:
        return []
    suspects = BUILD_PACKAGES.get(manager, ())
    return [
        WasteItem(f"package {p.name}", p.size or 0, "build dependency left installed")
        for p in packages
        if p.name in suspects
    ]


def _leftovers(files: dict[str, int]) -> list[WasteItem]:
    """Package-manager caches and friends still in the final filesystem (one item per kind)."""
    items: list[WasteItem] = []
    totals = dict.fromkeys((prefix for prefix, _ in LEFTOVERS), 0)
    any_prefix = tuple(totals)
    for path, size in files.items():
        if path.startswith(any_prefix):  # one C-level test for most paths
            for prefix in any_prefix:
                if path.startswith(prefix):
                    totals[prefix] += size
    for prefix, reason in LEFTOVERS:
        if totals[prefix]:
            items.append(WasteItem("/" + prefix.rstrip("/"), totals[prefix], reason))
    orphans = 0
    for path, size in files.items():
        if path.endswith(".pyc") and "/__pycache__/" in path:
            pkg_dir = path.split("/__pycache__/")[0]
            source = posixpath.join(pkg_dir, posixpath.basename(path).split(".")[0] + ".py")
            if source not in files:
                orphans += size
    if orphans:
        items.append(WasteItem("**/__pycache__", orphans, "bytecode of removed code"))
    return items


# -- images ---------------------------------------------------------------------------


def _base_layer_count(image: AnalysedImage) -> int | None:
    """Layers of the base image, from the history: those before the base's final CMD."""
    history = [h for h in list(image.source.config.get("history") or []) if isinstance(h, dict)]
    nonempty = 0
    for h in history:
        created = h.get("created_by")
        created = created if isinstance(created, str) else ""
        if h.get("empty_layer") and re.search(r"\bCMD\b", created):
            later = [x for x in history[history.index(h) + 1 :] if not x.get("empty_layer")]
            return nonempty if later and nonempty else None
        if not h.get("empty_layer"):
            nonempty += 1
    return None


def inspect_image(target: str, image: AnalysedImage) -> InspectReport:
    """The inspect report of an analysed image."""
    fs = image.fs

    def texts(path: str) -> str | None:
        return fs.text(image.layers, path)

    os_id, version, name = _os(texts)
    manager, packages = _packages(texts)
    has_musl = any(p in fs.entries for la in image.layers for p in la.loaders)
    glibc = next((v for la in image.layers for p, v in la.glibc.items() if p in fs.entries), None)
    has_glibc = glibc is not None or any(posixpath.basename(p) == "libc.so.6" for p in fs.entries)
    family, libc_version = _libc(manager, packages, has_musl, glibc, has_glibc)
    base = _base_layer_count(image)
    layers = tuple(
        LayerInfo(
            digest=la.digest,
            compressed_size=layer.size,
            uncompressed_size=la.uncompressed_size,
            content_size=st.bytes_added,
            created_by=layer.created_by,
            added=st.added,
            changed=st.changed,
            removed=st.removed,
            base=base is not None and i < base,
        )
        for i, (layer, la, st) in enumerate(
            zip(image.source.layers, image.layers, fs.stats, strict=True)
        )
    )
    files = {e.path: e.size for e in fs.entries.values() if e.kind == "file"}
    waste = [WasteItem("/" + w.path, w.bytes, w.reason) for w in fs.wasted]
    waste += _leftovers(files) + _build_leftovers(manager, packages)
    annotations = image.source.annotations
    return InspectReport(
        target=target,
        kind="image",
        os_id=os_id,
        os_version=version,
        os_name=name,
        libc_family=family,
        libc_version=libc_version,
        compressed=image.source.compressed_size,
        uncompressed=image.uncompressed_size,
        layers=layers,
        package_manager=manager,
        packages=tuple(packages),
        waste=tuple(sorted(waste, key=lambda w: (-w.bytes, w.path))),
        base_layers=base,
        base_name=annotations.get("org.opencontainers.image.base.name"),
        warnings=tuple(image.warnings),
    )


def _manifest_only(target: str, source: Any) -> InspectReport:
    layers = tuple(
        LayerInfo(la.digest, la.size, 0, 0, la.created_by, 0, 0, 0, False) for la in source.layers
    )
    return InspectReport(
        target=target,
        kind="image",
        os_id=None,
        os_version=None,
        os_name=None,
        libc_family="unknown",
        libc_version=None,
        compressed=source.compressed_size,
        uncompressed=None,
        layers=layers,
        package_manager=None,
        packages=(),
        waste=(),
        warnings=("manifest only: layers not read (OS, packages and uncompressed size unknown)",),
    )


# -- root filesystems -----------------------------------------------------------------

_MAX_TEXT = 16 << 20


def inspect_rootfs(root: Path) -> InspectReport:
    """The inspect report of a root filesystem directory (no layers, no compressed size)."""
    if not root.is_dir():
        raise InputError(f"{root}: no such directory")

    def texts(path: str) -> str | None:
        p = root / path
        try:
            st = os.lstat(p)
            if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_TEXT:
                return None
            return p.read_text("utf-8", "replace")
        except OSError:
            return None

    from .inputs.tree import WalkStats, walk_files  # (images never need it)

    stats = WalkStats()
    files: dict[str, int] = {}
    for f in walk_files(root, stats):
        try:
            files[f.relpath] = f.entry.stat(follow_symlinks=False).st_size
        except OSError as exc:
            stats.note_os_error(f.relpath, exc)
    os_id, version, name = _os(texts)
    manager, packages = _packages(texts)
    has_musl = any(k.startswith("lib/ld-musl-") for k in files)
    has_glibc = any(posixpath.basename(k) == "libc.so.6" for k in files)
    family, libc_version = _libc(manager, packages, has_musl, None, has_glibc)
    waste = _leftovers(files) + _build_leftovers(manager, packages)
    return InspectReport(
        target=str(root),
        kind="rootfs",
        os_id=os_id,
        os_version=version,
        os_name=name,
        libc_family=family,
        libc_version=libc_version,
        compressed=None,
        uncompressed=sum(files.values()),
        layers=(),
        package_manager=manager,
        packages=tuple(packages),
        waste=tuple(sorted(waste, key=lambda w: (-w.bytes, w.path))),
        warnings=_walk_warnings(stats),
    )


_SHOWN_ERRORS = 10


def _walk_warnings(stats: WalkStats) -> tuple[str, ...]:
    """One warning per path the walk could not read (the first few), and how many more."""
    errors = stats.unreadable or []
    out = [f"{printable(p)}: not read ({why})" for p, why, _kind in errors[:_SHOWN_ERRORS]]
    if len(errors) > _SHOWN_ERRORS:
        out.append(
            f"{len(errors) - _SHOWN_ERRORS} more paths not read: sizes and waste leave them out"
        )
    return tuple(out)


# -- compare --------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareReport(Report):
    """Several images side by side; ratios are to the first."""

    command: ClassVar[CommandName] = "compare"
    schema_version: ClassVar[int] = SCHEMA_VERSION

    images: tuple[InspectReport, ...]

    def core(self) -> ReportCore:
        """Every image's waste, for every format: never failed (compare describes)."""
        items = tuple(i for rep in self.images for i in rep.items())
        return ReportCore(
            command="compare",
            schema_version=SCHEMA_VERSION,
            target=", ".join(rep.target for rep in self.images),
            items=items,
            threshold=Level.ERROR,
            failed=False,
            result="pass",
        )

    def to_json(self) -> dict[str, Any]:
        """The common head and ``images`` (``compare-v2.json``).

        Each image is its inspect report without the head (its target kept).
        """
        first = self.images[0]
        out = []
        head_keys = set(self.core().head())
        for rep in self.images:
            d = {k: v for k, v in rep.to_json().items() if k not in head_keys or k == "target"}
            d.pop("items", None)
            d["ratio"] = {
                "compressed": _ratio(rep.compressed, first.compressed),
                "uncompressed": _ratio(rep.uncompressed, first.uncompressed),
            }
            out.append(d)
        core = self.core()
        return {**core.head(), "images": out, "items": core.items_json()}


def _ratio(a: int | None, b: int | None) -> float | None:
    if a is None or not b:
        return None
    return round(a / b, 3)


def compare(targets: list[str], options: InspectOptions) -> CompareReport:
    """Inspect each target (same options) for a side-by-side report."""
    if len(targets) < 2:
        raise InputError("compare needs at least two targets")
    reports = []
    for i, t in enumerate(targets, 1):
        progress = options.progress
        if progress:
            progress(i - 1, len(targets), f"inspecting {t}")
        reports.append(
            run(
                InspectOptions(
                    target=t, image=options.image, layers=options.layers, progress=progress
                )
            )
        )
    return CompareReport(tuple(reports))
