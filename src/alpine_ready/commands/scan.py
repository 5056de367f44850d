"""``alpine-ready scan``: will Alpine's musl loader load every ELF file here?"""

from __future__ import annotations

import argparse

from ..cli import output
from ..cli.parser import describe
from ..errors import InputError
from ..report.level import Level
from . import common

EPILOG = """\
verdicts, best to worst (and their level for --fail-on):
  ok              loads on the target as it is
  needs-packages  only missing libraries that Alpine packages provide (apk add …)   info
  needs-gcompat   a glibc build that loads once gcompat is installed              warning
  incompatible    symbols neither musl nor gcompat provide, IFUNC, missing        error
                  interpreter…

TARGET layouts:
  A root filesystem (etc/os-release + lib/) is the system itself: its own
  libraries are found on the default path.  Any other directory is an
  application tree placed at --mount-at on the target: only rpaths
  ($ORIGIN…) and --library-path reach the libraries inside it.

TARGET files:
  An image archive (docker save, OCI archive) is read as that image, with or
  without the docker-archive:/oci-archive: prefix.  A wheel, an sdist, an npm
  tarball (or any other tar or zip) is scanned from the archive: its ELF files are
  unpacked, laid out as installed, into a private temporary directory (removed
  afterwards) and shown as ARCHIVE!/PATH-IN-ARCHIVE.

choosing files:
  --include/--exclude GLOB match the path as the report shows it, and its parent
  directories (usr/lib/gconv covers everything below it); * crosses / (so ** works
  too); exclude wins.  --owned-by app|os tells an image's or root filesystem's own
  files (listed by its apk or dpkg database) from the application's; the table
  lists the application's files first either way.  Files left out are counted.

exit status: 0 nothing at or above --fail-on, 1 something is, 2 an input error, a
file that could not be analysed (unless --allow-incomplete), or no ELF file
analysed at all (unless --allow-empty).

examples:
  alpine-ready scan ./dist                      # an app tree, against Alpine {default}
  alpine-ready scan --against ./alpine-rootfs ./dist
  alpine-ready scan --format json ./rootfs > report.json
  alpine-ready scan --format sarif -o scan.sarif ./dist
  alpine-ready scan --fail-on needs-gcompat ./venv/lib/python3.12/site-packages
  alpine-ready scan app.tar --owned-by app      # a docker save archive: your files only
  alpine-ready scan dist/orjson-3.10.0-cp312-cp312-manylinux_2_17_x86_64.whl
  alpine-ready scan ./rootfs --exclude 'usr/lib/*/gconv' --include 'opt/**'
"""

#: --fail-on's scan words, and the level each stands for
FAIL_ON = {
    "needs-packages": Level.INFO,
    "needs-gcompat": Level.WARNING,
    "incompatible": Level.ERROR,
}


def configure(p: argparse.ArgumentParser) -> None:
    """Scan's description and arguments."""
    from .. import knowledge

    releases = ", ".join(knowledge.releases())
    describe(
        p,
        "Read every ELF file under TARGET and predict, at symbol level, whether "
        "Alpine's musl loader will load it -- and why not, and what to do.",
        EPILOG.format(default=knowledge.default_release()),
    )
    p.add_argument(
        "target",
        metavar="TARGET",
        help="a directory (walked recursively), one file, a package archive (.whl, "
        "sdist, npm .tgz), or an image: docker://REG/REPO:TAG, alpine:3.20, "
        "docker-archive:FILE, oci:DIR[:TAG], oci-archive:FILE, or an image archive FILE",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--alpine",
        metavar="RELEASE",
        default=None,
        help=f"built-in bare Alpine profile to predict against "
        f"(default {knowledge.default_release()}; built in: {releases})",
    )
    where.add_argument(
        "--against",
        metavar="ROOTFS|IMAGE",
        default=None,
        help="a real Alpine root filesystem or image to predict against (its "
        "own musl, ld-musl path file and libraries)",
    )
    p.add_argument(
        "--layout",
        choices=("auto", "rootfs", "app"),
        default="auto",
        help="treat TARGET as a root filesystem or an application tree (default: auto-detect)",
    )
    p.add_argument(
        "--mount-at",
        metavar="DIR",
        default="/app",
        help="where an application tree sits on the target (default /app)",
    )
    p.add_argument(
        "--library-path",
        metavar="PATHS",
        default=None,
        help="LD_LIBRARY_PATH on the target (colon-separated)",
    )
    common.add_fail_on(p, default="incompatible", names=FAIL_ON, what="file")
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="exit 0, not 2, when some files could not be analysed (corrupt, "
        "unreadable, over a limit); the report still lists them",
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="exit 0, not 2, when no ELF file was analysed at all (the report still warns, AR440)",
    )
    p.add_argument(
        "--include",
        metavar="GLOB",
        action="append",
        default=[],
        help="judge only files whose path (or a parent directory) matches (repeatable)",
    )
    p.add_argument(
        "--exclude",
        metavar="GLOB",
        action="append",
        default=[],
        help="never judge files whose path (or a parent directory) matches "
        "(repeatable; wins over --include)",
    )
    p.add_argument(
        "--owned-by",
        choices=("app", "os", "all"),
        default="all",
        help="images and root filesystems: judge the application's files, the OS "
        "packages' files, or all (default all; the application's are listed first)",
    )
    p.add_argument(
        "-j", "--jobs", type=int, default=0, help="worker processes (default: one per CPU)"
    )
    p.add_argument(
        "--mirror",
        metavar="URL",
        default=None,
        help="Alpine mirror whose package index (APKINDEX of main and community) names "
        "the package of each missing library (default: the --against root filesystem's "
        "/etc/apk/repositories, else https://dl-cdn.alpinelinux.org/alpine)",
    )
    p.add_argument(
        "--offline",
        action="store_true",
        help="read the package index from the cache only (missing libraries whose "
        "package is not known then need 'apk add so:NAME')",
    )
    common.add_output(p, "scan", all_help="table: list every file, ok ones too", progress=True)
    common.add_image_options(p)


def early(args: argparse.Namespace) -> None:
    """Start verifying a docker archive's layers while the analysis modules load."""
    common.verify_early([args.target], args.cache_dir, elves=True)


def execute(args: argparse.Namespace) -> int:
    """Scan, emit the report; 1 on findings, 2 when incomplete (unless allowed)."""
    # imported here: inspect and compare never load the loader model
    from ..analysis.report import Verdict
    from ..analysis.scan import ScanOptions, run

    if args.jobs < 0:
        raise InputError(f"--jobs {args.jobs}: must be 0 (auto) or more")
    options = ScanOptions(
        target=args.target,
        alpine=args.alpine,
        against=args.against,
        layout=args.layout,
        mount_at=args.mount_at,
        library_path=args.library_path,
        fail_on=Verdict.at_level(common.fail_level(args.fail_on, FAIL_ON)),
        jobs=args.jobs,
        progress=output.progress_printer(args.progress),
        image=common.image_options(args),
        allow_incomplete=args.allow_incomplete,
        mirror=args.mirror,
        offline=args.offline,
        allow_empty=args.allow_empty,
        include=tuple(args.include),
        exclude=tuple(args.exclude),
        owned_by=args.owned_by,
    )
    report = run(options)
    common.emit_report(args, report)
    if report.failed:
        return common.EXIT_FINDINGS
    if report.empty and not args.allow_empty:
        output.say(
            f"alpine-ready: {report.target}: no ELF file analysed "
            f"({report.summary.files_seen} files looked at); --allow-empty accepts that"
        )
        return common.EXIT_ERROR
    return common.EXIT_ERROR if report.incomplete and not args.allow_incomplete else common.EXIT_OK
