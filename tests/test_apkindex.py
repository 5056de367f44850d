"""Alpine's package index (APKINDEX) as the source of package facts.

The indexes and the local mirror serving them are those of ``tests/apk_mirror.py``.
"""

# ruff: noqa: F811 (the fixtures of apk_mirror are imported, then requested by name)

from __future__ import annotations

import gzip
import io
import logging
import os
import re
import subprocess
import sys
import tarfile
import time
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
from apk_mirror import (  # noqa: F401 (fixtures)
    Mirror,
    _tar,
    apkindex_targz,
    archives,
    index_text_of_installed,
    installed_db,
    mirror,
    test_records,
)

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


def test_an_unreachable_mirror_is_warned_about_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every stage of a run asks for the index; the mirror being down is said once."""
    apkrepo.forget_failures()
    caplog.set_level(logging.INFO, logger="alpine_ready.knowledge.apkrepo")
    for _ in range(3):
        got = apkrepo.release_index(
            "3.23", mirror="http://127.0.0.1:9/alpine", offline=False, cache_root=tmp_path
        )
        assert got is None
    unread = [r for r in caplog.records if "package names are not checked" in r.message]
    assert [r.levelno for r in unread] == [logging.WARNING, logging.INFO, logging.INFO]
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


def test_install_size_of_an_apk_add_for_other_stages(
    mirror: Mirror, installed_db: str, tmp_path: Path
) -> None:
    kw: dict[str, Any] = {"mirror": mirror.url, "cache_root": tmp_path, "offline": False}
    got = apkrepo.install_size(["libxml2-utils"], "3.23", **kw)
    assert got is not None
    assert got.packages == ("libxml2", "libxml2-utils", "musl", "xz-libs", "zlib")
    db = parse_index(installed_db)
    real = sum(db.installed_size(p) or 0 for p in ("musl", "xz-libs", "zlib"))
    assert got.installed_size == real + 2011136 + 106496  # the two test records' I:
    cold = tmp_path / "cold"
    assert apkrepo.install_size(["musl"], "3.23", cache_root=cold, offline=True) is None
