"""Where market data comes from: sources, retry with backoff, a circuit breaker, a registry.

A *source* is anything with ``fetch(symbol, start, end, timeframe) -> DataFrame``
(the :class:`DataSource` protocol): bars of one symbol in ``[start, end)`` with a
UTC ``DatetimeIndex`` and float ``open, high, low, close, volume`` columns.  What a
source returns is brought to ``timeframe`` in one place (:func:`at_timeframe`, run by
every source here and by :class:`ResilientSource`): finer bars are aggregated with
``threadx.data.resample``, coarser bars (or bars that do not divide the timeframe)
are a ``DataError`` -- a source never returns another timeframe than asked.
Three come with ThreadX: :class:`DirectorySource` (one CSV/Parquet file per
symbol), :class:`InMemorySource` (a dict of frames) and :class:`CallableSource`
(a user function).

Calls go through :class:`ResilientSource`, which every registered source is
wrapped in: transient failures (:class:`TransientDataError`, ``OSError``,
``TimeoutError``) are retried with exponential backoff and jitter
(:class:`Retry`); a :class:`CircuitBreaker` stops calling a source that keeps
failing (closed -> open after N consecutive failed attempts -> half-open after a
cooldown, one probe -> closed on success, open again on failure) and fails fast
with :class:`CircuitOpenError` ("circuit open ...") meanwhile.  Permanent
failures (a ``DataError``, an unknown symbol, a malformed frame) are raised at
once as ``DataError``.  ``ResilientSource.stats()`` shows state and counters.

``register_source(name, source)`` / ``get_source(name)`` hold the named sources
a :class:`threadx.requests.DataRequest` refers to.
"""

from __future__ import annotations

from threadx.data import OHLCV
from threadx.sources._checks import TIMEFRAMES, at_timeframe, check_frame
# re-exported for threadx.requests (the `x as x` form marks them as exported for mypy)
from threadx.sources._checks import as_utc as as_utc
from threadx.sources._checks import check_symbol as check_symbol
from threadx.sources._checks import check_timeframe as check_timeframe
from threadx.sources._registry import get_source, register_source, source_names, unregister_source
from threadx.sources._resilience import (
    CircuitBreaker,
    CircuitOpenError,
    Retry,
    SupportsRandom,
    TransientDataError,
    is_transient,
)
from threadx.sources._resilient import ResilientSource
from threadx.sources._sources import CallableSource, DataSource, DirectorySource, InMemorySource

__all__ = [
    "OHLCV",
    "TIMEFRAMES",
    "CallableSource",
    "CircuitBreaker",
    "CircuitOpenError",
    "DataSource",
    "DirectorySource",
    "InMemorySource",
    "ResilientSource",
    "Retry",
    "SupportsRandom",
    "TransientDataError",
    "at_timeframe",
    "check_frame",
    "get_source",
    "is_transient",
    "register_source",
    "source_names",
    "unregister_source",
]
