"""What compiling an sdist on Alpine needs, from the sdist's own build files.

Offline on the real build files of real sdists (``tests/data/sdists``, recorded by
``tools/record_sdists.py``); the streaming path against a local HTTP server serving a
tar.gz made of those real files; one online test against the real PyPI file.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from alpine_ready.deps import sdist
from alpine_ready.deps.cache import IndexUnavailable, ResponseCache
from alpine_ready.deps.http import HttpClient
from alpine_ready.deps.sdist import BuildNeeds, analyse_members, build_needs
from test_deps_index import Server

DATA = Path(__file__).parent / "data" / "sdists"


def recorded(filename: str) -> BuildNeeds:
    root = DATA / filename
    meta = json.loads((root / "SUFFIXES.json").read_text())
    members = {
        p.relative_to(root).as_posix(): p.read_text(errors="replace")
        for p in root.rglob("*")
        if p.is_file() and p.name != "SUFFIXES.json"
    }
    return analyse_members(filename, members, set(meta["suffixes"]), meta["size"], True)


@pytest.mark.parametrize(
    "filename,wanted,absent",
    [
        ("psycopg2-2.9.10.tar.gz", {"build-base", "libpq-dev"}, {"cargo"}),
        ("mysqlclient-2.3.2.tar.gz", {"build-base", "mariadb-connector-c-dev"}, {"cargo"}),
        ("orjson-3.13.0.tar.gz", {"build-base", "cargo", "rust"}, {"gfortran"}),
        ("scipy-1.16.3.tar.gz", {"gfortran", "openblas-dev", "meson", "ninja"}, {"cargo"}),
        ("confluent_kafka-2.12.1.tar.gz", {"librdkafka-dev"}, {"cargo"}),
        ("lxml-6.0.2.tar.gz", {"libxml2-dev", "libxslt-dev"}, {"cargo"}),
        ("python_ldap-3.4.5.tar.gz", {"openldap-dev"}, {"cargo"}),
    ],
)
def test_real_build_files(filename: str, wanted: set[str], absent: set[str]) -> None:
    needs = recorded(filename)
    assert wanted <= set(needs.apk_packages), needs
    assert not absent & set(needs.apk_packages)
    assert needs.apk_packages[0] == "build-base"
    assert needs.apk_line.startswith("apk add --no-cache build-base")


def test_what_the_report_says() -> None:
    orjson = recorded("orjson-3.13.0.tar.gz")
    assert orjson.rust and orjson.backend == "maturin"
    assert "a Rust toolchain (its build backend is maturin)" in orjson.describe()
    assert "expect a long build" in orjson.describe()
    scipy = recorded("scipy-1.16.3.tar.gz")
    assert scipy.fortran and scipy.cpp
    assert "a Fortran compiler" in scipy.describe() and "expect a long build" in scipy.describe()
    pg = recorded("psycopg2-2.9.10.tar.gz")
    assert pg.describe().startswith(
        "building psycopg2-2.9.10.tar.gz on Alpine needs the headers of libpq-dev"
    )
    assert "expect a build of minutes" in pg.describe()
    # Windows-only libraries in a setup.py branch are not Alpine packages to install
    assert not {"ws2_32", "advapi32"} & {
        x.lower() for x in recorded("mysqlclient-2.3.2.tar.gz").libraries
    }


def test_unknown_library_is_reported_never_guessed() -> None:
    needs = analyse_members(
        "x-1.0.tar.gz", {"setup.py": "Extension('x', libraries=['frob'])"}, {".c"}, 1000, True
    )
    assert needs.unmapped == ("frob",)
    assert needs.apk_packages == ("build-base", "pkgconf")
    assert "the -dev packages of frob: not in the tool's table" in needs.describe()
    systemd = analyse_members(
        "y-1.0.tar.gz", {"meson.build": "dependency('libsystemd')"}, {".c"}, 1000, True
    )
    assert systemd.impossible == ("libsystemd",)
    assert "which Alpine does not have" in systemd.describe()


def _tarball(filename: str) -> bytes:
    root = DATA / filename
    top = filename.removesuffix(".tar.gz")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for p in sorted(root.rglob("*")):
            if p.is_file() and p.name != "SUFFIXES.json":
                tar.add(p, arcname=f"{top}/{p.relative_to(root).as_posix()}")
        data = b"int main(void) { return 0; }\n"
        info = tarfile.TarInfo(f"{top}/src/x.c")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_streamed_and_cached(tmp_path: Path) -> None:
    server = Server()
    try:
        body = _tarball("psycopg2-2.9.10.tar.gz")
        server.routes["/f/psycopg2-2.9.10.tar.gz"] = lambda h: (200, {}, body)
        server.routes["/f/broken-1.0.tar.gz"] = lambda h: (200, {}, body[:-300] + b"x" * 300)
        cache = ResponseCache(tmp_path / "c")
        http = HttpClient(retries=0)
        url = server.url + "/f/psycopg2-2.9.10.tar.gz"
        needs = build_needs(url, "psycopg2-2.9.10.tar.gz", http=http, cache=cache)
        assert "libpq-dev" in needs.apk_packages and needs.complete
        assert http.requests == 1
        again = build_needs(url, "psycopg2-2.9.10.tar.gz", http=http, cache=cache, offline=True)
        assert again == needs and http.requests == 1  # from the cache, nothing fetched
        with pytest.raises(IndexUnavailable, match=r"not a readable tar\.gz"):
            build_needs(
                server.url + "/f/broken-1.0.tar.gz", "broken-1.0.tar.gz", http=http, cache=cache
            )
        with pytest.raises(IndexUnavailable, match="not in the cache and we are offline"):
            build_needs(
                server.url + "/f/other-1.0.tar.gz",
                "other-1.0.tar.gz",
                http=http,
                cache=cache,
                offline=True,
            )
        with pytest.raises(IndexUnavailable, match=r"only \.tar\.gz sdists are read"):
            build_needs(server.url + "/f/z-1.0.zip", "z-1.0.zip", http=http, cache=cache)
    finally:
        server.close()


def test_a_huge_sdist_is_read_only_up_to_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = Server()
    try:
        body = _tarball("scipy-1.16.3.tar.gz")
        server.routes["/f/scipy-1.16.3.tar.gz"] = lambda h: (200, {}, body)
        monkeypatch.setattr(sdist, "MAX_SDIST_BYTES", len(body) // 3)
        needs = build_needs(
            server.url + "/f/scipy-1.16.3.tar.gz",
            "scipy-1.16.3.tar.gz",
            http=HttpClient(retries=0),
            cache=ResponseCache(tmp_path / "c"),
        )
        assert not needs.complete and needs.size <= len(body) // 3
        assert "of the sdist read" in needs.describe()
    finally:
        server.close()


@pytest.mark.online
def test_real_sdist_from_pypi(tmp_path: Path) -> None:
    meta = json.loads((DATA / "mysqlclient-2.3.2.tar.gz" / "SUFFIXES.json").read_text())
    needs = build_needs(
        meta["url"],
        "mysqlclient-2.3.2.tar.gz",
        http=HttpClient(),
        cache=ResponseCache(tmp_path / "c"),
    )
    assert needs == recorded("mysqlclient-2.3.2.tar.gz")


# scikit-learn 1.4.1.post1's setup.py (lines 416-447): build_clib libraries it compiles from
# its own sources; once reported as "-dev packages of libsvm, libsvm-skl, sklearn, sources,
# src, svm: not in the tool's table"
SKLEARN_SETUP = """
libraries = [
    (
        "libsvm-skl",
        {
            "sources": [
                join("sklearn", "svm", "src", "libsvm", "libsvm_template.cpp"),
            ],
            "depends": [
                join("sklearn", "svm", "src", "libsvm", "svm.cpp"),
                join("sklearn", "svm", "src", "libsvm", "svm.h"),
                join("sklearn", "svm", "src", "newrand", "newrand.h"),
            ],
            # Use C++11 to use the random number generator fix
            "extra_compiler_args": ["-std=c++11"],
            "extra_link_args": ["-lstdc++"],
        },
    ),
    (
        "liblinear-skl",
        {
            "sources": [
                join("sklearn", "svm", "src", "liblinear", "linear.cpp"),
            ],
        },
    ),
]
    if os.name == "posix":
        default_libraries = ["m"]
            "libraries": ["libsvm-skl"],
"""


def test_build_clib_libraries_are_not_system_libraries() -> None:
    needs = analyse_members(
        "scikit-learn-1.4.1.post1.tar.gz",
        {"setup.py": SKLEARN_SETUP},
        {".pyx", ".cpp", ".c"},
        7_000_000,
        True,
    )
    assert needs.unmapped == (), needs
    assert "not in the tool's table" not in needs.describe()
    assert needs.cpp and needs.apk_packages[0] == "build-base"


# psutil 5.9.8's psutil/_psutil_linux.c, lines 9-14: <linux/ethtool.h> is in Alpine's
# linux-headers, not in build-base ("fatal error: linux/ethtool.h: No such file")
PSUTIL_LINUX_C = b"""#ifndef _GNU_SOURCE
    #define _GNU_SOURCE 1
#endif
#include <Python.h>
#include <linux/ethtool.h>  // DUPLEX_*
"""


def test_kernel_headers_from_c_includes() -> None:
    assert sdist.includes_kernel_headers(PSUTIL_LINUX_C)
    assert sdist.includes_kernel_headers(b'#ifdef __linux__\n  # include "asm/types.h"\n')
    assert sdist.includes_kernel_headers(b'cdef extern from "linux/if.h":\n    pass\n')
    assert not sdist.includes_kernel_headers(b"#include <sys/socket.h>\n#include <Python.h>\n")
    # psutil's setup.py test-compiles the include from a string: not an include itself
    assert not sdist.includes_kernel_headers(
        b'if not unix_can_compile("#include <linux/ethtool.h>"):\n'
    )
    needs = analyse_members(
        "psutil-5.9.8.tar.gz", {}, {".c", ".h"}, 500_000, True, kernel_headers=True
    )
    assert needs.apk_packages == ("build-base", "linux-headers")
    assert "linux-headers" in needs.describe()
    assert "linux-headers" not in analyse_members("x-1.0.tar.gz", {}, {".c"}, 1, True).apk_line


def test_kernel_headers_found_while_streaming(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (
            ("psutil-5.9.8/setup.py", b"from setuptools import setup\n"),
            ("psutil-5.9.8/psutil/_psutil_linux.c", PSUTIL_LINUX_C),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    body = buf.getvalue()
    server = Server()
    try:
        server.routes["/f/psutil-5.9.8.tar.gz"] = lambda h: (200, {}, body)
        cache = ResponseCache(tmp_path / "c")
        url = server.url + "/f/psutil-5.9.8.tar.gz"
        needs = build_needs(url, "psutil-5.9.8.tar.gz", http=HttpClient(retries=0), cache=cache)
        assert needs.kernel_headers and "linux-headers" in needs.apk_packages
        again = build_needs(
            url, "psutil-5.9.8.tar.gz", http=HttpClient(retries=0), cache=cache, offline=True
        )
        assert again == needs  # the flag survives the cache
    finally:
        server.close()


def test_names_that_are_no_alpine_library() -> None:
    # netifaces 0.11.0's setup.py, lines 38-41: Solaris-only system libraries
    netifaces = (
        "    mos = getattr(sys, 'platform', None)\n    libraries = []\n"
        "    if mos.startswith('sunos'):\n        libraries = ['socket', 'nsl']\n"
    )
    needs = analyse_members("netifaces-0.11.0.tar.gz", {"setup.py": netifaces}, {".c"}, 1, True)
    assert needs.unmapped == () and needs.apk_packages == ("build-base",)
    # OpenCV's CMake looks for documentation tools and Java bindings: no -dev packages
    cmake = "find_package(Doxygen)\nfind_package(JNI)\nfind_package(Java)\nfind_package(ZLIB)\n"
    needs = analyse_members("opencv-1.0.tar.gz", {"CMakeLists.txt": cmake}, {".cpp"}, 1, True)
    assert needs.unmapped == () and "zlib-dev" in needs.apk_packages
    # musl-dev's stub archives: -lresolv links on Alpine without another package
    needs = analyse_members(
        "x-1.0.tar.gz", {"setup.py": "libraries=['resolv', 'crypt']"}, {".c"}, 1, True
    )
    assert needs.unmapped == () and needs.apk_packages == ("build-base",)


def test_go_extension_needs_the_go_toolchain() -> None:
    """dockerfile 3.4.0 (this project's own dependency): setuptools-golang + Go sources."""
    needs = analyse_members(
        "dockerfile-3.4.0.tar.gz",
        {
            "setup.cfg": "[options]\nsetup_requires =\n\tsetuptools-golang>=1.7.0\n",
            "setup.py": "setup(build_golang={'root': 'github.com/x/y'})\n",
        },
        {".go", ".py", ".c"},
        7729,
        True,
    )
    assert needs.go and needs.apk_packages == ("build-base", "go")
    assert "a Go toolchain" in needs.describe()
    plain = analyse_members("x-1.tar.gz", {"setup.py": "setup()"}, {".go", ".py"}, 100, True)
    assert not plain.go  # Go files alone (vendored tests, tools) do not make a Go build
