"""One base-image table, one rewrite: lint AR303's suggestion is translate's ``FROM``.

``knowledge/data/alpine-base-images.json`` is read by one loader and rewritten by one
function (:func:`alpine_ready.knowledge.images.alpine_counterpart`).  These tests go
through the real commands, not the shared function: for every image family of the
table under many tags, and for every ``FROM`` of the repository's test Dockerfiles,
AR303's suggestion (from its message) names the image translate writes; and wherever
translate rewrites the base of a stage lint judges glibc, AR303 does suggest.  The
table's glibc words and distribution names decide a stage's libc in lint; its Alpine
contents are checked against the real Alpine rootfs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alpine_ready.dockerfile import ImageName, parse_text
from alpine_ready.errors import InputError
from alpine_ready.knowledge import default_release
from alpine_ready.knowledge.build import build_tools
from alpine_ready.knowledge.images import alpine_counterpart, base_images
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.rules import rule
from alpine_ready.translate import translate_text

RELEASE = default_release()
DATA = Path(__file__).parent / "data"
TAGS = (
    None,
    "latest",
    "3",
    "3.12",
    "3.12.7",
    "20",
    "3.12-slim",
    "3.12-slim-bookworm",
    "20-bookworm",
    "20-bookworm-slim",
    "bookworm",
    "bookworm-slim",
    "jammy",
    "24.04",
    "noble",
    "12-slim",
    "8.3-fpm",
    "8.3-apache",
    "8.3-cli-bookworm",
    "21-jdk-slim",
    "21-jre-jammy",
    "17-jdk-oracle",
    "1.27",
    "16",
    "7.2-bookworm",
    "lts-slim",
    "3.12-alpine",
    "alpine",
    "windowsservercore-ltsc2022",
    "curl",
    "bookworm-scm",
)


def _families() -> list[str]:
    table = base_images()
    docker_hub = [n for n in table.no_alpine if "." not in n.split("/")[0]]
    return sorted({*table.images, *table.distributions, *table.glibc_distributions, *docker_hub})


def _refs() -> list[str]:
    return [f"{name}:{tag}" if tag else name for name in _families() for tag in TAGS]


def _dockerfile_bases() -> list[str]:
    """The base (ARGs substituted) of every stage of the repository's test Dockerfiles."""
    out: set[str] = set()
    paths = [*(DATA / "dockerfiles").glob("*.Dockerfile"), *(DATA / "translate").glob("*")]
    for path in sorted(paths):
        try:
            df = parse_text(path.read_text("utf-8"), str(path))
        except (InputError, UnicodeDecodeError):  # not a Dockerfile
            continue
        out.update(
            s.base for s in df.stages if s.parent is None and not s.is_scratch and "$" not in s.base
        )
    return sorted(out)


def _image(word: str) -> ImageName:
    (stage,) = parse_text(f"FROM {word}\n").stages
    assert stage.base_image is not None, word
    return stage.base_image


def _same_image(a: str, b: str) -> bool:
    x, y = _image(a), _image(b)
    return (x.registry, x.repository, x.tag) == (y.registry, y.repository, y.tag)


def _ar303(text: str) -> str | None:
    r = rule("AR303")
    assert r is not None
    found = list(r.check(LintContext(parse_text(text))))
    if not found:
        return None
    m = re.match(r"\S+ → (\S+) would", found[0].message)
    assert m is not None, found[0].message
    return m[1]


def _translated_from(text: str) -> str | None:
    out = translate_text(text).text
    first = out.split("\n", 1)[0]
    return first.removeprefix("FROM ") if first != text.split("\n", 1)[0] else None


def _libc(word: str) -> str | None:
    ctx = LintContext(parse_text(f"FROM {word}\nCOPY app /app\n"))
    return ctx.facts(ctx.stages[0]).libc


def _agree(word: str) -> tuple[str | None, str | None]:
    text = f"FROM {word}\nCOPY app /app\n"
    suggested, written = _ar303(text), _translated_from(text)
    if suggested is not None:
        assert written is not None and _same_image(suggested, written), (word, suggested, written)
    if written is not None and _libc(word) == "glibc" and _image(word).registry == "docker.io":
        assert suggested is not None, (word, written)  # nothing in the stage needs glibc
    return suggested, written


@pytest.mark.parametrize("word", _refs())
def test_ar303_suggests_what_translate_writes_for_every_family(word: str) -> None:
    _agree(word)


def test_the_agreement_is_not_vacuous() -> None:
    pairs = [_agree(w) for w in _refs()]
    assert sum(1 for s, _ in pairs if s is not None) > 150
    assert ("python:3.12-alpine", "python:3.12-alpine") in pairs
    assert (f"alpine:{RELEASE}", f"alpine:{RELEASE}") in pairs


@pytest.mark.parametrize("word", _dockerfile_bases())
def test_ar303_suggests_what_translate_writes_for_every_test_dockerfile(word: str) -> None:
    _agree(word)


@pytest.mark.parametrize(
    ("word", "target"),
    [
        ("python", f"python:alpine{RELEASE}"),
        ("python:latest", f"python:alpine{RELEASE}"),
        ("python:bookworm", f"python:alpine{RELEASE}"),  # not the bare alpine tag (AR301)
        ("httpd", "httpd:alpine"),  # publishes no -alpine<release> tags
        ("python:3.12.7-slim", "python:3.12.7-alpine"),
        ("openjdk:17-jdk-oracle", "eclipse-temurin:17-jdk-alpine"),
        ("docker.io/library/node:20-bookworm", "docker.io/library/node:20-alpine"),
        ("python:3.12-slim@sha256:" + "a" * 64, "python:3.12-alpine"),
        ("buildpack-deps:bookworm-curl", f"alpine:{RELEASE}"),
        ("php:8.3-apache", None),
        ("mysql:8", None),
        ("fedora:40", None),
        ("acme/app:1", None),
        ("gcr.io/distroless/cc", None),
    ],
)
def test_counterparts(word: str, target: str | None) -> None:
    assert alpine_counterpart(word, RELEASE).new == target


def test_already_alpine_and_tool_images() -> None:
    assert alpine_counterpart("python:3.12-alpine3.20", RELEASE).already_alpine
    assert alpine_counterpart("alpine:3.20", RELEASE).already_alpine
    tools = alpine_counterpart("buildpack-deps:bookworm", RELEASE)
    assert tools.carries_tools and tools.image == "buildpack-deps"
    assert not alpine_counterpart("debian:12", RELEASE).carries_tools


def test_stage_libc_comes_from_the_table() -> None:
    table = base_images()
    for name in sorted({*table.distributions, *table.glibc_distributions}):
        assert _libc(f"{name}:x") == "glibc", name
    for word in sorted(table.glibc_words):
        assert _libc(f"acme/app:1.0-{word}") == "glibc", word
    for name in sorted(table.alpine_names):
        assert _libc(f"{name}:3.20") == "musl"
    assert _libc("python:3.12-alpine3.20") == "musl"
    assert _libc("acme/app:edge") is None  # not known (a digit tag would be Debian-based)


def test_contents_are_alpine_images_and_alpine_has_no_tracked_tool(alpine_rootfs: Path) -> None:
    """The bare ``alpine`` image holds none of the tools the rules ask about (real rootfs)."""
    table = base_images()
    tracked = {p for needs in build_tools().needs.values() for p in needs} | {"bash"}
    for name, tools in table.contents.items():
        assert tools <= tracked, name
        assert (
            name in table.alpine_names
            or name in table.images
            or alpine_counterpart(f"{name}:1", RELEASE).new is None
        ), name
    installed: set[str] = set()
    for line in (alpine_rootfs / "lib" / "apk" / "db" / "installed").read_text().splitlines():
        if line.startswith("P:"):
            installed.add(line[2:])
        elif line.startswith("p:"):
            installed.update(p.split("=", 1)[0].removeprefix("cmd:") for p in line[2:].split())
    assert "busybox" in installed
    assert table.contents["alpine"] == frozenset(tracked & installed)
