"""Issue 10, second round: hostile images, trees, ELF files, registries and caches.

Classes (the issue's numbers): 4, the caches' writes (planted symlinks, a write cut
by SIGINT/SIGTERM); 5, a registry that would fill the disk; 10, ELF symbol tables
without a budget; 11, corrupted or tampered cache entries; 12, deep trees and files
that could not be analysed.  Everything runs on real inputs: images written by
tests/imagebuild.py, libraries written by tests/elfgen.py, a real HTTP server, the
real CLI in a subprocess where the promise is about the process (no traceback, exit
status, what is left on disk).  No timing assertions: speed and memory are the
benchmark's (benchmarks/hostile/images.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import elfgen
import imagebuild as ib
from alpine_ready.analysis.scan import ScanOptions
from alpine_ready.analysis.scan import run as scan
from alpine_ready.elf.reader import (
    MAX_FILE_SYMBOLS,
    MAX_RUN_SYMBOLS,
    RUN_BUDGET_SPENT,
    SymbolTableTooLarge,
    read_elf,
    read_elf_bytes,
)
from alpine_ready.guard.write import TEMP_SUFFIX
from alpine_ready.inputs.image import layers as layers_mod
from alpine_ready.inputs.image.blobcache import BlobCache
from alpine_ready.inputs.image.cachedir import seal, unseal
from alpine_ready.inputs.image.reference import parse
from alpine_ready.inputs.image.source import ImageOptions, analyse, open_image
from alpine_ready.inputs.longpath import PATH_MAX
from alpine_ready.inputs.tree import MAX_DEPTH, WalkStats, walk_files

ROOT = Path(__file__).resolve().parents[1]


# -- helpers ------------------------------------------------------------------------------


def cli(
    *args: str, cwd: Path, cache: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess (its own cache directory)."""
    env = dict(os.environ, NO_COLOR="1", XDG_CACHE_HOME=str(cache or cwd / "xdg"))
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    """The CLI's error line (asserting it is the only thing on stderr that matters)."""
    assert "Traceback" not in r.stderr, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("alpine-ready: error: ")]
    assert len(errors) == 1, r.stderr
    return errors[0]


def small_image(
    tmp: Path,
    name: str,
    ops: list[Any],
    compression: ib.Compression = "gzip",
) -> str:
    """An OCI layout with one layer of ``ops`` (imagebuild); its ``oci:`` reference."""
    spec = ib.ImageSpec(
        [ib.Layer(ops, f"COPY {name} /", compression)], tag="t", repo=f"alpine-ready/{name}"
    )
    img = ib.write_blobs(spec, tmp / f".work-{name}", track=False)
    ib.write_oci_layout(img, tmp / name, "t")
    return f"oci:{tmp / name}:t"


def musl_ops(alpine_rootfs: Path) -> list[Any]:
    """A few real musl ELF files of the Alpine fixture (loader, busybox, a library)."""
    return [
        ib.File(p, alpine_rootfs / p, 0o755)
        for p in ("lib/ld-musl-x86_64.so.1", "bin/busybox", "usr/lib/libz.so.1")
        if (alpine_rootfs / p).is_file()
    ]


def cache_files(cache: Path) -> dict[str, Path]:
    return {p.name: p for p in (cache / "layers").iterdir()} if (cache / "layers").is_dir() else {}


def temps(d: Path) -> list[str]:
    return [p.name for p in d.rglob("*") if p.name.endswith((TEMP_SUFFIX, ".tmp"))]


_DEEP: list[Path] = []


@pytest.fixture(autouse=True)
def _deep_trees_are_removed() -> Iterator[None]:
    """Every tree :func:`make_deep` made is gone after its test, whatever happened.

    pytest's own clean-up of old temporary directories (shutil.rmtree) recurses on
    the Python stack and fails on them in a later session.
    """
    yield
    while _DEEP:
        remove_deep(_DEEP.pop())


def make_deep(root: Path, depth: int, leaf: tuple[str, bytes] | None = None) -> None:
    """``root/d/d/…`` ``depth`` levels deep (past PATH_MAX: made with mkdirat)."""
    _DEEP.append(root)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        if leaf is not None:
            out = os.open(leaf[0], os.O_WRONLY | os.O_CREAT, 0o755, dir_fd=fd)
            os.write(out, leaf[1])
            os.close(out)
    finally:
        os.close(fd)


def remove_deep(root: Path) -> None:
    """Remove a tree made by :func:`make_deep` (rm -rf copes with any depth)."""
    subprocess.run(["rm", "-rf", str(root)], check=True)


# =========================================================================================
# Class 4: cache writes never follow a planted symlink; an interrupted write leaves nothing
# =========================================================================================


def test_layer_cache_write_never_follows_planted_symlinks(
    tmp_path: Path, alpine_rootfs: Path
) -> None:
    ref = small_image(tmp_path, "img", musl_ops(alpine_rootfs))
    source = open_image(parse(ref), ImageOptions(cache_dir=None))
    layer = source.layers[0].digest.replace(":", "-")
    layers = tmp_path / "cache" / "layers"
    layers.mkdir(parents=True, mode=0o700)
    (tmp_path / "cache").chmod(0o700)
    victims = {}
    for name in (
        f"{layer}.json.tmp",
        f"{layer}.elves.json.tmp",  # the old fixed temp names
        f"{layer}.json",
        f"{layer}.elves.json",
    ):  # and the entries themselves
        victim = tmp_path / f"victim-{name}"
        victim.write_text("precious\n")
        (layers / name).symlink_to(victim)
        victims[name] = victim
    analyse(source, tmp_path / "cache")
    for victim in victims.values():
        assert victim.read_text() == "precious\n"
    # the entries are regular files now (the links were replaced, never written through)
    for name in (f"{layer}.json", f"{layer}.elves.json"):
        assert stat.S_ISREG((layers / name).lstat().st_mode)
    assert not [p for p in layers.iterdir() if p.name.endswith(TEMP_SUFFIX)]


_INTERRUPTED_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from alpine_ready.guard import terminate_as_interrupt
    from alpine_ready.inputs.image.layers import LayerAnalysis, store_cached

    terminate_as_interrupt()
    text = "x" * (96 << 20)  # a 96 MB entry: the write takes a while
    analysis = LayerAnalysis("sha256:" + "ab" * 32, 1, texts={"big": text}, has_elves=False)
    store_cached(Path(sys.argv[1]), analysis)
""")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_cache_write_leaves_nothing(tmp_path: Path, sig: signal.Signals) -> None:
    """A real process writing a 96 MB entry, stopped by a signal in the middle of it."""
    layers = tmp_path / "cache" / "layers"
    interrupted = 0
    for attempt in range(8):  # until the signal lands during the write (usually the first)
        layers.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", _INTERRUPTED_WRITER, str(tmp_path / "cache")],
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            # bytes in the temporary file: the write is under way (a signal inside
            # mkstemp, before the writer knows the name, is guard's to handle)
            if any(_size(p) for p in layers.iterdir()):
                proc.send_signal(sig)
                break
            time.sleep(0.0005)
        _, err = proc.communicate(timeout=60)
        assert temps(tmp_path / "cache") == [], f"attempt {attempt}: {err.decode()[-500:]}"
        if proc.returncode != 0:
            assert list(layers.iterdir()) == []  # no entry, complete or not
            interrupted += 1
            break
        for p in layers.iterdir():  # the signal came late: the entry was complete
            p.unlink()
    assert interrupted, "the signal never arrived during the write"


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except FileNotFoundError:
        return 0


def test_eviction_sweeps_stale_temporary_files(tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    layers.mkdir()
    stale = layers / f".x.json.abc{TEMP_SUFFIX}"
    fresh = layers / f".y.json.def{TEMP_SUFFIX}"
    stale.write_bytes(b"left by a SIGKILL" * 1000)
    fresh.write_bytes(b"a write under way")
    os.utime(stale, (time.time() - 7200,) * 2)
    layers_mod.evict_cached(tmp_path, [])
    assert not stale.exists() and fresh.exists()


# =========================================================================================
# Class 5: a registry cannot fill the disk
# =========================================================================================


class HostileRegistry:
    """A real HTTP registry that lies: a layer declared huge (or small), zeros streamed forever."""

    def __init__(self, declared: int) -> None:
        self.config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]},
                "config": {},
            }
        ).encode()
        self.config_digest = "sha256:" + hashlib.sha256(self.config).hexdigest()
        self.layer_digest = "sha256:" + "e" * 64
        self.manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": self.config_digest,
                    "size": len(self.config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": self.layer_digest,
                        "size": declared,
                    }
                ],
            }
        ).encode()
        self.layer_bytes_sent = 0
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                registry.handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def ref(self) -> str:
        return f"docker://127.0.0.1:{self.server.server_address[1]}/evil/app:1"

    def handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        if h.path == "/v2/":
            self._send(h, b"{}", "application/json")
        elif "/manifests/" in h.path:
            self._send(h, self.manifest, "application/vnd.oci.image.manifest.v1+json")
        elif h.path.endswith(self.config_digest):
            self._send(h, self.config, "application/octet-stream")
        elif h.path.endswith(self.layer_digest):
            h.send_response(200)
            h.send_header("Content-Type", "application/octet-stream")
            h.end_headers()  # no length: zeros until the client hangs up
            block = bytes(1 << 16)
            with contextlib.suppress(OSError):
                while True:
                    h.wfile.write(block)
                    self.layer_bytes_sent += len(block)
        else:
            self._send(h, b"", "text/plain", 404)

    @staticmethod
    def _send(
        h: http.server.BaseHTTPRequestHandler, body: bytes, ctype: str, status: int = 200
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile_registry(request: pytest.FixtureRequest) -> Iterator[HostileRegistry]:
    reg = HostileRegistry(request.param)
    yield reg
    reg.close()


def _du(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


@pytest.mark.parametrize("hostile_registry", [1 << 40], indirect=True)
@pytest.mark.parametrize("command", ["inspect", "scan"])
def test_a_layer_declared_larger_than_the_cache_is_refused_before_download(
    hostile_registry: HostileRegistry, command: str, tmp_path: Path
) -> None:
    r = cli(command, hostile_registry.ref, "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path)
    assert r.returncode == 2
    line = one_line_error(r)
    assert hostile_registry.ref in line and hostile_registry.layer_digest in line
    assert "declares 1,099,511,627,776 bytes" in line and "not downloaded" in line
    assert hostile_registry.layer_bytes_sent == 0  # not one byte was asked for
    assert _du(tmp_path / "cache") < 1 << 20


@pytest.mark.parametrize("hostile_registry", [1 << 20], indirect=True)
def test_a_registry_streaming_more_than_it_declared_is_cut_off(
    hostile_registry: HostileRegistry, tmp_path: Path
) -> None:
    r = cli("inspect", hostile_registry.ref, "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path)
    assert r.returncode == 2
    line = one_line_error(r)
    assert hostile_registry.layer_digest in line and "expected 1048576 bytes, got more" in line
    assert _du(tmp_path / "cache") < 2 << 20  # the partial download was removed too
    assert not list((tmp_path / "cache").rglob("*.partial"))


def test_partial_downloads_count_and_are_evicted_oldest_first(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path, max_bytes=1000)
    blob = b"the blob being written" * 10
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    (tmp_path / "sha256").mkdir(mode=0o700)
    old, new, stale = ("sha256:" + c * 64 for c in "abc")
    for d, age in ((old, 300), (new, 100), (stale, 2 * 24 * 3600)):
        p = tmp_path / "sha256" / (d[7:] + ".partial")
        p.write_bytes(b"\0" * 400)
        os.utime(p, (time.time() - age,) * 2)
    with cache.writer(digest, len(blob)) as w:  # 220 bytes to come: room is made first
        w.write(blob)
    left = {p.name for p in (tmp_path / "sha256").iterdir()}
    assert left == {digest[7:], new[7:] + ".partial"}  # the stale and the oldest went
    assert cache.total_bytes() <= 1000


# =========================================================================================
# Class 10: ELF symbol records have a per-file and a per-run budget
# =========================================================================================

SIX = "abcdef"


@pytest.fixture(scope="session")
def libs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 2,000,000-symbol library and six different 400,000-symbol ones (built once)."""
    d = tmp_path_factory.mktemp("libs")
    out = {"huge": elfgen.write_many_symbols_library(d / "libhuge.so", 2_000_000)}
    for p in SIX:
        out[p] = elfgen.write_many_symbols_library(d / f"lib{p}.so", 400_000, prefix=p)
    return out


def test_the_generated_library_is_what_it_claims(libs: dict[str, Path]) -> None:
    out = subprocess.run(
        ["readelf", "-D", "-s", "-W", str(libs["a"])], capture_output=True, text=True, check=True
    ).stdout
    assert "contains 400001 entries" in out and " a0399999" in out


def test_a_symbol_table_over_the_file_limit_is_refused_before_it_is_read(
    libs: dict[str, Path],
) -> None:
    data = libs["huge"].read_bytes()
    with pytest.raises(SymbolTableTooLarge, match=f"larger than {MAX_FILE_SYMBOLS:,} symbols"):
        read_elf_bytes(data, "/libhuge.so")
    with pytest.raises(SymbolTableTooLarge):
        read_elf(libs["huge"])  # a directory scan's read: the same limit
    assert len(read_elf(libs["a"]).exports) == 400_000  # under it: read as ever


def test_a_directory_scan_indexes_at_most_the_run_budget(libs: dict[str, Path]) -> None:
    """Files on disk are indexed lazily, as lookups need them: the budget holds there too."""
    code = textwrap.dedent(f"""
        from alpine_ready.elf.reader import SymbolTableTooLarge, read_elf, run_symbol_budget
        got = []
        with run_symbol_budget():  # (scan.run's)
            for p in {[str(libs[p]) for p in SIX]!r}:
                try:
                    got.append(len(read_elf(p).exports))
                except SymbolTableTooLarge as exc:
                    got.append(str(exc))
        got.append(len(read_elf({str(libs["f"])!r}).exports))  # outside a run: its own limits
        print(got)
    """)
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert r.stdout.strip() == str([400_000] * 5 + [RUN_BUDGET_SPENT, 400_000])


@pytest.fixture(scope="session")
def ten_huge_copies(libs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The issue's image: ten copies of a 2M-symbol library in one zstd layer."""
    d = tmp_path_factory.mktemp("ten")
    return small_image(
        d,
        "ten",
        [ib.File(f"usr/lib/libhuge{i}.so", libs["huge"], 0o755) for i in range(10)],
        "zstd",
    )


def test_ten_huge_libraries_are_reported_not_analysed_never_a_pass(
    ten_huge_copies: str, tmp_path: Path
) -> None:
    # bounded memory: the run must fit in 1 GB of data (it took 3 GB before)
    code = textwrap.dedent(f"""
        import json, resource, sys
        resource.setrlimit(resource.RLIMIT_DATA, (1 << 30, 1 << 30))
        from alpine_ready.inputs.image.source import ImageOptions
        from alpine_ready.analysis.scan import ScanOptions, run
        from pathlib import Path
        report = run(ScanOptions(target={ten_huge_copies!r},
                                 image=ImageOptions(cache_dir=Path(sys.argv[1]))))
        print(json.dumps(report.to_json()))
    """)
    r = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["result"] == "incomplete" and data["incomplete"] is True
    errors = {e["path"]: e for e in data["errors"]}
    assert set(errors) == {f"usr/lib/libhuge{i}.so" for i in range(10)}
    for e in errors.values():
        assert e["kind"] == "limit" and e["expected"] is False
        assert e["error"] == f"not analysed: symbol table larger than {MAX_FILE_SYMBOLS:,} symbols"
    # the cached analysis is small: no symbol of those files is in it
    assert sum(p.stat().st_size for p in (tmp_path / "cache" / "layers").iterdir()) < 64 << 10


@pytest.fixture(scope="session")
def six_big_libraries(libs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("six")
    return small_image(
        d, "six", [ib.File(f"usr/lib/lib{p}.so", libs[p], 0o755) for p in SIX], "zstd"
    )


def test_the_run_budget_stops_at_two_million_symbols_and_is_never_cached(
    six_big_libraries: str, tmp_path: Path
) -> None:
    assert MAX_RUN_SYMBOLS == 1 << 21  # five tables of 400,001 entries fit, not six
    for _ in range(2):  # cold, then with whatever the first run cached
        data = scan(
            ScanOptions(target=six_big_libraries, image=ImageOptions(cache_dir=tmp_path / "cache"))
        ).to_json()
        assert {b["path"] for b in data["binaries"]} == {f"usr/lib/lib{p}.so" for p in "abcde"}
        assert [(e["path"], e["error"]) for e in data["errors"]] == [
            ("usr/lib/libf.so", layers_mod.run_budget_reason())
        ]
        assert data["result"] == "incomplete"
        assert cache_files(tmp_path / "cache") == {}  # cut short by this run: not cached


def test_identical_files_share_one_record(libs: dict[str, Path], tmp_path: Path) -> None:
    ref = small_image(
        tmp_path,
        "twins",
        [ib.File(f"usr/lib/liba{i}.so", libs["a"], 0o755) for i in range(5)],
        "zstd",
    )
    image = analyse(open_image(parse(ref), ImageOptions(cache_dir=None)), None)
    (layer,) = image.layers
    assert len(layer.elves) == 1  # read once, for five files
    assert {e.elf for e in layer.entries if e.kind == "file"} == {0}
    assert layer.unanalysed == {}


# =========================================================================================
# Class 11: a corrupted cache entry is a miss, never a traceback or a lie
# =========================================================================================


@pytest.fixture
def scanned(tmp_path: Path, alpine_rootfs: Path) -> tuple[str, Path, dict[str, Any]]:
    """A small musl image, scanned once through the CLI: (reference, cache, its JSON)."""
    ref = small_image(tmp_path, "musl", musl_ops(alpine_rootfs))
    cache = tmp_path / "cache"
    r = cli("scan", ref, "--format", "json", "--cache-dir", str(cache), cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["elf_files"] >= 2 and data["result"] != "incomplete"
    return ref, cache, data


def _rescan(ref: str, cache: Path, cwd: Path) -> tuple[dict[str, Any], str]:
    r = cli("scan", ref, "--format", "json", "--cache-dir", str(cache), cwd=cwd)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout), r.stderr


def _main_entry(cache: Path) -> Path:
    (main,) = [p for p in (cache / "layers").iterdir() if not p.name.endswith(".elves.json")]
    return main


def _same_answer(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["summary"] == b["summary"] and a["binaries"] == b["binaries"]


@pytest.mark.parametrize(
    "shape",
    [
        [],  # a list, not an object
        {"version": 2},  # fields missing
        "entries-as-object",  # a field of the wrong type
        "entry-of-the-wrong-shape",
        "elf-index-out-of-range",
    ],
)
def test_a_wrong_shape_entry_is_a_miss_not_a_traceback(
    scanned: tuple[str, Path, dict[str, Any]], shape: Any, tmp_path: Path
) -> None:
    ref, cache, clean = scanned
    main = _main_entry(cache)
    payload = unseal(main.read_bytes())
    assert payload is not None
    d = json.loads(payload)
    if shape == "entries-as-object":
        d["entries"] = {"a": 1}
    elif shape == "entry-of-the-wrong-shape":
        d["entries"][0] = [1, 2]
    elif shape == "elf-index-out-of-range":
        for e in d["entries"]:
            if e[5] is not None:
                e[5] = 999
    else:
        d = shape
    main.write_bytes(seal(json.dumps(d).encode()))  # validly sealed: only the shape is wrong
    again, stderr = _rescan(ref, cache, tmp_path)
    _same_answer(again, clean)
    assert "removed (the layer is analysed again)" in stderr
    assert unseal(_main_entry(cache).read_bytes()) == payload  # stored again, as it was


def test_a_wrong_shape_elf_record_is_a_miss(
    scanned: tuple[str, Path, dict[str, Any]], tmp_path: Path
) -> None:
    ref, cache, clean = scanned
    main = _main_entry(cache)
    elves = main.with_name(main.name.removesuffix(".json") + ".elves.json")
    records = json.loads(unseal(elves.read_bytes()) or b"")
    records[0]["imports"] = [["name-only"]]  # from_record would raise TypeError
    body = json.dumps(records).encode()
    d = json.loads(unseal(main.read_bytes()) or b"")
    d["elves_sha256"] = hashlib.sha256(body).hexdigest()  # consistent, but the wrong shape
    elves.write_bytes(seal(body))
    main.write_bytes(seal(json.dumps(d).encode()))
    again, _ = _rescan(ref, cache, tmp_path)
    _same_answer(again, clean)


@pytest.mark.parametrize("how", ["edited", "truncated", "elves-swapped"])
def test_a_tampered_entry_is_not_trusted(
    scanned: tuple[str, Path, dict[str, Any]], how: str, tmp_path: Path
) -> None:
    ref, cache, clean = scanned
    main = _main_entry(cache)
    raw = main.read_bytes()
    if how == "edited":  # the ELF files removed from the analysis (the seal left as it was)
        head, _, body = raw.partition(b"\n")
        d = json.loads(body)
        d["entries"] = [e for e in d["entries"] if e[5] is None]
        main.write_bytes(head + b"\n" + json.dumps(d).encode())
    elif how == "truncated":
        main.write_bytes(raw[: len(raw) // 2])
    else:  # records of another analysis, validly sealed
        elves = main.with_name(main.name.removesuffix(".json") + ".elves.json")
        elves.write_bytes(seal(b"[]"))
    again, _ = _rescan(ref, cache, tmp_path)
    _same_answer(again, clean)  # never "0 ELF, PASS"


@pytest.mark.parametrize("how", ["group-writable", "world-writable", "another-owner"])
def test_a_cache_others_can_write_is_not_used(
    scanned: tuple[str, Path, dict[str, Any]], how: str, tmp_path: Path
) -> None:
    """What a seal cannot stop -- an entry rewritten and sealed again -- this does."""
    ref, cache, clean = scanned
    main = _main_entry(cache)
    d = json.loads(unseal(main.read_bytes()) or b"")
    d["entries"] = [e for e in d["entries"] if e[5] is None]  # the ELF files gone...
    main.write_bytes(seal(json.dumps(d).encode()))  # ...and sealed again, as an attacker can
    target = cache / "layers" if how != "world-writable" else cache
    if how == "another-owner":
        if os.geteuid() != 0:
            pytest.skip("needs root to give the directory away")
        os.chown(target, 4321, -1)
    else:
        target.chmod(0o770 if how == "group-writable" else 0o777)
    before = main.read_bytes()
    again, stderr = _rescan(ref, cache, tmp_path)
    _same_answer(again, clean)
    assert f"cache directory {target}" in stderr and "running without the cache" in stderr
    assert main.read_bytes() == before  # not read, not rewritten


def test_the_cache_directories_are_made_private(tmp_path: Path, alpine_rootfs: Path) -> None:
    ref = small_image(tmp_path, "img", musl_ops(alpine_rootfs))
    old = os.umask(0)
    try:
        analyse(open_image(parse(ref), ImageOptions(cache_dir=tmp_path / "c")), tmp_path / "c")
    finally:
        os.umask(old)
    for d in (tmp_path / "c", tmp_path / "c" / "layers"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700


# =========================================================================================
# Class 12: deep trees; a file that could not be analysed never leaves a PASS
# =========================================================================================


def test_inspect_a_thousand_levels_deep_directory(tmp_path: Path) -> None:
    make_deep(tmp_path / "root", 1000, ("leaf.txt", b"x" * 123))
    (tmp_path / "root" / "top.txt").write_bytes(b"y" * 10)
    r = cli("inspect", str(tmp_path / "root"), "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(r.stdout)
    assert data["size"]["uncompressed"] == 133  # both files, the deep one included
    assert data["warnings"] == []


def test_scan_a_four_thousand_levels_deep_tree_analyses_the_deep_file(
    tmp_path: Path, alpine_rootfs: Path
) -> None:
    busybox = (alpine_rootfs / "bin/busybox").read_bytes()
    make_deep(tmp_path / "app", 4000, ("busybox", busybox))
    try:
        report = scan(ScanOptions(target=tmp_path / "app", jobs=1))
        (binary,) = report.binaries
        assert len(binary.path) > PATH_MAX and binary.path.endswith("/d/busybox")
        assert binary.libc.value == "musl" and binary.loads
        assert report.errors == () and report.result == "pass"
    finally:
        remove_deep(tmp_path / "app")


def test_a_tree_deeper_than_the_limit_is_incomplete(tmp_path: Path, alpine_rootfs: Path) -> None:
    busybox = (alpine_rootfs / "bin/busybox").read_bytes()
    make_deep(tmp_path / "app", MAX_DEPTH + 3, ("busybox", busybox))
    (tmp_path / "app" / "busybox").write_bytes(busybox)
    try:
        report = scan(ScanOptions(target=tmp_path / "app", jobs=1))
        assert [b.path for b in report.binaries] == ["busybox"]
        (error,) = report.errors
        assert error.kind == "limit" and error.path.count("/") == MAX_DEPTH
        assert error.error == f"deeper than {MAX_DEPTH} directory levels: not walked"
        assert report.incomplete and report.result == "incomplete"
        assert report.to_json()["result"] == "incomplete"
    finally:
        remove_deep(tmp_path / "app")


def test_the_walker_holds_a_bounded_number_of_descriptors(tmp_path: Path) -> None:
    make_deep(tmp_path / "t", 300, ("f", b"z"))
    for i in range(3):  # siblings on the way up: directories let go are reopened
        (tmp_path / "t" / "d" / "d" / f"s{i}").mkdir()
        (tmp_path / "t" / "d" / "d" / f"s{i}" / "g").write_bytes(b"g")
    code = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        from alpine_ready.inputs.tree import WalkStats, walk_files
        stats = WalkStats()
        files = [f.relpath for f in walk_files(Path({str(tmp_path / "t")!r}), stats)]
        print(len(files), max(f.count("/") for f in files), stats.unreadable)
    """)
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert r.stdout.split() == ["4", "300", "None"]
    remove_deep(tmp_path / "t")


def test_the_walker_never_follows_symlinks_and_keeps_its_order(tmp_path: Path) -> None:
    (tmp_path / "b" / "c").mkdir(parents=True)
    (tmp_path / "b" / "c" / "z").write_text("z")
    (tmp_path / "b" / "a").write_text("a")
    (tmp_path / "a").write_text("a")
    (tmp_path / "link").symlink_to(tmp_path / "b")
    (tmp_path / "flink").symlink_to(tmp_path / "a")
    stats = WalkStats()
    assert [f.relpath for f in walk_files(tmp_path, stats)] == ["a", "b/a", "b/c/z"]


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    """A directory every user may read (pytest's own are private to root)."""
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="alpine-ready-public-"))
    d.chmod(0o755)
    yield d
    subprocess.run(["rm", "-rf", str(d)], check=True)


def _rootfs_with_a_locked_directory(parent: Path, alpine_rootfs: Path) -> Path:
    root = parent / "rootfs"
    for p in (
        "etc/alpine-release",
        "etc/os-release",
        "lib/ld-musl-x86_64.so.1",
        "etc/ld-musl-x86_64.path",
        "lib/apk/db/installed",
        "bin/busybox",
    ):
        if (alpine_rootfs / p).is_file():
            (root / p).parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            (root / p).write_bytes((alpine_rootfs / p).read_bytes())
            (root / p).chmod(0o755)
    (root / "root").mkdir()
    (root / "root" / "secret.so").write_bytes((alpine_rootfs / "bin/busybox").read_bytes())
    for d in [root, *root.rglob("*")]:
        if d.is_dir():
            d.chmod(0o700 if d.name == "root" else 0o755)
    return root


# Started as root (the interpreter lives under /root), it reads everything it will
# need with a first scan, then becomes nobody and scans the root filesystem.
_AS_NOBODY = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    from alpine_ready.analysis.scan import ScanOptions, run
    run(ScanOptions(target=Path(sys.argv[2]), jobs=1))  # (loads every module a scan uses)
    os.setgid(65534)
    os.setuid(65534)
    print(json.dumps(run(ScanOptions(target=Path(sys.argv[1]), jobs=1)).to_json()))
""")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to scan as another user")
def test_a_rootfs_unreadable_to_a_non_root_user_is_expected_not_incomplete(
    public_tmp: Path, alpine_rootfs: Path
) -> None:
    root = _rootfs_with_a_locked_directory(public_tmp, alpine_rootfs)
    r = subprocess.run(
        [sys.executable, "-c", _AS_NOBODY, str(root), str(root / "bin")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd="/",
        env=dict(os.environ, HOME="/nonexistent"),
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["target_kind"] == "rootfs"
    assert [(e["path"], e["kind"], e["expected"]) for e in data["errors"]] == [
        ("root", "permission", True)
    ]
    assert data["incomplete"] is False and data["result"] == "pass"
    assert any("without root's permissions" in w for w in data["warnings"])
    # the same tree scanned as root: everything read, nothing expected
    as_root = scan(ScanOptions(target=root, jobs=1))
    assert as_root.errors == () and any(b.path == "root/secret.so" for b in as_root.binaries)


def test_a_corrupt_elf_file_makes_the_scan_incomplete(tmp_path: Path, alpine_rootfs: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "busybox").write_bytes((alpine_rootfs / "bin/busybox").read_bytes())
    (app / "broken.so").write_bytes(b"\x7fELF" + b"\0" * 60)
    report = scan(ScanOptions(target=app, jobs=1))
    (error,) = report.errors
    assert error.path == "broken.so" and error.kind == "corrupt" and not error.expected
    assert report.result == "incomplete" and not report.failed


def test_an_image_with_an_unanalysable_elf_file_is_incomplete(
    tmp_path: Path, alpine_rootfs: Path
) -> None:
    ops = [*musl_ops(alpine_rootfs), ib.File("usr/lib/broken.so", b"\x7fELF" + b"\0" * 60)]
    ref = small_image(tmp_path, "broken", ops)
    for _ in range(2):  # analysed, then from the cache: the same answer
        report = scan(ScanOptions(target=ref, image=ImageOptions(cache_dir=tmp_path / "c")))
        assert [(e.path, e.kind) for e in report.errors] == [("usr/lib/broken.so", "corrupt")]
        assert report.result == "incomplete"


@pytest.fixture(scope="session")
def many_whiteouts(tmp_path_factory: pytest.TempPathFactory) -> str:
    """50,000 directories with a file each, then a layer whiting out every directory."""
    d = tmp_path_factory.mktemp("whiteouts")
    n = 50_000
    spec = ib.ImageSpec(
        [
            ib.Layer(
                [op for i in range(n) for op in (ib.Dir(f"d{i}"), ib.File(f"d{i}/f", b"x"))],
                "ADD dirs /",
            ),
            ib.Layer([ib.Delete(f"d{i}") for i in range(n)], "RUN rm -r /d*"),
        ],
        tag="t",
        repo="alpine-ready/whiteouts",
    )
    img = ib.write_blobs(spec, d / ".work", track=False)
    ib.write_oci_layout(img, d / "oci", "t")
    return f"oci:{d / 'oci'}:t"


def test_whiteouts_of_many_directories_are_applied_subtree_by_subtree(
    many_whiteouts: str, tmp_path: Path
) -> None:
    # (each whiteout used to look at every path: 50,000 of them, over half an hour;
    # the timeout only turns such a hang into a failure)
    r = cli("inspect", many_whiteouts, "--format", "json", cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    data = json.loads(r.stdout)
    assert [la["files_removed"] for la in data["layers"]] == [0, 50_000]
    assert data["waste"]["bytes"] == 50_000


def test_directories_implied_by_deep_entries_are_bounded(tmp_path: Path) -> None:
    # 300 files 2,000 directories deep, each in a branch of its own, no parent listed:
    # 600,000 implied directories of ~2 KB paths (1.2 GB) from a tar of a few MB
    ops = [ib.Raw(f"b{i}/" + "d/" * 2000 + "f", content=b"x") for i in range(300)]
    ref = small_image(tmp_path, "deep-paths", ops)
    r = cli("inspect", ref, "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path)
    assert r.returncode == 2
    line = one_line_error(r)
    assert ref in line and "implies more than 262,144 directories" in line


def test_namespace_refuses_link_targets_longer_than_path_max() -> None:
    from alpine_ready.analysis.vfs import Namespace, ResolveError, VirtualTree

    ns = Namespace()
    ns.mount(
        "/",
        VirtualTree(
            {
                "/lib/libx.so": {"link": "a/../" * 1000 + "libx.so"},
                "/lib/ok.so": {"link": "../lib/real.so"},
                "/lib/real.so": {},
            }
        ),
    )
    assert ns.resolve("/lib/ok.so").path == "/lib/real.so"
    with pytest.raises(ResolveError) as info:
        ns.resolve("/lib/libx.so")
    assert info.value.errno == 36  # ENAMETOOLONG
