"""threadx.Coordinator: results, backpressure, cancellation, timeouts, callbacks, shutdown, stats."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from coordinator_support import Boom, Gate, long_native_request, run_async

import threadx
import threadx.ta as ta
from threadx import _core
from threadx import Coordinator, JobStatus
from threadx.errors import (
    CallbackTimeoutError,
    CancelledError,
    CoordinatorClosedError,
    QueueFullError,
    TaskTimeoutError,
    ThreadXError,
    ValidationError,
)

RNG = np.random.default_rng(11)
X = np.cumsum(RNG.standard_normal(500))


def rolling(window: int = 10, values: np.ndarray = X) -> threadx.RollingRequest:
    return threadx.RollingRequest(values=values, window=window, stat="mean")


# ---------------------------------------------------------------- construction
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_workers": 0}, "max_workers"),
        ({"max_workers": 1.5}, "max_workers"),
        ({"max_queue": 0}, "max_queue"),
        ({"max_queue": True}, "max_queue"),
        ({"task_timeout": -1}, "task_timeout"),
        ({"task_timeout": float("nan")}, "task_timeout"),
        ({"callback_timeout": 0}, "callback_timeout"),
        ({"callback_timeout": None}, "callback_timeout"),
        ({"callback_workers": 0}, "callback_workers"),
        ({"cache_bytes": -1}, "cache_bytes"),
        ({"uncollected_bytes": -1}, "uncollected_bytes"),
        ({"uncollected_bytes": 1.5}, "uncollected_bytes"),
        ({"on_callback_error": 3}, "on_callback_error"),
    ],
)
def test_bad_parameters_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Coordinator(**kwargs)
    assert exc.value.fields == [field]


def test_every_bad_parameter_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        Coordinator(max_workers=-1, max_queue=0, callback_timeout=-2)
    assert exc.value.fields == ["max_workers", "max_queue", "callback_timeout"]


# ---------------------------------------------------------------- results
def test_results_equal_direct_calls() -> None:
    close = pd.Series(X, index=pd.date_range("2024-01-01", periods=X.size, freq="h"))

    async def main() -> None:
        async with Coordinator(max_workers=2) as co:
            j1 = await co.submit(rolling(7))
            j2 = await co.submit(threadx.IndicatorRequest(function="RSI", inputs=[close], params={"timeperiod": 9}))
            j3 = await co.submit(threadx.IndicatorRequest(function="BBANDS", inputs=[X],
                                                          params={"timeperiod": [5, 10]}))
            np.testing.assert_array_equal(await j1, threadx.rolling.mean(X, 7))
            pd.testing.assert_series_equal(await j2, ta.RSI(close, timeperiod=9))
            for got, want in zip(await j3, ta.BBANDS(X, timeperiod=[5, 10]), strict=True):
                np.testing.assert_array_equal(got, want)
            assert j1.status is JobStatus.SUCCEEDED and j1.latency is not None and j1.latency > 0
            s = co.stats()
            assert (s.submitted, s.succeeded, s.failed) == (3, 3, 0)

    run_async(main())


def test_invalid_request_raises_at_submit_and_leaves_no_trace() -> None:
    async def main() -> None:
        async with Coordinator() as co:
            with pytest.raises(ValidationError) as exc:
                await co.submit(threadx.RollingRequest(values=X, window=0))
            assert "window" in exc.value.fields
            with pytest.raises(ValidationError) as exc:
                await co.submit(threadx.IndicatorRequest(function="RSI", inputs=[X], params={"timeperiod": 1}))
            assert exc.value.fields == ["timeperiod"]
            with pytest.raises(ValidationError) as exc:
                await co.submit("not a request")  # type: ignore[arg-type]
            assert exc.value.fields == ["request"]
            with pytest.raises(ValidationError) as exc:
                await co.submit(rolling(), timeout=-1, callback=5)  # type: ignore[arg-type]
            assert exc.value.fields == ["callback", "timeout"]
            s = co.stats()
            assert (s.submitted, s.queued, s.running) == (0, 0, 0)
            assert co.job(1) is None

    run_async(main())


def test_failing_job_reports_its_error() -> None:
    async def main() -> None:
        async with Coordinator() as co:
            job = await co.submit(Boom(RuntimeError("kaput")))
            with pytest.raises(RuntimeError, match="kaput"):
                await job
            assert job.status is JobStatus.FAILED
            assert co.stats().failed == 1
            ok = await co.submit(rolling())  # the worker survived
            await ok

    run_async(main())


def test_cache_hits_return_independent_copies() -> None:
    async def main() -> None:
        async with Coordinator(max_workers=1, cache_bytes=2**20) as co:
            first = await (await co.submit(rolling(5)))
            first[:] = 0.0  # the caller's copy: must not reach the cache
            second = await (await co.submit(rolling(5, X.copy())))  # equal data, another array
            np.testing.assert_array_equal(second, threadx.rolling.mean(X, 5))
            other = await (await co.submit(rolling(5, X + 1)))  # other data: a miss
            np.testing.assert_array_equal(other, threadx.rolling.mean(X + 1, 5))
            s = co.stats()
            assert (s.cache_hits, s.cache_misses, s.cache_entries) == (1, 2, 2)
            assert s.cache_bytes == 2 * X.nbytes
        async with Coordinator(max_workers=1, cache_bytes=X.nbytes) as co:  # room for one: LRU
            for w in (5, 6, 5):
                await (await co.submit(rolling(w)))
            s = co.stats()
            assert (s.cache_hits, s.cache_entries, s.cache_bytes) == (0, 1, X.nbytes)
        async with Coordinator() as co:  # no cache by default
            for _ in range(2):
                await (await co.submit(rolling(5)))
            assert co.stats().cache_hits == 0

    run_async(main())


# ---------------------------------------------------------------- backpressure
def test_submit_waits_when_the_queue_is_full_or_raises_with_block_false() -> None:
    async def main() -> None:
        async with Coordinator(max_workers=1, max_queue=2) as co:
            gate = Gate(value="g")
            running = await co.submit(gate)
            await asyncio.to_thread(gate.started.wait, 10)
            queued = [await co.submit(rolling(w)) for w in (3, 4)]
            assert co.stats().queue_depth == 2 and co.health()["status"] == "degraded"
            with pytest.raises(QueueFullError, match="max_queue=2"):
                await co.submit(rolling(5), block=False)
            waiting = asyncio.ensure_future(co.submit(rolling(6)))
            await asyncio.sleep(0.05)
            assert not waiting.done()  # backpressure: the submitter waits
            gate.release.set()
            job = await waiting
            assert await running == "g"
            for j in [*queued, job]:
                await j
            assert co.stats().succeeded == 4

    run_async(main())


def test_cancelled_queued_job_frees_its_place() -> None:
    async def main() -> None:
        async with Coordinator(max_workers=1, max_queue=1) as co:
            gate = Gate()
            await co.submit(gate)
            await asyncio.to_thread(gate.started.wait, 10)
            queued = await co.submit(rolling())
            assert queued.cancel() and not queued.cancel()
            with pytest.raises(CancelledError):
                await queued
            assert queued.status is JobStatus.CANCELLED
            await co.submit(rolling(), block=False)  # the place is free again
            gate.release.set()

    run_async(main())


# ---------------------------------------------------------------- cancellation and timeouts
def _ends_within(job: threadx.Job, seconds: float) -> None:
    assert job.finished_at is not None and job.started_at is not None
    assert job.finished_at - job.started_at < seconds


def test_cancel_reaches_a_running_native_job_and_frees_the_worker() -> None:
    async def main() -> None:
        async with Coordinator(max_workers=1) as co:
            job = await co.submit(long_native_request())
            while job.status is not JobStatus.RUNNING:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.1)
            t0 = time.perf_counter()
            job.cancel()
            with pytest.raises(CancelledError):
                await job
            nxt = await co.submit(rolling(3))
            await nxt  # runs only once the native loop has let the only worker go
            freed = time.perf_counter() - t0
            # time is the point, with a margin for a loaded machine (uncancelled: ~10 s)
            assert freed < 1.0, f"worker freed {freed:.3f} s after cancel"
            assert co.stats().cancelled == 1

    run_async(main())


def test_cancel_from_another_thread() -> None:
    async def main() -> None:
        async with Coordinator(max_workers=1) as co:
            job = await co.submit(long_native_request())
            while job.status is not JobStatus.RUNNING:
                await asyncio.sleep(0.005)
            await asyncio.to_thread(job.cancel)
            with pytest.raises(CancelledError):
                await job
            _ends_within(job, 2.0)  # uncancelled: ~10 s

    run_async(main())


@pytest.mark.parametrize("where", ["submit", "coordinator"])
def test_timeout_stops_a_native_job(where: str) -> None:
    async def main() -> None:
        opts = {"task_timeout": 0.2} if where == "coordinator" else {}
        async with Coordinator(max_workers=1, **opts) as co:
            job = await co.submit(long_native_request(), timeout=0.2 if where == "submit" else None)
            with pytest.raises(TaskTimeoutError, match="timeout of 0.2 s"):
                await job
            assert job.status is JobStatus.TIMED_OUT
            _ends_within(job, 2.0)  # uncancelled: ~10 s
            await (await co.submit(rolling()))  # the worker is free
            assert co.stats().timed_out == 1

    run_async(main())


def test_cancelling_the_awaiting_task_cancels_the_job() -> None:
    async def main() -> None:
        async with Coordinator(max_workers=1) as co:
            gate = Gate()
            job = await co.submit(gate)
            waiter = asyncio.ensure_future(job)
            await asyncio.to_thread(gate.started.wait, 10)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert job.status is JobStatus.CANCELLED
            with pytest.raises(CancelledError):
                await job

    run_async(main())


# ---------------------------------------------------------------- callbacks
def test_sync_callbacks_run_on_callback_threads_and_async_ones_on_the_loop() -> None:
    seen: list[tuple[str, int, Any]] = []

    def sync_cb(job: threadx.Job) -> None:
        seen.append((threading.current_thread().name, job.id, job.result()[-1]))

    async def async_cb(job: threadx.Job) -> None:
        seen.append(("loop" if threading.current_thread() is threading.main_thread() else "?", job.id, None))

    async def main() -> None:
        async with Coordinator(max_workers=2) as co:
            a = await co.submit(rolling(4), callback=sync_cb)
            b = await co.submit(rolling(5), callback=async_cb)
            await a
            await b
        names = sorted(s[0] for s in seen)
        assert len(seen) == 2 and names[0] == "loop" and names[1].startswith("threadx-callback-")
        assert (a.id, threadx.rolling.mean(X, 4)[-1]) in [(s[1], s[2]) for s in seen]

    run_async(main())


def test_raising_and_slow_callbacks_are_reported_and_leave_the_result_alone(
        caplog: pytest.LogCaptureFixture) -> None:
    reported: list[tuple[int, BaseException]] = []
    release = threading.Event()

    def raises(job: threadx.Job) -> None:
        raise KeyError("in callback")

    def slow(job: threadx.Job) -> None:
        release.wait(10)

    async def slow_async(job: threadx.Job) -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        # a callback_timeout a loaded machine cannot overrun with a callback that raises at once
        async with Coordinator(callback_timeout=0.5,
                               on_callback_error=lambda job, exc: reported.append((job.id, exc))) as co:
            jobs = [await co.submit(rolling(3), callback=cb) for cb in (raises, slow, slow_async)]
            results = [await j for j in jobs]
            for r in results:
                np.testing.assert_array_equal(r, threadx.rolling.mean(X, 3))
            while len(reported) < 3:
                await asyncio.sleep(0.01)
            s = co.stats()
            assert (s.callback_errors, s.callback_timeouts) == (1, 2)
            release.set()
        kinds = {job_id: type(exc) for job_id, exc in reported}
        assert sorted(kinds.values(), key=lambda k: k.__name__) == [CallbackTimeoutError, CallbackTimeoutError, KeyError]

    with caplog.at_level(logging.WARNING, logger="threadx.coordinator"):
        run_async(main())
    assert "raises raised KeyError('in callback')" in caplog.text
    assert "ran past callback_timeout=0.5 s" in caplog.text


def test_stuck_callbacks_hold_a_bounded_number_of_threads_and_later_ones_fail_fast() -> None:
    release = threading.Event()
    errors: list[BaseException] = []

    def stuck(job: threadx.Job) -> None:
        release.wait(30)

    async def main() -> threadx.coordinator.ShutdownSummary:
        before = threading.active_count()
        co = Coordinator(max_workers=1, callback_workers=2, callback_timeout=0.05,
                         on_callback_error=lambda job, exc: errors.append(exc))
        async with co:
            for _ in range(40):
                await (await co.submit(rolling(3), callback=stuck))
            while len(errors) < 40:
                await asyncio.sleep(0.01)
            # 1 job worker + 2 callback threads, however many callbacks timed out
            assert threading.active_count() <= before + 3
            assert co.health()["stuck_callback_threads"] == 2 and co.health()["status"] == "degraded"
            await (await co.submit(rolling(3), callback=stuck))
            while len(errors) < 41:
                await asyncio.sleep(0.001)
            assert "all 2 callback threads are stuck" in str(errors[-1])  # failed at once, not queued
            summary = await co.shutdown(timeout=0.2)
        assert co.stats().callback_timeouts == 41
        return summary

    try:
        summary = run_async(main())
    finally:
        release.set()
    assert len(summary.abandoned_callbacks) == 2 and "stuck" in summary.abandoned_callbacks[0]


# ---------------------------------------------------------------- shutdown
def test_shutdown_drain_finishes_queued_and_running_jobs() -> None:
    async def main() -> None:
        co = Coordinator(max_workers=1)
        gate = Gate(value=1)
        async with co:
            first = await co.submit(gate)
            rest = [await co.submit(rolling(w)) for w in range(2, 8)]
            closing = asyncio.ensure_future(co.shutdown(drain=True))
            await asyncio.sleep(0.02)
            with pytest.raises(CoordinatorClosedError):
                await co.submit(rolling())
            gate.release.set()
            summary = await closing
        assert summary.drained and summary.succeeded == 7 and summary.cancelled == 0
        assert await first == 1 and all(j.status is JobStatus.SUCCEEDED for j in rest)
        assert await co.shutdown() is summary  # idempotent

    run_async(main())


def test_shutdown_without_drain_cancels_queued_and_running_jobs() -> None:
    async def main() -> None:
        co = Coordinator(max_workers=1, max_queue=3)
        async with co:
            native = await co.submit(long_native_request())
            queued = [await co.submit(rolling(w)) for w in (2, 3, 4)]
            blocked = asyncio.ensure_future(co.submit(rolling(5)))  # waits for room
            while native.status is not JobStatus.RUNNING:
                await asyncio.sleep(0.005)
            t0 = time.perf_counter()
            summary = await co.shutdown(drain=False, timeout=5)
            assert time.perf_counter() - t0 < 2.0  # it cancels: no waiting for the ~10 s job or the 5 s
        with pytest.raises(CoordinatorClosedError):
            await blocked
        assert not summary.drained and summary.cancelled == 4 and not summary.abandoned_jobs
        for job in [native, *queued]:
            with pytest.raises(CancelledError, match="shutdown"):
                await job
        assert co.closed and co.health()["status"] == "closed"

    run_async(main())


def test_error_in_async_with_body_cancels_instead_of_draining() -> None:
    async def main() -> None:
        co = Coordinator(max_workers=1)
        with pytest.raises(ZeroDivisionError):
            async with co:
                job = await co.submit(long_native_request())
                1 / 0
        with pytest.raises(CancelledError):
            await job

    run_async(main())


@pytest.mark.parametrize("how", ["shutdown(timeout=1.0)", "async with"])
def test_shutdown_keeps_its_deadline_when_a_callback_swallows_its_cancellation(
        how: str, caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    swallowed: list[int] = []

    async def stubborn(job: threadx.Job) -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                swallowed.append(job.id)  # and carries on

    async def main() -> tuple[threadx.coordinator.ShutdownSummary, float]:
        # leaving async with waits for callbacks up to callback_timeout, then cancels them
        co = Coordinator(max_workers=1, callback_timeout=0.3 if how == "async with" else 30.0)
        started = asyncio.Event()

        async def stubborn_cb(job: threadx.Job) -> None:
            started.set()
            await stubborn(job)

        try:
            await co.__aenter__()
            await co.submit(rolling(3), callback=stubborn_cb)
            await started.wait()
            t0 = time.perf_counter()
            closing = co.__aexit__(None, None, None) if how == "async with" else co.shutdown(timeout=1.0)
            await asyncio.wait_for(closing, 15)  # used to wait forever
            elapsed = time.perf_counter() - t0
            summary = await co.shutdown()
            assert co.health()["tracked_tasks"] == 1  # the callback still runs, still tracked
        finally:
            release.set()
        while co.health()["tracked_tasks"]:  # it ends on its own, and is dropped then
            await asyncio.sleep(0.01)
        return summary, elapsed

    with caplog.at_level(logging.WARNING, logger="threadx.coordinator"):
        summary, elapsed = run_async(main())
    assert swallowed  # the callback did swallow a cancellation
    assert len(summary.abandoned_callbacks) == 1, summary
    assert "stubborn_cb of job 1 (ignored its cancellation)" in summary.abandoned_callbacks[0]
    assert "shutdown abandoned 0 job(s) and 1 callback(s)" in caplog.text
    # time is the point here: a 1 s deadline (async with: callback_timeout, then a 1 s grace)
    assert elapsed < 1.0 + 2.0, elapsed


# ---------------------------------------------------------------- finished jobs nobody collects
def test_uncollected_results_are_bounded_by_bytes_oldest_first() -> None:
    x = np.arange(20_000.0)

    async def main() -> None:
        async with Coordinator(max_workers=1, uncollected_bytes=3 * x.nbytes) as co:
            held = await co.submit(rolling(2, x))
            ids = [held.id] + [(await co.submit(rolling(w, x))).id for w in range(3, 8)]  # fire and forget
            while co.stats().succeeded < 6:
                await asyncio.sleep(0.005)
            s = co.stats()
            assert (s.uncollected, s.uncollected_bytes, s.uncollected_evicted) == (3, 3 * x.nbytes, 3)
            assert [co.job(i) is not None for i in ids] == [False] * 3 + [True] * 3  # oldest evicted first
            np.testing.assert_array_equal(await held, threadx.rolling.mean(x, 2))  # its holder still has it
            kept = co.job(ids[-1])
            assert kept is not None
            np.testing.assert_array_equal(kept.result(), threadx.rolling.mean(x, 7))  # taken: no longer kept
            s = co.stats()
            assert (s.uncollected, s.uncollected_bytes, s.uncollected_evicted) == (2, 2 * x.nbytes, 3)
            await co.submit(rolling(3, np.arange(4 * x.size, dtype=np.float64)))  # alone over the bound
            while co.stats().succeeded < 7:
                await asyncio.sleep(0.005)
            assert (co.stats().uncollected, co.stats().uncollected_evicted) == (0, 6)

    run_async(main())


def test_result_sizes_are_estimated_without_reading_the_data() -> None:
    from threadx.coordinator._cache import estimate_nbytes

    a = np.zeros(1000)
    frame = pd.DataFrame({"a": a, "b": a}, index=pd.date_range("2024", periods=1000, freq="s"))
    assert estimate_nbytes(a) == 8000
    assert estimate_nbytes(frame) == int(frame.memory_usage(deep=False).sum()) == 24000
    assert estimate_nbytes((a, a, frame["a"])) >= 8000 + 16000  # the same array counted once
    assert estimate_nbytes((a, a, frame["a"])) < 8000 + 16000 + 1000
    many = [np.zeros(100) for _ in range(10_000)]  # a long list: its first items' mean times its length
    assert 8_000_000 <= estimate_nbytes(many) < 8_000_000 + 10_000 * 200
    bars = pd.DataFrame({"open": a + 1, "high": a + 2, "low": a + 0.5, "close": a + 1}, index=frame.index)
    result = threadx.backtest.run(bars, entries=np.ones(1000, dtype=bool), size=1.0)
    _ = result.equity
    assert estimate_nbytes(result) >= result.equity.memory_usage(deep=False)


# ---------------------------------------------------------------- validation off the loop
@dataclass(eq=False)
class SlowCheck:
    """A foreign request whose validate() takes a while (as a deep check of big data does)."""

    seconds: float = 0.6
    validations: int = 0

    def validate(self) -> SlowCheck:
        self.validations += 1
        time.sleep(self.seconds)
        return self

    def run(self) -> int:
        return self.validations


async def _max_tick_gap(work: Any, every: float = 0.005) -> tuple[Any, float]:
    """Run ``work`` while a coroutine ticks every ``every`` s; the longest gap between ticks."""
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(every)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.ensure_future(ticker())
    await asyncio.sleep(every * 2)
    try:
        result = await work
    finally:
        stop.set()
        await tick
    return result, max(gaps)


def test_submit_validates_off_the_event_loop() -> None:
    async def main() -> None:
        async with Coordinator(max_workers=1) as co:
            req = SlowCheck()
            job, gap = await _max_tick_gap(co.submit(req))
            assert gap < 0.3, f"the loop stalled {gap:.3f} s during submit (validate() takes 0.6 s)"
            assert await job == 1  # validated once, before it ran
            with pytest.raises(ValidationError):
                await co.submit(Gate(seconds=-1))  # still reported at submit, not queued
            assert co.stats().submitted == 1

    run_async(main())


def test_a_big_sweep_is_validated_once_and_never_on_the_loop() -> None:
    n = 500_000
    close = 100 + np.cumsum(np.random.default_rng(4).standard_normal(n)) * 0.01
    bars = pd.DataFrame({"open": close, "high": close + 0.1, "low": close - 0.1, "close": close},
                        index=pd.date_range("2000-01-01", periods=n, freq="min", tz="UTC"))
    req = threadx.SweepRequest(strategy="sma_cross", data=bars, grid={"fast": [5], "slow": [50]})

    async def main() -> None:
        async with Coordinator(max_workers=1) as co:
            before = _core.backtest._rule_counts()
            job, gap = await _max_tick_gap(co.submit(req))
            assert gap < 0.3, f"the loop stalled {gap:.3f} s during submit"
            await job
            after = _core.backtest._rule_counts()
            assert {k: after[k] - before[k] for k in after} == {"params": 1, "combos": 1}  # once, on the worker
            again = await co.submit(req)  # the request kept its plan: no check runs again
            await again
            assert _core.backtest._rule_counts() == after

    run_async(main())


# ---------------------------------------------------------------- map and the sync facade
@pytest.mark.parametrize("ordered", [True, False])
def test_map_yields_every_result(ordered: bool) -> None:
    windows = list(range(2, 40))

    async def main() -> list[Any]:
        async with Coordinator(max_workers=2, max_queue=4) as co:  # far fewer places than jobs
            return [r async for r in co.map((rolling(w) for w in windows), ordered=ordered)]

    got = run_async(main())
    want = [threadx.rolling.mean(X, w) for w in windows]
    if ordered:
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
    else:
        key = [int(np.isnan(g).sum()) for g in got]  # window - 1 leading NaNs
        assert sorted(key) == [w - 1 for w in windows]


def test_map_return_exceptions_and_early_exit() -> None:
    async def main() -> None:
        async with Coordinator(max_workers=1) as co:
            # times out of order: only the deep check (on the worker) finds it
            unsorted = threadx.RollingRequest(values=X, window="5s", times=np.arange(len(X))[::-1] * 10**9)
            reqs = [rolling(3), unsorted, Boom(ValueError("x")), rolling(4)]
            out = [r async for r in co.map(reqs, ordered=True, return_exceptions=True)]
            assert isinstance(out[1], ValidationError) and out[1].fields == ["times"]
            assert isinstance(out[2], ValueError)
            np.testing.assert_array_equal(out[3], threadx.rolling.mean(X, 4))
            with pytest.raises(ValueError, match="x"):
                async for _ in co.map(reqs[2:], ordered=True):
                    pass
            gates = [Gate() for _ in range(3)]
            agen = co.map(gates, ordered=True)
            gates[0].release.set()
            cancelled_before = co.stats().cancelled
            async for _ in agen:
                break
            await agen.aclose()  # leaving early cancels what is still in flight
            assert co.stats().cancelled - cancelled_before == 2  # gates 1 and 2, never released

    run_async(main())


def test_run_jobs_sync_facade() -> None:
    out = threadx.run_jobs([rolling(w) for w in (3, 5)], max_workers=2)
    np.testing.assert_array_equal(out[1], threadx.rolling.mean(X, 5))
    assert threadx.run_jobs([Boom(ValueError("v"))], return_exceptions=True)[0].args == ("v",)


def test_run_jobs_inside_a_running_loop_says_what_to_do() -> None:
    async def main() -> list[Any]:
        with pytest.raises(ThreadXError, match="gather_jobs"):
            threadx.run_jobs([rolling()])
        return await threadx.gather_jobs([rolling(3)])

    np.testing.assert_array_equal(run_async(main())[0], threadx.rolling.mean(X, 3))


# ---------------------------------------------------------------- observability
def test_stats_health_and_prometheus() -> None:
    prometheus_client = pytest.importorskip("prometheus_client")

    async def main() -> None:
        async with Coordinator(max_workers=2) as co:
            assert co.stats().latency_p50 is None
            for w in range(2, 12):
                await (await co.submit(rolling(w)))
            s = co.stats()
            assert s.succeeded == 10 and 0 < s.latency_p50 <= s.latency_p95 <= s.latency_p99
            h = co.health()
            assert h["status"] == "ok" and h["workers"] == 2 and h["queue_depth"] == 0
            registry = prometheus_client.CollectorRegistry()
            registry.register(co.prometheus_collector())
            text = prometheus_client.generate_latest(registry).decode()
            assert "threadx_succeeded_total 10.0" in text
            assert 'threadx_latency_seconds{quantile="0.99"}' in text

    run_async(main())


@pytest.mark.parametrize("entry", ["run_jobs", "gather_jobs"])
@pytest.mark.parametrize(("requests", "kw", "field", "hint"), [
    ([], {"max_worker": 2}, "max_worker", "max_workers"),
    ([], {"order": True}, "order", "ordered"),
    ([], {"bogus": 1}, "bogus", "valid:"),
    (5, {}, "requests", "iterable"),
    ("abc", {}, "requests", "iterable"),
])
def test_run_jobs_names_a_bad_argument(entry: str, requests: Any, kw: dict[str, Any], field: str, hint: str) -> None:
    def call() -> Any:
        out = getattr(threadx, entry)(requests, **kw)
        return run_async(out) if asyncio.iscoroutine(out) else out

    with pytest.raises(ValidationError, match=hint) as exc:
        call()
    assert exc.value.fields == [field]
