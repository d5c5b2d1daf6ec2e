"""Indicator graphs (threadx.ta.Pipeline), IndicatorRequest and VWAP's ThreadX options."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import ta_support
import threadx
import threadx.ta as ta
from threadx.errors import ValidationError
from threadx.requests import IndicatorRequest
from threadx.ta._api import TALIB_NAMES

D = ta_support.random_walk(400, seed=11)
FRAME = pd.DataFrame({k.title(): D[k] for k in ("open", "high", "low", "close", "volume")},
                     index=pd.date_range("2024-01-01", periods=400, freq="h", tz="UTC"))


def test_pipeline_matches_direct_calls() -> None:
    pipe = ta.Pipeline(
        rsi=ta.Node("RSI", timeperiod=9),
        smooth=ta.Node("EMA", of="rsi", timeperiod=5),
        band=ta.Node("DONCHIAN", high="high", low="low", timeperiod=20),
        hi=ta.Node("MAX", of="band.upperband", timeperiod=3),
        again=ta.Node("SMA", of="smooth", timeperiod=4),
    )
    assert pipe.levels == [["rsi", "band"], ["smooth", "hi"], ["again"]]
    out = pipe.run(FRAME)
    assert list(out.columns) == ["rsi", "smooth", "band.upperband", "band.middleband", "band.lowerband", "hi", "again"]
    assert out.index.equals(FRAME.index)
    rsi = ta.RSI(D["close"], 9)
    np.testing.assert_array_equal(out["rsi"], rsi)
    np.testing.assert_array_equal(out["smooth"], ta.EMA(rsi, 5))
    np.testing.assert_array_equal(out["again"], ta.SMA(ta.EMA(rsi, 5), 4))
    np.testing.assert_array_equal(out["hi"], ta.MAX(ta.DONCHIAN(D["high"], D["low"], 20)[0], 3))
    as_dict = pipe.run({k: D[k] for k in ("high", "low", "close")})
    np.testing.assert_array_equal(as_dict["again"], out["again"].to_numpy())


def test_each_node_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from threadx.ta import _api

    from threadx import _core

    calls: list[int] = []
    real = _api.run
    monkeypatch.setattr(_api, "run", lambda plan, *a, **k: calls.append(plan.sets) or real(plan, *a, **k))
    before = _core.ta._validations()
    pipe = ta.Pipeline(base=ta.Node("EMA", timeperiod=3), a=ta.Node("SMA", of="base"), b=ta.Node("MAX", of="base"))
    assert _core.ta._validations() - before == 3  # each node's parameters, once, when the graph is built
    pipe.run(FRAME)
    pipe.run(FRAME)
    assert len(calls) == 6 and _core.ta._validations() - before == 3  # runs check the inputs only


def test_cycle_reports_the_chain() -> None:
    with pytest.raises(ValidationError, match="a \u2192 b \u2192 c \u2192 a"):
        # each arrow reads "takes its input from"
        ta.Pipeline(a=ta.Node("SMA", of="b"), b=ta.Node("SMA", of="c"), c=ta.Node("SMA", of="a"))
    with pytest.raises(ValidationError, match="x \u2192 x"):
        ta.Pipeline(x=ta.Node("SMA", of="x"))


@pytest.mark.parametrize("nodes, field", [
    ({"a": ta.Node("SMA", of="nope")}, "a.real"),
    ({"a": ta.Node("DONCHIAN"), "b": ta.Node("SMA", of="a")}, "b.real"),
    ({"a": ta.Node("DONCHIAN"), "b": ta.Node("SMA", of="a.nothing")}, "b.real"),
    ({"a": ta.Node("SMA", timeperiod=1)}, "a.timeperiod"),
    ({"a": ta.Node("SMA", timeperiod=[2, 3])}, "a.timeperiod"),
    ({"a": ta.Node("SMA", bogus=1)}, "a.bogus"),
    ({"close": ta.Node("SMA")}, "close"),
])
def test_invalid_graphs(nodes: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ta.Pipeline(nodes)
    assert field in info.value.fields


def test_missing_column_and_unknown_function(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="volume"):
        ta.Pipeline(v=ta.Node("VWAP")).run(FRAME[["High", "Low", "Close"]])
    # every TA-Lib 0.8.2 name is implemented: a name of a later TA-Lib stands in for a missing one
    monkeypatch.setattr("threadx.ta._api.TALIB_NAMES", TALIB_NAMES | {"CDLFUTURE"})
    with pytest.raises(ta.UnknownIndicatorError):
        ta.Node("CDLFUTURE")
    with pytest.raises(ValidationError, match="of"):
        ta.Node("DONCHIAN", of="close")


def test_indicator_request_round_trip() -> None:
    req = IndicatorRequest(function="RSI", inputs=[pd.Series(D["close"], index=FRAME.index)],
                           params={"timeperiod": [5, 14]})
    out = req.validate().run()
    back = IndicatorRequest.from_dict(json.loads(json.dumps(req.to_dict())))
    pd.testing.assert_frame_equal(back.run(), out)
    frame_req = IndicatorRequest(function="DONCHIAN", inputs=FRAME, params={"timeperiod": 10})
    np.testing.assert_array_equal(frame_req.run()[0], ta.DONCHIAN(D["high"], D["low"], 10)[0])


def test_indicator_request_reports_every_field() -> None:
    with pytest.raises(ValidationError) as info:
        IndicatorRequest(function="RSI", inputs=[D["close"], D["close"]], params={"timeperiod": 0, "x": 1}).validate()
    assert sorted(info.value.fields) == ["inputs", "timeperiod", "x"]
    with pytest.raises(ValidationError, match="function"):
        IndicatorRequest(function=3, inputs=[D["close"]]).validate()


def test_indicator_request_cancel() -> None:
    token = threadx.CancelToken()
    token.cancel()
    with pytest.raises(threadx.CancelledError):
        IndicatorRequest(function="SMA", inputs=[np.ones((50, 3))]).run(cancel=token)


def test_vwap_sessions_in_a_stated_zone() -> None:
    h, lo, c, v = (FRAME[k] for k in ("High", "Low", "Close", "Volume"))
    out = ta.VWAP(h, lo, c, v, anchor="D", tz="America/New_York")
    tp = (h + lo + c) / 3
    day = FRAME.index.tz_convert("America/New_York").date
    ref = (tp * v).groupby(day).cumsum() / v.groupby(day).cumsum()
    np.testing.assert_allclose(out.to_numpy(), ref.to_numpy(), rtol=1e-12)
    shifted = ta.VWAP(h, lo, c, v, anchor="D", tz="UTC", offset="17h")
    day17 = (FRAME.index - pd.Timedelta("17h")).date
    ref17 = (tp * v).groupby(day17).cumsum() / v.groupby(day17).cumsum()
    np.testing.assert_allclose(shifted.to_numpy(), ref17.to_numpy(), rtol=1e-12)
    rolling = ta.VWAP(h, lo, c, v, timeperiod=10)
    np.testing.assert_allclose(rolling.to_numpy(), ((tp * v).rolling(10).sum() / v.rolling(10).sum()).to_numpy(),
                               rtol=1e-9)
    np.testing.assert_array_equal(ta.VWAP(FRAME, anchor="D").to_numpy(), ta.VWAP(h, lo, c, v, anchor="D").to_numpy())


def test_vwap_option_errors() -> None:
    with pytest.raises(ValidationError, match="times"):
        ta.VWAP(D["high"], D["low"], D["close"], D["volume"], anchor="D")
    with pytest.raises(ValidationError, match="tz"):
        ta.VWAP(FRAME, anchor="D", tz="Mars/Olympus")
    with pytest.raises(ValidationError, match="anchor"):
        ta.VWAP(FRAME, anchor="D", timeperiod=5)
