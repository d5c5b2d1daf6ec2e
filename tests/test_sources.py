"""Data sources: directory / in-memory / callable sources, retry with backoff, circuit breaker.

Every test runs on an injected clock and a recording ``sleep``: nothing sleeps.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadx.errors import DataError, ValidationError
from threadx.sources import (
    OHLCV,
    CallableSource,
    CircuitBreaker,
    CircuitOpenError,
    DataSource,
    DirectorySource,
    InMemorySource,
    ResilientSource,
    Retry,
    TransientDataError,
    at_timeframe,
    check_frame,
    get_source,
    is_transient,
    register_source,
    source_names,
    unregister_source,
)

T0 = pd.Timestamp("2024-01-01", tz="UTC")
T1 = pd.Timestamp("2024-01-02", tz="UTC")


def bars(n: int = 48, start: str = "2024-01-01", freq: str = "1h") -> pd.DataFrame:
    idx = pd.date_range(start, periods=n, freq=freq, tz="UTC", name="time")
    close = 100.0 + np.cumsum(np.random.default_rng(n).standard_normal(n))
    return pd.DataFrame({"open": close - 0.1, "high": close + 1.0, "low": close - 1.0, "close": close,
                         "volume": np.arange(n, dtype=np.float64) * 10.0}, index=idx)


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sleeps(list[float]):
    """A fake time.sleep that records the delays it was asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class FixedRng:
    """random.Random stand-in whose random() returns the given values in turn."""

    def __init__(self, *values: float) -> None:
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


class Scripted:
    """A source that raises the scripted errors in turn, then returns frames; counts its calls."""

    def __init__(self, *errors: BaseException, frame: pd.DataFrame | None = None, forever: BaseException | None = None):
        self.errors = list(errors)
        self.forever = forever
        self.frame = bars() if frame is None else frame
        self.calls = 0
        self.lock = threading.Lock()

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, timeframe: str) -> pd.DataFrame:
        with self.lock:
            self.calls += 1
            if self.errors:
                raise self.errors.pop(0)
        if self.forever is not None:
            raise self.forever
        return self.frame


def resilient(source: Any, *, attempts: int = 4, threshold: int = 5, cooldown: float = 30.0,
              jitter: float = 0.0, clock: Clock | None = None, sleeps: Sleeps | None = None,
              name: str = "feed") -> ResilientSource:
    return ResilientSource(
        source,
        retry=Retry(max_attempts=attempts, base_delay=0.1, max_delay=5.0, jitter=jitter,
                    sleep=sleeps if sleeps is not None else Sleeps(), rng=FixedRng(0.5)),
        breaker=CircuitBreaker(failure_threshold=threshold, cooldown=cooldown, clock=clock or Clock()),
        name=name,
    )


# --------------------------------------------------------------------------- retry



def run_threads(work: Any, threads: int) -> None:
    """Start `threads` threads running `work` and wait for all of them."""
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()

def test_flaky_source_is_retried_to_success() -> None:
    sleeps = Sleeps()
    src = Scripted(TransientDataError("busy"), TransientDataError("busy"), TransientDataError("busy"))
    rs = resilient(src, attempts=4, sleeps=sleeps)
    df = rs.fetch("X", T0, T1, "1h")
    assert src.calls == 4
    assert len(df) == 24 and df.index[0] == T0 and df.index[-1] < T1
    assert sleeps == pytest.approx([0.1, 0.2, 0.4])  # exponential, jitter 0
    s = rs.stats()
    assert (s["calls"], s["successes"], s["failures"], s["retries"], s["rejected"]) == (1, 1, 0, 3, 0)
    assert s["state"] == "closed" and s["consecutive_failures"] == 0
    assert s["last_error"] is None and s["opened_at"] is None


@pytest.mark.parametrize("exc", [OSError("reset"), ConnectionResetError("reset"), TimeoutError("slow"),
                                 TransientDataError("503")])
def test_transient_kinds_are_retried(exc: BaseException) -> None:
    src = Scripted(exc)
    rs = resilient(src)
    rs.fetch("X", T0, T1, "1h")
    assert src.calls == 2 and rs.stats()["retries"] == 1


def test_retries_exhausted_raise_transient_error_with_cause() -> None:
    sleeps = Sleeps()
    last = TransientDataError("still busy")
    src = Scripted(TransientDataError("a"), TransientDataError("b"), last)
    rs = resilient(src, attempts=3, sleeps=sleeps, threshold=10)
    with pytest.raises(TransientDataError, match="after 3 attempts") as info:
        rs.fetch("X", T0, T1, "1h")
    assert info.value.__cause__ is last
    assert src.calls == 3 and sleeps == pytest.approx([0.1, 0.2])
    s = rs.stats()
    assert (s["calls"], s["successes"], s["failures"], s["retries"]) == (1, 0, 1, 2)
    assert s["consecutive_failures"] == 3 and s["state"] == "closed"
    assert "still busy" in s["last_error"]


def test_backoff_is_exponential_and_capped() -> None:
    r = Retry(base_delay=1.0, max_delay=5.0, jitter=0.0, rng=FixedRng(0.7))
    assert [r.delay(k) for k in range(1, 8)] == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0]
    assert r.delay(5000) == 5.0  # no overflow


def test_jitter_scales_down_by_at_most_the_fraction() -> None:
    r = Retry(base_delay=1.0, max_delay=5.0, jitter=0.25, rng=FixedRng(0.0, 1.0, 0.5))
    assert [r.delay(3), r.delay(3), r.delay(3)] == pytest.approx([4.0, 3.0, 3.5])


@settings(max_examples=200, deadline=None, database=None)
@given(base=st.floats(0.0, 10.0), cap_extra=st.floats(0.0, 100.0), jitter=st.floats(0.0, 1.0),
       k=st.integers(1, 80), seed=st.integers(0, 2**32))
def test_delays_stay_within_bounds(base: float, cap_extra: float, jitter: float, k: int, seed: int) -> None:
    cap = base + cap_extra
    r = Retry(base_delay=base, max_delay=cap, jitter=jitter, rng=random.Random(seed))
    nominal = min(cap, base * 2.0 ** (k - 1))
    d = r.delay(k)
    assert nominal * (1 - jitter) - 1e-12 <= d <= nominal + 1e-12
    assert d <= cap + 1e-12


def test_jittered_delays_spread_out() -> None:
    r = Retry(base_delay=1.0, max_delay=1.0, jitter=0.5, rng=random.Random(7))
    ds = [r.delay(1) for _ in range(200)]
    assert min(ds) >= 0.5 and max(ds) <= 1.0 and len(set(ds)) > 150


@pytest.mark.parametrize("exc", [DataError("corrupt file"), KeyError("X"), ValueError("bad"),
                                 FileNotFoundError("gone"), PermissionError("no")])
def test_permanent_errors_are_not_retried(exc: BaseException) -> None:
    sleeps = Sleeps()
    src = Scripted(exc, exc, exc)
    rs = resilient(src, sleeps=sleeps, threshold=1)
    with pytest.raises(DataError) as info:
        rs.fetch("X", T0, T1, "1h")
    assert not isinstance(info.value, (TransientDataError, CircuitOpenError))
    assert src.calls == 1 and sleeps == []
    s = rs.stats()
    assert (s["calls"], s["failures"], s["retries"]) == (1, 1, 0)
    assert s["state"] == "closed" and s["consecutive_failures"] == 0  # the source answered
    if isinstance(exc, KeyError):
        assert "no symbol 'X'" in str(info.value)
    if not isinstance(exc, DataError):
        assert info.value.__cause__ is exc


@pytest.mark.parametrize(
    ("exc", "transient"),
    [(TransientDataError("x"), True), (OSError("x"), True), (TimeoutError("x"), True),
     (ConnectionError("x"), True), (DataError("x"), False), (CircuitOpenError("x"), False),
     (FileNotFoundError("x"), False), (IsADirectoryError("x"), False), (KeyError("x"), False),
     (ValueError("x"), False), (RuntimeError("x"), False)],
)
def test_classification(exc: BaseException, transient: bool) -> None:
    assert is_transient(exc) is transient


# --------------------------------------------------------------------------- circuit breaker


def test_dead_source_opens_breaker_then_fails_fast() -> None:
    clock, sleeps = Clock(), Sleeps()
    src = Scripted(forever=TransientDataError("down"))
    rs = resilient(src, attempts=1, threshold=3, cooldown=30.0, clock=clock, sleeps=sleeps)
    for i in range(3):
        assert rs.stats()["state"] == "closed"
        with pytest.raises(TransientDataError):
            rs.fetch("X", T0, T1, "1h")
        assert rs.stats()["consecutive_failures"] == i + 1
    assert src.calls == 3
    s = rs.stats()
    assert s["state"] == "open" and s["opened_at"] == 1000.0 and s["retry_after"] == 30.0
    clock.advance(12.5)
    for _ in range(4):
        with pytest.raises(CircuitOpenError, match=r"circuit open for source 'feed'.*next probe in 17\.5 s"):
            rs.fetch("X", T0, T1, "1h")
    assert src.calls == 3  # not called while open
    s = rs.stats()
    assert (s["calls"], s["successes"], s["failures"], s["rejected"], s["retries"]) == (7, 0, 3, 4, 0)
    assert s["state"] == "open" and "circuit open" in s["last_error"] and sleeps == []
    assert issubclass(CircuitOpenError, DataError)


def test_breaker_opening_mid_retry_stops_the_retries() -> None:
    sleeps = Sleeps()
    down = TransientDataError("down")
    src = Scripted(forever=down)
    rs = resilient(src, attempts=4, threshold=5, sleeps=sleeps)
    with pytest.raises(TransientDataError):
        rs.fetch("X", T0, T1, "1h")  # 4 attempts, 4 consecutive failures
    with pytest.raises(CircuitOpenError, match="after 5 consecutive failures") as info:
        rs.fetch("X", T0, T1, "1h")  # the 5th attempt opens the circuit: no more attempts
    assert info.value.__cause__ is down
    assert src.calls == 5
    assert sleeps == pytest.approx([0.1, 0.2, 0.4])  # no sleep before a refused attempt
    s = rs.stats()
    assert (s["calls"], s["failures"], s["rejected"], s["retries"]) == (2, 2, 0, 3)
    assert s["state"] == "open"


def test_half_open_probe_closes_the_circuit() -> None:
    clock = Clock()
    src = Scripted(*[TransientDataError("down")] * 2)
    rs = resilient(src, attempts=1, threshold=2, cooldown=30.0, clock=clock)
    for _ in range(2):
        with pytest.raises(TransientDataError):
            rs.fetch("X", T0, T1, "1h")
    clock.advance(29.9)
    assert rs.stats()["state"] == "open"
    with pytest.raises(CircuitOpenError):
        rs.fetch("X", T0, T1, "1h")
    clock.advance(0.1)
    assert rs.stats()["state"] == "half_open"
    df = rs.fetch("X", T0, T1, "1h")  # the probe reaches the source and succeeds
    assert len(df) == 24 and src.calls == 3
    s = rs.stats()
    assert s["state"] == "closed" and s["consecutive_failures"] == 0 and s["opened_at"] is None
    assert (s["calls"], s["successes"], s["failures"], s["rejected"]) == (4, 1, 2, 1)
    rs.fetch("X", T0, T1, "1h")
    assert src.calls == 4


def test_failing_probe_reopens_the_circuit() -> None:
    clock, sleeps = Clock(), Sleeps()
    down = TransientDataError("still down")
    src = Scripted(forever=down)
    rs = resilient(src, attempts=4, threshold=2, cooldown=10.0, clock=clock, sleeps=sleeps)
    with pytest.raises(CircuitOpenError):
        rs.fetch("X", T0, T1, "1h")  # two attempts, then open
    assert src.calls == 2
    clock.advance(10.0)
    assert rs.stats()["state"] == "half_open"
    with pytest.raises(CircuitOpenError, match=r"next probe in 10\.0 s") as info:
        rs.fetch("X", T0, T1, "1h")  # one probe attempt only, no retries inside it
    assert info.value.__cause__ is down
    assert src.calls == 3
    s = rs.stats()
    assert s["state"] == "open" and s["opened_at"] == 1010.0 and s["consecutive_failures"] == 3
    with pytest.raises(CircuitOpenError):
        rs.fetch("X", T0, T1, "1h")
    assert src.calls == 3
    assert sleeps == pytest.approx([0.1])


def test_half_open_allows_a_single_probe() -> None:
    clock = Clock()
    b = CircuitBreaker(failure_threshold=1, cooldown=5.0, clock=clock)
    assert b.acquire() is None
    b.record_failure()
    assert b.state == "open" and b.acquire() == 5.0
    clock.advance(5.0)
    assert b.state == "half_open"
    assert b.acquire() is None  # the probe
    assert b.acquire() == 0.0  # a second caller is refused while the probe is out
    b.release()  # an interrupted probe gives its slot back
    assert b.acquire() is None
    b.record_success()
    assert b.state == "closed" and b.acquire() is None


def test_probe_in_flight_is_named_in_the_error() -> None:
    clock = Clock()
    rs = resilient(Scripted(), threshold=1, cooldown=1.0, clock=clock)
    rs.breaker.record_failure()
    clock.advance(1.0)
    assert rs.breaker.acquire() is None  # someone else holds the probe
    with pytest.raises(CircuitOpenError, match="a probe call is in progress"):
        rs.fetch("X", T0, T1, "1h")


def test_permanent_error_on_probe_closes_the_circuit() -> None:
    clock = Clock()
    src = Scripted(TransientDataError("down"), KeyError("X"))
    rs = resilient(src, attempts=1, threshold=1, cooldown=1.0, clock=clock)
    with pytest.raises(TransientDataError):
        rs.fetch("X", T0, T1, "1h")
    clock.advance(1.0)
    with pytest.raises(DataError, match="no symbol"):
        rs.fetch("X", T0, T1, "1h")
    assert rs.stats()["state"] == "closed"


def test_success_resets_the_consecutive_count() -> None:
    src = Scripted(TransientDataError("a"), TransientDataError("b"))
    rs = resilient(src, attempts=1, threshold=3)
    for _ in range(2):
        with pytest.raises(TransientDataError):
            rs.fetch("X", T0, T1, "1h")
    rs.fetch("X", T0, T1, "1h")
    assert rs.stats()["consecutive_failures"] == 0
    src.errors = [TransientDataError("c"), TransientDataError("d")]
    for _ in range(2):
        with pytest.raises(TransientDataError):
            rs.fetch("X", T0, T1, "1h")
    assert rs.stats()["state"] == "closed"  # 2 < 3: earlier failures were forgotten


def test_interrupted_probe_is_released() -> None:
    clock = Clock()
    src = Scripted(TransientDataError("down"), KeyboardInterrupt())
    rs = resilient(src, attempts=1, threshold=1, cooldown=1.0, clock=clock)
    with pytest.raises(TransientDataError):
        rs.fetch("X", T0, T1, "1h")
    clock.advance(1.0)
    with pytest.raises(KeyboardInterrupt):
        rs.fetch("X", T0, T1, "1h")
    assert rs.stats()["state"] == "half_open"
    rs.fetch("X", T0, T1, "1h")  # the slot is free again
    assert rs.stats()["state"] == "closed"


def test_manual_reset() -> None:
    rs = resilient(Scripted(forever=OSError("x")), attempts=1, threshold=1)
    with pytest.raises(TransientDataError):
        rs.fetch("X", T0, T1, "1h")
    assert rs.stats()["state"] == "open"
    rs.breaker.reset()
    assert rs.stats()["state"] == "closed"


# --------------------------------------------------------------------------- results


def _naive() -> pd.DataFrame:
    return bars().tz_localize(None)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: bars()["close"], "a Series, not a DataFrame"),
        (lambda: bars().reset_index(drop=True), "not a DatetimeIndex"),
        (_naive, "naive"),
        (lambda: bars().tz_convert("America/New_York"), "not UTC"),
        (lambda: bars().iloc[::-1], "not in increasing order"),
        (lambda: bars().drop(columns=["volume"]), "['volume'] are missing"),
        (lambda: bars().rename(columns=str.upper), "missing"),
        (lambda: bars().assign(close="x"), "['close'] are not numeric"),
    ],
)
def test_malformed_frames_are_permanent_data_errors(make: Any, message: str) -> None:
    bad = make()
    with pytest.raises(DataError, match="malformed frame|not a DataFrame") as info:
        check_frame(bad, source="s", symbol="X")
    assert message in str(info.value)
    src = Scripted(frame=bad)
    rs = resilient(src)
    with pytest.raises(DataError) as info2:
        rs.fetch("X", T0, T1, "1h")
    assert not isinstance(info2.value, TransientDataError)
    assert src.calls == 1
    s = rs.stats()
    assert (s["successes"], s["failures"], s["retries"]) == (0, 1, 0)


def test_check_frame_keeps_extra_columns_and_integer_volume() -> None:
    df = bars().assign(volume=lambda d: d["volume"].astype("int64"), vwap=1.0)
    assert check_frame(df, source="s", symbol="X") is df


def test_resilient_source_slices_half_open_interval() -> None:
    rs = resilient(Scripted())  # returns all 48 bars whatever is asked
    df = rs.fetch("X", "2024-01-01T05:00Z", "2024-01-01T08:00Z", "1h")
    assert [t.hour for t in df.index] == [5, 6, 7]


def test_fetch_arguments_are_validated_before_any_call() -> None:
    src = Scripted()
    rs = resilient(src)
    with pytest.raises(ValidationError) as info:
        rs.fetch("", "2024-01-01", T0, "2h")
    assert info.value.fields == ["symbol", "start", "timeframe"]
    with pytest.raises(ValidationError) as info:
        rs.fetch("X", T1, T0, "1h")
    assert info.value.fields == ["end"]
    assert src.calls == 0 and rs.stats()["calls"] == 0


def test_fetch_converts_times_to_utc() -> None:
    seen: list[Any] = []

    def func(symbol: str, start: pd.Timestamp, end: pd.Timestamp, timeframe: str) -> pd.DataFrame:
        seen.append((start, end))
        return bars()

    CallableSource(func).fetch("X", pd.Timestamp("2024-01-01 01:00", tz="Europe/Paris"), T1, "1h")
    assert seen == [(T0, T1)] and str(seen[0][0].tz) == "UTC"


# --------------------------------------------------------------------------- constructors


def test_retry_arguments_are_validated_together() -> None:
    with pytest.raises(ValidationError) as info:
        Retry(max_attempts=0, base_delay=-1.0, max_delay=float("inf"), jitter=1.5, sleep=3,  # type: ignore[arg-type]
              rng=object())  # type: ignore[arg-type]
    assert info.value.fields == ["max_attempts", "base_delay", "max_delay", "jitter", "sleep", "rng"]
    with pytest.raises(ValidationError) as info:
        Retry(base_delay=2.0, max_delay=1.0)
    assert info.value.fields == ["max_delay"]
    with pytest.raises(ValidationError):
        Retry(max_attempts=True)


def test_breaker_arguments_are_validated_together() -> None:
    with pytest.raises(ValidationError) as info:
        CircuitBreaker(failure_threshold=0, cooldown=float("nan"), clock="now")  # type: ignore[arg-type]
    assert info.value.fields == ["failure_threshold", "cooldown", "clock"]


def test_resilient_source_arguments_are_validated_together() -> None:
    with pytest.raises(ValidationError) as info:
        ResilientSource(object(), retry=3, breaker="b", name="")  # type: ignore[arg-type]
    assert info.value.fields == ["source", "retry", "breaker", "name"]


def test_defaults() -> None:
    r, b = Retry(), CircuitBreaker()
    assert (r.max_attempts, r.base_delay, r.max_delay, r.jitter) == (4, 0.1, 5.0, 0.1)
    assert (b.failure_threshold, b.cooldown) == (5, 30.0)
    rs = ResilientSource(InMemorySource({}))
    assert rs.name == "InMemorySource" and rs.stats()["state"] == "closed"
    assert "ResilientSource('InMemorySource'" in repr(rs)


# --------------------------------------------------------------------------- thread safety


def test_concurrent_calls_add_up() -> None:
    lock = threading.Lock()
    n = {"calls": 0, "ok": 0}

    def every_other(symbol: str, start: pd.Timestamp, end: pd.Timestamp, timeframe: str) -> pd.DataFrame:
        with lock:
            n["calls"] += 1
            fail = n["calls"] % 2 == 1
            if not fail:
                n["ok"] += 1
        if fail:
            raise TransientDataError("flaky")
        return bars()

    rs = resilient(CallableSource(every_other), attempts=3, threshold=10**6)
    threads, per_thread = 8, 50
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            try:
                rs.fetch("X", T0, T1, "1h")
            except TransientDataError as exc:
                errors.append(exc)

    run_threads(work, threads)
    s = rs.stats()
    assert s["calls"] == threads * per_thread
    assert s["successes"] + s["failures"] + s["rejected"] == s["calls"]
    assert s["successes"] == n["ok"] and s["failures"] == len(errors) and s["rejected"] == 0
    assert n["calls"] == s["calls"] + s["retries"]  # one source call per call plus one per retry


def test_concurrent_calls_on_a_dead_source_open_it_once() -> None:
    src = Scripted(forever=TransientDataError("down"))
    rs = resilient(src, attempts=1, threshold=5, cooldown=60.0)
    threads, per_thread = 8, 25
    barrier = threading.Barrier(threads)
    seen: list[type] = []
    seen_lock = threading.Lock()

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            try:
                rs.fetch("X", T0, T1, "1h")
            except DataError as exc:
                with seen_lock:
                    seen.append(type(exc))

    run_threads(work, threads)
    s = rs.stats()
    assert len(seen) == s["calls"] == threads * per_thread
    assert s["failures"] + s["rejected"] == s["calls"] and s["successes"] == 0
    assert s["failures"] == src.calls == seen.count(TransientDataError)
    assert 5 <= src.calls <= 5 + threads  # at most the calls already in flight when it opened
    assert s["rejected"] == seen.count(CircuitOpenError)
    assert s["state"] == "open"


# --------------------------------------------------------------------------- sources


def test_in_memory_source() -> None:
    frames = {"A": bars(), "B": bars(10, freq="1D")}
    src = InMemorySource(frames)
    assert isinstance(src, DataSource) and src.symbols == ["A", "B"]
    df = src.fetch("A", "2024-01-01T10:00Z", "2024-01-01T12:00Z", "1h")
    assert len(df) == 2
    df.iloc[0, 0] = -1.0
    assert (frames["A"]["open"] > 0).all()  # a copy
    with pytest.raises(DataError, match=r"no data for symbol 'C' \(has \['A', 'B'\]\)"):
        src.fetch("C", T0, T1, "1h")


def test_in_memory_source_checks_frames_up_front() -> None:
    with pytest.raises(ValidationError) as info:
        InMemorySource({"A": bars(), "B": bars().tz_localize(None), "": bars(), "C": [1, 2]})  # type: ignore[dict-item]
    assert info.value.fields == ["frames['B']", "frames", "frames['C']"]
    with pytest.raises(ValidationError):
        InMemorySource([("A", bars())])  # type: ignore[arg-type]


def test_callable_source() -> None:
    src = CallableSource(lambda symbol, start, end, timeframe: bars())
    assert len(src.fetch("X", T0, T1, "1h")) == 24
    with pytest.raises(ValidationError) as info:
        CallableSource(42)  # type: ignore[arg-type]
    assert info.value.fields == ["func"]
    bad = CallableSource(lambda symbol, start, end, timeframe: None, name="broken")  # type: ignore[arg-type,return-value]
    with pytest.raises(DataError, match="source 'broken' returned for 'X' a NoneType"):
        bad.fetch("X", T0, T1, "1h")


def write_csvs(root: Path, symbols: dict[str, pd.DataFrame], suffix: str = ".csv") -> None:
    for sym, df in symbols.items():
        out = df.copy()
        out.index = pd.DatetimeIndex(out.index).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        out.to_csv(root / f"{sym}{suffix}", index_label="time")


def read_csv_utc(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, index_col="time")
    df.index = pd.DatetimeIndex(pd.to_datetime(df.index, utc=True), name="time")
    return df


@pytest.fixture
def csv_dir(tmp_path: Path) -> Path:
    write_csvs(tmp_path, {"AAA": bars(), "BBB": bars(72, start="2023-12-31")})
    return tmp_path


def test_directory_source_reads_and_slices(csv_dir: Path) -> None:
    src = DirectorySource(csv_dir, loader=read_csv_utc)
    df = src.fetch("AAA", "2024-01-01T06:00Z", "2024-01-01T09:00Z", "1h")
    pd.testing.assert_frame_equal(df, bars().iloc[6:9], check_freq=False)
    assert len(src.fetch("BBB", T0, T1, "1h")) == 24
    assert src.path_for("AAA") == csv_dir / "AAA.csv"


def test_directory_source_missing_file_is_permanent(csv_dir: Path) -> None:
    sleeps = Sleeps()
    rs = resilient(DirectorySource(csv_dir, loader=read_csv_utc), sleeps=sleeps)
    with pytest.raises(DataError, match="no file for symbol 'ZZZ'") as info:
        rs.fetch("ZZZ", T0, T1, "1h")
    assert not isinstance(info.value, TransientDataError) and sleeps == []
    with pytest.raises(DataError, match="cannot name a file"):
        rs.fetch("../AAA", T0, T1, "1h")


def test_directory_source_pattern_with_timeframe(tmp_path: Path) -> None:
    (tmp_path / "1h").mkdir()
    write_csvs(tmp_path / "1h", {"AAA": bars()})
    src = DirectorySource(tmp_path, "{timeframe}/{symbol}.csv", loader=read_csv_utc)
    assert len(src.fetch("AAA", T0, T1, "1h")) == 24
    with pytest.raises(DataError, match="does not exist"):
        src.fetch("AAA", T0, T1, "1d")


def test_directory_source_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    bars().to_parquet(tmp_path / "AAA.parquet")
    src = DirectorySource(tmp_path, "{symbol}.parquet", loader=pd.read_parquet)
    pd.testing.assert_frame_equal(src.fetch("AAA", T0, T1, "1h"), bars().iloc[:24], check_freq=False)


def test_directory_source_passes_load_kwargs(csv_dir: Path) -> None:
    got: list[dict[str, Any]] = []

    def loader(path: Path, **kw: Any) -> pd.DataFrame:
        got.append(kw)
        return read_csv_utc(path)

    DirectorySource(csv_dir, loader=loader, load_kwargs={"tz": "UTC"}).fetch("AAA", T0, T1, "1h")
    assert got == [{"tz": "UTC"}]


def test_directory_source_arguments_are_validated_together(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        DirectorySource(tmp_path / "nope", "{sym}.csv", loader=5, load_kwargs=[1])  # type: ignore[arg-type]
    assert info.value.fields == ["root", "pattern", "loader", "load_kwargs"]
    for pattern in ("data.csv", "{symbol}_{freq}.csv", "{symbol", 7):
        with pytest.raises(ValidationError) as info:
            DirectorySource(tmp_path, pattern)  # type: ignore[arg-type]
        assert info.value.fields == ["pattern"]


def test_directory_source_with_threadx_load(csv_dir: Path) -> None:
    src = DirectorySource(csv_dir)
    df = src.fetch("AAA", "2024-01-01T06:00Z", "2024-01-01T09:00Z", "1h")
    assert list(df.index) == list(bars().index[6:9])
    np.testing.assert_allclose(df[list(OHLCV)].to_numpy(), bars()[list(OHLCV)].iloc[6:9].to_numpy())


# --------------------------------------------------------------------------- registry


@pytest.fixture
def registry() -> Iterator[list[str]]:
    """Names registered by a test; unregistered afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        unregister_source(name)


def test_register_wraps_and_gets(registry: list[str]) -> None:
    registry.append("mem")
    rs = register_source("mem", InMemorySource({"A": bars()}))
    assert isinstance(rs, ResilientSource) and rs.name == "mem"
    assert get_source("mem") is rs and "mem" in source_names()
    assert len(get_source("mem").fetch("A", T0, T1, "1h")) == 24
    assert get_source("mem").stats()["successes"] == 1


def test_register_validates(registry: list[str]) -> None:
    registry.append("dup")
    register_source("dup", InMemorySource({}))
    with pytest.raises(ValidationError) as info:
        register_source("dup", InMemorySource({}))
    assert info.value.fields == ["name"] and "replace=True" in str(info.value)
    new = register_source("dup", InMemorySource({}), replace=True)
    assert get_source("dup") is new
    with pytest.raises(ValidationError) as info:
        register_source(" ", object())  # type: ignore[arg-type]
    assert info.value.fields == ["name", "source"]
    with pytest.raises(ValidationError) as info:
        register_source("x", new, retry=Retry())
    assert info.value.fields == ["source"]


def test_register_keeps_a_resilient_source(registry: list[str]) -> None:
    registry.append("ready")
    rs = resilient(Scripted(), name="custom")
    assert register_source("ready", rs) is rs and get_source("ready") is rs


def test_unknown_source(registry: list[str]) -> None:
    with pytest.raises(ValidationError) as info:
        get_source("nope")
    assert info.value.fields == ["source"] and "registered:" in str(info.value)
    assert unregister_source("nope") is None
    assert unregister_source(["not", "hashable"]) is None and unregister_source(5) is None  # type: ignore[arg-type]


def test_breakers_are_per_source(registry: list[str]) -> None:
    registry.extend(["dead", "alive"])
    dead = register_source("dead", Scripted(forever=TransientDataError("down")),
                           retry=Retry(max_attempts=1), breaker=CircuitBreaker(failure_threshold=1))
    alive = register_source("alive", Scripted())
    with pytest.raises(TransientDataError):
        dead.fetch("X", T0, T1, "1h")
    assert dead.stats()["state"] == "open"
    assert len(alive.fetch("X", T0, T1, "1h")) == 24 and alive.stats()["state"] == "closed"


def test_sample_source() -> None:
    src = get_source("sample")
    df = src.fetch("GOOG", "2010-01-01T00:00Z", "2010-02-01T00:00Z", "1d")
    assert len(df) == 19 and df.index[0] == pd.Timestamp("2010-01-04", tz="UTC")
    with pytest.raises(DataError, match="only 'GOOG'"):
        src.fetch("MSFT", "2010-01-01T00:00Z", "2010-02-01T00:00Z", "1d")
    with pytest.raises(DataError, match="daily bars"):
        src.fetch("GOOG", "2010-01-01T00:00Z", "2010-02-01T00:00Z", "1h")


# ------------------------------------------------------------------ bars at the requested timeframe

def daily_of(hourly: pd.DataFrame) -> pd.DataFrame:
    """The plain pandas daily aggregate of hourly bars (UTC days)."""
    agg = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    return hourly.resample("1D").agg(agg).dropna(subset=["close"])


@pytest.mark.parametrize("kind", ["directory", "memory", "callable", "resilient"])
def test_every_source_aggregates_finer_bars_to_the_timeframe(kind: str, tmp_path: Path) -> None:
    # a DirectorySource of hourly bars asked for '1d' used to return the hourly bars
    hourly = bars(24 * 5)
    write_csvs(tmp_path, {"AAA": hourly})
    src: Any = {
        "directory": lambda: DirectorySource(tmp_path, loader=read_csv_utc),
        "memory": lambda: InMemorySource({"AAA": hourly}),
        "callable": lambda: CallableSource(lambda symbol, start, end, timeframe: hourly),
        "resilient": lambda: resilient(Scripted(frame=hourly)),
    }[kind]()
    end = pd.Timestamp("2024-01-05", tz="UTC")
    df = src.fetch("AAA", T0, end, "1d")
    expected = daily_of(hourly.loc[:"2024-01-04 23:00"])
    pd.testing.assert_frame_equal(df[list(OHLCV)], expected, check_freq=False, check_exact=False, rtol=1e-12)
    assert df.attrs["timeframe"] == "1d" and (df.index == df.index.normalize()).all()
    four = src.fetch("AAA", T0, T1, "4h")
    assert len(four) == 6 and four["volume"].iloc[0] == hourly["volume"].iloc[:4].sum()
    same = src.fetch("AAA", T0, T1, "1h")  # the data's own timeframe: the bars as they are
    pd.testing.assert_frame_equal(same[list(OHLCV)], hourly.iloc[:24], check_freq=False)


def test_a_bin_that_begins_before_start_is_left_out() -> None:
    src = InMemorySource({"AAA": bars(24 * 3)})
    df = src.fetch("AAA", "2024-01-01T10:00Z", "2024-01-03T00:00Z", "1d")
    assert list(df.index) == [pd.Timestamp("2024-01-02", tz="UTC")]
    assert len(df.attrs["closes"]) == len(df)  # resample's close times follow the slice


@pytest.mark.parametrize("kind", ["memory", "resilient"])
def test_a_timeframe_finer_than_the_data_is_refused(kind: str) -> None:
    hourly = bars()
    src: Any = InMemorySource({"AAA": hourly}) if kind == "memory" else resilient(Scripted(frame=hourly))
    with pytest.raises(DataError, match=r"timeframe '15m' \(bins of 15 minutes\) is finer than the data's bars "
                                        r"\(1 hour\)") as info:
        src.fetch("AAA", T0, T1, "15m")
    assert not isinstance(info.value, TransientDataError)
    if kind == "resilient":
        assert src.stats()["state"] == "closed" and src.stats()["failures"] == 1


def test_bars_that_do_not_divide_the_timeframe_are_refused() -> None:
    src = InMemorySource({"AAA": bars(100, freq="3min")})
    with pytest.raises(DataError, match=r"bars of 3 minutes do not divide timeframe '5m'"):
        src.fetch("AAA", T0, T1, "5m")
    assert len(src.fetch("AAA", T0, T1, "15m")) == 20


def test_data_request_gets_the_timeframe_it_asked_for(tmp_path: Path, registry: list[str]) -> None:
    import threadx

    write_csvs(tmp_path, {"AAA": bars(24 * 4)})
    registry.append("hourly-files")
    register_source("hourly-files", DirectorySource(tmp_path, loader=read_csv_utc))
    out = threadx.DataRequest(symbols="AAA", start="2024-01-01T00:00Z", end="2024-01-04T00:00Z",
                              timeframe="1d", source="hourly-files").run()
    assert list(out["AAA"].index) == list(pd.date_range("2024-01-01", periods=3, freq="1D", tz="UTC"))


@pytest.mark.parametrize(("args", "kw", "field"), [
    ((T0, T0 + pd.Timedelta("1D"), "1h"), {"source": "s", "symbol": []}, "symbol"),
    ((1.5, T0 + pd.Timedelta("1D"), "1h"), {"source": "s", "symbol": "A"}, "start"),
    ((T0, 7, "1h"), {"source": "s", "symbol": "A"}, "end"),
    ((T0, T0 + pd.Timedelta("1D"), pd.DataFrame()), {"source": "s", "symbol": "A"}, "timeframe"),
    ((T0, T0 + pd.Timedelta("1D"), "1h"), {"source": 5, "symbol": "A"}, "source"),
])
def test_at_timeframe_names_a_bad_argument(args: tuple[Any, ...], kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        at_timeframe(bars(), *args, **kw)
    assert exc.value.fields == [field]


@pytest.mark.parametrize("df", [np.array([1.0]), "x", None, pd.DataFrame({"close": [1.0]})])
def test_at_timeframe_of_a_malformed_frame_is_a_data_error(df: Any) -> None:
    with pytest.raises(DataError, match="source 's'"):
        at_timeframe(df, T0, T0 + pd.Timedelta("1D"), "1h", source="s", symbol="A")


def test_at_timeframe_of_good_arguments_is_unchanged() -> None:
    out = at_timeframe(bars(48), T0, T0 + pd.Timedelta("1D"), "4h", source="s", symbol="A")
    assert len(out) == 6 and out.attrs["timeframe"] == "4h"
