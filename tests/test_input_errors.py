"""Issue 12 section 2 (rolling, ta, stream, data, pipeline): what used to escape as a raw
TypeError/ValueError/AttributeError/OverflowError/RecursionError/_csv.Error/ZeroDivisionError,
and nonsense that was accepted, now raises a typed ``threadx.errors`` exception naming the field."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import data, rolling, stream, ta
from threadx.backtest import rebalance, run, sweep, target_weights
from threadx.errors import DataError, ValidationError

N = 60
X = np.arange(N, dtype=np.float64) + 1.0
IDX = pd.date_range("2021-01-01", periods=N, freq="D")
OHLC = pd.DataFrame({"open": X, "high": X + 1, "low": X - 0.5, "close": X + 0.5, "volume": X}, index=IDX)


def field_error(call, field: str, value: str | None = None) -> dict[str, str]:
    """The error ``call()`` raises for ``field`` (and, when given, it quotes ``value``)."""
    with pytest.raises(ValidationError) as info:
        call()
    found = [e for e in info.value.errors if e["field"] == field]
    assert found, info.value.errors
    if value is not None:
        assert value in found[0]["value"]
    return found[0]


# --------------------------------------------------------------------------- cancel=


@pytest.mark.parametrize("bad", ["x", 5, object()])
@pytest.mark.parametrize("call", [
    pytest.param(lambda c: rolling.mean(X, 5, cancel=c), id="rolling.mean"),
    pytest.param(lambda c: rolling.quantile(X, 5, 0.5, cancel=c), id="rolling.quantile"),
    pytest.param(lambda c: threadx.RollingRequest(values=X, window=5, stat="max").run(cancel=c), id="request"),
    pytest.param(lambda c: run(OHLC, entries=X > 10, cancel=c), id="backtest.run"),
    pytest.param(lambda c: sweep("sma_cross", OHLC, fast=[2, 3], slow=10, cancel=c), id="sweep"),
    pytest.param(lambda c: rebalance({"a": OHLC, "b": OHLC}, "equal", window=5, every=5, cancel=c),
                 id="rebalance"),
    pytest.param(lambda c: target_weights({"a": OHLC, "b": OHLC}, "equal", window=5, every=5, cancel=c),
                 id="target_weights"),
])
def test_cancel_must_be_a_token(call, bad) -> None:
    err = field_error(lambda: call(bad), "cancel")
    assert "CancelToken" in err["message"]
    if isinstance(bad, str):
        assert err["value"] == "x"


def test_a_token_still_cancels() -> None:
    token = threadx.CancelToken()
    token.cancel()
    with pytest.raises(threadx.CancelledError):
        rolling.mean(np.zeros(1_000_000), 5, cancel=token)


# --------------------------------------------------------------------------- rolling


@pytest.mark.parametrize("value", [10**400, -(10**400), 10**5000], ids=["1e400", "-1e400", "1e5000"])
def test_streaming_quantile_refuses_a_value_beyond_float64(value: int) -> None:
    rq = threadx.RollingQuantile(5, 0.5, min_periods=1)
    field_error(lambda: rq.update(value), "value")
    assert rq.update(1.0) == 1.0  # nothing was pushed


def test_streaming_quantile_refuses_a_time_beyond_int64() -> None:
    rq = threadx.RollingQuantile("5s", 0.5)
    field_error(lambda: rq.update(1.0, time=2**70), "time")


@pytest.mark.parametrize("q", [[[0.1, 0.2]], np.array([[0.5]]), [[0.1], [0.2]]])
def test_nested_quantile_levels_are_refused(q) -> None:
    field_error(lambda: rolling.quantile(X, 5, q), "q")
    field_error(lambda: threadx.RollingQuantile(5, q), "q")


@pytest.mark.parametrize("times", ["x", np.arange(N) * 1.5, np.arange(N - 1, dtype=np.int64),
                                   np.full(N, np.datetime64("NaT"), dtype="datetime64[ns]")])
def test_times_given_with_a_count_window_are_checked(times) -> None:
    # a count window does not read them (as pandas ignores on= for an int window), but what is
    # passed as times= must be one timestamp per row
    field_error(lambda: rolling.mean(X, 5, times=times), "times")


def test_valid_times_with_a_count_window_change_nothing() -> None:
    shuffled = np.random.default_rng(0).permutation(N).astype(np.int64)  # their order is not read
    np.testing.assert_array_equal(rolling.mean(X, 5, times=shuffled), rolling.mean(X, 5))


@pytest.mark.parametrize("times", [np.full(N, np.iinfo(np.int64).min),
                                   np.full(N, np.datetime64("NaT"), dtype="datetime64[ns]"),
                                   pd.DatetimeIndex([pd.NaT] * N)])
def test_all_nat_times_with_a_time_window_are_refused(times) -> None:
    field_error(lambda: rolling.mean(X, "5s", times=times), "times", "NaT")


# --------------------------------------------------------------------------- ta, stream, pipeline


@pytest.mark.parametrize("func_id", [5, None, b"EMA", "NOPE"])
def test_unstable_period_function_ids(func_id) -> None:
    field_error(lambda: ta.get_unstable_period(func_id), "func_id")
    field_error(lambda: ta.set_unstable_period(func_id, 3), "func_id")


def test_unstable_period_still_works() -> None:
    ta.set_unstable_period("EMA", 0)
    assert ta.get_unstable_period("EMA") == 0


def test_stream_base_class_is_not_an_indicator() -> None:
    field_error(lambda: stream.Indicator(), "indicator", "Indicator")


@pytest.mark.parametrize("workers", [-1, 0, 1.5, "2"])
def test_pipeline_max_workers(workers) -> None:
    pipe = ta.Pipeline(rsi=ta.Node("RSI", timeperiod=5))
    field_error(lambda: pipe.run(OHLC, max_workers=workers), "max_workers")


@pytest.mark.parametrize("columns", [[5], "close", None, ["close", 1.0]])
def test_pipeline_columns_are_names(columns) -> None:
    field_error(lambda: ta.Pipeline(columns=columns, rsi=ta.Node("RSI")), "columns")


@pytest.mark.parametrize("frame", [OHLC.astype(str), OHLC.assign(close=OHLC["close"].astype(object))])
def test_pipeline_refuses_text_columns(frame) -> None:
    pipe = ta.Pipeline(rsi=ta.Node("RSI", timeperiod=5))
    field_error(lambda: pipe.run(frame), "data['close']")


def test_pipeline_still_runs_integer_columns() -> None:
    pipe = ta.Pipeline(rsi=ta.Node("RSI", timeperiod=5))
    ints = OHLC.astype(np.int64)
    pd.testing.assert_series_equal(pipe.run(ints)["rsi"], pipe.run(ints.astype(np.float64))["rsi"])


@pytest.mark.parametrize("anchor", [None, "D"])
@pytest.mark.parametrize("tz", [5, 1.5, ["UTC"], "Mars/Base", ""])
def test_vwap_time_zone_must_be_a_zone(anchor, tz) -> None:
    s = OHLC["close"]
    field_error(lambda: ta.VWAP(s, s, s, s, anchor=anchor, tz=tz), "tz")


def test_vwap_sessions_need_ordered_times() -> None:
    times = np.arange(N, dtype=np.int64)[::-1] * 3600 * 10**9
    err = field_error(lambda: ta.VWAP(X, X, X, X, anchor="D", times=times), "times")
    assert "non-decreasing" in err["message"]


@pytest.mark.parametrize("field, kw", [("times", {"times": np.arange(N, dtype=np.int64)[::-1]}),
                                        ("offset", {"offset": "9h30min"})])
def test_vwap_session_settings_need_an_anchor(field, kw) -> None:
    """times= or offset= without anchor= would be silently unused (even decreasing times)."""
    field_error(lambda: ta.VWAP(X, X, X, X, **kw), field)


def test_vwap_sessions_need_one_row_per_timestamp() -> None:
    times = pd.date_range("2024-01-01", periods=N, freq="h", tz="UTC")
    field_error(lambda: ta.VWAP(X.reshape(1, N), X, X, X, anchor="D", times=times), "high")


# --------------------------------------------------------------------------- data


def test_load_deeply_nested_json() -> None:
    with pytest.raises(DataError, match="nested too deeply"):
        data.load(io.BytesIO(b"[" * 100_000 + b"]" * 100_000))


def test_load_csv_field_over_the_limit() -> None:
    text = b"time,open,high,low,close\n2020-01-01,1,1,1,1\n2020-01-02,\"" + b"1" * 2_000_000 + b"\",1,1,1\n"
    with pytest.raises(DataError, match="line 3"):
        data.load(io.BytesIO(text), tz="UTC")


def _bars(index: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame({"open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0}, index=index)


@pytest.mark.parametrize("index", [
    pd.DatetimeIndex(["2020-01-01"], tz="UTC").as_unit("us"),  # 1ns: finer than the index's unit
    pd.DatetimeIndex(["2020-01-01", "2020-01-01 00:00:01"], tz="UTC").as_unit("s"),
    pd.DatetimeIndex(["2000-01-01", "2020-01-01"], tz="UTC").as_unit("ns"),  # 6e17 bins
])
def test_resample_refuses_a_rule_it_cannot_bin(index) -> None:
    field_error(lambda: data.resample(_bars(index), "1ns", period="1ns"), "rule")


@pytest.mark.parametrize("rule", ["1000YE", "100000D", "10000000h"])
def test_resample_refuses_bins_beyond_timestamps(rule: str) -> None:
    index = pd.date_range("2020-01-01", periods=5, freq="1min", tz="UTC")
    field_error(lambda: data.resample(_bars(index), rule), "rule", rule)


def test_resample_bin_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from threadx.data import _resample

    monkeypatch.setattr(_resample, "MAX_BINS", 100)
    index = pd.DatetimeIndex(["2020-01-01", "2020-01-01 00:01:40"], tz="UTC").as_unit("ns")  # 100 s apart
    field_error(lambda: data.resample(_bars(index), "1s", period="1s"), "rule", "1s")  # 101 bins
    assert len(data.resample(_bars(index), "2s", period="1s")) == 51
