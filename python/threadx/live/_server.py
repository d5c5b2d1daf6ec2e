"""The subscriber server: spread updates broadcast over WebSocket, ``/health`` and ``/metrics`` over HTTP.

One listening socket serves both (websockets' ``process_request`` hook answers the plain
HTTP GETs).  Each subscriber has a bounded send queue and its own sender task: ``broadcast``
only puts the message in every queue, so it never blocks, and a client whose queue is full
or whose send does not complete within ``send_timeout`` is dropped (closed with code 1013,
*try again later*) without slowing the others.  Every task the server creates is tracked
(:class:`threadx.coordinator._tasks.TaskRegistry`); ``stop()`` leaves no task and no socket.
"""

from __future__ import annotations

import asyncio
import http
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from threadx._inputs import FieldErrors, as_int, as_number, checked_keywords
from threadx._optional import require
from threadx.coordinator._tasks import TaskRegistry
from threadx.errors import CoordinatorClosedError, ValidationError

if TYPE_CHECKING:
    from websockets.asyncio.server import Server, ServerConnection
    from websockets.http11 import Request, Response

__all__ = ["SubscriberServer"]

_log = logging.getLogger("threadx.live.server")

SUBSCRIBE_PATHS = frozenset({"/", "/spreads"})
CLOSE_TOO_SLOW = 1013  # RFC 6455 "try again later": the client did not keep up
MAX_CLIENT_MESSAGE = 64 * 1024  # what a subscriber may send (its symbol filter)
_FEATURE = "the live subscriber server"


def _websockets() -> Any:
    require("websockets", extra="live", feature=_FEATURE)
    return require("websockets.asyncio.server", extra="live", feature=_FEATURE)


@dataclass(eq=False)
class _Client:
    """One subscriber: its connection, bounded queue, symbol filter (None: every message) and sender."""

    ws: ServerConnection
    queue: asyncio.Queue[str]
    peer: str
    symbols: frozenset[str] | None = None
    dropped: bool = False
    sender: asyncio.Task[None] | None = field(default=None, repr=False)


@dataclass
class _Counts:
    connected: int = 0  # subscribers accepted since start
    closed: int = 0  # ended other than by a slow drop: the client left, the network died, stop()
    dropped_slow: int = 0  # queue full or a send past send_timeout
    sent: int = 0  # messages written to a subscriber
    broadcasts: int = 0
    bad_requests: int = 0  # subscriber messages that are not a symbol filter
    http_requests: int = 0
    health_errors: int = 0  # health() raised or returned something not JSON


class SubscriberServer:
    """A WebSocket broadcaster of pre-serialised JSON messages, with ``/health`` and ``/metrics``.

    Subscribers connect on ``/`` or ``/spreads``.  A subscriber may send
    ``{"symbols": ["BTC-USD", ...]}`` (or ``{"symbols": null}`` for everything): it then
    receives only the broadcasts whose ``symbol`` is in that set, and those without one.

    Plain HTTP GETs on the same port: ``/health`` answers the JSON of ``health()`` with the
    server's :meth:`stats` under ``"subscribers"`` unless it has that key (200; 503 when it
    says ``"status": "degraded"`` or raises; NaN and inf become null), ``/metrics`` the Prometheus text
    of ``metrics`` (its own series are registered on it once, here: pass a fresh
    ``CollectorRegistry``, never the global one), any other path 404.

    Everything runs on the event loop that called :meth:`start`; :meth:`broadcast` must be
    called from it.  ``health`` is called on the loop too: it must be quick.
    """

    @checked_keywords
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, send_queue: int = 1000, send_timeout: float = 1.0,
                 health: Callable[[], Mapping[str, Any]] | None = None, metrics: Any = None) -> None:
        errors = FieldErrors()
        if not isinstance(host, str) or not host:
            errors.add("host", host, "must be a host name or address")
        self._port = as_int(port, "port", errors, 0, minimum=0)
        if self._port > 65535:
            errors.add("port", port, "must be <= 65535")
        self._send_queue = as_int(send_queue, "send_queue", errors, 1, minimum=1)
        timeout = as_number(send_timeout, "send_timeout", errors)
        if timeout is not None and not (0 < timeout < math.inf):
            errors.add("send_timeout", send_timeout, "must be > 0 seconds and finite")
        if health is not None and not callable(health):
            errors.add("health", health, "must be a callable returning a dict, or None")
        if metrics is not None:
            prom = require("prometheus_client", extra="live", feature="the /metrics endpoint")
            if not isinstance(metrics, prom.CollectorRegistry):
                errors.add("metrics", metrics, "must be a prometheus_client.CollectorRegistry or None")
        errors.raise_if_any()
        self._host = host
        self._send_timeout = float(send_timeout)
        self._health = health
        self._registry = metrics
        self._ws = _websockets()
        self._connection_closed: type[Exception] = require(
            "websockets.exceptions", extra="live", feature=_FEATURE).ConnectionClosed
        self._server: Server | None = None
        self._connections: set[ServerConnection] = set()  # every TCP connection, handshake or not
        self._clients: dict[ServerConnection, _Client] = {}
        self._tasks = TaskRegistry(_log)
        self._counts = _Counts()
        self._handler_errors = 0
        if metrics is not None:
            try:
                metrics.register(_collector(self.stats))
            except ValueError as exc:  # prometheus_client: "Duplicated timeseries in CollectorRegistry"
                raise ValidationError([{"field": "metrics", "value": repr(metrics), "message":
                                        f"already holds these series ({exc}): give each server a fresh "
                                        "CollectorRegistry"}]) from exc

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on ``host:port`` (port 0: any free port, then read :attr:`port`)."""
        if self._server is not None:
            raise CoordinatorClosedError("the subscriber server is already started")
        try:
            self._server = await self._ws.serve(
                self._handle, self._host, self._port, process_request=self._process_request,
                compression=None,  # one message goes to every client: no per-client deflate
                max_size=MAX_CLIENT_MESSAGE, close_timeout=self._send_timeout, logger=_log,
                create_connection=_tracked_connection(self._ws.ServerConnection, self._connections))
        except OSError as exc:  # taken, not an address of this machine, not allowed
            raise ValidationError([{"field": "port", "value": f"{self._host}:{self._port}",
                                    "message": f"cannot be listened on ({exc.strerror or exc})"}]) from exc

    @property
    def port(self) -> int:
        """The port listened on (after :meth:`start`)."""
        if self._server is None or not self._server.sockets:
            raise CoordinatorClosedError("the subscriber server is not started")
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self, timeout: float = 2.0) -> None:
        """Close every client (code 1001) and the listening socket within about ``timeout`` s.

        Clients that do not finish the closing handshake within half of it are aborted;
        every task the server created is done when this returns.
        """
        errors = FieldErrors()
        seconds = as_number(timeout, "timeout", errors)
        if seconds is not None and not (0 < seconds < math.inf):
            errors.add("timeout", timeout, "must be > 0 seconds and finite")
        errors.raise_if_any()
        server, self._server = self._server, None
        if server is None:
            return
        timeout = float(timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for client in self._clients.values():
            if client.sender is not None:
                client.sender.cancel()
        server.close()  # stops listening, closes the open connections (code 1001)
        graceful = await _wait(server.wait_closed(), timeout / 2)
        if not graceful:  # a peer that never answers the close frame, or never sent its request
            for ws in list(self._connections):
                ws.transport.abort()
            await _wait(server.wait_closed(), max(deadline - loop.time(), 0.05))
        stuck = await self._tasks.cancel_all(max(deadline - loop.time(), 0.05))
        if stuck:
            _log.error("subscriber server: %d tasks still running after stop(): %s", len(stuck), stuck)
        self._clients.clear()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    # ------------------------------------------------------------------ broadcasting

    def broadcast(self, text: str, *, symbol: str | None = None) -> int:
        """Queue ``text`` (a JSON message) for every subscriber; returns how many took it.

        Never blocks: a subscriber whose queue is full is dropped instead.  With ``symbol``,
        subscribers that filter on other symbols skip the message.
        """
        if not isinstance(text, str):
            raise ValidationError([{"field": "text", "value": type(text).__name__,
                                    "message": "must be a str (a serialised JSON message)"}])
        self._counts.broadcasts += 1
        queued = 0
        for client in list(self._clients.values()):
            if symbol is not None and client.symbols is not None and symbol not in client.symbols:
                continue
            try:
                client.queue.put_nowait(text)
                queued += 1
            except asyncio.QueueFull:
                self._drop(client, f"its send queue is full ({self._send_queue} messages)")
        return queued

    def stats(self) -> dict[str, Any]:
        """Counters since construction and the current clients and queue depths."""
        depths = [c.queue.qsize() for c in self._clients.values()]
        return {"clients": len(self._clients), **vars(self._counts),
                "queue_depth_max": max(depths, default=0), "send_queue": self._send_queue,
                "tasks": len(self._tasks), "task_errors": self._tasks.errors + self._handler_errors}

    # ------------------------------------------------------------------ per client

    async def _handle(self, ws: ServerConnection) -> None:
        """One subscriber's life: its sender runs while this reads its messages, until it closes."""
        client = _Client(ws, asyncio.Queue(self._send_queue), _peer(ws))
        self._clients[ws] = client
        self._counts.connected += 1
        client.sender = self._tasks.spawn(self._send_loop(client), name=f"subscriber-send {client.peer}")
        try:
            async for message in ws:
                self._on_message(client, message)
        except self._connection_closed:
            pass
        except Exception:  # noqa: BLE001 - logged with its context and counted, never lost
            self._handler_errors += 1
            _log.exception("subscriber %s: connection handler failed", client.peer)
        finally:
            self._forget(client)

    def _on_message(self, client: _Client, message: str | bytes) -> None:
        """A subscriber's ``{"symbols": [...] | null}``; anything else is counted and ignored."""
        try:
            request = json.loads(message)
            symbols = request["symbols"]
            if symbols is not None and not (isinstance(symbols, list) and all(isinstance(s, str) for s in symbols)):
                raise TypeError("symbols must be a list of strings or null")
        except (ValueError, TypeError, KeyError) as exc:
            self._counts.bad_requests += 1
            _log.debug("subscriber %s: ignored message (%s)", client.peer, exc)
            return
        client.symbols = None if symbols is None else frozenset(symbols)

    async def _send_loop(self, client: _Client) -> None:
        """Write the client's queue in order; a send past ``send_timeout`` drops the client."""
        ws, queue = client.ws, client.queue
        while True:
            text = await queue.get()
            try:
                async with asyncio.timeout(self._send_timeout):
                    await ws.send(text)
            except TimeoutError:
                self._drop(client, f"a send took more than send_timeout={self._send_timeout} s")
                return
            except self._connection_closed:
                return  # its handler sees the close and forgets it
            self._counts.sent += 1

    def _drop(self, client: _Client, why: str) -> None:
        """Drop a slow client: out of the broadcast at once, closed (1013) by a tracked task."""
        if client.dropped:
            return
        client.dropped = True
        self._counts.dropped_slow += 1
        self._clients.pop(client.ws, None)
        _log.warning("subscriber %s dropped: %s", client.peer, why)
        if client.sender is not None and client.sender is not asyncio.current_task():
            client.sender.cancel()
        self._tasks.spawn(self._close_slow(client), name=f"subscriber-drop {client.peer}")

    async def _close_slow(self, client: _Client) -> None:
        """Close with 1013; a peer whose buffers are full cannot take the close frame: abort it."""
        try:
            async with asyncio.timeout(self._send_timeout):
                await client.ws.close(CLOSE_TOO_SLOW, "too slow")
        except TimeoutError:
            client.ws.transport.abort()

    def _forget(self, client: _Client) -> None:
        """The connection ended: stop its sender, count it (unless it was dropped as slow)."""
        if client.sender is not None:
            client.sender.cancel()
        if self._clients.pop(client.ws, None) is not None:
            self._counts.closed += 1

    # ------------------------------------------------------------------ HTTP

    def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        """``/health``, ``/metrics``, 404 for other paths; ``/`` and ``/spreads`` go on to the WebSocket."""
        path = request.path.partition("?")[0]
        if path in SUBSCRIBE_PATHS:
            return None  # the handshake goes on (a GET without an upgrade gets websockets' 426)
        self._counts.http_requests += 1
        if path == "/health":
            return self._health_response()
        if path == "/metrics" and self._registry is not None:
            return self._metrics_response()
        return _response(http.HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")

    def _health_response(self) -> Response:
        try:
            report: dict[str, Any] = dict(self._health()) if self._health is not None else {"status": "ok"}
            report.setdefault("subscribers", self.stats())
            body = json.dumps(_finite(report), default=str, allow_nan=False)
            status = http.HTTPStatus.SERVICE_UNAVAILABLE if report.get("status") == "degraded" else http.HTTPStatus.OK
        except Exception as exc:  # noqa: BLE001 - a failing health() is a degraded service, not a crash
            self._counts.health_errors += 1
            _log.exception("subscriber server: health() failed")
            body = json.dumps({"status": "degraded", "error": f"health() failed: {type(exc).__name__}: {exc}"},
                              default=str)
            status = http.HTTPStatus.SERVICE_UNAVAILABLE
        return _response(status, body.encode(), "application/json")

    def _metrics_response(self) -> Response:
        prom = require("prometheus_client", extra="live", feature="the /metrics endpoint")
        try:
            body = prom.generate_latest(self._registry)
        except Exception as exc:  # noqa: BLE001 - a failing collector: a 500, the server lives on
            _log.exception("subscriber server: /metrics failed")
            return _response(http.HTTPStatus.INTERNAL_SERVER_ERROR, f"metrics failed: {exc}\n".encode(),
                             "text/plain; charset=utf-8")
        return _response(http.HTTPStatus.OK, body, prom.CONTENT_TYPE_LATEST)


def _response(status: http.HTTPStatus, body: bytes, content_type: str) -> Response:
    datastructures = require("websockets.datastructures", extra="live", feature=_FEATURE)
    http11 = require("websockets.http11", extra="live", feature=_FEATURE)
    headers = datastructures.Headers([("Content-Type", content_type), ("Content-Length", str(len(body))),
                                      ("Connection", "close"), ("Cache-Control", "no-store")])
    response: Response = http11.Response(status.value, status.phrase, headers, body)
    return response


def _tracked_connection(base: Any, live: set[ServerConnection]) -> Any:
    """A ``ServerConnection`` class whose instances are in ``live`` from TCP accept to close, so
    ``stop()`` can abort every one of them, even a peer that never finished its handshake."""

    class _Tracked(base):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            live.add(self)

        def connection_lost(self, exc: Exception | None) -> None:
            live.discard(self)
            super().connection_lost(exc)

    return _Tracked


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float inside it as None (JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _peer(ws: ServerConnection) -> str:
    try:
        host, port = ws.remote_address[:2]
        return f"{host}:{port}"
    except (TypeError, ValueError, OSError):
        return "?"


async def _wait(aw: Any, timeout: float) -> bool:
    """Whether ``aw`` finished within ``timeout`` s (it is cancelled otherwise)."""
    try:
        await asyncio.wait_for(aw, timeout)
    except TimeoutError:
        return False
    return True


def _collector(stats: Callable[[], dict[str, Any]]) -> Any:
    """A ``prometheus_client`` collector of the server's ``stats()``, read at every scrape."""
    core = require("prometheus_client.core", extra="live", feature="the /metrics endpoint")

    class _Collector:
        def describe(self) -> Iterable[Any]:
            """The series' names, so a registry refuses a second server's (no duplicated series)."""
            return self.collect()

        def collect(self) -> Iterable[Any]:
            s = stats()
            yield core.GaugeMetricFamily("threadx_live_subscribers", "Subscribers connected", value=s["clients"])
            yield core.GaugeMetricFamily("threadx_live_subscriber_queue_depth_max",
                                         "Deepest subscriber send queue", value=s["queue_depth_max"])
            yield core.CounterMetricFamily("threadx_live_subscriber_messages_sent",
                                           "Messages written to subscribers", value=s["sent"])
            dropped = core.CounterMetricFamily("threadx_live_subscribers_dropped",
                                               "Subscribers gone, by reason", labels=["reason"])
            dropped.add_metric(["slow"], s["dropped_slow"])
            dropped.add_metric(["closed"], s["closed"])
            yield dropped
            yield core.CounterMetricFamily("threadx_live_server_task_errors",
                                           "Subscriber server tasks that failed", value=s["task_errors"])

    return _Collector()
