#!/usr/bin/env python3
"""``alpine-ready deps`` on ~300-package lockfiles: cold cache vs warm cache.

Targets (issue 4): a 300-package lockfile checked in under 10 s with a cold cache and
under 1 s warm.  Two real lockfiles, written by the real tools and cached under
``~/.cache/alpine-ready/bench/deps`` (made once; pinned in time so they do not drift):

- Python: ``uv lock --exclude-newer 2026-11-01`` of a project depending on a broad mix
  (jupyterlab, pandas, scikit-learn, fastapi, boto3, dask, transformers, ...): ~300
  packages, among them the ones whose index pages are megabytes (botocore, boto3);
- Node: ``npm install --package-lock-only --before 2026-11-26`` of a web-service mix with
  native addons (sharp, esbuild, rollup, bcrypt, better-sqlite3, webpack, jest, ...).

Each is run as the CLI (``alpine-ready deps LOCK --format json -o /dev/null --cache-dir
DIR``) in a fresh process: once with an empty cache (cold: every index page / registry
document fetched, concurrency bounded by the clients), then ``-n`` times with that cache
(warm).  Needs network (PyPI and the npm registry), uv and npm.

    .venv/bin/python benchmarks/deps_lockfile.py            # both, 5 warm runs
    .venv/bin/python benchmarks/deps_lockfile.py -n 10 --only python
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    / "alpine-ready"
    / "bench"
    / "deps"
)
EXCLUDE_NEWER = "2026-11-01T00:00:00Z"  # Python: uv lock --exclude-newer
NPM_BEFORE = "2026-11-26"  # Node: npm --before (the pins below are from November)
PYTHON_DEPS = [
    "jupyterlab",
    "pandas",
    "scikit-learn",
    "matplotlib",
    "fastapi[standard]",
    "sqlalchemy",
    "boto3",
    "django",
    "celery[redis]",
    "dask[complete]",
    "sphinx",
    "pytest",
    "black",
    "mypy",
    "grpcio-tools",
    "pyarrow",
    "polars",
    "duckdb",
    "psycopg[binary]",
    "lxml",
    "cryptography",
    "pillow",
    "requests",
    "httpx",
    "pydantic",
    "orjson",
    "uvloop",
    "gevent",
    "scipy",
    "sympy",
    "networkx",
    "opencv-python-headless",
    "mysqlclient",
    "confluent-kafka",
    "apache-beam",
    "streamlit",
    "scrapy",
    "transformers",
    "flask",
    "gunicorn",
    "ansible-core",
    "kubernetes",
]
NODE_DEPS = {
    "express": "4.21.2",
    "webpack": "5.97.1",
    "webpack-cli": "6.0.1",
    "jest": "29.7.0",
    "typescript": "5.7.3",
    "sharp": "0.35.5",
    "esbuild": "0.28.2",
    "rollup": "4.68.8",
    "bcrypt": "6.0.0",
    "better-sqlite3": "12.4.1",
    "pg": "8.13.1",
    "axios": "1.7.9",
    "lodash": "4.17.21",
    "ws": "8.18.0",
    "bufferutil": "4.0.9",
}


def _run(cmd: list[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-600:]}")


def python_lock() -> Path:
    """The uv.lock (made once)."""
    dest = CACHE / "python" / "uv.lock"
    if dest.exists():
        return dest
    uv = shutil.which("uv", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if uv is None:
        raise SystemExit("uv not found (pip install uv)")
    with tempfile.TemporaryDirectory() as t:
        proj = Path(t)
        deps = ",\n    ".join(json.dumps(d) for d in PYTHON_DEPS)
        (proj / "pyproject.toml").write_text(
            f'[project]\nname = "bench-300"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
            f"dependencies = [\n    {deps},\n]\n"
        )
        _run(
            [
                uv,
                "lock",
                "--python",
                sys.executable,
                "--no-python-downloads",
                "--exclude-newer",
                EXCLUDE_NEWER,
            ],
            proj,
        )
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(proj / "uv.lock", dest)
    return dest


def node_lock() -> Path:
    """The package-lock.json (made once)."""
    dest = CACHE / "node" / "package-lock.json"
    if dest.exists():
        return dest
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found")
    with tempfile.TemporaryDirectory() as t:
        proj = Path(t)
        (proj / "package.json").write_text(
            json.dumps(
                {
                    "name": "bench-300",
                    "version": "0.1.0",
                    "private": True,
                    "dependencies": NODE_DEPS,
                },
                indent=2,
            )
        )
        _run(
            [
                npm,
                "install",
                "--package-lock-only",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--before",
                NPM_BEFORE,
            ],
            proj,
        )
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(proj / "package-lock.json", dest)
        shutil.copy2(proj / "package.json", dest.parent / "package.json")
    return dest


def check(lock: Path, cache: Path) -> tuple[float, dict[str, object]]:
    """One CLI run: (seconds, the report's summary)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [
            sys.executable,
            "-m",
            "alpine_ready",
            "deps",
            str(lock),
            "--format",
            "json",
            "-o",
            out.name,
            "--cache-dir",
            str(cache),
        ]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        elapsed = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr}")
        return elapsed, json.loads(Path(out.name).read_text())["summary"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=5, help="warm runs (default 5)")
    ap.add_argument("--only", choices=("python", "node"), default=None)
    args = ap.parse_args()
    locks = {"python": python_lock, "node": node_lock}
    rows = []
    for kind, make in locks.items():
        if args.only and kind != args.only:
            continue
        lock = make()
        with tempfile.TemporaryDirectory(prefix="alpine-ready-bench-") as t:
            cold, summary = check(lock, Path(t))
            warm = [check(lock, Path(t))[0] for _ in range(args.n)]
        rows.append((kind, lock, summary["packages"], cold, warm))
        print(
            f"{kind}: {lock} ({summary['packages']} packages; "
            f"{ {k: v for k, v in summary['by_status'].items() if v} })",
            file=sys.stderr,
        )
    print(f"{'lockfile':<8} {'packages':>8} {'cold s':>7} {'warm min':>9} {'warm median':>12}")
    ok = True
    for kind, _lock, n, cold, warm in rows:
        med = statistics.median(warm)
        print(f"{kind:<8} {n:>8} {cold:>7.2f} {min(warm):>9.2f} {med:>12.2f}")
        ok = ok and cold < 10 and med < 1
    print(f"targets (cold < 10 s, warm median < 1 s): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
