"""The lint engine: rules over real Dockerfiles, ignores, configuration, fixes, reports.

AR101 is the registered rule used throughout; rules other than AR101 are test-only
objects (``lint_helpers``), so these tests do not move when more rules land.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from alpine_ready.errors import InputError
from alpine_ready.guard import write as guard_write
from alpine_ready.lint import config as config_mod
from alpine_ready.lint import engine
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.engine import LintOptions, RuleCrash, run, select_rules
from alpine_ready.lint.model import Edit, Finding, Fix, FixSafety, Point, Severity
from alpine_ready.lint.pipcheck import PipCheck
from alpine_ready.lint.report import LintReport, Mode
from alpine_ready.lint.rules import RULES, rule
from alpine_ready.report import schema
from lint_helpers import (
    AR101,
    BAD,
    DOCKERFILES,
    FnRule,
    fingerprint,
    meta,
    old_mtime,
    word_rule,
)

ONLY_101 = (AR101,)
AR103 = rule("AR103")
#: The realistic fixtures this file knows the AR101 answers for (others add more).
REALISTIC = (
    "debian-python.Dockerfile",
    "escape-backtick.Dockerfile",
    "heredoc.Dockerfile",
    "mount-json.Dockerfile",
    "multistage-go.Dockerfile",
    "node-alpine.Dockerfile",
    "python-alpine.Dockerfile",
    "redis-alpine.Dockerfile",
)


def lint(path: Path | str, *, rules: tuple[object, ...] = ONLY_101, **kw: object) -> LintReport:
    return run(LintOptions((str(path),), rules=rules, **kw))  # type: ignore[arg-type]


def where(report: LintReport, code: str = "AR101") -> list[tuple[int, int]]:
    return [(f.line, f.column) for f in report.findings if f.code == code]


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_bytes(text.encode())
    else:
        path.write_bytes(text)
    return path


def validate(report: LintReport) -> dict[str, object]:
    data = report.to_json()
    jsonschema.Draft202012Validator(
        schema("lint-v2.json"), format_checker=jsonschema.FormatChecker()
    ).validate(data)
    return json.loads(json.dumps(data))  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- real files


@pytest.mark.parametrize("path", sorted(DOCKERFILES.glob("*.Dockerfile")), ids=lambda p: p.name)
def test_every_registered_rule_runs_on_every_fixture(path: Path) -> None:
    """No rule crashes on the realistic Dockerfiles; the report fits its schema."""
    report = run(
        LintOptions((str(path),), offline=True, pip_checker=lambda reqs: {}, select=("all",))
    )
    validate(report)
    assert report.rules == tuple(sorted((r.meta for r in RULES), key=lambda m: m.code))
    for f in report.findings:
        assert f.file == str(path)
        assert 1 <= f.line <= len(path.read_text().splitlines())


def test_ar101_on_the_real_fixtures() -> None:
    """The realistic fixtures keep no index: --no-cache, --no-network (the rundeps step of
    the official images fetches nothing), a cache mount, JSON form and heredocs all read."""
    found = {name: where(lint(DOCKERFILES / name)) for name in REALISTIC}
    assert all(v == [] for v in found.values()), found


def test_findings_are_sorted_and_carry_the_contract(tmp_path: Path) -> None:
    p = write(
        tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN apk add b && apk add a\nRUN apk add c\n"
    )
    report = lint(p)
    assert where(report) == [(2, 5), (2, 18), (3, 5)]
    f = validate(report)["findings"][0]  # type: ignore[index]
    assert f == {
        "file": str(p),
        "line": 2,
        "column": 5,
        "end_line": None,
        "end_column": None,
        "code": "AR101",
        "name": "apk-add-without-no-cache",
        "severity": "info",
        "message": f["message"],
        "hadolint": "DL3019",
        "fix": {"safety": "safe", "description": "add --no-cache after `apk add`"},
    }


def test_bad_inputs_are_one_line_input_errors_and_nothing_is_written(tmp_path: Path) -> None:
    for bad in sorted(BAD.iterdir()):
        copy = shutil.copy(bad, tmp_path / bad.name)
        before = fingerprint(Path(copy))
        with pytest.raises(InputError) as exc:
            lint(copy, fix=True)
        message = str(exc.value)
        assert "\n" not in message and message.startswith(f"{copy}:"), message
        assert fingerprint(Path(copy)) == before
    with pytest.raises(InputError, match="no such file"):
        lint(tmp_path / "missing")
    with pytest.raises(InputError, match="is a directory"):
        lint(tmp_path)


def test_one_unparsable_file_stops_every_write(tmp_path: Path) -> None:
    good = write(tmp_path / "a" / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    bad = shutil.copy(BAD / "unterminated-heredoc.Dockerfile", tmp_path / "b.Dockerfile")
    before = fingerprint(good)
    with pytest.raises(InputError, match=r"b.Dockerfile:6: unterminated heredoc"):
        run(LintOptions((str(good), str(bad)), rules=ONLY_101, fix=True))
    assert fingerprint(good) == before


def test_stdin(tmp_path: Path) -> None:
    report = run(LintOptions(("-",), rules=ONLY_101, stdin=b"FROM alpine:3.20\nRUN apk add curl\n"))
    assert [(f.file, f.line) for f in report.findings] == [("-", 2)]
    with pytest.raises(InputError, match="need a file"):
        run(LintOptions(("-",), rules=ONLY_101, stdin=b"FROM alpine\n", fix=True))


# --------------------------------------------------------------------------- ignores


IGNORED = """\
FROM alpine:3.20
# alpine-ready ignore=AR101
RUN apk add a
# alpine-ready ignore = apk-add-without-no-cache -- the layer is squashed anyway
RUN apk add b
# hadolint ignore=DL3018,DL3019
RUN apk add c
# first comment
# hadolint ignore=DL3019
# last comment
RUN apk add d \\
    && apk add e
# alpine-ready ignore=AR101

RUN apk add f
# alpine-ready ignore=AR901
RUN apk add g
RUN <<EOF
# alpine-ready ignore=AR101
apk add h
EOF
# hadolint ignore=DL3018
RUN apk add i
# alpine-ready ignore=AR999,AR101
RUN apk add j
"""


def test_ignore_comments_above_an_instruction(tmp_path: Path) -> None:
    other = word_rule("AR901", "test-other", "nothing-matches-this", None)
    report = lint(write(tmp_path / "Dockerfile", IGNORED), rules=(AR101, other))
    # f: a blank line breaks the block; g: another rule; h: inside a heredoc body is
    # script text; i: DL3018 is not AR101's code
    assert where(report) == [(15, 5), (17, 5), (20, 1), (23, 5)]
    fr = report.files[0]
    assert fr.ignored == 6  # a b c d e j
    assert fr.notes == (
        "line 13: ignore comment is not directly above an instruction; it silences nothing "
        "(use 'global ignore=' for the whole file)",
        "line 24: unknown rule 'AR999' in an ignore comment",
    )


@pytest.mark.parametrize(
    "comment",
    [
        "# alpine-ready global ignore=AR101",
        "#hadolint global ignore=DL3019",
        "# alpine-ready global ignore=ar101,AR102",
    ],
)
def test_global_ignores_anywhere(tmp_path: Path, comment: str) -> None:
    p = write(
        tmp_path / "Dockerfile", f"FROM alpine:3.20\nRUN apk add a\n\n{comment}\n\nRUN apk add b\n"
    )
    report = lint(p)
    assert report.findings == () and report.files[0].ignored == 2


def test_comment_inside_a_continuation_is_not_a_pragma(tmp_path: Path) -> None:
    p = write(
        tmp_path / "Dockerfile",
        "FROM alpine:3.20\nRUN true \\\n# alpine-ready global ignore=AR101\n  && apk add a\n",
    )
    assert where(lint(p)) == [(4, 6)]


# --------------------------------------------------------------------------- selection


def test_select_and_ignore_forms() -> None:
    rules = (
        AR101,
        word_rule("AR201", "test-musl-thing", "x", None),
        word_rule("AR301", "test-base-thing", "y", None),
    )
    codes = lambda s, i=(): [r.meta.code for r in select_rules(rules, s, i)]  # noqa: E731
    assert codes([]) == ["AR101", "AR201", "AR301"]
    assert codes(["AR1"]) == ["AR101"]
    assert codes(["ar2", "test-base-thing"]) == ["AR201", "AR301"]
    assert codes(["apk"]) == ["AR101"]
    assert codes(["ALL"], ["AR101"]) == ["AR201", "AR301"]
    assert codes([], ["test"]) == ["AR101"]  # category
    with pytest.raises(InputError, match=r"^--select AR999: no such rule"):
        codes(["AR999"])
    with pytest.raises(InputError, match=r"^--ignore nope: no such rule"):
        codes([], ["nope"])


# --------------------------------------------------------------------------- config


def test_config_discovery(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(tmp_path / ".alpine-ready.toml", "[lint]\ndisable = ['AR101']\n")  # above .git
    sub = repo / "svc" / "api"
    sub.mkdir(parents=True)
    assert config_mod.discover(sub) is None  # stops at the .git directory
    write(repo / "pyproject.toml", "[project]\nname = 'x'\n")  # no table: not a config
    assert config_mod.discover(sub) is None
    write(repo / "pyproject.toml", "[tool.alpine-ready.lint]\nfail-on = 'warning'\n")
    assert config_mod.discover(sub) == (repo / "pyproject.toml").resolve()
    write(repo / "svc" / ".alpine-ready.toml", "[lint]\n")
    assert config_mod.discover(sub) == (repo / "svc" / ".alpine-ready.toml").resolve()
    write(sub / "pyproject.toml", "[tool.alpine-ready.lint]\n")  # nearest wins
    assert config_mod.discover(sub) == (sub / "pyproject.toml").resolve()
    write(sub / ".alpine-ready.toml", "[lint]\n")  # same dir: our own file first
    assert config_mod.discover(sub) == (sub / ".alpine-ready.toml").resolve()


def test_config_disable_severity_fail_on_and_options(tmp_path: Path) -> None:
    seen: list[object] = []

    def fn(ctx: LintContext, m: object) -> Iterator[Finding]:
        seen.append(ctx.option(opt.meta, "level"))
        seen.append(ctx.option(opt.meta, "names"))
        return iter(())

    opt = FnRule(meta("AR902", "test-options", options=(("level", 1), ("names", ("a",)))), fn)
    rules = (AR101, opt, word_rule("AR901", "test-word", "curl", None))
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    report = lint(d, rules=rules)
    assert {f.code: f.severity for f in report.findings} == {
        "AR101": Severity.INFO,
        "AR901": Severity.WARNING,
    }
    assert report.files[0].fail_on is Severity.INFO and report.failed
    assert seen == [1, ("a",)]

    write(
        tmp_path / ".alpine-ready.toml",
        """
[lint]
disable = ["test-word"]
severity = { AR101 = "style" }
fail-on = "info"
[lint.rules.AR902]
level = 3
names = ["b", "c"]
[lint.rules.test-options]
""",
    )
    seen.clear()
    report = lint(d, rules=rules)
    assert [(f.code, f.severity) for f in report.findings] == [("AR101", Severity.STYLE)]
    fr = report.files[0]
    assert fr.rules == ("AR101", "AR902") and fr.fail_on is Severity.INFO
    assert not report.failed  # style is below info
    assert fr.config == (str((tmp_path / ".alpine-ready.toml").resolve()),)
    assert seen == [3, ("b", "c")]
    assert lint(d, rules=rules, fail_on=Severity.STYLE).failed  # the CLI's flag wins


@pytest.mark.parametrize(
    "text,message",
    [
        ("[lint]\ndisable = ['AR999']\n", r"\[lint\] disable: unknown rule 'AR999'"),
        ("[lint]\ndisable = 'AR101'\n", r"disable: must be a list"),
        ("[lint]\nseverity = { AR101 = 'loud' }\n", r"severity.AR101: unknown severity 'loud'"),
        ("[lint]\nfail-on = 3\n", r"fail-on: must be a string"),
        ("[lint]\nfailon = 'info'\n", r"\[lint\]: unknown key 'failon'"),
        (
            "[lint.rules.AR101]\nfoo = 1\n",
            r"\[lint.rules.AR101\]: unknown option 'foo' for AR101 \(its options: none\)",
        ),
        (
            "[lint.rules.AR902]\nlevel = 'high'\n",
            r"\[lint.rules.AR902\] level: must be an integer, not a string \('high'\)",
        ),
        ("[lint.rules.AR902]\nlevel = true\n", r"must be an integer, not a boolean"),
        ("[lint.rules.AR902]\nnames = [1]\n", r"names: must be a list"),
        ("[lint.rules.AR999]\n", r"\[lint\] rules: unknown rule 'AR999'"),
        ("[lint]\nhadolint-config = 'yes'\n", r"hadolint-config: must be true or false"),
        ("[lint\n", r"not valid TOML: .*line 1"),
        ("lint = 3\n", r"\[lint\] must be a table"),
    ],
)
def test_config_errors_are_one_line_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    opt = FnRule(
        meta("AR902", "test-options", options=(("level", 1), ("names", ("a",)))),
        lambda ctx, m: iter(()),
    )
    cfg = write(tmp_path / ".alpine-ready.toml", text)
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\n")
    with pytest.raises(InputError) as exc:
        lint(d, rules=(AR101, opt))
    assert str(exc.value).startswith(f"{cfg.resolve()}: ") and "\n" not in str(exc.value)
    assert __import__("re").search(message, str(exc.value)), str(exc.value)


def test_explicit_config_and_pyproject_errors(tmp_path: Path) -> None:
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN apk add a\n")
    write(tmp_path / ".alpine-ready.toml", "[lint]\ndisable = ['AR101']\n")
    assert lint(d).findings == ()
    other = write(tmp_path / "ci" / "pyproject.toml", "[tool.alpine-ready.lint]\n")
    assert len(lint(d, config=other).findings) == 1  # --config: no discovery
    with pytest.raises(InputError, match=r"nope.toml: no such config file"):
        lint(d, config=tmp_path / "nope.toml")
    bad = write(tmp_path / "x" / "pyproject.toml", "[tool.alpine-ready.lint]\nx = 1\n")
    with pytest.raises(
        InputError,
        match=r"pyproject.toml: \[tool.alpine-ready.lint\]: "
        r"unknown key 'x'",
    ):
        lint(d, config=bad)


def test_hadolint_yaml_ignored_list(tmp_path: Path) -> None:
    assert config_mod.hadolint_ignored(
        "failure-threshold: info\nignored:\n  - DL3018   # pins\n  - 'DL3019'\n"
        "  # a comment\ntrustedRegistries:\n  - docker.io\n"
    ) == ["DL3018", "DL3019"]
    assert config_mod.hadolint_ignored('ignored: [DL3019, "DL3008"]\n') == ["DL3019", "DL3008"]
    assert config_mod.hadolint_ignored("ignored:\n- DL3019\nother: 1\n") == ["DL3019"]
    assert config_mod.hadolint_ignored("override:\n  ignored:\n    - DL3019\n") == []
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN apk add a\n")
    write(tmp_path / ".hadolint.yaml", "ignored:\n  - DL3019\n")
    report = lint(d)
    assert report.findings == ()
    assert report.files[0].config == (str((tmp_path / ".hadolint.yaml").resolve()),)
    write(tmp_path / ".alpine-ready.toml", "[lint]\nhadolint-config = false\n")
    assert len(lint(d).findings) == 1


# --------------------------------------------------------------------------- fixes

# BOM, CRLF, a parser directive, comments, a comment inside a continuation, tabs,
# trailing blanks, a heredoc, and no newline at the end.
MESSY = (
    "\ufeff# syntax=docker/dockerfile:1\r\n"
    "FROM alpine:3.20\r\n"
    "# install tools\r\n"
    "RUN apk add curl \\\r\n"
    "\t# a comment inside the continuation\r\n"
    "\tjq \\\r\n"
    "    && apk --quiet add --virtual .b gcc  \r\n"
    "RUN <<EOF\r\n"
    "apk add make\r\n"
    "EOF\r\n"
    "RUN apk add bash   # trailing words"
)
MESSY_FIXED = (
    MESSY.replace("apk add curl", "apk add --no-cache curl")
    .replace("add --virtual", "add --no-cache --virtual")
    .replace("apk add make", "apk add --no-cache make")
    .replace("apk add bash", "apk add --no-cache bash")
)


def test_fix_round_trip_keeps_everything_else_byte_for_byte(tmp_path: Path) -> None:
    d = write(tmp_path / "Dockerfile", MESSY)
    d.chmod(0o640)
    old_mtime(d)
    report = lint(d, fix=True)
    assert d.read_bytes() == MESSY_FIXED.encode()
    assert oct(d.stat().st_mode & 0o777) == "0o640"
    fr = report.files[0]
    assert fr.written and [(r.line, r.column) for r in fr.fixed] == [
        (4, 5),
        (7, 8),
        (9, 1),
        (11, 5),
    ]
    assert report.findings == () and fr.not_fixed == ()
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]  # no temp file left
    validate(report)
    # lint again: the fixed findings are gone; a second --fix changes nothing
    before = fingerprint(d)
    again = lint(d, fix=True)
    assert again.findings == () and again.files[0].fixed == ()
    assert not again.files[0].written and again.files[0].diff == ""
    assert fingerprint(d) == before


def test_diff_writes_nothing_and_applies_with_patch(tmp_path: Path) -> None:
    d = write(tmp_path / "Dockerfile", MESSY)
    before = fingerprint(d)
    report = lint(d, diff=True)
    assert fingerprint(d) == before and report.mode is Mode.DIFF
    assert not report.files[0].written and report.summary.fixed == 4
    validate(report)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(d, work / "Dockerfile")
    # the diff names the path as given: apply it from the directory it is relative to
    rel = report.diff.replace(str(d), "Dockerfile")
    (work / "fix.patch").write_bytes(rel.encode())
    r = subprocess.run(
        ["patch", "-p0", "--binary", "-i", "fix.patch"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert (work / "Dockerfile").read_bytes() == MESSY_FIXED.encode()


def test_unsafe_fixes_only_when_asked(tmp_path: Path) -> None:
    rules = (word_rule("AR901", "test-unsafe", "curl", "wget", FixSafety.UNSAFE),)
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN curl x && curl y\n")
    report = lint(d, rules=rules, fix=True)
    assert d.read_text().count("curl") == 2 and report.summary.unsafe_fixable == 2
    report = lint(d, rules=rules, fix=True, unsafe_fixes=True)
    assert d.read_text() == "FROM alpine:3.20\nRUN wget x && wget y\n"
    assert report.findings == () and report.summary.fixed == 2


def test_overlapping_fixes_take_two_rounds(tmp_path: Path) -> None:
    """Two rules rewrite the same word: the first fix wins round 1, the other's finding is
    gone after it (its word was replaced), so it was never applied nor left over."""
    rules = (
        word_rule("AR901", "test-a", "curl", "wget"),
        word_rule("AR902", "test-b", "url", "URL"),
    )
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN curl x\n")
    report = lint(d, rules=rules, fix=True)
    assert d.read_text() == "FROM alpine:3.20\nRUN wget x\n"
    assert [r.code for r in report.files[0].fixed] == ["AR901"]
    assert report.findings == () and report.files[0].not_fixed == ()


def test_conflicting_fixes_apply_in_later_rounds(tmp_path: Path) -> None:
    """Two insertions at one place: one per round, both end up applied."""

    def inserter(code: str, text: str) -> FnRule:
        def fn(ctx: LintContext, m: object) -> Iterator[Finding]:
            line = ctx.dockerfile.line(2)
            if text not in line:
                at = Point(2, len("RUN ") + 1)
                yield ctx.finding(
                    m,
                    ctx.dockerfile.instructions[1],
                    "missing " + text,  # type: ignore[arg-type]
                    fix=Fix(FixSafety.SAFE, "insert " + text, (Edit(at, at, text),)),
                )

        return FnRule(meta(code, "test-" + code.lower(), fix=FixSafety.SAFE), fn)

    rules = (inserter("AR901", "A=1 "), inserter("AR902", "B=2 "))
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN true\n")
    report = lint(d, rules=rules, fix=True)
    assert d.read_text() == "FROM alpine:3.20\nRUN B=2 A=1 true\n"
    assert [r.code for r in report.files[0].fixed] == ["AR901", "AR902"]


def test_a_fix_that_does_not_remove_its_finding_is_not_applied(tmp_path: Path) -> None:
    def fn(ctx: LintContext, m: object) -> Iterator[Finding]:
        at = Point(2, 5)
        yield ctx.finding(
            m,
            ctx.dockerfile.instructions[1],
            "never satisfied",  # type: ignore[arg-type]
            fix=Fix(FixSafety.SAFE, "add a word", (Edit(at, at, "x "),)),
        )

    stuck = FnRule(meta("AR901", "test-stuck", fix=FixSafety.SAFE), fn)
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    report = lint(d, rules=(AR101, stuck), fix=True)
    assert d.read_text() == "FROM alpine:3.20\nRUN apk add --no-cache curl\n"
    fr = report.files[0]
    assert [r.code for r in fr.fixed] == ["AR101"]
    assert [(r.code, r.reason) for r in fr.not_fixed] == [
        ("AR901", "its fix did not remove the finding (a bug in the rule)")
    ]
    validate(report)


def test_fixes_that_let_more_runs_past_the_shell_budget_are_not_blamed(tmp_path: Path) -> None:
    """Past MAX_SHELL_CHARS RUNs are not parsed; folding `apk update && apk add` shortens the
    text, so the next lint parses (and finds) more RUNs.  That is no stuck fix: each one
    the first lint reported is applied, and the RUNs past its cut are left for a later run.
    (Once every fix was then tested alone, a full lint each: over 10 minutes and 4.7 GB
    for 65,535 such RUNs; benchmarks/hostile/lint.py times it now.)
    """
    d = write(
        tmp_path / "Dockerfile", "FROM alpine:3.20\n" + "RUN apk update && apk add curl\n" * 2100
    )
    first = lint(d, rules=(AR101, AR103))
    reported = len(first.findings)
    assert 0 < reported < 2 * 2100  # the budget cut the analysis short
    report = lint(d, rules=(AR101, AR103), fix=True)
    fr = report.files[0]
    assert len(fr.fixed) == reported and fr.not_fixed == ()
    lines = d.read_text().splitlines()
    fixed_runs = reported // 2
    assert lines[1 : 1 + fixed_runs] == ["RUN apk add --no-cache curl"] * fixed_runs
    assert lines[1 + fixed_runs :] == ["RUN apk update && apk add curl"] * (2100 - fixed_runs)


def test_a_fix_that_changes_the_instructions_is_held_back_alone(tmp_path: Path) -> None:
    """A fix turning an exec-form RUN into shell text is refused; its siblings apply."""

    def fn(ctx: LintContext, m: object) -> Iterator[Finding]:
        for ins in ctx.runs():
            line = ctx.dockerfile.line(ins.position.line)
            if line.endswith(" x") or '"b" x' in line:
                continue
            # exec form: after the first item, as a careless rule would (invalid JSON)
            column = line.index('"b"') + 4 if ins.json_form else len(line) + 1
            at = Point(ins.position.line, column)
            yield ctx.finding(
                m,
                ins,
                "append",
                fix=Fix(  # type: ignore[arg-type]
                    FixSafety.SAFE, "append x", (Edit(at, at, " x"),)
                ),
            )

    rule = FnRule(meta("AR901", "test-append", fix=FixSafety.SAFE), fn)
    d = write(tmp_path / "Dockerfile", 'FROM alpine:3.20\nRUN a\nRUN ["b", "c"]\nRUN d\n')
    report = lint(d, rules=(rule,), fix=True)
    assert d.read_text() == 'FROM alpine:3.20\nRUN a x\nRUN ["b", "c"]\nRUN d x\n'
    fr = report.files[0]
    assert [(r.line, r.column) for r in fr.fixed] == [(2, 1), (4, 1)]
    assert [(r.line, r.reason) for r in fr.not_fixed] == [
        (
            3,
            "its fix changed the instructions or their form (exec/shell), which a fix may "
            "not do (a bug in the rule)",
        )
    ]


def test_a_fix_that_breaks_the_dockerfile_is_not_applied(tmp_path: Path) -> None:
    rules = (AR101, word_rule("AR901", "test-breaker", "FROM", "FORM"))
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    report = lint(d, rules=rules, fix=True)
    assert d.read_text() == "FROM alpine:3.20\nRUN apk add --no-cache curl\n"
    assert [(r.code, r.reason) for r in report.files[0].not_fixed] == [
        ("AR901", "its fix made the Dockerfile unparsable (a bug in the rule)")
    ]


def test_a_rule_that_raises_or_edits_outside_the_file_is_a_crash(tmp_path: Path) -> None:
    def boom(ctx: LintContext, m: object) -> Iterator[Finding]:
        raise KeyError("oops")

    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    with pytest.raises(
        RuleCrash,
        match=r"rule AR901 \(test-boom\) failed on .*Dockerfile: "
        r"KeyError",
    ) as exc:
        lint(d, rules=(AR101, FnRule(meta("AR901", "test-boom"), boom)))
    assert isinstance(exc.value.__cause__, KeyError)

    def outside(ctx: LintContext, m: object) -> Iterator[Finding]:
        at = Point(2, 99)
        yield ctx.finding(
            m,
            ctx.dockerfile.instructions[1],
            "x",  # type: ignore[arg-type]
            fix=Fix(FixSafety.SAFE, "x", (Edit(at, at, "x"),)),
        )

    before = fingerprint(d)
    with pytest.raises(RuleCrash, match=r"AR902 .*past the end of line 2"):
        lint(
            d, rules=(FnRule(meta("AR902", "test-outside", fix=FixSafety.SAFE), outside),), fix=True
        )
    assert fingerprint(d) == before


def test_fix_through_a_symlink_is_refused(tmp_path: Path) -> None:
    # issue 10 (class 13): --fix once wrote through the link (its target may lie
    # outside the repository); now it refuses and leaves both as they were
    real = write(tmp_path / "real" / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    link = tmp_path / "Dockerfile"
    link.symlink_to(real)
    with pytest.raises(InputError, match="is a symlink"):
        lint(link, fix=True)
    assert link.is_symlink() and "--no-cache" not in real.read_text()


def test_file_changed_while_linting_is_not_written(tmp_path: Path) -> None:
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\n")
    with pytest.raises(InputError, match="changed on disk while it was being linted"):
        engine._write_fixes([(str(d), b"new", b"old")])
    assert d.read_text() == "FROM alpine:3.20\n"


def test_unwritable_directory_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    before = fingerprint(d)

    def refuse(*args: object, **kw: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(guard_write.tempfile, "mkstemp", refuse)  # the one writer's
    with pytest.raises(InputError, match=r"Dockerfile: cannot write \(Permission denied\)"):
        lint(d, fix=True)
    assert fingerprint(d) == before


def test_same_file_twice_is_linted_once(tmp_path: Path) -> None:
    d = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    report = run(
        LintOptions((str(d), str(tmp_path / "." / "Dockerfile")), rules=ONLY_101, fix=True)
    )
    assert len(report.files) == 1 and d.read_text().count("--no-cache") == 1


# --------------------------------------------------------------------------- pip checker


def _pip_rule(log: list[object]) -> FnRule:
    def fn(ctx: LintContext, m: object) -> Iterator[Finding]:
        for _ins, cmd in ctx.commands(None, "pip"):
            reqs = [w.value for w in cmd.operands]
            assert ctx.pip_checker is not None
            got = ctx.pip_checker(reqs)
            log.append(dict(got))
            for name, status in got.items():
                yield ctx.finding(m, cmd.command.position, f"{name}: {status}")

    return FnRule(meta("AR901", "test-pip"), fn)


def test_pip_checker_is_lazy_and_answers_from_the_cache(tmp_path: Path) -> None:
    from alpine_ready.deps.cache import ResponseCache
    from test_deps_index import seed

    cache_dir = tmp_path / "cache"
    seed(ResponseCache(cache_dir))
    checker = PipCheck(offline=True, cache_dir=cache_dir)
    log: list[object] = []
    d = write(tmp_path / "Dockerfile", "FROM python:3.12-alpine\nRUN apk add --no-cache x\n")
    lint(d, rules=(AR101, _pip_rule(log)), pip_checker=checker)
    assert log == [] and not checker.built  # no pip install: never set up
    write(
        d,
        "FROM python:3.12-alpine\nRUN pip install mysqlclient==2.3.2 six==1.16.0 "
        "Flask 'duckdb==1.3.2' 'not a req!'\n",
    )
    report = lint(d, rules=(AR101, _pip_rule(log)), pip_checker=checker)
    assert checker.built
    assert log == [
        {
            "mysqlclient": "source-build",
            "six": "pure",
            "Flask": None,
            "duckdb": "musl-wheel",
            "not a req!": None,
        }
    ]
    assert len(report.findings) == 5


def test_pip_checker_failures_are_unknown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    checker = PipCheck(offline=True, cache_dir=tmp_path)

    def broken(self: object, reqs: object) -> dict[str, str | None]:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(PipCheck, "_lookup", broken)
    assert checker(["numpy==2.0.0", "six"]) == {"numpy": None, "six": None}


def test_default_pip_checker_offline_with_an_empty_cache(tmp_path: Path) -> None:
    log: list[object] = []
    d = write(tmp_path / "Dockerfile", "FROM python:3.12-alpine\nRUN pip install numpy\n")
    lint(d, rules=(_pip_rule(log),), offline=True, cache_dir=tmp_path / "empty")
    assert log == [{"numpy": None}]


# --------------------------------------------------------------------------- report


def test_summary_counts_and_json(tmp_path: Path) -> None:
    rules = (
        AR101,
        word_rule(
            "AR901", "test-unsafe", "curl", "wget", FixSafety.UNSAFE, severity=Severity.ERROR
        ),
    )
    a = write(tmp_path / "a" / "Dockerfile", "FROM alpine:3.20\nRUN apk add curl\n")
    b = write(tmp_path / "b" / "Dockerfile", "FROM alpine:3.20\nRUN true\n")
    report = run(LintOptions((str(a), str(b)), rules=rules))
    s = report.summary
    assert (s.files, s.findings, s.fixable, s.unsafe_fixable, s.failed_files) == (2, 2, 1, 1, 1)
    assert s.by_severity == ((Severity.ERROR, 1), (Severity.INFO, 1))
    data = validate(report)
    assert data["summary"]["by_severity"] == {"error": 1, "info": 1}  # type: ignore[index]
    assert [f["path"] for f in data["files"]] == [str(a), str(b)]  # type: ignore[index]
    assert data["command"] == "lint" and data["mode"] == "check"


def test_pip_checker_uses_the_stage_python(tmp_path: Path) -> None:
    """python:3.11-alpine: the lookups are for CPython 3.11, through a sibling checker."""
    from alpine_ready.deps.cache import ResponseCache
    from test_deps_index import seed

    cache_dir = tmp_path / "cache"
    seed(ResponseCache(cache_dir))
    checker = PipCheck(offline=True, cache_dir=cache_dir)
    d = write(
        tmp_path / "Dockerfile",
        "FROM python:3.11-alpine3.22 AS base\nFROM base\nRUN pip install mysqlclient==2.3.2\n",
    )
    from alpine_ready.lint.rules import rule

    ar203 = rule("AR203")
    assert ar203 is not None
    report = lint(d, rules=(ar203,), pip_checker=checker)
    assert [f.code for f in report.findings] == ["AR203"]  # mysqlclient compiles
    sibling = checker.for_python("3.11")
    assert sibling is not checker and sibling.python == "3.11" and sibling.built
    assert not checker.built  # the 3.12 default was never asked
    assert checker.for_python("3.12") is checker


def test_ar203_names_the_apk_packages_the_sdist_needs(tmp_path: Path) -> None:
    """mysqlclient 2.3.2 builds from source: AR203 says what its real build files need.

    The index pages are the recorded PyPI ones; the sdist's build needs are what
    ``deps/sdist.py`` reads from the recorded real build files of mysqlclient 2.3.2,
    stored in the cache as an online lint would have (offline here: nothing fetched).
    Without them the message keeps the generic advice.
    """
    from alpine_ready.deps.cache import ResponseCache
    from alpine_ready.deps.sdist import NEEDS_ACCEPT
    from alpine_ready.lint.rules import rule
    from test_deps_index import seed
    from test_deps_sdist import recorded

    ar203 = rule("AR203")
    assert ar203 is not None
    d = write(
        tmp_path / "Dockerfile", "FROM python:3.12-alpine\nRUN pip install mysqlclient==2.3.2\n"
    )
    cache_dir = tmp_path / "cache"
    cache = ResponseCache(cache_dir)
    seed(cache)
    (generic,) = lint(
        d, rules=(ar203,), pip_checker=PipCheck(offline=True, cache_dir=cache_dir)
    ).findings
    assert "needs build-base and the -dev packages it links" in generic.message

    page = json.loads((Path(__file__).parent / "data/index/mysqlclient.json").read_text())
    body = page["body"] if isinstance(page["body"], dict) else json.loads(page["body"])
    (url,) = [f["url"] for f in body["files"] if f["filename"] == "mysqlclient-2.3.2.tar.gz"]
    needs = recorded("mysqlclient-2.3.2.tar.gz")
    cache.put(url, NEEDS_ACCEPT, json.dumps(needs.to_json()).encode())
    checker = PipCheck(offline=True, cache_dir=cache_dir)
    (f,) = lint(d, rules=(ar203,), pip_checker=checker).findings
    assert "apk add --no-cache build-base" in f.message
    assert "mariadb-connector-c-dev" in f.message
    assert checker.build_packages("mysqlclient==2.3.2") == needs.apk_packages
    assert checker.build_packages("six==1.16.0") == ()  # pure: nothing to build


def test_shell_text_the_shell_rejects_is_noted(tmp_path: Path) -> None:
    d = write(
        tmp_path / "Dockerfile", 'FROM alpine:3.22\nRUN echo "x\nRUN case $a in x) echo;; esac\n'
    )
    report = lint(d)
    notes = [n for f in report.files for n in f.notes]
    assert notes == [
        "line 2: RUN: unterminated double quote in the shell text: the shell will reject it"
    ]  # `case` (bashlex cannot parse it) is valid: no note


def test_invalid_base_reference_is_noted(tmp_path: Path) -> None:
    d = write(
        tmp_path / "Dockerfile", "FROM x@sha256:0123\nFROM alpine:$TAG AS b\nFROM scratch\nFROM b\n"
    )
    notes = [n for f in lint(d).files for n in f.notes]
    assert notes == [
        "line 1: FROM x@sha256:0123: not a valid image reference (docker build "
        "refuses it); its base is not judged"
    ]  # variables, scratch, stages: fine
