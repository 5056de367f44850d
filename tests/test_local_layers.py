"""Layers of local images (docker archives, OCI layouts and archives) verified apart.

A plain-tar layer kept in a local file is walked by seeking over the content
nobody reads, while :class:`RegionDigests` hashes the same bytes straight from the
file in other threads.  What must hold: the analyses, the cache and every error
are those of the verifying stream that reads each layer whole (the path a
registry blob or a compressed layer takes), and nothing unverified is cached or
returned -- not even when the file changes while it is read.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

import pytest

import imagebuild as ib
from alpine_ready.inputs.image import source as source_mod
from alpine_ready.inputs.image.digests import Region, RegionDigests, file_identity
from alpine_ready.inputs.image.model import ImageError, ImageSource
from alpine_ready.inputs.image.reference import parse
from alpine_ready.inputs.image.source import AnalysedImage, ImageOptions, analyse, open_image
from alpine_ready.inputs.image.verify import VerifyingReader


def _open(ref: str) -> ImageSource:
    return open_image(parse(ref), ImageOptions(cache_dir=None))


class _StreamOnly:
    """The source's blobs without ``open_local``: every layer through a verifying stream."""

    def __init__(self, blobs: Any) -> None:
        self.blobs = blobs

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        return self.blobs.open_blob(digest, size)  # type: ignore[no-any-return]


def _streamed(src: ImageSource) -> ImageSource:
    import dataclasses

    return dataclasses.replace(src, blobs=_StreamOnly(src.blobs))


def _cache_files(cache: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(cache)): p.read_bytes() for p in sorted(cache.rglob("*")) if p.is_file()
    }


def _same(a: AnalysedImage, b: AnalysedImage) -> None:
    assert [x.to_json() for x in a.layers] == [y.to_json() for y in b.layers]
    assert [x.elves for x in a.layers] == [y.elves for y in b.layers]
    assert a.fs == b.fs


def _uses_local_path(src: ImageSource, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the layers the local path walks (to know the test exercises it)."""
    walked: list[int] = []
    real = source_mod.analyse_layer  # type: ignore[attr-defined]

    def counting(blob: BinaryIO, *args: Any, **kw: Any) -> Any:
        if callable(getattr(blob, "skip", None)):
            walked.append(1)
        return real(blob, *args, **kw)

    monkeypatch.setattr(source_mod, "analyse_layer", counting)
    return walked


# -- the local path gives what the verifying stream gives -------------------------------


@pytest.mark.parametrize("fmt", ["docker-archive", "oci", "oci-archive"])
@pytest.mark.parametrize("name", ["debian", "alpine", "glibc-app"])
def test_local_equals_streamed(
    name: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    img = {"debian": ib.debian_image, "alpine": ib.alpine_image, "glibc-app": ib.glibc_app_image}[
        name
    ]()
    ref = img.ref(fmt)
    walked = _uses_local_path(_open(ref), monkeypatch)
    for elves in (True, False):
        local_cache, stream_cache = tmp_path / f"l{elves}", tmp_path / f"s{elves}"
        local = analyse(_open(ref), local_cache, elves=elves, workers=1)
        streamed = analyse(_streamed(_open(ref)), stream_cache, elves=elves, workers=1)
        _same(local, streamed)
        assert _cache_files(local_cache) == _cache_files(stream_cache)
    plain = all(layer.media_type.endswith(".tar") for layer in _open(ref).layers)
    # docker save's layers are plain tars: walked by seeking; compressed ones are not
    assert bool(walked) == plain == (fmt == "docker-archive")


HOSTILE = [
    "layer-digest-mismatch",
    "truncated-layer",
    "size-mismatch",
    "gzip-bomb",
    "huge-pax",
    "path-dotdot",
    "hardlink-escape",
    "device-nodes",
    "symlink-escape",
]


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_archives_fail_alike(case: str, tmp_path: Path) -> None:
    img = ib.hostile_images()[case]
    if img.docker_archive is None:
        pytest.skip("no docker-archive form")
    ref = img.ref("docker-archive")
    outcomes = []
    for label, src in (("local", _open(ref)), ("streamed", _streamed(_open(ref)))):
        cache = tmp_path / label
        try:
            result: object = analyse(src, cache, elves=False, workers=1).warnings
        except ImageError as exc:
            assert "\n" not in str(exc)
            result = str(exc)
        outcomes.append((result, _cache_files(cache) if cache.exists() else {}))
    assert outcomes[0] == outcomes[1]


def test_a_bad_layer_is_never_cached_and_earlier_ones_are(tmp_path: Path) -> None:
    """A docker archive whose second layer's bytes do not match its diff_id."""
    good = ib.debian_image()
    archive = tmp_path / "bad.tar"
    archive.write_bytes(good.docker_archive.read_bytes())
    src = _open(f"docker-archive:{archive}")
    assert len(src.layers) >= 2
    # flip one byte in the content of the second layer's largest file (not a header:
    # the walk succeeds, only the digest tells)
    import io
    import tarfile

    with tarfile.open(archive) as tf:
        member = next(m for m in tf.getmembers() if m.name == src.blobs.names[src.layers[1].digest])  # type: ignore[attr-defined]
        inner = tf.extractfile(member)
        assert inner is not None
        with tarfile.open(fileobj=io.BytesIO(inner.read())) as layer:
            biggest = max((m for m in layer.getmembers() if m.isreg()), key=lambda m: m.size)
    assert biggest.size > 100
    with archive.open("r+b") as f:
        f.seek(member.offset_data + biggest.offset_data + biggest.size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0x20]))
    cache = tmp_path / "cache"
    with pytest.raises(ImageError, match=": digest mismatch: expected " + src.layers[1].digest):
        analyse(_open(f"docker-archive:{archive}"), cache, elves=False)
    cached = sorted(p.name for p in (cache / "layers").iterdir())
    assert cached == [src.layers[0].digest.replace(":", "-") + ".json"]


def test_a_file_changed_while_read_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "img.tar"
    archive.write_bytes(ib.alpine_image().docker_archive.read_bytes())
    calls = []

    def progress(done: int, total: int | None, message: str) -> None:
        calls.append(message)
        if len(calls) == 2:  # the first layer was walked: append to the archive
            with archive.open("ab") as f:
                f.write(b"\0" * 1024)

    src = _open(f"docker-archive:{archive}")
    assert len(src.layers) >= 2
    cache = tmp_path / "cache"
    with pytest.raises(ImageError, match=r"layer .*: the file changed while it was read"):
        analyse(src, cache, progress, elves=False)
    assert not list(cache.rglob("*.json"))  # nothing from the changed file was cached


# -- RegionDigests ---------------------------------------------------------------------


def _region(
    path: Path,
    data: bytes,
    offset: int = 0,
    *,
    digest: str | None = None,
    size: int | None = None,
    length: int | None = None,
) -> tuple[Region, Any]:
    fh = path.open("rb")
    fd = fh.fileno()
    digest = digest or "sha256:" + hashlib.sha256(data).hexdigest()
    region = Region(
        fd,
        offset,
        len(data) if length is None else length,
        digest,
        len(data) if size is None else size,
        f"blob {path.name}",
        file_identity(fd),
    )
    return region, fh


def _stream_error(raw: bytes, digest: str, size: int | None, what: str) -> str | None:
    import io

    reader = VerifyingReader(io.BytesIO(raw), digest, size, what)
    try:
        reader.drain()
    except ImageError as exc:
        return str(exc)
    return None


def test_region_errors_are_the_streams(tmp_path: Path) -> None:
    data = os.urandom(3 << 20) + b"tail"
    path = tmp_path / "blob"
    path.write_bytes(b"head" + data + b"after")
    right = "sha256:" + hashlib.sha256(data).hexdigest()
    wrong = "sha256:" + hashlib.sha256(b"other").hexdigest()
    cases = {  # (digest, declared size, region length): what the stream would read
        "ok": (right, len(data), len(data)),
        "digest": (wrong, len(data), len(data)),
        "short": (right, len(data) + 7, len(data)),
        "long": (right, len(data) - 7, len(data)),
        "past the file's end": (right, len(data), len(data) + 100),
        "no size": (right, None, len(data)),
    }
    fhs = []
    with RegionDigests(2) as digests:
        for key, (digest, size, length) in cases.items():
            region, fh = _region(path, data, 4, digest=digest, size=size, length=length)
            fhs.append(fh)
            digests.submit(key, region)
        for key, (digest, size, length) in cases.items():
            raw = (b"head" + data + b"after")[4 : 4 + length]
            want = _stream_error(raw, digest, size, f"blob {path.name}")
            try:
                digests.check(key)
                got = None
            except ImageError as exc:
                got = str(exc)
            assert got == want, key
    assert [
        k
        for k in cases
        if _stream_error(
            (b"head" + data + b"after")[4 : 4 + cases[k][2]], cases[k][0], cases[k][1], "x"
        )
        is None
    ] == ["ok", "no size"]
    for fh in fhs:
        fh.close()


def test_regions_submitted_one_by_one_are_all_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hasher that found the queue empty has ended: the next region starts another
    (rather than leaving the work to whoever checks)."""
    path = tmp_path / "blob"
    data = os.urandom(1 << 16)
    path.write_bytes(data)
    by: list[str] = []
    real = RegionDigests._verify

    def spy(self: RegionDigests, region: Region, buffer: bytearray) -> Any:
        by.append(threading.current_thread().name)
        return real(self, region, buffer)

    monkeypatch.setattr(RegionDigests, "_verify", spy)
    fhs = []
    with RegionDigests(1) as digests:
        for i in range(5):
            region, fh = _region(path, data[: len(data) - i])  # five different regions
            fhs.append(fh)
            digests.submit(i, region)
            deadline = time.monotonic() + 10
            while len(by) <= i and time.monotonic() < deadline:
                time.sleep(0.001)  # let the hasher take it
            while threading.active_count() > 1 and time.monotonic() < deadline:
                time.sleep(0.001)  # and end
        for i in range(5):
            digests.check(i)
    assert by == ["region-hash"] * 5
    for fh in fhs:
        fh.close()


def test_the_waiting_thread_hashes_too_and_close_stops(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    data = os.urandom(8 << 20)
    path.write_bytes(data)
    fhs = []
    names: set[str] = set()
    real = RegionDigests._verify
    waiter_hashed = threading.Event()

    def spy(self: RegionDigests, region: Region, buffer: bytearray) -> Any:
        name = threading.current_thread().name
        names.add(name)
        if name == "region-hash":
            # the hasher holds its first region until the waiting thread has taken one
            # from the queue: on a loaded machine it could otherwise hash all six first
            waiter_hashed.wait(10)
        else:
            waiter_hashed.set()
        return real(self, region, buffer)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(RegionDigests, "_verify", spy)
        with RegionDigests(1) as digests:
            for i in range(6):  # six different regions (the same one is hashed once)
                region, fh = _region(path, data[: len(data) - i])
                fhs.append(fh)
                digests.submit(i, region)
            for i in range(6):
                digests.check(i)
    assert names == {"region-hash", threading.current_thread().name}
    # closed with work queued: returns at once, no thread left behind
    before = threading.active_count()
    digests = RegionDigests(1)
    for i in range(20):
        region, fh = _region(path, data[: len(data) - i])
        fhs.append(fh)
        digests.submit(i, region)
    digests.close()
    assert threading.active_count() == before
    with pytest.raises(ImageError, match="stopped"):
        digests.check(19)
    for fh in fhs:
        fh.close()


# -- early verification (the command line starts hashing before the analysis loads) --------


def _hashed_by(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for every region hashed, whether the early instance hashed it."""
    from alpine_ready.inputs.image import digests

    seen: list[bool] = []
    real = RegionDigests._verify

    def spy(self: RegionDigests, region: Region, buffer: bytearray) -> Any:
        seen.append(self is digests.EARLY)
        return real(self, region, buffer)

    monkeypatch.setattr(RegionDigests, "_verify", spy)
    return seen


def test_early_verification_is_adopted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from alpine_ready.inputs.image import digests
    from alpine_ready.inputs.image.localfiles import stop_early, verify_early

    monkeypatch.setattr(digests, "cpu_count", lambda: 2)
    monkeypatch.setattr("alpine_ready.inputs.image.localfiles.cpu_count", lambda: 2)
    img = ib.debian_image()
    ref = img.ref("docker-archive")
    plain = analyse(_open(ref), tmp_path / "plain", elves=False)
    hashed = _hashed_by(monkeypatch)
    interval = sys.getswitchinterval()
    verify_early([img.docker_archive], tmp_path / "early", elves=False)  # type: ignore[list-item]
    try:
        assert digests.EARLY is not None
        early = analyse(_open(ref), tmp_path / "early", elves=False)
    finally:
        stop_early()
    assert digests.EARLY is None and sys.getswitchinterval() == interval
    _same(plain, early)
    assert _cache_files(tmp_path / "plain") == _cache_files(tmp_path / "early")
    assert hashed and all(hashed)  # every layer hashed once, by the early instance
    assert len(hashed) == len({la.digest for la in plain.layers})
    # cached layers are not hashed early at all
    hashed.clear()
    verify_early([img.docker_archive], tmp_path / "early", elves=False)  # type: ignore[list-item]
    try:
        assert digests.EARLY is None  # nothing to verify: no instance started
        analyse(_open(ref), tmp_path / "early", elves=False)
    finally:
        stop_early()
    assert hashed == []


def test_early_verification_reports_what_the_analysis_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alpine_ready.inputs.image import digests
    from alpine_ready.inputs.image.localfiles import stop_early, verify_early

    monkeypatch.setattr("alpine_ready.inputs.image.localfiles.cpu_count", lambda: 2)
    for case in ("layer-digest-mismatch", "truncated-layer", "path-dotdot"):
        archive = ib.hostile_images()[case].docker_archive
        assert archive is not None
        ref = f"docker-archive:{archive}"
        outcomes = []
        for early in (False, True):
            if early:
                verify_early([archive], None, elves=False)
                assert digests.EARLY is not None
            try:
                result: object = analyse(_open(ref), None, elves=False).warnings
            except ImageError as exc:
                result = str(exc)
            finally:
                stop_early()
            outcomes.append(result)
        assert outcomes[0] == outcomes[1], case


def test_early_verification_of_a_changed_or_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alpine_ready.inputs.image import digests
    from alpine_ready.inputs.image.localfiles import stop_early, verify_early

    monkeypatch.setattr("alpine_ready.inputs.image.localfiles.cpu_count", lambda: 2)
    # not an archive, missing, a directory: nothing started, nothing raised
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar" * 100)
    verify_early([junk, tmp_path / "missing.tar", tmp_path], None, elves=False)
    assert digests.EARLY is None
    # changed after the early start: not adopted (other bytes), hashed again, still right
    archive = tmp_path / "img.tar"
    archive.write_bytes(ib.alpine_image().docker_archive.read_bytes())  # type: ignore[union-attr]
    hashed = _hashed_by(monkeypatch)
    verify_early([archive], None, elves=False)
    try:
        with archive.open("ab") as f:
            f.write(bytes(1024))  # past the end-of-archive blocks: still the same image
        analysed = analyse(_open(f"docker-archive:{archive}"), None, elves=False)
    finally:
        stop_early()
    assert analysed.layers and False in hashed
    # one CPU: nothing is started (it would slow what it should overlap)
    monkeypatch.setattr("alpine_ready.inputs.image.localfiles.cpu_count", lambda: 1)
    verify_early([archive], None, elves=False)
    assert digests.EARLY is None


def test_cli_verifies_early_and_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from alpine_ready.cli.main import main
    from alpine_ready.inputs.image import digests

    started: list[object] = []
    real = RegionDigests.submit

    def spy(self: RegionDigests, key: object, region: Region) -> None:
        if self is digests.EARLY:
            started.append(key)
        real(self, key, region)

    monkeypatch.setattr(RegionDigests, "submit", spy)
    monkeypatch.setattr("alpine_ready.inputs.image.localfiles.cpu_count", lambda: 2)
    img = ib.alpine_image()
    outs = []
    for n, ref in enumerate((f"docker-archive:{img.docker_archive}", img.ref("oci"))):
        out = tmp_path / f"{n}.json"
        assert (
            main(
                [
                    "inspect",
                    ref,
                    "--format",
                    "json",
                    "-o",
                    str(out),
                    "--cache-dir",
                    str(tmp_path / f"cache{n}"),
                ]
            )
            == 0
        )
        assert digests.EARLY is None  # stopped when the command ended
        outs.append(json.loads(out.read_text()))
    assert started  # the docker archive was verified early
    docker, oci = outs  # the same image: the same files (the OCI layout's layers are gzipped)
    assert docker["size"]["uncompressed"] == oci["size"]["uncompressed"]
    assert docker["packages"] == oci["packages"] and docker["waste"] == oci["waste"]


# -- hostile outer archives (listed from their headers, not by tarfile) --------------------


def _outer(
    tmp_path: Path, name: str, members: list[tuple[str, bytes]], fmt: int | None = None
) -> Path:
    import io
    import tarfile

    path = tmp_path / name
    with tarfile.open(path, "w", format=fmt or tarfile.USTAR_FORMAT) as tf:
        for member, data in members:
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def _cli(*args: str) -> Any:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_hostile_outer_archives_fail_cleanly(tmp_path: Path) -> None:
    import json
    import tarfile

    good = ib.alpine_image().docker_archive
    assert good is not None
    raw = good.read_bytes()
    manifest = [{"Config": "c.json", "Layers": ["l/layer.tar"], "RepoTags": []}]
    config = {"rootfs": {"diff_ids": ["sha256:" + "0" * 64]}}
    cases: dict[str, tuple[Path, str]] = {}
    bad = bytearray(raw)
    bad[148:156] = b"0000000\0"  # the first header's checksum
    (tmp_path / "checksum.tar").write_bytes(bytes(bad))
    cases["checksum"] = (tmp_path / "checksum.tar", "not a readable tar archive")
    (tmp_path / "cut.tar").write_bytes(raw[: len(raw) * 2 // 3])
    cases["cut"] = (tmp_path / "cut.tar", "not a readable tar archive (unexpected end of data")
    pax = _outer(tmp_path, "pax.tar", [("m" * 10, b"x")], fmt=tarfile.PAX_FORMAT)
    data = pax.read_bytes()
    huge = b"%d path=%s\n" % (2 << 20, b"p" * (2 << 20))
    from alpine_ready.inputs.image.tarstream import BLOCK

    hdr = bytearray(data[:BLOCK])  # a PAX header announcing 2 MiB of records
    hdr[0:100] = b"././@PaxHeader".ljust(100, b"\0")
    hdr[156:157] = b"x"
    hdr[124:136] = b"%011o\0" % len(huge)
    hdr[148:156] = b" " * 8
    hdr[148:156] = b"%06o\0 " % sum(hdr)
    (tmp_path / "pax-huge.tar").write_bytes(bytes(hdr) + huge + bytes(-len(huge) % BLOCK))
    cases["pax"] = (tmp_path / "pax-huge.tar", "not a readable tar archive")
    cases["missing layer"] = (
        _outer(
            tmp_path,
            "missing.tar",
            [
                ("manifest.json", json.dumps(manifest).encode()),
                ("c.json", json.dumps(config).encode()),
            ],
        ),
        "missing from the archive",
    )
    cases["blobs name"] = (
        _outer(
            tmp_path,
            "blobs.tar",
            [
                (
                    "manifest.json",
                    json.dumps([{"Config": "c.json", "Layers": ["blobs/sha256"]}]).encode(),
                ),
                ("c.json", json.dumps(config).encode()),
                ("blobs/sha256", b"x"),
            ],
        ),
        "blobs/sha256",
    )
    cases["not json"] = (
        _outer(tmp_path, "notjson.tar", [("manifest.json", b"{nope")]),
        "not valid JSON",
    )
    cases["empty"] = (_outer(tmp_path, "empty.tar", []), "no manifest.json")
    for case, (path, expected) in cases.items():
        r = _cli(
            "inspect",
            f"docker-archive:{path}",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--format",
            "json",
        )
        assert r.returncode == 2, (case, r.stdout[-300:], r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1, (case, r.stderr)
        assert str(path) in r.stderr and expected in r.stderr, (case, r.stderr)


# -- found by review: each one a failure before its fix -----------------------------------


def _tar_of(files: list[tuple[str, bytes]]) -> bytes:
    import io
    import tarfile

    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return bio.getvalue()


def _docker_archive(path: Path, layers: list[bytes], *, repeat: int = 1) -> Path:
    """A docker-save archive of these layer tars (diff_ids = their digests); ``repeat``
    lists the whole layer list that many times in the manifest."""
    import json

    digests_ = ["sha256:" + hashlib.sha256(la).hexdigest() for la in layers] * repeat
    names = [f"l{i}/layer.tar" for i in range(len(layers))] * repeat
    config = json.dumps({"os": "linux", "rootfs": {"type": "layers", "diff_ids": digests_}})
    manifest = json.dumps([{"Config": "c.json", "Layers": names, "RepoTags": ["x:1"]}])
    members = [("manifest.json", manifest.encode()), ("c.json", config.encode())]
    members += [(f"l{i}/layer.tar", la) for i, la in enumerate(layers)]
    return _outer(path.parent, path.name, members)


def _oci_layout(root: Path, layers: list[tuple[bytes | None, int]]) -> str:
    """An OCI layout of uncompressed layers: (bytes or None for a missing blob, declared
    size)."""
    import json

    def put(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (root / "blobs" / "sha256" / digest).write_bytes(data)
        return "sha256:" + digest

    root.mkdir(parents=True)
    (root / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    descs = []
    for data, size in layers:
        digest = put(data) if data is not None else "sha256:" + "ab" * 32
        descs.append(
            {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size}
        )
    config = json.dumps(
        {"os": "linux", "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in descs]}}
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": put(config),
                "size": len(config),
            },
            "layers": descs,
        }
    ).encode()
    (root / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": put(manifest),
                        "size": len(manifest),
                    }
                ],
            }
        )
    )
    return f"oci:{root}"


def _alike(ref: str, tmp_path: Path, label: str) -> tuple[object, dict[str, bytes]]:
    outcomes = []
    for kind, src in (("local", _open(ref)), ("streamed", _streamed(_open(ref)))):
        cache = tmp_path / f"{label}-{kind}"
        try:
            result: object = analyse(src, cache, elves=False, workers=1).warnings
        except ImageError as exc:
            result = str(exc)
        outcomes.append((result, _cache_files(cache) if cache.exists() else {}))
    assert outcomes[0] == outcomes[1], label
    return outcomes[0]


def test_a_corrupt_layer_before_others_fails_alike(tmp_path: Path) -> None:
    good = _tar_of([("etc/os-release", b"ID=alpine\n"), ("a", b"x" * 5000)])
    bad = bytearray(good)
    bad[1024 + 148 : 1024 + 156] = b"0000000\0"  # the second header's checksum
    archive = _docker_archive(tmp_path / "two.tar", [good, bytes(bad), good + b"\0" * 512])
    error, cached = _alike(f"docker-archive:{archive}", tmp_path, "two")
    assert isinstance(error, str) and "corrupt layer (bad checksum" in error
    assert len([k for k in cached if not k.endswith(".elves.json")]) == 1  # the first


def test_oci_layouts_with_odd_descriptors_fail_alike(tmp_path: Path) -> None:
    big = _tar_of([("a", b"x" * 200_000), ("b", b"y" * 10)])
    corrupt = bytearray(big)
    at = 512 + (200_000 + 511) // 512 * 512  # the header of "b"
    corrupt[at + 148 : at + 156] = b"0000000\0"
    layer = bytes(corrupt) + bytes(500_000)
    # declared one byte short: a verifying stream reads past it before the bad header
    error, _ = _alike(_oci_layout(tmp_path / "short", [(layer, len(layer) - 1)]), tmp_path, "short")
    assert isinstance(error, str) and "size mismatch" in error and "got more" in error
    # a corrupt first layer, then a blob missing from the layout: the first one wins
    head = bytearray(_tar_of([("etc/os-release", b"ID=alpine\n")]))
    head[148:156] = b"0000000\0"
    error, _ = _alike(
        _oci_layout(tmp_path / "missing", [(bytes(head), len(head)), (None, 7)]),
        tmp_path,
        "missing",
    )
    assert isinstance(error, str) and "not a tar stream" in error
    # a good first layer is cached before the missing blob is met
    good = _tar_of([("etc/os-release", b"ID=alpine\n")])
    error, cached = _alike(
        _oci_layout(tmp_path / "good-missing", [(good, len(good)), (None, 7)]),
        tmp_path,
        "good-missing",
    )
    assert isinstance(error, str) and "missing from the layout" in error and cached


def test_the_layer_size_limit_reads_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alpine_ready.inputs.image import layers as layers_mod

    monkeypatch.setattr(layers_mod, "MAX_LAYER_BYTES", 1 << 20)
    error, _ = _alike(ib.debian_image().ref("docker-archive"), tmp_path, "limit")
    assert isinstance(error, str) and f"more than {1 << 20} bytes of tar" in error


def test_an_interrupt_is_not_a_digest_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "blob"
    data = os.urandom(1 << 16)
    path.write_bytes(data)

    def idle(self: RegionDigests) -> None:  # no hashing thread: the caller hashes
        with self._cond:
            self._running -= 1

    def interrupted(self: RegionDigests, region: Region, buffer: bytearray) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(RegionDigests, "_run", idle)
    monkeypatch.setattr(RegionDigests, "_verify", interrupted)
    region, fh = _region(path, data)
    with RegionDigests(1) as digests_, pytest.raises(KeyboardInterrupt):
        digests_.submit("k", region)
        digests_.check("k")
    fh.close()


def test_a_fifo_is_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "image.tar"
    os.mkfifo(fifo)
    r = _cli("inspect", f"docker-archive:{fifo}", "--cache-dir", str(tmp_path / "c"))
    assert r.returncode == 2 and "not a regular file" in r.stderr and "Traceback" not in r.stderr


def test_a_member_listed_many_times_is_hashed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alpine_ready.inputs.image.localfiles import stop_early, verify_early

    monkeypatch.setattr("alpine_ready.inputs.image.localfiles.cpu_count", lambda: 2)
    layer = _tar_of([("etc/os-release", b"ID=alpine\n")])
    archive = _docker_archive(tmp_path / "dups.tar", [layer], repeat=2000)
    hashed = _hashed_by(monkeypatch)
    verify_early([archive], None, elves=False)
    try:
        analysed = analyse(_open(f"docker-archive:{archive}"), None, elves=False)
    finally:
        stop_early()
    assert len(analysed.layers) == 2000 and len(hashed) == 1


@pytest.mark.parametrize(
    "case",
    [
        "config list",
        "rootfs string",
        "entry string",
        "Config list",
        "Layers number",
        "nested",
        "history",
        "created_by number",
    ],
)
def test_malformed_metadata_is_one_line(case: str, tmp_path: Path) -> None:
    """Metadata not in the spec's shape: an error naming the archive, or (history, which
    only describes) left out."""
    import json

    layer = _tar_of([("etc/os-release", b"ID=alpine\n")])
    diff = "sha256:" + hashlib.sha256(layer).hexdigest()
    manifest: object = [{"Config": "c.json", "Layers": ["l0/layer.tar"]}]
    config: object = {"rootfs": {"diff_ids": [diff]}}
    if case == "config list":
        config = []
    elif case == "rootfs string":
        config = {"rootfs": "layers"}
    elif case == "entry string":
        manifest = ["c.json"]
    elif case == "Config list":
        manifest = [{"Config": ["c.json"], "Layers": ["l0/layer.tar"]}]
    elif case == "Layers number":
        manifest = [{"Config": "c.json", "Layers": 5}]
    elif case == "history":
        config = {"rootfs": {"diff_ids": [diff]}, "history": ["RUN x"]}
    elif case == "created_by number":
        config = {"rootfs": {"diff_ids": [diff]}, "history": [{"created_by": 5}]}
    manifest_text = json.dumps(manifest) if case != "nested" else "[" * 100_000
    archive = _outer(
        tmp_path,
        "m.tar",
        [
            ("manifest.json", manifest_text.encode()),
            ("c.json", json.dumps(config).encode()),
            ("l0/layer.tar", layer),
        ],
    )
    r = _cli("inspect", f"docker-archive:{archive}", "--cache-dir", str(tmp_path / "c"))
    assert "Traceback" not in r.stderr, r.stderr
    if case in ("history", "created_by number"):
        assert r.returncode == 0 and "alpine" in r.stdout, r.stderr
        return
    assert r.returncode == 2, r.stdout[-300:]
    assert r.stderr.count("\n") == 1 and str(archive) in r.stderr, r.stderr
