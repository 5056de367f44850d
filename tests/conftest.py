"""Shared fixtures: the real artefacts (fetched and cached by tools/fixtures.py).

The tests never touch the user's own cache (``~/.cache/alpine-ready``: blobs, layer
analyses, index and npm answers):

* the real artefacts live in a folder of their own, ``fixtures.cache_root()``
  (``$ALPINE_READY_FIXTURES``, default ``~/.cache/alpine-ready-test-fixtures``), built
  once and reused by every session; the session exports that root as
  ``$ALPINE_READY_FIXTURES``, so child processes find the same one;
* ``$XDG_CACHE_HOME`` points at a temporary directory for the whole session (child
  processes inherit it), so every default cache of the tool lands there;
* at the end, the session fails if ``~/.cache/alpine-ready`` (and
  ``$XDG_CACHE_HOME/alpine-ready`` as it was set) was created or changed meanwhile.

``$ALPINE_READY_OFFLINE=1`` for the whole session: Alpine's package index is read from
the cache only unless a test asks for a mirror (tests/test_apkindex.py serves one), so
no scan waits for dl-cdn.alpinelinux.org.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import fixtures as fx  # noqa: E402

# -- the user's cache, out of bounds ---------------------------------------------------

#: path -> (kind, size, mtime_ns) of every entry below a watched cache; kind "-" = absent.
Listing = dict[str, tuple[str, int, int]]

_state: dict[str, Any] = {}


def user_cache_dirs() -> list[Path]:
    """The tool's default cache directories of the user running the tests."""
    dirs = [Path.home() / ".cache" / "alpine-ready"]
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg) / "alpine-ready" not in dirs:
        dirs.append(Path(xdg) / "alpine-ready")
    return dirs


def _kind(mode: int) -> str:
    return "d" if stat.S_ISDIR(mode) else "l" if stat.S_ISLNK(mode) else "f"


def cache_listing(top: Path, skip: Path | None = None) -> Listing:
    """Every entry below ``top`` (``top`` itself included) with its kind, size and mtime."""
    out: Listing = {}
    try:
        st = top.lstat()
    except FileNotFoundError:
        return {str(top): ("-", 0, 0)}
    out[str(top)] = (_kind(st.st_mode), st.st_size, st.st_mtime_ns)
    if not stat.S_ISDIR(st.st_mode):
        return out
    for dirpath, dirnames, filenames in os.walk(top, onerror=lambda _e: None):
        if skip is not None:
            dirnames[:] = [d for d in dirnames if Path(dirpath, d) != skip]
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)  # noqa: PTH118 (str paths: many entries)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            out[path] = (_kind(st.st_mode), st.st_size, st.st_mtime_ns)
    return out


def listing_changes(before: Listing, after: Listing, limit: int = 20) -> list[str]:
    """What differs between two listings, one line per path (at most ``limit``)."""
    lines = []
    for path in sorted(before.keys() | after.keys()):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        if old is None or old[0] == "-":
            lines.append(f"created  {path}")
        elif new is None or new[0] == "-":
            lines.append(f"removed  {path}")
        else:
            lines.append(f"changed  {path} (size {old[1]} -> {new[1]}, mtime {old[2]} -> {new[2]})")
    if len(lines) > limit:
        lines[limit:] = [f"... and {len(lines) - limit} more"]
    return lines


def _watched_listing() -> Listing:
    fixtures_root = Path(os.environ[fx.ENV_ROOT])
    listing: Listing = {}
    for top in _state["watched"]:
        listing.update(cache_listing(top, skip=fixtures_root))
    return listing


def pytest_configure(config: pytest.Config) -> None:
    if "watched" in _state:  # configured once per process
        return
    # The artefacts' root, fixed before $XDG_CACHE_HOME moves (it may derive from it).
    os.environ[fx.ENV_ROOT] = str(fx.cache_root())
    _state["watched"] = user_cache_dirs()
    _state["before"] = _watched_listing()
    session_cache = Path(tempfile.mkdtemp(prefix="alpine-ready-tests-cache-"))
    _state["session_cache"] = session_cache
    os.environ["XDG_CACHE_HOME"] = str(session_cache)
    os.environ["ALPINE_READY_OFFLINE"] = "1"  # the package index: cache only (see above)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "before" not in _state:
        return
    changes = listing_changes(_state["before"], _watched_listing())
    _state["changes"] = changes
    if changes and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    changes = _state.get("changes")
    if changes:
        watched = ", ".join(str(p) for p in _state["watched"])
        terminalreporter.section("the user's cache was touched", sep="=", red=True, bold=True)
        terminalreporter.line(
            f"FAILED: the tests must never write to the user's cache ({watched}), but this "
            "session changed it (tests get $XDG_CACHE_HOME in a temporary directory; a test "
            "that writes elsewhere needs --cache-dir/tmp_path):"
        )
        for line in changes:
            terminalreporter.line(f"  {line}")


def _force_remove(func: Callable[[str], object], path: str, _exc: object) -> None:
    """rmtree's error handler: make the entry and its parent writable, try once more."""
    with contextlib.suppress(OSError):
        Path(path).parent.chmod(0o700)
        if not Path(path).is_symlink():
            Path(path).chmod(0o700)
        func(path)


def pytest_unconfigure(config: pytest.Config) -> None:
    session_cache = _state.pop("session_cache", None)
    if session_cache is not None:
        shutil.rmtree(session_cache, onerror=_force_remove)


@pytest.fixture(scope="session")
def session_cache_home() -> Path:
    """The session's ``$XDG_CACHE_HOME``: where the tool's default caches go in tests."""
    return Path(_state["session_cache"])


@pytest.fixture(scope="session")
def fixtures_root() -> Path:
    """The root of the real artefacts (``$ALPINE_READY_FIXTURES``), shared by all sessions."""
    return fx.cache_root()


# -- the real artefacts ----------------------------------------------------------------


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
