"""Misaligned arrays (issue 12 section 1): ``np.frombuffer(buf, offset=1)`` views never reach the
kernels.  Public entry points copy them once (``threadx._inputs.core_array``) and give what an
aligned copy gives; the bindings refuse them when handed to ``_core`` directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import _core, rolling, stream, ta
from threadx.backtest import rebalance, run, sweep
from threadx.errors import ValidationError

N = 120
RNG = np.random.default_rng(12)
CLOSE = 100 + np.cumsum(RNG.normal(0, 1, N))
HIGH = CLOSE + RNG.uniform(0.1, 1, N)
LOW = CLOSE - RNG.uniform(0.1, 1, N)
OPEN = np.clip(CLOSE + RNG.normal(0, 0.3, N), LOW, HIGH)
VOLUME = RNG.uniform(1e3, 1e4, N)
TIMES = (np.arange(N, dtype=np.int64) + 1_600_000_000) * 10**9


def misaligned(a: np.ndarray) -> np.ndarray:
    """``a``'s values in a writeable view one byte past an aligned address (what
    np.frombuffer(buf, offset=1) gives), same dtype and shape."""
    a = np.ascontiguousarray(a)
    view = np.frombuffer(bytearray(b"\0" + a.tobytes()), dtype=a.dtype, offset=1).reshape(a.shape)
    assert not view.flags.aligned and view.ctypes.data % 8 != 0
    return view


def same(got: object, expected: object) -> None:
    """Bit-identical results (NaN where the other has NaN)."""
    if isinstance(got, tuple):
        assert isinstance(expected, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            same(g, e)
    elif isinstance(got, dict):
        assert isinstance(expected, dict) and got.keys() == expected.keys()
        for k in got:
            same(got[k], expected[k])
    elif isinstance(got, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    elif isinstance(got, pd.Series):
        pd.testing.assert_series_equal(got, expected, check_exact=True)
    else:
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


# --------------------------------------------------------------------------- public entry points


@pytest.mark.parametrize("stat", ["mean", "std", "max", "median", "zscore"])
@pytest.mark.parametrize("shape", [(N,), (N, 3)])
def test_rolling_count_window(stat: str, shape: tuple[int, ...]) -> None:
    x = RNG.normal(size=shape)
    fn = getattr(rolling, stat)
    same(fn(misaligned(x), 7), fn(x, 7))


def test_rolling_quantile_and_time_window() -> None:
    x = RNG.normal(size=(N, 2))
    same(rolling.quantile(misaligned(x), 9, [0.1, 0.5]), rolling.quantile(x, 9, [0.1, 0.5]))
    same(rolling.sum(misaligned(CLOSE), "5s", times=misaligned(TIMES)), rolling.sum(CLOSE, "5s", times=TIMES))


def test_rolling_series_over_misaligned_buffer() -> None:
    s = pd.Series(misaligned(CLOSE), copy=False)
    assert not s.to_numpy().flags.aligned
    same(rolling.mean(s, 5), rolling.mean(pd.Series(CLOSE), 5))


def test_rolling_refuses_a_misaligned_out() -> None:
    out = misaligned(np.zeros(N))
    assert out.flags.writeable
    with pytest.raises(ValidationError) as info:
        rolling.mean(CLOSE, 5, out=out)
    assert [e["field"] for e in info.value.errors] == ["out"]


def test_streaming_quantile_update_many() -> None:
    a, b = threadx.RollingQuantile("4s", 0.5), threadx.RollingQuantile("4s", 0.5)
    same(a.update_many(misaligned(CLOSE), times=misaligned(TIMES)), b.update_many(CLOSE, times=TIMES))


@pytest.mark.parametrize("call", [
    lambda h, lo, c, v: ta.RSI(c),  # the 1-D fast path
    lambda h, lo, c, v: ta.RSI(c, timeperiod=[5, 9]),
    lambda h, lo, c, v: ta.ATR(h, lo, c),
    lambda h, lo, c, v: ta.VWAP(h, lo, c, v),
    lambda h, lo, c, v: ta.VWAP(h, lo, c, v, anchor="D", times=TIMES * 3600),
])
def test_ta_functions(call) -> None:
    m = [misaligned(a) for a in (HIGH, LOW, CLOSE, VOLUME)]
    same(call(*m), call(HIGH, LOW, CLOSE, VOLUME))


def test_ta_two_dimensional() -> None:
    x = np.column_stack([CLOSE, HIGH])
    same(ta.SMA(misaligned(x), 5), ta.SMA(x, 5))
    same(ta.SMA(misaligned(x.T).T, 5), ta.SMA(x, 5))  # F-ordered


def test_ta_pipeline() -> None:
    pipe = ta.Pipeline(rsi=ta.Node("RSI", timeperiod=5), atr=ta.Node("ATR"))
    cols = {"high": HIGH, "low": LOW, "close": CLOSE}
    same(pipe.run({k: misaligned(v) for k, v in cols.items()}), pipe.run(cols))


def test_stream_update_many() -> None:
    same(stream.ATR().update_many(misaligned(HIGH), misaligned(LOW), misaligned(CLOSE)),
         stream.ATR().update_many(HIGH, LOW, CLOSE))


def _equity(result: object) -> np.ndarray:
    return np.asarray(result.equity)  # type: ignore[attr-defined]


def test_backtest_run() -> None:
    entries = np.zeros(N, dtype=bool)
    entries[[10, 50]] = True
    exits = np.zeros(N, dtype=bool)
    exits[[30, 90]] = True
    sl = CLOSE * 0.97
    got = run((misaligned(OPEN), misaligned(HIGH), misaligned(LOW), misaligned(CLOSE)), entries=entries,
              exits=exits, sl_price=misaligned(sl), periods_per_year=252)
    expected = run((OPEN, HIGH, LOW, CLOSE), entries=entries, exits=exits, sl_price=sl, periods_per_year=252)
    same(_equity(got), _equity(expected))


def _frame(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame(cols, index=pd.date_range("2020-01-01", periods=N, freq="D"), copy=False)


def test_sweep_and_rebalance() -> None:
    ohlc = {"open": OPEN, "high": HIGH, "low": LOW, "close": CLOSE}
    bad = {k: misaligned(v) for k, v in ohlc.items()}
    same(sweep("sma_cross", {k: bad[k] for k in ohlc}, fast=[3, 5], slow=20, periods_per_year=252),
         sweep("sma_cross", ohlc, fast=[3, 5], slow=20, periods_per_year=252))
    w = np.full((N, 2), 0.5)
    data = {"a": _frame(ohlc), "b": _frame(ohlc)}
    same(rebalance(data, misaligned(w)).equity, rebalance(data, w).equity)


# --------------------------------------------------------------------------- the core refuses


def _refused(call, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        call()
    assert field in {e["field"] for e in info.value.errors}


def test_core_rolling_refuses_misaligned_values_and_times() -> None:
    plan = _core.rolling.validate(N, "mean", 5)
    _refused(lambda: _core.rolling.compute(plan, misaligned(CLOSE), np.empty((N, 1, 1))), "values")
    _refused(lambda: _core.rolling.validate(N, "mean", 5 * 10**9, time_window=True, times=misaligned(TIMES)),
             "times")
    s = _core.rolling.Stream("quantile", 5, q=[0.5])
    _refused(lambda: s.update_many(misaligned(CLOSE), None), "values")


def test_core_ta_refuses_misaligned_inputs() -> None:
    _refused(lambda: _core.ta.run("RSI", [misaligned(CLOSE)[:, None]], np.array([[14.0]])), "real")
    plan = _core.ta.validate("SMA", np.array([[5.0]]))
    _refused(lambda: _core.ta.run_plan(plan, [misaligned(CLOSE)[:, None]]), "real")


def test_core_stream_copies_what_pybind_converts() -> None:
    # Stream.update_many takes converted arrays (like any other dtype, a misaligned one is copied)
    same(_core.ta.Stream("SMA", [5.0]).update_many([misaligned(CLOSE)]),
         _core.ta.Stream("SMA", [5.0]).update_many([CLOSE]))


def test_core_backtest_refuses_misaligned_bars_and_levels() -> None:
    plan = _core.backtest.validate({})
    none4, none7 = (None,) * 4, (None,) * 7
    _refused(lambda: _core.backtest.run(plan, misaligned(OPEN), HIGH, LOW, CLOSE, None, 1, none4, none7), "open")
    levels = (None, None, misaligned(CLOSE[:, None] * 0.9), None, None, None, None)
    _refused(lambda: _core.backtest.run(plan, OPEN, HIGH, LOW, CLOSE, None, 1, none4, levels), "sl_price")
    sizes = (None,) * 4 + (misaligned(np.full((N, 1), 0.5)), None, None)
    _refused(lambda: _core.backtest.run(plan, OPEN, HIGH, LOW, CLOSE, None, 1, none4, sizes), "size")
    _refused(lambda: _core.backtest.stats_drawdown(misaligned(CLOSE)), "equity")
    w = np.full((N, 2), 0.5)
    panel = np.column_stack([CLOSE, CLOSE])
    _refused(lambda: _core.backtest.rebalance(panel, panel + 1, panel - 1, panel, misaligned(w), {}), "weights")
    _refused(lambda: _core.backtest.sweep_validate("sma_cross", False, misaligned(np.array([[3.0, 20.0]])), N, {}),
             "combos")
