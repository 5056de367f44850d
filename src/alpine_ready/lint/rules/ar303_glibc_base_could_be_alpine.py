"""AR303 glibc-base-could-be-alpine: a suggestion to move the final image to Alpine.

Looks at the last stage only (the image that ships), and only when it starts from a
Docker Hub image with a known Alpine counterpart (``debian``/``ubuntu`` →
``alpine:<release>``; ``python:3.12-slim`` → ``python:3.12-alpine``, …: the table in
``knowledge/data/alpine-base-images.json``, rewritten by the function translate's
``FROM`` rewrite uses, so the suggestion is what ``alpine-ready translate`` writes).  It
stays silent when anything in that stage ties it to glibc:

- a glibc download (what AR201 recognises: ``-linux-gnu``, Node's ``linux-x64``
  tarball, manylinux wheels, ``.deb``/``.rpm``), a ``dpkg -i``, yum/dnf/rpm;
- an ``apt-get``/``apt install`` of a package with no reviewed Alpine equivalent
  (``knowledge/data/apt-to-apk.json``), or one given through a variable;
- conda, mamba or micromamba (conda packages are glibc builds);
- ``COPY --from`` another image, or from a stage that is not itself Alpine (its
  binaries were linked against glibc);
- a ``pip install`` the dependency check says cannot install on musl (``unavailable``).

Style severity: a suggestion, never a defect.  The message gives the size saving when
both images are in ``knowledge/data/base-image-sizes.json``.  No fix here:
``alpine-ready translate`` writes the Alpine version of the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ... import knowledge
from ...dockerfile import ImageName, Stage
from ...knowledge.distros import DEBIAN_FAMILIES, distro_tools
from ...knowledge.images import alpine_counterpart, apt_package_known, base_image_size
from ..context import LintContext
from ..model import Finding, RuleDoc, RuleMeta, Severity
from ._musl import URL, expanded, glibc_download, pip_installs, pip_statuses, run_words

META = RuleMeta(
    code="AR303",
    name="glibc-base-could-be-alpine",
    severity=Severity.STYLE,
    category="base",
    doc=RuleDoc(
        summary="The final image uses a glibc base although nothing in it needs glibc",
        what="The last stage starts from a Debian/Ubuntu-based official image "
        "(`python:3.12-slim`, `node:20-bookworm`, `debian`) that has an Alpine "
        "variant, and nothing in the stage needs glibc: no glibc downloads, no apt "
        "packages without an Alpine equivalent, no conda, no binaries copied from a "
        "glibc stage or another image. A suggestion only.",
        why="The Alpine variant of a base is several times smaller (python:3.12-slim is "
        "about 125 MB, python:3.12-alpine about 50 MB): faster pulls, less to scan. "
        "Whether your dependencies work on musl is for `alpine-ready deps` to check.",
        example='FROM python:3.12-slim\nCOPY app.py /app/\nCMD ["python", "/app/app.py"]',
        instead='FROM python:3.12-alpine\nCOPY app.py /app/\nCMD ["python", "/app/app.py"]',
    ),
)

_APT_NAME = re.compile(r"^([a-z0-9][a-z0-9+.-]*)")


def _conda(url: str) -> bool:
    low = url.lower()
    return any(name in low for name in distro_tools().conda_installers)


def _glibc_programs() -> frozenset[str]:
    """Conda's tools and the non-Debian package managers (apt and dpkg are judged apart)."""
    table = distro_tools()
    return table.of_families("conda") | (
        table.package_managers - table.of_families(*DEBIAN_FAMILIES)
    )


def glibc_signals(ctx: LintContext, stage: Stage) -> Iterator[str]:
    """Why ``stage`` needs glibc (empty when nothing is known to)."""
    for ins, _cmd, word in run_words(ctx, stage):
        text = word.value if word.static else expanded(ctx, ins, word.raw)
        for url in URL.findall(text):
            if glibc_download(url) is not None:
                yield f"downloads {url}"
            elif _conda(url):
                yield f"installs conda ({url})"
    programs = _glibc_programs()
    for _, parsed in ctx.commands(stage):
        program = parsed.program
        if program in programs:
            yield f"runs {program}"
        elif program == "dpkg" and parsed.has("install", "i", "unpack"):
            yield "installs a .deb with dpkg"
        elif program in ("apt-get", "apt") and parsed.subcommand == "install":
            for w in parsed.operands:
                m = _APT_NAME.match(w.value) if w.static else None
                if m is None:
                    yield f"installs {w.value} (not known)"
                elif not apt_package_known(m[1]):
                    yield f"installs {m[1]} (no known Alpine equivalent)"
    for ins in stage.instructions:
        if ins.keyword == "ADD":
            for arg in ins.arguments[:-1]:
                for url in URL.findall(expanded(ctx, ins, arg)):
                    if glibc_download(url) is not None:
                        yield f"adds {url}"
        if ins.keyword == "COPY" and ins.flag("from") is not None:
            source = ins.flag("from")
            name = (source.value or "") if source else ""
            other = ctx.dockerfile.stage_named(name)
            if other is None:
                yield f"copies from the image {name}"
            elif ctx.facts(other).libc != "musl":
                yield f"copies from stage {name} (built on glibc)"
    for _ins, _pip, reqs in pip_installs(ctx, stage):
        statuses = pip_statuses(ctx, reqs, stage)
        for r in reqs:
            if statuses.get(r.query) == "unavailable":
                yield f"pip installs {r.query} (no musl build)"


def suggestion(image: ImageName) -> str | None:
    """The Alpine image AR303 suggests for a Docker Hub base (None: none known).

    :func:`~alpine_ready.knowledge.images.alpine_counterpart` decides, as it does for
    translate's ``FROM`` rewrite (with the newest release the tool knows, unpinned).
    """
    short = image.repository.removeprefix("library/")
    word = f"{short}:{image.tag}" if image.tag is not None else short
    return alpine_counterpart(word, knowledge.default_release()).new


def _target_size(target: str) -> float | None:
    name, _, tag = target.partition(":")
    size = base_image_size(name, tag or None)
    return size.uncompressed_mb if size else None


def _saving(image: ImageName, target: str) -> str:
    here = base_image_size(image.short_name, image.tag)
    there = _target_size(target)
    if here is None or there is None or here.uncompressed_mb <= there:
        return (
            f"{image.text} → {target} would make the image smaller (this base's size is "
            f"not in the tool's table)"
        )
    saved = here.uncompressed_mb - there
    return (
        f"{image.text} → {target} would save ~{saved:.0f} MB uncompressed (known base "
        f"sizes: ~{here.uncompressed_mb:.0f} MB vs ~{there:.0f} MB)"
    )


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """At most one finding: on the final stage's FROM."""
        if not ctx.stages:
            return
        final = ctx.stages[-1]
        image = final.base_image
        if (
            image is None
            or final.parent is not None
            or image.registry != "docker.io"
            or ctx.facts(final).libc != "glibc"
        ):
            return
        target = suggestion(image)
        if target is None or next(glibc_signals(ctx, final), None) is not None:
            return
        yield ctx.finding(
            META,
            final.base_position,
            f"{_saving(image, target)}; nothing in this stage needs glibc "
            f"that the linter can see: check your dependencies with "
            f"alpine-ready deps (alpine-ready translate writes the Alpine "
            f"version)",
        )


RULE = Rule()
