"""The TA-Lib 0.8 additions of cpp/src/ta/flow.cpp and band.cpp beyond the generic parity,
stream and grid tests: SUPERTREND's integer trend output on every call path, the order
statistics (PERCENTILE, PERCENTRANK) on ties and flat stretches, the HA and RVI unstable
periods, and a NaN leaving an order-statistic window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import threadx.ta as ta
from threadx import stream
from threadx._core import ta as core_ta

talib = pytest.importorskip("talib")


def _hlc(n: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    return close + rng.uniform(0, 2, n), close - rng.uniform(0, 2, n), close


def test_functions_export_integer_flags() -> None:
    flags = {f["name"]: f["integer"] for f in core_ta.functions()}
    assert flags["SUPERTREND"] == [False, True]
    assert flags["MAXINDEX"] == [True]
    assert flags["ACCBANDS"] == [False, False, False]


@pytest.mark.parametrize("kwargs", [{}, {"timeperiod": 3, "multiplier": 1.0}])
def test_supertrend_trend_is_int32_on_every_path(kwargs: dict) -> None:
    h, l, c = _hlc()
    exp_line, exp_trend = talib.SUPERTREND(h, l, c, **kwargs)
    assert exp_trend.dtype == np.int32
    line, trend = ta.SUPERTREND(h, l, c, **kwargs)  # 1-D float64 arrays: the fast path
    assert trend.dtype == np.int32 and line.dtype == np.float64
    np.testing.assert_array_equal(trend, exp_trend)
    np.testing.assert_allclose(line, exp_line, rtol=1e-12, equal_nan=True)
    idx = pd.date_range("2024-01-01", periods=c.size, freq="D", tz="UTC")
    _, s_trend = ta.SUPERTREND(pd.Series(h, idx), pd.Series(l, idx), pd.Series(c, idx), **kwargs)
    assert s_trend.dtype == np.int32
    np.testing.assert_array_equal(s_trend.to_numpy(), exp_trend)
    frame = {k: pd.DataFrame({"a": v, "b": v}, index=idx) for k, v in (("h", h), ("l", l), ("c", c))}
    _, f_trend = ta.SUPERTREND(frame["h"], frame["l"], frame["c"], **kwargs)
    assert (f_trend.dtypes == np.int32).all()
    np.testing.assert_array_equal(f_trend["b"].to_numpy(), exp_trend)


def _ties(n: int = 600, seed: int = 5) -> np.ndarray:
    """Few distinct values, flat stretches and -0.0 / 0.0 ties."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, n).astype(np.float64)
    x[100:160] = 2.0
    x[300:340] = -0.0
    x[340:380] = 0.0
    return x


@pytest.mark.parametrize("period", [2, 3, 10, 30, 101])
@pytest.mark.parametrize("pct", [0.0, 10.0, 33.3, 50.0, 99.9, 100.0])
def test_percentile_on_ties_is_exact(period: int, pct: float) -> None:
    x = _ties()
    np.testing.assert_array_equal(ta.PERCENTILE(x, period, pct), talib.PERCENTILE(x, period, pct))


@pytest.mark.parametrize("period", [2, 3, 10, 100, 257])
def test_percentrank_on_ties_is_exact(period: int) -> None:
    x = _ties()
    np.testing.assert_array_equal(ta.PERCENTRANK(x, period), talib.PERCENTRANK(x, period))


@pytest.mark.parametrize("name", ["PERCENTILE", "PERCENTRANK"])
def test_order_statistic_window_recovers_after_nan(name: str) -> None:
    x = _ties()
    at, period = 200, 20
    x[at] = np.nan
    got = getattr(ta, name)(x, period)
    after = getattr(ta, name)(x[at + 1:], period)
    lookback = period if name == "PERCENTRANK" else period - 1
    assert np.isnan(got[at: at + lookback + 1]).all()  # the NaN is in these windows
    np.testing.assert_array_equal(got[at + 1 + lookback:], after[lookback:])


@pytest.mark.parametrize(("func_id", "name", "args"), [
    ("HA", "HA", "ohlc"), ("RVI", "RVI", "c"), ("ATR", "SUPERTREND", "hlc"),
])
def test_unstable_periods(func_id: str, name: str, args: str) -> None:
    h, l, c = _hlc()
    data = {"o": (h + l) / 2, "h": h, "l": l, "c": c}
    inputs = [data[k] for k in args]
    try:
        ta.set_unstable_period(func_id, 7)
        talib.set_unstable_period(func_id, 7)
        got = getattr(ta, name)(*inputs)
        exp = getattr(talib, name)(*inputs)
        s = getattr(stream, name)()
        last = None
        for i in range(c.size):
            last = s.update(*[v[i] for v in inputs])
    finally:
        ta.set_unstable_period(func_id, 0)
        talib.set_unstable_period(func_id, 0)
    got = got if isinstance(got, tuple) else (got,)
    exp = exp if isinstance(exp, tuple) else (exp,)
    for g, e in zip(got, exp):
        np.testing.assert_allclose(np.asarray(g, float), np.asarray(e, float), rtol=1e-10, equal_nan=True)
    assert last is not None
