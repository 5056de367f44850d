"""Dockerfile parsing: BuildKit's grammar, exact positions, stages, ARG substitution, bad input."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import dockerfile as buildkit
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alpine_ready.dockerfile import (
    MAX_BYTES,
    Dockerfile,
    Instruction,
    Position,
    expand,
    parse_bytes,
    parse_dockerfile,
    parse_text,
    shell_for,
    variables_at,
)
from alpine_ready.errors import InputError

DATA = Path(__file__).parent / "data" / "dockerfiles"
GOOD = sorted(p.name for p in DATA.glob("*.Dockerfile"))


def load(name: str) -> Dockerfile:
    return parse_dockerfile(DATA / name)


def only(df: Dockerfile, keyword: str, n: int = 0) -> Instruction:
    return [i for i in df.instructions if i.keyword == keyword][n]


def at(df: Dockerfile, pos: Position) -> str:
    """The file text from ``pos`` to the end of its line."""
    return df.line(pos.line)[pos.column - 1 :]


# --- the position replay agrees with BuildKit on every fixture ---------------------------


@pytest.mark.parametrize("name", GOOD)
def test_replay_agrees_with_buildkit(name: str) -> None:
    df = load(name)
    commands = buildkit.parse_file(str(DATA / name))
    assert len(commands) == len(df.instructions)
    for cmd, ins in zip(commands, df.instructions, strict=True):
        assert ins.original == cmd.original
        assert cmd.original.startswith(ins.text)
        assert (ins.start_line, ins.end_line) == (cmd.start_line, cmd.end_line)
        assert at(df, ins.position).upper().startswith(ins.keyword)
        if ins.keyword != "ONBUILD":
            assert tuple(f.original for f in ins.flags) == cmd.flags
        for flag in ins.flags:
            assert at(df, flag.position).startswith("--" + flag.name)
        if ins.heredocs:
            assert ins.heredocs[-1].terminator_line == cmd.end_line
            for doc, (name_, _, content) in zip(ins.heredocs, cmd.heredocs, strict=True):
                assert doc.name == name_ and doc.content == content
                body = "".join(df.lines[doc.body_line - 1 : doc.terminator_line - 1])
                assert body == content
                assert at(df, doc.position).lstrip("0123456789").startswith("<<")
        for value, pos in zip(ins.arguments, ins.argument_positions, strict=True):
            assert pos is not None, (ins.text, value)
            expected = '"' if ins.json_form else value[:1]
            assert at(df, pos).startswith(expected), (ins.text, value, pos)


@pytest.mark.parametrize("name", GOOD)
def test_parsing_never_writes(name: str) -> None:
    path = DATA / name
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    parse_dockerfile(path)
    assert before == (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)


@pytest.mark.parametrize("name", GOOD)
def test_lines_round_trip(name: str) -> None:
    df = load(name)
    assert df.text == (DATA / name).read_text(encoding="utf-8")


# --- official-image patterns ------------------------------------------------------------


def test_python_alpine_structure() -> None:
    df = load("python-alpine.Dockerfile")
    assert df.escape == "\\" and df.global_args == ()
    (stage,) = df.stages
    assert stage.base == "alpine:3.20" and stage.name is None and stage.parent is None
    assert stage.base_image is not None and stage.base_image.tag == "3.20"
    assert stage.base_image.repository == "library/alpine"
    assert stage.base_position == Position(3, 6)
    run = df.instructions[5]
    assert run.keyword == "RUN" and (run.start_line, run.end_line) == (15, 53)
    assert run.position == Position(15, 1)
    assert run.argument_positions == (Position(15, 5),)
    assert [i.keyword for i in stage.instructions] == [
        "FROM",
        "ENV",
        "ENV",
        "ENV",
        "RUN",
        "RUN",
        "CMD",
    ]
    assert all(i.stage == 0 for i in stage.instructions)


def test_legacy_env_and_variables_at() -> None:
    df = load("python-alpine.Dockerfile")
    env = variables_at(df, df.instructions[5])
    assert env["PYTHON_VERSION"] == "3.12.7"
    assert env["LANG"] == "C.UTF-8"
    assert env["PATH"] == "/usr/local/bin:$PATH"  # no PATH before it: kept as written


def test_multistage_stages_args_and_parents() -> None:
    df = load("multistage-go.Dockerfile")
    assert df.directive("syntax") == "docker/dockerfile:1.7"
    assert [(a.name, a.default, a.position) for a in df.global_args] == [
        ("GO_VERSION", "1.22", Position(2, 5)),
        ("ALPINE_VERSION", "3.20", Position(3, 5)),
        ("REGISTRY", None, Position(4, 5)),
    ]
    build, test, internal, final = df.stages
    assert build.name == "build"
    assert build.base_original == "golang:${GO_VERSION}-alpine${ALPINE_VERSION}"
    assert build.base == "golang:1.22-alpine3.20"
    assert build.base_image is not None and build.base_image.tag == "1.22-alpine3.20"
    assert build.base_image.short_name == "golang"
    assert build.platform == "$BUILDPLATFORM"  # BuildKit fills it in at build time
    assert build.base_position == Position(6, 32)
    assert (test.name, test.base, test.parent, test.base_image) == ("test", "build", 0, None)
    assert internal.base == "${REGISTRY}/base:latest"
    assert internal.base_unresolved == ("REGISTRY",) and internal.base_image is None
    assert final.name is None
    assert final.base_original.startswith("alpine:${ALPINE_VERSION:-3.19}@sha256:")
    assert final.base_image is not None
    assert final.base_image.tag == "3.20"
    assert final.base_image.digest == "sha256:" + "0123456789abcdef" * 4
    copy = only(df, "COPY", 1)
    assert copy.stage == 3
    source, chown = copy.flag("from"), copy.flag("chown")
    assert source is not None and source.value == "build" and source.position == Position(24, 6)
    assert chown is not None and chown.position == Position(24, 19)
    assert df.stage_named("build") is build
    assert df.stage_named("0") is build
    link = only(df, "COPY", 0).flag("link")
    assert link is not None and link.value is None and link.position == Position(12, 6)


def test_build_args_override_defaults() -> None:
    df = parse_dockerfile(
        DATA / "multistage-go.Dockerfile",
        build_args={"ALPINE_VERSION": "3.21", "REGISTRY": "ghcr.io/acme"},
    )
    assert df.stages[0].base == "golang:1.22-alpine3.21"
    assert df.stages[2].base == "ghcr.io/acme/base:latest"
    assert df.stages[2].base_image is not None
    assert df.stages[2].base_image.registry == "ghcr.io"


def test_run_mount_flags_parsed() -> None:
    df = load("multistage-go.Dockerfile")
    run = only(df, "RUN", 0)
    assert [(m.type, m.target) for m in run.mounts] == [
        ("cache", "/var/cache/apk"),
        ("cache", "/go/pkg/mod"),
    ]
    assert [f.position for f in run.flags] == [Position(9, 5), Position(10, 5)]
    assert run.arguments == ("apk add git build-base",)
    assert run.argument_positions == (Position(11, 5),)
    df2 = load("mount-json.Dockerfile")
    run2 = only(df2, "RUN", 0)
    first, second = run2.flags
    assert first.options == {"type": "cache", "target": "/var/cache/apk", "sharing": "locked"}
    assert second.options == {"type": "secret", "id": "npmrc", "required": "true"}
    assert second.position == Position(2, 61)
    assert run2.mounts[1].get("id") == "npmrc" and run2.mounts[1].target is None
    assert run2.flag_values("mount") == (
        "type=cache,target=/var/cache/apk,sharing=locked",
        "type=secret,id=npmrc,required",
    )


def test_json_forms_and_shell() -> None:
    df = load("mount-json.Dockerfile")
    run = only(df, "RUN", 1)
    assert run.json_form and run.arguments == ("apk", "add", "--no-cache", "postgresql-libs")
    assert run.argument_positions == (
        Position(4, 6),
        Position(4, 13),
        Position(4, 20),
        Position(4, 34),
    )
    shell = only(df, "SHELL")
    assert shell.arguments == ("/bin/ash", "-eo", "pipefail", "-c")
    assert shell_for(df, only(df, "RUN", 3)) == ("/bin/ash", "-eo", "pipefail", "-c")
    assert shell_for(df, only(df, "RUN", 0)) == ("/bin/sh", "-c")
    interval = only(df, "HEALTHCHECK").flag("interval")
    assert interval is not None and interval.value == "30s"
    onbuild = only(df, "ONBUILD")
    assert onbuild.sub_keyword == "RUN" and onbuild.arguments == ("apk add --no-cache git",)
    assert onbuild.arguments_text == "apk add --no-cache git"
    assert onbuild.argument_positions == (Position(10, 13),)


def test_escape_backtick_directive_and_positions() -> None:
    df = load("escape-backtick.Dockerfile")
    assert df.escape == "`" and df.directive("escape") == "`"
    win, alpine = df.stages
    assert alpine.base == "alpine:3.20" and alpine.name is None
    assert win.name == "win" and win.base_image is not None
    assert win.base_image.registry == "mcr.microsoft.com"
    run = only(df, "RUN", 0)
    assert (run.start_line, run.end_line) == (4, 6)
    # a backslash ending a line does not continue it when the escape is a backtick
    assert run.text == 'RUN echo one     && echo "C:\\Program Files\\app"     && dir C:\\'
    apk = only(df, "RUN", 1)
    assert apk.text == "RUN apk add --no-cache       curl       jq"
    assert apk.position_at(apk.text.index("curl")) == Position(10, 7)
    assert apk.position_at(apk.text.index("jq")) == Position(11, 7)
    copy = only(df, "COPY")
    assert copy.json_form and copy.arguments == ("a b.txt", "/dst/")
    assert copy.argument_positions == (Position(12, 7), Position(12, 18))


def test_heredoc_bodies_and_positions() -> None:
    df = load("heredoc.Dockerfile")
    first = only(df, "RUN", 0)
    (doc,) = first.heredocs
    assert (doc.name, doc.chomp, doc.expand) == ("EOF", False, True)
    assert (doc.position, doc.body_line, doc.terminator_line) == (Position(2, 5), 3, 10)
    assert doc.content.startswith("set -eux\napk add --no-cache \\\n")
    assert doc.source_map.position(doc.content.index("curl")) == Position(6, 5)
    chomped = only(df, "RUN", 1).heredocs[0]
    assert (chomped.name, chomped.chomp, chomped.body_line) == ("EOT", True, 12)
    copy = only(df, "COPY")
    assert copy.heredocs[0].content == "key=value\n"
    assert copy.arguments == ("<<EOF", "/etc/app.conf")
    assert only(df, "RUN", 5).position == Position(31, 1)


def test_crlf_bom_and_tabs() -> None:
    text = "\ufeffFROM alpine:3.20\r\nRUN apk add \\\r\n\t\tcurl\r\n"
    df = parse_text(text, "crlf.Dockerfile")
    assert df.has_bom and df.line(1) == "FROM alpine:3.20"
    run = only(df, "RUN")
    assert run.text == "RUN apk add \t\tcurl"
    assert run.position_at(run.text.index("curl")) == Position(3, 3)


def test_comment_and_blank_lines_inside_a_continuation() -> None:
    text = (
        "FROM alpine:3.20\n"
        "RUN apk add \\\n"
        "    # a comment BuildKit drops\n"
        "\n"
        "      gcc \\\n"
        "  musl-dev\n"
    )
    run = only(parse_text(text), "RUN")
    assert run.text == "RUN apk add       gcc   musl-dev"
    assert run.position_at(run.text.index("gcc")) == Position(5, 7)
    assert run.position_at(run.text.index("musl-dev")) == Position(6, 3)
    assert (run.start_line, run.end_line) == (2, 6)


def test_lowercase_keywords_and_stage_names() -> None:
    df = parse_text("from alpine:3.20 as Builder\nrun echo hi\nFROM builder\n")
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "FROM"]
    assert df.stages[0].name == "builder" and df.stages[1].parent == 0


# --- substitution -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "word,env,value,unresolved",
    [
        ("alpine:$V", {"V": "3.20"}, "alpine:3.20", ()),
        ("alpine:${V}", {"V": "3.20"}, "alpine:3.20", ()),
        ("alpine:${V:-3.19}", {}, "alpine:3.19", ()),
        ("alpine:${V:-3.19}", {"V": ""}, "alpine:3.19", ()),
        ("alpine:${V-3.19}", {"V": ""}, "alpine:", ()),
        ("x${V:+-slim}", {"V": "1"}, "x-slim", ()),
        ("x${V:+-slim}", {}, "x", ()),
        ("alpine:$TAG", {}, "alpine:$TAG", ("TAG",)),
        ("${REG}/app:${TAG:?need a tag}", {"REG": "r"}, "r/app:${TAG:?need a tag}", ("TAG",)),
        ("'$V' \"$V\" \\$V", {"V": "a"}, "$V a $V", ()),
        ("${A:-${B:-deep}}", {}, "deep", ()),
    ],
)
def test_expand(word: str, env: dict[str, str], value: str, unresolved: tuple[str, ...]) -> None:
    result = expand(word, env)
    assert (result.value, result.unresolved) == (value, unresolved)


def test_expand_with_backtick_escape() -> None:
    assert expand("`$V-$V", {"V": "x"}, "`").value == "$V-x"


def test_stage_arg_scope_and_env_inheritance() -> None:
    text = (
        'ARG BASE=3.20\nARG PY=3.12\nFROM alpine:$BASE AS one\nARG PY\nENV A=1 B="$PY x"\n'
        "RUN echo\nFROM one\nRUN echo\n"
    )
    df = parse_text(text)
    assert variables_at(df, df.instructions[5]) == {"PY": "3.12", "A": "1", "B": "3.12 x"}
    assert variables_at(df, df.instructions[7]) == {"A": "1", "B": "3.12 x"}
    assert variables_at(df, df.instructions[1]) == {"BASE": "3.20"}


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,message",
    [
        (
            "empty.Dockerfile",
            "empty.Dockerfile:1: no instructions (the file is empty or holds only comments)",
        ),
        ("comments-only.Dockerfile", "comments-only.Dockerfile:1: no instructions"),
        ("binary.Dockerfile", "binary.Dockerfile:1: binary file (NUL byte), not a Dockerfile"),
        ("latin1.Dockerfile", "latin1.Dockerfile:2: not UTF-8 text (byte 0xe9), not a Dockerfile"),
        (
            "unterminated-heredoc.Dockerfile",
            "unterminated-heredoc.Dockerfile:6: unterminated heredoc: no line 'EOT' ends it",
        ),
        (
            "unknown-instruction.Dockerfile",
            "unknown-instruction.Dockerfile:3: unknown instruction 'COPPY'",
        ),
        (
            "run-before-from.Dockerfile",
            "run-before-from.Dockerfile:2: RUN before the first FROM "
            "(only ARG may come before FROM)",
        ),
    ],
)
def test_bad_files_clear_one_line_errors_untouched(name: str, message: str) -> None:
    path = DATA / "bad" / name
    before = path.read_bytes()
    with pytest.raises(InputError) as info:
        parse_dockerfile(path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(str(path.parent) + os.sep + message), text
    assert path.read_bytes() == before


def test_what_the_binding_does_with_bad_input() -> None:
    """The facts the error handling above is built on (documented in parse.py)."""
    with pytest.raises(buildkit.GoParseError, match="file with no instructions"):
        buildkit.parse_string("")
    with pytest.raises(buildkit.GoParseError, match="unterminated heredoc"):
        buildkit.parse_string("FROM a\nRUN <<EOF\necho\n")
    unknown = buildkit.parse_string("FROM a\nCOPPY . /\n")
    assert unknown[1].cmd == "COPPY"  # accepted silently
    truncated = buildkit.parse_string("FROM a\nRUN echo \x00 gone\n")
    assert truncated[1].original == "RUN echo "  # cut at the NUL


@pytest.mark.parametrize(
    "text,message",
    [
        (
            'FROM a\nRUN ["a", 1]\n',
            "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only",
        ),
        ("# escape=x\nFROM a\n", "Dockerfile:1: invalid escape token 'x' does not match ` or \\"),
        ("FROM a\nONBUILD\n", "Dockerfile:2: ONBUILD requires an instruction"),
        ("FROM a\nONBUILD FROM b\n", "Dockerfile:2: ONBUILD FROM is not allowed"),
        ("FROM a b\n", "Dockerfile:1: FROM requires an image and optionally 'AS name'"),
        ("FROM a AS 1x\n", "Dockerfile:1: invalid stage name '1x'"),
        ("ARG A=1\n", "Dockerfile:1: no FROM instruction"),
        (
            "FROM a\n# escape=`\nRUN echo a `\n b\n",
            "Dockerfile:4: unknown instruction 'b' (line 3 ends with '`', but the escape character "
            "is '\\\\')",
        ),
        (  # nodejs/docker-node's key check: the binding does not see this heredoc
            'FROM a\nRUN [ "$(gpg -k)" = "$(cat <<\'EOF\'\nfpr:::0A17:\nEOF\n)" ]\n',
            "Dockerfile:3: unknown instruction 'fpr:::0A17:' (line 2 opens a heredoc, "
            "<<'EOF', inside a quoted string or command substitution",
        ),
        (
            "FROM a\nRUN <<EOF\nx\nEOF\n\nRUN <<A <<B\nbody\nA\n",
            "Dockerfile:6: unterminated heredoc: no line 'B' ends it",
        ),
        ("FROM a\nRUN echo \x00\n", "Dockerfile:2: binary file (NUL byte)"),
    ],
)
def test_invalid_text(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_text(text)
    assert str(info.value).startswith(message), str(info.value)


def test_unreadable_and_oversized(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        parse_dockerfile(tmp_path / "missing")
    with pytest.raises(InputError, match="is a directory"):
        parse_dockerfile(tmp_path)
    big = tmp_path / "Dockerfile"
    big.write_bytes(b"FROM alpine\n" + b"# padding\n" * (MAX_BYTES // 10))
    # read through guard.read_bounded: its one message for an oversized input file
    with pytest.raises(InputError, match=r"larger than a Dockerfile may be \(4 MiB\)"):
        parse_dockerfile(big)
    with pytest.raises(InputError, match="too large"):
        parse_bytes(b"x" * (MAX_BYTES + 1))


DOCKERFILE_BITS = [
    *"FROMRUNCOPYARGENV alpine:3.20 ${}$\\`'\"<>-=#\n\t[],",
    "FROM ",
    "RUN ",
    "<<EOF\n",
    "\nEOF\n",
    "ARG X=1\n",
    "# escape=`\n",
    "ONBUILD ",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(DOCKERFILE_BITS), max_size=60).map("".join))
def test_odd_text_gives_a_dockerfile_or_input_error(text: str) -> None:
    try:
        df = parse_text(text)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    for ins in df.instructions:
        assert 1 <= ins.position.line <= len(df.lines)
