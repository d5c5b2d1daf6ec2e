"""Indicators (cpp/bindings/bind_ta.cpp)."""

from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from threadx._core import CancelToken

def functions() -> list[dict[str, Any]]: ...
class Plan:
    """A validated indicator call; made only by validate()."""

    @property
    def name(self) -> str: ...
    @property
    def sets(self) -> int: ...

def validate(name: str, params: npt.NDArray[np.float64]) -> Plan: ...
def run_plan(
    plan: Plan,
    inputs: Sequence[npt.NDArray[np.float64]],
    token: CancelToken | None = ...,
) -> npt.NDArray[np.float64]: ...
def run(
    name: str,
    inputs: Sequence[npt.NDArray[np.float64]],
    params: npt.NDArray[np.float64],
    token: CancelToken | None = ...,
) -> npt.NDArray[np.float64]: ...
def _as_int32(raw: npt.NDArray[np.float64]) -> npt.NDArray[np.int32]:
    """An integer output of run() as int32, NaN as 0 (TA-Lib's positions), one pass."""

def _validations() -> int: ...
def _share_groups(name: str, params: npt.NDArray[np.float64]) -> list[list[int]]: ...
def unstable_names() -> list[str]: ...
def set_unstable_period(id: str, n: int) -> None: ...
def get_unstable_period(id: str) -> int: ...
def candle_setting_defaults() -> list[tuple[str, int, int, float]]:
    """TA-Lib's candle settings and their defaults: (name, range type, avg period, factor), in TA-Lib's order."""

def range_type_names() -> list[str]:
    """TA-Lib's candle range types, in its order."""

def check_candle_settings(values: Sequence[float]) -> None:
    """Raise ValidationError for any invalid value of a full candle settings table."""

def _state_header(state: bytes) -> tuple[str, list[float]]:
    """The (indicator name, parameters) of a saved streaming state, its header and checksum checked."""

def _checksum(data: bytes) -> int:
    """The CRC-64 a saved state ends with, of these bytes (for tests)."""

class Stream:
    @overload
    def __init__(self) -> None: ...
    @overload
    def __init__(self, name: str, params: Sequence[float]) -> None: ...
    def _make(self, name: str, params: Sequence[float]) -> None:
        """Give a stream made without a state its indicator (validated)."""
    def update1(self, x0: float) -> float | tuple[float, ...]: ...
    def update2(self, x0: float, x1: float) -> float | tuple[float, ...]: ...
    def update3(self, x0: float, x1: float, x2: float) -> float | tuple[float, ...]: ...
    def update4(self, x0: float, x1: float, x2: float, x3: float) -> float | tuple[float, ...]: ...
    def update5(self, x0: float, x1: float, x2: float, x3: float, x4: float) -> float | tuple[float, ...]: ...
    def update_many(self, inputs: Sequence[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]: ...
    def _copy(self) -> Stream: ...
    def _save(self) -> bytes:
        """The state as bytes (header, fields, checksum: ta/registry.hpp)."""
    def _load(self, state: bytes) -> None:
        """Restore a state saved by this indicator with these parameters; every field checked."""
    @property
    def _name(self) -> str: ...
    @property
    def _params(self) -> list[float]: ...
    @property
    def bars(self) -> int: ...
