"""``run_jobs``: the coordinator for scripts, without writing any asyncio."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from threadx.coordinator._coordinator import Callback, Coordinator, Request
from threadx.errors import ThreadXError

__all__ = ["gather_jobs", "run_jobs"]


async def gather_jobs(requests: Iterable[Request], *, ordered: bool = True, return_exceptions: bool = False,
                      timeout: float | None = None, callback: Callback | None = None,
                      **options: Any) -> list[Any]:
    """``await`` form of :func:`run_jobs` (for notebooks and other running event loops)."""
    async with Coordinator(**options) as co:
        return [r async for r in co.map(requests, ordered=ordered, return_exceptions=return_exceptions,
                                         timeout=timeout, callback=callback)]


def run_jobs(requests: Iterable[Request], *, ordered: bool = True, return_exceptions: bool = False,
             timeout: float | None = None, callback: Callback | None = None, **options: Any) -> list[Any]:
    """Run ``requests`` through a fresh ``Coordinator(**options)``; their results as a list.

    Results come in input order (``ordered=False``: completion order).  A failing job
    raises its error after the others are cancelled, unless ``return_exceptions=True``.
    Ctrl+C cancels every job and returns within about a second.  Inside a running
    event loop (Jupyter, async code) use ``await threadx.gather_jobs(...)`` instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise ThreadXError(
            "run_jobs() cannot run inside a running event loop (as in Jupyter or async code): "
            "use `results = await threadx.gather_jobs(requests)` there, or "
            "`async with threadx.Coordinator() as co:` and `[r async for r in co.map(requests)]`")
    return asyncio.run(gather_jobs(requests, ordered=ordered, return_exceptions=return_exceptions,
                                   timeout=timeout, callback=callback, **options))
