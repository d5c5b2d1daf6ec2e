"""The tear sheet's own charts (matplotlib Figures, made without pyplot's global state)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from threadx._optional import require
from threadx.report._metrics import PERIODS_PER_YEAR

__all__ = ["equity_line", "monthly_heatmap", "pnl_histogram", "relative_equity", "rolling_chart", "yearly_bars"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _figure(w: float, h: float, rows: int = 1) -> tuple[Any, Any]:
    figure = require("matplotlib.figure", extra="plot", feature="the HTML report")
    fig = figure.Figure(figsize=(w, h), layout="constrained")
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return fig, axes


def monthly_heatmap(table: pd.DataFrame) -> Any:
    """Years down, months across, each cell its compounded return in %, annotated."""
    fig, (ax,) = _figure(10.0, 0.45 * len(table) + 1.2)
    values = table.to_numpy(dtype=np.float64) * 100
    finite = np.abs(values[np.isfinite(values)])
    lim = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    ax.imshow(np.ma.masked_invalid(values), cmap="RdYlGn", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(12), _MONTHS)
    ax.set_yticks(range(len(table)), [str(y) for y in table.index])
    for (i, j), v in np.ndenumerate(values):
        if math.isfinite(v):  # white on the darkest cells
            ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.7 * lim else "black")
    ax.set_title("Monthly returns (%)")
    return fig


def yearly_bars(yearly: pd.Series) -> Any:
    fig, (ax,) = _figure(10.0, 3.0)
    values = yearly.to_numpy(dtype=np.float64) * 100
    ax.bar([str(y) for y in yearly.index], values, color=np.where(values >= 0, "tab:green", "tab:red"))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("%")
    ax.set_title("Yearly returns (%)")
    return fig


def rolling_chart(returns: pd.Series, window: int) -> Any:
    """Rolling Sharpe (mean / std · √252) and rolling annualised volatility of daily returns."""
    fig, (a1, a2) = _figure(10.0, 4.5, rows=2)
    roll = returns.rolling(window)
    sd = roll.std()
    x = pd.DatetimeIndex(returns.index)
    a1.plot(x, roll.mean() / sd * math.sqrt(PERIODS_PER_YEAR), color="tab:blue", linewidth=1)
    a1.axhline(0, color="black", linewidth=0.8)
    a1.set_title(f"Rolling Sharpe ({window} days)")
    a2.plot(x, sd * math.sqrt(PERIODS_PER_YEAR) * 100, color="tab:orange", linewidth=1)
    a2.set_title(f"Rolling volatility, annualised ({window} days, %)")
    return fig


def pnl_histogram(pnl: pd.Series) -> Any:
    fig, (ax,) = _figure(10.0, 3.0)
    values = pnl.to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    ax.hist(values, bins=max(1, min(50, values.size)), color="tab:blue", edgecolor="white")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_title(f"Trade PnL distribution ({values.size:,} trades)")
    ax.set_xlabel("PnL after fees")
    return fig


def relative_equity(returns: pd.Series, benchmark: pd.Series) -> Any:
    """Growth of 1 for the strategy and the benchmark on their common dates, and their ratio."""
    fig, (a1, a2) = _figure(10.0, 4.5, rows=2)
    x = pd.DatetimeIndex(returns.index)
    s, b = returns.add(1).cumprod(), benchmark.add(1).cumprod()
    a1.plot(x, s, label="strategy", linewidth=1)
    a1.plot(x, b, label="benchmark", linewidth=1)
    a1.legend(loc="upper left")
    a1.set_title("Growth of 1 on the common dates")
    a2.plot(x, s / b, color="tab:purple", linewidth=1)
    a2.axhline(1, color="black", linewidth=0.8)
    a2.set_title("Relative equity (strategy / benchmark)")
    return fig


def equity_line(equity: pd.Series) -> Any:
    """Equity and drawdown (a walk-forward's stitched out-of-sample curve)."""
    from threadx.plot import downsample

    fig, (a1, a2) = _figure(10.0, 4.5, rows=2)
    x = np.arange(len(equity), dtype=np.float64)
    eq = equity.to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = (eq / np.fmax.accumulate(eq) - 1) * 100
    eq, dd = (np.where(np.isfinite(v), v, np.nan) for v in (eq, dd))
    for ax, y, label in ((a1, eq, "Equity"), (a2, dd, "Drawdown (%)")):
        kept = downsample(pd.Series(y, index=x), by_time=False)
        ax.plot(kept.index.to_numpy(), kept.to_numpy(), linewidth=1)
        ax.set_title(label)
    idx = equity.index
    ticks = np.linspace(0, len(equity) - 1, num=min(6, len(equity))).astype(int)
    a2.set_xticks(ticks, [str(idx[t])[:10] for t in ticks])
    return fig
