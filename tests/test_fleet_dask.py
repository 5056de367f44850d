"""``fleet --dask``: a real Dask scheduler and two workers, started here as processes.

The scheduler (``dask scheduler --port 0``) and the workers (``dask worker --no-nanny``,
one thread each) are the real distributed programs; one worker is killed (SIGKILL)
mid-run and the run must still end with every image judged exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import fleetbuild as fb

pytest.importorskip("distributed")

N_FAST = 12


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fb.PushedFleet]:
    with fb.pushed_fleet(fb.TEST_FLEET, tmp_path_factory.mktemp("registry")) as pushed:
        yield pushed


class Cluster:
    """A scheduler and its workers, as processes."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.file = work / "scheduler.json"
        self.scheduler = self._start("scheduler", "--port", "0", "--no-dashboard")
        deadline = time.monotonic() + 60
        while not self.file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        self.workers = [
            self._start("worker", "--no-nanny", "--nthreads", "1", "--no-dashboard", name=f"w{i}")
            for i in range(2)
        ]
        deadline = time.monotonic() + 60
        while self.count() < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert self.count() == 2, self.logs()

    def _start(self, what: str, *args: str, name: str = "") -> subprocess.Popen[bytes]:
        log = (self.work / f"{what}{name}.log").open("wb")
        return subprocess.Popen(
            ["dask", what, "--scheduler-file", str(self.file), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}"),
        )

    def count(self) -> int:
        """Workers the scheduler knows (from its own log lines: no client here)."""
        text = (self.work / "scheduler.log").read_text(errors="replace")
        return text.count("Register worker") - text.count("Remove worker")

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-2000:] for p in self.work.glob("*.log"))

    def stop(self) -> None:
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.workers, self.scheduler]:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    work = tmp_path / "dask"
    work.mkdir()
    c = Cluster(work)
    try:
        yield c
    finally:
        c.stop()


def fleet_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "alpine_ready", "fleet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stored(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con, contextlib.suppress(sqlite3.OperationalError):
        return int(con.execute("SELECT COUNT(*) FROM fleet_images").fetchone()[0])
    return 0


def test_a_worker_killed_mid_run(fleet: fb.PushedFleet, cluster: Cluster, tmp_path: Path) -> None:
    db = tmp_path / "fleet.sqlite3"
    args = [str(fleet.file(tmp_path, fb.TEST_FLEET)), "--dask", cluster.address]
    args += ["--store", f"sqlite://{db}", "--offline", "--cache-dir", str(tmp_path / "c")]
    proc = fleet_cli(*args, "--format", "json")
    deadline = time.monotonic() + 300
    while stored(db) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before a worker could be killed"
    victim = cluster.workers[1]
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    killed_at = stored(db)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:] + cluster.logs()
    data = json.loads(out)
    assert killed_at < fb.TEST_FLEET
    assert [i["ref"] for i in data["images"]] == fleet.refs  # every image, exactly once
    assert data["summary"]["failed"] == 0
    for image in data["images"]:
        assert image["readiness"] == fb.expected_readiness(fleet.kinds[image["ref"]])
    assert data["run"]["runner"] == f"dask scheduler {cluster.address}, 2 workers"
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM fleet_images").fetchone()[0] == fb.TEST_FLEET
        assert con.execute("SELECT COUNT(*) FROM fleet_layers").fetchone()[0] == fb.TEST_FLEET + 4
    # the survivor alone: an unchanged registry, no work at all
    again = subprocess.run(
        [sys.executable, "-m", "alpine_ready", "fleet", *args, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    run = json.loads(again.stdout)["run"]
    assert (run["layer_tasks"], run["image_tasks"], run["images_reused"]) == (0, 0, fb.TEST_FLEET)


def test_dask_local_cluster(fleet: fb.PushedFleet, tmp_path: Path) -> None:
    db = tmp_path / "fleet.sqlite3"
    args = [str(fleet.file(tmp_path, N_FAST)), "--dask", "local", "--workers", "2"]
    args += ["--store", f"sqlite://{db}", "--offline", "--cache-dir", str(tmp_path / "c")]
    proc = fleet_cli(*args, "--format", "json")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    data = json.loads(out)
    assert data["run"]["runner"] == "dask LocalCluster, 2 workers"
    assert [i["ref"] for i in data["images"]] == fleet.refs[:N_FAST]
    assert data["run"]["layer_tasks"] == N_FAST + 4 and data["run"]["image_tasks"] == N_FAST
    for image in data["images"]:
        assert image["readiness"] == fb.expected_readiness(fleet.kinds[image["ref"]])
