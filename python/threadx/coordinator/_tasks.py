"""Tracked asyncio tasks: strong references, retrieved exceptions, nothing left pending."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

__all__ = ["TaskRegistry"]


class TaskRegistry:
    """Every task the coordinator creates, held until it is done.

    asyncio keeps only weak references to tasks, so a task nobody holds can vanish
    mid-flight; one whose exception nobody reads is reported at garbage collection.
    Here each task is held in a set, and a done-callback drops it and reads its
    exception (logging it with the task's name), so neither can happen.
    """

    def __init__(self, logger: logging.Logger) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._log = logger
        self.errors = 0

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self.errors += 1
            self._log.error("internal task %s failed", task.get_name(), exc_info=exc)

    def __len__(self) -> int:
        return len(self._tasks)

    def pending(self) -> list[asyncio.Task[Any]]:
        return [t for t in self._tasks if not t.done()]

    async def wait(self, timeout: float | None) -> None:
        """Wait up to ``timeout`` s for every tracked task (other than the caller)."""
        me = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not me]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    async def cancel_all(self, timeout: float | None) -> list[asyncio.Task[Any]]:
        """Cancel what is still pending and wait up to ``timeout`` s for it to finish.

        Returns the tasks still pending then: code that swallows ``CancelledError``
        keeps its task running, and nothing can stop it.  They stay tracked (held and
        their exceptions read) until they end on their own.
        """
        me = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not me and not t.done()]
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        return [t for t in tasks if not t.done()]
