"""``translate --check``: what is proved of an Alpine Dockerfile without building it.

Real inputs: the translations of the Debian/Ubuntu fixtures, hand-written Alpine
Dockerfiles, the real Alpine 3.23 rootfs's busybox for ``sh -n`` (in the project's
bubblewrap sandbox; through chroot as root where bwrap is missing), and the package
index as real-format APKINDEX text (the rootfs's own installed database, served by the
local mirror of ``tests/apk_mirror.py`` for the CLI).
"""

# ruff: noqa: F811 (the fixtures of apk_mirror are imported, then requested by name)

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from alpine_ready.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from alpine_ready.dockerfile import parse_text
from alpine_ready.knowledge.apkindex import PackageIndex
from alpine_ready.knowledge.basecommands import base_commands
from alpine_ready.report import schema
from alpine_ready.translate.check import CheckResult, check_text
from alpine_ready.translate.translate import translate_text
from apk_mirror import (  # noqa: F401 (fixtures)
    apkindex_targz,
    index_text_of_installed,
    installed_db,
    installed_index,
    record,
    serve,
)
from musl_real import needs_rootfs_sh

DATA = Path(__file__).parent / "data" / "dockerfiles"
#: The Debian/Ubuntu fixtures whose translations are checked.
SOURCES = sorted(
    p.name for p in DATA.glob("*.Dockerfile") if p.name.startswith(("debian-", "ubuntu-"))
)
#: The pragma translate writes above its unpinned apk add (lint AR102 otherwise).
UNPINNED = "# hadolint ignore=DL3018\n"


def _codes(res: CheckResult, level: str | None = None) -> list[str]:
    return [i.code for i in res.items if level is None or i.level.value == level]


def _messages(res: CheckResult, code: str) -> list[str]:
    return [i.message for i in res.items if i.code == code]


# -- the base image's commands ---------------------------------------------------------


def test_base_commands_are_the_alpine_images(alpine_rootfs: Path) -> None:
    """Busybox applets and the base packages' files; the VM image's extras left out."""
    base = base_commands()
    assert {"/bin/sh", "/bin/ls", "/sbin/apk", "/usr/bin/env", "/usr/bin/wget"} <= base.paths
    for path in base.paths:  # every one is really there in the rootfs
        assert os.path.lexists(alpine_rootfs / path.lstrip("/")), path
    # curl and sudo are installed in the VM fixture, but not part of the alpine image
    assert (alpine_rootfs / "usr/bin/curl").exists()
    assert "curl" not in base.names and "sudo" not in base.names
    assert {"cd", "export", "set", "if", "local", "."} <= base.shell_builtins
    assert "declare" not in base.shell_builtins  # bash's, not ash's


# -- the translated fixtures -----------------------------------------------------------


@needs_rootfs_sh
@pytest.mark.parametrize("name", SOURCES)
def test_translated_fixtures_prove_no_missing_command_or_bad_syntax(
    name: str, installed_index: PackageIndex, alpine_rootfs: Path
) -> None:
    """No command proven missing, every RUN parsed by the real sh -n and accepted.

    The index here is the rootfs's installed database, not the whole release: names it
    lacks are AR631, so only the offline check's verdicts are asserted beyond that.
    """
    path = DATA / name
    tr = translate_text(path.read_text("utf-8"), str(path))
    offline = check_text(tr.text, str(path), index=None, rootfs=alpine_rootfs)
    runs = tr.text.count("\nRUN ")
    assert offline.sh_checked >= 1 and offline.sh_checked <= runs
    assert "AR633" not in _codes(offline) and "AR636" not in _codes(offline)
    assert "AR630" not in _codes(offline)  # never proven without an index
    # only lint, and a stop block (a proven hand edit), can fail offline
    assert set(_codes(offline, "error")) <= {"AR632", "AR637"}
    served = check_text(tr.text, str(path), index=installed_index, rootfs=alpine_rootfs)
    assert "AR630" not in _codes(served) and "AR634" not in _codes(served)


def test_translated_go_and_node_fixtures_pass_offline(alpine_rootfs: Path) -> None:
    for name in (
        "debian-go-multistage.Dockerfile",
        "debian-node-native.Dockerfile",
        "debian-django.Dockerfile",  # gcc … moved to the pip RUN as a deleted .build-deps
        "ubuntu-node-tarball.Dockerfile",
    ):
        path = DATA / name
        tr = translate_text(path.read_text("utf-8"), str(path))
        res = check_text(tr.text, str(path), index=None, rootfs=alpine_rootfs)
        assert not res.failed, res.items
        assert not res.index
        assert "AR634" in _codes(res)  # package names and commands: not told, not passed


# -- hand-written Alpine Dockerfiles ---------------------------------------------------


def test_a_command_from_a_package_not_installed_is_proven_missing(
    installed_index: PackageIndex,
) -> None:
    text = "FROM alpine:3.23\nRUN curl -fsSL https://example.com/x -o /tmp/x\n"
    res = check_text(text, index=installed_index)
    assert res.failed
    (msg,) = _messages(res, "AR630")
    assert msg.startswith("curl: not found") and "apk add curl provides it" in msg
    fixed = "FROM alpine:3.23\nRUN apk add --no-cache curl && curl -fsSL https://e.com/x\n"
    assert "AR630" not in _codes(check_text(fixed, index=installed_index))


def test_an_earlier_run_and_the_parent_stage_install_commands(
    installed_index: PackageIndex,
) -> None:
    text = (
        "FROM alpine:3.23 AS base\nRUN apk add --no-cache curl\n"
        "FROM base\nRUN curl -V\n"
        "FROM alpine:3.23\nRUN curl -V\n"
    )
    res = check_text(text, index=installed_index)
    assert [i.line for i in res.items if i.code == "AR630"] == [6]


def test_a_deleted_virtual_group_takes_its_commands_away(installed_index: PackageIndex) -> None:
    text = (
        "FROM alpine:3.23\n"
        "RUN apk add --no-cache --virtual .fetch curl && curl -V && apk del .fetch && curl -V\n"
    )
    res = check_text(text, index=installed_index)
    assert len(_messages(res, "AR630")) == 1


def test_dependencies_of_an_installed_package_count(installed_index: PackageIndex) -> None:
    """e2fsprogs-extra depends on e2fsprogs, whose cmd: provides include mke2fs."""
    assert installed_index.command_provider("mke2fs") == "e2fsprogs"
    assert "e2fsprogs" in installed_index.install_closure(["e2fsprogs-extra"]).packages
    text = "FROM alpine:3.23\nRUN apk add --no-cache e2fsprogs-extra && mke2fs -V\n"
    assert "AR630" not in _codes(check_text(text, index=installed_index))


def test_shell_grammar_builtins_functions_and_wrappers(installed_index: PackageIndex) -> None:
    text = (
        "FROM alpine:3.23\n"
        'RUN set -eux; f() { echo "$1"; }; f hi; cd /tmp && export A=1; '
        "X=$(nosuchone --version); env B=2 nosuchtwo; "
        "find / -name x | xargs nosuchthree; if [ -f /x ]; then :; fi\n"
    )
    res = check_text(text, index=installed_index)
    missing = sorted(m.split(":", 1)[0] for m in _messages(res, "AR630"))
    assert missing == ["nosuchone", "nosuchthree", "nosuchtwo"]
    assert all("no package of the release provides it" in m for m in _messages(res, "AR630"))


def test_what_cannot_be_proved_is_reported_apart(installed_index: PackageIndex) -> None:
    """Another base, a COPY or another installer before, a path: unverified, not missing."""
    other_base = "FROM python:3.12-alpine\nRUN pip install flask && flask --version\n"
    copied = "FROM alpine:3.23\nCOPY tool /usr/local/bin/tool\nRUN tool --help\n"
    paths = "FROM alpine:3.23\nRUN ./configure && /usr/local/bin/x && /usr/bin/env true\n"
    for text in (other_base, copied, paths):
        res = check_text(text, index=installed_index)
        assert not res.failed, res.items
        assert "AR635" in _codes(res)
    assert (
        len(_messages(check_text(paths, index=installed_index), "AR635")) == 2
    )  # not /usr/bin/env


def test_offline_unknown_is_not_proven(alpine_rootfs: Path) -> None:
    text = f"FROM alpine:3.23\n{UNPINNED}RUN apk add --no-cache curl && curl -V && ls /\n"
    res = check_text(text, index=None)
    assert not res.failed
    assert _codes(res).count("AR634") == 2  # curl, and the package name
    assert "AR630" not in _codes(res) and "AR631" not in _codes(res)


def test_a_name_the_release_lacks(installed_index: PackageIndex) -> None:
    text = "FROM alpine:3.23\nRUN apk add --no-cache curl no-such-package-xyz\n"
    res = check_text(text, index=installed_index)
    (msg,) = _messages(res, "AR631")
    assert msg.startswith("no-such-package-xyz: no such package in Alpine 3.23")
    assert not any("AR108" in m for m in _messages(res, "AR632"))  # the same fact, once


def test_a_lint_warning_fails_the_check() -> None:
    # AR106 (warning): apk upgrade in an image build
    text = "FROM alpine:3.23\nRUN apk upgrade --no-cache && apk add --no-cache curl\n"
    res = check_text(text)
    lint = _messages(res, "AR632")
    assert lint and res.failed
    clean = check_text(f"FROM alpine:3.23\n{UNPINNED}RUN apk add --no-cache curl\n")
    assert "AR632" not in _codes(clean)


@needs_rootfs_sh
def test_busybox_sh_n_of_the_real_rootfs(alpine_rootfs: Path) -> None:
    bad = "FROM alpine:3.23\nRUN a=(1 2) && echo ok\nRUN for ((i=0;i<3;i++)); do :; done\n"
    res = check_text(bad, rootfs=alpine_rootfs)
    assert res.sh_checked == 2
    assert [i.line for i in res.items if i.code == "AR633"] == [2, 3]
    assert 'unexpected "("' in _messages(res, "AR633")[0]
    # busybox ash has [[ ]] (the real shell says so, not a table)
    ok = check_text("FROM alpine:3.23\nRUN if [[ -f /x ]]; then :; fi\n", rootfs=alpine_rootfs)
    assert "AR633" not in _codes(ok) and ok.sh_checked == 1


@needs_rootfs_sh
def test_sh_n_reads_shell_heredocs_only(alpine_rootfs: Path) -> None:
    text = (DATA / "heredoc.Dockerfile").read_text("utf-8")
    res = check_text(text, rootfs=alpine_rootfs)
    runs = [i for i in parse_text(text).instructions if i.keyword == "RUN"]
    assert res.sh_checked == len(runs) - 1  # the #!/usr/bin/env python3 heredoc is not sh
    assert "AR633" not in _codes(res)


@needs_rootfs_sh
def test_sh_n_never_runs_the_text(alpine_rootfs: Path, tmp_path: Path) -> None:
    marker = f"ar-check-{os.getpid()}"
    text = f"FROM alpine:3.23\nRUN touch /tmp/{marker} && echo done\n"
    res = check_text(text, rootfs=alpine_rootfs)
    assert res.sh_checked == 1
    assert not (alpine_rootfs / "tmp" / marker).exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="the chroot fallback needs root")
def test_without_bubblewrap_sh_n_runs_through_chroot(
    alpine_rootfs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No bwrap on PATH: the sandbox says why, and as root chroot takes its place."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    chroot = shutil.which("chroot")
    assert chroot is not None
    (bin_dir / "chroot").symlink_to(chroot)
    monkeypatch.setenv("PATH", str(bin_dir))
    bad = "FROM alpine:3.23\nRUN if true; then echo x\n"
    res = check_text(bad, rootfs=alpine_rootfs)
    assert res.sh_checked == 1 and "AR633" in _codes(res)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))  # neither bwrap nor chroot
    res = check_text(bad, rootfs=alpine_rootfs)
    assert res.sh_checked == 0
    [why] = _messages(res, "AR636")
    assert why.startswith(f"busybox sh -n not run: {alpine_rootfs}: bwrap (bubblewrap) not found")


def test_sh_n_not_run_is_said() -> None:
    res = check_text("FROM alpine:3.23\nRUN true\n")
    assert res.sh_checked == 0
    assert _messages(res, "AR636") == [
        "busybox sh -n not run: no Alpine rootfs given (--against DIR)"
    ]


# -- the command line ------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", "translate", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_rootfs_sh
def test_cli_check_with_a_served_index(
    installed_db: str, tmp_path: Path, alpine_rootfs: Path
) -> None:
    src = tmp_path / "Dockerfile"
    src.write_text(f"FROM alpine:3.23\n{UNPINNED}RUN apk add --no-cache sudo && curl -V\n")
    m = serve(
        {
            "main": apkindex_targz(index_text_of_installed(installed_db)),
            "community": apkindex_targz(record("test-only")),
        }
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    try:
        proc = subprocess.run(
            [
                sys.executable, "-m", "alpine_ready", "translate", str(src), "--check",
                "--against", str(alpine_rootfs), "--mirror", m.url, "--format", "json",
            ],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
    finally:
        m.close()
    assert proc.returncode == EXIT_FINDINGS, proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, schema("translate-v3.json"))
    check = doc["check"]
    assert check["index"] and check["sh_checked"] == 1 and not check["passed"]
    assert [i["code"] for i in check["items"] if i["level"] == "error"] == ["AR630"]
    assert any(i["code"] == "AR630" for i in doc["items"])


def test_cli_exit_status_and_text(tmp_path: Path) -> None:
    good = tmp_path / "good.Dockerfile"
    good.write_text(f"FROM alpine:3.23\n{UNPINNED}RUN apk add --no-cache curl && ls /\n")
    proc = _cli(str(good), "--check", "--offline")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert "check: nothing proven wrong" in proc.stderr
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM alpine:3.23\nRUN apk upgrade --no-cache && apk add --no-cache curl\n")
    proc = _cli(str(bad), "--check", "--offline")
    assert proc.returncode == EXIT_FINDINGS
    assert "AR632" in proc.stderr
    proc = _cli(str(good), "--against", str(tmp_path))
    assert proc.returncode == EXIT_ERROR and "--against needs --check" in proc.stderr


def test_json_without_check_has_a_null_check_section(tmp_path: Path) -> None:
    proc = _cli(str(DATA / "debian-python.Dockerfile"), "--format", "json", "--offline")
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, schema("translate-v3.json"))
    assert doc["schema_version"] == 3 and doc["check"] is None


def test_a_stop_block_is_a_proven_hand_edit(alpine_rootfs: Path) -> None:
    """debian-python downloads a glibc tool with no musl build: blocked, and --check says so."""
    path = DATA / "debian-python.Dockerfile"
    tr = translate_text(path.read_text("utf-8"), str(path))
    assert "RUN echo 'alpine-ready translate: https://example.com/tool-1.0" in tr.text
    res = check_text(tr.text, str(path), index=None, rootfs=alpine_rootfs)
    stops = [i for i in res.items if i.code == "AR637"]
    assert res.failed and len(stops) == 1 and stops[0].level.value == "error"
    assert "x86_64-unknown-linux-gnu" in stops[0].message
    # nothing else is proven wrong but the download the block names (lint AR201)
    others = [i for i in res.items if i.level.value == "error" and i.code != "AR637"]
    assert [i.message.split()[1] for i in others] == ["AR201"]
