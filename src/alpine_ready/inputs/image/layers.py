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
"""

from __future__ import annotations

import fnmatch
import io
import json
import logging
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from .localfiles import analysis_cache_files
from .model import ImageError, Layer
from .tarstream import HeaderTooLarge, TarEntry, TarError, TarReader

log = logging.getLogger(__name__)

ANALYSIS_VERSION = 1
MAX_HEADER = 1 << 20  # bytes of one PAX/GNU long-name header
MAX_ELF_BYTES = 256 << 20  # ELF files larger than this are listed, not analysed
MAX_TEXT_BYTES = 16 << 20  # captured text files (dpkg status can be several MB)
MAX_RATIO = 100  # uncompressed/compressed beyond this (and past MIN_BOMB) is a bomb
MIN_BOMB = 256 << 20  # real layers compress 2-10x; a 100x layer past 256 MiB is hostile
MAX_LAYER_BYTES = 128 << 30

# Small files whose text later analyses read (globs, relative to the root).
CAPTURE = (
    "etc/os-release", "usr/lib/os-release", "etc/alpine-release", "etc/debian_version",
    "etc/apk/repositories", "etc/apk/world", "lib/apk/db/installed",
    "var/lib/dpkg/status", "etc/ld-musl-*.path", "*.dist-info/RECORD", "*.dist-info/WHEEL",
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

    def to_json(self) -> dict[str, Any]:
        """Cache form, without the ELF records (they are cached apart: see store_cached)."""
        return self._cache_form([list(e) for e in self.entries])

    def _cache_form(self, entries: list[Any]) -> dict[str, Any]:
        return {
            "version": ANALYSIS_VERSION, "digest": self.digest,
            "compressed_size": self.compressed_size,
            "uncompressed_size": self.uncompressed_size,
            "entries": entries,  # [path, kind, size, mode, link, elf] each
            "texts": self.texts, "loaders": self.loaders,
            "glibc": self.glibc, "warnings": self.warnings, "has_elves": self.has_elves,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any], elves: list[dict[str, Any]]) -> LayerAnalysis:
        """From the cache form and the separately cached ELF records."""
        return cls(digest=d["digest"], compressed_size=d["compressed_size"],
                   uncompressed_size=d["uncompressed_size"],
                   entries=[Entry(*e) for e in d["entries"]], elves=elves,
                   texts=d["texts"], loaders=d["loaders"], glibc=d["glibc"],
                   warnings=d["warnings"], has_elves=d["has_elves"])


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
            raise ImageError(f"{self.what}: more than {MAX_LAYER_BYTES} bytes of tar "
                             "(a decompression bomb?)")
        if self.count > MIN_BOMB and self.count > MAX_RATIO * max(self.compressed(), 1):
            raise ImageError(f"{self.what}: decompresses to more than {self.count} bytes from "
                             f"{self.compressed()} (a decompression bomb?)")


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

        inner = gzip.GzipFile(fileobj=io.BufferedReader(raw, 1 << 16),  # type: ignore[assignment]
                              mode="rb")
    elif head.startswith(ZSTD_MAGIC):
        import zstandard

        inner = zstandard.ZstdDecompressor().stream_reader(io.BufferedReader(raw, 1 << 16))
    else:
        inner = raw  # type: ignore[assignment]
    return _Counting(inner, lambda: raw.count, what)


def normalise(name: str) -> str | None:
    """Tar member name → relative root path; None when it escapes the root."""
    if ("\\" not in name and "//" not in name and "/." not in name
            and name[:1] not in ("/", ".", "") and name[-1:] != "/"):
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
_LIGHT_RE = re.compile(_CAPTURE_RE.pattern + r"|(?:.*/)?(?:ld-musl-[^/]*\.so\.1|libc\.so\.6"
                       r"|libc-[^/]*\.so)\Z", re.DOTALL)


def _captured(path: str) -> bool:
    return _CAPTURE_RE.match(path) is not None


def analyse_layer(blob: BinaryIO, layer: Layer, image: str,
                  progress: Callable[[int], None] | None = None, *,
                  elves: bool = True) -> LayerAnalysis:
    """Stream one layer blob and analyse it (see the module doc).

    ``elves=False`` is the light analysis ``inspect`` needs: ELF files are not
    read, except the musl loader and glibc's ``libc.so.6`` (libc facts).  A blob
    with a ``skip`` method (a local region whose digest is checked apart, see
    :class:`~.verify.RegionDigests`) that holds a plain tar is walked by skipping
    over the content nobody reads; any other blob is read to its end, so that its
    verifying stream checks its digest.
    """
    what = f"{image}: layer {layer.digest[:19]}"
    out = LayerAnalysis(layer.digest, layer.size, has_elves=elves)
    stream = counter = decompressed(blob, what)
    skip = stream.skip if stream.skippable else None
    reader = TarReader(stream, max_header=MAX_HEADER, skip=skip)
    started = False
    try:
        for member in reader:
            started = True
            _entry(member, out, what)
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


def _entry(m: TarEntry, out: LayerAnalysis, what: str) -> None:
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
        out.entries.append(_regular(m, path, out, what))
    elif kind == "dir":
        out.entries.append(Entry(path, "dir", 0, m.mode))
    elif kind == "symlink":
        out.entries.append(Entry(path, "symlink", 0, m.mode, m.linkname))
    elif kind == "hardlink":
        hard_target = normalise(m.linkname)
        if hard_target is None:
            out.warnings.append(f"{what}: hard link {name!r} -> {m.linkname!r} escapes the "
                                "image root: skipped")
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


def _regular(m: TarEntry, path: str, out: LayerAnalysis, what: str) -> Entry:
    size = m.size
    if size < 4:
        return Entry(path, "file", size, m.mode)
    if not out.has_elves and _LIGHT_RE.match(path) is None:
        return Entry(path, "file", size, m.mode)  # the light analysis reads nothing else
    head = m.read(4)
    if head == ELF_MAGIC:
        if not out.has_elves and not (_musl_loader_name(path) or base_is_glibc(path)):
            return Entry(path, "file", size, m.mode)
        if size > MAX_ELF_BYTES:
            out.warnings.append(f"{what}: ELF file {path!r} of {size} bytes is larger than "
                                f"{MAX_ELF_BYTES}: not analysed")
            return Entry(path, "file", size, m.mode)
        data = head + m.read(size - 4)
        if not out.has_elves and not _musl_loader_name(path):
            # glibc's libc in the light analysis: its version string is all inspect
            # wants, so the ELF file is not parsed (nor its reader imported)
            version = _glibc_version(data)
            if version:
                out.glibc[path] = version
            return Entry(path, "file", size, m.mode)
        from ...elf.reader import ElfError, read_elf_bytes

        try:
            elf = read_elf_bytes(data, "/" + path)
        except ElfError as exc:
            out.warnings.append(f"{what}: {path}: corrupt ELF ({exc})")
            return Entry(path, "file", size, m.mode)
        if elf.soname and elf.soname.startswith("libc.musl-") and not elf.needed:
            out.loaders[path] = _musl_facts(data, elf)
        if base_is_glibc(path):
            version = _glibc_version(data)
            if version:
                out.glibc[path] = version
        if not out.has_elves:
            return Entry(path, "file", size, m.mode)
        out.elves.append(elf.to_record())
        return Entry(path, "file", size, m.mode, elf=len(out.elves) - 1)
    if _captured(path) and size <= MAX_TEXT_BYTES:
        out.texts[path] = (head + m.read(size - 4)).decode("utf-8", "replace")
    return Entry(path, "file", size, m.mode)


def _musl_loader_name(path: str) -> bool:
    name = posixpath.basename(path)
    return name.startswith("ld-musl-") and name.endswith(".so.1")


def base_is_glibc(path: str) -> bool:
    """``libc.so.6`` / ``libc-2.31.so``: where glibc's version string lives."""
    name = posixpath.basename(path)
    return name == "libc.so.6" or (name.startswith("libc-") and name.endswith(".so"))


def _glibc_version(data: bytes) -> str | None:
    i = data.find(b"GNU C Library")
    if i < 0:
        return None
    j = data.find(b"version ", i, i + 300)
    if j < 0:
        return None
    ver = data[j + 8 : j + 24].split(b".\n")[0].split(b"\0")[0].split(b" ")[0]
    return ver.decode("ascii", "replace").rstrip(".") or None


def _musl_facts(data: bytes, elf: Any) -> dict[str, Any]:
    """The LFS64 alias list, read from the loader's own data (see musl_table_from_loader)."""
    start = data.find(b"aio_cancel\0aio_error\0")
    names: list[str] = []
    if start >= 0:
        end = data.find(b"\0\0", start)
        names = data[start:end].decode("ascii", "replace").split("\0")
    return {"lfs64": names, "fopen64": "fopen64" in elf.exports}


def load_cached(cache_dir: Path | None, digest: str, *,
                elves: bool = True) -> LayerAnalysis | None:
    """A cached analysis of this layer digest, if there is a valid one.

    With ``elves`` it must be a full analysis (ELF records included); without,
    only the small main file is read (what ``inspect`` needs).
    """
    if cache_dir is None:
        return None
    main, elf_file = analysis_cache_files(cache_dir, digest)
    try:
        d = json.loads(main.read_text("utf-8"))
        if d.get("version") != ANALYSIS_VERSION or d.get("digest") != digest:
            return None
        records: list[dict[str, Any]] = []
        if elves:
            if not d.get("has_elves"):
                return None
            records = json.loads(elf_file.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return LayerAnalysis.from_json(d, records)


MAX_ANALYSIS_CACHE = 2 << 30  # bytes of cached layer analyses kept (oldest go first)


def cache_texts(analysis: LayerAnalysis) -> tuple[str | None, str]:
    """The cache files' texts: the ELF records (None for a light analysis), the main file.

    Pure, so that a caller can encode them while something else finishes (the
    digest check) and write them once it did.
    """
    # the entries as they are: named tuples encode as to_json's lists do
    main = json.dumps(analysis._cache_form(analysis.entries))
    return (json.dumps(analysis.elves) if analysis.has_elves else None), main


def store_cached(cache_dir: Path | None, analysis: LayerAnalysis,
                 max_bytes: int = MAX_ANALYSIS_CACHE, *,
                 texts: tuple[str | None, str] | None = None, evict: bool = True) -> None:
    """Cache an analysis atomically (ELF records first, then the main file); failures log.

    ``texts``: :func:`cache_texts` of the analysis, when already made.  ``evict``:
    bound the cache now; a caller storing several analyses calls
    :func:`evict_cached` once instead (each eviction lists the whole directory).
    """
    if cache_dir is None:
        return
    main, elf_file = analysis_cache_files(cache_dir, analysis.digest)
    elves_text, main_text = texts if texts is not None else cache_texts(analysis)
    try:
        main.parent.mkdir(parents=True, exist_ok=True)
        if elves_text is not None:
            _write_atomic(elf_file, elves_text)
        _write_atomic(main, main_text)
        if evict:
            _evict(main.parent, max_bytes, keep={main, elf_file})
    except OSError as exc:
        log.warning("cannot cache layer analysis in %s: %s", main.parent, exc)


def evict_cached(cache_dir: Path | None, digests: Iterable[str],
                 max_bytes: int = MAX_ANALYSIS_CACHE) -> None:
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
    """Remove the least recently written analyses until the directory fits ``max_bytes``."""
    files = [(p.stat().st_mtime, p.stat().st_size, p) for p in directory.iterdir()
             if p.is_file() and not p.is_symlink()]
    total = sum(size for _, size, _ in files)
    for _mtime, size, path in sorted(files):
        if total <= max_bytes:
            break
        if path in keep:
            continue
        path.unlink(missing_ok=True)
        total -= size


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)
