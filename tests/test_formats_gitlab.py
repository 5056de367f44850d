"""``--format gitlab``: GitLab Code Quality reports, checked against the published fields.

The schema below is the Code Quality report format GitLab documents
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format): an array
of issues, each with description, check_name, fingerprint, severity (one of five) and
location.path / location.lines.begin.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alpine_ready.formats import for_command
from alpine_ready.formats.gitlab import fingerprint, issues
from alpine_ready.report.base import CommandName

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "check" / "sample-v1.json"

CODE_QUALITY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def _sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    return data


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "ALPINE_READY_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_gitlab_is_offered_where_findings_are_about_files() -> None:
    offered: tuple[CommandName, ...] = ("lint", "scan", "deps")
    not_offered: tuple[CommandName, ...] = ("inspect", "compare", "translate", "rule")
    for command in offered:
        assert "gitlab" in for_command(command)
    for command in not_offered:
        assert "gitlab" not in for_command(command)


def test_check_sample_issues(tmp_path: Path) -> None:
    data = _sample()
    out = issues(data, tmp_path)
    jsonschema.validate(out, CODE_QUALITY_SCHEMA)
    assert len(out) == len(data["items"])
    by_check = {i["check_name"]: i for i in out}
    orjson = by_check["AR502 glibc-only"]
    assert orjson["severity"] == "blocker"  # a check blocker stops the move
    assert orjson["location"] == {"path": "requirements.txt", "lines": {"begin": 3}}
    assert "Fix: orjson==3.10.1" in orjson["description"]
    assert by_check["AR403 needs-packages"]["severity"] == "blocker"
    assert by_check["AR108 apt-get-on-alpine"]["severity"] == "minor"  # info
    assert by_check["AR900 musl-behaviour"]["severity"] == "major"  # a warning, not a blocker
    # no location: placed on the target, line 1
    assert by_check["AR601 translated"]["location"] == {
        "path": "examples/pyservice",
        "lines": {"begin": 1},
    }
    assert len({i["fingerprint"] for i in out}) == len(out)


def test_fingerprints_are_stable_and_documented(tmp_path: Path) -> None:
    data = _sample()
    first, second = issues(data, tmp_path), issues(json.loads(json.dumps(data)), tmp_path / "x")
    assert [i["fingerprint"] for i in first] == [i["fingerprint"] for i in second]
    want = hashlib.sha256(
        "\0".join(["AR502", "requirements.txt", "3", "package/python/orjson/3.9.0"]).encode()
    ).hexdigest()
    assert (
        first[0]["fingerprint"]
        == want
        == fingerprint("AR502", "requirements.txt", 3, "package/python/orjson/3.9.0")
    )
    # the message is not part of it: rewording a message keeps the finding's identity
    data["items"][0]["message"] = "reworded"
    assert issues(data, tmp_path)[0]["fingerprint"] == want


def test_absolute_paths_under_the_working_directory_become_relative(tmp_path: Path) -> None:
    data = _sample()
    data["items"][0]["location"]["path"] = str(tmp_path / "svc" / "requirements.txt")
    data["items"][1]["location"]["path"] = "/elsewhere/Dockerfile"
    out = issues(data, tmp_path)
    assert out[0]["location"]["path"] == "svc/requirements.txt"
    assert out[1]["location"]["path"] == "/elsewhere/Dockerfile"


def test_real_lint_run(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.23\nRUN apk add curl\nRUN apt-get update && apt-get install -y curl\n"
    )
    done = _cli(tmp_path, "lint", "Dockerfile", "--format", "gitlab")
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    jsonschema.validate(out, CODE_QUALITY_SCHEMA)
    names = [i["check_name"] for i in out]
    assert "AR101 apk-add-without-no-cache" in names
    ar101 = out[names.index("AR101 apk-add-without-no-cache")]
    assert ar101["location"] == {"path": "Dockerfile", "lines": {"begin": 2}}
    assert ar101["severity"] in {"minor", "info", "major"}
    # the same rule twice on one line: two issues, two fingerprints
    assert len({i["fingerprint"] for i in out}) == len(out)
    again = json.loads(_cli(tmp_path, "lint", "Dockerfile", "--format", "gitlab").stdout)
    assert again == out


def test_clean_run_is_an_empty_array(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.23\nRUN apk add --no-cache curl\n")
    done = _cli(tmp_path, "lint", "Dockerfile", "--format", "gitlab")
    assert json.loads(done.stdout) == [], done.stdout
    assert done.returncode == 0


@pytest.mark.parametrize("sample", sorted(SAMPLE.parent.glob("*.json")), ids=lambda p: p.stem)
def test_every_check_sample_is_a_valid_code_quality_report(tmp_path: Path, sample: Path) -> None:
    data = json.loads(sample.read_text("utf-8"))
    out = issues(data, tmp_path)
    jsonschema.validate(out, CODE_QUALITY_SCHEMA)
    reported = [i for i in data["items"] if i["level"] != "ok"]
    assert len(out) == len(reported)
    blockers = {b["code"] for b in data["blockers"]}
    assert {i["check_name"].split()[0] for i in out if i["severity"] == "blocker"} == blockers
    assert len({i["fingerprint"] for i in out}) == len(out)
