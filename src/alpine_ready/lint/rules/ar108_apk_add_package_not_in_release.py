"""AR108 apk-add-package-not-in-release: ``apk add`` of a name the Alpine release lacks.

Asked of Alpine's package index of the release the ``FROM`` names (``main`` and
``community``, :mod:`alpine_ready.knowledge.apkrepo`); silent when no index can be read.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._index import added_packages, stage_index

META = RuleMeta(
    code="AR108",
    name="apk-add-package-not-in-release",
    severity=Severity.ERROR,
    category="apk",
    doc=RuleDoc(
        summary="`apk add` of a package the stage's Alpine release does not have",
        what="A literal package argument of `apk add` that is neither a package nor "
        "provided by one in Alpine's package index (APKINDEX of `main` and `community`) of "
        "the release the stage's `FROM` names (`alpine:3.20`, `python:3.12-alpine3.20`). "
        "Where the index's `cmd:`, `so:` or `pc:` provides know the name, the message names "
        "the package to install. Only with an index: online (cached, revalidated), or "
        "cached for `--offline`; silent otherwise, and for a floating tag (`alpine`, "
        "`python:3.12-alpine`), `edge`, `--repository`/`-X`, `name@tag` and any `apk add` "
        "after a RUN of the stage writes /etc/apk/repositories (other repositories), "
        "variables and `.apk` files.",
        why="`apk add` of a name the release does not have fails the build (`unable to "
        "select packages`). Debian names (`libssl-dev`), names from another release and "
        "typos all end there.",
        example="FROM alpine:3.20\nRUN apk add --no-cache libssl-dev",
        instead="FROM alpine:3.20\nRUN apk add --no-cache openssl-dev",
    ),
)


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per package argument the release's index does not know."""
        for stage in ctx.stages:
            index = stage_index(ctx, stage)
            if index is None:
                continue
            for add in added_packages(ctx, stage):
                if index.provider(add.name) is not None:
                    continue
                hints = index.provides_hints(add.name)
                yield ctx.finding(
                    META,
                    add.word.start,
                    f"`{add.name}` is not a package of Alpine {index.release} (its package "
                    "index, main and community): `apk add` fails"
                    + ("; " + "; ".join(hints) if hints else ""),
                    end=add.word.end,
                )


RULE = Rule()
