"""``--format csv``: one row per image (fleet), for spreadsheets and ``sort``.

RFC 4180 through the standard ``csv`` module (every field quoted when needed, CRLF
line ends).  A cell that starts like a spreadsheet formula (``=``, ``+``, ``-``,
``@``, tab, CR) gets a leading ``'`` (OWASP's CSV-injection advice): image names
and blocker texts come from registries.
"""

from __future__ import annotations

import csv
import io

from ..guard import printable
from ..report.base import Report
from .base import RenderOptions

COLUMNS = (
    "image",
    "manifest_digest",
    "readiness",
    "os",
    "libc",
    "compressed",
    "size_today",
    "alpine_estimate",
    "estimated_saving",
    "top_blocker",
    "blockers",
    "error",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else printable(str(value))
    return "'" + text if text.startswith(_FORMULA) else text


def render(report: Report, options: RenderOptions) -> str:
    """The fleet report as CSV: a header, then one row per image."""
    from ..fleet.report import FleetReport

    assert isinstance(report, FleetReport)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for image in report.images:
        v = image.verdict
        top = v.top_blocker
        writer.writerow(
            [
                _cell(x)
                for x in (
                    image.ref,
                    v.manifest_digest,
                    v.readiness.value,
                    v.os,
                    v.libc,
                    v.compressed,
                    v.uncompressed,
                    v.alpine_estimate,
                    v.saving,
                    top.message if top else "",
                    len(v.blockers),
                    v.error,
                )
            ]
        )
    return buf.getvalue()
