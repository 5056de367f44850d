"""``alpine-ready lint`` and ``alpine-ready rule`` from the command line.

Exit codes, one-line errors on bad input (file untouched), --fix/--diff end to end, JSON
validated against its schema, the rule docs page and README blocks never drifting.
Registered rules other than AR101 may fire on these inputs: assertions look at AR101
(or use --select AR101) so they hold as more rules land.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from alpine_ready.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main
from alpine_ready.lint import engine
from alpine_ready.lint.rules import RULES
from alpine_ready.report import schema
from lint_helpers import BAD, DOCKERFILES, FnRule, fingerprint, meta, old_mtime

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import gen_rule_docs  # noqa: E402

CURL = "FROM alpine:3.20\nRUN apk add --no-cache jq\n# keep\nRUN apk add curl \\\n    jq\n"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """In-process (fast): ``main(args)`` with stdout/stderr captured, run in ``cwd``."""
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
    finally:
        os.chdir(old)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def cli_process(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """A real ``python -m alpine_ready`` process (help width, standard input)."""
    env = dict(os.environ, COLUMNS="100")
    r = subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
        input=stdin,
    )
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(), r.stderr.decode())


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    d = tmp_path / "Dockerfile"
    d.write_text(CURL)
    return d


def test_findings_exit_1_and_table(dockerfile: Path) -> None:
    r = cli("lint", "--select", "AR101", str(dockerfile))
    assert r.returncode == EXIT_FINDINGS, r.stderr
    lines = r.stdout.splitlines()
    assert re.match(
        rf"^{re.escape(str(dockerfile))}:4:5\s+AR101 info\s+"
        r"apk-add-without-no-cache\s+`apk add` without `--no-cache`.*\[\*\]$",
        lines[0],
    ), r.stdout
    assert lines[-1] == (
        "Found 1 finding (1 info) in 1 file; 1 fixable with --fix [*].  FAIL (--fail-on info)"
    )


def test_fail_on_threshold(dockerfile: Path) -> None:
    assert (
        cli("lint", "--select", "AR101", "--fail-on", "warning", str(dockerfile)).returncode
        == EXIT_OK
    )
    assert (
        cli("lint", "--select", "AR101", "--fail-on", "style", str(dockerfile)).returncode
        == EXIT_FINDINGS
    )
    clean = dockerfile.with_name("clean")
    clean.write_text("FROM alpine:3.20\nRUN apk add --no-cache curl\n")
    r = cli("lint", "--select", "AR101", str(clean))
    assert r.returncode == EXIT_OK and r.stdout == "No findings in 1 file.  PASS (--fail-on info)\n"


def test_json_to_file_validates(dockerfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "lint.json"
    r = cli(
        "lint",
        "--format",
        "json",
        "-o",
        str(out),
        str(dockerfile),
        str(DOCKERFILES / "heredoc.Dockerfile"),
    )
    assert r.returncode in (EXIT_OK, EXIT_FINDINGS) and r.stdout == "", r.stderr
    data = json.loads(out.read_text())
    jsonschema.Draft202012Validator(
        schema("lint-v2.json"), format_checker=jsonschema.FormatChecker()
    ).validate(data)
    assert [f["path"] for f in data["files"]] == [
        str(dockerfile),
        str(DOCKERFILES / "heredoc.Dockerfile"),
    ]
    assert {"file": str(dockerfile), "line": 4, "column": 5, "code": "AR101"}.items() <= next(
        f for f in data["findings"] if f["code"] == "AR101"
    ).items()
    assert [r["code"] for r in data["rules"]] == [r.meta.code for r in RULES if r.meta.default_on]


BAD_CASES = {
    "binary.Dockerfile": r"binary.Dockerfile:1: binary file \(NUL byte\), not a Dockerfile",
    "empty.Dockerfile": r"empty.Dockerfile:1: no instructions",
    "comments-only.Dockerfile": r"comments-only.Dockerfile:1: no instructions",
    "latin1.Dockerfile": r"latin1.Dockerfile:2: not UTF-8 text",
    "unterminated-heredoc.Dockerfile": r"unterminated-heredoc.Dockerfile:6: unterminated "
    r"heredoc",
    "unknown-instruction.Dockerfile": r"unknown-instruction.Dockerfile:3: unknown "
    r"instruction 'COPPY'",
    "run-before-from.Dockerfile": r"run-before-from.Dockerfile:2: RUN before the first FROM",
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
@pytest.mark.parametrize("mode", [[], ["--fix"], ["--diff"]], ids=["check", "fix", "diff"])
def test_bad_input_exit_2_one_line_file_untouched(
    tmp_path: Path, name: str, mode: list[str]
) -> None:
    path = Path(shutil.copy(BAD / name, tmp_path / name))
    old_mtime(path)
    before = fingerprint(path)
    r = cli("lint", *mode, name, cwd=tmp_path)
    assert r.returncode == EXIT_ERROR and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert re.match(rf"^alpine-ready: error: {BAD_CASES[name]}", r.stderr), r.stderr
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.parametrize(
    "args,pattern",
    [
        (
            ["lint", "/nonexistent/Dockerfile"],
            r"^alpine-ready: error: /nonexistent/Dockerfile: "
            r"no such file$",
        ),
        (["lint", "/tmp"], r"^alpine-ready: error: /tmp: is a directory, not a Dockerfile$"),
        (["lint", "--select", "AR999", "x"], r"^alpine-ready: error: --select AR999: no such rule"),
        (["lint", "--fail-on", "fatal", "x"], r"invalid choice: 'fatal'"),
        (["lint"], r"the following arguments are required: DOCKERFILE"),
        (
            ["lint", "--config", "/nonexistent.toml", str(DOCKERFILES / "heredoc.Dockerfile")],
            r"^alpine-ready: error: /nonexistent.toml: no such config file$",
        ),
        (["rule", "AR999"], r"^alpine-ready: error: AR999: no such rule"),
        (["rule"], r"^alpine-ready: error: rule: give one rule code or name, or --list$"),
    ],
)
def test_usage_errors_exit_2(args: list[str], pattern: str) -> None:
    r = cli(*args)
    assert r.returncode == EXIT_ERROR and "Traceback" not in r.stderr
    assert re.search(pattern, r.stderr, re.M), r.stderr


def test_bad_config_is_one_line_naming_the_file(dockerfile: Path) -> None:
    cfg = dockerfile.with_name(".alpine-ready.toml")
    cfg.write_text("[lint]\ndisable = ['AR999']\n")
    r = cli("lint", str(dockerfile))
    assert r.returncode == EXIT_ERROR and r.stderr == (
        f"alpine-ready: error: {cfg}: [lint] disable: unknown rule 'AR999' (alpine-ready "
        "rule --list shows them)\n"
    )


def test_fix_then_lint_again_then_fix_again(dockerfile: Path) -> None:
    r = cli("lint", "--fix", "--select", "AR101", str(dockerfile))
    assert r.returncode == EXIT_OK, r.stdout + r.stderr
    assert f"{dockerfile}: fixed AR101 at 4:5: add --no-cache after `apk add`" in r.stdout
    assert "fixed 1 (1 file rewritten)" in r.stdout
    fixed = CURL.replace("RUN apk add curl", "RUN apk add --no-cache curl")
    assert dockerfile.read_text() == fixed
    r = cli("lint", "--select", "AR101", str(dockerfile))
    assert r.returncode == EXIT_OK and "AR101" not in r.stdout
    old_mtime(dockerfile)
    before = fingerprint(dockerfile)
    r = cli("lint", "--fix", str(dockerfile))  # every rule: nothing more for AR101
    assert "fixed AR101" not in r.stdout
    assert fingerprint(dockerfile)[0] == before[0]


def test_diff_prints_a_patch_that_applies(dockerfile: Path, tmp_path: Path) -> None:
    crlf = dockerfile.with_name("crlf.Dockerfile")
    crlf.write_bytes(CURL.replace("\n", "\r\n").encode())
    before = fingerprint(crlf), fingerprint(dockerfile)
    r = cli("lint", "--diff", "--select", "AR101", "Dockerfile", "crlf.Dockerfile", cwd=tmp_path)
    assert r.returncode == EXIT_FINDINGS  # there is something to fix
    assert (fingerprint(crlf), fingerprint(dockerfile)) == before
    assert r.stdout.startswith("--- Dockerfile\n+++ Dockerfile\n@@ ")
    assert "--- crlf.Dockerfile\n+++ crlf.Dockerfile\n" in r.stdout
    assert r.stderr == "would fix 2 finding(s) in 2 file(s); 0 would remain\n"
    work = tmp_path / "work"
    work.mkdir()
    for p in (dockerfile, crlf):
        shutil.copy(p, work / p.name)
    (work / "fix.patch").write_text(r.stdout)
    p = subprocess.run(
        ["patch", "-p0", "--binary", "-i", "fix.patch"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    fixed = CURL.replace("RUN apk add curl", "RUN apk add --no-cache curl")
    assert (work / "Dockerfile").read_text() == fixed
    assert (work / "crlf.Dockerfile").read_bytes() == fixed.replace("\n", "\r\n").encode()
    # and --diff on the fixed files: nothing, exit 0
    r = cli("lint", "--diff", "--select", "AR101", "Dockerfile", cwd=work)
    assert r.returncode == EXIT_OK and r.stdout == ""


def test_stdin(dockerfile: Path) -> None:
    r = cli_process("lint", "--select", "AR101", "-", stdin=dockerfile.read_bytes())
    assert r.returncode == EXIT_FINDINGS and r.stdout.startswith("-:4:5 ")
    r = cli_process("lint", "--fix", "-", stdin=dockerfile.read_bytes())
    assert r.returncode == EXIT_ERROR and "need a file" in r.stderr


def test_ignore_comment_and_config_end_to_end(tmp_path: Path) -> None:
    d = tmp_path / "Dockerfile"
    d.write_text("FROM alpine:3.20\n# hadolint ignore=DL3019\nRUN apk add curl\nRUN apk add jq\n")
    r = cli("lint", "--select", "AR101", "--format", "json", str(d))
    data = json.loads(r.stdout)
    assert [f["line"] for f in data["findings"]] == [4]
    assert data["files"][0]["ignored"] == 1
    (tmp_path / "pyproject.toml").write_text(
        "[tool.alpine-ready.lint]\nseverity = { apk-add-without-no-cache = 'style' }\n"
    )
    r = cli("lint", "--select", "AR101", str(d))
    assert r.returncode == EXIT_OK and "AR101 style" in r.stdout


def test_a_crashing_rule_is_one_line(
    monkeypatch: pytest.MonkeyPatch, dockerfile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(ctx: object, m: object) -> object:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(engine, "RULES", (FnRule(meta("AR901", "test-boom"), boom),))
    assert main(["lint", str(dockerfile)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err == (
        f"alpine-ready: error: rule AR901 (test-boom) failed on {dockerfile}: "
        "ZeroDivisionError: division by zero -- a bug in alpine-ready, please "
        "report it (--ignore AR901 to go on without it)\n"
    )


# --------------------------------------------------------------------------- rule


def test_rule_by_code_and_name() -> None:
    r = cli("rule", "ar101")
    assert r.returncode == EXIT_OK
    text = r.stdout
    for piece in (
        "AR101 apk-add-without-no-cache",
        "severity: info",
        "category: apk",
        "hadolint: DL3019",
        "fix: safe",
        "What it does",
        "Why is this bad?",
        "Example",
        "Use instead",
        "    RUN apk add --no-cache curl",
        "docs/rules.md#ar101",
    ):
        assert piece in text, piece
    assert cli("rule", "apk-add-without-no-cache").stdout == text
    data = json.loads(cli("rule", "AR101", "--format", "json").stdout)
    assert data["code"] == "AR101" and data["doc"]["why"].startswith("apk downloads")


def test_rule_list() -> None:
    r = cli_process("rule", "--list")
    assert r.returncode == EXIT_OK
    lines = r.stdout.splitlines()
    assert lines[0].split()[:6] == ["code", "name", "severity", "default", "hadolint", "fix"]
    assert [ln.split()[0] for ln in lines[1:]] == [r.meta.code for r in RULES]
    # the default column: AR102 (unpinned) is off unless chosen, the others on
    defaults = {ln.split()[0]: ln.split()[3] for ln in lines[1:]}
    assert defaults == {r.meta.code: "on" if r.meta.default_on else "off" for r in RULES}
    assert defaults["AR102"] == "off" and defaults["AR101"] == "on"
    listing = json.loads(cli("rule", "--list", "--format", "json").stdout)
    assert listing["schema_version"] == 1 and len(listing["rules"]) == len(RULES)
    assert {r["code"]: r["default_on"] for r in listing["rules"]}["AR102"] is False


# --------------------------------------------------------------------------- drift


def test_rule_docs_page_is_generated_from_the_registry() -> None:
    """docs/rules.md is exactly what tools/gen_rule_docs.py writes from the registry."""
    current = gen_rule_docs.DOCS.read_text(encoding="utf-8")
    assert current == gen_rule_docs.expected(), (
        "docs/rules.md is out of date with the rule registry: run "
        ".venv/bin/python tools/gen_rule_docs.py"
    )
    for r in RULES:
        assert f"\n## {r.meta.code}\n" in current


def _readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(rf"<!-- {name} -->\n```text\n(.*?)```\n", text, re.S)
    assert m, f"README.md has no <!-- {name} --> block"
    return m.group(1)


@pytest.mark.parametrize("command", ["lint", "rule"])
def test_readme_shows_current_help(command: str) -> None:
    """Regenerate with .venv/bin/python tools/update_readme.py."""
    r = cli_process(command, "--help")
    assert r.returncode == 0
    assert _readme_block(f"{command}-help") == r.stdout
