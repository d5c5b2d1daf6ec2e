"""Parameter cases of the TA-Lib 0.8 additions in cpp/src/ta/band.cpp (ACCBANDS ADR AVGDEV
CVI HA MASSI PERCENTILE PERCENTRANK RVI SUPERTREND VWMA).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods and
large periods.
"""

CASES: dict[str, list[dict]] = {
    "ACCBANDS": [{}, {"timeperiod": 2}, {"timeperiod": 200}],
    "ADR": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 200}],
    "AVGDEV": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 200}],
    "CVI": [{}, {"timeperiod": 2, "rocperiod": 1}, {"timeperiod": 3, "rocperiod": 40}, {"timeperiod": 100}],
    "HA": [{}],
    "MASSI": [{}, {"fastperiod": 2, "slowperiod": 2}, {"fastperiod": 30, "slowperiod": 80}],
    "PERCENTILE": [{}, {"timeperiod": 2}, {"timeperiod": 2, "percentile": 0.0}, {"timeperiod": 2, "percentile": 100.0},
                   {"timeperiod": 10, "percentile": 25.0}, {"timeperiod": 7, "percentile": 90.0},
                   {"timeperiod": 250, "percentile": 33.3}],
    "PERCENTRANK": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 300}],
    "RVI": [{}, {"timeperiod": 1, "stddevperiod": 2}, {"timeperiod": 2, "stddevperiod": 3},
            {"timeperiod": 60, "stddevperiod": 100}],
    "SUPERTREND": [{}, {"timeperiod": 2}, {"timeperiod": 2, "multiplier": 0.0}, {"timeperiod": 7, "multiplier": 1.5},
                   {"timeperiod": 120, "multiplier": 4.0}],
    "VWMA": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 250}],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
