"""Candlestick patterns where the generic tests of tests/test_ta_patterns.py need a hand-made
case: the penetration thresholds of the bullish stars (CDLMORNINGSTAR, CDLMORNINGDOJISTAR and
CDLABANDONEDBABY's bullish side) and of CDLMATHOLD at the exact edge between a fused and a
twice-rounded close +/- body * penetration."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import threadx.ta as ta
from test_ta_patterns import _penetration_bars, _penetration_edge

talib = pytest.importorskip("talib")

PEN = 0.3


def _mirror(bars: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Prices negated (high and low swap): a bearish pattern becomes its bullish twin, and
    c - body * pen becomes -c + body * pen with the same roundings."""
    o, h, l, c = bars
    return -o, -l, -h, -c


@pytest.mark.parametrize(("name", "evening"), [("CDLMORNINGSTAR", "CDLEVENINGSTAR"),
                                               ("CDLMORNINGDOJISTAR", "CDLEVENINGDOJISTAR"),
                                               ("CDLABANDONEDBABY", "CDLABANDONEDBABY")])
def test_bullish_penetration_rounds_as_talib(name: str, evening: str) -> None:
    """The white candle closes exactly between the fused and the twice-rounded
    a.close + a.body * penetration: only TA-Lib's rounding gives TA-Lib's answer (TA-Lib 0.8.1
    as built for the talib wheel fuses this sum, while close - body * penetration is rounded
    twice: tests/test_ta_patterns.py::test_penetration_rounds_as_talib)."""
    edge = _penetration_edge()[2]
    beyond = _mirror(_penetration_bars(evening, float(np.nextafter(edge, 0))))
    assert getattr(talib, name)(*beyond, penetration=PEN)[-1] == 100  # the pattern is there
    at = _mirror(_penetration_bars(evening, edge))
    np.testing.assert_array_equal(getattr(ta, name)(*at, penetration=PEN), getattr(talib, name)(*at, penetration=PEN))


def _mat_hold_bars(bottom: float) -> tuple[np.ndarray, ...]:
    """Small candles, then a mat hold whose first reaction candle's body bottom is `bottom`."""
    o, c, _ = _penetration_edge()
    n = 16
    opens = np.full(n, 100.0)
    closes, highs, lows = opens + 0.1, opens + 0.15, opens - 0.05
    rows = [
        (o, c + 0.01, o - 0.01, c),                                   # long white
        (c + 1.0, c + 1.2, c + 0.9, c + 0.95),                        # small black gapping up
        (bottom + 0.05, bottom + 0.1, bottom - 0.05, bottom),         # small, falling, within the white body
        (bottom + 0.04, bottom + 0.1, bottom, bottom + 0.02),         # small, falling
        (bottom + 0.5, c + 2.01, bottom + 0.49, c + 2.0),             # white, closing above the reaction highs
    ]
    for k, (op, hi, lo, cl) in enumerate(rows, start=n - len(rows)):
        opens[k], highs[k], lows[k], closes[k] = op, hi, lo, cl
    return opens, highs, lows, closes


def test_mat_hold_penetration_rounds_as_talib() -> None:
    """A reaction candle's body bottom exactly between the fused and the twice-rounded
    a.close - a.body * penetration (the larger of the two: above exactly one of them)."""
    o, c, _ = _penetration_edge()
    twice = c - (c - o) * PEN
    once = float(Fraction(c) - Fraction(c - o) * Fraction(PEN))
    edge = max(twice, once)
    assert twice != once
    above = _mat_hold_bars(float(np.nextafter(edge, np.inf)))
    assert talib.CDLMATHOLD(*above, penetration=PEN)[-1] == 100  # the pattern is there
    at = _mat_hold_bars(edge)
    np.testing.assert_array_equal(ta.CDLMATHOLD(*at, penetration=PEN), talib.CDLMATHOLD(*at, penetration=PEN))
