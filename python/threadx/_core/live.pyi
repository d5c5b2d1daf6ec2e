"""The live spread core (cpp/bindings/bind_live.cpp)."""

from typing import Any

import numpy as np
import numpy.typing as npt

class SpreadBook:
    def __init__(
        self,
        *,
        exchanges: int,
        symbols: int,
        window: int,
        max_quote_age: int,
        max_points: int,
        max_keys: int,
        q_lo: float,
        q_hi: float,
        interpolation: str = "linear",
        min_periods: int = 1,
    ) -> None: ...
    def update(
        self,
        time: npt.NDArray[np.int64],
        exchange: npt.NDArray[np.int32],
        symbol: npt.NDArray[np.int32],
        bid: npt.NDArray[np.float64],
        ask: npt.NDArray[np.float64],
        out: dict[str, npt.NDArray[Any]],
    ) -> int: ...
    def reserve_symbols(self, symbols: int) -> None: ...
    def stats(self) -> dict[str, Any]: ...
    @property
    def rows_per_tick(self) -> int: ...
    @property
    def symbols(self) -> int: ...
