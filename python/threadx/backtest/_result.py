"""What every backtest result offers beyond its own tables: a plot, a saved copy, a tear sheet."""

from __future__ import annotations

from typing import Any

__all__ = ["ResultViews"]


class ResultViews:
    """``plot``, ``save`` and ``report`` of a backtest result (``BacktestResult``, ``OrdersResult``,
    ``PortfolioResult``): each hands the result to the function that serves every kind."""

    def plot(self, **kwargs: Any) -> Any:
        """A matplotlib Figure of this result: ``threadx.plot.backtest(self, **kwargs)`` (docs/plots.md)."""
        from threadx.plot import backtest

        return backtest(self, **kwargs)

    def save(self, path: Any) -> Any:
        """Save this result in folder ``path`` (Parquet + JSON, written atomically):
        ``threadx.backtest.save(self, path)``; ``threadx.backtest.load(path)`` reads it back (docs/store.md)."""
        from threadx.backtest._store import save

        return save(self, path)

    def report(self, path: Any, **kwargs: Any) -> Any:
        """Write this result's HTML tear sheet to ``path``: ``threadx.report.backtest(self, path, **kwargs)``
        (docs/report.md); returns the path."""
        from threadx.report import backtest

        return backtest(self, path, **kwargs)
