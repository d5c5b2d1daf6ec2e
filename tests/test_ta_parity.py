"""threadx.ta against TA-Lib (the pinned `ta-lib` of the test extra), under docs/design.md's
parity rule, for every case of tests/ta_cases on random walks (flat stretches, gaps,
leading NaNs, a series shorter than most warm-ups) and on every real file in tests/data."""

from __future__ import annotations

import numpy as np
import pytest

import ta_support
import threadx.ta as ta
from conftest import parity_failures
from ta_cases import CASES

talib = pytest.importorskip("talib")

# Order statistics select input values: 1e-12 (docs/design.md).
ORDER_STATS = {"MAX", "MIN", "DONCHIAN", "MIDPOINT", "MIDPRICE", "MEDPRICE", "PERCENTILE"}

# Functions that skip a non-finite bar instead of propagating it: VWAP (TA-Lib 0.8's
# rule) and SAR / SAREXT, whose value at a bar is the stop set from earlier bars and whose
# comparisons ignore a NaN bar (README, "Deviations from TA-Lib").
NAN_SKIPPING = {"VWAP", "SAR", "SAREXT"}

CASE_IDS = [(name, kw) for name, kws in sorted(CASES.items()) for kw in kws]


def _id(case: tuple[str, dict]) -> str:
    name, kw = case
    return name + ("(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")" if kw else "")


def datasets() -> dict[str, dict[str, np.ndarray]]:
    sets = dict(ta_support.synthetic())
    for f in ta_support.REAL_FILES:
        sets[f] = ta_support.real(f)
    return sets


def outputs(result) -> list[np.ndarray]:
    return [np.asarray(r) for r in (result if isinstance(result, tuple) else (result,))]


def test_every_function_has_cases() -> None:
    assert set(ta.get_functions()) - {"VWAP_ROLLING", "VWAP_SESSION"} <= set(CASES), (
        sorted(set(ta.get_functions()) - set(CASES)))


@pytest.mark.parametrize("case", CASE_IDS, ids=_id)
def test_matches_talib(case: tuple[str, dict]) -> None:
    name, kwargs = case
    spec = ta.describe(name)
    failures = []
    for key, d in datasets().items():
        inputs = [d[k] for k in spec["inputs"]]
        got = outputs(getattr(ta, name)(*inputs, **kwargs))
        exp = outputs(getattr(talib, name)(*inputs, **kwargs))
        assert len(got) == len(exp) == len(spec["outputs"])
        scale = np.concatenate(inputs)
        for j, (g, e) in enumerate(zip(got, exp)):
            problem = parity_failures(g, e, scale, order_stat=name in ORDER_STATS)
            if problem:
                failures.append(f"{key} output {spec['outputs'][j]}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", CASE_IDS, ids=_id)
def test_interior_nan(case: tuple[str, dict]) -> None:
    """Before a NaN bar: TA-Lib's values.  At it: NaN (ThreadX's documented rule: a NaN
    poisons a running state and any window holding it; TA-Lib's compiled comparisons give
    build-dependent numbers there), except for functions that skip non-finite bars."""
    name, kwargs = case
    spec = ta.describe(name)
    at = 300
    d = ta_support.interior_nan(ta_support.random_walk(), at=at)
    inputs = [d[k] for k in spec["inputs"]]
    got = outputs(getattr(ta, name)(*inputs, **kwargs))
    exp = outputs(getattr(talib, name)(*inputs, **kwargs))
    clean = outputs(getattr(ta, name)(*[x[:at] for x in inputs], **kwargs))
    for g, e, c in zip(got, exp, clean):
        assert parity_failures(g[:at], e[:at], np.concatenate(inputs)) is None
        assert np.array_equal(g[:at], c, equal_nan=True)  # nothing after a bar changes it
        if name not in NAN_SKIPPING and g.dtype.kind == "f" and not np.isnan(e[: at]).all():
            assert np.isnan(g[at]), f"{name}: bar {at} holds a NaN input but gave {g[at]}"
