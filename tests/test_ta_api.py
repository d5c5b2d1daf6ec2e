"""threadx.ta's API beyond the values: signatures, grids, universes, pandas, frames,
threads, validation, unstable periods, cancellation."""

from __future__ import annotations

import inspect
import itertools

import numpy as np
import pandas as pd
import pytest

import ta_support
import threadx
import threadx.ta as ta
from threadx.errors import CancelledError, IndicatorError, ValidationError
from threadx.ta._api import TALIB_NAMES

talib = pytest.importorskip("talib")
import talib.abstract  # noqa: E402

FUNCS = ta.get_functions()
TALIB_FUNCS = [f for f in FUNCS if f not in ("VWAP_ROLLING", "VWAP_SESSION")]
WALK = ta_support.random_walk(400, seed=3)


def inputs_of(name: str, d: dict = WALK) -> list[np.ndarray]:
    return [d[k] for k in ta.describe(name)["inputs"]]


def as_list(result) -> list:
    return list(result) if isinstance(result, tuple) else [result]


def _grid_params(name: str) -> dict:
    """Two values for every parameter (a small cartesian product)."""
    out = {}
    for p, info in ta.describe(name)["params"].items():
        lo, default = info["min"], info["default"]
        if info["kind"] == "matype":
            out[p] = [0, 1]
        elif info["kind"] == "int":
            out[p] = sorted({default, int(max(lo, 2))})
        else:
            out[p] = sorted({default, default / 2 if default else 0.5})
    return out


# --------------------------------------------------------------------------- signatures


@pytest.mark.parametrize("name", TALIB_FUNCS)
def test_signature_matches_talib(name: str) -> None:
    info = talib.abstract.Function(name).info
    ours = ta.describe(name)
    assert ours["outputs"] == info["output_names"]
    assert list(ours["params"]) == list(info["parameters"])
    for p, default in info["parameters"].items():
        assert ours["params"][p]["default"] == default, p
    names = [p for p in inspect.signature(getattr(talib, name)).parameters]
    assert list(inspect.signature(getattr(ta, name)).parameters)[: len(names)] == names


def test_unknown_talib_names_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    # every TA-Lib 0.8.2 name is implemented: a name of a later TA-Lib stands in for a missing one
    assert not TALIB_NAMES - set(ta.get_functions())
    monkeypatch.setattr("threadx.ta._api.TALIB_NAMES", TALIB_NAMES | {"CDLFUTURE"})
    with pytest.raises(ta.UnknownIndicatorError, match="CDLFUTURE"):
        ta.CDLFUTURE  # noqa: B018
    assert not hasattr(ta, "CDLFUTURE")
    assert issubclass(ta.UnknownIndicatorError, IndicatorError)
    with pytest.raises(AttributeError):
        ta.NOT_A_FUNCTION  # noqa: B018
    with pytest.raises(ta.UnknownIndicatorError, match="CDLFUTURE"):
        threadx.IndicatorRequest(function="CDLFUTURE", inputs=[WALK["close"]]).validate()


def test_ma_type_matches_talib() -> None:
    names = [a for a in dir(talib.MA_Type) if a.isupper()]
    assert len(names) == 14
    for attr in names:
        assert getattr(ta.MA_Type, attr) == getattr(talib.MA_Type, attr)
    for key in range(14):
        assert ta.MA_Type[key] == talib.MA_Type[key]
    assert repr(ta.MA_Type).count("=") == 14 and "RMA=13" in repr(ta.MA_Type)


@pytest.mark.parametrize("key", [14, -1, None, "SMA", [1]])
def test_ma_type_unknown_key_is_a_validation_error_and_a_key_error(key: object) -> None:
    with pytest.raises(ValidationError, match="MA_Type") as info:
        ta.MA_Type[key]
    assert isinstance(info.value, KeyError) and info.value.fields == ["MA_Type"]


@pytest.mark.parametrize("matype", [-1, 14])
def test_matype_outside_talib_range_rejected(matype: int) -> None:
    with pytest.raises(ValidationError, match="13") as info:
        ta.MA(WALK["close"], timeperiod=10, matype=matype)
    assert info.value.fields == ["matype"]


# --------------------------------------------------------------------------- grids and universes


@pytest.mark.parametrize("name", FUNCS)
def test_grid_equals_loop(name: str) -> None:
    grid = _grid_params(name)
    x = inputs_of(name)
    got = as_list(getattr(ta, name)(*x, **grid))
    combos = list(itertools.product(*grid.values())) or [()]
    for j, combo in enumerate(combos):
        single = as_list(getattr(ta, name)(*x, **dict(zip(grid, combo))))
        for g, s in zip(got, single):
            col = g[:, j] if grid else g
            assert np.array_equal(col, s, equal_nan=True), (name, combo)


@pytest.mark.parametrize("name", FUNCS)
def test_universe_equals_columns(name: str) -> None:
    sets = [ta_support.random_walk(300, seed=s) for s in range(3)]
    cols = [inputs_of(name, d) for d in sets]
    stacked = [np.column_stack([c[k] for c in cols]) for k in range(len(cols[0]))]
    got = as_list(getattr(ta, name)(*stacked))
    for a, c in enumerate(cols):
        for g, s in zip(got, as_list(getattr(ta, name)(*c))):
            assert g.shape == (300, 3)
            assert np.array_equal(g[:, a], s, equal_nan=True)


def test_universe_times_grid_layout_and_labels() -> None:
    idx = pd.date_range("2024-01-01", periods=300, freq="D")
    frame = pd.DataFrame({s: ta_support.random_walk(300, seed=i)["close"] for i, s in enumerate("AB")}, index=idx)
    out = ta.RSI(frame, timeperiod=[5, 14, 30])
    assert isinstance(out, pd.DataFrame) and out.index.equals(idx)
    assert list(out.columns) == [(a, p) for a in "AB" for p in (5, 14, 30)]
    assert out.columns.names == ["asset", "timeperiod"]
    np.testing.assert_array_equal(out[("B", 30)].to_numpy(), ta.RSI(frame["B"].to_numpy(), 30))
    plain = ta.RSI(frame.to_numpy(), timeperiod=[5, 14, 30])
    assert plain.shape == (300, 6)
    np.testing.assert_array_equal(plain, out.to_numpy())
    bb = ta.BBANDS(frame, timeperiod=[10, 20], nbdevup=[1.5, 2.0]) if "BBANDS" in FUNCS else None
    if bb is not None:
        assert len(bb) == 3 and bb[0].columns.names == ["asset", "timeperiod", "nbdevup"]


def test_bit_identical_across_thread_counts() -> None:
    x = np.column_stack([ta_support.random_walk(2000, seed=s)["close"] for s in range(8)])
    before = threadx.get_num_threads()
    try:
        threadx.set_num_threads(1)
        one = ta.EMA(x, timeperiod=list(range(2, 40)))
        threadx.set_num_threads(2)
        two = ta.EMA(x, timeperiod=list(range(2, 40)))
    finally:
        threadx.set_num_threads(before)
    assert np.array_equal(one, two, equal_nan=True)


# --------------------------------------------------------------------------- pandas and frames


def test_series_keeps_index() -> None:
    idx = pd.date_range("2020-01-01", periods=400, freq="h", tz="UTC")
    s = pd.Series(WALK["close"], index=idx, name="close")
    out = ta.SMA(s, 10)
    assert isinstance(out, pd.Series) and out.index.equals(idx)
    np.testing.assert_array_equal(out.to_numpy(), talib.SMA(WALK["close"], 10))
    grid = ta.SMA(s, [5, 10])
    assert list(grid.columns) == [("close", 5), ("close", 10)]


@pytest.mark.parametrize("container", ["frame", "dict", "upper"])
def test_ohlcv_frame_input(container: str) -> None:
    cols = {k: WALK[k] for k in ("open", "high", "low", "close", "volume")}
    if container == "frame":
        data = pd.DataFrame(cols)
    elif container == "dict":
        data = cols
    else:
        data = pd.DataFrame({k.title(): v for k, v in cols.items()})
    for name in [f for f in FUNCS if len(ta.describe(f)["inputs"]) > 1 and f != "VWAP_SESSION"]:
        spec = ta.describe(name)
        if not set(spec["inputs"]) <= set(cols):
            continue
        got = as_list(getattr(ta, name)(data))
        exp = as_list(getattr(ta, name)(*inputs_of(name)))
        for g, e in zip(got, exp):
            np.testing.assert_array_equal(np.asarray(g), e)
    with pytest.raises(ValidationError, match="volume"):
        ta.OBV(pd.DataFrame({"close": WALK["close"]})) if "OBV" in FUNCS else ta.VWAP(pd.DataFrame({"close": 1.0}, index=[0]))


def _ohlcv_frame(title: bool = False) -> pd.DataFrame:
    idx = pd.date_range("2024-01-01", periods=400, freq="D", tz="UTC")
    return pd.DataFrame({(k.title() if title else k): WALK[k] for k in ("open", "high", "low", "close", "volume")},
                        index=idx)


@pytest.mark.parametrize("title", [False, True])
def test_single_input_function_reads_the_close_of_an_ohlcv_frame(title: bool) -> None:
    """Like TA-Lib's abstract API: RSI(df) is the RSI of df's close (one result, not one per column)."""
    df = _ohlcv_frame(title)
    lower = _ohlcv_frame()
    for name in ("RSI", "SMA", "EMA", "MACD", "BBANDS"):
        got = as_list(getattr(ta, name)(df, timeperiod=10) if name != "MACD" else ta.MACD(df))
        exp = getattr(talib.abstract, name)(lower, timeperiod=10) if name != "MACD" else talib.abstract.MACD(lower)
        exp = [exp[c] for c in exp.columns] if isinstance(exp, pd.DataFrame) else [exp]  # a tuple in threadx.ta
        assert len(got) == len(exp)
        for g, e in zip(got, exp):
            assert isinstance(g, pd.Series) and g.index.equals(df.index)
            np.testing.assert_array_equal(g.to_numpy(), np.asarray(e))
    pd.testing.assert_series_equal(ta.RSI(dict(lower)), ta.RSI(lower["close"]))


def test_price_keyword_picks_another_column() -> None:
    df = _ohlcv_frame(title=True)
    lower = _ohlcv_frame()
    np.testing.assert_array_equal(ta.RSI(df, price="open", timeperiod=5).to_numpy(),
                                  talib.abstract.RSI(lower, price="open", timeperiod=5).to_numpy())
    np.testing.assert_array_equal(ta.RSI(df, timeperiod=[5, 9], price="high")[("High", 9)].to_numpy(),
                                  talib.RSI(WALK["high"], 9))
    # OBV reads close and volume; BETA's two generic inputs default to high and low (TA-Lib's price0/price1)
    np.testing.assert_array_equal(ta.OBV(df).to_numpy(), talib.abstract.OBV(lower).to_numpy())
    np.testing.assert_array_equal(ta.BETA(df).to_numpy(), talib.abstract.BETA(lower).to_numpy())
    np.testing.assert_array_equal(ta.BETA(df, price0="open", price1="close").to_numpy(),
                                  talib.abstract.BETA(lower, price0="open", price1="close").to_numpy())
    req = threadx.IndicatorRequest(function="RSI", inputs=[lower], params={"price": "open"})
    pd.testing.assert_series_equal(req.run(), ta.RSI(lower["open"]))
    assert inspect.signature(ta.RSI).parameters["price"].default == "close"


def test_price_keyword_errors() -> None:
    df = _ohlcv_frame()
    with pytest.raises(ValidationError, match="no 'foo' column") as info:
        ta.RSI(df, price="foo")
    assert info.value.fields == ["price"]
    with pytest.raises(ValidationError, match="OHLCV frame") as info:
        ta.RSI(WALK["close"], price="open")
    assert info.value.fields == ["price"]
    with pytest.raises(ValidationError) as info:
        ta.RSI(df, price=3)
    assert info.value.fields == ["price"]
    with pytest.raises(ValidationError, match="'close'"):
        ta.RSI(df[["open", "high"]])  # OHLCV names but no close: an error, not two RSIs


def test_frame_of_assets_keeps_one_column_per_asset() -> None:
    idx = pd.date_range("2024-01-01", periods=400, freq="D")
    assets = pd.DataFrame({"AAA": WALK["close"], "BBB": WALK["open"]}, index=idx)
    out = ta.RSI(assets, timeperiod=7)
    assert list(out.columns) == ["AAA", "BBB"]
    np.testing.assert_array_equal(out["BBB"].to_numpy(), talib.RSI(WALK["open"], 7))


def test_integer_input_converts() -> None:
    x = np.arange(100, dtype=np.int64)
    np.testing.assert_array_equal(ta.SMA(x, 5), talib.SMA(x.astype(float), 5))


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("kwargs, field", [
    ({"timeperiod": 1}, "timeperiod"),
    ({"timeperiod": 100001}, "timeperiod"),
    ({"timeperiod": 2.5}, "timeperiod"),
    ({"timeperiod": True}, "timeperiod"),
    ({"timeperiod": "14"}, "timeperiod"),
    ({"timeperiod": []}, "timeperiod"),
    ({"timeperiod": [5, 1]}, "timeperiod"),
])
def test_bad_parameters(kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ta.RSI(WALK["close"], **kwargs)
    assert info.value.fields == [field]
    assert str(info.value).startswith("1 invalid field: timeperiod=")


def test_bad_inputs() -> None:
    with pytest.raises(ValidationError) as info:
        ta.DONCHIAN(WALK["high"], WALK["low"][:-1])
    assert info.value.fields == ["low"]
    with pytest.raises(ValidationError, match="real"):
        ta.SMA(np.array(["a", "b"]))
    with pytest.raises(ValidationError, match="ndim"):
        ta.SMA(np.zeros((2, 2, 2)))
    with pytest.raises(ValidationError, match="high"):
        ta.DONCHIAN(low=WALK["low"])
    with pytest.raises(TypeError):
        ta.SMA(WALK["close"], 5, 6)


def test_empty_and_short_input() -> None:
    assert ta.SMA(np.array([], dtype=float)).shape == (0,)
    np.testing.assert_array_equal(ta.SMA(np.arange(3.0), 5), talib.SMA(np.arange(3.0), 5))
    np.testing.assert_array_equal(ta.SMA(np.full(10, np.nan), 3), talib.SMA(np.full(10, np.nan), 3))


# --------------------------------------------------------------------------- unstable periods


@pytest.fixture
def unstable():
    yield
    ta.set_unstable_period("ALL", 0)
    talib.set_unstable_period("ALL", 0)


@pytest.mark.parametrize("name, func_id", [("EMA", "EMA"), ("RSI", "RSI"), ("ATR", "ATR"), ("ADX", "ADX"),
                                           ("KAMA", "KAMA"), ("T3", "T3"), ("CMO", "CMO"),
                                           ("NATR", "NATR"), ("PLUS_DI", "PLUS_DI"), ("DX", "DX")])
def test_unstable_period_matches_talib(unstable, name: str, func_id: str) -> None:
    if name not in FUNCS:
        pytest.skip(f"{name} not implemented yet")
    for n in (0, 5, 40):
        ta.set_unstable_period(func_id, n)
        talib.set_unstable_period(func_id, n)
        assert ta.get_unstable_period(func_id) == n
        for g, e in zip(as_list(getattr(ta, name)(*inputs_of(name))), as_list(getattr(talib, name)(*inputs_of(name)))):
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-9 * 150)
            assert np.array_equal(np.isnan(g), np.isnan(e))


def test_unstable_period_validation(unstable) -> None:
    with pytest.raises(ValidationError, match="func_id"):
        ta.set_unstable_period("SMA", 3)
    with pytest.raises(ValidationError, match="period"):
        ta.set_unstable_period("EMA", -1)


# --------------------------------------------------------------------------- cancellation


def test_cancelled_token_stops_the_run() -> None:
    from threadx.ta import _api

    token = threadx.CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        _api.compute("SMA", [np.ones((10, 4))], {"timeperiod": 3}, token)
