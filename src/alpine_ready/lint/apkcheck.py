"""The package-index lookups of ``lint``: Alpine's index of a release, loaded lazily.

:class:`ApkIndexes` is a :data:`~.context.PackageIndexes`: given a release (``3.20``) it
returns that release's package index (:mod:`alpine_ready.knowledge.apkrepo`: ``main`` and
``community`` for x86_64), or None when none can be read -- offline with a cold cache,
the mirror unreachable -- and the rules asking then stay silent.  Nothing is fetched
until a rule asks, once per release per run.
"""

from __future__ import annotations

from pathlib import Path

from ..knowledge.apkindex import PackageIndex
from ..knowledge.apkrepo import index_offline, release_index


class ApkIndexes:
    """Release -> its package index or None (lazy, one load per release)."""

    def __init__(
        self,
        *,
        offline: bool = False,
        mirror: str | None = None,
        cache_root: Path | None = None,
        arch: str = "x86_64",
    ) -> None:
        """``offline``: the cache only (so is ``$ALPINE_READY_OFFLINE`` with no ``mirror``)."""
        self.offline = index_offline(offline, mirror)
        self.mirror, self.cache_root, self.arch = mirror, cache_root, arch
        self._loaded: dict[str, PackageIndex | None] = {}

    def __call__(self, release: str) -> PackageIndex | None:
        """The index of ``release``, or None."""
        if release not in self._loaded:
            self._loaded[release] = release_index(
                release,
                self.arch,
                mirror=self.mirror,
                offline=self.offline,
                cache_root=self.cache_root,
            )
        return self._loaded[release]
