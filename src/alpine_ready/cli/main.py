"""``alpine-ready``: the command line.  Parses arguments, calls ``run``, prints.

Exit codes: 0 ready (nothing at or above ``--fail-on``), 1 findings at or above
it, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .. import __version__, inspection, knowledge
from ..errors import InputError
from ..inputs.image.model import Platform
from ..inputs.image.source import ImageOptions, default_cache_dir
from ..inspection import InspectOptions
from ..render import inspect_table
from ..report.model import Verdict

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
    scan.add_argument("target", metavar="TARGET",
                      help="a directory (walked recursively), one file, or an image: "
                           "docker://REG/REPO:TAG, alpine:3.20, docker-archive:FILE, "
                           "oci:DIR[:TAG], oci-archive:FILE")
    where = scan.add_mutually_exclusive_group()
    where.add_argument("--alpine", metavar="RELEASE", default=None,
                       help=f"built-in bare Alpine profile to predict against "
                            f"(default {knowledge.default_release()}; built in: {releases})")
    where.add_argument("--against", metavar="ROOTFS|IMAGE", default=None,
                       help="a real Alpine root filesystem or image to predict against (its "
                            "own musl, ld-musl path file and libraries)")
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
    _image_options(scan)

    insp = sub.add_parser(
        "inspect", help="what an image or root filesystem is: OS, libc, packages, sizes, "
                        "layers, waste",
        description="Describe an image (or a root filesystem directory) without a Docker "
                    "daemon: OS and version, libc, packages, compressed and uncompressed "
                    "size, per layer facts, and waste (copies overwritten or deleted by later "
                    "layers, package-manager caches, build dependencies left installed).",
        epilog=INSPECT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    insp.add_argument("target", metavar="TARGET",
                      help="an image (docker://…, alpine:3.20, docker-archive:FILE, "
                           "oci:DIR[:TAG], oci-archive:FILE) or a root filesystem directory")
    _output_options(insp)
    insp.add_argument("--manifest-only", action="store_true",
                      help="read manifests only: compressed sizes, nothing downloaded")
    _image_options(insp)

    cmp_ = sub.add_parser(
        "compare", help="images side by side: sizes, layers, packages, libc, ratio to the first",
        description="Compare images (or root filesystems) side by side, with the ratio of "
                    "each size to the first -- e.g. compare alpine:3.19 debian:bookworm-slim.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    cmp_.add_argument("targets", metavar="TARGET", nargs="+", help="two or more images/rootfs")
    _output_options(cmp_)
    cmp_.add_argument("--manifest-only", action="store_true",
                      help="compressed sizes from the manifests alone (fast: no layer "
                           "download; uncompressed sizes unknown)")
    _image_options(cmp_)

    from ..deps.report import FAIL_ON_CHOICES

    deps = sub.add_parser(
        "deps", help="will pip install / npm ci of a project's dependencies work on Alpine?",
        description="Check every Python and Node dependency of PATH against its registry, "
                    "before anyone builds. Python (requirements*.txt, pyproject.toml, "
                    "uv.lock, poetry.lock, pylock.toml, Pipfile.lock): does the pinned "
                    "version have a musllinux or pure wheel for the target, or must pip "
                    "compile it, or can it not be installed at all? Node (package-lock.json, "
                    "npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, node_modules): is there "
                    "a musl build of every native addon, or does it compile, download at "
                    "install time, or ship glibc only?",
        epilog=DEPS_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    deps.add_argument("path", metavar="PATH",
                      help="a project directory, one dependency file, an installed "
                           "environment (venv, site-packages, node_modules), or an image "
                           "(docker://REF, oci:DIR, docker-archive:FILE, NAME:TAG)")
    deps.add_argument("--python", default=None,
                      help="target CPython X.Y (default: the Python of an installed "
                           "environment in PATH, else 3.12)")
    deps.add_argument("--arch", choices=("x86_64", "aarch64"), default="x86_64",
                      help="target architecture (default x86_64)")
    deps.add_argument("--alpine", metavar="RELEASE", default=None,
                      help=f"Alpine release whose musl decides the musllinux levels "
                           f"(default {knowledge.default_release()}; built in: {releases})")
    deps.add_argument("--index-url", default=None,
                      help="package index (Simple API) instead of the inputs' own or PyPI")
    deps.add_argument("--extra-index-url", action="append", default=[], metavar="URL",
                      help="another index to look in (repeatable)")
    deps.add_argument("--npm-registry", metavar="URL", default=None,
                      help="npm registry (default: registry= in .npmrc, else "
                           "https://registry.npmjs.org/)")
    deps.add_argument("--no-resolve", dest="resolve", action="store_false",
                      help="do not resolve unpinned Python requirements with uv (check each "
                           "at its newest matching release instead)")
    deps.add_argument("--no-dev", dest="include_dev", action="store_false",
                      help="leave out Node dev dependencies (as npm ci --omit=dev)")
    deps.add_argument("--offline", action="store_true",
                      help="use only the response cache; say what could not be checked")
    deps.add_argument("--cache-dir", type=Path, default=None,
                      help="response cache (default ~/.cache/alpine-ready/index, npm answers "
                           "in ~/.cache/alpine-ready/npm)")
    deps.add_argument("--format", choices=("table", "json"), default="table",
                      help="output format (default table)")
    deps.add_argument("-o", "--output", type=Path, default=None,
                      help="write the report to this file instead of stdout")
    deps.add_argument("--fail-on", choices=[s.value for s in FAIL_ON_CHOICES],
                      default="unavailable",
                      help="exit 1 when any package is at or above this status's rank "
                           "(default unavailable; see the order below)")
    deps.add_argument("--all", dest="show_all", action="store_true",
                      help="table: list the fine packages too")
    deps.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                      help="progress on stderr (default: when stderr is a terminal)")
    return parser


DEPS_EPILOG = """\
statuses, best to worst (the --fail-on order; a rank fails with everything above it):
  0  musl-wheel            Python: a musllinux wheel for the pinned version and target
     pure                  Python: a pure-Python (none-any) wheel
     musl-build            Node: a -musl platform package or musl prebuild is used
     portable              Node: pure JavaScript, or one static build for both libcs
  1  upgrade               the pinned version has no musl build; a newer one has
     downloads-at-install  Node: fetches its binary from outside the registry at
                           install time (cannot be checked; may compile instead)
  2  source-build          Python: only an sdist: pip compiles it (apk add build-base…)
     builds-from-source    Node: node-gyp compiles it (apk add python3 make g++)
  3  unavailable           cannot be installed for this target
     glibc-only            Node: only glibc builds: fails or crashes on Alpine
     lockfile-problem      Node: a musl build exists but the lockfile lacks it
  unknown and unchecked (registry not answering, URL/path/VCS requirements) never fail.

Unpinned Python requirements are resolved with uv, wheels only (nothing is built or run):
the glibc resolution gives the versions checked, the musl one shows silent downgrades.
Without uv (pip install 'alpine-ready[resolve]') each is checked at its newest release.
In a project directory a lockfile wins over requirements files and node_modules.

examples:
  alpine-ready deps .
  alpine-ready deps requirements.txt --python 3.11 --arch aarch64
  alpine-ready deps uv.lock --offline --format json -o deps.json
  alpine-ready deps package-lock.json --no-dev --fail-on builds-from-source
  alpine-ready deps ./node_modules
  alpine-ready deps docker-archive:app.tar        # what is installed in an image
"""


INSPECT_EPILOG = """\
examples:
  alpine-ready inspect alpine:3.20
  alpine-ready inspect docker-archive:app.tar --format json
  alpine-ready inspect --platform linux/arm64 docker://ghcr.io/org/app:1.2
  alpine-ready inspect ./extracted-rootfs
"""


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="output format (default table)")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="write the report to this file instead of stdout")
    p.add_argument("--all", dest="show_all", action="store_true",
                   help="table: show every waste item and full history lines")
    p.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="progress on stderr (default: when stderr is a terminal)")


def _image_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("images")
    g.add_argument("--platform", default="linux/amd64",
                   help="OS/ARCH[/VARIANT] to pick from a multi-platform image "
                        "(default linux/amd64)")
    g.add_argument("--cache-dir", type=Path, default=None,
                   help="blob and layer-analysis cache (default ~/.cache/alpine-ready)")
    g.add_argument("--tls-verify", choices=("true", "false"), default="true",
                   help="verify registry TLS certificates (default true; localhost and "
                        "127.0.0.0/8 registries use plain HTTP, as Docker does)")


def image_options(args: argparse.Namespace) -> ImageOptions:
    """ImageOptions from the parsed image flags."""
    try:
        platform = Platform.parse(args.platform)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    cache = args.cache_dir if args.cache_dir is not None else default_cache_dir()
    return ImageOptions(platform=platform, cache_dir=cache, tls_verify=args.tls_verify == "true")


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


def _emit(args: argparse.Namespace, text: str) -> None:
    if args.output is not None:
        try:
            args.output.write_text(text)
        except OSError as exc:
            raise InputError(f"{args.output}: cannot write: {exc.strerror}") from None
    else:
        sys.stdout.write(text)


def _inspect(args: argparse.Namespace) -> int:
    opts = InspectOptions(target=args.target, image=image_options(args),
                          layers=not args.manifest_only,
                          progress=_progress_printer(args.progress))
    rep = inspection.run(opts)
    _emit(args, json.dumps(rep.to_json(), indent=2) + "\n" if args.format == "json"
          else inspect_table.render(rep, verbose=args.show_all))
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    opts = InspectOptions(target="", image=image_options(args), layers=not args.manifest_only,
                          progress=_progress_printer(args.progress))
    rep = inspection.compare(list(args.targets), opts)
    _emit(args, json.dumps(rep.to_json(), indent=2) + "\n" if args.format == "json"
          else inspect_table.render_compare(rep))
    return EXIT_OK


def _scan(args: argparse.Namespace) -> int:
    # imported here: inspect and compare never load the loader model
    from ..render import json_render, table
    from ..scan import ScanOptions, run

    if args.jobs < 0:
        raise InputError(f"--jobs {args.jobs}: must be 0 (auto) or more")
    options = ScanOptions(
        target=args.target, alpine=args.alpine, against=args.against, layout=args.layout,
        mount_at=args.mount_at, library_path=args.library_path,
        fail_on=Verdict.parse(args.fail_on), jobs=args.jobs,
        progress=_progress_printer(args.progress), image=image_options(args))
    report = run(options)
    _emit(args, json_render.render(report) if args.format == "json"
          else table.render(report, verbose=args.show_all))
    return EXIT_FINDINGS if report.failed else EXIT_OK


def _deps(args: argparse.Namespace) -> int:
    from ..deps.check import DepsOptions, run
    from ..deps.report import DepStatus
    from ..render import deps_table

    options = DepsOptions(
        path=args.path, python=args.python, arch=args.arch, alpine=args.alpine,
        index_url=args.index_url, extra_index_urls=tuple(args.extra_index_url),
        offline=args.offline, cache_dir=args.cache_dir, fail_on=DepStatus.parse(args.fail_on),
        npm_registry=args.npm_registry, include_dev=args.include_dev, resolve=args.resolve,
        progress=_progress_printer(args.progress))
    report = run(options)
    _emit(args, json.dumps(report.to_json(), indent=2) + "\n" if args.format == "json"
          else deps_table.render(report, verbose=args.show_all))
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
        if args.command == "inspect":
            return _inspect(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "deps":
            return _deps(args)
    except InputError as exc:
        print(f"alpine-ready: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("alpine-ready: interrupted", file=sys.stderr)
        return 130
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
