"""Turning what users pass into what the core takes: one place per rule.

Python-side rules (dtypes, shapes, memory layout, pandas objects, window and time
parsing, ``cancel=``) live here -- every array bound for the core passes
:func:`core_array`, which copies a misaligned view once; the numeric rules (window > 0, q in [0, 1], min_periods, sorted times) live
in the C++ core (``_core.rolling.validate``) so a direct ``_core`` call is held to them
too.  ``FieldErrors`` collects every problem of one call before raising.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import inspect
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd

from threadx import _core
from threadx.errors import FieldError, ValidationError

__all__ = ["FieldErrors", "Values", "Window", "as_bool", "as_cancel", "as_values", "as_times", "as_window", "checked_cancel",
           "checked_keywords", "core_array", "index_mismatch", "unknown_keywords"]

P = ParamSpec("P")
R = TypeVar("R")


class FieldErrors:
    """Every invalid field of one call, raised together."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field: str, value: Any, message: str) -> None:
        text = value if isinstance(value, str) else _short_repr(value)
        self.items.append(FieldError(field=field, value=text, message=message))

    def extend(self, err: ValidationError) -> None:
        self.items.extend(err.errors)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationError(self.items)


def _short_repr(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {value.shape}>"
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return f"<{type(value).__name__} {value.shape}>"
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4300 digits has no repr
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class Values:
    """Input values as the core reads them, plus what is needed to wrap results."""

    array: np.ndarray  # float64, 1-D or 2-D, aligned, strides multiple of 8 (core_array)
    kind: str  # "array" | "series" | "frame"
    index: pd.Index | None = None
    columns: pd.Index | None = None
    name: Any = None

    @property
    def n_rows(self) -> int:
        return int(self.array.shape[0])

    @property
    def n_cols(self) -> int:
        return 1 if self.array.ndim == 1 else int(self.array.shape[1])


def core_array(a: Any, dtype: Any = np.float64, *, contiguous: bool = False) -> np.ndarray:
    """``a`` as the core reads it: ``dtype``, its address and strides multiples of the item
    size (C-contiguous too when ``contiguous``), without a copy where the layout allows.

    The one rule for arrays entering the core: a view that is not aligned
    (``np.frombuffer(buf, offset=1)``) or whose strides split items is copied once here;
    the bindings refuse such arrays (``require_aligned``), they never read them misaligned.
    """
    arr = np.asarray(a).astype(dtype, copy=False)
    if contiguous:
        arr = np.ascontiguousarray(arr)
    if not arr.flags.aligned or any(s % arr.itemsize for s in arr.strides):
        arr = np.array(arr, order="C" if contiguous else "K")  # a fresh, aligned copy
    return arr


def _float_dtype_ok(dtype: np.dtype) -> bool:
    return bool(
        dtype.kind == "f" or (dtype.kind in "iu" and dtype != np.dtype(bool))
    )


def as_values(x: Any, errors: FieldErrors, field: str = "values") -> Values | None:
    """float64 without a copy where the layout allows it; ints and floats convert once."""
    kind = "array"
    index = columns = name = None
    arr: np.ndarray
    if isinstance(x, pd.Series):
        kind, index, name = "series", x.index, x.name
        if not _float_dtype_ok(np.dtype(x.dtype) if isinstance(x.dtype, np.dtype) else np.dtype(object)):
            errors.add(field, f"dtype {x.dtype}", "must be float64 or an integer/float dtype")
            return None
        arr = x.to_numpy(dtype=np.float64, copy=False)
    elif isinstance(x, pd.DataFrame):
        kind, index, columns = "frame", x.index, x.columns
        bad = [str(d) for d in x.dtypes if not (isinstance(d, np.dtype) and _float_dtype_ok(d))]
        if bad:
            errors.add(field, f"dtypes {sorted(set(bad))}", "every column must be float64 or an integer/float dtype")
            return None
        arr = x.to_numpy(dtype=np.float64, copy=False)
    else:
        try:
            arr = np.asarray(x)
        except Exception as exc:  # noqa: BLE001 - any failure is the user's input
            errors.add(field, x, f"cannot be read as an array ({exc})")
            return None
        if not _float_dtype_ok(arr.dtype):
            errors.add(field, f"dtype {arr.dtype}", "must be float64 or an integer/float dtype")
            return None
    if arr.ndim not in (1, 2):
        errors.add(field, f"ndim {arr.ndim}", "must be 1-D or 2-D")
        return None
    return Values(core_array(arr), kind, index, columns, name)


@dataclass
class Window:
    """A count window (rows) or a time window (nanoseconds)."""

    size: int
    is_time: bool


INT64_MAX = 2**63 - 1


def _is_int(value: Any) -> bool:
    # np.timedelta64 subclasses np.signedinteger: it is a duration, not a count
    return (isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_, np.timedelta64)))


def as_window(window: Any, errors: FieldErrors) -> Window | None:
    """A count of rows or a fixed-length time offset, in int64 (rows or nanoseconds)."""
    if _is_int(window) or (isinstance(window, (float, np.floating)) and np.isfinite(window)
                           and float(window).is_integer()):
        rows = int(window)
        if abs(rows) > INT64_MAX:
            errors.add("window", window, "is out of range")
            return None
        return Window(rows, False)
    if isinstance(window, (float, np.floating)):
        errors.add("window", window, "a count window must be an integral number of rows")
        return None
    ns: int | None
    try:
        if isinstance(window, (str, pd.DateOffset)):
            # .nanos raises for offsets of no fixed length (months, business days)
            ns = pd.tseries.frequencies.to_offset(window).nanos
        elif isinstance(window, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
            td = pd.Timedelta(window)
            ns = None if pd.isna(td) else td.value
        else:
            errors.add("window", window, "must be a positive integer or a time offset")
            return None
    except (ValueError, TypeError, OverflowError):  # pandas' own message repeats itself; ours says what is accepted
        errors.add("window", window, "must be a number of rows or a fixed-length time offset such as '15min', "
                   "'1h' or '2D' (months and business days have no fixed length)")
        return None
    if ns is None:
        errors.add("window", window, "must not be NaT")
        return None
    return Window(int(ns), True)


def as_duration(value: Any, field: str, errors: FieldErrors, *, minimum: int = 0) -> int:
    """A fixed-length duration ('15min', '5s', a Timedelta/timedelta/timedelta64) in int64 ns.

    Numbers are refused (a bare number has no unit); 0 comes back for a bad value (in ``errors``).
    """
    try:
        if isinstance(value, str):
            ns = pd.Timedelta(value).value
        elif isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
            ns = pd.Timedelta(value).value
        else:
            errors.add(field, value, "must be a duration such as '15min', '5s' or a Timedelta")
            return 0
    except (ValueError, TypeError, OverflowError):
        errors.add(field, value, "must be a duration such as '15min', '5s' or a Timedelta")
        return 0
    if ns is None or ns == np.iinfo(np.int64).min:  # NaT
        errors.add(field, value, "must not be NaT")
        return 0
    if ns < minimum:
        errors.add(field, value, f"must be at least {pd.Timedelta(minimum, unit='ns')}")
        return 0
    return int(ns)


def as_times(times: Any, values: Values | None, errors: FieldErrors) -> np.ndarray | None:
    """int64 nanoseconds from times= or, failing that, from a DatetimeIndex."""
    source = times
    if source is None and values is not None and isinstance(values.index, pd.DatetimeIndex):
        source = values.index
    if source is None:
        return None
    try:
        if isinstance(source, pd.DatetimeIndex):
            if source.hasnans:
                errors.add("times", "NaT", "timestamps must not contain NaT")
                return None
            ns = source.as_unit("ns").asi8
        else:
            arr = np.asarray(source)
            if arr.dtype.kind == "M":
                if np.isnat(arr).any():
                    errors.add("times", "NaT", "timestamps must not contain NaT")
                    return None
                ns = arr.astype("datetime64[ns]").view(np.int64)
            elif arr.dtype.kind in "iu" and arr.dtype != np.dtype(bool):
                ns = arr.astype(np.int64, copy=False)
                if (ns == np.iinfo(np.int64).min).any():  # pandas' NaT as int64 nanoseconds
                    errors.add("times", "NaT", "timestamps must not contain NaT (-2**63)")
                    return None
            else:
                errors.add("times", f"dtype {arr.dtype}", "must be datetime64 or int64 nanoseconds")
                return None
    except (ValueError, TypeError, OverflowError) as exc:
        errors.add("times", source, f"cannot be read as timestamps ({exc})")
        return None
    if ns.ndim != 1:
        errors.add("times", f"ndim {ns.ndim}", "must be 1-D")
        return None
    return core_array(ns, np.int64, contiguous=True)


def as_levels(q: Any, errors: FieldErrors) -> tuple[list[float], bool] | None:
    """Quantile levels as a list, and whether a single level (scalar) was given."""
    if isinstance(q, (bool, np.bool_)):
        errors.add("q", q, "must be a number in [0, 1] or a sequence of them")
        return None
    if isinstance(q, (int, float, np.integer, np.floating)):
        return [float(q)], True
    if isinstance(q, (Sequence, np.ndarray, pd.Index, pd.Series)) and not isinstance(q, str):
        try:
            arr = np.asarray(q, dtype=np.float64)
        except (TypeError, ValueError):
            errors.add("q", q, "must be numbers in [0, 1]")
            return None
        if arr.ndim == 0:  # np.array(0.5): a scalar level
            return [float(arr)], True
        if arr.ndim != 1:  # [[0.1, 0.2]] is not flattened: the result's columns follow q's shape
            errors.add("q", q, "must be a number in [0, 1] or a flat sequence of them")
            return None
        return [float(v) for v in arr], False
    errors.add("q", q, "must be a number in [0, 1] or a sequence of them")
    return None


def as_int(value: Any, field: str, errors: FieldErrors, default: int, *, minimum: int | None = None,
           none: int | None = None) -> int:
    """An int64; `none` (when given) is what None stands for; `default` replaces a bad value."""
    if value is None and none is not None:
        return none
    if not _is_int(value):
        errors.add(field, value, "must be an integer" + (" or None" if none is not None else ""))
        return default
    v = int(value)
    if abs(v) > INT64_MAX:
        errors.add(field, value, "is out of range")
        return default
    if minimum is not None and v < minimum:
        errors.add(field, value, f"must be >= {minimum}")
        return default
    return v


def as_bool(value: Any, field: str, errors: FieldErrors, default: bool) -> bool:
    """``value`` when it is a bool (numpy's too); `default` replaces anything else, reported."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    errors.add(field, value, "must be True or False")
    return default


def as_min_periods(min_periods: Any, errors: FieldErrors) -> int:
    """-1 stands for pandas' default; the core checks it against the window."""
    return as_int(min_periods, "min_periods", errors, -1, minimum=0, none=-1)


def as_cancel(cancel: Any, errors: FieldErrors) -> _core.CancelToken | None:
    """``cancel=`` as the core takes it: None or a ``threadx.CancelToken`` (anything else is
    reported, naming the field, before pybind could refuse it with its own signatures)."""
    if cancel is None or isinstance(cancel, _core.CancelToken):
        return cancel
    errors.add("cancel", cancel, "must be None or a threadx.CancelToken")
    return None


def checked_cancel(cancel: Any) -> _core.CancelToken | None:
    """:func:`as_cancel` for a call that checks nothing else with it: raises ValidationError."""
    errors = FieldErrors()
    token = as_cancel(cancel, errors)
    errors.raise_if_any()
    return token


def unknown_keywords(given: Mapping[str, Any], valid: Collection[str], errors: FieldErrors, where: str) -> None:
    """Each keyword of ``given`` that ``where`` does not take, with the closest valid name."""
    for key in given:
        if key not in valid:
            close = difflib.get_close_matches(str(key), [str(v) for v in valid], n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"valid: {', '.join(sorted(map(str, valid))) or 'none'}"
            errors.add(str(key), given[key], f"is not a keyword of {where} ({hint})")


def checked_keywords(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` raising ``ValidationError`` for a keyword it does not take (a typo: the closest name).
    A function with ``**kwargs`` takes any keyword: it checks those itself."""
    params = inspect.signature(fn).parameters.values()
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return fn
    valid = frozenset(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)) - {"self"}
    module = ".".join(m for m in fn.__module__.split(".") if not m.startswith("_"))
    where = f"{module}.{fn.__qualname__.removesuffix('.__init__')}"  # a class for its __init__

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not valid.issuperset(kwargs):
            errors = FieldErrors()
            unknown_keywords(kwargs, valid, errors, where)
            errors.raise_if_any()
        return fn(*args, **kwargs)

    return wrapper


def _zone(index: pd.DatetimeIndex) -> str:
    return "tz-naive" if index.tz is None else f"in time zone {index.tz}"


def index_mismatch(index: pd.Index, reference: pd.Index) -> str | None:
    """Why ``index`` does not line up with the data's ``reference`` (None: it does; the same
    instants in another time zone do)."""
    if index.equals(reference):
        return None
    if not (isinstance(index, pd.DatetimeIndex) and isinstance(reference, pd.DatetimeIndex)):
        return "must have the same index as the data"
    if (index.tz is None) != (reference.tz is None):
        fix = ".tz_localize(<the data's zone>)" if index.tz is None else ".tz_localize(None) or localize the data"
        return f"is {_zone(index)} but the data's index is {_zone(reference)}: time zones differ ({fix})"
    if index.tz is not None and len(index) == len(reference) and np.array_equal(
            index.as_unit("ns").asi8, reference.as_unit("ns").asi8):
        return None  # the same instants, shown in another time zone
    zones = f" (it is {_zone(index)}, the data {_zone(reference)})" if str(index.tz) != str(reference.tz) else ""
    return f"must have the same index as the data: the timestamps differ{zones}"


def as_number(value: Any, field: str, errors: FieldErrors, *, none: bool = False) -> float | None:
    """``value`` as a float when it is a real number (not a bool; None too when ``none``).

    Only the type is checked here; ranges are the rules of whoever takes the number.
    None comes back for None and for a value that is not a number (then in ``errors``).
    """
    if value is None and none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        errors.add(field, value, "must be a number" + (" or None" if none else ""))
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond float's range
        errors.add(field, value, "is out of range")
        return None


def check_symbol_keys(keys: Collection[Any], field: str, errors: FieldErrors) -> None:
    """The keys of a dict ``{symbol: frame}``: strings or integers (they label rows and columns)."""
    for key in keys:
        if not (isinstance(key, str) or _is_int(key)):
            errors.add(field, key, f"keys must be symbols (strings or integers), not {type(key).__name__}")
