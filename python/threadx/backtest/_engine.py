"""``threadx.backtest.run``: inputs in, ``BacktestResult`` out (the rules: docs/backtest.md)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import inspect
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import (FieldErrors, _is_int, as_number, checked_cancel, checked_keywords, core_array,
                             index_mismatch, unknown_keywords)
from threadx.backtest._result import ResultViews
from threadx.errors import ValidationError

__all__ = ["BacktestResult", "run"]

SIGNALS = ("entries", "exits", "short_entries", "short_exits")
LEVELS = ("limit_price", "stop_price", "sl_price", "tp_price")
# options that may also be given per bar (an array, Series or 2-D like the signals)
PER_BAR = ("size", "sl_stop", "tp_stop")
KINDS = ("market", "limit", "stop", "stop_limit", "stop_loss", "take_profit", "trailing_stop")
STATUSES = ("filled", "cancelled", "expired", "rejected")
REASONS = ("signal", "stop_loss", "take_profit", "trailing_stop", "limit", "stop", "expiry", "end_of_data",
           "replaced", "insufficient_cash", "liquidation")
OHLC = ("open", "high", "low", "close")


@dataclass(frozen=True)
class Bars:
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    index: pd.Index
    volume: np.ndarray | None = None

    @property
    def times(self) -> np.ndarray | None:
        if isinstance(self.index, pd.DatetimeIndex):
            return np.asarray(self.index.as_unit("ns").asi8, dtype=np.int64)
        return None

    def between(self, start: Any, end: Any, errors: FieldErrors) -> Bars:
        """The bars with ``start <= time < end`` (``run``'s ``start``/``end`` rule; either may be None)."""
        lo, hi = _window(start, end, self, errors)
        if (lo, hi) == (0, len(self.close)):
            return self
        vol = self.volume
        return Bars(self.open[lo:hi], self.high[lo:hi], self.low[lo:hi], self.close[lo:hi], self.index[lo:hi],
                    None if vol is None else vol[lo:hi])

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for a in (self.open, self.high, self.low, self.close):
            h.update(a.view(np.uint8).data)
        h.update(np.asarray(self.index.astype("int64") if isinstance(self.index, pd.DatetimeIndex)
                            else np.arange(len(self.index))).view(np.uint8).data)
        return h.hexdigest()


def bars_of(data: Any, errors: FieldErrors) -> Bars | None:
    """OHLC(V) from a DataFrame or dict (any case) or an (open, high, low, close) tuple."""
    cols: dict[str, Any] = {}
    index: pd.Index | None = None
    if isinstance(data, pd.DataFrame):
        lower = {str(c).lower(): c for c in data.columns}
        cols = {k: data[lower[k]] for k in (*OHLC, "volume") if k in lower}
        index = data.index
    elif isinstance(data, dict):
        lower = {str(k).lower(): k for k in data}
        cols = {k: data[lower[k]] for k in (*OHLC, "volume") if k in lower}
    elif isinstance(data, (tuple, list)) and len(data) in (4, 5):
        cols = dict(zip((*OHLC, "volume"), data, strict=False))
    else:
        errors.add("data", data, "must be a DataFrame or dict with open/high/low/close columns, "
                   "or an (open, high, low, close) tuple")
        return None
    missing = [k for k in OHLC if k not in cols]
    if missing:
        errors.add("data", f"<columns {sorted(cols)}>", f"lacks {', '.join(missing)}")
        return None
    arrays: dict[str, np.ndarray] = {}
    for k, v in cols.items():
        if index is None and isinstance(v, pd.Series):
            index = v.index
        a = np.asarray(v)
        if a.ndim != 1 or not (np.issubdtype(a.dtype, np.number) and not np.issubdtype(a.dtype, np.complexfloating)):
            errors.add(k, f"<{a.dtype} array {a.shape}>", "must be a 1-D real numeric column")
            continue
        arrays[k] = core_array(a, contiguous=True)
    if len(arrays) < len(cols):
        return None
    n = len(arrays["close"])
    bad = [k for k, a in arrays.items() if len(a) != n]
    if bad:
        errors.add(bad[0], f"<{len(arrays[bad[0]])} bars>", f"must have as many bars as close ({n})")
        return None
    if n == 0:
        errors.add("data", "<0 bars>", "must hold at least one bar")
        return None
    if index is None:
        index = pd.RangeIndex(n)
    return Bars(arrays["open"], arrays["high"], arrays["low"], arrays["close"], index, arrays.get("volume"))


def _columns_of(value: Any) -> pd.Index | None:
    return value.columns if isinstance(value, pd.DataFrame) else None


def _as_signal(name: str, value: Any, a: np.ndarray, errors: FieldErrors) -> np.ndarray | None:
    """A signal array as booleans: bool as it is, integers only when every value is 0 or 1."""
    if a.dtype == bool:
        return a
    if a.dtype.kind in "iu":
        bad = np.flatnonzero((a != 0) & (a != 1))
        if bad.size == 0:
            return a.astype(bool)
        row = np.unravel_index(bad[0], a.shape)
        errors.add(name, value, f"integer signals must be 0 or 1: {a[row]} at {tuple(int(i) for i in row)}")
        return None
    errors.add(name, value, f"must be boolean (or integers 0/1), not {a.dtype}")
    return None


def _matrix(name: str, value: Any, n: int, dtype: Any, errors: FieldErrors) -> np.ndarray | None:
    """A 1-D or 2-D array of ``n`` rows (a scalar for levels), validated."""
    if value is None:
        return None
    if dtype is np.float64 and np.ndim(value) == 0:
        v = as_number(value.item() if isinstance(value, np.ndarray) else value, name, errors)
        return None if v is None else np.full((n, 1), v)
    a = np.asarray(value)
    if a.ndim not in (1, 2) or a.shape[0] != n:
        errors.add(name, value, f"must be 1-D or 2-D with {n} rows (one per bar)")
        return None
    if dtype is bool:
        signal = _as_signal(name, value, a, errors)
        if signal is None:
            return None
        a = signal
    elif not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        errors.add(name, value, f"must be real numbers (NaN: no level), not {a.dtype}")
        return None
    if a.ndim == 2 and a.shape[1] == 0:
        errors.add(name, value, "has no columns (one simulation per column)")
        return None
    a = a.view(np.uint8) if dtype is bool else core_array(a)  # bool: same bytes, no copy
    return a.reshape(n, 1) if a.ndim == 1 else a


def _expiry(value: Any, bars: Bars | None, errors: FieldErrors) -> tuple[int, int]:
    if value is None:
        return 0, 0
    if isinstance(value, (bool, np.bool_)):
        errors.add("expiry", value, "must be a number of bars (int >= 1) or a timedelta")
        return 0, 0
    if _is_int(value):  # not a np.timedelta64, which numpy counts as an integer
        if not 1 <= value <= 2**40:
            errors.add("expiry", value, "must be a number of bars in [1, 2**40]")
            return 0, 0
        return int(value), 0
    if isinstance(value, (_dt.timedelta, pd.Timedelta, np.timedelta64, str)):
        try:
            td = pd.Timedelta(value)
        except ValueError:
            errors.add("expiry", value, "must be a number of bars (int >= 1) or a timedelta")
            return 0, 0
        if td <= pd.Timedelta(0):
            errors.add("expiry", value, "must be a positive timedelta")
        elif bars is not None and not isinstance(bars.index, pd.DatetimeIndex):
            errors.add("expiry", value, "a timedelta needs a DatetimeIndex on the data; give a number of bars")
        return 0, int(td.value)
    errors.add("expiry", value, "must be a number of bars (int >= 1) or a timedelta")
    return 0, 0


@dataclass
class Prepared:
    bars: Bars
    sims: int
    labels: pd.Index | None  # simulation labels (columns), None for one 1-D simulation
    signals: tuple[np.ndarray | None, ...]
    levels: tuple[np.ndarray | None, ...]  # LEVELS, then PER_BAR
    params: dict[str, Any]
    plan: _core.backtest.Plan  # the params, validated once by the core
    periods_per_year: float | None


def params_of(options: dict[str, Any], bars: Bars | None, errors: FieldErrors) -> dict[str, Any]:
    """The engine's parameter dict from ``run``'s options (Python values made the core's;
    the option rules themselves run in the core, once: :func:`plan_of` or the sweep's validate)."""
    expiry_bars, expiry_ns = _expiry(options.get("expiry"), bars, errors)
    params: dict[str, Any] = {}
    for key in ("init_cash", "fees", "fixed_fees", "slippage", "leverage"):
        v = as_number(options[key], key, errors)
        if v is not None:
            params[key] = v
    size, size_type = options.get("size"), options.get("size_type", "percent")
    if size is None:
        if size_type != "percent":
            errors.add("size", size, f"is required with size_type={size_type!r}")
        size = 1.0
    size = as_number(size, "size", errors)
    if size is not None:
        params["size"] = size
    for key in ("size_type", "execution", "order_type", "intrabar"):
        params[key] = options[key] if isinstance(options[key], str) else repr(options[key])
    for key in ("fractional", "close_at_end"):
        if not isinstance(options[key], (bool, np.bool_)):
            errors.add(key, options[key], "must be True or False")
        params[key] = bool(options[key])
    for key in ("sl_stop", "tp_stop", "tsl_stop", "tsl_offset"):  # NaN is refused by the core, not taken as None
        v = as_number(options.get(key), key, errors, none=True)
        if v is not None:
            params[key] = v
    params["expiry_bars"], params["expiry_ns"] = expiry_bars, expiry_ns
    return params


def plan_of(params: dict[str, Any], errors: FieldErrors) -> _core.backtest.Plan | None:
    """The core's one check of the option rules: a Plan that ``_core.backtest.run`` takes as is."""
    try:
        return _core.backtest.validate(params)
    except ValidationError as exc:
        errors.extend(exc)
        return None


def periods_per_year_of(value: Any, errors: FieldErrors) -> float | None:
    """``periods_per_year`` as a float (None: inferred from the index) by the core's one rule."""
    ppy = as_number(value, "periods_per_year", errors, none=True)
    if ppy is None:
        return None
    try:
        return float(_core.backtest.check_periods_per_year(ppy))
    except ValidationError as exc:
        errors.extend(exc)
        return None


def prepare(data: Any, arrays: dict[str, Any], options: dict[str, Any], *, deep: bool = True) -> Prepared:
    """Validate everything of one call (every bad field reported at once).

    ``deep=False`` leaves out the checks that read a whole index (that signals carry
    the data's index), for a request checking its fields as it is built.
    """
    errors = FieldErrors()
    options_in = options
    bars = bars_of(data, errors)
    n = len(bars.close) if bars is not None else -1
    mats: dict[str, np.ndarray | None] = {}
    labels: pd.Index | None = None
    for name in (*SIGNALS, *LEVELS):
        value = arrays.get(name)
        why = index_mismatch(value.index, bars.index) if deep and bars is not None \
            and isinstance(value, (pd.Series, pd.DataFrame)) else None
        if why:
            errors.add(name, value, why)
            continue
        mats[name] = _matrix(name, value, n, bool if name in SIGNALS else np.float64, errors) if n >= 0 else None
        cols = _columns_of(value)
        if cols is not None and labels is None:
            labels = cols
    options = dict(options)
    for name in PER_BAR:
        value = options.get(name)
        if value is None or np.ndim(value) == 0:
            mats[name] = None
            continue
        why = index_mismatch(value.index, bars.index) if deep and bars is not None \
            and isinstance(value, (pd.Series, pd.DataFrame)) else None
        m = None if why or n < 0 else _matrix(name, value, n, np.float64, errors)
        if why:
            errors.add(name, value, why)
        mats[name] = m
        options[name] = _per_bar_scalar(name, m, errors) if m is not None else None
    widths = {m.shape[1] for m in mats.values() if m is not None and m.shape[1] != 1}
    if len(widths) > 1:
        errors.add("signals", sorted(widths), "2-D signals and levels must all have the same number of columns")
    sims = widths.pop() if len(widths) == 1 else 1
    if labels is not None and len(labels) != sims:
        labels = None
    two_d = any(arrays.get(k) is not None and np.ndim(arrays[k]) == 2 for k in (*SIGNALS, *LEVELS)) \
        or any(mats[k] is not None and np.ndim(options_in[k]) == 2 for k in PER_BAR)
    if two_d and labels is None:
        labels = pd.RangeIndex(sims, name="sim")
    params = params_of(options, bars, errors)
    plan = plan_of(params, errors)
    for name in PER_BAR:  # the option's rule is an interval: its other end is checked too
        m = mats[name]
        if m is not None and plan is not None and np.isfinite(m).any():
            low = dict(options, **{name: float(np.nanmin(m))})
            plan_of(params_of(low, bars, errors), errors)
    if params.get("order_type") in ("limit", "stop_limit") and arrays.get("limit_price") is None:
        errors.add("limit_price", None, f"is required with order_type={params['order_type']!r}")
    if params.get("order_type") in ("stop", "stop_limit") and arrays.get("stop_price") is None:
        errors.add("stop_price", None, f"is required with order_type={params['order_type']!r}")
    window = _window(options.get("start"), options.get("end"), bars, errors)
    ppy = periods_per_year_of(options.get("periods_per_year"), errors)
    errors.raise_if_any()
    assert bars is not None and plan is not None

    lo, hi = window

    def widen(m: np.ndarray | None) -> np.ndarray | None:
        return None if m is None else (np.broadcast_to(m, (n, sims)) if m.shape[1] == 1 else m)[lo:hi]

    if (lo, hi) != (0, n):
        vol = bars.volume
        bars = Bars(bars.open[lo:hi], bars.high[lo:hi], bars.low[lo:hi], bars.close[lo:hi], bars.index[lo:hi],
                    None if vol is None else vol[lo:hi])
    return Prepared(bars, sims, labels, tuple(widen(mats[k]) for k in SIGNALS),
                    tuple(widen(mats[k]) for k in (*LEVELS, *PER_BAR)), params, plan, ppy)


def _per_bar_scalar(name: str, m: np.ndarray, errors: FieldErrors) -> float | None:
    """The largest value of a per-bar option (its rule is checked at both ends); ``size``
    must be finite at every bar, a stop may be NaN (no stop for entries at that bar)."""
    finite = np.isfinite(m)
    if name == "size" and not finite.all():
        row = np.unravel_index(int(np.argmin(finite)), m.shape)
        errors.add(name, f"<{m[row]} at bar {row[0]}>", "must be a finite size at every bar")
        return None
    return float(np.max(m[finite])) if finite.any() else None


def _window(start: Any, end: Any, bars: Bars | None, errors: FieldErrors) -> tuple[int, int]:
    """Bar positions [lo, hi) of ``start <= time < end`` (either may be None)."""
    n = 0 if bars is None else len(bars.close)
    if start is None and end is None or bars is None:
        return 0, n
    idx = bars.index
    bounds: list[int] = []
    times: list[Any] = []
    for name, value, default in (("start", start, 0), ("end", end, n)):
        if value is None:
            bounds.append(default)
            continue
        if isinstance(idx, pd.DatetimeIndex):
            ts = _bound_time(name, value, idx, errors)
            if ts is None:
                return 0, n
            times.append(ts)
            bounds.append(int(idx.searchsorted(ts, side="left")))
        elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            bounds.append(int(np.clip(value, 0, n)))
        else:
            errors.add(name, value, "must be a bar position (the data has no DatetimeIndex)")
            return 0, n
    if start is not None and end is not None and not (
            times[0] < times[1] if isinstance(idx, pd.DatetimeIndex) else start < end):
        errors.add("end", end, f"must be later than start ({start})")
    elif bounds[1] <= bounds[0]:
        errors.add("start", start, "leaves no bar between start and end")
    return bounds[0], bounds[1]


def _bound_time(name: str, value: Any, idx: pd.DatetimeIndex, errors: FieldErrors) -> pd.Timestamp | None:
    """``start``/``end`` as a Timestamp comparable with ``idx``: a naive one over a tz-aware index
    is read in the index's time zone, as ``bars.loc["2005-01-01":]`` reads it."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        errors.add(name, value, "must be a timestamp")
        return None
    if pd.isna(ts):
        errors.add(name, value, "must be a timestamp, not NaT")
        return None
    if ts.tzinfo is not None and idx.tz is None:
        errors.add(name, value, "must be naive like the index (the data has no time zone)")
        return None
    if ts.tzinfo is None and idx.tz is not None:
        try:
            ts = ts.tz_localize(idx.tz)
        except (ValueError, TypeError) as exc:  # a wall time that does not exist or is ambiguous there
            errors.add(name, value, f"is not one instant in the data's time zone {idx.tz} ({exc})")
            return None
    return ts


class BacktestResult(ResultViews):
    """What one ``run`` gives: series per bar, order and trade records, stats, provenance.

    ``equity``, ``cash``, ``position``: a Series for one simulation (1-D signals), else a
    DataFrame with one column per simulation.  ``orders`` and ``trades``: DataFrames with
    a ``sim`` column.  ``stats``: a Series (one simulation) or a DataFrame (a row each).
    """

    def __init__(self, prep: Prepared, raw: dict[str, Any]) -> None:
        self._prep = prep
        self._raw = raw
        self.index = prep.bars.index

    @cached_property
    def provenance(self) -> dict[str, Any]:
        """ThreadX version, parameters, bars and a SHA-256 of the OHLC data (hashed on first use)."""
        bars = self._prep.bars
        return {"threadx": _core.__version__, "params": dict(self._prep.params), "bars": len(bars.close),
                "start": bars.index[0], "end": bars.index[-1], "data_sha256": bars.fingerprint(),
                "simulations": self._prep.sims}

    def _series(self, key: str) -> pd.Series | pd.DataFrame:
        m = self._raw[key]  # (sims, n)
        if self._prep.labels is None:
            return pd.Series(m[0], index=self.index, name=key)
        return pd.DataFrame(m.T, index=self.index, columns=self._prep.labels)

    @cached_property
    def equity(self) -> pd.Series | pd.DataFrame:
        return self._series("equity")

    @cached_property
    def cash(self) -> pd.Series | pd.DataFrame:
        return self._series("cash")

    @cached_property
    def position(self) -> pd.Series | pd.DataFrame:
        return self._series("position")

    def returns(self, freq: str | None = "D") -> pd.Series | pd.DataFrame:
        """The equity's returns for quantstats, pyfolio or empyrical, the first NaN dropped.

        ``freq="D"``: daily, on a tz-naive index of calendar dates (each day's last equity
        against the previous day's; daily bars keep their session date); ``freq=None``:
        per bar, on the bars' index.  A Series, or a DataFrame with a column per simulation.
        """
        from threadx.backtest._returns import returns_of

        return returns_of(self.equity, freq)

    def _time(self, bars: np.ndarray) -> Any:
        idx = self.index
        out = idx.take(np.where(bars >= 0, bars, 0))
        if isinstance(idx, pd.DatetimeIndex):
            return out.where(bars >= 0, pd.NaT)
        return np.where(bars >= 0, np.asarray(out), -1)

    def _sim_labels(self, sims: np.ndarray) -> Any:
        return sims if self._prep.labels is None else np.asarray(self._prep.labels)[sims]

    @cached_property
    def orders(self) -> pd.DataFrame:
        o = self._raw["orders"]
        return pd.DataFrame({
            "sim": self._sim_labels(o["sim"]),
            "kind": pd.Categorical.from_codes(o["kind"], categories=pd.Index(KINDS)),
            "side": np.where(o["side"] > 0, "buy", "sell"),
            "size": o["size"],
            "placed_bar": o["placed_bar"], "placed_time": self._time(o["placed_bar"]),
            "status": pd.Categorical.from_codes(o["status"], categories=pd.Index(STATUSES)),
            "fill_bar": o["fill_bar"], "fill_time": self._time(o["fill_bar"]),
            "fill_price": o["fill_price"], "fees": o["fees"],
            "reason": pd.Categorical.from_codes(o["reason"], categories=pd.Index(REASONS)),
        })

    @cached_property
    def trades(self) -> pd.DataFrame:
        t = self._raw["trades"]
        entry_time, exit_time = self._time(t["entry_bar"]), self._time(t["exit_bar"])
        duration = (pd.Series(exit_time) - pd.Series(entry_time)).to_numpy() \
            if isinstance(self.index, pd.DatetimeIndex) else t["exit_bar"] - t["entry_bar"]
        return pd.DataFrame({
            "sim": self._sim_labels(t["sim"]),
            "side": np.where(t["side"] > 0, "long", "short"),
            "size": t["size"],
            "entry_bar": t["entry_bar"], "entry_time": entry_time, "entry_price": t["entry_price"],
            "exit_bar": t["exit_bar"], "exit_time": exit_time, "exit_price": t["exit_price"],
            "fees": t["fees"], "pnl": t["pnl"], "return": t["return"], "duration": duration,
            "exit_reason": pd.Categorical.from_codes(t["exit_reason"], categories=pd.Index(REASONS)),
        })

    @cached_property
    def stats(self) -> pd.Series | pd.DataFrame:
        from threadx.backtest._stats import compute_stats, stats_frame

        close = pd.Series(self._prep.bars.close, index=self.index)
        eq = self._raw["equity"]
        trades = self.trades
        rows = []
        labels = self._prep.labels
        for k in range(self._prep.sims):
            tk = trades[trades["sim"] == (k if labels is None else labels[k])]
            rows.append(compute_stats(pd.Series(eq[k], index=self.index), tk, close,
                                      periods_per_year=self._prep.periods_per_year))
        if labels is None:
            return rows[0]
        frame = stats_frame(rows)
        frame.index = labels
        return frame

    def _saved_state(self) -> dict[str, Any]:
        """What the methods read (the bars, the labels, the parameters, the core's arrays), for the store."""
        p, b = self._prep, self._prep.bars
        return {"bars": {"open": b.open, "high": b.high, "low": b.low, "close": b.close, "volume": b.volume,
                         "index": b.index}, "sims": p.sims, "labels": p.labels, "params": p.params,
                "periods_per_year": p.periods_per_year, "raw": self._raw, "provenance": self.provenance}

    @classmethod
    def _from_saved_state(cls, state: dict[str, Any]) -> BacktestResult:
        """The result :meth:`_saved_state` describes (a loaded result: its provenance as saved)."""
        b = state["bars"]
        bars = Bars(b["open"], b["high"], b["low"], b["close"], b["index"], b["volume"])
        params = dict(state["params"])
        prep = Prepared(bars, int(state["sims"]), state["labels"], (), (), params, _core.backtest.validate(params),
                        state["periods_per_year"])
        res = cls(prep, dict(state["raw"]))
        res.__dict__["provenance"] = dict(state["provenance"])
        return res

    def __repr__(self) -> str:
        p = self._prep
        return (f"<BacktestResult {p.sims} simulation{'s' if p.sims != 1 else ''} x {len(p.bars.close)} bars, "
                f"{len(self._raw['trades']['sim'])} trades>")


@checked_keywords
def run(data: Any, *, entries: Any = None, exits: Any = None, short_entries: Any = None,
        short_exits: Any = None, limit_price: Any = None, stop_price: Any = None, sl_price: Any = None,
        tp_price: Any = None, init_cash: float = 10_000.0, fees: float = 0.0, fixed_fees: float = 0.0,
        slippage: float = 0.0, size: Any = None, size_type: str = "percent",
        fractional: bool = False, leverage: float = 1.0, execution: str = "open",
        order_type: str = "market", expiry: Any = None, sl_stop: Any = None,
        tp_stop: Any = None, tsl_stop: float | None = None, tsl_offset: float | None = None,
        intrabar: str = "backtesting",
        close_at_end: bool = True, periods_per_year: float | None = None, start: Any = None,
        end: Any = None, strategy: Any = None, params: dict[str, Any] | None = None,
        costs: dict[str, Any] | None = None, cash_sharing: bool = False,
        cancel: _core.CancelToken | None = None, **strategy_params: Any) -> Any:
    """Simulate signals on OHLC bars; every rule is in docs/backtest.md.

    ``data``: a DataFrame or dict with open/high/low/close (any case), or a tuple.
    Signals are boolean (or 0/1 integer) arrays, Series or DataFrames; 2-D ones (bars x columns) run
    one independent simulation per column, in parallel.  Market orders fill at the
    next bar's open (``execution="open"``) or at the signal bar's close
    (``execution="close"``).  Levels (``limit_price``, ``stop_price``, ``sl_price``,
    ``tp_price``) are per-bar prices set by the signal bar (NaN: none) or scalars.
    ``expiry``: bars (int) or a timedelta for resting entry orders.  Stops
    ``sl_stop``/``tp_stop``/``tsl_stop`` are fractions of the entry price; ``tsl_offset``
    is a trailing stop as a price distance from the peak.  ``size``, ``sl_stop`` and
    ``tp_stop`` may also be per bar (arrays, Series, or 2-D like the signals): the value of
    the entry's signal bar is used (a NaN stop: none for that entry).  ``start``
    / ``end`` keep the bars with ``start <= time < end``; over a tz-aware index a naive
    time (``"2005-01-01"``) is read in the index's time zone, as ``bars.loc["2005-01-01":]``
    reads it (the one place a naive time is not refused: the data's zone is known).

    ``strategy``: a ``threadx.backtest.Strategy`` subclass instead of signals, with its
    ``params`` (class attributes) and ``costs`` beyond run's own (docs/orders.md § 8:
    ``unit_fee``, ``spread``, ``borrow_rate``, ``funding``, ``multiplier``, ``margin``, ...);
    it returns an ``OrdersResult`` (docs/orders.md). Strategy parameters may also be given as
    keywords (``run(data, strategy=SmaCross, fast=5)``); one that is also an option of ``run``
    (or given in ``params`` too) is a ``ValidationError``: give it in ``params``.

    ``data`` a dict of frames (symbols on one index): the signals are a DataFrame with a
    column per symbol (or a dict, or one array for all), each symbol's run by these rules,
    on its own account or on one shared account (``cash_sharing=True``; docs/orders.md
    § 10), in one call; an ``OrdersResult``.
    """
    options = dict(init_cash=init_cash, fees=fees, fixed_fees=fixed_fees, slippage=slippage, size=size,
                   size_type=size_type, fractional=fractional, leverage=leverage, execution=execution,
                   order_type=order_type, expiry=expiry, sl_stop=sl_stop, tp_stop=tp_stop, tsl_stop=tsl_stop,
                   tsl_offset=tsl_offset,
                   intrabar=intrabar, close_at_end=close_at_end, periods_per_year=periods_per_year,
                   start=start, end=end)
    arrays = dict(entries=entries, exits=exits, short_entries=short_entries, short_exits=short_exits,
                  limit_price=limit_price, stop_price=stop_price, sl_price=sl_price, tp_price=tp_price)
    if strategy_params and strategy is None:  # not a keyword of run (a typo: the closest name)
        errors = FieldErrors()
        unknown_keywords(strategy_params, [*inspect.signature(run).parameters][:-1], errors, "threadx.backtest.run")
        errors.raise_if_any()
    if strategy is not None:
        from threadx.backtest._from_orders import strategy_result

        return strategy_result(data, strategy, _strategy_params(strategy, params, strategy_params, options), costs,
                               arrays=arrays, options=options, defaults=DEFAULTS, cancel=cancel,
                               cash_sharing=bool(cash_sharing))
    from threadx.backtest._from_orders import is_symbol_dict, signals_result

    if is_symbol_dict(data):
        return signals_result(data, arrays, options, cash_sharing=bool(cash_sharing), cancel=cancel)
    if params is not None or costs is not None:
        errors = FieldErrors()
        for k, v in (("params", params), ("costs", costs)):
            if v is not None:
                errors.add(k, v, "applies to strategy= runs only")
        errors.raise_if_any()
    prep = prepare(data, arrays, options)
    return execute(prep, cancel)


def _strategy_params(strategy: Any, params: Any, keywords: dict[str, Any], options: dict[str, Any]) -> Any:
    """``params`` and the strategy parameters given as keywords, merged; a name given twice,
    or a parameter of the strategy that is also a ``run`` option given a value, refused."""
    from threadx.backtest._strategy import Strategy, is_parameter

    if not keywords and not (isinstance(strategy, type) and issubclass(strategy, Strategy)):
        return params
    errors = FieldErrors()
    merged = dict(params) if isinstance(params, dict) else {}
    for k, v in keywords.items():
        if k in merged:
            errors.add(k, v, "is given as a keyword and in params=")
        merged[k] = v
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        for k, v in options.items():
            if is_parameter(strategy, k) and v != DEFAULTS.get(k) and k not in merged:
                errors.add(k, v, f"is both an option of run and a parameter of {strategy.__name__}: "
                           f"give the parameter in params={{{k!r}: ...}}")
    errors.raise_if_any()
    return merged if (keywords or isinstance(params, dict)) else params


# The core's table of backtest options (cpp/include/threadx/backtest/options.hpp): run()'s
# signature and BacktestRequest's fields are written out for the type checker, and
# tests/test_backtest_options.py fails when they drift from it.
OPTION_TABLE: tuple[dict[str, Any], ...] = tuple(_core.backtest.options())
OPTIONS: tuple[str, ...] = tuple(o["name"] for o in OPTION_TABLE)
DEFAULTS: dict[str, Any] = {o["name"]: o["default"] for o in OPTION_TABLE}


def execute(prep: Prepared, cancel: _core.CancelToken | None = None) -> BacktestResult:
    cancel = checked_cancel(cancel)
    b = prep.bars
    raw = _core.backtest.run(prep.plan, b.open, b.high, b.low, b.close, b.times, prep.sims, prep.signals,
                             prep.levels, cancel)
    return BacktestResult(prep, raw)
