"""``alpine-ready compare``: images side by side, each size as a ratio to the first."""

from __future__ import annotations

import argparse

from ..cli import output
from ..cli.parser import describe
from . import common


def configure(p: argparse.ArgumentParser) -> None:
    """Compare's description and arguments."""
    describe(
        p,
        "Compare images (or root filesystems) side by side, with the ratio of "
        "each size to the first -- e.g. compare alpine:3.19 debian:bookworm-slim.",
    )
    p.add_argument("targets", metavar="TARGET", nargs="+", help="two or more images/rootfs")
    common.add_output(
        p, "compare", all_help="table: show every waste item and full history lines", progress=True
    )
    p.add_argument(
        "--manifest-only",
        action="store_true",
        help="compressed sizes from the manifests alone (fast: no layer "
        "download; uncompressed sizes unknown)",
    )
    common.add_image_options(p)


def early(args: argparse.Namespace) -> None:
    """Start verifying the docker archives' layers while the analysis modules load."""
    if not args.manifest_only:
        common.verify_early(list(args.targets), args.cache_dir, elves=False)


def execute(args: argparse.Namespace) -> int:
    """Compare and emit the report (0: it describes, it never fails)."""
    from .. import inspection
    from ..inspection import InspectOptions

    opts = InspectOptions(
        target="",
        image=common.image_options(args),
        layers=not args.manifest_only,
        progress=output.progress_printer(args.progress),
    )
    common.emit_report(args, inspection.compare(list(args.targets), opts))
    return common.EXIT_OK
