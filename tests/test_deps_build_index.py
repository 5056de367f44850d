"""deps' build needs checked against Alpine's package index of the target release.

The sdists are the recorded real build files of ``tests/data/sdists``; the index is a
real-format one (``tests/apk_mirror.py``: the real Alpine 3.23 installed database plus
test records).
"""

# ruff: noqa: F811 (the fixtures of apk_mirror are imported, then requested by name)

from __future__ import annotations

from pathlib import Path

import pytest

from alpine_ready.deps.options import DepsOptions
from alpine_ready.deps.python_check import _release_index
from alpine_ready.deps.sdist import _from_json, against_index, analyse_members
from alpine_ready.knowledge import apkrepo
from alpine_ready.knowledge.apkindex import PackageIndex, parse_index
from apk_mirror import (  # noqa: F401 (fixtures)
    Mirror,
    archives,
    index_text_of_installed,
    installed_db,
    mirror,
    record,
    test_records,
)
from test_deps_sdist import recorded


def _index(installed_db: str, test_records: str, *extra: str) -> PackageIndex:
    text = index_text_of_installed(installed_db) + "\n" + test_records + "\n" + "".join(extra)
    return parse_index(text, release="3.23")


@pytest.fixture
def lxml_index(installed_db: str, test_records: str) -> PackageIndex:
    # libxml2-dev is a test record, zlib is in the real database; libxslt-dev is missing
    return _index(installed_db, test_records, record("build-base"), record("pkgconf"))


def test_a_package_the_release_lacks_leaves_the_apk_line(lxml_index: PackageIndex) -> None:
    needs = recorded("lxml-6.0.2.tar.gz")
    assert "libxslt-dev" in needs.apk_packages and "zlib-dev" in needs.apk_packages
    checked = against_index(needs, lxml_index)
    assert checked.not_in_release == ("libxslt-dev", "zlib-dev")
    assert checked.apk_line == "apk add --no-cache build-base pkgconf libxml2-dev"
    assert (
        "libxslt-dev, zlib-dev: no such package in Alpine 3.23's package index"
        in checked.describe()
    )


def test_a_release_that_has_them_changes_nothing(installed_db: str, test_records: str) -> None:
    needs = recorded("lxml-6.0.2.tar.gz")
    names = ("build-base", "pkgconf", "libxslt-dev", "zlib-dev")
    index = _index(installed_db, test_records, *(record(n) for n in names))
    checked = against_index(needs, index)
    assert checked.apk_packages == needs.apk_packages and checked.not_in_release == ()
    assert checked.describe() == needs.describe()


def test_pkg_config_names_map_to_dev_packages_through_pc_provides(
    installed_db: str, test_records: str
) -> None:
    needs = analyse_members(
        "x-1.0.tar.gz",
        {
            "meson.build": "project('x', 'c')\ndependency('gobject-introspection-1.0')\n",
            "setup.py": "Extension('x', libraries=['frob', 'nothing'])",
        },
        {".c"},
        1000,
        True,
    )
    assert needs.unmapped == ("frob", "gobject-introspection-1.0", "nothing")
    index = _index(
        installed_db,
        test_records,
        record("build-base"),
        record("pkgconf"),
        record("gobject-introspection-dev", provides="pc:gobject-introspection-1.0=1.86.0"),
        record("libfrob-dev", provides="pc:libfrob=2.0"),
    )
    checked = against_index(needs, index)
    assert checked.apk_packages == (
        "build-base",
        "pkgconf",
        "libfrob-dev",
        "gobject-introspection-dev",
    )
    assert checked.unmapped == ("nothing",)


def test_the_cached_form_is_what_the_sdist_says(lxml_index: PackageIndex) -> None:
    needs = recorded("lxml-6.0.2.tar.gz")
    checked = against_index(needs, lxml_index)
    assert checked.to_json() == {
        **needs.to_json(),
        "apk_packages": list(checked.apk_packages),
    }
    assert "not_in_release" not in checked.to_json()
    assert _from_json(needs.to_json()) == needs


def test_deps_mirror_is_asked_even_when_the_environment_says_offline(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALPINE_READY_OFFLINE", "1")  # as the test session sets it
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    apkrepo.forget_failures()
    cold = _release_index(DepsOptions(path=".", alpine="3.23"))()
    assert cold is None  # offline, nothing cached
    served = _release_index(DepsOptions(path=".", alpine="3.23", mirror=mirror.url))()
    assert served is not None and served.exists("libxml2-dev")
    assert any("APKINDEX.tar.gz" in path for path, _, _ in mirror.requests)
    explicit = _release_index(
        DepsOptions(path=".", alpine="3.23", mirror=mirror.url + "/nowhere", offline=True)
    )()
    assert explicit is None  # --offline wins over --mirror
    apkrepo.forget_failures()


def test_deps_offline_keeps_the_scan_engine_off_the_mirror(
    mirror: Mirror, npm_dir: Path, tmp_path: Path
) -> None:
    """deps judges installed files with the scan engine: --offline reaches it too."""
    from alpine_ready.deps.check import run

    tree = str(npm_dir / "gnu" / "node_modules")  # glibc builds: sonames are looked up
    apkrepo.forget_failures()
    run(DepsOptions(tree, offline=True, mirror=mirror.url, cache_dir=tmp_path / "c1"))
    assert mirror.requests == []
    run(DepsOptions(tree, mirror=mirror.url, cache_dir=tmp_path / "c2"))
    assert any("APKINDEX.tar.gz" in path for path, _, _ in mirror.requests)
    apkrepo.forget_failures()


def test_deps_cache_dir_holds_the_package_index_too(
    mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    apkrepo.forget_failures()
    opts = DepsOptions(path=".", alpine="3.23", mirror=mirror.url, cache_dir=tmp_path / "c")
    served = _release_index(opts)()
    assert served is not None and served.exists("libxml2-dev")
    assert any((tmp_path / "c" / "apkindex").rglob("*")), "the index is cached in --cache-dir"
    assert not xdg.exists() or not any(xdg.rglob("*")), "nothing in the default cache"
    mirror.requests.clear()
    again = _release_index(opts)()  # from --cache-dir, not the mirror
    assert again is not None and again.exists("libxml2-dev")
    assert mirror.requests == []
    apkrepo.forget_failures()
