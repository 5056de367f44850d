#!/usr/bin/env python3
"""``alpine-ready deps`` on requirements files, resolution on: cold cache vs warm cache.

Targets (issue 13): a 100-pin requirements file checked in under 10 s with a cold cache
and under 1 s warm when nothing changed; Node lockfiles stay where they are (~0.5 s
warm).  Inputs (``benchmarks/data/``):

- ``requirements-100.txt``: 100 pins (``uv pip compile`` of 47 popular projects, glibc,
  ``--exclude-newer 2026-11-01``): musl wheels, glibc-only wheels and eight sdist-only
  projects (psycopg2, mysqlclient, uwsgi, python-ldap, crcmod, docopt, jsmin, sgmllib3k),
  each of which makes the wheels-only resolution leave it out and run uv again;
- ``requirements-unpinned-30.txt``: 30 names without versions (uv resolves today's);
- the Node ``package-lock.json`` of ``deps_lockfile.py`` (477 packages), made once.

Each is run as the CLI (``alpine-ready deps FILE --format json -o OUT --cache-dir DIR``)
in a fresh process: once with an empty cache dir (cold), then ``-n`` times with it
(warm).  The oracle is the cold report: every warm report must be the same bytes (the
report has no timing field); a difference is printed and makes the exit status 1.  The
first run writes bytecode (the package is installed editable; ``PYTHONDONTWRITEBYTECODE``
is unset for the runs).  Needs network (PyPI, the npm registry) and uv.

    .venv/bin/python benchmarks/deps_warm.py              # all three, 5 warm runs
    .venv/bin/python benchmarks/deps_warm.py --only pins -n 9
"""

from __future__ import annotations

import argparse
import difflib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import source_state  # noqa: E402
from deps_lockfile import node_lock  # noqa: E402

INPUTS = {
    "pins": ("Python, 100 pins", lambda: HERE / "data" / "requirements-100.txt", 10.0, 1.0),
    "unpinned": (
        "Python, 30 unpinned",
        lambda: HERE / "data" / "requirements-unpinned-30.txt",
        10.0,
        1.0,
    ),
    "node": ("Node lockfile, 477", node_lock, 10.0, 1.0),
}


def run(path: Path, cache: Path, out: Path) -> float:
    """One CLI run writing the JSON report to ``out``: seconds."""
    cmd = [
        sys.executable,
        "-m",
        "alpine_ready",
        "deps",
        str(path),
        "--format",
        "json",
        "-o",
        str(out),
        "--cache-dir",
        str(cache),
    ]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", type=int, default=5, help="warm runs (default 5)")
    ap.add_argument("--only", choices=sorted(INPUTS), action="append", default=None)
    args = ap.parse_args()
    state = source_state()
    print(f"alpine-ready {state}, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    rows = []
    same_all = True
    same = True
    for kind, (label, make, cold_target, warm_target) in INPUTS.items():
        if args.only and kind not in args.only:
            continue
        path = make()
        with tempfile.TemporaryDirectory(prefix="alpine-ready-bench-") as t:
            cache, cold_out, warm_out = Path(t) / "cache", Path(t) / "cold.json", Path(t) / "w.json"
            cold = run(path, cache, cold_out)
            oracle = cold_out.read_bytes()
            warm = []
            same = True
            for _ in range(args.n):
                warm.append(run(path, cache, warm_out))
                got = warm_out.read_bytes()
                if got != oracle:
                    same = same_all = False
                    diff = difflib.unified_diff(
                        oracle.decode().splitlines(), got.decode().splitlines(), lineterm=""
                    )
                    print(f"{label}: warm report differs from cold:", file=sys.stderr)
                    print("\n".join(list(diff)[:40]), file=sys.stderr)
        rows.append((label, cold, warm, cold_target, warm_target, same))
        print(f"{label}: cold {cold:.2f} s, warm {[round(w, 2) for w in warm]}", file=sys.stderr)
    print(f"{'input':<22} {'cold s':>7} {'warm min':>9} {'warm median':>12}  {'warm = cold':>11}")
    ok = True
    for label, cold, warm, ct, wt, equal in rows:
        med = statistics.median(warm) if warm else float("nan")
        print(
            f"{label:<22} {cold:>7.2f} {min(warm, default=float('nan')):>9.2f} {med:>12.2f}"
            f"  {'yes' if equal else 'NO':>11}"
        )
        ok = ok and cold < ct and med < wt
    print(f"targets (cold < 10 s, warm median < 1 s): {'met' if ok else 'NOT met'}")
    if source_state() != state:
        print("WARNING: the source changed during the run", file=sys.stderr)
    return 0 if same_all else 1


if __name__ == "__main__":
    sys.exit(main())
