"""The tear sheets: a backtest result's, a sweep table's and a walk-forward's (docs/report.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors, as_int
from threadx.errors import ThreadXError, ValidationError
from threadx.report import _charts
from threadx.report._html import Page, check_path, default_style, kv_html, table_html, write_atomic
from threadx.report._metrics import (align_benchmark, drawdown_periods, monthly_returns, quantstats_metrics,
                                     yearly_returns)

__all__ = ["backtest", "metrics", "sweep", "walk_forward"]

#: quantstats metrics shown as percentages (they are fractions).
_PERCENT = frozenset(("Cumulative Return", "CAGR", "Volatility (ann.)", "Max Drawdown", "Daily Value-at-Risk",
                      "Expected Shortfall (cVaR)", "Best Day", "Worst Day", "Best Month", "Worst Month",
                      "Best Year", "Worst Year", "Alpha"))
_TRADE_COLUMNS = ("sim", "symbol", "side", "size", "entry_time", "entry_price", "exit_time", "exit_price", "fees",
                  "pnl", "return", "duration", "exit_reason")
_ROLLING = 126  # quantstats' rolling window (six months of trading days)


def _check_title(title: Any, errors: FieldErrors) -> None:
    if title is not None and not isinstance(title, str):
        errors.add("title", title, "must be a str or None")


def _daily(equity: pd.Series) -> pd.Series | None:
    """The equity's daily returns (None without a DatetimeIndex)."""
    from threadx.backtest._returns import returns_of

    if not isinstance(equity.index, pd.DatetimeIndex):
        return None
    daily: pd.Series = returns_of(equity, "D")
    return daily


def _benchmark(benchmark: Any, daily: pd.Series | None, errors: FieldErrors) -> pd.Series | None:
    if benchmark is None:
        return None
    if daily is None:
        errors.add("benchmark", type(benchmark).__name__, "needs a result on a DatetimeIndex (daily returns)")
        return None
    try:
        return align_benchmark(benchmark, daily)
    except ValidationError as exc:
        errors.extend(exc)
        return None


def _common(bench: pd.Series | None) -> pd.Series | None:
    return None if bench is None or len(bench) < 2 else bench


def _quantstats_html(daily: pd.Series | None, bench: pd.Series | None) -> str:
    """quantstats' metrics of the daily returns, or what is missing and why."""
    if daily is None:
        return ('<p class="missing">The result is not on a DatetimeIndex: no daily returns, so no quantstats '
                "metrics, monthly returns or rolling charts.</p>")
    if daily.count() < 2:
        return (f'<p class="missing">{daily.count()} daily return(s): the quantstats metrics, monthly returns and '
                "rolling charts need at least two days of equity changes.</p>")
    m = quantstats_metrics(daily, _common(bench))
    return (kv_html([(str(k), float(v), "%" if k in _PERCENT else "") for k, v in m.items()])
            + f'<p class="sub">Daily returns ({daily.count():,} days), 252 periods a year, risk-free rate 0; '
              "names and definitions as quantstats 0.0.86 (docs/report.md).</p>")


def _metrics_section(page: Page, title: str, stats: pd.Series, daily: pd.Series | None,
                     bench: pd.Series | None) -> None:
    """backtesting.py's statistics beside quantstats' metrics."""
    page.add(title, '<div class="grid"><div><h3>Statistics (backtesting.py)</h3>' + _stats_html(stats)
             + '</div><div><h3>Returns metrics (quantstats)</h3>' + _quantstats_html(daily, bench) + "</div></div>")


def _returns_charts(page: Page, daily: pd.Series | None, bench: pd.Series | None, window: int) -> None:
    """The monthly and yearly returns, rolling Sharpe and volatility, the benchmark's relative equity."""
    if daily is None or daily.count() < 2:
        return
    common = _common(bench)
    page.chart("Monthly returns", _charts.monthly_heatmap(monthly_returns(daily)))
    page.chart("Yearly returns", _charts.yearly_bars(yearly_returns(daily)))
    w = min(window, max(2, daily.count() // 2))
    page.chart("Rolling Sharpe and volatility", _charts.rolling_chart(daily, w),
               "" if w == window else f"{window} days asked, {daily.count()} daily returns: window {w} used.")
    if bench is not None and common is None:
        page.missing("Benchmark", f"{len(bench)} date(s) in common with the benchmark: alpha, beta and the "
                     "information ratio need at least two.")
    elif common is not None:
        page.chart("Benchmark: relative equity", _charts.relative_equity(daily.reindex(common.index), common),
                   f"{len(common):,} common dates; alpha (annualised), beta and information ratio above.")


def _drawdowns(page: Page, equity: pd.Series) -> None:
    dd = drawdown_periods(equity)
    if not len(dd):
        page.missing("Top 5 drawdown periods", "The equity never falls below a previous peak.")
        return
    if isinstance(equity.index, pd.DatetimeIndex):
        end = dd["end"].where(dd["end"].notna(), equity.index[-1])
        dd["duration"] = pd.to_datetime(end) - pd.to_datetime(dd["start"])
    page.add("Top 5 drawdown periods", table_html(dd, percent=("depth",), index=False)
             + '<p class="sub">start: the peak; end: the recovery (n/a: not recovered); bars under water.</p>')


def _trades_sections(page: Page, trades: pd.DataFrame | None, max_trades: int) -> None:
    if trades is None or not len(trades):
        page.missing("Trades", "No closed trades: nothing to list, and no trade PnL distribution.")
        return
    cols = [c for c in _TRADE_COLUMNS if c in trades.columns]
    page.add(f"Trades ({len(trades):,})", '<div class="scroll">'
             + table_html(trades[cols], sortable=True, percent=("return",), max_rows=max_trades)
             + '</div><p class="sub">Click a column header to sort.</p>')
    page.chart("Trade PnL distribution", _charts.pnl_histogram(trades["pnl"]))


def _costs(page: Page, res: Any) -> None:
    items: list[tuple[str, Any, str]] = []
    orders = getattr(res, "orders", None)
    if isinstance(orders, pd.DataFrame) and "fees" in orders.columns:
        items.append(("Fees paid", float(orders["fees"].sum()), ""))
    charges = getattr(res, "charges", None)
    if isinstance(charges, pd.DataFrame) and {"kind", "amount"} <= set(charges.columns):
        for kind, amount in charges.groupby("kind", observed=True)["amount"].sum().items():
            items.append((f"{kind} paid", float(amount), ""))
    if items:
        page.add("Costs", kv_html(items))


def _flat(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any, str]]:
    out: list[tuple[str, Any, str]] = []
    for k, v in d.items():
        if isinstance(v, Mapping):
            out += _flat(v, f"{prefix}{k}.")
        else:
            out.append((f"{prefix}{k}", v if isinstance(v, (int, float, pd.Timestamp)) else str(v), ""))
    return out


def _provenance(page: Page, res: Any) -> None:
    prov = getattr(res, "provenance", None)
    if isinstance(prov, Mapping):
        page.add("Parameters and provenance", kv_html(_flat(prov)))
    else:
        page.missing("Parameters and provenance", f"A {type(res).__name__} records no provenance (parameters, "
                     "version, data fingerprint).")


def _trades_of(res: Any, sim: Any) -> pd.DataFrame | None:
    """The trades of the simulation or cash account the report is about: all of them without
    ``sim``; with it, the ``sim`` column's rows (a run) or those of every symbol sharing its
    account (``from_orders``, a ``Strategy``)."""
    trades = getattr(res, "trades", None)
    if not isinstance(trades, pd.DataFrame):
        return None
    if sim is None:
        return trades
    if "sim" in trades.columns:
        rows: pd.DataFrame = trades.loc[trades["sim"] == sim]
        return rows
    groups: list[list[Any]] = getattr(res, "_groups", None) or [[sim]]
    members = next((g for g in groups if sim in g), [sim])
    return trades.loc[trades["symbol"].isin(members)] if "symbol" in trades.columns else trades


def _stats_of(res: Any, sim: Any) -> pd.Series:
    st = res.stats
    if isinstance(st, pd.DataFrame):
        return st.loc[sim] if sim is not None and sim in st.index else st.iloc[0]  # one row, or sim's
    return st  # type: ignore[no-any-return]


def _stats_html(st: pd.Series) -> str:
    return kv_html([(str(k), v, "") for k, v in st.items()]) + (
        '<p class="sub">Names and definitions as backtesting.py\'s (docs/backtest.md).</p>')


def backtest(res: Any, path: Any, *, benchmark: Any = None, title: str | None = None, sim: Any = None,
             rolling: int = _ROLLING, max_trades: int = 2000) -> Path:
    """Write the tear sheet of a backtest result (``run``, ``from_orders``/``Strategy``,
    ``rebalance``) to ``path`` as one self-contained HTML file; returns the path.

    ``benchmark``: prices or returns on a DatetimeIndex (aligned by date) for alpha, beta,
    the information ratio and a relative equity line; ``sim``: the simulation or symbol when
    the result holds several; ``rolling``: the rolling Sharpe/volatility window in days;
    ``max_trades``: the trade list's rows.  Everything is checked before any work
    (``ValidationError`` naming each bad field); the file is written atomically.
    """
    from threadx.plot._backtest import _series_of

    errors = FieldErrors()
    target = check_path(path, errors)
    s = _series_of(res, None, sim, errors)
    window = as_int(rolling, "rolling", errors, _ROLLING, minimum=2)
    cap = as_int(max_trades, "max_trades", errors, 2000, minimum=0)
    _check_title(title, errors)
    equity = pd.Series(s.equity, index=s.index, name="equity") if s is not None else None
    daily = _daily(equity) if equity is not None else None
    bench = _benchmark(benchmark, daily, errors) if equity is not None else None
    errors.raise_if_any()
    assert target is not None and s is not None and equity is not None
    with default_style():  # the same look whatever the user's matplotlib style
        page = Page(title or f"Tear sheet: {type(res).__name__}",
                    f"{s.index[0]} to {s.index[-1]}, {len(s.index):,} bars" + (f", {sim}" if sim is not None else ""))
        _metrics_section(page, "Key metrics", _stats_of(res, sim), daily, bench)
        page.chart("Overview", res.plot(**({"sim": sim} if sim is not None else {}), figsize=(11.0, 8.0)))
        _returns_charts(page, daily, bench, window)
        _drawdowns(page, equity)
        _trades_sections(page, _trades_of(res, sim), cap)
        _costs(page, res)
        _provenance(page, res)
        text = page.render()
    return write_atomic(target, text)


def _overfitting(page: Page, table: pd.DataFrame | None) -> None:
    """The deflated Sharpe and PBO of a sweep that kept ``partition_sums``."""
    from threadx.research import deflated_sharpe, pbo

    sums = None if table is None else table.attrs.get("partition_sums")
    if sums is None:
        page.missing("Overfitting: deflated Sharpe and PBO", "The sweep kept no partition sums: run "
                     "threadx.backtest.sweep(..., partitions=16) (a built-in strategy) to get them.")
        return
    try:
        trial = sums.trial_sharpe()
        best = float(np.nanmax(trial.to_numpy()))
        dsr = deflated_sharpe(sharpe=best, n_obs=sums.n_rows, skew=0.0, kurtosis=3.0, trials_sharpe=trial.dropna())
        p = pbo(sums)
    except ThreadXError as exc:
        page.missing("Overfitting: deflated Sharpe and PBO", f"Not computable from these trials: {exc}")
        return
    page.add("Overfitting: deflated Sharpe and PBO", kv_html([
        ("Trials", sums.n_trials, ""), ("Returns per trial", sums.n_rows, ""),
        ("Best per-period Sharpe", best, ""), ("Deflated Sharpe ratio", dsr, ""),
        ("PBO (probability of backtest overfitting)", p.pbo, ""), ("Prob. of out-of-sample loss", p.prob_oos_loss, ""),
        ("CSCV partitions", p.n_partitions, ""), ("Combinations used", p.n_valid, "")])
        + '<p class="sub">DSR of the best trial against the expected maximum of the trials\' Sharpe ratios, '
          "assuming normal returns (the sweep keeps sums, not the returns); PBO by CSCV "
          "(docs/research.md).</p>")


def _sweep_axes(table: pd.DataFrame, x: Any, y: Any, errors: FieldErrors) -> tuple[str, str] | None:
    names = [n for n in table.index.names if n is not None and n != "symbol"]
    if x is None and y is None:
        return (str(names[0]), str(names[1])) if len(names) >= 2 else None
    for field, v in (("x", x), ("y", y)):
        if not isinstance(v, str) or v not in names:
            errors.add(field, v, f"must be a parameter of the table's index: {names}")
    return (str(x), str(y)) if not errors.items else None


def sweep(table: Any, path: Any, *, metric: str = "sharpe", x: str | None = None, y: str | None = None,
          title: str | None = None, top: int = 20) -> Path:
    """Write the tear sheet of a sweep table (``threadx.backtest.sweep``) to ``path``: the
    best ``top`` combinations by ``metric``, the metric's heatmap over two parameters (``x``,
    ``y``; default the first two) and its distribution, and the deflated Sharpe and PBO when the
    sweep kept ``partition_sums``.  Returns the path; written atomically."""
    from threadx.plot import distribution, heatmap
    from threadx.plot._sweep import _metric

    errors = FieldErrors()
    target = check_path(path, errors)
    values = _metric(table, metric, errors)
    n_top = as_int(top, "top", errors, 20, minimum=1)
    _check_title(title, errors)
    axes = _sweep_axes(table, x, y, errors) if isinstance(table, pd.DataFrame) else None
    errors.raise_if_any()
    assert target is not None and values is not None and isinstance(table, pd.DataFrame)
    with default_style():  # the same look whatever the user's matplotlib style
        page = Page(title or "Tear sheet: sweep", f"{len(table):,} combinations, metric {values.name}, "
                    f"{int(values.isna().sum()):,} NaN")
        order = values.sort_values(ascending=False, na_position="last").index
        page.add(f"Best {min(n_top, len(table))} combinations by {values.name}",
                 '<div class="scroll">' + table_html(table.loc[order].head(n_top), sortable=True) + "</div>")
        if axes is not None:
            page.chart(f"{values.name} over {axes[0]} and {axes[1]}", heatmap(table, axes[0], axes[1], metric))
        else:
            page.missing("Heatmap", "The table has fewer than two parameters: no heatmap.")
        page.chart(f"Distribution of {values.name}", distribution(table, metric))
        _overfitting(page, table)
        text = page.render()
    return write_atomic(target, text)


def metrics(returns: Any, benchmark: Any = None) -> pd.Series:
    """The tear sheet's quantstats metrics of daily ``returns`` (a Series of fractions on a
    DatetimeIndex, e.g. ``res.returns("D")``), named and defined as quantstats 0.0.86 computes
    them (252 periods a year, risk-free rate 0; docs/report.md); ``benchmark`` (prices or
    returns, aligned by date) adds Alpha, Beta and the Information Ratio."""
    errors = FieldErrors()
    if not isinstance(returns, pd.Series) or not isinstance(returns.index, pd.DatetimeIndex):
        errors.add("returns", type(returns).__name__, "must be a pandas Series of daily returns on a DatetimeIndex")
    elif not pd.api.types.is_numeric_dtype(returns.dtype) or pd.api.types.is_bool_dtype(returns.dtype):
        errors.add("returns", f"dtype {returns.dtype}", "must hold numbers (returns as fractions)")
    errors.raise_if_any()
    bench = _benchmark(benchmark, returns, errors)
    errors.raise_if_any()
    return quantstats_metrics(returns, bench)


def walk_forward(wf: Any, path: Any, *, table: Any = None, title: str | None = None, benchmark: Any = None) -> Path:
    """Write the tear sheet of a walk-forward (``threadx.research.walk_forward``) to ``path``:
    the chosen parameters per fold, the stitched out-of-sample equity, its statistics and
    quantstats metrics, the trades, and the deflated Sharpe and PBO of ``table`` (a sweep
    table kept with ``partitions=``) when given.  Returns the path; written atomically."""
    from threadx.research._walk_forward import WalkForwardResult

    errors = FieldErrors()
    target = check_path(path, errors)
    if not isinstance(wf, WalkForwardResult):
        errors.add("wf", type(wf).__name__, "must be what threadx.research.walk_forward returns (one symbol's)")
    if table is not None and not isinstance(table, pd.DataFrame):
        errors.add("table", type(table).__name__, "must be a sweep table (a DataFrame) or None")
    _check_title(title, errors)
    daily = _daily(wf.equity) if isinstance(wf, WalkForwardResult) else None
    bench = _benchmark(benchmark, daily, errors)
    errors.raise_if_any()
    assert target is not None
    with default_style():  # the same look whatever the user's matplotlib style
        eq = wf.equity
        page = Page(title or "Tear sheet: walk-forward", f"{len(wf.folds)} folds, {len(eq):,} out-of-sample bars, "
                    f"metric {wf.metric}")
        page.add("Chosen parameters per fold", table_html(wf.folds, sortable=True))
        _metrics_section(page, "Key metrics (stitched out-of-sample)", wf.stats, daily, bench)
        if len(eq):
            page.chart("Stitched out-of-sample equity", _charts.equity_line(eq))
        _returns_charts(page, daily, bench, _ROLLING)
        _drawdowns(page, eq)
        _trades_sections(page, wf.trades, 2000)
        _overfitting(page, table)
        text = page.render()
    return write_atomic(target, text)
