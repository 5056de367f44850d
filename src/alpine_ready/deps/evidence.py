"""What an installed copy proves: the ELF verdicts of a distribution found installed.

An installed environment (:mod:`.sources.site_packages`) or an image
(:mod:`.sources.image`) holds copies whose ELF files the scan engine judged.  Each
copy's :class:`Evidence` is the reasons it gives and whether it does not load on musl;
:func:`with_evidence` puts it on the index's verdict for that copy (a broken copy
overrules a fine index answer: it was built for glibc).
"""

from __future__ import annotations

import dataclasses

from ..analysis.report import Verdict
from ..report.item import Fix, FixKind
from .report import DepStatus, PackageResult
from .requirement import Evidence

__all__ = ["Evidence", "elf_proof", "with_evidence"]


def elf_proof(
    count: int, worst: Verdict, where: str, path: str, reason: str | None
) -> tuple[str, bool]:
    """The line an installed copy's ELF files give, and whether the copy fails on musl.

    One wording for installed environments and images: a copy whose worst file needs
    gcompat or is incompatible does not load on a bare Alpine.
    """
    text = f"its {count} ELF file(s){where} on Alpine: worst {worst.value}"
    if worst is not Verdict.OK and reason:
        text += f" ({path}: {reason})"
    return text, worst.rank >= Verdict.NEEDS_GCOMPAT.rank


def with_evidence(row: PackageResult, proof: Evidence | None) -> PackageResult:
    """An installed distribution's row: the index's answer, overruled by a broken copy."""
    if proof is None:
        return row
    if not proof.broken:
        return dataclasses.replace(row, reasons=(*row.reasons, *proof.reasons))
    if row.status in (DepStatus.MUSL_WHEEL, DepStatus.PURE):
        command = f"pip install --force-reinstall {row.name}=={row.version}"
        text = (
            f"reinstall it on Alpine ({command} in the Alpine build stage): the index "
            f"has a wheel for musl"
        )
        fix = Fix(FixKind.COMMAND, text, text=command, packages=(row.name,))
    else:
        text = "install it in the Alpine build stage instead of copying it in"
        fix = Fix(FixKind.COMMAND, text)
    return dataclasses.replace(
        row,
        status=DepStatus.GLIBC_ONLY,
        reasons=(*proof.reasons, *row.reasons),
        fixes=(text, *row.fixes),
        actions=(fix, *row.actions),
    )
