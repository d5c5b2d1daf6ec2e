"""Cancellation reaches the C++ loops, and the GIL is released while they run."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import threadx
from threadx.errors import CancelledError, TaskTimeoutError

# large enough that an uncancelled call takes far longer than the bounds below
N = 4_000_000
WINDOW = 5_000


@pytest.fixture(scope="module")
def big() -> np.ndarray:
    return np.cumsum(np.random.default_rng(7).standard_normal(N))


def timed_call(fn, *args, **kw):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    try:
        fn(*args, **kw)
        return None, time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001
        return exc, time.perf_counter() - t0


@pytest.mark.parametrize("stat", ["quantile", "mean", "time_quantile"])
def test_cancel_from_another_thread_stops_quickly(big: np.ndarray, stat: str) -> None:
    token = threadx.CancelToken()
    if stat == "quantile":
        call = (threadx.rolling.quantile, big, WINDOW, [0.1, 0.5, 0.9])
        kw = {}
    elif stat == "mean":
        call = (threadx.rolling.mean, np.tile(big[:, None], (1, 4)), WINDOW)
        kw = {}
    else:
        times = np.arange(N, dtype=np.int64) * 1_000_000_000
        call = (threadx.rolling.quantile, big, "5000s", 0.5)
        kw = {"times": times}
    # full run time, to know the cancel really cut it short
    _, full = timed_call(*call, **kw)
    fired: list[float] = []

    def cancel() -> None:
        fired.append(time.perf_counter())
        token.cancel()

    timer = threading.Timer(full * 0.2, cancel)
    timer.start()
    exc, elapsed = timed_call(*call, cancel=token, **kw)
    ended = time.perf_counter()
    timer.join()
    assert isinstance(exc, CancelledError), exc
    # measured from the moment cancel() ran: on a loaded machine the timer itself may fire late
    assert ended - fired[0] < 0.05 + 0.1 * full, (ended - fired[0], full)
    assert elapsed < full, (elapsed, full)


def test_deadline_raises_task_timeout(big: np.ndarray) -> None:
    token = threadx.CancelToken()
    token.set_timeout(0.01)
    exc, elapsed = timed_call(threadx.rolling.quantile, big, WINDOW, 0.9, cancel=token)
    assert isinstance(exc, TaskTimeoutError)
    assert isinstance(exc, TimeoutError)
    assert elapsed < 0.5


def test_cancelled_token_stops_before_work() -> None:
    token = threadx.CancelToken()
    token.cancel()
    assert token.cancelled
    with pytest.raises(CancelledError):
        threadx.rolling.median(np.arange(100.0), 5, cancel=token)
    with pytest.raises(CancelledError):
        token.check()


def test_gil_is_released_during_a_kernel(big: np.ndarray) -> None:
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t0 = time.perf_counter()
    t.start()
    threadx.rolling.quantile(big, WINDOW, 0.9)
    elapsed = time.perf_counter() - t0
    stop.set()
    t.join()
    # a thread holding the GIL for the whole call would let the counter tick only at the edges
    assert ticks > 0.3 * elapsed / 0.0011, (ticks, elapsed)


@pytest.mark.parametrize("bad", ["x", "5", None, True, -1.0, float("nan"), float("inf"), -float("inf"), 10**400])
def test_set_timeout_refuses_anything_but_finite_seconds(bad: object) -> None:
    tok = threadx.CancelToken()
    with pytest.raises(threadx.errors.ValidationError) as err:
        tok.set_timeout(bad)  # type: ignore[arg-type]
    assert err.value.fields == ["seconds"]
    tok.check()  # no deadline was set


@pytest.mark.parametrize("ok", [0, 0.0, 2, np.float32(1.5), np.int64(3)])
def test_set_timeout_takes_real_numbers(ok: object) -> None:
    tok = threadx.CancelToken()
    tok.set_timeout(ok)  # type: ignore[arg-type]
    assert not tok.expired or float(ok) == 0.0  # type: ignore[arg-type]
