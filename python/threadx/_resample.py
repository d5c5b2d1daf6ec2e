"""Resampling OHLCV bars and aligning coarse bars onto fine ones without look-ahead.

``resample`` aggregates like pandas' ``resample(rule, label=, closed=).agg(...)``
(first open, max high, min low, last close, summed volume; other columns take their
last value) and records when each coarse bar's values became final, in
``attrs["closes"]``: the close of its last constituent bar.  ``align`` places a coarse
bar's values on a fine bar only once that close has passed, so no fine bar sees a
coarse value early.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors

__all__ = ["align", "bar_period", "resample"]

_FIRST, _MAX, _MIN, _LAST, _SUM = "first", "max", "min", "last", "sum"
_OHLCV = {"open": _FIRST, "high": _MAX, "low": _MIN, "close": _LAST, "volume": _SUM}


def bar_period(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The bars' length: the most common spacing of the index (gaps and weekends aside)."""
    if len(index) < 2:
        raise ValueError("at least two bars are needed to infer their period")
    diffs = np.diff(index.asi8)
    values, counts = np.unique(diffs[diffs > 0], return_counts=True)
    if values.size == 0:
        raise ValueError("the index has no two distinct timestamps")
    return pd.Timedelta(int(values[np.argmax(counts)]), unit=index.unit)


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
    what the input's timestamps mark and ``period`` (default: inferred) how long its
    bars are; with them the result's ``attrs["closes"]`` holds, for each coarse bar, the
    time its values became final, which :func:`align` uses.
    """
    errors = FieldErrors()
    ok = _check_frame(df, "df", errors)
    if label not in (None, "left", "right"):
        errors.add("label", label, "must be 'left', 'right' or None")
    if closed not in (None, "left", "right"):
        errors.add("closed", closed, "must be 'left', 'right' or None")
    if stamp not in ("label", "last"):
        errors.add("stamp", stamp, "must be 'label' or 'last'")
    kind = bar_label if bar_label is not None else (df.attrs.get("label", "open") if ok else "open")
    if kind not in ("open", "close"):
        errors.add("bar_label", kind, "must be 'open' or 'close'")
    try:
        pd.tseries.frequencies.to_offset(rule)
    except (ValueError, TypeError) as exc:
        errors.add("rule", rule, f"not a pandas frequency ({exc})")
    step = None
    if ok and kind == "open":
        try:
            step = pd.Timedelta(period) if period is not None else bar_period(pd.DatetimeIndex(df.index))
        except (ValueError, TypeError) as exc:
            errors.add("period", period, f"cannot tell the bars' length ({exc}); pass period=")
    errors.raise_if_any()

    side_label = cast(Literal["left", "right"] | None, label)
    side_closed = cast(Literal["left", "right"] | None, closed)
    how = {c: _OHLCV.get(c, _LAST) for c in df.columns}
    grouped = df.resample(rule, label=side_label, closed=side_closed)
    out = grouped.agg(how)
    stamps = pd.Series(df.index, index=df.index)
    last_stamp = stamps.resample(rule, label=side_label, closed=side_closed).last()
    present = last_stamp.notna().to_numpy()
    last_index = pd.DatetimeIndex(last_stamp)
    closes = last_index + step if step is not None else last_index
    if drop_empty:
        out, last_index, closes = out[present], last_index[present], closes[present]
    if stamp == "last":
        if not drop_empty and not present.all():
            raise ValueError("stamp='last' needs drop_empty=True: empty bins have no last bar")
        out.index = pd.DatetimeIndex(last_index, name=df.index.name)
    out.attrs = {**df.attrs, "closes": pd.DatetimeIndex(closes), "label": "close" if stamp == "last" else label}
    return out


def align(coarse: pd.DataFrame, fine_index: pd.DatetimeIndex, *, closes: Any = None) -> pd.DataFrame:
    """Coarse bars' values on a fine index, each visible only once its bar has closed.

    Row ``t`` of the result holds the last coarse bar whose close is at or before ``t``
    (NaN before the first one closes).  ``closes`` are the coarse bars' close times;
    by default ``coarse.attrs["closes"]`` as :func:`resample` records them.  Give
    ``fine_index`` as the times decisions are made on the fine bars (their opens for
    bars labelled by their open).
    """
    errors = FieldErrors()
    ok = _check_frame(coarse, "coarse", errors)
    if not isinstance(fine_index, pd.DatetimeIndex):
        errors.add("fine_index", type(fine_index).__name__, "must be a DatetimeIndex")
    if closes is None and ok:
        closes = coarse.attrs.get("closes")
        if closes is None:
            errors.add("closes", "None", "coarse has no attrs['closes']: pass the bars' close times")
    if closes is not None and ok:
        closes = pd.DatetimeIndex(closes)
        if len(closes) != len(coarse):
            errors.add("closes", f"length {len(closes)}", f"must match coarse ({len(coarse)})")
        elif not closes[closes.notna()].is_monotonic_increasing:
            errors.add("closes", "order", "close times must be non-decreasing")
    errors.raise_if_any()
    # bins without bars (NaT close) hold nothing to show
    have = np.asarray(pd.DatetimeIndex(closes).notna())
    coarse, closes = coarse[have], pd.DatetimeIndex(closes)[have]
    assert isinstance(closes, pd.DatetimeIndex)
    fine = fine_index
    if (closes.tz is None) != (fine.tz is None):
        raise ValueError("closes and fine_index must both be timezone-aware or both naive")
    c = closes.as_unit("ns").asi8
    f = fine.as_unit("ns").asi8
    pos = np.searchsorted(c, f, side="right") - 1  # last coarse bar closed at or before t
    values = coarse.to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.full((len(f), values.shape[1]), np.nan)
    seen = pos >= 0
    out[seen] = values[pos[seen]]
    return pd.DataFrame(out, index=fine_index, columns=coarse.columns)
