"""threadx.research.walk_forward (issue 14 §2): in-sample choice per fold, out-of-sample
trading with the cash carried, one stitched equity curve; no look-ahead.

The reference is a plain loop written here: every combination run on the fold's train
bars with signals from pandas' rolling means, the best Sharpe chosen, then one run over
the stitched out-of-sample signals."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from bt_support import goog

from threadx.backtest import Strategy, crossover, run
from threadx.errors import ValidationError
from threadx.research import CombinatorialPurgedKFold, Split, WalkForward, walk_forward

FAST, SLOW = [5, 10, 20], [30, 60, 90]
OPTS = {"fees": 0.001}


def sma(x, n):
    return pd.Series(np.asarray(x, dtype=float)).rolling(n).mean().to_numpy()


def cross_signals(close, fast, slow):
    f, s = sma(close, fast), sma(close, slow)
    up = np.r_[False, (f[1:] > s[1:]) & (f[:-1] <= s[:-1])]
    down = np.r_[False, (f[1:] < s[1:]) & (f[:-1] >= s[:-1])]
    return up, down


def signal_fn(data, fast, slow):
    up, down = cross_signals(data["Close"], fast, slow)
    return {"entries": up, "exits": down}


class SmaCross(Strategy):
    fast = 10
    slow = 30

    def init(self):
        self.f = self.I(sma, self.data.Close, self.fast)
        self.s = self.I(sma, self.data.Close, self.slow)

    def next(self):
        if not self.position and crossover(self.f, self.s):
            self.buy()
        elif self.position and crossover(self.s, self.f):
            self.position.close()


@pytest.fixture(scope="module")
def data():
    return goog()


@pytest.fixture(scope="module")
def splits(data):
    return WalkForward(train=504, test=252).split(data.index)


def reference(data, splits, execution="open"):
    """The plain loop: the in-sample winner of each fold, then its signals on the test span."""
    n = len(data)
    up_all, down_all = np.zeros(n, bool), np.zeros(n, bool)
    chosen = []
    for s in splits:
        train = data.iloc[s.train]
        best, best_sharpe = None, -np.inf
        for f in FAST:
            for sl in SLOW:
                up, down = cross_signals(train["Close"], f, sl)
                sharpe = float(run(train, entries=up, exits=down, **OPTS).stats["Sharpe Ratio"])
                if sharpe > best_sharpe:
                    best, best_sharpe = (f, sl), sharpe
        chosen.append(best)
        up, down = cross_signals(data["Close"].iloc[:s.test_stop], *best)  # all history, nothing after
        lo, hi = s.test_start, s.test_stop
        up_all[lo:hi], down_all[lo:hi] = up[lo:hi], down[lo:hi]
        last = hi - (2 if execution == "open" else 1)
        up_all[last:hi] = False
        down_all[last] = True
    lo, hi = splits[0].test_start, splits[-1].test_stop
    res = run(data.iloc[lo:hi], entries=up_all[lo:hi], exits=down_all[lo:hi], close_at_end=True, **OPTS)
    return chosen, res


@pytest.mark.parametrize("strategy", ["sma_cross", signal_fn])
def test_equals_the_plain_loop(data, splits, strategy):
    chosen, ref = reference(data, splits)
    r = walk_forward(strategy, data, WalkForward(train=504, test=252), fast=FAST, slow=SLOW, **OPTS)
    assert [(int(a), int(b)) for a, b in zip(r.folds["fast"], r.folds["slow"], strict=True)] == chosen
    np.testing.assert_allclose(r.equity.to_numpy(), ref.equity.to_numpy(), rtol=1e-12)
    assert len(r.trades) == len(ref.trades) > 10
    assert r.stats["Equity Final [$]"] == pytest.approx(float(ref.equity.iloc[-1]), rel=1e-12)
    assert r.equity.index[0] == data.index[splits[0].test_start]


def test_each_fold_ends_flat_and_the_cash_is_carried(data, splits):
    r = walk_forward("sma_cross", data, splits, fast=FAST, slow=SLOW, **OPTS)
    tr = r.trades
    for s in splits:  # no trade crosses a fold boundary
        inside = tr[(tr["entry_bar"] >= s.test_start) & (tr["entry_bar"] < s.test_stop)]
        assert (inside["exit_bar"] < s.test_stop).all()
    # one account: the equity never jumps back to the initial cash at a fold's start
    starts = [r.equity.index.get_loc(data.index[s.test_start]) for s in splits[1:]]
    assert any(abs(r.equity.iloc[k] - 10_000.0) > 1.0 for k in starts)
    carried = walk_forward("sma_cross", data, splits, fast=FAST, slow=SLOW, boundary="carry", **OPTS)
    crossing = [t for s in splits for t in carried.trades.itertuples() if t.entry_bar < s.test_stop <= t.exit_bar]
    assert len(crossing) >= 2  # with "carry" positions stay open into the next fold


@pytest.mark.parametrize("strategy", ["sma_cross", signal_fn, SmaCross])
def test_no_bar_after_a_folds_end_changes_that_fold(data, splits, strategy):
    """Change every bar after fold k's end: fold k's choice, trades and equity stay as they were."""
    k = 2
    cut = splits[k].test_stop
    rng = np.random.default_rng(3)
    changed = data.copy()
    factor = np.exp(rng.normal(0, 0.05, len(data) - cut))
    for col in ("Open", "High", "Low", "Close"):
        changed.iloc[cut:, changed.columns.get_loc(col)] *= factor
    a = walk_forward(strategy, data, splits, fast=FAST, slow=SLOW, **OPTS)
    b = walk_forward(strategy, changed, splits, fast=FAST, slow=SLOW, **OPTS)
    pd.testing.assert_frame_equal(a.folds.iloc[:k + 1], b.folds.iloc[:k + 1])
    end = data.index[cut - 1]
    pd.testing.assert_series_equal(a.equity.loc[:end], b.equity.loc[:end])
    ta, tb = (t[t["entry_bar"] < cut].reset_index(drop=True) for t in (a.trades, b.trades))
    pd.testing.assert_frame_equal(ta, tb)
    assert not a.equity.equals(b.equity)  # the change is seen after the cut (the test can fail)


def test_a_strategy_class_gives_the_signal_functions_trades(data, splits):
    by_fn = walk_forward(signal_fn, data, splits, fast=FAST, slow=SLOW, **OPTS)
    by_cls = walk_forward(SmaCross, data, splits, fast=FAST, slow=SLOW, **OPTS)
    assert list(by_cls.folds["fast"]) == list(by_fn.folds["fast"])
    assert list(by_cls.folds["slow"]) == list(by_fn.folds["slow"])
    np.testing.assert_array_equal(by_cls.trades["entry_bar"].to_numpy(), by_fn.trades["entry_bar"].to_numpy())
    np.testing.assert_array_equal(by_cls.trades["exit_bar"].to_numpy(), by_fn.trades["exit_bar"].to_numpy())
    np.testing.assert_allclose(by_cls.equity.to_numpy(), by_fn.equity.to_numpy(), rtol=1e-9)


def test_a_dict_of_symbols_gives_a_result_per_symbol(data, splits):
    other = data * 1.5
    r = walk_forward("sma_cross", {"A": data, "B": other}, splits, fast=FAST, slow=SLOW, **OPTS)
    assert set(r) == {"A", "B"}
    assert list(r["A"].folds["fast"]) == list(walk_forward("sma_cross", data, splits, fast=FAST, slow=SLOW,
                                                          **OPTS).folds["fast"])


def test_bad_input_is_a_validation_error_before_any_work(data, splits):
    with pytest.raises(ValidationError) as ei:
        walk_forward("sma_cross", data, splits, boundary="keep", warmup=-1, fast=FAST, slow=SLOW)
    assert {"boundary", "warmup"} <= {e["field"] for e in ei.value.errors}
    overlapping = [Split(fold=0, train=range(0, 300), test=range(300, 500)),
                   Split(fold=1, train=range(0, 400), test=range(400, 600))]
    with pytest.raises(ValidationError, match="order and not overlap"):
        walk_forward("sma_cross", data, overlapping, fast=FAST, slow=SLOW)
    cpcv = CombinatorialPurgedKFold(n_groups=4, n_test_groups=2).split(data.index)
    with pytest.raises(ValidationError, match="one contiguous span"):
        walk_forward("sma_cross", data, cpcv, fast=FAST, slow=SLOW)
    with pytest.raises(ValidationError, match="splits"):
        walk_forward("sma_cross", data, "not splits", fast=FAST, slow=SLOW)
    with pytest.raises(ValidationError, match="NaN for every trial"):  # no trade in the train bars
        walk_forward("sma_cross", data, [Split(fold=0, train=range(0, 40), test=range(40, 300))],
                     fast=[30], slow=[35])


def test_short_reaches_the_sweep_and_the_signals_not_run(data, splits):
    """``short=True`` is the sweep's option (the mirrored short side): each fold's choice is the
    short sweep's winner on its train bars, and the out-of-sample trades include short ones."""
    from threadx.backtest import sweep

    r = walk_forward("sma_cross", data, splits, fast=FAST, slow=SLOW, short=True, **OPTS)
    for s, row in zip(splits, r.folds.itertuples(), strict=True):
        best = sweep("sma_cross", data.iloc[s.train], fast=FAST, slow=SLOW, short=True, top_k=1, **OPTS)
        assert (row.fast, row.slow) == best.index[0]
    assert set(r.trades["side"]) == {"long", "short"}


def test_progress_reports_each_fold(capsys: pytest.CaptureFixture[str]) -> None:
    import threadx
    from threadx import research

    bars = threadx.data.sample().iloc[:900]
    seen: list[tuple[int, int]] = []
    wf = research.walk_forward("sma_cross", bars, research.WalkForward(train=300, test=200), fast=[5, 10],
                               slow=[30], progress=lambda done, total: seen.append((done, total)))
    n = len(wf.folds)
    assert n == 3 and seen == [(k, n) for k in range(1, n + 1)]
    research.walk_forward("sma_cross", bars, research.WalkForward(train=300, test=200), fast=[5, 10], slow=[30],
                          progress=True)
    assert f"{n}/{n}" in capsys.readouterr().err
    with pytest.raises(ValidationError) as info:
        research.walk_forward("sma_cross", bars, research.WalkForward(train=300, test=200), fast=[5], slow=[30],
                              progress="yes")
    assert info.value.fields == ["progress"]
