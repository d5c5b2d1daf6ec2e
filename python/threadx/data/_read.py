"""Reading a source's bytes into raw rows: CSV/TXT (layout sniffed), JSON, Parquet."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from threadx._optional import require
from threadx.data._rows import Rows, problem
from threadx.data._times import TIME_OF_DAY, epoch_unit
from threadx.errors import DataError, ValidationError

#: The key of the metadata save() writes into a Parquet file.
META_KEY = b"threadx"
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$|^\d{8}$")


def read_bytes(source: Any) -> tuple[bytes, str]:
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


def sniff_format(data: bytes) -> str:
    if data[:4] == b"PAR1":
        return "parquet"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def decode(data: bytes, source: str) -> str:
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
        if f and not (_is_number(f) or _DATE_LIKE.match(f) or TIME_OF_DAY.match(f)):
            return True
    return False


def read_csv(text: str, source: str) -> Rows:
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
    reader = csv.reader([ln for _, ln in numbered], delimiter=delim, skipinitialspace=True)
    try:
        parsed = list(reader)
    except csv.Error as exc:  # a field over csv's limit (128 KiB): no price or date is that long
        line = numbered[min(reader.line_num, len(numbered)) - 1][0]
        raise DataError(f"{source}: line {line} cannot be read as CSV ({exc})") from None
    line_no = np.array([k for k, _ in numbered], dtype=np.int64)
    notes: list[str] = []
    names: list[Any]
    if _is_header(parsed[0]):
        names = [c.strip() for c in parsed[0]]
        body, line_no = parsed[1:], line_no[1:]
        if not body:
            raise DataError(f"{source}: the file has a header but no data rows")
        width = len(body[0])
        if width == len(names) + 1 and len(body[0]) > 1 and TIME_OF_DAY.match(body[0][1].strip()):
            notes.append(f"the header has {len(names)} names but the rows have {width} fields and the "
                         f"second field is a time of day: read as {names[0]},Time,{','.join(names[1:])}")
            names = [names[0], "Time", *names[1:]]
    else:
        body = parsed
        names = list(range(len(parsed[0])))
        notes.append("no header: columns read by position as date[,time],open,high,low,close"
                     "[,volume[,open_interest[,...]]]")
    width = len(names)
    rows = Rows(names=names, cols=[], lines=line_no, notes=notes)
    good: list[list[str]] = []
    for i, r in enumerate(body):
        if len(r) != width:
            rows.problems.append(problem(rows, i, "unparseable",
                                          f"expected {width} fields, found {len(r)}"))
            good.append([""] * width)
        else:
            good.append(r)
    columns = list(zip(*good)) if good else [() for _ in range(width)]
    rows.cols = [pd.Series(np.asarray(c, dtype=object), dtype=object) for c in columns]
    return rows


def read_json(text: str, source: str) -> Rows:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}: not valid JSON ({exc})") from None
    except RecursionError:  # arrays nested thousands deep: not bars, and too deep to parse
        raise DataError(f"{source}: JSON nested too deeply to be bars "
                        "[[epoch_ms, open, high, low, close, volume], ...]") from None
    if not isinstance(payload, list) or not payload:
        raise DataError(f"{source}: expected a non-empty JSON array of bars "
                        "[[epoch_ms, open, high, low, close, volume], ...]")
    if all(isinstance(r, dict) for r in payload):
        frame = pd.DataFrame.from_records(payload)
        return Rows(names=list(frame.columns), lines=None,
                     cols=[frame[c].astype(object) for c in frame.columns])
    lengths = Counter(len(r) for r in payload if isinstance(r, list))
    width = max(lengths.most_common(1)[0][0] if lengths else 6, 5)  # the usual row length
    names: list[Any] = ["time", "open", "high", "low", "close", "volume",
                        *[f"field_{k + 1}" for k in range(6, width)]][:width]
    rows = Rows(names=names, cols=[], lines=None)
    good: list[list[Any]] = []
    for i, r in enumerate(payload):
        if not isinstance(r, list) or len(r) != width:
            shape = f"an array of {len(r)} values" if isinstance(r, list) else type(r).__name__
            rows.problems.append(problem(rows, i, "unparseable",
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
    rows.epoch_unit = epoch_unit(stamps) if stamps.size else "ms"
    return rows


def read_parquet(data: bytes, source: str) -> Rows:
    pq = require("pyarrow.parquet", extra="parquet", feature="reading Parquet")
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - arrow raises many types for corrupt files
        raise DataError(f"{source}: cannot read Parquet ({exc})") from None
    stored: dict[str, Any] = {}
    meta = table.schema.metadata or {}
    if META_KEY in meta:
        try:
            stored = dict(json.loads(meta[META_KEY]))
        except (ValueError, TypeError):
            stored = {}
    frame = table.to_pandas()
    rows = Rows(names=list(frame.columns), lines=None,
                 cols=[frame.iloc[:, k].reset_index(drop=True) for k in range(frame.shape[1])],
                 stored=stored)
    if isinstance(frame.index, pd.DatetimeIndex):
        rows.time_index = frame.index
    return rows



def read_source(path_or_buffer: Any, fmt: str | None) -> tuple[Rows, str, str]:
    """The raw rows of a path, file object or bytes, the source's name and its format (sniffed if None)."""
    data, source = read_bytes(path_or_buffer)
    fmt = fmt or sniff_format(data)
    if fmt == "parquet":
        return read_parquet(data, source), source, fmt
    text = decode(data, source)
    return (read_json(text, source) if fmt == "json" else read_csv(text, source)), source, fmt
