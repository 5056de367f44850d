"""What ``deps`` is asked: the path, the target, the index and registry, and the limits."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..guard import ProjectBoundary
from . import loader
from .report import DepStatus


@dataclass(frozen=True)
class DepsOptions:
    """What to check, for which target, and how to reach the index."""

    path: str
    python: str | None = None  # None: the installed environment's Python if any, else 3.12
    arch: str = "x86_64"
    alpine: str | None = None  # None: the default release's musl
    index_url: str | None = None  # overrides the inputs' --index-url (default PyPI)
    extra_index_urls: tuple[str, ...] = ()
    offline: bool = False
    cache_dir: Path | None = None  # None: ~/.cache/alpine-ready/index
    fail_on: DepStatus = DepStatus.UNAVAILABLE
    extras: tuple[str, ...] = ()
    npm_registry: str | None = None  # None: .npmrc's registry, else registry.npmjs.org
    resolve: bool = True  # resolve unpinned Python requirements with uv (when installed)
    include_dev: bool = True  # False: leave out dev dependencies (npm ci --omit=dev; Python
    # lockfiles' dev groups)
    progress: Callable[[int, int | None, str], None] | None = None  # done, total, message
    #: where the project's files (and what they include) may lead; None: the git work
    #: tree holding ``path``, else ``path``'s directory (the CLI's ``--project-root DIR``)
    project_root: Path | None = None
    #: the Alpine mirror whose package index checks build needs (None: $ALPINE_READY_MIRROR,
    #: else dl-cdn); given, it is asked even when $ALPINE_READY_OFFLINE is set
    mirror: str | None = None

    def boundary(self) -> ProjectBoundary:
        """The project boundary of ``path`` (see :class:`~alpine_ready.guard.ProjectBoundary`)."""
        if self.project_root is not None:
            return ProjectBoundary(Path(os.path.realpath(self.project_root)))
        return loader.project_of(self.path)
