"""The spread core from Python: names in, names out, the C++ ``SpreadBook`` in between."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_duration, as_int, as_number
from threadx.errors import ValidationError
from threadx.live._types import SPREAD_COLUMNS, Quote

__all__ = ["SpreadBook"]

_INTERPOLATIONS = ("linear", "lower", "higher", "nearest", "midpoint")


class SpreadBook:
    """Last-tick matching across exchanges and exact rolling quantiles of every directed spread.

    ``exchanges`` names the venues (2 to 64).  For each symbol and each ordered pair
    (buy on A at its ask, sell on B at its bid) the spread in basis points,
    ``(bid_B - ask_A) / mid * 1e4`` with ``mid`` the mean of the two mid prices, is pushed
    into a time window of ``window`` whenever either quote changes while both are at most
    ``max_quote_age`` apart.  Each push gives the window's ``q_lo``/``q_hi`` quantiles
    (``threadx.rolling.quantile`` semantics: window ``(t - window, t]``, ``interpolation``,
    ``min_periods``) and a band signal against the quantiles before the push.

    Bounds: at most ``max_keys`` spread keys hold a window (the least recently updated is
    evicted, counted in ``stats()["evicted"]``), a window holds at most ``max_points``
    points (the oldest leave first; such a key's rows say ``truncated`` while a dropped
    point would still be in the window), and at most ``max_symbols`` symbols are known
    (ticks of further symbols are counted as ``bad_symbol``).  Ticks with non-finite or
    non-positive prices, crossed quotes (bid > ask) or an event time before the previous
    tick of the same exchange and symbol are skipped and counted by reason.
    """

    def __init__(self, exchanges: Sequence[str], *, window: Any = "15min", max_quote_age: Any = "5s",
                 max_points: int = 16384, max_keys: int = 10_000, q_lo: float = 0.05, q_hi: float = 0.95,
                 interpolation: str = "linear", min_periods: int = 1, max_symbols: int = 100_000) -> None:
        errors = FieldErrors()
        names = _exchange_names(exchanges, errors)
        window_ns = as_duration(window, "window", errors, minimum=1)
        age_ns = as_duration(max_quote_age, "max_quote_age", errors)
        points = as_int(max_points, "max_points", errors, 1, minimum=1)
        keys = as_int(max_keys, "max_keys", errors, 1, minimum=1)
        lo = as_number(q_lo, "q_lo", errors)
        hi = as_number(q_hi, "q_hi", errors)
        minp = as_int(min_periods, "min_periods", errors, 1, minimum=1)
        self.max_symbols = as_int(max_symbols, "max_symbols", errors, 1, minimum=1)
        if interpolation not in _INTERPOLATIONS:
            errors.add("interpolation", interpolation, f"must be one of {', '.join(_INTERPOLATIONS)}")
        # the core checks the ranges (q in [0, 1], q_lo <= q_hi, caps); fields already refused
        # above stand in with a valid value, so one call lists every broken rule
        core = None
        try:
            core = _core.live.SpreadBook(
                exchanges=max(len(names), 2), symbols=0, window=window_ns or 1, max_quote_age=age_ns,
                max_points=points, max_keys=keys, q_lo=0.0 if lo is None else lo, q_hi=1.0 if hi is None else hi,
                interpolation=interpolation if interpolation in _INTERPOLATIONS else "linear", min_periods=minp)
        except ValidationError as exc:
            errors.extend(exc)
        errors.raise_if_any()
        assert core is not None and lo is not None and hi is not None
        self._core = core
        self.exchanges: tuple[str, ...] = names
        self.window = pd.Timedelta(window_ns, unit="ns")
        self.max_quote_age = pd.Timedelta(age_ns, unit="ns")
        self.q_lo, self.q_hi = lo, hi
        self._exchange_id = {name: i for i, name in enumerate(names)}
        self._symbols: list[str] = []
        self._symbol_id: dict[str, int] = {}
        self._out: dict[str, np.ndarray] = _rows(0)

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols seen so far, in the order of their ids."""
        return tuple(self._symbols)

    def symbol_ids(self, names: Any) -> np.ndarray:
        """int32 ids of symbol names, new names registered (-1 beyond ``max_symbols``)."""
        codes, uniques = pd.factorize(np.asarray(names, dtype=object), use_na_sentinel=True)
        ids = np.array([self._intern(u) for u in uniques] + [-1], dtype=np.int32)
        return ids[codes]  # a code of -1 (a missing name) picks the trailing -1

    def exchange_ids(self, names: Any) -> np.ndarray:
        """int32 ids of exchange names (-1 for a name not in ``exchanges``)."""
        codes, uniques = pd.factorize(np.asarray(names, dtype=object), use_na_sentinel=True)
        ids = np.array([self._exchange_id.get(u, -1) if isinstance(u, str) else -1 for u in uniques] + [-1],
                       dtype=np.int32)
        return ids[codes]

    def _intern(self, name: Any) -> int:
        if not isinstance(name, str):
            return -1
        i = self._symbol_id.get(name)
        if i is None:
            if len(self._symbols) >= self.max_symbols:
                return -1
            i = len(self._symbols)
            self._symbols.append(name)
            self._symbol_id[name] = i
            if i >= self._core.symbols:
                self._core.reserve_symbols(max(16, 2 * self._core.symbols, i + 1))
        return i

    def update_arrays(self, time: np.ndarray, exchange: np.ndarray, symbol: np.ndarray, bid: np.ndarray,
                      ask: np.ndarray) -> dict[str, np.ndarray]:
        """The core's fast path: int64 ns times, int32 exchange and symbol ids, float64 prices.

        Returns the rows as arrays (``tick`` = the index of the tick that made the row,
        ``symbol``/``buy``/``sell`` as ids, ``time`` = the window time).  A tick's rows are
        consecutive and a key's rows are in tick order; rows of different symbols may come
        grouped by symbol (a batch that cannot evict runs symbol by symbol, which keeps each
        symbol's windows in cache); ``tick`` orders them.  They are views of
        a buffer the book reuses: valid until the next update (copy what you keep).  The
        GIL is released while the core runs.
        """
        errors = FieldErrors()
        arrays = {}
        for field, value, dtype in (("time", time, np.int64), ("exchange", exchange, np.int32),
                                    ("symbol", symbol, np.int32), ("bid", bid, np.float64),
                                    ("ask", ask, np.float64)):
            arr = np.asarray(value)
            if arr.dtype != dtype or arr.ndim != 1:
                errors.add(field, f"{arr.dtype} ndim {arr.ndim}", f"must be a 1-D {np.dtype(dtype)} array")
            arrays[field] = arr
        errors.raise_if_any()
        return self._run(arrays["time"], arrays["exchange"], arrays["symbol"], arrays["bid"], arrays["ask"])

    def _run(self, time: np.ndarray, exchange: np.ndarray, symbol: np.ndarray, bid: np.ndarray,
             ask: np.ndarray) -> dict[str, np.ndarray]:
        need = len(time) * self._core.rows_per_tick
        if len(self._out["tick"]) < need:  # grow (doubling): the buffer is reused, not reallocated per batch
            self._out = _rows(max(need, 2 * len(self._out["tick"])))
        rows = self._core.update(time, exchange, symbol, bid, ask, self._out)
        return {k: v[:rows] for k, v in self._out.items()}

    def update(self, ticks: Any) -> pd.DataFrame:
        """Applies ticks in order and returns one row per spread-window update (``SPREAD_COLUMNS``).

        ``ticks``: a DataFrame (or mapping of columns) with ``ts_event`` (int64 ns or
        datetime64), ``exchange``, ``symbol``, ``bid``, ``ask`` and optionally ``ts_recv``,
        or a sequence of :class:`Quote`.
        """
        cols = _tick_columns(ticks)
        time, recv = cols["ts_event"], cols["ts_recv"]
        rows = self._run(time, self.exchange_ids(cols["exchange"]), self.symbol_ids(cols["symbol"]),
                         cols["bid"], cols["ask"])
        return self.frame(rows, recv)

    def columns(self, rows: Mapping[str, np.ndarray], ts_recv: np.ndarray) -> dict[str, np.ndarray]:
        """The core's rows as ``SPREAD_COLUMNS`` arrays in tick order (ids turned into names)."""
        tick = rows["tick"]
        if len(tick) > 1 and (np.diff(tick) < 0).any():
            order = np.argsort(tick, kind="stable")
            rows = {k: v[order] for k, v in rows.items()}
        symbols = np.asarray(self._symbols, dtype=object)
        exchanges = np.asarray(self.exchanges, dtype=object)
        data = {
            "ts_event": rows["time"], "ts_recv": ts_recv[rows["tick"]], "symbol": symbols[rows["symbol"]],
            "buy": exchanges[rows["buy"]], "sell": exchanges[rows["sell"]], "spread_bps": rows["spread"],
            "q_lo": rows["q_lo"], "q_hi": rows["q_hi"], "signal": rows["signal"], "nobs": rows["nobs"],
            "truncated": rows["truncated"].view(np.bool_),
        }
        assert list(data) == list(SPREAD_COLUMNS)
        return data

    def frame(self, rows: Mapping[str, np.ndarray], ts_recv: np.ndarray) -> pd.DataFrame:
        """The core's rows as a ``SPREAD_COLUMNS`` frame in tick order (ids turned into names)."""
        return pd.DataFrame(self.columns(rows, ts_recv))

    def stats(self) -> dict[str, Any]:
        """Counters: ticks, accepted, rejected (by reason), unpaired, updates, keys, evicted,
        points, dropped_points, truncated_keys, symbols."""
        s = dict(self._core.stats())
        s["symbols"] = len(self._symbols)
        return s

    def __repr__(self) -> str:
        return (f"SpreadBook(exchanges={list(self.exchanges)}, window={str(self.window)!r}, "
                f"q_lo={self.q_lo}, q_hi={self.q_hi})")


_ROW_DTYPES = {"tick": np.int64, "symbol": np.int32, "buy": np.int32, "sell": np.int32, "time": np.int64,
               "spread": np.float64, "q_lo": np.float64, "q_hi": np.float64, "signal": np.int8,
               "nobs": np.int64, "truncated": np.uint8}


def _rows(n: int) -> dict[str, np.ndarray]:
    return {k: np.empty(n, dtype=d) for k, d in _ROW_DTYPES.items()}


def _exchange_names(exchanges: Any, errors: FieldErrors) -> tuple[str, ...]:
    if isinstance(exchanges, str) or not isinstance(exchanges, Sequence):
        errors.add("exchanges", exchanges, "must be a sequence of exchange names")
        return ()
    names = tuple(exchanges)
    if not all(isinstance(n, str) and n for n in names):
        errors.add("exchanges", exchanges, "must be non-empty strings")
    elif len(set(names)) != len(names):
        errors.add("exchanges", exchanges, "must not repeat a name")
    elif not 2 <= len(names) <= 64:
        errors.add("exchanges", exchanges, "must name 2 to 64 exchanges")
    return names


def _tick_columns(ticks: Any) -> dict[str, np.ndarray]:
    """The tick columns as arrays (times int64 ns), or a ValidationError naming the column."""
    errors = FieldErrors()
    if isinstance(ticks, Sequence) and not isinstance(ticks, str) and all(isinstance(t, Quote) for t in ticks):
        src: Any = {f: [getattr(t, f) for t in ticks] for f in Quote._fields}
    elif isinstance(ticks, (pd.DataFrame, Mapping)):
        src = ticks
    else:
        raise ValidationError([{"field": "ticks", "value": type(ticks).__name__,
                                "message": "must be a DataFrame, a mapping of columns or a sequence of Quote"}])
    out: dict[str, np.ndarray] = {}
    for name in ("ts_event", "exchange", "symbol", "bid", "ask"):
        if name not in src:
            errors.add(name, "missing", "the ticks need this column")
    errors.raise_if_any()
    out["ts_event"] = _ns(src["ts_event"], "ts_event", errors)
    out["ts_recv"] = _ns(src["ts_recv"], "ts_recv", errors) if "ts_recv" in src else out["ts_event"]
    for name in ("bid", "ask"):
        arr = np.asarray(src[name])
        if arr.dtype.kind not in "fiu" or arr.dtype == np.bool_:
            errors.add(name, f"dtype {arr.dtype}", "must be numbers")
        out[name] = np.ascontiguousarray(arr, dtype=np.float64) if arr.dtype.kind in "fiu" else arr
    for name in ("exchange", "symbol"):
        out[name] = np.asarray(src[name], dtype=object)
    lengths = {k: len(v) for k, v in out.items()}
    if len(set(lengths.values())) > 1:
        errors.add("ticks", lengths, "every column must have one length")
    errors.raise_if_any()
    return out


def _ns(value: Any, field: str, errors: FieldErrors) -> np.ndarray:
    if isinstance(value, (pd.Series, pd.Index)) and isinstance(value.dtype, pd.DatetimeTZDtype):
        value = pd.DatetimeIndex(value).tz_convert("UTC").tz_localize(None)  # UTC wall time = the instant
    arr = np.asarray(value)
    if arr.dtype.kind == "M":
        if np.isnat(arr).any():
            errors.add(field, "NaT", "must not contain NaT")
        return np.ascontiguousarray(arr.astype("datetime64[ns]").view(np.int64))
    if arr.dtype.kind in "iu" and arr.dtype != np.bool_:
        return np.ascontiguousarray(arr, dtype=np.int64)
    errors.add(field, f"dtype {arr.dtype}", "must be int64 nanoseconds or datetime64")
    return np.zeros(len(arr) if arr.ndim == 1 else 0, dtype=np.int64)
