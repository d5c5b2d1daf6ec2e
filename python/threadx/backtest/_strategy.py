"""Event-driven strategies: ``class MyStrategy(threadx.backtest.Strategy)`` with ``init`` and
``next`` (backtesting.py's shape), run by the C++ order core (docs/orders.md).

The core owns the bar loop, the fills and the records; Python runs ``next()`` once per bar,
at the bar's close, seeing the data up to that bar only (``self.data.Close[-1]`` is the
current close; a later bar raises IndexError). ``self.I(fn, ...)`` computes an indicator
once, over the whole data, in ``init()`` and reveals it bar by bar. Orders placed in
``next()`` fill from the next bar on (market: the next open, or this close with
``execution="close"``), exactly as docs/orders.md says.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors
from threadx.backtest import _orders
from threadx.backtest._live import Live, make_live
from threadx.errors import BacktestError

__all__ = ["ClosedTrade", "Order", "Position", "Strategy", "Trade", "crossover"]

_E = _orders.ENUMS
_MARKET, _LIMIT, _STOP, _STOP_LIMIT = (_E["kind"].index(k) for k in ("market", "limit", "stop", "stop_limit"))
_NET, _REDUCE = (_E["intent"].index(k) for k in ("net", "reduce"))
_PERCENT, _UNITS = _E["size_type"].index("percent"), _E["size_type"].index("units")
_WORKING = _E["status"].index("working")


class _Revealed:
    """An array seen up to the strategy's current bar: ``x[-1]`` is the current value,
    ``x[-2]`` the one before; ``len(x)`` the bars so far; ``np.asarray(x)`` the values so far."""

    __slots__ = ("_a", "_s", "name")

    def __init__(self, a: np.ndarray, strategy: Strategy, name: str) -> None:
        self._a, self._s, self.name = a, strategy, name

    def __getitem__(self, k: Any) -> Any:
        j = self._s._j
        if type(k) is int:  # the hot path: x[-1], x[-2]
            i = j + 1 + k if k < 0 else k
            if 0 <= i <= j:
                return self._a[i]
            raise IndexError(f"{self.name}[{k}]: bar {i} is not in 0..{j} (the bars seen so far)")
        if isinstance(k, np.integer):
            return self[int(k)]
        return self._a[: j + 1][k]

    def __float__(self) -> float:
        return float(self._a[self._s._j])

    def __len__(self) -> int:
        return self._s._j + 1

    def __iter__(self) -> Iterator[Any]:
        return iter(self._a[: self._s._j + 1])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self._a[: self._s._j + 1], dtype=dtype)

    @property
    def values(self) -> np.ndarray:
        return self._a[: self._s._j + 1]

    @property
    def s(self) -> pd.Series:
        """The values so far as a Series on the bars' index (backtesting.py's ``.s``)."""
        idx = self._s.data.index
        return pd.Series(self.values, index=pd.Index(idx.values), name=self.name)

    def __repr__(self) -> str:
        return f"<{self.name} at bar {self._s._j}: {self[-1]!r}>"


class _Data:
    """The bars up to the current one: ``Open``/``High``/``Low``/``Close``/``Volume`` (or lower
    case) and ``index``, each revealed bar by bar."""

    def __init__(self, frame: dict[str, np.ndarray], index: pd.Index, strategy: Strategy) -> None:
        self._cols = {k: _Revealed(v, strategy, k.capitalize()) for k, v in frame.items()}
        self._index = _Revealed(np.asarray(index), strategy, "index")
        self._s = strategy

    def __getattr__(self, name: str) -> _Revealed:
        cols: dict[str, _Revealed] = self.__dict__.get("_cols", {})
        col = cols.get(name.lower())
        if col is None:
            raise AttributeError(name)
        return col

    @property
    def index(self) -> _Revealed:
        return self._index

    def __len__(self) -> int:
        return self._s._j + 1


def crossover(a: Any, b: Any) -> bool:
    """True when ``a`` crossed above ``b`` at the current bar (``a[-2] < b[-2]`` and
    ``a[-1] > b[-1]``; a number ``b`` is a constant level), as backtesting.py's ``crossover``."""
    if type(a) is _Revealed and type(b) is _Revealed:  # the hot path: two revealed series
        j = a._s._j
        x, y = a._a, b._a
        return j >= 1 and bool(x[j - 1] < y[j - 1]) and bool(x[j] > y[j])
    a2, a1 = _last_two(a)
    if isinstance(b, (int, float, np.floating, np.integer)):
        b2 = b1 = float(b)
    else:
        b2, b1 = _last_two(b)
    return a2 < b2 and a1 > b1


def _last_two(x: Any) -> tuple[float, float]:
    """x[-2], x[-1] (NaN when there is no bar before): direct reads for revealed series."""
    if isinstance(x, _Revealed):
        j = x._s._j
        return (float(x._a[j - 1]) if j >= 1 else math.nan), float(x._a[j])
    a = np.asarray(x, dtype=np.float64)
    return (float(a[-2]) if len(a) >= 2 else math.nan), float(a[-1])


class Order:
    """A working (or ended) order; ``cancel()`` it while it works."""

    def __init__(self, strategy: Strategy, oid: int) -> None:
        self._s, self.id = strategy, oid

    def _rec(self) -> tuple[Any, ...]:
        return tuple(self._s._book().order(self.id))

    @property
    def status(self) -> str:
        return str(_E["status"][self._rec()[3]])

    @property
    def is_long(self) -> bool:
        return bool(self._rec()[1] > 0)  # an order

    @property
    def limit(self) -> float:
        return float(self._rec()[6])

    @property
    def stop(self) -> float:
        return float(self._rec()[7])

    @property
    def tag(self) -> int | None:
        t = self._rec()[11]
        return None if t < 0 else int(t)

    def cancel(self) -> None:
        self._s._book().cancel(self.id, self._s._j)

    def __repr__(self) -> str:
        r = self._rec()
        return f"<Order {self.id} {_E['kind'][r[0]]} {'buy' if r[1] > 0 else 'sell'} {_E['status'][r[3]]}>"


class Trade:
    """An open lot (docs/orders.md § 6): its ``size`` (signed), ``entry_price``,
    ``entry_bar``, and ``sl``/``tp`` levels, which can be set (NaN or None removes one);
    ``close(portion)`` closes part of this lot; ``tag`` is the tag of the order that opened it."""

    def __init__(self, strategy: Strategy, rec: tuple[Any, ...]) -> None:
        self._s = strategy
        self.id, d, size, self.entry_bar, self.entry_price, self._sl, self._tp, self._parent, _ = rec
        self.size = d * size

    @property
    def tag(self) -> int | None:
        tag = int(self._s._book().order(self._parent)[11])
        return None if tag < 0 else tag

    @property
    def is_long(self) -> bool:
        return bool(self.size > 0)

    @property
    def sl(self) -> float:
        return float(self._sl)

    @sl.setter
    def sl(self, level: float | None) -> None:
        v = math.nan if level is None else float(level)
        self._s._book().set_sl(self.id, v, self._s._j)
        self._sl = v

    @property
    def tp(self) -> float:
        return float(self._tp)

    @tp.setter
    def tp(self, level: float | None) -> None:
        v = math.nan if level is None else float(level)
        self._s._book().set_tp(self.id, v, self._s._j)
        self._tp = v

    @property
    def pl(self) -> float:
        """Unrealised PnL at the current close (before exit costs)."""
        return float(self.size * (float(self._s.data.Close[-1]) - self.entry_price))

    def close(self, portion: float = 1.0) -> Order:
        """A market order closing ``portion`` of this lot: ``max(1, round(units × portion))``
        units (all of them for 1.0; fractional runs: the exact share), as backtesting.py's
        ``Trade.close``; it reduces this lot, not the oldest."""
        units = abs(self.size)
        part = units if portion >= 1.0 else (units * float(portion) if units != int(units)
                                             else max(1.0, float(round(units * float(portion)))))
        return self._s._place(-1 if self.size > 0 else 1, _MARKET, _REDUCE, _UNITS, part, lot=self.id)

    def __repr__(self) -> str:
        return f"<Trade {self.id} size={self.size} entry={self.entry_price} bar={self.entry_bar}>"


class ClosedTrade(NamedTuple):
    """A closed trade record (docs/orders.md § 6.2) as a strategy sees it."""

    lot: int
    size: float  # signed: > 0 long
    entry_bar: int
    exit_bar: int
    entry_price: float
    exit_price: float
    pnl: float
    exit_reason: str


class Position:
    """The net position of the symbol: ``size`` (signed units), ``is_long``, ``is_short``,
    truthy when open; ``close(portion=1.0)``."""

    def __init__(self, strategy: Strategy) -> None:
        self._s = strategy

    @property
    def size(self) -> float:
        return float(self._s._book().position)

    def __bool__(self) -> bool:
        bk = self._s._bk
        return bool((bk if bk is not None else self._s._book()).position != 0)

    @property
    def is_long(self) -> bool:
        return self.size > 0

    @property
    def is_short(self) -> bool:
        return self.size < 0

    @property
    def pl(self) -> float:
        return sum(t.pl for t in self._s.trades)

    def close(self, portion: float = 1.0) -> Order | None:
        """``trade.close(portion)`` for every open lot, the newest first, as backtesting.py's
        ``Position.close`` (one market order per lot, each fill recorded as its own trade);
        the last order placed, or None when flat."""
        last = None
        for t in reversed(self._s.trades):
            last = t.close(portion)
        return last

    def __repr__(self) -> str:
        return f"<Position {self.size}>"


class Strategy:
    """Subclass it: parameters are class attributes; ``init()`` declares indicators with
    ``self.I``; ``next()`` runs at every bar's close (after the warm-up of the indicators:
    the first bar at which every ``self.I`` output has a value, as backtesting.py) and
    trades with ``self.buy``/``self.sell``, ``self.position``, ``self.trades``,
    ``self.orders``.

    ``exclusive_orders = True`` (a class attribute; backtesting.py's
    ``Backtest(exclusive_orders=True)``): each ``buy``/``sell`` first cancels the working
    orders and closes every open trade, so the new order is the only position."""

    exclusive_orders: bool = False

    def __init__(self, data: dict[str, np.ndarray], index: pd.Index, params: dict[str, Any]) -> None:
        self._j = len(index) - 1
        self._bk: Any = None
        self.symbol = "0"  # the symbol this instance trades (a dict of frames: its key)
        self._indicators: list[np.ndarray] = []
        self._closed: list[ClosedTrade] = []
        self._position = Position(self)
        # a Stepper's strategy: each self.I call, advanced bar by bar (_live.py)
        self._specs: list[tuple[Live, list[_Revealed]]] = []
        self._live = False
        self.data = _Data(data, index, self)
        for k, v in params.items():
            setattr(self, k, v)

    # ------------------------------------------------------------------ user hooks
    def init(self) -> None:
        """Declare indicators (``self.I``); runs once, seeing every bar."""

    def next(self) -> None:
        """Decide at the close of the current bar."""
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers
    def I(self, fn: Callable[..., Any], *args: Any, name: str | None = None,
          **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` computed once over every bar, revealed bar by bar: one
        array (or a Series) gives one revealed series, a tuple/2-D array one per output.
        In a ``Stepper`` it is advanced bar by bar instead (a ``threadx.ta`` function as its
        streaming twin; docs/orders.md § 13)."""
        label = str(name or getattr(fn, "__name__", "I"))
        if self._live:
            live = make_live(fn, args, kwargs, lambda x: isinstance(x, _Revealed),
                             lambda: self._compute(fn, args, kwargs, label))
            outs = live.advance(self._j)
        else:
            outs = self._compute(fn, args, kwargs, label)
        series = [_Revealed(a, self, label if len(outs) == 1 else f"{label}[{k}]") for k, a in enumerate(outs)]
        if self._live:
            self._specs.append((live, series))
        else:
            self._indicators.extend(outs)
        return series[0] if len(series) == 1 else tuple(series)

    def _compute(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 label: str) -> list[np.ndarray]:
        """fn over every bar so far, its outputs as float arrays of one value per bar."""
        out = fn(*(np.asarray(a) if isinstance(a, _Revealed) else a for a in args), **kwargs)
        n = self._n
        outs = out if isinstance(out, tuple) else ((out,) if np.ndim(out) == 1 else tuple(np.asarray(out)))
        arrays = []
        for k, o in enumerate(outs):
            a = np.asarray(o, dtype=np.float64)
            if a.shape != (n,):
                raise BacktestError(f"self.I({label}): output {k} has shape {a.shape}, not one value per bar ({n})")
            arrays.append(a)
        return arrays

    def _refresh(self) -> None:
        """A Stepper's indicators, advanced to the current bar (in declaration order)."""
        j = self._j
        for live, series in self._specs:
            for rev, a in zip(series, live.advance(j), strict=True):
                rev._a = a

    def _indicator_states(self) -> list[tuple[bytes, bytes]]:
        """A Stepper's indicators: the kind of each and its state beyond the stored bars."""
        return [(live.kind, live.state()) for live, _ in self._specs]

    @property
    def _n(self) -> int:
        return len(self.data._index._a)

    def _book(self) -> Any:
        if self._bk is None:
            raise BacktestError("orders and positions exist only inside next()")
        return self._bk

    def _place(self, side: int, typ: int, intent: int, size_type: int, size: float, limit: float = math.nan,
               stop: float = math.nan, sl: float = math.nan, tp: float = math.nan, tif: Any = None,
               tag: int | None = None, lot: int = -1) -> Order:
        errors = FieldErrors()
        tif_bars, tif_ns = _orders._tif(tif, "order", errors)
        errors.raise_if_any()
        oid = self._book().place(self._j, side, typ, intent, size_type, float(size), limit, stop, tif_bars, tif_ns,
                                 sl, tp, math.nan, math.nan, math.nan, math.nan, -1 if tag is None else int(tag),
                                 int(lot))
        return Order(self, int(oid))

    def _order(self, side: int, size: float | None, limit: float | None, stop: float | None, sl: float | None,
               tp: float | None, tif: Any, tag: int | None) -> Order:
        if size is None:
            size_type, amount = _PERCENT, 1.0
        elif 0 < size < 1:
            size_type, amount = _PERCENT, float(size)
        else:
            size_type, amount = _UNITS, float(size)
        typ = (_STOP_LIMIT if limit is not None and stop is not None else _LIMIT if limit is not None
               else _STOP if stop is not None else _MARKET)
        _check_bracket(side, sl, tp, limit if limit is not None else stop if stop is not None
                       else float(self.data.Close[-1]))
        if self.exclusive_orders:  # backtesting.py's exclusive_orders: the new order replaces the rest
            for o in self.orders:
                o.cancel()
            for t in reversed(self.trades):  # newest first, as backtesting.py's queue has them
                t.close()
        nan = math.nan
        return self._place(side, typ, _NET, size_type, amount, nan if limit is None else float(limit),
                           nan if stop is None else float(stop), nan if sl is None else float(sl),
                           nan if tp is None else float(tp), tif, tag)

    def buy(self, *, size: float | None = None, limit: float | None = None, stop: float | None = None,
            sl: float | None = None, tp: float | None = None, tif: Any = None, tag: int | None = None) -> Order:
        """Buy: ``size`` None = all the available cash, in (0, 1) a fraction of it, >= 1
        units; ``limit``/``stop`` make a limit/stop/stop-limit order; ``sl``/``tp`` are the
        new lot's bracket levels; ``tif`` bars or a timedelta. Against a short it reduces
        FIFO and opens what is left (netting)."""
        return self._order(1, size, limit, stop, sl, tp, tif, tag)

    def sell(self, *, size: float | None = None, limit: float | None = None, stop: float | None = None,
             sl: float | None = None, tp: float | None = None, tif: Any = None, tag: int | None = None) -> Order:
        """Sell (short, or reduce a long): as ``buy``."""
        return self._order(-1, size, limit, stop, sl, tp, tif, tag)

    @property
    def position(self) -> Position:
        return self._position

    @property
    def trades(self) -> tuple[Trade, ...]:
        """The open lots, oldest first."""
        return tuple(Trade(self, tuple(r)) for r in self._book().lots())

    @property
    def orders(self) -> tuple[Order, ...]:
        """The working orders (not bracket children), oldest first."""
        return tuple(Order(self, int(i)) for i in self._book().working())

    @property
    def closed_trades(self) -> tuple[ClosedTrade, ...]:
        """The trades closed so far, in the order they closed (exit reason included)."""
        new = self._book().closed(len(self._closed))
        for lot, side, size, eb, xb, ep, xp, pnl, why in new:
            self._closed.append(ClosedTrade(int(lot), float(side * size), int(eb), int(xb), float(ep), float(xp),
                                            float(pnl), str(_E["reason"][why])))
        return tuple(self._closed)

    @property
    def equity(self) -> float:
        return float(self._book().equity)

    @property
    def cash(self) -> float:
        return float(self._book().cash)

    def warmup(self) -> int:
        """The first bar next() sees: the bar after the first one at which every indicator
        has a value (bar 1 without indicators), as backtesting.py 0.6.6 starts."""
        first = 0
        arrays = [r._a for _, series in self._specs for r in series] if self._live else self._indicators
        for a in arrays:
            ok = ~np.isnan(a)
            first = max(first, int(np.argmax(ok)) if ok.any() else len(a))
        return first + 1


def _check_bracket(side: int, sl: float | None, tp: float | None, ref: float) -> None:
    """A bracket on the right side of the order's price (the limit, else the stop, else
    the current close), as backtesting.py checks: long ``sl < price < tp``, short reversed."""
    errors = FieldErrors()
    for name, level, below in (("sl", sl, side > 0), ("tp", tp, side < 0)):
        if level is None or math.isnan(level) or math.isnan(ref):
            continue
        if (level >= ref) if below else (level <= ref):
            where = "below" if below else "above"
            errors.add(name, level, f"must be {where} the order's price {ref!r} for a {'buy' if side > 0 else 'sell'}")
    errors.raise_if_any()


def next_runner(strategy: Strategy, index: pd.Index | None = None) -> Callable[[int, Any], None]:
    """The callback the core calls at a bar's close: ``strategy.next()`` at bar j with
    ``book`` (the core's order book, valid during the call); an exception is a
    BacktestError naming the bar (and its time from ``index``), the original as its cause."""

    def run(j: int, book: Any) -> None:
        strategy._j = j
        strategy._bk = book
        try:
            strategy.next()
        except Exception as exc:
            where = f"bar {j}" if index is None else f"bar {j} ({index[j]})"
            raise BacktestError(f"{type(strategy).__name__}.next() raised at {where}: {exc!r}") from exc
        finally:
            strategy._bk = None

    return run


def check_strategy(cls: Any, params: Any, errors: FieldErrors) -> dict[str, Any]:
    """The strategy class and its parameters (class attributes), every problem reported."""
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        errors.add("strategy", cls, "must be a subclass of threadx.backtest.Strategy")
        return {}
    if cls.next is Strategy.next:
        errors.add("strategy", cls.__name__, "defines no next(self)")
    if params is None:
        return {}
    if not isinstance(params, dict):
        errors.add("params", params, "must be a dict of the strategy's parameters")
        return {}
    for k in params:
        if not is_parameter(cls, k):
            errors.add(f"params[{k!r}]", params[k], f"is not a parameter of {cls.__name__} (a class attribute)")
    return dict(params)


def is_parameter(cls: type[Strategy], name: Any) -> bool:
    """Whether ``name`` is a parameter of ``cls``: a public class attribute of the subclass
    that is neither a method, a property nor one of ``Strategy``'s own names (``position``,
    ``buy``...)."""
    return (isinstance(name, str) and not name.startswith("_") and hasattr(cls, name)
            and not hasattr(Strategy, name) and not callable(getattr(cls, name))
            and not isinstance(inspect.getattr_static(cls, name), property))


def parameters_of(cls: type[Strategy]) -> list[str]:
    """The parameters of ``cls`` (see :func:`is_parameter`), sorted."""
    return sorted(k for k in dir(cls) if is_parameter(cls, k))


def strategy_symbols(cls: type[Strategy], params: dict[str, Any], frames: dict[str, dict[str, np.ndarray]],
                     index: pd.Index) -> list[tuple[Strategy, Callable[[int, Any], None]]]:
    """One strategy instance per symbol, init() run, with its next() runner."""
    out = []
    for sym, cols in frames.items():
        s = cls(cols, index, params)
        s.symbol = sym
        try:
            s.init()
        except Exception as exc:
            raise BacktestError(f"{cls.__name__}.init() raised for {sym!r}: {exc!r}") from exc
        out.append((s, next_runner(s, index)))
    return out


def _frames(symbols: dict[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for sym, b in symbols.items():
        cols = {"open": b.open, "high": b.high, "low": b.low, "close": b.close}
        if b.volume is not None:
            cols["volume"] = b.volume
        out[sym] = cols
    return out


def run_strategy(symbols: dict[str, Any], cls: type[Strategy], params: dict[str, Any], costs: dict[str, Any],
                 *, init_cash: float, execution: str, intrabar: str, close_at_end: bool, cash_sharing: bool,
                 cancel: Any) -> tuple[list[list[str]], list[dict[str, Any]], dict[str, int]]:
    """Runs ``cls`` on each symbol (its own instance) on the core; the groups, the raw results
    and each symbol's first trading bar (the bar at which every indicator has a value:
    backtesting.py's ``_indicator_warmup_nbars``, where its Buy & Hold starts)."""
    syms = list(symbols)
    first = symbols[syms[0]]
    made = strategy_symbols(cls, params, _frames(symbols), first.index)
    entries = {}
    for sym, (strategy, decide) in zip(syms, made):
        b = symbols[sym]
        entries[sym] = dict(name=sym, open=b.open, high=b.high, low=b.low, close=b.close, times=b.times,
                            costs=costs, decider=decide, decider_from=strategy.warmup())
    groups: list[list[str]] = [syms] if cash_sharing else [[s] for s in syms]
    raw = _orders.run_groups([[entries[s] for s in g] for g in groups], init_cash=init_cash, execution=execution,
                             intrabar=intrabar, close_at_end=close_at_end, cancel=cancel)
    return groups, raw, {sym: strategy.warmup() - 1 for sym, (strategy, _) in zip(syms, made)}

