"""Parameter cases of the Hilbert-transform cycle indicators and the adaptive Overlap
Studies (cpp/src/ta/cycle.cpp): HT_*, MAMA, MAVP, SAREXT, HMA, RMA, ZLEMA.

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods and
limits, large periods and every MA type of TA-Lib 0.8.2 (0-13) where there is one.
MAVP's ``periods`` input is the test data's own (see the parity tests' inputs).
"""

_MATYPES = list(range(14))

CASES: dict[str, list[dict]] = {
    "HT_DCPERIOD": [{}],
    "HT_DCPHASE": [{}],
    "HT_PHASOR": [{}],
    "HT_SINE": [{}],
    "HT_TRENDLINE": [{}],
    "HT_TRENDMODE": [{}],
    "MAMA": [{}, {"fastlimit": 0.01, "slowlimit": 0.01}, {"fastlimit": 0.99, "slowlimit": 0.99},
             {"fastlimit": 0.2, "slowlimit": 0.5}, {"fastlimit": 0.9, "slowlimit": 0.01}],
    "MAVP": [{}, {"minperiod": 1, "maxperiod": 1}, {"minperiod": 1, "maxperiod": 5}, {"minperiod": 5, "maxperiod": 5},
             {"minperiod": 3, "maxperiod": 60}]
    + [{"minperiod": 2, "maxperiod": 12, "matype": m} for m in _MATYPES],
    "SAREXT": [
        {},
        {"startvalue": 0.0, "offsetonreverse": 0.01},
        {"accelerationinitlong": 0.0, "accelerationlong": 0.0, "accelerationmaxlong": 0.0,
         "accelerationinitshort": 0.0, "accelerationshort": 0.0, "accelerationmaxshort": 0.0},
        {"accelerationinitlong": 0.05, "accelerationlong": 0.01, "accelerationmaxlong": 0.3,
         "accelerationinitshort": 0.01, "accelerationshort": 0.04, "accelerationmaxshort": 0.1},
        {"accelerationinitlong": 0.5, "accelerationlong": 0.4, "accelerationmaxlong": 0.1,
         "accelerationinitshort": 0.3, "accelerationshort": 0.5, "accelerationmaxshort": 0.2},
        {"startvalue": 1e6}, {"startvalue": -1e6}, {"startvalue": 1e-3, "offsetonreverse": 0.5},
        {"startvalue": -1e-3, "offsetonreverse": 2.0},
    ],
    "HMA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 4}, {"timeperiod": 9},
            {"timeperiod": 200}],
    "RMA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 14}, {"timeperiod": 250}],
    "ZLEMA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 10}, {"timeperiod": 250}],
}
