"""Requests and runners shared by the coordinator tests."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import threadx
from threadx.errors import ValidationError

# a native job that runs about 10 s uncancelled (CCI rescans its window: O(n * period))
LONG_N = 1_000_000
LONG_PERIOD = 5_000


def long_native_request() -> threadx.IndicatorRequest:
    x = np.cumsum(np.random.default_rng(3).standard_normal(LONG_N))
    return threadx.IndicatorRequest(function="CCI", inputs=[x + 1, x - 1, x], params={"timeperiod": LONG_PERIOD})


@dataclass(eq=False)
class Gate:
    """A Python job that waits for ``release`` (checking its cancel token) and returns ``value``."""

    value: Any = None
    release: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)
    seconds: float = 30.0

    def validate(self) -> Gate:
        if self.seconds <= 0:
            raise ValidationError([{"field": "seconds", "value": repr(self.seconds), "message": "must be > 0"}])
        return self

    def run(self, *, cancel: threadx.CancelToken | None = None) -> Any:
        self.started.set()
        end = time.monotonic() + self.seconds
        while not self.release.wait(0.002):
            if cancel is not None:
                cancel.check()
            if time.monotonic() > end:
                raise RuntimeError("Gate was never released")
        return self.value


@dataclass(eq=False)
class Boom:
    """A job whose run raises ``exc``."""

    exc: Exception

    def validate(self) -> Boom:
        return self

    def run(self) -> Any:
        raise self.exc


def run_async(coro: Coroutine[Any, Any, Any], timeout: float = 120.0) -> Any:
    """Run ``coro`` in debug mode; fail on any loop error report or task left pending."""
    problems: list[dict[str, Any]] = []

    async def main() -> Any:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, ctx: problems.append(ctx))
        try:
            return await asyncio.wait_for(coro, timeout)
        finally:
            left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            assert not left, f"tasks left pending: {left}"

    result = asyncio.run(main(), debug=True)
    gc.collect()
    assert not problems, problems
    return result
