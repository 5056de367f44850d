"""Musl target tags and release classification, on real PyPI file names.

The names below were listed by PyPI's Simple API (PEP 691) on 2026-11-27.
"""

from __future__ import annotations

from alpine_ready.deps.tags import FileKind, MuslTarget, classify, latest, newest_installable

DUCKDB = [  # 1.3.2: the last release with a musl wheel; 2.0.1: abi3 glibc/macOS/win only
    "duckdb-1.3.2-cp312-cp312-macosx_12_0_arm64.whl",
    "duckdb-1.3.2-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    "duckdb-1.3.2-cp312-cp312-musllinux_1_2_x86_64.whl",
    "duckdb-1.3.2-cp312-cp312-win_amd64.whl",
    "duckdb-1.3.2.tar.gz",
    "duckdb-2.0.1-cp312-abi3-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    "duckdb-2.0.1-cp312-abi3-macosx_11_0_arm64.whl",
    "duckdb-2.0.1.tar.gz",
    "duckdb-2.0.1.dev2610211350-cp312-abi3-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    "duckdb-2.0.1.dev2610211350.tar.gz",
]
PYDANTIC_CORE = [  # musllinux_1_1 only: pip --platform musllinux_1_2 alone would miss it
    "pydantic_core-2.9.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "pydantic_core-2.9.0-cp312-cp312-musllinux_1_1_aarch64.whl",
    "pydantic_core-2.9.0-cp312-cp312-musllinux_1_1_x86_64.whl",
    "pydantic_core-2.9.0-cp312-none-win_amd64.whl",
    "pydantic_core-2.9.0.tar.gz",
]
MYSQLCLIENT = [  # Windows wheels and an sdist: compiles on Alpine
    "mysqlclient-2.3.2-cp312-cp312-win_amd64.whl",
    "mysqlclient-2.3.2-cp313-cp313-win_amd64.whl",
    "mysqlclient-2.3.2.tar.gz",
]
PURE = ["six-1.17.0-py2.py3-none-any.whl", "six-1.17.0.tar.gz"]
NO_SDIST = [
    "torchish-2.5.0-cp312-cp312-manylinux_2_28_x86_64.whl",
    "torchish-2.5.0-cp312-none-macosx_11_0_arm64.whl",
]


def test_target_tags_cover_every_musllinux_level_and_no_glibc() -> None:
    t = MuslTarget(python=(3, 12), arch="x86_64", musl=(1, 2))
    assert t.platforms == ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64"]
    names = {str(tag) for tag in t.tags}
    assert "cp312-cp312-musllinux_1_1_x86_64" in names
    assert "cp312-abi3-musllinux_1_2_x86_64" in names
    assert "py3-none-any" in names
    assert not any("manylinux" in n or n.split("-")[-1] == "linux_x86_64" for n in names)
    assert str(t.tags[0]) == "cp312-cp312-musllinux_1_2_x86_64"  # pip's preference order


def test_duckdb_silent_downgrade() -> None:
    rel = classify(DUCKDB, MuslTarget())
    assert rel["1.3.2"].kind is FileKind.MUSL_WHEEL
    assert rel["1.3.2"].musl_wheels == ("duckdb-1.3.2-cp312-cp312-musllinux_1_2_x86_64.whl",)
    assert rel["2.0.1"].kind is FileKind.SOURCE
    assert latest(rel) == "2.0.1"
    assert newest_installable(rel) == "1.3.2"  # what a musl resolver silently picks


def test_pydantic_core_musllinux_1_1_only() -> None:
    rel = classify(PYDANTIC_CORE, MuslTarget())
    assert rel["2.9.0"].kind is FileKind.MUSL_WHEEL
    assert rel["2.9.0"].musl_wheels == ("pydantic_core-2.9.0-cp312-cp312-musllinux_1_1_x86_64.whl",)
    # on aarch64 the aarch64 musl wheel is the one
    arm = classify(PYDANTIC_CORE, MuslTarget(arch="aarch64"))["2.9.0"]
    assert arm.musl_wheels == ("pydantic_core-2.9.0-cp312-cp312-musllinux_1_1_aarch64.whl",)
    # an old musl 1.1 target (Alpine <= 3.12) does not take a musllinux_1_2 wheel
    old = classify(DUCKDB, MuslTarget(musl=(1, 1)))["1.3.2"]
    assert old.kind is FileKind.SOURCE


def test_sdist_only_pure_and_unavailable() -> None:
    assert classify(MYSQLCLIENT, MuslTarget())["2.3.2"].kind is FileKind.SOURCE
    assert classify(PURE, MuslTarget())["1.17.0"].kind is FileKind.PURE
    assert classify(NO_SDIST, MuslTarget())["2.5.0"].kind is FileKind.UNAVAILABLE


def test_other_pythons_and_garbage_names() -> None:
    rel = classify([*DUCKDB, "duckdb-0.1.egg", "not a file name.whl"], MuslTarget(python=(3, 11)))
    # the cp312 musl wheel is not for CPython 3.11
    assert rel["1.3.2"].kind is FileKind.SOURCE
    assert set(rel) == {"1.3.2", "2.0.1", "2.0.1.dev2610211350"}
    assert newest_installable(rel, prereleases=True) is None
