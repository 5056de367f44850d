"""AR201 glibc-binary-download: a glibc build downloaded onto an Alpine stage.

Looks at every URL in the RUNs (``curl``, ``wget``, assignments, ``pip install URL``…,
after ARG/ENV substitution) and in ``ADD`` sources of stages whose base is Alpine.  A URL
is a glibc build when it matches a pattern of ``knowledge/data/glibc-downloads.json``
(the table translate reads too): Node's ``node-v…-linux-x64.tar.xz`` (not ``-musl``), a
Rust target ``…-unknown-linux-gnu``, a ``linux-gnu``/``linux-x64-gnu`` asset, a
``glibc2.28``-style file name, a ``manylinux`` wheel, a ``.deb``/``.rpm`` package,
NodeSource's setup script, Bun's, Temurin's and the AWS CLI's glibc builds.
Where the musl sibling's name is known (Node's unofficial-builds ``-linux-x64-musl``,
Rust's ``-unknown-linux-musl``, ``linux-musl`` GitHub release assets) the fix rewrites
the URL: unsafe, because that version may have no musl build.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...dockerfile import Instruction, Position, Stage, Word
from ..context import LintContext
from ..model import Finding, Fix, FixSafety, RuleDoc, RuleMeta, Severity
from ._musl import (
    URL,
    GlibcDownload,
    expanded,
    glibc_download,
    run_words,
    text_edit,
    word_edit,
    word_point,
)

META = RuleMeta(
    code="AR201",
    name="glibc-binary-download",
    severity=Severity.ERROR,
    category="musl",
    fix=FixSafety.UNSAFE,
    doc=RuleDoc(
        summary="A glibc build is downloaded onto an Alpine (musl) stage",
        what="A URL in a RUN or ADD of an Alpine stage that names a glibc build: Node's "
        "`node-v…-linux-x64.tar.xz`, a Rust `…-unknown-linux-gnu` target, a "
        "`linux-gnu` asset, a `glibc2.x` file name, a `manylinux` wheel, or a "
        "`.deb`/`.rpm` package.",
        why="A glibc program asks for `/lib64/ld-linux-x86-64.so.2`, which Alpine does not "
        "have: it fails with `not found` (exit 127), or with `Error relocating …: "
        "symbol not found` once gcompat supplies a loader. pip refuses manylinux "
        "wheels on musl, and Alpine has neither dpkg nor rpm.",
        example="FROM alpine:3.20\nRUN curl -fsSLO "
        "https://nodejs.org/dist/v20.18.0/node-v20.18.0-linux-x64.tar.xz",
        instead="FROM alpine:3.20\nRUN curl -fsSLO https://unofficial-builds.nodejs.org/"
        "download/release/v20.18.0/node-v20.18.0-linux-x64-musl.tar.xz",
    ),
)


def _message(hit: GlibcDownload, musl: str | None) -> str:
    text = f"{hit.url} is {hit.what}: {hit.why}"
    if musl is not None:
        return text + f"; the musl build would be {musl} (check that this version has one)"
    if hit.hint is not None:
        return text + f"; {hit.hint}"
    return (
        text + "; use a musl (or static) build, build it from source, or keep this "
        "stage on a glibc base image"
    )


def _at(word: Word, url: str) -> Position:
    """Where ``url`` starts in the word (its first URL as written, when ARGs changed it)."""
    offset = word.raw.find(url)
    if offset < 0:
        m = URL.search(word.raw)
        offset = m.start() if m else 0
    return word_point(word, offset)


class Rule:
    """See :data:`META`."""

    meta = META

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """One finding per glibc URL in the RUNs and ADDs of Alpine stages."""
        for stage in ctx.stages:
            if not ctx.is_alpine(stage):
                continue
            seen: set[tuple[Position, str]] = set()
            for ins, _cmd, word in run_words(ctx, stage):
                if "://" not in word.value:
                    continue
                for url in URL.findall(expanded(ctx, ins, word.raw)):
                    hit = glibc_download(url)
                    if hit is None:
                        continue
                    at = _at(word, url)
                    if (at, url) in seen:
                        continue
                    seen.add((at, url))
                    new_raw = hit.musl_raw(word.raw)
                    fix = None
                    musl_url = None
                    if new_raw is not None:
                        musl_url = next(iter(URL.findall(expanded(ctx, ins, new_raw))), None)
                        fix = _fix(ctx, ins, word, new_raw, musl_url)
                    yield ctx.finding(META, at, _message(hit, musl_url), fix=fix)
            yield from _adds(ctx, stage)


def _basename(raw: str) -> str:
    return raw.rstrip("\"'").rsplit("/", 1)[-1]


def _fix(
    ctx: LintContext, ins: Instruction, word: Word, new_raw: str, musl_url: str | None
) -> Fix | None:
    """The URL rewritten, and the downloaded file's name wherever the RUN uses it."""
    edit = word_edit(ctx, word, new_raw)
    if edit is None:
        return None
    edits = [edit]
    old_name, new_name = _basename(word.raw), _basename(new_raw)
    if old_name != new_name and "." in old_name:
        seen = {word.start}
        for _, cmd in ctx.commands(ins):
            for other in (
                *cmd.command.words,
                *(r.target for r in cmd.command.redirects if r.target),
            ):
                if (
                    other.start in seen
                    or old_name not in other.raw
                    or "://" in other.raw
                    or any(c.isspace() for c in other.value)
                ):
                    continue
                seen.add(other.start)
                more = word_edit(ctx, other, other.raw.replace(old_name, new_name))
                if more is not None:
                    edits.append(more)
    what = f"download the musl build: {musl_url}"
    if len(edits) > 1:
        what += f" (and use {new_name} where the RUN names the file)"
    return Fix(FixSafety.UNSAFE, what, tuple(edits))


def _adds(ctx: LintContext, stage: Stage) -> Iterator[Finding]:
    for ins in stage.instructions:
        if ins.keyword != "ADD" or len(ins.arguments) < 2:
            continue
        for arg, pos in zip(ins.arguments[:-1], ins.argument_positions, strict=False):
            if pos is None:
                continue
            for url in URL.findall(expanded(ctx, ins, arg)):
                hit = glibc_download(url)
                if hit is None:
                    continue
                fix = None
                musl_url = None
                new_arg = hit.musl_raw(arg)
                if new_arg is not None:
                    musl_url = next(iter(URL.findall(expanded(ctx, ins, new_arg))), None)
                    edit = text_edit(ctx, pos, arg, new_arg)
                    if edit is not None:
                        fix = Fix(FixSafety.UNSAFE, f"download the musl build: {musl_url}", (edit,))
                yield ctx.finding(META, pos, _message(hit, musl_url), fix=fix)


RULE = Rule()
