"""SARIF 2.1.0 for ``alpine-ready lint``, with every rule's metadata and the fixes.

One run; ``tool.driver.rules`` holds each rule that ran: its code and name, the summary
(``shortDescription``), what it flags (``fullDescription``), the whole doc as ``help``
text and Markdown, ``helpUri``, the default level, and the hadolint code and category as
properties.  Results point at ``%SRCROOT%``-relative URIs (the directory lint ran in),
columns in Unicode code points (``columnKind``), and carry their fix as
``artifactChanges`` (``deletedRegion`` + ``insertedContent``; an insertion is an empty
region).  Level: error -> ``error``, warning -> ``warning``, info and style -> ``note``.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Any

from ..lint.model import Finding, RuleMeta, Severity
from ..lint.report import LintReport
from .tables.rule import rule_markdown, rule_text
from .text import json_text

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/alpine-ready/alpine-ready"
_LEVEL = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.STYLE: "note",
}


def _uri(path: str, root: str) -> tuple[str, bool]:
    """(URI, relative to %SRCROOT%?) of a file as the report names it."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(root)
        except ValueError:
            return p.as_uri(), False
    # quoted as bytes: a name that is not UTF-8 is percent-encoded byte for byte
    return urllib.parse.quote(os.fsencode(PurePosixPath(*p.parts).as_posix())), True


def _location(path: str, root: str) -> dict[str, Any]:
    uri, relative = _uri(path, root)
    return {"uri": uri, "uriBaseId": "%SRCROOT%"} if relative else {"uri": uri}


def _descriptor(meta: RuleMeta) -> dict[str, Any]:
    props: dict[str, Any] = {
        "category": meta.category,
        "severity": meta.severity.value,
        "tags": ["dockerfile", "alpine", meta.category],
    }
    if meta.hadolint is not None:
        props["hadolint"] = meta.hadolint
    if meta.fix is not None:
        props["fix"] = meta.fix.value
    return {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": meta.doc.summary},
        "fullDescription": {"text": meta.doc.what},
        "help": {"text": rule_text(meta), "markdown": rule_markdown(meta, heading="###")},
        "helpUri": meta.help_uri,
        "defaultConfiguration": {"level": _LEVEL[meta.severity]},
        "properties": props,
    }


def _region(line: int, column: int, end_line: int | None, end_column: int | None) -> dict[str, int]:
    region = {"startLine": line, "startColumn": column}
    if end_line is not None and end_column is not None:
        region.update(endLine=end_line, endColumn=end_column)
    return region


def _result(f: Finding, index: int, root: str) -> dict[str, Any]:
    location = _location(f.file, root)
    out: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
                    "region": _region(f.line, f.column, f.end_line, f.end_column),
                }
            }
        ],
        "properties": {
            "name": f.name,
            "severity": f.severity.value,
            **({"hadolint": f.hadolint} if f.hadolint else {}),
        },
    }
    if f.fix is not None:
        out["fixes"] = [
            {
                "description": {"text": f.fix.description},
                "artifactChanges": [
                    {
                        "artifactLocation": location,
                        "replacements": [
                            {
                                "deletedRegion": _region(
                                    e.start.line, e.start.column, e.end.line, e.end.column
                                ),
                                "insertedContent": {"text": e.text},
                            }
                            for e in f.fix.edits
                        ],
                    }
                ],
                "properties": {"safety": f.fix.safety.value},
            }
        ]
    return out


def sarif(report: LintReport) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict."""
    index = {m.code: i for i, m in enumerate(report.rules)}
    root_uri = Path(report.root).as_uri().rstrip("/") + "/"
    notes = [
        {"level": "note", "message": {"text": f"{fr.path}: {n}"}}
        for fr in report.files
        for n in fr.notes
    ]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "alpine-ready",
                        "version": report.tool_version,
                        "semanticVersion": report.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_descriptor(m) for m in report.rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
                "columnKind": "unicodeCodePoints",
                "invocations": [invocation],
                "results": [_result(f, index[f.code], report.root) for f in report.findings],
            }
        ],
    }


def render(report: LintReport) -> str:
    """The SARIF log as text."""
    return json_text(sarif(report))
