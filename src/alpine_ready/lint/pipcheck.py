"""The ``pip install`` lookups of ``lint``: the ``deps`` engine behind a small callable.

:class:`PipCheck` is a :data:`~.context.PipChecker`: given requirement strings
(``"numpy==1.26.4"``, ``"psycopg2"``) it answers, per name as written, the ``deps``
status for the musl target (``musl-wheel``, ``pure``, ``upgrade``, ``source-build``,
``unavailable``) or None when unknown.  It is lazy: nothing is set up until a rule calls
it, and a lint run that never meets a ``pip install`` never opens the cache.  Online it
uses the index through the ``deps`` response cache (``~/.cache/alpine-ready/index``);
``offline`` reads only that cache.  No failure escapes: an index error, a cache miss or a
bug gives None for the names concerned (logged), never a failed lint.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

log = logging.getLogger(__name__)


def _parse(text: str) -> tuple[str, Any] | None:
    """(name as written, a ``deps`` Requirement) for one requirement string."""
    from ..deps import python_inputs

    try:
        req = Requirement(text.strip())
    except InvalidRequirement:
        return None
    if req.url:
        return None
    specs = list(req.specifier)
    version = None
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        version = specs[0].version
    return req.name, python_inputs.Requirement(
        name=canonicalize_name(req.name), version=version, specifier=str(req.specifier),
        marker=None, extras=tuple(sorted(req.extras)), source_file="Dockerfile", line=None)


class PipCheck:
    """Requirement strings -> ``deps`` status values for a musl target (lazy, cached)."""

    def __init__(self, *, offline: bool = False, cache_dir: Path | None = None,
                 python: str = "3.12", arch: str = "x86_64", alpine: str | None = None,
                 index_url: str | None = None) -> None:
        self.offline, self.cache_dir = offline, cache_dir
        self.python, self.arch, self.alpine = python, arch, alpine
        self.index_url = index_url
        self._engine: tuple[Any, Any, Any, Any] | None = None
        self._memo: dict[str, str | None] = {}
        self._siblings: dict[str, PipCheck] = {}

    def for_python(self, python: str) -> PipCheck:
        """The same checker for another CPython X.Y (the stage's ``python:3.11-alpine``)."""
        if python == self.python:
            return self
        sibling = self._siblings.get(python)
        if sibling is None:
            sibling = PipCheck(offline=self.offline, cache_dir=self.cache_dir, python=python,
                               arch=self.arch, alpine=self.alpine, index_url=self.index_url)
            self._siblings[python] = sibling
        return sibling

    @property
    def built(self) -> bool:
        """True once a lookup has set up the index client (for tests and logs)."""
        return self._engine is not None

    def _setup(self) -> tuple[Any, Any, Any, Any]:
        if self._engine is None:
            from ..deps.cache import ResponseCache
            from ..deps.check import musl_target
            from ..deps.index import PYPI_SIMPLE, PyPIIndex

            musl, target = musl_target(self.python, self.arch, self.alpine)
            cache = ResponseCache(self.cache_dir) if self.cache_dir is not None \
                else ResponseCache()
            client = PyPIIndex(self.index_url or PYPI_SIMPLE, cache=cache,
                               offline=self.offline)
            self._engine = (client, cache, musl, target)
        return self._engine

    def __call__(self, requirements: list[str]) -> Mapping[str, str | None]:
        """``{name as written: status or None}`` for each requirement string."""
        parsed: dict[str, tuple[str, Any] | None] = {t: _parse(t) for t in requirements}
        todo = [t for t, p in parsed.items() if p is not None and t not in self._memo]
        if todo:
            try:
                self._memo.update(self._lookup({t: p for t, p in parsed.items()
                                                if t in todo and p is not None}))
            except Exception as exc:  # a lint never fails on a lookup
                log.warning("pip lookups failed (%s: %s); treated as unknown",
                            type(exc).__name__, exc)
                self._memo.update((t, None) for t in todo)
        out: dict[str, str | None] = {}
        for text, p in parsed.items():
            name = p[0] if p is not None else text.strip()
            out[name] = self._memo.get(text) if p is not None else None
        return out

    def _lookup(self, reqs: Mapping[str, tuple[str, Any]]) -> dict[str, str | None]:
        from ..deps.check import _check_one, lookup_views
        from ..deps.report import DepStatus

        client, cache, musl, target = self._setup()
        looked = lookup_views(client, [r.name for _, r in reqs.values()], musl,
                              target.python, cache)
        result: dict[str, str | None] = {}
        for text, (_, req) in reqs.items():
            row = _check_one(req, "Dockerfile", looked[req.name][1], musl, target,
                             self.offline)
            result[text] = None if row.status is DepStatus.UNKNOWN else row.status.value
        return result
