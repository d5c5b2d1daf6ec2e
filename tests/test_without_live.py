"""Without the ``live`` extra (websockets, prometheus-client): the core works, the service parts
raise MissingDependencyError naming ``threadx[live]``."""

from __future__ import annotations

from hide_modules import run_without


def test_live_core_works_and_the_service_names_the_extra() -> None:
    run_without(["websockets", "prometheus_client"], """
        import pytest

        from threadx.errors import MissingDependencyError
        from threadx.live import SpreadBook, SpreadMonitor, SubscriberServer, WebSocketFeed, sample_ticks

        rows = SpreadBook(["binance", "coinbase", "kraken"]).update(sample_ticks(duration="1min"))
        assert len(rows) > 100
        with pytest.raises(MissingDependencyError, match=r"threadx\\[live\\]"):
            WebSocketFeed("binance", "ws://127.0.0.1:9/", "binance", ["BTC-USDT"])
        with pytest.raises(MissingDependencyError, match=r"threadx\\[live\\]"):
            SubscriberServer()
        with pytest.raises(MissingDependencyError, match=r"threadx\\[live\\]"):
            SpreadMonitor({"server": {"port": 0}, "monitor": {"exchanges": ["a", "b"]}})
        with pytest.raises(MissingDependencyError, match=r"threadx\\[live\\]"):
            SpreadMonitor({"feeds": [{"name": "x", "adapter": "binance", "url": "ws://127.0.0.1:9/"}]})
        mon = SpreadMonitor({"monitor": {"exchanges": ["a", "b"]}})  # no server, no feeds: nothing optional
        assert mon.health()["status"] == "new"
    """)
