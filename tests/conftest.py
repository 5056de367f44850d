"""Shared fixtures: the real artefacts (fetched and cached by tools/fixtures.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import fixtures as fx  # noqa: E402


@pytest.fixture(scope="session")
def alpine_rootfs() -> Path:
    """The cached real Alpine 3.23 root filesystem (read-only by convention)."""
    return fx.alpine_rootfs()


@pytest.fixture(scope="session")
def sandbox_rootfs(alpine_rootfs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private hard-linked copy of the rootfs that tests may add files to."""
    dest = tmp_path_factory.mktemp("alpine") / "rootfs"
    subprocess.run(["cp", "-al", str(alpine_rootfs), str(dest)], check=True)
    return dest


@pytest.fixture(scope="session")
def debian_tree() -> Path:
    """Real Debian bookworm binaries and libraries, extracted from .debs."""
    return fx.debian_binaries() / "tree"


@pytest.fixture(scope="session")
def wheels_dir() -> Path:
    """Real manylinux and musllinux wheels, unpacked (``manylinux/``, ``musllinux/``)."""
    return fx.wheels()


@pytest.fixture(scope="session")
def npm_dir() -> Path:
    """Real npm platform packages laid out as node_modules (``gnu/``, ``musl/``, ``static/``)."""
    return fx.npm_packages()


def copy_tree(src: Path, dest: Path) -> Path:
    """Copy a tree (symlinks kept as symlinks) into a sandbox."""
    shutil.copytree(src, dest, symlinks=True, dirs_exist_ok=True)
    return dest
