"""Cancellation reaches the C++ loops, and the GIL is released while they run."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import _core
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
    # full run time, to know the cancel really cut it short: the quicker of two runs (the
    # first also pays for fresh memory, so it may take several times as long as the next)
    full = min(timed_call(*call, **kw)[1] for _ in range(2))
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
    assert ended - fired[0] < 0.1 + 0.1 * full, (ended - fired[0], full)
    assert elapsed < full, (elapsed, full)


def test_deadline_raises_task_timeout(big: np.ndarray) -> None:
    token = threadx.CancelToken()
    token.set_timeout(0.01)
    # three levels: ~2 s uncancelled on these machines, so the bound below says something
    exc, elapsed = timed_call(threadx.rolling.quantile, big, WINDOW, [0.1, 0.5, 0.9], cancel=token)
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
    t.start()
    threadx.rolling.quantile(big, WINDOW, 0.9)  # ~0.5 s
    during = ticks
    stop.set()
    t.join()
    # a call holding the GIL throughout would let the counter tick only at its edges (a
    # count, not a rate: a loaded machine wakes the ticker late, but it does wake it)
    assert during >= 20, during


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


# --------------------------------------------------------------------------- sweeps
SWEEP_N = 500_000
SWEEP_GRID = {"fast": list(range(2, 52, 2)), "slow": list(range(60, 310, 10))}  # 50 shared SMAs, 625 combinations


@pytest.fixture(scope="module")
def sweep_plan() -> Any:
    from threadx.backtest import _sweep

    close = 100 + np.cumsum(np.random.default_rng(9).standard_normal(SWEEP_N)) * 0.05
    bars = pd.DataFrame({"open": close, "high": close + 0.1, "low": close - 0.1, "close": close},
                        index=pd.date_range("2000-01-01", periods=SWEEP_N, freq="min", tz="UTC"))
    return _sweep.prepare("sma_cross", bars, periods_per_year=252.0 * 390, **SWEEP_GRID)


def _sweep_in_thread(plan: Any, token: threadx.CancelToken) -> tuple[threading.Thread, Any, dict[str, Any]]:
    """Start the core's sweep of ``plan`` on a thread; (thread, progress counter, outcome box)."""
    counter = _core.backtest.SweepProgress()
    (key, b), = plan.bars.items()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            _core.backtest.sweep(plan.core, b.open, b.high, b.low, b.close, plan.ppy[key], 1.0,
                                 progress=counter, cancel=token)
        except Exception as exc:  # noqa: BLE001 - inspected by the test
            box["error"] = exc
        box["ended"] = time.perf_counter()

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, counter, box


@pytest.mark.parametrize("when", ["before", "indicators", "combinations"])
def test_a_sweep_stops_quickly_in_every_phase(sweep_plan: Any, when: str) -> None:
    """Every native phase of a sweep checks the token: the indicator columns (50 of 500,000
    bars here) and each combination's signals, simulation and stats."""
    token = threadx.CancelToken()
    if when == "before":
        token.cancel()
    t, counter, box = _sweep_in_thread(sweep_plan, token)
    if when == "indicators":
        time.sleep(0.03)
    elif when == "combinations":
        while counter.done == 0 and t.is_alive():
            time.sleep(0.001)
    done_at_cancel = counter.done
    fired = time.perf_counter()
    token.cancel()
    t.join(30)
    assert not t.is_alive()
    assert isinstance(box.get("error"), CancelledError), box
    total = len(sweep_plan.combos)
    if when == "combinations":
        assert 1 <= done_at_cancel and counter.done < total  # cut short among the combinations
    else:
        assert done_at_cancel == 0 and counter.done == 0  # stopped before any combination ran
    # time is the point: the indicator phase used to run on for ~0.4 s (its 200 MB block was
    # zero-filled first, with no check; a token cancelled before the call too); 50 ms is the
    # aim on a quiet machine, with a margin for a loaded one
    lag = box["ended"] - fired
    assert lag < 0.2, f"{when}: the sweep stopped {lag * 1000:.0f} ms after cancel()"
