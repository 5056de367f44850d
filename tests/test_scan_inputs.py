"""What ``scan`` is given: image archives without a prefix, package archives (wheels, npm
tarballs), targets with nothing to analyse, path filters and file owners.

All on real artefacts: the images ``tests/imagebuild.py`` writes, the wheels and npm
tarballs the fixtures fetched; hostile archives are made here with zipfile/tarfile.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import imagebuild as ib
from alpine_ready.analysis.report import ScanReport
from alpine_ready.analysis.scan import ScanOptions, run
from alpine_ready.errors import InputError
from alpine_ready.inputs.image.source import ImageOptions
from alpine_ready.inputs.owners import parse_apk_files
from alpine_ready.inputs.packages import ArchiveLimits
from alpine_ready.inputs.target import TargetKind, classify
from alpine_ready.report import schema


def cli(*args: str, cwd: Path, tmpdir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1", COLUMNS="100", XDG_CACHE_HOME=str(cwd / "xdg"))
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def as_json(report: ScanReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(report.to_json()))
    jsonschema.validate(data, schema("scan-v4.json"))
    return data


def verdicts(data: dict[str, Any], strip: str = "") -> dict[str, tuple[str, str]]:
    return {b["path"].removeprefix(strip): (b["libc"], b["verdict"]) for b in data["binaries"]}


# -- image archives given as plain paths ---------------------------------------------------


def test_image_archive_without_prefix_is_the_image(tmp_path: Path) -> None:
    img = ib.glibc_app_image()
    for path, transport in (
        (img.docker_archive, "docker-archive"),
        (img.oci_archive, "oci-archive"),
    ):
        target = classify(str(path))
        assert target.kind is TargetKind.IMAGE and target.image is not None
        assert target.image.transport == transport and target.image.path == path
    # dir: keeps it a plain file
    assert classify(f"dir:{img.docker_archive}").kind is TargetKind.FILE
    opts = ImageOptions(cache_dir=tmp_path)
    plain = as_json(run(ScanOptions(target=str(img.docker_archive), image=opts)))
    prefixed = as_json(run(ScanOptions(target=img.ref("docker-archive"), image=opts)))
    assert plain["target_kind"] == "image" and plain["binaries"]
    assert verdicts(plain) == verdicts(prefixed)


def test_cli_scan_and_inspect_an_image_archive_without_prefix(tmp_path: Path) -> None:
    img = ib.alpine_image()
    r = cli("inspect", str(img.docker_archive), "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["packages"]["manager"] == "apk"
    r = cli("scan", str(img.oci_archive), "--format", "json", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    data = json.loads(r.stdout)
    assert data["target_kind"] == "image" and data["summary"]["analysed"] > 0


# -- package archives -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "psycopg2_binary-2.9.13-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "orjson-3.13.0-cp312-cp312-musllinux_1_2_x86_64.whl",
    ],
)
def test_wheel_scanned_from_the_archive_as_unzipped(
    wheels_dir: Path, tmp_path: Path, name: str
) -> None:
    wheel = wheels_dir / "dl" / name
    site = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    unzipped = as_json(run(ScanOptions(target=site)))
    archived = as_json(run(ScanOptions(target=str(wheel))))
    assert archived["target_kind"] == "wheel"
    assert archived["binaries"] and verdicts(archived, f"{wheel}!/") == verdicts(unzipped)
    assert archived["summary"]["files_seen"] >= unzipped["summary"]["elf_files"]
    got = {v for _, v in verdicts(archived).values()}
    if "musllinux" in name:
        assert got <= {"ok", "needs-packages"}
    else:  # the owner (dist-info RECORD) is found inside the archive too
        assert "incompatible" in got
        fixes = [f for b in archived["binaries"] for f in b["fixes"]]
        assert any("musllinux wheel of psycopg2_binary" in f for f in fixes)


def test_npm_tarball_keeps_the_exact_package(npm_dir: Path, tmp_path: Path) -> None:
    tgz = npm_dir.parent / "npm" / "dl" / "rollup-rollup-linux-x64-gnu-4.68.8.tgz"
    r = cli("scan", str(tgz), cwd=tmp_path, tmpdir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"{tgz}!/package/rollup.linux-x64-gnu.node" in r.stdout
    assert "(npm-tarball)" in r.stdout
    assert "install the musl build @rollup/rollup-linux-x64-musl" in r.stdout
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith("alpine-ready-")]
    assert leftovers == []  # the temporary directory is removed


def test_grouped_fix_names_each_package(npm_dir: Path, tmp_path: Path) -> None:
    tree = tmp_path / "proj" / "node_modules"
    node = next((npm_dir / "gnu" / "node_modules" / "@rollup").rglob("*.node"))
    for pkg, names in (
        ("@rollup/rollup-linux-x64-gnu", ("a.node", "b.node")),
        ("@other/thing-linux-x64-gnu", ("c.node", "d.node")),
    ):
        (tree / pkg).mkdir(parents=True)
        for name in names:
            shutil.copy(node, tree / pkg / name)
    r = cli("scan", str(tmp_path / "proj"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    blocks = r.stdout.split("\n\n")
    rollup = next(b for b in blocks if "@rollup/rollup-linux-x64-gnu/a.node" in b)
    other = next(b for b in blocks if "@other/thing-linux-x64-gnu/c.node" in b)
    assert "2 files" in rollup and "@rollup/rollup-linux-x64-musl" in rollup
    assert "2 files" in other and "@other/thing-linux-x64-musl" in other
    assert "--verbose" not in r.stdout


# -- nothing analysed -----------------------------------------------------------------------


def test_empty_targets_exit_2_unless_allowed(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    (empty / "docs").mkdir(parents=True)
    (empty / "docs" / "README").write_text("no ELF here\n")
    plain_tar = tmp_path / "notes.tar"
    with tarfile.open(plain_tar, "w") as tf:
        tf.add(empty / "docs" / "README", "README")
    for target in (empty, plain_tar):
        r = cli("scan", str(target), cwd=tmp_path)
        assert r.returncode == 2, r.stdout
        lines = [ln for ln in r.stderr.splitlines() if ln.startswith("alpine-ready: ")]
        assert len(lines) == 1 and str(target) in lines[0] and "--allow-empty" in lines[0]
        assert "PASS" not in r.stdout
        r = cli("scan", str(target), "--allow-empty", "--format", "json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        data = json.loads(r.stdout)
        jsonschema.validate(data, schema("scan-v4.json"))
        assert data["empty"] is True and data["result"] == "pass"
        assert [i["code"] for i in data["items"]] == ["AR440"]


# -- filters and owners ---------------------------------------------------------------------


def test_include_exclude_are_counted(npm_dir: Path) -> None:
    tree = npm_dir / "gnu"
    every = as_json(run(ScanOptions(target=tree)))
    n = len(every["binaries"])
    no_img = as_json(run(ScanOptions(target=tree, exclude=("node_modules/@img",))))
    assert all("@img/" not in b["path"] for b in no_img["binaries"])
    assert no_img["summary"]["filtered"] == n - len(no_img["binaries"]) > 0
    only = as_json(run(ScanOptions(target=tree, include=("**/*.node",), exclude=("**/sharp-*",))))
    paths = [b["path"] for b in only["binaries"]]
    assert paths and all(p.endswith(".node") and "sharp-" not in p for p in paths)
    assert only["summary"]["filtered"] == n - len(paths)
    nothing = run(ScanOptions(target=tree, include=("nowhere/*",)))
    assert nothing.empty and nothing.result == "incomplete"


def test_owned_by_on_debian_and_alpine_images(tmp_path: Path) -> None:
    opts = ImageOptions(cache_dir=tmp_path)
    debian = as_json(run(ScanOptions(target=ib.debian_image().ref("oci"), image=opts)))
    owners = {b["path"]: b["owner"] for b in debian["binaries"]}
    gconv = [p for p in owners if "/gconv/" in p]
    pam = [p for p in owners if "/security/pam_" in p]
    assert gconv and all(owners[p] == "os:libc6" for p in gconv)
    assert pam and all(owners[p].startswith("os:libpam") for p in pam)
    assert debian["summary"]["owners"]["os"] == len(owners)
    app = run(ScanOptions(target=ib.debian_image().ref("oci"), image=opts, owned_by="app"))
    assert app.summary.filtered == len(owners) - len(app.binaries)

    img = ib.glibc_app_image()  # an Alpine base (apk database) plus the application
    every = as_json(run(ScanOptions(target=img.ref("oci"), image=opts)))
    mine = as_json(run(ScanOptions(target=img.ref("oci"), image=opts, owned_by="app")))
    theirs = as_json(run(ScanOptions(target=img.ref("oci"), image=opts, owned_by="os")))
    assert mine["binaries"] and theirs["binaries"]
    assert {b["owner"] for b in mine["binaries"]} == {"app"}
    assert all(b["owner"].startswith("os:") for b in theirs["binaries"])
    assert any(b["owner"] == "os:musl" for b in theirs["binaries"])
    assert len(mine["binaries"]) + len(theirs["binaries"]) == len(every["binaries"])
    assert mine["summary"]["filtered"] == len(theirs["binaries"])
    table = cli("scan", img.ref("oci"), "--all", cwd=tmp_path).stdout
    first_os = table.find("of OS package")
    assert first_os == -1 or all(table.find(b["path"]) < first_os for b in mine["binaries"]), (
        table
    )  # the application's files first


def test_apk_database_owners() -> None:
    db = (
        "P:musl\nV:1\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\n"
        "P:zlib\nF:usr/lib\nR:libz.so.1\n"
    )
    assert parse_apk_files(db) == {
        "lib/ld-musl-x86_64.so.1": "musl",
        "lib/libc.musl-x86_64.so.1": "musl",
        "usr/lib/libz.so.1": "zlib",
    }


# -- hostile archives -----------------------------------------------------------------------


def _zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16) | 0
    return info


def test_hostile_archives_are_refused(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    elf = b"\x7fELF" + bytes(60)
    cases = {
        "dotdot.whl": _zip(tmp_path / "dotdot.whl", [("../../escaped.so", elf)]),
        "absolute.zip": _zip(tmp_path / "absolute.zip", [("/tmp/abs-escaped.so", elf)]),
        "symlink.whl": _zip(tmp_path / "symlink.whl", [(_symlink("x/passwd"), b"/etc/passwd")]),
        "bomb.zip": _zip(tmp_path / "bomb.zip", [("big.so", elf + bytes(100 << 20))]),
    }
    tgz = tmp_path / "link.tgz"
    with tarfile.open(tgz, "w:gz") as tf:
        info = tarfile.TarInfo("package/evil")
        info.type, info.linkname = tarfile.SYMTYPE, "../../../etc/shadow"
        tf.addfile(info)
        data = b'{"name": "x"}'
        info = tarfile.TarInfo("package/package.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    cases["link.tgz"] = tgz
    for name, path in cases.items():
        r = cli("scan", str(path), cwd=work, tmpdir=scratch)
        assert r.returncode == 2, (name, r.stdout)
        errors = [ln for ln in r.stderr.splitlines() if ln.startswith("alpine-ready: error: ")]
        assert len(errors) == 1 and str(path) in errors[0], (name, r.stderr)
        assert "Traceback" not in r.stderr
    assert list(scratch.iterdir()) == []  # every temporary directory removed
    assert not (tmp_path / "escaped.so").exists() and not Path("/tmp/abs-escaped.so").exists()
    assert sorted(p.name for p in work.iterdir()) in ([], ["xdg"])


def test_archive_limits(tmp_path: Path) -> None:
    many = _zip(tmp_path / "many.zip", [(f"f{i}", b"x") for i in range(20)])
    with pytest.raises(InputError, match="more than 10 members"):
        run(ScanOptions(target=str(many), archive_limits=ArchiveLimits(max_members=10)))
    big = _zip(tmp_path / "big.zip", [("a.so", b"\x7fELF" + bytes(1 << 20))])
    with pytest.raises(InputError, match="unpacks to more than"):
        run(ScanOptions(target=str(big), archive_limits=ArchiveLimits(max_bytes=1 << 19)))
