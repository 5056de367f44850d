"""ProjectPages.files_for: one version's files, cached beside the page by its identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.index import FILES_ACCEPT, PyPIIndex
from test_deps_index import PYPI, Clock, seed


@pytest.fixture
def index(tmp_path: Path) -> PyPIIndex:
    cache = ResponseCache(tmp_path / "cache", clock=Clock())
    seed(cache)
    return PyPIIndex(PYPI, cache=cache, offline=True)


@pytest.mark.parametrize("name", ["duckdb", "mysqlclient", "requests", "torch", "six"])
def test_every_version_equals_the_parsed_page(index: PyPIIndex, name: str) -> None:
    pages = index.pages(name)
    parsed = pages.parse()
    assert parsed.versions
    for version in (*parsed.versions, "0.0.0-missing"):
        want = parsed.files_for(version)
        assert pages.files_for(version) == want  # computed and stored
        assert pages.files_for(version) == want  # read back
        assert index.cache.get(f"alpine-ready:files:{pages.key}:{version}", FILES_ACCEPT)


@pytest.mark.parametrize(
    "body", [b"", b"[", b"{}", b'[["x"]]', b"[[1,2,3,4,5,6,7,8,9,10]]", b"[" * 5000]
)
def test_a_bad_cached_list_is_parsed_again_and_replaced(index: PyPIIndex, body: bytes) -> None:
    pages = index.pages("duckdb")
    version = pages.parse().versions[-1]
    want = pages.parse().files_for(version)
    assert want
    key = f"alpine-ready:files:{pages.key}:{version}"
    index.cache.put(key, FILES_ACCEPT, body)
    assert pages.files_for(version) == want
    entry = index.cache.get(key, FILES_ACCEPT)
    assert entry is not None and entry.body != body


def test_a_refetched_page_has_its_own_lists(index: PyPIIndex) -> None:
    pages = index.pages("six")
    version = pages.parse().versions[-1]
    pages.files_for(version)
    entry = index.cache.get(pages.entries[0][1].url, pages.entries[0][1].accept)
    assert entry is not None
    index.cache.put(entry.url, entry.accept, entry.body, entry.headers, fetched_at=1.0)
    again = index.pages("six")
    assert again.key != pages.key and again.files_for(version) == pages.files_for(version)
