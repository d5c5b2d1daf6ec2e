"""Parameter cases of the candlestick patterns (cpp/src/ta/pattern_*.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(open, high, low, close, **kwargs)``: the defaults, and for a pattern with a
``penetration`` the smallest allowed (0), a large one and one in between.  The candle
settings are covered by tests/test_ta_patterns.py (TA-Lib's process-wide setter against
``candle_settings=``).  ``VALUES`` lists every value a pattern can give (TA-Lib's
conventions): tests/test_ta_patterns.py requires each to occur on its random candles.
"""

PENETRATION = [{}, {"penetration": 0}, {"penetration": 0.2}, {"penetration": 1.5}]

CASES: dict[str, list[dict]] = {
    "CDL2CROWS": [{}],
    "CDL3BLACKCROWS": [{}],
    "CDL3INSIDE": [{}],
    "CDL3LINESTRIKE": [{}],
    "CDL3OUTSIDE": [{}],
    "CDL3STARSINSOUTH": [{}],
    "CDL3WHITESOLDIERS": [{}],
    "CDLABANDONEDBABY": PENETRATION,
    "CDLADVANCEBLOCK": [{}],
    "CDLBELTHOLD": [{}],
    "CDLBREAKAWAY": [{}],
    "CDLCLOSINGMARUBOZU": [{}],
    "CDLCONCEALBABYSWALL": [{}],
    "CDLCOUNTERATTACK": [{}],
    "CDLDARKCLOUDCOVER": PENETRATION,
    "CDLDOJI": [{}],
    "CDLDOJISTAR": [{}],
    "CDLDRAGONFLYDOJI": [{}],
    "CDLENGULFING": [{}],
    "CDLEVENINGDOJISTAR": PENETRATION,
    "CDLEVENINGSTAR": PENETRATION,
    "CDLGAPSIDESIDEWHITE": [{}],
    "CDLGRAVESTONEDOJI": [{}],
    "CDLHAMMER": [{}],
    "CDLHANGINGMAN": [{}],
    "CDLHARAMI": [{}],
    "CDLHARAMICROSS": [{}],
    "CDLHIGHWAVE": [{}],
    "CDLHIKKAKE": [{}],
    "CDLHIKKAKEMOD": [{}],
}

BOTH = {-100, 100}
BULL, BEAR = {100}, {-100}
WITH_80 = {-100, -80, 80, 100}
CONFIRMED = {-200, -100, 100, 200}
VALUES: dict[str, set[int]] = {
    "CDL2CROWS": BEAR,
    "CDL3BLACKCROWS": BEAR,
    "CDL3INSIDE": BOTH,
    "CDL3LINESTRIKE": BOTH,
    "CDL3OUTSIDE": BOTH,
    "CDL3STARSINSOUTH": BULL,
    "CDL3WHITESOLDIERS": BULL,
    "CDLABANDONEDBABY": BOTH,
    "CDLADVANCEBLOCK": BEAR,
    "CDLBELTHOLD": BOTH,
    "CDLBREAKAWAY": BOTH,
    "CDLCLOSINGMARUBOZU": BOTH,
    "CDLCONCEALBABYSWALL": BULL,
    "CDLCOUNTERATTACK": BOTH,
    "CDLDARKCLOUDCOVER": BEAR,
    "CDLDOJI": BULL,
    "CDLDOJISTAR": BOTH,
    "CDLDRAGONFLYDOJI": BULL,
    "CDLENGULFING": WITH_80,
    "CDLEVENINGDOJISTAR": BEAR,
    "CDLEVENINGSTAR": BEAR,
    "CDLGAPSIDESIDEWHITE": BOTH,
    "CDLGRAVESTONEDOJI": BULL,
    "CDLHAMMER": BULL,
    "CDLHANGINGMAN": BEAR,
    "CDLHARAMI": WITH_80,
    "CDLHARAMICROSS": WITH_80,
    "CDLHIGHWAVE": BOTH,
    "CDLHIKKAKE": CONFIRMED,
    "CDLHIKKAKEMOD": CONFIRMED,
}
