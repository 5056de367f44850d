"""The fleet's work as plain, picklable functions: what a pool process or a Dask worker runs.

:func:`layer_task` -- one distinct layer digest: read the blob once (from any image
that has it) and store its analysis in the layer cache every command uses
(``CACHE/layers``), so that every image with this layer finds it analysed.

:func:`judge_task` -- one image: the scan engine over its final filesystem (its
layers come from that cache), inspect's report of the same analysis, and
:func:`.verdict.judge_image`.  An image that cannot be read or judged comes back as a
``failed`` verdict with its error: one bad image never stops a fleet.

Workers on other machines each keep their own layer cache (``--cache-dir`` /
``XDG_CACHE_HOME``): an image judged on a worker that did not analyse one of its
layers reads that layer itself, once per machine.  Point every worker at a shared
cache directory to read each layer once per fleet.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

from ..errors import AlpineReadyError
from ..inputs.image.cachedir import usable_cache_dir
from ..inputs.image.layers import SymbolBudget, analyse_layer, load_cached, store_cached
from ..inputs.image.source import ImageOptions, open_image
from ..inputs.target import classify
from .model import ImageVerdict, LayerRef, LayerResult, Readiness

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskSettings:
    """What every task needs to know, sent with each (small and picklable)."""

    image: ImageOptions = field(default_factory=ImageOptions)
    alpine: str | None = None  # the Alpine release to judge against (None: newest)
    mirror: str | None = None
    offline: bool = False


def layer_task(pinned: str, layer: LayerRef, settings: TaskSettings) -> LayerResult:
    """Analyse one layer of the image ``pinned`` into the layer cache (ImageError if unread)."""
    start = time.monotonic()
    cache = usable_cache_dir(settings.image.cache_dir, "layers")
    hit = load_cached(cache, layer.digest, elves=True)
    fetched = 0
    if hit is None:
        ref = classify(pinned).image
        assert ref is not None, pinned
        source = open_image(ref, settings.image)
        found = next((la for la in source.layers if la.digest == layer.digest), None)
        if found is None:
            from ..errors import ImageError

            raise ImageError(f"{pinned}: no layer {layer.digest} in its manifest")
        blob = source.blobs.open_blob(found.digest, found.size)
        try:
            hit = analyse_layer(blob, found, source.name, elves=True, budget=SymbolBudget())
        finally:
            blob.close()
        store_cached(cache, hit)
        fetched = found.size
    return LayerResult(
        digest=layer.digest,
        compressed=layer.size,
        uncompressed=hit.uncompressed_size,
        files=len(hit.entries),
        elf_files=len(hit.elves),
        seconds=time.monotonic() - start,
        fetched=fetched,
    )


def judge_task(
    shown: str, pinned: str, manifest_digest: str, settings: TaskSettings
) -> ImageVerdict:
    """The verdict of one image (``failed`` with the error when it cannot be judged)."""
    from ..analysis import scan
    from ..analysis.scan import ScanOptions, package_source_of
    from ..analysis.verdict import using_package_source
    from ..elf.reader import run_symbol_budget
    from ..inputs.pydist import image_distributions
    from ..inspection import inspect_image
    from .verdict import judge_image

    start = time.monotonic()
    options = ScanOptions(
        target=pinned,
        alpine=settings.alpine,
        image=settings.image,
        mirror=settings.mirror,
        offline=settings.offline,
        jobs=1,
        owned_by="app",  # the OS packages' files are replaced by Alpine's: not judged
    )
    try:
        ref = classify(pinned).image
        assert ref is not None, pinned
        with run_symbol_budget(), using_package_source(package_source_of(options)):
            image, _system, _stats, files = scan.judge_image(options, ref)
        dists = image_distributions(image)
        verdict = judge_image(manifest_digest, files, inspect_image(shown, image), dists)
    except AlpineReadyError as exc:
        log.warning("%s: %s", shown, exc)
        verdict = failed(manifest_digest, str(exc))
    return replace(verdict, seconds=round(time.monotonic() - start, 3))


def failed(manifest_digest: str, error: str) -> ImageVerdict:
    """The verdict of an image that could not be judged."""
    return ImageVerdict(
        manifest_digest=manifest_digest,
        readiness=Readiness.FAILED,
        os=None,
        libc="unknown",
        compressed=0,
        uncompressed=0,
        base_bytes=None,
        alpine_estimate=None,
        saving=0,
        saving_basis="not judged",
        error=error,
    )
