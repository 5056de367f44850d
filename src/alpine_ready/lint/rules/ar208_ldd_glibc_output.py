"""AR208 ldd-glibc-output: library checks written for glibc's ldd and loader.

On an Alpine stage, in RUN/CMD/ENTRYPOINT commands and ENV values.  What Alpine 3.23.6
really does (checked in its rootfs: ``/usr/bin/ldd`` is ``exec /lib/ld-musl-x86_64.so.1
--list "$@"``, ``/sbin/ldconfig`` a shell script):

- ``ldd --version`` prints musl's loader usage on stderr and exits 1, so a glibc version
  parsed from it is empty and ``set -e`` stops the build.  Not flagged when the same
  pipeline greps for ``musl`` (the musl-aware way to tell the libcs apart).
- ``getconf GNU_LIBC_VERSION`` (and ``GNU_LIBPTHREAD_VERSION``): "unknown variable", exit 1.
- ``ldd FILE | grep 'not found'``: a missing library is reported on *stderr* as ``Error
  loading shared library libX.so.1: No such file or directory (needed by FILE)`` (exit
  127), never as glibc's ``libX.so.1 => not found`` on stdout: the grep never matches
  and the check always passes.
- ``ldconfig -p``: Alpine's ldconfig takes no ``-p`` ("Illegal option -p" on stderr,
  exit 0, nothing on stdout), so ``ldconfig -p | grep libfoo`` never finds anything.
  (A bare ``ldconfig`` is a harmless no-op there and is not flagged.)
- ``/etc/ld.so.conf``/``ld.so.conf.d``: musl's loader never reads them (its search path
  is ``/etc/ld-musl-x86_64.path``, else ``/lib:/usr/local/lib:/usr/lib``).
- glibc's multiarch directories (``/usr/lib/x86_64-linux-gnu``, ``/lib/aarch64-linux-gnu``,
  …) and ``/lib64/ld-linux-x86-64.so.2``: they do not exist on Alpine.

No fix: the replacement check (``ldd``'s exit status, ``scanelf``) depends on intent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...dockerfile import Instruction, ParsedCommand, Position, ShellScript, find_commands
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import word_point

META = RuleMeta(
    code="AR208",
    name="ldd-glibc-output",
    severity=Severity.WARNING,
    category="musl",
    doc=RuleDoc(
        summary="A library check that assumes glibc's ldd, ldconfig or paths, on Alpine",
        what="On an Alpine stage: `ldd --version`, `getconf GNU_LIBC_VERSION`, `ldd … | "
        "grep 'not found'`, `ldconfig -p`, `/etc/ld.so.conf`, or glibc's "
        "`/usr/lib/x86_64-linux-gnu`-style paths.",
        why="musl's ldd is its loader's `--list` mode: `--version` exits 1 with usage on "
        "stderr, and a missing library is `Error loading shared library …` on stderr "
        "(exit 127), so `grep 'not found'` never matches and the check always passes. "
        "Alpine's ldconfig has no `-p` and musl never reads ld.so.conf.",
        example="FROM alpine:3.20\nRUN ldd /usr/local/bin/app | grep -q 'not found' && "
        "exit 1 || true",
        instead="FROM alpine:3.20\n# ldd exits non-zero when a library is missing\nRUN ldd "
        "/usr/local/bin/app > /dev/null",
    ),
)

_MULTIARCH = re.compile(
    r"(?:^|[=:\s])((?:/usr)?/lib(?:32|64)?/(?:x86_64|i386|i686|aarch64|"
    r"arm|s390x|powerpc64le|riscv64|mips64el)-linux-gnu\w*)"
)
_GLIBC_LOADER = re.compile(r"(?:^|[=:\s])(/lib(?:64)?/ld-linux[\w.-]*\.so\.\d)")


def _pipeline_after(script: ShellScript, cmd: ParsedCommand) -> list[ParsedCommand]:
    """The commands reading ``cmd``'s output through a pipe (same pipeline, in order)."""
    out: list[ParsedCommand] = []
    commands = script.commands
    try:
        i = next(k for k, c in enumerate(commands) if c is cmd.command)
    except StopIteration:
        return out
    current = commands[i]
    for nxt in commands[i + 1 :]:
        if not current.pipe_output or not nxt.pipe_input:
            break
        if nxt.in_substitution != current.in_substitution:
            continue
        out.extend(find_commands([nxt]))
        current = nxt
    return out


def _mentions(cmds: list[ParsedCommand], text: str) -> bool:
    return any(text in w.value.lower() for c in cmds for w in c.command.args)


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per glibc-only check."""
        for stage in ctx.stages:
            if not ctx.is_alpine(stage):
                continue
            for ins in stage.instructions:
                keyword = ins.sub_keyword if ins.keyword == "ONBUILD" else ins.keyword
                if keyword in ("RUN", "CMD", "ENTRYPOINT"):
                    yield from self._script(ctx, ins)
                elif ins.keyword == "ENV":
                    yield from self._env(ctx, ins)

    def _script(self, ctx: LintContext, ins: Instruction) -> Iterator[Finding]:
        script = ctx.script(ins)
        for _, cmd in ctx.commands(ins):
            yield from self._command(ctx, script, cmd)
            targets = [r.target for r in cmd.command.redirects if r.target is not None]
            for w in (*cmd.command.words, *targets):
                if "://" in w.value or any(ch.isspace() for ch in w.value):
                    continue
                got = self._path(w.raw)
                if got is not None:
                    offset, what = got
                    yield ctx.finding(META, word_point(w, offset), what)

    def _command(
        self, ctx: LintContext, script: ShellScript, cmd: ParsedCommand
    ) -> Iterator[Finding]:
        values = [w.value for w in cmd.command.args]
        at = cmd.command.position
        if cmd.program == "ldd":
            after = _pipeline_after(script, cmd)
            if "--version" in values and not _mentions(after, "musl"):
                yield ctx.finding(
                    META,
                    at,
                    "ldd --version on Alpine prints musl's loader "
                    "usage on stderr and exits 1: there is no glibc "
                    'version to read (grep for "musl" in its '
                    "stderr to tell the libcs apart)",
                )
            elif any(
                c.program in ("grep", "egrep", "fgrep", "awk", "sed") for c in after
            ) and _mentions(after, "not found"):
                yield ctx.finding(
                    META,
                    at,
                    "ldd … | grep 'not found' never matches on "
                    "Alpine: musl's ldd reports a missing library "
                    'on stderr as "Error loading shared library '
                    '…: No such file or directory" and exits 127; '
                    "test ldd's exit status instead",
                )
        elif cmd.program == "getconf" and any(v.startswith("GNU_LIB") for v in values):
            yield ctx.finding(
                META,
                at,
                "getconf GNU_LIBC_VERSION fails on Alpine "
                '("unknown variable", exit 1): musl has no glibc '
                "version",
            )
        elif cmd.program == "ldconfig" and any(re.fullmatch(r"-\w*p\w*", v) for v in values):
            yield ctx.finding(
                META,
                at,
                "ldconfig -p prints nothing on Alpine (its ldconfig "
                'has no -p and no cache: "Illegal option -p", exit '
                "0): look for the file (ls /usr/lib/libfoo.so*) or "
                "use ldd's exit status",
            )

    @staticmethod
    def _path(text: str) -> tuple[int, str] | None:
        if (i := text.find("/etc/ld.so.conf")) >= 0:
            return i, (
                "/etc/ld.so.conf on Alpine: musl's loader never reads it; add the "
                "directory to /etc/ld-musl-x86_64.path (or LD_LIBRARY_PATH, or an "
                "rpath)"
            )
        if m := _MULTIARCH.search(text):
            return m.start(1), (
                f"{m[1]} is glibc's multiarch library directory: it does "
                f"not exist on Alpine (libraries are in /lib and /usr/lib)"
            )
        if m := _GLIBC_LOADER.search(text):
            return m.start(1), (
                f"{m[1]} is glibc's loader: it does not exist on Alpine "
                f"(musl's is /lib/ld-musl-x86_64.so.1)"
            )
        return None

    def _env(self, ctx: LintContext, ins: Instruction) -> Iterator[Finding]:
        for value, pos in zip(ins.arguments[1::2], ins.argument_positions[1::2], strict=False):
            got = self._path(value)
            if got is not None and pos is not None:
                line = ctx.dockerfile.line(pos.line)
                raw = line[pos.column - 1 : pos.column - 1 + len(value)]
                at = Position(pos.line, pos.column + got[0]) if raw == value else pos
                yield ctx.finding(META, at, got[1])


RULE = Rule()
