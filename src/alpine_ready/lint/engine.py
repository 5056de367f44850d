"""``run(LintOptions) -> LintReport``: rules over Dockerfiles, ignores, fixes.

1. Every Dockerfile is read and checked first: one that cannot be parsed (missing,
   binary, not UTF-8, unterminated heredoc, unknown instruction, over a parser limit…)
   is an :class:`InputError` naming ``FILE:LINE``, and nothing is written anywhere.
   With several files, each is parsed again when its turn comes and dropped when it is
   done, so memory holds one parsed file at a time.
2. Each file gets its configuration (:mod:`.config`: ``--config``, or the file found
   from its directory), the selected rules (``--select``/``--ignore``, the config's
   ``disable``), and its findings minus those silenced by ignore comments (:mod:`.ignores`).
3. With ``fix`` or ``diff``, the safe fixes (``unsafe_fixes``: all) are applied in rounds
   (:mod:`.fixes`): non-overlapping fixes are applied, the result is parsed and linted
   again, until no fix applies (at most :data:`MAX_ROUNDS` rounds), so a second ``--fix``
   changes nothing.  A fix whose result does not parse, or that does not remove its own
   finding, is a bug in its rule: it is reverted, its rule's fixes are not applied again
   in this run, and the report says so.
4. ``fix`` writes each changed file through :func:`alpine_ready.guard.rewrite_file`
   (atomic, mode and owner kept, its temporary file removed on every exit path); it
   refuses -- and leaves untouched -- a symlink, a file with other hard links, a
   read-only file, one whose owner or group it could not keep, one that changed on
   disk meanwhile.  The files it can write are written; then the run fails
   (:class:`InputError`, exit 2) naming the first refused file.  ``diff`` writes
   nothing and puts the unified diff in the report.

A rule that raises is a bug: :class:`RuleCrash` names the rule and the file (the CLI
prints it as one line; the original exception is its ``__cause__``).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .. import __version__
from ..dockerfile import (
    Dockerfile,
    decode_dockerfile,
    parse_text,
    read_dockerfile,
    validate_text,
)
from ..dockerfile.heap import paused_gc
from ..errors import InputError
from ..guard import rewrite_file
from . import config as config_mod
from . import fixes, ignores
from .apkcheck import ApkIndexes
from .config import LintConfig
from .context import LintContext, PackageIndexes, PipChecker, ScriptMemo
from .model import Finding, FixSafety, Point, RuleMeta, Severity
from .pipcheck import PipCheck
from .report import FileResult, FixRecord, LintReport, Mode
from .rules import RULES, Rule

log = logging.getLogger(__name__)

#: The default ``--fail-on``: hadolint's default failure threshold (``info``).
DEFAULT_FAIL_ON = Severity.INFO
#: Fix rounds before giving up on reaching a fixed point.
MAX_ROUNDS = 5
STDIN = "-"


@dataclass(frozen=True)
class LintOptions:
    """What to lint and how."""

    paths: tuple[str, ...]
    config: Path | None = None  # --config: this file for every Dockerfile, no discovery
    fail_on: Severity | None = None  # None: the config's fail-on, else DEFAULT_FAIL_ON
    select: tuple[str, ...] = ()  # codes, names, code prefixes (AR1), categories; () = all
    ignore: tuple[str, ...] = ()
    fix: bool = False  # rewrite the files
    unsafe_fixes: bool = False  # apply unsafe fixes too
    diff: bool = False  # compute the rewrite, write nothing (wins over fix)
    offline: bool = False  # pip and package index lookups from the cache only
    mirror: str | None = None  # Alpine mirror of the package index (None: see apkrepo)
    cache_dir: Path | None = None  # pip lookups' cache (default ~/.cache/alpine-ready/index)
    stdin: bytes | None = None  # the Dockerfile for the path "-"
    rules: tuple[Rule, ...] | None = None  # None: the registry (tests pass their own)
    pip_checker: PipChecker | None = None  # None: a lazy PipCheck (offline, cache_dir)
    package_indexes: PackageIndexes | None = None  # None: a lazy ApkIndexes (offline, mirror)


class RuleCrash(Exception):
    """A rule raised (or made an edit outside the file): a bug, reported by rule and file."""

    def __init__(self, meta: RuleMeta, path: str, exc: BaseException) -> None:
        self.code, self.name, self.path = meta.code, meta.name, path
        super().__init__(
            f"rule {meta.code} ({meta.name}) failed on {path}: "
            f"{type(exc).__name__}: {exc} -- a bug in alpine-ready, please "
            "report it (--ignore "
            f"{meta.code} to go on without it)"
        )


# --------------------------------------------------------------------------- selection


def _matches(meta: RuleMeta, item: str) -> bool:
    key = item.strip()
    low = key.lower()
    return (
        low == "all"
        or meta.code.lower() == low
        or meta.name == key
        or (low.startswith("ar") and meta.code.lower().startswith(low))
        or meta.category == low
    )


def select_rules(
    rules: Sequence[Rule],
    select: Sequence[str],
    ignore: Sequence[str],
    enable: Iterable[str] = (),
) -> tuple[Rule, ...]:
    """The rules ``--select`` picks minus ``--ignore``'s.

    Without ``--select``: the rules on by default (:attr:`RuleMeta.default_on`) and
    those whose codes ``enable`` (the config's ``enable`` list) names.
    """
    enabled = frozenset(enable)
    for flag, items in (("--select", select), ("--ignore", ignore)):
        for item in items:
            if not any(_matches(r.meta, item) for r in rules):
                raise InputError(
                    f"{flag} {item}: no such rule, code prefix or category "
                    "(alpine-ready rule --list shows them)"
                )
    chosen = [
        r
        for r in rules
        if any(_matches(r.meta, s) for s in select)
        or (not select and (r.meta.default_on or r.meta.code in enabled))
    ]
    return tuple(r for r in chosen if not any(_matches(r.meta, i) for i in ignore))


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Source:
    """One Dockerfile to lint: as read, and (for the file being linted) as parsed."""

    path: str
    data: bytes  # as read
    text: str  # decoded, byte-order mark included
    config: LintConfig
    dockerfile: Dockerfile | None = None  # parsed when its turn comes


def _parse(src: _Source) -> Dockerfile:
    return src.dockerfile if src.dockerfile is not None else parse_text(src.text, src.path)


def _read(path: str, stdin: bytes | None) -> bytes:
    if path == STDIN:
        if stdin is None:
            raise InputError("-: no Dockerfile on standard input")
        return stdin
    return read_dockerfile(path)


def _unique(paths: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for p in paths:
        key = p if p == STDIN else os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# --------------------------------------------------------------------------- linting


@dataclass(frozen=True)
class _Lint:
    findings: tuple[Finding, ...]
    ignored: int
    notes: tuple[str, ...]
    #: the first line of the RUNs left unparsed when the shell-text budget ran out
    cut_line: int | None = None


def _lint(
    dockerfile: Dockerfile,
    rules: Sequence[Rule],
    config: LintConfig,
    metas: Sequence[RuleMeta],
    checker: PipChecker | None,
    shared: ScriptMemo | None = None,
    packages: PackageIndexes | None = None,
) -> _Lint:
    ctx = LintContext(
        dockerfile,
        options=config.context_options(),
        pip_checker=checker,
        package_indexes=packages,
        shared_scripts=shared,
    )
    found: list[Finding] = []
    for rule in rules:
        try:
            found.extend(rule.check(ctx))
        except Exception as exc:
            raise RuleCrash(rule.meta, dockerfile.path, exc) from exc
    silenced = ignores.read(dockerfile, metas)
    kept = [
        f
        for f in dict.fromkeys(found)
        if not silenced.silences(f, ignores.instruction_at(dockerfile, f.line))
    ]
    kept.sort(key=lambda f: (f.line, f.column, f.code, f.message))
    # shell text the shell itself would reject (an unterminated quote): not a rule of ours,
    # but the build fails on any base, so say so
    broken = [
        f"line {ins.start_line}: {ins.keyword}: {n}: the shell will reject it"
        for ins in ctx.runs()
        for n in ctx.script(ins).notes
        if n.startswith("unterminated")
    ]
    # a FROM whose reference is not an image name docker accepts (a short digest,
    # upper case): no rule can judge its base, and the build fails
    broken += [
        f"line {s.base_position.line}: FROM {s.base_original}: not a valid image "
        f"reference (docker build refuses it); its base is not judged"
        for s in dockerfile.stages
        if s.base_image is None
        and not s.is_scratch
        and s.parent is None
        and not s.base_unresolved
        and "$" not in s.base_original
    ]
    return _Lint(
        tuple(kept),
        len(set(found)) - len(kept),
        (*silenced.notes, *broken, *ctx.notes),
        ctx.shell_budget.refused_line,
    )


def _allowed(f: Finding, unsafe: bool) -> bool:
    return f.fix is not None and (f.fix.safety is FixSafety.SAFE or unsafe)


def _record(f: Finding, reason: str | None = None) -> FixRecord:
    assert f.fix is not None
    return FixRecord(f.code, f.name, f.line, f.column, f.fix.safety, f.fix.description, reason)


@dataclass(frozen=True)
class _Fixed:
    text: str
    lint: _Lint
    applied: tuple[FixRecord, ...]
    not_applied: tuple[FixRecord, ...]


def _structure(dockerfile: Dockerfile) -> tuple[tuple[str, str | None, bool], ...]:
    """What a fix may not change: the instructions, their order and their form."""
    return tuple((i.keyword, i.sub_keyword, i.json_form) for i in dockerfile.instructions)


class _Fixer:
    """The fix rounds for one file.

    Fixes found broken (the result does not parse, changes the instructions, or keeps
    the finding) are banned one by one, by rule code and place; the place is carried
    through later rounds' edits, so only that fix is held back.
    """

    def __init__(
        self,
        src: _Source,
        dockerfile: Dockerfile,
        rules: Sequence[Rule],
        metas: Sequence[RuleMeta],
        checker: PipChecker | None,
        unsafe: bool,
        packages: PackageIndexes | None = None,
    ) -> None:
        self.src, self.rules, self.metas = src, rules, metas
        self.checker, self.unsafe, self.packages = checker, unsafe, packages
        self.banned: dict[tuple[str, int], str] = {}  # (code, offset) -> why not applied
        self.shape = _structure(dockerfile)
        self.base = dockerfile  # the parse of the text the next fixes are made on
        self.scripts = ScriptMemo()

    def lint(self, dockerfile: Dockerfile) -> _Lint:
        self.scripts.next_round()
        return _lint(
            dockerfile,
            self.rules,
            self.src.config,
            self.metas,
            self.checker,
            self.scripts,
            self.packages,
        )

    def check(self, text: str) -> Dockerfile | str:
        """The parsed text, or why a fix may not produce it.

        Parsed reusing the instructions of :attr:`base` (the text the fixes were made
        on) that did not change; their scripts are shared through :attr:`scripts`.
        """
        try:
            dockerfile = parse_text(text, self.src.path, reuse=self.base)
        except InputError as exc:
            log.debug("fixed text does not parse: %s", exc)
            return "its fix made the Dockerfile unparsable (a bug in the rule)"
        if _structure(dockerfile) != self.shape:
            return (
                "its fix changed the instructions or their form (exec/shell), which a "
                "fix may not do (a bug in the rule)"
            )
        return dockerfile

    @staticmethod
    def key(t: fixes.Text, f: Finding) -> tuple[str, int]:
        return f.code, t.offset_near(Point(f.line, f.column))

    def run(self) -> _Fixed:
        text, dockerfile = self.base.text, self.base
        current = self.lint(dockerfile)
        # --fix fixes what lint reported: past the shell-text budget of the text as given,
        # RUNs were not parsed; a shorter fixed text lets later lints see more of them, but
        # those are not fixed (instructions keep their index: fixes never change them)
        cut = self.first_unparsed(dockerfile, current)
        applied: list[FixRecord] = []
        rounds = attempts = 0
        exhausted = False
        while True:
            t = fixes.Text(text)
            todo = [
                f
                for f in current.findings
                if _allowed(f, self.unsafe)
                and self.key(t, f) not in self.banned
                and (cut is None or self.index_at(dockerfile, f.line) < cut)
            ]
            if not todo:
                break
            if rounds >= MAX_ROUNDS or attempts >= 2 * MAX_ROUNDS + len(todo):
                exhausted = True
                break
            attempts += 1
            step = self.step(t, todo, current)
            if isinstance(step, list):  # broken fixes: ban them, try the round again
                for f, reason in step:
                    log.warning(
                        "%s:%d:%d: %s fix not applied: %s",
                        self.src.path,
                        f.line,
                        f.column,
                        f.code,
                        reason,
                    )
                    self.banned[self.key(t, f)] = reason
                continue
            new_text, dockerfile, current, done, edits = step
            self.base = dockerfile
            self.banned = {
                (code, fixes.shift(off, edits)): why for (code, off), why in self.banned.items()
            }
            text = new_text
            applied.extend(done)
            rounds += 1
        t = fixes.Text(text)
        not_applied = []
        for f in current.findings:
            if not _allowed(f, self.unsafe):
                continue
            why = self.banned.get(self.key(t, f)) or (
                f"still fixable after {MAX_ROUNDS} rounds of fixes" if exhausted else None
            )
            if why is not None:
                not_applied.append(_record(f, why))
        return _Fixed(text, current, tuple(applied), tuple(not_applied))

    @staticmethod
    def first_unparsed(dockerfile: Dockerfile, result: _Lint) -> int | None:
        """The index of the first RUN the shell-text budget left unparsed, or None."""
        if result.cut_line is None:
            return None
        ins = ignores.instruction_at(dockerfile, result.cut_line)
        return None if ins is None else ins.index

    @staticmethod
    def index_at(dockerfile: Dockerfile, line: int) -> int:
        """The index of the instruction on ``line`` (-1 above the first one)."""
        ins = ignores.instruction_at(dockerfile, line)
        return -1 if ins is None else ins.index

    def step(
        self, t: fixes.Text, todo: Sequence[Finding], before: _Lint
    ) -> (
        tuple[str, Dockerfile, _Lint, list[FixRecord], list[fixes.TextEdit]]
        | list[tuple[Finding, str]]
    ):
        """One round: apply, parse, lint again, check each fix removed its finding.

        Returns the new state, or the fixes to ban (then nothing was applied).
        """
        try:
            plan = fixes.plan(t, todo)
        except fixes.EditError as exc:
            bad = exc.finding
            meta = next((r.meta for r in self.rules if bad and r.meta.code == bad.code), None)
            if meta is None:
                raise
            raise RuleCrash(meta, self.src.path, exc) from exc
        edits = plan.edits
        result = self.check(fixes.apply(t.text, edits))
        if isinstance(result, str):
            return self.guilty(t, plan, lambda d, f: d)
        after = self.lint(result)
        # Past the shell-text budget RUNs are not parsed; a fix shortening the text lets
        # more of them in, with findings of their own: count only above the first cut
        cuts = [c for c in (before.cut_line, after.cut_line) if c is not None]
        below = min(cuts) if cuts else None

        def counted(f: Finding) -> bool:
            return below is None or f.line < below

        fixed_per_code = Counter(f.code for f, _ in plan.accepted if counted(f))
        count_before = Counter(f.code for f in before.findings if counted(f))
        count_after = Counter(f.code for f in after.findings if counted(f))
        stuck = {c for c in fixed_per_code if count_after[c] > count_before[c] - fixed_per_code[c]}
        if stuck:

            def keeps_finding(d: Dockerfile, f: Finding) -> str | Dockerfile:
                n = sum(1 for x in self.lint(d).findings if x.code == f.code)
                return (
                    d
                    if n < count_before[f.code]
                    else "its fix did not remove the finding (a bug in the rule)"
                )

            return self.guilty(
                t,
                plan,
                keeps_finding,
                only=stuck,
                fallback="its fix did not remove the finding (a bug in the rule)",
            )
        return (
            fixes.apply(t.text, edits),
            result,
            after,
            [_record(f) for f, _ in plan.accepted],
            edits,
        )

    def guilty(
        self,
        t: fixes.Text,
        plan: fixes.Plan,
        judge: Callable[[Dockerfile, Finding], Dockerfile | str],
        only: set[str] | None = None,
        fallback: str | None = None,
    ) -> list[tuple[Finding, str]]:
        """The fixes of ``plan`` that fail alone (all of them if none does)."""
        out: list[tuple[Finding, str]] = []
        suspects = [(f, es) for f, es in plan.accepted if only is None or f.code in only]
        for f, es in suspects:
            alone = self.check(fixes.apply(t.text, es))
            verdict = alone if isinstance(alone, str) else judge(alone, f)
            if isinstance(verdict, str):
                out.append((f, verdict))
        if out:
            return out
        why = fallback or "its fix breaks the Dockerfile together with other fixes"
        return [(f, why) for f, _ in suspects]


# --------------------------------------------------------------------------- writing


def _write_fixes(writes: Sequence[tuple[str, bytes, bytes]]) -> None:
    """Write each fixed file through :func:`~alpine_ready.guard.rewrite_file`.

    It refuses what an edit must not touch (a symlink, a file with other hard links,
    a read-only file, one whose owner or group could not be kept, one that changed
    since it was read) and leaves it as it is.  Every file that can be written is;
    then, if any was refused, :class:`InputError` names the first (and how many).
    """
    refused: list[InputError] = []
    written = 0
    for path, data, original in writes:
        try:
            rewrite_file(path, data, original)
        except InputError as exc:
            refused.append(exc)
            continue
        written += 1
        log.info("%s: fixed and written", path)
    if refused:
        more = f"; {len(refused) - 1} more file(s) not written" if len(refused) > 1 else ""
        done = f"; {written} other file(s) fixed and written" if written else ""
        raise InputError(f"{refused[0]}{more}{done}")


# --------------------------------------------------------------------------- run


def run(options: LintOptions) -> LintReport:
    """Lint (and with ``fix``/``diff``, fix) every Dockerfile of ``options.paths``."""
    with paused_gc():  # millions of acyclic objects for a 4 MiB file: see dockerfile.heap
        return _run(options)


def _run(options: LintOptions) -> LintReport:
    if not options.paths:
        raise InputError("no Dockerfile given")
    mode = Mode.DIFF if options.diff else Mode.FIX if options.fix else Mode.CHECK
    if mode is not Mode.CHECK and STDIN in options.paths:
        raise InputError("-: --fix and --diff need a file, not standard input")
    rules = options.rules if options.rules is not None else RULES
    metas = [r.meta for r in rules]
    select_rules(rules, options.select, options.ignore)  # unknown names: an error now
    checker = (
        options.pip_checker
        if options.pip_checker is not None
        else PipCheck(offline=options.offline, cache_dir=options.cache_dir)
    )
    packages = (
        options.package_indexes
        if options.package_indexes is not None
        else ApkIndexes(offline=options.offline, mirror=options.mirror)
    )

    configs: dict[Path, LintConfig] = {}
    sources: list[_Source] = []
    paths = _unique(options.paths)
    for path in paths:
        data = _read(path, options.stdin)
        text = decode_dockerfile(data, path)
        # one file is parsed now; several are checked now and parsed one at a time, so
        # that at most one parsed 4 MiB Dockerfile is in memory
        parsed = parse_text(text, path) if len(paths) == 1 else None
        if parsed is None:
            validate_text(text, path)
        where = Path.cwd() if path == STDIN else Path(path).resolve().parent
        if where not in configs:
            configs[where] = config_mod.load_for(where, metas, options.config)
        sources.append(_Source(path, data, text, configs[where], parsed))

    results: list[FileResult] = []
    writes: list[tuple[str, bytes, bytes]] = []
    ran: set[str] = set()
    while sources:
        src = sources.pop(0)  # its parse is dropped when it is done
        rules_here = [
            r
            for r in select_rules(rules, options.select, options.ignore, src.config.enable)
            if r.meta.code not in src.config.disabled
        ]
        ran.update(r.meta.code for r in rules_here)
        fail_on = options.fail_on or src.config.fail_on or DEFAULT_FAIL_ON
        codes = tuple(r.meta.code for r in rules_here)
        parsed = _parse(src)
        src = replace(src, dockerfile=None)
        if mode is Mode.CHECK:
            got = _lint(parsed, rules_here, src.config, metas, checker, packages=packages)
            del parsed  # before the next file is parsed
            results.append(
                FileResult(
                    src.path,
                    got.findings,
                    codes,
                    fail_on,
                    src.config.sources,
                    got.ignored,
                    notes=got.notes,
                )
            )
            continue
        fixer = _Fixer(src, parsed, rules_here, metas, checker, options.unsafe_fixes, packages)
        del parsed  # the fixer keeps the parse of the latest text only
        fixed = fixer.run()
        del fixer
        bom = "\ufeff" if src.text.startswith("\ufeff") else ""
        original = src.text[len(bom) :]
        diff = fixes.unified_diff(src.path, bom + original, bom + fixed.text)
        changed = fixed.text != original
        if mode is Mode.FIX and changed:
            writes.append((src.path, (bom + fixed.text).encode("utf-8"), src.data))
        results.append(
            FileResult(
                src.path,
                fixed.lint.findings,
                codes,
                fail_on,
                src.config.sources,
                fixed.lint.ignored,
                fixed.applied,
                fixed.not_applied,
                written=mode is Mode.FIX and changed,
                diff=diff,
                notes=fixed.lint.notes,
            )
        )
    _write_fixes(writes)
    return LintReport(
        files=tuple(results),
        rules=tuple(sorted((r.meta for r in rules if r.meta.code in ran), key=lambda m: m.code)),
        mode=mode,
        unsafe_fixes=options.unsafe_fixes,
        root=str(Path.cwd()),
        tool_version=__version__,
    )
