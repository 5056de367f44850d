"""``alpine-ready rule``: what a lint rule (or any item code) means."""

from __future__ import annotations

import argparse

from ..cli.parser import describe
from ..errors import InputError
from . import common

EPILOG = """\
examples:
  alpine-ready rule AR101
  alpine-ready rule apk-add-without-no-cache
  alpine-ready rule AR404                  # an item code of scan, deps or translate
  alpine-ready rule --list
"""


def configure(p: argparse.ArgumentParser) -> None:
    """Rule's description and arguments."""
    describe(
        p,
        "Print a lint rule's documentation: code, name, severity, category, "
        "hadolint mapping, fix safety, options, what it flags, why, an example "
        "and what to write instead. Item codes of scan (AR4xx), deps (AR5xx), "
        "translate (AR6xx) and inspect (AR7xx) are explained too.",
        EPILOG,
    )
    p.add_argument(
        "rule",
        metavar="CODE",
        nargs="?",
        default=None,
        help="a rule code (AR101) or name (apk-add-without-no-cache), or an item code (AR404)",
    )
    p.add_argument("--list", action="store_true", help="list every rule")
    common.add_output(p, "rule")


def execute(args: argparse.Namespace) -> int:
    """The rule's (or every rule's) documentation in --format."""
    from ..lint.report import RuleReport
    from ..lint.rules import RULES, rule

    if args.list == (args.rule is not None):
        raise InputError("rule: give one rule code or name, or --list")
    if args.list:
        report = RuleReport(tuple(r.meta for r in RULES), listing=True)
    else:
        found = rule(args.rule)
        if found is None:
            return _code(args)
        report = RuleReport((found.meta,), listing=False)
    common.emit_report(args, report)
    return common.EXIT_OK


def _code(args: argparse.Namespace) -> int:
    """An item code of scan, deps, translate or inspect, explained (in --format)."""
    from ..lint.report import RuleReport
    from ..report.codes import lookup

    info = lookup(args.rule)
    if info is None:
        raise InputError(f"{args.rule}: no such rule (alpine-ready rule --list shows them)")
    common.emit_report(args, RuleReport((), listing=False, code=info))
    return common.EXIT_OK
