"""A fixed-size pool of daemon threads that knows what each thread is running.

``concurrent.futures.ThreadPoolExecutor`` cannot say which of its threads are stuck,
and its threads are joined at interpreter exit, so one callback that never returns
would hang the process.  This pool starts at most ``workers`` daemon threads (never
more, whatever happens to the work) and records, for every busy thread, what it runs,
since when and until when it was allowed to: the coordinator uses that to fail fast
when every thread is stuck and to list what a shutdown had to abandon.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

__all__ = ["BoundedExecutor", "Running"]


@dataclass
class Running:
    """What one busy thread runs: a label, when it started and its deadline (monotonic s)."""

    label: str
    started: float
    deadline: float | None = None

    def overdue(self, now: float) -> bool:
        return self.deadline is not None and now > self.deadline


@dataclass
class _Item:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    future: Future[Any]
    label: str
    timeout: float | None


_STOP = None


class BoundedExecutor(Executor):
    """At most ``workers`` daemon threads, started on demand, that never multiply."""

    def __init__(self, workers: int, name: str) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self.name = name
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._running: dict[int, Running] = {}
        self._closed = False

    # -- Executor API
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        label = kwargs.pop("_label", getattr(fn, "__qualname__", repr(fn)))
        timeout = kwargs.pop("_timeout", None)
        if kwargs:
            inner = fn
            fn = lambda *a: inner(*a, **kwargs)  # noqa: E731
        fut: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.name}: cannot submit after shutdown")
            self._queue.put(_Item(fn, args, fut, label, timeout))
            if self._idle == 0 and len(self._threads) < self.workers:
                self._start_thread()
            else:
                self._idle -= 1 if self._idle else 0
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking work; idle threads exit.  ``wait`` joins the threads that are not stuck."""
        with self._lock:
            if not self._closed:
                self._closed = True
                if cancel_futures:
                    self._drain_queue()
                for _ in self._threads:
                    self._queue.put(_STOP)
            threads = list(self._threads)
        if wait:
            for t in threads:
                t.join()

    def join(self, timeout: float) -> list[Running]:
        """After ``shutdown``: wait up to ``timeout`` s for the threads; return what still runs."""
        end = time.monotonic() + max(0.0, timeout)
        for t in list(self._threads):
            t.join(max(0.0, end - time.monotonic()))
        return self.running()

    # -- introspection
    def running(self) -> list[Running]:
        """What every busy thread runs now."""
        with self._lock:
            return list(self._running.values())

    def overdue(self) -> int:
        """How many threads run work past its deadline (stuck, as far as anyone can tell)."""
        now = time.monotonic()
        with self._lock:
            return sum(1 for r in self._running.values() if r.overdue(now))

    @property
    def threads(self) -> int:
        """Threads started so far (at most ``workers``)."""
        return len(self._threads)

    # -- internals
    def _start_thread(self) -> None:
        t = threading.Thread(target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True)
        self._threads.append(t)
        t.start()

    def _drain_queue(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item.future.cancel()

    def _work(self) -> None:
        me = threading.get_ident()
        while True:
            item = self._queue.get()
            if item is None:
                return
            if not item.future.set_running_or_notify_cancel():
                self._became_idle()
                continue
            now = time.monotonic()
            with self._lock:
                self._running[me] = Running(item.label, now, None if item.timeout is None else now + item.timeout)
            try:
                result = item.fn(*item.args)
            except BaseException as exc:  # noqa: BLE001 - the future carries every failure
                item.future.set_exception(exc)
            else:
                item.future.set_result(result)
            finally:
                with self._lock:
                    self._running.pop(me, None)
                del item
            self._became_idle()

    def _became_idle(self) -> None:
        with self._lock:
            self._idle += 1
