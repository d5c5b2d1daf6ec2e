"""Market data: load real-world OHLCV files into validated UTC frames, save them to Parquet.

``load()`` reads CSV/TXT (layout sniffed), JSON arrays of ``[epoch_ms, o, h, l, c, v]``
and Parquet, and returns a DataFrame with float64 ``open, high, low, close, volume``
(plus any extra columns of the file, named in lowercase snake_case) indexed by a
UTC ``DatetimeIndex`` named ``time`` (nanosecond resolution).

Time is never guessed: timestamps without a UTC offset ("naive") are read in the
zone given by ``tz=`` (an IANA name such as ``"Europe/Berlin"``, or ``"UTC"``) and
converted to UTC; a file of naive timestamps loaded without ``tz=`` raises
``DataError``.  The process time zone (``TZ``) plays no part.

Every problem of a file is reported at once, each with its row number, in one
``DataError`` whose ``.problems`` lists them; the policies ``on_unsorted``,
``on_duplicate`` and ``on_invalid`` turn chosen problems into explicit repairs,
recorded in ``df.attrs["repairs"]``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd

from threadx._resample import align, bar_period, resample  # noqa: F401 - re-exported
from threadx._inputs import FieldErrors
from threadx.errors import DataError, ValidationError

__all__ = ["OHLCV", "SAMPLES", "align", "bar_period", "load", "resample", "sample", "sample_path", "save"]

SAMPLES: tuple[str, ...] = ("GOOG", "NVDA", "ORCL", "YHOO")  # bundled daily files, threadx/data/<symbol>.csv

OHLCV: tuple[str, ...] = ("open", "high", "low", "close", "volume")
_PRICES = ("open", "high", "low", "close")
_FORMATS = ("csv", "json", "parquet")
_LABELS = ("open", "close")
_POLICIES = {
    "on_unsorted": ("raise", "sort"),
    "on_duplicate": ("raise", "drop"),
    "on_invalid": ("raise", "drop"),
}
_MISSING = frozenset({"", "nan", "NaN", "NAN", "NA", "N/A", "n/a", "null", "NULL", "None", "none", "-"})
_ALIASES = {
    "o": "open", "h": "high", "l": "low", "c": "close", "v": "volume", "vol": "volume",
    "adjclose": "adj_close", "adjusted_close": "adj_close",
    "openinterest": "open_interest", "oi": "open_interest",
}
_TIME_NAMES = ("time", "datetime", "timestamp", "date_time", "dt", "ts")
_DATE_NAMES = ("date", "day")
_META_KEY = b"threadx"
_MAX_LISTED = 30
_TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$|^\d{8}$")
_Unit = Literal["s", "ms", "us", "ns"]
_EPOCH = re.compile(r"^-?\d{9,19}(\.\d*)?$")


# --------------------------------------------------------------------------- bundled sample


def sample_path(symbol: str = "GOOG") -> str:
    """Path of a bundled daily file (see ``threadx/data/ATTRIBUTION.md``): one of ``SAMPLES``."""
    if symbol not in SAMPLES:
        raise ValidationError([{"field": "symbol", "value": repr(symbol),
                                "message": f"must be one of the bundled samples {', '.join(SAMPLES)}"}])
    return str(resources.files("threadx") / "data" / f"{symbol}.csv")


def sample(symbol: str = "GOOG") -> pd.DataFrame:
    """Bundled daily bars with lowercase OHLCV columns: NASDAQ:GOOG 2004-08-19..2013-03-01
    (the default), or NVDA, ORCL, YHOO 2012-01-03..2014-12-31 (the same days; these also
    have ``adj_close``) for multi-symbol examples.

    The files' dates carry no time zone; they are trading days and are stamped
    00:00 UTC here, explicitly (``load(sample_path(symbol), tz="UTC")``).
    """
    return load(sample_path(symbol), tz="UTC")


# --------------------------------------------------------------------------- problems


@dataclass
class _Rows:
    """Raw cells of a source, one column of objects per source column, before typing."""

    names: list[Any]  # source column names (str, or int positions for a headerless file)
    cols: list[pd.Series]
    lines: np.ndarray | None  # file line number of each data row (text sources)
    problems: list[dict[str, Any]] = field(default_factory=list)  # structural, per row
    notes: list[str] = field(default_factory=list)
    time_index: pd.Index | None = None  # a DatetimeIndex carried by the source (Parquet)
    epoch_unit: _Unit | None = None  # None: chosen by the values' magnitude
    stored: dict[str, Any] = field(default_factory=dict)  # attrs saved by save()

    @property
    def n(self) -> int:
        return len(self.cols[0]) if self.cols else (0 if self.time_index is None else len(self.time_index))


def _problem(rows: _Rows, i: int, rule: str, message: str, column: str | None = None,
             value: Any = None) -> dict[str, Any]:
    return {
        "row": i + 1,
        "line": None if rows.lines is None else int(rows.lines[i]),
        "column": column,
        "rule": rule,
        "value": None if value is None else str(value),
        "message": message,
    }


def _where(p: Mapping[str, Any]) -> str:
    return f"row {p['row']}" + (f" (line {p['line']})" if p.get("line") is not None else "")


def _raise_problems(source: str, problems: list[dict[str, Any]], has_lines: bool) -> None:
    problems = sorted(problems, key=lambda p: (p["row"], p["rule"]))
    counts: dict[str, int] = {}
    for p in problems:
        counts[p["rule"]] = counts.get(p["rule"], 0) + 1
    n = len(problems)
    numbering = ("row = data row, 1-based, header not counted; line = line number in the file, 1-based"
                 if has_lines else "row = data row, 1-based")
    head = (f"{source}: {n} problem{'s' if n != 1 else ''} "
            f"({', '.join(f'{k}: {v}' for k, v in counts.items())}); {numbering}")
    body = [f"  {_where(p)}: " + (f"{p['column']}: " if p["column"] else "") + p["message"]
            for p in problems[:_MAX_LISTED]]
    if n > _MAX_LISTED:
        body.append(f"  ... and {n - _MAX_LISTED} more (all are in the exception's .problems)")
    err = DataError("\n".join([head, *body]))
    err.problems = problems  # type: ignore[attr-defined]
    raise err


# --------------------------------------------------------------------------- arguments


def _check_tz(tz: Any, errors: FieldErrors) -> None:
    if tz is None:
        return
    if not isinstance(tz, (str, _dt.tzinfo)):
        errors.add("tz", tz, "must be an IANA time zone name such as 'UTC' or 'Europe/Berlin'")
        return
    try:
        pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception:  # noqa: BLE001 - pandas/zoneinfo raise several types for unknown zones
        errors.add("tz", tz, "unknown time zone; use an IANA name such as 'UTC' or 'Europe/Berlin'")


def _check_args(source: Any, fmt: Any, tz: Any, label: Any, columns: Any, adjust: Any,
                policies: Mapping[str, Any]) -> None:
    errors = FieldErrors()
    if isinstance(source, (str, os.PathLike)):
        if not os.path.isfile(source):
            errors.add("path_or_buffer", os.fspath(source), "no such file")
    elif not (isinstance(source, (bytes, bytearray)) or hasattr(source, "read")):
        errors.add("path_or_buffer", source, "must be a path, a file object (text or binary) or bytes")
    if fmt is not None and fmt not in _FORMATS:
        errors.add("format", fmt, f"must be None (sniffed) or one of {list(_FORMATS)}")
    _check_tz(tz, errors)
    if label is not None and label not in _LABELS:
        errors.add("label", label, "must be 'open' (stamps mark the bar's open) or 'close' (its close)")
    if columns is not None:
        if not isinstance(columns, Mapping):
            errors.add("columns", columns, "must be a mapping {source column: standard name}")
        else:
            bad = [v for v in columns.values() if not isinstance(v, str) or not v.strip()]
            if bad:
                errors.add("columns", columns, f"target names must be non-empty strings, got {bad!r}")
    if not isinstance(adjust, (bool, np.bool_)):
        errors.add("adjust", adjust, "must be True or False")
    for name, value in policies.items():
        allowed = _POLICIES[name]
        if not isinstance(value, str) or value not in allowed:
            errors.add(name, value, f"must be one of {list(allowed)}")
    errors.raise_if_any()


# --------------------------------------------------------------------------- reading


def _read_bytes(source: Any) -> tuple[bytes, str]:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            return fh.read(), os.path.basename(os.fspath(source))
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), "<bytes>"
    raw = source.read()
    name = getattr(source, "name", None)
    label = os.path.basename(name) if isinstance(name, str) else f"<{type(source).__name__}>"
    if isinstance(raw, str):
        return raw.encode("utf-8"), label
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw), label
    raise ValidationError([{"field": "path_or_buffer", "value": repr(type(raw)),
                            "message": "read() must return str or bytes"}])


def _sniff_format(data: bytes) -> str:
    if data[:4] == b"PAR1":
        return "parquet"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{source}: not UTF-8 text ({exc})") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_header(fields: list[str]) -> bool:
    """A first line is a header when some cell is neither a number nor a date/time."""
    for f in fields:
        f = f.strip()
        if f and not (_is_number(f) or _DATE_LIKE.match(f) or _TIME_OF_DAY.match(f)):
            return True
    return False


def _read_csv(text: str, source: str) -> _Rows:
    lines = text.splitlines()  # handles LF, CRLF and CR
    numbered = [(k + 1, ln) for k, ln in enumerate(lines) if ln.strip()]
    if not numbered:
        raise DataError(f"{source}: the file is empty")
    first_line = numbered[0][1]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    delim = max(counts, key=lambda d: counts[d])
    if counts[delim] == 0:
        raise DataError(f"{source}: cannot find a column separator (',', ';' or tab) in line "
                        f"{numbered[0][0]}: {first_line[:80]!r}")
    parsed = list(csv.reader([ln for _, ln in numbered], delimiter=delim, skipinitialspace=True))
    line_no = np.array([k for k, _ in numbered], dtype=np.int64)
    notes: list[str] = []
    names: list[Any]
    if _is_header(parsed[0]):
        names = [c.strip() for c in parsed[0]]
        body, line_no = parsed[1:], line_no[1:]
        if not body:
            raise DataError(f"{source}: the file has a header but no data rows")
        width = len(body[0])
        if width == len(names) + 1 and len(body[0]) > 1 and _TIME_OF_DAY.match(body[0][1].strip()):
            notes.append(f"the header has {len(names)} names but the rows have {width} fields and the "
                         f"second field is a time of day: read as {names[0]},Time,{','.join(names[1:])}")
            names = [names[0], "Time", *names[1:]]
    else:
        body = parsed
        names = list(range(len(parsed[0])))
        notes.append("no header: columns read by position as date[,time],open,high,low,close"
                     "[,volume[,open_interest[,...]]]")
    width = len(names)
    rows = _Rows(names=names, cols=[], lines=line_no, notes=notes)
    good: list[list[str]] = []
    for i, r in enumerate(body):
        if len(r) != width:
            rows.problems.append(_problem(rows, i, "unparseable",
                                          f"expected {width} fields, found {len(r)}"))
            good.append([""] * width)
        else:
            good.append(r)
    columns = list(zip(*good)) if good else [() for _ in range(width)]
    rows.cols = [pd.Series(np.asarray(c, dtype=object), dtype=object) for c in columns]
    return rows


def _read_json(text: str, source: str) -> _Rows:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(payload, list) or not payload:
        raise DataError(f"{source}: expected a non-empty JSON array of bars "
                        "[[epoch_ms, open, high, low, close, volume], ...]")
    if all(isinstance(r, dict) for r in payload):
        frame = pd.DataFrame.from_records(payload)
        return _Rows(names=list(frame.columns), lines=None,
                     cols=[frame[c].astype(object) for c in frame.columns])
    lengths = Counter(len(r) for r in payload if isinstance(r, list))
    width = max(lengths.most_common(1)[0][0] if lengths else 6, 5)  # the usual row length
    names: list[Any] = ["time", "open", "high", "low", "close", "volume",
                        *[f"field_{k + 1}" for k in range(6, width)]][:width]
    rows = _Rows(names=names, cols=[], lines=None)
    good: list[list[Any]] = []
    for i, r in enumerate(payload):
        if not isinstance(r, list) or len(r) != width:
            shape = f"an array of {len(r)} values" if isinstance(r, list) else type(r).__name__
            rows.problems.append(_problem(rows, i, "unparseable",
                                          f"expected an array of {width} values, found {shape}"))
            good.append([None] * width)
        else:
            good.append(r)
    rows.cols = [pd.Series(list(c), dtype=object) for c in zip(*good)]
    # the layout documents epoch milliseconds; seconds (or finer units) are recognised
    # by their magnitude rather than read as dates in 1970
    stamps = np.array([r[0] for r in good if isinstance(r[0], (int, float)) and not isinstance(r[0], bool)],
                      dtype=np.float64)
    stamps = stamps[np.isfinite(stamps)]
    rows.epoch_unit = _epoch_unit(stamps) if stamps.size else "ms"
    return rows


def _read_parquet(data: bytes, source: str) -> _Rows:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is installed in the test environment
        raise ImportError("reading Parquet needs pyarrow, an optional dependency: pip install pyarrow") from None
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - arrow raises many types for corrupt files
        raise DataError(f"{source}: cannot read Parquet ({exc})") from None
    stored: dict[str, Any] = {}
    meta = table.schema.metadata or {}
    if _META_KEY in meta:
        try:
            stored = dict(json.loads(meta[_META_KEY]))
        except (ValueError, TypeError):
            stored = {}
    frame = table.to_pandas()
    rows = _Rows(names=list(frame.columns), lines=None,
                 cols=[frame.iloc[:, k].reset_index(drop=True) for k in range(frame.shape[1])],
                 stored=stored)
    if isinstance(frame.index, pd.DatetimeIndex):
        rows.time_index = frame.index
    return rows


# --------------------------------------------------------------------------- columns


def _snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    return _ALIASES.get(s, s)


def _rename(rows: _Rows, columns: Mapping[Any, str] | None) -> list[str]:
    """Standard names of the source columns, after the user's mapping."""
    raw = list(rows.names)
    headerless = bool(raw) and all(isinstance(x, int) for x in raw)
    if headerless:
        base = _positional_names(rows, strict=not columns)
    else:
        base = [("time" if k == 0 else f"unnamed_{k + 1}") if not str(x).strip() else _snake(str(x))
                for k, x in enumerate(raw)]
    if columns:
        missing = []
        for key, target in columns.items():
            if key in raw and not isinstance(key, bool):
                base[raw.index(key)] = _snake(target)
            elif isinstance(key, str) and _snake(key) in base:
                base[base.index(_snake(key))] = _snake(target)
            else:
                missing.append(key)
        if missing:
            raise ValidationError([{"field": "columns", "value": repr(k),
                                    "message": f"no such column in the source; its columns are {raw!r}"}
                                   for k in missing])
    return base


def _positional_names(rows: _Rows, strict: bool) -> list[str]:
    width = len(rows.names)
    first = next((v for v in rows.cols[1].map(_cell_text) if v), "") if width > 1 else ""
    lead = ["date", "time"] if _TIME_OF_DAY.match(first) else ["time"]
    rest = width - len(lead)
    if rest < 4:
        if strict:
            raise DataError(f"a headerless file needs a timestamp and at least open, high, low, close; "
                            f"found {width} fields per row (name them with columns={{position: name}})")
        return [f"column_{k + 1}" for k in range(width)]
    std = ["open", "high", "low", "close", "volume", "open_interest"]
    return lead + std[:rest] + [f"column_{k + 1}" for k in range(len(lead) + len(std), width)]


# --------------------------------------------------------------------------- time


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
    probe = [v for v in values.head(50) if v not in _MISSING][:20]
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


def _epoch_unit(values: np.ndarray) -> _Unit:
    mag = float(np.nanmedian(np.abs(values))) if values.size else 0.0
    if mag < 1e11:
        return "s"
    if mag < 1e14:
        return "ms"
    if mag < 1e17:
        return "us"
    return "ns"


def _parse_times(rows: _Rows, raw: pd.Series, source: str, problems: list[dict[str, Any]],
                 column: str) -> pd.DatetimeIndex:
    """Timestamps, naive or UTC, with NaT where unreadable (each such row reported)."""
    if raw.dtype.kind == "M":  # already datetimes (Parquet), naive or tz-aware
        idx = pd.DatetimeIndex(raw)
        text = raw.astype(str)
    else:
        text = raw.map(_cell_text)
        is_missing = text.isin(_MISSING)
        present = text[~is_missing]
        if raw.dtype.kind in "iuf" or rows.epoch_unit is not None or (
                len(present) and bool(present.str.fullmatch(_EPOCH.pattern).all())):
            nums = _fast_float(raw)
            if nums is None:
                nums = pd.to_numeric(text.where(~is_missing), errors="coerce").to_numpy(
                    dtype=np.float64, na_value=np.nan)
            if rows.epoch_unit is None:
                unit = _epoch_unit(nums[np.isfinite(nums)])
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
            msg = "missing timestamp" if v in _MISSING or v == "NaT" else f"cannot parse timestamp {v!r}"
            problems.append(_problem(rows, int(i), "unparseable", msg, column, v))
    return idx


_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def _to_utc(rows: _Rows, idx: pd.DatetimeIndex, naive: bool, tz: Any, source: str,
            problems: list[dict[str, Any]]) -> pd.DatetimeIndex:
    if not naive:
        if tz is not None:
            rows.notes.append("tz= not used: the timestamps carry their own UTC offset")
        return idx.tz_convert("UTC")
    if tz is None:
        raise DataError(f"{source}: the file's timestamps are naive (no UTC offset or zone), so "
                        "tz= is required: pass the zone they were written in, e.g. tz='UTC' or "
                        "tz='Europe/Berlin'; ThreadX never assumes one")
    valid = ~np.asarray(idx.isna())
    try:
        local = idx.tz_localize(tz, ambiguous="infer", nonexistent="NaT")
    except Exception:  # noqa: BLE001 - ambiguity that "infer" cannot settle: report the rows
        local = idx.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    lost = valid & np.asarray(local.isna())
    for i in np.flatnonzero(lost):
        stamp = idx[int(i)]
        problems.append(_problem(rows, int(i), "unparseable",
                                 f"local time {stamp} does not exist or is ambiguous in {tz} "
                                 "(daylight-saving change)", "time", stamp))
    return local.tz_convert("UTC")


# --------------------------------------------------------------------------- the pipeline


def load(
    path_or_buffer: Any,
    *,
    format: str | None = None,  # noqa: A002 - the documented keyword
    tz: str | _dt.tzinfo | None = None,
    label: str | None = None,
    columns: Mapping[Any, str] | None = None,
    adjust: bool = False,
    on_unsorted: str = "raise",
    on_duplicate: str = "raise",
    on_invalid: str = "raise",
) -> pd.DataFrame:
    """Load an OHLCV file into float64 ``open, high, low, close, volume`` on a UTC index.

    Parameters
    ----------
    path_or_buffer
        A path, a file object (text or binary) or bytes.
    format
        ``"csv"``, ``"json"`` or ``"parquet"``; ``None`` sniffs it from the content.
        CSV/TXT layouts recognised: comma, ``;`` or tab separated; with or without a
        header; an unnamed first date column; separate ``Date`` and ``Time`` columns;
        a header one name short of the rows when the missing name is the time of day;
        LF, CRLF or CR line endings.  A headerless file is read by position as
        ``date[,time],open,high,low,close[,volume[,open_interest]]``.  JSON is an array
        of ``[epoch_ms, open, high, low, close, volume]`` (UTC) or of objects.
        Parquet needs pyarrow.
    tz
        The zone of naive timestamps (IANA name or ``"UTC"``).  Required when the
        file's timestamps are naive; unused (and noted) when they carry an offset.
        Date-only stamps are midnight in that zone.
    label
        ``"open"`` (default) if a stamp marks the bar's open, ``"close"`` if it marks
        its close.  Stored in ``df.attrs["label"]``; timestamps are NOT shifted: the
        index is the file's stamps converted to UTC.  ``None`` means ``"open"``, or
        for a Parquet file written by :func:`save` the label it recorded.
    columns
        ``{source column: standard name}`` applied before anything else (keys are
        header names, or 0-based positions for a headerless file); e.g.
        ``{"Px": "close", "Stamp": "time"}``.
    adjust
        Scale open/high/low/close by ``adj_close / close`` (Yahoo's ``Adj Close``);
        volume is left as is.  A file without such a column is a ``ValidationError``.
    on_unsorted, on_duplicate, on_invalid
        ``"raise"`` (default) reports the problem; ``"sort"`` sorts rows by time
        (stable); ``"drop"`` drops duplicate timestamps (keeping the first in file
        order) or invalid rows.  Every repair is listed in ``df.attrs["repairs"]``.

    Raises
    ------
    ValidationError
        Bad arguments (every one listed).
    DataError
        A file that cannot be read, naive timestamps without ``tz=``, or rows that
        fail validation: all problems at once in ``err.problems`` (dicts with
        ``row`` — 1-based data row, header not counted —, ``line`` — 1-based line in
        the file, text formats only —, ``column``, ``rule``, ``value``, ``message``).
        Rules: unparseable values, timestamps out of order, duplicate timestamps,
        NaN prices, ``low <= min(open, close) <= max(open, close) <= high``,
        negative prices or volume.
    """
    policies = {"on_unsorted": on_unsorted, "on_duplicate": on_duplicate, "on_invalid": on_invalid}
    _check_args(path_or_buffer, format, tz, label, columns, adjust, policies)
    data, source = _read_bytes(path_or_buffer)
    fmt = format or _sniff_format(data)
    if fmt == "parquet":
        rows = _read_parquet(data, source)
    elif fmt == "json":
        rows = _read_json(_decode(data, source), source)
    else:
        rows = _read_csv(_decode(data, source), source)
    return _build(rows, source, fmt, tz=tz, label=label, columns=columns, adjust=bool(adjust),
                  **policies)


def _build(rows: _Rows, source: str, fmt: str, *, tz: Any, label: str | None,
           columns: Mapping[Any, str] | None, adjust: bool, on_unsorted: str, on_duplicate: str,
           on_invalid: str) -> pd.DataFrame:
    names = _rename(rows, columns)
    dupes = sorted({x for x in names if names.count(x) > 1})
    if dupes:
        raise DataError(f"{source}: several source columns map to {dupes}; rename them with columns=")
    pos = {name: k for k, name in enumerate(names)}
    n = rows.n
    if n == 0:
        raise DataError(f"{source}: no data rows")
    problems: list[dict[str, Any]] = []  # problems found while typing and checking values

    # --- time
    idx, used, time_label = _times(rows, names, pos, source, problems)
    idx = _in_ns_range(rows, _to_utc(rows, idx, idx.tz is None, tz, source, problems), problems)

    # --- values
    missing_std = [c for c in _PRICES if c not in pos]
    if missing_std:
        raise DataError(f"{source}: missing column(s) {missing_std}; found {names}. Map yours with "
                        "columns={'<source column>': 'close', ...}")
    if adjust and "adj_close" not in pos:
        raise ValidationError([{"field": "adjust", "value": "True",
                                "message": f"{source} has no Adj Close column (found {names})"}])
    structural = {p["row"] - 1 for p in rows.problems}
    out: dict[str, np.ndarray] = {}
    extra_text: dict[str, np.ndarray] = {}
    value_names = [c for c in OHLCV if c in pos] + [c for c in names if c not in OHLCV and c not in used]
    for name in value_names:
        col = rows.cols[pos[name]].reset_index(drop=True)
        arr = _fast_float(col)
        if arr is None:
            text = col.map(_cell_text)
            is_missing = text.isin(_MISSING).to_numpy()
            arr = pd.to_numeric(text.where(~is_missing), errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan)
            unparsed = np.isnan(arr) & ~is_missing
            if name not in OHLCV and 2 * int(unparsed.sum()) > len(arr) - int(is_missing.sum()):
                extra_text[name] = col.to_numpy()  # a text column (a symbol, a note): kept as it is
                continue
            for i in np.flatnonzero(unparsed):
                if i not in structural:
                    problems.append(_problem(rows, int(i), "unparseable",
                                             f"cannot parse {text.iloc[i]!r} as a number", name, text.iloc[i]))
        out[name] = arr
    if "volume" not in out:
        out["volume"] = np.full(n, np.nan)
        rows.notes.append("the source has no volume column: volume is NaN")

    # --- row rules
    reported = {(p["row"] - 1, p["column"]) for p in problems} | {(i, None) for i in structural}
    o, h, lo, c = (out[k] for k in _PRICES)
    for name in _PRICES:
        arr = out[name]
        for i in np.flatnonzero(np.isnan(arr)):
            if i not in structural and (i, name) not in reported:
                problems.append(_problem(rows, int(i), "nan", "NaN price", name))
        for i in np.flatnonzero(np.isinf(arr)):
            problems.append(_problem(rows, int(i), "nan", f"infinite price {float(arr[i])!r}", name,
                                     float(arr[i])))
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in OHLCV:
            arr = out[name]
            for i in np.flatnonzero(arr < 0):
                what = "volume" if name == "volume" else "price"
                problems.append(_problem(rows, int(i), "negative", f"negative {what} {float(arr[i])!r}", name,
                                         float(arr[i])))
        finite = np.isfinite(o) & np.isfinite(h) & np.isfinite(lo) & np.isfinite(c)
        broken = finite & ~((lo <= np.minimum(o, c)) & (np.maximum(o, c) <= h))
        ratio = out["adj_close"] / c if adjust else None
    for i in np.flatnonzero(broken):
        problems.append(_problem(
            rows, int(i), "ohlc",
            f"low <= min(open, close) <= max(open, close) <= high does not hold "
            f"(open {float(o[i])!r}, high {float(h[i])!r}, low {float(lo[i])!r}, close {float(c[i])!r})"))
    if ratio is not None:
        bad_ratio = ~(np.isfinite(ratio) & (ratio > 0))
        for i in np.flatnonzero(bad_ratio):
            if i not in structural:
                problems.append(_problem(rows, int(i), "adjust", "adj_close / close is not a positive number "
                                         f"(adj_close {float(out['adj_close'][i])!r}, close {float(c[i])!r})", "adj_close"))
    invalid_problems = rows.problems + problems
    invalid = np.zeros(n, dtype=bool)
    for p in invalid_problems:
        invalid[p["row"] - 1] = True

    # --- order rules, on the rows that would remain after the chosen repairs
    consider = ~np.asarray(idx.isna())
    if on_invalid == "drop":
        consider &= ~invalid
    order_problems, dup_rows, kept_for, unsorted_rows = _order_rules(
        rows, idx, np.flatnonzero(consider), drop_duplicates=on_duplicate == "drop")

    fatal = list(invalid_problems) if on_invalid == "raise" else []
    fatal += [p for p in order_problems if (p["rule"] == "unsorted" and on_unsorted == "raise")
              or (p["rule"] == "duplicate" and on_duplicate == "raise")]
    if fatal:
        _raise_problems(source, fatal, rows.lines is not None)

    # --- repairs, each recorded
    repairs: list[dict[str, Any]] = []
    keep = np.ones(n, dtype=bool)
    if invalid.any():
        keep &= ~invalid
        repairs.append({"action": "drop_invalid", "rows": [int(i) + 1 for i in np.flatnonzero(invalid)],
                        "problems": sorted(invalid_problems, key=lambda p: p["row"])})
    if dup_rows:
        keep[dup_rows] = False
        repairs.append({"action": "drop_duplicate", "rows": [i + 1 for i in dup_rows],
                        "kept": [kept_for[i] + 1 for i in dup_rows]})
    if ratio is not None:
        for k in _PRICES:
            out[k] = out[k] * ratio
    sel = np.flatnonzero(keep)
    data: dict[str, Any] = {k: out[k][sel] for k in OHLCV}
    for k in value_names:
        if k not in OHLCV:
            data[k] = out[k][sel] if k in out else extra_text[k][sel]
    frame = pd.DataFrame(data, index=pd.DatetimeIndex(idx[sel], name="time"))
    if unsorted_rows:
        frame = frame.sort_index(kind="stable")
        repairs.append({"action": "sort", "rows_out_of_order": [i + 1 for i in unsorted_rows]})

    stored = rows.stored
    frame.attrs = {
        "source": source,
        "format": fmt,
        "tz": str(tz) if tz is not None else stored.get("tz"),
        "label": label or stored.get("label", "open"),
        "adjusted": bool(adjust) or bool(stored.get("adjusted", False)),
        "time_column": time_label,
        "repairs": repairs,
        "notes": list(rows.notes),
    }
    return frame


def _cell_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v).strip()


def _fast_float(col: pd.Series) -> np.ndarray | None:
    """float64 of a column that converts cleanly (None/'nan' are missing), else None."""
    if col.dtype.kind in "iuf":
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    values = col.to_numpy(dtype=object)
    if any(isinstance(v, (bool, np.bool_)) for v in values[:1]):
        return None
    try:
        return np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        return None


def _in_ns_range(rows: _Rows, idx: pd.DatetimeIndex, problems: list[dict[str, Any]]) -> pd.DatetimeIndex:
    """The index in nanoseconds; stamps outside 1677-2262 become NaT, each row reported."""
    lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    aware = idx if idx.tz is not None else idx.tz_localize("UTC")
    bad = np.asarray(aware.notna() & ((aware < lo) | (aware > hi)))
    for i in np.flatnonzero(bad):
        problems.append(_problem(rows, int(i), "unparseable",
                                 f"timestamp {idx[int(i)]} is outside 1677-09-21..2262-04-11", column="time"))
    if bad.any():
        idx = pd.DatetimeIndex([pd.NaT if b else t for t, b in zip(idx, bad)], tz=idx.tz)
    return idx.as_unit("ns")


def _times(rows: _Rows, names: list[str], pos: dict[str, int], source: str,
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
        tvals = rows.cols[pos[time_col]].reset_index(drop=True).map(_cell_text)
        first = next((v for v in tvals if v not in _MISSING), "")
        if _TIME_OF_DAY.match(first):
            dvals = rows.cols[pos[date_col]].reset_index(drop=True).map(_cell_text)
            raw = (dvals + " " + tvals).where(~(dvals.isin(_MISSING) | tvals.isin(_MISSING)), "")
            label = f"{date_col}+{time_col}"
            idx = _parse_times(rows, raw, source, problems, label)
            return idx, {date_col, time_col}, label
    key = time_col or date_col
    assert key is not None
    idx = _parse_times(rows, rows.cols[pos[key]].reset_index(drop=True), source, problems, key)
    return idx, {key}, key


def _order_rules(rows: _Rows, idx: pd.DatetimeIndex, cand: np.ndarray, *, drop_duplicates: bool
                 ) -> tuple[list[dict[str, Any]], list[int], dict[int, int], list[int]]:
    """Duplicate and out-of-order timestamps among the candidate rows (positions, file order)."""
    def at(k: int) -> str:
        return f"row {k + 1}" + (f" (line {rows.lines[k]})" if rows.lines is not None else "")

    found: list[dict[str, Any]] = []
    t = idx.asi8[cand]
    dup_rows: list[int] = []
    kept_for: dict[int, int] = {}
    dup_mask = np.asarray(pd.Index(t).duplicated(keep="first"))
    if dup_mask.any():
        first_of = pd.Series(cand).groupby(t).transform("min").to_numpy()
        for j in np.flatnonzero(dup_mask):
            i, k = int(cand[j]), int(first_of[j])
            dup_rows.append(i)
            kept_for[i] = k
            found.append(_problem(rows, i, "duplicate", f"timestamp {idx[i]} repeats {at(k)}", "time"))
    if drop_duplicates and dup_rows:
        cand, t = cand[~dup_mask], t[~dup_mask]
    unsorted_rows: list[int] = []
    if len(t) > 1:
        runmax = np.maximum.accumulate(t)
        setter = np.maximum.accumulate(np.where(t == runmax, np.arange(len(t)), 0))
        for j in np.flatnonzero(t[1:] < runmax[:-1]) + 1:
            i, k = int(cand[j]), int(cand[setter[j - 1]])
            unsorted_rows.append(i)
            found.append(_problem(rows, i, "unsorted",
                                  f"timestamp {idx[i]} is earlier than {idx[k]} of {at(k)}", "time"))
    return found, dup_rows, kept_for, unsorted_rows


# --------------------------------------------------------------------------- saving


def save(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a loaded frame to Parquet; ``load(path)`` gives it back identical.

    The frame needs a tz-aware ``DatetimeIndex``; its ``attrs`` label, tz and
    adjustment are recorded in the file's metadata.
    """
    errors = FieldErrors()
    if not isinstance(df, pd.DataFrame):
        errors.add("df", df, "must be a DataFrame")
    elif not isinstance(df.index, pd.DatetimeIndex) or df.index.tz is None:
        errors.add("df", f"index {type(df.index).__name__}", "must have a tz-aware DatetimeIndex (use load())")
    else:
        # only load()'s own form comes back identical: refuse the rest up front
        index = df.index
        if str(index.tz) != "UTC" or index.name != "time" or index.unit != "ns":
            errors.add("df", f"index tz={index.tz} name={index.name!r} unit={index.unit}",
                       "must be load()'s form: UTC, named 'time', nanoseconds (use load() or tz_convert)")
        bad_prices = [c for c in OHLCV if c not in df.columns or df[c].dtype != np.float64]
        if bad_prices:
            errors.add("df", f"columns {bad_prices}", "open, high, low, close and volume must be float64 columns")
        renamed = [c for c in df.columns if not isinstance(c, str) or _snake(c) != c]
        if renamed:
            errors.add("df", f"columns {renamed}", "column names must be load()'s snake_case names")
    if not isinstance(path, (str, os.PathLike)):
        errors.add("path", path, "must be a file path")
    errors.raise_if_any()
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover
        raise ImportError("writing Parquet needs pyarrow, an optional dependency: pip install pyarrow") from None
    table = pa.Table.from_pandas(df, preserve_index=True)
    meta = {k: df.attrs.get(k) for k in ("label", "tz", "adjusted") if k in df.attrs}
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[_META_KEY] = json.dumps(meta, default=str).encode()
    pq.write_table(table.replace_schema_metadata(schema_meta), os.fspath(path))
