"""Run Alpine's real musl loader (``ld-musl-x86_64.so.1 --list``) inside the real rootfs.

One chroot runs a busybox loop over many files, so a few hundred files cost
about a second.  Only ``--list`` mode is used: the loader maps and relocates,
then exits before any constructor of the analysed file runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

_MISSING = re.compile(r"^Error loading shared library (.+?): (.+) \(needed by (.+)\)$")
_UNRESOLVED = re.compile(r"^Error relocating (.+?): (.+): symbol not found$")
_BADREL = re.compile(r"^Error relocating (.+?): unsupported relocation type (\d+)$")
_TLS = re.compile(
    r"^Error relocating (.+?): (.+?): initial-exec TLS resolves to dynamic "
    r"definition in (.+)$"
)


@dataclass
class RealLoad:
    """What the real loader printed for one file."""

    rc: int = 0
    missing: set[tuple[str, str]] = field(default_factory=set)  # (name, needed by)
    unresolved: set[tuple[str, str]] = field(default_factory=set)  # (object, symbol)
    bad: set[tuple[str, int]] = field(default_factory=set)  # (object, type)
    tls: set[tuple[str, str]] = field(default_factory=set)
    other: list[str] = field(default_factory=list)


#: translate --check runs busybox ``sh -n`` in the rootfs through bubblewrap, or chroot as root
needs_rootfs_sh = pytest.mark.skipif(
    shutil.which("bwrap") is None and os.geteuid() != 0,
    reason="busybox sh -n in the rootfs needs bubblewrap, or root for chroot",
)


def chroot_prefix() -> list[str] | None:
    """How to enter a chroot here: as root directly, else through a user namespace."""
    if shutil.which("chroot") is None:
        return None
    if os.geteuid() == 0:
        return ["chroot"]
    if shutil.which("unshare"):
        return ["unshare", "--user", "--map-root-user", "chroot"]
    return None


def busybox_sh(rootfs: Path, line: str) -> subprocess.CompletedProcess[str]:
    """Run ``line`` with the rootfs's own ``/bin/sh`` (busybox ash) in its /tmp.

    Skips the test where no chroot can be entered (neither root nor a user namespace).
    """
    prefix = chroot_prefix()
    if prefix is None:
        pytest.skip("needs chroot (root or a user namespace) to run the rootfs's busybox")
    return subprocess.run(
        [*prefix, str(rootfs), "/bin/sh", "-c", f"cd /tmp && {line}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def musl_list(
    rootfs: Path, paths: list[str], *, library_path: str | None = None
) -> dict[str, RealLoad]:
    """Run the rootfs's own loader in ``--list`` mode on each path (absolute, in rootfs)."""
    prefix = chroot_prefix()
    if prefix is None:
        raise RuntimeError("cannot chroot here (need root or unshare)")
    script = rootfs / "tmp" / f"ar-list-{os.getpid()}.sh"
    lines = ["#!/bin/sh", "unset LD_LIBRARY_PATH LD_PRELOAD"]
    if library_path is not None:
        lines.append(f"export LD_LIBRARY_PATH='{library_path}'")
    for p in paths:
        q = p.replace("'", "'\\''")
        lines.append(
            f"echo '@@@ {q}' >&2; /lib/ld-musl-x86_64.so.1 --list '{q}'; echo \"@@@ rc=$?\" >&2"
        )
    script.write_text("\n".join(lines) + "\n")
    try:
        proc = subprocess.run(
            [*prefix, str(rootfs), "/bin/sh", f"/tmp/{script.name}"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        script.unlink()
    out: dict[str, RealLoad] = {}
    cur: RealLoad | None = None
    for line in proc.stderr.splitlines():
        if line.startswith("@@@ rc="):
            assert cur is not None
            cur.rc = int(line[7:])
            continue
        if line.startswith("@@@ "):
            cur = out[line[4:]] = RealLoad()
            continue
        if cur is None:
            continue
        if m := _MISSING.match(line):
            cur.missing.add((m.group(1), m.group(3)))
        elif m := _TLS.match(line):
            cur.tls.add((m.group(1), m.group(2)))
        elif m := _BADREL.match(line):
            cur.bad.add((m.group(1), int(m.group(2))))
        elif m := _UNRESOLVED.match(line):
            cur.unresolved.add((m.group(1), m.group(2)))
        else:
            cur.other.append(line)
    return out
