"""``Coordinator``: many jobs at once, bounded, cancellable, observable, cleanly shut down."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import inspect
import itertools
import logging
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from threadx import _core
from threadx._inputs import FieldErrors
from threadx.coordinator._cache import ResultCache, Uncollected, estimate_nbytes
from threadx.coordinator._executor import BoundedExecutor
from threadx.coordinator._metrics import CoordinatorStats, Metrics, health, prometheus_collector
from threadx.coordinator._queue import Slots
from threadx.coordinator._tasks import TaskRegistry
from threadx.requests import _Request
from threadx.errors import (
    CallbackTimeoutError,
    CancelledError,
    CoordinatorClosedError,
    TaskTimeoutError,
    ThreadXError,
    ValidationError,
)

__all__ = ["Coordinator", "CoordinatorStats", "Job", "JobStatus", "Request", "ShutdownSummary"]

log = logging.getLogger("threadx.coordinator")

DEFAULT_CACHE_BYTES = 0  # off: hashing reads every input byte, which costs more than many kernels
DEFAULT_UNCOLLECTED_BYTES = 256 * 2**20  # results of finished jobs nobody took yet, kept for lookups by id
_DONE_KEPT = 1_000  # ... and at most this many of those jobs
_CANCEL_GRACE = 1.0  # s a shutdown gives cancelled callback coroutines to stop (less if its deadline is nearer)
_STOP_GRACE = 0.5  # s past a shutdown's deadline for cancelled jobs to stop (native loops take milliseconds)


class Request(Protocol):
    """What ``Coordinator.submit`` takes: every ``threadx.requests`` struct fits.

    ``validate()`` raises ``ValidationError`` (called before anything is queued, on a
    coordinator thread, except for ``threadx.requests`` structs, valid from birth);
    ``run()`` computes the result and, when it takes ``cancel=``, stops with the token.
    """

    def validate(self) -> Any: ...

    def run(self, *args: Any, **kwargs: Any) -> Any: ...


class JobStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"


Callback = Callable[["Job"], Any]


class Job:
    """One submitted request.  Awaitable: ``result = await job``.

    ``await job`` raises the job's error: ``threadx.errors.CancelledError`` after
    ``cancel()`` or a shutdown, ``TaskTimeoutError`` after its timeout, or what the
    request raised.  Cancelling the task that awaits a job cancels the job too and
    raises ``asyncio.CancelledError`` in that task.
    """

    __slots__ = ("id", "request", "status", "timeout", "callback", "submitted_at", "started_at",
                 "finished_at", "_future", "_token", "_co", "_taken", "_timer", "_holds_slot", "_on_thread",
                 "__weakref__")

    def __init__(self, co: Coordinator, job_id: int, request: Any, timeout: float | None,
                 callback: Callback | None) -> None:
        self.id = job_id
        self.request = request
        self.status = JobStatus.QUEUED
        self.timeout = timeout
        self.callback = callback
        self.submitted_at = time.perf_counter()
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self._co = co
        self._future: asyncio.Future[Any] = co._loop_now().create_future()
        self._future.add_done_callback(_mark_retrieved)
        self._token = _core.CancelToken()
        self._taken = False
        self._timer: asyncio.TimerHandle | None = None
        self._holds_slot = False  # a place in the queue, until the job starts or is cancelled
        self._on_thread = False  # a worker thread runs it (counted in stats().running)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.status.value} {type(self.request).__name__}>"

    def done(self) -> bool:
        return self._future.done()

    def cancel(self) -> bool:
        """Cancel the job (queued or running); False when it had already finished.

        Safe to call from any thread: the native loops see the token at once.
        """
        if self._future.done():
            return False
        self._token.cancel()
        self._co._call_in_loop(self._co._cancel, self, "cancelled")
        return True

    def result(self) -> Any:
        """The result of a finished job (raises its error); InvalidStateError if not finished."""
        self._taken = True
        self._co._forget(self)
        return self._future.result()

    def exception(self) -> BaseException | None:
        """The error of a finished job, or None."""
        self._taken = True
        self._co._forget(self)
        return self._future.exception()

    @property
    def latency(self) -> float | None:
        """Seconds from submission to completion (None while not finished)."""
        return None if self.finished_at is None else self.finished_at - self.submitted_at

    async def _wait(self) -> Any:
        try:
            await asyncio.shield(self._future)
        except asyncio.CancelledError:
            if not self._future.done():  # the awaiting task was cancelled, not the job
                self.cancel()
                raise
        return self.result()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._wait().__await__()


def _mark_retrieved(fut: asyncio.Future[Any]) -> None:
    # the outcome is counted in stats and reported to whoever awaits the job; reading
    # it here keeps asyncio from logging "exception was never retrieved"
    if not fut.cancelled():
        fut.exception()


@dataclass(frozen=True)
class ShutdownSummary:
    """What a shutdown did: jobs finished and cancelled, and what it had to abandon."""

    drained: bool
    succeeded: int
    failed: int
    cancelled: int
    timed_out: int
    abandoned_jobs: list[str] = field(default_factory=list)
    abandoned_callbacks: list[str] = field(default_factory=list)
    elapsed: float = 0.0


def _positive_or_none(errors: FieldErrors, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        errors.add(name, value, "must be a finite number of seconds > 0, or None")


def _byte_count(errors: FieldErrors, name: str, value: Any, zero: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        errors.add(name, value, f"must be an integer >= 0 ({zero})")


def _positive_int(errors: FieldErrors, name: str, value: Any, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        errors.add(name, value, "must be an integer >= 1" + (", or None" if allow_none else ""))


class Coordinator:
    """Runs request jobs on a bounded pool of threads calling the GIL-free C++ core.

    ``async with Coordinator() as co: job = await co.submit(request); result = await job``

    - ``max_workers`` threads run jobs (default: ThreadX's thread count); they and the
      result cache are made once per coordinator and reused by every job.
    - At most ``max_queue`` jobs wait; ``submit`` waits for room (``block=False``:
      ``QueueFullError``).
    - ``task_timeout`` (per job: ``submit(timeout=)``) counts from the job's start;
      the job's cancel token stops the native loops, and the job raises
      ``TaskTimeoutError``.
    - Callbacks ``callback(job)`` run after the job, sync ones on ``callback_workers``
      dedicated daemon threads, coroutines on the loop, each bounded by
      ``callback_timeout``; failures and overruns are logged, counted and passed to
      ``on_callback_error(job, exc)``, never to the job's result.
    - ``cache_bytes`` > 0 turns on an LRU of results, at most that many bytes, keyed by
      the request's fingerprint (a SHA-256 of its data and parameters).  Off by default:
      hashing reads every input byte, which costs more than many kernels take, so turn
      it on where the same requests recur (dashboards, repeated sweeps).
    - Finished jobs whose result nobody took yet stay reachable through ``job(id)``:
      the last 1,000 at most, holding at most ``uncollected_bytes`` of results (numpy
      ``nbytes``, pandas ``memory_usage(deep=False)``); the oldest are dropped first,
      counted in ``stats().uncollected_evicted``.  Whoever holds a ``Job`` still gets
      its result.
    """

    def __init__(self, max_workers: int | None = None, max_queue: int = 1000,
                 task_timeout: float | None = None, callback_timeout: float = 5.0,
                 callback_workers: int = 2, *, cache_bytes: int = DEFAULT_CACHE_BYTES,
                 uncollected_bytes: int = DEFAULT_UNCOLLECTED_BYTES,
                 on_callback_error: Callable[[Job, BaseException], Any] | None = None) -> None:
        errors = FieldErrors()
        _positive_int(errors, "max_workers", max_workers, allow_none=True)
        _positive_int(errors, "max_queue", max_queue)
        _positive_or_none(errors, "task_timeout", task_timeout)
        if callback_timeout is None:
            errors.add("callback_timeout", callback_timeout, "must be a finite number of seconds > 0")
        else:
            _positive_or_none(errors, "callback_timeout", callback_timeout)
        _positive_int(errors, "callback_workers", callback_workers)
        _byte_count(errors, "cache_bytes", cache_bytes, "0: no cache")
        _byte_count(errors, "uncollected_bytes", uncollected_bytes, "0: keep no result nobody took")
        if on_callback_error is not None and not callable(on_callback_error):
            errors.add("on_callback_error", on_callback_error, "must be callable or None")
        errors.raise_if_any()
        self.max_workers = int(max_workers) if max_workers is not None else max(1, _core.get_num_threads())
        self.max_queue = int(max_queue)
        self.task_timeout = None if task_timeout is None else float(task_timeout)
        self.callback_timeout = float(callback_timeout)
        self.callback_workers = int(callback_workers)
        self.on_callback_error = on_callback_error
        self._cache = ResultCache(int(cache_bytes))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._slots = Slots(self.max_queue)
        self._pool = BoundedExecutor(self.max_workers, "threadx-worker")
        self._callback_pool = BoundedExecutor(self.callback_workers, "threadx-callback")
        self._validate_pool = BoundedExecutor(self.max_workers, "threadx-validate")  # other objects' validate()
        self._log = log
        self._tasks = TaskRegistry(log)
        self._quiet: asyncio.Event | None = None  # set while no job is active and no worker busy
        self._callbacks_pending: set[asyncio.Task[Any]] = set()
        self._ids = itertools.count(1)
        self._active: dict[int, Job] = {}  # queued and running
        self._done: Uncollected[Job] = Uncollected(_DONE_KEPT, int(uncollected_bytes))  # result not yet taken
        self._metrics = Metrics()
        self._running = 0
        self._accepting = True
        self._shutdown: asyncio.Future[ShutdownSummary] | None = None
        self._runs_with_cancel: dict[type, bool] = {}

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> Coordinator:
        self._start()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            await self.shutdown(drain=True)
        else:  # an error or a cancellation (Ctrl+C) in the body: stop at once
            await self.shutdown(drain=False, timeout=1.0)

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._loop_thread = threading.get_ident()
            self._quiet = asyncio.Event()
            self._quiet.set()
        elif self._loop is not loop:
            raise ThreadXError("this Coordinator belongs to another event loop; create one per loop")

    def _loop_now(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None
        return self._loop

    def _call_in_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        if threading.get_ident() == self._loop_thread:
            fn(*args)
        else:
            self._post(fn, *args)

    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        """From a worker thread: run ``fn(*args)`` on the loop (dropped once the loop is closed)."""
        try:
            self._loop_now().call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: the job was abandoned by a shutdown
            pass

    # ------------------------------------------------------------------ submitting
    async def submit(self, request: Request, *, callback: Callback | None = None,
                     timeout: float | None = None, block: bool = True) -> Job:
        """Queue ``request``; returns its ``Job`` (await it for the result).

        ThreadX's requests are checked when they are built; another object's
        ``validate()`` is called here, on a thread of the coordinator (never on the
        event loop, which other coroutines keep).  Either way an invalid request
        raises ``ValidationError`` before anything is queued and leaves no trace; what
        only a threadx request's deep checks find (timestamps out of order, signals on
        another index) is the job's ``ValidationError``, found once, on the worker,
        before any work (a request that ran ``validate()`` keeps their plan and is not
        checked again).  When ``max_queue`` jobs wait, this waits for room, or with
        ``block=False`` raises ``QueueFullError``.  After shutdown began it raises
        ``CoordinatorClosedError``.
        """
        if not self._accepting:
            raise CoordinatorClosedError("the coordinator is shutting down and takes no new jobs")
        errors = FieldErrors()
        if not (callable(getattr(request, "validate", None)) and callable(getattr(request, "run", None))):
            errors.add("request", request, "must be a request struct (with validate() and run()), "
                       "for example threadx.RollingRequest or threadx.IndicatorRequest")
        if callback is not None and not callable(callback):
            errors.add("callback", callback, "must be callable (sync or async) or None")
        _positive_or_none(errors, "timeout", timeout)
        errors.raise_if_any()
        self._start()
        if not isinstance(request, _Request):  # threadx's requests were checked when built
            await asyncio.wrap_future(self._validate_pool.submit(
                request.validate, _label=f"validate() of a {type(request).__name__}"))
            if not self._accepting:
                raise CoordinatorClosedError("the coordinator began shutting down while the request was validated")
        job = Job(self, next(self._ids), request, self.task_timeout if timeout is None else float(timeout),
                  callback)
        if block:
            await self._slots.acquire()
        else:
            self._slots.acquire_nowait()
        job._holds_slot = True
        self._active[job.id] = job
        assert self._quiet is not None
        self._quiet.clear()
        self._metrics.count("submitted")
        self._pool.submit(self._execute, job, _label=f"job {job.id} ({type(request).__name__})")
        return job

    async def map(self, requests: Iterable[Request], *, ordered: bool = False,
                  return_exceptions: bool = False, timeout: float | None = None,
                  callback: Callback | None = None) -> AsyncIterator[Any]:
        """Results of ``requests`` as they finish (``ordered=True``: in input order).

        Requests are submitted as room frees up, so an iterable of any length runs in
        bounded memory.  A failure (an invalid request included) is raised, after the
        jobs still in flight are cancelled; with ``return_exceptions=True`` it is
        yielded in the result's place instead.
        """
        window = self.max_queue + self.max_workers
        source = iter(requests)
        inflight: deque[Job | BaseException] = deque()
        exhausted = False

        async def refill() -> None:
            nonlocal exhausted
            while not exhausted and len(inflight) < window:
                try:
                    req = next(source)
                except StopIteration:
                    exhausted = True
                    return
                try:
                    inflight.append(await self.submit(req, callback=callback, timeout=timeout))
                except ValidationError as exc:
                    if not return_exceptions:
                        raise
                    inflight.append(exc)

        def outcome(item: Job | BaseException) -> Any:
            if isinstance(item, BaseException):
                return item
            exc = item.exception()
            if exc is None:
                return item.result()
            if return_exceptions:
                return exc
            raise exc

        try:
            await refill()
            while inflight:
                if ordered:
                    head = inflight[0]
                    if isinstance(head, Job):
                        await asyncio.wait([head._future])
                    inflight.popleft()
                    ready: list[Job | BaseException] = [head]
                else:
                    done_now = [it for it in inflight if not isinstance(it, Job) or it.done()]
                    if not done_now:
                        futs = [it._future for it in inflight if isinstance(it, Job)]
                        await asyncio.wait(futs, return_when=asyncio.FIRST_COMPLETED)
                        done_now = [it for it in inflight if not isinstance(it, Job) or it.done()]
                    for it in done_now:
                        inflight.remove(it)
                    ready = done_now
                for it in ready:
                    yield outcome(it)
                await refill()
        finally:
            for it in inflight:
                if isinstance(it, Job):
                    it.cancel()

    # ------------------------------------------------------------------ running
    def _execute(self, job: Job) -> None:
        """On a worker thread: run the job and post the outcome to the loop.

        Worker threads take the next job straight from the pool's queue, so a busy
        coordinator costs its workers no round trip through the event loop.
        """
        token = job._token
        if token.cancelled:  # cancelled while it waited: already finished on the loop
            return
        job.started_at = time.perf_counter()
        if job.timeout is not None:
            token.set_timeout(job.timeout)
        self._post(self._started, job)
        try:
            result, exc = self._compute(job), None
        except BaseException as e:  # noqa: BLE001 - every outcome goes to the job
            result, exc = None, e
        self._post(self._returned, job, result, exc)

    def _compute(self, job: Job) -> Any:
        """The cached result or a fresh run (the core releases the GIL)."""
        token = job._token
        request = job.request
        key = request.fingerprint() if self._cache.max_bytes and getattr(request, "cacheable", False) \
            and callable(getattr(request, "fingerprint", None)) else None
        if key is not None:
            hit, value = self._cache.get(key)
            if hit:
                return value
        kind = type(request)
        takes_cancel = self._runs_with_cancel.get(kind)
        if takes_cancel is None:
            try:
                takes_cancel = "cancel" in inspect.signature(request.run).parameters
            except (TypeError, ValueError):
                takes_cancel = False
            self._runs_with_cancel[kind] = takes_cancel
        result = request.run(cancel=token) if takes_cancel else request.run()
        token.check()  # a job cancelled while running discards its result
        if key is not None:
            self._cache.put(key, result)
        return result

    def _started(self, job: Job) -> None:
        job._on_thread = True
        self._running += 1
        self._release_slot(job)
        if job.done():
            return
        job.status = JobStatus.RUNNING
        if job.timeout is not None:
            assert job.started_at is not None
            left = job.timeout - (time.perf_counter() - job.started_at)
            job._timer = self._loop_now().call_later(max(0.0, left), self._time_out, job)

    def _returned(self, job: Job, result: Any, exc: BaseException | None) -> None:
        if job._on_thread:
            job._on_thread = False
            self._running -= 1
        if isinstance(exc, TaskTimeoutError) and job.timeout is not None:
            exc = self._timeout_error(job)  # the core saw the token's deadline first
        self._finish(job, result=result, exc=exc)
        self._check_quiet()

    def _release_slot(self, job: Job) -> None:
        if job._holds_slot:
            job._holds_slot = False
            self._slots.release()

    def _check_quiet(self) -> None:
        if not self._active and self._running == 0 and self._quiet is not None:
            self._quiet.set()

    @staticmethod
    def _timeout_error(job: Job) -> TaskTimeoutError:
        return TaskTimeoutError(f"job {job.id} ran past its timeout of {job.timeout:g} s; "
                                "its partial results were discarded")

    def _time_out(self, job: Job) -> None:
        if not job.done():
            job._token.cancel()
            self._finish(job, exc=self._timeout_error(job))

    def _cancel(self, job: Job, why: str) -> None:
        if job.done():
            return
        job._token.cancel()
        self._release_slot(job)
        self._finish(job, exc=CancelledError(f"job {job.id} was {why}"))
        self._check_quiet()

    def _finish(self, job: Job, *, result: Any = None, exc: BaseException | None = None) -> None:
        if job.done():
            return  # cancelled or timed out while running: the late outcome is discarded
        if job._timer is not None:
            job._timer.cancel()
            job._timer = None
        if exc is None:
            status = JobStatus.SUCCEEDED
        elif isinstance(exc, TaskTimeoutError):
            status = JobStatus.TIMED_OUT
        elif isinstance(exc, CancelledError):
            status = JobStatus.CANCELLED
        else:
            status = JobStatus.FAILED
            self._log.debug("job %s failed: %r", job.id, exc)
        job.status = status
        job.finished_at = time.perf_counter()
        self._metrics.finished(status.value, job.finished_at - job.submitted_at)
        if exc is None:
            job._future.set_result(result)
        else:
            job._future.set_exception(exc)
        del exc
        self._active.pop(job.id, None)
        if not job._taken:
            self._done.add(job.id, job, estimate_nbytes(result) if status is JobStatus.SUCCEEDED else 0)
        if job.callback is not None:
            task = self._tasks.spawn(self._run_callback(job), f"threadx-callback-job-{job.id}")
            self._callbacks_pending.add(task)
            task.add_done_callback(self._callbacks_pending.discard)

    def _forget(self, job: Job) -> None:
        if job.done():
            self._done.pop(job.id)

    def job(self, job_id: int) -> Job | None:
        """A queued, running, or finished-but-not-yet-collected job by id."""
        return self._active.get(job_id) or self._done.get(job_id)

    # ------------------------------------------------------------------ callbacks
    async def _run_callback(self, job: Job) -> None:
        cb = job.callback
        assert cb is not None
        name = getattr(cb, "__qualname__", repr(cb))
        timeout = self.callback_timeout
        try:
            if inspect.iscoroutinefunction(cb):
                await self._await_bounded(cb(job), name, job)
            else:
                if self._callback_pool.overdue() >= self.callback_workers:
                    raise CallbackTimeoutError(
                        f"callback {name} of job {job.id} not run: all {self.callback_workers} callback "
                        "threads are stuck in callbacks that ran past callback_timeout")
                cf = self._callback_pool.submit(cb, job, _label=f"job {job.id}: {name}", _timeout=timeout)
                result = await self._await_bounded(asyncio.wrap_future(cf), name, job)
                if inspect.isawaitable(result):  # a sync callable that returned a coroutine
                    await self._await_bounded(result, name, job)
        except CallbackTimeoutError as exc:
            self._metrics.count("callback_timeouts")
            self._log.warning("job %s: %s", job.id, exc)
            self._report_callback_error(job, exc)
        except Exception as exc:  # noqa: BLE001 - reported, never lost
            self._metrics.count("callback_errors")
            self._log.error("job %s: callback %s raised %r", job.id, name, exc, exc_info=exc)
            self._report_callback_error(job, exc)

    async def _await_bounded(self, aw: Any, name: str, job: Job) -> Any:
        """``await aw`` for at most ``callback_timeout`` s, then CallbackTimeoutError."""
        fut = self._tasks.spawn(aw, f"callback {name} of job {job.id}") if inspect.iscoroutine(aw) \
            else asyncio.ensure_future(aw)
        done, _ = await asyncio.wait([fut], timeout=self.callback_timeout)
        if not done:
            fut.cancel()  # a coroutine stops; a thread's work cannot, its thread counts as stuck
            await asyncio.wait([fut], timeout=1.0)
            raise CallbackTimeoutError(
                f"callback {name} of job {job.id} ran past callback_timeout={self.callback_timeout:g} s")
        return fut.result()

    def _report_callback_error(self, job: Job, exc: BaseException) -> None:
        hook = self.on_callback_error
        if hook is None:
            return
        try:
            hook(job, exc)
        except Exception:  # noqa: BLE001
            self._log.exception("job %s: on_callback_error hook raised", job.id)

    # ------------------------------------------------------------------ shutdown
    async def shutdown(self, *, drain: bool = True, timeout: float | None = None) -> ShutdownSummary:
        """Stop taking jobs, then finish (``drain``) or cancel what is queued and running.

        Waits for callbacks up to ``timeout`` (at most ``callback_timeout`` each) and
        returns a summary; jobs not finished when ``timeout`` runs out are cancelled.
        Whatever user code does, it returns at most about 0.7 s after ``timeout``
        (with ``timeout=None``: once the jobs are done, within about
        ``callback_timeout`` + 2 s): a job that ignores its cancel token,
        a callback thread that never returns and a callback coroutine that swallows
        its cancellation are abandoned, listed in the summary and logged as a warning.
        Idempotent: later calls return the first call's summary.
        """
        errors = FieldErrors()
        _positive_or_none(errors, "timeout", timeout)
        errors.raise_if_any()
        if self._shutdown is not None:
            return await asyncio.shield(self._shutdown)
        if self._loop is None:
            self._start()
        self._accepting = False
        self._shutdown = self._loop_now().create_future()
        try:
            summary = await self._close(drain, timeout)
        except BaseException as exc:
            self._shutdown.set_exception(exc)
            self._shutdown.exception()
            raise
        self._shutdown.set_result(summary)
        return summary

    async def _close(self, drain: bool, timeout: float | None) -> ShutdownSummary:
        t0 = time.monotonic()
        end = None if timeout is None else t0 + timeout

        def left(after: float = 0.0) -> float | None:
            """Seconds to the deadline (plus ``after``); None without one."""
            return None if end is None else max(0.0, end + after - time.monotonic())

        before = dict(self._metrics.counts)
        self._slots.close()
        if not drain:
            self._cancel_everything()
        assert self._quiet is not None
        try:
            await asyncio.wait_for(self._quiet.wait(), left())
        except asyncio.TimeoutError:  # the deadline came first: cancel what still runs
            drain = False
            self._cancel_everything()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), left(_STOP_GRACE))
        if self._callbacks_pending:
            cb_wait = self.callback_timeout if end is None else min(self.callback_timeout, left() or 0.0)
            await asyncio.wait(list(self._callbacks_pending), timeout=cb_wait + 0.05)
        # what still runs is cancelled; a coroutine that swallows its cancellation is
        # abandoned after a short grace (it stays tracked until it ends on its own)
        grace = _CANCEL_GRACE if end is None else max(0.05, min(_CANCEL_GRACE, left() or 0.0))
        ignored = await self._tasks.cancel_all(grace)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._callback_pool.shutdown(wait=False, cancel_futures=True)
        self._validate_pool.shutdown(wait=False)  # submits waiting on it are told the coordinator closed
        now = time.monotonic()
        stuck = [f"{r.label} (running {now - r.started:.1f} s)" for r in self._callback_pool.join(0.05)]
        stuck += [f"{t.get_name()} (ignored its cancellation)" for t in ignored]
        job_wait = _STOP_GRACE if end is None else left(_STOP_GRACE) or 0.0
        abandoned_jobs = [f"{r.label} (running {now - r.started:.1f} s)" for r in self._pool.join(job_wait)]
        # the validation threads end too (shut down above, idle ones exit at once): none is left unaccounted
        abandoned_jobs += [f"{r.label} (validating {now - r.started:.1f} s)"
                           for r in self._validate_pool.join(max(0.05, job_wait))]
        self._cache.clear()
        after = self._metrics.counts
        summary = ShutdownSummary(
            drained=drain, succeeded=after["succeeded"] - before["succeeded"],
            failed=after["failed"] - before["failed"], cancelled=after["cancelled"] - before["cancelled"],
            timed_out=after["timed_out"] - before["timed_out"], abandoned_jobs=abandoned_jobs,
            abandoned_callbacks=stuck, elapsed=time.monotonic() - t0)
        if stuck or abandoned_jobs:
            self._log.warning("shutdown abandoned %d job(s) and %d callback(s): %s", len(abandoned_jobs),
                              len(stuck), "; ".join(abandoned_jobs + stuck))
        return summary

    def _cancel_everything(self) -> None:
        for job in list(self._active.values()):
            self._cancel(job, "cancelled by the shutdown")

    @property
    def closed(self) -> bool:
        """True once shutdown began (``submit`` raises ``CoordinatorClosedError``)."""
        return not self._accepting

    # ------------------------------------------------------------------ observability
    def stats(self) -> CoordinatorStats:
        """Counters, queue depth, submit-to-finish latency percentiles (s), cache figures and
        the finished jobs kept uncollected (count, bytes, evictions)."""
        cache, done = self._cache, self._done
        return self._metrics.stats(queued=self._slots.used, running=self._running, cache_hits=cache.hits,
                                   cache_misses=cache.misses, cache_bytes=cache.bytes, cache_entries=len(cache),
                                   uncollected=len(done), uncollected_bytes=done.bytes,
                                   uncollected_evicted=done.evicted)

    def health(self) -> dict[str, Any]:
        """A quick status: ``ok``, ``degraded`` (queue full or every callback thread stuck) or ``closed``."""
        return health(accepting=self._accepting, queue_full=self._slots.full(), workers=self.max_workers,
                      running=self._running, queue_depth=self._slots.used, max_queue=self.max_queue,
                      stuck_callback_threads=self._callback_pool.overdue(), callback_workers=self.callback_workers,
                      tracked_tasks=len(self._tasks))

    def prometheus_collector(self) -> Any:
        """A ``prometheus_client`` collector of ``stats()``: ``REGISTRY.register(co.prometheus_collector())``.

        Needs prometheus_client (``pip install 'threadx[prometheus]'``); without it this
        raises ``threadx.errors.MissingDependencyError``.
        """
        return prometheus_collector(self.stats)
