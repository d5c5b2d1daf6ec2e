#!/usr/bin/env python
"""The live spread monitor's targets (issue 16 §4).

    python bench/bench_live.py             # all three cases
    python bench/bench_live.py --quick     # smaller sizes

1. Core ingestion, one thread, numpy batches: 3 exchanges, 1,000 symbols, 15-minute windows,
   quotes at 1 per second per (exchange, symbol) of event time (3,000 ticks/s of market time,
   so a full window holds about 1,800 points per key; the default cap, 16,384, never
   truncates).  The windows are filled first (20 minutes of market time), then 1,000,000 ticks
   are fed in batches of 100,000 and of 1,000,000; median ticks/s of 3 passes.  A batch runs
   symbol by symbol (it cannot evict), so a larger batch reuses each symbol's windows more
   while they are in cache.  Target >= 1,000,000 ticks/s.
2. Spread calculation latency: one tick in (``update_arrays`` with a batch of one) -> its
   spreads and quantiles out, in the same steady state; p50/p99 of 100,000 calls (Python
   call included).  Target p99 < 1 ms.
3. End to end on loopback: three local exchanges (Coinbase ``ticker`` messages stamped with
   their send time to the microsecond) send 2,000 ticks/s in total for 10 s to a monitor
   (WebSocket feeds -> queue -> core -> subscriber server); one subscriber measures receive
   time minus send time of every row.  Target p99 < 10 ms; p50 reported.
4. 24 hours of ticks, time-compressed, over 10,000 spread keys (1,666 symbols x 6 directed
   pairs) through the core: RSS after the first window has filled vs at the end (target
   growth < 5 %), and the counters against the ticks fed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import time
from typing import Any

import numpy as np

import threadx
from threadx.live import SpreadBook

ROW = "{:<58} {:>14} {:>14} {:>10}"
EX3 = ("binance", "coinbase", "kraken")


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def ticks(n: int, symbols: int, rate: float, t0: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n ticks, Poisson-like arrivals at `rate` ticks/s of market time overall, random symbol and
    exchange; mids follow a per-symbol level with noise, half-spreads 1 bp."""
    dt = rng.exponential(1e9 / rate, n).astype(np.int64)
    sym = rng.integers(0, symbols, n).astype(np.int32)
    level = 100.0 + (sym % 97)
    mid = level * (1 + rng.normal(0, 2e-4, n))
    return {"time": t0 + np.cumsum(dt), "exchange": rng.integers(0, 3, n).astype(np.int32), "symbol": sym,
            "bid": mid * (1 - 1e-4), "ask": mid * (1 + 1e-4)}


def feed(book: SpreadBook, t: dict[str, np.ndarray], batch: int) -> None:
    for i in range(0, len(t["time"]), batch):
        book.update_arrays(*(t[k][i:i + batch] for k in ("time", "exchange", "symbol", "bid", "ask")))


SYMBOLS, RATE = 1000, 3000.0  # cases 1 and 2: 1,000 symbols, 3,000 ticks/s of market time


def warm_book(seed: int, minutes: int) -> tuple[SpreadBook, np.random.Generator, int]:
    """A book whose 15-minute windows have seen `minutes` of market time; its rng and last time."""
    book = SpreadBook(EX3, window="15min")
    book.symbol_ids([f"S{i}" for i in range(SYMBOLS)])
    rng = np.random.default_rng(seed)
    warm = ticks(int(RATE * 60 * minutes), SYMBOLS, RATE, 0, rng)
    feed(book, warm, 100_000)
    return book, rng, int(warm["time"][-1])


def core_ingestion(quick: bool, batch: int) -> float:
    symbols, rate = SYMBOLS, RATE
    book, rng, t_end = warm_book(1, 5 if quick else 20)
    n = 300_000 if quick else 1_000_000
    speeds = []
    for _ in range(3):
        t = ticks(n, symbols, rate, t_end, rng)
        t_end = int(t["time"][-1])
        gc.collect()
        t0 = time.perf_counter()
        feed(book, t, batch)
        speeds.append(n / (time.perf_counter() - t0))
    s = book.stats()
    per_key = s["points"] / max(s["keys"], 1)
    med = statistics.median(speeds)
    print(ROW.format(f"core ingestion 3 ex x {symbols} symbols, 15min, batches of {batch:,}",
                     f"{n:,} ticks", f"{med:,.0f}/s", "1,000,000/s"))
    print(f"{'':<58} {per_key:,.0f} points per key window, {s['keys']:,} keys")
    assert s["truncated_keys"] == 0 and s["dropped_points"] == 0
    return med


def latency(quick: bool) -> None:
    book, rng, t_end = warm_book(2, 5 if quick else 16)
    n = 20_000 if quick else 100_000
    t = ticks(n, SYMBOLS, RATE, t_end, rng)
    cols = [t[k] for k in ("time", "exchange", "symbol", "bid", "ask")]
    out = np.empty(n, np.int64)
    clock = time.perf_counter_ns
    for i in range(n):
        a = clock()
        book.update_arrays(cols[0][i:i + 1], cols[1][i:i + 1], cols[2][i:i + 1], cols[3][i:i + 1], cols[4][i:i + 1])
        out[i] = clock() - a
    p50, p99 = np.percentile(out, [50, 99]) / 1e6
    print(ROW.format("spread calculation, one tick in -> rows out (p50 / p99)", f"{n:,} ticks",
                     f"{p50:.4f} / {p99:.4f} ms", "p99 < 1 ms"))


async def end_to_end(seconds: float, rate: float) -> None:
    import pandas as pd
    import websockets
    from websockets.asyncio.server import serve

    from threadx.live import SpreadMonitor

    symbols = ["BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"]
    n_each = int(rate * seconds / 3)
    rng = np.random.default_rng(3)

    def handler_for(k: int) -> Any:
        async def handler(ws: Any) -> None:
            await ws.recv()  # the subscribe message
            interval = 3.0 / rate
            start = time.perf_counter()
            for i in range(n_each):
                due = start + i * interval
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sym = symbols[i % len(symbols)]
                mid = 100.0 * (1 + 1e-4 * rng.standard_normal())
                when = pd.Timestamp(time.time_ns(), tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                await ws.send(json.dumps({"type": "ticker", "product_id": sym, "best_bid": repr(mid * 0.9999),
                                          "best_ask": repr(mid * 1.0001), "time": when}))
            await ws.wait_closed()
        return handler

    async with serve(handler_for(0), "127.0.0.1", 0) as s0, serve(handler_for(1), "127.0.0.1", 0) as s1, \
            serve(handler_for(2), "127.0.0.1", 0) as s2:
        feeds = [{"name": name, "adapter": "coinbase", "url": f"ws://127.0.0.1:{s.sockets[0].getsockname()[1]}/",
                  "stale_timeout": 30.0} for name, s in zip(EX3, (s0, s1, s2))]
        cfg = {"monitor": {"symbols": symbols, "window": "15min", "batch_max": 64}, "server": {"port": 0},
               "feeds": feeds}
        mon = SpreadMonitor(cfg)
        await mon.start()
        lat: list[int] = []
        async with websockets.connect(f"ws://127.0.0.1:{mon.server.port}/spreads") as sub:
            async def read() -> None:
                async for m in sub:
                    now = time.time_ns()
                    msg = json.loads(m)
                    if msg["type"] == "spreads":
                        lat.extend(now - r["ts_event"] for r in msg["rows"])
            reader = asyncio.ensure_future(read())
            await asyncio.sleep(seconds + 1.0)
            report = await mon.stop()
            await asyncio.wait_for(reader, 5)
    arr = np.asarray(lat[len(lat) // 10:], dtype=np.float64) / 1e6  # skip the connection warm-up
    p50, p99 = np.percentile(arr, [50, 99])
    print(ROW.format(f"end to end on loopback at {rate:,.0f} ticks/s, {seconds:g} s (p50 / p99)",
                     f"{report['accepted']:,} ticks", f"{p50:.2f} / {p99:.2f} ms", "p99 < 10 ms"))


def day_replay(quick: bool) -> None:
    symbols = 1666  # x 6 directed pairs = 9,996 keys (max_keys 10,000)
    hours = 6 if quick else 24
    rate = symbols * 3 * 0.05  # a quote every 20 s per (exchange, symbol): ~90 points per key window
    book = SpreadBook(EX3, window="15min", max_quote_age="60s")
    book.symbol_ids([f"S{i}" for i in range(symbols)])
    rng = np.random.default_rng(4)
    t_end, fed, rss_after_window = 0, 0, 0.0
    per_hour = int(rate * 3600)
    t_start = time.perf_counter()
    for hour in range(hours):
        t = ticks(per_hour, symbols, rate, t_end, rng)
        t_end = int(t["time"][-1])
        feed(book, t, 100_000)
        fed += per_hour
        del t
        gc.collect()
        if hour == 0:
            rss_after_window = rss_mb()  # an hour in: every 15-minute window has filled
    rss_end = rss_mb()
    s = book.stats()
    growth = (rss_end / rss_after_window - 1) * 100
    print(ROW.format(f"{hours} h replay, {s['keys']:,} keys: RSS after 1 h / at end (growth)",
                     f"{fed:,} ticks", f"{rss_after_window:.0f} / {rss_end:.0f} MB ({growth:+.1f} %)", "< 5 %"))
    assert s["ticks"] == fed == s["accepted"], s
    assert s["keys"] == symbols * 6 and s["evicted"] == 0, s
    print(f"{'':<58} counters: ticks {s['ticks']:,} = fed, keys {s['keys']:,}, points {s['points']:,}, "
          f"{time.perf_counter() - t_start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["core", "latency", "e2e", "day"])
    parser.add_argument("--batch", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="core ingestion batch sizes (default 100,000 and 1,000,000)")
    args = parser.parse_args()
    print(f"ThreadX {threadx.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} cores")
    print(ROW.format("case", "size", "figure", "target"))
    if args.only in (None, "core"):
        for batch in args.batch:
            core_ingestion(args.quick, batch)
    if args.only in (None, "latency"):
        latency(args.quick)
    if args.only in (None, "e2e"):
        asyncio.run(end_to_end(5.0 if args.quick else 10.0, 2000.0))
    if args.only in (None, "day"):
        day_replay(args.quick)


if __name__ == "__main__":
    main()
