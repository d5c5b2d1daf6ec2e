"""``ResilientSource``: a source behind retry and a circuit breaker, with counters."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd

from threadx._inputs import FieldErrors
from threadx.errors import DataError
from threadx.sources._checks import fetch_args, fetched
from threadx.sources._resilience import (
    HALF_OPEN,
    OPEN,
    CircuitBreaker,
    CircuitOpenError,
    Retry,
    TransientDataError,
    is_transient,
    log,
)
from threadx.sources._sources import DataSource


class ResilientSource:
    """A source behind retry and a circuit breaker, with counters (``stats()``).

    Each attempt asks the breaker first; transient failures are retried (by
    ``retry``) and counted by the breaker; a permanent failure -- the source
    answered, but with an error retrying cannot fix -- is raised at once as a
    ``DataError`` and leaves the breaker closed.  Thread-safe.
    """

    def __init__(self, source: DataSource, *, retry: Retry | None = None, breaker: CircuitBreaker | None = None,
                 name: str | None = None) -> None:
        errors = FieldErrors()
        if not callable(getattr(source, "fetch", None)):
            errors.add("source", source, "must have a fetch(symbol, start, end, timeframe) method")
        if retry is not None and not isinstance(retry, Retry):
            errors.add("retry", retry, "must be a Retry or None")
        if breaker is not None and not isinstance(breaker, CircuitBreaker):
            errors.add("breaker", breaker, "must be a CircuitBreaker or None")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            errors.add("name", name, "must be a non-empty string or None")
        errors.raise_if_any()
        self.source = source
        self.retry = retry if retry is not None else Retry()
        self.breaker = breaker if breaker is not None else CircuitBreaker()
        self.name = name if name is not None else (getattr(source, "name", None) or type(source).__name__)
        self._lock = threading.Lock()
        self._calls = self._successes = self._failures = self._retries = self._rejected = 0
        self._last_error: str | None = None

    def _count(self, outcome: str, error: BaseException | None = None) -> None:
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            if error is not None:
                self._last_error = f"{type(error).__name__}: {error}"

    def fetch(self, symbol: str, start: Any, end: Any, timeframe: str) -> pd.DataFrame:
        symbol, t0, t1, timeframe = fetch_args(symbol, start, end, timeframe)
        with self._lock:
            self._calls += 1
        last: BaseException | None = None
        attempt = 0
        while True:
            wait, probe = self.breaker.acquire_ticket()
            if wait is not None:
                err: DataError = CircuitOpenError(self._open_message(wait, last))
                # refused before reaching the source: a fast failure; refused mid-retry: a failure
                self._count("_rejected" if attempt == 0 else "_failures", err)
                raise err from last
            attempt += 1
            try:
                result = self.source.fetch(symbol, t0, t1, timeframe)
            except Exception as exc:  # noqa: BLE001 - classified below
                if not is_transient(exc):
                    self.breaker.record_success(probe)  # the source answered
                    err = self._permanent(exc, symbol)
                    self._count("_failures", err)
                    if err is exc:
                        raise
                    raise err from exc
                self.breaker.record_failure()
                last = exc
                log.debug("source %r failed for %r (attempt %d): %r", self.name, symbol, attempt, exc)
                if attempt >= self.retry.max_attempts:
                    err = TransientDataError(f"source {self.name!r} failed for {symbol!r} after {attempt} "
                                             f"attempt{'s' if attempt != 1 else ''}: {type(exc).__name__}: {exc}")
                    self._count("_failures", err)
                    raise err from exc
                if self.breaker.state == OPEN:
                    continue  # acquire() refuses at once: no point in sleeping first
                with self._lock:
                    self._retries += 1
                self.retry.sleep(self.retry.delay(attempt))
                continue
            except BaseException:
                self.breaker.release(probe)
                raise
            self.breaker.record_success(probe)
            try:
                df = fetched(result, t0, t1, timeframe, source=self.name, symbol=symbol)
            except DataError as exc:
                self._count("_failures", exc)
                raise
            self._count("_successes")
            return df

    def _permanent(self, exc: Exception, symbol: str) -> DataError:
        if isinstance(exc, DataError):
            return exc
        if isinstance(exc, KeyError):
            return DataError(f"source {self.name!r} has no symbol {symbol!r}")
        return DataError(f"source {self.name!r} failed for {symbol!r}: {type(exc).__name__}: {exc}")

    def _open_message(self, wait: float, last: BaseException | None) -> str:
        snap = self.breaker.snapshot()
        if snap["state"] == HALF_OPEN:
            when = "a probe call is in progress"
        else:
            when = f"next probe in {wait:.1f} s"
        cause = f"; last error {type(last).__name__}: {last}" if last is not None else ""
        return (f"circuit open for source {self.name!r} after {snap['consecutive_failures']} consecutive "
                f"failures: {when}{cause}")

    def stats(self) -> dict[str, Any]:
        """State and counters: calls = successes + failures + rejected once calls return."""
        snap = self.breaker.snapshot()
        with self._lock:
            return {
                "name": self.name,
                "state": snap["state"],
                "consecutive_failures": snap["consecutive_failures"],
                "calls": self._calls,
                "successes": self._successes,
                "failures": self._failures,
                "retries": self._retries,
                "rejected": self._rejected,
                "last_error": self._last_error,
                "opened_at": snap["opened_at"],
                "retry_after": snap["retry_after"],
            }

    def __repr__(self) -> str:
        return f"ResilientSource({self.name!r}, {self.source!r}, state={self.breaker.state!r})"
