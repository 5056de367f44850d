#!/usr/bin/env python3
"""Record pip's own answers for real pins into ``tests/data/pip-oracle/`` (the oracle).

    /work/main/.venv/bin/python tools/record_pip_oracle.py          # needs PyPI, ~5 min
    /work/main/.venv/bin/python tools/record_pip_oracle.py --only docopt==0.6.2

``tests/test_python_truth.py`` checks every sentence ``deps`` says about these pins
against what is recorded here.  For each pin in ``PINS``:

- **binary**: ``pip download --no-deps --only-binary=:all: --platform
  musllinux_1_{2,1,0}_x86_64 --python-version 3.12 --implementation cp --abi cp312 PIN``
  (what pip on CPython 3.12 / Alpine installs without building): the file it picked,
  or its ``ERROR:`` line;
- **no_compiler** (pins pip cannot install as a wheel and that have an sdist): ``pip
  wheel --no-deps --no-binary=:all: PIN`` with ``CC``/``CXX``/``FC`` set to ``false``
  and no cargo on ``PATH``: a ``none-any`` wheel means the sdist installs without build
  tools; a failure or a platform wheel means it compiles.  (pip runs the sdist's build
  here -- an oracle in a recording tool, never in alpine-ready itself.)
- **requires_python_pip** (the Requires-Python pins): ``pip download --no-deps
  --no-binary=:all: --python-version 3.12 PIN``: pip's "Ignored the following versions
  that require a different python version" line;
- **first_installable** (pins whose files all exclude CPython 3.12 by Requires-Python,
  and pins pip cannot install as a wheel): the first later final release that
  ``pip download --only-binary`` installs for the target (from the versions its error
  lists for ``NAME<0``), or null.

It also records what the offline tests need from the index, the way
``tools/record_index.py`` does (the request :class:`alpine_ready.deps.index.PyPIIndex`
sends): ``index/NAME.json`` per project, every version kept but only files a CPython
3.12 x86_64 Linux target could consider (sdists; ``none-any``/``py3``/``abi3``/``cp312``
wheels for Linux x86_64; hashes dropped), and ``sdists/FILE/`` per pin without a usable
wheel: the members :mod:`alpine_ready.deps.sdist` reads plus ``SUFFIXES.json``.
"""

from __future__ import annotations

import argparse
import datetime
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
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from packaging.specifiers import SpecifierSet  # noqa: E402
from packaging.utils import (  # noqa: E402
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version  # noqa: E402

from alpine_ready.deps.index import ACCEPT  # noqa: E402
from alpine_ready.deps.sdist import (  # noqa: E402
    _C_SOURCES,
    MAX_BUILD_FILE,
    _is_build_file,
    includes_kernel_headers,
)

OUT = ROOT / "tests" / "data" / "pip-oracle"
INDEX = "https://pypi.org/simple/"
PLATFORMS = ("musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64")

#: (pin, why it is here)
PINS: tuple[tuple[str, str], ...] = (
    # musllinux wheels for cp312
    *(
        (p, "musl-wheel")
        for p in (
            "numpy==1.26.4",
            "numpy==2.0.2",
            "pandas==2.2.2",
            "scipy==1.13.1",
            "cryptography==42.0.5",
            "orjson==3.10.7",
            "pydantic-core==2.18.2",
            "psutil==5.9.8",
            "lxml==5.2.2",
            "pillow==10.3.0",
            "pyyaml==6.0.2",
            "markupsafe==2.1.5",
            "charset-normalizer==3.3.2",
            "msgpack==1.0.8",
            "ujson==5.10.0",
            "regex==2024.5.15",
            "aiohttp==3.9.5",
            "frozenlist==1.4.1",
            "multidict==6.0.5",
            "cffi==1.16.0",
            "zstandard==0.22.0",
            "rpds-py==0.18.1",
            "websockets==12.0",
            "greenlet==3.0.3",
            "bcrypt==4.1.3",
            "duckdb==1.0.0",
        )
    ),
    # pure-Python wheels
    *(
        (p, "pure-wheel")
        for p in (
            "requests==2.32.3",
            "six==1.16.0",
            "click==8.1.7",
            "attrs==23.2.0",
            "idna==3.7",
            "jinja2==3.1.4",
            "packaging==24.1",
            "python-dateutil==2.9.0.post0",
        )
    ),
    # only an sdist, and nothing in it compiles
    *(
        (p, "pure-sdist")
        for p in (
            "docopt==0.6.2",
            "future==0.18.3",
            "termcolor==1.1.0",
            "sgmllib3k==1.0.0",
            "antlr4-python3-runtime==4.9.3",
            "pyperclip==1.8.2",
            "pypika==0.48.9",
            "fire==0.6.0",
            "langdetect==1.0.9",
            "promise==2.3",
            "seqeval==1.2.2",
            "rouge-score==0.1.2",
            "ffmpy==0.3.2",
            "odfpy==1.4.1",
            "htmlmin==0.1.12",
            "pathtools==0.1.2",
        )
    ),
    # Requires-Python excludes CPython 3.12 on every file of the pin
    *(
        (p, "requires-python")
        for p in (
            "numba==0.55.2",
            "numba==0.54.1",
            "llvmlite==0.38.1",
            "llvmlite==0.37.0",
            "scipy==1.10.1",
            "scipy==1.9.3",
            "numpy==1.21.6",
            "dataclasses==0.8",
        )
    ),
    # no cp312 musl wheel for the pin, a later release has one
    *(
        (p, "upgrade")
        for p in (
            "numpy==1.24.4",
            "numpy==1.25.2",
            "pandas==1.5.3",
            "pandas==2.0.3",
            "scipy==1.11.1",
            "cryptography==3.4.8",
            "orjson==3.8.0",
            "lxml==4.9.2",
            "pillow==9.5.0",
            "pyyaml==6.0",
            "markupsafe==2.1.3",
            "msgpack==1.0.5",
            "ujson==5.7.0",
            "regex==2023.6.3",
            "aiohttp==3.8.5",
            "frozenlist==1.3.3",
            "multidict==6.0.4",
            "cffi==1.15.1",
            "greenlet==2.0.2",
            "zstandard==0.21.0",
            "charset-normalizer==3.1.0",
            "kiwisolver==1.4.4",
            "bcrypt==4.0.1",
            "psutil==5.9.0",
        )
    ),
    # C extensions with no musl wheel (sdist only, or no release has one)
    *(
        (p, "c-sdist")
        for p in (
            "mysqlclient==2.2.4",
            "psycopg2==2.9.9",
            "python-ldap==3.4.4",
            "netifaces==0.11.0",
            "pycrypto==2.6.1",
            "crcmod==1.7",
        )
    ),
    # no file for the target at all
    *(
        (p, "unavailable")
        for p in (
            "torch==2.3.1",
            "onnxruntime==1.18.0",
        )
    ),
)

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]


def _get(url: str, accept: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(
        url,
        headers={"Accept": accept, "Accept-Encoding": "gzip", "User-Agent": "alpine-ready-oracle"},
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        body = r.read()
        if (r.headers.get("Content-Encoding") or "").lower() == "gzip":
            body = gzip.decompress(body)
        return r.status, {k.lower(): v for k, v in r.headers.items()}, body


def _error(stderr: str) -> str:
    lines = [x.strip() for x in stderr.splitlines() if x.strip()]
    errors = [x for x in lines if x.startswith("ERROR:")]
    return (errors[0] if errors else lines[-1] if lines else "")[:400]


def pip_binary(pin: str) -> dict[str, Any]:
    """What ``pip download --only-binary`` picks for the musl target (or its error)."""
    with tempfile.TemporaryDirectory() as d:
        cmd = [*PIP, "download", "--no-deps", "--only-binary=:all:", "--progress-bar=off", "-d", d]
        for p in PLATFORMS:
            cmd += ["--platform", p]
        cmd += ["--python-version", "3.12", "--implementation", "cp", "--abi", "cp312", pin]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        files = sorted(f.name for f in Path(d).iterdir())
        if r.returncode == 0 and files:
            return {"ok": True, "file": files[0]}
        out: dict[str, Any] = {"ok": False, "error": _error(r.stderr)}
        ignored = [x.strip() for x in r.stderr.splitlines() if "require a different python" in x]
        if ignored:
            out["ignored"] = ignored[0][:400]
        return out


def pip_requires_python(pin: str) -> dict[str, Any]:
    """The word of pip on Requires-Python: ``pip download --no-binary`` for CPython 3.12.

    For a pin whose every file excludes 3.12 pip fails before any build and says
    "Ignored the following versions that require a different python version".
    """
    with tempfile.TemporaryDirectory() as d:
        cmd = [*PIP, "download", "--no-deps", "--no-binary=:all:", "--progress-bar=off"]
        cmd += ["--python-version", "3.12", "-d", d, pin]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        version = pin.split("==")[1]
        said = re.search(
            rf"different python version:.*?(?:: |; ){re.escape(version)} Requires-Python ([^;\n]+)",
            r.stderr,
        )
        return {
            "ok": r.returncode == 0,
            "ignored_for_pin": said[1].strip() if said else None,
        }


def pip_no_compiler(pin: str) -> dict[str, Any]:
    """``pip wheel`` of the sdist with every compiler set to ``false``."""
    env = dict(os.environ, CC="false", CXX="false", FC="false", F77="false", F90="false")
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not (Path(p) / "cargo").exists()
    )
    with tempfile.TemporaryDirectory() as d:
        cmd = [*PIP, "wheel", "--no-deps", "--no-binary=:all:", "--no-cache-dir", "-w", d, pin]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": "timed out after 300 s"}
        wheels = sorted(f.name for f in Path(d).iterdir() if f.name.endswith(".whl"))
        if r.returncode == 0 and wheels:
            return {"ok": True, "file": wheels[0], "pure": wheels[0].endswith("-none-any.whl")}
        return {"ok": False, "error": _error(r.stderr)}


def first_installable(name: str, version: str) -> dict[str, Any]:
    """The first later final release pip installs as a wheel for the target.

    One ``pip download --only-binary`` of ``NAME<0``: it fails, and pip's error lists
    every version it found a file for on the target ("from versions: ..."), Requires-
    Python and tags applied; the first final one after the pin is the answer.
    """
    got = pip_binary(f"{name}<0")
    m = re.search(r"\(from versions: ([^)]*)\)", got.get("error", ""))
    if m is None:
        return {"version": None, "error": got.get("error", "")}
    listed = [v.strip() for v in m[1].split(",") if v.strip() and v.strip() != "none"]
    here = Version(version)
    later = sorted(
        pv
        for pv in (Version(v) for v in listed)
        if pv > here and not pv.is_prerelease and not pv.is_devrelease
    )
    return {
        "version": str(later[0]) if later else None,
        "installable_versions": len(listed),
        "newest_installable": listed[-1] if listed else None,
    }


def _file_version(filename: str) -> str | None:
    """The normalised version of a wheel or sdist file name (None: not one)."""
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


def _relevant(filename: str) -> bool:
    """A file a CPython 3.12 x86_64 Linux target (glibc or musl) could consider."""
    if not filename.endswith(".whl"):
        return filename.endswith((".tar.gz", ".zip", ".tar.bz2", ".tgz"))
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6):
        return False
    py, abi, plat = parts[-3], parts[-2], parts[-1]
    plats = plat.split(".")
    if not any(
        p == "any" or (p.startswith(("manylinux", "musllinux", "linux")) and p.endswith("x86_64"))
        for p in plats
    ):
        return False
    return abi in ("none", "abi3", "cp312") or "py3" in py or "cp312" in py


def record_page(name: str) -> dict[str, Any]:
    """Record one project's JSON page (trimmed); returns the full page body."""
    url = f"{INDEX}{canonicalize_name(name)}/"
    status, headers, raw = _get(url, ACCEPT)
    body = json.loads(raw)
    files = body.get("files", [])
    kept = [
        {k: v for k, v in f.items() if k in ("filename", "url", "requires-python", "yanked")}
        for f in files
        if _relevant(f["filename"])
    ]
    doc = {
        "url": url,
        "accept": ACCEPT,
        "status": status,
        "headers": {k: v for k, v in headers.items() if k == "content-type"},
        "recorded_at": _now(),
        "trimmed": {
            "files_before": len(files),
            "files_after": len(kept),
            "rule": "tools/record_pip_oracle.py _relevant: sdists and wheels a CPython "
            "3.12 x86_64 Linux target could consider; every version kept; hashes, sizes "
            "and upload times dropped",
        },
        "body": {**body, "files": kept},
    }
    out = OUT / "index" / f"{canonicalize_name(name)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=0, sort_keys=True) + "\n")
    return dict(body)


def record_sdist(page: dict[str, Any], version: str) -> str | None:
    """The build files of the pin's ``.tar.gz`` sdist, as record_sdists.py keeps them."""
    sdist = next(
        (
            f
            for f in page.get("files", [])
            if f["filename"].endswith((".tar.gz", ".tgz"))
            and _file_version(f["filename"]) == version
        ),
        None,
    )
    rp = sdist.get("requires-python") if sdist is not None else None
    if sdist is None or (rp and not SpecifierSet(rp).contains("3.12.0", prereleases=True)):
        return None  # none, or pip never builds it on 3.12: deps does not read it
    fn, url = str(sdist["filename"]), str(sdist["url"])
    dest = OUT / "sdists" / fn
    if dest.exists():
        shutil.rmtree(dest)
    _, _, data = _get(url, "*/*")
    suffixes: set[str] = set()
    kernel = False
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for m in tar:
            if not m.isfile():
                continue
            base = m.name.rsplit("/", 1)[-1]
            dot = base.rfind(".")
            if dot > 0:
                suffixes.add(base[dot:].lower())
            if not kernel and base.lower().endswith(_C_SOURCES):
                f = tar.extractfile(m)
                kernel = f is not None and includes_kernel_headers(f.read(512 * 1024))
            if _is_build_file(base, m.name.count("/")) and m.size <= MAX_BUILD_FILE:
                rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
                if ".." in rel.split("/"):
                    continue
                f = tar.extractfile(m)
                assert f is not None
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                (dest / rel).write_bytes(f.read())
    (dest / "SUFFIXES.json").write_text(
        json.dumps(
            {
                "url": url,
                "size": len(data),
                "suffixes": sorted(suffixes),
                "kernel_headers": kernel,
            },
            indent=1,
        )
        + "\n"
    )
    return fn


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def one(pin: str, why: str, pages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every recorded answer for one pin."""
    name, version = pin.split("==")
    page = pages[canonicalize_name(name)]
    row: dict[str, Any] = {"pin": pin, "why": why, "binary": pip_binary(pin)}
    rp = {
        f.get("requires-python")
        for f in page.get("files", [])
        if _file_version(f["filename"]) == str(Version(version))
    }
    row["requires_python"] = sorted(x for x in rp if x)
    if why == "requires-python":
        row["requires_python_pip"] = pip_requires_python(pin)
    if not row["binary"]["ok"]:
        row["first_installable"] = first_installable(name, version)
        sdist = record_sdist(page, str(Version(version)))
        row["sdist"] = sdist
        if sdist is not None and why in ("pure-sdist", "c-sdist"):
            row["no_compiler"] = pip_no_compiler(pin)
    print(f"{pin}: {row['binary']}", file=sys.stderr)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="record only these pins (merged into the file)")
    args = ap.parse_args(argv)
    pins = [(p, w) for p, w in PINS if not args.only or p in args.only]
    names = sorted({canonicalize_name(p.split("==")[0]) for p, _ in pins})
    with ThreadPoolExecutor(4) as pool:
        pages = dict(zip(names, pool.map(record_page, names), strict=True))
    with ThreadPoolExecutor(3) as pool:
        rows = list(pool.map(lambda pw: one(pw[0], pw[1], pages), pins))
    path = OUT / "oracle.json"
    old = json.loads(path.read_text())["pins"] if args.only and path.exists() else []
    merged = {r["pin"]: r for r in old} | {r["pin"]: r for r in rows}
    pip_version = subprocess.run(
        [*PIP, "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[1]
    doc = {
        "provenance": {
            "pip": pip_version,
            "python": sys.version.split()[0],
            "recorded_at": _now(),
            "index": INDEX,
            "binary_command": "pip download --no-deps --only-binary=:all: "
            + " ".join(f"--platform {p}" for p in PLATFORMS)
            + " --python-version 3.12 --implementation cp --abi cp312 PIN",
            "no_compiler_command": "CC=false CXX=false FC=false pip wheel --no-deps "
            "--no-binary=:all: --no-cache-dir PIN (no cargo on PATH)",
            "tool": "tools/record_pip_oracle.py",
        },
        "pins": [merged[p] for p, _ in PINS if p in merged],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(doc['pins'])} pins -> {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
