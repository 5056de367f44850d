"""An installed Python environment: a venv, a ``pip install --target`` dir, a root filesystem.

Read when a directory has no Python dependency file: each installed distribution is a
pinned requirement (checked on the index), and its ELF files -- judged by the scan
engine -- are the proof of what the installed copy does on Alpine (the input's
:attr:`~..requirement.ParsedInput.evidence`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from ...errors import NothingToRead
from ...guard import printable
from ..evidence import Evidence, elf_proof
from ..requirement import ParsedInput, Requirement
from .base import Context, Ecosystem, FileSource, InputFile, Role


def walk(directory: Path) -> tuple[Path, ...]:
    """The installed environments under a directory (walked once per run: pass it on)."""
    if not directory.is_dir():
        return ()
    from ..installed import find_site_packages

    return tuple(find_site_packages(directory))


def python_of(sites: Sequence[Path]) -> str | None:
    """X.Y of the newest ``pythonX.Y`` directory holding an installed environment."""
    found = {m[1] for sp in sites for m in [re.search(r"python(3\.\d+)", sp.as_posix())] if m}
    return max(found, key=lambda v: int(v.split(".")[1]), default=None)


def _evidence(d: Any, source: str) -> Evidence:
    tags = ", ".join(sorted({t.rsplit("-", 1)[-1] for t in d.wheel_tags})) or "none"
    out = [f"installed here from a {d.libc_of_tags or 'non-wheel'} build (wheel tags: {tags})"]
    judged = [f for f in d.elf_files if f.verdict is not None]
    if not judged:
        return Evidence(source, tuple(out), False)
    worst = d.worst
    bad = next((f for f in judged if f.verdict is worst), judged[0])
    line, broken = elf_proof(len(judged), worst, "", bad.path, bad.reason)
    return Evidence(source, (*out, line), broken)


def read_site_packages(path: Path) -> ParsedInput:
    """The distributions installed under ``path``, as pinned requirements with evidence."""
    from ..installed import read_installed_python

    env = read_installed_python(path)
    reqs = []
    evidence = []
    for d in env.dists:
        if d.version is None:
            continue
        source = str(path / d.dist_info)
        evidence.append(_evidence(d, source))  # by copy: one name can be installed twice
        reqs.append(Requirement.exact(d.name, d.version, source))
    notes = (
        f"installed environment: {len(env.dists)} distributions in "
        f"{', '.join(env.site_packages) or '.'}; versions checked on the index, ELF "
        f"files judged by the scan engine",
        *env.notes,
    )
    return ParsedInput(
        str(path), "site-packages", tuple(reqs), notes=notes, evidence=tuple(evidence)
    )


class SitePackages(FileSource):
    """The distributions installed in a directory (read when it has no dependency file)."""

    name: ClassVar[str] = "site-packages"
    ecosystem: ClassVar[Ecosystem] = "python"
    role: ClassVar[Role] = Role.INSTALLED
    listed: ClassVar[bool] = False
    names: ClassVar[tuple[str, ...]] = ()

    def find(self, directory: Path, context: Context) -> list[Path]:
        """The directory itself, when an installed environment lies under it."""
        sites = context.sites if context.sites is not None else walk(directory)
        return [directory] if sites else []

    def parse(self, file: InputFile, context: Context) -> ParsedInput:
        """Every installed distribution with a version."""
        if not file.path.is_dir():
            raise NothingToRead(f"{printable(str(file.path))}: not a directory")
        return read_site_packages(file.path)


SOURCE = SitePackages()
