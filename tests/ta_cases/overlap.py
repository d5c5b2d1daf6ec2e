"""Parameter cases of the Overlap Studies (cpp/src/ta/overlap.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every MA type of TA-Lib 0.8.2 (0-13: 7 = MAMA, 9 = HMA, 10 = no MA,
11 = the parameter's own default, 12 = ZLEMA, 13 = RMA).
"""

_MATYPES = list(range(14))

CASES: dict[str, list[dict]] = {
    "SMA": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
    "EMA": [{}, {"timeperiod": 2}, {"timeperiod": 9}, {"timeperiod": 250}],
    "DONCHIAN": [{}, {"timeperiod": 2}, {"timeperiod": 55}],
    "KC": [{}, {"timeperiod": 5, "atrperiod": 30, "nbdev": 1.5}, {"timeperiod": 30, "atrperiod": 1},
           {"timeperiod": 2, "atrperiod": 2, "nbdev": -0.5}],
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
}

STREAM_ONLY_NOTES: dict[str, str] = {}
