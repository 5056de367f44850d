"""``alpine-ready lint``: Dockerfiles checked for Alpine practice and musl hazards."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli import output
from ..cli.parser import describe
from ..errors import InputError
from ..report.level import Level
from . import common

EPILOG = """\
exit codes:
  0  no finding at or above --fail-on (default info, as hadolint; or the config's fail-on)
  1  findings at or above it (with --diff: there is something to fix)
  2  usage or input error: unreadable or unparsable Dockerfile, bad config (file untouched)

ignore comments, in the comment lines directly above an instruction (codes or names):
  # alpine-ready ignore=AR101,apk-add-unpinned    that instruction only
  # hadolint ignore=DL3019                         the rules mapped to DL3019, likewise
  # alpine-ready global ignore=AR102               anywhere: the whole file
                                                   (# hadolint global ignore=... too)

config: .alpine-ready.toml ([lint]) or pyproject.toml ([tool.alpine-ready.lint]), the
first found from the Dockerfile's directory up to the repository root (or --config):
  [lint]
  disable = ["AR102"]                 # codes or names
  severity = { AR101 = "warning" }
  fail-on = "warning"
  [lint.rules.AR102]                  # rule options: alpine-ready rule CODE lists them
  allow-tilde = false
.hadolint.yaml's ignored: list disables the mapped rules too (hadolint-config = false
in [lint] to stop that).

fixes: --fix applies safe fixes in place (comments, continuations, indentation and
line endings kept; written atomically); --unsafe-fixes adds the unsafe ones; --diff
prints the patch instead (apply it with patch -p0).  Findings marked [*] are fixable.

examples:
  alpine-ready lint Dockerfile
  alpine-ready lint --fix Dockerfile
  alpine-ready lint --diff Dockerfile > alpine.patch
  alpine-ready lint --format sarif -o lint.sarif Dockerfile services/*/Dockerfile
  alpine-ready lint --select AR1 --ignore AR102 --fail-on warning Dockerfile
  alpine-ready lint - < Dockerfile    # standard input, as with hadolint
  alpine-ready rule AR101             # what a rule flags, why, and what to write instead
"""

#: lint's severities are the shared levels
FAIL_ON = {"style": Level.STYLE, "info": Level.INFO, "warning": Level.WARNING, "error": Level.ERROR}


def configure(p: argparse.ArgumentParser) -> None:
    """Lint's description and arguments."""
    describe(
        p,
        "Check Dockerfiles for the Alpine practice (apk hygiene), the musl "
        "hazards (glibc binaries, wheels without musl builds, ...) and the "
        "base images, with safe fixes. hadolint's apk rules are covered and "
        "mapped (its ignore comments and .hadolint.yaml ignores are honoured).",
        EPILOG,
    )
    p.add_argument(
        "paths",
        metavar="DOCKERFILE",
        nargs="+",
        help="Dockerfiles to lint ('-' reads one from standard input)",
    )
    common.add_output(p, "lint", output_help="write the report (or the --diff patch) to this file")
    common.add_fail_on(
        p,
        default=None,
        names=FAIL_ON,
        what="finding",
        default_help="default: the config's fail-on, else info",
    )
    p.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODES",
        help="only these rules: codes, names, code prefixes (AR1) or "
        "categories (apk, musl, base), comma-separated, repeatable; rules off by "
        "default (AR102) run only when selected or enabled in the config",
    )
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODES",
        help="leave these rules out (same forms as --select)",
    )
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="the config file to use (.alpine-ready.toml or pyproject.toml) "
        "instead of looking for one",
    )
    p.add_argument("--fix", action="store_true", help="apply the safe fixes to the files in place")
    p.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix/--diff, apply the unsafe fixes too"
    )
    p.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff instead of writing them",
    )
    p.add_argument(
        "--offline",
        action="store_true",
        help="pip install checks and Alpine's package index (AR108, AR109) use only the cache",
    )
    common.add_mirror(p, "AR108 and AR109 check apk add against")
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="pip index response cache (default ~/.cache/alpine-ready/index)",
    )


def _read_stdin_dockerfile() -> bytes:
    """The Dockerfile ``-`` names: standard input, at most one byte past the size limit.

    (The parser refuses it with the limit's message when that byte is there.)
    """
    from ..dockerfile import MAX_BYTES

    if sys.stdin is None:
        raise InputError("-: standard input is closed")
    try:
        return sys.stdin.buffer.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"-: cannot read standard input ({exc.strerror or exc})") from None


def execute(args: argparse.Namespace) -> int:
    """Lint (fix, diff), emit; 1 on findings at or above --fail-on (--diff: a patch)."""
    from ..lint.engine import LintOptions, RuleCrash, run
    from ..lint.model import Severity

    stdin = _read_stdin_dockerfile() if "-" in args.paths else None
    options = LintOptions(
        paths=tuple(args.paths),
        config=args.config,
        fail_on=Severity.parse(args.fail_on) if args.fail_on else None,
        select=common.codes(args.select),
        ignore=common.codes(args.ignore),
        fix=args.fix,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
        offline=args.offline,
        mirror=args.mirror,
        cache_dir=args.cache_dir,
        stdin=stdin,
    )
    try:
        report = run(options)
    except RuleCrash as exc:
        output.say(f"alpine-ready: error: {exc}")
        return common.EXIT_ERROR
    if args.diff:
        output.emit(args.output, report.diff)
        s = report.summary
        output.say(
            f"would fix {s.fixed} finding(s) in "
            f"{sum(1 for f in report.files if f.diff)} file(s); {s.findings} would "
            "remain"
        )
        return common.EXIT_FINDINGS if report.diff else common.EXIT_OK
    return common.finish(args, report)
