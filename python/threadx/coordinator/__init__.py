"""Run many ThreadX jobs at once: ``Coordinator`` (asyncio) and ``run_jobs`` (scripts).

Jobs are request structs (``threadx.RollingRequest``, ``threadx.IndicatorRequest``,
...).  The coordinator validates each before queueing it, runs it on a bounded pool of
threads that call the C++ core with the GIL released, stops it through its cancel
token on ``cancel()``, a timeout or a shutdown, runs completion callbacks on a small
timeout-guarded executor, and tracks every task it creates.
"""

from __future__ import annotations

from threadx.coordinator._coordinator import (
    Coordinator,
    CoordinatorStats,
    Job,
    JobStatus,
    Request,
    ShutdownSummary,
)
from threadx.coordinator._sync import gather_jobs, run_jobs

__all__ = [
    "Coordinator",
    "CoordinatorStats",
    "Job",
    "JobStatus",
    "Request",
    "ShutdownSummary",
    "gather_jobs",
    "run_jobs",
]
