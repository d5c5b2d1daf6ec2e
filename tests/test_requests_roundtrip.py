"""Every request's ``to_dict`` is JSON-safe and ``from_dict(json.loads(json.dumps(r.to_dict())))`` gives
the request back unchanged (equal fields, same fingerprint); a callable field cannot travel and is
named; garbage payloads are ValidationErrors naming the field (issue 12 §2)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import types
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from threadx.errors import ValidationError
from threadx.requests import (
    BacktestRequest,
    DataRequest,
    IndicatorRequest,
    RollingRequest,
    SweepRequest,
)

CLASSES = (RollingRequest, IndicatorRequest, BacktestRequest, SweepRequest, DataRequest)
N = 40
ZONES = (None, "UTC", "America/New_York", "Asia/Tokyo", dt.timezone(dt.timedelta(hours=5, minutes=30)))


# --------------------------------------------------------------------------- equality, field by field

def same(a: Any, b: Any) -> bool:
    """``a`` and ``b`` are the same value of the same type (NaN equal to NaN)."""
    if isinstance(a, types.MappingProxyType) and isinstance(b, types.MappingProxyType):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    assert type(a) is type(b), (type(a), type(b), a, b)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, check_freq=True)
        return same_index(a.index, b.index)
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_freq=True)
        return same_index(a.index, b.index) and same_index(a.columns, b.columns)
    if isinstance(a, pd.Index):
        return same_index(a, b)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (float, np.floating)) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, pd.Timestamp):
        return a == b and str(a.tz) == str(b.tz) and a.unit == b.unit
    return bool(a == b)


def same_index(a: pd.Index, b: pd.Index) -> bool:
    pd.testing.assert_index_equal(a, b, exact=True, check_names=True)
    assert type(a) is type(b)
    if isinstance(a, pd.MultiIndex):
        return all(same_index(a.get_level_values(k), b.get_level_values(k)) for k in range(a.nlevels))
    if isinstance(a, pd.DatetimeIndex):
        assert str(a.tz) == str(b.tz) and a.freq == b.freq and a.unit == b.unit
    return all(type(x) is type(y) for x, y in zip(a.tolist(), b.tolist(), strict=True))


def round_trip(req: Any) -> Any:
    text = json.dumps(req.to_dict(), allow_nan=False)
    return type(req).from_dict(json.loads(text))


def assert_unchanged(req: Any) -> None:
    back = round_trip(req)
    assert type(back) is type(req)
    for name in req.__dataclass_fields__:
        assert same(getattr(req, name), getattr(back, name)), name
    assert back.fingerprint() == req.fingerprint()
    if isinstance(req, DataRequest):
        assert back == req


# --------------------------------------------------------------------------- generated requests

def index_of(n: int, kind: str, zone: Any, name: Any) -> pd.Index:
    if kind == "range":
        return pd.RangeIndex(n, name=name)
    if kind == "int":
        return pd.Index(np.arange(n, dtype=np.int64) * 3 + 1, name=name)
    if kind == "str":
        return pd.Index([f"r{i}" for i in range(n)], name=name)
    freq = "7min" if kind == "minutes" else "D"
    return pd.date_range("2024-03-01", periods=n, freq=freq, tz=zone, name=name)


names = st.sampled_from([None, "x", 3, ("a", 1)])
index_kinds = st.sampled_from(["range", "int", "str", "minutes", "days"])
zones = st.sampled_from(ZONES)


@st.composite
def values(draw: Any, n: int = N) -> Any:
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    cols = draw(st.integers(1, 3))
    x = (np.arange(n * cols).reshape(n, cols) % 7).astype(dtype)
    if dtype is not np.int64 and draw(st.booleans()):
        x[2, 0] = np.nan
    kind = draw(st.sampled_from(["array1", "array2", "series", "frame"]))
    index = index_of(n, draw(index_kinds), draw(zones), draw(names))
    if kind == "array1":
        return x[:, 0].copy()
    if kind == "array2":
        return x
    if kind == "series":
        return pd.Series(x[:, 0], index=index, name=draw(names))
    columns: Any = draw(st.sampled_from([
        [f"c{j}" for j in range(cols)], list(range(cols)), [("a", j) for j in range(cols)]]))
    return pd.DataFrame(x, index=index, columns=columns)


@st.composite
def rolling_requests(draw: Any) -> RollingRequest:
    stat = draw(st.sampled_from(["mean", "std", "max", "quantile", "median", "zscore", "rank"]))
    q: Any = None
    rank: dict[str, Any] = {}
    if stat == "rank":
        rank = {"method": draw(st.sampled_from(["average", "min", "max"])), "ascending": draw(st.booleans()),
                "pct": draw(st.booleans())}
    if stat == "quantile":
        q = draw(st.sampled_from([0.5, np.float64(0.25), [0.1, 0.9], (0.2,), np.array([0.3, 0.7])]))
    min_periods = draw(st.sampled_from([None, 1, np.int64(2)]))
    if draw(st.booleans()):  # a time window over a DatetimeIndex or times=
        window = draw(st.sampled_from(["30min", pd.Timedelta("1h"), dt.timedelta(minutes=45),
                                       np.timedelta64(20, "m")]))
        zone = draw(zones)
        times = pd.date_range("2024-01-01", periods=N, freq="7min", tz=zone, name=draw(names))
        if draw(st.booleans()):
            return RollingRequest(values=pd.Series(np.arange(N, dtype=np.float64), index=times, name=draw(names)),
                                  window=window, stat=stat, q=q, min_periods=min_periods, **rank)
        return RollingRequest(values=np.arange(N, dtype=np.float64), window=window, stat=stat, q=q,
                              min_periods=min_periods, times=times if draw(st.booleans()) else times.asi8.copy(), **rank)
    window = draw(st.sampled_from([3, np.int64(5), 4.0]))
    return RollingRequest(values=draw(values()), window=window, stat=stat, q=q, min_periods=min_periods,
                          ddof=draw(st.sampled_from([0, 1])), **rank)


@st.composite
def indicator_requests(draw: Any) -> IndicatorRequest:
    fn = draw(st.sampled_from(["SMA", "RSI", "EMA"]))
    x = 100 + np.arange(N, dtype=np.float64) % 11
    index = index_of(N, draw(index_kinds), draw(zones), draw(names))
    inputs = draw(st.sampled_from([[x], (x,), [pd.Series(x, index=index, name="close")], x,
                                   pd.DataFrame({"a": x, "b": x[::-1].copy()}, index=index)]))
    period = draw(st.sampled_from([5, np.int64(7), [3, 5], range(3, 6), (4, 8), np.array([3, 9])]))
    return IndicatorRequest(function=fn, inputs=inputs, params={"timeperiod": period})


def bars(n: int, zone: Any, kind: str) -> pd.DataFrame:
    close = 100 + 10 * np.sin(np.arange(n) / 5.0)
    index = index_of(n, kind, zone, "time")
    return pd.DataFrame({"open": close, "high": close + 1, "low": close - 1, "close": close,
                         "volume": np.arange(n, dtype=np.int64)}, index=index)


@st.composite
def backtest_requests(draw: Any) -> BacktestRequest:
    kind = draw(st.sampled_from(["range", "days", "minutes"]))
    data = bars(N, draw(zones), kind)
    sig = (np.arange(N) % 9) == 1
    entries = draw(st.sampled_from([sig, pd.Series(sig, index=data.index), np.c_[sig, ~sig]]))
    kw: dict[str, Any] = {}
    if kind != "range":
        kw["expiry"] = draw(st.sampled_from([None, 3, np.int64(2), pd.Timedelta("2D"), dt.timedelta(hours=36),
                                             np.timedelta64(1, "D")]))
        kw["order_type"] = "limit"
        kw["limit_price"] = draw(st.sampled_from([99.0, np.float64(101.5), math.nan]))
        kw["start"] = draw(st.sampled_from([None, data.index[3], data.index[5].to_pydatetime()]))
    return BacktestRequest(data=data, entries=entries, exits=(np.arange(N) % 9) == 5,
                           sl_stop=draw(st.sampled_from([None, 0.05, np.float64(0.1)])),
                           fees=draw(st.sampled_from([0.0, np.float64(0.001), 1e-3])),
                           periods_per_year=draw(st.sampled_from([None, 252, 365.0])), **kw)


@st.composite
def sweep_requests(draw: Any) -> SweepRequest:
    frame = bars(N + 20, draw(zones), "days")
    data = draw(st.sampled_from([frame, {"A": frame, "B": frame.iloc[5:]}, {3: frame}]))
    grid = {"fast": draw(st.sampled_from([range(3, 6), [3, 4], np.int64(3), (3, 5), np.array([2, 3])])),
            "slow": draw(st.sampled_from([10, [10, 12], range(10, 13, 2)]))}
    options = draw(st.sampled_from([{}, {"fees": 0.001}, {"sl_stop": np.float64(0.05), "execution": "close"}]))
    return SweepRequest(strategy="sma_cross", data=data, grid=grid, options=options,
                        metric=draw(st.sampled_from(["sharpe", "return"])), top_k=draw(st.sampled_from([None, 2])),
                        keep=draw(st.sampled_from(["stats", "equity"])),
                        periods_per_year=draw(st.sampled_from([None, 252.0, np.float64(365)])))


@st.composite
def data_requests(draw: Any) -> DataRequest:
    zone = draw(st.sampled_from(["UTC", "America/New_York", dt.timezone.utc]))
    start = pd.Timestamp("2024-01-01 09:30:00.123456789", tz=zone)
    symbols = draw(st.sampled_from(["AAA", ["AAA", "BBB"], ("X",), np.array(["A", "B"])]))
    return DataRequest(symbols=symbols, start=draw(st.sampled_from([start, start.isoformat(), start.floor("us").to_pydatetime()])),
                       end=start + pd.Timedelta("3D"), timeframe=draw(st.sampled_from(["1h", "1d"])),
                       source="sample")


REQUESTS = {"rolling": rolling_requests(), "indicator": indicator_requests(), "backtest": backtest_requests(),
            "sweep": sweep_requests(), "data": data_requests()}


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_every_valid_request_survives_a_json_round_trip(kind: str) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(REQUESTS[kind])
    def check(req: Any) -> None:
        assert_unchanged(req)

    check()


@pytest.mark.parametrize("req", [
    RollingRequest(values=pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"]), window=2),
    RollingRequest(values=pd.DataFrame(np.ones((3, 2)), columns=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)],
                                                                                           names=["k", "j"])),
                   window=2),
    RollingRequest(values=np.arange(5.0), window=dt.timedelta(seconds=2),
                   times=pd.date_range("2024", periods=5, freq="s", tz="Europe/Paris")),
    IndicatorRequest(function="SMA", inputs=[np.arange(30.0)], params={"timeperiod": range(3, 9, 2)}),
    SweepRequest(strategy="sma_cross", data=bars(60, "UTC", "days"), grid={"fast": range(3, 6), "slow": 20}),
    BacktestRequest(data=bars(30, "UTC", "days"), entries=np.arange(30) % 7 == 1, order_type="limit",
                    limit_price=math.inf, expiry=dt.timedelta(days=2), start=pd.Timestamp("2024-03-03", tz="UTC")),
], ids=["string-index", "multiindex-columns", "timedelta-times", "range-grid", "sweep-range", "backtest-timedelta"])
def test_issue_examples_round_trip(req: Any) -> None:
    json.dumps(req.to_dict(), allow_nan=False)
    assert_unchanged(req)
    if isinstance(req, RollingRequest):
        pd.testing.assert_frame_equal(pd.DataFrame(round_trip(req).run()), pd.DataFrame(req.run()))


def test_tuple_column_names_come_back_as_tuples() -> None:
    frame = pd.DataFrame(np.ones((4, 2)), columns=pd.Index([("a", 1), ("b", 2)], tupleize_cols=False))
    back = round_trip(RollingRequest(values=frame, window=2)).values
    assert list(back.columns) == [("a", 1), ("b", 2)] and not isinstance(back.columns, pd.MultiIndex)


def test_numpy_scalars_keep_the_fingerprint() -> None:
    req = IndicatorRequest(function="SMA", inputs=[np.arange(30.0)], params={"timeperiod": np.int64(5)})
    back = round_trip(req)
    assert type(back.params["timeperiod"]) is np.int64
    assert back.fingerprint() == req.fingerprint() is not None
    rolling = RollingRequest(values=np.arange(9.0), window=np.int32(3), stat=np.str_("quantile"), q=np.float32(0.5))
    assert_unchanged(rolling)  # np.str_ is a str and np.float32 a number: their types come back too


def test_a_callable_field_cannot_travel_and_is_named() -> None:
    req = SweepRequest(strategy="sma_cross", data=bars(60, "UTC", "days"), grid={"fast": [3, 5], "slow": 20},
                       constraint=lambda p: p["fast"] > 3)
    with pytest.raises(ValidationError) as exc:
        req.to_dict()
    assert exc.value.fields == ["constraint"]


# --------------------------------------------------------------------------- garbage payloads

def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


THREE = b64(np.arange(3.0).tobytes())
ARRAY = {"dtype": "<f8", "shape": [3], "data": THREE}


def deep(depth: int) -> Any:
    x: Any = []
    for _ in range(depth):
        x = [x]
    return x


GARBAGE: dict[str, Any] = {
    "bad base64": {"__ndarray__": {**ARRAY, "data": "!!not base64!!"}},
    "wrong shape": {"__ndarray__": {**ARRAY, "shape": [4]}},
    "object dtype": {"__ndarray__": {**ARRAY, "dtype": "|O"}},
    "unknown dtype": {"__ndarray__": {**ARRAY, "dtype": "zz9"}},
    "structured dtype": {"__ndarray__": {**ARRAY, "dtype": [["a", "<f8"]]}},
    "ndarray None": {"__ndarray__": None},
    "ndarray abc": {"__ndarray__": "abc"},
    "ndarray missing keys": {"__ndarray__": {"dtype": "<f8"}},
    "negative shape": {"__ndarray__": {**ARRAY, "shape": [-3]}},
    "huge shape": {"__ndarray__": {**ARRAY, "shape": [10**12, 10**12]}},
    "shape of strings": {"__ndarray__": {**ARRAY, "shape": ["3"]}},
    "series bad index": {"__series__": {"values": {"__ndarray__": ARRAY}, "index": "abc", "name": None}},
    "series index too short": {"__series__": {"values": {"__ndarray__": ARRAY}, "index": {"range": [0, 5, 1]},
                                              "name": None}},
    "frame columns mismatch": {"__frame__": {"columns": {"range": [0, 2, 1]}, "index": {"range": [0, 3, 1]},
                                             "data": [{"__ndarray__": ARRAY}]}},
    "frame 2-D column": {"__frame__": {"columns": {"range": [0, 1, 1]}, "index": {"range": [0, 1, 1]},
                                       "data": [{"__ndarray__": {**ARRAY, "shape": [1, 3]}}]}},
    "timedelta abc": {"__timedelta_ns__": "abc"},
    "unknown time zone": {"__index__": {"datetime": {"__ndarray__": {"dtype": "<i8", "shape": [3], "data": THREE}},
                                        "unit": "ns", "tz": "Mars/Phobos", "freq": None}},
    "unknown unit": {"__index__": {"datetime": {"__ndarray__": {"dtype": "<i8", "shape": [3], "data": THREE}},
                                   "unit": "zz", "tz": None, "freq": None}},
    "scalar overflow": {"__scalar__": {"dtype": "<i8", "value": 2**70}},
    "scalar bad bytes": {"__scalar__": {"dtype": "<M8[ns]", "data": b64(b"abc")}},
    "float abc": {"__float__": "abc"},
    "tuple of 5": {"__tuple__": 5},
    "dict pairs": {"__dict__": [[1]]},
    "range arity": {"__range__": [1, 2]},
    "timestamp zone": {"__timestamp__": [0, "Mars/Phobos", "ns"]},
    "datetime text": {"__datetime__": "not a date"},
    "nested garbage": [1, [2, {"__ndarray__": 5}]],
    "deep nesting": deep(5000),
}
# plain JSON values a field cannot hold (the class's own checks name the field)
PLAIN = {"None": None, "abc": "abc", "five": 5, "empty list": [], "dict": {"x": 1}}


def valid_dicts() -> dict[str, dict[str, Any]]:
    frame = bars(60, "UTC", "days")
    return {
        "RollingRequest": RollingRequest(values=np.arange(10.0), window=3).to_dict(),
        "IndicatorRequest": IndicatorRequest(function="SMA", inputs=[np.arange(30.0)]).to_dict(),
        "BacktestRequest": BacktestRequest(data=frame, entries=np.arange(60) % 5 == 1).to_dict(),
        "SweepRequest": SweepRequest(strategy="sma_cross", data=frame, grid={"fast": 3, "slow": 10}).to_dict(),
        "DataRequest": DataRequest(symbols="AAA", start="2024-01-01T00:00Z", end="2024-01-02T00:00Z",
                                   timeframe="1h", source="sample").to_dict(),
    }


VALID = valid_dicts()
FIELDS = {"RollingRequest": ["values", "window", "times"], "IndicatorRequest": ["inputs", "params"],
          "BacktestRequest": ["data", "entries", "expiry", "start"], "SweepRequest": ["data", "grid", "options"],
          "DataRequest": ["symbols", "start", "end"]}
MAIN = {"RollingRequest": "values", "IndicatorRequest": "inputs", "BacktestRequest": "data", "SweepRequest": "data",
        "DataRequest": "start"}
BY_NAME = {c.__name__: c for c in CLASSES}


@pytest.mark.parametrize("garbage", list(GARBAGE))
@pytest.mark.parametrize(("cls", "field"), [(c, f) for c in FIELDS for f in FIELDS[c]])
def test_garbage_payloads_are_validation_errors_naming_the_field(cls: str, field: str, garbage: str) -> None:
    with pytest.raises(ValidationError) as exc:
        BY_NAME[cls].from_dict({**VALID[cls], field: GARBAGE[garbage]})
    assert field in exc.value.fields, exc.value


@pytest.mark.parametrize("plain", list(PLAIN))
@pytest.mark.parametrize("cls", list(MAIN))
def test_plain_garbage_in_the_main_field_is_named(cls: str, plain: str) -> None:
    if (cls, plain) == ("RollingRequest", "empty list"):
        pytest.skip("no values is valid: an empty result")
    with pytest.raises(ValidationError) as exc:
        BY_NAME[cls].from_dict({**VALID[cls], MAIN[cls]: PLAIN[plain]})
    # an indicator names the input as threadx.ta names it (SMA's is "real")
    named = {"inputs", "real", "close"} if cls == "IndicatorRequest" else {MAIN[cls]}
    assert named & set(exc.value.fields), exc.value


@pytest.mark.parametrize("payload", [None, "abc", 5, [1, 2], b"{}"])
@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_a_payload_that_is_not_a_dict_is_named(cls: Any, payload: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        cls.from_dict(payload)
    assert exc.value.fields == ["data"]


def test_valid_dicts_load() -> None:
    for name, d in VALID.items():
        assert type(BY_NAME[name].from_dict(json.loads(json.dumps(d)))) is BY_NAME[name]
