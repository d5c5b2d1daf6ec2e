"""Type stubs of the private C++ extension (use the public threadx API instead)."""

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__version__: str

class CancelToken:
    def __init__(self) -> None: ...
    def cancel(self) -> None: ...
    @property
    def cancelled(self) -> bool: ...
    @property
    def expired(self) -> bool: ...
    def set_timeout(self, seconds: float) -> None: ...
    def clear_timeout(self) -> None: ...
    def check(self) -> None: ...

def set_num_threads(n: int) -> int: ...
def get_num_threads() -> int: ...
def rolling(
    values: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
    stat: str,
    window: int,
    time_window: bool = ...,
    min_periods: int = ...,
    q: Sequence[float] = ...,
    interpolation: str = ...,
    ddof: int = ...,
    times: npt.NDArray[np.int64] | None = ...,
    token: CancelToken | None = ...,
) -> None: ...
def rolling_validate(
    n_rows: int,
    stat: str,
    window: int,
    time_window: bool = ...,
    min_periods: int = ...,
    q: Sequence[float] = ...,
    interpolation: str = ...,
    ddof: int = ...,
    times: npt.NDArray[np.int64] | None = ...,
) -> None: ...

class RollingQuantile:
    def __init__(
        self,
        stat: str,
        window: int,
        time_window: bool = ...,
        min_periods: int = ...,
        q: Sequence[float] = ...,
        interpolation: str = ...,
        max_points: int = ...,
    ) -> None: ...
    def update(self, value: float, time: int | None = ...) -> float | npt.NDArray[np.float64]: ...
    def update_many(
        self, values: npt.NDArray[np.float64], times: npt.NDArray[np.int64] | None = ...
    ) -> npt.NDArray[np.float64]: ...
    def reset(self) -> None: ...
    @property
    def nobs(self) -> int: ...
    @property
    def stored(self) -> int: ...
    @property
    def levels(self) -> int: ...

# ---------------------------------------------------------------- indicators (bind_ta.cpp)

def ta_functions() -> list[dict[str, Any]]: ...
def ta_validate(name: str, params: npt.NDArray[np.float64]) -> None: ...
def ta_run(
    name: str,
    inputs: Sequence[npt.NDArray[np.float64]],
    params: npt.NDArray[np.float64],
    token: CancelToken | None = ...,
) -> npt.NDArray[np.float64]: ...
def ta_unstable_names() -> list[str]: ...
def ta_set_unstable_period(id: str, n: int) -> None: ...
def ta_get_unstable_period(id: str) -> int: ...

class TaStream:
    def __init__(self, name: str, params: Sequence[float]) -> None: ...
    def update1(self, x0: float) -> float | tuple[float, ...]: ...
    def update2(self, x0: float, x1: float) -> float | tuple[float, ...]: ...
    def update3(self, x0: float, x1: float, x2: float) -> float | tuple[float, ...]: ...
    def update4(self, x0: float, x1: float, x2: float, x3: float) -> float | tuple[float, ...]: ...
    def update5(self, x0: float, x1: float, x2: float, x3: float, x4: float) -> float | tuple[float, ...]: ...
    def update_many(self, inputs: Sequence[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]: ...
    def _copy(self) -> TaStream: ...
    def _save(self) -> bytes: ...
    def _load(self, state: bytes) -> None: ...
    @property
    def _name(self) -> str: ...
    @property
    def _params(self) -> list[float]: ...
    @property
    def bars(self) -> int: ...

# backtests (cpp/bindings/bind_backtest.cpp)
def bt_validate(params: dict[str, Any]) -> None: ...
def bt_run(
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

def bt_strategies() -> dict[str, list[str]]: ...
def bt_sweep(
    open: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    strategy: str,
    short: bool,
    combos: npt.NDArray[np.float64],
    params: dict[str, Any],
    periods_per_year: float,
    keep_equity: bool = ...,
    keep_trades: bool = ...,
    progress: SweepProgress | None = ...,
    cancel: CancelToken | None = ...,
) -> dict[str, Any]: ...
def bt_rebalance(
    open: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    params: dict[str, Any],
    cancel: CancelToken | None = ...,
) -> dict[str, Any]: ...
def bt_weights(
    close: npt.NDArray[np.float64],
    rule: str,
    window: int,
    every: int,
    ridge: float,
    cancel: CancelToken | None = ...,
) -> npt.NDArray[np.float64]: ...
def bt_sweep_validate(strategy: str, combos: npt.NDArray[np.float64], n_bars: int) -> None: ...
