"""The Momentum Indicators TA-Lib 0.8 added, the Math Transform functions and the vector
Math Operators, beyond the generic tests (which run every case of tests/ta_cases on prices):
the transforms' domain, integer outputs, TA-Lib's zero tests at any price scale, parameter
ranges and IMI's unstable period, each against TA-Lib 0.8.2."""

from __future__ import annotations

import numpy as np
import pytest

import ta_support
import threadx.ta as ta
from conftest import parity_failures
from threadx import stream
from threadx.errors import ValidationError
from threadx.ta._api import SPECS

talib = pytest.importorskip("talib")

TRANSFORMS = "ACOS ASIN ATAN CEIL COS COSH EXP FLOOR LN LOG10 SIN SINH SQRT TAN TANH".split()


def _outputs(result: object) -> list[np.ndarray]:
    return [np.asarray(r) for r in (result if isinstance(result, tuple) else (result,))]


def _check(name: str, inputs: list[np.ndarray], **kwargs: object) -> None:
    got, exp = _outputs(getattr(ta, name)(*inputs, **kwargs)), _outputs(getattr(talib, name)(*inputs, **kwargs))
    assert len(got) == len(exp)
    for g, e in zip(got, exp):
        assert g.dtype == e.dtype, name
        problem = parity_failures(g, e, np.concatenate(inputs))
        assert problem is None, f"{name}{kwargs}: {problem}"


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transforms_over_their_domain_and_beyond(name: str) -> None:
    """[-1, 1] (where ACOS/ASIN are defined), its edges, zeros, signed zeros, infinities,
    overflowing and negative arguments: the C library's values (NaN, inf) as TA-Lib's."""
    rng = np.random.default_rng(3)
    x = np.r_[rng.uniform(-1, 1, 200), [1.0, -1.0, 1.0 + 1e-16, 2.0, -2.0, 0.0, -0.0, np.inf, -np.inf, 710.0,
                                      -710.0, 1e300, -1e-300, 2.5, -2.5, 1e-320]]
    _check(name, [x])


@pytest.mark.parametrize("name", ["ADD", "SUB", "MULT", "DIV"])
def test_operators_with_zeros_and_infinities(name: str) -> None:
    a = np.array([1.0, 0.0, -1.0, 0.0, np.inf, np.inf, 2.0, -0.0, 1e308])
    b = np.array([0.0, 0.0, 0.0, -0.0, np.inf, -np.inf, 3.0, 5.0, 1e308])
    _check(name, [a, b])


def test_cumsum_is_the_running_total() -> None:
    x = ta_support.random_walk(300)["close"]
    _check("CUMSUM", [x])


@pytest.mark.parametrize("name", ["MINMAXINDEX", "FRACTAL", "MAXINDEX", "MININDEX"])
def test_integer_outputs_are_int32_with_zero_in_the_warm_up(name: str) -> None:
    d = ta_support.random_walk(200)
    inputs = [d[k] for k in ta.describe(name)["inputs"]]
    got = _outputs(getattr(ta, name)(*inputs))
    assert all(SPECS[name].integer) and len(SPECS[name].integer) == len(got)
    for g, e in zip(got, _outputs(getattr(talib, name)(*inputs))):
        assert g.dtype == np.int32 and np.array_equal(g, e)
    # the general path (a Series, a grid) converts them too
    import pandas as pd

    series = getattr(ta, name)(*[pd.Series(x) for x in inputs])
    for s in series if isinstance(series, tuple) else (series,):
        assert s.dtype == np.int32


def test_real_outputs_are_not_flagged_integer() -> None:
    assert SPECS["MINMAX"].integer == (False, False) and SPECS["RSI"].integer == (False,)


@pytest.mark.parametrize("name", ["SMI", "TSI", "VORTEX", "VHF", "CMOU", "ER", "FOSC", "AO", "AC", "DPO", "QSTICK",
                                  "COPPOCK", "ERI", "WAD", "IMI", "FRACTAL", "KDJ"])
@pytest.mark.parametrize("scale", [1e-20, 1.0, 1e9])
def test_zero_tests_at_any_price_scale(name: str, scale: float) -> None:
    """Flat stretches (zero ranges, zero changes) at tiny and huge price scales: TA-Lib's zero
    tests are exact (or relative), so the results scale with the prices as TA-Lib's do."""
    d = ta_support.random_walk(400, seed=5)
    scaled = ta_support.finish({k: d[k] * scale for k in ("open", "high", "low", "close", "volume")})
    kwargs = {"slowk_matype": 0, "slowd_matype": 0} if name == "KDJ" else {}
    _check(name, [scaled[k] for k in ta.describe(name)["inputs"]], **kwargs)


def test_imi_has_no_unstable_period() -> None:
    """TA-Lib 0.8.1's IMI ignores the unstable period (even "ALL"); ThreadX's too."""
    d = ta_support.random_walk(300, seed=2)
    try:
        ta.set_unstable_period("ALL", 7)
        talib.set_unstable_period("ALL", 7)
        _check("IMI", [d["open"], d["close"]], timeperiod=5)
        assert np.isnan(ta.IMI(d["open"], d["close"], 5)[:4]).all() and not np.isnan(ta.IMI(d["open"], d["close"], 5)[4])
        s = stream.IMI(5)
        streamed = np.array([s.update(o, c) for o, c in zip(d["open"], d["close"])])
        assert np.array_equal(streamed, ta.IMI(d["open"], d["close"], 5), equal_nan=True)
    finally:
        ta.set_unstable_period("ALL", 0)
        talib.set_unstable_period("ALL", 0)


@pytest.mark.parametrize("name", ["SMI", "TSI", "ERI"])
def test_ema_unstable_period_delays_the_ema_stages(name: str) -> None:
    d = ta_support.random_walk(300, seed=6)
    try:
        ta.set_unstable_period("EMA", 4)
        talib.set_unstable_period("EMA", 4)
        _check(name, [d[k] for k in ta.describe(name)["inputs"]])
    finally:
        ta.set_unstable_period("EMA", 0)
        talib.set_unstable_period("EMA", 0)


# (function, parameter, smallest allowed): one below is a ValidationError naming the parameter,
# as TA-Lib rejects it; 100000 is allowed and 100001 is not
RANGES = [("AC", "signalperiod", 2), ("AO", "fastperiod", 2), ("CMOU", "timeperiod", 2), ("COPPOCK", "wmaperiod", 1),
          ("COPPOCK", "roc2period", 1), ("DPO", "timeperiod", 2), ("ER", "timeperiod", 2), ("ERI", "timeperiod", 1),
          ("FOSC", "timeperiod", 2), ("FRACTAL", "leftbars", 1), ("FRACTAL", "rightbars", 1),
          ("IMI", "timeperiod", 2), ("KDJ", "fastk_period", 1), ("QSTICK", "timeperiod", 1),
          ("ROCR100", "timeperiod", 1), ("SMI", "fastperiod", 2), ("TSI", "secondperiod", 2),
          ("VHF", "timeperiod", 2), ("VORTEX", "timeperiod", 1), ("MINMAX", "timeperiod", 2),
          ("MINMAXINDEX", "timeperiod", 2)]


@pytest.mark.parametrize(("name", "param", "lo"), RANGES)
def test_parameter_ranges_are_talibs(name: str, param: str, lo: int) -> None:
    d = ta_support.random_walk(50)
    inputs = [d[k] for k in ta.describe(name)["inputs"]]
    extra = {"slowk_matype": 0, "slowd_matype": 0} if name == "KDJ" else {}
    for bad in (lo - 1, 100001):
        with pytest.raises(Exception):  # noqa: B017 - TA-Lib's own error
            getattr(talib, name)(*inputs, **{param: bad}, **extra)
        with pytest.raises(ValidationError) as err:
            getattr(ta, name)(*inputs, **{param: bad}, **extra)
        assert param in err.value.fields
    for good in (lo, 100000):
        getattr(talib, name)(*inputs, **{param: good}, **extra)
        getattr(ta, name)(*inputs, **{param: good}, **extra)


def test_kdj_matype_range() -> None:
    d = ta_support.random_walk(50)
    with pytest.raises(ValidationError) as err:
        ta.KDJ(d["high"], d["low"], d["close"], slowk_matype=14, slowd_matype=0)
    assert err.value.fields == ["slowk_matype"]


def test_groups_are_talibs() -> None:
    groups = talib.get_function_groups()
    ours = ta.get_function_groups()
    for group in ("Math Transform", "Math Operators", "Momentum Indicators"):
        assert set(groups[group]) <= set(ours[group]), group
