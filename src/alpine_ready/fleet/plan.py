"""Per image, its manifest: the digests the rest of the fleet is keyed by.

Resolved here, in the coordinating process, a few at a time in threads (a manifest is
a small request; nothing is downloaded but the config).  An image that cannot be
resolved is reported as failed, with the error, and the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from ..errors import AlpineReadyError
from ..inputs.image.source import ImageOptions, open_image
from ..inputs.target import classify
from .model import ImagePlan, LayerRef

log = logging.getLogger(__name__)

THREADS = 8


def resolve_one(ref: str, options: ImageOptions) -> ImagePlan:
    """The manifest of one image (AlpineReadyError when it cannot be read)."""
    named = classify(ref).image
    if named is None:
        from ..errors import InputError

        raise InputError(f"{ref}: not an image reference")
    source = open_image(named, options)
    digest = source.manifest_digest or source.config_digest or ref
    pinned = named._replace(digest=digest) if named.transport == "docker" and digest else named
    layers = tuple(LayerRef(la.digest, la.size, la.media_type) for la in source.layers)
    return ImagePlan(ref=ref, pinned=str(pinned), manifest_digest=digest, layers=layers)


def resolve(
    refs: Sequence[str],
    options: ImageOptions,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[ImagePlan], dict[str, str]]:
    """(the images resolved, in order; the others' errors by reference)."""
    plans: dict[str, ImagePlan] = {}
    errors: dict[str, str] = {}

    def one(ref: str) -> tuple[str, ImagePlan | str]:
        try:
            return ref, resolve_one(ref, options)
        except AlpineReadyError as exc:
            return ref, str(exc)

    with ThreadPoolExecutor(max_workers=min(THREADS, max(1, len(refs)))) as pool:
        for i, (ref, got) in enumerate(pool.map(one, refs), 1):
            if isinstance(got, ImagePlan):
                plans[ref] = got
            else:
                log.warning("%s", got)
                errors[ref] = got
            if progress:
                progress(i, len(refs))
    return [plans[r] for r in refs if r in plans], errors
