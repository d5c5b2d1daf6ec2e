"""Parameter cases for the misc family (cpp/src/ta/misc.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every supported MA type (0-6 and 8; 7 = MAMA is rejected).
"""

CASES: dict[str, list[dict]] = {
    # volume
    "OBV": [{}],
    "AD": [{}],
    "ADOSC": [
        {},
        {"fastperiod": 2, "slowperiod": 2},
        {"fastperiod": 10, "slowperiod": 3},
        {"fastperiod": 12, "slowperiod": 60},
    ],
    # statistics
    "LINEARREG": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "LINEARREG_SLOPE": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "LINEARREG_ANGLE": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "LINEARREG_INTERCEPT": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "TSF": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "BETA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 60}],
    "CORREL": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    # math operators
    "SUM": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
    "MAXINDEX": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
    "MININDEX": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
    # price transforms
    "AVGPRICE": [{}],
    "MEDPRICE": [{}],
    "TYPPRICE": [{}],
    "WCLPRICE": [{}],
    # stochastics
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
    ],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
