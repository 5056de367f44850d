"""Blobs of a registry repository: verified, cached, resumed after a broken connection.

- A blob is never asked for before :meth:`RegistryBlobs.open_blob`, and one declared
  larger than the cache's budget (or :data:`~.blobcache.MAX_BLOB_BYTES`) is refused
  before anything is asked of the registry.
- With a :class:`~.blobcache.BlobCache` the blob is downloaded into it first, once:
  a broken connection resumes with ``Range`` where the partial file ends (a server
  that ignores the range sends the whole blob again); a partial file whose bytes turn
  out wrong (:class:`~.errors.ContentMismatch`) is downloaded again from the start;
  a download that keeps failing keeps its partial file for the next run.
- Without a cache the blob is streamed (:class:`_ResumingStream`), resuming the same
  way; the bytes handed out are verified either way (:class:`~.verify.VerifyingReader`).

Connection failures are retried ``options.retries`` times with the client's backoff.
"""

from __future__ import annotations

import io
import logging
import time
from typing import TYPE_CHECKING, Any, BinaryIO

from ...net.errors import ConnectionLost
from ...net.response import Response
from .blobcache import BlobWriter, check_blob_size
from .errors import ContentMismatch, ImageError
from .verify import VerifyingReader, check_digest

if TYPE_CHECKING:
    from .registry import RegistryClient

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


class RegistryBlobs:
    """Blobs of one repository, verified, through the cache when there is one."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self.cache = client.options.cache

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        """A verifying stream of the blob (downloaded into the cache first, if any).

        A declared ``size`` beyond :data:`~.blobcache.MAX_BLOB_BYTES` (or the cache's
        budget) is refused before anything is asked of the registry.
        """
        what = f"{self.client.name}: blob {digest}"
        check_digest(digest, what)
        check_blob_size(size, what, self.cache)
        if self.cache is not None:
            try:
                return self._open_cached(digest, size, what)
            except OSError as e:
                log.warning(
                    "%s: blob cache %s unusable (%s); downloading without it",
                    self.client.name,
                    self.cache.root,
                    e,
                )
        resp = self.get(digest, {}, what)
        if resp.status != 200:
            resp.discard()
            raise ImageError(f"{what}: unexpected HTTP {resp.status}")
        return VerifyingReader(_ResumingStream(self, digest, resp, what), digest, size, what)

    def get(self, digest: str, headers: dict[str, str], what: str) -> Response:
        """``GET /v2/REPO/blobs/DIGEST`` (a 2xx or a 416 answer)."""
        c = self.client
        return c.get(
            f"/v2/{c.repository}/blobs/{digest}",
            headers,
            what=f"blob {digest}",
            not_found=f"{what}: blob unknown to {c.registry}/{c.repository}",
            accept=(416,),
        )

    def _open_cached(self, digest: str, size: int | None, what: str) -> BinaryIO:
        assert self.cache is not None
        try:
            return self.cache.open(digest, size)
        except FileNotFoundError:
            pass
        self._download(digest, size, what)
        return self.cache.open(digest, size)

    def _download(self, digest: str, size: int | None, what: str) -> None:
        """Into the cache: resume a partial download; start over if the result is bad."""
        assert self.cache is not None
        resume = True
        while True:
            resumed = 0
            try:
                with self.cache.writer(digest, size, resume=resume, what=what) as w:
                    resumed = w.offset
                    self._fill(w, digest, what)
                return
            except _GaveUp as e:
                raise ImageError(str(e)) from e.__cause__
            except ContentMismatch as e:
                if not (resumed and resume):
                    raise
                log.warning("%s: resumed download failed (%s); downloading it again", what, e)
                resume = False

    def _fill(self, w: BlobWriter, digest: str, what: str) -> None:
        """Copy the blob into ``w``, resuming with Range after a broken connection."""
        retry = self.client.http.settings.retry
        failures = 0
        while not w.complete:
            ranged = w.written > 0
            headers = {"Range": f"bytes={w.written}-"} if ranged else {}
            try:
                resp = self.get(digest, headers, what)
            except ImageError as e:  # unreachable, refused...: keep what we have
                raise _GaveUp(str(e)) from e
            with resp:
                if ranged and (
                    resp.status == 416 or (resp.status == 206 and range_start(resp) != w.written)
                ):
                    log.info(
                        "%s: range from byte %d refused (HTTP %d); downloading it all",
                        what,
                        w.written,
                        resp.status,
                    )
                    w.restart()
                    continue
                if ranged and resp.status == 206:
                    log.info("%s: resuming at byte %d", what, w.written)
                elif resp.status == 200:
                    if ranged:
                        log.info("%s: the server ignored Range; downloading it all", what)
                        w.restart()
                else:
                    raise ImageError(f"{what}: unexpected HTTP {resp.status}")
                try:
                    while chunk := resp.read(_CHUNK):
                        w.write(chunk)
                except ConnectionLost as e:
                    failures += 1
                    if failures > retry.retries:
                        # not an ImageError inside the writer: the partial file is kept
                        raise _GaveUp(
                            f"{what}: download failed after {failures} attempts ({e.detail})"
                        ) from e
                    delay = retry.backoff_delay(failures - 1)
                    log.info(
                        "%s: download interrupted at byte %d (%s), retry %d/%d in %.1fs",
                        what,
                        w.written,
                        e.detail,
                        failures,
                        retry.retries,
                        delay,
                    )
                    time.sleep(delay)
                    continue
            # The body ended cleanly: that is the whole blob (the writer checks it).
            return


class _ResumingStream(io.RawIOBase, BinaryIO):
    """A blob response that, when the connection breaks, goes on from where it was.

    It asks for the rest with ``Range``; a server that answers with the whole blob
    instead has the bytes already read skipped. (The caller's VerifyingReader
    hashes what this returns, so a resumed stream is verified like any other.)
    """

    def __init__(self, blobs: RegistryBlobs, digest: str, resp: Response, what: str) -> None:
        super().__init__()
        self._blobs = blobs
        self._digest = digest
        self._resp = resp
        self._what = what
        self._offset = 0
        self._failures = 0

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``."""
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes; reconnects (bounded) when the connection breaks."""
        n = _CHUNK if size is None or size < 0 else size
        while True:
            try:
                data = self._resp.read(n)
            except ConnectionLost as e:
                lost: ConnectionLost | None = e
                while lost is not None:  # a reconnection may break too
                    try:
                        self._reconnect(lost)
                        lost = None
                    except ConnectionLost as again:
                        lost = again
                continue
            self._offset += len(data)
            return data

    def _reconnect(self, lost: ConnectionLost) -> None:
        retry = self._blobs.client.http.settings.retry
        self._failures += 1
        self._resp.close()
        if self._failures > retry.retries:
            raise ImageError(
                f"{self._what}: download failed after {self._failures} attempts ({lost.detail})"
            ) from lost
        delay = retry.backoff_delay(self._failures - 1)
        log.info(
            "%s: connection lost at byte %d (%s), retry %d/%d in %.1fs",
            self._what,
            self._offset,
            lost.detail,
            self._failures,
            retry.retries,
            delay,
        )
        time.sleep(delay)
        resp = self._blobs.get(self._digest, {"Range": f"bytes={self._offset}-"}, self._what)
        if resp.status == 206 and range_start(resp) == self._offset:
            self._resp = resp
            return
        if resp.status != 200:
            resp.discard()
            raise ImageError(f"{self._what}: resuming failed: HTTP {resp.status}")
        skip = self._offset
        try:
            while skip:
                got = resp.read(min(skip, _CHUNK))
                if not got:
                    raise ImageError(
                        f"{self._what}: the blob ended before byte {self._offset} on a new download"
                    )
                skip -= len(got)
        except BaseException:
            resp.close()
            raise
        self._resp = resp

    def close(self) -> None:
        """Close the response."""
        if not self.closed:
            try:
                self._resp.close()
            finally:
                super().close()

    def __enter__(self) -> _ResumingStream:
        return self


class _GaveUp(Exception):
    """A download that failed too often (its partial file stays for the next try)."""


def range_start(resp: Response) -> int | None:
    """The first byte a ``206`` answer's ``Content-Range`` says it holds."""
    value = resp.getheader("Content-Range") or ""
    unit, _, rest = value.partition(" ")
    start = rest.split("-", 1)[0]
    return int(start) if unit == "bytes" and start.isdigit() else None
