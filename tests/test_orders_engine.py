"""The C++ order core equals the plain-Python reference (tests/order_reference.py).

Random order streams of every type (hypothesis), with brackets, pyramiding, partial
closes, reversals, every cost, futures, and several symbols sharing cash; random
strategies that also cancel orders and move or remove stop and target levels (the same
strategy function on both, through a context over the core's order book). Parity rule (docs/design.md):
the same records (codes, bars, ids, statuses, reasons) exactly, values within 1e-9 of
their scale.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

import backtest_cases
from order_reference import simulate_many
from test_order_reference import _orders_from, _spec

from threadx.backtest import _orders
from threadx.errors import ValidationError

RTOL = 1e-9
COST_KEYS = ("fees", "fixed_fees", "unit_fee", "unit_fee_min", "unit_fee_max", "spread", "spread_abs",
             "slippage", "leverage", "fractional", "max_lots", "borrow_rate", "multiplier", "margin")


def engine_many(bars: dict, *, index=None, orders=None, costs=None, init_cash=10_000.0,
                cash_sharing=True, execution="open", intrabar="backtesting", close_at_end=True):
    """``order_reference.simulate_many``'s signature, run by the C++ core."""
    orders, costs = orders or {}, costs or {}
    times = None if index is None else pd.DatetimeIndex(index).as_unit("ns").asi8
    syms = []
    for s, (o, h, lo, c) in bars.items():
        cst = dict(costs.get(s, {}))
        ft, fr = cst.pop("funding_times", None), cst.pop("funding_rates", None)
        if ft is not None:
            cst["funding_times"] = pd.DatetimeIndex(ft).as_unit("ns").asi8
            cst["funding_rates"] = np.asarray(fr, dtype=float)
        syms.append(dict(name=str(s), open=np.asarray(o, float), high=np.asarray(h, float),
                         low=np.asarray(lo, float), close=np.asarray(c, float), times=times,
                         orders=_orders.order_columns(orders.get(s, ())), costs=cst))
    groups = [syms] if cash_sharing else [[x] for x in syms]
    res = _orders.run_groups(groups, init_cash=init_cash, execution=execution, intrabar=intrabar,
                             close_at_end=close_at_end)
    out: dict = {}
    flat = [(g, k) for g in res for k in range(len(g["symbols"]))]
    for s, (g, k) in zip(bars, flat):
        sym = g["symbols"][k]
        out[s] = dict(position=sym["position"], margin=sym["margin"],
                      orders=_orders.decode(sym["orders"], "orders").to_dict("records"),
                      trades=_orders.decode(sym["trades"], "trades").to_dict("records"),
                      charges=_orders.decode(sym["charges"], "charges").to_dict("records"))
    out["equity"] = sum(g["equity"] for g in res)
    out["cash"] = sum(g["cash"] for g in res)
    return out


def _close(a, b, scale):
    a, b = float(a), float(b)
    if math.isnan(b) or math.isnan(a):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= RTOL * max(abs(b), scale)


def _norm_order(r):
    return dict(r, parent=-1 if r["parent"] is None else r["parent"],
                fill_bar=-1 if r["fill_bar"] is None else r["fill_bar"],
                reason="" if r["reason"] is None else r["reason"],
                tag=-1 if r.get("tag") is None else r["tag"], seq=r.get("seq", -1))


def assert_same(got: dict, exp: dict, syms, cash0=10_000.0):
    for name in ("equity", "cash"):
        g, e = np.asarray(got[name]), np.asarray(exp[name])
        ok = np.abs(g - e) <= RTOL * np.maximum(np.abs(e), cash0)
        assert ok.all(), f"{name} differs first at bar {int(np.argmin(ok))}: {g[~ok][:3]} vs {e[~ok][:3]}"
    for s in syms:
        gs, es = got[s], exp[s]
        for name in ("position", "margin"):
            np.testing.assert_allclose(gs[name], es[name], rtol=RTOL, atol=1e-9, err_msg=f"{s} {name}")
        assert len(gs["orders"]) == len(es["orders"]), (s, gs["orders"], es["orders"])
        for g, e in zip(gs["orders"], es["orders"]):
            e = _norm_order(e)
            for k in ("id", "parent", "kind", "side", "intent", "placed_bar", "status", "fill_bar", "reason", "seq"):
                assert g[k] == e[k], (s, k, g, e)
            for k in ("size", "fill_price", "fees"):
                assert _close(g[k], e[k], cash0), (s, k, g, e)
        assert len(gs["trades"]) == len(es["trades"]), (s, gs["trades"], es["trades"])
        for g, e in zip(gs["trades"], es["trades"]):
            for k in ("lot", "side", "entry_bar", "exit_bar", "exit_reason"):
                assert g[k] == e[k], (s, k, g, e)
            for k in ("size", "entry_price", "exit_price", "fees", "borrow", "funding", "pnl", "return", "sl", "tp",
                      "tsl"):
                assert _close(g[k], e[k], 1.0 if k in ("size", "return") else cash0), (s, k, g, e)
        assert len(gs["charges"]) == len(es["charges"])
        for g, e in zip(gs["charges"], es["charges"]):
            assert (g["bar"], g["kind"]) == (e["bar"], e["kind"])
            assert _close(g["amount"], e["amount"], 1.0)


def both(bars: dict, **kw):
    exp = simulate_many(bars, **kw)
    got = engine_many(bars, **kw)
    assert_same(got, exp, list(bars), kw.get("init_cash", 10_000.0))
    return got


def one(o, h, lo, c, **kw):
    orders = kw.pop("orders", ())
    costs = {k: kw.pop(k) for k in list(kw) if k in COST_KEYS or k.startswith("funding")}
    return both({0: (o, h, lo, c)}, orders={0: orders}, costs={0: costs}, **kw)


COSTS = [{}, dict(fees=0.001, fixed_fees=1.0), dict(unit_fee=0.01, unit_fee_min=1.0, unit_fee_max=0.01),
         dict(spread=0.002, slippage=0.001), dict(spread_abs=0.05), dict(borrow_rate=0.1),
         dict(multiplier=5.0, margin=500.0, unit_fee=1.0), dict(leverage=2.0, fees=0.0005)]


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), specs=st.lists(_spec, max_size=30), costs=st.sampled_from(COSTS),
       execution=st.sampled_from(["open", "close"]), fractional=st.booleans(),
       intrabar=st.sampled_from(["backtesting", "ohlc", "olhc", "nearest"]),
       max_lots=st.sampled_from([None, 2]), close_at_end=st.booleans())
def test_engine_equals_reference_on_random_order_streams(seed, specs, costs, execution, fractional, intrabar,
                                                         max_lots, close_at_end):
    df = backtest_cases.ohlc(40, seed)
    o, h, lo, c = (df[k].to_numpy() for k in ("open", "high", "low", "close"))
    one(o, h, lo, c, index=df.index, orders=_orders_from(specs, c), execution=execution,
        fractional=fractional, intrabar=intrabar, max_lots=max_lots, close_at_end=close_at_end, **costs)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), specs=st.lists(st.tuples(st.sampled_from("XYZ"), _spec), max_size=30),
       cash_sharing=st.booleans(), execution=st.sampled_from(["open", "close"]), costs=st.sampled_from(COSTS[:4]))
def test_engine_equals_reference_with_shared_cash(seed, specs, cash_sharing, execution, costs):
    bars_ = {s: tuple(backtest_cases.ohlc(40, seed + k)[col].to_numpy() for col in ("open", "high", "low", "close"))
             for k, s in enumerate("XYZ")}
    orders = {s: _orders_from([sp for sym, sp in specs if sym == s], bars_[s][3]) for s in "XYZ"}
    both(bars_, index=backtest_cases.ohlc(40, seed).index, orders=orders, costs={s: costs for s in "XYZ"},
         cash_sharing=cash_sharing, execution=execution)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), specs=st.lists(_spec, max_size=20),
       every=st.sampled_from(["4h", "8h", "1D", "36h"]), rate=st.floats(-0.001, 0.001))
def test_engine_equals_reference_with_funding(seed, specs, every, rate):
    df = backtest_cases.ohlc(40, seed)
    o, h, lo, c = (df[k].to_numpy() for k in ("open", "high", "low", "close"))
    times = pd.date_range(df.index[0] - pd.Timedelta("1D"), df.index[-1] + pd.Timedelta("1D"), freq=every)
    rates = np.full(len(times), rate) * np.where(np.arange(len(times)) % 3 == 0, -1.0, 1.0)
    one(o, h, lo, c, index=df.index, orders=_orders_from(specs, c), funding_times=list(times),
        funding_rates=list(rates), fractional=True)


def test_bad_order_fields_are_reported_together():
    df = backtest_cases.ohlc(10, 1)
    sym = dict(open=df["open"].to_numpy(), high=df["high"].to_numpy(), low=df["low"].to_numpy(),
               close=df["close"].to_numpy(), times=None,
               orders=_orders.order_columns([dict(bar=12, side="buy", tif=0, sl_stop=1.5),
                                              dict(bar=1, side="buy", tsl_stop=0.1, tsl_offset=1.0)]),
               costs=dict(fees=-1.0, margin=0.0))
    with pytest.raises(ValidationError) as ei:
        _orders.run_groups([[sym]])
    fields = {e["field"] for e in ei.value.errors}
    assert {"0: order 0: bar", "0: order 0: tif", "0: order 0: sl_stop", "0: order 1: tsl_offset", "0: fees",
            "0: margin"} <= fields, fields


def test_unknown_names_in_order_specs():
    with pytest.raises(ValidationError) as ei:
        _orders.order_columns([dict(bar=0, side="hold", type="iceberg", colour=1)])
    fields = {e["field"] for e in ei.value.errors}
    assert {"order 0: side", "order 0: type", "order 0: colour"} <= fields


# ------------------------------------------------------------------------------ strategies

class EngineCtx:
    """order_reference.Ctx's interface over the C++ core's order book (tests only)."""

    def __init__(self, book, j):
        self._b, self.j = book, j

    @property
    def position(self):
        return float(self._b.position)

    @property
    def lots(self):
        return [dict(id=r[0], dir=r[1], size=r[2], entry_bar=r[3], entry_price=r[4], sl=r[5], tp=r[6])
                for r in self._b.lots()]

    @property
    def working(self):
        return list(self._b.working())

    def place(self, **spec):
        cols = _orders.order_columns([dict(spec, bar=self.j)])
        one = {k: v[0].item() for k, v in cols.items()}
        return self._b.place(self.j, one["side"], one["type"], one["intent"], one["size_type"], one["size"],
                             one["limit"], one["stop"], one["tif_bars"], one["tif_ns"], one["sl"], one["tp"],
                             one["sl_stop"], one["tp_stop"], one["tsl_stop"], one["tsl_offset"], one["tag"],
                             one["lot"])

    def cancel(self, order, reason="user"):
        self._b.cancel(order, self.j)

    def set_levels(self, lot, **levels):
        for k, v in levels.items():
            (self._b.set_sl if k == "sl" else self._b.set_tp)(lot["id"], float(v), self.j)


def random_strategy(seed, c):
    """At each close: maybe place a random order (every type, intent, size type, brackets),
    maybe cancel a working order, maybe move a lot's stop or target (or remove it). The
    decisions depend only on the seed and the state, so both engines see the same ones as
    long as they agree."""
    def strategy(ctx):
        rng = np.random.default_rng([seed, ctx.j])
        if rng.random() < 0.35:
            side = "buy" if rng.random() < 0.55 else "sell"
            typ = rng.choice(["market", "market", "limit", "stop", "stop_limit"])
            spec = dict(side=side, type=str(typ), intent=str(rng.choice(["open", "open", "net", "reduce", "close",
                                                                        "add"])))
            kind = rng.integers(0, 4)
            spec["size"], spec["size_type"] = [(float(rng.integers(1, 6)), "units"), (0.3, "percent"),
                                               (1500.0, "value"), (0.4, "target_percent")][kind]
            ref = c[ctx.j]
            spec["limit"] = ref * (1 + rng.uniform(-0.03, 0.03))
            spec["stop"] = ref * (1 + rng.uniform(-0.03, 0.03))
            if rng.random() < 0.5:
                spec["tif"] = int(rng.integers(1, 4))
            if rng.random() < 0.4:
                spec["sl_stop"] = 0.03
            if rng.random() < 0.3:
                spec["tp_stop"] = 0.05
            if rng.random() < 0.15:
                spec["tsl_stop"] = 0.04
            ctx.place(**spec)
        work = ctx.working
        if work and rng.random() < 0.2:
            ctx.cancel(work[int(rng.integers(0, len(work)))])
        lots = ctx.lots
        if lots and rng.random() < 0.15:  # close part of one lot (a trade's close), not FIFO
            lot = lots[int(rng.integers(0, len(lots)))]
            ctx.place(side="sell" if lot["dir"] > 0 else "buy", intent="reduce", size=float(rng.choice([0.5, 1.0])),
                      size_type="percent", lot=lot["id"])
        if lots and rng.random() < 0.25:
            lot = lots[int(rng.integers(0, len(lots)))]
            d = lot["dir"]
            choice = rng.integers(0, 3)
            if choice == 0:
                ctx.set_levels(lot, sl=c[ctx.j] * (1 - d * rng.uniform(0.005, 0.04)))
            elif choice == 1:
                ctx.set_levels(lot, tp=c[ctx.j] * (1 + d * rng.uniform(0.005, 0.06)))
            else:
                ctx.set_levels(lot, sl=math.nan)
    return strategy


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), costs=st.sampled_from(COSTS), execution=st.sampled_from(["open", "close"]),
       intrabar=st.sampled_from(["backtesting", "ohlc", "nearest"]), max_lots=st.sampled_from([None, 3]))
def test_engine_equals_reference_on_random_strategies(seed, costs, execution, intrabar, max_lots):
    """Strategies that cancel orders and move (or remove) stop and target levels at random."""
    from order_reference import simulate

    df = backtest_cases.ohlc(50, seed)
    o, h, lo, c = (df[k].to_numpy() for k in ("open", "high", "low", "close"))
    cst = dict(costs, max_lots=max_lots)
    exp = simulate(o, h, lo, c, index=df.index, strategy=random_strategy(seed, c), execution=execution,
                   intrabar=intrabar, **cst)
    sym = dict(name="0", open=o, high=h, low=lo, close=c, times=df.index.as_unit("ns").asi8,
               costs={k: v for k, v in cst.items() if v is not None},
               decider=lambda j, book: random_strategy(seed, c)(EngineCtx(book, j)))
    g = _orders.run_groups([[sym]], execution=execution, intrabar=intrabar)[0]
    s = g["symbols"][0]
    got = {"equity": g["equity"], "cash": g["cash"],
           0: dict(position=s["position"], margin=s["margin"],
                   orders=_orders.decode(s["orders"], "orders").to_dict("records"),
                   trades=_orders.decode(s["trades"], "trades").to_dict("records"),
                   charges=_orders.decode(s["charges"], "charges").to_dict("records"))}
    exp_many = {"equity": exp["equity"], "cash": exp["cash"],
                0: dict(position=exp["position"], margin=exp["margin"], orders=exp["orders"], trades=exp["trades"],
                        charges=exp["charges"])}
    assert_same(got, exp_many, [0])
