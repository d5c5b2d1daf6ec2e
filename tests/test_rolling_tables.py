"""One table per set of options (the core's), and each rule checked once per call.

Rolling statistics and interpolations are listed once, in cpp/src/rolling/spec.cpp;
Python, the stubs and every message derive from that table.  A rolling or indicator
call validates once (the core's validate returns a plan that compute runs), which the
core's test-only counters prove.
"""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pandas as pd
import pytest

import threadx
import threadx.rolling as R
import threadx.ta as ta
from threadx import _core
from threadx.errors import ValidationError
from threadx.requests import IndicatorRequest, RollingRequest

STUBS = pathlib.Path(__file__).resolve().parents[1] / "python" / "threadx" / "_core"
N = 200
RNG = np.random.default_rng(5)
X = np.cumsum(RNG.standard_normal(N))
IDX = pd.date_range("2024-01-01", periods=N, freq="1min", tz="UTC")
SER = pd.Series(X, index=IDX)
NS = IDX.asi8.copy()


# --------------------------------------------------------------------------- tables


def test_python_tables_are_the_cores():
    assert R.STATS == tuple(_core.rolling.stats())
    assert R.INTERPOLATIONS == tuple(_core.rolling.interpolations())
    assert R.RANK_METHODS == tuple(_core.rolling.rank_methods())
    assert len(set(R.STATS)) == len(R.STATS) == 10
    assert R.INTERPOLATIONS == ("linear", "lower", "higher", "nearest", "midpoint")
    assert R.RANK_METHODS == ("average", "min", "max")


def test_public_functions_are_exactly_the_core_stats():
    functions = {name for name in R.__all__ if callable(getattr(R, name)) and not isinstance(getattr(R, name), type)}
    assert functions == set(_core.rolling.stats())
    for stat in _core.rolling.stats():  # each runs its own statistic
        got = getattr(R, stat)(X, 5, q=0.5) if stat == "quantile" else getattr(R, stat)(X, 5)
        plan = _core.rolling.validate(N, stat, 5, q=[0.5])
        out = np.empty((N, 1, 1))
        _core.rolling.compute(plan, X, out)
        np.testing.assert_array_equal(got, out[:, 0, 0])


def test_rolling_stub_matches_the_binding():
    tree = ast.parse((STUBS / "rolling.pyi").read_text())
    stub = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    core = {n for n in dir(_core.rolling) if not n.startswith("__")}
    assert stub == core, (sorted(stub - core), sorted(core - stub))
    plan_stub = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Plan")
    members = {n.name for n in plan_stub.body if isinstance(n, ast.FunctionDef)}
    assert members == {n for n in dir(_core.rolling.Plan) if not n.startswith("_")}


def test_ta_stub_lists_the_plan_api():
    tree = ast.parse((STUBS / "ta.pyi").read_text())
    stub = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    core = {n for n in dir(_core.ta) if not n.startswith("__")}
    assert stub == core, (sorted(stub - core), sorted(core - stub))


def _messages(fn, *args, **kw) -> dict[str, str]:
    with pytest.raises(ValidationError) as ei:
        fn(*args, **kw)
    return {e["field"]: e["message"] for e in ei.value.errors}


@pytest.mark.parametrize("bad", ["bogus", 3])
def test_interpolation_messages_list_the_table(bad):
    for msg in (
        _messages(R.quantile, X, 5, 0.5, interpolation=bad)["interpolation"],
        _messages(threadx.RollingQuantile, 5, 0.5, interpolation=bad)["interpolation"],
    ):
        assert msg == "must be one of " + ", ".join(_core.rolling.interpolations())
    if isinstance(bad, str):
        msg = _messages(_core.rolling.validate, N, "quantile", 5, q=[0.5], interpolation=bad)["interpolation"]
        assert msg == "must be one of " + ", ".join(_core.rolling.interpolations())


@pytest.mark.parametrize("bad", ["dense", 3])
def test_rank_method_messages_list_the_table(bad):
    listed = "must be one of " + ", ".join(_core.rolling.rank_methods())
    assert _messages(R.rank, X, 5, method=bad)["method"] == listed
    assert _messages(threadx.RollingRank, 5, method=bad)["method"] == listed
    if isinstance(bad, str):
        assert _messages(_core.rolling.validate, N, "rank", 5, method=bad)["method"] == listed


def test_stat_messages_list_the_table():
    listed = "must be one of " + ", ".join(_core.rolling.stats())
    assert _messages(_core.rolling.validate, N, "bogus", 5)["stat"] == listed
    assert _messages(R.prepare, X, 5, "bogus")["stat"] == listed


# --------------------------------------------------------------------------- validate once


def _rolling_delta(fn):
    before = _core.rolling._rule_counts()
    fn()
    after = _core.rolling._rule_counts()
    return (after[0] - before[0], after[1] - before[1])


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        pytest.param(lambda: R.quantile(SER, "15min", 0.5), (1, 1), id="time-window-quantile"),
        pytest.param(lambda: R.quantile(X, 20, [0.1, 0.9], times=NS), (1, 0), id="count-window-times-ignored"),
        pytest.param(lambda: R.mean(SER, "1h", out=np.empty(N)), (1, 1), id="time-window-mean-out"),
        pytest.param(lambda: R.std(X, 10), (1, 0), id="count-window-std"),
        pytest.param(lambda: R.median(pd.DataFrame({"a": X, "b": X}, index=IDX), "10min"), (1, 1), id="frame"),
        pytest.param(lambda: RollingRequest(values=SER, window="15min", stat="quantile", q=0.5).run(), (2, 1), id="request"),
        pytest.param(lambda: threadx.RollingQuantile("15min", 0.5), (1, 0), id="stream"),
        pytest.param(lambda: R.rank(SER, "15min", method="min"), (1, 1), id="time-window-rank"),
        pytest.param(lambda: threadx.RollingRank("15min"), (1, 0), id="rank-stream"),
    ],
)
def test_each_rolling_rule_runs_once_per_call(call, expected):
    # (spec checks, timestamp-order scans); the old path ran each three times.  A request
    # checks its fields cheaply when built (no scan) and fully once when it runs.
    assert _rolling_delta(call) == expected


def test_python_out_check_runs_once(monkeypatch):
    calls = []
    original = R.check_out

    def spy(*args, **kw):
        calls.append(1)
        return original(*args, **kw)

    monkeypatch.setattr(R, "check_out", spy)
    R.mean(X, 5, out=np.empty(N))
    assert len(calls) == 1


def _ta_delta(fn):
    before = _core.ta._validations()
    fn()
    return _core.ta._validations() - before


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        pytest.param(lambda: ta.SMA(X, 10), 1, id="fast-path"),
        pytest.param(lambda: ta.SMA(SER, 10), 1, id="series"),
        pytest.param(lambda: ta.RSI(pd.DataFrame({"a": X, "b": X}), 14), 1, id="frame"),
        pytest.param(lambda: ta.SMA(X, timeperiod=[5, 10, 20]), 3, id="grid-of-3-sets"),
        pytest.param(lambda: IndicatorRequest(function="SMA", inputs=[X], params={"timeperiod": 10}).run(), 1, id="request"),
    ],
)
def test_each_indicator_set_is_validated_once_per_call(call, expected):
    # a request checks when built and keeps that plan for run() (nothing reads more when
    # it runs); the old path checked every set again inside _core.ta.run
    assert _ta_delta(call) == expected


def test_ta_plan_copies_its_parameters():
    sets = np.array([[10.0]])
    plan = _core.ta.validate("SMA", sets)
    sets[0, 0] = -1.0  # changed after validation: the plan ran what was checked
    raw = _core.ta.run_plan(plan, [X[:, None]])
    np.testing.assert_allclose(raw[0, 0], ta.SMA(X, 10), rtol=0, atol=0, equal_nan=True)
    assert (plan.name, plan.sets) == ("SMA", 1)
    with pytest.raises(TypeError):
        _core.ta.Plan()


# --------------------------------------------------------------------------- memory safety


@pytest.mark.parametrize("stat", list(_core.rolling.stats()))
def test_times_mutated_after_validation_stay_in_bounds(stat):
    """A plan keeps the times it checked; changing them afterwards gives other numbers,
    never a read or write outside the arrays."""
    t = NS.copy()
    plan = _core.rolling.validate(N, stat, 10**12, time_window=True, q=[0.5, 0.9], times=t)
    rng = np.random.default_rng(1)
    t[:] = rng.permutation(t)
    t[::17] = np.iinfo(np.int64).min
    t[5::23] = np.iinfo(np.int64).max
    k = plan.k
    buf = np.full(N * k + 8, 12345.0)
    out = buf[: N * k].reshape(N, 1, k)
    _core.rolling.compute(plan, X, out)
    assert (buf[N * k :] == 12345.0).all()
    finite = out[np.isfinite(out)]
    if stat in ("min", "max", "median", "quantile"):  # order statistics select input values
        assert ((finite >= X.min()) & (finite <= X.max())).all()
