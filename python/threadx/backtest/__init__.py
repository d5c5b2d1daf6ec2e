"""Backtests on OHLC bars: ``run`` (signals and orders) and ``BacktestResult``.

The engine is C++ (GIL released, one simulation per signal column, run in parallel);
its rules, bar by bar, are in ``docs/backtest.md``.
"""

from __future__ import annotations

from threadx.backtest._engine import BacktestResult, run
from threadx.backtest._portfolio import WEIGHT_RULES, PortfolioResult, rebalance, target_weights
from threadx.backtest._stats import compute_stats
from threadx.backtest._sweep import STRATEGIES, sweep

__all__ = ["STRATEGIES", "WEIGHT_RULES", "BacktestResult", "PortfolioResult", "compute_stats", "rebalance", "run",
           "sweep", "target_weights"]
