"""Parameter cases of the Math Transform functions and the Math Operators of
cpp/src/ta/transform.cpp (ADD SUB MULT DIV MINMAX MINMAXINDEX CUMSUM).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed period and large
periods.  The datasets are prices (about 100): ACOS and ASIN are NaN there, as in
TA-Lib; tests/test_ta_transform.py covers their domain.
"""

_TRANSFORMS = "ACOS ASIN ATAN CEIL COS COSH EXP FLOOR LN LOG10 SIN SINH SQRT TAN TANH".split()

CASES: dict[str, list[dict]] = {
    **{name: [{}] for name in _TRANSFORMS},
    **{name: [{}] for name in ("ADD", "SUB", "MULT", "DIV", "CUMSUM")},
    "MINMAX": [{}, {"timeperiod": 2}, {"timeperiod": 13}, {"timeperiod": 200}],
    "MINMAXINDEX": [{}, {"timeperiod": 2}, {"timeperiod": 7}, {"timeperiod": 200}],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
