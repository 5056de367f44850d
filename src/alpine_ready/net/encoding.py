"""``Content-Encoding`` undone, within a bound (a small gzip body can be a bomb)."""

from __future__ import annotations

import zlib

from .errors import BadEncoding, BodyTooLarge


def decode(data: bytes, encoding: str, limit: int) -> bytes:
    """``data`` with its ``Content-Encoding`` (gzip, deflate) undone; at most ``limit`` bytes.

    Raises :class:`BadEncoding` for an encoding we do not speak or a corrupt body,
    :class:`BodyTooLarge` when the decoded body would pass ``limit``.
    """
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise BadEncoding(f"unsupported Content-Encoding {encoding!r}")
    d = zlib.decompressobj(wbits=47 if encoding != "deflate" else 15)
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as e:
        raise BadEncoding(f"corrupt {encoding} body ({e})") from e
    if len(out) > limit:
        raise BodyTooLarge(f"larger than {limit} bytes", limit=limit)
    return out
