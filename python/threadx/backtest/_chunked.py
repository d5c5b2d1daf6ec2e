"""A sweep in chunks: on a Dask cluster (``client=``), streamed to Parquet (``out=``), resumable.

The grid (after ``constraint``) is cut into chunks of consecutive combinations; a chunk is
what the local sweep does for those rows (the same C++ sweep for a built-in strategy, the
same runs for a ``Strategy`` or a signal function), for every symbol.  The chunks' stats are
put back in grid order and ordered by the metric exactly as the local sweep orders its table,
so the table is the local one, row for row.

- ``client=`` (a ``dask.distributed.Client``): the sweep's data (bars, plan, strategy) is
  scattered to every worker once, then one task per chunk refers to it.  A worker that dies
  loses only its running chunks, which the scheduler reruns elsewhere; each chunk's result
  is taken once (by its position), so nothing is lost or counted twice.  ``cancel`` (or
  Ctrl+C) cancels the pending tasks and sets a Dask ``Event`` that the running ones poll
  (every 0.1 s) to cancel their own token: the C++ loops stop, not just the scheduling.
  A worker caps ThreadX's threads at its own thread count (``threads_per_worker``).
- ``out="dir"``: a ``manifest.json`` (the sweep's fingerprint and chunking, and the table's
  description: its parameter grid in ``grid.parquet``, symbols, metric and ``top_k``) and one
  ``chunk-NNNNNN.parquet`` per chunk as it finishes, each written to a temporary file and
  renamed (a reader never sees half a chunk).  ``resume=True`` reads the chunks already
  there (after checking the manifest is this sweep's) and computes only the missing ones.
  ``threadx.backtest.load(dir)`` of a finished folder is the table the sweep returned.
  Format 1 folders (before the table's description) resume, and are upgraded to format 2.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import types
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from threadx import __version__, _core
from threadx._inputs import FieldErrors, as_int
from threadx._optional import require
from threadx.errors import BacktestError, DataError, ValidationError

__all__ = ["Chunking", "Part", "check_chunking", "run_chunks"]

_POLL = 0.05  # seconds between looks at the cancel token and the finished tasks
_WATCH = 0.1  # seconds between a running task's looks at the sweep's cancel Event
FORMAT = 2  # the store's layout version (manifest.json "format"); 2 adds "kind" and "table"
READABLE = (1, 2)  # the formats a resume reads (a format 1 folder is upgraded)
KIND = "sweep"


@dataclass
class Part:
    """One chunk's result: rows ``[start, stop)`` of the grid, their stats for each symbol
    (``stats[s, k]`` the stats row of symbol ``s`` and combination ``start + k``) and, with
    partitions, their per-partition sums ``(3, S, k)`` (count, sum, sumsq) of ``n_rows`` returns."""

    start: int
    stop: int
    stats: np.ndarray
    sums: np.ndarray | None = None
    n_rows: int = 0


@dataclass(frozen=True)
class TableSpec:
    """What makes a chunked sweep's stats a table: the combinations (grid order, after the
    constraint; the columns are the parameters), the symbols (``[None]``: one frame), the
    metric's column, ``top_k`` and, for partition sums, their rows (None: the chunks')."""

    combos: pd.DataFrame
    symbols: list[Any]
    key: str
    top_k: int | None
    partition_rows: int | None = None


@dataclass(frozen=True)
class Chunking:
    """How a sweep runs in chunks (``sweep``'s ``client``, ``out``, ``resume``, ``chunk_size``)."""

    client: Any = None
    out: Path | None = None
    resume: bool = False
    chunk_size: int = 0  # 0: the source's default, or the store's on resume

    @property
    def active(self) -> bool:
        return self.client is not None or self.out is not None


def check_chunking(client: Any, out: Any, resume: Any, chunk_size: Any, keep: str, errors: FieldErrors) -> Chunking:
    """The chunking options, each bad one in ``errors`` (before any work is sent)."""
    if client is not None:
        distributed = _distributed()
        if not isinstance(client, distributed.Client):
            errors.add("client", client, "must be a dask.distributed.Client (or None to run here)")
        elif client.status != "running":
            errors.add("client", f"Client(status={client.status!r})", "is not running (closed?): give a connected "
                       "Client")
    path = None
    if out is not None:
        if isinstance(out, (str, os.PathLike)) and str(out):
            path = Path(out)
            if path.exists() and not path.is_dir():
                errors.add("out", str(out), "is a file: give a directory (made if missing)")
        else:
            errors.add("out", out, "must be a directory path (str or Path), or None")
        require("pyarrow", extra="parquet", feature="a sweep streamed to Parquet (out=)")
    if not isinstance(resume, bool):
        errors.add("resume", resume, "must be True or False")
    elif resume and out is None:
        errors.add("resume", resume, "needs out= (the directory of the sweep to resume)")
    size = as_int(chunk_size, "chunk_size", errors, 0, minimum=1, none=0)
    if (client is not None or out is not None) and keep != "stats":
        errors.add("keep", keep, "must be 'stats' with client= or out= (the chunks keep stats only; rerun the top "
                   "rows with threadx.backtest.run for their equity or trades)")
    return Chunking(client, path, bool(resume) if isinstance(resume, bool) else False, size)


# ---- what a chunk runs --------------------------------------------------------------------

class Source:
    """What a chunked sweep runs (picklable: it travels to Dask workers once)."""

    partitions: int  # S > 0: each Part holds its combinations' per-partition sums

    @property
    def n_combos(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def n_symbols(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def run(self, start: int, stop: int, token: _core.CancelToken) -> Part:  # pragma: no cover - interface
        raise NotImplementedError

    def default_chunk_size(self, workers: int) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def fingerprint(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError


def ranges(n: int, size: int, partitions: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of each chunk; with partitions no chunk holds one combination (the
    core's partition sums need two trials), so a tail of one joins the chunk before it."""
    cuts = list(range(0, n, size)) + [n]
    if partitions and len(cuts) > 2 and cuts[-1] - cuts[-2] == 1:
        del cuts[-2]
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def digest(*parts: Any) -> str:
    """A SHA-256 of values (frames, arrays, dicts, callables, scalars) for a store's manifest."""
    h = hashlib.sha256()
    for p in parts:
        _feed(h, p)
    return h.hexdigest()


def _feed(h: Any, value: Any) -> None:
    if isinstance(value, Mapping):
        for k in sorted(value, key=repr):
            h.update(repr(k).encode())
            _feed(h, value[k])
    elif isinstance(value, (list, tuple)):
        h.update(f"seq{len(value)}".encode())
        for v in value:
            _feed(h, v)
    elif isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        h.update(repr(getattr(value, "columns", getattr(value, "name", None))).encode())
        h.update(pd.util.hash_pandas_object(value, index=not isinstance(value, pd.Index)).to_numpy().tobytes())
    elif isinstance(value, np.ndarray):
        h.update(f"{value.dtype}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, type):  # a Strategy: its name, its own attributes and methods' code
        h.update(value.__qualname__.encode())
        for k, v in sorted(vars(value).items()):
            if not k.startswith("__"):
                h.update(k.encode())
                _feed(h, v)
    elif isinstance(value, (staticmethod, classmethod)):
        _feed(h, value.__func__)
    elif isinstance(value, property):
        _feed(h, (value.fget, value.fset))
    elif isinstance(value, types.CodeType):
        h.update(value.co_code)
        _feed(h, list(value.co_consts))
    elif callable(value):  # a function: its name and code, not its module's name (__main__ or not)
        h.update(str(getattr(value, "__qualname__", type(value).__qualname__)).encode())
        _feed(h, getattr(value, "__code__", None))
    else:  # a value; an object's address is not part of it
        h.update(re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value)).encode())


# ---- the store ----------------------------------------------------------------------------

class Store:
    """A sweep's directory: ``manifest.json`` and a Parquet file per finished chunk."""

    def __init__(self, path: Path, manifest: dict[str, Any], stat_cols: list[str]) -> None:
        self.path, self.manifest, self.stat_cols = path, manifest, stat_cols
        self.pa = require("pyarrow", extra="parquet", feature="a sweep streamed to Parquet (out=)")
        self.pq = require("pyarrow.parquet", extra="parquet", feature="a sweep streamed to Parquet (out=)")

    @staticmethod
    def read_manifest(path: Path) -> dict[str, Any] | None:
        f = path / "manifest.json"
        if not f.exists():
            return None
        try:
            m = json.loads(f.read_text())
            if not isinstance(m, dict) or m.get("format") not in READABLE or "fingerprint" not in m:
                raise ValueError(f"format {m.get('format') if isinstance(m, dict) else m!r}; this ThreadX reads "
                                 f"formats {list(READABLE)}")
            return m
        except (OSError, ValueError) as exc:
            raise DataError(f"out={str(path)!r}: manifest.json is not a ThreadX sweep manifest ({exc})") from exc

    def write_manifest(self, table: TableSpec) -> None:
        """The manifest, at the current format with ``table``'s description: a new folder is
        marked this sweep's first, then its grid is written, then the manifest naming it."""
        self.path.mkdir(parents=True, exist_ok=True)
        self.manifest.update({"format": FORMAT, "kind": KIND})
        if not (self.path / "manifest.json").exists():
            self._write_manifest({"table": None, "table_missing": "being written"})
        self.manifest.pop("table_missing", None)
        self._write_manifest(_table_entry(self.path, table))

    def _write_manifest(self, entries: dict[str, Any]) -> None:
        self.manifest.update(entries)
        _atomic(self.path / "manifest.json", lambda tmp: tmp.write_text(json.dumps(self.manifest, indent=1)))

    def file(self, i: int) -> Path:
        return self.path / f"chunk-{i:06d}.parquet"

    def write(self, i: int, part: Part) -> None:
        pa = self.pa
        k, n_sym = part.stop - part.start, part.stats.shape[0]
        cols: dict[str, Any] = {
            "row": pa.array(np.tile(np.arange(part.start, part.stop, dtype=np.int64), n_sym)),
            "symbol": pa.array(np.repeat(np.arange(n_sym, dtype=np.int32), k)),
        }
        flat = part.stats.reshape(n_sym * k, -1)
        for j, name in enumerate(self.stat_cols):
            cols[name] = pa.array(flat[:, j])
        if part.sums is not None:
            s = part.sums.shape[1]
            for j, name in enumerate(("count", "sum", "sumsq")):  # a fixed-size list of S values per row
                cols[f"partition_{name}"] = pa.FixedSizeListArray.from_arrays(
                    pa.array(np.ascontiguousarray(part.sums[j].T).ravel()), s)
        table = pa.table(cols).replace_schema_metadata({"threadx.n_rows": str(part.n_rows)})
        _atomic(self.file(i), lambda tmp: self.pq.write_table(table, tmp))

    def read(self, i: int, start: int, stop: int, n_sym: int, partitions: int) -> Part:
        """Chunk ``i`` as written, or DataError naming the file when it is not that chunk."""
        f = self.file(i)
        try:
            t = self.pq.read_table(f)
            k = stop - start
            rows = t.column("row").to_numpy()
            if len(rows) != k * n_sym or not np.array_equal(rows, np.tile(np.arange(start, stop), n_sym)):
                raise ValueError(f"its rows are not combinations {start}..{stop - 1} of {n_sym} symbol(s)")
            stats = np.column_stack([t.column(c).to_numpy() for c in self.stat_cols]).astype(np.float64)
            sums = None
            if partitions:
                sums = np.stack([t.column(f"partition_{c}").combine_chunks().flatten().to_numpy()
                                 .reshape(k, partitions).T for c in ("count", "sum", "sumsq")])
            n_rows = int((t.schema.metadata or {}).get(b"threadx.n_rows", b"0"))
        except Exception as exc:  # noqa: BLE001 - any unreadable or foreign file is reported as the store's
            raise DataError(f"out={str(self.path)!r}: {f.name} is not chunk {i} of this sweep ({exc}); delete it "
                            "to compute it again") from exc
        return Part(start, stop, stats.reshape(n_sym, k, len(self.stat_cols)), sums, n_rows)


def _table_entry(path: Path, table: TableSpec) -> dict[str, Any]:
    """The manifest's ``table`` (its grid in ``grid.parquet`` beside it), or ``table: None`` and
    why, for a grid Parquet cannot hold (the sweep runs; only ``load`` of the folder is refused)."""
    from threadx.backtest._store import Unstorable, Writer

    staging = path / f".table-{uuid.uuid4().hex}.tmp"
    staging.mkdir()
    try:
        w = Writer(staging)
        entry = w.value({"grid": table.combos, "symbols": table.symbols, "metric": table.key, "top_k": table.top_k,
                         "partition_rows": table.partition_rows}, "")
        w.finish()
        for name in w.files:
            os.replace(staging / name, path / name)
        return {"table": entry}
    except Unstorable as exc:
        return {"table": None, "table_missing": f"{exc.where}: {exc.why}"}
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _atomic(target: Path, write: Callable[[Path], Any]) -> None:
    """``write`` a temporary file beside ``target``, then rename it over ``target``."""
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _open_store(source: Source, chunking: Chunking, stat_cols: list[str], workers: int, table: TableSpec) -> Store:
    """The store of ``chunking.out``: this sweep's (on resume: its manifest rewritten with this
    call's table, so a finished folder loads as the table this call returns), or a new one; a
    directory holding another sweep, or this one without ``resume=True``, is refused."""
    assert chunking.out is not None
    old = Store.read_manifest(chunking.out)
    fp = source.fingerprint()
    if old is not None:
        if not chunking.resume:
            raise _refused("out", str(chunking.out), "holds a sweep already: resume=True finishes it, or give "
                           "another directory")
        if old.get("fingerprint") != fp or old.get("n_combos") != source.n_combos:
            raise _refused("resume", True, f"out={str(chunking.out)!r} holds another sweep (other data, grid, "
                           "strategy or options): give another directory")
        if chunking.chunk_size and chunking.chunk_size != old.get("chunk_size"):
            raise _refused("chunk_size", chunking.chunk_size, f"differs from the stored sweep's "
                           f"({old.get('chunk_size')}): leave it out to resume")
        for stale in chunking.out.glob(".*.tmp"):  # a write the killed run left half done
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
        store = Store(chunking.out, old, stat_cols)
        store.write_manifest(table)
        return store
    if chunking.out.exists() and any(chunking.out.iterdir()):
        raise _refused("out", str(chunking.out), "is a directory with other files and no sweep manifest: give an empty "
                       "or new directory")
    size = chunking.chunk_size or source.default_chunk_size(workers)
    manifest = {"format": FORMAT, "threadx": __version__, "fingerprint": fp, "n_combos": source.n_combos,
                "n_symbols": source.n_symbols, "chunk_size": size, "partitions": source.partitions,
                "stats": stat_cols}
    store = Store(chunking.out, manifest, stat_cols)
    store.write_manifest(table)
    return store


def _refused(field: str, value: Any, message: str) -> ValidationError:
    """One refused field, as FieldErrors reports it."""
    errors = FieldErrors()
    errors.add(field, value, message)
    return ValidationError(errors.items)


# ---- running the chunks ---------------------------------------------------------------------

def run_chunks(source: Source, chunking: Chunking, stat_cols: list[str], token: _core.CancelToken,
               progress: Callable[[int, int], None] | None, local: Callable[[list[tuple[int, int, int]],
                                                                             Callable[[int, Part], None]], None],
               workers: int, table: TableSpec) -> list[Part]:
    """Every chunk's Part, in grid order: read from the store, run on the cluster, or run here
    by ``local(todo, on_part)`` (``todo``: ``(chunk, start, stop)``); ``table``: what the store's
    manifest describes, for ``load``."""
    store = _open_store(source, chunking, stat_cols, workers, table) if chunking.out is not None else None
    size = int(store.manifest["chunk_size"]) if store is not None else \
        chunking.chunk_size or source.default_chunk_size(workers)
    spans = ranges(source.n_combos, size, source.partitions)
    parts: dict[int, Part] = {}
    if store is not None:
        for i, (a, b) in enumerate(spans):
            if store.file(i).exists():
                parts[i] = store.read(i, a, b, source.n_symbols, source.partitions)
    done = sum(p.stop - p.start for p in parts.values())
    if progress is not None and done:
        progress(done, source.n_combos)

    def on_part(i: int, part: Part) -> None:
        nonlocal done
        if i in parts:  # a chunk is taken once, whoever ran it
            return
        if store is not None:
            store.write(i, part)
        parts[i] = part
        done += part.stop - part.start
        if progress is not None:
            progress(done, source.n_combos)

    todo = [(i, a, b) for i, (a, b) in enumerate(spans) if i not in parts]
    token.check()
    if todo:
        if chunking.client is not None:
            _run_dask(chunking.client, source, todo, token, on_part)
        else:
            local(todo, on_part)
    missing = [i for i in range(len(spans)) if i not in parts]
    if missing:  # every path above runs every chunk or raises: this is a bug, never a short table
        raise BacktestError(f"chunks {missing[:5]} of the sweep have no result")
    return [parts[i] for i in range(len(spans))]


def _run_dask(client: Any, source: Source, todo: list[tuple[int, int, int]], token: _core.CancelToken,
              on_part: Callable[[int, Part], None]) -> None:
    """The chunks as tasks on the cluster, the source scattered once."""
    distributed = _distributed()

    name = f"threadx-sweep-{uuid.uuid4().hex}"
    stop_event = distributed.Event(name, client=client)
    shared = client.scatter(source, broadcast=True, hash=False)
    futures = {client.submit(_dask_chunk, shared, a, b, name, key=f"{name}-{i}", pure=False): i for i, a, b in todo}
    pending = set(futures)
    finished_ok = False
    try:
        while pending:
            done, pending = _wait(distributed, pending)
            token.check()  # CancelledError, or TaskTimeoutError past the deadline
            for fut in done:
                on_part(futures[fut], _dask_result(fut, futures[fut]))
        finished_ok = True
    finally:
        if not finished_ok:
            stop_event.set()  # the running tasks cancel their tokens; the pending ones are cancelled
            client.cancel(list(futures), force=True)
        else:
            stop_event.clear()  # no task polls it any more: the scheduler drops it
        client.cancel([shared], force=True)


def _distributed() -> Any:
    return require("distributed", extra="dask", feature="a sweep on a Dask cluster (client=)")


def _wait(distributed: Any, pending: set[Any]) -> tuple[set[Any], set[Any]]:
    try:
        done, rest = distributed.wait(list(pending), timeout=_POLL, return_when="FIRST_COMPLETED")
    except TimeoutError:
        return set(), pending
    return set(done), set(rest)


def _dask_result(fut: Any, i: int) -> Part:
    """A finished task's Part (the chunk's own error, such as a user's strategy failing, re-raised)."""
    from distributed.scheduler import KilledWorker

    try:
        part: Part = fut.result()
    except KilledWorker as exc:
        raise BacktestError(f"chunk {i} of the sweep killed the Dask workers that ran it ({exc}); the sweep is "
                            "stopped") from exc
    return part


def _dask_chunk(source: Source, start: int, stop: int, event_name: str) -> Part:
    """A chunk on a Dask worker: ThreadX's threads capped at the worker's, cancelled by the
    sweep's Event (a watcher thread cancels this chunk's token)."""
    distributed = _distributed()

    worker = distributed.get_worker()
    _core.set_num_threads(max(1, int(worker.state.nthreads)))
    token = _core.CancelToken()
    event = distributed.Event(event_name, client=distributed.get_client())  # usable from the watcher thread
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(_WATCH):
            try:
                if event.is_set():
                    token.cancel()
                    return
            except Exception:  # noqa: BLE001 - the scheduler is gone: the task is being dropped anyway
                return

    watcher = threading.Thread(target=watch, name="threadx-chunk-watch", daemon=True)
    watcher.start()
    try:
        return source.run(start, stop, token)
    finally:
        finished.set()
        watcher.join()


# ---- the table ----------------------------------------------------------------------------

def stats_of(parts: Iterable[Part], n_symbols: int, n_combos: int, n_stats: int) -> np.ndarray:
    """Every symbol's stats of every combination, ``(n_symbols, n_combos, n_stats)``."""
    out = np.empty((n_symbols, n_combos, n_stats), dtype=np.float64)
    for p in parts:
        out[:, p.start:p.stop] = p.stats
    return out


def sums_of(parts: list[Part]) -> tuple[np.ndarray, int]:
    """The per-partition sums of every combination, ``(3, S, n_combos)``, and their rows."""
    return np.concatenate([p.sums for p in parts if p.sums is not None], axis=2), parts[0].n_rows


# ---- loading a finished out= folder -------------------------------------------------------

def load_sweep(folder: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    """The table a finished sweep's ``out=`` folder holds (``threadx.backtest.load``): the
    same table ``sweep`` returned; an unfinished folder is a DataError naming its missing chunks."""
    from threadx.backtest._store import Reader
    from threadx.backtest._sweep import chunked_table

    f = folder / "manifest.json"
    fmt = manifest.get("format")
    if fmt == 1:
        raise DataError(f"{f}: a format 1 sweep folder keeps no description of its table: run the same sweep "
                        "with out= this folder and resume=True (it computes only missing chunks and upgrades the "
                        "folder), then load it")
    if fmt != FORMAT or manifest.get("kind") != KIND:
        raise DataError(f"{f}: format {fmt!r} kind {manifest.get('kind')!r}; this ThreadX reads sweep folders of "
                        f"format {FORMAT}")
    if manifest.get("table") is None:
        raise DataError(f"{f}: the sweep's table could not be stored ({manifest.get('table_missing')}): rerun it")
    try:
        t = Reader(folder).value(manifest["table"])
        spec = TableSpec(t["grid"], list(t["symbols"]), str(t["metric"]), t["top_k"], t["partition_rows"])
        n, size, n_sym = int(manifest["n_combos"]), int(manifest["chunk_size"]), int(manifest["n_symbols"])
        partitions, stats = int(manifest["partitions"]), [str(c) for c in manifest["stats"]]
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - a manifest that decodes to something else than it should
        raise DataError(f"{f}: does not describe a sweep ({type(exc).__name__}: {exc})") from exc
    store = Store(folder, manifest, stats)
    spans = ranges(n, size, partitions)
    missing = [store.file(i).name for i in range(len(spans)) if not store.file(i).is_file()]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise DataError(f"{folder}: the sweep is unfinished, {len(missing)} of {len(spans)} chunks missing "
                        f"({', '.join(missing[:5])}{more}): finish it with the same sweep(..., out=this folder, "
                        "resume=True)")
    parts = [store.read(i, a, b, n_sym, partitions) for i, (a, b) in enumerate(spans)]
    return chunked_table(parts, spec, stats)
