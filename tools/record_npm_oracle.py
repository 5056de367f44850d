#!/usr/bin/env python3
"""Record npm itself as the oracle for the Node check (``tests/test_node_oracle.py``).

    python3 tools/record_npm_oracle.py             # as root: npm registry, npm, chroot
    python3 tools/record_npm_oracle.py --registry  # only re-record the registry answers

For every package of :data:`CORPUS` (a real native or platform-package dependency at a
pinned version, each with why it is in), in a fresh project:

1. ``npm install --ignore-scripts --os=linux --cpu=x64 --libc=musl NAME@VERSION``: npm
   picks the platform packages for Alpine x86_64 itself; its ``package-lock.json`` is
   kept (``tests/data/npm-oracle/<slug>/``).
2. What landed: every package's ``package.json`` (``os``/``cpu``/``libc``, install
   scripts, and whether a ``binding.gyp`` makes npm run ``node-gyp rebuild``), every ELF
   file with its libc (ELF headers) and what Alpine 3.23's real musl loader says of it
   (``ld-musl-x86_64.so.1 --list`` in the Alpine rootfs of the test fixtures, with
   Alpine's ``libstdc++``/``libgcc`` on the library path as ``node:alpine`` has them;
   unresolved symbols Node itself provides -- N-API, libuv, V8, OpenSSL, zlib -- are
   not failures).
3. The oracle status of each package in the vocabulary of ``deps``
   (:class:`alpine_ready.deps.report.DepStatus`), derived from 1-2 by the rules of
   :func:`_derive` (what a plain ``npm install`` on Alpine does with what landed), with
   the install scripts that need reading decided in :data:`SCRIPTS` (each with why).
   Written to ``tests/data/npm-oracle/ORACLE.json`` with the date and the npm version.
4. The registry answers ``deps`` asks for when it checks these lockfiles online (a fresh
   cache, then each entry trimmed as ``tools/record_npm.py`` does) go to
   ``tests/data/npm-oracle/registry/`` so the test runs offline.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tools"))

OUT = ROOT / "tests" / "data" / "npm-oracle"
ALPINE = "https://dl-cdn.alpinelinux.org/alpine/v3.23/main/x86_64/"

#: (package@version, why it is in the corpus)
CORPUS: tuple[tuple[str, str], ...] = (
    ("rollup@4.22.4", "first rollup with -powerpc64le-gnu (a CPU spelling the grouping missed)"),
    ("rollup@4.30.1", "adds -loongarch64-gnu"),
    ("rollup@4.44.0", "last of the 4.22-4.44 range of the issue"),
    ("rollup@4.52.5", "newer rollup: -musl for x64/arm64, -openharmony, -gnu/-musl riscv64"),
    ("rollup@3.29.5", "rollup 3: pure JavaScript"),
    ("vite@5.4.11", "Vite 5 lockfile: rollup 4 + esbuild 0.21"),
    ("vite@6.0.7", "Vite 6 lockfile: rollup 4.2x + esbuild 0.24"),
    ("esbuild@0.21.5", "one linux-x64 build without libc: a static Go binary"),
    ("esbuild@0.25.10", "the same, newer"),
    ("@swc/core@1.7.26", "-gnu and -musl platform packages"),
    ("@swc/core@1.13.5", "the same, newer"),
    ("lightningcss@1.28.2", "-gnu/-musl platform packages, a JavaScript loader"),
    ("lightningcss@1.30.1", "the same, newer"),
    ("sharp@0.33.5", "@img/sharp-linuxmusl-x64 + libvips in its own package"),
    ("sharp@0.34.4", "the same, newer (config.musl)"),
    ("sharp@0.32.6", "prebuild-install + libvips download at install time"),
    ("@parcel/watcher@2.4.1", "-glibc/-musl platform packages"),
    ("@parcel/watcher@2.5.1", "the same, newer"),
    ("bcrypt@5.1.1", "node-pre-gyp install --fallback-to-build"),
    ("bcrypt@6.0.0", "node-gyp-build with prebuilds"),
    ("argon2@0.41.1", "node-gyp-build with musl prebuilds"),
    ("better-sqlite3@11.10.0", "prebuild-install || node-gyp rebuild"),
    ("canvas@2.11.2", "node-pre-gyp, links cairo/pango (binding.gyp pkg-config)"),
    ("canvas@3.2.0", "prebuild-install || node-gyp rebuild, links cairo/pango"),
    ("sqlite3@5.1.7", "prebuild-install -r napi || node-gyp rebuild"),
    ("node-sass@9.0.0", "downloads a binary at install (node scripts/install.js)"),
    ("sass-embedded@1.93.2", "platform packages incl. linux-musl-x64 (a Dart binary)"),
    ("bufferutil@4.0.8", "node-gyp-build, glibc-only untagged prebuild"),
    ("utf-8-validate@5.0.10", "node-gyp-build, untagged prebuild"),
    ("msgpackr-extract@3.0.3", "node-gyp-build-optional-packages + platform packages"),
    ("lmdb@3.4.2", "node-gyp-build-optional-packages + platform packages"),
    ("re2@1.22.1", "install-artifact-from-github || node-gyp rebuild"),
    ("cpu-features@0.0.10", "binding.gyp with buildcheck: node-gyp at install"),
    ("ssh2@1.16.0", "install script for its optional cpu-features"),
    ("@datadog/pprof@5.11.1", "node-gyp-build with musl prebuilds (profiler)"),
    ("dd-trace@5.73.0", "APM agent: native deps with musl prebuilds"),
    ("@sentry/profiling-node@8.55.0", "check script that loads shipped -musl binaries"),
    ("turbo@2.5.8", "turbo-linux-64 platform package: a static Go binary"),
    ("turbo@1.13.4", "the same, turbo 1"),
    ("@biomejs/biome@1.9.4", "cli-linux-x64 and cli-linux-x64-musl"),
    ("@biomejs/biome@2.2.5", "the same, newer"),
    ("@tailwindcss/oxide@4.1.14", "-gnu/-musl platform packages, postinstall"),
    ("@napi-rs/canvas@0.1.80", "-gnu/-musl platform packages (skia)"),
    ("chokidar@3.6.0", "fsevents as an optional darwin-only dependency"),
    ("kerberos@2.2.2", "prebuild-install || node-gyp rebuild"),
    ("zeromq@6.5.0", "cmake-ts: downloads/builds at install"),
    ("grpc-tools@1.13.0", "node-pre-gyp install: downloads protoc"),
    ("protobufjs@7.5.4", "pure JavaScript with a postinstall script"),
    ("leveldown@6.1.1", "node-gyp-build, untagged prebuilds"),
    ("node-pty@1.0.0", "install: node-gyp rebuild"),
    ("@node-rs/argon2@2.0.2", "napi-rs -gnu/-musl platform packages"),
    ("@node-rs/bcrypt@1.10.7", "napi-rs -gnu/-musl platform packages"),
    ("oxc-parser@0.93.0", "napi-rs -gnu/-musl platform packages"),
    ("segfault-handler@1.3.0", "binding.gyp without an install script: implicit node-gyp"),
    ("microtime@3.1.1", "node-gyp-build, untagged prebuilds"),
    ("@serialport/bindings-cpp@12.0.1", "node-gyp-build with musl prebuilds"),
    ("usb@2.16.0", "node-gyp-build with prebuilds"),
    ("isolated-vm@5.0.4", "prebuild-install || node-gyp rebuild"),
    ("tree-sitter@0.21.1", "node-gyp-build, binding.gyp"),
    ("keytar@7.9.0", "prebuild-install || npm run build"),
    ("unrs-resolver@1.11.1", "napi-postinstall check script + platform packages"),
    ("@rspack/core@1.5.8", "-gnu/-musl platform packages"),
    ("@ast-grep/napi@0.39.6", "-gnu/-musl platform packages"),
    ("deasync@0.1.30", "install: node ./build.js (ships bin/ prebuilds)"),
    ("iconv@3.0.1", "binding.gyp, install: node-gyp rebuild"),
    ("@prisma/client@6.16.3", "postinstall generates code/downloads engines"),
    ("esbuild-wasm@0.25.10", "WebAssembly: no native code"),
    ("left-pad@1.3.0", "pure JavaScript, no scripts"),
)

#: install scripts decided by reading them (in the installed package): name -> (kind, why).
#: kind ``platform``: checks that its platform package loads (judged by what landed);
#: ``shipped``: loads a binary it ships for linux-x64 musl, else builds (judged by the
#: loader on what it ships); anything else is the status itself.
SCRIPTS: dict[str, tuple[str, str]] = {
    "@biomejs/biome": ("platform", "postinstall.js only warns when no platform package"),
    "@swc/core": ("platform", "postinstall.js checks the binding, else fetches @swc/wasm"),
    "@tailwindcss/oxide": ("platform", "scripts/install.js checks the platform binding"),
    "unrs-resolver": ("platform", "napi-postinstall ... check: the platform binding"),
    "esbuild": ("platform", "install.js runs the platform binary's --version"),
    "sharp": ("platform", "install/check: builds only without @img/sharp-<platform>"),
    "@parcel/watcher": (
        "portable",
        "build-from-source.js builds only with npm_config_build_from_source",
    ),
    "@prisma/client": ("portable", "postinstall generates the client; no native code"),
    "dd-trace": ("portable", "preinstall.js prints Node-version notices"),
    "protobufjs": ("portable", "postinstall checks the versions of its CLI"),
    "@sentry/profiling-node": ("shipped", "check-build.js loads lib/*-linux-x64-musl-*.node"),
    "deasync": ("shipped", "build.js loads bin/linux-x64-node-<major>/deasync.node"),
    "ssh2": ("portable", "install.js builds an optional crypto binding; failure ignored"),
    "node-sass": ("downloads-at-install", "scripts/install.js downloads a binding"),
    "zeromq": (
        "builds-from-source",
        "script/install.js: no musl addon for Node 20 (abi 115): cmake-ts builds",
    ),
}

#: unresolved symbols the Node process provides (N-API, libuv, V8, OpenSSL, zlib, ...)
HOST_SYMBOL = re.compile(
    r"^(napi_|uv_|node_|_ZN2v8|_ZNK2v8|_ZN4node|_ZNK4node|SSL|EVP_|OPENSSL_|CRYPTO_|ERR_|"
    r"BIO_|X509|RAND_|BN_|EC_|ECDSA_|RSA_|PEM_|ASN1_|HMAC|OBJ_|DH_|ENGINE_|i2d_|d2i_|"
    r"nghttp2_|ares_|deflate|inflate|crc32|adler32|zlib|_ZN3ada|_ZNK3ada|sk_|OSSL_|CONF_)"
)
#: what node:alpine has (apk nodejs depends on them); when the recording machine cannot
#: fetch them, a missing one and the C++ runtime symbols it would give are not failures
CXX_LIBS = frozenset({"libstdc++.so.6", "libgcc_s.so.1"})
CXX_SYMBOL = re.compile(
    r"^(_Z\w*(?:St|S[aiosdb]|__cxx|cxxabiv)|_ZT[ISV]|_Zd[la]Pv|_Zn[wa]m|__cxa_|__gxx_|_Unwind_|__gcc_|"
    r"__register_frame|__deregister_frame|__dynamic_cast|__once_proxy|__once_callable)"
)
DOWNLOADER = re.compile(
    r"prebuild-install|node-pre-gyp|install-artifact-from-github|install-from-cache|cmake-ts"
)
RANK = {
    "portable": 0,
    "musl-build": 0,
    "downloads-at-install": 1,
    "builds-from-source": 2,
    "unavailable": 3,
    "glibc-only": 3,
    "lockfile-problem": 3,
}


def slug(spec: str) -> str:
    """``@swc/core@1.7.26`` -> ``swc-core-1.7.26`` (a directory name)."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", spec.lstrip("@")).strip("-")


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
    }


def install(spec: str, work: Path) -> Path:
    """``npm install --ignore-scripts --os=linux --cpu=x64 --libc=musl spec`` in a project."""
    name, _, version = spec.rpartition("@")
    proj = work / slug(spec)
    if (proj / "package-lock.json").is_file() and (proj / "node_modules").is_dir():
        return proj  # (--work: installed by an earlier run)
    proj.mkdir(parents=True, exist_ok=True)
    (proj / "package.json").write_text(
        json.dumps(
            {
                "name": "oracle",
                "version": "0.1.0",
                "private": True,
                "dependencies": {name: version},
            },
            indent=2,
        )
        + "\n"
    )
    subprocess.run(
        ["npm", "install", "--ignore-scripts", "--os=linux", "--cpu=x64", "--libc=musl"],
        cwd=proj,
        env=_env(),
        check=True,
        capture_output=True,
        timeout=900,
    )
    return proj


def landed(proj: Path) -> list[dict[str, Any]]:
    """Every package under ``node_modules``, with its ELF files (libc from the headers)."""
    from alpine_ready.deps.npm_registry import _elf_libc

    out = []
    nm = proj / "node_modules"
    lock = json.loads((proj / "package-lock.json").read_text()).get("packages", {})
    for pj in sorted(nm.rglob("package.json")):
        pkg_dir = pj.parent
        rel = pkg_dir.relative_to(proj).as_posix()
        # a package directory: node_modules/x or node_modules/@s/x (nested too)
        if not re.fullmatch(r"(node_modules/(@[^/]+/)?[^/@]+/?)+", rel + "/"):
            continue
        try:
            doc = json.loads(pj.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(doc, dict) or "name" not in doc:
            continue
        scripts = {k: v for k, v in (doc.get("scripts") or {}).items() if k in INSTALLS}
        elf = []
        for f in sorted(pkg_dir.rglob("*")):
            if "node_modules" in f.relative_to(pkg_dir).parts or not f.is_file():
                continue
            if f.is_symlink() or f.stat().st_size < 64:
                continue
            with f.open("rb") as fh:
                if fh.read(4) != b"\x7fELF":
                    continue
            data = f.read_bytes()
            elf.append(
                {
                    "path": f.relative_to(proj).as_posix(),
                    "libc": _elf_libc(data),
                    "x86_64": data[18:20] == b"\x3e\x00",  # e_machine EM_X86_64
                }
            )
        out.append(
            {
                "path": rel,
                "name": doc["name"],
                "version": doc.get("version"),
                "os": doc.get("os"),
                "cpu": doc.get("cpu"),
                "libc": doc.get("libc"),
                "scripts": scripts,
                "binding_gyp": (pkg_dir / "binding.gyp").is_file(),
                "optional": sorted(doc.get("optionalDependencies") or {}),
                "optional_dep": bool(lock.get(rel, {}).get("optional")),
                "elf": elf,
            }
        )
    return out


INSTALLS = ("preinstall", "install", "postinstall")


def alpine_libstdcxx(dest: Path) -> None:
    """Alpine 3.23's ``libstdc++`` and ``libgcc`` (what ``node:alpine`` has) into ``dest``."""
    with urllib.request.urlopen(ALPINE + "APKINDEX.tar.gz", timeout=60) as r:
        data = r.read()
    text = ""
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        for m in t:
            if m.name == "APKINDEX":
                f = t.extractfile(m)
                text = f.read().decode() if f else ""
    versions = {}
    for block in text.split("\n\n"):
        fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line)
        if fields.get("P") in ("libstdc++", "libgcc"):
            versions[fields["P"]] = fields["V"]
    dest.mkdir(parents=True, exist_ok=True)
    for p, v in versions.items():
        with urllib.request.urlopen(f"{ALPINE}{p}-{v}.apk", timeout=60) as r:
            raw = gzip.decompress(r.read())
        with tarfile.open(fileobj=io.BytesIO(raw), ignore_zeros=True) as t:
            for m in t:
                if m.isfile() and m.name.startswith("usr/lib/") and ".so" in m.name:
                    f = t.extractfile(m)
                    if f is not None:
                        (dest / Path(m.name).name).write_bytes(f.read())
                elif m.issym() and m.name.startswith("usr/lib/"):
                    link = dest / Path(m.name).name
                    if not link.exists():
                        link.symlink_to(m.linkname)


def musl_loads(projects: dict[str, Path], packages: dict[str, list[dict[str, Any]]]) -> None:
    """Add ``loads``/``errors`` (the real musl loader's ``--list``) to every ELF file."""
    from fixtures import cache_root
    from musl_real import musl_list

    rootfs = cache_root() / "alpine-3.23" / "rootfs"
    base = rootfs / "tmp" / "ar-oracle"
    shutil.rmtree(base, ignore_errors=True)
    try:
        (base / "lib").mkdir(parents=True)
        try:
            alpine_libstdcxx(base / "lib")
        except OSError as err:  # no Alpine mirror here: their absence is not counted
            print(f"no Alpine libstdc++ ({err}): C++ runtime not counted", file=sys.stderr)
        paths = []
        for key, proj in projects.items():
            for pkg in packages[key]:
                for e in pkg["elf"]:
                    dst = base / key / e["path"]
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(proj / e["path"], dst)
                    paths.append(f"/tmp/ar-oracle/{key}/{e['path']}")
        got = musl_list(rootfs, paths, library_path="/tmp/ar-oracle/lib")
        for key in projects:
            for pkg in packages[key]:
                for e in pkg["elf"]:
                    load = got[f"/tmp/ar-oracle/{key}/{e['path']}"]
                    cxx = any(n in CXX_LIBS for n, _ in load.missing)
                    if not e["x86_64"] or (e["libc"] == "none" and ".so" not in e["path"]):
                        e["loads"] = e["x86_64"]  # another CPU; a static program: no loader
                        e["errors"] = []
                        continue
                    errors = sorted(
                        [f"missing {n}" for n, _ in load.missing if n not in CXX_LIBS]
                        + [
                            f"unresolved {s}"
                            for _, s in load.unresolved
                            if not HOST_SYMBOL.match(s) and not (cxx and CXX_SYMBOL.match(s))
                        ]
                        + [f"relocation {t}" for _, t in load.bad]
                        + [f"tls {s}" for _, s in load.tls]
                    )
                    e["loads"] = not errors and (load.rc == 0 or bool(load.unresolved))
                    e["errors"] = errors[:8]
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _script(pkg: dict[str, Any]) -> str:
    """What npm runs at install: the scripts, or ``node-gyp rebuild`` for a binding.gyp."""
    s = dict(pkg["scripts"])
    if pkg["binding_gyp"] and "install" not in s and "preinstall" not in s:
        s["install"] = "node-gyp rebuild"  # npm's default for a binding.gyp
    return " ; ".join(f"{k}: {s[k]}" for k in INSTALLS if k in s)


def _prebuild_loads(pkg: dict[str, Any]) -> bool | None:
    """node-gyp-build on musl: a musl-tagged or untagged linux-x64 prebuild that loads."""
    seen = None
    for e in pkg["elf"]:
        parts = e["path"].split("/")
        if "prebuilds" not in parts or parts[parts.index("prebuilds") + 1 :][:1] != ["linux-x64"]:
            continue
        tags = parts[-1].split(".")[1:-1]
        if "glibc" in tags or any(t.startswith("armv") for t in tags):
            continue
        seen = bool(seen) or e["loads"]
    return seen


def _derive(pkg: dict[str, Any], by_name: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """(oracle status, why) of one landed package; None: nothing to say (pure JS)."""
    script = _script(pkg)
    if pkg["os"] or pkg["cpu"]:  # a platform package npm chose for linux x64 musl
        if not pkg["elf"]:
            return ("portable", "platform package without native code")
        bad = [e for e in pkg["elf"] if not e["loads"]]
        if bad and not ({e["libc"] for e in pkg["elf"]} >= {"musl", "glibc"}):
            return ("glibc-only", f"{bad[0]['path']} does not load on musl: {bad[0]['errors']}")
        libcs = {e["libc"] for e in pkg["elf"]}
        if "musl" in libcs and "glibc" in libcs:  # msgpackr-extract: the loader picks
            bad = [e for e in pkg["elf"] if e["libc"] == "musl" and not e["loads"]]
            if bad:
                return ("glibc-only", f"{bad[0]['path']} does not load: {bad[0]['errors']}")
            return ("musl-build", f"landed {pkg['name']}: its musl binary loads on musl")
        kind = "musl-build" if "musl" in libcs or "glibc" in libcs else "portable"
        return (kind, f"landed {pkg['name']}: {len(pkg['elf'])} ELF file(s) load on musl")
    if not script:
        return None
    if pkg.get("optional_dep"):
        return ("portable", f"optional dependency: npm ignores a failed `{script}`")
    if pkg["name"] in SCRIPTS and not DOWNLOADER.search(script):
        kind, why = SCRIPTS[pkg["name"]]
        if kind == "platform":
            return ("portable", why)
        if kind == "shipped":
            x64 = [e for e in pkg["elf"] if e.get("x86_64") and e["libc"] != "glibc"]
            x64 = x64 or [e for e in pkg["elf"] if e.get("x86_64")]
            ok: bool | None = any(e["loads"] for e in x64)
            return ("musl-build" if ok else "builds-from-source", why)
        return (kind, why)
    if re.fullmatch(r"(?:(?:pre|post)?install: (?:exit 0|true)(?: ; )?)+", script):
        return ("portable", f"`{script}` does nothing")
    if "node-gyp-build-optional-packages" in script:
        return ("portable", "loads the binary of its platform package")
    if re.search(r"node-gyp-build(?!-)", script):
        ok = _prebuild_loads(pkg)
        if ok:
            return ("musl-build", "node-gyp-build loads a shipped prebuild on musl")
        return ("builds-from-source", "no linux-x64 prebuild loads on musl: node-gyp rebuild")
    if DOWNLOADER.search(script):
        return ("downloads-at-install", f"`{script}`")
    if re.search(r"node-gyp|cmake-js", script):
        return ("builds-from-source", f"`{script}`")
    return ("unclassified", f"`{script}`")


def derive_all(packages: list[dict[str, Any]]) -> dict[str, Any]:
    """The oracle of one project: each package's status and the worst of them."""
    by_name = {p["name"]: p for p in packages}
    rows = {}
    for p in packages:
        d = _derive(p, by_name)
        if d is not None:
            rows[p["name"]] = {"version": p["version"], "status": d[0], "why": d[1]}
    # a parent whose platform packages npm left out (none for linux x64 musl landed)
    for p in packages:
        plat = [o for o in p["optional"] if re.search(r"linux|darwin|win32", o)]
        if not plat or any(o in by_name for o in plat):
            continue
        if p["name"] == "chokidar":
            continue
        rows[p["name"]] = {
            "version": p["version"],
            "status": "unavailable",
            "why": f"none of its platform packages is for linux x64 musl: {plat}",
        }
    worst = max(
        (r["status"] for r in rows.values()),
        key=lambda s: (RANK.get(s, 9), s == "musl-build"),
        default="portable",
    )
    return {"packages": rows, "worst": worst}


def record_registry(specs: list[str]) -> None:
    """The registry answers ``deps`` asks for on the recorded lockfiles, trimmed."""
    import hashlib

    from alpine_ready.deps.cache import ResponseCache
    from alpine_ready.deps.node_check import NodeTarget, check_node
    from alpine_ready.deps.npm_registry import NpmRegistry
    from alpine_ready.deps.sources import parse_node_input
    from record_npm import _trim

    out = OUT / "registry"
    with tempfile.TemporaryDirectory(prefix="alpine-ready-oracle-") as t:
        cache = ResponseCache(Path(t) / "cache", name="npm")
        registry = NpmRegistry(cache=cache)
        for spec in specs:
            check_node(
                parse_node_input(OUT / slug(spec) / "package-lock.json"), NodeTarget(), registry
            )
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for f in sorted((Path(t) / "cache").rglob("*")):
            if not f.is_file() or f.name.startswith(".tmp"):
                continue
            meta_line, _, body = f.read_bytes().partition(b"\n")
            meta = json.loads(meta_line)
            trimmed, note = _trim(body, meta["accept"])
            name = hashlib.sha256(meta["url"].encode()).hexdigest()[:16]
            (out / f"{name}.json").write_text(
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
        print(f"{registry.requests} registry requests recorded", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", action="store_true", help="only re-record registry answers")
    ap.add_argument("--only", nargs="*", help="only these corpus specs")
    ap.add_argument("--work", type=Path, help="keep the installed projects here (reused)")
    args = ap.parse_args()
    specs = [s for s, _ in CORPUS if not args.only or s in args.only]
    if not args.registry:
        with tempfile.TemporaryDirectory(prefix="alpine-ready-oracle-npm-") as t:
            work = args.work or Path(t)

            def one(s: str) -> Path | None:
                try:
                    return install(s, work)
                except subprocess.CalledProcessError as e:
                    print(f"{s}: npm install failed: {e.stderr[-400:]!r}", file=sys.stderr)
                    return None

            with ThreadPoolExecutor(4) as pool:
                got = dict(zip(specs, pool.map(one, specs), strict=True))
            projs = {s: p for s, p in got.items() if p is not None}
            packages = {slug(s): landed(p) for s, p in projs.items()}
            musl_loads({slug(s): p for s, p in projs.items()}, packages)
            npm = subprocess.run(["npm", "--version"], capture_output=True, text=True).stdout
            old = json.loads((OUT / "ORACLE.json").read_text()) if args.only else {}
            oracle: dict[str, Any] = {
                "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "npm": npm.strip(),
                "node": subprocess.run(
                    ["node", "--version"], capture_output=True, text=True
                ).stdout.strip(),
                "command": "npm install --ignore-scripts --os=linux --cpu=x64 --libc=musl",
                "loader": "Alpine 3.23 ld-musl-x86_64.so.1 --list (+ libstdc++, libgcc)",
                "corpus": {**old.get("corpus", {})},
            }
            why = dict(CORPUS)
            for s, proj in projs.items():
                dest = OUT / slug(s)
                dest.mkdir(parents=True, exist_ok=True)
                for f in ("package.json", "package-lock.json"):
                    shutil.copy2(proj / f, dest / f)
                oracle["corpus"][s] = {
                    "why": why[s],
                    "dir": slug(s),
                    **derive_all(packages[slug(s)]),
                    "landed": packages[slug(s)],
                }
            (OUT / "ORACLE.json").write_text(json.dumps(oracle, indent=1, sort_keys=True) + "\n")
    record_registry(specs if not args.only else [s for s, _ in CORPUS])
    return 0


if __name__ == "__main__":
    sys.exit(main())
