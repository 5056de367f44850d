"""The target system's file namespace, as the loader sees it.

A :class:`Namespace` stacks *backings* at mount points: the target system at
``/`` (a real root filesystem on disk, or a built-in profile), and an application
tree at its mount point.  Paths are resolved component by component the way the
kernel resolves them inside a chroot -- symlinks expanded (absolute ones from the
namespace root, never from the host's), ``..`` clamped at ``/``, at most 40
links, a path or link target of ``PATH_MAX`` bytes or more refused with
ENAMETOOLONG as the kernel does -- so no lookup can reach a host file outside the
backings, and none costs more than 40 targets of ``PATH_MAX`` bytes.  Host paths
longer than ``PATH_MAX`` (a deep scan target) are read relative to directory
descriptors (:mod:`~alpine_ready.inputs.longpath`).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from ..inputs.longpath import PATH_MAX, lstat_long, readlink_long

Kind = Literal["file", "dir", "link", "other"]
MAX_LINKS = 40  # Linux's MAXSYMLINKS


@dataclass(frozen=True, slots=True)
class Node:
    """One directory entry, not followed."""

    kind: Kind
    link: str | None = None  # symlink target
    host: Path | None = None  # the real file behind it, for host-backed entries
    record: Any = None  # the profile record, for profile-backed entries


class Backing(Protocol):
    """A tree of nodes addressed by path components below its root."""

    def lstat(self, parts: tuple[str, ...]) -> Node | None:
        """The node at ``parts`` without following a final symlink, or None."""
        ...


class HostTree:
    """A directory on this machine, served without ever leaving it.

    Callers pass components that contain no ``/``, ``.`` or ``..`` (the namespace
    resolves those), and symlinks are reported rather than followed, so every
    ``lstat`` stays inside ``root``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[tuple[str, ...], Node | None] = {}

    def lstat(self, parts: tuple[str, ...]) -> Node | None:
        """``os.lstat`` below the root, cached."""
        try:
            return self._cache[parts]
        except KeyError:
            pass
        host = self.root.joinpath(*parts)
        node: Node | None
        try:
            st = lstat_long(host)
        except (OSError, ValueError):
            node = None
        else:
            if stat.S_ISLNK(st.st_mode):
                try:
                    node = Node("link", link=readlink_long(host), host=host)
                except OSError:
                    node = None
            elif stat.S_ISDIR(st.st_mode):
                node = Node("dir", host=host)
            elif stat.S_ISREG(st.st_mode):
                node = Node("file", host=host)
            else:
                node = Node("other", host=host)
        self._cache[parts] = node
        return node


class VirtualTree:
    """A tree described by data: ``{"/abs/path": record}``.

    A record is ``{"link": target}`` for a symlink and anything else for a
    file; directories are implied by the paths below them.
    """

    def __init__(self, files: dict[str, dict[str, Any]]) -> None:
        self.nodes: dict[tuple[str, ...], Node] = {}
        for path, rec in files.items():
            parts = tuple(p for p in path.split("/") if p)
            for i in range(len(parts)):
                self.nodes.setdefault(parts[:i], Node("dir"))
            if "link" in rec:
                self.nodes[parts] = Node("link", link=rec["link"], record=rec)
            else:
                self.nodes[parts] = Node("file", record=rec)
        self.nodes.setdefault((), Node("dir"))

    def lstat(self, parts: tuple[str, ...]) -> Node | None:
        """The node at ``parts``."""
        return self.nodes.get(parts)


class OverlayTree:
    """``upper`` over ``lower``: what a package installation adds to a system."""

    def __init__(self, upper: Backing, lower: Backing) -> None:
        self.upper, self.lower = upper, lower

    def lstat(self, parts: tuple[str, ...]) -> Node | None:
        """The upper node if there is one, else the lower."""
        node = self.upper.lstat(parts)
        return node if node is not None else self.lower.lstat(parts)


@dataclass(frozen=True, slots=True)
class Resolved:
    """The outcome of opening a path: the final node and its canonical path."""

    path: str  # canonical absolute path in the namespace (symlinks resolved)
    node: Node


class ResolveError(Exception):
    """Opening failed; ``errno`` says how (ENOENT, ENOTDIR, ELOOP, ...)."""

    def __init__(self, code: int, path: str) -> None:
        super().__init__(f"{path}: {os.strerror(code)}")
        self.errno = code


class Namespace:
    """Backings mounted at absolute paths; the longest mount prefix wins."""

    def __init__(self) -> None:
        self._mounts: list[tuple[tuple[str, ...], Backing]] = []
        self._cache: dict[tuple[str, bool], Resolved | ResolveError] = {}

    def mount(self, at: str, backing: Backing) -> None:
        """Mount ``backing`` at absolute path ``at``."""
        parts = tuple(p for p in at.split("/") if p)
        self._mounts.append((parts, backing))
        self._mounts.sort(key=lambda m: -len(m[0]))
        self._cache.clear()

    def lstat(self, parts: tuple[str, ...]) -> Node | None:
        """The node at an absolute, already-normalised path."""
        for prefix, backing in self._mounts:
            n = len(prefix)
            if parts[:n] == prefix:
                return backing.lstat(parts[n:])
            if len(parts) < n and prefix[: len(parts)] == parts:
                return Node("dir")  # a directory on the way to a mount point
        return None

    def resolve(self, path: str, *, follow: bool = True, cwd: str = "/") -> Resolved:
        """Open ``path`` like ``open(2)`` in a chroot; raise :class:`ResolveError`."""
        key = (path if path.startswith("/") else f"{cwd.rstrip('/')}/{path}", follow)
        hit = self._cache.get(key)
        if hit is None:
            try:
                hit = self._resolve(key[0], follow)
            except ResolveError as exc:
                hit = exc
            self._cache[key] = hit
        if isinstance(hit, ResolveError):
            raise hit
        return hit

    def _resolve(self, path: str, follow: bool) -> Resolved:
        if len(path.encode("utf-8", "surrogateescape")) >= PATH_MAX:
            raise ResolveError(errno.ENAMETOOLONG, path[:200])
        todo = [p for p in path.split("/") if p][::-1]
        done: list[str] = []
        links = 0
        node = Node("dir")
        while todo:
            comp = todo.pop()
            if node.kind != "dir":
                raise ResolveError(errno.ENOTDIR, path)
            if comp == ".":
                continue
            if comp == "..":
                if done:
                    done.pop()
                continue
            cand = (*done, comp)
            found = self.lstat(cand)
            if found is None:
                raise ResolveError(errno.ENOENT, path)
            if found.kind == "link" and (todo or follow):
                links += 1
                if links > MAX_LINKS:
                    raise ResolveError(errno.ELOOP, path)
                target = found.link or ""
                if len(target.encode("utf-8", "surrogateescape")) >= PATH_MAX:
                    raise ResolveError(errno.ENAMETOOLONG, path[:200])
                if target.startswith("/"):
                    done = []
                todo.extend(p for p in reversed(target.split("/")) if p)
                node = Node("dir")
                continue
            done.append(comp)
            node = found
        return Resolved("/" + "/".join(done), node)

    def mounts(self) -> list[tuple[str, Backing]]:
        """The mounts, as (absolute path, backing)."""
        return [("/" + "/".join(prefix), backing) for prefix, backing in self._mounts]

    def exists(self, path: str) -> bool:
        """Does ``path`` resolve (following symlinks)?"""
        try:
            self.resolve(path)
        except ResolveError:
            return False
        return True
