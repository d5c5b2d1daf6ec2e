"""One definition of each statistic: run, sweep and rebalance all take theirs from the core's table.

compute_stats (run's res.stats, rebalance's PortfolioResult.stats) must report the core's row
unchanged for every name of the table, the sweep's row must be that row, and the three must
agree on one strategy with winning and losing trades.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import threadx
import threadx.ta as ta
from threadx import _core, backtest
from threadx.backtest import _stats
from threadx.backtest._stats import CORE_STATS, STAT_DEFINITIONS, STAT_NAMES, compute_stats
from threadx.errors import ValidationError

BARS = threadx.data.sample()
PPY = 252.0


def test_the_core_table_is_the_one_list_of_names() -> None:
    assert CORE_STATS == tuple(d["name"] for d in _core.backtest.stats_table())
    assert CORE_STATS == tuple(_core.backtest.sweep_stats())
    assert all(STAT_DEFINITIONS[name] for name in CORE_STATS)
    positions = [STAT_NAMES.index(name) for name in CORE_STATS]  # in backtesting.py's report order
    assert positions == sorted(positions)


def test_compute_stats_reports_the_core_row_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the core's row replaced by markers, every core name shows its marker: Python
    computes none of them a second time."""
    real = _core.backtest.stats_compute
    seen: list[np.ndarray] = []

    def marked(*args: object) -> np.ndarray:
        row = real(*args)
        seen.append(row)
        return np.arange(len(row), dtype=np.float64) + 0.25

    monkeypatch.setattr(_core.backtest, "stats_compute", marked)
    eq = 100 + np.cumsum(np.r_[0.0, np.sin(np.arange(59))])
    trades = pd.DataFrame({"entry_bar": [3, 20], "exit_bar": [10, 40], "pnl": [2.0, -1.0],
                           "return": [0.02, -0.01], "fees": [0.1, 0.1]})
    s = compute_stats(eq, trades, eq[::-1].copy(), index=pd.date_range("2020-01-01", periods=60, freq="B"))
    assert len(seen) == 1
    for k, name in enumerate(CORE_STATS):
        assert s[name] == (int(k + 0.25) if name == "# Trades" else k + 0.25), name
    assert set(STAT_NAMES) - set(CORE_STATS) <= {  # what compute_stats itself defines
        "Start", "End", "Duration", "Commissions [$]", "Alpha [%]", "Beta", "Avg. Drawdown [%]",
        "Max. Drawdown Duration", "Avg. Drawdown Duration", "Max. Trade Duration", "Avg. Trade Duration"}
    assert _stats  # the module under test


def test_sweep_rows_hold_the_core_row() -> None:
    got = backtest.sweep("sma_cross", BARS, fast=[5, 10], slow=30)
    assert list(got.columns) == list(CORE_STATS)


def test_run_sweep_and_rebalance_agree_with_trades() -> None:
    c = BARS["close"]
    fast, slow = ta.SMA(c, timeperiod=10), ta.SMA(c, timeperiod=30)
    up = ((fast > slow) & (fast.shift() <= slow.shift())).to_numpy()
    down = ((fast < slow) & (fast.shift() >= slow.shift())).to_numpy()
    weights = np.full((len(BARS), 1), np.nan)
    weights[up, 0], weights[down, 0] = 1.0, 0.0
    opts = {"fees": 0.001, "fractional": True}
    res = backtest.run(BARS, entries=up, exits=down, close_at_end=False, **opts)
    ran = compute_stats(res.equity, res.trades, c, periods_per_year=PPY)
    swept = backtest.sweep("sma_cross", BARS, fast=10, slow=30, periods_per_year=PPY, close_at_end=False,
                           **opts).iloc[0]
    port = backtest.rebalance({"X": BARS}, weights, periods_per_year=PPY, **opts).stats
    assert ran["# Trades"] == port["# Trades"] == 32 and 0 < ran["Win Rate [%]"] < 100
    for name in CORE_STATS:
        np.testing.assert_array_equal(float(swept[name]), float(ran[name]), err_msg=name)  # same engine: equal
        # another engine (its equity agrees to ~1e-15), and Buy & Hold there is the mean of
        # the normalised closes: equal up to rounding
        np.testing.assert_allclose(float(port[name]), float(ran[name]), rtol=1e-12, err_msg=name)


def test_the_core_checks_its_inputs() -> None:
    eq = np.linspace(100, 110, 10)
    bars = np.array([2], dtype=np.int64)
    one = np.array([1.0])
    with pytest.raises(ValidationError) as exc:
        _core.backtest.stats_compute(eq, eq, PPY, 0.0, 1.0, eq, 0, bars, np.array([10], dtype=np.int64), one, one)
    assert exc.value.fields == ["trades"]
    with pytest.raises(ValidationError) as exc:
        _core.backtest.stats_compute(eq, eq, 0.0, 0.0, 1.0, eq[:5], 0, bars, bars, one, one)
    assert sorted(exc.value.fields) == ["close", "periods_per_year"]


@pytest.mark.parametrize("seed", range(5))
def test_exposure_of_trades_in_any_order(seed: int) -> None:
    """A portfolio's trades come grouped by symbol: overlapping, not in entry order."""
    rng = np.random.default_rng(seed)
    n = 200
    bars = rng.integers(0, n, size=(12, 2))
    entry, exit_ = bars.min(axis=1), bars.max(axis=1)
    trades = pd.DataFrame({"entry_bar": entry, "exit_bar": exit_, "pnl": 1.0, "return": 0.01, "fees": 0.0})
    cover = np.zeros(n + 1, dtype=np.int64)
    np.add.at(cover, entry, 1)
    np.add.at(cover, exit_ + 1, -1)
    want = float((np.cumsum(cover[:n]) > 0).mean()) * 100
    got = compute_stats(np.linspace(1, 2, n), trades, np.ones(n))["Exposure Time [%]"]
    assert got == want


EQ = np.linspace(100.0, 110.0, 12)


class _Thing:
    pass


@pytest.mark.parametrize(("args", "kw", "field"), [
    ((EQ, None, EQ), {"risk_free_rate": float("nan")}, "risk_free_rate"),
    ((EQ, None, EQ), {"risk_free_rate": 1.5}, "risk_free_rate"),
    ((EQ, None, EQ), {"risk_free_rate": "x"}, "risk_free_rate"),
    ((EQ, None, EQ), {"periods_per_year": 0.0}, "periods_per_year"),
    ((EQ, None, EQ), {"periods_per_year": -1.0}, "periods_per_year"),
    ((EQ, None, EQ), {"periods_per_year": float("inf")}, "periods_per_year"),
    ((EQ, None, EQ), {"periods_per_year": float("nan")}, "periods_per_year"),
    ((EQ, None, EQ), {"periods_per_year": "x"}, "periods_per_year"),
    ((EQ, None, EQ[:-1]), {}, "close"),
    ((EQ, None, EQ), {"first_bar": 12}, "first_bar"),
    ((EQ, None, EQ), {"first_bar": "x"}, "first_bar"),
    ((EQ[:0], None, EQ[:0]), {}, "equity"),
    (("x", None, EQ), {}, "equity"),
    ((np.array([_Thing()] * 12), None, EQ), {}, "equity"),
    ((EQ.astype(str), None, EQ), {}, "equity"),  # numbers as text: refused, not parsed
    ((EQ, None, EQ.astype(str)), {}, "close"),
    ((EQ.reshape(3, 4), None, EQ), {}, "equity"),
    ((EQ, "x", EQ), {}, "trades"),
    ((EQ, pd.DataFrame({"pnl": [1.0]}), EQ), {}, "trades"),
    ((EQ, pd.DataFrame({"entry_bar": [1.5], "exit_bar": [3], "pnl": [1.0], "return": [0.1], "fees": [0.0]}), EQ),
     {}, "trades['entry_bar']"),
    ((EQ, None, EQ), {"index": pd.RangeIndex(5)}, "index"),
])
def test_compute_stats_names_each_invalid_argument(args: tuple, kw: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        compute_stats(*args, **kw)
    assert exc.value.fields == [field]


def test_compute_stats_still_takes_int_arrays_and_numpy_scalars() -> None:
    ref = compute_stats(EQ, None, np.arange(100.0, 112.0), periods_per_year=252.0, risk_free_rate=0.01)
    got = compute_stats(pd.Series(EQ), None, list(range(100, 112)), periods_per_year=np.int64(252),
                        risk_free_rate=np.float64(0.01))
    pd.testing.assert_series_equal(got, ref)
    assert got["Equity Final [$]"] == 110.0


@pytest.mark.parametrize(("ppy", "rf", "field"), [
    (PPY, float("nan"), "risk_free_rate"), (PPY, 1.0, "risk_free_rate"), (PPY, -1.0, "risk_free_rate"),
    (float("inf"), 0.0, "periods_per_year"), (float("nan"), 0.0, "periods_per_year"),
])
def test_the_core_checks_the_rates(ppy: float, rf: float, field: str) -> None:
    """A direct core call is held to the rules compute_stats reports (one place: the core)."""
    eq = np.linspace(100, 110, 10)
    no_bars, no_values = np.empty(0, dtype=np.int64), np.empty(0)
    with pytest.raises(ValidationError) as exc:
        _core.backtest.stats_compute(eq, eq, ppy, rf, 1.0, eq, 0, no_bars, no_bars, no_values, no_values)
    assert exc.value.fields == [field]
