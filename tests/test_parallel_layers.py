"""Uncached layers analysed by a pool of forked processes: the same analyses, cache
and errors as one after the other, and archives that forked readers never share."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import Any, BinaryIO

import pytest

import imagebuild as ib
from alpine_ready.inputs.image import source as source_mod
from alpine_ready.inputs.image.archive import open_docker_archive
from alpine_ready.inputs.image.layers import LayerAnalysis
from alpine_ready.inputs.image.model import ImageError, ImageSource
from alpine_ready.inputs.image.reference import parse
from alpine_ready.inputs.image.source import (
    PARALLEL_MIN_BYTES,
    AnalysedImage,
    ImageOptions,
    analyse,
    open_image,
    parallel_workers,
)

FORMATS = ["oci", "docker-archive", "oci-archive"]

pytestmark = pytest.mark.skipif(not source_mod._can_fork(), reason="no fork here")


def _open(ref: str) -> ImageSource:
    return open_image(parse(ref), ImageOptions(cache_dir=None))


def _cache_files(cache: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(cache)): p.read_bytes() for p in sorted(cache.rglob("*")) if p.is_file()
    }


def _same(serial: AnalysedImage, parallel: AnalysedImage) -> None:
    assert len(serial.layers) == len(parallel.layers)
    for a, b in zip(serial.layers, parallel.layers, strict=True):
        assert a.to_json() == b.to_json()
        assert a.elves == b.elves
    assert serial.fs == parallel.fs


@pytest.fixture(scope="module")
def images() -> dict[str, ib.BuiltImage]:
    return {"debian": ib.debian_image(), "alpine": ib.alpine_image()}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["debian", "alpine"])
def test_parallel_equals_serial(
    images: dict[str, ib.BuiltImage], name: str, fmt: str, tmp_path: Path
) -> None:
    ref = images[name].ref(fmt)
    for elves in (True, False):
        serial_cache, parallel_cache = tmp_path / f"s{elves}", tmp_path / f"p{elves}"
        serial = analyse(_open(ref), serial_cache, elves=elves, workers=1)
        parallel = analyse(_open(ref), parallel_cache, elves=elves, workers=2)
        assert len(parallel.layers) >= 2
        _same(serial, parallel)
        # the parent cached the same analyses, byte for byte
        assert _cache_files(serial_cache) == _cache_files(parallel_cache)
        # and what the cache gives back is what was analysed
        _same(serial, analyse(_open(ref), parallel_cache, elves=elves, workers=2))
    # one source analysed in parallel twice, then here: its open archive survives the forks
    src = _open(ref)
    _same(serial, analyse(src, None, elves=False, workers=2))
    _same(serial, analyse(src, None, elves=False, workers=2))
    _same(serial, analyse(src, None, elves=False, workers=1))


def test_progress_reports_layers_done(images: dict[str, ib.BuiltImage]) -> None:
    calls: list[tuple[int, int | None, str]] = []
    src = _open(images["alpine"].ref("oci"))
    analyse(src, None, lambda d, t, m: calls.append((d, t, m)), workers=2)
    total = len(src.layers)
    assert calls[-1] == (total, total, "layers")
    done = [d for d, _, _ in calls]
    assert done == sorted(done) and done[0] == 0
    analysed = [m for _, _, m in calls if m.endswith(" analysed")]
    assert len(analysed) == total - 1  # the last one is the final call
    assert calls.count((total, total, "layers")) == 1


# -- hostile layers: the same one-line error ------------------------------------------------


class _Router:
    """Blobs of several sources, by digest (to put a hostile layer among good ones)."""

    def __init__(self, sources: list[ImageSource]) -> None:
        self.by_digest = {la.digest: s.blobs for s in sources for la in s.layers}

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        return self.by_digest[digest].open_blob(digest, size)


def _mixed(hostile: ImageSource, good: ImageSource, where: str) -> ImageSource:
    bad = list(hostile.layers)
    layers = [*bad, *good.layers] if where == "first" else [*good.layers, *bad]
    return dataclasses.replace(hostile, layers=tuple(layers), blobs=_Router([hostile, good]))


def _error(src: ImageSource, cache: Path | None, workers: int) -> ImageError:
    with pytest.raises(ImageError) as info:
        analyse(src, cache, elves=False, workers=workers)
    return info.value


@pytest.mark.parametrize("transport", ["oci", "docker-archive"])
@pytest.mark.parametrize("case", ["layer-digest-mismatch", "gzip-bomb"])
def test_hostile_layer_fails_alike(
    images: dict[str, ib.BuiltImage], case: str, transport: str, tmp_path: Path
) -> None:
    img = ib.hostile_images()[case]
    if transport == "docker-archive" and img.docker_archive is None:
        pytest.skip("no docker-archive form")
    ref = img.ref(transport)
    alone = _error(_open(ref), None, 1)
    assert "\n" not in str(alone)
    if case == "gzip-bomb" and transport == "oci":
        assert "decompression bomb" in str(alone)
    if case == "layer-digest-mismatch":
        assert "mismatch" in str(alone)
    good = _open(images["alpine"].ref(transport))
    for where in ("first", "last"):
        serial_cache, parallel_cache = tmp_path / f"s-{where}", tmp_path / f"p-{where}"
        serial = _error(_mixed(_open(ref), good, where), serial_cache, 1)
        parallel = _error(_mixed(_open(ref), good, where), parallel_cache, 2)
        assert str(serial) == str(parallel) == str(alone)
        assert type(parallel) is type(serial) is type(alone)
        assert isinstance(parallel, ImageError)
        assert parallel.__cause__ is None and parallel.__suppress_context__
        # the layers before the failing one were cached, as one after the other does
        assert _cache_files(serial_cache) == _cache_files(parallel_cache)
        assert bool(_cache_files(parallel_cache)) == (where == "last")


def test_first_failing_layer_in_layer_order_wins(images: dict[str, ib.BuiltImage]) -> None:
    hostile = ib.hostile_images()
    mismatch = _open(hostile["layer-digest-mismatch"].ref("oci"))
    bomb = _open(hostile["gzip-bomb"].ref("oci"))
    good = _open(images["alpine"].ref("oci"))
    for first, second in ((mismatch, bomb), (bomb, mismatch)):
        layers = (*first.layers, *good.layers, *second.layers)
        src = dataclasses.replace(first, layers=layers, blobs=_Router([first, second, good]))
        assert str(_error(src, None, 2)) == str(_error(src, None, 1)) == str(_error(first, None, 1))


# -- when a pool is used --------------------------------------------------------------------


def test_threshold() -> None:
    big, small = PARALLEL_MIN_BYTES, PARALLEL_MIN_BYTES // 4
    assert parallel_workers([big, big], cpus=2) == 2
    assert parallel_workers([big, 1, 1, 1], cpus=2) == 2
    assert parallel_workers([big, 1, 1], cpus=8) == 3
    assert parallel_workers([small, small], cpus=2) == 1  # not worth a pool
    assert parallel_workers([small] * 4, cpus=2) == 2  # 16 MiB in all
    assert parallel_workers([big * 10], cpus=2) == 1  # one layer: nothing to share
    assert parallel_workers([], cpus=2) == 1
    assert parallel_workers([big, big], cpus=1) == 1


def test_threshold_without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source_mod, "_can_fork", lambda: False)
    assert parallel_workers([PARALLEL_MIN_BYTES] * 2, cpus=2) == 1


def _pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the pools analyse() starts (and the workers asked for)."""
    started: list[int] = []
    real = source_mod._analyse_parallel

    def spy(*args: Any) -> None:
        started.append(args[-1])
        real(*args)

    monkeypatch.setattr(source_mod, "_analyse_parallel", spy)
    monkeypatch.setattr(source_mod, "_cpu_count", lambda: 2)
    return started


def test_pool_only_past_the_threshold(
    images: dict[str, ib.BuiltImage], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _pools(monkeypatch)
    alpine = _open(images["alpine"].ref("oci"))
    assert len(alpine.layers) >= 2 and alpine.compressed_size < PARALLEL_MIN_BYTES
    analyse(alpine, tmp_path, elves=False)
    assert started == []  # small: one after the other
    debian = _open(images["debian"].ref("oci"))
    assert debian.compressed_size > PARALLEL_MIN_BYTES
    analyse(debian, tmp_path, elves=False)
    assert started == [2]
    analyse(debian, tmp_path, elves=False)  # all cached: nothing to analyse
    assert started == [2]
    # one layer left uncached: no pool for it
    (tmp_path / "layers" / f"{debian.layers[0].digest.replace(':', '-')}.json").unlink()
    analyse(debian, tmp_path, elves=False)
    assert started == [2]


def test_no_fork_no_pool(images: dict[str, ib.BuiltImage], monkeypatch: pytest.MonkeyPatch) -> None:
    started = _pools(monkeypatch)
    monkeypatch.setattr(source_mod, "_can_fork", lambda: False)
    src = _open(images["debian"].ref("oci"))
    serial = analyse(src, None, elves=False, workers=2)
    assert started == []
    monkeypatch.undo()
    _same(serial, analyse(src, None, elves=False, workers=2))


def test_analyses_pickle(images: dict[str, ib.BuiltImage]) -> None:
    import pickle

    for la in analyse(_open(images["alpine"].ref("oci")), None, workers=1).layers:
        back = pickle.loads(pickle.dumps(la))
        assert isinstance(back, LayerAnalysis) and back == la


# -- a forked reader never shares the archive's file offset ------------------------------------


def _read_in_child(src: ImageSource, digest: str, size: int) -> int:
    """Fork; the child reads (and so verifies) one blob. Its exit status."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 1
        try:
            with src.blobs.open_blob(digest, size) as blob:
                while blob.read(1 << 16):
                    pass
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.parametrize("unlinked", [False, True])
def test_forked_children_read_the_archive_in_place(
    images: dict[str, ib.BuiltImage], tmp_path: Path, unlinked: bool
) -> None:
    """Members are read with pread: a child reading through the descriptor it
    inherited never moves the file offset it shares with its parent."""
    archive = tmp_path / "image.tar"
    shutil.copyfile(images["alpine"].docker_archive, archive)
    src = open_docker_archive(archive)
    if unlinked:  # as a spooled docker-daemon: archive is
        archive.unlink()
    parent_fd = src.blobs.tar._fh.fileno()  # type: ignore[attr-defined]
    os.lseek(parent_fd, 12345, os.SEEK_SET)  # a shared offset anyone moving would change
    layer = max(src.layers, key=lambda la: la.size)
    # the parent is half-way through the blob when the children read all of it
    blob = src.blobs.open_blob(layer.digest, layer.size)
    blob.read(layer.size // 2)
    for _ in range(2):
        assert _read_in_child(src, layer.digest, layer.size) == 0
    assert os.lseek(parent_fd, 0, os.SEEK_CUR) == 12345  # untouched by anyone
    while blob.read(1 << 16):  # and the parent's stream still verifies
        pass
    blob.close()
