"""Returns for quantstats/pyfolio/empyrical: daily bars keep their date from load to results.

quantstats is not a dependency; its expectations are checked with plain pandas: a tz-naive
DatetimeIndex of normalised calendar dates, values equal to the equity's last value per
day compounded (``equity.resample("D").last()`` over the days with bars, ``pct_change``).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import threadx.ta as ta
from threadx import backtest, data
from threadx.errors import ValidationError

NY = "America/New_York"


def sma_cross(bars: pd.DataFrame) -> backtest.BacktestResult:
    fast, slow = ta.SMA(bars, timeperiod=10), ta.SMA(bars, timeperiod=30)
    return backtest.run(bars, entries=(fast > slow) & (fast.shift() <= slow.shift()),
                        exits=(fast < slow) & (fast.shift() >= slow.shift()), fees=0.001)


def wall_daily(equity: pd.Series) -> pd.Series:
    """The plain pandas computation: last equity of each wall-clock day, day over day."""
    idx = pd.DatetimeIndex(equity.index)
    naive = equity.set_axis(idx.tz_localize(None) if idx.tz is not None else idx)
    return naive.resample("D").last().dropna().pct_change().iloc[1:]


def assert_quantstats_shape(r: pd.Series | pd.DataFrame) -> None:
    assert isinstance(r.index, pd.DatetimeIndex) and r.index.tz is None
    assert (r.index == r.index.normalize()).all() and r.index.is_unique and r.index.is_monotonic_increasing
    assert not r.isna().any(axis=None)


def test_daily_bars_loaded_in_new_york_keep_their_dates_in_the_results() -> None:
    bars = data.load(data.sample_path(), tz=NY)  # used to be stamped 04:00 / 05:00 UTC by season
    res = sma_cross(bars)
    r = res.returns(freq="D")
    assert_quantstats_shape(r)
    dates = pd.DatetimeIndex(pd.read_csv(data.sample_path()).iloc[:, 0]).as_unit("ns")  # the dates written in the file
    pd.testing.assert_index_equal(r.index, dates[1:], check_names=False)
    np.testing.assert_allclose(r.to_numpy(), res.equity.pct_change().iloc[1:].to_numpy(), rtol=0, atol=1e-15)
    pd.testing.assert_series_equal(r, wall_daily(res.equity), check_names=False, check_freq=False)
    assert res.equity.index[0] == pd.Timestamp("2004-08-19", tz="UTC")


def test_intraday_bars_compound_per_day() -> None:
    idx = pd.date_range("2024-03-08 14:30", periods=7 * 24 * 4, freq="15min", tz="UTC")
    idx = idx[(idx.hour >= 14) & (idx.hour < 21)]  # a New York session, weekend included
    close = pd.Series(100 + np.cumsum(np.random.default_rng(3).standard_normal(len(idx))), index=idx)
    bars = pd.DataFrame({"open": close.shift().fillna(100), "high": close + 1, "low": close - 1, "close": close})
    bars["high"] = bars[["open", "high"]].max(axis=1)
    bars["low"] = bars[["open", "low"]].min(axis=1)
    entries = pd.Series(False, index=idx)
    entries.iloc[::17] = True
    res = backtest.run(bars.tz_convert(NY), entries=entries.tz_convert(NY), exits=entries.shift(8, fill_value=False).tz_convert(NY))
    r = res.returns("D")
    assert_quantstats_shape(r)
    pd.testing.assert_series_equal(r, wall_daily(res.equity), check_names=False, check_freq=False)
    assert len(r) == len(np.unique(idx.tz_convert(NY).date)) - 1
    per_bar = res.returns(freq=None)
    pd.testing.assert_index_equal(per_bar.index, res.equity.index[1:])
    # compounding the bars' returns of a day gives that day's return
    day = per_bar[per_bar.index.tz_convert(NY).normalize().tz_localize(None) == r.index[2]]
    assert (1 + day).prod() - 1 == pytest.approx(r.iloc[2], rel=1e-12)


def test_several_simulations_give_a_column_each() -> None:
    bars = data.sample()
    close = bars["close"]
    entries = pd.DataFrame({"a": close > close.rolling(20).mean(), "b": close > close.rolling(50).mean()})
    res = backtest.run(bars, entries=entries, exits=~entries)
    r = res.returns()
    assert isinstance(r, pd.DataFrame) and list(r.columns) == ["a", "b"]
    assert_quantstats_shape(r)
    pd.testing.assert_frame_equal(r, res.equity.set_axis(res.equity.index.tz_localize(None)).pct_change().iloc[1:],
                                  check_freq=False, check_names=False)


def test_portfolio_returns() -> None:
    stocks = {s: data.load(data.sample_path(s), tz=NY) for s in ("NVDA", "ORCL", "YHOO")}
    res = backtest.rebalance(stocks, "equal", every=21)
    r = res.returns("D")
    assert_quantstats_shape(r)
    assert r.index[0] == pd.Timestamp("2012-01-04")
    pd.testing.assert_series_equal(r, wall_daily(res.equity), check_names=False, check_freq=False)
    pd.testing.assert_series_equal(res.returns(None), res.equity.pct_change().iloc[1:], check_names=False)


@pytest.mark.parametrize("freq", ["W", "d", "1D", 1, ["D"]])
def test_freq_is_validated(freq: object) -> None:
    res = sma_cross(data.sample())
    with pytest.raises(ValidationError) as info:
        res.returns(freq)  # type: ignore[arg-type]
    assert info.value.fields == ["freq"] and "None" in str(info.value) and "'D'" in str(info.value)
    with pytest.raises(ValidationError) as info:
        backtest.rebalance({s: data.sample(s) for s in ("NVDA", "ORCL")}).returns(freq)  # type: ignore[arg-type]
    assert info.value.fields == ["freq"]


def test_daily_returns_need_timestamps() -> None:
    bars = data.sample().reset_index(drop=True)
    res = backtest.run(bars, entries=bars["close"] > bars["open"], exits=bars["close"] < bars["open"])
    with pytest.raises(ValidationError, match="DatetimeIndex") as info:
        res.returns("D")
    assert info.value.fields == ["freq"]
    assert len(res.returns(None)) == len(bars) - 1


def test_intraday_file_is_unchanged_and_in_its_zone() -> None:
    text = ("Date,Time,Open,High,Low,Close,Volume\n2024-03-08,15:30:00,1,2,0.5,1,0\n"
            "2024-03-08,16:00:00,1,2,0.5,1.5,0\n2024-03-11,09:30:00,1.5,2,0.5,1.2,0\n")
    df = data.load(io.StringIO(text), tz=NY)
    assert list(df.index) == [pd.Timestamp("2024-03-08 20:30", tz="UTC"), pd.Timestamp("2024-03-08 21:00", tz="UTC"),
                              pd.Timestamp("2024-03-11 13:30", tz="UTC")]  # EST, then EDT


@pytest.mark.parametrize("period", ["D", "W", "ME", "YE"])
@pytest.mark.parametrize("tz", [None, NY])
@pytest.mark.parametrize("shuffled", [False, True])
def test_period_last_is_the_wall_clock_resample_last(period: str, tz: str | None, shuffled: bool) -> None:
    """The one rule of daily returns and annualised stats: pandas' resample(period).last() on wall time."""
    from threadx.backtest._returns import period_last

    idx = pd.date_range("2023-10-20 01:00", periods=500, freq="7h", tz=tz)  # DST end, month and year ends
    values = 100 + np.cumsum(np.random.default_rng(5).standard_normal(idx.size))
    values[idx.size - 1] = np.nan  # the last bar of a period: the one before it counts
    values[(idx.day == 1) & (idx.month == 12)] = np.nan  # a day with NaN only
    equity = pd.Series(values, index=idx, name="eq")
    wall = equity.set_axis(idx.tz_localize(None) if tz is not None else idx)
    expected = wall.resample(period).last()[wall.resample(period).size() > 0]
    order = np.random.default_rng(1).permutation(idx.size) if shuffled else np.arange(idx.size)
    got = period_last(equity.iloc[order], period)
    assert isinstance(got, pd.Series) and got.index.tz is None and got.name == "eq"
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    first_days = expected.index.to_period(period.rstrip("E")).start_time if period != "D" else expected.index
    np.testing.assert_array_equal(got.index.to_numpy(), first_days.to_numpy())
    if period == "D":
        assert got.isna().sum() == 1
