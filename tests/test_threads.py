"""One long column is split across threads: the same numbers on any number of threads,
equal to pandas across the chunk boundaries."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

import threadx

N = 300_000  # several chunks of 65,536 rows


@pytest.fixture(scope="module")
def series() -> np.ndarray:
    rng = np.random.default_rng(11)
    x = 1000 + np.cumsum(rng.standard_normal(N))
    x[rng.random(N) < 0.01] = np.nan
    x[150_000:150_040] = 5.0  # a constant stretch across no boundary in particular
    return x


@pytest.fixture
def threads() -> Iterator[None]:
    before = threadx.get_num_threads()
    yield
    threadx.set_num_threads(before)


CASES = [
    ("sum", 20, {}), ("mean", 1000, {"min_periods": 1}), ("var", 300, {}), ("std", 5000, {"min_periods": 10}),
    ("zscore", 50, {}), ("median", 20, {}), ("quantile", 1000, {"q": [0.1, 0.9]}), ("quantile", 70_000, {"q": 0.5, "min_periods": 1}),
]


@pytest.mark.parametrize(("stat", "window", "kw"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_same_result_on_one_and_two_threads(series: np.ndarray, threads: None, stat: str, window: int,
                                            kw: dict) -> None:
    f = getattr(threadx.rolling, stat)
    threadx.set_num_threads(1)
    one = f(series, window, **kw)
    threadx.set_num_threads(2)
    two = f(series, window, **kw)
    assert np.array_equal(one, two, equal_nan=True)


@pytest.mark.parametrize(("stat", "window", "kw"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_long_series_matches_pandas(series: np.ndarray, stat: str, window: int, kw: dict) -> None:
    got = np.asarray(getattr(threadx.rolling, stat)(series, window, **kw))
    s = pd.Series(series)
    r = s.rolling(window, min_periods=kw.get("min_periods"))
    if stat == "quantile":
        qs = kw["q"] if isinstance(kw["q"], list) else [kw["q"]]
        expected = np.column_stack([r.quantile(q).to_numpy() for q in qs])
        got = got.reshape(expected.shape)
    elif stat == "zscore":
        expected = ((s - r.mean()) / r.std()).to_numpy()
    else:
        expected = getattr(r, stat)().to_numpy()
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    scale = np.nanmax(np.abs(series))
    ok = ~np.isnan(expected)
    tol = (1e-12 if stat in ("median", "quantile") else 1e-9) * np.maximum(np.abs(expected[ok]), scale)
    assert np.all(np.abs(got[ok] - expected[ok]) <= tol)
