"""A Stepper strategy's indicators, advanced one bar at a time (docs/orders.md § 13).

In a ``Stepper``, ``self.I(fn, *args, **kwargs)`` keeps the batch values (a batch ``run``
computes ``fn`` once over every bar) but computes them bar by bar:

* a ``threadx.ta`` function whose inputs are revealed series (``self.data.Close``, another
  ``self.I``) and whose parameters are single numbers runs as its ``threadx.stream`` twin:
  the same C++ state as the batch function, so the same values bit for bit, O(1) per bar
  (O(period) for the window indicators such as CCI or LINEARREG);
* ``threadx.rolling.quantile`` (one level) and ``median`` with a row-count window run as
  a ``RollingQuantile``: bit for bit, O(log window) per bar;
* the other ``threadx.rolling`` statistics with a row-count window are recomputed over
  the last ``window`` rows: O(window) per bar; sum, mean, min and max bit for bit, var,
  std and zscore within 1e-12 of the input's scale (the batch kernel's running sums
  depend on where its pass started);
* anything else (a user function, a time window, a grid of parameters) is recomputed
  over every bar so far: O(bars) per bar, the cost of an exact match with the batch run.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from threadx import rolling, stream
from threadx import ta as _ta
from threadx.ta._api import SPECS

__all__ = ["Grow", "Live", "make_live"]


class Grow:
    """A growing 1-D array: ``append`` in amortised O(1), ``view()`` the values so far."""

    __slots__ = ("buf", "n")

    def __init__(self, dtype: Any = np.float64) -> None:
        self.buf = np.empty(64, dtype=dtype)
        self.n = 0

    def append(self, value: Any) -> None:
        if self.n == len(self.buf):
            bigger = np.empty(2 * self.n, dtype=self.buf.dtype)
            bigger[: self.n] = self.buf
            self.buf = bigger
        self.buf[self.n] = value
        self.n += 1

    def view(self) -> np.ndarray:
        return self.buf[: self.n]


class Live:
    """One ``self.I`` of a Stepper: ``advance(j)`` gives its outputs for bars 0..j."""

    kind = b"F"  # recomputed over every bar

    def __init__(self, compute: Callable[[], list[np.ndarray]]) -> None:
        self._compute = compute

    def advance(self, j: int) -> list[np.ndarray]:
        return self._compute()

    def state(self) -> bytes:
        """The state a restart needs beyond the stored bars (a stream's checkpoint)."""
        return b""


class _Stepped(Live):
    """Outputs appended one bar at a time by ``_value(k)`` (a float or a tuple of floats)."""

    def __init__(self, inputs: list[Any], n_out: int, integer: tuple[bool, ...] = ()) -> None:
        self._inputs = inputs
        self._outs = [Grow() for _ in range(n_out)]
        self._integer = integer or (False,) * n_out  # per output

    def _value(self, k: int) -> Any:
        raise NotImplementedError

    def advance(self, j: int) -> list[np.ndarray]:
        outs = self._outs
        while outs[0].n <= j:
            v = self._value(outs[0].n)
            values = v if isinstance(v, tuple) else (v,)
            for g, x, integer in zip(outs, values, self._integer, strict=True):
                g.append(0.0 if integer and math.isnan(x) else x)  # TA-Lib's 0 for positions
        return [g.view() for g in outs]


class _Stream(_Stepped):
    kind = b"S"

    def __init__(self, ind: Any, inputs: list[Any], n_out: int, integer: tuple[bool, ...]) -> None:
        super().__init__(inputs, n_out, integer)
        self._update = ind.update
        self._ind = ind

    def _value(self, k: int) -> Any:
        return self._update(*[float(x._a[k]) for x in self._inputs])

    def state(self) -> bytes:
        return bytes(self._ind.save())


class _Quantile(_Stepped):
    kind = b"Q"

    def __init__(self, q: rolling.RollingQuantile, x: Any) -> None:
        super().__init__([x], 1)
        self._update = q.update

    def _value(self, k: int) -> Any:
        return float(self._update(float(self._inputs[0]._a[k])))


class _Tail(_Stepped):
    kind = b"T"

    def __init__(self, fn: Callable[..., Any], x: Any, window: int, kwargs: dict[str, Any]) -> None:
        super().__init__([x], 1)
        self._fn, self._w, self._kwargs = fn, window, kwargs

    def _value(self, k: int) -> Any:
        tail = np.ascontiguousarray(self._inputs[0]._a[max(0, k - self._w + 1): k + 1], dtype=np.float64)
        return float(np.asarray(self._fn(tail, self._w, **self._kwargs))[-1])


def _number(v: Any) -> bool:
    return type(v) is int or type(v) is float or isinstance(v, (np.integer, np.floating))


def _ta_twin(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
             is_series: Callable[[Any], bool]) -> Live | None:
    name = getattr(fn, "__name__", "")
    if name not in SPECS or getattr(_ta, name, None) is not fn:
        return None
    s = SPECS[name]
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return None
    inputs = [bound.arguments.get(i) for i in s.inputs]
    params = {k: v for k, v in bound.arguments.items() if k not in s.inputs}
    if (not all(is_series(x) for x in inputs) or set(params) - {p.name for p in s.params}
            or not all(_number(v) for v in params.values())):
        return None
    try:
        ind = getattr(stream, name)(**params)
    except Exception:  # noqa: BLE001 - the recomputation reports the error as the batch run does
        return None
    return _Stream(ind, inputs, len(s.outputs), s.integer)


_TAIL = {rolling.sum: ("min_periods",), rolling.mean: ("min_periods",), rolling.min: ("min_periods",),
         rolling.max: ("min_periods",), rolling.var: ("min_periods", "ddof"),
         rolling.std: ("min_periods", "ddof"), rolling.zscore: ("min_periods", "ddof")}


def _rolling_twin(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                  is_series: Callable[[Any], bool]) -> Live | None:
    quantile = fn is rolling.quantile or fn is rolling.median
    if not quantile and fn not in _TAIL:
        return None
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return None
    a = dict(bound.arguments)
    x, window = a.pop("x", None), a.pop("window", None)
    if not is_series(x) or type(window) is not int or window < 1:
        return None
    try:
        if quantile:
            q = a.pop("q", 0.5)
            if not _number(q) or set(a) - {"min_periods", "interpolation"}:
                return None
            return _Quantile(rolling.RollingQuantile(window, float(q), **a), x)
        if set(a) - set(_TAIL[fn]):
            return None
        fn(np.zeros(1), window, **a)  # a bad option: the recomputation reports it as the batch run does
    except Exception:  # noqa: BLE001
        return None
    return _Tail(fn, x, window, a)


def make_live(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
              is_series: Callable[[Any], bool], recompute: Callable[[], list[np.ndarray]]) -> Live:
    """The cheapest exact way to advance ``self.I(fn, *args, **kwargs)`` bar by bar."""
    return (_ta_twin(fn, args, kwargs, is_series) or _rolling_twin(fn, args, kwargs, is_series)
            or Live(recompute))
