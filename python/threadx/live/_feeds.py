"""The WebSocket feed of the spread monitor: one exchange's quote stream, reconnected forever.

A feed turns messages into :class:`~threadx.live._types.Quote` objects and awaits
``emit(quote)`` for each (the monitor's bounded queue: when ``emit`` blocks, the feed waits --
backpressure, nothing dropped here).  What it cannot parse it counts by reason and skips;
messages of another type (acks, heartbeats) it counts as ``ignored``.  Value checks (prices,
crossed quotes, time order) are the core's, once.

Every failure -- refused, handshake timeout, closed by the server, no message for
``stale_timeout`` (stalled) -- is recorded on the feed's own circuit breaker, logged on
``logging.getLogger("threadx.live")`` with ``extra={"feed", "url", "reason"}``, and followed by a
reconnect after ``retry.delay(k)`` (``k`` failures since a connection last worked; asyncio.sleep) or,
while the breaker is open, at its half-open probe.  ``run`` never raises but
``asyncio.CancelledError`` (and, at once, ``ValidationError`` for a feed already running or an
``emit`` that is not callable);
cancelling it closes the socket (close handshake bounded by ``close_timeout``) and leaves no
task behind (even when code under it turned the ``CancelledError`` into another error).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from threadx._inputs import FieldErrors, as_int, checked_keywords
from threadx._optional import require
from threadx.live._adapters import PARSE_ERRORS, Adapter, Skip, as_adapter
from threadx.live._base import (
    YIELD_EVERY,
    Emit,
    FeedBase,
    as_symbols,
    log,
    positive_seconds,
)
from threadx.sources import CircuitBreaker, Retry, check_symbol

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["WebSocketFeed"]

IDLE, CONNECTING, CONNECTED, BACKOFF, CIRCUIT_OPEN, STOPPED = (
    "idle", "connecting", "connected", "backoff", "circuit_open", "stopped")
_MAX_TYPES = 32  # distinct ignored message types counted by name; more are counted as "other"


class _Stalled(Exception):
    """No message for ``stale_timeout`` seconds on an open connection."""


def _check_url(url: Any, errors: FieldErrors) -> str:
    if not isinstance(url, str) or urlsplit(url).scheme not in ("ws", "wss") or not urlsplit(url).hostname:
        errors.add("url", url, "must be a ws:// or wss:// URL with a host")
        return ""
    return url


def _cancel_requested() -> bool:
    """Whether the running task was asked to cancel (a request an exception may have swallowed)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _describe(exc: BaseException) -> tuple[str, str]:
    """(reason, text) of a failed session: the reason is what the counters and logs say."""
    closed = require("websockets.exceptions", extra="live", feature="the live WebSocket feeds")
    if isinstance(exc, _Stalled):
        return "stalled", str(exc)
    if isinstance(exc, closed.ConnectionClosed):
        return "closed", f"connection closed ({exc})"
    if isinstance(exc, TimeoutError):
        return "timeout", "timed out opening the connection"
    if isinstance(exc, closed.InvalidStatus):
        return "handshake", str(exc)
    if isinstance(exc, OSError):
        return "refused", f"{type(exc).__name__}: {exc}"
    return "error", f"{type(exc).__name__}: {exc}"


class WebSocketFeed(FeedBase):
    """Quotes of one exchange from its WebSocket stream, reconnected until cancelled.

    ``name`` labels the exchange (``Quote.exchange``); ``adapter`` is an :class:`Adapter` or a
    registered name (``"binance"``, ``"coinbase"``); ``symbols`` canonical symbols
    (``["BTC-USDT"]``, named on the exchange by the adapter) or ``{canonical: exchange symbol}``.
    ``retry`` (its delays; ``max_attempts`` does not apply: a feed retries forever) and
    ``breaker`` are this feed's own.  ``stale_timeout``: no message for that long on an open
    connection is a stall (reconnect).  ``reload_delay``: :meth:`set_symbols` calls are
    debounced by it and coalesced into one reload (a reconnect with the new set).
    ``clock_ns`` gives the receive time (``ts_recv``, ns UTC).
    """

    @checked_keywords
    def __init__(self, name: str, url: str, adapter: Adapter | str, symbols: Any, *,
                 retry: Retry | None = None, breaker: CircuitBreaker | None = None,
                 open_timeout: float = 10.0, stale_timeout: float = 30.0, close_timeout: float = 2.0,
                 reload_delay: float = 0.5, max_size: int = 2**20,
                 clock_ns: Callable[[], int] = time.time_ns) -> None:
        self._client = require("websockets.asyncio.client", extra="live", feature="the live WebSocket feeds")
        errors = FieldErrors()
        check_symbol(name, errors, "name")
        self.url = _check_url(url, errors)
        found = as_adapter(adapter, errors)
        self.adapter: Adapter = found if found is not None else Adapter()
        self._symbols = as_symbols(symbols, self.adapter, errors) if found is not None else {}
        if retry is not None and not isinstance(retry, Retry):
            errors.add("retry", retry, "must be a threadx.sources.Retry or None")
        if breaker is not None and not isinstance(breaker, CircuitBreaker):
            errors.add("breaker", breaker, "must be a threadx.sources.CircuitBreaker or None")
        self.open_timeout = positive_seconds(open_timeout, "open_timeout", errors)
        self.stale_timeout = positive_seconds(stale_timeout, "stale_timeout", errors)
        self.close_timeout = positive_seconds(close_timeout, "close_timeout", errors)
        self.reload_delay = positive_seconds(reload_delay, "reload_delay", errors)
        self.max_size = as_int(max_size, "max_size", errors, 2**20, minimum=1)
        if not callable(clock_ns):
            errors.add("clock_ns", clock_ns, "must be callable (time.time_ns)")
        errors.raise_if_any()
        super().__init__(name)
        self.retry = retry if retry is not None else Retry()
        self.breaker = breaker if breaker is not None else CircuitBreaker()
        self._clock_ns = clock_ns
        self._reverse = self._reverse_map(self._symbols)
        self._pending: dict[str, str] | None = None
        self._requested: asyncio.Event | None = None  # set_symbols -> the reloader (made by run)
        self._changed: asyncio.Event | None = None  # a reload happened (wakes an idle feed)
        self._generation = 0  # bumped by each reload: a session of an older one ends quietly
        self._ws: ClientConnection | None = None
        self._opened = False  # the current session's connection opened
        self._state = STOPPED  # until run
        self._failures = 0  # consecutive, since a connection last worked (its first parsed message)
        self._last_message: float | None = None
        self.parse_errors: Counter[str] = Counter(dict.fromkeys(PARSE_ERRORS, 0))  # every reason, 0 too
        self.ignored_by_type: Counter[str] = Counter()

    def _reverse_map(self, symbols: Mapping[str, str]) -> dict[str, str]:
        return {exchange.upper(): canonical for canonical, exchange in symbols.items()}

    # ------------------------------------------------------------------ symbols

    @property
    def symbols(self) -> dict[str, str]:
        """The symbol set in use, ``{canonical: exchange symbol}``."""
        return dict(self._symbols)

    def set_symbols(self, symbols: Any) -> None:
        """Ask for a new symbol set (validated now; applied after ``reload_delay`` without a
        newer call; a burst gives one reload with its last set).  Call it on the loop's thread."""
        errors = FieldErrors()
        parsed = as_symbols(symbols, self.adapter, errors)
        errors.raise_if_any()
        self._pending = parsed
        if self._requested is not None:
            self._requested.set()

    async def _reloader(self) -> None:
        assert self._requested is not None
        while True:
            await self._requested.wait()
            while True:  # debounce: until reload_delay passes without a newer call
                self._requested.clear()
                try:
                    async with asyncio.timeout(self.reload_delay):
                        await self._requested.wait()
                except TimeoutError:
                    break
            await self._reload()

    async def _reload(self) -> None:
        new, self._pending = self._pending, None
        if new is None or new == self._symbols:
            return
        self._symbols, self._reverse = new, self._reverse_map(new)
        self._generation += 1
        self.counters["reloads"] += 1
        log.info("feed %r: symbols reloaded (%d)", self.name, len(new),
                 extra={"feed": self.name, "url": self.url, "reason": "reload"})
        assert self._changed is not None
        self._changed.set()
        ws = self._ws
        if ws is not None:
            try:
                await ws.close()  # the session sees its generation is over and reconnects at once
            except Exception as exc:  # noqa: BLE001 - the session's read fails and reconnects anyway
                log.warning("feed %r: closing for a reload failed: %r", self.name, exc,
                            extra={"feed": self.name, "url": self.url, "reason": "reload"})

    # ------------------------------------------------------------------ running

    async def run(self, emit: Emit) -> None:
        """Connect, subscribe, read, parse and ``await emit(quote)`` until cancelled."""
        self._start(emit)
        self._requested, self._changed = asyncio.Event(), asyncio.Event()
        if self._pending is not None:  # set before the run: nothing to reload yet
            self._symbols, self._reverse, self._pending = self._pending, self._reverse_map(self._pending), None
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._reloader(), name=f"threadx.live feed {self.name} reloader")
                await self._connect_loop(emit)
        finally:
            self._state, self._ws, self._running = STOPPED, None, False
            self._requested = self._changed = None

    async def _connect_loop(self, emit: Emit) -> None:
        assert self._changed is not None
        while True:
            if not self._symbols:
                self._state = IDLE
                self._changed.clear()
                await self._changed.wait()
                continue
            probe = await self._admitted()
            self._opened = False
            try:
                await self._session(emit, probe)
                self.breaker.release(probe)  # ended for a reload: the probe proved nothing
            except asyncio.CancelledError:
                self.breaker.release(probe)
                raise
            except Exception as exc:  # noqa: BLE001 - every failure is retried; classified for the counters
                if _cancel_requested():  # the error replaced our cancellation: stop, never retry forever
                    self.breaker.release(probe)
                    log.warning("feed %r: stopping; %r replaced the cancellation", self.name, exc,
                                extra={"feed": self.name, "url": self.url, "reason": "cancelled"})
                    raise asyncio.CancelledError from exc
                self._failed(exc)
                await self._backoff()

    async def _admitted(self) -> bool:
        """Wait while the breaker is open; True when this connection is its half-open probe."""
        while True:
            wait, probe = self.breaker.acquire_ticket()
            if wait is None:
                return probe
            self._state = CIRCUIT_OPEN
            await asyncio.sleep(min(max(wait, 0.001), 1.0))  # re-asked: an injected clock may move

    async def _backoff(self) -> None:
        if self.breaker.state != "closed":
            return  # _admitted waits for the probe
        self._state = BACKOFF
        await asyncio.sleep(self.retry.delay(max(self._failures, 1)))

    def _failed(self, exc: Exception) -> None:
        reason, text = _describe(exc)
        self._failures += 1
        self.counters["failures"] += 1
        self.counters["disconnects"] += self._opened  # an open connection lost, not a failed attempt
        self.counters["stalls"] += reason == "stalled"
        self.last_error = f"{reason}: {text}"
        self.breaker.record_failure()
        log.warning("feed %r: %s; reconnecting (failure %d)", self.name, text, self._failures,
                    extra={"feed": self.name, "url": self.url, "reason": reason})

    async def _session(self, emit: Emit, probe: bool) -> None:
        """One connection: returns when a reload ended it, raises when it failed."""
        generation = self._generation
        exchange_symbols = list(self._symbols.values())
        self._state = CONNECTING
        async with self._client.connect(
                self.adapter.url(self.url, exchange_symbols), open_timeout=self.open_timeout,
                close_timeout=self.close_timeout, max_size=self.max_size) as ws:
            self._ws, self._opened = ws, True
            self.counters["connects"] += 1
            try:
                if generation != self._generation:
                    return  # reloaded during the handshake
                await self._subscribe(ws, exchange_symbols)
                self._state = CONNECTED
                await self._read(ws, emit, probe, generation)
            finally:
                self._ws = None
                await ws.close()  # 1000 for a stall or a stop too (the context's exit would send 1011)

    async def _subscribe(self, ws: ClientConnection, exchange_symbols: list[str]) -> None:
        """Send the adapter's subscribe messages (bounded by ``open_timeout``).  A connection the
        server closed already is no failure yet: what it sent before closing is still buffered and
        ``_read`` reads it before the close is reported (a busy loop may resume the feed only after
        the server's last message and its close have arrived)."""
        closed = require("websockets.exceptions", extra="live", feature="the live WebSocket feeds").ConnectionClosed
        try:
            async with asyncio.timeout(self.open_timeout):
                for message in self.adapter.subscribe(exchange_symbols):
                    await ws.send(message)
        except closed:
            return

    async def _read(self, ws: ClientConnection, emit: Emit, probe: bool, generation: int) -> None:
        closed = require("websockets.exceptions", extra="live", feature="the live WebSocket feeds").ConnectionClosed
        answered = False
        while True:
            try:
                async with asyncio.timeout(self.stale_timeout):
                    message = await ws.recv()
            except TimeoutError:
                raise _Stalled(f"no message for {self.stale_timeout:g} s") from None
            except closed:
                if generation != self._generation:
                    return
                raise
            ts_recv = self._clock_ns()
            self._last_message = time.monotonic()
            self.counters["messages"] += 1
            result = self.adapter.parse(message, exchange=self.name, symbols=self._reverse, ts_recv=ts_recv)
            if not answered and (not isinstance(result, Skip) or result.kind == "ignored"):
                answered = True  # the exchange speaks its protocol (garbage proves nothing): the connection works
                self._failures = 0
                self.breaker.record_success(probe)
            if isinstance(result, Skip):
                self._skipped(result)
            else:
                await self._emit(emit, result)
            if self.counters["messages"] % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # a fast stream into a never-blocking emit still shares the loop

    def _skipped(self, skip: Skip) -> None:
        if skip.kind == "ignored":
            self.counters["ignored"] += 1
            known = skip.reason in self.ignored_by_type or len(self.ignored_by_type) < _MAX_TYPES
            self.ignored_by_type[skip.reason if known else "other"] += 1  # a server's types cannot grow it
            return
        if skip.kind == "exchange_error":
            self.counters["exchange_errors"] += 1
            self.last_error = f"exchange error: {skip.detail}"
        else:
            self.parse_errors[skip.reason] += 1
        self._log_skip(skip.reason, skip.detail, logging.WARNING)

    def _where(self) -> str:
        return self.url

    # ------------------------------------------------------------------ observing

    def snapshot(self) -> dict[str, Any]:
        """State, breaker, counters, last error and the age of the last message (seconds)."""
        c = self.counters
        age = None if self._last_message is None else time.monotonic() - self._last_message
        return {
            "name": self.name, "kind": "websocket", "adapter": self.adapter.name, "url": self.url,
            "state": self._state, "symbols": sorted(self._symbols), "breaker": self.breaker.snapshot(),
            **{k: c[k] for k in ("messages", "quotes", "ignored", "exchange_errors", "emit_errors", "connects",
                                 "disconnects", "stalls", "failures", "reloads")},
            "parse_errors": dict(self.parse_errors), "ignored_by_type": dict(self.ignored_by_type),
            "last_error": self.last_error, "last_message_age": age,
        }

    def __repr__(self) -> str:
        return f"WebSocketFeed({self.name!r}, {self.url!r}, {self.adapter!r}, state={self._state!r})"
