"""Alpine's own package facts: ``APKINDEX`` and ``lib/apk/db/installed``, one parser.

Both files are blank-line separated records of ``K:value`` lines with the same
letters: ``P`` name, ``V`` version, ``A`` arch, ``S`` package size, ``I`` installed
size, ``o`` origin, ``k`` provider priority, ``D`` depends (space separated: names,
``so:libfoo.so.1``, ``cmd:foo``, ``pc:foo``, ``!conflict``, with optional
``>=``/``<``/``=``/``~`` version constraints), ``p`` provides (``so:libxml2.so.2=2.13.9``,
``cmd:xmllint=…``, ``pc:libxml-2.0=…``, or plain virtual names), ``i`` install-if.
The installed database adds file lists (``F:``/``R:``/``Z:``…), which are skipped.

:func:`parse_records` is the one parser (``inspection.parse_apk_db`` uses it too);
:class:`PackageIndex` answers the questions the other stages ask:

- the provider of ``so:NAME``, ``cmd:NAME``, ``pc:NAME`` (:meth:`PackageIndex.provider`).
  When several packages provide it, the choice is deterministic: the highest provider
  priority (``k:``) first -- as apk itself prefers --, then a package whose name *is* the
  provided name (``libxml2`` for ``so:libxml2.so.2``, ``NAME-dev`` for ``pc:NAME``), then the
  smallest installed size, then the name;
- :meth:`~PackageIndex.exists`, :meth:`~PackageIndex.version`,
  :meth:`~PackageIndex.installed_size`;
- :meth:`~PackageIndex.install_closure`: the packages an ``apk add`` of some names pulls
  in (``D:`` names resolved through provides, conflicts ignored, bounded) and their
  installed size.

:func:`read_apkindex_archive` reads ``APKINDEX.tar.gz`` as hostile input: the
decompressed size is capped (:data:`MAX_INDEX_BYTES`), only the regular member named
exactly ``APKINDEX`` is read (nothing is ever extracted), record and line sizes and
the record count are bounded.  Every failure is a one-line
:class:`~alpine_ready.errors.PackageIndexError` naming the file or URL.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..errors import PackageIndexError

#: The largest ``APKINDEX.tar.gz`` accepted (compressed).
MAX_ARCHIVE_BYTES = 32 * 1024**2
#: The largest decompressed archive (all gzip members) -- community's index is ~10 MB.
MAX_INDEX_BYTES = 96 * 1024**2
#: The most records (packages) one index may hold.
MAX_RECORDS = 200_000
#: The longest line (a ``p:`` line of a big package is a few kB).
MAX_LINE_BYTES = 256 * 1024
#: The largest record of an index (an installed database's records carry file lists
#: and are not bounded by this).
MAX_RECORD_BYTES = 2 * 1024**2
#: The most packages one install closure visits.
MAX_CLOSURE = 20_000

_KINDS = ("so", "cmd", "pc")
_CONSTRAINT = re.compile(r"[<>=~]")


@dataclass(frozen=True)
class ApkRecord:
    """One package record (installed database or index)."""

    name: str
    version: str = ""
    arch: str = ""
    size: int | None = None  # S: the .apk file
    installed_size: int | None = None  # I:
    origin: str = ""
    priority: int = 0  # k: provider priority
    depends: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()  # without their "=version"
    install_if: tuple[str, ...] = ()


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


def parse_records(
    text: str,
    *,
    source: str = "APKINDEX",
    bounded: bool = True,
) -> Iterator[ApkRecord]:
    """The records of an APKINDEX or an installed database, in order.

    A record without ``P:`` is skipped; unknown letters and malformed lines are
    ignored (both files gain letters over apk versions).  ``bounded`` applies
    :data:`MAX_LINE_BYTES`, :data:`MAX_RECORD_BYTES` and :data:`MAX_RECORDS` (an
    index); an installed database, already in memory, is read whole.
    """
    fields: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    record_bytes = 0
    count = 0
    for line in [*text.splitlines(), ""]:
        if bounded:
            if len(line) > MAX_LINE_BYTES:
                raise PackageIndexError(
                    f"{source}: a line longer than {MAX_LINE_BYTES} bytes: not a package index"
                )
            record_bytes += len(line) + 1
            if record_bytes > MAX_RECORD_BYTES:
                raise PackageIndexError(
                    f"{source}: a record larger than {MAX_RECORD_BYTES} bytes: not a package index"
                )
        if line:
            if len(line) < 2 or line[1] != ":":
                continue
            key, value = line[0], line[2:]
            if key in "Dpi":
                multi.setdefault(key, []).extend(value.split())
            elif key in "PVASIok" and key not in fields:
                fields[key] = value
            continue
        record_bytes = 0
        if fields.get("P"):
            count += 1
            if bounded and count > MAX_RECORDS:
                raise PackageIndexError(f"{source}: more than {MAX_RECORDS} packages")
            prio = fields.get("k", "")
            yield ApkRecord(
                name=fields["P"],
                version=fields.get("V", ""),
                arch=fields.get("A", ""),
                size=_int(fields.get("S", "")),
                installed_size=_int(fields.get("I", "")),
                origin=fields.get("o", ""),
                priority=int(prio) if prio.lstrip("-").isdigit() and len(prio) < 9 else 0,
                depends=tuple(multi.get("D", ())),
                provides=tuple(p.split("=", 1)[0] for p in multi.get("p", ())),
                install_if=tuple(multi.get("i", ())),
            )
        fields = {}
        multi = {}


def dependency_name(token: str) -> str | None:
    """The name a ``D:`` token asks for (``so:libc.musl-x86_64.so.1``, ``busybox>=1.36``).

    None for a conflict (``!name``).
    """
    if not token or token.startswith("!"):
        return None
    return _CONSTRAINT.split(token, 1)[0] or None


def _matches(provided: str, package: str) -> bool:
    kind, _, name = provided.partition(":")
    if kind == "so":
        return package == name.split(".so", 1)[0]
    if kind == "pc":
        return package in (name, f"{name}-dev")
    return package == (name or provided)


@dataclass(frozen=True)
class InstallClosure:
    """What an ``apk add`` of some names brings in."""

    packages: tuple[str, ...]  # every package installed, sorted
    installed_size: int  # bytes, the sum of their I: (unknown sizes count 0)
    unresolved: tuple[str, ...] = ()  # dependency names nothing in the index provides
    truncated: bool = False  # the walk stopped at MAX_CLOSURE packages


#: the provides a missing name may be found under, and how a message names each
_HINTS = (("cmd", "the command"), ("so", "the library"), ("pc", "the pkg-config module"))


@dataclass(frozen=True)
class PackageIndex:
    """The packages of one or more repositories (main before community), frozen."""

    packages: Mapping[str, ApkRecord]
    providers: Mapping[str, tuple[str, ...]]  # provided name -> packages, preferred first
    sources: tuple[str, ...] = ()  # the URLs or files read
    release: str | None = None  # "3.23"
    arch: str | None = None

    @classmethod
    def from_records(
        cls,
        records: Iterable[ApkRecord],
        *,
        sources: tuple[str, ...] = (),
        release: str | None = None,
        arch: str | None = None,
    ) -> PackageIndex:
        """The index of ``records``; a name seen twice keeps its first record."""
        packages: dict[str, ApkRecord] = {}
        for rec in records:
            packages.setdefault(rec.name, rec)
        found: dict[str, set[str]] = {}
        for rec in packages.values():
            for provided in rec.provides:
                found.setdefault(provided, set()).add(rec.name)

        def rank(provided: str, name: str) -> tuple[int, int, int, str]:
            rec = packages[name]
            return (
                -rec.priority,
                0 if _matches(provided, name) else 1,
                rec.installed_size if rec.installed_size is not None else 1 << 62,
                name,
            )

        providers = {
            p: tuple(sorted(names, key=lambda n, p=p: rank(p, n)))  # type: ignore[misc]
            for p, names in found.items()
        }
        return cls(
            MappingProxyType(packages),
            MappingProxyType(providers),
            sources,
            release,
            arch,
        )

    # -- questions -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.packages)

    def exists(self, name: str) -> bool:
        """Is ``name`` a package of this release (not merely something provided)?"""
        return name in self.packages

    def version(self, name: str) -> str | None:
        """The package's version (``2.13.9-r0``), or None."""
        rec = self.packages.get(name)
        return rec.version if rec else None

    def installed_size(self, name: str) -> int | None:
        """The package's own installed size in bytes, or None."""
        rec = self.packages.get(name)
        return rec.installed_size if rec else None

    def provider(self, provided: str) -> str | None:
        """The package to install for ``so:NAME``, ``cmd:NAME``, ``pc:NAME`` or a name."""
        if provided in self.packages and ":" not in provided:
            return provided
        names = self.providers.get(provided)
        return names[0] if names else None

    def provides_hints(self, name: str) -> list[str]:
        """What the index's ``cmd:``/``so:``/``pc:`` provides of ``name`` itself suggest.

        (``the command xz is in xz-tools``: for a name that is no package of the release.)
        """
        return [
            f"{what} {name} is in {who}"
            for kind, what in _HINTS
            if (who := self.provider(f"{kind}:{name}")) is not None
        ]

    def soname_provider(self, soname: str) -> str | None:
        """The package providing ``so:SONAME``."""
        return self.provider(f"so:{soname}")

    def command_provider(self, command: str) -> str | None:
        """The package providing the command (``cmd:NAME``)."""
        return self.provider(f"cmd:{command}")

    def pkgconfig_provider(self, name: str) -> str | None:
        """The ``-dev`` package providing the pkg-config module ``pc:NAME``."""
        return self.provider(f"pc:{name}")

    def install_closure(self, names: Iterable[str]) -> InstallClosure:
        """The packages ``apk add NAMES`` installs, and their installed size."""
        todo = [n for n in names]
        seen: set[str] = set()
        unresolved: set[str] = set()
        truncated = False
        while todo:
            want = todo.pop()
            pkg = self.provider(want)
            if pkg is None:
                unresolved.add(want)
                continue
            if pkg in seen:
                continue
            if len(seen) >= MAX_CLOSURE:
                truncated = True
                break
            seen.add(pkg)
            for dep in self.packages[pkg].depends:
                name = dependency_name(dep)
                if name is not None:
                    todo.append(name)
        size = sum(self.packages[p].installed_size or 0 for p in seen)
        return InstallClosure(tuple(sorted(seen)), size, tuple(sorted(unresolved)), truncated)


def parse_index(
    text: str,
    *,
    source: str = "APKINDEX",
    release: str | None = None,
    arch: str | None = None,
) -> PackageIndex:
    """One index from APKINDEX text (bounded)."""
    return PackageIndex.from_records(
        parse_records(text, source=source), sources=(source,), release=release, arch=arch
    )


def _gunzip(data: bytes, limit: int, source: str) -> bytes:
    """All gzip members of ``data`` (APKINDEX.tar.gz is two or three), at most ``limit``."""
    out = bytearray()
    rest = data
    while rest:
        if rest[:2] != b"\x1f\x8b":
            if not out or rest.strip(b"\0"):
                raise PackageIndexError(f"{source}: not gzip data")
            break  # trailing zero padding
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += d.decompress(rest, limit + 1 - len(out))
        except zlib.error as e:
            raise PackageIndexError(f"{source}: corrupt gzip data ({e})") from None
        if len(out) > limit or d.unconsumed_tail:
            raise PackageIndexError(
                f"{source}: decompresses to more than {limit} bytes: not a package index"
            )
        if not d.eof:
            raise PackageIndexError(f"{source}: truncated gzip data")
        rest = d.unused_data
    return bytes(out)


def read_apkindex_archive(data: bytes, source: str) -> str:
    """The ``APKINDEX`` text of an ``APKINDEX.tar.gz`` (see the module doc for the bounds)."""
    import io
    import tarfile  # here: inspection imports the parser on every inspect's start-up path

    if len(data) > MAX_ARCHIVE_BYTES:
        raise PackageIndexError(f"{source}: larger than {MAX_ARCHIVE_BYTES} bytes")
    raw = _gunzip(data, MAX_INDEX_BYTES, source)
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            for member in tar:
                if member.name != "APKINDEX":
                    continue
                if not member.isreg():
                    raise PackageIndexError(f"{source}: its APKINDEX member is not a regular file")
                f = tar.extractfile(member)
                body = f.read(MAX_INDEX_BYTES + 1) if f is not None else b""
                if len(body) != member.size:
                    raise PackageIndexError(f"{source}: its APKINDEX member is truncated")
                return body.decode("utf-8", "replace")
    except tarfile.TarError as e:
        raise PackageIndexError(f"{source}: not a tar archive ({e})") from None
    raise PackageIndexError(f"{source}: no APKINDEX member")


def read_index_file(data: bytes, source: str, **kw: str | None) -> PackageIndex:
    """A :class:`PackageIndex` from the bytes of an ``APKINDEX.tar.gz``."""
    return parse_index(read_apkindex_archive(data, source), source=source, **kw)


__all__ = [
    "ApkRecord",
    "InstallClosure",
    "PackageIndex",
    "dependency_name",
    "parse_index",
    "parse_records",
    "read_apkindex_archive",
    "read_index_file",
]
