"""Terminal renderer for ``fleet``: the fleet's figures, the blockers, one line per image."""

from __future__ import annotations

from ...fleet.model import Readiness
from ...fleet.report import FleetReport
from ...report.level import Level
from ..text import Styled, lines_text
from .inspect import size

_WORD = {
    Readiness.READY: "ready",
    Readiness.READY_WITH_CHANGES: "changes",
    Readiness.NOT_RECOMMENDED: "not-rec",
    Readiness.FAILED: "FAILED",
}
_LEVEL = {
    Readiness.READY: Level.OK,
    Readiness.READY_WITH_CHANGES: Level.WARNING,
    Readiness.NOT_RECOMMENDED: Level.ERROR,
    Readiness.FAILED: Level.ERROR,
}
BLOCKERS_SHOWN = 10
IMAGES_SHOWN = 200  # without --all


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render(
    rep: FleetReport, *, verbose: bool = False, width: int = 100, color: bool = False
) -> str:
    """The fleet report as text."""
    s = rep.summary()
    st = rep.stats
    out: list[str | Styled] = [
        f"alpine-ready fleet {rep.target}  ({rep.source}, {s['images']} images)",
        "",
    ]
    out.append(
        f"ready {s['ready']} · ready with changes {s['ready_with_changes']} · "
        f"not recommended {s['not_recommended']}"
        + (f" · failed {s['failed']}" if s["failed"] else "")
    )
    out.append(
        f"size today {size(s['size_today'])} · estimated saving {size(s['bytes_saved'])} "
        "(images ready, with or without changes)"
    )
    out.append(
        f"layers: {st.distinct_layers} distinct of {st.layer_refs} (dedupe {st.dedupe_ratio}x); "
        f"this run: {st.layer_tasks} layers analysed, {st.image_tasks} images judged, "
        f"{st.images_reused} reused, {size(st.bytes_fetched)} fetched, {st.seconds:.1f}s "
        f"({st.runner})"
    )
    if rep.blockers:
        out += ["", "blockers, by images blocked:"]
        shown = rep.blockers if verbose else rep.blockers[:BLOCKERS_SHOWN]
        for b in shown:
            out.append(f"  {b.images:>5}  {b.code}  {_cut(b.message, width - 15)}")
        if len(shown) < len(rep.blockers):
            out.append(f"  … {len(rep.blockers) - len(shown)} more (--all)")
    out += ["", f"{'readiness':<9} {'size':>8} {'saving':>8}  image  (top blocker)"]
    images = rep.images if verbose else rep.images[:IMAGES_SHOWN]
    for image in images:
        v = image.verdict
        top = v.error or (v.top_blocker.message if v.top_blocker else "")
        line = f"{_WORD[v.readiness]:<9} {size(v.uncompressed):>8} {size(v.saving):>8}  {image.ref}"
        if top:
            line += f"  ({_cut(top, max(20, width - len(line) - 3))})"
        out.append(Styled(line, _LEVEL[v.readiness]) if color else line)
    if len(images) < len(rep.images):
        out.append(f"… {len(rep.images) - len(images)} more images (--all)")
    for w in rep.warnings:
        out.append(f"warning: {w}")
    return lines_text(out, color=color)
