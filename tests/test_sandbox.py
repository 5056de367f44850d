"""The sandbox (src/alpine_ready/sandbox/): real bubblewrap, the real Alpine 3.23 root
filesystem, real apk. The escape attempts are in test_sandbox_escape.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from alpine_ready.errors import AlpineReadyError
from alpine_ready.sandbox import (
    Limits,
    Mount,
    SandboxError,
    available,
    prepare_system,
    run,
    run_many,
)
from alpine_ready.sandbox.bwrap import userns_hint
from alpine_ready.sandbox.prepare import installed_packages, system_key

QUICK = Limits(timeout=20)


def test_a_command_runs_as_an_unprivileged_user_in_its_own_namespaces(alpine_rootfs: Path) -> None:
    out = run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            "id -u; hostname; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; "
            "cat /etc/alpine-release; ls /proc | grep -c '^[0-9]'; echo err >&2; exit 3",
        ],
        limits=QUICK,
    )
    lines = out.stdout.decode().split("\n")
    assert lines[0] == "1000"
    assert lines[1] == "alpine-ready"  # its own uts namespace
    assert lines[2].split() == ["CapEff:", "0000000000000000"]
    assert lines[3].split() == ["NoNewPrivs:", "1"]
    assert lines[4].startswith("3.23")  # Alpine's userland, not the host's
    assert int(lines[5]) < 10  # its own pid namespace: a few processes, not the host's
    assert out.stderr == b"err\n"
    assert (out.exit_code, out.signal, out.timed_out, out.output_limited) == (3, None, False, False)
    assert not out.ok
    assert out.peak_memory is not None and out.peak_memory > 0
    assert 0 < out.seconds < 20
    assert out.unenforced == ()


def test_the_environment_is_minimal_and_stdin_is_fed(
    alpine_rootfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALPINE_READY_HOST_SECRET", "do-not-leak-7f3a")
    out = run(
        alpine_rootfs,
        ["sh", "-c", "env | sort; pwd; wc -c"],
        env={"EXTRA": "1"},
        cwd="/etc",
        stdin=b"x" * 300_000,
        limits=QUICK,
    )
    text = out.stdout.decode()
    assert "do-not-leak-7f3a" not in text
    names = {line.split("=", 1)[0] for line in text.splitlines() if "=" in line}
    assert {"PATH", "HOME", "LANG", "EXTRA"} <= names
    assert "/etc\n" in text
    assert text.rstrip().endswith("300000")
    assert out.ok


def test_the_system_is_read_only_and_the_tmpfs_dirs_are_thrown_away(
    alpine_rootfs: Path,
) -> None:
    before = hashlib.sha256((alpine_rootfs / "etc" / "passwd").read_bytes()).hexdigest()
    out = run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            "echo pwned >> /etc/passwd; touch /newfile; "
            "echo kept > /tmp/f && echo kept > /var/tmp/f && echo kept > /run/f && echo tmpok",
        ],
        limits=QUICK,
    )
    err = out.stderr.decode()
    assert err.count("Read-only file system") == 2, err
    assert out.stdout == b"tmpok\n"
    assert hashlib.sha256((alpine_rootfs / "etc" / "passwd").read_bytes()).hexdigest() == before
    assert not (alpine_rootfs / "newfile").exists()
    again = run(alpine_rootfs, ["sh", "-c", "ls -A /tmp /var/tmp /run"], limits=QUICK)
    assert b"f\n" not in again.stdout  # a new run, new empty tmpfs


def test_a_tmpfs_is_bounded_by_tmp_size(alpine_rootfs: Path) -> None:
    limits = Limits(timeout=20, tmp_size=1 << 20)
    # one big file: stopped by RLIMIT_FSIZE (or the tmpfs size)
    one = run(
        alpine_rootfs,
        ["sh", "-c", "head -c 3000000 /dev/zero > /tmp/big; wc -c < /tmp/big"],
        limits=limits,
    )
    assert b"File size limit exceeded" in one.stderr or b"No space left" in one.stderr
    assert int(one.stdout) <= 1 << 20
    # many small files: the tmpfs is full at its size
    many = run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            "for i in 1 2 3 4 5 6 7 8 9; do head -c 300000 /dev/zero > /tmp/f$i; done; du -sk /tmp",
        ],
        limits=limits,
    )
    assert b"error" in many.stderr  # busybox head: "standard output: I/O error" (ENOSPC)
    assert int(many.stdout.split()[0]) <= 1024


def test_the_address_space_limit_stops_a_large_allocation(alpine_rootfs: Path) -> None:
    script = "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}"
    small = run(alpine_rootfs, ["sh", "-c", script], limits=Limits(timeout=30, memory=64 << 20))
    assert small.exit_code != 0 or small.signal is not None
    assert b"200000000" not in small.stdout
    big = run(alpine_rootfs, ["sh", "-c", script], limits=Limits(timeout=60, memory=2 << 30))
    assert big.stdout == b"200000000\n", big.stderr


def test_mounts_are_read_only_unless_writable(alpine_rootfs: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    rw = tmp_path / "rw"
    ro.mkdir()
    rw.mkdir()
    (ro / "in.txt").write_text("input\n")
    out = run(
        alpine_rootfs,
        ["sh", "-c", "cat /app/in.txt; echo no > /app/out; echo yes > /out/result"],
        mounts=[Mount(ro, "/app"), Mount(rw, "/out", writable=True)],
        limits=QUICK,
    )
    assert out.stdout == b"input\n"
    assert b"Read-only file system" in out.stderr
    assert not (ro / "out").exists()
    assert (rw / "result").read_text() == "yes\n"


def test_a_mount_point_inside_a_system_directory_is_made(
    alpine_rootfs: Path, tmp_path: Path
) -> None:
    (tmp_path / "in.txt").write_text("input\n")
    out = run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            "cat /opt/app/in.txt /usr/local/share/x/deep/in.txt; ls /usr/local; "
            "/usr/bin/env true && echo usr-ok; touch /opt/new /usr/local/new",
        ],
        mounts=[Mount(tmp_path, "/opt/app"), Mount(tmp_path, "/usr/local/share/x/deep")],
        limits=QUICK,
    )
    assert out.stdout.startswith(b"input\ninput\n")
    listed = out.stdout.decode().splitlines()[2:-1]
    assert sorted(listed) == sorted(p.name for p in (alpine_rootfs / "usr/local").iterdir())
    assert out.stdout.endswith(b"usr-ok\n")
    assert out.stderr.count(b"Read-only file system") == 2, out.stderr
    assert not (alpine_rootfs / "opt" / "app").exists()


def test_a_single_file_can_be_mounted_alone(alpine_rootfs: Path, tmp_path: Path) -> None:
    (tmp_path / "tool").write_text("#!/bin/sh\necho tool ran\n")
    (tmp_path / "tool").chmod(0o755)
    (tmp_path / "sibling-secret").write_text("not for the sandbox\n")
    out = run(
        alpine_rootfs,
        ["sh", "-c", "ls -A /app; /app/tool"],
        mounts=[Mount(tmp_path / "tool", "/app/tool")],
        limits=QUICK,
    )
    assert out.stdout == b"tool\ntool ran\n", out.stderr


def test_time_limit_kills_and_says_so(alpine_rootfs: Path) -> None:
    t0 = time.monotonic()
    out = run(alpine_rootfs, ["sleep", "30"], limits=Limits(timeout=1))
    assert time.monotonic() - t0 < 5
    assert out.timed_out and out.exit_code is None and out.signal == 9
    assert not out.ok


def test_a_signal_inside_is_reported_as_a_signal(alpine_rootfs: Path) -> None:
    out = run(alpine_rootfs, ["sh", "-c", "kill -SEGV $$"], limits=QUICK)
    assert (out.exit_code, out.signal, out.timed_out) == (None, 11, False)


def test_a_command_missing_from_the_system_is_an_outcome(alpine_rootfs: Path) -> None:
    out = run(alpine_rootfs, ["no-such-command-here"], limits=QUICK)
    assert out.exit_code == 127 and b"no-such-command-here" in out.stderr


def test_run_many_runs_each_command(alpine_rootfs: Path) -> None:
    outs = run_many(alpine_rootfs, [["true"], ["false"], ["echo", "hi"]], limits=QUICK)
    assert [o.exit_code for o in outs] == [0, 1, 0]
    assert outs[2].stdout == b"hi\n"


# --- errors: one line, and the way out ------------------------------------------------


def test_bwrap_missing_names_the_package(
    alpine_rootfs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without bwrap
    with pytest.raises(SandboxError) as err:
        available()
    assert "bwrap" in str(err.value) and "apt-get install bubblewrap" in str(err.value)
    with pytest.raises(SandboxError):
        run(alpine_rootfs, ["true"])
    assert isinstance(err.value, AlpineReadyError)
    assert "\n" not in str(err.value)


def test_a_bwrap_too_old_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a stand-in bwrap that says it is 0.4.0 (Debian 11's): no --perms, --size
    old = tmp_path / "bwrap"
    old.write_text("#!/bin/sh\necho bubblewrap 0.4.0\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SandboxError, match=r"bwrap 0\.4\.0 .* too old.* 0\.5\.0 or later"):
        available()


def test_available_passes_here() -> None:
    available()
    available()  # cached


def test_a_bwrap_setup_failure_is_a_sandbox_error_with_its_words(
    alpine_rootfs: Path, tmp_path: Path
) -> None:
    # bwrap itself fails (the command never starts): its own line, as a SandboxError
    with pytest.raises(SandboxError) as err:
        run(alpine_rootfs, ["true"], cwd="/no-such-dir-here")
    message = str(err.value)
    assert "bwrap" in message and "/no-such-dir-here" in message and "\n" not in message
    with pytest.raises(SandboxError, match="/etc/passwd/x"):
        run(alpine_rootfs, ["true"], mounts=[Mount(tmp_path, "/etc/passwd/x")])


def test_a_missing_system_or_mount_source_is_named(alpine_rootfs: Path, tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="no-such-root"):
        run(tmp_path / "no-such-root", ["true"])
    with pytest.raises(SandboxError, match="no-such-dir"):
        run(alpine_rootfs, ["true"], mounts=[Mount(tmp_path / "no-such-dir", "/app")])
    with pytest.raises(SandboxError, match="absolute"):
        run(alpine_rootfs, ["true"], mounts=[Mount(tmp_path, "../etc")])


def _proc_sys(root: Path, values: dict[str, str]) -> Path:
    for name, value in values.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(value + "\n")
    return root


# bwrap's own words when a namespace cannot be made (bubblewrap's source, 0.8).
NO_USERNS = (
    "bwrap: No permissions to creating new namespace, likely because the kernel does not "
    "allow non-privileged user namespaces."
)


def test_the_apparmor_restriction_gets_its_way_out(tmp_path: Path) -> None:
    sys_dir = _proc_sys(tmp_path, {"kernel/apparmor_restrict_unprivileged_userns": "1"})
    hint = userns_hint("bwrap: setting up uid map: Permission denied", sys_dir, uid=1000)
    assert "AppArmor" in hint and "apparmor_restrict_unprivileged_userns=0" in hint
    assert "setting up uid map" in hint


def test_disabled_user_namespaces_get_their_way_out(tmp_path: Path) -> None:
    debian = _proc_sys(tmp_path / "a", {"kernel/unprivileged_userns_clone": "0"})
    assert "unprivileged_userns_clone=1" in userns_hint(NO_USERNS, debian, uid=1000)
    quota = _proc_sys(tmp_path / "b", {"user/max_user_namespaces": "0"})
    assert "user.max_user_namespaces" in userns_hint(NO_USERNS, quota, uid=1000)
    neither = _proc_sys(tmp_path / "c", {"user/max_user_namespaces": "100"})
    assert "user namespace" in userns_hint(NO_USERNS, neither, uid=1000)
    other = userns_hint("bwrap: Can't find source path /x: No such file", neither, uid=1000)
    assert other.startswith("the sandbox could not start: bwrap: Can't find source path /x")


# --- prepare_system: the release's own apk, a local repository ----------------------

LIB_C = "int demo_answer(void) { return 42; }\n"
MAIN_C = (
    "#include <stdio.h>\nint demo_answer(void);\n"
    'int main(void) { printf("answer %d\\n", demo_answer()); return 0; }\n'
)


@pytest.fixture(scope="module")
def local_repo(alpine_rootfs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real apk repository: libdemo.so.1 built with musl-gcc, packaged by the rootfs's
    own ``apk mkpkg`` and indexed by ``apk mkndx``, both inside the sandbox."""
    work = tmp_path_factory.mktemp("apkrepo")
    files = work / "files" / "usr" / "lib"
    files.mkdir(parents=True)
    (work / "repo").mkdir()
    (work / "demo.c").write_text(LIB_C)
    subprocess.run(
        [
            "musl-gcc",
            "-shared",
            "-fPIC",
            "-Wl,-soname,libdemo.so.1",
            "-o",
            str(files / "libdemo.so.1"),
            str(work / "demo.c"),
        ],
        check=True,
    )
    (files / "libdemo.so").symlink_to("libdemo.so.1")
    out = run(
        alpine_rootfs,
        [
            "sh",
            "-c",
            "apk mkpkg --info name:demo --info version:1.0-r0 --info arch:x86_64 "
            "--info description:demo --files /work/files --output /work/repo/demo-1.0-r0.apk"
            " && apk mkndx --allow-untrusted --output /work/repo/Packages.adb /work/repo/*.apk",
        ],
        mounts=[Mount(work, "/work", writable=True)],
        root=True,
        limits=Limits(timeout=60),
    )
    assert out.ok, out.stderr
    return work / "repo"


def test_prepare_installs_from_a_local_repository_and_reuses_it(
    alpine_rootfs: Path, local_repo: Path, tmp_path: Path
) -> None:
    db_before = (alpine_rootfs / "lib/apk/db/installed").read_bytes()
    said: list[str] = []
    first = prepare_system(
        alpine_rootfs,
        "sha256:test-base",
        ["demo"],
        repositories=[str(local_repo)],
        cache_dir=tmp_path / "cache",
        allow_untrusted=True,
        progress=said.append,
    )
    assert not first.reused
    assert first.installed == ("demo",)
    assert first.root == tmp_path / "cache" / "systems" / first.key
    assert first.key == system_key("sha256:test-base", ["demo"], [str(local_repo)])
    assert (first.root / "usr/lib/libdemo.so.1").is_file()
    assert installed_packages(first.root)["demo"] == "1.0-r0"
    assert list((first.root / "dev").iterdir()) == []  # made by the sandbox, not copied
    # no setuid/setgid file in the cache (the base has sudo setuid-root)
    set_id = [p for p in first.root.rglob("*") if not p.is_symlink() and p.stat().st_mode & 0o6000]
    assert set_id == []
    assert any("apk add demo" in s for s in said)
    # the base is untouched, and no half-made system is left behind
    assert (alpine_rootfs / "lib/apk/db/installed").read_bytes() == db_before
    assert not (alpine_rootfs / "usr/lib/libdemo.so.1").exists()
    assert [p.name for p in (tmp_path / "cache" / "systems").iterdir()] == [first.key]

    # the installed library really loads in the prepared system (musl's loader)
    app = tmp_path / "app"
    app.mkdir()
    (tmp_path / "main.c").write_text(MAIN_C)
    subprocess.run(
        [
            "musl-gcc",
            "-o",
            str(app / "main"),
            str(tmp_path / "main.c"),
            "-L",
            str(local_repo.parent / "files/usr/lib"),
            "-ldemo",
        ],
        check=True,
    )
    out = run(first.root, ["/app/main"], mounts=[Mount(app, "/app")], limits=QUICK)
    assert out.stdout == b"answer 42\n", out.stderr
    missing = run(alpine_rootfs, ["/app/main"], mounts=[Mount(app, "/app")], limits=QUICK)
    assert b"libdemo.so.1" in missing.stderr and missing.exit_code != 0

    t0 = time.monotonic()
    second = prepare_system(
        alpine_rootfs,
        "sha256:test-base",
        ["demo"],
        repositories=[str(local_repo)],
        cache_dir=tmp_path / "cache",
        allow_untrusted=True,
    )
    assert second.reused and second.root == first.root and second.installed == ("demo",)
    assert time.monotonic() - t0 < first.seconds


def test_prepare_with_no_packages_is_the_base(alpine_rootfs: Path, tmp_path: Path) -> None:
    got = prepare_system(alpine_rootfs, "sha256:b", [], cache_dir=tmp_path)
    assert got.root == alpine_rootfs and got.installed == () and got.reused
    assert not (tmp_path / "systems").exists()


def test_an_unknown_package_is_a_sandbox_error_with_apks_words(
    alpine_rootfs: Path, local_repo: Path, tmp_path: Path
) -> None:
    with pytest.raises(SandboxError) as err:
        prepare_system(
            alpine_rootfs,
            "sha256:b",
            ["no-such-package-xyz"],
            repositories=[str(local_repo)],
            cache_dir=tmp_path,
            allow_untrusted=True,
        )
    message = str(err.value)
    assert "no-such-package-xyz" in message and "no such package" in message
    assert "\n" not in message
    assert list((tmp_path / "systems").iterdir()) == []  # the copy is removed


def test_an_unsigned_repository_needs_allow_untrusted(
    alpine_rootfs: Path, local_repo: Path, tmp_path: Path
) -> None:
    with pytest.raises(SandboxError) as err:
        prepare_system(
            alpine_rootfs, "sha256:b", ["demo"], repositories=[str(local_repo)], cache_dir=tmp_path
        )
    assert "UNTRUSTED" in str(err.value) and "untrusted" in str(err.value).split("(")[-1]


def test_a_repository_url_needs_the_network(alpine_rootfs: Path, tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="network"):
        prepare_system(
            alpine_rootfs,
            "sha256:b",
            ["demo"],
            repositories=["https://dl-cdn.alpinelinux.org/alpine/v3.23/main"],
            cache_dir=tmp_path,
        )


def test_the_key_follows_the_repository_content(local_repo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(local_repo, copy)
    k1 = system_key("d", ["b", "a"], [str(copy)])
    assert k1 == system_key("d", ["a", "b", "a"], [str(copy)])
    (copy / "Packages.adb").write_bytes(b"changed")
    assert system_key("d", ["a", "b"], [str(copy)]) != k1
    assert system_key("d2", ["a", "b"], [str(copy)]) != system_key("d", ["a", "b"], [str(copy)])


def _our_cgroups(pid: int) -> list[Path]:
    parents = [Path("/sys/fs/cgroup"), *Path("/sys/fs/cgroup").glob("*")]
    own = Path("/proc/self/cgroup").read_text().splitlines()
    parents += [
        Path("/sys/fs/cgroup", c, p.lstrip("/"))
        for _, cs, p in (line.split(":", 2) for line in own)
        for c in cs.split(",")
        if c
    ]
    return [d for parent in parents for d in parent.glob(f"alpine-ready-sandbox-{pid}-*")]


def test_no_cgroup_is_left_behind(alpine_rootfs: Path) -> None:
    run(alpine_rootfs, ["true"], limits=QUICK)
    assert _our_cgroups(os.getpid()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="cgroups are made as root only")
def test_the_cgroups_of_a_killed_run_are_swept(alpine_rootfs: Path) -> None:
    src = Path(__file__).resolve().parents[1] / "src"
    code = (
        "import sys; from pathlib import Path; from alpine_ready.sandbox import run, Limits; "
        "run(Path(sys.argv[1]), ['sleep', '600'], limits=Limits(timeout=600))"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code, str(alpine_rootfs)],
        env={**os.environ, "PYTHONPATH": str(src)},
    )
    deadline = time.monotonic() + 20
    while not _our_cgroups(parent.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    parent.kill()  # SIGKILL: no clean-up; the sandbox dies with it (--die-with-parent)
    parent.wait()
    assert _our_cgroups(parent.pid), "the killed run's cgroups were expected to remain"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; "
                "from alpine_ready.sandbox import run; run(Path(sys.argv[1]), ['true'])",
                str(alpine_rootfs),
            ],
            env={**os.environ, "PYTHONPATH": str(src)},
            check=True,
        )
        if not _our_cgroups(parent.pid):
            break
        time.sleep(0.2)  # the sandbox's processes may take a moment to leave
    assert _our_cgroups(parent.pid) == []


# --- as a normal user: RLIMIT_NPROC, no cgroups -----------------------------------------

AS_USER = """
import json, sys, time
from pathlib import Path
from alpine_ready.sandbox import Limits, run
root = Path(sys.argv[1])
who = run(root, ["sh", "-c", "id -u"], limits=Limits(timeout=20))
spawn = "i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); echo $i; done"
few = run(root, ["sh", "-c", spawn], limits=Limits(timeout=20, processes=20))
t0 = time.monotonic()
bomb = run(root, ["sh", "-c", "b(){ b|b& }; b; sleep 100"], limits=Limits(timeout=4, processes=64))
print(json.dumps({
    "who": who.stdout.decode(), "few": int(few.stdout.split()[-1]),
    "few_err": few.stderr.decode(), "unenforced": list(few.unenforced),
    "bomb_timed_out": bomb.timed_out, "bomb_err": bomb.stderr[:200].decode(),
    "bomb_seconds": time.monotonic() - t0,
}))
"""


def _user_python() -> str | None:
    """A Python 3.11+ that an unprivileged user can run (not one under /root)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if Path(candidate).exists():
            done = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info >= (3, 11))"],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.stdout.strip() == "True":
                return candidate
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="switches to an unprivileged uid: needs root")
def test_as_a_normal_user_rlimit_nproc_bounds_the_sandbox(alpine_rootfs: Path) -> None:
    python = _user_python()
    setpriv = shutil.which("setpriv")
    if python is None or setpriv is None:
        pytest.skip("needs setpriv and a Python 3.11 outside /root")
    top = Path(tempfile.mkdtemp(prefix="alpine-ready-user-"))
    try:
        top.chmod(0o755)
        subprocess.run(["cp", "-al", str(alpine_rootfs), str(top / "rootfs")], check=True)
        src = Path(__file__).resolve().parents[1] / "src"
        done = subprocess.run(
            [
                setpriv,
                "--reuid",
                "65534",
                "--regid",
                "65534",
                "--clear-groups",
                python,
                "-c",
                AS_USER,
                str(top / "rootfs"),
            ],
            capture_output=True,
            text=True,
            env={"PATH": os.environ["PATH"], "PYTHONPATH": str(src), "HOME": str(top)},
            timeout=120,
            check=False,
            cwd=top,
        )
    finally:
        shutil.rmtree(top, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["who"] == "1000\n"
    assert got["unenforced"] == []  # RLIMIT_NPROC binds a normal user
    assert 10 <= got["few"] < 20 and "can't fork" in got["few_err"]
    assert got["bomb_timed_out"] and "can't fork" in got["bomb_err"]
    assert got["bomb_seconds"] < 4 + 5
