"""Edge cases found in review: the stored index wins on Parquet, out-of-range dates are
reported, epoch seconds in JSON, the breaker's probe belongs to one call, clocks that
go back."""

from __future__ import annotations

import io
import json
import pathlib

import pandas as pd
import pytest

from conftest import requires_pyarrow

from threadx import data
from threadx.errors import DataError
from threadx.sources import CircuitBreaker


def frame() -> pd.DataFrame:
    idx = pd.date_range("2020-01-01 21:00", periods=3, freq="D", tz="UTC", name="time", unit="ns")
    return pd.DataFrame({"open": [1.0, 2, 3], "high": [2.0, 3, 4], "low": [0.5, 1, 2],
                         "close": [1.5, 2.5, 3.5], "volume": [1.0, 1, 1]}, index=idx)


@requires_pyarrow
def test_parquet_index_wins_over_a_date_named_column(tmp_path: pathlib.Path) -> None:
    df = frame()
    df["date"] = df.index.strftime("%Y-%m-%d")
    data.save(df, tmp_path / "x.parquet")
    back = data.load(tmp_path / "x.parquet")
    pd.testing.assert_index_equal(back.index, df.index, check_freq=False)
    assert list(back["date"]) == list(df["date"])


SRC = "Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,0.5,1.5,1\n9999-12-31,1,2,0.5,1.5,1\n"


def test_out_of_range_dates_are_problems_with_rows() -> None:
    with pytest.raises(DataError) as exc:
        data.load(io.StringIO(SRC), tz="UTC")
    problems = getattr(exc.value, "problems")
    assert [(p["row"], p["rule"]) for p in problems] == [(2, "unparseable")]
    kept = data.load(io.StringIO(SRC), tz="UTC", on_invalid="drop")
    assert len(kept) == 1 and kept.index[0] == pd.Timestamp("2020-01-02", tz="UTC")


@pytest.mark.parametrize("scale", [1, 1000])
def test_json_epoch_unit_by_magnitude(scale: int) -> None:
    bars = [[1577923200 * scale, 1, 2, 0.5, 1.5, 10]]
    assert data.load(json.dumps(bars).encode()).index[0] == pd.Timestamp("2020-01-02", tz="UTC")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def open_breaker(clock: Clock) -> CircuitBreaker:
    b = CircuitBreaker(failure_threshold=1, cooldown=30.0, clock=clock)
    b.record_failure()
    assert b.state == "open"
    return b


def test_a_straggler_does_not_free_the_probe_or_close_the_circuit() -> None:
    clock = Clock()
    b = open_breaker(clock)
    clock.now += 31
    wait, probe = b.acquire_ticket()
    assert wait is None and probe
    b.release(probe=False)  # another call, started before the circuit opened, was interrupted
    assert b.acquire_ticket() == (0.0, False)  # the probe is still out
    b.record_success(probe=False)  # a straggler's answer proves nothing
    assert b.state == "half_open"
    b.record_success(probe=True)
    assert b.state == "closed"


def test_a_clock_going_back_never_extends_the_cooldown() -> None:
    clock = Clock()
    b = open_breaker(clock)
    clock.now -= 3600
    wait = b.acquire()
    assert wait is not None and wait <= 30.0
    clock.now += 30
    assert b.acquire() is None  # the probe


@pytest.mark.parametrize("change", ["berlin", "name", "int_volume", "column_name"])
def test_save_refuses_frames_it_cannot_give_back_identical(tmp_path: pathlib.Path, change: str) -> None:
    from threadx.errors import ValidationError

    df = frame()
    if change == "berlin":
        df.index = df.index.tz_convert("Europe/Berlin")
    elif change == "name":
        df.index = df.index.rename("ts")
    elif change == "int_volume":
        df["volume"] = df["volume"].astype("int64")
    else:
        df["Symbol"] = "X"
    with pytest.raises(ValidationError) as exc:
        data.save(df, tmp_path / "x.parquet")
    assert exc.value.fields == ["df"]
    assert not (tmp_path / "x.parquet").exists()
