"""Resampling OHLCV bars and aligning coarse bars onto fine ones without look-ahead.

``resample`` aggregates like pandas' ``resample(rule, label=, closed=).agg(...)``
(first open, max high, min low, last close, summed volume; other columns take their
last value) and records when each coarse bar's values became final, in
``attrs["closes"]`` (ISO-8601 strings, so the frame still combines, compares and saves
like any other): the close of its last constituent bar.  ``align`` places a coarse
bar's values on a fine bar only once that close has passed, so no fine bar sees a
coarse value early.  Resampling a resampled frame uses its recorded closes.
"""

from __future__ import annotations

import datetime as _dt

from typing import Any, Literal, cast

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from threadx._inputs import FieldErrors
from threadx.errors import DataError, ValidationError

__all__ = ["MAX_BINS", "align", "bar_period", "resample"]

_FIRST, _MAX, _MIN, _LAST, _SUM = "first", "max", "min", "last", "sum"
_OHLCV = {"open": _FIRST, "high": _MAX, "low": _MIN, "close": _LAST, "volume": _SUM}


def bar_step(index: pd.DatetimeIndex) -> pd.Timedelta | None:
    """The most common positive spacing of the index (None: fewer than two distinct stamps)."""
    diffs = np.diff(index.asi8)
    values, counts = np.unique(diffs[diffs > 0], return_counts=True)
    return pd.Timedelta(int(values[np.argmax(counts)]), unit=index.unit) if values.size else None


def bar_period(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The bars' length: the most common spacing of the index (gaps and weekends aside)."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        raise ValidationError([{"field": "index", "value": repr(type(index).__name__),
                                "message": "needs a DatetimeIndex of at least two bars to infer their period"}])
    step = bar_step(index)
    if step is None:
        raise ValidationError([{"field": "index", "value": "constant",
                                "message": "has no two distinct timestamps to infer the bars' period"}])
    return step


def duration_text(td: pd.Timedelta) -> str:
    """``td`` in words: '1 day', '31 days', '4 hours', '5 minutes', '90 seconds'."""
    for unit, name in (("1D", "day"), ("1h", "hour"), ("1min", "minute"), ("1s", "second")):
        n, rest = divmod(td, pd.Timedelta(unit))
        if not rest and n:
            return f"{n} {name}{'s' if n != 1 else ''}"
    return str(td)


def bin_spans(offset: BaseOffset) -> tuple[pd.Timedelta, pd.Timedelta] | None:
    """(shortest, longest) bin of a rule: its length, or for calendar rules their shortest and
    longest bins (a month 28 and 31 days, a business day 1 and 3 over a weekend); None when
    its bins outgrow nanosecond timestamps (years 1677 to 2262), which pandas cannot bin."""
    for periods in (64, 3):  # 64 bins see every calendar case; a rule of decades fits only a few
        try:
            edges = pd.date_range("2000-01-01", periods=periods, freq=offset, unit="ns")
        except (ValueError, OverflowError):
            continue
        steps = np.diff(edges.asi8)
        return pd.Timedelta(int(steps.min()), unit="ns"), pd.Timedelta(int(steps.max()), unit="ns")
    return None


def too_fine(what: str, span: pd.Timedelta, period: pd.Timedelta) -> DataError | None:
    """The error for aggregating bars of ``period`` into bins of at most ``span``, or None
    when the bins are at least as long as the bars (``what`` names the rule)."""
    if span >= period:
        return None
    return DataError(f"{what} (bins of {duration_text(span)}) is finer than the data's bars "
                     f"({duration_text(period)}): bars aggregate into coarser ones only, "
                     f"of {duration_text(period)} or more")


#: The most bins ``resample`` makes (empty ones included, from the first bar to the last):
#: about a gigabyte of OHLCV; a rule that would need more (``"1ns"`` over a year) is refused.
MAX_BINS = 20_000_000


def _bins_problem(index: pd.DatetimeIndex, offset: BaseOffset, shortest: pd.Timedelta) -> str | None:
    """Why ``offset`` (bins of ``shortest`` or more) cannot bin ``index`` (None: it can): finer
    than the index's resolution, which pandas cannot represent, or more than MAX_BINS bins."""
    unit = pd.Timedelta(1, unit=index.unit)
    if isinstance(offset, pd.offsets.Tick) and shortest % unit:
        return (f"is not a whole number of the index's resolution ({index.unit}): pass a coarser rule "
                f"or df.index.as_unit('ns')")
    bins = (index[-1] - index[0]) // shortest + 1
    if bins > MAX_BINS:
        return (f"would make {bins:,} bins between the first and the last bar, more than "
                f"threadx.data.MAX_BINS ({MAX_BINS:,}): choose a coarser rule or split the data")
    return None


_RULES = "a pandas frequency with a positive multiple, such as '5min', '1h', '1D', 'W-FRI', 'ME', 'QE' or 'YE'"


def _offset(rule: Any, errors: FieldErrors) -> BaseOffset | None:
    offset: BaseOffset | None
    try:
        offset = pd.tseries.frequencies.to_offset(rule)
    except (ValueError, TypeError, AttributeError):
        offset = None  # pandas' own message repeats itself; ours says what is accepted
    if offset is None or offset.n <= 0:
        errors.add("rule", rule, f"is not {_RULES}")
        return None
    return offset


def _period(df: pd.DataFrame, period: Any, errors: FieldErrors) -> pd.Timedelta | None:
    """The input bars' length: ``period`` when given, else inferred (None when it cannot be)."""
    if period is None:
        return bar_step(pd.DatetimeIndex(df.index))
    step: pd.Timedelta | None = None
    if isinstance(period, (str, _dt.timedelta, np.timedelta64)):  # a bare number has no unit: refused
        try:
            step = pd.Timedelta(period)
        except (ValueError, TypeError):
            step = None
    if step is None or pd.isna(step) or step <= pd.Timedelta(0):
        errors.add("period", period, "must be a positive duration such as '1min' or '1D'")
        return None
    return step


def _check_frame(df: Any, field: str, errors: FieldErrors) -> bool:
    if not isinstance(df, pd.DataFrame):
        errors.add(field, df, "must be a DataFrame")
        return False
    if not isinstance(df.index, pd.DatetimeIndex):
        errors.add(field, f"index {type(df.index).__name__}", "must have a DatetimeIndex")
        return False
    if not df.index.is_monotonic_increasing:
        errors.add(field, "index", "must be sorted in time")
        return False
    return True


def resample(
    df: pd.DataFrame,
    rule: Any,
    *,
    label: str | None = None,
    closed: str | None = None,
    stamp: str = "label",
    bar_label: str | None = None,
    period: Any = None,
    drop_empty: bool = False,
) -> pd.DataFrame:
    """Aggregate OHLCV bars into coarser ones.

    ``rule``, ``label`` and ``closed`` are pandas' (``None`` keeps pandas' defaults for
    the rule), so the values equal ``df.resample(rule, label=, closed=).agg(...)``.
    ``stamp="last"`` stamps each coarse bar with its last constituent bar's timestamp
    instead of the bin label (a weekly bar dated by the week's last trading day).
    ``drop_empty=True`` drops bins without bars (pandas keeps them as NaN rows).

    ``bar_label`` ("open" or "close", default ``df.attrs.get("label", "open")``) says
    what the input's timestamps mark and ``period`` (default: inferred,
    :func:`bar_period`) how long its bars are; with them the result's ``attrs["closes"]``
    holds, for each coarse bar, the time its values became final, which :func:`align` uses.

    Bins are taken on the frame's index, so on :func:`~threadx.data.load`'s UTC index
    a bar of a day or longer (``"1D"``, ``"W-FRI"``, ``"ME"``) is stamped 00:00 UTC of
    its calendar date -- the date rule ``load`` applies to date-only files -- and daily
    bins of intraday bars are UTC days (``tz_convert`` the frame first to bin on another
    zone's days).

    Raises ``ValidationError`` for bad arguments, an empty frame or a rule that would make
    more than ``MAX_BINS`` bins (or is finer than the index's resolution), and ``DataError`` for
    a rule finer than the data's bars (monthly bars to ``"W"``): resampling only
    aggregates into coarser bars, it never spreads a bar over empty ones.
    """
    errors = FieldErrors()
    ok = _check_frame(df, "df", errors)
    if ok and len(df) == 0:
        errors.add("df", df, "has no bars to resample")
        ok = False
    if label not in (None, "left", "right"):
        errors.add("label", label, "must be 'left', 'right' or None")
    if closed not in (None, "left", "right"):
        errors.add("closed", closed, "must be 'left', 'right' or None")
    if not isinstance(drop_empty, (bool, np.bool_)):
        errors.add("drop_empty", drop_empty, "must be True or False")
    if stamp not in ("label", "last"):
        errors.add("stamp", stamp, "must be 'label' or 'last'")
    elif stamp == "last" and drop_empty is not True:
        errors.add("stamp", stamp, "needs drop_empty=True: an empty bin has no last bar")
    offset = _offset(rule, errors)
    spans = bin_spans(offset) if offset is not None else None
    if offset is not None and spans is None:
        errors.add("rule", rule, "has bins too long for nanosecond timestamps (years 1677 to 2262)")
    # when each input bar's values are final: recorded by a previous resample, else
    # the stamp (bars labelled by their close) or the stamp plus the bars' length
    input_closes: pd.DatetimeIndex | None = None
    step = _period(df, period, errors) if ok else None
    if ok:
        recorded = df.attrs.get("closes")
        kind = bar_label if bar_label is not None else df.attrs.get("label", "open")
        if recorded is not None and bar_label is None and period is None:
            input_closes = _parse_closes(recorded, len(df), "df.attrs['closes']", errors)
        elif kind not in ("open", "close"):
            errors.add("bar_label", kind, "must be 'open' or 'close'")
        elif kind == "close":
            input_closes = pd.DatetimeIndex(df.index)
        elif step is not None:
            input_closes = pd.DatetimeIndex(df.index) + step
        elif period is None:
            errors.add("period", period, "the bars' length cannot be inferred from a single timestamp: "
                                         "pass period= (such as '1min' or '1D')")
    errors.raise_if_any()
    assert input_closes is not None and offset is not None and spans is not None
    finer = None if step is None else too_fine(f"rule {rule!r}", spans[1], step)
    if finer is not None:
        raise finer
    problem = _bins_problem(pd.DatetimeIndex(df.index), offset, spans[0])
    if problem:
        errors.add("rule", rule, problem)
        errors.raise_if_any()

    side_label = cast(Literal["left", "right"] | None, label)
    side_closed = cast(Literal["left", "right"] | None, closed)
    how = {c: _OHLCV.get(c, _LAST) for c in df.columns}
    out = df.resample(rule, label=side_label, closed=side_closed).agg(how)
    # per bin: the last bar's stamp and its close (NaT for an empty bin)
    marks = pd.DataFrame({"stamp": df.index, "close": input_closes}, index=df.index)
    last = marks.resample(rule, label=side_label, closed=side_closed).last()
    present = last["stamp"].notna().to_numpy()
    last_stamp = pd.DatetimeIndex(last["stamp"])
    closes = pd.DatetimeIndex(last["close"])
    if drop_empty:
        out, last_stamp, closes = out[present], last_stamp[present], closes[present]
    if stamp == "last":
        out.index = pd.DatetimeIndex(last_stamp, name=df.index.name)
    attrs = {k: v for k, v in df.attrs.items() if k not in ("closes", "label")}
    out.attrs = {**attrs, "closes": tuple("" if pd.isna(t) else t.isoformat() for t in closes)}
    return out


def _parse_closes(closes: Any, n: int, field: str, errors: FieldErrors) -> pd.DatetimeIndex | None:
    try:
        idx = pd.DatetimeIndex([pd.NaT if c in ("", None) else c for c in closes])
    except (TypeError, ValueError) as exc:
        errors.add(field, closes, f"not a sequence of timestamps ({exc})")
        return None
    if len(idx) != n:
        errors.add(field, f"length {len(idx)}", f"must match the frame ({n})")
        return None
    if not idx[idx.notna()].is_monotonic_increasing:
        errors.add(field, "order", "close times must be non-decreasing")
        return None
    return idx


def align(coarse: pd.DataFrame, fine_index: pd.DatetimeIndex, *, closes: Any = None) -> pd.DataFrame:
    """Coarse bars' values on a fine index, each visible only once its bar has closed.

    Row ``t`` of the result holds the last coarse bar whose close is at or before ``t``
    (NaN before the first one closes).  ``closes`` are the coarse bars' close times;
    by default ``coarse.attrs["closes"]`` as :func:`resample` records them.  Give
    ``fine_index`` as the times decisions are made on the fine bars (their opens for
    bars labelled by their open).  Numeric columns only.
    """
    errors = FieldErrors()
    ok = _check_frame(coarse, "coarse", errors)
    if not isinstance(fine_index, pd.DatetimeIndex):
        errors.add("fine_index", type(fine_index).__name__, "must be a DatetimeIndex")
    parsed: pd.DatetimeIndex | None = None
    if ok:
        source = closes if closes is not None else coarse.attrs.get("closes")
        if source is None:
            errors.add("closes", "None", "coarse has no attrs['closes']: pass the bars' close times")
        else:
            parsed = _parse_closes(source, len(coarse), "closes", errors)
        text = [str(c) for c, d in coarse.dtypes.items() if not pd.api.types.is_numeric_dtype(d)]
        if text:
            errors.add("coarse", f"columns {text}", "must be numeric")
    if parsed is not None and isinstance(fine_index, pd.DatetimeIndex) and (parsed.tz is None) != (fine_index.tz is None):
        errors.add("fine_index", f"tz {fine_index.tz}", f"must be timezone-aware like the closes (tz {parsed.tz})"
                   if parsed.tz is not None else "must be naive like the closes")
    errors.raise_if_any()
    assert parsed is not None
    # bins without bars (NaT close) hold nothing to show
    have = np.asarray(parsed.notna())
    values = coarse.to_numpy(dtype=np.float64, na_value=np.nan)[have]
    c = parsed[have].as_unit("ns").asi8
    f = fine_index.as_unit("ns").asi8
    pos = np.searchsorted(c, f, side="right") - 1  # last coarse bar closed at or before t
    out = np.full((len(f), values.shape[1]), np.nan)
    seen = pos >= 0
    out[seen] = values[pos[seen]]
    return pd.DataFrame(out, index=fine_index, columns=coarse.columns)
