"""``threadx.backtest.from_orders``: per-bar order arrays (vectorbt's ``Portfolio.from_orders``
shape) on the order-level core (docs/orders.md).

``size[i]`` is the order of bar i: NaN (or 0 for units/value/percent) places none; its sign
is the side (+ buy, - sell). Orders are "net" (docs/orders.md § 3): a sell while long
reduces FIFO and what is left opens a short, as vectorbt's ``direction="both"``; a
target-percent order moves the position to ``size`` x equity (0: flat).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_number, checked_cancel, checked_keywords
from threadx.backtest import _orders
from threadx.backtest._engine import Bars, bars_of
from threadx.backtest._result import ResultViews
from threadx.errors import ValidationError

__all__ = ["OrdersResult", "from_orders"]

SIZE_TYPES = ("units", "value", "percent", "target_percent")
ORDER_TYPES = ("market", "limit", "stop", "stop_limit")
COSTS = ("fees", "fixed_fees", "unit_fee", "unit_fee_min", "unit_fee_max", "spread", "spread_abs", "slippage",
         "leverage", "fractional", "max_lots", "borrow_rate", "multiplier", "margin")


def _symbols(data: Any, errors: FieldErrors) -> dict[str, Bars]:
    """One frame (symbol "0"... named by the frame's ``name`` attribute if any) or a dict
    of frames on one index."""
    frames = data if isinstance(data, dict) else {getattr(data, "name", None) or "0": data}
    out: dict[str, Bars] = {}
    for sym, frame in frames.items():
        sub = FieldErrors()
        bars = bars_of(frame, sub)
        for e in sub.items:
            errors.add(f"data[{sym!r}].{e['field']}" if isinstance(data, dict) else e["field"], e["value"],
                       e["message"])
        if bars is not None:
            out[str(sym)] = bars
    if out:
        first = next(iter(out.values()))
        for sym, b in out.items():
            if len(b.index) != len(first.index) or not b.index.equals(first.index):
                errors.add(f"data[{sym!r}]", f"<{len(b.index)} bars>", "every symbol needs the same index")
    return out


def _columns_of(data: Any, symbols: dict[str, Bars], size: Any, errors: FieldErrors) -> dict[str, Bars]:
    """One frame with a 2-D ``size`` (vectorbt's shape): one simulation per column of
    ``size`` on the same bars, named by the DataFrame's columns (or 0, 1, ... for an array)."""
    if isinstance(data, dict) or len(symbols) != 1 or np.ndim(size) != 2:
        return symbols
    labels = [str(c) for c in size.columns] if isinstance(size, pd.DataFrame) else \
        [str(k) for k in range(np.shape(size)[1])]
    if len(set(labels)) != len(labels) or not labels:
        errors.add("size", f"<columns {labels[:5]}>", "needs at least one column, each named once")
        return symbols
    bars = next(iter(symbols.values()))
    return {lab: bars for lab in labels}


def _per_symbol(name: str, value: Any, syms: list[str], index: pd.Index, errors: FieldErrors,
                required: bool = False) -> dict[str, np.ndarray] | None:
    """A per-bar float array for each symbol: a scalar, a (n,) array or Series (one symbol,
    or the same for all), a (n, symbols) array (by position), a DataFrame with a column per
    symbol, or a dict symbol -> array. A Series or DataFrame must be on the data's index."""
    n = len(index)
    if value is None:
        if required:
            errors.add(name, None, "is required")
        return None
    if isinstance(value, (pd.Series, pd.DataFrame)) and not value.index.equals(index):
        errors.add(name, f"<index of {len(value.index)} rows>", "must be on the data's index (align it first)")
        return None
    if isinstance(value, pd.DataFrame):
        names = {str(c): c for c in value.columns}
        missing = [s for s in syms if s not in names]
        if missing:
            errors.add(name, f"<columns {list(value.columns)[:5]}>", f"lacks a column for {missing[0]!r}")
            return None
        block = value.to_numpy()
        pos = {str(c): k for k, c in enumerate(value.columns)}
        value = {s: block[:, pos[s]] for s in syms}
    elif isinstance(value, np.ndarray) and value.ndim == 2:
        if value.shape != (n, len(syms)):
            errors.add(name, f"<array {value.shape}>", f"must be ({n}, {len(syms)}): a row per bar, a column per symbol")
            return None
        value = {s: value[:, k] for k, s in enumerate(syms)}
    if isinstance(value, dict):
        out = {}
        for s in syms:
            if s not in value:
                errors.add(name, f"<keys {list(value)[:5]}>", f"lacks {s!r}")
                return None
            a = _bar_array(f"{name}[{s!r}]", value[s], n, errors)
            if a is None:
                return None
            out[s] = a
        return out
    a = _bar_array(name, value, n, errors)
    return None if a is None else {s: a for s in syms}


def _bar_array(name: str, value: Any, n: int, errors: FieldErrors) -> np.ndarray | None:
    if np.ndim(value) == 0:
        v = as_number(value.item() if isinstance(value, np.ndarray) else value, name, errors)
        return None if v is None else np.full(n, float(v))
    a = np.asarray(value)
    if a.ndim != 1 or a.shape[0] != n or a.dtype.kind not in "iuf":
        errors.add(name, value, f"must be a number or {n} numbers (one per bar)")
        return None
    return a.astype(np.float64)


def _choice(name: str, value: Any, choices: tuple[str, ...], errors: FieldErrors) -> str:
    if value not in choices:
        errors.add(name, value, f"must be one of {list(choices)}")
    return str(value)


def _size_type_codes(size_type: Any, n: int, errors: FieldErrors) -> np.ndarray | None:
    """The core's size-type code per bar: one name for every bar, or one name per bar
    (vectorbt's ``size_type`` broadcasts the same way)."""
    names = _orders.ENUMS["size_type"]
    if isinstance(size_type, str):
        if size_type not in SIZE_TYPES:
            errors.add("size_type", size_type, f"must be one of {list(SIZE_TYPES)}")
            return None
        return np.full(n, names.index(size_type), dtype=np.int64)
    a = np.asarray(size_type, dtype=object)
    if a.shape != (n,):
        errors.add("size_type", size_type, f"must be one of {list(SIZE_TYPES)} or one per bar ({n})")
        return None
    bad = [v for v in dict.fromkeys(a.tolist()) if v not in SIZE_TYPES]
    if bad:
        errors.add("size_type", bad[0], f"must be one of {list(SIZE_TYPES)} (at every bar)")
        return None
    lookup = {k: names.index(k) for k in SIZE_TYPES}
    return np.fromiter((lookup[v] for v in a.tolist()), dtype=np.int64, count=n)


def _order_columns(size: np.ndarray, size_type: np.ndarray, order_type: str,
                   levels: dict[str, np.ndarray | None], tif: Any, errors: FieldErrors) -> dict[str, np.ndarray]:
    """The core's order columns of one symbol's per-bar arrays (vectorised); ``size_type``:
    a code per bar."""
    target = size_type == _orders.ENUMS["size_type"].index("target_percent")
    take = np.isfinite(size) & ((size != 0) | target)
    bars = np.flatnonzero(take)
    s = size[bars]
    enums = _orders.ENUMS
    cols: dict[str, np.ndarray] = {
        "bar": bars.astype(np.int64),
        "side": np.where(s < 0, -1, 1).astype(np.int64),
        "type": np.full(len(bars), enums["kind"].index(order_type), dtype=np.int64),
        "intent": np.full(len(bars), enums["intent"].index("net"), dtype=np.int64),
        "size_type": size_type[bars],
        "size": np.abs(s),
    }
    for k, a in levels.items():
        if a is not None:
            cols[k] = a[bars]
    tif_bars, tif_ns = _orders._tif(tif, "from_orders", errors)
    cols["tif_bars"] = np.full(len(bars), tif_bars, dtype=np.int64)
    cols["tif_ns"] = np.full(len(bars), tif_ns, dtype=np.int64)
    return cols


def _funding(value: Any, errors: FieldErrors) -> tuple[np.ndarray, np.ndarray] | None:
    """A Series of funding rates on a DatetimeIndex (the funding times)."""
    if value is None:
        return None
    if not (isinstance(value, pd.Series) and isinstance(value.index, pd.DatetimeIndex)):
        errors.add("funding", value, "must be a Series of rates indexed by the funding times (a DatetimeIndex)")
        return None
    return (np.asarray(value.index.as_unit("ns").asi8, dtype=np.int64),
            np.asarray(value.to_numpy(dtype=np.float64, na_value=np.nan)))


def extra_costs(costs: Any, allowed: tuple[str, ...], errors: FieldErrors, what: str = "a cost") -> dict[str, Any]:
    """``costs=`` (None or a dict whose keys are among ``allowed``) as a dict; every bad key reported."""
    if not (isinstance(costs, dict) or costs is None):
        errors.add("costs", costs, f"must be a dict with keys among {list(allowed)}")
        return {}
    extra = dict(costs or {})
    for k in extra:
        if k not in allowed:
            errors.add(f"costs[{k!r}]", extra[k], f"is not {what}; one of {list(allowed)}")
    return extra


def core_costs(costs: dict[str, Any], funding: tuple[np.ndarray, np.ndarray] | None) -> dict[str, Any]:
    """The costs dict the core reads: per-bar series as float arrays, the funding events split."""
    out = dict(costs)
    for k in ("spread", "spread_abs", "borrow_rate"):
        if isinstance(out.get(k), (pd.Series, np.ndarray, list)):
            out[k] = np.asarray(out[k], dtype=np.float64)
    if funding is not None:
        out["funding_times"], out["funding_rates"] = funding
    return out


class OrdersResult(ResultViews):
    """What ``from_orders`` (and ``Strategy`` runs) give: ``equity``/``cash`` per group
    (a Series, or a DataFrame with a column per symbol when cash is not shared),
    ``position``/``margin`` per symbol, and the ``orders``, ``trades`` and ``charges``
    records with a ``symbol`` column (docs/orders.md § 9)."""

    def __init__(self, index: pd.Index, syms: list[str], groups: list[list[str]], raw: list[dict[str, Any]],
                 close: dict[str, np.ndarray], periods_per_year: float | None,
                 first_bars: dict[str, int] | None = None, *, params: dict[str, Any] | None = None,
                 bars: dict[str, Bars] | None = None) -> None:
        self._params = dict(params or {})
        self._bars = bars  # for provenance's data fingerprint (hashed on first use)
        self.index = index
        self._first_bars = first_bars or {}
        self.symbols = syms
        self._groups = groups
        self._raw = raw
        self._close = close
        self._ppy = periods_per_year

    def _saved_state(self) -> dict[str, Any]:
        """What the methods read (the index, the groups, the core's arrays, the closes), for the store."""
        return {"index": self.index, "symbols": self.symbols, "groups": self._groups, "raw": self._raw,
                "close": self._close, "periods_per_year": self._ppy, "first_bars": self._first_bars,
                "provenance": self.provenance}

    @classmethod
    def _from_saved_state(cls, state: dict[str, Any]) -> OrdersResult:
        """The result :meth:`_saved_state` describes (a loaded result: its provenance as saved)."""
        res = cls(state["index"], list(state["symbols"]), [list(g) for g in state["groups"]], list(state["raw"]),
                  dict(state["close"]), state["periods_per_year"], dict(state["first_bars"]))
        if "provenance" in state:  # a loaded result: its provenance as saved
            res.__dict__["provenance"] = dict(state["provenance"])
        return res

    @cached_property
    def provenance(self) -> dict[str, Any]:
        """ThreadX version, the run's parameters (the strategy's name and parameters, the options
        and costs given as scalars), the symbols, the bars and a SHA-256 of the OHLC data (of
        every symbol, in order; hashed on first use)."""
        h = hashlib.sha256()
        for sym, b in (self._bars or {}).items():
            h.update(f"{sym}:{b.fingerprint()};".encode())
        idx = self.index
        return {"threadx": _core.__version__, "params": dict(self._params), "symbols": list(self.symbols),
                "bars": len(idx), "start": idx[0] if len(idx) else None, "end": idx[-1] if len(idx) else None,
                "data_sha256": h.hexdigest() if self._bars else None}

    def _per_symbol(self, key: str) -> pd.Series | pd.DataFrame:
        cols = {s: g["symbols"][k][key] for names, g in zip(self._groups, self._raw) for k, s in enumerate(names)}
        if len(cols) == 1:
            return pd.Series(next(iter(cols.values())), index=self.index, name=key)
        return pd.DataFrame(cols, index=self.index)

    def _per_group(self, key: str) -> pd.Series | pd.DataFrame:
        if len(self._raw) == 1:
            return pd.Series(self._raw[0][key], index=self.index, name=key)
        return pd.DataFrame({names[0]: g[key] for names, g in zip(self._groups, self._raw)}, index=self.index)

    @cached_property
    def equity(self) -> pd.Series | pd.DataFrame:
        return self._per_group("equity")

    @cached_property
    def cash(self) -> pd.Series | pd.DataFrame:
        return self._per_group("cash")

    @cached_property
    def position(self) -> pd.Series | pd.DataFrame:
        return self._per_symbol("position")

    @cached_property
    def margin(self) -> pd.Series | pd.DataFrame:
        return self._per_symbol("margin")

    def _records(self, kind: str) -> pd.DataFrame:
        parts = [(s, g["symbols"][k][kind]) for names, g in zip(self._groups, self._raw) for k, s in enumerate(names)]
        names = list(parts[0][1])
        merged = {c: np.concatenate([p[c] for _, p in parts]) for c in names}  # one decode for every symbol
        counts = [len(p[names[0]]) for _, p in parts]
        cols = _orders.decoded(merged, kind)
        codes = np.repeat(np.arange(len(parts)), counts)
        out: dict[str, Any] = {"symbol": pd.Categorical.from_codes(codes, categories=pd.Index([s for s, _ in parts]))}
        out.update(cols)
        if isinstance(self.index, pd.DatetimeIndex):
            for col in ("placed_bar", "fill_bar", "entry_bar", "exit_bar", "bar"):
                if col in cols:  # -1 (no bar): NaT
                    out[col.replace("bar", "time")] = self.index.take(cols[col], allow_fill=True,
                                                                            fill_value=pd.NaT)  # type: ignore[arg-type]
        return pd.DataFrame(out)

    @cached_property
    def orders(self) -> pd.DataFrame:
        return self._records("orders")

    @cached_property
    def trades(self) -> pd.DataFrame:
        return self._records("trades")

    @cached_property
    def charges(self) -> pd.DataFrame:
        return self._records("charges")

    @cached_property
    def stats(self) -> pd.Series | pd.DataFrame:
        """docs/backtest.md's statistics of each group's equity and trades (the close is the
        first symbol's of the group, for the buy-and-hold return, which a ``Strategy`` run
        starts at its warm-up bar, the first with every indicator's value, as backtesting.py)."""
        from threadx.backtest._stats import compute_stats, stats_frame

        rows = []
        trades = self.trades
        for names, g in zip(self._groups, self._raw):
            t = trades if len(self._groups) == 1 else trades[trades["symbol"].isin(names)]
            rows.append(compute_stats(pd.Series(g["equity"], index=self.index), t,
                                      pd.Series(self._close[names[0]], index=self.index),
                                      periods_per_year=self._ppy,
                                      first_bar=min(self._first_bars.get(names[0], 0), len(self.index) - 1)))
        if len(rows) == 1:
            return rows[0]
        frame = stats_frame(rows)
        frame.index = [names[0] for names in self._groups]
        return frame

    def __repr__(self) -> str:
        n = sum(len(g["symbols"][k]["trades"]["lot"]) for g in self._raw for k in range(len(g["symbols"])))
        return f"<OrdersResult {len(self.symbols)} symbol(s) x {len(self.index)} bars, {n} trades>"


@checked_keywords
def from_orders(data: Any, size: Any, *, size_type: Any = "units", order_type: str = "market",
                limit_price: Any = None, stop_price: Any = None, sl_price: Any = None, tp_price: Any = None,
                sl_stop: float | None = None,
                tp_stop: float | None = None, tsl_stop: float | None = None, tsl_offset: float | None = None,
                tif: Any = None, init_cash: float = 10_000.0, cash_sharing: bool = False, execution: str = "close",
                intrabar: str = "backtesting", close_at_end: bool = False, fees: float = 0.0,
                fixed_fees: float = 0.0, unit_fee: float = 0.0, unit_fee_min: float = 0.0,
                unit_fee_max: float = math.inf, spread: Any = None, spread_abs: Any = None, slippage: float = 0.0,
                leverage: float = 1.0, fractional: bool = True, max_lots: int | None = None,
                borrow_rate: Any = None, funding: Any = None, multiplier: float = 1.0, margin: float | None = None,
                periods_per_year: float | None = None, cancel: _core.CancelToken | None = None) -> OrdersResult:
    """Simulate per-bar orders (vectorbt's ``from_orders`` shape) on the order-level core.

    ``data``: an OHLC frame, or a dict of frames (symbols) on one index. ``size``: per bar,
    signed (+ buy, - sell; NaN: no order), a scalar, an array/Series (every symbol), a
    DataFrame with a column per symbol, an (n, symbols) array or a dict. One frame with a
    2-D ``size`` (a DataFrame or an (n, k) array, vectorbt's shape) runs one simulation per
    column on the same bars, the columns named by the DataFrame's (or "0", "1", ...); the
    other per-bar arrays may then be 2-D the same way. ``size_type``: "units", "value" (currency),
    "percent" (of the available cash to buy, of the position to sell) or "target_percent"
    (of equity; 0 goes flat), or one of these per bar. ``sl_price``/``tp_price``: per-bar
    stop-loss / take-profit levels of the lot an order opens (NaN: none). Market orders fill at the bar's close (``execution="close"``,
    vectorbt's default price) or the next open; ``order_type`` "limit"/"stop"/"stop_limit"
    take ``limit_price``/``stop_price`` per bar and ``tif`` (bars or a timedelta). Brackets
    ``sl_stop``/``tp_stop``/``tsl_stop``/``tsl_offset``; costs and instruments as in
    docs/orders.md § 8 (``funding``: a Series of rates on the funding times). With several
    symbols and ``cash_sharing=True`` they share one account and the orders of a step are
    filled sells first (vectorbt's ``call_seq="auto"``, docs/orders.md § 10).
    """
    errors = FieldErrors()
    symbols = _columns_of(data, _symbols(data, errors), size, errors)
    syms = list(symbols)
    index = next(iter(symbols.values())).index if symbols else pd.RangeIndex(0)
    n = len(index)
    st_codes = _size_type_codes(size_type, n, errors) if symbols else None
    _choice("order_type", order_type, ORDER_TYPES, errors)
    sizes = _per_symbol("size", size, syms, index, errors, required=True) if symbols else None
    lim = _per_symbol("limit_price", limit_price, syms, index, errors) if symbols else None
    stp = _per_symbol("stop_price", stop_price, syms, index, errors) if symbols else None
    slp = _per_symbol("sl_price", sl_price, syms, index, errors) if symbols else None
    tpp = _per_symbol("tp_price", tp_price, syms, index, errors) if symbols else None
    fund = _funding(funding, errors)
    cancel = checked_cancel(cancel)
    bracket = {}
    for k, v in (("sl_stop", sl_stop), ("tp_stop", tp_stop), ("tsl_stop", tsl_stop), ("tsl_offset", tsl_offset)):
        if v is not None:
            x = as_number(v, k, errors)
            if x is not None and not math.isfinite(x):  # NaN is "none" only inside per-order arrays
                errors.add(k, v, "must be a finite number, or None")
            elif x is not None:
                bracket[k] = np.full(n, x)
    errors.raise_if_any()
    assert sizes is not None
    costs = core_costs(dict(fees=fees, fixed_fees=fixed_fees, unit_fee=unit_fee, unit_fee_min=unit_fee_min,
                            unit_fee_max=unit_fee_max, spread=spread, spread_abs=spread_abs, slippage=slippage,
                            leverage=leverage, fractional=fractional, max_lots=max_lots, borrow_rate=borrow_rate,
                            multiplier=multiplier, margin=margin), fund)
    # the core reads bar times for a timedelta tif, funding and borrow days only
    timed = fund is not None or borrow_rate is not None or not (tif is None or isinstance(tif, (int, np.integer)))
    entries = []
    for s in syms:
        b = symbols[s]
        levels = {"limit": None if lim is None else lim[s], "stop": None if stp is None else stp[s],
                  "sl": None if slp is None else slp[s], "tp": None if tpp is None else tpp[s], **bracket}
        assert st_codes is not None
        cols = _order_columns(sizes[s], st_codes, order_type, levels, tif, errors)
        entries.append(dict(name=s, open=b.open, high=b.high, low=b.low, close=b.close,
                            times=b.times if timed else None, orders=cols, costs=costs))
    errors.raise_if_any()
    groups = [syms] if cash_sharing else [[s] for s in syms]
    by_name = dict(zip(syms, entries))
    raw = _orders.run_groups([[by_name[s] for s in g] for g in groups], init_cash=init_cash, execution=execution,
                             intrabar=intrabar, close_at_end=close_at_end, cancel=cancel)
    first = symbols[syms[0]]
    given = dict(size_type=size_type, order_type=order_type, sl_stop=sl_stop, tp_stop=tp_stop, tsl_stop=tsl_stop,
                 tsl_offset=tsl_offset, tif=tif, init_cash=init_cash, cash_sharing=cash_sharing, execution=execution,
                 intrabar=intrabar, close_at_end=close_at_end, fees=fees, fixed_fees=fixed_fees, unit_fee=unit_fee,
                 slippage=slippage, leverage=leverage, fractional=fractional, multiplier=multiplier, margin=margin)
    return OrdersResult(first.index, syms, groups, raw, {s: symbols[s].close for s in syms}, periods_per_year,
                        params={"from_orders": True, **scalars(given)}, bars=symbols)


# Options of run() that only signal runs read; a strategy run refuses them when set.
SIGNAL_ONLY = ("size", "size_type", "order_type", "expiry", "sl_stop", "tp_stop", "tsl_stop", "tsl_offset")
STRATEGY_COSTS = ("unit_fee", "unit_fee_min", "unit_fee_max", "spread", "spread_abs", "borrow_rate", "funding",
                  "multiplier", "margin", "max_lots")


@dataclass
class StrategyRun:
    """A validated ``run(data, strategy=...)``: what :func:`run_checked` takes."""

    symbols: dict[str, Bars]
    strategy: Any
    params: dict[str, Any]
    costs: dict[str, Any]
    options: dict[str, Any]
    cancel: Any
    cash_sharing: bool = False


def check_strategy_run(data: Any, strategy: Any, params: Any, costs: Any, *, arrays: dict[str, Any],
                       options: dict[str, Any], defaults: dict[str, Any], cancel: Any) -> StrategyRun:
    """Every check of ``run(data, strategy=..., params=..., costs=...)``, all bad fields at once."""
    from threadx.backtest._strategy import check_strategy

    errors = FieldErrors()
    symbols = {k: b.between(options.get("start"), options.get("end"), errors) for k, b in _symbols(data, errors).items()}
    checked = check_strategy(strategy, params, errors)
    for k, v in arrays.items():
        if v is not None:
            errors.add(k, v, "signals and strategy= do not mix: the strategy places the orders")
    for k in SIGNAL_ONLY:
        if options.get(k) != defaults.get(k):
            errors.add(k, options.get(k), "applies to signal runs; a strategy sets it per order")
    extra = extra_costs(costs, STRATEGY_COSTS, errors)
    fund = _funding(extra.pop("funding", None), errors)
    cancel = checked_cancel(cancel)
    errors.raise_if_any()
    costs_in = core_costs(dict(fees=options["fees"], fixed_fees=options["fixed_fees"], slippage=options["slippage"],
                               leverage=options["leverage"], fractional=options["fractional"], **extra), fund)
    return StrategyRun(symbols, strategy, checked, costs_in, options, cancel)


def run_checked(job: StrategyRun) -> OrdersResult:
    """Runs a validated strategy run on the core."""
    from threadx.backtest._strategy import run_strategy

    options, symbols = job.options, job.symbols
    groups, raw, first_bars = run_strategy(symbols, job.strategy, job.params, job.costs,
                                           init_cash=options["init_cash"],
                               execution=options["execution"], intrabar=options["intrabar"],
                               close_at_end=options["close_at_end"], cash_sharing=job.cash_sharing,
                               cancel=job.cancel)
    syms = list(symbols)
    first = symbols[syms[0]]
    name = getattr(job.strategy, "__name__", type(job.strategy).__name__)
    params = {"strategy": name, **scalars(job.params), **scalars(options), **scalars(job.costs),
              "cash_sharing": job.cash_sharing}
    return OrdersResult(first.index, syms, groups, raw, {s: symbols[s].close for s in syms},
                        options.get("periods_per_year"), first_bars, params=params, bars=symbols)


def strategy_result(data: Any, strategy: Any, params: Any, costs: Any, *, arrays: dict[str, Any],
                    options: dict[str, Any], defaults: dict[str, Any], cancel: Any,
                    cash_sharing: bool = False) -> OrdersResult:
    """``run(data, strategy=..., params=..., costs=...)``: validated, then run on the core
    (several symbols: an instance each, on one shared account with ``cash_sharing``)."""
    job = check_strategy_run(data, strategy, params, costs, arrays=arrays, options=options, defaults=defaults,
                             cancel=cancel)
    job.cash_sharing = bool(cash_sharing)
    return run_checked(job)


def scalars(values: dict[str, Any]) -> dict[str, Any]:
    """The plain values of ``values`` (numbers, strings, booleans, None): a run's parameters as
    provenance records them (arrays, frames and functions left out)."""
    return {str(k): v.item() if isinstance(v, np.generic) else v for k, v in values.items()
            if v is None or isinstance(v, (bool, int, float, str, np.generic))}


def is_symbol_dict(data: Any) -> bool:
    """A dict of OHLC frames (several symbols), not one OHLC dict of columns."""
    return isinstance(data, dict) and bool(data) and all(isinstance(v, pd.DataFrame) for v in data.values())


def _pick(value: Any, sym: str, k: int, errors: FieldErrors, name: str) -> Any:
    """The part of a signal/level/option for one symbol: a DataFrame's column or a dict's
    entry named by the symbol, a 2-D array's k-th column, else the value itself (shared)."""
    if isinstance(value, pd.DataFrame):
        if sym not in map(str, value.columns):
            errors.add(name, f"<columns {list(value.columns)[:5]}>", f"lacks a column for {sym!r}")
            return None
        return value[[c for c in value.columns if str(c) == sym][0]]
    if isinstance(value, dict):
        if sym not in value:
            errors.add(name, f"<keys {list(value)[:5]}>", f"lacks {sym!r}")
            return None
        return value[sym]
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return value[:, k] if k < value.shape[1] else None
    return value


def signals_result(data: dict[str, Any], arrays: dict[str, Any], options: dict[str, Any], *, cash_sharing: bool,
                   cancel: Any) -> OrdersResult:
    """``run({symbol: frame}, entries=..., ...)``: each symbol's signals (a DataFrame column
    per symbol, a dict, or one array for all) by ``run``'s rules, on one account per
    symbol or one shared account (``cash_sharing``), in one call on the order core."""
    from threadx.backtest._engine import PER_BAR, prepare

    errors = FieldErrors()
    symbols = _symbols(data, errors)
    keys = {str(k): k for k in data}
    preps = {}
    for k, sym in enumerate(symbols):
        arr = {name: _pick(v, sym, k, errors, name) for name, v in arrays.items()}
        opts = {name: (_pick(v, sym, k, errors, name) if name in PER_BAR else v) for name, v in options.items()}
        try:
            preps[sym] = prepare(data[keys[sym]], arr, opts)
        except ValidationError as exc:
            for e in exc.errors:
                errors.add(f"{sym}: {e['field']}", e["value"], e["message"])
            continue
        if preps[sym].sims != 1:
            errors.add("signals", sym, "give one column per symbol (a DataFrame with the symbols as columns)")
    cancel = checked_cancel(cancel)
    errors.raise_if_any()
    syms = list(symbols)
    first = preps[syms[0]]
    entries = {}
    for sym in syms:
        p = preps[sym]
        b = p.bars
        one_d = tuple(None if m is None else np.ascontiguousarray(m[:, 0]) for m in p.signals)
        lv = tuple(None if m is None else np.ascontiguousarray(m[:, 0]) for m in p.levels)
        costs = {k: p.params[k] for k in ("fees", "fixed_fees", "slippage", "leverage", "fractional")}
        entries[sym] = dict(name=sym, open=b.open, high=b.high, low=b.low, close=b.close, times=b.times,
                            costs=costs, signals=(p.plan, one_d, lv))
    groups = [syms] if cash_sharing else [[s] for s in syms]
    par = first.params
    raw = _orders.run_groups([[entries[s] for s in g] for g in groups], init_cash=par["init_cash"],
                             execution=par["execution"], intrabar=par["intrabar"], close_at_end=par["close_at_end"],
                             cancel=cancel)
    return OrdersResult(first.bars.index, syms, groups, raw, {s: preps[s].bars.close for s in syms},
                        first.periods_per_year, params={**scalars(par), "cash_sharing": cash_sharing},
                        bars={s: preps[s].bars for s in syms})
