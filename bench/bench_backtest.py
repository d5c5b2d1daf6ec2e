#!/usr/bin/env python
"""Benchmark threadx.backtest against vectorbt and backtesting.py, doing the same work on each side.

    python bench/bench_backtest.py                 # full run (~3-5 min, most of it vectorbt compiling)
    python bench/bench_backtest.py --quick         # smaller sizes, no cold-cache vectorbt process (< 60 s)
    python bench/bench_backtest.py --cases 1,3     # only some of the seven cases
    python bench/bench_backtest.py --vbt-engine rust   # vectorbt's engine in cases 3-5 (default numba)

1. one symbol x 1,000,000 bars (geometric random walk OHLC, random entries/exits at ~1 %):
   ``threadx.backtest.run(execution="close", fractional=True, close_at_end=False)`` against
   ``vbt.Portfolio.from_signals(close, entries, exits, fees, engine=...)`` (warm), both computing
   the final value and the number of trades, vectorbt once with its numba engine and once with its
   Rust engine (the ``vectorbt-rust`` package, ``vectorbt[rust]``), the three run alternately in one
   session.  Parity: final value, filled orders, closed trades (each engine).
2. the same with a 1000 x 1000 signal matrix (1000 bars x 1000 columns, vectorbt's own
   benchmark shape; one close series shared by the columns): final value and trade count per column.
3. the sma_cross grid, windows 5-104 with fast < slow (4,950 combinations) on the bundled GOOG
   bars: ``threadx.backtest.sweep(keep="stats")`` against vectorbt (``MA.run_combs`` +
   ``ma_crossed_above/below`` + ``from_signals`` over all columns + the same metrics, warm), and
   per combination against backtesting.py ``Backtest.optimize`` on ~100 random combinations of
   the same grid (one worker thread: ``backtesting.Pool`` is replaced, see the notes printed).
4. peak RSS (``ru_maxrss``) of a 100,000-combination threadx sweep in a fresh process, and of
   vectorbt's 4,950-combination grid in a fresh process.
5. first call in a new process: vectorbt with an empty numba cache (``NUMBA_CACHE_DIR`` = a fresh
   temp dir) and with its normal on-disk cache, against threadx; import times apart.

6. order arrays, 1 x 1,000,000 bars and 1000 x 1000 (the data of cases 1 and 2): a target-percent
   array, NaN (no order) except at ~1 % of the bars, where it holds a random target in [0.1, 1.0]
   (long only, so no order reverses or shorts).  vectorbt:
   ``vbt.Portfolio.from_orders(close, size, size_type="targetpercent", fees=0.001, init_cash=10_000,
   engine=...)`` with everything else at its defaults (``price=np.inf``: the bar's close;
   ``val_price=np.inf``: valued at the order price; ``direction="both"``; ``allow_partial=True``;
   one order per column per bar; no cash sharing), + ``final_value()`` + ``orders.count()``.
   threadx: ``threadx.backtest.from_orders(data, size, size_type="target_percent", fees=0.001,
   init_cash=10_000)`` (its defaults ``execution="close"``, ``fractional=True``,
   ``close_at_end=False`` passed explicitly: fills at the bar's close, vectorbt's default price; NaN =
   no order), + the final equity + the filled orders of ``result.orders``.  One column: the frame and
   a 1-D size.  1000 columns: ``from_orders`` takes no 2-D size on one frame (a column is a symbol),
   so the timed call is the documented one, ``{"0": frame, ..., "999": frame}`` (the same frame
   object) with a DataFrame size of columns "0".."999", each symbol its own simulation
   (``cash_sharing=False``); two info rows time the cheapest accepted inputs (a dict of
   (open, high, low, close) array tuples and a dict of 1-D size arrays) with and without reading
   ``result.orders``.  Parity (info): vectorbt adds the fee on top of the target's units,
   docs/orders.md § 5 takes it out of the budget, so with fees the sizes of targets below 100 %
   differ by about the factor 1 + fees; the filled-order counts agree.
7. event-driven strategies, ``threadx.backtest.run(data, strategy=Cls, fees=0.002,
   close_at_end=False)`` against backtesting.py's ``Backtest(data, Cls, cash=10_000,
   commission=0.002).run()`` (next-open fills and whole units on both sides; each side's own
   ``crossover``, the same pandas SMA through ``self.I``; both timed with their stats and trades;
   backtesting.py's progress bar off).  (a) backtesting.py's SmaCross (10/20, ``position.close()``
   then ``buy()``/``sell()``) on its GOOG bars.  (b) a long-only SMA 10/30 cross with a 0.3 %
   stop-loss (``buy(sl=...)``) and no entry for 10 bars after a stop-loss exit, on random bars:
   both sides on 100,000 bars (the per-bar ratio at the same size), threadx alone on 1,000,000
   (backtesting.py would take minutes; its ratio is per bar against backtesting.py's 100,000-bar
   time), and an empty ``next()`` on each side (info: the bar loop alone).  Both cooldowns read
   ``closed_trades[-1]`` when the position went flat since the last bar: its ``exit_reason``
   (threadx) or ``exit_price <= sl`` (backtesting.py, whose trades have no exit reason; the bars
   have no gaps, so a stop fills at its level).  The trades (count, entry/exit bars, sizes, PnL at
   rtol 1e-9) are compared before timing; a difference is printed and the target counts as missed.

Timings are the median of ``repeats`` interleaved runs after one warm-up call per side (the warm-up
includes numba's JIT compile or cache load, which is never timed); ratio = other_ms / threadx_ms
(> 1: threadx is faster).  vectorbt gets tz-naive indexes: with a tz-aware one its wrapper converts
the index to an object array on every call (noted in the output).  Its engine is chosen per call
with ``engine="numba"`` / ``engine="rust"`` in cases 1, 2 and 6 (an explicit engine never falls back:
vectorbt raises if the Rust engine is not installed or cannot run the call); cases 3-5 use
``vbt.settings["engine"] = --vbt-engine`` (default "numba": with ``vectorbt-rust`` installed,
vectorbt's own default "auto" would pick Rust).  ``bench/compare_builds.py`` times cases 1 and 2 of
two threadx builds alternately (issue 13 § 5: the signal path against the pre-change commit).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Iterator
from typing import Any, Callable

import numpy as np
import pandas as pd

import threadx
import threadx.data
from threadx import backtest as txbt

SEED = 7
FEES = 0.001
INIT_CASH = 10_000.0
# the options that make threadx's rules match vectorbt's from_signals defaults: fill at the signal
# bar's close, fractional units, no forced close at the end (vectorbt leaves the last trade open)
TX_OPTS = dict(fees=FEES, init_cash=INIT_CASH, execution="close", fractional=True, close_at_end=False)
# case 6: threadx.backtest.from_orders with the same rules, on a target-percent array (NaN = no order)
TX_ORDER_OPTS = dict(TX_OPTS, size_type="target_percent")

# vectorbt's two simulation engines, each asked for explicitly (``engine=``) in cases 1, 2 and 6
VBT_ENGINES = ("numba", "rust")

ROW = "{:<4} {:<58} {:>12} {:>11} {:>9} {:>8} {:>7}"
results: list[tuple[str, bool | None]] = []  # (target, met; None: not measured)


def row(case: str, command: str, n: str, ms: float | None, ratio: float | None = None,
        target: float | None = None, unit: str = "x", missing: str = "") -> None:
    """One table row; ``missing`` is printed in the ms column when there is no time (``ms`` None)."""
    met = ""
    if target is not None and ratio is not None:
        ok = ratio >= target
        met = "met" if ok else "MISSED"
        results.append((f"case {case} ({n}): {command} >= {target:g}{unit}", ok))
    print(ROW.format(case, command, n, missing if ms is None else f"{ms:,.2f}",
                     "" if ratio is None else f"{ratio:,.1f}x",
                     "" if target is None else f">={target:g}{unit}", met), flush=True)


def note(text: str) -> None:
    print(textwrap.indent(textwrap.fill(text, 118), "     # "), flush=True)


def bench(calls: list[Callable[[], Any]], repeats: int, warm: bool = True) -> list[float]:
    """Median ms per call, the calls run alternately (after one untimed warm-up each).  Each call
    starts after an untimed ``gc.collect()``: otherwise the garbage one library leaves (vectorbt's
    records) is collected inside the next library's timed call (measured: threadx's case 1 from
    20 to 54 ms after vectorbt's calls, back to 23 ms with the collection), as timeit avoids too."""
    times: list[list[float]] = [[] for _ in calls]
    for rep in range(repeats + (1 if warm else 0)):
        for t, call in zip(times, calls):
            gc.collect()
            t0 = time.perf_counter()
            call()
            dt = time.perf_counter() - t0
            if rep or not warm:
                t.append(dt * 1e3)
    return [statistics.median(t) for t in times]


def rust_missing() -> str | None:
    """Why vectorbt's Rust engine cannot run here, from vectorbt's own check; None when it can."""
    try:
        from vectorbt._engine import is_rust_available
    except ImportError:
        return "this vectorbt has no Rust engine"
    if is_rust_available():
        return None
    return "vectorbt-rust missing or of another version (pip install vectorbt-rust==1.2.0)"


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


# ---------------------------------------------------------------- data

def random_ohlc(n: int, seed: int = SEED) -> pd.DataFrame:
    """Geometric random walk, open = previous close, high/low a little outside; minute bars."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.standard_normal(n) * 0.001))
    open_ = np.concatenate([[100.0], close[:-1]])
    high = np.maximum(open_, close) * (1 + np.abs(rng.standard_normal(n)) * 5e-4)
    low = np.minimum(open_, close) * (1 - np.abs(rng.standard_normal(n)) * 5e-4)
    idx = pd.date_range("2020-01-01", periods=n, freq="1min")  # tz-naive: see the module docstring
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close}, index=idx)


def random_signals(shape: tuple[int, ...], p: float = 0.01, seed: int = SEED + 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random(shape) < p, rng.random(shape) < p


def random_targets(shape: tuple[int, ...], p: float = 0.01, seed: int = SEED + 2) -> np.ndarray:
    """Target percents: NaN (no order) except at ~p of the bars, a uniform target in [0.1, 1.0] there."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random(shape) < p, rng.uniform(0.1, 1.0, shape), np.nan)


def frame_of(df: pd.DataFrame, bars: int, cols: int) -> tuple[tuple[int, ...], str, Callable[[np.ndarray], Any]]:
    """The array shape, the row label and the wrapper to pandas (vectorbt's input) of a case's size."""
    if cols == 1:
        return (bars,), f"{bars:,}", lambda a: pd.Series(a, index=df.index)
    return (bars, cols), f"{bars}x{cols}", lambda a: pd.DataFrame(a, index=df.index)


# ---------------------------------------------------------------- cases

def case_signals(case: str, vbt: Any, bars: int, cols: int, repeats: int, target: float,
                 engines: tuple[str, ...], missing: dict[str, str]) -> None:
    df = random_ohlc(bars)
    shape, label, wrap = frame_of(df, bars, cols)
    en, ex = random_signals(shape)
    close = df["close"]
    ven, vex = wrap(en), wrap(ex)

    def tx() -> tuple[Any, Any]:
        r = txbt.run(df, entries=en, exits=ex, **TX_OPTS)
        if cols == 1:
            return float(r.equity.iloc[-1]), len(r.trades)
        return r.equity.iloc[-1].to_numpy(), np.bincount(r.trades["sim"].to_numpy(), minlength=cols)

    def portfolio(engine: str) -> Any:
        return vbt.Portfolio.from_signals(close, ven, vex, fees=FEES, init_cash=INIT_CASH, engine=engine)

    def vb(engine: str) -> Callable[[], tuple[Any, Any]]:
        def call() -> tuple[Any, Any]:
            pf = portfolio(engine)
            if cols == 1:
                return float(pf.final_value()), int(pf.trades.count())
            return pf.final_value().to_numpy(), pf.trades.count().to_numpy()
        return call

    # parity, outside the timing: vectorbt counts the open last trade, threadx (close_at_end=False)
    # records closed trades only, so closed trades and filled orders are compared
    r = txbt.run(df, entries=en, exits=ex, **TX_OPTS)
    tx_fv = np.atleast_1d(r.equity.iloc[-1].to_numpy() if cols > 1 else r.equity.iloc[-1])
    tx_orders = int((r.orders["status"] == "filled").sum())
    tx_trades = len(r.trades)
    parity = []
    for engine in engines:
        pf = portfolio(engine)
        vb_fv = np.atleast_1d(np.asarray(pf.final_value()))
        worst = float(np.max(np.abs(tx_fv - vb_fv) / np.maximum(np.abs(vb_fv), 1e-300)))
        vb_orders, vb_closed = int(np.sum(pf.orders.count())), int(np.sum(pf.trades.closed.count()))
        ok = worst <= 1e-9 and tx_orders == vb_orders and tx_trades == vb_closed
        parity.append(f"vectorbt[{engine}] {'OK' if ok else 'DIFFERS'}: final value max rel diff {worst:.1e}, "
                      f"filled orders {vb_orders:,}, closed trades {vb_closed:,} (+{int(np.sum(pf.trades.open.count())):,}"
                      " open, which its trades.count() also counts)")

    times = bench([tx] + [vb(e) for e in engines], repeats)
    t_tx, t_vb = times[0], dict(zip(engines, times[1:]))
    row(case, "threadx run(execution=close, fractional) + final + #trades", label, t_tx)
    for engine in VBT_ENGINES:
        command = f"vectorbt[{engine}] from_signals + final_value + trades.count"
        if engine in t_vb:
            row(case, command, label, t_vb[engine], t_vb[engine] / t_tx, target)
        else:
            row(case, command, label, None, missing=f"n/a ({missing[engine]})")
    if cols > 1:
        nthr = threadx.get_num_threads()
        threadx.set_num_threads(1)
        try:
            (t1,) = bench([tx], repeats)
        finally:
            threadx.set_num_threads(nthr)
        ref = "rust" if "rust" in t_vb else engines[0]
        row(case, f"threadx, same, 1 thread (info; ratio vs vectorbt[{ref}])", label, t1, t_vb[ref] / t1)
    note(f"parity: threadx filled orders {tx_orders:,}, closed trades {tx_trades:,}; " + "; ".join(parity))
    if cols == 1:
        _breakdown(df, en, ex)


def _tx_orders_inputs(df: pd.DataFrame, size: np.ndarray, form: str) -> tuple[Any, Any]:
    """threadx's ``data`` and ``size`` of case 6.  One column: the frame and the 1-D array.  Several:
    ``form`` "frames" is vectorbt's call, the one frame and a 2-D size (a DataFrame, a column per
    simulation); "arrays" a dict of (open, high, low, close) array tuples, one per column (results on
    a RangeIndex), and a dict of 1-D size arrays."""
    if size.ndim == 1:
        return df, size
    names = [str(k) for k in range(size.shape[1])]
    if form == "frames":
        return df, pd.DataFrame(size, index=df.index, columns=names)
    ohlc = tuple(df[k].to_numpy() for k in ("open", "high", "low", "close"))
    return {s: ohlc for s in names}, {s: size[:, k] for k, s in enumerate(names)}


def _tx_orders_call(df: pd.DataFrame, size: np.ndarray, form: str = "frames",
                    records: bool = True) -> Callable[[], tuple[Any, int | None]] | str:
    """The threadx side of case 6: ``from_orders`` + the final equity (+ the filled orders, read from
    ``result.orders``, when ``records``), or why there is none (not built, or the call failed)."""
    from_orders = getattr(txbt, "from_orders", None)
    if from_orders is None:
        return "not built"
    data, sizes = _tx_orders_inputs(df, size, form)

    def call() -> tuple[Any, int | None]:
        r = from_orders(data, size=sizes, **TX_ORDER_OPTS)
        final = r.equity.iloc[-1]
        final = float(final) if size.ndim == 1 else final.to_numpy()
        return final, (int((r.orders["status"] == "filled").sum()) if records else None)

    try:
        call()
    except Exception as exc:  # noqa: BLE001 - report, never invent a number
        return f"call failed: {type(exc).__name__}: {str(exc)[:80]}"
    return call


def case_orders(vbt: Any, bars: int, cols: int, repeats: int, target: float, engines: tuple[str, ...],
                missing: dict[str, str]) -> None:
    """Case 6: order arrays (target percents), threadx.backtest.from_orders against vbt from_orders."""
    df = random_ohlc(bars)
    shape, label, wrap = frame_of(df, bars, cols)
    size = random_targets(shape)
    close, vsize = df["close"], wrap(size)

    def portfolio(engine: str) -> Any:
        return vbt.Portfolio.from_orders(close, vsize, size_type="targetpercent", fees=FEES, init_cash=INIT_CASH,
                                         engine=engine)

    def vb(engine: str) -> Callable[[], tuple[Any, Any]]:
        def call() -> tuple[Any, Any]:
            pf = portfolio(engine)
            if cols == 1:
                return float(pf.final_value()), int(pf.orders.count())
            return pf.final_value().to_numpy(), pf.orders.count().to_numpy()
        return call

    tx = _tx_orders_call(df, size)
    # several columns (info): the cheapest accepted inputs, and the same without reading the order records
    info = {}
    if callable(tx) and cols > 1:
        info = {"  threadx, (o,h,l,c) tuples + size arrays (info)": _tx_orders_call(df, size, "arrays"),
                "  threadx, the same, final only, no records (info)": _tx_orders_call(df, size, "arrays",
                                                                                             False)}
    tx_calls = ([tx] if callable(tx) else []) + [c for c in info.values() if callable(c)]
    times = bench(tx_calls + [vb(e) for e in engines], repeats)
    t_tx = times[0] if callable(tx) else None
    t_vb = dict(zip(engines, times[len(tx_calls):]))
    command = ("threadx from_orders(target_percent, close) + final + #orders" if cols == 1 else
               "threadx from_orders(one frame, 2-D size) + final + #orders")
    row("6", command, label, t_tx,
        missing="" if callable(tx) else f"n/a ({tx})")
    for engine in VBT_ENGINES:
        command = f"vectorbt[{engine}] from_orders(targetpercent) + final + #orders"
        if engine not in t_vb:
            row("6", command, label, None, missing=f"n/a ({missing[engine]})")
        elif t_tx is None:
            row("6", command, label, t_vb[engine])
            results.append((f"case 6 ({label}): {command} >= {target:g}x (threadx: {tx})", None))
        else:
            row("6", command, label, t_vb[engine], t_vb[engine] / t_tx, target)
    ref = "rust" if "rust" in t_vb else engines[0]
    for name, t in zip([k for k, c in info.items() if callable(c)], times[1:len(tx_calls)]):
        row("6", name, label, t, t_vb[ref] / t)
    for name, call in info.items():
        if not callable(call):
            row("6", name, label, None, missing=f"n/a ({call})")
    if info:
        note(f"info rows: ratio = vectorbt[{ref}] (with its final value and order count) / that row; the "
             "dict-of-arrays row skips the frame's checks per call but converts each column apart")

    # parity (info, outside the timing): the engines against each other, and threadx when built
    finals = {e: np.atleast_1d(np.asarray(portfolio(e).final_value())) for e in engines}
    counts = {e: int(np.sum(portfolio(e).orders.count())) for e in engines}
    text = [f"vectorbt[{e}] filled orders {counts[e]:,}" for e in engines]
    if len(engines) > 1:
        a, b = (finals[e] for e in engines[:2])
        text.append(f"final value max rel diff between the engines {float(np.max(np.abs(a - b) / np.abs(b))):.1e}")
    if callable(tx):
        fv, n_filled = tx()
        e = engines[0]
        diff = float(np.max(np.abs(np.atleast_1d(fv) - finals[e]) / np.abs(finals[e])))
        text.append(f"threadx filled orders {n_filled:,}, final value max rel diff vs vectorbt[{e}] {diff:.1e} "
                    "(expected: vectorbt's sizes of targets below 100 % are ~1 + fees larger, see the module docstring)")
        for name, call in info.items():
            if callable(call) and not np.array_equal(call()[0], fv):
                text.append(f"threadx '{name}' DIFFERS from the one-frame call")
    note("parity (info): " + "; ".join(text))


def _breakdown(df: pd.DataFrame, en: np.ndarray, ex: np.ndarray) -> None:
    """Where threadx's time goes on one long series (uses two private helpers, info only)."""
    try:
        from threadx.backtest import _engine
    except ImportError:
        return
    opts = dict(init_cash=INIT_CASH, fees=FEES, fixed_fees=0.0, slippage=0.0, size=None, size_type="percent",
                fractional=True, leverage=1.0, execution="close", order_type="market", expiry=None,
                sl_stop=None, tp_stop=None, tsl_stop=None, intrabar="backtesting", close_at_end=False,
                periods_per_year=None, start=None, end=None)
    try:
        prep = _engine.prepare(df, dict(entries=en, exits=ex), opts)
        b = prep.bars
        t_core, t_hash = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            _engine._core.backtest.run(prep.plan, b.open, b.high, b.low, b.close, b.times, prep.sims, prep.signals,
                                       prep.levels, None)
            t1 = time.perf_counter()
            b.fingerprint()
            t2 = time.perf_counter()
            t_core.append((t1 - t0) * 1e3)
            t_hash.append((t2 - t1) * 1e3)
        note(f"threadx breakdown: core simulation (_core.backtest.run) {statistics.median(t_core):.1f} ms; the result's "
             f"provenance data_sha256 (hashed only when provenance is read, not in this timing) {statistics.median(t_hash):.1f} ms")
    except Exception as exc:  # noqa: BLE001 - private API, info only
        note(f"threadx breakdown unavailable: {exc!r}")


def vbt_grid(vbt: Any, close: pd.Series, windows: np.ndarray) -> pd.DataFrame:
    """The vectorbt way to the sma_cross grid: every fast<slow pair, signals, one portfolio, metrics."""
    fast, slow = vbt.MA.run_combs(close, window=windows, r=2, short_names=["fast", "slow"])
    entries = fast.ma_crossed_above(slow)
    exits = fast.ma_crossed_below(slow)
    pf = vbt.Portfolio.from_signals(close, entries, exits, fees=FEES, init_cash=INIT_CASH, freq="1D")
    tr = pf.trades
    return pd.DataFrame({  # the metrics threadx's sweep computes per combination
        "final": pf.final_value(), "return": pf.total_return(), "ann_return": pf.annualized_return(),
        "ann_vol": pf.annualized_volatility(), "sharpe": pf.sharpe_ratio(), "sortino": pf.sortino_ratio(),
        "calmar": pf.calmar_ratio(), "max_dd": pf.max_drawdown(), "trades": tr.count(),
        "closed": tr.closed.count(), "win_rate": tr.win_rate(), "profit_factor": tr.profit_factor(),
        "expectancy": tr.expectancy(), "sqn": tr.sqn(),
    })


def bt_sma_cross() -> type:
    """backtesting.py's long-only SMA cross (the rules of the built-in ``sma_cross``: enter on the fast
    SMA crossing above the slow one, exit on the cross below), counting its runs in ``SmaCross.runs``."""
    from backtesting import Strategy
    from backtesting.lib import crossover
    from backtesting.test import SMA

    class SmaCross(Strategy):  # type: ignore[misc]
        fast, slow, runs = 10, 20, 0

        def init(self) -> None:
            type(self).runs += 1
            self.f = self.I(SMA, self.data.Close, self.fast)
            self.s = self.I(SMA, self.data.Close, self.slow)

        def next(self) -> None:
            if crossover(self.f, self.s):
                self.position.close()
                self.buy()
            elif crossover(self.s, self.f):
                self.position.close()

    return SmaCross


@contextlib.contextmanager
def bt_single_worker() -> Iterator[None]:
    """backtesting.py's ``optimize`` on one worker thread, without progress bars or warnings:
    ``backtesting.Pool`` (a multiprocessing.Pool, one process per CPU) is replaced by a 1-thread
    ``multiprocessing.dummy.Pool``, its ``_tqdm`` by the plain sequence (progress bars cost it time)."""
    from multiprocessing.dummy import Pool as ThreadPool

    import backtesting
    import backtesting.backtesting as bt_mod

    saved_pool, saved_tqdm = backtesting.Pool, bt_mod._tqdm
    backtesting.Pool = lambda processes=None, initializer=None, initargs=(): ThreadPool(1, initializer, initargs)
    bt_mod._tqdm = lambda seq, **_: seq
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        backtesting.Pool, bt_mod._tqdm = saved_pool, saved_tqdm


def case_sweep(vbt: Any, hi: int, bt_tries: int, repeats: int) -> None:
    goog = threadx.data.sample()
    windows = np.arange(5, hi)
    w = range(5, hi)
    n_combos = len(windows) * (len(windows) - 1) // 2
    close_naive = pd.Series(goog["close"].to_numpy(), index=goog.index.tz_localize(None), name="close")
    vbt.settings.returns["year_freq"] = "252 days"  # threadx infers 252 bars a year for these daily bars

    def tx() -> pd.DataFrame:
        return txbt.sweep("sma_cross", goog, fast=w, slow=w, constraint=lambda p: p.fast < p.slow, keep="stats",
                          **TX_OPTS)

    def vb() -> pd.DataFrame:
        return vbt_grid(vbt, close_naive, windows)

    st, vs = tx(), vb()
    t_tx, t_vb = bench([tx, vb], repeats)
    label = f"{n_combos:,} combos"
    row("3", f"threadx sweep('sma_cross', {hi - 5} windows, keep='stats')", label, t_tx)
    row("3", "vectorbt MA.run_combs + crossed + from_signals + metrics", label, t_vb, t_vb / t_tx, 10)

    # vectorbt's simulation alone, on the signals it already has (info)
    fast, slow = vbt.MA.run_combs(close_naive, window=windows, r=2, short_names=["fast", "slow"])
    ent, exi = fast.ma_crossed_above(slow), fast.ma_crossed_below(slow)
    (t_sim,) = bench([lambda: vbt.Portfolio.from_signals(close_naive, ent, exi, fees=FEES, init_cash=INIT_CASH,
                                                         freq="1D").final_value()], repeats)
    row("3", "  vectorbt from_signals + final_value only (info)", label, t_sim, t_sim / t_tx)
    # threadx's engine on vectorbt's own signal matrix (info): the same simulations through run()
    ent_np, exi_np = ent.to_numpy(), exi.to_numpy()
    (t_run,) = bench([lambda: txbt.run(goog, entries=ent_np, exits=exi_np, **TX_OPTS).equity.iloc[-1]], repeats)
    row("3", "  threadx run() on vectorbt's signal matrix + final (info)", label, t_run, t_sim / t_run)

    # parity per combination: final value and closed trades
    a = st.reset_index().set_index(["fast", "slow"]).sort_index()
    b = vs.copy()
    b.index = b.index.set_names(["fast", "slow"])
    b = b.sort_index()
    fv = np.abs(a["Equity Final [$]"].to_numpy() - b["final"].to_numpy()) / b["final"].to_numpy()
    n_tr = int(np.sum(a["# Trades"].to_numpy() != b["closed"].to_numpy()))
    note(f"parity vs vectorbt over {n_combos:,} combos: final value max rel diff {fv.max():.1e} "
         f"({int(np.sum(fv > 1e-9))} combos > 1e-9); closed-trade count differs in {n_tr} combos "
         "(the crossing rules agree except when the two SMAs tie exactly, and each library's rolling-mean rounding "
         "decides near-ties within ~1e-13)")

    # backtesting.py: Backtest.optimize on ~bt_tries random combinations of the same grid, one worker
    import backtesting
    from backtesting import Backtest
    from backtesting.test import GOOG

    SmaCross = bt_sma_cross()

    with bt_single_worker():
        bt = Backtest(GOOG, SmaCross, cash=INIT_CASH, commission=FEES, finalize_trades=True)
        t_bt = []
        for _ in range(max(1, repeats // 3)):
            SmaCross.runs = 0
            t0 = time.perf_counter()
            # a float max_tries is the sampled fraction: an int is divided by the unconstrained grid size
            # (backtesting.py counts the constrained grid only below 10,000 raw combinations)
            bt.optimize(fast=w, slow=w, constraint=lambda p: p.fast < p.slow, max_tries=bt_tries / n_combos,
                        random_state=0, maximize="Equity Final [$]", return_heatmap=False)
            t_bt.append((time.perf_counter() - t0) * 1e3 / SmaCross.runs)
        runs = SmaCross.runs
    per_tx = t_tx / n_combos
    per_bt = statistics.median(t_bt)
    row("3", "threadx sweep, per combination", "1 combo", per_tx)
    row("3", f"backtesting.py optimize(~{bt_tries} of the grid), per combination", f"{runs} runs", per_bt,
        per_bt / per_tx, 1000)
    note(f"backtesting.py {backtesting.__version__}: optimize() maps batches of combinations over "
         "backtesting.Pool(), a multiprocessing.Pool (fork) with one process per CPU plus a SharedMemoryManager "
         "process; here backtesting.Pool is replaced by a 1-thread multiprocessing.dummy.Pool so the run is "
         f"single-worker. It runs {runs - 1} sampled combinations + 1 rerun of the best; per combination = "
         "total / runs. Its rules differ (next-open fills, whole units) but the work per combination is the "
         "same kind: one simulation + its stats.")


HWM = ("int(next(ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM:')))")

CHILD_TX_SWEEP = """
import resource, time, sys
import numpy as np, pandas as pd
import threadx, threadx.data
from threadx import backtest as txbt
goog = threadx.data.sample()
base = {hwm}
fast, slow = {fast}, {slow}
t0 = time.perf_counter()
st = txbt.sweep("sma_cross", goog, fast=fast, slow=slow, constraint=lambda p: p.fast < p.slow, keep="stats",
                **{opts})
dt = time.perf_counter() - t0
print(len(st), base, {hwm}, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

CHILD_VBT_GRID = """
import resource, time, sys, warnings
warnings.simplefilter("ignore")
import numpy as np, pandas as pd
sys.path.insert(0, {bench_dir!r})
import vectorbt as vbt
vbt.settings["engine"] = {engine!r}
import threadx.data
from bench_backtest import vbt_grid
goog = threadx.data.sample()
close = pd.Series(goog["close"].to_numpy(), index=goog.index.tz_localize(None), name="close")
base = {hwm}
t0 = time.perf_counter()
out = vbt_grid(vbt, close, np.arange(5, {hi}))
dt = time.perf_counter() - t0
print(len(out), base, {hwm}, dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run_child(code: str, env: dict[str, str] | None = None, timeout: float = 900) -> list[str]:
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"child failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    return p.stdout.split()


def case_rss(quick: bool, engine: str) -> None:
    """Peak RSS as VmHWM of the child's own address space.  ru_maxrss is also printed, but Linux keeps
    it across fork+exec, so a child of this (by now large) process inherits the parent's peak."""
    opts = repr(TX_OPTS)
    if quick:
        fast, slow = "range(5, 15)", "range(110, 1110)"  # 10,000 combinations
    else:
        fast, slow = "range(5, 105)", "range(110, 1110)"  # 100,000 combinations, all fast < slow
    n, base, peak, dt, maxrss = run_child(CHILD_TX_SWEEP.format(fast=fast, slow=slow, opts=opts, hwm=HWM))
    peak_mb, base_mb = int(peak) / 1024, int(base) / 1024
    ok = peak_mb < 300
    results.append((f"case 4: threadx {int(n):,}-combination sweep peak RSS < 300 MB", ok))
    print(ROW.format("4", f"threadx sweep fast={fast} slow={slow}", f"{int(n):,} combos", f"{float(dt) * 1e3:,.0f}",
                     f"{peak_mb:,.0f}MB", "<300MB", "met" if ok else "MISSED"))
    note(f"peak RSS (VmHWM) {peak_mb:,.0f} MB: {base_mb:,.0f} MB after imports + data, the sweep adds "
         f"{peak_mb - base_mb:,.0f} MB; ru_maxrss {int(maxrss) / 1024:,.0f} MB (inherited from this parent "
         "process across fork+exec when larger); ms column = the sweep's wall time in that process")
    if quick:
        note("vectorbt 4,950-combination RSS: skipped in --quick")
        return
    try:
        n, base, peak, dt, maxrss = run_child(CHILD_VBT_GRID.format(
            bench_dir=os.path.dirname(os.path.abspath(__file__)), hi=105, hwm=HWM, engine=engine))
    except Exception as exc:  # noqa: BLE001
        note(f"vectorbt RSS run failed: {exc}")
        return
    print(ROW.format("4", "vectorbt grid (run_combs + from_signals + metrics)", f"{int(n):,} combos",
                     f"{float(dt) * 1e3:,.0f}", f"{int(peak) / 1024:,.0f}MB", "", ""))
    note(f"vectorbt peak RSS (VmHWM) {int(peak) / 1024:,.0f} MB ({int(base) / 1024:,.0f} MB before the grid); the "
         "ms column includes its first-call compilation (numba's on-disk cache in place)")
    n, base, peak, dt, maxrss = run_child(CHILD_TX_SWEEP.format(fast="range(5, 105)", slow="range(5, 105)",
                                                                opts=opts, hwm=HWM))
    print(ROW.format("4", "threadx sweep, the same 4,950 combos (info)", f"{int(n):,} combos",
                     f"{float(dt) * 1e3:,.0f}", f"{int(peak) / 1024:,.0f}MB", "", ""))


CHILD_FIRST = """
import time, sys, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import numpy as np, pandas as pd
t1 = time.perf_counter()
{import_}
t2 = time.perf_counter()
n = 2000
rng = np.random.default_rng(1)
close = 100 * np.exp(np.cumsum(rng.standard_normal(n) * 0.01))
idx = pd.date_range("2020-01-01", periods=n, freq="D")
df = pd.DataFrame({{"open": close, "high": close * 1.01, "low": close * 0.99, "close": close}}, index=idx)
en, ex = rng.random(n) < 0.01, rng.random(n) < 0.01
def call():
{call}
t3 = time.perf_counter()
a = call()
t4 = time.perf_counter()
b = call()
t5 = time.perf_counter()
print(t1 - t0, t2 - t1, t4 - t3, t5 - t4, a[0], a[1])
"""
TX_FIRST = ("from threadx import backtest as txbt",
            "    r = txbt.run(df, entries=en, exits=ex, **%r)\n    return float(r.equity.iloc[-1]), len(r.trades)"
            % TX_OPTS)
VB_FIRST = ("import vectorbt as vbt\nvbt.settings['engine'] = %r",
            "    pf = vbt.Portfolio.from_signals(df['close'], pd.Series(en, index=idx), pd.Series(ex, index=idx), "
            "fees=%r, init_cash=%r)\n    return float(pf.final_value()), int(pf.trades.closed.count())"
            % (FEES, INIT_CASH))


def case_first(quick: bool, engine: str) -> None:
    def child(spec: tuple[str, str], env: dict[str, str] | None = None) -> list[float]:
        out = run_child(CHILD_FIRST.format(import_=spec[0], call=spec[1]), env=env)
        return [float(v) for v in out]

    tx = child(TX_FIRST)
    row("5", "threadx: first run() + final + #trades in a new process", "2,000", tx[2] * 1e3)
    note(f"threadx process: numpy+pandas import {tx[0] * 1e3:,.0f} ms, `from threadx import backtest` "
         f"{tx[1] * 1e3:,.0f} ms, second call {tx[3] * 1e3:.2f} ms")
    if quick:
        note("vectorbt first-call processes: skipped in --quick (~20 s with numba's cache, ~45 s+ without)")
        return
    vb_first = (VB_FIRST[0] % engine, VB_FIRST[1])
    vb_warm = child(vb_first)
    row("5", "vectorbt: first call, numba on-disk cache present (info)", "2,000", vb_warm[2] * 1e3,
        vb_warm[2] / tx[2])
    cold = None
    if True:
        tmp = tempfile.mkdtemp(prefix="bench_backtest_numba_")
        try:
            env = dict(os.environ, NUMBA_CACHE_DIR=tmp)
            cold = child(vb_first, env)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        row("5", "vectorbt: first call, empty numba cache (NUMBA_CACHE_DIR=tmp)", "2,000", cold[2] * 1e3,
            cold[2] / tx[2], 100)
    v = cold or vb_warm
    note(f"vectorbt process: numpy+pandas import {v[0] * 1e3:,.0f} ms, `import vectorbt` {v[1] * 1e3:,.0f} ms "
         f"(warm-cache process: {vb_warm[1] * 1e3:,.0f} ms), second call {v[3] * 1e3:.2f} ms. "
         f"Parity: final value {tx[4]:.6f} vs {v[4]:.6f}, closed trades {tx[5]:.0f} vs {v[5]:.0f}. numba caches "
         "vectorbt's @njit(cache=True) functions in site-packages/vectorbt/**/__pycache__/*.nbi/*.nbc unless "
         "NUMBA_CACHE_DIR points elsewhere.")
    note(f"first call + import: threadx {(tx[1] + tx[2]) * 1e3:,.0f} ms vs vectorbt {(v[1] + v[2]) * 1e3:,.0f} ms "
         f"({(v[1] + v[2]) / (tx[1] + tx[2]):,.0f}x)")


# ---------------------------------------------------------------- case 7: event-driven strategies

SMA_FAST, SMA_SLOW = 10, 20            # 7a: backtesting.py's documented SmaCross
STOP_FAST, STOP_SLOW = 10, 30          # 7b: a long-only SMA cross ...
STOP_LOSS, COOLDOWN = 0.003, 10        # ... with a 0.3 % stop-loss and no entry for 10 bars after a stop-loss exit
BT_COMMISSION = 0.002                  # case 7 on both sides: commission 0.002, cash 10,000, next-open fills, whole units


def sma(x: Any, n: int) -> np.ndarray:
    """The one indicator function both libraries call through ``self.I`` (pandas' rolling mean)."""
    return pd.Series(np.asarray(x, dtype=np.float64)).rolling(n).mean().to_numpy()


class SmaCrossBody:
    """backtesting.py's documented SmaCross (10/20, ``position.close()`` then the other side), written
    once on the API both libraries share; ``cross`` is each library's own ``crossover``."""

    cross: Any

    def init(self) -> Any:
        self.f = self.I(sma, self.data.Close, SMA_FAST)  # type: ignore[attr-defined]
        self.s = self.I(sma, self.data.Close, SMA_SLOW)  # type: ignore[attr-defined]

    def next(self) -> None:
        if self.cross(self.f, self.s):
            self.position.close()  # type: ignore[attr-defined]
            self.buy()  # type: ignore[attr-defined]
        elif self.cross(self.s, self.f):
            self.position.close()  # type: ignore[attr-defined]
            self.sell()  # type: ignore[attr-defined]


class StopCooldownBody:
    """An SMA cross with a stop-loss and no entry for COOLDOWN bars after a stop-loss exit."""

    cross: Any

    def init(self) -> None:
        self.f = self.I(sma, self.data.Close, STOP_FAST)  # type: ignore[attr-defined]
        self.s = self.I(sma, self.data.Close, STOP_SLOW)  # type: ignore[attr-defined]
        self.held = False
        self.stop_bar = -COOLDOWN

    def next(self) -> None:
        j = len(self.data) - 1  # type: ignore[attr-defined]
        held = bool(self.position)  # type: ignore[attr-defined]
        if self.held and not held:  # a trade closed since the last bar: was it the stop-loss?
            t = self.closed_trades[-1]  # type: ignore[attr-defined]
            if self.stopped(t):
                self.stop_bar = t.exit_bar
        self.held = held
        if j - self.stop_bar < COOLDOWN:
            return
        if not held and self.cross(self.f, self.s):
            self.buy(sl=float(self.data.Close[-1]) * (1 - STOP_LOSS))  # type: ignore[attr-defined]
        elif held and self.cross(self.s, self.f):
            self.position.close()  # type: ignore[attr-defined]

    @staticmethod
    def stopped(t: Any) -> bool:
        """threadx records the exit reason; backtesting.py has none: an exit at or below the stop."""
        if hasattr(t, "exit_reason"):
            return bool(t.exit_reason == "stop_loss")
        return t.sl is not None and t.exit_price <= t.sl


def tx_strategies() -> tuple[type, type] | str:
    """threadx's SmaCross and StopCooldown (``threadx.backtest.Strategy``), or why there are none."""
    base = getattr(txbt, "Strategy", None)
    if base is None:
        return "not built"
    own = {"cross": staticmethod(txbt.crossover)}
    return type("SmaCross", (SmaCrossBody, base), own), type("StopCooldown", (StopCooldownBody, base), own)


def bt_strategies() -> tuple[type, type]:
    """The same two strategies in backtesting.py."""
    from backtesting import Strategy
    from backtesting.lib import crossover

    own = {"cross": staticmethod(crossover)}
    return type("SmaCross", (SmaCrossBody, Strategy), own), type("StopCooldown", (StopCooldownBody, Strategy), own)


def empty_strategies() -> tuple[type, type]:
    """A strategy whose next() does nothing, on each side: the cost of the bar loop alone."""
    import backtesting

    class TxNoop(txbt.Strategy):  # type: ignore[misc, name-defined]
        def next(self) -> None:
            pass

    class BtNoop(backtesting.Strategy):
        def init(self) -> None:
            pass

        def next(self) -> None:
            pass

    return TxNoop, BtNoop


def trades_differ(ours: Any, stats: Any) -> str | None:
    """Why threadx's closed trades differ from backtesting.py's (count, entry/exit bars, size, PnL at
    rtol 1e-9), or None when they are the same."""
    tr, ot = stats._trades, ours.trades
    if len(ot) != len(tr):
        return f"{len(ot):,} trades vs {len(tr):,}"
    sign = np.where(ot["side"].to_numpy() == "long", 1.0, -1.0)
    checks = (("entry bar", tr.EntryBar.to_numpy(), ot["entry_bar"].to_numpy(), 0.0),
              ("exit bar", tr.ExitBar.to_numpy(), ot["exit_bar"].to_numpy(), 0.0),
              ("size", tr.Size.to_numpy(np.float64), sign * ot["size"].to_numpy(), 0.0),
              ("PnL", tr.PnL.to_numpy(np.float64), ot["pnl"].to_numpy(), 1e-9))
    for name, want, got, rtol in checks:
        bad = np.flatnonzero(~np.isclose(got, want, rtol=rtol, atol=rtol))
        if bad.size:
            k = int(bad[0])
            return f"{name} of trade {k} ({bad.size:,} trades): {got[k]!r} vs {want[k]!r}"
    return None


def bt_run(data: pd.DataFrame, cls: type) -> Any:
    """backtesting.py's run (its stats, with ``_trades``), without its progress bar (as in case 3)."""
    import backtesting.backtesting as bt_mod
    saved = bt_mod._tqdm
    bt_mod._tqdm = lambda seq, **_: seq
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bt_mod.Backtest(data, cls, cash=INIT_CASH, commission=BT_COMMISSION).run()
    finally:
        bt_mod._tqdm = saved


def tx_run(data: pd.DataFrame, cls: type) -> Any:
    return txbt.run(data, strategy=cls, fees=BT_COMMISSION, init_cash=INIT_CASH, close_at_end=False)


def case_strategy(quick: bool, repeats: int) -> None:
    """Case 7: threadx.backtest.Strategy against backtesting.py's Strategy, the same rules."""
    import backtesting
    from backtesting.test import GOOG

    tx = tx_strategies()
    bt_sma, bt_stop = bt_strategies()
    goog = GOOG[["Open", "High", "Low", "Close", "Volume"]].astype(np.float64)
    n_small = 10_000 if quick else 100_000
    n_big = 20_000 if quick else 1_000_000
    if isinstance(tx, str):
        for label in ("GOOG SmaCross", "stop + cooldown"):
            row("7", f"threadx Strategy ({label})", "", None, missing=f"n/a ({tx})")
            results.append((f"case 7 ({label}): threadx Strategy >= 10x backtesting.py (threadx: {tx})", None))
        return
    tx_sma, tx_stop = tx

    # (a) SmaCross on GOOG: run() + stats + trades on each side (backtesting.py's run() computes its stats)
    ours, st = tx_run(goog, tx_sma), bt_run(goog, bt_sma)
    why = trades_differ(ours, st)
    label = f"{len(goog):,} bars"
    t_tx, t_bt = bench([lambda: (lambda r: (r.stats, r.trades))(tx_run(goog, tx_sma)),
                        lambda: bt_run(goog, bt_sma)], repeats)
    row("7", "threadx run(strategy=SmaCross) + stats + trades (GOOG)", label, t_tx)
    row("7", f"backtesting.py {backtesting.__version__} Backtest(SmaCross).run()", label, t_bt,
        t_bt / t_tx, None if why else 10)
    if why:
        results.append((f"case 7 (GOOG SmaCross): threadx Strategy >= 10x backtesting.py: trades differ ({why})",
                        False))
    note(f"parity: {len(ours.trades)} closed trades, "
         + (f"DIFFER from backtesting.py's: {why}" if why else "the same as backtesting.py's (entry/exit bars, "
            "sizes, PnL at rtol 1e-9)") + f"; final equity {float(ours.equity.iloc[-1]):,.4f} vs "
         f"{float(st['Equity Final [$]']):,.4f}")

    # (b) stop-loss + cooldown on random bars: parity and the per-bar ratio at n_small on both sides,
    # threadx alone at n_big (backtesting.py would take minutes there)
    small = random_ohlc(n_small).rename(columns=str.capitalize)
    ours, st = tx_run(small, tx_stop), bt_run(small, bt_stop)
    why = trades_differ(ours, st)
    reps = max(3, repeats // 2)
    t_tx, t_bt = bench([lambda: (lambda r: (r.stats, r.trades))(tx_run(small, tx_stop)),
                        lambda: bt_run(small, bt_stop)], reps, warm=False)
    label = f"{n_small:,} bars"
    us = 1e3 / n_small
    row("7", "threadx run(strategy=StopCooldown) + stats + trades", label, t_tx)
    row("7", "backtesting.py Backtest(StopCooldown).run() (same bars)", label, t_bt, t_bt / t_tx,
        None if why else 10)
    if why:
        results.append((f"case 7 (stop + cooldown): threadx Strategy >= 10x backtesting.py: trades differ ({why})",
                        False))
    stops = int((ours.trades["exit_reason"] == "stop_loss").sum())
    note(f"per bar: threadx {t_tx * us:.2f} us, backtesting.py {t_bt * us:.2f} us; parity: {len(ours.trades):,} closed "
         f"trades ({stops:,} stop-loss exits), " + (f"DIFFER from backtesting.py's: {why}" if why else
                                                      "the same as backtesting.py's (entry/exit bars, sizes, PnL at "
                                                      "rtol 1e-9)") + f"; median of {reps} interleaved runs, no warm-up")
    tx_noop, bt_noop = empty_strategies()
    t_tx0, t_bt0 = bench([lambda: tx_run(small, tx_noop), lambda: bt_run(small, bt_noop)], reps, warm=False)
    row("7", "  threadx, an empty next() (info: the engine's floor)", label, t_tx0)
    row("7", "  backtesting.py, an empty next() (info)", label, t_bt0, t_bt0 / t_tx0)
    note(f"per bar with an empty next(): threadx {t_tx0 * us:.2f} us, backtesting.py {t_bt0 * us:.2f} us; the rest of "
         "each side's time per bar is the strategy's own Python (crossover(), the revealed arrays, position, orders)")
    big = random_ohlc(n_big).rename(columns=str.capitalize)
    (t_big,) = bench([lambda: (lambda r: (r.stats, r.trades))(tx_run(big, tx_stop))], reps, warm=False)
    per_tx, per_bt = t_big / n_big, t_bt / n_small
    row("7", "threadx, the same, more bars (ratio per bar)", f"{n_big:,} bars", t_big,
        per_bt / per_tx, None if why else 10, unit="x per bar")
    note(f"per bar: threadx {per_tx * 1e3:.2f} us on {n_big:,} bars against backtesting.py {per_bt * 1e3:.2f} us on "
         f"{n_small:,} bars (the ratio row above); each cooldown reads closed_trades[-1] when the position went "
         "flat since the last bar: its exit_reason (threadx) or exit_price <= sl (backtesting.py)")


# ---------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, 3 repeats, no cold-cache vectorbt process")
    ap.add_argument("--cases", default="1,2,3,4,5,6,7", help="comma-separated case numbers (default all)")
    ap.add_argument("--vbt-engine", default="numba", choices=("numba", "rust", "auto"),
                    help="vectorbt's engine in cases 3-5 (cases 1, 2 and 6 time both engines; default numba)")
    ap.add_argument("--repeats", type=int, default=None, help="timed runs per side (default 7, quick 3)")
    args = ap.parse_args()
    repeats = args.repeats or (3 if args.quick else 7)
    cases = {c.strip() for c in args.cases.split(",") if c.strip()}
    t_start = time.perf_counter()

    import backtesting
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        import vectorbt as vbt
        t_vbt_import = time.perf_counter() - t0
        vbt.settings["engine"] = args.vbt_engine
        why = rust_missing()
    missing = {} if why is None else {"rust": why}
    engines = tuple(e for e in VBT_ENGINES if e not in missing)
    try:
        import vectorbt_rust
        rust_version = vectorbt_rust.__version__
    except ImportError:
        rust_version = "not installed"

    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")),
               platform.processor()) if os.path.exists("/proc/cpuinfo") else platform.processor()
    load = os.getloadavg()
    print(f"# nproc={len(os.sched_getaffinity(0))} (cpu_count={os.cpu_count()})  cpu={cpu}  "
          f"python={platform.python_version()}  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"# numpy={np.__version__}  pandas={pd.__version__}  vectorbt={vbt.__version__}  "
          f"vectorbt-rust={rust_version}  vectorbt engines timed in cases 1, 2, 6: {', '.join(engines)}; "
          f"in cases 3-5: {args.vbt_engine}  "
          f"backtesting={backtesting.__version__}  threadx from {os.path.dirname(threadx.__file__)}  "
          f"threadx threads={threadx.get_num_threads()}")
    print(f"# fees={FEES}, init_cash={INIT_CASH:,.0f}; threadx options {TX_OPTS}; median of {repeats} interleaved "
          f"runs after a warm-up; ratio = other_ms / threadx_ms")
    print(ROW.format("case", "command", "n", "median ms", "ratio", "target", "met"))

    if cases & {"1", "2", "6"}:  # vectorbt's first call compiles (or loads) its kernels: keep it out
        df = random_ohlc(100)
        e, x = random_signals((100, 2))
        first = []
        for engine in engines:
            t0 = time.perf_counter()
            vbt.Portfolio.from_signals(df["close"], pd.DataFrame(e, index=df.index), pd.DataFrame(x, index=df.index),
                                       fees=FEES, engine=engine).trades.count()
            vbt.Portfolio.from_orders(df["close"], pd.DataFrame(random_targets((100, 2)), index=df.index),
                                      size_type="targetpercent", fees=FEES, engine=engine).orders.count()
            first.append(f"{engine} {(time.perf_counter() - t0) * 1e3:,.0f} ms")
        note(f"vectorbt import {t_vbt_import * 1e3:,.0f} ms; its first from_signals + from_orders in this process: "
             f"{', '.join(first)} (numba loads/compiles its kernels), not timed below")
    if "1" in cases:
        case_signals("1", vbt, 100_000 if args.quick else 1_000_000, 1, repeats, 2, engines, missing)
        if not args.quick:  # the tz-aware index cost on vectorbt's side (info)
            df = random_ohlc(100_000)
            e, x = random_signals((100_000,))
            c = df["close"].tz_localize("UTC")
            es, xs = pd.Series(e, index=c.index), pd.Series(x, index=c.index)
            t_aw, t_nv = bench([lambda: vbt.Portfolio.from_signals(c, es, xs, fees=FEES).final_value(),
                                lambda: vbt.Portfolio.from_signals(df["close"], pd.Series(e, index=df.index),
                                                                   pd.Series(x, index=df.index),
                                                                   fees=FEES).final_value()], 3)
            note(f"vectorbt on a tz-aware (UTC) index, 100,000 bars: {t_aw:,.0f} ms vs {t_nv:,.0f} ms tz-naive "
                 "(its wrapper turns the index into an object array); vectorbt gets tz-naive data everywhere here")
    if "2" in cases:
        case_signals("2", vbt, 1000, 1000, repeats, 2, engines, missing)
    if "3" in cases:
        case_sweep(vbt, 55 if args.quick else 105, 10 if args.quick else 100, repeats)
    if "4" in cases:
        case_rss(args.quick, args.vbt_engine)
    if "5" in cases:
        case_first(args.quick, args.vbt_engine)
    if "6" in cases:
        case_orders(vbt, 100_000 if args.quick else 1_000_000, 1, repeats, 2, engines, missing)
        case_orders(vbt, 1000, 1000, repeats, 2, engines, missing)
    if "7" in cases:
        case_strategy(args.quick, repeats)

    print(f"\n# targets ({time.perf_counter() - t_start:,.0f} s, load average now "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}):")
    for name, ok in results:
        print(f"#   {'n/a   ' if ok is None else 'met   ' if ok else 'MISSED'}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
