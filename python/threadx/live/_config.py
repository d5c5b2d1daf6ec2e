"""The spread monitor's configuration: a TOML file or a mapping, checked once, every bad field at once.

    [monitor]
    exchanges = ["binance", "coinbase"]   # default: the feeds' names
    symbols = ["BTC-USDT", "ETH-USDT"]    # what the WebSocket feeds subscribe to
    window = "15min"                      # quantile window of every spread key
    q_lo = 0.05
    q_hi = 0.95

    [server]                              # optional: subscribers, /health, /metrics
    host = "127.0.0.1"
    port = 8765

    [sink]                                # optional: Parquet output
    directory = "live-out"
    raw_ticks = true

    [[feeds]]
    name = "binance"
    adapter = "binance"                   # or "coinbase", or "replay" (with path = "ticks.parquet")
    url = "wss://stream.binance.com:9443/stream"

Each part is built by its own class (``SpreadBook``, ``TickQueue``, ``WebSocketFeed``,
``ReplayFeed``, ``SubscriberServer``, ``ParquetSink``, ``Retry``, ``CircuitBreaker``): the
rules live there, and this module gathers their errors with the path of the field
(``feeds[1].url``, ``sink.rotate``) into one ``ValidationError``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from threadx._inputs import FieldErrors, unknown_keywords
from threadx.errors import DataError, ValidationError

__all__ = ["MONITOR_DEFAULTS", "load_config", "section", "build"]

T = TypeVar("T")

#: [monitor] keys and their defaults (None: derived, see SpreadMonitor).
MONITOR_DEFAULTS: dict[str, Any] = {
    "exchanges": None, "symbols": [], "window": "15min", "max_quote_age": "5s", "q_lo": 0.05, "q_hi": 0.95,
    "max_points": 16384, "max_keys": 10_000, "max_symbols": 100_000, "interpolation": "linear",
    "min_periods": 1, "queue_size": 10_000, "overflow": "block", "batch_max": 512, "stop_timeout": 5.0,
}
SERVER_KEYS = ("host", "port", "send_queue", "send_timeout")
SINK_KEYS = ("directory", "flush_interval", "rotate", "max_rows", "overflow", "raw_ticks")
FEED_KEYS = ("name", "adapter", "url", "symbols", "path", "speed", "open_timeout", "stale_timeout",
             "close_timeout", "reload_delay", "max_size", "retry", "breaker")
#: the keys a replay feed takes (the rest of FEED_KEYS are a WebSocket feed's, except path and speed)
REPLAY_KEYS = {"name", "adapter", "path", "speed"}
RETRY_KEYS = ("base_delay", "max_delay", "jitter")
BREAKER_KEYS = ("failure_threshold", "cooldown")
SECTIONS = ("monitor", "server", "sink", "feeds")


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
        return tomllib
    from threadx._optional import require
    return require("tomli", extra="live", feature="reading a TOML config on Python 3.10")


def load_config(source: Any) -> dict[str, Any]:
    """A config mapping from a TOML file path or a mapping (top-level sections checked)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            with open(path, "rb") as fh:
                config = _toml().load(fh)
        except OSError as exc:
            raise DataError(f"cannot read the live config {str(path)!r}: {exc}") from exc
        except ValueError as exc:  # tomllib.TOMLDecodeError
            raise ValidationError([{"field": "config", "value": str(path), "message": f"is not valid TOML: {exc}"}]) from exc
    elif isinstance(source, Mapping):
        config = dict(source)
    else:
        raise ValidationError([{"field": "config", "value": repr(source)[:80],
                                "message": "must be a TOML file path or a mapping of sections"}])
    errors = FieldErrors()
    unknown_keywords(config, SECTIONS, errors, "the live config")
    for name in ("monitor", "server", "sink"):
        if name in config and not isinstance(config[name], Mapping):
            errors.add(name, config[name], "must be a table of settings")
    if "feeds" in config and (not isinstance(config["feeds"], list)
                              or not all(isinstance(f, Mapping) for f in config["feeds"])):
        errors.add("feeds", config["feeds"], "must be an array of tables ([[feeds]])")
    errors.raise_if_any()
    return dict(config)


def section(config: Mapping[str, Any], name: str, keys: Any, errors: FieldErrors,
            prefix: str | None = None) -> dict[str, Any]:
    """The keys of one table, unknown ones reported as ``prefix.key``."""
    table = dict(config.get(name) or {}) if prefix is None else dict(config)
    where = prefix if prefix is not None else name
    bad = FieldErrors()
    unknown_keywords(table, keys, bad, f"[{where}]")
    for item in bad.items:
        errors.add(f"{where}.{item['field']}", item["value"], item["message"])
    return {k: v for k, v in table.items() if k in keys}


def build(make: Callable[[], T], prefix: str, errors: FieldErrors) -> T | None:
    """``make()``, its ValidationError's fields reported under ``prefix``; None when it failed."""
    try:
        return make()
    except ValidationError as exc:
        for item in exc.errors:
            errors.add(f"{prefix}.{item['field']}", item.get("value"), item["message"])
    except DataError as exc:
        errors.add(prefix, "", str(exc))
    return None
