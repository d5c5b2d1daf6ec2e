"""Validated request structs: one definition per struct, one place per rule.

A request is a frozen, keyword-only dataclass that is valid from birth: building
one checks every field that is cheap to check (types, names, ranges, shapes,
lengths, the order of ``start``/``end``) with the rules of the function it stands
for (``threadx.rolling.prepare`` and friends, whose numeric rules live in the C++
core), and raises one ``ValidationError`` listing every bad field, so an invalid
request object cannot exist.  The checks that read all of a large input (timestamps
in order, signals on the data's index, bars per year from the index) run once, when
the request runs (on a coordinator's worker, before any work), or on ``validate()``.
Fields cannot be reassigned; arrays and frames are held, not copied, so leave them
unchanged once given.  ``to_dict()`` / ``from_dict()`` give a JSON-safe round trip:
arrays travel as dtype, shape and base64 data, pandas objects with their index.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import types
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import numpy as np
import pandas as pd

from threadx import _core
from threadx import rolling as _rolling

__all__ = ["BacktestRequest", "DataRequest", "IndicatorRequest", "RollingRequest", "SweepRequest", "decode",
           "encode"]


def encode(value: Any) -> Any:
    """A JSON-safe form of a request field (arrays, pandas objects, timedeltas)."""
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        if arr.dtype.hasobject:
            raise TypeError("object arrays cannot be encoded")
        return {"__ndarray__": {"dtype": arr.dtype.str, "shape": list(arr.shape),
                                "data": base64.b64encode(arr.tobytes()).decode("ascii")}}
    if isinstance(value, pd.Series):
        return {"__series__": {"values": encode(value.to_numpy()), "index": _encode_index(value.index),
                               "name": value.name}}
    if isinstance(value, pd.DataFrame):
        return {"__frame__": {"values": encode(value.to_numpy()), "index": _encode_index(value.index),
                              "columns": [c if isinstance(c, (int, str)) else str(c) for c in value.columns]}}
    if isinstance(value, pd.Timedelta):
        return {"__timedelta_ns__": int(value.value)}
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def _encode_index(index: pd.Index) -> Any:
    if isinstance(index, pd.DatetimeIndex):
        return {"__datetimeindex__": {"ticks": encode(index.asi8.copy()), "unit": index.unit,
                                      "tz": None if index.tz is None else str(index.tz),
                                      "name": index.name, "freq": index.freqstr}}
    if isinstance(index, pd.RangeIndex):
        return {"__rangeindex__": [index.start, index.stop, index.step]}
    return {"__index__": encode(np.asarray(index))}


def _decode_index(obj: Any) -> pd.Index:
    if "__datetimeindex__" in obj:
        d = obj["__datetimeindex__"]
        idx = pd.DatetimeIndex(decode(d["ticks"]).astype(f"datetime64[{d['unit']}]"), name=d["name"])
        if d["tz"]:
            idx = idx.tz_localize("UTC").tz_convert(d["tz"])
        return pd.DatetimeIndex(idx, freq=d.get("freq"))
    if "__rangeindex__" in obj:
        return pd.RangeIndex(*obj["__rangeindex__"])
    index: pd.Index = pd.Index(decode(obj["__index__"]))  # decode() is Any: pd.Index(Any) would be too
    return index


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`."""
    if isinstance(value, dict):
        if "__ndarray__" in value:
            d = value["__ndarray__"]
            data = base64.b64decode(d["data"])
            return np.frombuffer(data, dtype=np.dtype(d["dtype"])).reshape(d["shape"]).copy()
        if "__series__" in value:
            d = value["__series__"]
            return pd.Series(decode(d["values"]), index=_decode_index(d["index"]), name=d["name"])
        if "__frame__" in value:
            d = value["__frame__"]
            return pd.DataFrame(decode(d["values"]), index=_decode_index(d["index"]), columns=d["columns"])
        if "__timedelta_ns__" in value:
            return pd.Timedelta(value["__timedelta_ns__"], unit="ns")
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _summary(value: Any) -> str:
    if isinstance(value, (list, tuple)) and any(isinstance(v, (np.ndarray, pd.Series, pd.DataFrame)) for v in value):
        return "[" + ", ".join(_summary(v) for v in value) + "]"
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {value.shape}>"
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return f"<{type(value).__name__} {value.shape}>"
    return repr(value)


class _Unhashable(Exception):
    pass


def _feed(h: Any, value: Any) -> None:
    """Add ``value`` to the hash ``h``; raise _Unhashable for anything not plain data."""
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise _Unhashable
        h.update(f"nd{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).view(np.uint8).reshape(-1).data)
    elif isinstance(value, pd.Series):
        h.update(b"series")
        _feed(h, value.to_numpy())
        _feed(h, value.index)
        _feed(h, value.name)
    elif isinstance(value, pd.DataFrame):
        h.update(b"frame")
        _feed(h, value.to_numpy())
        _feed(h, value.index)
        _feed(h, [str(c) for c in value.columns])
    elif isinstance(value, pd.DatetimeIndex):
        h.update(f"dtindex{value.tz}{value.unit}".encode())
        _feed(h, value.asi8)
    elif isinstance(value, pd.Index):
        h.update(b"index")
        _feed(h, np.asarray(value))
    elif isinstance(value, (list, tuple)):
        h.update(f"seq{len(value)}(".encode())
        for v in value:
            _feed(h, v)
        h.update(b")")
    elif isinstance(value, Mapping):
        h.update(f"map{len(value)}(".encode())
        for k in sorted(value, key=str):
            _feed(h, str(k))
            _feed(h, value[k])
        h.update(b")")
    elif value is None or isinstance(value, (bool, int, float, str, range, np.generic, pd.Timedelta, pd.Timestamp)):
        h.update(f"{type(value).__name__}:{value!r};".encode())
    else:
        raise _Unhashable


def check_keywords(where: str, given: Mapping[str, Any], allowed: list[str], required: list[str]) -> None:
    """Raise one ValidationError for unknown keywords (with the closest valid name) and missing ones."""
    from threadx._inputs import FieldErrors, unknown_keywords

    errors = FieldErrors()
    unknown_keywords(given, allowed, errors, where)
    for key in required:
        if key not in given:
            errors.add(key, "missing", f"is required by {where}")
    errors.raise_if_any()


_R = TypeVar("_R", bound="type[_Request]")


def _request(cls: _R | None = None, *, eq: bool = False) -> Any:
    """A frozen keyword-only dataclass whose constructor reports bad keywords as ValidationError.

    ``eq=True`` compares requests field by field (for requests of plain values only).
    """
    if cls is None:
        return functools.partial(_request, eq=eq)
    dc = dataclasses.dataclass(kw_only=True, frozen=True, repr=False, eq=eq)(cls)
    fields = dataclasses.fields(dc)  # type: ignore[arg-type]
    allowed = [f.name for f in fields]
    required = [f.name for f in fields
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    init = dc.__init__

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if args:
            raise TypeError(f"{dc.__name__} takes keyword arguments only ({len(args)} positional given)")
        check_keywords(dc.__name__, kwargs, allowed, required)
        init(self, **kwargs)

    dc.__init__ = __init__  # type: ignore[method-assign]
    return dc


def _frozen(value: Any) -> Any:
    """A read-only copy of a dict field (its values are kept as given)."""
    return types.MappingProxyType(dict(value)) if isinstance(value, dict) else value


class _Request:
    """Shared behaviour of request structs (checks at birth, encoding, repr, fingerprint)."""

    kind: ClassVar[str]
    # whether equal fingerprints mean equal results (False for requests that read
    # the outside world, such as DataRequest)
    cacheable: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self._normalize()
        self._prepare(deep=False)

    def _normalize(self) -> None:
        """Settle the fields' forms (dicts become read-only) before the checks."""
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            object.__setattr__(self, f.name, _frozen(getattr(self, f.name)))

    def _prepare(self, deep: bool = True) -> Any:
        raise NotImplementedError

    def validate(self: _Self) -> _Self:
        """Run every check, the deep ones (reading all of the data) included; return self.

        Building the request ran the cheap checks; ``run()`` runs the deep ones itself,
        so calling this first is never needed.
        """
        self._prepare(deep=True)
        return self

    def fingerprint(self) -> str | None:
        """A hash of the request's data and parameters, or None when it holds other objects.

        Two requests with the same fingerprint compute the same result; the coordinator
        keys its result cache on it.
        """
        h = hashlib.sha256()
        h.update(self.kind.encode())
        try:
            for f in dataclasses.fields(self):  # type: ignore[arg-type]
                h.update(f.name.encode())
                _feed(h, getattr(self, f.name))
        except _Unhashable:
            return None
        return h.hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (``json.dumps`` works on it) that ``from_dict`` restores."""
        out: dict[str, Any] = {"type": self.kind}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            out[f.name] = encode(getattr(self, f.name))
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Any:
        """The request ``to_dict`` gave; a ValidationError names what is wrong with ``data``."""
        from threadx.errors import ValidationError

        if not isinstance(data, Mapping):
            raise ValidationError([{"field": "data", "value": _summary(data)[:80],
                                    "message": f"{cls.__name__}.from_dict takes a dict (what to_dict gives)"}])
        data = dict(data)
        kind = data.pop("type", cls.kind)
        if kind != cls.kind:
            raise ValidationError([{"field": "type", "value": repr(kind), "message": f"expected {cls.kind!r}"}])
        return cls(**{str(k): decode(v) for k, v in data.items()})

    def __repr__(self) -> str:
        body = ", ".join(f"{f.name}={_summary(getattr(self, f.name))}"
                         for f in dataclasses.fields(self))  # type: ignore[arg-type]
        return f"{type(self).__name__}({body})"


_Self = TypeVar("_Self", bound=_Request)


@_request
class RollingRequest(_Request):
    """One rolling statistic over ``values``; the job form of ``threadx.rolling.<stat>``."""

    kind: ClassVar[str] = "RollingRequest"

    values: Any
    window: Any
    stat: str = "mean"
    q: Any = None
    min_periods: int | None = None
    interpolation: str = "linear"
    times: Any = None
    ddof: int = 1

    def _prepare(self, deep: bool = True) -> _rolling.Prepared:
        return _rolling.prepare(
            self.values, self.window, self.stat, q=self.q, min_periods=self.min_periods,
            interpolation=self.interpolation, ddof=self.ddof, times=self.times, deep=deep,
        )

    def run(self, *, out: Any = None, cancel: _core.CancelToken | None = None) -> Any:
        """Compute the statistic (after the deep checks)."""
        return _rolling.compute(self._prepare(), out=out, cancel=cancel)


@_request
class IndicatorRequest(_Request):
    """One indicator call: the job form of ``threadx.ta.<function>(*inputs, **params)``.

    ``inputs`` is a list of arrays/Series/2-D frames in the function's input order, or
    one OHLCV DataFrame/dict; ``params`` maps parameter names to values or sequences
    (a grid), exactly as the function takes them.
    """

    kind: ClassVar[str] = "IndicatorRequest"

    function: str
    inputs: Any
    params: Any = dataclasses.field(default_factory=dict)

    def _given(self) -> list[Any]:
        if isinstance(self.inputs, (list, tuple)):
            return list(self.inputs)
        return [self.inputs]

    def _normalize(self) -> None:
        super()._normalize()
        if isinstance(self.inputs, list):
            object.__setattr__(self, "inputs", tuple(self.inputs))

    def _prepare(self, deep: bool = True) -> Any:
        from threadx.errors import ValidationError
        from threadx.ta import _api

        if not isinstance(self.function, str):
            raise ValidationError([{"field": "function", "value": repr(self.function),
                                    "message": "must be the name of a threadx.ta function"}])
        return _api.prepare(self.function, self._given(), self.params if self.params is not None else {})

    def run(self, *, cancel: _core.CancelToken | None = None) -> Any:
        """Compute the indicator; the result is what the function returns."""
        from threadx.ta import _api

        return _api.execute(self._prepare(), cancel)


@_request
class BacktestRequest(_Request):
    """One backtest: the job form of ``threadx.backtest.run(data, **fields)``.

    Validated by the engine's own rules (fees and slippage in [0, 1), fixed fees >= 0,
    leverage in (0, 10], init_cash > 0, stops > 0, start < end, ...), every bad field
    reported at once.
    """

    kind: ClassVar[str] = "BacktestRequest"

    data: Any
    entries: Any = None
    exits: Any = None
    short_entries: Any = None
    short_exits: Any = None
    limit_price: Any = None
    stop_price: Any = None
    sl_price: Any = None
    tp_price: Any = None
    init_cash: float = 10_000.0
    fees: float = 0.0
    fixed_fees: float = 0.0
    slippage: float = 0.0
    size: float | None = None
    size_type: str = "percent"
    fractional: bool = False
    leverage: float = 1.0
    execution: str = "open"
    order_type: str = "market"
    expiry: Any = None
    sl_stop: float | None = None
    tp_stop: float | None = None
    tsl_stop: float | None = None
    tsl_offset: float | None = None
    intrabar: str = "backtesting"
    close_at_end: bool = True
    periods_per_year: float | None = None
    start: Any = None
    end: Any = None

    def _prepare(self, deep: bool = True) -> Any:
        from threadx.backtest import _engine

        arrays = {k: getattr(self, k) for k in (*_engine.SIGNALS, *_engine.LEVELS)}
        options = {k: getattr(self, k) for k in _engine.OPTIONS}
        return _engine.prepare(self.data, arrays, options, deep=deep)

    def run(self, *, cancel: _core.CancelToken | None = None) -> Any:
        """Run the backtest (after the deep checks): a ``threadx.backtest.BacktestResult``."""
        from threadx.backtest import _engine

        return _engine.execute(self._prepare(), cancel)


@_request
class SweepRequest(_Request):
    """One parameter sweep: the job form of ``threadx.backtest.sweep(strategy, data, ...)``.

    ``grid`` maps the strategy's parameters to values or sequences; ``options`` holds
    backtest options (fees, slippage, ...).  Validated by the sweep's own rules (known
    strategy, well-formed grid, the engine's parameter rules), every bad field at once.
    ``constraint`` (a callable) cannot travel through ``to_dict``.
    """

    kind: ClassVar[str] = "SweepRequest"

    strategy: str
    data: Any
    grid: Any = dataclasses.field(default_factory=dict)
    options: Any = dataclasses.field(default_factory=dict)
    constraint: Any = None
    metric: str = "sharpe"
    keep: str = "stats"
    top_k: int | None = None
    short: bool = False
    periods_per_year: float | None = None

    def _prepare(self, deep: bool = True) -> Any:
        from threadx.backtest import _sweep
        from threadx.errors import ValidationError

        errors = []
        for name in ("grid", "options"):
            if not isinstance(getattr(self, name), Mapping):
                errors.append({"field": name, "value": repr(getattr(self, name)), "message": "must be a dict"})
        if errors:
            raise ValidationError(errors)
        clash = sorted(set(self.grid) & set(self.options))
        if clash:
            raise ValidationError([{"field": clash[0], "value": "", "message": "is in both grid and options"}])
        return _sweep.prepare(self.strategy, self.data, constraint=self.constraint, metric=self.metric,
                              keep=self.keep, top_k=self.top_k, short=self.short,
                              periods_per_year=self.periods_per_year, _deep=deep, **self.grid, **self.options)

    def run(self, *, cancel: _core.CancelToken | None = None) -> Any:
        """Run the sweep (after the deep checks): what ``threadx.backtest.sweep`` returns."""
        from threadx.backtest import _sweep

        return _sweep.execute(self._prepare(), cancel=cancel)


# --------------------------------------------------------------------------- data requests

MAX_SYMBOLS = 100


def _as_symbols(value: Any) -> Any:
    """A tuple of the symbols when ``value`` is a string or an ordered sequence; else ``value``."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple, pd.Index, pd.Series, np.ndarray)):
        return tuple(str(v) if isinstance(v, np.str_) else v for v in list(value))
    return value


def _as_timestamp(value: Any) -> Any:
    """A pd.Timestamp (tz-aware ones converted to UTC) when ``value`` reads as one; else ``value``."""
    if value is None or isinstance(value, bool):
        return value
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return value
    if pd.isna(ts):
        return value
    return ts if ts.tzinfo is None else ts.tz_convert("UTC")


@_request(eq=True)
class DataRequest(_Request):
    """Bars of 1-100 symbols in ``[start, end)`` at one timeframe, from a registered source.

    ``start``/``end`` take anything ``pd.Timestamp`` does but must carry a time
    zone (naive times are never assumed to be UTC); they are kept in UTC.
    ``source`` names a source registered with ``threadx.sources.register_source``.
    ``run()`` fetches every symbol through the source's retry and circuit breaker.
    """

    kind: ClassVar[str] = "DataRequest"
    cacheable: ClassVar[bool] = False

    symbols: Any
    start: Any
    end: Any
    timeframe: str
    source: str

    def _normalize(self) -> None:
        object.__setattr__(self, "symbols", _as_symbols(self.symbols))
        object.__setattr__(self, "start", _as_timestamp(self.start))
        object.__setattr__(self, "end", _as_timestamp(self.end))

    def _prepare(self, deep: bool = True) -> DataRequest:
        """Every check of a data request reads its fields only (deep or not)."""
        from threadx import sources as _sources
        from threadx._inputs import FieldErrors

        errors = FieldErrors()
        symbols = _as_symbols(self.symbols)
        if not isinstance(symbols, tuple):
            errors.add("symbols", symbols, "must be a symbol or a list of symbols")
        elif not 1 <= len(symbols) <= MAX_SYMBOLS:
            errors.add("symbols", f"<{len(symbols)} symbols>", f"must hold 1 to {MAX_SYMBOLS} symbols")
        else:
            seen: set[str] = set()
            dupes: list[str] = []
            for i, sym in enumerate(symbols):
                one = FieldErrors()
                if _sources.check_symbol(sym, one, "symbols") is None:
                    errors.add("symbols", repr(sym), f"symbols[{i}] {one.items[0]['message']}")
                elif sym in seen:
                    if sym not in dupes:
                        dupes.append(sym)
                else:
                    seen.add(sym)
            if dupes:
                errors.add("symbols", repr(dupes), "symbols must be unique; repeated: " + ", ".join(dupes))
        start = _sources.as_utc(self.start, "start", errors)
        end = _sources.as_utc(self.end, "end", errors)
        if start is not None and end is not None and not start < end:
            errors.add("end", end.isoformat(), f"must be later than start ({start.isoformat()})")
        _sources.check_timeframe(self.timeframe, errors)
        if not isinstance(self.source, str) or not self.source:
            errors.add("source", self.source, "must be the name of a registered source")
        elif self.source not in _sources.source_names():
            known = ", ".join(repr(n) for n in _sources.source_names()) or "none"
            errors.add("source", self.source,
                       f"unknown source (registered: {known}); see threadx.sources.register_source")
        errors.raise_if_any()
        return self

    def run(self) -> dict[str, pd.DataFrame]:
        """Fetch every symbol: ``{symbol: frame}`` in the order asked."""
        from threadx import sources as _sources

        self._prepare()  # the source may have been unregistered since the request was built
        src = _sources.get_source(self.source)
        return {sym: src.fetch(sym, self.start, self.end, self.timeframe) for sym in self.symbols}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict; timestamps travel as ISO strings with their UTC offset."""
        def ts(value: Any) -> Any:
            return value.isoformat() if isinstance(value, pd.Timestamp) and value.tzinfo is not None else (
                str(value) if isinstance(value, pd.Timestamp) else encode(value))

        symbols = self.symbols
        return {"type": self.kind,
                "symbols": list(symbols) if isinstance(symbols, tuple) else encode(symbols),
                "start": ts(self.start), "end": ts(self.end),
                "timeframe": encode(self.timeframe), "source": encode(self.source)}

    def __repr__(self) -> str:
        def ts(value: Any) -> str:
            return value.isoformat() if isinstance(value, pd.Timestamp) else _summary(value)

        symbols = self.symbols
        if isinstance(symbols, tuple) and len(symbols) > 6:
            shown = ", ".join(repr(s) for s in symbols[:3])
            sym = f"[{shown}, ... {len(symbols)} symbols]"
        elif isinstance(symbols, tuple):
            sym = repr(list(symbols))
        else:
            sym = _summary(symbols)
        return (f"DataRequest(symbols={sym}, start={ts(self.start)}, end={ts(self.end)}, "
                f"timeframe={self.timeframe!r}, source={self.source!r})")
