"""``threadx.backtest.Stepper``: a ``Strategy`` stepped one bar at a time, its state in SQLite.

``Stepper(MyStrategy, db="live.sqlite", **options)``; ``stepper.update(bar)`` runs the bar
on the order core exactly as a batch ``run`` would (docs/orders.md § 13) and returns the
orders placed or ended at that bar. Each update commits, in one SQLite transaction, the
bar, those orders and the state after it (a validated binary record, not a pickle). A
process killed at any point restarts from the last committed bar: opening the database
replays the stored bars through a fresh strategy (the strategy must be deterministic:
its orders are its only output) and checks that the replay gives the stored orders and
state, so nothing is lost, duplicated or silently different.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import struct
from collections.abc import Mapping
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_number
from threadx.backtest import _orders
from threadx.backtest._from_orders import extra_costs
from threadx.backtest._live import Grow
from threadx.backtest._strategy import Strategy, check_strategy, next_runner
from threadx.errors import DataError, ValidationError

__all__ = ["Stepper"]

_E = _orders.ENUMS
MAGIC = b"TXSTEP\x00\x02"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bars (j INTEGER PRIMARY KEY, time INTEGER, open REAL NOT NULL, high REAL NOT NULL,"
    " low REAL NOT NULL, close REAL NOT NULL, volume REAL)",
    "CREATE TABLE IF NOT EXISTS orders (j INTEGER NOT NULL, id INTEGER NOT NULL, rec TEXT NOT NULL,"
    " PRIMARY KEY (j, id))",
    "CREATE TABLE IF NOT EXISTS state (j INTEGER PRIMARY KEY, blob BLOB NOT NULL)",
)
_ORDER_KEYS = ("id", "parent", "kind", "side", "intent", "size", "placed_bar", "status", "fill_bar", "fill_price",
               "fees", "reason", "tag", "limit", "stop")
STEPPER_COSTS = ("unit_fee", "unit_fee_min", "unit_fee_max", "spread", "spread_abs", "borrow_rate", "multiplier",
                 "margin", "max_lots")


def _order_dict(rec: tuple[Any, ...]) -> dict[str, Any]:
    d = dict(zip(_ORDER_KEYS, rec, strict=True))
    d["kind"] = _E["kind"][d["kind"]]
    d["side"] = "buy" if d["side"] > 0 else "sell"
    d["intent"] = _E["intent"][d["intent"]]
    d["status"] = _E["status"][d["status"]]
    d["reason"] = _E["reason"][d["reason"]] or None
    for k in ("parent", "fill_bar", "tag"):
        d[k] = None if d[k] < 0 else int(d[k])
    for k in ("size", "fill_price", "fees", "limit", "stop"):
        d[k] = None if math.isnan(d[k]) else float(d[k])
    return d


def state_blob(book: Any, bars: int, indicators: list[tuple[bytes, bytes]]) -> bytes:
    """The state after a bar: position, cash, equity, the open lots, the working orders and
    the indicators' states (each a kind byte and a stream checkpoint), as a header,
    fixed-layout fields and a SHA-256 of them (docs/orders.md § 13)."""
    body = bytearray(struct.pack("<qddd", bars, book.position, book.cash, book.equity))
    lots = book.lots()
    body += struct.pack("<q", len(lots))
    for lot in lots:
        body += struct.pack("<qqdqdddqd", *lot)
    work = book.working()
    body += struct.pack("<q", len(work))
    for oid in work:
        kind, side, intent, status, reason, size, limit, stop, placed, fill_bar, fill_price, tag = book.order(oid)
        body += struct.pack("<qbbbbdddqqdq", oid, kind, side, intent, status, size, limit, stop, placed, fill_bar,
                            fill_price, tag)
    body += struct.pack("<q", len(indicators))
    for kind, state in indicators:
        body += kind + struct.pack("<q", len(state)) + state
    return MAGIC + struct.pack("<Q", len(body)) + bytes(body) + hashlib.sha256(bytes(body)).digest()


def check_blob(blob: Any, j: int) -> bytes:
    """A stored state record, checked (header, length, checksum) before it is used."""
    where = f"state of bar {j}"
    if not isinstance(blob, bytes) or len(blob) < len(MAGIC) + 8 + 32 or blob[:len(MAGIC)] != MAGIC:
        raise DataError(f"{where}: not a ThreadX stepper state (no {MAGIC!r} header)")
    (n,) = struct.unpack_from("<Q", blob, len(MAGIC))
    start = len(MAGIC) + 8
    if len(blob) != start + n + 32:
        raise DataError(f"{where}: {len(blob)} bytes, the header says {start + n + 32}")
    if hashlib.sha256(blob[start:start + n]).digest() != blob[start + n:]:
        raise DataError(f"{where}: checksum mismatch (the record was changed or damaged)")
    return blob


def _bar_of(bar: Any, errors: FieldErrors) -> tuple[float, float, float, float, float | None, int | None]:
    """open, high, low, close, volume and the time (ns) of a bar: a dict or Series with those
    keys (any case; ``time``, or a Series' name, is the bar's open time)."""
    if isinstance(bar, pd.Series):
        time = bar.name if isinstance(bar.name, (pd.Timestamp, np.datetime64)) else bar.get("time")
        items = {str(k).lower(): v for k, v in bar.items()}
    elif isinstance(bar, Mapping):
        items = {str(k).lower(): v for k, v in bar.items()}
        time = items.get("time")
    else:
        errors.add("bar", bar, "must be a dict or Series with open, high, low, close (and time)")
        return (math.nan,) * 4 + (None, None)
    vals = []
    for k in ("open", "high", "low", "close"):
        if k not in items:
            errors.add(f"bar.{k}", None, "is missing")
            vals.append(math.nan)
            continue
        v = as_number(items[k], f"bar.{k}", errors)
        vals.append(math.nan if v is None else float(v))
    vol = items.get("volume")
    ns = None
    if time is not None:
        try:
            ts = pd.Timestamp(time)
            ns = int(ts.tz_convert("UTC").value if ts.tz is not None else ts.value)
        except (ValueError, TypeError):
            errors.add("bar.time", time, "must be a timestamp")
    return vals[0], vals[1], vals[2], vals[3], None if vol is None else float(vol), ns


class Stepper:
    """A ``Strategy`` stepped one bar at a time, its state committed to SQLite per bar.

    ``Stepper(MyStrategy, db="live.sqlite", params={...}, init_cash=..., fees=..., ...)``:
    ``db`` a file path (``":memory:"`` for a throwaway run). ``update(bar)`` (a dict or
    Series with open/high/low/close, optional volume and time) returns the orders placed or
    ended at that bar (dicts with ``id``, ``kind``, ``side``, ``status``, ``fill_price``...).
    Replaying a committed bar returns its stored orders. Reopening a database restarts
    from its last committed bar. Indicators declared with ``self.I`` are advanced bar by
    bar: a ``threadx.ta`` function as its ``threadx.stream`` twin (O(1)), rolling
    statistics over their window, anything else recomputed over the bars so far (O(bars):
    the cost of an exact match with ``run``; docs/orders.md § 13); ``init()`` runs at the
    first bar.
    """

    def __init__(self, strategy: type[Strategy], *, db: str | PathLike[str], params: dict[str, Any] | None = None,
                 init_cash: float = 10_000.0, execution: str = "open", intrabar: str = "backtesting",
                 fees: float = 0.0, fixed_fees: float = 0.0, slippage: float = 0.0, leverage: float = 1.0,
                 fractional: bool = False, costs: dict[str, Any] | None = None) -> None:
        errors = FieldErrors()
        checked = check_strategy(strategy, params, errors)
        extra = extra_costs(costs, STEPPER_COSTS, errors, "a Stepper cost")
        if not isinstance(db, (str, PathLike)):
            errors.add("db", db, "must be a file path for SQLite (or ':memory:')")
        errors.raise_if_any()
        self._cls = strategy
        self._params = checked
        self._config = dict(strategy=f"{strategy.__module__}.{strategy.__qualname__}", params=checked,
                            init_cash=init_cash, execution=execution, intrabar=intrabar, fees=fees,
                            fixed_fees=fixed_fees, slippage=slippage, leverage=leverage, fractional=fractional,
                            costs=extra)
        self._core_costs = dict(fees=fees, fixed_fees=fixed_fees, slippage=slippage, leverage=leverage,
                                fractional=fractional, **extra)
        self._core_params = dict(init_cash=init_cash, execution=execution, intrabar=intrabar)
        self._new_engine()
        self._db = sqlite3.connect(str(db), isolation_level=None)
        self._open_db()
        self._replay()

    # ------------------------------------------------------------------ engine
    def _new_engine(self) -> None:
        self._cols = {k: Grow() for k in ("open", "high", "low", "close", "volume")}
        self._times: list[int | None] = []
        self._index = Grow(object)  # pd.Timestamp per bar (UTC), or the bar numbers without times
        self._no_volume = False
        self._strategy: Strategy | None = None
        self._next: Any = None  # the strategy's next() runner, made with the strategy
        self._engine = _core.backtest.OrderStepper(self._core_costs, self._core_params, self._decide)

    def _decide(self, j: int, book: Any) -> None:
        s = self._strategy
        assert s is not None
        s._refresh()
        if j < s.warmup():
            return
        self._next(j, book)

    def _arrays(self) -> dict[str, np.ndarray]:
        cols = {k: g.view() for k, g in self._cols.items() if k != "volume"}
        if not self._no_volume:
            cols["volume"] = self._cols["volume"].view()
        return cols

    def _step(self, o: float, h: float, lo: float, c: float, vol: float | None, ns: int | None) -> int:
        j = len(self._times)
        self._engine_check(o, h, lo, c, ns)
        for k, v in zip(("open", "high", "low", "close", "volume"), (o, h, lo, c, vol), strict=True):
            self._cols[k].append(math.nan if v is None else v)
        if not self._times and ns is None:
            self._index = Grow(np.int64)
        self._times.append(ns)
        self._index.append(j if ns is None else pd.Timestamp(ns, tz="UTC"))
        if self._strategy is None:
            self._no_volume = vol is None
            self._strategy = self._cls(self._arrays(), pd.Index(self._index.view()), self._params)
            self._strategy._live = True
            self._next = next_runner(self._strategy)
            self._strategy._j = j
            self._strategy.init()
        else:
            self._no_volume = self._no_volume or vol is None
            arrays = self._arrays()
            for k, rev in self._strategy.data._cols.items():
                rev._a = arrays[k] if k in arrays else np.full(j + 1, math.nan)
            self._strategy.data._index._a = self._index.view()
        self._strategy._j = j
        self._engine.step(o, h, lo, c, ns)
        return j

    def _engine_check(self, o: float, h: float, lo: float, c: float, ns: int | None) -> None:
        """The core's bar rules before anything is appended (a refused bar changes nothing)."""
        last = self._times[-1] if self._times else None
        errors = FieldErrors()
        if self._times and (ns is None) != (last is None):
            errors.add("bar.time", ns, "every bar needs a time, or none does")
        elif ns is not None and last is not None and ns <= last:
            errors.add("bar.time", pd.Timestamp(ns, tz="UTC"), f"must be after the last bar's ({pd.Timestamp(last, tz='UTC')})")
        if not (all(math.isfinite(x) for x in (o, h, lo, c)) and 0 < lo <= min(o, c) and max(o, c) <= h):
            errors.add("bar", (o, h, lo, c), "needs finite prices with 0 < low <= min(open, close), max(open, close) <= high")
        errors.raise_if_any()

    # ------------------------------------------------------------------ database
    def _open_db(self) -> None:
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        for stmt in _SCHEMA:
            cur.execute(stmt)
        row = cur.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()
        config = json.dumps(self._config, sort_keys=True, default=str)
        if row is None:
            cur.execute("INSERT INTO meta VALUES ('config', ?)", (config,))
        elif row[0] != config:
            cur.execute("ROLLBACK")
            raise ValidationError([{"field": "db", "value": "<config>",
                                    "message": "holds another strategy or other options: " + row[0][:200]}])
        cur.execute("COMMIT")

    def _replay(self) -> None:
        """Re-runs the committed bars; their orders and the last state must be what is stored."""
        rows = self._db.execute("SELECT j, time, open, high, low, close, volume FROM bars ORDER BY j").fetchall()
        for k, (j, ns, o, h, lo, c, vol) in enumerate(rows):
            if j != k:
                raise DataError(f"bars: row {j} where {k} was expected (the database is incomplete)")
            self._step(o, h, lo, c, vol, ns)
            got = [_order_dict(tuple(r)) for r in self._engine.book.orders_since(j)]
            if got != self.stored_orders(j):
                raise DataError(f"replaying bar {j} gives other orders than the stored ones "
                                "(the strategy is not deterministic, or the database was changed)")
        if rows:
            j = rows[-1][0]
            row = self._db.execute("SELECT blob FROM state WHERE j = ?", (j,)).fetchone()
            if row is None:
                raise DataError(f"state of bar {j}: missing")
            if check_blob(row[0], j) != self._state(j):
                raise DataError(f"state of bar {j}: replaying the bars gives another state "
                                "(the strategy is not deterministic, or the database was changed)")

    def _state(self, j: int) -> bytes:
        s = self._strategy
        return state_blob(self._engine.book, j + 1, [] if s is None else s._indicator_states())

    def stored_orders(self, j: int) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT rec FROM orders WHERE j = ? ORDER BY id", (j,)).fetchall()
        out = []
        for (rec,) in rows:
            try:
                out.append(json.loads(rec))
            except (TypeError, ValueError):
                raise DataError(f"orders of bar {j}: a record is not valid JSON") from None
        return out

    # ------------------------------------------------------------------ public
    def update(self, bar: Any) -> list[dict[str, Any]]:
        """Runs the next bar, commits it with its orders and state; returns those orders.
        A bar whose time was already committed returns the stored orders (same ids); with
        other prices it is a ValidationError."""
        errors = FieldErrors()
        o, h, lo, c, vol, ns = _bar_of(bar, errors)
        errors.raise_if_any()
        if ns is not None and self._times and self._times[-1] is not None and ns <= self._times[-1]:
            row = self._db.execute("SELECT j, open, high, low, close FROM bars WHERE time = ?", (ns,)).fetchone()
            if row is not None:
                if tuple(row[1:]) != (o, h, lo, c):
                    raise ValidationError([{"field": "bar", "value": repr((o, h, lo, c)),
                                            "message": f"bar {row[0]} at this time was committed with {row[1:]}"}])
                return self.stored_orders(int(row[0]))
        self._engine_check(o, h, lo, c, ns)  # a refused bar changes nothing
        try:
            j = self._step(o, h, lo, c, vol, ns)
            orders = [_order_dict(tuple(r)) for r in self._engine.book.orders_since(j)]
            self._commit(j, (ns, o, h, lo, c, vol), orders, self._state(j))
        except BaseException:
            # the bar is not committed: rebuild the engine from what is (a replay), then re-raise
            self._new_engine()
            self._replay()
            raise
        return [json.loads(json.dumps(d, sort_keys=True)) for d in orders]

    def _commit(self, j: int, bar: tuple[Any, ...], orders: list[dict[str, Any]], blob: bytes) -> None:
        """Bar j, its orders and the state after it, in one transaction."""
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            cur.execute("INSERT INTO bars VALUES (?, ?, ?, ?, ?, ?, ?)", (j, *bar))
            cur.executemany("INSERT INTO orders VALUES (?, ?, ?)",
                            [(j, d["id"], json.dumps(d, sort_keys=True)) for d in orders])
            cur.execute("DELETE FROM state")
            cur.execute("INSERT INTO state VALUES (?, ?)", (j, blob))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    @property
    def bars(self) -> int:
        return len(self._times)

    @property
    def position(self) -> float:
        return float(self._engine.book.position)

    @property
    def equity(self) -> float:
        return float(self._engine.equity)

    def orders(self) -> pd.DataFrame:
        """Every order as last stored (one row per order id)."""
        rows = self._db.execute("SELECT j, rec FROM orders ORDER BY j, id").fetchall()
        latest: dict[int, dict[str, Any]] = {}
        for _, rec in rows:
            d = json.loads(rec)
            latest[d["id"]] = d
        return pd.DataFrame([latest[k] for k in sorted(latest)])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Stepper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
