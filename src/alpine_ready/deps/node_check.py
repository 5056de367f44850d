"""``alpine-ready deps``, Node slice: will ``npm ci`` of this lockfile work on Alpine?

:func:`check_node` judges every package of one :class:`~.node_model.NodeInput`
(a lockfile or an installed ``node_modules``) for a musl target:

- **platform packages** (``@rollup/rollup-linux-x64-musl``, ``@img/sharp-linuxmusl-x64``,
  ``@esbuild/linux-x64``) are grouped by the dependency they belong to and judged as one
  row named after their parent (``rollup``): ``musl-build`` when the Linux build for the
  target CPU and musl is in the lockfile; ``portable`` when the Linux build declares no
  libc (esbuild's static binary); ``lockfile-problem`` when the registry says the parent
  has a musl build but the lockfile lacks it (``npm ci`` on Alpine then fails with
  *Cannot find module*); ``glibc-only`` when only glibc builds exist -- or ``upgrade``
  when a newer version of the parent has a musl build.  A musl build that asks for a
  newer musl than the target has (sharp's ``config.musl``) is ``unavailable``.
- **install scripts** (from the registry's version document, or the installed
  ``package.json``): ``node-gyp-build`` -> the tarball's ``prebuilds/`` are listed (and
  the Linux ones' ELF headers read): a musl prebuild is ``musl-build``; only glibc ones
  or none is ``builds-from-source`` (node-gyp-build's install test fails on musl and it
  compiles); ``prebuild-install``/``node-pre-gyp``/a ``binary.host`` is
  ``downloads-at-install`` (the binary comes from outside the registry; whether a
  ``linuxmusl`` build exists there cannot be checked); ``node-gyp``/``binding.gyp`` is
  ``builds-from-source``; another install script is ``unknown`` with what it runs.
- everything else is ``portable`` (pure JavaScript).

An installed ``node_modules`` adds proof: the ``.node`` files in it, judged by the binary
engine (``native`` results from :mod:`.installed`), decide for the packages that ship them.

The registry is asked only where the lockfile cannot answer; offline, cached answers are
used and what could not be checked is ``unknown`` (never a failure).
"""

from __future__ import annotations

import collections
import functools
import logging
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .. import knowledge
from ..dockerfile.heap import paused_gc
from ..errors import InputError, PackageIndexError
from ..knowledge.apkindex import PackageIndex
from ..knowledge.build import build_deps
from ..report.item import Fix, FixKind
from .loader import read_file
from .node_model import MAX_LOCKFILE_BYTES, NodeInput, NodePackage
from .node_platform import libc_of, package_libc, platform_base
from .npm_registry import (
    NotCached,
    NpmRegistry,
    NpmVersion,
    Prebuild,
    TarballListing,
    script_paths,
)
from .report import DepStatus, PackageResult

log = logging.getLogger(__name__)

NODE_BUILD_FIX = (
    "compile it in the build stage: apk add --no-cache --virtual .build-deps "
    "python3 make g++ before npm ci, apk del .build-deps after (slow; the "
    "headers of any C library it links too)"
)
REGENERATE_FIX = (
    "regenerate the lockfile with npm >= 11.11 (rm package-lock.json && npm "
    "install) so it records every platform package with its libc"
)
REGENERATE_BUN_FIX = (
    "regenerate the lockfile (rm bun.lock && bun install) so it records every platform package"
)
NPM_CI_HERE = "run npm ci inside the Alpine build stage"
#: what npm runs for a package with a binding.gyp and no install/preinstall script
IMPLICIT_GYP = "install: node-gyp rebuild (npm's default for its binding.gyp)"
VERIFY_FIX = "verify after npm ci on Alpine: alpine-ready scan node_modules"
#: the fixes whose command is known exactly, by their text
_ACTIONS = {
    NODE_BUILD_FIX: Fix(
        FixKind.APK_ADD,
        NODE_BUILD_FIX,
        text="apk add --no-cache --virtual .build-deps python3 make g++",
        packages=("python3", "make", "g++"),
    ),
    NPM_CI_HERE: Fix(FixKind.COMMAND, NPM_CI_HERE, text="npm ci"),
    VERIFY_FIX: Fix(FixKind.COMMAND, VERIFY_FIX, text="alpine-ready scan node_modules"),
}
DOWNLOADERS = (
    "prebuild-install",
    "node-pre-gyp",
    "@mapbox/node-pre-gyp",
    "@discordjs/node-pre-gyp",
    "install-artifact-from-github",
    "install-from-cache",
    "cmake-js",
    "node-gyp-build-optional-packages",
)
CPU = {"x86_64": "x64", "aarch64": "arm64"}
#: prebuilds for another runtime (node-gyp-build skips them under Node)
OTHER_RUNTIMES = frozenset({"electron", "node-webkit"})
#: how platform package names spell a CPU (turbo-linux-64, x86_64, aarch64)
CPU_NAMES = {
    "x64": frozenset({"x64", "64", "amd64", "x86_64"}),
    "arm64": frozenset({"arm64", "aarch64"}),
}
#: install scripts that build and download nothing: funding notices, git hooks
BENIGN_SCRIPT = re.compile(
    r"^(?:(?:pre|post)?install: )?(?:opencollective(?:-postinstall)?|husky(?: install)?|"
    r"is-ci \|\| husky(?: install)?|node -e \"try\{require\('\./postinstall'\)\}catch\(e\)"
    r"\{\}\")(?: \|\| (?:exit 0|true))?$"
)


@dataclass(frozen=True)
class NodeTarget:
    """The musl system a Node project is checked for."""

    arch: str = "x86_64"  # x86_64 | aarch64
    musl: str = "1.2.5"

    @property
    def cpu(self) -> str:
        """Node's name for the architecture (``process.arch``)."""
        return CPU[self.arch]


@dataclass(frozen=True)
class NativeVerdict:
    """What the binary engine says of one ``.node`` file in an installed tree."""

    path: str  # relative to the tree root
    libc: str  # glibc | musl | static | none
    verdict: str  # ok | needs-packages | needs-gcompat | incompatible
    reason: str = ""
    #: the libraries it needs that Alpine's base lacks (beside Node's own C++ runtime)
    missing: tuple[str, ...] = ()


# --------------------------------------------------------------------------- helpers


def _actions(fixes: Sequence[str], made: Sequence[Fix] = ()) -> tuple[Fix, ...]:
    """The actions of a row's fixes: those ``made`` for it, and the known ones."""
    return (*made, *(_ACTIONS[f] for f in fixes if f in _ACTIONS))


def _upgrade(name: str, version: str, text: str) -> Fix:
    return Fix(FixKind.UPGRADE, text, text=f"{name}@{version}", packages=(name,))


def _regenerate(inp: NodeInput, packages: Sequence[str]) -> Fix:
    """Regenerate the lockfile (so it gets ``packages``), in the words of its tool."""
    if inp.kind == "bun":
        return Fix(
            FixKind.COMMAND,
            REGENERATE_BUN_FIX,
            text="rm bun.lock && bun install",
            packages=tuple(packages),
        )
    return Fix(
        FixKind.COMMAND,
        REGENERATE_FIX,
        text="rm package-lock.json && npm install",
        packages=tuple(packages),
    )


def _vkey(v: str | None) -> Version | None:
    try:
        return Version(v) if v else None
    except InvalidVersion:
        return None


def _is_linux(pkg: NodePackage | NpmVersion) -> bool:
    if pkg.os:
        return "linux" in pkg.os
    toks = set(re.split(r"[-./@]", pkg.name.lower()))
    return bool(toks & {"linux", "linuxmusl"})


def _cpu_matches(pkg: NodePackage | NpmVersion, cpu: str) -> bool:
    if pkg.cpu:
        return cpu in pkg.cpu
    return bool(CPU_NAMES.get(cpu, {cpu}) & set(re.split(r"[-./@]", pkg.name.lower())))


def _musl_ok(requirement: str | None, musl: str) -> bool:
    if not requirement:
        return True
    try:
        return SpecifierSet(requirement.replace(" ", ",")).contains(musl)
    except InvalidSpecifier:
        return True


def _script_text(pkg: NodePackage, meta: NpmVersion | None) -> str | None:
    if meta is not None:
        return meta.install_script
    return pkg.install_script


def _deps_of(meta: NpmVersion | None) -> tuple[str, ...]:
    return meta.dependencies if meta is not None else ()


# --------------------------------------------------------------------------- the check


@dataclass
class _Ctx:
    inp: NodeInput
    target: NodeTarget
    registry: NpmRegistry | None
    meta: dict[tuple[str, str], NpmVersion | PackageIndexError]
    native: Mapping[str, Sequence[NativeVerdict]]
    lines: Mapping[str, int]
    prebuilds: Callable[[NpmVersion], TarballListing | PackageIndexError]
    packages: Callable[[], PackageIndex | None] | None = None  # Alpine's package index

    def source(self, pkg: NodePackage) -> str:
        line = self.lines.get(pkg.path_in_lock)
        src = self.inp.path if self.inp.kind != "node_modules" else pkg.source_file
        return f"{src}:{line}" if line else src

    def meta_of(self, pkg: NodePackage) -> NpmVersion | PackageIndexError | None:
        if pkg.version is None:
            return None
        return self.meta.get((pkg.name, pkg.version))


def _lockfile_lines(inp: NodeInput) -> dict[str, int]:
    """Line numbers of the package keys of a JSON lockfile (cheap, best effort).

    ``"node_modules/x": {`` in npm's, ``"x": [`` in Bun's.
    """
    if inp.kind not in ("package-lock", "npm-shrinkwrap", "bun"):
        return {}
    try:  # (read again, as bounded as the first time; a file gone since: no lines)
        text = read_file(Path(inp.path), limit=MAX_LOCKFILE_BYTES, what="a lockfile").decode(
            "utf-8", "replace"
        )
    except InputError:
        return {}
    out: dict[str, int] = {}
    line, pos = 1, 0
    opening = "\\[" if inp.kind == "bun" else "\\{"
    for m in re.finditer(rf'^[ \t]*"([^"\n]+)":[ \t]*{opening}', text, re.M):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        out.setdefault(m[1], line)
    return out


def _wanted_metadata(
    inp: NodeInput, cpu: str, bases: Sequence[str | None]
) -> list[tuple[str, str]]:
    """Which (name, version) documents the check needs from the registry."""
    want: list[tuple[str, str]] = []
    if inp.kind == "node_modules":
        return want
    for pkg, base in zip(inp.packages, bases, strict=True):
        if pkg.version is None:
            continue
        if base is not None:
            if package_libc(pkg) != "glibc" and _is_linux(pkg) and _cpu_matches(pkg, cpu):
                want.append((pkg.name, pkg.version))  # config.musl; the binary's libc
            continue
        if pkg.has_install_script is not False or pkg.optional_dependencies:
            want.append((pkg.name, pkg.version))
    return want


def _parents(
    inp: NodeInput, ctx: _Ctx, bases: Sequence[str | None]
) -> dict[str, list[NodePackage]]:
    """Platform group (base) -> the packages that list its members as optional deps.

    Usually one; several when a lockfile holds two versions of the parent (esbuild
    0.20.2 at the top and 0.21.5 under vite), each with its own platform packages.
    """
    by_group: dict[str, list[NodePackage]] = {}
    seen: set[tuple[str, str, str | None]] = set()
    for pkg, pkg_base in zip(inp.packages, bases, strict=True):
        if pkg_base is not None:
            continue
        m = ctx.meta_of(pkg)
        opts = m.optional_dependencies if isinstance(m, NpmVersion) else pkg.optional_dependencies
        for dep in opts:
            base = platform_base(dep)
            if base is not None and (base, pkg.name, pkg.version) not in seen:
                seen.add((base, pkg.name, pkg.version))
                by_group.setdefault(base, []).append(pkg)
    return by_group


def _split_by_parent(
    members: list[NodePackage], parents: list[NodePackage], ctx: _Ctx
) -> list[tuple[NodePackage | None, list[NodePackage]]]:
    """The platform packages of one group, each with the parent version that pins it.

    A member goes to the parent whose registry document pins its exact version, else to
    the parent of the same version (esbuild and @esbuild/linux-x64 share versions), else
    to the first parent.
    """
    if len(parents) <= 1:
        return [(parents[0] if parents else None, members)]
    out: dict[int, list[NodePackage]] = {}
    for mem in members:
        chosen = 0
        for i, par in enumerate(parents):
            pm = ctx.meta_of(par)
            if isinstance(pm, NpmVersion) and any(
                n == mem.name and spec == mem.version
                for n, spec in zip(pm.optional_dependencies, pm.optional_specs, strict=False)
            ):
                chosen = i
                break
        else:
            chosen = next((i for i, par in enumerate(parents) if par.version == mem.version), 0)
        out.setdefault(chosen, []).append(mem)
    return [(parents[i], mems) for i, mems in sorted(out.items())]


def check_node(
    inp: NodeInput,
    target: NodeTarget,
    registry: NpmRegistry | None,
    *,
    native: Mapping[str, Sequence[NativeVerdict]] | None = None,
    include_dev: bool = True,
    packages: Callable[[], PackageIndex | None] | None = None,
) -> tuple[list[PackageResult], list[str]]:
    """Results for every package of ``inp``, and notes for the input.

    ``packages`` loads Alpine's package index of the target release (the ``-dev``
    packages of a build, from its binding.gyp's pkg-config modules); without it, or
    without an index, the bundled table answers.
    """
    with paused_gc():  # up to 500,000 packages, acyclic: see dockerfile.heap
        bases = [platform_base(p) for p in inp.packages]  # (once, not per use)
        wanted = _wanted_metadata(inp, target.cpu, bases) if registry is not None else []
    meta: dict[tuple[str, str], NpmVersion | PackageIndexError] = {}
    if registry is not None:  # (online: the network, with the collector on)
        meta = registry.versions_many(wanted)
    del wanted
    listings: dict[tuple[str, str], TarballListing | PackageIndexError] = {}

    def prebuilds(m: NpmVersion) -> TarballListing | PackageIndexError:
        key = (m.name, m.version)
        if key not in listings:
            if registry is None:
                listings[key] = PackageIndexError("no registry")
            else:
                try:
                    listings[key] = registry.listing(m)
                except PackageIndexError as e:
                    log.info("%s", e)
                    listings[key] = e
        return listings[key]

    ctx = _Ctx(inp, target, registry, meta, native or {}, _lockfile_lines(inp), prebuilds, packages)
    with paused_gc():  # a row for each of up to 500,000 packages: acyclic, see dockerfile.heap
        return _judge_all(ctx, bases, include_dev)


def _judge_all(
    ctx: _Ctx, bases: Sequence[str | None], include_dev: bool
) -> tuple[list[PackageResult], list[str]]:
    """The rows of every package of ``ctx.inp`` (``bases``: their platform groups), notes."""
    inp, target = ctx.inp, ctx.target
    notes: list[str] = []
    groups: dict[str, list[NodePackage]] = {}
    plain: list[NodePackage] = []
    left_out = 0
    for pkg, base in zip(inp.packages, bases, strict=True):
        if not include_dev and pkg.dev:
            left_out += 1
        elif base is None:
            plain.append(pkg)
        else:
            groups.setdefault(base, []).append(pkg)
    if left_out:
        notes.append(f"{left_out} dev dependencies left out (--no-dev)")
    parents = _parents(inp, ctx, bases)
    parent_rows: dict[tuple[str, str | None], PackageResult] = {}
    other_systems = 0
    results: list[PackageResult] = []
    for base, all_members in sorted(groups.items()):
        for parent, members in _split_by_parent(all_members, parents.get(base, []), ctx):
            row = _judge_group(base, members, parent, ctx)
            if row is None:
                other_systems += len(members)
                continue
            if parent is not None:
                key = (parent.name, parent.version)
                old = parent_rows.get(key)
                parent_rows[key] = row if old is None else _worse(old, row)
            else:
                results.append(row)
    if other_systems:
        notes.append(
            f"{other_systems} platform packages for other systems (not installed "
            f"on Linux {target.cpu}) ignored"
        )

    seen: set[tuple[str, str | None]] = set()
    meta = ctx.meta
    not_cached: collections.Counter[str] = collections.Counter()  # registry -> misses
    for pkg in plain:
        key = (pkg.name, pkg.version)
        if key in seen:
            continue
        seen.add(key)
        # a document's last use: it goes as its row is made (offline, the 300,000 errors
        # of a big lockfile, each with its message, would all stay to the last row)
        m = meta.pop((pkg.name, pkg.version), None) if pkg.version is not None else None
        row = _judge_plain(pkg, m, ctx)
        if isinstance(m, NotCached) and row.status is DepStatus.UNKNOWN:
            not_cached[m.registry] += 1
        group_row = parent_rows.pop(key, None)
        if group_row is not None:
            row = _merge(group_row, row)
        results.append(row)
    results.extend(parent_rows.values())  # parents left out by --no-dev or missing
    for registry, n in not_cached.items():  # (in the order first met)
        assert ctx.registry is not None  # (it made the misses)
        cache = ctx.registry.cache
        many = n > 1
        notes.append(
            f"{n} package{'s' if many else ''} not checked: offline, and "
            f"{'their version documents' if many else 'its version document'} "
            f"from {registry} {'are' if many else 'is'} not in the {cache.name} "
            f"cache ({cache.root})"
        )
    return results, notes


def _worse(a: PackageResult, b: PackageResult) -> PackageResult:
    """Two platform groups of one parent (sharp and sharp-libvips): the worse one leads."""
    first, second = (b, a) if b.status.rank > a.status.rank else (a, b)
    return PackageResult(
        "node",
        first.name,
        first.version,
        first.status,
        (*first.reasons, *(r for r in second.reasons if r not in first.reasons)),
        tuple(dict.fromkeys((*first.fixes, *second.fixes))),
        first.musl_version or second.musl_version,
        first.source,
        first.pinned,
        (*first.actions, *second.actions),
    )


def _merge(group: PackageResult, own: PackageResult) -> PackageResult:
    """One row for a parent: the worse of its platform builds and its own install script."""
    if (
        own.status is DepStatus.UNKNOWN
        and own.reasons[-1:]
        and "at install time" in own.reasons[-1]
    ):
        # esbuild's install.js, biome's postinstall.js: they pick or check the platform
        # build judged above
        own = PackageResult(
            own.ecosystem,
            own.name,
            own.version,
            DepStatus.PORTABLE,
            (
                own.reasons[-1].split(": not a known")[0] + " (typically it "
                "picks or checks the platform build above)",
            ),
            (),
            None,
            own.source,
            own.pinned,
        )
    if (
        group.status in (DepStatus.MUSL_BUILD, DepStatus.PORTABLE)
        and own.status is DepStatus.BUILDS_FROM_SOURCE
    ):
        # @parcel/watcher ships a binding.gyp for platforms without a prebuilt package;
        # its install script compiles only when no platform package fits
        own = PackageResult(
            own.ecosystem,
            own.name,
            own.version,
            DepStatus.PORTABLE,
            tuple(
                r + " -- only when none of its platform packages fits"
                if r.startswith("compiles a native addon")
                else r
                for r in own.reasons
            ),
            (),
            None,
            own.source,
            own.pinned,
        )
    own_matters = own.status not in (DepStatus.PORTABLE, DepStatus.MUSL_BUILD)
    first, second = (
        (own, group) if own_matters and own.status.rank > group.status.rank else (group, own)
    )
    reasons = [*first.reasons, *(r for r in second.reasons if r not in first.reasons)]
    return PackageResult(
        "node",
        own.name,
        own.version,
        first.status,
        tuple(reasons),
        tuple(dict.fromkeys((*first.fixes, *second.fixes))),
        first.musl_version or second.musl_version,
        own.source,
        own.pinned,
        (*first.actions, *second.actions),
    )


def _judge_group(
    base: str, members: list[NodePackage], parent: NodePackage | None, ctx: _Ctx
) -> PackageResult | None:
    cpu = ctx.target.cpu
    linux = [m for m in members if _is_linux(m) and _cpu_matches(m, cpu)]
    musl = [m for m in linux if package_libc(m) == "musl"]
    gnu = [m for m in linux if package_libc(m) == "glibc"]
    neutral = [m for m in linux if package_libc(m) is None]
    if neutral and any(package_libc(m) == "musl" for m in members):
        # sharp's convention: linux-x64 is the glibc build when linuxmusl-* builds exist
        gnu, neutral = gnu + neutral, []
    pmeta = ctx.meta_of(parent) if parent is not None else None
    pmeta = pmeta if isinstance(pmeta, NpmVersion) else None
    name = parent.name if parent is not None else base
    version = (
        parent.version
        if parent is not None
        else next((m.version for m in (*linux, *members) if m.version), None)
    )
    source = ctx.source(parent if parent is not None else members[0])
    reasons: list[str] = []
    fixes: list[str] = []
    made: list[Fix] = []
    installed = ctx.inp.kind == "node_modules"

    def row(status: DepStatus, musl_version: str | None = None) -> PackageResult:
        return PackageResult(
            "node",
            name,
            version,
            status,
            tuple(reasons),
            tuple(fixes),
            musl_version,
            source,
            True,
            _actions(fixes, made),
        )

    def regenerate(packages: Sequence[str]) -> None:
        if installed:
            fixes.append(NPM_CI_HERE)
            return
        fix = _regenerate(ctx.inp, packages)
        fixes.append(fix.description)
        made.append(fix)

    if musl:
        m = musl[0]
        verdicts = ctx.native.get(m.path_in_lock, ())
        bad = [v for v in verdicts if v.verdict == "incompatible"]
        mm = ctx.meta_of(m)
        if isinstance(mm, NpmVersion) and not _musl_ok(mm.musl_requirement, ctx.target.musl):
            reasons.append(
                f"{m.name} {m.version} needs musl {mm.musl_requirement}; the "
                f"target has musl {ctx.target.musl}"
            )
            fixes.append(
                f"use an Alpine release with musl {mm.musl_requirement}, or an "
                f"older {name} whose musl build accepts musl {ctx.target.musl}"
            )
            return row(DepStatus.UNAVAILABLE)
        if bad:
            reasons.append(f"{m.name}: {bad[0].path}: {bad[0].reason or 'does not load'}")
            return row(DepStatus.GLIBC_ONLY)
        where = "installed" if installed else "in the lockfile"
        reasons.append(f"{m.name} {m.version or ''} (musl, {cpu}) is {where}".replace("  ", " "))
        needs = [
            v
            for mm_ in musl
            for v in ctx.native.get(mm_.path_in_lock, ())
            if v.verdict == "needs-packages"
        ]
        if needs:
            reasons.append(f"{needs[0].path}: {needs[0].reason}")
            fixes.append("add the Alpine packages it needs (the apk names above)")
        if gnu and not ctx.inp.records_libc and not installed:
            reasons.append(
                f"without libc in the lockfile the package manager also installs "
                f"{', '.join(g.name for g in gnu)} on Alpine (unused bytes)"
            )
        return row(DepStatus.MUSL_BUILD)
    if neutral:
        n = neutral[0]
        verdicts = ctx.native.get(n.path_in_lock, ())
        libcs = {v.libc for v in verdicts}
        how = "installed"
        nm = ctx.meta_of(n)
        if not verdicts and isinstance(nm, NpmVersion):
            listing = ctx.prebuilds(nm)
            if isinstance(listing, TarballListing):
                libcs = {libc for _p, libc in listing.elf_files}
                how = "in its tarball"
        if "musl" in libcs and "glibc" in libcs:
            # msgpackr-extract-linux-x64: node.napi.glibc.node and node.napi.musl.node in
            # one package; its loader picks the one for the running libc
            reasons.append(
                f"{n.name} {n.version or ''}: one Linux {cpu} package with both "
                f"a glibc and a musl binary (checked {how})".replace("  ", " ")
            )
            return row(DepStatus.MUSL_BUILD)
        if "glibc" in libcs:
            reasons.append(
                f"{n.name} {n.version or ''}: declares no libc, but its binary "
                f"{how} is a glibc build".replace("  ", " ")
            )
            gnu = [n]
        elif libcs:
            kind = "musl" if "musl" in libcs else "static (no libc)"
            reasons.append(
                f"{n.name} {n.version or ''}: one Linux {cpu} build, {kind} "
                f"(checked {how})".replace("  ", " ")
            )
            return row(DepStatus.MUSL_BUILD if kind == "musl" else DepStatus.PORTABLE)
        else:
            reasons.append(
                f"{n.name} {n.version or ''}: one Linux {cpu} build that declares "
                f"no libc; its binary could not be checked here (online, or "
                f"alpine-ready scan node_modules, checks it)".replace("  ", " ")
            )
            fixes.append("run again online (or without --offline) to check it")
            return row(DepStatus.UNKNOWN)
    listed = _published_options(pmeta, base, cpu, ctx)
    registry_musl = [d for d in listed if libc_of(d) == "musl"]
    if registry_musl:
        missing = registry_musl[0]
        reasons.append(
            f"{name} {version} has a musl build, {missing}, but the "
            f"{'tree' if installed else 'lockfile'} does not have it: on Alpine "
            f"{name} fails with \"Cannot find module '{missing}'\""
        )
        regenerate(registry_musl)
        return row(DepStatus.LOCKFILE_PROBLEM)
    if gnu and installed:
        reasons.append(
            f"only the glibc build is installed here: "
            f"{', '.join(g.name for g in gnu)} (installed on a glibc system)"
        )
        proof = [v for g in gnu for v in ctx.native.get(g.path_in_lock, ()) if v.verdict != "ok"]
        if proof:
            reasons.append(f"{proof[0].path}: {proof[0].verdict}: {proof[0].reason}")
        fixes.append(
            "install the dependencies inside the Alpine build stage (npm ci there) "
            "instead of copying node_modules from a glibc machine"
        )
        return row(DepStatus.GLIBC_ONLY)
    if gnu:
        reasons.append(
            f"only glibc builds for Linux {cpu}: {', '.join(g.name for g in gnu)}; "
            f"the addon fails to load on musl"
        )
        newer = _newer_with_musl(parent, base, ctx) if parent is not None else None
        if newer is not None:
            made.append(_upgrade(name, newer, f"upgrade {name} to {newer} (has a musl build)"))
            fixes.append(made[-1].description)
            return row(DepStatus.UPGRADE, newer)
        if pmeta is None and ctx.registry is not None and parent is None:
            reasons.append(
                "the package that pulls these in is unknown: the registry was "
                "not asked for newer versions"
            )
        fixes.append(f"keep this service on a glibc base (node:*-slim) or replace {name}")
        return row(DepStatus.GLIBC_ONLY)
    # no Linux build for this CPU in the lockfile
    registry_linux = listed
    if registry_linux:
        reasons.append(
            f"{name} {version} has Linux {cpu} builds ({', '.join(registry_linux)}) "
            f"but the {'tree' if installed else 'lockfile'} has none of them"
        )
        regenerate(registry_linux)
        return row(DepStatus.LOCKFILE_PROBLEM)
    if not any(_is_linux(m) for m in members):
        return None  # a build for other systems only (fsevents): not installed on Linux
    reasons.append(
        f"no Linux {cpu} build: {name} {version or ''} ships Linux builds only for "
        f"other CPUs ({', '.join(m.name for m in members if _is_linux(m))})".replace("  ", " ")
    )
    newer = _newer_with_musl(parent, base, ctx) if parent is not None else None
    if newer is not None:
        made.append(_upgrade(name, newer, f"upgrade {name} to {newer} (has a musl {cpu} build)"))
        fixes.append(made[-1].description)
        return row(DepStatus.UPGRADE, newer)
    fixes.append(f"use a {cpu} machine type it supports, or replace {name}")
    return row(DepStatus.UNAVAILABLE)


def _published_options(pmeta: NpmVersion | None, base: str, cpu: str, ctx: _Ctx) -> list[str]:
    """The parent's optional Linux ``cpu`` builds of group ``base`` really published.

    A package may list a build it never published (@biomejs/biome 1.0.0 names
    cli-linux-arm64, first published with 1.1.0); npm leaves such names out of the
    lockfile, so their absence is no lockfile problem.  Unconfirmed ones (offline, not
    cached) are left out too: the check does not claim what it could not see.
    """
    if pmeta is None or ctx.registry is None:
        return []
    out = []
    for name, spec in zip(pmeta.optional_dependencies, pmeta.optional_specs, strict=False):
        toks = set(re.split(r"[-.]", name.rpartition("/")[2].lower()))
        if not toks & {"linux", "linuxmusl"} or not _name_cpu(name, cpu):
            continue
        if platform_base(name) != base or not re.fullmatch(r"\d+\.\d+\.\d+\S*", spec):
            continue
        try:
            ctx.registry.version(name, spec)
        except PackageIndexError as e:
            log.info("%s", e)
            continue
        out.append(name)
    return out


def _name_cpu(name: str, cpu: str) -> bool:
    return bool(CPU_NAMES.get(cpu, {cpu}) & set(re.split(r"[-.]", name.rpartition("/")[2].lower())))


def _newer_with_musl(parent: NodePackage, base: str, ctx: _Ctx) -> str | None:
    """The first version of ``parent`` newer than the locked one with a musl build."""
    if ctx.registry is None or parent.version is None:
        return None
    try:
        versions = ctx.registry.packument(parent.name)
    except PackageIndexError as e:
        log.info("%s", e)
        return None
    here = _vkey(parent.version)
    best: tuple[Version, str] | None = None
    for v, m in versions.items():
        key = _vkey(v)
        if key is None or here is None or key <= here or key.is_prerelease:
            continue
        has_musl = any(
            platform_base(d) == base and libc_of(d) == "musl" and _name_cpu(d, ctx.target.cpu)
            for d in m.optional_dependencies
        )
        if has_musl and (best is None or key < best[0]):
            best = (key, v)
    return best[1] if best else None


_RUN_AGAIN = ("run again online (or without --offline) to check it",)
_DEV = "dev dependency (not installed by npm ci --omit=dev)"


def _unjudged(pkg: NodePackage, m: PackageIndexError | None, ctx: _Ctx) -> PackageResult:
    """A lockfile package without its registry document (offline, not answering, not asked).

    Portable when the lockfile says it runs no install script; else unknown, with why.
    (Most rows of a big lockfile checked offline: no list, no closure per row.)
    """
    dev = (_DEV,) if pkg.dev else ()
    if pkg.has_install_script is False and not pkg.gypfile:
        return PackageResult(
            "node",
            pkg.name,
            pkg.version,
            DepStatus.PORTABLE,
            dev,
            (),
            None,
            ctx.source(pkg),
            pkg.version is not None,
        )
    if isinstance(m, NotCached):  # the cache and the registry: once, in the input's note
        why = (
            f"could not check: {m.what}: is not in the {m.cache.name} cache (see the note) "
            "and we are offline"
        )
    elif m is not None:
        why = f"could not check: {m}"
    elif pkg.version is None:
        why = "the lockfile gives no version"
    else:
        why = "not looked up on the registry"
    script = ("the lockfile says it runs an install script",) if pkg.has_install_script else ()
    return PackageResult(
        "node",
        pkg.name,
        pkg.version,
        DepStatus.UNKNOWN,
        (*dev, why, *script),
        _RUN_AGAIN,
        None,
        ctx.source(pkg),
        pkg.version is not None,
    )


def _judge_plain(
    pkg: NodePackage, m: NpmVersion | PackageIndexError | None, ctx: _Ctx
) -> PackageResult:
    """The row of a package that is no platform build (``m``: its registry document)."""
    installed = ctx.inp.kind == "node_modules"
    if not installed and not isinstance(m, NpmVersion):
        return _unjudged(pkg, m, ctx)
    meta = m if isinstance(m, NpmVersion) else None
    reasons: list[str] = []
    fixes: list[str] = []
    source = ctx.source(pkg)

    def row(status: DepStatus) -> PackageResult:
        made: tuple[Fix, ...] = ()
        if NODE_BUILD_FIX in fixes and meta is not None:
            fix = _build_fix(meta, ctx)
            if fix is not None:  # the -dev packages its binding.gyp links, named
                fixes[fixes.index(NODE_BUILD_FIX)] = fix.description
                made = (fix,)
        return PackageResult(
            "node",
            pkg.name,
            pkg.version,
            status,
            tuple(reasons),
            tuple(fixes),
            None,
            source,
            pkg.version is not None,
            _actions(fixes, made),
        )

    if pkg.dev:
        reasons.append(_DEV)
    verdicts = ctx.native.get(pkg.path_in_lock, ())
    if installed and verdicts:
        # (only the files its loader picks on Alpine: deps.node_loaders; needs-gcompat
        # does not load on musl as installed)
        bad = [v for v in verdicts if v.verdict in ("incompatible", "needs-gcompat")]
        pkgs = [v for v in verdicts if v.verdict == "needs-packages"]
        if bad:
            reasons.append(
                f"installed {bad[0].path} is a {bad[0].libc} build: "
                f"{bad[0].reason or 'does not load on musl'}"
            )
            if "node-gyp-build" in (pkg.install_script or ""):
                reasons.append(
                    "node-gyp-build's install test fails on musl and npm ci on Alpine "
                    "compiles the addon with node-gyp"
                )
                fixes.append(NODE_BUILD_FIX)
                return row(DepStatus.BUILDS_FROM_SOURCE)
            fixes.append(
                "install it inside the Alpine build stage (npm ci there), not on a glibc machine"
            )
            return row(DepStatus.GLIBC_ONLY)
        if pkgs:
            if "node-gyp-build" in (pkg.install_script or ""):
                # as the lockfile check says it: Alpine's base lacks the library when
                # npm ci runs the install test, which fails, so node-gyp compiles
                reasons.append(
                    f"installed {pkgs[0].path} needs {', '.join(pkgs[0].missing)}, which "
                    "Alpine's base lacks: node-gyp-build's install test fails and it "
                    "compiles the addon"
                )
                fixes.append(NODE_BUILD_FIX)
                return row(DepStatus.BUILDS_FROM_SOURCE)
            reasons.append(f"installed {pkgs[0].path}: {pkgs[0].reason}")
            fixes.append("add the Alpine packages it needs (see alpine-ready scan)")
        elif all(v.libc in ("none", "static") for v in verdicts):
            reasons.append(f"installed {verdicts[0].path} needs no libc")
            return row(DepStatus.PORTABLE)
        else:
            reasons.append(f"installed {len(verdicts)} native file(s) load on musl")
        return row(DepStatus.MUSL_BUILD)

    script = _script_text(pkg, meta)
    gyp = pkg.gypfile or (meta.gypfile if meta else False)
    if meta is not None and not gyp and _implicit_gyp(pkg, meta, ctx):
        gyp = True
    if (
        gyp
        and not (meta is not None and meta.builds_by_script)
        and "node-gyp" not in (script or "")
    ):
        # no install/preinstall script: npm runs node-gyp rebuild for the binding.gyp
        script = " ; ".join(filter(None, (script, IMPLICIT_GYP)))
    if meta is None and pkg.has_install_script is False and not gyp:
        return row(DepStatus.PORTABLE)
    if not script and not gyp:
        return row(DepStatus.PORTABLE)
    deps = set(_deps_of(meta))
    text = script or ""
    if BENIGN_SCRIPT.match(text):
        reasons.append(
            f"runs `{text}` at install time (a notice or git hook: builds and downloads nothing)"
        )
        return row(DepStatus.PORTABLE)
    optional = meta.optional_dependencies if meta is not None else pkg.optional_dependencies
    if "node-gyp-build-optional-packages" in text and any(
        platform_base(d) is not None for d in optional
    ):
        # msgpackr-extract, lmdb: the binary comes from a platform package, judged as a
        # group and merged into this row; node-gyp runs only when that is missing
        reasons.append(
            f"runs `{text}` at install time: it loads the binary of its platform package"
        )
        return row(DepStatus.PORTABLE)
    if "node-gyp-build" in text and meta is not None:
        return _judge_prebuilds(pkg, meta, ctx, reasons, fixes, row)
    known = _known_downloads().get(pkg.name)
    if known is not None:
        reasons.append(
            f"install script `{text}` downloads {known['downloads']}: {known['on_musl']}"
        )
        fixes.append(known["fix"])
        return row(DepStatus.DOWNLOADS_AT_INSTALL)
    downloader = next((d for d in DOWNLOADERS if d in text), None) or (
        next((d for d in DOWNLOADERS if d in deps), None) if text else None
    )
    host = meta.binary_host if meta else None
    if downloader or host:
        via = downloader or "node-pre-gyp"
        where = host or "the project's release server"
        reasons.append(
            f"install script `{text}` downloads a prebuilt binary with {via} from "
            f"{where} at install time; whether a linuxmusl-{ctx.target.cpu} "
            f"build is there cannot be checked from the registry"
        )
        if "node-gyp" in text.replace("node-gyp-build", "") or gyp or "--fallback-to-build" in text:
            reasons.append(
                "when there is none it compiles with node-gyp (needs python3, "
                "make and g++ on Alpine)"
            )
            fixes.append(NODE_BUILD_FIX)
        fixes.append(VERIFY_FIX)
        return row(DepStatus.DOWNLOADS_AT_INSTALL)
    if "node-gyp" in text or gyp or "cmake-js" in text:
        reasons.append(
            f"compiles a native addon at install time ("
            f"{'`' + text + '`' if text else 'binding.gyp'})"
        )
        if pkg.optional and not installed:
            # ssh2's cpu-features: npm drops an optional dependency whose install fails
            reasons.append(
                "an optional dependency: without build tools npm drops it and "
                "the package that wants it works without it"
            )
            return row(DepStatus.PORTABLE)
        fixes.append(NODE_BUILD_FIX)
        return row(DepStatus.BUILDS_FROM_SOURCE)
    known_script = _classify_script(text, meta, ctx)
    if known_script is not None:
        status, why = known_script
        reasons.append(f"runs `{text}` at install time: {why}")
        if status is DepStatus.BUILDS_FROM_SOURCE:
            fixes.append(NODE_BUILD_FIX)
        if status is DepStatus.PORTABLE and meta is not None and "node-gyp-build" in deps:
            # (@datadog/pprof: `exit 0` at install, node-gyp-build at run time)
            loaded = _runtime_prebuild(meta, ctx)
            if loaded is not None:
                reasons.append(f"node-gyp-build loads {loaded} at run time on Alpine")
                return row(DepStatus.MUSL_BUILD)
        return row(status)
    reasons.append(
        f"runs `{text}` at install time: not a known native-build pattern; "
        f"check what it downloads or builds"
    )
    return row(DepStatus.UNKNOWN)


_PKG_CONFIG = re.compile(r"pkg-config\s+([^)'\"\]\n|;&]*)")
_MODULE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
BUILD_TOOLS = ("python3", "make", "g++")


def gyp_modules(text: str) -> tuple[str, ...]:
    """The pkg-config modules a ``binding.gyp`` asks for (``<!(pkg-config cairo --libs)``)."""
    out: list[str] = []
    for m in _PKG_CONFIG.finditer(text):
        out += [t for t in m[1].split() if _MODULE.fullmatch(t)]
    return tuple(dict.fromkeys(out))


def _build_fix(meta: NpmVersion, ctx: _Ctx) -> Fix | None:
    """The build-stage ``apk add`` with the ``-dev`` packages of the modules it links.

    From its binding.gyp's pkg-config modules: Alpine's package index (``pc:`` provides)
    when there is one, else the bundled library table.  None: it names none.
    """
    listing = ctx.prebuilds(meta)
    if not isinstance(listing, TarballListing):
        return None
    modules = gyp_modules(dict(listing.script_files).get("binding.gyp", ""))
    if not modules:
        return None
    index = ctx.packages() if ctx.packages is not None else None
    table = build_deps().libraries
    devs: list[str] = []
    unknown: list[str] = []
    for mod in modules:
        dev = None
        if index is not None:
            dev = index.pkgconfig_provider(mod) or index.pkgconfig_provider(f"lib{mod}")
        dev = dev or table.get(mod) or table.get(mod.removeprefix("lib"))
        if dev is None:
            unknown.append(mod)
        elif dev not in devs:
            devs.append(dev)
    if not devs:
        return None
    packages = (*BUILD_TOOLS, *devs)
    text = f"apk add --no-cache --virtual .build-deps {' '.join(packages)}"
    missing = f"; no Alpine package found for pkg-config {', '.join(unknown)}" if unknown else ""
    desc = (
        f"compile it in the build stage: {text} before npm ci, apk del .build-deps "
        f"after (slow; {', '.join(devs)}: the headers of what its binding.gyp links, "
        f"whose runtime libraries stay){missing}"
    )
    return Fix(FixKind.APK_ADD, desc, text=text, packages=packages)


@functools.lru_cache(maxsize=1)
def _script_patterns() -> dict[str, Any]:
    """``knowledge/data/npm-install-scripts.json``: what common install scripts do."""
    data: dict[str, Any] = knowledge.load_json("npm-install-scripts.json")
    return data


def _commands(text: str) -> list[str]:
    """The commands of an install-script text (``install: exit 0 ; postinstall: …``)."""
    return [re.sub(r"^(?:pre|post)?install: ", "", c.strip()) for c in text.split(" ; ")]


def _classify_script(text: str, meta: NpmVersion | None, ctx: _Ctx) -> tuple[DepStatus, str] | None:
    """What an install script does, by the curated patterns; None: not known.

    Every command must be known: a no-op, or a ``node FILE`` whose file (read from the
    tarball, bounded) matches a pattern.  A check script that loads a binary the tarball
    ships is judged by the scan engine's verdicts on its linux-x64 binaries.
    """
    table = _script_patterns()
    files: dict[str, str] = {}
    shipped: tuple[tuple[str, str], ...] = ()
    if meta is not None and script_paths(meta):
        listing = ctx.prebuilds(meta)
        if isinstance(listing, TarballListing):
            files, shipped = dict(listing.script_files), listing.shipped
    worst: tuple[DepStatus, str] | None = None
    whys: list[str] = []
    for cmd in _commands(text):
        if any(re.search(c["match"], cmd) for c in table["commands"]):
            whys.append(f"`{cmd}` does nothing")
            continue
        m = re.fullmatch(r"node\s+(?:\./)?([\w./-]+)", cmd)
        path = None
        if m is not None:
            path = m[1] if posixpath.splitext(m[1])[1] else m[1] + ".js"
        body = files.get(posixpath.normpath(path)) if path else None
        if body is None:
            return None
        entry = next(
            (
                f
                for f in table["files"]
                if all(re.search(a, body) for a in f["all"])
                and not any(re.search(n, body) for n in f["none"])
            ),
            None,
        )
        if entry is None:
            return None
        status = DepStatus.PORTABLE
        why = f"{path} {entry['why']}"
        if entry["kind"] == "checks-shipped-binary":
            target = f"linux-{ctx.target.cpu}"
            mine = [(p, v) for p, v in shipped if target in p or ctx.target.arch in p]
            musl = [(p, v) for p, v in mine if "musl" in p] or mine
            loads = [p for p, v in musl if v == "ok"]
            if loads:
                status = DepStatus.MUSL_BUILD
                why += f"; it ships {loads[0]}, which loads on musl"
            else:
                status = DepStatus.BUILDS_FROM_SOURCE
                why += f"; none of its {target} binaries loads on musl: it compiles"
        whys.append(why)
        if worst is None or status.rank > worst[0].rank or status is DepStatus.MUSL_BUILD:
            worst = (status, why)
    if not whys:
        return None
    return (worst[0] if worst else DepStatus.PORTABLE), "; ".join(whys)


def _implicit_gyp(pkg: NodePackage, meta: NpmVersion, ctx: _Ctx) -> bool:
    """A ``binding.gyp`` npm builds though the registry's document names no install script.

    Asked of the tarball only when something says npm runs a script (the lockfile's
    ``hasInstallScript``, or a postinstall) while no install/preinstall script is there.
    """
    if meta.builds_by_script or not (pkg.has_install_script or meta.install_scripts):
        return False
    listing = ctx.prebuilds(meta)
    return isinstance(listing, TarballListing) and listing.binding_gyp is True


@functools.lru_cache(maxsize=1)
def _known_downloads() -> dict[str, dict[str, str]]:
    """``knowledge/data/npm-install-downloads.json``: puppeteer, prisma, playwright, …"""
    data: dict[str, dict[str, str]] = knowledge.load_json("npm-install-downloads.json")["packages"]
    return data


def _linux_prebuilds(
    listing: TarballListing, cpu: str
) -> tuple[list[Prebuild], list[Prebuild], list[Prebuild]]:
    """(this platform's prebuilds, the musl-tagged ones, the untagged ones), in listing order.

    node-gyp-build on musl takes a musl-tagged prebuild first, else one with no libc tag
    (never one tagged glibc, nor one for electron or another runtime).
    """
    plat = f"linux-{cpu}"
    here = [
        f
        for f in listing.files
        if f.platform == plat and f.path.rsplit("/", 1)[-1].split(".")[0] not in OTHER_RUNTIMES
    ]
    musl = [f for f in here if "musl" in f.tags or (f.libc == "musl" and "glibc" not in f.tags)]
    untagged = [f for f in here if f not in musl and "glibc" not in f.tags]
    return here, musl, untagged


def _runtime_prebuild(meta: NpmVersion, ctx: _Ctx) -> str | None:
    """The prebuild node-gyp-build loads on Alpine (musl-tagged, or untagged and loading)."""
    listing = ctx.prebuilds(meta)
    if isinstance(listing, PackageIndexError):
        return None
    here, musl, untagged = _linux_prebuilds(listing, ctx.target.cpu)
    return next((f.path for f in here if f.verdict == "ok" and (f in musl or f in untagged)), None)


def _judge_prebuilds(
    pkg: NodePackage,
    meta: NpmVersion,
    ctx: _Ctx,
    reasons: list[str],
    fixes: list[str],
    row: Callable[[DepStatus], PackageResult],
) -> PackageResult:
    listing = ctx.prebuilds(meta)
    plat = f"linux-{ctx.target.cpu}"
    if isinstance(listing, PackageIndexError):
        reasons.append(f"node-gyp-build: its prebuilds could not be listed ({listing})")
        fixes.append("run again online to list them")
        return row(DepStatus.UNKNOWN)
    # its install test loads the prebuild _linux_prebuilds picks, and compiles with
    # node-gyp when that fails
    here, musl, untagged = _linux_prebuilds(listing, ctx.target.cpu)
    for f in (*musl, *untagged):
        if f.verdict in ("needs-gcompat", "incompatible"):
            continue
        if f.verdict == "needs-packages":
            reasons.append(
                f"ships {f.path}, but it needs {', '.join(f.missing)}, which Alpine's "
                f"base lacks: node-gyp-build's install test fails and it compiles the addon"
            )
            fixes.append(NODE_BUILD_FIX)
            return row(DepStatus.BUILDS_FROM_SOURCE)
        if f.libc == "none" and "musl" not in f.tags:
            reasons.append(f"ships {f.path}, which needs no libc")
            return row(DepStatus.PORTABLE)
        if f in musl or f.verdict == "ok":
            how = "" if f in musl else f"no libc tag, a {f.libc} build that loads on musl: "
            reasons.append(f"ships {f.path} ({how}node-gyp-build loads it on Alpine)")
            return row(DepStatus.MUSL_BUILD)
    if here and all(f.verdict is None for f in here):
        reasons.append(
            f"its only {plat} prebuilds are glibc builds "
            f"({', '.join(f.path for f in here)}): node-gyp-build's install test "
            f"fails on musl and it compiles the addon with node-gyp"
        )
    elif here:
        reasons.append(
            f"none of its {plat} prebuilds loads on musl "
            f"({', '.join(f.path for f in here)}): node-gyp-build's install test "
            f"fails on musl and it compiles the addon with node-gyp"
        )
    else:
        reasons.append(
            f"ships no {plat} prebuild: node-gyp-build compiles the addon at install time"
        )
    fixes.append(NODE_BUILD_FIX)
    return row(DepStatus.BUILDS_FROM_SOURCE)
