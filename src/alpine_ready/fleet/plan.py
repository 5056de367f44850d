"""Per image, its manifest: the digests the rest of the fleet is keyed by.

Resolved here, in the coordinating process, a few at a time in threads (a manifest is
a small request; nothing is downloaded but the config), in windows of :data:`WINDOW`
references (a list of 200,000 images is not 200,000 futures at once).  An image that
cannot be resolved is reported as failed, with the error, and the run goes on; once a
registry could not be reached at all (refused, no route, no name), the rest of its
images fail at once with that reason instead of each waiting for its own retries, and
the log says it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from ..errors import AlpineReadyError
from ..inputs.image.source import ImageOptions, open_image
from ..inputs.target import classify
from ..net.errors import Unreachable
from .model import ImagePlan, LayerRef

log = logging.getLogger(__name__)

THREADS = 8
WINDOW = THREADS * 64  # references in flight at most


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


def _registry_of(ref: str) -> str | None:
    """The registry host of a ``docker://`` reference (None for local transports)."""
    try:
        named = classify(ref).image
    except AlpineReadyError:
        return None
    return named.registry if named is not None and named.transport == "docker" else None


def _unreachable(exc: BaseException) -> bool:
    """Did the request get no answer at all (as opposed to an answer that says no)?"""
    return isinstance(exc, Unreachable) or isinstance(exc.__cause__, Unreachable)


def _not_tried(ref: str, host: str | None) -> str:
    return f"{ref}: not tried: {host} could not be reached earlier in this run"


def resolve(
    refs: Sequence[str],
    options: ImageOptions,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[ImagePlan], dict[str, str]]:
    """(the images resolved, in order; the others' errors by reference)."""
    plans: dict[str, ImagePlan] = {}
    errors: dict[str, str] = {}
    down: dict[str, str] = {}  # registry host -> why it could not be reached
    lock = threading.Lock()

    def one(ref: str) -> tuple[str, ImagePlan | str]:
        host = _registry_of(ref)
        with lock:
            why = down.get(host) if host is not None else None
        if why is not None:
            return ref, _not_tried(ref, host)
        try:
            return ref, resolve_one(ref, options)
        except AlpineReadyError as exc:
            if host is not None and _unreachable(exc):
                with lock:
                    down.setdefault(host, str(exc))
            return ref, str(exc)

    done = 0
    with ThreadPoolExecutor(max_workers=min(THREADS, max(1, len(refs)))) as pool:
        for start in range(0, len(refs), WINDOW):
            window = refs[start : start + WINDOW]
            if down:  # a registry found unreachable: its images fail here, not a thread each
                with lock:
                    gone = set(down)
                todo = []
                for ref in window:
                    host = _registry_of(ref)
                    if host is not None and host in gone:
                        done += 1
                        errors[ref] = _not_tried(ref, host)
                        if progress:
                            progress(done, len(refs))
                    else:
                        todo.append(ref)
                window = todo
            for ref, got in pool.map(one, window):
                done += 1
                if isinstance(got, ImagePlan):
                    plans[ref] = got
                else:
                    if "could not be reached earlier in this run" not in got:
                        log.warning("%s", got)
                    errors[ref] = got
                if progress:
                    progress(done, len(refs))
    skipped = sum(1 for e in errors.values() if "could not be reached earlier" in e)
    if skipped:
        log.warning(
            "%d more image(s) not tried: their registry (%s) could not be reached",
            skipped,
            ", ".join(sorted(down)),
        )
    return [plans[r] for r in refs if r in plans], errors
