"""Read one layer as a stream: decompress, walk its tar entries, analyse what matters.

A layer is never extracted and never held in memory whole: the tar is read in
one pass, without seeking, by :mod:`.tarstream`; each entry's content is read
once, and only what later analyses need is kept -- the entry list (path, type,
size, link), the loader-relevant parts of every ELF file
(:meth:`ElfFile.to_record`), and the text of a few small files (``os-release``,
the apk and dpkg databases, ``dist-info/RECORD``).  The result is cached by
layer digest, so a layer shared by many images is analysed once.

Layers are hostile until proven otherwise: entries that escape the root
(``..``) are skipped with a warning naming the layer and entry, absolute names
are made relative (as Docker does), device nodes are recorded but never
opened, tar headers larger than :data:`MAX_HEADER` and decompression ratios
beyond :data:`MAX_RATIO` stop the layer with an :class:`ImageError`.

ELF symbol records are bounded (the limits are :mod:`~alpine_ready.elf.reader`'s):
a file whose symbol table is larger than ``MAX_FILE_SYMBOLS`` (or its names than
``MAX_FILE_SYMBOL_BYTES``) is not analysed, and an image's analysis holds at most
``MAX_RUN_SYMBOLS`` symbols and ``MAX_RUN_SYMBOL_BYTES`` of names
(:class:`SymbolBudget`); files beyond are
listed in :attr:`LayerAnalysis.unanalysed` with the reason (``scan`` reports them
as not analysed, never as passing).  Identical files (same SHA-256) are read once.

The cache (``CACHE/layers/<digest>.json`` and ``.elves.json``) holds sealed entries
(:mod:`.cachedir`): each is checked for its seal and its shape when read, and one
that fails is removed and the layer analysed again.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import io
import json
import logging
import posixpath
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from ...errors import ElfError, InputError
from ...guard import read_bounded
from .cachedir import make_cache_dir, payload_digest, seal, unseal
from .localfiles import analysis_cache_files
from .model import ImageError, Layer
from .tarstream import HeaderTooLarge, TarEntry, TarError, TarReader

if TYPE_CHECKING:
    from ...elf.reader import SymbolLimits

log = logging.getLogger(__name__)

ANALYSIS_VERSION = 3  # 3: dpkg file lists captured (scan --owned-by)
MAX_HEADER = 1 << 20  # bytes of one PAX/GNU long-name header
MAX_ELF_BYTES = 256 << 20  # ELF files larger than this are listed, not analysed
MAX_TEXT_BYTES = 16 << 20  # captured text files (dpkg status can be several MB)
MAX_RATIO = 100  # uncompressed/compressed beyond this (and past MIN_BOMB) is a bomb
MIN_BOMB = 256 << 20  # real layers compress 2-10x; a 100x layer past 256 MiB is hostile
MAX_LAYER_BYTES = 128 << 30
MAX_ANALYSIS_CACHE = 2 << 30  # bytes of cached layer analyses kept (oldest go first)
#: Bytes of one cache file (an analysis, or its ELF records); larger: not cached.
MAX_CACHE_ENTRY_BYTES = 128 << 20

# Small files whose text later analyses read (globs, relative to the root).
CAPTURE = (
    "etc/os-release",
    "usr/lib/os-release",
    "etc/alpine-release",
    "etc/debian_version",
    "etc/apk/repositories",
    "etc/apk/world",
    "lib/apk/db/installed",
    "var/lib/dpkg/status",
    "var/lib/dpkg/info/*.list",
    "etc/ld-musl-*.path",
    "*.dist-info/RECORD",
    "*.dist-info/WHEEL",
)

ELF_MAGIC = b"\x7fELF"  # (elf.reader's; that module is imported only to read an ELF file)
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"


class Entry(NamedTuple):
    """One tar entry of a layer, normalised (a named tuple: a layer has thousands)."""

    path: str  # relative, normalised ("usr/bin/x"); whiteouts name their target
    kind: str  # file dir symlink hardlink char block fifo whiteout opaque
    size: int
    mode: int
    link: str | None = None  # symlink target (as written) / hardlink target (normalised)
    elf: int | None = None  # index into LayerAnalysis.elves


@dataclass
class LayerAnalysis:
    """What one layer holds, as far as alpine-ready's analyses care."""

    digest: str
    compressed_size: int
    uncompressed_size: int = 0
    entries: list[Entry] = field(default_factory=list)
    elves: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    loaders: dict[str, dict[str, Any]] = field(default_factory=dict)  # musl loader facts
    glibc: dict[str, str] = field(default_factory=dict)  # path -> glibc version string
    warnings: list[str] = field(default_factory=list)
    has_elves: bool = True  # False: a light analysis (inspect) without ELF records
    # ELF files not analysed: path -> (kind, reason); kind "limit" or "corrupt"
    unanalysed: dict[str, tuple[str, str]] = field(default_factory=dict)
    # the run's symbol budget refused a file: a fact of this run, never cached
    budget_limited: bool = False

    def to_json(self) -> dict[str, Any]:
        """Cache form, without the ELF records (they are cached apart: see store_cached)."""
        return self._cache_form([list(e) for e in self.entries], None)

    def _cache_form(self, entries: list[Any], elves_sha256: str | None) -> dict[str, Any]:
        return {
            "version": ANALYSIS_VERSION,
            "digest": self.digest,
            "compressed_size": self.compressed_size,
            "uncompressed_size": self.uncompressed_size,
            "entries": entries,  # [path, kind, size, mode, link, elf] each
            "texts": self.texts,
            "loaders": self.loaders,
            "glibc": self.glibc,
            "warnings": self.warnings,
            "has_elves": self.has_elves,
            "unanalysed": self.unanalysed,
            "elves_sha256": elves_sha256,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any], elves: list[dict[str, Any]]) -> LayerAnalysis:
        """From the cache form and the separately cached ELF records (shapes checked before)."""
        return cls(
            digest=d["digest"],
            compressed_size=d["compressed_size"],
            uncompressed_size=d["uncompressed_size"],
            entries=[Entry(*e) for e in d["entries"]],
            elves=elves,
            texts=d["texts"],
            loaders=d["loaders"],
            glibc=d["glibc"],
            warnings=d["warnings"],
            has_elves=d["has_elves"],
            unanalysed={p: (k, r) for p, (k, r) in d["unanalysed"].items()},
        )

    def drop_records(self, keep: Callable[[int, dict[str, Any]], bool], reason: str) -> None:
        """Forget the ELF records ``keep`` refuses (index, record): their files go to unanalysed."""
        dropped = {i for i, rec in enumerate(self.elves) if not keep(i, rec)}
        if not dropped:
            return
        for i in dropped:
            self.elves[i] = {}  # nothing points at it any more
        for n, e in enumerate(self.entries):
            if e.elf in dropped:
                self.entries[n] = e._replace(elf=None)
                self.unanalysed[e.path] = ("limit", reason)


class _CountingRaw(io.RawIOBase):
    """Counts the bytes read through it.

    ``read`` hands the inner stream's bytes on as they are: no copy (layer tars are
    read in 1 MiB chunks, and a copy per wrapper cost as much as the tar walk).
    """

    def __init__(self, inner: BinaryIO) -> None:
        self.inner, self.count = inner, 0
        self._head = b""  # bytes sniffed by peek(), handed out first

    def readable(self) -> bool:
        return True

    def peek(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer at the end), without consuming them."""
        while len(self._head) < n:
            data = self.inner.read(n - len(self._head))
            if not data:
                break
            self._count(len(data))
            self._head += data
        return self._head[:n]

    def read(self, size: int = -1, /) -> bytes:
        head = self._head
        if head:
            if 0 <= size < len(head):
                self._head = head[size:]
                return head[:size]
            self._head = b""
            if size >= 0:
                size -= len(head)
                if size == 0:
                    return head
            data = self.inner.read(size)
            self._count(len(data))
            return head + data
        data = self.inner.read(size)
        self._count(len(data))
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        n = len(data)
        b[:n] = data
        return n

    def skip(self, n: int) -> int:
        """Move ``n`` bytes on without reading them (the inner stream must have ``skip``)."""
        head = self._head
        done = min(n, len(head))
        self._head = head[done:]
        moved: int = self.inner.skip(n - done)  # type: ignore[attr-defined]
        self._count(moved)
        return done + moved

    def _count(self, n: int) -> None:
        self.count += n
        self.check()

    def check(self) -> None:
        """Hook for subclasses: called after every read."""


class _Counting(_CountingRaw):
    """Counts decompressed bytes and stops decompression bombs."""

    def __init__(self, inner: BinaryIO, compressed: Callable[[], int], what: str) -> None:
        super().__init__(inner)
        self.compressed, self.what = compressed, what

    @property
    def skippable(self) -> bool:
        """Can :meth:`skip` be used: a plain tar over a blob that can skip?"""
        inner = self.inner
        return isinstance(inner, _CountingRaw) and callable(getattr(inner.inner, "skip", None))

    def check(self) -> None:
        """Stop past MAX_LAYER_BYTES, or past MIN_BOMB at more than MAX_RATIO:1."""
        if self.count > MAX_LAYER_BYTES:  # (the limit, not the count: a skip jumps ahead)
            raise ImageError(
                f"{self.what}: more than {MAX_LAYER_BYTES} bytes of tar (a decompression bomb?)"
            )
        if self.count > MIN_BOMB and self.count > MAX_RATIO * max(self.compressed(), 1):
            raise ImageError(
                f"{self.what}: decompresses to more than {self.count} bytes from "
                f"{self.compressed()} (a decompression bomb?)"
            )


def decompressed(blob: BinaryIO, what: str) -> _Counting:
    """The tar stream inside a layer blob (gzip, zstd or plain, sniffed by magic).

    It counts the tar's bytes (``count``) and stops bombs; read it in large chunks.
    A plain tar over a blob that can ``skip`` can skip too (:attr:`_Counting.skippable`).
    """
    raw = _CountingRaw(blob)
    head = raw.peek(4)
    inner: BinaryIO
    if head.startswith(GZIP_MAGIC):
        import gzip

        inner = gzip.GzipFile(
            fileobj=io.BufferedReader(raw, 1 << 16),  # type: ignore[assignment]
            mode="rb",
        )
    elif head.startswith(ZSTD_MAGIC):
        import zstandard

        inner = zstandard.ZstdDecompressor().stream_reader(io.BufferedReader(raw, 1 << 16))
    else:
        inner = raw  # type: ignore[assignment]
    return _Counting(inner, lambda: raw.count, what)


def normalise(name: str) -> str | None:
    """Tar member name → relative root path; None when it escapes the root."""
    if (
        "\\" not in name
        and "//" not in name
        and "/." not in name
        and name[:1] not in ("/", ".", "")
        and name[-1:] != "/"
    ):
        # the common case, already normal: no empty, "." or ".." component
        return name
    parts: list[str] = []
    for comp in name.replace("\\", "/").split("/"):
        if comp in ("", "."):
            continue
        if comp == "..":
            return None
        parts.append(comp)
    return "/".join(parts)


_CAPTURE_RE = re.compile("|".join(fnmatch.translate(pat) for pat in CAPTURE))


# What the light analysis (no ELF records) reads: captured files, musl loaders
# (_musl_loader_name) and glibc's libc (base_is_glibc); one match per file.
_LIGHT_RE = re.compile(
    _CAPTURE_RE.pattern + r"|(?:.*/)?(?:ld-musl-[^/]*\.so\.1|libc\.so\.6"
    r"|libc-[^/]*\.so)\Z",
    re.DOTALL,
)


def _captured(path: str) -> bool:
    return _CAPTURE_RE.match(path) is not None


class SymbolBudget:
    """The ELF symbol records one run may hold, and the records it holds by content digest.

    A file is read with :meth:`limits` (the per-file limits, or what is left of the
    run's if less); what it costs (its table entries, the bytes of its names) is
    :meth:`take`-n.  A file whose content was read before in the run shares that
    record and costs nothing more.  Analyses that did not go through it (read from
    the cache, or made in another process) are :meth:`admit`-ted: their records
    beyond the budget are dropped, their files listed as not analysed.
    """

    def __init__(self) -> None:
        from ...elf.reader import MAX_RUN_SYMBOL_BYTES, MAX_RUN_SYMBOLS

        self.symbols, self.name_bytes = MAX_RUN_SYMBOLS, MAX_RUN_SYMBOL_BYTES  # left
        self.records: dict[str, dict[str, Any]] = {}  # by the file's SHA-256

    def limits(self) -> SymbolLimits:
        """The limits of the next file's read."""
        from ...elf.reader import MAX_FILE_SYMBOL_BYTES, MAX_FILE_SYMBOLS, SymbolLimits

        return SymbolLimits(
            min(MAX_FILE_SYMBOLS, self.symbols), min(MAX_FILE_SYMBOL_BYTES, self.name_bytes)
        )

    def take(self, digest: str, record: dict[str, Any]) -> bool:
        """Hold ``record`` (of the file ``digest``) if it fits what is left; did it?"""
        symbols, nbytes = record["symbols"], record["name_bytes"]
        if symbols > self.symbols or nbytes > self.name_bytes:
            return False
        self.symbols -= symbols
        self.name_bytes -= nbytes
        self.records[digest] = record
        return True

    def admit(self, analysis: LayerAnalysis) -> None:
        """Charge an analysis made elsewhere; share known records, drop what does not fit."""

        def keep(i: int, rec: dict[str, Any]) -> bool:
            digest = rec.get("sha256", "")
            held = self.records.get(digest)
            if held is not None:
                analysis.elves[i] = {**held, "path": rec["path"]}  # its lists shared
                return True
            return self.take(digest, rec)

        analysis.drop_records(keep, run_budget_reason())


def run_budget_reason() -> str:
    """Why a file the run's symbol budget refused is not analysed."""
    from ...elf.reader import RUN_BUDGET_SPENT

    return f"not analysed: {RUN_BUDGET_SPENT}"


def analyse_layer(
    blob: BinaryIO,
    layer: Layer,
    image: str,
    progress: Callable[[int], None] | None = None,
    *,
    elves: bool = True,
    budget: SymbolBudget | None = None,
) -> LayerAnalysis:
    """Stream one layer blob and analyse it (see the module doc).

    ``elves=False`` is the light analysis ``inspect`` needs: ELF files are not
    read, except the musl loader and glibc's ``libc.so.6`` (libc facts).  A blob
    with a ``skip`` method (a local region whose digest is checked apart, see
    :class:`~.verify.RegionDigests`) that holds a plain tar is walked by skipping
    over the content nobody reads; any other blob is read to its end, so that its
    verifying stream checks its digest.  ``budget``: the run's symbol budget
    (default: a budget of its own).
    """
    what = f"{image}: layer {layer.digest[:19]}"
    out = LayerAnalysis(layer.digest, layer.size, has_elves=elves)
    walk = _LayerWalk(out, what, budget)
    stream = counter = decompressed(blob, what)
    skip = stream.skip if stream.skippable else None
    reader = TarReader(stream, max_header=MAX_HEADER, skip=skip)
    started = False
    try:
        for member in reader:
            started = True
            walk.entry(member)
            if progress:
                progress(counter.count)
        started = True  # errors from here on are in a tar stream, not instead of one
        if reader.unterminated:
            # Some writers (umoci 0.4) end the tar right after the last file's data,
            # without padding or the two zero blocks: accepted, with this warning.
            # Any other short read is a truncated layer (TarError).
            out.warnings.append(f"{what}: the tar ends without end-of-archive blocks")
        if skip is not None:  # to the end of the region (the uncompressed size)
            while skip(1 << 40):
                pass
        else:
            # read to the end -- the rest of the tar, then the blob itself -- so the
            # blob's digest is verified by its stream
            while stream.read(1 << 20):
                pass
            while blob.read(1 << 20):
                pass
    except ImageError:
        raise
    except HeaderTooLarge as exc:
        raise ImageError(f"{what}: {exc}") from None
    except (TarError, OSError, EOFError, zlib_error()) as exc:
        if not started:
            raise ImageError(f"{what}: not a tar stream ({exc})") from None
        raise ImageError(f"{what}: corrupt layer ({exc})") from None
    out.uncompressed_size = counter.count
    return out


def zlib_error() -> type[Exception]:
    """The exception type gzip/zlib raise for corrupt data."""
    import zlib

    return zlib.error


class _LayerWalk:
    """One layer's tar entries turned into :class:`Entry` values and ELF records."""

    def __init__(self, out: LayerAnalysis, what: str, budget: SymbolBudget | None) -> None:
        self.out, self.what = out, what
        self._budget = budget  # made when first needed (it imports the ELF reader)
        self.by_digest: dict[str, int] = {}  # ELF content -> index in out.elves
        self.refused: dict[str, tuple[str, str]] = {}  # ELF content -> why not analysed

    def entry(self, m: TarEntry) -> None:
        """Record one tar entry (see the module doc for what is skipped)."""
        out, what = self.out, self.what
        name = m.name
        path = normalise(name)
        if path is None:
            out.warnings.append(f"{what}: entry {name!r} escapes the image root: skipped")
            return
        if name[:1] == "/":
            out.warnings.append(f"{what}: entry {name!r} has an absolute name: read as {path!r}")
        if not path:
            return  # the root itself
        if ".wh." in path:  # maybe a whiteout (its base name starts with .wh.)
            parent, _, base = path.rpartition("/")  # posixpath.split of a normal path
            if base == ".wh..wh..opq":
                out.entries.append(Entry(parent, "opaque", 0, m.mode))
                return
            if base.startswith(".wh."):
                target = posixpath.join(parent, base[4:])
                out.entries.append(Entry(target, "whiteout", 0, m.mode))
                return
        kind = m.type
        if kind == "file":
            out.entries.append(self.regular(m, path))
        elif kind == "dir":
            out.entries.append(Entry(path, "dir", 0, m.mode))
        elif kind == "symlink":
            out.entries.append(Entry(path, "symlink", 0, m.mode, m.linkname))
        elif kind == "hardlink":
            hard_target = normalise(m.linkname)
            if hard_target is None:
                out.warnings.append(
                    f"{what}: hard link {name!r} -> {m.linkname!r} escapes the image root: skipped"
                )
                return
            out.entries.append(Entry(path, "hardlink", 0, m.mode, hard_target))
        elif kind == "sparse":
            out.warnings.append(f"{what}: sparse file entry {path!r}: listed, content not read")
            out.entries.append(Entry(path, "file", m.size, m.mode))
        elif kind in ("char", "block", "fifo"):
            out.warnings.append(f"{what}: {kind} device entry {path!r}: recorded, never opened")
            out.entries.append(Entry(path, kind, 0, m.mode))
        else:
            out.warnings.append(f"{what}: entry {path!r} of unknown type {m.typeflag!r}: skipped")

    def regular(self, m: TarEntry, path: str) -> Entry:
        """A regular file: its text captured, or its ELF record made (or shared)."""
        out, what = self.out, self.what
        size = m.size
        plain = Entry(path, "file", size, m.mode)
        if size < 4:
            return plain
        if not out.has_elves and _LIGHT_RE.match(path) is None:
            return plain  # the light analysis reads nothing else
        head = m.read(4)
        if head != ELF_MAGIC:
            if _captured(path) and size <= MAX_TEXT_BYTES:
                out.texts[path] = (head + m.read(size - 4)).decode("utf-8", "replace")
            return plain
        if not out.has_elves and not (_musl_loader_name(path) or base_is_glibc(path)):
            return plain
        if size > MAX_ELF_BYTES:
            out.warnings.append(
                f"{what}: ELF file {path!r} of {size} bytes is larger than "
                f"{MAX_ELF_BYTES}: not analysed"
            )
            out.unanalysed[path] = (
                "limit",
                f"not analysed: ELF file of {size:,} bytes, larger than {MAX_ELF_BYTES:,}",
            )
            return plain
        data = _content(m, head, size)
        if base_is_glibc(path):
            version = _glibc_version(data)
            if version:
                out.glibc[path] = version
        if not out.has_elves and not _musl_loader_name(path):
            # glibc's libc in the light analysis: its version string is all inspect
            # wants, so the ELF file is not parsed (nor its reader imported)
            return plain
        digest = hashlib.sha256(data).hexdigest()
        index = self.by_digest.get(digest)
        if index is not None:  # a copy of a file of this layer
            self._loader_facts(path, data, out.elves[index])
            return plain._replace(elf=index)
        if digest in self.refused:  # a copy of a file this layer could not analyse
            out.unanalysed[path] = self.refused[digest]
            return plain
        record = self.budget.records.get(digest) if out.has_elves and self._budget else None
        if record is not None:  # read before in this run: the same record, under this path
            record = {**record, "path": "/" + path}
        else:
            record = self._read(path, data, digest)
            if record is None:
                self.refused[digest] = out.unanalysed[path]
                return plain
        self._loader_facts(path, data, record)
        if not out.has_elves:
            return plain
        out.elves.append(record)
        self.by_digest[digest] = len(out.elves) - 1
        return plain._replace(elf=len(out.elves) - 1)

    @property
    def budget(self) -> SymbolBudget:
        """The run's symbol budget (or one of the layer's own)."""
        if self._budget is None:
            self._budget = SymbolBudget()
        return self._budget

    def _read(self, path: str, data: bytearray, digest: str) -> dict[str, Any] | None:
        """The ELF record of ``data``; None (and the reason noted) when it cannot be made."""
        from ...elf.reader import SymbolTableTooLarge, read_elf_bytes

        out = self.out
        try:
            elf = read_elf_bytes(data, "/" + path, self.budget.limits())
        except SymbolTableTooLarge as exc:
            if exc.per_file:
                out.unanalysed[path] = ("limit", f"not analysed: {exc}")
            else:
                out.unanalysed[path] = ("limit", run_budget_reason())
                out.budget_limited = True
            return None
        except ElfError as exc:
            out.warnings.append(f"{self.what}: {path}: corrupt ELF ({exc})")
            out.unanalysed[path] = ("corrupt", f"corrupt ELF: {exc}")
            return None
        record = elf.to_record()
        record["sha256"] = digest
        if out.has_elves:
            self.budget.take(digest, record)  # it fits: it was read within the limits
        return record

    def _loader_facts(self, path: str, data: bytearray, record: dict[str, Any]) -> None:
        """The musl loader's facts, when ``path`` is one."""
        if (record["soname"] or "").startswith("libc.musl-") and not record["needed"]:
            self.out.loaders[path] = _musl_facts(data, "fopen64" in record["exports"])


def _content(m: TarEntry, head: bytes, size: int) -> bytearray:
    """An entry's whole content (``head`` already read), in one buffer filled in chunks.

    (Joining chunks, then adding the head, held the content three times over: a
    256 MiB ELF file cost 768 MiB.)
    """
    buf = bytearray(size)
    buf[:4] = head
    pos = 4
    while pos < size:
        chunk = m.read(min(size - pos, 1 << 20))
        if not chunk:
            raise TarError(f"unexpected end of data in {m.name!r}")
        buf[pos : pos + len(chunk)] = chunk
        pos += len(chunk)
    return buf


def _musl_loader_name(path: str) -> bool:
    name = posixpath.basename(path)
    return name.startswith("ld-musl-") and name.endswith(".so.1")


def base_is_glibc(path: str) -> bool:
    """``libc.so.6`` / ``libc-2.31.so``: where glibc's version string lives."""
    name = posixpath.basename(path)
    return name == "libc.so.6" or (name.startswith("libc-") and name.endswith(".so"))


def _glibc_version(data: bytes | bytearray) -> str | None:
    i = data.find(b"GNU C Library")
    if i < 0:
        return None
    j = data.find(b"version ", i, i + 300)
    if j < 0:
        return None
    ver = data[j + 8 : j + 24].split(b".\n")[0].split(b"\0")[0].split(b" ")[0]
    return ver.decode("ascii", "replace").rstrip(".") or None


def _musl_facts(data: bytes | bytearray, fopen64: bool) -> dict[str, Any]:
    """The LFS64 alias list, read from the loader's own data (see musl_table_from_loader)."""
    start = data.find(b"aio_cancel\0aio_error\0")
    names: list[str] = []
    if start >= 0:
        end = data.find(b"\0\0", start)
        names = data[start:end].decode("ascii", "replace").split("\0")
    return {"lfs64": names, "fopen64": fopen64}


def load_cached(cache_dir: Path | None, digest: str, *, elves: bool = True) -> LayerAnalysis | None:
    """A cached analysis of this layer digest, if there is a valid one.

    With ``elves`` it must be a full analysis (ELF records included); without,
    only the small main file is read (what ``inspect`` needs).  Every file read is
    checked: its seal (SHA-256 and length), its shape, the ELF records' digest
    recorded in the main file.  An entry that fails is removed (a miss).
    """
    if cache_dir is None:
        return None
    main, elf_file = analysis_cache_files(cache_dir, digest)
    try:
        raw = read_bounded(
            main, limit=MAX_CACHE_ENTRY_BYTES, follow_symlinks=False, what="a cache entry"
        )
    except InputError:
        return None  # not there (or not a regular file: removed below if it is one)
    d = _cache_json(raw)
    problem = "its seal does not match" if d is _BAD else _main_problem(d, digest)
    if problem is None and not elves:
        return LayerAnalysis.from_json(d, [])
    if problem is None and not d["has_elves"]:
        return None  # a light analysis: scan needs the full one (stored over it)
    records: Any = None
    if problem is None:
        try:
            raw = read_bounded(
                elf_file, limit=MAX_CACHE_ENTRY_BYTES, follow_symlinks=False, what="a cache entry"
            )
        except InputError as exc:
            raw = b""
            problem = f"its ELF records cannot be read ({exc})"
        if problem is None:
            records = _cache_json(raw)
            problem = _records_problem(records, d, payload_digest(raw))
    if problem is not None:
        log.warning(
            "layer analysis cache %s: %s: removed (the layer is analysed again)", main.name, problem
        )
        for f in (main, elf_file):
            with contextlib.suppress(OSError):
                f.unlink()
        return None
    return LayerAnalysis.from_json(d, records)


_BAD: Any = object()
_KINDS = frozenset(
    {"file", "dir", "symlink", "hardlink", "char", "block", "fifo", "whiteout", "opaque"}
)
_MAIN_FIELDS: dict[str, tuple[type, ...]] = {
    "version": (int,),
    "digest": (str,),
    "compressed_size": (int,),
    "uncompressed_size": (int,),
    "entries": (list,),
    "texts": (dict,),
    "loaders": (dict,),
    "glibc": (dict,),
    "warnings": (list,),
    "has_elves": (bool,),
    "unanalysed": (dict,),
    "elves_sha256": (str, type(None)),
}


def _cache_json(raw: bytes) -> Any:
    """The JSON value of a sealed cache file, or ``_BAD``."""
    payload = unseal(raw)
    if payload is None:
        return _BAD
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return _BAD


def _main_problem(d: Any, digest: str) -> str | None:
    """What is wrong with a cached main file (None: nothing; its entries' ELF indexes apart)."""
    if not isinstance(d, dict):
        return "not a JSON object"
    for key, types in _MAIN_FIELDS.items():
        if type(d.get(key, _BAD)) not in types:
            return f"field {key!r} missing or of the wrong type"
    if d["version"] != ANALYSIS_VERSION or d["digest"] != digest:
        return "another version or layer"
    for e in d["entries"]:
        if type(e) is not list or len(e) != 6:
            return "an entry is malformed"
        path, kind, size, mode, link, elf = e
        if (
            type(path) is not str
            or type(kind) is not str
            or kind not in _KINDS
            or type(size) is not int
            or type(mode) is not int
            or not (link is None or type(link) is str)
            or not (elf is None or type(elf) is int)
        ):
            return "an entry is malformed"
    if (
        not _str_map(d["texts"])
        or not _str_map(d["glibc"])
        or not all(type(w) is str for w in d["warnings"])
    ):
        return "texts or warnings malformed"
    for facts in d["loaders"].values():
        if (
            type(facts) is not dict
            or type(facts.get("fopen64")) is not bool
            or type(facts.get("lfs64")) is not list
            or not all(type(n) is str for n in facts["lfs64"])
        ):
            return "loader facts malformed"
    for v in d["unanalysed"].values():
        if type(v) is not list or len(v) != 2 or not all(type(x) is str for x in v):
            return "unanalysed files malformed"
    return None


def _str_map(m: dict[Any, Any]) -> bool:
    return all(type(k) is str and type(v) is str for k, v in m.items())


def _records_problem(records: Any, d: dict[str, Any], sealed_sha256: str | None) -> str | None:
    """What is wrong with cached ELF records, for the main file ``d`` (None: nothing)."""
    from ...elf.reader import ElfFile

    if records is _BAD:
        return "the seal of its ELF records does not match"
    if sealed_sha256 != d["elves_sha256"]:
        return "its ELF records are not the ones it was stored with"
    if not isinstance(records, list):
        return "its ELF records are not a list"
    for rec in records:
        problem = ElfFile.record_problem(rec) if rec else None
        if problem is not None:
            return f"an ELF record: {problem}"
    n = len(records)
    if any(e[5] is not None and not (0 <= e[5] < n and records[e[5]]) for e in d["entries"]):
        return "an entry names an ELF record that is not there"
    return None


def cache_texts(analysis: LayerAnalysis) -> tuple[bytes | None, bytes]:
    """The cache files' contents: the ELF records (None for a light analysis), the main file.

    Pure, so that a caller can encode them while something else finishes (the
    digest check) and write them once it did.  Both are sealed (:mod:`.cachedir`),
    and the main file names the ELF records' digest.
    """
    elves: bytes | None = None
    elves_sha256 = None
    if analysis.has_elves:
        payload = json.dumps(analysis.elves).encode()
        elves_sha256 = hashlib.sha256(payload).hexdigest()
        elves = seal(payload, elves_sha256)
    # the entries as they are: named tuples encode as to_json's lists do
    main = json.dumps(analysis._cache_form(analysis.entries, elves_sha256)).encode()
    return elves, seal(main)


def store_cached(
    cache_dir: Path | None,
    analysis: LayerAnalysis,
    max_bytes: int = MAX_ANALYSIS_CACHE,
    *,
    texts: tuple[bytes | None, bytes] | None = None,
    evict: bool = True,
) -> None:
    """Cache an analysis atomically (ELF records first, then the main file); failures log.

    ``texts``: :func:`cache_texts` of the analysis, when already made.  ``evict``:
    bound the cache now; a caller storing several analyses calls
    :func:`evict_cached` once instead (each eviction lists the whole directory).
    An analysis the run's symbol budget cut short, or one larger than
    :data:`MAX_CACHE_ENTRY_BYTES`, is not cached.
    """
    if cache_dir is None or analysis.budget_limited:
        return
    from ...guard import cache_write  # (loads tempfile: not before a write)

    main, elf_file = analysis_cache_files(cache_dir, analysis.digest)
    elves_data, main_data = texts if texts is not None else cache_texts(analysis)
    if max(len(main_data), len(elves_data or b"")) > MAX_CACHE_ENTRY_BYTES:
        log.info(
            "layer analysis of %s: larger than %d bytes: not cached",
            analysis.digest,
            MAX_CACHE_ENTRY_BYTES,
        )
        return
    try:
        make_cache_dir(main.parent)
        if elves_data is not None:
            cache_write(elf_file.parent, elf_file.name, elves_data)
        cache_write(main.parent, main.name, main_data)
        if evict:
            _evict(main.parent, max_bytes, keep={main, elf_file})
    except OSError as exc:
        log.warning("cannot cache layer analysis in %s: %s", main.parent, exc)


def evict_cached(
    cache_dir: Path | None, digests: Iterable[str], max_bytes: int = MAX_ANALYSIS_CACHE
) -> None:
    """Bound the analysis cache, keeping the analyses of ``digests`` (just stored)."""
    if cache_dir is None:
        return
    keep = {p for d in digests for p in analysis_cache_files(cache_dir, d)}
    directory = cache_dir / "layers"
    try:
        if directory.is_dir():
            _evict(directory, max_bytes, keep)
    except OSError as exc:
        log.warning("cannot bound the layer analysis cache in %s: %s", directory, exc)


def _evict(directory: Path, max_bytes: int, keep: set[Path]) -> None:
    """Remove the least recently written analyses until the directory fits ``max_bytes``.

    Temporary files older than an hour (a write killed by SIGKILL) go first; the
    others belong to writes under way and are left alone.
    """
    from ...guard.write import TEMP_SUFFIX, remove_stale_temps

    remove_stale_temps(directory)
    files = []
    for p in directory.iterdir():
        if p.name.endswith(TEMP_SUFFIX):
            continue
        st = p.lstat()
        if stat.S_ISREG(st.st_mode):
            files.append((st.st_mtime, st.st_size, p))
    total = sum(size for _, size, _ in files)
    for _mtime, size, path in sorted(files):
        if total <= max_bytes:
            break
        if path in keep:
            continue
        path.unlink(missing_ok=True)
        total -= size
