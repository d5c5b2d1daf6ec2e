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
unchanged once given.  ``to_dict()`` / ``from_dict()`` give a JSON-safe round trip
(``json.dumps(..., allow_nan=False)`` works): every valid request comes back equal, field types
and fingerprint included.  Arrays travel as dtype, shape and base64 data; pandas objects
column by column with their index and names (tuple and MultiIndex labels stay tuples);
tuples, ranges, non-finite floats, numpy scalars, timestamps and timedeltas as one-key
``{"__kind__": ...}`` dicts.  A callable field (a sweep's ``constraint``) cannot travel:
``to_dict()`` raises a ValidationError naming it, as ``from_dict()`` does for any field it
cannot read.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import functools
import hashlib
import types
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, TypeVar, cast

import numpy as np
import pandas as pd

from threadx import _core
from threadx import rolling as _rolling

__all__ = ["BacktestRequest", "DataRequest", "IndicatorRequest", "RollingRequest", "SweepRequest", "decode",
           "encode"]


class _Unencodable(Exception):
    """A value with no JSON form (a callable, an object array, ...); the message says why."""


def encode(value: Any, field: str = "value") -> Any:
    """A JSON-safe form of a request field that :func:`decode` turns back into an equal value.

    Plain JSON values stay as they are; everything else travels as a one-key dict:
    arrays (dtype, shape, base64 data), pandas objects with their index and names,
    tuples, ranges, non-finite floats, numpy scalars, timestamps and timedeltas.
    A value with no such form (a callable, an object array, ...) raises a
    ValidationError naming ``field``.
    """
    from threadx.errors import ValidationError

    try:
        return _enc(value)
    except (_Unencodable, OverflowError) as exc:
        raise ValidationError([{"field": field, "value": _summary(value)[:80], "message": str(exc)}]) from None


def decode(value: Any, field: str = "value") -> Any:
    """Inverse of :func:`encode`; anything it cannot read raises a ValidationError naming ``field``."""
    from threadx.errors import ValidationError

    try:
        return _dec(value)
    except Exception as exc:  # noqa: BLE001 - any failure is the payload's: say what it was
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise ValidationError([{"field": field, "value": _brief(value),
                                "message": f"cannot be decoded ({text[:200]})"}]) from None


def _brief(value: Any) -> str:
    """A short account of a payload (lists and dicts by their size: they may nest without end)."""
    if isinstance(value, list):
        return f"<list of {len(value)}>"
    if isinstance(value, dict):
        keys = ", ".join(repr(k)[:20] for k in list(value)[:3])
        return f"<dict with keys [{keys}{', ...' if len(value) > 3 else ''}]>"
    return _summary(value)[:80]


def _tag(name: str, body: Any) -> dict[str, Any]:
    return {f"__{name}__": body}


def _enc(value: Any) -> Any:
    if isinstance(value, np.generic):  # first: np.str_ is a str, np.float64 a float
        return _enc_scalar(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else _tag("float", repr(value))
    if isinstance(value, np.ndarray):
        return _enc_array(value)
    if isinstance(value, pd.Series):
        return _tag("series", {"values": _enc_values(value), "index": _enc_index(value.index),
                               "name": _enc(value.name)})
    if isinstance(value, pd.DataFrame):
        return _tag("frame", {"columns": _enc_index(value.columns), "index": _enc_index(value.index),
                              "data": [_enc_values(value.iloc[:, j]) for j in range(value.shape[1])]})
    if isinstance(value, pd.Index):
        return _tag("index", _enc_index(value))
    if isinstance(value, pd.Timestamp):
        return _tag("timestamp", [int(value.value), _enc_tz(value.tz), value.unit])
    if isinstance(value, pd.Timedelta):
        return _tag("timedelta_ns", int(value.value))
    if isinstance(value, _dt.datetime):
        utc = value if value.tzinfo is None else value.astimezone(_dt.timezone.utc)
        return _tag("datetime", {"iso": utc.replace(tzinfo=None).isoformat(), "tz": _enc_tz(value.tzinfo)})
    if isinstance(value, _dt.timedelta):
        return _tag("timedelta", [value.days, value.seconds, value.microseconds])
    if isinstance(value, range):
        return _tag("range", [value.start, value.stop, value.step])
    if isinstance(value, tuple):
        return _tag("tuple", [_enc(v) for v in value])
    if isinstance(value, list):
        return [_enc(v) for v in value]
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: _enc(v) for k, v in value.items()}
        return _tag("dict", [[_enc(k), _enc(v)] for k, v in value.items()])
    if callable(value):
        raise _Unencodable("is a callable: it cannot travel through to_dict (give the request a value, "
                           "or run it in this process)")
    raise _Unencodable(f"a {type(value).__name__} cannot travel through to_dict")


def _enc_scalar(value: np.generic) -> Any:
    dtype = value.dtype
    if dtype.kind in "biuf":
        return _tag("scalar", {"dtype": dtype.str, "value": _enc(value.item())})
    if dtype.hasobject or dtype.fields is not None:
        raise _Unencodable(f"a numpy {dtype} scalar cannot travel through to_dict")
    return _tag("scalar", {"dtype": dtype.str, "data": base64.b64encode(value.tobytes()).decode("ascii")})


def _enc_array(value: np.ndarray) -> Any:
    if value.dtype.hasobject or value.dtype.fields is not None:
        raise _Unencodable(f"an array of dtype {value.dtype} cannot travel through to_dict (numbers, "
                           "booleans, strings, datetimes only)")
    arr = np.ascontiguousarray(value)
    return _tag("ndarray", {"dtype": arr.dtype.str, "shape": list(arr.shape),
                            "data": base64.b64encode(arr.tobytes()).decode("ascii")})


def _enc_values(values: pd.Series | pd.Index) -> Any:
    """A column's or an index's values: an array, or its items and pandas dtype."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and not dtype.hasobject:
        return _enc_array(values.to_numpy())
    return _tag("values", {"dtype": str(dtype), "items": [_enc(v) for v in values.tolist()]})


def _enc_tz(tz: Any) -> Any:
    """A time zone as its name (``"UTC"``, ``"Europe/Paris"``) or its fixed offset in seconds."""
    if tz is None:
        return None
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)  # zoneinfo's or pytz's name
    if isinstance(name, str):
        return name
    if tz is _dt.timezone.utc:
        return "UTC"
    offset = tz.utcoffset(None)
    if offset is None:
        raise _Unencodable(f"time zone {tz!r} has neither a name nor a fixed offset")
    return int(offset.total_seconds())


def _enc_index(index: pd.Index) -> Any:
    if isinstance(index, pd.MultiIndex):
        return {"multi": [_enc_index(index.get_level_values(k)) for k in range(index.nlevels)],
                "names": [_enc(n) for n in index.names]}
    name = _enc(index.name)
    if isinstance(index, pd.RangeIndex):
        return {"range": [index.start, index.stop, index.step], "name": name}
    if isinstance(index, pd.DatetimeIndex):
        return {"datetime": _enc_array(index.asi8.copy()), "unit": index.unit, "tz": _enc_tz(index.tz),
                "freq": index.freqstr, "name": name}
    return {"values": _enc_values(index), "name": name}


def _dec(value: Any) -> Any:
    if isinstance(value, list):
        return [_dec(v) for v in value]
    if not isinstance(value, dict):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise TypeError(f"a {type(value).__name__} is not JSON")
    if len(value) == 1:
        (key, body), = value.items()
        if isinstance(key, str) and key in _DECODERS:
            return _DECODERS[key](body)
    return {_key(k): _dec(v) for k, v in value.items()}


def _key(k: Any) -> str:
    if not isinstance(k, str):
        raise TypeError(f"a dict key must be a string, not {type(k).__name__}")
    return k


def _fields(body: Any, *names: str) -> list[Any]:
    if not isinstance(body, dict):
        raise TypeError(f"expected a dict with {', '.join(names)}, got {type(body).__name__}")
    missing = [n for n in names if n not in body]
    if missing:
        raise KeyError(f"missing {', '.join(missing)}")
    return [body[n] for n in names]


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _ints(value: Any, what: str, n: int | None = None) -> list[int]:
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value) \
            or (n is not None and len(value) != n):
        raise TypeError(f"{what} must be a list of {n if n is not None else ''} integers".replace("  ", " "))
    return value


def _dtype(text: Any) -> np.dtype:
    dtype = np.dtype(_str(text, "dtype"))
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise TypeError(f"dtype {dtype} is not one to_dict writes")
    return dtype


def _dec_array(body: Any) -> np.ndarray:
    dtype_text, shape, data = _fields(body, "dtype", "shape", "data")
    dtype = _dtype(dtype_text)
    shape = _ints(shape, "shape")
    if any(n < 0 for n in shape) or len(shape) > 32:
        raise ValueError(f"shape {shape} is not an array's")
    raw = base64.b64decode(_str(data, "data"), validate=True)
    count = 1
    for n in shape:
        count *= n
    if count * dtype.itemsize != len(raw):
        raise ValueError(f"{len(raw)} bytes of data do not make an array of shape {tuple(shape)} of {dtype}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _dec_values(obj: Any) -> Any:
    if isinstance(obj, dict) and list(obj) == ["__values__"]:
        dtype, items = _fields(obj["__values__"], "dtype", "items")
        if not isinstance(items, list):
            raise TypeError("items must be a list")
        decoded = [_dec(v) for v in items]
        if _str(dtype, "dtype") == "object":
            out = np.empty(len(decoded), dtype=object)
            for i, v in enumerate(decoded):  # item by item: tuples stay tuples
                out[i] = v
            return out
        return pd.array(decoded, dtype=dtype)
    if isinstance(obj, dict) and list(obj) == ["__ndarray__"]:
        arr = _dec_array(obj["__ndarray__"])
        if arr.ndim != 1:
            raise ValueError("a column or an index must be 1-D")
        return arr
    raise TypeError("values must be an __ndarray__ or __values__ dict")


def _dec_tz(tz: Any) -> Any:
    if tz is None or isinstance(tz, str):
        return tz
    if isinstance(tz, int) and not isinstance(tz, bool):
        return _dt.timezone(_dt.timedelta(seconds=tz))
    raise TypeError("tz must be a name or an offset in seconds")


def _dec_index(obj: Any) -> pd.Index:
    if not isinstance(obj, dict):
        raise TypeError(f"an index must be a dict, not {type(obj).__name__}")
    if "multi" in obj:
        levels, names = _fields(obj, "multi", "names")
        if not isinstance(levels, list) or not isinstance(names, list) or len(levels) != len(names) or not levels:
            raise ValueError("multi and names must be lists of the same (non-zero) length")
        return pd.MultiIndex.from_arrays([_dec_index(lv) for lv in levels], names=[_dec(n) for n in names])
    name = _dec(obj.get("name"))
    if "range" in obj:
        start, stop, step = _ints(obj["range"], "range", 3)
        return pd.RangeIndex(start, stop, step, name=name)
    if "datetime" in obj:
        ticks, unit, tz, freq = _fields(obj, "datetime", "unit", "tz", "freq")
        if not isinstance(ticks, dict) or list(ticks) != ["__ndarray__"]:
            raise TypeError("datetime must be an __ndarray__ dict")
        arr = _dec_array(ticks["__ndarray__"])
        if arr.dtype != np.int64 or arr.ndim != 1:
            raise ValueError("datetime ticks must be 1-D int64")
        idx = pd.DatetimeIndex(arr.view(f"datetime64[{_str(unit, 'unit')}]"), name=name)
        zone = _dec_tz(tz)
        if zone is not None:
            idx = idx.tz_localize("UTC").tz_convert(zone)
        return idx if freq is None else pd.DatetimeIndex(idx, freq=_str(freq, "freq"))
    if "values" in obj:
        values = _dec_values(obj["values"])
        return cast(pd.Index, pd.Index(values, name=name, tupleize_cols=False, dtype=values.dtype))
    raise KeyError("an index needs multi, range, datetime or values")


def _dec_series(body: Any) -> pd.Series:
    values, index, name = _fields(body, "values", "index", "name")
    return pd.Series(_dec_values(values), index=_dec_index(index), name=_dec(name))


def _dec_frame(body: Any) -> pd.DataFrame:
    columns, index, data = _fields(body, "columns", "index", "data")
    cols, idx = _dec_index(columns), _dec_index(index)
    if not isinstance(data, list) or len(data) != len(cols):
        raise ValueError(f"data must be a list of {len(cols)} columns")
    arrays = [_dec_values(c) for c in data]
    if any(len(a) != len(idx) for a in arrays):
        raise ValueError(f"every column must have the index's length ({len(idx)})")
    frame = pd.DataFrame(dict(enumerate(arrays)), index=idx)
    frame.columns = cols
    return frame


def _dec_scalar(body: Any) -> np.generic:
    if not isinstance(body, dict):
        raise TypeError("a scalar must be a dict")
    dtype = _dtype(body.get("dtype"))
    if "value" in body:
        value = _dec(body["value"])
        if dtype.kind not in "biuf" or isinstance(value, (list, dict, str)) or value is None:
            raise TypeError(f"value {value!r} is not a {dtype} scalar")
        out = np.array(value).astype(dtype)
        if out != value and not (np.isnan(out) and np.isnan(value)):
            raise ValueError(f"{value!r} does not fit {dtype}")
        return cast(np.generic, out[()])
    raw = base64.b64decode(_str(body.get("data"), "data"), validate=True)
    if len(raw) != dtype.itemsize:
        raise ValueError(f"{len(raw)} bytes are not one {dtype}")
    return cast(np.generic, np.frombuffer(raw, dtype=dtype)[0])


def _dec_float(body: Any) -> float:
    if body not in ("nan", "inf", "-inf"):
        raise ValueError(f"{body!r} is not nan, inf or -inf")
    return float(body)


def _dec_timestamp(body: Any) -> pd.Timestamp:
    if not isinstance(body, list) or len(body) != 3:
        raise TypeError("a timestamp must be [nanoseconds, tz, unit]")
    ns, tz, unit = body
    if isinstance(ns, bool) or not isinstance(ns, int):
        raise TypeError("nanoseconds must be an integer")
    ts = pd.Timestamp(ns, unit="ns")
    zone = _dec_tz(tz)
    if zone is not None:
        ts = ts.tz_localize("UTC").tz_convert(zone)
    if unit not in ("s", "ms", "us", "ns"):
        raise ValueError(f"unit {unit!r} is not s, ms, us or ns")
    return ts.as_unit(cast(Literal["s", "ms", "us", "ns"], unit))


def _dec_timedelta_ns(body: Any) -> pd.Timedelta:
    if isinstance(body, bool) or not isinstance(body, int):
        raise TypeError("nanoseconds must be an integer")
    return pd.Timedelta(body, unit="ns")


def _dec_dict(body: Any) -> dict[Any, Any]:
    if not isinstance(body, list) or any(not isinstance(kv, list) or len(kv) != 2 for kv in body):
        raise TypeError("a dict must be a list of [key, value] pairs")
    return {_dec(k): _dec(v) for k, v in body}


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "__ndarray__": _dec_array,
    "__series__": _dec_series,
    "__frame__": _dec_frame,
    "__index__": _dec_index,
    "__scalar__": _dec_scalar,
    "__float__": _dec_float,
    "__timestamp__": _dec_timestamp,
    "__timedelta_ns__": _dec_timedelta_ns,
    "__datetime__": lambda body: _dec_datetime(*_fields(body, "iso", "tz")),
    "__timedelta__": lambda body: _dt.timedelta(*_ints(body, "a timedelta", 3)),
    "__range__": lambda body: range(*_ints(body, "a range", 3)),
    "__tuple__": lambda body: tuple(_dec(v) for v in body) if isinstance(body, list) else _dec_list(body),
    "__dict__": _dec_dict,
}


def _dec_datetime(iso: Any, tz: Any) -> _dt.datetime:
    utc = _dt.datetime.fromisoformat(_str(iso, "iso"))
    if utc.tzinfo is not None:
        raise ValueError("iso must be without a zone (the instant in UTC; the zone is tz)")
    zone = _dec_tz(tz)
    if zone is None:
        return utc
    return utc.replace(tzinfo=_dt.timezone.utc).astimezone(zoneinfo.ZoneInfo(zone) if isinstance(zone, str) else zone)


def _dec_list(body: Any) -> Any:
    raise TypeError(f"a tuple must be a list, not {type(body).__name__}")


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
        for j in range(value.shape[1]):  # column by column: each keeps its dtype
            _feed(h, value.iloc[:, j].to_numpy())
        _feed(h, value.index)
        _feed(h, value.columns)
    elif isinstance(value, pd.DatetimeIndex):
        h.update(f"dtindex{value.tz}{value.unit}".encode())
        _feed(h, value.asi8)
        _feed(h, value.name)
    elif isinstance(value, pd.Index):
        h.update(f"index{value.dtype}".encode())
        plain = isinstance(value.dtype, np.dtype) and not value.dtype.hasobject
        _feed(h, np.asarray(value) if plain else value.tolist())
        _feed(h, list(value.names))
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
    elif isinstance(value, _dt.datetime):  # the zone by name: the same zone hashes the same whatever object holds it
        h.update(f"{type(value).__name__}:{value.replace(tzinfo=None).isoformat()}:{_enc_tz(value.tzinfo)};".encode())
        if isinstance(value, pd.Timestamp):
            h.update(f"{value.nanosecond}{value.unit}".encode())
    elif value is None or isinstance(value, (bool, int, float, str, range, np.generic, _dt.timedelta)):
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


_PLAN = "_deep_plan"  # the attribute holding a request's kept plan


class _Request:
    """Shared behaviour of request structs (checks at birth, encoding, repr, fingerprint)."""

    kind: ClassVar[str]
    # whether equal fingerprints mean equal results (False for requests that read
    # the outside world, such as DataRequest)
    cacheable: ClassVar[bool] = True
    # whether the deep checks' plan is kept once made (False where the checks read
    # something outside the request that may change, as DataRequest's source registry)
    _keeps_plan: ClassVar[bool] = True
    # whether building the request already runs every check (then its plan is kept)
    _shallow_is_deep: ClassVar[bool] = False

    def __post_init__(self) -> None:
        self._normalize()
        plan = self._prepare(deep=False)
        if self._shallow_is_deep and self._keeps_plan:
            object.__setattr__(self, _PLAN, plan)

    def _plan(self) -> Any:
        """The plan of every check, the deep ones included: made once, then kept.

        Kept as a plain attribute, not a field: no part of equality, hashing, repr,
        ``to_dict``, the fingerprint or pickling (``__getstate__`` leaves it out).
        """
        plan = self.__dict__.get(_PLAN)
        if plan is None:
            plan = self._prepare(deep=True)
            if self._keeps_plan:
                object.__setattr__(self, _PLAN, plan)
        return plan

    def __getstate__(self) -> dict[str, Any]:
        """The fields (read-only dicts as plain ones, which pickle), without the kept plan."""
        return {k: dict(v) if isinstance(v, types.MappingProxyType) else v
                for k, v in self.__dict__.items() if k != _PLAN}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, _frozen(v))

    def _normalize(self) -> None:
        """Settle the fields' forms (dicts become read-only) before the checks."""
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            object.__setattr__(self, f.name, _frozen(getattr(self, f.name)))

    def _prepare(self, deep: bool = True) -> Any:
        raise NotImplementedError

    def validate(self: _Self) -> _Self:
        """Run every check, the deep ones (reading all of the data) included; return self.

        Building the request ran the cheap checks; ``run()`` runs the deep ones itself,
        so calling this first is never needed.  The checks run once: their plan is
        kept, and later ``validate()`` and ``run()`` calls use it.
        """
        self._plan()
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
        except (_Unhashable, _Unencodable):
            return None
        return h.hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (``json.dumps`` works on it) that ``from_dict`` restores."""
        out: dict[str, Any] = {"type": self.kind}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            out[f.name] = encode(getattr(self, f.name), f.name)
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
        from threadx._inputs import FieldErrors

        errors = FieldErrors()
        fields: dict[str, Any] = {}
        for k, v in data.items():
            try:
                fields[str(k)] = decode(v, str(k))
            except ValidationError as exc:
                errors.extend(exc)
        errors.raise_if_any()
        return cls(**fields)

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
    method: str = "average"  # rank's options
    ascending: bool = True
    pct: bool = False

    def _prepare(self, deep: bool = True) -> _rolling.Prepared:
        return _rolling.prepare(
            self.values, self.window, self.stat, q=self.q, min_periods=self.min_periods,
            interpolation=self.interpolation, ddof=self.ddof, times=self.times, deep=deep,
            method=self.method, ascending=self.ascending, pct=self.pct,
        )

    def run(self, *, out: Any = None, cancel: _core.CancelToken | None = None) -> Any:
        """Compute the statistic (after the deep checks)."""
        return _rolling.compute(self._plan(), out=out, cancel=cancel)


@_request
class IndicatorRequest(_Request):
    """One indicator call: the job form of ``threadx.ta.<function>(*inputs, **params)``.

    ``inputs`` is a list of arrays/Series/2-D frames in the function's input order, or
    one OHLCV DataFrame/dict; ``params`` maps parameter names to values or sequences
    (a grid), exactly as the function takes them.
    """

    kind: ClassVar[str] = "IndicatorRequest"
    _shallow_is_deep: ClassVar[bool] = True  # no check reads more when run

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

        return _api.execute(self._plan(), cancel)


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

        return _engine.execute(self._plan(), cancel)


@_request
class SweepRequest(_Request):
    """One parameter sweep: the job form of ``threadx.backtest.sweep(strategy, data, ...)``.

    ``grid`` maps the strategy's parameters to values or sequences; ``options`` holds
    backtest options (fees, slippage, ...).  Validated by the sweep's own rules (known
    strategy, well-formed grid, the engine's parameter rules), every bad field at once.
    ``constraint`` (a callable) cannot travel through ``to_dict``, nor can ``client`` (a Dask
    client: the sweep runs on its cluster); ``partitions``, ``out``, ``resume`` and
    ``chunk_size`` are ``sweep``'s (docs/research.md).
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
    partitions: int | None = None
    client: Any = None
    out: str | None = None
    resume: bool = False
    chunk_size: int | None = None

    def _prepare(self, deep: bool = True) -> Any:
        from threadx._inputs import FieldErrors
        from threadx.backtest import _sweep
        from threadx.errors import ValidationError

        errors = FieldErrors()
        for name in ("grid", "options"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                errors.add(name, value, "must be a dict")
            else:
                for key in value:
                    if not isinstance(key, str):
                        errors.add(name, key, "keys must be parameter names (strings)")
        errors.raise_if_any()
        clash = sorted(set(self.grid) & set(self.options))
        if clash:
            raise ValidationError([{"field": clash[0], "value": "", "message": "is in both grid and options"}])
        return _sweep.prepare(self.strategy, self.data, constraint=self.constraint, metric=self.metric,
                              keep=self.keep, top_k=self.top_k, short=self.short,
                              periods_per_year=self.periods_per_year, partitions=self.partitions, client=self.client,
                              out=self.out, resume=self.resume, chunk_size=self.chunk_size, _deep=deep, **self.grid,
                              **self.options)

    def run(self, *, cancel: _core.CancelToken | None = None) -> Any:
        """Run the sweep (after the deep checks): what ``threadx.backtest.sweep`` returns."""
        from threadx.backtest import _sweep

        return _sweep.execute(self._plan(), cancel=cancel)


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
    _keeps_plan: ClassVar[bool] = False

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
