"""Resilience for calls to a source: retry with exponential backoff and jitter, a circuit breaker."""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from threadx._inputs import FieldErrors
from threadx.errors import DataError

log = logging.getLogger("threadx.sources")


class TransientDataError(DataError):
    """A failure worth retrying (a timeout, a dropped connection, a busy server)."""


class CircuitOpenError(DataError):
    """A call refused without reaching the source because its circuit breaker is open."""


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


# OSErrors that no retry will fix
_PERMANENT_OS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def is_transient(exc: BaseException) -> bool:
    """Whether a failure is worth retrying."""
    if isinstance(exc, TransientDataError):
        return True
    if isinstance(exc, DataError) or isinstance(exc, _PERMANENT_OS):
        return False
    return isinstance(exc, (OSError, TimeoutError))
