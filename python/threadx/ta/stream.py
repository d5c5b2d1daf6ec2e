"""TA-Lib 0.8's streaming API (``talib.stream``) on ThreadX's streaming states.

``import threadx.ta as talib`` then ``talib.stream.RSI(history, timeperiod=14)`` runs as in
TA-Lib: a handle is opened on history and carried forward one closed bar at a time::

    s = stream.RSI(history, timeperiod=14)   # same arguments as threadx.ta.RSI
    s.value                                  # value at the last history bar
    s.update(bar)                            # one closed bar in, its value out
    s.peek(forming)                          # what update would return; commits nothing
    fork = s.copy()                          # independent handle at the same bar
    s.advance()                              # count a bar you did not feed
    s.out_range                              # (begidx, nbelement), as batch reports
    s, rsi = stream.RSI.open_and_fill(history, timeperiod=14)   # the batch series too

Every value equals the batch function's at the same bar (the handle runs the state of
``threadx.stream.RSI``, which the batch kernel runs too).  Opening needs ``lookback + 1``
bars after the leading bars that are NaN in any input (skipped, as the batch functions
skip them); fewer raise ``InsufficientHistory``.  A bar that is not finite is rejected by
``update`` and ``peek`` (``ValidationError`` naming the input) and leaves the handle as it
was; say ``advance()`` for a bar you skip.  Multi-output functions answer with a tuple in
TA-Lib's output order; pattern and index outputs are ints.  Unlike TA-Lib's handles these
pickle (the state travels as ``threadx.stream`` bytes).

For ThreadX's own streaming classes (no history needed, ``update_many``, ``save``/``load``)
see ``threadx.stream``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from threadx import stream as _stream
from threadx._inputs import FieldErrors
from threadx.errors import InsufficientHistory, ValidationError
from threadx.ta._api import SPECS, Spec, UnknownIndicatorError, gather_inputs, lookback, talib_name

__all__ = ["InsufficientHistory", "OutRange", "Stream", *sorted(SPECS)]


class OutRange(NamedTuple):
    begidx: int
    nbelement: int


_ARRAYS = (np.ndarray, list, tuple)


def _is_array(x: Any) -> bool:
    return isinstance(x, _ARRAYS) or hasattr(x, "to_numpy")


class Stream:
    """A handle on one indicator (see the module docstring); subclassed per function."""

    spec: Spec

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        s = self.spec
        k = len(s.inputs)
        history = args[:k]
        if len(history) < k or not all(_is_array(h) for h in history):
            raise ValidationError([{"field": "history", "value": f"{len(history)} arrays",
                                    "message": f"stream.{s.name} opens on the history of each input: "
                                               f"{', '.join(s.inputs)} (then the parameters)"}])
        errors = FieldErrors()
        inputs = gather_inputs(s, list(history), errors)
        if inputs is not None and not inputs.one_d:
            errors.add("history", f"shape {inputs.arrays[0].shape}", "must be 1-D (one series per input)")
        errors.raise_if_any()
        assert inputs is not None
        self._state = getattr(_stream, s.name)(*args[k:], **kwargs)
        self._integer = s.integer
        self._fill = self._open([np.ascontiguousarray(a[:, 0]) for a in inputs.arrays])

    def _open(self, cols: list[np.ndarray]) -> Any:
        """Feeds the history; returns its outputs as the batch function gives them."""
        s = self.spec
        n = cols[0].size if cols else 0
        ok = np.ones(n, dtype=bool)
        for c in cols:
            ok &= ~np.isnan(c)
        self._skipped = int(np.argmax(ok)) if ok.any() else n
        self._lookback = lookback(s.name, tuple(float(v) for v in self._state._params))
        need = self._lookback + 1
        if n - self._skipped < need:
            raise InsufficientHistory(f"stream.{s.name}: {n - self._skipped} bars of history, at least {need} "
                                      f"needed (a leading bar that is NaN in any input is not history)")
        out = self._state.update_many(*cols)
        outs = out if isinstance(out, tuple) else (out,)
        self._bars = n
        self._value = self._pack(tuple(float(o[-1]) for o in outs))
        outs = tuple(np.nan_to_num(o, nan=0.0).astype(np.int32) if i else o for o, i in zip(outs, self._integer))
        return outs[0] if len(outs) == 1 else outs

    @classmethod
    def open_and_fill(cls, *args: Any, **kwargs: Any) -> tuple[Stream, Any]:
        """The handle and the batch outputs over the history (one pass gives both)."""
        handle = cls(*args, **kwargs)
        return handle, handle._fill

    def _pack(self, y: tuple[float, ...]) -> Any:
        vals = tuple(int(0 if math.isnan(v) else v) if i else float(v) for v, i in zip(y, self._integer))
        return vals[0] if len(vals) == 1 else vals

    def _bar(self, bar: tuple[Any, ...]) -> tuple[float, ...]:
        s = self.spec
        errors = FieldErrors()
        if len(bar) != len(s.inputs):
            errors.add("inputs", f"{len(bar)} values", f"update takes {len(s.inputs)}: {', '.join(s.inputs)}")
            errors.raise_if_any()
        x = []
        for name, v in zip(s.inputs, bar):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
                errors.add(name, v, "must be a number")
            elif not math.isfinite(v):
                errors.add(name, v, "must be finite (a bar you skip: advance())")
            else:
                x.append(float(v))
        errors.raise_if_any()
        return tuple(x)

    def update(self, *bar: Any) -> Any:
        """One closed bar in (one number per input), its value out."""
        x = self._bar(bar)
        y = self._state.update(*x)
        self._bars += 1
        self._value = self._pack(y if isinstance(y, tuple) else (y,))
        return self._value

    def peek(self, *bar: Any) -> Any:
        """What ``update`` would return for this bar; the handle does not move."""
        x = self._bar(bar)
        y = self._state.copy().update(*x)
        return self._pack(y if isinstance(y, tuple) else (y,))

    def advance(self) -> None:
        """Counts a bar that is not fed (its value and the state stay as they are)."""
        self._bars += 1

    @property
    def value(self) -> Any:
        """The value at the last bar."""
        return self._value

    @property
    def out_range(self) -> OutRange:
        """(first bar with a value, bars with a value), as the batch function reports them."""
        begidx = self._skipped + self._lookback
        return OutRange(begidx, max(0, self._bars - begidx))

    def copy(self) -> Stream:
        """An independent handle at the same bar."""
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._state = self._state.copy()
        return new

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._state.params.items())
        return f"ta.stream.{self.spec.name}({params}) at bar {self._bars}"


def _make(s: Spec) -> type[Stream]:
    doc = f"TA-Lib-style stream of {s.name}: {s.doc} (see threadx.ta.stream)."
    return type(s.name, (Stream,), {"spec": s, "__doc__": doc, "__module__": __name__, "__qualname__": s.name})


globals().update({name: _make(s) for name, s in SPECS.items()})


def __getattr__(name: str) -> Any:
    if talib_name(name):
        raise UnknownIndicatorError(name)
    raise AttributeError(f"module 'threadx.ta.stream' has no attribute {name!r}")
