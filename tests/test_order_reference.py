"""The order-level reference (tests/order_reference.py, docs/orders.md).

(a) run's signals as orders give exactly tests/backtest_reference.py's results, on every
    case of tests/backtest_cases.py (docs/orders.md "Signals as orders");
(b) hand-worked cases, one or more per rule, with the expected numbers written out;
(c) hypothesis: invariants on random order streams.
No threadx import: this checks the spec's reference against itself and the signal reference.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import backtest_cases
from backtest_reference import simulate as signal_simulate
from order_reference import simulate
from signals_to_orders import as_run_orders, run_as_orders

RTOL = 1e-9
ORDER_KEYS = ("kind", "side", "size", "placed_bar", "status", "fill_bar", "fill_price", "fees",
              "reason")
TRADE_KEYS = ("side", "size", "entry_bar", "entry_price", "exit_bar", "exit_price", "fees",
              "pnl", "return", "exit_reason")


# ------------------------------------------------------------------------------ (a) parity

def _same(a, b, scale):
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if math.isnan(b):
            return math.isnan(a)
        return abs(a - b) <= RTOL * max(abs(b), scale)
    return a == b


def _key(r):
    return (r["placed_bar"], -1 if r["fill_bar"] is None else r["fill_bar"], r["kind"],
            r["side"], r["status"], str(r["reason"]))


def _compare(df, kw):
    a = (df["open"].to_numpy(), df["high"].to_numpy(), df["low"].to_numpy(),
         df["close"].to_numpy())
    exp = signal_simulate(*a, index=df.index, **kw)
    got = run_as_orders(*a, index=df.index, **kw)
    cash0 = kw.get("init_cash", 10_000.0)
    for name in ("equity", "cash", "position"):
        g, e = got[name], exp[name]
        ok = np.abs(g - e) <= RTOL * np.maximum(np.abs(e), cash0)
        assert ok.all(), f"{name} differs first at bar {int(np.argmin(ok))}: {g[~ok][:3]} vs {e[~ok][:3]}"
    go = sorted(as_run_orders(got["orders"]), key=_key)
    eo = sorted(exp["orders"], key=_key)
    assert len(go) == len(eo), (len(go), len(eo))
    px = float(df["high"].max())
    for g, e in zip(go, eo):
        for k in ORDER_KEYS:
            assert _same(g[k], e[k], 1.0 if k == "size" else px), (k, g, e)
    assert len(got["trades"]) == len(exp["trades"])
    for g, e in zip(got["trades"], exp["trades"]):
        for k in TRADE_KEYS:
            assert _same(g[k], e[k], 1.0 if k in ("size", "return") else cash0), (k, g, e)
    assert got["charges"] == []


CHOICES = backtest_cases.one_factor_choices()


def _cid(ch):
    return ",".join(f"{k}={v}" for k, v in ch.items()) or "base"


@pytest.mark.parametrize("choice", CHOICES, ids=[_cid(c) for c in CHOICES])
@pytest.mark.parametrize("seed", [0, 1])
def test_signals_as_orders_every_option(choice, seed):
    df, kw = backtest_cases.case(seed * 1000 + 17, choice)
    _compare(df, kw)


@pytest.mark.parametrize("seed", [3, 4])
def test_signals_as_orders_long_only_and_short_only(seed):
    df, kw = backtest_cases.case(seed, {}, short=False)
    _compare(df, kw)
    kw2 = dict(kw, short_entries=kw.pop("entries"), short_exits=kw.pop("exits"))
    _compare(df, kw2)


def test_signals_as_orders_goog():
    g = pd.read_csv(Path(__file__).parent / "data" / "GOOG.csv", index_col=0, parse_dates=True)
    df = g[["Open", "High", "Low", "Close"]].rename(columns=str.lower).astype(float)
    c = df["close"].to_numpy()
    s1 = pd.Series(c).rolling(10).mean().to_numpy()
    s2 = pd.Series(c).rolling(20).mean().to_numpy()
    up = np.r_[False, (s1[:-1] < s2[:-1]) & (s1[1:] > s2[1:])]
    dn = np.r_[False, (s2[:-1] < s1[:-1]) & (s2[1:] > s1[1:])]
    for extra in ({}, dict(sl_stop=0.05, tp_stop=0.1), dict(tsl_stop=0.08, execution="close"),
                  dict(order_type="stop", stop_price=c * 1.01, expiry=5, sl_stop=0.04)):
        kw = dict(backtest_cases.BASE, entries=up, short_entries=dn, fees=0.002, **extra)
        _compare(df, kw)


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_opt = {k: st.sampled_from([backtest_cases.BASE.get(k)] + v) if k in backtest_cases.BASE
        else st.sampled_from([None] + v) for k, v in backtest_cases.OPTION_VALUES.items()}
_opt["size"] = st.sampled_from([None] + backtest_cases.OPTION_VALUES["size"])


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 160), short=st.booleans(),
       choice=st.fixed_dictionaries(_opt))
def test_signals_as_orders_random_combinations(seed, n, short, choice):
    choice = {k: v for k, v in choice.items() if v is not None}
    df = backtest_cases.ohlc(n, seed)
    p, which = backtest_cases.params_from(choice)
    sig = backtest_cases.signals(n, seed, p=0.12, short=short)
    kw = dict(p, **sig, **backtest_cases.levels(df, sig, seed, p["order_type"], which))
    _compare(df, kw)


# ------------------------------------------------------------------------------ (b) by hand

IDX = pd.date_range("2024-01-01", periods=8, freq="D")


def bars(*rows):
    a = np.array(rows, dtype=float)
    return dict(zip(("open", "high", "low", "close"), a.T))


def sim(b, **kw):
    kw.setdefault("index", IDX[:len(b["close"])])
    return simulate(b["open"], b["high"], b["low"], b["close"], **kw)


def by_kind(res, kind):
    return [r for r in res["orders"] if r["kind"] == kind]


FLAT = (100, 100, 100, 100)


def test_fill_reason_of_strategy_orders():
    b = bars(FLAT, FLAT, FLAT, FLAT)

    def strat(ctx):
        if ctx.j == 1:
            ctx.place(side="buy", size=1, size_type="units")

    r = sim(b, strategy=strat, orders=[dict(bar=0, side="buy", size=1, size_type="units")])
    listed, placed = r["orders"][:2]
    assert (listed["fill_bar"], listed["reason"]) == (1, "signal")     # the order list
    assert (placed["fill_bar"], placed["reason"]) == (2, "strategy")   # next()


def test_target_percent_below_the_holding_reduces():
    b = bars(FLAT, FLAT, (110, 110, 110, 110), (120, 120, 120, 120), (120, 120, 120, 120))
    orders = [dict(bar=0, side="buy", size=30, size_type="units"),
              dict(bar=1, side="buy", size=20, size_type="units")]
    r = sim(b, orders=orders + [dict(bar=2, side="buy", size=0.25, size_type="target_percent")])
    o = r["orders"][2]
    # bar 3's open 120: cash 10000 - 3000 - 2200 = 4800, equity 4800 + 50 x 120 = 10800;
    # target 0.25 x 10800 / 120 = 22.5 units -> sell 50 - 22.5 = 27.5, floored to 27
    assert (o["side"], o["intent"], o["size"], o["fill_bar"], o["fill_price"]) == (
        "sell", "reduce", 27, 3, 120)
    t = r["trades"][0]   # FIFO: 27 of lot 0's 30 (entry 100)
    assert (t["lot"], t["size"], t["entry_price"], t["pnl"]) == (0, 27, 100, 27 * 20)
    assert r["position"][3] == 23
    # a target of the other side reverses: close the 50, then short 0.25 x 10800 / 120
    r = sim(b, orders=orders + [dict(bar=2, side="sell", size=0.25, size_type="target_percent")])
    assert r["position"][3] == -22 and r["trades"][1]["size"] == 20
    # a target above the holding adds the missing part: 0.75 x 10800 / 120 = 67.5 -> +17
    r = sim(b, orders=orders + [dict(bar=2, side="buy", size=0.75, size_type="target_percent")])
    assert r["position"][3] == 67
    # a "reduce" order with a target: down to it (the same 27 units); at or above the
    # holding (0.9 x 10800 / 120 = 81 > 50) there is nothing to reduce: "invalid_size"
    r = sim(b, orders=orders + [dict(bar=2, side="sell", intent="reduce", size=0.25,
                                     size_type="target_percent")])
    assert (r["orders"][2]["size"], r["position"][3]) == (27, 23)
    r = sim(b, orders=orders + [dict(bar=2, side="sell", intent="reduce", size=0.9,
                                     size_type="target_percent")])
    assert (r["orders"][2]["status"], r["orders"][2]["reason"]) == ("rejected", "invalid_size")


def test_market_fills_next_open_and_at_close():
    b = bars(FLAT, (102, 105, 101, 104), (104, 106, 103, 105))
    r = sim(b, orders=[dict(bar=0, side="buy", size=10, size_type="units")])
    o = r["orders"][0]
    assert (o["status"], o["fill_bar"], o["fill_price"], o["reason"]) == ("filled", 1, 102, "signal")
    assert list(r["equity"]) == [10_000, 10_000 - 1020 + 1040, 10_000 - 1020 + 1050]
    t, = r["trades"]
    assert (t["entry_price"], t["exit_price"], t["pnl"], t["exit_reason"]) == (102, 105, 30, "end_of_data")
    r = sim(b, execution="close", orders=[dict(bar=0, side="buy", size=10, size_type="units")])
    assert r["orders"][0]["fill_price"] == 100 and r["orders"][0]["fill_bar"] == 0


@pytest.mark.parametrize("row,price", [((97, 99, 96, 98), 97),        # gap below: the open
                                       ((100, 101, 97.5, 99), 98),    # touched: the limit
                                       ((100, 101, 98.5, 99), None)])  # not reached
def test_limit_buy(row, price):
    r = sim(bars(FLAT, row, FLAT), orders=[dict(bar=0, side="buy", type="limit", limit=98,
                                                 size=1, size_type="units")])
    o = r["orders"][0]
    if price is None:
        assert (o["status"], o["reason"], o["fill_bar"]) == ("cancelled", "end_of_data", 2)
    else:
        assert (o["status"], o["fill_price"], o["reason"]) == ("filled", price, "limit")


@pytest.mark.parametrize("row,price", [((104, 106, 103, 105), 104),  # gap above: the open
                                       ((101, 105, 100, 104), 103),
                                       ((101, 102.9, 100, 102), None)])
def test_stop_buy(row, price):
    r = sim(bars(FLAT, row, FLAT), orders=[dict(bar=0, side="buy", type="stop", stop=103,
                                                 size=1, size_type="units")])
    o = r["orders"][0]
    assert o["fill_price"] == price if price else o["status"] == "cancelled"


def test_sell_orders_mirror():
    # sell stop at 97: gap below fills at the open 96; sell limit at 103: touched fills at 103
    r = sim(bars(FLAT, (96, 97, 95, 96), (99, 103.5, 98, 101)),
            orders=[dict(bar=0, side="sell", type="stop", stop=97, size=1, size_type="units"),
                    dict(bar=1, side="sell", type="limit", limit=103, size=1, size_type="units")])
    assert [o["fill_price"] for o in r["orders"][:2]] == [96, 103]
    assert r["position"][-1] == 0 and len(r["trades"]) == 2  # two short lots, closed at the end


def test_stop_limit_buy():
    # trigger bar fills at min(max(open, stop), limit) when limit > stop
    r = sim(bars(FLAT, (101, 105, 100, 104), FLAT),
            orders=[dict(bar=0, side="buy", type="stop_limit", stop=103, limit=104, size=1,
                         size_type="units")])
    assert r["orders"][0]["fill_price"] == 103 and r["orders"][0]["fill_bar"] == 1
    # limit below the stop: triggered in bar 1, rests as a limit, fills in bar 2 at min(open, 102)
    r = sim(bars(FLAT, (101, 105, 101.5, 104), (103, 104, 101, 102), FLAT),
            orders=[dict(bar=0, side="buy", type="stop_limit", stop=103, limit=102, size=1,
                         size_type="units")])
    o = r["orders"][0]
    assert (o["fill_bar"], o["fill_price"], o["reason"]) == (2, 102, "limit")
    # gap above the stop and the limit: open 106 > limit 104: no fill in the trigger bar
    r = sim(bars(FLAT, (106, 107, 105, 106), (105, 105, 103.5, 104), FLAT),
            orders=[dict(bar=0, side="buy", type="stop_limit", stop=103, limit=104, size=1,
                         size_type="units")])
    o = r["orders"][0]
    assert (o["fill_bar"], o["fill_price"]) == (2, 104)


def test_tif_bars_and_timedelta():
    b = bars(FLAT, FLAT, FLAT, (95, 96, 89, 90))
    r = sim(b, orders=[dict(bar=0, side="buy", type="limit", limit=90, tif=2, size=1,
                            size_type="units")])
    o = r["orders"][0]
    assert (o["status"], o["reason"], o["fill_bar"]) == ("expired", "expiry", 2)
    r = sim(b, orders=[dict(bar=0, side="buy", type="limit", limit=90, tif=3, size=1,
                            size_type="units")])
    assert r["orders"][0]["fill_price"] == 90 and r["orders"][0]["fill_bar"] == 3
    # 36 hours from bar 0 (daily bars): bar 1 is inside, bar 2 is not -> expires at bar 1's close
    r = sim(b, orders=[dict(bar=0, side="buy", type="limit", limit=90,
                            tif=dt.timedelta(hours=36), size=1, size_type="units")])
    assert (r["orders"][0]["status"], r["orders"][0]["fill_bar"]) == ("expired", 1)
    # 12 hours: even bar 1 is later -> expired at once, at bar 0
    r = sim(b, orders=[dict(bar=0, side="buy", type="limit", limit=90,
                            tif=dt.timedelta(hours=12), size=1, size_type="units")])
    assert (r["orders"][0]["status"], r["orders"][0]["fill_bar"]) == ("expired", 0)


def test_bracket_activation_and_oco():
    b = bars(FLAT, (100, 101, 99, 100), (101, 111, 99, 108), FLAT)
    r = sim(b, orders=[dict(bar=0, side="buy", size=10, size_type="units", sl=95, tp=110)])
    sl, = by_kind(r, "stop_loss")
    tp, = by_kind(r, "take_profit")
    assert (sl["placed_bar"], sl["parent"], tp["parent"]) == (1, 0, 0)  # children of order 0
    assert (tp["status"], tp["fill_bar"], tp["fill_price"]) == ("filled", 2, 110)
    assert (sl["status"], sl["reason"], sl["fill_bar"]) == ("cancelled", "oco", 2)
    t, = r["trades"]
    assert (t["exit_reason"], t["pnl"], t["sl"], t["tp"]) == ("take_profit", 100, 95, 110)
    # both levels inside one bar: the stop-loss wins (backtesting.py); gap through: the open
    r = sim(bars(FLAT, FLAT, (96, 111, 94, 100), FLAT),
            orders=[dict(bar=0, side="buy", size=1, size_type="units", sl=95, tp=110)])
    assert by_kind(r, "stop_loss")[0]["fill_price"] == 95
    r = sim(bars(FLAT, FLAT, (93, 111, 92, 100), FLAT),
            orders=[dict(bar=0, side="buy", size=1, size_type="units", sl=95, tp=110)])
    assert by_kind(r, "stop_loss")[0]["fill_price"] == 93
    # path "ohlc": the high comes first, the take-profit fills
    r = sim(bars(FLAT, FLAT, (100, 111, 94, 100), FLAT), intrabar="ohlc",
            orders=[dict(bar=0, side="buy", size=1, size_type="units", sl=95, tp=110)])
    assert by_kind(r, "take_profit")[0]["fill_price"] == 110


def test_children_cancelled_when_position_closed_and_not_before_parent_fills():
    b = bars(FLAT, FLAT, FLAT, FLAT)
    r = sim(b, orders=[dict(bar=0, side="buy", size=1, size_type="units", sl=90, tp=110),
                       dict(bar=1, side="sell", intent="close")])
    sl, = by_kind(r, "stop_loss")
    assert (sl["status"], sl["reason"], sl["fill_bar"]) == ("cancelled", "position_closed", 2)
    # a limit parent that never fills makes no children
    r = sim(b, orders=[dict(bar=0, side="buy", type="limit", limit=50, size=1,
                            size_type="units", sl=40)])
    assert by_kind(r, "stop_loss") == []


def test_sl_moved_after_entry():
    b = bars(FLAT, (100, 101, 99, 100), (100, 106, 100, 105), (104, 104, 102, 103),
             (101, 102, 100, 101))

    def strat(ctx):
        if ctx.j == 2:
            ctx.set_levels(ctx.lots[0], sl=103)   # move the stop up at bar 2's close

    r = sim(b, strategy=strat, orders=[dict(bar=0, side="buy", size=1, size_type="units", sl=95)])
    sl, = by_kind(r, "stop_loss")
    assert (sl["fill_bar"], sl["fill_price"]) == (3, 103)
    assert r["trades"][0]["sl"] == 103
    # moved into the price (above bar 3's open): the gap rule fills at bar 3's open
    r = sim(b, strategy=lambda ctx: ctx.j == 2 and ctx.set_levels(ctx.lots[0], sl=104.5),
            orders=[dict(bar=0, side="buy", size=1, size_type="units", sl=95)])
    assert by_kind(r, "stop_loss")[0]["fill_price"] == 104


def test_per_bar_trailing_level():
    b = bars(FLAT, (100, 102, 99, 101), (101, 104, 100, 103), (103, 104, 100.5, 102),
             (102, 103, 101.5, 102))
    path = np.array([np.nan, 97, 96, 101, 99.0])   # 96 and 99 are looser: ignored (ratchet)
    r = sim(b, orders=[dict(bar=0, side="buy", size=1, size_type="units", sl_path=path)])
    sl, = by_kind(r, "stop_loss")
    # level 97 from bar 2, 101 from bar 4; bar 3 (low 100.5) is above 97; bar 4 low 101.5 > 101
    assert sl["status"] == "cancelled" and r["trades"][0]["sl"] == 101
    b2 = bars(FLAT, (100, 102, 99, 101), (101, 104, 100, 103), (103, 104, 100.5, 102),
              (102, 103, 100.8, 102))
    r = sim(b2, orders=[dict(bar=0, side="buy", size=1, size_type="units", sl_path=path)])
    sl, = by_kind(r, "stop_loss")
    assert (sl["fill_bar"], sl["fill_price"]) == (4, 101)


def test_sl_path_tightens_a_user_set_stop_may_loosen():
    b = bars(FLAT, (100, 101, 99, 100), (100, 101, 99.5, 100), (97, 98, 95, 96),
             (96, 96.5, 93.5, 94), FLAT)
    path = np.array([np.nan, 97, np.nan, 94, np.nan, np.nan])
    order = [dict(bar=0, side="buy", size=1, size_type="units", sl_path=path)]
    # path alone: 97 from bar 2; bar 3 (low 95) hits it, the open 97 is on it -> 97
    r = sim(b, orders=order)
    sl, = by_kind(r, "stop_loss")
    assert (sl["fill_bar"], sl["fill_price"]) == (3, 97)
    # the user loosens to 90 at bar 2's close: bar 3 (low 95) passes; path[3] = 94
    # tightens from 90 (not from 97) -> 94 from bar 4; bar 4 (open 96, low 93.5) fills at 94
    r = sim(b, orders=order,
            strategy=lambda ctx: ctx.j == 2 and ctx.set_levels(ctx.lots[0], sl=90))
    sl, = by_kind(r, "stop_loss")
    assert (sl["fill_bar"], sl["fill_price"]) == (4, 94)
    assert r["trades"][0]["sl"] == 94


def test_trailing_stop_child():
    b = bars(FLAT, (100, 110, 99, 109), (109, 109, 104, 105), FLAT)
    r = sim(b, orders=[dict(bar=0, side="buy", size=1, size_type="units", tsl_stop=0.05)])
    ts, = by_kind(r, "trailing_stop")
    # bar 1 checked with peak 100 (stop 95), then peak 110; bar 2 low 104 <= 104.5
    assert (ts["fill_bar"], ts["fill_price"], ts["reason"]) == (2, 110 * 0.95, "trailing_stop")


def test_pyramiding_cap():
    b = bars(FLAT, FLAT, FLAT, FLAT, FLAT)
    r = sim(b, max_lots=2, orders=[dict(bar=i, side="buy", size=1, size_type="units")
                                   for i in range(3)])
    assert [o["status"] for o in r["orders"][:3]] == ["filled", "filled", "rejected"]
    assert r["orders"][2]["reason"] == "pyramiding_cap" and r["position"][3] == 2
    assert len(r["trades"]) == 2   # one per lot at the end


def test_partial_close_fifo_lots():
    b = bars(FLAT, (100, 100, 100, 100), (110, 110, 110, 110), (120, 120, 120, 120),
             (120, 120, 120, 120))
    r = sim(b, fees=0.001, orders=[
        dict(bar=0, side="buy", size=10, size_type="units"),
        dict(bar=1, side="buy", intent="add", size=10, size_type="units"),
        dict(bar=2, side="sell", intent="reduce", size=15, size_type="units")])
    t1, t2, t3 = r["trades"]
    # lot 0 (10 @ 100, fee 1.0) fully, lot 1 (10 @ 110, fee 1.1) 5 units, at 120 (fee 1.8)
    assert (t1["lot"], t1["size"], t1["entry_price"]) == (0, 10, 100)
    assert t1["fees"] == pytest.approx(1.0 + 1.8 * 10 / 15)
    assert t1["pnl"] == pytest.approx(200 - 1.0 - 1.2)
    assert (t2["lot"], t2["size"], t2["entry_price"], t2["exit_bar"]) == (1, 5, 110, 3)
    assert t2["fees"] == pytest.approx(0.55 + 0.6) and t2["pnl"] == pytest.approx(50 - 1.15)
    assert r["position"][3] == 5
    # the rest of lot 1 closes at the end (5 @ 120, fee 0.6 + its entry fees 0.55)
    assert (t3["lot"], t3["size"], t3["exit_reason"]) == (1, 5, "end_of_data")
    assert t3["fees"] == pytest.approx(0.55 + 0.6)
    assert r["equity"][-1] == pytest.approx(10_000 + 200 + 100 - 1.0 - 1.1 - 1.8 - 0.6)
    # percent reduce = a portion of the position (trade.close(0.5))
    r = sim(b, orders=[dict(bar=0, side="buy", size=10, size_type="units"),
                       dict(bar=1, side="sell", intent="reduce", size=0.5)])
    assert r["position"][2] == 5


def test_reversal():
    b = bars(FLAT, (100, 100, 100, 100), (110, 110, 110, 110), (105, 105, 105, 105))
    r = sim(b, orders=[dict(bar=0, side="buy", size=10, size_type="units", sl=90),
                       dict(bar=1, side="sell", size=4, size_type="units")])
    closer = [o for o in r["orders"] if o["intent"] == "close" and o["kind"] == "market"][0]
    assert (closer["parent"], closer["fill_price"], closer["size"]) == (2, 110, 10)  # ids: 0 buy, 1 its sl, 2 the sell
    assert by_kind(r, "stop_loss")[0]["reason"] == "position_closed"
    t1, t2 = r["trades"]
    assert (t1["side"], t1["pnl"]) == ("long", 100)
    assert (t2["side"], t2["size"], t2["entry_price"], t2["pnl"]) == ("short", 4, 110, 20)
    assert r["position"][2] == -4
    # "add" against the other side is rejected
    r = sim(b, orders=[dict(bar=0, side="buy", size=1, size_type="units"),
                       dict(bar=1, side="sell", intent="add", size=1, size_type="units")])
    assert (r["orders"][1]["status"], r["orders"][1]["reason"]) == ("rejected", "no_position")


def test_rejections():
    b = bars(FLAT, FLAT, FLAT)
    r = sim(b, orders=[dict(bar=0, side="buy", size=101, size_type="units"),
                       dict(bar=0, side="buy", size=0, size_type="units"),
                       dict(bar=0, side="sell", intent="close"),
                       dict(bar=0, side="buy", type="limit", limit=np.nan, size=1,
                            size_type="units"),
                       dict(bar=0, side="buy", size=50.0, size_type="value")])
    got = [(o["status"], o["reason"], o["fill_bar"]) for o in r["orders"]]
    assert got == [("rejected", "insufficient_cash", 1), ("rejected", "invalid_size", 0),
                   ("rejected", "no_position", 1), ("rejected", "missing_price", 0),
                   ("rejected", "insufficient_cash", 1)]   # 50 / 100 floors to 0 units
    assert r["orders"][0]["size"] == 101 and math.isnan(r["orders"][0]["fill_price"])
    assert r["equity"][-1] == 10_000


@pytest.mark.parametrize("units,price,fee", [
    (100, 50.0, 1.00),      # 100 x 0.005 = 0.50 -> the minimum 1.00
    (1000, 50.0, 5.00),     # 1000 x 0.005 = 5.00 (1 % of 50000 = 500 does not bind)
    (1000, 0.30, 3.00),     # 5.00 > 1 % of 300 = 3.00 -> the maximum
    (100, 0.50, 0.50),      # the minimum 1.00 > 1 % of 50 = 0.50 -> the maximum wins
])
def test_per_unit_fee_with_min_and_max(units, price, fee):
    # IB's fixed schedule: USD 0.005 per share, at least 1.00, at most 1 % of the trade value
    p = (price,) * 4
    b = bars(p, p, p)
    r = sim(b, init_cash=100_000, unit_fee=0.005, unit_fee_min=1.0, unit_fee_max=0.01,
            fixed_fees=0.5, fees=0.001,
            orders=[dict(bar=0, side="buy", size=units, size_type="units")])
    assert r["orders"][0]["fees"] == pytest.approx(fee + 0.5 + 0.001 * units * price)


def test_per_unit_fee_sizing_under_the_maximum():
    # all in at 0.30: the per-unit fee 0.005 > 1 % of 0.30 = 0.003, so the maximum binds:
    # u = 10000 / (0.30 + 0.003) = 33003.3 -> 33003 units, fee 0.01 x 33003 x 0.30 = 99.009
    p = (0.3,) * 4
    r = sim(bars(p, p), unit_fee=0.005, unit_fee_min=1.0, unit_fee_max=0.01,
            close_at_end=False, orders=[dict(bar=0, side="buy")])
    o = r["orders"][0]
    assert (o["size"], o["fees"]) == (33003, pytest.approx(99.009))
    assert r["cash"][1] == pytest.approx(10_000 - 9900.9 - 99.009)


def test_per_unit_fee_sizing_all_in():
    # all in at 1.0 with fee 0.005/unit, min 1: u = 10000 / 1.005 = 9950.2 -> 9950 units
    b = bars((1, 1, 1, 1), (1, 1, 1, 1))
    r = sim(b, unit_fee=0.005, unit_fee_min=1.0, fractional=False, close_at_end=False,
            orders=[dict(bar=0, side="buy")])
    o = r["orders"][0]
    assert (o["size"], o["fees"]) == (9950, pytest.approx(49.75))
    assert r["cash"][1] == pytest.approx(10_000 - 9950 - 49.75)


def test_spread_half_each_side_and_per_bar():
    b = bars(FLAT, FLAT, (110, 110, 110, 110), FLAT)
    r = sim(b, spread=0.002, orders=[dict(bar=0, side="buy", size=10, size_type="units"),
                                     dict(bar=1, side="sell", intent="close")])
    buy, sell = r["orders"][:2]
    assert buy["fill_price"] == pytest.approx(100.1) and sell["fill_price"] == pytest.approx(109.89)
    assert r["trades"][0]["pnl"] == pytest.approx(10 * (109.89 - 100.1))
    sp = np.array([0, 0.01, 0.004, 0])
    r = sim(b, spread=sp, slippage=0.001,
            orders=[dict(bar=0, side="buy", size=10, size_type="units")])
    assert r["orders"][0]["fill_price"] == pytest.approx(100 * 1.005 * 1.001)
    # a stop triggers on the raw bar prices and then pays the half spread
    r = sim(bars(FLAT, FLAT, (100, 100, 98, 99), FLAT), spread=0.002,
            orders=[dict(bar=0, side="buy", size=1, size_type="units", sl=99)])
    assert by_kind(r, "stop_loss")[0]["fill_price"] == pytest.approx(99 * 0.999)


def test_spread_in_price_units():
    b = bars(FLAT, FLAT, (110, 110, 110, 110), FLAT)
    r = sim(b, spread_abs=0.10, orders=[dict(bar=0, side="buy", size=10, size_type="units"),
                                        dict(bar=1, side="sell", intent="close")])
    buy, sell = r["orders"][:2]
    # half the spread each side: 100 + 0.05, 110 - 0.05
    assert buy["fill_price"] == pytest.approx(100.05) and sell["fill_price"] == pytest.approx(109.95)
    assert r["trades"][0]["pnl"] == pytest.approx(10 * 9.9)
    # per bar, with slippage on top: (100 + 0.25) x 1.001
    r = sim(b, spread_abs=np.array([0, 0.5, 0.2, 0]), slippage=0.001,
            orders=[dict(bar=0, side="buy", size=10, size_type="units")])
    assert r["orders"][0]["fill_price"] == pytest.approx(100.25 * 1.001)
    with pytest.raises(ValueError, match="not both"):
        sim(b, spread=0.001, spread_abs=0.1)


def test_borrow_fee_on_shorts():
    # short 10 units at 100 (bar 1's open); bars 2, 3 are 1 day apart, bar 4 is 3 days later
    idx = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04",
                            "2024-01-07"])
    b = bars(FLAT, FLAT, (100, 100, 100, 102), (100, 100, 100, 101), (100, 100, 100, 100))
    r = sim(b, index=idx, borrow_rate=0.365,
            orders=[dict(bar=0, side="sell", size=10, size_type="units")])
    amounts = [(c["bar"], round(c["amount"], 10)) for c in r["charges"]]
    # rate per day 0.001: bar 2 pays on 10 x close[1]=100, bar 3 on 10 x 102, bar 4: 3 days x 101
    assert amounts == [(2, 1.0), (3, 1.02), (4, round(3 * 1.01, 10))]
    assert r["equity"][-1] == pytest.approx(10_000 - 1.0 - 1.02 - 3.03)
    # charged at the open of bars 2, 3, 4 (before their fills) and attributed to the lot
    assert r["cash"][2] == pytest.approx(10_000 + 1_000 - 1.0)
    t = r["trades"][0]
    assert (t["borrow"], t["funding"]) == (pytest.approx(5.05), 0)
    assert t["pnl"] == pytest.approx(0 - 5.05)   # net of the borrow fee


def test_funding_at_its_own_timestamps():
    # bar timestamps are the bars' open times: bar j covers [t_j, t_{j+1})
    idx = pd.date_range("2024-01-01", periods=4, freq="D")
    b = bars(FLAT, (100, 103, 99, 102), (105, 112, 104, 110), (110, 110, 110, 110))
    times = [pd.Timestamp("2023-12-31"), pd.Timestamp("2024-01-02 00:00"),
             pd.Timestamp("2024-01-03 00:00"), pd.Timestamp("2024-01-03 16:00")]
    rates = [0.5, 0.001, -0.002, 0.001]
    r = sim(b, index=idx, funding_times=times, funding_rates=rates,
            orders=[dict(bar=0, side="buy", size=2, size_type="units")])
    got = [(c["bar"], round(c["amount"], 10)) for c in r["charges"]]
    # before the first bar: ignored; 01-02 00:00 = t_1: the 2 units bought at bar 1's open
    # count, valued at open[1] = 100 -> 0.2; 01-03 00:00 = t_2: at open[2] = 105 -> -0.42;
    # 01-03 16:00 inside bar 2: at the previous close, close[1] = 102 -> 0.204
    assert got == [(1, 0.2), (2, -0.42), (2, 0.204)]
    assert r["equity"][2] == pytest.approx(10_000 + 20 - 0.2 + 0.42 - 0.204)
    t, = r["trades"]   # closed at the end (110): PnL net of the funding
    assert t["funding"] == pytest.approx(-0.016) and t["pnl"] == pytest.approx(20.016)
    # sold at bar 2's open: flat at 01-03 00:00 and 16:00, only bar 1's event is paid
    r = sim(b, index=idx, funding_times=times, funding_rates=rates,
            orders=[dict(bar=0, side="buy", size=2, size_type="units"),
                    dict(bar=1, side="sell", intent="close")])
    assert [(c["bar"], round(c["amount"], 10)) for c in r["charges"]] == [(1, 0.2)]
    t, = r["trades"]
    assert (t["funding"], t["pnl"]) == (pytest.approx(0.2), pytest.approx(2 * 5 - 0.2))


def test_charges_split_over_lots_pro_rata():
    idx = pd.date_range("2024-01-01", periods=5, freq="D")
    b = bars(FLAT, FLAT, FLAT, FLAT, FLAT)
    r = sim(b, index=idx, fractional=True, funding_times=[pd.Timestamp("2024-01-03")],
            funding_rates=[0.01],
            orders=[dict(bar=0, side="buy", size=3, size_type="units"),
                    dict(bar=0, side="buy", size=1, size_type="units"),
                    dict(bar=2, side="sell", intent="reduce", size=1.5, size_type="units")])
    # 01-03 = t_2: 4 units x 100 x 0.01 = 4.0; lot 0 (3 units) 3.0, lot 1 (1 unit) 1.0
    assert [c["amount"] for c in r["charges"]] == [pytest.approx(4.0)]
    got = [(t["lot"], t["size"], round(t["funding"], 10), round(t["pnl"], 10))
           for t in r["trades"]]
    # the reduce takes 1.5 of lot 0's 3 units and half its 3.0; the rest at the end
    assert got == [(0, 1.5, 1.5, -1.5), (0, 1.5, 1.5, -1.5), (1, 1, 1.0, -1.0)]
    assert r["equity"][-1] == pytest.approx(10_000 - 4.0)


def test_futures_multiplier_and_margin():
    b = bars(FLAT, FLAT, (100, 100, 100, 102), (100, 100, 98, 99))
    r = sim(b, multiplier=50, margin=2_000, unit_fee=2.0,
            orders=[dict(bar=0, side="buy", size=2, size_type="units")])
    o = r["orders"][0]
    assert (o["fill_price"], o["fees"]) == (100, 4.0)
    assert r["cash"][1] == 10_000 - 4_000 - 4 and r["margin"][1] == 4_000
    assert r["equity"][2] == 10_000 - 4 + 2 * 2 * 50        # cash + margin + open PnL
    t, = r["trades"]
    assert t["pnl"] == 2 * (99 - 100) * 50 - 8 and t["return"] == pytest.approx(t["pnl"] / 10_000)
    assert r["cash"][3] == 10_000 - 100 - 8 and r["margin"][3] == 0
    # all in: units = cash / (margin + fees) -> floor(10000 / 2000) = 5 contracts
    r = sim(b, multiplier=50, margin=2_000, orders=[dict(bar=0, side="buy")])
    assert r["orders"][0]["size"] == 5
    r = sim(b, multiplier=50, margin=2_000,
            orders=[dict(bar=0, side="buy", size=6, size_type="units")])
    assert r["orders"][0]["reason"] == "insufficient_cash"


def test_order_of_events_in_a_bar():
    # bar 2: the lot's stop-loss (step 2) fires before the working buy limit (step 3),
    # which then opens a new lot with the cash the stop freed (100 units stopped at 98)
    b = bars(FLAT, FLAT, (99, 99, 90, 95), FLAT)
    r = sim(b, orders=[dict(bar=0, side="buy", size=1.0, sl=98),
                       dict(bar=1, side="buy", type="limit", limit=92, size=1.0)])
    sl, = by_kind(r, "stop_loss")
    lim, = by_kind(r, "limit")
    assert (sl["fill_bar"], sl["fill_price"]) == (2, 98)
    assert (lim["fill_bar"], lim["fill_price"], lim["size"]) == (2, 92, math.floor(9_800 / 92))


# ------------------------------------------------------------------------------ (c) properties

_spec = st.fixed_dictionaries(dict(
    bar=st.integers(0, 39), side=st.sampled_from(["buy", "sell"]),
    type=st.sampled_from(["market", "limit", "stop", "stop_limit"]),
    intent=st.sampled_from(["open", "open", "add", "reduce", "close", "net"]),
    size=st.sampled_from([None, (1.0, "units"), (3.0, "units"), (0.3, "percent"),
                          (2_000.0, "value"), (0.5, "target_percent"), (0.0, "units"),
                          (0.0, "target_percent")]),
    k1=st.floats(-0.04, 0.04), k2=st.floats(-0.04, 0.04),
    tif=st.sampled_from([None, 1, 3]),
    bracket=st.sampled_from([{}, dict(sl_stop=0.03), dict(tp_stop=0.04),
                             dict(sl_stop=0.02, tp_stop=0.03, tsl_stop=0.03),
                             dict(tsl_offset=2.0)]),
))


def _orders_from(draw_specs, c):
    out = []
    for s in draw_specs:
        d = dict(bar=s["bar"], side=s["side"], type=s["type"], intent=s["intent"],
                 tif=s["tif"], **s["bracket"])
        if s["size"] is not None:
            d["size"], d["size_type"] = s["size"]
        ref = c[s["bar"]]
        d["limit"] = ref * (1 + s["k1"])
        d["stop"] = ref * (1 + s["k2"])
        out.append(d)
    return out


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), specs=st.lists(_spec, max_size=30),
       costs=st.sampled_from([{}, dict(fees=0.001, fixed_fees=1.0),
                              dict(unit_fee=0.01, unit_fee_min=1.0, unit_fee_max=0.01),
                              dict(spread=0.002, slippage=0.001), dict(borrow_rate=0.1)]),
       execution=st.sampled_from(["open", "close"]), fractional=st.booleans(),
       intrabar=st.sampled_from(["backtesting", "ohlc", "nearest"]),
       max_lots=st.sampled_from([None, 2]))
def test_invariants_on_random_order_streams(seed, specs, costs, execution, fractional,
                                            intrabar, max_lots):
    df = backtest_cases.ohlc(40, seed)
    o, h, lo, c = (df[k].to_numpy() for k in ("open", "high", "low", "close"))
    checks = []

    def watch(ctx):  # FIFO lots sum to the position at every close
        checks.append((sum(L["dir"] * L["size"] for L in ctx.lots), ctx.position))

    r = simulate(o, h, lo, c, index=df.index, orders=_orders_from(specs, c), strategy=watch,
                 execution=execution, fractional=fractional, intrabar=intrabar,
                 max_lots=max_lots, **costs)
    for lots, pos in checks:
        assert lots == pytest.approx(pos, abs=1e-9)
    # equity == cash + position value at every close
    np.testing.assert_allclose(r["equity"], r["cash"] + r["position"] * c, rtol=1e-12,
                               atol=1e-9)
    half = costs.get("spread", 0.0) / 2
    slip = costs.get("slippage", 0.0)
    fee_sum = 0.0
    for rec in r["orders"]:
        assert rec["status"] in ("filled", "cancelled", "expired", "rejected")
        if rec["status"] != "filled":
            continue
        j = rec["fill_bar"]
        adj = (1 + half) * (1 + slip) if rec["side"] == "buy" else (1 - half) * (1 - slip)
        base = rec["fill_price"] / adj
        assert lo[j] * (1 - 1e-12) <= base <= h[j] * (1 + 1e-12), rec
        assert rec["fees"] >= 0 and rec["size"] > 0
        fee_sum += rec["fees"]
    # every lot closed at the end: fees of the fills == fees of the trades, the charges
    # are the trades' borrow + funding, and the equity change == trade PnL (net of them)
    assert r["position"][-1] == 0
    assert sum(t["fees"] for t in r["trades"]) == pytest.approx(fee_sum, abs=1e-6)
    pnl = sum(t["pnl"] for t in r["trades"])
    charged = sum(ch["amount"] for ch in r["charges"])
    assert sum(t["borrow"] + t["funding"] for t in r["trades"]) == pytest.approx(charged,
                                                                               abs=1e-9)
    if r["equity"][-1] > 0:
        assert r["equity"][-1] == pytest.approx(10_000 + pnl, abs=1e-6)
    # children never outlive their lot; OCO: at most one child of a parent fills
    filled_children = {}
    for rec in r["orders"]:
        if rec["kind"] in ("stop_loss", "take_profit", "trailing_stop") and rec["status"] == "filled":
            filled_children[rec["parent"]] = filled_children.get(rec["parent"], 0) + 1
    assert all(v == 1 for v in filled_children.values())


def test_futures_target_percent_is_a_notional():
    # equity 10000, target 2.0 x equity = 20000 notional at 100 x 50 per contract = 4 contracts
    b = bars(FLAT, FLAT, FLAT)
    r = sim(b, multiplier=50, margin=1_000,
            orders=[dict(bar=0, side="buy", size=2.0, size_type="target_percent")])
    assert r["orders"][0]["size"] == 4 and r["margin"][1] == 4_000


# ------------------------------------------------------------------------------ several symbols

from order_reference import simulate_many


def test_shared_cash_sells_before_buys():
    flat = (np.full(4, 100.0),) * 4
    up = tuple(np.array([100.0, 100, 110, 110]) for _ in range(4))
    orders = {"A": [dict(bar=1, side="buy")],                      # all in, symbol A first
              "B": [dict(bar=0, side="buy"), dict(bar=1, side="sell", intent="close")]}
    r = simulate_many({"A": flat, "B": up}, index=IDX[:4], orders=orders)
    a_buy = r["A"]["orders"][0]
    b_close = r["B"]["orders"][1]
    # bar 2's open: B's close (a sell) goes first although A comes first in symbol order:
    # 100 units of B sold at 110 -> cash 11000 -> A buys 110 units at 100
    assert (b_close["fill_bar"], b_close["fill_price"]) == (2, 110)
    assert (a_buy["status"], a_buy["fill_bar"], a_buy["size"]) == ("filled", 2, 110)
    assert r["cash"][2] == 0 and r["equity"][3] == 11_000
    assert list(r["A"]["position"]) == [0, 0, 110, 0]
    # without cash sharing each symbol has its own 10000
    r2 = simulate_many({"A": flat, "B": up}, index=IDX[:4], orders=orders, cash_sharing=False)
    assert r2["A"]["orders"][0]["size"] == 100 and r2["equity"][-1] == 21_000


def test_shared_cash_buy_rejected_when_the_other_symbol_holds_the_cash():
    flat = (np.full(3, 100.0),) * 4
    r = simulate_many({"A": flat, "B": flat}, index=IDX[:3],
                      orders={"A": [dict(bar=0, side="buy")],
                              "B": [dict(bar=0, side="buy", size=1, size_type="units")]})
    # by value, B's 1 x 100 goes before A's 1.0 x 10000: B 1 unit, A all in with 9900
    assert r["B"]["orders"][0]["size"] == 1 and r["A"]["orders"][0]["size"] == 99
    # the orders of bar 1 (A all in first, at bar 1; B's unit at bar 2): B finds no cash
    r = simulate_many({"A": flat, "B": flat}, index=IDX[:3],
                      orders={"A": [dict(bar=0, side="buy")],
                              "B": [dict(bar=1, side="buy", size=1, size_type="units")]},
                      close_at_end=False)
    assert r["A"]["orders"][0]["size"] == 100
    assert (r["B"]["orders"][0]["status"], r["B"]["orders"][0]["reason"]) == (
        "rejected", "insufficient_cash")


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), specs=st.lists(st.tuples(st.sampled_from("XYZ"), _spec),
                                                    max_size=30))
def test_shared_cash_invariants(seed, specs):
    bars_ = {s: tuple(backtest_cases.ohlc(40, seed + k)[col].to_numpy()
                      for col in ("open", "high", "low", "close"))
             for k, s in enumerate("XYZ")}
    orders = {s: _orders_from([sp for sym, sp in specs if sym == s], bars_[s][3]) for s in "XYZ"}
    r = simulate_many(bars_, index=backtest_cases.ohlc(40, seed).index, orders=orders,
                      costs={s: dict(fees=0.001) for s in "XYZ"})
    value = sum(r[s]["position"] * bars_[s][3] for s in "XYZ")
    np.testing.assert_allclose(r["equity"], r["cash"] + value, rtol=1e-12, atol=1e-9)
    pnl = sum(t["pnl"] for s in "XYZ" for t in r[s]["trades"])
    if r["equity"][-1] > 0:
        assert r["equity"][-1] == pytest.approx(10_000 + pnl, abs=1e-6)


def test_shared_cash_orders_sorted_by_value():
    # three symbols, one bar per row, fills at the close (vectorbt's from_orders default)
    c = {"A": [100.0, 110, 120], "B": [50.0, 40, 45], "C": [20.0, 25, 30]}
    bars_ = {k: (np.array(v),) * 4 for k, v in c.items()}
    orders = {"A": [dict(bar=0, side="buy", size=1.0, size_type="percent"),
                    dict(bar=1, side="sell", intent="reduce", size=10, size_type="units")],
              "B": [dict(bar=0, side="buy", size=3000, size_type="value"),
                    dict(bar=1, side="sell", intent="close")],
              "C": [dict(bar=1, side="buy", size=1000, size_type="value")]}
    r = simulate_many(bars_, index=IDX[:3], orders=orders, execution="close",
                      close_at_end=False, costs={k: dict(fractional=True) for k in c})
    # bar 0: values A 1.0 x cash = 10000, B 3000 -> B first: 60 units at 50, cash 7000,
    # then A all in: 70 units at 100, cash 0 (sells-before-buys in symbol order would fill
    # A with the whole 10000 and reject B)
    a0, b0 = r["A"]["orders"][0], r["B"]["orders"][0]
    assert (b0["size"], b0["fill_price"], a0["size"], a0["fill_price"]) == (60, 50, 70, 100)
    # bar 1: B's close -60 x 40 = -2400, A's -10 x 110 = -1100, C's +1000: B, A, C;
    # cash 2400 + 1100 - 1000 = 2500, C buys 40 units at 25
    assert r["C"]["orders"][0]["size"] == 40
    assert list(r["cash"]) == [0, 2500, 2500]
    assert list(r["equity"]) == [10_000, 60 * 110 + 40 * 25 + 2500, 60 * 120 + 40 * 30 + 2500]
    assert [list(r[k]["position"]) for k in "ABC"] == [[70, 60, 60], [60, 0, 0], [0, 40, 40]]
    seq = sorted((o["seq"], k) for k in "ABC" for o in r[k]["orders"] if o["status"] == "filled")
    assert [k for _, k in seq] == ["B", "A", "B", "A", "C"]


def test_shared_cash_order_by_value_matches_vectorbt():
    vbt = pytest.importorskip("vectorbt")
    from vectorbt.portfolio.enums import SizeType as ST
    close = pd.DataFrame({"A": [100.0, 110, 120], "B": [50.0, 40, 45], "C": [20.0, 25, 30]})
    nan = np.nan
    size = pd.DataFrame({"A": [1.0, -10, nan], "B": [3000.0, 0, nan], "C": [nan, 1000, nan]})
    stype = pd.DataFrame({"A": [ST.Percent, ST.Amount, ST.Amount],
                          "B": [ST.Value, ST.TargetAmount, ST.Amount],
                          "C": [ST.Amount, ST.Value, ST.Amount]})
    pf = vbt.Portfolio.from_orders(close, size, size_type=stype, init_cash=10_000,
                                   cash_sharing=True, group_by=True, call_seq="auto")
    got = [(int(x["idx"]), close.columns[int(x["col"])], float(x["size"]), float(x["price"]))
           for x in pf.orders.values]
    # vectorbt's fill sequence: B, A at bar 0; B, A, C at bar 1
    assert got == [(0, "B", 60, 50), (0, "A", 70, 100), (1, "B", 60, 40), (1, "A", 10, 110),
                   (1, "C", 40, 25)]
    bars_ = {k: (close[k].to_numpy(),) * 4 for k in "ABC"}
    orders = {"A": [dict(bar=0, side="buy", size=1.0, size_type="percent"),
                    dict(bar=1, side="sell", intent="reduce", size=10, size_type="units")],
              "B": [dict(bar=0, side="buy", size=3000, size_type="value"),
                    dict(bar=1, side="sell", intent="close")],
              "C": [dict(bar=1, side="buy", size=1000, size_type="value")]}
    r = simulate_many(bars_, index=IDX[:3], orders=orders, execution="close",
                      close_at_end=False, costs={k: dict(fractional=True) for k in "ABC"})
    mine = sorted((o["seq"], o["fill_bar"], k, o["size"], o["fill_price"])
                  for k in "ABC" for o in r[k]["orders"] if o["status"] == "filled")
    assert [m[1:] for m in mine] == got   # order for order
    np.testing.assert_allclose(r["cash"], pf.cash().to_numpy())
    np.testing.assert_allclose(r["equity"], pf.value().to_numpy())
    for k in "ABC":
        np.testing.assert_allclose(r[k]["position"], pf.assets()[k].to_numpy())


def test_vectorbt_target_percent_reduces_by_the_difference():
    vbt = pytest.importorskip("vectorbt")
    from vectorbt.portfolio.enums import SizeType as ST
    close = pd.Series([100.0, 110, 120])
    pf = vbt.Portfolio.from_orders(close, pd.Series([30.0, 20, 0.25]), init_cash=10_000,
                                   size_type=pd.Series([ST.Amount, ST.Amount, ST.TargetPercent]))
    p = close.to_numpy()
    r = simulate(p, p, p, p, index=IDX[:3], execution="close", fractional=True,
                 close_at_end=False, orders=[
                     dict(bar=0, side="buy", size=30, size_type="units"),
                     dict(bar=1, side="buy", size=20, size_type="units"),
                     dict(bar=2, side="buy", size=0.25, size_type="target_percent")])
    # bar 2: equity 4800 + 50 x 120 = 10800, target 22.5 units: sell 27.5
    assert r["orders"][2]["size"] == pytest.approx(27.5)
    assert pf.orders.values["size"][2] == pytest.approx(27.5)
    np.testing.assert_allclose(r["position"], pf.assets().to_numpy())
    np.testing.assert_allclose(r["cash"], pf.cash().to_numpy())
