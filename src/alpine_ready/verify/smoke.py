r"""The smoke step's commands: ``-- CMD ARGS…`` or a list in a config file.

In the spirit of container-structure-test's command tests, a list of tables::

    [[verify.commands]]                       # .alpine-ready.toml
    name = "version"                          # ([[tool.alpine-ready.verify.commands]]
    command = "/app/bin/tool"                 #  in pyproject.toml)
    args = ["--version"]
    exitCode = 0                              # expected exit status (default 0)
    expectedOutput = ["^tool \\d+\\."]        # regexes that must match stdout or stderr
    excludedOutput = ["(?i)error"]            # regexes that must not match either

The config is looked for in TARGET (a directory) and read bounded; every mistake is
a one-line :class:`~alpine_ready.errors.InputError` naming the file.
"""

from __future__ import annotations

import re
import signal
import threading
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..guard import read_bounded

MAX_CONFIG_BYTES = 1 << 20
MAX_COMMANDS = 100  # smoke commands of one config: each is a sandbox run of up to --timeout
OWN_FILE = ".alpine-ready.toml"
PYPROJECT = "pyproject.toml"
_KEYS = {"name", "command", "args", "exitCode", "expectedOutput", "excludedOutput"}


@dataclass(frozen=True)
class SmokeCommand:
    """One command to run in the prepared system, and what it must do."""

    name: str
    argv: tuple[str, ...]
    exit_code: int = 0
    expected: tuple[str, ...] = ()  # regexes that must match the output
    excluded: tuple[str, ...] = ()  # regexes that must not

    def check(self, exit_code: int | None, output: str) -> list[str]:
        """Why the run failed its expectations (empty: it passed)."""
        problems = []
        if exit_code != self.exit_code:
            problems.append(f"exit status {exit_code}, expected {self.exit_code}")
        for pattern in self.expected:
            found = _search(pattern, output)
            if found is None:
                problems.append(_TOO_SLOW.format(pattern))
            elif not found:
                problems.append(f"output does not match {pattern!r}")
        for pattern in self.excluded:
            found = _search(pattern, output)
            if found is None:
                problems.append(_TOO_SLOW.format(pattern))
            elif found:
                problems.append(f"output matches the excluded {pattern!r}")
        return problems


MATCH_SECONDS = 2.0  # per pattern: "(a+)+$" backtracks for ever on 40 characters
_TOO_SLOW = f"{{!r}}: matching gave up after {MATCH_SECONDS:g} s (a pattern that backtracks)"


class _TooSlow(Exception):
    pass


def _stop(signum: int, frame: Any) -> None:
    raise _TooSlow


def _search(pattern: str, text: str) -> bool | None:
    """Does ``pattern`` match ``text``?  None: it ran past :data:`MATCH_SECONDS`.

    The config's patterns are the project's, matched in this process: a timer
    (SIGALRM, which the regex engine checks for) bounds each.  Off the main thread,
    where no signal handler can be set, the match is unbounded.
    """
    if threading.current_thread() is not threading.main_thread():
        return re.search(pattern, text, re.MULTILINE) is not None
    old = signal.signal(signal.SIGALRM, _stop)
    try:
        signal.setitimer(signal.ITIMER_REAL, MATCH_SECONDS)
        return re.search(pattern, text, re.MULTILINE) is not None
    except _TooSlow:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def from_argv(argv: Sequence[str]) -> SmokeCommand:
    """``-- CMD ARGS…``: expected to exit 0."""
    return SmokeCommand(name=argv[0].rsplit("/", 1)[-1] or argv[0], argv=tuple(argv))


def discover(target: Path) -> tuple[Path, list[SmokeCommand]] | None:
    """The command list of TARGET's config file, if TARGET is a directory that has one."""
    if not target.is_dir():
        return None
    own = target / OWN_FILE
    if own.is_file():
        table = _table(own, ("verify",))
        if table is not None:
            return own, parse(own, table)
    py = target / PYPROJECT
    if py.is_file():
        table = _table(py, ("tool", "alpine-ready", "verify"))
        if table is not None:
            return py, parse(py, table)
    return None


def _table(path: Path, keys: tuple[str, ...]) -> Any:
    try:
        text = read_bounded(path, limit=MAX_CONFIG_BYTES, what="a config file").decode("utf-8")
        data: Any = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not a readable TOML file ({exc})") from None
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def parse(path: Path, table: Any) -> list[SmokeCommand]:
    """The ``commands`` of a verify table (InputError naming the file on a mistake)."""
    where = f"{path}: verify"
    if not isinstance(table, dict):
        raise InputError(f"{where}: must be a table")
    unknown = set(table) - {"commands"}
    if unknown:
        raise InputError(f"{where}: unknown key {sorted(unknown)[0]!r} (only 'commands')")
    commands = table.get("commands", [])
    if not isinstance(commands, list):
        raise InputError(f"{where}.commands: must be a list of tables")
    if len(commands) > MAX_COMMANDS:
        raise InputError(
            f"{where}.commands: {len(commands)} commands, more than verify runs ({MAX_COMMANDS})"
        )
    out = []
    for n, entry in enumerate(commands, 1):
        at = f"{where}.commands[{n}]"
        if not isinstance(entry, dict):
            raise InputError(f"{at}: must be a table")
        bad = set(entry) - _KEYS
        if bad:
            raise InputError(f"{at}: unknown key {sorted(bad)[0]!r} (one of {sorted(_KEYS)})")
        command = entry.get("command")
        if not isinstance(command, str) or not command:
            raise InputError(f"{at}: 'command' must be a non-empty string")
        args = _strings(entry.get("args", []), f"{at}.args")
        code = entry.get("exitCode", 0)
        if not isinstance(code, int) or isinstance(code, bool) or not 0 <= code <= 255:
            raise InputError(f"{at}.exitCode: must be an integer 0-255")
        expected = _strings(entry.get("expectedOutput", []), f"{at}.expectedOutput")
        excluded = _strings(entry.get("excludedOutput", []), f"{at}.excludedOutput")
        for pattern in (*expected, *excluded):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise InputError(f"{at}: bad regular expression {pattern!r} ({exc})") from None
        name = entry.get("name", command)
        if not isinstance(name, str) or not name:
            raise InputError(f"{at}.name: must be a non-empty string")
        out.append(SmokeCommand(name, (command, *args), code, expected, excluded))
    return out


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: must be a list of strings")
    return tuple(value)
