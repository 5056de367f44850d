"""The JSON renderer: the report's versioned contract, as text."""

from __future__ import annotations

import json

from ..report.model import ScanReport


def render(report: ScanReport) -> str:
    """Stable, indented JSON (keys in contract order)."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
