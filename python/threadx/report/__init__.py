"""The HTML tear sheet (docs/report.md): one self-contained file that opens offline.

- :func:`backtest` (also ``res.report(path)``): key metrics (backtesting.py's stats),
  quantstats' metrics of the daily returns, monthly and yearly returns, rolling Sharpe and
  volatility, the top 5 drawdown periods, the trade list (sortable) and its PnL distribution,
  costs, parameters and provenance, and with ``benchmark=`` alpha, beta, the information
  ratio and a relative equity line.
- :func:`sweep` of a sweep table and :func:`walk_forward` of a walk-forward: the heatmap,
  the chosen parameters per fold, the deflated Sharpe and PBO.
- :func:`metrics`: the quantstats metrics alone.

Charts are matplotlib Figures embedded as inline SVG (the ``plot`` extra); nothing is fetched.
"""

from threadx.report._sheets import backtest, metrics, sweep, walk_forward

__all__ = ["backtest", "metrics", "sweep", "walk_forward"]
