"""threadx.ta.stream (TA-Lib 0.8's talib.stream handles) against talib.stream, side by side
for every function both have: opening on history, value, update, peek, advance,
out_range, open_and_fill, InsufficientHistory; typed errors; copies and pickles."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import ta_support
import threadx.ta as ta
from conftest import parity_failures
from threadx.errors import InsufficientHistory, ValidationError
from threadx.ta import abstract, stream

talib = pytest.importorskip("talib")
talib_stream = pytest.importorskip("talib.stream")

SHARED = sorted(set(ta.get_functions()) & set(talib.get_functions()))
HISTORY, FEED = 300, 40


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    d = ta_support.random_walk(HISTORY + FEED, seed=5)
    d["periods"] = np.round(np.abs(np.sin(np.arange(HISTORY + FEED) / 7.0)) * 20 + 2)
    for k in ("open", "high", "low", "close", "real", "real0", "real1"):
        d[k][:3] = np.nan  # leading NaN bars are not history
    return d


def _inputs(name: str, d: dict[str, np.ndarray]) -> list[np.ndarray]:
    return [d[k] for k in ta.describe(name)["inputs"]]


def _same(got: object, exp: object, scale: np.ndarray) -> str | None:
    g = np.atleast_1d(np.asarray(got, dtype=float))
    e = np.atleast_1d(np.asarray(exp, dtype=float))
    return parity_failures(g, e, scale)


@pytest.mark.parametrize("name", SHARED)
def test_handles_match_talib(name: str, data: dict[str, np.ndarray]) -> None:
    cols = _inputs(name, data)
    scale = np.concatenate([c[3:] for c in cols])
    hist = [c[:HISTORY] for c in cols]
    ours, theirs = getattr(stream, name)(*hist), getattr(talib_stream, name)(*hist)
    assert _same(ours.value, theirs.value, scale) is None
    assert ours.out_range == tuple(theirs.out_range)
    for i in range(HISTORY, HISTORY + FEED // 2):
        bar = [float(c[i]) for c in cols]
        assert _same(ours.peek(*bar), theirs.peek(*bar), scale) is None
        got, exp = ours.update(*bar), theirs.update(*bar)
        assert type(got) is type(exp) or isinstance(got, tuple) == isinstance(exp, tuple)
        assert _same(got, exp, scale) is None, (name, i)
    ours.advance()
    theirs.advance()
    assert ours.out_range == tuple(theirs.out_range)
    fork = ours.copy()
    bar = [float(c[HISTORY + FEED // 2 + 1]) for c in cols]
    assert _same(fork.update(*bar), theirs.update(*bar), scale) is None
    assert fork.out_range.nbelement == ours.out_range.nbelement + 1  # the fork moved, the handle did not


@pytest.mark.parametrize("name", ["SMA", "MACD", "MAXINDEX", "BBANDS", "ATR"])
def test_open_and_fill_is_the_batch_series(name: str, data: dict[str, np.ndarray]) -> None:
    hist = [c[:HISTORY] for c in _inputs(name, data)]
    handle, fill = getattr(stream, name).open_and_fill(*hist)
    _, exp = getattr(talib_stream, name).open_and_fill(*hist)
    batch = getattr(ta, name)(*hist)
    for f, e, b in zip(*(x if isinstance(x, tuple) else (x,) for x in (fill, exp, batch))):
        assert f.dtype == e.dtype == b.dtype
        np.testing.assert_array_equal(f, b)
        assert parity_failures(f.astype(float), e.astype(float), np.concatenate(hist)) is None
    assert isinstance(handle, getattr(stream, name))


def test_short_history_is_insufficient(data: dict[str, np.ndarray]) -> None:
    close = data["close"]
    lb = abstract.Function("SMA", timeperiod=10).lookback
    with pytest.raises(InsufficientHistory, match="9 bars of history, at least 10"):
        stream.SMA(close[: 3 + lb], timeperiod=10)  # 3 leading NaN bars do not count
    with pytest.raises(talib.InsufficientHistory):
        talib_stream.SMA(close[: 3 + lb], timeperiod=10)
    assert stream.SMA(close[: 3 + lb + 1], timeperiod=10).out_range == (3 + lb, 1)
    assert issubclass(InsufficientHistory, ta.InsufficientHistory)


@pytest.mark.parametrize("call, field", [
    (lambda s: s.update(float("nan")), "real"),
    (lambda s: s.update(float("inf")), "real"),
    (lambda s: s.peek("x"), "real"),
    (lambda s: s.update(1.0, 2.0), "inputs"),
    (lambda s: stream.SMA(np.ones(40), timeperiod=1), "timeperiod"),
    (lambda s: stream.SMA(np.ones(40), timeperid=3), "timeperid"),
    (lambda s: stream.SMA(timeperiod=3), "history"),
    (lambda s: stream.SMA(np.ones((40, 2))), "history"),
    (lambda s: stream.ATR(np.ones(40), np.ones(41), np.ones(40)), "low"),
    (lambda s: stream.SMA(np.array(["a"] * 40)), "real"),
])
def test_bad_use_is_a_validation_error(call, field: str, data: dict[str, np.ndarray]) -> None:
    s = stream.SMA(data["close"][:100], timeperiod=5)
    before = (s.value, s.out_range)
    with pytest.raises(ValidationError) as info:
        call(s)
    assert field in {e["field"] for e in info.value.errors}
    assert (s.value, s.out_range) == before  # a rejected bar leaves the handle as it was


def test_handles_pickle_and_copy(data: dict[str, np.ndarray]) -> None:
    close = data["close"]
    s = stream.RSI(close[:200], timeperiod=9)
    t = pickle.loads(pickle.dumps(s))
    c = s.copy()
    for x in close[200:230]:
        a, b, d = s.update(float(x)), t.update(float(x)), c.update(float(x))
        assert a == b == d
    assert s.out_range == t.out_range == c.out_range
    np.testing.assert_array_equal(s.value, ta.RSI(close[:230], 9)[-1])


def test_reachable_as_talib_submodules() -> None:
    assert ta.stream is stream and ta.abstract is abstract
    with pytest.raises(AttributeError):
        stream.NOT_A_FUNCTION  # noqa: B018
