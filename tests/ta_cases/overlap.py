"""Cases for the overlap studies and MA-based oscillators (cpp/src/ta/overlap.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods (1 for
the moving averages, TRIX, VAR and the signal periods; 2 elsewhere), odd and even
periods where the algorithm differs (TRIMA), large periods, every supported MA type
(0-6 and 8; 7 = MAMA is rejected by the registry), swapped fast/slow periods, and the
branches of the multipliers (BBANDS, SAR's acceleration above its maximum).
"""

_MATYPES = [0, 1, 2, 3, 4, 5, 6, 8]

CASES: dict[str, list[dict]] = {
    "WMA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 9}, {"timeperiod": 200}],
    "DEMA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 9}, {"timeperiod": 100}],
    "TEMA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 9}, {"timeperiod": 60}],
    "TRIMA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 10},
              {"timeperiod": 11}, {"timeperiod": 200}],
    "KAMA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 10}, {"timeperiod": 200}],
    "T3": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 10, "vfactor": 0.0},
           {"timeperiod": 7, "vfactor": 1.0}, {"timeperiod": 30, "vfactor": 0.3}],
    "MA": [{}, {"timeperiod": 1}]
    + [{"timeperiod": 1, "matype": m} for m in (1, 6, 8)]
    + [{"timeperiod": 2, "matype": m} for m in _MATYPES]
    + [{"timeperiod": 9, "matype": m} for m in _MATYPES],
    "BBANDS": [{}, {"timeperiod": 2}, {"timeperiod": 10, "nbdevup": 1.5, "nbdevdn": 3.0},
               {"timeperiod": 10, "nbdevup": 1.0, "nbdevdn": 2.5}, {"timeperiod": 10, "nbdevup": 0.5, "nbdevdn": 1.0},
               {"timeperiod": 5, "nbdevup": 1.0, "nbdevdn": 1.0}, {"timeperiod": 7, "nbdevup": -1.5, "nbdevdn": 0.0}]
    + [{"timeperiod": 9, "matype": m} for m in _MATYPES],
    "MIDPOINT": [{}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "MIDPRICE": [{}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "SAR": [{}, {"acceleration": 0.0, "maximum": 0.0}, {"acceleration": 0.05, "maximum": 0.3},
            {"acceleration": 0.5, "maximum": 0.1}, {"acceleration": 0.02, "maximum": 0.0}],
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
    "STDDEV": [{}, {"timeperiod": 2}, {"timeperiod": 20, "nbdev": 2.0}, {"timeperiod": 3, "nbdev": -1.0},
               {"timeperiod": 200}],
    "VAR": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 20, "nbdev": 2.0}, {"timeperiod": 200}],
}

# Nothing surprising in streaming: every state above gives batch's values bit for bit.
STREAM_ONLY_NOTES: dict[str, str] = {}
