"""``alpine-ready check``: is Alpine right for this app, what does it save, what must change."""

from __future__ import annotations

import argparse

from ..cli import output
from ..cli.parser import describe
from ..errors import InputError
from ..report.level import Level
from . import common

EPILOG = """\
decisions (knowledge/data/check-rules.json; docs/check.md):
  fits               nothing to change but the base image                      (CR5)
  fits-with-changes  every blocker has a fix: the changes are listed           (CR4)
  not-recommended    a blocker without a musl way out (a vendor binary built   (CR1)
                     only for glibc), more source builds than --max-source-builds (CR2),
                     or musl behaviour the application depends on              (CR3)

what it reads in PATH: every Dockerfile (translated, then linted as Alpine will build it),
the dependency files deps reads (requirements*.txt, pyproject.toml, uv/poetry lockfiles,
package-lock.json, yarn.lock, pnpm-lock.yaml, installed environments), the ELF files of
the tree (scan); --image: today's image (scan of its own files, inspect for its size).
Configuration: [check] in .alpine-ready.toml, or [tool.alpine-ready.check] in
pyproject.toml (max-source-builds, fail-on, alpine); the command line wins.

exit status: 0 below --fail-on, 1 at or above it, 2 an input error.  --fail-on takes a
decision (default not-recommended: fits-with-changes exits 0) or a level, which fails on
any merged finding at or above it.

--verify adds the verify part: the files scan judged are loaded by Alpine's own musl
loader in a bubblewrap sandbox (the alpine:RELEASE image, or --against), with the
predicted packages installed when --network or --repository allows; each observation
joins its finding as evidence, and a file whose observation differs from the prediction
(AR801) fails the check whatever the decision.

examples:
  alpine-ready check                              # the project in the current directory
  alpine-ready check ./service --image docker-archive:app.tar
  alpine-ready check . --format markdown >> "$GITHUB_STEP_SUMMARY"
  alpine-ready check . --format sarif -o check.sarif --fail-on fits-with-changes
  alpine-ready check . --verify --against ./alpine-rootfs
"""

DECISIONS = {"fits-with-changes": Level.INFO, "not-recommended": Level.ERROR}


def configure(p: argparse.ArgumentParser) -> None:
    """Check's description and arguments."""
    from .. import knowledge

    describe(
        p,
        "Decide whether a project moves to Alpine: run lint, translate, deps, scan and "
        "inspect on it, merge what they find (one fact once, with all its evidence), "
        "and say fits, fits-with-changes or not-recommended -- with the size before and "
        "after, and exactly what must change.",
        EPILOG,
    )
    p.add_argument(
        "path", metavar="PATH", nargs="?", default=".", help="the project directory (default .)"
    )
    p.add_argument(
        "--image",
        metavar="REF",
        default=None,
        help="the image built today (docker://…, NAME:TAG, docker-archive:FILE, oci:DIR, …)",
    )
    p.add_argument(
        "--alpine",
        metavar="RELEASE",
        default=None,
        help=f"target Alpine release (default {knowledge.default_release()})",
    )
    p.add_argument(
        "--max-source-builds",
        metavar="N",
        type=int,
        default=None,
        help="dependencies compiled from source on Alpine before the move is not "
        "recommended (default: [check] max-source-builds, else 3)",
    )
    p.add_argument(
        "--verify",
        action="store_true",
        help="prove scan's part: load every ELF file with Alpine's own musl loader in a "
        "sandboxed Alpine userland (alpine-ready verify; needs bubblewrap); observations "
        "join the findings, a disagreement with the prediction fails the check",
    )
    v = p.add_argument_group("verify (with --verify; see alpine-ready verify --help)")
    v.add_argument(
        "--against",
        metavar="IMAGE|ROOTFS",
        default=None,
        help="the Alpine system to verify in (default: the alpine:RELEASE image)",
    )
    v.add_argument(
        "--network", action="store_true", help="let apk install the predicted packages online"
    )
    v.add_argument(
        "--repository",
        metavar="URL|DIR",
        action="append",
        default=[],
        help="an apk repository to install the predicted packages from (repeatable)",
    )
    v.add_argument(
        "--allow-untrusted",
        action="store_true",
        help="accept a repository whose index is not signed by a key the system trusts",
    )
    p.add_argument(
        "--python", default=None, help="target CPython X.Y for the dependencies (default 3.12)"
    )
    p.add_argument("--index-url", default=None, help="Python package index (default PyPI)")
    p.add_argument("--npm-registry", metavar="URL", default=None, help="npm registry")
    p.add_argument(
        "--offline",
        action="store_true",
        help="package index, PyPI and npm answers from the caches only",
    )
    common.add_mirror(p, "gives package names and installed sizes")
    common.add_fail_on(
        p,
        default=None,
        names=DECISIONS,
        what="decision (or merged finding, for a level)",
        default_help="default not-recommended, or [check] fail-on",
    )
    common.add_output(p, "check", all_help="table: list every finding", progress=True)
    common.add_image_options(p)


def execute(args: argparse.Namespace) -> int:
    """Check, emit the report; 1 when the decision (or a finding) is at or above --fail-on."""
    from ..check import CheckOptions, run
    from ..check.options import VerifyChoice

    verify_only = args.against or args.network or args.repository or args.allow_untrusted
    if verify_only and not args.verify:
        raise InputError(
            "--against, --network, --repository and --allow-untrusted go with --verify"
        )
    choice = (
        VerifyChoice(
            against=args.against,
            network=args.network,
            repositories=tuple(args.repository),
            allow_untrusted=args.allow_untrusted,
        )
        if args.verify
        else None
    )
    if args.max_source_builds is not None and args.max_source_builds < 0:
        raise InputError(f"--max-source-builds {args.max_source_builds}: must be 0 or more")
    report = run(
        CheckOptions(
            path=args.path,
            image=args.image,
            alpine=args.alpine,
            max_source_builds=args.max_source_builds,
            fail_on=args.fail_on,
            offline=args.offline,
            mirror=args.mirror,
            cache_dir=None,  # deps and lint: their own response caches (--cache-dir: images)
            index_url=args.index_url,
            npm_registry=args.npm_registry,
            python=args.python,
            image_options=common.image_options(args),
            progress=output.progress_printer(args.progress),
            verify=choice,
        )
    )
    return common.finish(args, report)
