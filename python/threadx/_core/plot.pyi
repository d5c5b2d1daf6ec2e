"""Downsampling for drawing (cpp/bindings/bind_plot.cpp)."""

import numpy as np
import numpy.typing as npt

from threadx._core import CancelToken

def m4_indices(
    y: npt.NDArray[np.float64],
    x: npt.NDArray[np.int64] | None = None,
    columns: int = 2000,
    cancel: CancelToken | None = None,
) -> npt.NDArray[np.int64]: ...
