"""``pylock.toml`` (PEP 751, also ``pylock.NAME.toml``): packages with wheels and markers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import canonicalize_name

from ...errors import InputError
from ...guard import excerpt
from .. import loader
from ..markers import Environment, split_by_env
from ..requirement import ParsedInput, Requirement, Uncheckable
from ..shape import Doc, key_path
from .base import (
    Context,
    Ecosystem,
    FileSource,
    InputFile,
    Role,
    count,
    filename,
    need,
    nth,
    read,
    table_lines,
    toml,
)


def _pylock_files(
    doc: Doc, p: dict[str, Any], where: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    wheels_at = key_path(where, "wheels")
    dists = [
        (key_path(wheels_at, j), d)
        for j, d in enumerate(doc.tables(doc.get(p, "wheels", where, list, []), wheels_at))
    ]
    sdist = doc.opt(p, "sdist", where, dict)
    if sdist is not None:
        dists.append((key_path(where, "sdist"), sdist))
    files, hashes = [], []
    for at, d in dists:
        files.append(
            doc.opt(d, "name", at, str)
            or filename(doc.opt(d, "url", at, str) or doc.get(d, "path", at, str, ""))
        )
        for algo, digest in doc.get(d, "hashes", at, dict, {}).items():
            digest = doc.check(digest, key_path(key_path(at, "hashes"), algo), str)
            hashes.append(f"{algo}:{digest}")
    return tuple(files), tuple(hashes)


def parse_pylock(
    path: Path | str,
    env: Environment | None = None,
    extras: Iterable[str] = (),
    *,
    data: bytes | None = None,
    named: bool = True,
) -> ParsedInput:
    """PEP 751 ``pylock.toml``: ``[[packages]]`` with wheels/sdist and markers."""
    path = Path(path)
    src = read(path, loader.MAX_TOML_LOCK_BYTES, "a lockfile", named=named, data=data)
    top, doc = toml(src)
    lv = top.get("lock-version")
    need(isinstance(lv, str), src, "pylock.toml (no lock-version)")
    if not str(lv).startswith("1."):
        raise InputError(
            f"{src.display}: unsupported pylock lock-version {excerpt(str(lv))} (expected 1.x)"
        )
    need(isinstance(top.get("packages", []), list), src, "pylock.toml ([[packages]] expected)")
    pkgs = doc.tables(top.get("packages", []), "packages")
    count(len(pkgs), src, "packages")
    reqs: list[Requirement] = []
    unchecked: list[Uncheckable] = []
    indexes: list[str] = []
    at = table_lines(src.text, "packages")
    at = at if len(at) == len(pkgs) else []
    for i, p in enumerate(pkgs):
        where = key_path("packages", i)
        need("name" in p, src, "pylock.toml package (no name)")
        name = canonicalize_name(doc.req(p, "name", where, str))
        for kind in ("vcs", "directory", "archive"):
            if kind in p:
                ref_at = key_path(where, kind)
                ref_table = doc.req(p, kind, where, dict)
                ref = doc.opt(ref_table, "url", ref_at, str) or doc.get(
                    ref_table, "path", ref_at, str, ""
                )
                if kind == "directory" and ref == ".":
                    break  # the project being locked
                unchecked.append(
                    Uncheckable(
                        f"{name} ({kind} {excerpt(ref, 200)})",
                        f"{kind} source",
                        str(path),
                        nth(at, i),
                    )
                )
                break
        else:
            index = doc.opt(p, "index", where, str)
            if index and index not in indexes:
                indexes.append(index)
            files, hashes = _pylock_files(doc, p, where)
            version = doc.opt(p, "version", where, str)
            reqs.append(
                Requirement(
                    name,
                    version,
                    f"=={version}" if version else "",
                    doc.opt(p, "marker", where, str),
                    (),
                    str(path),
                    nth(at, i),
                    hashes,
                    index,
                    files,
                )
            )
    keep, drop = split_by_env(reqs, env, extras=extras, lock_file=True)
    return ParsedInput(str(path), "pylock", keep, tuple(unchecked), tuple(indexes), drop)


class Pylock(FileSource):
    """The standard lockfile: ``pylock.toml`` first, then ``pylock.*.toml`` by name."""

    name: ClassVar[str] = "pylock.toml"
    ecosystem: ClassVar[Ecosystem] = "python"
    role: ClassVar[Role] = Role.LOCKFILE
    names: ClassVar[tuple[str, ...]] = ("pylock.toml", "pylock.*.toml")

    def sniff(self, head: str) -> bool:
        """A ``lock-version`` and ``[[packages]]`` tables."""
        return re.search(r"^lock-version\s*=", head, re.M) is not None and "[[packages]]" in head

    def parse(self, file: InputFile, context: Context) -> ParsedInput:
        """Every package whose marker holds for the target (lock-file markers)."""
        return parse_pylock(
            file.path, context.env, context.extras, data=file.data, named=file.named
        )


SOURCE = Pylock()
