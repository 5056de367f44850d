"""AR102 apk-add-unpinned: ``apk add`` of packages without a version constraint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ...dockerfile import Instruction, Word, expand_at
from ...guard import excerpt
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._apk import apk_stage, pin_of
from ._musl import set_from_command, set_in_run, shell_values

META = RuleMeta(
    code="AR102",
    name="apk-add-unpinned",
    severity=Severity.WARNING,
    category="apk",
    hadolint="DL3018",
    doc=RuleDoc(
        summary="`apk add` of a package without a version constraint",
        what='Off by default (turn it on with `--select AR102` or `enable = ["AR102"]` '
        "in the config): see why below. "
        "An argument of `apk add` that is not pinned: it has no `=`, `~`, `<` or `>` "
        "constraint and is not a local `.apk` file (hadolint DL3018's test; options "
        "and their values, such as `--virtual .build-deps`, are not packages). A "
        "variable counts as unpinned unless an ARG or ENV default gives it a value "
        'whose packages are all pinned (`ARG PKGS="bash=5.2.26-r0"` then '
        "`apk add $PKGS`), and a shell variable the same RUN assigns earlier is read "
        'the same way (`pkgs="nginx=${NGINX_VERSION}-r${PKG_RELEASE}"` then '
        "`apk add $pkgs`); `foo=${FOO_VERSION}` is pinned. Packages that come from a "
        'command\'s output (`apk add $(cat deps.txt)`, `runDeps="$(scanelf …)"` then '
        "`apk add $runDeps`, `scanelf … | xargs apk add`) cannot be seen and are "
        "never reported. Option `allow-tilde` (default true): a fuzzy `~` constraint "
        "(`curl~8.9`, any 8.9.x) counts as a pin; set it to false to require exact "
        "`=` pins and report `~` ones. Where it differs from DL3018: the values of "
        "every value-taking option (`--root`, `--arch`, `--cache-dir`…) are skipped, "
        "not only those of `-t`/`--virtual`/`-X`/`--repository`; only the `add` "
        "subcommand counts (not any apk command with an `add` argument); commands "
        "run through `sh -c`, `env`, `sudo` or `xargs` are checked; ARG/ENV package "
        "lists are resolved; stages on a known glibc base are left to other rules.",
        why="Why it is off by default: Alpine's repositories keep only the current "
        "revision of each package in a release branch, so an exact pin (`curl=8.9.1-r0`) "
        "makes the build fail as soon as the branch ships a fix, and Alpine's own "
        "experts (the official images) pin the release in the `FROM` tag and leave "
        "packages unpinned. Turn it on when reproducible package versions matter more "
        "than builds that keep working; `~` pins are the workable kind. "
        "An unpinned package is whatever version the repository has on the day of "
        "the build, so two builds of the same Dockerfile can differ and a new upstream "
        "release can break a build nobody touched. Alpine keeps only the latest build "
        "of each package in a release branch, so exact pins (`=8.9.1-r0`) break when "
        "the branch gets a security fix; `~` pins on the version's prefix "
        "(`curl~8.9`) keep patch releases coming and are accepted by default.",
        example="FROM alpine:3.20\nRUN apk add --no-cache curl",
        instead="FROM alpine:3.20\nRUN apk add --no-cache curl~8.9",
    ),
    options=(("allow-tilde", True),),
    default_on=False,
)

_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_LISTED = 5
_QUOTED = 200  # characters of a word or value a message quotes


@dataclass(frozen=True)
class _Verdict:
    """Why one argument is not pinned (for the message)."""

    word: Word
    text: str  # how the message shows it


def _judge(ctx: LintContext, ins: Instruction, word: Word, allow_tilde: bool) -> _Verdict | None:
    """None when ``word`` is pinned (or empty once expanded), else why it is not."""
    pin = pin_of(word.value)
    if pin.pinned:
        if pin.fuzzy and not allow_tilde:
            return _Verdict(word, f"`{word.value}` (a fuzzy `~` pin)")
        return None
    if word.static:
        return _Verdict(word, f"`{word.value}`")
    if "$(" in word.raw or "`" in word.raw:
        return None  # a command's output: not seen, as with a variable assigned from one
    names = _VAR.findall(word.raw)
    if names and set_from_command(ctx, ins).issuperset(names):
        return None
    if not set_in_run(ctx, ins).isdisjoint(names):
        values = shell_values(ctx, ins, word)
        if values is None:
            return _Verdict(
                word, f"`{word.value}` (a shell variable: its packages can't be checked)"
            )
        if any(v is None for v in values):
            return None  # assigned a command's output
        return _unpinned(word, " ".join(v for v in values if v), allow_tilde)
    expansion = expand_at(ctx.dockerfile, ins, word.raw, "\\")
    if not expansion.complete:
        return _Verdict(word, f"`{word.value}` (no ARG/ENV value: its packages can't be checked)")
    return _unpinned(word, expansion.value, allow_tilde)


def _unpinned(word: Word, value: str, allow_tilde: bool) -> _Verdict | None:
    """None when every package of ``value`` (what ``word`` expands to) is pinned."""
    bad = []
    for part in value.split():
        p = pin_of(part)
        if not p.pinned or (p.fuzzy and not allow_tilde):
            bad.append(part)
    if not bad:
        return None
    shown = excerpt(" ".join(bad), _QUOTED)
    return _Verdict(word, f"`{excerpt(word.value, _QUOTED)}` (= {shown})")


def _message(bad: list[_Verdict], allow_tilde: bool) -> str:
    shown = ", ".join(v.text for v in bad[:_LISTED])
    if len(bad) > _LISTED:
        shown += f" and {len(bad) - _LISTED} more"
    how = "`name=<version>` or `name~<major.minor>`" if allow_tilde else "`name=<version>`"
    noun = "package" if len(bad) == 1 else "packages"
    return f"`apk add` of {noun} without a version pin: {shown}; pin as {how}"


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per ``apk add`` with unpinned arguments, at the first of them."""
        allow_tilde = bool(ctx.option(META, "allow-tilde"))
        for stage in ctx.stages:
            if not apk_stage(ctx, stage):
                continue
            for ins, cmd in ctx.commands(stage, "apk"):
                if cmd.subcommand != "add":
                    continue
                bad = [
                    v for w in cmd.operands if (v := _judge(ctx, ins, w, allow_tilde)) is not None
                ]
                if bad:
                    yield ctx.finding(
                        META, bad[0].word.start, _message(bad, allow_tilde), end=bad[0].word.end
                    )


RULE = Rule()
