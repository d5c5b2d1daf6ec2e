"""Parameter cases of the Momentum Indicators TA-Lib 0.8 added (cpp/src/ta/oscillator.cpp, and
ROCR100 in momentum.cpp).

Each function name maps to keyword-argument dicts exactly as passed to
``talib.<NAME>(*inputs, **kwargs)``: the defaults, the smallest allowed periods, inverted
or unusual period pairs, large periods and every MA type ThreadX supports (KDJ).
"""

from __future__ import annotations

import numpy as np


def _matypes() -> list[int]:
    """The MA types (of TA-Lib's 0-13) that threadx.ta accepts."""
    import threadx.ta as ta
    from threadx.errors import ValidationError

    supported = []
    for t in range(14):
        try:
            ta.MA(np.ones(4), timeperiod=2, matype=t)
        except ValidationError:
            continue
        supported.append(t)
    return supported


_MATYPES = _matypes()

CASES: dict[str, list[dict]] = {
    "AC": [{}, {"fastperiod": 2, "slowperiod": 2, "signalperiod": 2},
           {"fastperiod": 34, "slowperiod": 5}, {"fastperiod": 5, "slowperiod": 100, "signalperiod": 20}],
    "AO": [{}, {"fastperiod": 2, "slowperiod": 2}, {"fastperiod": 34, "slowperiod": 5},
           {"fastperiod": 3, "slowperiod": 200}],
    "CMOU": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 200}],
    "COPPOCK": [{}, {"wmaperiod": 1, "roc1period": 1, "roc2period": 1},
                {"wmaperiod": 1, "roc1period": 11, "roc2period": 14},
                {"wmaperiod": 10, "roc1period": 14, "roc2period": 11},
                {"wmaperiod": 30, "roc1period": 5, "roc2period": 100}],
    "DPO": [{}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 5}, {"timeperiod": 200}],
    "ER": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 200}],
    "ERI": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 100}],
    "FOSC": [{}, {"timeperiod": 2}, {"timeperiod": 14}, {"timeperiod": 200}],
    "FRACTAL": [{}, {"leftbars": 1, "rightbars": 1}, {"leftbars": 3, "rightbars": 1},
                {"leftbars": 1, "rightbars": 4}, {"leftbars": 20, "rightbars": 20}],
    "IMI": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 100}],
    "KDJ": ([{}] if 13 in _MATYPES else [])
    + [{"fastk_period": 1, "slowk_period": 1, "slowk_matype": _MATYPES[0], "slowd_period": 1,
        "slowd_matype": _MATYPES[0]},
       {"fastk_period": 200, "slowk_period": 30, "slowk_matype": 0, "slowd_period": 50, "slowd_matype": 1}]
    + [{"fastk_period": 9, "slowk_period": 3, "slowk_matype": t, "slowd_period": 4, "slowd_matype": t}
       for t in _MATYPES],
    "QSTICK": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 200}],
    "ROCR100": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 30}, {"timeperiod": 250}],
    "SMI": [{}, {"timeperiod": 2, "fastperiod": 2, "slowperiod": 2, "signalperiod": 2},
            {"timeperiod": 5, "fastperiod": 3, "slowperiod": 10, "signalperiod": 4},
            {"timeperiod": 50, "fastperiod": 20, "slowperiod": 100, "signalperiod": 30}],
    "TSI": [{}, {"firstperiod": 2, "secondperiod": 2}, {"firstperiod": 13, "secondperiod": 25},
            {"firstperiod": 100, "secondperiod": 50}],
    "VHF": [{}, {"timeperiod": 2}, {"timeperiod": 5}, {"timeperiod": 200}],
    "VORTEX": [{}, {"timeperiod": 1}, {"timeperiod": 2}, {"timeperiod": 100}],
    "WAD": [{}],
}

STREAM_ONLY_NOTES: dict[str, str] = {}
