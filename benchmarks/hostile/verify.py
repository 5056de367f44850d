"""Hostile inputs for ``verify`` (area ``verify``): images it unpacks, trees, configs, commands.

``verify`` is the one command that writes an image to disk (``verify/extract.py``) and
runs things (in a bubblewrap sandbox).  The cases: image layers with ``../`` and
absolute names, a symbolic link and then a file through it, hard links to files
outside, device nodes, a setuid file, whiteouts of ``.`` and ``..`` and an opaque
root, a pax header declaring 10 GB, 1 GiB of zeros, 100,000 small files, a file name
carrying a terminal escape and a newline; a TARGET that is a FIFO, holds a symlink
loop or a socket; ``[[verify.commands]]`` of wrong types, a 10 MB command and an
unterminated table; ``--against`` a directory that is no root filesystem; a smoke
command printing without end or forking without end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for sub in ("tests", "tools", "src", "benchmarks"):
    if str(ROOT / sub) not in sys.path:
        sys.path.insert(0, str(ROOT / sub))

import imagebuild as ib  # noqa: E402
from hostile._case import Case  # noqa: E402


def _image(
    work: Path,
    name: str,
    ops: list[Any] | Callable[[], list[Any]],
    compression: ib.Compression = "gzip",
) -> str:
    """An OCI layout with one layer of ``ops``; its ``oci:`` reference (reused when built)."""
    layout = work / name
    if not (layout / "index.json").is_file():
        spec = ib.ImageSpec(
            [ib.Layer(ops() if callable(ops) else ops, f"COPY {name} /", compression)],
            tag="t",
            repo=f"hostile/{name}",
        )
        img = ib.write_blobs(spec, work / f".work-{name}", track=False)
        ib.write_oci_layout(img, layout, "t")
        shutil.rmtree(work / f".work-{name}", ignore_errors=True)
    return f"oci:{layout}:t"


def _no_escape(*needles: str) -> Callable[[str, str], str | None]:
    """Neither stream shows a raw escape character or any of ``needles``."""

    def run(out: str, err: str) -> str | None:
        for stream, text in (("stdout", out), ("stderr", err)):
            if "\x1b" in text or "\x07" in text:
                return f"raw control character on {stream}"
            for n in needles:
                if n in text:
                    return f"{n!r} on {stream}"
        return None

    return run


def _busybox() -> Path:
    import fixtures as fx

    return fx.alpine_rootfs() / "bin/busybox"


def _rootfs() -> Path:
    import fixtures as fx

    return fx.alpine_rootfs()


def _image_cases(work: Path) -> list[Case]:
    outside = work / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "keep").write_text("keep\n")
    escape_abs = Path("/tmp/alpine-ready-hostile-verify-escape")
    cache = work / "cache"
    images: list[tuple[str, str, list[Any], tuple[Path, ...]]] = [
        (
            "dotdot",
            "a layer naming ../ and absolute paths",
            [
                ib.Raw("../../../../../../../../../../../tmp/alpine-ready-hostile-verify-escape"),
                ib.Raw("/tmp/alpine-ready-hostile-verify-escape", content=b"x"),
                ib.Raw(f"../../../../../../../../../..{outside}/keep", content=b"gone"),
                ib.Raw(f"{outside}/keep", content=b"gone"),
            ],
            (escape_abs, outside / "keep"),
        ),
        (
            "symlink-then-file",
            "a symlink out of the root, then a file through it",
            [
                ib.Raw("out", tarfile.SYMTYPE, linkname=str(outside)),
                ib.Raw("out/keep", content=b"gone"),
                ib.Raw("out/new", content=b"new"),
                ib.Raw("rel", tarfile.SYMTYPE, linkname="../../../../../.." + str(outside)),
                ib.Raw("rel/keep", content=b"gone"),
                ib.Raw("loop", tarfile.SYMTYPE, linkname="loop"),
                ib.Raw("loop/x", content=b"x"),
            ],
            (outside / "keep", outside / "new"),
        ),
        (
            "hardlinks-out",
            "hard links to /etc/passwd and a file outside, then written",
            [
                ib.Raw("passwd", tarfile.LNKTYPE, linkname="/etc/passwd"),
                ib.Raw("passwd", content=b"root::0:0::/:/bin/sh\n"),
                ib.Raw("keep", tarfile.LNKTYPE, linkname=str(outside / "keep")),
                ib.Raw("keep2", tarfile.LNKTYPE, linkname="../../../../../../.." + str(outside)),
                ib.Raw("self", tarfile.LNKTYPE, linkname="self"),
            ],
            (Path("/etc/passwd"), outside / "keep"),
        ),
        (
            "devices",
            "device nodes, a FIFO, setuid and setgid files",
            [
                ib.Raw("dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0, mode=0o666),
                ib.Raw("dev/mem", tarfile.CHRTYPE, devmajor=1, devminor=1, mode=0o666),
                ib.Raw("fifo", tarfile.FIFOTYPE),
                ib.Raw("bin/suid", content=b"#!/bin/sh\n", mode=0o4755),
                ib.Raw("bin/sgid", content=b"#!/bin/sh\n", mode=0o2755),
                ib.Raw("sticky", tarfile.DIRTYPE, mode=0o1777),
            ],
            (),
        ),
        (
            "whiteout-root",
            "whiteouts of '.', '..' and an opaque root",
            [
                ib.Raw("a", content=b"a"),
                ib.Raw(".wh..wh..opq"),
                ib.Raw(".wh.."),
                ib.Raw(".wh..."),
                ib.Raw("sub/.wh..."),
                ib.Raw("b", content=b"b"),
            ],
            (outside / "keep",),
        ),
        (
            "pax-10g",
            "a pax header declaring a 10 GB file",
            [ib.Raw("big", content=b"short", pax={"size": str(10 * 10**9)})],
            (),
        ),
    ]
    loader = ib.File("lib/ld-musl-x86_64.so.1", _rootfs() / "lib/ld-musl-x86_64.so.1", 0o755)
    cases: list[Case] = []
    for name, title, ops, untouched in images:
        ref = _image(work, name, [loader, *ops])
        cases.append(
            Case(
                11,
                f"verify image: {title}",
                ["verify", ref, "--cache-dir", str(cache), "--no-imports"],
                work,
                untouched=untouched,
            )
        )
    zeros = _image(work, "zeros-1g", [loader, ib.File("zeros", ib.Zeros(1 << 30))], "zstd")
    cases.append(
        Case(
            11,
            "verify image: 1 GiB of zeros in one file",
            ["verify", zeros, "--cache-dir", str(work / "cache-zeros"), "--no-imports"],
            work,
        )
    )
    many = _image(
        work,
        "files-100k",
        lambda: [loader, *(ib.File(f"d{i // 1000}/f{i}", b"x") for i in range(100_000))],
    )
    cases.append(
        Case(
            11,
            "verify image: 100,000 small files",
            ["verify", many, "--cache-dir", str(work / "cache-many"), "--no-imports"],
            work,
        )
    )
    bb = _busybox()
    evil = "usr/bin/\x1b]0;pwned\x07\x1b[2J\nFAKE-OK\u202e"
    named = _image(work, "escape-name", [loader, ib.File(evil, bb, 0o755)])
    cases.append(
        Case(
            11,
            "verify image: an ELF file named with escapes and a newline",
            ["verify", named, "--cache-dir", str(work / "cache-named"), "--no-imports"],
            work,
            check=_no_escape(),
        )
    )
    return cases


def _target_cases(work: Path) -> list[Case]:
    rootfs = str(_rootfs())
    cases: list[Case] = []
    fifo = work / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    cases.append(
        Case(
            11,
            "verify TARGET: a FIFO",
            ["verify", str(fifo), "--against", rootfs],
            work,
            exits=(2,),
            untouched=(fifo,),
        )
    )
    tree = work / "odd-tree"
    if not tree.exists():
        tree.mkdir()
        shutil.copy(_busybox(), tree / "busybox")
        (tree / "loop").symlink_to("loop")
        (tree / "a").symlink_to("b")
        (tree / "b").symlink_to("a")
        (tree / "up").symlink_to("..")
        (tree / "etc").symlink_to("/etc")
        os.mkfifo(tree / "fifo")
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(tree / "sock"))
        sock.close()
    cases.append(
        Case(
            11,
            "verify TARGET: symlink loops, a socket, a FIFO, links out",
            ["verify", str(tree), "--against", rootfs, "--no-imports"],
            work,
            untouched=(tree / "fifo", tree / "sock", tree / "busybox"),
        )
    )
    named = work / "named-tree"
    if not named.exists():
        named.mkdir()
        shutil.copy(_busybox(), named / "\x1b]0;pwned\x07\x1b[31m\nFAKE\u202e")
    cases.append(
        Case(
            11,
            "verify TARGET: an ELF file named with escapes, table",
            ["verify", str(named), "--against", rootfs, "--no-imports"],
            work,
            check=_no_escape(),
        )
    )
    for name, text, exits in [
        ("wrong-types", '[[verify.commands]]\nname = 3\ncommand = ["x"]\nexitCode = "0"\n', (2,)),
        ("not-a-list", "[verify]\ncommands = 7\n", (2,)),
        ("unterminated", '[[verify.commands]\ncommand = "true', (2,)),
        ("huge-command", '[[verify.commands]]\ncommand = "' + "A" * (10 << 20) + '"\n', (1, 2)),
        ("many-commands", '[[verify.commands]]\ncommand = "true"\n' * 20_000, (2,)),
        (
            "catastrophic regex",
            '[[verify.commands]]\ncommand = "/bin/sh"\nargs = ["-c", "echo '
            + "a" * 40
            + '!"]\nexpectedOutput = ["^(a+)+$"]\n',
            (1, 2),
        ),
        ("deep", "[[verify.commands]]\nargs = " + "[" * 200_000 + "]" * 200_000 + "\n", (2,)),
        ("escape", '[[verify.commands]]\nname = "\\u001b]0;x\\u0007"\ncommand = "false"\n', (1, 2)),
    ]:
        proj = work / f"cfg-{name}"
        if not proj.exists():
            proj.mkdir()
            (proj / ".alpine-ready.toml").write_text(text)
        cases.append(
            Case(
                11,
                f"verify [[verify.commands]]: {name}",
                ["verify", str(proj), "--against", rootfs, "--timeout", "5"],
                work,
                exits=exits,
                untouched=(proj / ".alpine-ready.toml",),
                check=_no_escape() if name == "escape" else None,
            )
        )
    pyproj = work / "cfg-pyproject"
    if not pyproj.exists():
        pyproj.mkdir()
        (pyproj / "pyproject.toml").write_text('[tool.alpine-ready]\nverify = "no"\n')
    cases.append(
        Case(
            11,
            "verify pyproject: [tool.alpine-ready] verify of the wrong type",
            ["verify", str(pyproj), "--against", rootfs],
            work,
            exits=(2,),
            untouched=(pyproj / "pyproject.toml",),
        )
    )
    empty = work / "not-a-rootfs"
    empty.mkdir(exist_ok=True)
    (empty / "README").write_text("not a root filesystem\n")
    for title, against in [("an empty-ish directory", str(empty)), ("a FIFO", str(fifo))]:
        cases.append(
            Case(
                11,
                f"verify --against {title}",
                ["verify", str(tree / "busybox"), "--against", against],
                work,
                exits=(2,),
                untouched=(empty / "README",),
            )
        )
    app = work / "app"
    if not app.exists():
        app.mkdir()
        shutil.copy(_busybox(), app / "busybox")
    for title, cmd in [
        ("prints without end", ["/bin/sh", "-c", "yes AAAAAAAAAAAAAAAAAAAAAAAA"]),
        ("forks without end", ["/bin/sh", "-c", "f() { f | f & }; f; sleep 30"]),
        ("prints escapes", ["/bin/sh", "-c", "printf '\\033]0;pwned\\007\\033[2J'; exit 3"]),
    ]:
        cases.append(
            Case(
                11,
                f"verify -- CMD that {title}",
                ["verify", str(app), "--against", rootfs, "--timeout", "4", "--", *cmd],
                work,
                exits=(1,),
                check=_no_escape() if "escape" in title else None,
            )
        )
    return cases


def cases(work: Path) -> list[Case]:
    """Every case of the area; the images built by this file run as a script.

    The runner forks each case from its own process, and Linux counts what a process
    held before ``exec`` in its peak RSS: the 100,000-file image is built elsewhere.
    """
    subprocess.run([sys.executable, __file__, str(work)], check=True)
    return [*_image_cases(work), *_target_cases(work)]


if __name__ == "__main__":
    _image_cases(Path(sys.argv[1]))
