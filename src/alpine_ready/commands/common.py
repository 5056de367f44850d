"""What every command shares: output options, ``--fail-on``, image options, finishing.

- :func:`add_output` -- ``--format`` (choices from the format registry), ``-o``,
  ``--color``, and optionally ``--all`` and ``--progress``;
- :func:`add_fail_on` / :func:`fail_level` -- one ``--fail-on`` for every command: a
  level of the shared scale (``style`` < ``info`` < ``warning`` < ``error``) or the
  command's own word for one (a scan verdict, a deps status);
- :func:`add_image_options` / :func:`image_options` -- ``--platform``, ``--cache-dir``,
  ``--tls-verify``;
- :func:`verify_early` / :func:`stop_early` -- start verifying docker archives' layers
  while the analysis modules load (scan, inspect, compare), and stop it;
- :func:`finish` -- render the report in ``--format``, emit it, return the exit status.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .. import formats
from ..cli import output
from ..errors import InputError
from ..report.base import CommandName, Report
from ..report.level import Level

if TYPE_CHECKING:
    from ..inputs.image.source import ImageOptions

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
LEVEL_NAMES = ("style", "info", "warning", "error")


def add_output(
    p: argparse.ArgumentParser,
    command: CommandName,
    *,
    default: str = "table",
    all_help: str | None = None,
    progress: bool = False,
    output_help: str = "write the report to this file instead of stdout",
) -> None:
    """``--format`` (the registry's choices for ``command``), ``-o``, ``--color``, …"""
    choices = formats.for_command(command)
    described = "; ".join(f"{n}: {formats.FORMATS[n].description}" for n in choices)
    p.add_argument(
        "--format",
        choices=choices,
        default=default,
        help=f"output format (default {default}; {described})",
    )
    p.add_argument("-o", "--output", type=Path, default=None, help=output_help)
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in tables (default auto: on a terminal, unless NO_COLOR is set)",
    )
    if all_help is not None:
        p.add_argument("--all", dest="show_all", action="store_true", help=all_help)
    if progress:
        p.add_argument(
            "--progress",
            choices=("auto", "always", "never"),
            default="auto",
            help="progress on stderr (default: when stderr is a terminal)",
        )


def add_fail_on(
    p: argparse.ArgumentParser,
    *,
    default: str | None,
    names: Mapping[str, Level],
    what: str,
    default_help: str | None = None,
) -> None:
    """``--fail-on``: a level name, or one of ``names`` (the command's words)."""
    choices = [*names, *(n for n in LEVEL_NAMES if n not in names)]
    shown = default_help or f"default {default}"
    p.add_argument(
        "--fail-on",
        choices=choices,
        default=default,
        metavar="LEVEL",
        help=f"exit 1 when any {what} is at or above LEVEL: one of "
        f"{', '.join(names)}, or a level of every command "
        f"({' < '.join(LEVEL_NAMES)}) ({shown})",
    )


def fail_level(value: str, names: Mapping[str, Level]) -> Level:
    """The level a ``--fail-on`` value stands for."""
    return names[value] if value in names else Level.parse(value)


def codes(values: Sequence[str]) -> tuple[str, ...]:
    """Comma-separated, repeatable option values as one tuple (``--select AR1,AR2``)."""
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


def add_image_options(p: argparse.ArgumentParser) -> None:
    """How images are reached: platform, cache, TLS."""
    g = p.add_argument_group("images")
    g.add_argument(
        "--platform",
        default="linux/amd64",
        help="OS/ARCH[/VARIANT] to pick from a multi-platform image (default linux/amd64)",
    )
    g.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="blob and layer-analysis cache (default ~/.cache/alpine-ready)",
    )
    g.add_argument(
        "--tls-verify",
        choices=("true", "false"),
        default="true",
        help="verify registry TLS certificates (default true; localhost and "
        "127.0.0.0/8 registries use plain HTTP, as Docker does)",
    )


def add_mirror(p: argparse.ArgumentParser, what: str) -> None:
    """``--mirror URL``: the Alpine mirror whose package index ``what`` (a phrase) uses."""
    p.add_argument(
        "--mirror",
        metavar="URL",
        default=None,
        help=f"Alpine mirror whose package index (APKINDEX of main and community) {what} "
        "(default: $ALPINE_READY_MIRROR, else https://dl-cdn.alpinelinux.org/alpine)",
    )


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


def render_options(args: argparse.Namespace) -> formats.RenderOptions:
    """How the user asked the report to look."""
    color = output.color_enabled(getattr(args, "color", "never"), getattr(args, "output", None))
    return formats.RenderOptions(verbose=getattr(args, "show_all", False), color=color)


def emit_report(args: argparse.Namespace, report: Report) -> None:
    """Render ``report`` in ``args.format`` and write it (``-o`` or stdout)."""
    text = formats.render(cast(formats.FormatName, args.format), report, render_options(args))
    output.emit(args.output, text)


def finish(args: argparse.Namespace, report: Report) -> int:
    """Emit ``report``; 1 when it failed (an item at or above ``--fail-on``), else 0."""
    emit_report(args, report)
    return EXIT_FINDINGS if report.core().failed else EXIT_OK


def verify_early(targets: Sequence[str], cache_dir: Path | None, *, elves: bool) -> None:
    """Start verifying the docker archives' layers while the command's modules load.

    (See :func:`~alpine_ready.inputs.image.localfiles.verify_early`; the CLI stops it.)
    """
    prefix = "docker-archive:"
    paths = [Path(t[len(prefix) :]) for t in targets if t.startswith(prefix)]
    if not paths:  # a docker save archive given as a plain path (classify reads its headers)
        from ..inputs.target import classify

        try:
            refs = [classify(t).image for t in targets]
        except InputError:
            refs = []
        paths = [r.path for r in refs if r and r.transport == "docker-archive" and r.path]
    if not paths:
        return
    from ..inputs.image.localfiles import default_cache_dir
    from ..inputs.image.localfiles import verify_early as start

    start(paths, cache_dir if cache_dir is not None else default_cache_dir(), elves=elves)


def stop_early() -> None:
    """Stop what :func:`verify_early` started (whatever happened)."""
    from ..inputs.image.localfiles import stop_early as stop

    stop()
