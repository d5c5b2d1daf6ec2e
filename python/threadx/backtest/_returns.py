"""Returns of an equity curve in the shape quantstats, pyfolio and empyrical take."""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors

#: The frequencies ``returns(freq=)`` accepts: None (per bar) or "D" (per calendar day).
FREQS: tuple[str | None, ...] = (None, "D")

#: The periods :func:`period_last` groups by: calendar days, weeks Monday to Sunday
#: (pandas' "W", weeks ending Sunday), calendar months and calendar years.
PERIODS: tuple[str, ...] = ("D", "W", "ME", "YE")


def _check_freq(freq: Any, index: pd.Index) -> None:
    errors = FieldErrors()
    if not (freq is None or (isinstance(freq, str) and freq in FREQS)):
        errors.add("freq", freq, "must be None (per-bar returns) or 'D' (daily returns on calendar dates)")
    elif freq == "D" and not isinstance(index, pd.DatetimeIndex):
        errors.add("freq", freq, f"needs bars on a DatetimeIndex (the index is a {type(index).__name__}); "
                                 "use freq=None for per-bar returns")
    errors.raise_if_any()


def period_starts(index: pd.DatetimeIndex, period: str) -> np.ndarray:
    """Each bar's period (one of :data:`PERIODS`) as the wall date it starts on (datetime64
    in the index's unit).

    Wall dates are the bars' own zone's (a tz-naive index is taken as it is), so a daily
    bar stamped 00:00 UTC belongs to its session date.
    """
    wall = (index.tz_localize(None) if index.tz is not None else index).to_numpy()
    days = wall.astype("datetime64[D]")
    if period == "W":
        starts = days - (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; weeks start on Monday
    elif period == "ME":
        starts = wall.astype("datetime64[M]").astype("datetime64[D]")
    elif period == "YE":
        starts = wall.astype("datetime64[Y]").astype("datetime64[D]")
    else:
        starts = days
    return starts.astype(f"datetime64[{index.unit}]")


def period_last(equity: pd.Series | pd.DataFrame, period: str) -> pd.Series | pd.DataFrame:
    """The last equity of each period (one of :data:`PERIODS`) that has bars.

    The one rule behind daily returns (:func:`returns_of`) and the annualised statistics
    (``_stats``): bars grouped by :func:`period_starts`, in time order, the last value of
    each group that is not NaN (pandas' ``last()``; a period with only NaN gives NaN);
    periods without bars are absent.  Indexed by the periods' first wall dates (tz-naive),
    the index's name kept.
    """
    index = pd.DatetimeIndex(equity.index)
    starts = period_starts(index, period)
    if starts.size and bool((starts[1:] >= starts[:-1]).all()):
        last = np.flatnonzero(np.r_[starts[1:] != starts[:-1], True])
        sampled = equity.iloc[last]
        if not sampled.isna().to_numpy().any():  # so the last value is the last that is not NaN
            return sampled.set_axis(pd.DatetimeIndex(starts[last], name=index.name))
    order = np.argsort(index.asi8, kind="stable")  # time order, ties in row order
    grouped = equity.iloc[order].groupby(starts[order]).last()
    grouped.index = pd.DatetimeIndex(grouped.index, name=index.name)
    return grouped


@overload
def returns_of(equity: pd.Series, freq: Any) -> pd.Series: ...


@overload
def returns_of(equity: pd.DataFrame, freq: Any) -> pd.DataFrame: ...


@overload
def returns_of(equity: pd.Series | pd.DataFrame, freq: Any) -> pd.Series | pd.DataFrame: ...


def returns_of(equity: pd.Series | pd.DataFrame, freq: Any) -> pd.Series | pd.DataFrame:
    """The equity's simple returns, the first (NaN) one dropped.

    ``freq=None``: per bar, on the bars' index.  ``freq="D"``: per calendar day, on a
    tz-naive index of dates (the bars' wall dates in their own zone; a daily bar
    stamped 00:00 UTC is its session date): the last equity of each day
    (:func:`period_last`) against the last of the previous day with bars, i.e. the
    bars' returns compounded.
    """
    _check_freq(freq, equity.index)
    if freq is None:
        out = equity.pct_change().iloc[1:]
    else:
        out = period_last(equity, "D").pct_change().iloc[1:]
    return out.rename("returns") if isinstance(out, pd.Series) else out
