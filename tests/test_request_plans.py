"""Requests keep the plan of their deep checks: validated once, however often they run.

The plan is private: no part of equality, hashing, repr, to_dict, the fingerprint or a
pickle.  The core's counters show how often each rule set ran.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import _core

N = 400
IDX = pd.date_range("2024-01-01", periods=N, freq="h", tz="UTC")
CLOSE = 100 + np.cumsum(np.random.default_rng(8).standard_normal(N)) * 0.5
BARS = pd.DataFrame({"open": CLOSE, "high": CLOSE + 1, "low": CLOSE - 1, "close": CLOSE}, index=IDX)
ENTRIES = (BARS["close"] > BARS["close"].rolling(20).mean()).to_numpy()


def counts() -> dict[str, int]:
    """Every validation counter of the core."""
    rolling = _core.rolling._rule_counts()
    return {**_core.backtest._rule_counts(), "rolling": rolling[0], "order_scans": rolling[1],
            "ta": _core.ta._validations()}


def delta(fn: Callable[[], Any]) -> dict[str, int]:
    before = counts()
    fn()
    after = counts()
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


REQUESTS: dict[str, Callable[[], Any]] = {
    "rolling-time-window": lambda: threadx.RollingRequest(values=pd.Series(CLOSE, index=IDX), window="5h",
                                                          stat="quantile", q=0.5),
    "indicator": lambda: threadx.IndicatorRequest(function="RSI", inputs=[CLOSE], params={"timeperiod": [5, 9]}),
    "backtest": lambda: threadx.BacktestRequest(data=BARS, entries=ENTRIES, exits=~ENTRIES),
    "sweep": lambda: threadx.SweepRequest(strategy="sma_cross", data=BARS, grid={"fast": [3, 5], "slow": [20, 30]}),
}
# what one deep validation runs (what building the request runs comes on top)
DEEP = {
    "rolling-time-window": {"rolling": 1, "order_scans": 1},
    "indicator": {},  # building it ran every check: its plan is kept from birth
    "backtest": {"params": 1},
    "sweep": {"params": 1, "combos": 1},
}


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_deep_checks_run_once_however_often_the_request_runs(kind: str) -> None:
    req = REQUESTS[kind]()
    first = delta(lambda: (req.validate(), req.validate(), req.run(), req.run()))
    assert first == DEEP[kind]
    again = REQUESTS[kind]()
    assert delta(again.run) == DEEP[kind]  # run() alone makes the plan the same way
    assert delta(again.run) == {}


def _equal(a: Any, b: Any) -> None:
    if isinstance(a, tuple):
        for x, y in zip(a, b, strict=True):
            _equal(x, y)
    elif isinstance(a, (pd.Series, pd.DataFrame)):
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:  # a BacktestResult
        pd.testing.assert_series_equal(a.equity, b.equity)


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_the_kept_plan_stays_private(kind: str) -> None:
    fresh, validated = REQUESTS[kind](), REQUESTS[kind]()
    validated.validate()
    assert repr(validated) == repr(fresh)
    assert validated.to_dict() == fresh.to_dict()
    assert validated.fingerprint() == fresh.fingerprint()
    state = pickle.dumps(validated)
    assert state == pickle.dumps(fresh)  # the plan is not pickled
    back = pickle.loads(state)
    assert "_deep_plan" not in vars(back)
    _equal(back.run(), fresh.run())


def test_data_requests_keep_no_plan_and_compare_by_fields() -> None:
    # its checks read the source registry, which may change: they run every time
    src = threadx.sources.InMemorySource({"AAA": BARS.assign(volume=1.0)})
    threadx.sources.register_source("plans-test", src)
    try:
        a = threadx.DataRequest(symbols="AAA", start=IDX[0], end=IDX[-1], timeframe="1h", source="plans-test")
        b = threadx.DataRequest(symbols="AAA", start=IDX[0], end=IDX[-1], timeframe="1h", source="plans-test")
        a.validate()
        assert "_deep_plan" not in vars(a)
        assert a == b and hash(a) == hash(b)
    finally:
        threadx.sources.unregister_source("plans-test")
