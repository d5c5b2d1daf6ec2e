"""Every invalid input raises threadx.errors.ValidationError naming the field(s).

Public API first, then the same rules through direct private ``_core`` calls,
which must never crash and never raise anything but ValidationError.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import threadx
import threadx.rolling as R
from threadx import _core
from threadx.errors import ThreadXError, ValidationError

N = 30
X = np.linspace(1.0, 3.0, N)
DT = pd.date_range("2024-01-02 09:30", periods=N, freq="7min")
SER = pd.Series(X, index=DT)
NS = DT.as_unit("ns").asi8
STATS = ("sum", "mean", "var", "std", "min", "max", "median", "quantile", "zscore")


def call(stat, x=SER, window=5, **kw):
    f = getattr(R, stat)
    if stat == "quantile":
        kw.setdefault("q", 0.5)
        q = kw.pop("q")
        return f(x, window, q, **kw)
    return f(x, window, **kw)


def fields(fn, *args, **kw) -> list[str]:
    """The fields of the ValidationError ``fn`` raises (any other outcome fails)."""
    with pytest.raises(ValidationError) as ei:
        fn(*args, **kw)
    err = ei.value
    assert isinstance(err, ValueError) and isinstance(err, ThreadXError)
    assert err.errors, "a ValidationError must list at least one field"
    for e in err.errors:
        assert set(e) == {"field", "value", "message"}
        assert all(isinstance(v, str) for v in e.values())
        assert e["message"]
    return err.fields


# --------------------------------------------------------------------------- window

BAD_WINDOWS = [0, -1, 2.5, True, False, "abc", "1M", "1ME", "1B", "1W", "0min", "-15min", None, [5],
               np.nan, np.inf, np.int64(0), np.timedelta64("NaT"), pd.NaT, 2**70]
BAD_WINDOW_IDS = ["0", "-1", "2.5", "True", "False", "abc", "1M", "1ME", "1B", "1W", "0min", "-15min",
                  "None", "list", "nan", "inf", "np.int64(0)", "timedelta64-NaT", "pd.NaT", "2**70"]


@pytest.mark.parametrize("window", BAD_WINDOWS, ids=BAD_WINDOW_IDS)
@pytest.mark.parametrize("stat", STATS)
def test_bad_window(stat, window):
    assert fields(call, stat, window=window) == ["window"]


@pytest.mark.parametrize("window", BAD_WINDOWS, ids=BAD_WINDOW_IDS)
def test_bad_window_streaming(window):
    assert fields(threadx.RollingQuantile, window, 0.5) == ["window"]


# --------------------------------------------------------------------------- q, interpolation

BAD_Q = [-0.1, 1.5, [], [0.5, 1.5], [-0.1, 1.5], np.nan, [0.2, np.nan], np.inf, True, "0.5", None, {"a": 1},
         ["a"]]


@pytest.mark.parametrize("q", BAD_Q, ids=[repr(q) for q in BAD_Q])
def test_bad_q(q):
    assert set(fields(R.quantile, X, 5, q)) == {"q"}
    assert set(fields(R.quantile, SER, "15min", q)) == {"q"}
    assert set(fields(threadx.RollingQuantile, 5, q)) == {"q"}


def test_two_bad_levels_are_both_reported():
    assert fields(R.quantile, X, 5, [-0.1, 0.5, 1.5]) == ["q", "q"]


@pytest.mark.parametrize("interpolation", ["cubic", "", "Linear", None, 3])
def test_bad_interpolation(interpolation):
    assert fields(R.quantile, X, 5, 0.5, interpolation=interpolation) == ["interpolation"]
    assert fields(threadx.RollingQuantile, 5, 0.5, interpolation=interpolation) == ["interpolation"]


# --------------------------------------------------------------------------- min_periods, ddof


@pytest.mark.parametrize("min_periods", [-1, 6, 2.5, True, "3", 2**70], ids=["-1", "gt-window", "2.5", "True", "str", "2**70"])
@pytest.mark.parametrize("stat", STATS)
def test_bad_min_periods(stat, min_periods):
    assert fields(call, stat, X, 5, min_periods=min_periods) == ["min_periods"]


@pytest.mark.parametrize("min_periods", [-1, 6, 2.5, True, "3"])
def test_bad_min_periods_streaming(min_periods):
    assert fields(threadx.RollingQuantile, 5, 0.5, min_periods=min_periods) == ["min_periods"]


def test_min_periods_above_window_is_fine_for_time_windows():
    got = R.mean(SER, "15min", min_periods=100)
    assert np.isnan(got).all()


@pytest.mark.parametrize("ddof", [-1, 1.5, True, None, "1", 2**70])
@pytest.mark.parametrize("stat", ["var", "std", "zscore"])
def test_bad_ddof(stat, ddof):
    assert fields(call, stat, X, 5, ddof=ddof) == ["ddof"]


@pytest.mark.parametrize("max_points", [0, -1, 2.5, True, "3", 2**70])
def test_bad_max_points(max_points):
    assert fields(threadx.RollingQuantile, 5, 0.5, max_points=max_points) == ["max_points"]


# --------------------------------------------------------------------------- times

BAD_TIMES = {
    "unsorted": NS[::-1].copy(),
    "one-step-back": np.concatenate([NS[:10], NS[9:10] - 1, NS[11:]]),
    "short": NS[:-1],
    "long": np.concatenate([NS, NS[-1:]]),
    "float": NS.astype(np.float64),
    "2-D": NS.reshape(-1, 1),
    "with-NaT": np.where(np.arange(N) == 4, np.datetime64("NaT"), DT.to_numpy()),
    "strings": np.array(["2024-01-01"] * N),
    "bool": np.ones(N, dtype=bool),
}


@pytest.mark.parametrize("times", list(BAD_TIMES.values()), ids=list(BAD_TIMES))
@pytest.mark.parametrize("stat", STATS)
def test_bad_times(stat, times):
    assert fields(call, stat, X, "15min", times=times) == ["times"]


@pytest.mark.parametrize("stat", STATS)
def test_time_window_without_times(stat):
    assert fields(call, stat, X, "15min") == ["times"]
    assert fields(call, stat, pd.Series(X), "15min") == ["times"]  # RangeIndex
    assert fields(call, stat, pd.Series(X), pd.Timedelta("15min")) == ["times"]


def test_unsorted_or_nat_datetime_index():
    assert fields(R.mean, pd.Series(X, index=DT[::-1]), "15min") == ["times"]
    idx = DT.insert(3, pd.NaT)[:N]
    assert fields(R.mean, pd.Series(X, index=idx), "15min") == ["times"]


# --------------------------------------------------------------------------- values

BAD_VALUES = {
    "object": np.array([1.0, None, 3.0] * 10, dtype=object),
    "bool": np.ones(N, dtype=bool),
    "complex": np.ones(N, dtype=complex),
    "str": np.array(["1.0"] * N),
    "list-of-str": ["1.0"] * N,
    "datetime64": DT.to_numpy(),
    "timedelta64": np.arange(N).astype("timedelta64[s]"),
    "ragged": [[1.0, 2.0], [3.0]],
    "ndim-3": np.zeros((N, 2, 2)),
    "0-d": np.float64(3.0),
    "series-str": pd.Series(["a"] * N),
    "series-bool": pd.Series([True] * N),
    "series-object": pd.Series([1.0] * N, dtype=object),
    "frame-with-str-column": pd.DataFrame({"a": X, "b": ["x"] * N}),
}


@pytest.mark.parametrize("values", list(BAD_VALUES.values()), ids=list(BAD_VALUES))
@pytest.mark.parametrize("stat", STATS)
def test_bad_values(stat, values):
    assert fields(call, stat, values, 5) == ["values"]


@pytest.mark.parametrize("values", list(BAD_VALUES.values()), ids=list(BAD_VALUES))
def test_bad_values_on_time_window_name_only_values(values):
    """Invalid values must not add a spurious 'times' error when valid times are given."""
    assert fields(R.mean, values, "15min", times=NS) == ["values"]


def test_bad_series_on_datetime_index_names_only_values():
    assert fields(R.mean, pd.Series(["a"] * N, index=DT), "15min") == ["values"]


# --------------------------------------------------------------------------- out

_rec = np.zeros(N, dtype=np.dtype([("v", "<f8"), ("k", "<i4")]))
_ro = np.zeros(N)
_ro.flags.writeable = False
BAD_OUT = {
    "short": np.zeros(N - 1),
    "2-D": np.zeros((N, 1)),
    "float32": np.zeros(N, dtype=np.float32),
    "int64": np.zeros(N, dtype=np.int64),
    "list": [0.0] * N,
    "read-only": _ro,
    "unaligned-strides": _rec["v"],
    "big-endian": np.zeros(N, dtype=">f8"),
}


@pytest.mark.parametrize("out", list(BAD_OUT.values()), ids=list(BAD_OUT))
@pytest.mark.parametrize("stat", STATS)
def test_bad_out(stat, out):
    assert fields(call, stat, X.copy(), 5, out=out) == ["out"]


def test_out_overlapping_input():
    x = X.copy()
    assert fields(R.mean, x, 5, out=x) == ["out"]
    buf = np.zeros(2 * N)
    buf[:N] = X
    assert fields(R.mean, buf[:N], 5, out=buf[N // 2 : N // 2 + N]) == ["out"]
    s = pd.Series(X.copy())
    assert fields(R.median, s, 5, out=s.to_numpy()) == ["out"]
    x2 = np.column_stack([X, X])
    assert fields(R.quantile, x2, 5, 0.5, out=x2) == ["out"]
    assert np.array_equal(x, X) and np.array_equal(buf[:N], X), "rejected call wrote into the input"


def test_out_multi_q_shapes():
    assert fields(R.quantile, X, 5, [0.1, 0.9], out=np.zeros(N)) == ["out"]
    assert fields(R.quantile, X, 5, [0.1, 0.9], out=np.zeros((N, 3))) == ["out"]
    assert fields(R.quantile, np.column_stack([X, X]), 5, [0.1, 0.9], out=np.zeros((N, 2))) == ["out"]


# --------------------------------------------------------------------------- all at once


def test_all_bad_fields_reported_together():
    f = fields(R.quantile, np.zeros((2, 2, 2)), 0, 1.5, interpolation="cubic", min_periods=-3)
    assert set(f) == {"values", "window", "q", "interpolation", "min_periods"} and len(f) == 5


def test_all_bad_fields_reported_with_a_bad_window():
    """A window that does not parse must not hide the other fields' errors."""
    f = fields(R.quantile, X, "abc", 1.5, interpolation="cubic", min_periods=-1)
    assert set(f) == {"window", "q", "interpolation", "min_periods"}, f


def test_all_bad_fields_reported_var():
    f = fields(R.var, np.array(["a"] * N), 0, ddof=-1, min_periods=-2)
    assert set(f) == {"values", "window", "ddof", "min_periods"}, f


def test_all_bad_fields_reported_time_window():
    f = fields(R.median, X, "15min", times=NS[::-1].copy(), min_periods=-1)
    assert set(f) == {"times", "min_periods"}, f
    f = fields(R.quantile, X, "15min", [0.5, 2.0], times=NS[:5], interpolation="x")
    assert set(f) == {"times", "q", "interpolation"}, f


def test_all_bad_fields_reported_including_out():
    f = fields(R.quantile, X, 5, 1.5, out=np.zeros(3))
    assert set(f) == {"q", "out"}, f


def test_all_bad_fields_reported_streaming():
    f = fields(threadx.RollingQuantile, 0, 1.5, interpolation="cubic", min_periods=-1, max_points=0)
    assert set(f) == {"window", "q", "interpolation", "min_periods", "max_points"}, f
    f = fields(threadx.RollingQuantile, 0, 1.5, min_periods=-1)
    assert set(f) == {"window", "q", "min_periods"}, f


def test_validation_error_is_picklable_and_readable():
    with pytest.raises(ValidationError) as ei:
        R.quantile(X, 0, 1.5)
    err = ei.value
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is ValidationError and again.errors == err.errors
    text = str(err)
    assert "2 invalid fields" in text and "window" in text and "q" in text


def test_valid_calls_still_work():
    """Guard against a validator that rejects everything."""
    assert R.mean(X, 5).shape == (N,)
    assert R.quantile(SER, "15min", [0.1, 0.9]).shape == (N, 2)
    assert R.var(X, 5, ddof=0, min_periods=0).shape == (N,)
    assert threadx.RollingQuantile("15min", 0.5, max_points=3).update(1.0, DT[0]) == 1.0


# =========================================================================== private _core



def core(values=X, out=None, stat="mean", window=5, **kw):
    return _core.rolling.compute(values, np.zeros((N, 1, 1)) if out is None else out, stat, window, **kw)


CORE_BAD_VALUES = {
    "int64": np.arange(N),
    "float32": X.astype(np.float32),
    "bool": np.ones(N, dtype=bool),
    "big-endian": X.astype(">f8"),
    "3-D": np.zeros((N, 1, 1)),
    "0-d": np.array(1.0),
    "unaligned-strides": _rec["v"],
}


@pytest.mark.parametrize("values", list(CORE_BAD_VALUES.values()), ids=list(CORE_BAD_VALUES))
def test_core_rolling_bad_values(values):
    assert fields(core, values) == ["values"]


def _ro3():
    a = np.zeros((N, 1, 1))
    a.flags.writeable = False
    return a


CORE_BAD_OUT = {
    "2-D": np.zeros((N, 1)),
    "1-D": np.zeros(N),
    "float32": np.zeros((N, 1, 1), dtype=np.float32),
    "rows": np.zeros((N + 1, 1, 1)),
    "cols": np.zeros((N, 2, 1)),
    "k": np.zeros((N, 1, 2)),
    "read-only": _ro3(),
    "unaligned-strides": np.zeros(N, dtype=np.dtype([("v", "<f8"), ("k", "<i4")]))["v"].reshape(N, 1, 1),
}


@pytest.mark.parametrize("out", list(CORE_BAD_OUT.values()), ids=list(CORE_BAD_OUT))
@pytest.mark.parametrize("stat", ["mean", "median", "quantile", "max", "zscore"])
def test_core_rolling_bad_out(stat, out):
    assert set(fields(core, X, out, stat, q=[0.5])) == {"out"}


def test_core_rolling_overlapping_out():
    buf = np.zeros(2 * N)
    buf[:N] = X
    values = buf[:N]
    assert fields(core, values, buf[5 : 5 + N].reshape(N, 1, 1)) == ["out"]
    assert fields(core, values, values.reshape(N, 1, 1)) == ["out"]
    rev = buf[N - 1 :: -1][:N]  # negative strides over the same memory
    assert fields(core, values, rev.reshape(N, 1, 1)) == ["out"]
    assert np.array_equal(values, X)


def test_core_rolling_k_must_match_levels():
    assert fields(core, X, np.zeros((N, 1, 2)), "quantile", q=[0.5]) == ["out"]
    assert fields(core, X, np.zeros((N, 1, 1)), "quantile", q=[0.1, 0.5]) == ["out"]
    assert fields(core, np.column_stack([X, X]), np.zeros((N, 1, 1)), "mean") == ["out"]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        pytest.param(dict(stat="bogus"), "stat", id="stat-bogus"),
        pytest.param(dict(stat=""), "stat", id="stat-empty"),
        pytest.param(dict(stat="quantile", interpolation="bogus", q=[0.5]), "interpolation", id="interpolation"),
        pytest.param(dict(window=0), "window", id="window-0"),
        pytest.param(dict(window=-5), "window", id="window-neg"),
        pytest.param(dict(window=0, time_window=True, times=NS), "window", id="time-window-0"),
        pytest.param(dict(min_periods=-2), "min_periods", id="min_periods-neg"),
        pytest.param(dict(min_periods=6), "min_periods", id="min_periods-gt-window"),
        pytest.param(dict(stat="quantile", q=[], out=np.zeros((N, 1, 0))), "q", id="q-empty"),
        pytest.param(dict(stat="quantile", q=[1.5]), "q", id="q-1.5"),
        pytest.param(dict(stat="quantile", q=[float("nan")]), "q", id="q-nan"),
        pytest.param(dict(stat="var", ddof=-1), "ddof", id="ddof-neg"),
        pytest.param(dict(time_window=True, window=10**9), "times", id="times-missing"),
        pytest.param(dict(time_window=True, window=10**9, times=NS.astype(np.float64)), "times", id="times-float"),
        pytest.param(dict(time_window=True, window=10**9, times=NS.astype(np.int32)), "times", id="times-int32"),
        pytest.param(dict(time_window=True, window=10**9, times=NS.reshape(-1, 1)), "times", id="times-2d"),
        pytest.param(dict(time_window=True, window=10**9, times=NS[:-1]), "times", id="times-short"),
        pytest.param(dict(time_window=True, window=10**9, times=NS[::-1].copy()), "times", id="times-unsorted"),
        pytest.param(dict(time_window=True, window=10**9, times=np.repeat(NS, 2)[::2]), "times", id="times-strided"),
        pytest.param(dict(time_window=True, window=10**9, times=np.array(NS[0])), "times", id="times-0d"),
    ],
)
def test_core_rolling_bad_arguments(kw, field):
    # a rule may add more than one message, but only for the field it is about
    assert set(fields(core, **kw)) == {field}


def test_core_rolling_all_bad_fields_together():
    f = fields(_core.rolling.compute, np.arange(N, dtype=np.int32), np.zeros((N, 1)), "quantile", 0,
               min_periods=-3, q=[1.5], interpolation="x", times=np.zeros(3))
    assert set(f) == {"values", "out", "interpolation", "times", "window", "min_periods", "q"}, f


def test_core_rolling_valid_calls_with_odd_layouts():
    """Negative strides and column-major views are accepted and computed right."""
    x2 = np.asfortranarray(np.column_stack([X, X[::-1]]))
    out = np.zeros((N, 2, 1))[::-1]
    _core.rolling.compute(x2[::-1], out, "mean", 4)
    exp = pd.DataFrame(x2[::-1]).rolling(4).mean().to_numpy()
    assert np.allclose(out[:, :, 0], exp, equal_nan=True, rtol=1e-14, atol=0)


@pytest.mark.parametrize("stat", STATS)
def test_core_extreme_windows_do_not_crash(stat):
    big = 2**63 - 1
    out = np.zeros((N, 1, 1))
    _core.rolling.compute(X, out, stat, big, q=[0.5])
    assert np.isnan(out).all()
    _core.rolling.compute(X, out, stat, big, q=[0.5], min_periods=1)
    exp = R.quantile(X, N, 0.5, min_periods=1) if stat == "quantile" else getattr(R, stat)(X, N, min_periods=1)
    assert np.allclose(out[:, 0, 0], exp, equal_nan=True, rtol=1e-12, atol=0)
    t = np.array([-(2**61), -5, 0, 2**62] + [2**62 + i for i in range(1, N - 3)], dtype=np.int64)
    _core.rolling.compute(X, out, stat, big, time_window=True, times=t, q=[0.5], min_periods=big)
    assert np.isnan(out).all()
    _core.rolling.compute(X, out, stat, big, time_window=True, times=t, q=[0.5])
    exp = R.quantile(X, N, 0.5, min_periods=1) if stat == "quantile" else getattr(R, stat)(X, N, min_periods=1)
    assert np.allclose(out[:, 0, 0], exp, equal_nan=True, rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- rolling_validate


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        pytest.param(dict(stat="bogus"), "stat", id="stat"),
        pytest.param(dict(window=0), "window", id="window-0"),
        pytest.param(dict(min_periods=-2), "min_periods", id="min_periods-neg"),
        pytest.param(dict(min_periods=6), "min_periods", id="min_periods-gt-window"),
        pytest.param(dict(stat="quantile", q=[]), "q", id="q-empty"),
        pytest.param(dict(stat="quantile", q=[-1.0]), "q", id="q-neg"),
        pytest.param(dict(interpolation="x"), "interpolation", id="interpolation"),
        pytest.param(dict(stat="std", ddof=-1), "ddof", id="ddof"),
        pytest.param(dict(time_window=True), "times", id="times-missing"),
        pytest.param(dict(time_window=True, times=NS[:-2]), "times", id="times-short"),
        pytest.param(dict(time_window=True, times=NS[::-1].copy()), "times", id="times-unsorted"),
        pytest.param(dict(time_window=True, times=NS.astype(np.float64)), "times", id="times-float"),
        pytest.param(dict(time_window=True, times=np.array(NS[0])), "times", id="times-0d"),
        pytest.param(dict(n_rows=-1), "values", id="n_rows-neg"),
    ],
)
def test_core_rolling_validate_bad_arguments(kw, field):
    args = dict(n_rows=N, stat="mean", window=5)
    args.update(kw)
    n_rows, stat, window = args.pop("n_rows"), args.pop("stat"), args.pop("window")
    assert set(fields(_core.rolling.validate, n_rows, stat, window, **args)) == {field}


def test_core_rolling_validate_all_bad_fields_together():
    f = fields(_core.rolling.validate, N, "quantile", 0, min_periods=-3, q=[1.5, -1.0],
               interpolation="x", ddof=-1, time_window=True, times=NS.astype(np.float64))
    assert set(f) == {"window", "min_periods", "q", "interpolation", "times"}, f
    assert f.count("q") == 2


def test_core_rolling_validate_accepts_valid():
    assert _core.rolling.validate(N, "quantile", 10**9, time_window=True, q=[0.1], times=NS) is None


# --------------------------------------------------------------------------- _core.rolling.Stream


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        pytest.param(dict(stat="mean"), "stat", id="stat-mean"),
        pytest.param(dict(stat="bogus"), "stat", id="stat-bogus"),
        pytest.param(dict(window=0), "window", id="window-0"),
        pytest.param(dict(q=[]), "q", id="q-empty"),
        pytest.param(dict(q=[1.5]), "q", id="q-1.5"),
        pytest.param(dict(interpolation="x"), "interpolation", id="interpolation"),
        pytest.param(dict(max_points=-1), "max_points", id="max_points"),
        pytest.param(dict(min_periods=-2), "min_periods", id="min_periods-neg"),
        pytest.param(dict(min_periods=6), "min_periods", id="min_periods-gt-window"),
    ],
)
def test_core_streaming_constructor_bad_arguments(kw, field):
    args = dict(stat="quantile", window=5, q=[0.5])
    args.update(kw)
    stat, window = args.pop("stat"), args.pop("window")
    assert fields(_core.rolling.Stream, stat, window, **args) == [field]


def test_core_streaming_all_bad_fields_together():
    f = fields(_core.rolling.Stream, "quantile", 0, q=[1.5], interpolation="x", min_periods=-3,
               max_points=-1)
    assert set(f) == {"window", "q", "interpolation", "min_periods", "max_points"}, f


def test_core_streaming_update_many_bad_arguments():
    rq = _core.rolling.Stream("quantile", 5, q=[0.5])
    assert fields(rq.update_many, np.arange(N)) == ["values"]
    assert fields(rq.update_many, X.astype(np.float32)) == ["values"]
    assert fields(rq.update_many, np.zeros((N, 2))) == ["values"]
    assert fields(rq.update_many, np.array(1.0)) == ["values"]
    assert fields(rq.update_many, X, NS.astype(np.float64)) == ["times"]
    assert fields(rq.update_many, X, NS[:-1]) == ["times"]
    assert rq.stored == 0
    tq = _core.rolling.Stream("quantile", 10**9, time_window=True, q=[0.5])
    assert fields(tq.update_many, X) == ["time"]
    assert fields(tq.update_many, X, NS[::-1].copy()) == ["time"]
    assert tq.stored == 0
    tq.update(1.0, int(NS[5]))
    assert fields(tq.update, 2.0, int(NS[4])) == ["time"]
    assert fields(tq.update, 2.0) == ["time"]
    assert fields(tq.update_many, X[:2], NS[:2]) == ["time"]
    assert tq.stored == 1


def test_core_streaming_update_many_0d_times():
    rq = _core.rolling.Stream("quantile", 10**9, time_window=True, q=[0.5])
    assert fields(rq.update_many, X, np.array(NS[0])) == ["times"]


# ---------------------------------------------------------------- keyword typos (issue 11)

def _typo_calls():
    import threadx.stream
    import threadx.ta as ta
    from threadx import backtest, data

    bars = data.sample().iloc[:300]
    return [
        ("fess", "fees", lambda: backtest.run(bars, fess=0.001)),
        ("slipage", "slippage", lambda: backtest.sweep("sma_cross", bars, fast=5, slow=20, slipage=0.001)),
        ("metirc", "metric", lambda: backtest.sweep("sma_cross", bars, fast=5, slow=20, metirc="sharpe")),
        ("fess", "fees", lambda: backtest.rebalance({"A": bars, "B": bars}, "equal", fess=0.001)),
        ("windw", "window", lambda: backtest.target_weights({"A": bars}, "equal", windw=10)),
        ("min_period", "min_periods", lambda: R.mean(X, 5, min_period=2)),
        ("interpolaton", "interpolation", lambda: R.quantile(X, 5, 0.5, interpolaton="lower")),
        ("timeperoid", "timeperiod", lambda: ta.RSI(X, timeperoid=14)),
        ("timeperoid", "timeperiod", lambda: ta.RSI(bars, timeperoid=14)),
        ("pric", "price", lambda: ta.RSI(bars, pric="open")),
        ("anchr", "anchor", lambda: ta.VWAP(bars, anchr="D")),
        ("timeperoid", "timeperiod", lambda: threadx.stream.RSI(timeperoid=14)),
        ("timeperoid", "timeperiod",
         lambda: threadx.IndicatorRequest(function="RSI", inputs=[X], params={"timeperoid": 3}).validate()),
    ]


@pytest.mark.parametrize("case", range(len(_typo_calls())))
def test_keyword_typo_raises_validation_error_naming_the_closest_keyword(case):
    bad, good, call_ = _typo_calls()[case]
    with pytest.raises(ValidationError) as info:
        call_()
    assert info.value.fields == [bad]
    assert f"did you mean {good!r}?" in str(info.value)


def test_unknown_keyword_without_a_close_match_lists_the_valid_ones():
    with pytest.raises(ValidationError, match="valid: .*min_periods") as info:
        R.mean(X, 5, zzz=1)
    assert info.value.fields == ["zzz"]


def test_checked_functions_keep_their_signature_and_defaults():
    import inspect

    from threadx import backtest

    assert "min_periods" in inspect.signature(R.mean).parameters
    assert inspect.signature(backtest.run).parameters["fees"].default == 0.0
    assert R.mean.__doc__ and backtest.run.__name__ == "run"


def test_streaming_quantile_keyword_typo_names_the_closest_keyword() -> None:
    with pytest.raises(ValidationError) as exc:
        threadx.RollingQuantile(20, 0.5, max_point=100)  # type: ignore[call-arg]
    assert exc.value.fields == ["max_point"]
    assert "threadx.rolling.RollingQuantile" in str(exc.value) and "did you mean 'max_points'?" in str(exc.value)


@pytest.mark.parametrize("window", ["weekly", "1M", "abc", "1ME", "2B"])
def test_bad_time_window_reads_as_one_message(window: str) -> None:
    with pytest.raises(ValidationError) as exc:
        threadx.rolling.mean(np.arange(5.0), window)
    text = str(exc.value)
    assert exc.value.fields == ["window"] and "'15min'" in text
    assert "Failed to parse" not in text and text.count("Invalid frequency") == 0
