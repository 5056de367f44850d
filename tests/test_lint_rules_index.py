"""AR108 and AR109: ``apk add`` checked against Alpine's package index of the stage's release.

The index is a real-format one (``tests/apk_mirror.py``): the real Alpine 3.23 installed
database plus test records, parsed directly for the one-line cases and served by the
local mirror for the engine and the command line.
"""

# ruff: noqa: F811 (the fixtures of apk_mirror are imported, then requested by name)

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from alpine_ready.dockerfile import parse_text
from alpine_ready.knowledge.apkindex import PackageIndex, parse_index
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.engine import LintOptions, run
from alpine_ready.lint.model import Finding, Severity
from alpine_ready.lint.rules import rule
from apk_mirror import (  # noqa: F401 (fixtures)
    apkindex_targz,
    index_text_of_installed,
    installed_db,
    record,
    serve,
    test_records,
)

DATA = Path(__file__).parent / "data" / "dockerfiles"
CODES = ("AR108", "AR109")


@pytest.fixture(scope="module")
def index_323(installed_db: str, test_records: str) -> PackageIndex:
    return parse_index(index_text_of_installed(installed_db) + "\n" + test_records, release="3.23")


def lint(text: str, index: PackageIndex | None, code: str) -> list[Finding]:
    asked: list[str] = []

    def indexes(release: str) -> PackageIndex | None:
        asked.append(release)
        return index if release == "3.23" else None

    ctx = LintContext(parse_text(text), package_indexes=indexes)
    found = rule(code)
    assert found is not None
    return sorted(found.check(ctx), key=lambda f: (f.line, f.column))


@pytest.mark.parametrize("code", CODES)
def test_registered(code: str) -> None:
    r = rule(code)
    assert r is not None and r.meta.severity is Severity.ERROR and r.meta.category == "apk"
    assert r.meta.doc.what and r.meta.doc.why and r.meta.doc.instead


def test_a_name_the_release_lacks(index_323: PackageIndex) -> None:
    text = "FROM alpine:3.23\nRUN apk add --no-cache curl libssl-dev linux-pam zlib\n"
    (f,) = lint(text, index_323, "AR108")
    assert (f.line, f.column, f.end_column) == (2, 29, 39)
    assert "`libssl-dev` is not a package of Alpine 3.23" in f.message


def test_the_provides_name_the_package(index_323: PackageIndex) -> None:
    text = "FROM alpine:3.23\nRUN apk add --no-cache xmllint libxml-2.0\n"
    got = [f.message for f in lint(text, index_323, "AR108")]
    assert len(got) == 2
    assert "the command xmllint is in libxml2-utils" in got[0]
    assert "the pkg-config module libxml-2.0 is in libxml2-dev" in got[1]


def test_silent_where_the_index_cannot_speak(index_323: PackageIndex) -> None:
    for text in (
        "FROM alpine:3.23\nRUN apk add --no-cache nope@testing\n",  # another repository
        "FROM alpine:3.23\nRUN apk add -X https://x.test/edge/testing nope\n",
        "FROM alpine\nRUN apk add --no-cache nope\n",  # no release in the tag
        "FROM alpine:3.20\nRUN apk add --no-cache nope\n",  # no index of 3.20 here
        "FROM alpine:3.23\nRUN apk add --no-cache $PKGS so:libnope.so.1 ./x.apk\n",
        "FROM debian:12\nRUN apk add --no-cache nope\n",  # a glibc base: other rules
    ):
        assert lint(text, index_323, "AR108") == [], text
    # no index at all (offline, cold cache): silent
    assert lint("FROM alpine:3.23\nRUN apk add nope\n", None, "AR108") == []
    # a lint with no lookups (a context of its own)
    r = rule("AR108")
    assert r is not None
    ctx = LintContext(parse_text("FROM alpine:3.23\nRUN apk add nope\n"))
    assert list(r.check(ctx)) == []


def test_an_exact_pin_the_release_no_longer_has(index_323: PackageIndex) -> None:
    curl = index_323.version("curl")
    assert curl is not None
    text = (
        "FROM alpine:3.23\n"
        f"RUN apk add --no-cache curl={curl} zlib=1.0.0-r0 musl~1.2 'linux-pam>=1' nope=1-r0\n"
    )
    (f,) = lint(text, index_323, "AR109")
    zlib = index_323.version("zlib")
    assert f.line == 2 and f"`zlib=1.0.0-r0`: Alpine 3.23 has zlib {zlib}" in f.message
    assert re.search(r"pin `zlib~\d+\.\d+`", f.message)
    assert f.column == text.splitlines()[1].index("zlib=") + 1


def test_the_engine_and_the_command_line_with_a_served_index(
    installed_db: str, test_records: str, tmp_path: Path
) -> None:
    # apk-hygiene-bad.Dockerfile is on alpine:3.20: served as 3.20, the test records
    # have tzdata at another revision and every other name but jq
    extra = "".join(record(n) for n in ("gcc", "musl-dev", "make", "libffi-dev", "tzdata")).replace(
        "P:tzdata\nV:1.0-r0", "P:tzdata\nV:2025b-r0"
    )
    m = serve(
        {
            "main": apkindex_targz(index_text_of_installed(installed_db)),
            "community": apkindex_targz(test_records + "\n" + extra),
        },
        release="3.20",
    )
    path = str(DATA / "apk-hygiene-bad.Dockerfile")
    try:
        report = run(LintOptions(paths=(path,), select=CODES, mirror=m.url))
        argv = [path, "--select", "AR108,AR109", "--format", "json", "--mirror", m.url]
        proc = subprocess.run(
            [sys.executable, "-m", "alpine_ready", "lint", *argv],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        m.close()
    got = [(f.code, f.line) for f in report.findings]
    assert got == [("AR109", 11), ("AR108", 22)]
    jq = report.findings[1]
    assert "`jq` is not a package of Alpine 3.20" in jq.message
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    text = json.dumps(doc)
    assert "AR108" in text and "AR109" in text and "tzdata=2024b-r0" in text
    # offline with a cold cache (the test session's default): the same file, silent
    quiet = run(LintOptions(paths=(path,), select=CODES, offline=True))
    assert quiet.findings == ()
