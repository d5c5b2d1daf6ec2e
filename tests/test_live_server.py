"""The live subscriber server on real sockets (127.0.0.1, port 0): broadcast, slow and dead
clients, /health, /metrics, stop() and start/stop cycles leaving nothing behind."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("websockets")
prometheus_client = pytest.importorskip("prometheus_client")

from coordinator_support import run_async
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from threadx.errors import CoordinatorClosedError, ValidationError
from threadx.live._server import CLOSE_TOO_SLOW, SubscriberServer
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

TIMEOUT = 30.0


def url(server: SubscriberServer, path: str = "/spreads") -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


async def until(cond: Callable[[], bool], timeout: float = 5.0) -> float:
    """Seconds until ``cond()`` holds; fails after ``timeout``."""
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.005)
    return time.monotonic() - start


async def http_get(server: SubscriberServer, path: str) -> tuple[int, str, bytes]:
    def get() -> tuple[int, str, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5) as r:
                return r.status, r.headers["Content-Type"], r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers["Content-Type"], e.read()
    return await asyncio.to_thread(get)


def raw_subscriber(port: int, *, handshake: bool = True) -> socket.socket:
    """A WebSocket subscriber that never reads: a tiny receive buffer, handshake done by hand."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    if handshake:
        sock.sendall((f"GET /spreads HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def fds() -> int:
    gc.collect()
    return len(os.listdir("/proc/self/fd"))


def message(i: int, size: int = 0) -> str:
    return json.dumps({"i": i, "pad": "x" * size})


# --------------------------------------------------------------------------- broadcast


def test_every_client_receives_every_broadcast_in_order() -> None:
    n = 300

    async def main() -> None:
        async with SubscriberServer() as server:
            clients = [await connect(url(server, path)) for path in ("/", "/spreads", "/spreads?x=1")]
            await until(lambda: server.stats()["clients"] == 3)
            for i in range(n):
                assert server.broadcast(message(i)) == 3
                if i % 50 == 0:
                    await asyncio.sleep(0)
            for ws in clients:
                got = [json.loads(await ws.recv())["i"] for _ in range(n)]
                assert got == list(range(n))
                await ws.close()
            await until(lambda: server.stats()["closed"] == 3)
            s = server.stats()
            assert (s["sent"], s["broadcasts"], s["clients"], s["dropped_slow"]) == (3 * n, n, 0, 0)

    run_async(main(), TIMEOUT)


def test_symbol_filter_sent_by_a_subscriber() -> None:
    async def main() -> None:
        async with SubscriberServer() as server:
            async with connect(url(server)) as only_a, connect(url(server)) as everything:
                await only_a.send(json.dumps({"symbols": ["A"]}))
                await only_a.send("not json")
                await until(lambda: server.stats()["bad_requests"] == 1)
                for i, sym in enumerate(["A", "B", None, "A"]):
                    server.broadcast(message(i), symbol=sym)
                assert [json.loads(await only_a.recv())["i"] for _ in range(3)] == [0, 2, 3]
                assert [json.loads(await everything.recv())["i"] for _ in range(4)] == [0, 1, 2, 3]

    run_async(main(), TIMEOUT)


def test_broadcast_refuses_what_is_not_text() -> None:
    server = SubscriberServer()
    with pytest.raises(ValidationError) as err:
        server.broadcast(b"{}")  # type: ignore[arg-type]
    assert err.value.fields == ["text"]


@pytest.mark.parametrize(("kwargs", "fields"), [
    ({"port": -1}, ["port"]), ({"port": 70000}, ["port"]), ({"send_queue": 0}, ["send_queue"]),
    ({"send_timeout": 0}, ["send_timeout"]), ({"send_timeout": "1"}, ["send_timeout"]),
    ({"health": 3}, ["health"]), ({"metrics": object()}, ["metrics"]), ({"host": ""}, ["host"]),
    ({"send_queue": 1.5, "send_timeout": float("inf")}, ["send_queue", "send_timeout"]),
    ({"sendqueue": 3}, ["sendqueue"]),
])
def test_bad_settings_name_every_field(kwargs: dict[str, Any], fields: list[str]) -> None:
    with pytest.raises(ValidationError) as err:
        SubscriberServer(**kwargs)
    assert err.value.fields == fields


# --------------------------------------------------------------------------- slow and dead clients


def test_a_stalled_client_is_dropped_within_send_timeout_and_never_slows_the_others() -> None:
    send_timeout, big = 0.5, 256 * 1024

    async def main() -> None:
        async with SubscriberServer(send_timeout=send_timeout) as server:
            slow = await asyncio.to_thread(raw_subscriber, server.port)
            try:
                async with connect(url(server), max_size=None) as fast:
                    await until(lambda: server.stats()["clients"] == 2)
                    received: list[int] = []

                    async def read() -> None:
                        while True:
                            received.append(json.loads(await fast.recv())["i"])

                    reader = asyncio.ensure_future(read())
                    start, sent, worst = time.monotonic(), 0, 0.0
                    while server.stats()["dropped_slow"] == 0:
                        assert time.monotonic() - start < 10, "the stalled client was never dropped"
                        t0 = time.perf_counter()
                        server.broadcast(message(sent, big))
                        worst = max(worst, time.perf_counter() - t0)
                        sent += 1
                        await asyncio.sleep(0.01)
                    dropped_after = time.monotonic() - start
                    for _ in range(20):  # the fast client goes on receiving
                        server.broadcast(message(sent, 10))
                        sent += 1
                    await until(lambda: len(received) == sent)
                    reader.cancel()
                    await asyncio.gather(reader, return_exceptions=True)
                    assert received == list(range(sent))
                    assert worst < 0.2  # broadcast never waits for a client (a wait would be >= send_timeout)
                    # the buffers (~4 MiB of kernel send buffer at this rate) fill in < 1.5 s
                    assert dropped_after < 1.5 + send_timeout + 1.0, dropped_after
                    await until(lambda: server.stats()["tasks"] == 1)  # the fast client's sender only
                    s = server.stats()
                    assert (s["clients"], s["dropped_slow"], s["closed"]) == (1, 1, 0)
            finally:
                slow.close()

    run_async(main(), TIMEOUT)


def test_a_client_whose_queue_overflows_is_closed_try_again_later() -> None:
    async def main() -> None:
        async with SubscriberServer(send_queue=4, send_timeout=5.0) as server:
            async with connect(url(server)) as ws:
                await until(lambda: server.stats()["clients"] == 1)
                for i in range(10):  # no await: the sender cannot run, the queue overflows at the 5th
                    server.broadcast(message(i))
                assert server.stats()["dropped_slow"] == 1
                assert server.stats()["clients"] == 0
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        await ws.recv()
                assert closed.value.rcvd is not None and closed.value.rcvd.code == CLOSE_TOO_SLOW
            await until(lambda: server.stats()["tasks"] == 0)

    run_async(main(), TIMEOUT)


@pytest.mark.parametrize("how", ["reset", "fin", "close_frame"])
def test_a_client_that_goes_away_is_cleaned_up(how: str, caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        async with SubscriberServer() as server:
            base = fds()
            if how == "close_frame":
                ws = await connect(url(server))
                await until(lambda: server.stats()["clients"] == 1)
                await ws.close()
            else:
                sock = await asyncio.to_thread(raw_subscriber, server.port)
                await until(lambda: server.stats()["clients"] == 1)
                if how == "reset":  # RST: no close frame, no FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
            await until(lambda: server.stats()["closed"] == 1)
            server.broadcast(message(0))  # to nobody
            s = server.stats()
            assert (s["clients"], s["tasks"], s["dropped_slow"], s["task_errors"]) == (0, 0, 0, 0)
            await until(lambda: fds() <= base)

    run_async(main(), TIMEOUT)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


# --------------------------------------------------------------------------- HTTP


def test_health_metrics_and_404() -> None:
    state: dict[str, Any] = {"status": "ok", "keys": 3}

    def health() -> dict[str, Any]:
        if state.get("boom"):
            raise RuntimeError("no figures")
        return dict(state)

    async def main() -> None:
        registry = CollectorRegistry()
        async with SubscriberServer(health=health, metrics=registry) as server:
            async with connect(url(server)):
                await until(lambda: server.stats()["clients"] == 1)
                server.broadcast(message(1))
                await until(lambda: server.stats()["sent"] == 1)

                status, ctype, body = await http_get(server, "/health")
                assert (status, ctype) == (200, "application/json")
                report = json.loads(body)
                assert report["keys"] == 3 and report["subscribers"]["clients"] == 1

                state["status"] = "degraded"
                status, _, body = await http_get(server, "/health")
                assert status == 503 and json.loads(body)["status"] == "degraded"

                state["boom"] = True
                status, _, body = await http_get(server, "/health")
                assert status == 503 and "no figures" in json.loads(body)["error"]
                assert server.stats()["health_errors"] == 1

                status, ctype, body = await http_get(server, "/metrics")
                assert status == 200 and ctype == prometheus_client.CONTENT_TYPE_LATEST
                samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                           for fam in text_string_to_metric_families(body.decode()) for s in fam.samples}
                assert samples[("threadx_live_subscribers", ())] == 1
                assert samples[("threadx_live_subscriber_messages_sent_total", ())] == 1
                assert samples[("threadx_live_subscribers_dropped_total", (("reason", "slow"),))] == 0

                for path in ("/nope", "/health/x", "/metricsx"):
                    assert (await http_get(server, path))[0] == 404
                server.broadcast(message(2))  # the server lives on
                await until(lambda: server.stats()["sent"] == 2)

    run_async(main(), TIMEOUT)


def test_health_with_nan_is_json_with_null() -> None:
    async def main() -> None:
        async with SubscriberServer(health=lambda: {"status": "ok", "last_tick_age": float("nan"),
                                                    "ages": [float("inf"), 1.5]}) as server:
            status, _, body = await http_get(server, "/health")
            assert status == 200
            report = json.loads(body)
            assert (report["last_tick_age"], report["ages"]) == (None, [None, 1.5])

    run_async(main(), TIMEOUT)


def test_a_port_taken_is_a_validation_error() -> None:
    async def main() -> None:
        async with SubscriberServer() as first:
            second = SubscriberServer(port=first.port)
            with pytest.raises(ValidationError) as err:
                await second.start()
            assert err.value.fields == ["port"]
            await second.stop()  # never started: nothing to do

    run_async(main(), TIMEOUT)


def test_metrics_without_a_registry_is_404() -> None:
    async def main() -> None:
        async with SubscriberServer() as server:
            assert (await http_get(server, "/metrics"))[0] == 404
            assert (await http_get(server, "/health"))[0] == 200

    run_async(main(), TIMEOUT)


# --------------------------------------------------------------------------- stop


def test_stop_with_clients_returns_within_its_deadline_and_leaves_nothing() -> None:
    async def main() -> None:
        base = fds()
        server = SubscriberServer(send_timeout=0.2, metrics=CollectorRegistry())
        await server.start()
        stalled = await asyncio.to_thread(raw_subscriber, server.port)
        silent = await asyncio.to_thread(raw_subscriber, server.port, handshake=False)  # never sends its request
        try:
            clients = [await connect(url(server)) for _ in range(3)]
            await until(lambda: server.stats()["clients"] == 4)
            for i in range(20):  # fill the stalled client's buffers (not past send_timeout)
                server.broadcast(message(i, 256 * 1024))
            t0 = time.monotonic()
            await server.stop(timeout=1.0)
            assert time.monotonic() - t0 < 1.5
            for ws in clients:
                await asyncio.wait_for(ws.wait_closed(), 5)
                assert ws.close_code == 1001
        finally:
            stalled.close()
            silent.close()
        assert server.stats()["tasks"] == 0
        assert fds() <= base  # run_async checks that no task is left

    run_async(main(), TIMEOUT)


def test_100_start_stop_cycles_leave_no_task_socket_or_thread() -> None:
    async def main() -> None:
        registry = CollectorRegistry()
        server = SubscriberServer(metrics=registry)
        base_fds, base_threads, base_tasks = fds(), threading.active_count(), asyncio.all_tasks()
        for i in range(100):
            await server.start()
            if i % 10 == 0:
                async with connect(url(server)) as ws:
                    await until(lambda: server.stats()["clients"] == 1)
                    server.broadcast(message(i))
                    assert json.loads(await ws.recv())["i"] == i
            await server.stop()
            assert asyncio.all_tasks() - base_tasks == set()
        assert fds() <= base_fds
        assert threading.active_count() <= base_threads + 1  # the loop's default executor (to_thread)
        assert server.stats()["connected"] == 10

    run_async(main(), 120)


def test_a_registry_takes_one_servers_series() -> None:
    registry = CollectorRegistry()
    SubscriberServer(metrics=registry)
    with pytest.raises(ValidationError) as err:
        SubscriberServer(metrics=registry)
    assert err.value.fields == ["metrics"]


@pytest.mark.parametrize("timeout", [0, -1.0, "2", float("nan")])
def test_stop_timeout_is_checked(timeout: Any) -> None:
    async def main() -> None:
        server = SubscriberServer()
        with pytest.raises(ValidationError) as err:
            await server.stop(timeout)
        assert err.value.fields == ["timeout"]

    run_async(main(), TIMEOUT)


def test_port_before_start_is_refused() -> None:
    with pytest.raises(CoordinatorClosedError):
        _ = SubscriberServer().port
