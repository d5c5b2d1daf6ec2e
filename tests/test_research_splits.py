"""Splitters (threadx.research.splits) against plain-Python oracles written from the definitions.

Definitions (docs/research.md "Splits"): purge = train bars removed in ``[start - purge, start)``
before each test span, embargo = train bars removed in ``[stop, stop + embargo)`` after it,
warm-up start = ``max(0, start - warmup)``.  A time window ``w`` is ``[t, t + w)`` of timestamps;
the data covers ``[t_0, t_last + smallest spacing)``.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hide_modules import run_without
from threadx.errors import ValidationError
from threadx.research import CombinatorialPurgedKFold, PurgedKFold, Split, WalkForward

Oracle = list[tuple[list[int], list[int], int]]  # (train, test, warmup_start) per fold


# ------------------------------------------------------------------------------------ oracles


def wf_bars_oracle(n: int, train: int, test: int, step: int, anchored: bool, purge: int, warmup: int) -> Oracle:
    out = []
    k = 0
    while train + k * step + test <= n:
        t = train + k * step
        lo = 0 if anchored else t - train
        out.append(([i for i in range(lo, t) if i < t - purge], list(range(t, t + test)), max(0, t - warmup)))
        k += 1
    return out


def wf_time_oracle(ts: list[int], train: int, test: int, step: int, anchored: bool, purge: int,
                   warmup: int) -> Oracle:
    """``ts`` in integer nanoseconds; windows in nanoseconds."""
    spacing = min(b - a for a, b in zip(ts, ts[1:]))
    end = ts[-1] + spacing
    out = []
    t = ts[0] + train
    while t + test <= end:
        te = [i for i, x in enumerate(ts) if t <= x < t + test]
        window = [i for i, x in enumerate(ts) if (anchored or t - train <= x) and x < t]
        start = te[0] if te else 0  # an empty test window is an error; the test checks that
        out.append(([i for i in window if i < start - purge], te, max(0, start - warmup)))
        t += step
    return out


def groups_oracle(n: int, k: int) -> list[list[int]]:
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    out, start = [], 0
    for size in sizes:
        out.append(list(range(start, start + size)))
        start += size
    return out


def purged_train(n: int, test_groups: list[list[int]], purge: int, embargo: int) -> list[int]:
    tested = {i for g in test_groups for i in g}
    out = []
    for i in range(n):
        if i in tested:
            continue
        if any(g[0] - purge <= i < g[0] or g[-1] < i <= g[-1] + embargo for g in test_groups):
            continue
        out.append(i)
    return out


def pkf_oracle(n: int, k: int, purge: int, embargo: int, warmup: int) -> Oracle:
    return [(purged_train(n, [g], purge, embargo), g, max(0, g[0] - warmup)) for g in groups_oracle(n, k)]


def cpcv_oracle(n: int, n_groups: int, k: int, purge: int, embargo: int, warmup: int) -> Oracle:
    groups = groups_oracle(n, n_groups)
    out = []
    for combo in itertools.combinations(range(n_groups), k):
        chosen = [groups[g] for g in combo]
        test = sorted(i for g in chosen for i in g)
        out.append((purged_train(n, chosen, purge, embargo), test, max(0, test[0] - warmup)))
    return out


def as_tuples(splits: list[Split]) -> Oracle:
    return [(s.train.tolist(), s.test.tolist(), s.warmup_start) for s in splits]


def check_common(splits: list[Split], n: int, purge: int, embargo: int, warmup: int) -> None:
    """What holds for every splitter: no test bar in train, purge and embargo gaps, warm-up before the test."""
    assert [s.fold for s in splits] == list(range(len(splits)))
    for s in splits:
        assert s.train.dtype == np.int64 and s.test.dtype == np.int64
        assert 0 <= s.train.min() and s.train.max() < n and 0 <= s.test.min() and s.test.max() < n
        assert not set(s.train.tolist()) & set(s.test.tolist())
        train = set(s.train.tolist())
        for span in s.spans:
            assert not train & set(range(span.start - purge, span.start))
            assert not train & set(range(span.stop, span.stop + embargo))
            assert span.warmup_start == max(0, span.start - warmup) <= span.start
            assert span.read == slice(span.warmup_start, span.stop)
        assert s.warmup_start <= s.test_start and s.test_stop == s.test[-1] + 1


# ------------------------------------------------------------------------------------ walk-forward


wf_params = st.tuples(st.integers(1, 60), st.integers(1, 20), st.integers(1, 25), st.integers(1, 25),
                      st.booleans(), st.integers(0, 30), st.integers(0, 25))


@settings(max_examples=300, deadline=None)
@given(wf_params)
def test_walk_forward_bars_matches_the_oracle(p: tuple[int, int, int, int, bool, int, int]) -> None:
    n, train, test, step, anchored, purge, warmup = p
    train = max(train, purge + 1)
    warmup = min(warmup, test)
    wf = WalkForward(train=train, test=test, step=step, anchored=anchored, purge=purge, warmup=warmup)
    expected = wf_bars_oracle(n, train, test, step, anchored, purge, warmup)
    if not expected:
        with pytest.raises(ValidationError) as info:
            wf.split(n)
        assert info.value.fields == (["purge"] if purge >= n else ["train"])
        return
    splits = wf.split(n)
    assert as_tuples(splits) == expected
    check_common(splits, n, purge, 0, warmup)
    for s in splits:  # no look-ahead: every train bar and the warm-up lie before the test start
        assert s.train.max() < s.test_start and s.warmup_start <= s.test_start
        assert s.test.size == test
    assert wf.get_n_splits(pd.RangeIndex(n)) == len(expected)


@st.composite
def timed(draw: Any) -> tuple[pd.DatetimeIndex, int, int, int, bool, int, int]:
    gaps = draw(st.lists(st.integers(1, 5), min_size=1, max_size=60))  # hours between bars: gaps happen
    ts = pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(np.cumsum([0, *gaps]), unit="h")
    hours = st.integers(1, 40)
    return (pd.DatetimeIndex(ts), draw(hours), draw(hours), draw(hours), draw(st.booleans()),
            draw(st.integers(0, 3)), draw(st.integers(0, 3)))


@settings(max_examples=300, deadline=None)
@given(timed())
def test_walk_forward_time_spans_match_the_oracle(p: tuple[pd.DatetimeIndex, int, int, int, bool, int, int]) -> None:
    index, train, test, step, anchored, purge, warmup = p
    wf = WalkForward(train=f"{train}h", test=f"{test}h", step=pd.Timedelta(hours=step), anchored=anchored,
                     purge=purge, warmup=warmup)
    hour = 3_600_000_000_000
    ns = index.as_unit("ns").asi8.tolist()
    expected = wf_time_oracle(ns, train * hour, test * hour, step * hour, anchored, purge, warmup)
    bad = [not te or len(tr) == 0 or len(te) < warmup for tr, te, _ in expected]
    if not expected or any(bad):
        with pytest.raises(ValidationError) as info:
            wf.split(index)
        assert set(info.value.fields) <= {"train", "test", "purge", "warmup"}
        return
    splits = wf.split(index)
    assert as_tuples(splits) == expected
    check_common(splits, len(index), purge, 0, warmup)
    for s in splits:
        assert s.train.max() < s.test_start


@settings(max_examples=150, deadline=None)
@given(timed(), st.integers(2, 60))
def test_walk_forward_folds_do_not_depend_on_later_bars(p: tuple[pd.DatetimeIndex, int, int, int, bool, int, int],
                                                       cut: int) -> None:
    """Splits over a prefix of the data are the first splits over all of it: adding bars after a
    fold's end changes nothing in that fold (bars and time spans)."""
    index, train, test, step, anchored, _, _ = p
    cut = min(cut, len(index))
    bars = WalkForward(train=train, test=test, step=step, anchored=anchored)
    if bars.get_n_splits(len(index)) if train + test <= len(index) else False:
        full, head = bars.split(len(index)), (bars.split(cut) if train + test <= cut else [])
        assert as_tuples(head) == as_tuples(full[:len(head)])
        assert len(head) == len(wf_bars_oracle(cut, train, test, step, anchored, 0, 0))
    timed_wf = WalkForward(train=f"{train}h", test=f"{test}h", step=f"{step}h", anchored=anchored)
    try:
        full, head = timed_wf.split(index), timed_wf.split(index[:cut])
    except ValidationError:
        return
    # a prefix cannot know how long its last bar is: compare the folds with a bar of the prefix after them
    head = [s for s in head if s.test_stop < cut]
    assert as_tuples(head) == as_tuples(full[:len(head)])


@pytest.mark.parametrize("anchored", [True, False])
@settings(max_examples=100, deadline=None)
@given(st.integers(1, 50), st.integers(1, 12), st.integers(2, 8), st.integers(0, 5))
def test_walk_forward_equals_sklearn_time_series_split(anchored: bool, train: int, test: int, k: int,
                                                       gap: int) -> None:
    """Back-to-back test windows on ``train + k * test`` bars: sklearn's TimeSeriesSplit with
    ``gap`` = purge (and ``max_train_size`` = train - purge for the rolling window)."""
    sklearn = pytest.importorskip("sklearn.model_selection")
    train = max(train, gap + 1)
    n = train + k * test
    ref = sklearn.TimeSeriesSplit(n_splits=k, test_size=test, gap=gap,
                                  max_train_size=None if anchored else train - gap)
    expected = [(tr.tolist(), te.tolist()) for tr, te in ref.split(np.zeros(n))]
    got = WalkForward(train=train, test=test, anchored=anchored, purge=gap).split(n)
    assert [(s.train.tolist(), s.test.tolist()) for s in got] == expected


def test_walk_forward_offsets_on_a_daily_index() -> None:
    index = pd.date_range("2020-01-01", "2023-12-31", freq="D", tz="UTC")
    splits = WalkForward(train="730D", test="26W", warmup=50).split(index)
    assert len(splits) == 4  # 2 years, then 4 windows of 182 days in the last 2 years (728 of its 730 days)
    for k, s in enumerate(splits):
        start = index[0] + pd.Timedelta(days=730 + 182 * k)
        assert index[s.test_start] == start and index[s.test_stop - 1] == start + pd.Timedelta(days=181)
        assert index[s.train[0]] == start - pd.Timedelta(days=730) and s.train[-1] == s.test_start - 1
        assert s.warmup_start == s.test_start - 50
    table = WalkForward(train="730D", test="26W").describe(index)
    assert list(table.columns) == ["train_start", "train_end", "n_train", "warmup_start", "test_start", "test_end",
                                   "n_test", "test_spans"]
    assert table["n_test"].tolist() == [182] * 4 and table.index.name == "fold"
    assert table["test_start"].iloc[0] == pd.Timestamp("2021-12-31", tz="UTC")


def test_the_last_window_ending_with_the_data_is_made() -> None:
    """The data covers its last bar's whole bar: a test span ending there is whole (and one more bar is not)."""
    index = pd.date_range("2024-01-01", periods=20, freq="D")
    assert len(WalkForward(train="10D", test="5D").split(index)) == 2
    assert len(WalkForward(train="10D", test="5D").split(index[:-1])) == 1
    assert len(WalkForward(train=10, test=5).split(20)) == 2


def test_embargo_removes_nothing_in_a_walk_forward() -> None:
    plain = WalkForward(train=10, test=5, purge=2).split(40)
    embargoed = WalkForward(train=10, test=5, purge=2, embargo=7).split(40)
    assert as_tuples(plain) == as_tuples(embargoed)


# ------------------------------------------------------------------------------------ purged k-fold


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 80), st.integers(2, 10), st.integers(0, 12), st.integers(0, 12), st.integers(0, 6))
def test_purged_kfold_matches_the_oracle(n: int, k: int, purge: int, embargo: int, warmup: int) -> None:
    cv = PurgedKFold(n_splits=k, purge=purge, embargo=embargo, warmup=warmup)
    if k > n or purge >= n or embargo >= n or warmup > n // k:
        with pytest.raises(ValidationError):
            cv.split(n)
        return
    expected = pkf_oracle(n, k, purge, embargo, warmup)
    if any(not tr for tr, _, _ in expected):
        with pytest.raises(ValidationError) as info:
            cv.split(n)
        assert info.value.fields == ["purge"]
        return
    splits = cv.split(n)
    assert as_tuples(splits) == expected
    check_common(splits, n, purge, embargo, warmup)
    tested = np.concatenate([s.test for s in splits])
    assert np.array_equal(np.sort(tested), np.arange(n))  # every bar tested exactly once


@pytest.mark.parametrize(("n", "k"), [(10, 2), (11, 3), (25, 5), (7, 7)])
def test_purged_kfold_without_gaps_is_sklearn_kfold(n: int, k: int) -> None:
    sklearn = pytest.importorskip("sklearn.model_selection")
    expected = [(tr.tolist(), te.tolist()) for tr, te in sklearn.KFold(n_splits=k).split(np.zeros(n))]
    assert [(s.train.tolist(), s.test.tolist()) for s in PurgedKFold(n_splits=k).split(n)] == expected


# ------------------------------------------------------------------------------------ CPCV


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 60), st.integers(2, 7), st.integers(1, 6), st.integers(0, 6), st.integers(0, 6),
       st.integers(0, 4))
def test_cpcv_matches_the_oracle(n: int, n_groups: int, k: int, purge: int, embargo: int, warmup: int) -> None:
    k = min(k, n_groups - 1)
    cv = CombinatorialPurgedKFold(n_groups=n_groups, n_test_groups=k, purge=purge, embargo=embargo, warmup=warmup)
    if n_groups > n or purge >= n or embargo >= n or warmup > n // n_groups:
        with pytest.raises(ValidationError):
            cv.split(n)
        return
    expected = cpcv_oracle(n, n_groups, k, purge, embargo, warmup)
    if any(not tr for tr, _, _ in expected):
        with pytest.raises(ValidationError) as info:
            cv.split(n)
        assert info.value.fields == ["purge"]
        return
    splits = cv.split(n)
    assert as_tuples(splits) == expected
    check_common(splits, n, purge, embargo, warmup)
    assert len(splits) == math.comb(n_groups, k)
    groups = cv.groups(n)
    assert [list(g) for g in groups] == groups_oracle(n, n_groups)
    # the paths: phi = C(N, k) k / N of them; each tests every bar exactly once, each (fold, group) used once
    paths = cv.paths()
    assert paths.shape == (cv.n_paths, n_groups) and cv.n_paths * n_groups == math.comb(n_groups, k) * k
    used = set()
    for p in range(cv.n_paths):
        covered = []
        for g in range(n_groups):
            fold = splits[paths[p, g]]
            assert set(groups[g]) <= set(fold.test.tolist())  # that fold tests group g
            covered.extend(groups[g])
            used.add((int(paths[p, g]), g))
        assert sorted(covered) == list(range(n))
    assert len(used) == math.comb(n_groups, k) * k


def test_cpcv_paths_of_the_book() -> None:
    """AFML fig. 12.1: N = 6, k = 2, 15 splits, 5 paths; path 0 takes the first split testing each group."""
    cv = CombinatorialPurgedKFold(n_groups=6, n_test_groups=2)
    assert cv.n_paths == 5 and len(cv.combinations()) == 15
    assert cv.paths()[0].tolist() == [0, 0, 1, 2, 3, 4]
    assert cv.paths()[:, 0].tolist() == [0, 1, 2, 3, 4]  # group 0 is in splits (0,1) ... (0,5)
    assert cv.paths()[-1].tolist() == [4, 8, 11, 13, 14, 14]
    table = cv.describe(60)
    assert table["test_groups"].tolist() == list(itertools.combinations(range(6), 2))
    assert table["test_spans"].tolist() == [1 if b == a + 1 else 2 for a, b in table["test_groups"]]


# ------------------------------------------------------------------------------------ Split, repr, describe, plot


def test_split_repr_and_spans() -> None:
    s = CombinatorialPurgedKFold(n_groups=4, n_test_groups=2, purge=1, warmup=2).split(12)[1]
    assert repr(s) == "Split(fold=1, train=[3:5)+[9:12) (5 bars), test=[0:3)+[6:9) (6 bars), warmup_start=0)"
    assert [tuple(sp) for sp in s.spans] == [(0, 0, 3), (4, 6, 9)]
    assert not s.train.flags.writeable and not s.test.flags.writeable


def test_splitter_repr_shows_the_options() -> None:
    assert repr(WalkForward(train=504, test=126, purge=5)) == (
        "WalkForward(train=504, test=126, step=None, anchored=False, purge=5, embargo=0, warmup=0)")
    assert repr(PurgedKFold(n_splits=5, embargo=2)) == "PurgedKFold(n_splits=5, purge=0, embargo=2, warmup=0)"


def test_split_built_by_hand_is_checked() -> None:
    s = Split(fold=0, train=range(0, 5), test=slice(5, 8), warmup=3)
    assert s.train.tolist() == [0, 1, 2, 3, 4] and s.test.tolist() == [5, 6, 7] and s.warmup_start == 2
    with pytest.raises(ValidationError) as info:
        Split(fold=-1, train=[0, 1, 2, 3], test=[3, 4], warmup=-2)
    assert info.value.fields == ["fold", "warmup", "test"]
    assert "overlaps train at 1 bar(s), first 3" in str(info.value)


@pytest.mark.parametrize(("kwargs", "fields"), [
    ({"train": [], "test": [1]}, ["train"]),
    ({"train": [0], "test": [2, 1]}, ["test"]),
    ({"train": [-1, 0], "test": [1]}, ["train"]),
    ({"train": [0.5], "test": [1]}, ["train"]),
    ({"train": slice(0, None), "test": slice(3, 5, 2)}, ["train", "test"]),
    ({"train": [[0, 1]], "test": "ab"}, ["train", "test"]),
    ({"train": [0], "test": [1], "fold": True}, ["fold"]),
    ({"train": range(0, 2**62), "test": slice(0.0, 2)}, ["train", "test"]),
    ({"train": np.array([2**64 - 1], dtype=np.uint64), "test": [2**70]}, ["train", "test"]),
])
def test_bad_split_names_the_field(kwargs: dict[str, Any], fields: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        Split(**{"fold": 0, **kwargs})
    assert info.value.fields == fields


def test_describe_labels_folds_by_position_for_a_bar_count() -> None:
    table = PurgedKFold(n_splits=3, purge=1, embargo=1, warmup=1).describe(9)
    assert table.to_dict("list") == {
        "train_start": [4, 0, 0], "train_end": [8, 8, 4], "n_train": [5, 4, 5], "warmup_start": [0, 2, 5],
        "test_start": [0, 3, 6], "test_end": [2, 5, 8], "n_test": [3, 3, 3], "test_spans": [1, 1, 1]}


def test_plot_draws_one_row_per_fold() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    index = pd.date_range("2020-01-01", periods=60, freq="D")
    cv = CombinatorialPurgedKFold(n_groups=4, n_test_groups=2, purge=2, warmup=3)
    ax = cv.plot(index)
    try:
        assert len(ax.collections) == 6 * 3  # train bars, test bars, warm-up lines per fold
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test", "warm-up"]
        assert ax.get_xticklabels()[0].get_text().startswith("2020-01-01")
    finally:
        plt.close(ax.figure)
    with pytest.raises(ValidationError) as info:
        cv.plot(index, ax="left")
    assert info.value.fields == ["ax"]


def test_plot_without_matplotlib_names_the_extra() -> None:
    run_without(["matplotlib"], """
        import pytest
        from threadx.errors import MissingDependencyError
        from threadx.research import WalkForward

        with pytest.raises(MissingDependencyError, match=r"plotting splits needs matplotlib.*threadx\\[plot\\]"):
            WalkForward(train=10, test=5).plot(30)
    """)


# ------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(("make", "fields"), [
    (lambda: WalkForward(train=0, test=-1), ["train", "test"]),
    (lambda: WalkForward(train=10, test=5, step=0, anchored="yes"), ["step", "anchored"]),
    (lambda: WalkForward(train=10, test=5, purge=10), ["purge"]),
    (lambda: WalkForward(train=10, test=5, warmup=6), ["warmup"]),
    (lambda: WalkForward(train=10, test=5, purge=-1, embargo=1.5, warmup=None), ["purge", "embargo", "warmup"]),
    (lambda: WalkForward(train="730D", test=5), ["test"]),
    (lambda: WalkForward(train=10, test="5D", step="1D"), ["test", "step"]),
    (lambda: WalkForward(train="6M", test="0D"), ["train", "test"]),
    (lambda: WalkForward(train="NaT", test=2.0), ["train", "test"]),
    (lambda: WalkForward(train=10, tset=5), ["tset"]),
    (lambda: PurgedKFold(n_splits=1, purge=-2), ["n_splits", "purge"]),
    (lambda: PurgedKFold(n_splits=True), ["n_splits"]),
    (lambda: CombinatorialPurgedKFold(n_groups=5, n_test_groups=5), ["n_test_groups"]),
    (lambda: CombinatorialPurgedKFold(n_groups=1, n_test_groups=0), ["n_groups", "n_test_groups"]),
    (lambda: CombinatorialPurgedKFold(n_groups=40, n_test_groups=20), ["n_groups"]),
    (lambda: CombinatorialPurgedKFold(n_groups=10**18, n_test_groups=10**17), ["n_groups"]),
])
def test_bad_options_are_refused_at_construction(make: Any, fields: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        make()
    assert info.value.fields == fields


DAYS = pd.date_range("2024-01-01", periods=30, freq="D")


@pytest.mark.parametrize(("splitter", "index", "fields", "text"), [
    (WalkForward(train=20, test=11), 30, ["train"], "no whole test window"),
    (WalkForward(train="5D", test="2D"), 30, ["train", "test"], "needs a DatetimeIndex, not a number of bars"),
    (WalkForward(train="5D", test="2D", step="1D"), pd.RangeIndex(30), ["train", "test", "step"], "RangeIndex"),
    (WalkForward(train=5, test=2, embargo=30), 30, ["embargo"], "larger than the data"),
    (WalkForward(train="5D", test="2D", warmup=3), DAYS, ["warmup"], "longer than the shortest test window"),
    (WalkForward(train="5D", test="2D"), DAYS.delete([7, 8]), ["test"], "holds no bar"),
    (WalkForward(train="5D", test="2D", purge=2), DAYS.delete([1, 2, 3]), ["purge"], "none left after purge=2"),
    (WalkForward(train="1D", test="1D", step="1ns"), DAYS, ["step"], "more than 100000"),
    (PurgedKFold(n_splits=11), 10, ["n_splits"], "more than the number of bars (10)"),
    (PurgedKFold(n_splits=2, purge=10, embargo=12), 10, ["purge", "embargo"], "larger than the data"),
    (PurgedKFold(n_splits=2, purge=5, embargo=5), 10, ["purge"], "leaves 2 fold(s) with no train bar"),
    (PurgedKFold(n_splits=3, warmup=4), 10, ["warmup"], "longer than the shortest test window (3 bars)"),
    (CombinatorialPurgedKFold(n_groups=6, n_test_groups=2), 5, ["n_groups"], "more than the number of bars"),
    (PurgedKFold(n_splits=2), DAYS[::-1], ["index"], "strictly increasing"),
    (PurgedKFold(n_splits=2), DAYS.append(DAYS[-1:]), ["index"], "strictly increasing"),
    (PurgedKFold(n_splits=2), pd.DatetimeIndex([DAYS[0], pd.NaT]), ["index"], "NaN/NaT"),
    (PurgedKFold(n_splits=2), 0, ["index"], ">= 1"),
    (PurgedKFold(n_splits=2), np.arange(10), ["index"], "pandas Index"),
    (PurgedKFold(n_splits=2), pd.MultiIndex.from_product([[1, 2], [3, 4]]), ["index"], "pandas Index"),
])
def test_bad_data_is_refused_before_any_split(splitter: Any, index: Any, fields: list[str], text: str) -> None:
    with pytest.raises(ValidationError, match=None) as info:
        splitter.split(index)
    assert info.value.fields == fields
    assert text in str(info.value)


def test_a_series_or_frame_splits_over_its_index() -> None:
    frame = pd.DataFrame({"close": np.arange(30.0)}, index=DAYS)
    expected = as_tuples(WalkForward(train="10D", test="5D").split(DAYS))
    for data in (frame, frame["close"]):
        assert as_tuples(WalkForward(train="10D", test="5D").split(data)) == expected


@pytest.mark.parametrize("kwargs, field", [
    ({"test": 5}, "train"),
    ({"train": 50}, "test"),
    ({"train": "504", "test": 126}, "train"),  # no unit: not 504 nanoseconds
    ({"train": 504, "test": " 126 "}, "test"),
])
def test_walk_forward_required_windows_and_unitless_strings(kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        WalkForward(**kwargs)
    assert field in info.value.fields
