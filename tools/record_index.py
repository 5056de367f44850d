"""Record real PyPI Simple-API responses into ``tests/data/index/`` (small, regenerable).

    python tools/record_index.py            # re-record everything (needs network)
    python tools/record_index.py duckdb six # only these projects

For each project in ``PROJECTS`` it sends the request :class:`alpine_ready.deps.index.PyPIIndex`
sends (``GET https://pypi.org/simple/NAME/`` with the same ``Accept`` header) and writes
``tests/data/index/NAME.json``::

    {"url": ..., "accept": ..., "status": 200, "headers": {"content-type": ...},
     "recorded_at": "2026-...Z", "trimmed": {...}, "body": <the PEP 691 JSON, trimmed>}

Trimming (the raw pages are up to megabytes each; the committed data stays < 1 MB):

- ``versions`` is kept whole (it is a list of strings) -- so it still names versions
  whose files were dropped;
- ``files`` keeps only the files of the newest ``KEEP_LATEST`` final releases that have
  files, plus the versions pinned in ``PINNED`` (and every yanked file of the kept
  versions);
- of those, only files a Linux target could consider: sdists, ``none-any`` wheels and
  ``manylinux``/``musllinux``/``linux`` wheels for ``x86_64`` and ``aarch64`` (macOS,
  Windows, i686, ppc64le, s390x, armv7l... are dropped).

One HTML page (PEP 503, ``Accept: text/html``) is recorded as ``requests.html.json``
(``body`` is the HTML text; anchor lines of versions the JSON page drops are dropped
too) for the HTML parser's tests.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from alpine_ready.deps.index import ACCEPT, normalize_name  # noqa: E402

OUT = ROOT / "tests" / "data" / "index"
INDEX = "https://pypi.org/simple/"
PROJECTS = (
    "numpy",
    "pandas",
    "duckdb",
    "pydantic-core",
    "orjson",
    "mysqlclient",
    "torch",
    "onnxruntime",
    "scikit-learn",
    "grpcio",
    "cryptography",
    "polars",
    "polars-runtime-32",
    "psycopg2-binary",
    "six",
    "requests",
)
KEEP_LATEST = 4
#: Versions the tests need whatever the latest releases are.
PINNED: dict[str, tuple[str, ...]] = {
    "duckdb": ("1.3.2", "1.4.0"),  # 1.3.2: the last release with musllinux wheels
    "six": ("1.16.0",),
    "requests": ("2.32.0", "2.32.3"),  # 2.32.0: yanked, with a reason
    "cryptography": ("45.0.0",),  # yanked without a reason ("yanked": true)
}
HTML_PROJECT = "requests"
ARCHES = ("x86_64", "aarch64")


def _get(url: str, accept: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(
        url,
        headers={
            "Accept": accept,
            "Accept-Encoding": "gzip",
            "User-Agent": "alpine-ready-recorder",
        },
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
        if (r.headers.get("Content-Encoding") or "").lower() == "gzip":
            body = gzip.decompress(body)
        return r.status, {k.lower(): v for k, v in r.headers.items()}, body


def _linux_relevant(filename: str) -> bool:
    if not filename.endswith(".whl"):
        return filename.endswith((".tar.gz", ".zip"))
    platforms = filename[:-4].split("-")[-1].split(".")
    return any(
        p == "any" or (p.startswith(("manylinux", "musllinux", "linux")) and p.endswith(ARCHES))
        for p in platforms
    )


def _is_final(version: str) -> bool:
    return all(c.isdigit() or c == "." for c in version)


def _version_of(filename: str, versions: list[str], name: str) -> str | None:
    stem = filename.split("-")
    if len(stem) < 2:
        return None
    candidate = stem[1]
    for ext in (".tar.gz", ".zip"):
        candidate = candidate.removesuffix(ext)
    return candidate if candidate in versions else None


def trim(name: str, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page with only the files the tests need, and a note of what was dropped."""
    versions = [v for v in body.get("versions", []) if isinstance(v, str)]
    files = body.get("files", [])
    with_files = {_version_of(f["filename"], versions, name) for f in files}
    finals = [v for v in versions if _is_final(v) and v in with_files]
    finals.sort(key=lambda v: tuple(int(x) for x in v.split(".")))
    keep = set(finals[-KEEP_LATEST:]) | set(PINNED.get(name, ()))
    kept = [
        f
        for f in files
        if _version_of(f["filename"], versions, name) in keep and _linux_relevant(f["filename"])
    ]
    note = {
        "files_before": len(files),
        "files_after": len(kept),
        "versions_with_files": sorted(keep),
        "rule": "see tools/record_index.py",
    }
    return {**body, "files": kept}, note


def record(name: str) -> Path:
    """Record one project's JSON page; returns the file written."""
    url = f"{INDEX}{normalize_name(name)}/"
    status, headers, raw = _get(url, ACCEPT)
    body = json.loads(raw)
    trimmed, note = trim(normalize_name(name), body)
    out = OUT / f"{normalize_name(name)}.json"
    _write(out, url, ACCEPT, status, headers, trimmed, note)
    return out


def record_html(name: str) -> Path:
    """Record one project's PEP 503 HTML page, trimmed like its JSON page."""
    norm = normalize_name(name)
    url = f"{INDEX}{norm}/"
    _, _, json_raw = _get(url, ACCEPT)
    trimmed, _ = trim(norm, json.loads(json_raw))
    keep = {f["filename"] for f in trimmed["files"]}
    status, headers, raw = _get(url, "text/html")
    lines = raw.decode().splitlines(keepends=True)
    kept = [
        line
        for line in lines
        if "<a " not in line or line.split("</a>")[0].rsplit(">", 1)[-1] in keep
    ]
    note = {
        "anchors_before": sum("<a " in line for line in lines),
        "anchors_after": sum("<a " in line for line in kept),
        "rule": "anchors of the files requests.json keeps",
    }
    out = OUT / f"{norm}.html.json"
    _write(out, url, "text/html", status, headers, "".join(kept), note)
    return out


def _write(
    out: Path,
    url: str,
    accept: str,
    status: int,
    headers: dict[str, str],
    body: Any,
    note: dict[str, Any],
) -> None:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    kept = {k: v for k, v in headers.items() if k in ("content-type", "etag", "last-modified")}
    doc = {
        "url": url,
        "accept": accept,
        "status": status,
        "headers": kept,
        "recorded_at": now,
        "trimmed": note,
        "body": body,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    """Record the projects named (default: all of ``PROJECTS``, plus the HTML page)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("projects", nargs="*", help="default: every pinned project")
    args = parser.parse_args(argv)
    names = args.projects or list(PROJECTS)
    for name in names:
        out = record(name)
        print(f"{out.relative_to(ROOT)}: {out.stat().st_size} bytes")
    if not args.projects or HTML_PROJECT in args.projects:
        out = record_html(HTML_PROJECT)
        print(f"{out.relative_to(ROOT)}: {out.stat().st_size} bytes")
    total = sum(p.stat().st_size for p in OUT.glob("*.json"))
    print(f"total: {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
