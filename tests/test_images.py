"""``inspect``, ``compare`` and ``scan`` on real images, in every local format and from a
real registry, checked against the numbers the independent image writer recorded
(``tests/imagebuild.py``'s ``expected.json``) and against dive and syft."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import imagebuild as ib
import registry_server as rs
from alpine_ready.analysis.scan import ScanOptions
from alpine_ready.analysis.scan import run as scan
from alpine_ready.errors import InputError
from alpine_ready.inputs.image.source import ImageOptions
from alpine_ready.inspection import InspectOptions, compare, run
from alpine_ready.report import schema

FORMATS = ["oci", "docker-archive", "oci-archive"]


def _inspect(ref: str, cache: Path | None) -> dict[str, Any]:
    rep = run(InspectOptions(target=ref, image=ImageOptions(cache_dir=cache)))
    data = json.loads(json.dumps(rep.to_json()))
    jsonschema.validate(data, schema("inspect-v2.json"))
    return data


@pytest.fixture(scope="module")
def alpine() -> ib.BuiltImage:
    return ib.alpine_image()


@pytest.fixture(scope="module")
def debian() -> ib.BuiltImage:
    return ib.debian_image()


@pytest.mark.parametrize("fmt", FORMATS)
def test_inspect_alpine_image_matches_the_writer(
    alpine: ib.BuiltImage, fmt: str, tmp_path: Path
) -> None:
    exp = alpine.expected
    got = _inspect(alpine.ref(fmt), tmp_path)
    assert got["schema_version"] == 2
    assert got["os"]["id"] == "alpine" and got["os"]["version"] == exp["os"]["version"]
    assert got["libc"] == {"family": "musl", "version": "1.2.5"}
    assert got["packages"]["manager"] == "apk" and got["packages"]["count"] == 59
    assert got["size"]["uncompressed"] == exp["size"]["uncompressed"]
    if fmt == "oci":
        assert got["size"]["compressed"] == exp["size"]["compressed"]
        assert [la["digest"] for la in got["layers"]] == exp["formats"]["oci"]["layer_digests"]
    assert len(got["layers"]) == exp["layer_count"]
    for mine, theirs in zip(got["layers"], exp["layers"], strict=True):
        assert mine["uncompressed_size"] == theirs["uncompressed_size"]
        assert (mine["files_added"], mine["files_changed"], mine["files_removed"]) == (
            theirs["files_added"],
            theirs["files_changed"],
            theirs["files_removed"],
        )
        assert mine["created_by"] == theirs["created_by"]
    # waste: the removed copies, exactly; plus the apk cache left in the final image
    removed = {
        (w["path"], w["bytes"])
        for w in got["waste"]["items"]
        if w["reason"].startswith(("overwritten", "deleted", "hidden", "replaced"))
    }
    assert removed == {(w["path"], w["bytes"]) for w in exp["waste"]["items"]}
    cache = [w for w in got["waste"]["items"] if w["path"] == "/var/cache/apk"]
    assert cache and cache[0]["bytes"] == exp["leftovers"]["apk_cache"]["bytes"]
    assert got["waste"]["bytes"] == exp["waste"]["bytes"] + exp["leftovers"]["apk_cache"]["bytes"]


def test_inspect_debian_image(debian: ib.BuiltImage, tmp_path: Path) -> None:
    exp = debian.expected
    got = _inspect(debian.ref("oci"), tmp_path)
    assert (got["os"]["id"], got["os"]["version"]) == ("debian", "12")
    assert got["libc"] == {"family": "glibc", "version": "2.36"}
    assert got["packages"] == {**got["packages"], "manager": "dpkg", "count": 88}
    assert got["size"]["compressed"] == exp["size"]["compressed"]
    assert got["size"]["uncompressed"] == exp["size"]["uncompressed"]
    lists = [w for w in got["waste"]["items"] if w["path"] == "/var/lib/apt/lists"]
    assert lists and lists[0]["bytes"] == exp["leftovers"]["apt_lists"]["bytes"]


def test_base_is_split_from_yours(alpine: ib.BuiltImage, tmp_path: Path) -> None:
    got = _inspect(alpine.ref("oci"), tmp_path)
    assert got["base"]["layers"] == alpine.expected["base"]["layers"]
    assert [la["base"] for la in got["layers"]] == [True, False, False, False]


def test_syft_and_dive_agree_where_definitions_agree(alpine: ib.BuiltImage, tmp_path: Path) -> None:
    peers = ib.peer_numbers(alpine)
    got = _inspect(alpine.ref("docker-archive"), tmp_path)
    syft = peers["syft_docker_archive"]
    assert got["packages"]["count"] == syft["packages_by_type"]["apk"]
    assert [la["content_size"] for la in got["layers"]] == syft["layer_sizes"]
    assert [la["content_size"] for la in got["layers"]] == [
        la["sizeBytes"] for la in peers["dive"]["layers"]
    ]
    # dive counts every copy of a path seen in 2+ layers, the kept one too:
    # dive = the copies we call waste + the copy the final image keeps.
    removed: dict[str, int] = {}
    for w in got["waste"]["items"]:
        removed[w["path"]] = removed.get(w["path"], 0) + w["bytes"]
    final = alpine.final_fs
    for ref in peers["dive"]["file_reference"]:
        path = ref["file"]
        kept = final[path][1] if path in final else 0
        assert ref["sizeBytes"] == removed.get(path, 0) + kept, path


def test_layer_analysis_is_cached_by_digest(alpine: ib.BuiltImage, tmp_path: Path) -> None:
    _inspect(alpine.ref("oci"), tmp_path)
    cached = sorted(p.name for p in (tmp_path / "layers").iterdir())
    assert len(cached) == 4
    # the docker archive holds the layers uncompressed: other digests, except the last
    # layer, which the OCI image stores uncompressed too (one shared analysis)
    _inspect(alpine.ref("docker-archive"), tmp_path)
    fmts = alpine.expected["formats"]
    shared = set(fmts["oci"]["layer_digests"]) | set(fmts["docker-archive"]["layer_digests"])
    assert len(list((tmp_path / "layers").iterdir())) == len(shared) == 7
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "layers").iterdir()}
    _inspect(alpine.ref("oci-archive"), tmp_path)  # same blobs as the layout: all cached
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "layers").iterdir()} == before


def test_compare_gives_ratios_to_the_first(tmp_path: Path) -> None:
    a, d = ib.alpine_base_image(), ib.debian_base_image()
    rep = compare(
        [a.ref("oci"), d.ref("oci")],
        InspectOptions(target="", image=ImageOptions(cache_dir=tmp_path)),
    )
    data = rep.to_json()
    jsonschema.validate(data, schema("compare-v2.json"))
    first, second = data["images"]
    assert first["ratio"] == {"compressed": 1.0, "uncompressed": 1.0}
    assert second["libc"]["family"] == "glibc" and first["libc"]["family"] == "musl"
    assert second["ratio"]["uncompressed"] > 4  # the seed: Alpine is several times smaller
    quick = compare(
        [a.ref("oci"), d.ref("oci")],
        InspectOptions(target="", image=ImageOptions(cache_dir=tmp_path), layers=False),
    ).to_json()
    assert quick["images"][1]["size"]["uncompressed"] is None
    assert quick["images"][1]["size"]["compressed"] == second["size"]["compressed"]


def test_scan_image_paths_as_in_the_image(tmp_path: Path) -> None:
    img = ib.glibc_app_image()
    report = scan(ScanOptions(target=img.ref("oci"), image=ImageOptions(cache_dir=tmp_path)))
    data = json.loads(json.dumps(report.to_json()))
    jsonschema.validate(data, schema("scan-v4.json"))
    assert data["target_kind"] == "image" and data["against"]["kind"] == "image"
    by_path = {b["path"]: b for b in data["binaries"]}
    glibc = [b for b in data["binaries"] if b["libc"] == "glibc"]
    assert glibc and all(b["verdict"] != "ok" for b in glibc if b["kind"] == "executable")
    assert any(p.startswith("lib/") for p in by_path)  # the Alpine base's own files
    assert all(
        b["verdict"] == "ok"
        for b in data["binaries"]
        if b["libc"] == "musl" and not b["missing_libraries"]
    )


def test_scan_against_an_image_equals_against_its_rootfs(wheels_dir: Path, tmp_path: Path) -> None:
    base = ib.alpine_base_image()
    via_image = scan(
        ScanOptions(
            target=wheels_dir / "manylinux",
            against=base.ref("oci"),
            image=ImageOptions(cache_dir=tmp_path),
            jobs=1,
        )
    ).to_json()
    via_profile = scan(ScanOptions(target=wheels_dir / "manylinux", jobs=1)).to_json()
    assert via_image["against"]["kind"] == "image"

    def strip(d: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (
                b["path"],
                b["verdict"],
                b["unresolved_symbols"],
                b["missing_libraries"],
            )
            for b in d["binaries"]
        ]

    assert strip(via_image) == strip(via_profile)


def test_against_a_glibc_image_is_refused(
    debian: ib.BuiltImage, tmp_path: Path, wheels_dir: Path
) -> None:
    with pytest.raises(InputError, match="not a musl image"):
        scan(
            ScanOptions(
                target=wheels_dir, against=debian.ref("oci"), image=ImageOptions(cache_dir=tmp_path)
            )
        )


HOSTILE_ERRORS = {
    "gzip-bomb": "decompression bomb",
    "zstd-bomb": "decompression bomb",
    "layer-digest-mismatch": "mismatch",
    "config-digest-mismatch": "mismatch",
    "manifest-digest-mismatch": "mismatch",
    "truncated-layer": "",
    "size-mismatch": "mismatch",
    "missing-blob": "missing",
    "huge-pax": "header",
}
HOSTILE_WARNINGS = {
    "path-dotdot": "escapes the image root",
    "path-absolute": "absolute name",
    "hardlink-escape": "escapes the image root",
    "device-nodes": "device entry",
}


@pytest.mark.parametrize(
    "case", sorted(HOSTILE_ERRORS) + sorted(HOSTILE_WARNINGS) + ["symlink-escape"]
)
def test_hostile_images(case: str, tmp_path: Path) -> None:
    img = ib.hostile_images()[case]
    cache = tmp_path / "cache"
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(private_tmp))
    for ref in [f"oci:{img.oci_dir}"] + (
        [f"docker-archive:{img.docker_archive}"] if img.docker_archive else []
    ):
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "alpine_ready",
                "inspect",
                ref,
                "--cache-dir",
                str(cache),
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=env,
        )
        assert "Traceback" not in r.stderr, r.stderr
        if case in HOSTILE_ERRORS:
            assert r.returncode == 2, (ref, r.stdout[-500:])
            expected = HOSTILE_ERRORS[case]
            if case.endswith("bomb") and ref.startswith("docker-archive:"):
                # a docker-save layer must hash to its diff_id: a compressed bomb fails
                # that check, or the bomb check, whichever its reading reaches first
                assert "bomb" in r.stderr or "mismatch" in r.stderr, r.stderr
                expected = ""
            assert r.stderr.count("\n") == 1 and expected in r.stderr, r.stderr
        else:
            assert r.returncode == 0, r.stderr
            warnings = json.loads(r.stdout)["warnings"]
            if case in HOSTILE_WARNINGS:
                assert any(HOSTILE_WARNINGS[case] in w for w in warnings), warnings
    # nothing written outside the cache (not even temporary files)
    assert list(private_tmp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) in (["tmp"], ["cache", "tmp"])
    if cache.exists():
        for p in cache.rglob("*"):
            assert p.resolve().is_relative_to(cache.resolve())


def test_registry_pull_with_token_auth_and_cache(alpine: ib.BuiltImage, tmp_path: Path) -> None:
    with rs.run_registry(auth="token", public_repos=("pub/alpine",)) as reg:
        reg.push(alpine.ref("oci"), "pub/alpine:3.23", reg.creds())
        ref = f"docker://{reg.host}/pub/alpine:3.23"
        got = _inspect(ref, tmp_path)
        assert got["size"]["compressed"] == alpine.expected["size"]["compressed"]
        assert got["packages"]["count"] == 59
        blobs = list((tmp_path / "blobs").rglob("*"))
        assert blobs
        quick = run(
            InspectOptions(target=ref, image=ImageOptions(cache_dir=tmp_path), layers=False)
        ).to_json()
        assert quick["size"]["compressed"] == got["size"]["compressed"]
    # the registry is gone: manifests are not cached (tags move), so this is an input error
    r = subprocess.run(
        [sys.executable, "-m", "alpine_ready", "inspect", ref, "--cache-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.count("\n") == 1


def test_registry_private_repo_needs_credentials(alpine: ib.BuiltImage, tmp_path: Path) -> None:
    with rs.run_registry(auth="token") as reg:
        reg.push(alpine.ref("oci"), "team/app:1", reg.creds())
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "alpine_ready",
                "inspect",
                f"docker://{reg.host}/team/app:1",
                "--cache-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={"PATH": "/usr/bin:/bin", "DOCKER_CONFIG": str(tmp_path / "d")},
        )
        assert r.returncode == 2 and "auth" in r.stderr.lower(), r.stderr


def test_docker_daemon_through_its_socket(
    alpine: ib.BuiltImage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docker-daemon:REF speaks the Engine API over the socket named by DOCKER_HOST.

    No Docker engine runs here, so a stand-in serves the one endpoint used
    (``GET /v1.41/images/NAME/get`` = the ``docker save`` stream) from a real archive.
    """
    import http.server
    import socketserver
    import threading
    import urllib.parse

    archive = alpine.docker_archive
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(urllib.parse.unquote(self.path))
            if self.path.endswith("/get") and "alpine" in self.path:
                data = archive.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self.send_response(404)
                self.end_headers()
                self.wfile.write(b'{"message":"No such image"}')

        def log_message(self, *args: object) -> None:
            pass

    class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

        def get_request(self):  # type: ignore[no-untyped-def]
            conn, _ = super().get_request()
            return conn, ("local", 0)

    sock = tmp_path / "docker.sock"
    server = UnixServer(str(sock), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("DOCKER_HOST", f"unix://{sock}")
        got = _inspect("docker-daemon:alpine-ready/alpine:3.23-test", tmp_path / "cache")
        assert asked == ["/v1.41/images/alpine-ready/alpine:3.23-test/get"]
        assert got["packages"]["count"] == 59
        assert list((tmp_path / "cache" / "daemon").iterdir()) == []  # spool removed
        with pytest.raises(InputError, match="answered 404"):
            _inspect("docker-daemon:nothing:here", tmp_path / "cache")
    finally:
        server.shutdown()
        server.server_close()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    with pytest.raises(InputError, match="no Docker daemon here"):
        _inspect("docker-daemon:alpine:3.20", tmp_path / "cache")


def test_layer_analysis_cache_is_size_bounded(alpine: ib.BuiltImage, tmp_path: Path) -> None:
    from alpine_ready.inputs.image import layers as layer_mod
    from alpine_ready.inputs.image.reference import parse
    from alpine_ready.inputs.image.source import analyse, open_image

    source = open_image(parse(alpine.ref("oci")), ImageOptions(cache_dir=tmp_path))
    image = analyse(source, tmp_path)
    biggest = max(p.stat().st_size for p in (tmp_path / "layers").iterdir())
    for la in image.layers:  # rewrite them all under a bound of one file
        layer_mod.store_cached(tmp_path, la, max_bytes=biggest)
    remaining = list((tmp_path / "layers").iterdir())
    assert sum(p.stat().st_size for p in remaining) <= biggest
    assert len(remaining) < 8  # the oldest (the big first layer) went first
    newest = image.layers[-1].digest.replace(":", "-")
    assert any(p.name.startswith(newest) for p in remaining)
