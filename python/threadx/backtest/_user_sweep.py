"""``threadx.backtest.sweep`` of user code: a ``Strategy`` subclass, or a function returning signals.

Each combination of the grid is one ``threadx.backtest.run`` (so a row equals the
``stats`` of that run), run in worker processes because the user's Python holds the GIL:

- a ``concurrent.futures.ProcessPoolExecutor`` of ``workers`` processes (default: the
  CPUs this process may use), each given the data, the strategy (or function) and the
  options once, by its initializer; on Linux the pool uses the ``fork`` start method, so
  these are inherited, not pickled: a strategy defined in ``__main__``, a notebook, a test
  module or even inside a function works. Elsewhere (``spawn``) they must be picklable
  (defined at the top level of an importable module).
- tasks are chunks of combinations; at most two chunks per worker are in flight and each
  result is folded into the table as it arrives, so the parent holds the table (``top_k``
  rows when given, with their equity or trades for ``keep=``) and not every run.
- ``cancel`` (a ``threadx.CancelToken``, its deadline included) is polled every 50 ms:
  pending chunks are dropped, the workers terminated and joined, and ``CancelledError``
  (``TaskTimeoutError`` past a deadline) raised. An exception in a worker (the user's code
  or a run that refuses the signals) stops the sweep the same way and raises
  ``BacktestError`` naming the combination, with the original as its ``__cause__``.
"""

from __future__ import annotations

import inspect
import itertools
import multiprocessing
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import (
    FieldErrors,
    as_int,
    check_symbol_keys,
    checked_cancel,
    unknown_keywords,
)
from threadx.backtest import _engine
from threadx.backtest._from_orders import check_strategy_run
from threadx.backtest._strategy import Strategy, parameters_of
from threadx.backtest._chunked import Chunking, Part, Source, TableSpec, check_chunking, digest, run_chunks
from threadx.backtest._sweep import (
    STAT_COLUMNS,
    axis_values,
    chunked_table,
    constrained,
    partition_sums_of,
    symbol_frames,
    table_options,
)
from threadx.errors import BacktestError, ValidationError

__all__ = ["user_sweep"]

# run()'s keywords that are not options of a swept run: the signals come from the
# function, the strategy and its params from the sweep
_RUN_KEYWORDS = tuple(inspect.signature(_engine.run).parameters)[1:]
# (cash_sharing too: a swept run gives a row per symbol, each on its own account)
_NOT_OPTIONS = frozenset((*_engine.SIGNALS, *_engine.LEVELS, "strategy", "params", "cancel", "cash_sharing"))
STRATEGY_OPTIONS = tuple(k for k in _RUN_KEYWORDS if k not in _NOT_OPTIONS)
SIGNAL_OPTIONS = tuple(k for k in STRATEGY_OPTIONS if k != "costs")
SIGNAL_KEYS = (*_engine.SIGNALS, *_engine.LEVELS, *_engine.PER_BAR)  # what a signal function's dict may hold
_POLL = 0.05  # seconds between looks at the cancel token


@dataclass(frozen=True)
class _Job:
    """What every worker holds (set once by the initializer)."""

    target: Any  # a Strategy subclass or a signal function
    data: dict[Any, pd.DataFrame] | pd.DataFrame
    options: dict[str, Any]
    keep: str
    partitions: int = 0  # S > 0: each row also keeps its returns' per-partition sums


_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _JOB
    _JOB = job
    _core.set_num_threads(1)  # the processes are the parallelism


def _signals_of(out: Any) -> dict[str, Any]:
    """A signal function's answer as run()'s keywords."""
    if isinstance(out, Mapping):
        bad = [k for k in out if k not in SIGNAL_KEYS]
        if bad:
            raise BacktestError(f"the signal function returned the key {bad[0]!r}; keys are among {list(SIGNAL_KEYS)}")
        return dict(out)
    if isinstance(out, tuple) and len(out) in (2, 4):
        return dict(zip(_engine.SIGNALS, out, strict=False))
    raise BacktestError(f"the signal function returned {type(out).__name__}: it must return a dict with "
                        "entries/exits/short_entries/short_exits, or a tuple (entries, exits)")


def _one_run(job: _Job, params: dict[str, Any]) -> list[tuple[Any, pd.Series, pd.Series, pd.DataFrame]]:
    """``(symbol, stats, equity, trades)`` of one combination, a tuple per symbol."""
    if isinstance(job.target, type):  # a Strategy: run() takes every symbol at once
        res = _engine.run(job.data, strategy=job.target, params=params, **job.options)
        if isinstance(res.stats, pd.Series):
            syms: list[Any] = [None]
            stats, equity = [res.stats], [res.equity]
        else:
            syms = list(symbol_frames(job.data))
            stats = [res.stats.iloc[k] for k in range(len(syms))]
            equity = [res.equity.iloc[:, k] for k in range(len(syms))]
        trades = res.trades
        by_sym = [trades if s is None else trades[trades["symbol"] == str(s)] for s in syms]
        return list(zip(syms, stats, equity, by_sym, strict=True))
    out = []
    for sym, frame in symbol_frames(job.data).items():
        res = _engine.run(frame, **_signals_of(job.target(frame, **params)), **job.options)
        if not isinstance(res.stats, pd.Series):
            raise BacktestError("the signal function returned 2-D signals: a swept run is one simulation")
        out.append((sym, res.stats, res.equity, res.trades))
    return out


@dataclass
class _Row:
    """One row of the table: the combination's row in the grid, its symbol, its stats
    (``STAT_COLUMNS``) and, as ``keep`` asks, its equity or trades."""

    row: int
    symbol: Any
    stats: np.ndarray
    equity: np.ndarray | None = None
    trades: pd.DataFrame | None = None
    sums: np.ndarray | None = None  # (3, S) with partitions


@dataclass
class _Failure:
    """A combination that raised in a worker: its row, the exception and the traceback."""

    row: int
    error: BaseException
    trace: str


def _run_chunk(chunk: list[tuple[int, dict[str, Any]]]) -> list[_Row] | _Failure:
    """The rows of a chunk of combinations (in a pool worker); the first failure ends it."""
    assert _JOB is not None, "the worker was not initialised"
    return rows_of(_JOB, chunk, None)


def rows_of(job: _Job, chunk: list[tuple[int, dict[str, Any]]], token: _core.CancelToken | None) -> list[_Row] | _Failure:
    """The rows of a chunk of combinations; the first failure ends it (``token``: checked
    between combinations)."""
    rows: list[_Row] = []
    for row, params in chunk:
        if token is not None:
            token.check()
        try:
            for sym, stats, equity, trades in _one_run(job, params):
                rows.append(_Row(row, sym, stats[list(STAT_COLUMNS)].to_numpy(dtype=np.float64),
                                 equity.to_numpy() if job.keep == "equity" else None,
                                 trades.reset_index(drop=True) if job.keep == "trades" else None,
                                 _sums(equity.to_numpy(dtype=np.float64), job.partitions) if job.partitions else None))
        except Exception as exc:  # noqa: BLE001 - sent to the parent, raised there naming the combination
            return _Failure(row, _picklable(exc), traceback.format_exc())
    return rows


def _sums(equity: np.ndarray, partitions: int) -> np.ndarray:
    """``(3, S)`` count, sum and sum of squares of the per-bar returns in each partition, by the
    built-in sweep's rules (return ``e[t] / e[t-1] - 1``, NaN where ``e[t-1] <= 0``, NaN skipped;
    partition ``p`` is rows ``[floor(p·T/S), floor((p+1)·T/S))`` of the ``T = n - 1`` returns)."""
    prev, cur = equity[:-1], equity[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(prev > 0, cur / prev - 1.0, np.nan)
    ok = ~np.isnan(r)
    starts = (np.arange(partitions) * len(r)) // partitions
    return np.stack([np.add.reduceat(ok.astype(np.float64), starts), np.add.reduceat(np.where(ok, r, 0.0), starts),
                     np.add.reduceat(np.where(ok, r * r, 0.0), starts)])


def _picklable(exc: BaseException) -> BaseException:
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any exception that does not survive the trip
        return RuntimeError(f"{type(exc).__name__}: {exc}")


@dataclass
class _Table:
    """The rows kept so far: all of them, or the ``top_k`` best by the metric (NaN last,
    ties in the order of the grid, symbol by symbol as the built-in sweep orders them)."""

    key: int  # the metric's column in the stats
    top_k: int | None
    symbols: list[Any]
    rows: dict[tuple[bool, float, int, int], _Row] = field(default_factory=dict)  # sort key -> row

    def add(self, r: _Row) -> None:
        m = float(r.stats[self.key])
        nan = bool(np.isnan(m))
        self.rows[(nan, 0.0 if nan else -m, self.symbols.index(r.symbol), r.row)] = r
        if self.top_k is not None and len(self.rows) > self.top_k:
            del self.rows[max(self.rows)]

    def ordered(self) -> list[_Row]:
        return [self.rows[k] for k in sorted(self.rows)]


def _parameters(target: Any) -> tuple[list[str] | None, list[str], str]:
    """(the names a grid may set, None for any; the names it must set; the target's name)."""
    if isinstance(target, type):
        return parameters_of(target), [], target.__name__
    name = getattr(target, "__name__", type(target).__name__)
    try:
        sig = list(inspect.signature(target).parameters.values())[1:]  # the first one takes the data
    except (TypeError, ValueError):  # no signature to read: any name
        return None, [], name
    if any(p.kind is p.VAR_KEYWORD for p in sig):
        return None, [], name
    names = [p.name for p in sig if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    required = [p.name for p in sig if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                and p.default is p.empty]
    return names, required, name


def _combos(target: Any, grid: dict[str, Any], errors: FieldErrors, sweep_keywords: tuple[str, ...],
            options: tuple[str, ...]) -> pd.DataFrame | None:
    """The grid's combinations (a column per parameter), every bad name or axis reported."""
    allowed, required, name = _parameters(target)
    if allowed is not None:
        bad = {k: v for k, v in grid.items() if k not in allowed}
        unknown_keywords(bad, [*allowed, *options, *sweep_keywords], errors,
                         f"threadx.backtest.sweep({name}) (its parameters: {', '.join(allowed) or 'none'})")
    for k in required:
        if k not in grid:
            errors.add(k, None, f"is a parameter of {name} without a default: give a value or a sequence")
    axes = {k: axis_values(k, v, errors) for k, v in grid.items()}
    if errors.items:
        return None
    if not axes:
        return pd.DataFrame(index=pd.RangeIndex(1))  # one run with the defaults
    return pd.DataFrame(list(itertools.product(*(a or [] for a in axes.values()))), columns=list(axes))


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no sched_getaffinity (macOS, Windows)
        return max(1, os.cpu_count() or 1)


def _context() -> Any:
    """``fork`` on Linux (the job is inherited, not pickled), the platform's default elsewhere.

    Python 3.12+ warns that forking a multi-threaded process (TBB's threads) may deadlock
    the child on a lock another thread held; the workers run only this module's code and
    the run's, which take no such lock, so the warning is silenced where they are forked."""
    return multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None


@dataclass
class UserPlan:
    job: _Job
    combos: pd.DataFrame
    names: list[str]
    symbols: list[Any]
    index: pd.Index
    key: str
    top_k: int | None
    workers: int
    chunking: Chunking = field(default_factory=Chunking)


def _check_target(target: Any, data: Any, options: dict[str, Any], errors: FieldErrors) -> pd.Index | None:
    """The data and run()'s options, by run()'s own checks (nothing runs): the bars' index."""
    if isinstance(target, type):
        opts = {**_engine.DEFAULTS, **options}
        _engine.plan_of(_engine.params_of(opts, None, errors), errors)  # run()'s rules of the shared options
        try:
            job = check_strategy_run(data, target, None, options.get("costs"), arrays={},
                                     options=opts, defaults=_engine.DEFAULTS, cancel=None)
        except ValidationError as exc:
            errors.extend(exc)
            return None
        return next(iter(job.symbols.values())).index
    frames = symbol_frames(data)
    index = None
    for sym, frame in frames.items():
        try:
            prep = _engine.prepare(frame, {}, {**_engine.DEFAULTS, **options})
        except ValidationError as exc:
            for e in exc.errors:
                errors.add(e["field"] if sym is None else f"data[{sym!r}].{e['field']}", e["value"], e["message"])
            continue
        index = prep.bars.index if index is None else index
    return index


def prepare_user(target: Any, data: Any, *, constraint: Callable[[pd.DataFrame], Any] | None, metric: str,
                 keep: str, top_k: int | None, short: bool, periods_per_year: float | None, workers: Any,
                 sweep_keywords: tuple[str, ...], kwargs: dict[str, Any], partitions: Any = None,
                 chunking: Mapping[str, Any] | None = None) -> UserPlan:
    """Validate a sweep of a Strategy or a signal function (every bad field at once)."""
    errors = FieldErrors()
    is_strategy = isinstance(target, type) and issubclass(target, Strategy)
    if isinstance(target, type) and not is_strategy or not callable(target):
        errors.add("strategy", target, "must be a built-in strategy name, a threadx.backtest.Strategy subclass or "
                   "a function (data, **params) -> signals")
        errors.raise_if_any()
    option_names = STRATEGY_OPTIONS if is_strategy else SIGNAL_OPTIONS
    options = {k: v for k, v in kwargs.items() if k in option_names}
    if periods_per_year is not None:
        options["periods_per_year"] = periods_per_year
        _engine.periods_per_year_of(periods_per_year, errors)
    grid = {k: v for k, v in kwargs.items() if k not in option_names}
    combos = _combos(target, grid, errors, sweep_keywords, option_names)
    if short:
        errors.add("short", short, "applies to built-in strategies; a Strategy or a signal function sells itself")
    key = table_options(metric, keep, top_k, errors)
    chunks = check_chunking(**(chunking or {}), keep=keep, errors=errors)
    n_parts = as_int(partitions, "partitions", errors, 0, minimum=2, none=0)
    n_workers = as_int(workers, "workers", errors, 1, minimum=1, none=0) or _default_workers()
    if isinstance(data, Mapping) and not data:
        errors.add("data", data, "must be one OHLC frame or a dict {symbol: frame} with at least one symbol")
        errors.raise_if_any()
    check_symbol_keys([k for k in symbol_frames(data) if k is not None], "data", errors)
    index = _check_target(target, data, options, errors)
    combos = constrained(constraint, combos, errors)
    errors.raise_if_any()
    assert combos is not None and index is not None
    symbols = list(symbol_frames(data))
    if n_parts and len(symbols) != 1:
        errors.add("partitions", partitions, "needs one symbol: the trials of a PBO share their bars")
    elif n_parts:
        _check_partitions(n_parts, len(index) - 1, errors)
    if n_parts and len(combos) < 2:
        errors.add("partitions", partitions, "needs 2 or more combinations (the trials of a PBO)")
    errors.raise_if_any()
    job = _Job(target, data, options, keep, n_parts)
    return UserPlan(job, combos, list(combos.columns), symbols, index, key, top_k,
                    min(n_workers, max(1, len(combos))), chunks)


def _check_partitions(n_parts: int, n_returns: int, errors: FieldErrors) -> None:
    """The core's rule for S partitions of ``n_returns`` rows (asked of the core, on two empty trials)."""
    try:
        _core.research.partition_sums(np.zeros((max(n_returns, 0), 2)), n_parts)
    except ValidationError as exc:
        for e in exc.errors:
            errors.add("partitions", n_parts, f"{e['field']}={e['value']}: {e['message']}")


def _chunks(combos: pd.DataFrame, workers: int) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """Chunks of ``(row, params)``: about 16 per worker (load balance), at most 64 combinations."""
    size = max(1, min(64, -(-len(combos) // (workers * 16))))
    for start in range(0, len(combos), size):
        yield _records(combos, start, start + size)


def _records(combos: pd.DataFrame, start: int, stop: int) -> list[tuple[int, dict[str, Any]]]:
    """``(row, params)`` of combinations ``[start, stop)``."""
    part = combos.iloc[start:stop]
    records = part.to_dict("records") if len(combos.columns) else [{} for _ in range(len(part))]
    return [(start + k, {str(n): v for n, v in p.items()}) for k, p in enumerate(records)]


def _stop(pool: ProcessPoolExecutor) -> None:
    """Drop the pending chunks, terminate the workers and wait for them (no orphans)."""
    processes = list((pool._processes or {}).values())
    for p in processes:
        p.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
    for p in processes:
        p.join()


def _collect(plan: UserPlan, token: _core.CancelToken, show: Callable[[int, int], None] | None,
             fold: Callable[[list[_Row]], None], chunks: Iterator[list[tuple[int, dict[str, Any]]]]) -> None:
    """Runs the chunks on the pool, folding each chunk's rows (``fold``) as it arrives."""
    total, done = len(plan.combos), 0
    pool = ProcessPoolExecutor(plan.workers, mp_context=_context(), initializer=_init_worker, initargs=(plan.job,))
    ok = False
    try:
        pending: set[Future[list[_Row] | _Failure]] = set()
        with warnings.catch_warnings():  # the first submit forks the workers (see _context)
            warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
            for chunk in itertools.islice(chunks, 2 * plan.workers):
                pending.add(pool.submit(_run_chunk, chunk))
        while pending:
            finished, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
            token.check()  # CancelledError, or TaskTimeoutError past the deadline
            for fut in finished:
                rows = _result(fut)
                if isinstance(rows, _Failure):
                    raise _failure(plan.job, plan.combos, rows) from rows.error
                fold(rows)
                done += len({r.row for r in rows})
                nxt = next(chunks, None)
                if nxt is not None:
                    pending.add(pool.submit(_run_chunk, nxt))
            if finished and show is not None:
                show(done, total)
        ok = True
    finally:
        if ok:
            pool.shutdown(wait=True)
        else:
            _stop(pool)


def _result(fut: Future[list[_Row] | _Failure]) -> list[_Row] | _Failure:
    try:
        return fut.result()
    except BrokenProcessPool as exc:
        raise BacktestError(f"a sweep worker process died ({exc}); the sweep is stopped") from exc


def _failure(job: _Job, combos: pd.DataFrame, f: _Failure) -> BacktestError:
    params = {str(k): v for k, v in combos.iloc[f.row].to_dict().items()}
    name = getattr(job.target, "__name__", "the signal function")
    return BacktestError(f"{name} failed for the combination {params}: {f.error!r}\n(in the worker:\n{f.trace})")


def execute_user(plan: UserPlan, *, progress: Callable[[int, int], None] | None,
                 cancel: _core.CancelToken | None) -> Any:
    """Run a validated user sweep: the table (and the kept equity or trades)."""
    token = checked_cancel(cancel) or _core.CancelToken()
    token.check()
    if plan.chunking.active:
        return _execute_chunked(plan, token, progress)
    table = _Table(list(STAT_COLUMNS).index(plan.key), plan.top_k, plan.symbols)
    sums: dict[int, np.ndarray] = {}

    def fold(rows: list[_Row]) -> None:
        for r in rows:
            table.add(r)
            if r.sums is not None:
                sums[r.row] = r.sums
    _collect(plan, token, progress, fold, _chunks(plan.combos, plan.workers))
    rows = table.ordered()
    names, multi = plan.names, plan.symbols != [None]
    params = plan.combos.iloc[[r.row for r in rows]].reset_index(drop=True)
    stats = pd.DataFrame(np.array([r.stats for r in rows]).reshape(len(rows), len(STAT_COLUMNS)),
                         columns=list(STAT_COLUMNS))
    stats["# Trades"] = stats["# Trades"].astype(np.int64)
    frame = pd.concat([params, stats], axis=1)
    if multi:
        frame.insert(len(names), "symbol", [r.symbol for r in rows])
    index_cols = [*names, "symbol"] if multi else names
    result = frame.set_index(index_cols) if index_cols else frame
    if plan.job.partitions:
        result.attrs["partition_sums"] = _partition_sums(plan, np.stack([sums[k] for k in range(len(plan.combos))],
                                                                        axis=2))
    labels = [tuple(p) + ((r.symbol,) if multi else ()) for p, r in zip(params.itertuples(index=False), rows,
                                                                          strict=True)]
    if plan.job.keep == "equity":
        cols = pd.MultiIndex.from_tuples(labels, names=index_cols) if index_cols else None
        equity = pd.DataFrame(np.column_stack([r.equity for r in rows if r.equity is not None]), index=plan.index, columns=cols)
        return result, equity
    if plan.job.keep == "trades":
        parts = []
        for label, r in zip(labels, rows, strict=True):
            t = r.trades if r.trades is not None else pd.DataFrame()
            t = t.drop(columns=[c for c in index_cols if c in t.columns])
            parts.append(pd.concat([pd.DataFrame([label] * len(t), columns=index_cols), t], axis=1))
        return result, pd.concat(parts, ignore_index=True)
    return result


def _partition_sums(plan: UserPlan, sums: np.ndarray) -> Any:
    """``(3, S, n_combos)`` sums as a ``threadx.research.PartitionSums`` (trials in grid order)."""
    return partition_sums_of(sums[0], sums[1], sums[2], len(plan.index) - 1, plan.combos[plan.names])


@dataclass
class UserSource(Source):
    """A user sweep's chunks (for ``threadx.backtest._chunked``): the runs of combinations
    ``[start, stop)``, every symbol; a failing combination raises ``BacktestError`` naming it."""

    job: _Job
    combos: pd.DataFrame
    symbols: list[Any]
    key: str

    @property
    def partitions(self) -> int:  # type: ignore[override]
        return self.job.partitions

    @property
    def n_combos(self) -> int:
        return len(self.combos)

    @property
    def n_symbols(self) -> int:
        return len(self.symbols)

    def run(self, start: int, stop: int, token: _core.CancelToken) -> Part:
        rows = rows_of(self.job, _records(self.combos, start, stop), token)
        if isinstance(rows, _Failure):
            raise _failure(self.job, self.combos, rows) from rows.error
        return self.part(rows, start, stop)

    def part(self, rows: list[_Row], start: int, stop: int) -> Part:
        """The rows of combinations ``[start, stop)`` as a Part."""
        stats = np.empty((len(self.symbols), stop - start, len(STAT_COLUMNS)))
        sums = np.empty((3, self.partitions, stop - start)) if self.partitions else None
        for r in rows:
            stats[self.symbols.index(r.symbol), r.row - start] = r.stats
            if sums is not None and r.sums is not None:
                sums[:, :, r.row - start] = r.sums
        return Part(start, stop, stats, sums, 0)

    def default_chunk_size(self, workers: int) -> int:
        return max(1, min(64, -(-self.n_combos // (max(1, workers) * 16))))

    def fingerprint(self) -> str:
        return self.key


def _execute_chunked(plan: UserPlan, token: _core.CancelToken, progress: Callable[[int, int], None] | None) -> Any:
    """A user sweep in chunks (``client=``/``out=``): the stats table, as :func:`execute_user`'s."""
    job = plan.job
    key = digest("user", job.target, job.data, job.options, plan.combos, job.partitions, list(STAT_COLUMNS))
    source = UserSource(job, plan.combos, plan.symbols, key)

    def local(todo: list[tuple[int, int, int]], on_part: Callable[[int, Part], None]) -> None:
        spans = {a: (i, b) for i, a, b in todo}

        def fold(rows: list[_Row]) -> None:
            a = min(r.row for r in rows)
            i, b = spans[a]
            on_part(i, source.part(rows, a, b))
        _collect(plan, token, None, fold, (_records(plan.combos, a, b) for _, a, b in todo))

    table = TableSpec(plan.combos, plan.symbols, plan.key, plan.top_k, len(plan.index) - 1)
    parts = run_chunks(source, plan.chunking, list(STAT_COLUMNS), token, progress, local, plan.workers, table)
    return chunked_table(parts, table, list(STAT_COLUMNS))


def user_sweep(target: Any, data: Any, *, constraint: Callable[[pd.DataFrame], Any] | None, metric: str,
               keep: str, top_k: int | None, short: bool, periods_per_year: float | None,
               progress: Callable[[int, int], None] | None, cancel: _core.CancelToken | None, workers: Any,
               sweep_keywords: tuple[str, ...], kwargs: dict[str, Any], partitions: Any = None,
               chunking: Mapping[str, Any] | None = None) -> Any:
    """``sweep(MyStrategy | signal_fn, data, **grid_and_options)``: see ``threadx.backtest.sweep``."""
    plan = prepare_user(target, data, constraint=constraint, metric=metric, keep=keep, top_k=top_k, short=short,
                        periods_per_year=periods_per_year, workers=workers, sweep_keywords=sweep_keywords,
                        kwargs=kwargs, partitions=partitions, chunking=chunking)
    return execute_user(plan, progress=progress, cancel=cancel)
