"""AR301 alpine-untagged-or-latest: an Alpine base that names no Alpine release.

Fires on the ``FROM`` of a stage whose base is the ``alpine`` image with no tag,
``latest``, ``edge`` (the development branch) or ``3`` (which follows every 3.x
release), or any image with the bare tag ``alpine`` (``python:alpine``,
``node:alpine``): the Alpine release changes under the Dockerfile with every pull.  A
digest (``alpine@sha256:…``) pins it: not flagged.  The unsafe fix pins the newest
release the tool knows (:func:`alpine_ready.knowledge.default_release`): ``alpine`` →
``alpine:3.23``, ``python:alpine`` → ``python:alpine3.23`` (for official images that
publish ``alpine3.N`` tags); unsafe because moving to another release can change
package versions.  hadolint's DL3007 (``latest``) and DL3006 (no tag) cover part of
this; the mapping is DL3007.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import knowledge
from ...dockerfile import Stage
from ...knowledge.images import base_images
from ..context import LintContext
from ..model import Finding, Fix, FixSafety, RuleDoc, RuleMeta, Severity
from ._musl import official_name, text_edit

META = RuleMeta(
    code="AR301",
    name="alpine-untagged-or-latest",
    severity=Severity.WARNING,
    category="base",
    hadolint="DL3007",
    fix=FixSafety.UNSAFE,
    doc=RuleDoc(
        summary="Alpine base image without an Alpine release (`alpine`, `alpine:latest`, "
        "`python:alpine`)",
        what="A `FROM` of `alpine` with no tag, `latest`, `edge` or `3`, or of any image "
        "with the bare `alpine` tag (`python:alpine`, `node:alpine`), without a "
        "digest.",
        why="The Alpine release under the image changes with every pull: a rebuild "
        "months later gets other package versions, other sonames (openssl, icu) and "
        "possibly another musl, and fails or behaves differently with no change to "
        "the Dockerfile. `edge` is Alpine's development branch.",
        example="FROM python:alpine",
        instead="FROM python:3.12-alpine3.23",
    ),
)

_FLOATING = (None, "latest", "edge", "3")


def _fix(ctx: LintContext, stage: Stage, release: str) -> Fix | None:
    image = stage.base_image
    if image is None or stage.base_original != stage.base:
        return None
    name = official_name(image)
    text = stage.base_original
    if name in base_images().alpine_names:
        bare = text.rsplit(":", 1)[0] if image.tag is not None else text
        new = f"{bare}:{release}"
    else:
        spec = base_images().images.get(name or "")
        if spec is None or not spec.release_suffix:
            return None
        new = f"{text.rsplit(':', 1)[0]}:alpine{release}"
    edit = text_edit(ctx, stage.base_position, text, new)
    if edit is None:
        return None
    return Fix(FixSafety.UNSAFE, f"pin the Alpine release: {new}", (edit,))


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per FROM of an Alpine image with a floating release."""
        release = knowledge.default_release()
        for stage in ctx.stages:
            image = stage.base_image
            if image is None or stage.parent is not None or image.digest is not None:
                continue
            name = official_name(image)
            if name in base_images().alpine_names and image.tag in _FLOATING:
                what = {
                    None: "names no tag (latest)",
                    "latest": "is tagged latest",
                    "edge": "is Alpine's development branch (edge)",
                    "3": "follows every Alpine 3.x release",
                }[image.tag]
            elif image.tag == "alpine":
                what = "has the bare alpine tag (the newest Alpine release)"
            else:
                continue
            yield ctx.finding(
                META,
                stage.base_position,
                f"FROM {image.text} {what}: the Alpine release changes with "
                f"every pull; pin one (the newest known is {release})",
                fix=_fix(ctx, stage, release),
            )


RULE = Rule()
