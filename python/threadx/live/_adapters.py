"""Exchange adapters of the live feeds: URL and subscribe messages for a symbol set, and one
message parsed into a :class:`~threadx.live._types.Quote` or a counted :class:`Skip`.

Pure functions of their inputs (no I/O, no clock: the receive time is passed in).  Prices are
parsed, never judged: positive, finite, bid <= ask and event time not going back are checked
once, by the core.  An adapter only says what it cannot parse (:data:`PARSE_ERRORS`) and which
messages are of another kind (acks, heartbeats, subscriptions, new types: ``ignored``).

Formats, from the exchanges' documentation:

- Binance ``<symbol>@bookTicker``, spot
  https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#individual-symbol-book-ticker-streams
  (``{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000",
  "A":"40.66000000"}``, no event time) and USD-M futures
  (https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams,
  "Individual Symbol Book Ticker Streams")
  (adds ``"e":"bookTicker"``, the event time ``"E"`` and the transaction time ``"T"``, in ms);
  combined streams wrap each payload as ``{"stream":"<name>","data":{...}}``; a live
  ``SUBSCRIBE`` is answered ``{"result":null,"id":1}`` and refused ``{"code":..,"msg":..}``
  (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#live-subscribingunsubscribing-to-streams).
- Coinbase Exchange ``ticker`` channel (https://docs.cloud.coinbase.com/exchange/docs/websocket-channels)
  (``{"type":"ticker","product_id":"BTC-USD","best_bid":"..","best_ask":"..",
  "time":"2022-10-19T23:28:22.061769Z",...}``), subscribed with ``{"type":"subscribe",
  "product_ids":[..],"channels":["ticker"]}`` and answered by a ``subscriptions`` message;
  ``heartbeat`` and ``error`` messages; "new message types can be added at any time, clients
  are expected to ignore messages they do not support"
  (https://docs.cloud.coinbase.com/exchange/docs/websocket-overview; endpoint
  ``wss://ws-feed.exchange.coinbase.com``).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from threadx._inputs import FieldErrors
from threadx.live._types import Quote

__all__ = ["ADAPTERS", "PARSE_ERRORS", "Adapter", "BinanceBookTicker", "CoinbaseTicker", "Skip",
           "adapter_names", "get_adapter", "register_adapter"]

#: Why a message could not be parsed (the keys of a feed's ``parse_errors`` counter).
PARSE_ERRORS = ("malformed_json", "not_object", "missing_field", "bad_field", "bad_number", "bad_time",
                "unknown_symbol")

_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Skip:
    """A message that gives no quote.

    ``kind`` is ``"error"`` (``reason`` in :data:`PARSE_ERRORS`), ``"ignored"`` (a message of
    another type; ``reason`` is that type) or ``"exchange_error"`` (the exchange reports an
    error; ``detail`` is its text).
    """

    kind: str
    reason: str
    detail: str = ""


def _error(reason: str, detail: str = "") -> Skip:
    return Skip("error", reason, detail)


def _decode(message: str | bytes) -> dict[str, Any] | Skip:
    try:
        doc = json.loads(message)
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return _error("malformed_json", str(exc)[:80])
    if not isinstance(doc, dict):
        return _error("not_object", type(doc).__name__)
    return doc


def _price(doc: Mapping[str, Any], key: str) -> float | Skip:
    """A price sent as a decimal string (or a JSON number); its value is the core's to judge."""
    if key not in doc:
        return _error("missing_field", key)
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return _error("bad_field", f"{key}: {type(value).__name__}")
    try:
        return float(value)
    except (ValueError, OverflowError):
        return _error("bad_number", f"{key}: {str(value)[:40]}")


def _text(doc: Mapping[str, Any], key: str) -> str | Skip:
    if key not in doc:
        return _error("missing_field", key)
    value = doc[key]
    if not isinstance(value, str):
        return _error("bad_field", f"{key}: {type(value).__name__}")
    return value


def _quote(doc: Mapping[str, Any], keys: tuple[str, str, str], exchange: str, symbols: Mapping[str, str],
           ts_event: int, ts_recv: int) -> Quote | Skip:
    """The quote of ``doc``'s symbol/bid/ask ``keys``; the symbol is matched upper-cased."""
    sym = _text(doc, keys[0])
    if isinstance(sym, Skip):
        return sym
    bid = _price(doc, keys[1])
    if isinstance(bid, Skip):
        return bid
    ask = _price(doc, keys[2])
    if isinstance(ask, Skip):
        return ask
    canonical = symbols.get(sym.upper())
    if canonical is None:
        return _error("unknown_symbol", sym[:40])
    return Quote(exchange, canonical, bid, ask, ts_event, ts_recv)


_ISO = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})\Z")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def iso_ns(text: str) -> int | None:
    """An RFC 3339 time (``2022-10-19T23:28:22.061769Z``) as int64 ns UTC, exact to the ns; None if not one."""
    m = _ISO.match(text)
    if m is None:
        return None
    try:
        when = _dt.datetime.fromisoformat(m[1] + ("+00:00" if m[3] == "Z" else m[3]))
    except ValueError:  # month 13, hour 25
        return None
    seconds = (when - _EPOCH) // _dt.timedelta(seconds=1)
    ns = seconds * 1_000_000_000 + int((m[2] or "").ljust(9, "0"))
    return ns if -_INT64_MAX <= ns <= _INT64_MAX else None


class Adapter:
    """What a feed needs to know of one exchange's quote stream (subclass and register it)."""

    name = ""

    def exchange_symbol(self, canonical: str) -> str:
        """The exchange's name of a canonical symbol ("BTC-USDT") when the config gives none."""
        return canonical

    def url(self, base: str, exchange_symbols: Sequence[str]) -> str:
        """The URL to connect to for these symbols (``base`` is the configured URL)."""
        return base

    def subscribe(self, exchange_symbols: Sequence[str]) -> list[str]:
        """The messages to send once connected."""
        return []

    def parse(self, message: str | bytes, *, exchange: str, symbols: Mapping[str, str],
              ts_recv: int) -> Quote | Skip:
        """One message as a quote of ``exchange`` (``symbols``: upper-cased exchange symbol ->
        canonical symbol), or why not."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class BinanceBookTicker(Adapter):
    """Binance ``<symbol>@bookTicker`` (spot, or USD-M futures with its event time ``E`` in ms).

    A configured URL whose path ends in ``/stream`` gets the combined-stream query
    (``?streams=btcusdt@bookTicker/...``, nothing to send); any other URL (``.../ws``) is sent
    one ``SUBSCRIBE`` message.  ``ts_event`` is ``E`` when the message has it, else the receive time.
    """

    name = "binance"

    def exchange_symbol(self, canonical: str) -> str:
        return canonical.replace("-", "").replace("/", "").upper()

    def _streams(self, exchange_symbols: Sequence[str]) -> list[str]:
        return [f"{s.lower()}@bookTicker" for s in exchange_symbols]

    def url(self, base: str, exchange_symbols: Sequence[str]) -> str:
        if not urlsplit(base).path.rstrip("/").endswith("/stream"):
            return base
        return f"{base.rstrip('/')}?streams={'/'.join(self._streams(exchange_symbols))}"

    def subscribe(self, exchange_symbols: Sequence[str]) -> list[str]:
        return [] if not exchange_symbols else [
            json.dumps({"method": "SUBSCRIBE", "params": self._streams(exchange_symbols), "id": 1})]

    def parse(self, message: str | bytes, *, exchange: str, symbols: Mapping[str, str],
              ts_recv: int) -> Quote | Skip:
        doc = _decode(message)
        if isinstance(doc, Skip):
            return doc
        if "data" in doc and "stream" in doc:  # the combined-stream wrapper
            doc = doc["data"]
            if not isinstance(doc, dict):
                return _error("not_object", f"data: {type(doc).__name__}")
        if "result" in doc and "id" in doc:
            return Skip("ignored", "ack")
        if "code" in doc and "msg" in doc:
            return Skip("exchange_error", "error", f"code {doc['code']!r}: {str(doc['msg'])[:200]}")
        kind = doc.get("e", "bookTicker")
        if kind != "bookTicker":
            return Skip("ignored", str(kind)[:40])
        ts_event = ts_recv
        if "E" in doc:
            ms = doc["E"]
            if isinstance(ms, bool) or not isinstance(ms, int) or abs(ms) > _INT64_MAX // 1_000_000:
                return _error("bad_time", f"E: {str(ms)[:40]}")
            ts_event = ms * 1_000_000
        return _quote(doc, ("s", "b", "a"), exchange, symbols, ts_event, ts_recv)


class CoinbaseTicker(Adapter):
    """Coinbase Exchange ``ticker`` channel; ``ts_event`` is its ``time`` (to the ns).

    ``heartbeat=True`` also subscribes the ``heartbeat`` channel (one message a second per
    product), so a quiet product is never taken for a stalled connection.
    """

    name = "coinbase"

    def __init__(self, *, heartbeat: bool = False) -> None:
        self.heartbeat = bool(heartbeat)

    def subscribe(self, exchange_symbols: Sequence[str]) -> list[str]:
        channels = ["ticker", "heartbeat"] if self.heartbeat else ["ticker"]
        return [] if not exchange_symbols else [
            json.dumps({"type": "subscribe", "product_ids": list(exchange_symbols), "channels": channels})]

    def parse(self, message: str | bytes, *, exchange: str, symbols: Mapping[str, str],
              ts_recv: int) -> Quote | Skip:
        doc = _decode(message)
        if isinstance(doc, Skip):
            return doc
        kind = _text(doc, "type")
        if isinstance(kind, Skip):
            return kind
        if kind == "error":
            return Skip("exchange_error", "error",
                        f"{str(doc.get('message', ''))[:200]} {str(doc.get('reason', ''))[:200]}".strip())
        if kind != "ticker":
            return Skip("ignored", kind[:40])
        ts_event = ts_recv
        if "time" in doc:
            when = doc["time"]
            ts = iso_ns(when) if isinstance(when, str) else None
            if ts is None:
                return _error("bad_time", f"time: {str(when)[:40]}")
            ts_event = ts
        return _quote(doc, ("product_id", "best_bid", "best_ask"), exchange, symbols, ts_event, ts_recv)

    def __repr__(self) -> str:
        return f"CoinbaseTicker(heartbeat={self.heartbeat})"


#: The adapters a config names (``adapter = "binance"``).
ADAPTERS: dict[str, Adapter] = {"binance": BinanceBookTicker(), "coinbase": CoinbaseTicker()}


def adapter_names() -> list[str]:
    return sorted(ADAPTERS)


def register_adapter(name: str, adapter: Adapter) -> None:
    """Make ``adapter`` available by ``name`` (replacing one of that name)."""
    errors = FieldErrors()
    if not isinstance(name, str) or not name.strip():
        errors.add("name", name, "must be a non-empty string")
    if not isinstance(adapter, Adapter):
        errors.add("adapter", adapter, "must be a threadx.live Adapter")
    errors.raise_if_any()
    ADAPTERS[name] = adapter


def as_adapter(adapter: Any, errors: FieldErrors, field: str = "adapter") -> Adapter | None:
    """An :class:`Adapter`, or the registered one of that name; else None (and a field error
    naming the known adapters)."""
    if isinstance(adapter, Adapter):
        return adapter
    if isinstance(adapter, str) and adapter in ADAPTERS:
        return ADAPTERS[adapter]
    errors.add(field, adapter, f"must be an Adapter or one of {', '.join(map(repr, adapter_names()))}")
    return None


def get_adapter(name: Any, field: str = "adapter") -> Adapter:
    """The adapter registered as ``name``; ``ValidationError`` naming ``field`` and the known names."""
    errors = FieldErrors()
    adapter = as_adapter(name, errors, field)
    errors.raise_if_any()
    assert adapter is not None
    return adapter
