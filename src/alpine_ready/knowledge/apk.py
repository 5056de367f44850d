"""Where apk keeps its indexes and package cache: ``data/apk-paths.json``.

:func:`apk_cache_dirs` is the file's only loader; lint's apk hygiene rules (AR101, AR103)
read it.
"""

from __future__ import annotations

from functools import cache

from . import load_json


@cache
def apk_cache_dirs() -> tuple[str, ...]:
    """Apk's cache directory and the link that turns the cache on."""
    return tuple(load_json("apk-paths.json")["cache_dirs"]["paths"])
