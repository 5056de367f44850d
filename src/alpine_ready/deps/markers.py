"""PEP 508 markers, evaluated for the musl target a check is for (never for the host).

:func:`musl_environment` is the marker environment of CPython X.Y on musl Linux;
:func:`marker_applies` and :func:`split_by_env` decide which requirements a target
installs.  With no environment nothing is filtered; an undecidable marker keeps its
requirement.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.utils import canonicalize_name

from ..errors import InputError

if TYPE_CHECKING:
    from .requirement import Requirement

Environment = Mapping[str, "str | frozenset[str]"]


def musl_environment(python: str = "3.12", arch: str = "x86_64") -> dict[str, str]:
    """The PEP 508 marker environment of CPython *python* on musl Linux *arch*.

    Every key is set, so ``packaging`` never fills a gap from the host.
    """
    if arch not in ("x86_64", "aarch64"):
        raise InputError(f"unsupported architecture {arch!r}: expected x86_64 or aarch64")
    if not re.fullmatch(r"3\.\d+", python):
        raise InputError(f"invalid Python version {python!r}: expected e.g. 3.12")
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "posix",
        "platform_machine": arch,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "linux",
        "extra": "",
    }


def marker_applies(
    marker: str | None,
    env: Environment | None,
    *,
    extras: Iterable[str] = (),
    lock_file: bool = False,
) -> bool:
    """Whether *marker* holds in *env*; no environment or an undecidable marker: True."""
    if marker is None or env is None:
        return True
    parsed = _marker(marker)
    if parsed is None:
        return True
    wanted = [canonicalize_name(e) for e in extras]
    try:
        if lock_file:
            full: dict[str, str | frozenset[str]] = dict(env)
            full.setdefault("extras", frozenset(wanted))
            full.setdefault("dependency_groups", frozenset())
            return parsed.evaluate(full, context="lock_file")
        for extra in [*wanted, ""] if wanted else [""]:
            one: dict[str, str | frozenset[str]] = dict(env)
            one["extra"] = extra
            if parsed.evaluate(one):
                return True
        return False
    except UndefinedEnvironmentName:
        return True


@functools.lru_cache(maxsize=4096)
def _marker(text: str) -> Marker | None:
    """The parsed marker (None when it does not parse); lockfiles repeat a few markers."""
    try:
        return Marker(text)
    except InvalidMarker:
        return None


def split_by_env(
    reqs: Iterable[Requirement],
    env: Environment | None,
    *,
    extras: Iterable[str] = (),
    lock_file: bool = False,
) -> tuple[tuple[Requirement, ...], tuple[Requirement, ...]]:
    """(kept, excluded): the requirements whose markers hold in *env*, and the others."""
    keep: list[Requirement] = []
    drop: list[Requirement] = []
    extras = tuple(extras)
    for r in reqs:
        ok = marker_applies(r.marker, env, extras=extras, lock_file=lock_file)
        (keep if ok else drop).append(r)
    return tuple(keep), tuple(drop)
