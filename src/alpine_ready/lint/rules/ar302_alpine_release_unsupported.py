"""AR302 alpine-release-unsupported: an Alpine base past its end of support.

Fires on the ``FROM`` of a stage whose base names an Alpine release (``alpine:3.18``,
``alpine:3.18.4``, ``python:3.12-alpine3.18``, an ARG default that resolves to one)
whose security support ended before today: the dates are Alpine's release-branches
table (``knowledge/data/alpine-support.json``, with its source); a release older than
every row is unsupported, one newer than every row is not judged.  The ``today`` option
(ISO date) replaces the current date, for tests and reproducible CI.  The unsafe fix
moves the tag to the newest release the tool knows when that one is supported and the
release is written in the ``FROM`` itself (not through an ARG, not with a digest).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from ... import knowledge
from ...dockerfile import Stage
from ...knowledge.images import alpine_support, base_images
from ..context import LintContext
from ..model import Finding, Fix, FixSafety, RuleDoc, RuleMeta, Severity
from ._musl import official_name, text_edit

META = RuleMeta(
    code="AR302",
    name="alpine-release-unsupported",
    severity=Severity.WARNING,
    category="base",
    fix=FixSafety.UNSAFE,
    doc=RuleDoc(
        summary="Alpine base release past its end of support",
        what="A `FROM` whose Alpine release (`alpine:3.18`, `python:3.12-alpine3.18`) is "
        "older than the oldest release Alpine still supports on the day of the lint "
        "(Alpine's release-branches table, shipped as data; option `today` sets the "
        "day).",
        why="An unsupported release gets no security fixes: every CVE published after its "
        "end of support stays in the image, and scanners (Trivy, Grype) report the "
        "whole OS as end of life.",
        example="FROM python:3.12-alpine3.18",
        instead="FROM python:3.12-alpine3.23",
    ),
    options=(("today", None),),
)


def _today(ctx: LintContext) -> dt.date:
    value = ctx.option(META, "today")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return dt.date.today()


def _fix(ctx: LintContext, stage: Stage, version: str, target: str) -> Fix | None:
    image = stage.base_image
    if (
        image is None
        or image.digest is not None
        or stage.base_original != stage.base
        or image.tag is None
    ):
        return None
    tag = image.tag
    if official_name(image) in base_images().alpine_names and re.fullmatch(
        r"\d+\.\d+(\.\d+)?", tag
    ):
        new_tag = target
    else:
        new_tag, n = re.subn(
            rf"alpine{re.escape(version)}(\.\d+)?(?![\d.])", f"alpine{target}", tag
        )
        if n != 1:
            return None
    text = stage.base_original
    if not text.endswith(":" + tag):
        return None
    new = text[: len(text) - len(tag)] + new_tag
    edit = text_edit(ctx, stage.base_position, text, new)
    return Fix(FixSafety.UNSAFE, f"move to Alpine {target}: {new}", (edit,)) if edit else None


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per FROM of an unsupported Alpine release."""
        today = _today(ctx)
        support = alpine_support()
        oldest = support.oldest_supported(today)
        target = knowledge.default_release()
        target_ok = support.is_supported(target, today) is True
        for stage in ctx.stages:
            if stage.parent is not None or stage.base_image is None:
                continue
            version = ctx.facts(stage).alpine_version
            if version is None or support.is_supported(version, today) is not False:
                continue
            branch = support.branch(version)
            ended = (
                f"reached end of support on {branch.end_of_support.isoformat()}"
                if branch
                else "is older than every release in Alpine's release table"
            )
            now = (
                f"the oldest supported release is {oldest.version}"
                if oldest
                else "no release in the tool's table is still supported"
            )
            yield ctx.finding(
                META,
                stage.base_position,
                f"Alpine {version} ({stage.base_image.text}) {ended}: no more security "
                f"fixes; {now} (as of {today.isoformat()}, Alpine's release branches)",
                fix=_fix(ctx, stage, version, target) if target_ok else None,
            )


RULE = Rule()
