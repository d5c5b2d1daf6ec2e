"""``threadx`` command line: ``threadx demo``, ``threadx sweep``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd


def demo(window: int = 20, levels: Sequence[float] = (0.05, 0.5, 0.95), tail: int = 10) -> str:
    """Rolling quantile bands of the bundled GOOG closes and how often the close broke out."""
    import threadx
    from threadx import data, rolling

    df = data.sample()
    close = df["close"]
    t0 = time.perf_counter()
    bands = rolling.quantile(close, window, list(levels))
    assert isinstance(bands, pd.DataFrame)
    elapsed_ms = (time.perf_counter() - t0) * 1e3
    lo, mid, hi = (bands[q] for q in levels)
    # a breakout compares today's close with the band known at yesterday's close: no look-ahead
    prev_lo, prev_hi = lo.shift(1), hi.shift(1)
    valid = prev_lo.notna()
    above = (close > prev_hi) & valid
    below = (close < prev_lo) & valid
    n = int(valid.sum())

    table = pd.DataFrame({
        "close": close,
        f"q{levels[0]:g}": lo,
        f"q{levels[1]:g}": mid,
        f"q{levels[2]:g}": hi,
        "breakout": np.where(above, "up", np.where(below, "down", "")),
    }).tail(tail)
    table.index = pd.DatetimeIndex(table.index).strftime("%Y-%m-%d")
    lines = [
        f"ThreadX {threadx.__version__} demo: rolling {window}-day quantile bands of the close",
        f"data: {data.sample_path()} (daily NASDAQ:GOOG, {len(df)} bars "
        f"{df.index[0]:%Y-%m-%d}..{df.index[-1]:%Y-%m-%d}; attribution in threadx/data/ATTRIBUTION.md)",
        f"computed {len(levels)} exact quantiles over {len(df)} bars in {elapsed_ms:.2f} ms "
        f"on {threadx.get_num_threads()} thread(s)",
        "",
        table.to_string(float_format=lambda v: f"{v:,.2f}"),
        "",
        f"breakouts vs the previous day's band, over {n} days:",
        f"  above q{levels[2]:g}: {int(above.sum())} days ({above.sum() / n:.1%}); "
        f"below q{levels[0]:g}: {int(below.sum())} days ({below.sum() / n:.1%})",
        f"  (a close outside a {levels[0]:g}/{levels[2]:g} band of i.i.d. draws would happen "
        f"~{1 - (levels[2] - levels[0]):.0%} of days; trends make it cluster)",
    ]
    return "\n".join(lines)


def backtest_demo(fast: int = 10, slow: int = 20, fees: float = 0.002, progress: bool = False) -> str:
    """An SMA-crossover backtest and a small sweep on the bundled bars."""
    import threadx.ta as ta
    from threadx import backtest, data

    df = data.sample()
    close = df["close"]
    f, s = ta.SMA(close, timeperiod=fast), ta.SMA(close, timeperiod=slow)
    up = ((f > s) & (f.shift() <= s.shift())).astype(bool)
    down = ((f < s) & (f.shift() >= s.shift())).astype(bool)
    t0 = time.perf_counter()
    res = backtest.run(df, entries=up, short_entries=down, fees=fees)
    run_ms = (time.perf_counter() - t0) * 1e3
    keys = ["Return [%]", "Buy & Hold Return [%]", "Sharpe Ratio", "Max. Drawdown [%]", "# Trades", "Win Rate [%]"]
    stats = res.stats[keys]
    t0 = time.perf_counter()
    grid = backtest.sweep("sma_cross", df, fast=range(5, 51, 5), slow=range(10, 201, 10), fees=fees, short=True,
                          constraint=lambda p: p.fast < p.slow, top_k=5, progress=progress)
    sweep_ms = (time.perf_counter() - t0) * 1e3
    n_combos = sum(1 for a in range(5, 51, 5) for b in range(10, 201, 10) if a < b)
    lines = [
        f"backtest: SMA({fast}) x SMA({slow}) crossover, long and short, fees {fees:.1%}, fills at the next open "
        f"({run_ms:.1f} ms)",
        stats.to_string(),
        "",
        f"sweep: sma_cross over {n_combos} (fast, slow) pairs in {sweep_ms:.0f} ms; best by Sharpe ratio:",
        grid[["Sharpe Ratio", "Return [%]", "Max. Drawdown [%]", "# Trades"]].to_string(
            float_format=lambda v: f"{v:,.2f}"),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="threadx", description="ThreadX command line")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="quantile bands, a backtest and a sweep on the bundled daily data")
    p_demo.add_argument("--window", type=int, default=20, help="window in bars (default 20)")
    p_demo.add_argument("--tail", type=int, default=10, help="rows to print (default 10)")
    args = parser.parse_args(argv)
    from threadx.errors import ThreadXError

    try:
        if args.command == "demo":
            print(demo(window=args.window, tail=args.tail))
            print()
            print(backtest_demo(progress=sys.stderr.isatty()))
    except ThreadXError as exc:
        print(f"threadx: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
