"""The knowledge files: one loader each, a source each, generators that reproduce them.

Every data file of ``src/alpine_ready/knowledge/data`` is parsed by exactly one loader
(no module reads a file another already reads) and says where it comes from.  The
files generated from the real root filesystems are what ``tools/gen_rootfs_facts.py``
writes from the cached fixtures; the tables several commands read (busybox ash, the
glibc distributions' tools, the base groups) give the same answers in lint and in
translate.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from alpine_ready.dockerfile import parse_text
from alpine_ready.knowledge import load_json
from alpine_ready.knowledge.accounts import debian_only_groups
from alpine_ready.knowledge.distros import DEBIAN_FAMILIES, distro_tools
from alpine_ready.knowledge.shells import ash_facts
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.rules import rule
from alpine_ready.translate import UnmappedKind, translate_text

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "alpine_ready"
DATA = SRC / "knowledge" / "data"
#: Read by name patterns (``f"apk-sonames-{alpine}-x86_64.json"``, a release's profile
#: and musl table from releases.json, gcompat's export list named in its JSON) or only by
#: a generator (the hand-reviewed supplements merged into generated files).
INDIRECT = {
    "alpine-3.23-x86_64.json",
    "apk-sonames-3.23-x86_64.json",
    "musl-1.2.3-x86_64.json",
    "musl-1.2.5-x86_64.json",
    "gcompat-1.1.0-exports.txt",
    "apk-sonames-supplement.json",
    "apt-to-apk-supplement.json",
}
#: The lead's code registry (report/codes.py): not domain knowledge with a provenance.
REGISTRY = {"codes.json"}
#: Hand-curated tables whose every section or entry names its own source.
CURATED = {
    "alpine-base-images.json",
    "build-tools.json",
    "build-deps.json",
    "distro-tools.json",
    "glibc-downloads.json",
    "apk-paths.json",
    "path-moves.json",
}


def _lint(code: str, text: str) -> list:  # type: ignore[type-arg]
    r = rule(code)
    assert r is not None
    return list(r.check(LintContext(parse_text(text))))


def _loads() -> Counter[str]:
    found: Counter[str] = Counter()
    for path in SRC.rglob("*.py"):
        found.update(re.findall(r"""load_json\(\s*["']([^"'{}]+)["']""", path.read_text()))
    return found


def test_one_loader_per_data_file() -> None:
    loads = _loads()
    assert {n: c for n, c in loads.items() if c > 1} == {}
    files = {p.name for p in DATA.iterdir() if p.suffix in (".json", ".txt")}
    assert set(loads) <= files
    assert files - set(loads) == INDIRECT


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.json")))
def test_every_file_says_where_it_comes_from(name: str) -> None:
    if name in REGISTRY:
        return
    doc = json.loads((DATA / name).read_text("utf-8"))
    assert isinstance(doc["schema"], int) and len(doc["source"]) > 40, name
    if name not in CURATED:
        return
    for key, section in doc.items():  # each section (or entry) says where it comes from
        entries = section if isinstance(section, list) else [section]
        for entry in entries:
            if isinstance(entry, dict) and (
                {"names", "paths", "words", "tools", "packages", "match"} & set(entry)
            ):
                assert len(entry["source"]) > 20, (name, key)
        if (
            isinstance(section, dict)
            and all(isinstance(v, dict) for v in section.values())
            and all("packages" in v or "provides" in v for v in section.values())
        ):
            for sub, v in section.items():
                assert len(v["source"]) > 20, (name, key, sub)


@pytest.mark.slow
def test_rootfs_facts_are_reproducible(fixtures_root: Path) -> None:
    """tools/gen_rootfs_facts.py --check: the committed files are what the rootfs say."""
    sys.path.insert(0, str(ROOT / "tools"))
    import fixtures as fx

    if not (
        fx.read_marker(fixtures_root / "alpine-3.23")
        and fx.read_marker(fixtures_root / "debian-rootfs")
    ):
        pytest.skip(
            "the Alpine and Debian rootfs fixtures are not cached "
            "(python3 tools/fixtures.py alpine debian-rootfs)"
        )
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_rootfs_facts.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


# -- busybox ash: lint AR207 and translate ------------------------------------------------

ASH = ash_facts()
COMMANDS = sorted(ASH.missing_builtins | (ASH.missing_keywords - {"select", "]]"}))


def test_ash_facts_are_busybox_1_37() -> None:
    assert ASH.busybox.startswith("BusyBox v1.37") and ASH.bash.startswith("5.2")
    assert {"declare", "mapfile", "pushd", "shopt"} <= ASH.missing_builtins
    assert not {"local", "source", "let", "read", "[["} & ASH.missing_builtins
    assert {"posix", "functrace"} <= ASH.missing_set_options
    assert "pipefail" not in ASH.missing_set_options and "T" in ASH.missing_set_flags


@pytest.mark.parametrize("name", COMMANDS)
def test_lint_and_translate_agree_on_what_ash_lacks(name: str) -> None:
    """AR207 flags it under ash; translate keeps a bash SHELL for the RUN that runs it."""
    assert _lint("AR207", f"FROM alpine:3.20\nRUN {name} x\n"), name
    t = translate_text(f'FROM debian:12\nSHELL ["/bin/bash", "-c"]\nRUN {name} x\n')
    assert any(f"SHELL keeps bash: a RUN uses `{name}`" in n.message for n in t.notes), t.notes
    assert 'SHELL ["/bin/bash", "-c"]' in t.text and "apk add --no-cache bash" in t.text


# -- the glibc distributions' tools -------------------------------------------------------

TOOLS = distro_tools()


def test_families_are_described() -> None:
    described = set(load_json("distro-tools.json")["families"])
    assert set(TOOLS.family.values()) == described
    assert set(TOOLS.on_alpine) <= TOOLS.package_managers


@pytest.mark.parametrize("tool", sorted(TOOLS.family))
def test_every_tool_is_judged_alike(tool: str) -> None:
    family = TOOLS.family[tool]
    on_alpine = _lint("AR206", f"FROM alpine:3.20\nRUN {tool} x\n")
    assert bool(on_alpine) == (tool in TOOLS.package_managers), tool
    if on_alpine:
        assert f"({family} package tool)" in on_alpine[0].message
    glibc = _lint("AR303", f"FROM debian:12-slim\nRUN {tool} install x\n") == []
    expected = family == "conda" or (
        tool in TOOLS.package_managers and family not in DEBIAN_FAMILIES
    )
    if tool not in ("apt-get", "apt", "dpkg"):  # judged by what they install
        assert glibc == expected, tool
    ctx = LintContext(parse_text(f"FROM acme/app:edge\nRUN {tool} x\n"))
    assert (ctx.facts(ctx.stages[0]).libc == "glibc") == (tool in TOOLS.installers), tool
    if family in DEBIAN_FAMILIES and tool not in ("apt-get", "apt", "aptitude", "dpkg-reconfigure"):
        t = translate_text(f"FROM debian:12\nRUN {tool} x\n")
        assert [u.name for u in t.unmapped if u.kind is UnmappedKind.COMMAND] == [tool]


def test_translate_clears_apt_state_and_locales() -> None:
    for path in TOOLS.apt_state:
        out = translate_text(f"FROM debian:12\nRUN apt-get install -y curl && rm -rf {path}\n")
        assert path not in out.text
    for tool in sorted(TOOLS.locale_tools):
        out = translate_text(f"FROM debian:12\nRUN apt-get install -y curl && {tool} x\n")
        assert tool not in out.text


def test_debian_only_groups_get_a_note() -> None:
    assert {"sudo", "staff", "plugdev"} <= debian_only_groups()
    assert not {"wheel", "users", "audio"} & debian_only_groups()
    for group in sorted(debian_only_groups() - {"sudo"}):
        t = translate_text(f"FROM debian:12\nRUN useradd -G {group} app\n")
        assert any(f"Alpine has no {group} group" in n.message for n in t.notes), group
