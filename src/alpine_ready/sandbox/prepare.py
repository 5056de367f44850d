"""A system with packages installed: the release's own ``apk add``, inside the sandbox.

The base root filesystem is copied (``cp -a``) into ``cache_dir/systems/<key>.tmp-*``,
``apk add`` runs in a sandbox with the copy as a writable ``/`` (uid 0 of the sandbox's
user namespace: the calling user on the host), local repositories bound read-only,
no network unless asked; then the copy is renamed to ``cache_dir/systems/<key>``, so a
system in the cache is always complete. The key is a sha256 of the base's digest, the
sorted package set and the repositories (a local repository's index by content).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from alpine_ready.sandbox.bwrap import run
from alpine_ready.sandbox.model import Limits, Mount, PreparedSystem, SandboxError

log = logging.getLogger(__name__)

INSTALLED_DB = Path("lib/apk/db/installed")
# Local repositories are bound read-only below this sandbox directory (a tmpfs).
REPO_MOUNT = "/tmp/alpine-ready-repository"
_INDEX_NAMES = ("Packages.adb", "APKINDEX.tar.gz")


def _is_url(repo: str) -> bool:
    return "://" in repo


def _index_digest(path: Path) -> str:
    """What identifies a local repository's content: its index files' digests."""
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(path.rglob("*"))
    for f in files:
        if f.is_file() and f.name in (*_INDEX_NAMES, path.name):
            h.update(str(f.relative_to(path.parent if path.is_file() else path)).encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def system_key(base_digest: str, packages: Sequence[str], repositories: Sequence[str]) -> str:
    """sha256 of (base digest, sorted package set, repositories)."""
    repos = []
    for r in repositories:
        if _is_url(r):
            repos.append(r)
        else:
            p = Path(r).resolve()
            repos.append(f"{p}#{_index_digest(p) if p.exists() else 'missing'}")
    doc = {"base": base_digest, "packages": sorted(set(packages)), "repositories": repos}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def installed_packages(root: Path) -> dict[str, str]:
    """Map name to version, from the apk database of ``root``."""
    db = root / INSTALLED_DB
    found: dict[str, str] = {}
    try:
        text = db.read_text(errors="replace")
    except OSError:
        return found
    name = ""
    for line in text.splitlines():
        if line.startswith("P:"):
            name = line[2:]
            found[name] = ""
        elif line.startswith("V:") and name:
            found[name] = line[2:]
        elif not line:
            name = ""
    return found


def _repository_args(repositories: Sequence[str], network: bool) -> tuple[list[str], list[Mount]]:
    args: list[str] = []
    mounts: list[Mount] = []
    for i, repo in enumerate(repositories):
        if _is_url(repo):
            if not network:
                raise SandboxError(f"repository {repo}: a URL needs the network (--network)")
            args += ["--repository", repo]
            continue
        path = Path(repo).resolve()
        if not path.exists():
            raise SandboxError(f"repository {repo}: no such file or directory")
        dest = f"{REPO_MOUNT}-{i}"
        if path.is_file():
            mounts.append(Mount(path.parent, dest))
            args += ["--repository", f"{dest}/{path.name}"]
        else:
            mounts.append(Mount(path, dest))
            index = path / "Packages.adb"
            args += ["--repository", f"{dest}/Packages.adb" if index.is_file() else dest]
    return args, mounts


def _apk_error(packages: Sequence[str], exit_code: int | None, output: str) -> str:
    """One line: which packages, and apk's own words.

    Its ERROR lines, the repositories it could not open, the line naming a package
    that is not there.
    """
    wanted = set(packages)
    said: list[str] = []
    for raw in output.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("ERROR", "WARNING: opening")) or (
            line.split(" ", 1)[0] in wanted and "(" in line
        ):
            said.append(line.rstrip(":"))
    if not said:
        said = [ln.strip() for ln in output.strip().splitlines()[-2:]] or ["no message"]
    how = f"exit {exit_code}" if exit_code is not None else "stopped"
    hint = ""
    if "UNTRUSTED" in output:
        hint = " (an unsigned repository: allow untrusted packages to use it)"
    return f"apk add {' '.join(packages)} failed ({how}): {'; '.join(said)}{hint}"


def prepare_system(
    base: Path,
    base_digest: str,
    packages: Sequence[str],
    *,
    repositories: Sequence[str] = (),
    network: bool = False,
    cache_dir: Path,
    allow_untrusted: bool = False,
    limits: Limits = Limits(timeout=600),  # noqa: B008 - frozen, shared safely
    progress: Callable[[str], None] | None = None,
) -> PreparedSystem:
    """``base`` with ``packages`` installed by its own apk (see the module's docstring)."""
    started = time.monotonic()
    base = Path(base)
    if not (base / "sbin" / "apk").exists() and packages:
        raise SandboxError(f"system {base}: no /sbin/apk, cannot install {' '.join(packages)}")
    key = system_key(base_digest, packages, repositories)
    if not packages:
        return PreparedSystem(base, key, True, (), time.monotonic() - started)
    systems = Path(cache_dir) / "systems"
    final = systems / key
    if final.is_dir():
        return PreparedSystem(final, key, True, _diff(base, final), time.monotonic() - started)
    repo_args, mounts = _repository_args(repositories, network)
    systems.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{key}.tmp-", dir=systems))
    try:
        if progress:
            progress(f"copying the system {base}")
        root = work / "root"
        _copy_system(base, root)
        # One uid is mapped in the namespace: files keep the caller as owner (apk 2.12+ and 3).
        argv = ["apk", "add", "--no-progress", "--no-cache", "--no-chown"]
        if not network:
            argv += ["--no-network", "--repositories-file", "/dev/null"]
        if allow_untrusted:
            argv.append("--allow-untrusted")
        argv += [*repo_args, "--", *packages]
        if progress:
            progress(f"apk add {' '.join(packages)}")
        outcome = run(
            root,
            argv,
            mounts=mounts,
            network=network,
            limits=limits,
            writable_system=True,
            root=True,
        )
        text = (outcome.stdout + outcome.stderr).decode(errors="replace")
        log.debug("apk add: %s", text)
        if not outcome.ok:
            if outcome.timed_out:
                raise SandboxError(
                    f"apk add {' '.join(packages)}: stopped at the time limit "
                    f"({limits.timeout:g} s)"
                )
            raise SandboxError(_apk_error(packages, outcome.exit_code, text))
        _drop_set_id_bits(root)
        try:
            root.rename(final)
        except OSError:
            if not final.is_dir():  # not a concurrent twin: a real failure
                raise
            log.debug("prepared system %s: made concurrently, keeping the other", key)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return PreparedSystem(final, key, False, _diff(base, final), time.monotonic() - started)


# Made by the sandbox itself: copied as empty directories (no device nodes to make).
_EMPTY_TOP = ("dev", "proc", "sys")


def _copy_system(base: Path, root: Path) -> None:
    """Copy the base's top level into ``root`` with ``cp -a``.

    Reflinks where the file system has them; ``/dev``, ``/proc``, ``/sys`` become empty
    directories.
    """
    root.mkdir()
    sources = []
    for entry in sorted(base.iterdir()):
        if entry.name in _EMPTY_TOP and entry.is_dir() and not entry.is_symlink():
            (root / entry.name).mkdir()
        else:
            sources.append(str(entry))
    if not sources:
        return
    done = None
    for options in (["-a", "--reflink=auto"], ["-a"]):  # busybox cp has no --reflink
        done = subprocess.run(
            ["cp", *options, "--", *sources, str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            return
    assert done is not None
    said = " ".join(done.stderr.strip().splitlines()[:2])
    raise SandboxError(f"cannot copy the system {base}: {said}")


def _drop_set_id_bits(root: Path) -> None:
    """Clear setuid/setgid bits in the prepared system before it enters the cache.

    They mean nothing in the sandbox (every mount is ``nosuid``), and apk ran there as
    the namespace's root: as host root, a setuid-root file it left would be one on the
    host too.
    """
    set_id = stat.S_ISUID | stat.S_ISGID
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath, name)
            try:
                st = path.lstat()
                if stat.S_ISREG(st.st_mode) and st.st_mode & set_id:
                    path.chmod(stat.S_IMODE(st.st_mode) & ~set_id)
            except OSError as exc:
                log.warning("prepared system: cannot clear the set-id bits of %s: %s", path, exc)


def _diff(base: Path, prepared: Path) -> tuple[str, ...]:
    before = installed_packages(base)
    after = installed_packages(prepared)
    return tuple(sorted(name for name, version in after.items() if before.get(name) != version))
