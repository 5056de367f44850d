"""Run a command in a bubblewrap sandbox.

New user, pid, ipc, uts, cgroup and network namespaces, the system read-only,
throw-away tmpfs directories, bounded in time, memory, processes and output.
Nothing given to :func:`run` executes on the host.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import selectors
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from alpine_ready.sandbox.limits import RunCgroups, make_cgroups, preexec
from alpine_ready.sandbox.model import Limits, Mount, Outcome, SandboxError
from alpine_ready.sandbox.watchdog import channel, tell

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "install it with `apt-get install bubblewrap` (Debian/Ubuntu), `apk add bubblewrap` "
    "(Alpine) or `dnf install bubblewrap` (Fedora)"
)
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SANDBOX_UID = 1000
# Top-level entries of the system that the sandbox makes itself (or hides).
_OWN_TOP = frozenset({"proc", "dev", "tmp", "lost+found"})
# Throw-away writable tmpfs directories, when the system has them.
_TMPFS = ("/tmp", "/var/tmp", "/run", "/root", "/home")
_READ = 65536

# bwrap path -> its version, once a trivial sandbox started with it.
_checked: dict[str, tuple[int, ...]] = {}
MIN_VERSION = (0, 5, 0)  # --perms, --size
DISABLE_USERNS = (0, 8, 0)  # --disable-userns


def _version(bwrap: str) -> tuple[int, ...]:
    """``bwrap --version`` ("bubblewrap 0.8.0") as a tuple; () when it does not say."""
    try:
        done = subprocess.run(
            [bwrap, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ()
    words = done.stdout.split()
    try:
        return tuple(int(x) for x in words[-1].split(".")) if words else ()
    except ValueError:
        return ()


def bwrap_path() -> str:
    """The bwrap executable on PATH, or a SandboxError saying how to install it."""
    found = shutil.which("bwrap")
    if found is None:
        raise SandboxError(f"bwrap (bubblewrap) not found on PATH: {INSTALL_HINT}")
    return found


def userns_hint(stderr: str, proc_sys: Path = Path("/proc/sys"), uid: int | None = None) -> str:
    """One line: why bwrap could not start, and the way out.

    User namespaces off, Ubuntu's AppArmor restriction, a zero namespace quota, or
    bwrap's own words.
    """
    said = " ".join(line.strip() for line in stderr.strip().splitlines()[-2:]) or "no message"

    unprivileged = (os.getuid() if uid is None else uid) != 0

    def sysctl(name: str) -> str | None:
        try:
            return (proc_sys / name).read_text().strip()
        except OSError:
            return None

    if sysctl("kernel/apparmor_restrict_unprivileged_userns") == "1" and unprivileged:
        return (
            f"bwrap cannot create a user namespace ({said}): Ubuntu's AppArmor restricts "
            "unprivileged user namespaces; allow bwrap with an AppArmor profile "
            "(`/etc/apparmor.d/bwrap` with `userns,`) or, machine-wide, "
            "`sysctl kernel.apparmor_restrict_unprivileged_userns=0`"
        )
    if sysctl("kernel/unprivileged_userns_clone") == "0" and unprivileged:
        return (
            f"bwrap cannot create a user namespace ({said}): unprivileged user namespaces "
            "are disabled; enable them with `sysctl kernel.unprivileged_userns_clone=1`"
        )
    if sysctl("user/max_user_namespaces") == "0":
        return (
            f"bwrap cannot create a user namespace ({said}): the kernel allows none; "
            "raise it with `sysctl user.max_user_namespaces=15000`"
        )
    lowered = said.lower()
    if "namespace" in lowered or "uid map" in lowered or "setting up uid" in lowered:
        return (
            f"bwrap cannot create a user namespace ({said}): check that user namespaces "
            "are enabled (`sysctl user.max_user_namespaces`) and not blocked by a security "
            "module (AppArmor, SELinux) or a container's seccomp profile"
        )
    return f"the sandbox could not start: {said}"


def available() -> None:
    """Check once per process (per bwrap) that a trivial sandbox really starts."""
    bwrap = bwrap_path()
    if bwrap in _checked:
        return
    version = _version(bwrap)
    if version and version < MIN_VERSION:
        raise SandboxError(
            f"bwrap {'.'.join(map(str, version))} ({bwrap}) is too old: the sandbox needs "
            f"bubblewrap {'.'.join(map(str, MIN_VERSION))} or later"
        )
    argv = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--ro-bind",
        "/",
        "/",
        "--",
        "true",
    ]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=30, env={"PATH": DEFAULT_PATH})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxError(f"bwrap ({bwrap}) cannot run: {exc}") from exc
    if done.returncode != 0:
        raise SandboxError(userns_hint(done.stderr.decode(errors="replace")))
    _checked[bwrap] = version or DISABLE_USERNS


def _check_dest(dest: str) -> str:
    p = PurePosixPath(dest)
    if not p.is_absolute() or ".." in p.parts or str(p) == "/":
        raise SandboxError(
            f"sandbox mount point {dest!r}: needs an absolute path below / without '..'"
        )
    return str(p)


def build_args(
    system: Path,
    mounts: Sequence[Mount],
    *,
    network: bool,
    limits: Limits,
    cwd: str,
    writable_system: bool,
    root: bool,
    status_fd: int,
    disable_userns: bool = True,
) -> list[str]:
    """The bwrap options for one run (without the command)."""
    args = [
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        # No --new-session: bwrap starts in a session of its own (start_new_session),
        # without a controlling terminal, and its set-up child and the namespace's
        # init stay in its process group, so one killpg() ends them all.
        *(["--disable-userns"] if disable_userns else []),
        "--hostname",
        "alpine-ready",
        "--uid",
        str(0 if root else SANDBOX_UID),
        "--gid",
        str(0 if root else SANDBOX_UID),
        "--json-status-fd",
        str(status_fd),
    ]
    if network:
        args.append("--share-net")
    if writable_system:
        args += ["--bind", str(system), "/"]
    else:
        args += _layout(system, _expanded(system, [m.dest for m in mounts]))
    # A new procfs, read-only: as root the sandbox's uid is the host's uid 0, and the
    # kernel lets uid 0 write most of /proc/sys by owner bits alone, no capability
    # needed (bwrap covers /proc/sys only when it looks writable to its set-up).
    args += ["--proc", "/proc", *_proc_masks(), "--remount-ro", "/proc", "--dev", "/dev"]
    for d in _TMPFS:
        if writable_system and d in ("/root", "/home"):
            continue
        if d == "/tmp" or (system / d.lstrip("/")).is_dir():
            args += ["--perms", "01777" if "tmp" in d else "0755"]
            args += ["--size", str(limits.tmp_size), "--tmpfs", d]
    if network:
        resolv = Path("/etc/resolv.conf")
        target = system / "etc" / "resolv.conf"
        if resolv.is_file() and target.is_file() and not target.is_symlink():
            args += ["--ro-bind", str(resolv), "/etc/resolv.conf"]
    # Outer mount points first: /app before /app/x (bwrap mounts in order).
    for m in sorted(mounts, key=lambda m: len(PurePosixPath(_check_dest(m.dest)).parts)):
        dest = _check_dest(m.dest)
        if not os.path.lexists(m.source):
            raise SandboxError(f"sandbox mount {m.source}: no such file or directory")
        _check_source(Path(m.source))
        args += ["--bind" if m.writable else "--ro-bind", str(Path(m.source).absolute()), dest]
    if not writable_system:
        args += ["--remount-ro", "/"]
    args += ["--chdir", cwd]
    return args


# /proc entries that tell about the host, not the sandbox (Docker masks the same):
# the key descriptions of the host's keyrings, timers and tasks of every namespace.
_PROC_MASK_FILES = (
    "keys",
    "key-users",
    "sched_debug",
    "timer_list",
    "timer_stats",
    "latency_stats",
)
_PROC_MASK_DIRS = ("acpi", "asound", "scsi")


def _proc_masks(proc: Path = Path("/proc")) -> list[str]:
    """Options hiding host information in the sandbox's /proc.

    As root the sandbox's uid is the host's uid 0, so every root-only file of /proc
    (``0400 root``: kcore, kpageflags, slabinfo, vmallocinfo…) would be readable by
    owner bits: each is covered by the host's ``/dev/null`` (on a ``nodev`` mount,
    reading it is "permission denied"), as are the files above; the directories
    become empty read-only tmpfs.
    """
    args: list[str] = []
    try:
        entries = sorted(os.scandir(proc), key=lambda e: e.name)
    except OSError:
        return args
    for entry in entries:
        if entry.name.isdigit() or entry.is_symlink():
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        hidden = entry.name in _PROC_MASK_FILES or not st.st_mode & 0o044
        # (sysrq-trigger: write-only, bwrap covers it read-only itself; a character
        # device: a container runtime masked it in our /proc, so mask it in the new one)
        masked_here = stat.S_ISCHR(st.st_mode)
        is_file = entry.is_file(follow_symlinks=False)
        if (is_file and hidden and entry.name != "sysrq-trigger") or masked_here:
            args += ["--ro-bind", "/dev/null", f"/proc/{entry.name}"]
        elif entry.name in _PROC_MASK_DIRS and entry.is_dir(follow_symlinks=False):
            d = f"/proc/{entry.name}"
            args += ["--perms", "0555", "--size", "4096", "--tmpfs", d, "--remount-ro", d]
    return args


# Host directories never mounted whole: they hold live sockets of the host's daemons
# (a socket in a read-only mount can still be connected to) or kernel interfaces.
_HOST_ONLY = frozenset(
    {"/", "/proc", "/sys", "/dev", "/run", "/var", "/var/run", "/tmp", "/var/tmp"}
)
_HOST_ONLY_BELOW = ("/proc/", "/sys/", "/dev/", "/run/")


def _check_source(source: Path) -> None:
    """Refuse to mount a host directory whose sockets would reach the host's daemons."""
    resolved = str(source.resolve())
    if resolved in _HOST_ONLY or resolved.startswith(_HOST_ONLY_BELOW):
        raise SandboxError(
            f"sandbox mount {source}: the host's {resolved} is not mounted into the sandbox "
            "(its sockets reach the host's daemons); give a directory of your own, or the "
            "file itself"
        )


def _expanded(system: Path, dests: Sequence[str]) -> set[str]:
    """The system's directories to rebuild on the tmpfs root, child by child.

    A mount point cannot be made inside a read-only bind. So each existing directory
    of the system that is an ancestor of a mount point (``/opt`` for ``/opt/app``) is
    a directory of the root tmpfs holding its children bound one by one, and the
    mount point can be made beside them.
    """
    out: set[str] = set()
    for dest in dests:
        parts = PurePosixPath(_check_dest(dest)).parts[1:-1]
        for i in range(1, len(parts) + 1):
            rel = "/".join(parts[:i])
            path = system / rel
            if path.is_symlink() or not path.is_dir():
                break
            out.add(rel)
    return out


def _layout(system: Path, expanded: set[str], rel: str = "") -> list[str]:
    """Bind the system's entries below ``rel`` read-only onto the root tmpfs.

    The root is bwrap's own tmpfs (read-only at the end): directories in ``expanded``
    are made on it (with their modes) and filled the same way, one level down.
    """
    args: list[str] = []
    here = system / rel if rel else system
    for entry in sorted(os.scandir(here), key=lambda e: e.name):
        child = f"{rel}/{entry.name}" if rel else entry.name
        if not rel and entry.name in _OWN_TOP:
            continue
        if entry.is_symlink():
            args += ["--symlink", str(Path(entry.path).readlink()), f"/{child}"]
        elif child in expanded and entry.is_dir():
            mode = entry.stat().st_mode & 0o7777
            args += ["--perms", f"{mode:04o}", "--dir", f"/{child}"]
            args += _layout(system, expanded, child)
        elif entry.is_dir() or entry.is_file():
            args += ["--ro-bind", entry.path, f"/{child}"]
    return args


def _environment(env: Mapping[str, str] | None, root: bool) -> dict[str, str]:
    out = {"PATH": DEFAULT_PATH, "HOME": "/root" if root else "/tmp", "LANG": "C.UTF-8"}
    if env:
        out.update(env)
    return out


def run(
    system: Path,
    argv: Sequence[str],
    *,
    mounts: Sequence[Mount] = (),
    network: bool = False,
    limits: Limits = Limits(),  # noqa: B008 - frozen, shared safely
    env: Mapping[str, str] | None = None,
    cwd: str = "/",
    stdin: bytes | None = None,
    writable_system: bool = False,
    root: bool = False,
) -> Outcome:
    """Run ``argv`` with ``system`` as its root filesystem, inside the sandbox.

    ``root`` runs it as uid 0 *of the sandbox's user namespace* (apk needs it to
    install); it is still no more than the calling user on the host.
    """
    if not argv:
        raise SandboxError("sandbox: no command to run")
    system = Path(system)
    if not system.is_dir():
        raise SandboxError(
            f"sandbox system {system}: not a directory (a root filesystem is needed)"
        )
    bwrap = bwrap_path()
    available()
    as_root = os.geteuid() == 0
    disable_userns = _checked.get(bwrap, DISABLE_USERNS) >= DISABLE_USERNS
    status_r, status_w = os.pipe()
    try:
        args = build_args(
            system,
            mounts,
            network=network,
            limits=limits,
            cwd=cwd,
            writable_system=writable_system,
            root=root,
            status_fd=status_w,
            disable_userns=disable_userns,
        )
    except BaseException:
        os.close(status_r)
        os.close(status_w)
        raise
    cgroups = make_cgroups(limits) if as_root else None
    unenforced: list[str] = []
    if not disable_userns:
        unenforced.append("nested-userns")
        log.warning("sandbox: bwrap before 0.8 cannot forbid user namespaces inside")
    if cgroups is not None and cgroups.pids is None:
        unenforced.append("processes")
        log.warning(
            "sandbox: no writable pids cgroup and RLIMIT_NPROC does not bind root: "
            "the process limit (%d) is not enforced",
            limits.processes,
        )
    watchdog = channel()
    full = [bwrap, *args, "--", *argv]
    log.debug("sandbox: %s", full)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            full,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(env, root),
            pass_fds=(status_w,),
            start_new_session=True,
            preexec_fn=preexec(limits, cgroups or RunCgroups(), as_root=as_root, watchdog=watchdog),
        )
    except OSError as exc:
        os.close(status_r)
        os.close(status_w)
        if cgroups is not None:
            cgroups.remove()
        raise SandboxError(f"bwrap ({bwrap}) cannot run: {exc}") from exc
    os.close(status_w)
    try:
        result = _supervise(proc, stdin, limits, started, watchdog)
    finally:
        status = _read_all(status_r)
        cgroup_peak = cgroups.peak_memory() if cgroups is not None else None
        if cgroups is not None:
            left = cgroups.remove()
            if left:
                log.error("sandbox: processes %s outlived the run", left)
    stdout, stderr, timed_out, limited, wait_status, rusage = result
    seconds = time.monotonic() - started
    exit_code: int | None = None
    sig: int | None = None
    if not (_exec_reached(status) or timed_out or limited or os.WIFSIGNALED(wait_status)):
        said = stderr.decode(errors="replace")
        if not said.startswith("bwrap: execvp "):
            raise SandboxError(userns_hint(said))
        # The command is not in the system: an outcome (as a shell says it), not an error.
        wait_status = 127 << 8
    if os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
    elif os.WIFEXITED(wait_status):
        code = os.WEXITSTATUS(wait_status)
        # bwrap reports a command killed by signal N as 128 + N, as a shell does.
        if 128 < code <= 128 + 64:
            sig = code - 128
        else:
            exit_code = code
    return Outcome(
        argv=tuple(argv),
        exit_code=exit_code,
        signal=sig,
        timed_out=timed_out,
        output_limited=limited,
        stdout=stdout,
        stderr=stderr,
        seconds=seconds,
        peak_memory=_peak(cgroup_peak, rusage),
        unenforced=tuple(unenforced),
    )


def _peak(cgroup_peak: int | None, rusage: resource.struct_rusage | None) -> int | None:
    """The memory cgroup's peak when there is one, else ru_maxrss of bwrap's tree.

    ru_maxrss is an upper bound: it includes the launching process's size before exec.
    """
    if cgroup_peak is not None:
        return cgroup_peak
    return rusage.ru_maxrss * 1024 if rusage is not None else None


_Result = tuple[bytes, bytes, bool, bool, int, "resource.struct_rusage | None"]


class _Watch:
    """bwrap's process: reaped once, with the resource usage of the tree it reaped."""

    def __init__(self, proc: subprocess.Popen[bytes], watchdog: int | None) -> None:
        self.proc = proc
        self.watchdog = watchdog
        self.status: int | None = None
        self.rusage: resource.struct_rusage | None = None

    def reap(self, block: bool) -> bool:
        if self.status is not None:
            return True
        try:
            # The watchdog forgets the group while bwrap is still a zombie (its pid,
            # hence the group's id, cannot be reused before it is reaped).
            flags = os.WEXITED | os.WNOWAIT | (0 if block else os.WNOHANG)
            if os.waitid(os.P_PID, self.proc.pid, flags) is None:
                return False
            tell(self.watchdog, "del", self.proc.pid)
            pid, status, rusage = os.wait4(self.proc.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            return False
        self.status, self.rusage = status, rusage
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return True

    def kill(self) -> None:
        """SIGKILL bwrap's process group.

        The namespace's init dies with it, and the kernel kills every process left in
        the pid namespace.
        """
        if self.status is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.reap(block=True)


def _supervise(
    proc: subprocess.Popen[bytes],
    stdin: bytes | None,
    limits: Limits,
    started: float,
    watchdog: int | None = None,
) -> _Result:
    """Feed stdin, collect both streams (bounded), enforce the time and output limits."""
    assert proc.stdout is not None and proc.stderr is not None
    watch = _Watch(proc, watchdog)
    deadline = started + limits.timeout
    sel = selectors.DefaultSelector()
    bufs: dict[int, bytearray] = {}
    for f in (proc.stdout, proc.stderr):
        os.set_blocking(f.fileno(), False)
        sel.register(f.fileno(), selectors.EVENT_READ)
        bufs[f.fileno()] = bytearray()
    in_fd = -1
    pending = memoryview(stdin or b"")
    if proc.stdin is not None:
        if pending:
            in_fd = proc.stdin.fileno()
            os.set_blocking(in_fd, False)
            sel.register(in_fd, selectors.EVENT_WRITE)
        else:
            proc.stdin.close()
    pidfd = -1
    with contextlib.suppress(AttributeError, OSError):
        pidfd = os.pidfd_open(proc.pid)
        sel.register(pidfd, selectors.EVENT_READ)
    timed_out = limited = False
    try:
        while True:
            readers = [fd for fd in bufs if fd in sel.get_map()]
            if watch.status is not None and not readers:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = watch.status is None
                break
            for key, _ in sel.select(min(remaining, 0.05) if pidfd < 0 else remaining):
                fd = key.fd
                if fd == pidfd:
                    sel.unregister(fd)
                    watch.reap(block=True)
                elif fd == in_fd:
                    try:
                        n = os.write(fd, pending[:_READ])
                        pending = pending[n:]
                    except BrokenPipeError:
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(fd)
                        assert proc.stdin is not None
                        with contextlib.suppress(BrokenPipeError):
                            proc.stdin.close()
                        in_fd = -1
                else:
                    try:
                        data = os.read(fd, _READ)
                    except BlockingIOError:
                        continue
                    if not data:
                        sel.unregister(fd)
                        continue
                    buf = bufs[fd]
                    room = limits.output - len(buf)
                    buf += data[: max(room, 0)]
                    if len(data) > room:
                        limited = True
            if limited:
                break
            if pidfd < 0:
                watch.reap(block=False)
    finally:
        watch.kill()
        sel.close()
        if pidfd >= 0:
            os.close(pidfd)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
    assert watch.status is not None
    out, err = (bytes(b) for b in bufs.values())
    return out, err, timed_out, limited, watch.status, watch.rusage


def _read_all(fd: int, wait: float = 2.0) -> str:
    """The bwrap status pipe, read to its end (bounded in time, then closed)."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + wait
    os.set_blocking(fd, False)
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while (remaining := deadline - time.monotonic()) > 0:
            if not sel.select(remaining):
                continue
            try:
                data = os.read(fd, _READ)
            except BlockingIOError:
                continue
            if not data:
                break
            chunks.append(data)
    os.close(fd)
    return b"".join(chunks).decode(errors="replace")


def _exec_reached(status: str) -> bool:
    """Whether bwrap's set-up finished and the command was executed.

    bwrap writes ``{"exit-code": N}`` on its status fd only when its set-up pipe says
    the command was exec'd (``child-pid`` comes earlier, before the mounts are made).
    """
    decoder = json.JSONDecoder()
    text = status.strip()
    while text:
        try:
            doc, end = decoder.raw_decode(text)
        except ValueError:
            return False
        if isinstance(doc, dict) and "exit-code" in doc:
            return True
        text = text[end:].strip()
    return False


def run_many(
    system: Path,
    commands: Sequence[Sequence[str]],
    *,
    mounts: Sequence[Mount] = (),
    network: bool = False,
    limits: Limits = Limits(),  # noqa: B008 - frozen, shared safely
    env: Mapping[str, str] | None = None,
    cwd: str = "/",
) -> list[Outcome]:
    """Run each command in its own sandbox, one after the other (see :func:`run`)."""
    return [
        run(system, argv, mounts=mounts, network=network, limits=limits, env=env, cwd=cwd)
        for argv in commands
    ]
