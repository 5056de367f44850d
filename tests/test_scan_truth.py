"""Scan verdicts depend on the files, never on where the scan starts.

Real wheels unpacked into a venv's site-packages, scanned from the venv root,
from site-packages, through a symlink to it and from one package folder; a
real FreeBSD prebuild from npm.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import fixtures as fx  # tools/, on the path through conftest
from alpine_ready.analysis import hosts
from alpine_ready.analysis.report import Verdict
from alpine_ready.analysis.scan import ScanOptions, run
from alpine_ready.deps.installed import judge_node_modules
from alpine_ready.deps.sources.node_modules import scan_node_modules
from alpine_ready.elf.reader import read_elf
from conftest import copy_tree

SITE = "lib/python3.12/site-packages"


def _venv(wheels: Path, tmp: Path, flavour: str) -> Path:
    venv = tmp / f"venv-{flavour}"
    site = venv / SITE
    for unpacked in sorted((wheels / flavour).iterdir()):
        copy_tree(unpacked, site)
    return venv


def _verdicts(target: Path, below: str = "") -> dict[str, tuple[str, str]]:
    """Path (relative to site-packages) -> (verdict, code)."""
    report = run(ScanOptions(target=target, jobs=1))
    assert not report.errors
    return {below + b.path: (b.verdict.value, b.code) for b in report.binaries}


@pytest.fixture(scope="module")
def venvs(wheels_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("venvs")
    return {f: _venv(wheels_dir, tmp, f) for f in ("musllinux", "manylinux")}


@pytest.mark.parametrize("flavour", ["musllinux", "manylinux"])
def test_same_verdicts_from_any_root(venvs: dict[str, Path], flavour: str) -> None:
    venv = venvs[flavour]
    site = venv / SITE
    link = venv.parent / f"{flavour}-site-link"
    if not link.exists():
        link.symlink_to(site)
    from_root = {p.removeprefix(SITE + "/"): v for p, v in _verdicts(venv).items()}
    assert from_root and len(from_root) == len(_verdicts(venv))
    assert _verdicts(site) == from_root
    assert _verdicts(link) == from_root  # $ORIGIN through a symlinked TARGET
    if flavour == "musllinux":
        assert all(v == ("ok", "AR400") for v in from_root.values()), from_root
    else:
        assert {v for v, _ in from_root.values()} != {"ok"}


def test_one_package_folder_is_a_gap_not_incompatible(venvs: dict[str, Path]) -> None:
    """``$ORIGIN/../pillow.libs`` outside the scanned tree: AR430, ok, loads false."""
    site = venvs["musllinux"] / SITE
    report = run(ScanOptions(target=site / "PIL", jobs=1))
    by = {b.path: b for b in report.binaries}
    assert by and not report.failed
    assert all(b.verdict is Verdict.OK for b in by.values())
    imaging = by["_imaging.cpython-312-x86_64-linux-musl.so"]
    assert imaging.code == "AR430" and not imaging.loads
    assert "outside the scanned tree" in imaging.reasons[0]
    assert f"scan {site}" in imaging.reasons[0]
    assert any(i.code == "AR430" for i in report.items())
    # psycopg2 alone: libpq sits in ../psycopg2_binary.libs
    (psy,) = run(ScanOptions(target=site / "psycopg2", jobs=1)).binaries
    assert (psy.verdict, psy.code, psy.missing_libraries) == (
        Verdict.OK,
        "AR430",
        ("libpq-30a40521.so.5.17",),
    )


def test_pillow_alone_has_no_incompatible(wheels_dir: Path, tmp_path: Path) -> None:
    site = tmp_path / "venv" / SITE
    copy_tree(wheels_dir / "musllinux" / "pillow-13.0.0", site)
    for target in (tmp_path / "venv", site, site / "pillow.libs"):
        verdicts = _verdicts(target)
        assert verdicts and all(v == "ok" for v, _ in verdicts.values()), (target, verdicts)


def test_host_from_package_not_from_path(venvs: dict[str, Path], tmp_path: Path) -> None:
    """A vendored library is python-hosted and knows the extensions that load it, from any root."""
    site = venvs["musllinux"] / SITE
    libtiff = next((site / "pillow.libs").glob("libtiff-*.so*"))
    elf = read_elf(libtiff)
    for root in (venvs["musllinux"], site):
        origin = hosts.on_disk(libtiff, root.resolve(), "/app", elf)
        assert origin.host is not None and origin.host.name == "python"
        assert origin.distribution == "pillow" and origin.vendored_in == "pillow.libs"
        assert any(
            ld.relpath.endswith("PIL/_imaging.cpython-312-x86_64-linux-musl.so")
            for ld in origin.loaders
        )
        assert all(ld.path == "/app/" + ld.relpath for ld in origin.loaders)
    # outside the scanned tree, the loaders are not named (they are not in it)
    inside = hosts.on_disk(libtiff, (site / "pillow.libs").resolve(), "/app", elf)
    assert inside.host is not None and inside.distribution == "pillow" and not inside.loaders
    # a copy outside any package: only its name could say (and it says nothing)
    stray = tmp_path / libtiff.name
    stray.write_bytes(libtiff.read_bytes())
    assert hosts.on_disk(stray, tmp_path, "/app", elf).host is None


@pytest.fixture(scope="module")
def foreign_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("foreign")
    copy_tree(fx.npm_foreign() / "node_modules", tree / "node_modules")
    return tree


def test_freebsd_prebuild_is_skipped(foreign_tree: Path) -> None:
    report = run(ScanOptions(target=foreign_tree, jobs=1))
    assert not report.binaries and not report.failed
    (skipped,) = report.skipped
    assert skipped.path.endswith("rollup.freebsd-x64.node")
    assert "FreeBSD" in skipped.reason and "never loaded on Linux" in skipped.reason
    elf = read_elf(foreign_tree / skipped.path)
    assert elf.osabi == 9 and "libthr.so.3" in elf.needed


def test_deps_does_not_judge_the_freebsd_prebuild(foreign_tree: Path) -> None:
    # a platform package for another OS is never what Node's loader picks on Alpine
    # (deps/node_loaders.py): nothing of it is judged, so nothing calls it glibc-only
    packages = scan_node_modules(foreign_tree).packages
    assert [p.name for p in packages] == ["@rollup/rollup-freebsd-x64"]
    assert judge_node_modules(foreign_tree, packages) == {}
