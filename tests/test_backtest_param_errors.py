"""Issue 12 §2: bad parameters of run / sweep / rebalance / target_weights / the requests are
ValidationErrors naming the field (never a raw ValueError/TypeError/KeyError), and meaningless
values (NaN stops, infinite or negative periods_per_year) are refused, by the core's one rule."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import threadx
from threadx import _core, backtest
from threadx.errors import ValidationError

BARS = threadx.data.sample().iloc[:300]
ENTRIES = (BARS["close"] > BARS["close"].rolling(10).mean()).to_numpy()
PANEL = {"A": BARS, "B": BARS.assign(close=BARS["close"], open=BARS["open"])}
TUPLE_PANEL = {("A", "x"): BARS, ("B", "y"): BARS}


def sweep(**kw: Any) -> Any:
    return backtest.sweep("sma_cross", kw.pop("data", BARS), **{"fast": 5, "slow": 20, **kw})


CASES: dict[str, tuple[Callable[[], Any], str]] = {
    "run limit_price='x'": (lambda: backtest.run(BARS, entries=ENTRIES, order_type="limit", limit_price="x"),
                            "limit_price"),
    "run sl_price='x'": (lambda: backtest.run(BARS, entries=ENTRIES, sl_price="x"), "sl_price"),
    "run sl_price=0-d str array": (lambda: backtest.run(BARS, entries=ENTRIES, sl_price=np.array("x")), "sl_price"),
    "rebalance ridge='x'": (lambda: backtest.rebalance(PANEL, "min_variance", ridge="x"), "ridge"),
    "rebalance weights=[['a']]": (lambda: backtest.rebalance(PANEL, [["a", "b"]]), "weights"),
    "target_weights rule=None": (lambda: backtest.target_weights(PANEL, None), "rule"),  # type: ignore[arg-type]
    "target_weights ridge='x'": (lambda: backtest.target_weights(PANEL, "min_variance", ridge="x"), "ridge"),
    "sweep periods_per_year='x'": (lambda: sweep(periods_per_year="x"), "periods_per_year"),
    "sweep constraint=5": (lambda: sweep(constraint=5), "constraint"),
    "sweep constraint -> ragged": (lambda: sweep(fast=[5, 6], constraint=lambda p: [[1], [1, 2]]), "constraint"),
    "sweep progress='x'": (lambda: sweep(progress="x"), "progress"),
    "sweep data={}": (lambda: sweep(data={}), "data"),
    "sweep strategy=[1]": (lambda: backtest.sweep([1], BARS), "strategy"),  # type: ignore[arg-type]
    "sweep metric=[1]": (lambda: sweep(metric=[1]), "metric"),
    "sweep tuple symbol": (lambda: sweep(data={("A", "B"): BARS}), "data"),
    "rebalance tuple symbols": (lambda: backtest.rebalance(TUPLE_PANEL), "data"),
    "target_weights tuple symbols": (lambda: backtest.target_weights(TUPLE_PANEL, "equal"), "data"),
    "SweepRequest grid={5: 5}": (lambda: threadx.SweepRequest(strategy="sma_cross", data=BARS, grid={5: 5}), "grid"),
    "SweepRequest options={5: 5}": (lambda: threadx.SweepRequest(strategy="sma_cross", data=BARS,
                                                                  grid={"fast": 5, "slow": 20}, options={5: 5}),
                                    "options"),
    "IndicatorRequest params={5: 1}": (lambda: threadx.IndicatorRequest(function="SMA", inputs=[np.arange(30.0)],
                                                                        params={5: 1}), "5"),
    # accepted nonsense
    "run sl_stop=nan": (lambda: backtest.run(BARS, entries=ENTRIES, sl_stop=math.nan), "sl_stop"),
    "run tp_stop=nan": (lambda: backtest.run(BARS, entries=ENTRIES, tp_stop=np.float64("nan")), "tp_stop"),
    "run tsl_offset=nan": (lambda: backtest.run(BARS, entries=ENTRIES, tsl_offset=math.nan), "tsl_offset"),
    "run size=nan": (lambda: backtest.run(BARS, entries=ENTRIES, size=math.nan), "size"),
    "run periods_per_year=inf": (lambda: backtest.run(BARS, entries=ENTRIES, periods_per_year=math.inf),
                                 "periods_per_year"),
    "run periods_per_year=nan": (lambda: backtest.run(BARS, entries=ENTRIES, periods_per_year=math.nan),
                                 "periods_per_year"),
    "sweep periods_per_year=inf": (lambda: sweep(periods_per_year=math.inf), "periods_per_year"),
    "sweep sl_stop=nan": (lambda: sweep(sl_stop=math.nan), "sl_stop"),
    "rebalance periods_per_year=-1": (lambda: backtest.rebalance(PANEL, periods_per_year=-1), "periods_per_year"),
    "rebalance periods_per_year='x'": (lambda: backtest.rebalance(PANEL, periods_per_year="x"),
                                       "periods_per_year"),
    "compute_stats periods_per_year=inf": (lambda: backtest.compute_stats(BARS["close"], None, BARS["close"],
                                                                          periods_per_year=math.inf),
                                           "periods_per_year"),
    "BacktestRequest sl_stop=nan": (lambda: threadx.BacktestRequest(data=BARS, entries=ENTRIES, sl_stop=math.nan),
                                    "sl_stop"),
    "SweepRequest periods_per_year=-1": (lambda: threadx.SweepRequest(strategy="sma_cross", data=BARS,
                                                                      grid={"fast": 5, "slow": 20},
                                                                      periods_per_year=-1), "periods_per_year"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_parameter_is_a_validation_error_naming_the_field(case: str) -> None:
    call, field = CASES[case]
    with pytest.raises(ValidationError) as exc:
        call()
    assert field in exc.value.fields, exc.value
    if case.startswith("run limit_price"):
        assert exc.value.fields == ["limit_price"]  # said once: "must be a number", not also "is required"


@pytest.mark.parametrize("params", [{"sl_stop": math.nan}, {"tsl_offset": math.nan}, {"tp_stop": math.nan},
                                    {"tsl_stop": math.nan}, {"size": math.nan, "size_type": "value"}],
                         ids=lambda p: next(iter(p)))
def test_the_core_refuses_a_nan_that_would_mean_none(params: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        _core.backtest.validate(params)
    assert exc.value.fields == [next(iter(params))]
    assert "NaN" in str(exc.value)
    key = next(iter(params))
    _core.backtest.validate({**params, key: None})  # None is "none"


@pytest.mark.parametrize("value", [0.0, -1.0, math.inf, -math.inf, math.nan])
def test_periods_per_year_has_one_rule_in_the_core(value: float) -> None:
    with pytest.raises(ValidationError) as exc:
        _core.backtest.check_periods_per_year(value)
    assert exc.value.fields == ["periods_per_year"]
    b = backtest._engine.bars_of(BARS, backtest._engine.FieldErrors())
    assert b is not None
    plan = _core.backtest.sweep_validate("sma_cross", False, np.array([[5.0, 20.0]]), len(b.close), {})
    with pytest.raises(ValidationError) as exc:  # the core's sweep applies the same rule
        _core.backtest.sweep(plan, b.open, b.high, b.low, b.close, value, 1.0)
    assert exc.value.fields == ["periods_per_year"]
    assert _core.backtest.check_periods_per_year(252.0) == 252.0


def test_valid_values_still_run() -> None:
    res = backtest.run(BARS, entries=ENTRIES, sl_stop=0.05, sl_price=np.float64(1.0), periods_per_year=252)
    assert res.stats["# Trades"] >= 0
    assert isinstance(backtest.rebalance({"A": BARS, 7: BARS}, periods_per_year=252.0), backtest.PortfolioResult)
    out = sweep(fast=[5, 6], data={"A": BARS, "B": BARS}, constraint=lambda p: p["fast"] < 6,
                progress=lambda d, t: None)
    assert isinstance(out, pd.DataFrame) and len(out) == 2


def test_a_numpy_timedelta_expiry_is_a_duration_not_a_count_of_bars() -> None:
    # np.timedelta64 subclasses np.signedinteger: it was taken for bars, and int() of it failed
    kw: dict[str, Any] = {"entries": ENTRIES, "order_type": "limit", "limit_price": BARS["close"] * 0.99}
    got = backtest.run(BARS, expiry=np.timedelta64(2, "D"), **kw)
    pd.testing.assert_frame_equal(got.orders, backtest.run(BARS, expiry=pd.Timedelta("2D"), **kw).orders)


# ---------------------------------------------------------------------- integer signals (issue 13 §2)
EXITS = ~ENTRIES


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8])
def test_integer_zero_one_signals_run_as_booleans(dtype: Any) -> None:
    want = backtest.run(BARS, entries=ENTRIES, exits=EXITS)
    got = backtest.run(BARS, entries=ENTRIES.astype(dtype), exits=pd.Series(EXITS.astype(dtype), index=BARS.index))
    pd.testing.assert_series_equal(got.equity, want.equity)
    pd.testing.assert_frame_equal(got.trades, want.trades)


@pytest.mark.parametrize("bad, where", [(2, "(0,)"), (-1, "(0,)")])
def test_integer_signals_other_than_zero_one_are_refused(bad: int, where: str) -> None:
    e = ENTRIES.astype(np.int64)
    e[0] = bad
    with pytest.raises(ValidationError) as err:
        backtest.run(BARS, entries=e, exits=EXITS)
    assert err.value.fields == ["entries"] and f"{bad} at {where}" in str(err.value)


@pytest.mark.parametrize("dtype", [np.float64, "<U3"])
def test_non_integer_signals_are_refused(dtype: Any) -> None:
    with pytest.raises(ValidationError) as err:
        backtest.run(BARS, entries=ENTRIES.astype(dtype), exits=EXITS)
    assert err.value.fields == ["entries"] and "integers 0/1" in str(err.value)
