"""The Hilbert-transform cycle indicators, MAMA, MAVP, SAREXT, HMA, RMA, ZLEMA and the MA
types of TA-Lib 0.8.2 (0-13) beyond the generic parity / streaming tests: unstable
periods, MA_Type.DEFAULT, TA-Lib's parameter ranges, MAVP's periods."""

from __future__ import annotations

import numpy as np
import pytest

import ta_support
import threadx.ta as ta
from conftest import parity_failures
from threadx import stream
from threadx.errors import ValidationError

talib = pytest.importorskip("talib")

WALK = ta_support.random_walk(500, seed=5)


def _inputs(name: str, d: dict = WALK) -> list[np.ndarray]:
    return [d[k] for k in ta.describe(name)["inputs"]]


def _outs(result: object) -> list[np.ndarray]:
    return [np.asarray(r) for r in (result if isinstance(result, tuple) else (result,))]


def _parity(name: str, kwargs: dict, d: dict = WALK) -> list[str]:
    x = _inputs(name, d)
    got, exp = _outs(getattr(ta, name)(*x, **kwargs)), _outs(getattr(talib, name)(*x, **kwargs))
    return [p for g, e in zip(got, exp) if (p := parity_failures(g, e, np.concatenate(x)))]


@pytest.fixture
def unstable():
    yield
    ta.set_unstable_period("ALL", 0)
    talib.set_unstable_period("ALL", 0)


@pytest.mark.parametrize("name, func_id", [
    ("HT_DCPERIOD", "HT_DCPERIOD"), ("HT_DCPHASE", "HT_DCPHASE"), ("HT_PHASOR", "HT_PHASOR"),
    ("HT_SINE", "HT_SINE"), ("HT_TRENDLINE", "HT_TRENDLINE"), ("HT_TRENDMODE", "HT_TRENDMODE"),
    ("MAMA", "MAMA"), ("RMA", "RMA"), ("ZLEMA", "EMA"),
])
def test_unstable_period_matches_talib(unstable, name: str, func_id: str) -> None:
    for n in (0, 3, 40):
        ta.set_unstable_period(func_id, n)
        talib.set_unstable_period(func_id, n)
        assert not _parity(name, {}), (name, n)


@pytest.mark.parametrize("func_id, matype", [("MAMA", 7), ("RMA", 13), ("EMA", 12)])
def test_unstable_period_of_an_ma_type(unstable, func_id: str, matype: int) -> None:
    ta.set_unstable_period(func_id, 25)
    talib.set_unstable_period(func_id, 25)
    for name, kw in [("MA", {"timeperiod": 9, "matype": matype}), ("MAVP", {"maxperiod": 9, "matype": matype}),
                     ("BBANDS", {"timeperiod": 9, "matype": matype})]:
        assert not _parity(name, kw), (name, kw)


def _ma_params() -> list[tuple[str, str, int]]:
    return [(name, p, int(spec["default"])) for name in ta.get_functions()
            for p, spec in ta.describe(name)["params"].items() if spec["kind"] == "matype"]


@pytest.mark.parametrize("name, param, default", _ma_params())
def test_matype_default_is_the_parameters_own(name: str, param: str, default: int) -> None:
    x = _inputs(name)
    got = _outs(getattr(ta, name)(*x, **{param: ta.MA_Type.DEFAULT}))
    own = _outs(getattr(ta, name)(*x, **{param: default}))
    for g, o in zip(got, own):
        np.testing.assert_array_equal(g, o)
    s = getattr(stream, name)(**{param: ta.MA_Type.DEFAULT})
    last = s.update_many(*x)
    for g, o in zip(_outs(last), own):
        np.testing.assert_array_equal(np.asarray(g), o)
    assert not _parity(name, {param: ta.MA_Type.DEFAULT})


def test_every_ma_type_in_a_grid() -> None:
    """A grid over all 14 MA types (DEFAULT included) equals the single calls, column by column."""
    x = WALK["close"]
    grid = np.asarray(ta.MA(x, timeperiod=[2, 9], matype=list(range(14))))
    combos = [(p, m) for p in (2, 9) for m in range(14)]
    assert grid.shape == (x.size, len(combos))
    for j, (period, matype) in enumerate(combos):
        np.testing.assert_array_equal(grid[:, j], ta.MA(x, timeperiod=period, matype=matype))


# TA-Lib's ranges, probed: (function, parameter, first invalid value below, first above).
RANGES = [
    ("MAMA", "fastlimit", 0.009, 0.991), ("MAMA", "slowlimit", 0.009, 0.991),
    ("MAVP", "minperiod", 0, 100001), ("MAVP", "maxperiod", 0, 100001), ("MAVP", "matype", -1, 14),
    ("SAREXT", "startvalue", -3.1e37, 3.1e37), ("SAREXT", "offsetonreverse", -1e-4, 3.1e37),
    ("SAREXT", "accelerationinitlong", -1e-4, 3.1e37), ("SAREXT", "accelerationmaxshort", -1e-4, 3.1e37),
    ("HMA", "timeperiod", 0, 100001), ("RMA", "timeperiod", 0, 100001), ("ZLEMA", "timeperiod", 0, 100001),
]


@pytest.mark.parametrize("name, param, below, above", RANGES)
def test_talib_ranges(name: str, param: str, below: float, above: float) -> None:
    x = _inputs(name)
    for v in (below, above):
        with pytest.raises(Exception):  # noqa: B017 (TA-Lib's own error type)
            getattr(talib, name)(*x, **{param: v})
        with pytest.raises(ValidationError) as info:
            getattr(ta, name)(*x, **{param: v})
        assert info.value.fields == [param]


def test_mavp_inverted_window_rejected() -> None:
    x = _inputs("MAVP")
    with pytest.raises(Exception):  # noqa: B017
        talib.MAVP(*x, minperiod=10, maxperiod=5)
    for call in (lambda: ta.MAVP(*x, minperiod=10, maxperiod=5), lambda: stream.MAVP(minperiod=10, maxperiod=5)):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.fields == ["minperiod"]


def test_mavp_stream_bounded_memory() -> None:
    with pytest.raises(ValidationError) as info:
        stream.MAVP(minperiod=1, maxperiod=100000)
    assert info.value.fields == ["maxperiod"]
    x = _inputs("MAVP", ta_support.random_walk(60, seed=2))
    assert np.isnan(ta.MAVP(*x, minperiod=1, maxperiod=100000)).all()  # the batch function has no such limit


@pytest.mark.parametrize("periods", [np.nan, -5.0, 0.5, 1e300, 7.9])
def test_mavp_periods_clamped_as_talib(periods: float) -> None:
    d = dict(WALK)
    d["periods"] = WALK["periods"].copy()
    d["periods"][50::7] = periods
    for kw in ({}, {"minperiod": 3, "maxperiod": 12, "matype": 1}):
        assert not _parity("MAVP", kw, d), kw


def test_default_matype_shares_with_its_resolved_type() -> None:
    """BBANDS sets with matype DEFAULT (11) and SMA (0, its default) share one middle band,
    as the grid computes them."""
    from threadx import _core

    sets = np.array([[9.0, 2.0, 2.0, 11.0], [9.0, 1.0, 1.0, 0.0], [9.0, 2.0, 2.0, 1.0]])
    assert _core.ta._share_groups("BBANDS", sets) == [[0, 1], [2]]
    x = WALK["close"]
    grid = ta.BBANDS(x, timeperiod=9, nbdevup=[2.0, 1.0], matype=[11, 0])
    for j, (up, mt) in enumerate([(2.0, 11), (2.0, 0), (1.0, 11), (1.0, 0)]):
        np.testing.assert_array_equal(grid[0][:, j], ta.BBANDS(x, 9, up, 2.0, 0)[0])
