"""``threadx.plot.downsample``: M4 in the core (cpp/include/threadx/plot/downsample.hpp)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_int, as_values, checked_keywords

__all__ = ["downsample", "positions"]

DEFAULT_COLUMNS = 2000  # pixel columns: wider than most screens' plot areas


def positions(index: pd.Index) -> np.ndarray | None:
    """The x positions M4 buckets by: a DatetimeIndex's int64 nanoseconds, else None (by position)."""
    if isinstance(index, pd.DatetimeIndex):
        return np.ascontiguousarray(index.as_unit("ns").asi8, dtype=np.int64)
    return None


@checked_keywords
def downsample(values: Any, columns: int = DEFAULT_COLUMNS, *, by_time: bool = True) -> Any:
    """The points of ``values`` to draw at ``columns`` pixel columns, in order: per column the
    first, lowest, highest and last non-NaN point and the first NaN (M4, Jugel et al. 2014).
    A line through them covers the pixels the full line covers: no spike is lost.

    ``values``: a Series (its index kept; a DatetimeIndex buckets by time when ``by_time``,
    so gaps stay gaps) or a 1-D array (a ``(positions, values)`` pair is returned).  Series
    of at most ``4 * columns`` points come back whole.  ±inf is refused (ValidationError).
    """
    errors = FieldErrors()
    vals = as_values(values, errors, "values")
    cols = as_int(columns, "columns", errors, DEFAULT_COLUMNS, minimum=1)
    if vals is not None and vals.array.ndim != 1:
        errors.add("values", f"shape {vals.array.shape}", "must be 1-D (one series)")
    errors.raise_if_any()
    assert vals is not None
    y = np.ascontiguousarray(vals.array, dtype=np.float64)
    x = positions(values.index) if isinstance(values, pd.Series) and by_time else None
    kept = _core.plot.m4_indices(y, x, cols)
    if isinstance(values, pd.Series):
        return values.iloc[kept]
    return kept, y[kept]
