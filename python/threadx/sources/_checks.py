"""What every source shares: the arguments of ``fetch`` and the frame it must return."""

from __future__ import annotations

from typing import Any

import pandas as pd

from threadx._inputs import FieldErrors
from threadx.data import OHLCV, resample
from threadx.data._resample import bar_step, duration_text, too_fine
from threadx.errors import DataError, ValidationError

#: Each timeframe a request or a source accepts, as a pandas rule.
_RULES: dict[str, str] = {"1m": "1min", "5m": "5min", "15m": "15min", "1h": "1h", "4h": "4h", "1d": "1D"}
#: The bar lengths a request or a source accepts.
TIMEFRAMES: tuple[str, ...] = tuple(_RULES)


def as_utc(value: Any, field: str, errors: FieldErrors) -> pd.Timestamp | None:
    """A tz-aware timestamp converted to UTC; naive ones are refused, never assumed."""
    if value is None or isinstance(value, bool):
        errors.add(field, value, "must be a timestamp with a time zone (e.g. '2024-01-01T00:00Z')")
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        errors.add(field, value, f"cannot be read as a timestamp ({exc})")
        return None
    if pd.isna(ts):
        errors.add(field, value, "must not be NaT")
        return None
    if ts.tzinfo is None:
        errors.add(field, value, "is a naive timestamp; naive times are never assumed to be UTC: "
                                 "give an offset ('2024-01-01T00:00Z') or a tz-aware Timestamp "
                                 "(pd.Timestamp(..., tz='UTC'))")
        return None
    return ts.tz_convert("UTC")


def check_timeframe(value: Any, errors: FieldErrors, field: str = "timeframe") -> str | None:
    """``value`` when it is one of TIMEFRAMES, else None (and an error recorded)."""
    if isinstance(value, str) and value in TIMEFRAMES:
        return value
    errors.add(field, value, f"must be one of {', '.join(TIMEFRAMES)}")
    return None


def check_symbol(value: Any, errors: FieldErrors, field: str = "symbol") -> str | None:
    """``value`` when it is a non-empty string without surrounding spaces, else None."""
    if not isinstance(value, str) or not value.strip():
        errors.add(field, value, "must be a non-empty string")
        return None
    if value != value.strip():
        errors.add(field, value, "must not have leading or trailing whitespace")
        return None
    return value


def fetch_args(symbol: Any, start: Any, end: Any, timeframe: Any) -> tuple[str, pd.Timestamp, pd.Timestamp, str]:
    """The arguments of ``fetch`` checked and normalised (UTC timestamps); ValidationError otherwise."""
    errors = FieldErrors()
    sym = check_symbol(symbol, errors)
    t0 = as_utc(start, "start", errors)
    t1 = as_utc(end, "end", errors)
    tf = check_timeframe(timeframe, errors)
    if t0 is not None and t1 is not None and not t0 < t1:
        errors.add("end", end, f"must be later than start ({t0.isoformat()})")
    errors.raise_if_any()
    assert sym is not None and t0 is not None and t1 is not None and tf is not None
    return sym, t0, t1, tf


def _is_utc(index: pd.DatetimeIndex) -> bool:
    tz = index.tz
    return tz is not None and str(tz) in ("UTC", "Etc/UTC", "UTC+00:00")


def check_frame(df: Any, *, source: str, symbol: str) -> pd.DataFrame:
    """``df`` when it is a well-formed bar frame, else a (permanent) DataError saying why.

    Well formed: a DataFrame, a UTC DatetimeIndex in increasing order, numeric
    ``open, high, low, close, volume`` columns (extra columns are kept).
    """
    where = f"source {source!r} returned for {symbol!r}"
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{where} a {type(df).__name__}, not a DataFrame")
    problems: list[str] = []
    index = df.index
    if not isinstance(index, pd.DatetimeIndex):
        problems.append(f"the index is a {type(index).__name__}, not a DatetimeIndex")
    elif index.tz is None:
        problems.append("the index is naive; it must be UTC (localize it explicitly)")
    elif not _is_utc(index):
        problems.append(f"the index is in {index.tz}, not UTC (use .tz_convert('UTC'))")
    elif index.hasnans:
        problems.append("the index contains NaT")
    elif not index.is_monotonic_increasing:
        problems.append("the index is not in increasing order")
    missing = [c for c in OHLCV if c not in df.columns]
    if missing:
        problems.append(f"columns {missing} are missing (has {[str(c) for c in df.columns][:10]})")
    else:
        bad = [c for c in OHLCV if not pd.api.types.is_numeric_dtype(df[c].dtype)
               or pd.api.types.is_bool_dtype(df[c].dtype)]
        if bad:
            problems.append(f"columns {bad} are not numeric")
    if problems:
        raise DataError(f"{where} a malformed frame: " + "; ".join(problems))
    return df


def slice_bars(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Rows with ``start <= t < end`` of a frame with an increasing DatetimeIndex (and their
    ``attrs["closes"]``, as :func:`threadx.data.resample` records them)."""
    index = df.index
    assert isinstance(index, pd.DatetimeIndex)
    i = int(index.searchsorted(start, side="left"))
    j = int(index.searchsorted(end, side="left"))
    out = df.iloc[i:j]
    closes = df.attrs.get("closes")
    if closes is not None and len(closes) == len(df):
        out.attrs = {**df.attrs, "closes": tuple(closes[i:j])}
    return out


def at_timeframe(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, timeframe: str, *, source: str,
                 symbol: str) -> pd.DataFrame:
    """The bars of a frame in ``[start, end)`` at ``timeframe``, recorded in ``attrs["timeframe"]``.

    Bars of the timeframe's length are returned as they are; finer bars that divide it
    are aggregated with :func:`threadx.data.resample` (the bars in ``[start, end)``, bins
    labelled by their start; a bin that begins before ``start`` is left out); coarser
    bars, or bars that do not divide it, are a DataError.  A frame of fewer than two
    distinct stamps, or one already marked with this timeframe, is taken as it is.

    The arguments are checked first: ``symbol``, ``start``, ``end`` and ``timeframe`` as
    :func:`fetch_args` checks them and ``source`` a non-empty string (a ValidationError
    naming each bad one), then ``df`` by :func:`check_frame` (a DataError saying why).
    """
    errors = FieldErrors()
    check_symbol(source, errors, "source")
    args = None
    try:
        args = fetch_args(symbol, start, end, timeframe)
    except ValidationError as exc:
        errors.extend(exc)
    errors.raise_if_any()
    assert args is not None
    sym, t0, t1, tf = args
    return _at_timeframe(check_frame(df, source=source, symbol=sym), t0, t1, tf, source=source, symbol=sym)


def _at_timeframe(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, timeframe: str, *, source: str,
                  symbol: str) -> pd.DataFrame:
    """:func:`at_timeframe` of a checked frame and checked arguments."""
    period = None if df.attrs.get("timeframe") == timeframe else bar_step(pd.DatetimeIndex(df.index))
    want = pd.Timedelta(_RULES[timeframe])
    out = slice_bars(df, start, end)
    if period is not None and period != want:
        where = f"source {source!r} for {symbol!r}"
        coarser = too_fine(f"timeframe {timeframe!r}", want, period)
        if coarser is not None:
            raise DataError(f"{where}: {coarser}")
        if want % period:
            raise DataError(f"{where}: bars of {duration_text(period)} do not divide timeframe {timeframe!r} "
                            f"({duration_text(want)}) into whole bars")
        if len(out):
            out = slice_bars(resample(out, _RULES[timeframe], drop_empty=True), start, end)
    out.attrs = {**out.attrs, "timeframe": timeframe}
    return out


def fetched(df: Any, start: pd.Timestamp, end: pd.Timestamp, timeframe: str, *, source: str,
            symbol: str) -> pd.DataFrame:
    """What every source hands back: ``df`` checked (:func:`check_frame`), in ``[start, end)``,
    at ``timeframe`` (:func:`at_timeframe`)."""
    checked = check_frame(df, source=source, symbol=symbol)
    return _at_timeframe(checked, start, end, timeframe, source=source, symbol=symbol)


def names_list(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return f"[{shown}{', ...' if len(names) > limit else ''}]"
