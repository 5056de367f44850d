"""The target system: where files are, and what its musl loader can resolve.

Three ways to get one:

* :meth:`TargetSystem.from_profile` -- a built-in bare Alpine base image
  (``--alpine 3.23``), from the knowledge data;
* :meth:`TargetSystem.from_rootfs` -- a real Alpine root filesystem on disk
  (``--against ROOTFS``): its own ``ld-musl-*.so.1`` exports, its
  ``/etc/ld-musl-*.path``, its libraries;
* either of those with an application tree mounted into it
  (:meth:`TargetSystem.with_app`), or a scanned root filesystem as the system
  itself (:meth:`TargetSystem.as_system`).
"""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from .. import knowledge
from ..elf.reader import ElfFile, Export, SymbolRef, read_elf
from ..errors import ElfError, KnowledgeError
from ..inputs.image.source import AnalysedImage
from .vfs import HostTree, Namespace, OverlayTree, Resolved, ResolveError, VirtualTree

log = logging.getLogger(__name__)

DEFAULT_SYS_PATH = "/lib:/usr/local/lib:/usr/lib"


class Dso(Protocol):
    """What the loader model needs of a loadable object (real file or profile record)."""

    @property
    def machine(self) -> int:
        """ELF e_machine."""
        ...

    @property
    def elf_class(self) -> int:
        """32 or 64."""
        ...

    @property
    def elf_type(self) -> int:
        """ET_EXEC or ET_DYN."""
        ...

    @property
    def needed(self) -> tuple[str, ...]:
        """DT_NEEDED, in order."""
        ...

    @property
    def has_tls(self) -> bool:
        """Has a PT_TLS segment."""
        ...

    @property
    def relocation_types(self) -> frozenset[int]:
        """Every relocation type it uses."""
        ...

    @property
    def has_relr(self) -> bool:
        """Has DT_RELR."""
        ...

    @property
    def local_tpoff(self) -> bool:
        """Initial-exec TLS against its own TLS."""
        ...

    @property
    def imports(self) -> tuple[SymbolRef, ...]:
        """Symbols its relocations name."""
        ...

    @property
    def search_path(self) -> str | None:
        """DT_RUNPATH, else DT_RPATH."""
        ...

    @property
    def exports(self) -> Mapping[str, Export]:
        """Definitions other objects can resolve to."""
        ...

    @property
    def ifuncs(self) -> frozenset[str]:
        """Names defined only as GNU IFUNC."""
        ...


_FULL = Export(full=True, tls=False)
_NONPLT = Export(full=False, tls=False)
_TLS = Export(full=True, tls=True)


@dataclass(frozen=True)
class RecordDso:
    """A library of a built-in profile, rebuilt from its data record."""

    machine: int
    elf_class: int
    elf_type: int
    needed: tuple[str, ...]
    rpath: str | None
    has_tls: bool
    relocation_types: frozenset[int]
    imports: tuple[SymbolRef, ...]
    exports: Mapping[str, Export]
    ifuncs: frozenset[str]
    has_relr: bool = False
    local_tpoff: bool = False

    @property
    def search_path(self) -> str | None:
        """The record's rpath (already RUNPATH-over-RPATH)."""
        return self.rpath

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> RecordDso:
        """Build from a profile's ``{"elf": ...}`` record."""
        exports: dict[str, Export] = dict.fromkeys(rec["exports"], _FULL)
        exports.update(dict.fromkeys(rec["exports_nonplt"], _NONPLT))
        exports.update(dict.fromkeys(rec["exports_tls"], _TLS))
        imports = tuple(
            SymbolRef(
                name=n,
                bind=b,
                type=t,
                defined=bool(d),
                usable=bool(u),
                plt_addr=False,
                plt=bool(p),
                nonplt=bool(np),
                copy=bool(c),
                tpoff=bool(tp),
                version=None,
            )
            for n, b, t, d, u, p, np, c, tp in rec["imports"]
        )
        return cls(
            machine=rec["machine"],
            elf_class=rec["class"],
            elf_type=rec["type"],
            needed=tuple(rec["needed"]),
            rpath=rec["rpath"],
            has_tls=rec["tls"],
            relocation_types=frozenset(rec["relocation_types"]),
            imports=imports,
            exports=exports,
            ifuncs=frozenset(rec["ifuncs"]),
        )


@dataclass(frozen=True)
class ExportsOnlyDso:
    """A loadable object known only by what it exports and needs.

    musl itself, and the what-if libraries of :mod:`.verdict` (an Alpine
    package's library, gcompat) whose own relocations are known to resolve.
    """

    exports: Mapping[str, Export]
    machine: int
    needed: tuple[str, ...] = ()
    elf_class: int = 64
    elf_type: int = 3
    has_tls: bool = False
    relocation_types: frozenset[int] = frozenset()
    has_relr: bool = False
    local_tpoff: bool = False
    imports: tuple[SymbolRef, ...] = ()
    ifuncs: frozenset[str] = frozenset()
    search_path: str | None = None


@dataclass(frozen=True)
class MuslDso(ExportsOnlyDso):
    """musl itself, as a member of the global symbol scope."""

    @classmethod
    def of(cls, table: knowledge.MuslTable, machine: int) -> MuslDso:
        """Musl with the exports of ``table``."""
        return cls(_musl_exports(table), machine)


@lru_cache(maxsize=8)
def _musl_exports(table: knowledge.MuslTable) -> dict[str, Export]:
    out = dict.fromkeys(table.exports, _FULL)
    out.update(dict.fromkeys(table.exports_tls, _TLS))
    return out


_MAX_LOADER = 16 << 20  # musl's loader is ~0.7 MB; refuse to slurp a hostile giant


def musl_table_from_loader(path: Path, version: str, source: str) -> knowledge.MuslTable:
    """Derive a :class:`~alpine_ready.knowledge.MuslTable` from a real ``ld-musl`` file.

    The LFS64 fallback list is read from the loader's own read-only data, where
    ``get_lfs64`` keeps it; 1.2.4 and 1.2.5 copy a name into a 16-byte buffer
    first, so names of 17 characters or more never fall back.
    """
    elf = read_elf(path)
    exports = elf.exports
    if elf.size > _MAX_LOADER:
        raise ElfError(f"{path}: {elf.size} bytes is not a plausible musl loader")
    data = path.read_bytes()
    start = data.find(b"aio_cancel\0aio_error\0")
    names: list[str] = []
    if start >= 0:
        end = data.find(b"\0\0", start)
        names = data[start:end].decode("ascii", "replace").split("\0")
    remap = bool(names) and "fopen64" not in exports
    fixed = _version_tuple(version) >= (1, 2, 6)
    return knowledge.MuslTable(
        version=version,
        exports=frozenset(k for k, v in exports.items() if not v.tls),
        exports_tls=frozenset(k for k, v in exports.items() if v.tls),
        lfs64_names=frozenset(names if remap else ()),
        lfs64_max_name_length=(255 if fixed else 16) if remap else 0,
        source=source,
    )


def _version_tuple(v: str) -> tuple[int, ...]:
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", v)
    return tuple(int(x) for x in m.groups()) if m else (0,)


@dataclass
class TargetSystem:
    """A musl system: a namespace of files plus the loader that will run them."""

    namespace: Namespace
    arch: knowledge.ArchInfo
    musl: knowledge.MuslTable
    sys_path: str
    description: dict[str, Any]
    _dsos: dict[str, Dso | str] = field(default_factory=dict, repr=False)
    _inodes: dict[Path, object] = field(default_factory=dict, repr=False)
    _sys_paths: dict[str, str] = field(default_factory=dict, repr=False)
    _memos: dict[tuple[object, ...], dict[str, tuple[int | None, int | None]]] = field(
        default_factory=dict, repr=False
    )
    _overlays: dict[tuple[str, ...], TargetSystem] = field(default_factory=dict, repr=False)
    # (where the scanned application tree sits, its real path on this machine)
    app: tuple[str, Path] | None = None

    @property
    def loader_path(self) -> str:
        """Where the musl loader lives on this system."""
        return self.arch.loader

    @property
    def musl_dso(self) -> MuslDso:
        """Musl as a scope member."""
        return MuslDso.of(self.musl, self.arch.machine)

    def open_dso(self, resolved: Resolved) -> Dso | str:
        """The object at a resolved path, or a strerror-style reason it cannot be mapped."""
        key = resolved.path
        hit = self._dsos.get(key)
        if hit is None:
            hit = self._open(resolved)
            self._dsos[key] = hit
        return hit

    def lookup_memo(self, scope: tuple[object, ...]) -> dict[str, tuple[int | None, int | None]]:
        """A per-scope cache of symbol lookups (scope = identities of the objects in order)."""
        memo = self._memos.get(scope)
        if memo is None:
            if len(self._memos) > 4096:
                self._memos.clear()
            memo = self._memos[scope] = {}
        return memo

    def identity(self, resolved: Resolved) -> object:
        """What musl compares to spot an already-loaded file: st_dev/st_ino on disk."""
        host = resolved.node.host
        if host is not None:
            key = self._inodes.get(host)
            if key is None:
                try:
                    st = host.stat()
                    key = (st.st_dev, st.st_ino)
                except OSError:
                    key = resolved.path
                self._inodes[host] = key
            return key
        return resolved.path

    def sys_path_for(self, interpreter: str | None) -> str:
        """The system path musl uses when its own name is ``interpreter``.

        musl reads ``<its path minus the last two components>/etc/ld-musl-<arch>.path``;
        for ``/lib/ld-musl-x86_64.so.1`` (and ``/lib64/ld-linux-…``) that is ``/etc/…``.
        """
        if not interpreter or not interpreter.startswith("/"):
            return self.sys_path
        prefix = interpreter.rsplit("/", 2)[0] if interpreter.count("/") >= 2 else ""
        if not prefix:
            return self.sys_path
        hit = self._sys_paths.get(prefix)
        if hit is None:
            hit = read_path_file(self.namespace, f"{prefix}/etc/ld-musl-{self.arch.name}.path")
            self._sys_paths[prefix] = hit
        return hit

    def add_object(self, path: str, dso: Dso) -> None:
        """Register an already-read object at ``path`` (so scans read each file once)."""
        self._dsos[path] = dso

    def _open(self, resolved: Resolved) -> Dso | str:
        node = resolved.node
        if node.kind == "dir":
            return "Is a directory"
        if node.record is not None:
            rec = node.record
            if "dso" in rec:
                return rec["dso"]  # type: ignore[no-any-return]
            if "elf_record" in rec:  # an image member, analysed when its layer was read
                elf = ElfFile.from_record(rec["elf_record"])
                if elf.elf_type not in (2, 3):
                    return "Exec format error"
                return elf
            if rec.get("musl"):
                return self.musl_dso
            if "elf" in rec:
                return RecordDso.from_record(rec["elf"])
            return "Exec format error"
        if node.host is None or node.kind != "file":
            return "Exec format error"
        try:
            elf = read_elf(node.host)
        except ElfError:
            return "Exec format error"
        except OSError as exc:
            return exc.strerror or "I/O error"
        if elf.elf_type not in (2, 3):
            return "Exec format error"
        if (
            elf.soname
            and elf.soname.startswith("libc.musl-")
            and elf.interpreter is None
            and not elf.needed
        ):
            return self.musl_dso
        return elf

    # -- constructors ---------------------------------------------------------

    @classmethod
    def from_profile(cls, release: str | None = None) -> TargetSystem:
        """A bare Alpine base image of ``release`` (default: the newest we have)."""
        rel = knowledge.release(release or knowledge.default_release())
        prof = knowledge.profile(rel.profile)
        ns = Namespace()
        ns.mount("/", VirtualTree(prof["files"]))
        musl = knowledge.musl_table(rel.musl)
        desc = {
            "kind": "profile",
            "alpine": rel.name,
            "musl": musl.version,
            "arch": prof["arch"],
            "exact": rel.exact,
            "source": prof["source"],
        }
        return cls(
            ns, knowledge.arch(prof["arch"]), musl, _sys_path_from(prof.get("ld_path")), desc
        )

    @classmethod
    def from_rootfs(cls, root: Path) -> TargetSystem:
        """A real Alpine root filesystem on disk."""
        ns = Namespace()
        ns.mount("/", HostTree(root))
        found = find_musl_loader(ns)
        if found is None:
            raise KnowledgeError(
                f"{root}: not a musl root filesystem (no /lib/ld-musl-<arch>.so.1)"
            )
        arch_name, resolved = found
        version = _apk_version(root, "musl") or "unknown"
        assert resolved.node.host is not None
        loader = resolved.node.host
        try:
            musl = musl_table_from_loader(loader, version, f"{root}/lib/ld-musl-{arch_name}.so.1")
        except (ElfError, OSError) as exc:
            raise KnowledgeError(f"{loader}: unreadable musl loader: {exc}") from None
        sys_path = read_path_file(ns, f"/etc/ld-musl-{arch_name}.path")
        alpine = _read_alpine_release(root)
        desc = {
            "kind": "rootfs",
            "path": str(root),
            "alpine": alpine,
            "musl": version,
            "arch": arch_name,
            "exact": True,
            "source": f"real root filesystem at {root}",
        }
        return cls(ns, knowledge.arch(arch_name), musl, sys_path, desc)

    @classmethod
    def from_image(cls, image: AnalysedImage, fallback: TargetSystem | None) -> TargetSystem:
        """An image's final filesystem as the system.

        Its own musl (loader exports, LFS64 list, path file) when it has one, else
        ``fallback``'s musl (what would happen if its files ran under musl);
        ``None`` makes a musl-less image an error (``--against IMAGE``).
        """
        files = image_files(image)
        ns = Namespace()
        ns.mount("/", VirtualTree(files))
        loader = next(
            ((p, f) for la in image.layers for p, f in la.loaders.items() if p in image.fs.entries),
            None,
        )
        name = image.source.name
        if loader is None:
            if fallback is None:
                raise KnowledgeError(f"{name}: not a musl image (no ld-musl loader)")
            desc = dict(fallback.description, target_rootfs_has_musl=False)
            return cls(ns, fallback.arch, fallback.musl, fallback.sys_path, desc)
        path, facts = loader
        entry = image.fs.entries[path]
        rec = image.layers[entry.layer].elves[entry.elf] if entry.elf is not None else None
        arch_name = "aarch64" if "aarch64" in path else "x86_64"
        db = image.fs.text(image.layers, "lib/apk/db/installed") or ""
        m = re.search(r"^P:musl\nV:([^\n]+)", db, re.M)
        version = m.group(1).split("-")[0] if m else "unknown"
        exports = ElfFile.from_record(rec).exports if rec else {}
        remap = bool(facts["lfs64"]) and not facts["fopen64"]
        musl = knowledge.MuslTable(
            version=version,
            exports=frozenset(k for k, v in exports.items() if not v.tls),
            exports_tls=frozenset(k for k, v in exports.items() if v.tls),
            lfs64_names=frozenset(facts["lfs64"] if remap else ()),
            lfs64_max_name_length=(255 if _version_tuple(version) >= (1, 2, 6) else 16)
            if remap
            else 0,
            source=f"/{path} of {name}",
        )
        path_text = image.fs.text(image.layers, f"etc/ld-musl-{arch_name}.path")
        release = image.fs.text(image.layers, "etc/alpine-release")
        desc = {
            "kind": "image",
            "image": name,
            "alpine": release.strip() if release else None,
            "musl": version,
            "arch": arch_name,
            "exact": True,
            "source": f"final filesystem of {name}",
        }
        return cls(
            ns,
            knowledge.arch(arch_name),
            musl,
            DEFAULT_SYS_PATH if path_text is None else path_text,
            desc,
        )

    def with_app(self, app_root: Path, mount_at: str) -> TargetSystem:
        """This system with an application tree placed at ``mount_at``."""
        ns = Namespace()
        for at, backing in self.namespace.mounts():
            ns.mount(at, backing)
        # The tree's real path: a TARGET reached through a symlink is served as the
        # directory it names, so $ORIGIN resolves as it will once installed.
        real = app_root.resolve()
        ns.mount(mount_at, HostTree(real))
        return TargetSystem(
            ns, self.arch, self.musl, self.sys_path, self.description, app=(mount_at, real)
        )

    def with_files(self, files: dict[str, dict[str, Any]]) -> TargetSystem:
        """This system with extra files installed over it (a what-if: packages, gcompat).

        ``files`` maps absolute paths to records: ``{"link": target}`` for a
        symlink, ``{"dso": obj}`` for a loadable object given as a :class:`Dso`.
        The result is cached by the set of paths: callers give the same content
        for the same paths (packages and gcompat are what-ifs of fixed content).
        """
        key = tuple(sorted(files))
        hit = self._overlays.get(key)
        if hit is not None:
            return hit
        upper = VirtualTree(files)
        ns = Namespace()
        for at, backing in self.namespace.mounts():
            ns.mount(at, OverlayTree(upper, backing) if at == "/" else backing)
        # Overlays only add files that were missing, so both can share one object
        # cache: a library read through either is read once.
        out = TargetSystem(
            ns,
            self.arch,
            self.musl,
            self.sys_path,
            self.description,
            _dsos=self._dsos,
            _inodes=self._inodes,
            app=self.app,
        )
        self._overlays[key] = out
        return out

    def as_system(self, root: Path) -> TargetSystem:
        """A scanned root filesystem as the system itself.

        Its own files are the libraries; its own musl loader and path file are
        used when it has them (an Alpine image), else this system's musl is
        assumed (what would happen if the files ran under musl).
        """
        try:
            own = TargetSystem.from_rootfs(root)
        except KnowledgeError:
            ns = Namespace()
            ns.mount("/", HostTree(root))
            desc = dict(self.description, target_rootfs_has_musl=False)
            return TargetSystem(ns, self.arch, self.musl, self.sys_path, desc)
        return own


def image_files(image: AnalysedImage) -> dict[str, dict[str, Any]]:
    """The final filesystem of an image as :class:`VirtualTree` records."""
    files: dict[str, dict[str, Any]] = {}
    loaders = {p for la in image.layers for p in la.loaders}
    for path, entry in image.fs.entries.items():
        if entry.kind == "dir":
            continue
        if entry.kind == "symlink":
            files["/" + path] = {"link": entry.link or ""}
            continue
        target = image.fs.resolve_entry(path)
        if target is None or target.kind != "file":
            files["/" + path] = {"file": True}
        elif target.path in loaders:
            files["/" + path] = {"musl": True}
        elif target.elf is not None:
            files["/" + path] = {"elf_record": image.layers[target.layer].elves[target.elf]}
        else:
            files["/" + path] = {"file": True}
    return files


_MAX_PATH_FILE = 1 << 16


def read_path_file(ns: Namespace, path: str) -> str:
    """Read a musl path file: the default path when absent, "" when unreadable (as musl)."""
    try:
        node = ns.resolve(path).node
    except ResolveError as exc:
        return DEFAULT_SYS_PATH if exc.errno == errno.ENOENT else ""
    if node.host is None or node.kind != "file":
        return ""
    try:
        with node.host.open("rb") as fh:
            return fh.read(_MAX_PATH_FILE).decode("utf-8", "replace")
    except OSError:
        return ""


def find_musl_loader(ns: Namespace) -> tuple[str, Resolved] | None:
    """The (arch, resolved path) of the musl loader in ``ns``, if there is one."""
    for name in ("x86_64", "aarch64"):
        try:
            res = ns.resolve(f"/lib/ld-musl-{name}.so.1")
        except Exception:
            continue
        if res.node.kind == "file":
            return name, res
    return None


def _sys_path_from(content: str | None) -> str:
    return DEFAULT_SYS_PATH if content is None else content


def _apk_version(root: Path, package: str) -> str | None:
    db = root / "lib/apk/db/installed"
    try:
        text = db.read_text("utf-8", "replace") if db.is_file() and not db.is_symlink() else ""
    except OSError:
        return None
    m = re.search(rf"^P:{re.escape(package)}\nV:([^\n]+)", text, re.M)
    return m.group(1).split("-")[0] if m else None


def _read_alpine_release(root: Path) -> str | None:
    f = root / "etc/alpine-release"
    try:
        if f.is_file() and not f.is_symlink():
            return f.read_text("utf-8", "replace").strip()[:32] or None
    except OSError:
        pass
    return None


def looks_like_rootfs(path: Path) -> bool:
    """An extracted image: ``etc/os-release`` (or ``etc/alpine-release``) plus lib dirs."""
    etc = path / "etc"
    has_release = any(
        (etc / n).exists() or (etc / n).is_symlink() for n in ("os-release", "alpine-release")
    )
    has_lib = any((path / d).is_dir() for d in ("lib", "usr/lib"))
    return has_release and has_lib


def read_object(path: Path) -> ElfFile:
    """Read one ELF file (re-exported for the scanner)."""
    return read_elf(path)
