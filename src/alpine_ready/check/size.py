"""The size estimate: today's image beside the predicted Alpine image, each number with its basis.

The Alpine image is the sum of four parts:

1. **the Alpine base**: the translated final stage's base. ``alpine:X.Y`` with the
   release's package index at hand is the installed size (``I:``) of the closure of the
   alpine image's packages (the release profile's list); any other base is the
   approximate size of ``knowledge/data/base-image-sizes.json``;
2. **the apk add closure**: every package the translated Dockerfile's final stage (and
   the stages it builds on) installs with ``apk add``, with their dependencies, minus what
   the base already has -- installed sizes from the index;
3. **build-only packages removed**: the part of that closure only a ``--virtual`` group
   deleted later (``.build-deps``) brings in, subtracted;
4. **the application**: the image's own layers above its base (inspect of ``--image``),
   else the files the final stage COPYs or ADDs from PATH.

Today's image is inspect's size of ``--image``, else the original final stage's base
(knowledge data, Docker Hub sizes) plus the same application files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..dockerfile import Stage, parse_text
from ..knowledge import profile, release
from ..knowledge.sizes import base_image_size
from .report import SizeEstimate, SizeFigure, SizePart

if TYPE_CHECKING:
    from ..inspection import InspectReport
    from ..knowledge.apkindex import PackageIndex

MB = 1_000_000


@dataclass(frozen=True)
class StageFacts:
    """What the final stage of a Dockerfile installs, copies and is built on."""

    base: str | None  # the image the FROM chain starts from ("python:3.12-alpine")
    base_name: str | None  # its short name ("python")
    base_tag: str | None
    runtime: tuple[str, ...]  # apk add names kept in the image
    build_only: tuple[str, ...]  # apk add --virtual NAME … later apk del NAME
    copies: tuple[str, ...]  # COPY/ADD sources from the build context
    from_stages: tuple[str, ...] = ()  # COPY --from sources (another stage or image)


def _chain(stages: tuple[Stage, ...], final: Stage) -> list[Stage]:
    out = [final]
    seen = {final.index}
    while out[-1].parent is not None and out[-1].parent not in seen:
        seen.add(out[-1].parent)
        out.append(stages[out[-1].parent])
    return out[::-1]


def final_stage(text: str, path: str) -> StageFacts:
    """The final stage's base, apk packages and context copies (of a Dockerfile's text)."""
    from ..lint.context import LintContext

    df = parse_text(text, path)
    ctx = LintContext(df)
    stages = ctx.stages
    if not stages:
        return StageFacts(None, None, None, (), (), ())
    final = stages[-1]
    chain = _chain(stages, final)
    root = chain[0]
    image = root.base_image
    added: list[str] = []
    groups: dict[str, list[str]] = {}
    deleted: set[str] = set()
    copies: list[str] = []
    from_stages: list[str] = []
    for stage in chain:
        for ins in stage.instructions:
            if ins.keyword in ("COPY", "ADD"):
                srcs = [a for a in ins.arguments[:-1] if not a.startswith("<<")]
                origin = next((f.value for f in ins.flags if f.name == "from"), None)
                if origin is None:
                    copies += srcs
                else:
                    from_stages.extend(f"{origin}:{a}" for a in srcs)
            if ins.keyword != "RUN":
                continue
            for _, cmd in ctx.commands(ins, "apk"):
                names = [n for n in cmd.packages if n and not n.startswith("-")]
                if cmd.subcommand == "add":
                    group = cmd.value("virtual")
                    if group:
                        groups.setdefault(group, []).extend(names)
                    else:
                        added.extend(names)
                elif cmd.subcommand == "del":
                    deleted.update(names)
    build_only = [n for g, names in groups.items() if g in deleted for n in names]
    kept_groups = [n for g, names in groups.items() if g not in deleted for n in names]
    runtime = [n for n in [*added, *kept_groups] if n not in deleted]
    return StageFacts(
        image.text if image else root.base,
        image.short_name if image else None,
        image.tag if image else None,
        tuple(dict.fromkeys(_apk_name(n) for n in runtime)),
        tuple(dict.fromkeys(_apk_name(n) for n in build_only if n not in runtime)),
        tuple(copies),
        tuple(from_stages),
    )


def _apk_name(spec: str) -> str:
    for sep in ("=", "~", "<", ">", "@"):
        spec = spec.split(sep, 1)[0]
    return spec


def context_bytes(root: Path, sources: Iterable[str]) -> tuple[int, int]:
    """(bytes, files) of what COPY/ADD sources name in the build context (``.git`` left out)."""
    seen: set[Path] = set()
    total = 0
    for src in sources:
        pattern = src.lstrip("/").rstrip("/") or "."
        hits = [root] if pattern == "." else sorted(root.glob(pattern))
        for p in hits:
            walk = [p] if p.is_file() else [Path(d) / f for d, _, fs in os.walk(p) for f in fs]
            for f in walk:
                if ".git" in f.relative_to(root).parts or f in seen or f.is_symlink():
                    continue
                seen.add(f)
                try:
                    total += f.stat().st_size
                except OSError:
                    continue
    return total, len(seen)


def alpine_image_packages(alpine: str) -> tuple[str, ...]:
    """The packages of the ``alpine:X.Y`` image (the release profile's list)."""
    data = profile(release(alpine).profile)
    return tuple(p["name"] for p in data["packages"])


def _known(name: str | None, tag: str | None) -> tuple[int, str] | None:
    if name is None:
        return None
    got = base_image_size(name, tag)
    if got is None:
        return None
    return (
        int(got.uncompressed_mb * MB),
        f"{got.image}: ~{got.uncompressed_mb:g} MB uncompressed ({got.basis})",
    )


def estimate(
    *,
    alpine: str,
    original: StageFacts | None,
    translated: StageFacts | None,
    root: Path,
    index: PackageIndex | None,
    inspected: InspectReport | None,
    image: str | None,
    manifests: dict[str, int] | None = None,
) -> tuple[SizeEstimate, list[str]]:
    """Today's size and the predicted Alpine size, part by part; and what could not be known."""
    notes: list[str] = []
    parts: list[SizePart] = []
    unknown_base = False

    # 1. the Alpine base
    base_pkgs: tuple[str, ...] = ()
    if index is not None:
        base_pkgs = index.install_closure(alpine_image_packages(alpine)).packages
    if translated is not None and translated.base_name == "alpine" and index is not None:
        size = sum(index.installed_size(p) or 0 for p in base_pkgs)
        parts.append(
            SizePart(
                "alpine base",
                size,
                f"alpine:{alpine}: installed sizes (I:) of the image's {len(base_pkgs)} "
                f"packages in the Alpine {alpine} package index" + _manifest(translated, manifests),
                base_pkgs,
            )
        )
    else:
        known = _known(
            translated.base_name if translated else "alpine",
            translated.base_tag if translated else None,
        )
        if known is None:
            shown = translated.base if translated else None
            notes.append(f"the size of {shown} is not known: no Alpine total is given")
            parts.append(SizePart("alpine base", 0, f"{shown}: size not known (not counted)"))
            unknown_base = True
        else:
            parts.append(
                SizePart("alpine base", known[0], known[1] + _manifest(translated, manifests))
            )

    # 2.-3. the apk add closure, build-only packages removed
    if translated is not None and (translated.runtime or translated.build_only):
        everything = [*translated.runtime, *translated.build_only]
        if index is None:
            notes.append("no Alpine package index: the apk add packages are not counted")
            parts.append(
                SizePart(
                    "apk add closure",
                    0,
                    "no Alpine package index could be read (the mirror unreachable, or offline "
                    "with a cold cache): not counted",
                    tuple(everything),
                )
            )
        else:
            base = set(base_pkgs)
            closure = index.install_closure(everything)
            full = [p for p in closure.packages if p not in base]
            missing = (
                f"; not in the index, not counted: {', '.join(closure.unresolved)}"
                if closure.unresolved
                else ""
            )
            if closure.unresolved:
                notes.append(
                    f"apk add names the Alpine {alpine} index does not have: "
                    + ", ".join(closure.unresolved)
                )
            kept = set(index.install_closure(list(translated.runtime)).packages) - base
            size_of = {p: index.installed_size(p) or 0 for p in full}
            parts.append(
                SizePart(
                    "apk add closure",
                    sum(size_of.values()),
                    f"installed sizes (I:) in the Alpine {alpine} package index of "
                    f"{len(full)} package(s) apk add brings in beyond the base{missing}",
                    tuple(full),
                )
            )
            removed = [p for p in full if p not in kept]
            if removed:
                parts.append(
                    SizePart(
                        "build-only packages removed",
                        -sum(size_of[p] for p in removed),
                        "the --virtual group(s) deleted in the build ("
                        + ", ".join(translated.build_only)
                        + "): their packages are not in the image",
                        tuple(removed),
                    )
                )

    # 4. the application
    app_bytes, app_basis = _application(root, translated, inspected, image)
    parts.append(SizePart("application", app_bytes, app_basis))
    total = sum(p.bytes for p in parts)
    alpine_fig = (
        SizeFigure(None, None, "not known: the size of the Alpine base is not known")
        if unknown_base
        else SizeFigure(total, None, "the sum of the parts: " + ", ".join(p.name for p in parts))
    )

    # today
    if inspected is not None and inspected.uncompressed is not None:
        today = SizeFigure(inspected.uncompressed, inspected.compressed, f"inspect of {image}")
    elif original is not None:
        if original.base_name == "alpine" or (original.base_tag or "").find("alpine") >= 0:
            today = SizeFigure(total, None, "the Dockerfile is already Alpine-based")
        else:
            known = _known(original.base_name, original.base_tag)
            if known is None:
                today = SizeFigure(None, None, None)
                notes.append(f"the size of today's base {original.base} is not known")
            else:
                copied = app_bytes if inspected is None else 0
                today = SizeFigure(
                    known[0] + copied,
                    None,
                    f"{known[1]} + the application ({copied:,} bytes); the packages apt "
                    "installs are not counted" + _manifest(original, manifests),
                )
    else:
        today = SizeFigure(None, None, None)
    return SizeEstimate(today, alpine_fig, tuple(parts)), notes


def _manifest(facts: StageFacts | None, manifests: dict[str, int] | None) -> str:
    """``; N bytes compressed (registry manifest of REF)`` when the manifest was read."""
    if facts is None or facts.base is None or not manifests or facts.base not in manifests:
        return ""
    return f"; {manifests[facts.base]:,} bytes compressed (registry manifest of {facts.base})"


def _application(
    root: Path, translated: StageFacts | None, inspected: InspectReport | None, image: str | None
) -> tuple[int, str]:
    if inspected is not None and inspected.layers:
        own = [(i, la) for i, la in enumerate(inspected.layers, 1) if not la.base]
        size = sum(la.uncompressed_size for _, la in own)
        if inspected.base_layers is None:
            basis = f"all {len(own)} layers of {image} (its base is not known) carried over"
        else:
            first, last = own[0][0] if own else 0, own[-1][0] if own else 0
            basis = f"layers {first}-{last} of {image} (above its base) carried over"
        return size, basis
    built = (
        "; COPY --from another stage or image, not counted: " + ", ".join(translated.from_stages)
        if translated is not None and translated.from_stages
        else ""
    )
    if translated is None or not translated.copies:
        return 0, "no COPY or ADD from the build context" + built
    size, files = context_bytes(root, translated.copies)
    return size, (
        f"{files} file(s) the final stage COPYs or ADDs from PATH ("
        + ", ".join(translated.copies)
        + "); what pip or npm install at build time is not counted"
        + built
    )


__all__ = ["StageFacts", "alpine_image_packages", "context_bytes", "estimate", "final_stage"]
