"""Event-driven strategies (threadx.backtest.Strategy) on the order core.

backtesting.py (pinned) side by side: its documented SmaCross, and strategies with
stop-loss / take-profit brackets and a stop moved after entry, give the same trades and
equity. Plus the rules of the API: no look-ahead, warm-up, errors with the bar named,
impossible orders rejected in the records (not raised), validation before any work.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import threadx
from bt_support import bt_run, compare_trades, goog, sma, twins
from threadx.backtest import Strategy, crossover, run
from threadx.errors import BacktestError, ValidationError


class SmaCrossBody:
    n1 = 10
    n2 = 20

    def init(self):
        self.sma1 = self.I(sma, self.data.Close, self.n1)
        self.sma2 = self.I(sma, self.data.Close, self.n2)

    def next(self):
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell()


class BracketsBody:
    """Long on a cross up with a 4 % stop-loss and an 8 % take-profit; after 5 bars in the
    trade the stop moves to the entry price."""

    def init(self):
        self.fast = self.I(sma, self.data.Close, 5)
        self.slow = self.I(sma, self.data.Close, 15)

    def next(self):
        price = float(self.data.Close[-1])
        for t in self.trades:
            if len(self.data) - 1 - t.entry_bar >= 5 and t.sl < t.entry_price:
                t.sl = t.entry_price
        if not self.position and crossover(self.fast, self.slow):
            self.buy(sl=price * 0.96, tp=price * 1.08)


# Each strategy is written once (its body uses the API both libraries share) and run as a
# threadx Strategy and, through bt_support.twins, as a backtesting.py one.
SmaCross = type("SmaCross", (SmaCrossBody, Strategy), {})
Brackets = type("Brackets", (BracketsBody, Strategy), {})


def _bt_trades(body, df, **kw):
    bt_cls, _ = twins(body.__name__.removesuffix("Body"), body)
    return bt_run(bt_cls, df, cash=10_000, commission=0.002, **kw)


def test_smacross_matches_backtesting_py_on_goog():
    df = goog()
    st = _bt_trades(SmaCrossBody, df)
    ours = run(df, strategy=SmaCross, fees=0.002, close_at_end=False)
    assert len(ours.trades) == 93
    compare_trades(ours, st)
    assert ours.equity.iloc[-1] == pytest.approx(56263.51934, abs=1e-6)


def test_brackets_and_a_moved_stop_match_backtesting_py():
    df = goog()
    st = _bt_trades(BracketsBody, df)
    ours = run(df, strategy=Brackets, fees=0.002, close_at_end=False)
    reasons = set(ours.trades["exit_reason"])
    assert {"stop_loss", "take_profit"} <= reasons, reasons
    compare_trades(ours, st)


def test_parameters_from_params_and_the_same_trades_as_signals():
    df = goog()
    ours = run(df, strategy=SmaCross, params={"n1": 5, "n2": 30}, fees=0.001)
    f, s = sma(df.Close, 5), sma(df.Close, 30)
    up = np.r_[False, (f[:-1] < s[:-1]) & (f[1:] > s[1:])]
    dn = np.r_[False, (s[:-1] < f[:-1]) & (s[1:] > f[1:])]
    sig = run(df, entries=up, short_entries=dn, fees=0.001)
    np.testing.assert_allclose(ours.equity.to_numpy(), sig.equity.to_numpy(), rtol=1e-12)
    assert len(ours.trades) == len(sig.trades)


def test_no_look_ahead_and_warm_up():
    seen = []

    class Peek(Strategy):
        def init(self):
            self.m = self.I(sma, self.data.Close, 3)

        def next(self):
            j = len(self.data) - 1
            seen.append((j, float(self.data.Close[-1]), len(self.m)))
            with pytest.raises(IndexError):
                self.data.Close[j + 1]
            assert np.asarray(self.data.Close).shape == (j + 1,)

    df = goog().iloc[:20]
    run(df, strategy=Peek)
    assert seen[0][0] == 3  # the bar after the first one with a 3-bar SMA (backtesting.py's start)
    assert [s[0] for s in seen] == list(range(3, 20))
    assert all(c == df.Close.iloc[j] and n == j + 1 for j, c, n in seen)


def test_next_raising_is_a_backtest_error_naming_the_bar():
    class Boom(Strategy):
        def next(self):
            if len(self.data) == 7:
                raise ZeroDivisionError("boom")

    with pytest.raises(BacktestError, match=r"Boom.next\(\) raised at bar 6") as ei:
        run(goog().iloc[:30], strategy=Boom)
    assert isinstance(ei.value.__cause__, ZeroDivisionError)


def test_impossible_orders_are_rejected_in_the_records():
    class Bad(Strategy):
        def next(self):
            j = len(self.data) - 1
            if j == 1:
                self.buy(size=0)            # invalid size
            if j == 2:
                self.buy(size=10_000)       # far more than the cash
            if j == 3:
                self.position.close()       # nothing to close: no order
                self.sell(size=1, limit=math.nan)  # a NaN limit

    r = run(goog().iloc[:10], strategy=Bad)
    rej = r.orders[r.orders["status"] == "rejected"]
    assert list(rej["reason"]) == ["invalid_size", "insufficient_cash", "missing_price"]


def test_validation_before_any_work():
    class NoNext(Strategy):
        pass

    with pytest.raises(ValidationError) as ei:
        run(goog(), strategy=NoNext, params={"nope": 1}, entries=np.ones(len(goog()), bool), sl_stop=0.1,
            costs={"colour": 1})
    fields = {e["field"] for e in ei.value.errors}
    assert {"strategy", "params['nope']", "entries", "sl_stop", "costs['colour']"} <= fields, fields
    with pytest.raises(ValidationError):
        run(goog(), strategy=int)
    with pytest.raises(ValidationError, match="params"):
        run(goog(), entries=np.ones(len(goog()), bool), params={"a": 1})


def test_orders_cancel_and_tif():
    class Limits(Strategy):
        def next(self):
            j = len(self.data) - 1
            price = float(self.data.Close[-1])
            if j == 2:
                self.buy(size=1, limit=price * 0.5, tag=1)  # never fills
                self.buy(size=1, limit=price * 0.5, tif=3, tag=2)
            if j == 4:
                for o in self.orders:
                    if o.tag == 1:
                        o.cancel()

    r = run(goog().iloc[:12], strategy=Limits)
    o = r.orders.set_index("tag")
    assert o.loc[1, "status"] == "cancelled" and o.loc[1, "reason"] == "user" and o.loc[1, "fill_bar"] == 4
    assert o.loc[2, "status"] == "expired" and o.loc[2, "fill_bar"] == 5


def test_futures_costs_through_run():
    class Hold(Strategy):
        def next(self):
            if len(self.data) == 2:
                self.buy(size=2)

    df = goog().iloc[:30]
    r = run(df, strategy=Hold, costs=dict(multiplier=10.0, margin=500.0, unit_fee=2.0), close_at_end=True)
    t = r.trades.iloc[0]
    assert t["pnl"] == pytest.approx(2 * (t["exit_price"] - t["entry_price"]) * 10 - 8.0)
    assert r.equity.iloc[-1] == pytest.approx(10_000 + t["pnl"])
    assert (r.margin.iloc[2:-1] == 1000.0).all()


def test_sample_data_smoke():
    r = run(threadx.data.sample(), strategy=SmaCross)
    assert r.stats["# Trades"] == len(r.trades) > 0


def _atr(h, lo, c, n=14):
    h, lo, c = (np.asarray(x, dtype=float) for x in (h, lo, c))
    tr = np.maximum(h - lo, np.maximum(np.abs(h - np.r_[np.nan, c[:-1]]), np.abs(lo - np.r_[np.nan, c[:-1]])))
    return pd.Series(tr).rolling(n).mean().to_numpy()


class CooldownBody:
    """Issue 13's first paragraph: a volatility-sized long in an uptrend (close > SMA10 >
    SMA30) with a 5 % stop, out on the cross down, and no new entry for 10 bars after a
    stop-loss exit."""

    cool = 10

    def init(self):
        self.f = self.I(sma, self.data.Close, 10)
        self.s = self.I(sma, self.data.Close, 30)
        self.atr = self.I(_atr, self.data.High, self.data.Low, self.data.Close)

    def next(self):
        j = len(self.data) - 1
        closed = self.closed_trades
        if closed and self.stopped(closed[-1]) and j - closed[-1].exit_bar < self.cool:
            return
        if not self.position and self.data.Close[-1] > self.f[-1] > self.s[-1]:
            self.buy(size=max(1, int(200 / self.atr[-1])), sl=float(self.data.Close[-1]) * 0.95)
        elif self.position and crossover(self.s, self.f):
            self.position.close()

    def stopped(self, trade):
        """Whether a closed trade left by its stop-loss (threadx records the exit reason;
        backtesting.py has none: an exit at or below the trade's stop)."""
        if hasattr(trade, "exit_reason"):
            return trade.exit_reason == "stop_loss"
        return trade.sl is not None and trade.exit_price <= trade.sl


Cooldown = type("Cooldown", (CooldownBody, Strategy), {})


def test_cooldown_after_a_stop_loss_matches_backtesting_py():
    df = goog()
    st = _bt_trades(CooldownBody, df)
    ours = run(df, strategy=Cooldown, fees=0.002, close_at_end=False)
    assert (ours.trades["exit_reason"] == "stop_loss").sum() >= 3
    compare_trades(ours, st)
    # the cooldown matters: without it the trades differ
    free = run(df, strategy=Cooldown, params={"cool": 0}, fees=0.002, close_at_end=False)
    assert len(free.trades) != len(ours.trades)


@pytest.mark.parametrize(("kw", "field"), [({"sl": 1e9}, "sl"), ({"tp": 1.0}, "tp"),
                                           ({"limit": 100.0, "sl": 101.0}, "sl")])
def test_a_bracket_on_the_wrong_side_is_refused(kw, field):
    class Wrong(Strategy):
        def next(self):
            self.buy(size=1, **kw)

    with pytest.raises(BacktestError) as ei:
        run(goog().iloc[:5], strategy=Wrong)
    cause = ei.value.__cause__
    assert isinstance(cause, ValidationError) and cause.errors[0]["field"] == field

    class Short(Strategy):
        def next(self):
            self.sell(size=1, sl=1.0)  # a short's stop below the price

    with pytest.raises(BacktestError, match="sl"):
        run(goog().iloc[:5], strategy=Short)


class PyramidBody:
    """Pyramiding and a trade's partial close: 10 units on the cross up, 6 more 5 bars
    later, half of the newest lot closed 3 bars after that, everything out on the cross down."""

    def init(self):
        self.f = self.I(sma, self.data.Close, 10)
        self.s = self.I(sma, self.data.Close, 30)
        self.entered = -1

    def next(self):
        j = len(self.data) - 1
        if crossover(self.f, self.s):
            self.position.close()
            self.buy(size=10)
            self.entered = j
        elif self.position and j == self.entered + 5:
            self.buy(size=6)
        elif len(self.trades) == 2 and j == self.entered + 8:
            self.trades[-1].close(0.5)
        elif crossover(self.s, self.f):
            self.position.close()


Pyramid = type("Pyramid", (PyramidBody, Strategy), {})


def test_pyramiding_and_a_trades_partial_close_match_backtesting_py():
    df = goog()
    st = _bt_trades(PyramidBody, df)
    ours = run(df, strategy=Pyramid, fees=0.002, close_at_end=False)
    sizes = set(ours.trades["size"])
    assert {3.0, 10.0} <= sizes, sizes  # the halves of the 6-unit lots are separate trades
    compare_trades(ours, st, ordered=True)


class PyramidHalvesBody:
    """Three lots, then position.close(0.5) (half of each lot, newest first) and the rest on
    the cross down: per-lot orders, so a fixed fee is charged per lot as backtesting.py does."""

    def init(self):
        self.f = self.I(sma, self.data.Close, 10)
        self.s = self.I(sma, self.data.Close, 30)
        self.entered = -1

    def next(self):
        j = len(self.data) - 1
        if crossover(self.f, self.s) and not self.position:
            self.buy(size=8)
            self.entered = j
        elif self.position and j in (self.entered + 3, self.entered + 6):
            self.buy(size=5)
        elif self.position and j == self.entered + 9:
            self.position.close(0.5)
        elif crossover(self.s, self.f):
            self.position.close()


def test_position_close_portion_per_lot_with_fixed_fees_matches_backtesting_py():
    df = goog()
    bt_cls, ours_cls = twins("PyramidHalves", PyramidHalvesBody)
    st = bt_run(bt_cls, df, cash=10_000, commission=(1.0, 0.002))
    ours = run(df, strategy=ours_cls, fees=0.002, fixed_fees=1.0, init_cash=10_000, close_at_end=False)
    assert {4.0, 3.0, 2.0} <= set(ours.trades["size"])  # halves of 8, 5 (round(2.5) = 2) and 5
    tr, ot = st._trades.reset_index(drop=True), ours.trades
    assert len(ot) == len(tr) > 20  # and in backtesting.py's record order: the newest lot first
    sign = np.where(ot["side"] == "long", 1.0, -1.0)
    np.testing.assert_array_equal(tr.Size.to_numpy(float), sign * ot["size"].to_numpy())
    for a, b in (("EntryBar", "entry_bar"), ("ExitBar", "exit_bar"), ("EntryPrice", "entry_price"),
                 ("ExitPrice", "exit_price")):
        np.testing.assert_allclose(tr[a].to_numpy(float), ot[b].to_numpy(float), rtol=1e-12)
    # the cash: one exit order (one fixed fee) per lot, as backtesting.py charges them
    np.testing.assert_allclose(st._equity_curve.Equity.to_numpy(), ours.equity.to_numpy(), rtol=1e-12)
    # backtesting.py's per-trade Commission charges a partial close the full fixed entry fee again
    # (its _close_trade recomputes the entry commission of each piece: Σ Commission exceeds what
    # cash paid); ours splits the entry fees pro rata (docs/orders.md § 6.2), so the closed
    # trades' fees stay within what was paid (the open lots keep the rest of their entry fees)
    paid = ours.orders.loc[ours.orders["status"] == "filled", "fees"].sum()
    assert ot["fees"].sum() < paid
    assert tr.Commission.sum() > ot["fees"].sum() + 1.0


def test_strategy_parameters_as_keywords():
    df = goog()
    a = run(df, strategy=SmaCross, n1=5, n2=30)
    b = run(df, strategy=SmaCross, params={"n1": 5, "n2": 30})
    np.testing.assert_array_equal(a.equity.to_numpy(), b.equity.to_numpy())
    with pytest.raises(ValidationError, match="params"):
        run(df, strategy=SmaCross, n1=5, params={"n1": 6})
    with pytest.raises(ValidationError, match="n3"):
        run(df, strategy=SmaCross, n3=5)
    with pytest.raises(ValidationError, match="n1"):  # no strategy: not a keyword of run
        run(df, entries=np.ones(len(df), bool), n1=5)

    class WithFees(SmaCross):
        fees = 0.01  # a parameter named like a run option

    run(df.iloc[:200], strategy=WithFees)
    with pytest.raises(ValidationError, match="both an option of run"):
        run(df.iloc[:200], strategy=WithFees, fees=0.002)


def test_start_and_end_keep_the_bars_of_a_strategy_run():
    df = goog()
    cut = run(df, strategy=SmaCross, start="2008-01-01", end="2010-01-01", fees=0.001)
    sliced = run(df.loc["2008-01-01":"2009-12-31"], strategy=SmaCross, fees=0.001)
    pd.testing.assert_series_equal(cut.equity, sliced.equity)
    assert cut.equity.index[0] >= pd.Timestamp("2008-01-01")
