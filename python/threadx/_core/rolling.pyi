"""Rolling statistics (cpp/bindings/bind_rolling.cpp)."""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from threadx._core import CancelToken

def stats() -> list[str]: ...
def interpolations() -> list[str]: ...
def rank_methods() -> list[str]: ...

class Plan:
    """A validated rolling call; made only by validate()."""

    @property
    def stat(self) -> str: ...
    @property
    def n_rows(self) -> int: ...
    @property
    def k(self) -> int: ...
    @property
    def time_window(self) -> bool: ...

def validate(
    n_rows: int,
    stat: str,
    window: int,
    time_window: bool = ...,
    min_periods: int = ...,
    q: Sequence[float] = ...,
    interpolation: str = ...,
    ddof: int = ...,
    times: npt.NDArray[np.int64] | None = ...,
    method: str = ...,
    ascending: bool = ...,
    pct: bool = ...,
) -> Plan: ...
def compute(
    plan: Plan,
    values: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
    token: CancelToken | None = ...,
) -> None: ...
def _rule_counts() -> tuple[int, int]: ...

class Stream:
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

class RankStream:
    def __init__(
        self,
        window: int,
        time_window: bool = ...,
        min_periods: int = ...,
        method: str = ...,
        ascending: bool = ...,
        pct: bool = ...,
        max_points: int = ...,
    ) -> None: ...
    def update(self, value: float, time: int | None = ...) -> float: ...
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
