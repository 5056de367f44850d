"""Node dependency inputs: real lockfiles (tools/record_node_lockfiles.py) and real trees."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from alpine_ready.deps.loader import load_yaml
from alpine_ready.deps.node_model import NodeInput, NodePackage
from alpine_ready.deps.node_platform import has_musl_variant, platform_variants
from alpine_ready.deps.sources import parse_node_input
from alpine_ready.deps.sources.node_modules import MAX_PACKAGE_JSON_BYTES, scan_node_modules
from alpine_ready.deps.sources.package_lock import parse_package_lock
from alpine_ready.deps.sources.pnpm_lock import parse_pnpm_lock
from alpine_ready.deps.sources.yarn_lock import parse_yarn_lock
from alpine_ready.errors import InputError

DATA = Path(__file__).parent / "data" / "nodelocks"
LOCKS = {
    "npm-v3": DATA / "npm-v3" / "package-lock.json",
    "npm-v2": DATA / "npm-v2" / "package-lock.json",
    "yarn-v1": DATA / "yarn-v1" / "yarn.lock",
    "yarn-berry": DATA / "yarn-berry" / "yarn.lock",
    "pnpm-v9": DATA / "pnpm-v9" / "pnpm-lock.yaml",
}
DIRECT = {
    "rollup": "4.68.8",
    "sharp": "0.35.5",
    "lightningcss": "1.33.0",
    "esbuild": "0.28.2",
    "bcrypt": "6.0.0",
}


def by_name(parsed: NodeInput) -> dict[str, NodePackage]:
    return {p.name: p for p in parsed.packages}


# ------------------------------------------------------------------ real lockfiles


def test_recorded_versions_present() -> None:
    rec = json.loads((DATA / "RECORDED.json").read_text())
    assert rec["npm"].startswith("11.")
    assert rec["yarn"].startswith("1.") and rec["yarn-berry"].startswith("4.")
    assert rec["pnpm"].startswith("9.")
    assert rec["failed"] == {}


@pytest.mark.parametrize("which", sorted(LOCKS))
def test_real_lockfile_direct_and_platform_packages(which: str) -> None:
    parsed = parse_node_input(LOCKS[which])
    got = by_name(parsed)
    for name, version in DIRECT.items():
        assert got[name].version == version, name
    assert got["detect-libc"].version  # transitive dependency of sharp
    musl = got["@rollup/rollup-linux-x64-musl"]
    gnu = got["@rollup/rollup-linux-x64-gnu"]
    assert musl.version == gnu.version == "4.68.8"
    assert musl.optional and gnu.optional
    assert not any(p.dev for p in parsed.packages)
    if which == "yarn-v1":
        assert not parsed.records_platform and not parsed.records_libc
        assert musl.os == musl.cpu == musl.libc == ()
        assert any("records no os/cpu/libc" in n for n in parsed.notes)
    else:
        assert parsed.records_platform and parsed.records_libc
        assert (musl.os, musl.cpu, musl.libc) == (("linux",), ("x64",), ("musl",))
        assert gnu.libc == ("glibc",)
        assert got["@img/sharp-linuxmusl-x64"].libc == ("musl",)
        assert got["@esbuild/linux-x64"].libc == ()  # one static binary for both libcs
        assert got["@esbuild/linux-x64"].cpu == ("x64",)


@pytest.mark.parametrize("which", sorted(LOCKS))
def test_real_lockfile_platform_variants(which: str) -> None:
    variants = platform_variants(parse_node_input(LOCKS[which]).packages)
    assert {
        "@rollup/rollup",
        "@img/sharp",
        "@img/sharp-libvips",
        "lightningcss",
        "@esbuild",
    } <= set(variants)
    for base in ("@rollup/rollup", "@img/sharp", "@img/sharp-libvips", "lightningcss"):
        assert has_musl_variant(variants[base]), base
        assert has_musl_variant(variants[base], cpu="arm64"), base
    names = {p.name for p in variants["@img/sharp"]}
    assert {"@img/sharp-linux-x64", "@img/sharp-linuxmusl-x64"} <= names
    lcss = {p.name for p in variants["lightningcss"]}
    assert {"lightningcss-linux-x64-gnu", "lightningcss-linux-x64-musl"} <= lcss
    assert "lightningcss" not in lcss and "bcrypt" not in {
        p.name for v in variants.values() for p in v
    }
    assert not has_musl_variant(variants["@esbuild"])  # no -musl name: static binary


def test_npm_lockfile_versions_and_install_script() -> None:
    v3 = parse_package_lock(LOCKS["npm-v3"])
    v2 = parse_package_lock(LOCKS["npm-v2"])
    assert (v3.kind, v3.lockfile_version, v2.lockfile_version) == ("package-lock", "3", "2")
    assert by_name(v3)["bcrypt"].has_install_script is True
    assert by_name(v3)["rollup"].has_install_script is False
    assert by_name(v3)["@rollup/rollup-linux-x64-musl"].path_in_lock == (
        "node_modules/@rollup/rollup-linux-x64-musl"
    )
    assert {p.name for p in v2.packages} == {p.name for p in v3.packages}


def test_pnpm_and_berry_fields() -> None:
    pnpm = parse_pnpm_lock(LOCKS["pnpm-v9"])
    assert pnpm.lockfile_version == "9.0"
    assert by_name(pnpm)["sharp"].path_in_lock == "sharp@0.35.5"
    assert by_name(pnpm)["bcrypt"].has_install_script is None  # v9 does not record it
    berry = parse_yarn_lock(LOCKS["yarn-berry"])
    assert (berry.kind, berry.lockfile_version) == ("yarn-berry", "10")
    assert by_name(berry)["@img/sharp-linuxmusl-x64"].resolved == (
        "@img/sharp-linuxmusl-x64@npm:0.35.5"
    )
    assert "nodelockdemo" not in by_name(berry)  # the workspace root is not a package
    v1 = parse_yarn_lock(LOCKS["yarn-v1"])
    assert by_name(v1)["sharp"].resolved.startswith("https://registry.yarnpkg.com/sharp/")  # type: ignore[union-attr]


def test_lockfile_without_libc_is_flagged(tmp_path: Path) -> None:
    """What npm < 11.11 writes: the real v3 lockfile with every ``libc`` removed."""
    data = json.loads(LOCKS["npm-v3"].read_text())
    for entry in data["packages"].values():
        entry.pop("libc", None)
    lock = tmp_path / "package-lock.json"
    lock.write_text(json.dumps(data, indent=2))
    parsed = parse_package_lock(lock)
    assert not parsed.records_libc and parsed.records_platform
    assert any("npm < 11.11" in n for n in parsed.notes)
    # the name still tells the variants apart
    variants = platform_variants(parsed.packages)
    assert has_musl_variant(variants["@rollup/rollup"])


def test_lockfile_v1_note(tmp_path: Path) -> None:
    lock = tmp_path / "npm-shrinkwrap.json"
    lock.write_text(
        json.dumps(
            {
                "name": "x",
                "lockfileVersion": 1,
                "dependencies": {
                    "sharp": {
                        "version": "0.32.6",
                        "resolved": "https://r/sharp.tgz",
                        "dependencies": {"semver": {"version": "7.5.4"}},
                    },
                    "jest": {"version": "29.0.0", "dev": True},
                },
            }
        )
    )
    parsed = parse_node_input(lock)
    assert parsed.kind == "npm-shrinkwrap" and parsed.lockfile_version == "1"
    assert any("regenerate with npm >= 7" in n for n in parsed.notes)
    got = by_name(parsed)
    assert got["semver"].path_in_lock == "node_modules/sharp/node_modules/semver"
    assert got["jest"].dev and not got["sharp"].dev
    assert not parsed.records_platform


def test_lockfile_v1_alias_is_the_real_package(tmp_path: Path) -> None:
    """npm 6 writes an alias's real name into its version (@isaacs/cliui's string-width-cjs);
    taken as written it was looked up as string-width-cjs@npm:string-width@4.2.3."""
    lock = tmp_path / "package-lock.json"
    lock.write_text(
        json.dumps(
            {
                "name": "x",
                "lockfileVersion": 1,
                "dependencies": {
                    "string-width-cjs": {"version": "npm:string-width@4.2.3", "dev": True},
                    "@x/alias": {"version": "npm:@isaacs/cliui@8.0.2"},
                },
            }
        )
    )
    got = by_name(parse_node_input(lock))
    assert (got["string-width"].version, got["string-width"].path_in_lock) == (
        "4.2.3",
        "node_modules/string-width-cjs",
    )
    assert got["@isaacs/cliui"].version == "8.0.2"
    # yarn v1 (1.22.22) writes the same alias into the entry's key
    yarn = tmp_path / "yarn.lock"
    yarn.write_text(
        "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n"
        '"string-width-cjs@npm:string-width@^4.2.0":\n  version "4.2.3"\n  resolved '
        '"https://registry.yarnpkg.com/string-width/-/string-width-4.2.3.tgz#269c7117d27b05ad2e'
        '536830a8ec895ef9c6d010"\n\n"@types/node@npm:^20":\n  version "20.1.0"\n'
    )
    got = by_name(parse_node_input(yarn))
    assert got["string-width"].version == "4.2.3" and got["@types/node"].version == "20.1.0"


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("fname", "text", "msg"),
    [
        (
            "package-lock.json",
            '{"lockfileVersion": 3,\n "packages": {,}}',
            "package-lock.json:2: malformed JSON",
        ),
        ("package-lock.json", "[1, 2]", ":1: not an npm lockfile"),
        ("package-lock.json", '{"name": "x"}', "no integer lockfileVersion"),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\npackages:\n  a@1: &anchor\n",
            "pnpm-lock.yaml:3: unsupported",
        ),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '9.0'\npackages:\n  a@1:\n    resolution: {integrity: x\n",
            "pnpm-lock.yaml:4:",
        ),
        ("pnpm-lock.yaml", "settings:\n  a: b\n", "not a pnpm lockfile"),
        ("yarn.lock", '# yarn lockfile v1\n  version "1"\n', "yarn.lock:2: malformed"),
        ("yarn.lock", 'a@^1:\n  resolved "x"\n', "yarn.lock:1: malformed yarn.lock: entry"),
        (
            "yarn.lock",
            '__metadata:\n  version: 8\n"a@npm:1":\n   version: 1\n  x: 2\n',
            "yarn.lock:5:",
        ),
        ("left-pad.txt", "", "not a recognised Node input"),
    ],
)
def test_malformed_inputs_one_line_message(tmp_path: Path, fname: str, text: str, msg: str) -> None:
    f = tmp_path / fname
    f.write_text(text)
    with pytest.raises(InputError) as exc:
        parse_node_input(f)
    assert msg in str(exc.value)
    assert "\n" not in str(exc.value)


def test_yaml_subset_reader() -> None:
    text = (
        "a: 1\n"
        "'b@1.0.0(c@2)':\n"
        "  resolution: {integrity: 'sha512-x==', tarball: \"https://t/x.tgz\"}\n"
        "  cpu: [x64, 'arm64']\n"
        "  empty: {}\n"
        "  os:\n"
        "  - linux\n"
        "  - darwin  # comment\n"
        "  flag: true\n"
        "  nested: {a: [1, 2], b: {c: d}}\n"
    )
    got = load_yaml(text, "t.yaml")
    assert got == {
        "a": "1",
        "b@1.0.0(c@2)": {
            "resolution": {"integrity": "sha512-x==", "tarball": "https://t/x.tgz"},
            "cpu": ["x64", "arm64"],
            "empty": {},
            "os": ["linux", "darwin"],
            "flag": True,
            "nested": {"a": ["1", "2"], "b": {"c": "d"}},
        },
    }


def test_pnpm_older_key_formats(tmp_path: Path) -> None:
    lock = tmp_path / "pnpm-lock.yaml"
    lock.write_text(
        "lockfileVersion: '6.0'\n"
        "packages:\n"
        "  /@img/sharp-linuxmusl-x64@0.33.5(x@1):\n"
        "    resolution: {integrity: sha512-a}\n"
        "    cpu: [x64]\n    os: [linux]\n    libc: [musl]\n"
        "    requiresBuild: true\n    dev: false\n    optional: true\n"
        "  /@types/node/20.1.0_abc:\n"
        "    resolution: {integrity: sha512-b}\n    dev: true\n"
    )
    got = by_name(parse_pnpm_lock(lock))
    musl = got["@img/sharp-linuxmusl-x64"]
    assert (musl.version, musl.libc, musl.optional, musl.has_install_script) == (
        "0.33.5",
        ("musl",),
        True,
        True,
    )
    assert got["@types/node"].version == "20.1.0" and got["@types/node"].dev


# ------------------------------------------------------------------ node_modules


def test_real_npm_trees(npm_dir: Path) -> None:
    gnu = scan_node_modules(npm_dir / "gnu")
    musl = scan_node_modules(npm_dir / "musl" / "node_modules")
    static = scan_node_modules(npm_dir / "static")
    g, m, s = by_name(gnu), by_name(musl), by_name(static)
    assert g["@rollup/rollup-linux-x64-gnu"].libc == ("glibc",)
    assert g["@rollup/rollup-linux-x64-gnu"].native_files == (
        "node_modules/@rollup/rollup-linux-x64-gnu/rollup.linux-x64-gnu.node",
    )
    assert g["@img/sharp-linux-x64"].native_files == (
        "node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64-0.35.5.node",
    )
    assert g["lightningcss-linux-x64-gnu"].native_files
    assert g["@img/sharp-libvips-linux-x64"].native_files == ()
    assert m["@img/sharp-linuxmusl-x64"].libc == ("musl",)
    assert m["lightningcss-linux-x64-musl"].native_files == (
        "node_modules/lightningcss-linux-x64-musl/lightningcss.linux-x64-musl.node",
    )
    for pkg in musl.packages:
        for f in pkg.native_files:
            assert (npm_dir / "musl" / f).is_file()
    assert s["@esbuild/linux-x64"].libc == () and s["@esbuild/linux-x64"].os == ("linux",)
    assert gnu.records_libc and musl.records_libc and not static.records_libc
    assert not has_musl_variant(platform_variants(gnu.packages)["@rollup/rollup"])
    assert has_musl_variant(platform_variants(musl.packages)["@rollup/rollup"])


def _pkg(d: Path, meta: dict[str, object], files: tuple[str, ...] = ()) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / "package.json").write_text(json.dumps(meta))
    for f in files:
        (d / f).parent.mkdir(parents=True, exist_ok=True)
        (d / f).write_bytes(b"\x7fELF")


def test_tree_prebuilds_nested_scoped_and_symlinks(tmp_path: Path, npm_dir: Path) -> None:
    proj = tmp_path / "proj"
    nm = proj / "node_modules"
    # a real platform package copied in, nested under another package
    shutil.copytree(
        npm_dir / "musl" / "node_modules" / "@rollup", nm / "rollup" / "node_modules" / "@rollup"
    )
    _pkg(nm / "rollup", {"name": "rollup", "version": "4.68.8"})
    _pkg(
        nm / "bcrypt",
        {
            "name": "bcrypt",
            "version": "6.0.0",
            "gypfile": True,
            "scripts": {"install": "node-gyp-build"},
        },
        (
            "prebuilds/linux-x64/bcrypt.glibc.node",
            "prebuilds/linux-x64/bcrypt.musl.node",
            "prebuilds/darwin-arm64/bcrypt.node",
        ),
    )
    _pkg(
        nm / "@s" / "legacy",
        {
            "name": "@s/legacy",
            "version": "1.0.0",
            "scripts": {"install": "prebuild-install || node-gyp rebuild"},
        },
        ("build/Release/legacy.node",),
    )
    (nm / ".bin").mkdir()
    (nm / ".package-lock.json").write_text("{}")
    _pkg(nm / "huge", {"name": "huge"})
    (nm / "huge" / "package.json").write_text(" " * (MAX_PACKAGE_JSON_BYTES + 1))
    _pkg(nm / "broken", {})
    (nm / "broken" / "package.json").write_text("{nope")
    # symlinks out of the tree (and inside it) are never followed
    outside = tmp_path / "outside"
    _pkg(outside / "evil", {"name": "evil", "version": "6.6.6"}, ("evil.node",))
    (nm / "evil").symlink_to(outside / "evil")
    (nm / "@s" / "linked").symlink_to(outside)
    (nm / "bcrypt" / "escape.node").symlink_to(outside / "evil" / "evil.node")
    (nm / "bcrypt" / "prebuilds" / "out").symlink_to(outside)

    parsed = parse_node_input(proj)
    got = {p.path_in_lock: p for p in parsed.packages}
    assert "evil" not in {p.name for p in parsed.packages}
    bc = got["node_modules/bcrypt"]
    assert bc.native_files == (
        "node_modules/bcrypt/prebuilds/darwin-arm64/bcrypt.node",
        "node_modules/bcrypt/prebuilds/linux-x64/bcrypt.glibc.node",
        "node_modules/bcrypt/prebuilds/linux-x64/bcrypt.musl.node",
    )
    assert bc.gypfile and bc.has_install_script and bc.install_script == "node-gyp-build"
    legacy = got["node_modules/@s/legacy"]
    assert legacy.install_script == "prebuild-install || node-gyp rebuild"
    assert legacy.native_files == ("node_modules/@s/legacy/build/Release/legacy.node",)
    nested = got["node_modules/rollup/node_modules/@rollup/rollup-linux-x64-musl"]
    assert nested.libc == ("musl",) and nested.native_files[0].endswith(
        "rollup.linux-x64-musl.node"
    )
    assert got["node_modules/rollup"].native_files == ()  # nested packages own their files
    assert any("huge/package.json: larger than" in n for n in parsed.notes)
    assert any("broken/package.json: unreadable" in n for n in parsed.notes)


def test_tree_pnpm_store_layout(tmp_path: Path, npm_dir: Path) -> None:
    nm = tmp_path / "node_modules"
    store = nm / ".pnpm" / "@img+sharp-linuxmusl-x64@0.35.5" / "node_modules" / "@img"
    shutil.copytree(
        npm_dir / "musl" / "node_modules" / "@img" / "sharp-linuxmusl-x64",
        store / "sharp-linuxmusl-x64",
    )
    (nm / "@img").mkdir()
    (nm / "@img" / "sharp-linuxmusl-x64").symlink_to(store / "sharp-linuxmusl-x64")
    parsed = scan_node_modules(nm)
    assert [p.name for p in parsed.packages] == ["@img/sharp-linuxmusl-x64"]  # once, not twice
    assert parsed.packages[0].native_files[0].startswith("node_modules/.pnpm/")


def test_tree_missing(tmp_path: Path) -> None:
    (tmp_path / "node_modules").symlink_to(tmp_path)
    with pytest.raises(InputError, match="no node_modules directory"):
        scan_node_modules(tmp_path)


# ------------------------------------------------------------------ online: real npm


@pytest.mark.online
def test_npm_lock_in_test(tmp_path: Path) -> None:
    """The real npm writes a lockfile with libc recorded (npm >= 11.11 here)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm not installed")
    (tmp_path / "package.json").write_text(
        json.dumps({"name": "t", "version": "1.0.0", "dependencies": {"lightningcss": "1.33.0"}})
    )
    subprocess.run(
        [npm, "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    parsed = parse_package_lock(tmp_path / "package-lock.json")
    assert parsed.records_libc
    assert has_musl_variant(platform_variants(parsed.packages)["lightningcss"])
