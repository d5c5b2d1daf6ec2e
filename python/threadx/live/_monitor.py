"""The spread monitor service: feeds -> bounded queue -> core -> subscribers and Parquet, observable.

Every task is tracked (``TaskRegistry``: strong references, exceptions logged with their
task's name and counted in ``health()``).  ``stop()`` stops the feeds, drains the queue
through the core, flushes the sink and closes the server, within ``stop_timeout``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import signal
import time
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol

import numpy as np

from threadx._inputs import FieldErrors, as_int
from threadx.coordinator._tasks import TaskRegistry
from threadx.errors import CoordinatorClosedError, ValidationError
from threadx.live._base import positive_seconds
from threadx.live._book import SpreadBook
from threadx.live._config import (
    BREAKER_KEYS,
    FEED_KEYS,
    REPLAY_KEYS,
    MONITOR_DEFAULTS,
    RETRY_KEYS,
    SERVER_KEYS,
    SINK_KEYS,
    build,
    load_config,
    section,
)
from threadx.live._queue import TickQueue
from threadx.live._types import SPREAD_COLUMNS, TICK_COLUMNS, Quote

__all__ = ["Feed", "SpreadMonitor", "run_monitor"]

log = logging.getLogger("threadx.live")


class Feed(Protocol):
    """What the monitor runs: ``run(emit)`` until cancelled (or the data ends) and ``snapshot()``."""

    name: str

    async def run(self, emit: Any) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...


class SpreadMonitor:
    """Cross-exchange spreads with exact rolling quantiles, as a service.

    ``config``: a TOML path or a mapping with the sections ``monitor``, ``server``, ``sink``
    and ``feeds`` (see ``threadx.live._config``); ``feeds``: feed objects to run besides
    the configured ones (anything with ``name``, ``async run(emit)`` and ``snapshot()``).
    Everything is checked here, every bad field at once.

        async with SpreadMonitor("live.toml") as mon:
            await mon.wait()          # until a signal, stop() or the replay feeds end

    ``updates()`` gives an in-process subscription (an async iterator of spread rows).
    """

    def __init__(self, config: Any = None, *, feeds: Sequence[Feed] = ()) -> None:
        cfg = load_config({} if config is None else config)
        errors = FieldErrors()
        m = {**MONITOR_DEFAULTS, **section(cfg, "monitor", MONITOR_DEFAULTS, errors)}
        self.feeds: list[Feed] = [f for f in (self._feed(i, f, m, errors) for i, f in
                                              enumerate(cfg.get("feeds") or [])) if f is not None]
        if isinstance(feeds, (str, bytes)) or not isinstance(feeds, Sequence) or not all(
                isinstance(getattr(f, "name", None), str) and callable(getattr(f, "run", None))
                and callable(getattr(f, "snapshot", None)) for f in feeds):
            errors.add("feeds", repr(feeds)[:80], "must be a sequence of feeds (name, async run(emit), snapshot())")
        else:
            self.feeds += list(feeds)
        names = [f.name for f in self.feeds]
        if len(set(names)) != len(names):
            errors.add("feeds", names, "must have distinct names")
        exchanges = m["exchanges"] if m["exchanges"] is not None else [
            n for n in names if not _is_replay(self._by_name(n))]
        self.book = build(lambda: SpreadBook(
            exchanges, window=m["window"], max_quote_age=m["max_quote_age"], max_points=m["max_points"],
            max_keys=m["max_keys"], q_lo=m["q_lo"], q_hi=m["q_hi"], interpolation=m["interpolation"],
            min_periods=m["min_periods"], max_symbols=m["max_symbols"]), "monitor", errors)
        self._queue_args = (m["queue_size"], m["overflow"])
        build(lambda: TickQueue(*self._queue_args), "monitor", errors)
        self.batch_max = as_int(m["batch_max"], "monitor.batch_max", errors, 1, minimum=1)
        self.stop_timeout = positive_seconds(m["stop_timeout"], "monitor.stop_timeout", errors)
        self.server = self._server(cfg, errors)
        self.sink, self.tick_sink = self._sinks(cfg, errors)
        errors.raise_if_any()
        assert self.book is not None
        self._queue: TickQueue | None = None
        self._tasks: TaskRegistry | None = None
        self._feed_tasks: dict[str, asyncio.Task[Any]] = {}
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._stopped = asyncio.Event()
        self._started_at: float | None = None
        self._last_tick: float | None = None
        self._rows = 0
        self._signals = 0
        self._failed_ticks = 0
        self._state = "new"
        self.report: dict[str, Any] = {}

    # ------------------------------------------------------------------ building

    def _by_name(self, name: str) -> Feed:
        return next(f for f in self.feeds if f.name == name)

    def _feed(self, i: int, spec: Mapping[str, Any], m: Mapping[str, Any], errors: FieldErrors) -> Feed | None:
        where = f"feeds[{i}]"
        f = section(spec, where, FEED_KEYS, errors, prefix=where)
        adapter: Any = f.get("adapter")
        kind = "replay" if adapter == "replay" else "WebSocket"
        for key in sorted(set(f) - (REPLAY_KEYS if adapter == "replay" else set(FEED_KEYS) - {"path", "speed"})):
            errors.add(f"{where}.{key}", f[key], f"does not apply to a {kind} feed")
        if adapter == "replay":
            from threadx.live._replay import ReplayFeed
            return build(lambda: ReplayFeed(f.get("path"), speed=f.get("speed"), name=f.get("name", "replay")),
                         where, errors)
        from threadx.live._feeds import WebSocketFeed
        from threadx.sources import CircuitBreaker, Retry
        retry = build(lambda: Retry(**section(f.get("retry") or {}, f"{where}.retry", RETRY_KEYS, errors,
                                              prefix=f"{where}.retry")), f"{where}.retry", errors)
        breaker = build(lambda: CircuitBreaker(**section(f.get("breaker") or {}, f"{where}.breaker", BREAKER_KEYS,
                                                         errors, prefix=f"{where}.breaker")), f"{where}.breaker", errors)
        options = {k: f[k] for k in ("open_timeout", "stale_timeout", "close_timeout", "reload_delay", "max_size")
                   if k in f}
        name: Any = f.get("name")
        url: Any = f.get("url")
        return build(lambda: WebSocketFeed(name, url, adapter, f.get("symbols", m["symbols"]),
                                           retry=retry, breaker=breaker, **options), where, errors)

    def _server(self, cfg: Mapping[str, Any], errors: FieldErrors) -> Any:
        if "server" not in cfg:
            return None
        s = section(cfg, "server", SERVER_KEYS, errors)
        from threadx._optional import require
        from threadx.live._server import SubscriberServer
        prom = require("prometheus_client", extra="live", feature="the monitor's /metrics")
        self.registry = prom.CollectorRegistry()
        self.registry.register(_Collector(self))
        return build(lambda: SubscriberServer(**s, health=self.health, metrics=self.registry), "server", errors)

    def _sinks(self, cfg: Mapping[str, Any], errors: FieldErrors) -> tuple[Any, Any]:
        if "sink" not in cfg:
            return None, None
        s = section(cfg, "sink", SINK_KEYS, errors)
        raw = s.pop("raw_ticks", False)
        if not isinstance(raw, bool):
            errors.add("sink.raw_ticks", raw, "must be true or false")
        from threadx.live._sink import ParquetSink
        spreads = build(lambda: ParquetSink(schema=SPREAD_COLUMNS, prefix="spreads", **s), "sink", errors)
        ticks = build(lambda: ParquetSink(schema=TICK_COLUMNS, prefix="ticks", **s), "sink", errors) if raw is True else None
        return spreads, ticks

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Start the server, the consumer, the sinks' flushers and every feed."""
        if self._state != "new":
            raise CoordinatorClosedError(f"the monitor is {self._state}: make a new one to start again")
        self._state = "starting"
        self._tasks = TaskRegistry(log)
        self._queue = TickQueue(*self._queue_args)
        self._started_at = time.monotonic()
        if self.server is not None:
            await self.server.start()
        self._consumer = self._tasks.spawn(self._consume(), "live.consumer")
        for sink in (self.sink, self.tick_sink):
            if sink is not None:
                self._tasks.spawn(sink.run(), f"live.sink.{sink.prefix}")
        for feed in self.feeds:
            self._feed_tasks[feed.name] = self._tasks.spawn(self._run_feed(feed), f"live.feed.{feed.name}")
        self._state = "running"
        log.info("spread monitor started: %d feeds", len(self.feeds))

    async def _run_feed(self, feed: Feed) -> None:
        assert self._queue is not None
        await feed.run(self._queue.put)
        log.info("feed %r finished", feed.name)
        if self.feeds and all(t.done() or t is asyncio.current_task() for t in self._feed_tasks.values()):
            self._stopped.set()  # every feed ended (replays): wait() returns

    async def wait(self) -> None:
        """Until :meth:`stop` is called or every feed has ended."""
        await self._stopped.wait()

    async def stop(self, timeout: float | None = None) -> dict[str, Any]:
        """Stop the feeds, drain the queue through the core, flush the sinks, close the server.

        Returns (and keeps in ``report``) what happened: ticks accepted, processed, dropped,
        rows made, and whether it all fit in ``timeout`` (default ``stop_timeout``).
        """
        if self._state != "running":
            return self.report
        self._state = "stopping"
        t0 = time.monotonic()
        budget = self.stop_timeout if timeout is None else float(timeout)
        deadline = t0 + budget
        assert self._tasks is not None and self._queue is not None
        feed_tasks = list(self._feed_tasks.values())
        for t in feed_tasks:
            t.cancel()
        if feed_tasks:
            await asyncio.wait(feed_tasks, timeout=max(0.05, deadline - time.monotonic()))
        self._queue.close()
        await asyncio.wait([self._consumer], timeout=max(0.05, deadline - time.monotonic()))
        if not self._consumer.done():
            log.error("spread monitor: the queue did not drain before the stop deadline (%d ticks left)",
                      len(self._queue))
        for sink in (self.sink, self.tick_sink):
            if sink is not None:
                await asyncio.to_thread(sink.close)
        for q in list(self._subscribers):
            q.put_nowait(None)
        if self.server is not None:
            await self.server.stop(timeout=max(0.1, deadline - time.monotonic()))
        stuck = await self._tasks.cancel_all(max(0.05, deadline - time.monotonic()))
        self._state = "stopped"
        self._stopped.set()
        self.report = {**self._queue.stats(), "rows": self._rows, "signals": self._signals,
                       "failed_ticks": self._failed_ticks,
                       "seconds": round(time.monotonic() - t0, 3), "in_time": time.monotonic() <= deadline,
                       "stuck_tasks": [t.get_name() for t in stuck], "task_errors": self._tasks.errors}
        log.info("spread monitor stopped: %s", self.report)
        return self.report

    async def __aenter__(self) -> SpreadMonitor:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    def set_symbols(self, symbols: Iterable[str]) -> None:
        """A new symbol set for every WebSocket feed (each reloads, debounced and coalesced)."""
        wanted = list(symbols)
        for feed in self.feeds:
            setter = getattr(feed, "set_symbols", None)
            if setter is not None:
                setter(wanted)

    # ------------------------------------------------------------------ the hot path

    async def _consume(self) -> None:
        assert self._queue is not None
        while True:
            batch = await self._queue.get_batch(self.batch_max)
            if not batch:
                return
            try:
                self._process(batch)
            except Exception:  # noqa: BLE001 - one bad batch must not stop the service: counted, logged
                self._failed_ticks += len(batch)
                log.exception("spread monitor: a batch of %d ticks failed in the core or an output", len(batch),
                              extra={"ticks": len(batch)})
            await asyncio.sleep(0)  # let the feeds and the server run between batches

    def _process(self, batch: list[Quote]) -> None:
        book = self.book
        assert book is not None
        n = len(batch)
        ts = np.fromiter((q.ts_event for q in batch), np.int64, n)
        recv = np.fromiter((q.ts_recv for q in batch), np.int64, n)
        bid = np.fromiter((q.bid for q in batch), np.float64, n)
        ask = np.fromiter((q.ask for q in batch), np.float64, n)
        exchanges = [q.exchange for q in batch]
        symbols = [q.symbol for q in batch]
        rows = book._run(ts, book.exchange_ids(exchanges), book.symbol_ids(symbols), bid, ask)
        self._last_tick = time.monotonic()
        if self.tick_sink is not None:
            self.tick_sink.append({"ts_event": ts, "ts_recv": recv, "exchange": np.asarray(exchanges, dtype=object),
                                   "symbol": np.asarray(symbols, dtype=object), "bid": bid, "ask": ask})
        n_rows = len(rows["tick"])
        if n_rows == 0:
            return
        cols = book.columns(rows, recv)
        self._rows += n_rows
        self._signals += int(np.count_nonzero(cols["signal"]))
        if self.sink is not None:
            self.sink.append(cols)
        if self.server is not None or self._subscribers:
            self._publish(cols)

    def _publish(self, cols: dict[str, np.ndarray]) -> None:
        """Per symbol of the batch: one message with its rows (records), one with its band signals."""
        names = list(cols)
        symbol = cols["symbol"]
        order = np.argsort(symbol.astype(str), kind="stable") if len(symbol) > 1 else np.arange(len(symbol))
        sorted_symbols = symbol[order]
        starts = np.flatnonzero(np.r_[True, sorted_symbols[1:] != sorted_symbols[:-1]])
        for lo, hi in zip(starts, [*starts[1:], len(order)]):
            idx = order[lo:hi]
            lists = [_json_list(cols[c][idx]) for c in names]
            records = [dict(zip(names, values)) for values in zip(*lists)]
            name = str(sorted_symbols[lo])
            message = {"type": "spreads", "symbol": name, "rows": records}
            if self.server is not None:
                self.server.broadcast(json.dumps(message), symbol=name)
                signals = [r for r in records if r["signal"]]
                if signals:
                    self.server.broadcast(json.dumps({"type": "signals", "symbol": name, "rows": signals}),
                                          symbol=name)
            for q in list(self._subscribers):
                _offer(q, message)

    async def updates(self, maxsize: int = 1000) -> Any:
        """An async iterator of ``{"type": "spreads", "symbol", "rows": [...]}`` messages (bounded:
        when the reader falls ``maxsize`` messages behind, the oldest are dropped)."""
        q: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize)
        self._subscribers.add(q)
        try:
            while (item := await q.get()) is not None:
                yield item
        finally:
            self._subscribers.discard(q)

    # ------------------------------------------------------------------ observability

    def health(self) -> dict[str, Any]:
        """Uptime, memory, keys and points, queue depth, per-feed state and errors, last tick age,
        task errors, sink and counters (what ``/health`` serves and ``/metrics`` exports)."""
        book = self.book
        assert book is not None
        feeds = {f.name: _safe_snapshot(f) for f in self.feeds}
        tasks = self._tasks
        degraded = any(str(s.get("state")) in ("circuit_open", "failed") for s in feeds.values()) or (
            tasks is not None and tasks.errors > 0) or self._failed_ticks > 0
        now = time.monotonic()
        return {
            "status": "degraded" if degraded else ("ok" if self._state == "running" else self._state),
            "uptime_s": 0.0 if self._started_at is None else now - self._started_at,
            "memory_rss_bytes": _rss_bytes(),
            "book": book.stats(),
            "queue": None if self._queue is None else self._queue.stats(),
            "feeds": feeds,
            "last_tick_age_s": None if self._last_tick is None else now - self._last_tick,
            "rows": self._rows, "signals": self._signals, "failed_ticks": self._failed_ticks,
            "tasks": {"running": 0 if tasks is None else len(tasks.pending()),
                      "errors": 0 if tasks is None else tasks.errors},
            "sink": None if self.sink is None else self.sink.stats(),
            "tick_sink": None if self.tick_sink is None else self.tick_sink.stats(),
        }


# ---------------------------------------------------------------------- helpers


def _is_replay(feed: Feed) -> bool:
    return type(feed).__name__ == "ReplayFeed"


def _json_list(values: np.ndarray) -> list[Any]:
    """A column as JSON-ready Python values: NaN (quantiles below min_periods) as None (null)."""
    if values.dtype.kind == "f" and np.isnan(values).any():
        return [None if v != v else v for v in values.tolist()]
    return list(values.tolist())


def _offer(q: asyncio.Queue[Any], item: Any) -> None:
    if q.full():
        q.get_nowait()
    q.put_nowait(item)


def _safe_snapshot(feed: Feed) -> dict[str, Any]:
    try:
        return dict(feed.snapshot())
    except Exception as exc:  # noqa: BLE001 - health must answer even when a feed's snapshot fails
        return {"state": "failed", "last_error": f"snapshot: {type(exc).__name__}: {exc}"}


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _Collector:
    """Prometheus metrics read from ``health()`` at scrape time (the same figures as /health)."""

    def __init__(self, monitor: SpreadMonitor) -> None:
        self._monitor = monitor

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
        h = self._monitor.health()
        book = h["book"]
        ticks = CounterMetricFamily("threadx_live_ticks", "Ticks the core saw", labels=["outcome"])
        ticks.add_metric(["accepted"], book["accepted"])
        for reason, n in book["rejected"].items():
            ticks.add_metric([reason], n)
        yield ticks
        yield CounterMetricFamily("threadx_live_rows", "Spread rows made", value=h["rows"])
        yield CounterMetricFamily("threadx_live_signals", "Band signals", value=h["signals"])
        yield CounterMetricFamily("threadx_live_failed_ticks", "Ticks of batches that failed in the core or an output",
                                  value=h["failed_ticks"])
        for label in ("sink", "tick_sink"):
            sink = h[label] or {}
            if sink:
                yield CounterMetricFamily(f"threadx_live_{label}_rows_written", "Rows the sink wrote",
                                          value=sink.get("rows_written", 0))
                yield CounterMetricFamily(f"threadx_live_{label}_rows_dropped", "Rows the sink's overflow dropped",
                                          value=sink.get("rows_dropped", 0))
                yield CounterMetricFamily(f"threadx_live_{label}_write_errors", "Failed sink writes",
                                          value=sink.get("write_errors", 0))
        yield CounterMetricFamily("threadx_live_evicted_keys", "Spread keys evicted by the LRU", value=book["evicted"])
        yield CounterMetricFamily("threadx_live_dropped_points", "Window points dropped by the cap",
                                  value=book["dropped_points"])
        for name, key in (("keys", "keys"), ("points", "points"), ("truncated_keys", "truncated_keys")):
            yield GaugeMetricFamily(f"threadx_live_{name}", f"Spread {name.replace('_', ' ')} now", value=book[key])
        q = h["queue"] or {}
        yield GaugeMetricFamily("threadx_live_queue_depth", "Ticks waiting for the core", value=q.get("depth", 0))
        yield CounterMetricFamily("threadx_live_queue_dropped", "Ticks the overflow policy dropped",
                                  value=q.get("dropped", 0))
        yield GaugeMetricFamily("threadx_live_memory_rss_bytes", "Resident memory", value=h["memory_rss_bytes"])
        yield GaugeMetricFamily("threadx_live_uptime_seconds", "Seconds since start", value=h["uptime_s"])
        yield CounterMetricFamily("threadx_live_task_errors", "Tasks that failed", value=h["tasks"]["errors"])
        up = GaugeMetricFamily("threadx_live_feed_up", "1 when the feed is connected or running", labels=["feed"])
        for name, snap in h["feeds"].items():
            up.add_metric([name], 1.0 if snap.get("state") in ("connected", "running") else 0.0)
        yield up


async def run_monitor(config: Any, *, install_signals: bool = True) -> dict[str, Any]:
    """Run a monitor until SIGINT/SIGTERM (or its replay feeds end); returns its stop report."""
    monitor = SpreadMonitor(config)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handled = []
    if install_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
                handled.append(sig)
            except (NotImplementedError, RuntimeError):  # not the main thread / not supported
                pass
    await monitor.start()
    try:
        waiter = asyncio.ensure_future(monitor.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait([waiter, stopper], return_when=asyncio.FIRST_COMPLETED)
        for t in (waiter, stopper):
            t.cancel()
        await asyncio.gather(waiter, stopper, return_exceptions=True)
    finally:
        report = await monitor.stop()
        for sig in handled:
            loop.remove_signal_handler(sig)
    return report
