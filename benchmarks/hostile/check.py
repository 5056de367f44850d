"""Hostile inputs for ``check`` (area ``check``): project directories, configs, ``--image``.

A project with a 50 MB Dockerfile, Dockerfiles whose FROM is hostile (command
substitution, terminal escapes, a transport naming ``/etc/shadow``), a Dockerfile
that is a symbolic link to a secret outside the project, one that is a FIFO, a
``[tool.alpine-ready.check]`` / ``[check]`` of wrong types, unknown keys, an
unterminated table and TOML nested 200,000 deep, a ``package-lock.json`` nested a
million deep, ``-o`` onto the project's own Dockerfile (the shell's ``>``: the named
output is replaced, nothing else), ``--image`` of a text file, ``/dev/zero``, a tar
whose manifest names ``../`` paths; PATH itself a FIFO or a file.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for sub in ("tests", "tools", "src", "benchmarks"):
    if str(ROOT / sub) not in sys.path:
        sys.path.insert(0, str(ROOT / sub))

from hostile._case import Case  # noqa: E402

SECRET = "TOKEN-d41d8cd98f00b204e9800998ecf8427e"


def _clean(out: str, err: str) -> str | None:
    for stream, text in (("stdout", out), ("stderr", err)):
        if "\x1b" in text or "\x07" in text:
            return f"raw control character on {stream}"
        if SECRET in text:
            return f"the secret outside the project is on {stream}"
    return None


def _project(work: Path, name: str, files: dict[str, bytes]) -> Path:
    proj = work / name
    if not proj.exists():
        part = work / f"{name}.part"
        part.mkdir()
        for rel, data in files.items():
            (part / rel).parent.mkdir(parents=True, exist_ok=True)
            (part / rel).write_bytes(data)
        part.rename(proj)
    return proj


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    if not path.exists():
        with tarfile.open(path, "w") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def cases(work: Path) -> list[Case]:
    secret = work / "secret.txt"
    secret.write_text(f"FROM debian:12\nRUN echo {SECRET}\n")
    base = b"FROM python:3.12-slim\nRUN pip install flask\n"
    out: list[Case] = []

    def case(title: str, argv: list[str], proj: Path | None, exits: tuple[int, ...]) -> None:
        untouched = tuple(sorted(p for p in proj.rglob("*") if p.is_file())) if proj else ()
        out.append(
            Case(
                13,
                f"check {title}",
                ["check", *argv, "--offline"],
                work,
                exits=exits,
                untouched=(*untouched, secret),
                check=_clean,
            )
        )

    big = _project(work, "big", {"Dockerfile": base + b"RUN true\n" * ((50 << 20) // 9)})
    case("a 50 MB Dockerfile", [str(big)], big, (0, 1, 2))
    for name, line in [
        ("subst", b"FROM ${X:-$(touch /tmp/alpine-ready-hostile-check)}\n"),
        ("escape", b"FROM debian\x1b]0;pwned\x07:12\x1b[2J\n"),
        ("shadow", b"FROM docker-archive:/etc/shadow\n"),
        ("oci-up", b"FROM oci:../../../../etc:latest\n"),
        ("long", b"FROM " + b"a" * 200_000 + b":1\n"),
        ("many-stages", b"".join(b"FROM s%d AS s%d\n" % (i, i + 1) for i in range(20_000))),
    ]:
        proj = _project(work, f"from-{name}", {"Dockerfile": line + b"RUN true\n"})
        case(f"a hostile FROM ({name})", [str(proj)], proj, (0, 1, 2))
    link = work / "link-out"
    if not link.exists():
        link.mkdir()
        (link / "Dockerfile").symlink_to(secret)
        (link / "requirements.txt").symlink_to("/etc/shadow")
    case("a Dockerfile linked to a file outside", [str(link)], link, (0, 1, 2))
    fifo = work / "fifo-proj"
    if not fifo.exists():
        fifo.mkdir()
        os.mkfifo(fifo / "Dockerfile")
        os.mkfifo(fifo / "requirements.txt")
    case("a Dockerfile and requirements.txt that are FIFOs", [str(fifo)], fifo, (0, 1, 2))
    configs = {
        "types": b'[tool.alpine-ready.check]\nmax-source-builds = "three"\nfail-on = 7\n',
        "unknown": b'[tool.alpine-ready.check]\nrm-rf = "/"\n',
        "alpine": b'[tool.alpine-ready.check]\nalpine = "../../../etc\\u001b[2J"\n',
        "negative": b"[tool.alpine-ready.check]\nmax-source-builds = -99999999999999999999\n",
        "not-table": b'[tool.alpine-ready]\ncheck = "yes"\n',
        "unterminated": b'[tool.alpine-ready.check\nalpine = "3.23',
        "deep": b"[tool.alpine-ready.check]\nx = " + b"[" * 200_000 + b"]" * 200_000 + b"\n",
        "deep-inline": b"x = " + b"{a=" * 100_000 + b"1" + b"}" * 100_000 + b"\n",
    }
    for name, text in configs.items():
        proj = _project(work, f"cfg-{name}", {"pyproject.toml": text, "Dockerfile": base})
        case(f"pyproject [tool.alpine-ready.check]: {name}", [str(proj)], proj, (2,))
    own = _project(
        work,
        "own-deep",
        {".alpine-ready.toml": b"[check]\nalpine = " + b"[" * 200_000 + b"]" * 200_000 + b"\n"},
    )
    case(".alpine-ready.toml [check] nested 200,000 deep", [str(own)], own, (2,))
    lock = _project(
        work,
        "deep-lock",
        {
            "package-lock.json": b'{"lockfileVersion": 3, "packages": '
            + b"[" * 1_000_000
            + b"]" * 1_000_000
            + b"}",
            "package.json": json.dumps({"name": "x", "dependencies": {"a": "1"}}).encode(),
        },
    )
    case("package-lock.json nested 1,000,000 deep", [str(lock)], lock, (0, 1, 2))
    # -o onto the project's own Dockerfile: the shell's ">" -- the named output is replaced
    # (after everything was read), nothing else in the project changes
    onto = _project(work, "onto", {"Dockerfile": base, "requirements.txt": b"flask==3.0.0\n"})
    out.append(
        Case(
            13,
            "check -o onto the project's own Dockerfile",
            ["check", str(onto), "-o", str(onto / "Dockerfile"), "--offline"],
            work,
            untouched=(onto / "requirements.txt", secret),
            check=_clean,
        )
    )
    proj = _project(work, "plain", {"Dockerfile": base})
    text = work / "not-an-archive.txt"
    text.write_text("hello\n")
    evil = _archive(
        work / "evil-archive.tar",
        {
            "manifest.json": json.dumps(
                [{"Config": "../../../../etc/passwd", "RepoTags": [], "Layers": ["/etc/shadow"]}]
            ).encode(),
        },
    )
    deep = _archive(
        work / "deep-archive.tar",
        {"manifest.json": b"[" * 1_000_000 + b"]" * 1_000_000},
    )
    for title, ref in [
        ("a text file", f"docker-archive:{text}"),
        ("/dev/zero", "docker-archive:/dev/zero"),
        ("a manifest naming ../ and absolute paths", f"docker-archive:{evil}"),
        ("a manifest nested 1,000,000 deep", f"docker-archive:{deep}"),
        ("a reference with escapes", "docker://127.0.0.1:1/\x1b]0;x\x07:1"),
        ("oci: of the project directory", f"oci:{proj}"),
    ]:
        # the image built today is what check decides on: unreadable, a one-line error
        case(f"--image {title}", [str(proj), "--image", ref], proj, (2,))
    pfifo = work / "path-fifo"
    if not pfifo.exists():
        os.mkfifo(pfifo)
    case("PATH a FIFO", [str(pfifo)], None, (2,))
    case("PATH a regular file", [str(secret)], None, (2,))
    return out
