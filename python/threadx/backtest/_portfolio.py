"""``threadx.backtest.rebalance``: several symbols, one cash account, target weights."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_cancel, as_number, check_symbol_keys, checked_keywords, core_array, index_mismatch
from threadx.backtest import _engine
from threadx.backtest._result import ResultViews

__all__ = ["PortfolioResult", "WEIGHT_RULES", "rebalance", "target_weights"]

WEIGHT_RULES = ("equal", "inverse_vol", "min_variance", "min_variance_long")


def _panel(data: Any, errors: FieldErrors) -> tuple[list[Any], pd.Index, dict[str, np.ndarray]] | None:
    if not isinstance(data, Mapping) or not data or not all(isinstance(v, pd.DataFrame) for v in data.values()):
        errors.add("data", data, "must be a dict {symbol: OHLC DataFrame} with at least one symbol")
        return None
    symbols = list(data)
    check_symbol_keys(symbols, "data", errors)
    if errors.items:
        return None
    bars = {}
    for sym in symbols:
        one = FieldErrors()
        b = _engine.bars_of(data[sym], one)
        for e in one.items:
            errors.add(f"data[{sym!r}]", e["value"], f"{e['field']}: {e['message']}")
        if b is not None:
            bars[sym] = b
    if len(bars) != len(symbols):
        return None
    index = bars[symbols[0]].index
    for sym in symbols[1:]:
        why = index_mismatch(bars[sym].index, index)
        if why:
            errors.add(f"data[{sym!r}]", "<index>", f"{why} (the data here: {symbols[0]!r}; align the frames "
                       "first, e.g. with threadx.data.align)")
            return None
    fields = {f: np.ascontiguousarray(np.column_stack([getattr(bars[s], f) for s in symbols]))
              for f in ("open", "high", "low", "close")}
    return symbols, index, fields


@checked_keywords
def target_weights(data: Mapping[Any, pd.DataFrame], rule: str, *, window: int = 60, every: int = 21,
                   ridge: float = 1e-4, cancel: _core.CancelToken | None = None) -> pd.DataFrame:
    """Target weights of a built-in rule: a row every ``every`` bars from bar ``window`` on.

    Computed from the last ``window`` close-to-close returns at each rebalancing bar:
    ``equal`` (1/k), ``inverse_vol`` (proportional to 1 / standard deviation; a flat
    asset gets 0), ``min_variance`` (``S^-1 1 / 1' S^-1 1`` with ``S`` the sample
    covariance plus ``ridge * trace(S) / k`` on its diagonal; may be short), and
    ``min_variance_long`` (the same, then the most negative asset is dropped and the
    rest solved again until no weight is negative).  Other rows are NaN (no rebalance).
    """
    errors = FieldErrors()
    panel = _panel(data, errors)
    errors.raise_if_any()
    assert panel is not None
    symbols, index, fields = panel
    for name, v in (("window", window), ("every", every)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= 2**31:
            errors.add(name, v, "must be an integer in [1, 2**31]")
    if not isinstance(rule, str):
        errors.add("rule", rule, "must be the name of a weight rule: " + ", ".join(map(repr, WEIGHT_RULES)))
    ridge_ = as_number(ridge, "ridge", errors)
    as_cancel(cancel, errors)
    errors.raise_if_any()
    assert ridge_ is not None
    w = _core.backtest.weights(fields["close"], rule, int(window), int(every), ridge_, cancel)
    return pd.DataFrame(w, index=index, columns=pd.Index(symbols, name="symbol"))


class PortfolioResult(ResultViews):
    """A rebalanced portfolio: ``equity``, ``cash``, ``positions`` (units), ``weights``
    (the target rows), ``orders`` and ``trades`` (with ``symbol``) and ``stats``."""

    def __init__(self, symbols: list[Any], index: pd.Index, weights: pd.DataFrame, raw: dict[str, Any],
                 closes: np.ndarray, periods_per_year: float | None, params: dict[str, Any]) -> None:
        self.symbols = symbols
        self.index = index
        self.weights = weights
        self._raw = raw
        self._closes = closes
        self._ppy = periods_per_year
        self.provenance = {"threadx": _core.__version__, "params": params, "symbols": list(symbols),
                           "bars": len(index)}

    def _saved_state(self) -> dict[str, Any]:
        """What the methods read (the symbols, the weights, the core's arrays, the closes), for the store."""
        return {"symbols": self.symbols, "index": self.index, "weights": self.weights, "raw": self._raw,
                "closes": self._closes, "periods_per_year": self._ppy, "provenance": self.provenance}

    @classmethod
    def _from_saved_state(cls, state: dict[str, Any]) -> PortfolioResult:
        """The result :meth:`_saved_state` describes (a loaded result: its provenance as saved)."""
        provenance = dict(state["provenance"])
        res = cls(list(state["symbols"]), state["index"], state["weights"], dict(state["raw"]), state["closes"],
                  state["periods_per_year"], dict(provenance["params"]))
        res.provenance = provenance
        return res

    @cached_property
    def equity(self) -> pd.Series:
        return pd.Series(self._raw["equity"], index=self.index, name="equity")

    def returns(self, freq: str | None = "D") -> pd.Series:
        """The equity's returns for quantstats, pyfolio or empyrical, the first NaN dropped.

        ``freq="D"``: daily, on a tz-naive index of calendar dates (each day's last equity
        against the previous day's; daily bars keep their session date); ``freq=None``:
        per bar, on the bars' index.
        """
        from threadx.backtest._returns import returns_of

        returns: pd.Series = returns_of(self.equity, freq)  # Series[Any] makes the overloads ambiguous
        return returns

    @cached_property
    def cash(self) -> pd.Series:
        return pd.Series(self._raw["cash"], index=self.index, name="cash")

    @cached_property
    def positions(self) -> pd.DataFrame:
        return pd.DataFrame(self._raw["positions"], index=self.index, columns=pd.Index(self.symbols, name="symbol"))

    @cached_property
    def orders(self) -> pd.DataFrame:
        o = self._raw["orders"]
        idx = self.index
        return pd.DataFrame({
            "symbol": np.asarray(self.symbols, dtype=object)[o["sim"]],
            "side": np.where(o["side"] > 0, "buy", "sell"), "size": o["size"],
            "placed_bar": o["placed_bar"], "placed_time": idx.take(o["placed_bar"]),
            "fill_bar": o["fill_bar"], "fill_time": idx.take(o["fill_bar"]),
            "fill_price": o["fill_price"], "fees": o["fees"],
        })

    @cached_property
    def trades(self) -> pd.DataFrame:
        """Round trips per symbol, matched first in, first out: each fill that reduces a
        position closes the oldest open lots (partly if need be).  ``fees`` = the entry
        fill's fees pro rata plus the exit fill's pro rata; ``pnl`` after fees; ``return``
        = pnl / entry value.  Lots still open at the end are not listed."""
        o = self._raw["orders"]
        rows: list[tuple[Any, ...]] = []
        lots: dict[int, list[list[float]]] = {}  # per asset: [signed units, price, bar, fee per unit]
        for j, side, units, bar, price, fee in zip(o["sim"], o["side"], o["size"], o["fill_bar"],
                                                   o["fill_price"], o["fees"], strict=True):
            book = lots.setdefault(int(j), [])
            left = float(units)
            fee_per_unit = float(fee) / left if left else 0.0
            while left > 0 and book and (book[0][0] > 0) != (side > 0):  # closes the other side
                lot = book[0]
                take = min(abs(lot[0]), left)
                lot_side = 1 if lot[0] > 0 else -1
                fees = take * (lot[3] + fee_per_unit)
                pnl = lot_side * take * (float(price) - lot[1]) - fees
                rows.append((self.symbols[int(j)], "long" if lot_side > 0 else "short", take, int(lot[2]),
                             lot[1], int(bar), float(price), fees, pnl, pnl / (take * lot[1])))
                lot[0] -= lot_side * take
                left -= take
                if abs(lot[0]) <= 1e-12 * take:
                    book.pop(0)
            if left > 0:
                book.append([side * left, float(price), float(bar), fee_per_unit])
        cols = ["symbol", "side", "size", "entry_bar", "entry_price", "exit_bar", "exit_price", "fees", "pnl",
                "return"]
        t = pd.DataFrame(rows, columns=cols)
        idx = self.index
        t.insert(4, "entry_time", idx.take(t["entry_bar"].to_numpy(dtype=np.int64)))
        t.insert(7, "exit_time", idx.take(t["exit_bar"].to_numpy(dtype=np.int64)))
        t["duration"] = t["exit_time"] - t["entry_time"]
        return t

    @cached_property
    def stats(self) -> pd.Series:
        """backtesting.py's stats of the equity and of ``trades``; Buy & Hold is an
        equal-weight buy and hold of the symbols."""
        from threadx.backtest._stats import compute_stats

        bench = (self._closes / self._closes[0]).mean(axis=1)
        return compute_stats(self.equity, self.trades, pd.Series(bench, index=self.index),
                             periods_per_year=self._ppy)

    def __repr__(self) -> str:
        return f"<PortfolioResult {len(self.symbols)} symbols x {len(self.index)} bars, {len(self._raw['orders']['sim'])} fills>"


@checked_keywords
def rebalance(data: Mapping[Any, pd.DataFrame], weights: Any = "equal", *, window: int = 60, every: int = 21,
              ridge: float = 1e-4, init_cash: float = 10_000.0, fees: float = 0.0, fixed_fees: float = 0.0,
              slippage: float = 0.0, leverage: float = 1.0, fractional: bool = False, execution: str = "open",
              periods_per_year: float | None = None, cancel: _core.CancelToken | None = None) -> PortfolioResult:
    """Several symbols sharing one cash account, rebalanced to target weights.

    ``weights``: a DataFrame (the data's index, one column per symbol) or an (n, k)
    array whose rows with any finite value are rebalancing targets (NaN entries of such
    a row are 0; ``sum(|w|) <= leverage``; negative = short); or a rule name (see
    :func:`target_weights`, with ``window``, ``every``, ``ridge``).  A target decided at
    a bar's close fills at the next open (``execution="close"``: at that close): sells
    first, then buys, scaled down together when the cash (times leverage) does not
    cover them; units are whole unless ``fractional``.
    """
    errors = FieldErrors()
    panel = _panel(data, errors)
    errors.raise_if_any()
    assert panel is not None
    symbols, index, fields = panel
    n, k = fields["close"].shape
    if isinstance(weights, str):
        w = target_weights(data, weights, window=window, every=every, ridge=ridge, cancel=cancel).to_numpy()
    else:
        if isinstance(weights, pd.DataFrame):
            why = index_mismatch(weights.index, index)
            if why:
                errors.add("weights", weights, why)
            missing = [s for s in symbols if s not in weights.columns]
            if missing:
                errors.add("weights", weights, f"lacks columns for {missing}")
            errors.raise_if_any()
            weights = weights[symbols]
        try:
            w = np.asarray(weights, dtype=np.float64)
        except (TypeError, ValueError):
            errors.add("weights", weights, "must be a rule name, or numbers: a DataFrame or an (n, k) array")
            errors.raise_if_any()
        if w.shape != (n, k):
            errors.add("weights", weights, f"must be ({n}, {k}): one row per bar, one column per symbol")
        else:
            gross = np.nansum(np.abs(w), axis=1)
            bad = np.flatnonzero(gross > leverage * (1 + 1e-9)) if isinstance(leverage, (int, float)) else []
            if len(bad):
                errors.add("weights", f"row {bad[0]}", f"sum(|w|) = {gross[bad[0]]:g} exceeds leverage={leverage}")
            if np.isinf(w).any():
                errors.add("weights", "inf", "must be finite (NaN: no rebalance at that bar)")
    params = {"init_cash": init_cash, "fees": fees, "fixed_fees": fixed_fees, "slippage": slippage,
              "leverage": leverage, "fractional": fractional, "execution": execution}
    for key in ("init_cash", "fees", "fixed_fees", "slippage", "leverage"):
        as_number(params[key], key, errors)
    if not isinstance(fractional, bool):
        errors.add("fractional", fractional, "must be True or False")
    ppy = _engine.periods_per_year_of(periods_per_year, errors)
    as_cancel(cancel, errors)
    errors.raise_if_any()
    raw = _core.backtest.rebalance(fields["open"], fields["high"], fields["low"], fields["close"],
                             core_array(w, contiguous=True), params, cancel)
    targets = pd.DataFrame(w, index=index, columns=pd.Index(symbols, name="symbol")).dropna(how="all")
    return PortfolioResult(symbols, index, targets, raw, fields["close"], ppy, params)
