"""Issue 10, Dockerfiles (classes 3, 7, 9, 13, 14c): ``lint``, ``lint --fix`` and ``translate``.

Class 3: ARG doubling bombs (28 and 199 lines, global and in a stage, through FROM),
defaults nested 80,000 deep, a RUN that names a 32 KiB value 12,000 times. Class 7:
25,000 one-line RUNs, FROM chains of 3,000 and 20,000 stages, a chain with ``apk add``
in every stage, a 4 MiB file of real Dockerfiles, and inputs at the parser's limits
(the largest instruction, the most instructions -- all fixable --, the most stages),
each through ``lint --offline``, ``lint --fix`` and ``translate``; past the limits (a
4 MiB RUN, a 128,000-line heredoc, a 184,000-stage chain: refused in one line); and
the short RUN that made bashlex loop (``'${'x``). Class 13: ``lint --fix`` on a symlink,
a hard-linked and a read-only Dockerfile (refused, left as they were). Class 14c:
``lint`` and ``translate`` on a FIFO nobody writes, a FIFO planted as
``.alpine-ready.toml``. Class 9: terminal escapes in translate's account.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from alpine_ready.dockerfile import (
    MAX_BYTES,
    MAX_EXPANSION_DEPTH,
    MAX_INSTRUCTION_CHARS,
    MAX_INSTRUCTION_EXPANSIONS,
    MAX_INSTRUCTION_LINES,
    MAX_INSTRUCTIONS,
    MAX_STAGES,
)
from hostile._case import Case

Check = Callable[[str, str], "str | None"]
DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "dockerfiles"


def _error(pattern: str) -> Check:
    """Stderr is one ``alpine-ready: error:`` line matching ``pattern``."""

    def check(out: str, err: str) -> str | None:
        lines = err.strip("\n").split("\n")
        if len(lines) != 1 or not lines[0].startswith("alpine-ready: error: "):
            return f"not one error line: {err[:200]!r}"
        if not re.search(pattern, lines[0]):
            return f"error does not match {pattern!r}: {lines[0][:200]!r}"
        return None

    return check


def _says(pattern: str, where: str = "out") -> Check:
    """The output (``out``) or stderr (``err``) matches ``pattern``; no error line."""

    def check(out: str, err: str) -> str | None:
        if "alpine-ready: error" in err:
            return f"error: {err.strip()[:200]!r}"
        text = out if where == "out" else err
        return (
            None
            if re.search(pattern, text, re.M)
            else f"{where} lacks {pattern!r}: {text[-300:]!r}"
        )

    return check


def _no_escape(out: str, err: str) -> str | None:
    return "raw ESC on stderr" if "\x1b" in err else None


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _bomb(lines: int, *, global_args: bool) -> str:
    args = ["ARG A0=xx", *(f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, lines + 1))]
    if global_args:
        return "\n".join([*args, f"FROM alpine:$A{lines}", "RUN apk add --no-cache curl"]) + "\n"
    return "\n".join(["FROM alpine:3.20", *args, f"RUN apk add --no-cache $A{lines}"]) + "\n"


def _continued(words: list[str], per_line: int = 1000) -> str:
    """``words`` joined over continuation lines (BuildKit reads lines of up to 64 KiB)."""
    return "\\\n".join("".join(words[i : i + per_line]) for i in range(0, len(words), per_line))


def _nested(depth: int) -> str:
    return (
        "FROM alpine:3.20\nARG X="
        + _continued(["${A:-"] * depth + ["x"] + ["}"] * depth)
        + "\nRUN apk add --no-cache $X\n"
    )


def _lookups() -> str:
    """A 32 KiB value named 12,000 times in one RUN (60 KB: within MAX_SHELL_CHARS)."""
    return (
        "FROM alpine:3.20\nARG A0=xx\n"
        + "".join(f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}\n" for i in range(1, 15))
        + "RUN apk add --no-cache "
        + _continued([" $A14"] * 12_000)
        + "\n"
    )


def _runs(n: int) -> str:
    return "FROM alpine:3.20\n" + "RUN a\n" * n


def _chain(n: int) -> str:
    return "FROM debian:12 AS s0\n" + "".join(f"FROM s{i} AS s{i + 1}\n" for i in range(n))


def _chain_fill() -> str:
    out = ["FROM debian:12 AS s0\n"]
    size, i = len(out[0]), 0
    while True:
        line = f"FROM s{i} AS s{i + 1}\n"
        if size + len(line) > MAX_BYTES:
            return "".join(out)
        out.append(line)
        size += len(line)
        i += 1


def _apk_chain(n: int) -> str:
    return "FROM alpine:3.20 AS s0\n" + "".join(
        f"FROM s{i} AS s{i + 1}\nRUN apk add --no-cache p{i} && apk del p{i - 1} && "
        f"gcc -o x x.c && bash -c 'echo $((1+1))'\n"
        for i in range(n)
    )


def _one_run(size: int, lines: int | None = None) -> str:
    """One RUN of ``size`` characters (at most ``lines`` lines) of apt-get and substitutions."""
    head = "FROM debian:12\nRUN "
    step = 'apt-get install -y --no-install-recommends curl "$X" $(echo z) && \\\n    '
    n = (size - len(head) - 20) // len(step)
    return head + step * (n if lines is None else min(n, lines - 1)) + "true\n"


def _heredoc(lines: int) -> str:
    return "FROM alpine:3.20\nRUN <<EOF\n" + "apk add curl \\\n" * lines + "EOF\n"


def _fixable_runs(n: int) -> str:
    return "FROM alpine:3.20\n" + "".join(f"RUN apk add p{i}\n" for i in range(n - 1))


def _shortening_runs(n: int) -> str:
    """RUNs whose fix makes the text shorter.

    Past the shell-text budget each fixed text lets more RUNs be parsed (and found) than
    the one before: once a quadratic --fix.
    """
    return "FROM alpine:3.20\n" + "RUN apk update && apk add curl\n" * (n - 1)


def _real() -> str:
    parts = []
    for p in sorted(DATA.glob("*.Dockerfile")):
        text = p.read_text()
        if "escape=" in text:
            continue
        lines = [ln for ln in text.splitlines(keepends=True) if not ln.startswith("# syntax=")]
        parts.append("".join(lines).rstrip("\n") + "\n")
    unit = "".join(parts)
    return unit * (MAX_BYTES // len(unit))


def _escapes() -> str:
    return (
        "FROM debian:12\n"
        "RUN apt-get update && apt-get install -y \x1b[2K\x1b[1Aok-pkg\u202eevil "
        "libfoo-\x1b]0;title\x07dev\n"
        "ADD https://example.com/\x1b[31mtool-linux-x86_64-gnu.tar.gz /opt/\n"
    )


def _trio(cls: int, name: str, path: Path, work: Path, *, fix: bool = True) -> list[Case]:
    """``lint --offline``, ``lint --fix`` (on a copy) and ``translate`` of one file."""
    cases = [Case(cls, f"{name}: lint", ["lint", "--offline", str(path)], work)]
    if fix:
        copy = path.with_name(path.name + ".fix")
        shutil.copyfile(path, copy)
        cases.append(
            Case(cls, f"{name}: lint --fix", ["lint", "--offline", "--fix", str(copy)], work)
        )
    cases.append(
        Case(
            cls,
            f"{name}: translate",
            ["translate", "-q", str(path), "-o", str(work / "out.Dockerfile")],
            work,
        )
    )
    return cases


def cases(work: Path) -> list[Case]:
    """Build the inputs under ``work``; the cases that run on them."""
    w = work
    out: list[Case] = []
    # -- class 3: expansion budget
    for n in (28, 199):
        p = _write(w / f"bomb{n}.Dockerfile", _bomb(n, global_args=False))
        out += [
            Case(
                3,
                f"ARG bomb {n} lines",
                ["lint", "--offline", str(p)],
                w,
                check=_says(r"ARG expansion stopped: value over 65,536 characters"),
            ),
            Case(3, f"ARG bomb {n} lines: lint --fix", ["lint", "--offline", "--fix", str(p)], w),
            Case(3, f"ARG bomb {n} lines: translate", ["translate", "-q", str(p)], w),
        ]
    p = _write(w / "bomb-global.Dockerfile", _bomb(199, global_args=True))
    out += [
        Case(
            3,
            "ARG bomb 199 global, FROM $A199",
            ["lint", "--offline", str(p)],
            w,
            check=_says(r"ARG expansion stopped"),
        ),
        Case(3, "ARG bomb 199 global: translate", ["translate", "-q", str(p)], w),
    ]
    p = _write(w / "nested.Dockerfile", _nested(80_000))
    out += [
        Case(
            3,
            "defaults nested 80,000 deep",
            ["lint", "--offline", str(p)],
            w,
            exits=(2,),
            check=_error(r"MAX_INSTRUCTION_EXPANSIONS"),
        ),
        Case(
            3,
            "defaults nested 80,000 deep: translate",
            ["translate", "-q", str(p)],
            w,
            exits=(2,),
            check=_error(r"MAX_INSTRUCTION_EXPANSIONS"),
        ),
    ]
    p = _write(
        w / "nestedrun.Dockerfile",
        "FROM debian:12\nRUN echo " + "${A:-" * 2000 + "x" + "}" * 2000 + "\n",
    )
    out.append(
        Case(
            7,
            "RUN ${A:-…} 2,000 deep (12 KB; cubic in BuildKit)",
            ["lint", "--offline", str(p)],
            w,
            exits=(2,),
            check=_error(r"MAX_EXPANSION_DEPTH"),
        )
    )
    nest = "${A:-" * MAX_EXPANSION_DEPTH + "x" + "}" * MAX_EXPANSION_DEPTH
    out += _trio(
        7,
        "RUN ${…} at MAX_EXPANSION_DEPTH/_EXPANSIONS",
        _write(
            w / "nestlimit.Dockerfile",
            "FROM debian:12\nRUN echo "
            + nest * (MAX_INSTRUCTION_EXPANSIONS // MAX_EXPANSION_DEPTH)
            + "\n",
        ),
        w,
    )
    p = _write(w / "lookups.Dockerfile", _lookups())
    out.append(
        Case(
            3,
            "RUN naming a 32 KiB value 12,000 times",
            ["lint", "--offline", str(p)],
            w,
            check=_says(r"ARG expansion stopped"),
        )
    )
    # -- class 7: linear time
    out += _trio(7, "25,000 RUNs", _write(w / "runs.Dockerfile", _runs(25_000)), w)
    out += _trio(7, "3,000-stage FROM chain", _write(w / "chain3k.Dockerfile", _chain(3_000)), w)
    out += _trio(7, "20,000-stage FROM chain", _write(w / "chain20k.Dockerfile", _chain(20_000)), w)
    p = _write(w / "chainmax.Dockerfile", _chain_fill())
    out.append(
        Case(
            7,
            "4 MiB FROM chain (184,000 stages)",
            ["lint", "--offline", str(p)],
            w,
            exits=(2,),
            check=_error(r"MAX_INSTRUCTIONS"),
        )
    )
    out += _trio(
        7, "5,000 stages with apk+gcc+bash", _write(w / "apkchain.Dockerfile", _apk_chain(5_000)), w
    )
    out += _trio(
        7,
        "one RUN at MAX_INSTRUCTION_LINES/_CHARS",
        _write(w / "bigrun.Dockerfile", _one_run(MAX_INSTRUCTION_CHARS, MAX_INSTRUCTION_LINES)),
        w,
    )
    p = _write(w / "onerun.Dockerfile", _one_run(MAX_BYTES))
    out.append(
        Case(
            7,
            "one 4 MiB RUN (58,000 lines)",
            ["lint", "--offline", str(p)],
            w,
            exits=(2,),
            check=_error(r"MAX_INSTRUCTION_LINES"),
        )
    )
    p = _write(w / "heredoc.Dockerfile", _heredoc(128_000))
    out.append(
        Case(
            7,
            "heredoc of 128,000 lines",
            ["lint", "--offline", str(p)],
            w,
            exits=(2,),
            check=_error(r"MAX_INSTRUCTION_LINES"),
        )
    )
    out += _trio(
        7,
        f"{MAX_INSTRUCTIONS:,} fixable RUNs (MAX_INSTRUCTIONS)",
        _write(w / "fixable.Dockerfile", _fixable_runs(MAX_INSTRUCTIONS)),
        w,
    )
    out += _trio(
        7,
        f"{MAX_INSTRUCTIONS:,} RUNs whose fixes shorten the text",
        _write(w / "shortening.Dockerfile", _shortening_runs(MAX_INSTRUCTIONS)),
        w,
    )
    out += _trio(
        7,
        f"{MAX_STAGES - 1:,}-stage FROM chain (MAX_STAGES)",
        _write(w / "chainlimit.Dockerfile", _chain(MAX_STAGES - 1)),
        w,
    )
    out += _trio(7, "4 MiB of real Dockerfiles", _write(w / "real.Dockerfile", _real()), w)
    p = _write(
        w / "bashlex.Dockerfile",
        "FROM alpine:3.20\nRUN echo '${'x && apk add curl\nRUN $'${' ; apk add bash\n",
    )
    out.append(
        Case(7, "bashlex loop: '${'x and $'${'", ["lint", "--offline", str(p)], w, exits=(1,))
    )
    # -- class 13: lint --fix refuses what it must not rewrite
    fixable = "FROM alpine:3.20\nRUN apk add curl\n"
    target = _write(w / "outside" / "Dockerfile", fixable)
    link = w / "repo-link" / "Dockerfile"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(target)
    out.append(
        Case(
            13,
            "--fix on a symlinked Dockerfile",
            ["lint", "--offline", "--fix", str(link)],
            w,
            exits=(2,),
            untouched=(target, link),
            check=_error(r"is a symlink"),
        )
    )
    hard = _write(w / "hard" / "Dockerfile", fixable)
    other = hard.with_name("other")
    other.unlink(missing_ok=True)
    os.link(hard, other)
    out.append(
        Case(
            13,
            "--fix on a hard-linked Dockerfile",
            ["lint", "--offline", "--fix", str(hard)],
            w,
            exits=(2,),
            untouched=(hard, other),
            check=_error(r"2 hard links"),
        )
    )
    ro = _write(w / "ro" / "Dockerfile", fixable)
    ro.chmod(0o444)
    out.append(
        Case(
            13,
            "--fix on a read-only (0444) Dockerfile",
            ["lint", "--offline", "--fix", str(ro)],
            w,
            exits=(2,),
            untouched=(ro,),
            check=_error(r"is read-only"),
        )
    )
    # -- class 14c: FIFOs never block
    fifo = w / "fifo" / "Dockerfile"
    fifo.parent.mkdir(parents=True, exist_ok=True)
    if not fifo.exists():
        os.mkfifo(fifo)
    out += [
        Case(
            14,
            "lint on a FIFO nobody writes",
            ["lint", "--offline", str(fifo)],
            w,
            exits=(2,),
            check=_error(r"no instructions"),
        ),
        Case(
            14,
            "translate on a FIFO nobody writes",
            ["translate", str(fifo)],
            w,
            exits=(2,),
            check=_error(r"no instructions"),
        ),
    ]
    conf = _write(w / "fifoconf" / "Dockerfile", fixable)
    planted = conf.with_name(".alpine-ready.toml")
    if not planted.exists():
        os.mkfifo(planted)
    out.append(
        Case(
            14,
            "lint beside a FIFO .alpine-ready.toml",
            ["lint", "--offline", str(conf)],
            w,
            exits=(1,),
        )
    )
    # -- class 9: translate's account quotes the Dockerfile
    p = _write(w / "escapes.Dockerfile", _escapes())
    out.append(
        Case(9, "translate: escapes in package names", ["translate", str(p)], w, check=_no_escape)
    )
    return out
