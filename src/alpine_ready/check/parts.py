"""The parts of a check, each one engine called through the library (never a subprocess).

- :func:`find_dockerfiles`: the Dockerfiles of PATH (``Dockerfile``, ``Containerfile``,
  ``*.Dockerfile``, ``Dockerfile.*``; PATH and its first level of directories);
- :func:`translate_part`: translate's ``run()`` of each (a glibc base gets its Alpine text);
- :func:`lint_part`: lint's ``run()`` of each translated text (what is left to fix on
  Alpine; an Alpine Dockerfile, which translate leaves as it is, is linted as written);
- :func:`deps_part`: deps' ``run()`` of PATH (a project directory: its lockfiles,
  requirements, installed environments);
- :func:`scan_part`: scan's ``run()`` of the image (the application's files) or of PATH as
  an application tree;
- :func:`inspect_part`: inspect's ``run()`` of the image;
- :func:`verify_part` (``--verify``): verify's ``run()`` of what scan judged, in a real
  Alpine userland (the release's image or ``--against``), sandboxed.

A part whose input is missing is *skipped*; one that fails on its input is an *error*
(the message kept, the rest of the check goes on).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AlpineReadyError, NothingToRead
from ..guard import ProjectBoundary
from .options import CheckOptions
from .report import PartResult

if TYPE_CHECKING:
    from ..analysis.report import ScanReport
    from ..deps.report import DepsReport
    from ..inspection import InspectReport
    from ..lint.report import LintReport
    from ..translate.report import TranslateReport
    from ..verify.report import VerifyReport

log = logging.getLogger(__name__)

#: directories never looked in for Dockerfiles
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"})


def _is_dockerfile(name: str) -> bool:
    low = name.lower()
    return (
        low in ("dockerfile", "containerfile")
        or low.endswith(".dockerfile")
        or low.startswith(("dockerfile.", "containerfile."))
    )


def find_dockerfiles(root: Path) -> list[Path]:
    """The Dockerfiles in ``root`` and its direct subdirectories, sorted."""
    found: list[Path] = []
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return []
    for entry in entries:
        if entry.is_file() and _is_dockerfile(entry.name):
            found.append(entry)
        elif entry.is_dir() and not entry.is_symlink() and entry.name not in _SKIP_DIRS:
            try:
                found += sorted(
                    p for p in entry.iterdir() if p.is_file() and _is_dockerfile(p.name)
                )
            except OSError:
                continue
    return found


@dataclass(frozen=True)
class Translated:
    """One Dockerfile and its translation."""

    path: Path
    shown: str  # the path as reports show it (relative to PATH)
    report: TranslateReport


def translate_part(
    files: list[Path], root: Path, options: CheckOptions, alpine: str
) -> tuple[list[Translated], PartResult]:
    """Translate every Dockerfile for ``alpine``."""
    from ..translate import TranslateOptions, run

    if not files:
        return [], PartResult("translate", "skipped", note="no Dockerfile in PATH")
    out: list[Translated] = []
    errors: list[str] = []
    # a Dockerfile linked to a file outside the project is not read (as deps' files are not)
    boundary = ProjectBoundary.around(root)
    for path in files:
        shown = path.relative_to(root).as_posix()
        try:
            boundary.check(path, shown)
            report = run(
                TranslateOptions(
                    path=str(path),
                    alpine=alpine,
                    mirror=options.mirror,
                    offline=True if options.offline else None,
                )
            )
        except AlpineReadyError as exc:
            errors.append(f"{shown}: {exc}")
            continue
        out.append(Translated(path, shown, report))
    items = sum(len(t.report.core().items) for t in out)
    changed = sum(1 for t in out if t.report.changed)
    result = "error" if errors and not out else ("check" if items else "pass")
    note = "; ".join(errors) if errors else f"{changed} of {len(out)} Dockerfile(s) changed"
    return out, PartResult("translate", result, items, tuple(t.shown for t in out), note)


def lint_part(
    translated: list[Translated], options: CheckOptions
) -> tuple[list[tuple[Translated, LintReport]], PartResult]:
    """Lint each translated Dockerfile (its text as Alpine will build it)."""
    from ..lint.engine import LintOptions, run

    if not translated:
        return [], PartResult("lint", "skipped", note="no Dockerfile in PATH")
    out: list[tuple[Translated, LintReport]] = []
    errors: list[str] = []
    for t in translated:
        try:
            report = run(
                LintOptions(
                    paths=("-",),
                    stdin=t.report.text.encode("utf-8"),
                    offline=options.offline,
                    mirror=options.mirror,
                    cache_dir=options.cache_dir,
                )
            )
        except AlpineReadyError as exc:
            errors.append(f"{t.shown}: {exc}")
            continue
        out.append((t, report))
    items = sum(len(r.core().items) for _, r in out)
    result = (
        "error" if errors and not out else ("fail" if any(r.failed for _, r in out) else "pass")
    )
    note = "; ".join(errors) if errors else "the translated text of each Dockerfile"
    return out, PartResult("lint", result, items, tuple(t.shown for t, _ in out), note)


def deps_part(
    root: Path, options: CheckOptions, alpine: str
) -> tuple[DepsReport | None, PartResult]:
    """Check PATH's dependencies (skipped when it has no dependency input)."""
    from ..deps.check import DepsOptions, run

    try:
        report = run(
            DepsOptions(
                path=str(root),
                python=options.python,
                alpine=alpine,
                index_url=options.index_url,
                offline=options.offline,
                cache_dir=options.cache_dir,
                npm_registry=options.npm_registry,
                mirror=options.mirror,
                progress=options.progress,
            )
        )
    except NothingToRead as exc:
        return None, PartResult("deps", "skipped", note=str(exc))
    except AlpineReadyError as exc:
        return None, PartResult("deps", "error", note=str(exc))
    core = report.core()
    files = tuple(dict.fromkeys(_rel(i.path, root) for i in report.inputs))
    return report, PartResult("deps", core.result, len(core.items), files)


def _rel(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return path


def scan_part(
    root: Path, options: CheckOptions, alpine: str
) -> tuple[ScanReport | None, PartResult]:
    """Scan the image's application files, else PATH as an application tree."""
    from ..analysis.scan import ScanOptions, run

    target: str | Path = options.image if options.image is not None else root
    try:
        report = run(
            ScanOptions(
                target=target,
                alpine=alpine,
                layout="auto" if options.image is not None else "app",
                allow_empty=True,
                allow_incomplete=True,
                mirror=options.mirror,
                offline=options.offline,
                owned_by="app" if options.image is not None else "all",
                image=options.image_options,
                progress=options.progress,
            )
        )
    except AlpineReadyError as exc:
        return None, PartResult("scan", "error", note=str(exc))
    if report.empty:
        return report, PartResult("scan", "skipped", targets=(str(target),), note="no ELF file")
    core = report.core()
    return report, PartResult("scan", core.result, len(core.items), (str(target),))


def inspect_part(options: CheckOptions) -> tuple[InspectReport | None, PartResult]:
    """Inspect the image built today (skipped without --image)."""
    from ..inspection import InspectOptions, run

    if options.image is None:
        return None, PartResult(
            "inspect",
            "skipped",
            note="no --image: today's size from the Dockerfile's base (knowledge data)",
        )
    try:
        report = run(InspectOptions(target=options.image, image=options.image_options))
    except AlpineReadyError as exc:
        return None, PartResult("inspect", "error", note=str(exc))
    return report, PartResult("inspect", "pass", len(report.core().items), (options.image,))


def base_manifests(
    refs: list[str], options: CheckOptions
) -> tuple[dict[str, int], list[str], list[str]]:
    """The compressed size of each base from its registry manifest (nothing downloaded).

    Returns (ref -> compressed bytes, refs read, why others could not be). Not asked
    offline (``--offline`` or ``$ALPINE_READY_OFFLINE``): the caller falls back to the
    knowledge data and says so.
    """
    from ..inspection import InspectOptions, run

    sizes: dict[str, int] = {}
    failed: list[str] = []
    for ref in dict.fromkeys(refs):
        try:
            report = run(InspectOptions(target=ref, image=options.image_options, layers=False))
        except AlpineReadyError as exc:
            log.info("%s: no registry manifest (%s)", ref, exc)
            failed.append(f"{ref}: {exc}")
            continue
        if report.compressed is not None:
            sizes[ref] = report.compressed
    return sizes, list(sizes), failed


__all__ = [
    "Translated",
    "base_manifests",
    "deps_part",
    "find_dockerfiles",
    "inspect_part",
    "lint_part",
    "scan_part",
    "translate_part",
]


def verify_part(
    root: Path, options: CheckOptions, alpine: str, scan: ScanReport | None
) -> tuple[VerifyReport | None, PartResult]:
    """Run what scan judged in a real Alpine userland (skipped without ``--verify``)."""
    choice = options.verify
    if choice is None:
        return None, PartResult("verify", "skipped", note="no --verify")
    if scan is None or scan.empty:
        return None, PartResult("verify", "skipped", note="no ELF file to load")
    from ..verify import VerifyOptions, run

    target: str | Path = options.image if options.image is not None else root
    try:
        report = run(
            VerifyOptions(
                target=target,
                alpine=alpine if choice.against is None else None,
                against=choice.against,
                network=choice.network,
                repositories=choice.repositories,
                allow_untrusted=choice.allow_untrusted,
                progress=options.progress,
                image=options.image_options,
            )
        )
    except AlpineReadyError as exc:
        return None, PartResult("verify", "error", note=str(exc))
    core = report.core()
    agree = sum(1 for f in report.files if f.agrees)
    note = f"{agree} of {len(report.files)} files agree with scan's prediction"
    return report, PartResult("verify", core.result, len(core.items), (str(target),), note)
