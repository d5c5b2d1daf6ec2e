"""The live spread core from Python: streaming equals batch (threadx.rolling.quantile and pandas
over each key's spread series), spreads and signals against a plain-Python loop, rejects counted
by reason, bounds (LRU, cap), validation naming every field."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from threadx import rolling
from threadx.errors import ValidationError
from threadx.live import SPREAD_COLUMNS, Quote, SpreadBook, sample_ticks

EXCHANGES = ("binance", "coinbase", "kraken")
KEY = ["symbol", "buy", "sell"]


def _reference_spreads(ticks: pd.DataFrame, max_age_ns: int) -> list[tuple[int, str, str, str, float]]:
    """(tick, symbol, buy, sell, spread) by a plain loop: last quotes, freshness, both directions."""
    last: dict[tuple[str, str], tuple[float, float, int]] = {}
    out = []
    for i, t in enumerate(ticks.itertuples(index=False)):
        prev = last.get((t.symbol, t.exchange))
        ok = (math.isfinite(t.bid) and math.isfinite(t.ask) and t.bid > 0 and t.ask > 0 and t.bid <= t.ask
              and (prev is None or t.ts_event >= prev[2]))
        if not ok:
            continue
        last[(t.symbol, t.exchange)] = (t.bid, t.ask, t.ts_event)
        for x in EXCHANGES:
            q = last.get((t.symbol, x))
            if x == t.exchange or q is None or t.ts_event - q[2] > max_age_ns:
                continue
            mid = 0.5 * (0.5 * (t.bid + t.ask) + 0.5 * (q[0] + q[1]))
            out.append((i, t.symbol, t.exchange, x, (q[0] - t.ask) / mid * 1e4))
            out.append((i, t.symbol, x, t.exchange, (t.bid - q[1]) / mid * 1e4))
    return out


@pytest.fixture(scope="module")
def ticks() -> pd.DataFrame:
    return sample_ticks(("GOOG", "NVDA", "XYZ"), EXCHANGES, duration="20min", rate=1.5, seed=3, bad=0.02)


@pytest.mark.parametrize("batch", [97, 2000, 10**9])
def test_streaming_equals_batch(ticks: pd.DataFrame, batch: int) -> None:
    book = SpreadBook(EXCHANGES, window="3min", max_quote_age="2s", q_lo=0.1, q_hi=0.9)
    rows = pd.concat([book.update(ticks.iloc[i:i + batch]) for i in range(0, len(ticks), batch)],
                     ignore_index=True)
    assert list(rows.columns) == list(SPREAD_COLUMNS)
    ref = _reference_spreads(ticks, 2_000_000_000)
    assert len(rows) == len(ref) > 1000
    assert rows["spread_bps"].tolist() == [r[4] for r in ref]  # same arithmetic, in tick order
    assert rows[KEY].apply(tuple, axis=1).tolist() == [r[1:4] for r in ref]
    for key, g in rows.groupby(KEY, sort=False):
        assert g["ts_event"].is_monotonic_increasing, key
        q = rolling.quantile(g["spread_bps"].to_numpy(), "3min", [0.1, 0.9], times=g["ts_event"].to_numpy())
        np.testing.assert_array_equal(g[["q_lo", "q_hi"]].to_numpy(), q)
        s = pd.Series(g["spread_bps"].to_numpy(), index=pd.to_datetime(g["ts_event"].to_numpy()))
        for col, level in (("q_lo", 0.1), ("q_hi", 0.9)):  # pandas itself, to 1e-12 of the scale
            peer = s.rolling("3min").quantile(level).to_numpy()
            np.testing.assert_allclose(g[col].to_numpy(), peer, rtol=0, atol=1e-12 * np.abs(s).max())
        nobs = s.rolling("3min").count().to_numpy()
        np.testing.assert_array_equal(g["nobs"].to_numpy(), nobs)
        # the signal compares with the quantiles after the key's previous update (no look-ahead)
        prev_lo, prev_hi = g["q_lo"].shift(1).to_numpy(), g["q_hi"].shift(1).to_numpy()
        spread = g["spread_bps"].to_numpy()
        want = np.where(spread > prev_hi, 1, np.where(spread < prev_lo, -1, 0))
        np.testing.assert_array_equal(g["signal"].to_numpy(), want)
    assert (rows["signal"] != 0).any() and not rows["truncated"].any()


def test_rejects_counted_by_reason(ticks: pd.DataFrame) -> None:
    book = SpreadBook(EXCHANGES)
    odd = pd.DataFrame({"ts_event": [1, 2, 3], "ts_recv": [1, 2, 3], "exchange": ["binance", "nyse", "kraken"],
                        "symbol": ["GOOG", "GOOG", None], "bid": [1.0, 1.0, 1.0], "ask": [1.1, 1.1, 1.1]})
    book.update(pd.concat([ticks, odd], ignore_index=True))
    s = book.stats()
    rejected = s["rejected"]
    assert rejected["bad_exchange"] == 1 and rejected["bad_symbol"] == 1
    bid, ask = ticks["bid"], ticks["ask"]
    assert rejected["non_finite"] == int((~np.isfinite(bid) | ~np.isfinite(ask)).sum())
    assert rejected["crossed"] > 0 and rejected["non_positive"] > 0 and rejected["out_of_order"] > 0
    assert s["ticks"] == len(ticks) + 3 == s["accepted"] + sum(rejected.values())


def test_quotes_as_input_and_times_as_datetimes() -> None:
    t0 = pd.Timestamp("2026-01-01", tz="UTC")
    quotes = [Quote("a", "BTC", 100.0, 100.1, t0.value, t0.value),
              Quote("b", "BTC", 100.2, 100.3, t0.value + 1000, t0.value + 2000)]
    book = SpreadBook(["a", "b"])
    rows = book.update(quotes)
    assert rows[["buy", "sell"]].values.tolist() == [["b", "a"], ["a", "b"]]
    assert rows["ts_recv"].tolist() == [t0.value + 2000] * 2
    mid = (100.05 + 100.25) / 2
    assert rows["spread_bps"].tolist() == [(100.0 - 100.3) / mid * 1e4, (100.2 - 100.1) / mid * 1e4]
    frame = pd.DataFrame({"ts_event": pd.to_datetime([t0, t0 + pd.Timedelta("1s")]), "exchange": ["a", "b"],
                          "symbol": ["ETH", "ETH"], "bid": [10.0, 10.0], "ask": [10.1, 10.1]})
    assert book.update(frame)["ts_event"].tolist() == [(t0 + pd.Timedelta("1s")).value] * 2


def test_lru_eviction_and_cap_are_counted() -> None:
    book = SpreadBook(["a", "b"], max_keys=2, max_points=3, window="1h")
    t = 0
    for sym in ("X", "Y", "X"):
        for ex in ("a", "b"):
            t += 1
            book.update([Quote(ex, sym, 1.0, 1.01, t, t)])
    s = book.stats()
    assert s["keys"] == 2 and s["evicted"] == 4  # Y evicted X's keys, then X evicted Y's
    rows = pd.concat([book.update([Quote("a", "X", 1.0, 1.01 + i / 100, t + i + 1, 0)]) for i in range(4)])
    assert rows["nobs"].max() == 3 and rows["truncated"].iloc[-1]
    assert book.stats()["dropped_points"] > 0 and book.stats()["truncated_keys"] == 2


@pytest.mark.parametrize(("kwargs", "fields"), [
    ({"exchanges": ["a"]}, {"exchanges"}),
    ({"exchanges": ["a", "a"]}, {"exchanges"}),
    ({"exchanges": "ab"}, {"exchanges"}),
    ({"window": "soon", "max_quote_age": 5, "max_points": 0, "q_lo": "x"}, {"window", "max_quote_age", "max_points", "q_lo"}),
    ({"q_lo": 0.9, "q_hi": 0.1}, {"q_lo"}),
    ({"q_hi": 1.5, "interpolation": "cubic"}, {"interpolation", "q_hi"}),
    ({"q_hi": 1.5}, {"q_hi"}),
    ({"window": "-1min", "min_periods": 0, "max_keys": True}, {"window", "min_periods", "max_keys"}),
])
def test_bad_options_name_every_field(kwargs: dict[str, object], fields: set[str]) -> None:
    kwargs = {"exchanges": ["a", "b"], **kwargs}
    with pytest.raises(ValidationError) as info:
        SpreadBook(**kwargs)  # type: ignore[arg-type]
    assert {e["field"] for e in info.value.errors} == fields


@pytest.mark.parametrize(("ticks", "field"), [
    ({"ts_event": [1.5], "exchange": ["a"], "symbol": ["X"], "bid": [1.0], "ask": [1.0]}, "ts_event"),
    ({"ts_event": [1], "exchange": ["a"], "symbol": ["X"], "bid": ["1"], "ask": [1.0]}, "bid"),
    ({"ts_event": [1], "exchange": ["a"], "symbol": ["X"], "ask": [1.0]}, "bid"),
    ({"ts_event": [1, 2], "exchange": ["a"], "symbol": ["X"], "bid": [1.0], "ask": [1.0]}, "ticks"),
    ("garbage", "ticks"),
])
def test_bad_ticks_raise_naming_the_column(ticks: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        SpreadBook(["a", "b"]).update(ticks)
    assert field in {e["field"] for e in info.value.errors}


def test_update_arrays_checks_dtypes_and_the_core_checks_outputs() -> None:
    book = SpreadBook(["a", "b"])
    with pytest.raises(ValidationError, match="exchange"):
        book.update_arrays(np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int32), np.ones(1), np.ones(1))
    from threadx import _core
    core = _core.live.SpreadBook(exchanges=2, symbols=1, window=10, max_quote_age=1, max_points=4, max_keys=4,
                                 q_lo=0.1, q_hi=0.9)
    one = (np.zeros(1, np.int64), np.zeros(1, np.int32), np.zeros(1, np.int32), np.ones(1), np.ones(1))
    with pytest.raises(ValidationError, match="out.tick"):
        core.update(*one, {})
    short = {k: np.empty(1, dtype=v.dtype) for k, v in book._out.items()}
    short["truncated"] = np.empty(2, np.uint8)
    with pytest.raises(ValidationError, match="out"):
        core.update(*one, short)
