"""The per-image decision: :func:`judge_image` -> :class:`~.model.ImageVerdict`.

This is the fleet's one seam with "what should this image do?".  Today it is made from
what the project already computes for one image:

- the scan engine's per-file verdicts over the image's final filesystem
  (:func:`alpine_ready.analysis.scan.judge_image`), of the files the application
  brought (``owner`` ``app``): files of the OS packages are replaced by Alpine's own
  packages when the base changes, so they block nothing here;
- inspect's sizes and base layers (:func:`alpine_ready.inspection.inspect_image`);
- the base-image size table (``knowledge/data/base-image-sizes.json``) for Alpine's
  own size, and for a base whose layers the history does not show.

Readiness is ``alpine-ready check``'s decision for the image, by the same rules
(``knowledge/data/check-rules.json``, :func:`alpine_ready.check.decide`): the app files'
items merged as check merges them (one finding per file, or per Python distribution or
npm package), then ``fits`` -> ready, ``fits-with-changes`` -> ready with changes,
``not-recommended`` -> not recommended (a blocker without a musl way out, such as an
incompatible vendor binary; a file not analysed).  An image has no Dockerfile or
lockfile here, so the parts of check that read them (translate, lint, deps) do not run.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from ..analysis.report import BinaryReport, FileError, SkippedFile, Verdict, binary_item
from ..check.decide import decide
from ..check.merge import Keyed, merge, scan_key
from ..check.report import Decision
from ..inspection import InspectReport
from ..knowledge.checkrules import check_rules
from ..knowledge.sizes import base_image_size
from ..report.codes import info
from .model import Blocker, ImageVerdict, Readiness

#: Bump when the decision changes: stored verdicts of another version are judged again.
VERDICT_VERSION = 3  # 2: blockers named after their Python distribution; 3: check's rules
_MB = 1_000_000  # the size table's MB (as ``docker images`` shows them)
_BLOCKER_PATHS = 3
_LEVEL_RANK = {"error": 3, "warning": 2, "info": 1}
_PKG = re.compile(r"(?:site-packages|dist-packages)/([^/]+)|node_modules/((?:@[^/]+/)?[^/]+)")


def alpine_size() -> int:
    """Alpine's own image size in bytes (the size table's ``alpine``)."""
    known = base_image_size("alpine", None)
    return int(known.uncompressed_mb * _MB) if known else 8 * _MB


def blocker_subject(path: str) -> str:
    """What a file belongs to, by its path: its Python or Node package dir, else its name."""
    found = list(_PKG.finditer(path))
    if found:
        m = found[-1]  # the innermost package
        name = m.group(1) or m.group(2)
        if m.group(1):  # orjson-3.10.dist-info, pillow.libs -> the distribution's name
            name = re.split(r"[.-]", name, maxsplit=1)[0] if not name.startswith("_") else name
        return name
    return posixpath.basename(path)


def _blockers(
    app: Sequence[BinaryReport], errors: Sequence[FileError], dists: Mapping[str, str]
) -> tuple[Blocker, ...]:
    def subject_of(path: str) -> str:
        return dists.get(path.lstrip("/")) or blocker_subject(path)

    grouped: dict[str, list[BinaryReport]] = {}
    for b in app:
        if b.verdict is Verdict.OK:
            continue
        fix = b.fixes[0].description if b.fixes else ""
        key = f"{b.code}|{subject_of(b.path)}|{fix}"
        grouped.setdefault(key, []).append(b)
    out = []
    for key, files in grouped.items():
        first = files[0]
        code = info(first.code)
        subject = subject_of(first.path)
        head = first.reasons[0] if first.reasons else code.summary
        more = f" (+{len(files) - 1} more files)" if len(files) > 1 else ""
        out.append(
            Blocker(
                key=key,
                code=code.code,
                name=code.name,
                level=first.verdict.level.value,
                subject=subject,
                message=f"{subject}: {first.verdict.value} -- {head}{more}",
                fix=first.fixes[0].description if first.fixes else "",
                paths=tuple(sorted(b.path for b in files)[:_BLOCKER_PATHS]),
            )
        )
    if errors:
        code = info("AR410")
        out.append(
            Blocker(
                key=f"{code.code}|not-analysed|",
                code=code.code,
                name=code.name,
                level="error",
                subject="not analysed",
                message=f"{len(errors)} application ELF files not analysed ({errors[0].error})",
                fix="",
                paths=tuple(e.path for e in errors[:_BLOCKER_PATHS]),
            )
        )
    return tuple(sorted(out, key=lambda b: (-_LEVEL_RANK.get(b.level, 0), b.code, b.subject)))


def _saving(
    inspected: InspectReport, readiness: Readiness
) -> tuple[int | None, int | None, int, str]:
    """(base bytes, Alpine estimate, saving, how it was estimated)."""
    size = inspected.uncompressed or 0
    if inspected.libc_family == "musl":
        return None, size, 0, "already on musl (Alpine): nothing to save"
    base_layers = [la for la in inspected.layers if la.base]
    base: int | None = sum(la.uncompressed_size for la in base_layers) if base_layers else None
    basis = f"the base image's {len(base_layers)} layers (from the history)"
    if base is None and inspected.base_name:
        name, _, tag = inspected.base_name.rpartition(":")
        known = base_image_size(name.rsplit("/", 1)[-1], tag or None) if name else None
        if known is not None:
            base = int(known.uncompressed_mb * _MB)
            basis = f"{known.image} ({known.uncompressed_mb:g} MB, base-image-sizes.json)"
    if base is None:
        return None, None, 0, "base image unknown (no base layers in the history): not estimated"
    alpine = alpine_size()
    estimate = max(0, size - base) + alpine
    saving = max(0, size - estimate)
    if readiness in (Readiness.NOT_RECOMMENDED, Readiness.FAILED):
        basis += "; not counted in the fleet's total (not recommended)"
    return base, estimate, saving, f"{basis} replaced by alpine ({alpine // _MB} MB)"


_READINESS = {
    Decision.FITS: Readiness.READY,
    Decision.FITS_WITH_CHANGES: Readiness.READY_WITH_CHANGES,
    Decision.NOT_RECOMMENDED: Readiness.NOT_RECOMMENDED,
}


def _readiness(app: Sequence[BinaryReport], errors: Sequence[FileError]) -> Readiness:
    """The decision of check's rules over the app files' items (a file not analysed blocks)."""
    if errors:
        return Readiness.NOT_RECOMMENDED
    keyed = [
        Keyed("scan", scan_key(item, None, set(), set()), item)
        for item in (binary_item(b) for b in app if b.verdict is not Verdict.OK)
    ]
    limit = check_rules().max_source_builds  # (source builds are deps' findings: none here)
    decision, _reasons = decide(merge(keyed), (), dockerfile_changes=0, max_source_builds=limit)
    return _READINESS[decision]


def judge_image(
    manifest_digest: str,
    files: Sequence[BinaryReport | SkippedFile | FileError],
    inspected: InspectReport,
    dists: Mapping[str, str] | None = None,
) -> ImageVerdict:
    """The decision for one image from scan's per-file results and inspect's report.

    ``files``: what :func:`alpine_ready.analysis.scan.judge_image` returns for the image
    (each judged file carries its owner).  ``dists``: file path -> the Python
    distribution whose RECORD lists it (:func:`~alpine_ready.inputs.pydist.image_distributions`):
    a blocker is named after it (``pillow``, not ``PIL`` and ``pillow.libs``).
    """
    app = [f for f in files if isinstance(f, BinaryReport) and f.owner == "app"]
    errors = [f for f in files if isinstance(f, FileError) and not f.expected]
    readiness = _readiness(app, errors)
    base, estimate, saving, basis = _saving(inspected, readiness)
    counts = Counter(b.verdict.value for b in app)
    os_name = " ".join(x for x in (inspected.os_id, inspected.os_version) if x) or None
    return ImageVerdict(
        manifest_digest=manifest_digest,
        readiness=readiness,
        os=os_name,
        libc=inspected.libc_family,
        compressed=inspected.compressed or 0,
        uncompressed=inspected.uncompressed or 0,
        base_bytes=base,
        alpine_estimate=estimate,
        saving=saving,
        saving_basis=basis,
        app_files={v.value: counts.get(v.value, 0) for v in Verdict},
        blockers=_blockers(app, errors, dists or {}),
    )
