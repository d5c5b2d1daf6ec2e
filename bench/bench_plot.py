#!/usr/bin/env python
"""``res.plot()`` on long backtests (issue 15 §1): the figure built and rendered to PNG.

    python bench/bench_plot.py            # 1e6 and 1e7 one-minute bars
    python bench/bench_plot.py --quick    # 1e5 and 1e6

Each size: a ``run`` of a trade every 100,000 bars, then ``res.plot()`` plus
``fig.savefig(png)`` (the figure drawn: every panel through M4 downsampling, at most five
points per pixel column), median of a few repeats; and ``threadx.plot.downsample`` of the
close alone.  Target (info, no peer here): ``res.plot()`` on 1e7 bars under 2 s.
"""

from __future__ import annotations

import argparse
import io
import platform
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from bench_backtest import bench

import threadx
from threadx import backtest, plot

ROW = "{:<44} {:>12} {:>11} {:>9}"


def median_ms(call: Callable[[], Any], repeats: int) -> float:
    """Median ms of ``call`` (bench_backtest.bench: a warm-up, gc.collect() before each run)."""
    return bench([call], repeats)[0]


def result(n: int) -> Any:
    close = 100 * np.exp(np.cumsum(np.random.default_rng(42).normal(0, 1e-4, n)))
    bars = pd.DataFrame({"open": close, "high": close * 1.0002, "low": close * 0.9998, "close": close},
                        index=pd.date_range("2000-01-03", periods=n, freq="min"))
    entries = np.zeros(n, bool)
    entries[::100_000] = True
    return backtest.run(bars, entries=entries, exits=np.roll(entries, 50_000), periods_per_year=252 * 390), close


def draw(res: Any) -> None:
    fig = res.plot()
    fig.savefig(io.BytesIO(), format="png", dpi=80)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"ThreadX {threadx.__version__}, Python {platform.python_version()}, {threadx.get_num_threads()} threads")
    print(ROW.format("command", "bars", "median ms", "target"))
    for n in ((10**5, 10**6) if args.quick else (10**6, 10**7)):
        res, close = result(n)
        ms = median_ms(lambda: draw(res), args.repeats)
        target = "<2000" if n == 10**7 else ""
        print(ROW.format("res.plot() + savefig(png)", f"{n:,}", f"{ms:,.1f}", target), flush=True)
        print(ROW.format("threadx.plot.downsample(close, 2000)", f"{n:,}",
                         f"{median_ms(lambda: plot.downsample(close, 2000), args.repeats):,.2f}", ""), flush=True)


if __name__ == "__main__":
    main()
