"""``alpine-ready``: the command line.  Parses arguments, calls ``run``, prints.

Exit codes: 0 ready (nothing at or above ``--fail-on``), 1 findings at or above
it, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .. import __version__, knowledge
from ..errors import InputError
from ..render import json_render, table
from ..report.model import Verdict
from ..scan import ScanOptions, run

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

SCAN_EPILOG = """\
verdicts, best to worst:
  ok              loads on the target as it is
  needs-packages  only missing libraries that Alpine packages provide (apk add …)
  needs-gcompat   a glibc build that loads once gcompat is installed
  incompatible    symbols neither musl nor gcompat provide, IFUNC, missing interpreter…

TARGET layouts:
  A root filesystem (etc/os-release + lib/) is the system itself: its own
  libraries are found on the default path.  Any other directory is an
  application tree placed at --mount-at on the target: only rpaths
  ($ORIGIN…) and --library-path reach the libraries inside it.

examples:
  alpine-ready scan ./dist                      # an app tree, against Alpine {default}
  alpine-ready scan --against ./alpine-rootfs ./dist
  alpine-ready scan --format json ./rootfs > report.json
  alpine-ready scan --fail-on needs-gcompat ./venv/lib/python3.12/site-packages
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to check README drift)."""
    parser = _Parser(
        prog="alpine-ready",
        description="Will it still work on Alpine (musl)? Predicts, with proof, what breaks "
                    "when a container moves to an Alpine base.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    releases = ", ".join(knowledge.releases())
    scan = sub.add_parser(
        "scan", help="predict, per ELF file, whether Alpine's musl loader will load it",
        description="Read every ELF file under TARGET and predict, at symbol level, whether "
                    "Alpine's musl loader will load it -- and why not, and what to do.",
        epilog=SCAN_EPILOG.format(default=knowledge.default_release()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    scan.add_argument("target", metavar="TARGET", type=Path,
                      help="a directory (walked recursively) or one file")
    where = scan.add_mutually_exclusive_group()
    where.add_argument("--alpine", metavar="RELEASE", default=None,
                       help=f"built-in bare Alpine profile to predict against "
                            f"(default {knowledge.default_release()}; built in: {releases})")
    where.add_argument("--against", metavar="ROOTFS", type=Path, default=None,
                       help="a real Alpine root filesystem to predict against (its own musl, "
                            "ld-musl path file and libraries)")
    scan.add_argument("--layout", choices=("auto", "rootfs", "app"), default="auto",
                      help="treat TARGET as a root filesystem or an application tree "
                           "(default: auto-detect)")
    scan.add_argument("--mount-at", metavar="DIR", default="/app",
                      help="where an application tree sits on the target (default /app)")
    scan.add_argument("--library-path", metavar="PATHS", default=None,
                      help="LD_LIBRARY_PATH on the target (colon-separated)")
    scan.add_argument("--format", choices=("table", "json"), default="table",
                      help="output format (default table)")
    scan.add_argument("--fail-on", choices=[v.value for v in Verdict][1:],
                      default=Verdict.INCOMPATIBLE.value,
                      help="exit 1 when any file is at or above this verdict "
                           "(default incompatible)")
    scan.add_argument("-j", "--jobs", type=int, default=0,
                      help="worker processes (default: one per CPU)")
    scan.add_argument("--all", dest="show_all", action="store_true",
                      help="table: list every file, ok ones too")
    scan.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                      help="progress on stderr (default: when stderr is a terminal)")
    scan.add_argument("-o", "--output", type=Path, default=None,
                      help="write the report to this file instead of stdout")
    return parser


def _progress_printer(mode: str):  # type: ignore[no-untyped-def]
    enabled = mode == "always" or (mode == "auto" and sys.stderr.isatty())
    if not enabled:
        return None
    last = [0.0]

    def show(done: int, total: int | None, message: str) -> None:
        now = time.monotonic()
        if total is not None and done != total and now - last[0] < 0.1:
            return
        last[0] = now
        text = f"{message}: {done}/{total}" if total is not None else message
        print(f"\r\033[K{text}", end="" if total is None or done < total else "\n",
              file=sys.stderr, flush=True)

    return show


def _scan(args: argparse.Namespace) -> int:
    if args.jobs < 0:
        raise InputError(f"--jobs {args.jobs}: must be 0 (auto) or more")
    options = ScanOptions(
        target=args.target, alpine=args.alpine, against=args.against, layout=args.layout,
        mount_at=args.mount_at, library_path=args.library_path,
        fail_on=Verdict.parse(args.fail_on), jobs=args.jobs,
        progress=_progress_printer(args.progress))
    report = run(options)
    text = (json_render.render(report) if args.format == "json"
            else table.render(report, verbose=args.show_all))
    if args.output is not None:
        try:
            args.output.write_text(text)
        except OSError as exc:
            raise InputError(f"{args.output}: cannot write: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
    return EXIT_FINDINGS if report.failed else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``alpine-ready`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        if args.command == "scan":
            return _scan(args)
    except InputError as exc:
        print(f"alpine-ready: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("alpine-ready: interrupted", file=sys.stderr)
        return 130
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
