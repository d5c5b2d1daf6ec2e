"""The live feeds: exchange adapters on documented sample messages, the WebSocket feed against
local servers on 127.0.0.1 playing an exchange (disconnects, garbage, stalls, a dead server,
symbol reloads, cancellation) and the replay feed on CSV/Parquet tick files."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
from conftest import requires_pyarrow
from coordinator_support import run_async
from threadx.errors import DataError, ValidationError
from threadx.live._adapters import (
    PARSE_ERRORS,
    Adapter,
    BinanceBookTicker,
    CoinbaseTicker,
    Skip,
    adapter_names,
    get_adapter,
    iso_ns,
    register_adapter,
)
from threadx.live._feeds import WebSocketFeed
from threadx.live._replay import ReplayFeed
from threadx.live._types import Quote
from threadx.sources import CircuitBreaker, Retry

pytest.importorskip("websockets.asyncio.server")  # the live extra
from live_support import (
    E0,
    Collect,
    Exchange,
    book,
    coinbase_ticker,
    fast,
    running,
    sender,
    until,
)

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection

SAMPLES = Path(__file__).parent / "data" / "live"
BINANCE = {"BTCUSDT": "BTC-USDT", "ETHUSDT": "ETH-USDT", "BNBUSDT": "BNB-USDT"}
COINBASE = {"BTC-USD": "BTC-USD", "ETH-USD": "ETH-USD"}


# --------------------------------------------------------------------------- adapters


def parse(adapter: str, message: str | bytes, ts_recv: int = 7) -> Quote | Skip:
    symbols = BINANCE if adapter == "binance" else COINBASE
    return get_adapter(adapter).parse(message, exchange="ex", symbols=symbols, ts_recv=ts_recv)


@pytest.mark.parametrize(("sample", "expected"), [
    ("binance_spot_bookticker", Quote("ex", "BNB-USDT", 25.3519, 25.3652, 7, 7)),
    ("binance_futures_bookticker", Quote("ex", "BNB-USDT", 25.3519, 25.3652, 1568014460893 * 10**6, 7)),
    ("binance_combined_bookticker", Quote("ex", "BNB-USDT", 25.3519, 25.3652, 7, 7)),
    ("binance_subscribe_ack", Skip("ignored", "ack")),
    ("coinbase_ticker", Quote("ex", "ETH-USD", 1285.04, 1285.27,
                              pd.Timestamp("2022-10-19T23:28:22.061769Z").value, 7)),
    ("coinbase_subscriptions", Skip("ignored", "subscriptions")),
    ("coinbase_heartbeat", Skip("ignored", "heartbeat")),
])
def test_documented_messages_parse(sample: str, expected: Quote | Skip) -> None:
    text = (SAMPLES / f"{sample}.json").read_text()
    assert parse(sample.split("_")[0], text) == expected


@pytest.mark.parametrize("sample", ["binance_error", "coinbase_error"])
def test_exchange_error_messages_are_reported_with_their_text(sample: str) -> None:
    got = parse(sample.split("_")[0], (SAMPLES / f"{sample}.json").read_text())
    assert isinstance(got, Skip) and got.kind == "exchange_error"
    assert ("Invalid request" if sample == "binance_error" else "not a valid product") in got.detail


GOOD_B = {"s": "BTCUSDT", "b": "1.5", "a": "1.6"}


@pytest.mark.parametrize(("adapter", "message", "reason"), [
    ("binance", '{"s":"BTCUSDT",', "malformed_json"),
    ("binance", b"\xff\xfe\x00", "malformed_json"),
    ("binance", "[1, 2]", "not_object"),
    ("binance", '{"stream":"x","data":[1]}', "not_object"),
    ("binance", json.dumps({"s": "BTCUSDT", "b": "1.5"}), "missing_field"),
    ("binance", json.dumps({**GOOD_B, "b": True}), "bad_field"),
    ("binance", json.dumps({**GOOD_B, "s": 5}), "bad_field"),
    ("binance", json.dumps({**GOOD_B, "a": "1.6.1"}), "bad_number"),
    ("binance", json.dumps({**GOOD_B, "e": "bookTicker", "E": "soon"}), "bad_time"),
    ("binance", json.dumps({**GOOD_B, "e": "bookTicker", "E": 2**62}), "bad_time"),
    ("binance", json.dumps({**GOOD_B, "s": "XRPUSDT"}), "unknown_symbol"),
    ("coinbase", '{"type": "ticker"', "malformed_json"),
    ("coinbase", '"ticker"', "not_object"),
    ("coinbase", '{"product_id": "BTC-USD"}', "missing_field"),
    ("coinbase", '{"type": 3}', "bad_field"),
    ("coinbase", json.dumps({"type": "ticker", "product_id": "BTC-USD", "best_bid": "1"}), "missing_field"),
    ("coinbase", json.dumps({"type": "ticker", "product_id": "BTC-USD", "best_bid": "one", "best_ask": "2"}),
     "bad_number"),
    ("coinbase", json.dumps({"type": "ticker", "product_id": "BTC-USD", "best_bid": "1", "best_ask": "2",
                             "time": "yesterday"}), "bad_time"),
    ("coinbase", json.dumps({"type": "ticker", "product_id": "BTC-USD", "best_bid": "1", "best_ask": "2",
                             "time": "2022-13-01T00:00:00Z"}), "bad_time"),
    ("coinbase", json.dumps({"type": "ticker", "product_id": "DOGE-USD", "best_bid": "1", "best_ask": "2"}),
     "unknown_symbol"),
])
def test_what_cannot_be_parsed_is_a_counted_reason(adapter: str, message: str | bytes, reason: str) -> None:
    got = parse(adapter, message)
    assert isinstance(got, Skip) and (got.kind, got.reason) == ("error", reason)
    assert reason in PARSE_ERRORS


@pytest.mark.parametrize(("adapter", "message"), [
    ("binance", json.dumps({**GOOD_B, "b": "-1", "a": "-2"})),  # negative and crossed: the core judges
    ("binance", json.dumps({**GOOD_B, "b": "nan"})),
    ("coinbase", json.dumps({"type": "ticker", "product_id": "BTC-USD", "best_bid": "5", "best_ask": "4"})),
])
def test_values_are_passed_on_not_judged(adapter: str, message: str) -> None:
    assert isinstance(parse(adapter, message), Quote)


@pytest.mark.parametrize(("adapter", "message", "kind"), [
    ("binance", '{"e": "serverShutdown", "E": 1}', "serverShutdown"),
    ("coinbase", '{"type": "status", "products": []}', "status"),
])
def test_other_message_types_are_ignored(adapter: str, message: str, kind: str) -> None:
    assert parse(adapter, message) == Skip("ignored", kind)


@pytest.mark.parametrize("text", ["2022-10-19T23:28:22.061769Z", "2022-10-19T23:28:22.123456789Z",
                                  "2022-10-19T23:28:22Z", "2022-10-20T01:28:22.5+02:00", "1969-12-31T23:59:59.1Z"])
def test_rfc3339_times_are_exact_to_the_nanosecond(text: str) -> None:
    assert iso_ns(text) == pd.Timestamp(text).value


def test_symbols_match_in_any_case_and_quotes_carry_the_canonical_name() -> None:
    got = BinanceBookTicker().parse(json.dumps({**GOOD_B, "s": "btcusdt"}), exchange="bn",
                                    symbols={"BTCUSDT": "BTC/USDT"}, ts_recv=1)
    assert got == Quote("bn", "BTC/USDT", 1.5, 1.6, 1, 1)


def test_binance_url_and_subscribe_messages() -> None:
    a = BinanceBookTicker()
    assert a.exchange_symbol("BTC-USDT") == "BTCUSDT"
    assert a.url("wss://stream.binance.com:9443/ws", ["BTCUSDT"]) == "wss://stream.binance.com:9443/ws"
    assert json.loads(a.subscribe(["BTCUSDT", "ETHUSDT"])[0]) == {
        "method": "SUBSCRIBE", "params": ["btcusdt@bookTicker", "ethusdt@bookTicker"], "id": 1}
    assert (a.url("wss://stream.binance.com:9443/stream", ["BTCUSDT", "ETHUSDT"])
            == "wss://stream.binance.com:9443/stream?streams=btcusdt@bookTicker/ethusdt@bookTicker")


@pytest.mark.parametrize(("heartbeat", "channels"), [(False, ["ticker"]), (True, ["ticker", "heartbeat"])])
def test_coinbase_subscribe_message(heartbeat: bool, channels: list[str]) -> None:
    a = CoinbaseTicker(heartbeat=heartbeat)
    assert a.url("wss://ws-feed.exchange.coinbase.com", ["BTC-USD"]) == "wss://ws-feed.exchange.coinbase.com"
    assert json.loads(a.subscribe(["BTC-USD", "ETH-USD"])[0]) == {
        "type": "subscribe", "product_ids": ["BTC-USD", "ETH-USD"], "channels": channels}


def test_adapter_registry() -> None:
    assert isinstance(get_adapter("binance"), BinanceBookTicker)
    assert isinstance(get_adapter("coinbase"), CoinbaseTicker)
    with pytest.raises(ValidationError) as info:
        get_adapter("kraken")
    assert info.value.fields == ["adapter"]
    assert "'binance'" in str(info.value) and "'coinbase'" in str(info.value)
    custom = CoinbaseTicker(heartbeat=True)
    register_adapter("coinbase-hb", custom)
    try:
        assert get_adapter("coinbase-hb") is custom and "coinbase-hb" in adapter_names()
    finally:
        from threadx.live._adapters import ADAPTERS
        del ADAPTERS["coinbase-hb"]
    with pytest.raises(ValidationError) as info:
        register_adapter("", object())  # type: ignore[arg-type]
    assert info.value.fields == ["name", "adapter"]


# --------------------------------------------------------------------------- feed arguments


def test_feed_arguments_are_all_checked_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        WebSocketFeed("", "http://example.com", "kraken", ["BTC-USDT"], retry="fast",  # type: ignore[arg-type]
                      breaker=3, stale_timeout=0, open_timeout=float("nan"), reload_delay=-1,  # type: ignore[arg-type]
                      max_size=0)
    assert info.value.fields == ["name", "url", "adapter", "retry", "breaker", "open_timeout", "stale_timeout",
                                 "reload_delay", "max_size"]


@pytest.mark.parametrize(("make", "typo", "hint"), [
    (lambda: WebSocketFeed("bn", "ws://127.0.0.1:1/ws", "binance", [], stale_timout=1.0), "stale_timout",
     "did you mean 'stale_timeout'"),
    (lambda: ReplayFeed(pd.DataFrame(), sped=2.0), "sped", "did you mean 'speed'"),
])
def test_an_unknown_keyword_is_a_validation_error_with_a_hint(make: Any, typo: str, hint: str) -> None:
    with pytest.raises(ValidationError, match=hint) as info:
        make()
    assert info.value.fields == [typo]


@pytest.mark.parametrize(("symbols", "field"), [
    ("BTC-USDT", "symbols"),
    ([" BTC-USDT"], "symbols"),
    ({"BTC-USDT": ""}, "symbols['BTC-USDT']"),
    ({"BTC-USDT": "BTCUSDT", "XBT-USDT": "btcusdt"}, "symbols['XBT-USDT']"),
])
def test_bad_symbol_sets_are_refused(symbols: Any, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        WebSocketFeed("bn", "ws://127.0.0.1:1/ws", "binance", symbols)
    assert info.value.fields == [field]
    feed = WebSocketFeed("bn", "ws://127.0.0.1:1/ws", "binance", ["BTC-USDT"])
    with pytest.raises(ValidationError):
        feed.set_symbols(symbols)
    assert feed.symbols == {"BTC-USDT": "BTCUSDT"}


def test_symbols_by_canonical_name_or_mapping() -> None:
    feed = WebSocketFeed("bn", "ws://127.0.0.1:1/ws", "binance", ["BTC-USDT", "ETH-USDT"])
    assert feed.symbols == {"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT"}
    feed = WebSocketFeed("cb", "ws://127.0.0.1:1", "coinbase", {"BTC-USDT": "BTC-USD"})
    assert feed.symbols == {"BTC-USDT": "BTC-USD"}
    snap = feed.snapshot()
    assert snap["state"] == "stopped" and snap["adapter"] == "coinbase" and snap["last_message_age"] is None


# --------------------------------------------------------------------------- the WebSocket feed


@pytest.mark.parametrize("event_time", [True, False])
def test_a_stream_arrives_whole_in_order_with_canonical_symbols_and_times(event_time: bool) -> None:
    messages: list[str | bytes] = ['{"result": null, "id": 1}']
    messages += [book("BTCUSDT" if i % 2 else "ETHUSDT", i, event_time=event_time) for i in range(60)]
    ex = Exchange(sender([messages]))
    sink = Collect(delay=0.001)  # a slow consumer: the feed must wait, not drop

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT", "ETH-USDT"], **fast())
            before = time.time_ns()
            async with running(feed, sink):
                await until(lambda: len(sink.quotes) == 60, what="60 quotes")
                snap = feed.snapshot()
            after = time.time_ns()
        assert ex.subscribes == [{"method": "SUBSCRIBE", "params": ["btcusdt@bookTicker", "ethusdt@bookTicker"],
                                  "id": 1}]
        assert [q.symbol for q in sink.quotes] == ["BTC-USDT" if i % 2 else "ETH-USDT" for i in range(60)]
        assert [q.bid for q in sink.quotes] == [100 + i + 0.25 for i in range(60)]
        assert {q.exchange for q in sink.quotes} == {"bn"}
        assert all(before <= q.ts_recv <= after for q in sink.quotes)
        if event_time:
            assert [q.ts_event for q in sink.quotes] == [(E0 + i) * 10**6 for i in range(60)]
        else:
            assert all(q.ts_event == q.ts_recv for q in sink.quotes)
        assert (snap["state"], snap["messages"], snap["quotes"], snap["ignored"], snap["connects"]) == (
            "connected", 61, 60, 1, 1)
        assert snap["ignored_by_type"] == {"ack": 1} and snap["failures"] == 0
        assert snap["parse_errors"] == dict.fromkeys(PARSE_ERRORS, 0)
        assert 0 <= snap["last_message_age"] < 5
        assert feed.snapshot()["state"] == "stopped"

    run_async(main(), timeout=20)


def test_coinbase_stream_with_subscriptions_and_heartbeats() -> None:
    t0 = pd.Timestamp("2024-01-01T00:00:00Z").value
    ticks = [coinbase_ticker("BTC-USD", i + 0.5, i + 1.0, t0 + i * 10**9 + 123_000) for i in range(10)]
    messages: list[str | bytes] = [(SAMPLES / "coinbase_subscriptions.json").read_text()]
    for t in ticks:
        messages += [t, (SAMPLES / "coinbase_heartbeat.json").read_text()]
    messages.append((SAMPLES / "coinbase_error.json").read_text())
    ex = Exchange(sender([messages]))
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("cb", f"ws://127.0.0.1:{ex.port}", "coinbase", ["BTC-USD"], **fast())
            async with running(feed, sink):
                await until(lambda: feed.snapshot()["messages"] == 22, what="22 messages")
                snap = feed.snapshot()
        assert ex.subscribes == [{"type": "subscribe", "product_ids": ["BTC-USD"], "channels": ["ticker"]}]
        assert [q.ts_event for q in sink.quotes] == [t0 + i * 10**9 + 123_000 for i in range(10)]
        assert [(q.bid, q.ask) for q in sink.quotes] == [(i + 0.5, i + 1.0) for i in range(10)]
        assert snap["ignored_by_type"] == {"subscriptions": 1, "heartbeat": 10} and snap["quotes"] == 10
        assert snap["exchange_errors"] == 1 and "not a valid product" in snap["last_error"]

    run_async(main(), timeout=20)


@pytest.mark.parametrize("how", ["close", "abort"])
def test_a_dropped_connection_reconnects_and_loses_nothing_sent_after(how: str, caplog: Any) -> None:
    first = [book("BTCUSDT", i) for i in range(10)]
    second = [book("BTCUSDT", i) for i in range(10, 25)]

    async def drop(ex: Exchange, ws: ServerConnection, n: int) -> None:
        if n == 1:
            if how == "close":
                await ws.close()
            else:
                ws.transport.abort()
        await ws.wait_closed()

    ex = Exchange(sender([first, second], then=drop))
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], **fast())
            async with running(feed, sink):
                await until(lambda: len(sink.quotes) == 25, what="25 quotes")
                snap = feed.snapshot()
        assert [q.ts_event for q in sink.quotes] == [(E0 + i) * 10**6 for i in range(25)]
        assert (snap["connects"], snap["disconnects"], snap["failures"], snap["stalls"]) == (2, 1, 1, 0)
        assert snap["last_error"].startswith("closed:") and snap["breaker"]["state"] == "closed"
        assert len(ex.subscribes) == 2

    with caplog.at_level(logging.WARNING, logger="threadx.live"):
        run_async(main(), timeout=20)
    records = [r for r in caplog.records if getattr(r, "reason", None) == "closed"]
    assert records and records[0].feed == "bn" and records[0].url.startswith("ws://127.0.0.1:")  # type: ignore[attr-defined]


class _LateConnect:
    """``websockets.asyncio.client`` whose ``connect`` hands the connection over only once the
    server has closed it: the feed resumes after the server's last message and its close, as it
    does when the loop is busy (the monitor's consumer, other feeds)."""

    def __init__(self) -> None:
        from websockets.asyncio import client
        self._client = client

    @contextlib.asynccontextmanager
    async def connect(self, *args: Any, **kwargs: Any) -> Any:
        async with self._client.connect(*args, **kwargs) as ws:
            await ws.wait_closed()
            yield ws


@pytest.mark.parametrize("url", ["/ws", "/stream"])  # a SUBSCRIBE to send, or none (combined streams)
def test_messages_sent_before_the_server_closed_are_read_even_when_the_feed_resumes_late(url: str) -> None:
    first = [book("BTCUSDT", i) for i in range(12)]  # fewer than websockets' max_queue: all read before the close
    second = [book("BTCUSDT", i) for i in range(12, 30)]

    async def close_now(ex: Exchange, ws: ServerConnection, n: int) -> None:
        if n == 1:
            await ws.close()
        await ws.wait_closed()

    ex = Exchange(sender([first, second], then=close_now), subscribe=False)
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url.replace("/ws", url), "binance", ["BTC-USDT"], **fast())
            late = _LateConnect()
            feed._client = late  # the first connection only: then the real client
            async with running(feed, sink):
                await until(lambda: feed.counters["connects"] >= 1, what="the first connection")
                feed._client = late._client
                await until(lambda: len(sink.quotes) == 30, what="30 quotes")
                snap = feed.snapshot()
        assert [q.ts_event for q in sink.quotes] == [(E0 + i) * 10**6 for i in range(30)]
        assert (snap["connects"], snap["disconnects"], snap["failures"]) == (2, 1, 1)
        assert snap["last_error"].startswith("closed:")

    run_async(main(), timeout=20)


GARBAGE: list[tuple[str | bytes, str]] = [
    ('{"s":"BTCUSDT",', "malformed_json"),
    (b"\x00\xff binary", "malformed_json"),
    ("[1, 2, 3]", "not_object"),
    (json.dumps({"s": "BTCUSDT", "b": "1"}), "missing_field"),
    (json.dumps({"s": "BTCUSDT", "b": "x1", "a": "2"}), "bad_number"),
    (json.dumps({"s": "BTCUSDT", "b": [1], "a": "2"}), "bad_field"),
    (json.dumps({"e": "bookTicker", "E": 1.5, "s": "BTCUSDT", "b": "1", "a": "2"}), "bad_time"),
    (json.dumps({"s": "XRPUSDT", "b": "1", "a": "2"}), "unknown_symbol"),
]


def test_garbage_is_counted_by_reason_and_the_good_messages_around_it_arrive() -> None:
    messages: list[str | bytes] = []
    for i, (junk, _) in enumerate(GARBAGE * 2):
        messages += [book("BTCUSDT", i), junk]
    messages += [book("BTCUSDT", 99), book("BTCUSDT", -3),  # time going back, negative and crossed prices:
                 json.dumps({"s": "BTCUSDT", "b": "-5", "a": "-6"})]  # the core's to judge and count
    ex = Exchange(sender([messages]))
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], **fast())
            async with running(feed, sink):
                await until(lambda: feed.snapshot()["messages"] == len(messages), what="every message")
                snap = feed.snapshot()
        expected: dict[str, int] = {}
        for _, reason in GARBAGE * 2:
            expected[reason] = expected.get(reason, 0) + 1
        assert snap["parse_errors"] == dict.fromkeys(PARSE_ERRORS, 0) | expected
        assert [q.ts_event // 10**6 - E0 for q in sink.quotes[:-1]] == [*range(len(GARBAGE) * 2), 99, -3]
        assert (sink.quotes[-1].bid, sink.quotes[-1].ask) == (-5.0, -6.0)
        assert (snap["connects"], snap["failures"]) == (1, 0)

    run_async(main(), timeout=20)


def test_ignored_message_types_are_counted_in_bounded_space() -> None:
    messages: list[str | bytes] = [json.dumps({"e": f"kind{i}", "E": 1}) for i in range(100)]
    ex = Exchange(sender([messages]))

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], **fast())
            async with running(feed, Collect()):
                await until(lambda: feed.snapshot()["ignored"] == 100, what="100 ignored messages")
                snap = feed.snapshot()
        assert len(snap["ignored_by_type"]) == 33 and snap["ignored_by_type"]["other"] == 68
        assert sum(snap["ignored_by_type"].values()) == 100

    run_async(main(), timeout=20)


def test_a_stalled_connection_is_detected_and_replaced() -> None:
    ex = Exchange(sender([[book("BTCUSDT", i) for i in range(3)], [book("BTCUSDT", i) for i in range(3, 6)]]))
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], stale_timeout=0.2, **fast())
            t0 = time.monotonic()
            async with running(feed, sink):
                await until(lambda: len(sink.quotes) == 6, what="6 quotes")
                elapsed = time.monotonic() - t0
                snap = feed.snapshot()
        assert elapsed >= 0.2
        assert (snap["stalls"], snap["disconnects"], snap["connects"]) == (1, 1, 2)
        assert snap["last_error"].startswith("stalled: no message for 0.2 s")
        assert ex.close_codes[0] == 1000  # the feed closed the stalled socket properly

    run_async(main(), timeout=20)


def test_a_handshake_that_never_completes_times_out_and_is_retried() -> None:
    handlers: list[bool] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append(False)
        await reader.read()  # the client gives up and closes
        writer.close()
        await writer.wait_closed()
        handlers[-1] = True

    async def main() -> None:
        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        feed = WebSocketFeed("bn", f"ws://127.0.0.1:{port}/ws", "binance", ["BTC-USDT"], open_timeout=0.1, **fast())
        async with running(feed, Collect()):
            await until(lambda: feed.snapshot()["failures"] >= 2, what="two timeouts")
            snap = feed.snapshot()
        server.close()
        await server.wait_closed()
        await until(lambda: all(handlers), what="the server's handlers")
        assert snap["last_error"].startswith("timeout:") and snap["connects"] == 0 and snap["disconnects"] == 0

    run_async(main(), timeout=20)


def test_a_dead_server_opens_the_breaker_and_the_probe_reconnects_when_it_is_back() -> None:
    ex = Exchange(sender([[book("BTCUSDT", i) for i in range(5)]]))
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            pass  # a free port, now closed: connections are refused
        feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], **fast(threshold=3, cooldown=0.4))
        async with running(feed, sink):
            await until(lambda: feed.snapshot()["state"] == "circuit_open", what="an open circuit")
            snap = feed.snapshot()
            assert snap["failures"] == 3 and snap["breaker"]["state"] == "open"
            assert snap["last_error"].startswith("refused:") and snap["connects"] == 0
            await asyncio.sleep(0.2)
            assert feed.snapshot()["failures"] == 3  # no attempt while open
            async with ex.serving():
                await until(lambda: len(sink.quotes) == 5, what="quotes after the probe")
                snap = feed.snapshot()
        assert snap["breaker"]["state"] == "closed" and snap["state"] == "connected"
        assert snap["connects"] == 1 and ex.connections == 1

    run_async(main(), timeout=20)


def test_a_server_that_only_sends_garbage_opens_the_breaker() -> None:
    async def garbage_then_close(ex: Exchange, ws: ServerConnection, n: int) -> None:
        await ws.send("{not json")
        await ws.close()

    ex = Exchange(garbage_then_close)

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], **fast(threshold=3, cooldown=30.0))
            async with running(feed, Collect()):
                await until(lambda: feed.snapshot()["state"] == "circuit_open", what="an open circuit")
                snap = feed.snapshot()
        assert (snap["connects"], snap["failures"], snap["parse_errors"]["malformed_json"]) == (3, 3, 3)

    run_async(main(), timeout=20)


def test_one_failing_feed_does_not_slow_another() -> None:
    n = 2000
    good = Exchange(sender([[book("BTCUSDT", i) for i in range(n)]]))

    async def churn(ex: Exchange, ws: ServerConnection, k: int) -> None:
        await ws.send("garbage{")
        ws.transport.abort()

    bad = Exchange(churn)

    async def timed(with_bad: bool) -> float:
        sink = Collect()
        feed = WebSocketFeed("good", good.url, "binance", ["BTC-USDT"], **fast())
        failing = WebSocketFeed("bad", bad.url, "binance", ["BTC-USDT"],
                                retry=Retry(base_delay=0.001, max_delay=0.002), breaker=CircuitBreaker(10**6, 0.0))
        async with contextlib.AsyncExitStack() as stack:
            if with_bad:
                await stack.enter_async_context(running(failing, Collect()))
                await until(lambda: failing.snapshot()["failures"] >= 3, what="the bad feed failing")
            t0 = time.monotonic()
            await stack.enter_async_context(running(feed, sink))
            await until(lambda: len(sink.quotes) == n, timeout=10, what="every quote of the good feed")
            elapsed = time.monotonic() - t0
        assert feed.counters["failures"] == 0
        if with_bad:
            assert failing.counters["failures"] >= 3 and failing.counters["quotes"] == 0
        return elapsed

    async def main() -> None:
        async with good.serving(), bad.serving():
            alone = await timed(False)
            good.connections = 0
            together = await timed(True)
        assert together < 4 * alone + 0.5, (alone, together)

    run_async(main(), timeout=40)


def test_a_burst_of_symbol_changes_gives_one_reload_with_the_last_set() -> None:
    async def stream(ex: Exchange, ws: ServerConnection, n: int) -> None:
        for sym in ("BTCUSDT", "ETHUSDT", "BNBUSDT"):
            await ws.send(book(sym, n))
        await ws.wait_closed()

    ex = Exchange(stream)
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], reload_delay=0.1, **fast())
            async with running(feed, sink):
                await until(lambda: len(sink.quotes) == 1, what="the first quote")
                for symbols in (["ETH-USDT"], ["BTC-USDT", "ETH-USDT"], ["BNB-USDT"], ["ETH-USDT", "BNB-USDT"]):
                    feed.set_symbols(symbols)
                    await asyncio.sleep(0.02)
                await until(lambda: len(sink.quotes) == 3, what="quotes of the new set")
                await asyncio.sleep(0.3)  # time for a (wrong) second reload
                snap = feed.snapshot()
        assert ex.connections == 2 and snap["reloads"] == 1
        assert ex.subscribes[1]["params"] == ["ethusdt@bookTicker", "bnbusdt@bookTicker"]
        assert feed.symbols == {"ETH-USDT": "ETHUSDT", "BNB-USDT": "BNBUSDT"}
        assert [(q.symbol, q.bid) for q in sink.quotes] == [("BTC-USDT", 101.25), ("ETH-USDT", 102.25),
                                                            ("BNB-USDT", 102.25)]
        assert (snap["failures"], snap["disconnects"], snap["parse_errors"]["unknown_symbol"]) == (0, 0, 3)

    run_async(main(), timeout=20)


def test_set_symbols_before_run_and_to_the_same_set_reload_nothing() -> None:
    ex = Exchange(sender([[book("ETHUSDT", 1)]]))
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], reload_delay=0.05, **fast())
            feed.set_symbols(["ETH-USDT"])
            async with running(feed, sink):
                await until(lambda: len(sink.quotes) == 1, what="a quote")
                feed.set_symbols({"ETH-USDT": "ETHUSDT"})
                await asyncio.sleep(0.2)
                snap = feed.snapshot()
        assert ex.subscribes[0]["params"] == ["ethusdt@bookTicker"]
        assert snap["reloads"] == 0 and ex.connections == 1

    run_async(main(), timeout=20)


@pytest.mark.parametrize("where", ["connected", "backoff", "circuit_open", "idle"])
def test_cancelling_returns_promptly_and_closes_the_socket(where: str) -> None:
    ex = Exchange(sender([[book("BTCUSDT", 1)]]))
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            url = ex.url
            if where == "connected":
                feed = WebSocketFeed("bn", url, "binance", ["BTC-USDT"], **fast())
            elif where == "idle":
                feed = WebSocketFeed("bn", url, "binance", [], **fast())
            else:
                url = "ws://127.0.0.1:1/ws"  # refused
                feed = WebSocketFeed("bn", url, "binance", ["BTC-USDT"], retry=Retry(base_delay=30, max_delay=30),
                                     breaker=CircuitBreaker(1 if where == "circuit_open" else 100, 30.0))
            task = asyncio.ensure_future(feed.run(sink))
            await until(lambda: feed.snapshot()["state"] == where, what=where)
            t0 = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - t0 < 1.0
            assert feed.snapshot()["state"] == "stopped"
            if where == "connected":
                await until(lambda: ex.close_codes == [1000], what="the server seeing the close")

    run_async(main(), timeout=20)


def test_a_cancellation_an_error_replaced_still_stops_the_feed() -> None:
    ex = Exchange(sender([[book("BTCUSDT", 1)]]))
    sink = Collect()

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], **fast())
            read = feed._read
            swallow = [True]

            async def swallowing(*args: Any) -> None:  # code under the feed that turns a cancel into an error
                try:
                    await read(*args)
                except asyncio.CancelledError:
                    if swallow[0]:
                        raise RuntimeError("cleanup failed") from None
                    raise

            feed._read = swallowing  # type: ignore[method-assign]
            task = asyncio.ensure_future(feed.run(sink))
            await until(lambda: len(sink.quotes) == 1, what="the quote")
            task.cancel()
            done, _ = await asyncio.wait([task], timeout=2.0)
            if not done:  # the feed went on retrying: stop it for good before failing
                swallow[0] = False
                task.cancel()
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(task, 2.0)
            assert done and task.cancelled()
            assert feed.snapshot()["state"] == "stopped" and ex.connections == 1 and feed.counters["failures"] == 0

    run_async(main(), timeout=20)


def test_an_emit_that_raises_is_counted_and_the_feed_goes_on(caplog: Any) -> None:
    ex = Exchange(sender([[book("BTCUSDT", i) for i in range(4)]]))
    got: list[Quote] = []

    async def emit(q: Quote) -> None:
        if q.ts_event == (E0 + 1) * 10**6:
            raise RuntimeError("consumer bug")
        got.append(q)

    async def main() -> None:
        async with ex.serving():
            feed = WebSocketFeed("bn", ex.url, "binance", ["BTC-USDT"], **fast())
            async with running(feed, emit):
                await until(lambda: len(got) == 3, what="3 quotes")
                snap = feed.snapshot()
        assert (snap["quotes"], snap["emit_errors"]) == (3, 1) and "consumer bug" in snap["last_error"]

    with caplog.at_level(logging.ERROR, logger="threadx.live"):
        run_async(main(), timeout=20)
    assert any(getattr(r, "reason", None) == "emit_error" for r in caplog.records)


def test_a_feed_runs_again_after_a_stop_in_another_loop() -> None:
    ex = Exchange(sender([[book("BTCUSDT", 1)], [book("BTCUSDT", 2)]]))
    feed = WebSocketFeed("bn", "ws://127.0.0.1:1/ws", "binance", ["BTC-USDT"], **fast())
    sink = Collect()

    async def once(n: int) -> None:
        async with ex.serving():
            feed.url = ex.url
            async with running(feed, sink):
                await until(lambda: len(sink.quotes) == n, what=f"{n} quotes")

    run_async(once(1), timeout=20)
    run_async(once(2), timeout=20)
    assert [q.bid for q in sink.quotes] == [101.25, 102.25] and feed.snapshot()["connects"] == 2


def test_emit_must_be_callable() -> None:
    feed = WebSocketFeed("bn", "ws://127.0.0.1:1/ws", "binance", [])
    with pytest.raises(ValidationError) as info:
        run_async(feed.run(None), timeout=5)  # type: ignore[arg-type]
    assert info.value.fields == ["emit"]
    with pytest.raises(ValidationError) as info:
        run_async(ReplayFeed(ticks()).run("queue"), timeout=5)  # type: ignore[arg-type]
    assert info.value.fields == ["emit"]


def test_a_feed_runs_once_at_a_time() -> None:
    async def main() -> None:
        feed = WebSocketFeed("bn", "ws://127.0.0.1:1/ws", "binance", [], **fast())
        async with running(feed, Collect()):
            await until(lambda: feed.snapshot()["state"] == "idle", what="idle")
            with pytest.raises(ValidationError, match="already running"):
                await feed.run(Collect())

    run_async(main(), timeout=20)


# --------------------------------------------------------------------------- the replay feed


def ticks(n: int = 6) -> pd.DataFrame:
    t = pd.Timestamp("2024-03-01T12:00:00Z").value + np.arange(n, dtype=np.int64) * 200_000_000  # 0.2 s apart
    return pd.DataFrame({"ts_event": t, "ts_recv": t + 5, "exchange": ["bn", "cb"] * (n // 2),
                         "symbol": ["BTC-USDT"] * n, "bid": 100.0 + np.arange(n), "ask": 101.0 + np.arange(n)})


def expected_quotes(df: pd.DataFrame, recv_offset: int = 5) -> list[Quote]:
    return [Quote(r.exchange, r.symbol, r.bid, r.ask, int(r.ts_event), int(r.ts_event) + recv_offset)
            for r in df.itertuples()]


def replay(feed: ReplayFeed) -> list[Quote]:
    sink = Collect()
    run_async(feed.run(sink), timeout=20)
    return sink.quotes


def test_replay_csv_in_file_order(tmp_path: Path) -> None:
    df = ticks()
    df.to_csv(tmp_path / "t.csv", index=False)
    feed = ReplayFeed(tmp_path / "t.csv")
    assert replay(feed) == expected_quotes(df)
    assert feed.snapshot() | {"source": ""} == {"name": "replay", "kind": "replay", "source": "", "speed": None,
                                                "state": "done", "rows": 6, "quotes": 6, "emit_errors": 0,
                                                "last_error": None}


def test_replay_csv_with_rfc3339_times_and_no_ts_recv(tmp_path: Path) -> None:
    df = ticks()
    text = df.drop(columns="ts_recv").assign(ts_event=pd.to_datetime(df.ts_event, utc=True).dt.tz_convert("Europe/Paris"))
    text.to_csv(tmp_path / "t.csv", index=False)  # 2024-03-01 13:00:00+01:00
    assert replay(ReplayFeed(str(tmp_path / "t.csv"))) == expected_quotes(df, 0)


@requires_pyarrow
def test_replay_parquet_with_a_datetime_column(tmp_path: Path) -> None:
    df = ticks()
    df.assign(ts_event=pd.to_datetime(df.ts_event, utc=True)).to_parquet(tmp_path / "t.parquet")
    assert replay(ReplayFeed(tmp_path / "t.parquet")) == expected_quotes(df)


def test_replay_a_frame_time_compressed() -> None:
    df = ticks(6)  # 1 s of event time
    t0 = time.monotonic()
    quotes = replay(ReplayFeed(df, speed=10.0))
    elapsed = time.monotonic() - t0
    assert quotes == expected_quotes(df)
    assert 0.09 <= elapsed < 2.0


def test_replay_as_fast_as_emit_takes_them() -> None:
    df = pd.concat([ticks(4)] * 3)  # event time going back: replayed at once
    t0 = time.monotonic()
    assert len(replay(ReplayFeed(df))) == 12 and len(replay(ReplayFeed(df, speed=1.0))) == 12
    assert time.monotonic() - t0 < 2.0


def _corrupt_parquet(path: Path) -> None:
    path.write_bytes(b"PAR1" + b"\x00" * 40 + b"PAR1")


@pytest.mark.parametrize(("make", "says"), [
    (lambda p: ticks().drop(columns=["bid", "symbol"]).to_csv(p, index=False), "missing columns 'symbol', 'bid'"),
    (lambda p: ticks().assign(bid="x").to_csv(p, index=False), "column 'bid' has dtype"),
    (lambda p: ticks().assign(ts_event=1.5).to_csv(p, index=False), "column 'ts_event' has dtype float64"),
    (lambda p: ticks().assign(ts_event="2024-01-01 00:00:00").to_csv(p, index=False), "naive datetimes"),
    (lambda p: ticks().assign(ts_recv="soon").to_csv(p, index=False), "column 'ts_recv' is neither"),
    (lambda p: ticks().assign(exchange=None).to_csv(p, index=False), "column 'exchange' has missing values"),
    (_corrupt_parquet, "not a readable Parquet file"),
    (lambda p: p.write_bytes(b""), "not a readable CSV file"),
    (lambda p: None, "cannot be read (FileNotFoundError"),
])
def test_a_bad_tick_file_is_a_data_error_naming_the_problem(tmp_path: Path, make: Any, says: str) -> None:
    path = tmp_path / "bad.csv"
    make(path)
    with pytest.raises(DataError) as info:
        ReplayFeed(path)
    assert says in str(info.value) and str(path) in str(info.value)


def test_a_frame_of_the_wrong_types_names_every_column() -> None:
    with pytest.raises(DataError, match=r"'ts_event' has dtype bool.*'symbol' has dtype int64.*'ask' has dtype"):
        ReplayFeed(ticks().assign(ts_event=True, symbol=3, ask="1"))


def test_replay_arguments() -> None:
    with pytest.raises(ValidationError) as info:
        ReplayFeed(5, speed=0, name="")  # type: ignore[arg-type]
    assert info.value.fields == ["name", "source", "speed"]


def test_adapter_base_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        Adapter().parse("{}", exchange="x", symbols={}, ts_recv=0)


def test_replay_in_chunks_and_nullable_columns(monkeypatch: Any) -> None:
    import threadx.live._replay as replay_module

    monkeypatch.setattr(replay_module, "_CHUNK", 4)
    df = ticks(10)
    df = df.astype({"bid": "Float64", "ts_event": "Int64"})
    assert replay(ReplayFeed(df)) == expected_quotes(ticks(10))
    df.loc[3, "ts_event"] = pd.NA
    with pytest.raises(DataError, match="'ts_event' has missing times"):
        ReplayFeed(df)


def test_reconnects_back_off_exponentially() -> None:
    async def main() -> None:
        feed = WebSocketFeed("bn", "ws://127.0.0.1:1/ws", "binance", ["BTC-USDT"],
                             retry=Retry(base_delay=0.1, max_delay=1.0, jitter=0.0), breaker=CircuitBreaker(100, 1.0))
        async with running(feed, Collect()):
            await until(lambda: feed.snapshot()["state"] == "backoff", what="a backoff")
            await asyncio.sleep(0.5)  # attempts at 0, 0.1, 0.3 (then 0.7): 3 failures, not hundreds
            snap = feed.snapshot()
        assert 2 <= snap["failures"] <= 4 and snap["breaker"]["consecutive_failures"] == snap["failures"]

    run_async(main(), timeout=20)


def test_replay_a_header_only_file(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("ts_event,exchange,symbol,bid,ask\n")
    feed = ReplayFeed(tmp_path / "t.csv", speed=2.0)
    assert replay(feed) == [] and feed.snapshot()["state"] == "done"
