"""A static model of musl's dynamic loader (``ldso/dynlink.c``, musl 1.2.x).

:func:`simulate` loads an object and its dependencies the way musl does and
reports every error musl would print, without running anything:

* **load order** breadth-first over DT_NEEDED, libraries reused by the name
  they were found under (``shortname``) or by identity, never by soname;
* **reserved names** ``lib{c,pthread,rt,m,dl,util,xnet}.*`` resolve to musl
  itself, which joins the global scope only then (rule 6);
* **search** ``LD_LIBRARY_PATH``, then the rpath of the requesting object and
  of every object up its ``needed_by`` chain (RPATH and RUNPATH alike,
  ``$ORIGIN`` expanded from the path the object was opened by; an rpath with
  any other ``$`` token is ignored whole), then the system path;
* **symbols** looked up in the global scope in load order: versions ignored,
  hidden versions invisible, IFUNC rejected, zero values rejected, undefined
  entries with a value usable except for JUMP_SLOT; COPY relocations skip the
  main program; weak undefined references never fail; LFS64 names fall back
  to musl's non-64 names as that musl version does;
* **relocation types** outside musl's switch are fatal (IRELATIVE, ...);
* **initial-exec TLS** in an object loaded by ``dlopen`` is fatal unless its
  definition was loaded at startup.
"""

from __future__ import annotations

import errno
import functools
import posixpath
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ..elf.reader import STB_WEAK, STT_GNU_IFUNC, Export, SymbolRef
from .system import Dso, MuslDso, TargetSystem
from .vfs import Resolved, ResolveError

Mode = Literal["startup", "dlopen"]
_RESERVED = ("c.", "pthread.", "rt.", "m.", "dl.", "util.", "xnet.")
_NAME_MAX = 255
_PATH_BUF = 2 * _NAME_MAX + 2  # musl's char buf[2*NAME_MAX+2] for search paths


@dataclass(frozen=True, slots=True)
class Missing:
    """``Error loading shared library NAME: REASON (needed by OBJ)``."""

    name: str
    needed_by: str
    reason: str


@dataclass(frozen=True, slots=True)
class Unresolved:
    """``Error relocating OBJ: SYM: symbol not found``."""

    obj: str
    symbol: str
    ifunc_in: str | None  # an object in scope that defines it, but only as an IFUNC
    plt_only: bool  # only JUMP_SLOT relocations name it (deferred under RTLD_LAZY)


@dataclass(frozen=True, slots=True)
class BadRelocation:
    """``Error relocating OBJ: unsupported relocation type N``."""

    obj: str
    rtype: int


@dataclass(frozen=True, slots=True)
class TlsError:
    """``Error relocating OBJ: SYM: initial-exec TLS resolves to dynamic definition in DEF``."""

    obj: str
    symbol: str
    definer: str


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Everything musl would report for one load."""

    objects: tuple[str, ...]  # paths in load order (the head first)
    missing: tuple[Missing, ...]
    unresolved: tuple[Unresolved, ...]
    bad_relocations: tuple[BadRelocation, ...]
    tls_errors: tuple[TlsError, ...]
    relr_unsupported: tuple[str, ...]  # objects with DT_RELR on a musl older than 1.2.4
    musl_in_scope: bool

    @property
    def ok(self) -> bool:
        """Would the load succeed?"""
        return not (
            self.missing
            or self.unresolved
            or self.bad_relocations
            or self.tls_errors
            or self.relr_unsupported
        )


@dataclass(slots=True)
class _Loaded:
    name: str  # the path it was opened by (for $ORIGIN and messages)
    shortname: str | None
    identity: object  # (st_dev, st_ino) on disk, the canonical path in a profile
    dso: Dso
    needed_by: int  # index into the load list, -1 for the head
    rpath: str | None = None
    rpath_done: bool = False


def simulate(
    system: TargetSystem,
    head_path: str,
    head: Dso,
    *,
    mode: Mode = "startup",
    env_path: str | None = None,
    preload: tuple[str, ...] = (),
    cwd: str = "/",
) -> LoadResult:
    """Load ``head`` (found at ``head_path`` in the system's namespace) like musl does.

    ``preload`` lists ``LD_PRELOAD`` paths, loaded right after the head and
    before any dependency, as musl's ``load_preload`` does.
    """
    load = _Load(system, head_path, head, mode, env_path, cwd)
    for path in preload:
        load.load_library(path, -1, preload=True)
    return load.run()


class _Load:
    def __init__(
        self,
        system: TargetSystem,
        head_path: str,
        head: Dso,
        mode: Mode,
        env_path: str | None,
        cwd: str,
    ) -> None:
        self.sys, self.mode, self.env_path, self.cwd = system, mode, env_path, cwd
        try:
            ident: object = system.identity(system.namespace.resolve(head_path))
        except ResolveError:
            ident = head_path
        self.objs: list[_Loaded] = [_Loaded(head_path, None, ident, head, -1)]
        # musl reads the path file next to its own name: the head's PT_INTERP when
        # the kernel started it, else /lib/ld-musl-<arch>.so.1 (prefix "").
        interp = getattr(head, "interpreter", None) if mode == "startup" else None
        self.sys_path = system.sys_path_for(interp)
        self.by_short: dict[str, int] = {}
        self.musl_index: int | None = None
        self.missing: list[Missing] = []
        # built once the load list is final (relocation)
        self.tail: list[tuple[int, Mapping[str, Export]]] | None = None
        self.with_ifuncs: list[tuple[int, frozenset[str], str]] | None = None

    # -- loading ------------------------------------------------------------

    def run(self) -> LoadResult:
        i = 0
        while i < len(self.objs):  # musl's load_deps: the list grows at its tail
            obj = self.objs[i]
            for name in obj.dso.needed:
                self.load_library(name, i)
            i += 1
        return self._relocate()

    def _add_musl(self) -> int:
        if self.musl_index is None:
            self.objs.append(_Loaded(self.sys.loader_path, None, ("musl",), self.sys.musl_dso, -1))
            self.musl_index = len(self.objs) - 1
        return self.musl_index

    def _fail(self, name: str, by: int, reason: str, preload: bool = False) -> None:
        if not preload:
            self.missing.append(Missing(name, self.objs[by].name, reason))

    def load_library(self, name: str, by: int, *, preload: bool = False) -> int | None:
        """Musl's ``load_library``: the index of the loaded object, or None on failure.

        ``by`` is the requesting object (-1 for ``LD_PRELOAD``: no rpath chain, and
        musl ignores preloads it cannot load).
        """
        if not name:
            self._fail(name, by, "Invalid argument", preload)
            return None
        if name.startswith("lib") and name[3:].startswith(_RESERVED):
            return self._add_musl()
        if "/" in name:
            pathname: str | None = name
            found: Resolved | int = self._open(name)
        else:
            hit = self.by_short.get(name)
            if hit is not None:
                return hit
            if len(name) > _NAME_MAX:
                self._fail(name, by, "File name too long", preload)
                return None
            found, pathname = -1, None
            if self.env_path:
                found, pathname = self._path_open(name, self.env_path)
            p: int = by
            while found == -1 and p >= 0:
                rp = self._rpath(p)
                if rp:
                    found, pathname = self._path_open(name, rp)
                p = self.objs[p].needed_by
            if found == -1:
                found, pathname = self._path_open(name, self.sys_path)
        if isinstance(found, int) or pathname is None:
            self._fail(name, by, "No such file or directory", preload)
            return None
        ident = self.sys.identity(found)
        for j in range(1, len(self.objs)):  # musl compares st_dev/st_ino, skipping the head
            obj = self.objs[j]
            if obj.identity == ident:
                if obj.shortname is None and pathname != name:
                    obj.shortname = posixpath.basename(obj.name)
                    self.by_short.setdefault(obj.shortname, j)
                return j
        dso = self.sys.open_dso(found)
        if isinstance(dso, str):
            self._fail(name, by, dso, preload)
            return None
        if isinstance(dso, MuslDso) or _is_a_libc(dso):
            # musl refuses to map a second libc (glibc's or another musl): itself instead
            return self._add_musl()
        short = posixpath.basename(pathname) if pathname != name else None
        self.objs.append(_Loaded(pathname, short, ident, dso, by))
        j = len(self.objs) - 1
        if short is not None:
            self.by_short.setdefault(short, j)
        return j

    def _open(self, path: str) -> Resolved | int:
        """open(2): what ``path`` opens, or -1 (try the next directory) / -2 (stop)."""
        try:
            return self.sys.namespace.resolve(path, cwd=self.cwd)
        except ResolveError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.ENAMETOOLONG):
                return -1
            return -2

    def _path_open(self, name: str, search: str) -> tuple[Resolved | int, str | None]:
        """Musl's path_open: the first directory of ``search`` holding ``name``."""
        for d in search.replace("\n", ":").split(":"):
            if not d:
                continue
            buf = f"{d}/{name}"
            if len(buf) >= _PATH_BUF:
                continue
            res = self._open(buf)
            if isinstance(res, int):
                if res == -1:
                    continue
                return -2, None
            return res, buf
        return -1, None

    def _rpath(self, i: int) -> str | None:
        """Musl's fixup_rpath: the object's rpath with $ORIGIN expanded, once."""
        obj = self.objs[i]
        if obj.rpath_done:
            return obj.rpath
        obj.rpath_done = True
        orig = obj.dso.search_path
        if not orig:
            return None
        if "$" not in orig:
            obj.rpath = orig
            return orig
        pos = 0
        while (t := orig.find("$", pos)) >= 0:
            if not (orig.startswith("$ORIGIN", t) or orig.startswith("${ORIGIN}", t)):
                return None  # an unknown $TOKEN disables the whole rpath
            pos = t + 1
        origin = posixpath.dirname(obj.name) if "/" in obj.name else "."
        obj.rpath = orig.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
        return obj.rpath

    # -- relocation ---------------------------------------------------------

    def _relocate(self) -> LoadResult:
        objs = self.objs
        arch = self.sys.arch
        supported = arch.supported_relocations
        unresolved: list[Unresolved] = []
        bad: list[BadRelocation] = []
        tls: list[TlsError] = []
        relr: list[str] = []
        relr_ok = self.sys.musl.version == "unknown" or _ver(self.sys.musl.version) >= (1, 2, 4)
        startup_tls = {self.musl_index} if self.mode == "dlopen" else None
        # Lookups past the head depend only on the rest of the scope: memoise them
        # per scope, across every file scanned against this system.
        self.memo = self.sys.lookup_memo(tuple(o.identity for o in objs[1:]))
        for i, obj in enumerate(objs):
            if i == self.musl_index:
                continue
            dso = obj.dso
            for rtype in sorted(dso.relocation_types - supported):
                bad.append(BadRelocation(obj.name, rtype))
            if dso.has_relr and not relr_ok:
                relr.append(obj.name)
            if startup_tls is not None and dso.local_tpoff and dso.has_tls:
                tls.append(TlsError(obj.name, "", obj.name))
            memo = self.memo
            for ref in _lookups(dso, i == 0):
                if not (ref.copy or ref.tpoff):
                    hit = memo.get(ref.name)
                    if hit is not None and hit[1] is not None:
                        continue  # a full definition past the head: every relocation resolves
                ok, found = self._find(ref, i)
                if not ok:
                    if ref.weak_undefined:
                        continue
                    alt = self.sys.musl.lfs64_fallback(ref.name)
                    if alt is not None and alt in self.sys.musl.exports:
                        continue
                    unresolved.append(
                        Unresolved(
                            obj.name,
                            ref.name,
                            self._ifunc_owner(ref, i),
                            ref.plt and not ref.nonplt and not ref.copy,
                        )
                    )
                elif (
                    ref.tpoff
                    and startup_tls is not None
                    and found is not None
                    and found not in startup_tls
                ):
                    tls.append(TlsError(obj.name, ref.name, objs[found].name))
        return LoadResult(
            objects=tuple(o.name for o in objs),
            missing=tuple(self.missing),
            unresolved=tuple(unresolved),
            bad_relocations=tuple(bad),
            tls_errors=tuple(tls),
            relr_unsupported=tuple(relr),
            musl_in_scope=self.musl_index is not None,
        )

    def _find(self, ref: SymbolRef, owner: int) -> tuple[bool, int | None]:
        """Does every relocation naming ``ref`` resolve, and to which scope member?

        JUMP_SLOT relocations need a real definition; other relocations also
        accept an undefined entry with a value (a non-PIE executable's PLT
        address).  COPY relocations start their lookup after the main program.
        Whether a lookup succeeds does not depend on scope order, so the head's
        own symbol table is consulted last and only when needed (it is usually
        the largest table and rarely the answer).
        """
        if ref.usable and not (owner == 0 and ref.copy):
            return True, owner  # the object's own definition is in scope
        name = ref.name
        objs = self.objs
        hit = self.memo.get(name)
        if hit is None:
            hit = self._lookup_tail(name)
            self.memo[name] = hit
        first_any, first_full = hit
        if owner == 0 and ref.plt_addr and not ref.copy:
            first_any = 0  # the head's own PLT address serves its non-PLT relocations
        if first_full is None and not ref.copy and owner != 0:
            exp = objs[0].dso.exports.get(name)
            if exp is not None:
                first_any = 0  # the head comes first in the scope
                if exp.full:
                    first_full = 0
        ok = (first_full is not None or not ref.plt) and (
            first_any is not None or not (ref.nonplt or ref.copy)
        )
        return ok, first_any if first_any is not None else first_full

    def _lookup_tail(self, name: str) -> tuple[int | None, int | None]:
        """(first member with any usable entry, first with a full definition), head excluded."""
        first_any: int | None = None
        tail = self.tail
        if tail is None:  # (every member's exports were read when it was loaded)
            objs = self.objs
            tail = self.tail = [(j, objs[j].dso.exports) for j in range(1, len(objs))]
        for j, exports in tail:
            exp = exports.get(name)
            if exp is None:
                continue
            if first_any is None:
                first_any = j
            if exp.full:
                return first_any, j
        return first_any, None

    def _ifunc_owner(self, ref: SymbolRef, owner: int) -> str | None:
        """The object that defines ``ref`` only as a GNU IFUNC, if any.

        The referencing object's own entry answers for itself; the head's full
        table is read only for other objects' references.
        """
        if ref.defined and ref.type == STT_GNU_IFUNC:
            return self.objs[owner].name
        with_ifuncs = self.with_ifuncs
        if with_ifuncs is None:  # the members past the head that define any IFUNC
            with_ifuncs = self.with_ifuncs = [
                (j, obj.dso.ifuncs, obj.name)
                for j, obj in enumerate(self.objs)
                if j and obj.dso.ifuncs
            ]
        for j, ifuncs, name in with_ifuncs:
            if j != owner and ref.name in ifuncs:
                return name
        if owner != 0 and ref.name in self.objs[0].dso.ifuncs:
            return self.objs[0].name
        return None


# id(dso) -> (a weak reference to it, its lookups as a dependency, as the head)
_LOOKUPS: dict[int, tuple[weakref.ref[Dso], tuple[SymbolRef, ...], tuple[SymbolRef, ...]]] = {}


def _lookups(dso: Dso, head: bool) -> tuple[SymbolRef, ...]:
    """The imports of ``dso`` whose lookup can matter to :meth:`_Load._relocate`, in order.

    Left out, as the relocation pass would skip them: local symbols, weak
    undefined references without initial-exec TLS, and references the object's
    own usable definition answers (``_find`` returns the object itself) unless
    the answer feeds the TLS check (``tpoff``) or is a COPY relocation of the
    head (looked up past it).  Large C++ libraries define most of what their
    relocations name, so this keeps each simulation from walking tens of
    thousands of references; computed once per object and kept while it lives.
    """
    key = id(dso)
    hit = _LOOKUPS.get(key)
    if hit is not None and hit[0]() is dso:
        return hit[2] if head else hit[1]
    as_dep: list[SymbolRef] = []
    as_head: list[SymbolRef] = []
    for ref in dso.imports:
        if ref.bind == 0:  # STB_LOCAL: the object itself
            continue
        if not ref.defined and ref.bind == STB_WEAK and not ref.tpoff:
            continue  # never an error, and nothing else depends on its lookup
        if ref.usable and not ref.tpoff:
            if ref.copy:
                as_head.append(ref)
            continue
        as_dep.append(ref)
        as_head.append(ref)
    dep, hd = tuple(as_dep), tuple(as_head)
    try:
        wr: weakref.ref[Dso] = weakref.ref(dso, functools.partial(_drop, key))
    except TypeError:  # an object without weak references: not kept
        return hd if head else dep
    _LOOKUPS[key] = (wr, dep, hd)
    return hd if head else dep


def _drop(key: int, ref: weakref.ref[Dso]) -> None:
    entry = _LOOKUPS.get(key)
    if entry is not None and entry[0] is ref:
        del _LOOKUPS[key]


def _is_a_libc(dso: Dso) -> bool:
    """Musl's test for "another libc": full definitions of __libc_start_main and stdin."""
    exports = dso.exports
    a, b = exports.get("__libc_start_main"), exports.get("stdin")
    return a is not None and a.full and b is not None and b.full


def _ver(v: str) -> tuple[int, ...]:
    parts = []
    for x in v.split("."):
        if not x.isdigit():
            break
        parts.append(int(x))
    return tuple(parts)
