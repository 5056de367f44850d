"""Unpinned Python requirements, resolved with uv (wheels only) before they are judged.

A requirements file or pyproject names the direct dependencies, pinned or not, and
what they pull in must be checked too.  Two resolutions, both ``--no-build`` so that
no sdist's code runs here: glibc (the versions the project gets today, which are then
judged for musl) and musl (what a build-free install on Alpine picks).  Where they
differ the rows say so: that is the silent downgrade.  A package with no usable wheel
is left out and judged on its own (at most :data:`_MAX_DROPS` rounds); when both
resolutions fail the per-package estimates stay and a note says why.  Without uv
(``pip install alpine-ready[resolve]``) the estimates stay too.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name

from .options import DepsOptions
from .report import DepStatus, PackageResult
from .requirement import UNPINNED_KINDS, ParsedInput, Requirement


@dataclass(frozen=True)
class Resolved:
    parsed: list[ParsedInput]  # ranges replaced by resolved pins, + transitive
    reasons: dict[str, tuple[str, ...]]  # name -> reasons to put first
    notes: tuple[str, ...]
    # who pulls in what ({} until asked): only computed when a dependency is a problem
    dependents: Callable[[], dict[str, tuple[str, ...]]] = lambda: {}
    listed: frozenset[str] = frozenset()


_MAX_DROPS = 10
_NO_WHEEL = (
    re.compile(r"Wheels are required for `([A-Za-z0-9._-]+)`"),
    re.compile(r"all versions of ([A-Za-z0-9._-]+) have no usable wheels"),
    re.compile(r"all of:\s*([A-Za-z0-9._-]+)[<>=!~]=?\S*\s"),
    re.compile(r"([A-Za-z0-9._-]+)==\S+ has no wheels with a matching"),
    re.compile(
        r"(?:^|: |and |because )([A-Za-z0-9._-]+)(?:[<>=!~]=?[^ ]*)? has no "
        r"(?:usable wheels|wheels with a matching platform tag)"
    ),
)


def _no_wheel_package(error: str) -> str | None:
    """The package uv names as having no usable wheel, normalised (None: another error)."""
    for rx in _NO_WHEEL:
        m = rx.search(error)
        if m:
            return canonicalize_name(m[1])
    return None


def _no_wheel_clause(text: str, name: str) -> str:
    """The words uv used for why ``name`` has no wheel ("numpy==1.24.4 has no usable wheels").

    The clause names the version or range uv tried, so a note built from it says no
    more than uv did (a pin without a wheel is not "no wheel in any release").
    """
    for m in re.finditer(
        r"(?:all versions of |all of:\s*)?([A-Za-z0-9._-]+)(?:\[[^\]]*\])?(?:\{[^}]*\})?"
        r"([<>=!~]=?[^\s,]*)? (?:has|have) no (usable wheels|wheels with a matching "
        r"(?:platform|Python ABI|Python implementation) tag)",
        text,
    ):
        if canonicalize_name(m[1]) == name:
            every = "all versions of " if m[0].startswith("all versions of") else ""
            verb = "have" if every else "has"
            return f"{every}{name}{m[2] or ''} {verb} no {m[3]}"
    return f"{name} has no usable wheel"


def _parent_of(text: str, name: str) -> str | None:
    """The requirement uv says depends on ``name`` ("psycopg[c]==3.1.18 depends on …")."""
    for m in re.finditer(
        r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?(?:\{[^}]*\})?[<>=!~]*[^\s,]* "
        r"depends on ([A-Za-z0-9._-]+)",
        text,
    ):
        if canonicalize_name(m[2]) == name:
            return canonicalize_name(m[1])
    return None


def _dependency_version(text: str, name: str) -> str | None:
    """The exact version uv names for ``name`` ("psycopg-c{…}==3.1.18 has no usable…")."""
    for m in re.finditer(r"([A-Za-z0-9._-]+)(?:\{[^}]*\})?==([A-Za-z0-9.+!-]+)", text):
        if canonicalize_name(m[1]) == name:
            return m[2]
    return None


def _line_name(line: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9._-]+)", line)
    return canonicalize_name(m[1]) if m else ""


def resolve_unpinned(opts: DepsOptions, parsed: list[ParsedInput]) -> Resolved | None:
    """Resolve requirements files and pyproject dependencies with uv (wheels only).

    Pinned or not: a requirements file names the direct dependencies, and what they pull
    in (psycopg[c] -> psycopg-c, sdist only) must be checked too.  Two resolutions, both
    ``--no-build`` so that no sdist's code runs here: glibc (the versions the project gets
    today, which are then judged for musl) and musl (what a build-free install on Alpine
    picks).  Where
    they differ the rows say so: that is the silent downgrade.  When the glibc one fails,
    the musl one is used; when both fail the per-package estimates stay and a note says
    why.  Without uv (``pip install alpine-ready[resolve]``) the estimates stay too.
    """
    from .resolve import compare, find_resolver, requirement_line, resolve

    listed = [r for p in parsed if p.kind in UNPINNED_KINDS for r in p.requirements]
    if not listed:
        return None
    uv = find_resolver()
    if uv is None:
        return Resolved(
            parsed,
            {},
            (
                "dependencies of the listed requirements not checked "
                "and unpinned ones checked at their newest matching "
                "release: install uv (pip install "
                "'alpine-ready[resolve]') for a real resolution",
            ),
        )
    lines = [
        requirement_line(r) for p in parsed if p.kind in UNPINNED_KINDS for r in p.requirements
    ]
    index = opts.index_url or next(
        (r.index_url for p in parsed for r in p.requirements if r.index_url), None
    )
    extra = [
        *opts.extra_index_urls,
        *(u for p in parsed if p.kind == "requirements" for u in p.index_urls),
    ]
    common = {
        "python": opts.python,
        "arch": opts.arch,
        "index_url": index,
        "extra_index_urls": extra,
        "offline": opts.offline,
        "binary_only": True,
        "resolver": uv,
    }
    cache = opts.cache_dir / "uv" if opts.cache_dir is not None else None
    notes: list[str] = []
    transitive: dict[str, tuple[str | None, str]] = {}  # no-wheel dependency -> (ver, parent)

    said: dict[tuple[str, str], str] = {}  # (libc, left-out name) -> why, in uv's words

    def run_uv(libc: str) -> Any:
        """Resolve; a package with no usable wheel is left out, the rest resolved again.

        The left-out package is judged on its own; at most ``_MAX_DROPS`` rounds.
        """
        todo = list(lines)
        dropped: list[str] = []
        while True:
            res = resolve(todo, libc=libc, cache_dir=cache, **common)  # type: ignore[arg-type]
            text = " ".join((res.error or "", *res.causes, *res.hints))
            name = None if res.ok else _no_wheel_package(text)
            if name is None or len(dropped) >= _MAX_DROPS:
                return res, dropped
            said[(libc, name)] = _no_wheel_clause(text, name)
            keep = [x for x in todo if _line_name(x) != name]
            if len(keep) == len(todo):
                # a dependency with no wheel (psycopg[c] -> psycopg-c): leave out what pulls
                # it in, and check the dependency on its own
                parent = _parent_of(text, name)
                keep = [x for x in todo if _line_name(x) != parent]
                if parent is None or len(keep) == len(todo):
                    return res, dropped
                version = _dependency_version(text, name)
                transitive.setdefault(name, (version, parent))
                said[(libc, name)] = (
                    f"{parent} left out: its dependency {said[(libc, name)]} (the blocker)"
                )
            dropped.append(name)
            todo = keep

    glibc, glibc_dropped = run_uv("gnu")
    musl, musl_dropped = run_uv("musl")
    py = opts.python or "3.12"
    if glibc_dropped:
        notes.append(
            f"left out of both resolutions (wheels only), as uv finds no wheel for "
            f"CPython {py} on glibc either: "
            + "; ".join(said.get(("gnu", n), n) for n in glibc_dropped)
            + " (each is judged on its own below)"
        )
    only_musl = [n for n in musl_dropped if n not in glibc_dropped]
    if only_musl:
        notes.append(
            f"a wheels-only install on Alpine (CPython {py}, musllinux) cannot include, "
            f"as uv resolves it: "
            + "; ".join(said.get(("musl", n), n) for n in only_musl)
            + " (each row says whether another release has a musl wheel)"
        )
    base = glibc if glibc.ok else musl if musl.ok else None
    if base is None:
        notes.append(
            f"uv could not resolve the requirements (glibc: {glibc.error}; "
            f"musl: {musl.error}); only the listed ones are checked, unpinned ones "
            f"at their newest matching release"
        )
        return Resolved(parsed, {}, tuple(notes))
    which = "glibc" if base is glibc else "musl"
    notes.append(
        f"requirements resolved with uv {uv.version} for {which} (wheels only, "
        f"nothing built): {len(base.packages)} packages checked at the resolved "
        f"versions, dependencies included"
    )
    if not musl.ok:
        notes.append(f"a wheels-only install on Alpine fails: {musl.error}")
    reasons: dict[str, list[str]] = {}
    if glibc.ok and musl.ok:
        for d in compare(musl, glibc):
            if d.kind == "version":
                reasons.setdefault(d.name, []).append(
                    f"silent downgrade: resolving for musl (wheels only) picks {d.musl}, for "
                    f"glibc {d.glibc}"
                )
            elif d.kind == "musl-only":
                reasons.setdefault(d.name, []).append(
                    f"only the musl resolution pulls it in ({d.musl})"
                )
    pins = base.pins
    for name, (version, parent) in transitive.items():
        if name in pins:
            continue
        if version is not None:
            pins[name] = version
        reasons.setdefault(name, []).append(
            f"needed by {parent}, and no release of it has a wheel for this target: it is "
            f"compiled on every install ({parent}'s other dependencies are not resolved)"
        )
    direct: set[str] = set()
    new_parsed = []
    for p in parsed:
        if p.kind not in UNPINNED_KINDS:
            new_parsed.append(p)
            continue
        reqs = []
        for r in p.requirements:
            direct.add(r.name)
            if r.version is None and r.name in pins:
                reasons.setdefault(r.name, []).insert(
                    0,
                    f"not pinned ({r.specifier or 'any version'}): uv resolves "
                    f"{pins[r.name]} for {which}",
                )
                r = dataclasses.replace(r, version=pins[r.name])
            reqs.append(r)
        new_parsed.append(dataclasses.replace(p, requirements=tuple(reqs)))
    first = next((i for i, p in enumerate(new_parsed) if p.kind in UNPINNED_KINDS), None)
    if first is not None:
        src = new_parsed[first].path
        extra_reqs = tuple(
            Requirement.exact(name, ver, f"{src} (via uv)")
            for name, ver in sorted(pins.items())
            if name not in direct
        )
        for name in (n for n in pins if n not in direct):
            reasons.setdefault(name, []).insert(
                0, f"a dependency of your requirements (uv resolves {pins[name]} for {which})"
            )
        p0 = new_parsed[first]
        new_parsed[first] = dataclasses.replace(p0, requirements=(*p0.requirements, *extra_reqs))

    def who() -> dict[str, tuple[str, ...]]:
        from .resolve import dependents

        return dependents(
            lines,
            libc="gnu" if which == "glibc" else "musl",
            cache_dir=cache,
            python=opts.python or "3.12",
            arch=opts.arch,
            index_url=index,
            extra_index_urls=extra,
            offline=opts.offline,
            resolver=uv,
        )

    return Resolved(
        new_parsed, {k: tuple(v) for k, v in reasons.items()}, tuple(notes), who, frozenset(direct)
    )


def with_roots(results: list[PackageResult], resolved: Resolved) -> list[PackageResult]:
    """Problem dependencies say which listed requirement pulls them in (torch → nvidia-*)."""
    problems = [
        i
        for i, r in enumerate(results)
        if r.source.endswith("(via uv)") and r.status.rank >= DepStatus.SOURCE_BUILD.rank
    ]
    if not problems:
        return results
    via = resolved.dependents()
    if not via:
        return results
    out = list(results)
    for i in problems:
        roots: set[str] = set()
        todo, seen = [out[i].name], set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for parent in via.get(name, ()):
                (roots.add(parent) if parent in resolved.listed else todo.append(parent))
        if roots:
            row = out[i]
            names = ", ".join(sorted(roots))
            old, new = f"or replace {row.name}", f"or replace {names} (which needs it)"
            actions = tuple(
                dataclasses.replace(
                    a, description=a.description.replace(old, new), packages=tuple(sorted(roots))
                )
                if old in a.description
                else a
                for a in row.actions
            )
            out[i] = dataclasses.replace(
                row,
                reasons=(f"pulled in by {names}", *row.reasons),
                fixes=tuple(f.replace(old, new) for f in row.fixes),
                actions=actions,
            )
    return out
