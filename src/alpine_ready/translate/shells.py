"""Which shell a stage needs: bash-only syntax, bash invocations, ``SHELL``.

Alpine's ``/bin/sh`` is busybox ash.  It has ``set -o pipefail``, ``$'…'``, ``${v//a/b}``
and ``source``, but not arrays, process substitution, brace expansion, ``declare``,
``mapfile`` or ``pushd`` (the builtins and keywords it lacks are
``knowledge/data/busybox-ash.json``'s, generated from the real busybox, which lint AR207
reads too) -- and its ``[[`` is partial.  :func:`bash_only` names the first construct
ash cannot run (scanning outside single quotes), so a RUN that uses it keeps bash;
everything else runs under ash as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..dockerfile import ShellScript, SimpleCommand
from ..knowledge.shells import ash_facts

#: ``[[`` exists in busybox ash but only in part (no ``=~`` groups, patterns matched as
#: globs): a RUN using it keeps bash.
_PARTIAL_IN_ASH = frozenset({"[["})
#: ``SHELL`` options busybox ash accepts as bash does.
_ASH_OPTIONS = frozenset(
    {
        "-c",
        "-e",
        "-u",
        "-x",
        "-o",
        "pipefail",
        "errexit",
        "nounset",
        "xtrace",
        "-eo",
        "-euo",
        "-eux",
        "-ex",
        "-eu",
        "-ux",
        "-xe",
        "-exo",
        "-euxo",
        "-uo",
        "-xo",
        "+x",
        "-ec",
        "-euc",
        "-exc",
        "-euxc",
    }
)
_BASH_NAMES = frozenset({"bash", "/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash"})


def _unquoted(text: str) -> str:
    """``text`` with single-quoted parts blanked (their content is not syntax)."""
    out: list[str] = []
    quoted = False
    for ch in text:
        if ch == "'":
            quoted = not quoted
            out.append(" ")
        else:
            out.append(" " if quoted else ch)
    return "".join(out)


def bash_only(script: ShellScript) -> str | None:
    """The first bash-only construct of ``script`` (for a note), or None."""
    facts = ash_facts()
    for cmd in script.commands:
        program = cmd.program
        if program is not None and (
            program in facts.missing_builtins
            or program in facts.missing_keywords
            or program in _PARTIAL_IN_ASH
        ):
            return f"`{cmd.program}`"
        for word in cmd.assignments:
            if "=(" in word.raw:
                return "an array assignment"
    text = _unquoted(script.text)
    for needle, what in (
        ("<(", "process substitution <(…)"),
        (">(", "process substitution >(…)"),
        ("[[", "[[ … ]]"),
        ("${!", "indirect expansion ${!…}"),
        ("function ", "the `function` keyword"),
    ):
        if needle in text:
            return what
    if "{" in text and "," in text:
        depth_text = text.split("{")
        for piece in depth_text[1:]:
            inner = piece.split("}", 1)
            if (
                len(inner) == 2
                and "," in inner[0]
                and " " not in inner[0]
                and "$" not in inner[0]
                and '"' not in inner[0]
            ):
                return "brace expansion {a,b}"
    return None


def is_bash(program: str | None) -> bool:
    """True for ``bash`` or a path to it."""
    return program is not None and (program in _BASH_NAMES or program.endswith("/bash"))


def find_runs_bash(cmd: SimpleCommand) -> bool:
    """True for ``find … -exec bash -c '…' {} +`` (find runs bash for the files it finds)."""
    if cmd.program != "find":
        return False
    values = [w.value for w in cmd.args]
    return any(
        is_bash(v) and k > 0 and values[k - 1] in ("-exec", "-execdir", "-ok", "-okdir")
        for k, v in enumerate(values)
    )


def ash_shell(args: Sequence[str]) -> list[str] | None:
    """The ``SHELL`` for ash when a bash ``SHELL`` uses only options ash has, else None."""
    if not args or not is_bash(args[0]):
        return None
    if not all(a in _ASH_OPTIONS for a in args[1:]):
        return None
    return ["/bin/ash", *args[1:]]
