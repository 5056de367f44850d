"""Where the fleet's tasks run: a local process pool, or Dask distributed.  No scheduler here.

Both runners take tasks as ``submit(key, fn, *args)`` and hand back results as they
finish (``next_done()``, blocking): the engine decides what to submit next.

- :class:`PoolRunner` (the default): ``concurrent.futures.ProcessPoolExecutor``.  A
  worker process that dies breaks the pool: the pool is made again and every task
  that had not come back is submitted again (at most :data:`POOL_RESTARTS` times).
- :class:`DaskRunner` (``--dask local`` or ``--dask tcp://HOST:PORT``): a
  ``distributed.Client`` on a ``LocalCluster`` or an existing scheduler.  Tasks are
  submitted with ``retries=`` and ``pure=False``; a worker lost mid-task has its
  tasks rescheduled by the scheduler; results stream back through ``as_completed``.
  Workers import ``alpine_ready``: it must be installed where they run.

Running a task twice is harmless: the store's writes are upserts by digest.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from ..errors import InputError

log = logging.getLogger(__name__)

POOL_RESTARTS = 3
DASK_RETRIES = 3

Done = tuple[str, Any, BaseException | None]  # key, result, error


class Runner(Protocol):
    """Runs tasks somewhere; results in the order they finish."""

    description: str

    def submit(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        """Start ``fn(*args)``; its result comes back from :meth:`next_done` under ``key``."""
        ...

    @property
    def pending(self) -> int:
        """Tasks submitted whose result has not been handed back."""
        ...

    def next_done(self) -> Done:
        """The next finished task (blocks)."""
        ...

    def close(self) -> None:
        """Stop: tasks not finished are cancelled."""
        ...


class PoolRunner:
    """A local pool of ``workers`` processes (forked, as the scan engine's pools are)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.description = f"local process pool, {self.workers} workers"
        self._pool = self._new_pool()
        self._futures: dict[Future[Any], tuple[str, Callable[..., Any], tuple[Any, ...]]] = {}
        self._ready: list[Done] = []
        self.restarts = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context(method)
        )

    def submit(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        self._futures[self._pool.submit(fn, *args)] = (key, fn, args)

    @property
    def pending(self) -> int:
        return len(self._futures) + len(self._ready)

    def next_done(self) -> Done:
        while not self._ready:
            done, _ = wait(list(self._futures), return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                key, fn, args = self._futures.pop(fut)
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    broken = True
                    self._futures[fut] = (key, fn, args)  # submitted again below
                    continue
                self._ready.append((key, None if exc else fut.result(), exc))
            if broken:
                self._restart()
        return self._ready.pop(0)

    def _restart(self) -> None:
        """A worker died: a new pool, and every task not back submitted again."""
        self.restarts += 1
        if self.restarts > POOL_RESTARTS:
            raise InputError(
                f"fleet: worker processes died {self.restarts} times (out of memory?); "
                "stopped (the results so far are in the store: run again to resume)"
            )
        log.warning(
            "a worker process died: restarting the pool, resubmitting %d tasks", len(self._futures)
        )
        again = list(self._futures.values())
        self._futures.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()
        for key, fn, args in again:
            self.submit(key, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._futures.clear()


class DaskRunner:
    """Tasks on Dask distributed: a ``LocalCluster`` (``local``) or a scheduler address."""

    def __init__(self, address: str, workers: int) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError:
            raise InputError(
                "--dask: dask.distributed is not installed (pip install 'alpine-ready[fleet]')"
            ) from None
        self._cluster: Any = None
        try:
            if address == "local":
                n = max(1, workers or (os.cpu_count() or 1))
                self._cluster = distributed.LocalCluster(
                    n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self._client = distributed.Client(self._cluster)
                self.description = f"dask LocalCluster, {n} workers"
            else:
                self._client = distributed.Client(address, timeout=30)
                n = len(self._client.scheduler_info().get("workers", {}))
                self.description = f"dask scheduler {address}, {n} workers"
        except (OSError, TimeoutError) as exc:
            self._shutdown()
            raise InputError(f"--dask {address}: cannot reach the scheduler ({exc})") from None
        self._run = uuid.uuid4().hex[:8]
        self._keys: dict[str, str] = {}  # dask key -> ours
        self._done = distributed.as_completed()

    def submit(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        dask_key = f"alpine-ready-fleet-{self._run}-{key}"
        self._keys[dask_key] = key
        fut = self._client.submit(fn, *args, key=dask_key, pure=False, retries=DASK_RETRIES)
        self._done.add(fut)

    @property
    def pending(self) -> int:
        return len(self._keys)

    def next_done(self) -> Done:
        fut = next(self._done)
        key = self._keys.pop(fut.key)
        if fut.status == "error":
            exc = fut.exception()
            fut.release()
            return key, None, exc if isinstance(exc, BaseException) else RuntimeError(str(exc))
        if fut.status == "cancelled":
            fut.release()
            return key, None, RuntimeError("cancelled by the scheduler")
        result = fut.result()
        fut.release()
        return key, result, None

    def _shutdown(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()

    def close(self) -> None:
        self._done.clear()
        self._shutdown()


def make_runner(dask: str | None, workers: int) -> Runner:
    """The runner ``--dask`` / ``--workers`` ask for."""
    if dask is None:
        return PoolRunner(workers or (os.cpu_count() or 1))
    return DaskRunner(dask, workers)
