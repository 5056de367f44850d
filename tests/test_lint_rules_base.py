"""The base-image rules AR301–AR303 and the knowledge they read.

One-line Dockerfiles that fire (exact line and column) and that do not; fixes applied by
the helper of ``test_lint_rules_musl`` and linted again; AR302 judged on fixed dates
(its ``today`` option) on both sides of an end-of-support day; AR303 on realistic
fixtures, with the real package checker where pip installs matter.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from alpine_ready import knowledge
from alpine_ready.knowledge.images import (
    alpine_counterpart,
    alpine_support,
    apt_package_known,
    base_image_size,
)
from alpine_ready.lint.model import FixSafety, Severity
from alpine_ready.lint.rules import RULES, rule
from test_lint_rules_musl import IndexChecker, checker, fixed, lint, where

__all__ = ["checker"]  # the module-scoped fixture, shared

DATA = Path(__file__).parent / "data" / "dockerfiles"
BASE_RULES = ("AR301", "AR302", "AR303", "AR304")
CURRENT = knowledge.default_release()
TODAY = {"AR302": {"today": "2026-11-27"}}


def lint302(text: str, today: str = "2026-11-27") -> list[Any]:
    return lint(text + "\n", "AR302", options={"AR302": {"today": today}})


# --- metadata ---------------------------------------------------------------------------

EXPECTED_META = {
    "AR301": ("alpine-untagged-or-latest", Severity.WARNING, "DL3007", FixSafety.UNSAFE),
    "AR302": ("alpine-release-unsupported", Severity.WARNING, None, FixSafety.UNSAFE),
    "AR303": ("glibc-base-could-be-alpine", Severity.STYLE, None, None),
    "AR304": ("glibc-base-translate-hint", Severity.STYLE, None, None),
}


@pytest.mark.parametrize("code", BASE_RULES)
def test_registered_with_metadata(code: str) -> None:
    r = rule(code)
    assert r is not None and r in RULES
    name, severity, hadolint, fix = EXPECTED_META[code]
    meta = r.meta
    assert (meta.name, meta.severity, meta.hadolint, meta.fix, meta.category) == (
        name,
        severity,
        hadolint,
        fix,
        "base",
    )
    assert rule(name) is r
    for part in (meta.doc.summary, meta.doc.what, meta.doc.why, meta.doc.example, meta.doc.instead):
        assert part.strip()
    assert dict(meta.options) == ({"today": None} if code == "AR302" else {})


@pytest.mark.parametrize("code", BASE_RULES)
def test_doc_example_fires_and_instead_does_not(code: str) -> None:
    r = rule(code)
    assert r is not None
    assert lint(r.meta.doc.example + "\n", code, options=TODAY)
    assert lint(r.meta.doc.instead + "\n", code, options=TODAY) == []


# --- AR301 alpine-untagged-or-latest ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at", "after"),
    [
        pytest.param("FROM alpine", (1, 6), f"FROM alpine:{CURRENT}", id="untagged"),
        pytest.param("FROM alpine:latest", (1, 6), f"FROM alpine:{CURRENT}", id="latest"),
        pytest.param("FROM alpine:edge AS dev", (1, 6), f"FROM alpine:{CURRENT} AS dev", id="edge"),
        pytest.param("FROM alpine:3", (1, 6), f"FROM alpine:{CURRENT}", id="major-only"),
        pytest.param("FROM python:alpine", (1, 6), f"FROM python:alpine{CURRENT}", id="python"),
        pytest.param(
            "FROM --platform=linux/amd64 node:alpine AS web",
            (1, 29),
            f"FROM --platform=linux/amd64 node:alpine{CURRENT} AS web",
            id="node-platform",
        ),
        pytest.param(
            "FROM docker.io/library/alpine",
            (1, 6),
            f"FROM docker.io/library/alpine:{CURRENT}",
            id="full-name",
        ),
        pytest.param(
            "FROM debian:12 AS a\nFROM alpine",
            (2, 6),
            f"FROM debian:12 AS a\nFROM alpine:{CURRENT}",
            id="second-stage",
        ),
    ],
)
def test_301_fires_and_fix_pins(text: str, at: tuple[int, int], after: str) -> None:
    (f,) = lint(text + "\n", "AR301")
    assert (f.line, f.column) == at
    assert f.fix is not None and f.fix.safety is FixSafety.UNSAFE
    assert fixed(text + "\n", f) == after + "\n"
    assert lint(after + "\n", "AR301") == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("FROM httpd:alpine", id="no-release-suffix-tags"),
        pytest.param("FROM ghcr.io/acme/app:alpine", id="not-official"),
        pytest.param("ARG TAG=latest\nFROM alpine:${TAG}", id="through-arg"),
    ],
)
def test_301_fires_without_fix(text: str) -> None:
    (f,) = lint(text + "\n", "AR301")
    assert f.fix is None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("FROM alpine:3.20", id="pinned"),
        pytest.param("FROM alpine:3.20.3", id="patch"),
        pytest.param("FROM alpine@sha256:" + "0" * 64, id="digest"),
        pytest.param("FROM alpine:latest@sha256:" + "0" * 64, id="latest-digest"),
        pytest.param("FROM python:3.12-alpine", id="version-alpine"),
        pytest.param("FROM python:3.12-alpine3.23", id="fully-pinned"),
        pytest.param("FROM alpine:3.20 AS base\nFROM base", id="stage"),
        pytest.param("FROM $BASE", id="unresolved"),
        pytest.param("FROM scratch", id="scratch"),
        pytest.param("FROM debian", id="debian"),
    ],
)
def test_301_quiet(text: str) -> None:
    assert lint(text + "\n", "AR301") == []


def test_301_message() -> None:
    (f,) = lint("FROM python:alpine\n", "AR301")
    assert "python:alpine" in f.message and CURRENT in f.message
    assert f.hadolint == "DL3007"


# --- AR302 alpine-release-unsupported ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "at", "after"),
    [
        pytest.param("FROM alpine:3.18", (1, 6), f"FROM alpine:{CURRENT}", id="alpine"),
        pytest.param("FROM alpine:3.18.4 AS x", (1, 6), f"FROM alpine:{CURRENT} AS x", id="patch"),
        pytest.param(
            "FROM python:3.12-alpine3.18", (1, 6), f"FROM python:3.12-alpine{CURRENT}", id="python"
        ),
        pytest.param(
            "FROM --platform=$BUILDPLATFORM golang:1.22-alpine3.19 AS build",
            (1, 32),
            f"FROM --platform=$BUILDPLATFORM golang:1.22-alpine{CURRENT} AS build",
            id="golang-platform",
        ),
        pytest.param("FROM alpine:3.21", (1, 6), f"FROM alpine:{CURRENT}", id="just-ended"),
        pytest.param("FROM alpine:1.9", (1, 6), f"FROM alpine:{CURRENT}", id="older-than-table"),
    ],
)
def test_302_fires_and_fix_moves_release(text: str, at: tuple[int, int], after: str) -> None:
    (f,) = lint302(text)
    assert (f.line, f.column) == at
    assert f.fix is not None and f.fix.safety is FixSafety.UNSAFE
    assert fixed(text + "\n", f) == after + "\n"
    assert lint302(after) == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ARG V=3.17\nFROM alpine:${V}", id="through-arg"),
        pytest.param("FROM alpine:3.18@sha256:" + "0" * 64, id="digest"),
    ],
)
def test_302_fires_without_fix(text: str) -> None:
    (f,) = lint302(text)
    assert f.fix is None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("FROM alpine:3.22", id="supported"),
        pytest.param(f"FROM alpine:{CURRENT}", id="current"),
        pytest.param("FROM alpine:3.30", id="newer-than-the-table"),
        pytest.param("FROM alpine:edge", id="edge"),
        pytest.param("FROM python:3.12-alpine", id="no-release"),
        pytest.param("FROM debian:10", id="debian"),
        pytest.param("FROM alpine:3.22 AS a\nFROM a", id="child-stage"),
    ],
)
def test_302_quiet(text: str) -> None:
    assert lint302(text) == []


def test_302_end_of_support_day_is_still_supported() -> None:
    assert lint302("FROM alpine:3.21", today="2026-11-01") == []
    (f,) = lint302("FROM alpine:3.21", today="2026-11-02")
    assert "reached end of support on 2026-11-01" in f.message
    assert "the oldest supported release is 3.22" in f.message
    assert "as of 2026-11-02" in f.message


def test_302_no_fix_when_the_target_release_is_itself_unsupported() -> None:
    (f,) = lint302("FROM alpine:3.18", today="2028-01-01")
    assert f.fix is None
    assert "the oldest supported release is 3.24" in f.message


def test_302_older_than_the_table_message() -> None:
    (f,) = lint302("FROM alpine:1.9")
    assert "is older than every release in Alpine's release table" in f.message


def test_302_today_defaults_to_the_real_date() -> None:
    (f,) = lint("FROM alpine:3.5\n", "AR302")
    assert f"as of {dt.date.today().isoformat()}" in f.message


def test_302_on_the_fixtures() -> None:
    text = (DATA / "multistage-go.Dockerfile").read_text()
    found = lint(text, "AR302", options=TODAY)
    assert where(found) == [(6, 32), (21, 6)]
    assert [f.fix is None for f in found] == [True, True]  # ARG-built base, and a digest


# --- AR303 glibc-base-could-be-alpine -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target", "saving"),
    [
        pytest.param(
            "FROM python:3.12-slim\nCOPY app.py /app/",
            "python:3.12-alpine",
            "~75 MB",
            id="python-slim",
        ),
        pytest.param(
            "FROM python:3.12-slim-bookworm\nRUN apt-get update && apt-get install -y "
            "--no-install-recommends libpq-dev curl",
            "python:3.12-alpine",
            "~75 MB",
            id="mapped-apt",
        ),
        pytest.param(
            "FROM debian:bookworm-slim\nCOPY app /app",
            f"alpine:{CURRENT}",
            "~67 MB",
            id="debian-slim",
        ),
        pytest.param("FROM node:20-bookworm\nRUN npm ci", "node:20-alpine", None, id="node"),
        pytest.param("FROM ubuntu:24.04\nCOPY x /x", f"alpine:{CURRENT}", None, id="ubuntu"),
        pytest.param("FROM php:8.3-fpm\nCOPY . /var/www", "php:8.3-fpm-alpine", None, id="php-fpm"),
        pytest.param(
            "FROM golang:1.22 AS build\nRUN go build -o /app\nFROM debian:12-slim\nCOPY app /app",
            f"alpine:{CURRENT}",
            "~67 MB",
            id="final-stage-only",
        ),
    ],
)
def test_303_suggests(text: str, target: str, saving: str | None) -> None:
    (f,) = lint(text + "\n", "AR303")
    assert f.severity is Severity.STYLE and f.fix is None
    first_from = (
        text.split("\n").index(
            next(ln for ln in reversed(text.split("\n")) if ln.startswith("FROM"))
        )
        + 1
    )
    assert (f.line, f.column) == (first_from, 6)
    assert f"→ {target}" in f.message and "alpine-ready deps" in f.message
    if saving is not None:
        assert f"would save {saving} uncompressed" in f.message
    else:
        assert "not in the tool's table" in f.message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("FROM python:3.12-alpine", id="already-alpine"),
        pytest.param("FROM debian:12 AS b\nFROM alpine:3.20", id="builder-glibc-final-alpine"),
        pytest.param(
            "FROM python:3.12-slim\nRUN curl -fsSLO https://x.io/t-x86_64-unknown-linux-gnu.tgz",
            id="glibc-download",
        ),
        pytest.param(
            "FROM python:3.12-slim\nRUN apt-get install -y libfoo-weird7", id="unknown-apt"
        ),
        pytest.param("FROM python:3.12-slim\nRUN apt-get install -y $PKGS", id="apt-variable"),
        pytest.param(
            "FROM debian:12\nRUN curl -O https://repo.anaconda.com/miniconda/Miniconda3-latest.sh",
            id="conda-url",
        ),
        pytest.param("FROM python:3.12\nRUN conda install numpy", id="conda"),
        pytest.param(
            "FROM golang:1.22 AS b\nFROM debian:12-slim\nCOPY --from=b /app /app",
            id="copy-from-glibc-stage",
        ),
        pytest.param(
            "FROM debian:12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.4 /uv /bin/",
            id="copy-from-image",
        ),
        pytest.param("FROM debian:12-slim\nRUN dpkg -i /tmp/x.deb", id="dpkg"),
        pytest.param("FROM php:8.3-apache", id="no-alpine-variant"),
        pytest.param("FROM mysql:8", id="no-alpine-image"),
        pytest.param("FROM ghcr.io/acme/python:3.12-slim", id="not-official"),
        pytest.param("FROM python:3.12-slim AS base\nFROM base", id="final-builds-on-stage"),
        pytest.param("FROM mcr.microsoft.com/dotnet/aspnet:8.0", id="dotnet"),
    ],
)
def test_303_quiet(text: str) -> None:
    assert lint(text + "\n", "AR303") == []


def test_303_with_the_checker(checker: IndexChecker) -> None:
    ok = "FROM python:3.12-slim\nRUN pip install --no-cache-dir six==1.16.0 numpy==2.5.5\n"
    assert len(lint(ok, "AR303", checker=checker)) == 1
    blocked = "FROM python:3.12-slim\nRUN pip install --no-cache-dir torch==2.15.0\n"
    assert lint(blocked, "AR303", checker=checker) == []


def test_303_on_the_fixtures() -> None:
    (f,) = lint((DATA / "debian-python-app.Dockerfile").read_text(), "AR303")
    assert (f.line, f.column) == (2, 6)
    assert f.message.startswith("python:3.12-slim → python:3.12-alpine would save ~75 MB")
    # the other Debian fixture downloads a -linux-gnu tarball and generates locales
    assert lint((DATA / "debian-python.Dockerfile").read_text(), "AR303") == []


# --- the knowledge behind them ----------------------------------------------------------


def test_support_table() -> None:
    support = alpine_support()
    versions = [b.version for b in support.branches]
    assert versions[0] == "2.0" and "3.23" in versions
    dates = [b.end_of_support for b in support.branches]
    assert dates == sorted(dates)
    wanted = {
        "3.20": "2026-04-01",
        "3.21": "2026-11-01",
        "3.22": "2027-05-01",
        "3.23": "2027-11-01",
        "3.18": "2025-05-09",
        "3.16": "2024-05-23",
    }
    for v, day in wanted.items():
        b = support.branch(v)
        assert b is not None and b.end_of_support.isoformat() == day and b.confirmed
    assert support.branch("3.18.4") == support.branch("3.18")
    unconfirmed = [b.version for b in support.branches if not b.confirmed]
    assert unconfirmed == ["3.24"]
    assert "alpinelinux.org/releases" in support.source
    day = dt.date(2026, 11, 27)
    assert support.is_supported("3.22", day) is True
    assert support.is_supported("3.21", day) is False
    assert support.is_supported("1.0", day) is False
    assert support.is_supported("3.99", day) is None
    assert support.is_supported("edge", day) is None
    oldest = support.oldest_supported(day)
    assert oldest is not None and oldest.version == "3.22"
    for release in knowledge.releases():  # every release we have a profile for is dated
        assert support.branch(release) is not None


def test_sizes_table() -> None:
    assert base_image_size("alpine", "3.23") == base_image_size("alpine", None)
    for name, tag, mb in (
        ("alpine", "3.20", 8),
        ("debian", "bookworm-slim", 75),
        ("debian", "12-slim", 75),
        ("python", "3.12-slim", 125),
        ("python", "3.12-slim-bookworm", 125),
        ("python", "3.12.7-slim", 125),
        ("python", "3.12-alpine", 50),
        ("python", "3.12-alpine3.23", 50),
    ):
        size = base_image_size(name, tag)
        assert size is not None and size.uncompressed_mb == mb, (name, tag)
    assert base_image_size("python", "3.11-slim") is None
    assert base_image_size("node", "20-bookworm") is None


@pytest.mark.parametrize(
    ("repository", "tag", "target"),
    [
        ("library/python", "3.12-slim", "python:3.12-alpine"),
        ("library/python", "3.12-slim-bookworm", "python:3.12-alpine"),
        # pinned, as translate writes them: the bare alpine tag follows the newest release (AR301)
        ("library/python", None, f"python:alpine{CURRENT}"),
        ("library/python", "bookworm", f"python:alpine{CURRENT}"),
        ("library/node", "20-bookworm-slim", "node:20-alpine"),
        ("library/php", "8.3-fpm", "php:8.3-fpm-alpine"),
        ("library/php", "8.3-apache", None),
        ("library/debian", "bookworm-slim", f"alpine:{CURRENT}"),
        ("library/ubuntu", "24.04", f"alpine:{CURRENT}"),
        ("library/openjdk", "21-jdk-slim", "eclipse-temurin:21-jdk-alpine"),
        ("library/mysql", "8", None),
        ("acme/python", "3.12-slim", None),
    ],
)
def test_alpine_counterpart(repository: str, tag: str | None, target: str | None) -> None:
    short = repository.removeprefix("library/")
    assert alpine_counterpart(f"{short}:{tag}" if tag else short, CURRENT).new == target


def test_apt_names_come_from_the_shared_table() -> None:
    assert apt_package_known("build-essential") and apt_package_known("libpq-dev")
    assert apt_package_known("locales")  # a "drop" entry: nothing needed on Alpine
    assert not apt_package_known("libfoo-weird7")


def test_data_files_are_package_data() -> None:
    """The new JSON files ship in the wheel (pyproject: knowledge/data/*) and say their source."""
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert re.search(r'alpine_ready = \[[^\]]*"knowledge/data/\*"', pyproject)
    data = resources.files("alpine_ready.knowledge").joinpath("data")
    for name in ("alpine-support.json", "base-image-sizes.json"):
        doc = json.loads(data.joinpath(name).read_text("utf-8"))
        assert doc["schema"] == 1 and len(doc["source"]) > 80


# --- AR304: the pointer to translate on glibc final images AR303 leaves alone ----------


@pytest.mark.parametrize(
    ("text", "at", "says"),
    [
        pytest.param(
            "FROM node:20\nWORKDIR /app\nRUN curl -fsSLO https://nodejs.org/dist/v20.18.0/"
            'node-v20.18.0-linux-x64.tar.xz\nCMD ["node", "server.js"]',
            (1, 6),
            "(node:20-alpine)",
            id="glibc-download",
        ),
        pytest.param(
            "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-"
            "recommends libfoo-weird && rm -rf /var/lib/apt/lists/*",
            (1, 6),
            "installs libfoo-weird",
            id="unknown-apt-package",
        ),
        pytest.param(
            "FROM python:3.12-slim AS base\nRUN pip install --no-cache-dir flask\n"
            'FROM base\nCOPY app.py /app/\nCMD ["python", "/app/app.py"]',
            (3, 6),
            "builds on a stage FROM python:3.12-slim",
            id="builds-on-stage",
        ),
    ],
)
def test_304_points_to_translate(text: str, at: tuple[int, int], says: str) -> None:
    got = lint(text + "\n", "AR304")
    assert [(f.line, f.column) for f in got] == [at]
    assert "alpine-ready translate Dockerfile" in got[0].message and says in got[0].message
    assert lint(text + "\n", "AR303") == []  # never both


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            'FROM python:3.12-slim\nCOPY app.py /app/\nCMD ["python", "/app/app.py"]',
            id="ar303-case",
        ),
        pytest.param("FROM alpine:3.21\nRUN apk add --no-cache curl", id="alpine"),
        pytest.param("FROM python:3.12-alpine\nRUN pip install flask", id="python-alpine"),
        pytest.param(
            "FROM debian:12 AS build\nRUN make\nFROM alpine:3.21\nCOPY --from=build /a /a",
            id="alpine-final",
        ),
        pytest.param("FROM fedora:40\nRUN dnf install -y curl", id="no-counterpart"),
        pytest.param(
            "FROM ghcr.io/acme/debian:12\nRUN apt-get install -y libfoo-weird", id="other-registry"
        ),
    ],
)
def test_304_quiet(text: str) -> None:
    assert lint(text + "\n", "AR304") == []


def test_304_keeps_the_default_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Style is below the default --fail-on (info): the lint of a Debian file still passes."""
    from alpine_ready.cli.main import main

    monkeypatch.chdir(tmp_path)
    f = tmp_path / "Dockerfile"
    f.write_text(
        "FROM node:20\nRUN curl -fsSLO https://nodejs.org/dist/v20.18.0/"
        "node-v20.18.0-linux-x64.tar.xz\n"
    )
    assert main(["lint", str(f)]) == 0
    assert "AR304" in capsys.readouterr().out
    assert main(["lint", "--fail-on", "style", str(f)]) == 1
