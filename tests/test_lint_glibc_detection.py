"""AR208 reads ``glibc-detection.json``: every pattern fires, its musl-aware twin does not.

Each case is a line a real build script writes to find glibc (release scripts of Node,
Rust and Java tools, install.sh files of CLIs); the table must have a firing case for
each of its ids, so a pattern added to the data without a test fails here.
"""

from __future__ import annotations

import pytest

from alpine_ready.dockerfile import parse_text
from alpine_ready.knowledge.detection import glibc_detection
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.rules import rule

A = "FROM alpine:3.21\n"

FIRES = {
    "ldd-version": ("RUN ldd --version 2>&1 | head -n1 | grep -o '[0-9.]*$'", (2, 5)),
    "ldd-grep-not-found": ("RUN ldd /usr/bin/app | grep -q 'not found' && exit 1 || true", (2, 5)),
    "ldd-grep-libc-so-6": (
        "RUN if ldd /bin/ls | grep -q libc.so.6; then LIBC=gnu; else exit 1; fi",
        (2, 8),
    ),
    "getconf-gnu-libc": ('RUN echo "glibc $(getconf GNU_LIBC_VERSION)"', (2, 19)),
    "ldconfig-p": ("RUN ldconfig -p | grep -q libssl.so.3", (2, 5)),
    "ld-so-conf": ("RUN echo /opt/app/lib > /etc/ld.so.conf.d/app.conf", (2, 25)),
    "multiarch": ("RUN test -e /lib/x86_64-linux-gnu/libc.so.6 && echo glibc", (2, 13)),
    "glibc-loader": ("RUN [ -e /lib64/ld-linux-x86-64.so.2 ] && echo glibc", (2, 10)),
    "gnu-get-libc-version": (
        "RUN python3 -c 'import ctypes; print(ctypes.CDLL(None).gnu_get_libc_version())'",
        (2, 16),
    ),
    "cs-gnu-libc-version": (
        "RUN python3 -c 'import os; print(os.confstr(\"CS_GNU_LIBC_VERSION\"))'",
        (2, 16),
    ),
    "platform-libc-ver": (
        "RUN python3 -c 'import platform; assert platform.libc_ver()[0] == \"glibc\"'",
        (2, 16),
    ),
}

#: The same checks written to tell musl apart (or harmless): none fires.
MUSL_AWARE = [
    "RUN ldd --version 2>&1 | grep -qi musl && echo musl",
    "RUN if ldd /bin/ls | grep -q musl; then LIBC=musl; else LIBC=gnu; fi",
    "RUN ldd /bin/ls | grep -q -e libc.so.6 -e musl",
    "RUN ldd /usr/bin/app > /dev/null",
    "RUN ldconfig /usr/local/lib",
    "RUN echo /opt/app/lib >> /etc/ld-musl-x86_64.path",
    "RUN test -e /lib/ld-musl-x86_64.so.1 && echo musl",
    "RUN python3 -c 'import platform; print(platform.libc_ver() or \"musl\")'",
    'RUN python3 -c \'import ctypes, sys; lib = "musl" if sys.platform else ""; '
    "print(ctypes.CDLL(None).gnu_get_libc_version())'",
    "RUN curl -fsSLO https://x.io/lib/x86_64-linux-gnu/a.so.sig",
]


def _lint(text: str) -> list[tuple[int, int, str]]:
    found = rule("AR208")
    assert found is not None
    ctx = LintContext(parse_text(text), options={})
    return [(f.line, f.column, f.message) for f in found.check(ctx)]


def test_every_pattern_has_a_case() -> None:
    table = glibc_detection()
    ids = {p.id for p in table.commands} | {p.id for p in (*table.paths, *table.text)}
    assert ids == set(FIRES)


@pytest.mark.parametrize("pattern_id", sorted(FIRES))
def test_pattern_fires(pattern_id: str) -> None:
    line, at = FIRES[pattern_id]
    table = glibc_detection()
    by_id = {p.id: p.message for p in table.commands} | {
        p.id: p.message for p in (*table.paths, *table.text)
    }
    got = _lint(A + line + "\n")
    assert [(ln, col) for ln, col, _ in got] == [at]
    head = by_id[pattern_id].split("{path}")[-1][:30]
    assert head in got[0][2]


@pytest.mark.parametrize("line", MUSL_AWARE)
def test_musl_aware_does_not_fire(line: str) -> None:
    assert _lint(A + line + "\n") == []


@pytest.mark.parametrize("pattern_id", sorted(FIRES))
def test_not_on_glibc_bases(pattern_id: str) -> None:
    assert _lint("FROM debian:12-slim\n" + FIRES[pattern_id][0] + "\n") == []
