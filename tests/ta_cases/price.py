"""Parameter cases of the Price Transform (cpp/src/ta/price.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods,
large periods and every supported MA type (0-6 and 8; 7 = MAMA is rejected).
"""

CASES: dict[str, list[dict]] = {
    "AVGPRICE": [{}],
    "MEDPRICE": [{}],
    "TYPPRICE": [{}],
    "WCLPRICE": [{}],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
