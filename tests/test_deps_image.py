"""``alpine-ready deps IMAGE``: dependencies installed in a real image, judged file by file.

The images are real: the cached glibc-app image (Alpine 3.23 base + musllinux orjson and
pillow, a manylinux orjson in a venv) and one built here from the real Alpine base plus a
real ``pip install --target`` of manylinux wheels and a real npm ``-gnu`` tree.  The
index answers are the recorded PyPI pages (offline).
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

import imagebuild as ib
from alpine_ready.deps.cache import ResponseCache
from alpine_ready.deps.check import DepsOptions, run
from alpine_ready.deps.report import DepStatus
from alpine_ready.report import schema
from test_deps_index import seed
from test_deps_installed import pip_target


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("index")
    seed(ResponseCache(d))
    return d


def test_glibc_app_image(cache_dir: Path) -> None:
    img = ib.glibc_app_image()
    report = run(
        DepsOptions(path=f"docker-archive:{img.docker_archive}", offline=True, cache_dir=cache_dir)
    )
    jsonschema.validate(report.to_json(), schema("deps-v3.json"))
    assert report.target.python == "3.12"  # read from usr/lib/python3.12
    rows = {(p.name, p.source.rsplit(":/", 1)[1]): p for p in report.packages}
    venv = rows[("orjson", "opt/venv-glibc/lib/python3.12/site-packages/orjson-3.13.0.dist-info")]
    usr = rows[("orjson", "usr/lib/python3.12/site-packages/orjson-3.13.0.dist-info")]
    assert "installed in the image (glibc build)" in venv.reasons  # two copies, two rows
    assert "installed in the image (musl build)" in usr.reasons
    assert venv.status is usr.status is DepStatus.MUSL_WHEEL  # orjson's glibc copy loads
    pillow = next(p for p in report.packages if p.name == "pillow")
    assert pillow.status is DepStatus.UNKNOWN  # not among the recorded pages
    assert any(
        r.startswith("its 29 ELF file(s) in the image on Alpine: worst ok") for r in pillow.reasons
    )


def test_image_with_glibc_wheels_and_gnu_addons(
    tmp_path: Path, cache_dir: Path, npm_dir: Path
) -> None:
    """A Python+Node app layer made on a glibc machine and copied onto Alpine."""
    site = pip_target(tmp_path / "site", "manylinux")
    base = ib.alpine_base_image()
    spec = ib.ImageSpec(
        steps=[
            ib.ReuseLayer(base, 0),
            ib.Layer(
                [
                    ib.Tree(site, dest="usr/lib/python3.12/site-packages"),
                    ib.Tree(npm_dir / "gnu" / "node_modules", dest="app/node_modules"),
                ],
                "COPY . /",
                "gzip",
            ),
        ],
        tag="copied",
        repo="alpine-ready/copied",
    )
    img = ib.write_blobs(spec, tmp_path / "work")
    archive = tmp_path / "copied.tar"
    ib.write_docker_archive(img, archive, "alpine-ready/copied:1")
    report = run(DepsOptions(path=f"docker-archive:{archive}", offline=True, cache_dir=cache_dir))
    by = {(p.ecosystem, p.name): p for p in report.packages}
    crypto = by[("python", "cryptography")]
    assert crypto.status is DepStatus.GLIBC_ONLY
    assert crypto.fixes[0].startswith("reinstall it on Alpine")
    assert any("worst incompatible" in r for r in crypto.reasons)
    assert by[("python", "orjson")].status is DepStatus.MUSL_WHEEL
    rollup = by[("node", "@rollup/rollup-linux-x64-gnu")]
    assert rollup.status is DepStatus.GLIBC_ONLY
    assert "glibc build" in rollup.reasons[0]
    assert report.failed
    assert [i.kind for i in report.inputs] == ["site-packages", "node_modules"]
