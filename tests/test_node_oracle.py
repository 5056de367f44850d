"""``deps`` (Node) against npm itself as the oracle: an agreement table, offline.

``tools/record_npm_oracle.py`` installed every package of its corpus with
``npm install --ignore-scripts --os=linux --cpu=x64 --libc=musl``, ran Alpine's real
musl loader (``--list``) on what landed, derived what a plain ``npm install`` on Alpine
does (``tests/data/npm-oracle/ORACLE.json``, with the date and the npm version) and
recorded the registry answers ``deps`` asks for (``tests/data/npm-oracle/registry/``).
Here every recorded ``package-lock.json`` is checked offline against those answers and
the worst row of each is compared with the oracle's worst package.

Statuses compare by what they mean for an Alpine build: ``portable`` and ``musl-build``
are both "works as installed"; ``upgrade`` (the locked version has no musl build, a
newer one does) agrees with an oracle that saw no musl build (``glibc-only``,
``unavailable``, ``builds-from-source``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.node_check import NodeTarget, check_node
from alpine_ready.deps.node_platform import platform_base
from alpine_ready.deps.npm_registry import NpmRegistry
from alpine_ready.deps.report import DepStatus
from alpine_ready.deps.sources import parse_node_input
from alpine_ready.knowledge.apkindex import parse_index
from alpine_ready.report.item import FixKind
from apk_mirror import record

DATA = Path(__file__).parent / "data" / "npm-oracle"
OK = {DepStatus.PORTABLE.value, DepStatus.MUSL_BUILD.value}
#: worst last: what decides a project's row
ORDER = (
    "ok",
    "unknown",
    "upgrade",
    "downloads-at-install",
    "builds-from-source",
    "unavailable",
    "glibc-only",
    "lockfile-problem",
)
NO_MUSL_BUILD = {"glibc-only", "unavailable", "builds-from-source"}


@cache
def oracle() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "ORACLE.json").read_text())
    return data


def kind(status: str) -> str:
    """A status as the table compares it (``portable`` and ``musl-build``: ``ok``)."""
    return "ok" if status in OK else status


def agree(ours: str, npm: str) -> bool:
    """Whether ``deps``' worst row says what npm's oracle says."""
    return ours == npm or (ours == "upgrade" and npm in NO_MUSL_BUILD)


def ours(spec: str, registry: NpmRegistry) -> tuple[str, str]:
    """(the worst kind of ``deps``' rows for one recorded lockfile, its row's reasons)."""
    lock = DATA / oracle()["corpus"][spec]["dir"] / "package-lock.json"
    rows, _notes = check_node(parse_node_input(lock), NodeTarget(), registry)
    worst = max(rows, key=lambda r: ORDER.index(kind(r.status.value)), default=None)
    if worst is None:
        return "ok", ""
    return kind(worst.status.value), f"{worst.name}: {' | '.join(worst.reasons)}"


def table(registry: NpmRegistry) -> list[tuple[str, str, str, str]]:
    """(package, npm's answer, deps' answer, deps' reasons) for the whole corpus."""
    out = []
    for spec, entry in oracle()["corpus"].items():
        got, why = ours(spec, registry)
        out.append((spec, kind(entry["worst"]), got, why))
    return out


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> NpmRegistry:
    """An offline registry whose cache holds every recorded answer."""
    cache_ = ResponseCache(tmp_path_factory.mktemp("oracle-cache") / "npm", name="npm")
    for f in sorted((DATA / "registry").glob("*.json")):
        doc = json.loads(f.read_text())
        cache_.put(doc["url"], doc["accept"], doc["body"].encode(), doc["headers"])
    return NpmRegistry(cache=cache_, offline=True)


def test_corpus_is_real_and_big_enough() -> None:
    data = oracle()
    assert data["npm"].split(".")[0].isdigit() and data["recorded_at"][:2] == "20"
    assert len(data["corpus"]) >= 60
    for spec, entry in data["corpus"].items():
        assert entry["why"], spec
        assert (DATA / entry["dir"] / "package-lock.json").is_file(), spec
    kinds = {kind(e["worst"]) for e in data["corpus"].values()}
    assert {"ok", "downloads-at-install", "builds-from-source"} <= kinds


def test_agrees_with_npm(registry: NpmRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(DATA))  # (no ~/.npmrc of this machine)
    rows = table(registry)
    wrong = [r for r in rows if not agree(r[2], r[1])]
    assert not wrong, "\n".join(f"{s}: npm {n}, deps {o} ({why})" for s, n, o, why in wrong)


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("@rollup/rollup-linux-powerpc64le-gnu", "@rollup/rollup"),
        ("@rollup/rollup-linux-loongarch64-gnu", "@rollup/rollup"),
        ("@rollup/rollup-linux-x64-musl", "@rollup/rollup"),
        ("@img/sharp-libvips-linuxmusl-x64", "@img/sharp-libvips"),
        ("@rspack/binding-x86_64-unknown-linux-gnu", "@rspack/binding"),
        ("@esbuild/linux-x64", "@esbuild"),
        ("left-pad", None),
    ],
)
def test_an_unknown_cpu_token_makes_no_package(name: str, base: str | None) -> None:
    """What follows the OS token is the platform, whatever its spelling."""
    assert platform_base(name) == base


def test_a_node_build_names_the_dev_packages_of_its_binding_gyp(registry: NpmRegistry) -> None:
    """canvas's binding.gyp asks pkg-config for cairo, pangocairo, …: their ``-dev`` packages.

    Through the ``pc:`` provides of a package index (test records with Alpine's names),
    else the bundled table, which knows fewer of them.
    """
    lock = DATA / "canvas-3.2.0" / "package-lock.json"
    provides = {
        "cairo-dev": "pc:cairo=1.18.4",
        "pango-dev": "pc:pangocairo=1.56.4",
        "pixman-dev": "pc:pixman-1=0.46.4",
        "librsvg-dev": "pc:librsvg-2.0=2.61.0",
        "libpng-dev": "pc:libpng=1.6.50",
        "freetype-dev": "pc:freetype2=26.2.20",
        "libjpeg-turbo-dev": "pc:libjpeg=3.1.2",
    }
    index = parse_index("".join(record(n, provides=p) for n, p in provides.items()), release="3.23")
    rows = {
        r.name: r
        for r in check_node(parse_node_input(lock), NodeTarget(), registry, packages=lambda: index)[
            0
        ]
    }
    fix = next(a for a in rows["canvas"].actions if a.kind is FixKind.APK_ADD)
    assert fix.packages[:3] == ("python3", "make", "g++")
    assert set(fix.packages[3:]) == set(provides)
    assert "the headers of any C library" not in rows["canvas"].fixes[0]
    bundled = {r.name: r for r in check_node(parse_node_input(lock), NodeTarget(), registry)[0]}
    fix = next(a for a in bundled["canvas"].actions if a.kind is FixKind.APK_ADD)
    assert {"cairo-dev", "libjpeg-turbo-dev"} <= set(fix.packages)
    assert "no Alpine package found for pkg-config pixman-1" in bundled["canvas"].fixes[0]
