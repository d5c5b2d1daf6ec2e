"""RollingRequest: keyword construction, validate(), JSON-safe round trip, repr, run."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx.errors import ValidationError
from threadx.requests import RollingRequest


def make_values() -> pd.Series:
    idx = pd.date_range("2024-01-01", periods=50, freq="7min", tz="UTC")
    x = np.cumsum(np.random.default_rng(3).standard_normal(50))
    x[[4, 9]] = np.nan
    return pd.Series(x, index=idx, name="spread")


def test_keyword_only() -> None:
    with pytest.raises(TypeError):
        RollingRequest(np.arange(3.0), 2)  # type: ignore[misc]


@pytest.mark.parametrize(
    "req",
    [
        RollingRequest(values=np.arange(20.0), window=5, stat="mean"),
        RollingRequest(values=np.arange(40.0).reshape(20, 2), window=5, stat="quantile", q=[0.1, 0.9],
                       interpolation="nearest", min_periods=2),
        RollingRequest(values=make_values(), window="30min", stat="std", ddof=0),
        RollingRequest(values=make_values(), window=pd.Timedelta("1h"), stat="quantile", q=0.5),
        RollingRequest(values=make_values().to_frame(), window=3, stat="zscore"),
        RollingRequest(values=make_values(), window="40min", stat="rank", method="max", ascending=False, pct=True),
        RollingRequest(values=np.arange(10.0), window="20s", stat="max",
                       times=np.arange(10, dtype=np.int64) * 10**10),
    ],
)
def test_round_trip_through_json(req: RollingRequest) -> None:
    req.validate()
    text = json.dumps(req.to_dict(), allow_nan=False)
    back = RollingRequest.from_dict(json.loads(text))
    for name in ("window", "stat", "q", "min_periods", "interpolation", "ddof", "method", "ascending", "pct"):
        assert getattr(back, name) == getattr(req, name), name
    a, b = req.values, back.values
    if isinstance(a, (pd.Series, pd.DataFrame)):
        pd.testing.assert_index_equal(a.index, b.index)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    else:
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    got, expected = back.run(), req.run()
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_construction_reports_every_bad_field() -> None:
    with pytest.raises(ValidationError) as exc:
        RollingRequest(values=np.arange(10.0), window=0, stat="quantile", q=1.5,
                       interpolation="cubic", min_periods=-2)
    assert set(exc.value.fields) == {"window", "q", "interpolation", "min_periods"}


def test_unknown_stat() -> None:
    with pytest.raises(ValidationError) as exc:
        RollingRequest(values=np.arange(10.0), window=3, stat="kurtosis")
    assert exc.value.fields == ["stat"]


def test_cheap_checks_at_birth_deep_checks_when_run() -> None:
    t = np.arange(10, dtype=np.int64) * 10**9
    with pytest.raises(ValidationError) as exc:  # a length is cheap to check
        RollingRequest(values=np.arange(10.0), window="2s", times=t[:9])
    assert exc.value.fields == ["times"]
    req = RollingRequest(values=np.arange(10.0), window="2s", times=t[::-1])  # order: read all of them
    for check in (req.validate, req.run):
        with pytest.raises(ValidationError) as exc:
            check()
        assert exc.value.fields == ["times"]


def test_requests_are_frozen_and_their_dicts_read_only() -> None:
    req = threadx.IndicatorRequest(function="RSI", inputs=[np.arange(30.0)], params={"timeperiod": 5})
    with pytest.raises(AttributeError):
        req.function = "SMA"  # type: ignore[misc]
    with pytest.raises(TypeError):
        req.params["timeperiod"] = 0
    assert isinstance(req.inputs, tuple)


@pytest.mark.parametrize(
    ("cls", "fields", "bad", "near"),
    [
        (RollingRequest, {"values": np.arange(5.0), "window": 2}, "windw", "window"),
        (threadx.IndicatorRequest, {"function": "SMA", "inputs": [np.arange(5.0)]}, "param", "params"),
        (threadx.BacktestRequest, {"data": (np.ones(3),) * 4}, "fess", "fees"),
        (threadx.SweepRequest, {"strategy": "sma_cross", "data": (np.ones(3),) * 4}, "grd", "grid"),
    ],
)
def test_keyword_typos_name_the_closest_field(cls: Any, fields: dict[str, Any], bad: str, near: str) -> None:
    with pytest.raises(ValidationError) as exc:
        cls(**fields, **{bad: 1})
    assert exc.value.fields == [bad]
    assert f"did you mean {near!r}?" in str(exc.value)


def test_from_dict_reports_unknown_and_missing_keys() -> None:
    with pytest.raises(ValidationError) as exc:
        RollingRequest.from_dict({"type": "RollingRequest", "vales": [1.0]})
    assert exc.value.fields == ["vales", "values", "window"]
    assert "did you mean 'values'?" in str(exc.value)
    for garbage in (None, "abc", 5, [("values", [1.0])]):
        with pytest.raises(ValidationError) as exc:
            RollingRequest.from_dict(garbage)
        assert exc.value.fields == ["data"]


def test_run_equals_function() -> None:
    s = make_values()
    req = RollingRequest(values=s, window="30min", stat="quantile", q=[0.25, 0.75])
    pd.testing.assert_frame_equal(req.run(), threadx.rolling.quantile(s, "30min", [0.25, 0.75]))


def test_repr_is_readable() -> None:
    text = repr(RollingRequest(values=np.zeros((100, 3)), window=20, stat="median"))
    assert text.startswith("RollingRequest(values=<float64 array (100, 3)>, window=20, stat='median'")


def test_from_dict_rejects_other_types() -> None:
    with pytest.raises(ValidationError):
        RollingRequest.from_dict({"type": "BacktestRequest", "values": [1.0], "window": 1})
