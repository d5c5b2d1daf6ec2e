"""Streaming twins of threadx.ta: one class per indicator, updated bar by bar.

    from threadx import stream
    rsi = stream.RSI(timeperiod=14)
    for price in feed:
        value = rsi.update(price)        # NaN during the warm-up

    atr = stream.ATR(timeperiod=14)
    atr.update(high, low, close)

Each class runs the *same* C++ state as the batch function, so its output equals
``threadx.ta.<NAME>`` at every bar (leading NaN bars included: the state starts at the
first bar where no input is NaN).  ``copy()`` snapshots the state exactly.  Parameters are
checked as in the batch function; the unstable period in force when the object is made
applies.  Multi-output indicators return a tuple in TA-Lib's output order.  A candlestick
pattern takes ``candle_settings=`` as its batch function does and keeps the candle settings in
force when it is made (``threadx.ta.set_candle_settings`` later does not change it; its saved
state carries them).

Cost: the C++ update is O(1) for recursive indicators, amortised O(1) for window
extremes, and O(period) where TA-Lib's definition recomputes the window (CCI,
LINEARREG*, TSF, ...).  From Python one ``update`` call costs a few hundred nanoseconds
(the method call dominates); ``update_many`` feeds a block of bars in one call.

Checkpoints.  ``save()`` returns the state as bytes and ``stream.load(data)`` gives back
an indicator that continues bit for bit where the saved one stopped:

    data = rsi.save()                    # bytes: write them anywhere
    rsi2 = stream.load(data)             # a stream.RSI(timeperiod=14) in the same state

The bytes carry a header (magic, format version, indicator name and parameters) and end
with a CRC-64 of everything before it.  ``load()`` is safe on any bytes: a truncated,
extended or corrupted state, one of another ThreadX format version, or (through
``Indicator._load``) one of another indicator or other parameters raises
``ValidationError`` naming what is wrong (``state.checksum``, ``state.version``,
``state.name``, ...); every restored field is checked too (bools are 0 or 1, sizes follow
the parameters, ring slots and window positions are in range), so even bytes crafted
with a valid checksum cannot make ``update()`` read outside the state.  Pickle works as
well and stores the same bytes, but unpickling runs code chosen by its input: unpickle
checkpoints only from a place you trust, and use ``save()``/``load()`` for the rest.  A
state restores the warm-up length it was made with only while the unstable periods
(``threadx.ta.set_unstable_period``) are the same as when it was made.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from threadx import _core
from threadx._inputs import FieldErrors, unknown_keywords
from threadx.errors import ValidationError
from threadx.ta._api import SPECS, Spec, UnknownIndicatorError, param_grid, talib_name

__all__ = ["Indicator", "load", *sorted(SPECS)]


class Indicator(_core.ta.Stream):
    """Base of the streaming classes; ``update(*inputs)`` is bound per arity."""

    spec: Spec

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()  # the C++ object first, stateless: methods of one whose checks fail below raise
        if getattr(type(self), "spec", None) is None:  # the base (no spec) is not an indicator
            raise ValidationError([{"field": "indicator", "value": type(self).__name__,
                                    "message": "is the base class: make an indicator such as stream.RSI()"}])
        s = self.spec
        names = [p.name for p in s.params]
        keywords = [*names, *s.keywords]  # candle_settings= for a pattern: snapshotted here, kept for life
        errors = FieldErrors()
        if len(args) > len(names):
            errors.add("params", args, f"{s.name} takes at most {len(names)} parameters ({', '.join(names)})")
        given = dict(zip(names, args))
        unknown_keywords({k: v for k, v in kwargs.items() if k not in keywords}, keywords, errors,
                         f"threadx.stream.{s.name}")
        for k, v in kwargs.items():
            if k in given:
                errors.add(k, v, "given twice")
            elif k in keywords:
                given[k] = v
        errors.raise_if_any()
        sets, swept, _ = param_grid(s, given, errors)
        if swept:
            errors.add(swept[0], given[swept[0]], "a streaming indicator takes one value per parameter")
        errors.raise_if_any()
        self._make(s.name, [float(v) for v in sets[0]])

    @property
    def params(self) -> dict[str, Any]:
        return {p.name: (int(v) if p.kind != "real" else v) for p, v in zip(self.spec.params, self._params)}

    def update_many(self, *inputs: Any) -> Any:
        """Feed a block of bars (one 1-D array per input); returns the outputs of every bar."""
        errors = FieldErrors()
        if len(inputs) != len(self.spec.inputs):
            errors.add("inputs", f"{len(inputs)} arrays", f"{self.spec.name} takes {', '.join(self.spec.inputs)}")
        errors.raise_if_any()
        cols = []
        for name, x in zip(self.spec.inputs, inputs):
            a = np.asarray(x)
            if a.dtype.kind not in "fiu":
                errors.add(name, f"dtype {a.dtype}", "must be a float or integer array")
            # asarray, not ascontiguousarray (which makes a 0-d array 1-D): the core checks 1-D
            cols.append(np.asarray(a, dtype=np.float64, order="C") if a.dtype.kind in "fiu" else a)
        errors.raise_if_any()
        out = _core.ta.Stream.update_many(self, cols)
        return out[:, 0] if out.shape[1] == 1 else tuple(out[:, j] for j in range(out.shape[1]))

    def save(self) -> bytes:
        """The state as bytes, for ``threadx.stream.load`` (header, fields, checksum)."""
        return self._save()

    def copy(self) -> Indicator:
        """An independent copy with the same state."""
        new = type(self).__new__(type(self))
        _core.ta.Stream.__init__(new, self._name, list(self._params))
        new._load(self._save())
        return new

    __copy__ = copy

    def __deepcopy__(self, memo: dict[int, Any]) -> Indicator:
        return self.copy()

    def __reduce__(self) -> tuple[Any, ...]:
        return (load, (self._save(),))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"stream.{self._name}({params}) after {self.bars} bars"


def load(data: bytes) -> Indicator:
    """The indicator saved as ``data`` by ``Indicator.save()``, in the state it was saved in.

    The indicator and its parameters come from the header.  Safe on untrusted bytes: anything
    that is not an intact state of this ThreadX format raises ``ValidationError``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        errors = FieldErrors()
        errors.add("data", type(data).__name__, "must be bytes saved by Indicator.save()")
        errors.raise_if_any()
    state = bytes(data)
    name, params = _core.ta._state_header(state)
    return _restore(name, params, state)


def _restore(name: str, params: list[float], state: bytes) -> Indicator:
    """An indicator `name(params)` restored from `state` (also what pickles of ThreadX < format 1 call)."""
    cls = _classes.get(name)
    if cls is None:
        raise ValidationError([{"field": "name", "value": repr(name), "message": "is not a streaming indicator"}])
    obj = cls.__new__(cls)
    _core.ta.Stream.__init__(obj, name, params)
    obj._load(state)
    return obj


def _make(s: Spec) -> type[Indicator]:
    arity = len(s.inputs)
    doc = (f"Streaming {s.name}: {s.doc}.\n\n``update({', '.join(s.inputs)})`` -> "
           + (s.outputs[0] if len(s.outputs) == 1 else "(" + ", ".join(s.outputs) + ")")
           + "\n\nParameters: " + (", ".join(f"{p.name}={p.default_value}" for p in s.params) or "none"))
    return type(s.name, (Indicator,), {
        "spec": s, "__doc__": doc, "__module__": __name__, "__qualname__": s.name,
        "update": getattr(_core.ta.Stream, f"update{arity}"),
    })


_classes: dict[str, type[Indicator]] = {name: _make(s) for name, s in SPECS.items()}
globals().update(_classes)


def __getattr__(name: str) -> Any:
    if talib_name(name):
        raise UnknownIndicatorError(name)
    raise AttributeError(f"module 'threadx.stream' has no attribute {name!r}")
