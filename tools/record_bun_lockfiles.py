#!/usr/bin/env python3
"""Record REAL ``bun.lock`` files, written by the real Bun, into tests/data/nodelocks/.

Stdlib-only.  Installs the pinned Bun from the npm registry (``npm install
@oven/bun-linux-x64@BUN_VERSION``: the linux-x64 binary, which runs on glibc) into a
throwaway directory, then writes:

- ``bun/``: the project of ``npm-v3/`` (rollup, sharp, lightningcss, esbuild, bcrypt)
  and ``bun-native-mix/``: the project of ``native-mix/`` -- each locked by Bun from
  the recorded ``package-lock.json`` beside its ``package.json`` (``bun install
  --lockfile-only --ignore-scripts`` migrates it: the same versions, so the recorded
  registry answers in tests/data/npm serve both and the verdicts must be equal);
- ``bun-fresh/``: a project resolved by Bun itself (no package-lock.json): platform
  packages (esbuild, rollup, sharp, lightningcss), node-gyp-build prebuilds
  (bufferutil), a pure package (left-pad) and a dev dependency (typescript).

Each output directory gets the ``package.json`` and ``bun.lock`` exactly as Bun wrote
it; ``RECORDED-bun.json`` names the Bun version.  Needs the npm registry.  Usage::

    python3 tools/record_bun_lockfiles.py [--out tests/data/nodelocks]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BUN_VERSION = "1.4.5"
FRESH = {
    "name": "bunfresh",
    "version": "0.1.0",
    "private": True,
    "dependencies": {
        "esbuild": "0.28.2",
        "rollup": "4.68.8",
        "sharp": "0.35.5",
        "lightningcss": "1.33.0",
        "bufferutil": "4.0.9",
        "left-pad": "1.3.0",
    },
    "devDependencies": {"typescript": "5.7.3"},
}
MIGRATED = {"bun": "npm-v3", "bun-native-mix": "native-mix"}
ENV = {
    "npm_config_update_notifier": "false",
    "npm_config_fund": "false",
    "npm_config_audit": "false",
    "DO_NOT_TRACK": "1",
}


def _run(cmd: list[str], cwd: Path) -> str:
    print("+", " ".join(cmd), file=sys.stderr)
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return proc.stdout.strip()


def _bun(tools: Path) -> Path:
    """The pinned Bun binary, installed from the npm registry."""
    (tools / "package.json").write_text('{"name": "bun-tool", "private": true}\n')
    _run(
        ["npm", "install", "--no-save", "--ignore-scripts", f"@oven/bun-linux-x64@{BUN_VERSION}"],
        tools,
    )
    bun = tools / "node_modules" / "@oven" / "bun-linux-x64" / "bin" / "bun"
    got = _run([str(bun), "--version"], tools)
    if got != BUN_VERSION:
        raise RuntimeError(f"bun --version says {got}, expected {BUN_VERSION}")
    return bun


def _lock(bun: Path, proj: Path, dest: Path) -> None:
    _run([str(bun), "install", "--lockfile-only", "--ignore-scripts", "--no-progress"], proj)
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "bun.lock"):
        shutil.copy2(proj / name, dest / name)
    print(f"wrote {dest / 'bun.lock'}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "tests" / "data" / "nodelocks",
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="alpine-ready-bun-") as tmp:
        root = Path(tmp)
        (root / "tools").mkdir()
        bun = _bun(root / "tools")
        for name, source in MIGRATED.items():
            proj = root / name
            proj.mkdir()
            for f in ("package.json", "package-lock.json"):
                shutil.copy2(args.out / source / f, proj / f)
            _lock(bun, proj, args.out / name)
        proj = root / "bun-fresh"
        proj.mkdir()
        (proj / "package.json").write_text(json.dumps(FRESH, indent=2) + "\n")
        _lock(bun, proj, args.out / "bun-fresh")
    recorded = {"bun": BUN_VERSION, "migrated_from": MIGRATED, "fresh": FRESH}
    (args.out / "RECORDED-bun.json").write_text(json.dumps(recorded, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
