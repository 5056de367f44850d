"""verify's pieces on their own: the safe image unpacker, the loader-output parser,
the smoke config, --memory sizes."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import stat
import tarfile
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import jsonschema
import pytest

from alpine_ready.analysis.report import Verdict
from alpine_ready.commands.verify import parse_size
from alpine_ready.errors import InputError
from alpine_ready.formats import render
from alpine_ready.inputs.image.model import ImageSource, Layer
from alpine_ready.verify import observe
from alpine_ready.verify.extract import unpack_image
from alpine_ready.verify.report import FileCheck, Prepared, Step, VerifyReport
from alpine_ready.verify.smoke import SmokeCommand, parse

SCHEMA = Path(__file__).parents[1] / "src/alpine_ready/report/schema/verify-v1.json"


def _tar(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return gzip.compress(buf.getvalue())


def _info(name: str, kind: bytes = tarfile.REGTYPE, **kw: object) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    for k, v in kw.items():
        setattr(info, k, v)
    return info


class _Blobs:
    def __init__(self, blobs: dict[str, bytes]) -> None:
        self.blobs = blobs

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        return io.BytesIO(self.blobs[digest])


def _image(layers: list[bytes]) -> ImageSource:
    blobs = {"sha256:" + hashlib.sha256(b).hexdigest(): b for b in layers}
    gz = "application/vnd.oci.image.layer.v1.tar+gzip"
    return ImageSource(
        name="test-image",
        transport="oci",
        manifest_digest="sha256:" + hashlib.sha256(b"".join(layers)).hexdigest(),
        manifest={},
        config_digest=None,
        config={},
        layers=tuple(Layer(d, gz, len(b)) for d, b in blobs.items()),
        blobs=_Blobs(blobs),
    )


def test_hostile_layers_never_write_outside_nor_make_devices(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    first = _tar(
        [
            (_info("etc", tarfile.DIRTYPE, mode=0o755), None),
            (_info("etc/passwd", mode=0o644), b"root:x:0:0\n"),
            (_info("../escape"), b"x"),
            (_info("a/../../escape2"), b"x"),
            (_info("/abs-escape"), b"x"),
            (_info("link", tarfile.SYMTYPE, linkname=str(outside)), None),
            (_info("link/through-link"), b"x"),
            (_info("dev-null", tarfile.CHRTYPE, devmajor=1, devminor=3), None),
            (_info("fifo", tarfile.FIFOTYPE), None),
            (_info("suid", mode=0o4755), b"#!/bin/sh\n"),
            (_info("hard", tarfile.LNKTYPE, linkname="/etc/shadow"), None),
            (_info("hard2", tarfile.LNKTYPE, linkname="etc/passwd"), None),
            (_info("etc/gone"), b"bye"),
            (_info("opaque", tarfile.DIRTYPE), None),
            (_info("opaque/old"), b"old"),
        ]
    )
    second = _tar(
        [
            (_info("etc/.wh.gone"), b""),
            (_info("opaque/.wh..wh..opq"), b""),
            (_info("opaque/new"), b"new"),
        ]
    )
    out = unpack_image(_image([first, second]), tmp_path / "cache")
    root = out.root
    assert not out.reused
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "escape").exists() and not (tmp_path / "cache" / "escape").exists()
    assert (root / "abs-escape").read_bytes() == b"x"  # "/abs" is normalised into the root
    assert not (root / "dev-null").exists() and not (root / "fifo").exists()
    assert stat.S_IMODE((root / "suid").stat().st_mode) == 0o755  # no setuid
    assert not (root / "hard").exists()
    assert (root / "hard2").stat().st_ino == (root / "etc/passwd").stat().st_ino
    assert not (root / "etc/gone").exists()
    assert sorted(p.name for p in (root / "opaque").iterdir()) == ["new"]
    assert (root / "link").readlink() == outside  # a link is kept, never followed
    why = "\n".join(out.left_out)
    assert "leaves the root" in why and "link or not a directory" in why and "char" in why
    again = unpack_image(_image([first, second]), tmp_path / "cache")
    assert again.reused and again.root == root


def test_parse_reads_each_file_and_the_stub_run() -> None:
    token = "t0k"
    text = (
        "@@t0k begin /app/a\n@@t0k interp no\n"
        "\t/lib/ld-musl-x86_64.so.1 (0x1)\n"
        "Error loading shared library libx.so.1: No such file or directory (needed by /app/a)\n"
        "Error relocating /app/a: foo: symbol not found\n"
        "Error relocating /app/a: unsupported relocation type 37\n"
        "\n@@t0k stub\nError relocating /app/a: bar: symbol not found\n\n@@t0k stub-end 127\n"
        "\n@@t0k end 127\n"
        "@@t0k begin /app/b\n\t/lib/ld-musl (0x1)\n@@fake end 0\n@@t0k end 0\n"
        "@@t0k begin /app/c\nError relocating /app/c: x: symbol not found\n"
    )
    got = observe.parse(text, token)
    a = got["/app/a"]
    assert (a.rc, a.interpreter_present) == (127, False)
    assert a.missing == {("libx.so.1", "/app/a")}
    assert a.unresolved == {("/app/a", "foo")} and a.bad == {("/app/a", 37)}
    assert a.stub is not None and a.stub.rc == 127 and a.stub.unresolved == {("/app/a", "bar")}
    assert got["/app/b"].rc == 0 and got["/app/b"].errors == ["@@fake end 0"]
    assert got["/app/c"].rc is None and got["/app/c"].truncated  # the output stopped


def test_pt_interp_and_list_lines(tmp_path: Path) -> None:
    assert observe.pt_interp(Path("/bin/true")) == "/lib64/ld-linux-x86-64.so.2"
    (tmp_path / "x").write_bytes(b"\x7fELF" + bytes(10))
    assert observe.pt_interp(tmp_path / "x") is None
    assert not observe.listable("a\nb") and not observe.listable("a\tb")
    jobs = [observe.Job("/app/x", "/lib/ld", None), observe.Job("/app/y")]
    assert observe.list_text(jobs) == "/app/x\t/lib/ld\t\n/app/y\t\t\n"


def test_smoke_config_mistakes_are_one_line(tmp_path: Path) -> None:
    f = tmp_path / ".alpine-ready.toml"
    ok = parse(f, {"commands": [{"command": "/bin/true", "args": ["-x"], "exitCode": 3}]})
    assert ok == [SmokeCommand("/bin/true", ("/bin/true", "-x"), 3)]
    for table, words in (
        ({"commands": [{"args": []}]}, "'command'"),
        ({"commands": [{"command": "x", "exitcode": 1}]}, "unknown key 'exitcode'"),
        ({"commands": [{"command": "x", "expectedOutput": ["("]}]}, "bad regular expression"),
        ({"commands": [{"command": "x", "exitCode": 256}]}, "0-255"),
        ({"command": []}, "unknown key 'command'"),
    ):
        with pytest.raises(InputError, match=words) as got:
            parse(f, table)
        assert str(f) in str(got.value) and "\n" not in str(got.value)


def test_sizes() -> None:
    assert parse_size("512M") == 512 << 20
    assert parse_size("2g") == 2 << 30
    assert parse_size("1GiB") == 1 << 30
    assert parse_size("1048576") == 1 << 20
    with pytest.raises(InputError, match="--memory lots"):
        parse_size("lots")


def _report_with_a_disagreement() -> VerifyReport:
    bad = FileCheck(
        path="bin/x",
        sandbox_path="/app/bin/x",
        kind="executable",
        libc="musl",
        verdict=Verdict.OK,
        predicted_loads=True,
        predicted_missing=(),
        predicted_unresolved=(),
        observed="fails",
        exit_code=127,
        observed_missing=("libq.so.1",),
        observed_unresolved=(),
        observed_relocations=(),
        loader_output=(
            "Error loading shared library libq.so.1: No such file (needed by /app/bin/x)",
        ),
        interpreter="/lib/ld-musl-x86_64.so.1",
        interpreter_present=True,
        differences=("scan predicted it loads; the loader did not (exit 127)",),
    )
    good = replace(bad, path="bin/y", observed="loads", exit_code=0, differences=())
    system = Prepared("rootfs", "sha256:" + "0" * 64, "k", True, (), (), 0.0)
    return VerifyReport(
        target="t",
        target_kind="directory",
        mount_at="/app",
        system=system,
        steps=(Step("load", "done", 0.1, "2 files"),),
        files=(bad, good),
        smoke=(),
        fail_on=Verdict.INCOMPATIBLE,
    )


def test_a_disagreement_comes_first_in_every_format() -> None:
    """(A report made by hand: no real disagreement is known to make one.)"""
    report = _report_with_a_disagreement()
    assert report.failed and report.result == "fail"
    (item,) = report.items()
    assert (item.code, item.level.value) == ("AR801", "error")
    assert "the loader says fails" in item.message
    assert any("libq.so.1" in r for r in item.reasons)
    table = render("table", report)
    assert table.index("Disagreements") < table.index("Steps")
    assert "    - scan predicted it loads; the loader did not (exit 127)" in table
    data = json.loads(render("json", report))
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(data)
    assert data["disagreements"] == ["bin/x"] and data["summary"]["disagree"] == 1
    assert "`AR801`" in render("markdown", report)
    sarif = json.loads(render("sarif", report))
    assert sarif["runs"][0]["results"][0]["ruleId"] == "AR801"
