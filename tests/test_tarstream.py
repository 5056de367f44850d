"""``alpine_ready.inputs.image.tarstream`` against ``tarfile``.

Differential: every entry of every real layer of the fixture images (all three
formats, blobs decompressed), read by both, must agree on name, type, size, mode,
link target and content.  Then hand-made tars for what real layers do not hold:
PAX and GNU long names, global PAX headers, base-256 numbers, sparse files, bad
checksums, truncation and oversized extended headers.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import imagebuild as ib
from alpine_ready.inputs.image import layers
from alpine_ready.inputs.image.model import ImageError, Layer
from alpine_ready.inputs.image.tarstream import (
    BLOCK,
    HeaderTooLarge,
    TarError,
    TarReader,
    parse_pax,
)

KINDS = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.CONTTYPE: "file",
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "char",
    tarfile.BLKTYPE: "block",
    tarfile.FIFOTYPE: "fifo",
    tarfile.GNUTYPE_SPARSE: "sparse",
}
Row = tuple[str, str, int, int, str, str | None]


def _digest(chunks: Iterator[bytes]) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(c)
    return h.hexdigest()


def by_tarfile(fh: IO[bytes]) -> list[Row]:
    rows: list[Row] = []
    with tarfile.open(fileobj=fh, mode="r|") as tf:
        for ti in tf:
            kind = "sparse" if ti.issparse() else KINDS.get(ti.type, "other")
            content = None
            if kind == "file":
                ex = tf.extractfile(ti)
                assert ex is not None
                content = _digest(iter(lambda ex=ex: ex.read(1 << 16), b""))  # type: ignore[misc]
            rows.append((ti.name, kind, ti.size, ti.mode, ti.linkname, content))
    return rows


class SkipIO(io.BytesIO):
    """Bytes with ``skip``, as a local file region has: moves on, never past the end."""

    def skip(self, n: int) -> int:
        pos = self.tell()
        n = max(0, min(n, len(self.getbuffer()) - pos))
        self.seek(pos + n)
        return n


def by_tarstream(
    fh: IO[bytes],
    *,
    chunk: int = 1 << 20,
    read: bool = True,
    pieces: tuple[int, ...] = (1, 3, 700, 1 << 16),
    skip: bool = False,
) -> list[Row]:
    """Read the content in uneven pieces (or not at all: ``read=False``).

    ``skip``: the reader skips unread content over a :class:`SkipIO` of the bytes.
    """
    rows: list[Row] = []
    if skip:
        fh = SkipIO(fh.read())
    for e in TarReader(fh, chunk=chunk, skip=fh.skip if skip else None):  # type: ignore[attr-defined]
        content = None
        if e.type == "file" and read:
            h = hashlib.sha256()
            i = 0
            while data := e.read(pieces[i % len(pieces)]):
                h.update(data)
                i += 1
            assert e.read() == b""
            content = h.hexdigest()
        rows.append((e.name, e.type, e.size, e.mode, e.linkname, content))
    return rows


def _plain(rows: list[Row]) -> list[Row]:
    return [(*r[:5], None) for r in rows]


# -- the real layers ----------------------------------------------------------------


@contextmanager
def _uncompressed(fh: IO[bytes]) -> Iterator[IO[bytes]]:
    head = fh.read(4)
    fh.seek(0)
    if head.startswith(layers.GZIP_MAGIC):
        with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
            yield gz  # type: ignore[misc]
    elif head.startswith(layers.ZSTD_MAGIC):
        import zstandard

        with zstandard.ZstdDecompressor().stream_reader(fh) as z:
            yield z
    else:
        yield fh


def _layer_blobs(img: ib.BuiltImage, fmt: str) -> Iterator[tuple[str, Any]]:
    """(label, opener of the raw blob) for every layer of the image in that format."""
    exp = img.expected
    if fmt == "oci":
        for d in exp["formats"]["oci"]["layer_digests"]:
            path = img.oci_dir / "blobs" / "sha256" / d.split(":")[1]
            yield f"{img.name} oci {d[:19]}", lambda path=path: path.open("rb")
        return
    archive = img.docker_archive if fmt == "docker-archive" else img.oci_archive
    outer = tarfile.open(archive)  # noqa: SIM115 (closed by the fixture's end: module scope)
    names = (
        [m.name for m in outer.getmembers() if m.name.endswith("/layer.tar")]
        if fmt == "docker-archive"
        else ["blobs/sha256/" + d.split(":")[1] for d in exp["formats"]["oci"]["layer_digests"]]
    )
    assert len(names) == len(exp["formats"]["oci"]["layer_digests"])
    for name in names:
        yield f"{img.name} {fmt} {name[:30]}", lambda name=name: outer.extractfile(name)


IMAGES = {"alpine": ib.alpine_image, "debian": ib.debian_image, "glibc-app": ib.glibc_app_image}


@pytest.mark.parametrize("fmt", ["oci", "docker-archive", "oci-archive"])
@pytest.mark.parametrize("image", sorted(IMAGES))
def test_real_layers_agree_with_tarfile(image: str, fmt: str) -> None:
    img = IMAGES[image]()
    seen = 0
    for label, opener in _layer_blobs(img, fmt):
        with opener() as raw, _uncompressed(raw) as fh:
            want = by_tarfile(fh)
        # an odd chunk size in one format puts headers across buffer refills
        chunk = 1000 if fmt == "docker-archive" else 1 << 20
        with opener() as raw, _uncompressed(raw) as fh:
            got = by_tarstream(fh, chunk=chunk)
        assert len(got) == len(want), label
        for mine, theirs in zip(got, want, strict=True):
            assert mine == theirs, label
        with opener() as raw, _uncompressed(raw) as fh:  # nothing read: all skipped
            assert by_tarstream(fh, read=False) == _plain(want), label
        for read in (True, False):  # with skip(): unread content is skipped over, not read
            with opener() as raw, _uncompressed(raw) as fh:
                got = by_tarstream(fh, read=read, skip=True, chunk=chunk)
            assert got == (want if read else _plain(want)), label
        seen += len(want)
    assert seen > 100


# -- hand-made tars -----------------------------------------------------------------


def _tar(
    members: list[tuple[tarfile.TarInfo, bytes | None]], fmt: int = tarfile.PAX_FORMAT, **kw: Any
) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, **kw) as tf:
        for ti, data in members:
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def _info(
    name: str, kind: bytes = tarfile.REGTYPE, size: int = 0, mode: int = 0o644, linkname: str = ""
) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type, ti.size, ti.mode, ti.linkname = kind, size, mode, linkname
    return ti


def _both(data: bytes, **kw: Any) -> list[Row]:
    want = by_tarfile(io.BytesIO(data))
    got = by_tarstream(io.BytesIO(data), **kw)
    assert got == want
    assert by_tarstream(io.BytesIO(data), chunk=512, pieces=(5,)) == want
    return got


def _header(
    name: bytes,
    typeflag: bytes,
    size: int | bytes = 0,
    *,
    linkname: bytes = b"",
    mode: int = 0o644,
    prefix: bytes = b"",
    magic: bytes = b"ustar\x0000",
    signed: bool = False,
) -> bytes:
    """A raw header with a correct checksum (``size`` as bytes: the raw field)."""
    h = bytearray(BLOCK)
    h[0 : len(name)] = name
    h[100:108] = b"%07o\0" % mode
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = size if isinstance(size, bytes) else b"%011o\0" % size
    h[136:148] = b"00000000000\0"
    h[156:157] = typeflag
    h[157 : 157 + len(linkname)] = linkname
    h[257:265] = magic
    h[345 : 345 + len(prefix)] = prefix
    h[148:156] = b" " * 8
    total = sum((b - 256 if b > 127 else b) for b in h) if signed else sum(h)
    h[148:156] = b"%06o\0 " % (total & 0o777777)
    return bytes(h)


def _data(payload: bytes) -> bytes:
    return payload + bytes(-len(payload) % BLOCK)


def _pax(records: dict[str, str], typeflag: bytes = b"x") -> bytes:
    body = b""
    for k, v in records.items():
        rec = f" {k}={v}\n".encode()
        n = len(rec) + 1
        while len(str(n)) + len(rec) != n:
            n += 1
        body += str(n).encode() + rec
    return _header(b"././@PaxHeader", typeflag, len(body)) + _data(body)


END = bytes(2 * BLOCK)


def test_pax_long_names_links_and_sizes() -> None:
    long_dir = "d/" + "x" * 120 + "/"
    long_file = long_dir + "é" * 80 + ".txt"
    rows = _both(
        _tar(
            [
                (_info(long_dir, tarfile.DIRTYPE, mode=0o755), None),
                (_info(long_file, size=5000), bytes(range(256)) * 19 + b"tail" * 34),
                (_info("short", tarfile.SYMTYPE, linkname="/" + "t" * 300), None),
                (_info("hl", tarfile.LNKTYPE, linkname=long_file), None),
                (_info("ünïcode-name"), b""),
                (_info("dev/c", tarfile.CHRTYPE), None),
                (_info("dev/b", tarfile.BLKTYPE), None),
                (_info("fifo", tarfile.FIFOTYPE), None),
            ]
        )
    )
    assert rows[0][:2] == (long_dir.rstrip("/"), "dir")
    assert rows[1][:3] == (long_file, "file", 5000)
    assert rows[2][4] == "/" + "t" * 300
    assert [r[1] for r in rows[5:]] == ["char", "block", "fifo"]


def test_ustar_prefix_v7_dirs_and_odd_headers() -> None:
    prefix_name = "p" * 140 + "/" + "n" * 90
    _both(_tar([(_info(prefix_name, size=3), b"abc")], fmt=tarfile.USTAR_FORMAT))
    raw = (
        _header(b"v7dir/", b"\0", magic=bytes(8))  # v7: a dir is "name/"
        + _header(b"v7file", b"\0", 2, magic=bytes(8))
        + _data(b"hi")
        + _header(b"link", b"2", 1024, linkname=b"t")  # header-only: size ignored
        + _header(b"hi\xff\xfebytes", b"0", 1, signed=True)
        + _data(b"\xff")
        + _header(b"odd", b"Z", 3)
        + _data(b"xyz")  # unknown type: has data
        + _header(b"cont", b"7", 1)
        + _data(b"c")
        + END
    )
    rows = _both(raw)
    assert [r[:3] for r in rows] == [
        ("v7dir", "dir", 0),
        ("v7file", "file", 2),
        ("link", "symlink", 1024),
        ("hi\udcff\udcfebytes", "file", 1),
        ("odd", "other", 3),
        ("cont", "file", 1),
    ]
    assert next(e for e in TarReader(io.BytesIO(raw)) if e.name == "odd").typeflag == b"Z"


def test_global_pax_headers_apply_to_all_following() -> None:
    raw = (
        _header(b"first", b"2", linkname=b"own")
        + _pax({"comment": "hello", "linkpath": "/global"}, b"g")
        + _header(b"second", b"2", linkname=b"own2")
        + _pax({"linkpath": "mine"})
        + _header(b"third", b"2", linkname=b"own3")
        + _header(b"fourth", b"1", linkname=b"x")
        + END
    )
    assert [(r[0], r[4]) for r in _both(raw)] == [
        ("first", "own"),
        ("second", "/global"),
        ("third", "mine"),
        ("fourth", "/global"),
    ]
    # a global path names every following entry (POSIX; tarfile does the same)
    raw = _pax({"path": "everything/"}, b"g") + _header(b"a", b"0", 1) + _data(b"1") + END
    assert [r[0] for r in _both(raw)] == ["everything"]
    # tarfile's own global header (pax_headers=...) is skipped like any other
    _both(_tar([(_info("f", size=2), b"ok")], pax_headers={"comment": "c" * 600}))


def test_gnu_long_names_and_links() -> None:
    rows = _both(
        _tar(
            [
                (_info("g/" + "L" * 200 + "/", tarfile.DIRTYPE), None),
                (_info("g/" + "L" * 200 + "/file", size=600), b"z" * 600),
                (_info("sym", tarfile.SYMTYPE, linkname="K" * 300), None),
                (_info("N" * 150, tarfile.LNKTYPE, linkname="M" * 150), None),
            ],
            fmt=tarfile.GNU_FORMAT,
        )
    )
    assert rows[0][0] == "g/" + "L" * 200 and rows[1][2] == 600
    assert rows[2][4] == "K" * 300 and rows[3][0] == "N" * 150


def test_base256_numbers() -> None:
    size = (0x80).to_bytes(1, "big") + (1000).to_bytes(11, "big")
    raw = (
        _header(b"big", b"0", size, magic=b"ustar  \0")
        + _data(b"q" * 1000)
        + _header(b"after", b"0", 1)
        + _data(b"!")
        + END
    )
    rows = _both(raw)
    assert [r[:3] for r in rows] == [("big", "file", 1000), ("after", "file", 1)]
    negative = b"\xff" * 12
    with pytest.raises(TarError, match="negative size"):
        list(TarReader(io.BytesIO(_header(b"neg", b"0", negative) + END)))


def test_bad_checksum() -> None:
    good = _header(b"a", b"0", 1) + _data(b"1")
    bad = bytearray(_header(b"b", b"0", 1))
    bad[0] ^= 0x20
    with pytest.raises(TarError, match=f"bad checksum in the tar header at byte {2 * BLOCK}"):
        list(TarReader(io.BytesIO(good + bytes(bad) + _data(b"2") + END)))
    with pytest.raises(TarError, match="bad checksum"):
        list(TarReader(io.BytesIO(bytes(bad) + END)))
    with pytest.raises(TarError, match="invalid number field"):
        list(TarReader(io.BytesIO(_header(b"c", b"0", b"12345678901z") + END)))


def test_truncation() -> None:
    raw = _tar(
        [(_info("a", size=700), b"a" * 700), (_info("b", size=10), b"b" * 10)],
        fmt=tarfile.USTAR_FORMAT,
    )
    second = 512 + 1024
    with pytest.raises(TarError, match="truncated header at byte 1536"):
        list(TarReader(io.BytesIO(raw[: second + 100])))
    for read in (True, False):  # data cut: when read, and when skipped
        with pytest.raises(TarError, match="unexpected end of data in 'a'"):
            by_tarstream(io.BytesIO(raw[:600]), read=read)
    with pytest.raises(TarError, match="unexpected end of data after 'a'"):
        list(TarReader(io.BytesIO(raw[: 512 + 700 + 5])))  # inside the padding
    with pytest.raises(TarError, match="empty file"):
        list(TarReader(io.BytesIO(b"")))
    with pytest.raises(TarError, match="after an extended header"):
        list(TarReader(io.BytesIO(_pax({"path": "p"}))))
    with pytest.raises(TarError, match="in a PAX header"):
        list(TarReader(io.BytesIO(_pax({"path": "p" * 600})[:1024])))


def test_stream_ending_right_after_the_data() -> None:
    """umoci 0.4: no padding after the last file, no end-of-archive blocks."""
    raw = _header(b"a", b"0", 3) + _data(b"abc") + _header(b"last", b"0", 700) + b"L" * 700
    reader = TarReader(io.BytesIO(raw))
    assert [(e.name, e.read()) for e in reader] == [("a", b"abc"), ("last", b"L" * 700)]
    assert reader.unterminated
    reader = TarReader(io.BytesIO(raw[:-700] + _data(b"L" * 700)))  # at a header boundary
    assert len(list(reader)) == 2 and reader.unterminated
    reader = TarReader(io.BytesIO(raw[:-700] + _data(b"L" * 700) + END + b"trailing"))
    assert len(list(reader)) == 2 and not reader.unterminated
    assert reader.offset == len(raw[:-700] + _data(b"L" * 700)) + BLOCK  # stops at the end


def _outcome(raw: bytes, skip: bool, read: bool, chunk: int) -> tuple[object, ...]:
    fh = SkipIO(raw) if skip else io.BytesIO(raw)
    reader = TarReader(fh, chunk=chunk, skip=fh.skip if skip else None)  # type: ignore[attr-defined]
    rows: list[tuple[str, int, bytes | None]] = []
    try:
        for e in reader:
            rows.append((e.name, e.size, e.read(3) if read and e.type == "file" else None))
    except TarError as exc:
        return (type(exc).__name__, str(exc), rows)
    return ("ok", rows, reader.unterminated, reader.offset)


def test_skipping_reader_agrees_at_every_cut() -> None:
    """With ``skip``, every prefix of a tar walks to the same entries, error or end."""
    big = bytes(range(256)) * 40  # 10 KiB: skipped past the reader's buffer
    raw = (
        _pax({"path": "long/" + "n" * 150})
        + _header(b"x", b"0", len(big))
        + _data(big)
        + _header(b"a", b"0", 3)
        + _data(b"abc")
        + _header(b"././@LongLink", b"L", 300)
        + _data(b"g" * 299 + b"\0")
        + _header(b"ignored", b"0", 700)
        + _data(b"L" * 700)
        + _header(b"d", b"5")
        + _header(b"s", b"2", linkname=b"a")
        + END
    )
    cuts = sorted({*range(0, len(raw), 97), *range(0, len(raw), BLOCK), len(raw)})
    for cut in cuts:
        for read in (True, False):
            for chunk in (512, 1000, 1 << 16):
                want = _outcome(raw[:cut], False, read, chunk)
                assert _outcome(raw[:cut], True, read, chunk) == want, (cut, read, chunk)
    assert _outcome(raw, True, False, 1000)[0] == "ok"


def test_extended_headers_are_bounded() -> None:
    huge = _header(b"././@PaxHeader", b"x", 4 << 20)
    stream = io.BytesIO(huge)  # no data at all: the bound fires before reading it
    with pytest.raises(HeaderTooLarge, match=f"PAX header of {4 << 20} bytes"):
        list(TarReader(stream, max_header=1 << 20))
    for flag, what in ((b"L", "GNU long-name"), (b"K", "GNU long-link"), (b"g", "PAX")):
        with pytest.raises(HeaderTooLarge, match=f"{what} header of 2000 bytes .limit 1000."):
            list(TarReader(io.BytesIO(_header(b"././@LongLink", flag, 2000)), max_header=1000))
    with pytest.raises(TarError, match="malformed PAX record"):
        parse_pax(b"99 path=x\n")
    assert parse_pax(b"10 path=x\n\0\0\0") == {"path": "x"}


def test_read_after_moving_on_is_refused() -> None:
    raw = _header(b"a", b"0", 3) + _data(b"abc") + _header(b"b", b"0", 1) + _data(b"b") + END
    entries = []
    for e in TarReader(io.BytesIO(raw)):
        entries.append(e)
    with pytest.raises(TarError, match="moved past"):
        entries[0].read()


@pytest.mark.skipif(shutil.which("tar") is None, reason="GNU tar not installed")
@pytest.mark.parametrize("fmt", ["gnu", "posix"])
def test_sparse_files_from_gnu_tar(fmt: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    with (src / "sparse").open("wb") as f:
        f.write(b"start")
        f.seek(3 << 20)
        f.write(b"end")
    (src / "after").write_bytes(b"after")
    subprocess.run(
        [
            "tar",
            "--sparse",
            f"--format={fmt}",
            "-cf",
            str(tmp_path / "s.tar"),
            "-C",
            str(src),
            "sparse",
            "after",
        ],
        check=True,
    )
    data = (tmp_path / "s.tar").read_bytes()
    want = by_tarfile(io.BytesIO(data))
    got = by_tarstream(io.BytesIO(data))
    assert want[0][1] == "sparse" or fmt == "posix"  # tarfile: issparse() for the old form
    assert got[0][:3] == ("sparse", "sparse", (3 << 20) + 3)
    assert (got[0][0], got[0][2]) == (want[0][0], want[0][2])
    assert got[1] == want[1]


# -- through analyse_layer ---------------------------------------------------------


def _analyse(raw: bytes, compress: bool = False) -> layers.LayerAnalysis:
    blob = gzip.compress(raw) if compress else raw
    layer = Layer("sha256:" + "ab" * 32, "x", len(blob))
    return layers.analyse_layer(io.BytesIO(blob), layer, "img")


def test_analyse_layer_messages() -> None:
    raw = (
        _header(b"../up", b"0", 1)
        + _data(b"u")
        + _header(b"/abs", b"0", 1)
        + _data(b"a")
        + _header(b"dev/null", b"3")
        + _header(b"hl", b"1", linkname=b"../../etc/shadow")
        + _header(b"odd", b"Z", 3)
        + _data(b"xyz")
        + _header(b"etc/os-release", b"0", 10)
        + _data(b"ID=alpine\n")
        + END
    )
    for compress in (False, True):
        out = _analyse(raw, compress)
        w = "\n".join(out.warnings)
        assert "img: layer sha256:abababababab: entry '../up' escapes the image root" in w
        assert "entry '/abs' has an absolute name: read as 'abs'" in w
        assert "char device entry 'dev/null'" in w
        assert "hard link 'hl' -> '../../etc/shadow' escapes" in w
        assert "entry 'odd' of unknown type b'Z': skipped" in w
        assert out.texts == {"etc/os-release": "ID=alpine\n"}
        assert out.uncompressed_size == len(raw)
    out = _analyse(raw[: -len(END)])
    assert out.warnings[-1].endswith("the tar ends without end-of-archive blocks")
    with pytest.raises(ImageError, match=r"sha256:abababababab: PAX header of \d+ bytes "):
        _analyse(_header(b"././@PaxHeader", b"x", layers.MAX_HEADER + 1))
    with pytest.raises(ImageError, match=r"abababababab: not a tar stream \(bad checksum"):
        _analyse(b"0" * 1024)
    with pytest.raises(ImageError, match=r"not a tar stream \(empty file"):
        _analyse(b"")
    with pytest.raises(ImageError, match=r"corrupt layer \(unexpected end of data in 'etc/os"):
        _analyse(raw[: -len(END) - 505])


_PARTS = [
    "",
    "a",
    "lib",
    "usr",
    "etc",
    "ld-musl-x86_64.so.1",
    "ld-musl-",
    ".so.1",
    "libc.so.6",
    "libc.so.6.1",
    "libc-2.31.so",
    "libc-",
    ".so",
    "os-release",
    "alpine-release",
    "apk",
    "db",
    "installed",
    "x.dist-info",
    "RECORD",
    "WHEEL",
    "dpkg",
    "status",
    "var",
    "\n",
    "ld-musl-armhf.path",
    "debian_version",
    "repositories",
    "world",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PARTS), min_size=1, max_size=6).map("/".join))
def test_light_analysis_reads_what_the_predicates_name(path: str) -> None:
    """The one regex the light analysis matches = captured files, musl loaders, glibc's libc."""
    wanted = layers._captured(path) or layers._musl_loader_name(path) or layers.base_is_glibc(path)
    assert (layers._LIGHT_RE.match(path) is not None) == wanted
