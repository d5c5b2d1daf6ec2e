"""Turning what users pass into what the core takes: one place per rule.

Python-side rules (dtypes, shapes, pandas objects, window and time parsing) live
here; the numeric rules (window > 0, q in [0, 1], min_periods, sorted times) live
in the C++ core (``_core.rolling.validate``) so a direct ``_core`` call is held to them
too.  ``FieldErrors`` collects every problem of one call before raising.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from threadx.errors import FieldError, ValidationError

__all__ = ["FieldErrors", "Values", "Window", "as_values", "as_times", "as_window"]


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
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass
class Values:
    """Input values as the core reads them, plus what is needed to wrap results."""

    array: np.ndarray  # float64, 1-D or 2-D, strides multiple of 8
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
        arr = arr.astype(np.float64, copy=False)
    if arr.ndim not in (1, 2):
        errors.add(field, f"ndim {arr.ndim}", "must be 1-D or 2-D")
        return None
    if any(s % 8 for s in arr.strides):
        arr = np.ascontiguousarray(arr)
    return Values(arr, kind, index, columns, name)


@dataclass
class Window:
    """A count window (rows) or a time window (nanoseconds)."""

    size: int
    is_time: bool
    source: Any = field(default=None, repr=False)


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
        return Window(rows, False, window)
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
            ns = None if td is pd.NaT else td.value
        else:
            errors.add("window", window, "must be a positive integer or a time offset")
            return None
    except (ValueError, TypeError, OverflowError) as exc:
        errors.add("window", window, f"not a fixed-length time offset ({exc})")
        return None
    if ns is None:
        errors.add("window", window, "must not be NaT")
        return None
    return Window(int(ns), True, window)


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
            else:
                errors.add("times", f"dtype {arr.dtype}", "must be datetime64 or int64 nanoseconds")
                return None
    except (ValueError, TypeError, OverflowError) as exc:
        errors.add("times", source, f"cannot be read as timestamps ({exc})")
        return None
    if ns.ndim != 1:
        errors.add("times", f"ndim {ns.ndim}", "must be 1-D")
        return None
    return np.ascontiguousarray(ns, dtype=np.int64)


def as_levels(q: Any, errors: FieldErrors) -> tuple[list[float], bool] | None:
    """Quantile levels as a list, and whether a single level (scalar) was given."""
    if isinstance(q, (bool, np.bool_)):
        errors.add("q", q, "must be a number in [0, 1] or a sequence of them")
        return None
    if isinstance(q, (int, float, np.integer, np.floating)):
        return [float(q)], True
    if isinstance(q, (Sequence, np.ndarray, pd.Index, pd.Series)) and not isinstance(q, str):
        try:
            levels = [float(v) for v in np.asarray(q, dtype=np.float64).ravel()]
        except (TypeError, ValueError):
            errors.add("q", q, "must be numbers in [0, 1]")
            return None
        return levels, False
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


def as_min_periods(min_periods: Any, errors: FieldErrors) -> int:
    """-1 stands for pandas' default; the core checks it against the window."""
    return as_int(min_periods, "min_periods", errors, -1, minimum=0, none=-1)
