"""The spread monitor with real parts: three local exchanges on 127.0.0.1 (one disconnects, one
sends garbage, one stalls), subscribers (one fast, one that never reads), the Parquet sink; the
counts say what was lost (nothing, or what the policy dropped and counted)."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("websockets")
pytest.importorskip("pyarrow")
pytest.importorskip("prometheus_client")

from coordinator_support import run_async  # noqa: E402
from live_support import Exchange, sender, until  # noqa: E402
from threadx.errors import CoordinatorClosedError, ValidationError  # noqa: E402
from threadx.live import SPREAD_COLUMNS, SpreadBook, sample_ticks  # noqa: E402
from threadx.live._monitor import SpreadMonitor  # noqa: E402
from threadx.live._sink import read  # noqa: E402

SYMBOLS = ("BTC-USDT", "ETH-USDT")
EXCHANGES = ("binance", "coinbase", "okx")
FAST = {"retry": {"base_delay": 0.01, "max_delay": 0.05, "jitter": 0.0},
        "breaker": {"failure_threshold": 100, "cooldown": 0.05}}


def _binance(t: Any) -> str:
    return json.dumps({"e": "bookTicker", "u": 1, "s": t.symbol.replace("-", ""), "b": repr(float(t.bid)), "B": "1",
                       "a": repr(float(t.ask)), "A": "1", "E": int(t.ts_event // 1_000_000), "T": int(t.ts_event // 1_000_000)})


def _coinbase(t: Any) -> str:
    when = pd.Timestamp(int(t.ts_event), tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"type": "ticker", "product_id": t.symbol, "best_bid": repr(float(t.bid)), "best_ask": repr(float(t.ask)),
                       "time": when})


@pytest.fixture(scope="module")
def ticks() -> pd.DataFrame:
    return sample_ticks(SYMBOLS, EXCHANGES, duration="90s", rate=4.0, seed=11)


def _messages(ticks: pd.DataFrame, exchange: str) -> list[str]:
    rows = ticks[ticks["exchange"] == exchange].itertuples(index=False)
    return [(_coinbase if exchange == "coinbase" else _binance)(t) for t in rows]


def _config(tmp_path: Path, urls: dict[str, str], **monitor: Any) -> dict[str, Any]:
    feeds = [{"name": name, "adapter": "coinbase" if name == "coinbase" else "binance", "url": url,
              "stale_timeout": 1.0, **FAST} for name, url in urls.items()]
    return {"monitor": {"symbols": list(SYMBOLS), "window": "30s", "max_quote_age": "10s", **monitor},
            "server": {"port": 0, "send_queue": 50, "send_timeout": 0.5},
            "sink": {"directory": str(tmp_path / "out"), "raw_ticks": True, "flush_interval": 0.2},
            "feeds": feeds}


async def _drain(ws: Any, into: list[dict[str, Any]]) -> None:
    async for m in ws:
        into.append(json.loads(m))


async def _test_three_exchanges_failing_in_three_ways_lose_nothing(ticks: pd.DataFrame, tmp_path: Path) -> None:
    import websockets

    b = _messages(ticks, "binance")
    half = len(b) // 2
    garbage = ["{not json", json.dumps({"s": "BTCUSDT"}), json.dumps([1, 2]),
               _binance(pd.Series({"symbol": "BTC-USDT", "bid": -1.0, "ask": 2.0, "ts_event": ticks.ts_event.iloc[-1]})),
               _binance(pd.Series({"symbol": "ETH-USDT", "bid": 3.0, "ask": 2.0, "ts_event": ticks.ts_event.iloc[-1]}))]
    c = _messages(ticks, "coinbase")
    early = ticks[ticks["exchange"] == "coinbase"].iloc[-1].copy()
    early["ts_event"] -= 3_600_000_000_000
    c.append(_coinbase(early))  # an hour back: out of order
    o = _messages(ticks, "okx")

    async def close_now(ex: Any, ws: Any, n: int) -> None:
        await ws.close()

    async def stall(ex: Any, ws: Any, n: int) -> None:
        await asyncio.sleep(30)  # socket open, silent: the feed must call it a stall

    sent: dict[int, int] = {}

    async def play(ex: Any, ws: Any, n: int) -> None:  # connection 1: half, garbage, close; 2: the rest
        sent[n] = 0
        for m in [b[:half] + garbage, b[half:]][n - 1] if n <= 2 else []:
            await ws.send(m)
            sent[n] += 1
        if n == 1:
            await ws.close()
        else:
            await asyncio.sleep(30)

    binance = Exchange(play, subscribe=False)
    coinbase = Exchange(sender([c]))
    okx = Exchange(sender([o[:100], o[100:]], then=lambda ex, ws, n: stall(ex, ws, n)), subscribe=False)
    async with binance.serving(), coinbase.serving(), okx.serving():
        urls = {"binance": binance.url.replace("/ws", "/stream"), "coinbase": coinbase.url,
                "okx": okx.url.replace("/ws", "/stream")}
        mon = SpreadMonitor(_config(tmp_path, urls))
        await mon.start()
        fast: list[dict[str, Any]] = []
        port = mon.server.port
        async with websockets.connect(f"ws://127.0.0.1:{port}/spreads") as ws_fast, \
                websockets.connect(f"ws://127.0.0.1:{port}/spreads", max_queue=1) as ws_slow:
            reader = asyncio.ensure_future(_drain(ws_fast, fast))
            expected = len(b) + 2 + len(c) + len(o)  # every parsable quote (the 2 bad prices parse)
            try:
                await until(lambda: mon._queue.accepted >= expected, 20, "every quote in the queue")
            except AssertionError:
                await mon.stop()
                raise AssertionError(json.dumps({"sent": sent, "bcodes": binance.close_codes[:5], "expected": expected, "queue": mon._queue.stats(),
                                                 "feeds": mon.health()["feeds"]}, default=str)[:3000]) from None
            await until(lambda: mon._queue.taken == mon._queue.accepted, 5, "the core to catch up")
            await asyncio.sleep(0.3)
            t0 = time.monotonic()
            report = await mon.stop()
            stop_seconds = time.monotonic() - t0
            await asyncio.wait_for(reader, 5)
            del ws_slow
    feeds = {name: mon.health()["feeds"][name] for name in EXCHANGES}
    assert stop_seconds < 5 and report["in_time"] and not report["stuck_tasks"] and report["task_errors"] == 0
    # nothing lost: every quote the feeds emitted was accepted, processed and written
    assert sum(f["quotes"] for f in feeds.values()) == report["accepted"] == expected == report["processed"]
    raw = read(tmp_path / "out", "ticks")
    assert len(raw) == expected and report["dropped"] == 0
    spreads = read(tmp_path / "out", "spreads")
    assert len(spreads) == report["rows"] > 1000 and list(spreads.columns) == list(SPREAD_COLUMNS)
    # each failure was seen and counted where it belongs
    assert feeds["binance"]["connects"] >= 2 and feeds["binance"]["disconnects"] >= 1
    assert sum(feeds["binance"]["parse_errors"].values()) == 3
    assert feeds["okx"]["stalls"] >= 1
    rejected = mon.book.stats()["rejected"]
    assert rejected["non_positive"] == 1 and rejected["crossed"] == 1 and rejected["out_of_order"] >= 1
    # the recorded ticks replayed through a fresh core in the order the service took them (receive
    # time: read() sorts by event time, and the pairing of quotes depends on their order) give
    # exactly the service's spreads (read() sorts both by event time, stably)
    replay = SpreadBook(EXCHANGES, window="30s", max_quote_age="10s").update(
        raw.sort_values("ts_recv", kind="stable"))
    replay = replay.sort_values("ts_event", kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(replay, spreads.reset_index(drop=True), check_dtype=False)
    # the fast subscriber got every row; the one that never read was dropped, not waited for
    got = sum(len(m["rows"]) for m in fast if m["type"] == "spreads")
    assert got == report["rows"]
    assert any(m["type"] == "signals" for m in fast)

def test_three_exchanges_failing_in_three_ways_lose_nothing(ticks: pd.DataFrame, tmp_path: Path) -> None:
    run_async(_test_three_exchanges_failing_in_three_ways_lose_nothing(ticks, tmp_path), timeout=90)



async def _test_drop_oldest_counts_exactly_what_it_drops(ticks: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "ticks.parquet"
    ticks.to_parquet(path)
    cfg = {"monitor": {"exchanges": list(EXCHANGES), "queue_size": 16, "overflow": "drop_oldest", "batch_max": 4},
           "sink": {"directory": str(tmp_path / "out"), "raw_ticks": True},
           "feeds": [{"name": "replay", "adapter": "replay", "path": str(path)}]}
    async with SpreadMonitor(cfg) as mon:
        await asyncio.wait_for(mon.wait(), 20)
    r = mon.report
    assert r["accepted"] == len(ticks) and r["dropped"] > 0
    assert len(read(tmp_path / "out", "ticks")) == r["accepted"] - r["dropped"] == r["processed"]

def test_drop_oldest_counts_exactly_what_it_drops(ticks: pd.DataFrame, tmp_path: Path) -> None:
    run_async(_test_drop_oldest_counts_exactly_what_it_drops(ticks, tmp_path), timeout=90)



async def _test_block_policy_loses_nothing_through_a_small_queue(ticks: pd.DataFrame, tmp_path: Path) -> None:
    cfg = {"monitor": {"exchanges": list(EXCHANGES), "queue_size": 8, "overflow": "block", "batch_max": 3},
           "sink": {"directory": str(tmp_path / "out"), "raw_ticks": True}}
    from threadx.live._replay import ReplayFeed
    async with SpreadMonitor(cfg, feeds=[ReplayFeed(ticks)]) as mon:
        await asyncio.wait_for(mon.wait(), 20)
        assert mon._queue.high_water <= 8
    assert mon.report["dropped"] == 0 and len(read(tmp_path / "out", "ticks")) == len(ticks)

def test_block_policy_loses_nothing_through_a_small_queue(ticks: pd.DataFrame, tmp_path: Path) -> None:
    run_async(_test_block_policy_loses_nothing_through_a_small_queue(ticks, tmp_path), timeout=90)



async def _test_health_and_metrics_match_the_counts(ticks: pd.DataFrame, tmp_path: Path) -> None:
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families
    from threadx.live._replay import ReplayFeed
    cfg = {"monitor": {"exchanges": list(EXCHANGES)}, "server": {"port": 0}}
    async with SpreadMonitor(cfg, feeds=[ReplayFeed(ticks)]) as mon:
        await asyncio.wait_for(mon.wait(), 20)
        await until(lambda: mon._queue.taken == len(ticks), 5, "the core")
        url = f"http://127.0.0.1:{mon.server.port}"
        health = json.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(url + "/health", timeout=5).read()))
        text = (await asyncio.to_thread(lambda: urllib.request.urlopen(url + "/metrics", timeout=5).read())).decode()
    book = SpreadBook(EXCHANGES)
    rows = book.update(ticks)
    assert health["book"]["ticks"] == len(ticks) and health["rows"] == len(rows)
    assert health["book"]["keys"] == book.stats()["keys"] and health["book"]["points"] == book.stats()["points"]
    assert health["queue"]["accepted"] == len(ticks) and health["feeds"]["replay"]["state"]
    assert health["memory_rss_bytes"] > 0 and health["uptime_s"] > 0
    metrics = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples
               if not s.labels or s.labels.get("outcome") == "accepted"}
    assert metrics["threadx_live_rows_total"] == len(rows)
    assert metrics["threadx_live_ticks_total"] == book.stats()["accepted"]
    assert metrics["threadx_live_keys"] == book.stats()["keys"]

def test_health_and_metrics_match_the_counts(ticks: pd.DataFrame, tmp_path: Path) -> None:
    run_async(_test_health_and_metrics_match_the_counts(ticks, tmp_path), timeout=90)



def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def _test_100_start_stop_cycles_leave_nothing_behind(ticks: pd.DataFrame, tmp_path: Path) -> None:
    from threadx.live._replay import ReplayFeed
    small = ticks.iloc[:200]
    cfg = {"monitor": {"exchanges": list(EXCHANGES)}, "server": {"port": 0},
           "sink": {"directory": str(tmp_path / "out")}}

    async def cycle() -> None:
        mon = SpreadMonitor(cfg, feeds=[ReplayFeed(small)])
        await mon.start()
        await mon.stop()
        assert mon.report["in_time"] and not mon.report["stuck_tasks"]

    await cycle()  # warm-up: imports, the default executor's thread
    tasks, fds, threads = len(asyncio.all_tasks()), _fds(), threading.active_count()
    for _ in range(100):
        await cycle()
    assert len(asyncio.all_tasks()) == tasks
    assert _fds() <= fds
    assert threading.active_count() <= threads

def test_100_start_stop_cycles_leave_nothing_behind(ticks: pd.DataFrame, tmp_path: Path) -> None:
    run_async(_test_100_start_stop_cycles_leave_nothing_behind(ticks, tmp_path), timeout=90)



async def _test_a_monitor_starts_once(tmp_path: Path) -> None:
    mon = SpreadMonitor({"monitor": {"exchanges": ["a", "b"]}})
    await mon.start()
    with pytest.raises(CoordinatorClosedError):
        await mon.start()
    await mon.stop()
    assert mon.health()["status"] == "stopped"

def test_a_monitor_starts_once(tmp_path: Path) -> None:
    run_async(_test_a_monitor_starts_once(tmp_path), timeout=90)



def test_config_lists_every_bad_field_with_its_path(tmp_path: Path) -> None:
    toml = tmp_path / "live.toml"
    toml.write_text("""
[monitor]
window = "soon"
q_lo = 0.9
q_hi = 0.1
overflow = "maybe"
batch_max = 0
colour = "red"

[server]
port = 99999

[sink]
directory = "%s"
rotate = "never"

[[feeds]]
name = "x"
adapter = "nasdaq"
url = "ws://127.0.0.1:1/"

[[feeds]]
name = "y"
adapter = "binance"
url = "http://example"
stale_timeout = -1
speed = 2.0
breaker = { failure_threshold = 0 }

[[feeds]]
name = "z"
adapter = "replay"
path = "%s"
url = "ws://127.0.0.1:1/"
""" % (tmp_path / "out", tmp_path / "ticks.csv"))
    sample_ticks(duration="1min").to_csv(tmp_path / "ticks.csv", index=False)
    with pytest.raises(ValidationError) as info:
        SpreadMonitor(toml)
    fields = {e["field"] for e in info.value.errors}
    for want in ("monitor.colour", "monitor.window", "monitor.q_lo", "monitor.overflow", "monitor.batch_max",
                 "server.port", "sink.rotate", "feeds[0].adapter", "feeds[1].url", "feeds[1].stale_timeout",
                 "feeds[1].breaker.failure_threshold", "feeds[1].speed", "feeds[2].url"):
        assert want in fields, (want, sorted(fields))


@pytest.mark.parametrize("config", ["/no/such/live.toml", 42, {"monitors": {}}, {"feeds": {"name": "x"}}])
def test_unreadable_configs_raise_typed_errors(config: Any) -> None:
    from threadx.errors import DataError
    with pytest.raises((ValidationError, DataError)):
        SpreadMonitor(config)


def test_invalid_toml_is_a_validation_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text("[monitor\nwindow = ")
    with pytest.raises(ValidationError, match="TOML"):
        SpreadMonitor(p)


async def _test_a_failing_output_is_counted_and_the_service_goes_on(ticks: pd.DataFrame) -> None:
    from threadx.live._replay import ReplayFeed

    class Broken:
        calls = 0

        def __init__(self) -> None:
            self.prefix = "broken"

        def append(self, columns: Any) -> None:
            Broken.calls += 1
            if Broken.calls == 2:
                raise OSError("disk gone")

        async def run(self) -> None:
            await asyncio.sleep(3600)

        def close(self) -> None:
            pass

        def stats(self) -> dict[str, Any]:
            return {}

    mon = SpreadMonitor({"monitor": {"exchanges": list(EXCHANGES), "batch_max": 50}}, feeds=[ReplayFeed(ticks)])
    mon.sink = Broken()
    async with mon:
        await asyncio.wait_for(mon.wait(), 20)
        await until(lambda: mon._queue.taken == len(ticks), 5, "the core")
        health = mon.health()
    assert health["failed_ticks"] == 50 and health["status"] == "degraded"
    assert mon.report["processed"] == len(ticks) and mon.report["failed_ticks"] == 50


def test_a_failing_output_is_counted_and_the_service_goes_on(ticks: pd.DataFrame) -> None:
    run_async(_test_a_failing_output_is_counted_and_the_service_goes_on(ticks), timeout=90)


async def _test_a_burst_of_symbol_changes_gives_one_reload() -> None:
    coinbase = Exchange(sender([]))  # records each connection's subscribe message, then idles
    async with coinbase.serving():
        cfg = {"monitor": {"exchanges": ["coinbase", "other"], "symbols": ["BTC-USD"]},
               "feeds": [{"name": "coinbase", "adapter": "coinbase", "url": coinbase.url, "reload_delay": 0.2,
                          "stale_timeout": 30.0, **FAST}]}
        async with SpreadMonitor(cfg) as mon:
            await until(lambda: len(coinbase.subscribes) == 1, 5, "the first subscription")
            for symbols in (["ETH-USD"], ["ETH-USD", "SOL-USD"], ["BTC-USD", "ETH-USD"], ["ETH-USD", "SOL-USD"]):
                mon.set_symbols(symbols)
            await until(lambda: len(coinbase.subscribes) == 2, 5, "the reload")
            await asyncio.sleep(0.5)  # no second reload comes
            assert len(coinbase.subscribes) == 2
            assert mon.health()["feeds"]["coinbase"]["reloads"] == 1
    assert sorted(coinbase.subscribes[-1]["product_ids"]) == ["ETH-USD", "SOL-USD"]


def test_a_burst_of_symbol_changes_gives_one_reload() -> None:
    run_async(_test_a_burst_of_symbol_changes_gives_one_reload(), timeout=60)


def test_subscribers_get_strict_json_with_null_for_missing_quantiles(ticks: pd.DataFrame) -> None:
    sent: list[str] = []

    class Capture:
        def broadcast(self, text: str, *, symbol: str | None = None) -> int:
            sent.append(text)
            return 1

    mon = SpreadMonitor({"monitor": {"exchanges": list(EXCHANGES), "min_periods": 5}})
    mon.server = Capture()
    from threadx.live import Quote
    mon._process([Quote(*r) for r in ticks[["exchange", "symbol", "bid", "ask", "ts_event", "ts_recv"]]
                  .head(40).itertuples(index=False)])

    def strict(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    rows = [r for text in sent for r in json.loads(text, parse_constant=strict)["rows"]]
    assert rows and any(r["q_lo"] is None for r in rows)
