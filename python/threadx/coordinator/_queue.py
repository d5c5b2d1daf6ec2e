"""Places in the coordinator's queue: submitters wait for one, ``close()`` wakes them all."""

from __future__ import annotations

import asyncio
from collections import deque

from threadx.errors import CoordinatorClosedError, QueueFullError

__all__ = ["Slots"]


def _wake_one(waiters: deque[asyncio.Future[None]]) -> None:
    while waiters:
        fut = waiters.popleft()
        if not fut.done():
            fut.set_result(None)
            return


class Slots:
    """At most ``capacity`` jobs wait to start; ``acquire`` waits for a free place.

    A job holds its place from ``submit`` until it starts running or is cancelled.
    ``close()`` wakes every waiting submitter, which then raises
    ``CoordinatorClosedError``.  Loop-thread only.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.closed = False

    def full(self) -> bool:
        return self.used >= self.capacity

    def _closed_error(self) -> CoordinatorClosedError:
        return CoordinatorClosedError("the coordinator is shutting down and takes no new jobs")

    async def acquire(self) -> None:
        while self.full() and not self.closed:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                await fut
            except BaseException:
                fut.cancel()
                try:
                    self._waiters.remove(fut)
                except ValueError:  # it had been woken: pass the wake-up on
                    _wake_one(self._waiters)
                raise
        self.acquire_nowait()

    def acquire_nowait(self) -> None:
        if self.closed:
            raise self._closed_error()
        if self.full():
            raise QueueFullError(f"the queue already holds max_queue={self.capacity} waiting jobs")
        self.used += 1

    def release(self) -> None:
        self.used -= 1
        _wake_one(self._waiters)

    def close(self) -> None:
        """Refuse new jobs and wake every waiting submitter."""
        self.closed = True
        while self._waiters:
            _wake_one(self._waiters)
