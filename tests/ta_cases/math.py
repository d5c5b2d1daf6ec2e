"""Parameter cases of the Math Operators (cpp/src/ta/math.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every supported MA type (0-6 and 8; 7 = MAMA is rejected).
"""

CASES: dict[str, list[dict]] = {
    "MAX": [{}, {"timeperiod": 2}, {"timeperiod": 13}],
    "MIN": [{}, {"timeperiod": 2}, {"timeperiod": 13}],
    "SUM": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
    "MAXINDEX": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
    "MININDEX": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
