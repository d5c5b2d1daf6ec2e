"""Parameter cases of the Statistic Functions (cpp/src/ta/statistic.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every supported MA type (0-6 and 8; 7 = MAMA is rejected).
"""

CASES: dict[str, list[dict]] = {
    "LINEARREG": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "LINEARREG_SLOPE": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "LINEARREG_ANGLE": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "LINEARREG_INTERCEPT": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "TSF": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "BETA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 60}],
    "CORREL": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "STDDEV": [{}, {"timeperiod": 2}, {"timeperiod": 20, "nbdev": 2.0}, {"timeperiod": 3, "nbdev": -1.0},
               {"timeperiod": 200}],
    "VAR": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 20, "nbdev": 2.0}, {"timeperiod": 200}],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
