"""How ``run(entries, exits, ...)`` maps to orders (docs/orders.md "Signals as orders").

``signal_strategy(...)`` returns a strategy callback for ``order_reference.simulate`` that
reads the signals of bar j at its close and places the orders docs/backtest.md's rules
call for (with ``ctx.place_signal``: their market fills have reason "signal", not a
``next()`` order's "strategy"); ``run_as_orders(df, **run_kwargs)`` runs it. The result must equal
``backtest_reference.simulate`` exactly (tests/test_order_reference.py).
"""

from __future__ import annotations

import math

import numpy as np
import order_reference

RUN_ONLY = ("entries", "exits", "short_entries", "short_exits", "limit_price", "stop_price",
            "sl_price", "tp_price", "size", "size_type", "order_type", "expiry", "sl_stop",
            "tp_stop", "tsl_stop", "tsl_offset")


def _arr(x, n, dtype=np.float64, fill=np.nan):
    if x is None:
        return np.full(n, fill, dtype=dtype)
    a = np.asarray(x)
    if a.ndim == 0:
        return np.full(n, a.item(), dtype=dtype)
    return a.astype(dtype)


def signal_strategy(n, *, entries=None, exits=None, short_entries=None, short_exits=None,
                    limit_price=None, stop_price=None, sl_price=None, tp_price=None,
                    size=None, size_type="percent", order_type="market", expiry=None,
                    sl_stop=None, tp_stop=None, tsl_stop=None, tsl_offset=None,
                    execution="open"):
    ent = _arr(entries, n, bool, False)
    ext = _arr(exits, n, bool, False)
    sent = _arr(short_entries, n, bool, False)
    sext = _arr(short_exits, n, bool, False)
    lim, stp = _arr(limit_price, n), _arr(stop_price, n)
    slp, tpp = _arr(sl_price, n), _arr(tp_price, n)
    if size is None:
        size, size_type = 1.0, "percent"

    def at(x, i):
        """A per-bar option's value at bar i (a scalar as it is; NaN stop: None)."""
        if np.ndim(x) == 0:
            return x
        v = float(np.asarray(x)[i])
        return None if math.isnan(v) else v

    def entry(ctx, d, i, pend):
        """Places the entry order of a signal at bar i; returns nothing."""
        side = "buy" if d > 0 else "sell"
        bracket = dict(sl=slp[i], tp=tpp[i], sl_stop=at(sl_stop, i), tp_stop=at(tp_stop, i),
                       tsl_stop=tsl_stop, tsl_offset=tsl_offset)
        if order_type == "market":
            ctx.place_signal(side=side, type="market", intent="open", size=at(size, i),
                      size_type=size_type, **bracket)
            return
        need = {"limit": (lim[i],), "stop": (stp[i],), "stop_limit": (lim[i], stp[i])}
        if any(math.isnan(v) for v in need[order_type]):
            return  # a NaN level makes no order and leaves a pending one alone
        if pend is not None:
            ctx.cancel(pend, "replaced")
        ctx.place_signal(side=side, type=order_type, intent="open", size=at(size, i), size_type=size_type,
                  limit=lim[i], stop=stp[i], tif=expiry, **bracket)

    def strategy(ctx):
        j = ctx.j
        L = bool(ent[j] and not ext[j])
        XL = bool(ext[j] and not ent[j])
        S = bool(sent[j] and not sext[j])
        XS = bool(sext[j] and not sent[j])
        if L and S:
            L = S = False
        skip_market = execution == "open" and j == n - 1
        work = ctx.working
        pend = work[0] if work else None  # at most one working entry order
        pos = ctx.position
        if pos == 0:
            if pend is not None:
                if (XL and pend["side"] == "buy") or (XS and pend["side"] == "sell"):
                    ctx.cancel(pend, "signal")
                    pend = None
            d = 1 if L else (-1 if S else 0)
            if d and not (skip_market and order_type == "market"):
                entry(ctx, d, j, pend)
            return
        d = 1 if pos > 0 else -1
        rev = S if d > 0 else L
        xit = XL if d > 0 else XS
        close_side = "sell" if d > 0 else "buy"
        if rev:
            if not skip_market:
                ctx.place_signal(side=close_side, type="market", intent="close")
                entry(ctx, -d, j, pend)
        elif xit and not skip_market:
            ctx.place_signal(side=close_side, type="market", intent="close")

    return strategy


def run_as_orders(o, h, lo, c, index=None, **kw):
    """``run``'s keyword arguments, executed by the order-level reference."""
    sig = {k: kw.pop(k) for k in RUN_ONLY if k in kw}
    strat = signal_strategy(len(c), execution=kw.get("execution", "open"), **sig)
    return order_reference.simulate(o, h, lo, c, index=index, strategy=strat, **kw)


def as_run_orders(orders):
    """The order table ``run`` shows: bracket children that did not fill are dropped
    (``run`` lists a stop exit only when it fills, docs/backtest.md)."""
    return [r for r in orders
            if not (r["kind"] in order_reference.BRACKET_KINDS and r["status"] != "filled")]
