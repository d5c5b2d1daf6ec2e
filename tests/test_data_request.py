"""DataRequest: construction, every bad field at once, JSON round trip, repr, run."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx.errors import ValidationError
from threadx.requests import DataRequest
from threadx.sources import TIMEFRAMES, InMemorySource, register_source, unregister_source


def bars(n: int = 48) -> pd.DataFrame:
    idx = pd.date_range("2024-01-01", periods=n, freq="1h", tz="UTC", name="time")
    close = 100.0 + np.arange(n, dtype=np.float64)
    return pd.DataFrame({"open": close, "high": close + 1, "low": close - 1, "close": close,
                         "volume": np.ones(n)}, index=idx)


@pytest.fixture
def mem() -> Iterator[str]:
    register_source("test-mem", InMemorySource({"AAA": bars(), "BBB": bars(30)}))
    yield "test-mem"
    unregister_source("test-mem")


def good(**changes: Any) -> DataRequest:
    fields: dict[str, Any] = {"symbols": ["AAA", "BBB"], "start": "2024-01-01T00:00Z",
                              "end": "2024-01-02T00:00Z", "timeframe": "1h", "source": "sample"}
    fields.update(changes)
    return DataRequest(**fields)


def bad_fields(**changes: Any) -> list[str]:
    """The fields named by the ValidationError that building the request raises."""
    with pytest.raises(ValidationError) as info:
        good(**changes)
    return info.value.fields


def test_keyword_only_and_required() -> None:
    with pytest.raises(TypeError):
        DataRequest(["A"], "2024-01-01T00:00Z", "2024-01-02T00:00Z", "1d", "sample")  # type: ignore[misc]
    with pytest.raises(ValidationError) as info:
        DataRequest(symbols=["A"], start="2024-01-01T00:00Z", end="2024-01-02T00:00Z")  # type: ignore[call-arg]
    assert info.value.fields == ["timeframe", "source"]
    assert "is required by DataRequest" in str(info.value)


def test_keyword_typo_names_the_closest_field() -> None:
    with pytest.raises(ValidationError) as info:
        good(timefrmae="1h")
    assert info.value.fields == ["timefrmae"]
    assert "did you mean 'timeframe'?" in str(info.value)


def test_requests_are_immutable() -> None:
    req = good()
    with pytest.raises(AttributeError):
        req.timeframe = "1d"  # type: ignore[misc]
    assert req.timeframe == "1h"


def test_valid_construction_normalises() -> None:
    req = good(start=pd.Timestamp("2024-01-01 01:00", tz="Europe/Paris"),
               end=dt.datetime(2024, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
    assert req.validate() is req
    assert req.symbols == ("AAA", "BBB")
    assert req.start == pd.Timestamp("2024-01-01", tz="UTC") and str(req.start.tz) == "UTC"
    assert req.end == pd.Timestamp("2024-01-02 05:00", tz="UTC") and str(req.end.tz) == "UTC"
    assert good(symbols="AAA").symbols == ("AAA",)
    assert good(symbols=np.array(["AAA", "BBB"])).validate().symbols == ("AAA", "BBB")
    assert good(symbols=pd.Index(["AAA"])).validate().symbols == ("AAA",)
    assert bad_fields(start=np.datetime64("2024-01-01T00:00"), end="2024-01-02T00:00Z") == ["start"]  # naive
    assert good(symbols=[f"S{i}" for i in range(100)]).validate()


@pytest.mark.parametrize("timeframe", TIMEFRAMES)
def test_every_timeframe(timeframe: str) -> None:
    good(timeframe=timeframe).validate()


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        good(symbols=["AAA", "AAA", ""], start="2024-01-01", end="not a date", timeframe="2h", source="nope")
    err = info.value
    assert err.fields == ["symbols", "symbols", "start", "end", "timeframe", "source"]
    text = str(err)
    assert "symbols[2] must be a non-empty string" in text
    assert "repeated: AAA" in text
    assert "naive" in text and "tz" in text
    assert "cannot be read as a timestamp" in text
    assert "1m, 5m, 15m, 1h, 4h, 1d" in text
    assert "unknown source" in text and "'sample'" in text and "register_source" in text


def test_naive_timestamps_are_refused_not_assumed() -> None:
    for naive in ("2024-01-01", pd.Timestamp("2024-01-01"), dt.datetime(2024, 1, 1), np.datetime64("2024-01-01"),
                  dt.date(2024, 1, 1)):
        with pytest.raises(ValidationError) as info:
            good(start=naive)
        assert info.value.fields == ["start"]
        assert "naive" in str(info.value) and "tz='UTC'" in str(info.value)
    assert bad_fields(end="2024-01-02 00:00") == ["end"]


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"start": "2024-01-02T00:00Z", "end": "2024-01-01T00:00Z"}, ["end"]),
        ({"start": "2024-01-01T00:00Z", "end": "2024-01-01T00:00Z"}, ["end"]),
        ({"start": "2024-01-01T01:00+01:00", "end": "2024-01-01T00:00Z"}, ["end"]),  # same instant
        ({"start": None, "end": pd.NaT}, ["start", "end"]),
        ({"start": True}, ["start"]),
        ({"symbols": []}, ["symbols"]),
        ({"symbols": [f"S{i}" for i in range(101)]}, ["symbols"]),
        ({"symbols": ["A", 5, None, " B", "C"]}, ["symbols", "symbols", "symbols"]),
        ({"symbols": {"A", "B"}}, ["symbols"]),
        ({"symbols": None}, ["symbols"]),
        ({"symbols": ["A", "B", "A", "B", "A"]}, ["symbols"]),
        ({"timeframe": "1H"}, ["timeframe"]),
        ({"timeframe": None}, ["timeframe"]),
        ({"source": ""}, ["source"]),
        ({"source": 3}, ["source"]),
    ],
)
def test_bad_fields(changes: dict[str, Any], fields: list[str]) -> None:
    assert bad_fields(**changes) == fields


def test_too_many_symbols_is_summarised() -> None:
    with pytest.raises(ValidationError, match="<101 symbols>: must hold 1 to 100 symbols"):
        good(symbols=[f"S{i}" for i in range(101)])


def test_registered_source_becomes_known(mem: str) -> None:
    good(source=mem).validate()
    unregister_source(mem)
    assert bad_fields(source=mem) == ["source"]
    register_source(mem, InMemorySource({}))  # for the fixture to remove


@pytest.mark.parametrize(
    "req",
    [
        good(),
        good(symbols="AAA", timeframe="1d"),
        good(start=pd.Timestamp("2024-01-01 09:30", tz="America/New_York"),
             end=pd.Timestamp("2024-06-30 16:00", tz="America/New_York"), timeframe="5m"),
        good(start=pd.Timestamp("2024-01-01 00:00:00.123456", tz="UTC")),
        good(symbols=[f"S{i}" for i in range(100)], timeframe="4h"),
    ],
)
def test_round_trip_through_json(req: DataRequest) -> None:
    d = req.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert d["type"] == "DataRequest" and isinstance(d["symbols"], list)
    assert d["start"].endswith("+00:00") and d["end"].endswith("+00:00")
    back = DataRequest.from_dict(json.loads(text))
    assert back == req
    assert back.validate() is back
    assert str(back.start.tz) == "UTC" and back.start.value == req.start.value


def test_an_invalid_dict_is_refused_by_from_dict() -> None:
    d = good().to_dict()
    with pytest.raises(ValidationError) as info:
        DataRequest.from_dict({**d, "start": "2024-01-01", "timeframe": "2h"})
    assert info.value.fields == ["start", "timeframe"]


@pytest.mark.parametrize(
    ("payload", "fields", "text"),
    [
        (None, ["data"], "takes a dict"),
        ("abc", ["data"], "takes a dict"),
        ([1, 2], ["data"], "takes a dict"),
        ({"type": "DataRequest", "symbols": "AAA"}, ["start", "end", "timeframe", "source"], "is required"),
        ({**good().to_dict(), "symbol": "AAA"}, ["symbol"], "did you mean 'symbols'?"),
        ({**good().to_dict(), "zzz": 1}, ["zzz"], "valid: end, source, start, symbols, timeframe"),
    ],
)
def test_from_dict_garbage_is_a_validation_error(payload: Any, fields: list[str], text: str) -> None:
    with pytest.raises(ValidationError) as info:
        DataRequest.from_dict(payload)
    assert info.value.fields == fields
    assert text in str(info.value)


def test_from_dict_checks_the_type() -> None:
    with pytest.raises(ValidationError) as info:
        DataRequest.from_dict({**good().to_dict(), "type": "RollingRequest"})
    assert info.value.fields == ["type"]


def test_repr_is_readable() -> None:
    assert repr(good()) == ("DataRequest(symbols=['AAA', 'BBB'], start=2024-01-01T00:00:00+00:00, "
                            "end=2024-01-02T00:00:00+00:00, timeframe='1h', source='sample')")
    long = repr(good(symbols=[f"S{i}" for i in range(40)]))
    assert "symbols=['S0', 'S1', 'S2', ... 40 symbols]" in long and len(long) < 200


def test_run_fetches_every_symbol_in_order(mem: str) -> None:
    req = good(symbols=["BBB", "AAA"], start="2024-01-01T10:00Z", end="2024-01-02T10:00Z", source=mem)
    out = req.run()
    assert list(out) == ["BBB", "AAA"]
    assert len(out["AAA"]) == 24 and len(out["BBB"]) == 20
    assert out["AAA"].index[0] == pd.Timestamp("2024-01-01 10:00", tz="UTC")
    stats = threadx.sources.get_source(mem).stats()
    assert (stats["calls"], stats["successes"]) == (2, 2)


def test_run_validates_before_fetching(mem: str) -> None:
    with pytest.raises(ValidationError) as info:
        good(source=mem, timeframe="2h")
    assert info.value.fields == ["timeframe"]
    assert threadx.sources.get_source(mem).stats()["calls"] == 0


def test_run_on_the_sample_source() -> None:
    out = good(symbols="GOOG", start="2013-01-01T00:00Z", end="2014-01-01T00:00Z", timeframe="1d").run()
    df = out["GOOG"]
    assert df.index[0] == pd.Timestamp("2013-01-02", tz="UTC") and df.index[-1] == pd.Timestamp("2013-03-01", tz="UTC")
