"""``alpine-ready translate``: the Alpine version of a Debian/Ubuntu-based Dockerfile."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import output
from ..cli.parser import describe
from . import common

EPILOG = """\
what it does: Debian/Ubuntu bases -> their -alpine variants (debian/ubuntu -> alpine:X.Y),
apt-get install -> apk add --no-cache with names mapped from data (unknown names are kept
and listed, never guessed), build-only packages in a --virtual .build-deps group deleted in
the same RUN, apt caches and DEBIAN_FRONTEND dropped, useradd/groupadd -> adduser/addgroup,
bash kept only where needed (apk add bash), locale generation dropped, glibc downloads
switched to their musl builds where the URL pattern is known (Node's -musl tarballs).
Every Alpine name installed is looked up in the release's package index when one can be
read (AR604 for a name the release lacks, with the package its cmd:/so:/pc: provides name).
Everything else is reported for a person to check.

--check proves what can be proved of the output without building it (of an Alpine
Dockerfile, which translate leaves as it is, the file itself): every command a RUN calls
is an ash builtin, a function of the RUN, a command of the alpine image or of a package an
earlier apk add installed (AR630 when nothing could provide it; AR635 unverified when the
base image, a COPY or another installer may have; AR634 when no package index can be
read), every apk add name is in the release (AR631), the text lints clean at warning and
above (AR632), and busybox sh -n of the Alpine rootfs given by --against DIR accepts every
RUN (AR633; parsed, never run, in the sandbox -- bubblewrap -- or chroot as root; else AR636).

exit status: 0 translated with nothing left to check, 1 when names could not be mapped or
notes need a look, 2 on input errors (the file is never changed unless -o names it).
With --check: 0 when nothing is proven wrong, 1 when something is.

examples:
  alpine-ready translate Dockerfile > Dockerfile.alpine
  alpine-ready translate Dockerfile --alpine 3.20 -o Dockerfile.alpine
  alpine-ready translate Dockerfile --format diff
  alpine-ready translate Dockerfile --format json -o translation.json
  alpine-ready translate Dockerfile --check --against /srv/alpine-3.23-rootfs
  alpine-ready translate docker/Dockerfile --context .   # COPY sources are read from .
"""


def configure(p: argparse.ArgumentParser) -> None:
    """Translate's description and arguments."""
    describe(
        p,
        "Translate a Debian/Ubuntu-based Dockerfile to Alpine: bases, packages, "
        "users, shells, locales and glibc downloads, rewriting only what "
        "changes (comments, continuations and indentation are kept). The new "
        "Dockerfile goes to stdout (or -o); the account of every change, and "
        "what could not be mapped, to stderr.",
        EPILOG,
    )
    p.add_argument("path", metavar="DOCKERFILE", help="the Dockerfile to translate")
    p.add_argument(
        "--alpine",
        metavar="RELEASE",
        default=None,
        help="target Alpine release: package names for it, alpine:X.Y and "
        "-alpineX.Y tags (default: the newest known release, floating "
        "-alpine tags)",
    )
    common.add_mirror(p, "checks that every package the translation installs exists")
    p.add_argument(
        "--offline",
        action="store_true",
        help="read the package index from the cache only (no cached index: names are not checked)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="prove what can be proved of the output without building it: commands, "
        "package names, lint at warning and above, busybox sh -n (exit 1 on a proven problem)",
    )
    p.add_argument(
        "--against",
        metavar="DIR",
        default=None,
        help="with --check: a real Alpine root filesystem whose busybox runs sh -n on "
        "every RUN (in the bubblewrap sandbox, else chroot as root; default: sh -n is not run)",
    )
    common.add_output(
        p,
        "translate",
        default="dockerfile",
        output_help="write the output to this file instead of stdout (written whole, atomically)",
    )
    p.add_argument(
        "--context",
        metavar="DIR",
        default=None,
        help="the build context, where the scripts COPY brings in are read (their #! line "
        "only: a bash script gets apk add bash); default: the Dockerfile's directory",
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", help="do not print the account of changes on stderr"
    )


def execute(args: argparse.Namespace) -> int:
    """Translate; the new text (or diff, or report) out, the account on stderr.

    1 when names could not be mapped or notes need a look.
    """
    from ..errors import InputError, TranslateError
    from ..formats.tables.translate import render_text
    from ..translate import TranslateOptions, run
    from ..translate.check import check_text_lines

    if args.against is not None and not args.check:
        raise InputError("--against needs --check")
    if args.context is not None and not Path(args.context).is_dir():
        raise InputError(f"{args.context}: --context is not a directory")
    try:
        report = run(
            TranslateOptions(
                path=args.path,
                alpine=args.alpine,
                mirror=args.mirror,
                offline=True if args.offline else None,
                check=args.check,
                against=None if args.against is None else Path(args.against),
                context=None if args.context is None else Path(args.context),
            )
        )
    except TranslateError as exc:
        raise InputError(f"{args.path}: {exc}") from None
    common.emit_report(args, report)
    if not args.quiet and args.format in ("dockerfile", "diff"):
        output.write_stderr(render_text(report))
        if report.check is not None:
            output.write_stderr(check_text_lines(report.check))
    return common.EXIT_FINDINGS if report.failed else common.EXIT_OK
