"""Issue 10, outputs (classes 1, 9, 14a): where ``-o`` writes, what reaches a terminal.

Class 1: every command's ``-o`` into a character device (a private ``/dev/null``
node: it must stay one), a full device (a private ``/dev/full``: one line), a
directory (one line, nothing left beside it), a symlink (kept, its target written), a
0644 file (mode kept) and ``/dev/stdout``. Class 9: 2,000 real ELF files named with
escape sequences, a lockfile of 5,000 such packages, a Dockerfile installing 5,000,
an os-release that clears the screen: no raw control character in any table or
message, JSON exact. Class 14a: a 25 MB report into ``/dev/full``.

(Standard output itself on /dev/full or a closed pipe, and SIGTERM, need a
redirection or a signal the runner does not make: tests/test_hostile_outputs.py.)
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from hostile._case import Case

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import fixtures as fx  # noqa: E402

ESC = "\x1b[1A\x1b[2K"  # cursor up, erase the line: the next text replaces the line above
ELF_FILES = 2_000
PACKAGES = 5_000
TEMP_SUFFIX = ".alpine-ready.tmp"

Check = Callable[[str, str], "str | None"]


def _no_control(out: str, err: str) -> str | None:
    """No character a terminal obeys (escape, CR, C1, bidi), the progress line's own apart."""
    err = err.replace("\r\x1b[K", "")
    for name, text in (("stdout", out), ("stderr", err)):
        bad = [
            c
            for c in text
            if c not in "\n"
            and (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u2028\ufffd")
        ]
        if bad:
            return f"raw {bad[0]!r} on {name}"
    return None


def _all(*checks: Check) -> Check:
    def check(out: str, err: str) -> str | None:
        return next((m for c in checks if (m := c(out, err))), None)

    return check


def _err_is(line: str) -> Check:
    def check(out: str, err: str) -> str | None:
        lines = err.strip("\n").split("\n")
        return None if lines == [line] else f"stderr is not the one line {line!r}"

    return check


def _is_chr(path: Path) -> Check:
    def check(out: str, err: str) -> str | None:
        return None if stat.S_ISCHR(path.lstat().st_mode) else f"{path} is no longer a device"

    return check


def _only(d: Path, names: set[str]) -> Check:
    def check(out: str, err: str) -> str | None:
        left = {p.name for p in d.iterdir()} - names
        return f"left in {d}: {sorted(left)}" if left else None

    return check


def _devices(work: Path) -> tuple[Path, Path]:
    """Private null and full character devices (root), else the system's."""
    if os.geteuid() != 0:
        return Path("/dev/null"), Path("/dev/full")
    d = work / "dev"
    d.mkdir(exist_ok=True)
    for name, minor in (("null", 3), ("full", 7)):
        if not (d / name).exists():
            os.mknod(d / name, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return d / "null", d / "full"


def _escape_tree(work: Path) -> Path:
    """ELF_FILES hard links to a real glibc gzip, each named with escapes, CR and bidi."""
    d = work / "escape-tree"
    if d.exists():
        return d
    (d / "sub").mkdir(parents=True)
    gzip = work / "gzip"
    gzip.write_bytes((fx.debian_binaries() / "tree/usr/bin/gzip").read_bytes())
    for i in range(ELF_FILES):
        name = f"f{i}{ESC}ok\r\u202e{'.so' if i % 2 else ''}"
        os.link(gzip, d / "sub" / name)
    os.link(gzip, d / os.fsdecode(b"not-utf8-\xe9\xff"))
    return d


def _lockfile(work: Path) -> Path:
    pkgs: dict[str, object] = {"": {"name": "app", "version": "1.0.0"}}
    for i in range(PACKAGES):
        name = f"p{i}{ESC}ok"
        pkgs[f"node_modules/{name}"] = {
            "version": "1.0.0",
            "hasInstallScript": True,
            "resolved": f"https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",
            "integrity": "sha512-" + "A" * 86 + "==",
        }
    path = work / "lock" / "package-lock.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "name": "app",
                "version": "1.0.0",
                "lockfileVersion": 3,
                "requires": True,
                "packages": pkgs,
            }
        )
    )
    return path


def _dockerfiles(work: Path) -> tuple[Path, Path]:
    """PACKAGES names with escapes, 100 to a RUN (a Dockerfile line is at most 64 KiB)."""
    runs = [
        " ".join(f"pkg{i}{ESC}ok" for i in range(start, start + 100))
        for start in range(0, PACKAGES, 100)
    ]
    alpine = work / f"Dockerfile{ESC}"
    alpine.write_text("FROM alpine:3.22\n" + "".join(f"RUN apk add {w}\n" for w in runs))
    debian = work / "Dockerfile.debian"
    debian.write_text(
        "FROM debian:bookworm-slim\n"
        + "".join(f"RUN apt-get update && apt-get install -y curl {w}\n" for w in runs)
    )
    return alpine, debian


def _rootfs(work: Path) -> Path:
    root = work / f"rootfs{ESC}"
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc" / "os-release").write_text(
        f'ID=alpine\nVERSION_ID=3.22.0\nPRETTY_NAME="Alpine\x1b[2J\x1b[H\x9b2J{ESC}ok"\n'
    )
    return root


def _output_cases(work: Path, commands: dict[str, list[str]]) -> list[Case]:
    null, full = _devices(work)
    out: list[Case] = []
    for name, argv in commands.items():
        out.append(
            Case(
                1,
                f"{name} -o /dev/null (a private node)",
                [*argv, "-o", str(null)],
                work,
                (0, 1),
                check=_is_chr(null),
            )
        )
        out.append(
            Case(
                1,
                f"{name} -o /dev/full",
                [*argv, "-o", str(full)],
                work,
                (2,),
                check=_err_is(
                    f"alpine-ready: error: {full}: cannot write (No space left on device)"
                ),
            )
        )
        d = work / f"o-dir-{name.replace(' ', '-')}"
        (d / "reports").mkdir(parents=True, exist_ok=True)
        out.append(
            Case(
                1,
                f"{name} -o a directory",
                [*argv, "-o", str(d / "reports")],
                work,
                (2,),
                untouched=(d / "reports",),
                check=_all(
                    _err_is(f"alpine-ready: error: {d / 'reports'}: is a directory; not written"),
                    _only(d, {"reports"}),
                ),
            )
        )
    return out


def _translate_cases(work: Path, debian: Path) -> list[Case]:
    argv = ["translate", str(debian), "-q"]
    d = work / "translate-o"
    (d / "real").mkdir(parents=True, exist_ok=True)
    target = d / "real" / "Dockerfile.alpine"
    target.write_text("old\n")
    link = d / "Dockerfile.alpine"
    if not link.is_symlink():
        link.symlink_to(target)
    kept = d / "kept-0644"
    kept.write_text("old\n")
    kept.chmod(0o644)

    def link_kept(out: str, err: str) -> str | None:
        if not link.is_symlink():
            return "the symlink was replaced"
        return None if target.read_text().startswith("FROM alpine") else "target not written"

    def mode_kept(out: str, err: str) -> str | None:
        return None if stat.S_IMODE(kept.stat().st_mode) == 0o644 else "mode changed"

    def on_stdout(out: str, err: str) -> str | None:
        return None if out.startswith("FROM alpine") else "nothing on stdout"

    before = {p.name for p in Path("/").iterdir()}
    return [
        Case(
            1,
            "translate -o a symlink",
            [*argv, "-o", str(link)],
            work,
            (0, 1),
            check=_all(link_kept, _only(d, {"real", "Dockerfile.alpine", "kept-0644"})),
        ),
        Case(
            1, "translate -o a 0644 file", [*argv, "-o", str(kept)], work, (0, 1), check=mode_kept
        ),
        Case(
            1,
            "translate -o /dev/stdout",
            [*argv, "-o", "/dev/stdout"],
            work,
            (0, 1),
            check=on_stdout,
        ),
        Case(
            1,
            "translate -o /tmp (nothing left in /)",
            [*argv, "-o", "/tmp"],
            work,
            (2,),
            check=_all(
                _err_is("alpine-ready: error: /tmp: is a directory; not written"),
                _only(Path("/"), before),
            ),
        ),
    ]


def cases(work: Path) -> list[Case]:
    """The outputs area's hostile inputs, built under ``work``."""
    tree = _escape_tree(work)
    lock = _lockfile(work)
    alpine, debian = _dockerfiles(work)
    root = _rootfs(work)
    deps = ["deps", str(lock), "--offline", "--cache-dir", str(work / "deps-cache")]
    commands = {
        "scan": ["scan", str(tree), "--format", "json", "--all"],
        "inspect": ["inspect", str(root)],
        "compare": ["compare", str(root), str(root)],
        "deps": deps,
        "lint": ["lint", "--format", "sarif", str(alpine)],
        "lint --diff": ["lint", "--diff", str(alpine)],
        "translate": ["translate", str(debian), "-q"],
    }
    inert = _no_control
    return [
        *_output_cases(work, commands),
        *_translate_cases(work, debian),
        Case(
            9,
            f"scan table: {ELF_FILES:,} ELF names with escapes, --all",
            ["scan", str(tree), "--all", "--progress", "always"],
            work,
            (0, 1),
            check=inert,
        ),
        Case(
            9,
            f"scan json: {ELF_FILES:,} ELF names with escapes",
            ["scan", str(tree), "--format", "json"],
            work,
            (0, 1),
            check=inert,
        ),
        Case(
            9,
            f"lint table: {PACKAGES:,} packages with escapes",
            ["lint", str(alpine)],
            work,
            (1,),
            check=inert,
        ),
        Case(
            9,
            f"deps table: lockfile of {PACKAGES:,} packages with escapes",
            [*deps, "--all"],
            work,
            (0, 1),
            check=inert,
        ),
        Case(
            9,
            "inspect: os-release clears the screen",
            ["inspect", str(root)],
            work,
            (0,),
            check=inert,
        ),
        Case(
            9,
            "translate account: unmapped names with escapes",
            ["translate", str(debian)],
            work,
            (1,),
            check=lambda out, err: _no_control("", err),
        ),
        Case(
            14,
            "scan json --all (large) into /dev/full",
            ["scan", str(tree), "--format", "json", "--all", "-o", str(_devices(work)[1])],
            work,
            (2,),
            check=_err_is(
                f"alpine-ready: error: {_devices(work)[1]}: cannot write (No space left on device)"
            ),
        ),
    ]
