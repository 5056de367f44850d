"""``--format json``: a report's versioned JSON contract, written by the one encoder.

One encoder for every command (:func:`~.text.json_text`): UTF-8 with non-ASCII kept as
it is, keys in the contract's order, two-space indentation, and nothing a terminal
obeys left raw.
"""

from __future__ import annotations

from ..report.base import Report
from .base import RenderOptions
from .text import json_text


def render(report: Report, options: RenderOptions) -> str:
    """``report.to_json()`` as text."""
    del options  # JSON is always complete
    return json_text(report.to_json())
