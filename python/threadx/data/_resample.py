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

from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors
from threadx.errors import ValidationError

__all__ = ["align", "bar_period", "resample"]

_FIRST, _MAX, _MIN, _LAST, _SUM = "first", "max", "min", "last", "sum"
_OHLCV = {"open": _FIRST, "high": _MAX, "low": _MIN, "close": _LAST, "volume": _SUM}


def bar_period(index: pd.DatetimeIndex) -> pd.Timedelta:
    """The bars' length: the most common spacing of the index (gaps and weekends aside)."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        raise ValidationError([{"field": "index", "value": repr(type(index).__name__),
                                "message": "needs a DatetimeIndex of at least two bars to infer their period"}])
    diffs = np.diff(index.asi8)
    values, counts = np.unique(diffs[diffs > 0], return_counts=True)
    if values.size == 0:
        raise ValidationError([{"field": "index", "value": "constant",
                                "message": "has no two distinct timestamps to infer the bars' period"}])
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
    elif stamp == "last" and not drop_empty:
        errors.add("stamp", stamp, "needs drop_empty=True: an empty bin has no last bar")
    try:
        offset = pd.tseries.frequencies.to_offset(rule)
        if offset is None or offset.n <= 0:
            errors.add("rule", rule, "must be a positive frequency")
    except (ValueError, TypeError, AttributeError) as exc:
        errors.add("rule", rule, f"not a pandas frequency ({exc})")
    # when each input bar's values are final: recorded by a previous resample, else
    # the stamp (bars labelled by their close) or the stamp plus the bars' length
    input_closes: pd.DatetimeIndex | None = None
    if ok:
        recorded = df.attrs.get("closes")
        kind = bar_label if bar_label is not None else df.attrs.get("label", "open")
        if recorded is not None and bar_label is None and period is None:
            input_closes = _parse_closes(recorded, len(df), "df.attrs['closes']", errors)
        elif kind not in ("open", "close"):
            errors.add("bar_label", kind, "must be 'open' or 'close'")
        elif kind == "close":
            input_closes = pd.DatetimeIndex(df.index)
        else:
            try:
                step = pd.Timedelta(period) if period is not None else bar_period(pd.DatetimeIndex(df.index))
            except (ValueError, TypeError) as exc:
                errors.add("period", period, f"cannot tell the bars' length ({exc}); pass period=")
            else:
                if step is pd.NaT or step <= pd.Timedelta(0):
                    errors.add("period", period, "must be a positive duration")
                else:
                    input_closes = pd.DatetimeIndex(df.index) + step
    errors.raise_if_any()
    assert input_closes is not None

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
    out.attrs = {**attrs, "closes": tuple("" if t is pd.NaT else t.isoformat() for t in closes)}
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
