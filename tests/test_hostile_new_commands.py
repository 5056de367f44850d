"""Hostile inputs for verify, check and fleet: regressions of benchmarks/hostile/ findings.

Each test is a case of ``benchmarks/hostile/{verify,check,fleet}.py`` that once broke
a promise of docs/security.md, run on real inputs (images written by
tests/imagebuild.py, the real CLI in a subprocess).  No timing assertions: those are
the benchmark's.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import imagebuild as ib
from alpine_ready.verify import smoke


def cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess (its own cache directory under ``cwd``)."""
    env = dict(os.environ, NO_COLOR="1", XDG_CACHE_HOME=str(cwd / "xdg"))
    return subprocess.run(
        [sys.executable, "-m", "alpine_ready", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def small_image(tmp: Path, name: str, ops: list[Any]) -> str:
    """An OCI layout with one layer of ``ops``; its ``oci:`` reference."""
    spec = ib.ImageSpec([ib.Layer(ops, f"COPY {name} /")], tag="t", repo=f"alpine-ready/{name}")
    img = ib.write_blobs(spec, tmp / f".work-{name}", track=False)
    ib.write_oci_layout(img, tmp / name, "t")
    return f"oci:{tmp / name}:t"


def test_verify_whiteouts_of_the_root_and_its_parent_remove_nothing(
    tmp_path: Path, alpine_rootfs: Path
) -> None:
    # ".wh.." names "." (the root itself) and ".wh..." names ".." (what holds the root):
    # verify's unpacker removed them, then crashed on its own missing directory
    loader = "lib/ld-musl-x86_64.so.1"
    ref = small_image(
        tmp_path,
        "whiteouts",
        [
            ib.File(loader, alpine_rootfs / loader, 0o755),
            ib.Raw("a", content=b"a"),
            ib.Raw(".wh.."),
            ib.Raw(".wh..."),
            ib.Raw("sub/.wh..."),
            ib.Raw("b", content=b"b"),
        ],
    )
    cache = tmp_path / "cache"
    r = cli("verify", ref, "--cache-dir", str(cache), "--no-imports", cwd=tmp_path)
    assert "Traceback" not in r.stderr and "a bug in alpine-ready" not in r.stderr, r.stderr
    assert r.returncode in (0, 1), r.stderr
    (root,) = (cache / "verify" / "images").glob("*/rootfs")
    assert (root / "a").read_bytes() == b"a" and (root / "b").read_bytes() == b"b"
    assert (root / loader).is_file()


# -- fleet ----------------------------------------------------------------------------------------


class _Catalog:
    """A registry whose catalog answers ``body`` with a ``Link`` from ``link(n)`` (n: page)."""

    def __init__(self, body: bytes, link: Callable[[int], str | None] = lambda n: None) -> None:
        served = [0]

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, out, nxt = 404, b"{}", None
                if self.path == "/v2/":
                    status = 200
                elif self.path.startswith("/v2/_catalog"):
                    served[0] += 1
                    status, out, nxt = 200, body, link(served[0])
                elif "/tags/list" in self.path:
                    status, out = 200, b'{"tags": ["1"]}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                if nxt:
                    self.send_header("Link", f'<{nxt}>; rel="next"')
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(out)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.host = f"127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _fleet_error(tmp_path: Path, *args: str) -> str:
    r = cli("fleet", *args, "--offline", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "a bug in alpine-ready" not in r.stderr, r.stderr
    assert "nested too deeply" not in r.stderr, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("alpine-ready: error: ")]
    assert len(errors) == 1, r.stderr
    return errors[0]


def test_fleet_catalog_nested_a_million_deep_is_not_a_list(tmp_path: Path) -> None:
    # json.loads raised RecursionError, which reached the CLI's last line of defence
    server = _Catalog(b'{"repositories": ' + b"[" * 1_000_000 + b"]" * 1_000_000 + b"}")
    try:
        assert "not a list of repositories" in _fleet_error(tmp_path, "--registry", server.host)
    finally:
        server.close()


def test_fleet_catalog_link_back_to_its_own_page_is_a_loop(tmp_path: Path) -> None:
    # the same page was fetched 100,000 times, its entries kept each time
    body = json.dumps({"repositories": [f"r{i}" for i in range(1000)]}).encode()
    server = _Catalog(body, lambda n: "/v2/_catalog?n=1000&last=r999")
    try:
        assert "(a loop)" in _fleet_error(tmp_path, "--registry", server.host)
    finally:
        server.close()


def test_fleet_catalog_without_end_is_refused_at_a_million_entries(tmp_path: Path) -> None:
    body = json.dumps({"repositories": [f"r{i}" for i in range(1000)]}).encode()
    server = _Catalog(body, lambda n: f"/v2/_catalog?n=1000&last=p{n}")
    try:
        assert "more than 1000000 repositories" in _fleet_error(tmp_path, "--registry", server.host)
    finally:
        server.close()


def test_fleet_catalog_names_that_are_no_repository_are_left_out(tmp_path: Path) -> None:
    # "evil\x1b]0;…" was asked for as a path, and each ask retried (16 s) before failing
    server = _Catalog(json.dumps({"repositories": ["evil\x1b]0;pwned\x07", "a b"]}).encode())
    try:
        line = _fleet_error(tmp_path, "--registry", server.host)
        assert line.endswith("no image found") and "\x1b" not in line
    finally:
        server.close()


def test_fleet_store_url_that_urllib_cannot_split_is_an_input_error(tmp_path: Path) -> None:
    images = tmp_path / "images.txt"
    images.write_text("127.0.0.1:1/app:1\n")
    line = _fleet_error(tmp_path, str(images), "--store", "postgresql://u@\x1b]0;x\x07:1/db")
    assert "not a URL" in line and "\x1b" not in line


def test_fleet_store_server_that_never_answers_is_given_up_in_seconds(tmp_path: Path) -> None:
    images = tmp_path / "images.txt"
    images.write_text("127.0.0.1:1/app:1\n")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        start = time.monotonic()
        line = _fleet_error(tmp_path, str(images), "--store", f"postgresql://u@127.0.0.1:{port}/db")
        took = time.monotonic() - start
    assert "cannot connect" in line
    assert took < 30, took  # was connect_timeout=30; now store.CONNECT_TIMEOUT


# -- check ----------------------------------------------------------------------------------------


def test_check_does_not_read_a_dockerfile_linked_outside_the_project(tmp_path: Path) -> None:
    # check translated the link's target and printed it in the diff: a file outside
    # the project (deps' ProjectBoundary already refused its dependency files)
    secret = tmp_path / "secret.txt"
    secret.write_text("FROM debian:12\nRUN echo TOKEN-1234567890\n")
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "Dockerfile").symlink_to(secret)
    r = cli("check", str(proj), "--offline", cwd=tmp_path)
    assert "Traceback" not in r.stderr, r.stderr
    assert "TOKEN-1234567890" not in r.stdout + r.stderr
    assert "leads outside the project" in r.stdout


def test_check_and_verify_configs_nested_too_deep_are_one_line_errors(
    tmp_path: Path, alpine_rootfs: Path
) -> None:
    # tomllib recurses per level: RecursionError reached the CLI's last line of defence
    deep = "[" * 200_000 + "]" * 200_000
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text(f"[tool.alpine-ready.check]\nx = {deep}\n")
    line = _fleet_error_free(cli("check", str(proj), "--offline", cwd=tmp_path))
    assert "pyproject.toml: not a readable TOML file" in line
    app = tmp_path / "app"
    app.mkdir()
    (app / ".alpine-ready.toml").write_text(f"[[verify.commands]]\nargs = {deep}\n")
    line = _fleet_error_free(cli("verify", str(app), "--against", str(alpine_rootfs), cwd=tmp_path))
    assert ".alpine-ready.toml: not a readable TOML file" in line


def _fleet_error_free(r: subprocess.CompletedProcess[str]) -> str:
    """The one error line of an exit-2 run that no last-resort handler produced."""
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "nested too deeply" not in r.stderr, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("alpine-ready: error: ")]
    assert len(errors) == 1, r.stderr
    return errors[0]


# -- verify's smoke commands ----------------------------------------------------------------------


def test_verify_refuses_more_smoke_commands_than_it_runs(
    tmp_path: Path, alpine_rootfs: Path
) -> None:
    # 20,000 commands (740 KB of config) were 20,000 sandbox runs
    app = tmp_path / "app"
    app.mkdir()
    (app / ".alpine-ready.toml").write_text('[[verify.commands]]\ncommand = "true"\n' * 20_000)
    r = cli("verify", str(app), "--against", str(alpine_rootfs), cwd=tmp_path)
    line = _fleet_error_free(r)
    assert f"more than verify runs ({smoke.MAX_COMMANDS})" in line


def test_a_backtracking_expected_output_pattern_gives_up() -> None:
    # "^(a+)+$" on 40 a's and a "!" backtracked for ever in the CLI's own process
    cmd = smoke.SmokeCommand("x", ("x",), 0, expected=("^(a+)+$",), excluded=("(b+)+$",))
    start = time.monotonic()
    problems = cmd.check(0, "a" * 40 + "!\n" + "b" * 40 + "!")
    assert time.monotonic() - start < 4 * smoke.MATCH_SECONDS + 2
    assert len(problems) == 2 and all("matching gave up" in p for p in problems)
    assert cmd.check(0, "aaaa") == []  # an ordinary match is untouched
