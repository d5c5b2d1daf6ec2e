"""Walk-forward optimisation: choose parameters in-sample, trade them out-of-sample, fold by fold.

``walk_forward(strategy, data, splits, metric=..., **grid_and_options)`` (docs/research.md
"Walk-forward"): for each split, the in-sample sweep of ``strategy`` over the grid on the
split's train bars picks the parameters with the best ``metric`` (the same sweep, keywords
and rules as :func:`threadx.backtest.sweep`); the test bars are then traded with those
parameters, the folds one after the other on one account, so the out-of-sample equity is
one stitched curve with the cash carried across folds.

No look-ahead: a fold's choice reads only its train bars; its trades are decided by
indicators computed on ``[warmup_start, test_stop)`` (the history before the test span, never
a bar after it); with ``boundary="close"`` the position is closed inside the fold (at the
open of its last bar with ``execution="open"``, at its close with ``execution="close"``),
so a fold's results do not depend on any later bar.  ``boundary="carry"`` keeps the position
into the next fold, whose parameters then manage it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_int
from threadx.backtest import _engine
from threadx.backtest._stats import compute_stats
from threadx.backtest._strategy import Strategy
from threadx.backtest._sweep import METRICS, STRATEGIES, _progress_of, builtin_signals, sweep
from threadx.backtest._user_sweep import _signals_of
from threadx.errors import ValidationError
from threadx.research.splits import Split

__all__ = ["WalkForwardResult", "walk_forward"]

BOUNDARIES = ("close", "carry")
_SIGNALS = ("entries", "exits", "short_entries", "short_exits")


@dataclass(frozen=True)
class WalkForwardResult:
    """``folds``: one row per fold (its train and test spans, the chosen parameters, their
    in-sample metric, the fold's out-of-sample metric and return); ``equity``: the stitched
    out-of-sample equity (from the first test bar to the last); ``stats``: its statistics
    (``threadx.backtest.compute_stats``); ``trades``: the out-of-sample trades (bars are
    positions in ``data``)."""

    folds: pd.DataFrame
    equity: pd.Series
    stats: pd.Series
    trades: pd.DataFrame
    metric: str

    def save(self, path: Any) -> Any:
        """Save this result in folder ``path`` (Parquet + JSON, written atomically):
        ``threadx.backtest.save(self, path)``; ``threadx.backtest.load(path)`` reads it back (docs/store.md)."""
        from threadx.backtest._store import save

        return save(self, path)

    def _saved_state(self) -> dict[str, Any]:
        """Its tables and metric, for the store."""
        return {"folds": self.folds, "equity": self.equity, "stats": self.stats, "trades": self.trades,
                "metric": self.metric}

    @classmethod
    def _from_saved_state(cls, state: dict[str, Any]) -> WalkForwardResult:
        """The result :meth:`_saved_state` describes."""
        return cls(state["folds"], state["equity"], state["stats"], state["trades"], str(state["metric"]))

    def __repr__(self) -> str:
        return (f"<WalkForwardResult {len(self.folds)} folds, {len(self.equity)} out-of-sample bars, "
                f"{self.metric} {self.stats.get(self.metric, float('nan'))!r}>")


def _splits_of(splits: Any, index: pd.Index, errors: FieldErrors) -> list[Split]:
    """The splits of ``splits`` (a splitter with ``split(index)`` or a sequence of Split), each
    test one span, the spans in order and apart (a stitched curve needs one fold per bar)."""
    try:
        folds = list(splits.split(index)) if hasattr(splits, "split") else list(splits)
    except ValidationError as exc:
        errors.items.extend(exc.errors)
        return []
    except TypeError:
        errors.add("splits", splits, "must be a splitter (threadx.research.WalkForward, ...) or a list of Split")
        return []
    if not folds or not all(isinstance(s, Split) for s in folds):
        errors.add("splits", splits, "must give at least one threadx.research.Split")
        return []
    last = -1
    for s in folds:
        if len(s.spans) != 1:
            errors.add(f"splits[{s.fold}].test", s, "must be one contiguous span for a walk-forward "
                       "(a combinatorial split has several: use its paths)")
        elif s.test_start < last:
            errors.add(f"splits[{s.fold}].test", s, f"starts at bar {s.test_start}, before the previous "
                       f"fold's end ({last}): test spans must be in order and not overlap")
        elif s.test_stop > len(index):
            errors.add(f"splits[{s.fold}].test", s, f"ends after the data ({len(index)} bars)")
        last = max(last, s.test_stop)
    return folds


def _with_warmup(s: Split, warmup: int) -> Split:
    """``s`` reading ``warmup`` bars before its test (-1: its own warm-up, or all history)."""
    if warmup < 0:
        warmup = s.warmup if s.warmup > 0 else s.test_start
    return s if warmup == s.warmup else Split(fold=s.fold, train=s.train, test=s.test, warmup=warmup)


def _check(strategy: Any, data: Any, boundary: Any, metric: Any, errors: FieldErrors) -> str:
    if not (isinstance(strategy, str) or callable(strategy)):
        errors.add("strategy", strategy, "must be a built-in strategy name, a Strategy subclass or a signal function")
    if not isinstance(data, pd.DataFrame):
        errors.add("data", type(data).__name__, "must be one OHLC DataFrame (a dict of symbols: one walk_forward "
                   "per symbol)")
    if not (isinstance(boundary, str) and boundary in BOUNDARIES):
        errors.add("boundary", boundary, f"must be one of {list(BOUNDARIES)}")
    key = METRICS.get(metric, metric) if isinstance(metric, str) else repr(metric)
    return str(key)


def walk_forward(strategy: Any, data: Any, splits: Any, *, metric: str = "sharpe",
                 constraint: Callable[[pd.DataFrame], Any] | None = None, boundary: str = "close",
                 warmup: int | None = None, periods_per_year: float | None = None, workers: int | None = None,
                 cancel: _core.CancelToken | None = None, client: Any = None, out: Any = None,
                 resume: bool = False, progress: Any = None, **grid_and_options: Any) -> Any:
    """Walk-forward optimisation of ``strategy`` over ``splits`` (see the module docstring).

    ``strategy``: a built-in strategy name (``threadx.backtest.STRATEGIES``), a
    ``threadx.backtest.Strategy`` subclass or a signal function ``(data, **params)``, as
    :func:`threadx.backtest.sweep` takes it; ``grid_and_options``: its parameter grid and
    ``run``'s options.  ``splits``: a splitter (``threadx.research.WalkForward(...)``,
    ``PurgedKFold`` ...) or a list of ``Split``; each test must be one span, the spans in
    order without overlap.  ``data``: one OHLC frame, or a dict of frames (a result per
    symbol).  ``warmup``: the bars of history a test span's indicators read, ``warmup_start =
    max(0, test_start - warmup)``; None: the splits' own ``warmup_start`` when they were made
    with a warm-up, else every bar before the test span.  ``boundary``: "close" (each fold
    ends flat) or "carry".  ``client``, ``out`` and ``resume`` are the in-sample sweeps'
    (``sweep``'s): on a Dask cluster, and streamed to ``out/fold-NNN/`` (``out/<symbol>/fold-NNN/``
    for a dict of frames), so a killed walk-forward resumes with ``resume=True``.  ``progress``:
    True for a bar on stderr (tqdm when installed), or a callable ``(folds done, folds)``.  Returns a :class:`WalkForwardResult` (a dict of them for a dict
    of frames).
    """
    if isinstance(data, Mapping) and not isinstance(data, pd.DataFrame):
        return {sym: walk_forward(strategy, frame, splits, metric=metric, constraint=constraint, boundary=boundary,
                                  warmup=warmup, periods_per_year=periods_per_year, workers=workers, cancel=cancel,
                                  client=client, out=None if out is None else Path(out) / str(sym), resume=resume,
                                  progress=progress, **grid_and_options) for sym, frame in data.items()}
    errors = FieldErrors()
    key = _check(strategy, data, boundary, metric, errors)
    w = as_int(warmup, "warmup", errors, 0, minimum=0, none=-1)
    folds = _splits_of(splits, data.index, errors) if isinstance(data, pd.DataFrame) else []
    errors.raise_if_any()
    folds = [_with_warmup(s, w) for s in folds]
    grid, options = _grid_and_options(strategy, grid_and_options)
    chunks = _chunking(client, out, resume)
    show = _progress_of(progress)
    chosen = []
    for k, s in enumerate(folds):
        chosen.append(_choose(strategy, data, s, key, metric, constraint, periods_per_year, workers, cancel, grid,
                              options, chunks(s.fold)))
        if show is not None:
            show(k + 1, len(folds))
    return _out_of_sample(strategy, data, folds, chosen, key, boundary, periods_per_year, options, cancel)


def _chunking(client: Any, out: Any, resume: Any) -> Callable[[int], dict[str, Any]]:
    """Each fold's in-sample sweep's ``client``/``out``/``resume`` (``out/fold-NNN``)."""
    if out is not None and not isinstance(out, (str, os.PathLike)):
        raise ValidationError([{"field": "out", "value": repr(out), "message": "must be a directory path or None"}])

    def of(fold: int) -> dict[str, Any]:
        given = {"client": client, "out": None if out is None else Path(out) / f"fold-{fold:03d}", "resume": resume}
        return {k: v for k, v in given.items() if v is not None and v is not False}
    return of


def _grid_and_options(strategy: Any, kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The grid (the strategy's parameters) and ``run``'s options among the keywords."""
    from threadx.backtest._sweep import BACKTEST_OPTIONS

    if isinstance(strategy, str) and strategy in STRATEGIES:
        names = set(STRATEGIES[strategy])
        return ({k: v for k, v in kwargs.items() if k in names}, {k: v for k, v in kwargs.items() if k not in names})
    return ({k: v for k, v in kwargs.items() if k not in BACKTEST_OPTIONS},
            {k: v for k, v in kwargs.items() if k in BACKTEST_OPTIONS})


def _choose(strategy: Any, data: pd.DataFrame, s: Split, key: str, metric: str, constraint: Any,
            periods_per_year: float | None, workers: int | None, cancel: Any, grid: dict[str, Any],
            options: dict[str, Any], chunking: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """The in-sample winner of fold ``s``: its parameters and metric (a sweep on the train bars)."""
    train = data.iloc[s.train]
    extra: dict[str, Any] = {} if isinstance(strategy, str) else {"workers": workers}
    table = sweep(strategy, train, metric=metric, constraint=constraint, top_k=1, periods_per_year=periods_per_year,
                  cancel=cancel, **extra, **chunking, **grid, **options)
    best = table.iloc[0]
    if not np.isfinite(float(best[key])):
        raise ValidationError([{"field": "metric", "value": metric,
                                "message": f"is NaN for every trial of fold {s.fold} (train {len(train)} bars): "
                                           "no winner to trade"}])
    labels = best.name if isinstance(best.name, tuple) else (best.name,)  # the sweep's index: its parameters
    params = {str(k): v.item() if isinstance(v, np.generic) else v
              for k, v in zip(table.index.names, labels, strict=True)}
    return params, float(best[key])


def _last_bar(stop: int, execution: str) -> int:
    """The bar whose decision closes a fold's position inside the fold (ending at ``stop``):
    its fill is at the open of the fold's last bar (``execution="open"``) or at its close."""
    return stop - (2 if execution == "open" else 1)


def _out_of_sample(strategy: Any, data: pd.DataFrame, folds: list[Split], chosen: list[tuple[dict[str, Any], float]],
                   key: str, boundary: str, periods_per_year: float | None, options: dict[str, Any],
                   cancel: Any) -> WalkForwardResult:
    start, stop = folds[0].warmup_start, folds[-1].test_stop
    window = data.iloc[start:stop]
    execution = str(options.get("execution", "open"))
    run_options = {k: v for k, v in options.items() if k != "short"}  # the sweep's and the signals' option
    opts = {**run_options, "close_at_end": boundary == "close" or options.get("close_at_end", True),
            "periods_per_year": periods_per_year, "cancel": cancel}
    if isinstance(strategy, type) and issubclass(strategy, Strategy):
        cls = _fold_strategy(strategy, [(s.test_start - start, s.test_stop - start, p) for s, (p, _) in
                                        zip(folds, chosen, strict=True)], boundary, execution)
        res = _engine.run(window, strategy=cls, **opts)
    else:
        sig: dict[str, Any] = _stitched_signals(strategy, data, folds, chosen, boundary, execution, options, start,
                                                cancel)
        res = _engine.run(window, **sig, **opts)
    first = folds[0].test_start - start
    equity = res.equity.iloc[first:]
    trades = res.trades.copy()
    for col in ("entry_bar", "exit_bar"):
        trades[col] = trades[col] + start
    stats = _stats(equity, trades, data, folds[0].test_start, periods_per_year)
    rows = [_fold_row(s, p, m, equity, trades, data, key, periods_per_year)
            for s, (p, m) in zip(folds, chosen, strict=True)]
    return WalkForwardResult(pd.DataFrame(rows).set_index("fold"), equity, stats, trades.reset_index(drop=True), key)


def _stats(equity: pd.Series, trades: pd.DataFrame, data: pd.DataFrame, offset: int,
           periods_per_year: float | None) -> pd.Series:
    t = trades[(trades["entry_bar"] >= offset) & (trades["exit_bar"] < offset + len(equity))].copy()
    t["entry_bar"] -= offset
    t["exit_bar"] -= offset
    close = _engine.bars_of(data.iloc[offset:offset + len(equity)], FieldErrors())
    c = close.close if close is not None else np.full(len(equity), np.nan)
    return compute_stats(equity, t, pd.Series(c, index=equity.index), periods_per_year=periods_per_year)


def _fold_row(s: Split, params: dict[str, Any], metric: float, equity: pd.Series, trades: pd.DataFrame,
              data: pd.DataFrame, key: str, periods_per_year: float | None) -> dict[str, Any]:
    idx = data.index
    lo, hi = s.test_start, s.test_stop
    eq = equity.loc[idx[lo]:idx[hi - 1]] if len(equity) else equity
    inside = trades[(trades["entry_bar"] >= lo) & (trades["entry_bar"] < hi)]
    st = _stats(eq, inside, data, lo, periods_per_year) if len(eq) > 1 else pd.Series(dtype=object)
    return {"fold": s.fold, "train_start": idx[int(s.train[0])], "train_end": idx[int(s.train[-1])],
            "test_start": idx[lo], "test_end": idx[hi - 1], **params, f"in-sample {key}": metric,
            f"out-of-sample {key}": st.get(key, np.nan), "out-of-sample Return [%]": st.get("Return [%]", np.nan),
            "# Trades": int(len(inside))}


def _stitched_signals(strategy: Any, data: pd.DataFrame, folds: list[Split], chosen: list[tuple[dict[str, Any], float]],
                      boundary: str, execution: str, options: dict[str, Any], start: int,
                      cancel: Any) -> dict[str, np.ndarray]:
    """The signals of each fold's test span (made from ``[warmup_start, test_stop)`` with its
    parameters), in one set of arrays over ``[start, last test_stop)``; nothing elsewhere."""
    n = folds[-1].test_stop - start
    out = {k: np.zeros(n, dtype=bool) for k in _SIGNALS}
    for s, (params, _) in zip(folds, chosen, strict=True):
        w = data.iloc[s.warmup_start:s.test_stop]
        sig = _fold_signals(strategy, w, params, options, cancel)
        a, b = s.test_start - s.warmup_start, s.test_stop - s.warmup_start
        for k in _SIGNALS:
            if k in sig:
                out[k][s.test_start - start:s.test_stop - start] = np.asarray(sig[k], dtype=bool)[a:b]
        if boundary == "close":
            last = _last_bar(s.test_stop, execution) - start
            if last >= s.test_start - start:
                out["entries"][last:s.test_stop - start] = False
                out["short_entries"][last:s.test_stop - start] = False
                out["exits"][last] = out["short_exits"][last] = True
    return out


def _fold_signals(strategy: Any, window: pd.DataFrame, params: dict[str, Any], options: dict[str, Any],
                  cancel: Any) -> dict[str, Any]:
    if isinstance(strategy, str):
        return builtin_signals(strategy, window, params, options, cancel)
    sig = _signals_of(strategy(window, **params))
    unknown = [k for k in sig if k not in _SIGNALS]
    if unknown:
        raise ValidationError([{"field": "strategy", "value": getattr(strategy, "__name__", strategy),
                                "message": f"returned {unknown[0]!r}: a walk-forward stitches entries/exits/"
                                           "short_entries/short_exits only"}])
    return sig


def _fold_strategy(cls: type[Strategy], spans: Sequence[tuple[int, int, dict[str, Any]]], boundary: str,
                   execution: str) -> type[Strategy]:
    """A Strategy that, at each bar of a fold's test span, runs ``cls`` with that fold's
    parameters (an instance per fold, its indicators computed on the bars up to the fold's
    end only) on the shared account; with ``boundary="close"`` it closes everything inside
    the fold."""

    class WalkForwardStrategy(Strategy):
        def init(self) -> None:
            cols = {k: r._a for k, r in self.data._cols.items()}
            index = pd.Index(self.data._index._a)
            self._subs: list[tuple[int, int, Strategy]] = []
            for lo, hi, params in spans:
                sub = cls({k: a[:hi] for k, a in cols.items()}, index[:hi], params)
                sub.symbol = self.symbol
                sub.init()
                self._subs.append((lo, hi, sub))
            self._k = 0

        def next(self) -> None:
            j = self._j
            while self._k < len(self._subs) and j >= self._subs[self._k][1]:
                self._k += 1
            if self._k == len(self._subs) or j < self._subs[self._k][0]:
                return
            lo, hi, sub = self._subs[self._k]
            last = _last_bar(hi, execution)
            if boundary == "close" and j >= last:  # the fold ends flat: no new decision from here
                if j == last:
                    for o in self.orders:
                        o.cancel()
                    self.position.close()
                return
            if j >= sub.warmup():
                sub._j, sub._bk = j, self._bk
                try:
                    sub.next()
                finally:
                    sub._bk = None

    WalkForwardStrategy.__qualname__ = f"WalkForward[{cls.__qualname__}]"
    return WalkForwardStrategy
