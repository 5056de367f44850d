#!/usr/bin/env python3
"""Time ``alpine-ready scan`` on big C++ libraries: pyarrow's wheel and verify's 500 files.

What is timed: ``alpine-ready scan TREE --format json -o /dev/null`` (default ``-j``,
and ``-j 1``) on two trees --

* ``pyarrow``: the unpacked musllinux wheel of pyarrow (``tools/fixtures.py``,
  ``pyarrow_wheel``): 49 ELF files, among them libarrow (58 MB, 16k relocated
  symbols), libparquet, libarrow_compute/flight/s3 and three copies of
  libarrow_python;
* ``corpus500``: the tree of ``verify_500.py`` (the loader differential test's
  corpora, pyarrow among them, copied three times and cut to 500 ELF files).

With ``--before SRC`` the same commands also run with ``PYTHONPATH=SRC`` (another
checkout's ``src``), in turns with this one, for a before/after table.

Method: one warm-up of each command, then N repetitions in turns; wall clock
(``time.perf_counter``) around each ``subprocess.run``; min and median.  The
machine may be shared: repeat, and read the min.

    python3 benchmarks/scan_cxx.py -n 5
    python3 benchmarks/scan_cxx.py -n 5 --before /work/main/src

Measured on the 2-core Debian 12 build machine (shared), n=5, seconds, min / median;
before = main at d5219ff, after = the scan-speed branch at 62dccec::

    tree        jobs     before          after
    pyarrow     -j 2     1.39 / 1.42     0.43 / 0.43
    pyarrow     -j 1     1.41 / 1.42     0.43 / 0.44
    corpus500   -j 2     2.63 / 2.66     1.21 / 1.24
    corpus500   -j 1     4.34 / 4.40     1.70 / 1.78

and ``sudo python3 benchmarks/verify_500.py -n 5`` (verify / the chroot loop,
medians): 2.75x before (3.52 s / 1.28 s), 1.56x after (2.02 s / 1.30 s).

The gains, all exact (every report byte-for-byte the same): each file is parsed
once per run (a scan read every pyarrow library three to four times: as a scanned
file, as a dependency, and as the loader of each library its wheel vendors), and
the loader model walks, per object, only the imports whose lookup can matter (a C++
library defines most of the symbols its relocations name); the per-symbol loops of
the ELF reader lost a function call per symbol.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import alpine_ready_cmd, source_state

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import fixtures as fx
from verify_500 import FILES, build_tree


def time_scan(tree: Path, jobs: int | None, src: str | None) -> float:
    """One ``scan`` of ``tree``; its wall-clock seconds (``src``: PYTHONPATH, None: as is)."""
    env = dict(os.environ, ALPINE_READY_OFFLINE="1")
    if src is not None:
        env["PYTHONPATH"] = src
    cmd = [*alpine_ready_cmd(), "scan", str(tree), "--format", "json", "-o", os.devnull]
    if jobs is not None:
        cmd += ["-j", str(jobs)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"scan failed ({proc.returncode}): {proc.stderr.strip()}")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--repeat", type=int, default=3)
    ap.add_argument("--before", default=None, help="also time the scan of this src directory")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    args = ap.parse_args()
    versions: list[tuple[str, str | None]] = [("after", os.environ.get("PYTHONPATH"))]
    if args.before:
        versions.insert(0, ("before", args.before))
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="scan-cxx-") as tmp:
        corpus = Path(tmp) / "tree"
        corpus.mkdir()
        build_tree(corpus, FILES)
        trees = {"pyarrow": fx.pyarrow_wheel(), "corpus500": corpus}
        runs = [
            (f"{t:<10} -j {j or 'CPUs'}  {v}", tree, j, src)
            for t, tree in trees.items()
            for j in (None, 1)
            for v, src in versions
        ]
        for _name, tree, jobs, src in runs:  # warm-up: page cache, bytecode
            time_scan(tree, jobs, src)
        for _ in range(args.repeat):
            for name, tree, jobs, src in runs:
                results.setdefault(name, []).append(time_scan(tree, jobs, src))
    print(f"{'tree, jobs, version':<32} {'min s':>8} {'median s':>9}")
    for name, times in results.items():
        print(f"{name:<32} {min(times):8.2f} {statistics.median(times):9.2f}")
    if args.json is not None:
        args.json.write_text(
            json.dumps({"source": source_state(), "seconds": results}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
