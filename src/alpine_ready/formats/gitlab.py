"""``--format gitlab``: GitLab's Code Quality report (``artifacts:reports:codequality``).

A JSON array with one issue per item, in the fields GitLab reads
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format):
``description``, ``check_name``, ``fingerprint``, ``severity`` (``info``, ``minor``,
``major``, ``critical``, ``blocker``) and ``location`` (``path`` relative to the
repository, ``lines.begin``).

- severity: style/info -> ``info``/``minor``, warning -> ``major``, error ->
  ``critical``; a ``check`` blocker (it stops the move to Alpine) -> ``blocker``;
- fingerprint: sha256 of code, path, line and subject -- the same finding keeps its
  fingerprint from run to run, so GitLab shows what a merge request adds or fixes (a
  second identical finding gets a numbered one);
- path: the item's file, relative to the working directory when it lies under it
  (GitLab links it); an item without a file is placed on the report's target.

Made from the report's JSON (``report.to_json()``) only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ..report.base import Report
from .base import RenderOptions
from .text import json_text

SEVERITY = {
    "style": "info",
    "info": "minor",
    "warning": "major",
    "error": "critical",
}
SEVERITIES = ("info", "minor", "major", "critical", "blocker")


def _relative(path: str, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when under it, with forward slashes, no leading ``./``."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(cwd)
        except ValueError:
            return path
    text = PurePosixPath(*p.parts).as_posix() if p.parts else path
    return text.removeprefix("./")


def _description(item: Mapping[str, Any]) -> str:
    message = str(item.get("message", ""))
    fixes = [f.get("text") or f.get("description") or "" for f in item.get("fixes") or []]
    fixes = [f for f in fixes if f]
    if fixes:
        message += " Fix: " + "; ".join(fixes)
    return message


def fingerprint(code: str, path: str, line: int, subject: str) -> str:
    """The stable fingerprint of one finding."""
    material = "\0".join((code, path, str(line), subject))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def issues(data: Mapping[str, Any], cwd: Path | None = None) -> list[dict[str, Any]]:
    """The Code Quality issues of a report's JSON."""
    here = cwd if cwd is not None else Path.cwd()
    blockers = {b.get("id") for b in data.get("blockers") or [] if b.get("id")}
    target = _relative(str(data.get("target", "")), here) or "."
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for item in data.get("items") or []:
        level = str(item.get("level", ""))
        if level not in SEVERITY:
            continue  # ok items are counted, never issues
        loc = item.get("location") or {}
        path = _relative(str(loc.get("path") or target), here)
        given = loc.get("line")
        line = max(1, given) if isinstance(given, int) else 1
        subject = item.get("subject") or {}
        subject_text = "/".join(
            str(subject.get(k, "")) for k in ("kind", "ecosystem", "name", "version")
        )
        code = str(item.get("code", ""))
        fp = fingerprint(code, path, line, subject_text)
        n = seen.get(fp, 0)
        seen[fp] = n + 1
        if n:
            fp = fingerprint(code, path, line, f"{subject_text}#{n}")
        severity = "blocker" if item.get("id") in blockers else SEVERITY[level]
        name = str(item.get("name", ""))
        out.append(
            {
                "description": _description(item),
                "check_name": f"{code} {name}".strip(),
                "fingerprint": fp,
                "severity": severity,
                "location": {"path": path, "lines": {"begin": line}},
            }
        )
    return out


def render(report: Report, options: RenderOptions) -> str:
    """The Code Quality report of ``report``."""
    del options
    return json_text(issues(report.to_json(), Path.cwd()))
