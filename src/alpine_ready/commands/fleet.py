"""``alpine-ready fleet``: every image of an organisation at once, on a pool or on Dask."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import output
from ..cli.parser import describe
from ..errors import InputError
from ..report.level import Level
from . import common

EPILOG = """\
examples:
  alpine-ready fleet images.txt
  alpine-ready fleet --registry registry.example.com:5000 --repository-filter 'team-a/*'
  alpine-ready fleet images.txt --dask local --workers 4 --format csv -o fleet.csv
  alpine-ready fleet --registry reg:5000 --dask tcp://scheduler:8786 \\
      --store postgresql://fleet@db/fleet --format json
"""

FAIL_ON = {
    "ready-with-changes": Level.WARNING,
    "not-recommended": Level.ERROR,
}


def configure(p: argparse.ArgumentParser) -> None:
    """Fleet's description and arguments."""
    describe(
        p,
        "Judge every image of a fleet -- a file of image references, or every "
        "repository and tag of a registry's catalog: per image its size, whether it "
        "moves to Alpine (ready / ready with changes / not recommended), the estimated "
        "saving and its worst blocker; for the fleet the counts, the bytes saved and the "
        "blockers ranked by how many images they block. Each distinct layer is analysed "
        "once; results are kept in a store keyed by digest, so a second run skips what "
        "did not change and an interrupted run resumes. Runs on a local process pool, or "
        "on Dask (--dask local, or --dask tcp://SCHEDULER:8786).",
        EPILOG,
    )
    p.add_argument(
        "images_file",
        metavar="IMAGES.txt",
        nargs="?",
        type=Path,
        default=None,
        help="a file with one image reference per line (any transport; # comments)",
    )
    p.add_argument(
        "--registry",
        metavar="HOST",
        default=None,
        help="list the images from this registry's catalog (/v2/_catalog and tag lists)",
    )
    p.add_argument(
        "--repository-filter",
        metavar="GLOB",
        action="append",
        default=[],
        help="with --registry: only repositories matching (repeatable)",
    )
    p.add_argument(
        "--store",
        metavar="URL",
        default=None,
        help="results store: sqlite:///PATH or postgresql://USER@HOST/DB "
        "(default: SQLite in the cache directory, fleet/fleet.sqlite3)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="run on Dask: 'local' (a LocalCluster) or a scheduler (tcp://HOST:8786); "
        "default: a local process pool",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        help="worker processes of the local pool or the LocalCluster (default: one per CPU)",
    )
    p.add_argument(
        "--refresh",
        action="store_true",
        help="judge every image again, even those whose verdict is in the store",
    )
    p.add_argument(
        "--alpine", metavar="RELEASE", default=None, help="the Alpine release to judge against"
    )
    common.add_mirror(p, "names missing libraries' packages with")
    p.add_argument(
        "--offline",
        action="store_true",
        help="read the Alpine package index from the cache only",
    )
    p.add_argument(
        "--fail-on",
        choices=(*FAIL_ON, *common.LEVEL_NAMES),
        default=None,
        metavar="LEVEL",
        help="exit 1 when an image is at or above LEVEL: ready-with-changes, "
        "not-recommended, or a level (default: never)",
    )
    common.add_output(p, "fleet", progress=True)
    common.add_image_options(p)


def execute(args: argparse.Namespace) -> int:
    """Judge the fleet and emit the report."""
    from ..fleet.engine import FleetOptions, run

    if args.workers < 0:
        raise InputError(f"--workers {args.workers}: must be 0 (auto) or more")
    if args.repository_filter and args.registry is None:
        raise InputError("--repository-filter needs --registry")
    options = FleetOptions(
        images_file=args.images_file,
        registry=args.registry,
        repository_filter=tuple(args.repository_filter),
        store=args.store,
        dask=args.dask,
        workers=args.workers,
        image=common.image_options(args),
        alpine=args.alpine,
        mirror=args.mirror,
        offline=args.offline,
        refresh=args.refresh,
        fail_on=common.fail_level(args.fail_on, FAIL_ON) if args.fail_on else None,
        progress=output.progress_printer(args.progress),
    )
    return common.finish(args, run(options))
