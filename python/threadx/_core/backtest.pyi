"""Backtests, sweeps, portfolios and their statistics (cpp/bindings/bind_backtest.cpp, bind_sweep.cpp,
bind_portfolio.cpp, bind_stats.cpp)."""

from typing import Any

import numpy as np
import numpy.typing as npt

from threadx._core import CancelToken

# The backtest options' table; threadx.backtest.run's options, in its order (names
# and defaults: tests/test_backtest_options.py compares them with options()):
# init_cash=10000.0, fees=0.0, fixed_fees=0.0, slippage=0.0, size=None, size_type='percent',
# fractional=False, leverage=1.0, execution='open', order_type='market', expiry=None,
# sl_stop=None, tp_stop=None, tsl_stop=None, tsl_offset=None, intrabar='backtesting',
# close_at_end=True, periods_per_year=None, start=None, end=None
def options() -> list[dict[str, Any]]: ...
def _rule_counts() -> dict[str, int]: ...

class Plan:
    """Parameters that passed every option rule; only validate() makes one."""
    @property
    def params(self) -> dict[str, Any]: ...

def validate(params: dict[str, Any]) -> Plan: ...
def check_periods_per_year(value: float) -> float: ...
def run(
    plan: Plan,
    open: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    times: npt.NDArray[np.int64] | None,
    sims: int,
    signals: tuple[npt.NDArray[np.uint8] | None, ...],
    levels: tuple[npt.NDArray[np.float64] | None, ...],
    cancel: CancelToken | None = ...,
) -> dict[str, Any]: ...

class SweepProgress:
    def __init__(self) -> None: ...
    @property
    def done(self) -> int: ...

def strategies() -> dict[str, list[str]]: ...
def sweep_stats() -> list[str]: ...

class SweepPlan:
    """A validated sweep (strategy, side, combinations, parameters); only sweep_validate() makes one."""
    @property
    def n_combos(self) -> int: ...
    @property
    def n_bars(self) -> int: ...
    @property
    def params(self) -> dict[str, Any]: ...

def sweep_validate(
    strategy: str, short: bool, combos: npt.NDArray[np.float64], n_bars: int, params: dict[str, Any]
) -> SweepPlan: ...
def sweep(
    plan: SweepPlan,
    open: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    periods_per_year: float,
    years: float,
    rows: npt.NDArray[np.int64] | None = ...,
    keep_equity: bool = ...,
    keep_trades: bool = ...,
    progress: SweepProgress | None = ...,
    cancel: CancelToken | None = ...,
    partitions: int = ...,
) -> dict[str, Any]: ...
def sweep_signals(
    plan: SweepPlan,
    open: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    row: int,
    cancel: CancelToken | None = ...,
) -> npt.NDArray[np.bool_]: ...
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
def stats_validate(
    equity: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    first_bar: int,
    periods_per_year: object,
    risk_free_rate: object,
    entry_bar: npt.NDArray[np.int64],
    exit_bar: npt.NDArray[np.int64],
    pnl: npt.NDArray[np.float64],
    ret: npt.NDArray[np.float64],
) -> None: ...
def stats_drawdown(equity: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
def orders_enums() -> dict[str, list[str]]: ...
def orders_run(
    groups: list[list[dict[str, Any]]], params: dict[str, Any], cancel: CancelToken | None = ...
) -> list[dict[str, Any]]: ...

class OrderBook:
    """One symbol's orders and lots as a strategy sees them at a bar's close (valid during the call only)."""

    @property
    def position(self) -> float: ...
    @property
    def cash(self) -> float: ...
    @property
    def equity(self) -> float: ...
    def place(
        self, j: int, side: int, type: int, intent: int, size_type: int, size: float, limit: float, stop: float,
        tif_bars: int, tif_ns: int, sl: float, tp: float, sl_stop: float, tp_stop: float, tsl_stop: float,
        tsl_offset: float, tag: int, lot: int = ...,
    ) -> int: ...
    def cancel(self, id: int, j: int) -> None: ...
    def set_sl(self, lot_id: int, level: float, j: int) -> None: ...
    def set_tp(self, lot_id: int, level: float, j: int) -> None: ...
    def working(self) -> list[int]: ...
    def lots(self) -> list[tuple[Any, ...]]: ...
    def order(self, id: int) -> tuple[Any, ...]: ...
    def closed(self, from_: int = ...) -> list[tuple[Any, ...]]: ...
    def orders_since(self, j: int) -> list[tuple[Any, ...]]: ...

class OrderStepper:
    """One symbol stepped one bar at a time on the order core (docs/orders.md § 13)."""

    def __init__(self, costs: dict[str, Any], params: dict[str, Any], decider: Any) -> None: ...
    def step(self, open: float, high: float, low: float, close: float, time: int | None = ...) -> int: ...
    @property
    def book(self) -> OrderBook: ...
    @property
    def bars(self) -> int: ...
    @property
    def equity(self) -> float: ...
