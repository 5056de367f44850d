"""Hostile inputs for ``fleet`` (area ``fleet``): images files, stores, registry catalogs.

An images file with NUL bytes, one 10 MB line (and one of 7 MB, under the limit),
a million duplicate lines, references carrying terminal escapes; ``--store`` naming
a text file, a directory, a corrupt SQLite file, a database whose ``fleet_`` tables
have the wrong shape, an unreachable PostgreSQL server and one that accepts and
never answers; ``--registry`` of a catalog server (a threaded ``http.server`` started
here, alive while the runner runs) answering a 9 MB page, JSON nested a million
deep, a ``Link`` that points back at itself, 600,000 repositories.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import socket
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for sub in ("tests", "tools", "src", "benchmarks"):
    if str(ROOT / sub) not in sys.path:
        sys.path.insert(0, str(ROOT / sub))

from hostile._case import Case  # noqa: E402


def _no_escape(out: str, err: str) -> str | None:
    for stream, text in (("stdout", out), ("stderr", err)):
        if "\x1b" in text or "\x07" in text:
            return f"raw control character on {stream}"
    return None


# -- a catalog server ---------------------------------------------------------------------------


class _QuietServer(http.server.ThreadingHTTPServer):
    """A client hanging up on a page it refuses is expected: no traceback on the console."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def _names(prefix: str, n: int) -> bytes:
    """``{"repositories": ["PREFIX0", …]}``, built without a list of ``n`` strings.

    The runner forks every case from its own process, and Linux counts what a process
    held before ``exec`` in its peak RSS: what is built here must stay small.
    """
    buf = io.BytesIO()
    buf.write(b'{"repositories": [')
    for i in range(n):
        buf.write(b'%s"%s%d"' % (b", " if i else b"", prefix.encode(), i))
    buf.write(b"]}")
    return buf.getvalue()


def _body(mode: str) -> bytes:
    if mode == "deep":
        return b'{"repositories": ' + b"[" * 1_000_000 + b"]" * 1_000_000 + b"}"
    if mode == "big":  # 9 MB
        return b'{"repositories": [' + b", ".join([b'"' + b"r" * 100 + b'"'] * 90_000) + b"]}"
    if mode == "many":
        return _names("r", 600_000)
    if mode in ("endless", "loop"):
        return _names(mode[0], 1000)
    if mode == "empty":
        return b'{"repositories": []}'
    if mode == "notjson":
        return b"\xff\xfe<html>" * 1000
    if mode == "escape":
        return json.dumps({"repositories": ["evil\x1b]0;pwned\x07"]}).encode()
    return json.dumps({"repositories": ["a"]}).encode()  # deeptags


class _Catalog:
    """A registry whose ``/v2/_catalog`` and tag lists answer what ``mode`` says."""

    def __init__(self) -> None:
        self._body: bytes | None = None
        catalog = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per page

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                catalog.serve(self)

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, h: http.server.BaseHTTPRequestHandler) -> None:
        path = h.path
        headers: dict[str, str] = {}
        body = b'{"errors":[{"code":"NAME_UNKNOWN"}]}'
        status = 404
        if path == "/v2/":
            status, body = 200, b"{}"
        elif path.startswith("/v2/_catalog"):
            if self._body is None:
                self._body = _body(self.mode)
            status, body = 200, self._body
            if self.mode == "loop":
                headers["Link"] = '</v2/_catalog?n=1000&last=l999>; rel="next"'
            elif self.mode in ("endless", "empty"):
                self.served += 1
                headers["Link"] = f'</v2/_catalog?n=1000&last=p{self.served}>; rel="next"'
        elif "/tags/list" in path:
            status = 200
            if self.mode == "deeptags":
                body = b'{"tags": ' + b"[" * 1_000_000 + b"]" * 1_000_000 + b"}"
            else:
                body = b'{"name": "x", "tags": ["1"]}'
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        with contextlib.suppress(OSError):
            h.wfile.write(body)

    mode = "deep"  # set per server by _Servers
    served = 0


class _Servers:
    """One catalog server per mode (the mode is the server's, so cases never race)."""

    def __init__(self) -> None:
        self.by_mode: dict[str, _Catalog] = {}

    def host(self, mode: str) -> str:
        if mode not in self.by_mode:
            c = _Catalog()
            c.mode = mode
            self.by_mode[mode] = c
        srv = self.by_mode[mode].server
        return f"127.0.0.1:{srv.server_address[1]}"


def _silent_server() -> int:
    """A TCP port that accepts connections and never says a word."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            conn, _ = sock.accept()
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    return int(sock.getsockname()[1])


# -- cases ----------------------------------------------------------------------------------------


def _file_cases(work: Path) -> list[Case]:
    def f(name: str, data: bytes) -> Path:
        p = work / name
        if not p.exists():
            p.write_bytes(data)
        return p

    refusing = "127.0.0.1:1/app:1"
    files = [
        ("NUL bytes", f("nul.txt", b"oci:\x00/x:t\nlocalhost:1/a\x00b:1\n\x00\x00\x00\n"), None),
        ("one 10 MB line", f("line10m.txt", b"a" * (10 << 20) + b"\n"), (2,)),
        ("one 7 MB line", f("line7m.txt", b"localhost:1/" + b"a" * (7 << 20) + b":1\n"), None),
        ("1,000,000 duplicate lines", f("dups.txt", (refusing + "\n").encode() * 1_000_000), None),
        ("not UTF-8", f("latin1.txt", b"caf\xe9:1\n"), (2,)),
        ("only comments", f("comments.txt", b"# nothing\n   # here\n\n"), (2,)),
        (
            "references with terminal escapes",
            f("escape.txt", b"\x1b]0;pwned\x07evil:1\nlocalhost:1/\x1b[2Jx:1\n\xe2\x80\xae:1\n"),
            None,
        ),
        (
            "200,000 distinct references to a refusing registry",
            f("distinct.txt", b"".join(b"127.0.0.1:1/r%d:1\n" % i for i in range(200_000))),
            None,
        ),
    ]
    out = []
    for title, path, exits in files:
        out.append(
            Case(
                12,
                f"fleet images file: {title}",
                ["fleet", str(path), "--offline"],
                work,
                exits=exits or (0, 1, 2),
                untouched=(path,),
                check=_no_escape,
            )
        )
    fifo = work / "images.fifo"
    if not fifo.exists():
        import os

        os.mkfifo(fifo)
    out.append(
        Case(
            12,
            "fleet images file: a FIFO nobody writes",
            ["fleet", str(fifo), "--offline"],
            work,
            exits=(2,),
        )
    )
    out.append(
        Case(
            12,
            "fleet images file: /dev/zero",
            ["fleet", "/dev/zero", "--offline"],
            work,
            exits=(2,),
        )
    )
    return out


def _store_cases(work: Path) -> list[Case]:
    images = work / "one.txt"
    images.write_text("127.0.0.1:1/app:1\n")
    text = work / "notes.txt"
    text.write_text("my notes, not a database\n" * 100)
    corrupt = work / "corrupt.sqlite3"
    if not corrupt.exists():
        corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    wrong = work / "wrong.sqlite3"
    if not wrong.exists():
        db = sqlite3.connect(wrong)
        db.execute("CREATE TABLE fleet_images (x INTEGER)")
        db.execute("CREATE TABLE fleet_layers (digest BLOB)")
        db.execute("CREATE TABLE fleet_refs (ref TEXT)")
        db.execute("INSERT INTO fleet_refs VALUES ('keep')")
        db.commit()
        db.close()
    payload = work / "payload.sqlite3"
    if not payload.exists():
        db = sqlite3.connect(payload)
        db.execute(
            "CREATE TABLE fleet_images (manifest_digest TEXT PRIMARY KEY, version INTEGER NOT "
            "NULL, readiness TEXT NOT NULL, payload TEXT NOT NULL, updated DOUBLE PRECISION)"
        )
        db.execute(
            "INSERT INTO fleet_images VALUES ('sha256:' || hex(randomblob(32)), 1, 'ready', "
            "'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', 0)"
        )
        db.commit()
        db.close()
    directory = work / "store-dir"
    directory.mkdir(exist_ok=True)
    silent = _silent_server()
    stores = [
        ("a text file", f"sqlite:///{text}", (text,), (2,)),
        ("a directory", f"sqlite:///{directory}", (directory,), (2,)),
        ("a corrupt SQLite file", f"sqlite:///{corrupt}", (corrupt,), (2,)),
        ("tables of the wrong shape", f"sqlite:///{wrong}", (), (0, 2)),
        ("a verdict payload nested deep", f"sqlite:///{payload}", (), (0, 1, 2)),
        ("/dev/null", "sqlite:////dev/null", (Path("/dev/null"),), (2,)),
        ("a path under a file", f"sqlite:///{text}/sub.db", (text,), (2,)),
        ("postgresql:// refused", "postgresql://u@127.0.0.1:1/db", (), (2,)),
        ("postgresql:// silent", f"postgresql://u@127.0.0.1:{silent}/db", (), (2,)),
        ("postgresql:// escapes", "postgresql://u@\x1b]0;x\x07:1/db", (), (2,)),
        ("an unknown scheme", "mysql://root:secret@db/x", (), (2,)),
    ]
    return [
        Case(
            12,
            f"fleet --store {title}",
            ["fleet", str(images), "--offline", "--store", url],
            work,
            exits=exits,
            untouched=untouched,
            check=lambda out, err: (
                _no_escape(out, err) or ("secret" in err and "password shown") or None
            ),
        )
        for title, url, untouched, exits in stores
    ]


def _catalog_cases(work: Path) -> list[Case]:
    servers = _Servers()
    modes = [
        ("deep", "catalog JSON nested 1,000,000 deep", (2,)),
        ("deeptags", "tag list JSON nested 1,000,000 deep", (2,)),
        ("big", "a 9 MB catalog page", (2,)),
        ("notjson", "a catalog page that is not JSON", (2,)),
        ("loop", "a Link that points back at its own page", (2,)),
        ("endless", "endless distinct next pages of 1,000", (2,)),
        ("empty", "endless distinct empty next pages", (2,)),
        ("many", "600,000 repositories, a filter matching none", (2,)),
        ("escape", "a repository named with a terminal escape", (2,)),
    ]
    return [
        Case(
            12,
            f"fleet --registry: {title}",
            [
                "fleet",
                "--registry",
                servers.host(mode),
                "--offline",
                *(["--repository-filter", "team-z/*"] if mode == "many" else []),
            ],
            work,
            exits=exits,
            check=_no_escape,
        )
        for mode, title, exits in modes
    ]


def cases(work: Path) -> list[Case]:
    return [*_file_cases(work), *_store_cases(work), *_catalog_cases(work)]
