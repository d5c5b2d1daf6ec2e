"""``threadx`` command line: ``threadx demo``, ``threadx sweep``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

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


def _grid_value(text: str) -> list[float] | float:
    """``5:105`` / ``5:105:5`` (a range, end excluded), ``10,20,50`` (a list) or ``14``."""
    if ":" in text:
        parts = [float(v) for v in text.split(":")]
        start, stop = parts[0], parts[1]
        step = parts[2] if len(parts) > 2 else 1.0
        return list(np.arange(start, stop, step))
    if "," in text:
        return [float(v) for v in text.split(",")]
    return float(text)


def sweep_command(strategy: str, data_path: str | None, params: Sequence[str], *, fees: float, short: bool,
                  top: int, metric: str, progress: bool) -> str:
    """``threadx sweep``: a built-in strategy over a grid, best rows first."""
    from threadx import backtest, data
    from threadx.errors import ValidationError

    bars = data.load(data_path, tz="UTC") if data_path else data.sample()
    grid: dict[str, Any] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValidationError([{"field": "param", "value": item, "message": "must be NAME=VALUES"}])
        try:
            grid[name] = _grid_value(value)
        except ValueError:
            raise ValidationError([{"field": name, "value": value,
                                    "message": "must be a number, a list 10,20,50 or a range 5:105[:5]"}]) from None
    t0 = time.perf_counter()
    out: pd.DataFrame = backtest.sweep(strategy, bars, fees=fees, short=short, metric=metric, top_k=top, progress=progress, **grid)
    ms = (time.perf_counter() - t0) * 1e3
    cols = ["Sharpe Ratio", "Return [%]", "Max. Drawdown [%]", "# Trades", "Win Rate [%]"]
    return (f"sweep {strategy} on {data_path or data.sample_path()} ({len(bars)} bars) in {ms:.0f} ms; "
            f"top {len(out)} by {metric}:\n" + out[cols].to_string(float_format=lambda v: f"{v:,.3f}"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="threadx", description="ThreadX command line")
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="quantile bands, a backtest and a sweep on the bundled daily data")
    p_demo.add_argument("--window", type=int, default=20, help="window in bars (default 20)")
    p_demo.add_argument("--tail", type=int, default=10, help="rows to print (default 10)")
    p_sweep = sub.add_parser("sweep", help="a built-in strategy over a parameter grid")
    p_sweep.add_argument("strategy", help="sma_cross, ema_cross, rsi_threshold, bbands_reversion, "
                         "donchian_breakout or quantile_band")
    p_sweep.add_argument("params", nargs="*", help="NAME=VALUES: 14, 10,20,50 or 5:105[:5] (end excluded)")
    p_sweep.add_argument("--data", help="an OHLC(V) file threadx.data.load reads (default: the bundled GOOG)")
    p_sweep.add_argument("--fees", type=float, default=0.001)
    p_sweep.add_argument("--short", action="store_true", help="add the mirrored short side")
    p_sweep.add_argument("--top", type=int, default=10)
    p_sweep.add_argument("--metric", default="sharpe")
    args = parser.parse_args(argv)
    from threadx.errors import ThreadXError

    try:
        if args.command == "demo":
            print(demo(window=args.window, tail=args.tail))
            print()
            print(backtest_demo(progress=sys.stderr.isatty()))
        elif args.command == "sweep":
            print(sweep_command(args.strategy, args.data, args.params, fees=args.fees, short=args.short,
                                top=args.top, metric=args.metric, progress=sys.stderr.isatty()))
    except ThreadXError as exc:
        print(f"threadx: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
