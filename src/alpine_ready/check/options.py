"""What ``check`` is asked, and its configuration (``[check]`` / ``[tool.alpine-ready.check]``).

The configuration is found in PATH itself: ``.alpine-ready.toml``'s ``[check]`` table,
else ``pyproject.toml``'s ``[tool.alpine-ready.check]``::

    [check]
    max-source-builds = 2        # CR2's threshold (default: check-rules.json's)
    fail-on = "fits-with-changes" # the exit-1 threshold (the CLI's --fail-on wins)
    alpine = "3.23"

Command-line values win over the file. A mistake (an unknown key, a wrong type) is one
:class:`~alpine_ready.errors.InputError` line naming the file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..guard import read_bounded
from ..inputs.image.source import ImageOptions

OWN_FILE = ".alpine-ready.toml"
PYPROJECT = "pyproject.toml"
MAX_CONFIG_BYTES = 1024 * 1024
DECISION_WORDS = ("fits-with-changes", "not-recommended")
LEVEL_WORDS = ("style", "info", "warning", "error")
_KEYS = {"max-source-builds": int, "fail-on": str, "alpine": str}


@dataclass(frozen=True)
class CheckOptions:
    """Everything ``check`` can be asked (None: the configuration's value, else the default)."""

    path: str = "."
    image: str | None = None  # the image built today (any transport)
    alpine: str | None = None
    max_source_builds: int | None = None
    fail_on: str | None = None  # a decision word or a level
    offline: bool = False  # package indexes, PyPI and npm answers from the caches only
    mirror: str | None = None  # Alpine mirror of the package index
    cache_dir: Path | None = None  # deps' response cache
    index_url: str | None = None
    npm_registry: str | None = None
    python: str | None = None
    image_options: ImageOptions = field(default_factory=ImageOptions)
    progress: Callable[[int, int | None, str], None] | None = None
    verify: VerifyChoice | None = None  # --verify: run the files in a real Alpine userland


@dataclass(frozen=True)
class VerifyChoice:
    """How ``check --verify`` runs ``verify`` (the same words as ``alpine-ready verify``)."""

    against: str | None = None  # a root filesystem or an image as the system
    network: bool = False  # apk (and the sandbox) may use the network
    repositories: tuple[str, ...] = ()  # apk repositories (URL or DIR)
    allow_untrusted: bool = False  # a repository whose index is not signed


@dataclass(frozen=True)
class CheckConfig:
    """The ``[check]`` table, as read."""

    path: Path | None = None
    max_source_builds: int | None = None
    fail_on: str | None = None
    alpine: str | None = None


def _table(path: Path) -> dict[str, Any] | None:
    try:
        doc = tomllib.loads(
            read_bounded(path, limit=MAX_CONFIG_BYTES, what="a configuration file").decode("utf-8")
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not a readable TOML file ({exc})") from None
    if path.name == PYPROJECT:
        tool = doc.get("tool", {})
        doc = tool.get("alpine-ready", {}) if isinstance(tool, dict) else {}
    table = doc.get("check") if isinstance(doc, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise InputError(f"{path}: [check] must be a table")
    return table


def load_config(root: Path) -> CheckConfig:
    """The ``[check]`` table of ``root``'s ``.alpine-ready.toml`` or ``pyproject.toml``."""
    for name in (OWN_FILE, PYPROJECT):
        path = root / name
        if not path.is_file():
            continue
        table = _table(path)
        if table is None:
            continue
        for key, value in table.items():
            want = _KEYS.get(key)
            if want is None:
                raise InputError(f"{path}: [check] has no key {key!r} (keys: {', '.join(_KEYS)})")
            if not isinstance(value, want) or isinstance(value, bool):
                raise InputError(f"{path}: [check] {key} must be a {want.__name__}")
        fail_on = table.get("fail-on")
        if fail_on is not None and fail_on not in DECISION_WORDS + LEVEL_WORDS:
            raise InputError(
                f"{path}: [check] fail-on {fail_on!r}: one of "
                f"{', '.join(DECISION_WORDS + LEVEL_WORDS)}"
            )
        builds = table.get("max-source-builds")
        if builds is not None and builds < 0:
            raise InputError(f"{path}: [check] max-source-builds must be 0 or more")
        return CheckConfig(path, builds, fail_on, table.get("alpine"))
    return CheckConfig()


__all__ = ["CheckConfig", "CheckOptions", "load_config"]
