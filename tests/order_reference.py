"""Plain-Python reference simulator of the order-level spec (docs/orders.md).

Slow and obvious on purpose: one symbol, one bar at a time, written from docs/orders.md
only (no threadx import). The C++ order core, ``from_orders``, ``Strategy`` and ``Stepper``
will be tested against it; ``tests/signals_to_orders.py`` maps ``run``'s signals to orders
and ``tests/test_order_reference.py`` checks that this gives exactly
``tests/backtest_reference.py``'s results.

Inputs: bars (numpy arrays), ``orders`` (a list of order specs, each placed at the close of
its ``bar``) and/or ``strategy`` (a callable ``strategy(ctx)`` run at every bar's close,
which may place, cancel and modify orders and change bracket levels), and the cost
settings. Output: a dict with ``orders`` (one record per order), ``trades`` (one record per
closed lot part, FIFO, with ``fees``, ``borrow``, ``funding`` and the net ``pnl``),
``charges`` (borrow and funding), ``equity``/``cash``/``position``/
``margin`` per bar.

``simulate_many`` runs several symbols on one index, sharing one cash account
(docs/orders.md § 10): each step below runs for every symbol before the next step, and a
step's fills are applied in vectorbt's ``call_seq="auto"`` order (sorted by approximate
order value, ascending, stable: sells first).

Bar j, in this order (docs/orders.md § 2 "Order life and the bar loop"):

0. borrow fee for a short held since bar j-1's close (at bar j's open);
1. market orders placed at bar j-1 (``execution="open"``) fill at ``open[j]``, in creation
   order; then the funding events of bar j on the position after these fills;
2. the brackets (stop-loss / take-profit / trailing stop) of every lot armed for bar j,
   oldest lot first;
3. the working limit / stop / stop-limit orders placed before bar j, in creation order;
4. time-in-force expiry (at bar j's close);
5. the orders of bar j (the ``orders`` list, then ``strategy(ctx)``); with
   ``execution="close"`` the market orders placed now fill at ``close[j]`` after the
   callback returns, in creation order; per-bar bracket levels (``sl_path``) for bar j+1;
6. (charges are taken at steps 0 and 1, attributed to the open lots pro rata by size);
7. last bar: ``close_at_end`` closes every lot at ``close[-1]``; working orders are
   cancelled ("end_of_data");
8. out of money (equity <= 0): liquidation at this close, the simulation stops;
9. records, valued at ``close[j]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

TYPES = ("market", "limit", "stop", "stop_limit")
INTENTS = ("open", "add", "reduce", "close", "net")
SIZE_TYPES = ("units", "value", "percent", "target_percent")
BRACKET_KINDS = ("stop_loss", "take_profit", "trailing_stop")
INTRABAR = ("backtesting", "nearest", "ohlc", "olhc")
REJECT_RTOL = 1e-9


def _series(x, n, fill=0.0):
    if x is None:
        return np.full(n, fill, dtype=np.float64)
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        return np.full(n, float(a), dtype=np.float64)
    if a.shape != (n,):
        raise ValueError(f"expected shape ({n},), got {a.shape}")
    return a


def _isnan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


class Ctx:
    """What a strategy sees and does at the close of bar ``j`` (docs/orders.md "Strategies")."""

    def __init__(self, sim: _Sim, j: int):
        self._sim, self.j = sim, j

    @property
    def position(self) -> float:
        return self._sim.pos

    @property
    def cash(self) -> float:
        return self._sim.cash

    @property
    def lots(self) -> list[dict]:
        return list(self._sim.lots)

    @property
    def working(self) -> list[dict]:
        """Working orders that are not bracket children."""
        return [o for o in self._sim.orders if o["status"] == "working"
                and o["kind"] not in BRACKET_KINDS]

    def place(self, **spec) -> dict:
        """A ``next()`` order: its market fill has reason "strategy" (docs/orders.md § 9)."""
        return self._sim.place(spec, self.j, origin="strategy")

    def place_signal(self, **spec) -> dict:
        """An order of ``run``'s signal rules: its market fill has reason "signal"."""
        return self._sim.place(spec, self.j, origin="signal")

    def cancel(self, order: dict, reason: str = "user") -> None:
        self._sim.cancel(order, reason, self.j)

    def set_levels(self, lot: dict, **levels) -> None:
        """Change a lot's ``sl`` / ``tp`` (absolute price, NaN = remove) from bar j+1 on."""
        self._sim.set_levels(lot, levels, self.j)


class _Acct:
    """The cash account; several symbols share one with ``cash_sharing`` (docs/orders.md § 10)."""

    def __init__(self, cash: float):
        self.cash = float(cash)
        self.sims: list[_Sim] = []
        self.fills = 0   # fills so far: an order's ``seq`` is its place in this sequence


class _Sim:
    def __init__(self, o, h, lo, c, *, index, init_cash, acct=None, fees, fixed_fees, unit_fee,
                 unit_fee_min, unit_fee_max, spread, spread_abs, slippage, leverage, fractional,
                 execution, intrabar, max_lots, borrow_rate, funding_times, funding_rates,
                 multiplier, margin, close_at_end):
        self.o, self.h, self.lo, self.c = o, h, lo, c
        self.n = n = len(c)
        self.index = index
        self.fees, self.fixed_fees = float(fees), float(fixed_fees)
        self.unit_fee, self.unit_fee_min, self.unit_fee_max = (
            float(unit_fee), float(unit_fee_min), float(unit_fee_max))
        if spread is not None and spread_abs is not None:
            raise ValueError("give spread (a fraction) or spread_abs (price units), not both")
        self.spread = _series(spread, n)
        self.spread_abs = _series(spread_abs, n)
        self.slippage = float(slippage)
        self.leverage = float(leverage)
        self.fractional = fractional
        self.execution, self.intrabar = execution, intrabar
        self.max_lots = max_lots
        self.borrow = _series(borrow_rate, n)
        self.funding = list(zip(funding_times or (), funding_rates or ()))
        self.mult = float(multiplier)
        self.margin_per = None if margin is None else float(margin)
        self.close_at_end = close_at_end
        self.acct = acct if acct is not None else _Acct(init_cash)
        self.acct.sims.append(self)
        self.mark = float(o[0])  # the price other symbols value this one at (§ 10)
        self.margin = 0.0      # initial margin posted (futures account)
        self.pos = 0.0
        self.lots: list[dict] = []
        self.orders: list[dict] = []
        self.trades: list[dict] = []
        self.charges: list[dict] = []
        self.next_id = 0
        self.next_lot = 0

    # ---------------------------------------------------------------- money
    def fee(self, u: float, f: float) -> float:
        per_unit = 0.0
        if self.unit_fee > 0 or self.unit_fee_min > 0:
            per_unit = min(max(self.unit_fee * u, self.unit_fee_min),
                           self.unit_fee_max * u * f * self.mult)
        return self.fees * u * f * self.mult + self.fixed_fees + per_unit

    def fill_price(self, base: float, direction: int, j: int) -> float:
        half, half_abs = self.spread[j] / 2, self.spread_abs[j] / 2
        if direction > 0:
            return (base * (1 + half) + half_abs) * (1 + self.slippage)
        return (base * (1 - half) - half_abs) * (1 - self.slippage)

    @property
    def cash(self) -> float:
        return self.acct.cash

    @cash.setter
    def cash(self, v: float) -> None:
        self.acct.cash = v

    def part(self, p: float) -> float:
        """This symbol's part of the equity at price p (beyond cash)."""
        if self.margin_per is None:
            return self.pos * p * self.mult
        return self.margin + sum(
            L["dir"] * L["size"] * (p - L["entry_price"]) * self.mult for L in self.lots)

    def used(self, p: float) -> float:
        return sum(L["size"] for L in self.lots) * p * self.mult / self.leverage

    def equity_at(self, p: float) -> float:
        """Equity with this symbol at p and the others at their mark (§ 10)."""
        return self.cash + self.part(p) + sum(s.part(s.mark) for s in self.acct.sims
                                              if s is not self)

    def available(self, f: float) -> float:
        """Available cash A (docs/orders.md "Sizing")."""
        if self.margin_per is not None:
            return self.cash
        if not any(s.lots for s in self.acct.sims):
            return self.cash
        used = self.used(f) + sum(s.used(s.mark) for s in self.acct.sims if s is not self)
        return max(0.0, self.equity_at(f) - used)

    def units_from_budget(self, budget: float, f: float) -> float:
        per = (self.margin_per if self.margin_per is not None else f * self.mult) \
            + self.fees * f * self.mult
        fixed = self.fixed_fees
        if self.unit_fee > 0 or self.unit_fee_min > 0:
            u = (budget - fixed) / (per + self.unit_fee)
            if self.unit_fee * u < self.unit_fee_min:
                u = (budget - fixed - self.unit_fee_min) / per
            cap = self.unit_fee_max * f * self.mult   # the maximum, per unit
            if max(self.unit_fee * u, self.unit_fee_min) > cap * u:
                u = (budget - fixed) / (per + cap)
            return u
        return (budget - fixed) / per

    def floor(self, u: float) -> float:
        if not self.fractional and u > 0:
            return float(math.floor(u))
        return u

    # ---------------------------------------------------------------- orders
    def new_rec(self, kind, side, intent, j, **extra) -> dict:
        rec = dict(id=self.next_id, parent=extra.pop("parent", None), kind=kind, side=side,
                   intent=intent, size=math.nan, placed_bar=j, status="working",
                   fill_bar=None, fill_price=math.nan, fees=math.nan, reason=None,
                   tag=extra.pop("tag", None))
        rec.update(extra)
        self.next_id += 1
        self.orders.append(rec)
        return rec

    def end(self, rec, status, reason, j, size=math.nan):
        rec.update(status=status, reason=reason, fill_bar=j, fees=0.0, size=size)

    def place(self, spec: dict, j: int, origin: str = "signal") -> dict:
        spec = dict(spec)
        typ = spec.pop("type", "market")
        side = spec.pop("side")
        intent = spec.pop("intent", "open")
        if typ not in TYPES or side not in ("buy", "sell") or intent not in INTENTS:
            raise ValueError(f"bad order spec {typ!r} {side!r} {intent!r}")
        size = spec.pop("size", None)
        size_type = spec.pop("size_type", "percent")
        if size is None:
            size, size_type = 1.0, "percent"
        if size_type not in SIZE_TYPES:
            raise ValueError(size_type)
        tif = spec.pop("tif", None)
        rec = self.new_rec(typ, side, intent, j, tag=spec.pop("tag", None),
                           parent=spec.pop("parent", None))
        rec["_w"] = dict(size=size, size_type=size_type, lot=spec.pop("lot", None), limit=spec.pop("limit", math.nan),
                         stop=spec.pop("stop", math.nan), tif=tif, triggered=False,
                         bracket={k: spec.pop(k) for k in list(spec)
                                  if k in ("sl", "tp", "sl_stop", "tp_stop", "tsl_stop",
                                           "tsl_offset", "sl_path")}, origin=origin)
        if spec:
            raise ValueError(f"unknown order fields {sorted(spec)}")
        w = rec["_w"]
        flat_target = intent == "net" and size_type == "target_percent" and size == 0
        if not (isinstance(size, (int, float)) and size > 0 and math.isfinite(size)) and not flat_target:
            self.end(rec, "rejected", "invalid_size", j)
            return rec
        need = {"limit": ("limit",), "stop": ("stop",), "stop_limit": ("limit", "stop")}
        if any(_isnan(w[k]) for k in need.get(typ, ())):
            self.end(rec, "rejected", "missing_price", j)
            return rec
        if tif is not None and not isinstance(tif, (int, np.integer)):
            w["deadline"] = self.index[j] + tif
            if j + 1 < self.n and self.index[j + 1] > w["deadline"]:
                self.end(rec, "expired", "expiry", j)
        return rec

    def cancel(self, rec, reason, j):
        if rec["status"] == "working":
            self.end(rec, "cancelled", reason, j)

    def set_levels(self, lot, levels, j):
        for k, v in levels.items():
            if k not in ("sl", "tp"):
                raise ValueError(k)
            lot[k] = float(v)
            kind = "stop_loss" if k == "sl" else "take_profit"
            child = next((c for c in lot["children"] if c["kind"] == kind
                          and c["status"] == "working"), None)
            if math.isnan(lot[k]) and child is not None:
                self.end(child, "cancelled", "user", j)
            elif not math.isnan(lot[k]) and child is None:
                lot["children"].append(self.new_rec(
                    kind, "sell" if lot["dir"] > 0 else "buy", "close", j,
                    parent=lot["parent"]))

    # ---------------------------------------------------------------- fills
    def book(self, rec, direction, units, f, j, reason):
        fee = self.fee(units, f)
        if self.margin_per is None:
            self.cash -= direction * units * f * self.mult + fee
        else:
            self.cash -= fee
        self.pos += direction * units
        rec.update(size=units, status="filled", fill_bar=j, fill_price=f, fees=fee,
                   reason=reason, seq=self.acct.fills)
        self.acct.fills += 1
        return fee

    def close_units(self, lot, units, f, fee_part, j, reason):
        """Closes `units` of `lot` at fill price f (cash for the units is booked by the
        caller's `book`); records the trade; removes the lot when empty."""
        d = lot["dir"]
        share = units / lot["size"]
        efee = lot["entry_fees"] * share
        lot["entry_fees"] -= efee
        borrow, funding = lot["borrow"] * share, lot["funding"] * share
        lot["borrow"] -= borrow
        lot["funding"] -= funding
        if self.margin_per is not None:
            released = units * lot["margin_per"]
            self.margin -= released
            self.cash += released + d * units * (f - lot["entry_price"]) * self.mult
        tfees = efee + fee_part
        e = lot["entry_price"]
        pnl = d * units * (f - e) * self.mult - tfees - borrow - funding
        self.trades.append(dict(
            lot=lot["id"], side="long" if d > 0 else "short", size=units,
            entry_bar=lot["entry_bar"], entry_price=e, exit_bar=j, exit_price=f, fees=tfees,
            borrow=borrow, funding=funding, pnl=pnl, **{"return": pnl / (units * e * self.mult)}, exit_reason=reason,
            sl=lot["sl"], tp=lot["tp"], tsl=self.tsl_level(lot)))
        lot["size"] -= units
        if lot["size"] <= 1e-12 * max(1.0, units):
            self.lots.remove(lot)
            for ch in lot["children"]:
                if ch["status"] == "working":
                    self.end(ch, "cancelled", "position_closed", j)

    def exit_lots(self, rec, lots_units, base, j, reason):
        """One fill closing (lot, units) pairs; fee split over lots by units."""
        d = lots_units[0][0]["dir"]
        f = self.fill_price(base, -d, j)
        total = sum(u for _, u in lots_units)
        fee = self.book(rec, -d, total, f, j, reason)
        for lot, u in lots_units:
            self.close_units(lot, u, f, fee * u / total, j, reason)
        if not self.lots:
            self.pos = 0.0
        return f

    def close_all(self, rec, base, j, reason):
        self.exit_lots(rec, [(L, L["size"]) for L in list(self.lots)], base, j, reason)

    def open_lot(self, rec, d, base, j, check_from, reason, units=None):
        """Sizes and fills an opening/adding order (``units``: already sized); returns
        the new lot or None."""
        w = rec["_w"]
        f = self.fill_price(base, d, j)
        if self.max_lots is not None and len(self.lots) >= self.max_lots:
            self.end(rec, "rejected", "pyramiding_cap", j)
            return None
        A = self.available(f)
        st, size = w["size_type"], w["size"]
        if units is not None:
            u = units
        elif st == "units":
            u = float(size)
        else:
            if st == "percent":
                budget = A * size * (self.leverage if self.margin_per is None else 1.0)
            elif st == "target_percent" and self.margin_per is None:
                budget = size * self.equity_at(f) - abs(self.pos) * f * self.mult
            elif st == "target_percent":  # futures: a notional of size x equity
                budget = None
                u = size * self.equity_at(f) / (f * self.mult) - abs(self.pos)
            else:
                budget = float(size)
            if budget is not None:
                u = self.units_from_budget(budget, f)
        u = self.floor(u)
        if self.margin_per is None:
            need = u * f * self.mult + self.fee(u, f) if u > 0 else math.inf
            limit = A * self.leverage
        else:
            need = u * self.margin_per + self.fee(u, f) if u > 0 else math.inf
            limit = A
        if not u > 0 or need > limit * (1 + REJECT_RTOL) or A <= 0:
            self.end(rec, "rejected", "insufficient_cash", j, size=u)
            return None
        fee = self.book(rec, d, u, f, j, reason)
        if self.margin_per is not None:
            self.cash -= u * self.margin_per
            self.margin += u * self.margin_per
        b = w["bracket"]
        sl = b.get("sl", math.nan)
        if _isnan(sl):
            sl = f * (1 - d * b["sl_stop"]) if b.get("sl_stop") is not None else math.nan
        tp = b.get("tp", math.nan)
        if _isnan(tp):
            tp = f * (1 + d * b["tp_stop"]) if b.get("tp_stop") is not None else math.nan
        lot = dict(id=self.next_lot, dir=d, size=u, entry_bar=j, entry_price=f,
                   entry_fees=fee, sl=float(sl), tp=float(tp), tsl_stop=b.get("tsl_stop"),
                   tsl_offset=b.get("tsl_offset"), sl_path=b.get("sl_path"), extreme=f,
                   check_from=check_from, children=[], parent=rec["id"],
                   margin_per=self.margin_per, borrow=0.0, funding=0.0)
        self.next_lot += 1
        side = "sell" if d > 0 else "buy"
        for kind, on in (("stop_loss", not math.isnan(lot["sl"]) or lot["sl_path"] is not None),
                         ("take_profit", not math.isnan(lot["tp"])),
                         ("trailing_stop", lot["tsl_stop"] is not None
                          or lot["tsl_offset"] is not None)):
            if on:
                lot["children"].append(self.new_rec(kind, side, "close", j, parent=rec["id"]))
        self.lots.append(lot)
        return lot

    # ---------------------------------------------------------------- brackets
    def tsl_level(self, lot):
        d = lot["dir"]
        if lot["tsl_stop"] is not None:
            return lot["extreme"] * (1 - d * lot["tsl_stop"])
        if lot["tsl_offset"] is not None:
            return lot["extreme"] - d * lot["tsl_offset"]
        return math.nan

    def eff_stop(self, lot):
        d, sl, tsl = lot["dir"], lot["sl"], self.tsl_level(lot)
        if math.isnan(tsl):
            return (sl, "stop_loss") if not math.isnan(sl) else (math.nan, None)
        if math.isnan(sl):
            return tsl, "trailing_stop"
        if d > 0:
            return (sl, "stop_loss") if sl >= tsl else (tsl, "trailing_stop")
        return (sl, "stop_loss") if sl <= tsl else (tsl, "trailing_stop")

    def check_brackets(self, lot, j):
        o, h, lo = self.o[j], self.h[j], self.lo[j]
        d = lot["dir"]
        s, sreason = self.eff_stop(lot)
        tp = lot["tp"]
        has_s, has_tp = not math.isnan(s), not math.isnan(tp)
        if not (has_s or has_tp):
            return None

        def s_beyond(p):
            return has_s and (p <= s if d > 0 else p >= s)

        def tp_beyond(p):
            return has_tp and (p >= tp if d > 0 else p <= tp)

        fav, adv = (h, lo) if d > 0 else (lo, h)
        if self.intrabar == "backtesting":
            if s_beyond(adv):
                return (o if s_beyond(o) else s), sreason
            if tp_beyond(fav):
                return (o if tp_beyond(o) else tp), "take_profit"
            return None
        if s_beyond(o):
            return o, sreason
        if tp_beyond(o):
            return o, "take_profit"
        if self.intrabar == "ohlc":
            high_first = True
        elif self.intrabar == "olhc":
            high_first = False
        else:
            high_first = (h - o) <= (o - lo)
        if high_first == (d > 0):
            if tp_beyond(fav):
                return tp, "take_profit"
            if s_beyond(adv):
                return s, sreason
        else:
            if s_beyond(adv):
                return s, sreason
            if tp_beyond(fav):
                return tp, "take_profit"
        return None

    def fire_bracket(self, lot, base, reason, j):
        child = next((c for c in lot["children"] if c["kind"] == reason
                      and c["status"] == "working"), None)
        if child is None:  # cannot happen: a level exists only with its child
            child = self.new_rec(reason, "sell" if lot["dir"] > 0 else "buy", "close", j)
        for c in lot["children"]:
            if c is not child and c["status"] == "working":
                self.end(c, "cancelled", "oco", j)
        self.exit_lots(child, [(lot, lot["size"])], base, j, reason)

    def bracket_fills(self, j):
        """Step 2, first half: [(key, action)] of the lots armed for bar j; moves the
        trailing peaks of the lots that do not exit."""
        out = []
        for lot in list(self.lots):
            if lot["check_from"] > j:
                continue
            res = self.check_brackets(lot, j)
            if res is not None:
                out.append((-lot["dir"] * lot["size"] * res[0] * self.mult,
                            lambda lot=lot, res=res:
                            self.fire_bracket(lot, res[0], res[1], j)))
            elif lot["dir"] > 0:
                lot["extreme"] = max(lot["extreme"], self.h[j])
            else:
                lot["extreme"] = min(lot["extreme"], self.lo[j])
        return out

    # ---------------------------------------------------------------- working orders
    def trigger_price(self, rec, j):
        """Fill base price of a limit/stop/stop-limit order in bar j, or None."""
        w = rec["_w"]
        d = 1 if rec["side"] == "buy" else -1
        o, h, lo = self.o[j], self.h[j], self.lo[j]
        typ = rec["kind"]
        if typ == "limit" or (typ == "stop_limit" and w["triggered"]):
            L = w["limit"]
            if (lo <= L) if d > 0 else (h >= L):
                return min(o, L) if d > 0 else max(o, L)
            return None
        S = w["stop"]
        hit = (h >= S) if d > 0 else (lo <= S)
        if not hit:
            return None
        if typ == "stop":
            return max(o, S) if d > 0 else min(o, S)
        w["triggered"] = True
        L = w["limit"]
        if d > 0 and L > S and lo <= L:
            return min(max(o, S), L)
        if d < 0 and L < S and h >= L:
            return max(min(o, S), L)
        return None

    def execute(self, rec, base, j, check_from, reason):
        """Applies a triggered order: close / reduce / open / add (reversal included)."""
        d = 1 if rec["side"] == "buy" else -1
        intent = rec["intent"]
        w = rec["_w"]
        pdir = 0 if not self.lots else self.lots[0]["dir"]
        if intent == "net" and w["size_type"] == "target_percent" and w["size"] == 0:
            if pdir == 0:                  # a target of 0: close whatever is held
                self.end(rec, "rejected", "no_position", j)
                return None
            rec["side"], rec["intent"] = ("sell" if pdir > 0 else "buy"), "close"
            self.close_all(rec, base, j, reason)
            return None
        if intent == "net" and pdir == -d and w["size_type"] != "target_percent":
            # against the held side: reduce FIFO, open what is left (docs/orders.md § 3)
            f = self.fill_price(base, d, j)
            held, st, size = abs(self.pos), w["size_type"], w["size"]
            u = self.floor(size if st == "units" else size / (f * self.mult) if st == "value"
                           else held * size)
            if not u > held * (1 + 1e-12):
                return self.reduce_fifo(rec, u, base, j, reason)
            closer = self.new_rec("market", rec["side"], "close", j, parent=rec["id"])
            closer["placed_bar"] = rec["placed_bar"]
            self.close_all(closer, base, j, reason)
            return self.open_lot(rec, d, base, j, check_from, reason, units=self.floor(u - held))
        if intent in ("close", "reduce"):
            if pdir == 0 or pdir == d:
                self.end(rec, "rejected", "no_position", j)
                return None
            if intent == "close":
                self.close_all(rec, base, j, reason)
                return None
            f = self.fill_price(base, d, j)
            target = None
            if w.get("lot") is not None:   # a reduce of one lot (a trade's close), not FIFO
                target = next((L for L in self.lots if L["id"] == w["lot"]), None)
                if target is None:
                    self.end(rec, "rejected", "no_position", j)
                    return None
            held = target["size"] if target is not None else abs(self.pos)
            st, size = w["size_type"], w["size"]
            u = (size if st == "units" else held * size if st == "percent"
                 else size / (f * self.mult) if st == "value"
                 else held - size * self.equity_at(f) / (f * self.mult))
            if target is not None:
                u = min(self.floor(u), target["size"])
                if not u > 0:
                    self.end(rec, "rejected", "invalid_size", j, size=max(u, 0.0))
                    return None
                self.exit_lots(rec, [(target, u)], base, j, reason)
                return None
            return self.reduce_fifo(rec, u, base, j, reason)
        st = w["size_type"]
        if pdir == d and st == "target_percent":
            # a target below the holding: reduce by the difference (vectorbt's TargetPercent)
            f = self.fill_price(base, -d, j)
            target = w["size"] * self.equity_at(f) / (f * self.mult)
            if target < abs(self.pos):
                rec["side"] = "sell" if d > 0 else "buy"
                rec["intent"] = "reduce"
                return self.reduce_fifo(rec, abs(self.pos) - target, base, j, reason)
        if pdir == -d:                     # reversal: close everything, then open
            if intent == "add":
                self.end(rec, "rejected", "no_position", j)
                return None
            closer = self.new_rec("market", rec["side"], "close", j, parent=rec["id"])
            closer["placed_bar"] = rec["placed_bar"]
            self.close_all(closer, base, j, reason)
        elif pdir == d and intent == "open":
            pass                           # an "open" on a held side adds (pyramiding)
        elif pdir == 0 and intent == "add":
            self.end(rec, "rejected", "no_position", j)
            return None
        return self.open_lot(rec, d, base, j, check_from, reason)

    def approx_value(self, rec, p):
        """The signed approximate value of an order at base price p before the step's fills
        (docs/orders.md § 10; vectorbt's ``approx_order_value_nb``): > 0 buys, < 0 sells."""
        w = rec["_w"]
        d = 1 if rec["side"] == "buy" else -1
        st, size = w["size_type"], w["size"]
        held = self.pos * p * self.mult            # signed value of the position
        pdir = 0 if not self.lots else self.lots[0]["dir"]
        if rec["intent"] == "close":
            return -held if pdir == -d else 0.0
        if rec["intent"] == "net" and st == "target_percent" and size == 0:
            return -held
        if rec["intent"] == "net" and pdir == -d and st != "target_percent":
            return d * (size * p * self.mult if st == "units" else size if st == "value"
                        else size * abs(held))
        if rec["intent"] == "reduce":
            if pdir != -d:
                return 0.0
            v = abs(held)
            return d * (size * p * self.mult if st == "units" else size * v if st == "percent"
                        else size if st == "value"
                        else max(v - size * self.equity_at(p), 0.0))
        if st == "target_percent":
            return d * size * self.equity_at(p) - held
        closing = -held if pdir == -d else 0.0     # a reversal closes first
        if st == "units":
            return closing + d * size * p * self.mult
        if st == "value":
            return closing + d * size
        lev = self.leverage if self.margin_per is None else 1.0
        cash = self.equity_at(p) if pdir == -d else self.available(p)
        return closing + d * size * cash * lev

    def reduce_fifo(self, rec, u, base, j, reason):
        """Closes u units FIFO (floored unless fractional, capped at the held units)."""
        held = abs(self.pos)
        u = min(self.floor(u), held)
        if not u > 0:
            self.end(rec, "rejected", "invalid_size", j, size=max(u, 0.0))
            return
        parts, left = [], u
        for lot in self.lots:           # FIFO: oldest lot first
            take = min(lot["size"], left)
            parts.append((lot, take))
            left -= take
            if left <= 0:
                break
        self.exit_lots(rec, parts, base, j, reason)

    def working_fills(self, j):
        """Step 3: [(key, action)] of the working limit/stop/stop-limit orders that fill."""
        out = []
        for rec in list(self.orders):
            if rec["status"] != "working" or rec["kind"] not in ("limit", "stop", "stop_limit"):
                continue
            if rec["placed_bar"] >= j:
                continue
            base = self.trigger_price(rec, j)
            if base is not None:
                out.append((self.approx_value(rec, base), lambda rec=rec, base=base:
                            self.fill_working(rec, base, j)))
        return out

    def fill_working(self, rec, base, j):
        if rec["status"] != "working":
            return
        typ = rec["kind"]
        lot = self.execute(rec, base, j, j + 1, "stop" if typ == "stop" else "limit")
        if lot is None or typ != "stop" or math.isnan(lot["tp"]):
            return
        # backtesting.py's exception: the tp inside the stop entry's fill bar, the stop not
        d, tp = lot["dir"], lot["tp"]
        s, _ = self.eff_stop(lot)
        if d > 0 and tp <= self.h[j] and (math.isnan(s) or s < self.lo[j]):
            self.fire_bracket(lot, max(self.o[j], tp), "take_profit", j)
        elif d < 0 and tp >= self.lo[j] and (math.isnan(s) or s > self.h[j]):
            self.fire_bracket(lot, min(self.o[j], tp), "take_profit", j)

    def market_fills(self, j, base, placed_bar_max, check_from):
        """Steps 1 and 5: [(key, action)] of the working market orders."""
        out = []
        for rec in list(self.orders):
            if rec["status"] == "working" and rec["kind"] == "market" \
                    and rec["placed_bar"] <= placed_bar_max:
                out.append((self.approx_value(rec, base), lambda rec=rec: rec["status"] == "working"
                            and self.execute(rec, base, j, check_from, rec["_w"]["origin"])))
        return out

    def expire(self, j):
        for rec in self.orders:
            if rec["status"] != "working" or rec["kind"] in BRACKET_KINDS:
                continue
            tif = rec["_w"]["tif"]
            if tif is None or rec["kind"] == "market":
                continue
            if isinstance(tif, (int, np.integer)):
                if j >= rec["placed_bar"] + int(tif):
                    self.end(rec, "expired", "expiry", j)
            elif j + 1 < self.n and self.index[j + 1] > rec["_w"]["deadline"]:
                self.end(rec, "expired", "expiry", j)

    def attribute(self, kind, amount):
        """Splits an account charge over the open lots pro rata by size (docs/orders.md
        § 8.3); a trade record takes its lot's share pro rata to the units it closes."""
        total = sum(L["size"] for L in self.lots)
        for L in self.lots:
            L[kind] += amount * L["size"] / total

    def borrow_at(self, j, prev_pos):
        """Step 0: the borrow fee for the short held from bar j-1's close to bar j."""
        if j > 0 and prev_pos < 0 and self.borrow[j] > 0:
            days = 1.0
            if self.index is not None:
                days = (self.index[j] - self.index[j - 1]) / np.timedelta64(1, "D") \
                    if isinstance(self.index[j], np.datetime64) else \
                    (self.index[j] - self.index[j - 1]).total_seconds() / 86400.0
            amt = self.borrow[j] / 365.0 * days * (-prev_pos) * self.c[j - 1] * self.mult
            self.cash -= amt
            self.charges.append(dict(bar=j, kind="borrow", amount=amt))
            self.attribute("borrow", amt)

    def funding_at(self, j):
        """After step 1: the funding events of bar j (t_j <= t < t_{j+1}) on the position
        held after the open's fills, valued at open[j] when t == t_j, else at close[j-1]."""
        if not self.funding or self.pos == 0:
            return
        t0 = self.index[j]
        t1 = self.index[j + 1] if j + 1 < self.n else None
        for t, rate in self.funding:
            if t >= t0 and (t1 is None and t == t0 or t1 is not None and t < t1):
                price = self.o[j] if (t == t0 or j == 0) else self.c[j - 1]
                amt = rate * self.pos * price * self.mult
                self.cash -= amt
                self.charges.append(dict(bar=j, kind="funding", amount=amt))
                self.attribute("funding", amt)


COST_KEYS = ("fees", "fixed_fees", "unit_fee", "unit_fee_min", "unit_fee_max", "spread",
             "spread_abs",
             "slippage", "leverage", "fractional", "max_lots", "borrow_rate", "funding_times",
             "funding_rates", "multiplier", "margin")


def simulate(open, high, low, close, *, index=None, orders=(),
             strategy: Callable[[Ctx], None] | None = None, init_cash=10_000.0, fees=0.0,
             fixed_fees=0.0, unit_fee=0.0, unit_fee_min=0.0, unit_fee_max=math.inf,
             spread=None, spread_abs=None, slippage=0.0, leverage=1.0, fractional=False, execution="open",
             intrabar="backtesting", max_lots=None, borrow_rate=0.0, funding_times=None,
             funding_rates=None, multiplier=1.0, margin=None,
             close_at_end=True) -> dict[str, Any]:
    """One symbol. Returns equity, cash, position, margin (per bar), orders, trades, charges."""
    costs = dict(fees=fees, fixed_fees=fixed_fees, unit_fee=unit_fee,
                 unit_fee_min=unit_fee_min, unit_fee_max=unit_fee_max, spread=spread,
                 spread_abs=spread_abs,
                 slippage=slippage, leverage=leverage, fractional=fractional,
                 max_lots=max_lots, borrow_rate=borrow_rate, funding_times=funding_times,
                 funding_rates=funding_rates, multiplier=multiplier, margin=margin)
    res = simulate_many({0: (open, high, low, close)}, index=index, orders={0: orders},
                        strategies={0: strategy}, costs={0: costs}, init_cash=init_cash,
                        execution=execution, intrabar=intrabar, close_at_end=close_at_end)
    out = res[0]
    out.update(equity=res["equity"], cash=res["cash"])
    return out


def simulate_many(bars: dict, *, index=None, orders=None, strategies=None, costs=None,
                  init_cash=10_000.0, cash_sharing=True, execution="open",
                  intrabar="backtesting", close_at_end=True) -> dict[str, Any]:
    """Several symbols (``bars``: symbol -> (open, high, low, close), one index) sharing one
    cash account (docs/orders.md § 10). ``orders``/``strategies``/``costs``: symbol -> the
    single-symbol argument. Returns, per symbol, position, margin, orders, trades, charges,
    and the group's equity and cash. With ``cash_sharing=False`` each symbol is simulated
    alone (with ``init_cash`` each) and the group's equity/cash are the sums."""
    syms = list(bars)
    orders, strategies, costs = orders or {}, strategies or {}, costs or {}
    if not cash_sharing and len(syms) > 1:
        parts = {s: simulate(*bars[s], index=index, orders=orders.get(s, ()),
                             strategy=strategies.get(s), init_cash=init_cash,
                             execution=execution, intrabar=intrabar,
                             close_at_end=close_at_end, **costs.get(s, {})) for s in syms}
        out: dict[str, Any] = dict(parts)
        out["equity"] = sum(p["equity"] for p in parts.values())
        out["cash"] = sum(p["cash"] for p in parts.values())
        return out
    if execution not in ("open", "close") or intrabar not in INTRABAR:
        raise ValueError("execution/intrabar")
    if index is not None:
        index = list(index)
    acct = _Acct(init_cash)
    sims = []
    for sym in syms:
        o, h, lo, c = (np.asarray(x, dtype=np.float64) for x in bars[sym])
        kw = dict(fees=0.0, fixed_fees=0.0, unit_fee=0.0, unit_fee_min=0.0,
                  unit_fee_max=math.inf, spread=None, spread_abs=None, slippage=0.0,
                  leverage=1.0,
                  fractional=False, max_lots=None, borrow_rate=0.0, funding_times=None,
                  funding_rates=None, multiplier=1.0, margin=None)
        kw.update(costs.get(sym, {}))
        sims.append(_Sim(o, h, lo, c, index=index, init_cash=init_cash, acct=acct,
                         execution=execution, intrabar=intrabar, close_at_end=close_at_end,
                         **kw))
    n = sims[0].n
    if any(x.n != n for x in sims):
        raise ValueError("every symbol needs the same bars")
    by_bar = []
    for sym in syms:
        d: dict[int, list] = {}
        for spec in orders.get(sym, ()):
            spec = dict(spec)
            d.setdefault(int(spec.pop("bar")), []).append(spec)
        by_bar.append(d)
    strats = [strategies.get(sym) for sym in syms]
    by_value = len(sims) > 1

    def run(actions):
        """Applies one step's fills: symbol order, then creation order; with several
        symbols sharing cash, sorted by their approximate value, ascending (a stable sort:
        vectorbt's ``call_seq="auto"``, docs/orders.md § 10)."""
        if by_value:
            actions = sorted(actions, key=lambda a: a[0])
        for _, act in actions:
            act()

    eq, cash_s = np.empty(n), np.empty(n)
    pos_s = [np.empty(n) for _ in sims]
    mar_s = [np.empty(n) for _ in sims]
    prev_pos = [0.0 for _ in sims]
    for j in range(n):
        for x in sims:
            x.mark = x.o[j]
        # 0. borrow fee for the short held since bar j-1's close
        for k, x in enumerate(sims):
            x.borrow_at(j, prev_pos[k])
        # 1. market orders of bar j-1 at the open
        if execution == "open":
            run([a for x in sims for a in x.market_fills(j, x.o[j], j - 1, j)])
        # funding events of bar j, on the position after the open's fills
        for x in sims:
            x.funding_at(j)
        # 2. brackets, 3. working price orders
        run([a for x in sims for a in x.bracket_fills(j)])
        run([a for x in sims for a in x.working_fills(j)])
        # 4. expiry
        for x in sims:
            x.expire(j)
        for x in sims:
            x.mark = x.c[j]
        # 5. the orders of bar j, then the strategies
        for k, x in enumerate(sims):
            for spec in by_bar[k].get(j, ()):
                x.place(spec, j)
            if strats[k] is not None:
                strats[k](Ctx(x, j))
        if execution == "close":
            run([a for x in sims for a in x.market_fills(j, x.c[j], j, j + 1)])
        for x in sims:
            for lot in x.lots:  # per-bar stop level for bar j+1 (ratchets)
                path = lot["sl_path"]
                if path is not None and not math.isnan(path[j]):
                    lvl = float(path[j])
                    cur = lot["sl"]
                    if math.isnan(cur) or (lvl > cur if lot["dir"] > 0 else lvl < cur):
                        lot["sl"] = lvl
        # 7. end of data
        if j == n - 1:
            for x in sims:
                if close_at_end and x.lots:
                    rec = x.new_rec("market", "sell" if x.pos > 0 else "buy", "close", j)
                    x.close_all(rec, x.c[j], j, "end_of_data")
                for rec in x.orders:
                    if rec["status"] == "working":
                        x.end(rec, "cancelled", "end_of_data", j)
        # 8. out of money
        if not sims[0].equity_at(sims[0].c[j]) > 0:
            for x in sims:
                if x.lots:
                    rec = x.new_rec("market", "sell" if x.pos > 0 else "buy", "close", j)
                    x.close_all(rec, x.c[j], j, "liquidation")
                for rec in list(x.orders):
                    if rec["status"] == "working":
                        if rec["kind"] == "market" and rec["placed_bar"] == j:
                            x.orders.remove(rec)  # never sent: no row
                        else:
                            x.end(rec, "cancelled", "liquidation", j)
            eq[j:] = cash_s[j:] = 0.0
            for k in range(len(sims)):
                pos_s[k][j:] = mar_s[k][j:] = 0.0
            break
        # 9. records
        cash_s[j] = acct.cash
        eq[j] = sims[0].equity_at(sims[0].c[j])
        for k, x in enumerate(sims):
            pos_s[k][j], mar_s[k][j] = x.pos, x.margin
            prev_pos[k] = x.pos
    out = dict(equity=eq, cash=cash_s)
    for k, (sym, x) in enumerate(zip(syms, sims)):
        for rec in x.orders:
            rec.pop("_w", None)
        out[sym] = dict(position=pos_s[k], margin=mar_s[k], orders=x.orders, trades=x.trades,
                        charges=x.charges)
    return out
