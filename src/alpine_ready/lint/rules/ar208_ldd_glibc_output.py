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
- ``ldd … | grep libc.so.6`` (or ``GLIBC``): musl's libc is ``libc.musl-<arch>.so.1``,
  so the glibc test always says no.  Not flagged when the pipeline also looks for musl.
- ``gnu_get_libc_version``, ``CS_GNU_LIBC_VERSION`` and ``platform.libc_ver()`` (in a
  ``python -c``/``sh -c`` script too): glibc's; not flagged when the RUN mentions musl.
- glibc's multiarch directories (``/usr/lib/x86_64-linux-gnu``, ``/lib/aarch64-linux-gnu``,
  …) and ``/lib64/ld-linux-x86-64.so.2``: they do not exist on Alpine.

The patterns, their messages and sources are ``knowledge/data/glibc-detection.json``
(:func:`~alpine_ready.knowledge.detection.glibc_detection`).  ``dpkg -S libc6`` is
AR206's (dpkg on Alpine).

No fix: the replacement check (``ldd``'s exit status, ``scanelf``) depends on intent.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...dockerfile import Instruction, ParsedCommand, Position, ShellScript, find_commands
from ...knowledge.detection import glibc_detection
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
        "grep 'not found'`, `ldd … | grep libc.so.6`, `ldconfig -p`, `/etc/ld.so.conf`, "
        "glibc's `/usr/lib/x86_64-linux-gnu`-style paths and loader, "
        "`gnu_get_libc_version`, `platform.libc_ver()`. Checks that also look for musl "
        "are left alone.",
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
        low = script.text.lower()
        aware = any(word in low for word in glibc_detection().musl_words)
        for _, cmd in ctx.commands(ins):
            yield from self._command(ctx, script, cmd)
            targets = [r.target for r in cmd.command.redirects if r.target is not None]
            for w in (*cmd.command.words, *targets):
                if "://" in w.value:
                    continue
                if any(ch.isspace() for ch in w.value):
                    # a script given to python -c / sh -c: only the text patterns
                    got = None if aware else self._code(w.value)
                else:
                    got = self._path(w.raw, aware)
                if got is not None:
                    offset, what = got
                    yield ctx.finding(META, word_point(w, offset), what)

    def _command(
        self, ctx: LintContext, script: ShellScript, cmd: ParsedCommand
    ) -> Iterator[Finding]:
        table = glibc_detection()
        values = [w.value for w in cmd.command.args]
        after: list[ParsedCommand] | None = None
        for pattern in table.commands:
            if cmd.program != pattern.program:
                continue
            if pattern.argument is not None and pattern.argument not in values:
                continue
            rx = pattern.argument_regex
            if rx is not None and not any(rx.fullmatch(v) for v in values):
                continue
            if pattern.pipeline_mentions or pattern.musl_aware:
                after = _pipeline_after(script, cmd) if after is None else after
            if pattern.pipeline_mentions and not (
                any(
                    not pattern.pipeline_programs or c.program in pattern.pipeline_programs
                    for c in after or ()
                )
                and any(_mentions(after or [], m) for m in pattern.pipeline_mentions)
            ):
                continue
            if pattern.musl_aware and any(_mentions(after or [], m) for m in table.musl_words):
                continue
            yield ctx.finding(META, cmd.command.position, pattern.message)
            return

    @staticmethod
    def _path(text: str, musl_aware: bool = False) -> tuple[int, str] | None:
        table = glibc_detection()
        for pattern in table.paths:
            if m := pattern.regex.search(text):
                return m.start(1), pattern.message.replace("{path}", m[1])
        if not musl_aware:
            for pattern in table.text:
                if m := pattern.regex.search(text):
                    return m.start(), pattern.message
        return None

    @staticmethod
    def _code(text: str) -> tuple[int, str] | None:
        for pattern in glibc_detection().text:
            if pattern.regex.search(text):
                return 0, pattern.message
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
