"""``alpine-ready``: the command line.  Parses arguments, calls ``run``, prints.

Exit codes: 0 ready (nothing at or above ``--fail-on``), 1 findings at or above
it, 2 usage or input error (one line on stderr, never a traceback) -- and a scan
that could not analyse every ELF file, unless ``--allow-incomplete`` --, 130 interrupted
(Ctrl-C), 128+N ended by signal N (143 SIGTERM, 129 SIGHUP: temporary files are
removed first), 141 standard output closed by its reader (``… | head``: nothing is
printed, as for ``cat`` or ``grep`` killed by SIGPIPE).

Every report, patch or Dockerfile leaves through :func:`_emit` (``-o PATH`` with
:func:`~alpine_ready.guard.write_output`, else standard output, flushed, its errors
mapped to one line); every message through :func:`_say` (escaped, one line).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from .. import __version__
from ..errors import InputError

if TYPE_CHECKING:
    from ..inputs.image.source import ImageOptions

# Each command imports what it needs when it runs, and main() builds the arguments of
# the command given only: a start-up that loads every command's modules and data
# costs more than a cached `inspect` (see benchmarks/inspect_archive.py).

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: Ctrl-C (SIGINT), as the shell reports it.
EXIT_INTERRUPTED = 130
#: Standard output's reader went away (``| head``): the status of a process killed
#: by SIGPIPE (128 + 13), as ``cat`` and ``grep`` end there.
EXIT_PIPE = 141

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


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: $COLUMNS, else the terminal's, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _Formatter(argparse.HelpFormatter):
    """argparse's, sized as argparse sizes it, without importing shutil to do so.

    argparse makes a formatter for every option added (to check it), and its own
    imports shutil (with bz2 and lzma): ~3 ms of every start-up, for a number.
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _terminal_columns() - 2 if width is None else width)


class _RawFormatter(_Formatter, argparse.RawDescriptionHelpFormatter):
    """The same, with descriptions and epilogs printed as written."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        _say(f"{self.prog}: error: {message}")
        raise SystemExit(EXIT_ERROR)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (also used to check README drift).

    ``command``: fill in that command's arguments only (what :func:`main` does, so
    that the modules and data other commands' help texts read are not loaded);
    ``None``: every command's.
    """
    parser = _Parser(
        prog="alpine-ready",
        description="Will it still work on Alpine (musl)? Predicts, with proof, what breaks "
                    "when a container moves to an Alpine base.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (help_text, fill) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        if command is None or command == name:
            fill(p)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The command an argument list runs (None: none, or not a known one).

    The top-level options (--version, -v/--verbose, -h/--help) take no value, so the
    first argument that is not an option is the command.
    """
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def _describe(p: argparse.ArgumentParser, description: str, epilog: str | None = None) -> None:
    p.description, p.epilog = description, epilog
    p.formatter_class = _RawFormatter


def _scan_parser(scan: argparse.ArgumentParser) -> None:
    from .. import knowledge
    from ..report.model import Verdict

    releases = ", ".join(knowledge.releases())
    _describe(scan, "Read every ELF file under TARGET and predict, at symbol level, whether "
                    "Alpine's musl loader will load it -- and why not, and what to do.",
              SCAN_EPILOG.format(default=knowledge.default_release()))
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
    scan.add_argument("--allow-incomplete", action="store_true",
                      help="exit 0, not 2, when some files could not be analysed (corrupt, "
                           "unreadable, over a limit); the report still lists them")
    scan.add_argument("-j", "--jobs", type=int, default=0,
                      help="worker processes (default: one per CPU)")
    scan.add_argument("--all", dest="show_all", action="store_true",
                      help="table: list every file, ok ones too")
    scan.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                      help="progress on stderr (default: when stderr is a terminal)")
    scan.add_argument("-o", "--output", type=Path, default=None,
                      help="write the report to this file instead of stdout")
    _image_options(scan)



def _inspect_parser(insp: argparse.ArgumentParser) -> None:
    _describe(insp, "Describe an image (or a root filesystem directory) without a Docker "
                    "daemon: OS and version, libc, packages, compressed and uncompressed "
                    "size, per layer facts, and waste (copies overwritten or deleted by later "
                    "layers, package-manager caches, build dependencies left installed).",
              INSPECT_EPILOG)
    insp.add_argument("target", metavar="TARGET",
                      help="an image (docker://…, alpine:3.20, docker-archive:FILE, "
                           "oci:DIR[:TAG], oci-archive:FILE) or a root filesystem directory")
    _output_options(insp)
    insp.add_argument("--manifest-only", action="store_true",
                      help="read manifests only: compressed sizes, nothing downloaded")
    _image_options(insp)



def _compare_parser(cmp_: argparse.ArgumentParser) -> None:
    _describe(cmp_, "Compare images (or root filesystems) side by side, with the ratio of "
                    "each size to the first -- e.g. compare alpine:3.19 debian:bookworm-slim.")
    cmp_.add_argument("targets", metavar="TARGET", nargs="+", help="two or more images/rootfs")
    _output_options(cmp_)
    cmp_.add_argument("--manifest-only", action="store_true",
                      help="compressed sizes from the manifests alone (fast: no layer "
                           "download; uncompressed sizes unknown)")
    _image_options(cmp_)



def _deps_parser(deps: argparse.ArgumentParser) -> None:
    from .. import knowledge
    from ..deps.report import FAIL_ON_CHOICES

    releases = ", ".join(knowledge.releases())
    _describe(deps, "Check every Python and Node dependency of PATH against its registry, "
                    "before anyone builds. Python (requirements*.txt, pyproject.toml, "
                    "uv.lock, poetry.lock, pylock.toml, Pipfile.lock): does the pinned "
                    "version have a musllinux or pure wheel for the target, or must pip "
                    "compile it, or can it not be installed at all? Node (package-lock.json, "
                    "npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, node_modules): is there "
                    "a musl build of every native addon, or does it compile, download at "
                    "install time, or ship glibc only?",
              DEPS_EPILOG)
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
                      help="leave out dev dependencies (npm ci --omit=dev; the dev groups of "
                           "uv, poetry and Pipfile lockfiles)")
    deps.add_argument("--extra", dest="extras", action="append", default=[], metavar="NAME",
                      help="check this optional-dependency group of pyproject.toml / the "
                           "lockfile too (repeatable; '*' for all)")
    deps.add_argument("--project-root", metavar="DIR", type=Path, default=None,
                      help="the project's files (and -r/-c includes) may lead anywhere "
                           "under DIR (default: the git work tree holding PATH, else PATH's "
                           "directory; see docs/security.md)")
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
    from ..inputs.image.model import Platform
    from ..inputs.image.source import ImageOptions, default_cache_dir

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
        from ..guard import printable  # messages name layers and targets

        now = time.monotonic()
        if total is not None and done != total and now - last[0] < 0.1:
            return
        last[0] = now
        text = f"{message}: {done}/{total}" if total is not None else message
        with contextlib.suppress(OSError, ValueError):  # stderr gone: best effort
            print(f"\r\033[K{printable(text)}", end="" if total is None or done < total
                  else "\n", file=sys.stderr, flush=True)

    return show


class _StdoutClosed(Exception):
    """Standard output's reader stopped reading (``| head``): end quietly, EXIT_PIPE."""


def _encode(text: str) -> bytes:
    """UTF-8; names that were not UTF-8 (surrogate-escaped) as their own bytes."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return text.encode("utf-8", "backslashreplace")


def _discard(stream: TextIO) -> None:
    """Point ``stream``'s descriptor at /dev/null (its last flush must not fail again)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def _write_all(out: BinaryIO, data: bytes) -> None:
    """Write all of ``data`` to ``out`` and flush it.

    Unbuffered (``python -u``), ``out`` is a FileIO: it may write part of ``data``, or
    nothing when it is non-blocking and full.
    """
    view = memoryview(data)
    while view:
        n = out.write(view)
        if n is None:
            import select

            select.select([], [out], [])
            continue
        view = view[n:]
    out.flush()


def _write_stdout(text: str, stream: TextIO | None = None) -> None:
    """Write ``text`` to standard output (or ``stream``: stderr) and flush it.

    What print()ed before goes first. :class:`_StdoutClosed` when the reader is gone,
    :class:`InputError` for any other failure (``> /dev/full``).
    """
    stream = sys.stdout if stream is None else stream
    what = "standard error" if stream is sys.stderr else "standard output"
    if stream is None:
        raise InputError(f"{what} is closed (use -o FILE)")
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is None:  # a text stream standing in for it (tests)
            stream.write(text)
            stream.flush()
            return
        stream.flush()
        _write_all(buffer, _encode(text))
    except BrokenPipeError:
        _discard(stream)
        raise _StdoutClosed from None
    except OSError as exc:
        _discard(stream)
        raise InputError(f"{what}: cannot write ({exc.strerror or exc})") from None


def _std_stream(path: Path) -> TextIO | None:
    """sys.stdout or sys.stderr when ``path`` is its file, else None.

    (``-o /dev/stdout``, ``/dev/stderr``, or the file the shell redirected it to.)
    """
    try:
        st = path.stat()
    except OSError:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            if os.path.samestat(st, os.fstat(stream.fileno())):
                return stream
        except (OSError, ValueError, AttributeError):
            continue
    return None


def _emit(args: argparse.Namespace, text: str) -> None:
    """Write a command's result: to ``-o PATH`` as the shell's ``>`` would, else to stdout.

    The one way out for reports, patches and Dockerfiles. ``-o`` naming standard
    output or error itself (``/dev/stdout``, or the file it was redirected to) writes
    through it, as the shell does: a log opened with ``>>`` is appended to, never
    replaced.
    """
    output: Path | None = getattr(args, "output", None)
    stream = sys.stdout if output is None else _std_stream(output)
    if stream is not None or output is None:
        _write_stdout(text, stream)
        return
    from ..guard import write_output

    write_output(output, _encode(text))


def _say(line: str) -> None:
    """One line on stderr, escaped (messages quote inputs); never raises."""
    from ..guard import printable

    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr gone
        sys.stderr.write(printable(line) + "\n")
        sys.stderr.flush()


def _write_stderr_report(text: str) -> None:
    """A report meant for stderr (translate's account), each line escaped."""
    from ..render.text import lines_text

    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(lines_text(text.removesuffix("\n").split("\n")) if text else "")
        sys.stderr.flush()


def _inspect(args: argparse.Namespace) -> int:
    from .. import inspection
    from ..inspection import InspectOptions

    opts = InspectOptions(target=args.target, image=image_options(args),
                          layers=not args.manifest_only,
                          progress=_progress_printer(args.progress))
    rep = inspection.run(opts)
    if args.format == "json":
        from ..render.text import json_text

        _emit(args, json_text(rep.to_json(), ensure_ascii=True))
    else:
        from ..render import inspect_table

        _emit(args, inspect_table.render(rep, verbose=args.show_all))
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    from .. import inspection
    from ..inspection import InspectOptions
    from ..render import inspect_table
    from ..render.text import json_text

    opts = InspectOptions(target="", image=image_options(args), layers=not args.manifest_only,
                          progress=_progress_printer(args.progress))
    rep = inspection.compare(list(args.targets), opts)
    _emit(args, json_text(rep.to_json(), ensure_ascii=True) if args.format == "json"
          else inspect_table.render_compare(rep))
    return EXIT_OK


def _scan(args: argparse.Namespace) -> int:
    # imported here: inspect and compare never load the loader model
    from ..render import json_render, table
    from ..report.model import Verdict
    from ..scan import ScanOptions, run

    if args.jobs < 0:
        raise InputError(f"--jobs {args.jobs}: must be 0 (auto) or more")
    options = ScanOptions(
        target=args.target, alpine=args.alpine, against=args.against, layout=args.layout,
        mount_at=args.mount_at, library_path=args.library_path,
        fail_on=Verdict.parse(args.fail_on), jobs=args.jobs,
        progress=_progress_printer(args.progress), image=image_options(args),
        allow_incomplete=args.allow_incomplete)
    report = run(options)
    _emit(args, json_render.render(report) if args.format == "json"
          else table.render(report, verbose=args.show_all))
    if report.failed:
        return EXIT_FINDINGS
    return EXIT_ERROR if report.incomplete and not args.allow_incomplete else EXIT_OK


def _deps(args: argparse.Namespace) -> int:
    from ..deps.check import DepsOptions, run
    from ..deps.report import DepStatus
    from ..render import deps_table
    from ..render.text import json_text

    options = DepsOptions(
        path=args.path, python=args.python, arch=args.arch, alpine=args.alpine,
        index_url=args.index_url, extra_index_urls=tuple(args.extra_index_url),
        offline=args.offline, cache_dir=args.cache_dir, fail_on=DepStatus.parse(args.fail_on),
        npm_registry=args.npm_registry, include_dev=args.include_dev, resolve=args.resolve,
        project_root=args.project_root,
        extras=tuple(args.extras),
        progress=_progress_printer(args.progress))
    report = run(options)
    _emit(args, json_text(report.to_json(), ensure_ascii=True) if args.format == "json"
          else deps_table.render(report, verbose=args.show_all))
    return EXIT_FINDINGS if report.failed else EXIT_OK


LINT_EPILOG = """\
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


def _codes(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


def _lint_parser(lint: argparse.ArgumentParser) -> None:
    severities = ("error", "warning", "info", "style")
    _describe(lint, "Check Dockerfiles for the Alpine practice (apk hygiene), the musl "
                    "hazards (glibc binaries, wheels without musl builds, ...) and the "
                    "base images, with safe fixes. hadolint's apk rules are covered and "
                    "mapped (its ignore comments and .hadolint.yaml ignores are honoured).",
              LINT_EPILOG)
    lint.add_argument("paths", metavar="DOCKERFILE", nargs="+",
                      help="Dockerfiles to lint ('-' reads one from standard input)")
    lint.add_argument("--format", choices=("table", "json", "sarif"), default="table",
                      help="output format (default table; sarif: SARIF 2.1.0 with rule docs)")
    lint.add_argument("-o", "--output", type=Path, default=None,
                      help="write the report (or the --diff patch) to this file")
    lint.add_argument("--fail-on", choices=severities, default=None,
                      help="exit 1 when a finding is at or above this severity (default: "
                           "the config's fail-on, else info)")
    lint.add_argument("--select", action="append", default=[], metavar="CODES",
                      help="only these rules: codes, names, code prefixes (AR1) or "
                           "categories (apk, musl, base), comma-separated, repeatable")
    lint.add_argument("--ignore", action="append", default=[], metavar="CODES",
                      help="leave these rules out (same forms as --select)")
    lint.add_argument("--config", type=Path, default=None, metavar="FILE",
                      help="the config file to use (.alpine-ready.toml or pyproject.toml) "
                           "instead of looking for one")
    lint.add_argument("--fix", action="store_true",
                      help="apply the safe fixes to the files in place")
    lint.add_argument("--unsafe-fixes", action="store_true",
                      help="with --fix/--diff, apply the unsafe fixes too")
    lint.add_argument("--diff", action="store_true",
                      help="print the fixes as a unified diff instead of writing them")
    lint.add_argument("--offline", action="store_true",
                      help="pip install checks use only the response cache")
    lint.add_argument("--cache-dir", type=Path, default=None,
                      help="pip index response cache (default ~/.cache/alpine-ready/index)")



def _rule_parser(rule: argparse.ArgumentParser) -> None:
    _describe(rule, "Print a lint rule's documentation: code, name, severity, category, "
                    "hadolint mapping, fix safety, options, what it flags, why, an example "
                    "and what to write instead.",
              "examples:\n  alpine-ready rule AR101\n  alpine-ready rule "
              "apk-add-without-no-cache\n  alpine-ready rule --list\n")
    rule.add_argument("rule", metavar="CODE", nargs="?", default=None,
                      help="a rule code (AR101) or name (apk-add-without-no-cache)")
    rule.add_argument("--list", action="store_true", help="list every rule")
    rule.add_argument("--format", choices=("text", "json"), default="text",
                      help="output format (default text)")


TRANSLATE_EPILOG = """\
what it does: Debian/Ubuntu bases -> their -alpine variants (debian/ubuntu -> alpine:X.Y),
apt-get install -> apk add --no-cache with names mapped from data (unknown names are kept
and listed, never guessed), build-only packages in a --virtual .build-deps group deleted in
the same RUN, apt caches and DEBIAN_FRONTEND dropped, useradd/groupadd -> adduser/addgroup,
bash kept only where needed (apk add bash), locale generation dropped, glibc downloads
switched to their musl builds where the URL pattern is known (Node's -musl tarballs).
Everything else is reported for a person to check.

exit status: 0 translated with nothing left to check, 1 when names could not be mapped or
notes need a look, 2 on input errors (the file is never changed unless -o names it).

examples:
  alpine-ready translate Dockerfile > Dockerfile.alpine
  alpine-ready translate Dockerfile --alpine 3.20 -o Dockerfile.alpine
  alpine-ready translate Dockerfile --format diff
  alpine-ready translate Dockerfile --format json -o translation.json
"""


def _translate_parser(tr: argparse.ArgumentParser) -> None:
    _describe(tr, "Translate a Debian/Ubuntu-based Dockerfile to Alpine: bases, packages, "
                  "users, shells, locales and glibc downloads, rewriting only what "
                  "changes (comments, continuations and indentation are kept). The new "
                  "Dockerfile goes to stdout (or -o); the account of every change, and "
                  "what could not be mapped, to stderr.",
              TRANSLATE_EPILOG)
    tr.add_argument("path", metavar="DOCKERFILE", help="the Dockerfile to translate")
    tr.add_argument("--alpine", metavar="RELEASE", default=None,
                    help="target Alpine release: package names for it, alpine:X.Y and "
                         "-alpineX.Y tags (default: the newest known release, floating "
                         "-alpine tags)")
    tr.add_argument("--format", choices=("dockerfile", "diff", "json"), default="dockerfile",
                    help="dockerfile: the translated file (default); diff: a unified diff "
                         "from the original; json: the full report")
    tr.add_argument("-o", "--output", type=Path, default=None,
                    help="write the output to this file instead of stdout (written whole, "
                         "atomically)")
    tr.add_argument("-q", "--quiet", action="store_true",
                    help="do not print the account of changes on stderr")


def _translate(args: argparse.Namespace) -> int:
    from ..render.text import json_text
    from ..translate import TranslateError, TranslateOptions, render_diff, render_text, run

    try:
        report = run(TranslateOptions(path=args.path, alpine=args.alpine))
    except TranslateError as exc:
        raise InputError(f"{args.path}: {exc}") from None
    if args.format == "json":
        out = json_text(report.to_json())
    elif args.format == "diff":
        out = render_diff(report)
    else:
        out = report.text
    _emit(args, out)
    if not args.quiet and args.format != "json":
        _write_stderr_report(render_text(report))
    return EXIT_FINDINGS if report.unmapped or report.notes else EXIT_OK


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


def _lint(args: argparse.Namespace) -> int:
    from ..lint.engine import LintOptions, RuleCrash, run
    from ..lint.model import Severity
    from ..render import lint_sarif, lint_table
    from ..render.text import json_text

    stdin = _read_stdin_dockerfile() if "-" in args.paths else None
    options = LintOptions(
        paths=tuple(args.paths), config=args.config,
        fail_on=Severity.parse(args.fail_on) if args.fail_on else None,
        select=_codes(args.select), ignore=_codes(args.ignore), fix=args.fix,
        unsafe_fixes=args.unsafe_fixes, diff=args.diff, offline=args.offline,
        cache_dir=args.cache_dir, stdin=stdin)
    try:
        report = run(options)
    except RuleCrash as exc:
        _say(f"alpine-ready: error: {exc}")
        return EXIT_ERROR
    if args.diff:
        _emit(args, report.diff)
        s = report.summary
        _say(f"would fix {s.fixed} finding(s) in {sum(1 for f in report.files if f.diff)} "
             f"file(s); {s.findings} would remain")
        return EXIT_FINDINGS if report.diff else EXIT_OK
    if args.format == "json":
        _emit(args, json_text(report.to_json()))
    elif args.format == "sarif":
        _emit(args, lint_sarif.render(report))
    else:
        _emit(args, lint_table.render(report))
    return EXIT_FINDINGS if report.failed else EXIT_OK


def _rule(args: argparse.Namespace) -> int:
    from ..lint.report import rule_to_json
    from ..lint.rules import RULES, rule
    from ..render import rule_docs
    from ..render.text import json_text

    if args.list == (args.rule is not None):
        raise InputError("rule: give one rule code or name, or --list")
    metas = [r.meta for r in RULES] if args.list else []
    if not args.list:
        found = rule(args.rule)
        if found is None:
            raise InputError(f"{args.rule}: no such rule (alpine-ready rule --list shows "
                             "them)")
        metas = [found.meta]
    if args.format == "json":
        data = [dict(rule_to_json(m), doc=vars(m.doc), options=dict(m.options))
                for m in metas]
        _emit(args, json_text(data if args.list else data[0]))
    elif args.list:
        _emit(args, rule_docs.rule_list(metas))
    else:
        _emit(args, rule_docs.rule_text(metas[0]))
    return EXIT_OK


_Filler = Callable[[argparse.ArgumentParser], None]
#: command -> (its one-line help, what fills in its description and arguments)
COMMANDS: dict[str, tuple[str, _Filler]] = {
    "scan": ("predict, per ELF file, whether Alpine's musl loader will load it", _scan_parser),
    "inspect": ("what an image or root filesystem is: OS, libc, packages, sizes, layers, "
                "waste", _inspect_parser),
    "compare": ("images side by side: sizes, layers, packages, libc, ratio to the first",
                _compare_parser),
    "deps": ("will pip install / npm ci of a project's dependencies work on Alpine?",
             _deps_parser),
    "lint": ("lint Dockerfiles for Alpine practice and musl hazards (with safe fixes)",
             _lint_parser),
    "rule": ("explain a lint rule (or list them all)", _rule_parser),
    "translate": ("write the Alpine version of a Debian/Ubuntu-based Dockerfile",
                  _translate_parser),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``alpine-ready`` console script: the exit status.

    Whatever happens, the user sees one line on stderr, never a traceback (``-v``
    adds the traceback of an unexpected error, for a bug report).
    """
    if argv is None:
        argv = sys.argv[1:]
    verbose = False
    try:
        parser = build_parser(command_of(argv))
        args = parser.parse_args(argv)
        verbose = args.verbose
        from ..guard import terminate_as_interrupt

        terminate_as_interrupt()  # SIGTERM/SIGHUP clean up as Ctrl-C does
        return _run_verified(parser, args)
    except InputError as exc:
        _say(f"alpine-ready: error: {exc}")
        return EXIT_ERROR
    except _StdoutClosed:
        return EXIT_PIPE
    except KeyboardInterrupt as exc:
        return _interrupted(exc)
    except (MemoryError, RecursionError) as exc:
        return _internal_error(exc, verbose, bug=False)
    except Exception as exc:  # the last line of defence: one line, not a traceback
        return _internal_error(exc, verbose, bug=True)


def _run_verified(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """:func:`_run`, with the docker archives verified early and the verification stopped."""
    try:
        _verify_early(args)
        return _run(parser, args)
    finally:
        if args.command in _EARLY_COMMANDS:
            from ..inputs.image.localfiles import stop_early

            stop_early()


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Ctrl-C: 130; SIGTERM/SIGHUP (:class:`~alpine_ready.guard.Terminated`): 128+N."""
    from ..guard import Terminated

    if isinstance(exc, Terminated):
        _say(f"alpine-ready: terminated by {exc}")
        return exc.exit_code
    _say("alpine-ready: interrupted")
    return EXIT_INTERRUPTED


#: How much of an unexpected exception's message is shown (it may quote an input).
_ERROR_CHARS = 200


def _internal_error(exc: BaseException, verbose: bool, *, bug: bool) -> int:
    """One line for an exception no command turned into an InputError (-v: traceback too).

    ``bug``: a genuine internal error (asks for a report); else a resource ran out
    (memory, recursion depth) on an input that got past the limits.
    """
    from ..guard import excerpt

    if verbose:
        import traceback

        traceback.print_exception(exc)
    what = f"{type(exc).__name__}: {excerpt(str(exc), _ERROR_CHARS)}".rstrip(": ")
    hint = "" if verbose else " (-v shows the traceback)"
    if not bug:
        reason = "out of memory" if isinstance(exc, MemoryError) else "input nested too deeply"
        _say(f"alpine-ready: error: {reason} ({what}){hint}")
    else:
        _say(f"alpine-ready: error: internal error ({what}) -- a bug in alpine-ready, please "
             f"report it{hint}")
    return EXIT_ERROR


_EARLY_COMMANDS = ("inspect", "compare", "scan")


def _verify_early(args: argparse.Namespace) -> None:
    """Start verifying the docker archives' layers while the command's modules load.

    (See :func:`~alpine_ready.inputs.image.localfiles.verify_early`; main() stops it.)
    """
    if args.command not in _EARLY_COMMANDS or getattr(args, "manifest_only", False):
        return
    targets = list(args.targets) if args.command == "compare" else [args.target]
    prefix = "docker-archive:"
    paths = [Path(t[len(prefix):]) for t in targets if t.startswith(prefix)]
    if not paths:
        return
    from ..inputs.image.localfiles import default_cache_dir, verify_early

    cache_dir = args.cache_dir if args.cache_dir is not None else default_cache_dir()
    verify_early(paths, cache_dir, elves=args.command == "scan")


def _log_setup(verbose: bool) -> None:
    """Log records to stderr, each message escaped: library logs quote names from inputs."""
    import logging

    from ..guard import printable

    class _Escaped(logging.Formatter):
        def formatMessage(self, record: logging.LogRecord) -> str:
            return printable(super().formatMessage(record))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Escaped("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        handlers=[handler])


_Runner = Callable[[argparse.Namespace], int]


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    _log_setup(args.verbose)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    runners: dict[str, _Runner] = {
        "scan": _scan, "inspect": _inspect, "compare": _compare, "deps": _deps,
        "lint": _lint, "rule": _rule, "translate": _translate}
    return runners[args.command](args)


def _stdout_status(code: int | str | None) -> int | str | None:
    """``code``, once what is left for standard output is flushed (argparse's --help).

    A reader gone is :data:`EXIT_PIPE`, quietly; any other failure one line and 2.
    """
    try:
        _write_stdout("")
    except _StdoutClosed:
        return EXIT_PIPE
    except InputError as exc:
        _say(f"alpine-ready: error: {exc}")
        return EXIT_ERROR
    return code


def console() -> None:
    """The ``alpine-ready`` console script (and ``python -m alpine_ready``): main(), exit.

    Before the interpreter shuts down, the objects left are frozen out of the
    garbage collector's reach (``gc.freeze``): its final collection over every
    module and the results costs ~10 ms, as much as a cached ``inspect`` run, and
    the process ends right after, so nothing is kept any longer.
    """
    code: int | str | None
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, --version, a usage error
        code = exc.code
    code = _stdout_status(code)
    import gc

    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
