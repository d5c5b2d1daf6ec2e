"""Parameter cases of the TA-Lib 0.8 Volume Indicators in cpp/src/ta/flow.cpp.

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every supported MA type (PVO; 7 = MAMA is rejected).
"""

CASES: dict[str, list[dict]] = {
    "CMF": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 200}],
    "EFI": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 150}],
    "MARKETFI": [{}],
    "NVI": [{}],
    "PVI": [{}],
    "PVO": [{}, {"fastperiod": 2, "slowperiod": 2}, {"fastperiod": 26, "slowperiod": 12},
            {"fastperiod": 10, "slowperiod": 120}]
    + [{"fastperiod": 5, "slowperiod": 9, "matype": m} for m in (0, 1, 2, 3, 4, 5, 6, 8)],
    "PVT": [{}],
    "RVOL": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 250}],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
