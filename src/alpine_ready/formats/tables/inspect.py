"""Terminal renderers for ``inspect`` and ``compare``."""

from __future__ import annotations

from ...inspection import CompareReport, InspectReport
from ...report.level import Level
from ..text import Styled, lines_text

_LAYER_CMD = 60


def size(n: int | None) -> str:
    """Human size like ``docker images``: 7.8MB, 28.1MB, 1.2GB (decimal units)."""
    if n is None:
        return "-"
    for unit, div in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= div:
            return f"{n / div:.1f}{unit}"
    return f"{n}B"


def render(rep: InspectReport, *, verbose: bool = False, color: bool = False) -> str:
    """The inspect report as text."""
    out = [f"alpine-ready inspect {rep.target}  ({rep.kind})", ""]
    osname = " ".join(x for x in (rep.os_id, rep.os_version) if x) or "unknown"
    out.append(f"os:        {osname}" + (f"  ({rep.os_name})" if rep.os_name else ""))
    out.append(
        f"libc:      {rep.libc_family}" + (f" {rep.libc_version}" if rep.libc_version else "")
    )
    out.append(
        f"size:      {size(rep.compressed)} compressed, {size(rep.uncompressed)} uncompressed"
    )
    pk = rep.package_manager or "none"
    out.append(f"packages:  {len(rep.packages)} ({pk})")
    if rep.base_layers:
        base = sum(la.uncompressed_size for la in rep.layers if la.base)
        yours = sum(la.uncompressed_size for la in rep.layers if not la.base)
        out.append(
            f"base:      {rep.base_layers} layers, {size(base)}"
            + (f" ({rep.base_name})" if rep.base_name else "")
            + f"; yours: {len(rep.layers) - rep.base_layers} layers, {size(yours)}"
        )
    if rep.layers:
        out.append("")
        out.append(
            f"{'#':>2}  {'compressed':>10}  {'size':>9}  {'+add':>6} {'~chg':>5} "
            f"{'-del':>5}  created by"
        )
        for i, la in enumerate(rep.layers, 1):
            cmd = (la.created_by or "").replace("\n", " ")
            if len(cmd) > _LAYER_CMD and not verbose:
                cmd = cmd[: _LAYER_CMD - 1] + "…"
            mark = "b" if la.base else " "
            out.append(
                f"{i:>2}{mark} {size(la.compressed_size):>10}  "
                f"{size(la.uncompressed_size):>9}  {la.added:>6} {la.changed:>5} "
                f"{la.removed:>5}  {cmd}"
            )
    out.append("")
    out.append(f"waste:     {size(rep.waste_bytes)} in {len(rep.waste)} items")
    for w in rep.waste[: None if verbose else 10]:
        out.append(f"  {size(w.bytes):>9}  {w.path}  ({w.reason})")
    if len(rep.waste) > 10 and not verbose:
        out.append(f"  … and {len(rep.waste) - 10} more (--all lists all)")
    for warning in rep.warnings:
        out.append(Styled(f"warning: {warning}", Level.WARNING))
    return lines_text(out, color=color)


def render_compare(rep: CompareReport) -> str:
    """Images side by side, ratios to the first."""
    rows = [("image", "os", "libc", "compressed", "x", "size", "x", "layers", "packages", "waste")]
    first = rep.images[0]
    for r in rep.images:
        osname = " ".join(x for x in (r.os_id, r.os_version) if x) or "?"
        libc = r.libc_family + (f" {r.libc_version}" if r.libc_version else "")
        rows.append(
            (
                r.target,
                osname,
                libc,
                size(r.compressed),
                _x(r.compressed, first.compressed),
                size(r.uncompressed),
                _x(r.uncompressed, first.uncompressed),
                str(len(r.layers)),
                str(len(r.packages)),
                size(r.waste_bytes),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i < 3 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return lines_text(lines)


def _x(a: int | None, b: int | None) -> str:
    if a is None or not b:
        return "-"
    return f"{a / b:.2f}"
