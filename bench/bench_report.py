#!/usr/bin/env python
"""``res.report(path)`` on long backtests (issue 15 §2): the whole HTML tear sheet written.

    python bench/bench_report.py            # 1e6 and 1e7 one-minute bars
    python bench/bench_report.py --quick    # 1e5 and 1e6

Each size: a ``run`` of a trade every 100,000 bars (as ``bench/bench_plot.py``), then
``res.report(tmp/report.html)`` (stats, daily returns and their quantstats metrics, every chart
rendered to SVG, the drawdown periods, the page written atomically), median of a few repeats;
and the page's size.  Info, no target: the issue's closing note gives these times.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
from pathlib import Path


import threadx
from bench_plot import median_ms, result  # the same bars and timing as res.plot()'s bench

ROW = "{:<44} {:>12} {:>11} {:>9}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="*", help="bar counts (default: 1e6 1e7, --quick: 1e5 1e6)")
    args = parser.parse_args()
    sizes = args.sizes or ((10**5, 10**6) if args.quick else (10**6, 10**7))
    print(f"ThreadX {threadx.__version__}, Python {platform.python_version()}, {threadx.get_num_threads()} threads")
    print(ROW.format("command", "bars", "median ms", "page KiB"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.html"
        for n in sizes:
            res, _ = result(n)
            ms = median_ms(lambda: res.report(path), args.repeats)
            print(ROW.format("res.report(path)", f"{n:,}", f"{ms:,.1f}", f"{path.stat().st_size / 1024:,.0f}"),
                  flush=True)


if __name__ == "__main__":
    main()
