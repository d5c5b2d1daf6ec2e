"""Parameter cases for the directional / volatility / momentum family (cpp/src/ta/directional.cpp).

ATR NATR TRANGE, PLUS_DM MINUS_DM PLUS_DI MINUS_DI DX ADX ADXR, CCI WILLR AROON
AROONOSC MFI ULTOSC BOP CMO MOM ROC ROCP ROCR.

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods
(1 for ATR, NATR, the DM/DI pair, MOM and the ROCs, whose period 1 is a special
case in TA-Lib; 2 for the others), a few mid-size periods and a long one.  ULTOSC
also gets unsorted and equal periods (TA-Lib sorts them: the shortest gets weight 4).
"""

CASES: dict[str, list[dict]] = {
    # volatility
    "TRANGE": [{}],
    "ATR": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 200}],
    "NATR": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 200}],
    # directional movement (Wilder)
    "PLUS_DM": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 100}],
    "MINUS_DM": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 100}],
    "PLUS_DI": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 100}],
    "MINUS_DI": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 100}],
    "DX": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 7}, {"timeperiod": 100}],
    "ADX": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 7}, {"timeperiod": 100}],
    "ADXR": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 7}, {"timeperiod": 60}],
    # oscillators over a window
    "CCI": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 20}, {"timeperiod": 200}],
    "WILLR": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 20}, {"timeperiod": 200}],
    "AROON": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 25}, {"timeperiod": 200}],
    "AROONOSC": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 25}, {"timeperiod": 200}],
    "MFI": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 30}, {"timeperiod": 200}],
    "ULTOSC": [
        {},
        {"timeperiod1": 1, "timeperiod2": 1, "timeperiod3": 1},
        {"timeperiod1": 28, "timeperiod2": 7, "timeperiod3": 14},
        {"timeperiod1": 5, "timeperiod2": 5, "timeperiod3": 20},
        {"timeperiod1": 2, "timeperiod2": 100, "timeperiod3": 3},
    ],
    "BOP": [{}],
    "CMO": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 30}, {"timeperiod": 200}],
    # price change
    "MOM": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "ROC": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "ROCP": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "ROCR": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
}

STREAM_ONLY_NOTES: dict[str, str] = {
    "ATR": "On x86-64 CPUs with FMA the batch column is a second compilation of the same state "
    "for that target (chosen at import, like TA-Lib's own ifunc); the streaming side calls "
    "std::fma.  Both are exact fused multiply-adds, so batch == streaming bit for bit.",
    "NATR": "As ATR (FMA-compiled batch column).",
    "PLUS_DM": "A NaN high or low poisons the Wilder sums (TA-Lib's comparisons skip it).",
    "MINUS_DM": "As PLUS_DM.",
    "WILLR": "A NaN high or low inside the window gives NaN for the whole window "
    "(TA-Lib's scan drops it or not depending on where its rescan starts).",
    "AROON": "As WILLR.",
    "AROONOSC": "As WILLR.",
}
