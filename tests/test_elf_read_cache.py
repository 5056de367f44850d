"""A run reads each file once: ``read_elf`` inside ``run_symbol_budget``.

A scan reads a library as a scanned file, as a dependency of other files and as
the loader of each library its wheel vendors.  Inside a run the same unchanged
file (same path, same inode, same size and change times) gives back the object
read first; a changed file, another path, or a read outside any run is parsed
afresh.  Real Debian libraries throughout.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from alpine_ready.elf import reader
from alpine_ready.elf.reader import read_elf, run_symbol_budget

LIB = "usr/lib/x86_64-linux-gnu"


@pytest.fixture
def lib(debian_tree: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "libcurl.so.4"
    shutil.copy2(debian_tree / LIB / "libcurl.so.4.8.0", dest)
    return dest


def test_inside_a_run_the_same_file_is_read_once(lib: Path) -> None:
    with run_symbol_budget():
        first = read_elf(lib)
        assert read_elf(lib) is first
        assert read_elf(str(lib)) is first  # the same path, spelt as a string
        assert "curl_easy_init" in first.exports
    outside = read_elf(lib)
    assert outside is not first
    assert outside.exports == first.exports
    assert outside == first  # the same content, read again
    assert read_elf(lib) is not outside  # outside a run nothing is kept


def test_a_changed_file_is_read_again(lib: Path, debian_tree: Path) -> None:
    with run_symbol_budget():
        first = read_elf(lib)
        assert first.soname == "libcurl.so.4"
        shutil.copyfile(debian_tree / LIB / "libjq.so.1.0.4", lib)  # rewritten in place
        again = read_elf(lib)
        assert again is not first
        assert again.soname == "libjq.so.1"
        st = lib.stat()
        os.utime(lib, ns=(st.st_atime_ns, st.st_mtime_ns + 1))  # touched: read again
        assert read_elf(lib) is not again


def test_another_path_to_the_same_file_keeps_its_own_path(lib: Path) -> None:
    link = lib.with_name("libcurl-hardlink.so")
    os.link(lib, link)
    with run_symbol_budget():
        a, b = read_elf(lib), read_elf(link)
        assert a is not b
        assert (a.path, b.path) == (lib, link)


def test_runs_do_not_share_and_nested_runs_restore(lib: Path) -> None:
    with run_symbol_budget():
        outer = read_elf(lib)
        with run_symbol_budget():
            assert read_elf(lib) is not outer  # a new run starts empty
        assert read_elf(lib) is outer  # the outer run's files are back
    with run_symbol_budget():
        assert read_elf(lib) is not outer


def test_the_cache_is_bounded(
    debian_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader._ReadCache, "MAX_ENTRIES", 2)
    names = ["libcurl.so.4.8.0", "libjq.so.1.0.4", "libattr.so.1.1.2501"]
    paths = [tmp_path / n for n in names]
    for n, p in zip(names, paths, strict=True):
        shutil.copy2(debian_tree / LIB / n, p)
    with run_symbol_budget():
        first = [read_elf(p) for p in paths]
        assert len(reader._ReadCache.entries) == 2
        assert read_elf(paths[2]) is first[2]  # the most recent are kept
        assert read_elf(paths[0]) is not first[0]  # the oldest went first
    monkeypatch.setattr(reader._ReadCache, "MAX_WEIGHT", 1)
    with run_symbol_budget():
        a = read_elf(paths[0])
        assert read_elf(paths[0]) is not a  # heavier than the whole cache: not kept
        assert not reader._ReadCache.entries
