"""threadx.backtest.run: validation, hand-made fills, no look-ahead, 2-D == columns, threads, cancel."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import backtest
from threadx.errors import CancelledError, ValidationError


def random_bars(n: int, seed: int = 0, with_index: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[close[0], close[:-1]] * np.exp(rng.normal(0, 0.003, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.006, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.006, n)))
    index = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC") if with_index else pd.RangeIndex(n)
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close}, index=index)


def bars(rows: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["open", "high", "low", "close"])


def flags(n: int, *on: int) -> np.ndarray:
    a = np.zeros(n, dtype=bool)
    a[list(on)] = True
    return a


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"fees": 1.0}, "fees"), ({"fees": -0.1}, "fees"), ({"slippage": 1.5}, "slippage"),
        ({"fixed_fees": -1}, "fixed_fees"), ({"leverage": 0}, "leverage"), ({"leverage": 11}, "leverage"),
        ({"init_cash": 0}, "init_cash"), ({"init_cash": float("nan")}, "init_cash"),
        ({"sl_stop": 0}, "sl_stop"), ({"sl_stop": 1.0}, "sl_stop"), ({"tp_stop": -0.1}, "tp_stop"),
        ({"tsl_stop": 2}, "tsl_stop"), ({"size": 1.5}, "size"), ({"size": 0}, "size"),
        ({"size_type": "lots"}, "size_type"), ({"execution": "vwap"}, "execution"),
        ({"order_type": "iceberg"}, "order_type"), ({"intrabar": "random"}, "intrabar"),
        ({"expiry": 0}, "expiry"), ({"expiry": "soon"}, "expiry"), ({"fractional": "yes"}, "fractional"),
        ({"order_type": "limit"}, "limit_price"), ({"order_type": "stop"}, "stop_price"),
        ({"size_type": "units"}, "size"), ({"periods_per_year": -1}, "periods_per_year"),
        ({"start": "2024-01-03T00:00+00:00", "end": "2024-01-02T00:00+00:00"}, "end"),
    ],
)
def test_bad_parameters_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    df = random_bars(50)
    with pytest.raises(ValidationError) as exc:
        backtest.run(df, entries=flags(50, 3), **kwargs)
    assert field in exc.value.fields, exc.value


def test_every_bad_field_at_once() -> None:
    df = random_bars(20)
    with pytest.raises(ValidationError) as exc:
        backtest.run(df, entries=np.ones(19, bool), fees=2, leverage=-1, sl_stop=0)
    assert exc.value.fields == ["entries", "fees", "leverage", "sl_stop"]


@pytest.mark.parametrize(
    ("row", "message"),
    [((1.0, 0.9, 0.8, 1.0), "high"), ((1.0, 1.2, 1.1, 1.0), "low"), ((np.nan, 1, 1, 1), "finite"),
     ((0.0, 1, 0, 1), "> 0")],
)
def test_bad_bars_name_the_first_bad_bar(row: tuple[float, ...], message: str) -> None:
    df = bars([(1, 1, 1, 1), row, (1, 1, 1, 1)])
    with pytest.raises(ValidationError, match=message) as exc:
        backtest.run(df, entries=flags(3, 0))
    assert exc.value.errors[0]["value"] == "bar 1"


def test_timedelta_expiry_needs_timestamps_and_signals_need_booleans() -> None:
    with pytest.raises(ValidationError) as exc:
        backtest.run(random_bars(10, with_index=False), entries=np.ones(10), expiry=pd.Timedelta("1h"))
    assert exc.value.fields == ["entries", "expiry"]


# ---------------------------------------------------------------- fills by hand
def test_market_orders_fill_at_next_open_or_signal_close() -> None:
    df = bars([(10, 11, 9, 10), (12, 13, 11, 12), (14, 15, 13, 14), (16, 17, 15, 16)])
    r = backtest.run(df, entries=flags(4, 0), exits=flags(4, 1), init_cash=100)
    t = r.trades.iloc[0]
    assert (t.entry_bar, t.entry_price, t.exit_bar, t.exit_price, t["size"]) == (1, 12, 2, 14, 8)
    assert r.equity.tolist() == [100, 100, 116, 116]
    r = backtest.run(df, entries=flags(4, 0), exits=flags(4, 1), init_cash=100, execution="close")
    t = r.trades.iloc[0]
    assert (t.entry_bar, t.entry_price, t.exit_bar, t.exit_price, t["size"]) == (0, 10, 1, 12, 10)


def test_fees_fixed_fees_and_slippage() -> None:
    df = bars([(10, 11, 9, 10), (10, 11, 9, 10), (20, 21, 19, 20), (20, 21, 19, 20)])
    r = backtest.run(df, entries=flags(4, 0), exits=flags(4, 1), init_cash=1000, fees=0.01, fixed_fees=1,
                     slippage=0.1)
    o = r.orders
    buy, sell = o.iloc[0], o.iloc[1]
    assert buy.fill_price == pytest.approx(11) and sell.fill_price == pytest.approx(18)
    units = np.floor((1000 - 1) / (11 * 1.01))
    assert buy["size"] == units and buy.fees == pytest.approx(0.01 * units * 11 + 1)
    assert r.trades.pnl.iloc[0] == pytest.approx(units * (18 - 11) - buy.fees - sell.fees)
    assert r.equity.iloc[-1] == pytest.approx(1000 + r.trades.pnl.iloc[0])


def test_stop_loss_beats_take_profit_in_one_bar_and_gaps_fill_at_the_open() -> None:
    df = bars([(100, 100, 100, 100), (100, 101, 99, 100), (100, 120, 80, 100), (100, 100, 100, 100)])
    r = backtest.run(df, entries=flags(4, 0), sl_stop=0.1, tp_stop=0.1, init_cash=1000)
    t = r.trades.iloc[0]
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (2, 90, "stop_loss")
    for path, reason, price in (("ohlc", "take_profit", 110), ("olhc", "stop_loss", 90),
                                ("nearest", "take_profit", 110)):
        t = backtest.run(df, entries=flags(4, 0), sl_stop=0.1, tp_stop=0.1, init_cash=1000, intrabar=path).trades
        assert (t.exit_reason.iloc[0], t.exit_price.iloc[0]) == (reason, pytest.approx(price)), path
    gap = bars([(100, 100, 100, 100), (100, 101, 99, 100), (70, 75, 60, 72), (72, 72, 72, 72)])
    t = backtest.run(gap, entries=flags(4, 0), sl_stop=0.1, init_cash=1000).trades.iloc[0]
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (2, 70, "stop_loss")


def test_trailing_stop_follows_the_high_of_finished_bars() -> None:
    df = bars([(100, 100, 100, 100), (100, 110, 100, 110), (110, 120, 110, 120), (120, 120, 107, 110),
               (110, 110, 110, 110)])
    t = backtest.run(df, entries=flags(5, 0), tsl_stop=0.1, init_cash=1000).trades.iloc[0]
    # peak 120 after bar 2 -> stop 108, hit in bar 3
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (3, pytest.approx(108), "trailing_stop")


def test_limit_entry_expiry_and_replacement() -> None:
    df = bars([(100, 100, 100, 100), (100, 101, 99, 100), (100, 101, 98, 99), (99, 100, 94, 95),
               (95, 96, 94, 95)])
    limit = np.full(5, 95.0)
    r = backtest.run(df, entries=flags(5, 0), order_type="limit", limit_price=limit, expiry=2, init_cash=1000)
    o = r.orders
    assert o.status.tolist() == ["expired"] and o.reason.tolist() == ["expiry"] and o.fill_bar.iloc[0] == 2
    r = backtest.run(df, entries=flags(5, 0), order_type="limit", limit_price=limit, expiry=3, init_cash=1000,
                     close_at_end=False)
    o = r.orders
    assert (o.status.iloc[0], o.fill_bar.iloc[0], o.fill_price.iloc[0]) == ("filled", 3, 95)
    r = backtest.run(df, entries=flags(5, 0, 1), order_type="limit", limit_price=limit, init_cash=1000,
                     close_at_end=False)
    assert r.orders.reason.tolist() == ["replaced", "limit"]
    r = backtest.run(random_bars(6), entries=flags(6, 0), order_type="limit", limit_price=1.0,
                     expiry=pd.Timedelta("2h"))
    assert r.orders.status.tolist() == ["expired"] and r.orders.fill_bar.iloc[0] == 2


@pytest.mark.parametrize("order_type", ["market", "limit", "stop"])
def test_a_reversal_on_the_last_bar_does_not_happen(order_type: str) -> None:
    # docs/backtest.md: its closing half is never sent, so no entry is placed either
    df = bars([(10, 11, 9, 10)] * 4)
    res = backtest.run(df, entries=flags(4, 0), short_entries=flags(4, 3), order_type=order_type,
                       limit_price=10.0, stop_price=10.0, init_cash=1000)
    o = res.orders
    assert list(zip(o.side, o.reason, o.placed_bar)) == [("buy", o.reason.iloc[0], 0), ("sell", "end_of_data", 3)]
    assert (o.status == "filled").all() and res.position.iloc[-2] > 0 and res.position.iloc[-1] == 0


def test_stop_limit_and_stop_entry_with_same_bar_take_profit() -> None:
    df = bars([(100, 100, 100, 100), (100, 106, 99, 105), (105, 106, 104, 105), (105, 105, 105, 105)])
    r = backtest.run(df, entries=flags(4, 0), order_type="stop", stop_price=102.0, tp_stop=0.03,
                     init_cash=1000)
    t = r.trades.iloc[0]
    assert (t.entry_bar, t.entry_price, t.exit_bar, t.exit_reason) == (1, 102, 1, "take_profit")
    assert t.exit_price == pytest.approx(102 * 1.03)
    r = backtest.run(df, entries=flags(4, 0), order_type="stop_limit", stop_price=102.0, limit_price=103.0,
                     init_cash=1000, close_at_end=False)
    assert (r.orders.fill_bar.iloc[0], r.orders.fill_price.iloc[0]) == (1, 102)


def test_short_side_reversal_and_insufficient_cash() -> None:
    df = bars([(10, 10, 10, 10), (10, 10, 10, 10), (8, 8, 8, 8), (8, 8, 8, 8), (9, 9, 9, 9)])
    r = backtest.run(df, entries=flags(5, 2), short_entries=flags(5, 0), init_cash=100, close_at_end=False)
    tr = r.trades
    assert tr.side.tolist() == ["short"] and tr.pnl.iloc[0] == pytest.approx(10 * 2)
    assert r.position.tolist() == [0, -10, -10, 15, 15]
    r = backtest.run(df, entries=flags(5, 0), size=50, size_type="units", init_cash=100)
    assert r.orders.status.tolist() == ["rejected"] and r.orders.reason.tolist() == ["insufficient_cash"]
    r = backtest.run(df, entries=flags(5, 0), size=50, size_type="units", init_cash=100, leverage=5,
                     close_at_end=False)
    assert r.cash.iloc[1] == pytest.approx(100 - 500)  # borrowed within the leverage
    # at bar 2 the equity is 100 - 50 * 2 = 0: liquidated at that close, and the run stops
    assert r.trades.exit_reason.tolist() == ["liquidation"] and r.trades.exit_bar.tolist() == [2]
    assert r.equity.tolist() == [100, 100, 0, 0, 0] and r.position.tolist() == [0, 50, 0, 0, 0]


# ---------------------------------------------------------------- properties
OPTIONS = [
    {}, {"execution": "close"}, {"sl_stop": 0.02, "tp_stop": 0.03}, {"tsl_stop": 0.02, "intrabar": "nearest"},
    {"order_type": "limit", "expiry": 5}, {"order_type": "stop", "tp_stop": 0.02, "intrabar": "ohlc"},
    {"order_type": "stop_limit", "expiry": pd.Timedelta("4h")}, {"fees": 0.001, "slippage": 0.001,
                                                                  "fractional": True},
]


def random_signals(n: int, k: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {name: rng.random((n, k)) < 0.05 for name in
                           ("entries", "exits", "short_entries", "short_exits")}
    return out


def levels_for(df: pd.DataFrame, opts: dict[str, Any], k: int) -> dict[str, Any]:
    c = df["close"].to_numpy()[:, None]
    lv: dict[str, Any] = {}
    if opts.get("order_type") in ("limit", "stop_limit"):
        lv["limit_price"] = np.repeat(c * 0.995, k, axis=1)
    if opts.get("order_type") in ("stop", "stop_limit"):
        lv["stop_price"] = np.repeat(c * 1.004, k, axis=1)
    return lv


@pytest.mark.parametrize("opts", OPTIONS, ids=[json.dumps({k: str(v) for k, v in o.items()}) for o in OPTIONS])
def test_2d_equals_columns_and_threads_do_not_matter(opts: dict[str, Any]) -> None:
    df = random_bars(400, seed=1)
    sig = random_signals(400, 6, seed=2)
    lv = levels_for(df, opts, 6)
    threadx.set_num_threads(2)
    both = backtest.run(df, **sig, **lv, **opts)
    threadx.set_num_threads(1)
    try:
        one = backtest.run(df, **sig, **lv, **opts)
    finally:
        threadx.set_num_threads(2)
    pd.testing.assert_frame_equal(both.equity, one.equity)
    pd.testing.assert_frame_equal(both.orders, one.orders)
    assert len(both.trades) > 20
    for k in range(6):
        single = backtest.run(df, **{n: v[:, k] for n, v in {**sig, **lv}.items()}, **opts)
        np.testing.assert_array_equal(single.equity.to_numpy(), both.equity[k].to_numpy())
        mine = both.trades[both.trades.sim == k].drop(columns="sim").reset_index(drop=True)
        pd.testing.assert_frame_equal(single.trades.drop(columns="sim"), mine)


@pytest.mark.parametrize("opts", OPTIONS, ids=[json.dumps({k: str(v) for k, v in o.items()}) for o in OPTIONS])
def test_no_look_ahead(opts: dict[str, Any]) -> None:
    """Changing the bars after t never changes what happened up to t."""
    df = random_bars(300, seed=3)
    sig = {k: v[:, 0] for k, v in random_signals(300, 1, seed=4).items()}
    base = backtest.run(df, **sig, **{k: v[:, 0] for k, v in levels_for(df, opts, 1).items()}, **opts)
    rng = np.random.default_rng(5)
    for t in (50, 150, 250):
        other = random_bars(300, seed=int(rng.integers(1000)))
        scale = df["close"].iloc[t] / other["open"].iloc[t + 1]
        changed = pd.concat([df.iloc[: t + 1], other.iloc[t + 1:] * scale]).set_axis(df.index)
        lv = {k: v[:, 0] for k, v in levels_for(changed, opts, 1).items()}
        for k in lv:  # the levels set up to t are what the user had at t
            lv[k][: t + 1] = levels_for(df, opts, 1)[k][: t + 1, 0]
        alt = backtest.run(changed, **sig, **lv, **opts)
        np.testing.assert_array_equal(base.equity.to_numpy()[: t + 1], alt.equity.to_numpy()[: t + 1])
        early = lambda o: o[(o.fill_bar >= 0) & (o.fill_bar <= t) | (o.fill_bar < 0) & (o.placed_bar <= t)]  # noqa: E731
        pd.testing.assert_frame_equal(early(base.orders).reset_index(drop=True),
                                      early(alt.orders).reset_index(drop=True))


def test_cancel_stops_a_long_run() -> None:
    df = random_bars(200_000, seed=6, with_index=False)
    sig = random_signals(200_000, 64, seed=7)
    token = threadx.CancelToken()
    token.cancel()
    t0 = time.perf_counter()
    with pytest.raises(CancelledError):
        backtest.run(df, **sig, cancel=token)
    assert time.perf_counter() - t0 < 5


# ---------------------------------------------------------------- results, requests, coordinator
def test_result_shapes_labels_stats_and_provenance() -> None:
    df = random_bars(300, seed=8)
    sig = pd.DataFrame(random_signals(300, 3, seed=9)["entries"], index=df.index, columns=["a", "b", "c"])
    r = backtest.run(df, entries=sig, exits=sig.shift(5, fill_value=False))
    assert list(r.equity.columns) == ["a", "b", "c"] and r.equity.index.equals(df.index)
    assert set(r.trades.sim) <= {"a", "b", "c"} and list(r.stats.index) == ["a", "b", "c"]
    assert r.stats.loc["a", "# Trades"] == (r.trades.sim == "a").sum()
    assert r.provenance["data_sha256"] == backtest.run(df.copy(), entries=sig["a"]).provenance["data_sha256"]
    assert r.provenance["threadx"] == threadx.__version__
    one = backtest.run(df, entries=sig["a"].to_numpy(), exits=sig["a"].shift(5, fill_value=False).to_numpy())
    assert isinstance(one.equity, pd.Series) and isinstance(one.stats, pd.Series)
    np.testing.assert_array_equal(one.equity.to_numpy(), r.equity["a"].to_numpy())


def test_start_end_window() -> None:
    df = random_bars(100, seed=10)
    sig = random_signals(100, 1, seed=11)["entries"][:, 0]
    r = backtest.run(df, entries=sig, start=df.index[10], end=df.index[60])
    assert len(r.equity) == 50 and r.equity.index[0] == df.index[10]


def test_naive_start_end_are_read_in_the_index_time_zone() -> None:
    """As pandas' ``bars.loc["2024-01-02":]``: the data's zone is known, so nothing is assumed."""
    df = random_bars(100, seed=10)  # hourly from 2024-01-01 00:00 UTC
    sig = random_signals(100, 1, seed=11)["entries"][:, 0]
    r = backtest.run(df, entries=sig, start="2024-01-02", end=pd.Timestamp("2024-01-03 12:00"))
    assert r.equity.index[0] == df.loc["2024-01-02":].index[0] == pd.Timestamp("2024-01-02", tz="UTC")
    assert r.equity.index[-1] == pd.Timestamp("2024-01-03 11:00", tz="UTC")
    ny = df.tz_convert("America/New_York")
    r = backtest.run(ny, entries=sig, start="2024-01-02")  # 2024-01-02 00:00 New York = 05:00 UTC
    assert r.equity.index[0] == ny.loc["2024-01-02":].index[0] == pd.Timestamp("2024-01-02 05:00", tz="UTC")
    aware = backtest.run(df, entries=sig, start=pd.Timestamp("2024-01-02", tz="UTC"), end="2024-01-03")
    assert len(aware.equity) == 24
    req = threadx.BacktestRequest(data=df, entries=sig, start="2024-01-02").run()
    assert req.equity.index[0] == pd.Timestamp("2024-01-02", tz="UTC")


def test_start_end_errors_over_a_datetime_index() -> None:
    df = random_bars(100, seed=10)
    with pytest.raises(ValidationError) as exc:
        backtest.run(df.tz_localize(None), start=pd.Timestamp("2024-01-02", tz="UTC"))
    assert exc.value.fields == ["start"] and "naive" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        backtest.run(df, start="2024-01-03", end="2024-01-02")
    assert exc.value.fields == ["end"]
    berlin = pd.DataFrame(df.to_numpy(), columns=df.columns,
                          index=pd.date_range("2024-03-31", periods=100, freq="h", tz="Europe/Berlin"))
    with pytest.raises(ValidationError, match="Europe/Berlin") as exc:  # 02:30 does not exist that night
        backtest.run(berlin, start="2024-03-31 02:30")
    assert exc.value.fields == ["start"]


def test_signal_index_time_zone_mismatch_says_so() -> None:
    df = random_bars(50, seed=10)
    entries = pd.Series(flags(50, 3), index=df.index)
    with pytest.raises(ValidationError, match="tz-naive but the data's index is in time zone UTC") as exc:
        backtest.run(df, entries=entries.tz_localize(None))
    assert exc.value.fields == ["entries"] and "time zones differ" in str(exc.value)
    with pytest.raises(ValidationError, match="time zone UTC but the data's index is tz-naive"):
        backtest.run(df.tz_localize(None), entries=entries)
    # the same instants shown in another time zone are the same bars
    same = backtest.run(df, entries=entries.tz_convert("Asia/Tokyo"))
    pd.testing.assert_series_equal(same.equity, backtest.run(df, entries=entries).equity)
    shifted = entries.tz_localize(None).tz_localize("Asia/Tokyo")  # same wall times, other instants
    with pytest.raises(ValidationError, match="timestamps differ .*Asia/Tokyo.*UTC"):
        backtest.run(df, exits=shifted)
    with pytest.raises(ValidationError, match="same index"):
        backtest.run(df, entries=entries.iloc[1:])


def test_request_defaults_are_run_defaults() -> None:
    import dataclasses

    from threadx.backtest import _engine

    fields = {f.name: f.default for f in dataclasses.fields(threadx.BacktestRequest)}
    assert {k: fields[k] for k in _engine.DEFAULTS} == _engine.DEFAULTS


def test_backtest_request_validates_runs_and_round_trips() -> None:
    df = random_bars(200, seed=12)
    sig = random_signals(200, 1, seed=13)
    req = threadx.BacktestRequest(data=df, entries=sig["entries"][:, 0], exits=sig["exits"][:, 0], fees=0.001)
    assert req.validate() is req
    res = req.run()
    again = threadx.BacktestRequest.from_dict(json.loads(json.dumps(req.to_dict()))).run()
    pd.testing.assert_series_equal(res.equity, again.equity)
    with pytest.raises(ValidationError) as exc:  # an invalid request cannot be built
        threadx.BacktestRequest(data=df, fees=1.5, slippage=-1, leverage=20, init_cash=0, sl_stop=-0.1,
                                start=df.index[5], end=df.index[2])
    assert set(exc.value.fields) == {"fees", "slippage", "leverage", "init_cash", "sl_stop", "end"}
    # signals on another index of the same length: only the deep check (validate, run) reads the index
    shifted = pd.Series(sig["entries"][:, 0], index=df.index + pd.Timedelta("1min"))
    late = threadx.BacktestRequest(data=df, entries=shifted)
    for check in (late.validate, late.run):
        with pytest.raises(ValidationError) as exc:
            check()
        assert exc.value.fields == ["entries"]

    async def main() -> Any:
        async with threadx.Coordinator(max_workers=2) as co:
            return await (await co.submit(req))

    import asyncio

    via = asyncio.run(main())
    pd.testing.assert_series_equal(via.equity, res.equity)


def test_trailing_stop_as_a_price_distance() -> None:
    df = bars([(100, 100, 100, 100), (100, 110, 100, 110), (110, 120, 110, 120), (120, 120, 113, 115),
               (115, 115, 115, 115)])
    t = backtest.run(df, entries=flags(5, 0), tsl_offset=6.0, init_cash=1000).trades.iloc[0]
    # peak 120 after bar 2 -> stop 114, hit in bar 3
    assert (t.exit_bar, t.exit_price, t.exit_reason) == (3, 114, "trailing_stop")
    with pytest.raises(ValidationError) as exc:
        backtest.run(df, entries=flags(5, 0), tsl_offset=6.0, tsl_stop=0.1)
    assert exc.value.fields == ["tsl_offset"]


def test_target_percent_sizes_to_a_share_of_equity() -> None:
    df = bars([(10, 10, 10, 10)] * 4)
    r = backtest.run(df, entries=flags(4, 0), size=0.5, size_type="target_percent", init_cash=1000)
    assert r.orders["size"].iloc[0] == 50  # 0.5 x 1000 / 10
    r = backtest.run(df, entries=flags(4, 0), size=1.5, size_type="target_percent", leverage=2, init_cash=1000)
    assert r.orders["size"].iloc[0] == 150
    with pytest.raises(ValidationError, match="leverage"):
        backtest.run(df, entries=flags(4, 0), size=1.5, size_type="target_percent")


@pytest.mark.parametrize(
    ("call", "field"),
    [(lambda df: backtest.run(df, entries=np.ones((len(df), 0), bool)), "entries"),
     (lambda df: backtest.run(df, entries=np.ones(len(df), bool), order_type="limit", limit_price=1.0,
                              expiry=10**19), "expiry"),
     (lambda df: backtest.target_weights({"A": df}, "equal", window=2, every=10**19), "every"),
     (lambda df: backtest.sweep("sma_cross", df.iloc[:1], fast=2, slow=3), "periods_per_year")],
)
def test_extreme_arguments_give_typed_errors(call: Any, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        call(random_bars(20))
    assert field in exc.value.fields
