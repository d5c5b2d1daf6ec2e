#!/usr/bin/env python
"""Benchmark threadx.research's PBO against a vectorised numpy implementation on the same partition sums.

    python bench/bench_research.py            # 1,000 trials x 2,000 periods, 16 partitions (12,870 combinations)
    python bench/bench_research.py --quick    # 200 trials, 12 partitions (924 combinations)

1. ``threadx.research.partition_sums(returns, 16)`` on a (2000, 1000) float64 matrix (info: no peer).
2. ``threadx.research.pbo(sums)`` against ``numpy_pbo(sums)``: the same CSCV from the same sums, every
   combination's in-sample sums as one 0/1 matrix product (BLAS), the out-of-sample sums as the
   totals minus those, the ordering keys, argmax, midranks and logits as whole-array operations,
   1,024 combinations at a time (memory bounded).  Parity first: the selected trials and λ must agree (the sums are added in another
   order, so the metrics agree to rounding).  Target: threadx >= 10x faster.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, where this machine sets them, slow numpy's BLAS: run as
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/bench_research.py`` for numpy's best.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import threadx
from threadx import research

SEED = 42
ROW = "{:<4} {:<58} {:>22} {:>11} {:>9} {:>8} {:>7}"
results: list[tuple[str, bool]] = []


def row(case: str, command: str, n: str, ms: float, ratio: float | None = None, target: float | None = None) -> None:
    met = ""
    if target is not None and ratio is not None:
        met = "met" if ratio >= target else "MISSED"
        results.append((f"case {case} ({n}): {command} >= {target:g}x", ratio >= target))
    print(ROW.format(case, command, n, f"{ms:,.2f}", "" if ratio is None else f"{ratio:,.1f}x",
                     "" if target is None else f">={target:g}x", met), flush=True)


def bench(calls: list[Callable[[], Any]], repeats: int) -> list[float]:
    """Median ms per call, the calls run alternately after one untimed warm-up each."""
    times: list[list[float]] = [[] for _ in calls]
    for rep in range(repeats + 1):
        for t, call in zip(times, calls):
            t0 = time.perf_counter()
            call()
            if rep:
                t.append((time.perf_counter() - t0) * 1e3)
    return [statistics.median(t) for t in times]


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


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{i.get('internal_api')} {i.get('architecture')} threads={i.get('num_threads')}"
                     for i in threadpool_info() if i.get("user_api") == "blas") or "no BLAS found"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    t_start = time.perf_counter()
    n_trials, n_rows, s = (200, 1000, 12) if args.quick else (1000, 2000, 16)
    repeats = args.repeats or (3 if args.quick else 5)
    rng = np.random.default_rng(SEED)
    returns = rng.normal(0, 0.01, size=(n_rows, n_trials))

    print(f"# nproc={len(os.sched_getaffinity(0))}  python={platform.python_version()}  numpy={np.__version__}  "
          f"threadx threads={threadx.get_num_threads()}  BLAS: {blas_info()}  "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}  "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"# median of {repeats} interleaved runs after a warm-up; ratio = numpy_ms / threadx_ms")
    print(ROW.format("case", "command", "n", "median ms", "ratio", "target", "met"))

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

    print(f"\n# targets ({time.perf_counter() - t_start:,.0f} s):")
    for name, ok in results:
        print(f"#   {'met   ' if ok else 'MISSED'}  {name}")
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
