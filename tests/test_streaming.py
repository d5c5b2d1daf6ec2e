"""threadx.RollingQuantile (streaming) against the batch quantile and pandas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import threadx
import threadx.rolling as R
from conftest import assert_parity
from threadx.errors import ValidationError

INTERPS = ("linear", "lower", "higher", "nearest", "midpoint")
T0 = pd.Timestamp("2024-05-06 09:30").as_unit("ns").value
SEC = 10**9

PROPERTY = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
value = st.one_of(finite, finite.map(lambda v: round(v)), st.just(math.nan))
levels = st.one_of(
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 0.05, 0.5, 0.9, 1.0]),
    st.lists(st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.25, 0.5, 1.0])), min_size=1, max_size=4),
)


def _stream(rq: threadx.RollingQuantile, values, times=None, *, scalar: bool = True) -> np.ndarray:
    """update() once per value; rows of (n,) (scalar q) or (n, k) like update_many.

    The shape of a single update() result is checked in its own test
    (test_scalar_and_multi_q_return_types); here only the values are compared."""
    rows = []
    for i, v in enumerate(values):
        r = rq.update(v) if times is None else rq.update(v, int(times[i]))
        rows.append(r if scalar else np.reshape(r, -1))
    out = np.array(rows, dtype=np.float64)
    return out if scalar or not len(values) else out.reshape(len(values), -1)


def _pandas_levels(s: pd.Series, window, q, min_periods, interpolation) -> np.ndarray:
    qs = [q] if np.isscalar(q) else list(q)
    cols = [s.rolling(window, min_periods=min_periods).quantile(v, interpolation=interpolation).to_numpy()
            for v in qs]
    out = np.column_stack(cols) if cols else np.empty((len(s), 0))
    return out[:, 0] if np.isscalar(q) else out


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(values=st.lists(value, max_size=80), window=st.integers(1, 30), q=levels,
       interpolation=st.sampled_from(INTERPS), data=st.data())
def test_count_stream_equals_batch(values, window, q, interpolation, data):
    min_periods = data.draw(st.one_of(st.none(), st.integers(0, window)), label="min_periods")
    x = np.array(values, dtype=np.float64)
    batch = R.quantile(x, window, q, min_periods=min_periods, interpolation=interpolation)
    rq = threadx.RollingQuantile(window, q, min_periods=min_periods, interpolation=interpolation)
    streamed = _stream(rq, values, scalar=np.isscalar(q))
    if len(values) == 0:
        streamed = streamed.reshape(batch.shape)
    params = dict(window=window, q=q, min_periods=min_periods, interpolation=interpolation)
    assert streamed.shape == batch.shape
    assert_parity(streamed, batch, x, True, path="update", **params)
    many = threadx.RollingQuantile(window, q, min_periods=min_periods, interpolation=interpolation)
    from_many = many.update_many(x)
    assert from_many.shape == batch.shape
    assert np.array_equal(from_many, streamed, equal_nan=True), "update_many differs from repeated update"
    assert_parity(from_many, batch, x, True, path="update_many", **params)
    exp = _pandas_levels(pd.Series(x), window, q, min_periods, interpolation)
    assert_parity(batch, exp, x, True, path="batch-vs-pandas", **params)
    # the window holds at most `window` points, of which nobs are not NaN
    tail = x[max(0, len(x) - window):]
    assert rq.stored == len(tail)
    assert rq.nobs == int(np.count_nonzero(~np.isnan(tail)))


@PROPERTY
@given(values=st.lists(value, max_size=60), data=st.data(), window_s=st.integers(1, 300), q=levels,
       interpolation=st.sampled_from(INTERPS), min_periods=st.one_of(st.none(), st.integers(0, 5)))
def test_time_stream_equals_batch(values, data, window_s, q, interpolation, min_periods):
    gaps = data.draw(st.lists(st.sampled_from([0, 0, 1, 5, 30, 61, 200, 900]), min_size=len(values),
                              max_size=len(values)), label="gaps_s")
    times = T0 + np.cumsum(np.array(gaps, dtype=np.int64)) * SEC
    x = np.array(values, dtype=np.float64)
    window = pd.Timedelta(seconds=window_s)
    batch = R.quantile(x, window, q, min_periods=min_periods, interpolation=interpolation, times=times)
    rq = threadx.RollingQuantile(window, q, min_periods=min_periods, interpolation=interpolation)
    streamed = _stream(rq, values, times, scalar=np.isscalar(q)).reshape(batch.shape)
    params = dict(window=window, q=q, min_periods=min_periods, interpolation=interpolation, gaps=gaps)
    assert_parity(streamed, batch, x, True, path="update", **params)
    many = threadx.RollingQuantile(window, q, min_periods=min_periods, interpolation=interpolation)
    from_many = many.update_many(x, times)
    assert from_many.shape == batch.shape
    assert np.array_equal(from_many, streamed, equal_nan=True), "update_many differs from repeated update"
    assert_parity(from_many, batch, x, True, path="update_many", **params)
    s = pd.Series(x, index=pd.DatetimeIndex(times.astype("datetime64[ns]")))
    exp = _pandas_levels(s, window, q, min_periods, interpolation)
    assert_parity(batch, exp, x, True, path="batch-vs-pandas", **params)
    if len(values):
        inside = x[times > times[-1] - window.value]
        assert rq.stored == len(inside)
        assert rq.nobs == int(np.count_nonzero(~np.isnan(inside)))


@PROPERTY
@given(values=st.lists(value, min_size=1, max_size=60), cuts=st.lists(st.integers(0, 60), max_size=4),
       window=st.integers(1, 12), q=levels)
def test_update_many_in_chunks_equals_one_call(values, cuts, window, q):
    x = np.array(values, dtype=np.float64)
    whole = threadx.RollingQuantile(window, q, min_periods=1).update_many(x)
    rq = threadx.RollingQuantile(window, q, min_periods=1)
    bounds = sorted({0, len(x), *[c for c in cuts if c <= len(x)]})
    parts = [rq.update_many(x[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    assert_parity(np.concatenate(parts), whole, x, True, cuts=bounds)


# --------------------------------------------------------------------------- examples


def _walk(n, seed=0, nan=0.05):
    rng = np.random.default_rng(seed)
    x = 100 + np.cumsum(rng.normal(size=n))
    x[rng.random(n) < nan] = np.nan
    return x


@pytest.mark.parametrize("interpolation", INTERPS)
@pytest.mark.parametrize("window", [1, 3, 25, 400])
def test_count_stream_matches_batch_and_pandas_on_long_stream(window, interpolation):
    x = _walk(700, seed=window)
    x[300:340] = np.nan
    qs = [0.0, 0.1, 0.5, 0.95, 1.0]
    rq = threadx.RollingQuantile(window, qs, min_periods=1, interpolation=interpolation)
    streamed = _stream(rq, x, scalar=False)
    assert streamed.shape == (700, 5)
    batch = R.quantile(x, window, qs, min_periods=1, interpolation=interpolation)
    assert_parity(streamed, batch, x, True, window=window, interpolation=interpolation)
    assert_parity(streamed, _pandas_levels(pd.Series(x), window, qs, 1, interpolation), x, True,
                  window=window, interpolation=interpolation, ref="pandas")


@pytest.mark.parametrize("window", ["15min", "1h", pd.Timedelta(seconds=90)])
def test_time_stream_with_duplicates_and_gaps(window):
    rng = np.random.default_rng(5)
    n = 600
    gaps = rng.choice([0, 0, 1, 20, 60, 300, 3 * 3600], size=n, p=[0.2, 0.1, 0.2, 0.2, 0.2, 0.09, 0.01])
    times = T0 + np.cumsum(gaps) * SEC
    x = _walk(n, seed=2)
    rq = threadx.RollingQuantile(window, [0.2, 0.5], interpolation="nearest")
    got = np.array([rq.update(v, pd.Timestamp(t)) for v, t in zip(x, times)])
    s = pd.Series(x, index=pd.DatetimeIndex(times.astype("datetime64[ns]")))
    exp = _pandas_levels(s, window, [0.2, 0.5], None, "nearest")
    assert_parity(got, exp, x, True, window=window)


def test_scalar_and_multi_q_return_types():
    rq = threadx.RollingQuantile(3, 0.5)
    r = rq.update(1.0)
    assert isinstance(r, float) and math.isnan(r)  # min_periods defaults to the window
    rq.update(2.0)
    assert rq.update(4.0) == 2.0
    rm = threadx.RollingQuantile(3, [0.0, 1.0], min_periods=1)
    r = rm.update(5.0)
    assert isinstance(r, np.ndarray) and r.shape == (2,) and list(r) == [5.0, 5.0]
    one = threadx.RollingQuantile(3, [0.5], min_periods=1).update(5.0)
    assert isinstance(one, np.ndarray) and one.shape == (1,), f"q=[0.5] gave {one!r}"
    assert threadx.RollingQuantile(3, 0.5).update_many(np.arange(5.0)).shape == (5,)
    assert threadx.RollingQuantile(3, [0.5]).update_many(np.arange(5.0)).shape == (5, 1)
    assert threadx.RollingQuantile(3, [0.1, 0.5]).update_many([1, 2, 3, 4]).shape == (4, 2)


def test_nobs_and_stored_count_window():
    rq = threadx.RollingQuantile(4, 0.5, min_periods=1)
    seen = []
    for v in [1.0, math.nan, 2.0, math.nan, math.nan, 3.0, 4.0, 5.0]:
        rq.update(v)
        seen.append((rq.stored, rq.nobs))
    assert seen == [(1, 1), (2, 1), (3, 2), (4, 2), (4, 1), (4, 2), (4, 2), (4, 3)]


def test_max_points_caps_stored_points():
    x = _walk(200, seed=9)
    times = T0 + np.arange(200) * 60 * SEC  # one point a minute, all inside one day
    rq = threadx.RollingQuantile("1D", [0.25, 0.75], max_points=10)
    got = []
    for v, t in zip(x, times):
        got.append(rq.update(v, int(t)))
        assert rq.stored <= 10
    assert rq.stored == 10
    # the newest 10 points: a 10-row count window (a time window's min_periods is 1)
    exp = R.quantile(x, 10, [0.25, 0.75], min_periods=1)
    assert_parity(np.array(got), exp, x, True)
    uncapped = threadx.RollingQuantile("1D", [0.25, 0.75])
    uncapped.update_many(x, times)
    assert uncapped.stored == 200


def test_max_points_on_count_window():
    x = _walk(100, seed=4)
    rq = threadx.RollingQuantile(50, 0.5, min_periods=1, max_points=7)
    got = _stream(rq, x)
    assert rq.stored == 7
    assert_parity(got, R.quantile(x, 7, 0.5, min_periods=1), x, True)


def test_time_going_backwards_raises_and_keeps_state():
    rq = threadx.RollingQuantile("10min", 0.5, min_periods=1)
    rq.update(1.0, T0)
    rq.update(3.0, T0 + 60 * SEC)
    with pytest.raises(ValidationError) as ei:
        rq.update(100.0, T0 + 30 * SEC)
    assert "time" in ei.value.fields
    assert (rq.nobs, rq.stored) == (2, 2)
    # equal timestamps are fine (non-decreasing)
    assert rq.update(5.0, T0 + 60 * SEC) == 3.0
    with pytest.raises(ValidationError) as ei:
        rq.update_many([7.0, 8.0], np.array([T0 + 120 * SEC, T0 + 90 * SEC]))
    assert "time" in ei.value.fields
    assert (rq.nobs, rq.stored) == (3, 3), "a rejected batch must not be applied in part"
    with pytest.raises(ValidationError) as ei:
        rq.update_many([7.0], np.array([T0]))
    assert "time" in ei.value.fields
    assert rq.update(2.0, T0 + 61 * SEC) == 2.5


def test_time_window_requires_times():
    rq = threadx.RollingQuantile("5min", 0.5)
    with pytest.raises(ValidationError) as ei:
        rq.update(1.0)
    assert ei.value.fields == ["time"]
    with pytest.raises(ValidationError) as ei:
        rq.update_many(np.ones(3))
    assert ei.value.fields == ["times"]
    with pytest.raises(ValidationError) as ei:
        rq.update_many(np.ones(3), np.array([T0, T0]))
    assert ei.value.fields == ["times"]
    with pytest.raises(ValidationError) as ei:
        rq.update(1.0, pd.NaT)
    assert ei.value.fields == ["time"]
    with pytest.raises(ValidationError) as ei:
        rq.update(1.0, "not a time")
    assert ei.value.fields == ["time"]
    assert rq.stored == 0


def test_time_argument_forms_are_equivalent():
    ts = pd.Timestamp("2024-05-06 09:30:00")
    forms = [ts, ts.value, np.datetime64("2024-05-06T09:30:00"), "2024-05-06 09:30:00", ts.to_pydatetime()]
    for f in forms:
        rq = threadx.RollingQuantile("1min", 0.5)
        rq.update(1.0, T0 - 30 * SEC)
        assert rq.update(3.0, f) == 2.0, f
        with pytest.raises(ValidationError):
            rq.update(1.0, T0 - 1)


def test_bad_value_raises():
    rq = threadx.RollingQuantile(3, 0.5)
    for bad in ("abc", None, [1.0], object()):
        with pytest.raises(ValidationError) as ei:
            rq.update(bad)
        assert ei.value.fields == ["value"]
    with pytest.raises(ValidationError) as ei:
        rq.update_many(np.ones((2, 2)))
    assert ei.value.fields == ["values"]
    with pytest.raises(ValidationError) as ei:
        rq.update_many(np.array(["a", "b"]))
    assert ei.value.fields == ["values"]
    assert rq.stored == 0


def test_reset_forgets_everything():
    x = _walk(50, seed=1)
    times = T0 + np.arange(50) * 10 * SEC
    rq = threadx.RollingQuantile("2min", [0.3, 0.6], interpolation="midpoint")
    first = rq.update_many(x, times)
    rq.reset()
    assert (rq.nobs, rq.stored) == (0, 0)
    # after a reset, time may restart earlier
    again = rq.update_many(x, times)
    assert np.array_equal(first, again, equal_nan=True)
    c = threadx.RollingQuantile(5, 0.5)
    a = c.update_many(x)
    c.reset()
    assert np.array_equal(a, c.update_many(x), equal_nan=True)


def test_stream_with_infinities_matches_batch():
    x = np.array([1.0, np.inf, 2.0, -np.inf, np.nan, 3.0, np.inf, np.inf, 4.0, -np.inf])
    for interp in INTERPS:
        for w in (1, 2, 3):
            rq = threadx.RollingQuantile(w, [0.0, 0.3, 0.5, 1.0], min_periods=1, interpolation=interp)
            got = _stream(rq, x, scalar=False)
            exp = R.quantile(x, w, [0.0, 0.3, 0.5, 1.0], min_periods=1, interpolation=interp)
            assert_parity(got, exp, x, True, interpolation=interp, window=w)
