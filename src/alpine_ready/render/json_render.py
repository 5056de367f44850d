"""The JSON renderer: the report's versioned contract, as text."""

from __future__ import annotations

from ..report.model import ScanReport
from .text import json_text


def render(report: ScanReport) -> str:
    """Stable, indented JSON (keys in contract order; see :func:`.text.json_text`)."""
    return json_text(report.to_json())
