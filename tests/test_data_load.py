"""threadx.data.load/save: every shared file loads as its README documents; every rule and policy.

The expected values come from tests/data/README.md (a byte-for-byte copy of
../shared/data/README.md).  Time zones: date-only files are read with tz="UTC" (a
date labels a trading day; midnight UTC keeps the date), the backtrader intraday
files with tz="Europe/Berlin" (local exchange time), EURUSD with tz="UTC" (the
README's analysis of its weekly open), and the JSON needs none (epoch ms UTC).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import requires_pyarrow

from threadx import data
from threadx.errors import DataError, ValidationError

DATA = Path(__file__).parent / "data"
BERLIN = "Europe/Berlin"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# name, tz, rows, first (UTC), last (UTC), first row OHLCV, last row OHLCV, extra columns
FILES: list[tuple[str, str | None, int, str, str, tuple[float, ...], tuple[float, ...], list[str]]] = [
    ("GOOG.csv", "UTC", 2148, "2004-08-19", "2013-03-01",
     (100, 104.06, 95.96, 100.34, 22351900), (797.8, 807.14, 796.15, 806.19, 2175400), []),
    ("EURUSD.csv", "UTC", 5000, "2017-04-19 09:00", "2018-02-07 15:00",
     (1.0716, 1.0722, 1.07083, 1.07219, 1413), (1.23427, 1.23444, 1.22904, 1.22904, 6143), []),
    ("BTCUSD.csv", "UTC", 156, "2012-01-31", "2024-12-31",
     (4.58, 7.38, 3.8, 5.55, 2012.25343589), (96515, 108364, 92092, 93381, 25342.80228337), []),
    ("2006-day-001.txt", "UTC", 255, "2006-01-02", "2006-12-29",
     (3578.73, 3605.95, 3578.73, 3604.33, 0), (4130.12, 4142.01, 4119.94, 4119.94, 0), ["open_interest"]),
    ("2006-week-001.txt", "UTC", 52, "2006-01-06", "2006-12-29",
     (3578.73, 3666.99, 3578.73, 3666.99, 0), (4079.70, 4142.06, 4079.70, 4119.94, 0), ["open_interest"]),
    # 09:05 CET = 08:05 UTC (January: UTC+1)
    ("2006-min-005.txt", BERLIN, 2142, "2006-01-02 08:05", "2006-01-30 16:30",
     (3578.73, 3587.88, 3578.73, 3582.99, 0), (3679.29, 3679.40, 3676.31, 3677.52, 0), ["open_interest"]),
    ("orcl-1995-2014.txt", "UTC", 5036, "1995-01-03", "2014-12-31",
     (2.179012, 2.191358, 2.117284, 2.117284, 36301200),
     (45.450001, 45.560001, 44.970001, 44.970001, 13269200), ["adj_close"]),
    ("nvda-1999-2014.txt", "UTC", 4012, "1999-01-22", "2014-12-31",
     (1.75, 1.953125, 1.552083, 1.640625, 67867200), (20.40, 20.51, 19.99, 20.049999, 4157500), ["adj_close"]),
    ("yhoo-1996-2014.txt", "UTC", 4713, "1996-04-12", "2014-12-31",
     (1.052083, 1.791667, 1.020833, 1.375, 408720000),
     (51.540001, 51.68, 50.459999, 50.509998, 9305000), ["adj_close"]),
    ("2006-volume-day-001.txt", "UTC", 255, "2006-01-02", "2006-12-29",
     (3602, 3624, 3596, 3617, 164794), (4157, 4167, 4145, 4157, 205816), ["open_interest"]),
    # 09:01 CET = 08:01 UTC, 22:00 CET = 21:00 UTC
    ("2006-01-02-volume-min-001.txt", BERLIN, 30889, "2006-01-02 08:01", "2006-02-27 21:00",
     (3602, 3603, 3597, 3599, 5699), (3840, 3840, 3838, 3838, 327), ["open_interest"]),
    ("UNITTEST_BTC-1m.json", None, 13681, "2017-11-04 23:02", "2017-11-14 22:59",
     (0.00162008, 0.00162008, 0.00162008, 0.00162008, 108.14853839),
     (0.00270001, 0.00270002, 0.00270001, 0.00270002, 1.94577668), []),
]
TEXT_FILES = [f[0] for f in FILES if not f[0].endswith(".json")]
_CACHE: dict[tuple[str, str | None], pd.DataFrame] = {}


def real(name: str, tz: str | None = None, **kw: Any) -> pd.DataFrame:
    """A shared file loaded once per (name, tz) without options; copies are handed out."""
    if kw:
        return data.load(DATA / name, tz=tz, **kw)
    if (name, tz) not in _CACHE:
        _CACHE[(name, tz)] = data.load(DATA / name, tz=tz)
    return _CACHE[(name, tz)].copy()


def load_text(text: str, **kw: Any) -> pd.DataFrame:
    kw.setdefault("tz", "UTC")
    return data.load(io.StringIO(text), **kw)


def problems_of(exc: pytest.ExceptionInfo[DataError]) -> list[dict[str, Any]]:
    probs = getattr(exc.value, "problems", None)
    assert isinstance(probs, list)
    return probs


# =========================================================================== the shared files


def test_every_shared_file_is_covered() -> None:
    shared = sorted(p.name for p in DATA.iterdir() if p.suffix in (".csv", ".txt", ".json"))
    assert shared == sorted(f[0] for f in FILES)


@pytest.mark.parametrize("name,tz,rows,first,last,row0,row_last,extra", FILES, ids=[f[0] for f in FILES])
def test_shared_file_loads_as_documented(name: str, tz: str | None, rows: int, first: str, last: str,
                                         row0: tuple[float, ...], row_last: tuple[float, ...],
                                         extra: list[str]) -> None:
    df = real(name, tz)
    assert len(df) == rows
    assert list(df.columns) == ["open", "high", "low", "close", "volume", *extra]
    assert all(dt == np.float64 for dt in df.dtypes)
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "time"
    assert str(df.index.tz) == "UTC" and df.index.dtype == "datetime64[ns, UTC]"
    assert df.index[0] == ts(first) and df.index[-1] == ts(last)
    assert df.index.is_monotonic_increasing and df.index.is_unique
    np.testing.assert_allclose(df.iloc[0, :5].to_numpy(), row0, rtol=1e-15, atol=0)
    np.testing.assert_allclose(df.iloc[-1, :5].to_numpy(), row_last, rtol=1e-15, atol=0)
    # README: every row satisfies low <= min(open, close) <= max(open, close) <= high, no NaN
    assert not df.isna().any().any()
    assert (df.low <= df[["open", "close"]].min(axis=1)).all()
    assert (df[["open", "close"]].max(axis=1) <= df.high).all()
    assert df.attrs["label"] == "open" and df.attrs["repairs"] == []


def test_goog_daily_gaps_and_sample() -> None:
    df = real("GOOG.csv", "UTC")
    assert df.index.to_series().diff().max() == pd.Timedelta(days=5)  # README: largest gap 5 days
    assert (df.index == df.index.normalize()).all()  # dates at 00:00 UTC
    old = pd.read_csv(data.sample_path(), index_col=0, parse_dates=True)  # the former sample()
    s = data.sample()
    pd.testing.assert_frame_equal(s, df)
    np.testing.assert_array_equal(s.to_numpy(), old.to_numpy(dtype=np.float64))
    assert list(s.index.strftime("%Y-%m-%d")) == list(old.index.strftime("%Y-%m-%d"))


def test_eurusd_hourly_facts() -> None:
    df = real("EURUSD.csv", "UTC")
    gaps = df.index.to_series().diff().dropna()
    assert (gaps > pd.Timedelta(hours=1)).sum() == 42
    assert gaps.max() == pd.Timedelta(days=3, hours=1)
    assert (df.high == df.low).sum() == 2
    # the weekly open is Sunday 21:00 (summer) or 22:00 (winter) UTC: the README's UTC inference
    week_open = df.index[1:][gaps.to_numpy() > pd.Timedelta(days=1)]
    sundays = week_open[week_open.day_of_week == 6]
    assert len(sundays) > 30 and set(sundays.hour) == {21, 22}


def test_btcusd_monthly_facts() -> None:
    df = real("BTCUSD.csv", "UTC")
    assert df.index.is_month_end.all()
    assert df.close.min() == 4.92 and df.close.max() == 97482
    assert (df.volume != df.volume.round()).any()  # fractional BTC volume


def test_backtrader_daily_index_file() -> None:
    df = real("2006-day-001.txt", "UTC")
    assert (df.volume == 0).all() and (df.open_interest == 0).all()
    assert df.open.iloc[0] == 3578.73 and df.close.iloc[-1] == 4119.94


def test_weekly_file_is_the_weekly_aggregate_of_the_daily_file() -> None:
    day, week = real("2006-day-001.txt", "UTC"), real("2006-week-001.txt", "UTC")
    key = day.index.tz_localize(None).to_period("W-FRI")
    g = day.groupby(key)
    agg = pd.DataFrame({"open": g.open.first(), "high": g.high.max(), "low": g.low.min(),
                        "close": g.close.last()})
    agg.index = pd.DatetimeIndex(day.index.to_series().groupby(key).last().to_numpy(), name="time")
    # stamped with the week's last trading day, first Open, max High, min Low, last Close
    pd.testing.assert_frame_equal(week[["open", "high", "low", "close"]], agg, check_freq=False)
    assert (week.volume == 0).all() and (week.open_interest == 0).all()


def test_five_minute_file_facts() -> None:
    df = real("2006-min-005.txt", BERLIN)
    local = df.index.tz_convert(BERLIN)
    days = pd.Series(local.time, index=local.date).groupby(level=0)
    assert days.ngroups == 21
    assert set(days.min()) == {pd.Timestamp("09:05").time()} and set(days.max()) == {pd.Timestamp("17:30").time()}
    assert (df.index.to_series().diff().dropna() > pd.Timedelta(minutes=5)).sum() == 20
    assert (df.volume == 0).all() and (df.open_interest == 0).all()


def test_one_minute_file_facts() -> None:
    df = real("2006-01-02-volume-min-001.txt", BERLIN)
    local = df.index.tz_convert(BERLIN)
    per_day = pd.Series(1, index=local.date).groupby(level=0).size()
    assert len(per_day) == 41 and per_day.min() == 584 and per_day.max() == 780
    assert local.time.min() == pd.Timestamp("09:01").time() and local.time.max() == pd.Timestamp("22:00").time()
    assert (df.index.to_series().diff().dropna() > pd.Timedelta(minutes=1)).sum() == 765
    assert (df.high == df.low).sum() == 5736
    assert (df.open_interest == 0).all()
    assert any("read as Date,Time,Open" in note for note in df.attrs["notes"])  # the short header
    assert (df[["open", "high", "low", "close"]] == df[["open", "high", "low", "close"]].round()).all().all()


def test_daily_futures_match_the_minute_file() -> None:
    day, minute = real("2006-volume-day-001.txt", "UTC"), real("2006-01-02-volume-min-001.txt", BERLIN)
    assert (day.volume > 0).all()
    # the README says open interest is nonzero on every row; the file has one 0, on 2006-01-13
    assert list(day.index[day.open_interest <= 0]) == [ts("2006-01-13")]
    # 09:01-22:00 Berlin is 08:01-21:00 UTC: the UTC date is the trading day
    g = minute.groupby(minute.index.floor("D"))
    agg = pd.DataFrame({"open": g.open.first(), "high": g.high.max(), "low": g.low.min(),
                        "close": g.close.last(), "volume": g.volume.sum()})
    common = agg.index.intersection(day.index)
    assert len(common) == 41
    same = (agg.loc[common, ["open", "high", "low", "close"]] == day.loc[common, ["open", "high", "low", "close"]])
    differs = common[~same.all(axis=1)]
    assert list(differs) == [ts("2006-02-06")]
    assert day.low[ts("2006-02-06")] == 3680 and agg.low[ts("2006-02-06")] == 3681
    ratio = agg.volume[common] / day.volume[common]
    assert ratio.median() == pytest.approx(1.0, abs=0.005)
    assert round(ratio.min(), 2) == 0.78  # the README's "min ratio 0.78" is minute sum / daily


def test_json_crypto_facts() -> None:
    df = real("UNITTEST_BTC-1m.json")
    gaps = df.index.to_series().diff().dropna()
    assert (gaps > pd.Timedelta(minutes=1)).sum() == 538 and gaps.max() == pd.Timedelta(minutes=8)
    assert (df.high == df.low).sum() == 1935
    # README: "prices are 0.0016-0.0037 BTC" (rounded: the lowest is 0.001578)
    assert df[["open", "high", "low", "close"]].stack().between(0.00155, 0.0037).all()
    assert (df.index.day_of_week >= 5).any()  # 24/7: weekend bars
    assert df.attrs["tz"] is None  # epoch ms are UTC; no tz= needed
    assert df.index[0] == pd.Timestamp(1509836520000, unit="ms", tz="UTC")


@pytest.mark.parametrize("name,start,end,min_close", [
    ("orcl-1995-2014.txt", 0.889, 0.941, 2.061728),
    ("nvda-1999-2014.txt", 0.926, 0.969, 1.364583),
    ("yhoo-1996-2014.txt", 1.0, 1.0, 0.65625),
])
def test_yahoo_adj_close_kept_and_adjust(name: str, start: float, end: float, min_close: float) -> None:
    raw = real(name, "UTC")
    ratio = raw.adj_close / raw.close
    assert ratio.iloc[0] == pytest.approx(start, abs=5e-4) and ratio.iloc[-1] == pytest.approx(end, abs=5e-4)
    assert raw.close.min() == min_close
    if name.startswith("yhoo"):
        assert (raw.adj_close == raw.close).all()
    adj = real(name, "UTC", adjust=True)
    assert adj.attrs["adjusted"] is True and raw.attrs["adjusted"] is False
    np.testing.assert_allclose(adj.close, raw.adj_close, rtol=1e-15, atol=0)
    for col in ("open", "high", "low"):
        np.testing.assert_allclose(adj[col], raw[col] * ratio, rtol=1e-15, atol=0)
    pd.testing.assert_series_equal(adj.volume, raw.volume)
    pd.testing.assert_series_equal(adj.adj_close, raw.adj_close)
    if start != 1.0:
        assert adj.close.iloc[0] != raw.close.iloc[0]
    assert (adj.low <= adj[["open", "close"]].min(axis=1)).all()
    assert (adj[["open", "close"]].max(axis=1) <= adj.high).all()


def test_adjust_without_adj_close_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as exc:
        data.load(DATA / "GOOG.csv", tz="UTC", adjust=True)
    assert exc.value.fields == ["adjust"]


# =========================================================================== time


@pytest.mark.parametrize("name", TEXT_FILES)
def test_naive_timestamps_need_tz(name: str) -> None:
    with pytest.raises(DataError, match=r"naive.*tz= is required"):
        data.load(DATA / name)


def test_tz_applies_to_intraday_times() -> None:
    utc = real("2006-min-005.txt", "UTC")
    local = real("2006-min-005.txt", BERLIN)
    assert (utc.index - local.index == pd.Timedelta(hours=1)).all()  # January: CET = UTC+1
    summer = load_text("Date,Time,Open,High,Low,Close,Volume\n2006-07-03,09:05:00,1,2,0.5,1,0\n", tz=BERLIN)
    assert summer.index[0] == ts("2006-07-03 07:05")  # CEST = UTC+2
    # intraday stamps that include midnights are still local times
    hourly = load_text("time,open,high,low,close,volume\n2024-01-01 00:00,1,2,0.5,1,0\n"
                       "2024-01-01 12:00,1,2,0.5,1,0\n2024-01-02 00:00,1,2,0.5,1,0\n", tz="America/New_York")
    assert list(hourly.index) == [ts("2024-01-01 05:00"), ts("2024-01-01 17:00"), ts("2024-01-02 05:00")]
    assert not any("are dates" in note for note in hourly.attrs["notes"])


@pytest.mark.parametrize("name", ["2006-day-001.txt", "2006-week-001.txt", "BTCUSD.csv", "GOOG.csv"])
@pytest.mark.parametrize("tz", [BERLIN, "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe"])
def test_dates_keep_their_date_whatever_tz(name: str, tz: str) -> None:
    # daily, weekly and monthly bars: 00:00 UTC of the date in the file, not local midnight in UTC
    # (New York daily bars used to come out at 04:00 or 05:00 UTC by season)
    df = real(name, tz)
    expected = real(name, "UTC")
    pd.testing.assert_index_equal(df.index, expected.index)
    assert (df.index == df.index.normalize()).all()
    assert df.attrs["tz"] == tz and any("00:00 UTC of its date" in note for note in df.attrs["notes"])


def test_a_single_date_and_dates_written_with_midnight_times() -> None:
    ny = load_text("Date,Open,High,Low,Close,Volume\n2006-07-03,1,2,0.5,1,0\n", tz="America/New_York")
    assert ny.index[0] == ts("2006-07-03")
    written = load_text("time,open,high,low,close,volume\n2006-07-03 00:00:00,1,2,0.5,1,0\n"
                        "2006-07-04 00:00:00,1,2,0.5,1,0\n", tz="Asia/Tokyo")
    assert list(written.index) == [ts("2006-07-03"), ts("2006-07-04")]
    # a date whose local midnight does not exist (Sao Paulo's DST began at midnight) is still a date
    gap = load_text("date,open,high,low,close,volume\n2018-11-02,1,2,0.5,1,0\n2018-11-05,1,2,0.5,1,0\n",
                    tz="America/Sao_Paulo")
    assert list(gap.index) == [ts("2018-11-02"), ts("2018-11-05")]


def test_timestamps_with_offsets_need_no_tz() -> None:
    text = "time,open,high,low,close,volume\n2020-01-01T10:00:00+02:00,1,2,0.5,1,3\n2020-01-01T09:00:00Z,1,2,0.5,1,3\n"
    df = data.load(io.StringIO(text))
    assert list(df.index) == [ts("2020-01-01 08:00"), ts("2020-01-01 09:00")]
    again = data.load(io.StringIO(text), tz=BERLIN)  # an offset wins over tz=, and that is noted
    pd.testing.assert_frame_equal(df, again)
    assert any("tz= not used" in note for note in again.attrs["notes"])


def test_dst_fall_back_is_inferred_and_spring_gap_reported() -> None:
    fall = "time,open,high,low,close,volume\n" + "".join(
        f"2021-10-31 {t},1,2,0.5,1,0\n" for t in ("01:30", "02:00", "02:30", "02:00", "02:30", "03:00"))
    df = load_text(fall, tz=BERLIN)
    assert df.index.is_monotonic_increasing and df.index.is_unique
    assert df.index[1] == ts("2021-10-31 00:00") and df.index[3] == ts("2021-10-31 01:00")
    spring = "time,open,high,low,close,volume\n2021-03-28 01:30,1,2,0.5,1,0\n2021-03-28 02:30,1,2,0.5,1,0\n"
    with pytest.raises(DataError) as exc:
        load_text(spring, tz=BERLIN)
    (p,) = problems_of(exc)
    assert p["row"] == 2 and p["line"] == 3 and "does not exist" in p["message"]


_TZ_SCRIPT = """
import sys, time, hashlib
time.tzset()
from threadx import data
out = []
for name, tz in [("2006-min-005.txt", "Europe/Berlin"), ("GOOG.csv", "UTC"), ("EURUSD.csv", "UTC"),
                 ("UNITTEST_BTC-1m.json", None)]:
    df = data.load(sys.argv[1] + "/" + name, tz=tz)
    out.append(hashlib.sha256(df.index.asi8.tobytes()).hexdigest())
print(time.tzname[0], *out)
"""


def test_same_utc_index_whatever_the_process_timezone() -> None:
    zones = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
    procs = [subprocess.Popen([sys.executable, "-c", _TZ_SCRIPT, str(DATA)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "TZ": z}) for z in zones]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(out.split())
    assert len({r[0] for r in results}) == len(zones)  # the zones really differed
    assert len({tuple(r[1:]) for r in results}) == 1
    import hashlib
    here = [hashlib.sha256(real(n, tz).index.asi8.tobytes()).hexdigest()
            for n, tz in [("2006-min-005.txt", BERLIN), ("GOOG.csv", "UTC"), ("EURUSD.csv", "UTC"),
                          ("UNITTEST_BTC-1m.json", None)]]
    assert results[0][1:] == here


def test_label_is_recorded_and_stamps_not_shifted() -> None:
    opened = real("2006-min-005.txt", BERLIN)
    closed = real("2006-min-005.txt", BERLIN, label="close")
    assert opened.attrs["label"] == "open" and closed.attrs["label"] == "close"
    pd.testing.assert_frame_equal(opened, closed)  # the index is the file's stamps, in UTC
    assert closed.index[0] == ts("2006-01-02 08:05")


# =========================================================================== layouts and formats

ROWS = [("2020-01-02", 1, 2, 0.5, 1.5, 10), ("2020-01-03", 1.5, 3, 1, 2.5, 20)]
EXPECTED = pd.DataFrame({"open": [1.0, 1.5], "high": [2.0, 3.0], "low": [0.5, 1.0], "close": [1.5, 2.5],
                         "volume": [10.0, 20.0]},
                        index=pd.DatetimeIndex([ts("2020-01-02"), ts("2020-01-03")], name="time").as_unit("ns"))


def _lines(sep: str = ",", header: str | None = "Date,Open,High,Low,Close,Volume") -> list[str]:
    out = [] if header is None else [header.replace(",", sep)]
    return out + [sep.join(str(v) for v in r) for r in ROWS]


@pytest.mark.parametrize("text", [
    "\n".join(_lines()) + "\n",
    "\r\n".join(_lines()) + "\r\n",                          # CRLF
    "\r".join(_lines()),                                     # old Mac CR, no final newline
    "\n".join(_lines(";")) + "\n",                           # ';'
    "\n".join(_lines("\t")),                                 # tab
    "\n".join(_lines(header=None)) + "\n",                   # no header: by position
    "\n".join(_lines(";", header=None)) + "\n",              # ';' and no header
    "\n".join(_lines(header=",Open,High,Low,Close,Volume")),  # unnamed first column
    "\ufeff" + "\n".join(_lines()) + "\n\n\n",               # BOM, trailing blank lines
    "\n".join(_lines(header="Timestamp,OPEN,HIGH,LOW,CLOSE,VOLUME")),
    "\n".join(["Date,Time,Open,High,Low,Close,Volume"] +
              [f"{r[0]},00:00:00," + ",".join(str(v) for v in r[1:]) for r in ROWS]),
    "\n".join(["Date,Open,High,Low,Close,Volume"] +         # header one name short: Date,Time
              [f"{r[0]},00:00:00," + ",".join(str(v) for v in r[1:]) for r in ROWS]),
    "\n".join(f"{r[0]};00:00;" + ";".join(str(v) for v in r[1:]) for r in ROWS),  # headerless date;time
    "\n".join(_lines()).replace("2020-01-02", "2020/01/02").replace("2020-01-03", "2020/01/03"),
    "\n".join(_lines()).replace("2020-01-02", "02.01.2020").replace("2020-01-03", "03.01.2020"),
    "time,open,high,low,close,volume\n1577923200,1,2,0.5,1.5,10\n1578009600,1.5,3,1,2.5,20\n",  # epoch s
    "time,open,high,low,close,volume\n1577923200000,1,2,0.5,1.5,10\n1578009600000,1.5,3,1,2.5,20\n",
], ids=["lf", "crlf", "cr", "semicolon", "tab", "headerless", "semicolon-headerless", "unnamed-date",
        "bom", "uppercase", "date-time", "short-header", "headerless-date-time", "slashes", "dots",
        "epoch-s", "epoch-ms"])
def test_csv_layouts(text: str) -> None:
    df = load_text(text)
    pd.testing.assert_frame_equal(df, EXPECTED)


def test_day_month_order() -> None:
    row = ",1,2,0.5,1.5,10\n"
    with pytest.raises(DataError, match="ambiguous dates"):
        load_text("date,open,high,low,close,volume\n01/02/2020" + row + "03/04/2020" + row)
    df = load_text("date,open,high,low,close,volume\n01/02/2020" + row + "13/02/2020" + row)
    assert list(df.index) == [ts("2020-02-01"), ts("2020-02-13")]  # 13 can only be a day
    df = load_text("date,open,high,low,close,volume\n01/02/2020" + row + "02/13/2020" + row)
    assert list(df.index) == [ts("2020-01-02"), ts("2020-02-13")]


def test_buffers_bytes_and_format_override(tmp_path: Path) -> None:
    text = "\n".join(_lines()) + "\n"
    pd.testing.assert_frame_equal(data.load(io.BytesIO(text.encode()), tz="UTC"), EXPECTED)
    pd.testing.assert_frame_equal(data.load(text.encode(), tz="UTC"), EXPECTED)
    p = tmp_path / "bars.dat"
    p.write_text(json.dumps([[1577923200000, 1, 2, 0.5, 1.5, 10], [1578009600000, 1.5, 3, 1, 2.5, 20]]))
    pd.testing.assert_frame_equal(data.load(p), EXPECTED)
    pd.testing.assert_frame_equal(data.load(p, format="json"), EXPECTED)
    with pytest.raises(DataError):
        data.load(p, format="csv", tz="UTC")  # a JSON array read as CSV has no usable columns


@requires_pyarrow
def test_format_override_to_parquet(tmp_path: Path) -> None:
    p = tmp_path / "bars.dat"
    p.write_text(json.dumps([[1577923200000, 1, 2, 0.5, 1.5, 10]]))
    with pytest.raises(DataError, match="Parquet"):
        data.load(p, format="parquet")


def test_json_records_and_extra_fields() -> None:
    recs = [{"date": "2020-01-02", "open": 1, "high": 2, "low": 0.5, "close": 1.5, "volume": 10},
            {"date": "2020-01-03", "open": 1.5, "high": 3, "low": 1, "close": 2.5, "volume": 20}]
    pd.testing.assert_frame_equal(data.load(json.dumps(recs).encode(), tz="UTC"), EXPECTED)
    wide = json.dumps([[1577923200000, 1, 2, 0.5, 1.5, 10, 7], [1578009600000, 1.5, 3, 1, 2.5, 20, 8]])
    df = data.load(wide.encode())
    assert list(df.columns) == ["open", "high", "low", "close", "volume", "field_7"]
    assert list(df.field_7) == [7.0, 8.0]
    five = data.load(json.dumps([[1577923200000, 1, 2, 0.5, 1.5], [1578009600000, 1.5, 3, 1, 2.5]]).encode())
    assert five.volume.isna().all() and list(five.close) == [1.5, 2.5]


def test_columns_mapping_and_names() -> None:
    text = "Stamp,Px Open,Px High,Px Low,Px Last,Qty,OpenInterest,Adj Close,Symbol\n" \
           "2020-01-02,1,2,0.5,1.5,10,5,1.4,ABC\n2020-01-03,1.5,3,1,2.5,20,6,2.4,ABC\n"
    mapping = {"Stamp": "time", "Px Open": "open", "Px High": "high", "Px Low": "low", "Px Last": "close",
               "Qty": "volume"}
    df = load_text(text, columns=mapping)
    assert list(df.columns) == ["open", "high", "low", "close", "volume", "open_interest", "adj_close", "symbol"]
    pd.testing.assert_frame_equal(df[["open", "high", "low", "close", "volume"]], EXPECTED)
    assert list(df.symbol) == ["ABC", "ABC"]  # a text column is kept as text
    with pytest.raises(DataError, match="no timestamp column"):
        load_text(text)  # without the mapping there is no timestamp and no open/high/low/close
    with pytest.raises(DataError, match=r"missing column\(s\) \['open', 'high', 'low', 'close'\]"):
        load_text(text, columns={"Stamp": "time"})
    with pytest.raises(ValidationError) as exc:
        load_text(text, columns={**mapping, "Nope": "close"})
    assert exc.value.fields == ["columns"] and "Nope" in str(exc.value)
    headerless = "2020-01-02,10,1,2,0.5,1.5\n2020-01-03,20,1.5,3,1,2.5\n"
    df = load_text(headerless, columns={1: "volume", 2: "open", 3: "high", 4: "low", 5: "close"})
    pd.testing.assert_frame_equal(df, EXPECTED)


def test_missing_volume_is_nan_and_noted() -> None:
    df = load_text("date,open,high,low,close\n2020-01-02,1,2,0.5,1.5\n")
    assert np.isnan(df.volume.iloc[0]) and any("no volume" in n for n in df.attrs["notes"])


def test_unreadable_sources() -> None:
    with pytest.raises(DataError, match="empty"):
        load_text("")
    with pytest.raises(DataError, match="no data rows"):
        load_text("Date,Open,High,Low,Close,Volume\n")
    with pytest.raises(DataError, match="timestamp"):
        load_text("Open,High,Low,Close,Volume\n1,2,0.5,1.5,10\n")
    with pytest.raises(DataError, match="JSON"):
        data.load(b"[[1, 2,", format="json")
    with pytest.raises(DataError, match="cannot read the timestamps"):
        load_text("time,open,high,low,close,volume\nmonday,1,2,0.5,1.5,10\n")


# =========================================================================== validation

HEADER = "Date,Open,High,Low,Close,Volume\n"
GOOD = ["2020-01-01,1,2,0.5,1.5,10", "2020-01-02,1,2,0.5,1.5,10", "2020-01-03,1,2,0.5,1.5,10",
        "2020-01-04,1,2,0.5,1.5,10"]


def with_row(k: int, row: str) -> str:
    """GOOD with data row k (1-based) replaced."""
    rows = list(GOOD)
    rows[k - 1] = row
    return HEADER + "\n".join(rows) + "\n"


@pytest.mark.parametrize("row,rule,column", [
    ("2020-01-03,1,2,0.5,abc,10", "unparseable", "close"),
    ("2020-01-03,1,2,0.5,1.5,1e", "unparseable", "volume"),
    ("2020-13-03,1,2,0.5,1.5,10", "unparseable", "date"),
    ("2020-01-03,1,2,0.5,1.5", "unparseable", None),            # a field short
    ("2020-01-03,1,2,0.5,1.5,10,99", "unparseable", None),      # a field too many
    ("2020-01-03,1,2,0.5,,10", "nan", "close"),
    ("2020-01-03,NaN,2,0.5,1.5,10", "nan", "open"),
    ("2020-01-03,1,2,0.5,inf,10", "nan", "close"),
    ("2020-01-03,1,2,1.2,1.5,10", "ohlc", None),                 # low > open
    ("2020-01-03,1,1.4,0.5,1.5,10", "ohlc", None),               # high < close
    ("2020-01-03,1,2,2.5,1.5,10", "ohlc", None),                 # low > high
    ("2020-01-03,1,2,0.5,1.5,-1", "negative", "volume"),
    ("2020-01-03,-1,2,-2,-1.5,10", "negative", "open"),
    ("2020-01-02,1,2,0.5,1.5,10", "duplicate", "time"),
    ("2020-01-01 12:00,1,2,0.5,1.5,10", "unsorted", "time"),
])
def test_each_rule(row: str, rule: str, column: str | None) -> None:
    text = with_row(3, row)
    with pytest.raises(DataError) as exc:
        load_text(text)
    probs = problems_of(exc)
    assert {p["rule"] for p in probs} == {rule}
    p = probs[0]
    assert p["row"] == 3 and p["line"] == 4 and p["column"] == column
    assert "row 3 (line 4)" in str(exc.value)
    assert "1-based" in str(exc.value)
    assert len(load_text(with_row(3, GOOD[2]))) == 4  # the same file without the bad row loads


def test_all_problems_reported_together() -> None:
    rows = [
        "2020-01-01,1,2,0.5,1.5,10",    # 1 ok
        "2020-01-02,1,2,0.5,abc,10",    # 2 unparseable
        "2020-01-03,1,2,0.5,,10",       # 3 NaN price
        "2020-01-04,1,2,1.2,1.5,10",    # 4 ohlc
        "2020-01-05,1,2,0.5,1.5,-3",    # 5 negative volume
        "2020-01-05,1,2,0.5,1.5,10",    # 6 duplicate of 5
        "2020-01-04 12:00,1,2,0.5,1.5,10",  # 7 out of order
        "2020-01-08,1,2,0.5,1.5,10",    # 8 ok
    ]
    with pytest.raises(DataError) as exc:
        load_text(HEADER + "\n".join(rows))
    got = {(p["row"], p["rule"]) for p in problems_of(exc)}
    assert got == {(2, "unparseable"), (3, "nan"), (4, "ohlc"), (5, "negative"), (6, "duplicate"),
                   (7, "unsorted")}
    assert all(p["line"] == p["row"] + 1 for p in problems_of(exc))
    msg = str(exc.value)
    assert msg.startswith("<StringIO>: 6 problems")
    for r in (2, 3, 4, 5, 6, 7):
        assert f"row {r} (line {r + 1})" in msg


def test_many_problems_listed_in_full_on_the_exception() -> None:
    rows = [f"2020-01-{d:02d},1,2,0.5,x,10" for d in range(1, 29)] + \
           [f"2020-02-{d:02d},1,2,0.5,1.5,-1" for d in range(1, 29)]
    with pytest.raises(DataError) as exc:
        load_text(HEADER + "\n".join(rows))
    assert len(problems_of(exc)) == 56
    assert "and 26 more" in str(exc.value)


def test_json_problems_have_row_numbers_without_lines() -> None:
    bars: list[Any] = [[1577923200000, 1, 2, 0.5, 1.5, 10], [1578009600000, 1, 2, 0.5, None, 10],
                       [1578096000000, 1, 2, 0.5], ["x", 1, 2, 0.5, 1.5, 10], [1578268800000, 1, 2, 3, 1.5, 10]]
    with pytest.raises(DataError) as exc:
        data.load(json.dumps(bars).encode())
    got = {(p["row"], p["rule"], p["line"]) for p in problems_of(exc)}
    assert got == {(2, "nan", None), (3, "unparseable", None), (4, "unparseable", None), (5, "ohlc", None)}
    assert "row = data row, 1-based" in str(exc.value) and "(line" not in str(exc.value)


# =========================================================================== policies

MESSY = HEADER + "\n".join([
    "2020-01-01,1,2,0.5,1.5,10",   # 1
    "2020-01-03,1,2,0.5,1.5,30",   # 2
    "2020-01-02,1,2,0.5,1.5,20",   # 3 out of order
    "2020-01-03,1,2,0.5,1.5,31",   # 4 duplicate of 2
    "2020-01-04,1,2,0.5,x,40",     # 5 invalid
    "2020-01-05,1,2,0.5,1.5,50",   # 6
]) + "\n"


def test_policies_each_repair_recorded() -> None:
    df = load_text(MESSY, on_unsorted="sort", on_duplicate="drop", on_invalid="drop")
    assert list(df.index) == [ts(f"2020-01-0{d}") for d in (1, 2, 3, 5)]
    assert list(df.volume) == [10, 20, 30, 50]  # the first 2020-01-03 (row 2) kept
    repairs = {r["action"]: r for r in df.attrs["repairs"]}
    assert repairs["drop_invalid"]["rows"] == [5]
    assert repairs["drop_invalid"]["problems"][0]["column"] == "close"
    assert repairs["drop_duplicate"]["rows"] == [4] and repairs["drop_duplicate"]["kept"] == [2]
    assert repairs["sort"]["rows_out_of_order"] == [3]
    dropped = len(repairs["drop_invalid"]["rows"]) + len(repairs["drop_duplicate"]["rows"])
    assert len(df) + dropped == 6  # nothing dropped without a record


@pytest.mark.parametrize("policy,remaining", [
    ({"on_unsorted": "sort"}, {"duplicate", "unparseable"}),
    ({"on_duplicate": "drop"}, {"unsorted", "unparseable"}),
    ({"on_invalid": "drop"}, {"unsorted", "duplicate"}),
    ({"on_unsorted": "sort", "on_duplicate": "drop"}, {"unparseable"}),
    ({"on_duplicate": "drop", "on_invalid": "drop"}, {"unsorted"}),
])
def test_each_policy_only_repairs_its_rule(policy: dict[str, str], remaining: set[str]) -> None:
    with pytest.raises(DataError) as exc:
        load_text(MESSY, **policy)
    assert {p["rule"] for p in problems_of(exc)} == remaining


def test_sort_alone_and_drop_duplicates_alone() -> None:
    text = HEADER + "2020-01-02,1,2,0.5,1.5,2\n2020-01-01,1,2,0.5,1.5,1\n2020-01-03,1,2,0.5,1.5,3\n"
    df = load_text(text, on_unsorted="sort")
    assert list(df.volume) == [1, 2, 3] and df.attrs["repairs"] == [{"action": "sort", "rows_out_of_order": [2]}]
    text = HEADER + "2020-01-01,1,2,0.5,1.5,1\n2020-01-01,1,2,0.5,1.5,9\n2020-01-02,1,2,0.5,1.5,2\n"
    df = load_text(text, on_duplicate="drop")
    assert list(df.volume) == [1, 2]
    assert df.attrs["repairs"] == [{"action": "drop_duplicate", "rows": [2], "kept": [1]}]


def test_a_dropped_invalid_row_does_not_count_as_a_duplicate() -> None:
    text = HEADER + "2020-01-01,1,2,0.5,x,1\n2020-01-01,1,2,0.5,1.5,2\n"
    df = load_text(text, on_invalid="drop")  # on_duplicate="raise" and yet no duplicate remains
    assert list(df.volume) == [2]


# =========================================================================== arguments


def test_bad_arguments_reported_together(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as exc:
        data.load(tmp_path / "missing.csv", format="xml", tz="Mars/Olympus", label="middle", columns=["a"],
                  adjust="yes", on_unsorted="drop", on_duplicate="sort", on_invalid=None)
    assert exc.value.fields == ["path_or_buffer", "format", "tz", "label", "columns", "adjust",
                                "on_unsorted", "on_duplicate", "on_invalid"]


@pytest.mark.parametrize("kw,field", [
    ({"on_unsorted": "drop"}, "on_unsorted"), ({"on_duplicate": "keep"}, "on_duplicate"),
    ({"on_invalid": "sort"}, "on_invalid"), ({"label": "mid"}, "label"), ({"tz": "Nowhere/City"}, "tz"),
    ({"tz": 5}, "tz"), ({"format": "xlsx"}, "format"), ({"columns": {"Date": 3}}, "columns"),
])
def test_each_bad_argument(kw: dict[str, Any], field: str) -> None:
    kw.setdefault("tz", "UTC")
    with pytest.raises(ValidationError) as exc:
        data.load(io.StringIO("\n".join(_lines())), **kw)
    assert exc.value.fields == [field]


def test_bad_source_type() -> None:
    with pytest.raises(ValidationError) as exc:
        data.load(12345, tz="UTC")
    assert exc.value.fields == ["path_or_buffer"]


# =========================================================================== Parquet


@pytest.mark.parametrize("name,tz,kw", [
    ("2006-min-005.txt", BERLIN, {"label": "close"}),
    ("orcl-1995-2014.txt", "UTC", {"adjust": True}),
    ("UNITTEST_BTC-1m.json", None, {}),
])
@requires_pyarrow
def test_parquet_round_trip(tmp_path: Path, name: str, tz: str | None, kw: dict[str, Any]) -> None:
    df = data.load(DATA / name, tz=tz, **kw)
    path = tmp_path / "bars.parquet"
    data.save(df, path)
    back = data.load(path)
    pd.testing.assert_frame_equal(back, df, check_exact=True)
    assert back.attrs["label"] == df.attrs["label"] and back.attrs["adjusted"] == df.attrs["adjusted"]
    assert data.load(path, label="open").attrs["label"] == "open"  # an explicit label wins
    with open(path, "rb") as fh:
        pd.testing.assert_frame_equal(data.load(fh), df, check_exact=True)


@requires_pyarrow
def test_parquet_from_other_writers(tmp_path: Path) -> None:
    naive = EXPECTED.tz_localize(None)
    path = tmp_path / "naive.parquet"
    naive.to_parquet(path)
    with pytest.raises(DataError, match="naive"):
        data.load(path)
    pd.testing.assert_frame_equal(data.load(path, tz="UTC"), EXPECTED)
    flat = tmp_path / "flat.parquet"
    frame = EXPECTED.reset_index().rename(columns={"time": "Date", "close": "Close"})
    frame.to_parquet(flat, index=False)
    pd.testing.assert_frame_equal(data.load(flat), EXPECTED)
    bad = EXPECTED.copy()
    bad.iloc[1, 2] = 5.0  # low above high
    bad_path = tmp_path / "bad.parquet"
    data.save(bad, bad_path)
    with pytest.raises(DataError) as exc:
        data.load(bad_path)
    assert [(p["row"], p["rule"], p["line"]) for p in problems_of(exc)] == [(2, "ohlc", None)]


def test_save_rejects_what_it_cannot_round_trip(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as exc:
        data.save(EXPECTED.tz_localize(None), tmp_path / "x.parquet")
    assert exc.value.fields == ["df"]
    with pytest.raises(ValidationError) as exc:
        data.save([1, 2], 3)  # type: ignore[arg-type]
    assert exc.value.fields == ["df", "path"]


def test_bundled_samples() -> None:
    """GOOG (the default) and three symbols on the same days, for multi-symbol examples."""
    assert data.sample().index[0] == pd.Timestamp("2004-08-19", tz="UTC")
    three = {s: data.sample(s) for s in ("NVDA", "ORCL", "YHOO")}
    assert all(len(f) == 754 and f.index.equals(three["NVDA"].index) for f in three.values())
    assert list(three["ORCL"].columns[:5]) == ["open", "high", "low", "close", "volume"]
    with pytest.raises(ValidationError, match="GOOG, NVDA, ORCL, YHOO"):
        data.sample("MSFT")
