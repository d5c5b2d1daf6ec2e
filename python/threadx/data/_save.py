"""Writing a loaded frame to Parquet, with its attrs in the file's metadata."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors
from threadx._optional import require
from threadx.data._columns import OHLCV, snake
from threadx.data._read import META_KEY


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
        renamed = [c for c in df.columns if not isinstance(c, str) or snake(c) != c]
        if renamed:
            errors.add("df", f"columns {renamed}", "column names must be load()'s snake_case names")
    if not isinstance(path, (str, os.PathLike)):
        errors.add("path", path, "must be a file path")
    errors.raise_if_any()
    pa = require("pyarrow", extra="parquet", feature="writing Parquet")
    pq = require("pyarrow.parquet", extra="parquet", feature="writing Parquet")
    table = pa.Table.from_pandas(df, preserve_index=True)
    meta = {k: df.attrs.get(k) for k in ("label", "tz", "adjusted") if k in df.attrs}
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[META_KEY] = json.dumps(meta, default=str).encode()
    pq.write_table(table.replace_schema_metadata(schema_meta), os.fspath(path))
