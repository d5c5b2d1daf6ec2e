"""Rolling statistics and exact rolling quantiles with pandas' semantics.

Every function takes a 1-D/2-D array, a Series or a DataFrame and a window that
is a number of rows or a time offset (``"15min"``, ``pd.Timedelta``) over a
DatetimeIndex or ``times=``.  Results equal ``x.rolling(window, min_periods).<stat>()``
under ThreadX's parity rule: NaN is skipped and not counted; columns of 2-D input
run in parallel on TBB with the GIL released.

Deliberate deviations from pandas (see the README): ±inf are values, counted as
observations (pandas turns them into NaN first); constant windows have var/std exactly
0; running sums are recomputed exactly, so no rounding outlives the values it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import (
    FieldErrors,
    Values,
    Window,
    as_bool,
    as_int,
    as_levels,
    as_min_periods,
    as_times,
    as_values,
    as_window,
    checked_cancel,
    checked_keywords,
)
from threadx.errors import ValidationError

__all__ = [
    "INTERPOLATIONS",
    "RANK_METHODS",
    "RollingQuantile",
    "RollingRank",
    "max",
    "mean",
    "median",
    "min",
    "quantile",
    "rank",
    "std",
    "sum",
    "var",
    "zscore",
]

# The core's tables are the one list (cpp/src/rolling/spec.cpp); every function below is
# one of STATS, which tests/test_rolling_tables.py holds to the core's table.
INTERPOLATIONS: tuple[str, ...] = tuple(_core.rolling.interpolations())
STATS: tuple[str, ...] = tuple(_core.rolling.stats())
RANK_METHODS: tuple[str, ...] = tuple(_core.rolling.rank_methods())

ArrayLike = Union[np.ndarray, pd.Series, pd.DataFrame, Sequence[float]]
WindowLike = Union[int, str, pd.Timedelta, Any]
Result = Union[np.ndarray, pd.Series, pd.DataFrame]


class Prepared:
    """A validated rolling call: inputs as the core reads them."""

    def __init__(
        self,
        values: Values,
        window: Window,
        stat: str,
        levels: list[float],
        scalar_q: bool,
        min_periods: int,
        interpolation: str,
        ddof: int,
        times: np.ndarray | None,
        plan: _core.rolling.Plan | None,
        *,
        method: str = "average",
        ascending: bool = True,
        pct: bool = False,
    ) -> None:
        self.values = values
        self.window = window
        self.stat = stat
        self.levels = levels
        self.scalar_q = scalar_q
        self.min_periods = min_periods
        self.interpolation = interpolation
        self.ddof = ddof
        self.method = method  # rank's options
        self.ascending = ascending
        self.pct = pct
        self.times = times
        # what the core validated (None after a deep=False check of a time window, whose
        # timestamps were not scanned): compute() hands it over instead of re-checking
        self.plan = plan
        self.checked_out: Any = None  # the out= array prepare() checked, if any

    @property
    def k(self) -> int:
        return len(self.levels) if self.stat == "quantile" else 1

    def result_shape(self) -> tuple[int, ...]:
        return _result_shape(self.values, self.stat, self.levels, self.scalar_q)


# Placeholders that let the core check the fields that did parse when another did not.
_ANY_WINDOW = 2**62


def _as_name(value: Any, field: str, table: tuple[str, ...], errors: FieldErrors, default: str) -> str:
    """A name for the core to look up in `table` (it reports an unknown one); not a str: reported here."""
    if isinstance(value, str):
        return value
    errors.add(field, value, f"must be one of {', '.join(table)}")
    return default


def _core_checked(errors: FieldErrors, make: Any) -> Any:
    """``make()`` (a core call that validates), adding what it reports about the fields not
    already in ``errors``; None when it raised."""
    reported = {e["field"] for e in errors.items}
    try:
        return make()
    except ValidationError as exc:
        errors.items.extend(e for e in exc.errors if e["field"] not in reported)
        return None


def prepare(
    x: Any,
    window: Any,
    stat: str,
    *,
    q: Any = None,
    min_periods: Any = None,
    interpolation: Any = "linear",
    ddof: Any = 1,
    times: Any = None,
    out: Any = None,
    deep: bool = True,
    method: Any = "average",
    ascending: Any = True,
    pct: Any = False,
) -> Prepared:
    """Check every argument of a rolling call, raising one ValidationError for all.

    ``deep=False`` leaves out the one check that reads every timestamp (their order),
    so a request can check its fields when it is built, in time independent of the
    data's size; ``deep=True`` (what every run does) checks everything.
    """
    errors = FieldErrors()
    known_stat = stat in STATS
    if not known_stat:
        errors.add("stat", stat, f"must be one of {', '.join(STATS)}")
    values = as_values(x, errors)
    win = as_window(window, errors)
    levels: list[float] = []
    scalar_q = True
    levels_known = True  # the result's shape is known
    if stat == "quantile":
        parsed = as_levels(q, errors)
        if parsed is not None:
            levels, scalar_q = parsed
        levels_known = parsed is not None
    mp = as_min_periods(min_periods, errors)
    dd = as_int(ddof, "ddof", errors, 1)
    interpolation = _as_name(interpolation, "interpolation", INTERPOLATIONS, errors, "linear")
    method = _as_name(method, "method", RANK_METHODS, errors, "average")
    asc = as_bool(ascending, "ascending", errors, True)
    pc = as_bool(pct, "pct", errors, False)
    # timestamps matter for a time window over values that parsed; times= given with a count
    # window are checked too (timestamps, one per row) though not read (pandas ignores on=)
    t = None
    timed = win is not None and win.is_time and values is not None
    if timed or (times is not None and values is not None):
        t = as_times(times, values, errors)
    # The numeric rules live in the core: ask it about everything that parsed (with
    # placeholders for what did not) and keep what it finds, except for fields a
    # Python-side rule already reported or could not judge.
    plan: _core.rolling.Plan | None = None
    if known_stat:
        reported = {e["field"] for e in errors.items}
        if not timed and t is None:
            reported.add("times")
        core_times = t
        if not deep and t is not None and values is not None and len(t) == values.n_rows:
            core_times = None  # their order is the deep check; a wrong length is reported before any scan
            reported.add("times")
        try:
            plan = _core.rolling.validate(
                values.n_rows if values is not None else 0,
                stat,
                win.size if win is not None else _ANY_WINDOW,
                time_window=win is not None and win.is_time,
                min_periods=mp,
                q=levels if levels_known else [0.5],  # a placeholder only when q did not parse
                interpolation=interpolation,
                ddof=dd,
                times=core_times,
                method=method,
                ascending=asc,
                pct=pc,
            )
        except ValidationError as exc:
            errors.items.extend(e for e in exc.errors if e["field"] not in reported)
    if out is not None and values is not None and known_stat and levels_known:
        check_out(values, _result_shape(values, stat, levels, scalar_q), out, errors)
    errors.raise_if_any()
    assert values is not None and win is not None
    prepared = Prepared(values, win, stat, levels, scalar_q, mp, interpolation, dd, t if win.is_time else None, plan,
                        method=method, ascending=asc, pct=pc)
    prepared.checked_out = out
    return prepared


def _result_shape(values: Values, stat: str, levels: list[float], scalar_q: bool) -> tuple[int, ...]:
    n, c = values.n_rows, values.n_cols
    one_d = values.array.ndim == 1
    if scalar_q or stat != "quantile":
        return (n,) if one_d else (n, c)
    return (n, len(levels)) if one_d else (n, c * len(levels))


def check_out(values: Values, shape: tuple[int, ...], out: Any, errors: FieldErrors) -> None:
    """An out= array the core can fill in place: float64, the result's shape, writeable."""
    if not isinstance(out, np.ndarray):
        errors.add("out", out, "must be a numpy array")
    elif out.dtype != np.float64:
        errors.add("out", f"dtype {out.dtype}", "must be float64")
    elif out.shape != shape:
        errors.add("out", f"shape {out.shape}", f"must be {shape}")
    elif not out.flags.writeable:
        errors.add("out", "read-only", "must be writeable")
    elif any(s % 8 for s in out.strides):
        errors.add("out", f"strides {out.strides}", "must be multiples of 8 bytes")
    elif not out.flags.aligned:  # filled in place, so not copied as a misaligned input is
        errors.add("out", "address", "must be aligned to 8 bytes")
    elif np.may_share_memory(out, values.array):
        errors.add("out", "overlaps values", "must not share memory with the input")


def _out_view(p: Prepared, out: Any) -> tuple[np.ndarray, np.ndarray]:
    """(result array in its final shape, the (rows, cols, k) view of it the core fills)."""
    n, c, k = p.values.n_rows, p.values.n_cols, p.k
    shape = p.result_shape()
    x = p.values.array
    if out is None:
        # column-major input (DataFrame blocks) gets column-major output, so each
        # column is read and written contiguously and pandas wraps it without a copy
        column_major = x.ndim == 2 and x.flags.f_contiguous and not x.flags.c_contiguous
        out = np.empty(shape, dtype=np.float64, order="F" if column_major else "C")
    elif out is not p.checked_out:  # the core re-checks what memory safety needs either way
        errors = FieldErrors()
        check_out(p.values, shape, out, errors)
        errors.raise_if_any()
    st = out.strides
    if len(shape) == 1:
        strides = (st[0], 0, 0)
    elif x.ndim == 1:
        strides = (st[0], 0, st[1])
    else:  # column index c * k + j
        strides = (st[0], st[1] * k, st[1])
    view = np.lib.stride_tricks.as_strided(out, shape=(n, c, k), strides=strides, writeable=True)
    return out, view


def compute(p: Prepared, *, out: Any = None, cancel: _core.CancelToken | None = None) -> Result:
    """Run a prepared call and wrap the result like the input (index, names)."""
    if p.plan is None:
        raise ValueError("a rolling call checked with deep=False cannot run: prepare it with deep=True")
    cancel = checked_cancel(cancel)
    final, view = _out_view(p, out)
    _core.rolling.compute(p.plan, p.values.array, view, token=cancel)
    return _wrap(p, final)


def _wrap(p: Prepared, result: np.ndarray) -> Result:
    v = p.values
    multi_q = p.stat == "quantile" and not p.scalar_q
    if v.kind == "series":
        if multi_q:
            return pd.DataFrame(result, index=v.index, columns=pd.Index(p.levels, name="q"), copy=False)
        return pd.Series(result, index=v.index, name=v.name, copy=False)
    if v.kind == "frame":
        assert v.columns is not None
        columns: pd.Index = v.columns
        if multi_q:
            columns = pd.MultiIndex.from_product([v.columns, p.levels], names=[v.columns.name, "q"])
        return pd.DataFrame(result, index=v.index, columns=columns, copy=False)
    return result


def _rolling(stat: str, x: Any, window: Any, *, out: Any, cancel: Any, **kw: Any) -> Result:
    return compute(prepare(x, window, stat, out=out, **kw), out=out, cancel=cancel)


@checked_keywords
def quantile(
    x: ArrayLike,
    window: WindowLike,
    q: float | Sequence[float],
    *,
    min_periods: int | None = None,
    interpolation: str = "linear",
    times: Any = None,
    out: np.ndarray | None = None,
    cancel: _core.CancelToken | None = None,
) -> Result:
    """Exact rolling quantile(s): ``x.rolling(window, min_periods).quantile(q, interpolation)``.

    ``q`` may be a sequence: 1-D input then gives an ``(n, len(q))`` array (a
    DataFrame with one column per level for a Series); 2-D input gives columns
    ordered (column, q).  Count windows run in O(n log w) with the sorted-blocks
    algorithm; time windows with an order-statistic tree.
    """
    return _rolling(
        "quantile", x, window, q=q, min_periods=min_periods, interpolation=interpolation,
        times=times, out=out, cancel=cancel,
    )


@checked_keywords
def median(x: ArrayLike, window: WindowLike, *, min_periods: int | None = None, times: Any = None,
           out: np.ndarray | None = None, cancel: _core.CancelToken | None = None) -> Result:
    """Rolling median: ``x.rolling(window, min_periods).median()``."""
    return _rolling("median", x, window, min_periods=min_periods, times=times, out=out, cancel=cancel)


@checked_keywords
def sum(x: ArrayLike, window: WindowLike, *, min_periods: int | None = None, times: Any = None,  # noqa: A001
        out: np.ndarray | None = None, cancel: _core.CancelToken | None = None) -> Result:
    """Rolling sum (TwoSum-compensated): ``x.rolling(window, min_periods).sum()``."""
    return _rolling("sum", x, window, min_periods=min_periods, times=times, out=out, cancel=cancel)


@checked_keywords
def mean(x: ArrayLike, window: WindowLike, *, min_periods: int | None = None, times: Any = None,
         out: np.ndarray | None = None, cancel: _core.CancelToken | None = None) -> Result:
    """Rolling mean: ``x.rolling(window, min_periods).mean()``."""
    return _rolling("mean", x, window, min_periods=min_periods, times=times, out=out, cancel=cancel)


@checked_keywords
def var(x: ArrayLike, window: WindowLike, *, min_periods: int | None = None, ddof: int = 1,
        times: Any = None, out: np.ndarray | None = None,
        cancel: _core.CancelToken | None = None) -> Result:
    """Rolling variance (Welford): ``x.rolling(window, min_periods).var(ddof)``."""
    return _rolling("var", x, window, min_periods=min_periods, ddof=ddof, times=times, out=out, cancel=cancel)


@checked_keywords
def std(x: ArrayLike, window: WindowLike, *, min_periods: int | None = None, ddof: int = 1,
        times: Any = None, out: np.ndarray | None = None,
        cancel: _core.CancelToken | None = None) -> Result:
    """Rolling standard deviation: ``x.rolling(window, min_periods).std(ddof)``."""
    return _rolling("std", x, window, min_periods=min_periods, ddof=ddof, times=times, out=out, cancel=cancel)


@checked_keywords
def min(x: ArrayLike, window: WindowLike, *, min_periods: int | None = None, times: Any = None,  # noqa: A001
        out: np.ndarray | None = None, cancel: _core.CancelToken | None = None) -> Result:
    """Rolling minimum: ``x.rolling(window, min_periods).min()``."""
    return _rolling("min", x, window, min_periods=min_periods, times=times, out=out, cancel=cancel)


@checked_keywords
def max(x: ArrayLike, window: WindowLike, *, min_periods: int | None = None, times: Any = None,  # noqa: A001
        out: np.ndarray | None = None, cancel: _core.CancelToken | None = None) -> Result:
    """Rolling maximum: ``x.rolling(window, min_periods).max()``."""
    return _rolling("max", x, window, min_periods=min_periods, times=times, out=out, cancel=cancel)


@checked_keywords
def zscore(x: ArrayLike, window: WindowLike, *, min_periods: int | None = None, ddof: int = 1,
           times: Any = None, out: np.ndarray | None = None,
           cancel: _core.CancelToken | None = None) -> Result:
    """Rolling z-score ``(x - mean) / std`` over the window that includes x.

    Equals ``(s - s.rolling(w).mean()) / s.rolling(w).std(ddof)``: NaN where x is NaN
    or the window has fewer than min_periods observations, NaN for a constant window.
    """
    return _rolling("zscore", x, window, min_periods=min_periods, ddof=ddof, times=times, out=out, cancel=cancel)


@checked_keywords
def rank(x: ArrayLike, window: WindowLike, *, method: str = "average", ascending: bool = True, pct: bool = False,
         min_periods: int | None = None, times: Any = None, out: np.ndarray | None = None,
         cancel: _core.CancelToken | None = None) -> Result:
    """Rolling rank: ``x.rolling(window, min_periods).rank(method, ascending, pct)``.

    The rank of each value among the non-NaN values of its window (itself included):
    ties get the mean of their ranks (``"average"``), the lowest (``"min"``) or the
    highest (``"max"``); ``ascending=False`` ranks the largest first; ``pct=True``
    divides by the window's observations.  NaN where the value is NaN or the window
    has fewer than min_periods observations.  O(log w) per row on the quantiles'
    structures: sorted blocks for count windows, the order-statistic tree for time windows.
    """
    return _rolling("rank", x, window, min_periods=min_periods, method=method, ascending=ascending, pct=pct,
                    times=times, out=out, cancel=cancel)


def _time_ns(time: Any) -> int | None:
    if time is None:
        return None
    if isinstance(time, (int, np.integer)) and not isinstance(time, (bool, np.bool_)):
        errors = FieldErrors()
        ns = as_int(time, "time", errors, 0)  # int64 nanoseconds: a larger int is refused, not wrapped
        errors.raise_if_any()
        return ns
    try:
        ts = pd.Timestamp(time)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError([{"field": "time", "value": repr(time), "message": f"not a timestamp ({exc})"}]) from None
    if pd.isna(ts):
        raise ValidationError([{"field": "time", "value": "NaT", "message": "must not be NaT"}])
    return int(ts.as_unit("ns").value)


class _Streaming:
    """What every streaming window shares: ``update``, ``update_many``, ``reset``, counts.

    A subclass's ``__init__`` sets ``_impl`` (a ``_core.rolling`` stream), ``_scalar``
    (one value per update rather than a row of them) and ``_is_time``.
    """

    _impl: Any
    _scalar: bool
    _is_time: bool

    def update(self, value: float, time: Any = None) -> float | np.ndarray:
        """Push one value (NaN allowed: it is skipped) and return the current statistic."""
        try:
            v = float(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond float64 (10**400)
            errors = FieldErrors()
            errors.add("value", value, "must be a number within float64's range")
            raise ValidationError(errors.items) from None
        r = self._impl.update(v, _time_ns(time) if self._is_time else None)
        return r if self._scalar else np.atleast_1d(np.asarray(r, dtype=np.float64))

    def update_many(self, values: Any, times: Any = None) -> np.ndarray:
        """Push many values; returns one row per value, ``(n,)`` (``(n, len(q))`` for many levels)."""
        errors = FieldErrors()
        vals = as_values(values, errors)
        if vals is not None and vals.array.ndim != 1:
            errors.add("values", f"ndim {vals.array.ndim}", "must be 1-D")
        t = as_times(times, vals, errors) if self._is_time else None
        if self._is_time and t is None and not errors.items:
            errors.add("times", "None", "a time window needs one timestamp per value")
        errors.raise_if_any()
        assert vals is not None
        out: np.ndarray = self._impl.update_many(vals.array, t)
        return out[:, 0] if self._scalar else out

    def reset(self) -> None:
        """Forget every point."""
        self._impl.reset()

    @property
    def nobs(self) -> int:
        """Observations (non-NaN points) in the current window."""
        return int(self._impl.nobs)

    @property
    def stored(self) -> int:
        """Points held in memory (NaN included)."""
        return int(self._impl.stored)


class RollingQuantile(_Streaming):
    """Streaming rolling quantile(s): ``update(value, time=None)`` in O(log w).

    Equals the batch :func:`quantile` on the same stream when ``max_points`` is
    None.  ``window`` is a row count or a time offset (then every update needs a
    non-decreasing ``time``).  ``max_points`` caps the points kept: when a new point
    would exceed it, the oldest points leave first, so a time window may then hold
    fewer points than its span covers.  Without it a time window keeps every point
    inside its span.
    """

    @checked_keywords
    def __init__(
        self,
        window: WindowLike,
        q: float | Sequence[float],
        *,
        min_periods: int | None = None,
        interpolation: str = "linear",
        max_points: int | None = None,
    ) -> None:
        errors = FieldErrors()
        win = as_window(window, errors)
        parsed = as_levels(q, errors)
        mp = as_min_periods(min_periods, errors)
        mx = as_int(max_points, "max_points", errors, 0, minimum=1, none=0)
        interpolation = _as_name(interpolation, "interpolation", INTERPOLATIONS, errors, "linear")
        # the core checks the rest, with placeholders for what did not parse
        impl = _core_checked(errors, lambda: _core.rolling.Stream(
            "quantile", win.size if win is not None else _ANY_WINDOW,
            time_window=win is not None and win.is_time, min_periods=mp,
            q=[0.5] if parsed is None else parsed[0],  # a placeholder when q did not parse
            interpolation=interpolation, max_points=mx,
        ))
        errors.raise_if_any()
        assert win is not None and parsed is not None
        self._impl = impl
        self.window = window
        self.levels: list[float] = parsed[0]
        self._scalar = parsed[1]
        self._is_time = win.is_time
        self.interpolation = interpolation
        self.min_periods = min_periods
        self.max_points = max_points

    def __repr__(self) -> str:
        q = self.levels[0] if self._scalar else self.levels
        return (f"RollingQuantile(window={self.window!r}, q={q!r}, min_periods={self.min_periods!r}, "
                f"interpolation={self.interpolation!r}, max_points={self.max_points!r})")


class RollingRank(_Streaming):
    """Streaming rolling rank: ``update(value, time=None)`` returns the rank of that value
    in the current window, in O(log w).

    Equals the batch :func:`rank` on the same stream when ``max_points`` is None;
    ``window`` and ``max_points`` work as :class:`RollingQuantile`'s.
    """

    @checked_keywords
    def __init__(
        self,
        window: WindowLike,
        *,
        method: str = "average",
        ascending: bool = True,
        pct: bool = False,
        min_periods: int | None = None,
        max_points: int | None = None,
    ) -> None:
        errors = FieldErrors()
        win = as_window(window, errors)
        mp = as_min_periods(min_periods, errors)
        mx = as_int(max_points, "max_points", errors, 0, minimum=1, none=0)
        name = _as_name(method, "method", RANK_METHODS, errors, "average")
        asc = as_bool(ascending, "ascending", errors, True)
        pc = as_bool(pct, "pct", errors, False)
        impl = _core_checked(errors, lambda: _core.rolling.RankStream(
            win.size if win is not None else _ANY_WINDOW, time_window=win is not None and win.is_time,
            min_periods=mp, method=name, ascending=asc, pct=pc, max_points=mx,
        ))
        errors.raise_if_any()
        assert win is not None
        self._impl = impl
        self._scalar = True
        self._is_time = win.is_time
        self.window = window
        self.method = name
        self.ascending = asc
        self.pct = pc
        self.min_periods = min_periods
        self.max_points = max_points

    def __repr__(self) -> str:
        return (f"RollingRank(window={self.window!r}, method={self.method!r}, ascending={self.ascending!r}, "
                f"pct={self.pct!r}, min_periods={self.min_periods!r}, max_points={self.max_points!r})")
