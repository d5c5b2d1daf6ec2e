"""threadx.backtest.sweep of user code: a Strategy subclass or a signal function, on worker processes.

Every row equals ``run(...).stats`` of its combination; constraint, top_k and keep= as
the built-in sweep; cancellation and a worker's error stop the pool and leave no
process behind; a bad grid is refused before any work.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import threadx
from threadx.backtest import Strategy, crossover, run, sweep
from threadx.backtest._sweep import STAT_COLUMNS
from threadx.errors import (
    BacktestError,
    CancelledError,
    TaskTimeoutError,
    ValidationError,
)

DATA = Path(__file__).parent / "data"
GOOG = pd.read_csv(DATA / "GOOG.csv", index_col=0, parse_dates=True)[["Open", "High", "Low", "Close"]].astype(float)
OPTS = {"fees": 0.002}


def sma(x: Any, n: int) -> np.ndarray:
    return pd.Series(np.asarray(x, dtype=float)).rolling(n).mean().to_numpy()


class SmaCross(Strategy):
    n1 = 10
    n2 = 20

    def init(self) -> None:
        self.sma1 = self.I(sma, self.data.Close, self.n1)
        self.sma2 = self.I(sma, self.data.Close, self.n2)

    def next(self) -> None:
        if crossover(self.sma1, self.sma2):
            self.position.close()
            self.buy()
        elif crossover(self.sma2, self.sma1):
            self.position.close()
            self.sell()


class Slow(SmaCross):
    """SmaCross taking about a second a run."""

    def next(self) -> None:
        time.sleep(0.0005)
        super().next()


class Boom(SmaCross):
    def next(self) -> None:
        if self.n1 == 10 and len(self.data) > 100:
            raise ZeroDivisionError("boom")
        super().next()


def cross_signals(data: pd.DataFrame, fast: int, slow: int = 30) -> dict[str, pd.Series]:
    c = data["Close"]
    f, s = c.rolling(fast).mean(), c.rolling(slow).mean()
    up, down = (f > s) & (f.shift() <= s.shift()), (f < s) & (f.shift() >= s.shift())
    return {"entries": up, "exits": down, "short_entries": down, "short_exits": up}


def cross_tuple(data: pd.DataFrame, fast: int, slow: int = 30) -> tuple[pd.Series, pd.Series]:
    s = cross_signals(data, fast, slow)
    return s["entries"], s["exits"]


def cross_sized(data: pd.DataFrame, fast: int, part: float = 0.5) -> dict[str, Any]:
    s = cross_signals(data, fast)
    return {"entries": s["entries"], "exits": s["exits"], "size": np.full(len(data), part)}  # per-bar size


def _children() -> list[int]:
    """Live child processes of this one (Linux: /proc), zombies and multiprocessing's
    resource tracker (one per process, started by spawn, kept until exit) excluded."""
    me, out = os.getpid(), []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                cmdline = (d / "cmdline").read_bytes()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == me and fields[0] != "Z" and b"resource_tracker" not in cmdline:
                out.append(int(d.name))
    return out


def _assert_no_workers_left() -> None:
    assert multiprocessing.active_children() == []
    if sys.platform.startswith("linux"):
        assert _children() == []


def _assert_row_equals(row: pd.Series, want: pd.Series, what: Any) -> None:
    assert row["# Trades"] == want["# Trades"], what
    for col in STAT_COLUMNS:  # the same run: equal bit for bit
        np.testing.assert_array_equal(float(row[col]), float(want[col]), err_msg=f"{what} {col}")


def test_strategy_rows_equal_run_stats() -> None:
    got = sweep(SmaCross, GOOG, n1=[5, 10], n2=range(20, 41, 20), workers=2, **OPTS)
    assert got.index.names == ["n1", "n2"] and list(got.columns) == list(STAT_COLUMNS) and len(got) == 4
    assert got["Sharpe Ratio"].is_monotonic_decreasing
    for n1, n2 in got.index:
        _assert_row_equals(got.loc[(n1, n2)], run(GOOG, strategy=SmaCross, params={"n1": n1, "n2": n2},
                                                  **OPTS).stats, (n1, n2))
    _assert_no_workers_left()


@pytest.mark.parametrize("fn", [cross_signals, cross_tuple, cross_sized], ids=["dict", "tuple", "per_bar_size"])
def test_signal_function_rows_equal_run_on_its_signals(fn: Any) -> None:
    other = {"part": [0.5, 0.25]} if fn is cross_sized else {"slow": 40}
    got = sweep(fn, GOOG, fast=[5, 10, 15], **other, metric="return", workers=2, **OPTS)
    assert got.index.names == ["fast", *other] and got["Return [%]"].is_monotonic_decreasing
    for fast, second in got.index:
        sig = fn(GOOG, fast, second)
        sig = sig if isinstance(sig, dict) else dict(zip(("entries", "exits"), sig, strict=True))
        _assert_row_equals(got.loc[(fast, second)], run(GOOG, **sig, **OPTS).stats, (fast, second))


def test_a_signal_function_over_several_symbols_runs_each_frame() -> None:
    data = {"A": GOOG, "B": GOOG.iloc[::-1].set_axis(GOOG.index)}
    got = sweep(cross_tuple, data, fast=[5, 10])
    assert got.index.names == ["fast", "symbol"] and len(got) == 4
    for fast, sym in got.index:
        entries, exits = cross_tuple(data[sym], fast)
        _assert_row_equals(got.loc[(fast, sym)], run(data[sym], entries=entries, exits=exits).stats, (fast, sym))


def test_defaults_one_worker_and_many_symbols() -> None:
    one = sweep(SmaCross, GOOG, n1=[5, 10], workers=1)  # n2 keeps its class default
    assert one.index.names == ["n1"] and set(one.index) == {5, 10}
    pd.testing.assert_frame_equal(one, sweep(SmaCross, GOOG, n1=[5, 10], workers=2))
    data = {"A": GOOG, "B": GOOG.iloc[::-1].set_axis(GOOG.index)}
    many = sweep(SmaCross, data, n1=[5, 10], n2=30)
    assert many.index.names == ["n1", "n2", "symbol"] and len(many) == 4
    want = run(data, strategy=SmaCross, params={"n1": 5, "n2": 30}).stats
    for sym in ("A", "B"):
        _assert_row_equals(many.loc[(5, 30, sym)], want.loc[sym], sym)


def test_constraint_top_k_and_keep() -> None:
    grid = {"n1": [5, 10, 20], "n2": [10, 20, 30]}
    full = sweep(SmaCross, GOOG, **grid, constraint=lambda p: p.n1 < p.n2, metric="sortino")
    assert len(full) == 6 and all(a < b for a, b in full.index)
    assert full["Sortino Ratio"].is_monotonic_decreasing
    top, equity = sweep(SmaCross, GOOG, **grid, constraint=lambda p: p.n1 < p.n2, metric="sortino", top_k=2,
                        keep="equity")
    pd.testing.assert_frame_equal(top, full.iloc[:2])
    assert list(equity.columns) == list(top.index) and equity.index.equals(GOOG.index)
    np.testing.assert_array_equal(equity.iloc[-1].to_numpy(), top["Equity Final [$]"].to_numpy())
    best = tuple(top.index[0])
    np.testing.assert_array_equal(equity[best].to_numpy(),
                                  run(GOOG, strategy=SmaCross, params=dict(zip(grid, best))).equity.to_numpy())
    top3, trades = sweep(SmaCross, GOOG, **grid, constraint=lambda p: p.n1 < p.n2, top_k=3, keep="trades")
    counts = trades.groupby(["n1", "n2"]).size()
    assert sorted(counts.index) == sorted(top3.index)  # the kept rows' trades only
    for combo, n in counts.items():
        assert n == top3.loc[combo, "# Trades"]


def test_table_holds_only_top_k_rows_while_it_runs() -> None:
    from threadx.backtest._user_sweep import _Row, _Table

    table = _Table(key=0, top_k=3, symbols=[None])
    values = [0.5, np.nan, 2.0, -1.0, 2.0, 7.0, np.nan, 1.0]
    for row, v in enumerate(values):
        table.add(_Row(row, None, np.array([v])))
        assert len(table.rows) <= 3
    assert [r.row for r in table.ordered()] == [5, 2, 4]  # best first, ties in grid order


def test_a_strategy_defined_in_a_function_runs_on_forked_workers() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("fork start method: Linux only")

    class Local(SmaCross):  # not picklable by reference
        n1 = 7

    got = sweep(Local, GOOG, n2=[20, 30], workers=2)
    assert got.index.names == ["n2"] and len(got) == 2
    _assert_row_equals(got.loc[30], run(GOOG, strategy=Local, params={"n2": 30}).stats, 30)


@pytest.mark.parametrize("how", ["cancel", "timeout"])
def test_cancel_stops_the_workers_promptly(how: str) -> None:
    token = threadx.CancelToken()
    if how == "cancel":
        threading.Timer(0.5, token.cancel).start()
    else:
        token.set_timeout(0.5)
    t0 = time.perf_counter()
    with pytest.raises(CancelledError if how == "cancel" else TaskTimeoutError):
        sweep(Slow, GOOG, n1=range(5, 15), n2=[30, 40], workers=2, cancel=token)  # ~20 s if it ran through
    assert time.perf_counter() - t0 < 3.0
    _assert_no_workers_left()


def test_a_cancelled_token_starts_nothing() -> None:
    token = threadx.CancelToken()
    token.cancel()
    seen: list[tuple[int, int]] = []
    with pytest.raises(CancelledError):
        sweep(SmaCross, GOOG, n1=[5, 10], cancel=token, progress=lambda d, t: seen.append((d, t)))
    assert seen == []
    _assert_no_workers_left()


def test_progress_reaches_the_total() -> None:
    seen: list[tuple[int, int]] = []
    sweep(cross_tuple, GOOG, fast=range(5, 15), progress=lambda d, t: seen.append((d, t)), workers=2)
    assert seen[-1] == (10, 10) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_an_error_in_a_worker_names_the_combination() -> None:
    with pytest.raises(BacktestError, match=r"Boom failed for the combination \{'n1': 10, 'n2': 20\}") as exc:
        sweep(Boom, GOOG, n1=[5, 10, 15], n2=20, workers=2)
    cause = exc.value.__cause__
    assert isinstance(cause, BacktestError) and "ZeroDivisionError('boom')" in str(cause)  # next() at its bar
    _assert_no_workers_left()

    def bad(data: pd.DataFrame, fast: int) -> Any:
        if fast == 3:
            raise KeyError("no such column")
        return cross_tuple(data, fast)

    with pytest.raises(BacktestError, match=r"bad failed for the combination \{'fast': 3\}") as exc:
        sweep(bad, GOOG, fast=[5, 3])
    assert isinstance(exc.value.__cause__, KeyError)
    with pytest.raises(BacktestError, match="must return a dict") as exc:
        sweep(lambda data, k: data["Close"] > k, GOOG, k=[100.0])
    with pytest.raises(BacktestError, match=r"combination \{'fast': 5\}") as exc:
        sweep(lambda data, fast: (data["Close"], data["Close"]), GOOG, fast=5)  # floats: run refuses them
    assert isinstance(exc.value.__cause__, ValidationError)
    _assert_no_workers_left()


@pytest.mark.parametrize(
    ("target", "kwargs", "fields"),
    [(SmaCross, {"n3": [1, 2]}, ["n3"]),
     (SmaCross, {"position": [1]}, ["position"]),  # Strategy's own name, no parameter
     (SmaCross, {"n1": [], "keep": "all", "top_k": 0}, ["n1", "keep", "top_k"]),
     (SmaCross, {"n1": 5, "metric": "luck", "workers": 0, "short": True}, ["short", "metric", "workers"]),
     (SmaCross, {"n1": [5], "size": 0.5, "fees": "x"}, ["size", "fees"]),
     (SmaCross, {"n1": [5, 10], "constraint": lambda p: p.n1 > 100}, ["constraint"]),
     (cross_tuple, {"slow": [20]}, ["fast"]),  # a parameter without a default
     (cross_tuple, {"fast": 5, "speed": 1, "costs": {}, "cash_sharing": True}, ["speed", "costs", "cash_sharing"]),
     (SmaCross, {"n1": 5, "progress": 3}, ["progress"]),
     (42, {}, ["strategy"]),
     ("sma_cross", {"fast": 5, "slow": 20, "workers": 2}, ["workers"])],
)
def test_bad_grids_and_options_name_every_field_before_any_work(target: Any, kwargs: dict[str, Any],
                                                                fields: list[str]) -> None:
    with pytest.raises(ValidationError) as exc:
        sweep(target, GOOG, **kwargs)
    assert sorted(exc.value.fields) == sorted(fields)
    _assert_no_workers_left()


def test_an_unknown_parameter_suggests_the_closest_name() -> None:
    with pytest.raises(ValidationError, match="did you mean 'n2'"):
        sweep(SmaCross, GOOG, n1=[5], n22=[20])


class WithProperty(SmaCross):
    @property
    def gap(self) -> int:
        return self.n2 - self.n1


def test_run_refuses_a_strategy_s_own_name_or_a_property_as_a_parameter() -> None:
    with pytest.raises(ValidationError) as exc:  # setting them raised AttributeError
        run(GOOG, strategy=WithProperty, params={"position": 1, "buy": 2, "gap": 3, "n1": 5})
    assert exc.value.fields == ["params['position']", "params['buy']", "params['gap']"]


class Dies(SmaCross):
    def next(self) -> None:
        if self.n1 == 10:
            os._exit(3)  # a worker killed mid-run (as by the OOM killer)
        super().next()


def test_a_worker_that_dies_stops_the_sweep_with_a_backtest_error() -> None:
    with pytest.raises(BacktestError, match="worker process died"):
        sweep(Dies, GOOG, n1=[5, 10, 15], n2=20, workers=2)
    _assert_no_workers_left()


def test_spawned_workers_as_on_systems_without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    from threadx.backtest import _user_sweep

    forked = sweep(SmaCross, GOOG, n1=[5, 10], n2=30, workers=2)
    monkeypatch.setattr(_user_sweep, "_context", lambda: multiprocessing.get_context("spawn"))
    got = sweep(SmaCross, GOOG, n1=[5, 10], n2=30, workers=2)  # a top-level class: pickled by reference
    pd.testing.assert_frame_equal(got, forked)
    _assert_no_workers_left()
