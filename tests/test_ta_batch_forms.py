"""The fast batch forms (issue 17, section 2) equal their streaming states bit for bit where
the generic tests do not reach: long series (WMA's rebuild every 8 periods, the variance's
reseed every 32 periods), ties across block boundaries (MAXINDEX/MININDEX's O(1) rescans),
NaN inside the series, and the int32 conversion of positions."""

from __future__ import annotations

import numpy as np
import pytest

import threadx.ta as ta
from threadx import _core, stream


def _series(n: int, seed: int, *, ties: bool, nan_at: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = 100 + np.cumsum(rng.normal(0, 1, n))
    if ties:  # few distinct values: equal extremes inside and across blocks
        x = np.round(x / 3.0)
    if nan_at is not None:
        x[nan_at] = np.nan
    return x


def _streamed(name: str, kwargs: dict, x: np.ndarray) -> np.ndarray:
    out = getattr(stream, name)(**kwargs).update_many(x)
    return np.column_stack(out) if isinstance(out, tuple) else np.asarray(out).reshape(len(x), -1)


CASES = [
    ("SMA", {"timeperiod": 2}), ("SMA", {"timeperiod": 37}),
    ("WMA", {"timeperiod": 1}), ("WMA", {"timeperiod": 2}), ("WMA", {"timeperiod": 45}),
    ("TRIMA", {"timeperiod": 1}), ("TRIMA", {"timeperiod": 2}), ("TRIMA", {"timeperiod": 9}),
    ("TRIMA", {"timeperiod": 30}),
    ("KAMA", {"timeperiod": 1}), ("KAMA", {"timeperiod": 2}), ("KAMA", {"timeperiod": 30}),
    ("MA", {"timeperiod": 20, "matype": 0}), ("MA", {"timeperiod": 20, "matype": 2}),
    ("MA", {"timeperiod": 20, "matype": 5}), ("MA", {"timeperiod": 20, "matype": 6}),
    ("BBANDS", {"timeperiod": 2}), ("BBANDS", {"timeperiod": 20}),
    ("BBANDS", {"timeperiod": 20, "nbdevup": 1.5, "nbdevdn": 2.5}),
    ("BBANDS", {"timeperiod": 20, "nbdevup": 1.0, "nbdevdn": 1.0}),
]


@pytest.mark.parametrize("name,kwargs", CASES)
@pytest.mark.parametrize("nan_at", [None, 1500])
def test_column_forms_equal_the_state(name: str, kwargs: dict, nan_at: int | None) -> None:
    x = _series(3000, 1, ties=False, nan_at=nan_at)
    got = getattr(ta, name)(x, **kwargs)
    got = np.column_stack(got) if isinstance(got, tuple) else np.asarray(got)[:, None]
    assert np.array_equal(got, _streamed(name, kwargs, x), equal_nan=True)


@pytest.mark.parametrize("name", ["MAXINDEX", "MININDEX"])
@pytest.mark.parametrize("period", [2, 3, 7, 30])
@pytest.mark.parametrize("nan_at", [None, 200])
@pytest.mark.parametrize("lead", [0, 5])
def test_position_rescans_equal_the_state(name: str, period: int, nan_at: int | None, lead: int) -> None:
    x = _series(1200, period, ties=True, nan_at=nan_at)
    x[:lead] = np.nan
    got = getattr(ta, name)(x, timeperiod=period)
    expected = np.nan_to_num(_streamed(name, {"timeperiod": period}, x)[:, 0], nan=0.0)
    assert got.dtype == np.int32
    assert np.array_equal(got, expected)


def test_as_int32_maps_nan_to_zero_and_keeps_the_shape() -> None:
    raw = np.array([[[np.nan, 0.0, 3.0], [7.0, np.nan, 2147483647.0]]])
    got = _core.ta._as_int32(raw)
    assert got.dtype == np.int32 and got.shape == raw.shape
    assert got.tolist() == [[[0, 0, 3], [7, 0, 2147483647]]]
