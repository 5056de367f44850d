"""``yarn.lock``: classic v1 text, and berry (yarn >= 2) YAML.

v1 records no platform fields (the note says so: platform packages are recognised by
name); berry's ``conditions: os=… & cpu=… & libc=…`` are read.  v1 is read line by
line in one pass (a 300,000-entry ``yarn.lock`` takes seconds and a few hundred MB).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import ClassVar, NoReturn

from ...errors import InputError
from ...guard import excerpt
from .. import loader
from ..node_model import (
    MAX_LOCK_PACKAGES,
    NodeInput,
    NodePackage,
    opt_str,
    read_lockfile_text,
    split_spec,
    too_many,
)
from .base import Context, Ecosystem, FileSource, InputFile, Role


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] == '"':
        if "\\" not in s:
            return s[1:-1]
        try:
            return str(json.loads(s))
        except json.JSONDecodeError:
            return s[1:-1]
    return s


def _spec_name(spec: str) -> str:
    """``@s/n@npm:^1`` / ``n@^1`` -> the package name.

    An alias names the real package after ``npm:`` (yarn v1's
    ``string-width-cjs@npm:string-width@^4.2.0`` is string-width).
    """
    if "@npm:" in spec:
        alias, target = spec.split("@npm:", 1)
        if "@" in target.lstrip("@"):
            return split_spec(target)[0]
        return split_spec(alias + "@x")[0]
    return split_spec(spec)[0]


def parse_yarn_lock(path: str | Path, *, named: bool = True) -> NodeInput:
    """Parse ``yarn.lock``: classic v1 text, or berry (``__metadata``) YAML."""
    p = Path(path)
    display, text = read_lockfile_text(p, named=named)
    if text.startswith("__metadata:") or "\n__metadata:" in text:
        return _parse_yarn_berry(p, display, text)
    reader = _YarnV1(display, str(p))
    reader.read(text)
    del text  # (the packages are made without it: 50 MB less at the peak)
    return NodeInput(str(p), "yarn-v1", "1", tuple(reader.packages()), False, False, _YARN_NOTES)


_YARN_NOTES = (
    "yarn.lock v1 records no os/cpu/libc: platform packages are recognised by name "
    "only; dev/prod and install scripts are not recorded either",
)


def _header_specs(line: str) -> tuple[str, ...]:
    """The specs of a ``spec, spec:`` header line (stripped, ending in ``:``)."""
    body = line[:-1]
    if "," in body:
        return tuple(_unquote(s) for s in body.split(",") if s.strip())
    s = body.strip()
    if not s:
        return ()
    if s[0] == '"' and s[-1] == '"' and len(s) >= 2 and "\\" not in s:
        return (s[1:-1],)  # (the common header: one quoted spec)
    return (_unquote(s),)


class _YarnV1:
    """The entries of a classic ``yarn.lock``, read line by line in one pass.

    Each entry becomes its :class:`NodePackage` as soon as its last line is read: only
    what a package needs is kept (specs, version, resolved, the ``optionalDependencies``
    ranges), repeated versions share one string, and the text can go before the
    packages are finished (:meth:`packages` marks the optional ones).
    """

    def __init__(self, display: str, source: str) -> None:
        self.display = display
        self.source = source
        self.out: list[NodePackage] = []
        self.multi: dict[int, tuple[str, ...]] = {}  # index in out -> specs, when several
        self.optional_specs: set[str] = set()
        self.entries = 0
        self.no_version: tuple[int, str] | None = None  # the first entry without a version

    def fail(self, n: int, what: str) -> NoReturn:
        raise InputError(f"{self.display}:{n}: malformed yarn.lock: {what}")

    def _close(
        self, n: int, specs: tuple[str, ...], version: str | None, resolved: str | None
    ) -> None:
        """The entry of the header on line ``n`` is complete."""
        if not specs:
            return
        if version is None:
            if self.no_version is None:
                self.no_version = (n, specs[0])
            return
        if len(specs) > 1:
            self.multi[len(self.out)] = specs
        # positional: a frozen dataclass takes keywords a third slower, 300,000 times
        self.out.append(
            NodePackage(
                _spec_name(specs[0]),
                version,
                ", ".join(specs),
                (),
                (),
                (),
                False,
                False,
                None,
                resolved,
                self.source,
            )
        )

    def read(self, text: str) -> None:
        specs: tuple[str, ...] | None = None  # of the current entry (None: before the first)
        header = 0
        version: str | None = None
        resolved: str | None = None
        section: str | None = None
        intern = sys.intern
        n = 0
        for lines in loader.line_chunks(text):
            for raw in lines:
                n += 1
                if not raw:
                    continue
                if raw[0] != " ":  # a comment, or the ``spec, spec:`` header of an entry
                    line = raw.strip()
                    if not line or line[0] == "#":
                        continue
                    if line[-1] != ":":
                        self.fail(n, "expected 'spec, ...:'")
                    if specs is not None:
                        self._close(header, specs, version, resolved)
                    specs, header, version, resolved, section = (
                        _header_specs(line),
                        n,
                        None,
                        None,
                        None,
                    )
                    self.entries += 1
                    if self.entries > MAX_LOCK_PACKAGES:
                        too_many(self.display, self.entries)
                    continue
                deeper = raw[:3] == "   "
                if deeper and specs is not None and section != "optionalDependencies":
                    continue  # a dependency of the entry (the common line): nothing to keep
                line = raw.strip()
                if not line or line[0] == "#":
                    continue
                if specs is None:
                    self.fail(n, "indented line outside an entry")
                if not deeper and raw[1] == " ":  # indented by two: a field or a section
                    if line[-1] == ":":
                        section = line[:-1]
                        continue
                    section = None
                    key, _, value = line.partition(" ")
                    if key[:1] == '"':
                        key = _unquote(key)
                    if key == "version":
                        version = intern(_unquote(value))
                    elif key == "resolved":
                        resolved = _unquote(value)
                elif section == "optionalDependencies" and (deeper or raw[1] != " "):
                    dep, _, rng = line.partition(" ")
                    self.optional_specs.add(f"{_unquote(dep)}@{_unquote(rng)}")
        if specs is not None:
            self._close(header, specs, version, resolved)

    def packages(self) -> list[NodePackage]:
        """The packages read, the optional ones marked."""
        if self.no_version is not None:
            n, spec = self.no_version
            self.fail(n, f"entry '{excerpt(spec)}' has no version")
        out, optional = self.out, self.optional_specs
        if optional:
            for i, pkg in enumerate(out):
                specs = self.multi.get(i, (pkg.path_in_lock,))
                if any(s in optional for s in specs):
                    out[i] = replace(pkg, optional=True)
        return out


def _conditions(text: str) -> dict[str, tuple[str, ...]]:
    """``os=linux & cpu=x64 & libc=musl`` (``|`` alternatives allowed) -> fields."""
    out: dict[str, list[str]] = {}
    for part in re.split(r"[&|]", text):
        k, sep, v = part.strip().strip("()").strip().partition("=")
        if sep and v:
            out.setdefault(k.strip(), []).append(v.strip())
    return {k: tuple(v) for k, v in out.items()}


def _parse_yarn_berry(p: Path, display: str, text: str) -> NodeInput:
    data = loader.load_yaml(text, display)
    del text
    if not isinstance(data, dict):
        raise InputError(f"{display}:1: malformed yarn.lock: the top level is not a mapping")
    too_many(display, len(data))
    meta = data.get("__metadata")
    meta_version = meta.get("version") if isinstance(meta, dict) else None
    version = excerpt(str(meta_version)) if isinstance(meta_version, str | int) else None
    optional_names: set[str] = set()
    for key, entry in data.items():
        if key == "__metadata" or not isinstance(entry, dict):
            continue
        dmeta = entry.get("dependenciesMeta")
        if isinstance(dmeta, dict):
            for dep, m in dmeta.items():
                if isinstance(m, dict) and m.get("optional") is True:
                    optional_names.add(str(dep))
    out: list[NodePackage] = []
    for key, entry in data.items():
        if key == "__metadata" or not isinstance(entry, dict):
            continue
        resolution = opt_str(entry.get("resolution")) or ""
        if "@workspace:" in resolution:
            continue  # the project itself or a workspace
        if "@patch:" in resolution:
            continue  # a patched copy (yarn's fsevents/typescript compat); the npm: entry is kept
        specs = [s.strip() for s in str(key).split(",")]
        name = _spec_name(resolution or specs[0])
        cond = _conditions(str(entry.get("conditions") or ""))
        out.append(
            NodePackage(
                name=name,
                version=opt_str(entry.get("version")),
                path_in_lock=str(key),
                os=cond.get("os", ()),
                cpu=cond.get("cpu", ()),
                libc=cond.get("libc", ()),
                optional=name in optional_names,
                dev=False,
                has_install_script=None,
                resolved=resolution or None,
                source_file=str(p),
            )
        )
    notes = (
        "yarn berry records platform fields as 'conditions'; dev/prod and install "
        "scripts are not recorded",
    )
    records_libc = any(pkg.libc for pkg in out)
    return NodeInput(str(p), "yarn-berry", version, tuple(out), True, records_libc, notes)


class YarnLock(FileSource):
    """yarn's lockfile, classic or berry."""

    name: ClassVar[str] = "yarn.lock"
    ecosystem: ClassVar[Ecosystem] = "node"
    role: ClassVar[Role] = Role.LOCKFILE
    names: ClassVar[tuple[str, ...]] = ("yarn.lock",)

    def parse(self, file: InputFile, context: Context) -> NodeInput:
        """Every package of the lockfile."""
        return parse_yarn_lock(file.path, named=file.named)


SOURCE = YarnLock()
