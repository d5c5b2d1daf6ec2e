"""The tear sheet's numbers: quantstats' metrics of daily returns, benchmark alignment,
drawdown periods and the monthly table (docs/report.md).

Every metric that quantstats also computes carries quantstats' (0.0.86) name and definition:
daily returns, ``periods = 252`` for annualisation, risk-free rate 0 (checked against
quantstats in ``tests/test_report.py`` under the parity rule).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors
from threadx.backtest._returns import period_last, period_starts

__all__ = ["PERIODS_PER_YEAR", "align_benchmark", "drawdown_periods", "monthly_returns", "quantstats_metrics",
           "yearly_returns"]

#: Periods per year quantstats annualises daily returns with.
PERIODS_PER_YEAR = 252
#: The confidence of the value at risk and the expected shortfall (quantstats' default).
CONFIDENCE = 0.95
_NAN = float("nan")


def _f(x: Any) -> float:
    """A pandas reduction's scalar as a float (its stubs type it as any scalar)."""
    return float(x)


def _comp(r: pd.Series) -> float:
    """quantstats' ``comp``: the compounded return, ``prod(1 + r) - 1``."""
    return _f(r.add(1).prod()) - 1


def _grouped(r: pd.Series, period: str) -> pd.Series:
    """Compounded returns per calendar month ("ME") or year ("YE"), quantstats'
    ``aggregate_returns(r, "ME"/"YE")``."""
    idx = pd.DatetimeIndex(r.index)
    keys = [idx.year, idx.month] if period == "ME" else [idx.year]
    return r.groupby(keys).apply(_comp)


def _sharpe(r: pd.Series, annualize: bool) -> float:
    res = float(np.float64(r.mean()) / np.float64(r.std(ddof=1)))
    return res * math.sqrt(PERIODS_PER_YEAR) if annualize else res


def _sortino(r: pd.Series) -> float:
    downside = math.sqrt(float((r[r < 0] ** 2).sum()) / r.count())
    return _NAN if downside == 0 else float(r.mean()) / downside * math.sqrt(PERIODS_PER_YEAR)


def _cagr(r: pd.Series) -> float:
    wealth = _comp(r) + 1.0
    return _NAN if wealth < 0 else abs(wealth) ** (PERIODS_PER_YEAR / r.count()) - 1


def _max_drawdown(r: pd.Series) -> float:
    """The deepest fall of ``prod(1 + r)`` below its running peak, the start (1.0) counted."""
    wealth = np.r_[1.0, r.add(1).cumprod().ffill().to_numpy(dtype=np.float64)]
    return float(np.min(wealth / np.maximum.accumulate(wealth)) - 1)


def _psr(r: pd.Series) -> float:
    """quantstats' ``probabilistic_sharpe_ratio``: per-period Sharpe, pandas' (sample) skew and
    kurtosis, ``Φ(SR / sqrt((1 - skew·SR + (kurt - 1)/4·SR²) / (n - 1)))``."""
    base = _sharpe(r, annualize=False)
    skew, kurt = _f(r.skew()), _f(r.kurtosis()) + 3
    var = (1 - skew * base + (kurt - 1) / 4 * base**2) / (len(r) - 1)
    return NormalDist().cdf(base / math.sqrt(var)) if var > 0 else _NAN


def _var_cvar(r: pd.Series) -> tuple[float, float]:
    """Parametric (normal) value at risk and expected shortfall at :data:`CONFIDENCE`."""
    mu, sd, alpha = float(r.mean()), float(r.std()), 1 - CONFIDENCE
    if not sd > 0:
        return _NAN, mu
    var = NormalDist(mu, sd).inv_cdf(alpha)
    z = NormalDist().inv_cdf(alpha)
    return var, mu - sd * NormalDist().pdf(z) / alpha


def _tail_ratio(r: pd.Series) -> float:
    hi, lo = float(r.quantile(CONFIDENCE)), float(r.quantile(1 - CONFIDENCE))
    return _NAN if math.isnan(hi) or math.isnan(lo) or lo == 0 else abs(hi / lo)


def _kelly(r: pd.Series) -> float:
    wins, losses = r[r > 0], r[r < 0]
    nonzero = r.dropna()
    nonzero = nonzero[nonzero != 0]
    win_prob = len(wins) / len(nonzero) if len(nonzero) else 0.0
    avg_loss = float(losses.mean())
    payoff = _NAN if avg_loss == 0 else float(wins.mean()) / abs(avg_loss)
    if payoff == 0 or math.isnan(payoff):
        return _NAN
    return (payoff * win_prob - (1 - win_prob)) / payoff


def quantstats_metrics(returns: pd.Series, benchmark: pd.Series | None = None) -> pd.Series:
    """quantstats' metrics of daily ``returns`` (fractions, 0.01 = 1 %), named as quantstats'
    report names them; with a daily ``benchmark`` on some of the returns' dates
    (:func:`align_benchmark`) also Alpha, Beta (``greeks``) and the Information Ratio, of
    the returns on those dates.  Fewer than two returns: every metric NaN."""
    r = returns.astype(np.float64)
    names = ["Cumulative Return", "CAGR", "Sharpe", "Prob. Sharpe Ratio", "Sortino", "Volatility (ann.)", "Calmar",
             "Max Drawdown", "Daily Value-at-Risk", "Expected Shortfall (cVaR)", "Tail Ratio", "Kelly Criterion",
             "Skew", "Kurtosis", "Best Day", "Worst Day", "Best Month", "Worst Month", "Best Year", "Worst Year"]
    if benchmark is not None:
        names += ["Alpha", "Beta", "Information Ratio"]
    if r.count() < 2:
        return pd.Series(_NAN, index=names, dtype=np.float64, name="metrics")
    with np.errstate(divide="ignore", invalid="ignore"):  # flat returns: NaN or inf, as quantstats
        values = _values(r)
    if benchmark is not None:
        values += _greeks(r.reindex(benchmark.index), benchmark.astype(np.float64))
    return pd.Series(values, index=names, dtype=np.float64, name="metrics")


def _values(r: pd.Series) -> list[float]:
    var, cvar = _var_cvar(r)
    mdd, cagr = _max_drawdown(r), _cagr(r)
    month, year = _grouped(r, "ME"), _grouped(r, "YE")
    return [_comp(r), cagr, _sharpe(r, True), _psr(r), _sortino(r), float(r.std()) * math.sqrt(PERIODS_PER_YEAR),
              _NAN if mdd == 0 else cagr / abs(mdd), mdd, var, cvar, _tail_ratio(r), _kelly(r),
              _f(r.skew()), _f(r.kurtosis()), _f(r.max()), _f(r.min()), float(month.max()),
              float(month.min()), float(year.max()), float(year.min())]


def _greeks(r: pd.Series, b: pd.Series) -> list[float]:
    """quantstats' ``greeks`` (alpha annualised by 252, beta) and ``information_ratio``."""
    paired = pd.DataFrame({"r": r, "b": b}).dropna()
    cov = np.cov(paired["r"], paired["b"])
    beta = _NAN if cov[1, 1] == 0 else float(cov[0, 1] / cov[1, 1])
    alpha = (float(paired["r"].mean()) - beta * float(paired["b"].mean())) * PERIODS_PER_YEAR
    diff = r - b
    sd = float(diff.std())
    info = float(diff.mean()) / sd if sd != 0 else 0.0
    return [0.0 if math.isnan(alpha) else alpha, 0.0 if math.isnan(beta) else beta, info]


def _wall_dates(series: pd.Series) -> pd.Series:
    """The series keyed by tz-naive wall dates, the last value of each day."""
    return period_last(series, "D")  # type: ignore[return-value]


def align_benchmark(benchmark: Any, returns: pd.Series) -> pd.Series:
    """The benchmark's daily returns on the dates of ``returns`` (both have them), as a
    Series.  ``benchmark``: prices (every value > 0) or returns (any value <= 0), on a
    DatetimeIndex; another calendar is aligned by date.  Refused, a ``ValidationError``
    naming ``benchmark``: not a numeric Series on a DatetimeIndex, or no date in common."""
    errors = FieldErrors()
    if not isinstance(benchmark, pd.Series) or not isinstance(benchmark.index, pd.DatetimeIndex):
        errors.add("benchmark", type(benchmark).__name__, "must be a pandas Series of prices or returns on a "
                   "DatetimeIndex")
    elif not pd.api.types.is_numeric_dtype(benchmark.dtype) or pd.api.types.is_bool_dtype(benchmark.dtype):
        errors.add("benchmark", f"dtype {benchmark.dtype}", "must hold numbers (prices or returns)")
    errors.raise_if_any()
    b = benchmark.astype(np.float64).replace([np.inf, -np.inf], np.nan).dropna().sort_index(kind="stable")
    if len(b) and bool((b > 0).all()):  # prices: the last of each day, then its returns
        daily = _wall_dates(b).pct_change().iloc[1:]
    else:  # returns: compounded per day
        daily = b.add(1).groupby(period_starts(pd.DatetimeIndex(b.index), "D")).prod().sub(1)
        daily.index = pd.DatetimeIndex(daily.index)
    common = pd.DatetimeIndex(returns.index).intersection(pd.DatetimeIndex(daily.index))
    if len(common) == 0 and len(returns):
        span = f"{b.index[0]} .. {b.index[-1]}" if len(b) else "no values"
        errors.add("benchmark", f"<{len(benchmark)} values, {span}>",
                   "has no date in common with the result's daily returns: nothing to compare")
        errors.raise_if_any()
    return daily.reindex(common).rename("benchmark")


def monthly_returns(returns: pd.Series) -> pd.DataFrame:
    """Compounded returns per month: years down, months 1..12 across (NaN: no return)."""
    g = _grouped(returns.astype(np.float64), "ME")
    table = g.unstack() if len(g) else pd.DataFrame()
    return table.reindex(columns=range(1, 13))


def yearly_returns(returns: pd.Series) -> pd.Series:
    """Compounded returns per calendar year."""
    return _grouped(returns.astype(np.float64), "YE")


def drawdown_periods(equity: pd.Series, top: int = 5) -> pd.DataFrame:
    """The ``top`` deepest drawdown periods of ``equity``: start (the peak), valley, end (the
    recovery, NaT while still under water), depth (fraction, negative) and length in bars."""
    eq = equity.astype(np.float64).ffill().to_numpy()
    cols = ["start", "valley", "end", "depth", "bars"]
    if len(eq) < 2:
        return pd.DataFrame(columns=cols)
    peak = np.fmax.accumulate(eq)
    dd = eq / peak - 1
    under = dd < 0
    edges = np.flatnonzero(np.diff(np.r_[0, under.astype(np.int8), 0]))
    rows = []
    idx = equity.index
    for s, e in zip(edges[::2], edges[1::2], strict=True):  # bars s..e-1 under water
        v = s + int(np.nanargmin(dd[s:e]))
        rows.append((idx[s - 1] if s > 0 else idx[s], idx[v], idx[e] if e < len(eq) else None,
                     float(dd[v]), int(e - s)))
    frame = pd.DataFrame(rows, columns=cols)
    return frame.sort_values("depth", kind="stable").head(top).reset_index(drop=True)
