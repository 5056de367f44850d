"""The installed environment as a ``deps`` input, on real installs of real wheels and npm trees.

The Python environments are made by the venv's own pip (``pip install --target``,
offline, from the cached manylinux / musllinux wheel files of ``tools/fixtures.py``);
the Node trees are the cached real npm platform packages.  Every verdict is also checked
against ``alpine-ready scan`` on the same tree: the input must say what the scan says.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import fixtures as fx
from alpine_ready.analysis.report import Libc, Verdict
from alpine_ready.analysis.scan import ScanOptions, run
from alpine_ready.deps import installed as inst
from alpine_ready.deps.installed import (
    InstalledPython,
    classify_tags,
    find_site_packages,
    judge_node_modules,
    read_installed_python,
)
from alpine_ready.deps.sources.node_modules import scan_node_modules
from alpine_ready.errors import InputError
from conftest import copy_tree

# The worst verdict of each manylinux distribution on Alpine 3.23, as the engine (proven
# against the real musl loader by test_loader_differential) predicts it.  orjson's glibc
# build needs nothing musl lacks: musl's loader answers for libc.so.6 itself.
MANYLINUX_WORST = {
    "orjson": Verdict.OK,
    "pillow": Verdict.NEEDS_GCOMPAT,
    "psycopg2-binary": Verdict.INCOMPATIBLE,
    "pydantic-core": Verdict.NEEDS_GCOMPAT,
    "cryptography": Verdict.INCOMPATIBLE,
}
VERSIONS = {
    "orjson": "3.13.0",
    "pillow": "13.0.0",
    "psycopg2-binary": "2.9.13",
    "pydantic-core": "2.50.5",
    "cryptography": "50.0.2",
}


def pip_target(dest: Path, flavour: str) -> Path:
    """``pip install --target dest`` of the cached wheels of one flavour: offline, no deps."""
    wheels = fx.wheels() / "dl"
    files = [str(wheels / pins[flavour][0]) for pins in fx.WHEELS.values()]
    platforms = [a for p in fx.WHEEL_PLATFORMS[flavour] for a in ("--platform", p)]
    python = [a for k, v in fx.WHEEL_PYTHON.items() for a in (f"--{k}", v)]
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INPUT": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-index",
            "--no-compile",
            "--only-binary=:all:",
            *python,
            *platforms,
            "--target",
            str(dest),
            *files,
        ],
        check=True,
        env=env,
        timeout=120,
    )
    return dest


@pytest.fixture(scope="module")
def manylinux_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pip_target(tmp_path_factory.mktemp("many") / "target", "manylinux")


@pytest.fixture(scope="module")
def musllinux_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pip_target(tmp_path_factory.mktemp("musl") / "target", "musllinux")


def by_name(result: InstalledPython) -> dict[str, inst.InstalledDist]:
    return {d.name: d for d in result.dists}


def scan_verdicts(path: Path) -> dict[str, tuple[Libc, Verdict, str]]:
    report = run(ScanOptions(target=path, jobs=1))
    return {b.path: (b.libc, b.verdict, b.reasons[0]) for b in report.binaries}


def file_verdicts(result: InstalledPython) -> dict[str, tuple[Libc, Verdict, str]]:
    out = {}
    for d in result.dists:
        for f in d.elf_files:
            assert f.judged and f.libc and f.verdict and f.reason, f
            assert f.path not in out, f"{f.path} claimed twice"
            out[f.path] = (f.libc, f.verdict, f.reason)
    return out


# ------------------------------------------------------------------ wheel tags


@pytest.mark.parametrize(
    ("tags", "want"),
    [
        (["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"], "glibc"),
        (["cp312-cp312-musllinux_1_1_x86_64"], "musl"),
        (["py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64"], "musl"),  # one static binary
        (["py2-none-any", "py3-none-any"], "any"),
        (["cp311-cp311-linux_x86_64"], "other"),  # a local build: libc unknown
        (["cp312-cp312-macosx_11_0_arm64"], "other"),
        (["garbage", "a-b"], None),
        ([], None),
    ],
)
def test_classify_tags(tags: list[str], want: str | None) -> None:
    assert classify_tags(tags) == want


# ------------------------------------------------------------------ real pip installs


def test_manylinux_install_is_glibc_and_judged_like_scan(manylinux_target: Path) -> None:
    assert find_site_packages(manylinux_target) == [manylinux_target]  # a --target dir
    result = read_installed_python(manylinux_target)
    assert result.site_packages == (".",)
    assert result.against["alpine"] == "3.23" and result.notes == ()
    dists = by_name(result)
    assert set(dists) == set(MANYLINUX_WORST)
    for name, dist in dists.items():
        assert dist.version == VERSIONS[name]
        assert dist.dist_info.endswith(".dist-info") and dist.site_packages == "."
        assert dist.installer == "pip" and dist.notes == ()
        assert dist.wheel_tags and all("manylinux" in t for t in dist.wheel_tags)
        assert dist.libc_of_tags == "glibc"
        assert dist.elf_files, name
        assert {f.libc for f in dist.elf_files} == {Libc.GLIBC}, name
        assert any(f.kind == "python-extension" for f in dist.elf_files), name
        assert dist.worst is MANYLINUX_WORST[name], (name, dist.worst)
        if name != "orjson":
            assert any(
                f.verdict in (Verdict.NEEDS_GCOMPAT, Verdict.INCOMPATIBLE) for f in dist.elf_files
            ), name
    assert dists["pydantic-core"].wheel_tags == (
        "cp312-cp312-manylinux2014_x86_64",
        "cp312-cp312-manylinux_2_17_x86_64",
    )
    # every ELF file of the install belongs to one distribution, judged as `scan` judges it
    assert file_verdicts(result) == scan_verdicts(manylinux_target)


def test_musllinux_install_is_musl_and_ok(musllinux_target: Path) -> None:
    result = read_installed_python(musllinux_target)
    dists = by_name(result)
    assert set(dists) == set(MANYLINUX_WORST)
    for name, dist in dists.items():
        assert dist.version == VERSIONS[name]
        assert dist.libc_of_tags == "musl"
        assert all("musllinux" in t for t in dist.wheel_tags)
        assert dist.elf_files and {f.libc for f in dist.elf_files} == {Libc.MUSL}, name
        assert {f.verdict for f in dist.elf_files} == {Verdict.OK}, name
        assert dist.worst is Verdict.OK
    assert dists["pydantic-core"].wheel_tags == ("cp312-cp312-musllinux_1_1_x86_64",)
    assert file_verdicts(result) == scan_verdicts(musllinux_target)


def test_scan_elf_off_and_release_choice(musllinux_target: Path, tmp_path: Path) -> None:
    meta = read_installed_python(musllinux_target, scan_elf=False)
    assert len(meta.dists) == 5 and all(d.elf_files == () for d in meta.dists)
    assert meta.against == {}
    old = read_installed_python(musllinux_target, alpine="3.17")
    assert old.against["alpine"] == "3.17" and old.against["musl"] == "1.2.3"
    with pytest.raises(InputError):
        read_installed_python(musllinux_target, alpine="3.18")  # no musl 1.2.4 table
    with pytest.raises(InputError):
        read_installed_python(tmp_path / "missing")


# ------------------------------------------------------------------ layouts


def test_venv_layout_found_and_paths_relative_to_root(
    musllinux_target: Path, tmp_path: Path
) -> None:
    proj = tmp_path / "proj"
    site = proj / ".venv" / "lib" / "python3.12" / "site-packages"
    copy_tree(musllinux_target, site)
    (proj / ".venv" / "lib64").symlink_to("lib")  # as `python -m venv` makes it
    (proj / ".venv" / "bin").mkdir()
    (proj / "node_modules" / "x" / "site-packages").mkdir(parents=True)  # not entered
    (proj / ".git" / "site-packages").mkdir(parents=True)  # not entered
    vendored = proj / "src" / "pkg" / "_vendor" / "six-1.0.dist-info"  # inside a package
    vendored.mkdir(parents=True)
    (proj / "src" / "pkg" / "__init__.py").write_text("")
    assert find_site_packages(proj) == [site]

    result = read_installed_python(proj)
    prefix = ".venv/lib/python3.12/site-packages"
    assert result.site_packages == (prefix,)
    flat = read_installed_python(musllinux_target)
    assert [d.name for d in result.dists] == [d.name for d in flat.dists]
    for got, want in zip(result.dists, flat.dists, strict=True):
        assert got.dist_info == f"{prefix}/{want.dist_info}"
        assert got.site_packages == prefix
        assert [(f.path, f.verdict) for f in got.elf_files] == [
            (f"{prefix}/{f.path}", f.verdict) for f in want.elf_files
        ]


def test_rootfs_layouts(manylinux_target: Path, tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text("ID=debian\n")
    (root / "lib").mkdir()
    alpine = root / "usr" / "lib" / "python3.12" / "site-packages"
    debian = root / "usr" / "local" / "lib" / "python3.11" / "dist-packages"
    app = root / "opt" / "app" / ".venv" / "lib" / "python3.12" / "site-packages"
    for d in (alpine, debian, app, root / "proc" / "1" / "site-packages"):
        d.mkdir(parents=True)
    for src in manylinux_target.glob("orjson*"):
        shutil.copytree(src, alpine / src.name)
    assert find_site_packages(root) == sorted([alpine, app, debian])
    result = read_installed_python(root)
    (dist,) = result.dists
    assert dist.name == "orjson" and dist.site_packages == "usr/lib/python3.12/site-packages"
    (so,) = dist.elf_files
    assert so.path == (
        "usr/lib/python3.12/site-packages/orjson/orjson.cpython-312-x86_64-linux-gnu.so"
    )
    assert so.libc is Libc.GLIBC and so.verdict is Verdict.OK
    assert result.against["target_rootfs_has_musl"] is False  # scanned as a root filesystem


def test_egg_info_files_from_top_level(musllinux_target: Path, tmp_path: Path) -> None:
    """A distro-style egg-info (no file list): its modules are found by top_level.txt."""
    site = tmp_path / "dist-packages"
    (site / "fastjson").mkdir(parents=True)
    so = next(musllinux_target.glob("orjson/*.so"))
    shutil.copy(so, site / "fastjson" / "_speed.cpython-312-x86_64-linux-musl.so")
    shutil.copy(so, site / "_fastjson.cpython-312-x86_64-linux-musl.so")
    shutil.copy(so, site / "unrelated.cpython-312-x86_64-linux-musl.so")
    egg = site / "FastJSON-1.2.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.2\nName: FastJSON\nVersion: 1.2\n")
    (egg / "top_level.txt").write_text("_fastjson\nfastjson\n../etc\n")
    (site / "old-0.1.egg-info").write_text("Metadata-Version: 1.0\nName: old\nVersion: 0.1\n")
    result = read_installed_python(site)
    dists = by_name(result)
    fast = dists["fastjson"]
    assert fast.version == "1.2" and fast.libc_of_tags is None and fast.wheel_tags == ()
    assert [f.path for f in fast.elf_files] == [
        "_fastjson.cpython-312-x86_64-linux-musl.so",
        "fastjson/_speed.cpython-312-x86_64-linux-musl.so",
    ]
    assert all(f.libc is Libc.MUSL and f.verdict is Verdict.OK for f in fast.elf_files)
    assert any("top_level.txt" in n for n in fast.notes)
    assert dists["old"].version == "0.1" and dists["old"].elf_files == ()


# ------------------------------------------------------------------ hostile input


FAST = "mod/fast.cpython-312-x86_64-linux-musl.so"


def test_malformed_dist_infos_are_notes(musllinux_target: Path, tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    so = next(musllinux_target.glob("orjson/*.so"))
    (site / "mod").mkdir()
    shutil.copy(so, site / FAST)

    bare = site / "bare_pkg-1.0.dist-info"  # nothing in it
    bare.mkdir()
    garbage = site / "garbage-2.0.dist-info"
    garbage.mkdir()
    (garbage / "METADATA").write_bytes(b"\x00\xff\xfe binary junk\n\n")
    (garbage / "WHEEL").write_bytes(b"Wheel-Version: 1.0\nTag: not a tag\nTag: \xff\xfe-\n")
    (garbage / "RECORD").write_bytes(FAST.encode() + b',sha256=x,1\n"unterminated,\x00\n')
    huge = site / "huge-3.0.dist-info"
    huge.mkdir()
    for name, size in (("METADATA", 1 << 30), ("WHEEL", 1 << 20), ("RECORD", 1 << 30)):
        with (huge / name).open("wb") as fh:  # sparse: nothing is written to disk
            fh.truncate(size)
    escape = site / "escape-4.0.dist-info"
    escape.mkdir()
    (escape / "METADATA").write_text("Name: Escape\nVersion: 4.0\n")
    (escape / "RECORD").write_text(
        f"../../../../../etc/passwd,,\n/etc/passwd,,\n{FAST},,\nmod/missing.so,,\n"
        + "a/" * 3000
        + "deep.so,,\n"
    )

    result = read_installed_python(site)
    dists = by_name(result)
    assert set(dists) == {"bare-pkg", "garbage", "huge", "escape"}
    assert dists["bare-pkg"].version == "1.0"
    assert any("METADATA: missing" in n for n in dists["bare-pkg"].notes)
    assert any("RECORD: missing" in n for n in dists["bare-pkg"].notes)
    g = dists["garbage"]
    assert g.version == "2.0" and g.wheel_tags == () and g.libc_of_tags is None
    assert any("malformed Tag" in n for n in g.notes)
    assert any("RECORD: binary content" in n for n in g.notes)
    h = dists["huge"]
    assert (h.name, h.version, h.elf_files) == ("huge", "3.0", ())
    assert any("WHEEL: larger than" in n for n in h.notes)
    assert any("RECORD: larger than" in n for n in h.notes)
    e = dists["escape"]
    assert [f.path for f in e.elf_files] == [FAST]
    assert e.elf_files[0].verdict is Verdict.OK
    assert any("2 listed file(s) outside" in n for n in e.notes)


def test_symlinks_never_followed(musllinux_target: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "lib" / "python3.12" / "site-packages").mkdir(parents=True)
    shutil.copy(next(musllinux_target.glob("orjson/*.so")), outside / "evil.so")
    root = tmp_path / "root"
    site = root / "site-packages"
    copy_tree(musllinux_target, site)
    (root / "loop").mkdir()
    (root / "loop" / "self").symlink_to("..")  # a loop
    (root / "loop" / "me").symlink_to("me")  # a dangling self-reference
    (root / "venv").symlink_to(outside)  # a whole environment outside the root
    (site / "linkdir").symlink_to(outside)  # a RECORD path through a symlinked directory
    (site / "link.so").symlink_to(outside / "evil.so")  # a RECORD entry that is a symlink
    record = next(site.glob("orjson-*.dist-info")) / "RECORD"
    record.write_text(record.read_text() + "linkdir/evil.so,,\nlink.so,,\n")
    assert find_site_packages(root) == [site]
    result = read_installed_python(root)
    orjson = by_name(result)["orjson"]
    assert [f.path for f in orjson.elf_files] == [
        "site-packages/orjson/orjson.cpython-312-x86_64-linux-musl.so"
    ]


# ------------------------------------------------------------------ node_modules


def node_results(tree: Path) -> dict[str, dict[str, tuple[Libc | None, Verdict | None]]]:
    packages = scan_node_modules(tree).packages
    got = judge_node_modules(tree, packages)
    return {k: {f.path: (f.libc, f.verdict) for f in v} for k, v in got.items()}


def test_node_gnu_tree_is_glibc_and_not_ok(npm_dir: Path) -> None:
    tree = npm_dir / "gnu"
    got = node_results(tree)
    rollup = "node_modules/@rollup/rollup-linux-x64-gnu"
    assert set(got) == {
        rollup,
        "node_modules/@img/sharp-linux-x64",
        "node_modules/@img/sharp-libvips-linux-x64",  # a platform package's .so
        "node_modules/lightningcss-linux-x64-gnu",
    }
    assert got[rollup] == {
        f"{rollup}/rollup.linux-x64-gnu.node": (Libc.GLIBC, Verdict.NEEDS_GCOMPAT)
    }
    for files in got.values():
        for libc, verdict in files.values():
            assert libc is Libc.GLIBC
            assert verdict in (Verdict.NEEDS_GCOMPAT, Verdict.INCOMPATIBLE)
    # the same answers whether given the project or its node_modules, and as `scan` says
    assert node_results(tree / "node_modules") == got
    scanned = scan_verdicts(tree)
    assert {p: v for files in got.values() for p, v in files.items()} == {
        p: (libc, verdict) for p, (libc, verdict, _) in scanned.items()
    }


def test_node_musl_and_static_trees(npm_dir: Path) -> None:
    musl = node_results(npm_dir / "musl")
    rollup = "node_modules/@rollup/rollup-linux-x64-musl"
    assert musl[rollup] == {f"{rollup}/rollup.linux-x64-musl.node": (Libc.MUSL, Verdict.OK)}
    files = [v for f in musl.values() for v in f.values()]
    assert len(files) == 4
    # sharp and lightningcss need libstdc++ / libgcc from apk: installable, never gcompat
    assert all(
        libc is Libc.MUSL and verdict in (Verdict.OK, Verdict.NEEDS_PACKAGES)
        for libc, verdict in files
    )
    static = node_results(npm_dir / "static")
    esbuild = "node_modules/@esbuild/linux-x64"
    assert static == {esbuild: {f"{esbuild}/bin/esbuild": (Libc.STATIC, Verdict.OK)}}


def test_node_hostile_package_paths(npm_dir: Path, tmp_path: Path) -> None:
    tree = copy_tree(npm_dir / "gnu", tmp_path / "proj")
    outside = tmp_path / "outside"
    outside.mkdir()
    node = next((tree / "node_modules" / "@rollup").rglob("*.node"))
    shutil.copy(node, outside / "evil.node")
    (tree / "node_modules" / "evil").symlink_to(outside)
    real = scan_node_modules(tree).packages[0]
    forged = [
        replace(
            real,
            path_in_lock="node_modules/evil",
            native_files=("node_modules/evil/evil.node", "../outside/evil.node", "/etc/passwd"),
        ),
        replace(real, path_in_lock="../outside", os=("linux",), native_files=()),
    ]
    assert judge_node_modules(tree, forged) == {}
