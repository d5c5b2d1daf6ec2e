"""Timestamps: finding the time column, parsing dates or epochs, naive local time to UTC."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors
from threadx.data._rows import MISSING, Rows, Unit, cell_text, fast_float, problem
from threadx.errors import DataError

TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_TIME_NAMES = ("time", "datetime", "timestamp", "date_time", "dt", "ts")
_DATE_NAMES = ("date", "day")
_EPOCH = re.compile(r"^-?\d{9,19}(\.\d*)?$")
_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def check_tz(tz: Any, errors: FieldErrors) -> None:
    if tz is None:
        return
    if not isinstance(tz, (str, _dt.tzinfo)):
        errors.add("tz", tz, "must be an IANA time zone name such as 'UTC' or 'Europe/Berlin'")
        return
    try:
        pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception:  # noqa: BLE001 - pandas/zoneinfo raise several types for unknown zones
        errors.add("tz", tz, "unknown time zone; use an IANA name such as 'UTC' or 'Europe/Berlin'")



def _time_formats() -> list[str]:
    dates = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d"]
    times = ["%H:%M:%S.%f", "%H:%M:%S", "%H:%M"]
    out: list[str] = []
    for d in dates:
        for sep in (" ", "T"):
            for t in times:
                out += [f"{d}{sep}{t}%z", f"{d}{sep}{t}"]
        out.append(d)
    return out


_FORMATS_T = _time_formats()


def _pick_format(values: pd.Series, source: str) -> str | None:
    probe = [v for v in values.head(50) if v not in MISSING][:20]
    if not probe:
        return None
    scores: dict[str, int] = {}
    for fmt in _FORMATS_T:
        ok = 0
        for v in probe:
            try:
                _dt.datetime.strptime(v, fmt)
                ok += 1
            except ValueError:
                pass
        if ok:
            scores[fmt] = ok
    if not scores:
        return None
    best = max(scores.values())
    cands = [f for f in _FORMATS_T if scores.get(f) == best]
    if len(cands) > 1:
        # day/month order undecided by the first rows: let the whole column decide
        full = {f: int(pd.to_datetime(values, format=f, errors="coerce").notna().sum()) for f in cands}
        top = max(full.values())
        cands = [f for f in cands if full[f] == top]
        if len(cands) > 1:
            raise DataError(f"{source}: ambiguous dates (both {cands[0]!r} and {cands[1]!r} read every "
                            "timestamp); convert the file to ISO dates (YYYY-MM-DD)")
    return cands[0]


def epoch_unit(values: np.ndarray) -> Unit:
    mag = float(np.nanmedian(np.abs(values))) if values.size else 0.0
    if mag < 1e11:
        return "s"
    if mag < 1e14:
        return "ms"
    if mag < 1e17:
        return "us"
    return "ns"


def _parse_times(rows: Rows, raw: pd.Series, source: str, problems: list[dict[str, Any]],
                 column: str) -> pd.DatetimeIndex:
    """Timestamps, naive or UTC, with NaT where unreadable (each such row reported)."""
    if raw.dtype.kind == "M":  # already datetimes (Parquet), naive or tz-aware
        idx = pd.DatetimeIndex(raw)
        text = raw.astype(str)
    else:
        text = raw.map(cell_text)
        is_missing = text.isin(MISSING)
        present = text[~is_missing]
        if raw.dtype.kind in "iuf" or rows.epoch_unit is not None or (
                len(present) and bool(present.str.fullmatch(_EPOCH.pattern).all())):
            nums = fast_float(raw)
            if nums is None:
                nums = pd.to_numeric(text.where(~is_missing), errors="coerce").to_numpy(
                    dtype=np.float64, na_value=np.nan)
            if rows.epoch_unit is None:
                unit = epoch_unit(nums[np.isfinite(nums)])
                rows.notes.append(f"timestamps are epoch {unit} (UTC), unit chosen by their magnitude")
            else:
                unit = rows.epoch_unit
                rows.notes.append(f"timestamps are epoch {unit} (UTC)")
            nums = np.where(np.isfinite(nums) & (np.abs(nums) < 9.2e18 / _UNIT_NS[unit]), nums, np.nan)
            idx = pd.DatetimeIndex(pd.to_datetime(np.asarray(nums, dtype=np.float64), unit=unit, utc=True))
        else:
            fmt = _pick_format(text, source)
            if fmt is None:
                first = present.iloc[0] if len(present) else ""
                raise DataError(f"{source}: cannot read the timestamps of column {column!r} "
                                f"(first value {first!r}); use ISO dates like 2006-01-02 09:05:00")
            aware = "%z" in fmt
            parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=aware)
            # a column may mix dates with date-times ("2020-01-02", "2020-01-02 12:00"): the rest
            # of the same family (same date order, same awareness) reads what the first left
            date_part = re.split(r"[ T]", fmt, maxsplit=1)[0]
            used = [fmt]
            for other in _FORMATS_T:
                left = parsed.isna() & ~is_missing
                if not left.any():
                    break
                if other != fmt and re.split(r"[ T]", other, maxsplit=1)[0] == date_part \
                        and ("%z" in other) == aware:
                    more = pd.to_datetime(text[left], format=other, errors="coerce", utc=aware)
                    if more.notna().any():
                        parsed[left] = more
                        used.append(other)
            idx = pd.DatetimeIndex(parsed)
            rows.notes.append("timestamps read with format " + " or ".join(repr(f) for f in used))
    structural = {p["row"] - 1 for p in rows.problems}
    for i in np.flatnonzero(np.asarray(idx.isna())):
        if i not in structural:
            v = text.iloc[i]
            msg = "missing timestamp" if v in MISSING or v == "NaT" else f"cannot parse timestamp {v!r}"
            problems.append(problem(rows, int(i), "unparseable", msg, column, v))
    return idx



def are_dates(idx: pd.DatetimeIndex) -> bool:
    """Whether naive stamps are calendar dates: every one at midnight and, when there are two or
    more, a median spacing of a day or more (daily, weekly, monthly bars; date-only files)."""
    stamps = idx[idx.notna()]
    if len(stamps) == 0 or not (stamps == stamps.normalize()).all():
        return False
    spacing = np.diff(np.unique(stamps.asi8))  # in the stamps' own unit: dates may lie beyond 2262
    return spacing.size == 0 or pd.Timedelta(int(np.median(spacing)), unit=stamps.unit) >= pd.Timedelta(days=1)


def to_utc(rows: Rows, idx: pd.DatetimeIndex, naive: bool, tz: Any, source: str,
            problems: list[dict[str, Any]]) -> pd.DatetimeIndex:
    if not naive:
        if tz is not None:
            rows.notes.append("tz= not used: the timestamps carry their own UTC offset")
        return idx.tz_convert("UTC")
    if tz is None:
        raise DataError(f"{source}: the file's timestamps are naive (no UTC offset or zone), so "
                        "tz= is required: pass the zone they were written in, e.g. tz='UTC' or "
                        "tz='Europe/Berlin'; ThreadX never assumes one")
    if are_dates(idx):
        rows.notes.append(f"the timestamps are dates (all at midnight, a day or more apart): each bar is "
                          f"stamped 00:00 UTC of its date; tz={str(tz)!r} applies to intraday stamps only")
        return idx.tz_localize("UTC")
    valid = ~np.asarray(idx.isna())
    try:
        local = idx.tz_localize(tz, ambiguous="infer", nonexistent="NaT")
    except Exception:  # noqa: BLE001 - ambiguity that "infer" cannot settle: report the rows
        local = idx.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    lost = valid & np.asarray(local.isna())
    for i in np.flatnonzero(lost):
        stamp = idx[int(i)]
        problems.append(problem(rows, int(i), "unparseable",
                                 f"local time {stamp} does not exist or is ambiguous in {tz} "
                                 "(daylight-saving change)", "time", stamp))
    return local.tz_convert("UTC")



def in_ns_range(rows: Rows, idx: pd.DatetimeIndex, problems: list[dict[str, Any]]) -> pd.DatetimeIndex:
    """The index in nanoseconds; stamps outside 1677-2262 become NaT, each row reported."""
    lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    aware = idx if idx.tz is not None else idx.tz_localize("UTC")
    bad = np.asarray(aware.notna() & ((aware < lo) | (aware > hi)))
    for i in np.flatnonzero(bad):
        problems.append(problem(rows, int(i), "unparseable",
                                 f"timestamp {idx[int(i)]} is outside 1677-09-21..2262-04-11", column="time"))
    if bad.any():
        idx = pd.DatetimeIndex([pd.NaT if b else t for t, b in zip(idx, bad)], tz=idx.tz)
    return idx.as_unit("ns")


def find_times(rows: Rows, names: list[str], pos: dict[str, int], source: str,
           problems: list[dict[str, Any]]) -> tuple[pd.DatetimeIndex, set[str], str]:
    """The rows' timestamps (naive or UTC), the source columns they used, and their label."""
    if rows.time_index is not None:  # a stored DatetimeIndex (Parquet) is the time, whatever the columns
        return pd.DatetimeIndex(rows.time_index), set(), "index"
    time_col = next((x for x in _TIME_NAMES if x in pos), None)
    date_col = next((x for x in _DATE_NAMES if x in pos), None)
    if time_col is None and date_col is None:
        raise DataError(f"{source}: no timestamp column among {names}; name it with "
                        "columns={'<source column>': 'time'}")
    if date_col is not None and time_col is not None:
        tvals = rows.cols[pos[time_col]].reset_index(drop=True).map(cell_text)
        first = next((v for v in tvals if v not in MISSING), "")
        if TIME_OF_DAY.match(first):
            dvals = rows.cols[pos[date_col]].reset_index(drop=True).map(cell_text)
            raw = (dvals + " " + tvals).where(~(dvals.isin(MISSING) | tvals.isin(MISSING)), "")
            label = f"{date_col}+{time_col}"
            idx = _parse_times(rows, raw, source, problems, label)
            return idx, {date_col, time_col}, label
    key = time_col or date_col
    assert key is not None
    idx = _parse_times(rows, rows.cols[pos[key]].reset_index(drop=True), source, problems, key)
    return idx, {key}, key

