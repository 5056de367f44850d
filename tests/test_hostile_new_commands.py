"""Hostile inputs for verify, check and fleet: regressions of benchmarks/hostile/ findings.

Each test is a case of ``benchmarks/hostile/{verify,check,fleet}.py`` that once broke
a promise of docs/security.md, run on real inputs (images written by
tests/imagebuild.py, the real CLI in a subprocess).  No timing assertions: those are
the benchmark's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import imagebuild as ib


def cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess (its own cache directory under ``cwd``)."""
    env = dict(os.environ, NO_COLOR="1", XDG_CACHE_HOME=str(cwd / "xdg"))
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def small_image(tmp: Path, name: str, ops: list[Any]) -> str:
    """An OCI layout with one layer of ``ops``; its ``oci:`` reference."""
    spec = ib.ImageSpec([ib.Layer(ops, f"COPY {name} /")], tag="t", repo=f"alpine-ready/{name}")
    img = ib.write_blobs(spec, tmp / f".work-{name}", track=False)
    ib.write_oci_layout(img, tmp / name, "t")
    return f"oci:{tmp / name}:t"


def test_verify_whiteouts_of_the_root_and_its_parent_remove_nothing(
    tmp_path: Path, alpine_rootfs: Path
) -> None:
    # ".wh.." names "." (the root itself) and ".wh..." names ".." (what holds the root):
    # verify's unpacker removed them, then crashed on its own missing directory
    loader = "lib/ld-musl-x86_64.so.1"
    ref = small_image(
        tmp_path,
        "whiteouts",
        [
            ib.File(loader, alpine_rootfs / loader, 0o755),
            ib.Raw("a", content=b"a"),
            ib.Raw(".wh.."),
            ib.Raw(".wh..."),
            ib.Raw("sub/.wh..."),
            ib.Raw("b", content=b"b"),
        ],
    )
    cache = tmp_path / "cache"
    r = cli("verify", ref, "--cache-dir", str(cache), "--no-imports", cwd=tmp_path)
    assert "Traceback" not in r.stderr and "a bug in alpine-ready" not in r.stderr, r.stderr
    assert r.returncode in (0, 1), r.stderr
    (root,) = (cache / "verify" / "images").glob("*/rootfs")
    assert (root / "a").read_bytes() == b"a" and (root / "b").read_bytes() == b"b"
    assert (root / loader).is_file()
