"""ThreadX: fast, exact rolling statistics, indicators and backtests with a TBB core."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from threadx._runtime import preload_tbb

preload_tbb()

from threadx import _core  # noqa: E402
from threadx import data, errors, rolling, sources  # noqa: E402
from threadx._core import CancelToken  # noqa: E402
from threadx.errors import (  # noqa: E402
    BacktestError,
    CallbackTimeoutError,
    CancelledError,
    CoordinatorClosedError,
    DataError,
    IndicatorError,
    MissingDependencyError,
    QueueFullError,
    TaskTimeoutError,
    ThreadXError,
    ValidationError,
)
from threadx.coordinator import Coordinator, Job, JobStatus, gather_jobs, run_jobs  # noqa: E402
from threadx.requests import (  # noqa: E402
    BacktestRequest,
    DataRequest,
    IndicatorRequest,
    RollingRequest,
    SweepRequest,
)
from threadx.rolling import RollingQuantile, RollingRank  # noqa: E402

__version__: str = _core.__version__

__all__ = [
    "BacktestError",
    "BacktestRequest",
    "CallbackTimeoutError",
    "CancelToken",
    "CancelledError",
    "Coordinator",
    "CoordinatorClosedError",
    "DataError",
    "DataRequest",
    "IndicatorError",
    "IndicatorRequest",
    "Job",
    "JobStatus",
    "MissingDependencyError",
    "QueueFullError",
    "RollingQuantile",
    "RollingRank",
    "RollingRequest",
    "SweepRequest",
    "TaskTimeoutError",
    "ThreadXError",
    "ValidationError",
    "__version__",
    "backtest",
    "data",
    "errors",
    "gather_jobs",
    "get_num_threads",
    "live",
    "research",
    "rolling",
    "run_jobs",
    "set_num_threads",
    "sources",
    "stream",
    "ta",
]

# imported on first use (``threadx.ta.RSI`` works after a bare ``import threadx``)
_LAZY_SUBMODULES = ("backtest", "live", "research", "stream", "ta")


def __getattr__(name: str) -> ModuleType:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"threadx.{name}")
    raise AttributeError(f"module 'threadx' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))


def set_num_threads(n: int) -> int:
    """Cap the threads ThreadX's kernels use (process-wide, shared with other TBB users).

    Returns the number of threads now in force (the cap, or the machine's threads when
    the cap is larger).  ``THREADX_NUM_THREADS`` sets it at import.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 2**31 - 1:
        raise ValidationError([{"field": "n", "value": repr(n), "message": "must be an integer in [1, 2**31 - 1]"}])
    return int(_core.set_num_threads(n))


def get_num_threads() -> int:
    """The number of threads ThreadX's kernels may use."""
    return int(_core.get_num_threads())


def _threads_from_env() -> None:
    raw = os.environ.get("THREADX_NUM_THREADS")
    if raw is None or raw.strip() == "":
        return
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValidationError(
            [{"field": "THREADX_NUM_THREADS", "value": repr(raw), "message": "must be an integer >= 1"}]
        )
    set_num_threads(n)


_threads_from_env()
