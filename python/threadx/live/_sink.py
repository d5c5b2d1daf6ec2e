"""The Parquet sink of the spread monitor: bounded buffers, atomic files, rotation by event time.

Layout of ``directory`` (``P`` = a rotation period's start, UTC ``%Y%m%dT%H%M%S``):

- ``{prefix}-{P}-{seq:06d}.parquet``: a *part*, the rows of one flush that fall in period P;
  ``seq`` grows over the life of the directory (never reused, across restarts too).
- ``{prefix}-{P}.parquet``: P *compacted* into one file once P is over (a row of a later
  period arrived).  Its Parquet metadata lists the parts it holds (``threadx.parts``).
- ``*.tmp``: a file being written; readers ignore it, the next sink removes it.

Every file is written to ``<name>.tmp`` in the same directory, fsynced, then renamed
(``os.replace``): a reader sees the whole file or none of it.  Compaction commits at its
rename: from then on the compacted file supersedes the parts it lists, which
:func:`read` skips and the sink deletes (a crash between the rename and the deletions
leaves parts that are skipped, then removed at the next start).  So a reader never sees
a row twice, nor loses one, whenever the writer is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors, as_int, as_number, as_window, checked_keywords
from threadx._optional import require
from threadx.errors import CoordinatorClosedError, DataError, ValidationError

__all__ = ["OVERFLOW_POLICIES", "ParquetSink", "read"]

_log = logging.getLogger("threadx.live.sink")

OVERFLOW_POLICIES = ("drop_oldest", "drop_newest")
PARTS_KEY = b"threadx.parts"  # the part files a compacted file holds (JSON list of names)
MAX_SEQ_KEY = b"threadx.max_seq"  # the highest part seq ever folded into it
_STAMP = "%Y%m%dT%H%M%S"
_COMPACT_BATCH = 65_536
_READ_ATTEMPTS = 20
_FEATURE = "the live Parquet sink"
_ARROW_TYPES = {"int64": "int64", "float64": "float64", "int8": "int8", "bool": "bool_", "str": "string"}

Batch = dict[str, np.ndarray]


def _pa() -> Any:
    return require("pyarrow", extra="live", feature=_FEATURE)


def _pq() -> Any:
    return require("pyarrow.parquet", extra="live", feature=_FEATURE)


@dataclass(frozen=True)
class _Name:
    """A file of the sink's layout: its period's start (ns) and, for a part, its seq."""

    period: int
    seq: int | None  # None: the compacted file of the period


def _pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(re.escape(prefix) + r"-(\d{8}T\d{6})(?:-(\d{6,}))?\.parquet")


def _parse(pattern: re.Pattern[str], name: str) -> _Name | None:
    m = pattern.fullmatch(name)
    if m is None:
        return None
    period = int(pd.Timestamp(m.group(1), tz="UTC").value)
    return _Name(period, None if m.group(2) is None else int(m.group(2)))


def _stamp(period: int) -> str:
    return pd.Timestamp(period, tz="UTC").strftime(_STAMP)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(table: Any, target: Path, metadata: dict[bytes, bytes] | None = None) -> None:
    """``table`` to ``target``: written to ``target.tmp``, fsynced, renamed over it."""
    tmp = target.with_name(target.name + ".tmp")
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    try:
        with open(tmp, "wb") as f:
            _pq().write_table(table, f)
            f.flush()
            os.fsync(f.fileno())
        _commit(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _commit(tmp: Path, target: Path) -> None:
    """The commit point of a file: the rename (and the directory entry made durable)."""
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def _remove(paths: list[Path]) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def _superseded(path: Path) -> tuple[list[str], int]:
    """The part names a compacted file holds, and the highest seq it ever folded in."""
    with _readable(path):
        return _held(_pq().read_schema(path).metadata)


def _held(meta: Mapping[bytes, bytes] | None) -> tuple[list[str], int]:
    """A compacted file's metadata: the part names it holds, the highest seq it folded in."""
    meta = meta or {}
    parts = json.loads(meta.get(PARTS_KEY, b"[]"))
    return [str(p) for p in parts], int(meta.get(MAX_SEQ_KEY, b"0"))


@dataclass
class _Layout:
    """What a directory holds for one prefix: parts by period, compacted files, superseded parts."""

    parts: dict[int, list[tuple[int, Path]]]  # period -> [(seq, path)] in seq order
    compacted: dict[int, Path]
    superseded: list[Path]  # parts a compacted file already holds (a crash left them)
    max_seq: int


def _scan(directory: Path, prefix: str) -> _Layout:
    pattern = _pattern(prefix)
    parts: dict[int, list[tuple[int, Path]]] = {}
    compacted: dict[int, Path] = {}
    for path in directory.iterdir():
        name = _parse(pattern, path.name)
        if name is None:
            continue
        if name.seq is None:
            compacted[name.period] = path
        else:
            parts.setdefault(name.period, []).append((name.seq, path))
    max_seq, superseded = 0, []
    for period, path in compacted.items():
        held, top = _superseded(path)
        max_seq = max(max_seq, top)
        held_set = set(held)
        keep = [(s, p) for s, p in parts.get(period, []) if p.name not in held_set]
        superseded += [p for s, p in parts.get(period, []) if p.name in held_set]
        parts[period] = keep
    for period in list(parts):
        parts[period].sort()
        if parts[period]:
            max_seq = max(max_seq, parts[period][-1][0])
        else:
            del parts[period]
    return _Layout(parts, compacted, superseded, max_seq)


def _arrow_schema(schema: Mapping[str, str]) -> Any:
    pa = _pa()
    return pa.schema([(name, getattr(pa, _ARROW_TYPES[kind])()) for name, kind in schema.items()])


def read(directory: str | os.PathLike[str], prefix: str = "spreads",
         schema: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every row a :class:`ParquetSink` wrote under ``prefix`` in ``directory``, in time order.

    Rows are sorted by ``ts_event`` (stably: rows of one time keep their order of arrival).
    Parts that a compacted file already holds and ``*.tmp`` files are skipped, so a
    directory the writer was killed in reads each committed row exactly once.  With no
    file, the frame is empty (with the columns of ``schema`` when given).
    """
    if not isinstance(directory, (str, os.PathLike)) or not isinstance(prefix, str):
        bad = "directory" if not isinstance(directory, (str, os.PathLike)) else "prefix"
        raise ValidationError([{"field": bad, "value": repr(directory if bad == "directory" else prefix)[:80],
                                "message": "must be a path" if bad == "directory" else "must be a string"}])
    path = Path(directory)
    for _ in range(_READ_ATTEMPTS):
        try:
            tables = _snapshot(path, prefix)
            break
        except FileNotFoundError:  # a compaction removed a part after the listing: read again
            if not path.is_dir():
                raise DataError(f"{path} is not a directory of the live sink's Parquet files") from None
    else:
        raise DataError(f"{path} kept changing while being read ({_READ_ATTEMPTS} attempts)")
    if not tables:
        columns = list(schema) if schema is not None else []
        return pd.DataFrame({c: pd.Series(dtype=_pandas_dtype(schema[c])) for c in columns} if schema else {})
    table = _pa().concat_tables(tables, promote_options="none").replace_schema_metadata(None)
    frame: pd.DataFrame = table.to_pandas()
    if "ts_event" in frame.columns:
        frame = frame.sort_values("ts_event", kind="stable", ignore_index=True)
    return frame


def _snapshot(path: Path, prefix: str) -> list[Any]:
    """The tables of ``path`` in time order, each committed row once, even while a sink writes.

    Each compacted file is opened first and its list of held parts read from the open file
    (a compaction renaming over it cannot change what was opened); then the parts that
    none holds.  A part gone by then (FileNotFoundError) was folded into a compacted file
    after the listing: the caller reads again.
    """
    pattern = _pattern(prefix)
    with _readable(path):
        names = [(name, p) for p in path.iterdir() if (name := _parse(pattern, p.name)) is not None]
    pq = _pq()
    tables: list[tuple[int, str, Any]] = []
    held: set[str] = set()
    for name, p in sorted(names, key=lambda item: item[0].seq is not None):  # compacted files first
        if p.name in held:
            continue
        with open(p, "rb") as f, _readable(p):
            file = pq.ParquetFile(f)
            if name.seq is None:
                held.update(_held(file.schema_arrow.metadata)[0])
            tables.append((name.period, p.name, file.read()))
    tables = [t for t in tables if t[1] not in held]  # a part listed after it was opened
    return [table for _, _, table in sorted(tables, key=lambda t: (t[0], t[1]))]


@contextlib.contextmanager
def _readable(path: Path) -> Iterator[None]:
    """A directory or file that cannot be read (missing, corrupt) as a DataError naming it."""
    try:
        yield
    except (OSError, ValueError, _pa().ArrowException) as exc:
        raise DataError(f"{path} cannot be read as the live sink's Parquet: {type(exc).__name__}: {exc}") from exc


def _pandas_dtype(kind: str) -> Any:
    return object if kind == "str" else kind


def _rotation_ns(rotate: Any, errors: FieldErrors) -> int:
    """``rotate`` as a period in nanoseconds: a fixed-length time offset ("1h", "15min", "1D")."""
    sub = FieldErrors()
    window = as_window(rotate, sub)
    if sub.items or window is None or not window.is_time or window.size <= 0:
        why = sub.items[0]["message"] if sub.items else "must be a positive fixed-length time offset such as '1h'"
        errors.add("rotate", rotate, why.replace("a number of rows or ", ""))
        return 3_600_000_000_000
    return window.size


def check_batch(columns: Any, schema: Mapping[str, str]) -> tuple[Batch, int]:
    """``columns`` as the sink buffers it (copies, strings as object arrays) and its length.

    The one check of a batch: a mapping of exactly the schema's columns, 1-D arrays of one
    length with the schema's dtypes (``str``: an object array of str, or a numpy str array),
    ``ts_event`` (which places each row in its rotation period) >= 0.
    Raises ValidationError naming every bad column.
    """
    errors = FieldErrors()
    if not isinstance(columns, Mapping):
        errors.add("columns", columns, "must be a mapping of column name to numpy array")
        errors.raise_if_any()
    missing = [c for c in schema if c not in columns]
    for c in missing:
        errors.add(c, "missing", "is a column of the schema")
    for c in columns:
        if c not in schema:
            errors.add(str(c), "unknown", f"is not a column of the schema ({', '.join(schema)})")
    batch: Batch = {}
    lengths: dict[str, int] = {}
    for name, kind in schema.items():
        if name not in columns:
            continue
        arr = _column(name, columns[name], kind, errors)
        if arr is not None:
            batch[name] = arr
            lengths[name] = len(arr)
    if len(set(lengths.values())) > 1:
        errors.add("columns", lengths, "must all have the same length")
    ts = batch.get("ts_event")
    if ts is not None and ts.size and int(ts.min()) < 0:  # NaT is -2**63
        errors.add("ts_event", int(ts.min()), "must be >= 0: nanoseconds since the epoch (not NaT)")
    errors.raise_if_any()
    return batch, next(iter(lengths.values()), 0)


def _column(name: str, value: Any, kind: str, errors: FieldErrors) -> np.ndarray | None:
    if not isinstance(value, np.ndarray) or value.ndim != 1:
        errors.add(name, value, "must be a 1-D numpy array")
        return None
    if kind == "str":
        if value.dtype.kind == "U":
            return value.astype(object)
        if value.dtype != np.dtype(object) or not all(isinstance(v, str) for v in value):
            errors.add(name, f"dtype {value.dtype}", "must be an object array of str (or a numpy str array)")
            return None
        return value.copy()
    if value.dtype != np.dtype(kind):
        errors.add(name, f"dtype {value.dtype}", f"must be {kind}")
        return None
    return value.copy()


@dataclass
class SinkCounts:
    """What a sink did since it was made."""

    rows_appended: int = 0
    rows_written: int = 0
    rows_dropped: int = 0  # the overflow policy's drops (writes failing and the buffer at max_rows)
    files_written: int = 0  # parts and compacted files
    flushes: int = 0  # flushes that wrote everything they took
    compactions: int = 0
    write_errors: int = 0


class ParquetSink:
    """Rows of one schema (``SPREAD_COLUMNS`` or ``TICK_COLUMNS``) appended to Parquet files.

    ``append(columns)`` checks a batch (a mapping column -> 1-D numpy array of the schema's
    dtype) and buffers a copy; ``flush()`` writes the buffer as one file per rotation period
    it touches, atomically, then compacts the periods that are over; ``run()`` flushes every
    ``flush_interval`` s until cancelled; ``close()`` flushes what remains.  Reaching
    ``max_rows`` buffered rows flushes at once (in the caller's thread).  A failed write is
    logged and counted and its rows stay buffered for the next flush, up to ``max_rows``:
    past that, ``overflow`` decides (``"drop_oldest"`` or ``"drop_newest"`` rows, counted in ``rows_dropped``).

    ``flush`` may run in a worker thread (``run`` does) while ``append`` runs on the loop.
    """

    @checked_keywords
    def __init__(self, directory: str | os.PathLike[str], *, schema: Mapping[str, str], prefix: str = "spreads",
                 flush_interval: float = 5.0, max_rows: int = 100_000, rotate: Any = "1h",
                 overflow: str = "drop_oldest") -> None:
        errors = FieldErrors()
        if not isinstance(schema, Mapping) or not schema or any(k not in _ARROW_TYPES for k in schema.values()):
            errors.add("schema", schema, f"must map column names to one of {', '.join(_ARROW_TYPES)}")
        if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z0-9_.]+", prefix):
            errors.add("prefix", prefix, "must be a non-empty name of letters, digits, '_' and '.'")
        interval = as_number(flush_interval, "flush_interval", errors)
        if interval is not None and not (0 < interval < float("inf")):
            errors.add("flush_interval", flush_interval, "must be > 0 seconds and finite")
        self.max_rows = as_int(max_rows, "max_rows", errors, 1, minimum=1)
        self._rotate_ns = _rotation_ns(rotate, errors)
        if overflow not in OVERFLOW_POLICIES:
            errors.add("overflow", overflow, f"must be one of {', '.join(OVERFLOW_POLICIES)}")
        if not isinstance(directory, (str, os.PathLike)):
            errors.add("directory", directory, "must be a path")
        errors.raise_if_any()
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValidationError([{"field": "directory", "value": str(directory),
                                    "message": f"cannot be created ({exc})"}]) from exc
        self.schema = dict(schema)
        self.prefix = prefix
        self.flush_interval = float(flush_interval)
        self.overflow = overflow
        self.counts = SinkCounts()
        self.last_error: str | None = None
        self._pending: list[Batch] = []
        self._rows = 0  # rows in _pending
        self._lock = threading.Lock()  # the buffer
        self._write_lock = threading.Lock()  # one flush at a time
        self._closed = False
        self._parts: dict[int, list[Path]] = {}  # parts on disk not compacted yet, by period
        self._latest: int | None = None  # the latest period of any row on disk
        self._backoff_until = 0.0  # after a failed write, append does not retry before this
        self._dropping = False  # in an episode of overflow drops (logged once)
        self._arrow = _arrow_schema(self.schema)
        self._seq = self._recover()

    # ------------------------------------------------------------------ buffering

    def append(self, columns: Mapping[str, np.ndarray]) -> int:
        """Check and buffer a batch; returns its rows.  Reaching ``max_rows`` flushes at once
        (unless the last write failed less than ``flush_interval`` s ago: then the overflow
        policy keeps the buffer at ``max_rows``)."""
        if self._closed:
            raise CoordinatorClosedError(f"the Parquet sink of {self.directory} is closed")
        batch, n = check_batch(columns, self.schema)
        if n == 0:
            return 0
        with self._lock:
            self.counts.rows_appended += n
            self._pending.append(batch)
            self._rows += n
            full = self._rows >= self.max_rows
        if full:
            if time.monotonic() >= self._backoff_until:
                self.flush()
            with self._lock:
                self._bound()
        return n

    def _bound(self) -> None:
        """Keep at most ``max_rows`` buffered (the overflow policy, counted).  Holds ``_lock``."""
        excess = self._rows - self.max_rows
        if excess <= 0:
            return
        self.counts.rows_dropped += excess
        if not self._dropping:  # once per episode of drops, not once per batch
            self._dropping = True
            _log.error("Parquet sink %s: rows dropped (%s): the buffer is at max_rows=%d and writes fail (%s)",
                       self.directory, self.overflow, self.max_rows, self.last_error)
        merged = _concat(self._pending)
        keep = slice(excess, None) if self.overflow == "drop_oldest" else slice(0, self.max_rows)
        self._pending = [{c: a[keep] for c, a in merged.items()}]
        self._rows = self.max_rows

    @property
    def buffered(self) -> int:
        """Rows appended and not yet on disk."""
        return self._rows

    def stats(self) -> dict[str, Any]:
        """The counters, the rows buffered now and the last write error (None: none yet)."""
        return {**vars(self.counts), "buffered": self._rows, "last_error": self.last_error}

    # ------------------------------------------------------------------ writing

    def flush(self) -> int:
        """Write every buffered row (one part per period touched), then compact the periods
        that are over.  Returns the rows written; a failure is logged and counted, and the
        rows not written go back to the buffer (bounded by ``max_rows``)."""
        with self._write_lock:
            with self._lock:
                taken, self._pending, self._rows = self._pending, [], 0
            written = self._write_parts(_concat(taken)) if taken else 0
            if written is not None:
                self.counts.flushes += bool(taken)
                self._compact_over()
            return written or 0

    def _write_parts(self, batch: Batch) -> int | None:
        """One atomic part per period of ``batch``, oldest first; the rows written (None: a
        write failed, and the rows of that period and the later ones are back in the buffer)."""
        periods = batch["ts_event"] // self._rotate_ns * self._rotate_ns
        written = 0
        for period in np.unique(periods).tolist():
            mask = periods == period
            self._seq += 1
            target = self.directory / f"{self.prefix}-{_stamp(period)}-{self._seq:06d}.parquet"
            try:
                _write_atomic(self._table({c: a[mask] for c, a in batch.items()}), target)
            except Exception as exc:  # noqa: BLE001 - any failure to write: counted, rows kept
                rest = periods >= period
                self._failed(exc, {c: a[rest] for c, a in batch.items()})
                return None
            n = int(mask.sum())
            written += n
            self.counts.rows_written += n
            self.counts.files_written += 1
            self._parts.setdefault(period, []).append(target)
            self._latest = period if self._latest is None else max(self._latest, period)
        self._dropping = False
        return written

    def _table(self, batch: Batch) -> Any:
        pa = _pa()
        return pa.table({c: pa.array(batch[c], type=self._arrow.field(c).type) for c in self.schema},
                        schema=self._arrow)

    def _failed(self, exc: Exception, batch: Batch) -> None:
        """A write failed: log it with its context, count it, put the rows back (bounded)."""
        self.counts.write_errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        n = len(batch["ts_event"])
        _log.error("Parquet sink %s: writing %d rows failed; they stay buffered", self.directory, n, exc_info=exc)
        self._backoff_until = time.monotonic() + self.flush_interval
        with self._lock:
            self._pending.insert(0, batch)
            self._rows += n
            self._bound()

    # ------------------------------------------------------------------ compaction

    def _compact_over(self) -> None:
        """Compact every period older than the latest one written that has parts on disk."""
        for period in sorted(p for p in self._parts if self._latest is not None and p < self._latest):
            try:
                self._compact(period, self._parts[period])
            except Exception as exc:  # noqa: BLE001 - the parts stay readable; the next flush retries
                self.counts.write_errors += 1
                self.last_error = f"compaction: {type(exc).__name__}: {exc}"
                _log.error("Parquet sink %s: compacting period %s failed (its parts stay as they are)",
                           self.directory, _stamp(period), exc_info=exc)
                return
            del self._parts[period]

    def _compact(self, period: int, parts: list[Path]) -> None:
        """Fold ``parts`` (and the period's compacted file ``old``) into one compacted file.

        Streams the sources into a ParquetWriter in batches of ``_COMPACT_BATCH`` rows
        (memory: one batch, whatever the size of the period).  The rename
        is the commit: the new file lists the parts it holds, so until they are removed a
        reader skips them.
        """
        pq = _pq()
        target = self.directory / f"{self.prefix}-{_stamp(period)}.parquet"
        old = target if target.exists() else None
        held: list[str] = [p.name for p in parts]
        max_seq = max(_seq_of(p) for p in parts)
        sources = list(parts)
        if old is not None:
            old_held, old_max = _superseded(old)
            held += [name for name in old_held if (self.directory / name).exists()]
            max_seq = max(max_seq, old_max)
            sources.insert(0, old)
        meta = {PARTS_KEY: json.dumps(held).encode(), MAX_SEQ_KEY: str(max_seq).encode()}
        schema = self._arrow.with_metadata(meta)
        tmp = target.with_name(target.name + ".tmp")
        try:
            with open(tmp, "wb") as f:
                with pq.ParquetWriter(f, schema) as writer:
                    for src in sources:
                        with pq.ParquetFile(src) as source:
                            for rows in source.iter_batches(batch_size=_COMPACT_BATCH):
                                writer.write_batch(rows.cast(self._arrow))
                f.flush()
                os.fsync(f.fileno())
            _commit(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        self.counts.files_written += 1
        self.counts.compactions += 1
        _remove(parts)

    def _recover(self) -> int:
        """At start: remove leftover ``*.tmp`` and superseded parts; the next part's seq."""
        for tmp in self.directory.glob(f"{self.prefix}-*.parquet.tmp"):
            tmp.unlink(missing_ok=True)
        with _readable(self.directory):
            layout = _scan(self.directory, self.prefix)
        _remove(layout.superseded)
        self._parts = {period: [p for _, p in items] for period, items in layout.parts.items()}
        self._latest = max([*layout.parts, *layout.compacted], default=None)
        return layout.max_seq

    # ------------------------------------------------------------------ service

    async def run(self) -> None:
        """Flush every ``flush_interval`` s (in a worker thread) until cancelled."""
        while True:
            await asyncio.sleep(self.flush_interval)
            await asyncio.to_thread(self.flush)

    def close(self) -> None:
        """Flush what remains (every row appended before this is on disk after it, unless the
        write fails: then it is counted, logged and in ``stats()``), and take no more rows."""
        self._closed = True
        self.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _seq_of(path: Path) -> int:
    return int(path.name.rsplit("-", 1)[1].split(".", 1)[0])


def _concat(batches: list[Batch]) -> Batch:
    if len(batches) == 1:
        return batches[0]
    return {c: np.concatenate([b[c] for b in batches]) for c in batches[0]}
