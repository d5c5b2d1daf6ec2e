"""ThreadX's additions to TA-Lib's signatures (kept out of the generated functions)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors, as_times, checked_keywords
from threadx.ta._api import compute, function

_vwap_talib = function("VWAP")


def _check_zone(tz: Any, errors: FieldErrors) -> None:
    """``tz`` must name a time zone pandas knows (or be a tzinfo)."""
    message = "must be a time zone name such as 'UTC' or 'America/New_York' (or a tzinfo)"
    if not isinstance(tz, (str, _dt.tzinfo)):
        errors.add("tz", tz, message)
        return
    try:
        pd.Timestamp(0, tz=tz)
    except Exception as exc:  # noqa: BLE001 - an unknown zone is the user's input
        errors.add("tz", tz, f"{message} ({type(exc).__name__}: {exc})")


def session_ids(times: Any, anchor: str, tz: str, offset: Any, errors: FieldErrors) -> np.ndarray | None:
    """Session number of every timestamp: the `anchor` period (e.g. "D", "W") of its
    wall-clock time in `tz`, shifted back by `offset` (a session starting at 17:00 has
    offset "17h")."""
    ns = as_times(times, None, errors)
    if ns is None:
        if not errors.items:
            errors.add("times", None, "session VWAP needs timestamps: a DatetimeIndex on the input or times=")
        return None
    before = len(errors.items)
    later = np.flatnonzero(ns[1:] < ns[:-1])
    if later.size:  # a session is a run of bars: out-of-order bars would split and merge them
        errors.add("times", f"row {later[0] + 1}", "timestamps must be non-decreasing")
    if len(errors.items) > before:
        return None
    idx = pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)  # tz: _check_zone
    try:
        shift = pd.Timedelta(offset) if offset is not None else pd.Timedelta(0)
        local = idx.tz_localize(None) - shift
        return local.to_period(anchor).asi8.astype(np.float64)
    except (ValueError, TypeError) as exc:
        errors.add("anchor", anchor, f"is not a period alias such as 'D' or 'W' with a valid offset ({exc})")
        return None


@checked_keywords
def VWAP(high: Any, low: Any = None, close: Any = None, volume: Any = None, *,
         timeperiod: int | None = None, anchor: str | None = None, tz: str = "UTC",
         offset: str | _dt.timedelta | None = None, times: Any = None) -> Any:
    """VWAP(high, low, close, volume)

    Volume Weighted Average Price (Volume Indicators).  typical price = (H + L + C) / 3.

    * default: TA-Lib 0.8's cumulative VWAP from the first bar (0.0 until volume trades;
      a bar with a non-finite price or volume carries no weight);
    * ``timeperiod=n``: rolling VWAP over the last n bars (NaN during the first n - 1
      bars and while the window has no volume) -- same as ``VWAP_ROLLING``;
    * ``anchor="D"`` (or "W", "M", ...): session VWAP restarting at each period of the
      wall-clock time in ``tz`` (default UTC), shifted by ``offset`` (e.g. "17h" for FX
      days starting 17:00); timestamps come from the input's DatetimeIndex or
      ``times=`` (a naive index is read as UTC).  NaN until the session has volume.
    """
    given = [x for x in (high, low, close, volume) if x is not None]
    errors = FieldErrors()
    if timeperiod is not None and anchor is not None:
        errors.add("anchor", anchor, "give either timeperiod (rolling) or anchor (sessions), not both")
    _check_zone(tz, errors)  # checked in every mode: a wrong tz is never silently unused
    if anchor is None:  # session settings without a session are a mistake, not something to ignore
        for name, value in (("times", times), ("offset", offset)):
            if value is not None:
                errors.add(name, value, "is used by session VWAP only: give anchor= (e.g. 'D') as well")
    errors.raise_if_any()
    if timeperiod is not None:
        return compute("VWAP_ROLLING", given, {"timeperiod": timeperiod})
    if anchor is None:
        return _vwap_talib(*given)
    source = times
    if source is None:
        for x in (high, close):
            if isinstance(x, (pd.Series, pd.DataFrame)) and isinstance(x.index, pd.DatetimeIndex):
                source = x.index
                break
    if isinstance(source, pd.DatetimeIndex) and source.tz is None:
        source = source.tz_localize("UTC")
    if isinstance(source, pd.DatetimeIndex):
        source = source.tz_convert("UTC").tz_localize(None)
    ids = session_ids(source, anchor, tz, offset, errors)
    errors.raise_if_any()
    assert ids is not None
    frame = given[0] if len(given) == 1 else None
    cols = given if frame is None else [frame[k] for k in _columns(frame)]
    first = np.asarray(cols[0])
    if first.ndim not in (1, 2) or first.shape[0] != ids.shape[0]:
        errors.add("high", f"shape {first.shape}", f"must have one row per timestamp ({ids.shape[0]} rows)")
        errors.raise_if_any()
    session: Any = ids if first.ndim == 1 else np.broadcast_to(ids[:, None], first.shape)
    if isinstance(cols[0], pd.Series):
        session = pd.Series(ids, index=cols[0].index)
    elif isinstance(cols[0], pd.DataFrame):
        session = pd.DataFrame(np.broadcast_to(ids[:, None], first.shape), index=cols[0].index,
                               columns=cols[0].columns)
    return compute("VWAP_SESSION", [*cols, session], {})


def _columns(frame: Any) -> list[Any]:
    keys = {str(k).lower(): k for k in (frame.columns if isinstance(frame, pd.DataFrame) else frame.keys())}
    return [keys.get(k, k) for k in ("high", "low", "close", "volume")]
