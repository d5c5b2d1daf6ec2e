"""Where market data comes from: sources, retry with backoff, a circuit breaker, a registry.

A *source* is anything with ``fetch(symbol, start, end, timeframe) -> DataFrame``
(the :class:`DataSource` protocol): bars of one symbol in ``[start, end)`` with a
UTC ``DatetimeIndex`` and float ``open, high, low, close, volume`` columns.
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

import logging
import math
import os
import random
import string
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from threadx._inputs import FieldErrors
from threadx.errors import DataError, ValidationError

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
    "check_frame",
    "get_source",
    "is_transient",
    "register_source",
    "source_names",
    "unregister_source",
]

log = logging.getLogger("threadx.sources")

#: The bar lengths a request or a source accepts.
TIMEFRAMES: tuple[str, ...] = ("1m", "5m", "15m", "1h", "4h", "1d")
#: The columns every fetched frame carries.
OHLCV: tuple[str, ...] = ("open", "high", "low", "close", "volume")


class TransientDataError(DataError):
    """A failure worth retrying (a timeout, a dropped connection, a busy server)."""


class CircuitOpenError(DataError):
    """A call refused without reaching the source because its circuit breaker is open."""


# --------------------------------------------------------------------------- the protocol


@runtime_checkable
class DataSource(Protocol):
    """Anything that returns the bars of one symbol in ``[start, end)``."""

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, timeframe: str) -> pd.DataFrame:
        """Bars with a UTC DatetimeIndex and the OHLCV columns; raise DataError when it cannot."""
        ...


# --------------------------------------------------------------------------- argument rules


def as_utc(value: Any, field: str, errors: FieldErrors) -> pd.Timestamp | None:
    """A tz-aware timestamp converted to UTC; naive ones are refused, never assumed."""
    if value is None or isinstance(value, bool):
        errors.add(field, value, "must be a timestamp with a time zone (e.g. '2024-01-01T00:00Z')")
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as exc:
        errors.add(field, value, f"cannot be read as a timestamp ({exc})")
        return None
    if ts is pd.NaT or pd.isna(ts):
        errors.add(field, value, "must not be NaT")
        return None
    if ts.tzinfo is None:
        errors.add(field, value, "is a naive timestamp; naive times are never assumed to be UTC: "
                                 "give an offset ('2024-01-01T00:00Z') or a tz-aware Timestamp "
                                 "(pd.Timestamp(..., tz='UTC'))")
        return None
    return ts.tz_convert("UTC")


def check_timeframe(value: Any, errors: FieldErrors, field: str = "timeframe") -> str | None:
    """``value`` when it is one of TIMEFRAMES, else None (and an error recorded)."""
    if isinstance(value, str) and value in TIMEFRAMES:
        return value
    errors.add(field, value, f"must be one of {', '.join(TIMEFRAMES)}")
    return None


def check_symbol(value: Any, errors: FieldErrors, field: str = "symbol") -> str | None:
    """``value`` when it is a non-empty string without surrounding spaces, else None."""
    if not isinstance(value, str) or not value.strip():
        errors.add(field, value, "must be a non-empty string")
        return None
    if value != value.strip():
        errors.add(field, value, "must not have leading or trailing whitespace")
        return None
    return value


def _fetch_args(symbol: Any, start: Any, end: Any, timeframe: Any) -> tuple[str, pd.Timestamp, pd.Timestamp, str]:
    """The arguments of ``fetch`` checked and normalised (UTC timestamps); ValidationError otherwise."""
    errors = FieldErrors()
    sym = check_symbol(symbol, errors)
    t0 = as_utc(start, "start", errors)
    t1 = as_utc(end, "end", errors)
    tf = check_timeframe(timeframe, errors)
    if t0 is not None and t1 is not None and not t0 < t1:
        errors.add("end", end, f"must be later than start ({t0.isoformat()})")
    errors.raise_if_any()
    assert sym is not None and t0 is not None and t1 is not None and tf is not None
    return sym, t0, t1, tf


# --------------------------------------------------------------------------- results


def _is_utc(index: pd.DatetimeIndex) -> bool:
    tz = index.tz
    return tz is not None and str(tz) in ("UTC", "Etc/UTC", "UTC+00:00")


def check_frame(df: Any, *, source: str, symbol: str) -> pd.DataFrame:
    """``df`` when it is a well-formed bar frame, else a (permanent) DataError saying why.

    Well formed: a DataFrame, a UTC DatetimeIndex in increasing order, numeric
    ``open, high, low, close, volume`` columns (extra columns are kept).
    """
    where = f"source {source!r} returned for {symbol!r}"
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{where} a {type(df).__name__}, not a DataFrame")
    problems: list[str] = []
    index = df.index
    if not isinstance(index, pd.DatetimeIndex):
        problems.append(f"the index is a {type(index).__name__}, not a DatetimeIndex")
    elif index.tz is None:
        problems.append("the index is naive; it must be UTC (localize it explicitly)")
    elif not _is_utc(index):
        problems.append(f"the index is in {index.tz}, not UTC (use .tz_convert('UTC'))")
    elif index.hasnans:
        problems.append("the index contains NaT")
    elif not index.is_monotonic_increasing:
        problems.append("the index is not in increasing order")
    missing = [c for c in OHLCV if c not in df.columns]
    if missing:
        problems.append(f"columns {missing} are missing (has {[str(c) for c in df.columns][:10]})")
    else:
        bad = [c for c in OHLCV if not pd.api.types.is_numeric_dtype(df[c].dtype)
               or pd.api.types.is_bool_dtype(df[c].dtype)]
        if bad:
            problems.append(f"columns {bad} are not numeric")
    if problems:
        raise DataError(f"{where} a malformed frame: " + "; ".join(problems))
    return df


def _slice(df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Rows with ``start <= t < end`` of a frame with an increasing DatetimeIndex."""
    index = df.index
    assert isinstance(index, pd.DatetimeIndex)
    i = int(index.searchsorted(start, side="left"))
    j = int(index.searchsorted(end, side="left"))
    return df.iloc[i:j]


# --------------------------------------------------------------------------- sources


class InMemorySource:
    """Frames held in a dict, one per symbol; ``fetch`` returns a copy of the slice."""

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        errors = FieldErrors()
        if not isinstance(frames, Mapping):
            errors.add("frames", frames, "must be a mapping of symbol -> DataFrame")
            errors.raise_if_any()
        checked: dict[str, pd.DataFrame] = {}
        for key, df in frames.items():
            sym = check_symbol(key, errors, "frames")
            try:
                check_frame(df, source="memory", symbol=str(key))
            except DataError as exc:
                errors.add(f"frames[{key!r}]", df, str(exc))
                continue
            if sym is not None:
                checked[sym] = df
        errors.raise_if_any()
        self._frames = checked

    @property
    def symbols(self) -> list[str]:
        return sorted(self._frames)

    def fetch(self, symbol: str, start: Any, end: Any, timeframe: str) -> pd.DataFrame:
        symbol, t0, t1, timeframe = _fetch_args(symbol, start, end, timeframe)
        try:
            df = self._frames[symbol]
        except KeyError:
            raise DataError(f"no data for symbol {symbol!r} (has {_names(self.symbols)})") from None
        return _slice(df, t0, t1).copy()

    def __repr__(self) -> str:
        return f"InMemorySource(symbols={_names(self.symbols)})"


class CallableSource:
    """A user function ``func(symbol, start, end, timeframe) -> DataFrame`` as a source.

    ``start``/``end`` arrive as UTC Timestamps; the result is checked
    (:func:`check_frame`) and sliced to ``[start, end)``.
    """

    def __init__(self, func: Callable[[str, pd.Timestamp, pd.Timestamp, str], pd.DataFrame], *,
                 name: str | None = None) -> None:
        if not callable(func):
            raise ValidationError([{"field": "func", "value": repr(func), "message": "must be callable"}])
        self.func = func
        self.name: str = name or str(getattr(func, "__name__", type(func).__name__))

    def fetch(self, symbol: str, start: Any, end: Any, timeframe: str) -> pd.DataFrame:
        symbol, t0, t1, timeframe = _fetch_args(symbol, start, end, timeframe)
        df = check_frame(self.func(symbol, t0, t1, timeframe), source=self.name, symbol=symbol)
        return _slice(df, t0, t1)

    def __repr__(self) -> str:
        return f"CallableSource({self.name})"


_PLACEHOLDERS = frozenset({"symbol", "timeframe"})


class DirectorySource:
    """One file per symbol under ``root``, named by ``pattern`` (``{symbol}``, optionally ``{timeframe}``).

    Files are read with ``loader(path, **load_kwargs)`` -- by default
    ``threadx.data.load`` (so ``load_kwargs`` may hold ``tz=``, ``label=``,
    ``format=``...) -- checked and sliced to ``[start, end)``.  The file is
    returned as it is: it is not resampled to ``timeframe``, which only picks the
    file when the pattern names it.  A missing file is a permanent DataError.
    """

    def __init__(self, root: str | os.PathLike[str], pattern: str = "{symbol}.csv", *,
                 loader: Callable[..., pd.DataFrame] | None = None,
                 load_kwargs: Mapping[str, Any] | None = None) -> None:
        errors = FieldErrors()
        try:
            path = Path(root)
        except TypeError:
            errors.add("root", root, "must be a path")
            path = Path(".")
        else:
            if not path.is_dir():
                errors.add("root", str(root), "is not a directory")
        if not isinstance(pattern, str):
            errors.add("pattern", pattern, "must be a string such as '{symbol}.csv'")
        else:
            try:
                names = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
            except ValueError as exc:
                errors.add("pattern", pattern, f"is not a valid format string ({exc})")
            else:
                if "symbol" not in names:
                    errors.add("pattern", pattern, "must contain '{symbol}'")
                elif names - _PLACEHOLDERS:
                    errors.add("pattern", pattern,
                               f"may only use {{symbol}} and {{timeframe}}, not {sorted(names - _PLACEHOLDERS)}")
        if loader is not None and not callable(loader):
            errors.add("loader", loader, "must be callable or None")
        if load_kwargs is not None and not isinstance(load_kwargs, Mapping):
            errors.add("load_kwargs", load_kwargs, "must be a mapping or None")
        errors.raise_if_any()
        self.root = path
        self.pattern = pattern
        self.loader = loader
        self.load_kwargs = dict(load_kwargs or {})

    def path_for(self, symbol: str, timeframe: str = "1d") -> Path:
        """The file that holds ``symbol`` (it may not exist)."""
        if any(sep in symbol for sep in ("/", "\\", os.sep, "\0")) or symbol in (".", ".."):
            raise DataError(f"symbol {symbol!r} cannot name a file under {str(self.root)!r}")
        return self.root / self.pattern.format(symbol=symbol, timeframe=timeframe)

    def _load(self, path: Path) -> pd.DataFrame:
        loader = self.loader
        if loader is None:
            from threadx import data as _data  # lazily: the loader is optional here

            loader = getattr(_data, "load", None)
            if loader is None:
                raise DataError("threadx.data.load is not available; pass loader= to DirectorySource")
        return loader(path, **self.load_kwargs)

    def fetch(self, symbol: str, start: Any, end: Any, timeframe: str) -> pd.DataFrame:
        symbol, t0, t1, timeframe = _fetch_args(symbol, start, end, timeframe)
        path = self.path_for(symbol, timeframe)
        if not path.is_file():
            raise DataError(f"no file for symbol {symbol!r}: {str(path)!r} does not exist")
        df = check_frame(self._load(path), source=repr(self), symbol=symbol)
        return _slice(df, t0, t1)

    def __repr__(self) -> str:
        return f"DirectorySource({str(self.root)!r}, pattern={self.pattern!r})"


def _names(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return f"[{shown}{', ...' if len(names) > limit else ''}]"


# --------------------------------------------------------------------------- retry


class SupportsRandom(Protocol):
    """What Retry needs of its ``rng``: ``random()`` in [0, 1)."""

    def random(self) -> float: ...


class Retry:
    """Exponential backoff with jitter for transient failures.

    Attempt ``k + 1`` (``k >= 1`` failures so far) waits
    ``d = min(max_delay, base_delay * 2 ** (k - 1))`` scaled by a random factor in
    ``[1 - jitter, 1]``, so a delay never exceeds ``max_delay`` and concurrent
    callers spread out.  ``sleep`` and ``rng`` are injectable (tests never sleep).
    """

    def __init__(self, max_attempts: int = 4, base_delay: float = 0.1, max_delay: float = 5.0,
                 jitter: float = 0.1, *, sleep: Callable[[float], Any] = time.sleep,
                 rng: SupportsRandom | None = None) -> None:
        errors = FieldErrors()
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            errors.add("max_attempts", max_attempts, "must be an integer >= 1")
        base = _nonneg(base_delay, "base_delay", errors)
        cap = _nonneg(max_delay, "max_delay", errors)
        if base is not None and cap is not None and cap < base:
            errors.add("max_delay", max_delay, f"must be >= base_delay ({base_delay!r})")
        j = _nonneg(jitter, "jitter", errors)
        if j is not None and j > 1:
            errors.add("jitter", jitter, "must be in [0, 1] (a fraction of the delay)")
        if not callable(sleep):
            errors.add("sleep", sleep, "must be callable")
        if rng is not None and not callable(getattr(rng, "random", None)):
            errors.add("rng", rng, "must have a random() method (random.Random)")
        errors.raise_if_any()
        self.max_attempts = int(max_attempts)
        self.base_delay = float(base_delay)
        self.max_delay = float(max_delay)
        self.jitter = float(jitter)
        self.sleep = sleep
        self.rng: SupportsRandom = rng if rng is not None else random.Random()

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th consecutive failed attempt (1-based)."""
        exp = min(failures - 1, 1024)  # 2.0 ** 1024 overflows
        d = self.max_delay if exp >= 1024 else min(self.max_delay, self.base_delay * 2.0 ** exp)
        return d * (1.0 - self.jitter * self.rng.random())

    def __repr__(self) -> str:
        return (f"Retry(max_attempts={self.max_attempts}, base_delay={self.base_delay}, "
                f"max_delay={self.max_delay}, jitter={self.jitter})")


def _nonneg(value: Any, field: str, errors: FieldErrors) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        errors.add(field, value, "must be a finite number >= 0")
        return None
    return float(value)


# --------------------------------------------------------------------------- circuit breaker

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitBreaker:
    """closed -> open after ``failure_threshold`` consecutive failures -> half-open after
    ``cooldown`` seconds (one probe call allowed) -> closed after a success, open again
    after a failure.  ``clock`` is injectable; every transition happens under a lock.
    """

    def __init__(self, failure_threshold: int = 5, cooldown: float = 30.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        errors = FieldErrors()
        if (isinstance(failure_threshold, bool) or not isinstance(failure_threshold, int)
                or failure_threshold < 1):
            errors.add("failure_threshold", failure_threshold, "must be an integer >= 1")
        _nonneg(cooldown, "cooldown", errors)
        if not callable(clock):
            errors.add("clock", clock, "must be callable")
        errors.raise_if_any()
        self.failure_threshold = int(failure_threshold)
        self.cooldown = float(cooldown)
        self.clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    # callers hold self._lock
    def _refresh(self, now: float) -> None:
        if self._opened_at is not None and now < self._opened_at:
            self._opened_at = now  # the clock went back: never wait longer than the cooldown
        if self._state == OPEN and self._opened_at is not None and now - self._opened_at >= self.cooldown:
            self._state = HALF_OPEN
            self._probing = False

    def _open(self, now: float) -> None:
        self._state = OPEN
        self._opened_at = now
        self._probing = False
        log.warning("circuit opened after %d consecutive failures", self._failures)

    def acquire(self) -> float | None:
        """None when a call may go ahead (in half-open: the one probe), else seconds until the probe."""
        return self.acquire_ticket()[0]

    def acquire_ticket(self) -> tuple[float | None, bool]:
        """Like :meth:`acquire`, plus whether the caller now holds the half-open probe."""
        with self._lock:
            now = self.clock()
            self._refresh(now)
            if self._state == CLOSED:
                return None, False
            if self._state == HALF_OPEN:
                if self._probing:
                    return 0.0, False  # a probe is in flight; its outcome decides
                self._probing = True
                return None, True
            assert self._opened_at is not None
            return max(0.0, self._opened_at + self.cooldown - now), False

    def record_success(self, probe: bool = True) -> None:
        """A call got an answer.  Only the probe (or any call while closed) closes the
        circuit: a straggler that started before the circuit opened proves nothing."""
        with self._lock:
            if self._state != CLOSED and not probe:
                return
            if self._state != CLOSED:
                log.info("circuit closed")
            self._state = CLOSED
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self) -> None:
        with self._lock:
            now = self.clock()
            self._failures += 1
            if self._state == HALF_OPEN or (self._state == CLOSED and self._failures >= self.failure_threshold):
                self._open(now)

    def release(self, probe: bool = True) -> None:
        """Give back a probe whose outcome is unknown (the call was interrupted); a caller
        that did not hold the probe gives back nothing."""
        if not probe:
            return
        with self._lock:
            self._probing = False

    def reset(self) -> None:
        """Close the circuit by hand."""
        self.record_success()

    @property
    def state(self) -> str:
        """'closed', 'open' or 'half_open' (an open circuit whose cooldown has passed)."""
        with self._lock:
            self._refresh(self.clock())
            return self._state

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            now = self.clock()
            self._refresh(now)
            retry_after = 0.0
            if self._state == OPEN and self._opened_at is not None:
                retry_after = max(0.0, self._opened_at + self.cooldown - now)
            return {"state": self._state, "consecutive_failures": self._failures,
                    "opened_at": self._opened_at, "retry_after": retry_after}

    def __repr__(self) -> str:
        return (f"CircuitBreaker(failure_threshold={self.failure_threshold}, cooldown={self.cooldown}, "
                f"state={self.state!r})")


# --------------------------------------------------------------------------- resilient source

# OSErrors that no retry will fix
_PERMANENT_OS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def is_transient(exc: BaseException) -> bool:
    """Whether a failure is worth retrying."""
    if isinstance(exc, TransientDataError):
        return True
    if isinstance(exc, DataError) or isinstance(exc, _PERMANENT_OS):
        return False
    return isinstance(exc, (OSError, TimeoutError))


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
        symbol, t0, t1, timeframe = _fetch_args(symbol, start, end, timeframe)
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
                df = _slice(check_frame(result, source=self.name, symbol=symbol), t0, t1)
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


# --------------------------------------------------------------------------- registry

_REGISTRY: dict[str, ResilientSource] = {}
_REGISTRY_LOCK = threading.Lock()


def register_source(name: str, source: DataSource, *, retry: Retry | None = None,
                    breaker: CircuitBreaker | None = None, replace: bool = False) -> ResilientSource:
    """Make ``source`` known as ``name`` (wrapped in a ResilientSource unless it is one); return it."""
    errors = FieldErrors()
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        errors.add("name", name, "must be a non-empty string without surrounding whitespace")
    if not callable(getattr(source, "fetch", None)):
        errors.add("source", source, "must have a fetch(symbol, start, end, timeframe) method")
    if isinstance(source, ResilientSource) and (retry is not None or breaker is not None):
        errors.add("source", source, "is already a ResilientSource: give retry/breaker to it, not here")
    errors.raise_if_any()
    wrapped = source if isinstance(source, ResilientSource) else ResilientSource(
        source, retry=retry, breaker=breaker, name=name)
    with _REGISTRY_LOCK:
        if name in _REGISTRY and not replace:
            raise ValidationError([{"field": "name", "value": repr(name),
                                    "message": "is already registered (pass replace=True to replace it)"}])
        _REGISTRY[name] = wrapped
    return wrapped


def get_source(name: str) -> ResilientSource:
    """The source registered as ``name``; ValidationError (field 'source') when there is none."""
    with _REGISTRY_LOCK:
        found = _REGISTRY.get(name) if isinstance(name, str) else None
        known = sorted(_REGISTRY)
    if found is None:
        raise ValidationError([{"field": "source", "value": repr(name),
                                "message": f"unknown source; registered: {_names(known)}"}])
    return found


def unregister_source(name: str) -> ResilientSource | None:
    """Forget ``name``; return what was registered under it (None if nothing)."""
    with _REGISTRY_LOCK:
        return _REGISTRY.pop(name, None)


def source_names() -> list[str]:
    """Names of the registered sources, sorted."""
    with _REGISTRY_LOCK:
        return sorted(_REGISTRY)


def _sample(symbol: str, start: pd.Timestamp, end: pd.Timestamp, timeframe: str) -> pd.DataFrame:
    if symbol != "GOOG":
        raise DataError(f"the 'sample' source holds only 'GOOG', not {symbol!r}")
    if timeframe != "1d":
        raise DataError(f"the 'sample' source holds daily bars ('1d'), not {timeframe!r}")
    from threadx import data as _data

    return _data.sample()


register_source("sample", CallableSource(_sample, name="sample"))
