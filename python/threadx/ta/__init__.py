"""TA-Lib's function API, computed by ThreadX's C++ core.

``import threadx.ta as talib`` runs a TA-Lib script unchanged for the functions
listed in ``get_functions()``: same names, parameter names, defaults, output order
and warm-up NaNs, same values (tested against TA-Lib under the parity rule of docs/design.md).
On top of TA-Lib:

* **Grids:** any parameter takes a sequence; several sequences form their cartesian
  product, one output column per combination (``RSI(close, timeperiod=range(5, 51))``).
* **Universes:** 2-D input (rows x assets, numpy or DataFrame) computes every column;
  with a grid you get assets x parameter sets.  Columns are computed in parallel and are
  bit-identical to one call per column, whatever the thread count.
* **pandas:** a Series comes back as a Series on the same index; grids and 2-D input
  give a DataFrame whose columns are a MultiIndex (asset, swept parameters...).
* **OHLCV frames:** multi-input functions take a DataFrame or dict with
  open/high/low/close/volume columns (any case) in place of separate arrays.

Where TA-Lib's own result is an artefact, ThreadX differs and says so (see the README,
"Indicators"): a NaN *inside* the input poisons a running state from that bar on and
makes a window that holds it NaN, whereas TA-Lib's compiled comparisons give
build-dependent numbers there.
"""

from __future__ import annotations

from typing import Any

from threadx.errors import InsufficientHistory
from threadx.ta._api import (
    MA_Type,
    UnknownIndicatorError,
    describe,
    get_compatibility,
    get_function_groups,
    get_functions,
    get_unstable_period,
    set_compatibility,
    set_unstable_period,
)
from threadx.ta._api import function as _function
from threadx.ta._api import talib_name as _talib_name
from threadx.ta._candles import (
    CandleSettingType,
    RangeType,
    get_candle_settings,
    restore_candle_default_settings,
    set_candle_settings,
)
from threadx.ta.pipeline import Node, Pipeline

__all__ = [
    "CandleSettingType",
    "InsufficientHistory",
    "MA_Type",
    "Node",
    "Pipeline",
    "RangeType",
    "UnknownIndicatorError",
    "describe",
    "get_compatibility",
    "get_function_groups",
    "get_candle_settings",
    "get_functions",
    "get_unstable_period",
    "restore_candle_default_settings",
    "set_candle_settings",
    "set_compatibility",
    "set_unstable_period",
    *get_functions(),
]

globals().update({name: _function(name) for name in get_functions()})

from threadx.ta._extras import VWAP  # noqa: E402, F401  (replaces the generated VWAP: rolling and sessions too)


# -> Any, not NoReturn: the indicators above are made at import (globals().update), so a type
# checker finds ta.SMA & co. through this hook; at run time it is only reached for missing names
def __getattr__(name: str) -> Any:
    if name in ("abstract", "stream"):  # TA-Lib's submodules, reachable as talib.abstract / talib.stream
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if _talib_name(name):
        raise UnknownIndicatorError(name)
    raise AttributeError(f"module 'threadx.ta' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
