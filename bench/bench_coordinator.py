#!/usr/bin/env python
"""Benchmark threadx.Coordinator against the plain ways of running the same kernels.

    python bench/bench_coordinator.py              # full run
    python bench/bench_coordinator.py --quick      # fewer jobs

Three measurements, each side by side in one run:

1. latency: submit-to-result of a 100-value RollingRequest on an idle coordinator
   (one job at a time), p50 and p99 over `--jobs` jobs, against a bare
   ``loop.run_in_executor`` round trip of the same kernel.  Target: p50 <= 2x bare.
2. throughput: `--heavy` jobs of >= 1 ms each (a rolling quantile) through the
   coordinator against a ``concurrent.futures.ThreadPoolExecutor`` with the same
   number of threads.  Target: within 10 %.
3. scaling: many small jobs with 1 and with 2 workers (speed-up).
4. cancellation: from job.cancel() of a running ~10-second native job (CCI, 5,000-bar
   window, 1e6 bars) to the next job's result on the only worker.  Target: <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import threadx
from threadx import Coordinator


def small_request() -> threadx.RollingRequest:
    x = np.cumsum(np.random.default_rng(1).standard_normal(100))
    return threadx.RollingRequest(values=x, window=10, stat="mean")


def heavy_requests(n: int, size: int) -> list[threadx.RollingRequest]:
    rng = np.random.default_rng(2)
    return [threadx.RollingRequest(values=np.cumsum(rng.standard_normal(size)), window=250, stat="quantile", q=0.9)
            for _ in range(n)]


async def latency(jobs: int) -> dict[str, float]:
    req = small_request()
    x, w = req.values, req.window
    loop = asyncio.get_running_loop()
    bare: list[float] = []
    ours: list[float] = []
    with ThreadPoolExecutor(1) as pool:
        async with Coordinator(max_workers=1) as co:
            for _ in range(200):  # warm-up of both paths
                await loop.run_in_executor(pool, threadx.rolling.mean, x, w)
                await (await co.submit(req))
            for i in range(jobs):  # interleaved, so both see the same machine
                t0 = time.perf_counter()
                await loop.run_in_executor(pool, threadx.rolling.mean, x, w)
                t1 = time.perf_counter()
                await (await co.submit(req))
                t2 = time.perf_counter()
                bare.append(t1 - t0)
                ours.append(t2 - t1)
    pct = lambda v, q: float(np.percentile(v, q)) * 1e6  # noqa: E731
    return {"bare_p50_us": pct(bare, 50), "bare_p99_us": pct(bare, 99),
            "coord_p50_us": pct(ours, 50), "coord_p99_us": pct(ours, 99)}


async def coordinator_run(requests: list[threadx.RollingRequest], workers: int) -> float:
    async with Coordinator(max_workers=workers, max_queue=len(requests)) as co:
        t0 = time.perf_counter()
        jobs = [await co.submit(r) for r in requests]
        for j in jobs:
            await j
        return time.perf_counter() - t0


def pool_run(requests: list[threadx.RollingRequest], workers: int) -> float:
    with ThreadPoolExecutor(workers) as pool:
        t0 = time.perf_counter()
        futures = [pool.submit(r.run) for r in requests]
        for f in futures:
            f.result()
        return time.perf_counter() - t0


async def cancel_latency(repeats: int) -> list[float]:
    x = np.cumsum(np.random.default_rng(3).standard_normal(1_000_000))
    long_job = threadx.IndicatorRequest(function="CCI", inputs=[x + 1, x - 1, x], params={"timeperiod": 5000})
    small = small_request()
    out = []
    async with Coordinator(max_workers=1) as co:
        for _ in range(repeats):
            job = await co.submit(long_job)
            while job.status is not threadx.JobStatus.RUNNING:
                await asyncio.sleep(0.001)
            await asyncio.sleep(0.05)
            t0 = time.perf_counter()
            job.cancel()
            await (await co.submit(small))
            out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--jobs", type=int, default=10_000, help="latency jobs")
    ap.add_argument("--heavy", type=int, default=200, help="throughput jobs")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    if args.quick:
        args.jobs, args.heavy, args.repeats = 2_000, 60, 3
    print(f"threadx {threadx.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}")

    lat = asyncio.run(latency(args.jobs))
    ratio = lat["coord_p50_us"] / lat["bare_p50_us"]
    print(f"\n1. latency, 100-value RollingRequest, {args.jobs} jobs one at a time")
    print(f"   bare run_in_executor: p50 {lat['bare_p50_us']:.1f} us, p99 {lat['bare_p99_us']:.1f} us")
    print(f"   coordinator:          p50 {lat['coord_p50_us']:.1f} us, p99 {lat['coord_p99_us']:.1f} us")
    print(f"   p50 ratio {ratio:.2f}x bare (target <= 2x: {'met' if ratio <= 2 else 'MISSED'})")

    heavy = heavy_requests(args.heavy, 100_000)
    one = time.perf_counter()
    heavy[0].run()
    per_job_ms = (time.perf_counter() - one) * 1e3
    workers = 2
    co_t, pool_t = [], []
    for _ in range(args.repeats):
        co_t.append(asyncio.run(coordinator_run(heavy, workers)))
        pool_t.append(pool_run(heavy, workers))
    co_m, pool_m = statistics.median(co_t), statistics.median(pool_t)
    print(f"\n2. throughput, {args.heavy} rolling-quantile jobs of ~{per_job_ms:.1f} ms, {workers} workers, "
          f"median of {args.repeats}")
    print(f"   ThreadPoolExecutor: {pool_m * 1e3:.1f} ms ({args.heavy / pool_m:.0f} jobs/s)")
    print(f"   coordinator:        {co_m * 1e3:.1f} ms ({args.heavy / co_m:.0f} jobs/s)")
    print(f"   coordinator/pool time {co_m / pool_m:.3f} (target <= 1.10: {'met' if co_m / pool_m <= 1.1 else 'MISSED'})")

    small = heavy_requests(2_000 if not args.quick else 500, 20_000)
    t1 = statistics.median(asyncio.run(coordinator_run(small, 1)) for _ in range(args.repeats))
    t2 = statistics.median(asyncio.run(coordinator_run(small, 2)) for _ in range(args.repeats))
    print(f"\n3. scaling, {len(small)} small jobs (20,000-value rolling quantile)")
    print(f"   1 worker {t1 * 1e3:.1f} ms, 2 workers {t2 * 1e3:.1f} ms: speed-up {t1 / t2:.2f}x")

    lat_c = asyncio.run(cancel_latency(5 if args.quick else 20))
    worst = max(lat_c) * 1e3
    print(f"\n4. cancel of a running ~10 s native job until the worker is free, {len(lat_c)} times")
    print(f"   median {statistics.median(lat_c) * 1e3:.2f} ms, max {worst:.2f} ms "
          f"(target <= 50 ms: {'met' if worst <= 50 else 'MISSED'})")


if __name__ == "__main__":
    main()
