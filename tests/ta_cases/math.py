"""Parameter cases of the Math Operators (cpp/src/ta/math.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every MA type of TA-Lib 0.8.2 (0-13: 7 = MAMA, 9 = HMA, 10 = no MA,
11 = the parameter's own default, 12 = ZLEMA, 13 = RMA).
"""

CASES: dict[str, list[dict]] = {
    "MAX": [{}, {"timeperiod": 2}, {"timeperiod": 13}],
    "MIN": [{}, {"timeperiod": 2}, {"timeperiod": 13}],
    "SUM": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
    "MAXINDEX": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
    "MININDEX": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
