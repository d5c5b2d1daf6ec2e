"""What the feeds share: the ``emit`` they hand quotes to, their counters and logging, the
checks of their arguments (seconds, symbol sets)."""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from threadx._inputs import FieldErrors, as_number
from threadx.live._adapters import Adapter
from threadx.live._types import Quote
from threadx.sources import check_symbol

__all__ = ["YIELD_EVERY", "Emit", "FeedBase", "as_symbols", "log", "positive_seconds"]

log = logging.getLogger("threadx.live")

#: What a feed hands each quote to (the monitor's queue); it may block (backpressure).
Emit = Callable[[Quote], Awaitable[None]]

_LOG_EVERY = 1.0  # seconds between two log records of the same skip reason of one feed
YIELD_EVERY = 1024  # quotes or messages between two explicit yields: a never-blocking emit still shares the loop


def positive_seconds(value: Any, field: str, errors: FieldErrors) -> float:
    """A finite number of seconds > 0 (else a field error and 1.0)."""
    x = as_number(value, field, errors)
    if x is not None and not (math.isfinite(x) and x > 0):
        errors.add(field, value, "must be a finite number of seconds > 0")
        return 1.0
    return 1.0 if x is None else x


def as_symbols(symbols: Any, adapter: Adapter, errors: FieldErrors, field: str = "symbols") -> dict[str, str]:
    """``{canonical: exchange symbol}`` from a mapping, or from canonical symbols (named by
    ``adapter.exchange_symbol``); two canonical symbols on one exchange symbol are refused."""
    if isinstance(symbols, Mapping):
        pairs = list(symbols.items())
    elif isinstance(symbols, Iterable) and not isinstance(symbols, (str, bytes)):
        pairs = [(s, adapter.exchange_symbol(s) if isinstance(s, str) else s) for s in symbols]
    else:
        errors.add(field, symbols, "must be canonical symbols or a {canonical: exchange symbol} mapping")
        return {}
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for canonical, exchange in pairs:
        if check_symbol(canonical, errors, field) is None or check_symbol(
                exchange, errors, f"{field}[{canonical!r}]") is None:
            continue
        key = exchange.upper()
        if key in seen and seen[key] != canonical:
            errors.add(f"{field}[{canonical!r}]", exchange, f"is also the exchange symbol of {seen[key]!r}")
            continue
        seen[key] = canonical
        out[canonical] = exchange
    return out


class FeedBase:
    """What every feed shares: a name, counters, the last error, emitting with its accounting."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.counters: Counter[str] = Counter()
        self.last_error: str | None = None
        self._last_logged: dict[str, float] = {}
        self._running = False

    def _start(self, emit: Any) -> None:
        """Refuse a second concurrent run or an ``emit`` that is not callable (``ValidationError``)."""
        errors = FieldErrors()
        if self._running:
            errors.add("feed", self.name, "is already running")
        if not callable(emit):
            errors.add("emit", emit, "must be an async callable taking a Quote")
        errors.raise_if_any()
        self._running = True

    async def _emit(self, emit: Emit, quote: Quote) -> None:
        """``await emit(quote)`` (waiting while it blocks); a failing ``emit`` is counted and logged."""
        try:
            await emit(quote)
        except Exception as exc:  # noqa: BLE001 - the consumer's failure: counted, logged, the feed goes on
            self.counters["emit_errors"] += 1
            self.last_error = f"emit: {type(exc).__name__}: {exc}"
            self._log_skip("emit_error", self.last_error, logging.ERROR)
            return
        self.counters["quotes"] += 1

    def _log_skip(self, reason: str, detail: str, level: int) -> None:
        """A skipped message logged with its context, at most once a second per reason."""
        now = time.monotonic()
        if now - self._last_logged.get(reason, -math.inf) < _LOG_EVERY:
            return
        self._last_logged[reason] = now
        log.log(level, "feed %r: message skipped (%s): %s", self.name, reason, detail,
                extra={"feed": self.name, "url": self._where(), "reason": reason})

    def _where(self) -> str:
        """Where the feed reads from (the ``url`` of its log records)."""
        return ""
