"""RUN shell text → simple commands: context, positions in the Dockerfile, fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alpine_ready.dockerfile import (
    Dockerfile,
    Instruction,
    ParsedCommand,
    ParseQuality,
    Position,
    ShellScript,
    SimpleCommand,
    find_commands,
    parse_dockerfile,
    parse_run,
    parse_shell,
    parse_text,
    shell_for,
    split_env_prefix,
)

DATA = Path(__file__).parent / "data" / "dockerfiles"
GOOD = sorted(p.name for p in DATA.glob("*.Dockerfile"))


def load(name: str) -> Dockerfile:
    return parse_dockerfile(DATA / name)


def runs(df: Dockerfile) -> list[Instruction]:
    return [i for i in df.instructions if i.keyword == "RUN"]


def script_of(df: Dockerfile, n: int) -> ShellScript:
    ins = runs(df)[n]
    return parse_run(ins, shell_for(df, ins))


def named(script: ShellScript, program: str, n: int = 0) -> SimpleCommand:
    return [c for c in script.commands if c.program == program][n]


def apk(script: ShellScript, n: int = 0) -> ParsedCommand:
    return list(find_commands(script, "apk"))[n]


def pos(line: int, column: int) -> Position:
    return Position(line, column)


# --- positions point into the original file, on every fixture ---------------------------


@pytest.mark.parametrize("name", GOOD)
def test_every_word_is_where_it_says(name: str) -> None:
    df = load(name)
    for ins in df.instructions:
        if ins.keyword not in ("RUN", "CMD", "ENTRYPOINT", "ONBUILD"):
            continue
        for cmd in parse_run(ins, shell_for(df, ins)).commands:
            for word in cmd.words:
                if "\\" in word.raw or "\n" in word.raw or "\t" in word.raw:
                    continue
                line = df.line(word.start.line)
                assert line[word.start.column - 1 :].startswith(word.raw), (name, word)
                if word.end.line == word.start.line:
                    assert word.end.column - word.start.column == len(word.raw)
            assert cmd.position == (cmd.argv[0].start if cmd.argv else cmd.words[0].start)


# --- official-image patterns ------------------------------------------------------------


def test_virtual_build_deps_and_scanelf_xargs() -> None:
    df = load("python-alpine.Dockerfile")
    script = script_of(df, 1)
    assert script.parse_quality is ParseQuality.FULL and script.notes == ()
    add = apk(script, 0)
    assert add.subcommand == "add" and add.command.position == pos(17, 2)
    assert add.option_map == {"no-cache": None, "virtual": ".build-deps"}
    assert add.packages == (
        "bzip2-dev",
        "gcc",
        "libffi-dev",
        "make",
        "musl-dev",
        "openssl-dev",
        "zlib-dev",
    )
    assert add.operands[1].start == pos(19, 3) and add.operands[1].end == pos(19, 6)
    virtual = next(o for o in add.options if o.name == "virtual")
    assert virtual.value_word is not None and virtual.value_word.start == pos(17, 31)
    assert add.command.errexit and add.command.operator_before == ";"

    rundeps = apk(script, 2)  # apk --print-arch is 1
    assert rundeps.command.via == "xargs" and rundeps.args_from_stdin
    assert rundeps.command.position == pos(49, 15)
    assert rundeps.command.pipe_input and not rundeps.command.pipe_output
    assert rundeps.option_map == {"no-cache": None, "virtual": ".python-rundeps"}
    xargs = named(script, "xargs")
    assert xargs.position == pos(49, 5) and xargs.operator_before == "|"
    assert xargs.values[:3] == ("xargs", "-rt", "apk")

    delete = apk(script, 3)
    assert delete.subcommand == "del" and delete.option_map == {"no-network": None}
    assert delete.packages == (".build-deps",) and delete.command.position == pos(51, 2)

    tr = named(script, "tr")
    assert tr.values == ("tr", ",", "\\n") and tr.args[1].start == pos(46, 12)
    assert tr.pipe_input and tr.pipe_output
    find = named(script, "find", 1)
    assert find.argv[11].value == "scanelf" and find.argv[11].start == pos(45, 73)
    arch = apk(script, 1)
    assert arch.option_map == {"print-arch": None} and arch.command.in_substitution
    assert arch.command.position == pos(33, 13)
    wget = named(script, "wget")
    url = wget.args[2]
    assert not url.static and url.start == pos(27, 24) and url.end == pos(27, 115)


def test_redis_rundeps_in_command_substitution() -> None:
    df = load("redis-alpine.Dockerfile")
    script = script_of(df, 0)
    scanelf = named(script, "scanelf")
    assert scanelf.in_substitution and scanelf.pipe_output and scanelf.position == pos(18, 3)
    assert scanelf.args[3].value == "%n#p" and scanelf.args[3].start == pos(18, 40)
    awk = named(script, "awk")
    assert awk.in_substitution and awk.pipe_input and awk.position == pos(21, 6)
    assignment = next(c for c in script.commands if c.assignments and not c.argv)
    assert assignment.assignments[0].raw.startswith('runDeps="$(')
    assert not assignment.assignments[0].static
    rundeps = apk(script, 1)
    assert rundeps.packages == ("$runDeps",) and not rundeps.operands[0].static
    assert rundeps.option_map == {"no-network": None, "virtual": ".redis-rundeps"}

    piped = script_of(df, 1)
    assert [c.program for c in piped.commands] == ["scanelf", "tr", "sort", "awk", "xargs", "apk"]
    assert [c.operator_before for c in piped.commands] == [None, "|", "|", "|", "|", "|"]
    assert named(piped, "sort").position == pos(29, 21)
    last = apk(piped)
    assert last.command.via == "xargs" and last.command.position == pos(31, 17)
    assert last.option_map == {"no-cache": None, "virtual": ".run-deps"}
    assert not last.command.errexit


def test_debian_apt_get_with_env_prefix() -> None:
    df = load("debian-python.Dockerfile")
    script = script_of(df, 0)
    update, install = list(find_commands(script, "apt-get"))
    assert update.subcommand == "update" and update.command.position == pos(6, 5)
    cmd = install.command
    assert [w.value for w in cmd.assignments] == ["DEBIAN_FRONTEND=noninteractive"]
    assert cmd.assignments[0].start == pos(7, 5) and cmd.position == pos(7, 36)
    assert install.subcommand == "install"
    assert install.option_map == {"yes": None, "no-install-recommends": None}
    assert install.packages == (
        "build-essential",
        "libpq-dev",
        "libssl-dev",
        "zlib1g-dev",
        "locales",
    )
    assert install.operands[-1].start == pos(12, 7)
    assert cmd.operator_before == "&&" and cmd.operator_after == "&&"
    rm = named(script, "rm")
    assert rm.values == ("rm", "-rf", "/var/lib/apt/lists/*") and rm.operator_after is None

    pip_script = script_of(df, 2)
    pips = list(find_commands(pip_script, "pip"))
    assert [p.subcommand for p in pips] == ["install", "install"]
    assert pips[0].option_map == {"no-cache-dir": None, "upgrade": None}
    assert (
        pips[1].command.program == "python3" and pips[1].value("requirement") == "requirements.txt"
    )
    curl = next(find_commands(pip_script, "curl"))
    assert curl.value("output") == "/tmp/tool.tar.gz"
    assert curl.has("fail", "location") and curl.packages[0].endswith("-linux-gnu.tar.gz")
    assert curl.operands[0].start == pos(22, 36)
    useradd = next(find_commands(script_of(df, 1), "useradd"))
    assert useradd.option_map == {
        "uid": "1000",
        "gid": "app",
        "create-home": None,
        "shell": "/bin/bash",
    }
    assert useradd.packages == ("app",)


def test_mount_and_json_form_runs() -> None:
    df = load("mount-json.Dockerfile")
    exec_form = script_of(df, 1)
    (only,) = exec_form.commands
    assert only.values == ("apk", "add", "--no-cache", "postgresql-libs")
    assert only.argv[3].start == pos(4, 34) and only.argv[3].raw == '"postgresql-libs"'
    sh_c = script_of(df, 2)
    assert [c.program for c in sh_c.commands] == ["sh", "apk", "pip", "apk"]
    inner = apk(sh_c, 0)
    assert inner.command.via == "sh -c" and inner.command.position == pos(5, 24)
    assert inner.option_map == {"no-cache": None, "virtual": ".build-deps"}
    assert inner.operands[0].start == pos(5, 65)
    assert apk(sh_c, 1).command.operator_before == "&&"
    shell = script_of(df, 3)  # after SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
    wget, sh, upgrade = shell.commands
    assert all(c.errexit and c.pipefail for c in shell.commands)
    assert wget.pipe_output and sh.pipe_input and sh.operator_after == "&&"
    assert next(find_commands([wget], "wget")).value("output-document") == "-"
    assert upgrade.values == ("apk", "upgrade") and upgrade.position == pos(8, 5)


def test_escape_backtick_run() -> None:
    df = load("escape-backtick.Dockerfile")
    add = apk(script_of(df, 1))
    assert add.packages == ("curl", "jq")
    assert [w.start for w in add.operands] == [pos(10, 7), pos(11, 7)]
    windows = script_of(df, 0)  # ends with a lone backslash: bashlex gives up
    assert windows.parse_quality is ParseQuality.DEGRADED
    assert [c.values for c in windows.commands] == [
        ("echo", "one"),
        ("echo", "C:\\Program Files\\app"),
        ("dir", "C:\\"),
    ]
    assert windows.commands[1].position == pos(5, 8)


def test_heredoc_runs() -> None:
    df = load("heredoc.Dockerfile")
    body = script_of(df, 0)
    assert body.parse_quality is ParseQuality.FULL  # quoted delimiter inside: still bashlex
    assert [c.program for c in body.commands] == ["set", "apk", "cat"]
    add = apk(body)
    assert add.command.position == pos(4, 1) and add.command.errexit
    assert add.operands[1].start == pos(6, 5)
    cat = named(body, "cat")
    assert [(r.operator, r.target.value if r.target else None) for r in cat.redirects] == [
        ("<<", "CONF"),
        (">", "/etc/motd"),
    ]

    bash_body = script_of(df, 1)  # RUN <<-EOT bash: the body is fed to bash
    assert bash_body.parse_quality is ParseQuality.DEGRADED  # [[ … ]]
    assert [c.program for c in bash_body.commands] == ["bash", "set", "[[", "mkdir", "apk"]
    assert named(bash_body, "mkdir").via == "sh <<"
    assert named(bash_body, "mkdir").operator_before == "||"
    assert apk(bash_body).command.position == pos(14, 2) and apk(bash_body).command.errexit

    python_stdin = script_of(df, 2)
    assert [c.values for c in python_stdin.commands] == [("python3",)]
    python_script = script_of(df, 3)
    assert python_script.commands == () and python_script.shebang == "#!/usr/bin/env python3"
    shebang_sh = script_of(df, 4)
    assert apk(shebang_sh).command.errexit and apk(shebang_sh).command.position == pos(26, 1)


def test_node_case_statement_falls_back() -> None:
    df = load("node-alpine.Dockerfile")
    script = script_of(df, 0)
    assert script.parse_quality is ParseQuality.DEGRADED
    assert "NotImplementedError" in script.notes[0] and "fallback" in script.notes[0]
    arch = next(
        c for c in script.commands if c.assignments and c.assignments[0].value == "ARCH=x64"
    )
    assert arch.position == pos(13, 17) and arch.operator_after == ";;"
    test = named(script, "[")
    assert test.in_condition and test.position == pos(17, 9)
    curl = named(script, "curl")
    assert curl.errexit and curl.position == pos(19, 5)  # after `set -eu`
    adds = list(find_commands(script, "apk"))
    assert [(a.subcommand, a.value("virtual")) for a in adds] == [
        ("add", None),
        ("add", ".build-deps"),
        (None, None),
        ("add", ".build-deps-full"),
        ("del", None),
        ("del", None),
    ]
    assert adds[3].command.position == pos(23, 8)
    assert adds[3].packages == ("binutils", "g++", "python3")
    getconf = named(script, "getconf")
    assert getconf.in_substitution and getconf.position == pos(27, 17)


# --- operator context -------------------------------------------------------------------


def test_operators_subshells_and_background() -> None:
    s = parse_shell("a && (b; c) || d | e & f $(g) `h`; i")
    by = {c.program: c for c in s.commands}
    assert by["a"].operator_after == "&&" and by["b"].in_subshell and by["c"].in_subshell
    assert by["c"].operator_before == ";"
    assert by["d"].operator_before == "||" and by["d"].pipe_output
    assert by["e"].pipe_input and by["e"].background
    assert by["g"].in_substitution and by["h"].in_substitution
    assert not by["f"].in_substitution and by["i"].operator_before == ";"
    assert by["g"].position == pos(1, 28) and by["h"].position == pos(1, 32)


def test_set_e_tracking() -> None:
    s = parse_shell("a; set -eux; b; (set +e; c); d; set +e; e; set -o pipefail -o errexit; f")
    flags = {c.program: (c.errexit, c.pipefail) for c in s.commands if c.program != "set"}
    assert flags == {
        "a": (False, False),
        "b": (True, False),
        "c": (True, False),
        "d": (True, False),
        "e": (False, False),
        "f": (True, True),
    }


def test_conditions_loops_and_functions() -> None:
    s = parse_shell(
        "if test -f x; then apk add a; fi; while read l; do echo $l; done < f; "
        "install() { apk add b; }"
    )
    by = {c.values[-1]: c for c in s.commands}
    assert by["x"].in_condition and not by["a"].in_condition
    assert by["l"].in_condition and by["b"].in_function
    assert s.parse_quality is ParseQuality.FULL


def test_continuation_positions_in_a_run() -> None:
    df = parse_text(
        "FROM alpine:3.20\n"
        "RUN apk add --no-cache \\\n"
        "# dropped by BuildKit\n"
        "        ca-certificates \\\n"
        "\t&& update-ca-certificates\n"
    )
    script = parse_run(runs(df)[0])
    add, update = script.commands
    assert add.argv[3].start == pos(4, 9) and add.argv[3].end == pos(4, 24)
    assert update.position == pos(5, 5) and update.operator_before == "&&"


def test_split_env_prefix_and_env_wrapper() -> None:
    (cmd,) = parse_shell("FOO=1 BAR='x y' apk add a").commands
    env, argv = split_env_prefix(cmd.words)
    assert [w.value for w in env] == ["FOO=1", "BAR=x y"]
    assert [w.value for w in argv] == ["apk", "add", "a"]
    assert cmd.assignments == env and cmd.argv == argv and cmd.position == pos(1, 17)
    wrapped = parse_shell("env -u X A=1 apk add b").commands
    assert [c.via for c in wrapped] == [None, "env"]
    assert [w.value for w in wrapped[1].assignments] == ["A=1"]
    assert wrapped[1].values == ("apk", "add", "b")


@pytest.mark.parametrize(
    "text,via,values",
    [
        ("sudo -u root apk add a", "sudo", ("apk", "add", "a")),
        ("su-exec app apk add a", "su-exec", ("apk", "add", "a")),
        ("timeout -k 5 60 apk add a", "timeout", ("apk", "add", "a")),
        ("exec -a x apk add a", "exec", ("apk", "add", "a")),
        ("xargs -n1 -I{} apk add {}", "xargs", ("apk", "add", "{}")),
        ("xargs --max-procs 4 -0 apk add", "xargs", ("apk", "add")),
        ("busybox wget -q http://x", "busybox", ("wget", "-q", "http://x")),
    ],
)
def test_launchers(text: str, via: str, values: tuple[str, ...]) -> None:
    commands = parse_shell(text).commands
    assert commands[-1].via == via and commands[-1].values == values


def test_sh_c_nested_positions_and_dynamic_strings() -> None:
    s = parse_shell("bash -exc 'apk add \"a b\" && set +e; apk del c'")
    inner = [c for c in s.commands if c.via == "sh -c"]
    assert [c.values for c in inner] == [("apk", "add", "a b"), ("set", "+e"), ("apk", "del", "c")]
    assert inner[0].errexit and not inner[2].errexit
    assert inner[0].argv[2].start == pos(1, 20) and inner[0].argv[2].raw == '"a b"'
    dynamic = parse_shell('sh -c "$INSTALL"')
    assert len(dynamic.commands) == 1 and "not static" in dynamic.notes[0]
    piped = parse_shell("curl -fsSL https://x/install.sh | sh -s -- --yes")
    assert [c.program for c in piped.commands] == ["curl", "sh"]


def test_heredoc_to_shell_inside_shell_text() -> None:
    s = parse_shell("cat <<'EOF' > /x\napk add nope\nEOF\nsh -e <<EOF\napk add yes\nEOF\n")
    assert s.parse_quality is ParseQuality.FULL
    assert [(c.values, c.via) for c in s.commands] == [
        (("cat",), None),
        (("sh", "-e"), None),
        (("apk", "add", "yes"), "sh <<"),
    ]
    assert s.commands[2].position == pos(5, 1) and s.commands[2].errexit


def test_non_posix_shell() -> None:
    df = parse_text('FROM alpine\nSHELL ["pwsh", "-Command"]\nRUN Get-ChildItem\n')
    script = parse_run(runs(df)[0], shell_for(df, runs(df)[0]))
    assert script.commands == () and "pwsh" in script.notes[0]


# --- program option tables --------------------------------------------------------------


@pytest.mark.parametrize(
    "text,sub,options,packages",
    [
        (
            "apk add --no-cache --virtual .build-deps gcc musl-dev",
            "add",
            {"no-cache": None, "virtual": ".build-deps"},
            ("gcc", "musl-dev"),
        ),
        ("apk --no-cache add curl", "add", {"no-cache": None}, ("curl",)),
        (
            "/sbin/apk -U add -t .deps --repository=http://x/edge gcc~13",
            "add",
            {"update-cache": None, "virtual": ".deps", "repository": "http://x/edge"},
            ("gcc~13",),
        ),
        (
            "apk -X http://x/edge add -q jq=1.7-r0",
            "add",
            {"repository": "http://x/edge", "quiet": None},
            ("jq=1.7-r0",),
        ),
        ("apk del --no-network .build-deps", "del", {"no-network": None}, (".build-deps",)),
        (
            "apt-get -qq -o Dpkg::Options::=--force-confold install -y gcc",
            "install",
            {"quiet": None, "option": "Dpkg::Options::=--force-confold", "yes": None},
            ("gcc",),
        ),
        (
            "pip3 --disable-pip-version-check install -U -r req.txt numpy",
            "install",
            {"disable-pip-version-check": None, "upgrade": None, "requirement": "req.txt"},
            ("numpy",),
        ),
        ("npm ci --omit=dev -g", "ci", {"omit": "dev", "global": None}, ()),
        (
            "wget -qO- -nv https://x/a.tgz",
            None,
            {"quiet": None, "output-document": "-", "no-verbose": None},
            ("https://x/a.tgz",),
        ),
        (
            "curl -fsSLo /tmp/a https://x/a",
            None,
            {
                "fail": None,
                "silent": None,
                "show-error": None,
                "location": None,
                "output": "/tmp/a",
            },
            ("https://x/a",),
        ),
        ("dpkg -i /tmp/x.deb", None, {"install": None}, ("/tmp/x.deb",)),
        ("apk add -- -weird", "add", {}, ("-weird",)),
    ],
)
def test_program_options(
    text: str, sub: str | None, options: dict[str, str | None], packages: tuple[str, ...]
) -> None:
    (parsed,) = list(find_commands(parse_shell(text)))
    assert parsed.subcommand == sub
    assert parsed.option_map == options
    assert parsed.packages == packages


def test_find_commands_filters_programs() -> None:
    s = parse_shell("apk add a && pip install b && python3.12 -m pip install c && curl x")
    assert [p.program for p in find_commands(s, "pip")] == ["pip", "pip"]
    assert [p.program for p in find_commands(s, "apk", "curl")] == ["apk", "curl"]


# --- bashlex failure modes → the fallback ------------------------------------------------


@pytest.mark.parametrize(
    "text,error,expected",
    [
        (
            "[[ -f /x ]] && apk add a",
            "ParsingError",
            [("[[", "-f", "/x", "]]"), ("apk", "add", "a")],
        ),
        (
            "echo $((1+2)) && apk add b",
            "arithmetic expansion",
            [("echo", "$((1+2))"), ("apk", "add", "b")],
        ),
        (
            "echo $[1+2]; apk add c",
            "arithmetic substitution",
            [("echo", "$[1+2]"), ("apk", "add", "c")],
        ),
        ("for ((i=0;i<3;i++)); do apk add d; done", "ParsingError", [("apk", "add", "d")]),
        (
            'case "$x" in a|b) apk add e;; *) echo no;; esac',
            "pattern",
            [("apk", "add", "e"), ("echo", "no")],
        ),
        ("arr=(a b c); apk add ${arr[@]}", "ParsingError", [(), ("apk", "add", "${arr[@]}")]),
        ("time apk add f", "time command", [("time", "apk", "add", "f"), ("apk", "add", "f")]),
        ("select x in a b; do apk add g; done", "select", [("apk", "add", "g")]),
        ("coproc apk add h", "coproc", [("coproc", "apk", "add", "h")]),
        (
            "apk add i && echo 'unterminated",
            "MatchedPairError",
            [("apk", "add", "i"), ("echo", "unterminated")],
        ),
        ("apk add j &&", "unexpected EOF", [("apk", "add", "j")]),
        (
            "if [[ $a == b* ]]; then apk add k; fi",
            "ParsingError",
            [("[[", "$a", "==", "b*", "]]"), ("apk", "add", "k")],
        ),
    ],
)
def test_bashlex_failures_degrade_to_the_fallback(
    text: str, error: str, expected: list[tuple[str, ...]]
) -> None:
    s = parse_shell(text)
    assert s.parse_quality is ParseQuality.DEGRADED and s.degraded
    assert error in s.notes[0] and "fallback tokenizer" in s.notes[0]
    assert [c.values for c in s.commands] == expected


def test_fallback_keeps_positions_and_context() -> None:
    s = parse_shell(
        'set -e\n[[ -n "$X" ]] && apk add --no-cache \\\n   curl | tee log\n'
        "case $a in\n  x) (cd /y && make) ;;\nesac"
    )
    assert s.degraded
    add = apk(s)
    assert add.command.errexit and add.command.pipe_output
    assert add.operands[0].start == pos(3, 4)
    make = named(s, "make")
    assert make.in_subshell and make.operator_before == "&&" and make.position == pos(5, 16)
    assert named(s, "tee").pipe_input


def test_arithmetic_command_and_empty_text() -> None:
    s = parse_shell("(( n > 1 )) && apk add a")
    assert [c.values for c in s.commands] == [("apk", "add", "a")]
    assert "arithmetic" in s.notes[0]
    assert parse_shell("").commands == () and parse_shell("  # only a comment\n").notes == ()


SHELL_BITS = [
    *"ab $(){}[]'\"\\`;&|<>\n\t#=-*~!0",
    "[[",
    "]]",
    "$((",
    "case ",
    " in ",
    " esac",
    "if ",
    " then ",
    " fi",
    "<<EOF\n",
    "\nEOF\n",
    "for ",
    " do ",
    " done",
    "sh -c '",
    "xargs ",
    "apk add ",
    "$'",
    "<<'E'\n",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SHELL_BITS), max_size=40).map("".join))
def test_odd_shell_text_never_raises(text: str) -> None:
    script = parse_shell(text)
    lines = text.split("\n")
    for cmd in script.commands:
        for word in cmd.words:
            assert 1 <= word.start.line <= len(lines)
            assert word.start.column >= 1


@pytest.mark.parametrize(
    "text",
    [
        "a; if b; then c; elif d; then e; else f; fi; g",
        # [[ … ]] makes bashlex fail: the fallback tokenizer tells branches apart too
        "a; if [[ b ]]; then c; elif d; then e; else f; fi; g",
    ],
)
def test_commands_in_a_branch_may_not_run(text: str) -> None:
    s = parse_shell(text)
    by = {c.values[-1] if c.values[0] != "[[" else "b": c for c in s.commands}
    assert [k for k in "abcdefg" if by[k].in_branch] == ["c", "e", "f"]
    assert by["b"].in_condition and by["d"].in_condition


@pytest.mark.parametrize(
    "text",
    [
        "for x in 1 2; do h; done; i; while j; do k; done; l",
        "for x in 1 2; do h; done; i; while [[ j ]]; do k; done; l",
        "case $x in a) h;; esac; i; j; k && false; l",
    ],
)
def test_loop_bodies_and_case_arms_are_branches(text: str) -> None:
    s = parse_shell(text)
    branch = {c.values[-1] for c in s.commands if c.in_branch}
    assert "h" in branch and "i" not in branch and "l" not in branch
    assert ("k" in branch) == ("while" in text)
