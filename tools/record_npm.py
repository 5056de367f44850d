#!/usr/bin/env python3
"""Record real npm-registry answers for the Node dependency tests (small, regenerable).

    .venv/bin/python tools/record_npm.py            # needs the npm registry and npm

1. Writes ``tests/data/nodelocks/native-mix/``: a ``package.json`` pinning packages that
   show every Node status, and the ``package-lock.json`` the real npm writes for it
   (``npm install --package-lock-only --ignore-scripts``):

   ===========================  =====================================================
   oxc-parser 0.2.0             only a -gnu platform package; 0.4.0 adds -musl
   @biomejs/biome 1.0.0         one linux-x64 build without libc: a glibc binary
   esbuild 0.28.2               one linux-x64 build without libc: a static binary
   bufferutil 4.0.9             node-gyp-build; its only linux-x64 prebuild is glibc
   utf-8-validate 6.0.5         node-gyp-build with a musl prebuild
   better-sqlite3 12.4.1        prebuild-install || node-gyp rebuild
   left-pad 1.3.0               pure JavaScript
   ===========================  =====================================================

2. Runs the Node check online over every lockfile in ``tests/data/nodelocks/`` with a
   fresh response cache, then writes each cache entry it made to ``tests/data/npm/`` as
   ``{"url", "accept", "headers", "recorded_at", "trimmed", "body"}``.  Version documents
   and packuments are trimmed to the fields :func:`alpine_ready.deps.npm_registry.
   parse_version_doc` reads (a packument of a busy package is megabytes); tarball
   listings (what :meth:`NpmRegistry.listing` read from the real tarballs) are kept whole.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from alpine_ready.deps.cache import ResponseCache  # noqa: E402
from alpine_ready.deps.node_check import NodeTarget, check_node  # noqa: E402
from alpine_ready.deps.npm_registry import LISTING_ACCEPT, NpmRegistry  # noqa: E402
from alpine_ready.deps.sources import parse_node_input  # noqa: E402

NATIVE_MIX = {
    "oxc-parser": "0.2.0",
    "@biomejs/biome": "1.0.0",
    "esbuild": "0.28.2",
    "bufferutil": "4.0.9",
    "utf-8-validate": "6.0.5",
    "better-sqlite3": "12.4.1",
    "left-pad": "1.3.0",
}
KEPT_FIELDS = (
    "name",
    "version",
    "os",
    "cpu",
    "libc",
    "dependencies",
    "optionalDependencies",
    "gypfile",
    "deprecated",
)
LOCKS = ROOT / "tests" / "data" / "nodelocks"
OUT = ROOT / "tests" / "data" / "npm"


def _trim_version(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: doc[k] for k in KEPT_FIELDS if k in doc}
    scripts = doc.get("scripts") or {}
    kept = {k: v for k, v in scripts.items() if k in ("preinstall", "install", "postinstall")}
    if kept:
        out["scripts"] = kept
    if isinstance(doc.get("binary"), dict) and "host" in doc["binary"]:
        out["binary"] = {"host": doc["binary"]["host"]}
    if isinstance(doc.get("config"), dict) and "musl" in doc["config"]:
        out["config"] = {"musl": doc["config"]["musl"]}
    dist = doc.get("dist") or {}
    out["dist"] = {k: dist[k] for k in ("tarball", "integrity") if k in dist}
    return out


def _trim(body: bytes, accept: str) -> tuple[bytes, dict[str, Any]]:
    if accept == LISTING_ACCEPT:
        return body, {}
    doc = json.loads(body)
    if isinstance(doc.get("versions"), dict):  # a packument
        versions = {v: _trim_version(d) for v, d in doc["versions"].items()}
        trimmed = {"name": doc.get("name"), "dist-tags": doc.get("dist-tags"), "versions": versions}
        note = {"packument": True, "bytes_before": len(body)}
    else:
        trimmed, note = _trim_version(doc), {"bytes_before": len(body)}
    return json.dumps(trimmed, sort_keys=True).encode(), note


def _lockfile(tmp: Path) -> None:
    proj = tmp / "native-mix"
    proj.mkdir()
    (proj / "package.json").write_text(
        json.dumps(
            {"name": "native-mix", "version": "0.1.0", "private": True, "dependencies": NATIVE_MIX},
            indent=2,
        )
        + "\n"
    )
    env = {
        **os.environ,
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
    }
    subprocess.run(
        ["npm", "install", "--package-lock-only", "--ignore-scripts"],
        cwd=proj,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    dest = LOCKS / "native-mix"
    dest.mkdir(parents=True, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copy2(proj / f, dest / f)
    npm = subprocess.run(["npm", "--version"], capture_output=True, text=True).stdout.strip()
    (dest / "RECORDED.json").write_text(
        json.dumps({"dependencies": NATIVE_MIX, "npm": npm}, indent=2) + "\n"
    )
    print(f"wrote {dest / 'package-lock.json'} (npm {npm})", file=sys.stderr)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="alpine-ready-npm-") as t:
        tmp = Path(t)
        _lockfile(tmp)
        cache = ResponseCache(tmp / "cache", name="npm")
        registry = NpmRegistry(cache=cache)
        for lock in sorted(LOCKS.glob("*/*")):
            if lock.name in ("package-lock.json", "yarn.lock", "pnpm-lock.yaml"):
                for arch in ("x86_64", "aarch64"):
                    check_node(parse_node_input(lock), NodeTarget(arch=arch), registry)
                print(f"checked {lock.relative_to(ROOT)}", file=sys.stderr)
        if OUT.exists():
            shutil.rmtree(OUT)
        OUT.mkdir(parents=True)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        n = 0
        for f in sorted((tmp / "cache").rglob("*")):
            if not f.is_file() or f.name.startswith(".tmp"):
                continue
            meta_line, _, body = f.read_bytes().partition(b"\n")
            meta = json.loads(meta_line)
            trimmed, note = _trim(body, meta["accept"])
            name = hashlib.sha256(meta["url"].encode()).hexdigest()[:16]
            (OUT / f"{name}.json").write_text(
                json.dumps(
                    {
                        "url": meta["url"],
                        "accept": meta["accept"],
                        "headers": dict(meta["headers"]),
                        "recorded_at": stamp,
                        "trimmed": note,
                        "body": trimmed.decode(),
                    },
                    indent=1,
                    sort_keys=True,
                )
                + "\n"
            )
            n += 1
        print(
            f"wrote {n} responses to {OUT.relative_to(ROOT)} ({registry.requests} requests)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
