"""Parameter cases of the Volatility Indicators (cpp/src/ta/volatility.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every supported MA type (0-6 and 8; 7 = MAMA is rejected).
"""

CASES: dict[str, list[dict]] = {
    "TRANGE": [{}],
    "ATR": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 200}],
    "NATR": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 200}],
}

# Where streaming could differ from batch, and why it does not (or how it does).
STREAM_ONLY_NOTES: dict[str, str] = {
    "ATR": "On x86-64 CPUs with FMA the batch column is a second compilation of the same state "
    "for that target (chosen at import, like TA-Lib's own ifunc); the streaming side calls "
    "std::fma.  Both are exact fused multiply-adds, so batch == streaming bit for bit.",
    "NATR": "As ATR (FMA-compiled batch column).",
}
