#!/usr/bin/env python3
"""Record the build files of real sdists into ``tests/data/sdists/`` (small, regenerable).

    .venv/bin/python tools/record_sdists.py        # needs PyPI

For each pinned sdist below it streams the real file from PyPI and keeps exactly the
members :mod:`alpine_ready.deps.sdist` reads (pyproject.toml, setup*.py, setup.cfg,
meson.build, CMakeLists.txt, Cargo.toml; depth-bounded as there), plus ``SUFFIXES``: the
set of source-file suffixes in the sdist (Fortran, C++, Cython detection).  The tests run
the analysis on these real files offline.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from alpine_ready.deps.sdist import MAX_BUILD_FILE, _is_build_file  # noqa: E402

SDISTS = {
    "psycopg2": "2.9.10",
    "mysqlclient": "2.3.2",
    "orjson": "3.13.0",
    "scipy": "1.16.3",
    "confluent-kafka": "2.12.1",
    "lxml": "6.0.2",
    "python-ldap": "3.4.5",
}
OUT = ROOT / "tests" / "data" / "sdists"


def _sdist_url(name: str, version: str) -> tuple[str, str]:
    req = urllib.request.Request(
        f"https://pypi.org/simple/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        doc = json.load(r)
    for f in doc["files"]:
        fn = f["filename"]
        if fn.endswith(".tar.gz") and f"-{version}.tar.gz" in fn:
            return fn, f["url"]
    raise SystemExit(f"{name} {version}: no sdist")


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    for name, version in SDISTS.items():
        fn, url = _sdist_url(name, version)
        dest = OUT / fn
        suffixes: set[str] = set()
        with urllib.request.urlopen(url, timeout=120) as r:
            data = r.read()
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for m in tar:
                if not m.isfile():
                    continue
                base = m.name.rsplit("/", 1)[-1]
                if "." in base[1:]:
                    suffixes.add(base[base.rfind(".") :].lower())
                if _is_build_file(base, m.name.count("/")) and m.size <= MAX_BUILD_FILE:
                    rel = m.name.split("/", 1)[1]
                    f = tar.extractfile(m)
                    assert f is not None
                    (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                    (dest / rel).write_bytes(f.read())
        (dest / "SUFFIXES.json").write_text(
            json.dumps({"url": url, "size": len(data), "suffixes": sorted(suffixes)}, indent=1)
            + "\n"
        )
        print(f"{fn}: {len(data)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
