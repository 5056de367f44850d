"""Lint AR210 busybox-applet-gnu-option, with the real busybox of Alpine 3.23 as the judge.

Every line the rule flags is run by the rootfs's own ``/bin/sh`` (busybox ash, chroot):
it must fail with busybox's own complaint about the option.  Every line it lets through
on the alpine image must get past option parsing there.  The rule's data
(``busybox-options.json``, apt-to-apk.json's wget facts) was made by asking the same
busybox; these tests ask it again, so a data drift shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alpine_ready.dockerfile import parse_text
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.model import Finding, Severity
from alpine_ready.lint.rules import rule
from musl_real import busybox_sh

A = "FROM alpine:3.22\n"

#: a RUN line busybox runs -> the options AR210 names.  Paths exist in the rootfs; the URL
#: is a port nothing listens on (only option parsing matters).
FLAGGED = {
    "wget --progress=dot:giga -O /tmp/x http://127.0.0.1:9/": ["--progress"],
    "wget --progress dot:giga -O /tmp/x http://127.0.0.1:9/": ["--progress"],
    "wget --show-progress -qO- http://127.0.0.1:9/": ["--show-progress"],
    "sed -z s/a/b/ /etc/hostname": ["-z"],
    "grep --quiet root /etc/passwd": ["--quiet"],
    "tar --exclude-vcs -cf /tmp/x.tar /etc/hostname": ["--exclude-vcs"],
    "find /etc -maxdepth 1 -printf %f": ["-printf"],
    "sort --parallel=2 /etc/passwd": ["--parallel"],
    "cp --preserve=mode /etc/hostname /tmp/h": ["--preserve"],
    "date --iso-8601": ["--iso-8601"],
    "/bin/tar --exclude-vcs -cf /tmp/x.tar /etc/hostname": ["--exclude-vcs"],
}
#: lines busybox's applets take as written: no finding
ACCEPTED = [
    "wget -qO- http://127.0.0.1:9/",
    "wget --output-document /tmp/x http://127.0.0.1:9/",
    "wget --no-verbose -O /tmp/x http://127.0.0.1:9/",
    "tar -czf /tmp/x.tgz /etc/hostname && tar -xzf /tmp/x.tgz -C /tmp --strip-components=1",
    "sed -i -e s/a/a/ /tmp/h || true",
    "grep -q root /etc/passwd",
    "find /etc -maxdepth 1 -name hostname -exec cat {} +",
    "sort -u /etc/passwd",
    "date -u +%s",
]


def lint(text: str) -> list[Finding]:
    found = rule("AR210")
    assert found is not None
    return sorted(found.check(LintContext(parse_text(text))), key=lambda f: (f.line, f.column))


def test_registered() -> None:
    r = rule("AR210")
    assert r is not None and rule("busybox-applet-gnu-option") is r
    assert (r.meta.severity, r.meta.category, r.meta.fix) == (Severity.ERROR, "musl", None)


@pytest.mark.parametrize("line", sorted(FLAGGED))
def test_flagged_and_busybox_rejects_it(line: str, alpine_rootfs: Path) -> None:
    (f,) = lint(A + f"RUN {line}\n")
    assert (f.code, f.line, f.column) == ("AR210", 2, 5)
    assert f"lacks {', '.join(FLAGGED[line])} " in f.message
    real = busybox_sh(alpine_rootfs, line)
    assert real.returncode != 0
    assert any(
        w in real.stderr for w in ("unrecognized option", "invalid option", "unrecognized: -")
    ), real.stderr


@pytest.mark.parametrize("line", ACCEPTED)
def test_not_flagged_and_busybox_takes_it(line: str, alpine_rootfs: Path) -> None:
    assert lint(A + f"RUN {line}\n") == []
    real = busybox_sh(alpine_rootfs, line)
    assert "unrecognized option" not in real.stderr and "invalid option" not in real.stderr


def test_the_gnu_package_installed_before_silences_it() -> None:
    text = (
        A
        + "RUN wget --progress=dot:giga -O x https://example.org/x\n"
        + "RUN apk add --no-cache wget tar\n"
        + "RUN wget --progress=dot:giga -O x https://example.org/x"
        + " && tar --exclude-vcs -cf x.tar .\n"
    )
    assert [f.line for f in lint(text)] == [2]


def test_in_the_same_run_only_after_the_install() -> None:
    text = A + "RUN sed -z s/a/b/ f; apk add --no-cache sed; sed -z s/a/b/ f\n"
    (f,) = lint(text)
    assert f.column == 5


def test_a_stage_from_the_alpine_stage_inherits_its_tools() -> None:
    text = "FROM alpine:3.22 AS base\nRUN apk add --no-cache coreutils\n"
    assert lint(text + "FROM base\nRUN date --iso-8601\n") == []
    assert len(lint("FROM alpine:3.22 AS base\nFROM base\nRUN date --iso-8601\n")) == 1


@pytest.mark.parametrize(
    "base",
    [
        "python:3.12-alpine",  # other images may carry GNU tools (php's keep GNU tar)
        "php:8.3-fpm-alpine",
        "debian:12",  # GNU's tools
        "scratch",
    ],
)
def test_not_judged_where_busybox_is_not_known_to_run_it(base: str) -> None:
    assert lint(f"FROM {base}\nRUN tar --exclude-vcs -cf x.tar .\n") == []


def test_a_tool_of_its_own_path_is_not_busybox() -> None:
    assert lint(A + "RUN /usr/local/bin/tar --exclude-vcs -cf x.tar .\n") == []
