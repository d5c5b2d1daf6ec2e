"""``threadx.plot.backtest`` (``res.plot()``): a backtest's panels, drawn from downsampled series.

Every panel shares one x axis of bar positions (as backtesting.py draws: no empty weekends),
labelled with the bars' times.  Long series are drawn through M4 (``downsample``): at most
five points per pixel column whatever the number of bars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_int
from threadx._optional import require
from threadx.plot._downsample import DEFAULT_COLUMNS

__all__ = ["backtest"]

CANDLES_UP_TO = 1500  # bars: candles up to this many, a line of the close beyond
_UP, _DOWN = "#26a69a", "#ef5350"


@dataclass
class _Series:
    """What the panels draw, for one simulation or symbol."""

    index: pd.Index
    equity: np.ndarray
    position: np.ndarray | None
    open: np.ndarray | None
    high: np.ndarray | None
    low: np.ndarray | None
    close: np.ndarray | None
    trades: pd.DataFrame | None


def _pick(frame_or_series: Any, sim: Any, field: str, errors: FieldErrors) -> np.ndarray | None:
    """One column of a per-simulation (or per-symbol) DataFrame, or the Series."""
    if frame_or_series is None:
        return None
    if isinstance(frame_or_series, pd.Series):
        return np.asarray(frame_or_series.to_numpy(dtype=np.float64))
    cols = list(frame_or_series.columns)
    if sim is None and len(cols) == 1:
        return np.asarray(frame_or_series.iloc[:, 0].to_numpy(dtype=np.float64))
    if sim is None or sim not in cols:
        errors.add("sim", sim, f"must name one of the result's {field} columns: {cols[:10]}")
        return None
    return np.asarray(frame_or_series[sim].to_numpy(dtype=np.float64))


def _ohlc(data: Any, n: int, errors: FieldErrors) -> tuple[np.ndarray | None, ...]:
    """Open, high, low, close of ``data`` (a frame with those columns in any case), or a close alone."""
    if data is None:
        return None, None, None, None
    if isinstance(data, pd.Series):
        data = data.to_frame("close")
    if not isinstance(data, pd.DataFrame):
        errors.add("data", type(data).__name__, "must be the bars (a DataFrame with a close column) or None")
        return None, None, None, None
    cols = {str(c).lower(): c for c in data.columns}
    if "close" not in cols or len(data) != n:
        errors.add("data", f"<{len(data)} bars, columns {list(data.columns)[:6]}>",
                   f"must hold a close column and the result's {n} bars")
        return None, None, None, None
    got = [data[cols[k]].to_numpy(dtype=np.float64) if k in cols else None for k in ("open", "high", "low", "close")]
    return got[0], got[1], got[2], got[3]


def _series_of(res: Any, data: Any, sim: Any, errors: FieldErrors) -> _Series | None:
    equity = getattr(res, "equity", None)
    if equity is None or not isinstance(equity, (pd.Series, pd.DataFrame)):
        errors.add("res", type(res).__name__, "must be a backtest result (run, from_orders, portfolio)")
        return None
    index = equity.index
    eq = _pick(equity, sim, "equity", errors)
    if eq is None:  # the sim is reported once
        return None
    pos = _pick(getattr(res, "position", None), sim, "position", errors)
    o, h, lo, c = _ohlc(data, len(index), errors)
    prep = getattr(res, "_prep", None)
    if c is None and prep is not None:  # a run: its own bars
        b = prep.bars
        o, h, lo, c = b.open, b.high, b.low, b.close
    elif c is None and isinstance(getattr(res, "_close", None), Mapping):  # from_orders: the closes
        closes = res._close
        key = sim if sim in closes else next(iter(closes)) if len(closes) == 1 else None
        c = None if key is None else np.asarray(closes[key], dtype=np.float64)
    trades = getattr(res, "trades", None)
    if isinstance(trades, pd.DataFrame) and len(trades) and sim is not None:  # the picked simulation's
        for col in ("sim", "symbol"):
            if col in trades.columns and trades[col].nunique() > 1:
                trades = trades[trades[col].astype(str) == str(sim)]
    return _Series(index, eq, pos, o, h, lo, c, trades if isinstance(trades, pd.DataFrame) else None)


def _indicator_frame(indicators: Any, n: int, index: pd.Index, errors: FieldErrors) -> dict[str, pd.DataFrame]:
    """``{name: frame of lines}``, each aligned to the bars by position."""
    if indicators is None:
        return {}
    if not isinstance(indicators, Mapping):
        errors.add("indicators", type(indicators).__name__, "must be a dict {name: Series, array or DataFrame}")
        return {}
    out = {}
    for name, v in indicators.items():
        frame = v.to_frame(str(name)) if isinstance(v, pd.Series) else v if isinstance(v, pd.DataFrame) \
            else pd.DataFrame(np.asarray(v, dtype=np.float64).reshape(len(v), -1)) \
            if isinstance(v, (np.ndarray, list, tuple)) else None
        if frame is None or len(frame) != n:
            errors.add(f"indicators[{name!r}]", f"<{type(v).__name__} of {len(v) if hasattr(v, '__len__') else '?'}>",
                       f"must be a Series, array or DataFrame of the result's {n} bars")
            continue
        try:
            out[str(name)] = frame.astype(np.float64)
        except (TypeError, ValueError):
            errors.add(f"indicators[{name!r}]", f"dtypes {list(frame.dtypes)}", "must be numbers")
    return out


def _overlays(ind: dict[str, pd.DataFrame], lo: float, hi: float, overlay: Any) -> set[str]:
    """The indicators drawn on the price: those named in ``overlay``, else those whose finite
    values all lie within the price's range widened by a tenth (moving averages, bands)."""
    if overlay is not None:
        return {str(o) for o in overlay}
    pad = (hi - lo) * 0.1
    names = set()
    for name, frame in ind.items():
        v = frame.to_numpy()
        v = v[np.isfinite(v)]
        if v.size and v.min() >= lo - pad and v.max() <= hi + pad:
            names.add(name)
    return names


def _line(ax: Any, y: np.ndarray, columns: int, **kw: Any) -> None:
    kept = _core.plot.m4_indices(np.ascontiguousarray(y, dtype=np.float64), None, columns)
    ax.plot(kept, y[kept], **kw)


def _candles(ax: Any, o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray) -> None:
    x = np.arange(len(c))
    up = c >= o
    colors = np.where(up, _UP, _DOWN)
    ax.vlines(x, lo, h, colors=colors, linewidth=0.6)
    ax.bar(x, np.where(np.abs(c - o) > 0, c - o, 1e-12), bottom=o, width=0.7, color=colors, linewidth=0)


def _scatter(ax: Any, x: np.ndarray, y: np.ndarray, **kw: Any) -> None:
    if len(x):  # an empty one would still take a legend entry
        ax.scatter(x, y, zorder=3, **kw)


def _markers(ax: Any, trades: pd.DataFrame | None) -> None:
    if trades is None or not len(trades):
        return
    long = (trades["side"] == "long").to_numpy() if "side" in trades else np.ones(len(trades), bool)
    eb, ep = trades["entry_bar"].to_numpy(), trades["entry_price"].to_numpy()
    _scatter(ax, eb[long], ep[long], marker="^", color=_UP, s=30, label="long entry")
    _scatter(ax, eb[~long], ep[~long], marker="v", color=_DOWN, s=30, label="short entry")
    xb, xp = trades["exit_bar"].to_numpy(), trades["exit_price"].to_numpy()
    done = xb >= 0
    reason = trades["exit_reason"].astype(str).to_numpy() if "exit_reason" in trades else np.full(len(trades), "")
    stop = done & np.isin(reason, ["stop_loss", "trailing_stop"])
    take = done & (reason == "take_profit")
    plain = done & ~stop & ~take
    _scatter(ax, xb[plain], xp[plain], marker="x", color="black", s=25, label="exit")
    _scatter(ax, xb[stop], xp[stop], marker="x", color=_DOWN, s=35, label="stop-loss exit")
    _scatter(ax, xb[take], xp[take], marker="x", color=_UP, s=35, label="take-profit exit")


def _stop_levels(ax: Any, res: Any, trades: pd.DataFrame | None, n: int) -> None:
    """Each trade's stop-loss and take-profit levels while it was open (dashed): the trade
    records' own ``sl``/``tp`` (a ``Strategy`` or ``from_orders`` run: the last level of the
    lot's bracket), or, for a ``run``, its ``sl_stop``/``tp_stop`` as fractions of the entry
    price (scalar, or per bar: the entry signal bar's value)."""
    if trades is None or not len(trades):
        return
    long = (trades["side"] == "long").to_numpy()
    x0 = trades["entry_bar"].to_numpy()
    x1 = np.where(trades["exit_bar"].to_numpy() >= 0, trades["exit_bar"].to_numpy(), n - 1)
    entry = trades["entry_price"].to_numpy()
    prep = getattr(res, "_prep", None)
    per_bar = dict(zip(("sl_stop", "tp_stop"), prep.levels[5:7], strict=False)) if prep is not None else {}
    for key, col, sign, color, label in (("sl_stop", "sl", -1.0, _DOWN, "stop-loss level"),
                                         ("tp_stop", "tp", 1.0, _UP, "take-profit level")):
        if col in trades.columns:
            y = trades[col].to_numpy(dtype=np.float64)
        else:
            frac = _run_stops(prep, key, per_bar.get(key), trades)
            if frac is None:
                continue
            y = entry * (1.0 + np.where(long, sign, -sign) * frac)
        ok = np.isfinite(y)
        if ok.any():
            ax.hlines(y[ok], x0[ok], x1[ok], colors=color, linestyles="dashed", linewidth=0.8, label=label)


def _run_stops(prep: Any, key: str, per_bar: np.ndarray | None, trades: pd.DataFrame) -> np.ndarray | None:
    """A ``run``'s stop fraction for each trade: the scalar, or a per-bar stop's value at the
    entry's signal bar (market entries: the bar before the fill with ``execution="open"``, the
    fill bar with ``"close"``); None when there is none or the signal bar is not known."""
    if prep is None:
        return None
    if per_bar is None:
        value = prep.params.get(key)
        return None if value is None else np.full(len(trades), float(value))
    if prep.params.get("order_type") != "market":
        return None  # a resting entry fills after its signal bar: which bar signalled is not recorded
    signal = trades["entry_bar"].to_numpy() - (1 if prep.params.get("execution") == "open" else 0)
    labels = list(prep.labels) if prep.labels is not None else None
    cols = np.zeros(len(trades), dtype=np.int64) if labels is None else \
        np.array([labels.index(v) for v in trades["sim"]], dtype=np.int64)
    return np.asarray(per_bar[np.clip(signal, 0, len(per_bar) - 1), cols], dtype=np.float64)


def _time_axis(ax: Any, index: pd.Index) -> None:
    ticker = require("matplotlib.ticker", extra="plot", feature="plotting")
    n = len(index)
    dated = isinstance(index, pd.DatetimeIndex)
    intraday = isinstance(index, pd.DatetimeIndex) and n > 1 and \
        bool((index[:1000].as_unit("ns").asi8 % 86_400_000_000_000 != 0).any())

    def label(x: float, _pos: Any) -> str:  # a tick's label from its bar, formatted when drawn
        k = int(round(x))
        if not 0 <= k < n:
            return ""
        v = index[k]
        return v.strftime("%Y-%m-%d %H:%M" if intraday else "%Y-%m-%d") if dated else str(v)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(label))


def backtest(res: Any, *, data: Any = None, indicators: Mapping[str, Any] | None = None, overlay: Any = None,
             sim: Any = None, columns: int = DEFAULT_COLUMNS, candles: bool | None = None,
             buy_and_hold: bool = True, figsize: tuple[float, float] = (12.0, 9.0)) -> Any:
    """A matplotlib ``Figure`` of a backtest result: price (candles up to 1,500 bars, else a line
    of the close) with entries (▲ long, ▼ short) and exits (× black, red for stop-losses,
    green for take-profits) and the ``overlay`` indicators; equity against buy and hold of the
    close; drawdown (underwater); position; one panel per other indicator.

    ``res``: what ``run``, ``from_orders``, a ``Strategy`` run or ``portfolio`` returns;
    ``sim``: the simulation (or symbol) to draw when it holds several; ``data``: the bars (for
    results that do not keep them, such as ``from_orders``; a ``run`` keeps its own).
    ``indicators``: ``{name: Series, array or DataFrame}`` of the result's bars; ``overlay``:
    the names drawn on the price (default: those within the price's range).  ``columns``: the
    pixel columns each line is downsampled to (M4: no spike lost).  Needs matplotlib
    (``pip install 'threadx[plot]'``).
    """
    figure = require("matplotlib.figure", extra="plot", feature="plotting")
    errors = FieldErrors()
    cols = as_int(columns, "columns", errors, DEFAULT_COLUMNS, minimum=1)
    s = _series_of(res, data, sim, errors)
    ind = _indicator_frame(indicators, len(s.index) if s is not None else 0,
                           s.index if s is not None else pd.RangeIndex(0), errors)
    if candles is not None and not isinstance(candles, bool):
        errors.add("candles", candles, "must be True, False or None (candles up to 1,500 bars)")
    errors.raise_if_any()
    assert s is not None
    n = len(s.index)
    price = s.close is not None
    low = s.low if s.low is not None else s.close
    high = s.high if s.high is not None else s.close
    lo = float(np.nanmin(low)) if low is not None and n else 0.0
    hi = float(np.nanmax(high)) if high is not None and n else 0.0
    over = _overlays(ind, lo, hi, overlay) if price else set()
    own = [k for k in ind if k not in over]
    heights = ([3.0] if price else []) + [2.0, 1.0] + ([1.0] if s.position is not None else []) + [1.0] * len(own)
    fig = figure.Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(len(heights), 1, sharex=True, height_ratios=heights, squeeze=False)[:, 0]
    k = 0
    if price:
        ax = axes[k]
        k += 1
        ohlc = s.open is not None and s.high is not None and s.low is not None
        if ohlc and (candles if candles is not None else n <= CANDLES_UP_TO):
            _candles(ax, s.open, s.high, s.low, s.close)  # type: ignore[arg-type]
        else:
            _line(ax, s.close, cols, color="#455a64", linewidth=0.8, label="close")  # type: ignore[arg-type]
        for name in sorted(over):
            for col in ind[name].columns:
                _line(ax, ind[name][col].to_numpy(), cols, linewidth=0.9,
                      label=name if ind[name].shape[1] == 1 else f"{name} {col}")
        _markers(ax, s.trades)
        _stop_levels(ax, res, s.trades, n)
        ax.set_ylabel("price")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", fontsize="small", ncols=3)
    ax = axes[k]
    k += 1
    _line(ax, s.equity, cols, color="#1565c0", linewidth=1.0, label="equity")
    if buy_and_hold and price and n:
        first = np.flatnonzero(np.isfinite(s.close))  # type: ignore[arg-type]
        if first.size and s.close[first[0]] > 0:  # type: ignore[index]
            bh = s.equity[first[0]] * s.close / s.close[first[0]]  # type: ignore[index]
            _line(ax, bh, cols, color="#9e9e9e", linewidth=0.8, label="buy & hold")
    ax.set_ylabel("equity")
    ax.legend(loc="upper left", fontsize="small")
    ax = axes[k]
    k += 1
    peak = np.fmax.accumulate(s.equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, s.equity / peak - 1.0, np.nan) * 100.0
    kept = _core.plot.m4_indices(np.ascontiguousarray(dd), None, cols)
    ax.fill_between(kept, dd[kept], 0.0, color=_DOWN, alpha=0.4, linewidth=0)
    ax.set_ylabel("drawdown %")
    if s.position is not None:
        ax = axes[k]
        k += 1
        kept = _core.plot.m4_indices(np.ascontiguousarray(s.position), None, cols)
        ax.step(kept, s.position[kept], where="post", color="#6a1b9a", linewidth=0.8)
        ax.axhline(0.0, color="black", linewidth=0.5)
        ax.set_ylabel("position")
    for name in own:
        ax = axes[k]
        k += 1
        for col in ind[name].columns:
            _line(ax, ind[name][col].to_numpy(), cols, linewidth=0.9, label=str(col))
        ax.set_ylabel(name)
    _time_axis(axes[-1], s.index)
    if n:
        axes[-1].set_xlim(-0.5, n - 0.5)
    return fig
