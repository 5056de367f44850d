"""fleet over 200 images on shared bases: cold (1 and 2 workers), warm, layer dedupe.

The fleet is tests/fleetbuild.py's: real images of five kinds over three shared layers
(Alpine 3.23, Debian bookworm, a glibc application layer) plus a manylinux wheel layer
and one small layer of its own per image, pushed by skopeo into a local Debian
``docker-registry``.  Each row runs the CLI as a user would
(``alpine-ready fleet --registry HOST --offline --format json -o FILE``):

* ``cold, N workers``: an empty layer cache and an empty SQLite store (``--workers N``,
  the local process pool): every distinct layer analysed once, every image judged;
* ``warm``: the same command again on the store and cache of the 2-worker run: the
  catalog and the 200 manifests are read again, nothing else runs (target: < 5% of cold).

Per-layer and per-image costs are read back from the store (``fleet_layers.seconds``,
``fleet_images`` payload ``seconds``); docs/scale.md projects 10,000 images from them.

Usage: python3 benchmarks/fleet_200.py [--images 200] [--json FILE]
Exit status: 0 (a benchmark, not a test); 2 when a run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import fleetbuild as fb
from _common import alpine_ready_cmd, source_state


def fleet_run(host: str, work: Path, name: str, *extra: str) -> tuple[float, dict[str, Any]]:
    """One timed CLI run; (seconds, the JSON report)."""
    out = work / f"{name}.json"
    cmd = [*alpine_ready_cmd(), "fleet", "--registry", host, "--offline", "--format", "json"]
    cmd += ["-o", str(out), "--progress", "never", *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"{name}: exit {proc.returncode}: {proc.stderr[-2000:]}", file=sys.stderr)
        raise SystemExit(2)
    return seconds, json.loads(out.read_text())


def costs(db: Path) -> dict[str, Any]:
    """Per-layer and per-image task times from a store."""
    with sqlite3.connect(db) as con:
        layers = con.execute(
            "SELECT seconds, uncompressed, compressed FROM fleet_layers"
        ).fetchall()
        images = [
            json.loads(p)["seconds"] for (p,) in con.execute("SELECT payload FROM fleet_images")
        ]
    big = [s for s, u, _ in layers if u > 10 << 20]
    small = [s for s, u, _ in layers if u <= 10 << 20]
    return {
        "layers": len(layers),
        "layer_seconds_total": round(sum(s for s, _, _ in layers), 2),
        "base_layer_seconds": [round(s, 2) for s in sorted(big, reverse=True)],
        "small_layer_seconds_median": round(statistics.median(small), 4) if small else None,
        "layer_mb_per_second": round(
            sum(u for _, u, _ in layers) / 1e6 / max(1e-9, sum(s for s, _, _ in layers)), 1
        ),
        "image_seconds_total": round(sum(images), 2),
        "image_seconds_median": round(statistics.median(images), 3),
        "image_seconds_max": round(max(images), 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--json", type=Path, default=None, help="write every number here")
    args = ap.parse_args()
    state = source_state()
    built = fb.build_fleet(args.images)
    print(f"fleet of {args.images} images; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}")
    results: dict[str, Any] = {"images": args.images, "source": state, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="alpine-ready-fleet-bench-") as tmp:
        work = Path(tmp)
        with fb.pushed_fleet(args.images, work) as fleet:
            del built
            host = fleet.registry.host
            rows = {}
            for workers in (1, 2):
                run_dir = work / f"w{workers}"
                run_dir.mkdir()
                store = ["--store", f"sqlite://{run_dir / 'fleet.sqlite3'}"]
                store += ["--cache-dir", str(run_dir / "cache"), "--workers", str(workers)]
                seconds, report = fleet_run(host, work, f"cold-{workers}", *store)
                rows[f"cold, {workers} worker{'s' if workers > 1 else ''}"] = (seconds, report)
                results[f"cold_{workers}"] = {"seconds": round(seconds, 2), "run": report["run"]}
                results[f"costs_{workers}"] = costs(run_dir / "fleet.sqlite3")
            seconds, report = fleet_run(host, work, "warm", *store)
            rows["warm (2-worker store)"] = (seconds, report)
            results["warm"] = {"seconds": round(seconds, 2), "run": report["run"]}
    cold = results["cold_2"]["seconds"]
    print(
        f"\n{'run':<24} {'seconds':>8} {'layer tasks':>11} {'image tasks':>11} {'MB fetched':>10}"
    )
    for name, (seconds, report) in rows.items():
        r = report["run"]
        print(
            f"{name:<24} {seconds:>8.1f} {r['layer_tasks']:>11} {r['image_tasks']:>11} "
            f"{r['bytes_fetched'] / 1e6:>10.1f}"
        )
    run = results["cold_2"]["run"]
    s = report["summary"]
    print(
        f"\nlayers: {run['distinct_layers']} distinct of {run['layer_refs']} "
        f"(dedupe ratio {run['dedupe_ratio']}x)"
    )
    print(
        f"fleet: ready {s['ready']}, with changes {s['ready_with_changes']}, "
        f"not recommended {s['not_recommended']}, saving {s['bytes_saved'] / 1e9:.2f} GB"
    )
    print(f"speed-up 1 -> 2 workers: {results['cold_1']['seconds'] / cold:.2f}x")
    print(f"costs (2 workers): {json.dumps(results['costs_2'])}")
    warm = results["warm"]["seconds"] / cold
    results["warm_ratio"] = round(warm, 4)
    print(f"warm / cold = {warm:.1%} (target < 5%)")
    if state != source_state():
        print("WARNING: the alpine-ready sources changed during the run")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
