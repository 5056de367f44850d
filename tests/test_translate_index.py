"""translate checks the Alpine names it installs against the release's package index (AR604).

The index is a real-format one served by the local mirror of ``tests/apk_mirror.py``:
``main`` is the real Alpine 3.23 installed database, ``community`` the test records plus
those a test adds; the Dockerfiles are those of ``tests/data/dockerfiles``.
"""

# ruff: noqa: F811 (the fixtures of apk_mirror are imported, then requested by name)

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from alpine_ready.cli.main import EXIT_FINDINGS
from alpine_ready.knowledge.apkindex import parse_index
from alpine_ready.report import schema
from alpine_ready.translate import TranslateOptions, run
from alpine_ready.translate.report import TranslateReport
from alpine_ready.translate.translate import translate_text
from apk_mirror import (  # noqa: F401 (fixtures)
    Mirror,
    apkindex_targz,
    index_text_of_installed,
    installed_db,
    record,
    serve,
    test_records,
)

DATA = Path(__file__).parent / "data" / "dockerfiles"
#: What debian-python.Dockerfile's translation installs beyond the real database.
# libpq: what libpq-dev's build links to, kept when the -dev package leaves with .build-deps
PYTHON_BUILD = ("build-base", "libpq-dev", "libpq", "openssl-dev", "linux-headers")


@pytest.fixture
def community(test_records: str) -> Iterator[list[str]]:
    """The community records a test serves (the test records to start with)."""
    yield [test_records]


def _mirror(installed_db: str, community: list[str]) -> Mirror:
    return serve(
        {
            "main": apkindex_targz(index_text_of_installed(installed_db)),
            "community": apkindex_targz("\n".join(community)),
        }
    )


def _translate(name: str, mirror: Mirror, tmp_path: Path) -> TranslateReport:
    return run(
        TranslateOptions(
            path=str(DATA / name), mirror=mirror.url, offline=False, cache_root=tmp_path / "c"
        )
    )


def _codes(report: TranslateReport) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in report.core().items:
        out.setdefault(item.code, []).append(item.message)
    return out


def test_a_name_the_release_lacks_is_reported_and_only_that_one(
    installed_db: str, community: list[str], tmp_path: Path
) -> None:
    community += [record(n) for n in PYTHON_BUILD]  # zlib-dev is not there
    m = _mirror(installed_db, community)
    try:
        report = _translate("debian-python.Dockerfile", m, tmp_path)
    finally:
        m.close()
    missing = _codes(report).get("AR604", [])
    assert len(missing) == 1 and missing[0].startswith("zlib-dev: no such package in Alpine 3.23")
    item = next(i for i in report.core().items if i.code == "AR604")
    assert item.level.value == "warning" and item.location and item.location.line == 11
    assert report.failed
    # the same file, with an index that has it: nothing
    community.append(record("zlib-dev"))
    m = _mirror(installed_db, community)
    try:
        assert "AR604" not in _codes(_translate("debian-python.Dockerfile", m, tmp_path / "2"))
    finally:
        m.close()


def test_the_index_provides_name_the_package(
    installed_db: str, community: list[str], tmp_path: Path
) -> None:
    # xz is not a package of this index; a package provides the command xz
    community.append(record("xz-tools", "5.8.1-r0", provides="cmd:xz=5.8.1-r0 cmd:unxz=5.8.1-r0"))
    community += [record("libstdc++"), record("libgcc")]  # node's musl build needs them
    community.append(record("openssl"))  # what Debian's ca-certificates brought
    community.append(record("tar"))  # GNU tar, next to xz (Debian's xz-utils is tar's)
    m = _mirror(installed_db, community)
    try:
        report = _translate("ubuntu-node-tarball.Dockerfile", m, tmp_path)
    finally:
        m.close()
    (msg,) = _codes(report)["AR604"]
    assert msg.startswith("xz: no such package") and "the command xz is in xz-tools" in msg
    # curl and ca-certificates are in the real database: not reported
    assert "curl" not in msg.split(":")[0]


def test_a_command_the_stage_runs_names_the_package_of_its_family(
    installed_db: str, test_records: str
) -> None:
    text = (
        "FROM debian:bookworm\n"
        "RUN apt-get update && apt-get install -y xz-utils curl \\\n"
        " && xzcat /tmp/a.xz > /tmp/a && rm -f /tmp/a.xz\n"
    )
    index = parse_index(
        index_text_of_installed(installed_db)
        + "\n"
        + test_records
        + "\n"
        + record("xz-utils-bin", provides="cmd:xzcat=1.0-r0")
        + record("coreutils", provides="cmd:rm=9.8-r0")
        + record("tar"),
        release="3.23",
    )
    tr = translate_text(text, alpine="3.23", index=index)
    (note,) = [n for n in tr.notes if n.code == "AR604"]
    assert note.message.startswith("xz: no such package in Alpine 3.23")
    assert "this stage runs xzcat, which xz-utils-bin provides" in note.message
    assert "coreutils" not in note.message  # rm is of no family of xz
    assert note.line == 2


def test_no_index_offline_changes_nothing(tmp_path: Path) -> None:
    path = str(DATA / "debian-python.Dockerfile")
    cold = run(TranslateOptions(path=path, offline=True, cache_root=tmp_path / "cold"))
    unchecked = run(TranslateOptions(path=path, check_names=False))
    assert cold.to_json() == unchecked.to_json()
    assert "AR604" not in _codes(cold)


def test_the_index_is_read_only_when_something_is_installed(tmp_path: Path) -> None:
    calls: list[str] = []

    def loader() -> None:
        calls.append("called")

    translate_text("FROM debian:bookworm\nRUN echo hi\n", index=loader)
    assert calls == []
    translate_text("FROM debian:bookworm\nRUN apt-get install -y curl\n", index=loader)
    assert calls == ["called"]


def test_the_cli_mirror_flag(installed_db: str, community: list[str], tmp_path: Path) -> None:
    community += [record(n) for n in PYTHON_BUILD]
    m = _mirror(installed_db, community)
    try:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "alpine_ready",
                "translate",
                str(DATA / "debian-python.Dockerfile"),
                "--mirror",
                m.url,
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        m.close()
    assert r.returncode == EXIT_FINDINGS, r.stderr
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, schema(f"translate-v{doc['schema_version']}.json"))
    assert [i["code"] for i in doc["items"]].count("AR604") == 1
    assert any("zlib-dev: no such package" in n["message"] for n in doc["notes"])
