"""AR109 apk-add-pin-not-current: an exact ``apk add`` pin the release no longer has.

Asked of Alpine's package index of the release the ``FROM`` names; silent when no index
can be read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._index import added_packages, stage_index

META = RuleMeta(
    code="AR109",
    name="apk-add-pin-not-current",
    severity=Severity.ERROR,
    category="apk",
    doc=RuleDoc(
        summary="`apk add name=version` whose version the release no longer has",
        what="A literal exact pin (`curl=8.5.0-r0`) in `apk add` whose version is not the "
        "one Alpine's package index (`main` and `community`) of the stage's release holds "
        "now. Fuzzy (`~`) and range pins are not checked. Only with an index (see AR108); "
        "silent otherwise.",
        why="A release branch keeps only the current revision of each package: once "
        "`curl` is rebuilt (a security fix, `-r1`), `apk add curl=8.5.0-r0` cannot be "
        "satisfied and the build fails.",
        example="FROM alpine:3.20\nRUN apk add --no-cache curl=8.5.0-r0",
        instead="FROM alpine:3.20\nRUN apk add --no-cache curl~8.5",
    ),
)


def _tilde(version: str) -> str:
    """``8.5`` for ``8.5.0-r0``: the prefix a ``~`` pin keeps patch releases with."""
    m = re.match(r"(\d+)(?:\.(\d+))?", version)
    if m is None:
        return version
    return m.group(1) + (f".{m.group(2)}" if m.group(2) else "")


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per exact pin whose version is not the index's."""
        for stage in ctx.stages:
            index = stage_index(ctx, stage)
            if index is None:
                continue
            for add in added_packages(ctx, stage):
                if add.op != "=" or not add.version:
                    continue
                current = index.version(add.name)
                if current is None or current == add.version:
                    continue  # a name the release lacks is AR108's
                yield ctx.finding(
                    META,
                    add.word.start,
                    f"`{add.name}={add.version}`: Alpine {index.release} has {add.name} "
                    f"{current} (a release branch keeps only the current revision): `apk "
                    f"add` fails; pin `{add.name}~{_tilde(current)}` or `{add.name}={current}`",
                    end=add.word.end,
                )


RULE = Rule()
