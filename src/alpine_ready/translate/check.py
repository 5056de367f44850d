"""``translate --check``: what can be proved about an Alpine Dockerfile without building it.

Four checks, each on the text alone (nothing of the Dockerfile runs):

* every command a RUN of an Alpine stage calls exists: a busybox ash builtin, a function
  the RUN defines, a command of the ``alpine`` image (``alpine-base-commands.json``, from
  the real rootfs), or a ``cmd:`` provide of a package an earlier ``apk add`` of the
  stage chain installed (with its dependencies, by the release's package index).
  AR630 only when nothing else could have put it there: the chain starts from ``alpine``
  itself and no COPY/ADD or non-apk installer ran before; otherwise AR635 (unverified),
  and with no index AR634 (cannot tell offline).  Unknown is never reported as proven.
* every ``apk add`` name is a package (or provided by one) of the release: AR631 (lint's
  AR108, the same fact, is left out of the lint findings).
* the text lints clean at warning and above (the lint engine, offline): AR632, one per
  finding, naming the lint rule.
* busybox ``sh -n`` (parse only, never run) of the real Alpine rootfs given as
  ``against`` accepts every shell-form RUN: AR633; AR636 when it could not be run.

A stop block translate wrote (AR620: ``RUN echo 'alpine-ready translate: …' >&2 && exit
1``) is a proven "needs a hand edit": AR637, an error, with the block's message.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..dockerfile import Instruction, Stage, parse_text
from ..knowledge.apkindex import PackageIndex
from ..knowledge.basecommands import base_commands
from ..lint.context import LintContext
from ..lint.rules._index import other_repository_from
from ..lint.rules._musl import ApkOps, stage_chain
from ..report.level import Level
from .blocks import MARK

log = logging.getLogger(__name__)

#: Programs that may put a command on PATH other than apk (pip's entry points, npm -g,
#: go install, make install, a download made executable by chmod…): after one, a command not
#: installed by apk is unverified, not missing.
OTHER_INSTALLERS = frozenset(
    {
        *("pip", "pip3", "pipx", "python", "python3", "uv", "poetry"),
        *("npm", "yarn", "pnpm", "corepack", "gem", "bundle", "go", "cargo", "composer"),
        *("make", "cmake", "ninja", "install", "ln", "cp", "mv", "chmod", "tar", "unzip"),
        *("sh", "bash", "docker-php-ext-install", "pecl"),
    }
)
_FUNCTION = re.compile(
    r"(?:^|[\s;&|(){}])(?:function\s+([A-Za-z_][\w.-]*)|([A-Za-z_][\w.-]*)\s*\(\s*\))"
)
_SH_TIMEOUT = 30
_SH_SHEBANG = re.compile(r"^#!\s*(?:/usr/bin/env\s+)?(?:/bin/|/usr/bin/)?(?:sh|ash)(?:\s|$)")
#: The shells busybox ``sh -n`` judges (a RUN under another SHELL is not its text).
_ASH = frozenset({"/bin/sh", "sh", "/bin/ash", "ash", "/bin/busybox"})
_PLAIN_ALPINE = frozenset({"alpine"})
#: Lint rules whose fact the check reports under its own code (AR108: AR631).
_SAME_FACT = frozenset({"AR108"})


@dataclass(frozen=True)
class CheckItem:
    """One finding of the check: a code, its level and where."""

    code: str  # AR630…AR636
    level: Level
    line: int
    message: str

    def to_json(self) -> dict[str, Any]:
        """``{"code", "level", "line", "message"}``."""
        return {
            "code": self.code,
            "level": self.level.value,
            "line": self.line,
            "message": self.message,
        }


@dataclass(frozen=True)
class CheckResult:
    """What ``--check`` proved, could not tell, and did not run."""

    items: tuple[CheckItem, ...]
    index: bool  # a package index of the release was read
    sh_checked: int  # RUNs busybox sh -n parsed (0 when it did not run)

    @property
    def failed(self) -> bool:
        """A proven problem (an error item)."""
        return any(i.level is Level.ERROR for i in self.items)

    def to_json(self) -> dict[str, Any]:
        """The report's ``check`` section."""
        return {
            "passed": not self.failed,
            "index": self.index,
            "sh_checked": self.sh_checked,
            "items": [i.to_json() for i in self.items],
        }


ShCheck = Callable[[str], str | None]  # a RUN's text -> why busybox sh rejects it, or None


def sh_checker(rootfs: Path) -> tuple[ShCheck | None, str]:
    """How to run the rootfs's busybox ``sh -n`` confined to it, or why it cannot be.

    The project's sandbox (:mod:`alpine_ready.sandbox`: bubblewrap, no network, the rootfs
    read-only) when it can start here; else ``chroot`` as root.
    """
    sh = rootfs / "bin" / "sh"
    if not sh.exists() and not sh.is_symlink():
        return None, f"{rootfs}: no /bin/sh"
    from .. import sandbox

    try:
        sandbox.available()
    except sandbox.SandboxError as exc:
        if os.geteuid() == 0 and shutil.which("chroot"):
            return (lambda text: _chroot_sh(rootfs, text)), ""
        return None, f"{rootfs}: {exc}"
    return (lambda text: _sandboxed_sh(rootfs, text)), ""


def _last_line(stderr: str, status: int | None) -> str:
    return (stderr.strip() or f"exit status {status}").splitlines()[-1]


def _sandboxed_sh(rootfs: Path, text: str) -> str | None:
    """Busybox ``sh -n`` on ``text`` (read from stdin: parsed, never run) in the sandbox."""
    from .. import sandbox

    done = sandbox.run(
        rootfs,
        ["/bin/sh", "-n"],
        stdin=text.encode("utf-8", "surrogateescape"),
        limits=sandbox.Limits(timeout=_SH_TIMEOUT, output=64 << 10),
    )
    if done.exit_code == 0:
        return None
    if done.timed_out:
        return f"sh -n did not finish within {_SH_TIMEOUT} s"
    return _last_line(done.stderr.decode("utf-8", "replace"), done.exit_code)


def _chroot_sh(rootfs: Path, text: str) -> str | None:
    """Busybox ``sh -n`` on ``text`` through ``chroot`` (root, no bubblewrap here)."""
    proc = subprocess.run(
        ["chroot", str(rootfs), "/bin/sh", "-n"],
        input=text,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        timeout=_SH_TIMEOUT,
        check=False,
    )
    return None if proc.returncode == 0 else _last_line(proc.stderr, proc.returncode)


class _Checker:
    def __init__(self, text: str, path: str, index: PackageIndex | None) -> None:
        self.df = parse_text(text, path)
        self.ctx = LintContext(self.df)
        self.index = index
        self.base = base_commands()
        self.items: list[CheckItem] = []
        self._closures: dict[frozenset[str], frozenset[str]] = {}

    def add(self, code: str, level: Level, line: int, message: str) -> None:
        self.items.append(CheckItem(code, level, line, message))

    def commands_of(self, installed: frozenset[str]) -> frozenset[str]:
        """The ``cmd:`` provides of what ``apk add`` of ``installed`` brought in."""
        got = self._closures.get(installed)
        if got is None:
            assert self.index is not None
            closure = self.index.install_closure(sorted(installed))
            got = frozenset(
                p.split("=", 1)[0][4:]
                for pkg in closure.packages
                for p in self.index.packages[pkg].provides
                if p.startswith("cmd:")
            )
            self._closures[installed] = got
        return got

    def other_installer_before(self, stage: Stage, ins: Instruction, at: Any) -> str | None:
        """What, before ``at``, may have put a command on PATH other than apk."""
        for s in stage_chain(self.ctx, stage):
            for i in s.instructions:
                if i.index > ins.index:
                    return None
                if i.keyword in ("COPY", "ADD"):
                    return f"{i.keyword} at line {i.start_line}"
                if i.keyword != "RUN":
                    continue
                for c in self.ctx.script(i).commands:
                    if i.index == ins.index and not c.position < at:
                        break
                    if c.program in OTHER_INSTALLERS:
                        return f"{c.program} at line {c.position.line}"
        return None

    def plain_alpine(self, stage: Stage) -> bool:
        image = self.ctx.root(stage).base_image
        return image is not None and image.short_name in _PLAIN_ALPINE

    def check_commands(self) -> None:
        for stage in self.df.stages:
            if not self.ctx.is_alpine(stage):
                continue
            ops = ApkOps.of(self.ctx, stage)
            for ins in self.ctx.runs(stage):
                if ins.keyword != "RUN":
                    continue
                script = self.ctx.script(ins)
                functions = {a or b for a, b in _FUNCTION.findall(script.text)}
                for cmd in script.commands:
                    if not cmd.argv or not cmd.argv[0].static:
                        continue
                    name = cmd.argv[0].value
                    self.check_command(stage, ins, cmd.position, name, functions, ops)

    def check_command(
        self,
        stage: Stage,
        ins: Instruction,
        at: Any,
        name: str,
        functions: set[str],
        ops: ApkOps,
    ) -> None:
        if name in self.base.shell_builtins or name in functions or name in self.base.paths:
            return
        line = at.line
        is_path = "/" in name
        prog = name.rsplit("/", 1)[-1]
        if not is_path and prog in self.base.names:
            return
        if self.index is None:
            if is_path:
                self.add("AR635", Level.INFO, line, f"{name}: a path not known to exist")
            else:
                self.add(
                    "AR634",
                    Level.INFO,
                    line,
                    f"{name}: not a command of the alpine image; without the release's "
                    "package index (offline, none cached) whether a package installed "
                    "before provides it cannot be told",
                )
            return
        provided = self.commands_of(ops.installed(at))
        if prog in provided and (not is_path or name.startswith(("/usr/", "/bin/", "/sbin/"))):
            return
        if is_path:
            self.add("AR635", Level.INFO, line, f"{name}: a path not known to exist (unverified)")
            return
        who = self.index.command_provider(prog)
        hint = f"apk add {who} provides it" if who else "no package of the release provides it"
        other = self.other_installer_before(stage, ins, at)
        if other is not None or not self.plain_alpine(stage):
            why = (
                f"the base image {self.ctx.root(stage).base_original} may have it"
                if not self.plain_alpine(stage)
                else f"{other} may have installed it"
            )
            self.add(
                "AR635",
                Level.INFO,
                line,
                f"{prog}: neither the alpine image nor a package installed before has it "
                f"({hint}); unverified: {why}",
            )
            return
        self.add(
            "AR630",
            Level.ERROR,
            line,
            f"{prog}: not found: neither the alpine image nor a package installed before "
            f"it has it, and nothing else installed it ({hint}): the RUN fails with exit "
            "status 127",
        )

    def check_packages(self) -> None:
        seen: set[str] = set()
        unchecked = 0
        for stage in self.df.stages:
            if not self.ctx.is_alpine(stage):
                continue
            other_from = other_repository_from(stage)
            for op in ApkOps.of(self.ctx, stage).ops:
                if op.op != "add" or op.instruction.stage != stage.index:
                    continue
                for n in op.names:
                    if n in seen:
                        continue
                    seen.add(n)
                    if self.index is None:
                        unchecked += 1
                    elif self.index.provider(n) is None and (
                        other_from is not None and op.instruction.index >= other_from
                    ):
                        self.add(
                            "AR638",
                            Level.INFO,
                            op.position.line,
                            f"{n}: not in Alpine {self.index.release or ''}'s index; the "
                            "stage adds another repository to /etc/apk/repositories, "
                            "which may have it (not checked)",
                        )
                    elif self.index.provider(n) is None:
                        self.add(
                            "AR631",
                            Level.ERROR,
                            op.position.line,
                            f"{n}: no such package in Alpine {self.index.release or ''} "
                            "(nor provided by one): apk add fails",
                        )
        if unchecked:
            self.add(
                "AR634",
                Level.INFO,
                1,
                f"{unchecked} package name(s) not checked: no package index of the release "
                "(offline, none cached)",
            )

    def check_stops(self) -> None:
        for ins in self.df.instructions:
            if ins.keyword != "RUN" or MARK not in ins.arguments_text:
                continue
            cmds = self.ctx.script(ins).commands
            if not any(c.program == "exit" for c in cmds):
                continue
            said = next(
                (w.value for c in cmds if c.program == "echo" for w in c.args if MARK in w.value),
                MARK,
            )
            self.add(
                "AR637",
                Level.ERROR,
                ins.start_line,
                f"a stop block: the build stops here until the hand edit it names is made "
                f"({said.removeprefix(MARK).strip()})",
            )

    def check_sh(self, rootfs: Path | None) -> int:
        runner, why = (None, "no Alpine rootfs given (--against DIR)")
        if rootfs is not None:
            runner, why = sh_checker(rootfs)
        if runner is None:
            self.add("AR636", Level.INFO, 1, f"busybox sh -n not run: {why}")
            return 0
        done = 0
        for ins in self.ctx.runs():
            if ins.keyword != "RUN" or ins.json_form:
                continue
            shell = self.df.scopes.shell(ins)
            if not shell or shell[0] not in _ASH:
                continue
            script = self.ctx.script(ins)
            if script.shebang is not None and not _SH_SHEBANG.search(script.shebang):
                continue  # a heredoc for another interpreter (#!/usr/bin/env python3)
            err = runner(script.text)
            done += 1
            if err is not None:
                self.add(
                    "AR633",
                    Level.ERROR,
                    ins.start_line,
                    f"busybox sh -n rejects the RUN: {err}",
                )
        return done


def lint_items(text: str, path: str, index: PackageIndex | None) -> list[CheckItem]:
    """AR632 for each lint finding at warning or above (the lint engine, offline)."""
    from ..lint.engine import LintOptions
    from ..lint.engine import run as lint_run
    from ..lint.model import Severity

    report = lint_run(
        LintOptions(
            paths=("-",),
            stdin=text.encode("utf-8"),
            offline=True,
            package_indexes=lambda _release: index,
            ignore=tuple(sorted(_SAME_FACT)),  # reported as AR631: never run, never listed
        )
    )
    return [
        CheckItem(
            "AR632",
            Level.ERROR,
            f.line,
            f"lint {f.code} {f.name} ({f.severity.value}): {f.message}",
        )
        for f in report.findings
        if f.severity.rank >= Severity.WARNING.rank
    ]


def check_text(
    text: str,
    path: str = "Dockerfile",
    *,
    index: PackageIndex | Callable[[], PackageIndex | None] | None = None,
    rootfs: Path | None = None,
) -> CheckResult:
    """Check the Alpine Dockerfile ``text`` (see the module)."""
    ix = index() if callable(index) else index
    checker = _Checker(text, path, ix)
    checker.check_commands()
    checker.check_packages()
    checker.check_stops()
    sh = checker.check_sh(rootfs)
    items = checker.items + lint_items(text, path, ix)
    items.sort(key=lambda i: (i.line, i.code, i.message))
    log.debug("check of %s: %d items", path, len(items))
    return CheckResult(tuple(dict.fromkeys(items)), ix is not None, sh)


def check_text_lines(result: CheckResult) -> str:
    """The check as text for stderr: a verdict line, then one line per item."""
    errors = sum(i.level is Level.ERROR for i in result.items)
    head = (
        f"check: {errors} proven problem(s)"
        if errors
        else "check: nothing proven wrong"
        + ("" if len(result.items) == 0 else f" ({len(result.items)} not proven: see below)")
    )
    lines = [head]
    lines += [f"  line {i.line}: {i.code} {i.level.value}: {i.message}" for i in result.items]
    return "\n".join(lines) + "\n"
