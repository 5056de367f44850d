"""The Python side of a ``deps`` run: every parsed input's requirements judged at once.

Each project is looked up once per index (concurrent, cached, ``offline`` honoured:
:func:`~.views.lookup_views`) and each requirement judged by
:func:`~.engine.check_requirement`; installed copies' evidence overrules a fine
answer (:func:`~.evidence.with_evidence`); source builds get the ``apk add`` line their
sdist's build files call for (:func:`with_build_needs`); URL, path, VCS and editable
requirements are ``unchecked``.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..errors import InputError, PackageIndexError
from ..report.item import Fix, FixKind
from .cache import ResponseCache
from .engine import BUILD_FIX, check_requirement
from .evidence import with_evidence
from .index import PYPI_SIMPLE, DistFile, ProjectPages, PyPIIndex
from .options import DepsOptions
from .report import DepsInput, DepsTarget, DepStatus, PackageResult
from .requirement import ParsedInput, Requirement
from .tags import MuslTarget
from .unpinned import Resolved, with_roots
from .views import Views, lookup_views, python_ok

if TYPE_CHECKING:
    from ..knowledge.apkindex import PackageIndex
    from .sdist import BuildNeeds

log = logging.getLogger(__name__)

_BY_HAND = Fix(
    FixKind.COMMAND,
    "check it by hand: build it on Alpine or scan the built wheel with alpine-ready scan",
)
_Index = tuple[str, tuple[str, ...]]  # the primary index and the extra ones


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _indexes(opts: DepsOptions, parsed: ParsedInput, req: Requirement) -> _Index:
    primary = _slash(opts.index_url or req.index_url or PYPI_SIMPLE)
    extras = [_slash(u) for u in opts.extra_index_urls]
    if parsed.kind == "requirements":
        extras += [_slash(u) for u in parsed.index_urls]
    return primary, tuple(dict.fromkeys(u for u in extras if u != primary))


def check_python(
    opts: DepsOptions,
    parsed: Sequence[ParsedInput],
    musl: MuslTarget,
    target: DepsTarget,
    resolved: Resolved | None = None,
    *,
    build_needs: bool = True,
) -> tuple[list[PackageResult], list[DepsInput]]:
    """The rows of every requirement of ``parsed``, and an input row for each input."""
    jobs: list[tuple[ParsedInput, Requirement, _Index]] = []
    seen: set[tuple[str, str | None, str]] = set()
    for p in parsed:
        for r in p.requirements:
            key = (
                r.name,
                r.version,
                r.specifier if p.kind != "site-packages" else r.source_file,
            )  # two installed copies are two rows
            if key in seen:
                continue
            seen.add(key)
            jobs.append((p, r, _indexes(opts, p, r)))

    cache = ResponseCache(opts.cache_dir) if opts.cache_dir is not None else ResponseCache()
    found: dict[tuple[_Index, str], Views | PackageIndexError] = {}
    pages_of: dict[str, tuple[PyPIIndex, ProjectPages]] = {}  # for source builds' sdists
    groups: dict[_Index, list[str]] = {}
    for _p, r, idx in jobs:
        groups.setdefault(idx, []).append(r.name)
    for idx, names in groups.items():
        try:
            client = PyPIIndex(idx[0], idx[1], cache=cache, offline=opts.offline)
        except PackageIndexError as exc:
            raise InputError(str(exc)) from None
        looked = lookup_views(client, names, musl, target.python, cache, opts.progress)
        for name, (pages, views) in looked.items():
            found[(idx, name)] = views
            if pages is not None:
                pages_of.setdefault(name, (client, pages))

    evidence = {e.source: e for p in parsed for e in p.evidence}
    results: list[PackageResult] = []
    for p, r, idx in jobs:
        source = f"{r.source_file}:{r.line}" if r.line is not None else r.source_file
        row = check_requirement(r, source, found.get((idx, r.name)), musl, target, opts.offline)
        if p.kind == "site-packages":
            row = with_evidence(row, evidence.get(r.source_file))
        if resolved is not None and r.name in resolved.reasons:
            row = dataclasses.replace(row, reasons=(*resolved.reasons[r.name], *row.reasons))
        results.append(row)
    if build_needs:
        results = with_build_needs(
            results,
            pages_of,
            cache,
            opts.offline,
            packages=_release_index(opts),
            python=target.python,
        )
    if resolved is not None:
        results = with_roots(results, resolved)
    for p in parsed:
        for u in p.uncheckable:
            where = f"{u.source_file}:{u.line}" if u.line is not None else u.source_file
            results.append(
                PackageResult(
                    "python",
                    u.text,
                    None,
                    DepStatus.UNCHECKED,
                    (f"not an index release ({u.reason}): not checked",),
                    (_BY_HAND.description,),
                    source=where,
                    pinned=False,
                )
            )
    inputs = [
        DepsInput(p.path, p.kind, len(p.requirements), len(p.excluded), p.notes) for p in parsed
    ]
    if resolved is not None and resolved.notes and inputs:
        first = inputs[0]
        inputs[0] = dataclasses.replace(first, notes=(*first.notes, *resolved.notes))
    return results, inputs


def _pure_sdist(row: PackageResult, needs: BuildNeeds, fixes: list[str]) -> PackageResult:
    """A row whose sdist compiles nothing: pip builds it without any build tool.

    The generic compiler advice goes (it would be false); what the sdist showed is said.
    """
    return dataclasses.replace(
        row,
        reasons=(*row.reasons, needs.describe()),
        fixes=tuple(fixes),
        actions=tuple(a for a in row.actions if a.description != BUILD_FIX),
    )


def _release_index(opts: DepsOptions) -> Callable[[], PackageIndex | None]:
    """What loads Alpine's package index of the target release (``--alpine``)."""

    def load() -> PackageIndex | None:
        from .. import knowledge
        from ..knowledge.apkrepo import index_offline, release_index

        release = opts.alpine or knowledge.default_release()
        offline = index_offline(opts.offline, opts.mirror)
        # --cache-dir holds every cache of the run, Alpine's package index too
        root = opts.cache_dir / "apkindex" if opts.cache_dir is not None else None
        return release_index(
            release, opts.arch, mirror=opts.mirror, offline=offline, cache_root=root
        )

    return load


def with_build_needs(
    results: list[PackageResult],
    pages_of: dict[str, tuple[PyPIIndex, ProjectPages]],
    cache: ResponseCache,
    offline: bool,
    packages: Callable[[], PackageIndex | None] | None = None,
    python: str | None = None,
) -> list[PackageResult]:
    """Source builds get the ``apk add`` line their sdist's build files call for.

    Only the (few) source-build rows: their sdist is streamed once to read pyproject,
    setup and meson/CMake files (:mod:`.sdist`), the answer cached by the sdist's URL.
    Failures keep the generic advice.  ``packages`` loads the target release's package
    index (only when some build needs were read): the line is checked against it
    (:func:`~.sdist.against_index`); None, or no index, keeps the table's line.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .sdist import against_index, build_needs

    todo: list[tuple[int, PyPIIndex, DistFile]] = []
    for i, row in enumerate(results):
        if (
            row.status not in (DepStatus.SOURCE_BUILD, DepStatus.UPGRADE)
            or row.version is None
            or row.name not in pages_of
        ):
            continue
        client, pages = pages_of[row.name]
        try:
            files = pages.files_for(row.version)
        except PackageIndexError:
            continue
        sdist = next(
            (
                f
                for f in files
                if not f.is_wheel
                and (
                    python is None or not f.requires_python or python_ok(f.requires_python, python)
                )
            ),
            None,
        )  # an sdist whose Requires-Python excludes the target is never built on it
        if sdist is not None:
            todo.append((i, client, sdist))
    if not todo:
        return results

    def one(job: tuple[int, PyPIIndex, DistFile]) -> BuildNeeds | None:
        _i, client, sdist = job
        try:
            return build_needs(
                sdist.url, sdist.filename, http=client.http, cache=cache, offline=offline
            )
        except PackageIndexError as e:
            log.info("%s", e)
            return None

    out = list(results)
    index: PackageIndex | None = None
    with ThreadPoolExecutor(max_workers=min(8, len(todo))) as pool:
        for (i, _c, _s), needs in zip(todo, pool.map(one, todo), strict=True):
            if needs is None:
                continue
            if packages is not None:
                index, packages = packages(), None  # loaded once, when first needed
            if index is not None:
                needs = against_index(needs, index)
            row = out[i]
            fixes = [f for f in row.fixes if f != BUILD_FIX]
            if needs.pure:  # no compiler: the generic build advice would be false
                out[i] = _pure_sdist(row, needs, fixes)
                continue
            text = (
                f"in the build stage: {needs.apk_line} before pip install (apk del them "
                f"after: apk add --virtual .build-deps …)"
            )
            if needs.optional is not None:
                text = f"optional, for its compiled extension only: {text}"
            if row.status is DepStatus.UPGRADE:  # the upgrade first; building is the fallback
                text = f"or keep {row.version} and build it: {text}"
            fix = Fix(FixKind.APK_ADD, text, text=needs.apk_line, packages=needs.apk_packages)
            if row.status is DepStatus.UPGRADE:
                out[i] = dataclasses.replace(
                    row,
                    reasons=(*row.reasons, needs.describe()),
                    fixes=(*fixes, text),
                    actions=(*row.actions, fix),
                )
                continue
            out[i] = dataclasses.replace(
                row,
                reasons=(*row.reasons, needs.describe()),
                fixes=(text, *fixes),
                actions=(fix, *row.actions),
            )
    return out
