"""The ``lint`` configuration: ``.alpine-ready.toml`` or ``[tool.alpine-ready.lint]``.

Found by :func:`discover`, walking up from the Dockerfile's directory to the filesystem
root or the first directory holding ``.git`` (the first file found wins; a
``pyproject.toml`` without the table does not count), or named with ``--config``::

    [lint]                                  # [tool.alpine-ready.lint] in pyproject.toml
    disable = ["AR101", "apk-add-unpinned"] # codes or names
    enable = ["AR102"]                      # rules that are off by default, turned on
    severity = { AR101 = "warning" }        # error | warning | info | style
    fail-on = "warning"                     # the exit-1 threshold (CLI --fail-on wins)
    hadolint-config = true                  # honour .hadolint.yaml's `ignored:` list
    [lint.rules.AR102]                      # per-rule options (RuleMeta.options names)
    allow-tilde = true

Every mistake (unknown key, rule, option or value) is a one-line :class:`InputError`
naming the file.  Config files are read through :func:`alpine_ready.guard.read_bounded`:
regular files of at most :data:`MAX_CONFIG_BYTES` (a FIFO planted as a config file
never blocks the run).  hadolint's ``.hadolint.yaml`` (or ``.yml``), found by the same walk, is
read for its ``ignored:`` list only: each listed ``DLxxxx`` disables the rules that map to
it.  The reader handles the two list spellings hadolint's docs use (block ``- DL3018``
items and a flow ``[DL3018, DL3019]``) without a YAML library; anything else in that file
is left to hadolint.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..guard import read_bounded
from .model import RuleMeta, Severity

#: The largest config file read (``.alpine-ready.toml``, ``pyproject.toml``, ``.hadolint.yaml``).
MAX_CONFIG_BYTES = 1024 * 1024
log = logging.getLogger(__name__)

OWN_FILE = ".alpine-ready.toml"
PYPROJECT = "pyproject.toml"
HADOLINT_FILES = (".hadolint.yaml", ".hadolint.yml")
_KEYS = ("disable", "enable", "severity", "fail-on", "hadolint-config", "rules")
_HADOLINT_CODE = re.compile(r"^(DL|SC)\d{4}$")


@dataclass(frozen=True)
class LintConfig:
    """The settings for one Dockerfile (defaults when no file was found)."""

    source: str | None = None  # the config file read, if any
    disable: frozenset[str] = frozenset()  # rule codes
    enable: frozenset[str] = frozenset()  # codes of rules off by default, turned on
    severity: tuple[tuple[str, Severity], ...] = ()  # code -> configured severity
    fail_on: Severity | None = None
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()  # code -> options
    hadolint_source: str | None = None  # the .hadolint.yaml whose `ignored:` was applied
    hadolint_ignored: frozenset[str] = frozenset()  # rule codes disabled through it

    @property
    def disabled(self) -> frozenset[str]:
        """Codes disabled by this file or by the hadolint file."""
        return self.disable | self.hadolint_ignored

    def context_options(self) -> dict[str, dict[str, Any]]:
        """``LintContext.options``: per rule code, its options and ``severity``."""
        out: dict[str, dict[str, Any]] = {code: dict(opts) for code, opts in self.rule_options}
        for code, sev in self.severity:
            out.setdefault(code, {})["severity"] = sev.value
        return out

    @property
    def sources(self) -> tuple[str, ...]:
        """The files this configuration came from."""
        return tuple(s for s in (self.source, self.hadolint_source) if s is not None)


# --------------------------------------------------------------------------- discovery


def _lint_table(path: Path) -> dict[str, Any] | None:
    """The ``lint`` table of a config file; None when a pyproject.toml has none."""
    try:
        data = tomllib.loads(
            read_bounded(path, limit=MAX_CONFIG_BYTES, what="a config file").decode("utf-8")
        )
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        section = tool.get("alpine-ready", {}) if isinstance(tool, dict) else {}
        table = section.get("lint") if isinstance(section, dict) else None
        if table is None:
            return None
        where = "[tool.alpine-ready.lint]"
    else:
        table = data.get("lint", {})
        where = "[lint]"
    if not isinstance(table, dict):
        raise InputError(f"{path}: {where} must be a table")
    return table


def _walk(start: Path) -> Iterable[Path]:
    """``start`` and its parents, up to the root or the first one holding ``.git``."""
    here = start.resolve()
    while True:
        yield here
        if (here / ".git").exists() or here.parent == here:
            return
        here = here.parent


def discover(start: Path) -> Path | None:
    """The config file that governs a Dockerfile in directory ``start``, or None."""
    for directory in _walk(start):
        own = directory / OWN_FILE
        if own.is_file():
            return own
        pyproject = directory / PYPROJECT
        if pyproject.is_file() and _lint_table(pyproject) is not None:
            return pyproject
    return None


def discover_hadolint(start: Path) -> Path | None:
    """The ``.hadolint.yaml`` found by the same walk, or None."""
    for directory in _walk(start):
        for name in HADOLINT_FILES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


# --------------------------------------------------------------------------- loading


def _resolve(rules: Sequence[RuleMeta], key: object, path: Path, where: str) -> str:
    if isinstance(key, str):
        for meta in rules:
            if meta.code.lower() == key.strip().lower() or meta.name == key.strip():
                return meta.code
    raise InputError(f"{path}: {where}: unknown rule {key!r} (alpine-ready rule --list shows them)")


def _severity(value: object, path: Path, where: str) -> Severity:
    if isinstance(value, str):
        try:
            return Severity.parse(value)
        except ValueError as exc:
            raise InputError(f"{path}: {where}: {exc}") from None
    raise InputError(f"{path}: {where}: must be a string (error, warning, info or style)")


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        tuple: "a list",
    }.get(type(value), type(value).__name__)


def _check_option(default: Any, value: Any, path: Path, where: str) -> Any:
    """``value`` converted to the default's type; InputError when it does not fit."""
    if default is None:
        return value
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, list | tuple):
        ok = (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
            if all(isinstance(d, str) for d in default)
            else isinstance(value, list)
        )
        value = tuple(value) if ok and isinstance(default, tuple) else value
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise InputError(
            f"{path}: {where}: must be {_type_name(default)}, not {_type_name(value)} ({value!r})"
        )
    return value


def load(path: Path, rules: Sequence[RuleMeta], *, hadolint: Path | None = None) -> LintConfig:
    """Read and check one config file (``.alpine-ready.toml`` or ``pyproject.toml``).

    ``hadolint`` is a ``.hadolint.yaml`` to honour unless the file says
    ``hadolint-config = false``.
    """
    table = _lint_table(path)
    if table is None:
        table = {}
    prefix = "[tool.alpine-ready.lint]" if path.name == PYPROJECT else "[lint]"
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise InputError(
            f"{path}: {prefix}: unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})"
        )
    disable_raw = table.get("disable", [])
    if not isinstance(disable_raw, list):
        raise InputError(f"{path}: {prefix} disable: must be a list of rule codes or names")
    disable = frozenset(_resolve(rules, k, path, f"{prefix} disable") for k in disable_raw)
    enable_raw = table.get("enable", [])
    if not isinstance(enable_raw, list):
        raise InputError(f"{path}: {prefix} enable: must be a list of rule codes or names")
    enable = frozenset(_resolve(rules, k, path, f"{prefix} enable") for k in enable_raw)
    sev_raw = table.get("severity", {})
    if not isinstance(sev_raw, dict):
        raise InputError(f'{path}: {prefix} severity: must be a table (AR101 = "warning")')
    severity = tuple(
        sorted(
            (
                _resolve(rules, k, path, f"{prefix} severity"),
                _severity(v, path, f"{prefix} severity.{k}"),
            )
            for k, v in sev_raw.items()
        )
    )
    fail_on = _severity(table["fail-on"], path, f"{prefix} fail-on") if "fail-on" in table else None
    use_hadolint = table.get("hadolint-config", True)
    if not isinstance(use_hadolint, bool):
        raise InputError(f"{path}: {prefix} hadolint-config: must be true or false")
    options = _rule_options(table.get("rules", {}), rules, path, prefix)
    config = LintConfig(
        source=str(path),
        disable=disable,
        enable=enable,
        severity=severity,
        fail_on=fail_on,
        rule_options=options,
    )
    if use_hadolint and hadolint is not None:
        return with_hadolint(config, hadolint, rules)
    return config


def _rule_options(
    raw: object, rules: Sequence[RuleMeta], path: Path, prefix: str
) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    if not isinstance(raw, dict):
        raise InputError(f"{path}: {prefix} rules: must be a table of rule tables")
    by_code = {m.code: m for m in rules}
    out: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
    for key, opts in raw.items():
        code = _resolve(rules, key, path, f"{prefix} rules")
        where = (
            f"[lint.rules.{key}]" if prefix == "[lint]" else f"[tool.alpine-ready.lint.rules.{key}]"
        )
        if not isinstance(opts, dict):
            raise InputError(f"{path}: {where}: must be a table of options")
        defaults = dict(by_code[code].options)
        checked: list[tuple[str, Any]] = []
        for name, value in opts.items():
            if name not in defaults:
                known = ", ".join(defaults) or "none"
                raise InputError(
                    f"{path}: {where}: unknown option {name!r} for {code} (its options: {known})"
                )
            checked.append((name, _check_option(defaults[name], value, path, f"{where} {name}")))
        out.append((code, tuple(checked)))
    return tuple(sorted(out))


def with_hadolint(config: LintConfig, hadolint: Path, rules: Sequence[RuleMeta]) -> LintConfig:
    """``config`` plus the rules that ``hadolint``'s ``ignored:`` list disables."""
    try:
        text = read_bounded(hadolint, limit=MAX_CONFIG_BYTES, what="a config file").decode(
            "utf-8", errors="replace"
        )
    except InputError as exc:
        log.warning("%s; its ignored list is not applied", exc)
        return config
    ignored = set(hadolint_ignored(text))
    codes = frozenset(m.code for m in rules if m.hadolint is not None and m.hadolint in ignored)
    return LintConfig(
        source=config.source,
        disable=config.disable,
        enable=config.enable,
        severity=config.severity,
        fail_on=config.fail_on,
        rule_options=config.rule_options,
        hadolint_source=str(hadolint),
        hadolint_ignored=codes,
    )


def hadolint_ignored(text: str) -> list[str]:
    """The rule codes of a ``.hadolint.yaml``'s top-level ``ignored:`` list."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^ignored\s*:\s*(.*)$", line)
        if not m:
            continue
        rest = _strip_yaml_comment(m.group(1)).strip()
        if rest.startswith("["):
            flow = rest
            j = i
            while "]" not in flow and j + 1 < len(lines):
                j += 1
                flow += " " + _strip_yaml_comment(lines[j]).strip()
            items = flow.strip("[] ").split(",")
        else:
            items = []
            for nxt in lines[i + 1 :]:
                stripped = _strip_yaml_comment(nxt).strip()
                if not stripped:
                    continue
                item = re.match(r"^\s*-\s*(.*)$", nxt)
                if item is None:
                    break
                items.append(_strip_yaml_comment(item.group(1)))
        return [
            c for c in (x.strip().strip("'\"").strip() for x in items) if _HADOLINT_CODE.match(c)
        ]
    return []


def _strip_yaml_comment(text: str) -> str:
    m = re.search(r"(^|\s)#", text)
    return text[: m.start()] if m else text


def load_for(
    dockerfile_dir: Path, rules: Sequence[RuleMeta], explicit: Path | None = None
) -> LintConfig:
    """The configuration for Dockerfiles in ``dockerfile_dir`` (``explicit``: --config)."""
    hadolint = discover_hadolint(dockerfile_dir)
    if explicit is not None:
        if not explicit.is_file():
            raise InputError(f"{explicit}: no such config file")
        return load(explicit, rules, hadolint=hadolint)
    found = discover(dockerfile_dir)
    if found is not None:
        return load(found, rules, hadolint=hadolint)
    if hadolint is not None:
        return with_hadolint(LintConfig(), hadolint, rules)
    return LintConfig()
