"""The live spread monitor: quotes of one instrument on several exchanges turned into
spreads with exact rolling quantiles over a time window, bounded, observable, nothing lost.

    from threadx.live import SpreadBook, SpreadMonitor, sample_ticks

    book = SpreadBook(["binance", "coinbase", "kraken"], window="15min")
    rows = book.update(sample_ticks())          # one row per spread-window update

    async with SpreadMonitor("live.toml") as mon:   # feeds, subscribers, Parquet, /health
        await mon.wait()

The core (``SpreadBook``) is C++: last-tick matching, the directed spread of every pair
of exchanges in basis points, a capped time window of exact quantiles per spread key
(``threadx.rolling.quantile`` semantics), band signals and an LRU over keys.  The service
(``SpreadMonitor``, ``threadx live --config live.toml``) runs WebSocket feeds (Binance
``bookTicker``, Coinbase ``ticker``) or replays, a bounded queue, a subscriber server with
``/health`` and ``/metrics``, and a Parquet sink.  The service needs ``threadx[live]``.
See docs/live.md.
"""

from __future__ import annotations

from threadx.live._adapters import Adapter, BinanceBookTicker, CoinbaseTicker, adapter_names, register_adapter
from threadx.live._book import SpreadBook
from threadx.live._config import load_config
from threadx.live._feeds import WebSocketFeed
from threadx.live._monitor import SpreadMonitor, run_monitor
from threadx.live._queue import OVERFLOW, TickQueue
from threadx.live._replay import ReplayFeed, read_ticks
from threadx.live._sample import sample_ticks
from threadx.live._server import SubscriberServer
from threadx.live._sink import ParquetSink
from threadx.live._sink import read as read_sink
from threadx.live._types import SPREAD_COLUMNS, TICK_COLUMNS, Quote

__all__ = [
    "OVERFLOW",
    "SPREAD_COLUMNS",
    "TICK_COLUMNS",
    "Adapter",
    "BinanceBookTicker",
    "CoinbaseTicker",
    "ParquetSink",
    "Quote",
    "ReplayFeed",
    "SpreadBook",
    "SpreadMonitor",
    "SubscriberServer",
    "TickQueue",
    "WebSocketFeed",
    "adapter_names",
    "load_config",
    "read_sink",
    "read_ticks",
    "register_adapter",
    "run_monitor",
    "sample_ticks",
]
