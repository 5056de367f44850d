"""What the package-index rules (AR108, AR109) share: the stage's index and its packages.

Private (the leading underscore keeps the registry from loading it as a rule).

* :func:`stage_index`: Alpine's package index of the release a stage's ``FROM`` names
  (``alpine:3.20``, ``python:3.12-alpine3.20``), or None -- no release in the tag, no
  index lookups in this run (``lint`` without a context that has them), or no index
  could be read (offline with a cold cache): the rules are silent then.
* :func:`added_packages`: the literal package arguments of the stage's own ``apk add``
  commands, except where another repository is named (``--repository``, ``-X``,
  ``name@tag``, or a RUN of the stage adds one to ``/etc/apk/repositories`` before):
  the release's index cannot speak for those.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ...dockerfile import Instruction, Stage, Word
from ...knowledge.apkindex import PackageIndex
from ...knowledge.apkrepo import release_branch
from ..context import LintContext
from ._apk import _SPEC, apk_stage

_OTHER_REPOSITORY = frozenset({"repository", "X", "repositories-file", "allow-untrusted"})
#: a write to apk's list of repositories (``echo "https://…" >> /etc/apk/repositories``)
_REPOSITORIES_WRITE = re.compile(r"""(?:>>?|\btee\b[^|;&]*?)\s*["']?/etc/apk/repositories\b""")


def adds_repository(ins: Instruction) -> bool:
    """True when the RUN writes ``/etc/apk/repositories`` (adds another repository)."""
    return ins.keyword == "RUN" and _REPOSITORIES_WRITE.search(ins.arguments_text) is not None


def other_repository_from(stage: Stage) -> int | None:
    """The index of the stage's first RUN adding a repository, or None.

    The release's index does not speak for names installed from there on.
    """
    return next((ins.index for ins in stage.instructions if adds_repository(ins)), None)


@dataclass(frozen=True)
class Added:
    """One package argument of an ``apk add``."""

    instruction: Instruction
    word: Word
    name: str
    op: str  # "=", "~", ">=", … or "" when unpinned
    version: str


def stage_index(ctx: LintContext, stage: Stage) -> PackageIndex | None:
    """The package index of the stage's Alpine release, or None (see the module doc)."""
    if ctx.package_indexes is None or not apk_stage(ctx, stage):
        return None
    release = release_branch(ctx.facts(stage).alpine_version)
    if release is None or release == "edge":
        return None
    return ctx.package_indexes(release)


def added_packages(ctx: LintContext, stage: Stage) -> Iterator[Added]:
    """The literal ``name[op version]`` arguments of the stage's ``apk add`` commands."""
    other_from = other_repository_from(stage)
    for ins, cmd in ctx.commands(stage, "apk"):
        if cmd.subcommand != "add" or any(o.name in _OTHER_REPOSITORY for o in cmd.options):
            continue
        if other_from is not None and ins.index >= other_from:
            continue  # another repository may have it
        for w in cmd.operands:
            spec = w.value
            if not w.static or spec.endswith(".apk") or "/" in spec or spec.startswith("."):
                continue
            m = _SPEC.match(spec)
            if m is None or m["tag"] or not m["name"] or ":" in m["name"]:
                continue  # another repository's tag, or so:/cmd:/pc: (provides)
            yield Added(ins, w, m["name"], m["op"] or "", m["version"] or "")
