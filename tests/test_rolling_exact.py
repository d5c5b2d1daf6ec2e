"""Rolling sums and moments stay exact after a huge value has left the window, the
fast count-window path (long series, segments of thousands of rows) matches pandas,
and so do the small-window quantiles.

"Exact" is the parity rule taken window by window: NaN positions identical and
|got - expected| <= 1e-9 * max(|expected|, max|x| of that window), so after a value
of 1e12 leaves a window of values near 1, an error of 1e-4 (what running sums leave
behind) fails.  The reference computes every window on its own (no running state).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import threadx
import threadx.rolling as R
from conftest import assert_parity
from test_rolling_parity import make_data, pd_ref

STATS = ("sum", "mean", "var", "std", "zscore")
SPIKE = 1e12


def spiky(n: int, seed: int) -> np.ndarray:
    """Values near 1 with 2% NaN and one 1e12 in the middle."""
    rng = np.random.default_rng(seed)
    x = 1.0 + rng.standard_normal(n)
    x[rng.random(n) < 0.02] = np.nan
    x[n // 2] = SPIKE
    return x


def one_window(v: np.ndarray, xi: float, stat: str, minp: int, ddof: int = 1) -> float:
    """The statistic of one window's values v (NaN included) on their own; xi: its last row's value."""
    v = v[~np.isnan(v)]
    if len(v) < max(minp, 1 if stat != "sum" else 0):
        return np.nan
    if stat == "sum":
        return float(np.sum(v)) if len(v) else 0.0
    mean = np.mean(v)
    if stat == "mean":
        return float(mean)
    if len(v) <= ddof:
        return np.nan
    var = 0.0 if v.min() == v.max() else float(np.sum((v - mean) ** 2) / (len(v) - ddof))
    if stat == "zscore":
        return float((xi - mean) / np.sqrt(var)) if var > 0 else np.nan
    return var if stat == "var" else float(np.sqrt(var))


def window_reference(x: np.ndarray, starts: np.ndarray, stat: str, minp: int, ddof: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Each window [starts[i], i] computed on its own: (expected, the window's max|x|)."""
    exp = np.full(len(x), np.nan)
    scale = np.zeros(len(x))
    for i, s in enumerate(starts):
        v = x[s : i + 1]
        scale[i] = np.nanmax(np.abs(v)) if not np.isnan(v).all() else 0.0
        exp[i] = one_window(v, x[i], stat, minp, ddof)
    return exp, scale


def failures(got: np.ndarray, exp: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Rows breaking the window-by-window rule."""
    nan = np.isnan(exp)
    bad = np.isnan(got) != nan
    ok = ~nan & ~np.isnan(got)
    tol = 1e-9 * np.maximum(np.abs(exp[ok]), scale[ok])
    bad[ok] = np.abs(got[ok] - exp[ok]) > tol
    return np.flatnonzero(bad)


def call(stat: str, x: np.ndarray | pd.Series, window: int | str, **kw: int) -> np.ndarray:
    return np.asarray(getattr(R, stat)(x, window, **kw), dtype=np.float64)


def count_starts(n: int, w: int) -> np.ndarray:
    return np.maximum(0, np.arange(n) - w + 1)


@pytest.mark.parametrize("window", [5, 20, 250, 1000])
@pytest.mark.parametrize("stat", STATS)
def test_spike_leaves_count_window(stat: str, window: int) -> None:
    x = spiky(24_000, window)
    exp, scale = window_reference(x, count_starts(len(x), window), stat, window)
    bad = failures(call(stat, x, window), exp, scale)
    assert bad.size == 0, f"{stat} w={window}: {bad.size} rows off, first {bad[:5]}"


@pytest.mark.parametrize("stat", STATS)
def test_spike_leaves_time_window(stat: str) -> None:
    n = 6000
    x = spiky(n, 7)
    rng = np.random.default_rng(8)
    idx = (pd.to_datetime("2024-01-01") + pd.to_timedelta(np.cumsum(rng.integers(1, 4, n)), unit="s")).as_unit("ns")
    starts = np.searchsorted(idx.asi8, idx.asi8 - pd.Timedelta("40s").value, side="right")
    exp, scale = window_reference(x, starts, stat, 1)
    bad = failures(call(stat, pd.Series(x, index=idx), "40s"), exp, scale)
    assert bad.size == 0, f"{stat}: {bad.size} rows off, first {bad[:5]}"


def running_sums(x: np.ndarray, w: int, stat: str) -> np.ndarray:
    """What a plain running sum gives (no recomputation): cumulative sums differenced."""
    ok = ~np.isnan(x)
    v = np.where(ok, x, 0.0)
    s1 = np.cumsum(v)
    s2 = np.cumsum(v * v)
    c = np.cumsum(ok)
    lag = lambda a: np.concatenate([np.zeros(w), a[:-w]])  # noqa: E731
    s1, s2, c = s1 - lag(s1), s2 - lag(s2), (c - lag(c)).astype(np.float64)
    c[: w - 1] = 0  # min_periods = w
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / c
        var = np.maximum((s2 - s1 * mean) / (c - 1), 0.0)
        out = {"sum": s1, "mean": mean, "var": var, "std": np.sqrt(var), "zscore": (x - mean) / np.sqrt(var)}[stat]
    return np.where(c >= w, out, np.nan) if stat != "sum" else np.where(c >= w, out, np.nan)


@pytest.mark.parametrize("stat", STATS)
def test_the_check_catches_a_running_sum(stat: str) -> None:
    """The spike test can fail: a plain running sum breaks it, on the same data."""
    w = 20
    x = spiky(24_000, w)
    x[np.arange(len(x)) < w] = 1.0  # full first window, as the running-sum model assumes
    exp, scale = window_reference(x, count_starts(len(x), w), stat, w)
    assert failures(running_sums(x, w, stat), exp, scale).size > 100


# --------------------------------------------------------------------------- long series


@pytest.mark.parametrize("kind", ["walk_nan", "ties", "runs", "nan_stretch"])
@pytest.mark.parametrize("window", [4, 5, 20, 250, 1000])
@pytest.mark.parametrize("stat", STATS)
def test_long_series_matches_pandas(stat: str, window: int, kind: str) -> None:
    """Series long enough for many segments, so the fast path and its fallbacks both run."""
    x = make_data(kind, n=20_000, seed=window)
    s = pd.Series(x)
    for mp, ddof in ((None, 1), (1, 0), (3, 2)):
        kw = {"ddof": ddof} if stat in ("var", "std", "zscore") else {}
        got = call(stat, x, window, min_periods=mp, **kw) if mp is not None else call(stat, x, window, **kw)
        exp = pandas_or_exact(got, pd_ref(s, window, stat, min_periods=mp, ddof=ddof), x, window, stat,
                              window if mp is None else mp, ddof)
        assert_parity(got, exp, x, stat=stat, window=window, min_periods=mp, ddof=ddof, kind=kind)


def pandas_or_exact(got: np.ndarray, exp: pd.Series, x: np.ndarray, w: int, stat: str, minp: int,
                    ddof: int) -> np.ndarray:
    """pandas' values, except where ThreadX differs and pandas is off the exact value
    (its running sums' artefacts: e.g. a z-score of two observations with ddof=0 is
    exactly +-1, pandas gives 0.99999148 on one window here)."""
    e = exp.to_numpy(dtype=np.float64).copy()
    scale = float(np.nanmax(np.abs(x)))
    with np.errstate(invalid="ignore"):
        off = np.flatnonzero(np.abs(got - e) > 1e-9 * np.maximum(np.abs(e), scale))
    starts = count_starts(len(x), w)
    for i in off:
        exact = one_window(x[starts[i] : i + 1], x[i], stat, minp, ddof)
        if abs(exact - e[i]) > 1e-9 * max(abs(exact), scale):
            e[i] = exact
    return e


@pytest.mark.parametrize("stat", STATS)
def test_far_from_zero_keeps_precision(stat: str) -> None:
    """Prices near 1e6 moving by 1e-3: the moments keep the precision of the moves."""
    rng = np.random.default_rng(3)
    x = 1e6 + np.cumsum(rng.normal(0.0, 1e-3, 30_000))
    w = 50
    # the reference on x - 1e6 (exact: every x is within a factor 2 of 1e6), so its
    # deviations keep their precision; sums and means shift back
    exp, _ = window_reference(x - 1e6, count_starts(len(x), w), stat, w)
    exp += {"sum": 1e6 * w, "mean": 1e6}.get(stat, 0.0)
    got = call(stat, x, w)
    nan = np.isnan(exp)
    assert np.array_equal(np.isnan(got), nan)
    scale = {"sum": 1e6 * w, "mean": 1e6}.get(stat, 1.0)
    if stat in ("sum", "mean"):
        tol = 1e-12 * np.maximum(np.abs(exp[~nan]), scale)
    elif stat == "zscore":  # x - mean carries ulp(1e6) = 1.2e-10, over a std of a few 1e-3
        tol = np.full(int((~nan).sum()), 1e-6)
    else:
        tol = 1e-7 * np.abs(exp[~nan])
    assert np.all(np.abs(got[~nan] - exp[~nan]) <= tol)


@pytest.mark.parametrize(("stat", "window"), [(s, 250) for s in STATS] + [("median", 20), ("quantile", 20)])
def test_one_long_column_same_on_any_thread_count(stat: str, window: int) -> None:
    """A Series split into chunks across threads gives the one-thread result exactly
    (the fast path's segments, the small-window quantile's chunks)."""
    x = make_data("walk_nan", n=300_000, seed=1)
    kw = {"q": [0.1, 0.9]} if stat == "quantile" else {}
    before = threadx.get_num_threads()
    try:
        threadx.set_num_threads(1)
        one = np.asarray(getattr(R, stat)(x, window, **kw))
        threadx.set_num_threads(2)
        two = np.asarray(getattr(R, stat)(x, window, **kw))
        assert np.array_equal(one, two, equal_nan=True), stat
    finally:
        threadx.set_num_threads(before)


@pytest.mark.parametrize("interpolation", ["linear", "nearest", "midpoint"])
@pytest.mark.parametrize("kind", ["walk_nan", "ties", "nan_stretch"])
@pytest.mark.parametrize("window", [2, 3, 32, 33])
def test_small_window_quantiles_match_pandas(window: int, kind: str, interpolation: str) -> None:
    """Both sides of the sorted-array / sorted-blocks crossover, on a long series."""
    x = make_data(kind, n=20_000, seed=window)
    s = pd.Series(x)
    qs = [0.0, 0.1, 0.5, 0.9, 1.0]
    got = np.asarray(R.quantile(x, window, qs, min_periods=1, interpolation=interpolation))
    for j, q in enumerate(qs):
        exp = s.rolling(window, min_periods=1).quantile(q, interpolation=interpolation)
        assert_parity(got[:, j], exp, x, True, q=q, window=window, kind=kind)
    assert_parity(R.median(x, window), s.rolling(window).median(), x, True, window=window, kind=kind)


def test_window_reference_agrees_with_sliding_windows() -> None:
    """The per-window reference itself, against numpy on data without NaN."""
    x = 1.0 + np.random.default_rng(0).standard_normal(500)
    w = 7
    exp, _ = window_reference(x, count_starts(len(x), w), "var", w)
    np.testing.assert_allclose(exp[w - 1 :], np.var(sliding_window_view(x, w), axis=1, ddof=1), rtol=1e-12)
