"""``run_jobs``: the coordinator for scripts, without writing any asyncio."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterable, Mapping
from typing import Any

from threadx._inputs import FieldErrors, unknown_keywords
from threadx.coordinator._coordinator import Callback, Coordinator, Request
from threadx.errors import ThreadXError

__all__ = ["gather_jobs", "run_jobs"]


_OWN_KEYWORDS = ("ordered", "return_exceptions", "timeout", "callback")


def _check_call(requests: Any, options: Mapping[str, Any], where: str) -> None:
    """ValidationError unless ``requests`` is an iterable (not a string) and every keyword of
    ``options`` is one of ``Coordinator``'s (an unknown one: the closest valid name)."""
    errors = FieldErrors()
    if isinstance(requests, (str, bytes)) or not isinstance(requests, Iterable):
        errors.add("requests", requests, "must be an iterable of requests (a list, a generator, ...)")
    params = inspect.signature(Coordinator.__init__).parameters.values()
    valid = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self"}
    unknown_keywords(options, valid | set(_OWN_KEYWORDS), errors, where)
    errors.raise_if_any()


async def gather_jobs(requests: Iterable[Request], *, ordered: bool = True, return_exceptions: bool = False,
                      timeout: float | None = None, callback: Callback | None = None,
                      **options: Any) -> list[Any]:
    """``await`` form of :func:`run_jobs` (for notebooks and other running event loops)."""
    _check_call(requests, options, "threadx.gather_jobs")
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
    A ``requests`` that is not an iterable, or a keyword neither this function nor
    ``Coordinator`` takes, is a ValidationError naming it.
    """
    _check_call(requests, options, "threadx.run_jobs")
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
