"""threadx.rolling against pandas (and a slow oracle where pandas has no reference).

The parity rule of docs/design.md: identical NaN and +-inf positions, values within
1e-9 * max(|expected|, max|input|) (1e-12 for order statistics).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import threadx.rolling as R
from conftest import (
    ORDER_STATS,
    assert_parity,
    count_starts,
    oracle,
    parity_failures,
    time_starts,
)
from threadx.errors import ValidationError

INTERPS = ("linear", "lower", "higher", "nearest", "midpoint")
QS = (0.0, 0.05, 0.5, 0.9, 1.0)
SIMPLE = ("sum", "mean", "var", "std", "min", "max", "median", "zscore")
CASES = [(s, None) for s in SIMPLE] + [("quantile", i) for i in INTERPS]
CASE_IDS = [s if i is None else f"quantile-{i}" for s, i in CASES]

N = 400


# --------------------------------------------------------------------------- data


def _walk(rng: np.random.Generator, n: int) -> np.ndarray:
    return 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))


def _with_nan(rng: np.random.Generator, x: np.ndarray, frac: float = 0.05) -> np.ndarray:
    x = x.copy()
    x[rng.random(len(x)) < frac] = np.nan
    return x


_KIND_SEEDS = {"walk_nan": 1, "ties": 2, "runs": 3, "nan_stretch": 4, "inf": 5}


def make_data(kind: str, n: int = N, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(_KIND_SEEDS[kind] * 1000 + seed)
    if kind == "walk_nan":
        return _with_nan(rng, _walk(rng, n))
    if kind == "ties":
        # few distinct values: many exact ties inside every window
        return _with_nan(rng, np.round(rng.normal(0.0, 2.0, n)) / 2.0)
    if kind == "runs":
        vals = np.round(_walk(rng, n), 1)
        lengths = rng.integers(1, 40, n)
        x = np.repeat(vals, lengths)[:n]
        return _with_nan(rng, x, 0.03)
    if kind == "nan_stretch":
        x = _with_nan(rng, _walk(rng, n))
        x[:7] = np.nan
        x[n // 3 : n // 3 + 150] = np.nan  # longer than every window but "longer"
        return x
    if kind == "inf":
        x = _with_nan(rng, _walk(rng, n))
        pos = rng.choice(n, size=n // 25, replace=False)
        x[pos] = rng.choice([np.inf, -np.inf], size=len(pos))
        x[200:204] = np.inf  # a run of identical infinities
        x[300:302] = [-np.inf, np.inf]
        return x
    raise KeyError(kind)


_CACHE: dict[str, np.ndarray] = {}


def data(kind: str) -> np.ndarray:
    if kind not in _CACHE:
        _CACHE[kind] = make_data(kind)
        _CACHE[kind].flags.writeable = False
    return _CACHE[kind]


def resolve_window(window, n: int = N) -> int:
    return n + 37 if window == "longer" else window


def resolve_mp(min_periods, window):
    return window if min_periods == "window" else min_periods


# --------------------------------------------------------------------------- callers


def tx(x, window, stat, *, min_periods=None, q=None, interpolation="linear", ddof=1, **kw):
    f = getattr(R, stat)
    if stat == "quantile":
        return f(x, window, q, min_periods=min_periods, interpolation=interpolation, **kw)
    if stat in ("var", "std", "zscore"):
        return f(x, window, min_periods=min_periods, ddof=ddof, **kw)
    return f(x, window, min_periods=min_periods, **kw)


def pd_ref(s, window, stat, *, min_periods=None, q=None, interpolation="linear", ddof=1):
    r = s.rolling(window, min_periods=min_periods)
    if stat == "quantile":
        return r.quantile(q, interpolation=interpolation)
    if stat in ("var", "std"):
        return _exact_constant_windows(getattr(r, stat)(ddof=ddof), s, window, stat, min_periods, ddof)
    if stat == "zscore":
        z = (s - r.mean()) / r.std(ddof=ddof)
        return _exact_constant_windows(z, s, window, stat, min_periods, ddof)
    return getattr(r, stat)()


def _exact_constant_windows(result, s, window, stat, min_periods, ddof):
    """pandas 3.1.1 artefact: its constant-window rule (num_consecutive_same_value)
    misses some windows, e.g. var([97.2]*7 + [97.7]*8, 5) gives 1.2e-14 (std 1.1e-7,
    zscore 0) on windows of five 97.7.  The variance of identical values is exactly 0
    and their z-score 0/0 = NaN, which is what ThreadX documents; use that."""
    minp = min_periods if min_periods is not None else (window if isinstance(window, int) else 1)
    full = s.rolling(window, min_periods=0)
    cnt = full.count()
    const = (cnt >= max(minp, 1)) & (cnt > ddof) & (full.max() == full.min())
    result = result.copy()
    if stat == "zscore":
        result[const] = np.nan
    else:
        result[const] = 0.0
    return result


def check_against_pandas(x, s, window, stat, interp, min_periods, *, ddof=1, **params):
    """Compare threadx on ``x`` with pandas on ``s`` (a Series); quantile: every q in QS."""
    order = stat in ORDER_STATS
    if stat != "quantile":
        got = tx(x, window, stat, min_periods=min_periods, ddof=ddof)
        exp = pd_ref(s, window, stat, min_periods=min_periods, ddof=ddof)
        assert_parity(got, exp, s, order, stat=stat, window=window, min_periods=min_periods, ddof=ddof, **params)
        return
    multi = tx(x, window, "quantile", q=list(QS), min_periods=min_periods, interpolation=interp)
    assert multi.shape == (len(s), len(QS))
    for j, q in enumerate(QS):
        exp = pd_ref(s, window, "quantile", min_periods=min_periods, q=q, interpolation=interp)
        assert_parity(multi[:, j], exp, s, True, stat="quantile", q=q, interpolation=interp,
                      window=window, min_periods=min_periods, path="multi-q", **params)
        single = tx(x, window, "quantile", min_periods=min_periods, q=q, interpolation=interp)
        assert_parity(single, exp, s, True, stat="quantile", q=q, interpolation=interp,
                      window=window, min_periods=min_periods, path="scalar-q", **params)


# --------------------------------------------------------------------------- the rule itself


def test_parity_helper_can_fail() -> None:
    x = np.array([1.0, 2.0, np.nan, np.inf])
    assert parity_failures(x, x.copy(), x) is None
    assert parity_failures([1.0, np.nan], [1.0, 0.0], x) is not None  # NaN position
    assert parity_failures([np.inf], [-np.inf], x) is not None  # inf sign
    assert parity_failures([np.inf], [1e300], x) is not None  # inf vs finite
    assert parity_failures([2.0 + 1e-7], [2.0], x) is not None  # value
    assert parity_failures([2.0 + 1e-10], [2.0], x) is None  # within 1e-9 * 2
    assert parity_failures([2.0 + 1e-10], [2.0], x, order_stat=True) is not None
    assert parity_failures([1.0, 2.0], [1.0], x) is not None  # shape
    with pytest.raises(pytest.fail.Exception, match=r"(?s)stat='mean'.*first mismatching.*\[1\] got 5\.0 expected 4\.0"):
        assert_parity([1.0, 5.0], [1.0, 4.0], x, stat="mean")


def test_oracle_agrees_with_pandas_on_finite_data() -> None:
    """The slow oracle (used where pandas has no reference) is itself right."""
    x = data("walk_nan")[:150]
    s = pd.Series(x)
    for stat in SIMPLE:
        for w, mp in ((5, None), (20, 3), (1, 0)):
            exp = pd_ref(s, w, stat, min_periods=mp)
            got = oracle(x, count_starts(len(x), w), stat, min_periods=w if mp is None else mp)
            assert_parity(got, exp, x, stat in ORDER_STATS, stat=stat, window=w, min_periods=mp)
    for interp in INTERPS:
        for q in QS:
            exp = pd_ref(s, 7, "quantile", min_periods=2, q=q, interpolation=interp)
            got = oracle(x, count_starts(len(x), 7), "quantile", min_periods=2, q=q, interpolation=interp)
            assert_parity(got, exp, x, True, q=q, interpolation=interp)


# --------------------------------------------------------------------------- count windows


@pytest.mark.parametrize("kind", ["walk_nan", "ties", "runs", "nan_stretch"])
@pytest.mark.parametrize("min_periods", [None, 0, 1, "window"])
@pytest.mark.parametrize("window", [1, 2, 5, 20, 100, "longer"])
@pytest.mark.parametrize(("stat", "interp"), CASES, ids=CASE_IDS)
def test_count_window_matches_pandas(stat, interp, window, min_periods, kind):
    x = data(kind)
    w = resolve_window(window)
    mp = resolve_mp(min_periods, w)
    check_against_pandas(x, pd.Series(x), w, stat, interp, mp, kind=kind)


@pytest.mark.parametrize("ddof", [0, 2, 5])
@pytest.mark.parametrize("stat", ["var", "std", "zscore"])
@pytest.mark.parametrize("kind", ["walk_nan", "runs"])
def test_ddof_matches_pandas(stat, ddof, kind):
    x = data(kind)
    for w, mp in ((5, None), (20, 1), (3, 0)):
        got = tx(x, w, stat, min_periods=mp, ddof=ddof)
        exp = pd_ref(pd.Series(x), w, stat, min_periods=mp, ddof=ddof)
        assert_parity(got, exp, x, stat=stat, ddof=ddof, window=w, min_periods=mp, kind=kind)


def test_pandas_constant_window_artefact_is_not_reproduced():
    """Windows of five identical 97.7: var/std exactly 0, zscore NaN (pandas 3.1.1
    gives var 1.2e-14, std 1.1e-7, zscore 0 there)."""
    x = np.array([97.2] * 7 + [97.7] * 8)
    assert np.array_equal(R.var(x, 5)[11:], np.zeros(4))
    assert np.array_equal(R.std(x, 5)[11:], np.zeros(4))
    assert np.isnan(R.zscore(x, 5)[11:]).all()
    assert np.array_equal(R.var(pd.Series(x, index=pd.date_range("2020", periods=15, freq="s")), "5s").to_numpy()[11:],
                          np.zeros(4))


def test_constant_windows_are_exact():
    """Runs of one value: var/std exactly 0, zscore NaN, mean/median/quantiles the value."""
    x = np.repeat([0.1, 1e8 + 0.3, -7.7, 0.1], 50)
    s = pd.Series(x)
    for w in (3, 10):
        var = R.var(x, w)
        const = (s.rolling(w).max() == s.rolling(w).min()).to_numpy()
        assert const.sum() > 100
        assert np.all(var[const] == 0.0)
        assert np.all(np.isnan(R.zscore(x, w)[const]))
        # sums and means are held to the parity rule (a spike of 1e8 left the window
        # earlier, so the tolerance is 1e-9 * 1e8), not to exactness
        assert_parity(R.mean(x, w), s.rolling(w).mean(), x, stat="mean", window=w)
        assert_parity(R.sum(x, w), s.rolling(w).sum(), x, stat="sum", window=w)
        for interp in INTERPS:
            got = R.quantile(x, w, [0.05, 0.5, 0.9], interpolation=interp)
            assert np.all(got[const] == x[const][:, None])


# --------------------------------------------------------------------------- infinities


@pytest.mark.parametrize("min_periods", [None, 0, 1, "window"])
@pytest.mark.parametrize("window", [1, 2, 5, 20, 100, "longer"])
@pytest.mark.parametrize(("stat", "interp"), CASES, ids=CASE_IDS)
def test_count_window_with_inf_matches_oracle(stat, interp, window, min_periods):
    """pandas replaces +-inf by NaN before rolling, so the reference here is the
    slow oracle: +-inf are ordinary values, counted as observations."""
    x = data("inf")
    w = resolve_window(window)
    mp = resolve_mp(min_periods, w)
    eff = w if mp is None else mp
    starts = count_starts(len(x), w)
    qs = QS if stat == "quantile" else (None,)
    for q in qs:
        got = tx(x, w, stat, min_periods=mp, q=q, interpolation=interp or "linear")
        exp = oracle(x, starts, stat, min_periods=eff, q=q if q is not None else 0.5,
                     interpolation=interp or "linear")
        assert_parity(got, exp, x, stat in ORDER_STATS, stat=stat, q=q, interpolation=interp,
                      window=w, min_periods=mp)


def test_inf_sum_recovers_after_inf_leaves():
    """The documented deviation: exact sums once the inf has left the window."""
    x = np.array([1.0, np.inf, 2.0, 3.0, 4.0, -np.inf, 5.0, 6.0, 7.0])
    assert np.array_equal(R.sum(x, 2, min_periods=1),
                          [1.0, np.inf, np.inf, 5.0, 7.0, -np.inf, -np.inf, 11.0, 13.0])
    assert np.array_equal(R.mean(x, 2, min_periods=1),
                          [1.0, np.inf, np.inf, 2.5, 3.5, -np.inf, -np.inf, 5.5, 6.5])
    v = R.var(x, 3, min_periods=1)
    assert np.all(np.isnan(v[1:4])) and v[4] == 1.0 and np.all(np.isnan(v[5:8])) and v[8] == 1.0
    both = np.array([1.0, np.inf, -np.inf, 1.0])
    assert np.isnan(R.sum(both, 3)[2]) and np.isnan(R.mean(both, 3)[3])


@pytest.mark.parametrize("interp", INTERPS)
def test_window_of_identical_infinities_has_that_quantile(interp):
    """Every quantile of a window whose values are all +inf is +inf (as min, max
    and median are); linear interpolation must not turn inf - inf into NaN."""
    x = np.array([1.0, np.inf, np.inf, np.inf, 2.0])
    got = R.quantile(x, 2, [0.0, 0.05, 0.5, 0.9, 1.0], interpolation=interp)
    assert np.array_equal(got[2], np.full(5, np.inf)), got[2]
    assert np.array_equal(got[3], np.full(5, np.inf)), got[3]
    assert R.median(x, 2)[2] == np.inf
    assert R.min(x, 2)[3] == np.inf and R.max(x, 2)[3] == np.inf


# --------------------------------------------------------------------------- time windows


def irregular_index(n: int, seed: int = 3) -> pd.DatetimeIndex:
    """Irregular timestamps with duplicates (gap 0), short and long gaps."""
    rng = np.random.default_rng(seed)
    gaps = rng.choice([0, 0, 1, 7, 30, 60, 120, 300, 900], size=n,
                      p=[0.15, 0.05, 0.1, 0.1, 0.15, 0.15, 0.15, 0.1, 0.05])
    gaps[rng.choice(n, 4, replace=False)] = 3 * 3600  # overnight-like gaps
    gaps[0] = 0
    idx = pd.Timestamp("2024-03-01 09:30") + pd.to_timedelta(np.cumsum(gaps), unit="s")
    idx = pd.DatetimeIndex(idx)
    assert idx.is_monotonic_increasing and idx.has_duplicates
    return idx


TIME_N = 500
TIME_INDEX = irregular_index(TIME_N)
TIME_NS = TIME_INDEX.as_unit("ns").asi8  # pandas 3 builds this index in a coarser unit
TIME_WINDOWS = ["15min", "1h", pd.Timedelta(minutes=7, seconds=30), "1s"]
TIME_WINDOW_IDS = ["15min", "1h", "Timedelta-7m30s", "1s-duplicates-only"]


@pytest.mark.parametrize("kind", ["walk_nan", "ties"])
@pytest.mark.parametrize("min_periods", [None, 0, 1, 3])
@pytest.mark.parametrize("window", TIME_WINDOWS, ids=TIME_WINDOW_IDS)
@pytest.mark.parametrize(("stat", "interp"), CASES, ids=CASE_IDS)
def test_time_window_matches_pandas(stat, interp, window, min_periods, kind):
    x = make_data(kind, TIME_N, seed=11)
    s = pd.Series(x, index=TIME_INDEX)
    order = stat in ORDER_STATS
    if stat == "quantile":
        got = tx(s, window, stat, min_periods=min_periods, q=list(QS), interpolation=interp)
        assert isinstance(got, pd.DataFrame) and got.index.equals(s.index)
        for j, q in enumerate(QS):
            exp = pd_ref(s, window, stat, min_periods=min_periods, q=q, interpolation=interp)
            assert_parity(got.iloc[:, j], exp, x, True, stat=stat, q=q, interpolation=interp,
                          window=window, min_periods=min_periods, kind=kind)
    else:
        got = tx(s, window, stat, min_periods=min_periods)
        assert isinstance(got, pd.Series) and got.index.equals(s.index)
        exp = pd_ref(s, window, stat, min_periods=min_periods)
        assert_parity(got, exp, x, order, stat=stat, window=window, min_periods=min_periods, kind=kind)


@pytest.mark.parametrize(("stat", "interp"), CASES, ids=CASE_IDS)
def test_time_window_via_times_argument(stat, interp):
    """times= as int64 ns, datetime64[ns] and datetime64[us] equals the DatetimeIndex path."""
    x = make_data("walk_nan", TIME_N, seed=5)
    s = pd.Series(x, index=TIME_INDEX)
    q = 0.3 if stat == "quantile" else None
    exp = pd_ref(s, "20min", stat, min_periods=2, q=q, interpolation=interp or "linear")
    kw = dict(min_periods=2, q=q, interpolation=interp or "linear")
    variants = {
        "int64": TIME_NS,
        "datetime64[ns]": TIME_INDEX.as_unit("ns").to_numpy(),
        "datetime64[us]": TIME_INDEX.as_unit("us").to_numpy(),
        "DatetimeIndex": TIME_INDEX,
    }
    for name, times in variants.items():
        got = tx(x, "20min", stat, times=times, **kw)
        assert isinstance(got, np.ndarray)
        assert_parity(got, exp, x, stat in ORDER_STATS, stat=stat, times=name)
    got = tx(x, dt.timedelta(minutes=20), stat, times=TIME_NS, **kw)
    assert_parity(got, exp, x, stat in ORDER_STATS, stat=stat, window="timedelta")


@pytest.mark.parametrize("window", [np.timedelta64(20, "m"), np.timedelta64(1200, "s"),
                                    np.timedelta64(20 * 60 * 10**9, "ns")],
                         ids=["timedelta64[m]", "timedelta64[s]", "timedelta64[ns]"])
@pytest.mark.parametrize("stat", ["mean", "median"])
def test_numpy_timedelta64_window_is_a_time_window(stat, window):
    """np.timedelta64 is a duration like pd.Timedelta (it subclasses np.signedinteger,
    so it must not be read as a row count)."""
    x = make_data("walk_nan", TIME_N, seed=5)
    exp = pd_ref(pd.Series(x, index=TIME_INDEX), "20min", stat, min_periods=2)
    got = tx(x, window, stat, times=TIME_NS, min_periods=2)
    assert_parity(got, exp, x, stat in ORDER_STATS, stat=stat, window=repr(window))


@pytest.mark.parametrize(("stat", "interp"), CASES, ids=CASE_IDS)
def test_time_window_with_inf_matches_oracle(stat, interp):
    x = make_data("inf", TIME_N, seed=2)
    win = pd.Timedelta("10min")
    starts = time_starts(TIME_NS, win.value)
    for q in (QS if stat == "quantile" else (None,)):
        for mp in (None, 0, 3):
            got = tx(x, win, stat, times=TIME_INDEX, min_periods=mp, q=q, interpolation=interp or "linear")
            exp = oracle(x, starts, stat, min_periods=1 if mp is None else mp,
                         q=q if q is not None else 0.5, interpolation=interp or "linear")
            assert_parity(got, exp, x, stat in ORDER_STATS, stat=stat, q=q, interpolation=interp,
                          min_periods=mp)


def test_time_window_on_tz_aware_and_non_ns_index():
    x = make_data("walk_nan", TIME_N, seed=9)
    exp = pd.Series(x, index=TIME_INDEX).rolling("15min").mean().to_numpy()
    for idx in (TIME_INDEX.tz_localize("UTC").tz_convert("America/New_York"),
                TIME_INDEX.as_unit("s"), TIME_INDEX.as_unit("ms")):
        got = R.mean(pd.Series(x, index=idx), "15min")
        assert got.index.equals(idx)
        assert_parity(got, exp, x, index=str(idx.dtype))


# --------------------------------------------------------------------------- 2-D input


def _frame_data(n=300, c=4, seed=1):
    rng = np.random.default_rng(seed)
    x = 50.0 + np.cumsum(rng.normal(size=(n, c)), axis=0)
    x[rng.random((n, c)) < 0.06] = np.nan
    x[40:70, c - 2] = np.nan
    x[:, c - 1] = np.round(x[:, c - 1])  # ties
    return x


@pytest.mark.parametrize("layout", ["C", "F", "frame", "rev_rows", "every_other_col", "transposed"])
@pytest.mark.parametrize(("stat", "interp"), CASES, ids=CASE_IDS)
def test_2d_matches_pandas_column_by_column(stat, interp, layout):
    base = _frame_data()
    if layout == "C":
        x = np.ascontiguousarray(base)
    elif layout == "F":
        x = np.asfortranarray(base)
    elif layout == "frame":
        x = pd.DataFrame(base, columns=pd.Index(["a", "b", "c", "d"], name="sym"),
                         index=pd.RangeIndex(100, 100 + len(base)))
    elif layout == "rev_rows":
        x = base[::-1]
    elif layout == "every_other_col":
        x = np.ascontiguousarray(np.repeat(base, 2, axis=1))[:, ::2]
        assert np.array_equal(x, base, equal_nan=True) and not x.flags.c_contiguous
    else:
        x = np.ascontiguousarray(base.T).T
        assert x.flags.f_contiguous
    arr = np.asarray(x)
    before = arr.copy()
    order = stat in ORDER_STATS
    for w, mp in ((5, None), (20, 1)):
        if stat == "quantile":
            got = tx(x, w, stat, min_periods=mp, q=list(QS), interpolation=interp)
            assert got.shape == (len(arr), arr.shape[1] * len(QS))
            g = np.asarray(got)
            for c in range(arr.shape[1]):
                s = pd.Series(arr[:, c])
                for j, q in enumerate(QS):
                    exp = pd_ref(s, w, stat, min_periods=mp, q=q, interpolation=interp)
                    assert_parity(g[:, c * len(QS) + j], exp, s, True, stat=stat, layout=layout,
                                  column=c, q=q, interpolation=interp, window=w, min_periods=mp)
        else:
            got = tx(x, w, stat, min_periods=mp)
            assert got.shape == arr.shape
            g = np.asarray(got)
            for c in range(arr.shape[1]):
                s = pd.Series(arr[:, c])
                exp = pd_ref(s, w, stat, min_periods=mp)
                assert_parity(g[:, c], exp, s, order, stat=stat, layout=layout, column=c,
                              window=w, min_periods=mp)
        if layout == "frame":
            assert isinstance(got, pd.DataFrame)
            assert got.index.equals(x.index)
            if stat == "quantile":
                assert got.columns.equals(pd.MultiIndex.from_product([x.columns, list(QS)], names=["sym", "q"]))
            else:
                assert got.columns.equals(x.columns)
        else:
            assert isinstance(got, np.ndarray)
    assert np.array_equal(arr, before, equal_nan=True), "input was modified"


@pytest.mark.parametrize("window", ["15min", pd.Timedelta(hours=1)], ids=["15min", "Timedelta-1h"])
def test_time_window_dataframe(window):
    df = pd.DataFrame(_frame_data(TIME_N, 3, seed=6), index=TIME_INDEX, columns=pd.Index(["p", "q", "r"], name="k"))
    for stat in SIMPLE:
        got = tx(df, window, stat, min_periods=2)
        assert isinstance(got, pd.DataFrame) and got.index.equals(df.index) and got.columns.equals(df.columns)
        for col in df.columns:
            exp = pd_ref(df[col], window, stat, min_periods=2)
            assert_parity(got[col], exp, df[col], stat in ORDER_STATS, stat=stat, column=col, window=window)
    qs = [0.1, 0.5, 0.75]
    got = R.quantile(df, window, qs, interpolation="higher")
    assert got.columns.equals(pd.MultiIndex.from_product([df.columns, qs], names=["k", "q"]))
    for col in df.columns:
        for q in qs:
            exp = df[col].rolling(window).quantile(q, interpolation="higher")
            assert_parity(got[(col, q)], exp, df[col], True, column=col, q=q, window=window)


def test_dataframe_matches_pandas_frame_rolling():
    df = pd.DataFrame(_frame_data(), columns=["x", "y", "z", "w"])
    for stat in SIMPLE:
        got = tx(df, 10, stat, min_periods=3)
        exp = pd_ref(df, 10, stat, min_periods=3)
        assert got.columns.equals(exp.columns)
        assert_parity(got, exp, df, stat in ORDER_STATS, stat=stat)
    got = R.quantile(df, 10, 0.25, min_periods=3, interpolation="nearest")
    exp = df.rolling(10, min_periods=3).quantile(0.25, interpolation="nearest")
    assert got.columns.equals(df.columns)
    assert_parity(got, exp, df, True)


def test_mixed_dtype_dataframe():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"i": rng.integers(-50, 50, 200), "f32": rng.normal(size=200).astype(np.float32),
                       "f": rng.normal(size=200)})
    for stat in SIMPLE:
        got = tx(df, 7, stat)
        exp = pd_ref(df.astype(np.float64), 7, stat)
        assert_parity(got, exp, df.astype(np.float64), stat in ORDER_STATS, stat=stat)


# --------------------------------------------------------------------------- strides, dtypes


@pytest.mark.parametrize("view", ["every_other", "reversed", "reversed_every_third", "unaligned_record"])
@pytest.mark.parametrize(("stat", "interp"), CASES, ids=CASE_IDS)
def test_strided_1d_views(stat, interp, view):
    base = make_data("walk_nan", 600, seed=21)
    if view == "every_other":
        x = base[::2]
    elif view == "reversed":
        x = base[::-1]
    elif view == "reversed_every_third":
        x = base[::-3]
    else:  # float64 field of a packed record: 12-byte strides
        rec = np.zeros(len(base), dtype=np.dtype([("v", "<f8"), ("k", "<i4")], align=False))
        rec["v"] = base
        x = rec["v"]
        assert x.strides[0] == 12
    s = pd.Series(np.array(x))
    q = 0.37 if stat == "quantile" else None
    for w, mp in ((9, None), (30, 2)):
        got = tx(x, w, stat, min_periods=mp, q=q, interpolation=interp or "linear")
        exp = pd_ref(s, w, stat, min_periods=mp, q=q, interpolation=interp or "linear")
        assert_parity(got, exp, s, stat in ORDER_STATS, stat=stat, view=view, window=w)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8", "float32"])
@pytest.mark.parametrize(("stat", "interp"), CASES, ids=CASE_IDS)
def test_int_and_float32_inputs_convert(stat, interp, dtype):
    rng = np.random.default_rng(8)
    lo, hi = (0, 200) if dtype == "uint8" else (-100, 100)
    x = rng.integers(lo, hi, 300).astype(dtype)
    if dtype == "float32":
        x = (rng.normal(size=300) * 10).astype(np.float32)
    ref = pd.Series(x.astype(np.float64))
    q = 0.8 if stat == "quantile" else None
    ik = dict(q=q, interpolation=interp or "linear")
    exp = pd_ref(ref, 11, stat, min_periods=None, **ik)
    for form in (x, pd.Series(x), list(x.tolist())):
        got = tx(form, 11, stat, **ik)
        assert np.asarray(got).dtype == np.float64
        assert_parity(got, exp, ref, stat in ORDER_STATS, stat=stat, dtype=dtype, form=type(form).__name__)


def test_series_result_keeps_index_and_name():
    idx = pd.date_range("2020-01-01", periods=50, freq="D", name="when")
    s = pd.Series(np.arange(50.0), index=idx, name="price")
    for stat in SIMPLE:
        r = tx(s, 5, stat)
        assert isinstance(r, pd.Series) and r.name == "price" and r.index.equals(idx)
    r = R.quantile(s, 5, 0.5)
    assert isinstance(r, pd.Series) and r.name == "price"


def test_empty_and_single_row_inputs():
    for stat in SIMPLE:
        assert tx(np.array([]), 3, stat).shape == (0,)
        assert tx(np.empty((0, 3)), 3, stat).shape == (0, 3)
        one = tx(np.array([4.0]), 3, stat, min_periods=1)
        exp = pd_ref(pd.Series([4.0]), 3, stat, min_periods=1)
        assert_parity(one, exp, [4.0], stat=stat)
    assert R.quantile(np.array([]), 3, [0.1, 0.9]).shape == (0, 2)


def test_huge_count_window_is_all_nan_without_crashing():
    x = make_data("walk_nan", 50)
    for stat in SIMPLE:
        assert np.isnan(tx(x, 2**40, stat)).all()
    got = R.quantile(x, 2**40, 0.5, min_periods=1)
    exp = pd.Series(x).expanding(min_periods=1).quantile(0.5)
    assert_parity(got, exp, x, True)


# --------------------------------------------------------------------------- multi-q shapes


def test_multi_q_shapes_and_labels():
    x = make_data("walk_nan", 120)
    qs = [0.1, 0.5, 0.9]
    a = R.quantile(x, 10, qs)
    assert isinstance(a, np.ndarray) and a.shape == (120, 3)
    assert R.quantile(x, 10, 0.5).shape == (120,)
    assert R.quantile(x, 10, [0.5]).shape == (120, 1)
    assert R.quantile(x, 10, np.array(qs)).shape == (120, 3)

    s = pd.Series(x, index=pd.RangeIndex(5, 125), name="px")
    df = R.quantile(s, 10, qs)
    assert isinstance(df, pd.DataFrame)
    assert df.columns.equals(pd.Index(qs, name="q"))
    assert df.index.equals(s.index)
    for j, q in enumerate(qs):
        assert_parity(df[q], s.rolling(10).quantile(q), x, True, q=q)

    x2 = np.column_stack([x, -x, 2 * x])
    b = R.quantile(x2, 10, qs)
    assert b.shape == (120, 9)
    for c in range(3):
        for j, q in enumerate(qs):
            assert_parity(b[:, c * 3 + j], pd.Series(x2[:, c]).rolling(10).quantile(q), x2, True, c=c, q=q)

    frame = pd.DataFrame(x2, columns=pd.Index(["u", "v", "w"], name="col"))
    f = R.quantile(frame, 10, qs)
    assert isinstance(f, pd.DataFrame)
    assert f.columns.equals(pd.MultiIndex.from_product([["u", "v", "w"], qs], names=["col", "q"]))
    assert list(f.columns.names) == ["col", "q"]
    for col in "uvw":
        for q in qs:
            assert_parity(f[(col, q)], frame[col].rolling(10).quantile(q), x2, True, col=col, q=q)


# --------------------------------------------------------------------------- out=


@pytest.mark.parametrize("order", ["C", "F"])
def test_out_is_filled_in_place_and_returned(order):
    x = make_data("walk_nan", 200)
    x2 = np.column_stack([x, x[::-1]])
    cases = [
        (x, dict(stat="mean"), (200,)),
        (x, dict(stat="quantile", q=[0.2, 0.7]), (200, 2)),
        (x2, dict(stat="std"), (200, 2)),
        (x2, dict(stat="quantile", q=[0.2, 0.5, 0.7]), (200, 6)),
        (x2, dict(stat="quantile", q=0.5), (200, 2)),
    ]
    for inp, kw, shape in cases:
        out = np.full(shape, 123.0, order=order)
        stat = kw.pop("stat")
        got = tx(inp, 15, stat, min_periods=3, out=out, **kw)
        assert got is out
        exp = tx(inp, 15, stat, min_periods=3, **kw)
        assert np.array_equal(out, exp, equal_nan=True), (stat, kw)
        assert not np.any(out == 123.0)


def test_out_with_pandas_input_wraps_out():
    s = pd.Series(make_data("walk_nan", 100))
    out = np.empty(100)
    r = R.median(s, 5, out=out)
    assert isinstance(r, pd.Series)
    assert np.shares_memory(r.to_numpy(), out)
    assert_parity(out, s.rolling(5).median(), s, True)


@pytest.mark.parametrize(
    "bad",
    [
        np.empty(99),  # wrong length
        np.empty((100, 1)),  # wrong ndim
        np.empty(100, dtype=np.float32),
        np.empty(100, dtype=np.int64),
        [0.0] * 100,  # not an array
        np.empty(0),  # empty
    ],
    ids=["short", "2d", "float32", "int64", "list", "empty"],
)
def test_out_wrong_shape_or_dtype_raises(bad):
    x = make_data("walk_nan", 100)
    with pytest.raises(ValidationError) as ei:
        R.mean(x, 5, out=bad)
    assert ei.value.fields == ["out"]


def test_out_multi_q_wrong_shape():
    x = make_data("walk_nan", 100)
    with pytest.raises(ValidationError) as ei:
        R.quantile(x, 5, [0.1, 0.2], out=np.empty(100))
    assert "out" in ei.value.fields
    with pytest.raises(ValidationError) as ei:
        R.quantile(np.column_stack([x, x]), 5, [0.1, 0.2], out=np.empty((100, 2)))
    assert "out" in ei.value.fields


# --------------------------------------------------------------------------- real data


REAL_COUNT = [(f, w) for f in ("GOOG.csv", "EURUSD.csv", "orcl-1995-2014.txt", "2006-min-005.txt") for w in (20, 250)]
REAL_TIME = [("2006-min-005.txt", "1h"), ("2006-min-005.txt", "3h"), ("EURUSD.csv", "1D"), ("GOOG.csv", "30D")]


@pytest.mark.parametrize(("name", "window"), REAL_COUNT + REAL_TIME,
                         ids=[f"{f}-{w}" for f, w in REAL_COUNT + REAL_TIME])
@pytest.mark.parametrize(("stat", "interp"), CASES, ids=CASE_IDS)
def test_real_data_matches_pandas(real_close, stat, interp, name, window):
    s = real_close[name]
    if stat == "quantile":
        got = tx(s, window, stat, q=list(QS), interpolation=interp)
        assert got.index.equals(s.index)
        for j, q in enumerate(QS):
            exp = pd_ref(s, window, stat, q=q, interpolation=interp)
            assert_parity(got.iloc[:, j], exp, s, True, file=name, window=window, q=q, interpolation=interp)
    else:
        got = tx(s, window, stat)
        assert got.index.equals(s.index) and got.name == s.name
        exp = pd_ref(s, window, stat)
        if stat == "zscore":
            # pandas' zscore carries its running mean's and variance's rounding divided by
            # a small std (EURUSD, window 20: errors up to 5e-9, above 1e-9 * max|input|);
            # the reference is the exact two-pass oracle, checked loosely against pandas
            x = s.to_numpy()
            if isinstance(window, int):
                starts, minp = count_starts(len(x), window), window
            else:
                starts, minp = time_starts(s.index.as_unit("ns").asi8, pd.Timedelta(window).value), 1
            precise = oracle(x, starts, "zscore", min_periods=minp)
            assert parity_failures(precise, exp, np.abs(x).max() * 1e3) is None, "oracle disagrees with pandas"
            exp = precise
        assert_parity(got, exp, s, stat in ORDER_STATS, file=name, window=window, stat=stat)
