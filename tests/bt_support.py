"""Helpers of the backtesting.py side-by-side tests (tests/test_strategy.py,
tests/test_strategy_bt_suite.py): the GOOG bars, an SMA, a backtesting.py run, and the
comparison of its trades, equity and stats with a ``threadx.backtest`` result."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"

#: backtesting.py's stats that threadx also defines (docs: python/threadx/backtest/_stats.py)
#: and that do not depend on the wall clock; compared at PRICE_RTOL / STAT_RTOL.
PRICE_RTOL = 1e-12
STAT_RTOL = 1e-9


def goog() -> pd.DataFrame:
    df = pd.read_csv(DATA / "GOOG.csv", index_col=0, parse_dates=True)
    return df[["Open", "High", "Low", "Close", "Volume"]].astype(float)


def sma(x: Any, n: int) -> np.ndarray:
    return pd.Series(np.asarray(x, dtype=float)).rolling(n).mean().to_numpy()


def bt_run(strategy: type, df: pd.DataFrame, **kw: Any) -> pd.Series:
    """backtesting.py's ``Backtest(df, strategy, **kw).run()`` (its warnings silenced: an
    order it cancels for want of margin, a contingent order it defers, a non-datetime index)."""
    bt = pytest.importorskip("backtesting")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bt.Backtest(df, strategy, **kw).run()


def twins(name: str, body: type, *, exclusive_orders: bool = False) -> tuple[type, type]:
    """``body`` (init/next on the API both libraries share) as a backtesting.py strategy and
    as a threadx one; ``exclusive_orders`` is a class attribute in threadx."""
    bt = pytest.importorskip("backtesting")
    from threadx.backtest import Strategy

    ours = type(name, (body, Strategy), {"exclusive_orders": exclusive_orders})
    return type(name, (body, bt.Strategy), {}), ours


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    # one exit bar may close several lots (a bracket and a close, several closes): the record
    # order within a bar follows each library's queue; the fills are what is compared
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def compare_trades(ours: Any, st: pd.Series, *, levels: bool = False, equity: bool = True,
                   ordered: bool = False) -> None:
    """The closed trades of a threadx result equal backtesting.py's: sizes (signed), entry and
    exit bars, entry and exit prices (rtol PRICE_RTOL), fees, PnL and (``levels``) the SL/TP
    in force; the equity curves at STAT_RTOL."""
    if ordered:  # in backtesting.py's record order (position.close(): newest lot first, as its queue)
        tr, ot = st._trades.reset_index(drop=True), ours.trades.reset_index(drop=True)
    else:
        tr = _sorted(st._trades.assign(_key=st._trades.Size.abs()),
                     ["ExitBar", "EntryBar", "_key", "EntryPrice", "ExitPrice"])
        ot = _sorted(ours.trades.assign(_key=ours.trades["size"]),
                     ["exit_bar", "entry_bar", "_key", "entry_price", "exit_price"])
    sign = np.where(ot["side"] == "long", 1.0, -1.0)
    assert len(ot) == len(tr), (len(ot), len(tr))
    np.testing.assert_array_equal(tr.Size.to_numpy(float), sign * ot["size"].to_numpy())
    np.testing.assert_array_equal(tr.EntryBar.to_numpy(), ot["entry_bar"].to_numpy())
    np.testing.assert_array_equal(tr.ExitBar.to_numpy(), ot["exit_bar"].to_numpy())
    np.testing.assert_allclose(tr.EntryPrice.to_numpy(), ot["entry_price"].to_numpy(), rtol=PRICE_RTOL)
    np.testing.assert_allclose(tr.ExitPrice.to_numpy(), ot["exit_price"].to_numpy(), rtol=PRICE_RTOL)
    np.testing.assert_allclose(tr.Commission.to_numpy(float), ot["fees"].to_numpy(), rtol=STAT_RTOL, atol=1e-9)
    np.testing.assert_allclose(tr.PnL.to_numpy(), ot["pnl"].to_numpy(), rtol=STAT_RTOL, atol=1e-9)
    if levels:
        np.testing.assert_array_equal(tr.SL.to_numpy(float), ot["sl"].to_numpy())
        np.testing.assert_array_equal(tr.TP.to_numpy(float), ot["tp"].to_numpy())
    if equity:
        np.testing.assert_allclose(st._equity_curve.Equity.to_numpy(), ours.equity.to_numpy(), rtol=STAT_RTOL)
