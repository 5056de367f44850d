"""One handmade ELF file per musl loader rule: the real loader shows the rule, the model agrees.

Every case compiles a few tiny objects (``gcc`` for glibc builds, ``musl-gcc``
for musl builds, see ``elfbuild.py``) into the sandbox copy of the real Alpine
3.23 rootfs under ``/tmp/rules/<case>/``, checks with ``readelf`` that each
file has the property the case is about (so no test passes vacuously), then:

1. runs Alpine's real ``ld-musl-x86_64.so.1 --list`` on it inside the rootfs
   (chroot) and asserts its output -- missing (library, needed by),
   unresolved (object, symbol), unsupported relocation types, exit status --
   is what the rule predicts: the test proves the rule exists;
2. runs :func:`alpine_ready.analysis.loader.simulate` on the same file against
   the same rootfs and asserts it reports exactly the same.

A disagreement in step 2 raises :class:`ModelDisagrees`; a case where the model
is known to be wrong is marked ``xfail(strict=True, raises=ModelDisagrees)``
so the real-loader assertions of step 1 still fail loudly.

The one rule ``--list`` cannot show -- initial-exec TLS in a library loaded by
``dlopen`` -- is checked with a tiny musl program, ``dlopen_probe``, run inside
the rootfs.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from alpine_ready.analysis.loader import LoadResult, Mode, simulate
from alpine_ready.analysis.system import TargetSystem
from alpine_ready.elf.reader import read_elf
from elfbuild import (
    cc,
    dynamic,
    dynsym,
    install,
    missing_tools,
    needed,
    readelf,
    relocs_for,
    set_relocation_type,
    stub,
)
from musl_real import RealLoad, chroot_prefix, musl_list

if (_why := missing_tools()) is not None:
    pytest.skip(_why, allow_module_level=True)

pytestmark = pytest.mark.skipif(chroot_prefix() is None, reason="needs root or unshare to chroot")

RULES = "/tmp/rules"
LOADER = "/lib/ld-musl-x86_64.so.1"


# -- outcomes -------------------------------------------------------------------


class ModelDisagrees(AssertionError):
    """The model's prediction differs from what the real loader printed."""


@dataclass(frozen=True)
class Outcome:
    """What one load reports: the fields real loader and model are compared on."""

    missing: frozenset[tuple[str, str]] = frozenset()  # (name, needed by)
    unresolved: frozenset[tuple[str, str]] = frozenset()  # (object, symbol)
    bad: frozenset[tuple[str, int]] = frozenset()  # (object, relocation type)
    ok: bool = True

    @classmethod
    def expect(
        cls,
        *,
        missing: Iterable[tuple[str, str]] = (),
        unresolved: Iterable[tuple[str, str]] = (),
        bad: Iterable[tuple[str, int]] = (),
    ) -> Outcome:
        """An expected outcome; ``ok`` follows from the errors."""
        m, u, b = frozenset(missing), frozenset(unresolved), frozenset(bad)
        return cls(m, u, b, not (m or u or b))

    @classmethod
    def of_real(cls, r: RealLoad) -> Outcome:
        """From the real loader's parsed ``--list`` output."""
        assert not r.other, f"unexpected loader output: {r.other}"
        return cls(frozenset(r.missing), frozenset(r.unresolved), frozenset(r.bad), r.rc == 0)

    @classmethod
    def of_model(cls, res: LoadResult) -> Outcome:
        """From a :class:`LoadResult`."""
        return cls(
            frozenset((m.name, m.needed_by) for m in res.missing),
            frozenset((u.obj, u.symbol) for u in res.unresolved),
            frozenset((b.obj, b.rtype) for b in res.bad_relocations),
            res.ok,
        )


def model_load(
    rootfs: Path,
    path: str,
    *,
    env: str | None = None,
    mode: Mode = "startup",
    system: TargetSystem | None = None,
) -> LoadResult:
    """The model's load of ``path`` (absolute inside ``rootfs``)."""
    system = system or TargetSystem.from_rootfs(rootfs)
    return simulate(system, path, read_elf(rootfs / path.lstrip("/")), mode=mode, env_path=env)


def check(rootfs: Path, expected: Mapping[str, Outcome], *, env: str | None = None) -> None:
    """Real ``--list`` output must equal ``expected``; then the model must equal the real one."""
    real = musl_list(rootfs, list(expected), library_path=env)
    got = {p: Outcome.of_real(real[p]) for p in expected}
    assert got == dict(expected)  # the rule, as the real loader shows it
    system = TargetSystem.from_rootfs(rootfs)
    diffs = []
    for path, want in got.items():
        model = Outcome.of_model(model_load(rootfs, path, env=env, system=system))
        if model != want:
            diffs.append(f"{path}:\n  real  {want}\n  model {model}")
    if diffs:
        raise ModelDisagrees("\n".join(diffs))


# -- building -------------------------------------------------------------------


@dataclass
class Bench:
    """Where cases are built: the sandbox rootfs, plus a scratch dir outside it."""

    rootfs: Path
    scratch: Path

    def case(self, name: str) -> tuple[Path, str]:
        """The host directory of a case and its path inside the rootfs."""
        inside = f"{RULES}/{name}"
        host = self.rootfs / inside.lstrip("/")
        host.mkdir(parents=True, exist_ok=True)
        return host, inside

    def tmp(self, name: str) -> Path:
        """A scratch directory for link-time stand-ins (never seen by the loader)."""
        d = self.scratch / name
        d.mkdir(parents=True, exist_ok=True)
        return d


@pytest.fixture(scope="module")
def bench(sandbox_rootfs: Path, tmp_path_factory: pytest.TempPathFactory) -> Bench:
    return Bench(sandbox_rootfs, tmp_path_factory.mktemp("elfbuild"))


def _origin(rpath: str, *, new_dtags: bool = False) -> list[str]:
    """Linker flags for one DT_RPATH (or DT_RUNPATH with ``new_dtags``)."""
    return [
        f"-Wl,-rpath,{rpath}",
        "-Wl,--enable-new-dtags" if new_dtags else "-Wl,--disable-new-dtags",
    ]


_LINK = ["-Wl,--no-as-needed", "-Wl,--allow-shlib-undefined"]


def _tag(path: Path, tag: str) -> list[str]:
    return [v for t, v in dynamic(path) if t == tag]


# -- 1. reserved names ----------------------------------------------------------

RESERVED_USER = """
typedef unsigned long size_t;
extern void *malloc(size_t);
extern void *pthread_self(void);
extern double cbrt(double);
void *use_c(void) { return malloc(4); }
void *use_pthread(void) { return pthread_self(); }
double use_m(double x) { return cbrt(x); }
"""


@pytest.fixture(scope="module")
def reserved(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("reserved")
    stubs = bench.tmp("reserved")
    names = [
        "libc.so.6",
        "libpthread.so.0",
        "libm.so.6",
        "librt.so.1",
        "libdl.so.2",
        "libutil.so.1",
        "libxnet.so.1",
        "libcrypt.so.1",
        "ld-linux-x86-64.so.2",
    ]
    for n in names:
        stub(stubs / n, n)
    link = [*_LINK, f"-L{stubs}"]
    # musl-built, but linked (-nostdlib) against glibc's names only: musl comes in through them.
    glibc_names = names[:7]
    cc(
        RESERVED_USER,
        host / "libreserved.so",
        musl=True,
        shared=True,
        flags=["-nostdlib"],
        libs=[*link, *(f"-l:{n}" for n in glibc_names)],
    )
    cc(
        RESERVED_USER,
        host / "libunreserved.so",
        musl=True,
        shared=True,
        flags=["-nostdlib"],
        libs=[*link, "-l:libc.so.6", "-l:libcrypt.so.1", "-l:ld-linux-x86-64.so.2"],
    )
    assert needed(host / "libreserved.so") == glibc_names
    assert needed(host / "libunreserved.so") == [
        "libc.so.6",
        "libcrypt.so.1",
        "ld-linux-x86-64.so.2",
    ]
    for lib in ("libreserved.so", "libunreserved.so"):
        for sym in ("malloc", "pthread_self", "cbrt"):
            assert relocs_for(host / lib, sym) == {"R_X86_64_JUMP_SLOT"}, (lib, sym)
    return {"reserved": f"{inside}/libreserved.so", "unreserved": f"{inside}/libunreserved.so"}


def test_reserved_names_resolve_to_musl(bench: Bench, reserved: dict[str, str]) -> None:
    """Rule 2: DT_NEEDED lib{c,pthread,m,rt,dl,util,xnet}.* is musl itself -- no search, and
    musl's symbols (malloc, pthread_self, cbrt) join the scope through them; ``libcrypt.so.1``
    and ``ld-linux-x86-64.so.2`` are ordinary names and are not found."""
    unres = reserved["unreserved"]
    check(
        bench.rootfs,
        {
            reserved["reserved"]: Outcome.expect(),
            unres: Outcome.expect(
                missing={("libcrypt.so.1", unres), ("ld-linux-x86-64.so.2", unres)}
            ),
        },
    )


# -- 2. rpath forms --------------------------------------------------------------

LIB_FN = "int {name}(void) {{ return {value}; }}\n"
EXE_CALLS = """
{decls}
int main(void) {{ return 0{calls}; }}
"""


def _exe_calling(*names: str) -> str:
    return EXE_CALLS.format(
        decls="".join(f"extern int {n}(void);\n" for n in names),
        calls="".join(f" + {n}()" for n in names),
    )


@pytest.fixture(scope="module")
def rpaths(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("rpath")
    exes: dict[str, tuple[str, bool, str]] = {
        # exe name: (rpath string, RUNPATH?, library it needs)
        "exe_rpath_origin": ("$ORIGIN/r1", False, "r1"),
        "exe_runpath_braces": ("${ORIGIN}/r2", True, "r2"),
        "exe_dollar_lib": ("$ORIGIN/r3:$LIB", False, "r3"),
        "exe_relative_cwd": ("tmp/rules/rpath/r4", False, "r4"),
        "exe_relative_obj": ("r5", False, "r5"),
        "exe_empty_entries": ("::$ORIGIN/r6::", True, "r6"),
    }
    out = {}
    for exe, (rpath, runpath, d) in exes.items():
        cc(LIB_FN.format(name=f"fn_{d}", value=1), host / d / f"lib{d}.so", musl=True, shared=True)
        cc(
            _exe_calling(),
            host / exe,
            musl=True,
            shared=False,
            flags=_origin(rpath, new_dtags=runpath),
            libs=[*_LINK, f"-L{host / d}", f"-l{d}"],
        )
        tag = "RUNPATH" if runpath else "RPATH"
        assert _tag(host / exe, tag) == [rpath], exe
        assert _tag(host / exe, "RPATH" if runpath else "RUNPATH") == [], exe
        assert needed(host / exe)[0] == f"lib{d}.so"
        out[exe] = f"{inside}/{exe}"
    return out


def test_rpath_forms(bench: Bench, rpaths: dict[str, str]) -> None:
    """Rule 3: DT_RPATH and DT_RUNPATH are both searched; ``$ORIGIN`` and ``${ORIGIN}`` expand to
    the object's directory; an rpath with any other ``$`` token (``$LIB``) is ignored whole, even
    its valid ``$ORIGIN`` entry; relative entries are relative to the working directory (``/``
    here), not to the object; empty entries are skipped."""
    check(
        bench.rootfs,
        {
            rpaths["exe_rpath_origin"]: Outcome.expect(),
            rpaths["exe_runpath_braces"]: Outcome.expect(),
            rpaths["exe_dollar_lib"]: Outcome.expect(
                missing={("libr3.so", rpaths["exe_dollar_lib"])}
            ),
            rpaths["exe_relative_cwd"]: Outcome.expect(),
            rpaths["exe_relative_obj"]: Outcome.expect(
                missing={("libr5.so", rpaths["exe_relative_obj"])}
            ),
            rpaths["exe_empty_entries"]: Outcome.expect(),
        },
    )


@pytest.fixture(scope="module")
def unusable_hit(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("unusable")
    cc(LIB_FN.format(name="fn_x", value=1), host / "real" / "libx.so", musl=True, shared=True)
    (host / "loop").mkdir(exist_ok=True)
    loop = host / "loop" / "libx.so"
    if not loop.is_symlink():
        loop.symlink_to("libx.so")  # a link to itself: ELOOP
    (host / "isdir" / "libx.so").mkdir(parents=True, exist_ok=True)  # opens, cannot map
    out = {}
    for first in ("loop", "isdir"):
        exe = host / f"exe_{first}"
        cc(
            _exe_calling(),
            exe,
            musl=True,
            shared=False,
            flags=_origin(f"$ORIGIN/{first}:$ORIGIN/real"),
            libs=[*_LINK, f"-L{host / 'real'}", "-lx"],
        )
        assert needed(exe)[0] == "libx.so"
        out[first] = f"{inside}/exe_{first}"
    return out


def test_unusable_hit_ends_the_search(bench: Bench, unusable_hit: dict[str, str]) -> None:
    """Rule 3 (path_open): only ENOENT/ENOTDIR/EACCES/ENAMETOOLONG move on to the next
    directory. A symlink loop (ELOOP) ends the whole search; a directory of that name opens
    fine and then fails to map. Either way the good libx.so in the next rpath entry is never
    tried."""
    check(
        bench.rootfs,
        {exe: Outcome.expect(missing={("libx.so", exe)}) for exe in unusable_hit.values()},
    )


# -- 3. the needed_by chain -------------------------------------------------------


@pytest.fixture(scope="module")
def chain(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("chain")
    a = host / "a"
    cc(LIB_FN.format(name="fn_b", value=2), a / "libb.so", musl=True, shared=True)
    cc(
        "extern int fn_b(void);\nint fn_a(void) { return fn_b(); }\n",
        a / "liba.so",
        musl=True,
        shared=True,
        libs=[*_LINK, f"-L{a}", "-lb"],
    )
    assert needed(a / "liba.so")[0] == "libb.so"
    assert not _tag(a / "liba.so", "RPATH") and not _tag(a / "liba.so", "RUNPATH")
    for exe, runpath in (("exe_rpath", False), ("exe_runpath", True)):
        cc(
            _exe_calling("fn_a"),
            host / exe,
            musl=True,
            shared=False,
            flags=_origin("$ORIGIN/a", new_dtags=runpath),
            libs=[*_LINK, f"-L{a}", "-la"],
        )
        assert _tag(host / exe, "RUNPATH" if runpath else "RPATH") == ["$ORIGIN/a"]
        assert "libb.so" not in needed(host / exe)
    return {
        "exe_rpath": f"{inside}/exe_rpath",
        "exe_runpath": f"{inside}/exe_runpath",
        "liba": f"{inside}/a/liba.so",
    }


def test_rpath_of_requesters_up_the_chain(bench: Bench, chain: dict[str, str]) -> None:
    """Rule 3: the rpath searched for a library is its requester's, then the requester's
    requester's, up to the head. exe (rpath ``$ORIGIN/a``) -> liba (no rpath) -> libb: libb is
    found through the exe's rpath -- with DT_RUNPATH too, where glibc would not look. liba
    alone cannot find libb."""
    liba = chain["liba"]
    check(
        bench.rootfs,
        {
            chain["exe_rpath"]: Outcome.expect(),
            chain["exe_runpath"]: Outcome.expect(),
            liba: Outcome.expect(missing={("libb.so", liba)}, unresolved={(liba, "fn_b")}),
        },
    )


# -- 4. dedup by shortname -------------------------------------------------------


@pytest.fixture(scope="module")
def dedup(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("dedup")
    for d, other in (("d1", "d2"), ("d2", "d1")):
        cc(LIB_FN.format(name=f"dup_{d}", value=1), host / d / "libdup.so", musl=True, shared=True)
        assert dynsym(host / d / "libdup.so", f"dup_{d}")
        assert not dynsym(host / d / "libdup.so", f"dup_{other}")
    for d, lib in (("d1", "libp.so"), ("d2", "libq.so")):
        cc(
            f"extern int dup_{d}(void);\nint use_{d}(void) {{ return dup_{d}(); }}\n",
            host / d / lib,
            musl=True,
            shared=True,
            flags=_origin("$ORIGIN"),
            libs=[*_LINK, f"-L{host / d}", "-ldup"],
        )
        assert needed(host / d / lib)[0] == "libdup.so"
    libs = [*_LINK, f"-L{host / 'd1'}", f"-L{host / 'd2'}"]
    rp = _origin("$ORIGIN/d1:$ORIGIN/d2")
    cc(
        _exe_calling(),
        host / "exe_pq",
        musl=True,
        shared=False,
        flags=rp,
        libs=[*libs, "-lp", "-lq"],
    )
    cc(
        _exe_calling(),
        host / "exe_qp",
        musl=True,
        shared=False,
        flags=rp,
        libs=[*libs, "-lq", "-lp"],
    )
    assert needed(host / "exe_pq")[:2] == ["libp.so", "libq.so"]
    assert needed(host / "exe_qp")[:2] == ["libq.so", "libp.so"]
    return {
        "exe_pq": f"{inside}/exe_pq",
        "exe_qp": f"{inside}/exe_qp",
        "libp": f"{inside}/d1/libp.so",
        "libq": f"{inside}/d2/libq.so",
    }


def test_dedup_by_shortname(bench: Bench, dedup: dict[str, str]) -> None:
    """Rule 3 (load order): a name already loaded is reused by its name, whatever the
    requester's own search would find. d1/libp.so and d2/libq.so each need ``libdup.so``
    with rpath ``$ORIGIN``; d1 and d2 each hold a different libdup.so. The first one loaded
    wins, so the other requester's symbol is missing."""
    check(
        bench.rootfs,
        {
            dedup["exe_pq"]: Outcome.expect(unresolved={(dedup["libq"], "dup_d2")}),
            dedup["exe_qp"]: Outcome.expect(unresolved={(dedup["libp"], "dup_d1")}),
        },
    )


@pytest.fixture(scope="module")
def inode(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("inode")
    tmp = bench.tmp("inode")
    # Hard link: h1/libhh.so and h2/libhhlink.so are one inode; libhh.so has one missing symbol.
    cc(
        "extern int nowhere_fn(void);\nint hh(void) { return nowhere_fn(); }\n",
        host / "h1" / "libhh.so",
        musl=True,
        shared=True,
    )
    (host / "h2").mkdir(exist_ok=True)
    link = host / "h2" / "libhhlink.so"
    if link.exists():
        link.unlink()
    link.hardlink_to(host / "h1" / "libhh.so")
    stub(tmp / "libhh.so", "libhh.so")
    stub(tmp / "libhhlink.so", "libhhlink.so")
    cc(
        _exe_calling(),
        host / "exe_hardlink",
        musl=True,
        shared=False,
        flags=_origin("$ORIGIN/h1:$ORIGIN/h2"),
        libs=[*_LINK, f"-L{tmp}", "-l:libhh.so", "-l:libhhlink.so"],
    )
    assert needed(host / "exe_hardlink")[:2] == ["libhh.so", "libhhlink.so"]
    assert (host / "h1/libhh.so").stat().st_ino == link.stat().st_ino

    # Symlink: a/libh.so is needed by absolute path (no shortname), then found again as
    # b/libhlink.so -> ../a/libh.so; b/libneedsh.so then needs plain "libh.so", which no
    # search path holds.
    a_lib = f"{inside}/a/libh.so"
    cc(
        LIB_FN.format(name="h_fn", value=1),
        host / "a" / "libh.so",
        musl=True,
        shared=True,
        flags=[f"-Wl,-soname,{a_lib}"],
    )
    (host / "b").mkdir(exist_ok=True)
    sym = host / "b" / "libhlink.so"
    if sym.exists() or sym.is_symlink():
        sym.unlink()
    sym.symlink_to("../a/libh.so")
    stub(tmp / "libh.so", "libh.so")
    stub(tmp / "libhlink.so", "libhlink.so")
    cc(
        "int n_fn(void) { return 1; }\n",
        host / "b" / "libneedsh.so",
        musl=True,
        shared=True,
        flags=["-Wl,-soname,libneedsh.so"],
        libs=[*_LINK, f"-L{tmp}", "-l:libh.so"],
    )
    for exe, libs in (("exe_symlink", ["-l:libhlink.so"]), ("exe_nosymlink", [])):
        cc(
            _exe_calling(),
            host / exe,
            musl=True,
            shared=False,
            flags=_origin("$ORIGIN/b"),
            libs=[
                *_LINK,
                str(host / "a" / "libh.so"),
                f"-L{tmp}",
                *libs,
                str(host / "b" / "libneedsh.so"),
            ],
        )
    assert needed(host / "exe_symlink")[:3] == [a_lib, "libhlink.so", "libneedsh.so"]
    assert needed(host / "exe_nosymlink")[:2] == [a_lib, "libneedsh.so"]
    assert needed(host / "b" / "libneedsh.so")[0] == "libh.so"
    return {
        "hardlink": f"{inside}/exe_hardlink",
        "h1": f"{inside}/h1/libhh.so",
        "symlink": f"{inside}/exe_symlink",
        "nosymlink": f"{inside}/exe_nosymlink",
        "needsh": f"{inside}/b/libneedsh.so",
    }


def test_dedup_by_inode_hard_link(bench: Bench, inode: dict[str, str]) -> None:
    """Rule 3 (load_library): a file found under a second name is the object already loaded
    when it is the same inode -- musl compares st_dev/st_ino, so a hard link counts as the
    same file. h1/libhh.so and its hard link h2/libhhlink.so are one object: its missing
    symbol is reported once, for the first path."""
    exe = inode["hardlink"]
    check(bench.rootfs, {exe: Outcome.expect(unresolved={(inode["h1"], "nowhere_fn")})})


def test_inode_match_names_the_first_path(bench: Bench, inode: dict[str, str]) -> None:
    """Rule 3 (load_library): an object loaded by explicit path has no shortname. When a
    search later finds it again (same inode, here through a symlink called libhlink.so),
    musl gives it the shortname ``basename(its first path)`` = ``libh.so`` -- not the name
    searched for -- so a later DT_NEEDED ``libh.so`` is satisfied without any search.
    Without that intermediate hit, the same ``libh.so`` is missing."""
    check(
        bench.rootfs,
        {
            inode["symlink"]: Outcome.expect(),
            inode["nosymlink"]: Outcome.expect(missing={("libh.so", inode["needsh"])}),
        },
    )


# -- 5. /etc/ld-musl-x86_64.path ---------------------------------------------------


@pytest.fixture(scope="module")
def syspath(
    bench: Bench, alpine_rootfs: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, dict[str, str]]:
    host, inside = bench.case("syspath")
    cc(LIB_FN.format(name="fn_sp", value=1), host / "d" / "libsp.so", musl=True, shared=True)
    cc(
        _exe_calling(),
        host / "exe_sp",
        musl=True,
        shared=False,
        libs=[*_LINK, f"-L{host / 'd'}", "-lsp"],
    )
    # A real /usr/lib library of the rootfs, linked against a stand-in with its soname.
    assert (bench.rootfs / "usr/lib/libcap.so.2").exists()
    assert not (bench.rootfs / "lib/libcap.so.2").exists()
    stub(bench.tmp("syspath") / "libcap.so.2", "libcap.so.2")
    cc(
        _exe_calling(),
        host / "exe_usrlib",
        musl=True,
        shared=False,
        libs=[*_LINK, f"-L{bench.tmp('syspath')}", "-l:libcap.so.2"],
    )
    assert needed(host / "exe_sp")[0] == "libsp.so"
    assert needed(host / "exe_usrlib")[0] == "libcap.so.2"
    for exe in ("exe_sp", "exe_usrlib"):
        assert not _tag(host / exe, "RPATH") and not _tag(host / exe, "RUNPATH")
    # A second hard-linked copy of the pristine rootfs, plus this case's files, gets the path
    # file, so the shared sandbox never sees it.
    other = tmp_path_factory.mktemp("alpine-pathfile") / "rootfs"
    subprocess.run(["cp", "-al", str(alpine_rootfs), str(other)], check=True)
    (other / inside.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(host), str(other / inside.lstrip("/"))], check=True)
    path_file = other / "etc/ld-musl-x86_64.path"
    assert not path_file.exists()
    path_file.write_text(f"{inside}/d\n/lib\n")
    return bench.rootfs, other, {"exe_sp": f"{inside}/exe_sp", "exe_usrlib": f"{inside}/exe_usrlib"}


def test_etc_path_file_replaces_default_path(syspath: tuple[Path, Path, dict[str, str]]) -> None:
    """Rule 3: without ``/etc/ld-musl-x86_64.path`` the default path is /lib:/usr/local/lib:
    /usr/lib; with it (newline-separated here) its content *replaces* the default: a library
    in its directory is found, one in /usr/lib no longer is."""
    plain, with_file, exe = syspath
    check(
        plain,
        {
            exe["exe_sp"]: Outcome.expect(missing={("libsp.so", exe["exe_sp"])}),
            exe["exe_usrlib"]: Outcome.expect(),
        },
    )
    check(
        with_file,
        {
            exe["exe_sp"]: Outcome.expect(),
            exe["exe_usrlib"]: Outcome.expect(missing={("libcap.so.2", exe["exe_usrlib"])}),
        },
    )


@pytest.fixture(scope="module")
def interp_pathfile(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("interp")
    cc(LIB_FN.format(name="fn_ip", value=1), host / "d" / "libip.so", musl=True, shared=True)
    interp = f"{inside}/lib/ld-musl-x86_64.so.1"
    cc(
        _exe_calling(),
        host / "exe_interp",
        musl=True,
        shared=False,
        flags=[f"-Wl,--dynamic-linker={interp}"],
        libs=[*_LINK, f"-L{host / 'd'}", "-lip"],
    )
    assert needed(host / "exe_interp")[0] == "libip.so"
    assert f"[Requesting program interpreter: {interp}]" in readelf(host / "exe_interp", "-l")
    (host / "lib").mkdir(exist_ok=True)
    loader = host / "lib" / "ld-musl-x86_64.so.1"
    if not loader.is_symlink():
        loader.symlink_to(LOADER)  # so the program can really start
    (host / "etc").mkdir(exist_ok=True)
    (host / "etc" / "ld-musl-x86_64.path").write_text(f"{inside}/d\n")
    assert not (bench.rootfs / "etc/ld-musl-x86_64.path").exists()
    return {"exe": f"{inside}/exe_interp"}


def test_path_file_is_found_next_to_the_interpreter(
    bench: Bench, interp_pathfile: dict[str, str]
) -> None:
    """Rule 3 (load_library): the path file is ``PREFIX/etc/ld-musl-x86_64.path`` where PREFIX
    is the loader's name (the executable's PT_INTERP, also under ``--list``) minus its last
    two components: ``/lib/ld-musl-x86_64.so.1`` gives ``/etc/...``, but an interpreter
    ``/tmp/rules/interp/lib/ld-musl-x86_64.so.1`` gives ``/tmp/rules/interp/etc/...``. That
    file lists d/, so libip.so is found -- by ``--list`` and by a real start of the program
    (through a symlink to the real loader at its interpreter path)."""
    exe = interp_pathfile["exe"]
    prefix = chroot_prefix()
    assert prefix is not None
    run = subprocess.run(
        [*prefix, str(bench.rootfs), exe],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_clean_env(),
    )
    assert (run.returncode, run.stderr) == (0, "")
    check(bench.rootfs, {exe: Outcome.expect()})


# -- 6. LD_LIBRARY_PATH ------------------------------------------------------------


@pytest.fixture(scope="module")
def ldpath(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("ldpath")
    for d in ("rp", "env"):
        cc(LIB_FN.format(name=f"ll_{d}", value=1), host / d / "libll.so", musl=True, shared=True)
    cc(
        _exe_calling("ll_env"),
        host / "exe_ll",
        musl=True,
        shared=False,
        flags=_origin("$ORIGIN/rp"),
        libs=[*_LINK, f"-L{host / 'env'}", "-lll"],
    )
    assert needed(host / "exe_ll")[0] == "libll.so"
    assert relocs_for(host / "exe_ll", "ll_env")
    return {"exe": f"{inside}/exe_ll", "env": f"/nonexistent::{inside}/env"}


def test_ld_library_path_searched_first(bench: Bench, ldpath: dict[str, str]) -> None:
    """Rule 3: LD_LIBRARY_PATH comes before the rpath. exe_ll (rpath ``$ORIGIN/rp``) needs
    ``libll.so`` and calls ``ll_env``, defined only by env/libll.so: without the variable
    rp/libll.so is loaded and ``ll_env`` is missing; with it env/libll.so wins."""
    exe = ldpath["exe"]
    check(bench.rootfs, {exe: Outcome.expect(unresolved={(exe, "ll_env")})})
    check(bench.rootfs, {exe: Outcome.expect()}, env=ldpath["env"])


PRELOAD_EXE = """
extern int pre_fn(void) __attribute__((weak));
int main(void) { return pre_fn ? 0 : 1; }  /* 0 only when libpre.so was preloaded */
"""


@pytest.fixture(scope="module")
def preload(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("preload")
    cc(LIB_FN.format(name="pre_fn", value=1), host / "rp" / "libpre.so", musl=True, shared=True)
    cc(PRELOAD_EXE, host / "exe", musl=True, shared=False, flags=_origin("$ORIGIN/rp"))
    (s,) = dynsym(host / "exe", "pre_fn")
    assert (s.bind, s.defined) == ("WEAK", False)
    assert _tag(host / "exe", "RPATH") == ["$ORIGIN/rp"]
    assert "libpre.so" not in needed(host / "exe")
    return {"exe": f"{inside}/exe", "lib": f"{inside}/rp/libpre.so"}


def _chroot_sh(rootfs: Path, script: str) -> subprocess.CompletedProcess[str]:
    prefix = chroot_prefix()
    assert prefix is not None
    return subprocess.run(
        [*prefix, str(rootfs), "/bin/sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_clean_env(),
    )


def test_ld_preload_is_best_effort_and_gets_no_rpath(bench: Bench, preload: dict[str, str]) -> None:
    """Rule 3 for LD_PRELOAD (load_preload): each entry is ``load_library(name, NULL)`` and its
    result is ignored. A preload that does not exist is silently skipped (no error, exit 0);
    a bare name is searched in LD_LIBRARY_PATH and the system path but in nobody's rpath, so
    ``libpre.so`` -- reachable through the program's rpath -- is not preloaded (the program's
    weak ``pre_fn`` stays NULL), while its absolute path is."""
    exe, lib = preload["exe"], preload["lib"]
    loader = LOADER
    real = _chroot_sh(
        bench.rootfs,
        f"""
        LD_PRELOAD=/nonexistent.so {loader} --list {exe} >/tmp/ar-list.out; echo "missing=$?"
        rm -f /tmp/ar-list.out
        LD_PRELOAD=libpre.so {loader} --list {exe}; echo "bare=$?"
        LD_PRELOAD=libpre.so {exe}; echo "run-bare=$?"
        LD_PRELOAD={lib} {exe}; echo "run-path=$?"
    """,
    )
    assert real.stderr == ""
    lines = real.stdout.splitlines()
    assert {"missing=0", "bare=0", "run-bare=1", "run-path=0"} <= set(lines), lines
    assert not any("libpre.so" in line for line in lines), lines  # --list: not loaded

    system = TargetSystem.from_rootfs(bench.rootfs)
    head = read_elf(bench.rootfs / exe.lstrip("/"))
    diffs = []
    gone = simulate(system, exe, head, preload=("/nonexistent.so",))
    if not gone.ok or gone.missing:
        diffs.append(f"preload /nonexistent.so: real ok, model missing={gone.missing}")
    bare = simulate(system, exe, head, preload=("libpre.so",))
    if lib in bare.objects:
        diffs.append(f"preload libpre.so: real not loaded, model objects={bare.objects}")
    by_path = simulate(system, exe, head, preload=(lib,))
    if lib not in by_path.objects or not by_path.ok:
        diffs.append(f"preload {lib}: real loaded, model objects={by_path.objects}")
    if diffs:
        raise ModelDisagrees("\n".join(diffs))


# -- 7. weak references ------------------------------------------------------------

WEAK_UNDEF = """
extern int wk_absent(void) __attribute__((weak));
extern int wk_data __attribute__((weak));
int call_weak(void) { return wk_absent ? wk_absent() : 0; }
int *addr_weak(void) { return &wk_data; }
"""

WEAK_IFUNC = """
static int impl(void) { return 1; }
static int (*resolve(void))(void) { return impl; }
int wk_ifunc(void) __attribute__((ifunc("resolve")));
__asm__(".weak wk_ifunc");  /* gcc refuses weak+ifunc attributes together; gas does not */
int call_ifunc(void) { return wk_ifunc(); }
"""


@pytest.fixture(scope="module")
def weak(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("weak")
    cc(WEAK_UNDEF, host / "libweak.so", musl=True, shared=True)
    cc(WEAK_IFUNC, host / "libweakifunc.so", musl=True, shared=True)
    for name in ("wk_absent", "wk_data"):
        (s,) = dynsym(host / "libweak.so", name)
        assert (s.bind, s.defined) == ("WEAK", False), s
        assert relocs_for(host / "libweak.so", name), name
    (s,) = dynsym(host / "libweakifunc.so", "wk_ifunc")
    assert (s.bind, s.type, s.defined) == ("WEAK", "IFUNC", True), s
    assert "R_X86_64_JUMP_SLOT" in relocs_for(host / "libweakifunc.so", "wk_ifunc")
    return {"weak": f"{inside}/libweak.so", "ifunc": f"{inside}/libweakifunc.so"}


def test_weak_undefined_never_fails_weak_ifunc_does(bench: Bench, weak: dict[str, str]) -> None:
    """Rule 5: a weak *undefined* reference that nothing defines is not an error (PLT or GOT);
    a weak *defined* IFUNC symbol is rejected by the lookup and, being defined, is reported
    missing even for the object's own reference."""
    check(
        bench.rootfs,
        {
            weak["weak"]: Outcome.expect(),
            weak["ifunc"]: Outcome.expect(unresolved={(weak["ifunc"], "wk_ifunc")}),
        },
    )


# -- 8. symbol versions ------------------------------------------------------------

VER_V1 = """
int foo_v1(void) { return 1; }
__asm__(".symver foo_v1,foo@V1");
"""
VER_V1_V2 = (
    VER_V1
    + """
int foo_v2(void) { return 2; }
__asm__(".symver foo_v2,foo@@V2");
"""
)
VER_USER = "extern int foo(void);\nint use_foo(void) { return foo(); }\n"
MEMCPY_USER = """
#include <string.h>
void copy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
"""


@pytest.fixture(scope="module")
def versions(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("versions")
    tmp = bench.tmp("versions")
    (tmp / "v1.map").write_text("V1 { global: foo; local: *; };\n")
    (tmp / "v12.map").write_text("V1 { global: foo; local: *; };\nV2 { global: foo; } V1;\n")
    soname = "-Wl,-soname,libver.so"
    cc(
        VER_V1,
        host / "hidden" / "libver.so",
        musl=True,
        shared=True,
        flags=[soname, f"-Wl,--version-script={tmp / 'v1.map'}"],
    )
    cc(
        VER_V1_V2,
        host / "default" / "libver.so",
        musl=True,
        shared=True,
        flags=[soname, f"-Wl,--version-script={tmp / 'v12.map'}"],
    )
    # Link-time stand-ins: an unversioned foo, and foo@@V1 as the default.
    cc(
        LIB_FN.format(name="foo", value=0),
        tmp / "plain" / "libver.so",
        musl=True,
        shared=True,
        flags=[soname],
    )
    cc(
        LIB_FN.format(name="foo", value=0),
        tmp / "v1default" / "libver.so",
        musl=True,
        shared=True,
        flags=[soname, f"-Wl,--version-script={tmp / 'v1.map'}"],
    )
    cc(
        VER_USER,
        tmp / "libuse.so",
        musl=True,
        shared=True,
        flags=_origin("$ORIGIN"),
        libs=[*_LINK, f"-L{tmp / 'plain'}", "-lver"],
    )
    cc(
        VER_USER,
        host / "default" / "libuse_v1.so",
        musl=True,
        shared=True,
        flags=_origin("$ORIGIN"),
        libs=[*_LINK, f"-L{tmp / 'v1default'}", "-lver"],
    )
    for d in ("hidden", "default"):
        install(tmp / "libuse.so", host / d / "libuse.so")
    cc(MEMCPY_USER, host / "glibc" / "libmemcpy.so", musl=False, shared=True)

    assert [(s.version, s.default_version) for s in dynsym(host / "hidden/libver.so", "foo")] == [
        ("V1", False)
    ]
    assert sorted(
        (s.version, s.default_version) for s in dynsym(host / "default/libver.so", "foo")
    ) == [("V1", False), ("V2", True)]
    (ref,) = dynsym(tmp / "libuse.so", "foo")
    assert (ref.defined, ref.version) == (False, None)
    (ref,) = dynsym(host / "default/libuse_v1.so", "foo")
    assert (ref.defined, ref.version) == (False, "V1")
    (ref,) = dynsym(host / "glibc/libmemcpy.so", "memcpy")
    assert (ref.defined, ref.version) == (False, "GLIBC_2.14")
    assert needed(host / "glibc/libmemcpy.so") == ["libc.so.6"]
    return {
        "hidden": f"{inside}/hidden/libuse.so",
        "default": f"{inside}/default/libuse.so",
        "asks_v1": f"{inside}/default/libuse_v1.so",
        "memcpy": f"{inside}/glibc/libmemcpy.so",
    }


def test_symbol_versions(bench: Bench, versions: dict[str, str]) -> None:
    """Rule 4: a hidden (non-default ``foo@V1``) definition is invisible, so a reference to
    ``foo`` fails when that is the only one; the default ``foo@@V2`` is found. The version a
    reference asks for is never read: ``foo@V1`` binds to ``foo@@V2`` (glibc would pick the
    hidden V1), and glibc's ``memcpy@GLIBC_2.14`` binds to musl's ``memcpy``."""
    check(
        bench.rootfs,
        {
            versions["hidden"]: Outcome.expect(unresolved={(versions["hidden"], "foo")}),
            versions["default"]: Outcome.expect(),
            versions["asks_v1"]: Outcome.expect(),
            versions["memcpy"]: Outcome.expect(),
        },
    )


# -- 9. IFUNC ---------------------------------------------------------------------

IFUNC_LOCAL = """
static int impl(void) { return 42; }
static int (*resolve(void))(void) { return impl; }
static int local_ifunc(void) __attribute__((ifunc("resolve")));
int call_local(void) { return local_ifunc(); }
"""
IFUNC_EXPORTED = """
static int impl(void) { return 42; }
static int (*resolve(void))(void) { return impl; }
int exported_ifunc(void) __attribute__((ifunc("resolve")));
"""


@pytest.fixture(scope="module")
def ifunc(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("ifunc")
    cc(IFUNC_LOCAL, host / "libirelative.so", musl=False, shared=True)
    cc(IFUNC_EXPORTED, host / "libifexport.so", musl=False, shared=True)
    cc(
        "extern int exported_ifunc(void);\nint use(void) { return exported_ifunc(); }\n",
        host / "libifuse.so",
        musl=False,
        shared=True,
        flags=_origin("$ORIGIN"),
        libs=[*_LINK, f"-L{host}", "-l:libifexport.so"],
    )
    assert "R_X86_64_IRELATIVE" in relocs_for(host / "libirelative.so", "")
    assert not dynsym(host / "libirelative.so", "local_ifunc")
    (s,) = dynsym(host / "libifexport.so", "exported_ifunc")
    assert (s.type, s.defined) == ("IFUNC", True)
    assert relocs_for(host / "libifexport.so", "exported_ifunc") == set()
    assert relocs_for(host / "libifuse.so", "exported_ifunc") == {"R_X86_64_JUMP_SLOT"}
    assert needed(host / "libifuse.so") == ["libifexport.so", "libc.so.6"]
    return {"irel": f"{inside}/libirelative.so", "use": f"{inside}/libifuse.so"}


def test_ifunc(bench: Bench, ifunc: dict[str, str]) -> None:
    """Rule 5 and the relocation switch: glibc IFUNCs. A local IFUNC becomes an IRELATIVE
    relocation, type 37, which musl rejects; an exported IFUNC symbol (STT_GNU_IFUNC) is not
    a usable definition, so another object's reference to it is missing."""
    check(
        bench.rootfs,
        {
            ifunc["irel"]: Outcome.expect(bad={(ifunc["irel"], 37)}),
            ifunc["use"]: Outcome.expect(unresolved={(ifunc["use"], "exported_ifunc")}),
        },
    )


@pytest.fixture(scope="module")
def reloc_none(bench: Bench) -> dict[str, str]:
    pytest.importorskip("elftools")
    host, inside = bench.case("none")
    src = "extern int gone(void);\nvoid *addr_gone(void) { return (void *)&gone; }\n"
    cc(src, host / "libglobdat.so", musl=True, shared=True)
    cc(src, host / "libnone.so", musl=True, shared=True)
    assert relocs_for(host / "libnone.so", "gone") == {"R_X86_64_GLOB_DAT"}
    assert set_relocation_type(host / "libnone.so", "gone", "R_X86_64_GLOB_DAT", 0) == 1
    assert relocs_for(host / "libnone.so", "gone") == {"R_X86_64_NONE"}
    return {"globdat": f"{inside}/libglobdat.so", "none": f"{inside}/libnone.so"}


def test_relocation_type_none_is_skipped(bench: Bench, reloc_none: dict[str, str]) -> None:
    """The relocation switch (do_relocs): an entry of type NONE is skipped before its symbol
    is looked up, so an undefined symbol named only by R_X86_64_NONE is not an error. The
    same library with the entry left as GLOB_DAT fails."""
    globdat = reloc_none["globdat"]
    check(
        bench.rootfs,
        {
            globdat: Outcome.expect(unresolved={(globdat, "gone")}),
            reloc_none["none"]: Outcome.expect(),
        },
    )


# -- 10. copy relocations ------------------------------------------------------------

COPY_EXE = """
extern int shared_counter;
int main(void) { return shared_counter; }
"""
COPY_LIB_DEFINES = """
int shared_counter = 7;
int lib_get(void) { return shared_counter; }
"""
COPY_LIB_REFERENCES = """
extern int shared_counter;
int lib_get(void) { return shared_counter; }
"""


@pytest.fixture(scope="module")
def copyrel(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("copy")
    cc(COPY_LIB_DEFINES, host / "good" / "libdata.so", musl=True, shared=True)
    cc(COPY_LIB_REFERENCES, host / "bad" / "libdata.so", musl=True, shared=True)
    cc(
        COPY_EXE,
        host / "good" / "exe_copy",
        musl=True,
        shared=False,
        pic=False,
        flags=_origin("$ORIGIN"),
        libs=[*_LINK, f"-L{host / 'good'}", "-ldata"],
    )
    install(host / "good" / "exe_copy", host / "bad" / "exe_copy")
    exe = host / "good" / "exe_copy"
    assert relocs_for(exe, "shared_counter") == {"R_X86_64_COPY"}
    (s,) = dynsym(exe, "shared_counter")
    assert s.defined and s.type == "OBJECT"
    (s,) = dynsym(host / "bad" / "libdata.so", "shared_counter")
    assert not s.defined
    assert relocs_for(host / "bad" / "libdata.so", "shared_counter") == {"R_X86_64_GLOB_DAT"}
    return {"good": f"{inside}/good/exe_copy", "bad": f"{inside}/bad/exe_copy"}


def test_copy_relocation_skips_the_executable(bench: Bench, copyrel: dict[str, str]) -> None:
    """Rule 5: a non-PIE executable's R_X86_64_COPY is looked up in the other objects, never
    in the executable (which defines the symbol, as the copy's destination). It loads when
    libdata.so defines ``shared_counter``; when libdata.so only references it, the COPY fails
    while libdata.so's own GLOB_DAT happily resolves to the executable's copy."""
    check(
        bench.rootfs,
        {
            copyrel["good"]: Outcome.expect(),
            copyrel["bad"]: Outcome.expect(unresolved={(copyrel["bad"], "shared_counter")}),
        },
    )


# -- 11. LFS64 names ---------------------------------------------------------------

LFS64_USER = """
extern void *fopen64(const char *, const char *);
extern int stat64(const char *, void *);
extern int readdir64_r(void *, void *, void **);
extern int posix_fadvise64(int, long, long, int);
extern int posix_fallocate64(int, long, long);
extern int fcntl64(int, int, ...);
long use(void *p) {
    return (long)fopen64(p, p) + stat64(p, p) + readdir64_r(p, p, p)
        + posix_fadvise64(0, 0, 0, 0) + posix_fallocate64(0, 0, 0) + fcntl64(0, 0);
}
"""
LFS64_NAMES = (
    "fopen64",
    "stat64",
    "readdir64_r",
    "posix_fadvise64",
    "posix_fallocate64",
    "fcntl64",
)


@pytest.fixture(scope="module")
def lfs64(bench: Bench) -> str:
    host, inside = bench.case("lfs64")
    lib = cc(LFS64_USER, host / "liblfs64.so", musl=False, shared=True)
    for name in LFS64_NAMES:
        (s,) = dynsym(lib, name)
        assert not s.defined and s.version and s.version.startswith("GLIBC_"), s
        assert relocs_for(lib, name) == {"R_X86_64_JUMP_SLOT"}, name
    return f"{inside}/liblfs64.so"


def test_lfs64_fallback(bench: Bench, lfs64: str) -> None:
    """Rule 7: musl 1.2.5 no longer exports the LFS64 names but retries a failed lookup
    without the ``64`` (``readdir64_r`` -> ``readdir_r`` specially), for names that fit its
    16-byte buffer: ``posix_fadvise64`` (15 chars) falls back, ``posix_fallocate64`` (17)
    does not, and ``fcntl64`` is not on the list at all."""
    check(
        bench.rootfs,
        {lfs64: Outcome.expect(unresolved={(lfs64, "posix_fallocate64"), (lfs64, "fcntl64")})},
    )


# -- 12. musl's symbols only when musl is needed -----------------------------------

MALLOC_USER = """
typedef unsigned long size_t;
extern void *malloc(size_t);
void *use(void) { return malloc(4); }
"""
LFS64_NOLIBC = (
    MALLOC_USER
    + """
extern void *fopen64(const char *, const char *);
void *open_it(const char *p) { return fopen64(p, "r"); }
"""
)


@pytest.fixture(scope="module")
def rule6(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("rule6")
    tmp = bench.tmp("rule6")
    stub(tmp / "libc.musl-x86_64.so.1", "libc.musl-x86_64.so.1")
    cc(MALLOC_USER, host / "libnolibc.so", musl=True, shared=True, flags=["-nostdlib"])
    cc(MALLOC_USER, host / "libwithlibc.so", musl=True, shared=True)
    cc(LFS64_NOLIBC, host / "libnolibc_lfs64.so", musl=True, shared=True, flags=["-nostdlib"])
    assert needed(host / "libnolibc_lfs64.so") == []
    assert relocs_for(host / "libnolibc_lfs64.so", "fopen64") == {"R_X86_64_JUMP_SLOT"}
    cc(
        MALLOC_USER,
        host / "libmuslsoname.so",
        musl=True,
        shared=True,
        flags=["-nostdlib"],
        libs=[*_LINK, f"-L{tmp}", "-l:libc.musl-x86_64.so.1"],
    )
    # A musl program using libnolibc.so: its own DT_NEEDED libc.so brings musl in.
    cc(
        _exe_calling("use"),
        host / "exe",
        musl=True,
        shared=False,
        flags=_origin("$ORIGIN"),
        libs=[*_LINK, f"-L{host}", "-lnolibc"],
    )
    assert needed(host / "libnolibc.so") == []
    assert needed(host / "libwithlibc.so") == ["libc.so"]
    assert needed(host / "libmuslsoname.so") == ["libc.musl-x86_64.so.1"]
    assert needed(host / "exe") == ["libnolibc.so", "libc.so"]
    for lib in ("libnolibc.so", "libwithlibc.so", "libmuslsoname.so"):
        assert relocs_for(host / lib, "malloc") == {"R_X86_64_JUMP_SLOT"}
    return {
        n: f"{inside}/{n}"
        for n in ("libnolibc.so", "libwithlibc.so", "libmuslsoname.so", "libnolibc_lfs64.so", "exe")
    }


def test_musl_symbols_only_when_musl_is_needed(bench: Bench, rule6: dict[str, str]) -> None:
    """Rule 6: a library with no libc in its DT_NEEDED, loaded on its own, cannot use musl's
    ``malloc``; with ``libc.so`` (reserved name) or musl's soname ``libc.musl-x86_64.so.1``
    (found on disk, recognised as musl) it can, and so can the libc-less one when something
    else in the load tree brings musl in."""
    nolibc, lfs = rule6["libnolibc.so"], rule6["libnolibc_lfs64.so"]
    check(
        bench.rootfs,
        {
            nolibc: Outcome.expect(unresolved={(nolibc, "malloc")}),
            lfs: Outcome.expect(unresolved={(lfs, "malloc")}),
            rule6["libwithlibc.so"]: Outcome.expect(),
            rule6["libmuslsoname.so"]: Outcome.expect(),
            rule6["exe"]: Outcome.expect(),
        },
    )


@pytest.fixture(scope="module")
def second_libc(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("glibc_libc")
    found = subprocess.run(
        ["gcc", "-print-file-name=libc.so.6"], capture_output=True, text=True, check=True
    ).stdout.strip()
    glibc = Path(found).resolve()
    if not glibc.is_file():
        pytest.skip("no glibc libc.so.6 on this host")
    lib_path = f"{inside}/glibc/libc.so.6"
    install(glibc, host / "glibc" / "libc.so.6")
    tmp = bench.tmp("glibc_libc")
    stub(tmp / "abs.so", lib_path)
    cc(
        MALLOC_USER,
        host / "libabs.so",
        musl=True,
        shared=True,
        flags=["-nostdlib"],
        libs=[*_LINK, str(tmp / "abs.so")],
    )
    assert needed(host / "libabs.so") == [lib_path]
    assert dynsym(host / "glibc" / "libc.so.6", "__libc_start_main")
    assert dynsym(host / "glibc" / "libc.so.6", "stdin")
    assert "ld-linux-x86-64.so.2" in needed(host / "glibc" / "libc.so.6")
    return {"lib": f"{inside}/libabs.so"}


def test_a_second_libc_is_replaced_by_musl(bench: Bench, second_libc: dict[str, str]) -> None:
    """Rule 2's other half (load_library): a library reached by path or search that defines
    both ``__libc_start_main`` and ``stdin`` -- another libc -- is unmapped and replaced by
    musl (``load_library("libc.so")``). A musl library needing glibc's real libc.so.6 by
    absolute path therefore loads, ``malloc`` resolving to musl's, and glibc's own
    ld-linux dependency and IRELATIVE relocations never matter."""
    check(bench.rootfs, {second_libc["lib"]: Outcome.expect()})


# -- 13. initial-exec TLS under dlopen ----------------------------------------------

DLOPEN_PROBE = r"""
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        void *h = dlopen(argv[i], RTLD_NOW);
        if (h) printf("OK\t%s\n", argv[i]);
        else printf("ERR\t%s\t%s\n", argv[i], dlerror());
    }
    return 0;
}
"""
TLS_DEFINES = "__thread int tv = 1;\nint get_tv(void) { return tv; }\n"
TLS_LOCAL = """
static __thread int tv = 1;
int get_tv(void) { return tv; }
void set_tv(int v) { tv = v; }
"""
TLS_EXTERN = "extern __thread int tdef;\nint get_tdef(void) { return tdef; }\n"
_TLS_MSG = re.compile(
    r"^Error relocating (.+?): (.*?): initial-exec TLS resolves to dynamic "
    r"definition in (.+)$"
)


@pytest.fixture(scope="module")
def tls(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("tls")
    ie, gd = ["-ftls-model=initial-exec"], ["-ftls-model=global-dynamic"]
    cc(DLOPEN_PROBE, host / "dlopen_probe", musl=True, shared=False)
    cc(TLS_DEFINES, host / "libie.so", musl=True, shared=True, flags=ie)
    cc(TLS_LOCAL, host / "libie_local.so", musl=True, shared=True, flags=ie)
    cc(TLS_DEFINES, host / "libgd.so", musl=True, shared=True, flags=gd)
    cc("__thread int tdef = 5;\n", host / "libtlsdef.so", musl=True, shared=True, flags=gd)
    cc(
        TLS_EXTERN,
        host / "libie_ext.so",
        musl=True,
        shared=True,
        flags=[*ie, *_origin("$ORIGIN")],
        libs=[*_LINK, f"-L{host}", "-ltlsdef"],
    )
    assert "R_X86_64_TPOFF64" in relocs_for(host / "libie.so", "tv")
    assert "R_X86_64_TPOFF64" in relocs_for(host / "libie_local.so", "")
    assert not dynsym(host / "libie_local.so", "tv")
    assert relocs_for(host / "libgd.so", "tv") >= {"R_X86_64_DTPMOD64", "R_X86_64_DTPOFF64"}
    assert "R_X86_64_TPOFF64" not in relocs_for(host / "libgd.so", "tv")
    assert relocs_for(host / "libie_ext.so", "tdef") == {"R_X86_64_TPOFF64"}
    assert needed(host / "libie_ext.so")[0] == "libtlsdef.so"
    for lib, var in (("libie.so", "tv"), ("libgd.so", "tv"), ("libtlsdef.so", "tdef")):
        (s,) = dynsym(host / lib, var)
        assert (s.type, s.defined) == ("TLS", True), (lib, s)
    return {
        n: f"{inside}/{n}"
        for n in (
            "dlopen_probe",
            "libie.so",
            "libie_local.so",
            "libgd.so",
            "libie_ext.so",
            "libtlsdef.so",
        )
    }


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LD_")}


def dlopen_real(rootfs: Path, probe: str, lib: str) -> str | None:
    """Run ``probe LIB`` inside the rootfs: None when dlopen(RTLD_NOW) worked, else dlerror()."""
    prefix = chroot_prefix()
    assert prefix is not None
    proc = subprocess.run(
        [*prefix, str(rootfs), probe, lib],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=_clean_env(),
    )
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    fields = line.split("\t")
    assert fields[1] == lib, line
    return None if fields[0] == "OK" else fields[2]


def test_initial_exec_tls_under_dlopen(bench: Bench, tls: dict[str, str]) -> None:
    """Initial-exec TLS in an object loaded by dlopen() is fatal when the variable lives in
    a dlopen-loaded object (its own, or a dependency loaded with it): musl prints "initial-exec
    TLS resolves to dynamic definition". Global-dynamic TLS loads. At startup (``--list``)
    the same files all load -- this rule is only visible through a real dlopen."""
    probe = tls["dlopen_probe"]
    libs = ["libie.so", "libie_local.so", "libgd.so", "libie_ext.so"]
    real: dict[str, tuple[str, str, str] | None] = {}
    for lib in libs:
        err = dlopen_real(bench.rootfs, probe, tls[lib])
        if err is None:
            real[lib] = None
            continue
        m = _TLS_MSG.match(err)
        assert m, err
        real[lib] = (m.group(1), m.group(2), m.group(3))
    # A relocation without a symbol (the local variable) prints its name as "(null)": musl's
    # do_relocs never sets `name` for symbol index 0.
    assert real == {
        "libie.so": (tls["libie.so"], "tv", tls["libie.so"]),
        "libie_local.so": (tls["libie_local.so"], "(null)", tls["libie_local.so"]),
        "libgd.so": None,
        "libie_ext.so": (tls["libie_ext.so"], "tdef", tls["libtlsdef.so"]),
    }
    # At startup none of this matters.
    check(bench.rootfs, {tls[lib]: Outcome.expect() for lib in libs})

    system = TargetSystem.from_rootfs(bench.rootfs)
    diffs = []
    for lib in libs:
        res = model_load(bench.rootfs, tls[lib], mode="dlopen", system=system)
        got = {(t.obj, t.symbol or "(null)", t.definer) for t in res.tls_errors}
        want = set() if real[lib] is None else {real[lib]}
        if got != want or res.ok != (real[lib] is None) or res.unresolved or res.missing:
            diffs.append(f"{lib}: real {want} model {res.tls_errors} ok={res.ok}")
    if diffs:
        raise ModelDisagrees("\n".join(diffs))


# -- 14. a non-PIE executable's canonical PLT address ------------------------------------

PLT_EXE = """
extern int target_fn(void);
int (*volatile sink)(void);
int main(void) { sink = target_fn; return sink(); }  /* address in code: canonical PLT */
"""


@pytest.fixture(scope="module")
def pltaddr(bench: Bench) -> dict[str, str]:
    host, inside = bench.case("pltaddr")
    tmp = bench.tmp("pltaddr")
    good, bad = host / "good", host / "bad"
    cc(LIB_FN.format(name="target_fn", value=3), good / "libdef.so", musl=True, shared=True)
    cc(LIB_FN.format(name="other_fn", value=3), bad / "libdef.so", musl=True, shared=True)
    cc(
        "extern int target_fn(void);\nvoid *addr(void) { return (void *)&target_fn; }\n",
        tmp / "libaddr.so",
        musl=True,
        shared=True,
    )
    cc(
        "extern int target_fn(void);\nint call(void) { return target_fn(); }\n",
        tmp / "libcall.so",
        musl=True,
        shared=True,
    )
    for d in (good, bad):
        for lib in ("libaddr.so", "libcall.so"):
            install(tmp / lib, d / lib)
    cc(
        PLT_EXE,
        good / "exe",
        musl=True,
        shared=False,
        pic=False,
        flags=_origin("$ORIGIN"),
        libs=[*_LINK, f"-L{good}", "-ldef", "-laddr", "-lcall"],
    )
    install(good / "exe", bad / "exe")
    (s,) = dynsym(good / "exe", "target_fn")
    assert not s.defined and s.value != 0, s  # the canonical PLT entry's address
    assert relocs_for(good / "exe", "target_fn") == {"R_X86_64_JUMP_SLOT"}
    assert relocs_for(tmp / "libaddr.so", "target_fn") == {"R_X86_64_GLOB_DAT"}
    assert relocs_for(tmp / "libcall.so", "target_fn") == {"R_X86_64_JUMP_SLOT"}
    assert not dynsym(bad / "libdef.so", "target_fn")
    return {"good": f"{inside}/good", "bad": f"{inside}/bad"}


def test_non_pie_plt_address_serves_non_plt_lookups(bench: Bench, pltaddr: dict[str, str]) -> None:
    """Rule 5 (find_sym): a non-PIE executable that takes a library function's address has an
    *undefined* dynsym entry with a non-zero value (its canonical PLT entry). musl accepts such
    an entry for non-PLT lookups only: when no object defines ``target_fn``, libaddr.so's
    GLOB_DAT resolves to the executable's PLT address and is silent, while the executable's
    and libcall.so's JUMP_SLOTs (need_def) are missing. With the definition, all load."""
    good, bad = pltaddr["good"], pltaddr["bad"]
    check(
        bench.rootfs,
        {
            f"{good}/exe": Outcome.expect(),
            f"{bad}/exe": Outcome.expect(
                unresolved={(f"{bad}/exe", "target_fn"), (f"{bad}/libcall.so", "target_fn")}
            ),
        },
    )
