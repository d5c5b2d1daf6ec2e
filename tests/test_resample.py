"""Resampling equals pandas; alignment never shows a coarse bar before it has closed."""

from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd
import pytest

from threadx.data import align, bar_period, resample
from threadx import data
from threadx.errors import DataError, ValidationError

DATA = pathlib.Path(__file__).parent / "data"
AGG = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}


def read_backtrader(name: str) -> pd.DataFrame:
    df = pd.read_csv(DATA / name, parse_dates=["Date"], index_col="Date", date_format="%Y-%m-%d")
    df.columns = [c.lower() for c in df.columns]
    return df


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    return read_backtrader("2006-day-001.txt")


@pytest.fixture(scope="module")
def minutes() -> pd.DataFrame:
    raw = pd.read_csv(DATA / "2006-min-005.txt")
    idx = pd.to_datetime(raw["Date"] + " " + raw["Time"], format="%Y-%m-%d %H:%M:%S")
    df = raw.drop(columns=["Date", "Time"]).set_axis(idx)
    df.columns = [c.lower() for c in df.columns]
    df.attrs["label"] = "close"  # the file stamps 5-minute bars by their close
    return df


def test_daily_to_weekly_gives_the_weekly_file(daily: pd.DataFrame) -> None:
    weekly = read_backtrader("2006-week-001.txt")
    got = resample(daily[list(AGG)], "W-FRI", stamp="last", drop_empty=True)
    np.testing.assert_array_equal(got[["open", "high", "low", "close"]].to_numpy(),
                                  weekly[["open", "high", "low", "close"]].to_numpy())
    # stamped with the week's last trading day, like the file (holiday Fridays included)
    pd.testing.assert_index_equal(got.index, weekly.index, check_names=False)


@pytest.mark.parametrize("rule", ["W-FRI", "MS", "2W"])
@pytest.mark.parametrize(("label", "closed"), [(None, None), ("left", "left"), ("right", "right"), ("left", "right")])
def test_equals_pandas_on_daily(daily: pd.DataFrame, rule: str, label: str | None, closed: str | None) -> None:
    frame = daily[list(AGG) + ["openinterest"]]
    got = resample(frame, rule, label=label, closed=closed)
    expected = frame.resample(rule, label=label, closed=closed).agg({**AGG, "openinterest": "last"})
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("rule", ["15min", "1h", "1D"])
def test_equals_pandas_on_intraday_with_gaps(minutes: pd.DataFrame, rule: str) -> None:
    frame = minutes[list(AGG)]
    got = resample(frame, rule)
    pd.testing.assert_frame_equal(got, frame.resample(rule).agg(AGG))
    dropped = resample(frame, rule, drop_empty=True)
    assert dropped["open"].notna().all() and len(dropped) < len(got)


def test_closes_are_the_last_bars_close(daily: pd.DataFrame) -> None:
    got = resample(daily[list(AGG)], "W-FRI")
    closes = pd.DatetimeIndex(got.attrs["closes"])
    # daily bars stamped at their open last one day: a week's values are final when
    # its last trading day is over
    first_week = daily.loc[:"2006-01-06"]
    assert closes[0] == first_week.index[-1] + pd.Timedelta("1D")
    assert bar_period(daily.index) == pd.Timedelta("1D")


def test_align_shows_a_coarse_bar_only_after_it_closed(daily: pd.DataFrame) -> None:
    weekly = resample(daily[list(AGG)], "W-FRI")
    aligned = align(weekly, daily.index)
    closes = pd.DatetimeIndex(weekly.attrs["closes"])
    for t, row in zip(daily.index, aligned.itertuples(index=False)):
        visible = np.flatnonzero(closes <= t)
        if visible.size == 0:
            assert np.isnan(row.close)
        else:
            k = visible[-1]
            assert closes[k] <= t
            assert row.close == weekly["close"].iloc[k]
    # the Monday after a week sees that week; the Friday of the week does not
    assert aligned.loc["2006-01-06", "close"] != weekly.loc["2006-01-06", "close"]
    assert aligned.loc["2006-01-09", "close"] == weekly.loc["2006-01-06", "close"]


def test_no_look_ahead_changing_later_data_changes_nothing_earlier(minutes: pd.DataFrame) -> None:
    frame = minutes[list(AGG)]
    cut = frame.index[1000]
    hourly = resample(frame, "1h")
    before = align(hourly, frame.index)
    changed = frame.copy()
    later = changed.index > cut
    changed.loc[later, ["open", "high", "low", "close"]] *= 1.5
    changed.loc[later, "volume"] += 7
    after = align(resample(changed, "1h"), changed.index)
    upto = frame.index <= cut
    pd.testing.assert_frame_equal(before[upto], after[upto])
    assert not before[~upto].equals(after[~upto])


def test_bad_arguments_are_reported_together(daily: pd.DataFrame) -> None:
    with pytest.raises(ValidationError) as exc:
        resample(daily, "not-a-rule", label="middle", closed="both", stamp="first")
    assert set(exc.value.fields) == {"rule", "label", "closed", "stamp"}
    with pytest.raises(ValidationError) as exc:
        resample(daily.reset_index(), "W-FRI")
    assert exc.value.fields == ["df"]
    with pytest.raises(ValidationError) as exc:
        align(daily, daily.index)
    assert exc.value.fields == ["closes"]
    with pytest.raises(ValidationError) as exc:
        align(daily, list(daily.index), closes=daily.index[:3])  # type: ignore[arg-type]
    assert set(exc.value.fields) == {"fine_index", "closes"}


def test_chained_resample_keeps_close_times(daily: pd.DataFrame) -> None:
    """Weekly bars from daily bars, then monthly from weekly: the month's values are final
    when its last daily bar is over, exactly as resampling the daily bars directly."""
    frame = daily[list(AGG)]
    via_weeks = resample(resample(frame, "W-FRI", stamp="last", drop_empty=True), "MS", drop_empty=True)
    direct = resample(frame, "MS", drop_empty=True)
    # no daily bar sees a month before every daily bar in it is over
    aligned = align(via_weeks, frame.index)
    closes = pd.DatetimeIndex(via_weeks.attrs["closes"])
    for t in frame.index[::7]:
        row = aligned.loc[t]
        k = np.flatnonzero(closes <= t)
        assert (np.isnan(row["close"]) if k.size == 0 else row["close"] == via_weeks["close"].iloc[k[-1]])
    last_daily = frame.index[-1]
    assert pd.Timestamp(direct.attrs["closes"][-1]) == last_daily + pd.Timedelta("1D")


def test_resampled_frames_combine_and_compare_like_any_frame(daily: pd.DataFrame) -> None:
    weekly = resample(daily[list(AGG)], "W-FRI")
    both = pd.concat([weekly, weekly])
    assert len(both) == 2 * len(weekly)
    assert weekly.join(weekly.add_suffix("_2")).shape[1] == 2 * weekly.shape[1]
    assert weekly.equals(resample(daily[list(AGG)], "W-FRI"))


@pytest.mark.parametrize(("kw", "field"), [
    ({"period": "0s"}, "period"), ({"period": "-1D"}, "period"), ({"period": 5}, "period"),
    ({"period": 1.5}, "period"), ({"rule": None}, "rule"),
    ({"rule": "-1D"}, "rule"), ({"stamp": "last"}, "stamp"),
    ({"drop_empty": "x"}, "drop_empty"), ({"drop_empty": 1}, "drop_empty"),
    ({"stamp": "last", "drop_empty": "yes"}, "drop_empty"),
])
def test_bad_resample_arguments(daily: pd.DataFrame, kw: dict, field: str) -> None:
    args = {"rule": "W-FRI", **kw}
    rule = args.pop("rule")
    with pytest.raises(ValidationError) as exc:
        resample(daily[list(AGG)], rule, **args)
    assert field in exc.value.fields


def test_align_rejects_mismatched_timezones_and_text(daily: pd.DataFrame) -> None:
    weekly = resample(daily[list(AGG)], "W-FRI")
    with pytest.raises(ValidationError) as exc:
        align(weekly, daily.index.tz_localize("UTC"))
    assert exc.value.fields == ["fine_index"]
    with pytest.raises(ValidationError) as exc:
        align(weekly.assign(symbol="X"), daily.index)
    assert exc.value.fields == ["coarse"]


@pytest.mark.parametrize(("name", "tz"), [("GOOG.csv", "UTC"), ("BTCUSD.csv", "UTC")])
def test_a_rule_finer_than_the_bars_is_a_data_error(name: str, tz: str) -> None:
    # monthly bars to weekly used to give hundreds of NaN rows without a word
    monthly = resample(data.load(DATA / name, tz=tz), "ME", drop_empty=True)
    assert bar_period(monthly.index) == pd.Timedelta("31D")
    with pytest.raises(DataError, match=r"rule 'W' \(bins of 7 days\) is finer than the data's bars \(31 days\)"):
        resample(monthly, "W")
    with pytest.raises(DataError, match=r"rule '1h' .* the data's bars \(1 day\)"):
        resample(data.sample(), "1h", drop_empty=True)
    with pytest.raises(DataError, match=r"rule '1D' .* the data's bars \(7 days\)"):
        resample(data.sample(), "1D", period="7D")  # a given period is the bars' length
    # as long as the data's bars or longer: fine, whatever the calendar does
    assert len(resample(monthly, "ME")) == len(monthly)
    assert resample(monthly, "QE", drop_empty=True)["close"].notna().all()
    assert len(resample(data.sample(), "1D")) >= len(data.sample())
    assert len(resample(data.sample(), "B")) >= len(data.sample())  # a business day spans a weekend


def test_daily_bins_keep_the_calendar_date() -> None:
    ny = data.load(DATA / "GOOG.csv", tz="America/New_York")
    weekly = resample(ny, "W-FRI", drop_empty=True)
    assert (weekly.index == weekly.index.normalize()).all() and str(weekly.index.tz) == "UTC"
    assert weekly.index[0] == pd.Timestamp("2004-08-20", tz="UTC")


def one_message(text: str) -> None:
    """One clear sentence per field: no exception text nested in another."""
    assert "Failed to parse" not in text and "invalid field" not in text.split(":", 1)[1], text
    assert text.count("Invalid frequency") <= 1, text


@pytest.mark.parametrize("rule", ["weekly", "1x", 5, None, "-1D", "0h"])
def test_bad_rules_read_as_one_message(daily: pd.DataFrame, rule: object) -> None:
    with pytest.raises(ValidationError) as exc:
        resample(daily[list(AGG)], rule)
    assert exc.value.fields == ["rule"]
    one_message(str(exc.value))
    assert "'1h', '1D', 'W-FRI', 'ME'" in str(exc.value)  # what is accepted


def test_empty_and_single_bar_frames_read_as_one_message(daily: pd.DataFrame) -> None:
    with pytest.raises(ValidationError) as exc:
        resample(daily.iloc[:0], "1D")
    assert exc.value.fields == ["df"] and "has no bars to resample" in str(exc.value)
    one_message(str(exc.value))
    with pytest.raises(ValidationError) as exc:
        resample(daily.iloc[:1], "W-FRI")
    assert exc.value.fields == ["period"] and "pass period=" in str(exc.value)
    one_message(str(exc.value))
    assert len(resample(daily.iloc[:1], "W-FRI", period="1D")) == 1
