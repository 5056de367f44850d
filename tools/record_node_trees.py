#!/usr/bin/env python3
"""Record the pinned project whose installed trees test the Node loader rules (regenerable).

    .venv/bin/python tools/record_node_trees.py      # needs the npm registry and npm

Writes ``tests/data/node-trees/``: ``package.json`` pinning packages whose addons are
chosen by different loaders (node-gyp-build prebuilds with ``musl``/``glibc``/``abi``/
``napi``/``armv`` tags beside darwin and win32 builds, node-pre-gyp, prebuild-install,
platform packages), the ``package-lock.json`` the real npm writes for it, and in
``npm/`` the registry answers the lockfile check needs (recorded as ``tools/record_npm.py``
records them).  ``tools/fixtures.py node_trees`` installs that lockfile twice with
``npm ci --ignore-scripts --os=linux --cpu=x64 --libc=musl`` (and ``--libc=glibc``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tools"))

from alpine_ready.deps.cache import ResponseCache  # noqa: E402
from alpine_ready.deps.node_check import NodeTarget, check_node  # noqa: E402
from alpine_ready.deps.npm_registry import NpmRegistry  # noqa: E402
from alpine_ready.deps.sources import parse_node_input  # noqa: E402
from record_npm import _trim  # noqa: E402

PINNED = {
    "@datadog/pprof": "5.14.3",  # prebuilds/linux-x64: <name>.musl.node.abi<N>.node per ABI
    "@parcel/watcher": "2.5.1",  # platform packages -linux-x64-glibc / -musl
    "bcrypt": "5.1.1",  # node-pre-gyp: module_path lib/binding/napi-v{napi_build_version}
    "better-sqlite3": "12.4.1",  # prebuild-install (downloads at install)
    "bufferutil": "4.0.9",  # one untagged linux-x64 prebuild (a glibc build)
    "classic-level": "2.0.0",  # classic-level.musl.node beside classic-level.node
    "cpu-features": "0.0.10",  # node-gyp only
    "leveldown": "6.1.1",  # node.napi.glibc.node beside node.napi.musl.node, armv6/7/8
    "msgpackr-extract": "3.0.3",  # a platform package with glibc and musl, abi and napi files
    "node-pty": "1.1.0",  # prebuilds for darwin and win32 only
    "re2": "1.27.2",  # install-from-cache || node-gyp
    "sharp": "0.33.5",  # platform packages @img/sharp-linuxmusl-x64
    "usb": "2.8.3",  # node.napi.glibc.node / node.napi.musl.node, linux-ia32
    "utf-8-validate": "6.0.5",  # utf-8-validate.musl.node beside utf-8-validate.node
}
OUT = ROOT / "tests" / "data" / "node-trees"


def main() -> int:
    env = {
        **os.environ,
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
    }
    with tempfile.TemporaryDirectory(prefix="alpine-ready-node-trees-") as t:
        tmp = Path(t)
        proj = tmp / "proj"
        proj.mkdir()
        manifest = {"name": "node-trees", "version": "1.0.0", "private": True}
        (proj / "package.json").write_text(
            json.dumps({**manifest, "dependencies": PINNED}, indent=2) + "\n"
        )
        subprocess.run(
            ["npm", "install", "--package-lock-only", "--ignore-scripts"],
            cwd=proj,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
        OUT.mkdir(parents=True, exist_ok=True)
        for f in ("package.json", "package-lock.json"):
            shutil.copy2(proj / f, OUT / f)
        npm = subprocess.run(["npm", "--version"], capture_output=True, text=True).stdout.strip()
        (OUT / "RECORDED.json").write_text(json.dumps({"npm": npm}, indent=2) + "\n")

        cache = ResponseCache(tmp / "cache", name="npm")
        registry = NpmRegistry(cache=cache)
        check_node(parse_node_input(OUT / "package-lock.json"), NodeTarget(), registry)
        answers = OUT / "npm"
        if answers.exists():
            shutil.rmtree(answers)
        answers.mkdir()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        n = 0
        for f in sorted((tmp / "cache").rglob("*")):
            if not f.is_file() or f.name.startswith(".tmp"):
                continue
            meta_line, _, body = f.read_bytes().partition(b"\n")
            meta = json.loads(meta_line)
            trimmed, note = _trim(body, meta["accept"])
            name = hashlib.sha256(meta["url"].encode()).hexdigest()[:16]
            doc = {
                "url": meta["url"],
                "accept": meta["accept"],
                "headers": dict(meta["headers"]),
                "recorded_at": stamp,
                "trimmed": note,
                "body": trimmed.decode(),
            }
            (answers / f"{name}.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
            n += 1
    print(f"wrote {OUT.relative_to(ROOT)} (npm {npm}, {n} registry answers)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
