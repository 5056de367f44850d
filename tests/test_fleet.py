"""``fleet`` on a local process pool with the SQLite store, over a real registry.

The fleet (tests/fleetbuild.py): 52 real images over shared bases (Alpine 3.23, Debian
bookworm, a glibc application layer, a manylinux wheel), pushed by skopeo into the
Debian ``docker-registry``.  Fast tests use 12 of them, listed in a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest

import fleetbuild as fb
from alpine_ready.errors import InputError
from alpine_ready.fleet import sources
from alpine_ready.fleet.engine import FleetOptions, run
from alpine_ready.fleet.model import Readiness
from alpine_ready.fleet.report import FleetReport
from alpine_ready.fleet.verdict import alpine_size
from alpine_ready.formats import render
from alpine_ready.inputs.image.source import ImageOptions
from alpine_ready.report import schema

N_FLEET = fb.TEST_FLEET
N_FAST = 12


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fb.PushedFleet]:
    with fb.pushed_fleet(N_FLEET, tmp_path_factory.mktemp("registry")) as pushed:
        yield pushed


Fleet = fb.PushedFleet


def options(tmp: Path, **kw: object) -> FleetOptions:
    base: dict[str, object] = {
        "store": f"sqlite://{tmp / 'fleet.sqlite3'}",
        "workers": 2,
        "image": ImageOptions(cache_dir=tmp / "cache"),
        "offline": True,
    }
    base.update(kw)
    return FleetOptions(**base)  # type: ignore[arg-type]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", "fleet", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ, COLUMNS="100"),
        timeout=600,
        check=False,
    )


def check_verdicts(fleet: Fleet, report: FleetReport, refs: list[str]) -> None:
    """Every image once, judged as its kind says."""
    assert [i.ref for i in report.images] == refs
    for image in report.images:
        kind = fleet.kinds[image.ref]
        v = image.verdict
        assert v.readiness.value == fb.expected_readiness(kind), (image.ref, v)
        assert v.manifest_digest == fleet.digests[image.ref]
        assert v.libc == ("musl" if kind.endswith("alpine") else "glibc")
        if kind.endswith("alpine"):
            assert v.saving == 0 and v.base_bytes is None
        else:  # the Debian base (its one layer) replaced by Alpine's 8 MB
            debian = fb.ib.debian_base_image().expected["size"]["uncompressed"]
            assert v.base_bytes == debian
            assert v.saving == debian - alpine_size()
        if kind.startswith("glibc"):
            top = v.top_blocker
            assert top is not None and top.code == "AR404" and top.subject == "libjq.so.1.0.4"
            # pillow's PIL/ and pillow.libs/ are one distribution (its RECORD says so)
            assert not any(b.subject in ("PIL", "pillow.libs") for b in v.blockers)
            if kind == "glibc-debian":  # scan asks for zlib there (the Alpine image has it)
                pillow = [b for b in v.blockers if b.code == "AR402"]
                assert [b.subject for b in pillow] == ["pillow"]
                assert pillow[0].fix == "apk add --no-cache zlib"
        if kind == "wheel-debian":
            assert {b.subject for b in v.blockers} == {"pydantic_core"}
    counts = {
        r: sum(1 for ref in refs if fb.expected_readiness(fleet.kinds[ref]) == r.value)
        for r in Readiness
    }
    summary = report.summary()
    assert summary["ready"] == counts[Readiness.READY]
    assert summary["ready_with_changes"] == counts[Readiness.READY_WITH_CHANGES]
    assert summary["not_recommended"] == counts[Readiness.NOT_RECOMMENDED]
    movable = [i for i in report.images if i.verdict.readiness.value.startswith("ready")]
    assert summary["bytes_saved"] == sum(i.verdict.saving for i in movable) > 0


def test_a_file_of_images_judged_then_a_rerun_does_no_work(fleet: Fleet, tmp_path: Path) -> None:
    images = fleet.file(tmp_path, N_FAST)
    report = run(options(tmp_path, images_file=images))
    refs = fleet.refs[:N_FAST]
    check_verdicts(fleet, report, refs)
    st = report.stats
    # 2 bases + the glibc layer + the wheel layer + an app layer per image
    third = sum(1 for r in refs if fleet.kinds[r].startswith(("glibc", "wheel")))
    assert (st.distinct_layers, st.layer_refs) == (N_FAST + 4, 2 * N_FAST + third)
    assert st.layer_tasks == st.distinct_layers and st.image_tasks == N_FAST
    assert st.bytes_fetched > 0 and st.images_reused == 0
    # blockers ranked by images blocked: the glibc layer's
    glibc = sum(1 for r in refs if fleet.kinds[r].startswith("glibc"))
    top = report.blockers[0]
    assert top.images == glibc and top.code == "AR404"
    assert top.message.startswith(f"glibc-only-symbols of libjq.so.1.0.4 in {glibc} images")

    again = run(options(tmp_path, images_file=images))
    assert (again.stats.layer_tasks, again.stats.image_tasks, again.stats.bytes_fetched) == (
        0,
        0,
        0,
    )
    assert again.stats.images_reused == N_FAST
    assert [i.verdict for i in again.images] == [i.verdict for i in report.images]
    with sqlite3.connect(tmp_path / "fleet.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM fleet_images").fetchone()[0] == N_FAST
        assert db.execute("SELECT COUNT(*) FROM fleet_layers").fetchone()[0] == N_FAST + 4


def test_catalog_paginated_and_filtered(
    fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "PAGE", 2)  # the registry's own pagination (Link), 2 a page
    from alpine_ready.inputs.image.registry import RegistryOptions

    all_refs = sources.list_registry(fleet.registry.host, (), RegistryOptions())
    assert sorted(all_refs) == sorted(fleet.refs)
    glibc = sources.list_registry(fleet.registry.host, ("fleet/glibc-*",), RegistryOptions())
    assert glibc == sorted(r for r in fleet.refs if fleet.kinds[r].startswith("glibc"))
    with pytest.raises(InputError, match="no image found in repositories matching nope/"):
        sources.list_registry(fleet.registry.host, ("nope/*",), RegistryOptions())


class _NoCatalog(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = 200 if self.path == "/v2/" else 404
        body = b"{}" if code == 200 else b'{"errors":[{"code":"UNSUPPORTED"}]}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_registry_without_a_catalog_is_one_clear_error(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoCatalog)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = f"127.0.0.1:{server.server_address[1]}"
        r = cli("--registry", host, "--store", f"sqlite://{tmp_path / 's.db'}")
    finally:
        server.shutdown()
    assert r.returncode == 2
    assert r.stderr.startswith(f"alpine-ready: error: --registry {host}: no catalog to list")
    assert "name the images in a file instead" in r.stderr and "Traceback" not in r.stderr


def test_formats_json_schema_csv_markdown(fleet: Fleet, tmp_path: Path) -> None:
    images = fleet.file(tmp_path, N_FAST)
    store = f"sqlite://{tmp_path / 'fleet.sqlite3'}"
    common = [str(images), "--store", store, "--offline", "--cache-dir", str(tmp_path / "c")]
    r = cli(*common, "--format", "json", "--workers", "2")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    jsonschema.validate(data, schema("fleet-v1.json"))
    assert data["command"] == "fleet" and data["summary"]["images"] == N_FAST
    assert data["run"]["layer_tasks"] == N_FAST + 4
    assert len(data["items"]) == sum(
        1 for ref in fleet.refs[:N_FAST] if fb.expected_readiness(fleet.kinds[ref]) != "ready"
    )
    r = cli(*common, "--format", "csv")
    rows = r.stdout.splitlines()
    assert rows[0].startswith("image,manifest_digest,readiness,")
    assert len(rows) == N_FAST + 1 and rows[1].startswith(fleet.refs[0] + ",")
    r = cli(*common, "--format", "markdown")
    assert r.stdout.startswith(f"### alpine-ready fleet: `{images}`")
    r = cli(*common, "--fail-on", "not-recommended")
    assert r.returncode == 1 and "not-rec" in r.stdout
    r = cli(*common, "--format", "table")
    assert r.returncode == 0 and "this run: 0 layers analysed, 0 images judged" in r.stdout
    page = tmp_path / "fleet.html"
    r = cli(*common, "--format", "html", "-o", str(page))
    assert r.returncode == 0, r.stderr
    _html_in_chromium(page, data, tmp_path)


def _html_in_chromium(page: Path, data: dict[str, object], tmp_path: Path) -> None:
    """The fleet's page in headless Chromium: its figures in the DOM, a real screenshot."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is not installed (tools/install-test-deps.sh installs it)"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    html = page.read_text("utf-8")
    assert "<script" not in html.lower() and 'id="readiness-chart"' in html
    dom = subprocess.run(
        [chromium, *flags, f"--user-data-dir={tmp_path / 'p1'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    summary = data["summary"]
    assert isinstance(summary, dict)
    assert f"<b>{summary['images']}</b> images" in dom
    assert f"<title>{summary['not_recommended']} images</title>" in dom
    blockers = data["blockers"]
    assert isinstance(blockers, list) and blockers
    assert f'<code class="code">{blockers[0]["code"]}</code>' in dom
    assert dom.count("<tr><td><code>") >= summary["images"]  # every image has its row
    shot = tmp_path / "fleet.png"
    subprocess.run(
        [
            chromium,
            *flags,
            f"--user-data-dir={tmp_path / 'p2'}",
            f"--screenshot={shot}",
            "--window-size=1200,1400",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # not blank


def test_an_interrupted_run_resumes(fleet: Fleet, tmp_path: Path) -> None:
    images = fleet.file(tmp_path, N_FLEET)
    db = tmp_path / "fleet.sqlite3"
    args = [str(images), "--store", f"sqlite://{db}", "--offline", "--workers", "1"]
    args += ["--cache-dir", str(tmp_path / "c"), "--format", "json"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "alpine_ready", "fleet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    judged = 0
    deadline = time.monotonic() + 300
    while judged < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if db.exists():
            with sqlite3.connect(db) as con, contextlib.suppress(sqlite3.OperationalError):
                judged = con.execute("SELECT COUNT(*) FROM fleet_images").fetchone()[0]
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode == 143  # stopped mid-run: 128 + SIGTERM
    with sqlite3.connect(db) as con:
        done = con.execute("SELECT COUNT(*) FROM fleet_images").fetchone()[0]
    assert 5 <= done < N_FLEET

    r = cli(*args)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [i["ref"] for i in data["images"]] == fleet.refs  # every image, once
    assert data["run"]["images_reused"] == done
    assert data["run"]["image_tasks"] == N_FLEET - done
    assert data["summary"]["failed"] == 0
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM fleet_images").fetchone()[0] == N_FLEET


def test_the_fleet_of_52_from_the_catalog(fleet: Fleet, tmp_path: Path) -> None:
    report = run(options(tmp_path, registry=fleet.registry.host))
    refs = sorted(fleet.refs)
    check_verdicts(fleet, report, refs)
    assert report.source == "registry" and report.target == fleet.registry.host
    st = report.stats
    assert st.distinct_layers == N_FLEET + 4 and st.layer_tasks == N_FLEET + 4
    assert st.dedupe_ratio > 1.9
    assert report.blockers[0].images == sum(1 for r in refs if fleet.kinds[r].startswith("glibc"))
    (tmp_path / "fleet-52.txt").write_text(render("table", report))
    again = run(options(tmp_path, registry=fleet.registry.host))
    assert (again.stats.layer_tasks, again.stats.image_tasks) == (0, 0)


def test_a_pool_worker_killed_mid_run(fleet: Fleet, tmp_path: Path) -> None:
    """The local pool: a worker process killed -> the pool is rebuilt, every image once."""
    db = tmp_path / "fleet.sqlite3"
    args = [str(fleet.file(tmp_path, 20)), "--store", f"sqlite://{db}", "--offline"]
    args += ["--workers", "2", "--cache-dir", str(tmp_path / "c"), "--format", "json"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "alpine_ready", "fleet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    children: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        if db.exists():
            with sqlite3.connect(db) as con, contextlib.suppress(sqlite3.OperationalError):
                if con.execute("SELECT COUNT(*) FROM fleet_layers").fetchone()[0] >= 2:
                    found = subprocess.run(
                        ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=False
                    )
                    children = [int(p) for p in found.stdout.split()]
                    if children:
                        break
    assert children, "no pool worker to kill"
    os.kill(children[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    assert "a worker process died: restarting the pool" in err
    data = json.loads(out)
    assert [i["ref"] for i in data["images"]] == fleet.refs[:20]
    assert data["summary"]["failed"] == 0
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM fleet_images").fetchone()[0] == 20


def test_any_transport_and_progress(tmp_path: Path) -> None:
    """OCI layout references in the file (no registry); progress on stderr."""
    built = fb.build_fleet(N_FLEET)
    chosen = built.images[:5]
    images = tmp_path / "images.txt"
    images.write_text("".join(f"oci:{built.layout}:{im.tag}\n" for im in chosen))
    r = cli(
        str(images), "--store", f"sqlite://{tmp_path / 's.db'}", "--offline", "--workers", "1",
        "--cache-dir", str(tmp_path / "c"), "--format", "json", "--progress", "always",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    for got, im in zip(data["images"], chosen, strict=True):
        assert got["ref"] == f"oci:{built.layout}:{im.tag}"
        assert got["readiness"] == fb.expected_readiness(im.kind)
        assert got["manifest_digest"] == im.manifest_digest
    assert "resolving 5 manifests" in r.stderr
    assert "images 5/5, layers 9/9, " in r.stderr and " MB fetched" in r.stderr


def test_an_unreachable_registry_fails_its_images_at_once(tmp_path: Path) -> None:
    """The first image of a registry that refuses connections waits for its retries; the
    other 299 fail at once with that reason, and the log says so once."""
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    refs = [f"docker://127.0.0.1:{port}/app{i}:1" for i in range(300)]
    images = tmp_path / "images.txt"
    images.write_text("\n".join(refs) + "\n")
    r = cli(str(images), "--store", f"sqlite://{tmp_path / 'f.db'}", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["summary"]["images"] == 300 and data["summary"]["failed"] == 300
    errors = [im["error"] for im in data["images"]]
    not_tried = [e for e in errors if "could not be reached earlier in this run" in e]
    assert len(not_tried) >= 300 - 8  # at most one per resolving thread waited
    assert all("cannot reach" in e for e in errors if e not in not_tried)
    warnings = [line for line in r.stderr.splitlines() if "not tried" in line]
    assert len(warnings) == 1 and f"127.0.0.1:{port}" in warnings[0]
