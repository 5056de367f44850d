"""``alpine-ready deps``: will pip install / npm ci of these dependencies work on Alpine?"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import output
from ..cli.parser import describe
from . import common

EPILOG = """\
statuses, best to worst, by level (--fail-on LEVEL fails on it and on those above):
  ok       musl-wheel            Python: a musllinux wheel for the pinned version and target
           pure                  Python: a pure-Python (none-any) wheel
           musl-build            Node: a -musl platform package or musl prebuild is used
           portable              Node: pure JavaScript, or one static build for both libcs
  info     upgrade               the pinned version has no musl build; a newer one has
           downloads-at-install  Node: fetches its binary from outside the registry at
                                 install time (cannot be checked; may compile instead)
  warning  source-build          Python: only an sdist: pip compiles it (apk add build-base…)
           builds-from-source    Node: node-gyp compiles it (apk add python3 make g++)
  error    unavailable           cannot be installed for this target
           glibc-only            Node: only glibc builds: fails or crashes on Alpine
           lockfile-problem      Node: a musl build exists but the lockfile lacks it
  unknown and unchecked (registry not answering, URL/path/VCS requirements) never fail.

Unpinned Python requirements are resolved with uv, wheels only (nothing is built or run):
the glibc resolution gives the versions checked, the musl one shows silent downgrades.
Without uv (pip install 'alpine-ready[resolve]') each is checked at its newest release.
In a project directory a lockfile wins over requirements files and node_modules. A
pyproject.toml without [project] dependencies is read from Poetry's [tool.poetry.*] tables.

examples:
  alpine-ready deps .
  alpine-ready deps requirements.txt --python 3.11 --arch aarch64
  alpine-ready deps uv.lock --offline --format json -o deps.json
  alpine-ready deps package-lock.json --no-dev --fail-on builds-from-source
  alpine-ready deps bun.lock --arch aarch64
  alpine-ready deps ./node_modules
  alpine-ready deps docker-archive:app.tar        # what is installed in an image
"""


def configure(p: argparse.ArgumentParser) -> None:
    """Deps' description and arguments."""
    from .. import knowledge
    from ..deps.report import FAIL_ON_CHOICES

    releases = ", ".join(knowledge.releases())
    describe(
        p,
        "Check every Python and Node dependency of PATH against its registry, "
        "before anyone builds. Python (requirements*.txt, pyproject.toml, "
        "uv.lock, poetry.lock, pylock.toml, Pipfile.lock, an installed "
        "environment): does the pinned "
        "version have a musllinux or pure wheel for the target, or must pip "
        "compile it, or can it not be installed at all? Node (package-lock.json, "
        "npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, bun.lock, node_modules): "
        "is there "
        "a musl build of every native addon, or does it compile, download at "
        "install time, or ship glibc only?",
        EPILOG,
    )
    p.add_argument(
        "path",
        metavar="PATH",
        help="a project directory, one dependency file, an installed "
        "environment (venv, site-packages, node_modules), or an image "
        "(docker://REF, oci:DIR, docker-archive:FILE, NAME:TAG)",
    )
    p.add_argument(
        "--python",
        default=None,
        help="target CPython X.Y (default: the Python of an installed "
        "environment in PATH, else 3.12)",
    )
    p.add_argument(
        "--arch",
        choices=("x86_64", "aarch64"),
        default="x86_64",
        help="target architecture (default x86_64)",
    )
    p.add_argument(
        "--alpine",
        metavar="RELEASE",
        default=None,
        help=f"Alpine release whose musl decides the musllinux levels "
        f"(default {knowledge.default_release()}; built in: {releases})",
    )
    p.add_argument(
        "--index-url",
        default=None,
        help="package index (Simple API) instead of the inputs' own or PyPI",
    )
    p.add_argument(
        "--extra-index-url",
        action="append",
        default=[],
        metavar="URL",
        help="another index to look in (repeatable)",
    )
    p.add_argument(
        "--npm-registry",
        metavar="URL",
        default=None,
        help="npm registry (default: registry= in .npmrc, else https://registry.npmjs.org/)",
    )
    p.add_argument(
        "--no-resolve",
        dest="resolve",
        action="store_false",
        help="do not resolve unpinned Python requirements with uv (check each "
        "at its newest matching release instead)",
    )
    p.add_argument(
        "--no-dev",
        dest="include_dev",
        action="store_false",
        help="leave out dev dependencies (npm ci --omit=dev; the dev groups of "
        "uv, poetry and Pipfile lockfiles and of Poetry's tables)",
    )
    p.add_argument(
        "--extra",
        dest="extras",
        action="append",
        default=[],
        metavar="NAME",
        help="check this optional-dependency group of pyproject.toml / the "
        "lockfile too (repeatable; '*' for all)",
    )
    p.add_argument(
        "--project-root",
        metavar="DIR",
        type=Path,
        default=None,
        help="the project's files (and -r/-c includes) may lead anywhere "
        "under DIR (default: the git work tree holding PATH, else PATH's "
        "directory; see docs/security.md)",
    )
    p.add_argument(
        "--offline",
        action="store_true",
        help="use only the response cache; say what could not be checked",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="response cache (default ~/.cache/alpine-ready/index, npm answers "
        "in ~/.cache/alpine-ready/npm, Alpine's package index in "
        "~/.cache/alpine-ready/apkindex; with this option, all in DIR)",
    )
    common.add_mirror(p, "checks source builds' apk packages against")
    names = {s.value: s.level for s in FAIL_ON_CHOICES}
    common.add_fail_on(p, default="unavailable", names=names, what="package")
    common.add_output(p, "deps", all_help="table: list the fine packages too", progress=True)


def execute(args: argparse.Namespace) -> int:
    """Check the dependencies, emit the report; 1 when a package is at or above --fail-on."""
    from ..deps.check import DepsOptions, run
    from ..deps.report import FAIL_ON_CHOICES, DepStatus

    names = {s.value: s.level for s in FAIL_ON_CHOICES}
    fail_on = (
        DepStatus.parse(args.fail_on)
        if args.fail_on in names
        else DepStatus.at_level(common.fail_level(args.fail_on, names))
    )
    options = DepsOptions(
        path=args.path,
        python=args.python,
        arch=args.arch,
        alpine=args.alpine,
        index_url=args.index_url,
        extra_index_urls=tuple(args.extra_index_url),
        offline=args.offline,
        cache_dir=args.cache_dir,
        fail_on=fail_on,
        npm_registry=args.npm_registry,
        include_dev=args.include_dev,
        resolve=args.resolve,
        project_root=args.project_root,
        mirror=args.mirror,
        extras=tuple(args.extras),
        progress=output.progress_printer(args.progress),
    )
    return common.finish(args, run(options))
