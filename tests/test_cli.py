"""The command line: exit codes, one-line errors, hostile trees, help/README drift."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from alpine_ready.cli.main import (
    COMMANDS,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    build_parser,
    command_of,
    main,
)

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="100")
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def test_exit_0_when_ready(npm_dir: Path) -> None:
    r = cli("scan", str(npm_dir / "musl"))
    assert r.returncode == EXIT_OK, r.stderr
    assert "needs-packages" in r.stdout and "PASS" in r.stdout


def test_exit_1_on_findings_and_json_to_file(npm_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    r = cli("scan", str(npm_dir / "gnu"), "--format", "json", "-o", str(out))
    assert r.returncode == EXIT_FINDINGS
    assert r.stdout == ""
    data = json.loads(out.read_text())
    assert data["schema_version"] == 4 and data["failed"] is True


def test_fail_on_threshold(npm_dir: Path) -> None:
    assert cli("scan", str(npm_dir / "musl"), "--fail-on", "needs-packages").returncode == 1
    assert cli("scan", str(npm_dir / "musl"), "--fail-on", "needs-gcompat").returncode == 0


@pytest.mark.parametrize(
    "args,pattern",
    [
        (["scan", "/nonexistent/x"], r"^alpine-ready: error: /nonexistent/x: no such file"),
        (["scan", "--alpine", "3.19", "."], r"no built-in profile for Alpine 3.19"),
        (["scan", "--against", "/tmp", "."], r"/tmp: not a musl root filesystem"),
        (["scan", "--mount-at", "app", "."], r"--mount-at app: must be an absolute path"),
        (["scan", "--fail-on", "bogus", "."], r"invalid choice: 'bogus'"),
        (["scan"], r"the following arguments are required: TARGET"),
    ],
)
def test_usage_and_input_errors_exit_2_with_one_line(args: list[str], pattern: str) -> None:
    r = cli(*args)
    assert r.returncode == EXIT_ERROR
    assert "Traceback" not in r.stderr
    assert re.search(pattern, r.stderr, re.M), r.stderr


def test_special_target_is_rejected(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    r = cli("scan", str(fifo))
    assert r.returncode == EXIT_ERROR and "not a regular file or directory" in r.stderr


def test_no_command_prints_help() -> None:
    assert main([]) == EXIT_ERROR


def test_hostile_tree(tmp_path: Path, debian_tree: Path) -> None:
    """Symlink loops, links out of the tree, FIFOs, corrupt and truncated ELF files."""
    t = tmp_path / "tree"
    t.mkdir()
    gzip = (debian_tree / "usr/bin/gzip").read_bytes()
    (t / "good").write_bytes(gzip)
    (t / "truncated").write_bytes(gzip[:200])
    corrupt = bytearray(gzip)
    corrupt[0x20:0x28] = (2**63).to_bytes(8, "little")  # e_phoff far outside the file
    (t / "corrupt").write_bytes(bytes(corrupt))
    (t / "loop1").symlink_to("loop2")
    (t / "loop2").symlink_to("loop1")
    (t / "dirloop").symlink_to(".")
    (t / "outside").symlink_to("/usr/bin")
    (t / "libc.so.6").symlink_to("/etc/passwd")
    os.mkfifo(t / "fifo")
    (t / "text.so").write_text("not an ELF file\n" * 10)
    (t / "elf-magic-only").write_bytes(b"\x7fELF" + b"\0" * 60)
    r = cli("scan", str(t), "--format", "json")
    # corrupt files were not analysed: the scan is incomplete, exit 2 (issue 10, class 12)
    assert r.returncode == EXIT_ERROR, r.stderr
    assert json.loads(r.stdout)["result"] == "incomplete"
    r = cli("scan", str(t), "--format", "json", "--allow-incomplete")
    assert r.returncode in (EXIT_OK, EXIT_FINDINGS), r.stderr
    data = json.loads(r.stdout)
    paths = {b["path"] for b in data["binaries"]}
    assert paths == {"good"}  # nothing reached through links, FIFOs skipped
    errors = {e["path"]: e["error"] for e in data["errors"]}
    assert set(errors) == {"truncated", "corrupt", "elf-magic-only"}
    assert all(e.startswith("corrupt ELF") for e in errors.values())
    assert "Traceback" not in r.stderr


def test_table_groups_identical_causes(tmp_path: Path, debian_tree: Path) -> None:
    """Many files with the same cause print once, with a count."""
    for i in range(40):
        os.link(debian_tree / "usr/bin/gzip", tmp_path / f"gzip{i:02d}")
    r = cli("scan", str(tmp_path))
    assert r.stdout.count("needs-gcompat: 40 files") == 1
    assert r.stdout.count("apk add --no-cache gcompat") == 1
    assert "and 37 more" in r.stdout


def _readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(rf"<!-- {name} -->\n```text\n(.*?)```\n", text, re.S)
    assert m, f"README.md has no <!-- {name} --> block"
    return m.group(1)


@pytest.mark.parametrize("command", ["scan", "inspect", "compare", "deps"])
def test_readme_shows_current_help(command: str) -> None:
    """The README's `--help` blocks are exactly what the tool prints (no drift).

    Regenerate them with tools/update_readme.py.
    """
    r = cli(command, "--help")
    assert r.returncode == 0
    assert _readme_block(f"{command}-help") == r.stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_one_command_parser_is_the_full_ones(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """main() fills in only the command given: its help and parsing are unchanged."""
    monkeypatch.setenv("COLUMNS", "100")

    def sub(parser: object, name: str) -> object:
        action = next(
            a
            for a in parser._actions  # type: ignore[attr-defined]
            if a.dest == "command"
        )
        return action.choices[name]

    full, one = build_parser(), build_parser(command)
    assert sub(one, command).format_help() == sub(full, command).format_help()  # type: ignore[attr-defined]
    assert one.format_help() == full.format_help()
    others = [c for c in COMMANDS if c != command]
    assert all(not sub(one, c)._actions[1:] for c in others)  # type: ignore[attr-defined]


def test_command_of() -> None:
    assert command_of(["inspect", "x"]) == "inspect"
    assert command_of(["-v", "--verbose", "scan", "deps"]) == "scan"
    assert command_of(["--version"]) is None
    assert command_of(["nope", "scan"]) is None  # argparse reports the unknown one
    assert command_of(["--", "scan"]) is None
    assert command_of([]) is None
    r = cli("-v", "nope")
    assert r.returncode == EXIT_ERROR and "invalid choice: 'nope'" in r.stderr
    r = cli("--help")
    assert r.returncode == 0 and all(c in r.stdout for c in COMMANDS)


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_cmd = [ln for ln in ci.splitlines() if ln and not ln.startswith(("#", "set "))][-1]
    first_block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first_block and test_cmd.removeprefix("exec ") in first_block.group(1)


def test_progress_on_stderr_only(wheels_dir: Path) -> None:
    """Progress goes to stderr (forced here: stderr is not a terminal); stdout stays JSON."""
    r = cli("scan", str(wheels_dir), "--format", "json", "--progress", "always", "-j", "2")
    assert r.returncode in (EXIT_OK, EXIT_FINDINGS), r.stderr
    assert "analysing" in r.stderr
    json.loads(r.stdout)
    quiet = cli("scan", str(wheels_dir), "--format", "json")
    assert quiet.stderr == ""


def test_against_with_a_corrupt_loader_is_an_input_error(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "ld-musl-x86_64.so.1").write_bytes(b"\x7fELF" + b"\xff" * 100)
    r = cli("scan", "--against", str(root), str(tmp_path))
    assert r.returncode == EXIT_ERROR
    assert "unreadable musl loader" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("columns", ["100", "37", "", "abc", "0", "-5", None])
def test_help_width_is_shutils(columns: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The formatter sizes help as argparse would (shutil.get_terminal_size)."""
    import shutil

    from alpine_ready.cli.main import _terminal_columns

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _terminal_columns() == shutil.get_terminal_size().columns


def test_deps_project_root_widens_where_includes_may_lead(tmp_path: Path) -> None:
    """A monorepo's shared requirements are refused by default, read with --project-root."""
    (tmp_path / "common.txt").write_text("six==1.16.0\n")
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "requirements.txt").write_text("-r ../common.txt\n")
    args = (
        "deps",
        str(svc),
        "--offline",
        "--no-resolve",
        "--format",
        "json",
        "--cache-dir",
        str(tmp_path / "c"),
    )
    r = cli(*args)
    assert r.returncode == EXIT_ERROR
    assert "-r ../common.txt: leads outside the project" in r.stderr
    r = cli(*args, "--project-root", str(tmp_path))
    assert r.returncode == EXIT_OK, r.stderr
    assert [p["name"] for p in json.loads(r.stdout)["packages"]] == ["six"]
