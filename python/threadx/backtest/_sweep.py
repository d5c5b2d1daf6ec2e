"""``threadx.backtest.sweep``: a built-in strategy over a parameter grid, in C++, in bounded memory."""

from __future__ import annotations

import functools
import inspect
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_int, check_symbol_keys, checked_cancel, unknown_keywords
from threadx.backtest import _engine
from threadx.backtest._chunked import (Chunking, Part, Source, TableSpec, check_chunking, digest, run_chunks, stats_of,
                                       sums_of)
from threadx.backtest._stats import years_spanned
from threadx.errors import ValidationError

__all__ = ["STRATEGIES", "SweepPlan", "execute", "prepare", "sweep"]

STRATEGIES: dict[str, list[str]] = {str(k): list(v) for k, v in _core.backtest.strategies().items()}
STAT_COLUMNS: tuple[str, ...] = tuple(_core.backtest.sweep_stats())  # the core's row layout
METRICS = {
    "sharpe": "Sharpe Ratio", "sortino": "Sortino Ratio", "calmar": "Calmar Ratio", "return": "Return [%]",
    "annual_return": "Return (Ann.) [%]", "max_drawdown": "Max. Drawdown [%]", "win_rate": "Win Rate [%]",
    "profit_factor": "Profit Factor", "expectancy": "Expectancy [%]", "sqn": "SQN",
    "final_equity": "Equity Final [$]", "cagr": "CAGR [%]",
}
# options of threadx.backtest.run a sweep passes on (signals and levels come from the strategy): the
# core's table marks them
BACKTEST_OPTIONS: tuple[str, ...] = tuple(o["name"] for o in _engine.OPTION_TABLE if o["sweep"])


def infer_periods_per_year(index: pd.Index) -> float | None:
    """Bars per year from a DatetimeIndex: backtesting.py's rule for daily and coarser bars
    (252 or 365 by weekend trading, 52, 12, 1), days per year times bars per day below."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        return None
    tail = index[-100:].as_unit("ns").asi8
    period = pd.Timedelta(int(np.median(np.diff(tail))), unit="ns")
    days = period.days
    if days == 7:
        return 52.0
    if days == 31:
        return 12.0
    if days == 365:
        return 1.0
    wall = index.tz_localize(None) if index.tz is not None else index
    weekend = float((wall.day_of_week >= 5).mean()) > 2 / 7 * 0.6
    per_day = 365.0 if weekend else 252.0
    if period >= pd.Timedelta(days=1) or period <= pd.Timedelta(0):
        return per_day
    bars_per_day = float(np.median(np.unique(wall.normalize(), return_counts=True)[1]))
    return per_day * bars_per_day


def axis_values(name: str, value: Any, errors: FieldErrors) -> list[Any] | None:
    """One axis of a grid: a sequence (list, tuple, range, array, Index) is its values, any
    other value is one value; an empty sequence is refused (None)."""
    values = list(value) if isinstance(value, (list, tuple, range, np.ndarray, pd.Index)) else [value]
    if not values:
        errors.add(name, value, "is an empty sequence")
        return None
    return values


def _grid(strategy: str, grid: Mapping[str, Any], errors: FieldErrors) -> pd.DataFrame | None:
    names = STRATEGIES[strategy]
    axes = []
    for name in names:
        if name not in grid:
            errors.add(name, None, f"is a parameter of {strategy!r}: give a value or a sequence")
            continue
        v = grid[name]
        values = axis_values(name, v, errors)
        if values is None:
            continue
        try:
            axes.append(np.asarray(values, dtype=np.float64))
        except (TypeError, ValueError):
            errors.add(name, v, "must be numbers")
    if len(axes) != len(names):
        return None
    mesh = np.meshgrid(*axes, indexing="ij")
    frame = pd.DataFrame({n: m.ravel() for n, m in zip(names, mesh, strict=True)})
    for name, axis in zip(names, axes, strict=True):  # whole-number axes stay integers
        if np.all(axis == np.round(axis)) and name not in ("lower", "upper", "nbdev", "lower_q", "upper_q"):
            frame[name] = frame[name].astype(np.int64)
    return frame


def _progress_of(progress: Any) -> Callable[[int, int], None] | None:
    """``progress=`` as a callable ``(done, total)``: True is a text bar on stderr."""
    if not (progress is None or isinstance(progress, bool) or callable(progress)):
        errors = FieldErrors()
        errors.add("progress", progress, "must be True, False, None or a callable (done, total)")
        errors.raise_if_any()
    return _progress_printer() if progress is True else progress or None


def symbol_frames(data: Any) -> dict[Any, Any]:
    """``{symbol: frame}`` of a dict of frames, or ``{None: data}`` for one frame."""
    return dict(data) if isinstance(data, Mapping) and not isinstance(data, pd.DataFrame) \
        and all(isinstance(v, pd.DataFrame) for v in data.values()) else {None: data}


def _progress_printer() -> Callable[[int, int], None]:
    """A tqdm bar when tqdm is installed (a widget in Jupyter through ``tqdm.auto``), else a text bar."""
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return _text_bar()
    bars: list[Any] = []

    def update(done: int, total_: int) -> None:
        if not bars:
            bars.append(tqdm(total=total_, desc="sweep", unit="combo", file=sys.stderr, dynamic_ncols=True))
        bars[0].update(done - bars[0].n)
        if done >= total_:
            bars[0].close()
    return update


def _text_bar() -> Callable[[int, int], None]:
    def show(done: int, total_: int) -> None:
        width = 30
        filled = int(width * done / max(total_, 1))
        sys.stderr.write(f"\rsweep [{'#' * filled}{'.' * (width - filled)}] {done}/{total_}")
        if done >= total_:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


def _call(fn: Callable[[], Any], counter: Any, total: int, progress: Callable[[int, int], None] | None,
          token: Any) -> Any:
    """Run ``fn`` (a GIL-free core call) on a thread, reporting progress from this one."""
    if progress is None:
        return fn()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the calling thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="threadx-sweep", daemon=True)
    worker.start()
    try:
        while True:  # a report every 0.1 s, and one after the end (however fast the call)
            worker.join(0.1)
            progress(int(counter.done), total)
            if not worker.is_alive():
                break
    except BaseException:
        token.cancel()  # Ctrl+C: stop the core, then let the thread end
        worker.join()
        raise
    if "error" in box:
        raise box["error"]
    return box["value"]


@dataclass
class SweepPlan:
    """A validated sweep, ready for the core."""

    strategy: str
    names: list[str]
    combos: pd.DataFrame
    bars: dict[Any, _engine.Bars]
    params: dict[str, Any]
    core: _core.backtest.SweepPlan  # params and combos, validated once by the core
    ppy: dict[Any, float]
    key: str
    keep: str
    top_k: int | None
    short: bool
    stat_cols: list[str]
    partitions: int = 0  # > 0: keep the per-partition sums of every combination's returns
    chunking: Chunking = field(default_factory=Chunking)  # client= / out= / resume=: run in chunks


@dataclass
class BuiltinSource(Source):
    """A built-in sweep's chunks (for ``threadx.backtest._chunked``): the C++ sweep of rows
    ``[start, stop)`` of the plan, every symbol in turn.  Picklable (the core's plan is made
    again where it runs, by the same validation)."""

    strategy: str
    short: bool
    combos: np.ndarray
    params: dict[str, Any]
    bars: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    ppy: list[float]
    years: list[float]
    partitions: int
    key: str  # the sweep's fingerprint (data, grid, options)

    @property
    def n_combos(self) -> int:
        return len(self.combos)

    @property
    def n_symbols(self) -> int:
        return len(self.bars)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_core_plan"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # arrays unpickled from a transport's buffers may be unaligned: the core takes aligned ones
        state["combos"] = _aligned(state["combos"])
        state["bars"] = [tuple(_aligned(a) for a in b) for b in state["bars"]]
        self.__dict__.update(state)

    def _plan(self) -> Any:
        if "_core_plan" not in self.__dict__:
            n_bars = min(len(b[3]) for b in self.bars)
            self.__dict__["_core_plan"] = _core.backtest.sweep_validate(self.strategy, self.short, self.combos,
                                                                       n_bars, self.params)
        return self.__dict__["_core_plan"]

    def run(self, start: int, stop: int, token: _core.CancelToken) -> Part:
        rows = np.arange(start, stop, dtype=np.int64)
        stats, sums, n_rows = [], None, 0
        for (o, h, lo, c), ppy, years in zip(self.bars, self.ppy, self.years, strict=True):
            raw = _core.backtest.sweep(self._plan(), o, h, lo, c, ppy, years, rows=rows, cancel=token,
                                       partitions=self.partitions)
            stats.append(raw["stats"])
            if "partition_sums" in raw:
                ps = raw["partition_sums"]
                sums, n_rows = np.stack([ps["count"], ps["sum"], ps["sumsq"]]), int(ps["n_rows"])
        return Part(start, stop, np.stack(stats), sums, n_rows)

    def default_chunk_size(self, workers: int) -> int:
        return builtin_chunk_size(self.n_combos, workers)

    def fingerprint(self) -> str:
        return self.key


def sweep(strategy: Any, data: Any, *, constraint: Callable[[pd.DataFrame], Any] | None = None,
          metric: str = "sharpe", keep: str = "stats", top_k: int | None = None, short: bool = False,
          periods_per_year: float | None = None, progress: bool | Callable[[int, int], None] | None = None,
          cancel: _core.CancelToken | None = None, workers: int | None = None, partitions: int | None = None,
          client: Any = None, out: Any = None, resume: bool = False, chunk_size: int | None = None,
          **kwargs: Any) -> Any:
    """Backtest a strategy over every combination of its parameter grid.

    ``strategy``: one of ``threadx.backtest.STRATEGIES`` (``sma_cross(fast, slow)``,
    ``ema_cross(fast, slow)``, ``rsi_threshold(timeperiod, lower, upper)``,
    ``bbands_reversion(timeperiod, nbdev)``, ``donchian_breakout(entry, exit)``,
    ``quantile_band(window, lower_q, upper_q)``); each parameter takes a value or a
    sequence, and the sequences form their cartesian product.  ``data``: one OHLC frame,
    or a dict ``{symbol: frame}``.  Other keywords are ``threadx.backtest.run``'s options
    (fees, slippage, init_cash, execution, sl_stop, ...).

    ``constraint(params) -> bool mask`` filters the combinations before the core runs.
    Returns a DataFrame of stats, one row per combination (index: the parameters, plus
    ``symbol`` for a dict), sorted by ``metric`` (best first) and cut to ``top_k`` rows;
    ``keep="equity"`` returns ``(stats, equity)`` and ``keep="trades"`` ``(stats, trades)``.
    Stats use per-bar returns with ``periods_per_year`` (inferred from a DatetimeIndex).
    ``progress``: True for a bar on stderr (tqdm when installed, else text), or a callable ``(done, total)``.
    ``partitions=S`` (one symbol): the sweep also keeps every
    combination's per-bar returns as per-partition sums, memory O(S x combinations), in
    ``table.attrs["partition_sums"]`` (a ``threadx.research.PartitionSums``: the trials are
    the combinations the core ran, after ``constraint``, in grid order; ``top_k`` cuts
    nothing from it) for
    ``threadx.research.pbo`` and ``deflated_sharpe`` (docs/research.md).

    ``strategy`` may also be user code, run on ``workers`` processes (default: the CPU
    count; built-in strategies run on TBB threads instead, see ``threadx.set_num_threads``):

    - a ``threadx.backtest.Strategy`` subclass: ``sweep(MyStrategy, data, fast=range(5, 50),
      slow=[20, 50])`` sweeps its parameters (class attributes); each row is the
      ``stats`` of ``run(data, strategy=MyStrategy, params=combo, **options)``;
    - a function ``signal_fn(data, **params)`` returning a dict of ``entries``/``exits``/
      ``short_entries``/``short_exits`` (and levels, per-bar ``size``, ``sl_stop``,
      ``tp_stop``), or a tuple ``(entries, exits)``: each row is the ``stats`` of
      ``run(data, **signals, **options)`` (of each frame of a dict, in turn).

    A keyword that is an option of ``run`` is an option, any other is a parameter (an unknown
    name is a ValidationError); a parameter left out keeps its default. ``periods_per_year``
    is run's (None: run's rule). ``top_k`` keeps only the best rows, and their equity or
    trades (``keep=``, trades with the parameters as columns), while the sweep runs.
    Processes are forked on Linux, so a strategy defined anywhere works; on other systems
    it must be picklable. An exception in a worker raises ``BacktestError`` naming the
    combination (the original as its cause); ``cancel`` terminates the workers.

    In chunks of ``chunk_size`` consecutive combinations (default: a few per worker), with
    ``keep="stats"``, the table the same, row for row (docs/research.md "Sweeps on a cluster"):

    - ``client=`` a ``dask.distributed.Client`` (extra ``threadx[dask]``): the data is
      scattered to the workers once and each chunk is a task; a dead worker's chunks rerun
      elsewhere; ``cancel`` stops the running chunks' loops on the workers too.
    - ``out="dir"`` (extra ``threadx[parquet]``): each finished chunk is written to
      ``dir/chunk-NNNNNN.parquet`` (a temporary file, then renamed) beside ``manifest.json``;
      ``resume=True`` computes only the chunks missing from a killed or cancelled run of the
      same sweep (another sweep's directory is refused).
    """
    show = _progress_of(progress)
    if not isinstance(strategy, str):
        from threadx.backtest._user_sweep import user_sweep

        return user_sweep(strategy, data, constraint=constraint, metric=metric, keep=keep, top_k=top_k, short=short,
                          periods_per_year=periods_per_year, progress=show, cancel=cancel, workers=workers,
                          sweep_keywords=SWEEP_KEYWORDS, kwargs=kwargs, partitions=partitions,
                          chunking=dict(client=client, out=out, resume=resume, chunk_size=chunk_size))
    if workers is not None:
        errors = FieldErrors()
        errors.add("workers", workers, "applies to sweeps of a Strategy or a signal function; built-in strategies "
                   "run on TBB threads (threadx.set_num_threads)")
        errors.raise_if_any()
    plan = prepare(strategy, data, constraint=constraint, metric=metric, keep=keep, top_k=top_k, short=short,
                   periods_per_year=periods_per_year, partitions=partitions, client=client, out=out, resume=resume,
                   chunk_size=chunk_size, **kwargs)
    return execute(plan, progress=progress, cancel=cancel)


# sweep's own keywords: a misspelt one arrives in **kwargs, and the closest name is suggested among them too
SWEEP_KEYWORDS = tuple(k for k, p in inspect.signature(sweep).parameters.items() if p.kind is p.KEYWORD_ONLY)


def prepare(strategy: str, data: Any, *, constraint: Callable[[pd.DataFrame], Any] | None = None,
            metric: str = "sharpe", keep: str = "stats", top_k: int | None = None, short: bool = False,
            periods_per_year: float | None = None, partitions: int | None = None, client: Any = None,
            out: Any = None, resume: bool = False, chunk_size: int | None = None, _deep: bool = True,
            **kwargs: Any) -> SweepPlan:
    """Validate a sweep (every bad field at once) without running it.

    ``_deep=False`` leaves out what reads every bar's time (inferring
    ``periods_per_year``), for a request checking its fields as it is built.
    """
    errors = FieldErrors()
    if not isinstance(strategy, str) or strategy not in STRATEGIES:
        errors.add("strategy", strategy, "must be one of " + ", ".join(repr(s) for s in STRATEGIES)
                   + ", a threadx.backtest.Strategy subclass or a function (data, **params) -> signals")
        errors.raise_if_any()
    names = STRATEGIES[strategy]
    grid = {k: v for k, v in kwargs.items() if k in names}
    options = {k: v for k, v in kwargs.items() if k not in names}
    unknown_keywords({k: v for k, v in options.items() if k not in BACKTEST_OPTIONS},
                     [*names, *BACKTEST_OPTIONS, *SWEEP_KEYWORDS], errors, f"threadx.backtest.sweep({strategy!r})")
    combos = _grid(strategy, grid, errors)
    key = table_options(metric, keep, top_k, errors)
    if not isinstance(short, bool):
        errors.add("short", short, "must be True or False")
    symbols = symbol_frames(data)
    if not symbols:
        errors.add("data", data, "must be one OHLC frame or a dict {symbol: frame} with at least one symbol")
    check_symbol_keys([k for k in symbols if k is not None], "data", errors)
    bars: dict[Any, _engine.Bars] = {}
    for sym, frame in symbols.items():
        b = _engine.bars_of(frame, errors)
        if b is not None:
            bars[sym] = b.between(options.get("start"), options.get("end"), errors)
    combos = constrained(constraint, combos, errors)
    n_parts = as_int(partitions, "partitions", errors, 0, minimum=2, none=0)  # the core checks the rest
    if n_parts and len(symbols) != 1:
        errors.add("partitions", partitions, "needs one symbol: the trials of a PBO share their bars")
    chunking = check_chunking(client, out, resume, chunk_size, keep, errors)
    params = _engine.params_of({**_engine.DEFAULTS, **options}, None, errors)
    given = _engine.periods_per_year_of(periods_per_year, errors)  # the core's rule, once
    ppy: dict[Any, float] = {}
    for sym, b in bars.items():
        if periods_per_year is not None:
            if given is not None:
                ppy[sym] = given
            continue
        if not _deep:
            continue
        n = infer_periods_per_year(b.index)  # > 0 whenever it is not None
        if n is None:
            errors.add("periods_per_year", None, "is needed: it is inferred only from a DatetimeIndex of 2 or "
                       "more bars")
        else:
            ppy[sym] = n
    stat_cols = list(STAT_COLUMNS)
    core = None  # the core checks the options and the combinations in one call
    if combos is not None and bars:
        n_bars = min(len(b.close) for b in bars.values())
        try:
            core = _core.backtest.sweep_validate(strategy, bool(short),
                                                 np.ascontiguousarray(combos.to_numpy(dtype=np.float64)), n_bars,
                                                 params)
        except ValidationError as exc:
            errors.extend(exc)
    else:
        _engine.plan_of(params, errors)  # the combinations are unknown: report the options' errors alone
    errors.raise_if_any()
    assert combos is not None and core is not None
    return SweepPlan(strategy, names, combos, bars, params, core, ppy, key, keep, top_k, short, stat_cols, n_parts,
                     chunking)



def table_options(metric: Any, keep: Any, top_k: Any, errors: FieldErrors) -> str:
    """The result table's options (every sweep's rules): the metric's column name."""
    key = METRICS.get(metric, metric) if isinstance(metric, str) else repr(metric)
    if key not in STAT_COLUMNS:
        errors.add("metric", metric, "must be a stat name or one of " + ", ".join(METRICS))
    if keep not in ("stats", "equity", "trades"):
        errors.add("keep", keep, "must be 'stats', 'equity' or 'trades'")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1):
        errors.add("top_k", top_k, "must be an integer >= 1, or None")
    return key


def constrained(constraint: Any, combos: pd.DataFrame | None, errors: FieldErrors) -> pd.DataFrame | None:
    """The combinations ``constraint(params) -> bool mask`` keeps (every sweep's rule)."""
    if constraint is not None and not callable(constraint):
        errors.add("constraint", constraint, "must be a callable (params DataFrame -> one boolean per row) or None")
    elif combos is not None and constraint is not None:
        mask = _mask_of(constraint, combos)
        if mask is None or mask.shape != (len(combos),):
            errors.add("constraint", constraint, f"must return one boolean per combination ({len(combos)})")
        else:
            combos = combos[mask].reset_index(drop=True)
            if combos.empty:
                errors.add("constraint", constraint, "leaves no combination")
    return combos


def _mask_of(constraint: Callable[[pd.DataFrame], Any], combos: pd.DataFrame) -> np.ndarray | None:
    """The constraint's boolean mask of the combinations (None when its answer is not one)."""
    answer = constraint(combos.copy())  # the user's function: its own errors are its own
    try:
        return np.asarray(answer, dtype=bool)
    except (TypeError, ValueError):
        return None


def execute(plan: SweepPlan, *, progress: bool | Callable[[int, int], None] | None = None,
            cancel: _core.CancelToken | None = None) -> Any:
    """Run a validated sweep (see :func:`sweep`)."""
    names, combos, bars, core, ppy = plan.names, plan.combos, plan.bars, plan.core, plan.ppy
    key, keep, top_k, stat_cols = plan.key, plan.keep, plan.top_k, plan.stat_cols
    token = checked_cancel(cancel) or _core.CancelToken()
    show = _progress_of(progress)
    if plan.chunking.active:
        return _execute_chunked(plan, token, show)
    frames, equities, trades = [], {}, []
    done_before = 0
    for sym, b in bars.items():
        counter = _core.backtest.SweepProgress()
        keep_eq = keep == "equity" and top_k is None
        report = None if show is None else (lambda d, t, base=done_before: show(base + d, len(combos) * len(bars)))
        def call(b: _engine.Bars = b, sym: Any = sym, counter: Any = counter, keep_eq: bool = keep_eq) -> Any:
            return _core.backtest.sweep(core, b.open, b.high, b.low, b.close, ppy[sym], _years(b, ppy[sym]),
                                        keep_equity=keep_eq, keep_trades=keep == "trades", progress=counter,
                                        cancel=token, partitions=plan.partitions)

        raw = _call(call, counter, len(combos), report, token)
        if "partition_sums" in raw:
            sums = _partition_sums(raw["partition_sums"], combos, names)
        done_before += len(combos)
        frames.extend(stats_frames(combos, names, [sym], raw["stats"][None], stat_cols))
        if keep_eq:
            equities[sym] = raw["equity"]
        if keep == "trades":
            t = pd.DataFrame(raw["trades"])
            t.insert(0, "symbol", sym)
            trades.append(t)
    index_cols = [*names, "symbol"] if None not in bars else names
    result, out, order = ordered_table(frames, key, top_k, index_cols)
    plan_rows = order % len(combos)  # each row's combination in the plan (frames hold every combination)
    if plan.partitions:
        result.attrs["partition_sums"] = sums
    if keep == "stats":
        return result
    if keep == "trades":
        return result, pd.concat(trades, ignore_index=True)
    if top_k is not None:  # rerun only the kept combinations for their equity
        equity = {}
        for sym, b in bars.items():
            mask = np.ones(len(out), dtype=bool) if sym is None else (out["symbol"] == sym).to_numpy()
            if mask.any():
                equity[sym] = (out[mask], _core.backtest.sweep(core, b.open, b.high, b.low, b.close, ppy[sym],
                                                               _years(b, ppy[sym]),
                                                               rows=plan_rows[:len(out)][mask], keep_equity=True,
                                                               cancel=token)["equity"])
        return result, _equity_frame(equity, bars, names)
    return result, _equity_frame({s: (combos, e) for s, e in equities.items()}, bars, names)


def builtin_signals(strategy: str, data: pd.DataFrame, params: Mapping[str, Any], options: Mapping[str, Any],
                    cancel: _core.CancelToken | None = None) -> dict[str, np.ndarray]:
    """The entries/exits/short_entries/short_exits a built-in strategy makes on ``data`` for one
    set of ``params`` (the sweep's own code: a ``run`` of them is the sweep's row), validated as
    a one-combination sweep with ``options`` (``short`` and run's options)."""
    plan = prepare(strategy, data, short=bool(options.get("short", False)),
                   **{k: v for k, v in options.items() if k != "short"}, **params)
    b = next(iter(plan.bars.values()))
    raw = _core.backtest.sweep_signals(plan.core, b.open, b.high, b.low, b.close, 0, cancel)
    return dict(zip(_engine.SIGNALS, raw, strict=True))


def builtin_chunk_size(n_combos: int, workers: int) -> int:
    """A built-in sweep's default chunk: about 4 per worker (load balance), 256 to 8,192 combinations."""
    return int(min(8192, max(256, -(-n_combos // (4 * max(1, workers))))))


def _quiet(done: int, total: int) -> None:
    """A progress report nobody reads (``_call`` then runs its call on a thread)."""


def _aligned(a: np.ndarray) -> np.ndarray:
    return np.require(a, requirements=["C", "A"])


def ordered_table(frames: list[pd.DataFrame], key: str, top_k: int | None,
                  index_cols: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Every sweep's table: the frames (symbol by symbol, each in grid order) ordered by the
    metric, best first (NaN last, ties in that order), cut to ``top_k``, indexed by
    ``index_cols``; also the rows before indexing and the order taken."""
    out = pd.concat(frames, ignore_index=True)
    order = np.argsort(-out[key].to_numpy(dtype=np.float64), kind="stable")  # NaN last
    out = out.iloc[order].reset_index(drop=True)
    if top_k is not None:
        out = out.iloc[:top_k]
    return (out.set_index(index_cols) if index_cols else out), out, order


def stats_frames(combos: pd.DataFrame, names: list[str], symbols: list[Any], stats: np.ndarray,
                 stat_cols: list[str]) -> list[pd.DataFrame]:
    """A frame per symbol: the combinations, ``symbol`` (a dict's key) and their stats."""
    frames = []
    for s, sym in enumerate(symbols):
        st = pd.DataFrame(stats[s], columns=stat_cols)
        st["# Trades"] = st["# Trades"].astype(np.int64)
        frame = pd.concat([combos.reset_index(drop=True), st], axis=1)
        if sym is not None:
            frame.insert(len(names), "symbol", sym)
        frames.append(frame)
    return frames


def _execute_chunked(plan: SweepPlan, token: _core.CancelToken, show: Callable[[int, int], None] | None) -> Any:
    """A built-in sweep in chunks (``client=``/``out=``): the stats table, as :func:`execute`'s."""
    symbols = list(plan.bars)
    bars = [(b.open, b.high, b.low, b.close) for b in plan.bars.values()]
    ppy = [plan.ppy[s] for s in symbols]
    years = [_years(b, p) for b, p in zip(plan.bars.values(), ppy, strict=True)]
    combos = np.ascontiguousarray(plan.combos.to_numpy(dtype=np.float64))
    key = digest("builtin", plan.strategy, plan.short, combos, plan.params, bars, ppy, years, plan.partitions,
                 plan.stat_cols, symbols)
    source = BuiltinSource(plan.strategy, plan.short, combos, plan.params, bars, ppy, years, plan.partitions, key)

    def local(todo: list[tuple[int, int, int]], on_part: Callable[[int, Part], None]) -> None:
        for i, a, b in todo:  # on a thread, so that Ctrl+C here cancels the chunk's loop (see _call)
            on_part(i, _call(functools.partial(source.run, a, b, token), _core.backtest.SweepProgress(), 0,
                             _quiet, token))

    table = TableSpec(plan.combos, symbols, plan.key, plan.top_k)
    parts = run_chunks(source, plan.chunking, plan.stat_cols, token, show, local, _core.get_num_threads(), table)
    return chunked_table(parts, table, plan.stat_cols)


def chunked_table(parts: list[Part], table: TableSpec, stat_cols: list[str]) -> pd.DataFrame:
    """The table of a sweep run in chunks (what ``sweep`` returns, and ``load`` of its ``out=``
    folder): the chunks' stats in grid order, ordered by the metric, cut to ``top_k``."""
    combos, symbols = table.combos, table.symbols
    names = [str(c) for c in combos.columns]
    stats = stats_of(parts, len(symbols), len(combos), len(stat_cols))
    frames = stats_frames(combos, names, symbols, stats, stat_cols)
    index_cols = [*names, "symbol"] if symbols != [None] else names
    result = ordered_table(frames, table.key, table.top_k, index_cols)[0]
    if parts and parts[0].sums is not None:
        sums, n_rows = sums_of(parts)
        rows = n_rows if table.partition_rows is None else table.partition_rows
        result.attrs["partition_sums"] = partition_sums_of(sums[0], sums[1], sums[2], rows, combos)
    return result


def _partition_sums(raw: dict[str, Any], combos: pd.DataFrame, names: list[str]) -> Any:
    """The core's per-partition sums as a ``threadx.research.PartitionSums`` (trials in grid order)."""
    return partition_sums_of(raw["count"], raw["sum"], raw["sumsq"], int(raw["n_rows"]), combos[names])


def partition_sums_of(count: np.ndarray, sum_: np.ndarray, sumsq: np.ndarray, n_rows: int,
                      combos: pd.DataFrame) -> Any:
    """Every sweep's ``PartitionSums``: the trials are the combinations in grid order (an index
    of the parameters, a MultiIndex for several, a RangeIndex for none)."""
    from threadx.research import PartitionSums

    names = list(combos.columns)
    trials = pd.MultiIndex.from_frame(combos[names]) if len(names) > 1 else \
        pd.Index(combos[names[0]]) if names else pd.RangeIndex(len(combos))
    return PartitionSums(count, sum_, sumsq, int(n_rows), trials)


def _equity_frame(parts: dict[Any, tuple[pd.DataFrame, np.ndarray]], bars: dict[Any, _engine.Bars],
                  names: list[str]) -> pd.DataFrame:
    cols = []
    for sym, (rows, eq) in parts.items():
        labels = [tuple(r) + ((sym,) if sym is not None else ()) for r in rows[names].itertuples(index=False)]
        cols.append(pd.DataFrame(eq.T, index=bars[sym].index,
                                 columns=pd.MultiIndex.from_tuples(labels, names=names + (["symbol"] if sym is not None
                                                                                          else []))))
    return pd.concat(cols, axis=1) if len(cols) > 1 else cols[0]


def _years(b: _engine.Bars, ppy: float) -> float:
    """CAGR's span, by the rule of compute_stats."""
    return years_spanned(b.index, len(b.close), ppy)
