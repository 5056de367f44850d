"""Installed ``node_modules`` judged as Node's own loaders pick files on Alpine x86_64.

The trees are the real npm installs of ``tests/data/node-trees`` (``tools/fixtures.py
node_trees``: ``npm ci --ignore-scripts --os=linux --cpu=x64 --libc=musl``, and
``--libc=glibc``), holding every prebuild the packages ship: darwin, win32, android and
Linux ARM builds, a glibc file beside a musl one, one file per Node ABI.  The lockfile
npm wrote for them is checked offline against the registry answers recorded with it
(``tools/record_node_trees.py``), and each installed package's verdict is compared.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import fixtures as fx
from alpine_ready.analysis.report import Verdict
from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.check import native_verdicts
from alpine_ready.deps.installed import NativeFile, judge_node_modules, select_node_modules
from alpine_ready.deps.node_check import NativeVerdict, NodeTarget, check_node
from alpine_ready.deps.node_loaders import RUNTIMES, Target, parse_tags, pick_prebuild
from alpine_ready.deps.npm_registry import NpmRegistry
from alpine_ready.deps.report import DepStatus
from alpine_ready.deps.sources import parse_node_input
from alpine_ready.deps.sources.node_modules import scan_node_modules
from conftest import copy_tree

DATA = Path(__file__).parent / "data" / "node-trees"
NM = "node_modules"

#: what each package's loader picks on Alpine x86_64, Node 20 and 22 (in both trees)
EXPECTED = {
    "@datadog/pprof": (
        "node-gyp-build",
        (
            "prebuilds/linux-x64/dd_pprof.musl.node.abi115.node",
            "prebuilds/linux-x64/dd_pprof.musl.node.abi127.node",
        ),
    ),
    "@msgpackr-extract/msgpackr-extract-linux-x64": (
        "platform-package",
        ("node.abi115.musl.node", "node.napi.musl.node"),
    ),
    "bufferutil": ("node-gyp-build", ("prebuilds/linux-x64/bufferutil.node",)),
    "classic-level": ("node-gyp-build", ("prebuilds/linux-x64/classic-level.musl.node",)),
    "leveldown": ("node-gyp-build", ("prebuilds/linux-x64/node.napi.musl.node",)),
    "node-pty": ("node-gyp-build", ()),  # darwin and win32 prebuilds only
    "usb": ("node-gyp-build", ("prebuilds/linux-x64/node.napi.musl.node",)),
    "utf-8-validate": ("node-gyp-build", ("prebuilds/linux-x64/utf-8-validate.musl.node",)),
}

#: where the lockfile check (node_check, another module) and the installed tree disagree,
#: and why the installed answer is the right one
LOCKFILE_DIFFERS: dict[str, tuple[DepStatus, DepStatus]] = {}  # none: both engines agree
#: only in the glibc tree: npm installed the glibc platform package, not the musl one
GLIBC_TREE_ONLY = {"sharp": DepStatus.GLIBC_ONLY, "@parcel/watcher": DepStatus.GLIBC_ONLY}


@pytest.fixture(scope="module")
def trees() -> Path:
    return fx.node_trees()


@pytest.fixture(scope="module")
def lockfile_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DepStatus]:
    cache = ResponseCache(tmp_path_factory.mktemp("npm-cache") / "npm", name="npm")
    for f in sorted((DATA / "npm").glob("*.json")):
        doc = json.loads(f.read_text())
        cache.put(doc["url"], doc["accept"], doc["body"].encode(), doc["headers"])
    registry = NpmRegistry(cache=cache, offline=True)
    rows, _ = check_node(parse_node_input(DATA / "package-lock.json"), NodeTarget(), registry)
    return {r.name: r.status for r in rows}


def to_native(found: dict[str, tuple[NativeFile, ...]]) -> dict[str, tuple[NativeVerdict, ...]]:
    """What deps.check hands the Node check."""
    return native_verdicts(found)


def installed_rows(tree: Path) -> dict[str, DepStatus]:
    inp = scan_node_modules(tree)
    native = to_native(judge_node_modules(tree, inp.packages))
    rows, _ = check_node(inp, NodeTarget(), None, native=native)
    return {r.name: r.status for r in rows}


@pytest.mark.parametrize("variant", ["musl", "gnu"])
def test_loaders_pick_the_alpine_file(trees: Path, variant: str) -> None:
    tree = trees / variant
    sel = select_node_modules(tree, scan_node_modules(tree).packages)
    for name, (loader, files) in EXPECTED.items():
        got = sel[f"{NM}/{name}"]
        assert got.loader == loader, name
        assert got.selected == tuple(f"{NM}/{name}/{f}" for f in files), name
    # every prebuild for another OS, CPU, libc or ABI is listed as not selected
    for name in ("leveldown", "usb", "classic-level", "@datadog/pprof", "node-pty"):
        got = sel[f"{NM}/{name}"]
        rest = [f.split("/prebuilds/")[1] for f in got.not_selected]
        assert rest and not set(rest) & {f.split("/prebuilds/")[1] for f in got.selected}
        for folder in ("darwin-", "win32-", "android-", "linux-arm"):
            assert all(folder not in f for f in got.selected), (name, folder)
    assert f"{NM}/leveldown/prebuilds/linux-x64/node.napi.glibc.node" in (
        sel[f"{NM}/leveldown"].not_selected
    )
    assert len(sel[f"{NM}/@datadog/pprof"].not_selected) == 61  # 63 prebuilds, 2 picked


def test_only_selected_files_are_judged(trees: Path) -> None:
    tree = trees / "musl"
    found = judge_node_modules(tree, scan_node_modules(tree).packages)
    judged = {f.path for files in found.values() for f in files}
    assert not [p for p in judged if "darwin" in p or "win32" in p or ".glibc." in p]
    assert not [p for p in judged if "linux-arm" in p or "android" in p or "abi108" in p]
    leveldown = found[f"{NM}/leveldown"]
    assert [f.path for f in leveldown] == [
        f"{NM}/leveldown/prebuilds/linux-x64/node.napi.musl.node"
    ]
    assert leveldown[0].verdict in (Verdict.OK, Verdict.NEEDS_PACKAGES)
    assert f"{NM}/node-pty" not in found  # none of its files loads on Linux


def test_abi_specific_before_napi() -> None:
    files = ["node.abi115.glibc.node", "node.abi115.musl.node", "node.napi.glibc.node",
             "node.napi.musl.node", "node.napi.armv7.node", "electron.napi.musl.node"]  # fmt: skip
    node20, node22 = RUNTIMES
    assert pick_prebuild(files, Target(), node20) == "node.abi115.musl.node"
    assert pick_prebuild(files, Target(), node22) == "node.napi.musl.node"
    assert pick_prebuild(files, Target(libc="glibc"), node22) == "node.napi.glibc.node"
    assert pick_prebuild(["x.node.abi108.node", "x.node.abi111.node"], Target(), node20) is None
    tags = parse_tags("dd_pprof.musl.node.abi127.node")
    assert tags is not None and (tags.libc, tags.runtime, tags.abi, tags.specificity) == (
        "musl", "node", "127", 3
    )  # fmt: skip
    assert parse_tags("binding.so") is None


def test_local_build_and_node_pre_gyp_module_path(trees: Path, tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    for name in ("leveldown", "bcrypt"):
        copy_tree(trees / "musl" / NM / name, proj / NM / name)
    musl_addon = trees / "musl" / NM / "leveldown/prebuilds/linux-x64/node.napi.musl.node"
    glibc_addon = trees / "gnu" / NM / "@img/sharp-linux-x64/lib/sharp-linux-x64.node"
    # node-gyp-build: build/Release wins over every prebuild
    (proj / NM / "leveldown/build/Release").mkdir(parents=True)
    shutil.copy2(glibc_addon, proj / NM / "leveldown/build/Release/leveldown.node")
    # node-pre-gyp: only {module_path}/{module_name}.node is loaded (napi_versions [3])
    binding = proj / NM / "bcrypt/lib/binding"
    (binding / "napi-v3").mkdir(parents=True)
    shutil.copy2(musl_addon, binding / "napi-v3/bcrypt_lib.node")
    (binding / "napi-v9").mkdir()
    shutil.copy2(glibc_addon, binding / "napi-v9/bcrypt_lib.node")  # not its napi version
    packages = scan_node_modules(proj).packages
    sel = select_node_modules(proj, packages)
    assert sel[f"{NM}/leveldown"].selected == (f"{NM}/leveldown/build/Release/leveldown.node",)
    assert sel[f"{NM}/bcrypt"].loader == "node-pre-gyp"
    assert sel[f"{NM}/bcrypt"].selected == (f"{NM}/bcrypt/lib/binding/napi-v3/bcrypt_lib.node",)
    assert sel[f"{NM}/bcrypt"].not_selected == (f"{NM}/bcrypt/lib/binding/napi-v9/bcrypt_lib.node",)
    found = judge_node_modules(proj, packages)
    assert [f.path for f in found[f"{NM}/bcrypt"]] == [
        f"{NM}/bcrypt/lib/binding/napi-v3/bcrypt_lib.node"
    ]
    # the local glibc build is what loads: it does not load on musl, and npm ci on
    # Alpine (node-gyp-build's install test) compiles
    assert found[f"{NM}/leveldown"][0].verdict not in (Verdict.OK, Verdict.NEEDS_PACKAGES)
    rows, _ = check_node(scan_node_modules(proj), NodeTarget(), None, native=to_native(found))
    assert {r.name: r.status for r in rows}["leveldown"] is DepStatus.BUILDS_FROM_SOURCE


def test_platform_package_for_another_os_is_not_judged(tmp_path: Path) -> None:
    proj = copy_tree(fx.npm_foreign(), tmp_path / "proj")  # @rollup/rollup-freebsd-x64
    packages = scan_node_modules(proj).packages
    sel = select_node_modules(proj, packages)
    freebsd = sel[f"{NM}/@rollup/rollup-freebsd-x64"]
    assert not freebsd.platform_match and freebsd.selected == () and freebsd.not_selected
    assert judge_node_modules(proj, packages) == {}


@pytest.mark.parametrize("variant", ["musl", "gnu"])
def test_installed_tree_verdicts_equal_lockfile(
    trees: Path, variant: str, lockfile_rows: dict[str, DepStatus]
) -> None:
    installed = installed_rows(trees / variant)
    direct = json.loads((DATA / "package.json").read_text())["dependencies"]
    assert set(direct) <= set(installed)
    for name in direct:
        want = lockfile_rows[name]
        if name in LOCKFILE_DIFFERS:
            assert (want, installed[name]) == LOCKFILE_DIFFERS[name], name
        elif variant == "gnu" and name in GLIBC_TREE_ONLY:
            assert installed[name] is GLIBC_TREE_ONLY[name], name
        else:
            assert installed[name] is want, (name, want, installed[name])
    agree = sum(installed[n] is lockfile_rows[n] for n in direct)
    assert agree == len(direct) - len(LOCKFILE_DIFFERS) - (
        len(GLIBC_TREE_ONLY) if variant == "gnu" else 0
    )
