"""``load()``: a source's rows typed, checked and repaired into a UTC OHLCV frame."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors
from threadx.data._columns import OHLCV, PRICES, rename
from threadx.data._read import read_source
from threadx.data._rows import MISSING, Rows, cell_text, fast_float, problem, raise_problems
from threadx.data._rules import Order, Problems, order_rules, value_rules
from threadx.data._times import check_tz, find_times, in_ns_range, to_utc
from threadx.errors import DataError, ValidationError

_FORMATS = ("csv", "json", "parquet")
_LABELS = ("open", "close")
_POLICIES = {
    "on_unsorted": ("raise", "sort"),
    "on_duplicate": ("raise", "drop"),
    "on_invalid": ("raise", "drop"),
}


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
    check_tz(tz, errors)
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
        **Dates keep their date**: bars of a day or longer -- naive stamps all at
        midnight (date-only files) a median of a day or more apart (one such stamp
        alone counts) -- are stamped 00:00 UTC of the date written in the file,
        whatever ``tz`` says, and a note in ``df.attrs["notes"]`` says so; daily,
        weekly and monthly bars then keep their calendar date through ``resample``,
        backtests and their results.  ``tz`` places intraday stamps only.
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
    rows, source, fmt = read_source(path_or_buffer, format)
    return _build(rows, source, fmt, tz=tz, label=label, columns=columns, adjust=bool(adjust),
                  **policies)


def _build(rows: Rows, source: str, fmt: str, *, tz: Any, label: str | None,
           columns: Mapping[Any, str] | None, adjust: bool, on_unsorted: str, on_duplicate: str,
           on_invalid: str) -> pd.DataFrame:
    names = rename(rows, columns)
    dupes = sorted({x for x in names if names.count(x) > 1})
    if dupes:
        raise DataError(f"{source}: several source columns map to {dupes}; rename them with columns=")
    pos = {name: k for k, name in enumerate(names)}
    n = rows.n
    if n == 0:
        raise DataError(f"{source}: no data rows")
    problems: Problems = []  # problems found while typing and checking values
    idx, used, time_label = find_times(rows, names, pos, source, problems)
    idx = in_ns_range(rows, to_utc(rows, idx, idx.tz is None, tz, source, problems), problems)
    _check_columns(source, names, pos, adjust)
    structural = {p["row"] - 1 for p in rows.problems}
    value_names = [c for c in OHLCV if c in pos] + [c for c in names if c not in OHLCV and c not in used]
    out, extra_text = _values(rows, value_names, pos, structural, problems)
    ratio = value_rules(rows, out, structural, problems, adjust=adjust)
    invalid_problems = rows.problems + problems
    invalid = np.zeros(n, dtype=bool)
    for p in invalid_problems:
        invalid[p["row"] - 1] = True

    # order rules, on the rows that would remain after the chosen repairs
    consider = ~np.asarray(idx.isna())
    if on_invalid == "drop":
        consider &= ~invalid
    order = order_rules(rows, idx, np.flatnonzero(consider), drop_duplicates=on_duplicate == "drop")
    fatal = list(invalid_problems) if on_invalid == "raise" else []
    fatal += [p for p in order.problems if (p["rule"] == "unsorted" and on_unsorted == "raise")
              or (p["rule"] == "duplicate" and on_duplicate == "raise")]
    if fatal:
        raise_problems(source, fatal, rows.lines is not None)

    keep, repairs = _drops(invalid, invalid_problems, order)
    if ratio is not None:
        for k in PRICES:
            out[k] = out[k] * ratio
    frame = _frame(out, extra_text, value_names, idx, np.flatnonzero(keep))
    if order.unsorted_rows:
        frame = frame.sort_index(kind="stable")
        repairs.append({"action": "sort", "rows_out_of_order": [i + 1 for i in order.unsorted_rows]})
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


def _check_columns(source: str, names: list[str], pos: Mapping[str, int], adjust: bool) -> None:
    missing_std = [c for c in PRICES if c not in pos]
    if missing_std:
        raise DataError(f"{source}: missing column(s) {missing_std}; found {names}. Map yours with "
                        "columns={'<source column>': 'close', ...}")
    if adjust and "adj_close" not in pos:
        raise ValidationError([{"field": "adjust", "value": "True",
                                "message": f"{source} has no Adj Close column (found {names})"}])


def _values(rows: Rows, value_names: list[str], pos: Mapping[str, int], structural: set[int],
            problems: Problems) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """float64 of the value columns (unparseable cells reported), and the text columns kept as they are."""
    out: dict[str, np.ndarray] = {}
    extra_text: dict[str, np.ndarray] = {}
    for name in value_names:
        col = rows.cols[pos[name]].reset_index(drop=True)
        arr = fast_float(col)
        if arr is None:
            text = col.map(cell_text)
            is_missing = text.isin(MISSING).to_numpy()
            arr = pd.to_numeric(text.where(~is_missing), errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan)
            unparsed = np.isnan(arr) & ~is_missing
            if name not in OHLCV and 2 * int(unparsed.sum()) > len(arr) - int(is_missing.sum()):
                extra_text[name] = col.to_numpy()  # a text column (a symbol, a note): kept as it is
                continue
            for i in np.flatnonzero(unparsed):
                if i not in structural:
                    problems.append(problem(rows, int(i), "unparseable",
                                            f"cannot parse {text.iloc[i]!r} as a number", name, text.iloc[i]))
        out[name] = arr
    if "volume" not in out:
        out["volume"] = np.full(rows.n, np.nan)
        rows.notes.append("the source has no volume column: volume is NaN")
    return out, extra_text


def _drops(invalid: np.ndarray, invalid_problems: Problems,
           order: Order) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The rows kept after dropping invalid rows and duplicates, and those repairs."""
    repairs: list[dict[str, Any]] = []
    keep = np.ones(invalid.size, dtype=bool)
    if invalid.any():
        keep &= ~invalid
        repairs.append({"action": "drop_invalid", "rows": [int(i) + 1 for i in np.flatnonzero(invalid)],
                        "problems": sorted(invalid_problems, key=lambda p: p["row"])})
    if order.dup_rows:
        keep[order.dup_rows] = False
        repairs.append({"action": "drop_duplicate", "rows": [i + 1 for i in order.dup_rows],
                        "kept": [order.kept_for[i] + 1 for i in order.dup_rows]})
    return keep, repairs


def _frame(out: Mapping[str, np.ndarray], extra_text: Mapping[str, np.ndarray], value_names: list[str],
           idx: pd.DatetimeIndex, sel: np.ndarray) -> pd.DataFrame:
    data: dict[str, Any] = {k: out[k][sel] for k in OHLCV}
    for k in value_names:
        if k not in OHLCV:
            data[k] = out[k][sel] if k in out else extra_text[k][sel]
    return pd.DataFrame(data, index=pd.DatetimeIndex(idx[sel], name="time"))
