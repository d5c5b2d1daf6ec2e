"""Plots of backtest results and sweep tables (matplotlib, the ``plot`` extra; docs/plots.md).

- :func:`downsample`: the points of a long series worth drawing (M4 in the C++ core: per pixel
  column the first, lowest, highest and last point, and a NaN gap), so a line of 10 million
  bars draws in milliseconds and no spike is lost.
- :func:`backtest` (also ``res.plot()``): price with entries and exits, equity against buy and
  hold, drawdown, position, and indicators.
- :func:`heatmap` and :func:`distribution` of a sweep table's metric.
"""

from threadx.plot._backtest import backtest
from threadx.plot._downsample import downsample
from threadx.plot._sweep import distribution, heatmap

__all__ = ["backtest", "distribution", "downsample", "heatmap"]
