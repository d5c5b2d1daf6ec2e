"""Rolling statistics (cpp/bindings/bind_rolling.cpp)."""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from threadx._core import CancelToken

def compute(
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
) -> None: ...

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
