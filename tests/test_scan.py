"""``scan`` on real artefacts: verdicts, reasons, fixes and the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alpine_ready.analysis.report import Verdict
from alpine_ready.analysis.scan import ScanOptions, run
from alpine_ready.report import schema


def _scan(target: Path, **kw: Any) -> dict[str, Any]:
    report = run(ScanOptions(target=target, jobs=1, **kw))
    data = report.to_json()
    jsonschema.validate(data, schema("scan-v4.json"))
    return json.loads(json.dumps(data))  # what a JSON reader sees


def _by_path(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["path"]: b for b in data["binaries"]}


def test_musllinux_wheels_all_load_against_the_default_profile(wheels_dir: Path) -> None:
    data = _scan(wheels_dir / "musllinux")
    assert data["against"]["kind"] == "profile"
    assert data["against"]["alpine"] == "3.23"
    assert data["summary"]["verdicts"]["ok"] == data["summary"]["analysed"] > 20
    assert set(data["summary"]["libc"]) == {"musl"}
    exts = [b for b in data["binaries"] if b["kind"] == "python-extension"]
    assert exts
    # CPython's API comes from the interpreter: host symbols, never missing.
    orjson = next(b for b in exts if "orjson" in b["path"])
    assert orjson["host_symbols"] and all(
        s.startswith(("Py", "_Py")) for s in orjson["host_symbols"]
    )
    assert orjson["unresolved_symbols"] == [] and orjson["loads"] is True


def test_manylinux_extension_is_glibc_and_does_not_load(wheels_dir: Path) -> None:
    data = _scan(wheels_dir / "manylinux")
    entries = _by_path(data)
    psy = next(
        v for k, v in entries.items() if k.endswith("_psycopg.cpython-312-x86_64-linux-gnu.so")
    )
    assert psy["libc"] == "glibc" and psy["kind"] == "python-extension"
    assert psy["loads"] is False
    assert psy["verdict"] == "incompatible"
    assert "libpq-a17e3caa.so.5.17" in psy["needed"][0] or any("libpq" in n for n in psy["needed"])
    assert any("musllinux wheel of psycopg2" in f for f in psy["fixes"])
    assert all(not s.startswith("Py") for s in psy["unresolved_symbols"])
    assert data["failed"] is True


def test_npm_musl_addons_need_only_libgcc_and_libstdcxx(npm_dir: Path) -> None:
    data = _scan(npm_dir / "musl")
    entries = _by_path(data)
    sharp = entries["node_modules/@img/sharp-linuxmusl-x64/lib/sharp-linuxmusl-x64-0.35.5.node"]
    assert sharp["kind"] == "node-addon" and sharp["libc"] == "musl"
    assert sharp["verdict"] == "needs-packages"
    assert sharp["missing_libraries"] == ["libgcc_s.so.1", "libstdc++.so.6"]
    assert sharp["apk_packages"] == ["libgcc", "libstdc++"]
    assert sharp["fixes"] == ["apk add --no-cache libgcc libstdc++"]
    # libvips is found through the addon's $ORIGIN rpath inside node_modules
    assert not any("libvips" in m for m in sharp["missing_libraries"])
    rollup = entries["node_modules/@rollup/rollup-linux-x64-musl/rollup.linux-x64-musl.node"]
    assert rollup["verdict"] in ("ok", "needs-packages")
    assert data["failed"] is False


def test_npm_gnu_addons_name_the_musl_package(npm_dir: Path) -> None:
    data = _scan(npm_dir / "gnu")
    entries = _by_path(data)
    vips = entries["node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7"]
    assert vips["verdict"] == "incompatible"
    assert "R_X86_64_IRELATIVE" in vips["unsupported_relocations"]
    assert any("@img/sharp-libvips-linuxmusl-x64" in f for f in vips["fixes"])
    rollup = entries["node_modules/@rollup/rollup-linux-x64-gnu/rollup.linux-x64-gnu.node"]
    assert rollup["libc"] == "glibc"
    assert any("@rollup/rollup-linux-x64-musl" in f for f in rollup["fixes"])


def test_debian_binaries_verdicts(debian_tree: Path) -> None:
    data = _scan(debian_tree)
    e = _by_path(data)
    gzip = e["usr/bin/gzip"]
    assert gzip["interpreter"] == "/lib64/ld-linux-x86-64.so.2"
    assert gzip["interpreter_present"] is False
    assert gzip["verdict"] == "needs-gcompat"
    assert gzip["fixes"][0] == "apk add --no-cache gcompat"
    assert "__stpcpy_chk" in gzip["unresolved_symbols"]
    # fcntl64 is neither in musl (not an LFS64 alias) nor in gcompat 1.1.0
    bash = e["usr/bin/bash"]
    assert bash["verdict"] == "incompatible"
    assert any("arc4random" in r or "fcntl64" in r for r in bash["reasons"])
    assert e["usr/bin/busybox"]["libc"] == "static"
    assert e["usr/bin/busybox"]["verdict"] == "ok"


def test_rootfs_target_is_its_own_system(alpine_rootfs: Path) -> None:
    data = _scan(alpine_rootfs)
    assert data["target_kind"] == "rootfs"
    assert data["against"]["kind"] == "rootfs" and data["against"]["musl"] == "1.2.5"
    assert data["summary"]["verdicts"]["ok"] == data["summary"]["analysed"] >= 150
    assert data["summary"]["libc"]["static"] >= 1


def test_against_real_rootfs_agrees_with_profile_on_wheels(
    wheels_dir: Path, alpine_rootfs: Path
) -> None:
    """The built-in profile is the minirootfs subset of the same release: same answers."""
    prof = _by_path(_scan(wheels_dir / "manylinux"))
    real = _by_path(_scan(wheels_dir / "manylinux", against=alpine_rootfs))
    for path, p in prof.items():
        r = real[path]
        assert (p["unresolved_symbols"], p["unsupported_relocations"]) == (
            r["unresolved_symbols"],
            r["unsupported_relocations"],
        ), path


def test_single_file_target(debian_tree: Path) -> None:
    data = _scan(debian_tree / "usr/bin/xz")
    assert data["target_kind"] == "file"
    (entry,) = data["binaries"]
    assert entry["path"] == "xz"
    assert entry["missing_libraries"] == ["liblzma.so.5"]
    assert entry["apk_packages"] == ["xz-libs"]


def test_library_path_finds_app_libraries(debian_tree: Path) -> None:
    """Only rpaths and LD_LIBRARY_PATH reach an app tree's libraries."""
    without = _by_path(_scan(debian_tree))["usr/bin/jq"]
    assert "libjq.so.1" in without["missing_libraries"]
    lp = "/app/usr/lib/x86_64-linux-gnu"
    with_lp = _by_path(_scan(debian_tree, library_path=lp))["usr/bin/jq"]
    assert "libjq.so.1" not in with_lp["missing_libraries"]


def test_older_release_profile(debian_tree: Path) -> None:
    """--alpine 3.17 predicts with the real musl 1.2.3 table (LFS64 names still exported)."""
    old = _scan(debian_tree / "usr/bin/gzip", alpine="3.17")
    assert old["against"]["musl"] == "1.2.3" and old["against"]["exact"] is False
    assert old["warnings"]
    new = _scan(debian_tree / "usr/bin/gzip", alpine="3.23")
    assert new["against"]["exact"] is True and not new["warnings"]
    from alpine_ready import knowledge

    t123 = knowledge.musl_table("musl-1.2.3-x86_64.json")
    t125 = knowledge.musl_table("musl-1.2.5-x86_64.json")
    assert "fopen64" in t123.exports and "fopen64" not in t125.exports
    assert t125.lfs64_fallback("fopen64") == "fopen"
    assert t125.lfs64_fallback("posix_fallocate64") is None  # 17 chars: 16-byte buffer
    assert "posix_fallocate64" in t123.exports


def test_unknown_release_is_an_input_error(debian_tree: Path) -> None:
    from alpine_ready.errors import InputError

    with pytest.raises(InputError, match=r"3\.19.*musl 1\.2\.4"):
        run(ScanOptions(target=debian_tree, alpine="3.19"))
    with pytest.raises(InputError, match="unknown Alpine release"):
        run(ScanOptions(target=debian_tree, alpine="9.99"))


@pytest.mark.parametrize(
    "fail_on,expect", [("incompatible", True), ("needs-gcompat", True), ("needs-packages", True)]
)
def test_fail_on_levels(npm_dir: Path, fail_on: str, expect: bool) -> None:
    report = run(ScanOptions(target=npm_dir / "gnu", jobs=1, fail_on=Verdict.parse(fail_on)))
    assert report.failed is expect


def test_fail_on_passes_when_below(npm_dir: Path) -> None:
    assert (
        run(ScanOptions(target=npm_dir / "musl", jobs=1, fail_on=Verdict.NEEDS_GCOMPAT)).failed
        is False
    )
    assert (
        run(ScanOptions(target=npm_dir / "musl", jobs=1, fail_on=Verdict.NEEDS_PACKAGES)).failed
        is True
    )


def test_parallel_and_serial_scans_agree(wheels_dir: Path, tmp_path: Path) -> None:
    """The process pool kicks in past 200 ELF files; results must not depend on it."""
    import subprocess

    for i in range(3):  # ~90 ELF files each: enough to cross the threshold
        subprocess.run(["cp", "-al", str(wheels_dir), str(tmp_path / f"copy{i}")], check=True)
    a = run(ScanOptions(target=tmp_path, jobs=1)).to_json()
    b = run(ScanOptions(target=tmp_path, jobs=2)).to_json()
    assert a["summary"]["elf_files"] > 200
    assert a == b


def test_reasons_never_blame_gcompat_for_what_it_exports(debian_tree: Path) -> None:
    """'neither musl nor gcompat provide' lists only names outside gcompat's export list,
    for libraries (judged with libgcompat preloaded) as for executables."""
    from alpine_ready import knowledge

    gc = knowledge.gcompat().exports
    data = _scan(debian_tree)
    seen = 0
    for b in data["binaries"]:
        for r in b["reasons"]:
            if r.startswith("glibc symbols that neither musl nor gcompat provide: "):
                seen += 1
                names = r.split(": ", 1)[1].split(" (+")[0].split(", ")
                assert not set(names) & gc, (b["path"], r)
    assert seen >= 3
