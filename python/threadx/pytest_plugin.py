"""ThreadX's pytest plugin (registered through the ``pytest11`` entry point, so installing
threadx is enough): fixtures for testing strategies and code that uses a coordinator. The
assertions are in :mod:`threadx.testing`.

- ``threadx_bars``: the bundled sample bars, a fresh copy per test.
- ``threadx_coordinator``: a started :class:`threadx.Coordinator` on an event loop of its own,
  shut down after the test (passed or failed); ``threadx_coordinator_options`` (override it)
  gives its ``Coordinator(**options)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import pytest

if TYPE_CHECKING:  # imported when a fixture is used: pytest loads this plugin in every session
    from threadx.coordinator import ShutdownSummary

__all__ = ["CoordinatorRunner", "threadx_bars", "threadx_coordinator", "threadx_coordinator_options"]

T = TypeVar("T")

#: Seconds the teardown's ``shutdown(drain=False, timeout=...)`` gives cancelled jobs and callbacks.
SHUTDOWN_TIMEOUT = 2.0


@pytest.fixture
def threadx_bars() -> pd.DataFrame:
    """The bundled sample bars (``threadx.data.sample()``: daily OHLCV, a fresh copy per test)."""
    from threadx.data import sample

    return sample().copy()


class CoordinatorRunner:
    """A started ``Coordinator`` on an event loop this object owns, driven from synchronous code.

    ``run(awaitable)`` runs a coroutine (or awaits a ``Job``) on that loop and returns its
    result: ``job = runner.run(co.submit(request)); result = runner.run(job)``.  The loop runs
    on the calling thread, only inside ``run`` (``loop.run_until_complete``, what
    ``asyncio.run`` does): the coordinator's jobs are asyncio futures of its loop, so they are
    awaited and read on the thread that made them, with no cross-thread hand-off.  Between two
    ``run`` calls the worker threads keep computing; the loop hears of it at the next ``run``.

    ``close()`` shuts the coordinator down (``drain=False``: what still runs is cancelled),
    cancels the tasks a test left on the loop and closes the loop; it returns the shutdown's
    summary.  Idempotent.
    """

    def __init__(self, **options: Any) -> None:
        from threadx.coordinator import Coordinator

        self.coordinator = Coordinator(**options)  # a ValidationError for a bad option, before any loop
        self.loop = asyncio.new_event_loop()
        self._summary: ShutdownSummary | None = None
        try:
            self.run(self.coordinator.__aenter__())
        except BaseException:
            self.loop.close()
            raise

    def run(self, awaitable: Awaitable[T], *, timeout: float | None = None) -> T:
        """The result of ``awaitable`` run on the coordinator's loop (``timeout``: seconds, then
        ``TimeoutError`` and the awaitable is cancelled)."""
        if self.loop.is_closed():
            raise RuntimeError("the threadx_coordinator fixture's loop is closed (the coordinator was shut down)")
        return self.loop.run_until_complete(asyncio.wait_for(awaitable, timeout))

    def close(self) -> ShutdownSummary:
        """Shut the coordinator down, cancel the loop's leftover tasks and close the loop."""
        if self._summary is not None:
            return self._summary
        try:
            self._summary = self.run(self.coordinator.shutdown(drain=False, timeout=SHUTDOWN_TIMEOUT))
        finally:
            _close_loop(self.loop)
        return self._summary


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel and await every task left on ``loop``, then close it (as ``asyncio.run`` ends)."""
    try:
        left = asyncio.all_tasks(loop)
        for task in left:
            task.cancel()
        if left:
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


@pytest.fixture
def threadx_coordinator_options() -> dict[str, Any]:
    """``Coordinator(**options)`` of the ``threadx_coordinator`` fixture: ``{}`` (the defaults).
    Override this fixture in a test module or a conftest.py to change them."""
    return {}


@pytest.fixture
def threadx_coordinator(threadx_coordinator_options: dict[str, Any]) -> Iterator[CoordinatorRunner]:
    """A :class:`CoordinatorRunner`: a started ``Coordinator`` (``.coordinator``) on an event loop
    of its own, driven by ``.run(awaitable)``; shut down after the test, passed or failed.

    A synchronous fixture, since pytest runs no coroutine without a plugin such as
    pytest-asyncio (not a ThreadX dependency)::

        def test_job(threadx_coordinator):
            co = threadx_coordinator.coordinator
            job = threadx_coordinator.run(co.submit(threadx.RollingRequest(values=x, window=5)))
            assert threadx_coordinator.run(job).shape == x.shape

    The loop runs on the test's thread, inside ``run`` only, rather than in a thread of its
    own: a coordinator belongs to one loop and its jobs are asyncio futures of that loop, so a
    loop in another thread would turn every call into a cross-thread hand-off and reading a job
    from the test into a race.  After the test the coordinator is shut down with
    ``drain=False`` (queued and running jobs cancelled, at most ``SHUTDOWN_TIMEOUT`` s), the
    tasks left on the loop are cancelled and the loop is closed; a job or callback that ignored
    its cancellation and still runs then fails the test's teardown, naming it.  In an ``async
    def`` test (pytest-asyncio), use ``async with threadx.Coordinator() as co:`` instead.
    """
    runner = CoordinatorRunner(**threadx_coordinator_options)
    try:
        yield runner
    finally:
        summary = runner.close()
    stuck = summary.abandoned_jobs + summary.abandoned_callbacks
    if stuck:
        pytest.fail(f"threadx_coordinator: the shutdown after the test left {len(stuck)} thread(s) running "
                    f"(work that ignored its cancellation): {'; '.join(stuck)}", pytrace=False)
