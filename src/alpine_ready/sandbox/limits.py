"""Process-count and memory bounds: a per-run cgroup as root, rlimits otherwise.

The kernel exempts the host's root user (INIT_USER) from RLIMIT_NPROC even inside a
user namespace, so as root a fork bomb is bounded by a pids cgroup made for the run
(cgroup v2 or v1, below the cgroup this process is in) and removed afterwards. As a
normal user RLIMIT_NPROC, counted in the sandbox's new user namespace, bounds it.
RLIMIT_AS (address space per process), RLIMIT_FSIZE and RLIMIT_CORE apply to everyone.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import os
import platform
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alpine_ready.sandbox.model import Limits

log = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()
# bwrap itself: the outer process and the namespace's init.
BWRAP_PROCESSES = 2


def _own_cgroups(proc_file: Path = Path("/proc/self/cgroup")) -> dict[str, str]:
    """Map each controller to this process's cgroup path ("" key: the v2 unified hierarchy)."""
    found: dict[str, str] = {}
    try:
        text = proc_file.read_text()
    except OSError:
        return found
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            found[""] = path
        for c in controllers.split(","):
            if c:
                found[c] = path
    return found


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
    except OSError as exc:
        log.debug("cgroup: cannot write %s to %s: %s", value, path, exc)
        return False
    return True


def _v2_root() -> Path | None:
    """Where the unified (v2) hierarchy is mounted, if it is."""
    for candidate in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        if (candidate / "cgroup.controllers").is_file():
            return candidate
    return None


PREFIX = "alpine-ready-sandbox-"
_swept: set[Path] = set()


def _sweep(parent: Path) -> None:
    """Remove the empty cgroups of runs whose process is gone.

    A process killed with SIGKILL could not remove them. Once per parent directory.
    """
    if parent in _swept:
        return
    _swept.add(parent)
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for d in entries:
        if not d.name.startswith(PREFIX):
            continue
        try:
            pid = int(d.name[len(PREFIX) :].split("-", 1)[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                d.rmdir()  # only an empty cgroup goes
        except (ValueError, PermissionError):
            continue


def _make_dir(parent: Path) -> Path | None:
    _sweep(parent)
    name = f"{PREFIX}{os.getpid()}-{next(_counter)}"
    path = parent / name
    try:
        path.mkdir()
    except OSError as exc:
        log.debug("cgroup: cannot create %s: %s", path, exc)
        return None
    return path


@dataclass
class RunCgroups:
    """The cgroups made for one run: the child joins them before exec, they go after."""

    dirs: list[Path] = field(default_factory=list)
    pids: Path | None = None
    memory: Path | None = None

    def procs_files(self) -> list[bytes]:
        return [os.fsencode(d / "cgroup.procs") for d in self.dirs]

    def peak_memory(self) -> int | None:
        """The tree's peak memory charge, bytes (memory.peak, memory.max_usage_in_bytes)."""
        if self.memory is None:
            return None
        for name in ("memory.peak", "memory.max_usage_in_bytes"):
            try:
                return int((self.memory / name).read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
        return None

    def remove(self, wait: float = 5.0) -> list[int]:
        """Wait for the cgroups to empty, then remove them; the pids still inside, if any."""
        deadline = time.monotonic() + wait
        left: list[int] = []
        for d in reversed(self.dirs):
            while True:
                left = _members(d)
                if not left or time.monotonic() > deadline:
                    break
                time.sleep(0.001)
            try:
                d.rmdir()
            except OSError as exc:
                log.warning("sandbox: cannot remove cgroup %s (%s): pids %s", d, exc, left)
        return left


def _members(d: Path) -> list[int]:
    try:
        return [int(x) for x in (d / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def make_cgroups(limits: Limits) -> RunCgroups:
    """A pids (and, when possible, memory) cgroup for one run; empty when none is writable."""
    run = RunCgroups()
    own = _own_cgroups()
    pids_max = str(limits.processes + BWRAP_PROCESSES)
    v2 = _v2_root()
    if v2 is not None and "" in own:
        base = v2 / own[""].lstrip("/")
        enabled = _controllers(base / "cgroup.subtree_control")
        if "pids" not in enabled:
            _write(base / "cgroup.subtree_control", "+pids")
        if "memory" not in enabled:
            _write(base / "cgroup.subtree_control", "+memory")
        d = _make_dir(base)
        if d is not None:
            ctl = _controllers(d / "cgroup.controllers")
            if "pids" in ctl and _write(d / "pids.max", pids_max):
                run.pids = d
            if "memory" in ctl and _write(d / "memory.max", str(limits.memory)):
                _write(d / "memory.swap.max", "0")
                run.memory = d
            if run.pids or run.memory:
                run.dirs.append(d)
            else:
                with contextlib.suppress(OSError):
                    d.rmdir()
    if run.pids is None and "pids" in own:
        d = _make_dir(CGROUP_ROOT / "pids" / own["pids"].lstrip("/"))
        if d is not None:
            if _write(d / "pids.max", pids_max):
                run.pids = d
                run.dirs.append(d)
            else:
                with contextlib.suppress(OSError):
                    d.rmdir()
    if run.memory is None and "memory" in own:
        d = _make_dir(CGROUP_ROOT / "memory" / own["memory"].lstrip("/"))
        if d is not None:
            if _write(d / "memory.limit_in_bytes", str(limits.memory)):
                run.memory = d
                run.dirs.append(d)
            else:
                with contextlib.suppress(OSError):
                    d.rmdir()
    return run


def _controllers(path: Path) -> set[str]:
    try:
        return set(path.read_text().split())
    except OSError:
        return set()


def _user_tasks(uid: int) -> int:
    """How many tasks (threads included) ``uid`` runs now: RLIMIT_NPROC counts them."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            raw = Path(entry.path, "stat").read_bytes()
            fields = raw.rsplit(b")", 1)[1].split()
            count += int(fields[17])  # num_threads (field 20 of stat)
        except (OSError, ValueError, IndexError):
            continue
    return count


# keyctl(2) has no wrapper in the C library: its system call number per machine.
_KEYCTL_NR = {
    "x86_64": 250,
    "aarch64": 219,
    "arm64": 219,
    "riscv64": 219,
    "loongarch64": 219,
    "armv7l": 311,
    "armv6l": 311,
    "i386": 288,
    "i686": 288,
    "ppc64le": 271,
    "ppc64": 271,
    "s390x": 280,
}
KEYCTL_JOIN_SESSION_KEYRING = 1


def _keyring_leaver() -> Callable[[], None] | None:
    """A call that gives the caller a new, empty session keyring, made before the fork.

    Without it the sandbox would possess the caller's session keyring (and, through
    it, the user keyring): the keys of the user running alpine-ready -- of root, when
    it runs as root -- would be readable inside.
    """
    nr = _KEYCTL_NR.get(platform.machine())
    if nr is None:
        return None
    try:
        syscall = ctypes.CDLL(None, use_errno=True).syscall
    except (OSError, AttributeError):
        return None
    syscall.restype = ctypes.c_long
    args = (ctypes.c_long(nr), ctypes.c_long(KEYCTL_JOIN_SESSION_KEYRING), ctypes.c_void_p(None))

    def leave() -> None:
        syscall(*args)  # ENOSYS (no keyrings in the kernel) is fine too

    return leave


PR_SET_PDEATHSIG = 1


def _death_binder() -> Callable[[int], None] | None:
    """A call that kills the caller (SIGKILL) when its parent dies, made before the fork.

    bwrap's --die-with-parent sets the same only after its own start: if alpine-ready
    died in between, the sandbox outlived it, with no time limit. Set in the child
    before exec (kept across exec), then the parent checked once: no window is left.
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    args = (ctypes.c_int(PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGKILL))

    def bind(parent: int) -> None:
        prctl(*args)
        if os.getppid() != parent:  # the parent died before the line above
            os.kill(os.getpid(), signal.SIGKILL)

    return bind


def preexec(
    limits: Limits, cgroups: RunCgroups, *, as_root: bool, watchdog: int | None = None
) -> Callable[[], None]:
    """The function the child runs between fork and exec of bwrap.

    It joins the cgroups and sets the rlimits, with system calls only (no locks).
    """
    procs = cgroups.procs_files()
    nproc = None if as_root else _user_tasks(os.getuid()) + limits.processes + BWRAP_PROCESSES
    memory = limits.memory
    fsize = max(limits.tmp_size, limits.output)
    leave_keyring = _keyring_leaver()
    bind_death = _death_binder()
    parent = os.getpid()

    def child() -> None:
        if watchdog is not None:  # our process group (setsid came first): bwrap's
            os.write(watchdog, b"add %d\n" % os.getpid())
        if bind_death is not None:
            bind_death(parent)
        if leave_keyring is not None:
            leave_keyring()
        pid = str(os.getpid()).encode()
        for f in procs:
            fd = os.open(f, os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))

    return child
