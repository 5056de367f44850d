"""Does BuildKit's own Dockerfile parser accept what alpine-ready's parser accepts?

The oracle is a real BuildKit: ``docker buildx build --check`` against a Docker daemon
(``DOCKER_HOST``), whose Dockerfile frontend parses the file before it resolves a base
image.  A file BuildKit refuses gets ``dockerfile parse error on line N``; any other
outcome (the checks ran, or the base image could not be resolved) means it parsed.
alpine-ready's answer is :func:`alpine_ready.dockerfile.parse_text` (lint, translate and
check all read through it).  Each file counts once; the run prints every disagreement.

Inputs: every ``*.Dockerfile`` under ``--corpus`` (the experts corpus of
``tools/experts_measure.py``: their Debian and Alpine files), and with ``--translations``
the translate output of each ``debian.Dockerfile`` too -- what users would build.

No daemon is needed by the tests; this is a measurement.  A daemon with BuildKit runs
without Docker Hub: this machine had Debian sid's ``docker.io``, ``docker-cli``,
``docker-buildx`` and ``containerd`` packages unpacked with ``dpkg -x`` and
``dockerd --storage-driver vfs --iptables=false --bridge=none`` (containers need not run:
parsing comes first).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alpine_ready.dockerfile import parse_text
from alpine_ready.errors import InputError
from alpine_ready.translate import TranslateOptions
from alpine_ready.translate import run as translate_run

_PARSE_ERROR = re.compile(r"dockerfile parse error on line (\d+): (.*)")


@dataclass(frozen=True)
class Verdict:
    """One parser's answer for one file: accepted, or refused at a line."""

    accepted: bool
    line: int | None = None
    message: str = ""


def buildkit(text: str) -> Verdict:
    """BuildKit's answer, from ``docker buildx build --check`` on ``text`` alone."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "Dockerfile").write_text(text, encoding="utf-8")
        done = subprocess.run(
            ["docker", "buildx", "build", "--check", "--progress", "plain", tmp],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    m = _PARSE_ERROR.search(done.stdout + done.stderr)
    if m is None:
        return Verdict(True)
    return Verdict(False, int(m[1]), m[2].strip())


def ours(text: str, name: str) -> Verdict:
    """alpine-ready's answer: its parser's clean refusal, naming the line."""
    try:
        parse_text(text, name)
    except InputError as exc:
        m = re.match(rf"{re.escape(name)}:(\d+): (.*)", str(exc))
        return Verdict(False, int(m[1]) if m else None, m[2] if m else str(exc))
    return Verdict(True)


def inputs(corpus: Path, translations: bool) -> list[tuple[str, str]]:
    """(name, text) of every file to judge."""
    out = [
        (str(p.relative_to(corpus)), p.read_text(encoding="utf-8"))
        for p in sorted(corpus.rglob("*.Dockerfile"))
    ]
    if translations:
        for p in sorted(corpus.glob("*/*/debian.Dockerfile")):
            context = p.parent / "debian-context"
            rep = translate_run(
                TranslateOptions(
                    path=str(p), offline=True, context=context if context.is_dir() else None
                )
            )
            out.append((f"{p.parent.relative_to(corpus)}/translated", rep.text))
    return out


def main() -> int:
    """Judge every file with both parsers; print the count and each disagreement."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="the experts corpus directory")
    ap.add_argument(
        "--translations",
        action="store_true",
        help="also judge translate's output of each debian.Dockerfile",
    )
    args = ap.parse_args()
    if shutil.which("docker") is None:
        print("error: needs the docker CLI with buildx, and a daemon (DOCKER_HOST)")
        return 2
    files = inputs(args.corpus, args.translations)
    agree = refused_both = 0
    for k, (name, text) in enumerate(files, 1):
        print(f"[{k}/{len(files)}] {name}", file=sys.stderr, end="\r")
        theirs, mine = buildkit(text), ours(text, name)
        if theirs.accepted == mine.accepted and theirs.line == mine.line:
            agree += 1
            refused_both += not mine.accepted
            if not mine.accepted:
                print(f"both refuse {name}:{mine.line}: BuildKit {theirs.message!r}")
        else:
            print(f"DISAGREE {name}: BuildKit {theirs}, alpine-ready {mine}")
    print(
        f"agreement with BuildKit's parser: {agree}/{len(files)} files "
        f"({refused_both} refused by both at the same line)"
    )
    return 0 if agree == len(files) else 1


if __name__ == "__main__":
    sys.exit(main())
