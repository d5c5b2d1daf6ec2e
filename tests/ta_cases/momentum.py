"""Parameter cases of the Momentum Indicators (cpp/src/ta/momentum.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every MA type of TA-Lib 0.8.2 (0-13: 7 = MAMA, 9 = HMA, 10 = no MA,
11 = the parameter's own default, 12 = ZLEMA, 13 = RMA).
"""

_MATYPES = list(range(14))

CASES: dict[str, list[dict]] = {
    "RSI": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "PLUS_DM": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 100}],
    "MINUS_DM": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 100}],
    "PLUS_DI": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 100}],
    "MINUS_DI": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 100}],
    "DX": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 7}, {"timeperiod": 100}],
    "ADX": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 7}, {"timeperiod": 100}],
    "ADXR": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 7}, {"timeperiod": 60}],
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
    "MOM": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "ROC": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "ROCP": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "ROCR": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "STOCH": [
        {},
        {"fastk_period": 1, "slowk_period": 1, "slowd_period": 1},
        {"fastk_period": 14, "slowk_period": 5, "slowk_matype": 1, "slowd_period": 4, "slowd_matype": 0},
        {"fastk_period": 200, "slowk_period": 30, "slowd_period": 50},
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 0, "slowd_period": 5, "slowd_matype": 0},
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 1, "slowd_period": 5, "slowd_matype": 1},
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 2, "slowd_period": 5, "slowd_matype": 2},
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 3, "slowd_period": 5, "slowd_matype": 3},
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 4, "slowd_period": 5, "slowd_matype": 4},
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 5, "slowd_period": 5, "slowd_matype": 5},
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 6, "slowd_period": 5, "slowd_matype": 6},
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 8, "slowd_period": 5, "slowd_matype": 8},
    ] + [
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": m, "slowd_period": 5, "slowd_matype": m}
        for m in (7, 9, 10, 11, 12, 13)
    ] + [
        {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 1, "slowd_period": 5, "slowd_matype": 3},
    ],
    "STOCHF": [
        {},
        {"fastk_period": 1, "fastd_period": 1},
        {"fastk_period": 21, "fastd_period": 9, "fastd_matype": 1},
        {"fastk_period": 9, "fastd_period": 5, "fastd_matype": 0},
        {"fastk_period": 9, "fastd_period": 5, "fastd_matype": 1},
        {"fastk_period": 9, "fastd_period": 5, "fastd_matype": 2},
        {"fastk_period": 9, "fastd_period": 5, "fastd_matype": 3},
        {"fastk_period": 9, "fastd_period": 5, "fastd_matype": 4},
        {"fastk_period": 9, "fastd_period": 5, "fastd_matype": 5},
        {"fastk_period": 9, "fastd_period": 5, "fastd_matype": 6},
        {"fastk_period": 9, "fastd_period": 5, "fastd_matype": 8},
    ] + [
        {"fastk_period": 9, "fastd_period": 5, "fastd_matype": m} for m in (7, 9, 10, 11, 12, 13)
    ],
    "STOCHRSI": [
        {},
        {"timeperiod": 2, "fastk_period": 1, "fastd_period": 1},
        {"timeperiod": 21, "fastk_period": 14, "fastd_period": 9, "fastd_matype": 1},
        {"timeperiod": 9, "fastk_period": 7, "fastd_period": 4, "fastd_matype": 0},
        {"timeperiod": 9, "fastk_period": 7, "fastd_period": 4, "fastd_matype": 1},
        {"timeperiod": 9, "fastk_period": 7, "fastd_period": 4, "fastd_matype": 2},
        {"timeperiod": 9, "fastk_period": 7, "fastd_period": 4, "fastd_matype": 3},
        {"timeperiod": 9, "fastk_period": 7, "fastd_period": 4, "fastd_matype": 4},
        {"timeperiod": 9, "fastk_period": 7, "fastd_period": 4, "fastd_matype": 5},
        {"timeperiod": 9, "fastk_period": 7, "fastd_period": 4, "fastd_matype": 6},
        {"timeperiod": 9, "fastk_period": 7, "fastd_period": 4, "fastd_matype": 8},
    ] + [
        {"timeperiod": 9, "fastk_period": 7, "fastd_period": 4, "fastd_matype": m} for m in (7, 9, 10, 11, 12, 13)
    ],
    "MACD": [{}, {"fastperiod": 2, "slowperiod": 2, "signalperiod": 1},
             {"fastperiod": 2, "slowperiod": 3, "signalperiod": 1}, {"fastperiod": 26, "slowperiod": 12},
             {"fastperiod": 5, "slowperiod": 35, "signalperiod": 5}],
    "MACDEXT": [{}, {"fastperiod": 5, "fastmatype": 1, "slowperiod": 20, "slowmatype": 2, "signalperiod": 4,
                     "signalmatype": 3},
                {"fastperiod": 30, "fastmatype": 6, "slowperiod": 4, "slowmatype": 8, "signalperiod": 1,
                 "signalmatype": 1},
                {"fastperiod": 12, "fastmatype": 1, "slowperiod": 26, "slowmatype": 1, "signalperiod": 1,
                 "signalmatype": 1},
                {"fastperiod": 2, "fastmatype": 0, "slowperiod": 2, "slowmatype": 5, "signalperiod": 2,
                 "signalmatype": 4}]
    + [{"fastperiod": 6, "fastmatype": m, "slowperiod": 13, "slowmatype": m, "signalperiod": 5, "signalmatype": m}
       for m in _MATYPES],
    "MACDFIX": [{}, {"signalperiod": 1}, {"signalperiod": 2}, {"signalperiod": 20}],
    "APO": [{}, {"fastperiod": 2, "slowperiod": 2}, {"fastperiod": 3, "slowperiod": 10, "matype": 1}]
    + [{"fastperiod": 20, "slowperiod": 5, "matype": m} for m in _MATYPES],
    "PPO": [{}, {"fastperiod": 2, "slowperiod": 2}, {"fastperiod": 3, "slowperiod": 10, "matype": 1}]
    + [{"fastperiod": 20, "slowperiod": 5, "matype": m} for m in _MATYPES],
    "TRIX": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 15}],
}

# Where streaming could differ from batch, and why it does not (or how it does).
STREAM_ONLY_NOTES: dict[str, str] = {
    "PLUS_DM": "A NaN high or low poisons the Wilder sums (TA-Lib's comparisons skip it).",
    "MINUS_DM": "As PLUS_DM.",
    "WILLR": "A NaN high or low inside the window gives NaN for the whole window "
    "(TA-Lib's scan drops it or not depending on where its rescan starts).",
    "AROON": "As WILLR.",
    "AROONOSC": "As WILLR.",
}
