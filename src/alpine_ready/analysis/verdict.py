"""From load simulations to a verdict, its reasons and the fix.

The verdict is not guessed from symbol lists: each step is another simulation
of musl's loader on a what-if system --

1. the target as it is (``ok`` when that loads);
2. plus the Alpine packages that provide the missing sonames
   (``needs-packages`` when that loads; their libraries are modelled as
   defining every name except glibc's, since they are musl builds);
3. plus gcompat 1.1.0 installed -- its real export list, its loader stub and
   its soname links -- with ``libgcompat.so.0`` preloaded the way the stub
   preloads it for glibc executables (``needs-gcompat``); for modules loaded by
   a musl host program the preload must be asked for (``LD_PRELOAD``);
4. otherwise ``incompatible``, with what is still wrong in step 3.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from .. import knowledge
from ..elf.reader import ElfFile, Export
from ..knowledge.apkindex import PackageIndex
from ..knowledge.apkrepo import SonameProviders, offline_by_default, unknown_reason
from ..report.item import Fix, FixKind
from .loader import LoadResult, Mode, simulate
from .report import BinaryReport, Libc, Verdict
from .system import Dso, ExportsOnlyDso, TargetSystem
from .vfs import ResolveError

_FULL = Export(full=True, tls=False)
_SHOW = 6  # names shown inline before "(+N more)"


class _AllButGlibc(Mapping[str, Export]):
    """Exports of an Alpine package's library we have no table for: anything but glibc's."""

    def __init__(self, glibc: Mapping[str, str]) -> None:
        self.glibc = glibc

    def get(self, key: str, default: object = None) -> Export | None:  # type: ignore[override]
        """Fast path: no exception per miss."""
        return None if key in self.glibc else _FULL

    def __getitem__(self, key: str) -> Export:
        if key in self.glibc:
            raise KeyError(key)
        return _FULL

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _musl_soname(machine: int) -> str:
    return f"libc.musl-{knowledge.arch(machine).name}.so.1"


@cache
def _package_stub(machine: int) -> ExportsOnlyDso:
    """The library of an Alpine package we have no symbol table for."""
    return ExportsOnlyDso(
        _AllButGlibc(knowledge.glibc_symbols()), machine, needed=(_musl_soname(machine),)
    )


@cache
def _gcompat_files(machine: int) -> dict[str, dict[str, object]]:
    gc = knowledge.gcompat()
    lib = gc.library
    exports = dict.fromkeys(gc.exports, _FULL)
    files: dict[str, dict[str, object]] = {
        lib: {"dso": ExportsOnlyDso(exports, machine, needed=(_musl_soname(machine),))},
    }
    for arch, stub in gc.stub_loaders.items():
        if knowledge.arch(arch).machine == machine:
            files[stub] = {"dso": ExportsOnlyDso({}, machine, needed=(_musl_soname(machine),))}
    for link, target in gc.links.items():
        files[link] = {"link": target}
    libdir = posixpath.dirname(lib)
    for soname in gc.sonames:
        path = f"{libdir}/{soname}"
        if path not in files:
            files[path] = {"link": posixpath.basename(lib)}
    return files


@dataclass(frozen=True)
class Subject:
    """One file to judge, and where it sits on the target."""

    relpath: str  # as reported (relative to the scan target)
    path: str  # absolute path in the target namespace
    elf: ElfFile
    host: knowledge.HostRuntime | None
    distribution: str | None = None  # the Python distribution that installed it, if known


def libc_of(elf: ElfFile, arch: knowledge.ArchInfo | None) -> Libc:
    """Glibc / musl / static / none, from the interpreter, the needs and the versions."""
    if elf.is_static:
        return Libc.STATIC
    interp = elf.interpreter or ""
    needed = elf.needed
    if "ld-musl-" in interp or any(n.startswith("libc.musl-") or n == "libc.so" for n in needed):
        return Libc.MUSL
    glibc_interps = arch.glibc_interpreters if arch else ()
    if (
        interp in glibc_interps
        or "ld-linux" in interp
        or any(n == "libc.so.6" or n.startswith("ld-linux") for n in needed)
        or any(v.startswith("GLIBC_") for _f, vs in elf.verneed for v in vs)
    ):
        return Libc.GLIBC
    return Libc.NONE


def kind_of(subject: Subject) -> str:
    """executable, shared-library, python-extension, node-addon or static-executable."""
    elf = subject.elf
    name = posixpath.basename(subject.path)
    host = subject.host
    # a library the host loads for a module (libarrow_python.so, pillow.libs/*) is a library
    if host is not None and host.names_module(name):
        return "python-extension" if host.name == "python" else f"{host.name}-addon"
    if elf.is_static:
        return "static-executable"
    if elf.elf_type == 2 or (elf.interpreter and not elf.soname):
        return "executable"
    return "shared-library"


def _names(items: list[str] | tuple[str, ...] | set[str], show: int = _SHOW) -> str:
    items = sorted(items)
    head = ", ".join(items[:show])
    return head + (f" (+{len(items) - show} more)" if len(items) > show else "")


def _split_host(
    result: LoadResult, head: str, host: knowledge.HostRuntime | None
) -> tuple[set[str], set[str]]:
    """Unresolved names of the head file: (missing, provided by the host program)."""
    own = {u.symbol for u in result.unresolved if u.obj == head}
    if host is None:
        return own, set()
    hosted = {s for s in own if host.provides(s)}
    return own - hosted, hosted


def judge(system: TargetSystem, subject: Subject, *, env_path: str | None = None) -> BinaryReport:
    """Simulate, then decide the verdict with reasons and fixes.

    A library looked up through an ``$ORIGIN`` rpath that leaves the scanned
    tree (``$ORIGIN/../pyarrow.libs`` when only ``pyarrow/`` is scanned) is not
    evidence either way: it is assumed present (a stub that defines every name),
    the rest is judged, and the report says what was outside (AR430).  The
    verdict is what the file's own content decides -- ``ok`` when nothing else
    fails, so the gap alone never fails ``--fail-on`` -- and ``loads`` is false.
    """
    outside, first = _outside_tree(system, subject, env_path)
    if not outside:
        return _judge(system, subject, env_path, first)
    stub = _outside_stub(system.arch.machine)
    files = {f"{d}/{name}": {"dso": stub} for name, d in outside.items()}
    report = _judge(system.with_files(files), subject, env_path)
    notes = tuple(_outside_note(system, name, d) for name, d in sorted(outside.items()))
    if report.verdict is Verdict.OK:
        return replace(
            report,
            code="AR430",
            loads=False,
            reasons=(*notes, *report.reasons[1:]),
            missing_libraries=tuple(sorted(outside)),
            group="ok outside-tree " + " ".join(sorted(set(outside.values()))),
        )
    return replace(report, reasons=(*report.reasons, *notes))


def _outside_tree(
    system: TargetSystem, subject: Subject, env_path: str | None
) -> tuple[dict[str, str], LoadResult | None]:
    """Missing library -> the ``$ORIGIN`` directory, outside the scanned tree, it was sought in.

    Also the simulation that told (None when none was needed): when nothing is outside,
    it is the judgement's first simulation too.
    """
    # only a file whose own rpath uses $ORIGIN pays for this extra simulation
    if (
        system.app is None
        or subject.elf.is_static
        or "ORIGIN" not in (subject.elf.search_path or "")
    ):
        return {}, None
    at = system.app[0].rstrip("/") or "/"
    mode: Mode = "dlopen" if subject.host is not None else "startup"
    r0 = simulate(system, subject.path, subject.elf, mode=mode, env_path=env_path)
    out: dict[str, str] = {}
    for m in r0.missing:
        for obj in dict.fromkeys((m.needed_by, subject.path)):
            d = _escaping_origin_dir(system, subject, obj, at, m.name)
            if d is not None:
                out.setdefault(m.name, d)
                break
    return out, r0


def _escaping_origin_dir(
    system: TargetSystem, subject: Subject, obj: str, at: str, name: str
) -> str | None:
    """The rpath directory of ``obj`` outside the tree where ``name`` lies on this machine.

    Only a library that is there (an ``lstat`` beside the scanned tree, nothing
    read) counts: an rpath entry that merely points outside proves nothing.
    """
    dso: Dso | str
    if obj == subject.path:
        dso = subject.elf
    else:
        try:
            dso = system.open_dso(system.namespace.resolve(obj))
        except ResolveError:
            return None
    if isinstance(dso, str) or not dso.search_path:
        return None
    origin = posixpath.dirname(obj)
    for entry in dso.search_path.split(":"):
        if "$ORIGIN" not in entry and "${ORIGIN}" not in entry:
            continue
        expanded = entry.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
        if "$" in expanded:
            continue
        d = posixpath.normpath(expanded)
        if at != "/" and d != at and not d.startswith(at + "/") and _there(system, d, name):
            return d
    return None


def _host_dir(system: TargetSystem, d: str) -> str:
    """Where the target directory ``d`` (outside the mounted tree) lies on this machine."""
    assert system.app is not None
    at, real = system.app
    return os.path.normpath(f"{real}/{posixpath.relpath(d, at.rstrip('/') or '/')}")


def _there(system: TargetSystem, d: str, name: str) -> bool:
    try:
        os.lstat(f"{_host_dir(system, d)}/{name}")
    except (OSError, ValueError):
        return False
    return True


def _outside_note(system: TargetSystem, name: str, d: str) -> str:
    assert system.app is not None
    at, real = system.app
    rel = posixpath.relpath(d, at.rstrip("/") or "/")
    host_dir = _host_dir(system, d)
    ancestor = os.path.commonpath([str(real), host_dir])
    return (
        f"not judged fully: {name} is looked up in {rel} ({host_dir}), outside the "
        f"scanned tree; scan {ancestor} to include it"
    )


@cache
def _outside_stub(machine: int) -> ExportsOnlyDso:
    """A library outside the scanned tree: unknown, so assumed to define every name."""
    # all but the two names musl takes for "another libc" (a library defines neither)
    not_libc = {"__libc_start_main": "", "stdin": ""}
    return ExportsOnlyDso(_AllButGlibc(not_libc), machine, needed=())


def _judge(
    system: TargetSystem,
    subject: Subject,
    env_path: str | None,
    first: LoadResult | None = None,
) -> BinaryReport:
    """The verdict on ``system``; ``first`` is its plain simulation when already made."""
    elf, host = subject.elf, subject.host
    arch = system.arch
    libc = libc_of(elf, arch)
    kind = kind_of(subject)
    mode: Mode = "dlopen" if host is not None else "startup"
    interp = elf.interpreter
    interp_present = interp is None or system.namespace.exists(interp)
    glibc_versions = sorted(
        {v for _f, vs in elf.verneed for v in vs if v.startswith("GLIBC_")}, key=_glibc_key
    )
    base: dict[str, Any] = dict(
        path=subject.relpath,
        kind=kind,
        arch=elf.machine_name,
        libc=libc,
        interpreter=interp,
        interpreter_present=interp_present,
        needed=elf.needed,
        glibc_versions=(glibc_versions[-1],) if glibc_versions else (),
    )

    if libc is Libc.STATIC:
        return BinaryReport(
            **base,
            verdict=Verdict.OK,
            code="AR400",
            reasons=("statically linked: runs on any libc",),
            fixes=(),
            missing_libraries=(),
            unresolved_symbols=(),
            host_symbols=(),
            unsupported_relocations=(),
            loads=True,
            group="ok static",
        )

    r0 = first or simulate(system, subject.path, elf, mode=mode, env_path=env_path)
    own_missing, hosted = _split_host(r0, subject.path, host)
    # Symbols of other objects in the tree that only the host could provide
    # are the host's too (a bundled helper library of an extension module).
    tree_hosted = {
        u.symbol
        for u in r0.unresolved
        if u.obj != subject.path and host is not None and host.provides(u.symbol)
    }
    hosted |= tree_hosted
    unresolved_all = {u.symbol for u in r0.unresolved if not (host and host.provides(u.symbol))}
    missing_libs = sorted({m.name for m in r0.missing})
    bad = sorted({arch.relocation_name(b.rtype) for b in r0.bad_relocations})
    r0_ok = _ok_ignoring_host(r0, host)
    loads = r0_ok and interp_present
    report_fields: dict[str, Any] = dict(
        missing_libraries=tuple(missing_libs),
        unresolved_symbols=tuple(sorted(own_missing)),
        host_symbols=tuple(sorted(hosted)),
        unsupported_relocations=tuple(bad),
        loads=loads,
    )
    if loads:
        reasons = ["loads on the target as it is"]
        if hosted:
            reasons.append(
                f"{len(hosted)} symbols come from the {host.name if host else ''} host program"
            )
        return BinaryReport(
            **base,
            **report_fields,
            verdict=Verdict.OK,
            code="AR400",
            reasons=tuple(reasons),
            fixes=(),
            group="ok",
        )

    gc = knowledge.gcompat()
    glibc = knowledge.glibc_symbols()
    apk, index = package_source().lookup(missing_libs, system.description.get("alpine"), arch.name)
    why = _unknown(index)
    # No index read: a soname whose provider is unknown is taken as installable
    # ("apk add so:NAME" resolves it); with an index, "nobody provides it" is a fact.
    unknown = (
        [m for m in missing_libs if m not in apk and m not in gc.sonames] if index is None else []
    )
    installable = {**apk, **{m: f"so:{m}" for m in unknown}}
    packages = sorted(set(installable.values()))
    # Step 2: with the packages that provide missing sonames.
    pkg_files = {f"/usr/lib/{m}": {"dso": _package_stub(arch.machine)} for m in installable}
    sys_pkgs = system.with_files(pkg_files) if pkg_files else system
    r1 = simulate(sys_pkgs, subject.path, elf, mode=mode, env_path=env_path) if pkg_files else r0
    if _ok_ignoring_host(r1, host) and interp_present:
        known = [m for m in missing_libs if m in apk]
        reasons = (
            [f"missing libraries that Alpine packages provide: {_with_pkgs(known, apk)}"]
            if known
            else []
        )
        if unknown:
            reasons.append(f"missing libraries {_names(unknown)}: {why(unknown[0])}")
        return BinaryReport(
            **base,
            **report_fields,
            verdict=Verdict.NEEDS_PACKAGES,
            code="AR402",
            reasons=tuple(reasons),
            fixes=(_apk_add(packages),),
            apk_packages=tuple(packages),
            group="needs-packages " + " ".join(packages),
        )

    # Step 3: with gcompat installed (and preloaded, as its stub does for executables).
    sys_gc = sys_pkgs.with_files(_gcompat_files(arch.machine))
    interp_gc = interp is None or sys_gc.namespace.exists(interp)
    preload_needed = False
    if kind == "executable":  # started through gcompat's stub, which preloads libgcompat
        r2 = simulate(
            sys_gc, subject.path, elf, mode=mode, env_path=env_path, preload=(gc.library,)
        )
    else:
        r2 = simulate(sys_gc, subject.path, elf, mode=mode, env_path=env_path)
        if not _ok_ignoring_host(r2, host):
            r2p = simulate(
                sys_gc, subject.path, elf, mode=mode, env_path=env_path, preload=(gc.library,)
            )
            # even when preloading does not suffice, what still fails *with*
            # libgcompat in the process is what the reasons must name
            preload_needed, r2 = _ok_ignoring_host(r2p, host), r2p
    gc_helps = libc is Libc.GLIBC or bool(missing_libs and set(missing_libs) <= gc.sonames)
    if _ok_ignoring_host(r2, host) and interp_gc and gc_helps:
        reasons = _glibc_reasons(
            r0, subject, interp, interp_present, missing_libs, apk, gc, unresolved_all, glibc, why
        )
        reasons.append(
            "loads once gcompat is installed" + (" and preloaded" if preload_needed else "")
        )
        fixes = [_apk_add(["gcompat", *packages])]
        if preload_needed:
            runner = {"python": "python", "node": "node"}.get(host.name if host else "", "")
            fixes.append(
                Fix(
                    FixKind.ENV,
                    "gcompat only helps programs started through its loader stub: start the "
                    f"{runner + ' ' if runner else ''}process with LD_PRELOAD={gc.library}",
                    text=f"LD_PRELOAD={gc.library}",
                    packages=("gcompat",),
                )
            )
        advice = _musl_build_advice(subject)
        fixes.append(advice)
        return BinaryReport(
            **base,
            **report_fields,
            verdict=Verdict.NEEDS_GCOMPAT,
            code="AR403",
            reasons=tuple(reasons),
            fixes=tuple(fixes),
            apk_packages=tuple(packages),
            group=" ".join(
                [
                    "needs-gcompat",
                    *missing_libs,
                    kind if preload_needed else "",
                    advice.description,
                ]
            ),
        )

    # Step 4: incompatible -- say what is still wrong with packages and gcompat.
    reasons = (
        _glibc_reasons(
            r0, subject, interp, interp_present, missing_libs, apk, gc, unresolved_all, glibc, why
        )
        if libc is Libc.GLIBC
        else []
    )
    still = {u.symbol for u in r2.unresolved if not (host and host.provides(u.symbol))}
    still_missing = sorted({m.name for m in r2.missing})
    key_parts: list[str] = []
    decisive: list[str] = []  # the codes of what still fails, most telling first
    if not interp_gc:
        decisive.append("AR401")
    if still_missing:
        decisive.append("AR405")
        if libc is not Libc.GLIBC:  # glibc files already list them, annotated
            reasons.append(
                f"no Alpine {index.release} package provides {_names(still_missing)}"
                if index is not None
                else f"libraries no Alpine package is known to provide: {_names(still_missing)}"
            )
        key_parts.append("libs:" + ",".join(still_missing))
    if still:
        ifunc = sorted({u.symbol for u in r2.unresolved if u.ifunc_in})
        glibc_only = sorted(s for s in still if s in glibc)
        other = sorted(s for s in still if s not in glibc and s not in ifunc)
        if glibc_only:
            decisive.append("AR404")
            reasons.append(
                f"glibc symbols that neither musl nor gcompat provide: {_names(glibc_only)}"
            )
            key_parts.append("glibc:" + ",".join(glibc_only[:_SHOW]))
        if ifunc:
            decisive.append("AR406")
            reasons.append(f"defined only as GNU IFUNC, which musl cannot use: {_names(ifunc)}")
            key_parts.append("ifunc")
        if other and not still_missing:
            decisive.append("AR409")
            reasons.append(f"symbols no library on the target defines: {_names(other)}")
            key_parts.append("undef:" + ",".join(other[:_SHOW]))
    if r2.bad_relocations:
        decisive.append("AR407")
        names = sorted({arch.relocation_name(b.rtype) for b in r2.bad_relocations})
        objs = sorted({posixpath.basename(b.obj) for b in r2.bad_relocations})
        reasons.append(
            f"relocation types musl rejects: {', '.join(names)} in {_names(objs, 3)}"
            + (" (glibc IFUNC)" if any("IRELATIVE" in n for n in names) else "")
        )
        key_parts.append("reloc:" + ",".join(names))
    if r2.tls_errors:
        decisive.append("AR408")
        reasons.append(
            "initial-exec TLS in a library loaded at run time: musl refuses it "
            f"({_names({posixpath.basename(t.obj) for t in r2.tls_errors}, 3)})"
        )
        key_parts.append("tls")
    if r2.relr_unsupported:
        decisive.append("AR407")
        reasons.append(f"DT_RELR relocations need musl >= 1.2.4 (target has {system.musl.version})")
        key_parts.append("relr")
    if not interp_gc:
        reasons.insert(
            0, f"interpreter {interp} does not exist on the target (not even with gcompat)"
        )
        key_parts.append(f"interp:{interp}")
    if host is not None and still:
        reasons.append(_host_symptom(host))
    if not decisive and host is not None and not still_missing:
        decisive.append("AR411")
    fixes = [_musl_build_advice(subject)]
    if packages:
        also = _apk_add(packages)
        fixes.append(replace(also, description=f"also needs: {also.description}"))
    return BinaryReport(
        **base,
        **report_fields,
        verdict=Verdict.INCOMPATIBLE,
        code=(decisive or ["AR404"])[0],
        reasons=tuple(reasons) or ("the loader rejects it",),
        fixes=tuple(fixes),
        apk_packages=tuple(packages),
        group=" ".join(["incompatible", *key_parts, fixes[0].description]),
    )


def _ok_ignoring_host(r: LoadResult, host: knowledge.HostRuntime | None) -> bool:
    if r.missing or r.bad_relocations or r.tls_errors or r.relr_unsupported:
        return False
    return all(host is not None and host.provides(u.symbol) for u in r.unresolved)


# -- where package facts come from ----------------------------------------------------

_SOURCES: list[SonameProviders] = []  # the innermost package_source() of this process
_DEFAULT: list[SonameProviders] = []


@contextlib.contextmanager
def using_package_source(providers: SonameProviders) -> Iterator[SonameProviders]:
    """Within: :func:`judge` names packages through ``providers`` (a scan run sets it)."""
    _SOURCES.append(providers)
    try:
        yield providers
    finally:
        _SOURCES.remove(providers)


def package_source() -> SonameProviders:
    """The soname providers :func:`judge` uses now.

    Outside :func:`using_package_source` (a library caller): one per process, online
    unless ``$ALPINE_READY_OFFLINE`` says otherwise.
    """
    if _SOURCES:
        return _SOURCES[-1]
    if not _DEFAULT:
        _DEFAULT.append(SonameProviders(offline=offline_by_default()))
    return _DEFAULT[0]


def _unknown(index: PackageIndex | None) -> Callable[[str], str]:
    return lambda soname: unknown_reason(index, soname)


def _with_pkgs(libs: list[str], apk: Mapping[str, str]) -> str:
    return ", ".join(f"{m} ({apk[m]})" if m in apk else m for m in libs)


def _glibc_reasons(
    r0: LoadResult,
    subject: Subject,
    interp: str | None,
    interp_present: bool,
    missing_libs: list[str],
    apk: Mapping[str, str],
    gc: knowledge.Gcompat,
    unresolved: set[str],
    glibc: Mapping[str, str],
    why: Callable[[str], str],
) -> list[str]:
    reasons: list[str] = []
    if interp and not interp_present:
        reasons.append(
            f"glibc interpreter {interp} does not exist on Alpine: the kernel cannot "
            "start it ('not found', exit 127)"
        )
    if missing_libs:
        parts = []
        for m in missing_libs:
            if m in apk:
                parts.append(f"{m} (apk: {apk[m]})")
            elif m in gc.sonames:
                parts.append(f"{m} (gcompat)")
            else:
                parts.append(f"{m} ({why(m)})")
        reasons.append("missing libraries: " + ", ".join(parts))
    glibc_syms = sorted(s for s in unresolved if s in glibc)
    if glibc_syms:
        covered = [s for s in glibc_syms if s in gc.exports]
        note = (
            "gcompat provides all of them"
            if len(covered) == len(glibc_syms)
            else (f"gcompat provides {len(covered)} of them")
        )
        plural = "s" if len(glibc_syms) > 1 else ""
        reasons.append(
            f"{len(glibc_syms)} glibc-only symbol{plural} musl lacks: {_names(glibc_syms)} ({note})"
        )
    return reasons


def _host_symptom(host: knowledge.HostRuntime) -> str:
    if host.lazy:
        return (
            "Node loads addons lazily: require() succeeds and the process crashes at the "
            "first call of a missing function ('symbol not found')"
        )
    return (
        "CPython imports with RTLD_NOW: the import fails with "
        "'Error relocating …: symbol not found'"
    )


def _apk_add(packages: list[str] | tuple[str, ...]) -> Fix:
    command = f"apk add --no-cache {' '.join(packages)}"
    return Fix(FixKind.APK_ADD, command, text=command, packages=tuple(packages))


def _musl_build_advice(subject: Subject) -> Fix:
    """The musl build to use instead: which package, wheel or rebuild (structured)."""
    parts = subject.relpath.split("/")
    if "node_modules" in parts:
        i = len(parts) - 1 - parts[::-1].index("node_modules")
        pkg = (
            "/".join(parts[i + 1 : i + 3])
            if parts[i + 1 : i + 2] and parts[i + 1].startswith("@")
            else (parts[i + 1] if i + 1 < len(parts) else "")
        )
        if "-gnu" in pkg or "linux-x64" in pkg:
            musl = (
                pkg.replace("-gnu", "-musl")
                if "-gnu" in pkg
                else pkg.replace("linux-x64", "linuxmusl-x64")
            )
            return Fix(
                FixKind.REPLACE_PACKAGE,
                f"install the musl build {musl} instead of {pkg} (run npm install on "
                "Alpine, or with --libc=musl / --os=linux --cpu=x64)",
                text=f"npm install --os=linux --libc=musl {musl}",
                packages=(musl,),
            )
        return Fix(
            FixKind.COMMAND,
            f"rebuild {pkg or 'the addon'} on Alpine (npm rebuild --build-from-source; "
            "needs: apk add python3 make g++)",
            text=f"npm rebuild {pkg} --build-from-source"
            if pkg
            else "npm rebuild --build-from-source",
            packages=(pkg,) if pkg else (),
        )
    dist = subject.distribution
    if not dist:
        for marker in ("site-packages", "dist-packages"):
            if marker in parts:
                i = parts.index(marker)
                dist = (parts[i + 1] if i + 1 < len(parts) else "").removesuffix(".libs")
                break
    if dist:
        return Fix(
            FixKind.REPLACE_PACKAGE,
            f"install a musllinux wheel of {dist} (pip on Alpine picks one when the "
            "project publishes it), or build it from source on Alpine "
            "(apk add build-base and its -dev packages)",
            text=f"pip install --only-binary=:all: {dist}",
            packages=(dist,),
        )
    if subject.host is not None and subject.host.name == "python":
        return Fix(
            FixKind.REPLACE_PACKAGE,
            "install the musllinux wheel of this package, or build it from source on "
            "Alpine (apk add build-base)",
        )
    return Fix(
        FixKind.REPLACE_PACKAGE,
        "use a musl build (the Alpine package, or an upstream *-musl / static release) "
        "or rebuild it from source on Alpine",
    )


def _glibc_key(v: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in v.removeprefix("GLIBC_").split("."))
    except ValueError:
        return (0,)


__all__ = [
    "Dso",
    "Subject",
    "judge",
    "kind_of",
    "libc_of",
    "package_source",
    "using_package_source",
]
