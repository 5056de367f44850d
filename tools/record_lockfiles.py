#!/usr/bin/env python3
"""Record REAL Python lockfiles, produced by the real tools, into tests/data/pylocks/.

Stdlib-only.  Installs pinned ``uv`` and ``poetry`` from PyPI into a throwaway venv
under ``~/.cache/alpine-ready/lock-tools`` (reused when the pins match), writes a small
PEP 621 project (requests, duckdb==1.3.2, pydantic, orjson, and numpy behind a marker,
plus an optional extra), and runs::

    uv lock
    poetry lock
    uv export --format pylock.toml    (when this uv knows the format)

The resulting files and the project's ``pyproject.toml`` are copied into
``tests/data/pylocks/``, together with ``RECORDED.json`` naming the exact tool versions.
Needs network access to PyPI.  Usage::

    python3 tools/record_lockfiles.py [--out tests/data/pylocks]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

UV_PIN = "uv==0.13.9"
POETRY_PIN = "poetry==2.5.1"

PYPROJECT = """\
[project]
name = "lockdemo"
version = "0.1.0"
requires-python = ">=3.11,<3.14"
dependencies = [
    "requests>=2.31",
    "duckdb==1.3.2",
    "pydantic>=2",
    "orjson",
    "numpy>=1.26; platform_machine == 'x86_64' or platform_machine == 'aarch64'",
]

[project.optional-dependencies]
fast = ["uvloop>=0.19; sys_platform != 'win32'"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["lockdemo"]

# Poetry's default PyPI client asks /pypi/NAME/VERSION/json, which the proxy reachable
# from this project's machines answers with 404; the Simple API works everywhere.
[[tool.poetry.source]]
name = "pypi-simple"
url = "https://pypi.org/simple/"
priority = "primary"
"""

ROOT = Path(__file__).resolve().parent.parent


def _tools_venv() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    env = base / "alpine-ready" / "lock-tools"
    marker = env / ".pins"
    pins = f"{UV_PIN} {POETRY_PIN}"
    if marker.is_file() and marker.read_text() == pins:
        return env
    if env.exists():
        shutil.rmtree(env)
    venv.create(env, with_pip=True)
    pip = env / "bin" / "pip"
    subprocess.run([str(pip), "install", "-q", UV_PIN, POETRY_PIN], check=True)
    marker.write_text(pins)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    print("+", " ".join(cmd), file=sys.stderr)
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return proc.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "pylocks")
    args = ap.parse_args(argv)
    env_dir = _tools_venv()
    bindir = env_dir / "bin"
    uv, poetry = str(bindir / "uv"), str(bindir / "poetry")
    env = dict(os.environ)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["UV_NO_CACHE"] = "0"
    env["POETRY_VIRTUALENVS_CREATE"] = "false"
    versions = {
        "uv": _run([uv, "--version"], ROOT, env).strip(),
        "poetry": _run([poetry, "--version"], ROOT, env).strip(),
        "python": sys.version.split()[0],
    }
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lockdemo-") as tmp:
        proj = Path(tmp)
        (proj / "pyproject.toml").write_text(PYPROJECT)
        (proj / "lockdemo").mkdir()
        (proj / "lockdemo" / "__init__.py").write_text("")
        _run([uv, "lock", "--python", sys.executable], proj, env)
        _run([poetry, "lock"], proj, env)
        help_text = _run([uv, "export", "--help"], proj, env)
        if "pylock.toml" in help_text:
            _run(
                [
                    uv,
                    "export",
                    "--format",
                    "pylock.toml",
                    "--all-extras",
                    "-o",
                    "pylock.toml",
                    "--no-header",
                ],
                proj,
                env,
            )
            versions["pylock"] = "uv export --format pylock.toml --all-extras"
        else:
            versions["pylock"] = "not supported by this uv"
        for name in ("pyproject.toml", "uv.lock", "poetry.lock", "pylock.toml"):
            src = proj / name
            if src.is_file():
                shutil.copyfile(src, out / name)
    (out / "RECORDED.json").write_text(json.dumps(versions, indent=2) + "\n")
    print(json.dumps(versions, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
