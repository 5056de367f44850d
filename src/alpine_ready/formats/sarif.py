"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps).

Lint's log (:mod:`.sarif_lint`) carries each rule's full documentation and its fixes
as ``artifactChanges``. Scan's and deps' logs are made from the report's items and
the code registry (``report/codes.py``): one rule descriptor per code used (summary,
what, why, fix, help URI, default level), one result per item at its level, located
at the file the item is about -- a path in the scanned tree (``%SRCROOT%`` is the
scanned directory) or in an image (the image reference and layer digest as
properties), a dependency at its lockfile line. Fixes that are not text edits are
described in the message and listed in the result's properties.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Any

from ..report.base import Report, ReportCore
from ..report.codes import CodeInfo, lookup
from ..report.item import Item
from .base import RenderOptions
from .text import json_text

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/alpine-ready/alpine-ready"


def render(report: Report, options: RenderOptions) -> str:
    """The SARIF log of ``report``."""
    del options
    if report.command == "lint":
        from ..lint.report import LintReport
        from .sarif_lint import render as lint_render

        assert isinstance(report, LintReport)
        return lint_render(report)
    return json_text(sarif(report.core(), _root(report)))


def _root(report: Report) -> str | None:
    """The directory item paths are relative to (``%SRCROOT%``); None for an image."""
    if report.command == "scan":
        from ..analysis.report import ScanReport

        assert isinstance(report, ScanReport)
        if report.target_kind == "image":
            return None
        target = Path(report.target)
        return str(target.resolve() if report.target_kind != "file" else target.resolve().parent)
    if report.command == "check":
        return str(Path(report.core().target).resolve())
    return str(Path.cwd())


def _descriptor(info: CodeInfo) -> dict[str, Any]:
    text = f"{info.what}\n\nWhy: {info.why}\n\nFix: {info.fix}".strip()
    markdown = (
        f"**{info.code} {info.name}**: {info.summary}\n\n{info.what}\n\n"
        f"**Why:** {info.why}\n\n**Fix:** {info.fix}"
    )
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": info.what or info.summary},
        "help": {"text": text, "markdown": markdown},
        "helpUri": info.help_uri,
        "defaultConfiguration": {"level": info.level.sarif},
        "properties": {"category": info.category, "tags": ["alpine", "musl", info.category]},
    }


def _uri(path: str) -> tuple[str, bool]:
    """(URI, relative to %SRCROOT%?) of a path as an item names it."""
    p = PurePosixPath(path)
    if p.is_absolute():
        return Path(path).as_uri(), False
    return urllib.parse.quote(os.fsencode(p.as_posix())), True


def _result(item: Item, index: int, image: str | None) -> dict[str, Any]:
    message = item.message
    fixes = [f.text or f.description for f in item.fixes]
    if fixes:
        message += " Fix: " + "; ".join(fixes)
    out: dict[str, Any] = {
        "ruleId": item.code,
        "ruleIndex": index,
        "level": item.level.sarif,
        "message": {"text": message},
    }
    if item.location is not None:
        uri, relative = _uri(item.location.path)
        artifact: dict[str, Any] = {"uri": uri}
        if relative and image is None:
            artifact["uriBaseId"] = "%SRCROOT%"
        physical: dict[str, Any] = {"artifactLocation": artifact}
        if item.location.line is not None:
            region: dict[str, int] = {"startLine": item.location.line}
            if item.location.column is not None:
                region["startColumn"] = item.location.column
            physical["region"] = region
        out["locations"] = [{"physicalLocation": physical}]
    props: dict[str, Any] = {
        "subject": item.subject.to_json(),
        "reasons": list(item.reasons),
        "fixes": [f.to_json() for f in item.fixes],
    }
    if image is not None:
        props["image"] = image
        if item.location is not None and item.location.layer:
            props["layer"] = item.location.layer
    out["properties"] = props
    return out


def sarif(core: ReportCore, root: str | None) -> dict[str, Any]:
    """The SARIF log of a report's core, as a JSON-ready dict.

    ``root``: the directory relative paths are relative to; None for an image (its
    paths are paths inside the image, named in each result's properties).
    """
    codes = sorted({i.code for i in core.items})
    infos = [lookup(c) for c in codes]
    index = {c: n for n, c in enumerate(codes)}
    rules = [_descriptor(i) for i in infos if i is not None]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "alpine-ready",
                "version": core.tool_version,
                "semanticVersion": core.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "invocations": [{"executionSuccessful": core.result != "incomplete"}],
        "results": [
            _result(i, index[i.code], None if root is not None else core.target) for i in core.items
        ],
        "properties": {"command": core.command, "target": core.target, "result": core.result},
    }
    if root is not None:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": Path(root).as_uri().rstrip("/") + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
