"""The replay feed: a recorded tick file (CSV or Parquet, the sink's ``TICK_COLUMNS``) as quotes."""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors, as_number, checked_keywords
from threadx._optional import require
from threadx.errors import DataError, ValidationError
from threadx.live._base import YIELD_EVERY, Emit, FeedBase
from threadx.live._types import TICK_COLUMNS, Quote
from threadx.sources import check_symbol

__all__ = ["ReplayFeed", "read_ticks"]

_REQUIRED = ("ts_event", "exchange", "symbol", "bid", "ask")
_INT64_MAX = np.iinfo(np.int64).max
_CHUNK = 65_536  # rows turned into Python values at a time


def _read_frame(source: Any) -> tuple[pd.DataFrame, str]:
    """The table of a path (Parquet when it starts with ``PAR1``, else CSV) or a DataFrame."""
    if isinstance(source, pd.DataFrame):
        return source, "<DataFrame>"
    path = os.fspath(source)
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({type(exc).__name__}: {exc.strerror or exc})") from None
    if magic == b"PAR1" or path.endswith((".parquet", ".pq")):
        pq = require("pyarrow.parquet", extra="live", feature="replaying a Parquet tick file")
        try:
            return pq.read_table(path).to_pandas(), path
        except Exception as exc:  # noqa: BLE001 - pyarrow's errors for a corrupted file vary
            raise DataError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    try:
        return pd.read_csv(path, dtype={"exchange": str, "symbol": str}), path
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({type(exc).__name__}: {exc})") from None


def _times(col: pd.Series) -> np.ndarray | str:
    """int64 ns UTC from int64 ns, tz-aware datetimes or RFC 3339 text with an offset; else why not."""
    dtype = col.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        if col.isna().any():
            return "has missing times"
        if len(col) and int(col.max()) > _INT64_MAX:
            return "has values beyond int64"
        return col.to_numpy(dtype=np.int64)
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or pd.api.types.is_datetime64_any_dtype(dtype)):
        return f"has dtype {dtype}: must be int64 ns or datetimes with a time zone"
    if not isinstance(dtype, pd.DatetimeTZDtype):
        try:
            col = pd.to_datetime(col, format="ISO8601")
        except (ValueError, TypeError, OverflowError) as exc:
            return f"is neither int64 ns nor datetimes ({str(exc)[:80]})"
    if not isinstance(col.dtype, pd.DatetimeTZDtype):
        return "has naive datetimes: give them a UTC offset (or store int64 ns UTC)"
    if col.isna().any():
        return "has missing times"
    return pd.DatetimeIndex(col).tz_convert("UTC").as_unit("ns").asi8


def _prices(col: pd.Series) -> np.ndarray | str:
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        return f"has dtype {dtype}: must be numbers (float64)"
    return col.to_numpy(dtype=np.float64, na_value=np.nan)  # NaN, <= 0, crossed: the core's to count


def _labels(col: pd.Series) -> pd.Categorical | str:
    """Text as a categorical: one string object per distinct value, however long the file."""
    if col.isna().any():
        return "has missing values"
    if pd.api.types.infer_dtype(col, skipna=False) != "string":
        return f"has dtype {col.dtype}: must be text"
    return pd.Categorical(col)


_CHECKS = {"ts_event": _times, "ts_recv": _times, "exchange": _labels, "symbol": _labels,
           "bid": _prices, "ask": _prices}


def _empty(name: str) -> np.ndarray | pd.Categorical:
    """A column of no rows (a header-only CSV has no dtypes to check)."""
    dtype = TICK_COLUMNS[name]
    return pd.Categorical([]) if dtype == "str" else np.empty(0, dtype=dtype)


def read_ticks(source: Any) -> dict[str, Any]:
    """The columns of a tick file or frame, checked: int64 ns ``ts_event``/``ts_recv`` (which
    defaults to ``ts_event``), float64 ``bid``/``ask``, ``exchange``/``symbol`` as
    ``pd.Categorical``, and ``label`` (the path).  ``DataError`` names the file and every bad or
    missing column."""
    if not isinstance(source, (str, os.PathLike, pd.DataFrame)):
        raise ValidationError([{"field": "source", "value": repr(source)[:80],
                                "message": "must be a path (CSV or Parquet) or a DataFrame"}])
    df, label = _read_frame(source)
    problems = []
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
                        f"(a tick file has {', '.join(TICK_COLUMNS)}; ts_recv is optional)")
    out: dict[str, Any] = {}
    for name, check in _CHECKS.items():
        if name in df.columns:
            got = check(df[name]) if len(df) else _empty(name)
            if isinstance(got, str):
                problems.append(f"column {name!r} {got}")
            else:
                out[name] = got
    if problems:
        raise DataError(f"{label}: " + "; ".join(problems))
    out.setdefault("ts_recv", out["ts_event"])
    out["label"] = label
    return out


class ReplayFeed(FeedBase):
    """Quotes of a recorded tick file (CSV or Parquet with ``TICK_COLUMNS``; ``ts_event`` int64 ns
    or datetimes with a time zone; ``ts_recv`` optional) or DataFrame, in file order.

    The file is read and checked here, before any quote is emitted.  ``speed=None`` replays as
    fast as ``emit`` takes the quotes; ``speed=60.0`` compresses event time 60-fold (a minute a
    second; a time going back is replayed at once).  ``run`` returns at the end of the file.
    """

    @checked_keywords
    def __init__(self, source: Any, *, speed: float | None = None, name: str = "replay") -> None:
        errors = FieldErrors()
        check_symbol(name, errors, "name")
        if not isinstance(source, (str, os.PathLike, pd.DataFrame)):
            errors.add("source", source, "must be a path (CSV or Parquet) or a DataFrame")
        x = as_number(speed, "speed", errors, none=True)
        if x is not None and not (math.isfinite(x) and x > 0):
            errors.add("speed", speed, "must be None (as fast as possible) or a finite number > 0")
        errors.raise_if_any()
        super().__init__(name)
        self.speed = x
        self._ticks = read_ticks(source)
        self.source: str = self._ticks["label"]
        self.rows = len(self._ticks["ts_event"])
        self._state = "idle"

    def _where(self) -> str:
        return self.source

    async def run(self, emit: Emit) -> None:
        """Emit every row as a quote, in file order; returns when the file is done."""
        self._start(emit)
        self._state = "running"
        try:
            await self._replay(emit)
            self._state = "done"
        finally:
            self._running = False
            if self._state != "done":
                self._state = "stopped"

    def _chunks(self) -> Iterator[zip[tuple[str, str, float, float, int, int]]]:
        """The rows as Python values, ``_CHUNK`` at a time (memory stays flat however long the file)."""
        t = self._ticks
        exchanges, symbols = t["exchange"].categories.tolist(), t["symbol"].categories.tolist()
        for i in range(0, self.rows, _CHUNK):
            part = slice(i, i + _CHUNK)
            yield zip([exchanges[k] for k in t["exchange"].codes[part].tolist()],
                      [symbols[k] for k in t["symbol"].codes[part].tolist()],
                      t["bid"][part].tolist(), t["ask"][part].tolist(),
                      t["ts_event"][part].tolist(), t["ts_recv"][part].tolist())

    async def _replay(self, emit: Emit) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        first = int(self._ticks["ts_event"][0]) if self.rows else 0
        for chunk in self._chunks():
            for exchange, symbol, bid, ask, ts_event, ts_recv in chunk:
                if self.speed is not None:
                    delay = start + (ts_event - first) / 1e9 / self.speed - loop.time()
                    if delay > 0.001:
                        await asyncio.sleep(delay)
                await self._emit(emit, Quote(exchange, symbol, bid, ask, ts_event, ts_recv))
                if self.counters["quotes"] % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # an emit that never blocks still shares the loop

    def snapshot(self) -> dict[str, Any]:
        """State, rows, quotes emitted so far, emit errors and the last error."""
        c = self.counters
        return {"name": self.name, "kind": "replay", "source": self.source, "speed": self.speed,
                "state": self._state, "rows": self.rows, "quotes": c["quotes"], "emit_errors": c["emit_errors"],
                "last_error": self.last_error}

    def __repr__(self) -> str:
        return f"ReplayFeed({self.source!r}, speed={self.speed}, rows={self.rows}, state={self._state!r})"
