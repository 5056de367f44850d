"""The ``pip install`` lookups of ``lint``: the ``deps`` engine behind a small callable.

:class:`PipCheck` is a :data:`~.context.PipChecker`: given requirement strings
(``"numpy==1.26.4"``, ``"psycopg2"``) it answers, per name as written, the ``deps``
status for the musl target (``musl-wheel``, ``pure``, ``upgrade``, ``source-build``,
``unavailable``) or None when unknown.  It is lazy: nothing is set up until a rule calls
it, and a lint run that never meets a ``pip install`` never opens the cache.  Online it
uses the index through the ``deps`` response cache (``~/.cache/alpine-ready/index``);
``offline`` reads only that cache.  No failure escapes: an index error, a cache miss or a
bug gives None for the names concerned (logged), never a failed lint.

For a package pip would compile (``source-build``, ``upgrade``) :meth:`PipCheck.build_packages`
gives the ``apk add`` packages its sdist's build files call for (``psycopg2`` →
``build-base libpq-dev``): ``deps``' sdist reading (``deps/sdist.py``, the build-deps table
of ``knowledge/data/build-deps.json``), streamed once online and cached by the sdist's
URL; ``offline`` reads only that cache.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..deps.engine import IndexCheck
    from ..deps.requirement import Requirement

log = logging.getLogger(__name__)


class PipCheck:
    """Requirement strings -> ``deps`` status values for a musl target (lazy, cached)."""

    def __init__(
        self,
        *,
        offline: bool = False,
        cache_dir: Path | None = None,
        python: str = "3.12",
        arch: str = "x86_64",
        alpine: str | None = None,
        index_url: str | None = None,
    ) -> None:
        self.offline, self.cache_dir = offline, cache_dir
        self.python, self.arch, self.alpine = python, arch, alpine
        self.index_url = index_url
        self._engine: IndexCheck | None = None
        self._memo: dict[str, str | None] = {}
        self._build: dict[str, tuple[str, ...]] = {}
        self._siblings: dict[str, PipCheck] = {}

    def for_python(self, python: str) -> PipCheck:
        """The same checker for another CPython X.Y (the stage's ``python:3.11-alpine``)."""
        if python == self.python:
            return self
        sibling = self._siblings.get(python)
        if sibling is None:
            sibling = PipCheck(
                offline=self.offline,
                cache_dir=self.cache_dir,
                python=python,
                arch=self.arch,
                alpine=self.alpine,
                index_url=self.index_url,
            )
            self._siblings[python] = sibling
        return sibling

    @property
    def built(self) -> bool:
        """True once a lookup has set up the index client (for tests and logs)."""
        return self._engine is not None

    def _setup(self) -> IndexCheck:
        if self._engine is None:
            from ..deps.engine import IndexCheck

            self._engine = IndexCheck(
                python=self.python,
                arch=self.arch,
                alpine=self.alpine,
                index_url=self.index_url,
                offline=self.offline,
                cache_dir=self.cache_dir,
            )
        return self._engine

    def __call__(self, requirements: list[str]) -> Mapping[str, str | None]:
        """``{name as written: status or None}`` for each requirement string."""
        from ..deps.engine import parse_requirement

        parsed = {t: parse_requirement(t, "Dockerfile") for t in requirements}
        todo = [t for t, p in parsed.items() if p is not None and t not in self._memo]
        if todo:
            try:
                self._memo.update(
                    self._lookup({t: p for t, p in parsed.items() if t in todo and p is not None})
                )
            except Exception as exc:  # a lint never fails on a lookup
                log.warning(
                    "pip lookups failed (%s: %s); treated as unknown", type(exc).__name__, exc
                )
                self._memo.update((t, None) for t in todo)
        out: dict[str, str | None] = {}
        for text, p in parsed.items():
            name = p[0] if p is not None else text.strip()
            out[name] = self._memo.get(text) if p is not None else None
        return out

    def build_packages(self, requirement: str) -> tuple[str, ...]:
        """The ``apk add`` packages pip's source build of ``requirement`` needs (looked up).

        Empty when it is not a source build, or its sdist's build files were not read.
        """
        self([requirement])
        return self._build.get(requirement, ())

    def _lookup(self, reqs: Mapping[str, tuple[str, Requirement]]) -> dict[str, str | None]:
        from ..deps.engine import BUILD_FIX, check_requirement
        from ..deps.python_check import with_build_needs
        from ..deps.report import DepStatus
        from ..deps.views import lookup_views
        from ..report.item import FixKind

        engine = self._setup()
        wanted = [req for _, req in reqs.values()]
        looked = lookup_views(
            engine.client, [r.name for r in wanted], engine.musl, engine.target.python, engine.cache
        )
        rows = [
            check_requirement(
                r, "Dockerfile", looked[r.name][1], engine.musl, engine.target, engine.offline
            )
            for r in wanted
        ]
        pages_of = {
            name: (engine.client, pages) for name, (pages, _) in looked.items() if pages is not None
        }
        try:
            rows = with_build_needs(
                rows, pages_of, engine.cache, self.offline, python=engine.target.python
            )
        except Exception as exc:  # the build needs are extra: the statuses stand without them
            log.info("build needs not read (%s: %s)", type(exc).__name__, exc)
        for text, row in zip(reqs, rows, strict=True):
            for action in row.actions:
                if (
                    action.kind is FixKind.APK_ADD
                    and action.packages
                    and action.description != BUILD_FIX
                ):
                    self._build[text] = tuple(action.packages)
        return {
            text: None if row.status is DepStatus.UNKNOWN else row.status.value
            for text, row in zip(reqs, rows, strict=True)
        }
