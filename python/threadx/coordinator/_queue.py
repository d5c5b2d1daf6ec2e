"""The bounded job queue: waiting submitters, waiting workers, and a close that wakes both."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Generic, TypeVar

from threadx.errors import CoordinatorClosedError, QueueFullError

__all__ = ["JobQueue"]

T = TypeVar("T")


def _wake_one(waiters: deque[asyncio.Future[None]]) -> None:
    while waiters:
        fut = waiters.popleft()
        if not fut.done():
            fut.set_result(None)
            return


async def _wait(waiters: deque[asyncio.Future[None]]) -> None:
    fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    waiters.append(fut)
    try:
        await fut
    except BaseException:
        fut.cancel()
        try:
            waiters.remove(fut)
        except ValueError:  # it had been woken: pass the wake-up on
            _wake_one(waiters)
        raise


class JobQueue(Generic[T]):
    """At most ``capacity`` items wait; ``put`` waits for room, ``get`` for an item.

    Unlike ``asyncio.Queue`` it can drop a waiting item (a cancelled job leaves at once
    and frees its place) and ``close()`` wakes every waiter: submitters then raise
    ``CoordinatorClosedError`` and workers get ``None`` once the queue is empty.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: deque[T] = deque()
        self._putters: deque[asyncio.Future[None]] = deque()
        self._getters: deque[asyncio.Future[None]] = deque()
        self.closed = False

    def __len__(self) -> int:
        return len(self._items)

    def full(self) -> bool:
        return len(self._items) >= self.capacity

    def _closed_error(self) -> CoordinatorClosedError:
        return CoordinatorClosedError("the coordinator is shutting down and takes no new jobs")

    async def put(self, item: T) -> None:
        while self.full() and not self.closed:
            await _wait(self._putters)
        self.put_nowait(item)

    def put_nowait(self, item: T) -> None:
        if self.closed:
            raise self._closed_error()
        if self.full():
            raise QueueFullError(f"the queue already holds max_queue={self.capacity} waiting jobs")
        self._items.append(item)
        _wake_one(self._getters)

    async def get(self) -> T | None:
        """The next item; None once the queue is closed and empty."""
        while not self._items:
            if self.closed:
                return None
            await _wait(self._getters)
        item = self._items.popleft()
        _wake_one(self._putters)
        return item

    def remove(self, item: Any) -> bool:
        try:
            self._items.remove(item)
        except ValueError:
            return False
        _wake_one(self._putters)
        return True

    def take_all(self) -> list[T]:
        items = list(self._items)
        self._items.clear()
        for _ in items:
            _wake_one(self._putters)
        return items

    def close(self) -> None:
        """Refuse new items and wake every waiter."""
        self.closed = True
        for waiters in (self._putters, self._getters):
            while waiters:
                _wake_one(waiters)
