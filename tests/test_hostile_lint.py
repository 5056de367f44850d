"""Issue 10, Dockerfiles: hostile inputs to ``lint``, ``lint --fix`` and ``translate``.

- Class 3: ARG/ENV expansion runs on one budget per file (value size, total size, steps,
  nesting): a doubling bomb stops with one note, the value is unknown, nothing fails.
- Class 7: work grows linearly with the file (counted in executed lines, never timed):
  RUNs, FROM chains, fixes and translation; BuildKit's binding is kept from its
  quadratic cases by limits; bashlex's endless loop on ``'${'x`` is gone; the diff and
  the edit bookkeeping that replaced quadratic ones give the same results.
- Class 13: ``lint --fix`` writes through ``guard.rewrite_file``: a symlink, a hard-linked
  or read-only file, one whose group would change are refused and left as they were;
  Ctrl-C during the write leaves no temporary file; other files are still fixed.
- Class 14c: a Dockerfile that is a FIFO never blocks (a writer's text is read, no
  writer is an empty file); config files are bounded.
- Class 9: translate's account on stderr escapes what it quotes from the Dockerfile.

Memory-hungry cases run in a subprocess under ``RLIMIT_AS`` so that a regression fails
instead of exhausting the machine; ``timeout=`` only turns a hang into a failure.
"""

from __future__ import annotations

import difflib
import gc
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import types
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alpine_ready.dockerfile import (
    MAX_EXPANSION_DEPTH,
    MAX_INSTRUCTION_EXPANSIONS,
    MAX_INSTRUCTION_LINES,
    MAX_INSTRUCTIONS,
    MAX_STAGES,
    expand,
    parse_dockerfile,
    parse_run,
    parse_shell,
    parse_text,
    shell_for,
    validate_text,
    variables_at,
)
from alpine_ready.dockerfile.expand import MAX_NESTING, MAX_VALUE_CHARS, Budget
from alpine_ready.errors import InputError
from alpine_ready.formats.tables.translate import render_text
from alpine_ready.guard.write import TEMP_SUFFIX
from alpine_ready.lint.context import LintContext
from alpine_ready.lint.engine import LintOptions, run
from alpine_ready.lint.fixes import _align, diff_lines, unified_diff
from alpine_ready.translate import translate_text
from alpine_ready.translate.edits import Editor
from alpine_ready.translate.report import from_translation

SRC = Path(__file__).resolve().parents[1] / "src"
DATA = Path(__file__).resolve().parent / "data" / "dockerfiles"
FIXABLE = "FROM alpine:3.20\nRUN apk add curl\n"
AS_ROOT = os.geteuid() == 0
GiB = 1 << 30


def bomb(lines: int, *, global_args: bool = False) -> str:
    """``ARG An=${An-1}${An-1}``: each line doubles the value."""
    args = ["ARG A0=xx", *(f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, lines + 1))]
    if global_args:
        return "\n".join([*args, f"FROM alpine:$A{lines}", "RUN apk add --no-cache curl"]) + "\n"
    return "\n".join(["FROM alpine:3.20", *args, f"RUN apk add --no-cache $A{lines}"]) + "\n"


def cli(
    *args: str,
    cwd: Path | None = None,
    limit_as: int | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """A real ``python -m alpine_ready`` process (address space bounded if asked)."""

    def preexec() -> None:
        if limit_as is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))

    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
        preexec_fn=preexec if limit_as is not None else None,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


def one_error(r: subprocess.CompletedProcess[str]) -> str:
    """The single ``alpine-ready: error:`` line of a run (no traceback)."""
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alpine-ready: error: "), r.stderr
    return lines[0]


def snapshot(p: Path) -> tuple[bytes, int, int, int, int]:
    st_ = p.lstat()
    return p.read_bytes(), st_.st_mode, st_.st_ino, st_.st_uid, st_.st_gid


def temps(d: Path) -> list[str]:
    return [p.name for p in d.iterdir() if p.name.endswith(TEMP_SUFFIX)]


# ============================================================================ class 3


def test_doubling_bomb_stops_with_one_note_and_an_unknown_value(tmp_path: Path) -> None:
    """199 doubling lines once took 20 GB; now one note names where expansion stopped."""
    d = tmp_path / "Dockerfile"
    d.write_text(bomb(199))
    r = cli(
        "lint",
        "--offline",
        "--select",
        "all",
        "--format",
        "json",
        str(d),
        limit_as=2 * GiB,
        timeout=60,
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    import json

    report = json.loads(r.stdout)
    notes = report["files"][0]["notes"]
    stops = [n for n in notes if "ARG expansion stopped" in n]
    # A16 is the first value over 65,536 characters: line 18 (FROM, A0 … A16)
    assert stops == [
        f"line 18: ARG expansion stopped: value over {MAX_VALUE_CHARS:,} "
        "characters; that value and those after it that need it are treated "
        "as unknown"
    ]
    ar102 = [f for f in report["findings"] if f["code"] == "AR102"]
    assert ar102 and "no ARG/ENV value" in ar102[0]["message"]  # unknown, not a 64 KiB text


def test_global_bomb_leaves_the_base_unresolved(tmp_path: Path) -> None:
    d = tmp_path / "Dockerfile"
    d.write_text(bomb(199, global_args=True))
    df = parse_dockerfile(d)
    stage = df.stages[0]
    assert stage.base_image is None and stage.base_unresolved == ("A199",)
    assert stage.base == "alpine:$A199"
    assert df.expansion_note is not None and df.expansion_note.startswith("line 17: ")
    assert "A16" in df.unknown_args and "A199" in df.unknown_args


def test_values_built_on_an_unknown_one_are_unknown() -> None:
    df = parse_text(bomb(20))
    scope = variables_at(df, df.instructions[-1])
    assert len(scope["A15"]) == MAX_VALUE_CHARS  # 2**16: the largest value kept
    assert "A16" not in scope and "A20" not in scope  # not "${A16}${A16}…" doubled again
    assert df.scopes.note is not None and "line 18" in df.scopes.note


def test_expand_budget_value_total_steps_nesting() -> None:
    big = {"X": "x" * 40_000}
    assert expand("$X", big).value == big["X"]
    over = expand("$X$X", big)
    assert over.stopped == f"value over {MAX_VALUE_CHARS:,} characters"
    assert over.value == "$X$X" and over.unresolved == ("X",) and not over.complete
    shared = Budget(total=100_000)
    assert expand("$X", big, budget=shared).complete
    assert expand("$X", big, budget=shared).complete
    third = expand("$X", big, budget=shared, line=7)
    assert third.stopped is not None and "characters expanded in this Dockerfile" in third.stopped
    assert shared.note is not None and shared.note.startswith("line 7: ARG expansion stopped")
    deep = "${A:-" * (MAX_NESTING + 1) + "x" + "}" * (MAX_NESTING + 1)
    assert expand(deep, {}).stopped == f"defaults nested over {MAX_NESTING} deep"
    ok = "${A:-" * MAX_NESTING + "x" + "}" * MAX_NESTING
    assert expand(ok, {}).value == "x"
    steps = Budget(steps=10)
    assert expand("a" * 11, {}, budget=steps).stopped is not None


def test_nested_defaults_are_refused_before_the_binding(tmp_path: Path) -> None:
    """``${A:-${A:-…}}`` 50,000 deep: once a RecursionError; the binding is cubic in it."""
    deep = "${A:-" * 50_000 + "x" + "}" * 50_000
    lines = [deep[i : i + 60_000] for i in range(0, len(deep), 60_000)]
    d = tmp_path / "Dockerfile"
    d.write_text("FROM alpine:3.20\nARG X=" + "\\\n".join(lines) + "\nRUN apk add $X\n")
    r = cli("lint", "--offline", str(d), limit_as=2 * GiB, timeout=60)
    assert r.returncode == 2
    assert one_error(r) == (
        f"alpine-ready: error: {d}:2: an instruction of 50,000 ${{ "
        "expansions, more than 4,096 (MAX_INSTRUCTION_EXPANSIONS), "
        "continuation lines and heredocs included; not parsed"
    )


def test_translate_of_a_bomb_returns(tmp_path: Path) -> None:
    d = tmp_path / "Dockerfile"
    d.write_text(bomb(199, global_args=True).replace("alpine:", "debian:"))
    r = cli("translate", str(d), limit_as=2 * GiB, timeout=60)
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
    assert "ARG expansion stopped" in r.stderr


# ============================================================================ class 7


def _mixed(n: int) -> str:
    parts = [
        'ARG BASE=3.20\nFROM alpine:${BASE} AS s0\nSHELL ["/bin/ash", "-eo", "pipefail", "-c"]\n'
    ]
    for i in range(n):
        if i % 10 == 0:
            parts.append(f"FROM s{i // 10} AS s{i // 10 + 1}\nENV V{i}=x$V{i - 1}\n")
        parts.append(f"RUN apk add p{i} && echo $V{i}\n")
    return "".join(parts)


def _lines_executed(action: Callable[[], object]) -> int:
    """Python lines executed by ``action`` (a deterministic measure of work, not time)."""
    count = 0

    def trace(frame: object, event: str, arg: object) -> object:
        nonlocal count
        count += 1
        return trace

    action()  # imports and caches out of the way
    sys.settrace(trace)
    try:
        action()
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("mode", ["lint", "fix", "translate"])
def test_work_grows_linearly(tmp_path: Path, mode: str) -> None:
    """Twice the RUNs, stages and ENVs: about twice the work (quadratic code: ~2.9x)."""

    def action(n: int) -> Callable[[], object]:
        path = tmp_path / f"{mode}{n}.Dockerfile"
        text = _mixed(n)
        if mode == "translate":
            text = text.replace("alpine:${BASE}", "debian:12").replace(
                "apk add", "apt-get install -y"
            )
            return lambda: translate_text(text, str(path))

        def lint() -> object:
            path.write_text(text)
            return run(LintOptions((str(path),), offline=True, fix=mode == "fix"))

        return lint

    small, large = _lines_executed(action(200)), _lines_executed(action(400))
    assert large / small < 2.5, (small, large)


def test_a_20000_stage_chain_is_linted_without_recursion(tmp_path: Path) -> None:
    """FROM s0 … FROM s19999: stage facts and ENV scopes once recursed per stage."""
    text = (
        "FROM alpine:3.20 AS s0\nENV A=1\n"
        + "".join(f"FROM s{i} AS s{i + 1}\n" for i in range(20_000))
        + "RUN echo $A\n"
    )
    df = parse_text(text)
    ctx = LintContext(df)
    last = df.stages[-1]
    assert ctx.facts(last).libc == "musl"
    assert ctx.facts(last).why == "builds on stage s19999 (FROM alpine:3.20)"  # not nested
    assert variables_at(df, df.instructions[-1]) == {"A": "1"}
    d = tmp_path / "Dockerfile"
    d.write_text(text)
    report = run(LintOptions((str(d),), offline=True))
    assert report.files[0].path == str(d)


@pytest.mark.parametrize("mode", ["lint", "fix", "translate"])
def test_a_run_leaves_no_cyclic_garbage(tmp_path: Path, mode: str) -> None:
    """The collector is paused during a run: a reference cycle would keep every parse.

    (bashlex's exception, once kept with its traceback, held the whole call stack: every
    parse of a ``lint --fix`` run, or of several files, stayed in memory.)
    """
    text = "FROM alpine:3.20\nRUN echo '${'x && apk add curl\nRUN [[ -f x ]] && apk add y\n"
    d = tmp_path / "Dockerfile"
    d.write_text(text)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        if mode == "translate":
            translate_text(text.replace("alpine:3.20", "debian:12"))
        else:
            run(LintOptions((str(d),), offline=True, fix=mode == "fix"))
        gc.collect()
        # bashlex's parser and tokenizer form small cycles of their own (a few objects
        # per script, within the shell budget); nothing of ours, no frame, no traceback
        kept = {
            type(o).__name__
            for o in gc.garbage
            if type(o).__module__.startswith("alpine_ready")
            or isinstance(o, (types.FrameType, types.TracebackType, BaseException))
        }
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert kept == set()


def test_several_files_are_parsed_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alpine_ready.lint import engine

    parses: list[weakref.ref[object]] = []
    alive_at_next: list[bool] = []
    real = engine._parse

    def observed(src: object) -> object:
        alive_at_next.extend(r() is not None for r in parses)
        got = real(src)  # type: ignore[arg-type]
        parses.append(weakref.ref(got))
        return got

    monkeypatch.setattr(engine, "_parse", observed)
    paths = []
    for i in range(3):
        p = tmp_path / f"D{i}"
        p.write_text(FIXABLE)
        paths.append(str(p))
    run(LintOptions(tuple(paths), offline=True))
    assert len(parses) == 3 and not any(alive_at_next)


def test_moving_an_instruction_down_is_parsing_it_there() -> None:
    """What lint --fix reuses between rounds (Instruction.down, ShellScript.down)."""
    for path in sorted(DATA.glob("*.Dockerfile")):
        text = path.read_text()
        head, sep, rest = text.partition("\n") if text.startswith("#") else ("", "", text)
        before = parse_text(text)
        after = parse_text(head + sep + "\n# moved\n\n" + rest, reuse=before)
        fresh = parse_text(head + sep + "\n# moved\n\n" + rest)
        for old, new, again in zip(
            before.instructions, after.instructions, fresh.instructions, strict=True
        ):
            assert new == again == old.down(3), (path.name, old.index)
            if old.keyword in ("RUN", "ONBUILD", "CMD", "ENTRYPOINT"):
                assert parse_run(old, shell_for(before, old)).down(3) == parse_run(
                    again, shell_for(fresh, again)
                ), (path.name, old.index)


def test_shell_and_scope_lookups_follow_the_chain() -> None:
    text = (
        'FROM alpine:3.20 AS a\nSHELL ["/bin/ash", "-c"]\nENV P=1\nARG Q=2\n'
        'FROM a AS b\nRUN x\nSHELL ["/bin/bash", "-c"]\nENV P=3\nRUN y\n'
        "FROM b\nRUN z\nFROM alpine:3.20\nRUN w\n"
    )
    df = parse_text(text)
    runs = [i for i in df.instructions if i.keyword == "RUN"]
    assert [shell_for(df, r)[0] for r in runs] == ["/bin/ash", "/bin/bash", "/bin/bash", "/bin/sh"]
    assert [dict(variables_at(df, r)) for r in runs] == [{"P": "1"}, {"P": "3"}, {"P": "3"}, {}]


@pytest.mark.parametrize("text", ["'${'x", "$'${'", "echo '${'b && apk add x"])
def test_bashlex_no_longer_loops_on_a_quoted_dollar_brace(text: str) -> None:
    """bashlex 0.18 restarted such a word forever, growing a list (8.5 GB in the suite)."""
    code = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({2 * GiB}, {2 * GiB}))  # Go runtime: ~1 GiB
        from alpine_ready.dockerfile import parse_shell
        s = parse_shell({text!r})
        print(s.parse_quality, [c.name for c in s.commands])
    """)
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert r.returncode == 0, r.stderr[-500:]
    assert r.stdout.startswith("degraded")
    assert (
        parse_shell(text)
        .notes[0]
        .startswith("bash grammar parse failed (ParsingError: bad substitution: no closing '}'")
    )


def test_long_scripts_skip_bashlex_and_long_files_stop_parsing_shell() -> None:
    script = " && \\\n".join(f"apk add p{i}" for i in range(8000))  # ~120 KB
    s = parse_shell(script)
    assert len(s.commands) == 8000 and s.notes[0].startswith("bash grammar parse skipped")
    df = parse_text("FROM alpine:3.20\n" + f"RUN {script[:40_000]}\n" * 3)
    ctx = LintContext(df)
    parsed = [len(ctx.script(i).commands) for i in ctx.runs()]
    assert parsed[0] > 0 and parsed[2] == 0  # the third is past the file's 64 KiB
    assert any("MAX_SHELL_CHARS" in n for n in ctx.notes)


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("FROM a\nRUN " + "x \\\n" * MAX_INSTRUCTION_LINES + "y\n", "MAX_INSTRUCTION_LINES"),
        ("FROM a\nRUN <<EOF\n" + "x\n" * MAX_INSTRUCTION_LINES + "EOF\n", "MAX_INSTRUCTION_LINES"),
        ("FROM a\nRUN " + ("x" * 60_000 + " \\\n") * 9 + "y\n", "MAX_INSTRUCTION_CHARS"),
        ("FROM a\nRUN " + "${A:-" * 2000 + "x" + "}" * 2000 + "\n", "MAX_EXPANSION_DEPTH"),
        ("FROM a\nCOPY --from=" + "${A:-" * 40 + "}" * 40 + " a b\n", "MAX_EXPANSION_DEPTH"),
        (
            "FROM a\nENV A=" + "${A}x" * (MAX_INSTRUCTION_EXPANSIONS + 1) + "\n",
            "MAX_INSTRUCTION_EXPANSIONS",
        ),
        ("FROM a\n" + "RUN x\n" * MAX_INSTRUCTIONS, "MAX_INSTRUCTIONS"),
        (
            "FROM a AS s0\n" + "".join(f"FROM s{i} AS s{i + 1}\n" for i in range(MAX_STAGES)),
            "MAX_STAGES",
        ),
    ],
)
def test_limits_the_binding_cannot_keep_are_one_line(text: str, limit: str) -> None:
    with pytest.raises(InputError, match=limit) as info:
        parse_text(text)
    assert "\n" not in str(info.value)


def test_inputs_at_the_limits_parse() -> None:
    nest = "${A:-" * MAX_EXPANSION_DEPTH + "x" + "}" * MAX_EXPANSION_DEPTH
    parse_text("FROM a\nRUN " + nest * (MAX_INSTRUCTION_EXPANSIONS // MAX_EXPANSION_DEPTH) + "\n")
    parse_text("FROM a\nRUN <<EOF\n" + "${A:-" * 5000 + "\nEOF\n")  # heredoc bodies: not slow
    parse_text("FROM a\nRUN " + "x \\\n" * (MAX_INSTRUCTION_LINES - 1) + "y\n")
    parse_text("FROM a\nRUN <<EOF\n" + "x\n" * (MAX_INSTRUCTION_LINES - 2) + "EOF\n")
    assert (
        len(parse_text("FROM a\n" + "RUN x\n" * (MAX_INSTRUCTIONS - 1)).instructions)
        == MAX_INSTRUCTIONS
    )


@pytest.mark.parametrize("path", sorted(DATA.glob("**/*.Dockerfile")), ids=lambda p: p.name)
def test_validate_text_refuses_what_parse_text_refuses(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace").replace("\0", "")
    for candidate in (text, text.replace("FROM", "FORM", 1), "RUN x\n" + text):
        try:
            parse_text(candidate)
            expected = None
        except InputError as exc:
            expected = str(exc).split(" (line ")[0]  # the hint needs positions
        try:
            validate_text(candidate)
            got = None
        except InputError as exc:
            got = str(exc)
        assert got == expected


_LINE = st.sampled_from(["a\n", "b\n", "c\n", "RUN x\n", "\n", "d"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE, max_size=40), st.lists(_LINE, max_size=40))
def test_linear_diff_is_a_valid_patch(a: list[str], b: list[str]) -> None:
    out: list[str] = []
    for tag, i1, i2, j1, j2 in _align(a, b):
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
            out += a[i1:i2]
        else:
            out += b[j1:j2]
    assert out == b


def test_linear_diff_is_no_larger_than_difflibs_and_patch_applies(tmp_path: Path) -> None:
    before = "".join(p.read_text() for p in sorted(DATA.glob("*.Dockerfile")))
    lines = before.splitlines(keepends=True)
    after_lines = [ln.replace("apk add ", "apk add --no-cache ") for ln in lines]
    after = "".join(after_lines)

    def changed(diff: list[str]) -> int:
        return sum(1 for ln in diff[2:] if ln[:1] in "+-")

    ours = list(diff_lines(lines, after_lines, "D", "D"))
    assert 0 < changed(ours) <= changed(list(difflib.unified_diff(lines, after_lines, "D", "D")))
    if shutil.which("patch") is None:
        pytest.skip("no patch(1)")
    target = tmp_path / "D"
    target.write_text(before)
    (tmp_path / "d.patch").write_text(unified_diff("D", before, after))
    subprocess.run(["patch", "-p0", "-s", "-i", "d.patch"], cwd=tmp_path, check=True, timeout=60)
    assert target.read_text() == after


def test_editor_overlap_check_is_the_scan_it_replaced() -> None:
    class Text:
        lines = ("x" * 100 + "\n",)
        text = lines[0]

    def scan(edits: list[tuple[int, int]], start: int, end: int) -> bool:
        for s, e in edits:
            if start == end or s == e:
                if s < start < e or start < s < end:
                    return True
                continue
            if start < e and s < end:
                return True
        return False

    rnd = random.Random(10)
    for _ in range(500):
        editor, kept = Editor(Text()), []  # type: ignore[arg-type]
        for _ in range(25):
            a = rnd.randint(0, 30)
            b = a + rnd.choice([0, 0, 1, 2, 4])
            assert editor.conflicts(a, b) == scan(kept, a, b)
            if editor.add(a, b, "n"):
                kept.append((a, b))


# ============================================================================ class 13


def test_fix_refuses_a_symlink_leading_out_of_the_repository(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "Dockerfile"
    outside.parent.mkdir()
    outside.write_text(FIXABLE)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    link = repo / "Dockerfile"
    link.symlink_to(outside)
    before = snapshot(outside)
    r = cli("lint", "--offline", "--fix", str(link))
    assert r.returncode == 2 and "is a symlink" in one_error(r)
    assert snapshot(outside) == before and link.is_symlink()
    assert temps(repo) == [] and temps(outside.parent) == []


def test_fix_refuses_a_hard_linked_file(tmp_path: Path) -> None:
    d = tmp_path / "Dockerfile"
    d.write_text(FIXABLE)
    os.link(d, tmp_path / "twin")
    before = snapshot(d)
    r = cli("lint", "--offline", "--fix", str(d))
    assert r.returncode == 2 and "2 hard links" in one_error(r)
    assert snapshot(d) == before and d.stat().st_nlink == 2


def test_fix_refuses_a_read_only_file(tmp_path: Path) -> None:
    d = tmp_path / "Dockerfile"
    d.write_text(FIXABLE)
    d.chmod(0o444)
    before = snapshot(d)
    r = cli("lint", "--offline", "--fix", str(d))
    assert r.returncode == 2 and "is read-only" in one_error(r)
    assert snapshot(d) == before


def _system_python() -> str | None:
    """A Python 3.11 another user can run (the venv's lives under /root)."""
    for candidate in ("/usr/bin/python3.11", "/usr/bin/python3"):
        if (
            os.access(candidate, os.X_OK)
            and subprocess.run(
                [candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 11)"],
                check=False,
                capture_output=True,
            ).returncode
            == 0
        ):
            return candidate
    return None


@pytest.mark.skipif(
    not AS_ROOT or shutil.which("setpriv") is None or _system_python() is None,
    reason="needs root, setpriv and a system Python 3.11 to act as uid 1000",
)
def test_fix_as_another_user_refuses_a_group_it_cannot_keep(tmp_path: Path) -> None:
    """uid 1000 fixing its own file of group 0: a rewrite would give it group 1000."""
    import site

    del tmp_path  # pytest's base directory is 0700: uid 1000 could not reach inside it
    work = Path(tempfile.mkdtemp(prefix="alpine-ready-lint-uid-", dir="/tmp"))
    try:
        os.chown(work, 1000, 1000)
        d = work / "Dockerfile"
        d.write_text(FIXABLE)
        os.chown(d, 1000, 0)
        d.chmod(0o664)
        before = snapshot(d)
        path = os.pathsep.join([str(SRC), *site.getsitepackages()])
        base = [
            "setpriv",
            "--reuid=1000",
            "--regid=1000",
            "--clear-groups",
            "env",
            f"PYTHONPATH={path}",
            f"HOME={work}",
            f"XDG_CACHE_HOME={work}/.cache",
            str(_system_python()),
            "-m",
            "alpine_ready",
            "lint",
            "--offline",
        ]
        r = subprocess.run(
            [*base, "--fix", str(d)], capture_output=True, text=True, timeout=120, check=False
        )
        assert r.returncode == 2, r.stderr
        assert "its owner or group (1000:0) could not be kept" in one_error(r)
        assert snapshot(d) == before and temps(work) == []
        os.chown(d, 1000, 1000)  # its own group: written, owner and group kept
        r = subprocess.run(
            [*base, "--fix", str(d)], capture_output=True, text=True, timeout=120, check=False
        )
        assert r.returncode in (0, 1), r.stderr
        assert "--no-cache" in d.read_text() and (d.stat().st_uid, d.stat().st_gid) == (1000, 1000)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_ctrl_c_while_writing_leaves_the_file_and_no_temporary(tmp_path: Path) -> None:
    """SIGINT delivered as the fixed text is renamed over the Dockerfile (a real signal)."""
    d = tmp_path / "Dockerfile"
    d.write_text(FIXABLE)
    before = snapshot(d)
    code = textwrap.dedent(f"""
        import os, signal, sys
        def hook(event, args):
            if event == "os.rename" and str(args[0]).endswith({TEMP_SUFFIX!r}):
                assert os.path.exists(args[0])  # the temporary file is there now
                os.kill(os.getpid(), signal.SIGINT)
        sys.addaudithook(hook)
        sys.argv = ["alpine-ready", "lint", "--offline", "--fix", {str(d)!r}]
        from alpine_ready.cli.main import console
        console()
    """)
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert r.returncode == 130, r.stderr
    assert "Traceback" not in r.stderr
    assert snapshot(d) == before and temps(tmp_path) == []


def test_other_files_are_fixed_and_the_refused_one_is_named(tmp_path: Path) -> None:
    good = tmp_path / "a" / "Dockerfile"
    good.parent.mkdir()
    good.write_text(FIXABLE)
    bad = tmp_path / "b" / "Dockerfile"
    bad.parent.mkdir()
    bad.write_text(FIXABLE)
    bad.chmod(0o444)
    before = snapshot(bad)
    r = cli("lint", "--offline", "--fix", str(bad), str(good))
    line = one_error(r)
    assert r.returncode == 2
    assert line == (
        f"alpine-ready: error: {bad}: is read-only; not written; 1 other file(s) fixed and written"
    )
    assert snapshot(bad) == before and "--no-cache" in good.read_text()


# ============================================================================ class 14c


def test_lint_of_a_fifo_nobody_writes_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    r = cli("lint", "--offline", str(fifo), timeout=60)
    assert r.returncode == 2
    assert one_error(r) == (
        f"alpine-ready: error: {fifo}:1: no instructions (the file is empty or holds only comments)"
    )
    r = cli("translate", str(fifo), timeout=60)
    assert r.returncode == 2 and "no instructions" in one_error(r)


def test_lint_reads_a_fifo_with_a_writer(tmp_path: Path) -> None:
    """``lint <(generate)``: what the writer sends is linted."""
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "alpine_ready", "lint", "--offline", "--select", "AR101", str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def write() -> None:
        with fifo.open("w") as fh:  # blocks until alpine-ready opens it
            fh.write(FIXABLE)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    out, err = proc.communicate(timeout=120)
    writer.join(timeout=10)
    assert proc.returncode in (1, 2), err
    if proc.returncode == 1:  # opened after the writer: its text was read
        assert "AR101" in out
    else:  # opened before the writer came (no writer yet reads as an empty file)
        assert "no instructions" in err


def test_sockets_and_directories_are_refused_in_one_line(tmp_path: Path) -> None:
    import socket

    sock_path = tmp_path / "Dockerfile.sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(sock_path))
        r = cli("lint", "--offline", str(sock_path), timeout=60)
        assert r.returncode == 2 and "not a regular file" in one_error(r)
    finally:
        sock.close()
    r = cli("lint", "--offline", str(tmp_path), timeout=60)
    assert one_error(r) == f"alpine-ready: error: {tmp_path}: is a directory, not a Dockerfile"


def test_a_huge_planted_config_file_is_refused_not_read(tmp_path: Path) -> None:
    d = tmp_path / "Dockerfile"
    d.write_text(FIXABLE)
    (tmp_path / ".git").mkdir()
    with (tmp_path / ".alpine-ready.toml").open("wb") as fh:
        fh.truncate(3 * GiB)  # sparse: costs nothing on disk
    r = cli("lint", "--offline", str(d), limit_as=2 * GiB, timeout=60)
    assert r.returncode == 2
    assert "larger than a config file may be (1 MiB)" in one_error(r)
    hadolint = tmp_path / ".hadolint.yaml"
    (tmp_path / ".alpine-ready.toml").unlink()
    with hadolint.open("wb") as fh:
        fh.truncate(3 * GiB)
    r = cli("lint", "--offline", str(d), limit_as=2 * GiB, timeout=60)
    assert r.returncode == 1 and "its ignored list is not applied" in r.stderr


def test_a_fifo_planted_as_config_does_not_block(tmp_path: Path) -> None:
    d = tmp_path / "Dockerfile"
    d.write_text(FIXABLE)
    (tmp_path / ".git").mkdir()
    os.mkfifo(tmp_path / ".hadolint.yaml")
    os.mkfifo(tmp_path / ".alpine-ready.toml")
    r = cli("lint", "--offline", str(d), timeout=60)
    assert r.returncode == 1, r.stderr


# ============================================================================ class 9


def test_translate_account_escapes_what_it_quotes() -> None:
    text = (
        "FROM debian:12\nRUN apt-get update && apt-get install -y "
        "\x1b[2K\x1b[1Aok-pkg\u202eevil libfoo-\x1b]0;title\x07dev\n"
    )
    path = "Docker\x1b[31mfile"
    report = from_translation(path, text, translate_text(text, path))
    out = render_text(report)
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\x1b[2K\\x1b[1Aok-pkg\\u202eevil" in out and "Docker\\x1b[31mfile" in out
    assert report.text.count("\x1b") == text.count("\x1b")  # the Dockerfile itself is kept


def test_parse_reads_through_the_bounded_reader(tmp_path: Path) -> None:
    d = tmp_path / "Dockerfile"
    with d.open("wb") as fh:
        fh.truncate(5 << 20)
    with pytest.raises(InputError, match=r"5,242,880 bytes, larger than a Dockerfile may be"):
        parse_dockerfile(d)
    assert stat.S_ISREG(d.stat().st_mode)
