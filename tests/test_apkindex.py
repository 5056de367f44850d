"""Alpine's package index (APKINDEX) as the source of package facts.

The indexes here are real-format ``APKINDEX.tar.gz`` files built in the test: ``main``
is the real Alpine 3.23 root filesystem's ``lib/apk/db/installed`` (its index letters,
file lists dropped), ``community`` holds the test records of :data:`TEST_RECORDS`.
A small HTTP server (ETag / Last-Modified, 304 on a match) serves them as a mirror.
"""

from __future__ import annotations

import gzip
import http.server
import io
import os
import re
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alpine_ready.analysis.report import Verdict
from alpine_ready.analysis.scan import ScanOptions, run
from alpine_ready.errors import PackageIndexError
from alpine_ready.inputs.image.source import ImageOptions
from alpine_ready.inspection import parse_apk_db
from alpine_ready.knowledge import apkrepo
from alpine_ready.knowledge.apkindex import (
    MAX_INDEX_BYTES,
    ApkRecord,
    PackageIndex,
    parse_index,
    parse_records,
    read_index_file,
)

# Test records, not Alpine's: shaped like Alpine 3.23's community/main records of these
# packages (names, provides and dependencies as Alpine has them; sizes and checksums
# made up) -- the real Alpine 3.23 rootfs of the tests does not have them installed.
TEST_RECORDS = """\
C:Q1testrecordlibxml2AAAAAAAAAAAAAAAA=
P:libxml2
V:2.13.9-r0
A:x86_64
S:745310
I:2011136
T:XML parsing library, version 2 (test record)
U:https://gitlab.gnome.org/GNOME/libxml2
L:MIT
o:libxml2
m:Carlo Landmeter <clandmeter@alpinelinux.org>
t:1760000000
c:0000000000000000000000000000000000000000
D:so:libc.musl-x86_64.so.1 so:liblzma.so.5 so:libz.so.1
p:so:libxml2.so.2=2.13.9

C:Q1testrecordlibxml2utilsAAAAAAAAAAA=
P:libxml2-utils
V:2.13.9-r0
A:x86_64
S:40101
I:106496
T:XML parsing library, version 2 (utilities) (test record)
o:libxml2
D:so:libc.musl-x86_64.so.1 so:libxml2.so.2
p:cmd:xmlcatalog=2.13.9-r0 cmd:xmllint=2.13.9-r0

C:Q1testrecordlibxml2devAAAAAAAAAAAAA=
P:libxml2-dev
V:2.13.9-r0
A:x86_64
S:210000
I:1400000
T:XML parsing library, version 2 (development files) (test record)
o:libxml2
D:libxml2=2.13.9-r0 pc:liblzma pc:zlib pkgconfig
p:pc:libxml-2.0=2.13.9 cmd:xml2-config=2.13.9-r0

C:Q1testrecordglibAAAAAAAAAAAAAAAAAAA=
P:glib
V:2.86.1-r0
A:x86_64
S:1620000
I:4790272
T:Common C routines used by Gtk+ and other libs (test record)
o:glib
D:so:libc.musl-x86_64.so.1 so:libffi.so.8 so:libintl.so.8 so:libmount.so.1 so:libpcre2-8.so.0
p:so:libgio-2.0.so.0=0.8600.1 so:libglib-2.0.so.0=0.8600.1 so:libgmodule-2.0.so.0=0.8600.1 \
so:libgobject-2.0.so.0=0.8600.1 so:libgthread-2.0.so.0=0.8600.1 cmd:gio=2.86.1-r0 \
cmd:gdbus=2.86.1-r0 cmd:gsettings=2.86.1-r0

C:Q1testrecordlibffiAAAAAAAAAAAAAAAAA=
P:libffi
V:3.5.2-r0
A:x86_64
S:20000
I:45056
T:portable, high level programming interface to various calling conventions (test record)
o:libffi
D:so:libc.musl-x86_64.so.1
p:so:libffi.so.8=8.1.4

C:Q1testrecordlibintlAAAAAAAAAAAAAAAA=
P:libintl
V:0.24.1-r0
A:x86_64
S:20000
I:40960
T:GNU gettext runtime library (test record)
o:gettext
D:so:libc.musl-x86_64.so.1
p:so:libintl.so.8=8.4.2

C:Q1testrecordpcre2AAAAAAAAAAAAAAAAAA=
P:pcre2
V:10.46-r0
A:x86_64
S:230000
I:659456
T:Perl-compatible regular expression library (test record)
o:pcre2
D:so:libc.musl-x86_64.so.1
p:so:libpcre2-8.so.0=0.14.0 so:libpcre2-posix.so.3=3.0.6

C:Q1testrecordlibelfAAAAAAAAAAAAAAAAA=
P:libelf
V:0.193-r0
A:x86_64
S:45000
I:110592
T:ELF object file access library (test record)
o:elfutils
D:so:libc.musl-x86_64.so.1 so:libz.so.1 so:libzstd.so.1
p:so:libelf.so.1=0.193

C:Q1testrecordlinuxpamAAAAAAAAAAAAAAA=
P:linux-pam
V:1.7.1-r2
A:x86_64
S:190000
I:868352
T:Linux PAM (Pluggable Authentication Modules for Linux) (test record)
o:linux-pam
D:so:libc.musl-x86_64.so.1
p:so:libpam.so.0=0.85.1 so:libpam_misc.so.0=0.82.1 so:libpamc.so.0=0.82.1 cmd:unix_chkpwd=1.7.1-r2

C:Q1testrecordbigcompatAAAAAAAAAAAAAA=
P:libxml2-compat-big
V:1.0-r0
A:x86_64
S:9000000
I:99000000
T:a second, larger provider of libxml2.so.2 (test record: the provider choice)
o:libxml2-compat-big
D:so:libc.musl-x86_64.so.1
p:so:libxml2.so.2=2.9.14
"""
# (the backslash-newlines above keep long p: lines readable; they are joined)

_INDEX_LETTERS = set("CPVASITULomtcDpik")


def index_text_of_installed(db: str) -> str:
    """The installed database as an APKINDEX: only the letters an index has."""
    return "".join(line + "\n" for line in db.splitlines() if not line or line[0] in _INDEX_LETTERS)


def _tar(members: list[tuple[str, bytes]], *, end: bool = True) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1760000000
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    if not end:  # apk's signature segment: the end-of-archive blocks cut off
        size = 512 + ((len(members[0][1]) + 511) // 512) * 512
        raw = raw[:size]
    return raw


def apkindex_targz(text: str, description: str = "v3.23.0-test") -> bytes:
    """A real-format APKINDEX.tar.gz: a signature gzip member, then DESCRIPTION + APKINDEX."""
    sig = _tar(
        [(".SIGN.RSA.alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub", b"\x30" * 512)],
        end=False,
    )
    body = _tar([("DESCRIPTION", description.encode()), ("APKINDEX", text.encode())])
    return gzip.compress(sig, mtime=0) + gzip.compress(body, mtime=0)


@pytest.fixture(scope="session")
def installed_db(alpine_rootfs: Path) -> str:
    return (alpine_rootfs / "lib/apk/db/installed").read_text("utf-8")


@pytest.fixture(scope="session")
def test_records() -> str:
    return TEST_RECORDS.replace("\\\n", "")


@pytest.fixture(scope="session")
def archives(installed_db: str, test_records: str) -> dict[str, bytes]:
    return {
        "main": apkindex_targz(index_text_of_installed(installed_db)),
        "community": apkindex_targz(test_records),
    }


class Mirror:
    """An Alpine mirror on 127.0.0.1: ``/alpine/v3.23/{repo}/x86_64/APKINDEX.tar.gz``."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = dict(files)
        self.requests: list[tuple[str, int, dict[str, str]]] = []
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                body = mirror.files.get(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                etag = f'"{hash(body) & 0xFFFFFFFF:08x}"'
                status = (
                    404 if body is None else 304 if headers.get("if-none-match") == etag else 200
                )
                mirror.requests.append((self.path, status, headers))  # before the answer
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send_response(status)
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", "Mon, 01 Dec 2025 00:00:00 GMT")
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
                    self.end_headers()
                    if status == 200:
                        self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alpine"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror(archives: dict[str, bytes]) -> Iterator[Mirror]:
    apkrepo.forget_failures()
    m = Mirror({f"/alpine/v3.23/{repo}/x86_64/APKINDEX.tar.gz": b for repo, b in archives.items()})
    yield m
    m.close()
    apkrepo.forget_failures()


# -- the parser --------------------------------------------------------------------------


def test_the_parser_agrees_with_the_real_installed_database(installed_db: str) -> None:
    index = parse_index(installed_db, source="installed")
    names = re.findall(r"^P:(.+)$", installed_db, re.M)
    assert len(index) == len(names) == 59
    assert sorted(index.packages) == sorted(names)
    for pkg in ("musl", "busybox", "zlib", "apk-tools"):
        m = re.search(rf"^P:{re.escape(pkg)}\nV:(.+)$", installed_db, re.M)
        assert m is not None and index.version(pkg) == m.group(1)
        i = re.search(rf"^P:{re.escape(pkg)}\n(?:.+\n)*?I:(\d+)$", installed_db, re.M)
        assert i is not None and index.installed_size(pkg) == int(i.group(1))
    assert index.version("musl") == "1.2.5-r23"
    # provides, as the real database states them
    assert index.soname_provider("libz.so.1") == "zlib"
    assert index.soname_provider("libc.musl-x86_64.so.1") == "musl"
    assert index.command_provider("apk") == "apk-tools"
    assert index.soname_provider("libcrypto.so.3") == "libcrypto3"
    zlib = index.packages["zlib"]
    assert zlib.depends == ("so:libc.musl-x86_64.so.1",)
    assert "so:libz.so.1" in zlib.provides
    # inspection's installed-database reader is the same parser
    assert [(p.name, p.version, p.size) for p in parse_apk_db(installed_db)] == [
        (r.name, r.version, r.installed_size) for r in index.packages.values()
    ]


def test_the_archive_reads_back_as_the_database(
    installed_db: str, archives: dict[str, bytes]
) -> None:
    from_db = parse_index(installed_db)
    from_archive = read_index_file(archives["main"], "main/APKINDEX.tar.gz")
    assert dict(from_archive.packages) == dict(from_db.packages)


def test_providers_are_chosen_deterministically(test_records: str) -> None:
    index = parse_index(test_records)
    # two packages provide libxml2.so.2: the one named after it wins over a bigger one
    assert index.providers["so:libxml2.so.2"] == ("libxml2", "libxml2-compat-big")
    assert index.soname_provider("libxml2.so.2") == "libxml2"
    assert index.command_provider("xmllint") == "libxml2-utils"
    assert index.pkgconfig_provider("libxml-2.0") == "libxml2-dev"
    assert index.soname_provider("libglib-2.0.so.0") == "glib"
    assert index.soname_provider("libpam.so.0") == "linux-pam"
    assert index.exists("linux-pam") and not index.exists("so:libpam.so.0")
    assert not index.exists("libpam")
    # with no name match, the smaller; a provider priority (k:) beats both
    recs = [
        ApkRecord("big", installed_size=900, provides=("so:libq.so.1",)),
        ApkRecord("small", installed_size=100, provides=("so:libq.so.1",)),
    ]
    assert PackageIndex.from_records(recs).soname_provider("libq.so.1") == "small"
    recs.append(
        ApkRecord("preferred", installed_size=5000, priority=10, provides=("so:libq.so.1",))
    )
    assert PackageIndex.from_records(recs).soname_provider("libq.so.1") == "preferred"


def test_an_apk_add_closure_resolves_through_provides(installed_db: str, test_records: str) -> None:
    both = parse_index(index_text_of_installed(installed_db) + "\n" + test_records)
    closure = both.install_closure(["libxml2-utils"])
    assert closure.packages == ("libxml2", "libxml2-utils", "musl", "xz-libs", "zlib")
    assert closure.installed_size == sum(both.installed_size(p) or 0 for p in closure.packages)
    assert closure.unresolved == ()
    # a conflict is ignored; a name nothing provides is reported
    recs = [
        ApkRecord("a", installed_size=1, depends=("!b", "so:libmissing.so.1", "c>=2")),
        ApkRecord("c", installed_size=2),
    ]
    got = PackageIndex.from_records(recs).install_closure(["a"])
    assert got.packages == ("a", "c") and got.installed_size == 3
    assert got.unresolved == ("so:libmissing.so.1",)


# -- hostile archives --------------------------------------------------------------------


def _one_line_error(data: bytes) -> str:
    with pytest.raises(PackageIndexError) as e:
        read_index_file(data, "http://mirror.test/v3.23/main/x86_64/APKINDEX.tar.gz")
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("http://mirror.test/v3.23/main/")
    return msg


def test_a_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = gzip.compress(b"\0" * (MAX_INDEX_BYTES + 1024 * 1024), compresslevel=9)
    assert len(bomb) < 1024 * 1024
    assert "decompresses to more than" in _one_line_error(bomb)


def test_a_huge_record_is_refused() -> None:
    text = "P:huge\nV:1-r0\n" + "".join(f"D:so:lib{i:07d}.so.1\n" for i in range(150_000))
    assert "a record larger than" in _one_line_error(apkindex_targz(text))


def test_a_huge_line_is_refused() -> None:
    text = "P:huge\nV:1-r0\nT:" + "x" * (1024 * 1024) + "\n"
    assert "a line longer than" in _one_line_error(apkindex_targz(text))


def test_an_apkindex_member_that_is_not_a_regular_file_is_refused() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("APKINDEX")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tar.addfile(info)
    assert "not a regular file" in _one_line_error(gzip.compress(buf.getvalue()))


def test_path_members_are_never_read_or_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = gzip.compress(_tar([("../APKINDEX", b"P:evil\nV:1\n"), ("/tmp/APKINDEX", b"P:x\n")]))
    assert "no APKINDEX member" in _one_line_error(data)
    assert list(tmp_path.iterdir()) == []


def test_garbage_is_one_line() -> None:
    assert "not gzip data" in _one_line_error(b"<html>not found</html>")
    assert "truncated" in _one_line_error(gzip.compress(os.urandom(100_000))[:5000])
    assert "not a tar archive" in _one_line_error(gzip.compress(b"x" * 1000))


def test_records_are_counted() -> None:
    from alpine_ready.knowledge import apkindex

    text = "".join(f"P:p{i}\n\n" for i in range(50))
    orig = apkindex.MAX_RECORDS
    apkindex.MAX_RECORDS = 10
    try:
        with pytest.raises(PackageIndexError, match="more than 10 packages"):
            list(parse_records(text, source="x"))
    finally:
        apkindex.MAX_RECORDS = orig


# -- where the index comes from -----------------------------------------------------------


def test_repositories_file_names_the_mirror() -> None:
    text = """\
# a comment: https://ignored.example/alpine/v3.1/main
@testing https://dl-cdn.alpinelinux.org/alpine/edge/testing
/media/cdrom/apks
https://mirror.example.org/pub/alpine/v3.23/main
https://mirror.example.org/pub/alpine/v3.23/community
"""
    assert apkrepo.mirror_from_repositories(text) == "https://mirror.example.org/pub/alpine"
    assert apkrepo.mirror_from_repositories("# nothing\n/local/repo\n") is None
    assert apkrepo.release_branch("3.23.6") == "3.23"
    assert apkrepo.release_branch("v3.20") == "3.20"
    assert (
        apkrepo.index_url("https://m/alpine/", "3.23", "main", "x86_64")
        == "https://m/alpine/v3.23/main/x86_64/APKINDEX.tar.gz"
    )


def test_the_index_is_fetched_cached_and_revalidated(mirror: Mirror, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    index = apkrepo.load_index("3.23", "x86_64", mirror=mirror.url, cache_root=cache)
    assert index.soname_provider("libxml2.so.2") == "libxml2"
    assert index.soname_provider("libz.so.1") == "zlib"  # main and community both
    assert index.release == "3.23" and len(index.sources) == 2
    assert [s for _p, s, _h in mirror.requests] == [200, 200]
    # fresh: no request at all
    apkrepo.load_index("3.23", "x86_64", mirror=mirror.url, cache_root=cache)
    assert len(mirror.requests) == 2
    # stale: a conditional request, 304, the cached body reused
    again = apkrepo.load_index("3.23", "x86_64", mirror=mirror.url, cache_root=cache, max_age=0)
    assert [s for _p, s, _h in mirror.requests[2:]] == [304, 304]
    sent = mirror.requests[2][2]
    assert sent.get("if-none-match", "").startswith('"')
    assert sent.get("if-modified-since") == "Mon, 01 Dec 2025 00:00:00 GMT"
    assert again.soname_provider("libpam.so.0") == "linux-pam"
    # offline: the cache only, no request
    apkrepo.load_index("3.23", "x86_64", mirror=mirror.url, cache_root=cache, offline=True)
    assert len(mirror.requests) == 4


def test_offline_with_a_cold_cache_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(PackageIndexError) as e:
        apkrepo.load_index(
            "3.23", "x86_64", mirror="http://127.0.0.1:9/alpine", offline=True, cache_root=tmp_path
        )
    assert "\n" not in str(e.value) and "offline" in str(e.value)


def test_a_failed_fetch_fails_fast_and_is_remembered(tmp_path: Path) -> None:
    apkrepo.forget_failures()
    dead = "http://127.0.0.1:9/alpine"  # discard port: nobody listens
    with pytest.raises(PackageIndexError):
        apkrepo.load_index("3.23", "x86_64", mirror=dead, cache_root=tmp_path, timeout=2)
    start = time.monotonic()
    with pytest.raises(PackageIndexError):
        apkrepo.load_index("3.23", "x86_64", mirror=dead, cache_root=tmp_path, timeout=2)
    assert time.monotonic() - start < 0.1
    apkrepo.forget_failures()


# -- scan ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def soname_programs() -> Path:
    import fixtures as fx

    return fx.debian_soname_programs() / "tree"


def _scan(target: Path, tmp_path: Path, **kw: Any) -> dict[str, Any]:
    report = run(
        ScanOptions(target=target, jobs=1, image=ImageOptions(cache_dir=tmp_path / "c"), **kw)
    )
    return {b.path: b for b in report.binaries}


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("usr/bin/xmllint", {"libxml2.so.2": "libxml2"}),
        (
            "usr/bin/gio",
            {
                "libglib-2.0.so.0": "glib",
                "libgio-2.0.so.0": "glib",
                "libgobject-2.0.so.0": "glib",
                "libgmodule-2.0.so.0": "glib",
            },
        ),
        ("usr/lib/x86_64-linux-gnu/security/pam_env.so", {"libpam.so.0": "linux-pam"}),
    ],
)
def test_every_missing_soname_of_debian_programs_is_named_with_its_package(
    soname_programs: Path, mirror: Mirror, tmp_path: Path, path: str, wanted: dict[str, str]
) -> None:
    target = soname_programs / path
    got = _scan(target, tmp_path, mirror=mirror.url)[target.name]
    assert set(got.missing_libraries) == set(wanted)
    assert got.verdict is Verdict.NEEDS_GCOMPAT  # glibc builds: the packages plus gcompat
    assert set(got.apk_packages) == set(wanted.values())
    fix = got.fixes[0]
    assert fix.kind.value == "apk-add"
    assert set(fix.packages) == {"gcompat", *wanted.values()}
    text = " ".join(got.reasons)
    for so, pkg in wanted.items():
        assert f"{so} (apk: {pkg})" in text


def test_the_bundled_table_did_not_know_them() -> None:
    from alpine_ready import knowledge

    table = knowledge.apk_sonames()
    for so in ("libxml2.so.2", "libglib-2.0.so.0", "libgio-2.0.so.0", "libelf.so.1", "libpam.so.0"):
        assert so not in table  # (when it learns them, this test's premise is gone)


@pytest.fixture(scope="session")
def musl_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import elfbuild

    why = elfbuild.missing_tools()
    if why:
        pytest.skip(why)
    d = tmp_path_factory.mktemp("muslprog")
    lib = elfbuild.stub(
        d / "stubs" / "libxml2.so.2", "libxml2.so.2", "int xmlReadFile(void){return 0;}\n"
    )
    elfbuild.stub(d / "stubs" / "libelf.so.1", "libelf.so.1", "int elf_version(int v){return v;}\n")
    src = (
        "int xmlReadFile(void); int elf_version(int);\n"
        "int main(void){return xmlReadFile()+elf_version(1);}\n"
    )
    out = elfbuild.cc(
        src,
        d / "app" / "uses-xml",
        musl=True,
        shared=False,
        libs=[f"-L{lib.parent}", "-l:libxml2.so.2", "-l:libelf.so.1"],
    )
    assert elfbuild.needed(out)[:2] == ["libxml2.so.2", "libelf.so.1"]
    return out


def test_a_musl_program_missing_only_packaged_sonames_needs_those_packages(
    musl_program: Path, mirror: Mirror, tmp_path: Path
) -> None:
    got = _scan(musl_program, tmp_path, mirror=mirror.url)["uses-xml"]
    assert got.verdict is Verdict.NEEDS_PACKAGES
    assert got.apk_packages == ("libelf", "libxml2")
    assert got.fixes[0].text == "apk add --no-cache libelf libxml2"
    assert "libxml2.so.2 (libxml2)" in got.reasons[0]


def test_offline_with_no_index_an_unknown_provider_is_never_incompatible(
    musl_program: Path, soname_programs: Path, tmp_path: Path
) -> None:
    got = _scan(musl_program, tmp_path, offline=True)["uses-xml"]
    assert got.verdict is Verdict.NEEDS_PACKAGES
    assert "provider unknown offline (run online or pass --mirror)" in " ".join(got.reasons)
    assert got.fixes[0].text == "apk add --no-cache so:libelf.so.1 so:libxml2.so.2"
    xmllint = _scan(soname_programs / "usr/bin/xmllint", tmp_path, offline=True)["xmllint"]
    assert xmllint.verdict is Verdict.NEEDS_GCOMPAT
    assert "libxml2.so.2 (provider unknown offline (run online or pass --mirror))" in " ".join(
        xmllint.reasons
    )


def test_a_report_without_an_index_says_so_once(
    musl_program: Path, mirror: Mirror, tmp_path: Path
) -> None:
    options = {"jobs": 1, "image": ImageOptions(cache_dir=tmp_path / "c")}
    cold = run(ScanOptions(target=musl_program, offline=True, **options))
    [warning] = [w for w in cold.warnings if "no package index was read" in w]
    assert "2 libraries are unknown (libelf.so.1, libxml2.so.2)" in warning
    assert "apk add so:NAME" in warning
    served = run(ScanOptions(target=musl_program, mirror=mirror.url, **options))
    assert not [w for w in served.warnings if "package index" in w]


def test_an_unreachable_mirror_falls_back_and_the_scan_still_works(
    musl_program: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    apkrepo.forget_failures()
    got = _scan(musl_program, tmp_path, mirror="http://127.0.0.1:9/alpine")["uses-xml"]
    assert got.verdict is Verdict.NEEDS_PACKAGES
    assert any("using the bundled soname table" in r.message for r in caplog.records)
    apkrepo.forget_failures()


def test_when_the_index_says_nobody_provides_it_the_library_must_come_with_the_app(
    tmp_path: Path, mirror: Mirror
) -> None:
    import elfbuild

    why = elfbuild.missing_tools()
    if why:
        pytest.skip(why)
    stub = elfbuild.stub(
        tmp_path / "s" / "libacme-private.so.7",
        "libacme-private.so.7",
        "int acme(void){return 0;}\n",
    )
    out = elfbuild.cc(
        "int acme(void);\nint main(void){return acme();}\n",
        tmp_path / "app" / "acme",
        musl=True,
        shared=False,
        libs=[f"-L{stub.parent}", "-l:libacme-private.so.7"],
    )
    got = _scan(out, tmp_path, mirror=mirror.url)["acme"]
    assert got.verdict is Verdict.INCOMPATIBLE and got.code == "AR405"
    assert "no Alpine 3.23 package provides libacme-private.so.7" in got.reasons


def test_scan_mirror_on_the_command_line(
    musl_program: Path, mirror: Mirror, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "alpine_ready",
            "scan",
            "--mirror",
            mirror.url,
            "--format",
            "json",
            "--cache-dir",
            str(tmp_path / "c"),
            str(musl_program),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"libxml2"' in proc.stdout and "provider unknown" not in proc.stdout
    assert any(p.endswith("/community/x86_64/APKINDEX.tar.gz") for p, _s, _h in mirror.requests)


@pytest.mark.online
def test_the_real_mirror_names_the_packages(tmp_path: Path) -> None:
    import urllib.request

    url = apkrepo.index_url(apkrepo.DEFAULT_MIRROR, "3.23", "main", "x86_64")
    try:
        urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10).close()
    except OSError as e:
        pytest.skip(f"the Alpine mirror is not reachable from here: {e}")
    apkrepo.forget_failures()
    index = apkrepo.load_index("3.23", "x86_64", cache_root=tmp_path, timeout=30)
    assert index.soname_provider("libxml2.so.2") == "libxml2"
    assert index.soname_provider("libglib-2.0.so.0") == "glib"
    assert index.soname_provider("libpam.so.0") == "linux-pam"
    assert index.soname_provider("libelf.so.1") == "libelf"
    assert index.command_provider("xmllint") is not None
    assert index.exists("musl") and (index.version("musl") or "").startswith("1.2.")
    assert len(index) > 10_000


def test_the_against_rootfs_names_its_mirror(alpine_rootfs: Path, tmp_path: Path) -> None:
    from alpine_ready.analysis.scan import package_source_of

    text = (alpine_rootfs / "etc/apk/repositories").read_text()
    expected = apkrepo.mirror_from_repositories(text)
    assert expected is not None and expected.startswith("http")
    source = package_source_of(ScanOptions(target=tmp_path, against=str(alpine_rootfs)))
    assert source.mirror == expected
    assert source.offline  # the test session's $ALPINE_READY_OFFLINE
    given = package_source_of(ScanOptions(target=tmp_path, mirror="http://m.test/alpine"))
    assert given.mirror == "http://m.test/alpine" and not given.offline


def test_package_exists_for_other_stages(mirror: Mirror, tmp_path: Path) -> None:
    kw: dict[str, Any] = {"mirror": mirror.url, "cache_root": tmp_path, "offline": False}
    assert apkrepo.package_exists("linux-pam", "3.23", **kw) is True
    assert apkrepo.package_exists("libpam0g", "3.23", **kw) is False  # Debian's name
    cold = tmp_path / "cold"
    assert apkrepo.package_exists("musl", "3.23", cache_root=cold, offline=True) is None
