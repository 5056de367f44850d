"""A container image: the Python distributions and native Node packages installed in it.

Not a file: an image reference (``docker://REF``, ``oci:DIR``, ``docker-archive:FILE``,
``NAME:TAG`` that is no path).  :mod:`..image_inputs` reads the image as ``scan``
does; this source makes its Python distributions pinned requirements whose ELF
verdicts are their evidence (:class:`ImageInput`), and keeps the Node rows the scan
engine judged from the ``.node`` files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name

from ...errors import InputError
from ...guard import printable
from ...inputs.target import TargetKind, classify
from ..evidence import elf_proof
from ..report import PackageResult
from ..requirement import Evidence, ParsedInput, Requirement


@dataclass(frozen=True)
class ImageInput:
    """What an image holds: its Python distributions (an input) and judged Node rows."""

    reference: str
    python: ParsedInput  # kind site-packages; its evidence from the ELF verdicts
    node_rows: tuple[PackageResult, ...]
    python_version: str | None  # X.Y of the newest pythonX.Y with a site-packages
    notes: tuple[str, ...]


def is_image(target: str) -> bool:
    """Whether TARGET names an image, as :func:`~alpine_ready.inputs.target.classify` decides.

    (The one classifier of every command: an existing path wins over an image name.)
    """
    try:
        return classify(target).kind is TargetKind.IMAGE
    except InputError:  # neither: the path readers say what is wrong with it
        return False


def _evidence(d: Any, source: str) -> Evidence:
    judged = list(d.elf)
    if not judged:
        return Evidence(source, (), False)
    worst = max(judged, key=lambda b: b.verdict.rank)
    line, broken = elf_proof(
        len(judged),
        worst.verdict,
        " in the image",
        worst.path,
        worst.reasons[0] if worst.reasons else None,
    )
    libcs = sorted({b.libc.value for b in judged})
    return Evidence(source, (f"installed in the image ({', '.join(libcs)} build)", line), broken)


def read_image(target: str, *, arch: str, alpine: str | None) -> ImageInput:
    """The image's installed dependencies (an :class:`InputError` when it is none)."""
    from ..image_inputs import read_image as read

    got = read(target, arch=arch, alpine=alpine)
    if got is None:  # pragma: no cover - is_image said it was one
        raise InputError(f"{printable(target)}: not an image reference")
    evidence = []
    reqs = []
    for d in got.python_dists:
        source = f"{got.reference}:/{d.dist_info}"
        evidence.append(_evidence(d, source))  # by copy: one name can be installed twice
        reqs.append(Requirement.exact(canonicalize_name(d.name), d.version, source))
    python = ParsedInput(
        got.reference, "site-packages", tuple(reqs), notes=got.notes, evidence=tuple(evidence)
    )
    return ImageInput(got.reference, python, got.node_rows, got.python_version, got.notes)
