"""One glibc-download table: lint AR201/AR303 and translate recognise the same URLs.

``knowledge/data/glibc-downloads.json`` carries, per pattern, example URLs with the musl
build each should become (or none) and URLs that are no glibc download.  For every one
of them, through the real commands: lint AR201 flags it on an Alpine stage (and its fix
writes exactly the musl URL of the data), AR303 takes it as a stage needing glibc, and
translate either rewrites it to that same musl URL (where the data says the musl build
is published for every release) or leaves it with a note -- and none of them says
anything about the URLs that are no glibc download.
"""

from __future__ import annotations

import re

import pytest

from alpine_ready.dockerfile import parse_text
from alpine_ready.knowledge import load_json
from alpine_ready.knowledge.downloads import download_patterns, glibc_download
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.rules import rule
from alpine_ready.translate import Category, translate_text
from lint_helpers import fixed

DOC = load_json("glibc-downloads.json")
EXAMPLES = [(p["id"], e["url"], e["musl"]) for p in DOC["patterns"] for e in p["examples"]]
NOT = [(p["id"], url) for p in DOC["patterns"] for url in p["not"]]


def _lint(code: str, text: str) -> list:  # type: ignore[type-arg]
    r = rule(code)
    assert r is not None
    return list(r.check(LintContext(parse_text(text))))


def test_every_pattern_has_examples_and_a_source() -> None:
    assert [p.id for p in download_patterns()] == [p["id"] for p in DOC["patterns"]]
    for p in DOC["patterns"]:
        assert p["examples"] and len(p["source"]) > 20, p["id"]
        if p.get("musl", {}).get("published"):
            assert any(e["musl"] for e in p["examples"]), p["id"]


@pytest.mark.parametrize(("pattern", "url", "musl"), EXAMPLES)
def test_lint_recognises_the_example(pattern: str, url: str, musl: str | None) -> None:
    hit = glibc_download(url)
    assert hit is not None and hit.pattern.id == pattern
    text = f"FROM alpine:3.20\nRUN curl -fsSLO {url}\n"
    (f,) = _lint("AR201", text)
    assert url in f.message and hit.what in f.message
    if musl is None:
        assert f.fix is None
    else:
        assert fixed(text, f) == f"FROM alpine:3.20\nRUN curl -fsSLO {musl}\n"
    assert _lint("AR303", f"FROM debian:12-slim\nRUN curl -fsSLO {url}\n") == []


@pytest.mark.parametrize(("pattern", "url", "musl"), EXAMPLES)
def test_translate_recognises_the_example(pattern: str, url: str, musl: str | None) -> None:
    hit = glibc_download(url)
    assert hit is not None
    t = translate_text(f"FROM debian:12\nRUN curl -fsSLO {url}\n")
    notes = [n for n in t.notes if n.category is Category.DOWNLOAD]
    if hit.published:
        assert musl is not None and t.text.endswith(f"RUN curl -fsSLO {musl}\n"), t.text
        assert not any("will not run on musl" in n.message for n in notes)
    else:
        assert t.text.endswith(f"RUN curl -fsSLO {url}\n")
        assert any("will not run on musl" in n.message and hit.what in n.message for n in notes), (
            notes
        )


@pytest.mark.parametrize(("pattern", "url"), NOT)
def test_no_command_flags_what_is_no_glibc_download(pattern: str, url: str) -> None:
    assert glibc_download(url) is None, pattern
    assert _lint("AR201", f"FROM alpine:3.20\nRUN curl -fsSLO {url}\n") == []
    t = translate_text(f"FROM debian:12\nRUN curl -fsSLO {url}\n")
    assert not [n for n in t.notes if n.category is Category.DOWNLOAD]
    assert t.text.endswith(f"RUN curl -fsSLO {url}\n")


def test_add_sources_too() -> None:
    url = "https://nodejs.org/dist/v20.18.0/node-v20.18.0-linux-x64.tar.xz"
    (f,) = _lint("AR201", f"FROM alpine:3.20\nADD {url} /tmp/\n")
    t = translate_text(f"FROM debian:12\nADD {url} /tmp/\n")
    assert f.fix is not None
    new = re.search(r"https://\S+", f.fix.description)
    assert new is not None and new[0] in t.text
