"""Issue 10, outputs: what every command writes, where it writes it, and what reaches a terminal.

- Class 1: every command's ``-o`` acts as the shell's ``>`` (guard.write_output): a new
  file gets the umask's mode, a file keeps its mode, a symlink is followed and kept, a
  device stays a device, ``/dev/stdout`` is written through, a directory or a full disk
  is one line and leaves nothing behind.
- Class 9: names from inputs (files in a directory, a Dockerfile's path and words, a
  lockfile's packages, an os-release) never reach the terminal as escape sequences, in
  any table, message or progress line; JSON keeps them exact.
- Class 14a: standard output on a full disk is one line; a reader that goes away
  (``| head``) ends the run quietly with 141; SIGTERM/SIGHUP end it like Ctrl-C, with
  128+N; an unexpected exception is one line (-v: with its traceback).

Every command runs as a real process (``python -m alpine_ready``) on real inputs.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from alpine_ready.cli import main as cli_main
from alpine_ready.guard import printable
from alpine_ready.guard.write import TEMP_SUFFIX

ROOT = os.geteuid() == 0
ESC_NAME = "evil\x1b[1A\x1b[2Kok\r"  # erase the line above, print "ok" over it
BIDI_NAME = "rtl\u202egnp.so"


# ----------------------------------------------------------------------------- set-up


@dataclass(frozen=True)
class Inputs:
    """One small real input per command, built once."""

    work: Path
    cache: Path
    argv: dict[str, list[str]]


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory, debian_tree: Path) -> Inputs:
    work = tmp_path_factory.mktemp("outputs")
    elves = work / "elves"
    elves.mkdir()
    shutil.copy(debian_tree / "usr/bin/gzip", elves / "gzip")
    roots = []
    for name, version in (("root1", "3.20.0"), ("root2", "3.21.0")):
        etc = work / name / "etc"
        etc.mkdir(parents=True)
        (etc / "os-release").write_text(f"ID=alpine\nVERSION_ID={version}\n")
        roots.append(str(work / name))
    lock = work / "node" / "package-lock.json"
    lock.parent.mkdir()
    lock.write_text(_package_lock("left-pad"))
    dockerfile = work / "Dockerfile"
    dockerfile.write_text("FROM alpine:3.22\nRUN apk add curl\n")
    debian = work / "Dockerfile.debian"
    debian.write_text(
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y "
        "curl && rm -rf /var/lib/apt/lists/*\n"
    )
    cache = work / "cache"
    argv = {
        "scan": ["scan", str(elves)],
        "inspect": ["inspect", roots[0]],
        "compare": ["compare", *roots],
        "deps": ["deps", str(lock), "--offline", "--cache-dir", str(cache / "deps")],
        "lint": ["lint", str(dockerfile)],
        "lint-diff": ["lint", "--diff", str(dockerfile)],
        "translate": ["translate", str(debian), "-q"],
    }
    return Inputs(work, cache, argv)


COMMANDS = ["scan", "inspect", "compare", "deps", "lint", "lint-diff", "translate"]


def _package_lock(name: str) -> str:
    """A real npm v3 lockfile with one package."""
    url = f"https://registry.npmjs.org/{name}/-/{name}-1.3.0.tgz"
    return json.dumps(
        {
            "name": "app",
            "version": "1.0.0",
            "lockfileVersion": 3,
            "requires": True,
            "packages": {
                "": {"name": "app", "version": "1.0.0", "dependencies": {name: "1.3.0"}},
                f"node_modules/{name}": {
                    "version": "1.3.0",
                    "resolved": url,
                    "integrity": "sha512-" + "A" * 86 + "==",
                },
            },
        },
        indent=2,
    )


def run(
    argv: list[str],
    cache: Path,
    *,
    stdout: int | IO[Any] = subprocess.PIPE,
    stdin: int | IO[Any] = subprocess.DEVNULL,
    umask: int = -1,
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """``python -m alpine_ready ARGV`` with its own cache; a hang fails (timeout)."""
    full_env = dict(os.environ, XDG_CACHE_HOME=str(cache), COLUMNS="100", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *argv],
        stdout=stdout,
        stdin=stdin,
        stderr=subprocess.PIPE,
        env=full_env,
        umask=umask,
        preexec_fn=preexec,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def reference(inputs: Inputs) -> dict[str, bytes]:
    """What each command prints on stdout without ``-o`` (what ``-o`` must write)."""
    out = {}
    for command in COMMANDS:
        r = run(inputs.argv[command], inputs.cache)
        assert r.returncode in (0, 1), r.stderr
        assert r.stdout
        out[command] = r.stdout
    return out


def one_line(stderr: bytes) -> str:
    """The one line stderr holds (the test fails on anything else)."""
    text = stderr.decode()
    assert "Traceback" not in text
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


def no_temps(d: Path) -> None:
    left = [
        p.name
        for p in d.iterdir()
        if p.name.endswith(TEMP_SUFFIX) or p.name.startswith((".translate-", ".out"))
    ]
    assert left == []


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Private /dev/null and /dev/full nodes (as root): a regression cannot harm the real ones."""
    if not ROOT:
        yield Path("/dev/null"), Path("/dev/full")
        return
    d = tmp_path / "dev"
    d.mkdir()
    null, full = d / "null", d / "full"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    yield null, full


# ----------------------------------------------------------------------------- class 1: -o


@pytest.mark.parametrize("command", COMMANDS)
def test_o_new_file_gets_the_umask_mode(
    command: str, inputs: Inputs, tmp_path: Path, reference: dict[str, bytes]
) -> None:
    out = tmp_path / "out"
    r = run([*inputs.argv[command], "-o", str(out)], inputs.cache, umask=0o027)
    assert r.returncode in (0, 1), r.stderr
    assert r.stdout == b""
    assert out.read_bytes() == reference[command]
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("command", COMMANDS)
def test_o_existing_file_keeps_its_mode(
    command: str, inputs: Inputs, tmp_path: Path, reference: dict[str, bytes]
) -> None:
    out = tmp_path / "out"
    out.write_text("old, and longer than nothing\n" * 1000)
    out.chmod(0o644)
    r = run([*inputs.argv[command], "-o", str(out)], inputs.cache, umask=0o077)
    assert r.returncode in (0, 1), r.stderr
    assert out.read_bytes() == reference[command]
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("command", COMMANDS)
def test_o_symlink_writes_its_target_and_stays(
    command: str, inputs: Inputs, tmp_path: Path, reference: dict[str, bytes]
) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "report"
    target.write_text("old")
    link = tmp_path / "link"
    link.symlink_to(target)
    r = run([*inputs.argv[command], "-o", str(link)], inputs.cache)
    assert r.returncode in (0, 1), r.stderr
    assert link.is_symlink() and link.readlink() == target
    assert target.read_bytes() == reference[command]
    no_temps(tmp_path)
    no_temps(tmp_path / "real")


@pytest.mark.parametrize("command", COMMANDS)
def test_o_char_device_stays_a_device(
    command: str, inputs: Inputs, devices: tuple[Path, Path]
) -> None:
    null, _ = devices
    before = null.stat()
    r = run([*inputs.argv[command], "-o", str(null)], inputs.cache)
    assert r.returncode in (0, 1), r.stderr
    after = null.stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    no_temps(null.parent)


@pytest.mark.parametrize("command", COMMANDS)
def test_o_dev_stdout_on_a_pipe(command: str, inputs: Inputs, reference: dict[str, bytes]) -> None:
    r = run([*inputs.argv[command], "-o", "/dev/stdout"], inputs.cache)
    assert r.returncode in (0, 1), r.stderr
    assert r.stdout == reference[command]


@pytest.mark.parametrize("command", ["scan", "translate"])
def test_o_dev_stdout_appended_to_never_replaced(
    command: str, inputs: Inputs, tmp_path: Path, reference: dict[str, bytes]
) -> None:
    """stdout opened with ``>>`` (a build log): ``-o /dev/stdout`` appends to it."""
    log = tmp_path / "build.log"
    log.write_bytes(b"earlier lines of the log\n")
    with log.open("ab") as f:
        r = run([*inputs.argv[command], "-o", "/dev/stdout"], inputs.cache, stdout=f)
    assert r.returncode in (0, 1), r.stderr
    assert log.read_bytes() == b"earlier lines of the log\n" + reference[command]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build.log"]


def test_o_dev_stderr_appended_to_never_replaced(
    inputs: Inputs, tmp_path: Path, reference: dict[str, bytes]
) -> None:
    """``2>> build.log -o /dev/stderr``: the report is appended to the log."""
    log = tmp_path / "build.log"
    log.write_bytes(b"earlier lines of the log\n")
    with log.open("ab") as f:
        r = subprocess.run(
            [sys.executable, "-m", "alpine_ready", *inputs.argv["translate"], "-o", "/dev/stderr"],
            stdout=subprocess.PIPE,
            stderr=f,
            env=dict(os.environ, XDG_CACHE_HOME=str(inputs.cache)),
            timeout=120,
            check=False,
        )
    assert r.returncode in (0, 1)
    assert r.stdout == b""
    assert log.read_bytes() == b"earlier lines of the log\n" + reference["translate"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build.log"]


@pytest.mark.parametrize("command", COMMANDS)
def test_o_directory_is_one_line_and_nothing_is_left(
    command: str, inputs: Inputs, tmp_path: Path
) -> None:
    d = tmp_path / "reports"
    d.mkdir()
    r = run([*inputs.argv[command], "-o", str(d)], inputs.cache)
    assert r.returncode == 2
    assert one_line(r.stderr) == f"alpine-ready: error: {d}: is a directory; not written"
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]
    assert list(d.iterdir()) == []


def test_o_tmp_leaves_nothing_in_root(inputs: Inputs) -> None:
    """The old translate wrote its temporary file beside /tmp, in /, and left it there."""
    before = set(Path("/").iterdir())
    r = run([*inputs.argv["translate"], "-o", "/tmp"], inputs.cache)
    assert r.returncode == 2
    assert one_line(r.stderr) == "alpine-ready: error: /tmp: is a directory; not written"
    assert set(Path("/").iterdir()) - before == set()


@pytest.mark.parametrize("command", COMMANDS)
def test_o_dev_full_is_one_line(command: str, inputs: Inputs, devices: tuple[Path, Path]) -> None:
    _, full = devices
    r = run([*inputs.argv[command], "-o", str(full)], inputs.cache)
    assert r.returncode == 2
    assert one_line(r.stderr) == (
        f"alpine-ready: error: {full}: cannot write (No space left on device)"
    )
    assert stat.S_ISCHR(full.stat().st_mode)


def _small_files() -> None:
    """In the child: files may grow to 16 bytes (writes past it fail with EFBIG)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16, 16))


@pytest.mark.parametrize("command", ["scan", "lint", "lint-diff", "translate"])
def test_o_failed_write_keeps_the_old_file(command: str, inputs: Inputs, tmp_path: Path) -> None:
    """A disk that fills half-way (EFBIG here): the old report stays whole, no temp left."""
    out = tmp_path / "out"
    out.write_bytes(b"the old report\n")
    r = run([*inputs.argv[command], "-o", str(out)], inputs.cache, preexec=_small_files)
    assert r.returncode == 2
    assert re.fullmatch(
        rf"alpine-ready: error: {re.escape(str(out))}: cannot write "
        r"\(File too large\)",
        one_line(r.stderr),
    )
    assert out.read_bytes() == b"the old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ----------------------------------------------------------------------------- class 14a: stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_stdout_on_a_full_disk_is_one_line(command: str, inputs: Inputs) -> None:
    with Path("/dev/full").open("wb") as full:
        r = run(inputs.argv[command], inputs.cache, stdout=full)
    assert r.returncode == 2
    assert one_line(r.stderr) == (
        "alpine-ready: error: standard output: cannot write (No space left on device)"
    )


@pytest.mark.parametrize("buffered", [True, False])
@pytest.mark.parametrize("command", COMMANDS)
def test_stdout_closed_by_its_reader_exits_141_quietly(
    command: str, buffered: bool, inputs: Inputs
) -> None:
    """``… | head`` whose reader is already gone: no BrokenPipeError, no message."""
    env = {"PYTHONUNBUFFERED": ""} if buffered else {"PYTHONUNBUFFERED": "1"}
    r_fd, w_fd = os.pipe()
    os.close(r_fd)
    try:
        r = run(inputs.argv[command], inputs.cache, stdout=w_fd, env=env)
    finally:
        os.close(w_fd)
    assert r.returncode == cli_main.EXIT_PIPE
    assert r.stderr == b""


def test_head_one_of_a_long_report(tmp_path: Path, inputs: Inputs) -> None:
    """The reader takes one line and leaves (``| head -1``) while the report is written."""
    big = tmp_path / "Dockerfile"
    big.write_text("FROM alpine:3.22\n" + "RUN apk add curl\n" * 300)
    proc = subprocess.Popen(
        [sys.executable, "-m", "alpine_ready", "lint", "--format", "json", str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, XDG_CACHE_HOME=str(inputs.cache)),
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline() == b"{\n"
    proc.stdout.close()
    assert proc.wait(timeout=60) == cli_main.EXIT_PIPE
    assert proc.stderr.read() == b""
    proc.stderr.close()


def test_help_into_a_closed_pipe(inputs: Inputs) -> None:
    r_fd, w_fd = os.pipe()
    os.close(r_fd)
    try:
        r = run(["scan", "--help"], inputs.cache, stdout=w_fd, env={"PYTHONUNBUFFERED": ""})
    finally:
        os.close(w_fd)
    assert r.returncode in (0, cli_main.EXIT_PIPE)
    assert r.stderr == b""


# ----------------------------------------------------------------------------- signals


def _handles(pid: int, sig: signal.Signals) -> bool:
    """Whether process ``pid`` has installed a handler for ``sig`` (/proc SigCgt)."""
    status = Path(f"/proc/{pid}/status").read_text()
    m = re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M)
    return bool(m and int(m.group(1), 16) >> (sig - 1) & 1)


def _wait_handles(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    deadline = time.monotonic() + 60  # only turns a hang into a failure
    while not _handles(proc.pid, sig):
        assert proc.poll() is None, "the process ended before installing its handlers"
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_sigterm_during_a_long_output_write(tmp_path: Path, inputs: Inputs) -> None:
    """-o into a FIFO whose reader stopped reading: SIGTERM ends it with 143, one line."""
    big = tmp_path / "Dockerfile"
    big.write_text("FROM alpine:3.22\n" + "RUN apk add curl\n" * 300)
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alpine_ready",
            "lint",
            "--format",
            "json",
            "-o",
            str(fifo),
            str(big),
        ],
        stderr=subprocess.PIPE,
        env=dict(os.environ, XDG_CACHE_HOME=str(inputs.cache)),
    )
    reader = os.open(fifo, os.O_RDONLY)  # returns once the report is being written
    try:
        assert os.read(reader, 1 << 16).startswith(b"{")  # 64 KiB of 270: the writer waits
        _wait_handles(proc, signal.SIGTERM)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        os.close(reader)
    assert proc.stderr is not None
    assert one_line(proc.stderr.read()) == "alpine-ready: terminated by SIGTERM"
    proc.stderr.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "report.fifo"]


@pytest.mark.parametrize(
    ("sig", "code", "line"),
    [
        (signal.SIGTERM, 143, "alpine-ready: terminated by SIGTERM"),
        (signal.SIGHUP, 129, "alpine-ready: terminated by SIGHUP"),
        (signal.SIGINT, 130, "alpine-ready: interrupted"),
    ],
)
def test_signal_during_a_slow_run(
    sig: signal.Signals, code: int, line: str, tmp_path: Path, inputs: Inputs
) -> None:
    """``lint -`` waiting for its standard input: a signal ends it, -o's file untouched."""
    out = tmp_path / "out"
    out.write_text("old")
    proc = subprocess.Popen(
        [sys.executable, "-m", "alpine_ready", "lint", "-", "-o", str(out)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ, XDG_CACHE_HOME=str(inputs.cache)),
    )
    try:
        _wait_handles(proc, signal.SIGHUP)
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == code
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
    assert proc.stderr is not None
    assert one_line(proc.stderr.read()) == line
    proc.stderr.close()
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_lint_stdin_is_bounded(inputs: Inputs) -> None:
    """``lint - < /dev/zero`` stops at the Dockerfile size limit.

    (Address space bounded at 2 GiB: the shell parser's Go runtime reserves ~1 GiB.)
    """

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    with Path("/dev/zero").open("rb") as zero:
        r = run(["lint", "-"], inputs.cache, stdin=zero, preexec=limit)
    assert r.returncode == 2
    assert one_line(r.stderr) == (
        "alpine-ready: error: -: file too large for a Dockerfile (more than 4 MiB)"
    )


# ----------------------------------------------------------------------------- last line of defence


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            MemoryError(),
            r"alpine-ready: error: out of memory \(MemoryError\) \(-v shows the "
            r"traceback\)",
        ),
        (
            RecursionError("maximum recursion depth exceeded"),
            r"alpine-ready: error: input nested too deeply \(RecursionError: maximum recursion "
            r"depth exceeded\) \(-v shows the traceback\)",
        ),
        (
            KeyError("\x1b[2Jname"),
            r"alpine-ready: error: internal error \(KeyError: "
            r"'\\x1b\[2Jname'\) -- a bug in alpine-ready, please report it "
            r"\(-v shows the traceback\)",
        ),
    ],
)
def test_an_escaping_exception_is_one_line(
    exc: BaseException,
    line: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def boom(args: object) -> int:
        raise exc

    import alpine_ready.commands.rule as rule_command

    monkeypatch.setattr(rule_command, "execute", boom)
    assert cli_main.main(["rule", "--list"]) == cli_main.EXIT_ERROR
    err = capsys.readouterr().err
    assert re.fullmatch(line + "\n", err), err
    assert "bug in alpine-ready" not in err or isinstance(exc, KeyError)

    assert cli_main.main(["-v", "rule", "--list"]) == cli_main.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last)")
    assert "(-v shows the traceback)" not in err


# ----------------------------------------------------------------------------- class 9: escapes


def _strings(data: object) -> Iterator[str]:
    """Every string in decoded JSON."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield k
            yield from _strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v)


def _no_control(text: str) -> None:
    """No character a terminal would obey (newlines apart)."""
    assert [c for c in text if c != "\n" and printable(c) != c] == []


@pytest.fixture(scope="session")
def hostile_tree(tmp_path_factory: pytest.TempPathFactory, debian_tree: Path) -> Path:
    """Real glibc ELF files named with escapes, a bidi override, and a non-UTF-8 byte."""
    d = tmp_path_factory.mktemp("hostile-names")
    gzip = debian_tree / "usr/bin/gzip"
    for name in (ESC_NAME, BIDI_NAME):
        shutil.copy(gzip, d / name)
    shutil.copy(gzip, d / os.fsdecode(b"latin1-\xe9.so"))
    return d


def test_scan_table_escapes_file_names(hostile_tree: Path, inputs: Inputs) -> None:
    r = run(["scan", str(hostile_tree), "--progress", "always"], inputs.cache)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    _no_control(out)
    assert "    evil\\x1b[1A\\x1b[2Kok\\x0d  (executable, glibc)" in out
    assert "    rtl\\u202egnp.so  (executable, glibc)" in out
    assert "    latin1-\\udce9.so  (executable, glibc)" in out
    progress = r.stderr.decode().replace("\r\x1b[K", "")  # the progress line's own codes
    assert progress
    _no_control(progress)


def test_scan_json_keeps_names_exact_and_inert(hostile_tree: Path, inputs: Inputs) -> None:
    r = run(["scan", str(hostile_tree), "--format", "json"], inputs.cache)
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode("utf-8")  # valid UTF-8, a name that is not UTF-8 included
    _no_control(text)
    paths = {os.fsencode(b["path"]) for b in json.loads(text)["binaries"]}
    assert paths == {os.fsencode(ESC_NAME), os.fsencode(BIDI_NAME), b"latin1-\xe9.so"}


def test_error_lines_escape_names(tmp_path: Path, inputs: Inputs) -> None:
    missing = tmp_path / "no\x1b[2Ksuch"
    r = run(["scan", str(missing)], inputs.cache)
    assert r.returncode == 2
    line = one_line(r.stderr)
    _no_control(line)
    assert line.startswith(f"alpine-ready: error: {printable(str(missing))}: no such file")


def test_lint_table_escapes_path_and_words(tmp_path: Path, inputs: Inputs) -> None:
    d = tmp_path / "Dockerfile\x1b[2K"
    d.write_text("FROM alpine:3.22\nRUN apk add --no-cache curl\x1b[1A\x1b[2Kok\n")
    # AR102 (off by default) quotes the package word as written
    r = run(["lint", "--select", "AR102", d.name], inputs.cache, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    out = r.stdout.decode()
    _no_control(out)
    assert out.startswith("Dockerfile\\x1b[2K:2:")
    assert "`curl\\x1b[1A\\x1b[2Kok`" in out
    for fmt in ("json", "sarif"):
        r = run(["lint", "--select", "AR102", "--format", fmt, d.name], inputs.cache, cwd=tmp_path)
        _no_control(r.stdout.decode())
        strings = list(_strings(json.loads(r.stdout)))
        assert any("`curl\x1b[1A\x1b[2Kok`" in s for s in strings), fmt
        assert d.name in strings or "Dockerfile%1B%5B2K" in strings  # SARIF: a URI


def test_names_that_are_not_utf8_in_every_lint_format(tmp_path: Path, inputs: Inputs) -> None:
    """Table and JSON escape the byte; SARIF percent-encodes it; the patch keeps it."""
    name = os.fsdecode(b"Dockerfile\xff")
    (tmp_path / name).write_text("FROM alpine:3.22\nRUN apk add curl\n")
    outs = {
        fmt: run(["lint", "--format", fmt, name], inputs.cache, cwd=tmp_path)
        for fmt in ("table", "json", "sarif")
    }
    for r in outs.values():
        assert r.returncode == 1, r.stderr
        _no_control(r.stdout.decode("utf-8"))
    assert outs["table"].stdout.startswith(b"Dockerfile\\udcff:2:")
    assert json.loads(outs["json"].stdout)["files"][0]["path"] == name
    assert "Dockerfile%FF" in _strings(json.loads(outs["sarif"].stdout))
    r = run(["lint", "--diff", name], inputs.cache, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith(b"--- Dockerfile\xff\n+++ Dockerfile\xff\n")


def test_log_records_escape_names(tmp_path: Path, inputs: Inputs) -> None:
    """-v: the library's log records name the Dockerfile being fixed."""
    d = tmp_path / "Dockerfile\x1b[2K"
    d.write_text("FROM alpine:3.22\nRUN apk add curl\n")
    r = run(["-v", "lint", "--fix", "--select", "AR101", d.name], inputs.cache, cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    err = r.stderr.decode()
    _no_control(err)
    assert "INFO alpine_ready.lint.engine: Dockerfile\\x1b[2K: fixed and written\n" in err
    assert d.read_text() == "FROM alpine:3.22\nRUN apk add --no-cache curl\n"


def test_deps_table_escapes_package_names(tmp_path: Path, inputs: Inputs) -> None:
    lock = tmp_path / "package-lock.json"
    lock.write_text(_package_lock("evil\x1b[1A\x1b[2Kok"))
    argv = ["deps", str(lock), "--offline", "--cache-dir", str(tmp_path / "cache"), "--all"]
    r = run(argv, inputs.cache)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    _no_control(out)
    assert "  evil\\x1b[1A\\x1b[2Kok 1.3.0" in out
    r = run([*argv, "--format", "json"], inputs.cache)
    names = [p["name"] for p in json.loads(r.stdout)["packages"]]
    assert names == ["evil\x1b[1A\x1b[2Kok"]


def test_inspect_and_compare_escape_os_release_and_targets(tmp_path: Path, inputs: Inputs) -> None:
    root = tmp_path / "root\x1b[2K"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text(
        'ID=alpine\nVERSION_ID=3.22.0\nPRETTY_NAME="Alpine\x1b[2J\x9b1Aname"\n'
    )
    r = run(["inspect", str(root)], inputs.cache)
    assert r.returncode == 0, r.stderr
    _no_control(r.stdout.decode())
    assert "(Alpine\\x1b[2J\\x9b1Aname)" in r.stdout.decode()
    r = run(["compare", str(root), str(root)], inputs.cache)
    assert r.returncode == 0, r.stderr
    _no_control(r.stdout.decode())
    assert r.stdout.decode().count("root\\x1b[2K") == 2


def test_translate_account_escapes_package_names(tmp_path: Path, inputs: Inputs) -> None:
    src = tmp_path / "Dockerfile"
    src.write_text("FROM debian:bookworm\nRUN apt-get install -y evil\x1b[2Kpkg\n")
    r = run(["translate", str(src)], inputs.cache)
    assert r.returncode == 1
    err = r.stderr.decode()
    _no_control(err)
    assert "evil\\x1b[2Kpkg" in err
    assert b"evil\x1b[2Kpkg" in r.stdout  # the Dockerfile itself is exact


def test_scan_table_never_says_pass_when_a_file_was_not_analysed(
    tmp_path: Path, inputs: Inputs, debian_tree: Path
) -> None:
    """The table states the report's result (class 12 made it ``incomplete``)."""
    (tmp_path / "truncated.so").write_bytes((debian_tree / "usr/bin/gzip").read_bytes()[:200])
    r = run(["scan", str(tmp_path)], inputs.cache)
    last = r.stdout.decode().splitlines()[-1]
    assert last == (
        "INCOMPLETE: worst verdict none (--fail-on incompatible); 1 file could not be analysed"
    )


def test_json_escapes_what_printable_escapes() -> None:
    """render.text's JSON escaping and guard.printable agree on every BMP character."""
    from alpine_ready.formats.text import json_text

    for code in range(0x10000):
        ch = chr(code)
        text = json_text([ch])
        literal = text.split("\n")[1]  # the string's line: '  "..."'
        unsafe = printable(ch) != ch
        assert (ch not in literal) == unsafe, hex(code)
        assert json.loads(text) == [ch]
