"""``alpine-ready deps``, Node slice: real lockfiles, real registry answers, real trees.

- offline: the npm-registry answers recorded by ``tools/record_npm.py`` (``tests/data/npm``:
  trimmed version documents and packuments, and the listings read from the real
  tarballs) are seeded into a temporary npm cache and the lockfiles the real npm, yarn
  and pnpm wrote (``tests/data/nodelocks``) are checked with ``offline=True``;
- over HTTP: the same answers served by a real HTTP server on 127.0.0.1 (a real tarball
  from the npm fixtures streamed and hashed), and the registry's failures: no answer,
  500, 401, a tarball that does not match its integrity; ``.npmrc`` registries and tokens;
- installed trees: the real npm platform packages of the ``npm_dir`` fixture, judged by
  the binary engine;
- the CLI; one ``online`` test against the real registry.

``HOME`` points at an empty directory in every test: the machine's ``~/.npmrc`` is
never read.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alpine_ready.cli.main import EXIT_FINDINGS, EXIT_OK
from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.check import DepsOptions, run
from alpine_ready.deps.node_check import NODE_BUILD_FIX, REGENERATE_FIX, NodeTarget, check_node
from alpine_ready.deps.node_model import NodeInput
from alpine_ready.deps.npm_registry import (
    ACCEPT,
    LISTING_ACCEPT,
    NpmConfig,
    NpmRegistry,
    escape_name,
    parse_version_doc,
    read_npmrc,
)
from alpine_ready.deps.report import DepsReport, DepStatus, PackageResult
from alpine_ready.deps.sources import parse_node_input
from alpine_ready.report import schema
from test_deps_index import Server

DATA = Path(__file__).parent / "data"
RECORDED = DATA / "npm"
LOCKS = DATA / "nodelocks"
NATIVE_MIX = LOCKS / "native-mix" / "package-lock.json"
NPM_V3 = LOCKS / "npm-v3" / "package-lock.json"
DEV_DEPS = LOCKS / "dev-deps" / "package-lock.json"
OTHER_LOCKS = {
    "npm-v3": NPM_V3,
    "npm-v2": LOCKS / "npm-v2" / "package-lock.json",
    "pnpm-v9": LOCKS / "pnpm-v9" / "pnpm-lock.yaml",
    "yarn-berry": LOCKS / "yarn-berry" / "yarn.lock",
    "yarn-v1": LOCKS / "yarn-v1" / "yarn.lock",
}
NPMJS = "https://registry.npmjs.org/"
CPU = {"x86_64": "x64", "aarch64": "arm64"}
TOKEN = "npm_T0k3n-f0r-the-private-registry"

Rows = dict[str, PackageResult]


# -- helpers -----------------------------------------------------------------------------------


def recorded() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(RECORDED.glob("*.json"))]


def seed(cache: ResponseCache) -> ResponseCache:
    """Every recorded answer into ``cache``, as NpmRegistry stored it."""
    for doc in recorded():
        cache.put(doc["url"], doc["accept"], doc["body"].encode(), doc["headers"])
    return cache


def by_name(rows: list[PackageResult] | tuple[PackageResult, ...]) -> Rows:
    out: Rows = {}
    for r in rows:
        assert r.name not in out, f"two rows for {r.name}"
        out[r.name] = r
    return out


def check(
    lock: Path, registry: NpmRegistry | None, arch: str = "x86_64", musl: str = "1.2.5", **kw: Any
) -> tuple[Rows, list[str], NodeInput]:
    inp = parse_node_input(lock)
    rows, notes = check_node(inp, NodeTarget(arch=arch, musl=musl), registry, **kw)
    return by_name(rows), notes, inp


def said(row: PackageResult) -> str:
    return " | ".join(row.reasons)


def key_line(lock: Path, key: str) -> int:
    """The line of ``"key": {`` in a JSON lockfile."""
    for i, line in enumerate(lock.read_text().splitlines(), 1):
        if line.strip().startswith(f'"{key}": {{'):
            return i
    raise AssertionError(f"{key} not in {lock}")


def verdicts(rows: Rows) -> dict[str, tuple[DepStatus, str | None]]:
    return {n: (r.status, r.musl_version) for n, r in rows.items()}


@pytest.fixture(autouse=True)
def _no_user_npmrc(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("NPM_TOKEN", raising=False)
    return home


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``--cache-dir`` whose ``npm/`` holds every recorded answer (read only)."""
    root = tmp_path_factory.mktemp("deps-cache")
    seed(ResponseCache(root / "npm", name="npm"))
    return root


@pytest.fixture
def offline(cache_dir: Path) -> NpmRegistry:
    return NpmRegistry(cache=ResponseCache(cache_dir / "npm", name="npm"), offline=True)


# -- the recorded data -------------------------------------------------------------------------


def test_recorded_answers_are_npmjs_documents() -> None:
    docs = recorded()
    assert sum(len(d["body"]) for d in docs) < 1024 * 1024
    listings = [d for d in docs if d["accept"] == LISTING_ACCEPT]
    packuments = [d for d in docs if d["trimmed"].get("packument")]
    assert {d["url"] for d in packuments} == {f"{NPMJS}oxc-parser", f"{NPMJS}@biomejs%2Fbiome"}
    assert sorted(
        (json.loads(d["body"])["name"], json.loads(d["body"])["version"]) for d in listings
    ) == [
        ("@biomejs/biome", "1.0.0"),  # (a postinstall: is there a binding.gyp?)
        ("@biomejs/cli-linux-x64", "1.0.0"),
        ("@esbuild/linux-arm64", "0.28.2"),
        ("@esbuild/linux-x64", "0.28.2"),
        ("bcrypt", "6.0.0"),
        ("better-sqlite3", "12.4.1"),  # (its binding.gyp's pkg-config modules)
        ("bufferutil", "4.0.9"),
        ("esbuild", "0.28.2"),
        ("utf-8-validate", "6.0.5"),
    ]
    for d in docs:
        assert d["url"].startswith(NPMJS) and d["accept"] in (ACCEPT, LISTING_ACCEPT)
        if d in listings or d in packuments:
            continue
        v = parse_version_doc(json.loads(d["body"]), d["url"])
        assert d["url"] == f"{NPMJS}{escape_name(v.name)}/{v.version}"
        assert (v.tarball or "").startswith(NPMJS) and (v.integrity or "").startswith("sha512-")


# -- native-mix: every Node status, offline on the recorded answers ----------------------------


def test_native_mix_x86_64(offline: NpmRegistry) -> None:
    got, notes, inp = check(NATIVE_MIX, offline)
    assert inp.kind == "package-lock" and inp.records_libc is False and notes == []

    oxc = got["oxc-parser"]
    assert (oxc.version, oxc.status, oxc.musl_version) == ("0.2.0", DepStatus.UPGRADE, "0.4.0")
    assert "only glibc builds for Linux x64: @oxc-parser/binding-linux-x64-gnu" in said(oxc)
    assert oxc.fixes == ("upgrade oxc-parser to 0.4.0 (has a musl build)",)

    biome = got["@biomejs/biome"]
    assert (biome.status, biome.musl_version) == (DepStatus.UPGRADE, "1.5.0")
    assert biome.reasons[0] == (
        "@biomejs/cli-linux-x64 1.0.0: declares no libc, but its "
        "binary in its tarball is a glibc build"
    )
    assert biome.fixes == ("upgrade @biomejs/biome to 1.5.0 (has a musl build)",)

    esbuild = got["esbuild"]
    assert esbuild.status is DepStatus.PORTABLE and esbuild.musl_version is None
    assert esbuild.reasons[0] == (
        "@esbuild/linux-x64 0.28.2: one Linux x64 build, static (no libc) (checked in its tarball)"
    )
    assert "postinstall: node install.js" in said(esbuild) and esbuild.fixes == ()

    bufferutil = got["bufferutil"]
    # its untagged prebuild is a glibc build that loads on musl (Alpine's real loader
    # agrees: only N-API symbols unresolved); node-gyp-build takes it there too
    assert bufferutil.status is DepStatus.MUSL_BUILD
    assert bufferutil.reasons == (
        "ships prebuilds/linux-x64/bufferutil.node (no libc tag, a glibc build that loads "
        "on musl: node-gyp-build loads it on Alpine)",
    )
    assert bufferutil.fixes == ()

    utf8 = got["utf-8-validate"]
    assert utf8.status is DepStatus.MUSL_BUILD
    assert utf8.reasons == (
        "ships prebuilds/linux-x64/utf-8-validate.musl.node (node-gyp-build loads it on Alpine)",
    )

    sqlite = got["better-sqlite3"]
    assert sqlite.status is DepStatus.DOWNLOADS_AT_INSTALL
    assert "`install: prebuild-install || node-gyp rebuild --release`" in sqlite.reasons[0]
    assert "linuxmusl-x64" in sqlite.reasons[0]
    assert "compiles with node-gyp" in sqlite.reasons[1]
    assert sqlite.fixes == (
        NODE_BUILD_FIX,
        "verify after npm ci on Alpine: alpine-ready scan node_modules",
    )

    assert got["left-pad"].status is DepStatus.PORTABLE and got["left-pad"].reasons == ()
    special = {
        "oxc-parser",
        "@biomejs/biome",
        "esbuild",
        "bufferutil",
        "utf-8-validate",
        "better-sqlite3",
    }
    lock = json.loads(NATIVE_MIX.read_text())["packages"]
    plain = {
        v.get("name") or k.rsplit("node_modules/", 1)[1]
        for k, v in lock.items()
        if k and not v.get("os")
    }
    assert set(got) == plain  # one row per package; platform packages folded into parents
    for name, row in got.items():
        if name not in special:
            assert row.status is DepStatus.PORTABLE, row
        assert row.source == f"{NATIVE_MIX}:{key_line(NATIVE_MIX, f'node_modules/{name}')}"
        assert row.ecosystem == "node" and row.pinned and row.version
    assert got["oxc-parser"].source.endswith("package-lock.json:800")
    assert offline.requests == 0


def test_native_mix_aarch64(offline: NpmRegistry) -> None:
    got, _, _ = check(NATIVE_MIX, offline, arch="aarch64")
    for name in ("utf-8-validate", "bufferutil"):
        assert got[name].status is DepStatus.BUILDS_FROM_SOURCE
        assert got[name].reasons == (
            "ships no linux-arm64 prebuild: node-gyp-build compiles the addon at install time",
        )
        assert got[name].fixes == (NODE_BUILD_FIX,)
    oxc = got["oxc-parser"]
    assert (oxc.status, oxc.musl_version) == (DepStatus.UPGRADE, "0.4.0")
    assert "@oxc-parser/binding-linux-arm64-gnu" in said(oxc)
    assert got["esbuild"].status is DepStatus.PORTABLE
    assert "@esbuild/linux-arm64 0.28.2: one Linux arm64 build, static" in said(got["esbuild"])
    assert got["better-sqlite3"].status is DepStatus.DOWNLOADS_AT_INSTALL
    assert "linuxmusl-arm64" in said(got["better-sqlite3"])
    assert offline.requests == 0


def test_native_mix_aarch64_biome_without_any_arm64_build(offline: NpmRegistry) -> None:
    """@biomejs/biome 1.0.0 names cli-linux-arm64 but never published it (1.1.0 did), so
    the lockfile has no Linux arm64 build: biome cannot run on arm64 Alpine.  The recorded
    packument says 1.5.0 is the first version with cli-linux-arm64-musl."""
    got, _, _ = check(NATIVE_MIX, offline, arch="aarch64")
    biome = got["@biomejs/biome"]
    assert (biome.status, biome.musl_version) == (DepStatus.UPGRADE, "1.5.0")


# -- the same five dependencies locked by npm v3/v2, pnpm 9, yarn berry, yarn v1 -----------------


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
@pytest.mark.parametrize("which", sorted(OTHER_LOCKS))
def test_musl_builds_in_real_lockfiles(offline: NpmRegistry, which: str, arch: str) -> None:
    lock = OTHER_LOCKS[which]
    cpu = CPU[arch]
    got, notes, inp = check(lock, offline, arch=arch)
    # @img/sharp-webcontainers-wasm32: no Linux build in its group
    assert notes == [
        f"1 platform packages for other systems (not installed on Linux {cpu}) ignored"
    ]
    for name, pkg in (
        ("rollup", f"@rollup/rollup-linux-{cpu}-musl 4.68.8"),
        ("lightningcss", f"lightningcss-linux-{cpu}-musl 1.33.0"),
    ):
        assert got[name].status is DepStatus.MUSL_BUILD
        assert got[name].reasons[0] == f"{pkg} (musl, {cpu}) is in the lockfile"
    sharp = got["sharp"]
    assert sharp.status is DepStatus.MUSL_BUILD
    assert f"@img/sharp-linuxmusl-{cpu} 0.35.5 (musl, {cpu}) is in the lockfile" in sharp.reasons
    assert (
        f"@img/sharp-libvips-linuxmusl-{cpu} 1.3.4 (musl, {cpu}) is in the lockfile"
        in sharp.reasons
    )
    assert got["bcrypt"].status is DepStatus.MUSL_BUILD
    assert got["bcrypt"].reasons == (
        f"ships prebuilds/linux-{cpu}/bcrypt.musl.node (node-gyp-build loads it on Alpine)",
    )
    assert got["esbuild"].status is DepStatus.PORTABLE
    assert (
        f"@esbuild/linux-{cpu} 0.28.2: one Linux {cpu} build, static (no libc) (checked in "
        f"its tarball)" in got["esbuild"].reasons
    )
    for name, row in got.items():
        if name not in ("rollup", "lightningcss", "sharp", "bcrypt", "esbuild"):
            assert row.status is DepStatus.PORTABLE, row
        assert "patch:" not in name and "@npm:" not in name
        if inp.kind == "package-lock":
            assert row.source == f"{lock}:{key_line(lock, f'node_modules/{name}')}"
        else:
            assert row.source == str(lock)
    gnu_too = (
        "without libc in the lockfile the package manager also installs "
        f"@rollup/rollup-linux-{cpu}-gnu"
    )
    if which == "yarn-v1":
        assert any("records no os/cpu/libc" in n for n in inp.notes)
        assert any(gnu_too in r for r in got["rollup"].reasons)
    else:
        assert not any(gnu_too in r for r in got["rollup"].reasons)
    if which == "yarn-berry":
        assert [n for n in got if "fsevents" in n] == ["fsevents"]
    assert offline.requests == 0


def test_lockfile_without_the_musl_package(tmp_path: Path, cache_dir: Path) -> None:
    """npm/cli#4828: a lockfile written on glibc without the -musl optional package."""
    data = json.loads(NPM_V3.read_text())
    del data["packages"]["node_modules/@rollup/rollup-linux-x64-musl"]
    lock = tmp_path / "package-lock.json"
    lock.write_text(json.dumps(data, indent=2) + "\n")
    report = run(DepsOptions(str(lock), offline=True, cache_dir=cache_dir))
    got = by_name(report.packages)
    rollup = got["rollup"]
    assert rollup.status is DepStatus.LOCKFILE_PROBLEM
    assert rollup.reasons == (
        "rollup 4.68.8 has a musl build, @rollup/rollup-linux-x64-musl, but the lockfile does "
        'not have it: on Alpine rollup fails with "Cannot find module '
        "'@rollup/rollup-linux-x64-musl'\"",
    )
    assert rollup.fixes == (REGENERATE_FIX,)
    assert rollup.source == f"{lock}:{key_line(lock, 'node_modules/rollup')}"
    assert got["sharp"].status is DepStatus.MUSL_BUILD  # the rest is unchanged
    assert report.fail_on is DepStatus.UNAVAILABLE
    assert report.failed and report.failing == (rollup,)


def test_sharp_needs_a_newer_musl(offline: NpmRegistry) -> None:
    """Alpine 3.17 has musl 1.2.3; sharp 0.35.5's musl builds declare config.musl >=1.2.5."""
    got, _, _ = check(NPM_V3, offline, musl="1.2.3")
    sharp = got["sharp"]
    assert sharp.status is DepStatus.UNAVAILABLE
    assert sharp.reasons[0] == (
        "@img/sharp-linuxmusl-x64 0.35.5 needs musl >=1.2.5; the target has musl 1.2.3"
    )
    assert any("use an Alpine release with musl >=1.2.5" in f for f in sharp.fixes)
    assert got["rollup"].status is DepStatus.MUSL_BUILD  # no musl requirement there
    assert check(NPM_V3, offline, musl="1.2.5")[0]["sharp"].status is DepStatus.MUSL_BUILD


# -- nothing to ask: an empty cache offline, or a registry that refuses connections -------------


def _nothing_to_ask(kind: str, tmp_path: Path) -> NpmRegistry:
    if kind == "empty-cache":
        return NpmRegistry(cache=ResponseCache(tmp_path / "npm", name="npm"), offline=True)
    return NpmRegistry(
        NpmConfig(registry="http://127.0.0.1:9/"),  # discard port: refused
        cache=ResponseCache(tmp_path / "npm", name="npm"),
        retries=0,
        timeout=2.0,
    )


@pytest.mark.parametrize("kind", ["empty-cache", "refused"])
def test_nothing_cached_nothing_raises(tmp_path: Path, kind: str) -> None:
    registry = _nothing_to_ask(kind, tmp_path)
    got, _, _ = check(NATIVE_MIX, registry)
    miss = (
        r"is not in the npm cache \(.*\) and we are offline"
        if kind == "empty-cache"
        else r"cannot reach http://127\.0\.0\.1:9/\S+ \(.*\) after 1 attempts"
    )
    for name in ("better-sqlite3", "bufferutil", "utf-8-validate"):
        row = got[name]
        assert row.status is DepStatus.UNKNOWN, row
        assert re.fullmatch(rf"could not check: {name}@{row.version}: .*{miss}", row.reasons[0])
        assert "\n" not in said(row)
        assert row.reasons[1] == "the lockfile says it runs an install script"
        assert row.fixes == ("run again online (or without --offline) to check it",)
    oxc = got["oxc-parser"]  # judged from the lockfile alone
    assert (oxc.status, oxc.musl_version) == (DepStatus.GLIBC_ONLY, None)
    assert "only glibc builds for Linux x64: @oxc-parser/binding-linux-x64-gnu" in said(oxc)
    assert "keep this service on a glibc base" in oxc.fixes[0]
    lock = json.loads(NATIVE_MIX.read_text())["packages"]
    no_script = {
        k.rsplit("node_modules/", 1)[1]
        for k, v in lock.items()
        if k
        and not v.get("hasInstallScript")
        and not v.get("os")
        and not v.get("optionalDependencies")
    }
    assert "left-pad" in no_script and len(no_script) == len(got) - 6
    for name in no_script:
        assert got[name].status is DepStatus.PORTABLE and got[name].reasons == ()
    if kind == "empty-cache":
        assert registry.requests == 0


@pytest.mark.parametrize("kind", ["empty-cache", "refused"])
def test_unverified_platform_build_is_not_portable(tmp_path: Path, kind: str) -> None:
    got, _, _ = check(NATIVE_MIX, _nothing_to_ask(kind, tmp_path))
    biome = got["@biomejs/biome"]
    assert biome.status is DepStatus.UNKNOWN, biome


# -- installed trees: the binary engine decides ------------------------------------------------


def _tree(npm_dir: Path, layout: str, tmp_path: Path) -> Rows:
    report = run(
        DepsOptions(
            str(npm_dir / layout / "node_modules"), offline=True, cache_dir=tmp_path / "cache"
        )
    )
    assert [i.kind for i in report.inputs] == ["node_modules"]
    jsonschema.validate(report.to_json(), schema("deps-v3.json"))
    return by_name(report.packages)


def test_installed_glibc_tree(npm_dir: Path, tmp_path: Path) -> None:
    got = _tree(npm_dir, "gnu", tmp_path)
    assert set(got) == {"@img/sharp", "@img/sharp-libvips", "@rollup/rollup", "lightningcss"}
    for row in got.values():
        assert row.status is DepStatus.GLIBC_ONLY, row
        assert row.reasons[0].startswith("only the glibc build is installed here: ")
        assert re.fullmatch(
            r"node_modules/\S+: (incompatible|needs-gcompat): missing "
            r"libraries: ld-linux-x86-64\.so\.2 \(gcompat\), .*",
            row.reasons[1],
        )
        assert "instead of copying node_modules from a glibc machine" in row.fixes[0]
        assert row.source.endswith("/package.json")
    assert "rollup.linux-x64-gnu.node: needs-gcompat" in got["@rollup/rollup"].reasons[1]
    assert "libstdc++.so.6 (apk: libstdc++)" in got["@img/sharp"].reasons[1]


def test_installed_musl_and_static_trees(npm_dir: Path, tmp_path: Path) -> None:
    musl = _tree(npm_dir, "musl", tmp_path)
    assert {r.status for r in musl.values()} == {DepStatus.MUSL_BUILD}
    sharp = musl["@img/sharp"]
    assert sharp.reasons[0] == "@img/sharp-linuxmusl-x64 0.35.5 (musl, x64) is installed"
    # it needs only libstdc++ beside musl, which every Node on Alpine has (the nodejs apk
    # and the node:alpine images install it): as the lockfile check judges its prebuild
    assert sharp.reasons == ("@img/sharp-linuxmusl-x64 0.35.5 (musl, x64) is installed",)
    assert sharp.fixes == ()
    assert musl["@rollup/rollup"].reasons == (
        "@rollup/rollup-linux-x64-musl 4.68.8 (musl, x64) is installed",
    )
    static = _tree(npm_dir, "static", tmp_path)
    assert set(static) == {"@esbuild"}
    assert static["@esbuild"].status is DepStatus.PORTABLE
    assert static["@esbuild"].reasons == (
        "@esbuild/linux-x64 0.28.2: one Linux x64 build, static (no libc) (checked installed)",
    )


# -- over HTTP: the recorded answers served by a real server -----------------------------------

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


@pytest.fixture
def servers() -> Iterator[Callable[[], Server]]:
    started: list[Server] = []

    def start() -> Server:
        started.append(Server())
        return started[-1]

    yield start
    for s in started:
        s.close()


def _ok(body: bytes, ctype: str = "application/json") -> Route:
    return lambda h: (200, {"Content-Type": ctype}, body)


def mirror(
    server: Server,
    cache: ResponseCache,
    prefix: str = "/npm/",
    *,
    tarballs: dict[str, bytes] | None = None,
) -> str:
    """Serve every recorded document from ``server`` under ``prefix``, its tarball URLs
    pointing there too; the recorded tarball listings go into ``cache`` under those URLs,
    except the tarballs named in ``tarballs``, which the server serves (file name -> bytes).
    Returns the registry URL."""
    base = server.url + prefix
    tarballs = tarballs or {}
    for doc in recorded():
        url = base + doc["url"].removeprefix(NPMJS)
        body = doc["body"].replace(NPMJS, base).encode()
        path = url.removeprefix(server.url)
        if doc["accept"] != LISTING_ACCEPT:
            server.routes[path] = _ok(body)
        elif url.rsplit("/", 1)[1] in tarballs:
            server.routes[path] = _ok(tarballs[url.rsplit("/", 1)[1]], "application/octet-stream")
        else:
            cache.put(url, LISTING_ACCEPT, body)
    return base


def _http(config: NpmConfig, cache: ResponseCache, **kw: Any) -> NpmRegistry:
    kw.setdefault("retries", 0)
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 5.0)
    return NpmRegistry(config, cache=cache, **kw)


def _esbuild_tgz(npm_dir: Path) -> bytes:
    return (npm_dir / "dl" / "esbuild-linux-x64-0.28.2.tgz").read_bytes()


def test_served_registry_matches_the_offline_answers(
    tmp_path: Path, servers: Any, npm_dir: Path, offline: NpmRegistry
) -> None:
    """The HTTP path gives what the recorded answers give; the real esbuild tarball is
    streamed, hashed against its integrity and listed like the recorder listed it."""
    server = servers()
    cache = ResponseCache(tmp_path / "npm", name="npm")
    tgz = "linux-x64-0.28.2.tgz"
    base = mirror(server, cache, tarballs={tgz: _esbuild_tgz(npm_dir)})
    registry = _http(NpmConfig(registry=base), cache)
    got, _, _ = check(NATIVE_MIX, registry)
    want, _, _ = check(NATIVE_MIX, offline)
    assert {n: (r.status, r.reasons, r.fixes, r.musl_version) for n, r in got.items()} == {
        n: (r.status, r.reasons, r.fixes, r.musl_version) for n, r in want.items()
    }
    assert f"/npm/@esbuild/linux-x64/-/{tgz}" in [p for p, _ in server.seen]
    listing = cache.get(f"{base}@esbuild/linux-x64/-/{tgz}", LISTING_ACCEPT)
    assert listing is not None
    assert json.loads(listing.body)["elf_files"] == [["bin/esbuild", "none"]]
    assert all("Authorization" not in h for _, h in server.seen)
    # everything it needed is cached now: offline again, no request
    again = NpmRegistry(NpmConfig(registry=base), cache=cache, offline=True)
    assert verdicts(check(NATIVE_MIX, again)[0]) == verdicts(want)
    assert again.requests == 0


def test_registry_failures_keep_partial_results(tmp_path: Path, servers: Any) -> None:
    server = servers()
    cache = ResponseCache(tmp_path / "npm", name="npm")
    base = mirror(server, cache)

    def hang(h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        server.release.wait(10)
        return 200, {}, b"{}"

    server.routes["/npm/utf-8-validate/6.0.5"] = hang
    server.routes["/npm/better-sqlite3/12.4.1"] = lambda h: (500, {}, b"")
    server.routes["/npm/bufferutil/4.0.9"] = lambda h: (401, {}, b"")
    registry = _http(NpmConfig(registry=base), cache, timeout=0.5)
    start = time.monotonic()
    got, _, _ = check(NATIVE_MIX, registry)
    assert time.monotonic() - start < 5
    for name, version, error in (
        ("utf-8-validate", "6.0.5", r"cannot reach {url} \(timed out\) after 1 attempts"),
        (
            "better-sqlite3",
            "12.4.1",
            r"{url}: HTTP 500 Internal Server Error after 1 "
            r"attempts",
        ),
        (
            "bufferutil",
            "4.0.9",
            r"{url}: access denied \(HTTP 401\); put a token in "
            r"\.npmrc \(//HOST/:_authToken=\$\{{NPM_TOKEN\}}\)",
        ),
    ):
        row = got[name]
        assert row.status is DepStatus.UNKNOWN, row
        url = re.escape(f"{base}{name}/{version}")
        assert re.fullmatch(
            f"could not check: {name}@{version}: " + error.format(url=url), row.reasons[0]
        ), row.reasons[0]
        assert "\n" not in said(row)
    # the rest is judged as with every answer
    assert verdicts(got)["oxc-parser"] == (DepStatus.UPGRADE, "0.4.0")
    assert verdicts(got)["@biomejs/biome"] == (DepStatus.UPGRADE, "1.5.0")
    assert got["esbuild"].status is DepStatus.PORTABLE
    assert got["left-pad"].status is DepStatus.PORTABLE
    assert len(got) == 45


def test_tarball_not_matching_its_integrity(tmp_path: Path, servers: Any, npm_dir: Path) -> None:
    """bufferutil's tarball URL answers with real bytes of another package (esbuild's):
    a valid tarball, listed to the end, then refused by the hash."""
    server = servers()
    cache = ResponseCache(tmp_path / "npm", name="npm")
    tgz = _esbuild_tgz(npm_dir)
    base = mirror(
        server, cache, tarballs={"bufferutil-4.0.9.tgz": tgz, "linux-x64-0.28.2.tgz": tgz}
    )
    got, _, _ = check(NATIVE_MIX, _http(NpmConfig(registry=base), cache))
    row = got["bufferutil"]
    url = f"{base}bufferutil/-/bufferutil-4.0.9.tgz"
    assert row.status is DepStatus.UNKNOWN
    assert row.reasons == (
        f"node-gyp-build: its prebuilds could not be listed (bufferutil@4.0.9: "
        f"tarball {url} does not match its integrity sha512-WDtdLmJvAuNNPzBy…)",
    )
    assert row.fixes == ("run again online to list them",)
    assert cache.get(url, LISTING_ACCEPT) is None  # a refused listing is not cached
    # the same bytes under their own integrity are fine
    assert got["esbuild"].status is DepStatus.PORTABLE
    assert "checked in its tarball" in got["esbuild"].reasons[0]
    assert cache.get(f"{base}@esbuild/linux-x64/-/linux-x64-0.28.2.tgz", LISTING_ACCEPT)


# -- .npmrc ------------------------------------------------------------------------------------


def test_npmrc_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    (home / ".npmrc").write_text(
        "; user settings\n"
        "registry=https://registry.npmjs.org/\n"
        "@acme:registry=https://npm.acme.example/\n"
        "//npm.acme.example/:_authToken=${NPM_TOKEN}\n"
        "//unused.example/:_authToken=${NOT_SET_ANYWHERE}\n"
    )
    (project / ".npmrc").write_text(
        "# the project's wins\n"
        'registry = "https://mirror.example/npm"\n'
        "@acme:registry=https://npm.acme.example/private\n"
        "//npm.acme.example/private/:_authToken=${NPM_TOKEN}-private\n"
    )
    monkeypatch.setenv("NPM_TOKEN", TOKEN)
    cfg = read_npmrc(project, home=home)
    assert cfg.registry == "https://mirror.example/npm/"
    assert cfg.registry_for("left-pad") == "https://mirror.example/npm/"
    assert cfg.registry_for("@acme/widget") == "https://npm.acme.example/private/"
    assert cfg.registry_for("@other/widget") == "https://mirror.example/npm/"
    assert cfg.token_for("https://npm.acme.example/private/@acme%2fwidget") == f"{TOKEN}-private"
    assert cfg.token_for("https://npm.acme.example/@acme%2fwidget") == TOKEN
    assert cfg.token_for("https://mirror.example/npm/left-pad") is None
    assert cfg.token_for("https://unused.example/x") is None  # ${VAR} unset: no token
    assert read_npmrc(None, home=home).registry == "https://registry.npmjs.org/"
    assert (
        read_npmrc(project, home=home, registry="http://cli.example").registry
        == "http://cli.example/"
    )
    assert read_npmrc(tmp_path / "nowhere", home=tmp_path / "nobody") == NpmConfig()


def test_npmrc_token_goes_to_its_registry_only(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch, offline: NpmRegistry
) -> None:
    public, private = servers(), servers()
    cache = ResponseCache(tmp_path / "npm", name="npm")
    mirror(public, cache)
    mirror(private, cache)
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    host = private.url.removeprefix("http://")
    (home / ".npmrc").write_text(f"//{host}/npm/:_authToken=${{NPM_TOKEN}}\n")
    (project / ".npmrc").write_text(
        f"registry={public.url}/npm/\n@biomejs:registry={private.url}/npm/\n"
    )
    monkeypatch.setenv("NPM_TOKEN", TOKEN)
    registry = _http(read_npmrc(project, home=home), cache)
    got, _, _ = check(NATIVE_MIX, registry)
    assert verdicts(got) == verdicts(check(NATIVE_MIX, offline)[0])
    assert private.seen and all(p.startswith("/npm/@biomejs") for p, _ in private.seen)
    assert all(h.get("Authorization") == f"Bearer {TOKEN}" for _, h in private.seen)
    assert public.seen and not any("biomejs" in p for p, _ in public.seen)
    assert not any("Authorization" in h for _, h in public.seen)
    files = [p for p in (tmp_path / "npm").rglob("*") if p.is_file()]
    assert len(files) > 20
    for f in files:
        assert TOKEN.encode() not in f.read_bytes(), f


def test_npmrc_token_key_is_matched_by_path_segment(
    tmp_path: Path, servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """npm-registry-fetch (lib/auth.js regKeyFromURI) walks the URL up one segment at a
    time ("can be either //host/some/path/:_auth or //host/some/path:_auth"): the key
    ``//host/private`` covers ``/private/...``, never ``/private-mirror/...``."""
    server = servers()
    cache = ResponseCache(tmp_path / "npm", name="npm")
    base = mirror(server, cache, "/private-mirror/")
    host = server.url.removeprefix("http://")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".npmrc").write_text(
        f"registry={base}\n//{host}/private:_authToken=${{NPM_TOKEN}}\n"
    )
    monkeypatch.setenv("NPM_TOKEN", TOKEN)
    registry = _http(read_npmrc(project, home=tmp_path / "nohome"), cache)
    assert registry.version("bufferutil", "4.0.9").name == "bufferutil"
    assert [p for p, _ in server.seen] == ["/private-mirror/bufferutil/4.0.9"]
    assert "Authorization" not in server.seen[0][1]


# -- the CLI -----------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", "deps", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _json_report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(out.read_text())
    jsonschema.validate(data, schema("deps-v3.json"))
    return data


def test_cli_json_exit_codes_and_table(tmp_path: Path, cache_dir: Path) -> None:
    common = ["--offline", "--cache-dir", str(cache_dir)]
    out = tmp_path / "r.json"
    r = cli(str(NATIVE_MIX.parent), *common, "--format", "json", "-o", str(out))
    assert r.returncode == EXIT_OK, r.stderr
    data = _json_report(out)
    assert [i["kind"] for i in data["inputs"]] == ["package-lock"]
    pkgs = {p["name"]: p for p in data["packages"]}
    assert all(p["ecosystem"] == "node" for p in pkgs.values())
    assert {
        n: (p["status"], p["musl_version"]) for n, p in pkgs.items() if p["status"] != "portable"
    } == {
        "oxc-parser": ("upgrade", "0.4.0"),
        "@biomejs/biome": ("upgrade", "1.5.0"),
        "bufferutil": ("musl-build", None),
        "utf-8-validate": ("musl-build", None),
        "better-sqlite3": ("downloads-at-install", None),
    }
    assert pkgs["oxc-parser"]["source"] == f"{NATIVE_MIX}:800"
    assert data["summary"]["failed"] is False and data["summary"]["packages"] == 45

    r = cli(str(NATIVE_MIX), *common, "--fail-on", "upgrade")
    assert r.returncode == EXIT_FINDINGS, r.stderr
    text = r.stdout
    assert text.splitlines()[1].startswith("target: Node, x86_64, musl ")  # (no CPython)
    assert "Slow builds" not in text  # (bufferutil's prebuild loads on musl)
    titles = (
        "Upgrades -- a newer version has a musl build (2):",
        "Unverifiable -- binary downloaded at install time (1):",
        "Fine -- ",
    )
    assert "(42: 2 musl-build, 40 portable)" in text
    assert [text.index(t) for t in titles] == sorted(text.index(t) for t in titles)
    assert "  oxc-parser 0.2.0 -> 0.4.0  [" in text
    assert "  @biomejs/biome 1.0.0 -> 1.5.0  [" in text
    assert "Blockers" not in text and "Not checked" not in text
    assert text.rstrip().endswith("FAIL: 3 package(s) at or above upgrade")


def test_cli_older_alpine_and_no_dev(tmp_path: Path, cache_dir: Path) -> None:
    common = ["--offline", "--cache-dir", str(cache_dir), "--format", "json"]
    out = tmp_path / "old.json"
    r = cli(str(NPM_V3), *common, "--alpine", "3.17", "-o", str(out))
    assert r.returncode == EXIT_FINDINGS, r.stderr
    data = _json_report(out)
    assert data["platform"]["musl"] == "1.2.3" and data["platform"]["alpine"] == "3.17"
    failing = [p for p in data["packages"] if p["status"] == "unavailable"]
    assert [p["name"] for p in failing] == ["sharp"]
    assert "needs musl >=1.2.5" in failing[0]["reasons"][0]

    dev, prod = tmp_path / "dev.json", tmp_path / "prod.json"
    gate = ["--fail-on", "builds-from-source"]
    # (bufferutil's untagged prebuild loads on musl: nothing of these fails any more)
    assert cli(str(DEV_DEPS), *common, *gate, "-o", str(dev)).returncode == EXIT_OK
    assert cli(str(DEV_DEPS), *common, *gate, "--no-dev", "-o", str(prod)).returncode == EXIT_OK
    with_dev = {p["name"]: p for p in _json_report(dev)["packages"]}
    assert with_dev["bufferutil"]["status"] == "musl-build"
    assert with_dev["bufferutil"]["reasons"][0] == (
        "dev dependency (not installed by npm ci --omit=dev)"
    )
    assert with_dev["utf-8-validate"]["status"] == "musl-build"
    no_dev = _json_report(prod)
    assert sorted(p["name"] for p in no_dev["packages"]) == [
        "left-pad",
        "node-gyp-build",
        "utf-8-validate",
    ]
    assert "1 dev dependencies left out (--no-dev)" in no_dev["inputs"][0]["notes"]


def test_run_include_dev(cache_dir: Path) -> None:
    report: DepsReport = run(DepsOptions(str(DEV_DEPS), offline=True, cache_dir=cache_dir))
    assert set(by_name(report.packages)) == {
        "bufferutil",
        "left-pad",
        "node-gyp-build",
        "utf-8-validate",
    }
    lean = run(DepsOptions(str(DEV_DEPS), offline=True, cache_dir=cache_dir, include_dev=False))
    assert "bufferutil" not in by_name(lean.packages)


# -- the real registry -------------------------------------------------------------------------


@pytest.mark.online
def test_real_registry(tmp_path: Path, offline: NpmRegistry) -> None:
    cache = ResponseCache(tmp_path / "npm", name="npm")
    registry = NpmRegistry(cache=cache, retries=2)
    got, _, _ = check(NATIVE_MIX, registry)
    want, _, _ = check(NATIVE_MIX, offline)
    assert verdicts(got) == verdicts(want)
    assert got["@biomejs/biome"].reasons[0] == want["@biomejs/biome"].reasons[0]
    assert got["bufferutil"].reasons == want["bufferutil"].reasons
    assert 0 < registry.requests < 40
    again = NpmRegistry(cache=cache, offline=True)
    assert verdicts(check(NATIVE_MIX, again)[0]) == verdicts(want) and again.requests == 0


# -- regressions found on real projects (npm 11.19.1 lockfiles, registry documents trimmed) --

# Entries of real package-lock.json files (v3; integrity/engines/bin left out)
REAL_ENTRIES: dict[str, dict[str, Any]] = {
    "node_modules/msgpackr-extract": {
        "version": "3.0.7",
        "hasInstallScript": True,
        "optionalDependencies": {
            "@msgpackr-extract/msgpackr-extract-darwin-arm64": "3.0.7",
            "@msgpackr-extract/msgpackr-extract-linux-arm64": "3.0.7",
            "@msgpackr-extract/msgpackr-extract-linux-x64": "3.0.7",
        },
    },
    "node_modules/@msgpackr-extract/msgpackr-extract-linux-x64": {
        "version": "3.0.7",
        "cpu": ["x64"],
        "optional": True,
        "os": ["linux"],
    },
    "node_modules/turbo": {
        "version": "2.11.11",
        "optionalDependencies": {
            "@turbo/darwin-arm64": "2.11.11",
            "@turbo/linux-64": "2.11.11",
            "@turbo/linux-arm64": "2.11.11",
        },
    },
    "node_modules/@turbo/linux-64": {
        "version": "2.11.11",
        "cpu": ["x64"],
        "optional": True,
        "os": ["android", "linux"],
    },
    "node_modules/@turbo/linux-arm64": {
        "version": "2.11.11",
        "cpu": ["arm64"],
        "optional": True,
        "os": ["android", "linux"],
    },
    "node_modules/@sentry/cli": {
        "version": "2.58.6",
        "hasInstallScript": True,
        "optionalDependencies": {
            "@sentry/cli-linux-arm64": "2.58.6",
            "@sentry/cli-linux-i686": "2.58.6",
            "@sentry/cli-linux-x64": "2.58.6",
        },
    },
    "node_modules/@sentry/cli-linux-x64": {
        "version": "2.58.6",
        "cpu": ["x64"],
        "optional": True,
        "os": ["linux", "freebsd", "android"],
    },
    "node_modules/@sentry/cli-linux-i686": {
        "version": "2.58.6",
        "cpu": ["x86", "ia32"],
        "optional": True,
        "os": ["linux", "freebsd", "android"],
    },
    "node_modules/@parcel/watcher": {
        "version": "2.6.0",
        "hasInstallScript": True,
        "optionalDependencies": {
            "@parcel/watcher-linux-x64-glibc": "2.6.0",
            "@parcel/watcher-linux-x64-musl": "2.6.0",
        },
    },
    "node_modules/@parcel/watcher-linux-x64-glibc": {
        "version": "2.6.0",
        "cpu": ["x64"],
        "libc": ["glibc"],
        "optional": True,
        "os": ["linux"],
    },
    "node_modules/@parcel/watcher-linux-x64-musl": {
        "version": "2.6.0",
        "cpu": ["x64"],
        "libc": ["musl"],
        "optional": True,
        "os": ["linux"],
    },
    "node_modules/esbuild": {
        "version": "0.20.2",
        "hasInstallScript": True,
        "optionalDependencies": {"@esbuild/darwin-arm64": "0.20.2", "@esbuild/linux-x64": "0.20.2"},
    },
    "node_modules/@esbuild/linux-x64": {
        "version": "0.20.2",
        "cpu": ["x64"],
        "optional": True,
        "os": ["linux"],
    },
    "node_modules/vite/node_modules/esbuild": {
        "version": "0.21.5",
        "dev": True,
        "hasInstallScript": True,
        "optionalDependencies": {"@esbuild/darwin-arm64": "0.21.5", "@esbuild/linux-x64": "0.21.5"},
    },
    "node_modules/vite/node_modules/@esbuild/linux-x64": {
        "version": "0.21.5",
        "cpu": ["x64"],
        "dev": True,
        "optional": True,
        "os": ["linux"],
    },
    "node_modules/@nestjs/core": {"version": "10.4.22", "hasInstallScript": True},
}

# Their registry documents (registry.npmjs.org/NAME/VERSION; only the fields read)
REAL_DOCS: list[dict[str, Any]] = [
    {
        "name": "msgpackr-extract",
        "version": "3.0.7",
        "scripts": {"install": "node-gyp-build-optional-packages"},
        "optionalDependencies": {
            "@msgpackr-extract/msgpackr-extract-darwin-arm64": "3.0.7",
            "@msgpackr-extract/msgpackr-extract-linux-arm64": "3.0.7",
            "@msgpackr-extract/msgpackr-extract-linux-x64": "3.0.7",
        },
    },
    {
        "name": "@msgpackr-extract/msgpackr-extract-linux-x64",
        "version": "3.0.7",
        "os": ["linux"],
        "cpu": ["x64"],
    },
    {
        "name": "turbo",
        "version": "2.11.11",
        "scripts": {},
        "optionalDependencies": {
            "@turbo/darwin-arm64": "2.11.11",
            "@turbo/linux-64": "2.11.11",
            "@turbo/linux-arm64": "2.11.11",
        },
    },
    {"name": "@turbo/linux-64", "version": "2.11.11", "os": ["android", "linux"], "cpu": ["x64"]},
    {
        "name": "@sentry/cli",
        "version": "2.58.6",
        "scripts": {"postinstall": "node ./scripts/install.js"},
        "optionalDependencies": {
            "@sentry/cli-linux-arm64": "2.58.6",
            "@sentry/cli-linux-i686": "2.58.6",
            "@sentry/cli-linux-x64": "2.58.6",
        },
    },
    {
        "name": "@sentry/cli-linux-x64",
        "version": "2.58.6",
        "os": ["linux", "freebsd", "android"],
        "cpu": ["x64"],
    },
    {
        "name": "@parcel/watcher",
        "version": "2.6.0",
        "scripts": {"install": "node scripts/build-from-source.js"},
        "optionalDependencies": {
            "@parcel/watcher-linux-x64-glibc": "2.6.0",
            "@parcel/watcher-linux-x64-musl": "2.6.0",
        },
    },
    {
        "name": "@parcel/watcher-linux-x64-musl",
        "version": "2.6.0",
        "os": ["linux"],
        "cpu": ["x64"],
        "libc": ["musl"],
    },
    {
        "name": "esbuild",
        "version": "0.20.2",
        "scripts": {"postinstall": "node install.js"},
        "optionalDependencies": {"@esbuild/darwin-arm64": "0.20.2", "@esbuild/linux-x64": "0.20.2"},
    },
    {
        "name": "esbuild",
        "version": "0.21.5",
        "scripts": {"postinstall": "node install.js"},
        "optionalDependencies": {"@esbuild/darwin-arm64": "0.21.5", "@esbuild/linux-x64": "0.21.5"},
    },
    {"name": "@esbuild/linux-x64", "version": "0.20.2", "os": ["linux"], "cpu": ["x64"]},
    {"name": "@esbuild/linux-x64", "version": "0.21.5", "os": ["linux"], "cpu": ["x64"]},
    {
        "name": "@nestjs/core",
        "version": "10.4.22",
        "scripts": {"postinstall": "opencollective || exit 0"},
    },
]

# The ELF files of the platform tarballs (libc read from their headers)
REAL_ELF = {
    "@msgpackr-extract/msgpackr-extract-linux-x64": (
        ("node.abi115.glibc.node", "glibc"),
        ("node.abi115.musl.node", "musl"),
        ("node.napi.glibc.node", "glibc"),
        ("node.napi.musl.node", "musl"),
    ),
    "@turbo/linux-64": (("bin/turbo", "none"),),
    "@sentry/cli-linux-x64": (("bin/sentry-cli", "none"),),
    "@esbuild/linux-x64": (("bin/esbuild", "none"),),
}


class _Docs:
    """The registry calls check_node makes, answered from REAL_DOCS / REAL_ELF."""

    def __init__(self) -> None:
        self.docs = {
            (d["name"], d["version"]): parse_version_doc(
                {**d, "dist": {"tarball": f"{NPMJS}{d['name']}.tgz"}}, d["name"]
            )
            for d in REAL_DOCS
        }

    def versions_many(self, pairs: Any) -> dict[tuple[str, str], Any]:
        return {p: self.docs[p] for p in pairs if p in self.docs}

    def version(self, name: str, version: str) -> Any:
        from alpine_ready.deps.cache import IndexUnavailable

        if (name, version) not in self.docs:
            raise IndexUnavailable(f"{name}@{version}: not recorded")
        return self.docs[(name, version)]

    def packument(self, name: str) -> dict[str, Any]:
        return {v: d for (n, v), d in self.docs.items() if n == name}

    def listing(self, meta: Any) -> Any:
        from alpine_ready.deps.npm_registry import TarballListing

        elf = REAL_ELF.get(meta.name, ())
        return TarballListing(meta.name, meta.version, (), 0, elf)


def test_real_platform_package_conventions(tmp_path: Path) -> None:
    lock = tmp_path / "package-lock.json"
    lock.write_text(
        json.dumps(
            {
                "name": "app",
                "lockfileVersion": 3,
                "requires": True,
                "packages": {"": {"name": "app"}, **REAL_ENTRIES},
            },
            indent=2,
        )
    )
    rows, _ = check_node(parse_node_input(lock), NodeTarget(), _Docs())  # type: ignore[arg-type]
    got = {(r.name, r.version): r for r in rows}
    status = {k: r.status for k, r in got.items()}
    # one package shipping node.napi.glibc.node and node.napi.musl.node: not glibc-only
    msgpackr = got[("msgpackr-extract", "3.0.7")]
    assert msgpackr.status is DepStatus.MUSL_BUILD, msgpackr
    assert "both a glibc and a musl binary" in said(msgpackr)
    assert "compiles" not in said(msgpackr)
    # Go's "linux-64" and sentry's "linux-i686" name the CPU: one group with the x64 build
    assert status[("turbo", "2.11.11")] is DepStatus.PORTABLE, got[("turbo", "2.11.11")]
    assert status[("@sentry/cli", "2.58.6")] is DepStatus.PORTABLE
    assert not any(s is DepStatus.UNAVAILABLE for s in status.values())
    # -linux-x64-glibc and -linux-x64-musl are one group: musl wins
    watcher = got[("@parcel/watcher", "2.6.0")]
    assert watcher.status is DepStatus.MUSL_BUILD and "only glibc" not in said(watcher)
    # esbuild 0.21.5 under vite has its own @esbuild/linux-x64: judged, not "unknown"
    for v in ("0.20.2", "0.21.5"):
        esb = got[("esbuild", v)]
        assert esb.status is DepStatus.PORTABLE, esb
        assert f"@esbuild/linux-x64 {v}: one Linux x64 build, static" in said(esb)
    # a funding notice is no native build
    nest = got[("@nestjs/core", "10.4.22")]
    assert nest.status is DepStatus.PORTABLE and "opencollective" in said(nest)


def test_node_pre_gyp_fallback_to_build_says_it_compiles(tmp_path: Path) -> None:
    """bcrypt 5.1.1: `node-pre-gyp install --fallback-to-build` compiles when the download
    finds no linuxmusl build: the row must give the node-gyp toolchain too."""
    doc = {
        "name": "bcrypt",
        "version": "5.1.1",
        "scripts": {"install": "node-pre-gyp install --fallback-to-build"},
        "dependencies": {"@mapbox/node-pre-gyp": "^1.0.11", "node-addon-api": "^5.0.0"},
        "binary": {
            "module_name": "bcrypt_lib",
            "host": "https://github.com",
            "remote_path": "kelektiv/node.bcrypt.js/releases/download/v{version}",
        },
        "dist": {"tarball": f"{NPMJS}bcrypt/-/bcrypt-5.1.1.tgz"},
    }
    docs = _Docs()
    docs.docs[("bcrypt", "5.1.1")] = parse_version_doc(doc, "bcrypt")
    lock = tmp_path / "package-lock.json"
    lock.write_text(
        json.dumps(
            {
                "name": "app",
                "lockfileVersion": 3,
                "packages": {
                    "": {"name": "app"},
                    "node_modules/bcrypt": {"version": "5.1.1", "hasInstallScript": True},
                },
            }
        )
    )
    [row], _ = check_node(parse_node_input(lock), NodeTarget(), docs)  # type: ignore[arg-type]
    assert row.status is DepStatus.DOWNLOADS_AT_INSTALL
    assert "compiles with node-gyp" in said(row)
    assert NODE_BUILD_FIX in row.fixes


def test_installed_musl_platform_build_outranks_the_parents_binding_gyp() -> None:
    """A yarn-installed @parcel/watcher 2.6.0: -linux-x64-musl installed, and the parent's
    binding.gyp (compiled only when no platform package fits) once made it "builds from
    source"."""
    from alpine_ready.deps.node_check import _merge

    group = PackageResult(
        "node",
        "@parcel/watcher",
        "2.6.0",
        DepStatus.MUSL_BUILD,
        ("@parcel/watcher-linux-x64-musl 2.6.0 (musl, x64) is installed",),
        (),
        None,
        "node_modules/@parcel/watcher/package.json",
        True,
    )
    own = PackageResult(
        "node",
        "@parcel/watcher",
        "2.6.0",
        DepStatus.BUILDS_FROM_SOURCE,
        ("compiles a native addon at install time (`node scripts/build-from-source.js`)",),
        (NODE_BUILD_FIX,),
        None,
        "node_modules/@parcel/watcher/package.json",
        True,
    )
    row = _merge(group, own)
    assert row.status is DepStatus.MUSL_BUILD and NODE_BUILD_FIX not in row.fixes
    assert "only when none of its platform packages fits" in said(row)
    glibc = PackageResult(
        "node",
        "@parcel/watcher",
        "2.6.0",
        DepStatus.GLIBC_ONLY,
        ("only the glibc build is installed here",),
        ("npm ci there",),
        None,
        "x",
        True,
    )
    assert _merge(glibc, own).status is DepStatus.GLIBC_ONLY


@pytest.mark.online
def test_known_install_time_downloads(tmp_path: Path) -> None:
    """puppeteer and prisma fetch glibc binaries at install time: the fix says what to do."""
    lock = tmp_path / "package-lock.json"
    lock.write_text(
        json.dumps(
            {
                "name": "pp",
                "lockfileVersion": 3,
                "requires": True,
                "packages": {
                    "": {"name": "pp", "dependencies": {"puppeteer": "24.0.0", "prisma": "6.0.0"}},
                    "node_modules/puppeteer": {"version": "24.0.0", "hasInstallScript": True},
                    "node_modules/prisma": {"version": "6.0.0", "hasInstallScript": True},
                },
            }
        )
    )
    registry = NpmRegistry(cache=ResponseCache(tmp_path / "npm", name="npm"))
    rows, _notes = check_node(parse_node_input(lock), NodeTarget(), registry)
    by = {r.name: r for r in rows}
    assert by["puppeteer"].status is DepStatus.DOWNLOADS_AT_INSTALL
    assert "PUPPETEER_SKIP_DOWNLOAD=1" in by["puppeteer"].fixes[0]
    assert "linux-musl-openssl-3.0.x" in by["prisma"].fixes[0]
