"""threadx.ta.abstract against talib.abstract (the pinned ta-lib of the test extra): the
same info, lookback and results for every function both have; TA-Lib's calling forms;
typed errors where TA-Lib raises bare ones; per-thread state."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

import ta_support
import threadx.ta as ta
from conftest import parity_failures
from threadx.errors import ValidationError
from threadx.ta import abstract

talib = pytest.importorskip("talib")
talib_abstract = pytest.importorskip("talib.abstract")

SHARED = sorted(set(ta.get_functions()) & set(talib.get_functions()))


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    d = ta_support.random_walk(400, seed=3)
    d["periods"] = np.round(np.abs(np.sin(np.arange(400) / 7.0)) * 20 + 2)
    return d


def _list(r: object) -> list[np.ndarray]:
    return [np.asarray(x) for x in (r if isinstance(r, list) else [r])]


@pytest.mark.parametrize("name", SHARED)
def test_matches_talib_abstract(name: str, data: dict[str, np.ndarray]) -> None:
    ours, theirs = abstract.Function(name), talib_abstract.Function(name)
    assert ours.info == theirs.info
    assert ours.lookback == theirs.lookback
    got, exp = _list(ours(data)), _list(theirs(data))
    assert len(got) == len(exp)
    scale = np.concatenate([data[k] for k in ("open", "high", "low", "close")])
    for g, e in zip(got, exp):
        assert g.dtype.kind == e.dtype.kind
        assert parity_failures(g.astype(float), e.astype(float), scale) is None


def test_lookback_follows_the_parameters() -> None:
    f = abstract.Function("sma", timeperiod=25)
    assert f.lookback == talib_abstract.Function("SMA", timeperiod=25).lookback == 24
    f.set_parameters(timeperiod=5)
    assert f.lookback == 4


def test_calling_forms(data: dict[str, np.ndarray]) -> None:
    close = data["close"]
    expect = talib.RSI(close, 10)
    f = abstract.Function("RSI")
    np.testing.assert_array_equal(f(data, timeperiod=10), expect)
    np.testing.assert_array_equal(f(data, 10), expect)
    np.testing.assert_array_equal(f(close, timeperiod=10), expect)
    assert f.parameters["timeperiod"] == 14  # a call's parameters do not stick
    np.testing.assert_array_equal(abstract.RSI(data, timeperiod=10, price="open"), talib.RSI(data["open"], 10))
    assert abstract.RSI.input_names["price"] == "close"  # nor do its price keywords
    f.set_function_args(data, timeperiod=10)
    np.testing.assert_array_equal(f.outputs, expect)
    np.testing.assert_array_equal(f.run(), expect)
    g = abstract.Function("STOCH", data, 7)
    assert g.parameters["fastk_period"] == 7
    for got, exp in zip(g.outputs, talib.STOCH(data["high"], data["low"], data["close"], 7)):
        np.testing.assert_allclose(got, exp, rtol=1e-9)


def test_frame_input_gives_series_and_frames(data: dict[str, np.ndarray]) -> None:
    index = pd.date_range("2024-01-01", periods=data["close"].size, freq="D")
    df = pd.DataFrame({k: data[k] for k in ("open", "high", "low", "close", "volume")}, index=index)
    sma = abstract.SMA(df, timeperiod=5)
    pd.testing.assert_series_equal(sma, talib_abstract.SMA(df, timeperiod=5))
    bands = abstract.BBANDS(df)
    pd.testing.assert_frame_equal(bands, talib_abstract.BBANDS(df))
    assert list(bands.columns) == ["upperband", "middleband", "lowerband"]


def test_input_names_pick_other_columns(data: dict[str, np.ndarray]) -> None:
    f = abstract.Function("ATR")
    f.input_names = {"prices": ["open", "low", "close"]}
    np.testing.assert_array_equal(f(data), talib.ATR(data["open"], data["low"], data["close"]))
    with pytest.raises(ValidationError, match="prices"):
        f.input_names = {"prices": ["open"]}
    with pytest.raises(ValidationError, match="nope"):
        f.input_names = {"nope": "close"}


@pytest.mark.parametrize("call, field", [
    (lambda: abstract.Function("SMA").set_parameters(timeperiod="x"), "timeperiod"),
    (lambda: abstract.Function("SMA").set_parameters(timeperiod=1), "timeperiod"),
    (lambda: abstract.Function("SMA", timeperid=3), "timeperid"),
    (lambda: abstract.Function("SMA").run({"open": np.ones(5)}), "input_arrays"),
    (lambda: abstract.Function("ATR")(np.ones(5), np.ones(5)), "inputs"),
    (lambda: abstract.Function("SMA").outputs, "input_arrays"),
    (lambda: abstract.Function("SMA", {"close": np.ones(5)}, 3, 4), "args"),
    (lambda: abstract.Function(7), "function_name"),
    (lambda: abstract.Function("NOPE"), "function"),
])
def test_bad_use_is_a_validation_error(call, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        call()
    assert field in {e["field"] for e in info.value.errors}


def test_state_is_per_thread(data: dict[str, np.ndarray]) -> None:
    f = abstract.Function("SMA", timeperiod=7)
    f.set_input_arrays(data)
    seen: list[object] = []

    def other() -> None:  # a new thread starts from the constructor's arguments
        seen.append(dict(f.parameters))
        seen.append(f.input_arrays)
        f.set_parameters(timeperiod=3)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == [{"timeperiod": 7}, {}]
    assert f.parameters["timeperiod"] == 7


def test_module_lists_every_function() -> None:
    assert set(abstract.__all__) == {"Function", *ta.get_functions()}
    assert abstract.SMA is abstract.SMA
    with pytest.raises(AttributeError):
        abstract.NOT_A_FUNCTION  # noqa: B018


def test_compatibility_as_talib(data: dict[str, np.ndarray]) -> None:
    close = data["close"]
    before = ta.EMA(close, 10)
    try:
        ta.set_compatibility(1)
        assert ta.get_compatibility() == 1
        np.testing.assert_array_equal(ta.EMA(close, 10), before)  # TA-Lib 0.8: no effect
        talib.set_compatibility(1)
        np.testing.assert_array_equal(talib.EMA(close, 10), before)
    finally:
        ta.set_compatibility(0)
        talib.set_compatibility(0)
    assert ta.get_compatibility() == 0
    for bad in (2, -1, "1", True, 1.0):
        with pytest.raises(ValidationError, match="value"):
            ta.set_compatibility(bad)
