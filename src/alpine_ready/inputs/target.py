"""Is TARGET a path or an image?  The one place that decides, for every command.

``scan``, ``inspect``, ``compare`` and ``deps`` take a TARGET that is either a path on
this machine or an image.  :func:`classify` decides, by these rules, in order:

1. ``dir:PATH`` is the path ``PATH``, whatever it looks like.
2. A transport prefix -- ``docker://``, ``docker-daemon:``, ``docker-archive:``,
   ``oci:``, ``oci-archive:`` (skopeo's syntax) -- is an image, always, even when a
   file of that name exists (name such a file ``./docker-archive:x`` or ``dir:…``).
   ``docker:NAME`` without ``//`` is an error, not a path.
3. A regular file whose content is an image archive -- a tar holding a
   ``manifest.json`` (``docker save``) or an ``oci-layout`` and ``index.json`` (an OCI
   archive) -- is that image, as if written ``docker-archive:FILE`` /
   ``oci-archive:FILE`` (as syft does).  Only the tar headers are read, at most
   :data:`SNIFF_MEMBERS` of them; ``dir:FILE`` keeps it a plain file.
3b. Any other path that exists -- a directory, a file, anything else, even a
   symlink to nothing -- is that path.  **An existing path wins over an image name**: with a
   directory ``alpine:3.20`` here, ``alpine:3.20`` is that directory; write
   ``docker://alpine:3.20`` for the image.
4. Text shaped like a path -- absolute, ``./``, ``../``, ``~``, ``.``, ``..``, or
   ending in ``/`` -- is a path that does not exist (the command says so).
5. A Docker reference (``[REGISTRY/]REPO[:TAG][@DIGEST]``, Docker's rules: ``alpine``,
   ``alpine:3.20``, ``ghcr.io/org/app:1.2``, ``localhost:5000/app``) is an image --
   except a bare name with a dot and neither tag nor digest (``requirements.txt``,
   ``app.tar``, ``uv.lock``): that is a file that does not exist (Docker Hub's
   official images have no dots in their names; a missing lockfile should not send
   us to Docker Hub).
6. Anything else with a ``/`` in it (``build/App.bin``) is a path that does not exist.
7. Anything else (``Alpine:3``, ``foo bar``) is an :class:`~alpine_ready.errors.InputError`
   saying it is neither.

Nothing is read but the path's ``stat`` (and, for a regular file, its first tar
header; the tar reader is imported only when that header is a tar's).
"""

from __future__ import annotations

import enum
import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError
from .image.reference import BadImageName, ImageReference, parse_docker_name, parse_transport

_PATH_PREFIXES = ("/", "./", "../", "~")
_MISSING_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG})
#: Tar headers read to recognise an image archive (``docker save`` writes a few per layer).
SNIFF_MEMBERS = 4096


class TargetKind(enum.Enum):
    """What a TARGET turned out to be."""

    DIRECTORY = "directory"
    FILE = "file"  # a regular file (through symlinks)
    SPECIAL = "special"  # exists, but neither (a FIFO, a device, one we may not stat)
    MISSING = "missing"  # a path that does not exist
    IMAGE = "image"


class Target(NamedTuple):
    """A classified TARGET: a path (``location``, as written) or an image (``image``).

    (Immutable; a named tuple rather than a frozen dataclass: this module is on every
    ``inspect``'s start-up path, where making a dataclass costs ~20x as much.)
    """

    text: str  # as the user wrote it
    kind: TargetKind
    #: The path as written (without ``dir:``; joined to ``cwd`` when one was given).
    location: str | None = None
    image: ImageReference | None = None

    @property
    def is_image(self) -> bool:
        """An image reference (any transport)."""
        return self.image is not None

    @property
    def path(self) -> Path:
        """The path (only for the path kinds)."""
        if self.location is None:
            raise ValueError(f"{self.text}: an image, not a path")
        return Path(self.location)


def classify(text: str, *, cwd: Path | None = None) -> Target:
    """What ``text`` names, by the rules of the module doc; relative paths from ``cwd``.

    Raises :class:`~alpine_ready.errors.InputError` for a malformed transport reference
    (rule 2) and for text that is neither a path nor an image reference (rule 7).
    """
    if text.startswith("dir:"):
        return _path(text, text[4:], cwd, _path_kind(text[4:], cwd))
    ref = parse_transport(text)
    if ref is not None:
        return Target(text, TargetKind.IMAGE, image=ref)
    kind = _path_kind(text, cwd)
    if kind is TargetKind.FILE:
        archive = image_archive(_full(text, cwd))
        if archive is not None:
            return Target(text, TargetKind.IMAGE, image=archive)
    if kind is not TargetKind.MISSING or _path_shaped(text) or _dangling(text, cwd):
        return _path(text, text, cwd, kind)
    try:
        registry, repository, tag, digest = parse_docker_name(text)
    except BadImageName as e:
        if "/" in text:
            return _path(text, text, cwd, TargetKind.MISSING)
        raise InputError(
            f"{text}: no such file or directory, and not an image reference ({e.reason})"
        ) from None
    if "/" not in text and "." in text and ":" not in text and "@" not in text:
        return _path(text, text, cwd, TargetKind.MISSING)  # a file name, not an image
    return Target(
        text,
        TargetKind.IMAGE,
        image=ImageReference(
            "docker", registry=registry, repository=repository, tag=tag, digest=digest
        ),
    )


def image_archive(path: Path) -> ImageReference | None:
    """``docker-archive:PATH`` or ``oci-archive:PATH`` when the file is one, else None.

    Recognised by content: a tar (ustar magic in the first header) with a
    ``manifest.json`` (docker save; preferred when both kinds are there), or with
    ``oci-layout`` and ``index.json``.  At most :data:`SNIFF_MEMBERS` headers are read
    (with seeks over the contents); anything unreadable is simply not an archive.
    """
    try:
        with path.open("rb", buffering=0) as fh:
            fd = fh.fileno()
            head = os.pread(fd, 512, 0)
            if len(head) < 512 or head[257:262] != b"ustar":
                return None
            names = _top_names(fd, os.fstat(fd).st_size)
    except OSError:
        return None
    if "manifest.json" in names:
        return ImageReference("docker-archive", path=path)
    if {"oci-layout", "index.json"} <= names:
        return ImageReference("oci-archive", path=path)
    return None


def _top_names(fd: int, size: int) -> set[str]:
    """The image-archive marker files among the first tar headers."""
    from .image.localfiles import FileRegion
    from .image.tarstream import TarError, TarReader

    region = FileRegion(fd, 0, size)
    names: set[str] = set()
    try:
        for i, entry in enumerate(TarReader(region, skip=region.skip)):
            name = entry.name.removeprefix("./")
            if entry.type == "file" and name in ("manifest.json", "oci-layout", "index.json"):
                names.add(name)
            if "manifest.json" in names or i + 1 >= SNIFF_MEMBERS:
                break
    except TarError:
        pass
    return names


def _path(text: str, location: str, cwd: Path | None, kind: TargetKind) -> Target:
    where = str(_full(location, cwd)) if cwd is not None and location else location
    return Target(text, kind, location=where)


def _path_shaped(text: str) -> bool:
    return text.startswith(_PATH_PREFIXES) or text in (".", "..") or text.endswith("/")


def _path_kind(location: str, cwd: Path | None) -> TargetKind:
    """What is at ``location`` (followed through symlinks); MISSING when nothing is."""
    if not location:
        return TargetKind.MISSING
    try:
        mode = _full(location, cwd).stat().st_mode
    except OSError as e:
        if e.errno not in _MISSING_ERRNOS:
            return TargetKind.SPECIAL  # there, but we may not look (EACCES…)
        return TargetKind.MISSING
    except ValueError:  # a NUL in the name
        return TargetKind.MISSING
    if stat.S_ISDIR(mode):
        return TargetKind.DIRECTORY
    if stat.S_ISREG(mode):
        return TargetKind.FILE
    return TargetKind.SPECIAL


def _dangling(location: str, cwd: Path | None) -> bool:
    """A symlink to nothing: a path all the same (it exists; what it names does not)."""
    try:
        return _full(location, cwd).is_symlink()
    except (OSError, ValueError):
        return False


def _full(location: str, cwd: Path | None) -> Path:
    return cwd / location if cwd is not None else Path(location)
