"""Returns of an equity curve in the shape quantstats, pyfolio and empyrical take."""

from __future__ import annotations

from typing import Any, overload

import pandas as pd

from threadx._inputs import FieldErrors

#: The frequencies ``returns(freq=)`` accepts: None (per bar) or "D" (per calendar day).
FREQS: tuple[str | None, ...] = (None, "D")


def _check_freq(freq: Any, index: pd.Index) -> None:
    errors = FieldErrors()
    if not (freq is None or (isinstance(freq, str) and freq in FREQS)):
        errors.add("freq", freq, "must be None (per-bar returns) or 'D' (daily returns on calendar dates)")
    elif freq == "D" and not isinstance(index, pd.DatetimeIndex):
        errors.add("freq", freq, f"needs bars on a DatetimeIndex (the index is a {type(index).__name__}); "
                                 "use freq=None for per-bar returns")
    errors.raise_if_any()


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
    stamped 00:00 UTC is its session date): the last equity of each day against
    the last of the previous day with bars, i.e. the bars' returns compounded.
    """
    _check_freq(freq, equity.index)
    if freq is None:
        out = equity.pct_change().iloc[1:]
    else:
        index = pd.DatetimeIndex(equity.index)
        wall = index.tz_localize(None) if index.tz is not None else index
        daily = equity.set_axis(wall).groupby(wall.normalize()).last()  # days without bars are absent
        out = daily.pct_change().iloc[1:]
        out.index = pd.DatetimeIndex(out.index, name=index.name)
    return out.rename("returns") if isinstance(out, pd.Series) else out
