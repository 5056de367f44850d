#!/usr/bin/env python3
"""Time ``alpine-ready verify`` on 500 ELF files against the loader run by hand in a chroot.

The tree: the real corpora of the loader differential test (Debian bookworm binaries,
manylinux / musllinux wheels, pyarrow, npm addons; from ``tools/fixtures.py``), copied
as often as needed and cut to exactly 500 ELF files (the last copy loses its last
files in path order).

What is timed, on that tree and the real Alpine 3.23 root filesystem:

* the baseline -- ``chroot ROOTFS /lib/ld-musl-x86_64.so.1 --list FILE``, one chroot per
  file, every file (the tree placed at ``/app`` of a hard-linked copy of the rootfs;
  needs root);
* ``alpine-ready verify TREE --against ROOTFS --as-is --format json -o /dev/null`` -- the
  whole command: scan's prediction, the sandbox, Alpine's loader on every file (one
  sandbox, running while scan predicts), the comparison; and its load step alone
  (the sandbox's own seconds, from the report).

Method: one warm-up of each (page cache), then N timed repetitions in turns; wall
clock (``time.perf_counter``) around each; min and median, and the median's ratio.
Target: verify <= 2x the chroot loop.

    sudo python3 benchmarks/verify_500.py            # 3 repetitions
    sudo python3 benchmarks/verify_500.py -n 5 --json results.json
    sudo python3 benchmarks/verify_500.py --tree /usr/lib/x86_64-linux-gnu
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import alpine_ready_cmd, source_state

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import fixtures as fx

TARGET_RATIO = 2.0
FILES = 500
LOADER = "/lib/ld-musl-x86_64.so.1"


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def _elves(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*") if p.is_file() and not p.is_symlink() and _is_elf(p))


def build_tree(dest: Path, files: int) -> list[str]:
    """``dest`` filled with copies of the real corpora until ``files`` ELF files; their paths."""
    corpora = [
        fx.debian_binaries() / "tree",
        fx.wheels() / "manylinux",
        fx.wheels() / "musllinux",
        fx.pyarrow_wheel(),
        fx.npm_packages() / "gnu",
        fx.npm_packages() / "musl",
    ]
    copy = 0
    while len(_elves(dest)) < files:
        copy += 1
        for n, src in enumerate(corpora):
            shutil.copytree(src, dest / f"copy{copy}" / f"c{n}", symlinks=True)
    elves = _elves(dest)
    for extra in elves[files:]:
        extra.unlink()
    return [p.relative_to(dest).as_posix() for p in elves[:files]]


def copy_tree_elves(src: Path, dest: Path, files: int) -> list[str]:
    """The first ``files`` ELF files of ``src`` (path order), copied with their paths."""
    picked = _elves(src)[:files]
    for p in picked:
        out = dest / p.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, out)
    return [p.relative_to(src).as_posix() for p in picked]


def time_chroot(rootfs: Path, paths: list[str]) -> float:
    """Every file through the loader, one ``chroot`` per file."""
    start = time.perf_counter()
    for p in paths:
        subprocess.run(
            ["chroot", str(rootfs), LOADER, "--list", f"/app/{p}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    return time.perf_counter() - start


def time_verify(tree: Path, rootfs: Path, cache: Path) -> tuple[float, dict[str, Any]]:
    """The whole ``verify`` command; its JSON report."""
    out = cache / "report.json"
    start = time.perf_counter()
    proc = subprocess.run(
        [
            *alpine_ready_cmd(),
            "verify",
            str(tree),
            "--against",
            str(rootfs),
            "--as-is",
            "--format",
            "json",
            "-o",
            str(out),
            "--cache-dir",
            str(cache),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"verify failed ({proc.returncode}): {proc.stderr.strip()}")
    return took, json.loads(out.read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument(
        "--tree",
        type=Path,
        default=None,
        help="take the first 500 ELF files of this tree instead of the test corpora",
    )
    args = ap.parse_args()
    if os.geteuid() != 0 or shutil.which("chroot") is None:
        sys.exit("the chroot baseline needs root and chroot(8)")
    state = source_state()
    with tempfile.TemporaryDirectory(prefix="verify-500-") as tmp:
        work = Path(tmp)
        tree = work / "tree"
        tree.mkdir()
        paths = copy_tree_elves(args.tree, tree, FILES) if args.tree else build_tree(tree, FILES)
        rootfs = work / "rootfs"
        subprocess.run(["cp", "-al", str(fx.alpine_rootfs()), str(rootfs)], check=True)
        (rootfs / "app").mkdir()
        subprocess.run(["mount", "--bind", str(tree), str(rootfs / "app")], check=True)
        try:
            cache = work / "cache"
            cache.mkdir()
            os.environ.setdefault("ALPINE_READY_OFFLINE", "1")  # no mirror here: no waiting
            time_chroot(rootfs, paths)  # warm-up
            _, report = time_verify(tree, fx.alpine_rootfs(), cache)
            base: list[float] = []
            ours: list[float] = []
            loads: list[float] = []
            for _ in range(args.repeat):
                base.append(time_chroot(rootfs, paths))
                took, report = time_verify(tree, fx.alpine_rootfs(), cache)
                ours.append(took)
                loads.extend(s["seconds"] for s in report["steps"] if s["name"] == "load")
        finally:
            subprocess.run(["umount", str(rootfs / "app")], check=False)
    steps = {s["name"]: s["seconds"] for s in report["steps"]}
    ratio = statistics.median(ours) / statistics.median(base)
    load_ratio = statistics.median(loads) / statistics.median(base)
    rows = [
        ("chroot ld-musl --list, per file", base),
        ("alpine-ready verify (whole)", ours),
        ("  its load step (one sandbox)", loads),
    ]
    print(f"{len(paths)} ELF files; {report['summary']['files']} loaded by verify, "
          f"{report['summary']['disagree']} disagreements")  # fmt: skip
    print(f"{'command':<34} {'min s':>8} {'median s':>9}")
    for name, times in rows:
        print(f"{name:<34} {min(times):8.2f} {statistics.median(times):9.2f}")
    print("verify's steps (last run): " + ", ".join(f"{k} {v:.2f} s" for k, v in steps.items()))
    print(f"ratio(load step/chroot) = {load_ratio:.2f}")
    print(f"ratio(verify/chroot) = {ratio:.2f} (target <= {TARGET_RATIO})")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "files": len(paths),
                    "chroot_seconds": base,
                    "verify_seconds": ours,
                    "verify_steps": steps,
                    "load_step_seconds": loads,
                    "ratio": ratio,
                    "load_ratio": load_ratio,
                    "disagreements": report["summary"]["disagree"],
                    "source": state,
                    "machine": platform.platform(),
                    "cpus": os.cpu_count(),
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
