"""Cases for the overlap studies and MA-based oscillators (cpp/src/ta/overlap.cpp)."""

_MATYPES = [0, 1, 2, 3, 4, 5, 6, 8]

CASES = {
    "WMA": [{}, {"timeperiod": 2}, {"timeperiod": 9}, {"timeperiod": 200}],
    "DEMA": [{}, {"timeperiod": 2}, {"timeperiod": 9}],
    "TEMA": [{}, {"timeperiod": 2}, {"timeperiod": 9}],
    "TRIMA": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 10}, {"timeperiod": 11}],
    "KAMA": [{}, {"timeperiod": 2}, {"timeperiod": 10}],
    "T3": [{}, {"timeperiod": 2}, {"timeperiod": 10, "vfactor": 0.0}, {"timeperiod": 7, "vfactor": 1.0}],
    "MA": [{}, {"timeperiod": 1}] + [{"timeperiod": 9, "matype": m} for m in _MATYPES],
    "BBANDS": [{}, {"timeperiod": 2}, {"timeperiod": 10, "nbdevup": 1.5, "nbdevdn": 3.0}]
    + [{"timeperiod": 9, "matype": m} for m in _MATYPES],
    "MIDPOINT": [{}, {"timeperiod": 2}, {"timeperiod": 30}],
    "MIDPRICE": [{}, {"timeperiod": 2}, {"timeperiod": 30}],
    "SAR": [{}, {"acceleration": 0.0, "maximum": 0.0}, {"acceleration": 0.05, "maximum": 0.3},
            {"acceleration": 0.5, "maximum": 0.1}],
    "MACD": [{}, {"fastperiod": 2, "slowperiod": 3, "signalperiod": 1}, {"fastperiod": 26, "slowperiod": 12},
             {"fastperiod": 5, "slowperiod": 35, "signalperiod": 5}],
    "MACDEXT": [{}, {"fastperiod": 5, "fastmatype": 1, "slowperiod": 20, "slowmatype": 2, "signalperiod": 4,
                     "signalmatype": 3}]
    + [{"fastperiod": 6, "fastmatype": m, "slowperiod": 13, "slowmatype": m, "signalperiod": 5, "signalmatype": m}
       for m in _MATYPES],
    "MACDFIX": [{}, {"signalperiod": 1}, {"signalperiod": 20}],
    "APO": [{}, {"fastperiod": 3, "slowperiod": 10, "matype": 1}, {"fastperiod": 20, "slowperiod": 5, "matype": 2}],
    "PPO": [{}, {"fastperiod": 3, "slowperiod": 10, "matype": 1}, {"fastperiod": 20, "slowperiod": 5, "matype": 8}],
    "TRIX": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 15}],
    "STDDEV": [{}, {"timeperiod": 2}, {"timeperiod": 20, "nbdev": 2.0}],
    "VAR": [{}, {"timeperiod": 1}, {"timeperiod": 20, "nbdev": 2.0}],
}
