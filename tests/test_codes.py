"""Item codes: one registry, documented, and every code the source emits is in it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from alpine_ready.report import codes
from alpine_ready.report.level import Level

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import gen_codes_docs  # noqa: E402


def test_docs_page_has_not_drifted() -> None:
    """Regenerate with .venv/bin/python tools/gen_codes_docs.py."""
    assert (ROOT / "docs" / "codes.md").read_text("utf-8") == gen_codes_docs.page()


def test_every_data_code_is_complete_and_unique() -> None:
    seen: set[str] = set()
    for info in codes.data_codes():
        assert re.fullmatch(r"AR[4-8]\d\d", info.code), info.code
        assert info.name not in seen and info.code not in seen
        seen |= {info.name, info.code}
        assert info.summary and info.what and info.why and info.fix
        assert info.help_uri.endswith(f"codes.md#{info.code.lower()}")
        assert codes.lookup(info.name) == info


def test_every_code_in_the_source_is_registered() -> None:
    """A code string in the engine's source that the registry does not know is a bug."""
    found = set()
    for path in (ROOT / "src" / "alpine_ready").rglob("*.py"):
        found |= set(re.findall(r'"(AR\d{3})"', path.read_text("utf-8")))
    unknown = sorted(c for c in found if codes.lookup(c) is None)
    assert not unknown, unknown
    assert {"AR400", "AR402", "AR403", "AR404", "AR201"} <= found


def test_lint_codes_come_from_the_rules() -> None:
    info = codes.info("AR101")
    assert info.name == "apk-add-without-no-cache" and info.level is Level.INFO
    assert info.help_uri.endswith("rules.md#ar101")
    assert codes.lookup("AR999") is None
