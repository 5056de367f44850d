"""The fleet's stores: SQLite and a real PostgreSQL server (Debian's, started here).

The same contract for both (upserts keyed by digest: a task that comes back twice
leaves one row; verdicts of another version, and failures, are judged again), and a
fleet run over a real registry with the PostgreSQL store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import fleetbuild as fb
from alpine_ready.errors import InputError
from alpine_ready.fleet.engine import FleetOptions, run
from alpine_ready.fleet.model import Blocker, ImageVerdict, LayerResult, Readiness
from alpine_ready.fleet.store import Store, open_store
from alpine_ready.fleet.tasks import failed
from alpine_ready.inputs.image.source import ImageOptions

pytest.importorskip("psycopg")


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    with fb.run_postgres() as url:  # in /tmp: the postgres user must reach the socket
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path / 'x' / 'fleet.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres")
    s = open_store(url, None)
    try:
        yield s
    finally:
        if request.param == "postgresql":  # one server for the module: start clean
            s._execute("DROP TABLE fleet_layers, fleet_images, fleet_refs")  # type: ignore[attr-defined]
        s.close()


def verdict(digest: str, readiness: Readiness = Readiness.READY, saving: int = 5) -> ImageVerdict:
    blocker = Blocker(
        "AR403|jq|apk add gcompat",
        "AR403",
        "loads-with-gcompat",
        "warning",
        "jq",
        "jq: needs-gcompat",
        "apk add gcompat",
        ("usr/bin/jq",),
    )
    return ImageVerdict(
        digest,
        readiness,
        "debian 12",
        "glibc",
        10,
        100,
        80,
        28,
        saving,
        "the base",
        {"ok": 1},
        (blocker,),
    )


def test_upserts_keyed_by_digest(store: Store) -> None:
    layer = LayerResult("sha256:" + "a" * 64, 10, 20, 3, 1, 0.5, 10)
    store.put_layer(layer)
    store.put_layer(layer)  # the same task back twice (a worker died after finishing it)
    assert store.known_layers([layer.digest, "sha256:" + "b" * 64]) == {layer.digest}
    store.put_verdict(verdict("sha256:1"), 1)
    store.put_verdict(verdict("sha256:1", saving=7), 1)  # judged again: replaced
    store.put_verdict(verdict("sha256:2"), 2)  # another verdict version: judged again
    store.put_verdict(failed("sha256:3", "gone"), 1)  # a failure: tried again
    store.put_refs([("r/a:1", "sha256:1"), ("r/a:1", "sha256:1"), ("r/b:1", "sha256:2")])
    got = store.verdicts(["sha256:1", "sha256:2", "sha256:3", "sha256:4"], 1)
    assert got == {"sha256:1": verdict("sha256:1", saving=7)}
    assert store.counts() == {"layers": 1, "images": 3, "refs": 2}


def test_bad_store_urls(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected sqlite:///PATH or postgresql://"):
        open_store("mysql://x/y", None)
    with pytest.raises(InputError, match="cannot connect"):
        open_store(f"postgresql://nobody@/x?host={tmp_path}&port=1", None)
    (tmp_path / "f").write_text("")
    with pytest.raises(InputError, match="cannot open the SQLite store"):
        open_store(f"sqlite://{tmp_path / 'f' / 'db'}", None)


def test_a_fleet_on_postgresql(postgres: str, tmp_path: Path) -> None:
    with fb.pushed_fleet(12, tmp_path) as fleet:
        opts = FleetOptions(
            images_file=fleet.file(tmp_path, 12),
            store=postgres,
            workers=2,
            image=ImageOptions(cache_dir=tmp_path / "cache"),
            offline=True,
        )
        first = run(opts)
        again = run(opts)
    assert [i.ref for i in first.images] == fleet.refs
    for image in first.images:
        assert image.verdict.readiness.value == fb.expected_readiness(fleet.kinds[image.ref])
    sock, port = (p.split("=")[1] for p in postgres.split("?")[1].split("&"))
    assert first.stats.store == f"postgresql://{sock}:{port}/postgres"  # no user, no query
    assert (first.stats.layer_tasks, first.stats.image_tasks) == (12 + 4, 12)
    assert (again.stats.layer_tasks, again.stats.image_tasks) == (0, 0)
    assert [i.verdict for i in again.images] == [i.verdict for i in first.images]
    s = open_store(postgres, None)
    try:
        assert s.counts() == {"layers": 16, "images": 12, "refs": 12}
    finally:
        s.close()
