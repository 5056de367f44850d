"""Issue 10's hostile inputs for images, trees, ELF files, registries and caches (area ``images``).

Full-size versions of the issue's cases: a registry declaring a 1 TiB layer and
streaming zeros (a threaded ``http.server`` started here, alive while the runner
runs), a 20 MB zstd image holding ten copies of a 2,000,000-symbol library, a
cache entry of the wrong shape and one with its ELF files edited out, a cache
directory others may write, a planted symlink at the layer cache's old temporary
name, a 1,000-level directory for ``inspect`` and a 4,000-level one (and one past
the 4,096-level limit) for ``scan``, an image whiting out 50,000 directories and one
whose entries imply 600,000 directories.  A write cut by SIGINT/SIGTERM is covered by
``tests/test_hostile_images.py`` (the runner cannot signal a case in mid-write).

The inputs are built by this file run as a script, in a process of its own: the
runner forks each case from its own process, and Linux counts what a process held
before ``exec`` in its peak RSS -- a runner that had built a 740 MB image itself
would charge every case with it.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for sub in ("tests", "tools", "src", "benchmarks"):
    if str(ROOT / sub) not in sys.path:
        sys.path.insert(0, str(ROOT / sub))

import elfgen  # noqa: E402
import imagebuild as ib  # noqa: E402
from hostile._case import Case  # noqa: E402

TIB = 1 << 40


# -- helpers ----------------------------------------------------------------------------------


def _json_out(check: Callable[[dict[str, Any]], str | None]) -> Callable[[str, str], str | None]:
    def run(out: str, _err: str) -> str | None:
        try:
            data = json.loads(out)
        except ValueError:
            return "no JSON report on stdout"
        return check(data)

    return run


def _stderr_has(*needles: str) -> Callable[[str, str], str | None]:
    def run(_out: str, err: str) -> str | None:
        missing = [n for n in needles if n not in err]
        return f"stderr lacks {missing}" if missing else None

    return run


def _image(work: Path, name: str, ops: list[Any], compression: ib.Compression = "gzip") -> str:
    """An OCI layout with one layer of ``ops``; its ``oci:`` reference (reused when built)."""
    layout = work / name
    if not (layout / "index.json").is_file():
        spec = ib.ImageSpec(
            [ib.Layer(ops, f"COPY {name} /", compression)], tag="t", repo=f"hostile/{name}"
        )
        img = ib.write_blobs(spec, work / f".work-{name}", track=False)
        ib.write_oci_layout(img, layout, "t")
        shutil.rmtree(work / f".work-{name}", ignore_errors=True)
    return f"oci:{layout}:t"


def _long_zstd_image(work: Path, name: str, ops: list[Any]) -> str:
    """One layer compressed with ``zstd --long`` (as the issue's 20 MB image was)."""
    layout = work / name
    if (layout / "index.json").is_file():
        return f"oci:{layout}:t"
    tmp = work / f".work-{name}"
    spec = ib.ImageSpec([ib.Layer(ops, f"COPY {name} /", "none")], tag="t", repo=f"hostile/{name}")
    plain = ib.write_layer(spec.steps[0], tmp)  # type: ignore[arg-type]
    packed = tmp / "layer.tar.zst"
    subprocess.run(
        ["zstd", "-3", "--long=27", "-q", "-f", str(plain.path), "-o", str(packed)], check=True
    )
    data_digest = hashlib.sha256()
    with packed.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            data_digest.update(chunk)
    blob = ib.LayerBlob(
        path=packed,
        compression="zstd",
        media_type=ib.LAYER_MEDIA_TYPES["zstd"],
        digest="sha256:" + data_digest.hexdigest(),
        size=packed.stat().st_size,
        diff_id=plain.diff_id,
        uncompressed_size=plain.uncompressed_size,
        members=plain.members,
        created_by=f"COPY {name} /",
    )
    ib.write_oci_layout(ib._assemble(spec, [blob]), layout, "t")
    shutil.rmtree(tmp, ignore_errors=True)
    return f"oci:{layout}:t"


def _musl_ops() -> list[Any]:
    import fixtures as fx

    rootfs = fx.alpine_rootfs()
    return [
        ib.File(p, rootfs / p, 0o755)
        for p in ("lib/ld-musl-x86_64.so.1", "bin/busybox", "usr/lib/libz.so.1")
        if (rootfs / p).is_file()
    ]


def _busybox() -> bytes:
    import fixtures as fx

    return (fx.alpine_rootfs() / "bin/busybox").read_bytes()


def _deep(root: Path, depth: int, leaf: tuple[str, bytes]) -> Path:
    """``root/d/…/d/NAME`` ``depth`` levels deep (made with mkdirat: past PATH_MAX)."""
    if root.exists():
        return root
    part = root.with_name(root.name + ".part")
    subprocess.run(["rm", "-rf", str(part)], check=True)
    part.mkdir(parents=True)
    fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        out = os.open(leaf[0], os.O_WRONLY | os.O_CREAT, 0o755, dir_fd=fd)
        os.write(out, leaf[1])
        os.close(out)
    finally:
        os.close(fd)
    part.rename(root)
    return root


# -- class 5: a registry declaring a 1 TiB layer ----------------------------------------------


class _Registry:
    """A registry whose one layer declares ``declared`` bytes and streams zeros without end."""

    def __init__(self, declared: int) -> None:
        config = json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]},
            }
        ).encode()
        self.config = config
        self.config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
        self.layer = "sha256:" + "e" * 64
        self.manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": self.config_digest,
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": self.layer,
                        "size": declared,
                    }
                ],
            }
        ).encode()
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                registry.serve(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def ref(self) -> str:
        return f"docker://127.0.0.1:{self.server.server_address[1]}/evil/app:1"

    def serve(self, h: http.server.BaseHTTPRequestHandler) -> None:
        body, ctype = {"/v2/": (b"{}", "application/json")}.get(h.path, (None, ""))
        if "/manifests/" in h.path:
            body, ctype = self.manifest, "application/vnd.oci.image.manifest.v1+json"
        elif h.path.endswith(self.config_digest):
            body, ctype = self.config, "application/octet-stream"
        elif h.path.endswith(self.layer):
            h.send_response(200)
            h.end_headers()
            zeros = bytes(1 << 16)
            try:
                while True:
                    h.wfile.write(zeros)
            except OSError:
                return
        h.send_response(200 if body is not None else 404)
        h.send_header("Content-Type", ctype or "text/plain")
        h.send_header("Content-Length", str(len(body or b"")))
        h.end_headers()
        h.wfile.write(body or b"")


def _small_cache(cache: Path) -> Callable[[str, str], str | None]:
    def run(_out: str, err: str) -> str | None:
        size = (
            sum(p.lstat().st_size for p in cache.rglob("*") if p.is_file()) if cache.exists() else 0
        )
        if size > 64 << 20:
            return f"the cache holds {size:,} bytes"
        return None if "not downloaded" in err or "got more" in err else "no refusal on stderr"

    return run


def _registry_cases(work: Path) -> list[Case]:
    huge, liar = _Registry(TIB), _Registry(64 << 20)
    out = []
    for command in ("inspect", "scan"):
        cache = work / f"cache-{command}-tib"
        out.append(
            Case(
                5,
                f"{command} of a layer declared 1 TiB, zeros streamed",
                [command, huge.ref, "--cache-dir", str(cache)],
                work,
                exits=(2,),
                check=_small_cache(cache),
            )
        )
    cache = work / "cache-liar"
    out.append(
        Case(
            5,
            "a layer declared 64 MiB, zeros streamed without end",
            ["inspect", liar.ref, "--cache-dir", str(cache)],
            work,
            exits=(2,),
            check=_small_cache(cache),
        )
    )
    return out


# -- class 10: symbol tables -------------------------------------------------------------------


def _build_symbols(work: Path) -> dict[str, Any]:
    huge = elfgen.write_many_symbols_library(work / "libs" / "libhuge.so", 2_000_000)
    ten = _long_zstd_image(
        work, "ten-huge", [ib.File(f"usr/lib/libhuge{i}.so", huge, 0o755) for i in range(10)]
    )
    parts = [
        elfgen.write_many_symbols_library(work / "libs" / f"lib{p}.so", 500_000, prefix=p)
        for p in "abcdef"
    ]
    six = _image(work, "six-big", [ib.File(f"usr/lib/{p.name}", p, 0o755) for p in parts], "zstd")
    longs = [
        elfgen.write_many_symbols_library(work / "libs" / f"liblong{p}.so", 400_000, prefix=p * 32)
        for p in "abcde"
    ]
    long_names = _image(
        work, "long-names", [ib.File(f"usr/lib/{p.name}", p, 0o755) for p in longs], "zstd"
    )
    size = sum(p.stat().st_size for p in (work / "ten-huge" / "blobs").rglob("*") if p.is_file())
    return {"ten": ten, "six": six, "long": long_names, "ten_bytes": size}


def _symbol_cases(work: Path, built: dict[str, Any]) -> list[Case]:
    ten, six, size = built["ten"], built["six"], built["ten_bytes"]

    def names_spent(data: dict[str, Any]) -> str | None:
        spent = [e for e in data["errors"] if "symbol budget" in e["error"]]
        return (
            None
            if data["result"] == "incomplete" and spent
            else f"result {data['result']}: {len(data['binaries'])} analysed, none refused"
        )

    def ten_refused(data: dict[str, Any]) -> str | None:
        limit = [e for e in data["errors"] if e["kind"] == "limit"]
        if data["result"] != "incomplete" or len(limit) != 10:
            return f"result {data['result']}, {len(limit)} files over a limit (want 10)"
        return None

    def budget_spent(data: dict[str, Any]) -> str | None:
        spent = [e for e in data["errors"] if "symbol budget" in e["error"]]
        if data["result"] != "incomplete" or len(data["binaries"]) != 4 or len(spent) != 2:
            return (
                f"result {data['result']}: {len(data['binaries'])} analysed, {len(spent)} "
                "over the run's budget (want 4 and 2)"
            )
        return None

    return [
        Case(
            10,
            f"ten 2M-symbol libraries in a {size / 1e6:.0f} MB zstd image",
            ["scan", ten, "--format", "json", "--cache-dir", str(work / "cache-ten")],
            work,
            check=_json_out(ten_refused),
        ),
        Case(
            10,
            "five 400k-symbol libraries, 39-byte names (64 MiB of names)",
            ["scan", built["long"], "--format", "json", "--cache-dir", str(work / "cache-long")],
            work,
            check=_json_out(names_spent),
        ),
        Case(
            10,
            "six 500k-symbol libraries (the run's budget: 2M)",
            ["scan", six, "--format", "json", "--cache-dir", str(work / "cache-six")],
            work,
            check=_json_out(budget_spent),
        ),
    ]


# -- classes 4 and 11: the layer-analysis cache -------------------------------------------------


def _build_caches(work: Path) -> dict[str, Any]:
    from alpine_ready.inputs.image.cachedir import seal, unseal
    from alpine_ready.inputs.image.reference import parse
    from alpine_ready.inputs.image.source import ImageOptions, analyse, open_image

    ref = _image(work, "musl", _musl_ops())
    source = open_image(parse(ref), ImageOptions(cache_dir=None))
    name = source.layers[0].digest.replace(":", "-")
    elf_count = sum(
        1 for la in analyse(source, None).layers for e in la.entries if e.elf is not None
    )
    victim = work / "victim.txt"

    def filled(label: str) -> Path:
        cache = work / f"cache-{label}"
        shutil.rmtree(cache, ignore_errors=True)
        analyse(open_image(parse(ref), ImageOptions(cache_dir=cache)), cache)
        return cache

    def entry(cache: Path) -> tuple[Path, dict[str, Any]]:
        main = cache / "layers" / f"{name}.json"
        return main, json.loads(unseal(main.read_bytes()) or b"{}")

    wrong = filled("wrong-shape")
    main, d = entry(wrong)
    d["entries"] = {"not": "a list"}
    main.write_bytes(seal(json.dumps(d).encode()))

    edited = filled("edited")
    main, d = entry(edited)
    head = main.read_bytes().partition(b"\n")[0]
    d["entries"] = [e for e in d["entries"] if e[5] is None]  # the ELF files removed
    main.write_bytes(head + b"\n" + json.dumps(d).encode())

    resealed = filled("group-writable")
    main, d = entry(resealed)
    d["entries"] = [e for e in d["entries"] if e[5] is None]
    main.write_bytes(seal(json.dumps(d).encode()))  # what someone who may write it can do
    (resealed / "layers").chmod(0o770)

    planted = work / "cache-planted"
    shutil.rmtree(planted, ignore_errors=True)
    (planted / "layers").mkdir(parents=True, mode=0o700)
    planted.chmod(0o700)
    victim.write_text("root's file: must stay as it is\n")
    for suffix in (".json.tmp", ".elves.json.tmp", ".json"):
        (planted / "layers" / f"{name}{suffix}").symlink_to(victim)
    return {
        "ref": ref,
        "elf_count": elf_count,
        "victim": str(victim),
        "resealed_entry": str(main),
        **{
            k: str(v)
            for k, v in (
                ("planted", planted),
                ("wrong", wrong),
                ("edited", edited),
                ("resealed", resealed),
            )
        },
    }


def _cache_cases(work: Path, built: dict[str, Any]) -> list[Case]:
    elf_count = built["elf_count"]
    victim, main = Path(built["victim"]), Path(built["resealed_entry"])
    planted, wrong, edited, resealed = (
        built[k] for k in ("planted", "wrong", "edited", "resealed")
    )

    def all_elves(data: dict[str, Any]) -> str | None:
        n = data["summary"]["elf_files"]
        return None if n == elf_count else f"{n} ELF files reported, {elf_count} in the image"

    scan = ["scan", built["ref"], "--format", "json", "--cache-dir"]
    return [
        Case(
            4,
            "symlinks planted at the cache entry and its old temp names",
            [*scan, planted],
            work,
            untouched=(victim,),
            check=_json_out(all_elves),
        ),
        Case(
            11,
            "a cache entry of the wrong shape (validly sealed)",
            [*scan, wrong],
            work,
            check=_json_out(all_elves),
        ),
        Case(
            11,
            "a cache entry with its ELF files edited out",
            [*scan, edited],
            work,
            check=_json_out(all_elves),
        ),
        Case(
            11,
            "the same, sealed again, in a group-writable cache",
            [*scan, resealed],
            work,
            untouched=(main,),
            check=lambda out, err: (
                _json_out(all_elves)(out, err) or _stderr_has("running without the cache")(out, err)
            ),
        ),
    ]


# -- class 12: deep trees ----------------------------------------------------------------------


def _build_trees(work: Path) -> dict[str, Any]:
    busybox = _busybox()
    n = 50_000
    whiteouts = work / "whiteouts"
    if not (whiteouts / "index.json").is_file():
        spec = ib.ImageSpec(
            [
                ib.Layer(
                    [op for i in range(n) for op in (ib.Dir(f"d{i}"), ib.File(f"d{i}/f", b"x"))],
                    "ADD dirs /",
                ),
                ib.Layer([ib.Delete(f"d{i}") for i in range(n)], "RUN rm -r /d*"),
            ],
            tag="t",
            repo="hostile/whiteouts",
        )
        ib.write_oci_layout(ib.write_blobs(spec, work / ".work-wh", track=False), whiteouts, "t")
        shutil.rmtree(work / ".work-wh", ignore_errors=True)
    implied = _image(
        work,
        "implied-dirs",
        [ib.Raw(f"b{i}/" + "d/" * 2000 + "f", content=b"x") for i in range(300)],
    )
    return {
        "thousand": str(_deep(work / "deep-1000", 1000, ("leaf.txt", b"x" * 1000))),
        "four": str(_deep(work / "deep-4000", 4000, ("busybox", busybox))),
        "past": str(_deep(work / "deep-5000", 5000, ("busybox", busybox))),
        "whiteouts": f"oci:{whiteouts}:t",
        "implied": implied,
    }


def _tree_cases(work: Path, built: dict[str, Any]) -> list[Case]:
    thousand, four, past = built["thousand"], built["four"], built["past"]

    report = work / "whiteouts.json"

    def removed(_out: str, _err: str) -> str | None:  # (a report larger than stdout's MB)
        got = [la["files_removed"] for la in json.loads(report.read_text())["layers"]]
        return None if got == [0, 50_000] else f"files removed per layer: {got}"

    def inspected(data: dict[str, Any]) -> str | None:
        return None if data["size"]["uncompressed"] == 1000 else "the deep file was not counted"

    def deep_analysed(data: dict[str, Any]) -> str | None:
        if data["result"] != "pass" or [len(b["path"]) > 4096 for b in data["binaries"]] != [True]:
            return f"result {data['result']}, {len(data['binaries'])} files analysed"
        return None

    def past_limit(data: dict[str, Any]) -> str | None:
        limit = [e for e in data["errors"] if e["kind"] == "limit"]
        return (
            None
            if data["result"] == "incomplete" and len(limit) == 1
            else f"result {data['result']}, {len(limit)} limit errors"
        )

    return [
        Case(
            12,
            "inspect of a 1,000-level directory",
            ["inspect", thousand, "--format", "json"],
            work,
            exits=(0,),
            check=_json_out(inspected),
        ),
        Case(
            12,
            "scan of a 4,000-level tree (an ELF file at the bottom)",
            ["scan", four, "--format", "json"],
            work,
            check=_json_out(deep_analysed),
        ),
        Case(
            12,
            "scan of a 5,000-level tree (past the 4,096-level limit)",
            ["scan", past, "--format", "json"],
            work,
            check=_json_out(past_limit),
        ),
        Case(
            12,
            "inspect of 50,000 directories whited out",
            [
                "inspect",
                built["whiteouts"],
                "--format",
                "json",
                "-o",
                str(report),
                "--cache-dir",
                str(work / "cache-whiteouts"),
            ],
            work,
            exits=(0,),
            check=removed,
        ),
        Case(
            12,
            "inspect of 300 files 2,000 implied directories deep",
            ["inspect", built["implied"], "--cache-dir", str(work / "cache-implied")],
            work,
            exits=(2,),
            check=_stderr_has("implies more than 262,144 directories"),
        ),
    ]


def build(work: Path) -> None:
    """Build every input under ``work`` (this file run as a script) and say where (built.json).

    Every case's cache starts empty (the runs are cold).
    """
    for old in work.glob("cache-*"):
        shutil.rmtree(old)
    built = {
        "caches": _build_caches(work),
        "symbols": _build_symbols(work),
        "trees": _build_trees(work),
    }
    (work / "built.json").write_text(json.dumps(built))


def cases(work: Path) -> list[Case]:
    """Every case of the area, its inputs built under ``work`` by a process of its own."""
    subprocess.run([sys.executable, __file__, str(work)], check=True)
    built = json.loads((work / "built.json").read_text())
    return [
        *_cache_cases(work, built["caches"]),
        *_registry_cases(work),
        *_symbol_cases(work, built["symbols"]),
        *_tree_cases(work, built["trees"]),
    ]


if __name__ == "__main__":
    build(Path(sys.argv[1]))
