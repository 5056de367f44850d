"""``alpine-ready translate``: the Alpine version of a Debian/Ubuntu-based Dockerfile."""

from __future__ import annotations

import argparse

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

exit status: 0 translated with nothing left to check, 1 when names could not be mapped or
notes need a look, 2 on input errors (the file is never changed unless -o names it).

examples:
  alpine-ready translate Dockerfile > Dockerfile.alpine
  alpine-ready translate Dockerfile --alpine 3.20 -o Dockerfile.alpine
  alpine-ready translate Dockerfile --format diff
  alpine-ready translate Dockerfile --format json -o translation.json
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
    common.add_output(
        p,
        "translate",
        default="dockerfile",
        output_help="write the output to this file instead of stdout (written whole, atomically)",
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

    try:
        report = run(
            TranslateOptions(
                path=args.path,
                alpine=args.alpine,
                mirror=args.mirror,
                offline=True if args.offline else None,
            )
        )
    except TranslateError as exc:
        raise InputError(f"{args.path}: {exc}") from None
    common.emit_report(args, report)
    if not args.quiet and args.format in ("dockerfile", "diff"):
        output.write_stderr(render_text(report))
    return common.EXIT_FINDINGS if report.failed else common.EXIT_OK
