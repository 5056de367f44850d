"""Build examples/app: a small application tree of REAL glibc and musl binaries.

* bin/hello-glibc, bin/hello-musl, bin/hello-cxx: compiled here (gcc, musl-gcc, g++);
* site-packages/: orjson and pydantic-core from PyPI, manylinux (glibc) next to
  musllinux builds, unpacked as pip would install them;
* node_modules/: rollup's native addon for glibc and for musl, from npm;
* Dockerfile and requirements.txt: how the app is built today, on python:3.12-slim
  (what ``alpine-ready check`` translates and decides on).

Downloads are pinned and cached in examples/.cache/.  Steps whose tool is
missing (musl-gcc, g++, npm) are skipped with a note.  Usage:
``python3 examples/build_app.py [DEST]`` (default examples/app).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
WHEELS = {
    # (requirement, platforms)
    "glibc": ("orjson==3.13.0", ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
    "musl": ("orjson==3.13.0", ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64"]),
    "musl-pydantic": ("pydantic-core==2.50.5", ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64"]),
    "glibc-pydantic": ("pydantic-core==2.50.5", ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
}
NPM = ["@rollup/rollup-linux-x64-gnu@4.68.8", "@rollup/rollup-linux-x64-musl@4.68.8"]


def note(msg: str) -> None:
    """Progress to stderr."""
    print(f"build_app: {msg}", file=sys.stderr)


def compile_programs(dest: Path) -> None:
    """The C and C++ programs, for each toolchain present."""
    bindir = dest / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    jobs = [
        ("gcc", ["-O2", "-D_FORTIFY_SOURCE=2"], "hello.c", "hello-glibc"),
        ("musl-gcc", ["-O2"], "hello.c", "hello-musl"),
        ("g++", ["-O2"], "hello.cc", "hello-cxx"),
    ]
    for cc, flags, src, out in jobs:
        if shutil.which(cc) is None:
            note(f"{cc} not found: skipping bin/{out}")
            continue
        subprocess.run([cc, *flags, "-o", str(bindir / out), str(HERE / "src" / src)], check=True)


def _safe_extract_zip(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for member in zf.infolist():
            target = (dest / member.filename).resolve()
            if not target.is_relative_to(dest.resolve()):
                raise SystemExit(f"{archive}: refusing member {member.filename!r}")
        zf.extractall(dest)


def fetch_wheels(dest: Path) -> None:
    """Pip download each wheel (cached), unpack into site-packages-<libc>/."""
    for key, (req, platforms) in WHEELS.items():
        cache = CACHE / "wheels" / key
        if not any(cache.glob("*.whl")):
            cache.mkdir(parents=True, exist_ok=True)
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                "3.12",
                "--implementation",
                "cp",
                "--abi",
                "cp312",
                "-d",
                str(cache),
                req,
            ]
            for p in platforms:
                cmd += ["--platform", p]
            subprocess.run(cmd, check=True)
        libc = key.split("-")[0]
        site = dest / f"site-packages-{libc}"
        site.mkdir(parents=True, exist_ok=True)
        for whl in cache.glob("*.whl"):
            _safe_extract_zip(whl, site)


def fetch_npm(dest: Path) -> None:
    """Npm pack the rollup addons (cached), lay them out as node_modules/."""
    if shutil.which("npm") is None:
        note("npm not found: skipping node_modules/")
        return
    cache = CACHE / "npm"
    cache.mkdir(parents=True, exist_ok=True)
    for spec in NPM:
        name = spec.rsplit("@", 1)[0]
        tgz = next(cache.glob(name.lstrip("@").replace("/", "-") + "-*.tgz"), None)
        if tgz is None:
            subprocess.run(
                ["npm", "pack", "--silent", spec], cwd=cache, check=True, stdout=subprocess.DEVNULL
            )
            tgz = next(cache.glob(name.lstrip("@").replace("/", "-") + "-*.tgz"))
        target = dest / "node_modules" / name
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tf:
            for m in tf.getmembers():
                if not (m.isfile() or m.isdir()) or not m.name.startswith("package/"):
                    continue
                m.name = m.name.removeprefix("package/")
                tf.extract(m, target, filter="data")


DOCKERFILE = """\
FROM python:3.12-slim
RUN apt-get update \\
    && apt-get install -y --no-install-recommends libstdc++6 curl \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY bin/ /usr/local/bin/
CMD ["hello-cxx"]
"""


def write_build_files(dest: Path) -> None:
    """The Dockerfile the app is built with today, and its pinned requirements."""
    (dest / "Dockerfile").write_text(DOCKERFILE)
    pins = sorted({spec for spec, _ in WHEELS.values()})
    (dest / "requirements.txt").write_text("".join(f"{p}\n" for p in pins))


def main() -> int:
    """Build the tree."""
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "app"
    if dest.exists():
        shutil.rmtree(dest)
    compile_programs(dest)
    fetch_wheels(dest)
    fetch_npm(dest)
    write_build_files(dest)
    note(f"built {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
