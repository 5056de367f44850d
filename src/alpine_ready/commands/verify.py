"""``alpine-ready verify``: run TARGET in a real Alpine userland and check scan's prediction."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from ..cli import output
from ..cli.parser import describe
from ..errors import InputError
from ..report.level import Level
from . import common

EPILOG = """\
steps (each reported):
  prepare  the system: the Alpine image of the release (pulled, cached by digest,
           unpacked), or --against IMAGE|ROOTFS, or TARGET's own root filesystem
           when TARGET is an image; with what scan's prediction says is missing
           installed by the release's own apk inside the sandbox (needs --network
           or --repository), gcompat with --with-gcompat, and --apk extras.
           Cached by (base digest, package set): a second run starts at once.
  load     Alpine's musl loader (ld-musl-<arch>.so.1 --list) on every ELF file,
           all in one sandbox; Python extensions imported and Node addons
           required when the system has python3 / node.
  smoke    -- CMD ARGS…, or the [[verify.commands]] of TARGET/.alpine-ready.toml
           ([[tool.alpine-ready.verify.commands]] in pyproject.toml): name,
           command, args, exitCode, expectedOutput, excludedOutput.
  compare  each file's observed load beside scan's prediction for the same
           prepared system: a disagreement is a bug, shown first.

the sandbox: bubblewrap (bwrap) in user namespaces -- new user, pid, ipc, uts,
cgroup and network namespaces; the system read-only; throw-away /tmp; no network
without --network; a time limit that kills the whole sandbox; memory, process
and output limits.  Nothing of TARGET runs on this machine outside it.

exit status: 0 every file agrees with the prediction and every smoke command
passed; 1 a disagreement, a failed smoke command, or a file that does not load
at or above --fail-on; 2 a usage, input or sandbox error (one line).

examples:
  alpine-ready verify ./dist                            # against alpine:{default}
  alpine-ready verify ./dist --against ./alpine-rootfs -- /app/bin/tool --version
  alpine-ready verify ./venv --with-gcompat --network
  alpine-ready verify ./dist --repository ./repo --allow-untrusted --apk libstdc++
  alpine-ready verify registry.example/app:alpine --format json
"""

#: --fail-on's words: a file that does not load, at its predicted verdict
FAIL_ON = {
    "needs-packages": Level.INFO,
    "needs-gcompat": Level.WARNING,
    "incompatible": Level.ERROR,
}
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$", re.IGNORECASE)


def configure(p: argparse.ArgumentParser) -> None:
    """Verify's description and arguments."""
    from .. import knowledge

    describe(
        p,
        "Run TARGET in a real Alpine userland, sandboxed and daemonless: install what "
        "scan says is needed, load every ELF file with Alpine's own musl loader, run "
        "your smoke commands, and show where the prediction was wrong.",
        EPILOG.format(default=knowledge.default_release()),
    )
    p.add_argument(
        "target",
        metavar="TARGET",
        help="an application tree (placed at --mount-at, read-only), one ELF file, or "
        "an image (docker://…, oci:DIR, docker-archive:FILE…: its own root filesystem is "
        "the system)",
    )
    _after_dashes(p)
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--alpine",
        metavar="RELEASE",
        default=None,
        help=f"the release whose image (alpine:RELEASE) is the system "
        f"(default {knowledge.default_release()})",
    )
    where.add_argument(
        "--against",
        metavar="IMAGE|ROOTFS",
        default=None,
        help="an Alpine image or root filesystem directory as the system",
    )
    p.add_argument(
        "--apk",
        metavar="PKG",
        action="append",
        default=[],
        help="another package to install (repeatable)",
    )
    p.add_argument(
        "--with-gcompat",
        action="store_true",
        help="install gcompat (glibc programs then load through its loader stub)",
    )
    p.add_argument(
        "--as-is",
        action="store_true",
        help="do not install the packages scan's fixes name (only --apk, --with-gcompat)",
    )
    p.add_argument(
        "--repository",
        metavar="URL|DIR",
        action="append",
        default=[],
        help="an apk repository to install from (repeatable; a URL needs --network)",
    )
    p.add_argument(
        "--allow-untrusted",
        action="store_true",
        help="accept a repository whose index is not signed by a key the system trusts",
    )
    p.add_argument(
        "--network",
        action="store_true",
        help="let apk and the smoke commands use the network (off by default)",
    )
    p.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=60.0,
        help="seconds each smoke command may run (default 60)",
    )
    p.add_argument(
        "--memory",
        metavar="SIZE",
        default="1G",
        help="address space per process in the sandbox, e.g. 512M, 2G (default 1G)",
    )
    p.add_argument(
        "--mount-at",
        metavar="DIR",
        default="/app",
        help="where an application tree sits in the system (default /app)",
    )
    p.add_argument(
        "--no-imports",
        action="store_true",
        help="do not import Python extensions or require Node addons",
    )
    common.add_fail_on(p, default="incompatible", names=FAIL_ON, what="file that does not load")
    p.add_argument(
        "-j", "--jobs", type=int, default=0, help="scan's worker processes (default: one per CPU)"
    )
    common.add_output(p, "verify", progress=True)
    common.add_image_options(p)
    # argparse's usage cannot show what follows "--": appended to the one it makes
    p.usage = p.format_usage().removeprefix("usage: ").rstrip() + " [-- CMD ARGS…]"


def _after_dashes(p: argparse.ArgumentParser) -> None:
    """``-- CMD ARGS…`` as ``args.smoke_argv``, options before or after TARGET.

    argparse (3.11) consumes TARGET and an empty ``nargs="*"`` positional together
    and then rejects what follows ``--``; the words after the first ``--`` are taken
    off before this command's parser sees the rest.
    """
    p.set_defaults(smoke_argv=[])
    parse = p.parse_known_args

    def parse_known_args(
        args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        words = list(args) if args is not None else []
        if "--" not in words:
            return parse(words, namespace)
        cut = words.index("--")
        ns, extras = parse(words[:cut], namespace)
        ns.smoke_argv = words[cut + 1 :]
        return ns, extras

    setattr(p, "parse_known_args", parse_known_args)  # noqa: B010 (a method replaced)


def parse_size(text: str) -> int:
    """``512M`` / ``2G`` / ``1048576`` → bytes."""
    m = _SIZE.match(text.strip())
    if m is None:
        raise InputError(f"--memory {text}: a size such as 512M or 2G")
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


def execute(args: argparse.Namespace) -> int:
    """Verify, emit the report; 1 on a disagreement or failure."""
    from ..analysis.report import Verdict
    from ..verify.engine import VerifyOptions, run

    if args.jobs < 0:
        raise InputError(f"--jobs {args.jobs}: must be 0 (auto) or more")
    options = VerifyOptions(
        target=args.target,
        alpine=args.alpine,
        against=args.against,
        apk=tuple(args.apk),
        with_gcompat=args.with_gcompat,
        repositories=tuple(args.repository),
        network=args.network,
        allow_untrusted=args.allow_untrusted,
        install_predicted=not args.as_is,
        timeout=args.timeout,
        memory=parse_size(args.memory),
        mount_at=args.mount_at,
        command=tuple(args.smoke_argv),
        fail_on=Verdict.at_level(common.fail_level(args.fail_on, FAIL_ON)),
        imports=not args.no_imports,
        jobs=args.jobs,
        progress=output.progress_printer(args.progress),
        image=common.image_options(args),
    )
    report = run(options)
    common.emit_report(args, report)
    return common.EXIT_FINDINGS if report.failed else common.EXIT_OK
