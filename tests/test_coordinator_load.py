"""Coordinator under load: many submitters, mixed failures, a soak, Ctrl+C in a script."""

from __future__ import annotations

import asyncio
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from typing import Any

import numpy as np
import pytest
from coordinator_support import Boom, Gate, run_async

import threadx
from threadx import Coordinator
from threadx.errors import CallbackTimeoutError, CancelledError, TaskTimeoutError, ValidationError

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_1000_jobs_from_100_submitters_are_all_accounted_for() -> None:
    data = np.cumsum(np.random.default_rng(5).standard_normal((1000, 64)), axis=1)
    want = data[:, -4:].mean(axis=1)  # last value of a 4-bar rolling mean

    async def submitter(co: Coordinator, rows: range) -> list[tuple[int, float]]:
        jobs = [(i, await co.submit(threadx.RollingRequest(values=data[i], window=4))) for i in rows]
        return [(i, float((await job)[-1])) for i, job in jobs]

    async def main() -> list[tuple[int, float]]:
        async with Coordinator(max_workers=2, max_queue=50) as co:
            parts = await asyncio.gather(*(submitter(co, range(k * 10, k * 10 + 10)) for k in range(100)))
            s = co.stats()
            assert (s.submitted, s.succeeded, s.failed, s.queued, s.running) == (1000, 1000, 0, 0, 0)
        return [p for part in parts for p in part]

    got = run_async(main())
    assert sorted(i for i, _ in got) == list(range(1000))  # none lost, none twice
    np.testing.assert_allclose([v for _, v in sorted(got)], want, rtol=0, atol=1e-12)


def test_mixed_failures_are_each_counted_once() -> None:
    callback_errors: list[type] = []
    release = threading.Event()

    def stuck_cb(job: threadx.Job) -> None:
        release.wait(10)

    async def slow_cb(job: threadx.Job) -> None:
        await asyncio.sleep(10)

    def bad_cb(job: threadx.Job) -> None:
        raise RuntimeError("callback failed")

    async def main() -> dict[str, Any]:
        x = np.arange(100.0)
        # callback_timeout: long enough that a callback raising at once never overruns it on a loaded machine
        co = Coordinator(max_workers=2, max_queue=100, callback_timeout=0.5, callback_workers=1, cache_bytes=2**20,
                         on_callback_error=lambda job, exc: callback_errors.append(type(exc)))
        outcomes: Counter[str] = Counter()
        invalid = 0
        async with co:
            jobs = []
            for i in range(60):
                kind = i % 6
                try:
                    if kind == 0:
                        jobs.append(await co.submit(threadx.RollingRequest(values=x, window=-i)))
                    elif kind == 1:
                        jobs.append(await co.submit(Boom(ValueError(str(i)))))
                    elif kind == 2:
                        jobs.append(await co.submit(Gate(), timeout=0.05))
                    elif kind == 3:
                        job = await co.submit(Gate())
                        job.cancel()
                        jobs.append(job)
                    elif kind == 4:
                        jobs.append(await co.submit(threadx.RollingRequest(values=x, window=3), callback=slow_cb))
                    else:
                        jobs.append(await co.submit(threadx.RollingRequest(values=x, window=5), callback=bad_cb))
                except ValidationError:
                    invalid += 1
            for job in jobs:
                try:
                    await job
                    outcomes["ok"] += 1
                except TaskTimeoutError:
                    outcomes["timeout"] += 1
                except CancelledError:
                    outcomes["cancelled"] += 1
                except ValueError:
                    outcomes["failed"] += 1
            # then a shutdown with queued and running jobs and a stuck callback
            stuck = await co.submit(threadx.RollingRequest(values=x, window=4), callback=stuck_cb)
            await stuck
            gates = [Gate() for _ in range(4)]
            for g in gates:
                jobs.append(await co.submit(g))
            await asyncio.to_thread(gates[0].started.wait, 10)
            while co.stats().callback_timeouts + co.stats().callback_errors < 21:
                await asyncio.sleep(0.01)
            summary = await co.shutdown(drain=False, timeout=0.5)
            stats = co.stats()
        release.set()
        return {"invalid": invalid, "outcomes": outcomes, "stats": stats, "summary": summary}

    r = run_async(main())
    s = r["stats"]
    assert r["invalid"] == 10 and s.submitted == 50 + 1 + 4
    assert r["outcomes"] == Counter(ok=20, timeout=10, cancelled=10, failed=10)
    assert (s.succeeded, s.failed, s.timed_out) == (21, 10, 10)
    assert s.cancelled == 10 + 4 and r["summary"].cancelled == 4
    assert s.callback_timeouts + s.callback_errors == 21 and s.callback_errors == 10
    assert Counter(callback_errors) == Counter({RuntimeError: 10, CallbackTimeoutError: 11})
    assert s.queued == 0 and s.running == 0


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads RSS from /proc")
def test_soak_20000_jobs_memory_stays_flat() -> None:
    x = np.cumsum(np.random.default_rng(2).standard_normal(64))
    marks: list[int] = []

    async def main() -> None:
        async with Coordinator(max_workers=2, max_queue=200, cache_bytes=2**20) as co:
            sem = asyncio.Semaphore(200)

            async def one(i: int) -> None:
                async with sem:
                    job = await co.submit(threadx.RollingRequest(values=x, window=2 + i % 50),
                                          callback=(lambda job: None) if i % 10 == 0 else None)
                    await job

            for start in range(0, 20_000, 1_000):
                await asyncio.gather(*(one(i) for i in range(start, start + 1_000)))
                marks.append(_rss_bytes())
            s = co.stats()
            assert s.succeeded == 20_000 and len(co._done) == 0 and len(co._active) == 0

    asyncio.run(main())  # not in debug mode: its bookkeeping is not what is measured
    growth = marks[-1] - marks[0]
    assert growth < 20 * 2**20, f"RSS grew {growth / 2**20:.1f} MB after the first 1,000 jobs"


SCRIPT = textwrap.dedent("""
    import sys, time, numpy as np, threadx
    x = np.cumsum(np.random.default_rng(3).standard_normal(1_000_000))
    req = threadx.IndicatorRequest(function="CCI", inputs=[x + 1, x - 1, x], params={"timeperiod": 5000})
    print("start", flush=True)
    try:
        threadx.run_jobs([req, req, req], max_workers=2)
    finally:  # CLOCK_MONOTONIC: the same clock as the test's
        print("returned", time.monotonic(), flush=True)
""")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_in_a_script_ends_cleanly_within_a_second() -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p), PYTHONDEVMODE="1")
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "start"
    time.sleep(0.5)  # the native jobs are running
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)  # the jobs alone would run ~20 s
    assert proc.returncode != 0 and "KeyboardInterrupt" in err, err
    for bad in ("Task was destroyed", "never retrieved", "was never awaited", "ResourceWarning"):
        assert bad not in err, err
    # time is the point: run_jobs returns about a second after Ctrl+C at most (a margin for a
    # loaded machine); the interpreter's own teardown after it is not what is measured
    returned = float(out.split("returned")[1])
    assert returned - t0 < 1.5, f"run_jobs returned {returned - t0:.2f} s after Ctrl+C"
