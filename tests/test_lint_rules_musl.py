"""The musl hazard rules AR201–AR208: one-liners, fixes, real-world fixtures, busybox evidence.

Every rule gets Dockerfiles that fire (exact line and column) and ones that do not; every
fix is applied here (a small helper, independent of the fixer) and the result linted again.
AR203/AR204 run with a real package checker: the ``deps`` engine (PyPIIndex offline on the
recorded PyPI pages of ``tests/data/index``, classified with ``alpine_ready.deps.tags``),
not a stub.  The ``chroot`` tests run every construct AR207 flags (and the ones it lets
through) in the real busybox ash of the Alpine 3.23 rootfs and compare with bash, and
check AR208's claims about musl's ldd, getconf and ldconfig the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from packaging.version import InvalidVersion, Version

from alpine_ready.deps.cache import PackageIndexError, ResponseCache
from alpine_ready.deps.index import ACCEPT, PyPIIndex
from alpine_ready.deps.tags import FileKind, MuslTarget, classify, latest, newest_installable
from alpine_ready.dockerfile import parse_text
from alpine_ready.lint.context import LintContext, PipChecker
from alpine_ready.lint.model import Finding, FixSafety, Severity
from alpine_ready.lint.rules import RULES, rule
from alpine_ready.lint.rules.ar207_bash_syntax_without_bash import CONSTRUCTS, structures
from lint_helpers import fixed, where
from musl_real import chroot_prefix
from test_deps_check import DEMO
from test_deps_index import seed

DATA = Path(__file__).parent / "data" / "dockerfiles"
MUSL_RULES = (
    "AR201",
    "AR202",
    "AR203",
    "AR204",
    "AR205",
    "AR206",
    "AR207",
    "AR208",
    "AR209",
    "AR210",
)
ALL_OURS = (*MUSL_RULES, "AR301", "AR302", "AR303")
A = "FROM alpine:3.20\n"
TODAY = "2026-11-27"


# --- helpers ----------------------------------------------------------------------------


def lint(
    text: str,
    code: str,
    *,
    checker: PipChecker | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Finding]:
    """The findings of one rule on Dockerfile text, in file order."""
    ctx = LintContext(parse_text(text), options=options or {}, pip_checker=checker)
    found = rule(code)
    assert found is not None, code
    return sorted(found.check(ctx), key=lambda f: (f.line, f.column))


def lint_many(
    text: str, codes: Iterable[str], *, checker: PipChecker | None = None, today: str = TODAY
) -> list[Finding]:
    """The findings of several rules (AR302 judged on ``today``)."""
    ctx = LintContext(parse_text(text), options={"AR302": {"today": today}}, pip_checker=checker)
    out: list[Finding] = []
    for code in codes:
        found = rule(code)
        assert found is not None
        out.extend(found.check(ctx))
    return sorted(out, key=lambda f: (f.line, f.column, f.code))


# --- a real package checker: the deps engine on the recorded PyPI pages -------------------


class IndexChecker:
    """A :data:`PipChecker` answering from PyPI pages recorded in ``tests/data/index``.

    Same contract as the production one (``lint/pipcheck.py``): requirement strings in,
    ``{name as written: status}`` out, None for a name the index cache does not have.
    The status is the deps engine's judgement of that version's files for CPython 3.12
    on musllinux x86_64: ``musl-wheel``/``pure``/``source-build``/``unavailable``, or
    ``upgrade`` when it has no wheel but a newer release does.
    """

    def __init__(self, root: Path) -> None:
        self.index = PyPIIndex(cache=ResponseCache(root), offline=True)
        self.target = MuslTarget()
        self.calls: list[list[str]] = []

    def __call__(self, requirements: list[str]) -> Mapping[str, str | None]:
        self.calls.append(list(requirements))
        out: dict[str, str | None] = {}
        for req in requirements:
            name, _, version = req.partition("==")
            out[name] = self._status(name, version or None)
        return out

    def _status(self, name: str, version: str | None) -> str | None:
        try:
            project = self.index.project(name)
        except PackageIndexError:
            return None
        releases = classify([f.filename for f in project.files if not f.yanked], self.target)
        try:
            want = str(Version(version)) if version else latest(releases)
        except InvalidVersion:
            return None
        rel = releases.get(want or "")
        if rel is None:
            return "unavailable"
        newest = newest_installable(releases)
        if (
            rel.kind in (FileKind.SOURCE, FileKind.UNAVAILABLE)
            and newest is not None
            and Version(newest) > Version(rel.version)
        ):
            return "upgrade"
        return rel.kind.value


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> IndexChecker:
    root = tmp_path_factory.mktemp("lint-index")
    cache = ResponseCache(root)
    seed(cache)
    cache.put(
        "https://pypi.org/simple/demo/",
        ACCEPT,
        json.dumps(DEMO).encode(),
        {"Content-Type": "application/vnd.pypi.simple.v1+json"},
    )
    return IndexChecker(root)


def test_the_checker_is_the_deps_engine(checker: IndexChecker) -> None:
    """The adapter agrees with what tests/test_deps_check.py asserts of the deps engine."""
    got = checker(
        [
            "duckdb==1.3.2",
            "duckdb==2.0.1",
            "mysqlclient==2.3.2",
            "torch==2.15.0",
            "six==1.16.0",
            "demo==1.0",
            "flask==3.0.0",
        ]
    )
    assert got == {
        "duckdb": "source-build",
        "mysqlclient": "source-build",
        "torch": "unavailable",
        "six": "pure",
        "demo": "upgrade",
        "flask": None,
    }
    assert checker(["duckdb==1.3.2"]) == {"duckdb": "musl-wheel"}


# --- the rules are registered with complete metadata -----------------------------------

EXPECTED_META = {
    "AR201": ("glibc-binary-download", Severity.ERROR, FixSafety.UNSAFE),
    "AR202": ("glibc-compat-hack", Severity.WARNING, None),
    "AR203": ("pip-install-without-musl-wheel", Severity.WARNING, None),
    "AR204": ("native-build-without-build-tools", Severity.ERROR, None),
    "AR205": ("build-tools-left-in-final-image", Severity.WARNING, None),
    "AR206": ("glibc-package-manager-on-alpine", Severity.ERROR, None),
    "AR207": ("bash-syntax-without-bash", Severity.WARNING, None),
    "AR208": ("ldd-glibc-output", Severity.WARNING, None),
    "AR209": ("pip-install-into-system-python", Severity.ERROR, None),
    "AR210": ("busybox-applet-gnu-option", Severity.ERROR, None),
}


@pytest.mark.parametrize("code", MUSL_RULES)
def test_registered_with_metadata(code: str) -> None:
    r = rule(code)
    assert r is not None and r in RULES
    name, severity, fix = EXPECTED_META[code]
    meta = r.meta
    assert (meta.name, meta.severity, meta.fix, meta.category, meta.hadolint) == (
        name,
        severity,
        fix,
        "musl",
        None,
    )
    assert rule(name) is r
    doc = meta.doc
    for part in (doc.summary, doc.what, doc.why, doc.example, doc.instead):
        assert part.strip()
    assert "\n" not in doc.summary


@pytest.mark.parametrize("code", MUSL_RULES)
def test_doc_example_fires_and_instead_does_not(code: str, checker: IndexChecker) -> None:
    r = rule(code)
    assert r is not None
    assert lint(r.meta.doc.example + "\n", code, checker=checker), "the example should fire"
    assert lint(r.meta.doc.instead + "\n", code, checker=checker) == [], (
        "the instead should be clean"
    )


# --- fires / does not fire, with exact positions ---------------------------------------

NODE = "https://nodejs.org/dist/v20.18.0/node-v20.18.0-linux-x64.tar.xz"

FIRES: list[Any] = [
    # AR201 glibc-binary-download
    pytest.param("AR201", A + f"RUN curl -fsSLO {NODE}", [(2, 17)], id="201-node"),
    pytest.param(
        "AR201",
        "FROM python:3.12-alpine\nRUN wget https://static.rust-lang.org/"
        "rustup/dist/x86_64-unknown-linux-gnu/rustup-init",
        [(2, 10)],
        id="201-rust",
    ),
    pytest.param(
        "AR201",
        A + "ADD https://github.com/a/b/releases/download/v1/tool-linux-x64-gnu.tar.gz /tmp/",
        [(2, 5)],
        id="201-add-gnu",
    ),
    pytest.param(
        "AR201",
        A + "RUN pip install https://files.pythonhosted.org/p/numpy-2.0.0-"
        "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        [(2, 17)],
        id="201-manylinux",
    ),
    pytest.param(
        "AR201",
        A + "RUN curl -fsSLO https://example.com/agent_1.0_amd64.deb "
        "&& dpkg -i agent_1.0_amd64.deb",
        [(2, 17)],
        id="201-deb",
    ),
    pytest.param(
        "AR201",
        A + "RUN curl -o a.rpm https://example.com/a-1.0.x86_64.rpm",
        [(2, 19)],
        id="201-rpm",
    ),
    pytest.param(
        "AR201",
        A + "RUN wget https://cdn.mysql.com/mysql-8.0.36-linux-glibc2.28-x86_64.tar.xz",
        [(2, 10)],
        id="201-glibc-name",
    ),
    pytest.param(
        "AR201",
        A + 'RUN URL=https://x.io/t-x86_64-unknown-linux-gnu.tgz && curl -O "$URL"',
        [(2, 9)],
        id="201-assignment",
    ),
    pytest.param(
        "AR201",
        A + 'ENV NODE_VERSION=20.1.0\nRUN curl -O "https://nodejs.org/dist/'
        'v${NODE_VERSION}/node-v${NODE_VERSION}-linux-arm64.tar.gz"',
        [(3, 14)],
        id="201-env-expanded",
    ),
    pytest.param(
        "AR201",
        A + "RUN sh -c 'curl -O https://x.io/tool-x86_64-linux-gnu.zip'",
        [(2, 20)],
        id="201-inside-sh-c",
    ),
    pytest.param("AR201", A + "ONBUILD RUN curl -O " + NODE, [(2, 21)], id="201-onbuild"),
    # AR202 glibc-compat-hack
    pytest.param(
        "AR202",
        A + "RUN wget -qO /etc/apk/keys/sgerrand.rsa.pub https://alpine-pkgs."
        "sgerrand.com/sgerrand.rsa.pub && apk add glibc-2.35-r1.apk",
        [(2, 28)],
        id="202-key",
    ),
    pytest.param(
        "AR202",
        A + "RUN apk add --no-cache --allow-untrusted glibc-bin-2.35-r1.apk",
        [(2, 42)],
        id="202-apk-file",
    ),
    pytest.param(
        "AR202", A + "RUN apk add --allow-untrusted glibc-bin", [(2, 31)], id="202-apk-package"
    ),
    pytest.param(
        "AR202", A + "RUN apk add --allow-untrusted /tmp/glibc*.apk", [(2, 31)], id="202-apk-glob"
    ),
    pytest.param("AR202", A + "ENV LD_LIBRARY_PATH=/usr/glibc-compat/lib", [(2, 21)], id="202-env"),
    pytest.param(
        "AR202",
        A + "RUN /usr/glibc-compat/bin/localedef -i en_US -f UTF-8 en_US",
        [(2, 5)],
        id="202-prefix",
    ),
    pytest.param(
        "AR202", "FROM frolvlad/alpine-glibc:alpine-3.17\nRUN echo", [(1, 6)], id="202-image"
    ),
    pytest.param(
        "AR202",
        A + "ARG V=2.35-r1\nRUN wget https://github.com/sgerrand/alpine-pkg-"
        "glibc/releases/download/$V/glibc-$V.apk",
        [(3, 10)],
        id="202-arg-expanded",
    ),
    # AR206 glibc-package-manager-on-alpine
    pytest.param(
        "AR206",
        "FROM python:3.12-alpine\nRUN apt-get update && apt-get install -y libpq-dev",
        [(2, 5), (2, 23)],
        id="206-apt-get",
    ),
    pytest.param(
        "AR206", A + 'RUN arch="$(dpkg --print-architecture)"', [(2, 13)], id="206-dpkg-in-subst"
    ),
    pytest.param(
        "AR206",
        A + "RUN yum install -y x && microdnf clean all",
        [(2, 5), (2, 25)],
        id="206-redhat",
    ),
    pytest.param("AR206", A + "RUN apt update", [(2, 5)], id="206-apt"),
    pytest.param(
        "AR206",
        "FROM alpine:3.20 AS a\nFROM a\nRUN apt-get install -y curl",
        [(3, 5)],
        id="206-child-stage",
    ),
    # a Debian Dockerfile half-moved to Alpine: apk next to the leftover apt-mark/dpkg-query
    pytest.param(
        "AR206",
        A + "RUN apk add --no-cache curl \\\n && apt-mark auto '.*' \\\n"
        " && find /usr/local -type f | xargs -r dpkg-query --search",
        [(3, 5), (4, 40)],
        id="206-apk-does-not-guard",
    ),
    pytest.param(
        "AR206",
        A + 'RUN apk add --no-cache curl && arch="$(dpkg --print-architecture)"',
        [(2, 40)],
        id="206-dpkg-not-installed",
    ),
    pytest.param(
        "AR206",
        A + 'RUN [ -z "$m" ] || apt-mark manual $m; apk add --no-cache x',
        [(2, 20)],
        id="206-or-not-a-fallback",
    ),
    # AR208 ldd-glibc-output
    pytest.param("AR208", A + "RUN ldd --version | head -n1", [(2, 5)], id="208-version"),
    pytest.param(
        "AR208",
        A + "RUN ldd /usr/local/bin/app | grep -q 'not found' && exit 1 || true",
        [(2, 5)],
        id="208-not-found",
    ),
    pytest.param(
        "AR208",
        A + 'RUN ldd /app 2>&1 | grep -c "=> not found"',
        [(2, 5)],
        id="208-not-found-stderr",
    ),
    pytest.param("AR208", A + "RUN getconf GNU_LIBC_VERSION", [(2, 5)], id="208-getconf"),
    pytest.param("AR208", A + "RUN ldconfig -p | grep libssl", [(2, 5)], id="208-ldconfig-p"),
    pytest.param(
        "AR208",
        A + "RUN echo /opt/lib > /etc/ld.so.conf.d/opt.conf && ldconfig",
        [(2, 21)],
        id="208-ld-so-conf",
    ),
    pytest.param(
        "AR208",
        A + "ENV LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/opt/lib",
        [(2, 21)],
        id="208-env-multiarch",
    ),
    pytest.param(
        "AR208",
        A + "RUN cp /lib64/ld-linux-x86-64.so.2 /x && ls /usr/lib/aarch64-linux-gnu",
        [(2, 8), (2, 45)],
        id="208-paths",
    ),
    pytest.param("AR208", A + "CMD ldd --version", [(2, 5)], id="208-cmd"),
]

QUIET: list[Any] = [
    # AR201
    pytest.param(
        "AR201",
        A + "RUN curl -O https://unofficial-builds.nodejs.org/download/"
        "release/v20.18.0/node-v20.18.0-linux-x64-musl.tar.xz",
        id="201-musl-node",
    ),
    pytest.param(
        "AR201", A + "RUN wget https://x.io/t-x86_64-unknown-linux-musl.tgz", id="201-musl-rust"
    ),
    pytest.param("AR201", "FROM debian:bookworm-slim\nRUN curl -O " + NODE, id="201-debian"),
    pytest.param("AR201", A + "RUN tar -xf node-v20-linux-x64.tar.xz", id="201-not-a-url"),
    pytest.param(
        "AR201",
        A + "RUN wget https://github.com/sgerrand/alpine-pkg-glibc/releases/"
        "download/2.35-r1/glibc-2.35-r1.apk",
        id="201-sgerrand-is-ar202",
    ),
    pytest.param(
        "AR201",
        A + "RUN wget https://github.com/Yelp/dumb-init/releases/download/"
        "v1.2.5/dumb-init_1.2.5_x86_64",
        id="201-static",
    ),
    pytest.param(
        "AR201",
        A + "RUN pip install https://x.io/numpy-2.0.0-cp312-cp312-musllinux_1_2_x86_64.whl",
        id="201-musllinux",
    ),
    pytest.param(
        "AR201", A + "RUN curl -O https://go.dev/dl/go1.22.5.linux-amd64.tar.gz", id="201-go"
    ),
    pytest.param("AR201", "FROM scratch\nADD https://x.io/tool-linux-gnu.tgz /", id="201-scratch"),
    # AR202
    pytest.param("AR202", A + "RUN apk add --no-cache gcompat libc6-compat", id="202-gcompat"),
    pytest.param(
        "AR202", "FROM debian:12\nENV LD_LIBRARY_PATH=/usr/glibc-compat/lib", id="202-debian"
    ),
    pytest.param("AR202", A + "RUN rm -f glibc-*.apk", id="202-glob"),
    # AR206
    pytest.param("AR206", "FROM debian:bookworm-slim\nRUN apt-get update", id="206-debian"),
    pytest.param(
        "AR206",
        A + "RUN if command -v apt-get; then apt-get install -y curl; "
        "else apk add --no-cache curl; fi",
        id="206-multi-distro",
    ),
    pytest.param(
        "AR206", A + "RUN [ -f /etc/debian_version ] && apt-get update || true", id="206-guarded"
    ),
    pytest.param("AR206", A + "RUN echo apt-get && which dpkg || true", id="206-arguments"),
    # the official postgres/php Alpine images install dpkg for its architecture names
    pytest.param(
        "AR206",
        A + "RUN apk add --no-cache --virtual .d dpkg \\\n"
        ' && arch="$(dpkg --print-architecture)" && apk del --no-network .d',
        id="206-dpkg-installed-by-apk",
    ),
    pytest.param(
        "AR206", A + "RUN apk add --no-cache curl || apt-get install -y curl", id="206-fallback"
    ),
    pytest.param(
        "AR206",
        A + 'RUN . /etc/os-release && case "$ID" in alpine) apk add curl;; '
        "*) apt-get install -y curl;; esac",
        id="206-os-release",
    ),
    pytest.param(
        "AR206",
        A + "RUN if command -v apk; then apk add curl; else apt-get install -y curl; fi",
        id="206-probe-apk",
    ),
    # AR208
    pytest.param("AR208", A + "RUN ldd /usr/local/bin/app", id="208-plain-ldd"),
    pytest.param(
        "AR208", A + "RUN ldd --version 2>&1 | grep -qi musl && echo musl", id="208-musl-detection"
    ),
    pytest.param("AR208", A + "RUN make install && ldconfig", id="208-bare-ldconfig"),
    pytest.param(
        "AR208",
        "FROM debian:12\nRUN ldd --version && ls /usr/lib/x86_64-linux-gnu",
        id="208-debian",
    ),
    pytest.param("AR208", A + "RUN curl -O https://x.io/lib/x86_64-linux-gnu/a.so", id="208-url"),
]


@pytest.mark.parametrize(("code", "text", "expected"), FIRES)
def test_fires(code: str, text: str, expected: list[tuple[int, int]]) -> None:
    found = lint(text + "\n", code)
    assert where(found) == expected, [f.message for f in found]
    assert all(f.code == code and f.file == "Dockerfile" for f in found)


@pytest.mark.parametrize(("code", "text"), QUIET)
def test_does_not_fire(code: str, text: str) -> None:
    assert lint(text + "\n", code) == []


# --- AR201 messages and fixes -----------------------------------------------------------


def test_201_names_the_url_and_the_musl_sibling() -> None:
    (f,) = lint(
        A + "ENV V=20.18.0\nRUN curl -O https://nodejs.org/dist/v$V/node-v$V-linux-x64.tar.xz\n",
        "AR201",
    )
    assert NODE in f.message
    musl = (
        "https://unofficial-builds.nodejs.org/download/release/v20.18.0/"
        "node-v20.18.0-linux-x64-musl.tar.xz"
    )
    assert musl in f.message and f.fix is not None and musl in f.fix.description
    assert f.fix.safety is FixSafety.UNSAFE and f.severity is Severity.ERROR


@pytest.mark.parametrize(
    ("text", "after"),
    [
        pytest.param(
            A + f"RUN curl -fsSLO {NODE}",
            A + "RUN curl -fsSLO https://unofficial-builds.nodejs.org/download/release/"
            "v20.18.0/node-v20.18.0-linux-x64-musl.tar.xz",
            id="node",
        ),
        pytest.param(
            A + "RUN wget https://static.rust-lang.org/rustup/dist/x86_64-unknown-linux-gnu"
            "/rustup-init",
            A + "RUN wget https://static.rust-lang.org/rustup/dist/x86_64-unknown-linux-"
            "musl/rustup-init",
            id="rust",
        ),
        pytest.param(
            A + "ADD https://github.com/a/b/releases/download/v1/tool-linux-x64-gnu.tar.gz /tmp/",
            A + "ADD https://github.com/a/b/releases/download/v1/tool-linux-x64-musl.tar.gz /tmp/",
            id="github-add",
        ),
        pytest.param(
            A + "RUN curl -fsSLO https://github.com/o/r/releases/download/v2/r-x86_64-linux-"
            "gnu.tgz \\\n && tar xzf r-x86_64-linux-gnu.tgz && rm r-x86_64-linux-gnu.tgz",
            A + "RUN curl -fsSLO https://github.com/o/r/releases/download/v2/r-x86_64-linux-"
            "musl.tgz \\\n && tar xzf r-x86_64-linux-musl.tgz && rm r-x86_64-linux-musl.tgz",
            id="github-file-followed",
        ),
        pytest.param(
            A + "RUN curl -fsSLO https://github.com/oven-sh/bun/releases/download/"
            "bun-v1.2.0/bun-linux-x64.zip",
            A + "RUN curl -fsSLO https://github.com/oven-sh/bun/releases/download/"
            "bun-v1.2.0/bun-linux-x64-musl.zip",
            id="bun",
        ),
        pytest.param(
            A + "RUN wget https://github.com/adoptium/temurin21-binaries/releases/download/"
            "jdk-21.0.5%2B11/OpenJDK21U-jdk_x64_linux_hotspot_21.0.5_11.tar.gz",
            A + "RUN wget https://github.com/adoptium/temurin21-binaries/releases/download/"
            "jdk-21.0.5%2B11/OpenJDK21U-jdk_x64_alpine-linux_hotspot_21.0.5_11.tar.gz",
            id="temurin",
        ),
    ],
)
def test_201_fix_then_clean(text: str, after: str) -> None:
    (f,) = lint(text + "\n", "AR201")
    assert fixed(text + "\n", f) == after + "\n"
    assert lint(after + "\n", "AR201") == []


def test_201_no_fix_without_a_known_musl_name() -> None:
    for text in (
        A + "RUN curl -O https://example.com/agent_1.0_amd64.deb",
        A + 'RUN curl -o a.zip "https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip"',
        A + "RUN wget https://example.com/tool-glibc.tar.gz",
        A + "RUN wget https://mirror.example/node-v20.1.0-linux-x64.tar.xz",
        A + "RUN wget https://example.com/dl/tool-linux-x64-gnu.tar.gz",
    ):
        (f,) = lint(text + "\n", "AR201")
        assert f.fix is None, text


# --- AR203 pip-install-without-musl-wheel (real checker) -------------------------------

P = "FROM python:3.12-alpine\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            P + "RUN pip install --no-cache-dir duckdb==2.0.1",
            [(2, 32, "source-build")],
            id="source-build",
        ),
        pytest.param(
            P + "RUN pip install torch==2.15.0 six==1.16.0",
            [(2, 17, "unavailable")],
            id="unavailable",
        ),
        pytest.param(
            P + "RUN pip install numpy==2.5.5 demo==1.0", [(2, 30, "upgrade")], id="upgrade"
        ),
        pytest.param(
            P + 'RUN python3 -m pip install -U "mysqlclient==2.3.2"',
            [(2, 31, "source-build")],
            id="python-m-pip",
        ),
        pytest.param(
            P + "RUN pip3 install scikit-learn", [(2, 18, "source-build")], id="unpinned-newest"
        ),
        pytest.param(
            P + "RUN pip install 'onnxruntime>=1.30'", [(2, 17, "unavailable")], id="lower-bound"
        ),
        pytest.param(
            P + "ARG DUCKDB=2.0.1\nRUN pip install duckdb==$DUCKDB",
            [(3, 17, "source-build")],
            id="arg-version",
        ),
        pytest.param(
            P + "RUN pip install --only-binary :all: duckdb==2.0.1",
            [(2, 37, "only-binary")],
            id="only-binary-fails",
        ),
    ],
)
def test_203_fires_on_what_the_checker_says(
    checker: IndexChecker, text: str, expected: list[tuple[int, int, str]]
) -> None:
    found = lint(text + "\n", "AR203", checker=checker)
    assert [(f.line, f.column) for f in found] == [(ln, col) for ln, col, _ in expected]
    for f, (_, _, kind) in zip(found, expected, strict=True):
        assert {
            "source-build": "compiles it from source",
            "unavailable": "cannot install",
            "upgrade": "a newer release has one",
            "only-binary": "forbids the source build",
        }[kind] in f.message
        assert f.end_line == f.line and f.end_column is not None and f.end_column > f.column


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(P + "RUN pip install numpy==2.5.5 six==1.16.0 duckdb==1.3.2", id="wheels"),
        pytest.param(P + "RUN pip install -r requirements.txt", id="requirements-file"),
        pytest.param(
            P + "RUN pip install . ./pkg /wheels/x.whl git+https://x.io/r.git", id="paths-urls"
        ),
        pytest.param(
            P + "RUN pip install --no-index --find-links /wheels duckdb==2.0.1", id="wheelhouse"
        ),
        pytest.param(
            P + "RUN pip install --index-url https://mirror/simple duckdb==2.0.1", id="other-index"
        ),
        pytest.param(P + "RUN pip install flask==3.0.0", id="unknown-to-the-cache"),
        pytest.param(P + "RUN pip install 'numpy<3'", id="range"),
        pytest.param(P + "RUN pip download duckdb==2.0.1", id="not-install"),
        pytest.param("FROM python:3.12-slim\nRUN pip install duckdb==2.0.1", id="glibc-stage"),
    ],
)
def test_203_quiet(checker: IndexChecker, text: str) -> None:
    assert lint(text + "\n", "AR203", checker=checker) == []


def test_203_and_204_do_nothing_without_a_checker() -> None:
    text = P + "RUN pip install torch==2.15.0 duckdb==2.0.1\n"
    assert lint(text, "AR203") == [] and lint(text, "AR204") == []


def test_203_asks_once_per_command_with_exact_queries(checker: IndexChecker) -> None:
    checker.calls.clear()
    lint(
        P + "RUN pip install \"duckdb==2.0.1\" 'six[x]==1.16.0' numpy -r r.txt\n",
        "AR203",
        checker=checker,
    )
    assert checker.calls == [["duckdb==2.0.1", "six==1.16.0", "numpy"]]


# --- AR204 native-build-without-build-tools -------------------------------------------

N = "FROM node:20-alpine\n"


@pytest.mark.parametrize(
    ("text", "expected", "missing"),
    [
        pytest.param(A + "RUN make", [(2, 5)], "make", id="make"),
        pytest.param(P + "RUN gcc -o x x.c", [(2, 5)], "gcc or musl-dev", id="gcc"),
        pytest.param(
            A + "RUN apk add --no-cache gcc && gcc x.c",
            [(2, 31)],
            "musl-dev",
            id="gcc-without-headers",
        ),
        pytest.param(
            N + "RUN npm install --build-from-source bcrypt",
            [(2, 5)],
            "python3, make or g++",
            id="npm-build-from-source",
        ),
        pytest.param(N + "RUN npx node-gyp rebuild", [(2, 5)], "python3, make or g++", id="npx"),
        pytest.param(
            N + "RUN apk add --no-cache g++ make && node-gyp rebuild",
            [(2, 36)],
            "python3",
            id="gyp-without-python",
        ),
        pytest.param(N + "RUN npm rebuild bcrypt", [(2, 5)], "python3", id="npm-rebuild"),
        pytest.param(
            P + "RUN apk add --virtual .b gcc musl-dev && apk del .b && gcc x.c",
            [(2, 56)],
            "gcc",
            id="deleted-before",
        ),
        pytest.param(
            P + "RUN python setup.py build_ext --inplace", [(2, 5)], "gcc", id="build-ext"
        ),
        pytest.param(
            "FROM golang:1.22-alpine\nRUN CGO_ENABLED=1 gcc -v", [(2, 19)], "gcc", id="golang-base"
        ),
        pytest.param(
            A + "ENV DEPS=build-base\nRUN DEPS=curl; apk add --no-cache $DEPS && make",
            [(3, 44)],
            "make",
            id="variable-set-in-the-run",
        ),
    ],
)
def test_204_fires(text: str, expected: list[tuple[int, int]], missing: str) -> None:
    found = lint(text + "\n", "AR204")
    assert where(found) == expected, [f.message for f in found]
    assert f"no {missing}" in found[0].message


def test_204_pip_source_build_without_compiler(checker: IndexChecker) -> None:
    text = P + "RUN pip install duckdb==2.0.1 numpy==2.5.5\n"
    (f,) = lint(text, "AR204", checker=checker)
    assert (f.line, f.column) == (2, 17) and "duckdb==2.0.1" in f.message
    ok = (
        P + "RUN apk add --no-cache --virtual .b build-base \\\n && pip install duckdb==2.0.1"
        " \\\n && apk del --no-network .b\n"
    )
    assert lint(ok, "AR204", checker=checker) == []
    assert (
        lint(P + "RUN pip install --only-binary=:all: duckdb==2.0.1\n", "AR204", checker=checker)
        == []
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(A + "RUN apk add --no-cache build-base && make", id="build-base"),
        pytest.param(A + "RUN apk add --no-cache make\nRUN make", id="earlier-run"),
        pytest.param(A + "RUN apk add -t .b gcc musl-dev && gcc x.c && apk del .b", id="virtual"),
        pytest.param(A + "RUN apk add --no-cache gcc libc-dev && gcc x.c", id="libc-dev-meta"),
        pytest.param(
            P + "RUN apk add --no-cache --virtual .b g++ make && node-gyp rebuild",
            id="python-base-has-python3",
        ),
        pytest.param(
            "FROM node:14-alpine3.14\nRUN apk add --no-cache --virtual .b g++ make python2"
            " && npm_config_python=python2 yarn add sqlite3 --build-from-source",
            id="node-gyp-5-python2",
        ),
        pytest.param(
            "FROM node:10-alpine\nRUN apk add --no-cache --virtual .b python make g++"
            " && yarn add sqlite3 --build-from-source",
            id="node-10-python",
        ),
        pytest.param(
            "FROM alpine:3.20 AS b\nRUN apk add build-base\nFROM b\nRUN make", id="parent-stage"
        ),
        pytest.param("FROM ghcr.io/acme/builder:alpine\nRUN make", id="unknown-base"),
        pytest.param("FROM debian:12\nRUN make", id="glibc-stage"),
        pytest.param(A + "RUN command -v make || echo no make", id="argument"),
        pytest.param(N + "RUN npm ci && npm run build", id="plain-npm"),
        pytest.param(A + "RUN apk add alpine-sdk && make", id="alpine-sdk"),
        # the official php images: ENV PHPIZE_DEPS names the toolchain, apk add $PHPIZE_DEPS
        pytest.param(
            A + "ENV PHPIZE_DEPS \\\n\t\tg++ \\\n\t\tgcc \\\n\t\tlibc-dev \\\n"
            "\t\tmake\nRUN apk add --no-cache --virtual .build-deps $PHPIZE_DEPS \\\n"
            " && make && apk del --no-network .build-deps",
            id="env-package-list",
        ),
        pytest.param(
            A + 'ARG TOOLS="build-base"\nRUN apk add --no-cache ${TOOLS} && make',
            id="arg-package-list",
        ),
    ],
)
def test_204_quiet(text: str) -> None:
    assert lint(text + "\n", "AR204") == []


# --- AR205 build-tools-left-in-final-image --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "names"),
    [
        pytest.param(
            A + "RUN apk add --no-cache build-base", [(2, 24)], "build-base", id="build-base"
        ),
        pytest.param(
            P + "RUN apk add --no-cache libffi-dev curl openssl-dev && pip install cffi",
            [(2, 24)],
            "libffi-dev, openssl-dev",
            id="dev-packages-of-a-build",
        ),
        pytest.param(
            P + "RUN apk add --no-cache libffi-dev curl openssl-dev\nRUN apk add gcc",
            [(2, 24), (3, 13)],
            "libffi-dev, openssl-dev",
            id="dev-packages-beside-a-compiler-kept",
        ),
        pytest.param(
            A + "RUN apk add --virtual .python-rundeps gcc libpq",
            [(2, 39)],
            "gcc",
            id="runtime-named-group",
        ),
        pytest.param(
            'FROM alpine:3.20 AS base\nRUN apk add gcc\nFROM base\nCMD ["x"]',
            [(2, 13)],
            "gcc",
            id="inherited",
        ),
        pytest.param(
            A + "RUN apk add gcc musl-dev && make && apk del gcc",
            [(2, 17)],
            "musl-dev",
            id="one-removed-by-name",
        ),
        pytest.param(
            A + 'ENV DEPS="gcc musl-dev make"\nRUN apk add --no-cache curl $DEPS',
            [(3, 29)],
            "gcc, musl-dev, make",
            id="env-package-list",
        ),
    ],
)
def test_205_fires(text: str, expected: list[tuple[int, int]], names: str) -> None:
    found = lint(text + "\n", "AR205")
    assert where(found) == expected
    assert f"({names})" in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            A + "RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n"
            " && make && apk del --no-network .build-deps",
            id="virtual-deleted",
        ),
        pytest.param(A + "RUN apk add gcc && make && apk del gcc", id="deleted-by-name"),
        pytest.param(
            "FROM alpine:3.20 AS build\nRUN apk add build-base && make\n"
            "FROM alpine:3.20\nCOPY --from=build /out /out",
            id="builder-stage",
        ),
        pytest.param(A + "RUN apk add --virtual .build-deps gcc", id="group-kept-is-ar104"),
        pytest.param(A + "RUN apk add gcc\nRUN apk del gcc", id="later-run-is-ar107"),
        pytest.param(A + "RUN apk add --no-cache libpq curl ca-certificates", id="runtime"),
        pytest.param(
            A + "RUN apk add --no-cache gmp-dev yaml-dev\n"
            "RUN apk add --no-cache --virtual .build-deps gcc make \\\n"
            " && make install && apk del --no-network .build-deps",
            id="headers-kept-for-images-built-on-this-one",
        ),
        pytest.param(A + "ONBUILD RUN apk add build-base", id="onbuild"),
    ],
)
def test_205_quiet(text: str) -> None:
    assert lint(text + "\n", "AR205") == []


# --- AR207 bash-syntax-without-bash ----------------------------------------------------

#: construct -> (a RUN line using it, where AR207 reports it).  The same lines run in
#: the real busybox ash in ``test_busybox_evidence`` below.
BASHISMS: dict[str, tuple[str, tuple[int, int]]] = {
    "array": ("a=(1 2); echo ${a[1]}", (2, 5)),
    "array-expansion": ("x=1; echo ${x[0]}", (2, 15)),
    "indirect": ("y=v; x=y; echo ${!x}", (2, 20)),
    "case-modification": ("v=AbC; echo ${v,,}", (2, 17)),
    "transformation": ("v=a; echo ${v@Q}", (2, 15)),
    "here-string": ("cat <<< hi", (2, 9)),
    "append-both": ("echo a &>> $T/o; cat $T/o", (2, 12)),
    "pipe-stderr": ("echo hi |& cat", (2, 13)),
    "case-fallthrough": ("case a in a) echo a;& b) echo b;; esac", (2, 24)),
    "arith-for": ("for ((i=0;i<2;i++)); do echo $i; done", (2, 5)),
    "select": ("echo 1 | select x in a; do echo $x; break; done", (2, 14)),
    "dbracket-group": ("[[ ( 1 -eq 1 ) ]] && echo yes", (2, 8)),
    "bash-builtin": ("declare x=1; echo $x", (2, 5)),
    "append-assignment": ("x=a; x+=b; echo $x", (2, 10)),
    "array-element": ('a[0]=x; echo "$a"', (2, 5)),
    "arith-command": ("x=1; ((x++)); echo $x", (2, 10)),
    "builtin-option": ("f() { local -a x; echo ok; }; f", (2, 17)),
    "test-v": ("x=1; [ -v x ] && echo v", (2, 12)),
    "dbracket-redirect": ("[[ a < b ]] && echo lt || echo ge", (2, 10)),
    "brace-expansion": ("echo x{a,b}", (2, 11)),
    "printf-v": ('printf -v x %s hi; echo "[$x]"', (2, 5)),
    "locale-string": ('echo $"hi"', (2, 10)),
    "old-arith": ("echo $[1+2]", (2, 10)),
    "bash-variable": ('echo "[$BASH_VERSION]"', (2, 12)),
    "dbracket-split": ("u=; [[ -n $u ]] && echo WRONG || echo right", (2, 15)),
    "dbracket-quoted-pattern": ('x=a.txt; [[ "$x" == "*.txt" ]] && echo m || echo l', (2, 25)),
}

#: Lines busybox ash runs exactly as bash does: AR207 must stay quiet on them.
PORTABLE: tuple[str, ...] = (
    "[[ -d / ]] && echo yes",
    'x=abc; [[ "$x" == a* ]] && echo glob',
    'x=abc; [[ "$x" =~ ^a ]] && echo re',
    '[[ -e / && ! -e /nope || -z "" ]] && echo combo',
    "[ a == a ] && echo eq",
    "echo 'echo sourced' > $T/s; source $T/s",
    "function f { echo fn; }; f",
    "function g() { echo fn2; }; g",
    "printf '%s|' $'a\\tb'",
    "echo hi &> $T/o; cat $T/o",
    "set -o pipefail; false | true; echo $?",
    "set -E; set -o errtrace; echo ok",
    "trap 'echo trapped' ERR; false; echo after",
    "trap 'echo bye' EXIT; echo hi",
    "v=abcdef; echo ${v:1:2} ${v/b/X} ${v//c/Y} ${#v} ${v%%d*} ${v##*c}",
    "echo $((16#ff)) $((2**3))",
    "let x=1+2; echo $x",
    "f() { local x=1; echo $x; }; f",
    "echo -e 'a\\tb'",
    "f() { echo $FUNCNAME; }; f",
    "echo $RANDOM | grep -qE '^[0-9]+$' && echo num",
    'echo ${x:-def} "${y:=d}"',
    "exec 3> $T/o; echo ok >&3; cat $T/o",
    "find $T -maxdepth 0 -exec echo found {} \\;",
    "awk 'BEGIN { print \"{a,b}\" }'",
    "echo '{a,b}' \"{c,d}\" \\{e,f\\}",
    "x={a,b}; echo $x",
)


@pytest.mark.parametrize("key", sorted(BASHISMS))
def test_207_flags_each_construct(key: str) -> None:
    line, at = BASHISMS[key]
    found = lint(A + "RUN " + line + "\n", "AR207")
    assert CONSTRUCTS[key].label in " ".join(f.message for f in found), [f.message for f in found]
    assert at in where(f for f in found if CONSTRUCTS[key].label in f.message)


@pytest.mark.parametrize("line", PORTABLE)
def test_207_quiet_on_what_ash_runs(line: str) -> None:
    assert lint(A + "RUN " + line + "\n", "AR207") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            A + 'SHELL ["/bin/bash", "-c"]\nRUN declare -a x', [(2, 1)], id="shell-bash-missing"
        ),
        pytest.param(A + "RUN bash -c 'declare -a x'", [(2, 5)], id="bash-c-missing"),
        pytest.param(A + "RUN <<EOF bash\ndeclare -a x\nEOF", [(2, 11)], id="heredoc-to-bash"),
        pytest.param(A + "RUN <<EOF\n#!/bin/bash\ndeclare -a x\nEOF", [(3, 1)], id="shebang"),
        pytest.param(
            A + "RUN apk add bash\nRUN echo {a,b}", [(3, 10)], id="bash-installed-sh-runs"
        ),
        pytest.param(A + 'RUN ["sh", "-c", "echo {a,b}"]', [(2, 24)], id="exec-sh-c"),
        pytest.param(A + "RUN sh -c 'echo ${v,,}'", [(2, 17)], id="sh-c-inside"),
        pytest.param(A + "CMD echo ${v^^}", [(2, 10)], id="cmd-shell-form"),
        pytest.param(A + "ONBUILD RUN echo {a,b}", [(2, 18)], id="onbuild"),
        pytest.param(
            A + "RUN <<EOF\necho {a,b}\n(( n = 1 ))\ncat <<X\n((not code))\nX\nEOF",
            [(3, 6), (4, 1)],
            id="heredoc-body",
        ),
        pytest.param(
            A + "RUN set -eux; \\\n    for ((i=0; i<3; i++)); do echo $i; done",
            [(3, 5)],
            id="continuation",
        ),
    ],
)
def test_207_shells_and_positions(text: str, expected: list[tuple[int, int]]) -> None:
    found = lint(text + "\n", "AR207")
    assert where(found) == expected, [f.message for f in found]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            A + 'RUN apk add --no-cache bash\nSHELL ["/bin/bash", "-o", "pipefail", '
            '"-c"]\nRUN declare -a x=(1 2) && echo {a,b}',
            id="shell-bash-installed",
        ),
        pytest.param(
            A + "RUN apk add --no-cache bash && bash -c 'declare -a x; echo ${v,,}'",
            id="bash-c-installed",
        ),
        pytest.param(
            A + "RUN apk add --no-cache bash && bash -euo pipefail -c 'echo {a,b}'",
            id="bash-options-c-installed",
        ),
        pytest.param(
            'FROM bash:5.2-alpine3.20\nSHELL ["bash", "-c"]\nRUN declare x', id="bash-image"
        ),
        pytest.param(
            "FROM ghcr.io/acme/tools:alpine\nRUN bash -c 'declare x'",
            id="unknown-base-may-have-bash",
        ),
        pytest.param(A + 'RUN ["echo", "{a,b}", "${v,,}"]', id="exec-form-no-shell"),
        pytest.param("FROM debian:12\nRUN declare -a x=(1) && echo {a,b}", id="glibc-stage"),
        pytest.param(A + 'SHELL ["pwsh", "-c"]\nRUN echo {a,b}', id="not-a-posix-shell"),
        pytest.param(A + "ARG UID=1000\nRUN adduser -D -u $UID app", id="uid-from-arg"),
        pytest.param(A + "RUN echo '${v,,} {a,b} <<<' \"# ${x}\"", id="quoted"),
    ],
)
def test_207_quiet_cases(text: str) -> None:
    assert lint(text + "\n", "AR207") == []


def test_207_message_when_bash_is_installed_but_sh_runs() -> None:
    (f,) = lint(A + "RUN apk add --no-cache bash\nRUN echo {a,b}\n", "AR207")
    assert "bash is installed, but RUN uses /bin/sh" in f.message
    assert 'SHELL ["/bin/bash", "-c"]' in f.message


def test_207_structures_scan() -> None:
    text = (
        "x=1; ((x++))\nfor ((i=0;;)); do :; done\necho '((no))' \"$((1+2))\" # ((c))\n"
        "select y in a; do :; done\n( (echo sub) )\ncat <<-E\n\t((body))\n\tE\n((z))\n"
    )
    got = [(text[:o].count("\n") + 1, k) for o, k in structures(text)]
    assert got == [(1, "arith-command"), (2, "arith-for"), (4, "select"), (9, "arith-command")]


# --- fixtures: realistic Dockerfiles -----------------------------------------------------

FIXTURE_FINDINGS: dict[str, list[tuple[str, int, int]]] = {
    "sgerrand-glibc.Dockerfile": [("AR302", 3, 6), ("AR202", 9, 30), ("AR202", 17, 21)],
    "node-glibc-tarball.Dockerfile": [("AR302", 3, 6), ("AR201", 9, 31)],
    "alpine-bashisms.Dockerfile": [
        ("AR207", 4, 19),
        ("AR207", 5, 14),
        ("AR207", 9, 17),
        ("AR207", 12, 1),
    ],
    "python-alpine-pip.Dockerfile": [
        ("AR203", 5, 32),
        ("AR204", 5, 32),
        ("AR205", 8, 24),
        ("AR203", 9, 32),
        ("AR203", 10, 32),
    ],
    "debian-python-app.Dockerfile": [("AR303", 2, 6)],
    # the fixtures other rules were written against
    "python-alpine.Dockerfile": [("AR302", 3, 6)],
    "redis-alpine.Dockerfile": [("AR302", 3, 6)],
    "node-alpine.Dockerfile": [("AR302", 1, 6), ("AR204", 27, 8)],
    "multistage-go.Dockerfile": [("AR302", 6, 32), ("AR302", 21, 6)],
    "mount-json.Dockerfile": [("AR205", 3, 13)],
    "heredoc.Dockerfile": [("AR302", 1, 6), ("AR205", 26, 20)],
    "debian-python.Dockerfile": [],
    "escape-backtick.Dockerfile": [("AR302", 8, 6)],
    "apk-hygiene-bad.Dockerfile": None,  # type: ignore[dict-item]  (not ours: only no crash)
    "apk-pinned.Dockerfile": None,  # type: ignore[dict-item]
}


@pytest.mark.parametrize("name", sorted(FIXTURE_FINDINGS))
def test_fixture_findings(name: str, checker: IndexChecker) -> None:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{name} not present")
    found = lint_many(path.read_text(), ALL_OURS, checker=checker)
    expected = FIXTURE_FINDINGS[name]
    if expected is None:
        return
    assert sorted((f.code, f.line, f.column) for f in found) == sorted(expected), [
        (f.code, f.line, f.column, f.message) for f in found
    ]


def test_node_fixture_fix_switches_to_the_musl_tarball() -> None:
    text = (DATA / "node-glibc-tarball.Dockerfile").read_text()
    (f,) = lint(text, "AR201")
    after = fixed(text, f)
    assert (
        "unofficial-builds.nodejs.org/download/release/v$NODE_VERSION/node-v$NODE_VERSION-"
        "linux-x64-musl.tar.xz" in after
    )
    assert after.count("linux-x64-musl.tar.xz") == 3  # the URL, tar and rm
    assert "linux-x64.tar.xz" not in after
    assert lint(after, "AR201") == []
    # nothing but those three words changed
    assert len(after.splitlines()) == len(text.splitlines())
    changed = [
        n
        for n, (a, b) in enumerate(zip(text.splitlines(), after.splitlines(), strict=True), 1)
        if a != b
    ]
    assert changed == [9, 10, 11]


def test_sgerrand_fixture_message() -> None:
    found = lint((DATA / "sgerrand-glibc.Dockerfile").read_text(), "AR202")
    assert "sgerrand's signing key" in found[0].message and "gcompat" in found[0].message


# --- busybox evidence (the real Alpine 3.23 rootfs) -------------------------------------

BASH = shutil.which("bash")
needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or chroot_prefix() is None,
    reason="needs root to chroot into the Alpine rootfs",
)
needs_bash = pytest.mark.skipif(BASH is None, reason="needs bash on the host to compare with")


@pytest.fixture(scope="module")
def ash_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private hard-linked copy of the Alpine 3.23 rootfs (tests write only to /tmp)."""
    import fixtures as fx

    dest = tmp_path_factory.mktemp("ash") / "rootfs"
    subprocess.run(["cp", "-al", str(fx.alpine_rootfs()), str(dest)], check=True)
    yield dest


def ash(
    root: Path, script: str, *, shell: Sequence[str] = ("/bin/sh", "-c")
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with the rootfs's busybox sh (T=/tmp/ar-evidence inside)."""
    prefix = chroot_prefix()
    assert prefix is not None
    (root / "tmp" / "ar-evidence").mkdir(exist_ok=True)
    return subprocess.run(
        [
            *prefix,
            str(root),
            "/usr/bin/env",
            "-i",
            "PATH=/usr/bin:/bin:/usr/sbin:/sbin",
            "T=/tmp/ar-evidence",
            *shell,
            script,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def bash(script: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    assert BASH is not None
    return subprocess.run(
        ["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", f"T={tmp}", BASH, "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.chroot
@needs_root
@needs_bash
@pytest.mark.parametrize("key", sorted(BASHISMS))
def test_busybox_evidence_flagged(key: str, ash_root: Path, tmp_path: Path) -> None:
    """Each construct AR207 flags fails or prints something else in busybox ash."""
    line = BASHISMS[key][0]
    real, ref = ash(ash_root, line), bash(line, tmp_path)
    assert ref.returncode == 0, (line, ref.stderr)
    assert (real.stdout, real.returncode) != (ref.stdout, ref.returncode), (
        f"busybox ash runs {line!r} like bash: {real.stdout!r}"
    )


@pytest.mark.chroot
@needs_root
@needs_bash
@pytest.mark.parametrize("line", PORTABLE)
def test_busybox_evidence_portable(line: str, ash_root: Path, tmp_path: Path) -> None:
    """Each line AR207 lets through prints the same in busybox ash as in bash."""
    real, ref = ash(ash_root, line), bash(line, tmp_path)
    assert ref.returncode == 0, (line, ref.stderr)
    assert (real.stdout.replace("/tmp/ar-evidence", "T"), real.returncode) == (
        ref.stdout.replace(str(tmp_path), "T"),
        ref.returncode,
    ), (line, real.stderr)


@pytest.mark.chroot
@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="needs root and unshare to mount /proc in the rootfs",
)
def test_busybox_runs_process_substitution(tmp_path: Path) -> None:
    """Not flagged: ash 1.37 does <(…) and >(…) once /dev/fd exists (it does in containers)."""
    import fixtures as fx

    root = tmp_path / "rootfs"
    subprocess.run(["cp", "-al", str(fx.alpine_rootfs()), str(root)], check=True)
    (root / "dev" / "fd").symlink_to("/proc/self/fd")
    script = "cat <(echo in); diff <(echo a) <(echo a) && echo same"
    proc = subprocess.run(
        [
            "unshare",
            "--mount",
            "--fork",
            "sh",
            "-c",
            f"mount -t proc proc {root}/proc && chroot {root} /bin/sh -c '{script}'",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.stdout == "in\nsame\n", proc.stderr
    assert lint(A + "RUN " + script + "\n", "AR207") == []


@pytest.mark.chroot
@needs_root
def test_busybox_set_and_shell_facts(ash_root: Path) -> None:
    """/bin/sh is busybox; the bash-only set options AR207 lists are rejected."""
    assert str((ash_root / "bin" / "sh").readlink()) == "/bin/busybox"
    assert "BusyBox v1.37.0" in ash(ash_root, "busybox | head -1").stdout
    assert not (ash_root / "bin" / "bash").exists()
    from alpine_ready.lint.rules.ar207_bash_syntax_without_bash import (
        BASH_BUILTINS,
        BASH_SET_FLAGS,
        BASH_SET_OPTIONS,
    )

    for opt in sorted(BASH_SET_OPTIONS):
        got = ash(ash_root, f"set -o {opt}")
        assert "illegal option" in got.stderr, opt
    for flag in sorted(BASH_SET_FLAGS):
        assert "illegal option" in ash(ash_root, f"set -{flag}").stderr, flag
    for name in sorted(BASH_BUILTINS):
        assert ash(ash_root, f"command -v {name}").returncode != 0, name


@pytest.mark.chroot
@needs_root
def test_musl_ldd_getconf_ldconfig_facts(ash_root: Path, debian_tree: Path) -> None:
    """What AR208 says about Alpine's ldd, getconf and ldconfig, run for real."""
    version = ash(ash_root, "ldd --version")
    assert version.returncode == 1 and version.stdout == ""
    assert "musl libc" in version.stderr
    getconf = ash(ash_root, "getconf GNU_LIBC_VERSION")
    assert getconf.returncode == 1 and "unknown variable" in getconf.stderr
    ldconfig = ash(ash_root, "ldconfig -p")
    assert (ldconfig.returncode, ldconfig.stdout) == (0, "")
    assert "Illegal option -p" in ldconfig.stderr
    assert ash(ash_root, "ldconfig").returncode == 0  # a bare ldconfig is a no-op: not flagged
    assert not (ash_root / "etc" / "ld.so.conf").exists()
    # a real glibc program with a library Alpine lacks (Debian's bash needs libtinfo.so.6)
    glibc_bash = debian_tree / "usr" / "bin" / "bash"
    (ash_root / "tmp" / "ar-evidence").mkdir(exist_ok=True)
    shutil.copy(glibc_bash, ash_root / "tmp" / "ar-evidence" / "gbash")
    listed = ash(ash_root, "ldd /tmp/ar-evidence/gbash")
    assert listed.returncode == 127
    assert "Error loading shared library libtinfo.so.6: No such file or directory" in listed.stderr
    assert "not found" not in listed.stdout
    grep = ash(ash_root, "ldd /tmp/ar-evidence/gbash | grep 'not found'")
    assert grep.returncode == 1 and grep.stdout == ""  # the glibc-style check passes wrongly
    assert lint(A + "RUN ldd /tmp/x | grep 'not found'\n", "AR208")
