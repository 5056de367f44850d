"""``alpine-ready inspect``: what an image or a root filesystem is, without a daemon."""

from __future__ import annotations

import argparse

from ..cli import output
from ..cli.parser import describe
from . import common

EPILOG = """\
examples:
  alpine-ready inspect alpine:3.20
  alpine-ready inspect docker-archive:app.tar --format json
  alpine-ready inspect app.tar                  # the same: a docker save archive
  alpine-ready inspect --platform linux/arm64 docker://ghcr.io/org/app:1.2
  alpine-ready inspect ./extracted-rootfs
"""

ALL_HELP = "table: show every waste item and full history lines"


def configure(p: argparse.ArgumentParser) -> None:
    """Inspect's description and arguments."""
    describe(
        p,
        "Describe an image (or a root filesystem directory) without a Docker "
        "daemon: OS and version, libc, packages, compressed and uncompressed "
        "size, per layer facts, and waste (copies overwritten or deleted by later "
        "layers, package-manager caches, build dependencies left installed).",
        EPILOG,
    )
    p.add_argument(
        "target",
        metavar="TARGET",
        help="an image (docker://…, alpine:3.20, docker-archive:FILE, "
        "oci:DIR[:TAG], oci-archive:FILE, or an image archive FILE recognised by its "
        "content) or a root filesystem directory",
    )
    common.add_output(p, "inspect", all_help=ALL_HELP, progress=True)
    p.add_argument(
        "--manifest-only",
        action="store_true",
        help="read manifests only: compressed sizes, nothing downloaded",
    )
    common.add_image_options(p)


def early(args: argparse.Namespace) -> None:
    """Start verifying a docker archive's layers while the analysis modules load."""
    if not args.manifest_only:
        common.verify_early([args.target], args.cache_dir, elves=False)


def execute(args: argparse.Namespace) -> int:
    """Inspect and emit the report (0: it describes, it never fails)."""
    from .. import inspection
    from ..inspection import InspectOptions

    opts = InspectOptions(
        target=args.target,
        image=common.image_options(args),
        layers=not args.manifest_only,
        progress=output.progress_printer(args.progress),
    )
    common.emit_report(args, inspection.run(opts))
    return common.EXIT_OK
