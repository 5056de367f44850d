"""The same tree gives the same verdicts inside an image as on disk, from any root.

Real musllinux wheels (the five of ``fixtures.wheels()`` and pyarrow's) unpacked
into site-packages and real npm prebuilds in node_modules, scanned on disk (the
venv root, site-packages, a symlink to it, one package folder) and inside a real
image (an Alpine base layer plus a layer holding the same trees); and the layout
``uv`` leaves in an image, where site-packages holds hard links to its cache.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import fixtures as fx  # tools/, on the path through conftest
import imagebuild as ib
from alpine_ready.analysis.report import BinaryReport, Verdict
from alpine_ready.analysis.scan import ScanOptions, run
from conftest import copy_tree

PY_SITE = "usr/local/lib/python3.12/site-packages"
VENV_SITE = "lib/python3.12/site-packages"
NPM = "app/node_modules"

Facts = dict[str, tuple[str, str, str, tuple[str, ...], tuple[str, ...], bool]]


def _wheel_trees() -> list[Path]:
    return [*sorted((fx.wheels() / "musllinux").iterdir()), fx.pyarrow_wheel()]


def _binaries(target: Path | str) -> tuple[BinaryReport, ...]:
    report = run(ScanOptions(target=target, jobs=2))
    assert not report.errors, report.errors[:3]
    return report.binaries


def _facts(binaries: tuple[BinaryReport, ...], below: str = "") -> Facts:
    """Path relative to ``below`` -> verdict, code, kind, missing, unresolved, loads."""
    out: Facts = {}
    for b in binaries:
        if below and not b.path.startswith(below + "/"):
            continue
        out[b.path.removeprefix(below + "/") if below else b.path] = (
            b.verdict.value,
            b.code,
            b.kind,
            b.missing_libraries,
            b.unresolved_symbols,
            b.loads,
        )
    return out


def _build_py_image(tmp: Path) -> dict[str, Any]:
    site = [ib.Tree(t, dest=PY_SITE) for t in _wheel_trees()]
    spec = ib.ImageSpec(
        steps=[
            ib.ReuseLayer(ib.alpine_base_image(), 0),
            ib.Layer(
                [*site, ib.Tree(fx.npm_packages() / "musl" / "node_modules", dest=NPM)],
                "COPY . /",
                "gzip",
            ),
        ],
        tag="py",
        repo="alpine-ready/scan-truth",
    )
    img = ib.write_blobs(spec, tmp / ".work")
    ib.write_docker_archive(img, tmp / "docker-archive.tar", spec.repo + ":" + spec.tag)
    fx._rmtree(tmp / ".work")
    return {"manifest_digest": img.manifest_digest}


@pytest.fixture(scope="session")
def py_image() -> Path:
    """A docker-archive: Alpine base + the musllinux site-packages and node_modules (cached)."""
    markers = {
        name: (fn() / fx.MARKER).read_text()
        for name, fn in (("wheels", fx.wheels), ("npm", fx.npm_packages))
    }
    markers["pyarrow"] = (fx.pyarrow_wheel().parents[1] / fx.MARKER).read_text()
    pins = {"base": ib.alpine_base_image().expected["layers"][0]["digest"], **markers, "v": 1}
    root = ib._ensure_image("scan-truth-py", pins, _build_py_image)
    return root / "docker-archive.tar"


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same trees on disk: ``venv/lib/python3.12/site-packages`` and ``app/node_modules``."""
    top = tmp_path_factory.mktemp("scan-image-truth")
    for tree in _wheel_trees():
        copy_tree(tree, top / "venv" / VENV_SITE)
    copy_tree(fx.npm_packages() / "musl" / "node_modules", top / NPM)
    return top / "venv"


@pytest.fixture(scope="module")
def in_image(py_image: Path) -> tuple[BinaryReport, ...]:
    """The image's binaries, scanned once for the module."""
    return _binaries(f"docker-archive:{py_image}")


def test_image_verdicts_equal_disk_verdicts(venv: Path, in_image: tuple[BinaryReport, ...]) -> None:
    site = venv / VENV_SITE
    image_site = _facts(in_image, PY_SITE)
    assert len(image_site) > 80  # pyarrow alone has 40 ELF files
    from_site = _facts(_binaries(site))
    assert image_site == from_site
    assert _facts(_binaries(venv), VENV_SITE) == from_site
    assert _facts(in_image, NPM) == _facts(_binaries(venv.parent / NPM))


def _pyarrow_ok(binaries: tuple[BinaryReport, ...], prefix: str) -> None:
    arrow = [b for b in binaries if b.path.removeprefix(prefix).startswith("pyarrow")]
    assert len(arrow) >= 38, [b.path for b in arrow]
    bad = [(b.path, b.verdict.value, b.unresolved_symbols[:3]) for b in arrow if b.verdict.rank]
    assert not bad, bad
    assert all(b.verdict is not Verdict.INCOMPATIBLE for b in arrow)


def _arrow_python(binaries: tuple[BinaryReport, ...]) -> list[BinaryReport]:
    return [b for b in binaries if b.path.rsplit("/", 1)[-1].startswith("libarrow_python.so")]


def test_pyarrow_from_every_root(venv: Path, in_image: tuple[BinaryReport, ...]) -> None:
    """The issue's example: libarrow_python needs the interpreter's symbols (PyBool_Type…)."""
    site = venv / VENV_SITE
    link = venv.parent / "site-link"
    if not link.exists():
        link.symlink_to(site)
    for binaries, prefix in (
        (_binaries(venv), VENV_SITE + "/"),
        (_binaries(site), ""),
        (_binaries(link), ""),
        (in_image, PY_SITE + "/"),
    ):
        _pyarrow_ok(binaries, prefix)
        libs = _arrow_python(binaries)
        assert len(libs) == 3  # .so, .so.2600, .so.2600.1.0: copies in the wheel
        for lib in libs:
            assert (lib.verdict, lib.kind, lib.loads) == (Verdict.OK, "shared-library", True)
            assert "PyBool_Type" in lib.host_symbols, (prefix, lib.host_symbols[:5])


def test_pyarrow_folder_alone_is_a_gap(venv: Path) -> None:
    """Only ``site-packages/pyarrow``: pyarrow.libs lies outside the tree (AR430): no failure."""
    report = run(ScanOptions(target=venv / VENV_SITE / "pyarrow", jobs=2))
    assert report.binaries and not report.errors
    assert all(b.verdict is Verdict.OK for b in report.binaries), [
        (b.path, b.verdict.value) for b in report.binaries if b.verdict is not Verdict.OK
    ]
    gaps = [b for b in report.binaries if b.code == "AR430"]
    assert gaps and all(not b.loads for b in gaps)
    assert all(any("pyarrow.libs" in r or "outside" in r for r in b.reasons) for b in gaps)
    libs = _arrow_python(report.binaries)  # needs libstdc++ from pyarrow.libs: not loaded
    assert len(libs) == 3 and all(b.code == "AR430" for b in libs)


def test_uv_hard_linked_site_packages(tmp_path: Path, venv: Path) -> None:
    """``uv`` installs by hard links to its cache: the image's site-packages entries are links.

    Before the fix the image scan judged only the cache's copies (no RECORD found
    for the links, the site-packages paths missing from the report).
    """
    cache, site = tmp_path / "cache", tmp_path / "site"
    for name in ("pillow-13.0.0", "psycopg2_binary-2.9.13"):
        copy_tree(fx.wheels() / "musllinux" / name, cache / name)
        for src in sorted((cache / name).rglob("*")):
            dest = site / src.relative_to(cache / name)
            if src.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            else:
                os.link(src, dest)
    spec = ib.ImageSpec(
        steps=[
            ib.ReuseLayer(ib.alpine_base_image(), 0),
            ib.Layer(
                [
                    ib.Tree(cache, dest="root/.cache/uv/archive-v0"),  # first: the regular files
                    ib.Tree(site, dest=PY_SITE),  # then: hard links to them
                ],
                "RUN uv pip install --system pillow psycopg2-binary",
                "gzip",
            ),
        ],
        tag="uv",
        repo="alpine-ready/uv",
    )
    img = ib.write_blobs(spec, tmp_path / "work")
    members = {m.path: m.kind for layer in img.layers for m in layer.members}
    assert members[f"{PY_SITE}/PIL/_imaging.cpython-312-x86_64-linux-musl.so"] == "hardlink"
    archive = tmp_path / "uv.tar"
    ib.write_docker_archive(img, archive, "alpine-ready/uv:1")
    binaries = _binaries(f"docker-archive:{archive}")
    image_site = _facts(binaries, PY_SITE)
    assert image_site == _facts(_binaries(site))
    assert image_site and all(v[:2] == ("ok", "AR400") for v in image_site.values())
