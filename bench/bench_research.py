#!/usr/bin/env python
"""Benchmark threadx.research: PBO against numpy on the same partition sums, walk-forward against vectorbt and backtesting.py.

    python bench/bench_research.py               # all cases (a few minutes on 2 cores, most of it vectorbt)
    python bench/bench_research.py --quick       # smaller sizes (< 1 min)
    python bench/bench_research.py --cases 3,4   # only some of the four cases

1. ``threadx.research.partition_sums(returns, 16)`` on a (2000, 1000) float64 matrix (info: no peer);
   --quick: 200 trials x 1,000 periods, 12 partitions (924 combinations).
2. ``threadx.research.pbo(sums)`` against ``numpy_pbo(sums)``: the same CSCV from the same sums, every
   combination's in-sample sums as one 0/1 matrix product (BLAS), the out-of-sample sums as the
   totals minus those, the ordering keys, argmax, midranks and logits as whole-array operations,
   1,024 combinations at a time (memory bounded).  Parity first: the selected trials and λ must agree (the sums are added in another
   order, so the metrics agree to rounding).  Target: threadx >= 10x faster.
3. walk-forward optimisation of the ``sma_cross`` grid of ``bench_backtest.py`` case 3 (windows 5-104,
   fast < slow: 4,950 combinations; --quick 5-54: 1,225) over 10 rolling folds on the bundled GOOG
   bars (``threadx.data.sample()``, 2,148 days): 504 train bars, then 164 test bars (the folds are printed).
   threadx: ``research.walk_forward("sma_cross", bars, research.WalkForward(train=504, test=164),
   fast=..., slow=..., constraint=fast < slow, metric="sharpe", **TX_OPTS)`` (``bench_backtest.TX_OPTS``:
   vectorbt's rules, fills at the signal bar's close, fractional units, fees 0.1 %).  vectorbt, the
   same walk-forward its way: ``close.vbt.rolling_split(n=10, window_len=504 + 164, set_lens=(164,),
   left_to_right=False)`` (the same windows, checked), per in-sample window ``MA.run_combs`` +
   ``ma_crossed_above/below`` + ``Portfolio.from_signals(engine="rust")`` and the best Sharpe ratio,
   then the ten chosen pairs out of sample in one ``MA.run(per_column=True)`` + ``from_signals`` call
   (the MAs read 104 bars of history before each test window and the position is closed at its last
   bar: what walk_forward's warm-up and ``boundary="close"`` do).  The Sharpe ratio is threadx's
   (backtesting.py's: annualised geometric return / annualised volatility, 252 bars a year) computed
   with numpy from ``pf.value()`` (vectorbt's own ``sharpe_ratio()``, mean / std x sqrt(252), is
   another metric that chooses other pairs; the parity line counts them).  Parity first: the windows,
   the chosen pair and in-sample Sharpe of every fold, the stitched out-of-sample final value.
   Target (judged at the full size; --quick prints the ratio only): threadx >= 20x faster.  Info rows:
   threadx's 10 in-sample sweeps alone (``backtest.sweep(..., top_k=1)`` on each train window: the rest
   of walk_forward's time is its out-of-sample run and per-fold stats), and walk_forward on one thread
   (vectorbt runs on one).
4. per combination against backtesting.py: ``Backtest(train bars, SmaCross, commission=0.001).optimize(
   fast=..., slow=..., constraint=..., maximize="Sharpe Ratio")`` in a loop over the folds' train
   windows, timed on a subset (it is slow): folds 0-1 and every 5th window (5, 10, ..., 100: 190
   combinations per fold; --quick fold 0, 45 combinations), one worker thread, per combination =
   total / strategy runs (its rerun of each fold's best included).  threadx: the whole case-3
   walk-forward (4,950 combinations x 10 folds) with backtesting.py's rules (fills at the next open,
   whole units, the last trade left open in sample), per combination = time / 49,500.  Parity: threadx
   on backtesting.py's subset chooses the same pairs with the same in-sample Sharpe.  Target: threadx
   >= 1,000x faster per combination.

Timings are the median of ``repeats`` interleaved runs, each call after an untimed ``gc.collect()``
(``bench_backtest.bench``), after a warm-up (cases 3-4: the parity runs; vectorbt's numba
compilation or cache load happens there, untimed).  ratio = other_ms / threadx_ms.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, where this machine sets them, slow numpy's BLAS: run as
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_research.py`` for numpy's best.
backtesting.py's shared memory, used in-process by the one-thread pool, makes Python's resource
tracker print ``KeyError: '/psm_...'`` tracebacks on stderr at exit (harmless).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import threadx
import threadx.data
from bench_backtest import (
    FEES,
    INIT_CASH,
    TX_OPTS,
    bench,
    bt_single_worker,
    bt_sma_cross,
    note,
    rel,
    rust_missing,
)
from threadx import research
from threadx.backtest import sweep

SEED = 42
ROW = "{:<4} {:<58} {:>22} {:>11} {:>9} {:>8} {:>7}"
results: list[tuple[str, bool]] = []

WF_TRAIN = 504                # in-sample bars per fold (two years of daily bars)
WF_FOLDS = 10
PPY = 252                     # bars a year: what threadx infers for the daily GOOG bars
BT_RULES = {"fees": FEES, "init_cash": INIT_CASH, "close_at_end": False}  # threadx with backtesting.py's rules
BT_STEP = 5                   # backtesting.py's sub-grid: every 5th window


def row(case: str, command: str, n: str, ms: float, ratio: float | None = None, target: float | None = None) -> None:
    met = ""
    if target is not None and ratio is not None:
        met = "met" if ratio >= target else "MISSED"
        results.append((f"case {case} ({n}): {command} >= {target:g}x", ratio >= target))
    print(ROW.format(case, command, n, f"{ms:,.4g}" if ms < 0.1 else f"{ms:,.2f}", "" if ratio is None else
                     f"{ratio:,.1f}x", "" if target is None else f">={target:g}x", met), flush=True)


def numpy_pbo(sums: research.PartitionSums, chunk: int = 1024) -> dict[str, Any]:
    """CSCV from the partition sums, vectorised with numpy (the rules of docs/research.md).

    Per chunk of combinations: the in-sample sums of every trial are one BLAS product of the 0/1
    combination matrix with the (S, 3N) sums, the out-of-sample sums the totals minus those; the
    trials are ordered by sign(SR)·SR² (no square root, as the core does); argmax, midranks and
    logits are whole-array operations."""
    s, n = sums.count.shape
    combos = np.array(list(itertools.combinations(range(s), s // 2)))
    mask = np.zeros((len(combos), s))
    mask[np.arange(len(combos))[:, None], combos] = 1.0
    parts = np.concatenate([sums.count, sums.sum, sums.sumsq], axis=1)  # (S, 3N)
    total = parts.sum(axis=0)
    logit = np.empty(len(combos))
    best_all = np.empty(len(combos), dtype=np.int64)

    def key(side: np.ndarray) -> np.ndarray:
        c, t, q = side[:, :n], side[:, n:2 * n], side[:, 2 * n:]
        with np.errstate(invalid="ignore", divide="ignore"):
            u = c * q - t * t
            out = t * np.abs(t) * (c - 1) / (c * u)
        out[(c < 2) | ~(u > 1e-12 * c * q)] = np.nan
        return out

    for k0 in range(0, len(combos), chunk):
        ins = mask[k0:k0 + chunk] @ parts
        is_k, oos_k = key(ins), key(total - ins)
        rows = np.arange(len(ins))
        filled = np.where(np.isnan(is_k), -np.inf, is_k)
        best = np.argmax(filled, axis=1)
        none = np.isneginf(filled[rows, best])
        x = oos_k[rows, best][:, None]
        less = (oos_k < x).sum(axis=1)
        equal = (oos_k == x).sum(axis=1)
        valid = (~np.isnan(oos_k)).sum(axis=1)
        w = (less + (equal + 1) / 2) / (valid + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            lam = np.log(w / (1 - w))
        lam[none | np.isnan(x[:, 0])] = np.nan
        logit[k0:k0 + chunk] = lam
        best_all[k0:k0 + chunk] = np.where(none, -1, best)
    ok = ~np.isnan(logit)
    return {"pbo": float(np.mean(logit[ok] <= 0)), "logit": logit, "best": best_all}



# ---------------------------------------------------------------- cases 1-2: PBO

def case_pbo(quick: bool, repeats: int) -> None:
    n_trials, n_rows, s = (200, 1000, 12) if quick else (1000, 2000, 16)
    returns = np.random.default_rng(SEED).normal(0, 0.01, size=(n_rows, n_trials))
    size = f"{n_trials:,} x {n_rows:,}, S={s}"
    (t_sums,) = bench([lambda: research.partition_sums(returns, s)], repeats)
    row("1", "threadx research.partition_sums", size, t_sums)

    sums = research.partition_sums(returns, s)
    got, want = research.pbo(sums), numpy_pbo(sums)
    same = np.array_equal(got.best, want["best"]) and np.allclose(got.logit, want["logit"], rtol=1e-9, atol=0)
    print(f"     # parity: {got.n_combinations:,} combinations, PBO threadx {got.pbo:.6f} / numpy {want['pbo']:.6f}, "
          f"selected trials and logits {'agree' if same else 'DIFFER'}")
    t_tx, t_np = bench([lambda: research.pbo(sums), lambda: numpy_pbo(sums)], repeats)
    combos = f"{got.n_combinations:,} combos"
    row("2", "threadx research.pbo", combos, t_tx)
    row("2", "numpy on the same partition sums (vectorised)", combos, t_np, t_np / t_tx, 10 if same else None)
    if not same:
        results.append(("case 2: parity", False))


# ---------------------------------------------------------------- cases 3-4: walk-forward

def fast_below_slow(p: pd.DataFrame) -> Any:
    return p.fast < p.slow


@dataclass(frozen=True)
class WalkForwardCase:
    """The data, folds and grid of cases 3 and 4."""

    data: pd.DataFrame                # the bundled GOOG bars (tz-aware UTC index)
    close: pd.Series                  # their closes on a tz-naive index (vectorbt's input)
    splitter: research.WalkForward
    splits: list[research.Split]
    windows: range                    # fast and slow both take these, fast < slow

    @property
    def test(self) -> int:
        return int(self.splits[0].test_stop - self.splits[0].test_start)

    @property
    def n_combos(self) -> int:
        return len(self.windows) * (len(self.windows) - 1) // 2


def wf_case(hi: int) -> WalkForwardCase:
    """10 rolling folds of WF_TRAIN train bars and as many test bars as fit back to back."""
    data = threadx.data.sample()
    splitter = research.WalkForward(train=WF_TRAIN, test=(len(data) - WF_TRAIN) // WF_FOLDS)
    close = pd.Series(data["close"].to_numpy(), index=data.index.tz_localize(None), name="close")
    return WalkForwardCase(data, close, splitter, splitter.split(data), range(5, hi))


def tx_walk_forward(c: WalkForwardCase, windows: range | None = None, splits: Any = None,
                    **options: Any) -> research.WalkForwardResult:
    w = c.windows if windows is None else windows
    return research.walk_forward("sma_cross", c.data, c.splitter if splits is None else splits, fast=w, slow=w,
                                 constraint=fast_below_slow, metric="sharpe", **options)


def tx_sharpe(value: np.ndarray, periods_per_year: float = PPY) -> np.ndarray:
    """threadx's "Sharpe Ratio" (backtesting.py's; ``threadx.backtest.STAT_DEFINITIONS``) of each column
    of an equity matrix (rows: bars), for equity positive throughout: per-bar returns R (bars 1..),
    g = (E[-1] / E[0]) ** (1 / #R) - 1, V = var(R, ddof=1), N = periods_per_year,
    Sharpe = ((1 + g)**N - 1) / sqrt((V + (1 + g)**2)**N - (1 + g)**(2N)); NaN where the volatility is 0."""
    e = np.asarray(value, dtype=np.float64)
    r = e[1:] / e[:-1] - 1
    g = (e[-1] / e[0]) ** (1 / r.shape[0]) - 1
    n = periods_per_year
    vol = np.sqrt((r.var(axis=0, ddof=1) + (1 + g) ** 2) ** n - (1 + g) ** (2 * n))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(vol != 0, ((1 + g) ** n - 1) / vol, np.nan)


def first_best(metric: np.ndarray) -> int:
    """The best column, NaN never chosen, the first of a tie (threadx's sweep sorts stably, in grid order)."""
    return int(np.argmax(np.where(np.isnan(metric), -np.inf, metric)))


@dataclass
class VbtWalkForward:
    pairs: list[tuple[int, int]]      # per fold the chosen (fast, slow)
    sharpe: list[np.ndarray]          # per fold every combination's in-sample Sharpe, in grid order
    native: list[tuple[int, int]]     # (parity run only) the pair vectorbt's own sharpe_ratio() would choose
    train: list[pd.Index]             # rolling_split's in-sample and out-of-sample windows
    test: list[pd.Index]
    fold_return: np.ndarray           # each fold's out-of-sample return
    final: float                      # the stitched out-of-sample final value (INIT_CASH compounded)


def vbt_walk_forward(vbt: Any, c: WalkForwardCase, engine: str, native: bool = False) -> VbtWalkForward:
    """The walk-forward of case 3 the vectorbt way (see the module docstring)."""
    n_folds, test, windows = len(c.splits), c.test, np.asarray(c.windows)
    n = WF_TRAIN + n_folds * test
    (in_price, in_idx), (_, out_idx) = c.close.iloc[:n].vbt.rolling_split(
        n=n_folds, window_len=WF_TRAIN + test, set_lens=(test,), left_to_right=False)
    pairs, sharpes, native_pairs = [], [], []
    for k in range(n_folds):
        price = in_price[k]
        fast, slow = vbt.MA.run_combs(price, window=windows, r=2, short_names=["fast", "slow"])
        entries, exits = fast.ma_crossed_above(slow), fast.ma_crossed_below(slow)
        pf = vbt.Portfolio.from_signals(price, entries, exits, fees=FEES, init_cash=INIT_CASH, freq="1D", engine=engine)
        sr = tx_sharpe(pf.value().to_numpy())
        pairs.append(_pair(entries.columns[first_best(sr)]))
        sharpes.append(sr)
        if native:
            native_pairs.append(_pair(entries.columns[first_best(pf.sharpe_ratio().to_numpy())]))
    starts = [int(c.close.index.get_loc(ix[0])) for ix in out_idx]
    ret = vbt_out_of_sample(vbt, c.close.to_numpy(), starts, test, pairs, int(windows.max()), engine)
    return VbtWalkForward(pairs, sharpes, native_pairs, list(in_idx), list(out_idx), ret,
                          INIT_CASH * float(np.prod(1 + ret)))


def _pair(column: tuple[Any, ...]) -> tuple[int, int]:
    return int(column[0]), int(column[1])


def vbt_out_of_sample(vbt: Any, close: np.ndarray, starts: list[int], test: int, pairs: list[tuple[int, int]],
                      history: int, engine: str) -> np.ndarray:
    """Each fold's pair on its test window, one column per fold in one call: the MAs read ``history``
    bars before the window, and the position is closed at its last bar (walk_forward's
    ``boundary="close"`` with ``execution="close"``: no entry there, an exit).  Each fold's return."""
    price = pd.DataFrame(np.stack([close[s - history:s + test] for s in starts], axis=1))
    fast = vbt.MA.run(price, window=[p[0] for p in pairs], per_column=True)
    slow = vbt.MA.run(price, window=[p[1] for p in pairs], per_column=True)
    entries = fast.ma_crossed_above(slow).to_numpy()[history:].copy()
    exits = fast.ma_crossed_below(slow).to_numpy()[history:].copy()
    entries[-1], exits[-1] = False, True
    pf = vbt.Portfolio.from_signals(pd.DataFrame(price.to_numpy()[history:]), entries, exits, fees=FEES,
                                    init_cash=INIT_CASH, freq="1D", engine=engine)
    return np.asarray(pf.final_value().to_numpy() / INIT_CASH - 1)


def tx_fold_returns(c: WalkForwardCase, res: research.WalkForwardResult) -> np.ndarray:
    """Each fold's out-of-sample return from the stitched equity: its last bar's equity over the
    previous fold's (the folds are back to back; the first starts from INIT_CASH)."""
    first = c.splits[0].test_start
    ends = res.equity.to_numpy()[[s.test_stop - 1 - first for s in c.splits]]
    return ends / np.concatenate([[INIT_CASH], ends[:-1]]) - 1


def tx_pairs(res: research.WalkForwardResult) -> list[tuple[int, int]]:
    return [(int(f), int(s)) for f, s in zip(res.folds["fast"], res.folds["slow"], strict=True)]


def print_folds(c: WalkForwardCase, res: research.WalkForwardResult, vb: VbtWalkForward) -> None:
    day = "%Y-%m-%d"
    note(f"folds: {c.splitter!r} on {len(c.data):,} bars ({c.data.index[0]:{day}} .. {c.data.index[-1]:{day}}); "
         "per fold the pair (fast/slow) and in-sample Sharpe each library chose")
    metric = res.folds["in-sample Sharpe Ratio"].to_numpy()
    for k, s in enumerate(c.splits):
        i = c.data.index
        (tf, ts), (vf, vs) = tx_pairs(res)[k], vb.pairs[k]
        print(f"     #   {k}  train {i[s.train[0]]:{day}} .. {i[s.train[-1]]:{day}}  test {i[s.test_start]:{day}} .. "
              f"{i[s.test_stop - 1]:{day}}  threadx {tf}/{ts} ({metric[k]:.4f})  vectorbt {vf}/{vs} "
              f"({vb.sharpe[k][first_best(vb.sharpe[k])]:.4f})")


def wf_parity(c: WalkForwardCase, res: research.WalkForwardResult, vb: VbtWalkForward) -> tuple[bool, str]:
    """Whether the windows, the chosen pairs (ties apart) and the stitched out-of-sample final value
    agree, and the parity line."""
    idx = c.close.index.to_numpy()
    windows_ok = all(np.array_equal(idx[s.train], tr.to_numpy()) and np.array_equal(idx[s.test], te.to_numpy())
                     for s, tr, te in zip(c.splits, vb.train, vb.test, strict=True))
    grid = {p: j for j, p in enumerate(itertools.combinations(c.windows, 2))}
    ties: list[str] = []
    differ: list[str] = []
    for k, (tp, vp) in enumerate(zip(tx_pairs(res), vb.pairs, strict=True)):
        if tp != vp:
            sr = vb.sharpe[k]
            tie = rel(sr[grid[tp]], sr[grid[vp]]) <= 1e-9
            (ties if tie else differ).append(f"fold {k} threadx {tp[0]}/{tp[1]} vectorbt {vp[0]}/{vp[1]}")
    sr_diff = max(rel(m, sr[first_best(sr)]) for m, sr in zip(res.folds["in-sample Sharpe Ratio"], vb.sharpe))
    final_diff = rel(float(res.equity.iloc[-1]), vb.final)
    ret_diff = float(np.max(np.abs(tx_fold_returns(c, res) - vb.fold_return)))
    native = sum(p == q for p, q in zip(tx_pairs(res), vb.native))
    ok = windows_ok and not differ and (bool(ties) or final_diff <= 1e-9)  # a tie trades another pair
    pairs = ("agree in every fold" if not (ties or differ) else
             "; ".join([*(f"DIFFER in {d}" for d in differ), *(f"tie (same Sharpe within 1e-9) in {t}" for t in ties)]))
    text = (f"parity {'OK' if ok else 'DIFFERS'}: windows {'the same' if windows_ok else 'DIFFER'}; chosen pairs "
            f"{pairs}; in-sample Sharpe max rel diff {sr_diff:.1e}; stitched out-of-sample final value "
            f"{float(res.equity.iloc[-1]):,.4f} vs {vb.final:,.4f} (rel diff {final_diff:.1e}), fold returns max abs "
            f"diff {ret_diff:.1e}; vectorbt's own sharpe_ratio() (mean/std x sqrt(252), another metric) would choose "
            f"the same pair in {native} of {len(c.splits)} folds")
    return ok, text


def case_walk_forward(c: WalkForwardCase, quick: bool, repeats: int) -> float | None:
    """Case 3; returns threadx's median ms (None when vectorbt is missing).  The target is judged at the
    issue's size only: on --quick's smaller grid threadx's fixed cost per fold weighs more."""
    try:
        import vectorbt as vbt
    except ImportError as exc:
        note(f"case 3 skipped: vectorbt is not installed ({exc})")
        return None
    why = rust_missing()
    engine = "rust" if why is None else "numba"
    if why:
        note(f"vectorbt's Rust engine unavailable ({why}): its numba engine is timed instead")
    label = f"{c.n_combos:,} combos x {len(c.splits)} folds"
    res = tx_walk_forward(c, **TX_OPTS)  # the parity runs are also each side's warm-up (vectorbt compiles)
    vb = vbt_walk_forward(vbt, c, engine, native=True)
    print_folds(c, res, vb)
    ok, text = wf_parity(c, res, vb)
    w = c.windows
    t_tx, t_vb, t_in = bench([
        lambda: tx_walk_forward(c, **TX_OPTS), lambda: vbt_walk_forward(vbt, c, engine),
        lambda: [sweep("sma_cross", c.data.iloc[s.train], fast=w, slow=w, constraint=fast_below_slow, top_k=1,
                       **TX_OPTS) for s in c.splits]], repeats, warm=False)
    row("3", f"threadx walk_forward('sma_cross', {len(c.splits)} folds)", label, t_tx)
    row("3", f"vectorbt[{engine}] rolling_split+run_combs+from_signals", label, t_vb, t_vb / t_tx,
        20 if ok and not quick else None)
    row("3", f"  threadx, its {len(c.splits)} in-sample sweeps alone (info)", label, t_in)
    nthr = threadx.get_num_threads()
    threadx.set_num_threads(1)
    try:
        (t_1,) = bench([lambda: tx_walk_forward(c, **TX_OPTS)], repeats)
    finally:
        threadx.set_num_threads(nthr)
    row("3", "  threadx walk_forward, 1 thread (info; ratio vs vectorbt)", label, t_1, t_vb / t_1)
    note(text)
    if not ok:
        results.append((f"case 3 ({label}): parity with vectorbt", False))
    return t_tx


def bt_walk_forward(c: WalkForwardCase, splits: list[research.Split], windows: range,
                    ) -> tuple[list[tuple[int, int, float]], int, float]:
    """backtesting.py's optimize over each split's train bars, one worker: per fold the chosen
    (fast, slow, in-sample Sharpe), the number of strategy runs and the total ms."""
    from backtesting import Backtest

    sma_cross = bt_sma_cross()
    data = c.data.rename(columns=str.capitalize)
    data.index = data.index.tz_localize(None)
    chosen = []
    with bt_single_worker():
        gc.collect()
        t0 = time.perf_counter()
        for s in splits:
            st = Backtest(data.iloc[s.train], sma_cross, cash=INIT_CASH, commission=FEES).optimize(
                fast=windows, slow=windows, constraint=fast_below_slow, maximize="Sharpe Ratio")
            chosen.append((int(st._strategy.fast), int(st._strategy.slow), float(st["Sharpe Ratio"])))
        ms = (time.perf_counter() - t0) * 1e3
    return chosen, sma_cross.runs, ms


def case_per_combination(c: WalkForwardCase, quick: bool, repeats: int) -> None:
    """Case 4: per combination, threadx's whole walk-forward against backtesting.py's optimize on a subset."""
    try:
        import backtesting
    except ImportError as exc:
        note(f"case 4 skipped: backtesting.py is not installed ({exc})")
        return
    splits = c.splits[:1 if quick else 2]
    sub = range(c.windows.start, c.windows.stop, BT_STEP)
    n_sub = len(sub) * (len(sub) - 1) // 2
    mine = tx_walk_forward(c, sub, splits, **BT_RULES)  # parity: threadx with backtesting.py's rules, its subset
    theirs, runs, _ = bt_walk_forward(c, splits, sub)
    got = [(f, s, m) for (f, s), m in zip(tx_pairs(mine), mine.folds["in-sample Sharpe Ratio"], strict=True)]
    same = [g[:2] == t[:2] and rel(g[2], t[2]) <= 1e-9 for g, t in zip(got, theirs, strict=True)]
    tx_wf = [lambda: tx_walk_forward(c, **BT_RULES)]
    (t_tx,) = bench(tx_wf, repeats)
    timed = [bt_walk_forward(c, splits, sub) for _ in range(max(1, repeats // 3))]
    t_bt = statistics.median(ms / n for _, n, ms in timed)
    per_tx = t_tx / (c.n_combos * len(c.splits))
    row("4", "threadx walk_forward, backtesting.py's rules, per combo", f"1 of {c.n_combos * len(c.splits):,}", per_tx)
    row("4", f"backtesting.py {backtesting.__version__} optimize, {len(splits)} fold(s) x {n_sub} combos, per combo",
        f"1 of {runs:,} runs", t_bt, t_bt / per_tx, 1000 if all(same) else None)
    note(f"threadx row: the whole walk-forward of case 3 ({c.n_combos:,} combinations x {len(c.splits)} folds, "
         f"{t_tx:,.0f} ms) with backtesting.py's rules (next-open fills, whole units, the last trade left open "
         f"in sample) / {c.n_combos * len(c.splits):,}. backtesting.py row, a subset (it is slow): folds "
         f"0-{len(splits) - 1}, windows {sub.start}, {sub.start + BT_STEP}, .., {sub[-1]} ({n_sub} combinations "
         f"per fold), one worker thread (bench_backtest.bt_single_worker), {runs} strategy runs (each fold's best "
         "rerun included); ms = total / runs")
    note("parity (threadx on the same subset and rules): " + "; ".join(
        f"fold {k} threadx {g[0]}/{g[1]} ({g[2]:.6f}) backtesting.py {t[0]}/{t[1]} ({t[2]:.6f}) "
        f"{'same' if ok else 'DIFFER'}" for k, (g, t, ok) in enumerate(zip(got, theirs, same))))
    if not all(same):
        results.append(("case 4: parity with backtesting.py's optimize", False))


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i.get('internal_api')} {i.get('architecture')} threads={i.get('num_threads')}"
                     for i in threadpool_info() if i.get("user_api") == "blas") or "no BLAS found"


# ---------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--cases", default="1,2,3,4", help="comma-separated case numbers (default all)")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per side (default 5, quick 3)")
    args = parser.parse_args()
    cases = {k.strip() for k in args.cases.split(",") if k.strip()}
    t_start = time.perf_counter()
    repeats = args.repeats or (3 if args.quick else 5)

    print(f"# nproc={len(os.sched_getaffinity(0))}  python={platform.python_version()}  numpy={np.__version__}  "
          f"threadx threads={threadx.get_num_threads()}  BLAS: {blas_info()}  "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}  "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"# {peer_versions()}; cases 3-4: fees={FEES}, init_cash={INIT_CASH:,.0f}")
    print(f"# median of {repeats} interleaved runs after a warm-up, gc.collect() before each; "
          "ratio = other_ms / threadx_ms")
    print(ROW.format("case", "command", "n", "median ms", "ratio", "target", "met"))

    if cases & {"1", "2"}:
        case_pbo(args.quick, repeats)
    if cases & {"3", "4"}:
        c = wf_case(55 if args.quick else 105)
        if "3" in cases:
            case_walk_forward(c, args.quick, repeats)
        if "4" in cases:
            case_per_combination(c, args.quick, repeats)

    print(f"\n# targets ({time.perf_counter() - t_start:,.0f} s, load average now "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}):")
    for name, ok in results:
        print(f"#   {'met   ' if ok else 'MISSED'}  {name}")
    return 0 if all(ok for _, ok in results) else 1


def peer_versions() -> str:
    out = []
    for name in ("vectorbt", "vectorbt_rust", "backtesting"):
        try:
            out.append(f"{name}={__import__(name).__version__}")
        except ImportError:
            out.append(f"{name} not installed")
    return "  ".join(out)


if __name__ == "__main__":
    sys.exit(main())
