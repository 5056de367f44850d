"""``deps IMAGE``: the Python and Node dependencies installed in a container image.

The image is analysed as ``scan IMAGE`` does (streamed, never extracted, layer analyses
cached) and every ELF file of its final filesystem judged by the loader model
(:func:`alpine_ready.analysis.scan.judge_image`).  Then:

- every ``*.dist-info`` under a ``site-packages``/``dist-packages`` directory is one
  installed distribution (name and version from the directory name, its files from the
  ``RECORD`` captured from the layers); its ELF files' verdicts are the proof of what the
  installed copy does on musl.  The caller checks each version on the index too;
- every package under ``node_modules`` that ships ELF files (``.node`` addons, platform
  binaries) is judged by those files: a glibc build that does not load is
  ``glibc-only``, a musl build ``musl-build``.  Pure-JavaScript packages carry no proof
  either way and are not listed (their ``package.json`` is not read from the layers).
"""

from __future__ import annotations

import csv
import io
import logging
import posixpath
import re
from dataclasses import dataclass

from ..analysis.report import BinaryReport, Libc, Verdict
from .report import DepStatus, PackageResult

_DIST_INFO = re.compile(
    r"^(?P<site>(?:.*/)?(?:site|dist)-packages)/"
    r"(?P<dir>[^/]+)\.dist-info/RECORD$"
)
_PYTHON = re.compile(r"python(3\.\d+)")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageDist:
    """One Python distribution installed in the image."""

    name: str  # as the dist-info directory spells it (normalised by the caller)
    version: str
    dist_info: str  # path in the image
    elf: tuple[BinaryReport, ...]  # its ELF files, judged


@dataclass(frozen=True)
class ImageDeps:
    """What ``deps`` learns from an image."""

    reference: str
    python_dists: tuple[ImageDist, ...]
    node_rows: tuple[PackageResult, ...]
    python_version: str | None  # X.Y of the newest pythonX.Y directory with a site-packages
    notes: tuple[str, ...]


def read_image(
    target: str, *, arch: str, alpine: str | None, cache_dir: object = None
) -> ImageDeps | None:
    """The dependencies installed in image ``target``; None when it is not an image."""
    from ..analysis.scan import ScanOptions, image_reference, judge_image
    from ..inputs.image.model import Platform
    from ..inputs.image.source import ImageOptions, default_cache_dir

    ref = image_reference(target)
    if ref is None:
        return None
    platform = Platform.parse("linux/amd64" if arch == "x86_64" else "linux/arm64")
    options = ScanOptions(
        target=target,
        alpine=alpine,
        image=ImageOptions(platform=platform, cache_dir=default_cache_dir()),
    )
    image, _system, _stats, results = judge_image(options, ref)
    binaries = {b.path.lstrip("/"): b for b in results if isinstance(b, BinaryReport)}
    dists: list[ImageDist] = []
    pythons: set[str] = set()
    for path in sorted(image.fs.entries):
        m = _DIST_INFO.match(path)
        if not m or image.fs.entries[path].kind not in ("file", "hardlink"):
            continue
        name, _, version = m["dir"].rpartition("-")
        if not name or not version:
            continue
        text = image.fs.text(image.layers, path) or ""  # a hard link (uv): its target's
        own = _record_files(m["site"], text)
        files = sorted((binaries[f] for f in own if f in binaries), key=lambda b: b.path)
        dists.append(ImageDist(name, version, posixpath.dirname(path), tuple(files)))
        py = _PYTHON.search(m["site"])
        if py:
            pythons.add(py[1])
    python = max(pythons, key=lambda v: int(v.split(".")[1]), default=None)
    node = _node_rows(binaries, str(ref))
    notes = (
        f"image {ref}: {len(dists)} Python distributions and {len(node)} Node packages "
        f"with native files installed; their ELF files judged by the scan engine",
    )
    return ImageDeps(str(ref), tuple(dists), tuple(node), python, notes)


def _record_files(site: str, text: str) -> set[str]:
    """The files a RECORD lists (none when it is not CSV: a NUL, a field over the limit)."""
    try:
        return {
            posixpath.normpath(posixpath.join(site, row[0]))
            for row in csv.reader(io.StringIO(text))
            if row
        }
    except csv.Error as exc:
        log.info("%s: RECORD is not CSV (%s); its files are not matched", site, exc)
        return set()


def _package_dir(path: str) -> str | None:
    """``…/node_modules/@scope/name`` or ``…/node_modules/name`` holding ``path``."""
    parts = path.split("/")
    idx = max((i for i, p in enumerate(parts[:-1]) if p == "node_modules"), default=None)
    if idx is None or idx + 1 >= len(parts) - 1:
        return None
    end = idx + 3 if parts[idx + 1].startswith("@") else idx + 2
    return "/".join(parts[:end]) if end <= len(parts) - 1 else None


def _node_rows(binaries: dict[str, BinaryReport], source: str) -> list[PackageResult]:
    groups: dict[str, list[BinaryReport]] = {}
    for path, b in binaries.items():
        pkg = _package_dir(path)
        if pkg is not None:
            groups.setdefault(pkg, []).append(b)
    rows: list[PackageResult] = []
    for pkg, files in sorted(groups.items()):
        name = pkg.split("node_modules/")[-1]
        worst = max(files, key=lambda b: b.verdict.rank)
        rel = worst.path.lstrip("/")
        fixes: tuple[str, ...]
        if worst.verdict in (Verdict.INCOMPATIBLE, Verdict.NEEDS_GCOMPAT):
            status = DepStatus.GLIBC_ONLY
            reasons = (
                f"installed in the image: {rel} is a {worst.libc.value} build "
                f"({worst.verdict.value}: {worst.reasons[0] if worst.reasons else ''})",
            )
            fixes = (
                "install the dependencies in the Alpine build stage (npm ci there) "
                "instead of copying node_modules from a glibc machine",
            )
        else:
            static = all(b.libc in (Libc.STATIC, Libc.NONE) for b in files)
            status = DepStatus.PORTABLE if static else DepStatus.MUSL_BUILD
            reasons = (
                f"installed in the image: {len(files)} native file(s) load on musl"
                + (
                    f"; {rel}: {worst.reasons[0]}"
                    if worst.verdict is Verdict.NEEDS_PACKAGES and worst.reasons
                    else ""
                ),
            )
            fixes = (
                (f"apk add --no-cache {' '.join(worst.apk_packages)}",)
                if worst.verdict is Verdict.NEEDS_PACKAGES and worst.apk_packages
                else ()
            )
        rows.append(
            PackageResult(
                "node", name, None, status, reasons, fixes, None, f"{source}:/{pkg}", False
            )
        )
    return rows
