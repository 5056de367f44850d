"""The hostile-input guards: one writer, one bounded reader, one text escaper."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from alpine_ready.errors import InputError
from alpine_ready.guard import (
    ProjectBoundary,
    cache_write,
    excerpt,
    printable,
    read_bounded,
    remove_stale_temps,
    rewrite_file,
    write_output,
)
from alpine_ready.guard.write import TEMP_SUFFIX

ROOT = os.geteuid() == 0


def temps(d: Path) -> list[str]:
    return [p.name for p in d.iterdir() if p.name.endswith(TEMP_SUFFIX)]


# ----------------------------------------------------------------------------- write_output


def test_output_new_file_gets_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_output(tmp_path / "out.txt", "hello\n")
    finally:
        os.umask(old)
    p = tmp_path / "out.txt"
    assert p.read_text() == "hello\n"
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    assert temps(tmp_path) == []


def test_output_replaces_a_file_keeping_its_mode(tmp_path: Path) -> None:
    p = tmp_path / "out.txt"
    p.write_text("old")
    p.chmod(0o644)
    write_output(p, "new")
    assert p.read_text() == "new"
    assert stat.S_IMODE(p.stat().st_mode) == 0o644


def test_output_through_a_symlink_writes_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_output(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_output_keeps_hard_links(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("old")
    os.link(a, b)
    write_output(a, "new")
    assert b.read_text() == "new"
    assert a.stat().st_ino == b.stat().st_ino


def test_output_to_a_character_device_writes_it_never_replaces_it() -> None:
    before = Path("/dev/null").stat()
    write_output("/dev/null", "x" * 10_000)
    after = Path("/dev/null").stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_output_to_dev_full_is_one_clean_error() -> None:
    with pytest.raises(InputError, match=r"^/dev/full: cannot write \(No space left"):
        write_output("/dev/full", "x")


def test_output_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory; not written"):
        write_output(tmp_path, "x")
    assert temps(tmp_path) == []


def test_output_refuses_a_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "l").symlink_to(tmp_path / "missing")
    with pytest.raises(InputError, match="symlink to a missing file"):
        write_output(tmp_path / "l", "x")
    assert not (tmp_path / "missing").exists()


def test_output_failure_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    p = tmp_path / "out.txt"
    p.write_text("old")

    # a value os.write cannot take: the write fails after the temp file exists
    with pytest.raises(TypeError):
        write_output(p, 12345)  # type: ignore[arg-type]
    assert p.read_text() == "old"
    assert temps(tmp_path) == []


# ----------------------------------------------------------------------------- rewrite_file


def test_rewrite_replaces_keeping_mode(tmp_path: Path) -> None:
    p = tmp_path / "Dockerfile"
    p.write_bytes(b"old")
    p.chmod(0o640)
    rewrite_file(p, b"new", b"old")
    assert p.read_bytes() == b"new"
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    assert temps(tmp_path) == []


def test_rewrite_refuses_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_bytes(b"old")
    link = tmp_path / "Dockerfile"
    link.symlink_to(outside)
    with pytest.raises(InputError, match="is a symlink"):
        rewrite_file(link, b"new", b"old")
    assert outside.read_bytes() == b"old"
    assert link.is_symlink()


def test_rewrite_refuses_hard_links(tmp_path: Path) -> None:
    p = tmp_path / "Dockerfile"
    p.write_bytes(b"old")
    os.link(p, tmp_path / "other")
    with pytest.raises(InputError, match="2 hard links"):
        rewrite_file(p, b"new", b"old")
    assert p.read_bytes() == b"old"


def test_rewrite_refuses_a_read_only_file(tmp_path: Path) -> None:
    p = tmp_path / "Dockerfile"
    p.write_bytes(b"old")
    p.chmod(0o444)
    with pytest.raises(InputError, match="read-only"):
        rewrite_file(p, b"new", b"old")
    assert p.read_bytes() == b"old"


def test_rewrite_refuses_a_changed_file(tmp_path: Path) -> None:
    p = tmp_path / "Dockerfile"
    p.write_bytes(b"changed meanwhile")
    with pytest.raises(InputError, match="changed on disk"):
        rewrite_file(p, b"new", b"old")
    assert p.read_bytes() == b"changed meanwhile"


@pytest.mark.skipif(not ROOT, reason="needs root to make a file another user's")
def test_rewrite_keeps_owner_and_group(tmp_path: Path) -> None:
    p = tmp_path / "Dockerfile"
    p.write_bytes(b"old")
    os.chown(p, 1234, 4321)
    rewrite_file(p, b"new", b"old")
    st = p.stat()
    assert (st.st_uid, st.st_gid) == (1234, 4321)


# ----------------------------------------------------------------------------- cache_write


def test_cache_write_replaces_a_planted_symlink_never_writes_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "entry.json").symlink_to(victim)
    (cache / "entry.json.tmp").symlink_to(victim)  # the old fixed temp name
    cache_write(cache, "entry.json", "{}")
    assert victim.read_text() == "precious"
    assert not (cache / "entry.json").is_symlink()
    assert (cache / "entry.json").read_text() == "{}"


def test_cache_write_refuses_paths_as_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        cache_write(tmp_path, "../x", b"")


def test_stale_temps_are_swept(tmp_path: Path) -> None:
    old = tmp_path / f".x.abc{TEMP_SUFFIX}"
    old.write_text("")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    fresh = tmp_path / f".y.abc{TEMP_SUFFIX}"
    fresh.write_text("")
    assert remove_stale_temps(tmp_path) == 1
    assert not old.exists() and fresh.exists()


def test_sigterm_during_a_write_leaves_no_temp(tmp_path: Path) -> None:
    """SIGTERM while a big output is written: the temp file is gone, the target intact."""
    script = textwrap.dedent(f"""
        import os, sys
        from alpine_ready.guard import write_output, terminate_as_interrupt
        from alpine_ready.guard import write as w
        terminate_as_interrupt()
        real = w._write_all
        def slow(fd, data):
            os.write(fd, data[:10])
            print("writing", flush=True)
            import time; time.sleep(30)
        w._write_all = slow
        try:
            write_output({str(tmp_path / "out")!r}, b"x" * 100)
        except KeyboardInterrupt as exc:
            sys.exit(getattr(exc, "exit_code", 130))
    """)
    (tmp_path / "out").write_text("old")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    assert temps(tmp_path)  # the temp file exists while writing
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 128 + signal.SIGTERM
    assert temps(tmp_path) == []
    assert (tmp_path / "out").read_text() == "old"


# ----------------------------------------------------------------------------- read_bounded


def test_read_a_fifo_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO, not a regular file"):
        read_bounded(fifo, limit=100)


def test_read_dev_zero_is_refused_unless_named() -> None:
    with pytest.raises(InputError, match="is a character device"):
        read_bounded("/dev/zero", limit=100)
    with pytest.raises(InputError, match=r"larger than a lockfile may be \(100 bytes\)"):
        read_bounded("/dev/zero", limit=100, what="a lockfile", allow_special=True)


def test_read_proc_files_are_bounded_although_they_say_size_0() -> None:
    assert Path("/proc/self/maps").stat().st_size == 0
    with pytest.raises(InputError, match="larger than"):
        read_bounded("/proc/self/maps", limit=16)


def test_read_too_large_regular_file(tmp_path: Path) -> None:
    p = tmp_path / "big"
    p.write_bytes(b"x" * 2048)
    with pytest.raises(InputError, match=r"2,048 bytes, larger than a lockfile may be \(1 KiB\)"):
        read_bounded(p, limit=1024, what="a lockfile")
    assert read_bounded(p, limit=2048) == b"x" * 2048


def test_read_no_follow(tmp_path: Path) -> None:
    (tmp_path / "t").write_text("x")
    (tmp_path / "l").symlink_to(tmp_path / "t")
    with pytest.raises(InputError, match="is a symlink; not followed"):
        read_bounded(tmp_path / "l", limit=10, follow_symlinks=False)
    assert read_bounded(tmp_path / "l", limit=10) == b"x"


def test_project_boundary(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    (proj / ".git").mkdir(parents=True)
    (proj / "svc").mkdir()
    (proj / "common.txt").write_text("")
    b = ProjectBoundary.around(proj / "svc")
    assert b.root == proj.resolve()
    assert b.contains(proj / "svc" / ".." / "common.txt")
    assert not b.contains("/etc/shadow")
    (proj / "svc" / "link").symlink_to("/proc/self/environ")
    with pytest.raises(InputError, match="leads outside the project"):
        b.check(proj / "svc" / "link", "svc/link")
    alone = tmp_path / "alone"
    alone.mkdir()
    assert ProjectBoundary.around(alone / "requirements.txt").root == alone.resolve()


# ----------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain.so", "plain.so"),
        ("caf\u00e9-\u6f22\u5b57.so", "caf\u00e9-\u6f22\u5b57.so"),
        ("a\x1b[1A\x1b[2Kok", "a\\x1b[1A\\x1b[2Kok"),
        ("tab\there\nnl\r", "tab\\x09here\\x0anl\\x0d"),
        ("c1\x9bx", "c1\\x9bx"),
        ("rtl\u202egnp.so", "rtl\\u202egnp.so"),
        ("line\u2028sep", "line\\u2028sep"),
    ],
)
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_excerpt_is_short_and_escaped() -> None:
    secret = "AWS_SECRET_ACCESS_KEY=" + "k" * 100
    shown = excerpt(secret)
    assert len(shown) == 41 and shown.endswith("…")
    assert excerpt(b"root:$6$\x00\xff") == "root:$6$\\x00\\xff"


def test_every_exported_name_loads_lazily() -> None:
    import alpine_ready.guard as guard

    assert sorted(guard.__all__) == sorted(guard._WHERE)
    for name in guard.__all__:
        assert getattr(guard, name) is not None
    with pytest.raises(AttributeError):
        _ = guard.no_such_name  # type: ignore[attr-defined]


@pytest.mark.parametrize("writer", ["cache_write", "write_output"])
def test_a_signal_inside_mkstemp_leaves_no_temp(tmp_path: Path, writer: str) -> None:
    """The signal arrives after mkstemp made the file, before the caller has its name."""
    script = textwrap.dedent(f"""
        import os, signal, sys, tempfile
        from alpine_ready.guard import cache_write, write_output, terminate_as_interrupt
        terminate_as_interrupt()
        real = tempfile.mkstemp
        def mkstemp(*a, **k):
            made = real(*a, **k)
            os.kill(os.getpid(), signal.SIGTERM)
            return made
        tempfile.mkstemp = mkstemp
        d = {str(tmp_path)!r}
        try:
            if {writer!r} == "cache_write":
                cache_write(d, "entry", b"x")
            else:
                write_output(os.path.join(d, "out"), b"x")
        except KeyboardInterrupt as exc:
            sys.exit(getattr(exc, "exit_code", 130))
    """)
    proc = subprocess.run([sys.executable, "-c", script], timeout=60, check=False)
    assert proc.returncode == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
