#!/usr/bin/env python
"""Benchmark threadx.ta / threadx.stream against TA-Lib (and talipp for streaming).

    python bench/bench_ta.py                       # everything (n = 1,000,000)
    python bench/bench_ta.py --quick               # n = 100,000, 5 repeats
    python bench/bench_ta.py --only SMA,RSI --sections single

Sections:
  single    every indicator (default parameters) vs TA-Lib, one thread each, n bars
  grid      every indicator with a period parameter: its first period parameter swept over
            100 values (5..104) x 100,000 bars vs a Python loop of 100 TA-Lib calls; ThreadX
            on all cores (2 here); indicators without a period parameter have no grid
  universe  every indicator, 100 assets x 10,000 bars vs a loop of 100 TA-Lib calls; all cores
  (--quick: grid and universe on a representative set per kernel family, GRID_QUICK)
  stream    update throughput: ThreadX from C++ (update_many: the C++ state's update
            per bar) and from Python (one update call per bar) vs talib.stream and talipp

Every case first checks parity with TA-Lib (the rule of docs/design.md).  Timing alternates
ThreadX and the anchor: one warm-up each, then `repeats` runs each (>= 11 by default);
the figure is the median.  ratio = anchor_ms / threadx_ms (> 1: ThreadX faster).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import talib
import talib.stream as tstream

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import threadx  # noqa: E402
import threadx.ta as ta  # noqa: E402
from threadx import stream  # noqa: E402

SEED = 2024
TARGET_SINGLE, TARGET_GEO, TARGET_GRID, TARGET_STREAM_NS = 0.95, 1.1, 1.6, 50.0


def ohlcv(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    close -= min(0.0, close.min()) - 10  # keep prices positive
    open_ = np.r_[close[0], close[:-1]] + rng.normal(0, 0.2, n)
    high = np.maximum(open_, close) + np.abs(rng.normal(0, 0.6, n))
    low = np.minimum(open_, close) - np.abs(rng.normal(0, 0.6, n))
    volume = np.round(rng.lognormal(0, 0.5, n) * 1e5)
    d = {"open": open_, "high": high, "low": low, "close": close, "volume": volume}
    d.update(real=close, real0=high, real1=low, session=(np.arange(n) // 390).astype(float),
             periods=np.round(np.abs(np.sin(np.arange(n) / 50.0)) * 28 + 2))  # MAVP: periods 2..30
    return d


def parity_ok(got: Any, exp: Any, inputs: list[np.ndarray]) -> bool:
    got = got if isinstance(got, tuple) else (got,)
    exp = exp if isinstance(exp, tuple) else (exp,)
    scale = max(float(np.nanmax(np.abs(x))) for x in inputs)
    for g, e in zip(got, exp):
        g, e = np.asarray(g), np.asarray(e)
        if not np.array_equal(np.isnan(g), np.isnan(e)):
            return False
        ok = np.isfinite(e)
        if np.any(np.abs(g[ok] - e[ok]) > 1e-9 * np.maximum(np.abs(e[ok]), scale)):
            return False
    return True


# The clock of the single section: wall time, or with --clock cpu the CPU time of this thread
# (on a shared, loaded machine the wall time also counts the waits for a core).
CLOCK: Callable[[], float] = time.perf_counter


def interleaved(fa: Callable[[], Any], fb: Callable[[], Any], repeats: int,
                clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    fa(), fb()
    ta_, tb = [], []
    for _ in range(repeats):
        t = clock(); fa(); ta_.append(clock() - t)
        t = clock(); fb(); tb.append(clock() - t)
    return statistics.median(ta_) * 1e3, statistics.median(tb) * 1e3


def row(label: str, tx_ms: float, anchor_ms: float, target: float | None, note: str = "") -> tuple[str, float]:
    ratio = anchor_ms / tx_ms
    verdict = "" if target is None else ("met" if ratio >= target else "MISSED")
    print(f"| {label} | {tx_ms:.3f} | {anchor_ms:.3f} | {ratio:.2f}x | {'' if target is None else f'>= {target}x'} {verdict} | {note}")
    return verdict, ratio


def section_single(n: int, repeats: int, only: set[str] | None) -> bool:
    d = ohlcv(n)
    print(f"\n## single: every indicator, default parameters, n = {n:,}, 1 thread\n")
    print("| function | ThreadX ms | TA-Lib ms | ratio | target | |\n|---|---|---|---|---|---|")
    threadx.set_num_threads(1)
    ratios, ok = [], True
    for name in ta.get_functions():
        if (only and name not in only) or not hasattr(talib, name):
            continue
        inputs = [d[k] for k in ta.describe(name)["inputs"]]
        f_tx, f_tl = getattr(ta, name), getattr(talib, name)
        if not parity_ok(f_tx(*inputs), f_tl(*inputs), inputs):
            print(f"| {name} | PARITY FAILED | | | | |")
            ok = False
            continue
        tx_ms, tl_ms = interleaved(lambda: f_tx(*inputs), lambda: f_tl(*inputs), repeats, CLOCK)
        ratios.append(row(name, tx_ms, tl_ms, TARGET_SINGLE)[1])
    if ratios:
        geo = math.exp(sum(map(math.log, ratios)) / len(ratios))
        print(f"\ngeometric mean ratio over {len(ratios)} indicators: {geo:.2f}x (target >= {TARGET_GEO}x: "
              f"{'met' if geo >= TARGET_GEO else 'MISSED'}); below 0.95x: "
              f"{sum(r < TARGET_SINGLE for r in ratios)}")
    return ok


# --quick: one or two indicators per kernel family (running sums, EMA chains, Wilder sums,
# window extremes, positions, rolling variance/regression, pointwise, MA-typed composites)
GRID_QUICK = ("SMA", "EMA", "WMA", "KAMA", "RSI", "ATR", "ADX", "BBANDS", "MAX", "MAXINDEX", "STOCH",
              "LINEARREG", "CCI", "MACD", "SAR", "AD", "MEDPRICE")


def _functions(only: set[str] | None, quick: bool) -> list[str]:
    names = [f for f in ta.get_functions() if hasattr(talib, f) and (not only or f in only)]
    return [f for f in names if f in GRID_QUICK] if quick and not only else names


def _swept(name: str) -> str | None:
    """The first period parameter that takes 5..104 (None: the indicator has none)."""
    for p, spec in ta.describe(name)["params"].items():
        if spec["kind"] == "int" and spec["min"] <= 5 and spec["max"] >= 104:
            return p
    return None


def _first(got: Any) -> Any:
    return tuple(np.asarray(g)[:, 0] for g in got) if isinstance(got, tuple) else np.asarray(got)[:, 0]


def _summary(section: str, ratios: list[float]) -> None:
    if ratios:
        missed = sum(r < TARGET_GRID for r in ratios)
        print(f"\n{section}: {len(ratios)} indicators, min {min(ratios):.2f}x, geometric mean "
              f"{math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}x; below {TARGET_GRID}x: {missed}")


def section_grid(repeats: int, only: set[str] | None, cores: int, quick: bool = False) -> bool:
    n, periods = 100_000, list(range(5, 105))
    d = ohlcv(n, SEED + 1)
    print(f"\n## grid: 100 periods (5..104) x {n:,} bars, ThreadX on {cores} threads vs a loop of 100 TA-Lib calls\n")
    print("| function | ThreadX ms | TA-Lib loop ms | ratio | target | |\n|---|---|---|---|---|---|")
    threadx.set_num_threads(cores)
    ok, ratios = True, []
    for name in _functions(only, quick):
        param = _swept(name)
        if param is None:
            continue
        inputs = [d[k] for k in ta.describe(name)["inputs"]]
        f_tx, f_tl = getattr(ta, name), getattr(talib, name)
        if not parity_ok(_first(f_tx(*inputs, **{param: periods})), f_tl(*inputs, **{param: periods[0]}), inputs):
            print(f"| {name} | PARITY FAILED | | | | |")
            ok = False
            continue
        tx_ms, tl_ms = interleaved(lambda: f_tx(*inputs, **{param: periods}),
                                   lambda: [f_tl(*inputs, **{param: p}) for p in periods], repeats)
        ratios.append(row(name, tx_ms, tl_ms, TARGET_GRID, param)[1])
    _summary("grid", ratios)
    return ok


def section_universe(repeats: int, only: set[str] | None, cores: int, quick: bool = False) -> bool:
    n, assets = 10_000, 100
    ds = [ohlcv(n, SEED + 10 + a) for a in range(assets)]
    print(f"\n## universe: {assets} assets x {n:,} bars, ThreadX on {cores} threads vs a loop of {assets} TA-Lib calls\n")
    print("| function | ThreadX ms | TA-Lib loop ms | ratio | target | |\n|---|---|---|---|---|---|")
    threadx.set_num_threads(cores)
    ok, ratios = True, []
    for name in _functions(only, quick):
        keys = ta.describe(name)["inputs"]
        stacked = [np.asfortranarray(np.column_stack([d[k] for d in ds])) for k in keys]
        f_tx, f_tl = getattr(ta, name), getattr(talib, name)
        if not parity_ok(_first(f_tx(*stacked)), f_tl(*[ds[0][k] for k in keys]), [ds[0][k] for k in keys]):
            print(f"| {name} | PARITY FAILED | | | | |")
            ok = False
            continue
        per_asset = [[d[k] for k in keys] for d in ds]
        tx_ms, tl_ms = interleaved(lambda: f_tx(*stacked), lambda: [f_tl(*x) for x in per_asset], repeats)
        ratios.append(row(name, tx_ms, tl_ms, TARGET_GRID)[1])
    _summary("universe", ratios)
    return ok


def _talipp(name: str) -> Callable[[tuple[float, ...]], Any] | None:
    try:
        from talipp.indicators import ATR, EMA, RSI, SMA
        from talipp.ohlcv import OHLCV
    except ImportError:
        return None
    ind = {"SMA": lambda: SMA(30), "EMA": lambda: EMA(30), "RSI": lambda: RSI(14), "ATR": lambda: ATR(14)}[name]()
    if name == "ATR":
        return lambda bar: ind.add(OHLCV(bar[0], bar[0], bar[1], bar[2], 0.0))
    return lambda bar: ind.add(bar[0])


def section_stream(only: set[str] | None) -> bool:
    n_cpp, n_py = 1_000_000, 100_000
    d = ohlcv(n_cpp, SEED + 2)
    print(f"\n## stream: ns per bar (C++: update_many over {n_cpp:,} bars; Python: one update call per bar, {n_py:,} bars)\n")
    print("| function | ThreadX C++ ns | target | ThreadX Python ns | talib.stream ns | talipp ns |\n|---|---|---|---|---|---|")
    threadx.set_num_threads(1)
    for name in ("SMA", "EMA", "RSI", "ATR"):
        if (only and name not in only) or name not in ta.get_functions():
            continue
        keys = ta.describe(name)["inputs"]
        cols = [d[k] for k in keys]
        s = getattr(stream, name)()
        times = []
        for _ in range(5):
            t = time.perf_counter(); getattr(stream, name)().update_many(*cols); times.append(time.perf_counter() - t)
        cpp_ns = statistics.median(times) / n_cpp * 1e9
        bars = [tuple(float(c[i]) for c in cols) for i in range(n_py)]
        upd = s.update
        t = time.perf_counter()
        for b in bars:
            upd(*b)
        py_ns = (time.perf_counter() - t) / n_py * 1e9
        hist = [c[:100] for c in cols]
        h = getattr(tstream, name)(*hist)
        tu = h.update
        t = time.perf_counter()
        for b in bars:
            tu(*b)
        tl_ns = (time.perf_counter() - t) / n_py * 1e9
        add = _talipp(name)
        tp_ns = float("nan")
        if add is not None:
            t = time.perf_counter()
            for b in bars:
                add(b)
            tp_ns = (time.perf_counter() - t) / n_py * 1e9
        verdict = "met" if cpp_ns <= TARGET_STREAM_NS else "MISSED"
        print(f"| {name} | {cpp_ns:.1f} | <= {TARGET_STREAM_NS:.0f} ns {verdict} | {py_ns:.0f} | {tl_ns:.0f} | {tp_ns:.0f} |")
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="n = 100,000, 5 repeats; grid and universe on GRID_QUICK only")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--only", default="")
    ap.add_argument("--sections", default="single,grid,universe,stream")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="time the single section (1 thread) by wall clock or by the CPU time of the calling thread")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.thread_time if args.clock == "cpu" else time.perf_counter
    n = args.n or (100_000 if args.quick else 1_000_000)
    repeats = args.repeats or (5 if args.quick else 11)
    only = set(args.only.split(",")) - {""} or None
    cores = os.cpu_count() or 1
    print(f"# threadx {threadx.__version__}, TA-Lib {talib.__version__}, numpy {np.__version__}, "
          f"{platform.python_implementation()} {platform.python_version()}, {cores} cores, median of {repeats}, "
          f"{args.clock} clock")
    ok = True
    sections = args.sections.split(",")
    if "single" in sections:
        ok &= section_single(n, repeats, only)
    if "grid" in sections:
        ok &= section_grid(repeats, only, cores, args.quick)
    if "universe" in sections:
        ok &= section_universe(repeats, only, cores, args.quick)
    if "stream" in sections:
        ok &= section_stream(only)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
