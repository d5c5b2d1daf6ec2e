"""Candlestick patterns against TA-Lib 0.8.2: identical int32 outputs on every OHLC file of
tests/data and on random candles built to hit every pattern (hits counted per pattern and
value: a pattern that never fires, or never with a value TA-Lib gives, fails); non-default
candle settings per call and process-wide against TA-Lib's process-wide setter; the settings
snapshot of calls and streams; validation of the settings."""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator

import numpy as np
import pytest

import ta_support
import threadx.ta as ta
from ta_cases import CASES
from ta_cases.pattern import VALUES
from threadx import stream
from threadx.errors import ValidationError
from threadx.ta import _api as ta_api

talib = pytest.importorskip("talib")
talib_abstract = pytest.importorskip("talib.abstract")
_ta_lib = talib._ta_lib

PATTERNS = ta.get_function_groups().get("Pattern Recognition", [])
CASE_IDS = [(name, kw) for name in PATTERNS for kw in CASES[name]]
OHLC = ("open", "high", "low", "close")


def _id(case: tuple[str, dict]) -> str:
    name, kw = case
    return name + ("(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")" if kw else "")


# ------------------------------------------------------------------ data

def ohlc_files() -> dict[str, tuple[np.ndarray, ...]]:
    """Every OHLC file of tests/data (the real files of the parity tests, the two volume
    files and Binance's kline JSON)."""
    out = {}
    for f in [*ta_support.REAL_FILES, "2006-01-02-volume-min-001.txt", "2006-volume-day-001.txt"]:
        d = ta_support.real(f)
        out[f] = tuple(d[k] for k in OHLC)
    rows = np.array(json.loads((ta_support.DATA / "UNITTEST_BTC-1m.json").read_text()), dtype=np.float64)
    out["UNITTEST_BTC-1m.json"] = tuple(np.ascontiguousarray(rows[:, k]) for k in (1, 2, 3, 4))
    return out


# Candle sequences (open, high, low, close offsets from the previous close) that random
# candles rarely form, inserted now and then, as given or mirrored (price -> -price, which
# swaps bullish and bearish); bodies of 40 ticks are long next to the random ones (~15).
MOTIFS: dict[str, list[tuple[float, float, float, float]]] = {
    "abandonedbaby": [(0, 1, -41, -40), (-50, -48, -52, -50), (-45, -20, -46, -21)],
    "breakaway": [(0, 1, -41, -40), (-45, -44, -52, -50), (-51, -50, -56, -54), (-55, -54, -60, -58),
                  (-57, -41, -58, -42)],
    "concealbabyswall": [(0, 0, -30, -30), (-32, -32, -60, -60), (-63, -55, -72, -70), (-52, -50, -85, -80)],
    "counterattack": [(0, 1, -41, -40), (-80, -39, -81, -40)],
    "hikkakemod": [(0, 20, -20, 5), (2, 10, -10, 0), (1, 8, -8, -6), (0, 6, -6, -1), (-2, 2, -12, -10),
                   (-9, 12, -10, 11)],
    "inneck": [(0, 1, -41, -40), (-45, -39, -46, -39.5)],
    "mathold": [(0, 41, -1, 40), (48, 49, 43, 44), (43, 44, 37, 38), (41, 42, 35, 36), (37, 56, 36, 55)],
    "risefall3methods": [(0, 41, -1, 40), (38, 39, 33, 34), (35, 36, 31, 32), (33, 34, 28, 29), (30, 50, 29, 48)],
    "threeblackcrows": [(-20, 8, -21, 5), (4, 5, -20, -20), (-10, -9, -40, -40), (-30, -29, -60, -60)],
    "threelinestrike": [(0, 16, -1, 15), (10, 26, 9, 25), (20, 36, 19, 35), (38, 39, -6, -5)],
    "threestarsinsouth": [(0, 1, -85, -40), (-30, -29, -60, -50), (-48, -48, -52, -52)],
    "twocrows": [(0, 41, -1, 40), (55, 56, 47, 48), (52, 53, 19, 20)],
    "upsidegap2crows": [(0, 41, -1, 40), (50, 51, 45, 46), (52, 53, 42, 43)],
}


def candles(n: int, seed: int, motif_rate: float = 0.03,
            motifs: dict[str, list[tuple[float, float, float, float]]] | None = None) -> tuple[np.ndarray, ...]:
    """Random candles on a tick grid (so equal opens, closes and highs happen): runs of one
    colour, bodies from doji to very long, shadows from none to very long, opens at the
    previous close or open, inside its body, near it or gapping away; and motifs (MOTIFS
    unless given)."""
    motifs = MOTIFS if motifs is None else motifs
    rng = np.random.default_rng(seed)
    rows: list[tuple[float, float, float, float]] = []
    prev_o = prev_c = 1000.0
    color = 1
    names = sorted(motifs)

    def size(p: list[float]) -> float:
        return float([0, 1, rng.integers(2, 6), rng.integers(6, 16), rng.integers(16, 40),
                      rng.integers(40, 90)][rng.choice(6, p=p)])

    while len(rows) < n:
        if rng.random() < motif_rate:
            sign = 1 if rng.random() < 0.5 else -1
            for a, b, c, d in motifs[names[rng.integers(len(names))]]:
                hi, lo = (b, c) if sign > 0 else (c, b)
                rows.append((prev_c + sign * a, prev_c + sign * hi, prev_c + sign * lo, prev_c + sign * d))
            prev_o, prev_c = rows[-1][0], rows[-1][3]
            continue
        if rng.random() < 0.35:
            color = -color
        body = size([.18, .1, .2, .22, .2, .1])
        top, bottom = max(prev_o, prev_c), min(prev_o, prev_c)
        where = rng.choice(7, p=[.2, .15, .2, .15, .1, .1, .1])
        op = [prev_c, prev_o, float(rng.integers(int(bottom), int(top) + 1)), prev_c + rng.integers(-3, 4),
              top + rng.integers(1, 30), bottom - rng.integers(1, 30), prev_c + rng.integers(-60, 61)][where]
        cl = op + color * body
        shadow = [.25, .1, .15, .2, .2, .1]
        rows.append((op, max(op, cl) + size(shadow), min(op, cl) - size(shadow), cl))
        prev_o, prev_c = op, cl
    a = np.array(rows[:n], dtype=np.float64)
    return tuple(np.ascontiguousarray(a[:, k]) for k in range(4))


# Extra random sets (seed: their motifs) for the patterns the two main sets (seeds 0 and 1,
# MOTIFS) hit too rarely; they add data without changing the main sets.
EXTRA_MOTIFS: dict[int, dict[str, list[tuple[float, float, float, float]]]] = {
    2: {"kicking": [(0, 0, -40, -40), (5, 50, 5, 50)]},  # a marubozu, a longer opposite one gapping away
}

_RANDOM: dict[int, tuple[np.ndarray, ...]] = {}


def random_candles(seed: int, n: int = 20000) -> tuple[np.ndarray, ...]:
    """The first n of the random candles of `seed` (20,000; 5,000 for an extra set; made once per
    test session)."""
    if seed not in _RANDOM:
        extra = EXTRA_MOTIFS.get(seed)
        _RANDOM[seed] = candles(20000, seed) if extra is None else candles(5000, seed, motifs=extra)
    return tuple(x[:n] for x in _RANDOM[seed])


SEEDS = (0, 1, *EXTRA_MOTIFS)


@pytest.fixture
def restore_settings() -> Iterator[None]:
    """TA-Lib's and ThreadX's process-wide candle settings back to the defaults afterwards."""
    yield
    _ta_lib._ta_restore_candle_default_settings(_ta_lib.CandleSettingType.AllCandleSettings)
    ta.restore_candle_default_settings()


# ------------------------------------------------------------------ parity

def test_every_pattern_has_cases_and_values() -> None:
    group = set(talib.get_function_groups()["Pattern Recognition"])
    assert PATTERNS and set(PATTERNS) <= group
    assert set(PATTERNS) <= set(VALUES) <= group, sorted(set(PATTERNS) - set(VALUES))


@pytest.mark.parametrize("case", CASE_IDS, ids=_id)
def test_files_match_talib(case: tuple[str, dict]) -> None:
    name, kwargs = case
    bad = []
    for f, bars in ohlc_files().items():
        got = getattr(ta, name)(*bars, **kwargs)
        exp = getattr(talib, name)(*bars, **kwargs)
        assert got.dtype == np.int32
        if not np.array_equal(got, exp):
            i = int(np.flatnonzero(got != exp)[0])
            bad.append(f"{f}: first difference at bar {i}: {got[i]} vs TA-Lib's {exp[i]}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("case", CASE_IDS, ids=_id)
def test_random_candles_match_talib_and_hit_every_value(case: tuple[str, dict]) -> None:
    name, kwargs = case
    hits: collections.Counter[int] = collections.Counter()
    for seed in SEEDS:
        bars = random_candles(seed)
        got = getattr(ta, name)(*bars, **kwargs)
        exp = getattr(talib, name)(*bars, **kwargs)
        diff = np.flatnonzero(got != exp)
        assert diff.size == 0, f"seed {seed}: {diff.size} bars differ, first {diff[0]}: {got[diff[0]]} vs {exp[diff[0]]}"
        hits.update(got[got != 0].tolist())
    if not kwargs:  # the defaults: every value the pattern can give occurs (counted)
        assert set(hits) == VALUES[name] and min(hits.values()) >= 2, f"{name} hits {dict(hits)}"


@pytest.mark.parametrize("table", [None, "bar_itself", "long"])
@pytest.mark.parametrize("name", PATTERNS)
def test_warm_up_is_talibs_lookback(name: str, table: str | None, restore_settings: None) -> None:
    """The streaming twin gives NaN exactly during TA-Lib's lookback (the batch output is 0 there)."""
    bars = random_candles(1, 120)
    kw = {}
    if table is not None:
        for s, (rt, p, f) in TABLES[table].items():
            _ta_lib._ta_set_candle_settings(getattr(_ta_lib.CandleSettingType, s), rt, p, f)
        kw = {"candle_settings": as_mapping(TABLES[table])}
    out = getattr(stream, name)(**kw).update_many(*bars)
    assert int(np.argmax(~np.isnan(out))) == talib_abstract.Function(name).lookback


def _penetration_edge() -> tuple[float, float, float]:
    """(open, close, edge) of a long white candle where close - body * 0.3 rounds differently
    fused (one rounding) and as TA-Lib's patterns compute it (two roundings); edge is the
    smaller of the two, so a close at `edge` is below exactly one of them."""
    from fractions import Fraction

    rng = np.random.default_rng(5)
    while True:
        o = float(np.round(rng.uniform(100, 101), 3))
        c = float(np.round(o + rng.uniform(2, 5), 7))
        twice = c - (c - o) * 0.3
        once = float(Fraction(c) - Fraction(c - o) * Fraction(0.3))
        if twice != once:
            return o, c, min(twice, once)


def _penetration_bars(name: str, close: float) -> tuple[np.ndarray, ...]:
    """Small candles, then `name`'s pattern whose last close is `close`."""
    o, c, _ = _penetration_edge()
    n = 14
    opens = np.full(n, 100.0)
    closes, highs, lows = opens + 0.1, opens + 0.15, opens - 0.05
    first = -2 if name == "CDLDARKCLOUDCOVER" else -3
    opens[first], closes[first], highs[first], lows[first] = o, c, c + 0.01, o - 0.01  # long white
    if name == "CDLDARKCLOUDCOVER":
        opens[-1] = c + 0.5  # opens above the white candle's high
    else:  # a star gapping up (a doji for the doji star and the baby), then the black candle
        opens[-2], closes[-2] = c + 1.0, c + (1.05 if name == "CDLEVENINGSTAR" else 1.0)
        highs[-2], lows[-2] = c + 1.2, c + 0.9
        opens[-1] = c + 0.8
    closes[-1], highs[-1], lows[-1] = close, opens[-1] + 0.01, close - 0.01
    return opens, highs, lows, closes


@pytest.mark.parametrize("name", ["CDLDARKCLOUDCOVER", "CDLEVENINGSTAR", "CDLEVENINGDOJISTAR", "CDLABANDONEDBABY"])
def test_penetration_rounds_as_talib(name: str) -> None:
    """The last candle closes exactly between the fused and the twice-rounded
    close - body * penetration: only TA-Lib's rounding gives TA-Lib's answer."""
    edge = _penetration_edge()[2]
    below = _penetration_bars(name, float(np.nextafter(edge, 0)))
    assert getattr(talib, name)(*below, penetration=0.3)[-1] == -100  # the pattern is there
    at = _penetration_bars(name, edge)
    np.testing.assert_array_equal(getattr(ta, name)(*at, penetration=0.3), getattr(talib, name)(*at, penetration=0.3))


@pytest.mark.parametrize("name", PATTERNS)
def test_interior_nan(name: str) -> None:
    """Before a NaN bar: TA-Lib's values.  From it on: 0 while a candle the pattern looks at
    is NaN, and for good where a running average took the NaN in (a poisoned running state,
    as for every indicator); a pattern without averages is TA-Lib's again once the NaN bar is
    behind it.  The stream agrees bar for bar."""
    at = 300
    bars = [x.copy() for x in random_candles(0, 1000)]
    for x in bars:
        x[at] = np.nan
    got = getattr(ta, name)(*bars)
    exp = getattr(talib, name)(*bars)
    np.testing.assert_array_equal(got[:at], exp[:at])
    assert got[at] == 0
    if ta_api.SPECS[name].hidden:  # running averages
        assert not got[at:].any()
    else:
        np.testing.assert_array_equal(got[at + 5:], exp[at + 5:])
    streamed = getattr(stream, name)().update_many(*bars)
    np.testing.assert_array_equal(np.nan_to_num(streamed).astype(np.int32), got)


def test_long_average_periods_cost_only_the_bars_seen(restore_settings: None) -> None:
    """TA-Lib's largest average period (1e8) on a short series: all warm-up, and a stream
    holds only the candles it has seen (its saved state stays small)."""
    bars = random_candles(1, 300)
    kw = {"candle_settings": {"BodyDoji": {"avg_period": 100000000}}}
    _ta_lib._ta_set_candle_settings(_ta_lib.CandleSettingType.BodyDoji, 1, 100000000, 0.1)
    np.testing.assert_array_equal(ta.CDLDOJI(*bars, **kw), talib.CDLDOJI(*bars))
    s = stream.CDLDOJI(**kw)
    assert np.isnan(s.update_many(*bars)).all()
    data = s.save()
    assert len(data) < 300 * 40 + 1000
    assert stream.load(data).save() == data


# ------------------------------------------------------------------ candle settings

# Whole tables (setting: (range type, avg period, factor)) unlike the defaults: every
# average the bar itself; short averages, other range types and factors; long averages.
TABLES = {
    "bar_itself": {s: (rt, 0, f) for s, rt, f in [
        ("BodyLong", 0, 1.0), ("BodyVeryLong", 0, 3.0), ("BodyShort", 0, 1.0), ("BodyDoji", 1, 0.1),
        ("ShadowLong", 0, 1.0), ("ShadowVeryLong", 0, 2.0), ("ShadowShort", 2, 1.0),
        ("ShadowVeryShort", 1, 0.1), ("Near", 1, 0.2), ("Far", 1, 0.6), ("Equal", 1, 0.05)]},
    "short_other_types": {s: (rt, p, f) for s, rt, p, f in [
        ("BodyLong", 1, 3, 0.5), ("BodyVeryLong", 2, 2, 2.0), ("BodyShort", 1, 1, 0.4), ("BodyDoji", 0, 4, 0.3),
        ("ShadowLong", 1, 3, 0.3), ("ShadowVeryLong", 2, 1, 1.0), ("ShadowShort", 0, 2, 0.8),
        ("ShadowVeryShort", 2, 3, 0.2), ("Near", 0, 2, 0.5), ("Far", 2, 3, 1.2), ("Equal", 0, 1, 0.2)]},
    "long": {s: (rt, 40, f) for s, rt, f in [
        ("BodyLong", 0, 1.2), ("BodyVeryLong", 0, 2.5), ("BodyShort", 0, 0.8), ("BodyDoji", 1, 0.05),
        ("ShadowLong", 0, 1.0), ("ShadowVeryLong", 0, 2.0), ("ShadowShort", 2, 1.0),
        ("ShadowVeryShort", 1, 0.1), ("Near", 1, 0.3), ("Far", 1, 0.6), ("Equal", 1, 0.1)]},
}
RANGE_NAMES = ("RealBody", "HighLow", "Shadows")


def as_mapping(table: dict[str, tuple[int, int, float]]) -> dict[str, dict[str, object]]:
    return {s: {"range_type": RANGE_NAMES[rt], "avg_period": p, "factor": f} for s, (rt, p, f) in table.items()}


@pytest.mark.parametrize("table", sorted(TABLES))
@pytest.mark.parametrize("name", PATTERNS)
def test_candle_settings_match_talibs_setter(name: str, table: str, restore_settings: None) -> None:
    bars = random_candles(0, 4000)
    for s, (rt, p, f) in TABLES[table].items():
        _ta_lib._ta_set_candle_settings(getattr(_ta_lib.CandleSettingType, s), rt, p, f)
    exp = getattr(talib, name)(*bars)
    per_call = getattr(ta, name)(*bars, candle_settings=as_mapping(TABLES[table]))
    np.testing.assert_array_equal(per_call, exp)
    for s, (rt, p, f) in TABLES[table].items():
        ta.set_candle_settings(getattr(ta.CandleSettingType, s), rt, p, f)
    np.testing.assert_array_equal(getattr(ta, name)(*bars), exp)
    streamed = getattr(stream, name)().update_many(*bars)
    np.testing.assert_array_equal(np.nan_to_num(streamed).astype(np.int32), exp)


def test_partial_settings_override_the_process_wide_ones(restore_settings: None) -> None:
    bars = random_candles(1, 3000)
    ta.set_candle_settings(ta.CandleSettingType.BodyDoji, ta.RangeType.HighLow, 5, 0.2)
    _ta_lib._ta_set_candle_settings(_ta_lib.CandleSettingType.BodyDoji, 1, 5, 0.2)
    _ta_lib._ta_set_candle_settings(_ta_lib.CandleSettingType.BodyLong, 0, 10, 2.0)
    got = ta.CDL3INSIDE(*bars, candle_settings={"BodyLong": {"factor": 2.0}})
    np.testing.assert_array_equal(got, talib.CDL3INSIDE(*bars))
    np.testing.assert_array_equal(ta.CDLDOJI(*bars, candle_settings={"BodyLong": {"factor": 2.0}}),
                                  talib.CDLDOJI(*bars))  # a setting the pattern does not use: ignored
    assert ta.get_candle_settings()["BodyLong"]["factor"] == 1.0  # a call's settings are its own
    assert ta.get_candle_settings()["BodyDoji"] == {"range_type": "HighLow", "avg_period": 5, "factor": 0.2}


def test_a_stream_keeps_the_settings_it_started_with(restore_settings: None) -> None:
    bars = random_candles(0, 600)
    before = stream.CDLDOJI()
    ta.set_candle_settings("BodyDoji", "RealBody", 3, 0.5)
    after = stream.CDLDOJI()
    rows = [[float(x[i]) for x in bars] for i in range(300)]
    for r in rows:
        before.update(*r)
        after.update(*r)
    clone = stream.load(before.save())  # the saved state carries the settings
    ta.restore_candle_default_settings()
    default = ta.CDLDOJI(*bars)
    changed = ta.CDLDOJI(*bars, candle_settings={"BodyDoji": {"range_type": "RealBody", "avg_period": 3, "factor": 0.5}})
    assert not np.array_equal(default, changed)
    rest = [x[300:] for x in bars]
    for s, exp in ((before, default), (clone, default), (after, changed)):
        np.testing.assert_array_equal(np.nan_to_num(s.update_many(*rest)).astype(np.int32), exp[300:])


def test_streams_take_candle_settings() -> None:
    bars = random_candles(1, 500)
    kw = {"candle_settings": {"BodyDoji": {"avg_period": 0, "factor": 0.3}}}
    got = stream.CDLDOJI(**kw).update_many(*bars)
    np.testing.assert_array_equal(np.nan_to_num(got).astype(np.int32), ta.CDLDOJI(*bars, **kw))
    s = stream.CDLDARKCLOUDCOVER(0.2, **kw)  # a setting it does not use is accepted
    assert s.params == {"penetration": 0.2}


def test_setters_and_defaults(restore_settings: None) -> None:
    assert ta.CandleSettingType.BodyDoji == 3 and ta.CandleSettingType.AllCandleSettings == 11
    assert (ta.RangeType.RealBody, ta.RangeType.HighLow, ta.RangeType.Shadows) == (0, 1, 2)
    defaults = ta.get_candle_settings()
    assert defaults["ShadowShort"] == {"range_type": "Shadows", "avg_period": 10, "factor": 1.0}
    assert defaults["Equal"] == {"range_type": "HighLow", "avg_period": 5, "factor": 0.05}
    ta.set_candle_settings(ta.CandleSettingType.Near, ta.RangeType.RealBody, 0, 1.5)
    ta.set_candle_settings("Far", "Shadows", 100000000, 0)
    assert ta.get_candle_settings()["Near"] == {"range_type": "RealBody", "avg_period": 0, "factor": 1.5}
    ta.restore_candle_default_settings(ta.CandleSettingType.Near)
    assert ta.get_candle_settings()["Near"] == defaults["Near"] and ta.get_candle_settings()["Far"] != defaults["Far"]
    ta.restore_candle_default_settings()
    assert ta.get_candle_settings() == defaults


# ------------------------------------------------------------------ validation

@pytest.mark.parametrize(("settings", "field"), [
    ({"BodyDojo": {"factor": 0.1}}, "candle_settings"),
    ({"BodyDoji": {"period": 3}}, "candle_settings.BodyDoji"),
    ({"BodyDoji": 0.1}, "candle_settings.BodyDoji"),
    ({"BodyDoji": {"avg_period": -1}}, "candle_settings.BodyDoji.avg_period"),
    ({"BodyDoji": {"avg_period": 100000001}}, "candle_settings.BodyDoji.avg_period"),
    ({"BodyDoji": {"avg_period": 2.5}}, "candle_settings.BodyDoji.avg_period"),
    ({"BodyDoji": {"avg_period": "10"}}, "candle_settings.BodyDoji.avg_period"),
    ({"BodyDoji": {"factor": -0.1}}, "candle_settings.BodyDoji.factor"),
    ({"BodyDoji": {"factor": float("nan")}}, "candle_settings.BodyDoji.factor"),
    ({"BodyDoji": {"factor": float("inf")}}, "candle_settings.BodyDoji.factor"),
    ({"BodyDoji": {"factor": True}}, "candle_settings.BodyDoji.factor"),
    ({"BodyDoji": {"range_type": "Body"}}, "candle_settings.BodyDoji.range_type"),
    ({"BodyDoji": {"range_type": 3}}, "candle_settings.BodyDoji.range_type"),
    ([("BodyDoji", {})], "candle_settings"),
])
def test_bad_candle_settings_name_the_field(settings: object, field: str) -> None:
    bars = random_candles(0, 50)
    for call in (lambda: ta.CDLDOJI(*bars, candle_settings=settings),
                 lambda: stream.CDLDOJI(candle_settings=settings)):
        with pytest.raises(ValidationError) as exc:
            call()
        assert [e["field"] for e in exc.value.errors] == [field], exc.value.errors


def test_every_bad_setting_is_reported_at_once() -> None:
    bars = random_candles(0, 50)
    with pytest.raises(ValidationError) as exc:
        ta.CDLDOJI(*bars, candle_settings={"Near": {"avg_period": -1, "factor": -1}, "Far": {"range_type": 7}})
    assert sorted(e["field"] for e in exc.value.errors) == [
        "candle_settings.Far.range_type", "candle_settings.Near.avg_period", "candle_settings.Near.factor"]


@pytest.mark.parametrize(("args", "field"), [
    ((11, 1, 10, 0.1), "settingtype"),
    ((-1, 1, 10, 0.1), "settingtype"),
    (("Doji", 1, 10, 0.1), "settingtype"),
    ((3, 3, 10, 0.1), "candle_settings.BodyDoji.range_type"),
    ((3, 1, -1, 0.1), "candle_settings.BodyDoji.avg_period"),
    ((3, 1, 100000001, 0.1), "candle_settings.BodyDoji.avg_period"),
    ((3, 1, 10, float("nan")), "candle_settings.BodyDoji.factor"),
    ((3, 1, 10, -1.0), "candle_settings.BodyDoji.factor"),
])
def test_bad_setter_arguments_change_nothing(args: tuple, field: str, restore_settings: None) -> None:
    before = ta.get_candle_settings()
    with pytest.raises(ValidationError) as exc:
        ta.set_candle_settings(*args)
    assert [e["field"] for e in exc.value.errors] == [field]
    assert ta.get_candle_settings() == before
    with pytest.raises(ValidationError, match="settingtype"):
        ta.restore_candle_default_settings(12)


def test_candle_settings_only_for_patterns() -> None:
    with pytest.raises(ValidationError, match="candle_settings"):
        ta.RSI(np.arange(30.0), candle_settings={"BodyDoji": {"factor": 0.1}})


def test_pipeline_and_request_take_candle_settings() -> None:
    import pandas as pd

    import threadx

    bars = random_candles(0, 400)
    kw = {"candle_settings": {"BodyDoji": {"factor": 0.3, "avg_period": 3}}}
    frame = pd.DataFrame(dict(zip(OHLC, bars)))
    exp = ta.CDLDOJI(*bars, **kw)
    got = ta.Pipeline(doji=ta.Node("CDLDOJI", **kw)).run(frame)
    np.testing.assert_array_equal(np.asarray(got["doji"]), exp)
    req = threadx.IndicatorRequest(function="CDLDOJI", inputs=list(bars), params=kw)
    np.testing.assert_array_equal(req.validate().run(), exp)
