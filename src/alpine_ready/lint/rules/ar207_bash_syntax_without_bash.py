r"""AR207 bash-syntax-without-bash: bash-only shell in a RUN that busybox ash runs.

On Alpine ``/bin/sh`` is busybox ash, whatever else is installed: ``apk add bash`` does
not change what a shell-form RUN (or CMD/ENTRYPOINT) runs -- only ``SHELL
["/bin/bash", "-c"]`` does.  This rule checks the shell-form RUN, CMD and ENTRYPOINT
instructions of Alpine stages that run under ``/bin/sh`` (commands a ``bash -c`` string
or a heredoc fed to bash runs are left out, as are RUNs under a bash ``SHELL`` or a
``#!/bin/bash`` heredoc) for the constructs below, and reports ``bash`` itself being
run (``SHELL``, ``bash -c``, ``#!/bin/bash``) on a stage whose base image is known to
have no bash and where no earlier ``apk add bash`` installed it.

Every construct was run in the real busybox ash of Alpine 3.23.6 (BusyBox v1.37.0,
``chroot ROOTFS /bin/sh -c …``) and compared with bash 5.2; the ``chroot`` tests
``test_busybox_evidence_*`` in ``tests/test_lint_rules_musl.py`` repeat it:

Flagged -- syntax error (the whole RUN fails): arrays ``a=(1 2)`` / ``a+=(x)`` / ``local
-a x=(…)`` ("unexpected \"(\""); ``${a[0]}``, ``${#a[@]}``, ``${PIPESTATUS[0]}``,
``${!name}``, ``${!prefix*}``, ``${v,,}``, ``${v^^}``, ``${v,}``, ``${v^}``, ``${v@Q}``
("bad substitution"); here-strings ``<<<`` and ``&>>`` ("unexpected redirection");
``|&``, ``;&``, ``;;&``; ``for ((…))`` ("bad for loop variable"); ``select``; ``( … )``
inside ``[[ ]]``.
Flagged -- the command fails: ``declare``, ``typeset``, ``shopt``, ``mapfile``,
``readarray``, ``pushd``, ``popd``, ``dirs``, ``disown``, ``builtin``, ``caller``,
``compgen``, ``complete``, ``compopt``, ``enable``, ``coproc``, ``bind``, ``suspend``,
``logout`` (not found); ``x+=y`` and ``a[0]=x`` (run as a command: not found); ``((…))``
(read as nested subshells: the inside runs as a command); ``local`` with any option
(``-a``, ``-r``: "bad variable name"); ``readonly -a``, ``read -a``, ``export -f``,
``exec -a`` (illegal option / not found); ``set -o`` functrace, posix, history,
braceexpand, hashall, physical, histexpand, onecmd, keyword, privileged,
interactive-comments and ``set -T/-h/-B/-H/-P/-k/-t`` (illegal option); ``trap … DEBUG``
/ ``RETURN`` (invalid signal); ``-v`` (and unary ``-a``) in ``[``, ``test``, ``[[``
(unknown operand).
Flagged -- runs, but differently: brace expansion ``{a,b}`` / ``{1..3}`` (left as is:
``mkdir -p /app/{logs,data}`` makes one directory named ``{logs,data}``); ``printf -v``
(prints ``-v``); ``$"…"`` (prints the ``$``); ``$[1+2]`` (not arithmetic); bash's
variables ``$BASH_VERSION``, ``$BASH_SOURCE``, ``$BASHPID``, ``$BASH``, ``$OSTYPE``,
``$HOSTTYPE``, ``$MACHTYPE``, ``$EUID``, ``$UID``, ``$SECONDS``, ``$EPOCHSECONDS``,
``$EPOCHREALTIME``, ``$GROUPS`` (empty; unless an ARG/ENV sets them); in ``[[ ]]``, which
ash runs as ``test``: an unquoted expansion is word-split and globbed (``[[ -n $u ]]`` is
true for an empty ``u``; a value with a space is an error), ``<`` and ``>`` are
redirections, a quoted pattern (``== "*.txt"``) still matches as a glob.

Not flagged -- busybox ash 1.37 runs them as bash does: ``[[ -f x ]]``, ``[[ "$a" ==
b* ]]``, ``[[ $x =~ ^a ]]`` (simple regex), ``&&``/``||``/``!`` inside ``[[ ]]``,
``==`` in ``[``, ``source``, ``function f {``, ``function f()``, ``$'…'``, ``&>``,
``set -o pipefail``, ``set -E``/``-o errtrace``, ``trap … ERR``, ``trap … EXIT``,
``${v:1:2}``, ``${v/a/b}``, ``${v//a/b}``, ``$((16#ff))``, ``$((x**2))``, ``let``,
``$RANDOM``, ``$FUNCNAME``, ``$LINENO``, ``local x=1`` in a function, ``echo -e``,
``read -d``/``-p``/``-t``, ``wait -n``, ``ulimit``, ``>&``, ``exec 3<>``, and process
substitution ``<(…)``/``>(…)`` (needs ``/dev/fd``, which containers have).

No fix: rewriting for sh, or installing bash and adding a ``SHELL`` line, is the
author's choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ...dockerfile import (
    Instruction,
    Position,
    ShellScript,
    SimpleCommand,
    SourceMap,
    Stage,
    Word,
)
from ...dockerfile.shell import heredoc_shell_text
from ...dockerfile.words import is_expansion_start, skip_expansion
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import ApkOps, base_contents, word_point

META = RuleMeta(
    code="AR207",
    name="bash-syntax-without-bash",
    severity=Severity.WARNING,
    category="musl",
    doc=RuleDoc(
        summary="bash-only shell syntax in a RUN that Alpine's /bin/sh (busybox ash) runs",
        what="On an Alpine stage, a shell-form RUN/CMD/ENTRYPOINT under /bin/sh using "
             "bash-only syntax that busybox ash rejects or runs differently (arrays, "
             "`${v,,}`, `<<<`, `|&`, `declare`, `shopt`, brace expansion `{a,b}`, "
             "unquoted expansions in `[[ ]]`, …), or bash being run (`SHELL`, `bash -c`, "
             "`#!/bin/bash`) where it is not installed. Each construct was checked "
             "against the real busybox ash of Alpine 3.23 (see the rule's module).",
        why="Alpine's /bin/sh is busybox ash, not bash, even after `apk add bash`. bash "
            "syntax fails the build (`syntax error: bad substitution`, `declare: not "
            "found`) or, worse, runs differently without a word: `mkdir -p "
            "/app/{logs,data}` creates one directory called `{logs,data}`.",
        example="FROM alpine:3.20\nRUN mkdir -p /app/{logs,data} && "
                "name=MyApp && echo ${name,,}",
        instead="FROM alpine:3.20\nRUN mkdir -p /app/logs /app/data && name=MyApp && "
                "echo \"$name\" | tr '[:upper:]' '[:lower:]'\n# or: RUN apk add --no-cache "
                "bash, then SHELL [\"/bin/bash\", \"-c\"]",
    ),
)


@dataclass(frozen=True)
class Construct:
    """One bash-only construct: what it is and what busybox ash does with it."""

    label: str
    effect: str  # what busybox ash 1.37 does, as observed


_SYNTAX = "syntax error in busybox ash"
CONSTRUCTS: dict[str, Construct] = {
    "array": Construct("array assignment", _SYNTAX),
    "array-expansion": Construct("array expansion", _SYNTAX + " (bad substitution)"),
    "indirect": Construct("indirect expansion", _SYNTAX + " (bad substitution)"),
    "case-modification": Construct("case modification", _SYNTAX + " (bad substitution)"),
    "transformation": Construct("transformation", _SYNTAX + " (bad substitution)"),
    "here-string": Construct("here-string <<<", _SYNTAX + " (unexpected redirection)"),
    "append-both": Construct("&>> redirection", _SYNTAX + " (unexpected redirection)"),
    "pipe-stderr": Construct("|& pipe", _SYNTAX),
    "case-fallthrough": Construct("case fall-through ;& / ;;&", _SYNTAX),
    "arith-for": Construct("for ((…)) loop", _SYNTAX + " (bad for loop variable)"),
    "select": Construct("select loop", _SYNTAX),
    "dbracket-group": Construct("( … ) grouping inside [[ ]]", _SYNTAX),
    "bash-builtin": Construct("bash builtin", "not found in busybox ash"),
    "append-assignment": Construct("+= assignment", "run as a command in busybox ash: "
                                   "not found"),
    "array-element": Construct("array element assignment", "run as a command in busybox "
                               "ash: not found"),
    "arith-command": Construct("arithmetic command ((…))", "read as nested subshells by "
                               "busybox ash: the inside runs as a command"),
    "builtin-option": Construct("bash-only option", "rejected by busybox ash"),
    "test-v": Construct("bash-only test operator", "unknown operand in busybox ash"),
    "dbracket-redirect": Construct("< or > inside [[ ]]", "a redirection in busybox ash, "
                                   "not a comparison"),
    "brace-expansion": Construct("brace expansion", "not expanded by busybox ash: the word "
                                 "stays as written"),
    "printf-v": Construct("printf -v", "not supported by busybox ash: it prints \"-v\""),
    "locale-string": Construct("$\"…\" string", "busybox ash keeps the $"),
    "old-arith": Construct("$[…] arithmetic", "not arithmetic in busybox ash"),
    "bash-variable": Construct("bash variable", "empty in busybox ash"),
    "dbracket-split": Construct("unquoted expansion in [[ ]]", "word-split and globbed by "
                                "busybox ash (it runs [[ as test): an empty value or one "
                                "with spaces breaks the test"),
    "dbracket-quoted-pattern": Construct("quoted pattern in [[ ]]", "still matched as a "
                                         "glob by busybox ash"),
}

BASH_BUILTINS = frozenset({"declare", "typeset", "shopt", "mapfile", "readarray", "pushd",
                           "popd", "dirs", "disown", "builtin", "caller", "compgen",
                           "complete", "compopt", "enable", "coproc", "bind", "suspend",
                           "logout"})
BASH_VARIABLES = frozenset({"BASH_VERSION", "BASH_VERSINFO", "BASH_SOURCE", "BASHPID",
                            "BASH", "OSTYPE", "HOSTTYPE", "MACHTYPE", "EUID", "UID",
                            "SECONDS", "EPOCHSECONDS", "EPOCHREALTIME", "GROUPS",
                            "PIPESTATUS", "BASH_REMATCH"})
BASH_SET_OPTIONS = frozenset({"functrace", "posix", "history", "braceexpand", "hashall",
                              "physical", "histexpand", "onecmd", "keyword", "privileged",
                              "interactive-comments"})
BASH_SET_FLAGS = frozenset("ThBHPkt")
_ARRAY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=\(")
_APPEND = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+=")
_ELEMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\[[^\]]*\]\+?=")
_SEQUENCE = re.compile(r"^(-?\d+\.\.-?\d+|[A-Za-z]\.\.[A-Za-z])(\.\.-?\d+)?$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHELLS_SH = frozenset({"sh", "ash", "busybox"})


# -- words -----------------------------------------------------------------------------------


def _expansions(raw: str) -> Iterator[tuple[int, str]]:
    """(offset, construct) for expansions in a word's raw text that ash cannot do.

    Single-quoted text and ``$'…'`` are skipped; ``$( … )`` is skipped (its commands are
    examined on their own).
    """
    i, n = 0, len(raw)
    in_double = False
    while i < n:
        ch = raw[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "'" and not in_double:
            end = raw.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == '"':
            in_double = not in_double
            i += 1
            continue
        if ch == "$" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt == "'" and not in_double:
                end = raw.find("'", i + 2)
                i = n if end < 0 else end + 1
                continue
            if nxt == '"' and not in_double:
                yield i, "locale-string"
                i += 1
                continue
            if nxt == "[":
                yield i, "old-arith"
                i += 2
                continue
            if nxt == "{":
                end = skip_expansion(raw, i)
                kind = _braced(raw[i + 2:end - 1])
                if kind is not None:
                    yield i, kind
                i = end
                continue
            if nxt == "(" or nxt == "`":
                i = skip_expansion(raw, i)
                continue
            m = _NAME.match(raw, i + 1)
            if m and m[0] in BASH_VARIABLES:
                yield i, "bash-variable"
            i = m.end() if m else i + 1
            continue
        if ch == "`":
            i = skip_expansion(raw, i)
            continue
        i += 1


def _braced(inner: str) -> str | None:
    """The construct of ``${inner}`` ash rejects, or None."""
    if re.match(r"^![A-Za-z_@*]", inner):
        return "indirect"
    if re.match(r"^#?[A-Za-z_][A-Za-z0-9_]*\[", inner):
        return "array-expansion"
    if re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\^\^|,,|\^|,)", inner):
        return "case-modification"
    if re.match(r"^[A-Za-z_][A-Za-z0-9_]*@[QEPAKaUuLk]$", inner):
        return "transformation"
    m = re.match(r"^#?([A-Za-z_][A-Za-z0-9_]*)", inner)
    if m and m[1] in BASH_VARIABLES:
        return "bash-variable"
    return None


def _brace_expansion(raw: str) -> int | None:
    """Offset of an unquoted ``{a,b}``/``{1..3}`` brace expansion in ``raw``, or None."""
    i, n = 0, len(raw)
    opens: list[int] = []
    while i < n:
        ch = raw[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "'\"":
            end = raw.find(ch, i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch in "$`" and is_expansion_start(raw, i):
            i = skip_expansion(raw, i)
            continue
        if ch == "{":
            opens.append(i)
        elif ch == "}" and opens:
            start = opens.pop()
            body = raw[start + 1:i]
            if _top_level_comma(body) or _SEQUENCE.match(body):
                return start
        i += 1
    return None


def _top_level_comma(body: str) -> bool:
    depth = 0
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "'\"":
            end = body.find(ch, i + 1)
            i = len(body) if end < 0 else end + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
        i += 1
    return False


def _unquoted_expansion(raw: str) -> bool:
    """True when ``raw`` has a ``$…`` expansion outside double quotes.

    ``$?``, ``$#``, ``$$``, ``$!`` and ``$((…))`` do not count: they never split.
    """
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "'":
            end = raw.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == '"':
            i += 1
            while i < n and raw[i] != '"':
                i += 2 if raw[i] == "\\" else 1
            i += 1
            continue
        if ch == "$" and i + 1 < n and not raw.startswith("$((", i) \
                and raw[i + 1] not in "?#$!-" and is_expansion_start(raw, i):
            return True
        if ch == "`":
            return True
        i += 1
    return False


# -- commands --------------------------------------------------------------------------------


def _command(cmd: SimpleCommand, known: frozenset[str]) -> Iterator[tuple[Position, str, str]]:
    """(position, construct, detail) for one command's bash-only parts."""
    for w in cmd.words:
        if _ARRAY.match(w.raw):
            yield w.start, "array", w.raw.split("=", 1)[0] + "=(…)"
    for w in cmd.assignments:
        if _ARRAY.match(w.raw):
            continue
        if _ELEMENT.match(w.raw):
            yield w.start, "array-element", w.raw.split("=", 1)[0] + "=…"
        elif _APPEND.match(w.raw):
            yield w.start, "append-assignment", w.raw.split("=", 1)[0] + "=…"
    for w in cmd.words:
        for offset, kind in _expansions(w.raw):
            if kind == "bash-variable":
                m = _NAME.match(w.raw, offset + (2 if w.raw[offset + 1] == "{" else 1))
                if m is None or m[0] in known:
                    continue
                yield word_point(w, offset), kind, "$" + m[0]
            else:
                yield word_point(w, offset), kind, _excerpt(w.raw, offset)
    for w in cmd.argv[1:]:
        brace = _brace_expansion(w.raw)
        if brace is not None:
            yield word_point(w, brace), "brace-expansion", w.raw
    for r in cmd.redirects:
        if r.operator == "<<<":
            yield r.position, "here-string", ""
        elif r.operator == "&>>":
            yield r.position, "append-both", ""
    if cmd.argv and cmd.argv[0].static:
        yield from _program(cmd)


def _excerpt(raw: str, offset: int) -> str:
    if raw.startswith("${", offset):
        end = skip_expansion(raw, offset)
        return raw[offset:end]
    return raw[offset:offset + 12]


def _program(cmd: SimpleCommand) -> Iterator[tuple[Position, str, str]]:
    name = cmd.program or ""
    args = cmd.argv[1:]
    values = [a.value for a in args]
    at = cmd.argv[0].start
    if name in BASH_BUILTINS:
        yield at, "bash-builtin", name
    elif name == "local":
        for a in args:
            if a.static and a.value.startswith("-") and len(a.value) > 1:
                yield a.start, "builtin-option", f"local {a.value}"
                break
    elif name in ("readonly", "read", "export", "exec"):
        bad = {"readonly": "aA", "read": "aA", "export": "f", "exec": "a"}[name]
        for a in args:
            if not a.value.startswith("-") or a.value == "-":
                break
            if any(c in bad for c in a.value[1:]):
                yield a.start, "builtin-option", f"{name} {a.value}"
                break
    elif name == "printf" and values[:1] == ["-v"]:
        yield at, "printf-v", ""
    elif name == "set":
        yield from _set(args)
    elif name == "trap" and len(values) >= 2:
        for a in args[1:]:
            if a.value.upper() in ("DEBUG", "RETURN"):
                yield a.start, "builtin-option", f"trap … {a.value}"
    elif name in ("[", "test"):
        for prev, a in zip([None, *args], args, strict=False):
            if a.value in ("-v", "-a") and (prev is None or prev.value in ("!", "(")):
                if a.value == "-a" and len(args) < 2:
                    continue
                yield a.start, "test-v", f"{name} {a.value}"
    elif name == "[[":
        yield from _double_bracket(args)
    if cmd.operator_after in ("|&", ";&", ";;&"):
        kind = "pipe-stderr" if cmd.operator_after == "|&" else "case-fallthrough"
        yield cmd.end, kind, cmd.operator_after


def _set(args: tuple[Word, ...]) -> Iterator[tuple[Position, str, str]]:
    for i, a in enumerate(args):
        v = a.value
        if v in ("-o", "+o") and i + 1 < len(args) and args[i + 1].value in BASH_SET_OPTIONS:
            yield a.start, "builtin-option", f"set {v} {args[i + 1].value}"
        elif re.fullmatch(r"[-+][A-Za-z]+", v) and any(c in BASH_SET_FLAGS for c in v[1:]):
            yield a.start, "builtin-option", f"set {v}"


def _double_bracket(args: tuple[Word, ...]) -> Iterator[tuple[Position, str, str]]:
    inside = [a for a in args if a.raw != "]]"]
    prev: Word | None = None
    for i, a in enumerate(inside):
        raw = a.raw
        if raw in ("(", ")"):
            yield a.start, "dbracket-group", "[[ ( … ) ]]"
            return
        if raw in ("<", ">"):
            yield a.start, "dbracket-redirect", f"[[ … {raw} … ]]"
        elif raw == "-v" and (prev is None or prev.raw in ("!", "&&", "||")):
            yield a.start, "test-v", "[[ -v … ]]"
        elif _unquoted_expansion(raw):
            yield a.start, "dbracket-split", raw
        elif prev is not None and prev.raw in ("==", "=", "!=") and raw != a.value \
                and any(c in a.value for c in "*?[") and i > 0:
            yield a.start, "dbracket-quoted-pattern", raw
        prev = a


# -- structures the command list does not show ((( … )), for ((, select) ----------------------

_STARTERS = frozenset({"then", "do", "else", "elif", "if", "while", "until", "!", "{", "time"})
_OPERATOR_CHARS = ";&|"


def structures(text: str) -> list[tuple[int, str]]:
    """(offset, construct) of ``((…))``, ``for ((…))`` and ``select`` at command position.

    A small quote-aware scan of the script text (bashlex drops these with only a note):
    quotes, ``$(…)``, comments and heredoc bodies are skipped.
    """
    out: list[tuple[int, str]] = []
    i, n = 0, len(text)
    start = True
    pending: list[tuple[str, bool]] = []
    while i < n:
        ch = text[i]
        if ch == "\n":
            i += 1
            start = True
            if pending:
                i = _skip_bodies(text, i, pending)
                pending = []
            continue
        if ch in " \t\r":
            i += 1
            continue
        if ch == "\\":
            i += 2
            continue
        if ch == "#" and (i == 0 or text[i - 1] in " \t\n;&|()"):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in _OPERATOR_CHARS:
            i += 1
            start = True
            continue
        if ch == "(":
            if start and text.startswith("((", i):
                out.append((i, "arith-command"))
                i = _skip_parens(text, i)
                start = False
                continue
            i += 1
            start = True
            continue
        if ch == ")":
            i += 1
            start = False
            continue
        if ch in "<>":
            m = re.match(r"<<(-?)\s*(['\"]?)([^\s'\"<>;&|()]+)\2", text[i:])
            if m and not text.startswith("<<<", i):
                pending.append((m[3], m[1] == "-"))
                i += m.end()
            else:
                i += 1
            continue
        j = _word_end(text, i)
        word = text[i:j]
        if start:
            if word == "for" and re.match(r"[ \t]*\(\(", text[j:]):
                out.append((i, "arith-for"))
            elif word == "select":
                out.append((i, "select"))
            start = word in _STARTERS or bool(re.match(r"^[A-Za-z_][A-Za-z0-9_]*\+?=", word))
        i = max(j, i + 1)
    return out


def _word_end(text: str, i: int) -> int:
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n;&|()<>":
            return i
        if ch == "\\":
            i += 2
        elif ch == "'":
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
        elif ch == '"':
            i += 1
            while i < n and text[i] != '"':
                if text[i] == "\\":
                    i += 2
                elif text[i] in "$`" and is_expansion_start(text, i):
                    i = skip_expansion(text, i)
                else:
                    i += 1
            i += 1
        elif ch in "$`" and is_expansion_start(text, i):
            i = skip_expansion(text, i)
        else:
            i += 1
    return n


def _skip_parens(text: str, i: int) -> int:
    depth = 0
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _skip_bodies(text: str, i: int, pending: list[tuple[str, bool]]) -> int:
    for delim, strip in pending:
        while i < len(text):
            end = text.find("\n", i)
            line = text[i:] if end < 0 else text[i:end]
            i = len(text) if end < 0 else end + 1
            if (line.lstrip("\t") if strip else line) == delim:
                break
    return i


def script_map(ins: Instruction, script: ShellScript) -> SourceMap | None:
    """The map of ``script.text`` to the file, rebuilt the way ``parse_run`` built it."""
    if ins.json_form:
        return None
    args = ins.arguments_text
    smap = ins.source_map.shift(ins.arguments_offset)
    if script.text == args:
        return smap
    for doc in ins.heredocs:
        if script.text == doc.content:
            return doc.source_map
    text, joined = heredoc_shell_text(ins)
    return joined if text == script.text else None


# -- where bash runs -------------------------------------------------------------------------


def _operator_at(ctx: LintContext, after: Position, operator: str) -> Position:
    """Where ``operator`` is written, at or after ``after`` on the same line."""
    line = ctx.dockerfile.line(after.line)
    i = line.find(operator, after.column - 1)
    return Position(after.line, i + 1) if i >= 0 else after


def _is_bash(program: str | None) -> bool:
    return program is not None and re.fullmatch(r"bash(\d+(\.\d+)*)?", program) is not None


def _bash_regions(ins: Instruction, script: ShellScript
                  ) -> list[tuple[SimpleCommand, Position, Position]]:
    """(bash command, start, end) of the text each ``bash -c``/``bash <<EOF`` runs."""
    out: list[tuple[SimpleCommand, Position, Position]] = []
    for cmd in script.commands:
        if not _is_bash(cmd.program):
            continue
        args = cmd.argv[1:]
        k = 0
        command_string = False
        while k < len(args):
            v = args[k].value
            if not v.startswith(("-", "+")) or v in ("-", "--"):
                if command_string and v not in ("-", "--"):
                    out.append((cmd, args[k].start, args[k].end))
                break
            short = not v.startswith("--")
            if short and "c" in v[1:]:
                command_string = True
            k += 2 if short and v[-1] in "oO" else 1  # -o/-euo take an option name
        for r in cmd.redirects:
            if r.operator in ("<<", "<<-") and r.target is not None:
                for doc in ins.heredocs:
                    if doc.name == r.target.value:
                        out.append((cmd, Position(doc.body_line, 1),
                                    Position(doc.terminator_line, 1)))
    return out


def _runs_sh(ctx: LintContext, ins: Instruction) -> bool:
    """True when a shell-form instruction runs under busybox ash."""
    shell = ctx.dockerfile.scopes.shell(ins)
    name = shell[0].replace("\\", "/").rsplit("/", 1)[-1] if shell else "sh"
    return name in _SHELLS_SH


def _bash_installed(ctx: LintContext, stage: Stage, ops: ApkOps, at: Position) -> bool | None:
    """True/False when known; None when the base image's contents are not known."""
    base = base_contents(ctx, stage)
    if base is None:
        return None
    return "bash" in base or ops.has("bash", at)


def _declared(ctx: LintContext) -> Iterator[str]:
    """Names some ARG or ENV sets (a bash variable set that way is not empty)."""
    for ins in ctx.dockerfile.instructions:
        if ins.keyword == "ARG":
            yield from (a.split("=", 1)[0] for a in ins.arguments)
        elif ins.keyword == "ENV":
            yield from ins.arguments[::2]


# -- the rule --------------------------------------------------------------------------------


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per bash-only construct, and per bash run where bash is missing."""
        known = frozenset(_declared(ctx))
        for stage in ctx.stages:
            if not ctx.is_alpine(stage):
                continue
            ops = ApkOps.of(ctx, stage)
            for ins in stage.instructions:
                keyword = ins.sub_keyword if ins.keyword == "ONBUILD" else ins.keyword
                if ins.keyword == "SHELL":
                    yield from self._shell(ctx, stage, ops, ins)
                if keyword not in ("RUN", "CMD", "ENTRYPOINT"):
                    continue
                yield from self._instruction(ctx, stage, ops, ins, known)

    def _shell(self, ctx: LintContext, stage: Stage, ops: ApkOps, ins: Instruction
               ) -> Iterator[Finding]:
        program = ins.arguments[0].rsplit("/", 1)[-1] if ins.arguments else None
        if _is_bash(program) and _bash_installed(ctx, stage, ops, ins.position) is False:
            yield ctx.finding(META, ins.position,
                              f"SHELL runs {ins.arguments[0]}, but bash is not installed "
                              f"on this Alpine stage: every later RUN fails with "
                              f"\"not found\"; add RUN apk add --no-cache bash before it")

    def _instruction(self, ctx: LintContext, stage: Stage, ops: ApkOps, ins: Instruction,
                     known: frozenset[str]) -> Iterator[Finding]:
        script = ctx.script(ins)
        onbuild = ins.keyword == "ONBUILD"
        # asked first: ``ops`` answers questions in build order without replaying
        bash_before = ops.has("bash", ins.position)
        bash_at: list[Position] = sorted(c.position for c in script.commands
                                         if _is_bash(c.program))
        if script.shebang is not None and "bash" in script.shebang:
            bash_at.append(Position(ins.heredocs[0].body_line, 1) if ins.heredocs
                           else ins.position)
        if not onbuild:
            for at in bash_at:
                if _bash_installed(ctx, stage, ops, at) is False:
                    yield ctx.finding(META, at, "bash is run, but it is not installed on "
                                                "this Alpine stage (\"not found\"): add "
                                                "apk add --no-cache bash before it, or "
                                                "write it for sh")
        if ins.json_form and not any(c.via for c in script.commands):
            return
        if not ins.json_form and not _runs_sh(ctx, ins):
            return
        if script.shebang is not None and "bash" in script.shebang:
            return
        regions = _bash_regions(ins, script)
        installed = bash_before or \
            "bash" in (base_contents(ctx, stage) or frozenset())
        tail = (": bash is installed, but RUN uses /bin/sh: add SHELL [\"/bin/bash\", "
                "\"-c\"] (or run it with bash -c)" if installed else
                ": write it for sh, or apk add --no-cache bash and SHELL [\"/bin/bash\", "
                "\"-c\"]")
        seen: set[tuple[Position, str]] = set()
        for cmd in script.commands:
            if ins.json_form and cmd.via is None:
                continue
            if any(start <= cmd.position <= end and cmd is not launcher
                   for launcher, start, end in regions):
                continue
            for at, kind, detail in _command(cmd, known):
                if kind in ("pipe-stderr", "case-fallthrough"):
                    at, detail = _operator_at(ctx, at, detail), ""
                if (at, kind) in seen:
                    continue
                seen.add((at, kind))
                yield ctx.finding(META, at, self._message(kind, detail) + tail)
        smap = script_map(ins, script)
        for offset, kind in structures(script.text) if not ins.json_form else ():
            at = smap.position(offset) if smap is not None else ins.position
            if any(start <= at <= end for _, start, end in regions) or (at, kind) in seen:
                continue
            seen.add((at, kind))
            yield ctx.finding(META, at, self._message(kind, "") + tail)

    @staticmethod
    def _message(kind: str, detail: str) -> str:
        c = CONSTRUCTS[kind]
        what = f"{c.label} `{detail}`" if detail else c.label
        return f"{what}: {c.effect} (Alpine's /bin/sh)"


RULE = Rule()
