"""An image's layers unpacked into a directory, safely: verify's system or TARGET.

The layer analyses (:mod:`alpine_ready.inputs.image.layers`) never write a file;
``verify`` needs the image as a real root filesystem to run things in.  This is the
one place an image is written to disk, with the same care as the tar reader:

* every member name is normalised (:func:`~alpine_ready.inputs.image.layers.normalise`);
  one that leaves the root (``..``, absolute after normalising) is refused;
* nothing is written through a symbolic link: each parent directory of a member is
  checked with ``lstat`` and a member whose parent is a link (or not a directory) is
  left out and counted (layer writers record real paths, so this costs nothing real);
* device nodes, FIFOs and sparse files are never created (counted as left out);
* hard links must name a regular file already unpacked inside the root;
* modes keep the permission bits only (no setuid, setgid or sticky bit): nothing
  unpacked gains a privilege;
* the whole image is bounded (:data:`MAX_BYTES` of file content, :data:`MAX_ENTRIES`
  members), and every layer decompresses through the bomb-counting stream;
* OCI whiteouts (``.wh.NAME``, ``.wh..wh..opq``) remove what lower layers put there.

The result is built under ``DEST.tmp-*`` and renamed into place, so a crash leaves no
half image that looks complete; a second call finds it and returns at once.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ImageError
from ..inputs.image.layers import decompressed, normalise
from ..inputs.image.model import ImageSource
from ..inputs.image.tarstream import TarError, TarReader

log = logging.getLogger(__name__)

MAX_BYTES = 16 << 30  # file content of one image, all layers
MAX_ENTRIES = 2_000_000
_WH = ".wh."
_OPAQUE = ".wh..wh..opq"


@dataclass(frozen=True)
class Unpacked:
    """An image unpacked to ``root`` (and what was left out, with why)."""

    root: Path
    digest: str  # the image's manifest (or config) digest: the cache key
    reused: bool
    left_out: tuple[str, ...] = ()  # "PATH: why", the first 20


def image_digest(source: ImageSource) -> str:
    """The digest naming this image's content: its manifest's, else its config's."""
    digest = source.manifest_digest or source.config_digest
    if not digest:
        raise ImageError(f"{source.name}: the image has no digest to cache it by")
    return digest


def unpack_image(
    source: ImageSource, cache_dir: Path, progress: Callable[[str], None] | None = None
) -> Unpacked:
    """``source``'s final filesystem as a directory below ``cache_dir/images``."""
    digest = image_digest(source)
    final = cache_dir / "images" / digest.replace(":", "-")
    root = final / "rootfs"
    if root.is_dir():
        return Unpacked(root, digest, True)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=final.name + ".tmp-", dir=final.parent))
    try:
        tree = work / "rootfs"
        tree.mkdir(mode=0o755)
        budget = _Budget()
        for n, layer in enumerate(source.layers, 1):
            if progress:
                progress(f"unpacking layer {n}/{len(source.layers)} of {source.name}")
            what = f"{source.name}: layer {layer.digest}"
            with source.blobs.open_blob(layer.digest, layer.size) as blob:
                stream = decompressed(blob, what)
                try:
                    _unpack_layer(TarReader(stream), tree, budget, what)
                    while stream.read(1 << 20):  # drain: the digest is checked at the end
                        pass
                except TarError as exc:
                    raise ImageError(f"{what}: {exc}") from None
                stream.check()
        try:
            work.rename(final)
        except OSError:  # another run finished first: use its copy
            if not root.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("%s unpacked to %s (%d left out)", source.name, root, len(budget.left_out))
    return Unpacked(root, digest, False, tuple(budget.left_out[:20]))


class _Budget:
    def __init__(self) -> None:
        self.bytes = 0
        self.entries = 0
        self.left_out: list[str] = []

    def take(self, size: int, what: str) -> None:
        self.bytes += size
        self.entries += 1
        if self.bytes > MAX_BYTES or self.entries > MAX_ENTRIES:
            raise ImageError(
                f"{what}: larger than verify unpacks ({MAX_BYTES >> 30} GiB, {MAX_ENTRIES} entries)"
            )

    def leave(self, path: str, why: str) -> None:
        self.left_out.append(f"{path}: {why}")


def _parent_ok(tree: Path, rel: str) -> bool:
    """Are all parent directories of ``rel`` real directories (no link) inside ``tree``?

    Missing parents are created (mode 0755).
    """
    parts = rel.split("/")[:-1]
    at = tree
    for part in parts:
        at = at / part
        try:
            st = os.lstat(at)
        except FileNotFoundError:
            at.mkdir(mode=0o755)
            continue
        if not stat.S_ISDIR(st.st_mode):
            return False
    return True


def _remove(path: Path) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path)
    else:
        path.unlink()


def _unpack_layer(reader: TarReader, tree: Path, budget: _Budget, what: str) -> None:
    for m in reader:
        rel = normalise(m.name)
        if rel is None:
            budget.leave(m.name, "leaves the root")
            continue
        if not rel:
            continue
        budget.take(m.size if m.type == "file" else 0, what)
        if not _parent_ok(tree, rel):
            budget.leave(rel, "a parent directory is a link or not a directory")
            continue
        path = tree / rel
        name = rel.rsplit("/", 1)[-1]
        if name == _OPAQUE:  # an opaque directory: nothing below from lower layers
            for child in list(path.parent.iterdir()):
                _remove(child)
            continue
        if name.startswith(_WH):
            gone = name[len(_WH) :]
            if gone in ("", ".", ".."):  # would remove the root or what holds it
                budget.leave(rel, "a whiteout of no file")
            else:
                _remove(path.parent / gone)
            continue
        if m.type == "dir":
            try:
                st = os.lstat(path)
                if not stat.S_ISDIR(st.st_mode):
                    _remove(path)
                    path.mkdir()
            except FileNotFoundError:
                path.mkdir()
            path.chmod((m.mode & 0o777) | 0o700)
            continue
        _remove(path)
        if m.type == "file":
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as out:
                while chunk := m.read(1 << 20):
                    out.write(chunk)
            path.chmod(m.mode & 0o777)
        elif m.type == "symlink":
            path.symlink_to(m.linkname)
        elif m.type == "hardlink":
            target = normalise(m.linkname)
            src = tree / target if target else None
            if (
                src is None
                or not _parent_ok(tree, target or "")
                or src.is_symlink()
                or not src.is_file()
            ):
                budget.leave(rel, f"hard link to {m.linkname!r}, not a file unpacked here")
                continue
            os.link(src, path)
        else:
            budget.leave(rel, f"a {m.type} entry is not created")
