"""A local Alpine mirror for the tests: real-format ``APKINDEX.tar.gz`` files served over HTTP.

``main`` is the real Alpine 3.23 root filesystem's ``lib/apk/db/installed`` (its index
letters, file lists dropped); ``community`` holds the test records of
:data:`TEST_RECORDS` (plus whatever a test adds with :func:`record`).  :class:`Mirror`
serves them with ETag / Last-Modified and answers 304 on a match.  Import the fixtures
(``installed_db``, ``installed_index``, ``test_records``, ``archives``, ``mirror``) into a
test module to use them.
"""

from __future__ import annotations

import gzip
import http.server
import io
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alpine_ready.knowledge import apkrepo
from alpine_ready.knowledge.apkindex import PackageIndex, parse_index

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


def record(
    name: str,
    version: str = "1.0-r0",
    *,
    provides: str = "",
    depends: str = "",
    installed_size: int = 4096,
) -> str:
    """One APKINDEX record (a test record, not Alpine's), ending with its blank line."""
    lines = [
        f"C:Q1testrecord{name}=",
        f"P:{name}",
        f"V:{version}",
        "A:x86_64",
        "S:1000",
        f"I:{installed_size}",
        f"T:{name} (test record)",
        f"o:{name}",
    ]
    if depends:
        lines.append(f"D:{depends}")
    if provides:
        lines.append(f"p:{provides}")
    return "\n".join(lines) + "\n\n"


@pytest.fixture(scope="session")
def installed_db(alpine_rootfs: Path) -> str:
    return (alpine_rootfs / "lib/apk/db/installed").read_text("utf-8")


@pytest.fixture(scope="session")
def installed_index(installed_db: str) -> PackageIndex:
    """The rootfs's installed packages as a 3.23 index (curl, sudo, e2fsprogs… are in it)."""
    return parse_index(index_text_of_installed(installed_db), release="3.23")


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


def serve(archives: dict[str, bytes], release: str = "3.23") -> Mirror:
    """A :class:`Mirror` of ``{repo: APKINDEX.tar.gz}`` for ``release`` (close it)."""
    apkrepo.forget_failures()
    return Mirror(
        {f"/alpine/v{release}/{repo}/x86_64/APKINDEX.tar.gz": b for repo, b in archives.items()}
    )
