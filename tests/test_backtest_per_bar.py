"""run() with per-bar ``size``, ``sl_stop`` and ``tp_stop`` (issue 13 §2): the value of the
entry's signal bar is used. Checked against the order-level reference
(tests/order_reference.py through tests/signals_to_orders.py) on random data, against the
scalar option when the array is constant, for 2-D (one simulation per column), and the
validation of every value."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import backtest_cases
from signals_to_orders import run_as_orders

from threadx.backtest import run
from threadx.errors import ValidationError


def _data(seed: int, n: int = 120) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    df = backtest_cases.ohlc(n, seed)
    rng = np.random.default_rng(seed)
    return df, rng.random(n) < 0.08, rng.random(n) < 0.08


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("size_type", "lo", "hi"), [("percent", 0.1, 1.0), ("units", 1.0, 40.0),
                                                     ("value", 500.0, 9_000.0), ("target_percent", 0.2, 1.0)])
def test_per_bar_size_and_stops_match_the_order_reference(seed, size_type, lo, hi):
    df, e, x = _data(seed)
    rng = np.random.default_rng(seed + 100)
    n = len(df)
    size = rng.uniform(lo, hi, n)
    sl = np.where(rng.random(n) < 0.5, rng.uniform(0.01, 0.05, n), np.nan)
    tp = np.where(rng.random(n) < 0.5, rng.uniform(0.02, 0.08, n), np.nan)
    kw = dict(entries=e, exits=x, short_entries=x & ~e, size=size, size_type=size_type, sl_stop=sl, tp_stop=tp,
              fees=0.001, fractional=seed % 2 == 0)
    got = run(df, **kw)
    a = [df[k].to_numpy() for k in ("open", "high", "low", "close")]
    exp = run_as_orders(*a, index=df.index, **kw)
    np.testing.assert_allclose(got.equity.to_numpy(), exp["equity"], rtol=1e-9)
    np.testing.assert_allclose(got.position.to_numpy(), exp["position"], rtol=1e-9, atol=1e-12)
    assert len(got.trades) == len(exp["trades"])
    np.testing.assert_allclose(got.trades["size"], [t["size"] for t in exp["trades"]], rtol=1e-12)
    assert list(got.trades["exit_reason"]) == [t["exit_reason"] for t in exp["trades"]]


@pytest.mark.parametrize(("name", "scalar"), [("size", 0.5), ("sl_stop", 0.03), ("tp_stop", 0.05)])
def test_a_constant_array_equals_the_scalar(name, scalar):
    df, e, x = _data(3)
    base = run(df, entries=e, exits=x, **{name: scalar})
    per_bar = run(df, entries=e, exits=x, **{name: pd.Series(scalar, index=df.index)})
    np.testing.assert_array_equal(per_bar.equity.to_numpy(), base.equity.to_numpy())
    assert per_bar.trades.equals(base.trades)


def test_two_d_sizes_run_one_simulation_per_column():
    df, e, x = _data(5)
    sizes = np.column_stack([np.full(len(df), 0.3), np.full(len(df), 0.9)])
    r = run(df, entries=e, exits=x, size=sizes)
    for k, s in enumerate((0.3, 0.9)):
        one = run(df, entries=e, exits=x, size=s)
        np.testing.assert_array_equal(r.equity[k].to_numpy(), one.equity.to_numpy())


def test_bad_per_bar_values_are_refused_naming_them():
    df, e, x = _data(1, 20)
    size = np.full(20, 0.5)
    size[7] = np.nan
    with pytest.raises(ValidationError, match="at bar 7"):
        run(df, entries=e, size=size)
    size[7] = 1.5  # percent above 1
    with pytest.raises(ValidationError) as ei:
        run(df, entries=e, size=size, sl_stop=np.full(20, 1.2), tp_stop=np.ones(19))
    fields = [err["field"] for err in ei.value.errors]
    assert "size" in fields and "sl_stop" in fields and "tp_stop" in fields, fields
    size[7] = 0.0  # the low end of the rule
    with pytest.raises(ValidationError, match="size"):
        run(df, entries=e, size=size)
