"""Where fleet results live: one small interface, SQLite (default) or PostgreSQL.

Everything is keyed by digest -- a layer's analysis summary by its blob digest, an
image's verdict by its manifest digest, a reference by its name -- and written with
one upsert (``INSERT … ON CONFLICT DO UPDATE``), so a task that ran twice (a worker
died after finishing it, a retry) leaves one row, never two.  A result is committed
as soon as it comes back: an interrupted run loses nothing it had, and the next run
skips every manifest whose verdict is stored (of the current
:data:`~.verdict.VERDICT_VERSION`) and every layer already analysed.

Only the coordinating process (the CLI) writes: workers return results, so a Dask
worker on another machine needs no access to the store.

URLs: ``sqlite:///ABSOLUTE/PATH`` or ``sqlite://RELATIVE/PATH`` (``sqlite3``, the
standard library), ``postgresql://user:pass@host:port/db`` or
``postgresql:///db?host=/socket/dir`` (psycopg 3, the ``fleet`` extra).  Tables are
created when missing, prefixed ``fleet_``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from ..errors import InputError
from ..guard.text import excerpt
from ..net.urls import redact
from .model import ImageVerdict, LayerResult, Readiness

log = logging.getLogger(__name__)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS fleet_layers (
        digest TEXT PRIMARY KEY, compressed BIGINT NOT NULL, uncompressed BIGINT NOT NULL,
        files INTEGER NOT NULL, elf_files INTEGER NOT NULL, seconds DOUBLE PRECISION NOT NULL,
        fetched BIGINT NOT NULL, updated DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS fleet_images (
        manifest_digest TEXT PRIMARY KEY, version INTEGER NOT NULL, readiness TEXT NOT NULL,
        payload TEXT NOT NULL, updated DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS fleet_refs (
        ref TEXT PRIMARY KEY, manifest_digest TEXT NOT NULL, updated DOUBLE PRECISION NOT NULL)""",
)
_PUT_LAYER = """INSERT INTO fleet_layers
    (digest, compressed, uncompressed, files, elf_files, seconds, fetched, updated)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (digest) DO UPDATE SET compressed = excluded.compressed,
    uncompressed = excluded.uncompressed, files = excluded.files,
    elf_files = excluded.elf_files, seconds = excluded.seconds, fetched = excluded.fetched,
    updated = excluded.updated"""
_PUT_IMAGE = """INSERT INTO fleet_images (manifest_digest, version, readiness, payload, updated)
    VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (manifest_digest) DO UPDATE SET version = excluded.version,
    readiness = excluded.readiness, payload = excluded.payload, updated = excluded.updated"""
_PUT_REF = """INSERT INTO fleet_refs (ref, manifest_digest, updated) VALUES (?, ?, ?)
    ON CONFLICT (ref) DO UPDATE SET manifest_digest = excluded.manifest_digest,
    updated = excluded.updated"""
_CHUNK = 500  # digests per IN (…) query
CONNECT_TIMEOUT = 5  # seconds: a server that accepts and never answers is refused in time


class Store(Protocol):
    """The fleet's results, keyed by digest (see the module doc)."""

    url: str  # for messages (no password)

    def known_layers(self, digests: Iterable[str]) -> set[str]:
        """Which of these layer digests are analysed already."""
        ...

    def put_layer(self, result: LayerResult) -> None:
        """Record a layer's analysis (an upsert)."""
        ...

    def verdicts(self, manifest_digests: Iterable[str], version: int) -> dict[str, ImageVerdict]:
        """The stored verdicts of these manifests, of ``version`` (failures left out)."""
        ...

    def put_verdict(self, verdict: ImageVerdict, version: int) -> None:
        """Record an image's verdict (an upsert)."""
        ...

    def put_refs(self, refs: Sequence[tuple[str, str]]) -> None:
        """Record which manifest each reference named on this run."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows per table (for tests and ``-v``)."""
        ...

    def close(self) -> None:
        """Commit and close."""
        ...


class _SqlStore:
    """The SQL both stores share; ``_param`` is the driver's placeholder."""

    _param = "?"
    url = ""

    def _sql(self, text: str) -> str:
        return text if self._param == "?" else text.replace("?", self._param)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _in(self, select: str, keys: Iterable[str]) -> list[tuple[Any, ...]]:
        keys = list(dict.fromkeys(keys))
        rows: list[tuple[Any, ...]] = []
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i : i + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows += self._execute(self._sql(select.format(marks=marks)), chunk)
        return rows

    def known_layers(self, digests: Iterable[str]) -> set[str]:
        rows = self._in("SELECT digest FROM fleet_layers WHERE digest IN ({marks})", digests)
        return {str(r[0]) for r in rows}

    def put_layer(self, result: LayerResult) -> None:
        self._execute(
            self._sql(_PUT_LAYER),
            (
                result.digest,
                result.compressed,
                result.uncompressed,
                result.files,
                result.elf_files,
                result.seconds,
                result.fetched,
                time.time(),
            ),
        )

    def verdicts(self, manifest_digests: Iterable[str], version: int) -> dict[str, ImageVerdict]:
        rows = self._in(
            "SELECT manifest_digest, version, readiness, payload FROM fleet_images "
            "WHERE manifest_digest IN ({marks})",
            manifest_digests,
        )
        out = {}
        for digest, ver, readiness, payload in rows:
            if int(ver) != version or readiness == Readiness.FAILED.value:
                continue
            try:
                out[str(digest)] = ImageVerdict.from_json(json.loads(payload))
            except (ValueError, KeyError, TypeError, StopIteration) as exc:
                log.warning(
                    "store %s: verdict of %s unreadable (%s): judged again", self.url, digest, exc
                )
        return out

    def put_verdict(self, verdict: ImageVerdict, version: int) -> None:
        self._execute(
            self._sql(_PUT_IMAGE),
            (
                verdict.manifest_digest,
                version,
                verdict.readiness.value,
                json.dumps(verdict.to_json(), sort_keys=True),
                time.time(),
            ),
        )

    def put_refs(self, refs: Sequence[tuple[str, str]]) -> None:
        now = time.time()
        for ref, digest in refs:
            self._execute(self._sql(_PUT_REF), (ref, digest, now))

    def counts(self) -> dict[str, int]:
        return {
            t: int(self._execute(f"SELECT COUNT(*) FROM fleet_{t}")[0][0])
            for t in ("layers", "images", "refs")
        }


class SqliteStore(_SqlStore):
    """The default store: one SQLite file (WAL; every write committed at once)."""

    def __init__(self, path: Path) -> None:
        self.url = f"sqlite:///{path}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            for sql in _SCHEMA:
                self._db.execute(sql)
        except (OSError, sqlite3.Error) as exc:
            raise InputError(f"--store {self.url}: cannot open the SQLite store ({exc})") from None

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self._db.execute(sql, tuple(params)).fetchall())
        except sqlite3.Error as exc:
            raise InputError(f"--store {self.url}: {exc}") from None

    def close(self) -> None:
        self._db.close()


class PostgresStore(_SqlStore):
    """A PostgreSQL store for a team (psycopg 3; autocommit, one row per upsert)."""

    _param = "%s"

    def __init__(self, url: str) -> None:
        self.url = shown_url(url)
        try:
            import psycopg
        except ImportError:
            raise InputError(
                "--store postgresql://…: psycopg is not installed "
                "(pip install 'alpine-ready[fleet]')"
            ) from None
        self._errors: type[Exception] = psycopg.Error
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
            for sql in _SCHEMA:
                self._db.execute(sql)
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"--store {self.url}: cannot connect ({first})") from None

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            cur = self._db.execute(sql, tuple(params))
            return list(cur.fetchall()) if cur.description is not None else []
        except self._errors as exc:
            raise InputError(f"--store {self.url}: {str(exc).strip()[:300]}") from None

    def close(self) -> None:
        self._db.close()


def shown_url(url: str) -> str:
    """A database URL as messages show it: no user, no password, no options.

    A Unix-socket server (``postgresql:///db?host=/run/pg&port=5433``) is shown as
    ``postgresql:///run/pg:5433/db``.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    if not host:
        query = urllib.parse.parse_qs(parts.query)
        host = query.get("host", [""])[0]
        if host and "port" in query:
            host += f":{query['port'][0]}"
    return f"{parts.scheme}://{host}{parts.path}"


def open_store(url: str | None, default_dir: Path | None) -> Store:
    """The store a ``--store`` URL names (None: SQLite under ``default_dir``)."""
    if url is None:
        if default_dir is None:
            raise InputError("--store: no cache directory for the default store; name one")
        return SqliteStore(default_dir / "fleet" / "fleet.sqlite3")
    try:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme in ("postgresql", "postgres"):
            urllib.parse.urlsplit(url).port  # noqa: B018 -- a bad port raises here
    except ValueError as exc:
        raise InputError(f"--store {excerpt(url)}: not a URL ({exc})") from None
    if scheme == "sqlite":
        rest = url.split(":", 1)[1]
        if not rest.startswith("//") or not rest[2:]:
            raise InputError(
                f"--store {url}: expected sqlite:///ABSOLUTE/PATH or sqlite://RELATIVE"
            )
        path = rest[2:]  # sqlite:///tmp/f.db -> /tmp/f.db; sqlite://f.db -> f.db
        return SqliteStore(Path(path))
    if scheme in ("postgresql", "postgres"):
        return PostgresStore(url)
    raise InputError(f"--store {redact(url)}: expected sqlite:///PATH or postgresql://…")
