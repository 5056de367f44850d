"""A focused streaming reader for layer tars (ustar, GNU and v7 headers, PAX).

``tarfile`` in stream mode spends most of a layer walk in its generic header
machinery (``frombuf``/``nti``/``nts`` and one small read per block); layers
only need name, type, size, mode, link target and the content of a few files.
This reader parses the 512-byte headers by slicing, reads the stream in large
chunks into a bounded buffer, and never seeks: what an entry's consumer does
not read is read and discarded when the next entry is asked for, so the whole
stream is consumed (its digest is verified by the stream itself) -- unless the
caller gives a ``skip`` function (a local file region whose digest is checked
apart): then unread content is skipped over, not read.

Semantics follow ``tarfile`` where they matter for layers:

* names: ustar ``prefix`` + ``name`` (not for GNU-format headers, whose
  prefix bytes hold other fields), trailing ``/`` removed from directories, a
  v7 regular file whose name ends in ``/`` is a directory;
* precedence of names and links: header < global PAX (``g``, which applies
  ``path``/``linkpath`` to every following entry, as POSIX says) < GNU
  ``L``/``K`` < per-file PAX (``x``: ``path``, ``linkpath``, ``size``);
* only regular files and unknown types carry data (dirs, links, devices and
  fifos never do, whatever their size field says), as in tarfile and Go;
* GNU sparse files (old ``S`` headers and the PAX 0.0/0.1/1.0 forms) are
  entries of type ``sparse`` with their real size; their content is not
  reconstructed (layer writers do not produce them);
* the archive ends at the first all-zero block; a stream that ends at a
  header boundary, or right after the last entry's data without its padding,
  ends the walk with :attr:`TarReader.unterminated` set.

Stricter than tarfile: a bad header checksum, a malformed number field or a
truncated header after the first entry raise :class:`TarError` instead of
silently ending the walk.  Extended headers (PAX, GNU long names) larger than
``max_header`` raise :class:`HeaderTooLarge` before they are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol
from zlib import adler32

BLOCK = 512
CHUNK = 1 << 20  # bytes asked of the underlying stream per read
SEEK_CHUNK = 64 << 10  # the same with ``skip``: after a skip, the next read is mostly headers
_ZERO_BLOCK = bytes(BLOCK)
_GNU_MAGIC = b"ustar  \0"

_KINDS = {
    b"0": "file",
    b"\0": "file",
    b"7": "file",
    b"5": "dir",
    b"2": "symlink",
    b"1": "hardlink",
    b"3": "char",
    b"4": "block",
    b"6": "fifo",
}
_HEADER_ONLY = frozenset(("dir", "symlink", "hardlink", "char", "block", "fifo"))
_PAX_TYPES = (b"x", b"g", b"X")


class Readable(Protocol):
    """What the reader needs of its stream: ``read(n)``, which returns ``b""`` only at the end."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes; ``b""`` at the end."""
        ...


class TarError(Exception):
    """A malformed or truncated tar stream."""


class HeaderTooLarge(TarError):
    """A PAX or GNU long-name header beyond the reader's bound."""


def _text(field: bytes) -> str:
    """A NUL-terminated header string (UTF-8, undecodable bytes kept as surrogates)."""
    end = field.find(b"\0")
    if end >= 0:
        field = field[:end]
    return field.decode("utf-8", "surrogateescape")


def _number(field: bytes) -> int:
    """An octal number field, or GNU base-256 (first byte 0x80, or 0xff: negative)."""
    try:  # the common case: digits, then NULs and spaces (the same value as below)
        return int(field.rstrip(b"\0 "), 8)
    except ValueError:
        pass  # an inner NUL, no digit at all, base-256: read as follows
    first = field[0]
    if first == 0o200 or first == 0o377:
        n = int.from_bytes(field[1:], "big")
        return n - 256 ** (len(field) - 1) if first == 0o377 else n
    end = field.find(b"\0")
    if end >= 0:
        field = field[:end]
    try:
        return int(field.strip() or b"0", 8)
    except ValueError:
        raise TarError(f"invalid number field {field!r} in a tar header") from None


def _checksum_ok(buf: bytes) -> bool:
    """The header checksum, summed unsigned or signed (old writers), as tarfile accepts."""
    stored = _number(buf[148:156])
    # Every byte but the field itself, which counts as 8 spaces (256).  Each part is
    # summed by Adler-32 at C speed: its low half is 1 + the sum of the bytes, exact
    # (not reduced modulo 65521) for at most 256 bytes -- so 253 = 256 - 3 * 1.
    unsigned = (
        (adler32(buf[:148]) & 0xFFFF)
        + (adler32(buf[156:412]) & 0xFFFF)
        + (adler32(buf[412:]) & 0xFFFF)
        + 253
    )
    if stored == unsigned:
        return True
    high = sum(1 for b in buf[:148] if b > 127) + sum(1 for b in buf[156:] if b > 127)
    return stored == unsigned - 256 * high


def parse_pax(data: bytes) -> dict[str, str]:
    """PAX records (``"%d %s=%s"`` + newline); parsing stops at a non-record (NUL padding)."""
    out: dict[str, str] = {}
    pos, end = 0, len(data)
    while pos < end:
        sp = data.find(b" ", pos, pos + 21)
        if sp < 0 or not data[pos:sp].isdigit():
            break
        length = int(data[pos:sp])
        stop = pos + length
        eq = data.find(b"=", sp + 1, stop)
        if length <= sp - pos + 1 or stop > end or eq < 0 or data[stop - 1] != 0x0A:
            raise TarError(f"malformed PAX record at byte {pos} of its header")
        key = data[sp + 1 : eq].decode("utf-8", "surrogateescape")
        out[key] = data[eq + 1 : stop - 1].decode("utf-8", "surrogateescape")
        pos = stop
    return out


class TarEntry:
    """One member of the tar, valid while it is the reader's current entry.

    ``name``, ``type`` (file dir symlink hardlink char block fifo sparse other),
    ``size``, ``mode``, ``linkname``, ``typeflag`` (the header's byte), ``offset``
    (of its first header) and :meth:`read` for its content.
    """

    __slots__ = ("_reader", "linkname", "mode", "name", "offset", "size", "type", "typeflag")

    def __init__(
        self,
        reader: TarReader,
        name: str,
        kind: str,
        size: int,
        mode: int,
        linkname: str,
        typeflag: bytes,
        offset: int,
    ) -> None:
        self._reader = reader
        self.name, self.type, self.size, self.mode = name, kind, size, mode
        self.linkname, self.typeflag, self.offset = linkname, typeflag, offset

    def read(self, n: int = -1) -> bytes:
        """Up to ``n`` (all with -1) of the content bytes not read yet.

        Raises :class:`TarError` when the stream ends inside the content, when the
        reader has moved past this entry, and for sparse entries.
        """
        if self._reader._current is not self:
            raise TarError(f"{self.name!r}: read after the reader moved past the entry")
        if self.type == "sparse":
            raise TarError(f"{self.name!r}: the content of a sparse entry is not read")
        return self._reader._read_data(n)

    def __repr__(self) -> str:
        return f"TarEntry({self.name!r}, {self.type}, size={self.size})"


class TarReader:
    """Iterate the entries of a tar stream (see the module doc); one pass.

    ``skip(n)``, when given, moves the stream ``n`` bytes on without reading them
    and returns how many it moved (fewer only at the end): content nobody reads
    is then skipped, not read.  ``offset`` is the number of tar bytes consumed
    (read or skipped) so far.  After the walk,
    ``unterminated`` tells that the stream ended without an end-of-archive block.
    The stream past the end-of-archive block is not read: the caller drains it.
    """

    def __init__(
        self,
        stream: Readable,
        *,
        max_header: int = 1 << 20,
        chunk: int | None = None,
        skip: Callable[[int], int] | None = None,
    ) -> None:
        if chunk is None:
            chunk = CHUNK if skip is None else SEEK_CHUNK
        self._stream, self.max_header, self._chunk = stream, max_header, chunk
        self._seek = skip
        self._buf = b""
        self._pos = 0
        self.offset = 0
        self.unterminated = False
        self._ended = False
        self._globals: dict[str, str] = {}
        self._current: TarEntry | None = None
        self._left = 0  # unread content bytes of the current entry
        self._pad = 0  # padding after them

    # -- buffer ------------------------------------------------------------------

    def _take(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer only at the end of the stream).

        Across a refill, only the bytes returned are copied: the new chunk becomes
        the buffer as it is (the buffer is one chunk, or one extended header).
        """
        pos, buf = self._pos, self._buf
        end = pos + n
        if end <= len(buf):
            self._pos = end
            self.offset += n
            return buf[pos:end]
        parts = [buf[pos:]]
        got = len(buf) - pos
        self._buf, self._pos = b"", 0
        while got < n:
            data = self._stream.read(max(n - got, self._chunk))
            if not data:
                break
            want = n - got
            if len(data) > want:
                parts.append(data[:want])
                self._buf, self._pos = data, want
                got = n
                break
            parts.append(data)
            got += len(data)
        self.offset += got
        return b"".join(parts)

    def _skip(self, n: int) -> int:
        """Read and discard ``n`` bytes; returns how many there were."""
        avail = len(self._buf) - self._pos
        if n <= avail:
            self._pos += n
            self.offset += n
            return n
        done = avail
        self._buf, self._pos = b"", 0
        if self._seek is not None:
            done += self._seek(n - avail)
            self.offset += done
            return done
        while done < n:
            data = self._stream.read(self._chunk)
            if not data:
                break
            if done + len(data) > n:  # keep the rest for the next header
                self._buf, self._pos = data, n - done
                done = n
                break
            done += len(data)
        self.offset += done
        return done

    def _read_data(self, n: int) -> bytes:
        left = self._left
        if n < 0 or n > left:
            n = left
        pos = self._pos
        end = pos + n
        if end <= len(self._buf):  # the common case: all in the buffer
            self._pos = end
            self.offset += n
            self._left = left - n
            return self._buf[pos:end]
        avail = len(self._buf) - self._pos
        if n > avail and n - avail >= self._chunk:  # large: straight from the stream
            parts = [self._buf[self._pos :]]
            self._buf, self._pos = b"", 0
            need = n - avail
            while need:  # in chunks: a bounded stream checks its bounds per read
                chunk = self._stream.read(min(need, self._chunk))
                if not chunk:
                    break
                parts.append(chunk)
                need -= len(chunk)
            data = b"".join(parts)
            self.offset += len(data)
        else:
            data = self._take(n)
        self._left -= len(data)
        if len(data) < n:
            assert self._current is not None
            raise TarError(f"unexpected end of data in {self._current.name!r}")
        return data

    def _extended(self, size: int, what: str) -> bytes:
        """The data of an extended header (PAX or GNU long name), bounded."""
        if size < 0:
            raise TarError(f"{what} header with a negative size ({size})")
        if size > self.max_header:
            raise HeaderTooLarge(f"{what} header of {size} bytes (limit {self.max_header})")
        padded = -(-size // BLOCK) * BLOCK
        data = self._take(padded)
        if len(data) < padded:
            raise TarError(f"unexpected end of data in a {what} header")
        return data[:size]

    # -- walk --------------------------------------------------------------------

    def __iter__(self) -> Iterator[TarEntry]:
        while True:
            entry = self._next()
            if entry is None:
                return
            self._current = entry
            yield entry
            n = self._left + self._pad
            if n:
                pos = self._pos + n
                if pos <= len(self._buf):  # the common case: the rest is in the buffer
                    self._pos = pos
                    self.offset += n
                    self._left = self._pad = 0
                else:
                    self._finish(entry)
            self._current = None

    def _finish(self, entry: TarEntry) -> None:
        """Skip what was not read of the entry's content, then its padding."""
        if self._left:
            self._left -= self._skip(self._left)
            if self._left:
                raise TarError(f"unexpected end of data in {entry.name!r}")
        if self._pad:
            got = self._skip(self._pad)  # short only at the end of the stream
            if got == 0:
                # the stream ends right after the content (some writers, e.g.
                # umoci 0.4, omit the last padding and the end-of-archive blocks)
                self.unterminated = self._ended = True
            elif got < self._pad:
                raise TarError(f"unexpected end of data after {entry.name!r}")
            self._pad = 0

    def _next(self) -> TarEntry | None:
        if self._ended:
            return None
        pax: dict[str, str] | None = None
        longname: str | None = None
        longlink: str | None = None
        while True:
            at = self.offset
            pos = self._pos
            if pos + BLOCK <= len(self._buf):  # _take(BLOCK), inline for the common case
                buf = self._buf[pos : pos + BLOCK]
                self._pos = pos + BLOCK
                self.offset = at + BLOCK
            else:
                buf = self._take(BLOCK)
            pending = pax is not None or longname is not None or longlink is not None
            if len(buf) < BLOCK:
                if buf:
                    raise TarError(f"truncated header at byte {at}")
                if at == 0:
                    raise TarError("empty file")
                if pending:
                    raise TarError("the stream ends after an extended header")
                self.unterminated = self._ended = True
                return None
            if buf == _ZERO_BLOCK:
                if pending:
                    raise TarError("end-of-archive block after an extended header")
                self._ended = True
                return None
            # _checksum_ok and _number, inline for the common case (octal digits, the
            # unsigned sum): this runs once per entry of every layer
            try:
                stored = int(buf[148:156].rstrip(b"\0 "), 8)
            except ValueError:
                stored = -1
            if stored != (
                (adler32(buf[:148]) & 0xFFFF)
                + (adler32(buf[156:412]) & 0xFFFF)
                + (adler32(buf[412:]) & 0xFFFF)
                + 253
            ) and not _checksum_ok(buf):
                raise TarError(f"bad checksum in the tar header at byte {at}")
            typeflag = buf[156:157]
            try:
                size = int(buf[124:136].rstrip(b"\0 "), 8)
            except ValueError:
                size = _number(buf[124:136])
            if typeflag in _PAX_TYPES:
                records = parse_pax(self._extended(size, "PAX"))
                if typeflag == b"g":
                    self._globals.update(records)
                else:
                    pax = records if pax is None else {**pax, **records}
                continue
            if typeflag == b"L":
                longname = _text(self._extended(size, "GNU long-name"))
                continue
            if typeflag == b"K":
                longlink = _text(self._extended(size, "GNU long-link"))
                continue
            return self._member(buf, typeflag, size, at, pax, longname, longlink)

    def _member(
        self,
        buf: bytes,
        typeflag: bytes,
        size: int,
        at: int,
        pax: dict[str, str] | None,
        longname: str | None,
        longlink: str | None,
    ) -> TarEntry:
        end = buf.find(0, 0, 100)  # _text(buf[0:100]), inline
        name = buf[: end if end >= 0 else 100].decode("utf-8", "surrogateescape")
        if typeflag == b"\0" and name.endswith("/"):
            typeflag = b"5"  # v7: a directory is a regular file named "dir/"
        kind = _KINDS.get(typeflag, "other")
        if kind == "dir":
            name = name.rstrip("/")
        if buf[257:265] != _GNU_MAGIC and typeflag != b"S" and buf[345] != 0:
            name = _text(buf[345:500]) + "/" + name
        try:
            mode = int(buf[100:108].rstrip(b"\0 "), 8)
        except ValueError:
            mode = _number(buf[100:108])
        linkname = _text(buf[157:257]) if buf[157] else ""
        stored = size
        if typeflag == b"S":  # old GNU sparse: extension blocks, then the stored data
            kind, size = "sparse", _number(buf[483:495])
            extended = buf[482]
            while extended:
                block = self._take(BLOCK)
                if len(block) < BLOCK:
                    raise TarError(f"unexpected end of data in the sparse map of {name!r}")
                extended = block[504]
        glob = self._globals
        if glob:
            if "path" in glob:
                name = glob["path"].rstrip("/")
            if "linkpath" in glob:
                linkname = glob["linkpath"]
        if longname is not None:
            name = longname.removesuffix("/") if kind == "dir" else longname
        if longlink is not None:
            linkname = longlink
        if pax:
            if "path" in pax:
                name = pax["path"].rstrip("/")
            if "linkpath" in pax:
                linkname = pax["linkpath"]
            if "size" in pax:
                stored = size = _pax_int(pax["size"], "size")
            if "GNU.sparse.major" in pax or "GNU.sparse.size" in pax or "GNU.sparse.map" in pax:
                kind = "sparse"
                name = pax.get("GNU.sparse.name", name)
                size = _pax_int(
                    pax.get("GNU.sparse.realsize") or pax.get("GNU.sparse.size") or str(size),
                    "sparse size",
                )
        if stored < 0:
            raise TarError(f"{name!r}: negative size {stored} in its tar header")
        if kind in _HEADER_ONLY:
            stored = 0
        self._left = stored
        self._pad = -stored % BLOCK
        return TarEntry(self, name, kind, size, mode, linkname, typeflag, at)


def _pax_int(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise TarError(f"PAX {what} {value!r} is not a number") from None
