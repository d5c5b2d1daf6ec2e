"""Parameter cases of the Volume Indicators (cpp/src/ta/volume.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every supported MA type (0-6 and 8; 7 = MAMA is rejected).
"""

CASES: dict[str, list[dict]] = {
    "VWAP": [{}],
    "OBV": [{}],
    "AD": [{}],
    "ADOSC": [
        {},
        {"fastperiod": 2, "slowperiod": 2},
        {"fastperiod": 10, "slowperiod": 3},
        {"fastperiod": 12, "slowperiod": 60},
    ],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
