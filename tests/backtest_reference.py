"""Plain-Python reference simulator of the backtest spec (docs/backtest.md).

Slow and obvious on purpose: one simulation (1-D signals), one bar at a time, written
from docs/backtest.md only (not from the engine). The tests compare the C++ engine
(``threadx.backtest.run``) and the peers (backtesting.py, vectorbt) against it.

Bar j is processed in this order:

1. market orders decided at bar j-1 (``execution="open"``) fill at ``open[j]``: the
   close of the position first, then the new entry (a reversal is both);
2. the pending limit/stop/stop-limit entry order, if any, is checked (the position is
   always flat here);
3. the position's stops are checked (if armed for bar j);
4. expiry of the pending entry order (at bar j's close);
5. the signals of bar j, from the position after steps 1-3; with ``execution="close"``
   their market orders fill at ``close[j]`` now, else they wait for bar j+1;
6. last bar only: ``close_at_end`` closes the position at ``close[-1]``; a pending entry
   order is cancelled (reason "end_of_data");
7. equity / cash / position are recorded, valued at ``close[j]``.

Readings of the spec
--------------------
Each point is a place where docs/backtest.md is silent, ambiguous or self-contradictory;
the reading chosen here is the one the engine must match (or the spec must be fixed).

R1  Expired orders: the spec says an expired order is "cancelled (reason "expiry")" but
    the status list has "expired". Reading: status "expired", reason "expiry".
R2  Expiry vs. a signal on the expiry bar: expiry happens at the close of bar i+k
    *before* that bar's signals, so a new entry signal on bar i+k finds no pending order
    (the old one is "expired", not "replaced").
R3  Timedelta expiry: the order expires at the close of the last bar j with
    t_j <= t_i + expiry, i.e. at the close of bar j when t_{j+1} > t_i + expiry (this can
    be the placement bar itself when t_{i+1} is already too late).
R4  Orders still pending at the end of the data are recorded as status "cancelled",
    reason "end_of_data" (also when close_at_end=False); this includes a limit/stop
    entry placed by a signal of the last bar. An order whose int expiry ends exactly on
    the last bar is "expired" (expiry is checked first).
R5  Market orders decided on the last bar with execution="open" ("not filled") leave no
    order row at all. For a reversal signal on that bar neither half happens (the
    position stays and close_at_end closes it), and its limit/stop entry is not placed.
R6  Unfilled orders (cancelled/expired/rejected): fill_bar is the bar the order ended in,
    fill_price NaN, fees 0.0; size NaN, except a rejected entry, which keeps the size it
    was refused for (the size is only known at the fill: sizing uses the fill price).
R7  Reasons of filled orders: market orders from signals "signal"; limit "limit"; stop
    "stop"; stop-limit "limit" (it fills as a limit after the trigger); stop exits
    "stop_loss"/"take_profit"/"trailing_stop" (kind = the same word); the end-of-data
    close is kind "market", reason "end_of_data".
R8  Stop-exit orders (kinds stop_loss/take_profit/trailing_stop) get a row only when they
    fill; the stops that did not fire leave no "cancelled" rows. Their placed_bar is the
    bar of the entry fill (when the stops were set). Market orders: placed_bar = the
    signal bar (also for execution="open", which fills at placed_bar+1).
R9  An entry signal with a NaN level (limit/stop/stop_limit) "makes no order": it also
    does not replace or cancel a pending order; in a reversal the closing half still
    happens (it is a market order).
R10 On one flat bar, exit signals are applied before entry signals: XL cancels a pending
    long entry (reason "signal"), XS a pending short one, then L/S places a new order
    (which replaces any still-pending order, reason "replaced").
R11 Slippage applies to every fill: entries, signal exits, stop exits (also gap fills at
    the open), the end-of-data close. A stop "fills at its level" means the level is the
    price *before* slippage. (vectorbt's default stop_exit_price="stoplimit" applies no
    slippage to stop exits; backtesting.py's spread applies to entries only.)
R12 Trailing stop: the peak (trough for a short) is raised (lowered) to a bar's high (low)
    only for bars whose stop checks were done with the position open (market fill at the
    open: the entry bar counts; fill at the close, or limit/stop entry: the entry bar
    does not count, it is the bar after). The other reading (a limit/stop fill bar's
    high raises the peak, as the stops "wait" but the price moved on after the fill) is
    the module flag PEAK_INCLUDES_ENTRY_FILL_BAR.
R13 Which stop fired when the stop-loss and the trailing stop coincide: "stop_loss". The
    effective stop is max(sl, tsl) for a long (min for a short) in every intrabar mode.
R14 The stop-entry same-bar take-profit exception tests the EFFECTIVE stop (the spec
    says "the stop-loss"; it also says sl and trailing stop combine into one effective
    stop): long: tp <= high[j] and (max(sl, tsl) < low[j] or no stop), with the trailing
    level computed from the entry fill (before the fill bar moves the peak, see R12).
    The spec says "at its level"; when the open gapped above the stop AND above the tp
    (tp below the entry fill, possible with tp_price), backtesting.py fills at
    max(open, tp) = the open (its TP is a limit order processed in the same bar), and so
    does the reference. It applies in every intrabar mode (the spec states it outside
    the intrabar rules). Levels on the "wrong" side (tp below the stop level) are not
    rejected (backtesting.py raises ValueError at order time for them).
R15 Sizing with size_type="units" is floored too when fractional=False.
R16 Insufficient cash: the check "needs more than A * leverage" uses a relative tolerance
    of 1e-9 (u * f * (1 + fees) + fixed_fees > A * leverage * (1 + 1e-9)), else an
    all-in fractional entry could be rejected by its own rounding.
R17 close_at_end runs after everything else on the last bar, so with execution="close" a
    position opened by a last-bar signal is opened and closed at the same close (two
    fees). The final close makes a trade with exit_reason "end_of_data"; when
    close_at_end=False an open position produces no trade row.
R18 A rejected entry of a reversal leaves the position flat (the close half stands).
R19 Order rows are listed in the order the orders were created.
R20 Absolute levels on the "wrong" side are used as given (e.g. sl_price above a long's
    fill, tp_price below it): the gap rule then fires at once (at the open of the entry
    bar after a market fill at the open, else at the open of the next bar). The spec
    does not say whether such levels are valid; backtesting.py rejects them when the
    order is placed (ValueError), vectorbt has no absolute levels.
R21 intrabar="backtesting" when the open gaps beyond the take-profit AND the bar's range
    also reaches the stop (long: open >= tp and low <= stop): the spec's text ("a gap
    through a stop fills at the open ...; otherwise ... the stop wins") reads as a
    take-profit at the open, but backtesting.py processes the stop order first over the
    whole bar: the stop fills, at min(open, stop) (long). The spec claims backtesting.py's
    rules, so the reference follows backtesting.py: stop first (at the open if gapped
    through, else at its level), then the take-profit (at the open if gapped through,
    else at its level). The spec text should say so.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_ORDER_TYPES = ("market", "limit", "stop", "stop_limit")
_INTRABAR = ("backtesting", "nearest", "ohlc", "olhc")
_REJECT_RTOL = 1e-9
# R12: True = a limit/stop/stop-limit fill bar's high (low) also raises (lowers) the
# trailing stop's peak (trough) -- the other reading, which the engine used at the time
PEAK_INCLUDES_ENTRY_FILL_BAR = False


def _arr(x, n, dtype=np.float64, fill=np.nan):
    if x is None:
        return np.full(n, fill, dtype=dtype)
    a = np.asarray(x)
    if a.ndim == 0:
        return np.full(n, a.item(), dtype=dtype)
    a = a.astype(dtype)
    if a.shape != (n,):
        raise ValueError(f"expected shape ({n},), got {a.shape}")
    return a


def _nan(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def simulate(open, high, low, close, *, entries=None, exits=None, short_entries=None,
             short_exits=None, limit_price=None, stop_price=None, sl_price=None,
             tp_price=None, index=None, init_cash=10_000.0, fees=0.0, fixed_fees=0.0,
             slippage=0.0, size=None, size_type="percent", fractional=False, leverage=1.0,
             execution="open", order_type="market", expiry=None, sl_stop=None,
             tp_stop=None, tsl_stop=None, tsl_offset=None, intrabar="backtesting",
             close_at_end=True) -> dict[str, Any]:
    o = np.asarray(open, dtype=np.float64)
    h = np.asarray(high, dtype=np.float64)
    lo = np.asarray(low, dtype=np.float64)
    c = np.asarray(close, dtype=np.float64)
    n = len(c)
    if not (len(o) == len(h) == len(lo) == n):
        raise ValueError("OHLC lengths differ")
    ent = _arr(entries, n, bool, False)
    ext = _arr(exits, n, bool, False)
    sent = _arr(short_entries, n, bool, False)
    sext = _arr(short_exits, n, bool, False)
    lim = _arr(limit_price, n)
    stp = _arr(stop_price, n)
    slp = _arr(sl_price, n)
    tpp = _arr(tp_price, n)
    if execution not in ("open", "close"):
        raise ValueError("execution")
    if order_type not in _ORDER_TYPES:
        raise ValueError("order_type")
    if intrabar not in _INTRABAR:
        raise ValueError("intrabar")
    if size_type not in ("percent", "value", "units", "target_percent"):
        raise ValueError("size_type")
    if not init_cash > 0 or not (0 <= fees < 1) or fixed_fees < 0 or not (0 <= slippage < 1):
        raise ValueError("cash/fees/slippage")
    if not (0 < leverage <= 10):
        raise ValueError("leverage")
    if size is None:
        size, size_type = 1.0, "percent"
    if not size > 0:
        raise ValueError("size")
    times = None
    if expiry is not None and not isinstance(expiry, (int, np.integer)):
        if index is None:
            raise ValueError("timedelta expiry needs an index")
        times = list(index)
    elif expiry is not None and expiry < 1:
        raise ValueError("expiry")

    st: dict[str, Any] = dict(cash=float(init_cash), pos=0.0)
    orders: list[dict] = []
    trades: list[dict] = []
    pending: dict | None = None   # limit/stop/stop_limit entry order
    pending_mkt: list | None = None  # execution="open": actions decided at bar j-1
    cur: dict | None = None       # open position
    eq = np.empty(n)
    cash_s = np.empty(n)
    pos_s = np.empty(n)

    def new_order(kind, side, placed_bar, status="pending"):
        rec = dict(kind=kind, side=side, size=math.nan, placed_bar=placed_bar, status=status,
                   fill_bar=None, fill_price=math.nan, fees=math.nan, reason=None)
        orders.append(rec)
        return rec

    def end(rec, status, reason, j, size=math.nan):
        """An order that did not fill: the bar it ended in, no fees (R6)."""
        rec.update(status=status, reason=reason, fill_bar=j, fees=0.0, size=size)

    def fill(rec, direction, units, base, j):
        """direction +1 buy / -1 sell of `units` at base price (before slippage)."""
        f = base * (1 + slippage) if direction > 0 else base * (1 - slippage)
        fee = fees * units * f + fixed_fees
        if direction > 0:
            st["cash"] -= units * f + fee
            st["pos"] += units
        else:
            st["cash"] += units * f - fee
            st["pos"] -= units
        rec.update(size=units, status="filled", fill_bar=j, fill_price=f, fees=fee)
        return f, fee

    def close_position(j, base, kind, reason, placed_bar, rec=None):
        nonlocal cur
        d = cur["dir"]
        if rec is None:
            rec = new_order(kind, "sell" if d > 0 else "buy", placed_bar)
        f, fee = fill(rec, -d, cur["size"], base, j)
        rec["reason"] = reason
        u, e = cur["size"], cur["entry_price"]
        tfees = cur["entry_fees"] + fee
        pnl = d * u * (f - e) - tfees
        trades.append(dict(side="long" if d > 0 else "short", size=u, entry_bar=cur["entry_bar"],
                           entry_price=e, exit_bar=j, exit_price=f, fees=tfees, pnl=pnl,
                           **{"return": pnl / (u * e)}, exit_reason=reason))
        cur = None
        st["pos"] = 0.0  # exact flat (the position was +-u)

    def open_position(rec, d, base, j, sig_bar, check_from, reason):
        """Size and fill an entry order; returns True when filled."""
        nonlocal cur
        f = base * (1 + slippage) if d > 0 else base * (1 - slippage)
        A = st["cash"]
        if size_type == "units":
            u = float(size)
        else:
            budget = (A * leverage * size if size_type == "percent" else
                      A * size if size_type == "target_percent" else float(size))
            u = (budget - fixed_fees) / (f * (1 + fees))
        if not fractional:
            u = float(math.floor(u)) if u > 0 else u
        need = u * f * (1 + fees) + fixed_fees
        if not u > 0 or need > A * leverage * (1 + _REJECT_RTOL) or A <= 0:
            end(rec, "rejected", "insufficient_cash", j, size=u)
            return False
        f, fee = fill(rec, d, u, base, j)
        rec["reason"] = reason
        sl = slp[sig_bar] if not math.isnan(slp[sig_bar]) else (
            f * (1 - d * sl_stop) if sl_stop is not None else math.nan)
        tp = tpp[sig_bar] if not math.isnan(tpp[sig_bar]) else (
            f * (1 + d * tp_stop) if tp_stop is not None else math.nan)
        cur = dict(dir=d, size=u, entry_bar=j, entry_price=f, entry_fees=fee, sl=sl, tp=tp,
                   extreme=f, check_from=check_from, stops_placed=j)
        return True

    def eff_stop():
        """(level, reason) of the effective stop of `cur`, or (nan, None)."""
        d = cur["dir"]
        sl = cur["sl"]
        tsl = (cur["extreme"] * (1 - d * tsl_stop) if tsl_stop is not None else
               cur["extreme"] - d * tsl_offset if tsl_offset is not None else math.nan)
        if math.isnan(tsl):
            return (sl, "stop_loss") if not math.isnan(sl) else (math.nan, None)
        if math.isnan(sl):
            return tsl, "trailing_stop"
        if d > 0:
            return (sl, "stop_loss") if sl >= tsl else (tsl, "trailing_stop")
        return (sl, "stop_loss") if sl <= tsl else (tsl, "trailing_stop")

    def check_stops(j):
        """Checks the stops of `cur` in bar j; returns (base price, reason) or None."""
        d = cur["dir"]
        s, sreason = eff_stop()
        tp = cur["tp"]
        has_s, has_tp = not math.isnan(s), not math.isnan(tp)
        if not (has_s or has_tp):
            return None
        # In "long" coordinates: stop is hit going down, tp going up. Mirror for short.
        def s_beyond(p):  # price p at/through the stop
            return has_s and (p <= s if d > 0 else p >= s)

        def tp_beyond(p):
            return has_tp and (p >= tp if d > 0 else p <= tp)

        fav, adv = (h[j], lo[j]) if d > 0 else (lo[j], h[j])  # favourable / adverse extreme
        if intrabar == "backtesting":
            # R21: backtesting.py's order: the stop first, over the whole bar (fill at the
            # open when gapped through, else at its level), then the take-profit.
            if s_beyond(adv):
                return (o[j] if s_beyond(o[j]) else s), sreason
            if tp_beyond(fav):
                return (o[j] if tp_beyond(o[j]) else tp), "take_profit"
            return None
        if s_beyond(o[j]):
            return o[j], sreason
        if tp_beyond(o[j]):
            return o[j], "take_profit"
        if intrabar == "ohlc":
            high_first = True
        elif intrabar == "olhc":
            high_first = False
        else:  # nearest; ties: high first
            high_first = (h[j] - o[j]) <= (o[j] - lo[j])
        fav_first = high_first if d > 0 else not high_first
        if fav_first:
            if tp_beyond(fav):
                return tp, "take_profit"
            if s_beyond(adv):
                return s, sreason
        else:
            if s_beyond(adv):
                return s, sreason
            if tp_beyond(fav):
                return tp, "take_profit"
        return None  # the last leg (to the close) lies inside the range already covered

    def run_stops(j):
        res = check_stops(j)
        if res is not None:
            base, reason = res
            close_position(j, base, reason, reason, cur["stops_placed"])
            return
        if cur["dir"] > 0:
            cur["extreme"] = max(cur["extreme"], h[j])
        else:
            cur["extreme"] = min(cur["extreme"], lo[j])

    def try_fill_pending(j):
        """Step 2: the pending limit/stop/stop_limit entry order in bar j."""
        nonlocal pending
        p = pending
        d = p["dir"]
        typ = p["type"]
        price = None
        if typ == "limit" or (typ == "stop_limit" and p["triggered"]):
            L = p["limit"]
            if (lo[j] <= L) if d > 0 else (h[j] >= L):
                price = min(o[j], L) if d > 0 else max(o[j], L)
        elif typ == "stop":
            S = p["stop"]
            if (h[j] >= S) if d > 0 else (lo[j] <= S):
                price = max(o[j], S) if d > 0 else min(o[j], S)
        else:  # stop_limit, not yet triggered
            S, L = p["stop"], p["limit"]
            if (h[j] >= S) if d > 0 else (lo[j] <= S):
                p["triggered"] = True
                if d > 0 and L > S and lo[j] <= L:
                    price = min(max(o[j], S), L)
                elif d < 0 and L < S and h[j] >= L:
                    price = max(min(o[j], S), L)
        if price is None:
            return
        rec = p["rec"]
        pending = None
        reason = "stop" if typ == "stop" else "limit"
        if not open_position(rec, d, price, j, p["placed_bar"], j + 1, reason):
            return
        if typ == "stop":
            # backtesting.py's exception: tp inside the bar, stop-loss not: tp fills now.
            tp = cur["tp"]
            s, _ = eff_stop()  # R14: the effective stop (sl and trailing stop)
            if not math.isnan(tp):
                if d > 0 and tp <= h[j] and (math.isnan(s) or s < lo[j]):
                    close_position(j, max(o[j], tp), "take_profit", "take_profit", j)
                elif d < 0 and tp >= lo[j] and (math.isnan(s) or s > h[j]):
                    close_position(j, min(o[j], tp), "take_profit", "take_profit", j)
        if cur is not None and PEAK_INCLUDES_ENTRY_FILL_BAR:
            cur["extreme"] = max(cur["extreme"], h[j]) if d > 0 else min(cur["extreme"], lo[j])

    def place_entry(d, i):
        """An entry signal at bar i (position flat after the closing half, if any)."""
        nonlocal pending
        side = "buy" if d > 0 else "sell"
        if order_type == "market":
            rec = new_order("market", side, i)
            return ("entry", d, rec)
        lvl_l, lvl_s = lim[i], stp[i]
        if order_type == "limit" and math.isnan(lvl_l):
            return None
        if order_type == "stop" and math.isnan(lvl_s):
            return None
        if order_type == "stop_limit" and (math.isnan(lvl_l) or math.isnan(lvl_s)):
            return None
        if pending is not None:
            end(pending["rec"], "cancelled", "replaced", i)
        rec = new_order(order_type, side, i)
        pending = dict(rec=rec, dir=d, type=order_type, limit=lvl_l, stop=lvl_s,
                       triggered=False, placed_bar=i)
        if times is not None:
            pending["deadline"] = times[i] + expiry
            if i + 1 < n and times[i + 1] > pending["deadline"]:
                end(rec, "expired", "expiry", i)
                pending = None
        return None

    def do_market(actions, j, base):
        """Fill market actions (close, then entry) at base price in bar j."""
        for act in actions:
            if act[0] == "close":
                close_position(j, base, "market", "signal", act[1]["placed_bar"], act[1])
            else:
                _, d, rec = act
                check_from = j if execution == "open" else j + 1
                open_position(rec, d, base, j, rec["placed_bar"], check_from, "signal")

    for j in range(n):
        # 1. market orders from bar j-1 at the open
        if pending_mkt is not None:
            acts, pending_mkt = pending_mkt, None
            do_market(acts, j, o[j])
        # 2. pending entry order
        if pending is not None and pending["placed_bar"] < j:
            assert cur is None
            try_fill_pending(j)
        # 3. stops
        if cur is not None and cur["check_from"] <= j:
            run_stops(j)
        # 4. expiry
        if pending is not None and expiry is not None:
            if times is None:
                if j >= pending["placed_bar"] + int(expiry):
                    end(pending["rec"], "expired", "expiry", j)
                    pending = None
            elif j + 1 < n and times[j + 1] > pending["deadline"]:
                end(pending["rec"], "expired", "expiry", j)
                pending = None
        # 5. signals
        L = bool(ent[j] and not ext[j])
        XL = bool(ext[j] and not ent[j])
        S = bool(sent[j] and not sext[j])
        XS = bool(sext[j] and not sent[j])
        if L and S:
            L = S = False
        last = j == n - 1
        actions: list = []
        skip_market = execution == "open" and last
        if cur is None:
            if pending is not None:
                if XL and pending["dir"] > 0:
                    end(pending["rec"], "cancelled", "signal", j)
                    pending = None
                elif XS and pending["dir"] < 0:
                    end(pending["rec"], "cancelled", "signal", j)
                    pending = None
            d = 1 if L else (-1 if S else 0)
            if d and not (skip_market and order_type == "market"):
                a = place_entry(d, j)
                if a is not None:
                    actions.append(a)
        else:
            d = cur["dir"]
            rev = S if d > 0 else L
            xit = XL if d > 0 else XS
            if rev:
                if not skip_market:
                    actions.append(("close", new_order("market", "sell" if d > 0 else "buy", j)))
                    a = place_entry(-d, j)
                    if a is not None:
                        actions.append(a)
            elif xit and not skip_market:
                actions.append(("close", new_order("market", "sell" if d > 0 else "buy", j)))
        if actions:
            if execution == "close":
                do_market(actions, j, c[j])
            else:
                pending_mkt = actions
        # 6. end of data
        if last:
            if close_at_end and cur is not None:
                close_position(j, c[j], "market", "end_of_data", j)
            if pending is not None:
                end(pending["rec"], "cancelled", "end_of_data", j)
                pending = None
        # 7. out of money: liquidate at this close and stop (backtesting.py does the same)
        if not st["cash"] + st["pos"] * c[j] > 0:
            if cur is not None:
                close_position(j, c[j], "market", "liquidation", j)
            if pending is not None:
                end(pending["rec"], "cancelled", "liquidation", j)
                pending = None
            if pending_mkt is not None:  # decided but never sent: no order row
                for act in pending_mkt:
                    rec = act[1] if act[0] == "close" else act[2]
                    orders.remove(rec)
                pending_mkt = None
            st["cash"], st["pos"] = 0.0, 0.0
            eq[j:], cash_s[j:], pos_s[j:] = 0.0, 0.0, 0.0
            break
        # 8. records
        cash_s[j] = st["cash"]
        pos_s[j] = st["pos"]
        eq[j] = st["cash"] + st["pos"] * c[j]

    return dict(equity=eq, cash=cash_s, position=pos_s, orders=orders, trades=trades)
