"""threadx.rolling.rank and its streaming twin RollingRank against pandas' rolling rank.

Ranks are counts (and half-counts) of window values, so they must equal pandas'
``Series.rolling(...).rank(method, ascending, pct)`` exactly, NaN positions included.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import threadx
import threadx.rolling as R
from threadx import _core
from threadx.errors import CancelledError, ValidationError

METHODS = ("average", "min", "max")
OPTIONS = list(itertools.product(METHODS, (True, False), (False, True)))
OPTION_IDS = [f"{m}-{'asc' if a else 'desc'}{'-pct' if p else ''}" for m, a, p in OPTIONS]
N = 300


def _data(kind: str, n: int = N, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "walk_nan":
        x = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    elif kind == "ties":  # few distinct values: ties in every window
        x = np.round(rng.normal(0.0, 2.0, n)) / 2.0
    elif kind == "runs":  # long runs of one value: all-equal windows
        x = np.repeat(np.round(rng.normal(0.0, 1.0, n), 1), rng.integers(1, 40, n))[:n]
    elif kind == "signed_zero":  # -0.0 and 0.0 tie
        x = rng.choice([-0.0, 0.0, 1.0, -1.0], n)
    else:
        raise KeyError(kind)
    x[rng.random(n) < 0.08] = np.nan
    if kind == "walk_nan":
        x[:5] = np.nan
        x[100:140] = np.nan  # a stretch longer than the small windows
    return x


def _pd_rank(s, window, method, ascending, pct, min_periods=None):
    return s.rolling(window, min_periods=min_periods).rank(method=method, ascending=ascending, pct=pct)


def _assert_same(got, expected, **params) -> None:
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, params
    bad = ~((got == expected) | (np.isnan(got) & np.isnan(expected)))
    assert not bad.any(), (params, np.flatnonzero(bad)[:5], got[bad][:5], expected[bad][:5])


# --------------------------------------------------------------------------- count windows


@pytest.mark.parametrize(("method", "ascending", "pct"), OPTIONS, ids=OPTION_IDS)
@pytest.mark.parametrize("kind", ["walk_nan", "ties", "runs", "signed_zero"])
def test_count_window_equals_pandas(kind, method, ascending, pct):
    x = _data(kind)
    s = pd.Series(x)
    for window, mp in itertools.product((1, 2, 3, 17, 64, N + 5), (None, 0, 1, 2)):
        if mp is not None and mp > window:
            continue
        got = R.rank(x, window, method=method, ascending=ascending, pct=pct, min_periods=mp)
        _assert_same(got, _pd_rank(s, window, method, ascending, pct, mp), window=window, min_periods=mp)


@pytest.mark.parametrize("window", [1, 4])
def test_all_equal_windows(window):
    x = np.full(20, 3.5)
    for method, ascending, pct in OPTIONS:
        got = R.rank(x, window, method=method, ascending=ascending, pct=pct, min_periods=1)
        _assert_same(got, _pd_rank(pd.Series(x), window, method, ascending, pct, 1), method=method)
    # a full window of w equal values: average (w + 1) / 2, min 1, max w
    assert R.rank(x, window)[-1] == (window + 1) / 2
    assert R.rank(x, window, method="min")[-1] == 1.0
    assert R.rank(x, window, method="max", pct=True)[-1] == 1.0


def test_long_series_split_across_threads_equals_pandas():
    # one long column is cut into chunks that start from their window's rows: same
    # numbers as pandas (one pass) on any number of threads
    n = 140_000
    x = _data("ties", n, seed=3)
    s = pd.Series(x)
    before = threadx.get_num_threads()
    try:
        for window in (7, 3000):
            expected = _pd_rank(s, window, "average", True, False)
            for threads in (1, 2):
                threadx.set_num_threads(threads)
                _assert_same(R.rank(x, window), expected, window=window, threads=threads)
    finally:
        threadx.set_num_threads(before)


# --------------------------------------------------------------------------- time windows


def _irregular_index(n: int, seed: int = 3) -> pd.DatetimeIndex:
    rng = np.random.default_rng(seed)
    steps = rng.choice([1, 1, 2, 5, 30, 61, 600], n)
    steps[10:13] = 0  # repeated timestamps
    return pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(np.cumsum(steps), unit="s")


@pytest.mark.parametrize(("method", "ascending", "pct"), OPTIONS, ids=OPTION_IDS)
@pytest.mark.parametrize("kind", ["walk_nan", "ties"])
def test_time_window_equals_pandas(kind, method, ascending, pct):
    s = pd.Series(_data(kind), index=_irregular_index(N))
    for window, mp in itertools.product(("1s", "3min", "17min", "2h"), (None, 2)):
        got = R.rank(s, window, method=method, ascending=ascending, pct=pct, min_periods=mp)
        assert isinstance(got, pd.Series) and got.index.equals(s.index)
        _assert_same(got, _pd_rank(s, window, method, ascending, pct, mp), window=window, min_periods=mp)


def test_time_window_via_times_argument():
    idx = _irregular_index(N)
    x = _data("ties")
    expected = _pd_rank(pd.Series(x, index=idx), "10min", "max", False, True)
    _assert_same(R.rank(x, "10min", method="max", ascending=False, pct=True, times=idx), expected)
    _assert_same(R.rank(x, pd.Timedelta("10min"), method="max", ascending=False, pct=True, times=idx.as_unit("ns").asi8),
                 expected)


# --------------------------------------------------------------------------- 2-D, out=, cancel=


@pytest.mark.parametrize("layout", ["C", "F", "frame"])
def test_2d_column_by_column(layout):
    rng = np.random.default_rng(7)
    x = np.round(rng.normal(0.0, 1.0, (200, 11)), 1)
    x[rng.random(x.shape) < 0.1] = np.nan
    df = pd.DataFrame(x, columns=[f"c{i}" for i in range(11)])
    arg = df if layout == "frame" else np.asarray(x, order=layout)
    got = R.rank(arg, 9, method="min", pct=True, min_periods=3)
    expected = df.rolling(9, min_periods=3).rank(method="min", pct=True)
    if layout == "frame":
        assert isinstance(got, pd.DataFrame) and list(got.columns) == list(df.columns)
    _assert_same(got, expected, layout=layout)


def test_series_keeps_index_and_name():
    s = pd.Series(_data("ties", 50), index=pd.date_range("2024", periods=50, freq="D"), name="px")
    got = R.rank(s, 5)
    assert got.name == "px" and got.index.equals(s.index)


def test_out_is_filled_in_place():
    x = _data("ties")
    out = np.full(N, -1.0)
    got = R.rank(x, 10, method="max", out=out)
    assert got is out
    _assert_same(out, _pd_rank(pd.Series(x), 10, "max", True, False))


def test_cancelled_token_stops():
    token = threadx.CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        R.rank(np.arange(100_000.0), 50, cancel=token)


def test_infinities_are_values():
    # ThreadX's deviation (README): pandas turns +-inf into NaN, ThreadX ranks them
    x = np.array([1.0, np.inf, 2.0, -np.inf, np.inf, np.inf])
    np.testing.assert_array_equal(R.rank(x, 3, min_periods=1), [1.0, 2.0, 2.0, 1.0, 3.0, 2.5])
    np.testing.assert_array_equal(R.rank(x, 3, min_periods=1, ascending=False, method="min"),
                                  [1.0, 1.0, 2.0, 3.0, 1.0, 1.0])


def test_request_runs_rank():
    x = _data("ties")
    got = threadx.RollingRequest(values=x, window=12, stat="rank").run()
    _assert_same(got, _pd_rank(pd.Series(x), 12, "average", True, False))


# --------------------------------------------------------------------------- property


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.sampled_from([0.0, 1.0, 1.5, -2.0, 7.0, np.nan]), min_size=0, max_size=30),
    window=st.integers(1, 8),
    min_periods=st.one_of(st.none(), st.integers(0, 8)),
    option=st.sampled_from(OPTIONS),
)
def test_property_equals_pandas(values, window, min_periods, option):
    if min_periods is not None and min_periods > window:
        min_periods = window
    method, ascending, pct = option
    x = np.array(values, dtype=np.float64)
    got = R.rank(x, window, method=method, ascending=ascending, pct=pct, min_periods=min_periods)
    _assert_same(got, _pd_rank(pd.Series(x), window, method, ascending, pct, min_periods))


@settings(max_examples=100, deadline=None)
@given(
    data=st.lists(st.tuples(st.sampled_from([0.0, 1.0, -2.0, 7.0, np.nan]), st.integers(0, 5)), min_size=1,
                  max_size=30),
    seconds=st.integers(1, 12),
    min_periods=st.integers(0, 3),
    option=st.sampled_from(OPTIONS),
)
def test_property_time_window_equals_pandas(data, seconds, min_periods, option):
    method, ascending, pct = option
    x = np.array([v for v, _ in data])
    idx = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.cumsum([g for _, g in data]), unit="s")
    s = pd.Series(x, index=idx)
    window = f"{seconds}s"
    got = R.rank(s, window, method=method, ascending=ascending, pct=pct, min_periods=min_periods)
    _assert_same(got, _pd_rank(s, window, method, ascending, pct, min_periods))


# --------------------------------------------------------------------------- streaming twin


@pytest.mark.parametrize(("method", "ascending", "pct"), OPTIONS, ids=OPTION_IDS)
@pytest.mark.parametrize("window", [1, 5, 40])
def test_streaming_equals_batch_every_bar(window, method, ascending, pct):
    x = _data("ties")
    batch = R.rank(x, window, method=method, ascending=ascending, pct=pct, min_periods=2 if window > 1 else None)
    rr = threadx.RollingRank(window, method=method, ascending=ascending, pct=pct,
                             min_periods=2 if window > 1 else None)
    stepped = np.array([rr.update(v) for v in x])
    _assert_same(stepped, batch)
    assert rr.nobs == int(np.count_nonzero(~np.isnan(x[-window:])))
    assert rr.stored == min(window, N)
    rr.reset()
    assert (rr.nobs, rr.stored) == (0, 0)
    _assert_same(rr.update_many(x), batch)


def test_streaming_time_window_equals_batch():
    idx = _irregular_index(N)
    x = _data("walk_nan")
    batch = R.rank(pd.Series(x, index=idx), "7min", method="min", pct=True)
    rr = threadx.RollingRank("7min", method="min", pct=True)
    stepped = np.array([rr.update(v, t) for v, t in zip(x, idx)])
    _assert_same(stepped, batch.to_numpy())
    rr.reset()
    _assert_same(rr.update_many(x, idx), batch.to_numpy())
    with pytest.raises(ValidationError) as ei:
        rr.update(1.0, idx[0])  # before the last timestamp
    assert ei.value.errors[0]["field"] == "time"


def test_streaming_max_points_caps_the_window():
    rr = threadx.RollingRank(100, max_points=3, min_periods=1)
    got = [rr.update(v) for v in [5.0, 1.0, 3.0, 2.0, 4.0]]
    assert got[-1] == pd.Series([3.0, 2.0, 4.0]).rank().iloc[-1]
    assert rr.stored == 3
    assert "RollingRank(window=100" in repr(rr)


# --------------------------------------------------------------------------- validation


def _fields(fn, *args, **kw) -> dict[str, str]:
    with pytest.raises(ValidationError) as ei:
        fn(*args, **kw)
    return {e["field"]: e["message"] for e in ei.value.errors}


METHOD_MESSAGE = "must be one of average, min, max"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"method": "first"}, "method"),
        ({"method": "dense"}, "method"),
        ({"method": 3}, "method"),
        ({"pct": 1}, "pct"),
        ({"pct": "yes"}, "pct"),
        ({"ascending": None}, "ascending"),
        ({"window": 0}, "window"),
        ({"window": -3}, "window"),
        ({"window": "abc"}, "window"),
        ({"min_periods": 11}, "min_periods"),
        ({"min_periods": -1}, "min_periods"),
        ({"metod": "min"}, "metod"),
    ],
)
def test_bad_arguments_are_typed_and_named(kw, field):
    kw = {"window": 10, **kw}
    window = kw.pop("window")
    fields = _fields(R.rank, np.arange(20.0), window, **kw)
    assert list(fields) == [field]
    if field == "method":
        assert fields["method"] == METHOD_MESSAGE
    stream_kw = {k: v for k, v in kw.items() if k != "metod"}
    if stream_kw or field == "window":
        assert list(_fields(threadx.RollingRank, window, **stream_kw)) == [field]


def test_every_bad_field_at_once():
    fields = _fields(R.rank, np.arange(5.0), 0, method="dense", ascending=1, pct="no", min_periods=-2)
    assert set(fields) == {"window", "method", "ascending", "pct", "min_periods"}
    fields = _fields(threadx.RollingRank, -1, method=None, ascending="x", pct=2, max_points=0)
    assert set(fields) == {"window", "method", "ascending", "pct", "max_points"}


def test_numpy_bools_are_bools():
    x = _data("ties")
    _assert_same(R.rank(x, 5, ascending=np.bool_(False), pct=np.bool_(True)),
                 _pd_rank(pd.Series(x), 5, "average", False, True))


def test_core_refuses_a_bad_method_directly():
    assert _core.rolling.rank_methods() == list(METHODS)
    assert R.RANK_METHODS == METHODS
    assert _fields(_core.rolling.validate, 10, "rank", 3, method="first") == {"method": METHOD_MESSAGE}
    assert _fields(_core.rolling.RankStream, 3, method="dense") == {"method": METHOD_MESSAGE}
    assert set(_fields(_core.rolling.RankStream, 0, max_points=-1)) == {"window", "max_points"}
