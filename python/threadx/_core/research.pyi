"""Overfitting statistics (cpp/bindings/bind_research.cpp)."""

from typing import Any

import numpy as np
import numpy.typing as npt

from threadx._core import CancelToken

def sharpe_moments(returns: npt.NDArray[np.float64]) -> dict[str, float]: ...
def probabilistic_sharpe(sharpe: float, n_obs: float, skew: float, kurtosis: float, sr_benchmark: float) -> float: ...
def expected_max_sharpe(n_trials: float, trials_variance: float) -> float: ...
def deflated_sharpe(
    sharpe: float, n_obs: float, skew: float, kurtosis: float, n_trials: float, trials_variance: float
) -> float: ...
def min_track_record_length(sharpe: float, skew: float, kurtosis: float, sr_benchmark: float, alpha: float) -> float: ...
def norm_ppf(p: float) -> float: ...
def partition_sums(
    returns: npt.NDArray[np.float64], n_partitions: int, cancel: CancelToken | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def trial_metrics(
    count: npt.NDArray[np.float64], sum: npt.NDArray[np.float64], sumsq: npt.NDArray[np.float64], metric: int = 0
) -> npt.NDArray[np.float64]: ...
def pbo(
    count: npt.NDArray[np.float64],
    sum: npt.NDArray[np.float64],
    sumsq: npt.NDArray[np.float64],
    metric: int = 0,
    cancel: CancelToken | None = None,
) -> dict[str, Any]: ...
