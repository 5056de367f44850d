"""Escape attempts: each test FAILS if the sandbox leaks (issue 15).

Real bubblewrap, the real Alpine 3.23 root filesystem, a real TCP server on the host's
loopback, a real setuid-root binary, real fork bombs and endless output. A small static
probe (``gcc -static``) does what a shell cannot: connect(), geteuid(), setuid(0),
unshare(CLONE_NEWUSER).
"""

from __future__ import annotations

import ctypes
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alpine_ready.sandbox import Limits, Mount, SandboxError, run

PROBE_C = r"""
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "connect") == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {0};
        a.sin_family = AF_INET;
        a.sin_port = htons(atoi(argv[3]));
        inet_pton(AF_INET, argv[2], &a.sin_addr);
        if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
            printf("connect failed: %s\n", strerror(errno));
            return 1;
        }
        char buf[256] = {0};
        ssize_t n = read(s, buf, sizeof buf - 1);
        printf("connected: %s\n", n > 0 ? buf : "");
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "ids") == 0) {
        printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
        if (setuid(0) == 0) printf("setuid(0) succeeded\n");
        else printf("setuid(0) failed: %s\n", strerror(errno));
        printf("after: uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "key") == 0) {
        /* KEYCTL_SEARCH (10) the session, user and user-session keyrings, then
           KEYCTL_READ (11) what is found */
        long rings[] = {-3, -4, -5};
        for (int i = 0; i < 3; i++) {
            long id = syscall(SYS_keyctl, 10, rings[i], "user", argv[2], 0);
            if (id < 0) { printf("ring %ld: %s\n", rings[i], strerror(errno)); continue; }
            char buf[256] = {0};
            long n = syscall(SYS_keyctl, 11, id, buf, sizeof buf - 1);
            printf("found in ring %ld: %s\n", rings[i], n > 0 ? buf : strerror(errno));
        }
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "userns") == 0) {
        if (unshare(CLONE_NEWUSER) == 0) { printf("new user namespace\n"); return 0; }
        printf("unshare failed: %s\n", strerror(errno));
        return 1;
    }
    return 2;
}
"""

LIMIT = Limits(timeout=30)


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the static probe (mounted read-only at /probe)."""
    d = tmp_path_factory.mktemp("probe")
    (d / "probe.c").write_text(PROBE_C)
    subprocess.run(
        ["gcc", "-static", "-O1", "-o", str(d / "probe"), str(d / "probe.c")],
        check=True,
        capture_output=True,
    )
    (d / "probe.c").unlink()
    return d


@pytest.fixture
def canary(tmp_path: Path) -> tuple[Path, str]:
    """A file on the host, outside anything mounted, holding a random token."""
    token = "CANARY-" + secrets.token_hex(16)
    path = tmp_path / "host-secret" / "canary.txt"
    path.parent.mkdir()
    path.write_text(token + "\n")
    return path, token


def _pids_with(text: str) -> list[int]:
    """Host processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in cmdline:
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _no_survivor(text: str, wait: float = 3.0) -> list[int]:
    deadline = time.monotonic() + wait
    while (left := _pids_with(text)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


# --- writing to the host -------------------------------------------------------------


def test_a_host_path_that_is_not_mounted_cannot_be_written(
    alpine_rootfs: Path, tmp_path: Path
) -> None:
    host_dir = tmp_path / "host-dir"
    host_dir.mkdir()
    out = run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            f"ls -d {host_dir} || echo absent; echo pwned > {host_dir}/x; mkdir -p {host_dir}/y; "
            f"echo pwned > /etc/pwned; echo pwned > /pwned; echo pwned > /usr/pwned",
        ],
        limits=LIMIT,
    )
    assert out.stderr.count(b"Read-only file system") >= 3 or b"No such file" in out.stderr
    assert list(host_dir.iterdir()) == []  # nothing was written on the host
    for leak in ("etc/pwned", "pwned", "usr/pwned"):
        assert not (alpine_rootfs / leak).exists()
    assert out.stdout.startswith(b"absent\n")  # the host dir is not even seen
    # (mkdir -p made it in the sandbox's own throw-away /tmp, never on the host)


def test_a_read_only_mount_cannot_be_written(alpine_rootfs: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "app.txt").write_text("original\n")
    out = run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            "echo pwned > /app/app.txt; echo pwned > /app/new; rm -f /app/app.txt; "
            "chmod 777 /app; mount -o remount,rw /app; echo pwned > /app/new2",
        ],
        mounts=[Mount(target, "/app")],
        limits=LIMIT,
    )
    assert out.stderr.count(b"Read-only file system") >= 4, out.stderr
    assert sorted(p.name for p in target.iterdir()) == ["app.txt"]
    assert (target / "app.txt").read_text() == "original\n"


def test_the_hosts_daemon_directories_are_never_mounted(
    alpine_rootfs: Path, tmp_path: Path
) -> None:
    """A socket in a read-only mount can still be connected to: the directories that hold
    the host's daemons' sockets (/run, /tmp, / itself…) are refused as mounts."""
    (tmp_path / "link-to-run").symlink_to("/run")
    for source in (
        Path("/"),
        Path("/run"),
        Path("/tmp"),
        Path("/var/run"),
        tmp_path / "link-to-run",
    ):
        with pytest.raises(SandboxError, match="not mounted into the sandbox"):
            run(alpine_rootfs, ["true"], mounts=[Mount(source, "/host")], limits=LIMIT)


# --- reading the host ------------------------------------------------------------------


def test_a_canary_on_the_host_cannot_be_read(
    alpine_rootfs: Path, canary: tuple[Path, str], tmp_path: Path
) -> None:
    path, token = canary
    app = tmp_path / "app"
    app.mkdir()
    (app / "ok.txt").write_text("visible\n")
    script = (
        f"cat {path}; cat /proc/1/root{path}; ls {path.parent}; "
        "find / -path /proc -prune -o -type f -print 2>/dev/null | xargs grep -l CANARY- "
        "2>/dev/null; cat /proc/*/cmdline 2>/dev/null | tr '\\0' ' '; cat /app/ok.txt"
    )
    # a host process carrying the token on its command line: not visible from inside
    host = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", token])
    try:
        out = run(alpine_rootfs, ["sh", "-c", script], mounts=[Mount(app, "/app")], limits=LIMIT)
    finally:
        host.kill()
        host.wait()
    assert token.encode() not in out.stdout
    assert token.encode() not in out.stderr
    assert out.stdout.endswith(b"visible\n")  # the run itself worked


def test_a_symlink_in_the_target_resolves_inside_the_sandbox(
    alpine_rootfs: Path, canary: tuple[Path, str], tmp_path: Path
) -> None:
    path, token = canary
    target = tmp_path / "target"
    target.mkdir()
    (target / "to-canary").symlink_to(path)
    (target / "up-to-canary").symlink_to(os.path.relpath(path, target))
    (target / "to-shadow").symlink_to("/etc/shadow")
    (target / "to-hostname").symlink_to("/etc/hostname")
    (target / "to-proc-root").symlink_to(f"/proc/1/root{path}")
    out = run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            'for f in /app/*; do echo "== $f"; cat "$f"; done; '
            "mkdir -p /tmp/w; cp -r /app /tmp/w/ 2>&1; cat /tmp/w/app/* 2>&1",
        ],
        mounts=[Mount(target, "/app")],
        limits=LIMIT,
    )
    text = out.stdout + out.stderr
    assert token.encode() not in text
    assert b"No such file or directory" in text  # the canary's path does not exist inside
    host_shadow = Path("/etc/shadow").read_bytes()
    root_hash = next((line for line in host_shadow.splitlines() if line.startswith(b"root:")), b"")
    if root_hash:
        assert root_hash not in text
    # /etc/hostname through the link is the system's (Alpine's), not the host's
    via_link = run(alpine_rootfs, ["cat", "/app/to-hostname"], mounts=[Mount(target, "/app")])
    assert via_link.stdout == (alpine_rootfs / "etc" / "hostname").read_bytes()


# --- the network -----------------------------------------------------------------------


@pytest.fixture
def loopback_server() -> Iterator[tuple[int, str]]:
    """A real TCP server on the host's 127.0.0.1 that greets with a token."""
    token = "HELLO-" + secrets.token_hex(8)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    hits: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            hits.append(1)
            with conn:
                conn.sendall(token.encode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], token
    finally:
        stop.set()
        thread.join(2)
        server.close()


def test_the_hosts_loopback_is_unreachable_without_network(
    alpine_rootfs: Path, probe: Path, loopback_server: tuple[int, str]
) -> None:
    port, token = loopback_server
    out = run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            f"/probe/probe connect 127.0.0.1 {port}; echo | nc -w 2 127.0.0.1 {port}; "
            "wget -q -T 2 -O - http://example.com/ ; ip -o link 2>/dev/null || ls /sys/class/net",
        ],
        mounts=[Mount(probe, "/probe")],
        limits=LIMIT,
    )
    text = out.stdout + out.stderr
    assert b"connect failed: Connection refused" in out.stdout
    assert token.encode() not in text
    assert b"connected:" not in out.stdout


def test_with_network_the_loopback_server_answers(
    alpine_rootfs: Path, probe: Path, loopback_server: tuple[int, str]
) -> None:
    """network=True shares the host's network namespace: the control for the test above."""
    port, token = loopback_server
    out = run(
        alpine_rootfs,
        ["/probe/probe", "connect", "127.0.0.1", str(port)],
        mounts=[Mount(probe, "/probe")],
        network=True,
        limits=LIMIT,
    )
    assert out.stdout == f"connected: {token}\n".encode()


# --- privilege -------------------------------------------------------------------------


def test_a_setuid_root_binary_gains_nothing(
    alpine_rootfs: Path, probe: Path, tmp_path: Path
) -> None:
    suid_dir = tmp_path / "suid"
    suid_dir.mkdir()
    binary = suid_dir / "probe"
    shutil.copy2(probe / "probe", binary)
    os.chown(binary, 0, 0)
    binary.chmod(0o4755)
    assert binary.stat().st_mode & 0o4000
    # the same binary inside the system itself (a private copy of the rootfs)
    system = tmp_path / "rootfs"
    subprocess.run(["cp", "-al", str(alpine_rootfs), str(system)], check=True)
    inside = system / "usr" / "local" / "bin" / "probe"
    shutil.copy2(binary, inside)
    os.chown(inside, 0, 0)
    inside.chmod(0o4755)
    for argv in (["/suid/probe", "ids"], ["/usr/local/bin/probe", "ids"]):
        out = run(system, argv, mounts=[Mount(suid_dir, "/suid")], limits=LIMIT)
        assert out.exit_code == 0, out.stderr
        lines = out.stdout.splitlines()
        assert lines[0] == b"uid=1000 euid=1000"
        # EINVAL: uid 0 is not even mapped in the sandbox's user namespace
        assert lines[1].startswith(b"setuid(0) failed: ")
        assert lines[2] == b"after: uid=1000 euid=1000"
    status = run(system, ["cat", "/proc/self/status"], limits=LIMIT).stdout.decode()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    assert fields["NoNewPrivs"].strip() == "1"
    for cap in ("CapEff", "CapPrm", "CapAmb"):
        assert int(fields[cap], 16) == 0


KEYCTL_NR = {"x86_64": 250, "aarch64": 219}


def _keyctl(*args: int | bytes | None) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.syscall(KEYCTL_NR[platform.machine()], *args))


def _add_key(description: bytes, payload: bytes, ring: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    nr = {"x86_64": 248, "aarch64": 217}[platform.machine()]
    serial = int(libc.syscall(nr, b"user", description, payload, len(payload), ring))
    assert serial > 0, os.strerror(ctypes.get_errno())
    return serial


@pytest.mark.skipif(platform.machine() not in KEYCTL_NR, reason="keyctl numbers known here")
def test_root_only_proc_files_are_not_readable(alpine_rootfs: Path) -> None:
    """As root the sandbox's uid is the host's uid 0: /proc's root-only files (page
    flags, slab and vmalloc maps, timers of every process) must still be unreadable."""
    private = sorted(
        p.name
        for p in Path("/proc").iterdir()
        if not p.name.isdigit()
        and p.name != "sysrq-trigger"
        and p.is_file()
        and not p.stat().st_mode & 0o044
    )
    assert private  # kpageflags, slabinfo, … exist on any Linux
    private += [n for n in ("keys", "timer_list", "sched_debug") if Path("/proc", n).exists()]
    script = "; ".join(f"head -c 64 /proc/{n} >/dev/null 2>&1 && echo READ {n}" for n in private)
    out = run(alpine_rootfs, ["sh", "-c", script + "; echo done"], limits=LIMIT)
    assert out.stdout == b"done\n", out.stdout


def test_the_callers_keyrings_are_not_readable(alpine_rootfs: Path, probe: Path) -> None:
    """The sandbox gets a new session keyring: the keys of the user running alpine-ready
    (root's, as root) are not possessed inside, neither listed in /proc/keys."""
    token = "KEY-" + secrets.token_hex(12)
    desc = f"alpine-ready-test-{secrets.token_hex(4)}".encode()
    _keyctl(1, None)  # this test process: its own new session keyring first
    in_session = _add_key(desc, token.encode(), -3)
    in_user = _add_key(desc + b"-u", token.encode(), -4)
    try:
        host = subprocess.run(
            [str(probe / "probe"), "key", desc.decode()], capture_output=True, check=True
        )
        assert token.encode() in host.stdout  # the control: the probe finds it here
        out = run(
            alpine_rootfs,
            [
                "sh",
                "-c",
                f"/probe/probe key {desc.decode()}; /probe/probe key {desc.decode()}-u; "
                "cat /proc/keys",
            ],
            mounts=[Mount(probe, "/probe")],
            limits=LIMIT,
        )
    finally:
        for serial in (in_session, in_user):
            _keyctl(3, serial)  # KEYCTL_REVOKE
    assert token.encode() not in out.stdout + out.stderr
    assert desc not in out.stdout
    assert b"found in ring" not in out.stdout


def test_no_nested_user_namespace(alpine_rootfs: Path, probe: Path) -> None:
    out = run(
        alpine_rootfs,
        ["sh", "-c", "/probe/probe userns; unshare -U -r id"],
        mounts=[Mount(probe, "/probe")],
        limits=LIMIT,
    )
    assert b"unshare failed" in out.stdout
    assert b"new user namespace" not in out.stdout
    assert b"uid=0" not in out.stdout


def test_kernel_interfaces_are_out_of_reach(alpine_rootfs: Path) -> None:
    """As root the sandbox's uid is the host's uid 0, which the kernel lets write most of
    /proc/sys by owner bits alone: /proc must be read-only. Each knob is written with
    the value it already has, so a leak is reported without changing the host."""
    knobs = ["/proc/sys/kernel/domainname", "/proc/sys/kernel/panic", "/proc/sys/vm/max_map_count"]
    before = [Path(k).read_text() for k in knobs]
    script = (
        "n=0; for f in $(find /proc/sys -type f -perm -u+rw 2>/dev/null); do "
        '  v=$(cat "$f" 2>/dev/null) || continue; [ -n "$v" ] || continue; n=$((n+1)); '
        '  printf "%s\\n" "$v" 2>/dev/null > "$f" && echo "LEAK $f"; '
        "done 2>/dev/null; echo tried $n; "
        "echo h > /proc/sysrq-trigger && echo LEAK sysrq; "
        "ls -A /sys | wc -l; ls /dev; cat /dev/mem /dev/kmsg 2>&1 | head -c 200"
    )
    out = run(alpine_rootfs, ["sh", "-c", script], limits=Limits(timeout=60))
    assert [Path(k).read_text() for k in knobs] == before
    assert b"LEAK" not in out.stdout, out.stdout
    lines = out.stdout.decode().split()
    tried = int(lines[lines.index("tried") + 1])
    assert tried > 50  # the loop really wrote to the kernel's knobs
    rest = lines[lines.index("tried") + 2 :]
    assert rest[0] == "0"  # no /sys of the host
    devices = set(rest[1:])
    assert not devices & {"mem", "kmem", "kmsg", "sda", "vda", "nvme0n1", "port", "fuse"}
    assert {"null", "zero", "urandom"} <= devices


# --- exhaustion ------------------------------------------------------------------------


def _host_processes() -> int:
    return sum(1 for e in Path("/proc").iterdir() if e.name.isdigit())


def test_a_fork_bomb_is_bounded(alpine_rootfs: Path) -> None:
    marker = f"{secrets.randbelow(10**6) + 10**6}"
    before = _host_processes()
    t0 = time.monotonic()
    out = run(
        alpine_rootfs,
        ["sh", "-c", f"b(){{ b|b& }}; b; sleep {marker}"],
        limits=Limits(timeout=5, processes=64),
    )
    took = time.monotonic() - t0
    assert took < 5 + 5
    assert not out.ok and (out.timed_out or out.exit_code != 0)
    assert out.unenforced == ()
    assert b"can't fork" in out.stderr  # the bound was hit, not the host's
    assert _no_survivor(f"sleep\0{marker}") == []
    deadline = time.monotonic() + 5
    while _host_processes() > before + 10 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _host_processes() <= before + 10


def test_the_process_limit_is_exact(alpine_rootfs: Path) -> None:
    out = run(
        alpine_rootfs,
        ["sh", "-c", "i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); echo $i; done"],
        limits=Limits(timeout=10, processes=20),
    )
    started = int(out.stdout.split()[-1])
    assert 10 <= started < 20  # sh plus its children stay within 20
    assert b"can't fork" in out.stderr


def test_an_endless_loop_is_killed_at_the_limit_with_every_process(alpine_rootfs: Path) -> None:
    marker = f"{secrets.randbelow(10**6) + 10**6}"
    script = textwrap.dedent(
        f"""\
        sleep {marker} &
        setsid sleep {int(marker) + 1} &
        nohup sleep {int(marker) + 2} >/dev/null 2>&1 &
        ( ( sleep {int(marker) + 3} & ) & )
        while :; do :; done
        """
    )
    t0 = time.monotonic()
    out = run(alpine_rootfs, ["sh", "-c", script], limits=Limits(timeout=2))
    assert time.monotonic() - t0 < 2 + 3
    assert out.timed_out and out.exit_code is None
    for k in range(4):
        assert _no_survivor(f"sleep\0{int(marker) + k}") == []


def test_the_sandbox_dies_with_its_parent(alpine_rootfs: Path) -> None:
    """The parent killed (SIGKILL) at once when bwrap appears -- inside bwrap's own
    set-up, before its --die-with-parent takes hold -- or once the command runs."""
    src = Path(__file__).resolve().parents[1] / "src"
    for attempt in range(6):
        marker = f"{secrets.randbelow(10**6) + 10**6}"
        code = (
            "import sys; from pathlib import Path; from alpine_ready.sandbox import run, Limits; "
            f"run(Path(sys.argv[1]), ['sleep', '{marker}'], limits=Limits(timeout=600))"
        )
        parent = subprocess.Popen(
            [sys.executable, "-c", code, str(alpine_rootfs)],
            env={**os.environ, "PYTHONPATH": str(src)},
        )
        try:
            deadline = time.monotonic() + 20
            # even attempts: the first sign of bwrap; odd: the sandboxed sleep itself
            while time.monotonic() < deadline:
                found = _pids_with(f"sleep\0{marker}")
                if attempt % 2:
                    found = [p for p in found if _cmdline(p) == f"sleep\0{marker}\0".encode()]
                if found:
                    break
                time.sleep(0.002)
            assert _pids_with(f"sleep\0{marker}"), "the sandbox never started"
        finally:
            parent.send_signal(signal.SIGKILL)
            parent.wait()
        assert _no_survivor(f"sleep\0{marker}") == [], f"attempt {attempt}"


def test_gigabytes_of_output_are_bounded(alpine_rootfs: Path) -> None:
    limit = 1 << 20
    for argv in (
        ["head", "-c", "4000000000", "/dev/zero"],
        ["sh", "-c", "yes pwned >&2"],
        ["sh", "-c", "while :; do echo x; done & yes"],
    ):
        t0 = time.monotonic()
        out = run(alpine_rootfs, argv, limits=Limits(timeout=60, output=limit))
        assert time.monotonic() - t0 < 10
        assert out.output_limited and not out.timed_out and not out.ok
        assert len(out.stdout) <= limit and len(out.stderr) <= limit
        assert max(len(out.stdout), len(out.stderr)) == limit
