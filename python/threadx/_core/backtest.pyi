"""Backtests, sweeps, portfolios and their statistics (cpp/bindings/bind_backtest.cpp, bind_sweep.cpp,
bind_portfolio.cpp, bind_stats.cpp)."""

from typing import Any

import numpy as np
import numpy.typing as npt

from threadx._core import CancelToken

def validate(params: dict[str, Any]) -> None: ...
def run(
    open: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    times: npt.NDArray[np.int64] | None,
    sims: int,
    signals: tuple[npt.NDArray[np.uint8] | None, ...],
    levels: tuple[npt.NDArray[np.float64] | None, ...],
    params: dict[str, Any],
    cancel: CancelToken | None = ...,
) -> dict[str, Any]: ...

class SweepProgress:
    def __init__(self) -> None: ...
    @property
    def done(self) -> int: ...

def strategies() -> dict[str, list[str]]: ...
def sweep_stats() -> list[str]: ...
def sweep_validate(strategy: str, combos: npt.NDArray[np.float64], n_bars: int) -> None: ...
def sweep(
    open: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    strategy: str,
    short: bool,
    combos: npt.NDArray[np.float64],
    params: dict[str, Any],
    periods_per_year: float,
    years: float,
    keep_equity: bool = ...,
    keep_trades: bool = ...,
    progress: SweepProgress | None = ...,
    cancel: CancelToken | None = ...,
) -> dict[str, Any]: ...
def rebalance(
    open: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    params: dict[str, Any],
    cancel: CancelToken | None = ...,
) -> dict[str, Any]: ...
def weights(
    close: npt.NDArray[np.float64],
    rule: str,
    window: int,
    every: int,
    ridge: float,
    cancel: CancelToken | None = ...,
) -> npt.NDArray[np.float64]: ...
def stats_table() -> list[dict[str, str]]: ...
def stats_compute(
    equity: npt.NDArray[np.float64],
    period_equity: npt.NDArray[np.float64],
    periods_per_year: float,
    risk_free_rate: float,
    years: float,
    close: npt.NDArray[np.float64],
    first_bar: int,
    entry_bar: npt.NDArray[np.int64],
    exit_bar: npt.NDArray[np.int64],
    pnl: npt.NDArray[np.float64],
    ret: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]: ...
def stats_drawdown(equity: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
