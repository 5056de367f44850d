"""``check``'s engine: every part on PATH (and ``--image``), merged, decided, sized.

1. the configuration (``[check]``) and PATH's inputs;
2. the parts (:mod:`.parts`): translate, lint of the translations, deps, scan, inspect;
3. their items joined into findings (:mod:`.merge`);
4. musl behaviour differences the evidence makes relevant (``knowledge.musldiff``, when
   present);
5. the decision (:mod:`.decide`), the changes (:mod:`.changes`), the size (:mod:`.size`).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import knowledge
from ..errors import ElfError, InputError
from ..knowledge.checkrules import check_rules
from ..report.level import Level
from . import parts as P
from .changes import changes, non_base_changes
from .decide import decide
from .merge import Keyed, deps_key, merge, relocate, scan_key
from .options import CheckOptions, load_config
from .report import Behaviour, CheckReport, Inputs, PartResult
from .size import estimate, final_stage

log = logging.getLogger(__name__)
#: ELF files whose imports are read again for the behaviour evidence
MAX_SYMBOL_FILES = 500
#: base image names and the runtime they are
_RUNTIME_IMAGES = {"python": "python", "node": "node", "openjdk": "java", "golang": "go"}


def run(options: CheckOptions) -> CheckReport:
    """Check PATH (and the image) for a move to Alpine; InputError on a bad PATH."""
    root = Path(options.path)
    if not root.is_dir():
        raise InputError(f"{options.path}: not a directory (check reads a project directory)")
    config = load_config(root)
    alpine = options.alpine or config.alpine or knowledge.default_release()
    if alpine not in knowledge.releases():
        knowledge.release(alpine)  # the KnowledgeError that lists the releases
    rules = check_rules()
    max_builds = (
        options.max_source_builds
        if options.max_source_builds is not None
        else config.max_source_builds
        if config.max_source_builds is not None
        else rules.max_source_builds
    )
    fail_on = options.fail_on or config.fail_on or "not-recommended"

    dockerfiles = P.find_dockerfiles(root)
    translated, tr_part = P.translate_part(dockerfiles, root, options, alpine)
    linted, lint_part = P.lint_part(translated, options)
    deps, deps_part = P.deps_part(root, options, alpine)
    scan, scan_part = P.scan_part(root, options, alpine)
    inspected, inspect_part = P.inspect_part(options)
    if options.image is not None and inspected is None and scan is None:
        # the image built today is what the check is about: unreadable, it decides nothing
        why = inspect_part.note or f"{options.image}: cannot be read"
        raise InputError(why if why.startswith(options.image) else f"{options.image}: {why}")
    verified, verify_part = P.verify_part(root, options, alpine, scan)
    results: tuple[PartResult, ...] = (tr_part, lint_part, deps_part, scan_part, verify_part)
    results = (*results, inspect_part)  # inspect last: the bases' manifests join it below

    keyed: list[Keyed] = []
    python_names: set[str] = set()
    node_names: set[str] = set()
    context: list[Keyed] = []  # deps rows that are fine: evidence when another part objects
    if deps is not None:
        for row in deps.packages:
            item = row.item()
            key = deps_key(item)
            (node_names if key.startswith("node:") else python_names).add(key.split(":", 1)[1])
            (context if row.status.level is Level.OK else keyed).append(Keyed("deps", key, item))
    if scan is not None:
        tree = None if options.image is not None else root
        for item in scan.core().items:
            if item.code == "AR440":
                continue
            keyed.append(Keyed("scan", scan_key(item, tree, python_names, node_names), item))
    disagreements: tuple[str, ...] = ()
    if verified is not None:
        # an observation is evidence on the finding about the same file; a disagreement
        # (AR801) is its own finding, and fails the check whatever the decision
        tree = None if options.image is not None else root
        for item in verified.core().items:
            key = scan_key(item, tree, python_names, node_names)
            if item.code == "AR801":
                key = f"verify:{item.subject.name}:AR801"
            keyed.append(Keyed("verify", key, item))
        disagreements = tuple(f.path for f in verified.disagreements)
    for t in translated:
        for item in t.report.core().items:
            line = item.location.line if item.location else 0
            keyed.append(Keyed("translate", f"translate:{t.shown}:{item.code}:{line}", item))
    for t, lint in linted:
        shown = f"{t.shown} (alpine)"
        for item in lint.core().items:
            line = item.location.line if item.location else 0
            keyed.append(Keyed("lint", f"lint:{shown}:{item.code}:{line}", relocate(item, shown)))
    findings = merge(keyed, context)

    runtimes = {"python"} if python_names else set()
    runtimes |= {"node"} if node_names else set()
    for t in translated:
        base = final_stage(t.report.original, t.shown).base_name or ""
        runtimes |= {rt for prefix, rt in _RUNTIME_IMAGES.items() if base.startswith(prefix)}
    behaviour = _behaviour(
        None if options.image is not None else root,
        scan,
        runtimes,
        {("python", n) for n in python_names} | {("node", n) for n in node_names},
    )
    decision, reasons = decide(
        findings,
        behaviour,
        dockerfile_changes=non_base_changes(translated),
        max_source_builds=max_builds,
        rules=rules,
    )

    index = _index(alpine, options)
    last = translated[-1] if translated else None
    original = final_stage(last.report.original, last.shown) if last else None
    target = final_stage(last.report.text, last.shown) if last else None
    manifests: dict[str, int] = {}
    if _remote(options):  # inspect of both bases: their registry manifests
        refs = [f.base for f in (original, target) if f is not None and f.base_name]
        manifests, read, failed = P.base_manifests([r for r in refs if r], options)
        inspect_part = replace(
            inspect_part,
            targets=inspect_part.targets + tuple(read),
            note="; ".join([*([inspect_part.note] if inspect_part.note else []), *failed]) or None,
        )
        results = (*results[:-1], inspect_part)
    size, notes = estimate(
        alpine=alpine,
        original=original,
        translated=target,
        root=root,
        index=index,
        inspected=inspected,
        image=options.image,
        manifests=manifests,
    )
    trees = _trees(scan) if scan is not None and options.image is None else ()
    return CheckReport(
        target=options.path,
        alpine=alpine,
        decision=decision,
        reasons=reasons,
        inputs=Inputs(
            dockerfiles=tuple(t.shown for t in translated),
            dependency_files=deps_part.targets,
            trees=trees,
            image=options.image,
        ),
        size=size,
        findings=findings,
        changes=changes(findings, translated),
        behaviour=behaviour,
        parts=results,
        fail_on=fail_on,
        max_source_builds=max_builds,
        warnings=tuple(notes)
        + tuple(f"{p.name}: {p.note}" for p in results if p.result == "error")
        + tuple(f"verify: {w}" for w in (verified.warnings if verified is not None else ())),
        disagreements=disagreements,
    )


def _trees(scan: Any) -> tuple[str, ...]:
    """The top directories (or files) of PATH that hold ELF files."""
    tops = {b.path.split("/", 1)[0] + ("/" if "/" in b.path else "") for b in scan.binaries}
    return tuple(sorted(tops))


def _remote(options: CheckOptions) -> bool:
    """May registries be asked (not --offline, not $ALPINE_READY_OFFLINE)?"""
    from ..knowledge.apkrepo import offline_by_default

    return not options.offline and not offline_by_default()


def _index(alpine: str, options: CheckOptions) -> Any:
    from ..knowledge.apkrepo import index_offline, release_index

    offline = index_offline(options.offline, options.mirror)
    return release_index(alpine, mirror=options.mirror, offline=offline)


def _behaviour(
    root: Path | None, scan: Any, runtimes: set[str], packages: set[tuple[str, str]]
) -> tuple[Behaviour, ...]:
    """The musl behaviour differences ``knowledge.musldiff`` finds relevant (none without it).

    The evidence: the symbols the application's ELF files import (a tree's files, read
    again; at most :data:`MAX_SYMBOL_FILES`), the runtimes and the dependencies.
    """
    if importlib.util.find_spec("alpine_ready.knowledge.musldiff") is None:
        return ()
    from ..elf.reader import read_elf

    module = importlib.import_module("alpine_ready.knowledge.musldiff")
    symbols: dict[str, set[str]] = {}
    if root is not None and scan is not None:
        for b in scan.binaries[:MAX_SYMBOL_FILES]:
            try:
                elf = read_elf(root / b.path)
            except (OSError, ElfError) as exc:
                log.info("%s: imports not read (%s)", b.path, exc)
                continue
            symbols[b.path] = {ref[0] for ref in elf.imports}
    evidence = module.Evidence.of(symbols=symbols, runtimes=runtimes, packages=packages)
    out = []
    for a in module.applicable(evidence):
        d = a.difference
        out.append(
            Behaviour(
                id=d.id,
                title=d.title,
                level=d.level,
                why="; ".join(a.reasons),
                differs=d.differs,
                mitigation=d.mitigation.text,
                source=d.sources[0] if d.sources else "",
                sources=tuple(d.sources),
                packages=tuple(d.mitigation.packages),
            )
        )
    return tuple(out)


__all__ = ["run"]
