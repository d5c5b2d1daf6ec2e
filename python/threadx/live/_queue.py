"""The bounded queue between the feeds and the core, with an explicit overflow policy."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from threadx._inputs import FieldErrors, as_int
from threadx.live._types import Quote

__all__ = ["OVERFLOW", "TickQueue"]

#: "block": a full queue makes the feed wait (backpressure reaches the socket);
#: "drop_oldest": the oldest queued tick makes room and is counted as dropped.
OVERFLOW = ("block", "drop_oldest")


class TickQueue:
    """At most ``maxsize`` quotes; ``put`` follows ``overflow``; ``get_batch`` takes what is there.

    ``accepted`` counts the quotes taken in (queued), ``dropped`` those a ``drop_oldest``
    queue pushed out; after :meth:`close` a ``put`` is refused (counted in ``refused``)
    and ``get_batch`` drains what is left, then returns an empty list.
    """

    def __init__(self, maxsize: int = 10_000, overflow: str = "block") -> None:
        errors = FieldErrors()
        self.maxsize = as_int(maxsize, "queue_size", errors, 1, minimum=1)
        if overflow not in OVERFLOW:
            errors.add("overflow", overflow, f"must be one of {', '.join(OVERFLOW)}")
        errors.raise_if_any()
        self.overflow = overflow
        self._items: deque[Quote] = deque()
        self._not_empty = asyncio.Event()
        self._not_full = asyncio.Event()
        self._not_full.set()
        self._closed = False
        self.accepted = 0
        self.dropped = 0
        self.refused = 0
        self.taken = 0
        self.high_water = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def closed(self) -> bool:
        return self._closed

    async def put(self, quote: Quote) -> None:
        while not self._closed and len(self._items) >= self.maxsize:
            if self.overflow == "drop_oldest":
                self._items.popleft()
                self.dropped += 1
                break
            self._not_full.clear()
            await self._not_full.wait()
        if self._closed:
            self.refused += 1
            return
        self._items.append(quote)
        self.accepted += 1
        self.high_water = max(self.high_water, len(self._items))
        self._not_empty.set()

    async def get_batch(self, limit: int) -> list[Quote]:
        """Up to ``limit`` quotes, waiting for the first; [] once closed and empty."""
        while not self._items:
            if self._closed:
                return []
            self._not_empty.clear()
            await self._not_empty.wait()
        n = min(limit, len(self._items))
        batch = [self._items.popleft() for _ in range(n)]
        self.taken += n
        if not self._items:
            self._not_empty.clear()
        self._not_full.set()
        return batch

    def close(self) -> None:
        """No more puts; wakes every waiter (blocked feeds return, the consumer drains)."""
        self._closed = True
        self._not_empty.set()
        self._not_full.set()

    def stats(self) -> dict[str, Any]:
        return {"depth": len(self._items), "capacity": self.maxsize, "overflow": self.overflow,
                "accepted": self.accepted, "dropped": self.dropped, "refused": self.refused,
                "processed": self.taken, "high_water": self.high_water}
