"""Type stubs of the private C++ extension (use the public threadx API instead)."""

from collections.abc import Sequence

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
