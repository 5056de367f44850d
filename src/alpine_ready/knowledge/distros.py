"""Package tools of glibc distributions and conda: ``data/distro-tools.json``.

:func:`distro_tools` is the file's only loader.  Lint AR206 (a package tool on an
Alpine stage), AR303 (a stage that needs glibc), a stage's libc when its base image is
unknown, and translate (Debian-only commands it reports, apt's paths, locale tools) all
read it here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from . import load_json

#: Families whose tools translate reads as Debian's (it rewrites apt, not the others).
DEBIAN_FAMILIES = frozenset({"Debian", "Ubuntu"})


@dataclass(frozen=True)
class DistroTools:
    """``distro-tools.json``."""

    family: Mapping[str, str]  # tool → "Debian" | "Ubuntu" | "Red Hat" | "SUSE" | "conda"
    package_managers: frozenset[str]  # what AR206 reports on Alpine
    installers: frozenset[str]  # running one means the stage is a glibc distribution
    on_alpine: Mapping[str, str]  # tool → the apk package that brings it (dpkg, rpm)
    conda_installers: frozenset[str]  # miniconda, miniforge…: URL words
    release_files: tuple[str, ...]  # /etc/os-release…
    apt_state: tuple[str, ...]  # /var/lib/apt/lists…
    locale_tools: frozenset[str]  # locale-gen, localedef, update-locale

    def of_families(self, *families: str) -> frozenset[str]:
        """The tools of the given families."""
        return frozenset(t for t, f in self.family.items() if f in families)


@cache
def distro_tools() -> DistroTools:
    """The table of ``distro-tools.json``."""
    d = load_json("distro-tools.json")
    tools = d["tools"]
    return DistroTools(
        family={k: v["family"] for k, v in tools.items()},
        package_managers=frozenset(k for k, v in tools.items() if v.get("package_manager")),
        installers=frozenset(k for k, v in tools.items() if v.get("installs")),
        on_alpine=dict(d["on_alpine"]["tools"]),
        conda_installers=frozenset(d["conda_installers"]["names"]),
        release_files=tuple(d["release_files"]["paths"]),
        apt_state=tuple(d["apt_state"]["paths"]),
        locale_tools=frozenset(d["locale_tools"]["names"]),
    )
