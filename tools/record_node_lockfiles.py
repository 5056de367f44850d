#!/usr/bin/env python3
"""Record REAL Node lockfiles, written by the real tools, into tests/data/nodelocks/.

Stdlib-only.  Writes a small ``package.json`` depending on pinned versions of packages
that ship native addons (rollup, sharp, lightningcss, esbuild — platform packages in
``optionalDependencies`` — and bcrypt — prebuildify ``prebuilds/``), then runs::

    npm install --package-lock-only --ignore-scripts                        -> npm-v3/
    npm install --package-lock-only --ignore-scripts --lockfile-version 2   -> npm-v2/
    npx --yes yarn@1 install --ignore-scripts --ignore-engines               -> yarn-v1/
    npx --yes pnpm@9 install --lockfile-only --ignore-scripts               -> pnpm-v9/
    npx --yes -p @yarnpkg/cli-dist@4 yarn install --mode=update-lockfile    -> yarn-berry/

Each output directory gets the ``package.json`` and the lockfile exactly as the tool
wrote it; ``RECORDED.json`` names the exact tool versions.  A tool that cannot run
(no network, registry refused) is reported and skipped; the others are still written.
Needs network access to the npm registry.  Usage::

    python3 tools/record_node_lockfiles.py [--out tests/data/nodelocks]
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

# Same pins as tools/fixtures.py (the node_modules fixture trees), plus bcrypt.
DEPENDENCIES = {
    "rollup": "4.68.8",
    "sharp": "0.35.5",
    "lightningcss": "1.33.0",
    "esbuild": "0.28.2",
    "bcrypt": "6.0.0",
}
YARN_SPEC = "yarn@1.22.22"
PNPM_SPEC = "pnpm@9.15.9"
BERRY_SPEC = "@yarnpkg/cli-dist@4.18.1"  # yarn berry (modern); its bin is ``yarn``

ENV = {
    "npm_config_update_notifier": "false",
    "npm_config_fund": "false",
    "npm_config_audit": "false",
    "COREPACK_ENABLE_STRICT": "0",
}


def _run(cmd: list[str], cwd: Path) -> str:
    print("+", " ".join(cmd), file=sys.stderr)
    proc = subprocess.run(
        cmd, cwd=cwd, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return proc.stdout.strip()


def _project(tmp: Path) -> Path:
    proj = tmp / "proj"
    proj.mkdir()
    manifest = {
        "name": "nodelockdemo",
        "version": "0.1.0",
        "private": True,
        "dependencies": DEPENDENCIES,
    }
    (proj / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return proj


def _record(out: Path, name: str, proj: Path, lockfile: str) -> None:
    dest = out / name
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(proj / "package.json", dest / "package.json")
    shutil.copy2(proj / lockfile, dest / lockfile)
    print(f"wrote {dest / lockfile}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "tests" / "data" / "nodelocks",
    )
    args = ap.parse_args(argv)
    npm = shutil.which("npm")
    npx = shutil.which("npx")
    if not npm or not npx:
        print("npm/npx not found", file=sys.stderr)
        return 1
    recorded: dict[str, object] = {
        "dependencies": DEPENDENCIES,
        "node": _run(["node", "--version"], Path.cwd()),
        "npm": _run([npm, "--version"], Path.cwd()),
    }
    failed: dict[str, str] = {}
    args.out.mkdir(parents=True, exist_ok=True)
    base = ["install", "--package-lock-only", "--ignore-scripts"]
    berry = [npx, "--yes", "-p", BERRY_SPEC, "yarn"]
    jobs: list[tuple[str, list[str], str, str | None]] = [
        ("npm-v3", [npm, *base], "package-lock.json", None),
        ("npm-v2", [npm, *base, "--lockfile-version", "2"], "package-lock.json", None),
        (
            "yarn-v1",
            [
                npx,
                "--yes",
                YARN_SPEC,
                "install",
                "--ignore-scripts",
                "--ignore-engines",
                "--non-interactive",
            ],
            "yarn.lock",
            YARN_SPEC,
        ),
        (
            "pnpm-v9",
            [npx, "--yes", PNPM_SPEC, "install", "--lockfile-only", "--ignore-scripts"],
            "pnpm-lock.yaml",
            PNPM_SPEC,
        ),
        ("yarn-berry", [*berry, "install", "--mode=update-lockfile"], "yarn.lock", "berry"),
    ]
    for name, cmd, lockfile, tool in jobs:
        with tempfile.TemporaryDirectory(prefix="alpine-ready-nodelock-") as tmp:
            proj = _project(Path(tmp))
            if tool == "berry":  # an empty yarn.lock makes this directory a berry project
                (proj / "yarn.lock").write_text("")
                (proj / ".yarnrc.yml").write_text(
                    "nodeLinker: node-modules\nenableTelemetry: false\n"
                )
            try:
                _run(cmd, proj)
                if tool == "berry":
                    recorded["yarn-berry"] = _run([*berry, "--version"], proj)
                elif tool:
                    recorded[tool.split("@")[0]] = _run([npx, "--yes", tool, "--version"], proj)
                _record(args.out, name, proj, lockfile)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                failed[name] = str(exc)[-400:]
                print(f"skipped {name}: {exc}", file=sys.stderr)
    recorded["failed"] = failed
    (args.out / "RECORDED.json").write_text(json.dumps(recorded, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
