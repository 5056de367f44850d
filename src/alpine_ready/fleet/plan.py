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
from ..inputs.image.reference import ImageReference
from ..inputs.image.source import ImageOptions, open_image
from ..inputs.target import classify
from ..net.errors import Unreachable
from .model import ImagePlan, LayerRef

log = logging.getLogger(__name__)

THREADS = 8
WINDOW = THREADS * 64  # references in flight at most


def resolve_one(ref: str, options: ImageOptions, named: ImageReference | None = None) -> ImagePlan:
    """The manifest of one image (AlpineReadyError when it cannot be read).

    ``named``: ``ref`` already classified (else it is classified here).
    """
    named = named if named is not None else classify(ref).image
    if named is None:
        from ..errors import InputError

        raise InputError(f"{ref}: not an image reference")
    source = open_image(named, options)
    digest = source.manifest_digest or source.config_digest or ref
    pinned = named._replace(digest=digest) if named.transport == "docker" and digest else named
    layers = tuple(LayerRef(la.digest, la.size, la.media_type) for la in source.layers)
    return ImagePlan(ref=ref, pinned=str(pinned), manifest_digest=digest, layers=layers)


def _classified(ref: str) -> tuple[ImageReference | None, str | None]:
    """``ref`` as an image reference, and its registry host for ``docker://`` (else None).

    A reference that does not classify comes back as (None, None): resolving it says why.
    """
    try:
        named = classify(ref).image
    except AlpineReadyError:
        return None, None
    host = named.registry if named is not None and named.transport == "docker" else None
    return named, host


def _unreachable(exc: BaseException) -> bool:
    """Did the request get no answer at all (as opposed to an answer that says no)?"""
    return isinstance(exc, Unreachable) or isinstance(exc.__cause__, Unreachable)


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
    skipped = done = 0  # images of a registry found unreachable, not tried; all handled

    def gone(host: str | None) -> bool:
        with lock:
            return host is not None and host in down

    def one(job: tuple[str, ImageReference | None, str | None]) -> ImagePlan | str | None:
        """The plan, the error, or None when the image's registry went down meanwhile."""
        ref, named, host = job
        if gone(host):
            return None
        try:
            return resolve_one(ref, options, named)
        except AlpineReadyError as exc:
            if host is not None and _unreachable(exc):
                with lock:
                    down.setdefault(host, str(exc))
            return str(exc)

    def record(ref: str, host: str | None, got: ImagePlan | str | None) -> None:
        nonlocal skipped, done
        done += 1
        if isinstance(got, ImagePlan):
            plans[ref] = got
        elif got is None:
            skipped += 1
            errors[ref] = f"{ref}: not tried: {host} could not be reached earlier in this run"
        else:
            log.warning("%s", got)
            errors[ref] = got
        if progress:
            progress(done, len(refs))

    with ThreadPoolExecutor(max_workers=min(THREADS, max(1, len(refs)))) as pool:
        for start in range(0, len(refs), WINDOW):
            todo = []
            for ref in refs[start : start + WINDOW]:
                named, host = _classified(ref)
                if gone(host):  # its registry is down: it fails here, not in a thread
                    record(ref, host, None)
                else:
                    todo.append((ref, named, host))
            for job, got in zip(todo, pool.map(one, todo), strict=True):
                record(job[0], job[2], got)
    if skipped:
        log.warning(
            "%d more image(s) not tried: their registry (%s) could not be reached",
            skipped,
            ", ".join(sorted(down)),
        )
    return [plans[r] for r in refs if r in plans], errors
