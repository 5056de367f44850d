"""Open any image reference as an :class:`~.model.ImageSource`, and analyse it.

``open_image`` dispatches on the transport; ``analyse`` streams every layer
(once per layer digest, thanks to the cache) and builds the final filesystem.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ...errors import InputError
from .archive import open_docker_archive, open_oci_archive, open_oci_layout
from .cachedir import usable_cache_dir
from .digests import Region, RegionDigests, cpu_count, shorten_switch_interval
from .filesystem import ImageFS, build
from .layers import (
    LayerAnalysis,
    SymbolBudget,
    analyse_layer,
    cache_texts,
    evict_cached,
    load_cached,
    store_cached,
)
from .localfiles import default_cache_dir as default_cache_dir
from .model import ImageError, ImageSource, Layer, Platform
from .reference import ImageReference

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageOptions:
    """How to reach images."""

    platform: Platform = field(default_factory=Platform)
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    cache_max_bytes: int = 20 << 30
    tls_verify: bool = True
    auth_file: Path | None = None


def open_image(ref: ImageReference, options: ImageOptions) -> ImageSource:
    """The image a reference names (raises ImageError / InputError).

    Manifests, indexes and configs are JSON from the image: one whose structure is
    not what the specs say (a list where an object belongs, a number for a list…)
    is an ImageError naming the image, like any other malformed input.
    """
    try:
        return _open_image(ref, options)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError, RecursionError) as exc:
        raise ImageError(
            f"{ref}: malformed image metadata ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None


def _open_image(ref: ImageReference, options: ImageOptions) -> ImageSource:
    if ref.transport == "oci":
        assert ref.path is not None
        return open_oci_layout(ref.path, ref.tag, options.platform)
    if ref.transport == "oci-archive":
        assert ref.path is not None
        return open_oci_archive(ref.path, ref.tag, options.platform)
    if ref.transport == "docker-archive":
        assert ref.path is not None
        if not ref.path.is_file():
            what = "not a regular file" if ref.path.exists() else "no such file"
            raise InputError(f"{ref}: {what}")
        return open_docker_archive(ref.path)
    if ref.transport == "docker-daemon":
        from .daemon import open_daemon_image

        cache_dir = usable_cache_dir(options.cache_dir, "daemon")
        return open_daemon_image(ref, cache_dir / "daemon" if cache_dir else None)
    if ref.transport == "docker":
        from .blobcache import BlobCache
        from .digests import ALGORITHMS
        from .registry import RegistryOptions, open_registry_image

        cache_dir = usable_cache_dir(
            options.cache_dir, "blobs", *(f"blobs/{a}" for a in ALGORITHMS)
        )
        cache = BlobCache(cache_dir / "blobs", options.cache_max_bytes) if cache_dir else None
        return open_registry_image(
            ref,
            RegistryOptions(
                tls_verify=options.tls_verify,
                platform=options.platform,
                cache=cache,
                auth_file=options.auth_file,
            ),
        )
    raise InputError(f"{ref}: a directory is not an image")


@dataclass
class AnalysedImage:
    """An image with every layer analysed and its final filesystem built."""

    source: ImageSource
    layers: list[LayerAnalysis]
    fs: ImageFS

    @property
    def uncompressed_size(self) -> int:
        """Bytes of all layer tars (what ``docker images`` calls the size)."""
        return sum(la.uncompressed_size for la in self.layers)

    @property
    def warnings(self) -> list[str]:
        """Every warning the layers raised."""
        return [w for la in self.layers for w in la.warnings]


Progress = Callable[[int, int | None, str], None]


PARALLEL_MIN_BYTES = 16 << 20  # below this many layer bytes to read, a pool costs more


def parallel_workers(sizes: Sequence[int], cpus: int | None = None) -> int:
    """How many processes should analyse layers of these (blob) sizes; 1 = here, serially.

    A pool only pays for two layers or more, of :data:`PARALLEL_MIN_BYTES` in all,
    on more than one CPU, where processes can be forked (they inherit the open
    image, see :data:`_STATE`).
    """
    if cpus is None:
        cpus = _cpu_count()
    if len(sizes) < 2 or sum(sizes) < PARALLEL_MIN_BYTES or cpus < 2 or not _can_fork():
        return 1
    return min(cpus, len(sizes))


def _plain_tar(layer: Layer) -> bool:
    """Is the layer an uncompressed tar (``docker save``'s layers), by its media type?"""
    return layer.media_type.endswith(".tar")


_cpu_count = cpu_count


def _can_fork() -> bool:
    return sys.platform.startswith("linux") or sys.platform == "darwin"


@contextlib.contextmanager
def _short_switch_interval() -> Iterator[None]:
    """For the hasher thread of a verifying stream (see digests.SWITCH_INTERVAL)."""
    restore = shorten_switch_interval()
    try:
        yield
    finally:
        restore()


def _analyse_layer(
    source: ImageSource, layer: Layer, elves: bool, budget: SymbolBudget | None
) -> LayerAnalysis:
    blob = source.blobs.open_blob(layer.digest, layer.size)
    try:
        with _short_switch_interval():
            return analyse_layer(blob, layer, source.name, elves=elves, budget=budget)
    finally:
        blob.close()


OpenLocal = Callable[[str, int | None], tuple[Region, BinaryIO] | None]


class _LocalLayers:
    """Uncached plain-tar layers read from local files, verified apart.

    :meth:`start` applies only when every uncached layer is a plain tar
    (``docker save``'s layers) that the source can hand out as a local region
    (see :class:`~.verify.RegionDigests`).  Each layer's tar is then walked here,
    skipping the content nobody reads, while the regions are hashed in a thread
    per other CPU.  The walk's analyses are unverified until :meth:`finish`
    (this thread hashes what is left meanwhile), which checks every digest in
    layer order and caches each analysis only once its digest is checked, so the
    caller can build from them while the last bytes are hashed -- and must not
    use anything it built before :meth:`finish` returns.  Errors are those of
    reading the layers one after the other through verifying streams: the first
    failing layer in layer order wins, and the layers before it are cached.
    """

    def __init__(
        self, source: ImageSource, digests: RegionDigests, opened: list[tuple[int, BinaryIO]]
    ) -> None:
        self.source, self._digests, self._opened = source, digests, opened
        self.analyses: dict[str, LayerAnalysis] = {}  # by digest; unverified until finish()
        # the first failing layer (its index, its error), as reading the layers one
        # after the other would meet it: a walk that fails, or a blob that cannot open
        self._failure: tuple[int, ImageError] | None = None
        self._unopened: tuple[int, ImageError] | None = None
        self._restore_interval: Callable[[], None] | None = None

    @classmethod
    def start(
        cls,
        source: ImageSource,
        progress: Progress | None,
        elves: bool,
        uncached: list[int],
        budget: SymbolBudget | None,
    ) -> _LocalLayers | None:
        """Walk the layers ``uncached`` (indexes) while they are hashed; None: not local."""
        open_local: OpenLocal | None = getattr(source.blobs, "open_local", None)
        if (
            open_local is None
            or not uncached
            or not all(_plain_tar(source.layers[i]) for i in uncached)
        ):
            return None
        # one hasher beside the walk per other CPU; finish() makes this thread one more
        digests = RegionDigests(_cpu_count() - 1)
        self = cls(source, digests, [])
        try:
            for i in uncached:
                layer = source.layers[i]
                try:
                    local = open_local(layer.digest, layer.size)
                except ImageError as exc:  # met after the layers before it are read
                    self._unopened = (i, exc)
                    break
                if local is None:
                    self.close()
                    return None
                region, stream = local
                self._opened.append((i, stream))
                if region.length != layer.size:
                    # a verifying stream reports "got more" where it reads past the
                    # declared size: that depends on how it reads, so read it that way
                    self.close()
                    return None
                digests.submit(i, region)
            self._restore_interval = shorten_switch_interval()
            self._walk(progress, elves, budget)
        except BaseException:
            self.close()
            raise
        return self

    def _walk(self, progress: Progress | None, elves: bool, budget: SymbolBudget | None) -> None:
        total = len(self.source.layers)
        for i, stream in self._opened:
            layer = self.source.layers[i]
            if progress:
                progress(i, total, f"layer {i + 1}/{total} {layer.digest[:19]}")
            try:
                self.analyses[layer.digest] = analyse_layer(
                    stream, layer, self.source.name, elves=elves, budget=budget
                )
            except ImageError as exc:
                self._failure = (i, exc)
                return
        self._failure = self._unopened

    @property
    def failed(self) -> bool:
        """Did a walk fail (then :meth:`finish` raises)?"""
        return self._failure is not None

    def finish(self, store: _Store, known: dict[str, LayerAnalysis]) -> None:
        """Check the digests in layer order, caching each analysis once checked."""
        try:
            # the cache files are encoded first: this thread's work, done while the
            # hashers run (it hashes what is still queued in check())
            texts = {
                i: cache_texts(self.analyses[self.source.layers[i].digest])
                for i, _ in self._opened
                if store.cache_dir is not None and self.source.layers[i].digest in self.analyses
            }
            for i, stream in self._opened:  # in layer order, up to the first failure
                layer = self.source.layers[i]
                if self._failure is not None and i == self._failure[0]:
                    # the error a verifying stream read to that point gives: its own
                    # (size, digest) once it reached the end, else the walk's (a region
                    # is the declared size exactly: see start(), nothing reads past it)
                    if getattr(stream, "at_end", False):
                        self._digests.check(i)
                    raise self._failure[1].with_traceback(None) from None
                self._digests.check(i)
                analysis = self.analyses[layer.digest]
                store.put(analysis, texts.get(i))
                known[layer.digest] = analysis
            if self._failure is not None:  # a blob that could not be opened
                raise self._failure[1].with_traceback(None) from None
        finally:
            self.close()

    def close(self) -> None:
        """Stop hashing, close the layer streams (finish() does; closing twice is fine)."""
        self._digests.close()
        if self._restore_interval is not None:
            self._restore_interval()
            self._restore_interval = None
        for _, stream in self._opened:
            stream.close()
        self._opened = []


# Worker state: set in the parent before the pool forks, inherited by workers
# (the source's blob openers reopen their files in a child: see archive._TarBlobs).
_STATE: dict[str, object] = {}


def _analyse_in_worker(index: int) -> LayerAnalysis:
    source, budget = _STATE["source"], _STATE["budget"]
    assert isinstance(source, ImageSource)
    assert budget is None or isinstance(budget, SymbolBudget)
    # the worker's copy of the run's budget: what it spends is admitted by the parent
    return _analyse_layer(source, source.layers[index], bool(_STATE["elves"]), budget)


class _Store:
    """The analysis cache of one :func:`analyse` run: what it stored, bounded once at the end.

    Also the run's ELF symbol budget (scan's analyses; None for inspect's).
    """

    def __init__(self, cache_dir: Path | None, budget: SymbolBudget | None) -> None:
        self.cache_dir = cache_dir
        self.budget = budget
        self.stored: list[str] = []

    def put(self, analysis: LayerAnalysis, texts: tuple[bytes | None, bytes] | None = None) -> None:
        store_cached(self.cache_dir, analysis, texts=texts, evict=False)
        self.stored.append(analysis.digest)

    def admit(self, analysis: LayerAnalysis) -> None:
        """Charge an analysis read from the cache or made in a worker to the budget."""
        if self.budget is not None:
            self.budget.admit(analysis)

    def bound(self) -> None:
        if self.stored:
            evict_cached(self.cache_dir, self.stored)


def analyse(
    source: ImageSource,
    cache_dir: Path | None,
    progress: Progress | None = None,
    *,
    elves: bool = True,
    workers: int | None = None,
) -> AnalysedImage:
    """Stream and analyse every layer (cached by digest), then build the final filesystem.

    ``elves=False``: the light analysis (no ELF records), enough for ``inspect``.
    Uncached compressed layers are analysed by a pool of forked processes when
    they are worth it (:func:`parallel_workers`; ``workers`` forces the count, 1 =
    serial).  Uncompressed ones (``docker save``) kept in local files are walked
    here while other threads verify their digests (:class:`_LocalLayers`); any
    other is read here through its verifying stream.  The result, the cache and
    the errors are the same either way.

    The cache is used only when nobody else can write it (see
    :func:`.cachedir.usable_cache_dir`).  A full analysis (scan's) holds the ELF
    symbol records of one :class:`~.layers.SymbolBudget`: files beyond it are listed
    in their layer's ``unanalysed``.
    """
    store = _Store(usable_cache_dir(cache_dir, "layers"), SymbolBudget() if elves else None)
    try:
        return _analyse(source, store, progress, elves, workers)
    finally:
        store.bound()


def _analyse(
    source: ImageSource, store: _Store, progress: Progress | None, elves: bool, workers: int | None
) -> AnalysedImage:
    cache_dir = store.cache_dir
    total = len(source.layers)
    known: dict[str, LayerAnalysis] = {}  # by digest, as the cache is
    uncached: list[int] = []  # the first layer of each digest without a cached analysis
    seen: set[str] = set()
    for i, layer in enumerate(source.layers):
        if layer.digest in seen:
            continue  # a digest listed twice is read once, as the cache would have it
        seen.add(layer.digest)
        hit = load_cached(cache_dir, layer.digest, elves=elves)
        if hit is None:
            uncached.append(i)
            continue
        log.info("%s: layer %d/%d %s: cached analysis", source.name, i + 1, total, layer.digest)
        store.admit(hit)
        known[layer.digest] = hit
    if workers is None:
        # Plain (uncompressed) tars are read here: hashing them in a thread overlaps the
        # walk (see _analyse_layer), and a pool's start-up and result transfer cost more
        # than the walk it would share.  Compressed layers are shared out.
        workers = parallel_workers(
            [source.layers[i].size for i in uncached if not _plain_tar(source.layers[i])]
        )
    if min(workers, len(uncached)) > 1 and _can_fork():
        _analyse_parallel(
            source, store, progress, elves, known, uncached, min(workers, len(uncached))
        )
        local = None
    else:
        local = _LocalLayers.start(source, progress, elves, uncached, store.budget)
    if local is not None:
        try:
            if not local.failed:
                # built from the walks while their last bytes are hashed: used only
                # once finish() has checked every digest
                unverified = {**known, **local.analyses}
                analyses = [unverified[layer.digest] for layer in source.layers]
                fs = build(analyses, source.name)
            local.finish(store, known)  # or raises the first failure in layer order
        finally:
            local.close()
        if progress:
            progress(total, total, "layers")
        return AnalysedImage(source, analyses, fs)
    analyses = []
    for i, layer in enumerate(source.layers, 1):  # serially, what is left
        analysis = known.get(layer.digest)
        if analysis is None:
            if progress:
                progress(i - 1, total, f"layer {i}/{total} {layer.digest[:19]}")
            analysis = _analyse_layer(source, layer, elves, store.budget)
            store.put(analysis)
            known[layer.digest] = analysis
        analyses.append(analysis)
    if progress:
        progress(total, total, "layers")
    return AnalysedImage(source, analyses, build(analyses, source.name))


def _analyse_parallel(
    source: ImageSource,
    store: _Store,
    progress: Progress | None,
    elves: bool,
    known: dict[str, LayerAnalysis],
    uncached: list[int],
    workers: int,
) -> None:
    """Analyse the layers ``uncached`` (indexes) in ``workers`` forked processes.

    Largest layers first.  Each result is cached here, in layer order, and added to
    ``known``.  A failure is that of the first failing layer in layer order, as if
    the layers had been read one after the other: later layers are cancelled, and
    the layers before it are still awaited (and cached).
    """
    total = len(source.layers)
    order = sorted(uncached, key=lambda i: (-source.layers[i].size, i))
    results: dict[int, LayerAnalysis] = {}
    failed: dict[int, BaseException] = {}
    # imported here: most runs are serial, and these imports cost ~20 ms of start-up
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # before the first submit forks the workers
    _STATE.update(source=source, elves=elves, budget=store.budget)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        if progress:
            progress(total - len(uncached), total, f"{len(uncached)} layers in {workers} processes")
        futures = {pool.submit(_analyse_in_worker, i): i for i in order}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                i = futures[fut]
                if fut.cancelled():
                    continue
                exc = fut.exception()
                if exc is not None:
                    failed[i] = exc
                    continue
                results[i] = fut.result()
                done_layers = total - len(uncached) + len(results)
                if progress and done_layers < total:  # analyse() reports the end
                    progress(
                        done_layers,
                        total,
                        f"layer {i + 1}/{total} {source.layers[i].digest[:19]} analysed",
                    )
            if failed:
                first = min(failed)
                for fut in pending:
                    if futures[fut] > first:
                        fut.cancel()
                pending = {fut for fut in pending if futures[fut] < first}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _STATE.clear()
    for i in uncached:  # in layer order, up to the first failure
        if i in failed:
            exc = failed[i]
            if isinstance(exc, BrokenProcessPool):
                raise ImageError(
                    f"{source.name}: layer {source.layers[i].digest[:19]}: "
                    f"the analysing process died ({exc})"
                ) from None
            if isinstance(exc, ImageError):  # as the serial path raises it: no remote trace
                raise exc.with_traceback(None) from None
            raise exc  # a bug: keep the worker's traceback (its __cause__)
        store.put(results[i])
        store.admit(results[i])
        known[source.layers[i].digest] = results[i]


__all__ = ["AnalysedImage", "ImageError", "ImageOptions", "analyse", "open_image"]
