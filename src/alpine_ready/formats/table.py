"""``--format table``: each command's report laid out for a terminal.

Dispatch is on the report's command, exhaustively (``assert_never``): a command added
to :data:`~alpine_ready.report.base.CommandName` without a table here fails mypy. Each
layout lives in :mod:`.tables` and ends in :func:`~.text.lines_text` (every line
escaped; colour, when on, only by level).
"""

from __future__ import annotations

from typing import assert_never

from ..report.base import Report
from .base import RenderOptions


def render(report: Report, options: RenderOptions) -> str:
    """``report`` as terminal text."""
    command = report.command
    if command == "scan":
        from ..analysis.report import ScanReport
        from .tables import scan

        assert isinstance(report, ScanReport)
        return scan.render(
            report, verbose=options.verbose, width=options.width, color=options.color
        )
    if command == "inspect":
        from ..inspection import InspectReport
        from .tables import inspect

        assert isinstance(report, InspectReport)
        return inspect.render(report, verbose=options.verbose, color=options.color)
    if command == "compare":
        from ..inspection import CompareReport
        from .tables import inspect

        assert isinstance(report, CompareReport)
        return inspect.render_compare(report)
    if command == "deps":
        from ..deps.report import DepsReport
        from .tables import deps

        assert isinstance(report, DepsReport)
        return deps.render(
            report, verbose=options.verbose, width=options.width, color=options.color
        )
    if command == "lint":
        from ..lint.report import LintReport
        from .tables import lint

        assert isinstance(report, LintReport)
        return lint.render(report, color=options.color)
    if command == "rule":
        from ..lint.report import RuleReport
        from .tables import rule

        assert isinstance(report, RuleReport)
        if report.code is not None:
            return rule.code_text(report.code)
        return rule.rule_list(report.rules) if report.listing else rule.rule_text(report.rules[0])
    if command == "translate":
        from ..translate.report import TranslateReport
        from .tables import translate

        assert isinstance(report, TranslateReport)
        return translate.render_text(report, width=options.width)
    if command == "check":
        from ..check.report import CheckReport
        from .tables import check

        assert isinstance(report, CheckReport)
        return check.render(
            report, verbose=options.verbose, width=options.width, color=options.color
        )
    if command == "verify":
        from ..verify.report import VerifyReport
        from .tables import verify

        assert isinstance(report, VerifyReport)
        return verify.render(report, verbose=options.verbose, color=options.color)
    if command == "fleet":
        from ..fleet.report import FleetReport
        from .tables import fleet

        assert isinstance(report, FleetReport)
        return fleet.render(
            report, verbose=options.verbose, width=options.width, color=options.color
        )
    assert_never(command)
