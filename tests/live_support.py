"""A local exchange for the live tests: a WebSocket server on 127.0.0.1 playing a scripted
stream (Binance ``bookTicker`` / Coinbase ``ticker`` messages), an ``emit`` that collects, and
helpers to run a feed and wait for a condition within a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
from threadx.live._types import Quote
from threadx.sources import CircuitBreaker, Retry

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

E0 = 1_700_000_000_000  # ms, the event time of message 0


def coinbase_ticker(product: str, bid: float, ask: float, ts_ns: int) -> str:
    """A Coinbase Exchange ``ticker`` message (time to the microsecond, as Coinbase sends it)."""
    when = pd.Timestamp(ts_ns, tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"type": "ticker", "product_id": product, "best_bid": repr(bid), "best_ask": repr(ask),
                       "time": when})


def book(symbol: str, i: int, *, event_time: bool = True) -> str:
    """Binance ``bookTicker`` message ``i`` (bid 100 + i + 0.25, ask 101 + i + 0.5; USD-M futures'
    event time ``E0 + i`` ms when ``event_time``, else the spot form without one)."""
    msg: dict[str, Any] = {"u": i, "s": symbol, "b": f"{100 + i}.25", "B": "1", "a": f"{101 + i}.5", "A": "2"}
    if event_time:
        msg.update(e="bookTicker", E=E0 + i, T=E0 + i - 1)
    return json.dumps(msg)


Script = Callable[["Exchange", "ServerConnection", int], Awaitable[None]]


class Exchange:
    """A WebSocket server on 127.0.0.1 playing an exchange: connection ``n`` (1-based) runs
    ``script(self, ws, n)`` after reading the subscribe message (kept in ``subscribes``)."""

    def __init__(self, script: Script, *, subscribe: bool = True) -> None:
        self.script = script
        self.subscribe = subscribe
        self.connections = 0
        self.subscribes: list[Any] = []
        self.close_codes: list[int | None] = []
        self.port = 0

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        try:
            if self.subscribe:
                self.subscribes.append(json.loads(await ws.recv()))
            await self.script(self, ws, self.connections)
        finally:
            await ws.wait_closed() if ws.close_code is not None else None
            self.close_codes.append(ws.close_code)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[Exchange]:
        from websockets.asyncio.server import serve

        async with serve(self._handler, "127.0.0.1", self.port) as server:
            self.port = server.sockets[0].getsockname()[1]
            yield self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"


async def forever(ex: Exchange, ws: ServerConnection, n: int) -> None:
    await ws.wait_closed()


def sender(per_connection: list[list[str | bytes]], then: Script = forever) -> Script:
    async def script(ex: Exchange, ws: ServerConnection, n: int) -> None:
        for m in per_connection[n - 1] if n <= len(per_connection) else []:
            await ws.send(m)
        await then(ex, ws, n)
    return script


def fast(threshold: int = 100, cooldown: float = 0.05) -> dict[str, Any]:
    return {"retry": Retry(base_delay=0.01, max_delay=0.05, jitter=0.0),
            "breaker": CircuitBreaker(threshold, cooldown)}


class Collect:
    """An ``emit``: keeps the quotes; ``blocking`` makes it a queue of one a slow consumer reads."""

    def __init__(self, delay: float = 0.0) -> None:
        self.quotes: list[Quote] = []
        self.delay = delay

    async def __call__(self, quote: Quote) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)  # backpressure: the feed waits here
        self.quotes.append(quote)


async def until(cond: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


@contextlib.asynccontextmanager
async def running(feed: Any, emit: Any) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.ensure_future(feed.run(emit))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
