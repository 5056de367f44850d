"""``--format html``: one self-contained page, rendered for real in headless Chromium.

Every check report of tests/data/check/ is rendered (the check engine's real output,
and a hand-written sample with hostile strings); Chromium dumps the DOM (the key
figures must be there, a hostile package name only as text) and takes a screenshot
that the test keeps and checks is a real, non-blank image.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from alpine_ready.formats import FORMATS, for_command
from alpine_ready.formats.html import esc, render_json, size_text
from alpine_ready.report.base import CommandName

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "check" / "sample-v1.json"
#: the sample whose screenshot is kept after the run (a real engine run), in the test
#: artefacts' own folder: ``$ALPINE_READY_FIXTURES/screenshots/check-report.png``
KEPT_SAMPLE = "real-python.json"
KEPT_NAME = "check-report.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = "<script>alert(1)</script>"


def _sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    return data


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM, "chromium is not installed (tools/install-test-deps.sh installs it)"
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _png_pixels(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (stdlib only)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        body = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


class _Collect(HTMLParser):
    """Tags, attributes and text of a page (a well-formedness check on the way)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Collect:
    p = _Collect()
    p.feed(page)
    p.close()
    return p


def test_html_is_registered_for_every_command_and_gitlab_for_file_findings() -> None:
    assert FORMATS["html"].commands == FORMATS["json"].commands
    commands: tuple[CommandName, ...] = ("lint", "scan", "deps", "inspect", "translate")
    for command in commands:
        assert "html" in for_command(command)


def test_page_is_self_contained_and_hostile_text_stays_text() -> None:
    page = render_json(_sample())
    parsed = _parse(page)
    tags = {t for t, _ in parsed.tags}
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    assert "img" not in tags and "object" not in tags
    for _, attrs in parsed.tags:
        assert "src" not in attrs and "href" not in attrs
        assert not any(k.startswith("on") for k in attrs)
    assert "url(" not in page and "@import" not in page
    csp = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")
    assert "script-src" not in (csp[0]["content"] or "")  # no script runs
    text = "".join(parsed.text)
    assert HOSTILE in text  # shown as text …
    assert esc(HOSTILE) in page and HOSTILE not in page  # … because escaped
    assert "</pre><script>" not in page  # the diff line cannot close its block
    assert "<svg" in page and "size-chart" in page


def test_escape_covers_quotes_and_terminal_controls() -> None:
    assert esc('"><img src=x onerror=alert(1)>') == ("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
    assert "\x1b" not in esc("red\x1b[31m")


def test_generic_report_lists_items_with_fixes(tmp_path: Path) -> None:
    """A real lint report (the CLI, --format html -o) renders with its items and fixes."""
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.23\nRUN apk add curl\n")
    out = tmp_path / "lint.html"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "ALPINE_READY_OFFLINE": "1"}
    argv = ["lint", "Dockerfile", "--format", "html", "-o", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "alpine_ready", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # AR101 is at the default --fail-on
    page = out.read_text("utf-8")
    parsed = _parse(page)
    text = " ".join(parsed.text)
    assert "AR101" in text and "apk-add-without-no-cache" in text
    assert "--no-cache" in text  # the fix
    assert "Dockerfile:2" in text
    assert 'id="decision"' not in page  # only check has a decision


SAMPLES = sorted((ROOT / "tests" / "data" / "check").glob("*.json"))


@pytest.mark.parametrize("sample_path", SAMPLES, ids=lambda p: p.stem)
def test_check_sample_in_headless_chromium(
    tmp_path: Path, sample_path: Path, fixtures_root: Path
) -> None:
    data = json.loads(sample_path.read_text("utf-8"))
    page = tmp_path / "check.html"
    page.write_text(render_json(data), "utf-8")

    dom = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert 'id="decision"' in html and f'data-decision="{data["decision"]}"' in html
    shown = 0
    for key in ("today", "alpine"):
        n = data["size"][key]["bytes"]
        if n is not None:
            assert size_text(n) in html and f"{n:,} bytes" in html
            shown += 1
    assert shown >= 1 and "<svg" in html and 'id="size-chart"' in html
    for blocker in data["blockers"]:
        assert f'data-code="{blocker["code"]}"' in html
    for entry in data.get("behaviour") or []:
        assert f'data-behaviour="{entry["id"]}"' in html
    if data["changes"].get("dockerfile_diff"):
        assert 'id="dockerfile-diff"' in html and 'class="add"' in html
    assert "<script" not in html.lower()  # a hostile name never becomes an element
    if sample_path == SAMPLE:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    shot = tmp_path / "check-report.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    width, height, pixels = _png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 1600)
    assert len(pixels) > width * height  # RGB(A) scanlines
    assert len(set(pixels[: 1 << 20])) > 50  # not blank
    if sample_path.name == KEPT_SAMPLE:
        kept = fixtures_root / "screenshots" / KEPT_NAME
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, kept)
        assert kept.read_bytes() == shot.read_bytes()


def test_size_text_reads_like_a_person_writes_it() -> None:
    assert size_text(155189248) == "148.0 MiB"
    assert size_text(8708096) == "8.3 MiB"
    assert size_text(-2097152) == "-2.0 MiB"
    assert size_text(512) == "512 B"
    assert re.fullmatch(r"\d+\.\d{2} GiB", size_text(5 << 30))


@pytest.mark.parametrize("decision", ["fits", "fits-with-changes", "not-recommended"])
def test_each_decision_has_its_words(decision: str) -> None:
    data = {**_sample(), "decision": decision}
    page = render_json(data)
    assert f'class="decision d-{decision}"' in page
