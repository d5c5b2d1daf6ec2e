"""Backtests on OHLC bars: ``run`` (signals), ``from_orders`` (per-bar orders) and their results;
``save``/``load`` keep results, sweep tables and walk-forward results in Parquet + JSON (docs/store.md).

The engine is C++ (GIL released, one simulation per signal column, run in parallel);
its rules, bar by bar, are in ``docs/backtest.md``.
"""

from __future__ import annotations

from threadx.backtest._engine import BacktestResult, run
from threadx.backtest._from_orders import OrdersResult, from_orders
from threadx.backtest._portfolio import (
           WEIGHT_RULES,
           PortfolioResult,
           rebalance,
           target_weights,
)
from threadx.backtest._stats import compute_stats
from threadx.backtest._stepper import Stepper
from threadx.backtest._store import load, save
from threadx.backtest._strategy import Order, Position, Strategy, Trade, crossover
from threadx.backtest._sweep import STRATEGIES, sweep

__all__ = ["STRATEGIES", "WEIGHT_RULES", "BacktestResult", "Order", "OrdersResult", "PortfolioResult", "Position",
           "Stepper", "Strategy", "Trade", "compute_stats", "crossover", "from_orders", "load", "rebalance", "run",
           "save", "sweep", "target_weights"]
