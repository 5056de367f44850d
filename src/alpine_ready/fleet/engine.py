"""``fleet``'s engine: ``run(FleetOptions) -> FleetReport``.

1. List the images (:mod:`.sources`) and resolve their manifests (:mod:`.plan`).
2. Ask the store which manifests have a verdict and which layers are analysed.
3. Submit one :func:`~.tasks.layer_task` per distinct layer digest not yet analysed, and
   one :func:`~.tasks.judge_task` per image not yet judged as soon as all its layers are
   (an image whose layers are all known goes at once).  Every result is written to the
   store as it comes back.
4. The report: every listed image once, with its verdict (judged now or reused).

Progress (images and layers done, bytes fetched, ETA) goes to ``options.progress``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..inputs.image.registry import RegistryOptions
from ..inputs.image.source import ImageOptions
from ..report.level import Level
from . import plan as planning
from . import sources
from .model import ImagePlan, ImageVerdict, LayerRef, LayerResult
from .report import FleetImage, FleetReport, FleetStats, rank_blockers
from .runners import Runner, make_runner
from .store import Store, open_store
from .tasks import TaskSettings, failed, judge_task, layer_task
from .verdict import VERDICT_VERSION

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None, str], None]


@dataclass(frozen=True)
class FleetOptions:
    """What ``fleet`` is asked."""

    images_file: Path | None = None  # one reference per line
    registry: str | None = None  # HOST[:PORT]: every repository and tag in its catalog
    repository_filter: tuple[str, ...] = ()  # globs on repository names (--registry)
    store: str | None = None  # sqlite:///PATH | postgresql://… (None: SQLite in the cache)
    dask: str | None = None  # None: a local process pool; "local"; tcp://HOST:PORT
    workers: int = 0  # 0: one per CPU (pool, LocalCluster)
    image: ImageOptions = field(default_factory=ImageOptions)
    alpine: str | None = None
    mirror: str | None = None
    offline: bool = False
    refresh: bool = False  # judge every image again (stored verdicts ignored)
    fail_on: Level | None = None
    progress: Progress | None = None


def _listed(options: FleetOptions) -> tuple[str, str, list[str]]:
    """(target, source kind, references)."""
    if (options.images_file is None) == (options.registry is None):
        raise InputError("fleet: give an images file or --registry HOST (one of them)")
    if options.images_file is not None:
        return str(options.images_file), "file", sources.read_images_file(options.images_file)
    host = options.registry or ""
    host = host.removeprefix("docker://").rstrip("/")
    reg = RegistryOptions(
        tls_verify=options.image.tls_verify,
        platform=options.image.platform,
        auth_file=options.image.auth_file,
    )
    return host, "registry", sources.list_registry(host, options.repository_filter, reg)


class _Progress:
    def __init__(self, progress: Progress | None, images: int, layers: int) -> None:
        self.progress, self.images, self.layers = progress, images, layers
        self.images_done = self.layers_done = self.fetched = 0
        self.start = time.monotonic()

    def show(self) -> None:
        if self.progress is None:
            return
        elapsed = time.monotonic() - self.start
        done = self.images_done + self.layers_done
        todo = self.images + self.layers
        eta = f", ETA {elapsed / done * (todo - done):.0f} s" if done and done < todo else ""
        self.progress(
            self.images_done,
            self.images,
            f"images {self.images_done}/{self.images}, layers {self.layers_done}/{self.layers}, "
            f"{self.fetched / 1e6:.1f} MB fetched{eta}",
        )


def run(options: FleetOptions) -> FleetReport:
    """Judge every image of the fleet (InputError for a bad list, store or cluster)."""
    start = time.monotonic()
    store = open_store(options.store, options.image.cache_dir)  # a bad --store fails first
    try:
        target, kind, refs = _listed(options)
        if options.progress:
            options.progress(0, len(refs), f"resolving {len(refs)} manifests")
        plans, unresolved = planning.resolve(refs, options.image)
        return _run(options, store, target, kind, refs, plans, unresolved, start)
    finally:
        store.close()


def _run(
    options: FleetOptions,
    store: Store,
    target: str,
    kind: str,
    refs: list[str],
    plans: list[ImagePlan],
    unresolved: dict[str, str],
    start: float,
) -> FleetReport:
    store.put_refs([(p.ref, p.manifest_digest) for p in plans])
    by_digest: dict[str, ImagePlan] = {}
    for p in plans:
        by_digest.setdefault(p.manifest_digest, p)  # two tags of one manifest: judged once
    verdicts: dict[str, ImageVerdict] = (
        {} if options.refresh else store.verdicts(by_digest, VERDICT_VERSION)
    )
    reused = set(verdicts)
    todo = [p for d, p in by_digest.items() if d not in verdicts]
    distinct = {la.digest for p in plans for la in p.layers}
    needed = {la.digest: (p, la) for p in todo for la in p.layers}
    known = store.known_layers(needed)
    missing = {d: v for d, v in needed.items() if d not in known}
    settings = TaskSettings(
        image=options.image, alpine=options.alpine, mirror=options.mirror, offline=options.offline
    )
    progress = _Progress(options.progress, len(todo), len(missing))
    layer_tasks = fetched = 0
    if todo:
        runner = make_runner(options.dask, options.workers)
        try:
            layer_tasks, fetched = _work(runner, store, settings, todo, missing, verdicts, progress)
            description = runner.description
        finally:
            runner.close()
    else:
        description = "nothing to run"
    by_ref = {p.ref: p for p in plans}
    images = [
        FleetImage(ref, failed("", unresolved[ref]))
        if ref in unresolved
        else FleetImage(
            ref, verdicts[by_ref[ref].manifest_digest], by_ref[ref].manifest_digest in reused
        )
        for ref in refs
    ]
    stats = FleetStats(
        images=len(refs),
        image_tasks=len(todo),
        images_reused=sum(1 for i in images if i.reused),
        distinct_layers=len(distinct),
        layer_refs=sum(len(p.layers) for p in plans),
        layer_tasks=layer_tasks,
        layers_reused=len(distinct) - layer_tasks,
        bytes_fetched=fetched,
        seconds=time.monotonic() - start,
        runner=description,
        store=store.url,
    )
    return FleetReport(
        target=target,
        source=kind,
        images=tuple(images),
        blockers=rank_blockers(images),
        stats=stats,
        threshold=options.fail_on,
    )


def _work(
    runner: Runner,
    store: Store,
    settings: TaskSettings,
    todo: list[ImagePlan],
    missing: dict[str, tuple[ImagePlan, LayerRef]],
    verdicts: dict[str, ImageVerdict],
    progress: _Progress,
) -> tuple[int, int]:
    """Run the layer and image tasks; (layer tasks run, bytes fetched)."""
    waiting: dict[str, set[str]] = {}  # manifest digest -> its layers not analysed yet
    users: dict[str, list[str]] = {}  # layer digest -> manifests waiting for it
    for p in todo:
        wait_for = {la.digest for la in p.layers if la.digest in missing}
        waiting[p.manifest_digest] = wait_for
        for d in wait_for:
            users.setdefault(d, []).append(p.manifest_digest)
    plans = {p.manifest_digest: p for p in todo}

    def judge(digest: str) -> None:
        p = plans[digest]
        runner.submit(f"image:{digest}", judge_task, p.ref, p.pinned, digest, settings)

    # largest layers first: the long tasks start early
    for digest, (p, la) in sorted(missing.items(), key=lambda kv: -kv[1][1].size):
        runner.submit(f"layer:{digest}", layer_task, p.pinned, la, settings)
    for digest, wait_for in waiting.items():
        if not wait_for:
            judge(digest)
    layer_tasks = fetched = 0
    progress.show()
    while runner.pending:
        key, result, error = runner.next_done()
        kind, _, digest = key.partition(":")
        if kind == "layer":
            layer_tasks += 1
            progress.layers_done += 1
            if error is not None:
                log.warning("layer %s: %s (its images read it themselves)", digest, error)
            elif isinstance(result, LayerResult):
                store.put_layer(result)
                fetched += result.fetched
                progress.fetched += result.fetched
            for m in users.pop(digest, ()):
                waiting[m].discard(digest)
                if not waiting[m]:
                    judge(m)
        else:
            if error is not None or not isinstance(result, ImageVerdict):
                verdict = failed(digest, f"{plans[digest].ref}: the task failed ({error})")
            else:
                verdict = result
            store.put_verdict(verdict, VERDICT_VERSION)
            verdicts[digest] = verdict
            progress.images_done += 1
        progress.show()
    return layer_tasks, fetched
