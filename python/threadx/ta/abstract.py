"""TA-Lib's abstract API on ThreadX's indicators: ``from threadx.ta import abstract``.

    from threadx.ta.abstract import Function
    sma = Function("sma", timeperiod=25)
    sma(inputs)                        # inputs: dict of arrays or a DataFrame (open, high, ...)
    Function("STOCH").info             # TA-Lib's info dict: name, group, display_name, ...
    abstract.RSI(df, timeperiod=10, price="open")

As ``talib.abstract``: ``Function(name, [input_arrays], [params...], **kwargs)`` holds
input arrays, the price series each input reads (``input_names``), and parameters;
``outputs``, ``run()`` and calling the object compute with them (a call's own parameters
do not stick).  A ``DataFrame`` gives a Series (one output) or a DataFrame of the outputs
on its index; a dict of arrays gives an array or a list of arrays.  ``info``,
``function_flags``, ``output_flags``, ``output_names`` and ``lookback`` equal TA-Lib's.

Where TA-Lib raises a bare ``Exception`` or ``TypeError``, ThreadX raises
``ValidationError`` naming the field (a missing input column, a parameter of the wrong
type or out of range); an unknown name is ``UnknownIndicatorError`` for a TA-Lib function
ThreadX lacks, ``ValidationError`` otherwise.  State is per thread, as in TA-Lib, so the
module-level objects (``abstract.SMA``) may be shared between threads.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors
from threadx.errors import ValidationError
from threadx.ta._api import PRICE_KEYWORDS, SPECS, Spec, compute, get_functions, lookback, row, spec

__all__ = ["Function", *get_functions()]

_OHLCV = ("open", "high", "low", "close", "volume")
_INPUT_TYPES = (Mapping, pd.DataFrame)
_ARRAY_TYPES = (np.ndarray, pd.Series, list)


@cache
def _flags() -> dict[str, Any]:
    text = resources.files("threadx.ta").joinpath("_talib_flags.json").read_text()
    table: dict[str, Any] = json.loads(text)
    return table


def _input_layout(s: Spec) -> OrderedDict[str, Any]:
    """TA-Lib's ``input_names``: a generic input (``real``) reads one price series by keyword
    (``price``: ``close``); consecutive OHLCV inputs form one ``prices`` list."""
    layout: OrderedDict[str, Any] = OrderedDict()
    for name in s.inputs:
        if name in PRICE_KEYWORDS:
            keyword, default = PRICE_KEYWORDS[name]
            layout[keyword] = default
        elif name in _OHLCV:
            layout.setdefault("prices", []).append(name)
        else:
            layout[name] = name
    return layout


def _series_names(layout: Mapping[str, Any]) -> list[str]:
    """The price series the inputs read, one per input of the function, in order."""
    names: list[str] = []
    for v in layout.values():
        names.extend(v if isinstance(v, list) else [v])
    return names


def _columns(s: Spec, arrays: Any, series: list[str]) -> dict[str, Any]:
    """``{lowercase name: key}`` of the arrays' columns, checked to hold every series (any case)."""
    keys = arrays.columns if isinstance(arrays, pd.DataFrame) else arrays.keys()
    lower = {str(k).lower(): k for k in keys}
    missing = [k for k in series if k.lower() not in lower]
    if missing:
        raise ValidationError([{"field": "input_arrays", "value": f"keys {sorted(lower)}"[:200],
                                "message": f"{s.name} needs the price series {', '.join(missing)}"}])
    return lower


def _hold(s: Spec, state: _State, arrays: Any) -> bool:
    """Stores ``arrays`` in ``state`` when it is a dict or DataFrame holding every series."""
    if not isinstance(arrays, _INPUT_TYPES):
        return False
    _columns(s, arrays, _series_names(state.input_names))
    state.input_arrays = arrays
    return True


class _State(threading.local):
    def __init__(self, s: Spec) -> None:
        self.input_names = _input_layout(s)
        self.input_arrays: Any = {}
        self.params: dict[str, Any] = {p.name: p.default_value for p in s.params}
        self.ready = False


class Function:
    """One TA-Lib function with its inputs and parameters (see the module docstring)."""

    def __init__(self, function_name: str, *args: Any, **kwargs: Any) -> None:
        if not isinstance(function_name, str):
            raise ValidationError([{"field": "function_name", "value": repr(function_name)[:80],
                                    "message": "must be the name of a threadx.ta function (a str)"}])
        self._spec = spec(function_name.upper())
        self._defaults = (args, kwargs)
        self._local = _State(self._spec)
        self._state  # noqa: B018  (applies and checks the arguments now)

    @property
    def _state(self) -> _State:
        """This thread's inputs and parameters (the constructor's arguments on first use)."""
        state = self._local
        if not state.ready:
            args, kwargs = self._defaults
            self._set(state, args, kwargs)
            state.ready = True
        return state

    # ------------------------------------------------------------------ description

    @property
    def info(self) -> dict[str, Any]:
        """TA-Lib's info dict: name, group, display_name, function_flags, input_names,
        parameters, output_flags, output_names."""
        s = self._spec
        return {
            "name": s.name, "group": s.group, "display_name": s.doc,
            "function_flags": self.function_flags,
            "input_names": self.input_names, "parameters": self.parameters,
            "output_flags": self.output_flags, "output_names": self.output_names,
        }

    @property
    def function_flags(self) -> list[str]:
        entry = _flags().get(self._spec.name)
        return list(entry["function_flags"]) if entry else ["Function has a streaming API"]

    @property
    def output_flags(self) -> OrderedDict[str, list[str]]:
        entry = _flags().get(self._spec.name)
        return OrderedDict((o, list(entry["output_flags"][o]) if entry else ["Line"]) for o in self._spec.outputs)

    @property
    def output_names(self) -> list[str]:
        return list(self._spec.outputs)

    @property
    def lookback(self) -> int:
        """Bars before the first output with the current parameters (TA-Lib's lookback)."""
        return lookback(self._spec.name, row(self._spec, self._state.params))

    # ------------------------------------------------------------------ inputs and parameters

    @property
    def input_names(self) -> OrderedDict[str, Any]:
        return OrderedDict((k, list(v) if isinstance(v, list) else v) for k, v in self._state.input_names.items())

    @input_names.setter
    def input_names(self, names: Mapping[str, Any]) -> None:
        self._set_input_names(self._state, names)

    @property
    def input_arrays(self) -> Any:
        arrays = self._state.input_arrays
        return arrays.copy()

    @input_arrays.setter
    def input_arrays(self, arrays: Any) -> None:
        self.set_input_arrays(arrays)

    def set_input_arrays(self, input_arrays: Any) -> bool:
        """Holds ``input_arrays`` (a dict of arrays or a DataFrame with every price series the
        inputs read) and returns True; False for any other type, as TA-Lib."""
        return _hold(self._spec, self._state, input_arrays)

    @property
    def parameters(self) -> OrderedDict[str, Any]:
        return OrderedDict(self._state.params)

    @parameters.setter
    def parameters(self, parameters: Mapping[str, Any]) -> None:
        self.set_parameters(parameters)

    def set_parameters(self, parameters: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """Sets parameter values (checked: names, types and ranges, every bad one at once)."""
        given = {**(parameters or {}), **kwargs}
        state = self._state
        state.params = self._checked(state.params, given)

    def set_function_args(self, *args: Any, **kwargs: Any) -> None:
        """``[input_arrays,] [parameters in order...,] [price keywords and parameters by name]``."""
        self._set(self._state, args, kwargs)

    # ------------------------------------------------------------------ results

    @property
    def outputs(self) -> Any:
        """The function of the held input arrays and parameters."""
        return self._compute(self._state.input_arrays, self._state.input_names, self._state.params)

    def run(self, input_arrays: Any = None) -> Any:
        """Sets ``input_arrays`` (when given) and returns ``outputs``."""
        if input_arrays is not None:
            self.set_input_arrays(input_arrays)
        return self.outputs

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``f([input_arrays | one array per price series,] [parameters...,] [**kwargs])``:
        the outputs with these arguments; parameters and price keywords do not stick."""
        state = self._state
        call = _State(self._spec)
        call.input_names = self.input_names
        call.params = dict(state.params)
        call.input_arrays = state.input_arrays
        rest = list(args)
        series = _series_names(call.input_names)
        k = next((i for i, a in enumerate(rest) if not isinstance(a, _ARRAY_TYPES)), len(rest))
        if k:
            if k != len(series):
                raise ValidationError([{"field": "inputs", "value": f"{k} arrays",
                                        "message": f"{self._spec.name} takes {len(series)} ({', '.join(series)})"}])
            call.input_arrays, rest = dict(zip(series, rest[:k])), rest[k:]
        self._set(call, tuple(rest), kwargs)
        return self._compute(call.input_arrays, call.input_names, call.params)

    # ------------------------------------------------------------------ helpers

    def _set(self, state: _State, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        names = [p.name for p in self._spec.params]
        rest = list(args)
        if rest and isinstance(rest[0], _INPUT_TYPES):
            _hold(self._spec, state, rest.pop(0))
        errors = FieldErrors()
        if len(rest) > len(names):
            errors.add("args", f"{len(rest)} positional parameters", f"{self._spec.name} takes {len(names)}: {names}")
        errors.raise_if_any()
        given = dict(zip(names, rest))
        picks = {k: v for k, v in kwargs.items() if k in state.input_names}
        given.update({k: v for k, v in kwargs.items() if k not in state.input_names})
        self._set_input_names(state, picks)
        state.params = self._checked(state.params, given)

    def _set_input_names(self, state: _State, names: Mapping[str, Any]) -> None:
        errors = FieldErrors()
        for key, value in names.items():
            current = state.input_names.get(key)
            if current is None:
                errors.add(str(key), value, f"is not an input of {self._spec.name} ({list(state.input_names)})")
            elif isinstance(current, list):
                if not (isinstance(value, (list, tuple)) and len(value) == len(current)
                        and all(isinstance(v, str) for v in value)):
                    errors.add(str(key), value, f"must be a list of {len(current)} column names")
            elif not isinstance(value, str):
                errors.add(str(key), value, "must be a column name (str)")
        errors.raise_if_any()
        for key, value in names.items():
            state.input_names[key] = list(value) if isinstance(value, (list, tuple)) else value

    def _checked(self, current: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
        """``current`` updated with ``given``, every name, type and range checked by the core."""
        s = self._spec
        errors = FieldErrors()
        kinds = {p.name: p.kind for p in s.params}
        for key, value in given.items():
            if key not in kinds:
                errors.add(str(key), value, f"is not a parameter of {s.name} ({list(kinds)})")
            elif isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
                errors.add(key, value, "must be a number" if kinds[key] == "real" else "must be an integer")
        errors.raise_if_any()
        out = {**current, **{k: v.item() if isinstance(v, np.generic) else v for k, v in given.items()}}
        if s.params:
            _core.ta.validate(s.name, np.array([row(s, out)]))
        return out

    def _compute(self, arrays: Any, names: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        if isinstance(arrays, Mapping) and not arrays:
            raise ValidationError([{"field": "input_arrays", "value": "none",
                                    "message": f"{self._spec.name} has no input arrays: pass them or set them first"}])
        series = _series_names(names)
        lower = _columns(self._spec, arrays, series)
        given = [np.asarray(arrays[lower[k.lower()]], dtype=np.float64) for k in series]
        result = compute(self._spec.name, given, params)
        outs = list(result) if isinstance(result, tuple) else [result]
        if isinstance(arrays, pd.DataFrame):
            if len(outs) == 1:
                return pd.Series(outs[0], index=arrays.index)
            return pd.DataFrame(np.column_stack(outs), index=arrays.index, columns=self.output_names)
        return outs[0] if len(outs) == 1 else outs

    def __repr__(self) -> str:
        return repr(self.info)

    def __str__(self) -> str:
        s = self._spec
        params = "".join(f", [{k}={v}]" for k, v in self.parameters.items())
        lines = [f"{s.name}([input_arrays]{params})", "", f"{s.doc} ({s.group})", "", "Inputs:"]
        for k, v in self.input_names.items():
            lines.append(f"    {k}: {v if isinstance(v, list) else '(any ndarray)'}")
        if s.params:
            lines.append("Parameters:")
            lines += [f"    {k}: {v}" for k, v in self.parameters.items()]
        lines.append("Outputs:")
        lines += [f"    {o}" for o in s.outputs]
        return "\n".join(lines)


def __getattr__(name: str) -> Function:
    if name in SPECS:
        f = Function(name)
        globals()[name] = f
        return f
    raise AttributeError(f"module 'threadx.ta.abstract' has no attribute {name!r}")
