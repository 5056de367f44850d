"""``translate --format dockerfile`` (the new Dockerfile) and ``--format diff``."""

from __future__ import annotations

from ..report.base import Report
from ..translate.report import TranslateReport
from .base import RenderOptions
from .tables.translate import render_diff as _diff


def render(report: Report, options: RenderOptions) -> str:
    """The translated Dockerfile, exactly as it would be written."""
    del options
    assert isinstance(report, TranslateReport)
    return report.text


def render_diff(report: Report, options: RenderOptions) -> str:
    """A unified diff from the original Dockerfile ("" when nothing changed)."""
    del options
    assert isinstance(report, TranslateReport)
    return _diff(report)
